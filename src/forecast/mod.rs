//! Monte Carlo forecasts of delivery from the team's own daily throughput.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, Utc};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::metrics::{Metrics, MetricsOptions};
use crate::timeline::Timelines;

mod calibrate;
mod hits;
mod method;
mod open;

pub use calibrate::{
    Calibration, CalibrationPoint, CalibrationSummary, MIN_HISTORY_DAYS, calibrate,
};
pub use hits::LevelHits;
pub use method::ForecastMethod;
pub use open::{
    MAX_OPEN_HORIZON_DAYS, OpenCalibration, OpenForecast, OpenItem, OpenOptions, OpenOutcome,
    OpenPoint, calibrate_open, forecast_open, forecast_open_with, level_key,
};

use method::Sample;

/// The longest horizon a forecast looks at: a hundred years of days.
const MAX_DAYS: u64 = 36_500;
/// The most trials a forecast runs.
const MAX_TRIALS: u32 = 1_000_000;

/// What to forecast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    /// How many items will be done in the next `days` days?
    HowMany {
        /// The days ahead (≥ 1).
        days: u32,
    },
    /// In how many days will `items` more items be done?
    When {
        /// The items (≥ 1).
        items: u32,
    },
}

/// How to forecast: trials, seed, how much history, what a day is, which confidence levels.
///
/// Built from [`ForecastOptions::new`] (the defaults) and its setters; fields can be read
/// (and changed) directly.
///
/// # Examples
///
/// ```
/// use valuestream::{ForecastOptions, ForecastMethod};
///
/// let o = ForecastOptions::new();
/// assert_eq!((o.trials, o.history_days), (10_000, 90));
/// assert_eq!(o.confidence, [0.5, 0.7, 0.85, 0.95]);
/// assert_eq!(o.method, ForecastMethod::Regime);
/// let o = o.trials(1_000).seed(7).confidence(vec![0.85]).method(ForecastMethod::Days);
/// assert_eq!((o.trials, o.seed, o.confidence.len()), (1_000, 7, 1));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ForecastOptions {
    /// Simulated futures (1 to 1 000 000; default 10 000).
    pub trials: u32,
    /// The seed: the same seed gives the same forecast.
    pub seed: u64,
    /// The throughput sampled: the last this many whole days of the window before `as_of`
    /// (all of them if the window has fewer; default 90).
    pub history_days: u32,
    /// Where days begin and end (default UTC), as for the daily series of the report.
    pub day_offset: FixedOffset,
    /// Confidence levels, each in (0, 1) (default 50%, 70%, 85%, 95%).
    pub confidence: Vec<f64>,
    /// Only items whose attribute `key` is `value`, for every pair (default none): a
    /// forecast of the bugs alone, say. The log must have been read keeping the attribute.
    pub attributes: Vec<(String, String)>,
    /// How the coming days are drawn from the past ones (default [`ForecastMethod::Regime`], the
    /// best calibrated on the logs the README names).
    pub method: ForecastMethod,
    /// The days between two past instants at which [`forecast`] checks its method on the
    /// log ([`Forecast::calibration`]; default 7; 0: no check).
    pub calibrate_every_days: u32,
    /// Sample and check the whole window even when the log looks like an extract (default
    /// no: only the days from the start of its steady window).
    pub whole_window: bool,
}

impl Default for ForecastOptions {
    fn default() -> ForecastOptions {
        ForecastOptions {
            trials: 10_000,
            seed: 1,
            history_days: 90,
            day_offset: Utc.fix(),
            confidence: vec![0.5, 0.7, 0.85, 0.95],
            attributes: Vec::new(),
            method: ForecastMethod::default(),
            calibrate_every_days: 7,
            whole_window: false,
        }
    }
}

impl ForecastOptions {
    /// The default options: 10 000 trials, seed 1, 90 days of history, UTC days, confidence
    /// 50%, 70%, 85% and 95%, every item.
    pub fn new() -> ForecastOptions {
        ForecastOptions::default()
    }

