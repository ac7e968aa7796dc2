//! Forecasts checked on the team's own history: re-forecast at many past instants with only
//! the days before each, and count how often each answer came true.

use chrono::NaiveDate;
use serde::Serialize;

use super::{
    ForecastAnswer, ForecastMethod, ForecastOptions, LevelHits, MAX_DAYS, MIN_CALIBRATION_POINTS,
    Question, WholeDays, answers, check, outcomes,
};
use crate::error::{Error, Result};
use crate::timeline::Timelines;

/// The fewest whole days of history a past forecast is made from.
pub const MIN_HISTORY_DAYS: usize = 30;

/// A forecast checked on the log's own past ([`calibrate`]).
///
/// JSON keys: `question`, `method`, `every_days`, `history_days`, `trials`, `levels[]`
/// ([`LevelHits`]: `{confidence, points, met, share, ci95}`), `crps`, `crps_points`,
/// `verdict`, `points[]` ([`CalibrationPoint`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Calibration {
    /// What was asked at each point.
    pub question: Question,
    /// How the coming days were drawn.
    pub method: ForecastMethod,
    /// The days between two points.
    pub every_days: u32,
    /// The most days of history each forecast sampled.
    pub history_days: u32,
    /// Trials of each forecast.
    pub trials: u32,
    /// How often each level came true, in the order of the options' levels.
    pub levels: Vec<LevelHits>,
    /// The mean continuous ranked probability score of the forecast distributions against
    /// what happened, in items ([`Question::HowMany`]) or days ([`Question::When`]); lower
    /// is better. For "when", over the points whose items were all done by the end.
    pub crps: Option<f64>,
    /// The points the score is the mean of.
    pub crps_points: u64,
    /// The answer in one sentence: how often the 85% forecast (or the highest level) came
    /// true, and whether that is within what the number of points explains.
    pub verdict: String,
    /// Every past forecast, oldest first.
    pub points: Vec<CalibrationPoint>,
}

/// One past forecast and what happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CalibrationPoint {
    /// The forecast was made at the start of this day, from the whole days before it.
    pub day_one: NaiveDate,
    /// The days it sampled.
    pub history_days: u32,
    /// Its answers ("when": `days` and `date`, the day by whose end the items are done).
    pub answers: Vec<ForecastAnswer>,
    /// What happened: the items done in the days asked ("how many"), or the days until the
    /// items asked were done ("when"; `None`: not by the end of the log).
    pub actual: Option<u64>,
    /// Whether each answer came true; `None` where the log ends before that can be told
    /// (the day an answer names is not over by its end).
    pub met: Vec<Option<bool>>,
}

/// The calibration of a forecast, without its points ([`crate::Forecast::calibration`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CalibrationSummary {
    /// The days between two points.
    pub every_days: u32,
    /// How often each level came true.
    pub levels: Vec<LevelHits>,
    /// The mean CRPS ([`Calibration::crps`]).
    pub crps: Option<f64>,
    /// The verdict ([`Calibration::verdict`]).
    pub verdict: String,
}

/// Checks a forecast on the log's own past.
///
/// # Definition
///
/// The points are the starts of whole days ([`crate::forecast`]) at which the forecast can
/// be made and checked: the latest is the last day whose outcome the log shows ("how
/// many" in D days: D whole days before the end; "when": the last whole day), the others
/// every `every_days` before it, as long as at least [`MIN_HISTORY_DAYS`] whole days
/// precede them. At each point the forecast is made with `options` from the whole days
/// before it only (trial seeds differ by point) and compared with the log:
///
/// - **How many** in D days: the answer at level c is met when at least that many items
///   were done in the D days.
/// - **When** N items: met when the N-th item after the point was done by the end of the
///   day the answer names. An answer counts only when that day is over by the end of the
///   log: whether it counts depends on the forecast alone, never on the outcome, so late
///   points do not favour fast outcomes.
///
/// Each level's hits carry their exact binomial interval and the probability the answers
/// claimed on average (the share of each point's trials that meet its answer), which a
/// calibrated forecast is met as often as ([`LevelHits`]). The score is the
/// continuous ranked probability score of each point's trial distribution F against the
/// outcome y, `E|X − y| − ½·E|X − X′|` (Gneiting and Raftery 2007), averaged over points.
///
/// # Examples
///
/// ```
/// use valuestream::{ForecastOptions, LogReader, Question, Timelines, Workflow, calibrate};
///
/// // Two items done every day of 2024's first 100 days.
/// let mut csv = String::from("id,state,timestamp\n");
/// let day0 = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// for d in 0..100 {
///     let day = day0 + chrono::Days::new(d);
///     for k in 0..2 {
///         csv += &format!("I{d}-{k},Dev,{day}T00:00:00Z\nI{d}-{k},Done,{day}T12:00:00Z\n");
///     }
/// }
/// csv += "end,Dev,2024-04-10T00:00:00Z\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let tl = Timelines::new(&log, &Workflow::infer(log.states())?)?;
/// let c = calibrate(&tl, Question::HowMany { days: 7 }, &ForecastOptions::new(), 7)?;
/// // 100 whole days: the last point starts day 93, the first after 30 days of history.
/// assert_eq!(c.points.len(), 10);
/// assert!(c.levels.iter().all(|h| h.met == h.points && h.points == 10));
/// assert_eq!(c.crps, Some(0.0));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for the errors of [`crate::forecast`], for `every_days` 0,
/// and when the log leaves no point with [`MIN_HISTORY_DAYS`] days of history before it.
pub fn calibrate(
    timelines: &Timelines,
    question: Question,
    options: &ForecastOptions,
    every_days: u32,
) -> Result<Calibration> {
    check(question, options)?;
    if every_days == 0 {
        return Err(Error::InvalidArgument(
            "calibration needs at least 1 day between its points".into(),
        ));
    }
    let whole = WholeDays::of(timelines, options)?;
    let c = run(&whole, question, options, every_days);
    if c.points.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "the log's {}{} leave no past point with {MIN_HISTORY_DAYS} days of history{} to check the forecast at",
            crate::stats::plural(whole.per_day.len() as u64, "whole day", "whole days"),
            if whole.extract.is_some() {
                format!(
                    " since {} (the log looks like an extract and its earlier days are not the stream's; the whole-window option checks them too)",
                    whole.date(0)
                )
            } else {
                String::new()
            },
            match question {
                Question::HowMany { days } => format!(
                    " and {} after it",
                    crate::stats::plural(u64::from(days), "day", "days")
                ),
                Question::When { .. } => String::new(),
            }
        )));
    }
    Ok(c)
}

