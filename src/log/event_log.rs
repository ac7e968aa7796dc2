//! The event log: events stored column-wise, item ids and state names interned, and the
//! builder that takes them one by one.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::intern::{Interner, Names};
use super::quality::{RejectedRow, SourceLedger, Warning};
use super::sample::ColumnSample;
use crate::short_key::ShortKey;
use crate::time::{datetime_to_ms, ms_to_datetime};

/// How often, and first where, a state appears in the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StateMeta {
    pub(crate) count: u64,
    pub(crate) first_line: u64,
}

/// What reading produced besides events: rows read, rows rejected, reader warnings.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ReadStats {
    pub(crate) rows: u64,
    pub(crate) rejected: Vec<RejectedRow>,
    pub(crate) warnings: Vec<Warning>,
    /// When several files were read as one log, each file's part of the ledger.
    pub(crate) sources: Vec<SourceLedger>,
}

/// Item attributes (type, team, …), one value per item and attribute.
#[derive(Clone, Debug, Default)]
pub(crate) struct Attributes {
    pub(crate) names: Vec<String>,
    values: Vec<Interner>,
    /// `per_item[a][i]` is the value id of attribute `a` for item `i`, or `NONE`.
    per_item: Vec<Vec<u32>>,
}

const NONE: u32 = u32::MAX;

impl Attributes {
    fn index_or_insert(&mut self, name: &str) -> usize {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return i;
        }
        self.names.push(name.to_owned());
        self.values.push(Interner::default());
        self.per_item.push(Vec::new());
        self.names.len() - 1
    }

    fn set(&mut self, attr: usize, item: u32, value: &[u8]) -> bool {
        let Some(v) = self.values[attr].intern(value) else {
            return false;
        };
        let col = &mut self.per_item[attr];
        let i = item as usize;
        if col.len() <= i {
            col.resize(i + 1, NONE);
        }
        col[i] = v;
        true
    }

    pub(crate) fn get(&self, attr: usize, item: u32) -> Option<&str> {
        let v = *self.per_item.get(attr)?.get(item as usize)?;
        if v == NONE {
            None
        } else {
            Some(self.values[attr].name(v))
        }
    }

    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Adds the attributes of `other`, whose items are `items[i]` here: values are interned
    /// in `other`'s order and overwrite this one's (the last value wins).
    fn append(&mut self, other: &Attributes, items: &[u32]) {
        for (a, name) in other.names.iter().enumerate() {
            let to = self.index_or_insert(name);
            let values: Vec<u32> = other.values[a]
                .names()
                .iter()
                .map(|v| self.values[to].intern(v.as_bytes()).unwrap_or(NONE))
                .collect();
            let col = &mut self.per_item[to];
            for (i, &v) in other.per_item[a].iter().enumerate() {
                let v = if v == NONE { NONE } else { values[v as usize] };
                if v == NONE {
                    continue;
                }
                let item = items[i] as usize;
                if col.len() <= item {
                    col.resize(item + 1, NONE);
                }
                col[item] = v;
            }
        }
    }
}

/// One event of the log, as returned by [`EventLog::events`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event<'a> {
    /// The item's id.
    pub item: &'a str,
    /// The state the item entered.
    pub state: &'a str,
    /// When it entered it.
    pub time: DateTime<Utc>,
    /// Who did it (the reader's [`resource_column`](crate::LogReaderBuilder::resource_column)),
    /// if the log keeps resources and the event names one.
    pub resource: Option<&'a str>,
}

/// A flag set on an item or cleared (Jira's "Flagged" field, an impediment): the item is
/// blocked from a set until the next clear, whatever its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flag {
    pub(crate) item: u32,
    pub(crate) time: i64,
    /// Set (`true`) or cleared.
    pub(crate) on: bool,
}

/// The resource of every event (who did the work), kept only when a reader is asked for it:
/// names interned, one id per event (`NONE` for an event that names no one).
#[derive(Clone, Debug, Default)]
struct ResourceColumn {
    names: Interner,
    ev: Vec<u32>,
}

