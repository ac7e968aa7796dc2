//! Flow metrics of timelines: per item, per day, per stage, the constraint, Little's law.

mod bottleneck;
mod filter;
mod items;
mod littles;
mod series;
mod stages;
mod stats;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use bottleneck::{Bottleneck, Evidence, StageEvidence};
pub use filter::MetricsOptions;
pub use items::{AgingItem, ItemCounts, ItemMetrics};
pub use littles::{Assumption, LittlesLaw, Violation};
pub use series::{Period, Series};
pub use stages::StageStats;
pub use stats::{Histogram, Sample, Summary};

pub(crate) use filter::{NONE, Scope};

use crate::error::Result;
use crate::time::{ms_to_datetime, ms_to_days};
use crate::timeline::Timelines;
use crate::workflow::StageKind;

/// The window the metrics measure: `[start, end]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
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
pub struct Throughput {
    /// Done items / window days.
    pub per_day: Option<f64>,
    /// `per_day × 7`.
    pub per_week: Option<f64>,
}

/// Work in progress: committed and not done.
///
/// JSON: `wip.{mean, current}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Wip {
    /// The time average over the window: Σ over items of the time each spent committed
    /// and not done within the window, divided by the window's length.
    pub mean: Option<f64>,
    /// Items in progress at the window's end.
    pub current: u64,
}

/// The flow metrics of timelines, under [`MetricsOptions`]: each result computed on
/// demand. [`Metrics::report`] computes them all; [`crate::Report::new`] is a shortcut.
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
    scope: Scope<'a>,
    kinds: Vec<StageKind>,
}

impl<'a> Metrics<'a> {
    /// The metrics of `timelines` under `opts`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] if the window is empty (`since` after `until`, or
    /// outside the observation) or an attribute filter names an attribute the log does not
    /// keep.
    pub fn new(timelines: &'a Timelines, opts: &MetricsOptions) -> Result<Metrics<'a>> {
        let scope = Scope::new(timelines, opts)?;
        let kinds = timelines.workflow.stages().iter().map(|s| s.kind).collect();
        Ok(Metrics { scope, kinds })
    }

    /// The timelines measured.
    pub fn timelines(&self) -> &'a Timelines {
        self.scope.tl
    }

    /// The window measured.
    pub fn window(&self) -> Window {
        Window {
            start: ms_to_datetime(self.scope.ws),
            end: ms_to_datetime(self.scope.we),
            days: ms_to_days(self.scope.span()),
        }
    }

    /// The items by status at the window's end.
    pub fn counts(&self) -> ItemCounts {
        items::counts(&self.scope)
    }

    /// The measures of each item in the window, in order of first appearance in the log.
    pub fn items(&self) -> impl Iterator<Item = ItemMetrics> + '_ {
        let ns = self.kinds.len();
        let mut stage_ms = vec![0i64; ns];
        let mut entered = vec![NONE; ns];
        self.scope.items.iter().map(move |s| {
            items::item_metrics(&self.scope, &self.kinds, s, &mut stage_ms, &mut entered)
        })
    }

    fn done_ms(&self, from_commitment: bool) -> Vec<u64> {
        self.scope
            .items
            .iter()
            .filter(|s| s.is_done())
            .map(|s| {
                let from = if from_commitment {
                    s.commitment
                } else {
                    s.arrival
                };
                (s.done - from).max(0) as u64
            })
            .collect()
    }

    /// Lead times (done − arrival, days) of the items done in the window.
    pub fn lead_times(&self) -> Sample {
        Sample::from_ms(self.done_ms(false))
    }

    /// Cycle times (done − commitment, days) of the items done in the window.
    pub fn cycle_times(&self) -> Sample {
        Sample::from_ms(self.done_ms(true))
    }

    /// Flow efficiency over the items done in the window: Σ active time / Σ cycle time.
    pub fn flow_efficiency(&self) -> Option<f64> {
        let (mut active, mut cycle) = (0i128, 0i128);
        for s in self.scope.items.iter().filter(|s| s.is_done()) {
            active += i128::from(items::active_ms(&self.scope, &self.kinds, s));
            cycle += i128::from(s.done - s.commitment);
        }
        (cycle > 0).then(|| active as f64 / cycle as f64)
    }

    /// Done items per day and per week.
    pub fn throughput(&self) -> Throughput {
        let done = self.scope.items.iter().filter(|s| s.is_done()).count();
        let span = self.scope.span();
        let per_day = (span > 0).then(|| done as f64 / ms_to_days(span));
        Throughput {
            per_day,
            per_week: per_day.map(|x| x * 7.0),
        }
    }

    /// Mean and current work in progress.
    pub fn wip(&self) -> Wip {
        Wip {
            mean: littles::mean_wip(&self.scope),
            current: self.scope.items.iter().filter(|s| s.in_progress()).count() as u64,
        }
    }

    /// The daily series (use [`Series::weekly`] for weeks).
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] if the window spans more than 200,000 days (a
    /// sign of wrong timestamps).
    pub fn daily(&self) -> Result<Series> {
        series::daily(&self.scope)
    }

    /// The statistics of every stage, indexed like the workflow's stages.
    pub fn stages(&self) -> Vec<StageStats> {
        stages::stage_stats(&self.scope)
    }

    /// The stage that limits throughput, given the stage statistics from
    /// [`Metrics::stages`].
    pub fn bottleneck(&self, stages: &[StageStats]) -> Bottleneck {
        bottleneck::bottleneck(stages)
    }

    /// Little's law over the window, given the daily series (for the age of WIP).
    pub fn littles_law(&self, daily: &Series) -> LittlesLaw {
        let cycle = self.cycle_times();
        self.littles_law_with(daily, &cycle, self.wip().mean, self.throughput().per_day)
    }

    fn littles_law_with(
        &self,
        daily: &Series,
        cycle: &Sample,
        wip: Option<f64>,
        throughput: Option<f64>,
    ) -> LittlesLaw {
        littles::littles_law(
            &self.scope,
            &littles::LawInputs {
                wip,
                throughput_per_day: throughput,
                cycle_mean: cycle.mean(),
                cycle_max: cycle.max(),
                done: cycle.len() as u64,
                series: daily,
            },
        )
    }

    /// The items in progress at the window's end, oldest first, against the cycle-time
    /// percentiles.
    pub fn aging(&self, cycle_times: &Sample) -> Vec<AgingItem> {
        items::aging(&self.scope, cycle_times)
    }

    /// Every result, as a [`crate::Report`].
    ///
    /// # Errors
    ///
    /// As [`Metrics::daily`].
    pub fn report(&self) -> Result<crate::Report> {
        let daily = self.daily()?;
        let lead = self.lead_times();
        let cycle = self.cycle_times();
        let wip = self.wip();
        let throughput = self.throughput();
        let stages = self.stages();
        let bottleneck = self.bottleneck(&stages);
        let littles_law = self.littles_law_with(&daily, &cycle, wip.mean, throughput.per_day);
        Ok(crate::Report {
            items: self.counts(),
            lead_time_days: lead.summary(),
            cycle_time_days: cycle.summary(),
            throughput,
            wip,
            flow_efficiency: self.flow_efficiency(),
            littles_law,
            aging: self.aging(&cycle),
            stages,
            bottleneck,
            data_quality: self.scope.tl.quality.clone(),
            window: self.window(),
            lead_times: lead,
            cycle_times: cycle,
            daily,
        })
    }
}
