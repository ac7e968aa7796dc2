//! Item-by-item forecasts from the fitted model: the date by which each item in progress
//! will be done, and all of a selection of them, with their calibration on the log's past.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, Utc};
use serde::Serialize;

use super::LevelHits;
use crate::error::{Error, Result};
use crate::model::{
    FitOptions, FittedModel, HoldoutRecorder, MIN_DONE_ITEMS, SimOptions, Simulation, StateMap,
    done_items, fit, placements, roles, test_model,
};
use crate::time::{datetime_to_ms, days_to_ms, ms_to_datetime, ms_to_days};
use crate::timeline::{ItemStatus, ItemTimeline, Timelines};

/// The longest horizon an item-by-item forecast simulates: sixteen years of days. An item
/// the model does not finish within it in enough replications has no date at that level.
pub const MAX_OPEN_HORIZON_DAYS: f64 = 16.0 * 365.0;

/// How to forecast the items in progress: the fit, the simulation, what a day is, the
/// confidence levels and which items.
///
/// # Examples
///
/// ```
/// use valuestream::OpenOptions;
///
/// let o = OpenOptions::new();
/// assert_eq!((o.replications, o.seed, o.horizon_days), (200, 1, 90.0));
/// assert_eq!(o.confidence, [0.5, 0.85, 0.95]);
/// let o = o.replications(50).seed(7).attributes(vec![("epic".into(), "E-1".into())]);
/// assert_eq!((o.replications, o.seed, o.attributes.len()), (50, 7, 1));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct OpenOptions {
    /// How the model is fitted (default [`FitOptions::new`]).
    pub fit: FitOptions,
    /// Simulated futures (1 to 100 000; default 200).
    ///
    /// # Why 200
    ///
    /// A date at level c is the ⌈Rc⌉-th smallest of R simulated done instants. Its share
    /// of the model's own distribution is off by about √(c(1 − c)/R): with 200, ±2.5
    /// points at 85% and ±1.5 at 95%, well inside the calibration band a forecast is judged
    /// by (78–92% at 85%); with 100 it is ±3.6 points, with 1 000 five times the cost. Each
    /// calibration point runs them again.
    pub replications: u32,
    /// The seed: the same seed gives the same forecast.
    pub seed: u64,
    /// The most threads to simulate on (0: every core; the result does not depend on it).
    pub threads: usize,
    /// The memory the replications running at once may take, in bytes.
    pub memory_budget: u64,
    /// The first horizon simulated, in days (default 90). While some forecast item is not
    /// done within it in the share of replications of the highest level, it is doubled, up
    /// to [`MAX_OPEN_HORIZON_DAYS`]. The simulation cannot stop when the items in progress
    /// are done (the model's arrivals keep coming), so its cost grows with the horizon: a
    /// short first one costs little where work takes days or weeks, and a doubling costs at
    /// most as much again as the runs before it.
    pub horizon_days: f64,
    /// Where days begin and end (default UTC): a date is "done by the end of that day".
    pub day_offset: FixedOffset,
    /// Confidence levels, each in (0, 1) (default 50%, 85%, 95%).
    pub confidence: Vec<f64>,
    /// Only the items in progress whose attribute `key` is `value`, for every pair, are
    /// forecast and rolled into [`OpenForecast::all_done_by`] (an epic's, a release's); the
    /// model is still fitted on every item.
    pub attributes: Vec<(String, String)>,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions {
            fit: FitOptions::new(),
            replications: 200,
            seed: 1,
            threads: 0,
            memory_budget: SimOptions::new().memory_budget_bytes,
            horizon_days: 90.0,
            day_offset: Utc.fix(),
            confidence: vec![0.5, 0.85, 0.95],
            attributes: Vec::new(),
        }
    }
}

