//! Per-item stage visits derived from an event log and a workflow: the home of every
//! per-item instant and duration (arrival, commitment, done, lead and cycle time, time in
//! stage), and of the clipping of a window.
//!
//! - `rules`: each definition in one function;
//! - `derive`: the timelines of a log;
//! - `clip`: the timelines seen through a window `[since, until]`, as metrics measure them.

mod blocked;
mod clip;
mod derive;
mod rules;

pub use blocked::Blocked;
pub(crate) use blocked::overlap_ms as blocked_overlap_ms;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub(crate) use clip::{Clip, ClippedItem, attribute_filters, attribute_index};

use crate::error::Result;
use crate::log::{Attributes, DataQuality, EventLog, Names};
use crate::time::{ms_to_datetime, ms_to_days};
use crate::workflow::{StageKind, Workflow};

/// How timelines are derived from a log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimelineOptions {
    as_of: Option<DateTime<Utc>>,
    drop_unmapped: bool,
    done_is_final: bool,
}

impl TimelineOptions {
    /// The defaults: observe until the latest instant in the log; unmapped statuses are an
    /// error.
    pub fn new() -> TimelineOptions {
        TimelineOptions::default()
    }

    /// The end of observation. Events after it are left out (and counted in the ledger);
    /// visits still open are open until it.
    pub fn as_of(mut self, as_of: DateTime<Utc>) -> Self {
        self.as_of = Some(as_of);
        self
    }

    /// Drops the events of statuses no stage maps (counted in the ledger) instead of
    /// failing.
    pub fn drop_unmapped(mut self, drop: bool) -> Self {
        self.drop_unmapped = drop;
        self
    }

    /// Makes an item's first entry into a done stage final: its later events keep it in
    /// that done visit (counted in the ledger as [`WarningKind::EventsAfterDone`]) instead
    /// of reopening it. Off by default: a reopened item is in progress again.
    ///
    /// For logs that record bookkeeping after the decision that ends an item: in BPI
    /// Challenge 2012 the application is declined, cancelled or approved a few seconds
    /// before the work item in which that happened is closed (`COMPLETE`), so without this
    /// nearly every application would end in a wait stage, never done.
    ///
    /// [`WarningKind::EventsAfterDone`]: crate::WarningKind::EventsAfterDone
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{LogReader, StageKind, TimelineOptions, Timelines, Workflow};
    ///
    /// let csv = "\
    /// id,state,timestamp
    /// A,Work,2024-03-04
    /// A,Declined,2024-03-06
    /// A,Work done,2024-03-06T00:00:09Z
    /// ";
    /// let log = LogReader::builder().build().read(csv.as_bytes())?;
    /// let wf = Workflow::builder()
    ///     .stage_with_states("Waiting", StageKind::Wait, ["Work done"])
    ///     .stage("Work", StageKind::Active)
    ///     .stage("Declined", StageKind::Done)
    ///     .build()?;
    /// let reopened = Timelines::new(&log, &wf)?;
    /// assert_eq!(reopened.get("A").unwrap().cycle_time_days(), None);
    /// let options = TimelineOptions::new().done_is_final(true);
    /// let decided = Timelines::with_options(&log, &wf, &options)?;
    /// assert_eq!(decided.get("A").unwrap().cycle_time_days(), Some(2.0));
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    pub fn done_is_final(mut self, done_is_final: bool) -> Self {
        self.done_is_final = done_is_final;
        self
    }
}

/// An interval an item spent in one stage.
///
/// Consecutive events in the same stage are one visit. The last visit of an item that is
/// not done is open until `as_of`. Visits from the moment an item is done are closed and
/// of zero length: a time after done is never counted.
///
/// A visit knows who began it: the resource of its first event, when the log keeps
/// resources ([`ItemTimeline::resource`]). It fits in the padding of the other fields, so
/// a visit is 24 bytes with or without resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visit {
    start: i64,
    end: i64,
    /// The resource of the event that began it (`NO_RESOURCE`: none named or kept).
    resource: u32,
    stage: u16,
    open: bool,
}

/// The resource of a visit that names no one.
pub(crate) const NO_RESOURCE: u32 = u32::MAX;

impl Visit {
    /// When the item entered the stage, in ms since the epoch.
    #[inline]
    pub(crate) fn start_ms(&self) -> i64 {
        self.start
    }

    /// When it left (or `as_of`), in ms since the epoch.
    #[inline]
    pub(crate) fn end_ms(&self) -> i64 {
        self.end
    }

