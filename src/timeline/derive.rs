//! Deriving timelines from an event log and a workflow: statuses mapped to stages, events
//! grouped by item and ordered, consecutive events in one stage merged into visits, each
//! item placed by [`super::rules::instants`], and every event counted in the ledger.

use std::borrow::Cow;
use std::sync::Arc;

use super::blocked::{self, Blocked};
use super::rules::{self, Instants};
use super::{ItemRec, NO_RESOURCE, NO_STATE, TimelineOptions, Timelines, Visit};
use crate::error::{Error, Position, Result, UnmappedState, quoted_short};
use crate::log::quality::WarningTally;
use crate::log::{
    DataQuality, DroppedState, EventLog, MAX_EVENTS_PER_ITEM, SAMPLE_ROWS, WarningKind,
};
use crate::stats::plural;
use crate::time::{datetime_to_ms, ms_to_datetime};
use crate::workflow::{CycleTimePolicy, Stage, StageKind, Workflow};

/// The stage of a status no stage maps.
const UNMAPPED: u16 = u16::MAX;
/// The "stage" of a blocked status ([`Workflow::blocked_states`]): the item stays where it
/// is, blocked.
const BLOCKED: u16 = u16::MAX - 1;

/// The timelines of `log` under `wf` (see [`Timelines::with_options`]).
pub(super) fn derive(log: &EventLog, wf: &Workflow, opts: &TimelineOptions) -> Result<Timelines> {
    if wf.stages().len() >= usize::from(BLOCKED) {
        return Err(Error::workflow(
            None,
            "a workflow may have at most 65,533 stages",
        ));
    }
    let (stage_of, unmapped) = map_states(log, wf, opts)?;
    let as_of = observation_end(log, wf, &stage_of, opts)?;
    let grouped = Grouped::new(log);
    let mut d = Derivation::new(log, wf, &stage_of, as_of);
    d.done_is_final = opts.done_is_final;
    for item in 0..log.items() {
        let events = grouped.item(item);
        if events.state.len() > MAX_EVENTS_PER_ITEM {
            return Err(Error::value(
                Position::file(log.source()),
                format!(
                    "item {} has {} events, more than the {MAX_EVENTS_PER_ITEM} one item may have",
                    quoted_short(log.item_id(item)),
                    events.state.len()
                ),
            ));
        }
        d.item(item, events);
    }
    d.finish(log, wf, unmapped, opts)
}

/// `tl` as known at `at` (ms, within its window): see [`Timelines::known_at`].
pub(super) fn known_at(tl: &Timelines, at: i64) -> Timelines {
    let policy = tl.workflow.cycle_time_policy();
    let kinds: Vec<StageKind> = tl.workflow.stages().iter().map(|s| s.kind).collect();
    let commits: Vec<bool> = (0..kinds.len()).map(|i| tl.workflow.commits(i)).collect();
    let mut items = Vec::with_capacity(tl.items.len());
    let mut visits: Vec<Visit> = Vec::with_capacity(tl.visits.len());
    let mut spans: Vec<Blocked> = Vec::new();
    let mut start = i64::MAX;
    for rec in &tl.items {
        let first = rec.first_visit as usize;
        let own = &tl.visits[first..first + rec.visits as usize];
        let kept = own.partition_point(|v| v.start <= at);
        if kept == 0 {
            continue;
        }
        let first_visit = visits.len();
        for (k, v) in own[..kept].iter().enumerate() {
            // Each visit lasts until the next starts; the last is open until `at`.
            let next = own.get(k + 1).map(|n| n.start).filter(|&s| s <= at);
            visits.push(Visit {
                start: v.start,
                end: next.unwrap_or(at),
                resource: v.resource,
                stage: v.stage,
                open: next.is_none(),
            });
        }
        let kept_visits = &mut visits[first_visit..];
        let instants = rules::instants(kept_visits, &kinds, &commits, policy);
        let done = instants.done(kept_visits);
        for v in &mut kept_visits[instants.done_run..] {
            v.end = v.start;
            v.open = false;
        }
        start = start.min(instants.arrival);
        let first_blocked = spans.len() as u32;
        let n_blocked = blocked::cut(tl.blocked_of(rec), at, done, &mut spans);
        items.push(ItemRec {
            item: rec.item,
            first_visit: first_visit as u32,
            visits: kept as u32,
            backward_moves: rules::backward_moves(kept_visits, &kinds),
            arrival: instants.arrival,
            commitment: instants.commitment,
            done,
            first_blocked,
            blocked: n_blocked,
            // The status at the cut is known only if every visit and the last one whole.
            last_state: if kept == own.len() && own[kept - 1].end <= at {
                rec.last_state
            } else {
                NO_STATE
            },
        });
    }
    Timelines {
        workflow: tl.workflow.clone(),
        item_names: Arc::clone(&tl.item_names),
        state_names: Arc::clone(&tl.state_names),
        attributes: Arc::clone(&tl.attributes),
        resource_names: tl.resource_names.clone(),
        items,
        visits,
        blocked: spans,
        tracks_blocked: tl.tracks_blocked,
        start: start.min(at),
        as_of: at,
        quality: tl.quality.clone(),
    }
}

