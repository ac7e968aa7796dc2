//! Working calendars (when the servers of a station work) and weekly arrival profiles:
//! the model's file form, and the compiled week that the simulator and the fit use.
//!
//! Time in a model is in days from day 0. A [`Calendar`] says which instant day 0 is
//! (`origin`), and so which weekday and hour of the day (UTC) each simulated instant falls
//! on. Internally a calendar is a week of 168 hours, each working or not
//! ([`Calendar::mask`]); [`WorkWeek`] compiles it into a table of the working time
//! accumulated at the start of each hour of the week, so that the working time between two
//! instants, and the instant at which a given working time is done, each cost one lookup
//! (whole weeks first, then within the week).

use std::fmt;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// Hours in a week.
pub const WEEK_HOURS: usize = 168;

/// The weekdays' names in the model file, Monday first.
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A working calendar: the days of the week and the hours of the day (UTC) when work is
/// done.
///
/// In the model file:
///
/// ```toml
/// [calendar]
/// origin = "2013-04-01T00:00:00Z"                 # the instant day 0 of the model is
/// weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]  # the working days
/// hours = [8, 18]                                 # working hours [from, to), UTC
/// ```
///
/// - `origin`: the instant (RFC 3339) that day 0 of the model is; it sets the weekday and
///   hour of every simulated instant. A fitted model's origin is the start of its window.
/// - `weekdays`: the working days (`Mon` … `Sun`); default every day.
/// - `hours`: the working hours `[from, to)` of each working day, whole hours of UTC
///   (0 ≤ from, to ≤ 24); default `[0, 24]`. When `from > to` the shift runs over midnight
///   (`[22, 6]`: from 22:00 of each working day to 06:00 the next morning).
///
/// Stations with a finite number of servers follow the calendar (their servers work only
/// in working time), delays (unlimited servers: waiting on a user, a vendor) run on the
/// clock; a station's `calendar = true | false` says otherwise. The service time of a
/// station on the calendar is **working time**: a service of 2 working hours that starts on
/// Friday at 17:00 with hours 8–18 from Monday to Friday ends on Monday at 09:00. A calendar
/// that works every hour of the week is the clock: it only sets the phase of weekly
/// arrivals ([`Arrivals::Weekly`](super::Arrivals::Weekly)).
///
/// # Examples
///
/// ```
/// use valuestream::Calendar;
///
/// let c = Calendar::office("2013-04-01T00:00:00Z".parse().unwrap(), [8, 18])?;
/// // 5 days of 10 hours: 50 of the week's 168 hours.
/// assert!((c.availability() - 50.0 / 168.0).abs() < 1e-12);
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CalendarFile", into = "CalendarFile")]
pub struct Calendar {
    /// The instant day 0 of the model is.
    pub origin: DateTime<Utc>,
    /// The working days, Monday = 0 … Sunday = 6, in order, without repeats.
    pub weekdays: Vec<u8>,
    /// The working hours `[from, to)` of each working day, UTC (`from > to`: over midnight;
    /// `[0, 24]`: all day).
    pub hours: [u8; 2],
}

impl Calendar {
    /// A calendar working Monday to Friday, `hours` each day, with day 0 at `origin`.
    ///
    /// # Errors
    ///
    /// [`Error::Model`](crate::Error::Model) if the hours are not in 0..=24 or make no
    /// working hour.
    pub fn office(origin: DateTime<Utc>, hours: [u8; 2]) -> crate::Result<Calendar> {
        Calendar::new(origin, vec![0, 1, 2, 3, 4], hours)
    }

    /// A calendar working on `weekdays` (Monday = 0), `hours` each, with day 0 at `origin`.
    ///
    /// # Errors
    ///
    /// [`Error::Model`](crate::Error::Model) as [`Calendar::check`].
    pub fn new(origin: DateTime<Utc>, weekdays: Vec<u8>, hours: [u8; 2]) -> crate::Result<Self> {
        let c = Calendar {
            origin,
            weekdays,
            hours,
        };
        c.check().map_err(|message| crate::Error::Model {
            pos: Box::default(),
            stage: None,
            key: Some("calendar".into()),
            message,
        })?;
        Ok(c)
    }