    /// The index of the stage in the workflow.
    pub fn stage(&self) -> usize {
        usize::from(self.stage)
    }

    /// When the item entered the stage.
    pub fn start(&self) -> DateTime<Utc> {
        ms_to_datetime(self.start)
    }

    /// When it left (or `as_of` for an open visit).
    pub fn end(&self) -> DateTime<Utc> {
        ms_to_datetime(self.end)
    }

    /// The length of the visit in days.
    pub fn days(&self) -> f64 {
        ms_to_days(self.end - self.start)
    }

    /// Whether the item is still in the stage at `as_of`.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// The id of the resource that began it (an index of [`Timelines`]' resources), if
    /// any.
    #[inline]
    pub(crate) fn resource_id(&self) -> Option<u32> {
        (self.resource != NO_RESOURCE).then_some(self.resource)
    }
}

/// Where an item stands at the end of observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Not committed: still in a backlog stage.
    NotStarted,
    /// Committed and not done: work in progress.
    InProgress,
    /// Committed and done.
    Done,
    /// Done without ever being committed: in no time metric.
    Discarded,
}

/// One item of the timelines: where its visits are, and its instants (ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ItemRec {
    /// The item's index in the log.
    item: u32,
    first_visit: u32,
    visits: u32,
    backward_moves: u32,
    arrival: i64,
    commitment: Option<i64>,
    done: Option<i64>,
    /// Where its blocked intervals are (in [`Timelines`]' `blocked`), and how many.
    first_blocked: u32,
    blocked: u32,
    /// The status of its last event used (an index of the timelines' `state_names`), or
    /// `NO_STATE` when not known.
    last_state: u32,
}

/// The `last_state` of an item whose last status is not known.
pub(crate) const NO_STATE: u32 = u32::MAX;

/// The stage visits of every item of a log, under a workflow, observed until `as_of`.
///
/// # Definitions
///
/// - An item's events are ordered by time; ties keep input order. Consecutive events in the
///   same stage merge into one [`Visit`].
/// - **Arrival** is the item's first event. **Commitment** is its first entry into the
///   commitment stage or any later stage that is not done. **Done** is the start of the
///   item's trailing run of visits in done stages (with one done stage: the start of its
///   last visit, if that visit is done). A reopened item is in progress again.
/// - An item done without commitment is **discarded**: counted, in no time metric.
/// - The window of observation is `[start, as_of]`, `start` being the earliest event used.
///
/// # Examples
///
/// ```
/// use valuestream::{ItemStatus, LogReader, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,To Do,2024-03-01\nA,Dev,2024-03-04\nA,Test,2024-03-06\nA,Done,2024-03-07\n\
///            B,Dev,2024-03-05\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::from_toml_str(r#"
///     [[stage]]
///     name = "Backlog"
///     kind = "backlog"
///     states = ["To Do"]
///     [[stage]]
///     name = "Dev"
///     kind = "active"
///     [[stage]]
///     name = "Test"
///     kind = "active"
///     [[stage]]
///     name = "Done"
///     kind = "done"
/// "#)?;
/// let tl = Timelines::new(&log, &wf)?;
/// let a = tl.get("A").unwrap();
/// assert_eq!(a.status(), ItemStatus::Done);
/// assert_eq!(a.visits().len(), 4);
/// assert_eq!(a.visits()[1].days(), 2.0); // Dev, 4 to 6 March
/// let b = tl.get("B").unwrap();
/// assert!(b.visits()[0].is_open());     // open until as_of, 7 March
/// assert_eq!(b.visits()[0].days(), 2.0);
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Timelines {
    workflow: Workflow,
    item_names: Arc<Names>,
    /// The log's statuses (for [`ItemTimeline::state`]).
    state_names: Arc<Names>,
    attributes: Arc<Attributes>,
    /// The names of the log's resources, when it keeps them.
    resource_names: Option<Arc<Names>>,
    items: Vec<ItemRec>,
    visits: Vec<Visit>,
    /// Every item's blocked intervals, items in order.
    blocked: Vec<Blocked>,
    /// Whether the log or the workflow can tell blocked time (flags, blocked statuses or
    /// stages).
    tracks_blocked: bool,
    start: i64,
    as_of: i64,
    quality: DataQuality,
}

impl Timelines {
    /// The timelines of `log` under `workflow`, with the default options.
    ///
    /// # Errors
    ///
    /// As [`Timelines::with_options`].
    pub fn new(log: &EventLog, workflow: &Workflow) -> Result<Timelines> {
        Timelines::with_options(log, workflow, &TimelineOptions::default())
    }

