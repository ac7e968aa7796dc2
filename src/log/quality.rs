//! The data-quality ledger: every input row is either used or reported here.

use std::fmt;

use serde::Serialize;

/// A row the reader did not turn into events, with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RejectedRow {
    /// The 1-based line (the header is line 1); 0 when the reader does not know it (Jira
    /// JSON, gzipped XES), where `place` says where the row is.
    pub line: u64,
    /// Where the row is in the document's own terms: `trace 3 "case-7", event 2` in an XES
    /// log, `issue "PROJ-12", history 4` in a Jira search result (`None` for CSV rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The column at fault, if one is.
    pub column: Option<String>,
    /// The offending value, if one is.
    pub value: Option<String>,
    /// Why the row was not used.
    pub reason: String,
}

/// What one of several files read as one log gave: its part of the data-quality ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SourceLedger {
    /// The file, as its items' `source` attribute names it.
    pub source: String,
    /// Its data rows (records) read.
    pub rows: u64,
    /// The events its rows gave.
    pub events_read: u64,
    /// Its rows rejected.
    pub rejected: u64,
    /// Its items.
    pub items: u64,
    /// Its item ids also found in another file (named `<source>:<id>` in the log).
    pub ids_renamed: u64,
}

/// A status no stage maps, whose events were dropped because the caller chose to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DroppedState {
    /// The status as written.
    pub state: String,
    /// How many events carried it.
    pub count: u64,
    /// The first line that carried it (0 when not read from a file).
    pub first_line: u64,
}

/// The kinds of irregularity the ledger counts. The `snake_case` names are the JSON keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WarningKind {
    /// A move to a stage declared earlier in the workflow than the one the item was in
    /// (rework), other than a move out of a done stage.
    BackwardMoves,
    /// A forward move that jumped over one or more wait or active stages.
    SkippedStages,
    /// Events after an item was done that kept it in done stages (`Resolved` → `Closed`),
    /// and with `TimelineOptions::done_is_final` every event after done: they do not move
    /// the done instant.
    EventsAfterDone,
    /// An item left a done stage for a stage that is not done: it is in progress again.
    Reopened,
    /// An item reached done without ever being committed: discarded, in no time metric.
    DoneWithoutCommitment,
    /// Two events of one item with the same state and the same instant.
    DuplicateEvents,
    /// An item's events were not in time order in the input (they are sorted, ties keeping
    /// input order).
    UnsortedInput,
    /// Events after the observation end `as_of`, left out of the timelines.
    AfterAsOf,
    /// Intervals of one item that overlap (the later start wins).
    OverlappingIntervals,
    /// In a start/complete log, a start of an activity instance while another start of the
    /// same instance (of the same case and activity when the log has no instance ids) is
    /// still open: the completes close the open starts first in, first out.
    CrossingIntervals,
    /// In a start/complete log, a start never completed (work in progress) or a complete
    /// with no start open before it (an instant of work).
    UnpairedTransitions,
    /// Items none of whose events survived (all dropped as unmapped or after `as_of`).
    ItemsWithoutEvents,
    /// The input ends cut short (an XES document whose elements are not all closed):
    /// whatever followed is missing. The events of a trace it ends in are rejected rows.
    TruncatedInput,
    /// Items whose change history the export cut short (a Jira search returns at most 100
    /// histories per issue): their earlier status changes are missing, so their first
    /// known status seems to start at creation. They are kept, and flagged here.
    IncompleteHistory,
}

impl WarningKind {
    /// What the warning means, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            WarningKind::BackwardMoves => "moves back to an earlier stage (rework)",
            WarningKind::SkippedStages => "forward moves that skipped a wait or active stage",
            WarningKind::EventsAfterDone => "events after done that stayed in done stages",
            WarningKind::Reopened => "items reopened after done",
            WarningKind::DoneWithoutCommitment => {
                "items done without commitment (discarded from time metrics)"
            }
            WarningKind::DuplicateEvents => "duplicate events (same item, state and instant)",
            WarningKind::UnsortedInput => "events out of time order within an item (sorted)",
            WarningKind::AfterAsOf => "events after the observation end (left out)",
            WarningKind::OverlappingIntervals => "overlapping intervals of one item",
            WarningKind::CrossingIntervals => {
                "starts while another of the same case and activity was open (paired first in, first out)"
            }
            WarningKind::UnpairedTransitions => {
                "starts never completed (in progress) or completes with no start (instants)"
            }
            WarningKind::ItemsWithoutEvents => "items with no event left to use",
            WarningKind::TruncatedInput => "input cut short (what followed is missing)",
            WarningKind::IncompleteHistory => {
                "items whose history the export cut short (earlier status changes missing; kept)"
            }
        }
    }
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// How often an irregularity occurred, in how many items, with example item ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Warning {
    /// What happened.
    pub kind: WarningKind,
    /// How many times (events, moves or items, as the kind says).
    pub count: u64,
    /// How many distinct items it touched.
    pub items: u64,
    /// Up to five example item ids, in order of first occurrence.
    pub examples: Vec<String>,
}

