//! CSV renderers: the per-item table, the series and the stage table.
//!
//! Figures are rounded for the people and programs that read them: days to 3 decimals
//! (about a minute and a half), shares, mean counts and rates to 4, whole numbers as they
//! are; trailing zeros are left out. A rounded figure is within half a unit of its last
//! place of the exact one (the JSON output keeps every digit).

use std::io;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{Error, Result};
use crate::metrics::{Classes, GroupedReport, Metrics, Parents, Series, StageMetrics};

fn io_err(e: ::csv::Error) -> Error {
    Error::write_csv(e)
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Decimals of a figure in days: to the 1.5 minutes, as far as any delivery measure reads.
const DAY_DECIMALS: usize = 3;
/// Decimals of a share (flow efficiency, utilisation, a relative error), of a mean count
/// and of a rate a day.
const SHARE_DECIMALS: usize = 4;

/// `x` rounded to `decimals` places, without the zeros that end it: `2.5`, not `2.500`;
/// `3`, not `3.000` (as Rust prints a whole `f64`); never `-0`.
///
/// The text differs from `x` by at most half a unit of its last place: a spreadsheet or a
/// script reading the file gets the figure, not 16 digits of floating-point noise.
fn rounded(x: f64, decimals: usize) -> String {
    let mut s = format!("{x:.decimals$}");
    if s.contains('.') {
        let end = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(end);
    }
    if s == "-0" { "0".to_owned() } else { s }
}

/// A figure to `decimals` places, or an empty cell for one that cannot be computed (never
/// `NaN` or `inf`).
fn num(x: Option<f64>, decimals: usize) -> String {
    x.filter(|v| v.is_finite())
        .map_or(String::new(), |v| rounded(v, decimals))
}

/// An item's status as the CSV tables write it.
fn status_name(s: crate::ItemStatus) -> &'static str {
    match s {
        crate::ItemStatus::NotStarted => "not started",
        crate::ItemStatus::InProgress => "in progress",
        crate::ItemStatus::Done => "done",
        crate::ItemStatus::Discarded => "discarded",
    }
}

/// Days, to [`DAY_DECIMALS`] places.
fn days(x: Option<f64>) -> String {
    num(x, DAY_DECIMALS)
}

/// A share, a mean count or a rate, to [`SHARE_DECIMALS`] places.
fn share(x: Option<f64>) -> String {
    num(x, SHARE_DECIMALS)
}

/// Writes one row per item in the window, in the layout of the "cycle time data" files of
/// jira-agile-metrics and ActionableAgile: `ID, Link, Name`, then one column per workflow
/// stage holding the instant the item first entered it (RFC 3339, UTC; empty if never),
/// then `Status, Lead time (days), Cycle time (days), Age (days), Active (days),
/// Waiting (days), Blocked (days), Flow efficiency, Backward moves, Current stage`, then
/// the days spent in each stage (`<stage> (days)`), then the item attributes the log
/// keeps. `Link` is empty (event logs do not carry it), `Name` is the item's `summary`
/// attribute (a Jira issue's summary) or empty, and so are the times an item does not have
/// (a lead or cycle time before it is done, a flow efficiency for a cycle time of 0) and
/// `Blocked (days)` when blocked time is not known ([`crate::Timelines::tracks_blocked`]).
///
/// The stage columns read back with the wide format of [`crate::LogReader`].
///
/// # Examples
///
/// ```
/// use valuestream::{write_items_csv, LogReader, Metrics, MetricsOptions, Stage, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01\nA,Test,2024-03-03\nA,Done,2024-03-04\n\
///            B,Dev,2024-03-02\nB,Test,2024-03-05\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::new(
///     vec![
///         Stage::new("Dev", StageKind::Active),
///         Stage::new("Test", StageKind::Active),
///         Stage::new("Done", StageKind::Done),
///     ],
///     None,
/// )?;
/// let timelines = Timelines::new(&log, &wf)?;
/// let metrics = Metrics::new(&timelines, &MetricsOptions::new())?;
///
/// let mut out = Vec::new();
/// write_items_csv(&metrics, &mut out)?;
/// let text = String::from_utf8(out).unwrap();
/// let mut lines = text.lines();
/// assert!(lines.next().unwrap().starts_with("ID,Link,Name,Dev,Test,Done,Status,Lead time (days)"));
/// assert!(lines.next().unwrap().starts_with("A,,,2024-03-01T00:00:00Z,2024-03-03T00:00:00Z"));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_items_csv<W: io::Write>(metrics: &Metrics<'_>, w: W) -> Result<()> {
    let tl = metrics.timelines();
    let stages = tl.workflow().stages();
    let attrs = &tl.attributes().names;
    let tracks_blocked = tl.tracks_blocked();
    let mut out = ::csv::Writer::from_writer(w);
    let mut header: Vec<String> = vec!["ID".into(), "Link".into(), "Name".into()];
    header.extend(stages.iter().map(|s| s.name.clone()));
    header.extend(
        [
            "Status",
            "Lead time (days)",
            "Cycle time (days)",
            "Age (days)",
            "Active (days)",
            "Waiting (days)",
            "Blocked (days)",
            "Flow efficiency",
            "Backward moves",
            "Current stage",
        ]
        .map(String::from),
    );
    header.extend(stages.iter().map(|s| format!("{} (days)", s.name)));
    header.extend(attrs.iter().cloned());
    out.write_record(&header).map_err(io_err)?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for m in metrics.items() {
        row.clear();
        row.push(m.id.clone());
        row.push(String::new());
        let item = u32::try_from(m.index).unwrap_or(u32::MAX);
        let summary = tl.attributes().position("summary");
        row.push(
            summary
                .and_then(|a| tl.attributes().get(a, item))
                .unwrap_or("")
                .to_owned(),
        );
        row.extend(m.entered.iter().map(|t| t.map_or(String::new(), instant)));
        row.push(status_name(m.status).into());
        row.push(days(m.lead_time_days));
        row.push(days(m.cycle_time_days));
        row.push(days(m.age_days));
        row.push(days(Some(m.active_days)));
        row.push(days(Some(m.wait_days)));
        row.push(if tracks_blocked {
            days(Some(m.blocked_days))
        } else {
            String::new()
        });
        row.push(share(m.flow_efficiency));
        row.push(m.backward_moves.to_string());
        row.push(stages[m.current_stage].name.clone());
        row.extend(m.stage_days.iter().map(|&d| days(Some(d))));
        for a in 0..attrs.len() {
            let v = tl.attributes().get(a, item);
            row.push(v.unwrap_or("").to_owned());
        }
        out.write_record(&row).map_err(io_err)?;
    }
    out.flush().map_err(Error::write)
}

