//! Daily and weekly series: the cumulative flow diagram, current-stage counts, WIP, the age
//! of WIP, arrivals, commitments, departures and net flow.

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::time::{MS_PER_DAY, ms_to_days};
use crate::timeline::{Clip, ClippedItem, Visit};

/// The length of a series' periods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Calendar days.
    #[default]
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
}

/// The most periods a series may have (about 550 years of days).
const MAX_DAYS: i64 = 200_000;

/// Flow over time, one value per period (day or week) of the window.
///
/// Periods are calendar days (or ISO weeks, Monday to Sunday) in the day offset of the
/// [`MetricsOptions`](crate::MetricsOptions) (UTC by default), from the one holding the
/// window's start to the one holding its end (an end at midnight closes the day before).
/// Stocks are taken at the end of each period,
/// after every event before it (for the last period, at the window's end); flows count
/// the events within the window that fall in the period.
///
/// # Definitions
///
/// - `cfd[s][p]`: items that have ever reached stage `s` or a later stage by the end of
///   period `p` (the lines of the cumulative flow diagram; they never decrease).
/// - `in_stage[s][p]`: items whose latest visit by the end of `p` is in stage `s` (the
///   current-stage counts: for wait and active stages, the stage WIP; for done stages,
///   the items done so far). Bands between CFD lines equal these only when no item moves
///   backwards.
/// - `wip[p]`: items with commitment before the end of `p` and not done by then.
/// - `wip_age_days[p]`: the mean age (days since commitment) of those items, at the end
///   of `p`; `None` when there are none.
/// - `arrivals` (first events), `commitments`, `departures` (done items: the throughput,
///   zero periods included), `discarded`; `net_flow = commitments − departures`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Series {
    /// Days or weeks.
    pub period: Period,
    /// The first day of each period (for weeks, the Monday, even before the window).
    pub starts: Vec<NaiveDate>,
    /// The stages' names, indexing `cfd` and `in_stage`.
    pub stages: Vec<String>,
    /// Items that arrived (first event) in each period.
    pub arrivals: Vec<u64>,
    /// Items committed in each period.
    pub commitments: Vec<u64>,
    /// Items done in each period (throughput).
    pub departures: Vec<u64>,
    /// Items discarded in each period.
    pub discarded: Vec<u64>,
    /// Commitments − departures.
    pub net_flow: Vec<i64>,
    /// Work in progress at the end of each period.
    pub wip: Vec<u64>,
    /// Mean age in days of that work in progress.
    pub wip_age_days: Vec<Option<f64>>,
    /// Cumulative "reached this stage or a later one" counts, `[stage][period]`.
    pub cfd: Vec<Vec<u64>>,
    /// Current-stage counts, `[stage][period]`.
    pub in_stage: Vec<Vec<u64>>,
}

impl Series {
    /// The number of periods.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether there are no periods.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The same series by ISO week (Monday to Sunday): flows summed, stocks at the end of
    /// each week. A weekly series is returned unchanged.
    pub fn weekly(&self) -> Series {
        if self.period == Period::Week || self.is_empty() {
            return self.clone();
        }
        // Group consecutive days by their week's Monday.
        let mut groups: Vec<(NaiveDate, usize, usize)> = Vec::new();
        for (i, d) in self.starts.iter().enumerate() {
            let monday = *d - Days::new(u64::from(d.weekday().num_days_from_monday()));
            match groups.last_mut() {
                Some(g) if g.0 == monday => g.2 = i + 1,
                _ => groups.push((monday, i, i + 1)),
            }
        }
        let sum = |v: &[u64]| {
            groups
                .iter()
                .map(|&(_, a, b)| v[a..b].iter().sum())
                .collect()
        };
        let last_u = |v: &[u64]| groups.iter().map(|&(_, _, b)| v[b - 1]).collect();
        Series {
            period: Period::Week,
            starts: groups.iter().map(|g| g.0).collect(),
            stages: self.stages.clone(),
            arrivals: sum(&self.arrivals),
            commitments: sum(&self.commitments),
            departures: sum(&self.departures),
            discarded: sum(&self.discarded),
            net_flow: groups
                .iter()
                .map(|&(_, a, b)| self.net_flow[a..b].iter().sum())
                .collect(),
            wip: last_u(&self.wip),
            wip_age_days: groups
                .iter()
                .map(|&(_, _, b)| self.wip_age_days[b - 1])
                .collect(),
            cfd: self.cfd.iter().map(|l| last_u(l)).collect(),
            in_stage: self.in_stage.iter().map(|l| last_u(l)).collect(),
        }
    }
}

