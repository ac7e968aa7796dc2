//! The queue-and-server view of each stage.

use serde::{Serialize, Serializer};

use crate::stats::{Summary, summary_ms};
use crate::time::ms_to_days;
use crate::timeline::Clip;
use crate::workflow::StageKind;

/// One stage seen as a queue or a server over the window.
///
/// # Definitions
///
/// Over the window `[start, end]` of length `T` days:
///
/// - `visits`: visits to the stage that started in the window (its arrivals);
///   `departures`: visits that ended in the window (the item moved on, or was done).
/// - `visit_days`: the durations of the visits that ended in the window (whole visits,
///   even if they started before it); `durations_days` holds them all.
/// - `wip_mean`: the time-average number of items in the stage, Σ (time of each visit
///   within the window) / `T`. A visit in a done stage lasts no time, so done stages have
///   no WIP.
/// - `arrival_rate` and `departure_rate` (λ): visits started and ended per day.
/// - `littles_law_error`: `(λ·W − L) / L` with `L = wip_mean`, `W` = mean visit days.
/// - Active stages only: `servers`, from the workflow or, failing that, estimated as the
///   largest number of items in the stage at once during the window (then
///   `servers_estimated` is true); `busy_days` = ∫ min(items in stage, servers) dt;
///   `utilisation = busy_days / (servers × T)`; `capacity_per_day = servers / W`. The
///   peak is a lower bound of the servers of a stage that never filled up in the window,
///   so an estimated utilisation is then an upper bound (give `servers` in the workflow
///   when they are known).
///
/// # Formula
///
/// Little's law, `L = λW` (J. D. C. Little, "A proof for the queuing formula L = λW",
/// Operations Research 9(3), 1961), holds exactly for a window that starts and ends with
/// the stage empty; the residual measures how far the window is from that. Utilisation is
/// busy server time over available server time (the operational law `U = X·S`, Denning
/// and Buzen, "The operational analysis of queueing network models", Computing Surveys
/// 10(3), 1978).
///
/// JSON (one entry of `stages[]`): `{name, kind, visits, visit_days {mean, p50, p85},
/// wip_mean, servers, servers_estimated, utilisation}`; the other fields are not in the
/// report's JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StageMetrics {
    /// The stage's name.
    pub name: String,
    /// Its kind.
    pub kind: StageKind,
    /// Visits started in the window.
    pub visits: u64,
    /// Durations (days) of the visits that ended in the window. JSON: `{mean, p50, p85}`.
    #[serde(serialize_with = "visit_days_json")]
    pub visit_days: Summary,
    /// Time-average number of items in the stage; `None` (JSON `null`) for a window of no
    /// length.
    pub wip_mean: Option<f64>,
    /// Servers (active stages): from the workflow, or estimated; `None` for the other
    /// kinds, and for an active stage with none given that no item was in during the
    /// window (nothing to estimate from).
    pub servers: Option<u32>,
    /// Whether `servers` was estimated from the log (the peak number of items at once).
    pub servers_estimated: bool,
    /// Busy server time / (servers × window) (active stages); `None` for the other kinds,
    /// without servers, and for a window of no length.
    pub utilisation: Option<f64>,
    /// The stage's index in the workflow.
    #[serde(skip)]
    pub index: usize,
    /// Visits that ended in the window.
    #[serde(skip)]
    pub departures: u64,
    /// Visits started per day.
    #[serde(skip)]
    pub arrival_rate: Option<f64>,
    /// Visits ended per day.
    #[serde(skip)]
    pub departure_rate: Option<f64>,
    /// `(λ·W − L) / L`.
    #[serde(skip)]
    pub littles_law_error: Option<f64>,
    /// Server-days busy (active stages).
    #[serde(skip)]
    pub busy_days: Option<f64>,
    /// Servers / mean visit days: items per day the stage can finish (active stages).
    #[serde(skip)]
    pub capacity_per_day: Option<f64>,
    /// The largest number of items in the stage at once during the window.
    #[serde(skip)]
    pub peak: u64,
    /// Items in the stage at the window's start.
    #[serde(skip)]
    pub wip_at_start: u64,
    /// Items in the stage at the window's end.
    #[serde(skip)]
    pub wip_at_end: u64,
    /// Item-days spent in the stage within the window (`wip_mean × T`).
    #[serde(skip)]
    pub item_days: f64,
    /// Every duration (days) behind `visit_days`, in the order of the items in the log
    /// (not sorted).
    #[serde(skip)]
    pub durations_days: Vec<f64>,
}

fn visit_days_json<S: Serializer>(s: &Summary, ser: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct VisitDays {
        mean: Option<f64>,
        p50: Option<f64>,
        p85: Option<f64>,
    }
    VisitDays {
        mean: s.mean,
        p50: s.p50,
        p85: s.p85,
    }
    .serialize(ser)
}