/// Writes a series, one row per period: `date, arrivals, commitments, departures,
/// discarded, net_flow, wip, wip_age_days`, then `<stage> (reached)` (the CFD line) and
/// `<stage> (current)` (the current-stage count) for each stage.
///
/// # Examples
///
/// ```
/// use valuestream::{write_series_csv, LogReader, Metrics, MetricsOptions, Stage, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01\nA,Test,2024-03-03\nA,Done,2024-03-04\n\
///            B,Dev,2024-03-02\nB,Test,2024-03-05\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::new(
///     vec![
///         Stage::new("Dev", StageKind::Active),
///         Stage::new("Test", StageKind::Active),
///         Stage::new("Done", StageKind::Done),
///     ],
///     None,
/// )?;
/// let timelines = Timelines::new(&log, &wf)?;
/// let metrics = Metrics::new(&timelines, &MetricsOptions::new())?;
///
/// let daily = metrics.daily()?;
/// let mut out = Vec::new();
/// write_series_csv(&daily, &mut out)?;
/// let text = String::from_utf8(out).unwrap();
/// // One row a day after the header: 1 to 4 March (the window ends at midnight on the
/// // 5th, which closes the 4th).
/// assert_eq!(text.lines().count(), 1 + 4);
/// assert!(text.starts_with("date,arrivals,commitments,departures,discarded,net_flow,wip,wip_age_days"));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_series_csv<W: io::Write>(series: &Series, w: W) -> Result<()> {
    let mut out = ::csv::Writer::from_writer(w);
    let mut header: Vec<String> = [
        "date",
        "arrivals",
        "commitments",
        "departures",
        "discarded",
        "net_flow",
        "wip",
        "wip_age_days",
    ]
    .map(String::from)
    .to_vec();
    header.extend(series.stages.iter().map(|s| format!("{s} (reached)")));
    header.extend(series.stages.iter().map(|s| format!("{s} (current)")));
    out.write_record(&header).map_err(io_err)?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for p in 0..series.len() {
        row.clear();
        row.push(series.starts[p].to_string());
        row.push(series.arrivals[p].to_string());
        row.push(series.commitments[p].to_string());
        row.push(series.departures[p].to_string());
        row.push(series.discarded[p].to_string());
        row.push(series.net_flow[p].to_string());
        row.push(series.wip[p].to_string());
        row.push(days(series.wip_age_days[p]));
        row.extend(series.cfd.iter().map(|l| l[p].to_string()));
        row.extend(series.in_stage.iter().map(|l| l[p].to_string()));
        out.write_record(&row).map_err(io_err)?;
    }
    out.flush().map_err(Error::write)
}

