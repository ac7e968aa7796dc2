//! Per-item stage visits derived from an event log and a workflow.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{Error, Position, Result, UnmappedState};
use crate::log::quality::WarningTally;
use crate::log::{Attributes, DataQuality, DroppedState, EventLog, Names, WarningKind};
use crate::time::{datetime_to_ms, ms_to_datetime, ms_to_days};
use crate::workflow::{StageKind, Workflow};

/// How timelines are derived from a log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimelineOptions {
    as_of: Option<DateTime<Utc>>,
    drop_unmapped: bool,
}

impl TimelineOptions {
    /// The defaults: observe until the latest instant in the log; unmapped statuses are an
    /// error.
    pub fn new() -> TimelineOptions {
        TimelineOptions::default()
    }

    /// The end of observation. Events after it are left out (and counted in the ledger);
    /// visits still open are open until it.
    pub fn as_of(mut self, as_of: DateTime<Utc>) -> Self {
        self.as_of = Some(as_of);
        self
    }

    /// Drops the events of statuses no stage maps (counted in the ledger) instead of
    /// failing.
    pub fn drop_unmapped(mut self, drop: bool) -> Self {
        self.drop_unmapped = drop;
        self
    }
}

/// An interval an item spent in one stage.
///
/// Consecutive events in the same stage are one visit. The last visit of an item that is
/// not done is open until `as_of`. Visits from the moment an item is done are closed and
/// of zero length: a time after done is never counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visit {
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) stage: u16,
    pub(crate) open: bool,
}

impl Visit {
    /// The index of the stage in the workflow.
    pub fn stage(&self) -> usize {
        usize::from(self.stage)
    }

    /// When the item entered the stage.
    pub fn start(&self) -> DateTime<Utc> {
        ms_to_datetime(self.start)
    }

    /// When it left (or `as_of` for an open visit).
    pub fn end(&self) -> DateTime<Utc> {
        ms_to_datetime(self.end)
    }

    /// The length of the visit in days.
    pub fn days(&self) -> f64 {
        ms_to_days(self.end - self.start)
    }

    /// Whether the item is still in the stage at `as_of`.
    pub fn is_open(&self) -> bool {
        self.open
    }
}

/// Where an item stands at the end of observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Not committed: still in a backlog stage.
    NotStarted,
    /// Committed and not done: work in progress.
    InProgress,
    /// Committed and done.
    Done,
    /// Done without ever being committed: in no time metric.
    Discarded,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ItemRec {
    pub(crate) item: u32,
    pub(crate) first_visit: u32,
    pub(crate) visits: u32,
    pub(crate) backward_moves: u32,
    pub(crate) arrival: i64,
    pub(crate) commitment: Option<i64>,
    pub(crate) done: Option<i64>,
}

impl ItemRec {
    pub(crate) fn status(&self) -> ItemStatus {
        match (self.commitment, self.done) {
            (Some(_), Some(_)) => ItemStatus::Done,
            (None, Some(_)) => ItemStatus::Discarded,
            (Some(_), None) => ItemStatus::InProgress,
            (None, None) => ItemStatus::NotStarted,
        }
    }
}

/// The stage visits of every item of a log, under a workflow, observed until `as_of`.
///
/// # Definitions
///
/// - An item's events are ordered by time; ties keep input order. Consecutive events in the
///   same stage merge into one [`Visit`].
/// - **Arrival** is the item's first event. **Commitment** is its first entry into the
///   commitment stage or any later stage that is not done. **Done** is the start of the
///   item's trailing run of visits in done stages (with one done stage: the start of its
///   last visit, if that visit is done). A reopened item is in progress again.
/// - An item done without commitment is **discarded**: counted, in no time metric.
/// - The window of observation is `[start, as_of]`, `start` being the earliest event used.
///
/// ```
/// use valuestream::{ItemStatus, LogReader, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,To Do,2024-03-01\nA,Dev,2024-03-04\nA,Test,2024-03-06\nA,Done,2024-03-07\n\
///            B,Dev,2024-03-05\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::from_toml_str(r#"
///     [[stage]]
///     name = "Backlog"
///     kind = "backlog"
///     states = ["To Do"]
///     [[stage]]
///     name = "Dev"
///     kind = "active"
///     [[stage]]
///     name = "Test"
///     kind = "active"
///     [[stage]]
///     name = "Done"
///     kind = "done"
/// "#)?;
/// let tl = Timelines::new(&log, &wf)?;
/// let a = tl.get("A").unwrap();
/// assert_eq!(a.status(), ItemStatus::Done);
/// assert_eq!(a.visits().len(), 4);
/// assert_eq!(a.visits()[1].days(), 2.0); // Dev, 4 to 6 March
/// let b = tl.get("B").unwrap();
/// assert!(b.visits()[0].is_open());     // open until as_of, 7 March
/// assert_eq!(b.visits()[0].days(), 2.0);
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Timelines {
    pub(crate) workflow: Workflow,
    pub(crate) item_names: Arc<Names>,
    pub(crate) attributes: Arc<Attributes>,
    pub(crate) items: Vec<ItemRec>,
    pub(crate) visits: Vec<Visit>,
    pub(crate) start: i64,
    pub(crate) as_of: i64,
    pub(crate) quality: DataQuality,
}