impl OpenOptions {
    /// The default options: the default fit, 200 replications, seed 1, a first horizon of
    /// 90 days, UTC days, 50%, 85% and 95%, every item.
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }

    /// The same options fitting the model so.
    #[must_use]
    pub fn fit(mut self, fit: FitOptions) -> OpenOptions {
        self.fit = fit;
        self
    }

    /// The same options with this many replications.
    #[must_use]
    pub fn replications(mut self, replications: u32) -> OpenOptions {
        self.replications = replications;
        self
    }

    /// The same options with this seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> OpenOptions {
        self.seed = seed;
        self
    }

    /// The same options on at most this many threads (0: every core).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> OpenOptions {
        self.threads = threads;
        self
    }

    /// The same options with this memory budget, in bytes.
    #[must_use]
    pub fn memory_budget(mut self, bytes: u64) -> OpenOptions {
        self.memory_budget = bytes;
        self
    }

    /// The same options with this first horizon, in days.
    #[must_use]
    pub fn horizon_days(mut self, days: f64) -> OpenOptions {
        self.horizon_days = days;
        self
    }

    /// The same options with days beginning and ending at this offset.
    #[must_use]
    pub fn day_offset(mut self, offset: FixedOffset) -> OpenOptions {
        self.day_offset = offset;
        self
    }

    /// The same options answering at these confidence levels, each in (0, 1).
    #[must_use]
    pub fn confidence(mut self, levels: Vec<f64>) -> OpenOptions {
        self.confidence = levels;
        self
    }

    /// The same options forecasting only the items whose attribute `key` is `value`, for
    /// every pair.
    #[must_use]
    pub fn attributes(mut self, attributes: Vec<(String, String)>) -> OpenOptions {
        self.attributes = attributes;
        self
    }

    fn sim(&self, horizon_days: f64) -> SimOptions {
        SimOptions::new()
            .seed(self.seed)
            .replications(self.replications)
            .threads(self.threads)
            .memory_budget(self.memory_budget)
            .horizon_days(horizon_days)
            .warmup_days(0.0)
    }
}

/// The key of confidence level `c` in a `done_by` map: `0.85` → `"0.85"` (Rust's shortest
/// representation of the number).
pub fn level_key(c: f64) -> String {
    format!("{c}")
}

/// One item in progress and the dates by which it will be done.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OpenItem {
    /// Its id in the log.
    pub id: String,
    /// The stage it is in.
    pub stage: String,
    /// `as_of` − its commitment, in days.
    pub age_days: f64,
    /// For each confidence level ([`level_key`]), the day by whose end it is done in that
    /// share of the replications; `None` (JSON `null`) when it is not done within the
    /// horizon in that share ("later than the horizon"), or when its stage is in no
    /// station of the model.
    pub done_by: BTreeMap<String, Option<NaiveDate>>,
}

/// An item-by-item forecast from the fitted model. JSON keys: `as_of`, `replications`,
/// `seed`, `horizon_days`, `done_items`, `open_items[]{id, stage, age_days, done_by:
/// {"0.5": "YYYY-MM-DD" | null, "0.85": …, "0.95": …}}`, `all_items`, `all_done_by {…}`,
/// `notes[]`, `calibration[]` (of [`LevelHits`], empty unless computed), `trust`,
/// `warnings[]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OpenForecast {
    /// The instant forecast from: the log's end of observation.
    pub as_of: DateTime<Utc>,
    /// Simulated futures.
    pub replications: u32,
    /// The seed.
    pub seed: u64,
    /// The horizon simulated, days from `as_of`.
    pub horizon_days: f64,
    /// The done items of the log (committed and done): what the model rests on.
    pub done_items: usize,
    /// The items in progress forecast (those of the selection), oldest first.
    pub open_items: Vec<OpenItem>,
    /// How many of them `all_done_by` covers: those at a station of the model.
    pub all_items: usize,
    /// At each level, the day by whose end every one of those is done (per replication the
    /// latest of their done instants); `None` when that is later than the horizon.
    pub all_done_by: BTreeMap<String, Option<NaiveDate>>,
    /// What the fit noted about the model.
    pub notes: Vec<String>,
    /// The item-level calibration of these forecasts on the log's past, when computed
    /// ([`calibrate_open`], [`OpenForecast::with_calibration`]).
    pub calibration: Vec<LevelHits>,
    /// One sentence: how far these dates can be trusted.
    pub trust: String,
    /// What makes the forecast less trustworthy, in sentences.
    pub warnings: Vec<String>,
}

impl OpenForecast {
    /// The same forecast carrying the calibration `c` as its trust.
    #[must_use]
    pub fn with_calibration(mut self, c: &OpenCalibration) -> OpenForecast {
        self.calibration.clone_from(&c.levels);
        self.trust = c.summary();
        self
    }
}

/// What happened to one item forecast at a past instant.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OpenOutcome {
    /// Its id.
    pub id: String,
    /// The forecast, as in [`OpenItem::done_by`].
    pub done_by: BTreeMap<String, Option<NaiveDate>>,
    /// When the log shows it done (`None`: not done by the log's end).
    pub done: Option<DateTime<Utc>>,
}

/// The forecasts made at one past instant.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OpenPoint {
    /// The instant: the model knew the log up to it.
    pub as_of: DateTime<Utc>,
    /// The items in progress then (of the selection), each with its forecast and outcome.
    pub items: Vec<OpenOutcome>,
}

