//! The headline figures per group of an item attribute: one row per value, plus the whole.

use serde::Serialize;

use super::{ItemCounts, Metrics, MetricsOptions, Throughput, Window, WindowCheck, Wip};
use crate::error::Result;
use crate::stats::{Sample, Summary};
use crate::timeline::{Timelines, attribute_index};

/// The headline figures of one group of items (or of the whole): what one row of
/// `valuestream report --by ATTR` shows.
///
/// Every figure is the one [`Report`](super::Report) gives for the same items over the
/// same window (the report of `--where ATTR=VALUE`): the same definitions, computed by the
/// same code.
///
/// JSON: `{value, items, lead_time_days, cycle_time_days, throughput, wip,
/// flow_efficiency, bottleneck}`, keyed as in the report's JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GroupRow {
    /// The attribute's value of the group's items: `None` (JSON `null`) for the items
    /// without the attribute, and for the whole.
    pub value: Option<String>,
    /// Items by status at the end of the window: `{total, done, in_progress, not_started,
    /// discarded}`.
    pub items: ItemCounts,
    /// Lead times of the items done in the window (days): `{count, mean, sd, p50, p70,
    /// p85, p95, max}`.
    pub lead_time_days: Summary,
    /// Cycle times of the items done in the window (days), keyed as `lead_time_days`.
    pub cycle_time_days: Summary,
    /// Done items per day and per week over the window: `{per_day, per_week}`.
    pub throughput: Throughput,
    /// Mean and current work in progress: `{mean, current}`.
    pub wip: Wip,
    /// Σ active time / Σ cycle time over the items done.
    pub flow_efficiency: Option<f64>,
    /// The stage that limits the group's throughput (the report's `bottleneck.stage`):
    /// `None` (JSON `null`, text `none`) when no active stage is near its capacity.
    pub bottleneck: Option<String>,
}

impl GroupRow {
    /// The group's name as the text and CSV show it: its value, or
    /// [`GroupedReport::NO_VALUE`].
    pub fn name(&self) -> &str {
        self.value.as_deref().unwrap_or(GroupedReport::NO_VALUE)
    }

    /// The figures of the items `metrics` measures, as the group `value`.
    pub(super) fn of(metrics: &Metrics<'_>, value: Option<&str>) -> GroupRow {
        GroupRow::with_cycle_times(metrics, value).0
    }

    /// [`GroupRow::of`], and the cycle times behind its summary (for a class's SLE).
    pub(super) fn with_cycle_times(
        metrics: &Metrics<'_>,
        value: Option<&str>,
    ) -> (GroupRow, Sample) {
        let mut pass = metrics.pass(true);
        let lead = Sample::from_ms(std::mem::take(&mut pass.lead_ms));
        let cycle = Sample::from_ms(std::mem::take(&mut pass.cycle_ms));
        let stages = metrics.stages();
        let row = GroupRow {
            value: value.map(str::to_owned),
            items: pass.counts,
            lead_time_days: lead.summary(),
            cycle_time_days: cycle.summary(),
            throughput: metrics.throughput_of(&pass),
            wip: metrics.wip_of(&pass),
            flow_efficiency: super::flow_efficiency(&pass),
            bottleneck: metrics.bottleneck(&stages).stage,
        };
        (row, cycle)
    }
}

