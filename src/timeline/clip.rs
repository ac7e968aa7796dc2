//! The timelines seen through a window `[since, until]`: the items it keeps, their visits
//! clipped to its end, their instants as the window sees them ([`super::rules`]), and the
//! per-item durations the metrics aggregate.

use chrono::{DateTime, Utc};

use super::blocked::{self, Blocked};
use super::rules;
use super::{ItemStatus, Timelines, Visit};
use crate::error::{Error, Result};
use crate::time::{datetime_to_ms, ms_to_datetime};
use crate::workflow::StageKind;

/// "No instant" in the compact item records.
const NONE: i64 = i64::MAX;

/// One item the window keeps, its visits clipped to the window's end.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClippedItem {
    /// Index in the timelines' items.
    rec: u32,
    /// Index of its first visit in the timelines' visits.
    first: u32,
    /// Its visits that started by the end of the window.
    n: u32,
    /// Index (among its visits) of the first visit of its trailing done run; `n` if none.
    run: u32,
    backward: u32,
    arrival: i64,
    /// `NONE` if not committed by the end of the window.
    commitment: i64,
    /// `NONE` if not done at the end of the window.
    done: i64,
}

impl ClippedItem {
    /// Its arrival (ms).
    #[inline]
    pub(crate) fn arrival(&self) -> i64 {
        self.arrival
    }

    /// Its commitment by the window's end (ms).
    #[inline]
    pub(crate) fn commitment(&self) -> Option<i64> {
        (self.commitment != NONE).then_some(self.commitment)
    }

    /// When it was done, if by the window's end (ms).
    #[inline]
    pub(crate) fn done(&self) -> Option<i64> {
        (self.done != NONE).then_some(self.done)
    }

    /// Where it stands at the window's end.
    #[inline]
    pub(crate) fn status(&self) -> ItemStatus {
        rules::status(self.commitment(), self.done())
    }

    /// Committed and not done at the window's end: work in progress.
    #[inline]
    pub(crate) fn in_progress(&self) -> bool {
        self.commitment != NONE && self.done == NONE
    }

    /// Lead time (ms), if done.
    #[inline]
    pub(crate) fn lead_ms(&self) -> Option<i64> {
        rules::lead_ms(self.arrival, self.commitment(), self.done())
    }

    /// Cycle time (ms), if done.
    #[inline]
    pub(crate) fn cycle_ms(&self) -> Option<i64> {
        rules::cycle_ms(self.commitment(), self.done())
    }

    /// Moves back to an earlier stage among its visits in the window.
    #[inline]
    pub(crate) fn backward_moves(&self) -> u32 {
        self.backward
    }
}

/// A visit as the window sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Segment {
    stage: usize,
    start: i64,
    end: i64,
    open: bool,
}

impl Segment {
    /// The stage's index in the workflow.
    #[inline]
    pub(crate) fn stage(&self) -> usize {
        self.stage
    }

    /// When the item entered the stage (ms).
    #[inline]
    pub(crate) fn start(&self) -> i64 {
        self.start
    }

    /// When it left: the window's end for a visit still open there, the start for a visit
    /// in the trailing done run (a time after done is never counted).
    #[inline]
    pub(crate) fn end(&self) -> i64 {
        self.end
    }

    /// Still in this stage at the window's end (the item's last visit, not done).
    #[inline]
    pub(crate) fn is_open(&self) -> bool {
        self.open
    }
}

/// An item's durations over the window, from [`Clip::durations`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Durations {
    /// Time in active stages after commitment, not blocked (ms).
    pub(crate) active_ms: i64,
    /// Time in wait stages after commitment, and blocked time in active stages (ms).
    pub(crate) wait_ms: i64,
    /// Blocked time after commitment (ms), in any stage.
    pub(crate) blocked_ms: i64,
    /// The stage of its last visit in the window.
    pub(crate) current_stage: usize,
}

/// The timelines seen through a window: the items it keeps and its bounds.
#[derive(Debug)]
pub(crate) struct Clip<'a> {
    tl: &'a Timelines,
    kinds: Vec<StageKind>,
    /// Window start and end (ms).
    start: i64,
    end: i64,
    items: Vec<ClippedItem>,
}