/// Adds `delta` at `day` of a difference array (clamping before-window days to day 0).
#[inline]
fn bump(diff: &mut [i64], day: i64, delta: i64) {
    let d = day.max(0) as usize;
    if let Some(x) = diff.get_mut(d) {
        *x += delta;
    }
}

/// The days of a window: day numbers since the epoch in a fixed offset.
#[derive(Clone, Copy, Debug)]
struct DayGrid {
    /// The offset (ms east of UTC).
    off: i64,
    /// The day holding the window's start.
    day0: i64,
    /// The number of days.
    n: i64,
}

impl DayGrid {
    fn new(ws: i64, we: i64, off: i64) -> Result<DayGrid> {
        let day_of = |t: i64| (t + off).div_euclid(MS_PER_DAY);
        let day0 = day_of(ws);
        // The window's end closes the last day: an end at midnight adds no day of no length
        // (events at that very instant count in the day before).
        let last = if we > ws { day_of(we - 1) } else { day_of(we) };
        let n = last - day0 + 1;
        if n > MAX_DAYS {
            return Err(Error::InvalidArgument(format!(
                "the window spans {n} days, more than a series may hold ({MAX_DAYS}); \
                 look for wrong timestamps, or narrow the window with since and until"
            )));
        }
        Ok(DayGrid { off, day0, n })
    }

    /// The index of the day holding `t` (≤ the last day; negative before the first).
    #[inline]
    fn rel(&self, t: i64) -> i64 {
        ((t + self.off).div_euclid(MS_PER_DAY) - self.day0).min(self.n - 1)
    }
}

/// The flows and stocks of a window as difference arrays over days, filled item by item.
struct Tally {
    arrivals: Vec<u64>,
    commitments: Vec<u64>,
    departures: Vec<u64>,
    discarded: Vec<u64>,
    /// WIP, and the sum of the commitment instants (ms after the window's start) of WIP.
    wip_d: Vec<i64>,
    csum_d: Vec<i128>,
    /// `[day][stage + 1]`: the CFD (over stages, then days) and the current-stage counts
    /// (over days).
    width: usize,
    cfd_d: Vec<i64>,
    cur_d: Vec<i64>,
}

impl Tally {
    fn new(nd: usize, ns: usize) -> Tally {
        let width = ns + 1;
        Tally {
            arrivals: vec![0; nd],
            commitments: vec![0; nd],
            departures: vec![0; nd],
            discarded: vec![0; nd],
            wip_d: vec![0; nd + 1],
            csum_d: vec![0; nd + 1],
            width,
            cfd_d: vec![0; (nd + 1) * width],
            cur_d: vec![0; (nd + 1) * width],
        }
    }

    /// Counts one item's arrival, commitment, departure and WIP interval.
    fn flows(&mut self, s: &ClippedItem, days: &DayGrid, ws: i64, we: i64) {
        let in_window = |t: i64| t >= ws && t <= we;
        let arrival = s.arrival();
        if in_window(arrival) {
            self.arrivals[days.rel(arrival) as usize] += 1;
        }
        if let Some(commitment) = s.commitment() {
            if in_window(commitment) {
                self.commitments[days.rel(commitment) as usize] += 1;
            }
            let c = days.rel(commitment);
            bump(&mut self.wip_d, c, 1);
            let crel = i128::from(commitment - ws);
            if let Some(x) = self.csum_d.get_mut(c.max(0) as usize) {
                *x += crel;
            }
            if let Some(done) = s.done() {
                let d = days.rel(done);
                bump(&mut self.wip_d, d, -1);
                if let Some(x) = self.csum_d.get_mut(d.max(0) as usize) {
                    *x -= crel;
                }
            }
        }
        if let Some(done) = s.done().filter(|&d| in_window(d)) {
            let d = days.rel(done) as usize;
            if s.commitment().is_some() {
                self.departures[d] += 1;
            } else {
                self.discarded[d] += 1;
            }
        }
    }