/// The items of `tl` committed in `[since, until)` (ms), with the window starting at
/// `since` and observation still ending at `tl.as_of`: a cohort, for fitting a model to one
/// regime of a log.
pub(super) fn committed_between(tl: &Timelines, since: i64, until: i64) -> Timelines {
    let mut t = retain(tl, |rec| {
        rec.commitment.is_some_and(|c| since <= c && c < until)
    });
    t.start = since.max(tl.start);
    t
}

/// The items of `tl` that `keep` keeps, with their visits; the same window.
pub(super) fn retain(tl: &Timelines, keep: impl Fn(&ItemRec) -> bool) -> Timelines {
    let mut items = Vec::new();
    let mut visits: Vec<Visit> = Vec::new();
    let mut spans: Vec<Blocked> = Vec::new();
    for rec in &tl.items {
        if !keep(rec) {
            continue;
        }
        let first = rec.first_visit as usize;
        let first_visit = visits.len();
        visits.extend_from_slice(&tl.visits[first..first + rec.visits as usize]);
        let first_blocked = spans.len() as u32;
        spans.extend_from_slice(tl.blocked_of(rec));
        items.push(ItemRec {
            first_visit: first_visit as u32,
            first_blocked,
            ..*rec
        });
    }
    Timelines {
        workflow: tl.workflow.clone(),
        item_names: Arc::clone(&tl.item_names),
        state_names: Arc::clone(&tl.state_names),
        attributes: Arc::clone(&tl.attributes),
        resource_names: tl.resource_names.clone(),
        items,
        visits,
        blocked: spans,
        tracks_blocked: tl.tracks_blocked,
        start: tl.start,
        as_of: tl.as_of,
        quality: tl.quality.clone(),
    }
}

/// Status → stage (`UNMAPPED` for none), and the statuses no stage maps, in order of their
/// first line; an error naming them unless the options drop them.
fn map_states(
    log: &EventLog,
    wf: &Workflow,
    opts: &TimelineOptions,
) -> Result<(Vec<u16>, Vec<UnmappedState>)> {
    let stage_of: Vec<u16> = log
        .state_names
        .iter()
        .map(|s| match wf.stage_of_state(s) {
            Some(i) => i as u16,
            None if wf.is_blocked_state(s) => BLOCKED,
            None => UNMAPPED,
        })
        .collect();
    let meta = &log.state_meta;
    let mut unmapped: Vec<UnmappedState> = stage_of
        .iter()
        .enumerate()
        .filter(|&(s, &st)| st == UNMAPPED && meta[s].count > 0)
        .map(|(s, _)| UnmappedState {
            state: log.state_names[s].to_string(),
            count: meta[s].count,
            first_line: meta[s].first_line,
        })
        .collect();
    unmapped.sort_by_key(|u| u.first_line);
    if !unmapped.is_empty() && !opts.drop_unmapped {
        return Err(Error::unmapped_states(
            log.source.as_deref(),
            log.state_column.as_deref(),
            unmapped,
            other_state_column(log, wf, &stage_of),
        ));
    }
    Ok((stage_of, unmapped))
}

