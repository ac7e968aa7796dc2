//! Parents and their children: items rolled up by a parent attribute (an epic, a parent
//! key), each parent's children by status, its first start, last done and open children.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ItemCounts, Metrics, MetricsOptions, Window};
use crate::error::Result;
use crate::time::{ms_to_datetime, ms_to_days};
use crate::timeline::{ItemStatus, Timelines, attribute_index};

/// One parent (one value of the parent attribute) and its children: what one row of
/// `valuestream report --parent ATTR` shows.
///
/// # Definitions
///
/// - **Children**: the items of the window whose parent attribute is this value.
/// - **Open children**: those in progress or not started at the window's end
///   (`children.in_progress + children.not_started`). A reopened child is in progress
///   again, so its parent is open again.
/// - **First arrival**: the earliest arrival of its children that are not discarded.
/// - **First start**: the earliest commitment of its children (a discarded child was never
///   committed). A child's arrival is when it was written down, often long before anyone
///   worked on it; its commitment is when work on it started, so a parent starts with its
///   first child's commitment.
/// - **Last done**: the latest done instant of its children, only when none is open and
///   one is done; otherwise `None` (the parent is not finished).
/// - **Lead time** = last done − first arrival; **cycle time** = last done − first start
///   (days), as the glossary defines them for an item: the parent's cycle time is the time
///   from its first child's start to its last child's done.
///
/// JSON: `{value, children, open, first_arrival, first_start, last_done, lead_time_days,
/// cycle_time_days, open_ids}`; `children` is `{total, done, in_progress, not_started,
/// discarded}` ([`ItemCounts`]); instants are RFC 3339 in UTC, `null` when absent.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ParentRow {
    /// The parent attribute's value shared by its children (the parent's key).
    pub value: String,
    /// Its children by status at the window's end.
    pub children: ItemCounts,
    /// Children in progress or not started at the window's end.
    pub open: u64,
    /// The earliest arrival of its children not discarded.
    pub first_arrival: Option<DateTime<Utc>>,
    /// The earliest commitment of its children.
    pub first_start: Option<DateTime<Utc>>,
    /// The latest done of its children, when every child not discarded is done.
    pub last_done: Option<DateTime<Utc>>,
    /// Last done − first arrival, in days (finished parents only).
    pub lead_time_days: Option<f64>,
    /// Last done − first start, in days (finished parents only).
    pub cycle_time_days: Option<f64>,
    /// The ids of its open children, in order of first appearance in the log.
    pub open_ids: Vec<String>,
}

/// The items of a window rolled up by a parent attribute (an epic, a parent key): for each
/// parent, its children by status, its first start, its last done, its lead and cycle
/// time when finished, and its open children; what `valuestream report --parent ATTR`
/// prints.
///
/// Items without the attribute are no parent's children: they are counted in
/// [`Parents::without_parent`]. Parents are sorted by open children, most first, then by
/// value. The window and the attribute filters of the options apply as in
/// [`Report`](super::Report): an item done before the window is left out of its parent.
///
/// `Display` renders the window, one table (the first [`Parents::TEXT_ROWS`] parents) and
/// a sentence of the items without a parent; [`crate::write_parents_csv`] writes every
/// parent as CSV; serde gives the JSON of `valuestream report --parent ATTR --json`.
///
/// # JSON
///
/// The keys are part of the public API and stable:
///
/// | key | content |
/// |---|---|
/// | `attribute` | the parent attribute |
/// | `window` | `{start, end, days}`, the window measured ([`Window`]) |
/// | `without_parent` | how many items of the window have no value of the attribute |
/// | `parents[]` | one [`ParentRow`] per value: `{value, children, open, first_arrival, first_start, last_done, lead_time_days, cycle_time_days, open_ids}` |
///
/// # Examples
///
/// ```
/// use valuestream::{LogReader, MetricsOptions, Parents, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp,epic\n\
///            A,Dev,2024-03-01,E1\nA,Done,2024-03-05,E1\n\
///            B,Dev,2024-03-02,E1\nB,Done,2024-03-04,E1\n\
///            C,Dev,2024-03-03,E2\nD,Dev,2024-03-03,\n";
/// let log = LogReader::builder().attribute("epic").build().read(csv.as_bytes())?;
/// let wf = Workflow::builder()
///     .stage("Dev", StageKind::Active)
///     .stage("Done", StageKind::Done)
///     .build()?;
/// let tl = Timelines::new(&log, &wf)?;
/// let p = Parents::new(&tl, &MetricsOptions::new(), "epic")?;
/// assert_eq!(p.without_parent, 1);
/// assert_eq!(p.parents[0].value, "E2");
/// assert_eq!(p.parents[0].open_ids, ["C"]);
/// // E1: from A's start on 03-01 to A's done on 03-05.
/// assert_eq!(p.parent("E1").unwrap().cycle_time_days, Some(4.0));
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Parents {
    /// The parent attribute.
    pub attribute: String,
    /// The window measured.
    pub window: Window,
    /// Items of the window without the attribute: no parent's children.
    pub without_parent: u64,
    /// One row per parent, most open children first, then by value.
    pub parents: Vec<ParentRow>,
}