    /// Checks the calendar: weekdays in 0..7 without repeats, hours in 0..=24, and at
    /// least one working hour in the week.
    ///
    /// # Errors
    ///
    /// The reason, in a sentence.
    pub fn check(&self) -> Result<(), String> {
        if let Some(d) = self.weekdays.iter().find(|d| **d > 6) {
            return Err(format!(
                "calendar weekday {d} is not a day of the week (0 to 6)"
            ));
        }
        let mut seen = [false; 7];
        for &d in &self.weekdays {
            if std::mem::replace(&mut seen[usize::from(d)], true) {
                return Err(format!(
                    "calendar weekday {} is listed twice",
                    WEEKDAYS[usize::from(d)]
                ));
            }
        }
        let [from, to] = self.hours;
        if from > 24 || to > 24 {
            return Err(format!(
                "calendar hours must be whole hours from 0 to 24, got [{from}, {to}]"
            ));
        }
        if self.working_hours() == 0 {
            return Err(format!(
                "the calendar has no working hour (weekdays {:?}, hours [{from}, {to}]): a station on it would never finish; list working weekdays and hours [from, to) with from ≠ to",
                self.weekday_names()
            ));
        }
        Ok(())
    }

    /// The weekdays' names, in order.
    pub fn weekday_names(&self) -> Vec<&'static str> {
        self.weekdays
            .iter()
            .filter_map(|&d| WEEKDAYS.get(usize::from(d)).copied())
            .collect()
    }

    /// The week as 168 hours from Monday 00:00 UTC: whether each is working time.
    pub fn mask(&self) -> [bool; WEEK_HOURS] {
        let mut m = [false; WEEK_HOURS];
        let [from, to] = self.hours;
        let (from, to) = (usize::from(from.min(24)), usize::from(to.min(24)));
        let len = match from.cmp(&to) {
            std::cmp::Ordering::Less => to - from,
            std::cmp::Ordering::Greater => 24 - from + to,
            std::cmp::Ordering::Equal => 0,
        };
        for &d in &self.weekdays {
            let d = usize::from(d);
            if d > 6 {
                continue;
            }
            for h in 0..len {
                m[(d * 24 + from + h) % WEEK_HOURS] = true;
            }
        }
        m
    }

    /// The working hours in a week.
    pub fn working_hours(&self) -> usize {
        self.mask().iter().filter(|w| **w).count()
    }

    /// The share of the week that is working time, in (0, 1].
    pub fn availability(&self) -> f64 {
        self.working_hours() as f64 / WEEK_HOURS as f64
    }

    /// Whether every hour of the week is working time (the calendar is the clock).
    pub fn always(&self) -> bool {
        self.working_hours() == WEEK_HOURS
    }

    /// Where `origin` falls in the week: days since Monday 00:00 UTC, in [0, 7).
    pub fn origin_phase_days(&self) -> f64 {
        week_phase_days(self.origin)
    }
}

/// Days since the Monday 00:00 UTC before `t`, in [0, 7).
pub(crate) fn week_phase_days(t: DateTime<Utc>) -> f64 {
    let day = f64::from(t.weekday().num_days_from_monday());
    let secs = f64::from(t.num_seconds_from_midnight()) + f64::from(t.nanosecond()) * 1e-9;
    day + secs / 86_400.0
}

impl fmt::Display for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:02}:00–{:02}:00 UTC ({} working hours a week, {:.0}% of the time)",
            self.weekday_names().join(" "),
            self.hours[0],
            self.hours[1],
            self.working_hours(),
            self.availability() * 100.0
        )
    }
}

/// The file form of a calendar.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CalendarFile {
    origin: DateTime<Utc>,
    #[serde(default = "all_days")]
    weekdays: Vec<String>,
    #[serde(default = "all_hours")]
    hours: [u8; 2],
}

fn all_days() -> Vec<String> {
    WEEKDAYS.iter().map(|d| (*d).to_owned()).collect()
}

fn all_hours() -> [u8; 2] {
    [0, 24]
}

impl TryFrom<CalendarFile> for Calendar {
    type Error = String;

    fn try_from(f: CalendarFile) -> Result<Calendar, String> {
        let weekdays = f
            .weekdays
            .iter()
            .map(|name| {
                WEEKDAYS
                    .iter()
                    .position(|d| d.eq_ignore_ascii_case(name.get(..3).unwrap_or(name)))
                    .filter(|_| name.len() == 3 || is_full_name(name))
                    .map(|d| d as u8)
                    .ok_or_else(|| {
                        format!(
                            "calendar weekday {name:?} is not one of {}",
                            WEEKDAYS.join(", ")
                        )
                    })
            })
            .collect::<Result<Vec<u8>, String>>()?;
        let c = Calendar {
            origin: f.origin,
            weekdays,
            hours: f.hours,
        };
        c.check()?;
        Ok(c)
    }
}