/// Where else the workflow's states are, when the statuses read do not map: "only 1 of
/// the workflow's 13 states appears in column "status"; column "sub" has 11 of them in its
/// first 10000 rows: try --state sub", naming the column of the log's sample (other than
/// those the states were read from) where the most of the workflow's states appear, if it
/// holds more of them than the statuses read.
fn other_state_column(log: &EventLog, wf: &Workflow, stage_of: &[u16]) -> Option<String> {
    let sample = log.sample.as_deref()?;
    // An XES log's columns are its events' attributes, and its rows its events.
    let (read_from, noun, rows) = match &sample.state_attribute {
        Some(a) => (a.as_str(), "attribute", "events"),
        None => (log.state_column.as_deref()?, "column", "rows"),
    };
    let states: Vec<&str> = wf.stages().iter().flat_map(Stage::mapped_states).collect();
    let own = stage_of
        .iter()
        .zip(&log.state_meta)
        .filter(|&(&st, m)| st != UNMAPPED && m.count > 0)
        .count();
    let mut exclude: Vec<&str> = read_from.split('+').collect();
    exclude.push(read_from);
    let best = sample.best_match(&states, &exclude)?;
    if best.matched <= own {
        return None;
    }
    let here = match own {
        0 => format!(
            "none of the workflow's {} appears in {noun} {}",
            plural(states.len() as u64, "state", "states"),
            quoted_short(read_from)
        ),
        n => format!(
            "only {n} of the workflow's {} {} in {noun} {}",
            plural(states.len() as u64, "state", "states"),
            if n == 1 { "appears" } else { "appear" },
            quoted_short(read_from)
        ),
    };
    let flag = if best
        .column
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'))
    {
        best.column.clone()
    } else {
        format!("{:?}", best.column)
    };
    Some(format!(
        "{here}; {noun} {} has {} of them in its first {SAMPLE_ROWS} {rows}: try --state {flag}",
        quoted_short(&best.column),
        best.matched
    ))
}

/// The end of observation: the option's, or the latest instant of a mapped event.
fn observation_end(
    log: &EventLog,
    wf: &Workflow,
    stage_of: &[u16],
    opts: &TimelineOptions,
) -> Result<i64> {
    let mapped_max = log
        .ev_state
        .iter()
        .zip(&log.ev_time)
        .filter(|&(&s, _)| stage_of[s as usize] != UNMAPPED)
        .map(|(_, &t)| t)
        .max();
    let Some(max_t) = mapped_max else {
        return Err(Error::Empty {
            pos: Box::new(Position::file(log.source())),
            message: format!(
                "none of the {} events has a status that a stage maps; nothing is left to measure{}",
                log.len(),
                other_state_column(log, wf, stage_of).map_or(String::new(), |h| format!("; {h}"))
            ),
        });
    };
    Ok(opts.as_of.map_or(max_t, datetime_to_ms))
}

/// The events' states, times and resources (empty when the log keeps none) in item order
/// (stable: input order within an item).
struct Grouped<'a> {
    offsets: Vec<u32>,
    state: Cow<'a, [u32]>,
    time: Cow<'a, [i64]>,
    resource: Cow<'a, [u32]>,
}

/// One item's events, in input order or sorted: states, times and resources (empty when
/// the log keeps none).
#[derive(Clone, Copy)]
struct Events<'e> {
    state: &'e [u32],
    time: &'e [i64],
    resource: &'e [u32],
}

impl<'e> Events<'e> {
    /// The first `n` events.
    fn first(self, n: usize) -> Events<'e> {
        Events {
            state: &self.state[..n],
            time: &self.time[..n],
            resource: &self.resource[..n.min(self.resource.len())],
        }
    }
}

impl<'a> Grouped<'a> {
    /// A counting sort that copies state and time into item order. Copying rather than
    /// permuting indices makes the pass over items read memory in order. Logs already
    /// grouped by item (as most exports write them) need no copy: item ids are numbered in
    /// order of first appearance, so the log is grouped exactly when its item column never
    /// decreases.
    fn new(log: &'a EventLog) -> Grouped<'a> {
        let (items, states, times) = (&log.ev_item[..], &log.ev_state[..], &log.ev_time[..]);
        let resources = &log.ev_resource[..];
        let n_items = log.items();
        let mut offsets = vec![0u32; n_items + 1];
        for &it in items {
            offsets[it as usize + 1] += 1;
        }
        for i in 0..n_items {
            offsets[i + 1] += offsets[i];
        }
        if items.windows(2).all(|w| w[0] <= w[1]) {
            return Grouped {
                offsets,
                state: Cow::Borrowed(states),
                time: Cow::Borrowed(times),
                resource: Cow::Borrowed(resources),
            };
        }
        let n = log.len();
        let mut g_state = vec![0u32; n];
        let mut g_time = vec![0i64; n];
        let mut g_resource = vec![NO_RESOURCE; resources.len()];
        let mut next = offsets.clone();
        for e in 0..n {
            let slot = &mut next[items[e] as usize];
            let at = *slot as usize;
            g_state[at] = states[e];
            g_time[at] = times[e];
            if let Some(r) = resources.get(e) {
                g_resource[at] = *r;
            }
            *slot += 1;
        }
        Grouped {
            offsets,
            state: Cow::Owned(g_state),
            time: Cow::Owned(g_time),
            resource: Cow::Owned(g_resource),
        }
    }

    /// The events of item `item`, in input order.
    fn item(&self, item: usize) -> Events<'_> {
        let range = self.offsets[item] as usize..self.offsets[item + 1] as usize;
        Events {
            state: &self.state[range.clone()],
            time: &self.time[range.clone()],
            resource: if self.resource.is_empty() {
                &[]
            } else {
                &self.resource[range]
            },
        }
    }
}

