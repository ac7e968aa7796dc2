//! Flow metrics of timelines: per item, per day, per stage, the constraint, Little's law.

mod blocked;
mod bottleneck;
mod classes;
mod groups;
mod items;
mod littles;
mod options;
mod parents;
mod regime;
mod report;
mod series;
mod stages;
mod workflow_check;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use blocked::{BlockedItem, BlockedTime};
pub use bottleneck::{Bottleneck, CONSTRAINT_UTILISATION, Evidence, StageEvidence, StageTime};
pub use classes::{
    ClassOptions, ClassRow, ClassedItem, Classes, SleAging, SleSource, SleStatus, UnmappedValue,
};
pub use groups::{GroupRow, GroupedReport};
pub use items::{AgingItem, ItemCounts, ItemMetrics};
pub use littles::{Assumption, LittlesLaw, Violation};
pub use options::MetricsOptions;
pub use parents::{ParentRow, Parents};
pub use regime::{RegimeKind, RegimeWarning, WindowCheck};
pub use report::Report;
pub use series::{Period, Series};
pub use stages::StageMetrics;
pub use workflow_check::{MAX_ACTIVE_STAGES, WorkflowWarning, WorkflowWarningKind};

use crate::error::Result;
use crate::stats::Sample;
use crate::time::{ms_to_datetime, ms_to_days};
use crate::timeline::{Clip, Timelines};

/// The window the metrics measure: `[start, end]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Window {
    /// Its start.
    pub start: DateTime<Utc>,
    /// Its end.
    pub end: DateTime<Utc>,
    /// Its length in days.
    pub days: f64,
}

/// Done items per day and per week over the window.
///
/// JSON: `throughput.{per_day, per_week}` (`null` for a window of no length).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Throughput {
    /// Done items / window days.
    pub per_day: Option<f64>,
    /// `per_day × 7`.
    pub per_week: Option<f64>,
}

/// Work in progress: committed and not done.
///
/// JSON: `wip.{mean, current}` (`mean` is `null` for a window of no length).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Wip {
    /// The time average over the window: Σ over items of the time each spent committed
    /// and not done within the window, divided by the window's length; `None` (JSON `null`)
    /// for a window of no length.
    pub mean: Option<f64>,
    /// Items in progress at the window's end.
    pub current: u64,
}

/// The flow metrics of timelines, under [`MetricsOptions`]: each result computed on
/// demand. [`Metrics::report`] computes them all; [`Report::new`] is a shortcut.
///
/// # Examples
///
/// ```
/// use valuestream::{LogReader, Metrics, MetricsOptions, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01\nA,Done,2024-03-05\n\
///            B,Dev,2024-03-02\nB,Done,2024-03-04\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::builder()
///     .stage("Dev", valuestream::StageKind::Active)
///     .stage("Done", valuestream::StageKind::Done)
///     .build()?;
/// let tl = Timelines::new(&log, &wf)?;
/// let m = Metrics::new(&tl, &MetricsOptions::new())?;
/// assert_eq!(m.cycle_times().values(), &[2.0, 4.0]);
/// assert_eq!(m.counts().done, 2);
/// // 6 item-days of WIP over a 4-day window.
/// assert_eq!(m.wip().mean, Some(1.5));
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Debug)]
pub struct Metrics<'a> {
    clip: Clip<'a>,
    /// The offset in which days are counted (ms east of UTC).
    offset_ms: i64,
}

impl<'a> Metrics<'a> {
    /// The metrics of `timelines` under `opts`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] if the window is empty (`since` after `until`, or
    /// outside the observation), an attribute filter names an attribute the log does not
    /// keep, or no item of the log has the attributes asked for (the error names the values
    /// the log has; a report of no items would be all blanks). A window that holds none of
    /// the items is no error: its report has no figures, each `null` in the JSON and `-` in
    /// the text.
    pub fn new(timelines: &'a Timelines, opts: &MetricsOptions) -> Result<Metrics<'a>> {
        let clip = Clip::new(
            timelines,
            opts.since_instant(),
            opts.until_instant(),
            opts.attributes(),
        )?;
        Ok(Metrics {
            clip,
            offset_ms: i64::from(opts.offset_seconds()) * 1000,
        })
    }

    /// The timelines measured.
    pub fn timelines(&self) -> &'a Timelines {
        self.clip.timelines()
    }

    /// The window measured.
    pub fn window(&self) -> Window {
        Window {
            start: ms_to_datetime(self.clip.start()),
            end: ms_to_datetime(self.clip.end()),
            days: ms_to_days(self.clip.span()),
        }
    }

    /// The start of `day` (a day of the series, in the day offset) as an instant.
    pub(crate) fn day_start(&self, day: chrono::NaiveDate) -> DateTime<Utc> {
        day.and_time(chrono::NaiveTime::MIN).and_utc()
            - chrono::Duration::milliseconds(self.offset_ms)
    }

    fn pass(&self, active: bool) -> items::ItemPass {
        items::item_pass(&self.clip, active)
    }

    /// The items by status at the window's end.
    pub fn counts(&self) -> ItemCounts {
        self.pass(false).counts
    }

