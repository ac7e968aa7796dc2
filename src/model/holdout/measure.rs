//! The measures of a held-out backtest, computed the same way for the log and for each
//! replication from one list of items: each item's commitment and done instants (ms).
//!
//! Definitions (the test period is `(split, as_of]`, `test_days` its length in days):
//!
//! - **cycle time**: done − commitment of the items committed after the split and done by
//!   `as_of`;
//! - **throughput**: the items done in the test period, per day;
//! - **WIP**: the time-average number of items committed and not done over the test period;
//! - **daily WIP**: the WIP at split + 1 day, split + 2 days, … (every whole day of the
//!   test period; an item counts at `t` when committed at or before `t` and not done by
//!   `t`);
//! - **CTDD**: the 1-Wasserstein distance between two cycle-time samples
//!   ([`crate::stats::wasserstein1`]), in days.

use crate::stats::{interpolate, type7_position, wasserstein1};
use crate::time::{MS_PER_DAY, ms_to_days};

/// An item's commitment and done instants, in ms (`None`: never).
pub(super) type Span = (Option<i64>, Option<i64>);

/// Count, mean and type-7 percentiles of a cycle-time sample.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Cycle {
    pub(super) count: usize,
    pub(super) mean: f64,
    pub(super) p50: f64,
    pub(super) p85: f64,
}

/// One side of the comparison (the log, or one replication) over the test period.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Side {
    /// Cycle times, days, sorted.
    pub(super) cycle: Vec<f64>,
    pub(super) throughput: f64,
    pub(super) wip: f64,
    pub(super) daily_wip: Vec<f64>,
}

impl Side {
    /// The measures of `spans` over `(split, as_of]` (`as_of > split`).
    pub(super) fn new(spans: impl IntoIterator<Item = Span>, split: i64, as_of: i64) -> Side {
        let test_ms = as_of - split;
        let days = usize::try_from(test_ms / MS_PER_DAY).unwrap_or(0);
        // Item counts at each daily snapshot, from the changes between them.
        let mut change = vec![0i64; days + 2];
        let (mut cycle, mut done_in_test, mut area) = (Vec::new(), 0usize, 0i64);
        for (c, d) in spans {
            let Some(c) = c else { continue };
            if let Some(d) = d {
                if c > split {
                    cycle.push(ms_to_days(d - c));
                }
                if split < d && d <= as_of {
                    done_in_test += 1;
                }
            }
            let (a, b) = (c.max(split), d.unwrap_or(as_of).min(as_of));
            if b > a {
                area += b - a;
            }
            // Snapshots k = 1..=days at split + k days: counted when c ≤ t_k < d.
            let first = ceil_div(c - split, MS_PER_DAY).max(1);
            let last = d.map_or(i64::MAX, |d| (d - 1 - split).div_euclid(MS_PER_DAY));
            let last = last.min(days as i64);
            if first <= last {
                change[first as usize] += 1;
                change[last as usize + 1] -= 1;
            }
        }
        cycle.sort_by(f64::total_cmp);
        let mut at = 0i64;
        let daily_wip = (1..=days)
            .map(|k| {
                at += change[k];
                at as f64
            })
            .collect();
        Side {
            cycle,
            throughput: done_in_test as f64 / (test_ms as f64 / MS_PER_DAY as f64),
            wip: area as f64 / test_ms as f64,
            daily_wip,
        }
    }

    /// Count, mean, p50 and p85 of the cycle times (`None` if there are none).
    pub(super) fn cycle_summary(&self) -> Option<Cycle> {
        let xs = &self.cycle;
        if xs.is_empty() {
            return None;
        }
        let at = |level: f64| {
            let (lo, frac) = type7_position(xs.len(), level);
            interpolate(xs[lo], xs.get(lo + 1).copied(), frac)
        };
        Some(Cycle {
            count: xs.len(),
            mean: xs.iter().sum::<f64>() / xs.len() as f64,
            p50: at(50.0),
            p85: at(85.0),
        })
    }
}

/// ⌈a / b⌉ for `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

/// The measures of one replication against the log.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Scores {
    pub(super) cycle: Cycle,
    pub(super) ctdd_days: f64,
    pub(super) ctdd_relative: f64,
    pub(super) error_mean: f64,
    pub(super) error_p50: f64,
    pub(super) error_p85: f64,
    pub(super) error_throughput: f64,
    pub(super) error_wip: f64,
    pub(super) throughput: f64,
    pub(super) wip: f64,
    pub(super) wip_distance_relative: f64,
}

/// (predicted − observed) / observed; 0 when they are equal (even both 0: nothing differs).
fn relative(predicted: f64, observed: f64) -> f64 {
    if predicted == observed {
        0.0
    } else {
        (predicted - observed) / observed
    }
}

