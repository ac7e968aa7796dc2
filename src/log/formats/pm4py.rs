//! The CSV of process-mining tools (PM4Py, Disco, Celonis): `case:concept:name,
//! concept:name, time:timestamp`, a long log; with `start_timestamp`, an interval log; with
//! the standard `lifecycle:transition` values, a start/complete log read as intervals.

use std::collections::{HashMap, VecDeque};

use csv::ByteRecord;

use super::intervals::{Interval, emit_intervals};
use super::layout;
use super::plain::{Layout, ends_with_lf, record_line};
use super::spec::{Sniff, Spec};
use crate::error::{Error, Position, Result};
use crate::log::budget::next_record;
use crate::log::event_log::{EventLog, EventLogBuilder};
use crate::log::input::Input;
use crate::log::quality::{RejectedRow, WarningKind, WarningTally};
use crate::log::settings::{BadRows, Settings};
use crate::time::TimeParser;

pub(super) const SPEC: Spec = Spec {
    name: "pm4py",
    columns: "case:concept:name, concept:name, time:timestamp [, lifecycle:transition | start_timestamp] [, attributes]",
    how_to_export: "pm4py.write_csv(log), or any event table with PM4Py's column names",
    workflow_note: "inferred from the log: one stage per activity, ordered by its typical position in the traces; end activities (and Done, Closed, Resolved) are done, <X> queue waits, the rest active",
    recognise,
    read,
};

const CASE: &str = "case:concept:name";
const ACTIVITY: &str = "concept:name";
const TIMESTAMP: &str = "time:timestamp";
const LIFECYCLE: &str = "lifecycle:transition";
const START: &str = "start_timestamp";

fn recognise(s: &Sniff) -> Option<&'static str> {
    s.has(CASE).then_some("a case:concept:name column")
}

fn read(input: Input<'_>, settings: &Settings) -> Result<EventLog> {
    let name = input.name(settings);
    let header = input.csv_header(name.as_deref())?;
    let state = settings
        .state
        .clone()
        .unwrap_or_else(|| ACTIVITY.to_owned());
    let has = |c: &str| header.iter().any(|h| h == c);
    let start_complete = has(LIFECYCLE) && state == ACTIVITY;
    let columns = Settings {
        id: Some(CASE.to_owned()),
        state: Some(state),
        time: Some(TIMESTAMP.to_owned()),
        attributes: settings.attributes.clone(),
        resource: settings.resource.clone(),
        ..settings.for_preset(name.clone())
    };
    if has(START) {
        // Intervals keep no resources.
        let intervals = Settings {
            time: Some(START.to_owned()),
            end: Some(TIMESTAMP.to_owned()),
            resource: None,
            ..columns
        };
        return layout::read(&intervals, Layout::Intervals, input);
    }
    if start_complete && lifecycle_is_start_complete(input, name.as_deref())? {
        return read_lifecycle(input, name.as_deref(), settings);
    }
    layout::read(&columns, Layout::Long, input)
}

/// Whether the first 200 values of `lifecycle:transition` are start/complete transitions
/// (the standard lifecycle) rather than statuses (as in the BPI Challenge 2013 logs).
fn lifecycle_is_start_complete(input: Input<'_>, name: Option<&str>) -> Result<bool> {
    let mut rdr = input
        .csv(&csv::ReaderBuilder::new())
        .map_err(|e| Error::Csv {
            pos: Box::new(Position::file(name)),
            source: e,
        })?;
    let Some(col) = rdr
        .byte_headers()
        .ok()
        .and_then(|h| h.iter().position(|c| c == LIFECYCLE.as_bytes()))
    else {
        return Ok(false);
    };
    let mut rec = ByteRecord::new();
    let mut seen = 0;
    while seen < 200 && next_record(&mut rdr, &mut rec).unwrap_or(false) {
        let v = rec
            .get(col)
            .unwrap_or(b"")
            .trim_ascii()
            .to_ascii_lowercase();
        if !matches!(
            v.as_slice(),
            b"start"
                | b"complete"
                | b"schedule"
                | b"assign"
                | b"suspend"
                | b"resume"
                | b"ate_abort"
                | b"pi_abort"
                | b"withdraw"
                | b"autoskip"
                | b"manualskip"
                | b"reassign"
        ) {
            return Ok(false);
        }
        seen += 1;
    }
    Ok(seen > 0)
}

