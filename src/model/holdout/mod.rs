//! The held-out backtest: the model fitted on a log's past predicts its future, scored the
//! way the process-simulation field scores models.
//!
//! Split the log at an instant T; fit the model on what was known at T
//! ([`Timelines::known_at`]: visits still open are censored); start the simulation at T
//! from the state of the log then (every item in progress placed at its station, with the
//! time it has been in service); replay the log's own commitments after T; simulate to the
//! end of observation; compare the test period `(T, as_of]` on both sides, measured by one
//! function ([`measure`]).

mod measure;
mod select;
mod state;

pub use select::{INNER_REPLICATIONS, SCORE_TOLERANCE, select_fit};

use std::io::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;

use self::measure::{Cycle, Scores, Side, Span};
pub(crate) use self::state::{HoldoutRecorder, StateMap, placements, roles};
use super::fit::{ClassBy, FitOptions, FittedModel, Selection, fit};
use super::sim::{SimOptions, Simulation};
use super::{Arrivals, Batch};
use crate::error::{Error, Result};
use crate::metrics::WindowCheck;
use crate::stats::Sample;
use crate::time::{datetime_to_ms, ms_to_datetime, ms_to_days};
use crate::timeline::Timelines;

/// The fewest done items a model must rest on before an answer built on it calls a
/// difference real.
///
/// # Why 30
///
/// A fitted model resamples the observed service times and replays the observed arrivals: it
/// knows no more about the stream than its done items tell. Cycle times of delivery work are
/// right-skewed, with a coefficient of variation around 1 or more, so the standard error of
/// their mean is about the mean itself divided by √n. The 95% interval of the mean is then
/// ± t₀.₉₇₅,ₙ₋₁/√n of the mean: ±37% with 30 items (t = 2.045), ±72% with 10, ±248% with 3.
/// Below 30 the uncertainty of the input alone is wider than most changes a what-if asks
/// about, and the simulation's own interval, which knows nothing of it, would call a
/// difference real that the data cannot show. Thirty is also the common textbook rule of
/// thumb (n ≥ 30) for when the sample mean is close enough to normal for a t interval; it
/// is a heuristic, and for strongly skewed samples a floor rather than a guarantee. The
/// held-out backtest calls itself inconclusive below it, on either side of its split. An
/// empirical distribution of fewer points has hardly any
/// tail either: its 85th percentile rests on the top four points or fewer.
pub const MIN_DONE_ITEMS: usize = 30;

/// The percentile of the distances between the model's own histories beyond which a
/// measure is outside its noise ([`Noise`]).
pub const NOISE_LEVEL: f64 = 99.0;

/// Histories of the model drawn to measure its noise (at least; more if more replications
/// are asked for): 30 give 870 ordered pairs, enough for a stable 99th percentile.
pub const NOISE_RUNS: u32 = 30;

/// The tolerances within which a measure holds up even outside the model's own noise.
pub mod tolerance {
    /// CTDD relative to the observed mean. The best published generators reach 0.41–0.78
    /// and discovered simulation models 0.93–1.00 (Camargo, Dumas, González-Rojas 2021).
    pub const CTDD_RELATIVE: f64 = 0.25;
    /// The relative error of the mean cycle time.
    pub const MEAN: f64 = 0.15;
    /// The relative error of the throughput.
    pub const THROUGHPUT: f64 = 0.10;
    /// The relative error of the mean WIP.
    pub const WIP: f64 = 0.20;
}

/// Options of [`backtest`], built from [`BacktestOptions::new`] and its setters.
///
/// # Examples
///
/// ```
/// use valuestream::BacktestOptions;
///
/// let o = BacktestOptions::new().holdout(0.25).replications(20).seed(7);
/// assert_eq!((o.holdout, o.sim.replications, o.sim.seed), (0.25, 20, 7));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BacktestOptions {
    /// The share of the items held out: the split is the instant before which `1 − holdout`
    /// of the items had arrived (default 0.3). Ignored when `train_until` is set.
    pub holdout: f64,
    /// The split instant, if given.
    pub train_until: Option<DateTime<Utc>>,
    /// How the model is fitted on the training period.
    pub fit: FitOptions,
    /// Seed, replications (default 10) and threads of the simulation; its horizon and
    /// warm-up are the test period's and none.
    pub sim: SimOptions,
    /// Whether the fit's options are chosen on the training period by an inner held-out
    /// backtest ([`select_fit`]; default yes). No: the model is fitted with `fit` as given.
    pub select: bool,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions {
            holdout: 0.3,
            train_until: None,
            fit: FitOptions::new(),
            sim: SimOptions::new(),
            select: true,
        }
    }
}