/// How an item's consecutive stages differ, counted for the ledger.
#[derive(Default)]
struct Moves {
    duplicates: u64,
    backward: u32,
    skipped: u64,
    reopened: u64,
    after_done: u64,
    /// The status of the last event used (`NO_STATE`: none).
    last_state: u32,
}

/// The state of a derivation: the items and visits so far, and the ledger's counts.
struct Derivation<'a> {
    log: &'a EventLog,
    stage_of: &'a [u16],
    kinds: Vec<StageKind>,
    commits: Vec<bool>,
    /// `work_span[s]` = the number of wait and active stages before `s` and up to `s`
    /// inclusive (to count skipped stages in O(1): a forward move from `c` to `n` skips
    /// one when `work_span[n].0 > work_span[c].1`).
    work_span: Vec<(u32, u32)>,
    as_of: i64,
    /// Whether an item's first entry into a done stage is final
    /// ([`TimelineOptions::done_is_final`]).
    done_is_final: bool,
    tally: WarningTally,
    items: Vec<ItemRec>,
    visits: Vec<Visit>,
    /// Every item's flags (time, set) by item: item `i`'s are
    /// `flags[flag_at[i]..flag_at[i + 1]]`, in time order (ties in the order read); both
    /// empty when the log has no flags.
    flags: Vec<(i64, bool)>,
    flag_at: Vec<u32>,
    /// Which stages block an item (`blocked = true`), and whether any does.
    blocking: Vec<bool>,
    any_blocking: bool,
    /// Whether some status of the log is one of the workflow's blocked statuses.
    blocked_states: bool,
    /// When cycle time starts.
    policy: CycleTimePolicy,
    /// The blocked intervals so far, and the raw ones of the item being derived.
    blocked: Vec<Blocked>,
    raw_blocked: Vec<(i64, i64)>,
    used: u64,
    after_as_of: u64,
    start: i64,
    /// Scratch buffers for an item whose events are out of time order.
    sorted_state: Vec<u32>,
    sorted_time: Vec<i64>,
    sorted_resource: Vec<u32>,
}

impl<'a> Derivation<'a> {
    fn new(log: &'a EventLog, wf: &Workflow, stage_of: &'a [u16], as_of: i64) -> Self {
        let (flags, flag_at) = flags_by_item(log);
        let kinds: Vec<StageKind> = wf.stages().iter().map(|s| s.kind).collect();
        let commits: Vec<bool> = (0..kinds.len()).map(|i| wf.commits(i)).collect();
        let mut before = 0u32;
        let work_span = kinds
            .iter()
            .map(|k| {
                let up_to = before + u32::from(matches!(k, StageKind::Wait | StageKind::Active));
                let span = (before, up_to);
                before = up_to;
                span
            })
            .collect();
        Derivation {
            log,
            stage_of,
            kinds,
            commits,
            work_span,
            as_of,
            done_is_final: false,
            tally: WarningTally::default(),
            items: Vec::with_capacity(log.items()),
            // At most one visit an event: reserved once, never copied as it grows (pages
            // that are never written are never faulted in).
            visits: Vec::with_capacity(log.len()),
            flags,
            flag_at,
            blocking: wf.stages().iter().map(|s| s.blocked).collect(),
            any_blocking: wf.stages().iter().any(|s| s.blocked),
            blocked_states: stage_of.contains(&BLOCKED),
            policy: wf.cycle_time_policy(),
            blocked: Vec::new(),
            raw_blocked: Vec::new(),
            used: 0,
            after_as_of: 0,
            start: i64::MAX,
            sorted_state: Vec::new(),
            sorted_time: Vec::new(),
            sorted_resource: Vec::new(),
        }
    }