impl Scores {
    /// `predicted` scored against `observed` (whose cycle summary is `o`). A replication
    /// with no cycle time scores NaN on the cycle-time measures.
    pub(super) fn new(observed: &Side, o: &Cycle, predicted: &Side) -> Scores {
        let p = predicted.cycle_summary().unwrap_or(Cycle {
            count: 0,
            mean: f64::NAN,
            p50: f64::NAN,
            p85: f64::NAN,
        });
        let ctdd = if predicted.cycle.is_empty() {
            f64::NAN
        } else {
            wasserstein1(&observed.cycle, &predicted.cycle)
        };
        let n = observed.daily_wip.len();
        let distance = if n == 0 {
            0.0
        } else {
            observed
                .daily_wip
                .iter()
                .zip(&predicted.daily_wip)
                .map(|(x, y)| (x - y).abs())
                .sum::<f64>()
                / n as f64
        };
        Scores {
            cycle: p,
            ctdd_days: ctdd,
            ctdd_relative: ctdd / o.mean,
            error_mean: relative(p.mean, o.mean),
            error_p50: relative(p.p50, o.p50),
            error_p85: relative(p.p85, o.p85),
            error_throughput: relative(predicted.throughput, observed.throughput),
            error_wip: relative(predicted.wip, observed.wip),
            throughput: predicted.throughput,
            wip: predicted.wip,
            wip_distance_relative: if distance == 0.0 {
                0.0
            } else {
                distance / observed.wip
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = MS_PER_DAY;

    #[test]
    fn equal_figures_are_no_error_even_at_zero() {
        assert_eq!(relative(0.0, 0.0), 0.0);
        assert_eq!(relative(3.0, 2.0), 0.5);
    }

    #[test]
    fn a_hand_built_test_period_measures_as_defined() {
        // Split at day 10, as_of day 14 (4 days).
        let split = 10 * D;
        let spans = [
            (Some(2 * D), Some(12 * D)),          // open at split, done day 12
            (Some(11 * D), Some(13 * D)),         // 2 days
            (Some(11 * D), None),                 // still open
            (Some(12 * D), Some(12 * D + D / 2)), // half a day
            (None, Some(13 * D)),                 // discarded: no commitment
            (Some(3 * D), Some(5 * D)),           // done before the split
        ];
        let s = Side::new(spans, split, 14 * D);
        assert_eq!(s.cycle, vec![0.5, 2.0]);
        // Done in (10, 14]: days 12, 13, 12.5.
        assert!((s.throughput - 3.0 / 4.0).abs() < 1e-12);
        // Areas: 2 + 2 + 3 + 0.5 = 7.5 days over 4.
        assert!((s.wip - 7.5 / 4.0).abs() < 1e-12);
        // Day 11: the first three; day 12: the second, third and fourth (the first is done
        // at 12; the fourth, committed at 12, counts); days 13 and 14: the third.
        assert_eq!(s.daily_wip, vec![3.0, 3.0, 1.0, 1.0]);
        let c = s.cycle_summary().unwrap();
        assert_eq!((c.count, c.mean), (2, 1.25));
        assert!((c.p50 - 1.25).abs() < 1e-12 && (c.p85 - 1.775).abs() < 1e-12);
    }

    proptest::proptest! {
        /// The daily WIP and the WIP area, by their definitions item by item, against the
        /// difference array and the clipped intervals.
        #[test]
        fn daily_wip_and_area_by_brute_force(
            spans in proptest::collection::vec(
                (proptest::option::of(0i64..40 * D), proptest::option::of(0i64..40 * D)),
                0..60,
            ),
            split_day in 1i64..20,
            extra in 0i64..(15 * D),
        ) {
            let split = split_day * D + 12_345;
            let as_of = split + D / 2 + extra;
            // Done never before commitment, as in a timeline.
            let spans: Vec<Span> = spans
                .into_iter()
                .map(|(c, d)| (c, match (c, d) { (Some(c), Some(d)) => Some(c.max(d)), (_, d) => d }))
                .collect();
            let s = Side::new(spans.iter().copied(), split, as_of);
            let days = ((as_of - split) / D) as usize;
            proptest::prop_assert_eq!(s.daily_wip.len(), days);
            for (k, &w) in s.daily_wip.iter().enumerate() {
                let t = split + (k as i64 + 1) * D;
                let n = spans
                    .iter()
                    .filter(|&&(c, d)| c.is_some_and(|c| c <= t) && d.is_none_or(|d| t < d))
                    .count();
                proptest::prop_assert_eq!(w, n as f64);
            }
            let area: i64 = spans
                .iter()
                .filter_map(|&(c, d)| {
                    let c = c?;
                    Some((d.unwrap_or(as_of).min(as_of) - c.max(split)).max(0))
                })
                .sum();
            proptest::prop_assert!((s.wip - area as f64 / (as_of - split) as f64).abs() < 1e-12);
        }
    }
}