impl BacktestOptions {
    /// Hold out the last 30% of the items; 10 replications, seed 1.
    pub fn new() -> BacktestOptions {
        BacktestOptions::default()
    }

    /// The share of the items held out (0 to 1, exclusive).
    #[must_use]
    pub fn holdout(mut self, share: f64) -> Self {
        self.holdout = share;
        self
    }

    /// Split at `t` instead.
    #[must_use]
    pub fn train_until(mut self, t: DateTime<Utc>) -> Self {
        self.train_until = Some(t);
        self
    }

    /// How to fit the model.
    #[must_use]
    pub fn fit(mut self, fit: FitOptions) -> Self {
        self.fit = fit;
        self
    }

    /// Whether to choose the fit's options by an inner backtest ([`select_fit`]).
    #[must_use]
    pub fn select(mut self, select: bool) -> Self {
        self.select = select;
        self
    }

    /// The seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.sim = self.sim.seed(seed);
        self
    }

    /// The replications.
    #[must_use]
    pub fn replications(mut self, replications: u32) -> Self {
        self.sim = self.sim.replications(replications);
        self
    }

    /// The most threads to simulate on (the result does not depend on it).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.sim = self.sim.threads(threads);
        self
    }
}

/// Count, mean, p50 and p85 of cycle times, in days.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CycleSummary {
    /// Items (for the prediction: the mean over replications).
    pub count: f64,
    /// The mean.
    pub mean: f64,
    /// The median (type 7).
    pub p50: f64,
    /// The 85th percentile (type 7).
    pub p85: f64,
}

impl From<Cycle> for CycleSummary {
    fn from(c: Cycle) -> Self {
        CycleSummary {
            count: c.count as f64,
            mean: c.mean,
            p50: c.p50,
            p85: c.p85,
        }
    }
}

/// A figure of the log and the model's prediction of it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Observed<T> {
    /// What the log shows.
    pub observed: T,
    /// What the model predicts (the mean over replications).
    pub predicted: T,
}

/// Relative errors, (predicted − observed) / observed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Errors {
    /// Of the mean cycle time.
    pub mean: f64,
    /// Of the median cycle time.
    pub p50: f64,
    /// Of the 85th percentile of cycle time.
    pub p85: f64,
    /// Of the throughput.
    pub throughput: f64,
    /// Of the time-average WIP.
    pub wip: f64,
}

/// Each measure's 5th and 95th percentiles over the replications.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Spread {
    /// Of `ctdd_days`.
    pub ctdd_days: [f64; 2],
    /// Of `ctdd_relative`.
    pub ctdd_relative: [f64; 2],
    /// Of each relative error.
    pub errors: ErrorSpread,
    /// Of `wip_distance_relative`.
    pub wip_distance_relative: [f64; 2],
    /// Of the items open at the split done by the end.
    pub open_done_predicted: [f64; 2],
}

/// The spread of each relative error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ErrorSpread {
    /// Mean cycle time.
    pub mean: [f64; 2],
    /// Median cycle time.
    pub p50: [f64; 2],
    /// 85th percentile.
    pub p85: [f64; 2],
    /// Throughput.
    pub throughput: [f64; 2],
    /// Mean WIP.
    pub wip: [f64; 2],
}

/// The measures of one replication (the first: the history `--log` writes).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ReplicationScores {
    /// Its cycle times.
    pub cycle_time_days: CycleSummary,
    /// CTDD, days.
    pub ctdd_days: f64,
    /// CTDD over the observed mean.
    pub ctdd_relative: f64,
    /// Relative errors.
    pub errors: Errors,
    /// Items done per day.
    pub throughput_per_day: f64,
    /// Time-average WIP.
    pub wip_mean: f64,
    /// The daily WIP distance over the observed mean WIP.
    pub wip_distance_relative: f64,
    /// Items open at the split it finished by the end.
    pub open_done: usize,
}

/// The items in progress at the split.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OpenAtSplit {
    /// How many (committed at or before the split, not done by it).
    pub count: usize,
    /// How many the log shows done by the end.
    pub done_observed: usize,
    /// How many the model finishes by the end (mean over replications).
    pub done_predicted: f64,
}

/// One station's time-average WIP over the test period.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StationWip {
    /// The station.
    pub name: String,
    /// Items in its stages (queue and service), from the log.
    pub observed: f64,
    /// In the model (mean over replications).
    pub predicted: f64,
}