/// A validated event log: which item entered which state when.
///
/// Events are stored column-wise (item index, state index, instant) with item ids and state
/// names interned, so an event costs 16 bytes whatever the length of its ids. A log read
/// with a [`resource_column`](crate::LogReaderBuilder::resource_column) also keeps who did
/// each event (4 bytes more per event, names interned); others keep nothing more. Items are
/// numbered `0..items()` in order of first appearance; events keep their input order (the
/// timeline orders each item's events by time, keeping input order for ties).
///
/// Build one with a [`LogReader`](crate::LogReader) from a file or bytes, or event by event
/// with [`EventLogBuilder`].
///
/// # Examples
///
/// ```
/// use valuestream::{BadRows, LogReader};
///
/// let csv = "\
/// id,state,timestamp,type
/// A-1,Dev,2024-03-04T09:00:00Z,Bug
/// A-2,Dev,2024-03-05T09:00:00Z,Story
/// A-1,Done,2024-03-06T09:00:00Z,Bug
/// A-2,Done,not a date,Story
/// ";
/// let log = LogReader::builder()
///     .attribute("type")
///     .bad_rows(BadRows::Skip)
///     .name("changes.csv")
///     .build()
///     .read(csv.as_bytes())?;
/// // Four rows, one rejected: three events of two items.
/// assert_eq!((log.rows(), log.len(), log.items()), (4, 3, 2));
/// assert_eq!(log.rejected()[0].line, 5);
/// assert_eq!(log.item_id(1), "A-2");
/// assert_eq!(log.attribute(1, "type"), Some("Story"));
/// assert_eq!(log.states().collect::<Vec<_>>(), ["Dev", "Done"]);
/// let first = log.events().next().unwrap();
/// assert_eq!((first.item, first.state), ("A-1", "Dev"));
/// let (start, end) = log.span().unwrap();
/// assert_eq!((end - start).num_days(), 2);
/// assert_eq!(log.source(), Some("changes.csv"));
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct EventLog {
    pub(crate) source: Option<String>,
    /// The column states were read from (long and interval logs).
    pub(crate) state_column: Option<String>,
    pub(crate) item_names: Arc<Names>,
    pub(crate) state_names: Names,
    pub(crate) state_meta: Vec<StateMeta>,
    pub(crate) ev_item: Vec<u32>,
    pub(crate) ev_state: Vec<u32>,
    pub(crate) ev_time: Vec<i64>,
    pub(crate) attributes: Arc<Attributes>,
    /// The names of the resources, when the log keeps them.
    pub(crate) resource_names: Option<Arc<Names>>,
    /// The resource of each event (`NONE`: none named); empty when the log keeps none.
    pub(crate) ev_resource: Vec<u32>,
    pub(crate) stats: ReadStats,
    /// The distinct values of each column in the first rows (CSV logs of the long layout).
    pub(crate) sample: Option<Box<ColumnSample>>,
    /// Flags set and cleared, in the order read.
    pub(crate) flags: Vec<Flag>,
}

impl EventLog {
    /// A builder that takes events one by one.
    pub fn builder() -> EventLogBuilder {
        EventLogBuilder::new()
    }

    /// The number of events.
    pub fn len(&self) -> usize {
        self.ev_time.len()
    }

    /// How many times a flag was set on an item or cleared
    /// ([`EventLogBuilder::flag`]): not events, but the blocked intervals' ends.
    pub fn flags(&self) -> usize {
        self.flags.len()
    }

    /// Whether the log has no events.
    pub fn is_empty(&self) -> bool {
        self.ev_time.is_empty()
    }

    /// The number of distinct items.
    pub fn items(&self) -> usize {
        self.item_names.len()
    }

    /// The id of item `index` (items are numbered in order of first appearance).
    ///
    /// # Panics
    ///
    /// If `index >= self.items()`.
    #[inline]
    pub fn item_id(&self, index: usize) -> &str {
        &self.item_names[index]
    }

