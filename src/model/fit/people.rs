//! A station's capacity from who did the work: the people who held its services in the fit
//! window, per week, their busy time, how many items each held at once, and the servers
//! that gives.

use std::fmt;

use serde::Serialize;

use super::layout::{Role, episodes};
use crate::stats::Sample;
use crate::time::{MS_PER_DAY, ms_to_days};
use crate::timeline::Timelines;

/// A week, in ms.
const WEEK_MS: i64 = 7 * MS_PER_DAY;

/// A station's capacity as the people who did its work show it, in the fit window: who
/// held its services, for how long, and how many items at once.
///
/// # Definitions
///
/// A **service** is an item's stay in the station's active stage (consecutive service
/// stages are one), clipped to the window `[start, end)` of the fit; its **person** is the
/// resource of the event that began it ([`ItemTimeline::resource`]). Services of no length
/// after clipping hold no one; services that name no one are counted in `unnamed` and left
/// out of every figure below.
///
/// - `people_per_week`: the window is cut into weeks from its start; in each, the distinct
///   people who held a service at some moment of it. The median over the full weeks (the
///   last, partial week is left out; with no full week, the people of the whole window).
/// - `busy_person_days`: for each person, the union of their service intervals (two items
///   held at once count once), summed over people, in days.
/// - `items_at_once`: Σ service time / Σ busy time: how many items a person holds at once
///   while holding any (a time average, 1 when no one ever holds two).
/// - `busy_share`: Σ busy time / Σ over weeks of (people active that week × the week's
///   length in the window): the share of an active person's time during which they held
///   at least one item of the station.
///
/// # The servers it gives
///
/// `servers = max(1, round(people_per_week × items_at_once))`.
///
/// In the model a server holds one item for the item's whole service time (its time in
/// the stage, from the log, which includes the time its person spent on other items).
/// A person who holds `h` items at once while busy is then `h` such servers, and the
/// people available in a typical week are the station's staff: `P·h` servers. With them,
/// the model's utilisation (Σ service time / (servers × window)) equals the observed
/// `busy_share` of its people, exactly when the weekly headcount is constant: the model
/// is as busy as its people were. This is resource utilisation as process mining measures
/// it (the share of a resource's available time it is working; W. M. P. van der Aalst,
/// *Process Mining: Data Science in Action*, 2nd ed., Springer 2016, on the
/// organisational perspective and on simulation models discovered from logs), with the
/// available staff per period taken from the log as Martin, Depaire and Caris recommend
/// for simulation models built from logs (N. Martin, B. Depaire, A. Caris, "The use of
/// process mining in business process simulation model construction", *Business &
/// Information Systems Engineering* 58(1), 2016): people active in a period, not every
/// name that ever appears (1,440 people over two years are not 1,440 servers at once).
///
/// Why not the peak of items at once (`peak_at_once`, the other estimate): it counts items
/// in the stage, not people able to work on them; where items sit in the stage untouched
/// it overstates capacity and makes every utilisation look low, and where the log is short
/// it understates it. Why not one server per person: a service time in the log is elapsed
/// time, stretched by the other items its person held; one server per person would then
/// serve `h` times too slowly.
///
/// What-ifs keep their meaning: a server is still one item in service at once, so
/// `servers Work=+1` adds one server, which is `1 / items_at_once` of a person; adding a
/// person adds about `items_at_once` servers.
///
/// What it assumes: the people of a typical week are there every week (holidays and
/// part-time work average into the median); a person's items are held independently
/// (the model has no people, only servers); a hand-over inside one visit stays with who
/// began it.
///
/// [`ItemTimeline::resource`]: crate::ItemTimeline::resource
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PeopleFit {
    /// Distinct people who held a service of the station in the window.
    pub people: usize,
    /// People who held a service in a typical week: the median over the full weeks.
    pub people_per_week: f64,
    /// The full weeks of the window the median is over (0: the window is shorter than a
    /// week, and `people_per_week` is the people of the whole window).
    pub weeks: usize,
    /// Services in the window that name a person (clipped, of positive length).
    pub services: usize,
    /// Services in the window that name no one (left out of these figures).
    pub unnamed: usize,
    /// Σ service time of the named services in the window, days.
    pub service_days: f64,
    /// Σ over people of the union of their service intervals, days.
    pub busy_person_days: f64,
    /// `service_days / busy_person_days`: items a person holds at once while busy.
    pub items_at_once: f64,
    /// `busy_person_days` over the people-time of the weeks they were active.
    pub busy_share: f64,
    /// The servers it gives: `max(1, round(people_per_week × items_at_once))`.
    pub servers: u32,
    /// The other estimate: the most items in service at once (in the fitted items).
    pub peak_at_once: u32,
}