/// Whether `name` is a weekday's full English name (any case).
fn is_full_name(name: &str) -> bool {
    const FULL: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    FULL.iter().any(|f| f.eq_ignore_ascii_case(name))
}

impl From<Calendar> for CalendarFile {
    fn from(c: Calendar) -> CalendarFile {
        CalendarFile {
            origin: c.origin,
            weekdays: c.weekday_names().iter().map(|d| (*d).to_owned()).collect(),
            hours: c.hours,
        }
    }
}

/// A calendar compiled: the working time (days) accumulated at the start of each hour of
/// the week, and the working hours in order.
///
/// `work(t)` is the working time from the Monday 00:00 before day 0 to the instant `t`
/// (days of the model); the working time between `a` and `b` is `work(b) − work(a)`, and a
/// service of `w` working days that starts at `t` ends at the first instant `e` with
/// `work(e) = work(t) + w` ([`WorkWeek::advance`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WorkWeek {
    /// Days from the Monday 00:00 UTC before the origin to the origin, in [0, 7).
    phase: f64,
    /// Working days per week.
    per_week: f64,
    /// Its inverse.
    inv_per_week: f64,
    /// Working time at the start of each hour of the week, days.
    before: [f64; WEEK_HOURS],
    /// Whether each hour of the week is working time.
    working: [bool; WEEK_HOURS],
    /// The working hours of the week, in order.
    order: Vec<u8>,
    /// For a working hour, the end of the run of working hours it is in (days since
    /// Monday 00:00, at most 7: a run is not followed into the next week).
    run_end: [f64; WEEK_HOURS],
}

/// Days in an hour.
const HOUR: f64 = 1.0 / 24.0;

impl WorkWeek {
    /// `calendar` compiled (`None` when it has no working hour).
    pub(crate) fn new(calendar: &Calendar) -> Option<WorkWeek> {
        WorkWeek::from_mask(&calendar.mask(), calendar.origin_phase_days())
    }

    /// A week from its mask of 168 hours and the phase of day 0 (days since Monday 00:00).
    pub(crate) fn from_mask(mask: &[bool; WEEK_HOURS], phase: f64) -> Option<WorkWeek> {
        let mut before = [0.0; WEEK_HOURS];
        let mut order = Vec::new();
        let mut acc = 0usize;
        for (h, &w) in mask.iter().enumerate() {
            before[h] = acc as f64 * HOUR;
            if w {
                order.push(h as u8);
                acc += 1;
            }
        }
        let mut run_end = [0.0; WEEK_HOURS];
        let mut end = WEEK_HOURS;
        for h in (0..WEEK_HOURS).rev() {
            if mask[h] {
                run_end[h] = end as f64 * HOUR;
            } else {
                end = h;
            }
        }
        (acc > 0).then(|| WorkWeek {
            phase: phase.rem_euclid(7.0),
            per_week: acc as f64 * HOUR,
            inv_per_week: 1.0 / (acc as f64 * HOUR),
            before,
            working: *mask,
            order,
            run_end,
        })
    }

    /// The share of the week that is working time.
    #[cfg(test)]
    pub(crate) fn availability(&self) -> f64 {
        self.per_week / 7.0
    }

    /// The working time from the Monday 00:00 before day 0 to `t` (days of the model).
    #[inline]
    pub(crate) fn work(&self, t: f64) -> f64 {
        let x = t + self.phase;
        let weeks = floor(x * (1.0 / 7.0));
        let r = x - weeks * 7.0;
        let h = ((r * 24.0) as usize).min(WEEK_HOURS - 1);
        let within = if self.working[h] {
            (r - h as f64 * HOUR).clamp(0.0, HOUR)
        } else {
            0.0
        };
        weeks * self.per_week + self.before[h] + within
    }