/// How often the item-by-item forecasts came true on the log's past. JSON keys: `as_of`,
/// `every_days`, `replications`, `seed`, `levels[]` (of [`LevelHits`]), `points[]{as_of,
/// items[]{id, done_by, done}}`, `warnings[]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OpenCalibration {
    /// The log's end of observation: outcomes are known up to it.
    pub as_of: DateTime<Utc>,
    /// Days between two points.
    pub every_days: u32,
    /// Replications of each forecast.
    pub replications: u32,
    /// Their seed.
    pub seed: u64,
    /// Per level, the forecasts counted and met.
    pub levels: Vec<LevelHits>,
    /// Each past instant with its forecasts, to recompute the counts independently.
    pub points: Vec<OpenPoint>,
    /// Points skipped and why.
    pub warnings: Vec<String>,
}

impl OpenCalibration {
    /// One sentence: each level's share met, or that there was nothing to check.
    pub fn summary(&self) -> String {
        if self.levels.iter().all(|h| h.points == 0) {
            return "item-level calibration: no past forecast could be checked yet".into();
        }
        let parts: Vec<String> = self.levels.iter().map(LevelHits::sentence).collect();
        format!(
            "item-level calibration on {} past instants: {}",
            self.points.len(),
            parts.join("; ")
        )
    }
}

/// The options are in range.
fn check(options: &OpenOptions) -> Result<()> {
    let bad = |m: String| Err(Error::InvalidArgument(m));
    if options.replications == 0 || options.replications > 100_000 {
        return bad(format!(
            "an item-by-item forecast runs 1 to 100000 replications, not {}",
            options.replications
        ));
    }
    let h = options.horizon_days;
    if !(h.is_finite() && h > 0.0 && h <= MAX_OPEN_HORIZON_DAYS) {
        return bad(format!(
            "the horizon must be a positive number of days up to {MAX_OPEN_HORIZON_DAYS}, got {h}"
        ));
    }
    if options.confidence.is_empty() {
        return bad("an item-by-item forecast needs at least one confidence level".into());
    }
    super::check_levels(&options.confidence)
}

/// The attribute filters are attributes the log keeps.
fn check_attributes(timelines: &Timelines, attributes: &[(String, String)]) -> Result<()> {
    crate::timeline::attribute_filters(timelines, attributes).map(|_| ())
}

/// Whether the item has every attribute asked for.
fn selected(item: &ItemTimeline<'_>, attributes: &[(String, String)]) -> bool {
    attributes
        .iter()
        .all(|(k, v)| item.attribute(k) == Some(v.as_str()))
}

/// Each replication's done instant (ms; `None`: not within the horizon) of each placed
/// item, `[item][replication]`, with the placed items' positions in `timelines.iter()`.
type Draws = (Vec<usize>, Vec<Vec<Option<i64>>>);

/// Simulates `horizon_days` from the log's end with the model's own arrivals, the items in
/// progress placed at their stations.
fn simulate(
    fitted: &FittedModel,
    timelines: &Timelines,
    options: &OpenOptions,
    horizon_days: f64,
) -> Result<Draws> {
    let split = timelines.as_of_ms();
    let roles = roles(fitted, timelines);
    let (placed, items) = placements(timelines, &roles, |i| fitted.class_of(i));
    let map = StateMap::new(fitted, timelines).ok_or_else(|| {
        Error::InvalidArgument("the workflow has no done stage to finish items in".into())
    })?;
    let model = test_model(
        fitted,
        fitted.model.arrivals.clone(),
        split,
        datetime_to_ms(fitted.start),
    )?;
    let sim = Simulation::new(&model)?.with_placed(placed);
    let n = items.len();
    let runs = sim.run_recorded(&options.sim(horizon_days), |_| {
        HoldoutRecorder::new(&map, split, n, false)
    })?;
    let done = (0..n)
        .map(|k| runs.iter().map(|(_, rec)| rec.done[k]).collect())
        .collect();
    Ok((items, done))
}

/// Whether every selected placed item is done within the horizon in at least the share
/// of replications of the highest level.
fn enough_done(draws: &Draws, wanted: &[bool], top: f64) -> bool {
    draws.0.iter().zip(&draws.1).all(|(&i, done)| {
        !wanted[i] || {
            let n = done.iter().filter(|d| d.is_some()).count();
            n as f64 >= (done.len() as f64 * top).ceil()
        }
    })
}