/// The figures in a sentence: `413 at peak at once; 212 people active in a typical week
/// (1440 in all), each holding 1.9 items at once while busy, busy 31% of their time: 403
/// servers from people`, and the services that name no one, if any.
impl fmt::Display for PeopleFit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at peak at once; {:.0} people active in a typical week ({} in all), each holding {:.1} items at once while busy, busy {:.0}% of their time: {} servers from people",
            self.peak_at_once,
            self.people_per_week,
            self.people,
            self.items_at_once,
            self.busy_share * 100.0,
            self.servers,
        )?;
        if self.weeks == 0 {
            f.write_str(" (the window is shorter than a week: its people)")?;
        }
        if self.unnamed > 0 {
            write!(
                f,
                "; {} of {} services name no one and are left out",
                self.unnamed,
                self.unnamed + self.services
            )?;
        }
        Ok(())
    }
}

/// The people figures of every station in `[start, end)` (ms) from the services of every
/// committed item of `timelines` (the whole log, not only the fitted cohort: people work
/// on items of every cohort); `None` for a station none of whose services names anyone,
/// and for every station when the log keeps no resources. `peak[k]` is station `k`'s peak
/// at once (0 for a delay, whose figures are `None`).
pub(super) fn people_figures(
    timelines: &Timelines,
    roles: &[Role],
    delay: &[bool],
    (start, end): (i64, i64),
    peak: &[u32],
) -> Vec<Option<PeopleFit>> {
    let n = delay.len();
    if !timelines.has_resources() || end <= start {
        return vec![None; n];
    }
    // (person, start, end) of every named service, per station.
    let mut held: Vec<Vec<(u32, i64, i64)>> = vec![Vec::new(); n];
    let mut unnamed = vec![0usize; n];
    let mut eps = Vec::new();
    for r in timelines.iter().filter(|r| r.commitment_ms().is_some()) {
        episodes(r.visits(), roles, &mut eps);
        for &(e, _) in &eps {
            let (s, t) = (e.start.max(start), e.end.min(end));
            if delay[e.station] || t <= s {
                continue;
            }
            match e.resource {
                Some(p) => held[e.station].push((p, s, t)),
                None => unnamed[e.station] += 1,
            }
        }
    }
    held.into_iter()
        .enumerate()
        .map(|(k, services)| {
            figures(services, unnamed[k], (start, end)).map(|mut f| {
                f.peak_at_once = peak[k];
                f
            })
        })
        .collect()
}