const UNMAPPED: u16 = u16::MAX;

impl Timelines {
    /// The timelines of `log` under `workflow`, with the default options.
    ///
    /// # Errors
    ///
    /// As [`Timelines::with_options`].
    pub fn new(log: &EventLog, workflow: &Workflow) -> Result<Timelines> {
        Timelines::with_options(log, workflow, &TimelineOptions::default())
    }

    /// The timelines of `log` under `workflow`.
    ///
    /// # Errors
    ///
    /// - [`Error::UnmappedStates`] listing each status no stage maps, with its count and
    ///   first line, unless the options drop them;
    /// - [`Error::Empty`] if no event is left to use (all dropped, or all after `as_of`).
    pub fn with_options(
        log: &EventLog,
        workflow: &Workflow,
        opts: &TimelineOptions,
    ) -> Result<Timelines> {
        let wf = workflow;
        if wf.stages().len() >= usize::from(UNMAPPED) {
            return Err(Error::workflow(
                None,
                "a workflow may have at most 65,534 stages",
            ));
        }
        // Status → stage.
        let stage_of: Vec<u16> = log
            .state_names
            .iter()
            .map(|s| wf.stage_of_state(s).map_or(UNMAPPED, |i| i as u16))
            .collect();
        let mut unmapped: Vec<UnmappedState> = stage_of
            .iter()
            .enumerate()
            .filter(|&(s, &st)| st == UNMAPPED && log.state_meta[s].count > 0)
            .map(|(s, _)| UnmappedState {
                state: log.state_names[s].to_string(),
                count: log.state_meta[s].count,
                first_line: log.state_meta[s].first_line,
            })
            .collect();
        unmapped.sort_by_key(|u| u.first_line);
        if !unmapped.is_empty() && !opts.drop_unmapped {
            return Err(Error::unmapped_states(
                log.source.as_deref(),
                log.state_column.as_deref(),
                unmapped,
            ));
        }
        let n = log.len();
        let mapped_max = (0..n)
            .filter(|&e| stage_of[log.ev_state[e] as usize] != UNMAPPED)
            .map(|e| log.ev_time[e])
            .max();
        let Some(max_t) = mapped_max else {
            return Err(Error::Empty {
                pos: Box::new(Position::file(log.source.as_deref())),
                message: format!(
                    "none of the {n} events has a status that a stage maps; nothing is left to measure"
                ),
            });
        };
        let as_of = opts.as_of.map_or(max_t, datetime_to_ms);

        // Group the events by item: a counting sort that copies state and time into item
        // order (stable, so input order is kept within an item). Copying rather than
        // permuting indices makes the pass below read memory in order.
        let n_items = log.items();
        let mut offsets = vec![0u32; n_items + 1];
        for &it in &log.ev_item {
            offsets[it as usize + 1] += 1;
        }
        for i in 0..n_items {
            offsets[i + 1] += offsets[i];
        }
        // Logs grouped by item (every item's events together, as most exports write them)
        // need no copy: item ids are numbered in order of first appearance, so the log is
        // grouped exactly when its item column never decreases.
        let grouped = log.ev_item.windows(2).all(|w| w[0] <= w[1]);
        let (g_state, g_time): (std::borrow::Cow<'_, [u32]>, std::borrow::Cow<'_, [i64]>) =
            if grouped {
                (
                    std::borrow::Cow::Borrowed(&log.ev_state[..]),
                    std::borrow::Cow::Borrowed(&log.ev_time[..]),
                )
            } else {
                let mut g_state = vec![0u32; n];
                let mut g_time = vec![0i64; n];
                let mut next = offsets.clone();
                for e in 0..n {
                    let slot = &mut next[log.ev_item[e] as usize];
                    let at = *slot as usize;
                    g_state[at] = log.ev_state[e];
                    g_time[at] = log.ev_time[e];
                    *slot += 1;
                }
                (
                    std::borrow::Cow::Owned(g_state),
                    std::borrow::Cow::Owned(g_time),
                )
            };

        let kinds: Vec<StageKind> = wf.stages().iter().map(|s| s.kind).collect();
        let commits: Vec<bool> = (0..kinds.len()).map(|i| wf.commits(i)).collect();
        // skipped_before[s] = number of wait/active stages before s (to count skips in O(1)).
        let mut work_before = vec![0u32; kinds.len() + 1];
        for (i, k) in kinds.iter().enumerate() {
            work_before[i + 1] =
                work_before[i] + u32::from(matches!(k, StageKind::Wait | StageKind::Active));
        }

        let mut tally = WarningTally::default();
        let mut items: Vec<ItemRec> = Vec::with_capacity(n_items);
        // At most one visit an event: reserved once, never copied as it grows (pages that
        // are never written are never faulted in).
        let mut visits: Vec<Visit> = Vec::with_capacity(n);
        let mut used: u64 = 0;
        let mut after_as_of: u64 = 0;
        let mut start = i64::MAX;

        let (mut sorted_state, mut sorted_time): (Vec<u32>, Vec<i64>) = (Vec::new(), Vec::new());
        for item in 0..n_items {
            let range = offsets[item] as usize..offsets[item + 1] as usize;
            let name = &log.item_names[item];
            let (mut it_state, mut it_time) = (&g_state[range.clone()], &g_time[range]);
            let unsorted = it_time.windows(2).filter(|w| w[1] < w[0]).count() as u64;
            if unsorted > 0 {
                // Stable: ties keep input order.
                let mut order: Vec<usize> = (0..it_time.len()).collect();
                order.sort_by_key(|&k| it_time[k]);
                sorted_state.clear();
                sorted_time.clear();
                sorted_state.extend(order.iter().map(|&k| it_state[k]));
                sorted_time.extend(order.iter().map(|&k| it_time[k]));
                (it_state, it_time) = (&sorted_state, &sorted_time);
                tally.add(WarningKind::UnsortedInput, item as u32, name, unsorted);
            }
            let first_visit = visits.len();
            let mut cur: u16 = UNMAPPED;
            let mut prev_state = u32::MAX;
            let mut prev_t = i64::MIN;
            let mut commitment = None;
            let (mut dup, mut backward, mut skipped, mut reopened, mut after_done) =
                (0u64, 0u32, 0u64, 0u64, 0u64);
            for (&st, &t) in it_state.iter().zip(it_time) {
                let s = stage_of[st as usize];
                if s == UNMAPPED {
                    continue;
                }
                if t > as_of {
                    after_as_of += 1;
                    continue;
                }
                used += 1;
                let is_dup = st == prev_state && t == prev_t;
                dup += u64::from(is_dup);
                prev_state = st;
                prev_t = t;
                if s == cur {
                    if kinds[s as usize] == StageKind::Done && !is_dup {
                        after_done += 1;
                    }
                    continue;
                }
                if cur != UNMAPPED {
                    let (c, n) = (usize::from(cur), usize::from(s));
                    let c_done = kinds[c] == StageKind::Done;
                    let n_done = kinds[n] == StageKind::Done;
                    if c_done && n_done {
                        after_done += 1;
                    } else if c_done {
                        reopened += 1;
                    } else if n < c {
                        backward += 1;
                    } else if work_before[n] > work_before[c + 1] {
                        skipped += 1;
                    }
                    if let Some(last) = visits.last_mut() {
                        last.end = t;
                        last.open = false;
                    }
                }
                visits.push(Visit {
                    start: t,
                    end: as_of,
                    stage: s,
                    open: true,
                });
                if commitment.is_none() && commits[s as usize] {
                    commitment = Some(t);
                }
                cur = s;
            }
            let nv = visits.len() - first_visit;
            if nv == 0 {
                tally.add(WarningKind::ItemsWithoutEvents, item as u32, name, 1);
                continue;
            }
            // The trailing run of done visits: the item is done from its first one on.
            let own = &mut visits[first_visit..];
            let mut k = own.len();
            while k > 0 && kinds[own[k - 1].stage as usize] == StageKind::Done {
                k -= 1;
            }
            let done = if k < own.len() {
                let d = own[k].start;
                for v in &mut own[k..] {
                    v.end = v.start;
                    v.open = false;
                }
                Some(d)
            } else {
                None
            };
            let id = item as u32;
            tally.add(WarningKind::DuplicateEvents, id, name, dup);
            tally.add(WarningKind::BackwardMoves, id, name, u64::from(backward));
            tally.add(WarningKind::SkippedStages, id, name, skipped);
            tally.add(WarningKind::Reopened, id, name, reopened);
            tally.add(WarningKind::EventsAfterDone, id, name, after_done);
            if done.is_some() && commitment.is_none() {
                tally.add(WarningKind::DoneWithoutCommitment, id, name, 1);
            }
            let arrival = own[0].start;
            start = start.min(arrival);
            items.push(ItemRec {
                item: id,
                first_visit: first_visit as u32,
                visits: nv as u32,
                backward_moves: backward,
                arrival,
                commitment,
                done,
            });
        }
        if items.is_empty() {
            return Err(Error::Empty {
                pos: Box::new(Position::file(log.source.as_deref())),
                message: format!(
                    "every event is after the observation end {}",
                    ms_to_datetime(as_of)
                ),
            });
        }
        tally.add_count(WarningKind::AfterAsOf, after_as_of);
        let dropped: Vec<DroppedState> = if opts.drop_unmapped {
            unmapped
                .into_iter()
                .map(|u| DroppedState {
                    state: u.state,
                    count: u.count,
                    first_line: u.first_line,
                })
                .collect()
        } else {
            Vec::new()
        };
        let quality = DataQuality {
            source: log.source.clone(),
            rows: log.stats.rows,
            events_read: n as u64,
            events: used,
            rejected: log.stats.rejected.clone(),
            dropped,
            items: n_items as u64,
            warnings: tally.finish(log.stats.warnings.clone()),
        };
        Ok(Timelines {
            workflow: wf.clone(),
            item_names: Arc::clone(&log.item_names),
            attributes: Arc::clone(&log.attributes),
            items,
            visits,
            start: start.min(as_of),
            as_of,
            quality,
        })
    }

