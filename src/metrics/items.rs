//! Per-item measures: lead and cycle time, time per stage, active and waiting time, flow
//! efficiency, rework, age; the item counts and the aging of work in progress.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::stats::{SUMMARY_LEVELS, Sample};
use crate::time::{ms_to_datetime, ms_to_days};
use crate::timeline::{Clip, ClippedItem, ItemStatus};

/// How many items the window holds, by status at its end.
///
/// JSON: `items.{total, done, in_progress, not_started, discarded}`. Always
/// `total = done + in_progress + not_started + discarded`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ItemCounts {
    /// Items that arrived by the end of the window and were not finished before its start.
    pub total: u64,
    /// Committed items done within the window.
    pub done: u64,
    /// Committed items not done at the window's end (the work in progress).
    pub in_progress: u64,
    /// Items still before commitment at the window's end.
    pub not_started: u64,
    /// Items done within the window without ever being committed.
    pub discarded: u64,
}

/// The measures of one item, from its arrival to the end of the window.
///
/// # Definitions
///
/// - **Lead time** = done − arrival; **cycle time** = done − commitment (done items only).
/// - **Age** = end of the window − commitment (items in progress only).
/// - **Time in stage** = the sum of the item's visits to the stage (rework included).
/// - **Active** and **waiting** time: the time in `active` and in `wait` stages between
///   commitment and done (or the window's end), time blocked in an active stage counting
///   as waiting. Time moved back to a backlog stage, or spent done before being reopened,
///   is neither, so `active + waiting ≤ cycle time`.
/// - **Blocked time**: the time between commitment and done (or the window's end) in
///   which the item was blocked (flagged, in a blocked status or a blocked stage: see
///   [`crate::Blocked`]), in any stage.
/// - **Flow efficiency** = active time / cycle time (done items with a cycle time > 0).
/// - **Backward moves**: moves to a stage declared earlier, other than reopening.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ItemMetrics {
    /// The item's id.
    pub id: String,
    /// The item's index in the log (items are numbered in order of first appearance).
    pub index: usize,
    /// Where it stands at the window's end.
    pub status: ItemStatus,
    /// Its first event.
    pub arrival: DateTime<Utc>,
    /// Its commitment, if committed.
    pub commitment: Option<DateTime<Utc>>,
    /// When it was done, if done.
    pub done: Option<DateTime<Utc>>,
    /// Done − arrival, in days.
    pub lead_time_days: Option<f64>,
    /// Done − commitment, in days.
    pub cycle_time_days: Option<f64>,
    /// End of the window − commitment, in days, for items in progress.
    pub age_days: Option<f64>,
    /// Days in each stage of the workflow (indexed like the workflow's stages).
    pub stage_days: Vec<f64>,
    /// When it first entered each stage (indexed like the workflow's stages).
    pub entered: Vec<Option<DateTime<Utc>>>,
    /// Days in active stages between commitment and done (or the window's end), not
    /// blocked.
    pub active_days: f64,
    /// Days in wait stages between commitment and done (or the window's end), and days
    /// blocked in active stages.
    pub wait_days: f64,
    /// Days blocked between commitment and done (or the window's end).
    pub blocked_days: f64,
    /// Active days / cycle time.
    pub flow_efficiency: Option<f64>,
    /// Moves back to an earlier stage.
    pub backward_moves: u32,
    /// The index of the stage it is in at the window's end.
    pub current_stage: usize,
}

/// The measures of one item; `stage_ms` and `entered` are scratch buffers, one entry per
/// stage.
pub(crate) fn item_metrics(
    clip: &Clip<'_>,
    s: &ClippedItem,
    stage_ms: &mut [i64],
    entered: &mut [Option<i64>],
) -> ItemMetrics {
    let d = clip.durations(s, stage_ms, entered);
    let cycle = s.cycle_ms();
    ItemMetrics {
        id: clip.id(s).to_owned(),
        index: clip.index(s),
        status: s.status(),
        arrival: ms_to_datetime(s.arrival()),
        commitment: s.commitment().map(ms_to_datetime),
        done: s.done().map(ms_to_datetime),
        lead_time_days: s.lead_ms().map(ms_to_days),
        cycle_time_days: cycle.map(ms_to_days),
        age_days: s
            .in_progress()
            .then(|| ms_to_days(clip.end() - s.commitment().unwrap_or(clip.end()))),
        stage_days: stage_ms.iter().map(|&m| ms_to_days(m)).collect(),
        entered: entered.iter().map(|t| t.map(ms_to_datetime)).collect(),
        active_days: ms_to_days(d.active_ms),
        wait_days: ms_to_days(d.wait_ms),
        blocked_days: ms_to_days(d.blocked_ms),
        flow_efficiency: cycle.and_then(|c| flow_efficiency(d.active_ms.into(), c.into())),
        backward_moves: s.backward_moves(),
        current_stage: d.current_stage,
    }
}

/// **Flow efficiency** = Σ time in active stages after commitment / Σ cycle time, of one
/// item or summed over the items done; `None` when the cycle time is zero.
pub(crate) fn flow_efficiency(active_ms: i128, cycle_ms: i128) -> Option<f64> {
    (cycle_ms > 0).then(|| active_ms as f64 / cycle_ms as f64)
}