    /// The timelines of `log` under `workflow`.
    ///
    /// # Errors
    ///
    /// - [`crate::Error::UnmappedStates`] listing each status no stage maps, with its count and
    ///   first line, unless the options drop them;
    /// - [`crate::Error::Empty`] if no event is left to use (all dropped, or all after `as_of`).
    pub fn with_options(
        log: &EventLog,
        workflow: &Workflow,
        opts: &TimelineOptions,
    ) -> Result<Timelines> {
        derive::derive(log, workflow, opts)
    }

    /// The timelines as they were known at `at` (clamped to `[start, as_of]`): the events up
    /// to `at` only, visits still open at `at` open until it, items that had not arrived
    /// left out. The same as deriving the log again with [`TimelineOptions::as_of`] `at`
    /// (the ledger excepted: it stays the one of the whole reading). The held-out backtest
    /// fits its model on these.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{ItemStatus, LogReader, Timelines, Workflow};
    ///
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/story");
    /// let log = LogReader::builder().build().read_path(format!("{dir}/log.csv"))?;
    /// let tl = Timelines::new(&log, &Workflow::from_path(format!("{dir}/workflow.toml"))?)?;
    /// let split = tl.start() + (tl.as_of() - tl.start()) / 2;
    /// let past = tl.known_at(split);
    /// assert_eq!(past.as_of(), split);
    /// assert!(past.len() < tl.len());
    /// assert!(past.iter().filter(|i| i.status() == ItemStatus::Done).count()
    ///     < tl.iter().filter(|i| i.status() == ItemStatus::Done).count());
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    #[must_use]
    pub fn known_at(&self, at: DateTime<Utc>) -> Timelines {
        let at = crate::time::datetime_to_ms(at).clamp(self.start, self.as_of);
        derive::known_at(self, at)
    }

    /// The items committed at or after `since` and before `until` (`None`: no end), their
    /// visits whole, observed until the same `as_of`; the window starts at `since`. A cohort
    /// of one regime of a log, as [`fit`](crate::fit) takes it from the window check.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{LogReader, Timelines, Workflow};
    ///
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/story");
    /// let log = LogReader::builder().build().read_path(format!("{dir}/log.csv"))?;
    /// let tl = Timelines::new(&log, &Workflow::from_path(format!("{dir}/workflow.toml"))?)?;
    /// let since = tl.start() + (tl.as_of() - tl.start()) / 2;
    /// let late = tl.committed_between(since, None);
    /// assert_eq!((late.start(), late.as_of()), (since, tl.as_of()));
    /// assert!(late.iter().all(|i| i.commitment().is_some_and(|c| c >= since)));
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    #[must_use]
    pub fn committed_between(
        &self,
        since: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Timelines {
        let since = crate::time::datetime_to_ms(since).clamp(self.start, self.as_of);
        let until = until.map_or(i64::MAX, crate::time::datetime_to_ms);
        derive::committed_between(self, since, until)
    }

    /// The items whose attribute `name` is one of `values` (an item without the attribute
    /// counts as having the value `""`), in the same window.
    #[must_use]
    pub(crate) fn with_attribute_in(&self, name: &str, values: &[String]) -> Timelines {
        derive::retain(self, |rec| {
            let v = self
                .attributes
                .position(name)
                .and_then(|a| self.attributes.get(a, rec.item))
                .unwrap_or("");
            values.iter().any(|x| x == v)
        })
    }

    /// The items whose log index ([`ItemTimeline::index`]) `keep` accepts, in the same
    /// window.
    #[must_use]
    pub(crate) fn retain_items(&self, keep: impl Fn(usize) -> bool) -> Timelines {
        derive::retain(self, |rec| keep(rec.item as usize))
    }

    /// The items done by `as_of`, in the same window.
    #[must_use]
    pub(crate) fn done_only(&self) -> Timelines {
        derive::retain(self, |rec| rec.done.is_some())
    }

    /// The workflow the timelines were derived under.
    pub fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    /// The number of items with at least one event used.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in order of first appearance in the log.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = ItemTimeline<'_>> {
        self.items
            .iter()
            .map(move |rec| ItemTimeline { tl: self, rec })
    }