    /// Derives the visits of item `item` from its events (in input order) and places it.
    fn item(&mut self, item: usize, events: Events<'_>) {
        self.raw_blocked.clear();
        let name = self.log.item_id(item);
        let time = events.time;
        let unsorted = time.windows(2).filter(|w| w[1] < w[0]).count() as u64;
        let mut sorted_state = std::mem::take(&mut self.sorted_state);
        let mut sorted_time = std::mem::take(&mut self.sorted_time);
        let mut sorted_resource = std::mem::take(&mut self.sorted_resource);
        let events = if unsorted > 0 {
            // Stable: ties keep input order.
            let mut order: Vec<usize> = (0..time.len()).collect();
            order.sort_by_key(|&k| time[k]);
            sorted_state.clear();
            sorted_time.clear();
            sorted_resource.clear();
            sorted_state.extend(order.iter().map(|&k| events.state[k]));
            sorted_time.extend(order.iter().map(|&k| time[k]));
            if !events.resource.is_empty() {
                sorted_resource.extend(order.iter().map(|&k| events.resource[k]));
            }
            self.tally
                .add(WarningKind::UnsortedInput, item as u32, name, unsorted);
            Events {
                state: &sorted_state[..],
                time: &sorted_time[..],
                resource: &sorted_resource[..],
            }
        } else {
            events
        };
        let first_visit = self.visits.len();
        let (events, kept_done) = if self.done_is_final {
            self.until_done(events)
        } else {
            (events, 0)
        };
        let mut moves = self.merge_visits(events);
        moves.after_done += kept_done;
        self.sorted_state = sorted_state;
        self.sorted_time = sorted_time;
        self.sorted_resource = sorted_resource;
        self.place(item, first_visit, &moves);
    }