/// [`simulate`] from the options' horizon, doubling it while a selected item is not done
/// often enough, up to [`MAX_OPEN_HORIZON_DAYS`] or the simulation's limits of size.
fn simulate_growing(
    fitted: &FittedModel,
    timelines: &Timelines,
    options: &OpenOptions,
    wanted: &[bool],
) -> Result<(Draws, f64, Option<String>)> {
    let top = options.confidence.iter().copied().fold(0.0, f64::max);
    let mut horizon = options.horizon_days;
    let mut draws = simulate(fitted, timelines, options, horizon)?;
    while !enough_done(&draws, wanted, top) && horizon < MAX_OPEN_HORIZON_DAYS {
        let next = (horizon * 2.0).min(MAX_OPEN_HORIZON_DAYS);
        match simulate(fitted, timelines, options, next) {
            Ok(d) => (draws, horizon) = (d, next),
            Err(Error::InvalidArgument(m)) => {
                let note = format!(
                    "the horizon stays at {horizon:.0} days, as a longer one is too large to simulate ({m})"
                );
                return Ok((draws, horizon, Some(note)));
            }
            Err(e) => return Err(e),
        }
    }
    Ok((draws, horizon, None))
}

/// The local day of instant `ms`.
fn day_of(ms: i64, offset: FixedOffset) -> NaiveDate {
    ms_to_datetime(ms).with_timezone(&offset).date_naive()
}

/// The instant day `d` ends (the next day's midnight at `offset`), in ms.
fn end_of_day(d: NaiveDate, offset: FixedOffset) -> i64 {
    let next = d
        .succ_opt()
        .unwrap_or(d)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    (next - Duration::seconds(i64::from(offset.local_minus_utc())))
        .and_utc()
        .timestamp_millis()
}

/// At each level c, the day of the ⌈R·c/p⌉-th smallest of the R done instants (those not
/// done within the horizon last): the smallest instant by which a share c is done, when
/// the item is done at all with probability `p` (see [`EverDone`]); no date where c > p.
fn dates(
    done: &[Option<i64>],
    levels: &[f64],
    offset: FixedOffset,
    p: f64,
) -> BTreeMap<String, Option<NaiveDate>> {
    let mut sorted: Vec<i64> = done.iter().map(|d| d.unwrap_or(i64::MAX)).collect();
    sorted.sort_unstable();
    levels
        .iter()
        .map(|&c| {
            if c > p {
                return (level_key(c), None);
            }
            let k = ((sorted.len() as f64 * c / p).ceil() as usize).saturating_sub(1);
            let at = sorted.get(k).copied().unwrap_or(i64::MAX);
            (level_key(c), (at != i64::MAX).then(|| day_of(at, offset)))
        })
        .collect()
}

/// How likely an item in progress is ever to be done, given its age: the Kaplan–Meier
/// (1958) estimate of the cycle times of the committed items, those in progress censored
/// at their age. With S its survival function and S∞ its value at the longest cycle time
/// observed, an item of age a is done at all with probability (S(a) − S∞) / S(a): none
/// older than every item done, and less than 1 where the curve levels off because many
/// items are never done (issues left open: a cure model, Farewell 1982). The model's
/// simulation finishes every item; its dates are of the items that are done, mixed with
/// this probability.
struct EverDone {
    /// Event times (ms) and the survival just after each, ascending.
    steps: Vec<(i64, f64)>,
}

impl EverDone {
    fn of(timelines: &Timelines) -> EverDone {
        let as_of = timelines.as_of_ms();
        // (time, done?) of every committed item, done items first at equal times.
        let mut times: Vec<(i64, bool)> = timelines
            .iter()
            .filter_map(|i| {
                let c = i.commitment_ms()?;
                match i.status() {
                    ItemStatus::Done => Some((i.done_ms()? - c, true)),
                    ItemStatus::InProgress => Some((as_of - c, false)),
                    _ => None,
                }
            })
            .collect();
        times.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut at_risk = times.len() as f64;
        let (mut s, mut steps) = (1.0, Vec::new());
        let mut k = 0;
        while k < times.len() {
            let t = times[k].0;
            let (mut events, mut leaving) = (0.0, 0.0);
            while k < times.len() && times[k].0 == t {
                events += f64::from(u8::from(times[k].1));
                leaving += 1.0;
                k += 1;
            }
            if events > 0.0 {
                s *= 1.0 - events / at_risk;
                steps.push((t, s));
            }
            at_risk -= leaving;
        }
        EverDone { steps }
    }

    /// The probability that an item of age `age` (ms) is ever done.
    fn probability(&self, age: i64) -> f64 {
        let Some(&(_, end)) = self.steps.last() else {
            return 0.0;
        };
        let k = self.steps.partition_point(|&(t, _)| t <= age);
        let s = if k == 0 { 1.0 } else { self.steps[k - 1].1 };
        if s <= 0.0 || k == self.steps.len() {
            return 0.0;
        }
        ((s - end) / s).clamp(0.0, 1.0)
    }
}