impl Parents {
    /// How many parents the text shows (the others are in the JSON and the CSV).
    pub const TEXT_ROWS: usize = 30;

    /// The items `opts` keeps rolled up by their attribute `attribute`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] if the log keeps no attribute named `attribute`
    /// (the error names those it keeps), and as [`Metrics::new`].
    pub fn new(timelines: &Timelines, opts: &MetricsOptions, attribute: &str) -> Result<Parents> {
        let attr = attribute_index(timelines, attribute, "to roll items up by")?;
        let all = Metrics::new(timelines, opts)?;
        let mut without_parent = 0;
        let mut parents = Vec::new();
        for (value, clip) in all.clip.split_by(attr) {
            let Some(value) = value else {
                without_parent += clip.items().len() as u64;
                continue;
            };
            parents.push(row(value, &clip));
        }
        parents.sort_by(|a: &ParentRow, b| b.open.cmp(&a.open).then_with(|| a.value.cmp(&b.value)));
        Ok(Parents {
            attribute: attribute.to_owned(),
            window: all.window(),
            without_parent,
            parents,
        })
    }

    /// The parent whose value is `value`, if any of its children is in the window.
    pub fn parent(&self, value: &str) -> Option<&ParentRow> {
        self.parents.iter().find(|p| p.value == value)
    }
}

/// The row of the parent `value`, whose children are the items of `clip`.
fn row(value: &str, clip: &crate::timeline::Clip<'_>) -> ParentRow {
    let mut c = ItemCounts::default();
    let (mut first_arrival, mut first_start, mut last_done) =
        (None::<i64>, None::<i64>, None::<i64>);
    let mut open_ids = Vec::new();
    for s in clip.items() {
        c.total += 1;
        match s.status() {
            ItemStatus::Done => c.done += 1,
            ItemStatus::InProgress => c.in_progress += 1,
            ItemStatus::NotStarted => c.not_started += 1,
            ItemStatus::Discarded => {
                c.discarded += 1;
                continue;
            }
        }
        if matches!(s.status(), ItemStatus::InProgress | ItemStatus::NotStarted) {
            open_ids.push(clip.id(s).to_owned());
        }
        first_arrival = Some(first_arrival.map_or(s.arrival(), |t| t.min(s.arrival())));
        if let Some(t) = s.commitment() {
            first_start = Some(first_start.map_or(t, |f| f.min(t)));
        }
        if let Some(t) = s.done() {
            last_done = Some(last_done.map_or(t, |l| l.max(t)));
        }
    }
    let open = c.in_progress + c.not_started;
    let last_done = last_done.filter(|_| open == 0);
    let since = |from: Option<i64>| match (from, last_done) {
        (Some(f), Some(l)) => Some(ms_to_days(l - f)),
        _ => None,
    };
    ParentRow {
        value: value.to_owned(),
        children: c,
        open,
        first_arrival: first_arrival.map(ms_to_datetime),
        first_start: first_start.map(ms_to_datetime),
        last_done: last_done.map(ms_to_datetime),
        lead_time_days: since(first_arrival),
        cycle_time_days: since(first_start),
        open_ids,
    }
}