/// The "nothing is lost" ledger of one reading of a log through a workflow.
///
/// Every data row is either used or in `rejected`; every event either reaches the timelines
/// (`events`) or is counted in `dropped` (unmapped statuses, when the caller chose to drop
/// them) or in the [`WarningKind::AfterAsOf`] warning. Serialises to the JSON object printed
/// by `valuestream check --json` under `data_quality`.
///
/// # Examples
///
/// ```
/// use valuestream::{
///     BadRows, LogReader, StageKind, TimelineOptions, Timelines, WarningKind, Workflow,
/// };
///
/// let csv = "\
/// id,state,timestamp
/// A,Dev,2024-03-04
/// A,Blocked,2024-03-05
/// A,Dev,2024-03-06
/// A,Done,2024-03-07
/// B,Dev,someday
/// ";
/// let log = LogReader::builder()
///     .bad_rows(BadRows::Skip)
///     .build()
///     .read(csv.as_bytes())?;
/// let workflow = Workflow::builder()
///     .stage("Dev", StageKind::Active)
///     .stage("Done", StageKind::Done)
///     .build()?;
/// // `Blocked` is no stage's status: dropped on request, and counted.
/// let options = TimelineOptions::new().drop_unmapped(true);
/// let timelines = Timelines::with_options(&log, &workflow, &options)?;
/// let q = timelines.quality();
/// assert_eq!((q.rows, q.rejected.len(), q.events_read, q.events), (5, 1, 4, 3));
/// assert_eq!(q.dropped_events(), 1);
/// assert_eq!(q.dropped[0].state, "Blocked");
/// // Every event read is used, dropped, or after the end of the observation.
/// assert_eq!(q.events_read, q.events + q.dropped_events() + q.count(WarningKind::AfterAsOf));
/// println!("{q}");
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DataQuality {
    /// The file (or name) the log was read from.
    pub source: Option<String>,
    /// Data rows read, header excluded (0 for a log built in code).
    pub rows: u64,
    /// Events the rows produced (a wide row gives one per date; an interval up to two).
    pub events_read: u64,
    /// Events used in the timelines.
    pub events: u64,
    /// Rows not used, with line and reason.
    pub rejected: Vec<RejectedRow>,
    /// Events dropped because no stage maps their status (only when asked to drop them).
    pub dropped: Vec<DroppedState>,
    /// Distinct items in the log.
    pub items: u64,
    /// Irregularities, one entry per kind that occurred, in a fixed order.
    pub warnings: Vec<Warning>,
    /// When several files were read as one log, each file's rows, events, rejected rows
    /// and items (absent from the JSON otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceLedger>,
}

impl DataQuality {
    /// The warning of `kind`, if it occurred.
    pub fn warning(&self, kind: WarningKind) -> Option<&Warning> {
        self.warnings.iter().find(|w| w.kind == kind)
    }

    /// The number of occurrences of `kind` (0 if none).
    pub fn count(&self, kind: WarningKind) -> u64 {
        self.warning(kind).map_or(0, |w| w.count)
    }

    /// Events dropped as unmapped, in all.
    pub fn dropped_events(&self) -> u64 {
        self.dropped.iter().map(|d| d.count).sum()
    }
}