/// A start/complete log. Each `start` and `complete` is a transition of an activity
/// instance: its case, its activity and, when the log has a `concept:instance` column, its
/// instance. The transitions of one instance (of one case and activity when there is no
/// instance id) are paired in time order, whatever the order of the rows (see
/// `Pairing::group`). Other transitions are reported as rejected rows.
fn read_lifecycle(input: Input<'_>, name: Option<&str>, settings: &Settings) -> Result<EventLog> {
    let mut rdr = input
        .csv(csv::ReaderBuilder::new().flexible(true).has_headers(false))
        .map_err(|e| Error::Csv {
            pos: Box::new(Position::file(name)),
            source: e,
        })?;
    let csv_err = |e: csv::Error| {
        let mut pos = Position::file(name);
        if let Some(p) = e.position() {
            pos = pos.at_line(p.line());
        }
        Error::Csv {
            pos: Box::new(pos),
            source: e,
        }
    };
    let mut rec = ByteRecord::new();
    rdr.read_byte_record(&mut rec).map_err(csv_err)?;
    let lf = ends_with_lf(&rec, rdr.position());
    let cols = LifecycleColumns::of(&rec, name, settings.resource.as_deref())?;
    let mut log = Lifecycle::new(name, settings);
    while next_record(&mut rdr, &mut rec).map_err(csv_err)? {
        let line = record_line(&rec, rdr.position(), lf);
        log.row(&rec, line, &cols)?;
    }
    log.finish()
}

/// The column of activity instance ids (XES's concept extension), optional.
const INSTANCE: &str = "concept:instance";

/// Where the columns of a start/complete log are.
#[derive(Debug)]
struct LifecycleColumns {
    case: usize,
    activity: usize,
    lifecycle: usize,
    time: usize,
    instance: Option<usize>,
    /// The column of the resource (and its name), when resources are kept.
    resource: Option<(usize, String)>,
    /// The number of columns of the header.
    width: usize,
}

impl LifecycleColumns {
    /// The columns named in `header` (of the input `name`), with the column `resource` if
    /// resources are kept.
    fn of(
        header: &ByteRecord,
        name: Option<&str>,
        resource: Option<&str>,
    ) -> Result<LifecycleColumns> {
        let header: Vec<String> = header
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let col = |c: &str| -> Result<usize> {
            header
                .iter()
                .position(|h| h == c)
                .ok_or_else(|| Error::MissingColumn {
                    pos: Box::new(Position::file(name).at_line(1)),
                    column: c.to_owned(),
                    found: header.clone(),
                })
        };
        Ok(LifecycleColumns {
            case: col(CASE)?,
            activity: col(ACTIVITY)?,
            lifecycle: col(LIFECYCLE)?,
            time: col(TIMESTAMP)?,
            instance: header.iter().position(|h| h == INSTANCE),
            resource: match resource {
                Some(r) => Some((col(r)?, r.to_owned())),
                None => None,
            },
            width: header.len(),
        })
    }
}

/// One `start` or `complete` row, by ids.
#[derive(Clone, Copy, Debug)]
struct Transition {
    item: u32,
    state: u32,
    /// The activity instance: 0 when the log has none (or the cell is empty), else 1 + the
    /// index of the instance id.
    instance: u32,
    time: i64,
    start: bool,
    line: u64,
    /// Who did it (`None`: no one named).
    resource: Option<u32>,
}

/// A start/complete log being read: its events, its transitions and its rejected rows.
struct Lifecycle<'a> {
    name: Option<&'a str>,
    bad_rows: BadRows,
    b: EventLogBuilder,
    tp: TimeParser,
    transitions: Vec<Transition>,
    instances: HashMap<Vec<u8>, u32>,
    rejected: Vec<RejectedRow>,
}