/// The forecast of the selected items in progress at `timelines`' end, from `fitted`:
/// the items (oldest first), the "all done" dates, how many they cover, the horizon, and
/// warnings.
struct Dates {
    items: Vec<OpenItem>,
    all: BTreeMap<String, Option<NaiveDate>>,
    all_items: usize,
    horizon_days: f64,
    warnings: Vec<String>,
}

/// The dates of the selected items in progress; `fixed_horizon`: simulate exactly so far
/// (else from the options' horizon, growing).
fn item_dates(
    fitted: &FittedModel,
    timelines: &Timelines,
    options: &OpenOptions,
    fixed_horizon: Option<f64>,
) -> Result<Dates> {
    let wanted: Vec<bool> = timelines
        .iter()
        .map(|i| {
            i.status() == ItemStatus::InProgress
                && i.commitment_ms().is_some()
                && selected(&i, &options.attributes)
        })
        .collect();
    let (draws, horizon_days, note) = match fixed_horizon {
        Some(h) => (simulate(fitted, timelines, options, h)?, h, None),
        None => simulate_growing(fitted, timelines, options, &wanted)?,
    };
    let mut warnings: Vec<String> = note.into_iter().collect();
    let mut placed_at = vec![None; wanted.len()];
    for (k, &i) in draws.0.iter().enumerate() {
        placed_at[i] = Some(k);
    }
    let offset = options.day_offset;
    let as_of = timelines.as_of_ms();
    let stages = timelines.workflow().stages();
    let none: BTreeMap<String, Option<NaiveDate>> = options
        .confidence
        .iter()
        .map(|&c| (level_key(c), None))
        .collect();
    let ever = EverDone::of(timelines);
    let (mut all_p, mut unlikely) = (1.0, 0usize);
    let top = options.confidence.iter().copied().fold(0.0, f64::max);
    let (mut items, mut unplaced, mut latest) = (Vec::new(), Vec::new(), None::<Vec<i64>>);
    for (i, item) in timelines.iter().enumerate() {
        if !wanted[i] {
            continue;
        }
        let done_by = if let Some(k) = placed_at[i] {
            let d = &draws.1[k];
            let l = latest.get_or_insert_with(|| vec![i64::MIN; d.len()]);
            for (l, d) in l.iter_mut().zip(d) {
                *l = (*l).max(d.unwrap_or(i64::MAX));
            }
            let p = ever.probability(as_of - item.commitment_ms().unwrap_or(as_of));
            all_p *= p;
            unlikely += usize::from(p < top);
            dates(d, &options.confidence, offset, p)
        } else {
            unplaced.push(item.id().to_owned());
            none.clone()
        };
        items.push(OpenItem {
            id: item.id().to_owned(),
            stage: stages[item.current_stage()].name.clone(),
            age_days: ms_to_days(as_of - item.commitment_ms().unwrap_or(as_of)),
            done_by,
        });
    }
    items.sort_by(|a, b| {
        b.age_days
            .total_cmp(&a.age_days)
            .then_with(|| a.id.cmp(&b.id))
    });
    let all_items = items.len() - unplaced.len();
    let all = latest.map_or_else(
        || none.clone(),
        |l| {
            let l: Vec<Option<i64>> = l
                .into_iter()
                .map(|x| (x != i64::MAX).then_some(x))
                .collect();
            dates(&l, &options.confidence, offset, all_p)
        },
    );
    if unlikely > 0 {
        warnings.push(format!(
            "{unlikely} of the items in progress are older than most items of their age that were ever done (Kaplan–Meier of the cycle times, open items censored): fewer than {:.0}% of such items are done at all, so they have no date at that level",
            top * 100.0
        ));
    }
    if !unplaced.is_empty() {
        warnings.push(format!(
            "{} in a stage after the model's last station ({}{}): {} no date and {} not in the \"all done\" date",
            crate::stats::plural(unplaced.len() as u64, "item in progress is", "items in progress are"),
            unplaced.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
            if unplaced.len() > 5 { ", …" } else { "" },
            if unplaced.len() == 1 { "it has" } else { "they have" },
            if unplaced.len() == 1 { "is" } else { "are" }
        ));
    }
    Ok(Dates {
        items,
        all,
        all_items,
        horizon_days,
        warnings,
    })
}