/// How far two histories of the fitted model itself differ over the test period, from
/// the same state at the split, fed by a steady (Poisson) stream at the log's arrival rate
/// over the test period ("free runs",
/// [`NOISE_RUNS`](crate::NOISE_RUNS) or the replications if more): for each measure, the [`NOISE_LEVEL`](crate::NOISE_LEVEL)th percentile of its absolute
/// value over ordered pairs of runs, one taken as the log and the other as the prediction.
/// If the model is right, the log is one more of its histories, and lies further from the
/// prediction than that about once in a hundred backtests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Noise {
    /// Free runs.
    pub runs: usize,
    /// Of CTDD over the mean.
    pub ctdd_relative: f64,
    /// Of the mean cycle time's relative error.
    pub mean: f64,
    /// Of the throughput's.
    pub throughput: f64,
    /// Of the mean WIP's.
    pub wip: f64,
}

/// One test of the verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Check {
    /// `ctdd_relative`, `mean`, `throughput` or `wip`.
    pub measure: &'static str,
    /// The headline value (an error, or CTDD over the observed mean).
    pub value: f64,
    /// The model's own noise for it: what the value may be by chance alone.
    pub noise: f64,
    /// The practical tolerance ([`tolerance`]).
    pub tolerance: f64,
    /// Within the noise or the tolerance.
    pub ok: bool,
}

/// Whether the model held up on the held-out period, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Verdict {
    /// Every check passed and the backtest is conclusive.
    pub held_up: bool,
    /// Enough done items on both sides ([`MIN_DONE_ITEMS`]).
    pub conclusive: bool,
    /// Each test.
    pub checks: Vec<Check>,
    /// One line for a person.
    pub summary: String,
}

/// The result of [`backtest`]; its JSON is the `holdout` object of `valuestream backtest
/// --json`, documented key by key in the fields below (stable API).
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct HoldoutBacktest {
    /// The split T: the model knows the log up to it.
    pub train_until: DateTime<Utc>,
    /// The end of observation.
    pub as_of: DateTime<Utc>,
    /// `as_of − T`, days.
    pub test_days: f64,
    /// Replications simulated.
    pub replications: u32,
    /// Their seed.
    pub seed: u64,
    /// Done items the model was fitted on.
    pub training_done_items: usize,
    /// Cycle time of the items committed after T and done by `as_of`.
    pub cycle_time_days: Observed<CycleSummary>,
    /// **CTDD**: the 1-Wasserstein distance between the observed and predicted cycle-time
    /// distributions, days (mean over replications).
    pub ctdd_days: f64,
    /// CTDD over the observed mean cycle time.
    pub ctdd_relative: f64,
    /// Relative errors (means over replications).
    pub errors: Errors,
    /// Items done in the test period, per day.
    pub throughput_per_day: Observed<f64>,
    /// Time-average WIP (committed, not done) over the test period.
    pub wip_mean: Observed<f64>,
    /// Per station.
    pub stations: Vec<StationWip>,
    /// **WIP distance**: the mean absolute difference of the daily WIP series, over the
    /// observed mean WIP.
    pub wip_distance_relative: f64,
    /// The WIP at T + 1 day, T + 2 days, …: the log's and the mean over replications.
    pub daily_wip: Observed<Vec<f64>>,
    /// The items in progress at T.
    pub open_at_split: OpenAtSplit,
    /// Each measure's 5th–95th percentile over the replications.
    pub spread: Spread,
    /// The first replication's measures.
    pub first: ReplicationScores,
    /// How far two histories of the model differ by chance.
    pub noise: Noise,
    /// Held up or failed.
    pub verdict: Verdict,
    /// Whether the log holds one steady stream of work ([`WindowCheck::of`]): a held-out
    /// period after a change of regime tests the model on a stream it never saw.
    pub window_check: WindowCheck,
    /// What the fit on the training period noted.
    pub notes: Vec<String>,
    /// How the fit's options were chosen on the training period, when they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// The first replication's history: (id, state, ms).
    #[serde(skip)]
    history: Vec<(String, String, i64)>,
}

/// The split instant: the arrival before which `1 − holdout` of the items arrived.
fn split_of(timelines: &Timelines, options: &BacktestOptions) -> Result<i64> {
    let t = if let Some(t) = options.train_until {
        datetime_to_ms(t)
    } else {
        let h = options.holdout;
        if !(h > 0.0 && h < 1.0) {
            return Err(Error::InvalidArgument(format!(
                "the share held out must be between 0 and 1 (exclusive), not {h}"
            )));
        }
        let mut arrivals: Vec<i64> = timelines.iter().map(|i| i.arrival_ms()).collect();
        arrivals.sort_unstable();
        let k = ((1.0 - h) * arrivals.len() as f64).floor() as usize;
        arrivals[k.min(arrivals.len() - 1)]
    };
    let (start, as_of) = (timelines.start_ms(), timelines.as_of_ms());
    if t <= start || t >= as_of {
        return Err(Error::InvalidArgument(format!(
            "the split {} is not inside the log's window ({} to {})",
            ms_to_datetime(t),
            ms_to_datetime(start),
            ms_to_datetime(as_of)
        )));
    }
    Ok(t)
}