    /// The distinct states, in order of first appearance.
    pub fn states(&self) -> impl Iterator<Item = &str> {
        self.state_names.iter()
    }

    /// The name the log was read from (a path, or the name given to the reader).
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The events in input order.
    pub fn events(&self) -> impl ExactSizeIterator<Item = Event<'_>> {
        (0..self.len()).map(move |i| Event {
            item: &self.item_names[self.ev_item[i] as usize],
            state: &self.state_names[self.ev_state[i] as usize],
            time: ms_to_datetime(self.ev_time[i]),
            resource: self.resource(i),
        })
    }

    /// Whether the log keeps who did each event (it was read with a
    /// [`resource_column`](crate::LogReaderBuilder::resource_column), or built with
    /// [`EventLogBuilder::push_with_resource`]), even if no event names anyone.
    pub fn has_resources(&self) -> bool {
        self.resource_names.is_some()
    }

    /// Who did event `index` (in input order, as [`EventLog::events`]): `None` when the log
    /// keeps no resources, the event names no one, or there is no such event.
    pub fn resource(&self, index: usize) -> Option<&str> {
        let names = self.resource_names.as_ref()?;
        let r = *self.ev_resource.get(index)?;
        (r != NONE).then(|| &names[r as usize])
    }

    /// The distinct resources named, in order of first appearance (none when the log keeps
    /// no resources).
    pub fn resources(&self) -> impl Iterator<Item = &str> {
        self.resource_names.iter().flat_map(|n| n.iter())
    }

    /// The names of the item attributes kept (the reader's `attribute` columns).
    pub fn attribute_names(&self) -> &[String] {
        &self.attributes.names
    }

    /// The value of attribute `name` for item `index`, if it has one.
    pub fn attribute(&self, index: usize, name: &str) -> Option<&str> {
        let a = self.attributes.position(name)?;
        self.attributes.get(a, u32::try_from(index).ok()?)
    }

    /// The number of data rows read (header excluded; 0 for a log built in code).
    pub fn rows(&self) -> u64 {
        self.stats.rows
    }

    /// The rows the reader rejected (only with [`BadRows::Skip`](crate::BadRows::Skip); otherwise a bad row is an
    /// error), and rows that carried no event at all (a wide row with no dates).
    pub fn rejected(&self) -> &[RejectedRow] {
        &self.stats.rejected
    }

    /// When several files were read as one log
    /// ([`LogReader::read_paths`](crate::LogReader::read_paths)), each file's part of the
    /// ledger, in the order read; empty otherwise.
    pub fn sources(&self) -> &[SourceLedger] {
        &self.stats.sources
    }

    /// For the items that have an event in state `marker`, keeps only their events in the
    /// states `keep` (Linear's canceled items keep their creation and cancellation).
    pub(crate) fn keep_only_for_items_with(&mut self, marker: &str, keep: &[&str]) {
        let Some(m) = self.state_names.iter().position(|s| s == marker) else {
            return;
        };
        let mut marked = vec![false; self.items()];
        for (&it, &st) in self.ev_item.iter().zip(&self.ev_state) {
            if st as usize == m {
                marked[it as usize] = true;
            }
        }
        let kept: Vec<bool> = self.state_names.iter().map(|s| keep.contains(&s)).collect();
        let mut w = 0;
        let resources = !self.ev_resource.is_empty();
        for r in 0..self.ev_time.len() {
            let (it, st) = (self.ev_item[r], self.ev_state[r]);
            if !marked[it as usize] || kept[st as usize] {
                self.ev_item[w] = it;
                self.ev_state[w] = st;
                self.ev_time[w] = self.ev_time[r];
                if resources {
                    self.ev_resource[w] = self.ev_resource[r];
                }
                w += 1;
            } else {
                self.state_meta[st as usize].count -= 1;
            }
        }
        self.ev_item.truncate(w);
        self.ev_state.truncate(w);
        self.ev_time.truncate(w);
        if resources {
            self.ev_resource.truncate(w);
        }
    }

    /// Moves the events of the `marked` items in state `from` to state `to`, for each pair of
    /// `renames` (a state is added when new), keeping the per-state counts and first lines
    /// right: `lines[i]` is the line item `i` was read on (the row of a wide log).
    pub(crate) fn rename_states_of_items(
        &mut self,
        marked: &[bool],
        lines: &[u64],
        renames: &[(&str, &str)],
    ) {
        let mut to: Vec<Option<u32>> = vec![None; self.state_names.len()];
        let mut touched: Vec<u32> = Vec::new();
        for &(from, into) in renames {
            let Some(f) = self.state_names.iter().position(|s| s == from) else {
                continue;
            };
            let t = self.state_id_or_insert(into);
            to[f] = Some(t);
            touched.extend([u32::try_from(f).unwrap_or(u32::MAX), t]);
        }
        if touched.is_empty() {
            return;
        }
        for &s in &touched {
            self.state_meta[s as usize] = StateMeta::default();
        }
        for (&it, st) in self.ev_item.iter().zip(&mut self.ev_state) {
            let it = it as usize;
            if marked.get(it).copied().unwrap_or(false)
                && let Some(t) = to.get(*st as usize).copied().flatten()
            {
                *st = t;
            }
            if touched.contains(st) {
                let line = lines.get(it).copied().unwrap_or(0);
                let meta = &mut self.state_meta[*st as usize];
                if meta.count == 0 || line < meta.first_line {
                    meta.first_line = line;
                }
                meta.count += 1;
            }
        }
    }

    /// The id of state `name`, added (with no events) if new.
    fn state_id_or_insert(&mut self, name: &str) -> u32 {
        let found = self.state_names.iter().position(|s| s == name);
        let id = found.unwrap_or_else(|| {
            self.state_names.push(name);
            self.state_meta.push(StateMeta::default());
            self.state_names.len() - 1
        });
        u32::try_from(id).unwrap_or(u32::MAX)
    }

    /// The earliest and latest instant in the log, if it has events.
    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let min = self.ev_time.iter().min()?;
        let max = self.ev_time.iter().max()?;
        Some((ms_to_datetime(*min), ms_to_datetime(*max)))
    }
}

