//! How a forecast draws the coming days from the past ones.

use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;
use serde::Serialize;

/// The days of a block in the block methods: a week, so that every block holds each
/// weekday once.
const BLOCK_DAYS: usize = 7;
/// The fewest days a regime found by [`ForecastMethod::Regime`] may hold: three weeks.
const MIN_REGIME_DAYS: usize = 21;
/// How far back [`ForecastMethod::Regime`] looks for a change of throughput.
const REGIME_LOOKBACK_DAYS: usize = 365;
/// The likelihood-ratio statistic, over its dispersion, that a change of throughput needs.
const MIN_CHANGE_STATISTIC: f64 = 25.0;
/// The least ratio of the two rates that a change of throughput needs.
const MIN_CHANGE_FACTOR: f64 = 1.5;

/// How the coming days are drawn from the past ones.
///
/// JSON: `"days"`, `"weeks"`, `"recent"` or `"regime"`. Each is checked on the team's own
/// log by [`calibrate`](crate::calibrate); the README gives their calibration on the
/// shipped and public logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ForecastMethod {
    /// Single days drawn uniformly, with replacement, from the last `history_days` (the
    /// classic bootstrap of Efron 1979, as flow tools forecast).
    Days,
    /// Runs of 7 consecutive days drawn from the last `history_days`, read circularly (the
    /// circular block bootstrap of Politis and Romano 1992): busy and idle spells, and the
    /// weekly rhythm, stay together instead of averaging out.
    Weeks,
    /// Single days drawn from the last `history_days`, each weighted by half for every
    /// `history_days / 3` days of its age: recent days count most.
    Recent,
    /// Single days drawn uniformly from the days since the latest change of throughput
    /// found in the last year, at most `history_days` of them (at least 21): as
    /// [`ForecastMethod::Days`] when there was none. A change is the best split of the days
    /// into two periods of constant Poisson rates, each at least 21 days, whose
    /// likelihood-ratio statistic, divided by the days' dispersion (Pearson's χ² over its
    /// degrees of freedom, so that batched deliveries do not pass for a change), is at
    /// least 25, the rates differing by a factor of 1.5 or more; the search repeats on the
    /// later period. (Binary segmentation of a Poisson rate: Scott and Knott 1974; Killick
    /// and Eckley 2014.) The thresholds were chosen on the calibration of the README's logs
    /// and of simulated streams: lower ones cut steady streams into short samples, whose
    /// forecasts are too narrow.
    #[default]
    Regime,
}

impl ForecastMethod {
    /// Every method, in the order of the docs.
    pub const ALL: [ForecastMethod; 4] = [
        ForecastMethod::Days,
        ForecastMethod::Weeks,
        ForecastMethod::Recent,
        ForecastMethod::Regime,
    ];

    /// The method's name, as JSON and the command line spell it.
    pub fn name(self) -> &'static str {
        match self {
            ForecastMethod::Days => "days",
            ForecastMethod::Weeks => "weeks",
            ForecastMethod::Recent => "recent",
            ForecastMethod::Regime => "regime",
        }
    }

    /// The method named `name` (`days`, `weeks`, `recent`, `regime`).
    pub fn from_name(name: &str) -> Option<ForecastMethod> {
        ForecastMethod::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// The days a method samples, and how it draws from them.
#[derive(Clone, Debug)]
pub(crate) struct Sample<'a> {
    /// The sampled days, oldest first.
    pub(crate) days: &'a [u32],
    /// Cumulative weights of the days (weighted draws), if not uniform.
    cumulative: Option<Vec<f64>>,
    /// Days per block (1: single days).
    block: usize,
    /// Where a change of throughput was found: its index in the whole days given.
    pub(crate) change: Option<usize>,
}