impl<'a> Clip<'a> {
    /// The items of `tl` in the window `[since, until]` (by default the observation's own)
    /// whose attributes have every `(key, value)` of `attributes`.
    ///
    /// `until` works as an earlier `as_of`: events after it are ignored. Items done (or
    /// discarded) before `since` are left out.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the window is empty, an attribute is not kept, or no
    /// item has the attributes asked for.
    pub(crate) fn new(
        tl: &'a Timelines,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        attributes: &[(String, String)],
    ) -> Result<Clip<'a>> {
        let (start, end) = bounds(tl, since, until)?;
        let filters = attribute_filters(tl, attributes)?;
        let kinds: Vec<StageKind> = tl.workflow.stages().iter().map(|s| s.kind).collect();
        let commits: Vec<bool> = (0..kinds.len()).map(|i| tl.workflow.commits(i)).collect();
        let policy = tl.workflow.cycle_time_policy();
        let attrs = &tl.attributes;
        let mut items = Vec::with_capacity(tl.items.len());
        let mut matched = 0usize;
        for (r, rec) in tl.items.iter().enumerate() {
            if !filters
                .iter()
                .all(|&(a, v)| attrs.get(a, rec.item) == Some(v))
            {
                continue;
            }
            matched += 1;
            let first = rec.first_visit as usize;
            let all = &tl.visits[first..first + rec.visits as usize];
            let clipped = all.last().is_some_and(|v| v.start > end);
            let n = if clipped {
                all.partition_point(|v| v.start <= end)
            } else {
                all.len()
            };
            if n == 0 {
                continue;
            }
            let vis = &all[..n];
            // An item whose visits all fall in the window keeps the timelines' instants;
            // one cut by the window's end is placed again by the same rules.
            let run = rules::done_run(vis, &kinds);
            let done = vis.get(run).map_or(NONE, |v| v.start);
            if done < start {
                continue;
            }
            let (commitment, backward) = if clipped {
                (
                    rules::commitment(vis, &kinds, &commits, policy),
                    rules::backward_moves(vis, &kinds),
                )
            } else {
                (rec.commitment, rec.backward_moves)
            };
            items.push(ClippedItem {
                rec: r as u32,
                first: rec.first_visit,
                n: n as u32,
                run: run as u32,
                backward,
                arrival: rec.arrival,
                commitment: commitment.unwrap_or(NONE),
                done,
            });
        }
        if matched == 0 && !filters.is_empty() {
            return Err(no_item_matches(tl, &filters));
        }
        Ok(Clip {
            tl,
            kinds,
            start,
            end,
            items,
        })
    }

    /// The window's items split by their value of attribute `attr` (an index from
    /// [`attribute_index`]): for each value (`None` for items without it), in order of
    /// first appearance, the same window holding only those items, each in the order this
    /// one keeps them. Each part is the clip that the filter `attr = value` gives.
    pub(crate) fn split_by(&self, attr: usize) -> Vec<(Option<&'a str>, Clip<'a>)> {
        self.split_with(attr, |v| v)
    }

    /// The window's items split by `key` of their value of attribute `attr` (`None` for
    /// items without it): for each key, in order of first appearance, the same window
    /// holding only the items whose value has that key, in the order this one keeps them.
    pub(crate) fn split_with<K>(
        &self,
        attr: usize,
        mut key: impl FnMut(Option<&'a str>) -> K,
    ) -> Vec<(K, Clip<'a>)>
    where
        K: Clone + Eq + std::hash::Hash,
    {
        let attrs = &self.tl.attributes;
        let mut index: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
        let mut parts: Vec<(K, Clip<'a>)> = Vec::new();
        for s in &self.items {
            let k = key(attrs.get(attr, self.tl.items[s.rec as usize].item));
            let i = *index.entry(k.clone()).or_insert_with(|| {
                parts.push((k, self.with_items(Vec::new())));
                parts.len() - 1
            });
            parts[i].1.items.push(*s);
        }
        parts
    }

    /// The same window holding only `items` (items of this one).
    pub(crate) fn with_items(&self, items: Vec<ClippedItem>) -> Clip<'a> {
        Clip {
            tl: self.tl,
            kinds: self.kinds.clone(),
            start: self.start,
            end: self.end,
            items,
        }
    }

    /// The value of attribute `attr` of an item (`None` if it has none).
    pub(crate) fn attribute(&self, attr: usize, s: &ClippedItem) -> Option<&'a str> {
        self.tl
            .attributes
            .get(attr, self.tl.items[s.rec as usize].item)
    }

    /// The timelines clipped.
    pub(crate) fn timelines(&self) -> &'a Timelines {
        self.tl
    }

    /// The kind of each stage of the workflow.
    pub(crate) fn kinds(&self) -> &[StageKind] {
        &self.kinds
    }

    /// The window's start (ms).
    #[inline]
    pub(crate) fn start(&self) -> i64 {
        self.start
    }

    /// The window's end (ms).
    #[inline]
    pub(crate) fn end(&self) -> i64 {
        self.end
    }

    /// The window's length in ms.
    #[inline]
    pub(crate) fn span(&self) -> i64 {
        self.end - self.start
    }

    /// The items the window keeps, in order of first appearance in the log.
    #[inline]
    pub(crate) fn items(&self) -> &[ClippedItem] {
        &self.items
    }

    /// The raw visits of an item (those that started by the window's end).
    #[inline]
    pub(crate) fn visits(&self, s: &ClippedItem) -> &'a [Visit] {
        let f = s.first as usize;
        &self.tl.visits[f..f + s.n as usize]
    }

    /// The visits of an item as the window sees them.
    #[inline]
    pub(crate) fn segments(&self, s: &ClippedItem) -> Segments<'a> {
        Segments::new(self.visits(s), s.run as usize, self.end)
    }

    /// The id of an item.
    pub(crate) fn id(&self, s: &ClippedItem) -> &'a str {
        let rec = &self.tl.items[s.rec as usize];
        &self.tl.item_names[rec.item as usize]
    }

    /// The index of an item in the log.
    pub(crate) fn index(&self, s: &ClippedItem) -> usize {
        self.tl.items[s.rec as usize].item as usize
    }

    /// The stage an item is in at the window's end (its last visit's).
    pub(crate) fn current_stage(&self, s: &ClippedItem) -> usize {
        self.visits(s).last().map_or(0, Visit::stage)
    }

    /// An item's **last move** by the window's end: when it entered the stage it is in (the
    /// start of its last visit; a change of status within one stage is no move), or its
    /// arrival if it has no visit.
    pub(crate) fn last_move(&self, s: &ClippedItem) -> i64 {
        self.visits(s).last().map_or(s.arrival, Visit::start_ms)
    }

    /// An item's durations: **time in stage** into `stage_ms` (the sum of its visits to
    /// each stage, rework included), its first entry into each stage into `entered`
    /// (`None` if never), and its active and waiting time after commitment.
    pub(crate) fn durations(
        &self,
        s: &ClippedItem,
        stage_ms: &mut [i64],
        entered: &mut [Option<i64>],
    ) -> Durations {
        let mut out = Durations {
            current_stage: stage_time(self.segments(s), stage_ms, entered).unwrap_or(0),
            ..Durations::default()
        };
        let Some(c) = s.commitment() else {
            return out;
        };
        let blocked = self.blocked(s);
        for seg in self.segments(s) {
            let from = seg.start.max(c);
            let after = (seg.end - from).max(0);
            match self.kinds[seg.stage] {
                StageKind::Active => {
                    // Blocked time in an active stage is waiting.
                    let held = blocked::overlap_ms(blocked, from, seg.end);
                    out.active_ms += after - held;
                    out.wait_ms += held;
                }
                StageKind::Wait => out.wait_ms += after,
                _ => {}
            }
        }
        out.blocked_ms = self.blocked_ms(s);
        out
    }

    /// An item's **active time**: its time in active stages after commitment, less the
    /// time it was blocked there (ms), without per-stage buffers.
    pub(crate) fn active_ms(&self, s: &ClippedItem) -> i64 {
        let Some(c) = s.commitment() else {
            return 0;
        };
        let blocked = self.blocked(s);
        self.segments(s)
            .filter(|g| self.kinds[g.stage] == StageKind::Active)
            .map(|g| {
                let from = g.start.max(c);
                (g.end - from).max(0) - blocked::overlap_ms(blocked, from, g.end)
            })
            .sum()
    }

    /// An item's blocked intervals (they may run past the window's end).
    #[inline]
    pub(crate) fn blocked(&self, s: &ClippedItem) -> &'a [Blocked] {
        let tl: &'a Timelines = self.tl;
        tl.blocked_of(&tl.items[s.rec as usize])
    }

    /// An item's **blocked time** (ms) between its commitment and its done, or the window's
    /// end (as [`crate::ItemTimeline::blocked_days`] over the window).
    pub(crate) fn blocked_ms(&self, s: &ClippedItem) -> i64 {
        let Some(c) = s.commitment() else {
            return 0;
        };
        let end = s.done().unwrap_or(self.end);
        blocked::overlap_ms(self.blocked(s), c, end)
    }
}

