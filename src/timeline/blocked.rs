//! Blocked time: the intervals in which an item was blocked, whatever its stage.
//!
//! Three things block an item: a flag set on it ([`crate::EventLogBuilder::flag`], Jira's
//! "Flagged" field) until it is cleared; a status of the workflow's
//! [`blocked_states`](crate::Workflow::blocked_states), which leaves the item in its stage
//! until its next status change; and a visit to a stage marked `blocked = true`. Their
//! union, cut to the item's life (from its arrival to its done, or the end of observation),
//! is its list of [`Blocked`] intervals: sorted, disjoint, of positive length.

use chrono::{DateTime, Utc};

use crate::time::{ms_to_datetime, ms_to_days};

/// An interval in which an item was blocked.
///
/// A flag never cleared, or a blocked status still held, blocks the item until it is done
/// (then the interval ends there) or until the end of observation (then it is open).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocked {
    start: i64,
    end: i64,
    open: bool,
}

impl Blocked {
    /// When the item became blocked, in ms since the epoch.
    #[inline]
    pub(crate) fn start_ms(&self) -> i64 {
        self.start
    }

    /// When it was unblocked (or the end of observation), in ms since the epoch.
    #[inline]
    pub(crate) fn end_ms(&self) -> i64 {
        self.end
    }

    /// When the item became blocked.
    pub fn start(&self) -> DateTime<Utc> {
        ms_to_datetime(self.start)
    }

    /// When it was unblocked (or the end of observation, if it still is).
    pub fn end(&self) -> DateTime<Utc> {
        ms_to_datetime(self.end)
    }

    /// The length of the interval in days.
    pub fn days(&self) -> f64 {
        ms_to_days(self.end - self.start)
    }

    /// Whether the item is still blocked at the end of observation.
    pub fn is_open(&self) -> bool {
        self.open
    }
}

/// **Blocked time** within `[from, to]` (ms): the length of the part of `spans` inside it.
#[inline]
pub(crate) fn overlap_ms(spans: &[Blocked], from: i64, to: i64) -> i64 {
    spans
        .iter()
        .take_while(|b| b.start < to)
        .map(|b| (b.end.min(to) - b.start.max(from)).max(0))
        .sum()
}

/// The intervals in which a flag was set, from an item's flags (time, set) in time order:
/// a set starts one unless already set, a clear ends it; one still set at the end runs to
/// `end` (ms). Flags after `end` are ignored.
pub(super) fn flag_intervals(flags: &[(i64, bool)], end: i64, out: &mut Vec<(i64, i64)>) {
    let mut since: Option<i64> = None;
    for &(t, on) in flags.iter().take_while(|f| f.0 <= end) {
        match (since, on) {
            (None, true) => since = Some(t),
            (Some(s), false) => {
                out.push((s, t));
                since = None;
            }
            _ => {}
        }
    }
    if let Some(s) = since {
        out.push((s, end));
    }
}

/// The union of `raw` intervals (ms, any order, `raw` is sorted in place) cut to
/// `[from, to]`, appended to `out` as disjoint intervals of positive length in time order;
/// the last one is open when it reaches `to` and `open_at_end` (the item is not done).
/// Returns how many were appended.
pub(super) fn union_within(
    raw: &mut [(i64, i64)],
    from: i64,
    to: i64,
    open_at_end: bool,
    out: &mut Vec<Blocked>,
) -> u32 {
    raw.sort_unstable();
    let before = out.len();
    let mut cur: Option<(i64, i64)> = None;
    for &(s, e) in raw.iter() {
        let (s, e) = (s.max(from), e.min(to));
        if e <= s {
            continue;
        }
        cur = match cur {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                out.push(Blocked {
                    start: cs,
                    end: ce,
                    open: false,
                });
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    if let Some((s, e)) = cur {
        out.push(Blocked {
            start: s,
            end: e,
            open: open_at_end && e == to,
        });
    }
    (out.len() - before) as u32
}

/// `spans` as known at `at` (ms), for an item done at `done` (or not, at `at`): those that
/// began before the cut, each ending by it; one cut short is open if the item is not done.
pub(super) fn cut(spans: &[Blocked], at: i64, done: Option<i64>, out: &mut Vec<Blocked>) -> u32 {
    let to = done.map_or(at, |d| d.min(at));
    let before = out.len();
    for b in spans.iter().take_while(|b| b.start < to) {
        let end = b.end.min(to);
        out.push(Blocked {
            start: b.start,
            end,
            open: (b.open || b.end > end) && done.is_none() && end == to,
        });
    }
    (out.len() - before) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(raw: &[(i64, i64)], from: i64, to: i64, open: bool) -> Vec<(i64, i64, bool)> {
        let mut raw = raw.to_vec();
        let mut out = Vec::new();
        union_within(&mut raw, from, to, open, &mut out);
        out.iter().map(|b| (b.start, b.end, b.open)).collect()
    }

    #[test]
    fn the_union_merges_overlaps_and_cuts_to_the_life_of_the_item() {
        assert_eq!(
            spans(&[(5, 8), (1, 3), (2, 4), (8, 9), (12, 20)], 0, 15, true),
            [(1, 4, false), (5, 9, false), (12, 15, true)]
        );
        assert_eq!(
            spans(&[(5, 8), (-3, 1)], 0, 15, false),
            [(0, 1, false), (5, 8, false)]
        );
        assert_eq!(spans(&[(3, 3), (20, 30)], 0, 15, true), []);
    }

    #[test]
    fn flags_pair_sets_with_clears() {
        let mut out = Vec::new();
        let f = [
            (1, true),
            (2, true),
            (4, false),
            (5, false),
            (7, true),
            (30, false),
        ];
        flag_intervals(&f, 10, &mut out);
        assert_eq!(out, [(1, 4), (7, 10)]);
    }

    #[test]
    fn overlap_counts_the_part_inside() {
        let s = [
            Blocked {
                start: 0,
                end: 4,
                open: false,
            },
            Blocked {
                start: 6,
                end: 10,
                open: true,
            },
        ];
        assert_eq!(overlap_ms(&s, 2, 8), 4);
        assert_eq!(overlap_ms(&s, 4, 6), 0);
        assert_eq!(overlap_ms(&s, -5, 50), 8);
    }
}