    /// The same options with this many trials.
    #[must_use]
    pub fn trials(mut self, trials: u32) -> ForecastOptions {
        self.trials = trials;
        self
    }

    /// The same options with this seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> ForecastOptions {
        self.seed = seed;
        self
    }

    /// The same options sampling the last `days` whole days.
    #[must_use]
    pub fn history_days(mut self, days: u32) -> ForecastOptions {
        self.history_days = days;
        self
    }

    /// The same options with days beginning and ending at this offset.
    #[must_use]
    pub fn day_offset(mut self, offset: FixedOffset) -> ForecastOptions {
        self.day_offset = offset;
        self
    }

    /// The same options answering at these confidence levels, each in (0, 1).
    #[must_use]
    pub fn confidence(mut self, levels: Vec<f64>) -> ForecastOptions {
        self.confidence = levels;
        self
    }

    /// The same options drawing the coming days by `method`.
    #[must_use]
    pub fn method(mut self, method: ForecastMethod) -> ForecastOptions {
        self.method = method;
        self
    }

    /// The same options checking the forecast every `days` days back (0: not at all).
    #[must_use]
    pub fn calibrate_every_days(mut self, days: u32) -> ForecastOptions {
        self.calibrate_every_days = days;
        self
    }

    /// The same options sampling the whole window even of an extract (`true`), or not.
    #[must_use]
    pub fn whole_window(mut self, whole: bool) -> ForecastOptions {
        self.whole_window = whole;
        self
    }

    /// The same options forecasting only the items whose attribute `key` is `value`, for
    /// every pair.
    #[must_use]
    pub fn attributes(mut self, attributes: Vec<(String, String)>) -> ForecastOptions {
        self.attributes = attributes;
        self
    }
}

/// The days of throughput a forecast samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ThroughputHistory {
    /// The first day sampled (in the day offset).
    pub first_day: NaiveDate,
    /// The last day sampled.
    pub last_day: NaiveDate,
    /// Days sampled.
    pub days: u32,
    /// Items done on those days.
    pub items_done: u64,
    /// Items done per day on average.
    pub per_day_mean: f64,
    /// Days on which nothing was done.
    pub days_without_delivery: u32,
    /// How the coming days are drawn from these.
    pub method: ForecastMethod,
    /// For [`ForecastMethod::Regime`]: the first day after the latest change of throughput found in
    /// the last year, if one was.
    pub changed_on: Option<NaiveDate>,
    /// Items done on each day, in order.
    pub per_day: Vec<u32>,
}

/// One answer of a forecast, at one confidence level.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ForecastAnswer {
    /// The confidence level, in (0, 1).
    pub confidence: f64,
    /// For [`Question::HowMany`]: at least this many items are done in that share of the
    /// trials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<u64>,
    /// For [`Question::When`]: the items are done within this many days in that share of
    /// the trials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<u64>,
    /// For [`Question::When`]: the day by whose end they are done (day 1 is the first day
    /// that begins at or after `as_of`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
}

/// A Monte Carlo forecast. JSON keys: `question` (`{"how_many": {"days"}}` or
/// `{"when": {"items"}}`), `as_of`, `history {first_day, last_day, days, items_done,
/// per_day_mean, days_without_delivery, method, changed_on, per_day}`, `trials`, `seed`,
/// `answers[]` of `{confidence, items | days and date}`, `mean`, `distribution[]` of
/// `[outcome, trials]`, `calibration` (null or [`CalibrationSummary`]), `warnings[]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Forecast {
    /// What was asked.
    pub question: Question,
    /// The end of observation: the forecast looks at the days after its day.
    pub as_of: DateTime<Utc>,
    /// The throughput sampled.
    pub history: ThroughputHistory,
    /// Simulated futures.
    pub trials: u32,
    /// The seed.
    pub seed: u64,
    /// One answer per confidence level, in the order of the options.
    pub answers: Vec<ForecastAnswer>,
    /// The mean over the trials: items ([`Question::HowMany`]) or days ([`Question::When`]).
    pub mean: f64,
    /// The outcomes of the trials, ascending: each outcome (items, or days) with the
    /// number of trials that gave it.
    pub distribution: Vec<(u64, u32)>,
    /// How often the same forecast came true on the log's past, if it could be checked.
    pub calibration: Option<CalibrationSummary>,
    /// What makes the forecast less trustworthy, in sentences.
    pub warnings: Vec<String>,
}