/// **Time in stage**: the length of each of an item's segments added to its stage's entry of
/// `stage_ms` (every visit counts, rework included), and its first entry into each stage
/// into `entered`; returns the stage of its last segment.
pub(super) fn stage_time(
    segments: Segments<'_>,
    stage_ms: &mut [i64],
    entered: &mut [Option<i64>],
) -> Option<usize> {
    stage_ms.fill(0);
    entered.fill(None);
    let mut last = None;
    for seg in segments {
        stage_ms[seg.stage] += seg.end - seg.start;
        entered[seg.stage].get_or_insert(seg.start);
        last = Some(seg.stage);
    }
    last
}

/// The window's bounds (ms), checked.
fn bounds(
    tl: &Timelines,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<(i64, i64)> {
    let ws = since.map_or(tl.start, |t| datetime_to_ms(t).max(tl.start));
    let we = until.map_or(tl.as_of, |t| datetime_to_ms(t).min(tl.as_of));
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        return Err(Error::InvalidArgument(format!(
            "the window starts ({s}) after it ends ({u}); give since before until"
        )));
    }
    if ws > we {
        return Err(Error::InvalidArgument(format!(
            "the window [{}, {}] holds no instant of the observation [{}, {}]",
            since.unwrap_or(ms_to_datetime(ws)),
            until.unwrap_or(ms_to_datetime(we)),
            ms_to_datetime(tl.start),
            ms_to_datetime(tl.as_of)
        )));
    }
    Ok((ws, we))
}