    /// The item with id `id` (a linear search).
    pub fn get(&self, id: &str) -> Option<ItemTimeline<'_>> {
        self.iter().find(|i| i.id() == id)
    }

    /// The end of observation.
    pub fn as_of(&self) -> DateTime<Utc> {
        ms_to_datetime(self.as_of)
    }

    /// The start of observation: the earliest event used.
    pub fn start(&self) -> DateTime<Utc> {
        ms_to_datetime(self.start)
    }

    /// The length of the window `[start, as_of]` in days.
    pub fn window_days(&self) -> f64 {
        ms_to_days(self.as_of - self.start)
    }

    /// The data-quality ledger of the reading and of this derivation.
    pub fn quality(&self) -> &DataQuality {
        &self.quality
    }

    /// The start of observation, in ms since the epoch.
    #[inline]
    pub(crate) fn start_ms(&self) -> i64 {
        self.start
    }

    /// The end of observation, in ms since the epoch.
    #[inline]
    pub(crate) fn as_of_ms(&self) -> i64 {
        self.as_of
    }

    /// Whether the log keeps who did each event
    /// ([`LogReaderBuilder::resource_column`](crate::LogReaderBuilder::resource_column)),
    /// so that visits know who began them.
    pub fn has_resources(&self) -> bool {
        self.resource_names.is_some()
    }

    /// The name of resource `id` (as [`Visit::resource_id`]).
    pub(crate) fn resource_name(&self, id: u32) -> Option<&str> {
        self.resource_names
            .as_ref()
            .and_then(|n| (id < n.len() as u32).then(|| &n[id as usize]))
    }

    /// The item attributes kept from the log.
    pub(crate) fn attributes(&self) -> &Attributes {
        &self.attributes
    }

    /// The id of the log's item `index` (as [`ItemTimeline::index`]).
    pub(crate) fn item_id(&self, index: usize) -> &str {
        &self.item_names[index]
    }

    /// Every visit of every item, items in order.
    pub(crate) fn all_visits(&self) -> &[Visit] {
        &self.visits
    }

    /// Whether blocked time is known: the log has flags ([`EventLog::flags`]), or the
    /// workflow lists blocked statuses or marks a stage blocked
    /// ([`Workflow::marks_blocked`]). Without any, no item is ever blocked, and reports
    /// leave blocked time out rather than show zeros.
    pub fn tracks_blocked(&self) -> bool {
        self.tracks_blocked
    }

    /// The blocked intervals of item record `rec`.
    #[inline]
    fn blocked_of(&self, rec: &ItemRec) -> &[Blocked] {
        let f = rec.first_blocked as usize;
        &self.blocked[f..f + rec.blocked as usize]
    }
}

/// One item's timeline.
#[derive(Clone, Copy, Debug)]
pub struct ItemTimeline<'a> {
    tl: &'a Timelines,
    rec: &'a ItemRec,
}

