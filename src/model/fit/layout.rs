//! The layout of the model: one station per active stage, the wait stages in front of it as
//! its queue, trailing wait stages as delays; and waiting that is not for capacity split off
//! as a delay of its own.

use super::super::estimate::detect_release;
use crate::error::{Error, Result};
use crate::time::ms_to_days;
use crate::timeline::{Timelines, Visit};
use crate::workflow::{Stage, StageKind};

/// Which station each workflow stage belongs to, and in what role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// Not part of the model (backlog, done).
    Outside,
    /// The queue of station `usize`.
    Queue(usize),
    /// The service of station `usize`.
    Service(usize),
}

/// One station of the layout: which stages are its queue and which its service.
#[derive(Clone, Debug)]
pub(super) struct Slot {
    pub(super) name: String,
    pub(super) queue: Vec<usize>,
    pub(super) service: Vec<usize>,
    /// Unlimited servers: a trailing wait stage, or waiting that is not for capacity.
    pub(super) delay: bool,
    /// A delay made of the wait stages in front of the next station: every item passes
    /// through it, those that did not wait with a zero time.
    pub(super) wait_delay: bool,
}

pub(super) fn roles_of(slots: &[Slot], stages: usize) -> Vec<Role> {
    let mut roles = vec![Role::Outside; stages];
    for (k, sl) in slots.iter().enumerate() {
        for &q in &sl.queue {
            roles[q] = Role::Queue(k);
        }
        for &v in &sl.service {
            roles[v] = Role::Service(k);
        }
    }
    roles
}

/// A visit, or consecutive visits, to one station's service stages.
#[derive(Clone, Copy, Debug)]
pub(super) struct Episode {
    pub(super) station: usize,
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) open: bool,
    /// Who began it (the resource of its first visit), if the log names anyone.
    pub(super) resource: Option<u32>,
}

/// The service episodes of one item, with the station of the visit before each.
pub(super) fn episodes(visits: &[Visit], roles: &[Role], out: &mut Vec<(Episode, Option<usize>)>) {
    out.clear();
    let mut last_station: Option<usize> = None;
    for v in visits {
        let role = roles[v.stage()];
        match role {
            Role::Service(k) => match out.last_mut() {
                Some((e, _))
                    if e.station == k && e.end == v.start_ms() && last_station == Some(k) =>
                {
                    e.end = v.end_ms();
                    e.open = v.is_open();
                }
                _ => out.push((
                    Episode {
                        station: k,
                        start: v.start_ms(),
                        end: v.end_ms(),
                        open: v.is_open(),
                        resource: v.resource_id(),
                    },
                    last_station,
                )),
            },
            Role::Queue(_) | Role::Outside => {}
        }
        last_station = match role {
            Role::Queue(k) | Role::Service(k) => Some(k),
            Role::Outside => last_station,
        };
    }
}

/// The most episodes of one station at once (ends before starts at the same instant: a
/// hand-over is not an overlap), and the busy step function as (change instant, busy
/// after it).
pub(super) fn concurrency(mut events: Vec<(i64, i32)>) -> (u32, Vec<(i64, i32)>) {
    events.sort_unstable();
    let mut steps: Vec<(i64, i32)> = Vec::with_capacity(events.len());
    let (mut now, mut peak) = (0i32, 0i32);
    for (t, d) in events {
        now += d;
        peak = peak.max(now);
        match steps.last_mut() {
            Some(last) if last.0 == t => last.1 = now,
            _ => steps.push((t, now)),
        }
    }
    (peak.max(1) as u32, steps)
}

/// The share of `intervals`' time during which fewer than `servers` were busy.
fn free_share(steps: &[(i64, i32)], servers: u32, intervals: &[(i64, i64)]) -> f64 {
    // F[i]: free time before steps[i].0.
    let mut free_before = Vec::with_capacity(steps.len());
    let mut acc: i64 = 0;
    for (i, &(t, _)) in steps.iter().enumerate() {
        if i > 0 {
            let (pt, pbusy) = steps[i - 1];
            if pbusy < servers as i32 {
                acc = acc.saturating_add(t.saturating_sub(pt));
            }
        }
        free_before.push(acc);
    }
    // Free time before instant x: before the first step everything is free.
    let free_at = |x: i64| -> i64 {
        match steps.partition_point(|s| s.0 <= x) {
            0 => x,
            i => {
                let (t, busy) = steps[i - 1];
                let base = free_before[i - 1] + steps[0].0;
                base + if busy < servers as i32 { x - t } else { 0 }
            }
        }
    };
    let (mut total, mut free) = (0i64, 0i64);
    for &(a, b) in intervals {
        total += b - a;
        free += free_at(b) - free_at(a);
    }
    if total > 0 {
        free as f64 / total as f64
    } else {
        0.0
    }
}