/// The attribute filters as (attribute index, value); an error naming the attributes the
/// log keeps when one is not among them.
pub(crate) fn attribute_filters<'o>(
    tl: &Timelines,
    attributes: &'o [(String, String)],
) -> Result<Vec<(usize, &'o str)>> {
    attributes
        .iter()
        .map(|(k, v)| Ok((attribute_index(tl, k, "to filter on")?, v.as_str())))
        .collect()
}

/// The index of the item attribute `name`; an error naming the attributes the log keeps
/// when it is not among them (`purpose` says what it was wanted for: "to filter on").
pub(crate) fn attribute_index(tl: &Timelines, name: &str, purpose: &str) -> Result<usize> {
    let attrs = &tl.attributes;
    attrs.position(name).ok_or_else(|| {
        let kept = if attrs.names.is_empty() {
            "none".to_owned()
        } else {
            attrs
                .names
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Error::InvalidArgument(format!(
            "no item attribute named {name:?} {purpose}; the log keeps {kept} \
             (read the log keeping the column as an attribute)"
        ))
    })
}

/// The error of attribute filters that no item passes: a report of nothing would be a
/// page of blanks, so it says which values the log has instead.
fn no_item_matches(tl: &Timelines, filters: &[(usize, &str)]) -> Error {
    let attrs = &tl.attributes;
    let wanted: Vec<String> = filters
        .iter()
        .map(|&(a, v)| format!("{}={v}", attrs.names[a]))
        .collect();
    let values: Vec<String> = filters
        .iter()
        .map(|&(a, _)| {
            let seen: std::collections::BTreeSet<&str> = tl
                .items
                .iter()
                .filter_map(|rec| attrs.get(a, rec.item))
                .collect();
            let mut list: Vec<String> = seen.iter().take(10).map(|v| format!("{v:?}")).collect();
            if seen.len() > 10 {
                list.push(format!("and {} more", seen.len() - 10));
            }
            if list.is_empty() {
                format!("{} is empty for every item", attrs.names[a])
            } else {
                format!("{} is {}", attrs.names[a], list.join(", "))
            }
        })
        .collect();
    Error::InvalidArgument(format!(
        "none of the {} items in the log has {}: nothing to measure ({})",
        tl.items.len(),
        wanted.join(" and "),
        values.join("; ")
    ))
}

/// Iterator over the clipped visits of one item.
#[derive(Clone, Debug)]
pub(crate) struct Segments<'a> {
    vis: &'a [Visit],
    i: usize,
    run: usize,
    end: i64,
}

impl<'a> Segments<'a> {
    /// The segments of `visits` (an item's, in order, its trailing done run starting at
    /// `run`) seen from a window ending at `end`.
    pub(super) fn new(visits: &'a [Visit], run: usize, end: i64) -> Segments<'a> {
        Segments {
            vis: visits,
            i: 0,
            run,
            end,
        }
    }
}

impl Iterator for Segments<'_> {
    type Item = Segment;

    #[inline]
    fn next(&mut self) -> Option<Segment> {
        let i = self.i;
        let v = self.vis.get(i)?;
        self.i += 1;
        let (end, open) = if i >= self.run {
            (v.start, false)
        } else if let Some(next) = self.vis.get(i + 1) {
            (next.start, false)
        } else {
            (v.end.min(self.end), true)
        };
        Some(Segment {
            stage: usize::from(v.stage),
            start: v.start,
            end,
            open,
        })
    }
}