    /// The measures of each item in the window, in order of first appearance in the log.
    pub fn items(&self) -> impl Iterator<Item = ItemMetrics> + '_ {
        let ns = self.clip.kinds().len();
        let mut stage_ms = vec![0i64; ns];
        let mut entered = vec![None; ns];
        self.clip
            .items()
            .iter()
            .map(move |s| items::item_metrics(&self.clip, s, &mut stage_ms, &mut entered))
    }

    /// Lead times (done − arrival, days) of the items done in the window.
    pub fn lead_times(&self) -> Sample {
        Sample::from_ms(self.pass(false).lead_ms)
    }

    /// Cycle times (done − commitment, days) of the items done in the window.
    pub fn cycle_times(&self) -> Sample {
        Sample::from_ms(self.pass(false).cycle_ms)
    }

    /// Flow efficiency over the items done in the window: Σ active time / Σ cycle time.
    pub fn flow_efficiency(&self) -> Option<f64> {
        flow_efficiency(&self.pass(true))
    }

    /// Done items per day and per week.
    pub fn throughput(&self) -> Throughput {
        self.throughput_of(&self.pass(false))
    }

    fn throughput_of(&self, p: &items::ItemPass) -> Throughput {
        let span = self.clip.span();
        let per_day = (span > 0).then(|| p.counts.done as f64 / ms_to_days(span));
        Throughput {
            per_day,
            per_week: per_day.map(|x| x * 7.0),
        }
    }

    /// Mean and current work in progress.
    pub fn wip(&self) -> Wip {
        self.wip_of(&self.pass(false))
    }

    fn wip_of(&self, p: &items::ItemPass) -> Wip {
        let span = self.clip.span();
        Wip {
            mean: (span > 0).then(|| p.wip_ms as f64 / span as f64),
            current: p.counts.in_progress,
        }
    }

    /// The daily series (use [`Series::weekly`] for weeks).
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] if the window spans more than 200,000 days (a
    /// sign of wrong timestamps).
    pub fn daily(&self) -> Result<Series> {
        series::daily(&self.clip, self.offset_ms)
    }

    /// The statistics of every stage, indexed like the workflow's stages.
    pub fn stages(&self) -> Vec<StageMetrics> {
        stages::stage_stats(&self.clip)
    }

    /// The stage that limits throughput, given the stage statistics from
    /// [`Metrics::stages`]; or, when no stage is near its capacity, none, and where the
    /// time goes ([`Bottleneck`]).
    pub fn bottleneck(&self, stages: &[StageMetrics]) -> Bottleneck {
        bottleneck::bottleneck(stages)
    }

    /// Little's law over the window, given the daily series (for the age of WIP).
    pub fn littles_law(&self, daily: &Series) -> LittlesLaw {
        let pass = self.pass(false);
        let cycle = Sample::from_ms(pass.cycle_ms.clone());
        self.littles_law_of(&pass, daily, &cycle)
    }

    fn littles_law_of(&self, pass: &items::ItemPass, daily: &Series, cycle: &Sample) -> LittlesLaw {
        littles::littles_law(
            &self.clip,
            &littles::LawInputs {
                wip: self.wip_of(pass).mean,
                throughput_per_day: self.throughput_of(pass).per_day,
                cycle_mean: cycle.mean(),
                cycle_max: cycle.max(),
                pass,
                series: daily,
            },
        )
    }

    /// The items in progress at the window's end, oldest first, against the cycle-time
    /// percentiles.
    pub fn aging(&self, cycle_times: &Sample) -> Vec<AgingItem> {
        items::aging(&self.clip, &self.pass(false).in_progress, cycle_times)
    }

    /// Blocked time over the window: its share of the cycle time, per stage, the items
    /// blocked now; `None` when the log and the workflow cannot tell it
    /// ([`Timelines::tracks_blocked`]).
    pub fn blocked(&self) -> Option<BlockedTime> {
        blocked::blocked_time(&self.clip)
    }

    /// Whether the window holds one steady stream of work: an extract of recent items plus
    /// old ones still open, a change of the arrival rate, a stale backlog ([`WindowCheck`]).
    pub fn window_check(&self) -> WindowCheck {
        let pass = self.pass(false);
        let cycle_max = pass.cycle_ms.iter().max().map(|&m| ms_to_days(m as i64));
        regime::window_check(&self.clip, &pass.in_progress, cycle_max)
    }

    /// Every result, as a [`Report`]. The stage statistics are computed on a second
    /// thread (scoped: it ends before this returns) when the system grants one.
    ///
    /// # Errors
    ///
    /// As [`Metrics::daily`].
    pub fn report(&self) -> Result<Report> {
        // The stage statistics (the largest part) on a second thread when one can be had;
        // the results do not depend on it.
        let (stages, rest) = std::thread::scope(|sc| {
            let job = std::thread::Builder::new()
                .name("valuestream-stages".into())
                .spawn_scoped(sc, || self.stages());
            let rest = self.daily().map(|d| (d, self.pass(true)));
            let stages = match job {
                Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                Err(_) => self.stages(),
            };
            (stages, rest)
        });
        let (daily, mut pass) = rest?;
        let lead = Sample::from_ms(std::mem::take(&mut pass.lead_ms));
        let cycle = Sample::from_ms(std::mem::take(&mut pass.cycle_ms));
        let bottleneck = self.bottleneck(&stages);
        let littles_law = self.littles_law_of(&pass, &daily, &cycle);
        let window_check = regime::window_check(&self.clip, &pass.in_progress, cycle.max());
        Ok(Report {
            items: pass.counts,
            lead_time_days: lead.summary(),
            cycle_time_days: cycle.summary(),
            throughput: self.throughput_of(&pass),
            wip: self.wip_of(&pass),
            flow_efficiency: flow_efficiency(&pass),
            littles_law,
            aging: items::aging(&self.clip, &pass.in_progress, &cycle),
            stages,
            bottleneck,
            data_quality: self.clip.timelines().quality().clone(),
            window_check,
            blocked: self.blocked(),
            window: self.window(),
            lead_times: lead,
            cycle_times: cycle,
            daily,
        })
    }
}

fn flow_efficiency(p: &items::ItemPass) -> Option<f64> {
    items::flow_efficiency(p.active_ms, p.cycle_total_ms)
}