    /// Counts one item's stages, from visit starts only: an item is in the stage of its
    /// latest visit, and has reached every stage up to the furthest it entered.
    fn stages(&mut self, visits: &[Visit], days: &DayGrid) {
        let w = self.width;
        let mut reached: i64 = -1;
        let mut prev: Option<(usize, usize)> = None;
        for v in visits {
            let st = v.stage();
            let day = days.rel(v.start_ms()).max(0) as usize;
            if st as i64 > reached {
                self.cfd_d[day * w + (reached + 1) as usize] += 1;
                self.cfd_d[day * w + st + 1] -= 1;
                reached = st as i64;
            }
            if let Some((pst, pday)) = prev {
                self.cur_d[pday * w + pst] += 1;
                self.cur_d[day * w + pst] -= 1;
            }
            prev = Some((st, day));
        }
        if let Some((pst, pday)) = prev {
            self.cur_d[pday * w + pst] += 1;
        }
    }

    /// WIP at the end of each day, and the mean age of that WIP.
    fn wip(&self, days: &DayGrid, ws: i64, we: i64) -> (Vec<u64>, Vec<Option<f64>>) {
        let nd = days.n as usize;
        let mut wip = Vec::with_capacity(nd);
        let mut wip_age_days = Vec::with_capacity(nd);
        let (mut n, mut sum) = (0i64, 0i128);
        for d in 0..nd {
            n += self.wip_d[d];
            sum += self.csum_d[d];
            wip.push(n.max(0) as u64);
            // The snapshot instant: the end of the day, or the window's end on the last day.
            let end = ((days.day0 + d as i64 + 1) * MS_PER_DAY - days.off).min(we) - ws;
            wip_age_days.push((n > 0).then(|| {
                let mean_c = sum as f64 / n as f64;
                ms_to_days(end) - mean_c / MS_PER_DAY as f64
            }));
        }
        (wip, wip_age_days)
    }

    /// The CFD and the current-stage counts, per stage and day.
    fn cfd(&self, nd: usize) -> (Vec<Vec<u64>>, Vec<Vec<u64>>) {
        let (w, ns) = (self.width, self.width - 1);
        let mut cfd = vec![Vec::with_capacity(nd); ns];
        let mut in_stage = vec![Vec::with_capacity(nd); ns];
        let mut cfd_run = vec![0i64; ns];
        let mut cur_run = vec![0i64; ns];
        for d in 0..nd {
            let row = &self.cfd_d[d * w..(d + 1) * w];
            let mut acc = 0i64;
            for st in 0..ns {
                acc += row[st];
                cfd_run[st] += acc;
                cfd[st].push(cfd_run[st].max(0) as u64);
                cur_run[st] += self.cur_d[d * w + st];
                in_stage[st].push(cur_run[st].max(0) as u64);
            }
        }
        (cfd, in_stage)
    }
}

/// The daily series of the items in a window, days counted `offset_ms` east of UTC.
pub(crate) fn daily(clip: &Clip<'_>, offset_ms: i64) -> Result<Series> {
    let (ws, we) = (clip.start(), clip.end());
    let days = DayGrid::new(ws, we, offset_ms)?;
    let nd = days.n as usize;
    let wf = clip.timelines().workflow();
    let mut t = Tally::new(nd, wf.stages().len());
    for s in clip.items() {
        t.flows(s, &days, ws, we);
        t.stages(clip.visits(s), &days);
    }
    let (wip, wip_age_days) = t.wip(&days, ws, we);
    let (cfd, in_stage) = t.cfd(nd);
    let starts = (0..days.n).map(|d| date_of_day(days.day0 + d)).collect();
    let net_flow = t
        .commitments
        .iter()
        .zip(&t.departures)
        .map(|(&c, &d)| c as i64 - d as i64)
        .collect();
    Ok(Series {
        period: Period::Day,
        starts,
        stages: wf.stages().iter().map(|s| s.name.clone()).collect(),
        arrivals: t.arrivals,
        commitments: t.commitments,
        departures: t.departures,
        discarded: t.discarded,
        net_flow,
        wip,
        wip_age_days,
        cfd,
        in_stage,
    })
}

/// The calendar date of day number `day` since 1970-01-01.
fn date_of_day(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|e| {
            if day >= 0 {
                e.checked_add_days(Days::new(day as u64))
            } else {
                e.checked_sub_days(Days::new(day.unsigned_abs()))
            }
        })
        .unwrap_or_default()
}