/// Fits a model on `timelines` as known at the split, simulates the test period from the
/// state of the log at the split with the log's own later commitments, and scores the
/// prediction against what the log shows (see the module and [`HoldoutBacktest`]).
///
/// # Examples
///
/// ```
/// use valuestream::{BacktestOptions, LogReader, Timelines, Workflow, backtest};
///
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/story");
/// let log = LogReader::builder().build().read_path(format!("{dir}/log.csv"))?;
/// let tl = Timelines::new(&log, &Workflow::from_path(format!("{dir}/workflow.toml"))?)?;
/// let b = backtest(&tl, &BacktestOptions::new().replications(4))?;
/// println!(
///     "held-out mean cycle time {:.1} days, predicted {:.1}; CTDD {:.2} × the mean: {}",
///     b.cycle_time_days.observed.mean,
///     b.cycle_time_days.predicted.mean,
///     b.ctdd_relative,
///     b.verdict.summary
/// );
/// assert!(b.test_days > 0.0 && b.ctdd_days >= 0.0);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the split is outside the window, if no item is committed
/// after it or none of those is done by the end; as [`fit`] on the training period; as
/// [`Simulation::run`].
pub fn backtest(timelines: &Timelines, options: &BacktestOptions) -> Result<HoldoutBacktest> {
    run(timelines, options, true)
}

/// The held-out backtest, with the model's noise measured (`noise`) or not (an inner
/// backtest of [`select_fit`] needs only the errors).
fn run(timelines: &Timelines, options: &BacktestOptions, noise: bool) -> Result<HoldoutBacktest> {
    let split = split_of(timelines, options)?;
    let as_of = timelines.as_of_ms();
    let test_days = ms_to_days(as_of - split);
    let known = timelines.known_at(ms_to_datetime(split));
    let fitted = fit_training(&known, options)?;
    let roles = roles(&fitted, timelines);
    let (placed, placed_items) = placements(&known, &roles, |i| fitted.class_of(i));
    let arrivals = commitments_after(timelines, split)?;
    let trace_classes = trace_classes(&fitted, timelines, &arrivals);
    let observed = Side::new(
        timelines.iter().map(|i| (i.commitment_ms(), i.done_ms())),
        split,
        as_of,
    );
    let Some(o_cycle) = observed.cycle_summary() else {
        return Err(Error::InvalidArgument(format!(
            "none of the items committed after the split {} is done by the end: no cycle time to compare",
            ms_to_datetime(split)
        )));
    };
    let map = StateMap::new(&fitted, timelines).ok_or_else(|| {
        Error::InvalidArgument("the workflow has no done stage to finish items in".into())
    })?;
    let trace = Arrivals::Trace {
        times_days: arrivals
            .iter()
            .map(|&(c, _)| ms_to_days(c - split))
            .collect(),
    };
    let model = test_model(&fitted, trace, split, timelines.start_ms())?;
    let sim = Simulation::new(&model)?
        .with_placed(placed.clone())
        .with_trace_classes(trace_classes);
    let sim_options = options.sim.clone().horizon_days(test_days).warmup_days(0.0);
    let n_placed = placed_items.len();
    let items = n_placed + arrivals.len();
    let runs = sim.run_recorded(&sim_options, |r| {
        HoldoutRecorder::new(&map, split, items, r == 0)
    })?;
    let known_items: Vec<_> = known.iter().collect();
    let placed_commitment: Vec<Option<i64>> = placed_items
        .iter()
        .map(|&i| known_items[i].commitment_ms())
        .collect();
    let sides = sides_of(&runs, &placed_commitment, (split, as_of));
    let scores: Vec<Scores> = sides
        .iter()
        .map(|s| Scores::new(&observed, &o_cycle, s))
        .collect();
    // The items open at the split, and which of them each replication finished.
    let placed_log: Vec<usize> = placed_items
        .iter()
        .map(|&i| known_items[i].index())
        .collect();
    let open = open_at_split(timelines, split, &placed_log, &runs);
    let stations = station_wip(timelines, &fitted, &roles, split, &runs);
    let history = history(
        &runs[0].1,
        &known_items,
        &placed_items,
        &arrivals,
        timelines,
    );
    let mut b = assemble(&observed, &o_cycle, &sides, &scores, open);
    b.train_until = ms_to_datetime(split);
    b.as_of = ms_to_datetime(as_of);
    b.test_days = test_days;
    b.replications = sim_options.replications;
    b.seed = sim_options.seed;
    b.training_done_items = done_items(&known);
    b.stations = stations;
    b.notes.clone_from(&fitted.notes);
    b.window_check = WindowCheck::of(timelines);
    b.history = history;
    b.selection.clone_from(&fitted.selection);
    if !noise {
        b.verdict = verdict(&b, &o_cycle);
        return Ok(b);
    }
    let rate = arrivals.len() as f64 / test_days;
    let free = free_runs(
        &fitted,
        &placed,
        (split, rate),
        timelines,
        &map,
        &sim_options,
    )?;
    b.noise = pair_noise(&free);
    b.verdict = verdict(&b, &o_cycle);
    Ok(b)
}