/// Writes the stage table: one row per stage with every field of [`StageMetrics`] but the
/// raw durations. A figure that cannot be computed (`None`: a window of no length, no
/// visit ended, a stage without servers) is an empty cell, never `NaN`.
///
/// # Examples
///
/// ```
/// use valuestream::{write_stages_csv, LogReader, Metrics, MetricsOptions, Stage, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01\nA,Test,2024-03-03\nA,Done,2024-03-04\n\
///            B,Dev,2024-03-02\nB,Test,2024-03-05\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::new(
///     vec![
///         Stage::new("Dev", StageKind::Active),
///         Stage::new("Test", StageKind::Active),
///         Stage::new("Done", StageKind::Done),
///     ],
///     None,
/// )?;
/// let timelines = Timelines::new(&log, &wf)?;
/// let metrics = Metrics::new(&timelines, &MetricsOptions::new())?;
///
/// let mut out = Vec::new();
/// write_stages_csv(&metrics.stages(), &mut out)?;
/// let text = String::from_utf8(out).unwrap();
/// assert_eq!(text.lines().count(), 1 + 3); // the header, Dev, Test, Done
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_stages_csv<W: io::Write>(stages: &[StageMetrics], w: W) -> Result<()> {
    let mut out = ::csv::Writer::from_writer(w);
    out.write_record([
        "stage",
        "kind",
        "visits",
        "departures",
        "visit_days_mean",
        "visit_days_p50",
        "visit_days_p85",
        "visit_days_p95",
        "visit_days_max",
        "wip_mean",
        "arrival_rate",
        "departure_rate",
        "littles_law_error",
        "servers",
        "servers_estimated",
        "busy_days",
        "utilisation",
        "capacity_per_day",
        "peak",
        "wip_at_start",
        "wip_at_end",
    ])
    .map_err(io_err)?;
    for s in stages {
        let v = &s.visit_days;
        out.write_record([
            s.name.clone(),
            s.kind.name().to_owned(),
            s.visits.to_string(),
            s.departures.to_string(),
            days(v.mean),
            days(v.p50),
            days(v.p85),
            days(v.p95),
            days(v.max),
            share(s.wip_mean),
            share(s.arrival_rate),
            share(s.departure_rate),
            share(s.littles_law_error),
            s.servers.map_or(String::new(), |c| c.to_string()),
            s.servers_estimated.to_string(),
            days(s.busy_days),
            share(s.utilisation),
            share(s.capacity_per_day),
            s.peak.to_string(),
            s.wip_at_start.to_string(),
            s.wip_at_end.to_string(),
        ])
        .map_err(io_err)?;
    }
    out.flush().map_err(Error::write)
}

/// Writes one row per group of [`GroupedReport`] (every group, in its order), then the
/// whole as the row named `(all)`: the group's name (its value, or `(none)` for the items
/// without the attribute), then `items, done, in_progress, not_started, discarded`,
/// `lead_time_p50, lead_time_p85, cycle_time_p50, cycle_time_p85, cycle_time_p95`
/// (days), `throughput_per_week, wip_mean, wip_now, flow_efficiency` and `bottleneck`
/// (empty when no stage is near its capacity). The first column is named after the
/// attribute. What `valuestream report --by ATTR --csv-dir DIR` writes as `groups.csv`.
///
/// # Examples
///
/// ```
/// use valuestream::{write_groups_csv, GroupedReport, LogReader, MetricsOptions, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp,team\n\
///            A,Dev,2024-03-01,red\nA,Done,2024-03-05,red\n\
///            B,Dev,2024-03-02,blue\nB,Done,2024-03-04,blue\n";
/// let log = LogReader::builder().attribute("team").build().read(csv.as_bytes())?;
/// let wf = Workflow::builder()
///     .stage("Dev", StageKind::Active)
///     .stage("Done", StageKind::Done)
///     .build()?;
/// let tl = Timelines::new(&log, &wf)?;
/// let by = GroupedReport::new(&tl, &MetricsOptions::new(), "team")?;
///
/// let mut out = Vec::new();
/// write_groups_csv(&by, &mut out)?;
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("team,items,done,"));
/// assert_eq!(text.lines().count(), 1 + 3); // the header, blue, red, (all)
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_groups_csv<W: io::Write>(report: &GroupedReport, w: W) -> Result<()> {
    let mut out = ::csv::Writer::from_writer(w);
    out.write_record([
        report.attribute.as_str(),
        "items",
        "done",
        "in_progress",
        "not_started",
        "discarded",
        "lead_time_p50",
        "lead_time_p85",
        "cycle_time_p50",
        "cycle_time_p85",
        "cycle_time_p95",
        "throughput_per_week",
        "wip_mean",
        "wip_now",
        "flow_efficiency",
        "bottleneck",
    ])
    .map_err(io_err)?;
    let whole = std::iter::once((GroupedReport::WHOLE, &report.whole));
    for (name, g) in report.groups.iter().map(|g| (g.name(), g)).chain(whole) {
        let (it, lead, cycle) = (&g.items, &g.lead_time_days, &g.cycle_time_days);
        out.write_record([
            name.to_owned(),
            it.total.to_string(),
            it.done.to_string(),
            it.in_progress.to_string(),
            it.not_started.to_string(),
            it.discarded.to_string(),
            days(lead.p50),
            days(lead.p85),
            days(cycle.p50),
            days(cycle.p85),
            days(cycle.p95),
            share(g.throughput.per_week),
            share(g.wip.mean),
            g.wip.current.to_string(),
            share(g.flow_efficiency),
            g.bottleneck.clone().unwrap_or_default(),
        ])
        .map_err(io_err)?;
    }
    out.flush().map_err(Error::write)
}