    /// The working clock at `t` and the end of a service of `d ≥ 0` working days started
    /// then: `(work(t), advance(t, d))` in one reading. A service that ends inside the run
    /// of working hours it starts in (the common case) ends `d` later, with no search.
    #[inline]
    pub(crate) fn start(&self, t: f64, d: f64) -> (f64, f64) {
        let x = t + self.phase;
        let weeks = floor(x * (1.0 / 7.0));
        let r = x - weeks * 7.0;
        let h = ((r * 24.0) as usize).min(WEEK_HOURS - 1);
        let (within, fits) = if self.working[h] {
            let within = (r - h as f64 * HOUR).clamp(0.0, HOUR);
            (within, r + d <= self.run_end[h])
        } else {
            (0.0, false)
        };
        let w = weeks * self.per_week + self.before[h] + within;
        if d <= 0.0 {
            (w, t)
        } else if fits {
            (w, t + d)
        } else {
            (w, self.at_work(w + d).max(t))
        }
    }

    /// The working time between `a` and `b ≥ a`.
    #[inline]
    pub(crate) fn between(&self, a: f64, b: f64) -> f64 {
        (self.work(b) - self.work(a)).max(0.0)
    }

    /// The first instant at which `w ≥ 0` days of working time, counted from `t`, are
    /// done: `t` itself for `w = 0`; otherwise whole weeks, then the working hour that
    /// holds the rest.
    #[inline]
    pub(crate) fn advance(&self, t: f64, w: f64) -> f64 {
        if w <= 0.0 {
            return t;
        }
        self.at_work(self.work(t) + w).max(t)
    }

    /// The first instant at which the working clock ([`WorkWeek::work`]) reads `target`
    /// (> 0 working time after the clock's zero).
    #[inline]
    pub(crate) fn at_work(&self, target: f64) -> f64 {
        // The week that holds the target, and the working time left in it, in (0, per_week].
        let mut weeks = floor(target * self.inv_per_week);
        let mut rem = target - weeks * self.per_week;
        if rem <= 0.0 {
            weeks -= 1.0;
            rem += self.per_week;
        } else if rem > self.per_week {
            weeks += 1.0;
            rem -= self.per_week;
        }
        let n = self.order.len();
        let k = (ceil(rem * 24.0) as usize).clamp(1, n) - 1;
        let h = f64::from(self.order[k]);
        weeks * 7.0 + h * HOUR + (rem - k as f64 * HOUR).clamp(0.0, HOUR) - self.phase
    }
}

/// `x.floor()` for the finite times of a simulation (|x| < 2⁶³), without the call to the
/// C library that `f64::floor` becomes on a target without SSE4.1 (the default x86-64 one):
/// the working clock is read at every service, and that call was a tenth of its cost.
#[inline]
fn floor(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x { t - 1.0 } else { t }
}

/// `x.ceil()` likewise ([`floor`]).
#[inline]
fn ceil(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t < x { t + 1.0 } else { t }
}

/// A weekly rhythm of arrivals compiled: the rate of each hour of the week (items per
/// day, Monday 00:00 UTC first) and the expected arrivals accumulated at the start of each
/// hour, to draw the next arrival by inversion.
///
/// # Formula
///
/// With Λ(t) the expected number of arrivals from the Monday before day 0 to `t`
/// (piecewise linear: the integral of a piecewise-constant rate), the next arrival after
/// `t` is `Λ⁻¹(Λ(t) + E)` with `E` a standard exponential draw (Çinlar's method; Law,
/// *Simulation Modeling and Analysis*, §8.6.2): exact, unlike thinning with a bound.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WeeklyRate {
    phase: f64,
    /// Rate of each hour, items per day.
    rate: [f64; WEEK_HOURS],
    /// Expected arrivals at the start of each hour, and at the end of the week.
    cum: [f64; WEEK_HOURS + 1],
    /// For each of [`GUESSES`] equal parts of the week's expected arrivals, the hour its
    /// start falls in: where the search for an arrival's hour starts.
    guess: Box<[u8]>,
}

/// How many equal parts of a week's expected arrivals [`WeeklyRate`] indexes.
const GUESSES: usize = 512;