/// Histories of the model itself over the test period, from the state at the split, fed
/// by a steady stream at the log's own rate over the test period (`rate`, Poisson; a model
/// that pulls its work pulls it): [`NOISE_RUNS`](crate::NOISE_RUNS) of them, or the replications if more. The
/// fitted arrival process is not used: over a window that mixes regimes its gaps can be
/// wildly irregular (a squared CV in the hundreds), and noise measured with it would
/// excuse any error.
fn free_runs(
    fitted: &FittedModel,
    placed: &[super::sim::Placed],
    (split, rate): (i64, f64),
    timelines: &Timelines,
    map: &StateMap,
    options: &SimOptions,
) -> Result<Vec<Side>> {
    let arrivals = match fitted.model.arrivals {
        Arrivals::Backlog => Arrivals::Backlog,
        _ => Arrivals::Poisson { rate_per_day: rate },
    };
    let model = test_model(fitted, arrivals, split, timelines.start_ms())?;
    let n = placed.len();
    let sim = Simulation::new(&model)?.with_placed(placed.to_vec());
    let options = options
        .clone()
        .replications(options.replications.max(NOISE_RUNS));
    let runs = sim.run_recorded(&options, |_| HoldoutRecorder::new(map, split, n, false))?;
    let placed_c: Vec<Option<i64>> = placed
        .iter()
        .map(|p| Some(split + crate::time::days_to_ms(p.born_days)))
        .collect();
    Ok(sides_of(&runs, &placed_c, (split, timelines.as_of_ms())))
}

/// The log's commitments after the split, in order, with their items.
fn commitments_after(timelines: &Timelines, split: i64) -> Result<Vec<(i64, usize)>> {
    let mut arrivals: Vec<(i64, usize)> = timelines
        .iter()
        .filter_map(|i| Some((i.commitment_ms()?, i.index())))
        .filter(|&(c, _)| c > split)
        .collect();
    arrivals.sort_unstable();
    if arrivals.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "no item was committed after the split {}: nothing to predict",
            ms_to_datetime(split)
        )));
    }
    Ok(arrivals)
}

/// The model fitted on the training period (`known`: the log as known at the split), as
/// the options say: chosen by an inner backtest, or fitted as given.
fn fit_training(known: &Timelines, options: &BacktestOptions) -> Result<FittedModel> {
    let fitted = if options.select {
        select_fit(known, &options.fit, &options.sim)
    } else {
        fit(known, &options.fit)
    };
    fitted.map_err(|e| match e {
        Error::InvalidArgument(m) => Error::InvalidArgument(format!(
            "fitting on the training period (to {}): {m}",
            known.as_of()
        )),
        other => other,
    })
}

/// The class of each arrival replayed (`arrivals`: commitment and log index), empty for
/// a model without classes and for classes discovered from paths (an arriving item's path
/// is its future: its class is drawn by share, as the model's are).
fn trace_classes(
    fitted: &FittedModel,
    timelines: &Timelines,
    arrivals: &[(i64, usize)],
) -> Vec<u8> {
    if !matches!(fitted.class_by, Some(ClassBy::Attribute(_))) {
        return Vec::new();
    }
    let mut class_of_index: Vec<u8> = Vec::new();
    for i in timelines.iter() {
        if class_of_index.len() <= i.index() {
            class_of_index.resize(i.index() + 1, 0);
        }
        class_of_index[i.index()] = fitted.class_of(&i);
    }
    arrivals.iter().map(|&(_, i)| class_of_index[i]).collect()
}

/// Each replication's side of the comparison: its items are the placed ones (with their
/// own commitment, `placed_commitment`) and then those that arrived.
fn sides_of(
    runs: &Runs<'_>,
    placed_commitment: &[Option<i64>],
    (split, as_of): (i64, i64),
) -> Vec<Side> {
    let n_placed = placed_commitment.len();
    runs.iter()
        .map(|(_, rec)| {
            let spans = (0..rec.done.len()).map(|k| -> Span {
                let c = if k < n_placed {
                    placed_commitment[k]
                } else {
                    rec.commitment[k]
                };
                (c, rec.done[k])
            });
            Side::new(spans, split, as_of)
        })
        .collect()
}