/// The fewest past points at which a forecast must have been checked for
/// [`Forecast::calibration`] to be given.
pub const MIN_CALIBRATION_POINTS: u64 = 10;

/// Forecasts delivery by resampling the daily throughput of the log's recent past.
///
/// # Formula
///
/// The whole days are the days of the window that begin at or after its start and end at
/// or before `as_of`, each with the number of items done on it (not discarded; of the
/// attributes asked for, if any), days with nothing done included. The sample is the last
/// `history_days` of them (for [`ForecastMethod::Regime`], fewer when the throughput changed since).
/// Each trial draws days from the sample by the options' [`ForecastMethod`], one for each day from
/// the first that begins at or after `as_of` (with [`ForecastMethod::Days`], uniformly with
/// replacement: a bootstrap, Efron 1979):
///
/// - **How many** in D days: the sum of D draws. At confidence c the answer is the largest
///   x with P(sum ≥ x) ≥ c over the trials: the sorted sums' element ⌊T(1 − c)⌋ for T
///   trials.
/// - **When** N items: the first day on which the running sum reaches N. At confidence c
///   the answer is the smallest d with P(days ≤ d) ≥ c: the sorted days' element
///   ⌈Tc⌉ − 1.
///
/// This is the throughput-based Monte Carlo forecast of D. Vacanti, *When Will It Be
/// Done?* (2020), and T. Magennis's forecasting spreadsheets. It assumes that the coming
/// days resemble the sampled ones; the warnings say when the sample is short, thin, or
/// drifting, or the log an extract.
///
/// Unless `calibrate_every_days` is 0, the forecast is also checked on the log itself
/// ([`calibrate`], with the same question and options, every that many days back):
/// [`Forecast::calibration`] says how often its answers came true, when at least
/// [`MIN_CALIBRATION_POINTS`] past points could be checked.
///
/// # Examples
///
/// ```
/// use valuestream::{ForecastOptions, LogReader, Question, Timelines, Workflow, forecast};
///
/// // One item done every day from 1 to 10 March; observed until 11 March, 00:00.
/// let mut csv = String::from("id,state,timestamp\n");
/// for d in 1..=10 {
///     csv += &format!("I-{d},Dev,2024-03-{d:02}T08:00:00Z\nI-{d},Done,2024-03-{d:02}T17:00:00Z\n");
/// }
/// csv += "I-11,Dev,2024-03-11T00:00:00Z\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let tl = Timelines::new(&log, &Workflow::infer(log.states())?)?;
/// let f = forecast(&tl, Question::When { items: 5 }, &ForecastOptions::default())?;
/// // Nine days are too few to check the forecast on.
/// assert!(f.calibration.is_none());
/// // The whole days are 2 to 10 March (1 March began before the first event).
/// assert_eq!((f.history.days, f.history.items_done), (9, 9));
/// assert!(f.answers.iter().all(|a| a.days == Some(5)));
/// // Day 1 is 11 March: five days later is the end of 15 March.
/// assert_eq!(f.answers[0].date.unwrap().to_string(), "2024-03-15");
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the question or the options are out of range (no days or
/// items, more than 100 years of days, no trials or more than a million, a confidence
/// outside (0, 1)), if the
/// window holds no whole day, or, for [`Question::When`], if nothing was done in the
/// sampled days or the items would take more than 100 years at the sampled rate.
pub fn forecast(
    timelines: &Timelines,
    question: Question,
    options: &ForecastOptions,
) -> Result<Forecast> {
    check(question, options)?;
    let whole = WholeDays::of(timelines, options)?;
    let (history, sample) = whole.history(whole.per_day.len(), options);
    let mut warnings = warnings(&history, options);
    if let Some(w) = &whole.extract {
        warnings.push(w.clone());
    }
    let bad = |m: String| Err(Error::InvalidArgument(m));
    match question {
        Question::HowMany { .. } => {
            if history.items_done == 0 {
                warnings.push(
                    "nothing was done in the sampled days: every trial delivers nothing".into(),
                );
            }
        }
        Question::When { items } => {
            if history.items_done == 0 {
                return bad(format!(
                    "nothing was done in the {} sampled days ({} to {}): there is no throughput to forecast with",
                    history.days, history.first_day, history.last_day
                ));
            }
            if f64::from(items) / history.per_day_mean > MAX_DAYS as f64 / 2.0 {
                return bad(format!(
                    "{items} items at {:.3} a day would take more than {} years",
                    history.per_day_mean,
                    MAX_DAYS / 2 / 365
                ));
            }
        }
    }
    let outcomes = outcomes(&sample, question, options.trials, options.seed);
    let mean = outcomes.iter().map(|&x| x as f64).sum::<f64>() / outcomes.len() as f64;
    let day_one = day_one(timelines.as_of(), options.day_offset);
    let answers = answers(&outcomes, question, &options.confidence, day_one);
    let calibration = if options.calibrate_every_days == 0 {
        None
    } else {
        calibrate::summary(&whole, question, options)
    };
    Ok(Forecast {
        question,
        as_of: timelines.as_of(),
        history,
        trials: options.trials,
        seed: options.seed,
        answers,
        mean,
        distribution: distribution(&outcomes),
        calibration,
        warnings,
    })
}

/// Where the window check of `timelines` finds an extract: the start of its steady window
/// and the warning.
fn extract_start(timelines: &Timelines) -> Option<(DateTime<Utc>, String)> {
    let check = crate::metrics::WindowCheck::of(timelines);
    check
        .warnings
        .iter()
        .find(|w| w.kind == crate::metrics::RegimeKind::Extract)
        .and_then(|w| {
            let since = w.since?;
            Some((
                since,
                format!(
                    "{} Throughput before then is that of the extract, not of the stream: only the whole days from then on are sampled and checked.",
                    w.message
                ),
            ))
        })
}

/// Day 1 of the future: the first day that begins at or after `as_of`.
fn day_one(as_of: DateTime<Utc>, offset: FixedOffset) -> Option<NaiveDate> {
    let local = as_of.with_timezone(&offset).naive_local();
    if midnight(local.date()) == local {
        Some(local.date())
    } else {
        local.date().succ_opt()
    }
}

/// Sorted outcomes as (outcome, trials) pairs.
fn distribution(sorted: &[u64]) -> Vec<(u64, u32)> {
    let mut d: Vec<(u64, u32)> = Vec::new();
    for &x in sorted {
        match d.last_mut() {
            Some((v, n)) if *v == x => *n += 1,
            _ => d.push((x, 1)),
        }
    }
    d
}

/// The question and the options are in range.
fn check(question: Question, options: &ForecastOptions) -> Result<()> {
    let bad = |m: String| Err(Error::InvalidArgument(m));
    match question {
        Question::HowMany { days: 0 } => return bad("a forecast needs at least 1 day".into()),
        Question::HowMany { days } if u64::from(days) > MAX_DAYS => {
            return bad(format!(
                "a forecast looks at most {MAX_DAYS} days ahead, not {days}"
            ));
        }
        Question::When { items: 0 } => return bad("a forecast needs at least 1 item".into()),
        _ => {}
    }
    if options.trials == 0 || options.trials > MAX_TRIALS {
        return bad(format!(
            "a forecast runs 1 to {MAX_TRIALS} trials, not {}",
            options.trials
        ));
    }
    if options.history_days == 0 {
        return bad("a forecast needs at least 1 day of history".into());
    }
    check_levels(&options.confidence)
}

/// Each confidence level is in (0, 1).
fn check_levels(levels: &[f64]) -> Result<()> {
    match levels
        .iter()
        .find(|c| !(c.is_finite() && **c > 0.0 && **c < 1.0))
    {
        Some(c) => Err(Error::InvalidArgument(format!(
            "a confidence level must be between 0 and 1 (exclusive), got {c}"
        ))),
        None => Ok(()),
    }
}

/// One outcome per trial, sorted, drawing days from `sample` (not empty): the items done
/// in the days asked, or the days until the items asked are done (at most [`MAX_DAYS`]).
fn outcomes(sample: &Sample<'_>, question: Question, trials: u32, seed: u64) -> Vec<u64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let trials = trials as usize;
    let mut outcomes: Vec<u64> = Vec::with_capacity(trials);
    match question {
        Question::HowMany { days } => {
            for _ in 0..trials {
                let mut d = sample.drawer();
                outcomes.push((0..days).map(|_| d.next(&mut rng)).sum());
            }
        }
        Question::When { items } => {
            let items = u64::from(items);
            for _ in 0..trials {
                let mut d = sample.drawer();
                let (mut done, mut day) = (0u64, 0u64);
                while done < items && day < MAX_DAYS {
                    done += d.next(&mut rng);
                    day += 1;
                }
                outcomes.push(day);
            }
        }
    }
    outcomes.sort_unstable();
    outcomes
}

/// The answer at each confidence level, from the sorted `outcomes` (day 1 of the future is
/// `day_one`).
fn answers(
    outcomes: &[u64],
    question: Question,
    confidence: &[f64],
    day_one: Option<NaiveDate>,
) -> Vec<ForecastAnswer> {
    let trials = outcomes.len();
    confidence
        .iter()
        .map(|&c| match question {
            Question::HowMany { .. } => {
                let k = ((trials as f64) * (1.0 - c)).floor() as usize;
                ForecastAnswer {
                    confidence: c,
                    items: Some(outcomes[k.min(trials - 1)]),
                    days: None,
                    date: None,
                }
            }
            Question::When { .. } => {
                let k = ((trials as f64) * c).ceil() as usize;
                let d = outcomes[k.saturating_sub(1).min(trials - 1)];
                ForecastAnswer {
                    confidence: c,
                    items: None,
                    days: Some(d),
                    date: i64::try_from(d)
                        .ok()
                        .and_then(|d| day_one?.checked_add_signed(Duration::days(d - 1))),
                }
            }
        })
        .collect()
}

fn midnight(d: NaiveDate) -> chrono::NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap_or_default()
}

