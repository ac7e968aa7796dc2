//! Blocked time over the window: how much of the cycle time items spent blocked, in which
//! stages, and which items are blocked now.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use crate::time::{ms_to_datetime, ms_to_days};
use crate::timeline::{Blocked, Clip, ItemStatus, blocked_overlap_ms};

/// Blocked time over the window, when the log or the workflow can tell it
/// ([`crate::Timelines::tracks_blocked`]).
///
/// # Definitions
///
/// - An item's **blocked time** is the time between its commitment and its done (or the
///   window's end) in which it was blocked: flagged, in a blocked status, or in a blocked
///   stage ([`crate::Blocked`]). Time blocked in the backlog before commitment is left
///   out, as jira-agile-metrics leaves it out of its "Blocked Days".
/// - `done_days`: Σ blocked time of the items done in the window; `share_of_cycle_time`
///   = `done_days` / Σ their cycle times. Flow efficiency counts this time as waiting,
///   even in an active stage.
/// - `stage_days[k]`: the item-days blocked in stage `k` within the window, before
///   commitment too (an item flagged in the backlog shows there).
/// - `now`: the items in progress blocked at the window's end, blocked longest first,
///   each with the stage it is in and since when it has been blocked.
///
/// JSON: `blocked: {items, done_days, share_of_cycle_time, stages[] {stage, days}, now[]
/// {id, stage, since, days}}`, `null` when blocked time is not known.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BlockedTime {
    /// Items of the window blocked at some time between commitment and done (or the
    /// window's end), within the window.
    pub items: u64,
    /// Σ blocked days of the items done in the window.
    pub done_days: f64,
    /// `done_days` / Σ cycle time of the items done; `None` when none was done or every
    /// cycle time was 0.
    pub share_of_cycle_time: Option<f64>,
    /// Item-days blocked in each stage within the window, indexed like the workflow's
    /// stages. JSON: `stages[] {stage, days}`.
    #[serde(rename = "stages", serialize_with = "stages_json")]
    pub stage_days: Vec<(String, f64)>,
    /// Items in progress blocked at the window's end, blocked longest first.
    pub now: Vec<BlockedItem>,
}

/// An item blocked at the window's end.
///
/// JSON: one entry of `blocked.now[]`: `{id, stage, since, days}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct BlockedItem {
    /// The item's id.
    pub id: String,
    /// The stage it is in.
    pub stage: String,
    /// Since when it has been blocked (the start of its blocked interval).
    pub since: DateTime<Utc>,
    /// The window's end − `since`, in days.
    pub days: f64,
}

fn stages_json<S: Serializer>(v: &[(String, f64)], ser: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Row<'a> {
        stage: &'a str,
        days: f64,
    }
    ser.collect_seq(v.iter().map(|(stage, days)| Row { stage, days: *days }))
}

/// Whether `spans` block the item at `end` (ms): an interval holds it, or one still open
/// reaches it.
fn blocked_at(spans: &[Blocked], end: i64) -> Option<i64> {
    spans
        .iter()
        .find(|b| b.start_ms() <= end && (end < b.end_ms() || (b.is_open() && b.end_ms() == end)))
        .map(Blocked::start_ms)
}

/// The blocked time of the window's items; `None` when the timelines cannot tell it.
pub(crate) fn blocked_time(clip: &Clip<'_>) -> Option<BlockedTime> {
    let tl = clip.timelines();
    if !tl.tracks_blocked() {
        return None;
    }
    let stages = tl.workflow().stages();
    let (ws, we) = (clip.start(), clip.end());
    let mut stage_ms = vec![0i64; stages.len()];
    let (mut items, mut done_ms, mut cycle_ms) = (0u64, 0i64, 0i64);
    let mut now: Vec<(i64, BlockedItem)> = Vec::new();
    for s in clip.items() {
        let spans = clip.blocked(s);
        if let Some(cycle) = s.cycle_ms() {
            cycle_ms += cycle;
        }
        if spans.is_empty() {
            continue;
        }
        done_ms += s.cycle_ms().map_or(0, |_| clip.blocked_ms(s));
        for seg in clip.segments(s) {
            let (a, b) = (seg.start().max(ws), seg.end().min(we));
            if b > a {
                stage_ms[seg.stage()] += blocked_overlap_ms(spans, a, b);
            }
        }
        if let Some(c) = s.commitment() {
            let end = s.done().unwrap_or(we);
            if blocked_overlap_ms(spans, c.max(ws), end) > 0 {
                items += 1;
            }
        }
        if s.status() == ItemStatus::InProgress
            && let Some(since) = blocked_at(spans, we)
        {
            now.push((
                since,
                BlockedItem {
                    id: clip.id(s).to_owned(),
                    stage: stages[clip.current_stage(s)].name.clone(),
                    since: ms_to_datetime(since),
                    days: ms_to_days(we - since),
                },
            ));
        }
    }
    now.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    Some(BlockedTime {
        items,
        done_days: ms_to_days(done_ms),
        share_of_cycle_time: (cycle_ms > 0).then(|| done_ms as f64 / cycle_ms as f64),
        stage_days: stages
            .iter()
            .zip(&stage_ms)
            .map(|(st, &ms)| (st.name.clone(), ms_to_days(ms)))
            .collect(),
        now: now.into_iter().map(|(_, b)| b).collect(),
    })
}