/// Done items of `timelines` (committed and done).
pub(crate) fn done_items(timelines: &Timelines) -> usize {
    timelines
        .iter()
        .filter(|i| i.cycle_time_days().is_some())
        .count()
}

/// The fitted model for the test period with `arrivals` (days from the split), scheduled
/// releases moved to keep their phase.
pub(crate) fn test_model(
    fitted: &FittedModel,
    arrivals: Arrivals,
    split: i64,
    start: i64,
) -> Result<super::ValueStream> {
    let mut model = fitted.model.clone();
    model.arrivals = arrivals;
    // Day 0 of the test period is the split: the calendar keeps its weekdays and hours.
    if let Some(c) = &mut model.calendar {
        c.origin = ms_to_datetime(split);
    }
    // Releases were fitted with offsets from the start of the training window.
    let shift = ms_to_days(split - start);
    for st in &mut model.stations {
        if let Some(Batch::Scheduled {
            every_days,
            offset_days,
            ..
        }) = &mut st.batch
        {
            *offset_days = (*offset_days - shift).rem_euclid(*every_days);
        }
    }
    model.validate()?;
    Ok(model)
}

type Runs<'a> = [(super::results::Replication, HoldoutRecorder<'a>)];

/// The items committed at or before the split and not done by it; how many the log and
/// each replication (mean) finished by the end.
fn open_at_split(
    timelines: &Timelines,
    split: i64,
    placed_log: &[usize],
    runs: &Runs<'_>,
) -> (OpenAtSplit, Vec<f64>) {
    let (mut count, mut done_observed) = (0, 0);
    for i in timelines.iter() {
        let (Some(c), d) = (i.commitment_ms(), i.done_ms()) else {
            continue;
        };
        if c <= split && d.is_none_or(|d| d > split) {
            count += 1;
            done_observed += usize::from(d.is_some());
        }
    }
    let per_rep: Vec<f64> = runs
        .iter()
        .map(|(_, rec)| {
            (0..placed_log.len())
                .filter(|&k| rec.done[k].is_some())
                .count() as f64
        })
        .collect();
    let open = OpenAtSplit {
        count,
        done_observed,
        done_predicted: mean(&per_rep),
    };
    (open, per_rep)
}

/// Each station's time-average WIP over the test period: the log's (its stages' visits)
/// and the model's.
fn station_wip(
    timelines: &Timelines,
    fitted: &FittedModel,
    roles: &[Option<(usize, bool)>],
    split: i64,
    runs: &Runs<'_>,
) -> Vec<StationWip> {
    let as_of = timelines.as_of_ms();
    let mut area = vec![0i64; fitted.stations.len()];
    for v in timelines.all_visits() {
        if let Some((k, _)) = roles[v.stage()] {
            let (a, b) = (v.start_ms().max(split), v.end_ms().min(as_of));
            area[k] += (b - a).max(0);
        }
    }
    let test_ms = (as_of - split) as f64;
    fitted
        .stations
        .iter()
        .enumerate()
        .map(|(k, f)| StationWip {
            name: f.name.clone(),
            observed: area[k] as f64 / test_ms,
            predicted: mean(
                &runs
                    .iter()
                    .filter_map(|(r, _)| r.stations.get(k).map(|s| s.wip_mean))
                    .collect::<Vec<_>>(),
            ),
        })
        .collect()
}