/// What one pass over the items in scope (in the window) yields: the counts, the lead and cycle times, the
/// figures of WIP, flow efficiency and Little's law, and the items in progress.
#[derive(Debug, Default)]
pub(crate) struct ItemPass {
    pub(crate) counts: ItemCounts,
    /// Lead and cycle times (ms) of the items done in the window.
    pub(crate) lead_ms: Vec<u64>,
    pub(crate) cycle_ms: Vec<u64>,
    /// Σ time in active stages after commitment, and Σ cycle time, over done items (only
    /// with `active`).
    pub(crate) active_ms: i128,
    pub(crate) cycle_total_ms: i128,
    /// Σ time committed and not done within the window.
    pub(crate) wip_ms: i128,
    /// Items committed within the window, and before it (carried in).
    pub(crate) commits_in_window: u64,
    pub(crate) carried_in: u64,
    /// Items in progress at the window's end: (index in the window's items, age in ms).
    pub(crate) in_progress: Vec<(u32, i64)>,
}

/// One pass over the items in the window; with `active`, also the active time of done
/// items (which reads their visits).
pub(crate) fn item_pass(clip: &Clip<'_>, active: bool) -> ItemPass {
    let mut p = ItemPass::default();
    let (ws, we) = (clip.start(), clip.end());
    for (k, s) in clip.items().iter().enumerate() {
        let c = &mut p.counts;
        match s.status() {
            ItemStatus::Done => c.done += 1,
            ItemStatus::InProgress => c.in_progress += 1,
            ItemStatus::NotStarted => c.not_started += 1,
            ItemStatus::Discarded => c.discarded += 1,
        }
        let Some(commitment) = s.commitment() else {
            continue;
        };
        if commitment >= ws {
            p.commits_in_window += 1;
        } else {
            p.carried_in += 1;
        }
        let end = s.done().unwrap_or(we);
        let from = commitment.max(ws);
        if end > from {
            p.wip_ms += i128::from(end - from);
        }
        let (Some(lead), Some(cycle)) = (s.lead_ms(), s.cycle_ms()) else {
            p.in_progress.push((k as u32, we - commitment));
            continue;
        };
        p.lead_ms.push(lead.max(0) as u64);
        p.cycle_ms.push(cycle.max(0) as u64);
        p.cycle_total_ms += i128::from(cycle);
        if active {
            p.active_ms += i128::from(clip.active_ms(s));
        }
    }
    p.counts.total = clip.items().len() as u64;
    p
}

/// **Work that may never finish**: the ages (ms since commitment) of the items in progress
/// at the window's end (as [`ItemPass::in_progress`]) that are older than the longest cycle
/// time completed in the window, `cycle_max_days` (than nothing, if none was done).
pub(crate) fn older_than_done(
    in_progress: &[(u32, i64)],
    cycle_max_days: Option<f64>,
) -> impl Iterator<Item = i64> + '_ {
    let limit = cycle_max_days.unwrap_or(0.0);
    in_progress
        .iter()
        .map(|&(_, age)| age)
        .filter(move |&age| ms_to_days(age) > limit)
}

/// An item in progress at the window's end, with its age.
///
/// JSON: one entry of `aging[]`: `{id, stage, age_days, percentile_passed}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AgingItem {
    /// The item's id.
    pub id: String,
    /// The stage it is in.
    pub stage: String,
    /// End of the window − its commitment, in days.
    pub age_days: f64,
    /// The highest of the cycle-time percentiles 50, 70, 85 and 95 (of the items done in
    /// the window) that its age exceeds; `null` if none (or nothing was done).
    pub percentile_passed: Option<f64>,
}

/// The items in progress at the window's end (from [`item_pass`]), oldest first.
pub(crate) fn aging(
    clip: &Clip<'_>,
    in_progress: &[(u32, i64)],
    cycle_times: &Sample,
) -> Vec<AgingItem> {
    let levels: Vec<(f64, f64)> = SUMMARY_LEVELS
        .iter()
        .filter_map(|&l| cycle_times.percentile(l).map(|p| (l, p)))
        .collect();
    let stages = clip.timelines().workflow().stages();
    let mut order: Vec<(u32, i64)> = in_progress.to_vec();
    order.sort_by(|a, b| {
        b.1.cmp(&a.1).then_with(|| {
            let (x, y) = (&clip.items()[a.0 as usize], &clip.items()[b.0 as usize]);
            clip.id(x).cmp(clip.id(y))
        })
    });
    order
        .into_iter()
        .map(|(k, age)| {
            let s = &clip.items()[k as usize];
            let age_days = ms_to_days(age);
            let current = clip.current_stage(s);
            let passed = levels
                .iter()
                .rev()
                .find(|&&(_, p)| age_days > p)
                .map(|&(l, _)| l);
            AgingItem {
                id: clip.id(s).to_owned(),
                stage: stages[current].name.clone(),
                age_days,
                percentile_passed: passed,
            }
        })
        .collect()
}