/// Every whole day of the window before `as_of`, with the items done on each.
#[derive(Clone, Debug)]
pub(crate) struct WholeDays {
    /// The first whole day.
    first: NaiveDate,
    /// Items done on each whole day, oldest first (not empty).
    per_day: Vec<u32>,
    /// Why the days begin later than the window: the log is an extract.
    pub(crate) extract: Option<String>,
}

impl WholeDays {
    /// The whole days of the window of `timelines`: those that begin at or after its start
    /// and end at or before `as_of`, in the options' day offset, with the report's daily
    /// throughput (done items, not discarded ones, of the attributes asked for). When the
    /// window check finds the log an extract ([`crate::WindowCheck`]), the days begin at
    /// the start of its steady window instead, unless the options ask for the whole window.
    fn of(timelines: &Timelines, options: &ForecastOptions) -> Result<WholeDays> {
        let local = |t: DateTime<Utc>| t.with_timezone(&options.day_offset).naive_local();
        let extract = if options.whole_window {
            None
        } else {
            extract_start(timelines)
        };
        let begin = extract.as_ref().map_or(timelines.start(), |(since, _)| {
            (*since).max(timelines.start())
        });
        let (start, end) = (local(begin), local(timelines.as_of()));
        let first_whole = if midnight(start.date()) == start {
            Some(start.date())
        } else {
            start.date().succ_opt()
        };
        let last_whole = end.date().pred_opt();
        let none = || {
            Err(Error::InvalidArgument(format!(
                "the window ({} to {}) holds no whole day to sample throughput from",
                timelines.start(),
                timelines.as_of()
            )))
        };
        let (Some(first), Some(last_whole)) = (first_whole, last_whole) else {
            return none();
        };
        // With as_of at midnight the day before it is whole; otherwise as_of's day is not.
        if last_whole < first {
            return none();
        }
        // Days are half-open: an item done at the instant the last whole day ends (as_of at
        // midnight) is done on the next day, which is not whole. The report's window is
        // closed, so it ends a millisecond before.
        let mut opts = MetricsOptions::new()
            .day_offset(options.day_offset)
            .until(timelines.as_of() - Duration::milliseconds(1));
        for (k, v) in &options.attributes {
            opts = opts.attribute(k.clone(), v.clone());
        }
        let daily = Metrics::new(timelines, &opts)?.daily()?;
        let per_day: Vec<u32> = daily
            .starts
            .iter()
            .zip(&daily.departures)
            .filter(|(d, _)| **d >= first && **d <= last_whole)
            .map(|(_, &n)| u32::try_from(n).unwrap_or(u32::MAX))
            .collect();
        if per_day.is_empty() {
            return none();
        }
        Ok(WholeDays {
            first,
            per_day,
            extract: extract.map(|(_, w)| w),
        })
    }