impl<'a> Sample<'a> {
    /// The sample of `method` from `whole` (every whole day before the forecast, oldest
    /// first; not empty) with `history_days` (≥ 1).
    pub(crate) fn new(whole: &'a [u32], method: ForecastMethod, history_days: usize) -> Sample<'a> {
        let last = |d: usize| &whole[whole.len() - d.min(whole.len())..];
        match method {
            ForecastMethod::Days => Sample::uniform(last(history_days), 1),
            ForecastMethod::Weeks => Sample::uniform(last(history_days), BLOCK_DAYS),
            ForecastMethod::Recent => {
                let days = last(history_days);
                let half_life = (history_days as f64 / 3.0).max(1.0);
                let n = days.len();
                let mut total = 0.0;
                let cumulative = (0..n)
                    .map(|i| {
                        total += 0.5f64.powf((n - 1 - i) as f64 / half_life);
                        total
                    })
                    .collect();
                Sample {
                    days,
                    cumulative: Some(cumulative),
                    block: 1,
                    change: None,
                }
            }
            ForecastMethod::Regime => {
                let from = whole.len() - whole.len().min(REGIME_LOOKBACK_DAYS);
                let change = latest_change(&whole[from..]).map(|k| from + k);
                let since = change.map_or(whole.len(), |k| whole.len() - k);
                let mut s = Sample::uniform(last(since.min(history_days)), 1);
                s.change = change;
                s
            }
        }
    }

    fn uniform(days: &'a [u32], block: usize) -> Sample<'a> {
        Sample {
            days,
            cumulative: None,
            block: block.min(days.len()).max(1),
            change: None,
        }
    }

    /// A source of future days for one trial.
    pub(crate) fn drawer(&self) -> Drawer<'_, 'a> {
        Drawer {
            sample: self,
            at: 0,
            left: 0,
        }
    }
}

/// Draws one trial's days, one after the other.
pub(crate) struct Drawer<'s, 'a> {
    sample: &'s Sample<'a>,
    at: usize,
    left: usize,
}

impl Drawer<'_, '_> {
    /// The items done on the next day of the trial.
    pub(crate) fn next(&mut self, rng: &mut Xoshiro256PlusPlus) -> u64 {
        let s = self.sample;
        let n = s.days.len();
        if let Some(cum) = &s.cumulative {
            let x = rng.random_range(0.0..cum[n - 1]);
            let i = cum.partition_point(|&c| c <= x).min(n - 1);
            return u64::from(s.days[i]);
        }
        if self.left == 0 {
            self.at = rng.random_range(0..n);
            self.left = s.block;
        }
        let day = s.days[self.at];
        self.at = if self.at + 1 == n { 0 } else { self.at + 1 };
        self.left -= 1;
        u64::from(day)
    }
}

/// The start of the latest change of throughput in `days` (an index), if any: the best
/// two-rate split, repeated on the later period while one is found.
fn latest_change(days: &[u32]) -> Option<usize> {
    let mut from = 0;
    let mut found = None;
    while let Some(k) = best_change(&days[from..]) {
        from += k;
        found = Some(from);
    }
    found
}

/// The best split of `days` into two periods of constant Poisson rates, if it is a change
/// (see [`ForecastMethod::Regime`]): the index of the later period's first day.
fn best_change(days: &[u32]) -> Option<usize> {
    let n = days.len();
    if n < 2 * MIN_REGIME_DAYS {
        return None;
    }
    let total: f64 = days.iter().map(|&d| f64::from(d)).sum();
    if total == 0.0 {
        return None;
    }
    let xlnx = |s: f64, len: f64| if s > 0.0 { s * (s / len).ln() } else { 0.0 };
    let one_rate = xlnx(total, n as f64);
    let mut prefix = vec![0.0; n + 1];
    for (i, &d) in days.iter().enumerate() {
        prefix[i + 1] = prefix[i] + f64::from(d);
    }
    let (mut best, mut at) = (f64::NEG_INFINITY, 0);
    for (k, &a) in prefix
        .iter()
        .enumerate()
        .take(n - MIN_REGIME_DAYS + 1)
        .skip(MIN_REGIME_DAYS)
    {
        let b = total - a;
        let ll = xlnx(a, k as f64) + xlnx(b, (n - k) as f64);
        if ll > best {
            (best, at) = (ll, k);
        }
    }
    let deviance = 2.0 * (best - one_rate);
    let (r1, r2) = (
        prefix[at] / at as f64,
        (total - prefix[at]) / (n - at) as f64,
    );
    // Pearson's dispersion under the two rates: above 1 when deliveries come in batches.
    let pearson: f64 = days
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let m = if i < at { r1 } else { r2 };
            if m > 0.0 {
                (f64::from(d) - m).powi(2) / m
            } else {
                0.0
            }
        })
        .sum();
    let dispersion = (pearson / (n - 2) as f64).max(1.0);
    let factor = r1.max(r2) / r1.min(r2).max(f64::MIN_POSITIVE);
    (deviance / dispersion >= MIN_CHANGE_STATISTIC && factor >= MIN_CHANGE_FACTOR).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_halving_is_found_and_a_steady_stream_is_not() {
        // 4 a day for 100 days, then 2 a day for 30: the change is at day 100.
        let mut days = vec![4u32; 100];
        days.extend([2u32; 30]);
        assert_eq!(latest_change(&days), Some(100));
        // Alternating 2 and 6 (mean 4, no change).
        let steady: Vec<u32> = (0..200).map(|i| if i % 2 == 0 { 2 } else { 6 }).collect();
        assert_eq!(latest_change(&steady), None);
        // A change in the last 10 days is shorter than a regime (21 days): the last 21
        // days, 11 of them before it, do not differ enough to be one.
        let mut late = vec![4u32; 100];
        late.extend([0u32; 10]);
        assert_eq!(latest_change(&late), None);
        // Twenty-one days of nothing after 100 of 4 a day are.
        late.extend([0u32; 11]);
        assert_eq!(latest_change(&late), Some(100));
    }

    #[test]
    fn blocks_are_runs_of_consecutive_days_read_circularly() {
        let days: Vec<u32> = (0..10).collect();
        let s = Sample::new(&days, ForecastMethod::Weeks, 10);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for _ in 0..50 {
            let mut d = s.drawer();
            let run: Vec<u64> = (0..7).map(|_| d.next(&mut rng)).collect();
            for w in run.windows(2) {
                assert_eq!(w[1], (w[0] + 1) % 10, "{run:?}");
            }
        }
    }

    #[test]
    fn recent_days_weigh_more() {
        // Ten days: zeros, then the last is 1. Its weight is 1 against 0.5^(k/ (10/3)).
        let mut days = vec![0u32; 9];
        days.push(1);
        let s = Sample::new(&days, ForecastMethod::Recent, 10);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let n = 200_000;
        let hits: u64 = (0..n).map(|_| s.drawer().next(&mut rng)).sum();
        let w: f64 = (0..10)
            .map(|k| 0.5f64.powf(f64::from(k) / (10.0 / 3.0)))
            .sum();
        let expected = 1.0 / w;
        let share = hits as f64 / f64::from(n);
        assert!((share - expected).abs() < 0.005, "{share} vs {expected}");
    }
}