/// The first replication's history of the test period, item by item: each item in
/// progress at the split with its own history up to it, then what the model did with it;
/// each later commitment with what the model did with it. States are each stage's first.
fn history(
    rec: &HoldoutRecorder<'_>,
    known_items: &[crate::timeline::ItemTimeline<'_>],
    placed_items: &[usize],
    arrivals: &[(i64, usize)],
    timelines: &Timelines,
) -> Vec<(String, String, i64)> {
    let stages = timelines.workflow().stages();
    let state = |s: usize| stages[s].states.first().unwrap_or(&stages[s].name).clone();
    let mut by_serial: Vec<Vec<(usize, i64)>> =
        vec![Vec::new(); placed_items.len() + arrivals.len()];
    for &(serial, stage, ms) in rec.events.as_deref().unwrap_or(&[]) {
        by_serial[serial as usize].push((stage, ms));
    }
    let mut out = Vec::new();
    for (k, events) in by_serial.iter().enumerate() {
        let id = if k < placed_items.len() {
            let item = &known_items[placed_items[k]];
            for v in item.visits() {
                out.push((item.id().to_owned(), state(v.stage()), v.start_ms()));
            }
            item.id()
        } else {
            timelines.item_id(arrivals[k - placed_items.len()].1)
        };
        for &(stage, ms) in events {
            out.push((id.to_owned(), state(stage), ms));
        }
    }
    out
}

/// The mean of the finite values (NaN if none).
fn mean(xs: &[f64]) -> f64 {
    let finite: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.is_empty() {
        f64::NAN
    } else {
        finite.iter().sum::<f64>() / finite.len() as f64
    }
}

/// The 5th and 95th percentiles (type 7) of the finite values.
fn p5_p95(xs: impl IntoIterator<Item = f64>) -> [f64; 2] {
    let s = Sample::new(xs.into_iter().filter(|x| x.is_finite()));
    [
        s.percentile(5.0).unwrap_or(f64::NAN),
        s.percentile(95.0).unwrap_or(f64::NAN),
    ]
}

/// The headline figures (means over replications), their spread and the first
/// replication's; the caller fills in the rest.
fn assemble(
    observed: &Side,
    o: &Cycle,
    sides: &[Side],
    scores: &[Scores],
    (open, open_done): (OpenAtSplit, Vec<f64>),
) -> HoldoutBacktest {
    let m = |f: fn(&Scores) -> f64| mean(&scores.iter().map(f).collect::<Vec<_>>());
    let sp = |f: fn(&Scores) -> f64| p5_p95(scores.iter().map(f));
    let days = observed.daily_wip.len();
    let daily_predicted = (0..days)
        .map(|k| mean(&sides.iter().map(|s| s.daily_wip[k]).collect::<Vec<_>>()))
        .collect();
    let first = &scores[0];
    HoldoutBacktest {
        train_until: DateTime::<Utc>::MIN_UTC,
        as_of: DateTime::<Utc>::MIN_UTC,
        test_days: 0.0,
        replications: 0,
        seed: 0,
        training_done_items: 0,
        cycle_time_days: Observed {
            observed: CycleSummary::from(*o),
            predicted: CycleSummary {
                count: m(|s| s.cycle.count as f64),
                mean: m(|s| s.cycle.mean),
                p50: m(|s| s.cycle.p50),
                p85: m(|s| s.cycle.p85),
            },
        },
        ctdd_days: m(|s| s.ctdd_days),
        ctdd_relative: m(|s| s.ctdd_relative),
        errors: Errors {
            mean: m(|s| s.error_mean),
            p50: m(|s| s.error_p50),
            p85: m(|s| s.error_p85),
            throughput: m(|s| s.error_throughput),
            wip: m(|s| s.error_wip),
        },
        throughput_per_day: Observed {
            observed: observed.throughput,
            predicted: m(|s| s.throughput),
        },
        wip_mean: Observed {
            observed: observed.wip,
            predicted: m(|s| s.wip),
        },
        stations: Vec::new(),
        wip_distance_relative: m(|s| s.wip_distance_relative),
        daily_wip: Observed {
            observed: observed.daily_wip.clone(),
            predicted: daily_predicted,
        },
        open_at_split: open,
        spread: Spread {
            ctdd_days: sp(|s| s.ctdd_days),
            ctdd_relative: sp(|s| s.ctdd_relative),
            errors: ErrorSpread {
                mean: sp(|s| s.error_mean),
                p50: sp(|s| s.error_p50),
                p85: sp(|s| s.error_p85),
                throughput: sp(|s| s.error_throughput),
                wip: sp(|s| s.error_wip),
            },
            wip_distance_relative: sp(|s| s.wip_distance_relative),
            open_done_predicted: p5_p95(open_done.iter().copied()),
        },
        first: ReplicationScores {
            cycle_time_days: CycleSummary::from(first.cycle),
            ctdd_days: first.ctdd_days,
            ctdd_relative: first.ctdd_relative,
            errors: Errors {
                mean: first.error_mean,
                p50: first.error_p50,
                p85: first.error_p85,
                throughput: first.error_throughput,
                wip: first.error_wip,
            },
            throughput_per_day: first.throughput,
            wip_mean: first.wip,
            wip_distance_relative: first.wip_distance_relative,
            open_done: open_done.first().map_or(0, |&x| x as usize),
        },
        noise: Noise::default(),
        verdict: Verdict {
            held_up: false,
            conclusive: false,
            checks: Vec::new(),
            summary: String::new(),
        },
        window_check: WindowCheck::default(),
        notes: Vec::new(),
        selection: None,
        history: Vec::new(),
    }
}

/// How far two histories of the model itself lie apart over the test period: each
/// measure's [`NOISE_LEVEL`](crate::NOISE_LEVEL)th percentile of its absolute value over the ordered pairs of
/// free runs (`i` taken as the log, `j` as the prediction). NaN with fewer than two runs
/// with cycle times.
fn pair_noise(free: &[Side]) -> Noise {
    let runs: Vec<(&Side, Cycle)> = free
        .iter()
        .filter_map(|s| Some((s, s.cycle_summary()?)))
        .collect();
    let (mut ctdd, mut m, mut thr, mut wip) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, (a, ca)) in runs.iter().enumerate() {
        for (j, (b, _)) in runs.iter().enumerate() {
            if i == j {
                continue;
            }
            let s = Scores::new(a, ca, b);
            ctdd.push(s.ctdd_relative.abs());
            m.push(s.error_mean.abs());
            thr.push(s.error_throughput.abs());
            wip.push(s.error_wip.abs());
        }
    }
    let largest = |xs: Vec<f64>| {
        Sample::new(xs.into_iter().filter(|x| x.is_finite()))
            .percentile(NOISE_LEVEL)
            .unwrap_or(f64::NAN)
    };
    Noise {
        runs: free.len(),
        ctdd_relative: largest(ctdd),
        mean: largest(m),
        throughput: largest(thr),
        wip: largest(wip),
    }
}