    /// With `done_is_final`: the events up to the item's first one in a done stage (within
    /// the observation), and how many of the later ones stay in its done visit (used, and
    /// counted as events after done; those after `as_of` are counted as such).
    fn until_done<'s>(&mut self, events: Events<'s>) -> (Events<'s>, u64) {
        let (state, time) = (events.state, events.time);
        let (stage_of, kinds, as_of) = (self.stage_of, &self.kinds, self.as_of);
        let is_done = |st: u32| {
            let s = stage_of[st as usize];
            kinds.get(usize::from(s)) == Some(&StageKind::Done)
        };
        let Some(first) = (0..state.len()).find(|&k| time[k] <= as_of && is_done(state[k])) else {
            return (events, 0);
        };
        let (mut kept, mut after_as_of) = (0u64, 0u64);
        for (&st, &t) in state[first + 1..].iter().zip(&time[first + 1..]) {
            if stage_of[st as usize] == UNMAPPED {
                continue;
            }
            if t > as_of {
                after_as_of += 1;
            } else {
                kept += 1;
            }
        }
        self.used += kept;
        self.after_as_of += after_as_of;
        (events.first(first + 1), kept)
    }

    /// Merges consecutive events in one stage into visits (appended to `self.visits`, each
    /// open until the next or `as_of`), and counts the moves between them.
    fn merge_visits(&mut self, events: Events<'_>) -> Moves {
        // Logs without blocked statuses take a loop without their test.
        if self.blocked_states {
            self.merge_visits_with::<true>(events)
        } else {
            self.merge_visits_with::<false>(events)
        }
    }

    /// [`Derivation::merge_visits`], the test of blocked statuses in the loop only when
    /// `BLOCKED_STATES`.
    fn merge_visits_with<const BLOCKED_STATES: bool>(&mut self, events: Events<'_>) -> Moves {
        let (state, time, resource) = (events.state, events.time, events.resource);
        // The fields in locals: the hot loop then keeps its counters in registers rather
        // than storing them through `self` at every event (a push may reallocate `visits`).
        let (stage_of, as_of) = (self.stage_of, self.as_of);
        let (kinds, visits) = (&self.kinds, &mut self.visits);
        let work_span = &self.work_span[..];
        let (mut used, mut after_as_of) = (0u64, 0u64);
        let mut moves = Moves::default();
        let raw_blocked = &mut self.raw_blocked;
        let mut cur: u16 = UNMAPPED;
        // Since when the item has been in a blocked status, if it is.
        let mut blocked_since: Option<i64> = None;
        let (mut prev_state, mut prev_t) = (u32::MAX, i64::MIN);
        for (k, (&st, &t)) in state.iter().zip(time).enumerate() {
            let mut s = stage_of[st as usize];
            if s == UNMAPPED {
                continue;
            }
            if t > as_of {
                after_as_of += 1;
                continue;
            }
            if BLOCKED_STATES && s == BLOCKED {
                // The item stays where it is (an item that begins blocked is in the first
                // stage), blocked until its next status change.
                blocked_since.get_or_insert(t);
                if cur != UNMAPPED {
                    used += 1;
                    continue;
                }
                s = 0;
            } else if BLOCKED_STATES && let Some(since) = blocked_since.take() {
                raw_blocked.push((since, t));
            }
            used += 1;
            let is_dup = st == prev_state && t == prev_t;
            moves.duplicates += u64::from(is_dup);
            (prev_state, prev_t) = (st, t);
            if s == cur {
                if kinds[s as usize] == StageKind::Done && !is_dup {
                    moves.after_done += 1;
                }
                continue;
            }
            if cur != UNMAPPED {
                count_move(
                    kinds,
                    work_span,
                    usize::from(cur),
                    usize::from(s),
                    &mut moves,
                );
                if let Some(last) = visits.last_mut() {
                    last.end = t;
                    last.open = false;
                }
            }
            visits.push(Visit {
                start: t,
                end: as_of,
                resource: resource.get(k).copied().unwrap_or(NO_RESOURCE),
                stage: s,
                open: true,
            });
            cur = s;
        }
        if let Some(since) = blocked_since {
            raw_blocked.push((since, as_of));
        }
        // The status of the last event used (found from the end: usually the last event).
        moves.last_state = state
            .iter()
            .zip(time)
            .rev()
            .find(|&(&st, &t)| stage_of[st as usize] != UNMAPPED && t <= as_of)
            .map_or(NO_STATE, |(&st, _)| st);
        self.used += used;
        self.after_as_of += after_as_of;
        moves
    }

    /// Places the item whose visits start at `first_visit`: its instants, its trailing done
    /// visits closed at their start (a time after done is never counted), its warnings.
    fn place(&mut self, item: usize, first_visit: usize, moves: &Moves) {
        let name = self.log.item_id(item);
        let id = item as u32;
        let own = &mut self.visits[first_visit..];
        if own.is_empty() {
            self.tally.add(WarningKind::ItemsWithoutEvents, id, name, 1);
            return;
        }
        let instants = rules::instants(own, &self.kinds, &self.commits, self.policy);
        let Instants {
            arrival,
            commitment,
            done_run,
        } = instants;
        let done = instants.done(own);
        for v in &mut own[done_run..] {
            v.end = v.start;
            v.open = false;
        }
        let (first_blocked, n_blocked) = self.blocked_intervals(item, first_visit, arrival, done);
        let own = &self.visits[first_visit..];
        let backward = moves.backward;
        debug_assert_eq!(backward, rules::backward_moves(own, &self.kinds));
        let nv = own.len();
        let t = &mut self.tally;
        t.add(WarningKind::DuplicateEvents, id, name, moves.duplicates);
        t.add(WarningKind::BackwardMoves, id, name, u64::from(backward));
        t.add(WarningKind::SkippedStages, id, name, moves.skipped);
        t.add(WarningKind::Reopened, id, name, moves.reopened);
        t.add(WarningKind::EventsAfterDone, id, name, moves.after_done);
        if done.is_some() && commitment.is_none() {
            t.add(WarningKind::DoneWithoutCommitment, id, name, 1);
        }
        self.start = self.start.min(arrival);
        self.items.push(ItemRec {
            item: id,
            first_visit: first_visit as u32,
            visits: nv as u32,
            backward_moves: backward,
            arrival,
            commitment,
            done,
            first_blocked,
            blocked: n_blocked,
            last_state: moves.last_state,
        });
    }

    /// The blocked intervals of item `item` (whose visits start at `first_visit`), from
    /// its flags, its blocked statuses (already in `raw_blocked`) and its visits to blocked
    /// stages, cut to `[arrival, done or as_of]`: where they start in `blocked`, and how
    /// many.
    fn blocked_intervals(
        &mut self,
        item: usize,
        first_visit: usize,
        arrival: i64,
        done: Option<i64>,
    ) -> (u32, u32) {
        let first = self.blocked.len() as u32;
        let flags = match self.flag_at.get(item..=item + 1) {
            Some(&[a, b]) => &self.flags[a as usize..b as usize],
            _ => &[],
        };
        if flags.is_empty() && self.raw_blocked.is_empty() && !self.any_blocking {
            return (first, 0);
        }
        let mut raw = std::mem::take(&mut self.raw_blocked);
        if !flags.is_empty() {
            blocked::flag_intervals(flags, self.as_of, &mut raw);
        }
        if self.any_blocking {
            raw.extend(
                self.visits[first_visit..]
                    .iter()
                    .filter(|v| self.blocking[usize::from(v.stage)])
                    .map(|v| (v.start, v.end)),
            );
        }
        let n = if raw.is_empty() {
            0
        } else {
            let to = done.unwrap_or(self.as_of);
            blocked::union_within(&mut raw, arrival, to, done.is_none(), &mut self.blocked)
        };
        raw.clear();
        self.raw_blocked = raw;
        (first, n)
    }

    /// The timelines, with the ledger of the reading and of this derivation.
    fn finish(
        mut self,
        log: &EventLog,
        wf: &Workflow,
        unmapped: Vec<UnmappedState>,
        opts: &TimelineOptions,
    ) -> Result<Timelines> {
        if self.items.is_empty() {
            return Err(Error::Empty {
                pos: Box::new(Position::file(log.source())),
                message: format!(
                    "every event is after the observation end {}",
                    ms_to_datetime(self.as_of)
                ),
            });
        }
        self.tally
            .add_count(WarningKind::AfterAsOf, self.after_as_of);
        let dropped: Vec<DroppedState> = if opts.drop_unmapped {
            unmapped
                .into_iter()
                .map(|u| DroppedState {
                    state: u.state,
                    count: u.count,
                    first_line: u.first_line,
                })
                .collect()
        } else {
            Vec::new()
        };
        let stats = &log.stats;
        let quality = DataQuality {
            source: log.source.clone(),
            rows: stats.rows,
            events_read: log.len() as u64,
            events: self.used,
            rejected: stats.rejected.clone(),
            dropped,
            items: log.items() as u64,
            warnings: self.tally.finish(stats.warnings.clone()),
            sources: stats.sources.clone(),
        };
        Ok(Timelines {
            workflow: wf.clone(),
            item_names: Arc::clone(&log.item_names),
            state_names: Arc::new(log.state_names.clone()),
            attributes: Arc::clone(&log.attributes),
            resource_names: log.resource_names.clone(),
            items: self.items,
            visits: self.visits,
            blocked: self.blocked,
            tracks_blocked: wf.marks_blocked() || !log.flags.is_empty(),
            start: self.start.min(self.as_of),
            as_of: self.as_of,
            quality,
        })
    }
}