/// Forecasts, item by item, when each item in progress will be done, and when all of them
/// will, from a model fitted to the whole log ([`fit`] with `options.fit`).
///
/// # Formula
///
/// The model is simulated `replications` times from the log's end of observation, each
/// item in progress placed at its station as the held-out backtest places it ([`backtest`](crate::backtest)):
/// in service with the time it has been there (its remaining service is drawn from the
/// service time given that it exceeds that), or queued in the order it joined; the
/// model's own arrivals keep coming and compete for the servers. An item's date at level
/// c is the day of the ⌈Rc⌉-th smallest of its R done instants (the smallest instant by
/// which a share c of the replications finished it; not done within the horizon counts as
/// later than any), "done by the end of that day"; "all done" takes per replication the
/// latest done instant of the items. The simulation finishes every item; where the log
/// shows items that are never done, each date is mixed with the probability that an item
/// of that age is done at all (a Kaplan–Meier cure estimate from the cycle times, items in
/// progress censored): at level c the
/// ⌈R·c/p⌉-th instant, and no date where c exceeds p ("all done": the product of the
/// items' p). This is the Monte Carlo method of Law, *Simulation
/// Modeling and Analysis* (5th ed., 2015), §9.4, applied to the transient from the
/// current state.
///
/// # Examples
///
/// ```
/// use valuestream::{LogReader, OpenOptions, Timelines, Workflow, forecast_open};
///
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/story");
/// let log = LogReader::builder().build().read_path(format!("{dir}/log.csv"))?;
/// let tl = Timelines::new(&log, &Workflow::from_path(format!("{dir}/workflow.toml"))?)?;
/// let f = forecast_open(&tl, &OpenOptions::new().replications(20))?;
/// for item in &f.open_items {
///     println!("{} in {}: 85% by {:?}", item.id, item.stage, item.done_by["0.85"]);
/// }
/// assert!(!f.open_items.is_empty());
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the options are out of range or name an attribute the
/// log does not keep; as [`fit`] and [`Simulation::run`].
pub fn forecast_open(timelines: &Timelines, options: &OpenOptions) -> Result<OpenForecast> {
    check(options)?;
    check_attributes(timelines, &options.attributes)?;
    let fitted = fit(timelines, &options.fit)?;
    forecast_open_with(&fitted, timelines, options)
}

/// [`forecast_open`] with a model already fitted to `timelines` (by [`fit`] or
/// [`select_fit`](crate::select_fit), possibly changed); `options.fit` is not used.
///
/// # Errors
///
/// As [`forecast_open`].
pub fn forecast_open_with(
    fitted: &FittedModel,
    timelines: &Timelines,
    options: &OpenOptions,
) -> Result<OpenForecast> {
    check(options)?;
    check_attributes(timelines, &options.attributes)?;
    let d = item_dates(fitted, timelines, options, None)?;
    let done = done_items(timelines);
    let mut warnings = Vec::new();
    if done < MIN_DONE_ITEMS {
        warnings.push(format!(
            "the model rests on {done} done items, fewer than {MIN_DONE_ITEMS}: its dates are a sketch, not a forecast"
        ));
    }
    if d.items.is_empty() {
        warnings.push("no item in progress matches: nothing to forecast".into());
    }
    let late = d
        .items
        .iter()
        .filter(|i| i.done_by.values().any(Option::is_none))
        .count();
    if late > 0 {
        warnings.push(format!(
            "{late} item(s) have a date later than the {:.0}-day horizon at some level (null)",
            d.horizon_days
        ));
    }
    if d.all_items > 1 && d.all.values().any(Option::is_none) {
        warnings.push(format!(
            "the day all {} items are done is later than the {:.0}-day horizon at some level (null)",
            d.all_items, d.horizon_days
        ));
    }
    warnings.extend(d.warnings);
    Ok(OpenForecast {
        as_of: timelines.as_of(),
        replications: options.replications,
        seed: options.seed,
        horizon_days: d.horizon_days,
        done_items: done,
        open_items: d.items,
        all_items: d.all_items,
        all_done_by: d.all,
        notes: fitted.notes.clone(),
        calibration: Vec::new(),
        trust: "item-level calibration not computed: calibrate_open (valuestream forecast --open --calibrate) measures how often such dates came true on this log".into(),
        warnings,
    })
}