/// Writes one row per parent of [`Parents`] (every parent, in its order): the parent's
/// value (the first column is named after the attribute), then `children, done,
/// in_progress, not_started, discarded, open`, `first_arrival, first_start, last_done`
/// (RFC 3339, UTC; empty when absent), `lead_time_days, cycle_time_days` (empty while
/// the parent is open) and `open_ids` (the open children's ids, separated by spaces).
/// What `valuestream report --parent ATTR --csv-dir DIR` writes as `parents.csv`.
///
/// # Examples
///
/// ```
/// use valuestream::{write_parents_csv, LogReader, MetricsOptions, Parents, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp,epic\n\
///            A,Dev,2024-03-01,E1\nA,Done,2024-03-05,E1\n\
///            B,Dev,2024-03-02,E2\n";
/// let log = LogReader::builder().attribute("epic").build().read(csv.as_bytes())?;
/// let wf = Workflow::builder()
///     .stage("Dev", StageKind::Active)
///     .stage("Done", StageKind::Done)
///     .build()?;
/// let tl = Timelines::new(&log, &wf)?;
/// let parents = Parents::new(&tl, &MetricsOptions::new(), "epic")?;
///
/// let mut out = Vec::new();
/// write_parents_csv(&parents, &mut out)?;
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("epic,children,done,"));
/// assert_eq!(text.lines().count(), 1 + 2); // the header, E2, E1
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_parents_csv<W: io::Write>(parents: &Parents, w: W) -> Result<()> {
    let mut out = ::csv::Writer::from_writer(w);
    out.write_record([
        parents.attribute.as_str(),
        "children",
        "done",
        "in_progress",
        "not_started",
        "discarded",
        "open",
        "first_arrival",
        "first_start",
        "last_done",
        "lead_time_days",
        "cycle_time_days",
        "open_ids",
    ])
    .map_err(io_err)?;
    let when = |t: Option<DateTime<Utc>>| t.map_or(String::new(), instant);
    for p in &parents.parents {
        let c = &p.children;
        out.write_record([
            p.value.clone(),
            c.total.to_string(),
            c.done.to_string(),
            c.in_progress.to_string(),
            c.not_started.to_string(),
            c.discarded.to_string(),
            p.open.to_string(),
            when(p.first_arrival),
            when(p.first_start),
            when(p.last_done),
            days(p.lead_time_days),
            days(p.cycle_time_days),
            p.open_ids.join(" "),
        ])
        .map_err(io_err)?;
    }
    out.flush().map_err(Error::write)
}

