//! The intervals layout: one row per piece of work, `id, stage, start, end` (CI jobs,
//! start/complete logs). The gap before an interval is waiting in the queue of its stage,
//! recorded as the state `"<stage> queue"`; the end of an item's last interval is the state
//! `"Done"` (both names configurable). An empty `end` is work still in progress.

use std::io::Read;

use csv::ByteRecord;

use crate::log::budget::{Bounded, next_record};

use super::plain::{Ctx, attribute_columns, find_column, trim};
use crate::error::Result;
use crate::log::event_log::EventLogBuilder;
use crate::log::quality::{WarningKind, WarningTally};
use crate::log::settings::Settings;

/// Reads the rows of an interval log after its header, then turns the intervals into
/// events.
pub(super) fn read<R: Read>(
    settings: &Settings,
    csv: &mut csv::Reader<Bounded<R>>,
    names: &[String],
    ctx: &mut Ctx,
) -> Result<()> {
    let ic = find_column(names, settings.id.as_deref().unwrap_or("id"), ctx)?;
    let sc = find_column(names, settings.state.as_deref().unwrap_or("stage"), ctx)?;
    ctx.b.state_column = Some(names[sc].clone());
    let tc = find_column(names, settings.time.as_deref().unwrap_or("start"), ctx)?;
    let ec = find_column(names, settings.end.as_deref().unwrap_or("end"), ctx)?;
    let attrs = attribute_columns(settings, names, ctx)?;
    let mut start_p = settings.time_parser();
    let mut end_p = settings.time_parser();
    // Intervals are buffered as compact rows (not the file) because the state of the gap
    // before an interval depends on the item's next interval.
    let mut rows: Vec<Interval> = Vec::new();
    let mut rec = ByteRecord::new();
    let ncols = names.len();
    while next_record(csv, &mut rec).map_err(|e| ctx.csv_error(e))? {
        ctx.b.stats.rows += 1;
        let line = ctx.line(&rec, csv.position());
        if rec.len() != ncols {
            ctx.bad_shape(line, rec.len(), ncols, names)?;
            continue;
        }
        let Some(item) = ctx.item(&rec, ic, line, names)? else {
            continue;
        };
        let Some(state) = ctx.state(&rec, sc, line, names)? else {
            continue;
        };
        let Some(start) = ctx.time(&mut start_p, &rec, tc, line, names)? else {
            continue;
        };
        let end = if trim(&rec[ec]).is_empty() {
            None
        } else {
            let Some(end) = ctx.time(&mut end_p, &rec, ec, line, names)? else {
                continue;
            };
            if end < start {
                ctx.bad(
                    ctx.pos()
                        .at_line(line)
                        .in_column(&names[ec])
                        .with_value(trim(&rec[ec])),
                    "the interval ends before it starts".to_owned(),
                )?;
                continue;
            }
            Some(end)
        };
        if ctx.bad_attribute(&rec, &attrs, line, names)? {
            continue;
        }
        rows.push(Interval {
            item,
            state,
            start,
            end,
            line,
            resource: None,
        });
        ctx.attributes(&rec, &attrs, item, line, names)?;
    }
    emit_intervals(
        &mut ctx.b,
        rows,
        &settings.queue_suffix,
        &settings.end_state,
        WarningTally::default(),
    );
    Ok(())
}

/// Turns intervals of work into events: the start of each interval, the gap before it as
/// `"<stage><queue_suffix>"`, and `end_state` when the item's last interval ends. Overlaps
/// are counted in `warnings`, which become the builder's warnings.
///
/// The events do not depend on the order of the rows: an item's intervals are taken by
/// start, then by the name of their stage, then by end (an open interval last).
pub(super) fn emit_intervals(
    b: &mut EventLogBuilder,
    mut rows: Vec<Interval>,
    queue_suffix: &str,
    end_state: &str,
    warnings: WarningTally,
) {
    rows.sort_by(|x, y| {
        (x.item, x.start)
            .cmp(&(y.item, y.start))
            .then_with(|| b.state_name(x.state).cmp(b.state_name(y.state)))
            .then_with(|| match (x.end, y.end) {
                (Some(a), Some(c)) => a.cmp(&c),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
    });
    let mut emit = Emitter {
        end_state: b.state_index(end_state.as_bytes()).unwrap_or(0),
        queue_suffix,
        queue_of: Vec::new(),
        overlaps: warnings,
    };
    for item_rows in rows.chunk_by(|x, y| x.item == y.item) {
        emit.item(b, item_rows);
    }
    b.stats.warnings = emit.overlaps.finish(Vec::new());
}

/// What turning intervals into events keeps from one item to the next.
struct Emitter<'a> {
    end_state: u32,
    queue_suffix: &'a str,
    /// The queue state of each state, once named.
    queue_of: Vec<Option<u32>>,
    overlaps: WarningTally,
}

impl Emitter<'_> {
    /// The events of one item, from its intervals in order of start.
    fn item(&mut self, b: &mut EventLogBuilder, rows: &[Interval]) {
        let Some(last) = rows.last() else {
            return;
        };
        let item = last.item;
        let mut frontier: Option<i64> = Some(i64::MIN); // None = an open interval
        for (k, &r) in rows.iter().enumerate() {
            if k > 0 {
                match frontier {
                    Some(f) if f < r.start => {
                        let q = self.queue(b, r.state);
                        b.push_ids(item, q, f, r.line);
                    }
                    Some(f) if f == r.start => {}
                    _ => {
                        let id = b.item_name(item).to_owned();
                        self.overlaps
                            .add(WarningKind::OverlappingIntervals, item, &id, 1);
                    }
                }
            }
            b.push_ids(item, r.state, r.start, r.line);
            if let Some(who) = r.resource {
                b.set_last_resource(who);
            }
            frontier = match (frontier, r.end) {
                (Some(f), Some(e)) => Some(f.max(e)),
                _ => None,
            };
        }
        if let Some(f) = frontier {
            b.push_ids(item, self.end_state, f, last.line);
        }
    }

    /// The state of the wait before `state` (`"<state><queue_suffix>"`), interned once.
    fn queue(&mut self, b: &mut EventLogBuilder, state: u32) -> u32 {
        let i = state as usize;
        if self.queue_of.len() <= i {
            self.queue_of.resize(i + 1, None);
        }
        if let Some(q) = self.queue_of[i] {
            return q;
        }
        let name = format!("{}{}", b.state_name(state), self.queue_suffix);
        let q = b.state_index(name.as_bytes()).unwrap_or(0);
        self.queue_of[i] = Some(q);
        q
    }
}

/// One interval of work, by ids.
#[derive(Clone, Copy, Debug)]
pub(super) struct Interval {
    pub(super) item: u32,
    pub(super) state: u32,
    pub(super) start: i64,
    pub(super) end: Option<i64>,
    pub(super) line: u64,
    /// Who did the work, when known (the event that starts the interval carries it).
    pub(super) resource: Option<u32>,
}