impl WeeklyRate {
    /// The rhythm of `rate_per_day × weekday[d] × hour[h]`, each list normalised to mean
    /// 1, with day 0 at `phase` days after Monday 00:00 UTC (`None` if no hour has a rate).
    pub(crate) fn new(
        rate_per_day: f64,
        weekday: &[f64; 7],
        hour: &[f64; 24],
        phase: f64,
    ) -> Option<WeeklyRate> {
        let wm = weekday.iter().sum::<f64>() / 7.0;
        let hm = hour.iter().sum::<f64>() / 24.0;
        if !(wm > 0.0 && hm > 0.0 && rate_per_day > 0.0) {
            return None;
        }
        let mut rate = [0.0; WEEK_HOURS];
        let mut cum = [0.0; WEEK_HOURS + 1];
        for h in 0..WEEK_HOURS {
            rate[h] = rate_per_day * (weekday[h / 24] / wm) * (hour[h % 24] / hm);
            cum[h + 1] = cum[h] + rate[h] * HOUR;
        }
        let total = cum[WEEK_HOURS];
        let guess = (0..GUESSES)
            .map(|k| {
                let lo = total * k as f64 / GUESSES as f64;
                let h = cum.partition_point(|&c| c <= lo).max(1) - 1;
                h.min(WEEK_HOURS - 1) as u8
            })
            .collect();
        (total > 0.0).then(|| WeeklyRate {
            phase: phase.rem_euclid(7.0),
            rate,
            cum,
            guess,
        })
    }

    /// Λ(t): the expected arrivals from the Monday 00:00 before day 0 to `t`.
    pub(crate) fn expected(&self, t: f64) -> f64 {
        let x = t + self.phase;
        let weeks = floor(x * (1.0 / 7.0));
        let r = x - weeks * 7.0;
        let h = ((r * 24.0) as usize).min(WEEK_HOURS - 1);
        weeks * self.cum[WEEK_HOURS] + self.cum[h] + self.rate[h] * (r - h as f64 * HOUR).max(0.0)
    }

    /// The next arrival after `t`, given `e`, a draw of a standard exponential.
    #[cfg(test)]
    pub(crate) fn next(&self, t: f64, e: f64) -> f64 {
        self.at_expected(self.expected(t) + e).max(t)
    }