/// The figures of one station's named services (`(person, start, end)`, clipped to the
/// window `[start, end)`); `None` if there are none.
fn figures(
    mut services: Vec<(u32, i64, i64)>,
    unnamed: usize,
    (start, end): (i64, i64),
) -> Option<PeopleFit> {
    if services.is_empty() {
        return None;
    }
    services.sort_unstable();
    let weeks_all = usize::try_from((end - start - 1) / WEEK_MS + 1).unwrap_or(1);
    let full = usize::try_from((end - start) / WEEK_MS).unwrap_or(0);
    let mut per_week = vec![0u32; weeks_all];
    let (mut service_ms, mut busy_ms) = (0i64, 0i64);
    let mut people = 0usize;
    let mut i = 0;
    while i < services.len() {
        let person = services[i].0;
        people += 1;
        let mut last_week: Option<usize> = None;
        // The union of this person's intervals, in start order.
        let (mut a, mut b) = (services[i].1, services[i].2);
        while i < services.len() && services[i].0 == person {
            let (_, s, t) = services[i];
            service_ms += t - s;
            if s > b {
                busy_ms += b - a;
                count_weeks(a, b, start, &mut per_week, &mut last_week);
                (a, b) = (s, t);
            } else {
                b = b.max(t);
            }
            i += 1;
        }
        busy_ms += b - a;
        count_weeks(a, b, start, &mut per_week, &mut last_week);
    }
    let (people_per_week, weeks) = if full == 0 {
        (people as f64, 0)
    } else {
        let counts = Sample::new(per_week[..full].iter().map(|&c| f64::from(c)));
        (counts.percentile(50.0).unwrap_or(0.0), full)
    };
    // The people-time of the weeks they were active: each week's length within the window.
    let available: f64 = per_week
        .iter()
        .enumerate()
        .map(|(w, &c)| {
            let w0 = start + w as i64 * WEEK_MS;
            f64::from(c) * ms_to_days((w0 + WEEK_MS).min(end) - w0)
        })
        .sum();
    let busy = ms_to_days(busy_ms);
    let items_at_once = if busy_ms > 0 {
        service_ms as f64 / busy_ms as f64
    } else {
        1.0
    };
    let servers = (people_per_week * items_at_once).round().max(1.0);
    Some(PeopleFit {
        people,
        people_per_week,
        weeks,
        services: services.len(),
        unnamed,
        service_days: ms_to_days(service_ms),
        busy_person_days: busy,
        items_at_once,
        busy_share: if available > 0.0 {
            busy / available
        } else {
            0.0
        },
        servers: if servers >= f64::from(u32::MAX) {
            u32::MAX
        } else {
            servers as u32
        },
        peak_at_once: 0,
    })
}

/// Counts one person in every week that `[a, b)` (a busy interval of theirs, after the
/// earlier ones) touches, once per week (`last_week`: the last week counted for them).
fn count_weeks(a: i64, b: i64, start: i64, per_week: &mut [u32], last_week: &mut Option<usize>) {
    let first = usize::try_from((a - start) / WEEK_MS).unwrap_or(0);
    let last = usize::try_from((b - 1 - start) / WEEK_MS).unwrap_or(0);
    for w in first..=last.min(per_week.len().saturating_sub(1)) {
        if *last_week != Some(w) {
            per_week[w] += 1;
            *last_week = Some(w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;
    const D: i64 = MS_PER_DAY;

    #[test]
    fn two_items_at_once_count_once_in_busy_time() {
        // Person 0: [0, 10h) and [5h, 15h) overlap: busy 15h, service 20h. Person 1:
        // [8 days, 8 days + 6h). Window 14 days: two full weeks.
        let s = vec![
            (0, 0, 10 * H),
            (0, 5 * H, 15 * H),
            (1, 8 * D, 8 * D + 6 * H),
        ];
        let f = figures(s, 2, (0, 14 * D)).unwrap();
        assert_eq!((f.people, f.services, f.unnamed, f.weeks), (2, 3, 2, 2));
        assert!((f.busy_person_days - 21.0 / 24.0).abs() < 1e-12);
        assert!((f.service_days - 26.0 / 24.0).abs() < 1e-12);
        assert!((f.items_at_once - 26.0 / 21.0).abs() < 1e-12);
        // One person each week: median 1; servers round(1 × 26/21) = 1.
        assert_eq!(f.people_per_week, 1.0);
        assert_eq!(f.servers, 1);
        // Busy 21h of two person-weeks.
        assert!((f.busy_share - 21.0 / (2.0 * 7.0 * 24.0)).abs() < 1e-12);
    }

    #[test]
    fn a_window_shorter_than_a_week_counts_its_people() {
        let s = vec![(3, 0, H), (4, 2 * H, 3 * H), (3, 4 * H, 5 * H)];
        let f = figures(s, 0, (0, 2 * D)).unwrap();
        assert_eq!((f.people, f.weeks), (2, 0));
        assert_eq!(f.people_per_week, 2.0);
        assert_eq!(f.servers, 2);
        assert!((f.busy_share - 3.0 / (2.0 * 48.0)).abs() < 1e-12);
        assert!(figures(Vec::new(), 5, (0, D)).is_none());
    }
}
