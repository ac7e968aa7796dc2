//! A working calendar and a weekly rhythm of arrivals, found in the log: when work starts
//! and stops at the stations with servers, by weekday and hour (UTC), and when items are
//! committed.

use chrono::{Datelike, Timelike};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::super::{Arrivals, Calendar};
use super::layout::{Role, Slot};
use crate::time::ms_to_datetime;
use crate::timeline::Timelines;

/// A working calendar needs at least this many events (starts and ends of work at the
/// stations with servers) to be told from the log.
pub const MIN_CALENDAR_EVENTS: usize = 500;

/// A weekday or an hour of the day is off work when it holds fewer events than this share
/// of the median count of the busy ones (those at or above the mean count).
pub const OFF_WORK_SHARE: f64 = 0.10;

/// A weekly rhythm of arrivals needs at least this many commitments.
pub const MIN_RHYTHM_COMMITMENTS: usize = 200;

/// The significance level of the chi-square tests of a weekly rhythm against uniform
/// arrivals.
pub const RHYTHM_SIGNIFICANCE: f64 = 0.01;

/// The hours off work in a day must be at least this many in a row to make working hours.
const MIN_OFF_RUN: usize = 4;

/// What the fit found of a working calendar ([`FitOptions::calendar`](super::FitOptions)).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CalendarFound {
    /// Starts and ends of work at the stations with servers counted.
    pub events: usize,
    /// Of them, by weekday (UTC), Monday first.
    pub by_weekday: [usize; 7],
    /// Of them, by hour of the day (UTC), from 00:00.
    pub by_hour: [usize; 24],
    /// The calendar found (`None`: work goes on around the clock, or too few events).
    pub calendar: Option<Calendar>,
    /// Why, in a sentence.
    pub reason: String,
}

/// What the fit found of a weekly rhythm of the commitments.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RhythmFound {
    /// Commitments counted.
    pub commitments: usize,
    /// The rate of each weekday relative to the mean (commitments per hour of that weekday
    /// in the window, over the mean), Monday first.
    pub weekday: [f64; 7],
    /// The same by hour of the day (UTC).
    pub hour: [f64; 24],
    /// The chi-square statistic and p-value of the weekdays against a uniform rate.
    pub weekday_chi2: (f64, f64),
    /// The same for the hours.
    pub hour_chi2: (f64, f64),
    /// Whether the rhythm is clear (a p-value under [`RHYTHM_SIGNIFICANCE`]) and the model's
    /// arrivals follow it.
    pub weekly: bool,
}

impl CalendarFound {
    /// In a sentence: the calendar found and from how many events, or why none.
    pub fn summary(&self) -> String {
        self.reason.clone()
    }
}

impl RhythmFound {
    /// In a sentence: the rhythm found (its busiest and quietest weekday and hour) and from
    /// how many commitments, or that there is none.
    pub fn summary(&self) -> String {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let (d_hi, d_lo) = extremes(&self.weekday);
        let (h_hi, h_lo) = extremes(&self.hour);
        let tests = format!(
            "chi-square against a uniform rate: weekdays p = {:.1e}, hours p = {:.1e}",
            self.weekday_chi2.1, self.hour_chi2.1
        );
        if self.weekly {
            format!(
                "weekly rhythm from {} commitments ({tests}): busiest {} (×{:.2}) and {:02}:00 (×{:.2}), quietest {} (×{:.2}) and {:02}:00 (×{:.2})",
                self.commitments,
                DAYS[d_hi],
                self.weekday[d_hi],
                h_hi,
                self.hour[h_hi],
                DAYS[d_lo],
                self.weekday[d_lo],
                h_lo,
                self.hour[h_lo]
            )
        } else {
            format!(
                "no weekly rhythm in the {} commitments ({tests}, not under {RHYTHM_SIGNIFICANCE})",
                self.commitments
            )
        }
    }
}

/// The indices of the largest and the smallest of `values` (the first of equals).
fn extremes(values: &[f64]) -> (usize, usize) {
    let mut hi = 0;
    let mut lo = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[hi] {
            hi = i;
        }
        if *v < values[lo] {
            lo = i;
        }
    }
    (hi, lo)
}