/// The log's flags grouped by item (a counting sort, stable: each item's flags in the
/// order read, then sorted by time, ties keeping that order), with each item's offset.
fn flags_by_item(log: &EventLog) -> (Vec<(i64, bool)>, Vec<u32>) {
    if log.flags.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut at = vec![0u32; log.items() + 1];
    for f in &log.flags {
        at[f.item as usize + 1] += 1;
    }
    for i in 0..log.items() {
        at[i + 1] += at[i];
    }
    let mut out = vec![(0i64, false); log.flags.len()];
    let mut next = at.clone();
    for f in &log.flags {
        let slot = &mut next[f.item as usize];
        out[*slot as usize] = (f.time, f.on);
        *slot += 1;
    }
    for i in 0..log.items() {
        out[at[i] as usize..at[i + 1] as usize].sort_by_key(|f| f.0);
    }
    (out, at)
}

/// Counts a move from stage `c` to stage `n`; `work_span` as in [`Derivation`].
#[inline]
fn count_move(
    kinds: &[StageKind],
    work_span: &[(u32, u32)],
    c: usize,
    n: usize,
    moves: &mut Moves,
) {
    let c_done = kinds[c] == StageKind::Done;
    let n_done = kinds[n] == StageKind::Done;
    if c_done && n_done {
        moves.after_done += 1;
    } else if c_done {
        moves.reopened += 1;
    } else if rules::is_backward(kinds, c, n) {
        moves.backward += 1;
    } else if work_span[n].0 > work_span[c].1 {
        moves.skipped += 1;
    }
}