/// Re-forecasts the items in progress at past instants, each with only what the log knew
/// then, and counts how often the dates came true.
///
/// # Formula
///
/// The instants are t₀, t₀ + `every_days`, … before the log's end, t₀ the instant the
/// [`MIN_DONE_ITEMS`]th item was done. At each, the model is fitted on
/// [`Timelines::known_at`]`(t)` (visits still open then are censored) and the selected
/// items in progress then are forecast as [`forecast_open`] does, simulated up to the
/// log's end (at most [`MAX_OPEN_HORIZON_DAYS`] ahead). At level c an item counts when
/// the end of its c-date is at or before the log's end, a condition on the forecast alone
/// (never on the outcome, so items still open do not bias the count); it is met when the
/// log shows it done by the end of that date. An item open at several instants counts at
/// each, so the points are not independent and the interval ([`LevelHits`],
/// Clopper–Pearson) is narrower than it should be. Each instant's forecast carries the
/// day's rounding of every date ("done by the end of that day"): where items finish
/// within a few days, the low levels are met more often than their level.
///
/// # Errors
///
/// As [`forecast_open`]; [`Error::InvalidArgument`] if `every_days` is 0. A point whose
/// fit fails is skipped with a warning.
pub fn calibrate_open(
    timelines: &Timelines,
    options: &OpenOptions,
    every_days: u32,
) -> Result<OpenCalibration> {
    check(options)?;
    check_attributes(timelines, &options.attributes)?;
    if every_days == 0 {
        return Err(Error::InvalidArgument(
            "calibration points must be at least 1 day apart".into(),
        ));
    }
    let as_of = timelines.as_of_ms();
    let mut done: Vec<i64> = timelines
        .iter()
        .filter(|i| i.cycle_time_days().is_some())
        .filter_map(|i| i.done_ms())
        .collect();
    done.sort_unstable();
    let mut c = OpenCalibration {
        as_of: timelines.as_of(),
        every_days,
        replications: options.replications,
        seed: options.seed,
        levels: Vec::new(),
        points: Vec::new(),
        warnings: Vec::new(),
    };
    let Some(&first) = done.get(MIN_DONE_ITEMS - 1) else {
        c.warnings.push(format!(
            "the log has {} done items, fewer than the {MIN_DONE_ITEMS} a model needs: no past instant to forecast from",
            done.len()
        ));
        c.levels = options
            .confidence
            .iter()
            .map(|&l| LevelHits::new(l, 0, 0))
            .collect();
        return Ok(c);
    };
    let step = days_to_ms(f64::from(every_days));
    let mut t = first;
    while t < as_of {
        match point(timelines, options, t) {
            Ok(p) => c.points.push(p),
            Err(e) => c
                .warnings
                .push(format!("{}: skipped ({e})", ms_to_datetime(t))),
        }
        t += step;
    }
    c.levels = count_hits(&c.points, &options.confidence, options.day_offset, as_of);
    Ok(c)
}

/// The forecasts made at `t` and what the log shows.
fn point(timelines: &Timelines, options: &OpenOptions, t: i64) -> Result<OpenPoint> {
    let known = timelines.known_at(ms_to_datetime(t));
    let fitted = fit(&known, &options.fit)?;
    let horizon = ms_to_days(timelines.as_of_ms() - t).min(MAX_OPEN_HORIZON_DAYS);
    let d = item_dates(&fitted, &known, options, Some(horizon))?;
    let items = d
        .items
        .into_iter()
        .map(|i| OpenOutcome {
            done: timelines.get(&i.id).and_then(|x| x.done()),
            id: i.id,
            done_by: i.done_by,
        })
        .collect();
    Ok(OpenPoint {
        as_of: ms_to_datetime(t),
        items,
    })
}