impl<'a> Lifecycle<'a> {
    fn new(name: Option<&'a str>, settings: &Settings) -> Lifecycle<'a> {
        let mut b = EventLogBuilder::new();
        if let Some(n) = name {
            b = b.source(n);
        }
        if settings.resource.is_some() {
            b.keep_resources();
        }
        Lifecycle {
            name,
            bad_rows: settings.bad_rows,
            b,
            tp: settings.time_parser(),
            transitions: Vec::new(),
            instances: HashMap::new(),
            rejected: Vec::new(),
        }
    }

    /// Reads one data row (on `line`).
    fn row(&mut self, rec: &ByteRecord, line: u64, cols: &LifecycleColumns) -> Result<()> {
        self.b.stats.rows += 1;
        let field = |c: usize| rec.get(c).unwrap_or(b"").trim_ascii();
        if rec.len() != cols.width {
            let reason = format!(
                "the row has {} fields but the header has {}",
                rec.len(),
                cols.width
            );
            return self.bad(line, CASE, b"", reason);
        }
        let (case, act) = (field(cols.case), field(cols.activity));
        if case.is_empty() || act.is_empty() {
            let reason = "expected a case and an activity, found an empty cell";
            return self.bad(line, CASE, case, reason.to_owned());
        }
        let lifecycle = field(cols.lifecycle).to_ascii_lowercase();
        let start = match lifecycle.as_slice() {
            b"start" => true,
            b"complete" => false,
            other => {
                // Not an error in any policy: the row is reported, not silently dropped.
                self.rejected.push(RejectedRow {
                    line,
                    place: None,
                    column: Some(LIFECYCLE.to_owned()),
                    value: Some(String::from_utf8_lossy(other).into_owned()),
                    reason: "only start and complete transitions are read".to_owned(),
                });
                return Ok(());
            }
        };
        let time = match self.tp.parse(field(cols.time)) {
            Ok(t) => t,
            Err(m) => return self.bad(line, TIMESTAMP, field(cols.time), m),
        };
        let (Some(item), Some(state)) = (self.b.item_index(case), self.b.state_index(act)) else {
            let reason = "the case or activity is not valid UTF-8";
            return self.bad(line, CASE, case, reason.to_owned());
        };
        let resource = match &cols.resource {
            None => None,
            Some((c, _)) if field(*c).is_empty() => None,
            Some((c, column)) => {
                let Some(r) = self.b.resource_index(field(*c)) else {
                    let reason = "the resource is not valid UTF-8".to_owned();
                    return self.bad(line, column, field(*c), reason);
                };
                Some(r)
            }
        };
        let instance = match cols.instance.map(field).filter(|v| !v.is_empty()) {
            None => 0,
            Some(v) => {
                let next = u32::try_from(self.instances.len() + 1).unwrap_or(u32::MAX);
                *self.instances.entry(v.to_vec()).or_insert(next)
            }
        };
        self.transitions.push(Transition {
            item,
            state,
            instance,
            time,
            start,
            line,
            resource,
        });
        Ok(())
    }

    /// A row that cannot be used: an error, or a rejection recorded in the ledger.
    fn bad(&mut self, line: u64, column: &str, value: &[u8], reason: String) -> Result<()> {
        let pos = Position::file(self.name)
            .at_line(line)
            .in_column(column)
            .with_value(value);
        if self.bad_rows == BadRows::Error {
            Err(Error::value(pos, reason))
        } else {
            self.rejected.push(RejectedRow {
                line,
                place: None,
                column: pos.column,
                value: pos.value,
                reason,
            });
            Ok(())
        }
    }

    /// The log: the transitions paired into intervals, turned into events.
    fn finish(mut self) -> Result<EventLog> {
        if self.b.stats.rows == 0 {
            return Err(Error::Empty {
                pos: Box::new(Position::file(self.name).at_line(2)),
                message: "no data rows after the header".to_owned(),
            });
        }
        let mut transitions = std::mem::take(&mut self.transitions);
        // The order of the rows plays no part: by instance, then time, a start before a
        // complete at the same instant (the rest of a tie is the same transition).
        transitions.sort_by_key(|t| (t.item, t.state, t.instance, t.time, !t.start));
        let mut paired = Pairing::default();
        for group in transitions
            .chunk_by(|x, y| (x.item, x.state, x.instance) == (y.item, y.state, y.instance))
        {
            paired.group(group);
        }
        for &(start, end) in &paired.negative {
            self.negative(start, end)?;
        }
        let mut tally = WarningTally::default();
        for &(item, kind, n) in &paired.warnings {
            let id = self.b.item_name(item).to_owned();
            tally.add(kind, item, &id, n);
        }
        emit_intervals(&mut self.b, paired.intervals, " queue", "Done", tally);
        self.b.stats.rejected = self.rejected;
        Ok(self.b.build())
    }

    /// An instance whose complete (`end`) comes before its start: both rows are rejected
    /// (an error with [`BadRows::Error`]), as an interval row that ends before it starts.
    fn negative(&mut self, start: Transition, end: Transition) -> Result<()> {
        let value = instant(end.time);
        let reason = format!(
            "the interval ends before it starts: its complete is before its start on line {}",
            start.line
        );
        self.bad(end.line, TIMESTAMP, value.as_bytes(), reason)?;
        let value = instant(start.time);
        let reason = format!(
            "the interval ends before it starts: its start is after its complete on line {}",
            end.line
        );
        self.bad(start.line, TIMESTAMP, value.as_bytes(), reason)
    }
}

/// Transitions paired into intervals, with what did not pair.
#[derive(Default)]
struct Pairing {
    intervals: Vec<Interval>,
    /// (start, complete) of one instance, the complete first in time.
    negative: Vec<(Transition, Transition)>,
    /// (item, kind, count), by item.
    warnings: Vec<(u32, WarningKind, u64)>,
}

impl Pairing {
    /// Pairs the transitions of one activity instance (or of one case and activity when the
    /// log has no instance ids), sorted by time with starts first at a tie. Each complete
    /// closes the earliest start still open (first in, first out); a start while another is
    /// open is a crossing (counted). A complete with no start open is an instant of work, a
    /// start never completed is work in progress (both counted as unpaired), except that
    /// within an instance named by its id a complete before the instance's start is a
    /// negative duration: both rows are rejected.
    fn group(&mut self, group: &[Transition]) {
        let mut open: VecDeque<Transition> = VecDeque::new();
        let mut lone: Vec<Transition> = Vec::new();
        let mut crossing = 0;
        for &t in group {
            if t.start {
                if !open.is_empty() {
                    crossing += 1;
                }
                open.push_back(t);
            } else if let Some(s) = open.pop_front() {
                // The work's resource: who completed it, else who started it.
                let mut done = interval(s, Some(t.time));
                done.resource = t.resource.or(s.resource);
                self.intervals.push(done);
            } else {
                lone.push(t);
            }
        }
        let mut open: Vec<Transition> = open.into();
        if group[0].instance != 0 {
            // Every lone complete is before every start left open (none was open then).
            let n = lone.len().min(open.len());
            self.negative.extend(open.drain(..n).zip(lone.drain(..n)));
        }
        let unpaired = lone.len() + open.len();
        for t in lone {
            self.intervals.push(interval(t, Some(t.time)));
        }
        for s in open {
            self.intervals.push(interval(s, None));
        }
        let item = group[0].item;
        self.warnings
            .push((item, WarningKind::CrossingIntervals, crossing));
        self.warnings
            .push((item, WarningKind::UnpairedTransitions, unpaired as u64));
    }
}

/// The interval that `start` opens, ending at `end`, by `start`'s resource.
fn interval(start: Transition, end: Option<i64>) -> Interval {
    Interval {
        item: start.item,
        state: start.state,
        start: start.time,
        end,
        line: start.line,
        resource: start.resource,
    }
}

/// An instant as RFC 3339, for a message.
fn instant(ms: i64) -> String {
    crate::time::ms_to_datetime(ms).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