/// The layout from the workflow: wait stages accumulate until the next active stage; wait
/// stages after the last active stage are delays.
pub(super) fn from_workflow(stages: &[Stage]) -> Result<Vec<Slot>> {
    let mut slots: Vec<Slot> = Vec::new();
    let mut pending: Vec<usize> = Vec::new();
    for (i, s) in stages.iter().enumerate() {
        match s.kind {
            StageKind::Wait => pending.push(i),
            StageKind::Active => slots.push(Slot {
                name: s.name.clone(),
                queue: std::mem::take(&mut pending),
                service: vec![i],
                delay: false,
                wait_delay: false,
            }),
            StageKind::Backlog | StageKind::Done => {}
        }
    }
    for w in pending {
        slots.push(Slot {
            name: stages[w].name.clone(),
            queue: Vec::new(),
            service: vec![w],
            delay: true,
            wait_delay: false,
        });
    }
    if slots.is_empty() {
        return Err(Error::InvalidArgument(
            "the workflow has no wait or active stage: there is nothing to model".into(),
        ));
    }
    Ok(slots)
}

/// Which stations' queues mostly waited while a server was free (and release no
/// batches): that waiting is not for capacity. Says so in `notes`.
fn not_for_capacity(
    timelines: &Timelines,
    stages: &[Stage],
    slots: &[Slot],
    notes: &mut Vec<String>,
) -> Vec<bool> {
    let mut split: Vec<bool> = vec![false; slots.len()];
    let roles = roles_of(slots, stages.len());
    let mut sweep: Vec<Vec<(i64, i32)>> = vec![Vec::new(); slots.len()];
    let mut waits: Vec<Vec<(i64, i64)>> = vec![Vec::new(); slots.len()];
    let mut starts: Vec<Vec<f64>> = vec![Vec::new(); slots.len()];
    let mut eps = Vec::new();
    for r in timelines.iter().filter(|r| r.commitment_ms().is_some()) {
        let vs = r.visits();
        episodes(vs, &roles, &mut eps);
        for (e, _) in &eps {
            sweep[e.station].push((e.start, 1));
            sweep[e.station].push((if e.open { i64::MAX } else { e.end }, -1));
            starts[e.station].push(ms_to_days(e.start - timelines.start_ms()));
        }
        for v in vs {
            if let Role::Queue(k) = roles[v.stage()] {
                waits[k].push((v.start_ms(), v.end_ms()));
            }
        }
    }
    for (k, sl) in slots.iter().enumerate() {
        if sl.delay || sl.queue.is_empty() || waits[k].is_empty() {
            continue;
        }
        let servers = match stages[sl.service[0]].servers {
            Some(c) => c,
            None => concurrency(sweep[k].clone()).0,
        };
        let (_, steps) = concurrency(std::mem::take(&mut sweep[k]));
        let share = free_share(&steps, servers, &waits[k]);
        let released = detect_release(&starts[k], 0.0).is_some();
        if share > 0.5 && !released {
            split[k] = true;
            notes.push(format!(
                "{:.0}% of the time items spent in {} passed while a server of {} was free: that waiting is not for capacity, so it is a delay of its own in front of {}",
                share * 100.0,
                sl.queue.iter().map(|&q| stages[q].name.as_str()).collect::<Vec<_>>().join(" and "),
                sl.name,
                sl.name
            ));
        }
    }
    split
}

/// The layout with each queue whose waiting is not for capacity made a delay station of
/// its own in front of its station ([`not_for_capacity`]).
pub(super) fn split_waiting(
    timelines: &Timelines,
    stages: &[Stage],
    slots: Vec<Slot>,
    notes: &mut Vec<String>,
) -> Vec<Slot> {
    let split = not_for_capacity(timelines, stages, &slots, notes);
    if !split.iter().any(|s| *s) {
        return slots;
    }
    let mut out = Vec::with_capacity(slots.len() + 1);
    for (k, sl) in slots.into_iter().enumerate() {
        if split[k] {
            // A simulated log names a station's queue "<station> queue": a delay of that
            // name would collide with it.
            let first = &stages[sl.queue[0]].name;
            let name = if *first == format!("{} queue", sl.name) {
                format!("Waiting for {}", sl.name)
            } else {
                first.clone()
            };
            out.push(Slot {
                name,
                queue: Vec::new(),
                service: sl.queue.clone(),
                delay: true,
                wait_delay: true,
            });
            out.push(Slot {
                queue: Vec::new(),
                ..sl
            });
        } else {
            out.push(sl);
        }
    }
    out
}
