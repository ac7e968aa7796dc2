//! The wide layout: one row per item with one date column per stage, in workflow order
//! (ActionableAgile and jira-agile-metrics "cycle time data"). An empty cell is a skipped
//! stage. A date before the date of an earlier stage column is a negative duration: the row
//! is bad (an error, or a rejected row in the ledger).

use std::io::Read;

use csv::ByteRecord;

use crate::log::budget::{Bounded, next_record};

use super::plain::{Ctx, attribute_columns, find_column, trim};
use crate::error::{Error, Result};
use crate::log::quality::RejectedRow;
use crate::log::settings::Settings;
use crate::time::TimeParser;

/// Column names that a wide file carries besides its dates.
const WIDE_META: [&str; 5] = ["link", "name", "title", "summary", "url"];

/// Reads the rows of a wide log after its header: one event per date.
pub(super) fn read<R: Read>(
    settings: &Settings,
    csv: &mut csv::Reader<Bounded<R>>,
    names: &[String],
    ctx: &mut Ctx,
) -> Result<()> {
    let ic = find_column(names, settings.id.as_deref().unwrap_or("ID"), ctx)?;
    let attrs = attribute_columns(settings, names, ctx)?;
    let stage_cols: Vec<usize> = match &settings.stages {
        Some(stages) => stages
            .iter()
            .map(|s| find_column(names, s, ctx))
            .collect::<Result<_>>()?,
        None => (0..names.len())
            .filter(|&c| {
                c != ic
                    && !attrs.iter().any(|(a, _)| *a == c)
                    && !WIDE_META.contains(&names[c].trim().to_ascii_lowercase().as_str())
            })
            .collect(),
    };
    if stage_cols.is_empty() {
        return Err(Error::Empty {
            pos: Box::new(ctx.pos().at_line(1)),
            message: "a wide file needs at least one date column after the id column".to_owned(),
        });
    }
    let stage_ids: Vec<u32> = stage_cols
        .iter()
        .map(|&c| ctx.b.state_index(names[c].trim().as_bytes()).unwrap_or(0))
        .collect();
    let mut parsers: Vec<TimeParser> = stage_cols.iter().map(|_| settings.time_parser()).collect();
    let mut rec = ByteRecord::new();
    let mut times: Vec<(u32, i64, usize)> = Vec::with_capacity(stage_cols.len());
    let ncols = names.len();
    'rows: while next_record(csv, &mut rec).map_err(|e| ctx.csv_error(e))? {
        ctx.b.stats.rows += 1;
        let line = ctx.line(&rec, csv.position());
        if rec.len() != ncols {
            ctx.bad_shape(line, rec.len(), ncols, names)?;
            continue;
        }
        let Some(item) = ctx.item(&rec, ic, line, names)? else {
            continue;
        };
        times.clear();
        for (k, &c) in stage_cols.iter().enumerate() {
            let v = trim(&rec[c]);
            if v.is_empty() {
                continue;
            }
            let Some(t) = ctx.time(&mut parsers[k], &rec, c, line, names)? else {
                continue 'rows;
            };
            // The stage before ends when this one starts: one rule for negative durations
            // in every input kind, the row is bad.
            if let Some(&(_, before, bc)) = times.last().filter(|p| p.1 > t) {
                let message = format!(
                    "the date is before that of the stage before it, {:?} ({}): the stage ends before it starts",
                    names[bc].trim(),
                    crate::time::ms_to_datetime(before).to_rfc3339()
                );
                ctx.bad(
                    ctx.pos().at_line(line).in_column(&names[c]).with_value(v),
                    message,
                )?;
                continue 'rows;
            }
            times.push((stage_ids[k], t, c));
        }
        if times.is_empty() {
            ctx.rejected.push(RejectedRow {
                line,
                place: None,
                column: None,
                value: None,
                reason: "no date in any stage column".to_owned(),
            });
            continue;
        }
        if ctx.bad_attribute(&rec, &attrs, line, names)? {
            continue;
        }
        for &(s, t, _) in &times {
            ctx.b.push_ids(item, s, t, line);
        }
        ctx.attributes(&rec, &attrs, item, line, names)?;
    }
    Ok(())
}