/// The summary of [`Forecast::calibration`](crate::Forecast::calibration), if enough past
/// points could be checked.
pub(super) fn summary(
    whole: &WholeDays,
    question: Question,
    options: &ForecastOptions,
) -> Option<CalibrationSummary> {
    let c = run(whole, question, options, options.calibrate_every_days);
    let checked = c.levels.iter().map(|h| h.points).max().unwrap_or(0);
    (checked >= MIN_CALIBRATION_POINTS).then_some(CalibrationSummary {
        every_days: c.every_days,
        levels: c.levels,
        crps: c.crps,
        verdict: c.verdict,
    })
}

/// The points of a calibration (every_days ≥ 1), oldest first.
fn starts(n: usize, question: Question, every_days: u32) -> Vec<usize> {
    let ahead = match question {
        Question::HowMany { days } => days as usize,
        Question::When { .. } => 1,
    };
    let Some(last) = n.checked_sub(ahead) else {
        return Vec::new();
    };
    let mut s: Vec<usize> = (0..)
        .map(|k| last.checked_sub(k * every_days as usize))
        .take_while(|s| s.is_some_and(|s| s >= MIN_HISTORY_DAYS))
        .flatten()
        .collect();
    s.reverse();
    s
}

fn run(
    whole: &WholeDays,
    question: Question,
    options: &ForecastOptions,
    every_days: u32,
) -> Calibration {
    let n = whole.per_day.len();
    let levels = &options.confidence;
    let mut points = Vec::new();
    let (mut hits, mut counted) = (vec![0u64; levels.len()], vec![0u64; levels.len()]);
    let mut claimed = vec![0.0; levels.len()];
    let (mut crps_sum, mut crps_points) = (0.0, 0u64);
    for s in starts(n, question, every_days) {
        let (history, sample) = whole.history(s, options);
        if let Question::When { items } = question
            && (history.items_done == 0
                || f64::from(items) / history.per_day_mean > MAX_DAYS as f64 / 2.0)
        {
            continue;
        }
        let seed = options.seed ^ (s as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let out = outcomes(&sample, question, options.trials, seed);
        let answers = answers(&out, question, levels, Some(whole.date(s)));
        let after = &whole.per_day[s..];
        let (actual, met): (Option<u64>, Vec<Option<bool>>) = match question {
            Question::HowMany { days } => {
                let done: u64 = after[..days as usize].iter().map(|&d| u64::from(d)).sum();
                let met = answers.iter().map(|a| a.items.map(|x| done >= x)).collect();
                (Some(done), met)
            }
            Question::When { items } => {
                let actual = days_until(after, u64::from(items));
                let met = answers
                    .iter()
                    .map(|a| {
                        let d = a.days?;
                        (s as u64 + d <= n as u64).then(|| actual.is_some_and(|x| x <= d))
                    })
                    .collect();
                (actual, met)
            }
        };
        for (k, m) in met.iter().enumerate() {
            if let Some(m) = m {
                counted[k] += 1;
                hits[k] += u64::from(*m);
                claimed[k] += claimed_probability(&out, &answers[k]);
            }
        }
        if let Some(y) = actual {
            crps_sum += crps(&out, y as f64);
            crps_points += 1;
        }
        points.push(CalibrationPoint {
            day_one: whole.date(s),
            history_days: history.days,
            answers,
            actual,
            met,
        });
    }
    let levels: Vec<LevelHits> = levels
        .iter()
        .zip(hits.iter().zip(&counted))
        .zip(&claimed)
        .map(|((&c, (&h, &n)), &p)| {
            let hits = LevelHits::new(c, h, n);
            if n > 0 {
                hits.claimed(p / n as f64)
            } else {
                hits
            }
        })
        .collect();
    Calibration {
        question,
        method: options.method,
        every_days,
        history_days: options.history_days,
        trials: options.trials,
        verdict: verdict(&levels),
        levels,
        crps: (crps_points > 0).then(|| crps_sum / crps_points as f64),
        crps_points,
        points,
    }
}

/// The days until `items` are done, counting from the first of `after`; `None` if not in
/// them.
fn days_until(after: &[u32], items: u64) -> Option<u64> {
    let mut done = 0u64;
    for (k, &d) in after.iter().enumerate() {
        done += u64::from(d);
        if done >= items {
            return Some(k as u64 + 1);
        }
    }
    None
}

/// The share of the sorted trial outcomes that meet `answer`: at least its items, or
/// within its days.
fn claimed_probability(sorted: &[u64], answer: &ForecastAnswer) -> f64 {
    let t = sorted.len() as f64;
    if let Some(x) = answer.items {
        (sorted.len() - sorted.partition_point(|&o| o < x)) as f64 / t
    } else if let Some(d) = answer.days {
        sorted.partition_point(|&o| o <= d) as f64 / t
    } else {
        0.0
    }
}

/// The CRPS of the empirical distribution of the sorted `x` (not empty) at `y`:
/// `E|X − y| − ½·E|X − X′|`, the second term from the order statistics,
/// `E|X − X′| = 2/T² · Σᵢ (2i − T − 1)·x₍ᵢ₎`.
pub(crate) fn crps(sorted: &[u64], y: f64) -> f64 {
    let t = sorted.len() as f64;
    let (mut to_y, mut spread) = (0.0, 0.0);
    for (i, &x) in sorted.iter().enumerate() {
        let x = x as f64;
        to_y += (x - y).abs();
        spread += (2.0 * (i as f64 + 1.0) - t - 1.0) * x;
    }
    to_y / t - spread / (t * t)
}

/// The verdict of the 85% level, or the highest one.
fn verdict(levels: &[LevelHits]) -> String {
    let Some(h) = levels
        .iter()
        .find(|h| (h.confidence - 0.85).abs() < 1e-9)
        .or_else(|| {
            levels
                .iter()
                .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
        })
    else {
        return "no confidence level was asked for".into();
    };
    if h.points < MIN_CALIBRATION_POINTS {
        return format!(
            "on this log, only {} past forecast{} could be checked: the forecast's calibration is unknown",
            h.points,
            if h.points == 1 { "" } else { "s" }
        );
    }
    let e = h.expected();
    let judged = match h.ci95 {
        Some([lo, _]) if e < lo => ": too cautious, it came true more often than it says",
        Some([_, hi]) if e > hi => ": too bold, it came true less often than it says",
        _ => ", within what the number of points explains",
    };
    format!("on this log, {}{judged}", h.sentence())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crps_by_hand() {
        // A point mass at 3: |3 − y|.
        assert!((crps(&[3, 3, 3], 5.0) - 2.0).abs() < 1e-12);
        // {0, 2} at y = 1: E|X − y| = 1, E|X − X′| = (0 + 2 + 2 + 0)/4 = 1: 1 − ½ = 0.5.
        assert!((crps(&[0, 2], 1.0) - 0.5).abs() < 1e-12);
        // {0, 1, 5} at y = 5: E|X − y| = 9/3; pairs: |0−1|, |0−5|, |1−5| each twice over 9:
        // 20/9; 3 − 10/9.
        assert!((crps(&[0, 1, 5], 5.0) - (3.0 - 10.0 / 9.0)).abs() < 1e-12);
    }

    #[test]
    fn points_leave_history_before_and_the_days_asked_after() {
        // 100 whole days, 7 days ahead: last start 93, then 86, ... down to ≥ 30.
        let s = starts(100, Question::HowMany { days: 7 }, 7);
        assert_eq!(s.first(), Some(&30));
        assert_eq!(s.last(), Some(&93));
        assert_eq!(s.len(), 10);
        // "When": the last start is the last whole day.
        assert_eq!(starts(100, Question::When { items: 3 }, 30), [39, 69, 99]);
        assert!(starts(35, Question::HowMany { days: 7 }, 7).is_empty());
    }

    #[test]
    fn days_until_counts_the_day_the_last_item_is_done() {
        assert_eq!(days_until(&[0, 2, 0, 3], 2), Some(2));
        assert_eq!(days_until(&[0, 2, 0, 3], 3), Some(4));
        assert_eq!(days_until(&[0, 2, 0, 3], 6), None);
    }
}