/// Per level, the forecasts whose date ends by `as_of`, and of those the ones done by it.
fn count_hits(
    points: &[OpenPoint],
    levels: &[f64],
    offset: FixedOffset,
    as_of: i64,
) -> Vec<LevelHits> {
    levels
        .iter()
        .map(|&c| {
            let key = level_key(c);
            let (mut met, mut n) = (0u64, 0u64);
            for item in points.iter().flat_map(|p| &p.items) {
                let Some(Some(date)) = item.done_by.get(&key) else {
                    continue;
                };
                let end = end_of_day(*date, offset);
                if end > as_of {
                    continue;
                }
                n += 1;
                met += u64::from(item.done.is_some_and(|d| datetime_to_ms(d) < end));
            }
            LevelHits::new(c, met, n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ever_done_is_the_kaplan_meier_cure_share_by_hand() {
        // Done after 1, 2 and 3 days; two in progress aged 2.5 days, one 10 days, one 0.
        // Kaplan–Meier: S(1) = 5/6, S(2) = 4/6, two censored at 2.5, S(3) = 2/6 · ... =
        // 4/6 · 1/2 = 1/3 (2 at risk), then one censored at 10. S∞ = 1/3.
        let csv = "id,state,timestamp\n\
                   A,Dev,2024-01-01T00:00:00Z\nA,Done,2024-01-02T00:00:00Z\n\
                   B,Dev,2024-01-01T00:00:00Z\nB,Done,2024-01-03T00:00:00Z\n\
                   C,Dev,2024-01-01T00:00:00Z\nC,Done,2024-01-04T00:00:00Z\n\
                   D,Dev,2024-01-08T12:00:00Z\nE,Dev,2024-01-08T12:00:00Z\n\
                   F,Dev,2024-01-01T00:00:00Z\nH,Dev,2024-01-11T00:00:00Z\n";
        let log = crate::LogReader::builder()
            .build()
            .read(csv.as_bytes())
            .unwrap();
        let wf = crate::Workflow::infer(log.states()).unwrap();
        let tl = Timelines::new(&log, &wf).unwrap();
        let e = EverDone::of(&tl);
        let day = 86_400_000;
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        // Age 0: (1 − 1/3) / 1; age 2.5 days: (2/3 − 1/3) / (2/3); older than 3 days: 0.
        assert!(close(e.probability(0), 2.0 / 3.0), "{}", e.probability(0));
        assert!(
            close(e.probability(5 * day / 2), 0.5),
            "{}",
            e.probability(5 * day / 2)
        );
        assert!(close(e.probability(10 * day), 0.0));
        // Dates mix with it: at p = 1/2 the 40% date is the 80% instant, and no 85% date.
        let done: Vec<Option<i64>> = (1..=10).map(|k| Some(k * day)).collect();
        let d = dates(&done, &[0.4, 0.85], FixedOffset::east_opt(0).unwrap(), 0.5);
        assert_eq!(d["0.4"].unwrap().to_string(), "1970-01-09");
        assert_eq!(d["0.85"], None);
    }

    fn outcome(date: Option<&str>, done: Option<&str>) -> OpenOutcome {
        let d = date.map(|d| d.parse::<NaiveDate>().unwrap());
        OpenOutcome {
            id: String::new(),
            done_by: [(level_key(0.85), d)].into_iter().collect(),
            done: done.map(|t| t.parse::<DateTime<Utc>>().unwrap()),
        }
    }

    #[test]
    fn a_forecast_counts_when_its_date_ends_by_the_log_end_and_is_met_when_done_by_then() {
        let as_of = datetime_to_ms("2024-03-10T12:00:00Z".parse().unwrap());
        let points = [OpenPoint {
            as_of: DateTime::<Utc>::MIN_UTC,
            items: vec![
                // Ends 5 March 24:00, done on the 5th: counted, met.
                outcome(Some("2024-03-05"), Some("2024-03-05T23:59:59Z")),
                // Done at the first instant of the next day: counted, missed.
                outcome(Some("2024-03-05"), Some("2024-03-06T00:00:00Z")),
                // Never done by the log's end: counted, missed.
                outcome(Some("2024-03-09"), None),
                // Its date ends (11 March 00:00) after the log's end: not counted, done or not.
                outcome(Some("2024-03-10"), Some("2024-03-01T00:00:00Z")),
                outcome(Some("2024-03-10"), None),
                // Later than the horizon: not counted.
                outcome(None, Some("2024-03-02T00:00:00Z")),
            ],
        }];
        let h = count_hits(&points, &[0.85], Utc.fix(), as_of);
        assert_eq!((h[0].points, h[0].met), (3, 1));
        // Days in UTC+02:00: 5 March ends at 22:00 UTC, so 23:59:59 UTC is too late.
        let east = FixedOffset::east_opt(7200).unwrap();
        let h = count_hits(&points, &[0.85], east, as_of);
        assert_eq!((h[0].points, h[0].met), (3, 0));
    }

    #[test]
    fn a_date_is_the_day_of_the_ceil_rc_th_smallest_done_instant() {
        let day = |d: i64| datetime_to_ms("2024-01-01T12:00:00Z".parse().unwrap()) + d * 86_400_000;
        // Ten replications: done on days 0..=8, the tenth never.
        let mut done: Vec<Option<i64>> = (0..9).map(|d| Some(day(d))).collect();
        done.push(None);
        let got = dates(&done, &[0.5, 0.85, 0.9, 0.95], Utc.fix(), 1.0);
        let want = |d: u32| Some(NaiveDate::from_ymd_opt(2024, 1, 1 + d).unwrap());
        // ⌈5⌉ = 5th smallest: day 4; ⌈8.5⌉ = 9th: day 8; ⌈9⌉ = 9th: day 8; ⌈9.5⌉ = 10th: never.
        assert_eq!(got["0.5"], want(4));
        assert_eq!(got["0.85"], want(8));
        assert_eq!(got["0.9"], want(8));
        assert_eq!(got["0.95"], None);
    }
}