/// Builds an [`EventLog`] event by event (used by the simulator, tests and custom readers).
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use valuestream::EventLog;
///
/// let mut b = EventLog::builder();
/// let t = Utc.with_ymd_and_hms(2024, 3, 4, 9, 0, 0).unwrap();
/// b.push("A-1", "Dev", t);
/// b.push("A-1", "Done", t + chrono::Duration::days(2));
/// b.set_attribute("A-1", "type", "Bug");
/// let log = b.build();
/// assert_eq!((log.len(), log.items()), (2, 1));
/// assert_eq!(log.attribute(0, "type"), Some("Bug"));
/// ```
#[derive(Debug, Default)]
pub struct EventLogBuilder {
    source: Option<String>,
    pub(crate) state_column: Option<String>,
    items: Interner,
    states: Interner,
    state_meta: Vec<StateMeta>,
    ev_item: Vec<u32>,
    ev_state: Vec<u32>,
    ev_time: Vec<i64>,
    attributes: Attributes,
    /// Who did each event, when kept (boxed: a builder without resources stays small).
    resources: Option<Box<ResourceColumn>>,
    pub(crate) stats: ReadStats,
    /// The distinct values of each column in the first rows (CSV logs of the long layout).
    pub(crate) sample: Option<Box<ColumnSample>>,
    /// The first states seen, by key.
    few_states: Vec<(ShortKey, u32)>,
    /// Flags set and cleared.
    flags: Vec<Flag>,
    /// The last item id seen (its bytes kept only if its key does not tell it apart) and
    /// its index (rows of one item usually come together).
    last_key: ShortKey,
    last_item: Vec<u8>,
    last_index: Option<u32>,
}

