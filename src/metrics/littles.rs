//! Little's law over the window, and the assumptions the window violates.

use serde::Serialize;

use super::items::{ItemPass, older_than_done};
use super::series::Series;
use crate::time::ms_to_days;
use crate::timeline::Clip;

/// How far two rates or counts may differ, relatively, before an assumption counts as
/// violated.
pub(crate) const TOLERANCE: f64 = 0.1;

/// One of Vacanti's assumptions for Little's law.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assumption {
    /// The average arrival rate (commitments per day) equals the average departure rate
    /// (done items per day).
    ArrivalsEqualDepartures,
    /// The work in progress is about the same at the start and at the end of the window.
    WipStartEqualsEnd,
    /// All work that is started eventually finishes.
    ItemsFinish,
    /// The average age of the work in progress neither rises nor falls.
    AgeStable,
}

/// An assumption the window violates, with the figures that show it.
///
/// JSON: one entry of `littles_law.violations[]`: `{assumption, detail}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Violation {
    /// The assumption.
    pub assumption: Assumption,
    /// The figures, in a sentence.
    pub detail: String,
}

/// Little's law checked on the window: mean WIP against throughput × mean cycle time.
///
/// # Formula
///
/// `L = λ·W` (Little, Operations Research 9(3), 1961): `wip` is the time-average WIP over
/// the window, `throughput_per_day` the items done in it per day and `cycle_time_days` the
/// mean cycle time of those items. `relative_error = (λ·W − L) / L`. It is exactly 0 when
/// the window starts and ends with no work in progress; otherwise it measures how far the
/// window departs from the law's assumptions, which D. S. Vacanti (*Actionable Agile
/// Metrics for Predictability*, 2015, ch. 3) states for flow: arrivals equal departures,
/// WIP the same at start and end, all started work finishes, average age of WIP stable.
/// Each is checked with a relative tolerance of 10%:
///
/// - arrivals vs departures: commitments and done items per day differ by more than 10%
///   of the larger;
/// - WIP at start vs end: items in progress at the start (committed before it, not done
///   before it) and at the end differ by more than 10% of the largest of the two and the
///   mean WIP;
/// - items that never finish: items in progress at the end are older than the longest
///   cycle time completed in the window (any, if nothing was done);
/// - rising age: the least-squares line through the daily mean age of WIP rises, over the
///   window, by more than 10% of its mean.
///
/// JSON: `littles_law.{wip, throughput_per_day, cycle_time_days, relative_error,
/// violations[]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LittlesLaw {
    /// Time-average WIP over the window (L); `None` (JSON `null`) for a window of no
    /// length.
    pub wip: Option<f64>,
    /// Items done per day (λ); `None` for a window of no length.
    pub throughput_per_day: Option<f64>,
    /// Mean cycle time of the items done in the window, days (W); `None` if none was done.
    pub cycle_time_days: Option<f64>,
    /// `(λ·W − L) / L`; `None` when one of the three is, or when L is 0 (no work in
    /// progress: the law holds trivially and a relative error means nothing).
    pub relative_error: Option<f64>,
    /// The assumptions the window violates.
    pub violations: Vec<Violation>,
}

pub(crate) struct LawInputs<'s> {
    pub(crate) wip: Option<f64>,
    pub(crate) throughput_per_day: Option<f64>,
    pub(crate) cycle_mean: Option<f64>,
    pub(crate) cycle_max: Option<f64>,
    pub(crate) pass: &'s ItemPass,
    pub(crate) series: &'s Series,
}

pub(crate) fn littles_law(clip: &Clip<'_>, inp: &LawInputs<'_>) -> LittlesLaw {
    let relative_error = match (inp.wip, inp.throughput_per_day, inp.cycle_mean) {
        (Some(l), Some(x), Some(w)) if l > 0.0 => Some((x * w - l) / l),
        _ => None,
    };
    let mut violations = Vec::new();
    let span = clip.span();
    let differ = |a: f64, b: f64| {
        let m = a.max(b);
        m > 0.0 && (a - b).abs() > TOLERANCE * m
    };
    // Arrivals (commitments in the window) vs departures.
    let pass = inp.pass;
    let (commits, done) = (pass.commits_in_window, pass.counts.done);
    if span > 0 {
        let days = ms_to_days(span);
        let (a, d) = (commits as f64 / days, done as f64 / days);
        if differ(a, d) {
            violations.push(Violation {
                assumption: Assumption::ArrivalsEqualDepartures,
                detail: format!(
                    "{a:.3} items per day were committed but {d:.3} per day were done ({commits} against {done})"
                ),
            });
        }
    }
    // WIP carried in and out.
    let (carried_in, wip_end) = (pass.carried_in, pass.in_progress.len() as u64);
    let scale = (carried_in.max(wip_end) as f64).max(inp.wip.unwrap_or(0.0));
    if scale > 0.0 && carried_in.abs_diff(wip_end) as f64 > TOLERANCE * scale {
        violations.push(Violation {
            assumption: Assumption::WipStartEqualsEnd,
            detail: format!(
                "{} in progress at the start of the window and {wip_end} at its end",
                crate::stats::plural(carried_in, "item was", "items were")
            ),
        });
    }
    // Items that may never finish.
    let old = older_than_done(&pass.in_progress, inp.cycle_max).count();
    if old > 0 {
        let detail = match inp.cycle_max {
            Some(m) => format!(
                "{} older than the longest cycle time completed in the window ({m:.1} days): {} never finish",
                crate::stats::plural(old as u64, "item in progress is", "items in progress are"),
                if old == 1 { "it may" } else { "they may" }
            ),
            None => format!(
                "{} in progress and none was done in the window",
                crate::stats::plural(old as u64, "item is", "items are")
            ),
        };
        violations.push(Violation {
            assumption: Assumption::ItemsFinish,
            detail,
        });
    }
    // Rising average age of WIP (least squares over the daily series).
    if let Some((rise, mean)) = age_trend(inp.series)
        && mean > 0.0
        && rise > TOLERANCE * mean
    {
        violations.push(Violation {
            assumption: Assumption::AgeStable,
            detail: format!(
                "the average age of work in progress rose by {rise:.1} days over the window (mean {mean:.1} days)"
            ),
        });
    }
    LittlesLaw {
        wip: inp.wip,
        throughput_per_day: inp.throughput_per_day,
        cycle_time_days: inp.cycle_mean,
        relative_error,
        violations,
    }
}

/// The rise over the window of the least-squares line through the daily mean age of WIP,
/// and the mean of those ages; `None` with fewer than two days with WIP.
pub(crate) fn age_trend(series: &Series) -> Option<(f64, f64)> {
    let pts: Vec<(f64, f64)> = series
        .wip_age_days
        .iter()
        .enumerate()
        .filter_map(|(d, a)| a.map(|a| (d as f64, a)))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let first = pts.first()?.0;
    let last = pts.last()?.0;
    Some((slope * (last - first), my))
}