    /// The date of whole day `k`.
    fn date(&self, k: usize) -> NaiveDate {
        self.first + Duration::days(k as i64)
    }

    /// The history sampled by a forecast made at the start of whole day `upto` (≥ 1: the
    /// days before it are known), and its sample.
    fn history(&self, upto: usize, options: &ForecastOptions) -> (ThroughputHistory, Sample<'_>) {
        let known = &self.per_day[..upto];
        let sample = Sample::new(known, options.method, options.history_days as usize);
        let days = sample.days.len();
        let items_done: u64 = sample.days.iter().map(|&n| u64::from(n)).sum();
        let history = ThroughputHistory {
            first_day: self.date(upto - days),
            last_day: self.date(upto - 1),
            days: days as u32,
            items_done,
            per_day_mean: items_done as f64 / days as f64,
            days_without_delivery: sample.days.iter().filter(|&&n| n == 0).count() as u32,
            method: options.method,
            changed_on: sample.change.map(|k| self.date(k)),
            per_day: sample.days.to_vec(),
        };
        (history, sample)
    }
}

/// What makes the sample a weak guide to the future.
fn warnings(h: &ThroughputHistory, options: &ForecastOptions) -> Vec<String> {
    let mut w = Vec::new();
    if h.days < 30 {
        w.push(format!(
            "only {} of throughput {} sampled{}: a short history may miss slow or busy spells",
            crate::stats::plural(u64::from(h.days), "day", "days"),
            if h.days == 1 { "is" } else { "are" },
            if h.changed_on.is_some() {
                " (the days since the throughput changed)"
            } else if h.days < options.history_days {
                " (the whole window)"
            } else {
                ""
            }
        ));
    }
    if h.items_done > 0 && h.items_done < 10 {
        w.push(format!(
            "only {} done in the sampled days: the forecast rests on a few deliveries",
            crate::stats::plural(h.items_done, "item was", "items were")
        ));
    }
    if h.days >= 14 {
        let half = h.per_day.len() / 2;
        let rate = |d: &[u32]| d.iter().map(|&n| f64::from(n)).sum::<f64>() / d.len() as f64;
        let (early, late) = (rate(&h.per_day[..half]), rate(&h.per_day[half..]));
        if early.max(late) > 0.0 && (early - late).abs() > 0.5 * early.max(late) {
            w.push(format!(
                "throughput changed within the sample ({early:.2} a day in its first half, {late:.2} in its second): the forecast assumes the whole sample describes the coming days"
            ));
        }
    }
    w
}
