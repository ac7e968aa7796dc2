//! What the metrics look at: a time window and item attributes; and the items it keeps,
//! with their visits clipped to the window's end.

use chrono::{DateTime, FixedOffset, Utc};

use crate::error::{Error, Result};
use crate::time::{datetime_to_ms, ms_to_datetime};
use crate::timeline::{ItemStatus, Timelines, Visit};
use crate::workflow::StageKind;

/// "No instant" in the compact item records.
pub(crate) const NONE: i64 = i64::MAX;

/// Which part of the timelines the metrics measure, and how days are counted.
///
/// - **`since`** and **`until`** bound the window of observation. By default it is the
///   timelines' own window `[start, as_of]` (start = earliest event). `until` works as an
///   earlier `as_of`: events after it are ignored, so an item done after `until` is in
///   progress at `until`. Items done (or discarded) before `since` are left out; every
///   rate and time average is taken over `[since, until]`.
/// - **Attributes**: only items whose attribute `key` equals `value`, for every pair given
///   (the log must have been read keeping that attribute).
/// - **Day offset**: the fixed UTC offset in which daily and weekly series count days
///   (default UTC).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use valuestream::MetricsOptions;
///
/// let opts = MetricsOptions::new()
///     .since(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap())
///     .attribute("type", "Bug");
/// assert_eq!(opts.attributes(), &[("type".to_owned(), "Bug".to_owned())]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricsOptions {
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    attributes: Vec<(String, String)>,
    offset: Option<FixedOffset>,
}

impl MetricsOptions {
    /// The whole window, every item, days in UTC.
    pub fn new() -> MetricsOptions {
        MetricsOptions::default()
    }

    /// Starts the window at `since`.
    pub fn since(mut self, since: DateTime<Utc>) -> Self {
        self.since = Some(since);
        self
    }

    /// Ends the window at `until` (events after it are ignored).
    pub fn until(mut self, until: DateTime<Utc>) -> Self {
        self.until = Some(until);
        self
    }

    /// Keeps only items whose attribute `key` is `value` (repeatable: all must hold).
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((key.into(), value.into()));
        self
    }

    /// Counts days in the fixed offset `offset` (default UTC).
    pub fn day_offset(mut self, offset: FixedOffset) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The attribute filters.
    pub fn attributes(&self) -> &[(String, String)] {
        &self.attributes
    }

    /// The offset in which days are counted, in seconds east of UTC.
    pub(crate) fn offset_seconds(&self) -> i32 {
        self.offset.map_or(0, |o| o.local_minus_utc())
    }
}

/// One item in scope, its visits clipped to the window's end.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scoped {
    /// Index in `Timelines::items`.
    pub(crate) rec: u32,
    /// Index of its first visit in `Timelines::visits`.
    pub(crate) first: u32,
    /// Its visits that started by the end of the window.
    pub(crate) n: u32,
    /// Index (among its visits) of the first visit of its trailing done run; `n` if none.
    pub(crate) run: u32,
    pub(crate) backward: u32,
    pub(crate) arrival: i64,
    /// `NONE` if not committed by the end of the window.
    pub(crate) commitment: i64,
    /// `NONE` if not done at the end of the window.
    pub(crate) done: i64,
}

impl Scoped {
    pub(crate) fn status(&self) -> ItemStatus {
        match (self.commitment != NONE, self.done != NONE) {
            (true, true) => ItemStatus::Done,
            (false, true) => ItemStatus::Discarded,
            (true, false) => ItemStatus::InProgress,
            (false, false) => ItemStatus::NotStarted,
        }
    }

    pub(crate) fn commitment(&self) -> Option<i64> {
        (self.commitment != NONE).then_some(self.commitment)
    }

    pub(crate) fn done(&self) -> Option<i64> {
        (self.done != NONE).then_some(self.done)
    }

    /// Committed and done: the items with a lead and a cycle time.
    pub(crate) fn is_done(&self) -> bool {
        self.commitment != NONE && self.done != NONE
    }

    pub(crate) fn in_progress(&self) -> bool {
        self.commitment != NONE && self.done == NONE
    }
}

/// A visit as the window sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seg {
    pub(crate) stage: usize,
    pub(crate) start: i64,
    /// The end (the window's end for a visit still open there; the start for a visit in
    /// the trailing done run).
    pub(crate) end: i64,
    /// Still in this stage at the window's end (the item's last visit, not done).
    pub(crate) open: bool,
}

/// The items the metrics measure and the window they measure them in.
#[derive(Debug)]
pub(crate) struct Scope<'a> {
    pub(crate) tl: &'a Timelines,
    /// Window start and end (ms).
    pub(crate) ws: i64,
    pub(crate) we: i64,
    pub(crate) offset_ms: i64,
    pub(crate) items: Vec<Scoped>,
}