impl EventLogBuilder {
    /// An empty builder.
    pub fn new() -> EventLogBuilder {
        EventLogBuilder::default()
    }

    /// Names the source of the events (shown in data-quality reports and errors).
    pub fn source(mut self, name: impl Into<String>) -> EventLogBuilder {
        self.source = Some(name.into());
        self
    }

    /// Reserves room for `events` more events.
    pub fn reserve(&mut self, events: usize) {
        self.ev_item.reserve(events);
        self.ev_state.reserve(events);
        self.ev_time.reserve(events);
        if let Some(r) = &mut self.resources {
            r.ev.reserve(events);
        }
    }

    /// Records that `item` entered `state` at `time`.
    pub fn push(&mut self, item: &str, state: &str, time: DateTime<Utc>) {
        let i = self.item_index(item.as_bytes()).unwrap_or(0);
        let s = self.state_index(state.as_bytes()).unwrap_or(0);
        self.push_ids(i, s, datetime_to_ms(time), 0);
    }

    /// Records that `item` entered `state` at `time`, done by `resource` (`None` or an empty
    /// name: by no one named). From the first call on, the log keeps resources
    /// ([`EventLog::has_resources`]); events pushed without one name no one.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use valuestream::EventLog;
    ///
    /// let mut b = EventLog::builder();
    /// let t = Utc.with_ymd_and_hms(2024, 3, 4, 9, 0, 0).unwrap();
    /// b.push_with_resource("A-1", "Dev", t, Some("Ann"));
    /// b.push("A-1", "Done", t + chrono::Duration::days(2));
    /// let log = b.build();
    /// assert_eq!((log.resource(0), log.resource(1)), (Some("Ann"), None));
    /// assert_eq!(log.resources().collect::<Vec<_>>(), ["Ann"]);
    /// ```
    pub fn push_with_resource(
        &mut self,
        item: &str,
        state: &str,
        time: DateTime<Utc>,
        resource: Option<&str>,
    ) {
        self.keep_resources();
        self.push(item, state, time);
        if let Some(r) = resource.map(str::trim).filter(|r| !r.is_empty()) {
            let id = self.resource_index(r.as_bytes()).unwrap_or(NONE);
            self.set_last_resource(id);
        }
    }

    /// Keeps who did each event from now on (the events so far name no one).
    pub(crate) fn keep_resources(&mut self) {
        if self.resources.is_none() {
            self.resources = Some(Box::new(ResourceColumn {
                names: Interner::default(),
                ev: vec![NONE; self.ev_time.len()],
            }));
        }
    }

    /// The id of the resource with these bytes, interning it; `None` if not UTF-8 or the
    /// builder keeps no resources.
    #[inline]
    pub(crate) fn resource_index(&mut self, name: &[u8]) -> Option<u32> {
        self.resources.as_mut()?.names.intern(name)
    }

    /// Sets the resource of the last event pushed (a no-op if the builder keeps none).
    #[inline]
    pub(crate) fn set_last_resource(&mut self, resource: u32) {
        if let Some(r) = &mut self.resources
            && let Some(last) = r.ev.last_mut()
        {
            *last = resource;
        }
    }

    /// Records that `item` was flagged as blocked at `time` (`blocked = true`: Jira's
    /// "Flagged" set to "Impediment"), or its flag cleared (`false`). The item is blocked
    /// from a set until the next clear, whatever its status; a flag never cleared blocks it
    /// until it is done. The item is created if it has no event yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use valuestream::EventLog;
    ///
    /// let t = |d| Utc.with_ymd_and_hms(2024, 3, d, 0, 0, 0).unwrap();
    /// let mut b = EventLog::builder();
    /// b.push("A-1", "Dev", t(1));
    /// b.flag("A-1", t(2), true);
    /// b.flag("A-1", t(4), false);
    /// b.push("A-1", "Done", t(5));
    /// let log = b.build();
    /// assert_eq!((log.len(), log.flags()), (2, 2));
    /// ```
    pub fn flag(&mut self, item: &str, time: DateTime<Utc>, blocked: bool) {
        let i = self.item_index(item.as_bytes()).unwrap_or(0);
        self.flag_ids(i, datetime_to_ms(time), blocked);
    }