    /// The first instant `t` with Λ(t) = `target`: the arrivals of the process are
    /// Λ⁻¹ of the partial sums of standard exponential draws, so a simulation that keeps
    /// the sum reads no clock between arrivals.
    pub(crate) fn at_expected(&self, target: f64) -> f64 {
        let per_week = self.cum[WEEK_HOURS];
        let mut weeks = floor(target / per_week);
        let mut rem = target - weeks * per_week;
        if rem >= per_week {
            weeks += 1.0;
            rem -= per_week;
        }
        // The hour whose span of expected arrivals holds `rem` (hours without arrivals
        // have an empty span and are never chosen).
        let k = ((rem / per_week * GUESSES as f64) as usize).min(GUESSES - 1);
        let mut h = usize::from(self.guess[k]);
        if self.cum[h] > rem {
            // Rounding put the guess one part too far: search from the start instead.
            h = 0;
        }
        while h < WEEK_HOURS - 1 && self.cum[h + 1] <= rem {
            h += 1;
        }
        let within = if self.rate[h] > 0.0 {
            ((rem - self.cum[h]) / self.rate[h]).clamp(0.0, HOUR)
        } else {
            0.0
        };
        weeks * 7.0 + h as f64 * HOUR + within - self.phase
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_reads_the_clock_and_ends_the_service_as_work_and_advance_do() {
        let w = office();
        for i in 0..2000 {
            let t = -3.0 + f64::from(i) * 0.0137;
            for d in [0.0, 0.001, 0.05, 0.3, 1.0, 2.7] {
                let (clock, end) = w.start(t, d);
                assert!(close(clock, w.work(t)), "{t} {d}");
                assert!((end - w.advance(t, d)).abs() < 1e-9, "{t} {d}: {end}");
            }
        }
    }

    #[test]
    fn the_indexed_search_finds_the_hour_a_binary_search_does() {
        let mut hour = [0.3; 24];
        hour[8..18].iter_mut().for_each(|h| *h = 2.0);
        hour[3] = 0.0;
        let r = WeeklyRate::new(1.5, &[1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.0], &hour, 0.3).unwrap();
        let per_week = r.cum[WEEK_HOURS];
        for i in 0..20_000 {
            let rem = per_week * f64::from(i) / 20_000.0;
            let binary = (r.cum.partition_point(|&c| c <= rem).max(1) - 1).min(WEEK_HOURS - 1);
            // `next` from the start of a week, with `rem` arrivals expected to go.
            let t = -r.phase;
            let at = r.next(t, rem);
            let h = ((at + r.phase) * 24.0 + 1e-9) as usize;
            assert!(
                h == binary || (h == binary + 1 && r.rate[binary] > 0.0),
                "{rem}: {h} {binary}"
            );
        }
    }

    /// The simulation keeps the sum of the exponential draws and inverts it; that is the
    /// arrival `next` finds from the last one, and Λ there is the sum again.
    #[test]
    fn inverting_the_running_sum_is_drawing_from_the_last_arrival() {
        let mut hour = [0.3; 24];
        hour[8..18].iter_mut().for_each(|h| *h = 2.0);
        let r = WeeklyRate::new(0.85, &[1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5], &hour, 2.5).unwrap();
        let (mut t, mut sum) = (0.0, r.expected(0.0));
        for i in 0..5_000 {
            let e = 0.05 + f64::from(i % 17) * 0.3;
            sum += e;
            let by_sum = r.at_expected(sum).max(t);
            let by_next = r.next(t, e);
            assert!((by_sum - by_next).abs() < 1e-7, "{i}: {by_sum} {by_next}");
            assert!((r.expected(by_sum) - sum).abs() < 1e-7, "{i}");
            assert!(by_sum >= t);
            t = by_sum;
        }
        assert!(t > 1000.0, "{t}");
    }

    #[test]
    fn floor_and_ceil_agree_with_the_standard_ones() {
        for x in [
            -7.5,
            -7.0,
            -1e-12,
            -0.0,
            0.0,
            1e-12,
            0.5,
            1.0,
            6.999_999_999,
            7.0,
            1e9 + 0.25,
        ] {
            assert_eq!(floor(x), x.floor(), "{x}");
            assert_eq!(ceil(x), x.ceil(), "{x}");
        }
    }

    /// Monday 1 April 2013, 00:00 UTC.
    fn monday() -> DateTime<Utc> {
        "2013-04-01T00:00:00Z".parse().unwrap()
    }

    fn office() -> WorkWeek {
        WorkWeek::new(&Calendar::office(monday(), [8, 18]).unwrap()).unwrap()
    }

    const H: f64 = 1.0 / 24.0;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn two_hours_from_friday_at_five_end_on_monday_at_nine() {
        let w = office();
        // Friday = day 4; 17:00.
        let end = w.advance(4.0 + 17.0 * H, 2.0 * H);
        // Monday of the next week = day 7; 09:00.
        assert!(close(end, 7.0 + 9.0 * H), "{}", end * 24.0);
    }

    #[test]
    fn a_start_in_off_time_waits_for_the_next_working_hour() {
        let w = office();
        // Saturday 12:00 + 1 working hour → Monday 09:00.
        assert!(close(w.advance(5.5, H), 7.0 + 9.0 * H));
        // Tuesday 03:00 + 30 minutes → Tuesday 08:30.
        assert!(close(w.advance(1.0 + 3.0 * H, 0.5 * H), 1.0 + 8.5 * H));
        // Monday 18:00 (the end of the day) + 10 hours → Tuesday 18:00.
        assert!(close(w.advance(18.0 * H, 10.0 * H), 1.0 + 18.0 * H));
    }

    #[test]
    fn a_service_that_ends_at_closing_time_ends_then() {
        let w = office();
        // Friday 08:00 + 10 hours → Friday 18:00, not Monday 08:00.
        assert!(close(w.advance(4.0 + 8.0 * H, 10.0 * H), 4.0 + 18.0 * H));
    }

    #[test]
    fn zero_takes_no_time_even_in_off_time() {
        let w = office();
        for t in [0.0, 5.5, 4.0 + 17.5 * H, 123.456] {
            assert_eq!(w.advance(t, 0.0), t);
        }
    }

    #[test]
    fn services_longer_than_a_week_advance_by_whole_weeks() {
        let w = office();
        // 50 working hours a week. 120 hours from Wednesday 10:00: 2 weeks (100 h) land on
        // Wednesday 10:00 two weeks later; 20 more hours: Wed 10–18 (8), Thu 8–18 (10),
        // Fri 8–10 (2) → Friday 10:00 of that week.
        let start = 2.0 + 10.0 * H;
        let end = w.advance(start, 120.0 * H);
        assert!(close(end, 14.0 + 4.0 + 10.0 * H), "{}", (end - 14.0) * 24.0);
        assert!(close(w.between(start, end), 120.0 * H));
    }

    #[test]
    fn the_origin_sets_the_phase() {
        // Day 0 is Friday 5 April 2013 at 17:00: 2 working hours end on Monday at 09:00,
        // 2 days 16 hours later.
        let c = Calendar::office("2013-04-05T17:00:00Z".parse().unwrap(), [8, 18]).unwrap();
        let w = WorkWeek::new(&c).unwrap();
        assert!(close(w.advance(0.0, 2.0 * H), 2.0 + 16.0 * H));
        // And before day 0 (a placed item's elapsed time): Friday 08:00 to 17:00 is 9 hours.
        assert!(close(w.between(-9.0 * H, 0.0), 9.0 * H));
        // Thursday 17:00 to Friday 17:00: 1 hour on Thursday and 9 on Friday.
        assert!(close(w.between(-1.0, 0.0), 10.0 * H));
    }

    #[test]
    fn a_night_shift_runs_over_midnight() {
        // Working days Mon–Fri, 22:00 to 06:00: Friday's shift ends Saturday 06:00.
        let c = Calendar::new(monday(), vec![0, 1, 2, 3, 4], [22, 6]).unwrap();
        assert_eq!(c.working_hours(), 40);
        let w = WorkWeek::new(&c).unwrap();
        // Friday 23:00 + 8 hours: 7 hours to Saturday 06:00, then Monday 22:00 + 1 → 23:00.
        assert!(close(w.advance(4.0 + 23.0 * H, 8.0 * H), 7.0 + 23.0 * H));
        // Monday 00:00 to 06:00 belongs to Sunday's shift, which does not exist.
        assert!(close(w.between(0.0, 6.0 * H), 0.0));
    }

    #[test]
    fn calendars_without_working_hours_are_refused() {
        let e = Calendar::new(monday(), vec![], [8, 18]).unwrap_err();
        assert!(e.to_string().contains("no working hour"), "{e}");
        let e = Calendar::office(monday(), [9, 9]).unwrap_err();
        assert!(e.to_string().contains("no working hour"), "{e}");
        assert!(Calendar::office(monday(), [8, 25]).is_err());
        assert!(Calendar::new(monday(), vec![1, 1], [8, 18]).is_err());
    }

    #[test]
    fn availability_is_the_working_share_of_the_week() {
        let c = Calendar::office(monday(), [8, 18]).unwrap();
        assert_eq!(c.working_hours(), 50);
        assert!(close(
            WorkWeek::new(&c).unwrap().availability(),
            50.0 / 168.0
        ));
        let all = Calendar::new(monday(), (0..7).collect(), [0, 24]).unwrap();
        assert!(all.always());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn week() -> impl Strategy<Value = WorkWeek> {
            (
                proptest::collection::vec(any::<bool>(), WEEK_HOURS),
                0.0f64..7.0,
            )
                .prop_filter_map("a working hour", |(m, phase)| {
                    let mut mask = [false; WEEK_HOURS];
                    mask.copy_from_slice(&m);
                    WorkWeek::from_mask(&mask, phase)
                })
        }

        proptest! {
            #[test]
            fn advancing_twice_is_advancing_by_the_sum(
                w in week(), t in -30.0f64..400.0, a in 0.0f64..20.0, b in 0.0f64..20.0,
            ) {
                let once = w.advance(t, a + b);
                let twice = w.advance(w.advance(t, a), b);
                // Equal in working time; in time, equal unless the two land on either side
                // of an off period (the end of one working hour and the start of the next).
                prop_assert!((w.work(once) - w.work(twice)).abs() < 1e-8);
                prop_assert!((once - twice).abs() < 1e-8 || w.between(once.min(twice), once.max(twice)) < 1e-8);
            }

            #[test]
            fn the_working_time_of_a_service_is_the_service(
                w in week(), t in -30.0f64..400.0, s in 0.0f64..60.0,
            ) {
                let end = w.advance(t, s);
                prop_assert!(end >= t);
                prop_assert!((w.between(t, end) - s).abs() < 1e-8);
                // The end is the first such instant: a moment before it, work is left.
                if s > 1e-6 {
                    prop_assert!(w.between(t, end - 1e-6) < s);
                }
            }
        }
    }
}