/// The statistics of every stage, indexed like the workflow's stages.
pub(crate) fn stage_stats(clip: &Clip<'_>) -> Vec<StageMetrics> {
    let wf = clip.timelines().workflow();
    let ns = wf.stages().len();
    let kinds: Vec<StageKind> = wf.stages().iter().map(|s| s.kind).collect();
    let ws = clip.start();
    let mut visits = vec![0u64; ns];
    let mut departures = vec![0u64; ns];
    let mut time = vec![0i64; ns];
    let mut at_start = vec![0u64; ns];
    let mut at_end = vec![0u64; ns];
    let mut durations: Vec<Vec<u64>> = vec![Vec::new(); ns];
    // Per active stage, the starts and ends (ms after the window's start) of its visits.
    let mut starts: Vec<Vec<u64>> = vec![Vec::new(); ns];
    let mut ends: Vec<Vec<u64>> = vec![Vec::new(); ns];
    for s in clip.items() {
        for g in clip.segments(s) {
            let (st, start, end, open) = (g.stage(), g.start(), g.end(), g.is_open());
            if start >= ws {
                visits[st] += 1;
            }
            if !open && end >= ws {
                departures[st] += 1;
                durations[st].push((end - start) as u64);
            }
            let a = start.max(ws);
            if end > a {
                time[st] += end - a;
                if kinds[st] == StageKind::Active {
                    starts[st].push((a - ws) as u64);
                    ends[st].push((end - ws) as u64);
                }
            } else if open && kinds[st] == StageKind::Active {
                // Open, entered at the window's very end: in the stage at that instant.
                starts[st].push((a - ws) as u64);
            }
            if start <= ws && (ws < end || open) {
                at_start[st] += 1;
            }
            if open {
                at_end[st] += 1;
            }
        }
    }
    let span = clip.span();
    let t_days = ms_to_days(span);
    let per_day = |n: f64| (span > 0).then(|| n / t_days);
    let mut out = Vec::with_capacity(ns);
    for (i, stage) in wf.stages().iter().enumerate() {
        let ms = std::mem::take(&mut durations[i]);
        let summary = summary_ms(&ms);
        // In place: u64 and f64 have the same size, so the allocation is reused.
        let durations_days: Vec<f64> = ms.into_iter().map(|m| ms_to_days(m as i64)).collect();
        let item_days = ms_to_days(time[i]);
        let wip_mean = per_day(item_days);
        let arrival_rate = per_day(visits[i] as f64);
        let departure_rate = per_day(departures[i] as f64);
        let littles_law_error = match (wip_mean, departure_rate, summary.mean) {
            (Some(l), Some(x), Some(w)) if l > 0.0 => Some((x * w - l) / l),
            _ => None,
        };
        let mut st = StageMetrics {
            name: stage.name.clone(),
            kind: stage.kind,
            visits: visits[i],
            visit_days: summary,
            wip_mean,
            servers: None,
            servers_estimated: false,
            utilisation: None,
            index: i,
            departures: departures[i],
            arrival_rate,
            departure_rate,
            littles_law_error,
            busy_days: None,
            capacity_per_day: None,
            peak: 0,
            wip_at_start: at_start[i],
            wip_at_end: at_end[i],
            item_days,
            durations_days,
        };
        if stage.kind == StageKind::Active {
            starts[i].sort_unstable();
            ends[i].sort_unstable();
            let (peak, busy_ms) = sweep(&starts[i], &ends[i], stage.servers.map(u64::from));
            st.peak = peak;
            let servers = stage.servers.map_or(peak, u64::from);
            st.servers = u32::try_from(servers).ok().filter(|&c| c > 0);
            st.servers_estimated = stage.servers.is_none();
            let busy = if stage.servers.is_some() {
                busy_ms
            } else {
                time[i]
            };
            st.busy_days = Some(ms_to_days(busy));
            if let Some(c) = st.servers {
                st.utilisation = (span > 0).then(|| busy as f64 / (f64::from(c) * span as f64));
                st.capacity_per_day = summary.mean.filter(|&m| m > 0.0).map(|m| f64::from(c) / m);
            }
        }
        out.push(st);
    }
    out
}

/// Sweeps the sorted starts and ends of half-open intervals (at the same instant, ends
/// come first): the peak number of intervals at once and, with `servers`,
/// ∫ min(n, servers) dt.
fn sweep(starts: &[u64], ends: &[u64], servers: Option<u64>) -> (u64, i64) {
    let (mut n, mut peak, mut last, mut busy) = (0u64, 0u64, 0u64, 0u128);
    let c = servers.unwrap_or(u64::MAX);
    let (mut i, mut j) = (0, 0);
    loop {
        let (t, start) = match (starts.get(i), ends.get(j)) {
            (Some(&s), Some(&e)) if e <= s => (e, false),
            (Some(&s), _) => (s, true),
            (None, Some(&e)) => (e, false),
            (None, None) => break,
        };
        if t > last {
            busy += u128::from(n.min(c)) * u128::from(t - last);
            last = t;
        }
        if start {
            i += 1;
            n += 1;
            peak = peak.max(n);
        } else {
            j += 1;
            n = n.saturating_sub(1);
        }
    }
    (peak, i64::try_from(busy).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_counts_half_open_intervals() {
        // [0, 2), [2, 4), [1, 3): at most two at once; an end and a start at 2 do not overlap.
        let (starts, ends) = ([0, 1, 2], [2, 3, 4]);
        assert_eq!(sweep(&starts, &ends, None), (2, 6));
        // One server: busy whenever at least one is in: [0, 4).
        assert_eq!(sweep(&starts, &ends, Some(1)), (2, 4));
        // An open interval has no end.
        assert_eq!(sweep(&[0, 5], &[1], Some(1)), (1, 1));
    }
}