/// Held up when the backtest is conclusive and each of CTDD, the mean cycle time, the
/// throughput and the mean WIP is within the model's own noise ([`Noise`]: as far as two
/// histories of the model differ) or the practical tolerance ([`tolerance`]).
fn verdict(b: &HoldoutBacktest, o: &Cycle) -> Verdict {
    let noise = &b.noise;
    let check = |measure, value: f64, noise: f64, tolerance: f64| {
        let ok = value.is_finite() && (value.abs() <= noise || value.abs() <= tolerance);
        Check {
            measure,
            value,
            noise,
            tolerance,
            ok,
        }
    };
    let checks = vec![
        check(
            "ctdd_relative",
            b.ctdd_relative,
            noise.ctdd_relative,
            tolerance::CTDD_RELATIVE,
        ),
        check("mean", b.errors.mean, noise.mean, tolerance::MEAN),
        check(
            "throughput",
            b.errors.throughput,
            noise.throughput,
            tolerance::THROUGHPUT,
        ),
        check("wip", b.errors.wip, noise.wip, tolerance::WIP),
    ];
    let conclusive = o.count >= MIN_DONE_ITEMS && b.training_done_items >= MIN_DONE_ITEMS;
    let failed: Vec<&Check> = checks.iter().filter(|c| !c.ok).collect();
    let held_up = conclusive && failed.is_empty();
    let head = format!(
        "Held-out backtest (fitted to {}, tested on the {:.0} days after): ",
        b.train_until.format("%Y-%m-%d"),
        b.test_days
    );
    let figures = format!(
        "mean cycle time {:+.0}%, CTDD {:.2} × the mean, throughput {:+.0}%, WIP {:+.0}%",
        b.errors.mean * 100.0,
        b.ctdd_relative,
        b.errors.throughput * 100.0,
        b.errors.wip * 100.0
    );
    let summary = if !conclusive {
        format!(
            "{head}inconclusive: {} done in the test period and {} in training, fewer than {MIN_DONE_ITEMS} ({figures}).",
            crate::stats::plural(o.count as u64, "item", "items"),
            b.training_done_items
        )
    } else if held_up {
        format!(
            "{head}held up: {figures}, each within what two histories of the model differ by, or the tolerance."
        )
    } else {
        let names: Vec<&str> = failed.iter().map(|c| c.measure).collect();
        format!(
            "{head}FAILED on {}: {figures}; the model's predictions are not evidence for this log.",
            names.join(", ")
        )
    };
    Verdict {
        held_up,
        conclusive,
        checks,
        summary,
    }
}

impl HoldoutBacktest {
    /// Writes the first replication's history of the test period as a long CSV
    /// (`id,state,timestamp`, the workflow's state names, RFC 3339 instants to the
    /// millisecond), which every reader of the crate reads: each item in progress at the
    /// split with its own history up to the split, then what the model did with it; each
    /// later commitment under its id in the log.
    ///
    /// # Errors
    ///
    /// [`Error::Write`] if writing fails.
    pub fn write_predicted_log<W: Write>(&self, w: W) -> Result<()> {
        let mut out = csv::Writer::from_writer(w);
        let io = Error::write_csv;
        out.write_record(["id", "state", "timestamp"]).map_err(io)?;
        for (id, state, ms) in &self.history {
            let t = ms_to_datetime(*ms).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            out.write_record([id.as_str(), state.as_str(), t.as_str()])
                .map_err(io)?;
        }
        out.flush().map_err(Error::write)?;
        Ok(())
    }
}