/// Writes one row per class of [`Classes`] (in its order): the class's name (the first
/// column is named `class`), its `values` (separated by `|`), then `items, done,
/// in_progress, lead_time_p50, lead_time_p85, cycle_time_p50, cycle_time_p85,
/// cycle_time_p95` (days), `throughput_per_week, wip_mean, wip_now`, its SLE
/// (`sle_percent, sle_days, sle_source`: `set` or `cycle_time_p85`), `sle_met` (the share
/// of its done items within the SLE), its work in progress `on_track, at_risk, past`, and
/// `stalled_after_days, stalled`. Cells that cannot be computed are empty. What
/// `valuestream report --class-by ATTR --csv-dir DIR` writes as `classes.csv`.
///
/// # Examples
///
/// ```
/// use valuestream::{write_classes_csv, ClassOptions, Classes, LogReader, MetricsOptions, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp,type\n\
///            A,Dev,2024-03-01,Bug\nA,Done,2024-03-05,Bug\n\
///            B,Dev,2024-03-02,Story\n";
/// let log = LogReader::builder().attribute("type").build().read(csv.as_bytes())?;
/// let wf = Workflow::builder()
///     .stage("Dev", StageKind::Active)
///     .stage("Done", StageKind::Done)
///     .build()?;
/// let tl = Timelines::new(&log, &wf)?;
/// let classes = Classes::new(&tl, &MetricsOptions::new(), &ClassOptions::by("type"))?;
///
/// let mut out = Vec::new();
/// write_classes_csv(&classes, &mut out)?;
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("class,values,items,done,"));
/// assert!(text.contains("\nBug,Bug,1,1,0,4,4,4,4,4,"));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_classes_csv<W: io::Write>(classes: &Classes, w: W) -> Result<()> {
    let mut out = ::csv::Writer::from_writer(w);
    out.write_record([
        "class",
        "values",
        "items",
        "done",
        "in_progress",
        "lead_time_p50",
        "lead_time_p85",
        "cycle_time_p50",
        "cycle_time_p85",
        "cycle_time_p95",
        "throughput_per_week",
        "wip_mean",
        "wip_now",
        "sle_percent",
        "sle_days",
        "sle_source",
        "sle_met",
        "on_track",
        "at_risk",
        "past",
        "stalled_after_days",
        "stalled",
    ])
    .map_err(io_err)?;
    for c in &classes.classes {
        let (it, lead, cycle) = (&c.items, &c.lead_time_days, &c.cycle_time_days);
        out.write_record([
            c.class.clone(),
            c.values.join("|"),
            it.total.to_string(),
            it.done.to_string(),
            it.in_progress.to_string(),
            days(lead.p50),
            days(lead.p85),
            days(cycle.p50),
            days(cycle.p85),
            days(cycle.p95),
            share(c.throughput.per_week),
            share(c.wip.mean),
            c.wip.current.to_string(),
            share(c.sle.map(|s| s.percent)),
            days(c.sle.map(|s| s.days)),
            c.sle_source.map_or("", |s| s.name()).to_owned(),
            share(c.sle_met),
            c.aging.on_track.to_string(),
            c.aging.at_risk.to_string(),
            c.aging.past.to_string(),
            days(c.stalled_after_days),
            c.stalled.to_string(),
        ])
        .map_err(io_err)?;
    }
    out.flush().map_err(Error::write)
}

/// Writes one row per item of [`Classes`] (every item of the window, in order of first
/// appearance in the log): `ID, class, status, stage, cycle_time_days, age_days,
/// sle_status, days_since_move, stalled`; `sle_status` is `met` or `missed` for a done
/// item, `on track`, `at risk` or `past` for one in progress, and empty otherwise (or
/// without an SLE); `stalled` is `true` or `false`. What `valuestream report --class-by
/// ATTR --csv-dir DIR` writes as `class_items.csv`.
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_class_items_csv<W: io::Write>(classes: &Classes, w: W) -> Result<()> {
    let mut out = ::csv::Writer::from_writer(w);
    out.write_record([
        "ID",
        "class",
        "status",
        "stage",
        "cycle_time_days",
        "age_days",
        "sle_status",
        "days_since_move",
        "stalled",
    ])
    .map_err(io_err)?;
    for it in &classes.items {
        out.write_record([
            it.id.as_str(),
            it.class.as_str(),
            status_name(it.status),
            it.stage.as_str(),
            &days(it.cycle_time_days),
            &days(it.age_days),
            it.sle_status.map_or("", |s| s.name()),
            &days(it.days_since_move),
            if it.stalled { "true" } else { "false" },
        ])
        .map_err(io_err)?;
    }
    out.flush().map_err(Error::write)
}

#[cfg(test)]
mod tests {
    use super::rounded;

    #[test]
    fn figures_are_rounded_without_trailing_zeros() {
        assert_eq!(rounded(2.0, 3), "2");
        assert_eq!(rounded(2.5, 3), "2.5");
        assert_eq!(rounded(1.0 / 3.0, 3), "0.333");
        assert_eq!(rounded(2.0 / 3.0, 4), "0.6667");
        assert_eq!(rounded(-0.0001, 3), "0");
        assert_eq!(rounded(12345.6789, 3), "12345.679");
        assert_eq!(rounded(0.1 + 0.2, 4), "0.3");
    }
}