    /// Records a flag by item id, at `time_ms`.
    pub(crate) fn flag_ids(&mut self, item: u32, time_ms: i64, on: bool) {
        self.flags.push(Flag {
            item,
            time: time_ms,
            on,
        });
    }

    /// Sets attribute `key` of `item` to `value` (the last value set wins). The item is
    /// created if it has no event yet.
    pub fn set_attribute(&mut self, item: &str, key: &str, value: &str) {
        let i = self.item_index(item.as_bytes()).unwrap_or(0);
        let a = self.attributes.index_or_insert(key);
        self.attributes.set(a, i, value.as_bytes());
    }

    /// The index of the item with these bytes, interning it; `None` if not UTF-8.
    #[inline]
    pub(crate) fn item_index(&mut self, id: &[u8]) -> Option<u32> {
        // Logs are usually grouped by item: most rows repeat the previous row's id.
        let key = ShortKey::of(id);
        if let Some(idx) = self.last_index
            && key == self.last_key
            && (key.is_whole() || self.last_item == id)
        {
            return Some(idx);
        }
        let idx = self.items.intern(id)?;
        self.last_key = key;
        if !key.is_whole() {
            self.last_item.clear();
            self.last_item.extend_from_slice(id);
        }
        self.last_index = Some(idx);
        Some(idx)
    }

    /// The index of the state with these bytes, interning it; `None` if not UTF-8.
    #[inline]
    pub(crate) fn state_index(&mut self, name: &[u8]) -> Option<u32> {
        // A log has few states: a short list, scanned by key, finds them without hashing.
        let key = ShortKey::of(name);
        for &(k, id) in &self.few_states {
            if k == key && (key.is_whole() || self.states.name(id).as_bytes() == name) {
                return Some(id);
            }
        }
        let s = self.states.intern(name)?;
        if self.few_states.len() < 16 {
            self.few_states.push((key, s));
        }
        if s as usize == self.state_meta.len() {
            self.state_meta.push(StateMeta::default());
        }
        Some(s)
    }

    /// Appends an event by ids; `line` is the input line (0 when not from a file).
    #[inline]
    pub(crate) fn push_ids(&mut self, item: u32, state: u32, time_ms: i64, line: u64) {
        let meta = &mut self.state_meta[state as usize];
        if meta.count == 0 {
            meta.first_line = line;
        }
        meta.count += 1;
        self.ev_item.push(item);
        self.ev_state.push(state);
        self.ev_time.push(time_ms);
        if let Some(r) = &mut self.resources {
            r.ev.push(NONE);
        }
    }

    /// The attribute column index for `name`.
    pub(crate) fn attribute_index(&mut self, name: &str) -> usize {
        self.attributes.index_or_insert(name)
    }

    /// Sets an attribute by ids; `false` if the value is not UTF-8.
    pub(crate) fn set_attribute_ids(&mut self, attr: usize, item: u32, value: &[u8]) -> bool {
        self.attributes.set(attr, item, value)
    }

    /// The name of an interned state.
    pub(crate) fn state_name(&self, state: u32) -> &str {
        self.states.name(state)
    }

    /// The id of an interned item.
    pub(crate) fn item_name(&self, item: u32) -> &str {
        self.items.name(item)
    }