impl<'a> ItemTimeline<'a> {
    /// The timelines the item belongs to.
    pub(crate) fn timelines(&self) -> &'a Timelines {
        self.tl
    }

    /// The item's id.
    pub fn id(&self) -> &'a str {
        &self.tl.item_names[self.rec.item as usize]
    }

    /// The item's index in the log.
    pub fn index(&self) -> usize {
        self.rec.item as usize
    }

    /// Its stage visits in time order.
    pub fn visits(&self) -> &'a [Visit] {
        let s = self.rec.first_visit as usize;
        &self.tl.visits[s..s + self.rec.visits as usize]
    }

    /// Its first event.
    pub fn arrival(&self) -> DateTime<Utc> {
        ms_to_datetime(self.rec.arrival)
    }

    /// Its first entry into the commitment stage or a later stage that is not done.
    pub fn commitment(&self) -> Option<DateTime<Utc>> {
        self.rec.commitment.map(ms_to_datetime)
    }

    /// When it was done (the start of its trailing run of done visits).
    pub fn done(&self) -> Option<DateTime<Utc>> {
        self.rec.done.map(ms_to_datetime)
    }

    /// Where it stands at `as_of`.
    pub fn status(&self) -> ItemStatus {
        rules::status(self.rec.commitment, self.rec.done)
    }

    /// Its lead time (done − arrival) in days, if it is done (and was committed).
    pub fn lead_time_days(&self) -> Option<f64> {
        rules::lead_ms(self.rec.arrival, self.rec.commitment, self.rec.done).map(ms_to_days)
    }

    /// Its cycle time (done − commitment) in days, if it is done (and was committed).
    pub fn cycle_time_days(&self) -> Option<f64> {
        rules::cycle_ms(self.rec.commitment, self.rec.done).map(ms_to_days)
    }

    /// Its first event, in ms since the epoch.
    #[inline]
    pub(crate) fn arrival_ms(&self) -> i64 {
        self.rec.arrival
    }

    /// Its commitment, in ms since the epoch.
    #[inline]
    pub(crate) fn commitment_ms(&self) -> Option<i64> {
        self.rec.commitment
    }

    /// When it was done, in ms since the epoch.
    #[inline]
    pub(crate) fn done_ms(&self) -> Option<i64> {
        self.rec.done
    }

    /// The tool status of its last event: its status at `as_of` (`None` in timelines cut
    /// by [`Timelines::known_at`] before its last event, whose status within a stage is
    /// not kept).
    pub fn state(&self) -> Option<&'a str> {
        let tl: &'a Timelines = self.tl;
        (self.rec.last_state != NO_STATE).then(|| &tl.state_names[self.rec.last_state as usize])
    }

    /// The intervals in which it was blocked, in time order (see [`Blocked`]): flagged,
    /// in a blocked status or in a blocked stage, from its arrival to its done (or
    /// `as_of`).
    pub fn blocked(&self) -> &'a [Blocked] {
        let tl: &'a Timelines = self.tl;
        tl.blocked_of(self.rec)
    }

    /// **Blocked days**: its blocked time between commitment and done (or `as_of`, if in
    /// progress); 0 before commitment. Time blocked in a backlog before commitment is not
    /// counted (as jira-agile-metrics counts it), nor time after done.
    pub fn blocked_days(&self) -> f64 {
        let Some(c) = self.rec.commitment else {
            return 0.0;
        };
        let end = self.rec.done.unwrap_or(self.tl.as_of);
        ms_to_days(blocked::overlap_ms(self.blocked(), c, end))
    }

    /// How many times it moved back to an earlier stage (not counting reopening).
    pub fn backward_moves(&self) -> u32 {
        self.rec.backward_moves
    }

    /// The stage it is in at `as_of` (its last visit's stage).
    pub fn current_stage(&self) -> usize {
        self.visits().last().map_or(0, Visit::stage)
    }

    /// Who began `visit` (one of this item's [`visits`](ItemTimeline::visits)): the
    /// resource of its first event, when the log keeps resources and that event names one.
    /// Later events of the same visit (a hand-over within a stage) do not change it.
    pub fn resource(&self, visit: &Visit) -> Option<&'a str> {
        let tl: &'a Timelines = self.tl;
        tl.resource_name(visit.resource_id()?)
    }

    /// The value of one of its attributes.
    pub fn attribute(&self, name: &str) -> Option<&'a str> {
        let a = self.tl.attributes.position(name)?;
        self.tl.attributes.get(a, self.rec.item)
    }

    /// Days spent in stage `stage`, over all its visits (rework included): its time in
    /// stage over the whole observation.
    pub fn days_in_stage(&self, stage: usize) -> f64 {
        let stages = self.tl.workflow.stages();
        let kinds: Vec<StageKind> = stages.iter().map(|s| s.kind).collect();
        let visits = self.visits();
        let run = rules::done_run(visits, &kinds);
        let (mut ms, mut entered) = (vec![0i64; stages.len()], vec![None; stages.len()]);
        clip::stage_time(
            clip::Segments::new(visits, run, self.tl.as_of),
            &mut ms,
            &mut entered,
        );
        ms_to_days(ms.get(stage).copied().unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{EventLogBuilder, WarningKind};
    use crate::time::ms_to_datetime;

    /// The same events, grouped by item or interleaved round-robin (each item's events in
    /// the same order, and items first seen in the same order).
    fn logs() -> (EventLog, EventLog) {
        let states = ["Backlog", "Dev", "Queue", "Test", "Done", "Blocked"];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let base = 1_700_000_000_000i64;
        let items: Vec<Vec<(usize, i64)>> = (0..300)
            .map(|_| {
                let k = 1 + (next() % 9) as usize;
                (0..k)
                    .map(|j| {
                        // Now and then an event out of time order.
                        let jitter = if next() % 7 == 0 { -3 } else { 0 };
                        (
                            (next() % 6) as usize,
                            base + (j as i64 + jitter) * 3_600_000,
                        )
                    })
                    .collect()
            })
            .collect();
        // Who did each event: one of seven people, or no one.
        let who = |i: usize, j: usize| {
            let k = (i * 31 + j * 7) % 8;
            (k < 7).then(|| ["Ann", "Bob", "Cid", "Dee", "Eve", "Fay", "Gus"][k])
        };
        let mut grouped = EventLogBuilder::new();
        for (i, evs) in items.iter().enumerate() {
            for (j, &(s, t)) in evs.iter().enumerate() {
                grouped.push_with_resource(
                    &format!("I-{i}"),
                    states[s],
                    ms_to_datetime(t),
                    who(i, j),
                );
            }
        }
        let mut mixed = EventLogBuilder::new();
        for round in 0..9 {
            for (i, evs) in items.iter().enumerate() {
                if let Some(&(s, t)) = evs.get(round) {
                    mixed.push_with_resource(
                        &format!("I-{i}"),
                        states[s],
                        ms_to_datetime(t),
                        who(i, round),
                    );
                }
            }
        }
        (grouped.build(), mixed.build())
    }

    /// The workflow of the states of [`logs`].
    fn workflow() -> Workflow {
        Workflow::from_toml_str(
            r#"
            [[stage]]
            name = "Backlog"
            kind = "backlog"
            [[stage]]
            name = "Dev"
            kind = "active"
            [[stage]]
            name = "Queue"
            kind = "wait"
            [[stage]]
            name = "Test"
            kind = "active"
            [[stage]]
            name = "Done"
            kind = "done"
            "#,
        )
        .unwrap()
    }

    /// The item records without their last status (an index, numbered by the log).
    fn without_state(t: &Timelines) -> Vec<ItemRec> {
        t.items
            .iter()
            .map(|r| ItemRec {
                last_state: NO_STATE,
                ..*r
            })
            .collect()
    }

    #[test]
    fn a_visit_is_24_bytes_with_or_without_resources() {
        assert_eq!(std::mem::size_of::<Visit>(), 24);
    }

    #[test]
    fn timelines_known_at_an_instant_are_the_log_derived_again_up_to_it() {
        let (log, _) = logs();
        let wf = workflow();
        let opts = TimelineOptions::new().drop_unmapped(true);
        let all = Timelines::with_options(&log, &wf, &opts).unwrap();
        // Before any event, on an event's instant, between events, at the end.
        let cuts = [
            all.start + 1,
            all.start + 3 * 3_600_000,
            all.start + 4 * 3_600_000 + 1_234,
            all.as_of - 1,
            all.as_of,
        ];
        for at in cuts {
            let known = all.known_at(ms_to_datetime(at));
            let again = Timelines::with_options(&log, &wf, &opts.clone().as_of(ms_to_datetime(at)))
                .unwrap();
            // The status within a stage is not kept: known at a cut inside an item's last
            // visit, it is unknown; otherwise it is the one derived again.
            for (k, a) in known.iter().zip(again.iter()) {
                assert!(k.state().is_none() || k.state() == a.state(), "{at}");
            }
            assert_eq!(
                without_state(&known),
                without_state(&again),
                "items at {at}"
            );
            assert_eq!(known.visits, again.visits, "visits at {at}");
            assert_eq!((known.start, known.as_of), (again.start, again.as_of));
        }
    }

    #[test]
    fn a_grouped_log_and_an_interleaved_one_give_the_same_timelines() {
        let (grouped, mixed) = logs();
        assert!(grouped.ev_item.windows(2).all(|w| w[0] <= w[1]));
        assert!(!mixed.ev_item.windows(2).all(|w| w[0] <= w[1]));
        let wf = workflow();
        let opts = TimelineOptions::new().drop_unmapped(true);
        let a = Timelines::with_options(&grouped, &wf, &opts).unwrap();
        let b = Timelines::with_options(&mixed, &wf, &opts).unwrap();
        // The statuses are numbered in their order of first appearance: compared by name.
        assert_eq!(without_state(&a), without_state(&b));
        let states = |t: &Timelines| -> Vec<Option<String>> {
            t.iter().map(|i| i.state().map(str::to_owned)).collect()
        };
        assert_eq!(states(&a), states(&b));
        assert_eq!(a.visits, b.visits);
        assert_eq!(a.quality, b.quality);
        // Visits know who began them, whichever the order of the input.
        let named = |t: &Timelines| -> Vec<Option<String>> {
            t.iter()
                .flat_map(|i| {
                    i.visits()
                        .iter()
                        .map(move |v| i.resource(v).map(str::to_owned))
                })
                .collect()
        };
        assert_eq!(named(&a), named(&b));
        assert!(named(&a).iter().any(Option::is_some));
        assert!(named(&a).iter().any(Option::is_none));
        // The sorting path ran in both.
        assert!(a.quality().count(WarningKind::UnsortedInput) > 0);
    }
}