    /// The workflow the timelines were derived under.
    pub fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    /// The number of items with at least one event used.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in order of first appearance in the log.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = ItemTimeline<'_>> {
        self.items
            .iter()
            .map(move |rec| ItemTimeline { tl: self, rec })
    }

    /// The item with id `id` (a linear search).
    pub fn get(&self, id: &str) -> Option<ItemTimeline<'_>> {
        self.iter().find(|i| i.id() == id)
    }

    /// The end of observation.
    pub fn as_of(&self) -> DateTime<Utc> {
        ms_to_datetime(self.as_of)
    }

    /// The start of observation: the earliest event used.
    pub fn start(&self) -> DateTime<Utc> {
        ms_to_datetime(self.start)
    }

    /// The length of the window `[start, as_of]` in days.
    pub fn window_days(&self) -> f64 {
        ms_to_days(self.as_of - self.start)
    }

    /// The data-quality ledger of the reading and of this derivation.
    pub fn quality(&self) -> &DataQuality {
        &self.quality
    }
}

/// One item's timeline.
#[derive(Clone, Copy, Debug)]
pub struct ItemTimeline<'a> {
    tl: &'a Timelines,
    rec: &'a ItemRec,
}

impl<'a> ItemTimeline<'a> {
    /// The item's id.
    pub fn id(&self) -> &'a str {
        &self.tl.item_names[self.rec.item as usize]
    }

    /// The item's index in the log.
    pub fn index(&self) -> usize {
        self.rec.item as usize
    }

    /// Its stage visits in time order.
    pub fn visits(&self) -> &'a [Visit] {
        let s = self.rec.first_visit as usize;
        &self.tl.visits[s..s + self.rec.visits as usize]
    }

    /// Its first event.
    pub fn arrival(&self) -> DateTime<Utc> {
        ms_to_datetime(self.rec.arrival)
    }

    /// Its first entry into the commitment stage or a later stage that is not done.
    pub fn commitment(&self) -> Option<DateTime<Utc>> {
        self.rec.commitment.map(ms_to_datetime)
    }

    /// When it was done (the start of its trailing run of done visits).
    pub fn done(&self) -> Option<DateTime<Utc>> {
        self.rec.done.map(ms_to_datetime)
    }

    /// Where it stands at `as_of`.
    pub fn status(&self) -> ItemStatus {
        self.rec.status()
    }

    /// How many times it moved back to an earlier stage (not counting reopening).
    pub fn backward_moves(&self) -> u32 {
        self.rec.backward_moves
    }

    /// The stage it is in at `as_of` (its last visit's stage).
    pub fn current_stage(&self) -> usize {
        self.visits().last().map_or(0, Visit::stage)
    }

    /// The value of one of its attributes.
    pub fn attribute(&self, name: &str) -> Option<&'a str> {
        let a = self.tl.attributes.position(name)?;
        self.tl.attributes.get(a, self.rec.item)
    }

    /// Days spent in stage `stage`, over all its visits.
    pub fn days_in_stage(&self, stage: usize) -> f64 {
        ms_to_days(
            self.visits()
                .iter()
                .filter(|v| v.stage() == stage)
                .map(|v| v.end - v.start)
                .sum(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::EventLogBuilder;

    /// The same events, grouped by item or interleaved round-robin (each item's events in
    /// the same order, and items first seen in the same order).
    fn logs() -> (EventLog, EventLog) {
        let states = ["Backlog", "Dev", "Queue", "Test", "Done", "Blocked"];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let base = 1_700_000_000_000i64;
        let items: Vec<Vec<(usize, i64)>> = (0..300)
            .map(|_| {
                let k = 1 + (next() % 9) as usize;
                (0..k)
                    .map(|j| {
                        // Now and then an event out of time order.
                        let jitter = if next() % 7 == 0 { -3 } else { 0 };
                        (
                            (next() % 6) as usize,
                            base + (j as i64 + jitter) * 3_600_000,
                        )
                    })
                    .collect()
            })
            .collect();
        let mut grouped = EventLogBuilder::new();
        for (i, evs) in items.iter().enumerate() {
            for &(s, t) in evs {
                grouped.push(&format!("I-{i}"), states[s], ms_to_datetime(t));
            }
        }
        let mut mixed = EventLogBuilder::new();
        for round in 0..9 {
            for (i, evs) in items.iter().enumerate() {
                if let Some(&(s, t)) = evs.get(round) {
                    mixed.push(&format!("I-{i}"), states[s], ms_to_datetime(t));
                }
            }
        }
        (grouped.build(), mixed.build())
    }

    #[test]
    fn a_grouped_log_and_an_interleaved_one_give_the_same_timelines() {
        let (grouped, mixed) = logs();
        assert!(grouped.ev_item.windows(2).all(|w| w[0] <= w[1]));
        assert!(!mixed.ev_item.windows(2).all(|w| w[0] <= w[1]));
        let wf = Workflow::from_toml_str(
            r#"
            [[stage]]
            name = "Backlog"
            kind = "backlog"
            [[stage]]
            name = "Dev"
            kind = "active"
            [[stage]]
            name = "Queue"
            kind = "wait"
            [[stage]]
            name = "Test"
            kind = "active"
            [[stage]]
            name = "Done"
            kind = "done"
            "#,
        )
        .unwrap();
        let opts = TimelineOptions::new().drop_unmapped(true);
        let a = Timelines::with_options(&grouped, &wf, &opts).unwrap();
        let b = Timelines::with_options(&mixed, &wf, &opts).unwrap();
        assert_eq!(a.items, b.items);
        assert_eq!(a.visits, b.visits);
        assert_eq!(a.quality, b.quality);
        // The sorting path ran in both.
        assert!(a.quality().count(WarningKind::UnsortedInput) > 0);
    }
}