    /// Appends the events of `parts`, read after this builder's, in order: their items and
    /// states are interned here in their order of first appearance (so that the numbering
    /// is the one a single builder would have given), their events follow these, their
    /// state counts are added, their attributes overwrite these (the last value wins), and
    /// their rows, rejected rows and warnings are added. The lines of a part count from 1 at
    /// its own start: the `u64` beside it says how many lines come before it.
    ///
    /// The columns that need no item numbers (states, times) are copied on a second thread
    /// while the items are interned, when a thread can be had.
    pub(crate) fn append(&mut self, parts: Vec<(EventLogBuilder, u64)>) {
        // States: few, interned first, in order.
        let mut state_maps = Vec::with_capacity(parts.len());
        for (part, line_offset) in &parts {
            let map: Vec<u32> = part
                .states
                .names()
                .iter()
                .map(|n| self.state_index(n.as_bytes()).unwrap_or(0))
                .collect();
            for (s, m) in part.state_meta.iter().enumerate() {
                let meta = &mut self.state_meta[map[s] as usize];
                if m.count > 0 {
                    if meta.count == 0 {
                        meta.first_line = m.first_line + line_offset;
                    }
                    meta.count += m.count;
                }
            }
            state_maps.push(map);
        }
        let events: usize = parts.iter().map(|(p, _)| p.len()).sum();
        self.reserve(events);
        let (state_len, time_len) = (self.ev_state.len(), self.ev_time.len());
        let (ev_state, ev_time) = (&mut self.ev_state, &mut self.ev_time);
        let copy_columns = |ev_state: &mut Vec<u32>, ev_time: &mut Vec<i64>| {
            for ((part, _), map) in parts.iter().zip(&state_maps) {
                ev_state.extend(part.ev_state.iter().map(|&s| map[s as usize]));
                ev_time.extend_from_slice(&part.ev_time);
            }
        };
        let (items, ev_item, attributes, flags) = (
            &mut self.items,
            &mut self.ev_item,
            &mut self.attributes,
            &mut self.flags,
        );
        let copied = std::thread::scope(|s| {
            let copier = std::thread::Builder::new()
                .spawn_scoped(s, || copy_columns(&mut *ev_state, &mut *ev_time));
            for (part, _) in &parts {
                let map = items.absorb(&part.items);
                ev_item.extend(part.ev_item.iter().map(|&i| map[i as usize]));
                attributes.append(&part.attributes, &map);
                flags.extend(part.flags.iter().map(|f| Flag {
                    item: map[f.item as usize],
                    ..*f
                }));
            }
            copier.is_ok_and(|h| h.join().is_ok())
        });
        if !copied {
            // No thread: copy here (after undoing anything a failed copier did).
            self.ev_state.truncate(state_len);
            self.ev_time.truncate(time_len);
            copy_columns(&mut self.ev_state, &mut self.ev_time);
        }
        self.append_resources(&parts);
        for (part, line_offset) in parts {
            self.stats.rows += part.stats.rows;
            self.stats
                .rejected
                .extend(part.stats.rejected.into_iter().map(|mut r| {
                    r.line += line_offset;
                    r
                }));
            // Readers of long logs, the only ones read in parts, record no warnings; tallies
            // of other layouts would need adding up by kind.
            self.stats.warnings.extend(part.stats.warnings);
            // The file's first rows: the parts' samples in order.
            match (&mut self.sample, part.sample) {
                (Some(own), Some(later)) => own.append(&later),
                (own @ None, later) => *own = later,
                (Some(_), None) => {}
            }
        }
    }

    /// Appends the resources of `parts` (whose events were just appended after these):
    /// their names interned here in their order, so that resources are numbered as a
    /// single builder would have numbered them; parts that keep none name no one.
    fn append_resources(&mut self, parts: &[(EventLogBuilder, u64)]) {
        if self.resources.is_none() && parts.iter().all(|(p, _)| p.resources.is_none()) {
            return;
        }
        let Some(own) = &mut self.resources else {
            // Kept by a part only: the events before the parts name no one.
            let before = self.ev_time.len() - parts.iter().map(|(p, _)| p.len()).sum::<usize>();
            self.resources = Some(Box::new(ResourceColumn {
                names: Interner::default(),
                ev: vec![NONE; before],
            }));
            return self.append_resources(parts);
        };
        for (part, _) in parts {
            match &part.resources {
                Some(r) => {
                    let map = own.names.absorb(&r.names);
                    own.ev.extend(r.ev.iter().map(
                        |&x| {
                            if x == NONE { NONE } else { map[x as usize] }
                        },
                    ));
                }
                None => own.ev.extend(std::iter::repeat_n(NONE, part.len())),
            }
        }
    }

