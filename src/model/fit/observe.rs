//! One pass over the committed items on the model's layout: services, busy time, waiting,
//! rework moves, and how often items stopped at or passed each station.

use super::super::calendar::WorkWeek;
use super::layout::{Role, Slot, episodes};
use crate::time::ms_to_days;
use crate::timeline::{ItemTimeline, Timelines};

/// What the log shows of each station (indexed by station).
pub(super) struct Observed {
    /// Completed service times, days.
    pub(super) services: Vec<Vec<f64>>,
    /// Services still open at the end of observation: how long they had lasted, days
    /// (right-censored service times).
    pub(super) censored: Vec<Vec<f64>>,
    /// Items that passed a waiting delay without waiting (a zero time each).
    pub(super) zeros: Vec<usize>,
    /// Whether each of `services` is a later visit (an item's second service at the
    /// station or after).
    pub(super) services_later: Vec<Vec<bool>>,
    /// Whether each of `censored` is a later visit.
    pub(super) censored_later: Vec<Vec<bool>>,
    /// Of `zeros`, the later passes.
    pub(super) later_zeros: Vec<usize>,
    /// `rework_later[p]`: moves back from station p after a later visit (counted in
    /// `rework` too).
    pub(super) rework_later: Vec<usize>,
    /// When its services started, days from the start of the window.
    pub(super) starts: Vec<Vec<f64>>,
    /// Service starts (+1) and ends (−1), for the most at once.
    pub(super) sweep: Vec<Vec<(i64, i32)>>,
    /// Time in service, milliseconds.
    pub(super) busy: Vec<i64>,
    /// Time in its queue, milliseconds.
    pub(super) waited: Vec<i64>,
    /// `rework[p][k]`: moves back from station p to station k.
    pub(super) rework: Vec<Vec<usize>>,
    /// Done items that never visited it.
    pub(super) skipped: Vec<usize>,
    /// Moving forward, how often items stopped at it.
    pub(super) stops: Vec<usize>,
    /// Moving forward, how often items passed it by.
    pub(super) passes_by: Vec<usize>,
    /// Done items.
    pub(super) done_items: usize,
}

/// A working week and the instant (ms) that is its day 0: the services of the stations
/// with servers are measured in its working time.
pub(super) type WorkClock<'a> = Option<(&'a WorkWeek, i64)>;

/// Observes the committed items of `timelines` on the layout `slots` (`roles`: each
/// stage's role); with a working week (`clock`), the services of the stations with
/// servers are its working time.
pub(super) fn observe(
    timelines: &Timelines,
    slots: &[Slot],
    roles: &[Role],
    clock: WorkClock<'_>,
) -> Observed {
    let n = slots.len();
    let mut o = Observed {
        services: vec![Vec::new(); n],
        censored: vec![Vec::new(); n],
        zeros: vec![0; n],
        services_later: vec![Vec::new(); n],
        censored_later: vec![Vec::new(); n],
        later_zeros: vec![0; n],
        rework_later: vec![0; n],
        starts: vec![Vec::new(); n],
        sweep: vec![Vec::new(); n],
        busy: vec![0; n],
        waited: vec![0; n],
        rework: vec![vec![0; n]; n],
        skipped: vec![0; n],
        stops: vec![0; n],
        passes_by: vec![0; n],
        done_items: 0,
    };
    let start = timelines.start_ms();
    let mut eps = Vec::new();
    for r in timelines.iter().filter(|r| r.commitment_ms().is_some()) {
        episodes(r.visits(), roles, &mut eps);
        let mut seen = vec![false; n];
        let mut passes = vec![0u32; n];
        for &(e, before) in &eps {
            let k = e.station;
            // Everyone passes through a waiting delay: a service at k not straight after
            // one at k − 1 passed it with a zero time.
            if k > 0 && slots[k - 1].wait_delay && before != Some(k - 1) {
                o.zeros[k - 1] += 1;
                if passes[k - 1] > 0 {
                    o.later_zeros[k - 1] += 1;
                }
                passes[k - 1] += 1;
                seen[k - 1] = true;
            }
            let later = passes[k] > 0;
            passes[k] += 1;
            seen[k] = true;
            o.sweep[k].push((e.start, 1));
            o.sweep[k].push((if e.open { i64::MAX } else { e.end }, -1));
            o.starts[k].push(ms_to_days(e.start - start));
            o.busy[k] += e.end - e.start;
            let d = match clock {
                Some((week, origin)) if !slots[k].delay => {
                    week.between(ms_to_days(e.start - origin), ms_to_days(e.end - origin))
                }
                _ => ms_to_days(e.end - e.start),
            };
            if e.open {
                o.censored[k].push(d);
                o.censored_later[k].push(later);
            } else {
                o.services[k].push(d);
                o.services_later[k].push(later);
            }
        }
        o.forward_moves(&eps, r.done_ms().is_some());
        o.moves_back(&r, roles);
        if r.done_ms().is_some() {
            o.done_items += 1;
            for k in 0..n {
                if !seen[k] && !slots[k].wait_delay {
                    o.skipped[k] += 1;
                }
            }
        }
    }
    o
}

impl Observed {
    /// Forward moves: from the last service (or the start) to a later station, passing
    /// the stations between; a move back (rework) is not a forward arrival. A done item
    /// passes the stations after its last.
    fn forward_moves(&mut self, eps: &[(super::layout::Episode, Option<usize>)], done: bool) {
        let mut at: Option<usize> = None;
        for &(e, _) in eps {
            let k = e.station;
            let from = match at {
                None => 0,
                Some(p) if p < k => p + 1,
                Some(_) => {
                    at = Some(k);
                    continue;
                }
            };
            self.passes_by[from..k].iter_mut().for_each(|c| *c += 1);
            self.stops[k] += 1;
            at = Some(k);
        }
        if done {
            self.passes_by[at.map_or(0, |p| p + 1)..]
                .iter_mut()
                .for_each(|c| *c += 1);
        }
    }

    /// Moves back: to an earlier station, or from a service to its own queue; and the
    /// time spent in each queue.
    fn moves_back(&mut self, r: &ItemTimeline<'_>, roles: &[Role]) {
        let mut prev: Option<(usize, Role)> = None;
        // Services begun at each station so far (consecutive service stages are one).
        let mut services = vec![0u32; self.rework.len()];
        for v in r.visits() {
            let role = roles[v.stage()];
            let k = match role {
                Role::Queue(k) | Role::Service(k) => k,
                Role::Outside => continue,
            };
            if let Role::Queue(_) = role {
                self.waited[k] += v.end_ms() - v.start_ms();
            }
            if let Role::Service(_) = role
                && prev != Some((k, role))
            {
                services[k] += 1;
            }
            if let Some((p, p_role)) = prev {
                let back_to_own_queue =
                    k == p && matches!(p_role, Role::Service(_)) && matches!(role, Role::Queue(_));
                if k < p || back_to_own_queue {
                    self.rework[p][k] += 1;
                    if services[p] >= 2 {
                        self.rework_later[p] += 1;
                    }
                }
            }
            prev = Some((k, role));
        }
    }
}
