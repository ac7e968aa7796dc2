//! The long layout: one row per state entry, `id, state, timestamp` (Jira changelogs, BPI
//! Challenge logs, PM4Py CSVs).

use std::io::Read;

use csv::ByteRecord;

use crate::log::budget::{Bounded, next_record};

use super::plain::{Ctx, attribute_columns, find_column, trim};
use crate::error::{Error, Result};
use crate::log::ColumnSample;
use crate::log::settings::{Settings, joined_names};
use crate::time::TimeParser;

/// The columns of a long log, found in its header (sets the builder's state column and
/// attribute columns).
pub(super) fn columns(settings: &Settings, names: &[String], ctx: &mut Ctx) -> Result<LongColumns> {
    let id = find_column(names, settings.id.as_deref().unwrap_or("id"), ctx)?;
    let state_name = settings.state.as_deref().unwrap_or("state");
    let state = state_columns(names, state_name, ctx)?;
    ctx.b.state_column = Some(match state.as_slice() {
        [one] => names[*one].clone(),
        _ => state_name.to_owned(),
    });
    let time = find_column(names, settings.time.as_deref().unwrap_or("timestamp"), ctx)?;
    ctx.b.sample = Some(Box::new(ColumnSample::new(names)));
    let attrs = attribute_columns(settings, names, ctx)?;
    let resource = match &settings.resource {
        Some(r) => {
            ctx.b.keep_resources();
            Some(find_column(names, r, ctx)?)
        }
        None => None,
    };
    Ok(LongColumns {
        id,
        state: state[0],
        state_joined: if state.len() > 1 { state } else { Vec::new() },
        time,
        attrs,
        resource,
        ncols: names.len(),
    })
}

/// The column of the state, or the columns whose cells joined by a space make it: a column
/// named `name` if there is one, else the columns `name` joins with `+` (`a+b`) if it does.
fn state_columns(names: &[String], name: &str, ctx: &Ctx) -> Result<Vec<usize>> {
    match (find_column(names, name, ctx), joined_names(name)) {
        (Ok(c), _) => Ok(vec![c]),
        (Err(Error::MissingColumn { .. }), Some(parts)) => parts
            .into_iter()
            .map(|p| find_column(names, p, ctx))
            .collect(),
        (Err(e), _) => Err(e),
    }
}

/// Reads the rows of a long log after its header.
pub(super) fn read<R: Read>(
    settings: &Settings,
    csv: &mut csv::Reader<Bounded<R>>,
    names: &[String],
    ctx: &mut Ctx,
) -> Result<()> {
    let cols = columns(settings, names, ctx)?;
    let mut tp = settings.time_parser();
    let mut rec = ByteRecord::new();
    while next_record(csv, &mut rec).map_err(|e| ctx.csv_error(e))? {
        let line = ctx.line(&rec, csv.position());
        long_row(ctx, &cols, &mut tp, &rec, names, line)?;
    }
    Ok(())
}

/// The columns a long log is read from.
#[derive(Debug)]
pub(super) struct LongColumns {
    id: usize,
    state: usize,
    /// The columns whose cells make the state when it is joined from several (else empty).
    state_joined: Vec<usize>,
    time: usize,
    attrs: Vec<(usize, usize)>,
    /// The column of the resource, when kept.
    resource: Option<usize>,
    ncols: usize,
}

/// Reads one record of a long log: an event, a rejected row (with
/// [`BadRows::Skip`](crate::BadRows::Skip)) or an error. The sequential and the chunked
/// reads both go through here, so that a row means the same whichever thread reads it.
///
/// Inlined into the loops that call it, as it was when they lived in one file: a call per
/// row costs about 4% of the read.
#[inline(always)]
pub(super) fn long_row(
    ctx: &mut Ctx,
    cols: &LongColumns,
    tp: &mut TimeParser,
    rec: &ByteRecord,
    names: &[String],
    line: u64,
) -> Result<()> {
    ctx.b.stats.rows += 1;
    if let Some(sample) = &mut ctx.b.sample
        && sample.wants()
    {
        sample.add(rec);
    }
    // The common case first: a row of the right shape with an id, a state and a valid
    // timestamp. Anything else takes the path below, which finds the same ids again
    // (interning is idempotent and a failed parse changes nothing) and says what is wrong.
    if rec.len() == cols.ncols && cols.state_joined.is_empty() {
        let (id, state) = (trim(&rec[cols.id]), trim(&rec[cols.state]));
        if !id.is_empty()
            && !state.is_empty()
            && let Some(item) = ctx.b.item_index(id)
            && let Some(state) = ctx.b.state_index(state)
            && let Ok(t) = tp.parse(trim(&rec[cols.time]))
            && let Some(who) = ctx.resource_of(rec, cols.resource)
        {
            if !cols.attrs.is_empty() && ctx.bad_attribute(rec, &cols.attrs, line, names)? {
                return Ok(());
            }
            ctx.b.push_ids(item, state, t, line);
            if let Some(r) = who {
                ctx.b.set_last_resource(r);
            }
            if !cols.attrs.is_empty() {
                ctx.attributes(rec, &cols.attrs, item, line, names)?;
            }
            if ctx.b.len().trailing_zeros() >= 12 {
                ctx.grown(rec)?;
            }
            return Ok(());
        }
    }
    if rec.len() != cols.ncols {
        return ctx.bad_shape(line, rec.len(), cols.ncols, names);
    }
    let Some(item) = ctx.item(rec, cols.id, line, names)? else {
        return Ok(());
    };
    let state = if cols.state_joined.is_empty() {
        ctx.state(rec, cols.state, line, names)?
    } else {
        ctx.joined_state(rec, &cols.state_joined, line, names)?
    };
    let Some(state) = state else {
        return Ok(());
    };
    let Some(t) = ctx.time(tp, rec, cols.time, line, names)? else {
        return Ok(());
    };
    let Some(who) = ctx.resource(rec, cols.resource, line, names)? else {
        return Ok(());
    };
    if ctx.bad_attribute(rec, &cols.attrs, line, names)? {
        return Ok(());
    }
    ctx.b.push_ids(item, state, t, line);
    if let Some(r) = who {
        ctx.b.set_last_resource(r);
    }
    ctx.attributes(rec, &cols.attrs, item, line, names)?;
    if ctx.b.len().trailing_zeros() >= 12 {
        ctx.grown(rec)?;
    }
    Ok(())
}