impl<'a> Scope<'a> {
    /// The items of `tl` that `opts` keeps.
    pub(crate) fn new(tl: &'a Timelines, opts: &MetricsOptions) -> Result<Scope<'a>> {
        let ws = opts
            .since
            .map_or(tl.start, |t| datetime_to_ms(t).max(tl.start));
        let we = opts
            .until
            .map_or(tl.as_of, |t| datetime_to_ms(t).min(tl.as_of));
        if let (Some(s), Some(u)) = (opts.since, opts.until)
            && s > u
        {
            return Err(Error::InvalidArgument(format!(
                "the window starts ({s}) after it ends ({u}); give since before until"
            )));
        }
        if ws > we {
            return Err(Error::InvalidArgument(format!(
                "the window [{}, {}] holds no instant of the observation [{}, {}]",
                opts.since.map_or(ms_to_datetime(ws), |t| t),
                opts.until.map_or(ms_to_datetime(we), |t| t),
                ms_to_datetime(tl.start),
                ms_to_datetime(tl.as_of)
            )));
        }
        let attrs = &tl.attributes;
        let mut filters: Vec<(usize, &str)> = Vec::with_capacity(opts.attributes.len());
        for (k, v) in &opts.attributes {
            let Some(a) = attrs.position(k) else {
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
                return Err(Error::InvalidArgument(format!(
                    "no item attribute named {k:?} to filter on; the log keeps {kept} \
                     (read the log keeping the column as an attribute)"
                )));
            };
            filters.push((a, v.as_str()));
        }
        let kinds: Vec<StageKind> = tl.workflow.stages().iter().map(|s| s.kind).collect();
        let commits: Vec<bool> = (0..kinds.len()).map(|i| tl.workflow.commits(i)).collect();
        let mut items = Vec::with_capacity(tl.items.len());
        for (r, rec) in tl.items.iter().enumerate() {
            if !filters
                .iter()
                .all(|&(a, v)| attrs.get(a, rec.item) == Some(v))
            {
                continue;
            }
            let first = rec.first_visit as usize;
            let all = &tl.visits[first..first + rec.visits as usize];
            let clipped = all.last().is_some_and(|v| v.start > we);
            let n = if clipped {
                all.partition_point(|v| v.start <= we)
            } else {
                all.len()
            };
            if n == 0 {
                continue;
            }
            let vis = &all[..n];
            let mut run = n;
            while run > 0 && kinds[usize::from(vis[run - 1].stage)] == StageKind::Done {
                run -= 1;
            }
            let done = if run < n { vis[run].start } else { NONE };
            if done < ws {
                continue;
            }
            let (commitment, backward) = if clipped {
                let c = vis
                    .iter()
                    .find(|v| commits[usize::from(v.stage)])
                    .map_or(NONE, |v| v.start);
                (c, count_backward(vis, &kinds))
            } else {
                (rec.commitment.unwrap_or(NONE), rec.backward_moves)
            };
            items.push(Scoped {
                rec: r as u32,
                first: rec.first_visit,
                n: n as u32,
                run: run as u32,
                backward,
                arrival: rec.arrival,
                commitment,
                done,
            });
        }
        Ok(Scope {
            tl,
            ws,
            we,
            offset_ms: i64::from(opts.offset_seconds()) * 1000,
            items,
        })
    }

    /// The raw visits of an item in scope (those that started by the window's end).
    #[inline]
    pub(crate) fn raw(&self, s: &Scoped) -> &'a [Visit] {
        let f = s.first as usize;
        &self.tl.visits[f..f + s.n as usize]
    }

    /// The visits of an item as the window sees them.
    #[inline]
    pub(crate) fn segs(&self, s: &Scoped) -> Segs<'a> {
        Segs {
            vis: self.raw(s),
            i: 0,
            run: s.run as usize,
            we: self.we,
        }
    }

    /// The id of an item in scope.
    pub(crate) fn id(&self, s: &Scoped) -> &'a str {
        let rec = &self.tl.items[s.rec as usize];
        &self.tl.item_names[rec.item as usize]
    }

    /// The window's length in ms.
    pub(crate) fn span(&self) -> i64 {
        self.we - self.ws
    }
}

/// Iterator over the clipped visits of one item.
#[derive(Clone, Debug)]
pub(crate) struct Segs<'a> {
    vis: &'a [Visit],
    i: usize,
    run: usize,
    we: i64,
}

impl Iterator for Segs<'_> {
    type Item = Seg;

    #[inline]
    fn next(&mut self) -> Option<Seg> {
        let i = self.i;
        let v = self.vis.get(i)?;
        self.i += 1;
        let (end, open) = if i >= self.run {
            (v.start, false)
        } else if let Some(next) = self.vis.get(i + 1) {
            (next.start, false)
        } else {
            (v.end.min(self.we), true)
        };
        Some(Seg {
            stage: usize::from(v.stage),
            start: v.start,
            end,
            open,
        })
    }
}

/// Backward moves among visits, as the timeline counts them: a move to an earlier stage
/// from a stage that is not done.
fn count_backward(vis: &[Visit], kinds: &[StageKind]) -> u32 {
    vis.windows(2)
        .filter(|w| kinds[usize::from(w[0].stage)] != StageKind::Done && w[1].stage < w[0].stage)
        .count() as u32
}
