//! The definitions of an item's instants and durations, each in one function: arrival,
//! commitment, done, status, lead time, cycle time, backward moves. The derivation of
//! timelines ([`super::derive`]) and the clipping of a window ([`super::clip`]) both call
//! these, so that an item measured over the whole observation and one measured over a
//! window ending after all its events agree exactly.

use super::{ItemStatus, Visit};
use crate::workflow::{BacklogReturn, CycleTimePolicy, Reopen, StageKind};

/// The instants that place an item, from its visits (in time order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Instants {
    /// The first event (ms).
    pub(super) arrival: i64,
    /// The first entry into the commitment stage or a later stage that is not done.
    pub(super) commitment: Option<i64>,
    /// The index (among the visits) of the first visit of the trailing run of visits in
    /// done stages; `visits.len()` if the last visit is not in a done stage.
    pub(super) done_run: usize,
}

impl Instants {
    /// **Done**: the start of the trailing run of done visits (with one done stage, the
    /// start of the last visit if it is done); a reopened item is in progress again.
    pub(super) fn done(&self, visits: &[Visit]) -> Option<i64> {
        visits.get(self.done_run).map(|v| v.start)
    }
}

/// **Arrival** (the item's first event), [`commitment`] and the [`done_run`] of an item
/// with at least one visit.
pub(super) fn instants(
    visits: &[Visit],
    kinds: &[StageKind],
    commits: &[bool],
    policy: CycleTimePolicy,
) -> Instants {
    Instants {
        arrival: visits.first().map_or(i64::MAX, |v| v.start),
        commitment: commitment(visits, kinds, commits, policy),
        done_run: done_run(visits, kinds),
    }
}

/// **Commitment**: the first entry into the commitment stage or any later stage that is
/// not done (`commits[stage]`, from [`crate::Workflow::commits`]); under a
/// [`CycleTimePolicy`] other than the default, the first such entry after the item's last
/// return to a backlog stage (`backlog_return = "restart"`) and after its last reopening
/// (`reopen = "latest"`: after the last done visit before its trailing run of done visits).
#[inline]
pub(super) fn commitment(
    visits: &[Visit],
    kinds: &[StageKind],
    commits: &[bool],
    policy: CycleTimePolicy,
) -> Option<i64> {
    let mut from = 0;
    if !policy.is_default() {
        let restart = policy.backlog_return == BacklogReturn::Restart;
        let latest = policy.reopen == Reopen::Latest;
        let run = done_run(visits, kinds);
        for (i, v) in visits[..run].iter().enumerate() {
            let kind = kinds[usize::from(v.stage)];
            if (restart && kind == StageKind::Backlog) || (latest && kind == StageKind::Done) {
                from = i + 1;
            }
        }
    }
    visits[from..]
        .iter()
        .find(|v| commits[usize::from(v.stage)])
        .map(|v| v.start)
}

/// **Done** is the start of the visit at this index: the first of the trailing run of
/// visits in done stages (`visits.len()` when the last visit is not done).
#[inline]
pub(super) fn done_run(visits: &[Visit], kinds: &[StageKind]) -> usize {
    let mut run = visits.len();
    while run > 0 && kinds[usize::from(visits[run - 1].stage)] == StageKind::Done {
        run -= 1;
    }
    run
}

/// Where an item stands: committed or not, done or not. Done without commitment is
/// **discarded** (counted, in no time metric).
#[inline]
pub(super) fn status(commitment: Option<i64>, done: Option<i64>) -> ItemStatus {
    match (commitment, done) {
        (Some(_), Some(_)) => ItemStatus::Done,
        (None, Some(_)) => ItemStatus::Discarded,
        (Some(_), None) => ItemStatus::InProgress,
        (None, None) => ItemStatus::NotStarted,
    }
}

/// **Lead time** = done − arrival, for committed items that are done (ms).
#[inline]
pub(super) fn lead_ms(arrival: i64, commitment: Option<i64>, done: Option<i64>) -> Option<i64> {
    commitment.and(done).map(|d| d - arrival)
}

/// **Cycle time** = done − commitment, for committed items that are done (ms).
#[inline]
pub(super) fn cycle_ms(commitment: Option<i64>, done: Option<i64>) -> Option<i64> {
    Some(done? - commitment?)
}

/// **Backward moves**: moves from a stage that is not done to one declared earlier
/// (reopening a done item is not one).
pub(super) fn backward_moves(visits: &[Visit], kinds: &[StageKind]) -> u32 {
    visits
        .windows(2)
        .filter(|w| is_backward(kinds, usize::from(w[0].stage), usize::from(w[1].stage)))
        .count() as u32
}

/// Whether a move from stage `from` to stage `to` is a backward move (see
/// [`backward_moves`]; the derivation counts them as it merges visits, with this test).
#[inline]
pub(super) fn is_backward(kinds: &[StageKind], from: usize, to: usize) -> bool {
    to < from && kinds[from] != StageKind::Done
}