/// The report per group of an item attribute: for each of its values, the headline
/// figures of the items with that value, plus a row for the items without it and one for
/// the whole; what `valuestream report --by ATTR` prints.
///
/// The groups split the items the options keep (their window and attribute filters), so
/// their item counts add up to the whole's. Groups are sorted by items done, most first,
/// then by name; a value none of whose items is in the window has no group.
///
/// `Display` renders the window (and, as the report does, whether it holds one steady
/// stream of work), then one table (the first [`GroupedReport::TEXT_ROWS`] groups, then the
/// whole); [`crate::write_groups_csv`] writes every group as CSV; serde gives the JSON of
/// `valuestream report --by ATTR --json`.
///
/// # JSON
///
/// The keys are part of the public API and stable:
///
/// | key | content |
/// |---|---|
/// | `attribute` | the attribute the items are grouped by |
/// | `window` | `{start, end, days}`, the window measured ([`Window`]) |
/// | `groups[]` | one [`GroupRow`] per value: `{value, items, lead_time_days, cycle_time_days, throughput, wip, flow_efficiency, bottleneck}`; `value` is `null` for the items without the attribute |
/// | `whole` | the same figures for every item of the groups (`value` `null`) |
/// | `window_check` | `{steady, warnings[], since, until}`, as in the report's JSON ([`WindowCheck`]): whether the window holds one steady stream of work, which the rates and averages of every group depend on |
///
/// `items` is `{total, done, in_progress, not_started, discarded}`, `lead_time_days` and
/// `cycle_time_days` are `{count, mean, sd, p50, p70, p85, p95, max}`, `throughput` is
/// `{per_day, per_week}`, `wip` is `{mean, current}`, `bottleneck` the stage's name or
/// `null`: each as in [`Report`](super::Report)'s JSON, and `null` in the same cases.
///
/// # Examples
///
/// ```
/// use valuestream::{GroupedReport, LogReader, MetricsOptions, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp,team\n\
///            A,Dev,2024-03-01,red\nA,Done,2024-03-05,red\n\
///            B,Dev,2024-03-02,blue\nB,Done,2024-03-04,blue\n\
///            C,Dev,2024-03-03,\n";
/// let log = LogReader::builder().attribute("team").build().read(csv.as_bytes())?;
/// let wf = Workflow::builder()
///     .stage("Dev", StageKind::Active)
///     .stage("Done", StageKind::Done)
///     .build()?;
/// let tl = Timelines::new(&log, &wf)?;
/// let by = GroupedReport::new(&tl, &MetricsOptions::new(), "team")?;
/// let names: Vec<&str> = by.groups.iter().map(|g| g.name()).collect();
/// assert_eq!(names, ["blue", "red", "(none)"]);
/// assert_eq!(by.groups[0].cycle_time_days.p50, Some(2.0));
/// assert_eq!(by.whole.items.total, 3);
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GroupedReport {
    /// The attribute the items are grouped by.
    pub attribute: String,
    /// The window measured.
    pub window: Window,
    /// One row per value of the attribute (and one for the items without it), most items
    /// done first, then by name.
    pub groups: Vec<GroupRow>,
    /// Every item of the groups.
    pub whole: GroupRow,
    /// Whether the window holds one steady stream of work (of every item of the groups),
    /// as the report's `window_check`: the rates and averages of every group are taken
    /// over the same window.
    pub window_check: WindowCheck,
}

impl GroupedReport {
    /// How many groups the text shows (the others are in the JSON and the CSV).
    pub const TEXT_ROWS: usize = 30;

    /// How the text and CSV name the group of the items without the attribute (its
    /// `value` is `null` in the JSON).
    pub const NO_VALUE: &'static str = "(none)";

    /// How the text and CSV name the row of the whole.
    pub const WHOLE: &'static str = "(all)";

    /// The headline figures of the items `opts` keeps, per value of their attribute
    /// `attribute`, and of the whole.
    ///
    /// One pass splits the window's items by value; each group is then measured on its
    /// own items only, so the whole costs about two reports' headline figures, however
    /// many groups there are.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] if the log keeps no attribute named `attribute`
    /// (the error names those it keeps), and as [`Metrics::new`].
    pub fn new(
        timelines: &Timelines,
        opts: &MetricsOptions,
        attribute: &str,
    ) -> Result<GroupedReport> {
        let attr = attribute_index(timelines, attribute, "to group by")?;
        let all = Metrics::new(timelines, opts)?;
        let offset_ms = all.offset_ms;
        let mut groups: Vec<GroupRow> = all
            .clip
            .split_by(attr)
            .into_iter()
            .map(|(value, clip)| GroupRow::of(&Metrics { clip, offset_ms }, value))
            .collect();
        groups.sort_by(|a, b| {
            b.items
                .done
                .cmp(&a.items.done)
                .then_with(|| a.name().cmp(b.name()))
        });
        Ok(GroupedReport {
            attribute: attribute.to_owned(),
            window: all.window(),
            groups,
            whole: GroupRow::of(&all, None),
            window_check: all.window_check(),
        })
    }

    /// The group of items whose value is `value` (`None`: the items without the
    /// attribute), if any is in the window.
    pub fn group(&self, value: Option<&str>) -> Option<&GroupRow> {
        self.groups.iter().find(|g| g.value.as_deref() == value)
    }
}