    /// The number of events so far.
    pub fn len(&self) -> usize {
        self.ev_time.len()
    }

    /// Whether no event has been pushed.
    pub fn is_empty(&self) -> bool {
        self.ev_time.is_empty()
    }

    /// The log.
    pub fn build(self) -> EventLog {
        let mut ev_item = self.ev_item;
        let mut ev_state = self.ev_state;
        let mut ev_time = self.ev_time;
        ev_item.shrink_to_fit();
        ev_state.shrink_to_fit();
        ev_time.shrink_to_fit();
        let (resource_names, ev_resource) = match self.resources {
            Some(r) => {
                let mut ev = r.ev;
                ev.shrink_to_fit();
                (Some(Arc::new(r.names.into_names())), ev)
            }
            None => (None, Vec::new()),
        };
        EventLog {
            source: self.source,
            state_column: self.state_column,
            item_names: Arc::new(self.items.into_names()),
            state_names: self.states.into_names(),
            state_meta: self.state_meta,
            ev_item,
            ev_state,
            ev_time,
            attributes: Arc::new(self.attributes),
            resource_names,
            ev_resource,
            stats: self.stats,
            sample: self.sample,
            flags: self.flags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn renaming_the_states_of_some_items_keeps_counts_and_first_lines() {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut b = EventLog::builder();
        for id in ["A", "B", "C"] {
            b.push(id, "Created", t0);
            b.push(id, "Resolved", t0 + chrono::Duration::hours(1));
        }
        let mut log = b.build();
        // A (line 2) and C (line 4) are renamed; B (line 3) stays.
        log.rename_states_of_items(
            &[true, false, true],
            &[2, 3, 4],
            &[
                ("Created", "Gone (created)"),
                ("Resolved", "Gone"),
                ("Nope", "X"),
            ],
        );
        let states: Vec<&str> = log.states().collect();
        assert_eq!(states, ["Created", "Resolved", "Gone (created)", "Gone"]);
        let meta: Vec<(u64, u64)> = log
            .state_meta
            .iter()
            .map(|m| (m.count, m.first_line))
            .collect();
        assert_eq!(meta, [(1, 3), (1, 3), (2, 2), (2, 2)]);
        let renamed: Vec<(&str, &str)> = log.events().map(|e| (e.item, e.state)).collect();
        assert_eq!(
            renamed,
            [
                ("A", "Gone (created)"),
                ("A", "Gone"),
                ("B", "Created"),
                ("B", "Resolved"),
                ("C", "Gone (created)"),
                ("C", "Gone"),
            ]
        );
    }

    #[test]
    fn builder_interns_and_keeps_input_order() {
        let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut b = EventLog::builder().source("mem");
        b.push("B", "Dev", t0);
        b.push("A", "Dev", t0);
        b.push("B", "Test", t0 + chrono::Duration::hours(1));
        b.set_attribute("C", "team", "blue");
        let log = b.build();
        assert_eq!(log.len(), 3);
        assert_eq!(log.items(), 3);
        assert_eq!(log.item_id(0), "B");
        assert_eq!(log.item_id(2), "C");
        assert_eq!(log.states().collect::<Vec<_>>(), ["Dev", "Test"]);
        let ev: Vec<_> = log.events().map(|e| (e.item, e.state)).collect();
        assert_eq!(ev, [("B", "Dev"), ("A", "Dev"), ("B", "Test")]);
        assert_eq!(log.attribute(2, "team"), Some("blue"));
        assert_eq!(log.attribute(0, "team"), None);
        assert_eq!(log.attribute(0, "nope"), None);
        assert_eq!(log.source(), Some("mem"));
        let (a, b) = log.span().unwrap();
        assert_eq!((b - a).num_hours(), 1);
    }
}