/// Counts of `instants` (ms) by weekday and hour of the day, UTC.
fn counts(instants: impl Iterator<Item = i64>) -> ([usize; 7], [usize; 24], usize) {
    let mut by_day = [0usize; 7];
    let mut by_hour = [0usize; 24];
    let mut n = 0;
    for ms in instants {
        let t = ms_to_datetime(ms);
        by_day[t.weekday().num_days_from_monday() as usize] += 1;
        by_hour[t.hour() as usize] += 1;
        n += 1;
    }
    (by_day, by_hour, n)
}

/// Which of `counts` are off work: fewer than [`OFF_WORK_SHARE`] of the median of the
/// counts at or above the mean.
fn off(counts: &[usize]) -> Vec<bool> {
    let mean = counts.iter().sum::<usize>() as f64 / counts.len() as f64;
    let mut busy: Vec<usize> = counts
        .iter()
        .copied()
        .filter(|&c| c as f64 >= mean)
        .collect();
    busy.sort_unstable();
    let median = if busy.is_empty() {
        0.0
    } else if busy.len() % 2 == 1 {
        busy[busy.len() / 2] as f64
    } else {
        (busy[busy.len() / 2 - 1] + busy[busy.len() / 2]) as f64 / 2.0
    };
    counts
        .iter()
        .map(|&c| (c as f64) < OFF_WORK_SHARE * median)
        .collect()
}

/// The working calendar of `timelines` (day 0 at its start): the weekdays and the hours
/// of the day when work starts and ends at the stations with servers.
pub(super) fn find_calendar(
    timelines: &Timelines,
    slots: &[Slot],
    roles: &[Role],
) -> CalendarFound {
    let as_of = timelines.as_of_ms();
    let on = |stage: usize| matches!(roles[stage], Role::Service(k) if !slots[k].delay);
    let events = timelines.iter().flat_map(|item| {
        item.visits()
            .iter()
            .filter(|v| on(v.stage()))
            .flat_map(|v| {
                let end = (!v.is_open() && v.end_ms() < as_of).then_some(v.end_ms());
                std::iter::once(v.start_ms()).chain(end)
            })
            .collect::<Vec<i64>>()
    });
    let (by_weekday, by_hour, events) = counts(events);
    let mut found = CalendarFound {
        events,
        by_weekday,
        by_hour,
        calendar: None,
        reason: String::new(),
    };
    if events < MIN_CALENDAR_EVENTS {
        found.reason = format!(
            "no working calendar: {events} starts and ends of work at the stations with servers, fewer than the {MIN_CALENDAR_EVENTS} needed"
        );
        return found;
    }
    let days_off = off(&by_weekday);
    let hours_off = off(&by_hour);
    let weekdays: Vec<u8> = (0..7u8).filter(|&d| !days_off[usize::from(d)]).collect();
    let hours = working_hours(&hours_off);
    let origin = timelines.start();
    match Calendar::new(origin, weekdays, hours) {
        Ok(c) if !c.always() => {
            found.reason = format!(
                "working calendar {c}: from {events} starts and ends of work at the stations with servers (a weekday or hour is off work with under {:.0}% of the median busy one's)",
                OFF_WORK_SHARE * 100.0
            );
            found.calendar = Some(c);
        }
        Ok(_) => {
            found.reason = format!(
                "no working calendar: the {events} starts and ends of work at the stations with servers go on every weekday and every hour"
            );
        }
        Err(_) => {
            found.reason = format!(
                "no working calendar: the {events} starts and ends of work leave no working hour"
            );
        }
    }
    found
}

/// The working hours `[from, to)`: the day without its longest run of hours off (taken
/// round midnight), when that run is at least [`MIN_OFF_RUN`] hours; else all day.
fn working_hours(off: &[bool]) -> [u8; 2] {
    let (mut best, mut best_start) = (0usize, 0usize);
    for start in 0..24 {
        if !off[start] || off[(start + 23) % 24] {
            continue;
        }
        let len = (0..24).take_while(|k| off[(start + k) % 24]).count();
        if len > best {
            (best, best_start) = (len, start);
        }
    }
    if off.iter().all(|o| *o) {
        return [0, 0];
    }
    if best < MIN_OFF_RUN {
        return [0, 24];
    }
    let from = (best_start + best) % 24;
    [from as u8, best_start as u8]
}

