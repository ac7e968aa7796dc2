//! Writing the wide layout of ActionableAgile and jira-agile-metrics from any log, so that
//! teams can move their data between tools.

use std::io;

use crate::error::{Error, Result};
use crate::time::ms_to_datetime;
use crate::timeline::{ItemTimeline, Timelines};

/// The wide layout to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WideLayout {
    /// `ID, Link, Name, <stages…>, <attributes…>`: ActionableAgile's import layout.
    ActionableAgile,
    /// `ID, Link, Name, <stages…>, Type, Status, Resolution, <attributes…>, Blocked Days`:
    /// the "cycle time data" of jira-agile-metrics (its `Name` is the item attribute
    /// `summary`, its `Type` the attribute `type`, its `Status` the tool status of
    /// the item's last event, or its current stage when the log has none; a stage skipped
    /// takes the date of the next stage reached, as jira-agile-metrics fills it; `Blocked
    /// Days` counted as jira-agile-metrics counts them).
    JiraAgileMetrics,
}

impl WideLayout {
    /// Parses `actionableagile` or `jira-agile-metrics`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for any other name.
    pub fn from_name(name: &str) -> Result<WideLayout> {
        match name {
            "actionableagile" => Ok(WideLayout::ActionableAgile),
            "jira-agile-metrics" => Ok(WideLayout::JiraAgileMetrics),
            other => Err(Error::InvalidArgument(format!(
                "cannot export to {other:?}: expected actionableagile or jira-agile-metrics"
            ))),
        }
    }
}

/// The item attribute written as the Name column: the summary of a Jira issue.
const NAME_ATTRIBUTE: &str = "summary";

/// Writes one row per item: the date (`YYYY-MM-DD`, UTC) it entered each stage of the
/// workflow, in workflow order, as jira-agile-metrics computes them: the first entry into a
/// stage counts, and a move back to a stage clears the dates of the stages after it (they
/// are set again when the item re-enters them). A stage never entered is an empty cell,
/// except in the jira-agile-metrics layout, where a stage skipped (one before the last stage
/// reached) takes the date of the next stage reached, as jira-agile-metrics fills it. The
/// Name column is the item's `summary` (a Jira issue's); the other item attributes follow
/// the stage columns. Returns the number of rows written.
///
/// The jira-agile-metrics layout ends with `Blocked Days`, counted as jira-agile-metrics
/// counts them: for each blocked interval ([`crate::Blocked`]) that begins in a stage of
/// work in progress (the commitment stage or a later one before done), the calendar days
/// (UTC) from its start to its end (the flag cleared, the item done, or the end of
/// observation). An interval from the 4th 10:00 to the 5th 08:00 is one day; one from the
/// 4th 08:00 to the 4th 18:00 none. This is not [`crate::ItemTimeline::blocked_days`],
/// which counts the instants.
///
/// # Examples
///
/// ```
/// use valuestream::{LogReader, Stage, StageKind, Timelines, WideLayout, Workflow, write_wide};
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
/// let mut out = Vec::new();
/// let rows = write_wide(&timelines, WideLayout::ActionableAgile, &mut out)?;
/// assert_eq!(rows, 2);
/// let text = String::from_utf8(out).unwrap();
/// assert_eq!(text.lines().nth(1), Some("A,,,2024-03-01,2024-03-03,2024-03-04"));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_wide<W: io::Write>(
    timelines: &Timelines,
    layout: WideLayout,
    out: W,
) -> Result<usize> {
    let wf = timelines.workflow();
    let stages = wf.stages();
    // The summary (an item's name, as a Jira issue has one) is the Name column.
    let attrs: Vec<&str> = timelines
        .attributes()
        .names
        .iter()
        .map(String::as_str)
        .filter(|a| *a != NAME_ATTRIBUTE)
        .collect();
    let is_type = |a: &str| a.eq_ignore_ascii_case("type");
    let jam = layout == WideLayout::JiraAgileMetrics;
    let mut w = csv::Writer::from_writer(out);
    let io = Error::write_csv;
    let mut header: Vec<&str> = vec!["ID", "Link", "Name"];
    header.extend(stages.iter().map(|s| s.name.as_str()));
    match layout {
        WideLayout::ActionableAgile => header.extend(attrs.iter().copied()),
        WideLayout::JiraAgileMetrics => {
            header.extend(["Type", "Status", "Resolution"]);
            header.extend(attrs.iter().copied().filter(|a| !is_type(a)));
            header.push("Blocked Days");
        }
    }
    w.write_record(&header).map_err(io)?;
    let mut dates: Vec<Option<i64>> = vec![None; stages.len()];
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    let mut n = 0;
    for item in timelines.iter() {
        dates.fill(None);
        for v in item.visits() {
            let k = v.stage();
            if dates[k].is_none() {
                dates[k] = Some(v.start_ms());
            }
            for d in &mut dates[k + 1..] {
                *d = None;
            }
        }
        if jam {
            fill_skipped(&mut dates);
        }
        row.clear();
        row.push(item.id().to_owned());
        row.push(String::new());
        row.push(item.attribute(NAME_ATTRIBUTE).unwrap_or("").to_owned());
        for d in &dates {
            row.push(d.map_or_else(String::new, |ms| {
                ms_to_datetime(ms).format("%Y-%m-%d").to_string()
            }));
        }
        let attr = |a: &str| item.attribute(a).unwrap_or("").to_owned();
        match layout {
            WideLayout::ActionableAgile => row.extend(attrs.iter().map(|a| attr(a))),
            WideLayout::JiraAgileMetrics => {
                row.push(
                    attrs
                        .iter()
                        .find(|a| is_type(a))
                        .map_or_else(String::new, |a| attr(a)),
                );
                row.push(
                    item.state()
                        .unwrap_or(&stages[item.current_stage()].name)
                        .to_owned(),
                );
                row.push(String::new());
                row.extend(attrs.iter().filter(|a| !is_type(a)).map(|a| attr(a)));
                row.push(calendar_blocked_days(&item).to_string());
            }
        }
        w.write_record(&row).map_err(io)?;
        n += 1;
    }
    w.flush().map_err(Error::write)?;
    Ok(n)
}

/// jira-agile-metrics' fill of skipped stages: walking the stages from the last, each
/// stage without a date before a stage with one takes the date of the next stage reached.
fn fill_skipped(dates: &mut [Option<i64>]) {
    let mut next: Option<i64> = None;
    for d in dates.iter_mut().rev() {
        match d {
            Some(t) => next = Some(*t),
            None => *d = next,
        }
    }
}

/// `Blocked Days` as jira-agile-metrics counts them (see [`write_wide`]).
fn calendar_blocked_days(item: &ItemTimeline<'_>) -> i64 {
    let wf = item.timelines().workflow();
    let visits = item.visits();
    item.blocked()
        .iter()
        .filter(|b| {
            // The stage the item was in when it became blocked.
            let at = visits.partition_point(|v| v.start_ms() <= b.start_ms());
            at > 0 && wf.commits(visits[at - 1].stage())
        })
        .map(|b| (b.end().date_naive() - b.start().date_naive()).num_days())
        .sum()
}