/// `n` with thousands separators.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A readable ledger for a terminal.
impl fmt::Display for DataQuality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Data quality of {}",
            self.source.as_deref().unwrap_or("the log")
        )?;
        let dropped = self.dropped_events();
        let after = self.count(WarningKind::AfterAsOf);
        let lines = [
            ("rows read", self.rows),
            ("rows rejected", self.rejected.len() as u64),
            ("events read", self.events_read),
            ("events used", self.events),
            ("events dropped (unmapped status)", dropped),
            ("events after the observation end", after),
            ("items", self.items),
        ];
        for (label, n) in lines {
            writeln!(f, "  {label:<34}{:>12}", count(n))?;
        }
        for s in &self.sources {
            write!(
                f,
                "    {}: {} rows, {} events, {} rejected, {} items",
                s.source,
                count(s.rows),
                count(s.events_read),
                count(s.rejected),
                count(s.items)
            )?;
            if s.ids_renamed > 0 {
                let ids = if s.ids_renamed == 1 { "id" } else { "ids" };
                write!(
                    f,
                    " ({} {ids} also in another file, named {}:<id>)",
                    count(s.ids_renamed),
                    s.source
                )?;
            }
            writeln!(f)?;
        }
        for d in &self.dropped {
            writeln!(
                f,
                "    dropped status {:?}: {} {}, first on line {}",
                d.state,
                count(d.count),
                if d.count == 1 { "event" } else { "events" },
                d.first_line
            )?;
        }
        const SHOWN: usize = 20;
        for r in self.rejected.iter().take(SHOWN) {
            match (r.line, &r.place) {
                (0, Some(place)) => write!(f, "    rejected {place}")?,
                (0, None) => write!(f, "    rejected row")?,
                (line, Some(place)) => write!(f, "    rejected line {line} ({place})")?,
                (line, None) => write!(f, "    rejected line {line}")?,
            }
            if let Some(c) = &r.column {
                write!(f, ", column {c:?}")?;
            }
            if let Some(v) = &r.value {
                write!(f, ", value {v:?}")?;
            }
            writeln!(f, ": {}", r.reason)?;
        }
        if self.rejected.len() > SHOWN {
            writeln!(
                f,
                "    … and {} more rejected rows (all are listed in the JSON output)",
                count((self.rejected.len() - SHOWN) as u64)
            )?;
        }
        if self.warnings.is_empty() {
            writeln!(f, "No warnings.")?;
        } else {
            writeln!(f, "Warnings:")?;
            for w in &self.warnings {
                write!(f, "  {:>10}  {}", count(w.count), w.kind)?;
                if w.items > 0 {
                    write!(
                        f,
                        ", in {} item{}",
                        count(w.items),
                        if w.items == 1 { "" } else { "s" }
                    )?;
                }
                if !w.examples.is_empty() {
                    write!(f, " (e.g. {})", w.examples.join(", "))?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// Accumulates warnings of each kind: counts, items touched and examples.
///
/// Calls for one item must come together (items are tallied one after the other): an item
/// is counted once per run of calls.
#[derive(Clone, Debug, Default)]
pub(crate) struct WarningTally {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
struct Entry {
    kind: WarningKind,
    count: u64,
    items: u64,
    examples: Vec<String>,
    last_item: Option<u32>,
}

impl WarningTally {
    /// Records `n` occurrences of `kind` in item `item` (`id` is its name).
    pub(crate) fn add(&mut self, kind: WarningKind, item: u32, id: &str, n: u64) {
        if n == 0 {
            return;
        }
        let e = self.entry(kind);
        e.count += n;
        if e.last_item != Some(item) {
            e.items += 1;
            e.last_item = Some(item);
            if e.examples.len() < 5 {
                e.examples.push(id.to_owned());
            }
        }
    }

    /// Records a warning that is not tied to items.
    pub(crate) fn add_count(&mut self, kind: WarningKind, n: u64) {
        if n == 0 {
            return;
        }
        self.entry(kind).count += n;
    }

    fn entry(&mut self, kind: WarningKind) -> &mut Entry {
        let i = if let Some(i) = self.entries.iter().position(|e| e.kind == kind) {
            i
        } else {
            self.entries.push(Entry {
                kind,
                count: 0,
                items: 0,
                examples: Vec::new(),
                last_item: None,
            });
            self.entries.len() - 1
        };
        &mut self.entries[i]
    }

    /// The warnings, ordered by kind.
    pub(crate) fn finish(self, mut extra: Vec<Warning>) -> Vec<Warning> {
        let mut out: Vec<Warning> = self
            .entries
            .into_iter()
            .map(|e| Warning {
                kind: e.kind,
                count: e.count,
                items: e.items,
                examples: e.examples,
            })
            .collect();
        out.append(&mut extra);
        out.sort_by_key(|w| w.kind);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_occurrences_items_and_examples() {
        let mut t = WarningTally::default();
        for item in 0..8u32 {
            t.add(WarningKind::BackwardMoves, item, &format!("I-{item}"), 2);
        }
        t.add(WarningKind::Reopened, 3, "I-3", 1);
        t.add(WarningKind::Reopened, 3, "I-3", 0);
        t.add_count(WarningKind::AfterAsOf, 4);
        let w = t.finish(vec![]);
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].kind, WarningKind::BackwardMoves);
        assert_eq!((w[0].count, w[0].items), (16, 8));
        assert_eq!(w[0].examples, ["I-0", "I-1", "I-2", "I-3", "I-4"]);
        assert_eq!(
            (w[1].kind, w[1].count, w[1].items),
            (WarningKind::Reopened, 1, 1)
        );
        assert_eq!(w[2].kind, WarningKind::AfterAsOf);
    }

    #[test]
    fn warning_kinds_serialise_as_snake_case() {
        let json = serde_json::to_string(&WarningKind::DoneWithoutCommitment).unwrap();
        assert_eq!(json, "\"done_without_commitment\"");
    }
}
