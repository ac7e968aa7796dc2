//! The state of a log at the split, as the model's simulation starts from it, and what each
//! replication records of the test period.

use super::super::fit::FittedModel;
use super::super::sim::{Placed, Recorder};
use crate::time::{days_to_ms, ms_to_days};
use crate::timeline::{ItemStatus, ItemTimeline, Timelines};
use crate::workflow::StageKind;

/// Where each stage of the workflow sits in the fitted model: `(station, in service)`, or
/// `None` outside every station (backlog, done, an unmodelled wait).
pub(crate) fn roles(fitted: &FittedModel, timelines: &Timelines) -> Vec<Option<(usize, bool)>> {
    let stages = timelines.workflow().stages();
    stages
        .iter()
        .map(|st| {
            fitted.stations.iter().enumerate().find_map(|(k, f)| {
                if f.stages.contains(&st.name) {
                    Some((k, true))
                } else if f.queue.contains(&st.name) {
                    Some((k, false))
                } else {
                    None
                }
            })
        })
        .collect()
}

/// The station an item in `stage` is placed at: its own, or (outside every station) the
/// first station of a later stage, in its queue; `None` after the last.
fn place_of(roles: &[Option<(usize, bool)>], stage: usize) -> Option<(usize, bool)> {
    roles[stage].or_else(|| {
        roles[stage + 1..]
            .iter()
            .flatten()
            .next()
            .map(|&(k, _)| (k, false))
    })
}

/// The items in progress at the split (`known`: the timelines as known then, whose `as_of`
/// is the split), each placed at its station: in service with the time it has been in that
/// station's service stages, or queued (in the order they joined the queue). Returns the
/// placements and the index (in `known`) of each placed item, in serial order.
pub(crate) fn placements(
    known: &Timelines,
    roles: &[Option<(usize, bool)>],
    class_of: impl Fn(&ItemTimeline<'_>) -> u8,
) -> (Vec<Placed>, Vec<usize>) {
    let split = known.as_of_ms();
    // (station, queued first?, joined, placement, item)
    let mut found: Vec<(usize, bool, i64, Placed, usize)> = Vec::new();
    for (i, item) in known.iter().enumerate() {
        if item.status() != ItemStatus::InProgress {
            continue;
        }
        let Some(c) = item.commitment_ms() else {
            continue;
        };
        let visits = item.visits();
        let Some(last) = visits.last() else { continue };
        let Some((station, in_service)) = place_of(roles, last.stage()) else {
            continue;
        };
        let since = episode_start(&item, roles, station, in_service);
        let served = visits
            .iter()
            .take_while(|v| v.start_ms() < since)
            .filter_map(|v| match roles[v.stage()] {
                Some((k, true)) if k < 64 => Some(1u64 << k),
                _ => None,
            })
            .fold(0, |a, b| a | b);
        found.push((
            station,
            !in_service,
            since,
            Placed {
                station,
                in_service,
                elapsed_days: ms_to_days(split - since),
                born_days: ms_to_days(c - split),
                class: class_of(&item),
                served,
            },
            i,
        ));
    }
    // Station by station: in service first (the longest served first), then the queue in
    // the order it formed.
    found.sort_by_key(|&(station, queued, since, _, i)| (station, queued, since, i));
    found.into_iter().map(|(.., p, i)| (p, i)).unzip()
}

/// When the item's current stay began: the start of the run of its last visits that share
/// its role at `station` (consecutive service stages of one station are one service).
fn episode_start(
    item: &ItemTimeline<'_>,
    roles: &[Option<(usize, bool)>],
    station: usize,
    in_service: bool,
) -> i64 {
    let visits = item.visits();
    let mut start = visits[visits.len() - 1].start_ms();
    for v in visits.iter().rev().skip(1) {
        if roles[v.stage()] == Some((station, in_service)) {
            start = v.start_ms();
        } else {
            break;
        }
    }
    start
}

/// What the log's states are for the model's moves: the stage a queued item is in at each
/// station (its first queue stage, or its service stage when it has none), the stage of
/// its service, and the first done stage.
pub(crate) struct StateMap {
    pub(super) queue: Vec<usize>,
    pub(super) service: Vec<usize>,
    pub(super) done: usize,
    pub(super) commits: Vec<bool>,
}

impl StateMap {
    pub(crate) fn new(fitted: &FittedModel, timelines: &Timelines) -> Option<StateMap> {
        let wf = timelines.workflow();
        let index = |name: &str| wf.stages().iter().position(|s| s.name == name);
        let mut queue = Vec::new();
        let mut service = Vec::new();
        for f in &fitted.stations {
            let s = index(f.stages.first()?)?;
            queue.push(f.queue.first().and_then(|q| index(q)).unwrap_or(s));
            service.push(s);
        }
        let done = wf.stages().iter().position(|s| s.kind == StageKind::Done)?;
        let commits = (0..wf.stages().len()).map(|i| wf.commits(i)).collect();
        Some(StateMap {
            queue,
            service,
            done,
            commits,
        })
    }
}

/// One replication's record of the test period: each item's first committing event and
/// its done instant (ms), and for the first replication its every event.
pub(crate) struct HoldoutRecorder<'a> {
    map: &'a StateMap,
    split: i64,
    pub(super) commitment: Vec<Option<i64>>,
    pub(crate) done: Vec<Option<i64>>,
    /// `(serial, stage, ms)`, when kept.
    pub(super) events: Option<Vec<(u64, usize, i64)>>,
}

impl<'a> HoldoutRecorder<'a> {
    pub(crate) fn new(map: &'a StateMap, split: i64, items: usize, keep: bool) -> Self {
        HoldoutRecorder {
            map,
            split,
            commitment: vec![None; items],
            done: vec![None; items],
            events: keep.then(Vec::new),
        }
    }

    /// Room for item `k` (arrivals drawn by the model are not known in advance).
    fn grow(&mut self, k: usize) {
        if k >= self.done.len() {
            self.commitment.resize(k + 1, None);
            self.done.resize(k + 1, None);
        }
    }

    fn event(&mut self, serial: u64, stage: usize, t: f64) {
        let ms = self.split + days_to_ms(t);
        let k = serial as usize;
        self.grow(k);
        if self.map.commits[stage] && self.commitment[k].is_none() {
            self.commitment[k] = Some(ms);
        }
        if let Some(e) = &mut self.events {
            e.push((serial, stage, ms));
        }
    }
}

impl Recorder for HoldoutRecorder<'_> {
    fn queue(&mut self, serial: u64, station: usize, t: f64) {
        self.event(serial, self.map.queue[station], t);
    }
    fn start(&mut self, serial: u64, station: usize, t: f64) {
        self.event(serial, self.map.service[station], t);
    }
    fn done(&mut self, serial: u64, t: f64) {
        let ms = self.split + days_to_ms(t);
        self.grow(serial as usize);
        self.done[serial as usize] = Some(ms);
        if let Some(e) = &mut self.events {
            e.push((serial, self.map.done, ms));
        }
    }
}