/// The weekly rhythm of the commitments (`commit_ms`) over the window `[start, as_of]`.
pub(super) fn find_rhythm(commit_ms: &[i64], start: i64, as_of: i64) -> Option<RhythmFound> {
    let n = commit_ms.len();
    if n < MIN_RHYTHM_COMMITMENTS || as_of <= start {
        return None;
    }
    let (by_day, by_hour, _) = counts(commit_ms.iter().copied());
    // Exposure: the hours of each weekday and of each hour of the day in the window.
    let (mut exp_day, mut exp_hour) = ([0.0f64; 7], [0.0f64; 24]);
    const HOUR_MS: i64 = 3_600_000;
    let mut t = start - start.rem_euclid(HOUR_MS);
    while t < as_of {
        let next = t + HOUR_MS;
        let share = (next.min(as_of) - t.max(start)) as f64 / HOUR_MS as f64;
        let d = ms_to_datetime(t);
        exp_day[d.weekday().num_days_from_monday() as usize] += share;
        exp_hour[d.hour() as usize] += share;
        t = next;
    }
    let (weekday, weekday_chi2) = factors(&by_day, &exp_day, n)?;
    let (hour, hour_chi2) = factors(&by_hour, &exp_hour, n)?;
    let day_clear = weekday_chi2.1 < RHYTHM_SIGNIFICANCE;
    let hour_clear = hour_chi2.1 < RHYTHM_SIGNIFICANCE;
    Some(RhythmFound {
        commitments: n,
        weekday: if day_clear { weekday } else { [1.0; 7] },
        hour: if hour_clear { hour } else { [1.0; 24] },
        weekday_chi2,
        hour_chi2,
        weekly: day_clear || hour_clear,
    })
}

/// The rate of each slot relative to the mean (`counts` over `exposure`), and the
/// chi-square test of the counts against a rate uniform over the exposure.
fn factors<const N: usize>(
    counts: &[usize; N],
    exposure: &[f64; N],
    n: usize,
) -> Option<([f64; N], (f64, f64))> {
    let total: f64 = exposure.iter().sum();
    if total <= 0.0 || exposure.iter().any(|e| *e <= 0.0) {
        return None;
    }
    let mut rate = [0.0; N];
    for i in 0..N {
        rate[i] = counts[i] as f64 / exposure[i];
    }
    let mean = rate.iter().sum::<f64>() / N as f64;
    if mean <= 0.0 {
        return None;
    }
    for r in &mut rate {
        *r /= mean;
    }
    let chi2: f64 = (0..N)
        .map(|i| {
            let e = n as f64 * exposure[i] / total;
            (counts[i] as f64 - e).powi(2) / e
        })
        .sum();
    let p = ChiSquared::new((N - 1) as f64).map_or(1.0, |d| 1.0 - d.cdf(chi2));
    Some((rate, (chi2, p)))
}

/// The model's arrivals with the rhythm found, when it is clear: a weekly Poisson process at
/// the mean rate `rate`.
pub(super) fn weekly_arrivals(rhythm: &RhythmFound, rate: f64) -> Option<Arrivals> {
    rhythm.weekly.then_some(Arrivals::Weekly {
        rate_per_day: rate,
        weekday: rhythm.weekday,
        hour: rhythm.hour,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_working_hours_are_the_day_without_its_longest_night() {
        let mut off = [true; 24];
        (8..18).for_each(|h| off[h] = false);
        assert_eq!(working_hours(&off), [8, 18]);
        // Over midnight: work from 16:00 to 01:00.
        let mut off = [true; 24];
        (16..24).chain(0..1).for_each(|h| off[h] = false);
        assert_eq!(working_hours(&off), [16, 1]);
        // A lunch hour off is not a night.
        let mut off = [false; 24];
        off[12] = true;
        assert_eq!(working_hours(&off), [0, 24]);
    }

    #[test]
    fn a_slot_is_off_under_a_tenth_of_the_median_busy_one() {
        // Busy: 100, 120, 90 (≥ mean); 8 is under 10% of their median 100; 11 is not.
        let off = off(&[100, 120, 90, 8, 11, 0, 0]);
        assert_eq!(off, vec![false, false, false, true, false, true, true]);
    }
}
