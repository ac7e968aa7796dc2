//! The report: every flow metric of timelines over a window in one serialisable result.
//! It is rendered by the `report` module (text, CSV, SVG, HTML); serde gives its JSON.

use serde::Serialize;

use super::{
    AgingItem, BlockedTime, Bottleneck, ItemCounts, LittlesLaw, Metrics, MetricsOptions, Series,
    StageMetrics, Throughput, Window, WindowCheck, Wip,
};
use crate::error::Result;
use crate::log::DataQuality;
use crate::stats::{Sample, Summary};
use crate::timeline::Timelines;

/// Every flow metric of timelines over a window: what `valuestream report` prints.
///
/// `Display` renders a readable terminal report (whether the window mixes regimes and
/// which window is steady, headline figures, the stage table, the bottleneck and why,
/// Little's law, aging work, data-quality warnings); serde gives the JSON of
/// `valuestream report --json`; [`crate::write_items_csv`],
/// [`crate::write_series_csv`] and [`crate::write_stages_csv`] give CSV tables.
///
/// # JSON
///
/// The keys are part of the public API and stable:
///
/// | key | content |
/// |---|---|
/// | `items` | `{total, done, in_progress, not_started, discarded}` ([`ItemCounts`]) |
/// | `lead_time_days`, `cycle_time_days` | `{count, mean, sd, p50, p70, p85, p95, max}` ([`Summary`]) of the items done in the window |
/// | `throughput` | `{per_day, per_week}` ([`Throughput`]) |
/// | `wip` | `{mean, current}` ([`Wip`]) |
/// | `flow_efficiency` | Σ active time / Σ cycle time over the items done |
/// | `littles_law` | `{wip, throughput_per_day, cycle_time_days, relative_error, violations[]}` ([`LittlesLaw`]); each violation `{assumption, detail}` |
/// | `stages[]` | per workflow stage, in order: `{name, kind, visits, visit_days {mean, p50, p85}, wip_mean, servers, servers_estimated, utilisation}` ([`StageMetrics`]) |
/// | `bottleneck` | `{stage, constrained, reason, ranking[], time_ranking[]}` ([`Bottleneck`]); each ranking entry `{stage, evidence[], utilisation, servers, servers_estimated, capacity_per_day, wait_stages[], wait_days, queue_growth, near_capacity}`; each time-ranking entry `{stage, kind, item_days, share}` ([`StageTime`](super::StageTime)). `constrained` is false, and `stage` `null`, when no active stage is near its capacity ([`CONSTRAINT_UTILISATION`](super::CONSTRAINT_UTILISATION)); the reason then says "No capacity constraint" and where the time goes |
/// | `aging[]` | items in progress at the end, oldest first: `{id, stage, age_days, percentile_passed}` ([`AgingItem`]) |
/// | `data_quality` | the ledger, as `valuestream check --json` prints it ([`DataQuality`]) |
/// | `blocked` | `{items, done_days, share_of_cycle_time, stages[] {stage, days}, now[] {id, stage, since, days}}` ([`BlockedTime`]), or `null` when neither the log (flags) nor the workflow (`blocked_states`, a `blocked = true` stage) can tell blocked time |
/// | `window_check` | `{steady, warnings[], since, until}` ([`WindowCheck`]): whether the window holds one steady stream of work; each warning `{kind, message, since, until}` (an extract of recent items plus old open ones, a change of the arrival rate, a stale backlog) with the steady window it suggests |
///
/// `valuestream report --json` (and `check --json`) adds one key of its own when the
/// workflow was not given with `--workflow`: `workflow`, `{source, preset, toml,
/// warnings[]}`: `source` `"inferred"` (guessed from the status names) or `"preset"` (the
/// default of the format `preset` names), the workflow as TOML, and each
/// [`WorkflowWarning`](super::WorkflowWarning) `{kind, message}` of
/// [`Report::workflow_warnings`]. With classes of service (`--class-by ATTR`, or the
/// workflow file's `[classes]`) it adds `classes`, the JSON of
/// [`Classes`](super::Classes).
///
/// Durations are in days. No figure is `NaN` or infinite: one that cannot be computed is
/// `null` (and `-` in the text, the headline figures with a sentence saying why), and only
/// these are ever `null`:
///
/// - a window of no length (`--since` equal to `--until`, or every event at one instant):
///   `throughput.per_day`, `throughput.per_week`, `wip.mean`, `littles_law.wip`,
///   `littles_law.throughput_per_day`, `stages[].wip_mean`, `stages[].utilisation` and
///   `bottleneck.ranking[].utilisation`;
/// - no item done in the window: every figure of `lead_time_days` and `cycle_time_days`
///   but `count` (and `sd` with one item done), `flow_efficiency`,
///   `littles_law.cycle_time_days`, `aging[].percentile_passed`;
/// - every item done in no time: `flow_efficiency`; `bottleneck.ranking[].capacity_per_day`
///   when no visit to the stage ended in the window, every one took no time, or the stage
///   has no servers;
/// - `blocked` when neither the log nor the workflow can tell blocked time;
///   `blocked.share_of_cycle_time` when no item was done or every cycle time was 0;
/// - `littles_law.relative_error` when one of its three terms is `null` or the mean WIP is
///   0;
/// - `stages[].visit_days` figures for a stage no visit to ended in the window;
///   `stages[].servers` and `utilisation` for stages that are not active, or active with
///   no servers given and no item in them (also in `bottleneck.ranking[]`);
/// - `bottleneck.stage` when there is no capacity constraint; `aging[].percentile_passed`
///   when the age passes no percentile; `window_check.since`/`until` when the window is
///   steady (or that end needs no change); `data_quality.source` for a log read from
///   memory, `data_quality.rejected[].column`/`value` when no one column is at fault.
///
/// A `--where` filter (attribute filter) that no item passes is an error, not a report of
/// nothing.
///
/// # Examples
///
/// ```
/// use valuestream::{LogReader, MetricsOptions, Report, Stage, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01\nA,Test,2024-03-03\nA,Done,2024-03-04\n\
///            B,Dev,2024-03-02\nB,Test,2024-03-05\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::new(
///     vec![
///         Stage::new("Dev", StageKind::Active),
///         Stage::new("Test", StageKind::Active).with_servers(1),
///         Stage::new("Done", StageKind::Done),
///     ],
///     None,
/// )?;
/// let tl = Timelines::new(&log, &wf)?;
/// let report = Report::new(&tl, &MetricsOptions::new())?;
/// assert_eq!((report.items.done, report.items.in_progress), (1, 1));
/// assert_eq!(report.cycle_time_days.mean, Some(3.0));
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["stages"][1]["servers"], 1);
/// assert!(report.to_string().contains("Bottleneck"));
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// Items by status at the end of the window.
    pub items: ItemCounts,
    /// Lead times of the items done in the window.
    pub lead_time_days: Summary,
    /// Cycle times of the items done in the window.
    pub cycle_time_days: Summary,
    /// Done items per day and week.
    pub throughput: Throughput,
    /// Mean and current WIP.
    pub wip: Wip,
    /// Σ active time / Σ cycle time over the items done; `None` (JSON `null`) when no item
    /// was done in the window or every cycle time was 0.
    pub flow_efficiency: Option<f64>,
    /// Little's law and the assumptions the window violates.
    pub littles_law: LittlesLaw,
    /// Every stage, in workflow order.
    pub stages: Vec<StageMetrics>,
    /// The stage that limits throughput, or that none is near its capacity, and where the
    /// time goes.
    pub bottleneck: Bottleneck,
    /// Items in progress at the end, oldest first.
    pub aging: Vec<AgingItem>,
    /// The data-quality ledger.
    pub data_quality: DataQuality,
    /// Whether the window holds one steady stream of work, and if not, the steady window.
    pub window_check: WindowCheck,
    /// Blocked time: its share of the cycle time, per stage, the items blocked now;
    /// `None` (JSON `null`) when the log and the workflow cannot tell it.
    pub blocked: Option<BlockedTime>,
    /// The window measured (not in the JSON).
    #[serde(skip)]
    pub window: Window,
    /// The lead times behind `lead_time_days`, for other percentiles and histograms (not
    /// in the JSON).
    #[serde(skip)]
    pub lead_times: Sample,
    /// The cycle times behind `cycle_time_days` (not in the JSON).
    #[serde(skip)]
    pub cycle_times: Sample,
    /// The daily series (not in the JSON; [`crate::write_series_csv`] writes it).
    #[serde(skip)]
    pub daily: Series,
}

impl Report {
    /// The report of `timelines` under `opts`: `Metrics::new(timelines, opts)?.report()`.
    ///
    /// # Errors
    ///
    /// As [`Metrics::new`] and [`Metrics::report`].
    pub fn new(timelines: &Timelines, opts: &MetricsOptions) -> Result<Report> {
        Metrics::new(timelines, opts)?.report()
    }

    /// The statistics of the stage named `name`.
    pub fn stage(&self, name: &str) -> Option<&StageMetrics> {
        self.stages.iter().find(|s| s.name == name)
    }
}
