//! The crate's statistics: the one percentile definition (Hyndman–Fan type 7, levels on a
//! scale of 0 to 100), samples, summaries, histograms, and the confidence interval of a
//! mean. Metrics, the model, forecasts and DORA metrics all use these.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::error::{Error, Result};
use crate::time::MS_PER_DAY;

/// `n` and its noun, singular for exactly one: `plural(1, "item", "items")` is `"1 item"`,
/// `plural(3, "item", "items")` is `"3 items"` (and `"0 items"`). Every sentence of the
/// crate that counts something says it with this, so counts agree with their nouns.
///
/// # Examples
///
/// ```
/// use valuestream::plural;
///
/// assert_eq!(plural(1, "item", "items"), "1 item");
/// assert_eq!(plural(2, "service was", "services were"), "2 services were");
/// ```
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The percentile levels of every [`Summary`].
pub(crate) const SUMMARY_LEVELS: [f64; 4] = [50.0, 70.0, 85.0, 95.0];

/// Where the type-7 percentile at `level` (0 to 100) of `n ≥ 1` values lies: the 0-based
/// rank `lo` of the order statistic below it and the fraction of the way to the next one.
///
/// # Formula
///
/// Hyndman and Fan (1996), "Sample quantiles in statistical packages", definition 7 (the
/// default of R, numpy, pandas and spreadsheets' `PERCENTILE.INC`): with `n` sorted values
/// `x[0] ≤ … ≤ x[n-1]` and `h = (n − 1)·level/100`, the percentile is
/// `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])` ([`interpolate`]). Every percentile of the
/// crate is computed from this position, whatever the algorithm that finds the order
/// statistics (sorting, radix selection or quickselect).
#[inline]
pub(crate) fn type7_position(n: usize, level: f64) -> (usize, f64) {
    let h = (n.max(1) - 1) as f64 * level.clamp(0.0, 100.0) / 100.0;
    let lo = (h.floor() as usize).min(n.max(1) - 1);
    (lo, h - lo as f64)
}

/// The type-7 percentile between the order statistics `lo` (at rank `⌊h⌋`) and `hi` (the
/// next one, if there is one), `frac` of the way (see [`type7_position`]).
#[inline]
pub(crate) fn interpolate(lo: f64, hi: Option<f64>, frac: f64) -> f64 {
    match hi {
        Some(hi) if frac > 0.0 => lo + frac * (hi - lo),
        _ => lo,
    }
}

/// The 1-Wasserstein (earth mover's) distance between the empirical distributions of two
/// sorted, non-empty samples: the area between their distribution functions,
/// `∫ |F_a(x) − F_b(x)| dx`. In one dimension it is also the mean absolute difference of
/// their quantile functions. `NaN` if either is empty.
pub(crate) fn wasserstein1(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0, 0);
    let mut prev = a[0].min(b[0]);
    let mut total = 0.0;
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) | (None, Some(&x)) => x,
            (None, None) => break,
        };
        total += (i as f64 / na - j as f64 / nb).abs() * (x - prev);
        prev = x;
        while a.get(i) == Some(&x) {
            i += 1;
        }
        while b.get(j) == Some(&x) {
            j += 1;
        }
    }
    total
}

/// A sample standing for the Kaplan–Meier estimate of a distribution from complete
/// observations `events` and right-censored ones `censored` (known only to exceed their
/// value): with `n` observations in all, its quantiles at `(k − ½) / n`, `k = 1..=n`
/// (sorted). At a tie, events come before censorings (a censored value was at risk at its
/// own instant). The mass the estimate leaves beyond the last event (when the largest
/// observations are censored) is put at the largest observation: a lower bound, since the
/// log saw no longer one finish.
pub(crate) fn kaplan_meier_sample(events: &[f64], censored: &[f64]) -> Vec<f64> {
    let n = events.len() + censored.len();
    let mut all: Vec<(f64, bool)> = events
        .iter()
        .map(|&x| (x, true))
        .chain(censored.iter().map(|&c| (c, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    // (instant, distribution function just after it), at each event.
    let mut steps: Vec<(f64, f64)> = Vec::new();
    let (mut survival, mut at_risk, mut i) = (1.0, n as f64, 0);
    while i < all.len() {
        let t = all[i].0;
        let (mut died, mut left) = (0usize, 0usize);
        while i < all.len() && all[i].0 == t {
            died += usize::from(all[i].1);
            left += 1;
            i += 1;
        }
        if died > 0 {
            survival *= 1.0 - died as f64 / at_risk;
            steps.push((t, 1.0 - survival));
        }
        at_risk -= left as f64;
    }
    let largest = all.last().map_or(0.0, |x| x.0);
    let mut step = 0;
    (1..=n)
        .map(|k| {
            let u = (k as f64 - 0.5) / n as f64;
            while step < steps.len() && steps[step].1 < u - 1e-12 {
                step += 1;
            }
            steps.get(step).map_or(largest, |s| s.0)
        })
        .collect()
}

/// Type-7 percentile of sorted values; `None` if there are none or `level` is outside
/// `[0, 100]`.
fn type7(sorted: &[f64], level: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&level) {
        return None;
    }
    let (lo, frac) = type7_position(sorted.len(), level);
    Some(interpolate(sorted[lo], sorted.get(lo + 1).copied(), frac))
}

/// Type-7 percentiles at each of `levels` (ascending, 0 to 100) of unsorted `data`, which is
/// reordered; NaN for empty data. The order statistics are found by selection (O(n) per
/// level), not by sorting: the simulator calls this on every replication.
pub(crate) fn percentiles_unsorted<const N: usize>(data: &mut [f64], levels: [f64; N]) -> [f64; N] {
    let mut out = [f64::NAN; N];
    let n = data.len();
    if n == 0 {
        return out;
    }
    // Everything before `from` is in its sorted place.
    let mut from = 0;
    for (o, level) in out.iter_mut().zip(levels) {
        let (lo, frac) = type7_position(n, level);
        if lo >= from {
            data[from..].select_nth_unstable_by(lo - from, f64::total_cmp);
            from = lo + 1;
        }
        let hi = (frac > 0.0 && lo + 1 < n)
            .then(|| data[lo + 1..].iter().copied().fold(f64::INFINITY, f64::min));
        *o = interpolate(data[lo], hi, frac);
    }
    out
}

/// Mean and 95% confidence interval of the mean (Student t) of the finite values: NaN and
/// `None` for none, no interval for one.
///
/// # Formula
///
/// x̄ ± t₀.₉₇₅,ₙ₋₁ · s/√n, with s the sample standard deviation (n − 1 in the denominator).
/// The exact (Clopper–Pearson, 1934) two-sided interval at level `level` of a binomial
/// proportion with `k` successes in `n` trials: the `(1 − level)/2` and `(1 + level)/2`
/// quantiles of Beta(k, n − k + 1) and Beta(k + 1, n − k), with 0 for `k = 0` and 1 for
/// `k = n`. `None` for `n = 0`.
pub(crate) fn binomial_ci(k: u64, n: u64, level: f64) -> Option<[f64; 2]> {
    use statrs::distribution::{Beta, ContinuousCDF};
    if n == 0 || k > n {
        return None;
    }
    let alpha = 1.0 - level;
    let (kf, nf) = (k as f64, n as f64);
    let lo = if k == 0 {
        0.0
    } else {
        Beta::new(kf, nf - kf + 1.0).ok()?.inverse_cdf(alpha / 2.0)
    };
    let hi = if k == n {
        1.0
    } else {
        Beta::new(kf + 1.0, nf - kf)
            .ok()?
            .inverse_cdf(1.0 - alpha / 2.0)
    };
    Some([lo, hi])
}

pub(crate) fn mean_ci(values: impl IntoIterator<Item = f64>) -> (f64, Option<[f64; 2]>) {
    let xs: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, None);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, None);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).map_or(f64::NAN, |d| d.inverse_cdf(0.975));
    let half = t * (var / n as f64).sqrt();
    (mean, Some([mean - half, mean + half]))
}

/// Sorts finite values ascending. Non-negative values (durations, the common case) are
/// sorted as integers, which is faster: the bit patterns of non-negative `f64`s order as the
/// numbers do.
fn sort_values(values: &mut [f64]) {
    if values.iter().all(|v| v.is_sign_positive()) {
        let mut bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
        bits.sort_unstable();
        for (v, b) in values.iter_mut().zip(bits) {
            *v = f64::from_bits(b);
        }
    } else {
        values.sort_unstable_by(f64::total_cmp);
    }
}

/// A sample of values (days, usually), kept sorted: percentiles at any level, summaries
/// and histograms.
///
/// Values that are not finite are left out.
///
/// # Examples
///
/// ```
/// use valuestream::Sample;
///
/// let s = Sample::new([3.0, 7.0, 3.0, 10.0]);
/// assert_eq!(s.percentile(50.0), Some(5.0));
/// assert!((s.percentile(85.0).unwrap() - 8.65).abs() < 1e-12);
/// assert!((s.percentile(95.0).unwrap() - 9.55).abs() < 1e-12);
/// assert_eq!(s.summary().count, 4);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    sorted: Vec<f64>,
}

impl Sample {
    /// The sample of `values` (non-finite values left out).
    pub fn new(values: impl IntoIterator<Item = f64>) -> Sample {
        Sample::from_vec(values.into_iter().collect())
    }

    /// The sample of `values`, reusing the vector.
    pub fn from_vec(mut values: Vec<f64>) -> Sample {
        values.retain(|v| v.is_finite());
        sort_values(&mut values);
        Sample { sorted: values }
    }

    /// The sample of durations given in milliseconds, as days (sorted as integers).
    pub(crate) fn from_ms(mut ms: Vec<u64>) -> Sample {
        ms.sort_unstable();
        Sample {
            sorted: ms
                .into_iter()
                .map(|m| m as f64 / MS_PER_DAY as f64)
                .collect(),
        }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether the sample is empty.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The values, sorted ascending.
    pub fn values(&self) -> &[f64] {
        &self.sorted
    }

    /// The arithmetic mean.
    pub fn mean(&self) -> Option<f64> {
        mean(&self.sorted)
    }

    /// The sample standard deviation (divisor `n − 1`, as pandas' `std`); `None` for fewer
    /// than two values.
    pub fn sd(&self) -> Option<f64> {
        sd(&self.sorted)
    }

    /// The smallest value.
    pub fn min(&self) -> Option<f64> {
        self.sorted.first().copied()
    }

    /// The largest value.
    pub fn max(&self) -> Option<f64> {
        self.sorted.last().copied()
    }

    /// The percentile at `level` (0 to 100); `None` if the sample is empty or the level is
    /// outside `[0, 100]`.
    ///
    /// # Formula
    ///
    /// Hyndman and Fan (1996), definition 7 (numpy's and pandas' default): with `h = (n −
    /// 1)·level/100`, `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])` over the sorted values.
    /// `[3, 7, 3, 10]` gives p50 = 5, p85 = 8.65, p95 = 9.55. (`statrs`' `percentile` is
    /// definition 8 and gives other values.)
    pub fn percentile(&self, level: f64) -> Option<f64> {
        type7(&self.sorted, level)
    }

    /// The percentiles at each of `levels`.
    pub fn percentiles(&self, levels: &[f64]) -> Vec<Option<f64>> {
        levels.iter().map(|&l| self.percentile(l)).collect()
    }

    /// The fraction of values less than or equal to `x` (the empirical distribution
    /// function); `None` for an empty sample.
    pub fn fraction_at_most(&self, x: f64) -> Option<f64> {
        if self.sorted.is_empty() {
            return None;
        }
        let k = self.sorted.partition_point(|&v| v <= x);
        Some(k as f64 / self.sorted.len() as f64)
    }

    /// Count, mean, standard deviation, p50, p70, p85, p95 and maximum.
    pub fn summary(&self) -> Summary {
        let p = self.percentiles(&SUMMARY_LEVELS);
        Summary {
            count: self.sorted.len() as u64,
            mean: self.mean(),
            sd: self.sd(),
            p50: p[0],
            p70: p[1],
            p85: p[2],
            p95: p[3],
            max: self.max(),
        }
    }

    /// A histogram with bins of `bin_width`, the first starting at the largest multiple of
    /// `bin_width` not above the smallest value.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `bin_width` is not positive and finite, or if it would
    /// take more than 100,000 bins.
    pub fn histogram(&self, bin_width: f64) -> Result<Histogram> {
        if !(bin_width.is_finite() && bin_width > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "a histogram's bin width must be a positive number, not {bin_width}"
            )));
        }
        let (Some(lo), Some(hi)) = (self.min(), self.max()) else {
            return Ok(Histogram {
                start: 0.0,
                bin_width,
                counts: Vec::new(),
            });
        };
        let start = (lo / bin_width).floor() * bin_width;
        let bins = ((hi - start) / bin_width).floor() + 1.0;
        if bins.is_nan() || bins > 100_000.0 {
            return Err(Error::InvalidArgument(format!(
                "bins of {bin_width} from {lo} to {hi} would be more than 100,000; choose wider bins"
            )));
        }
        let mut counts = vec![0u64; bins as usize];
        let last = counts.len() - 1;
        for &v in &self.sorted {
            let i = (((v - start) / bin_width).floor() as usize).min(last);
            counts[i] += 1;
        }
        Ok(Histogram {
            start,
            bin_width,
            counts,
        })
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        None
    } else {
        Some(v.iter().sum::<f64>() / v.len() as f64)
    }
}

fn sd(v: &[f64]) -> Option<f64> {
    if v.len() < 2 {
        return None;
    }
    let m = mean(v)?;
    let ss: f64 = v.iter().map(|x| (x - m) * (x - m)).sum();
    Some((ss / (v.len() - 1) as f64).sqrt())
}

/// The values at each of `ranks` (ascending, each below `vals.len()`) of unsorted `vals`,
/// exactly, without sorting them: a most-significant-digit radix selection that counts
/// 16-bit digits, keeps only the buckets holding the ranks, and recurses into them (at most
/// four levels; small sets are sorted).
fn select_ranks(vals: &[u64], ranks: &[usize]) -> Vec<u64> {
    if vals.len() <= 2048 {
        let mut v = vals.to_vec();
        v.sort_unstable();
        return ranks.iter().map(|&r| v[r]).collect();
    }
    let (mut min, mut max) = (u64::MAX, 0u64);
    for &v in vals {
        min = min.min(v);
        max = max.max(v);
    }
    if min == max {
        return vec![min; ranks.len()];
    }
    let bits = 64 - (max - min).leading_zeros();
    let shift = bits.saturating_sub(16);
    let nb = ((max - min) >> shift) as usize + 1;
    let mut hist = vec![0usize; nb];
    for &v in vals {
        hist[((v - min) >> shift) as usize] += 1;
    }
    // Which bucket holds each rank, and its rank within the bucket.
    let mut slot_of = vec![usize::MAX; nb];
    let mut wanted: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut where_rank: Vec<(usize, usize)> = Vec::with_capacity(ranks.len());
    let (mut cum, mut r) = (0usize, 0usize);
    for (b, &h) in hist.iter().enumerate() {
        while r < ranks.len() && ranks[r] < cum + h {
            if slot_of[b] == usize::MAX {
                slot_of[b] = wanted.len();
                wanted.push((b, Vec::new()));
            }
            let slot = slot_of[b];
            let within = ranks[r] - cum;
            let list = &mut wanted[slot].1;
            if list.last() != Some(&within) {
                list.push(within);
            }
            where_rank.push((slot, within));
            r += 1;
        }
        cum += h;
    }
    let mut cands: Vec<Vec<u64>> = wanted
        .iter()
        .map(|&(b, _)| Vec::with_capacity(hist[b]))
        .collect();
    for &v in vals {
        let s = slot_of[((v - min) >> shift) as usize];
        if s != usize::MAX {
            cands[s].push(v);
        }
    }
    let found: Vec<Vec<u64>> = wanted
        .iter()
        .zip(&cands)
        .map(|((_, rs), c)| select_ranks(c, rs))
        .collect();
    where_rank
        .iter()
        .map(|&(slot, within)| {
            let rs = &wanted[slot].1;
            let k = rs.partition_point(|&x| x < within);
            found[slot][k]
        })
        .collect()
}

/// The [`Summary`] (in days) of durations in milliseconds, in any order, computed exactly
/// without sorting: the same figures as `Sample::from_ms(ms.to_vec()).summary()`.
pub(crate) fn summary_ms(ms: &[u64]) -> Summary {
    let n = ms.len();
    if n == 0 {
        return Summary::default();
    }
    let day = MS_PER_DAY as f64;
    let mut ranks: Vec<usize> = Vec::with_capacity(2 * SUMMARY_LEVELS.len() + 1);
    for level in SUMMARY_LEVELS {
        let (lo, _) = type7_position(n, level);
        ranks.push(lo);
        if lo + 1 < n {
            ranks.push(lo + 1);
        }
    }
    ranks.push(n - 1);
    ranks.sort_unstable();
    ranks.dedup();
    let values = select_ranks(ms, &ranks);
    let at = |r: usize| values[ranks.partition_point(|&x| x < r)] as f64 / day;
    let pct = |level: f64| {
        let (lo, frac) = type7_position(n, level);
        interpolate(at(lo), (lo + 1 < n).then(|| at(lo + 1)), frac)
    };
    let mean = ms.iter().map(|&m| m as f64 / day).sum::<f64>() / n as f64;
    let sd = (n > 1).then(|| {
        let ss: f64 = ms
            .iter()
            .map(|&m| {
                let d = m as f64 / day - mean;
                d * d
            })
            .sum();
        (ss / (n - 1) as f64).sqrt()
    });
    Summary {
        count: n as u64,
        mean: Some(mean),
        sd,
        p50: Some(pct(50.0)),
        p70: Some(pct(70.0)),
        p85: Some(pct(85.0)),
        p95: Some(pct(95.0)),
        max: Some(at(n - 1)),
    }
}

/// Count, mean, standard deviation, percentiles (type 7) and maximum of a sample of
/// durations in days.
///
/// JSON: `{count, mean, sd, p50, p70, p85, p95, max}`; every figure but `count` is `null`
/// for an empty sample, and `sd` (divisor `n − 1`) is `null` for fewer than two values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The number of values.
    pub count: u64,
    /// The arithmetic mean.
    pub mean: Option<f64>,
    /// The sample standard deviation (divisor `n − 1`).
    pub sd: Option<f64>,
    /// The 50th percentile (median).
    pub p50: Option<f64>,
    /// The 70th percentile.
    pub p70: Option<f64>,
    /// The 85th percentile.
    pub p85: Option<f64>,
    /// The 95th percentile.
    pub p95: Option<f64>,
    /// The largest value.
    pub max: Option<f64>,
}

impl Summary {
    /// The percentile at one of the summary's levels (50, 70, 85 or 95).
    pub fn at(&self, level: f64) -> Option<f64> {
        match level {
            50.0 => self.p50,
            70.0 => self.p70,
            85.0 => self.p85,
            95.0 => self.p95,
            _ => None,
        }
    }
}

/// Counts of values in consecutive bins `[start + i·bin_width, start + (i+1)·bin_width)`
/// (the largest value falls in the last bin).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Histogram {
    /// The lower edge of the first bin.
    pub start: f64,
    /// The width of every bin.
    pub bin_width: f64,
    /// The number of values in each bin.
    pub counts: Vec<u64>,
}

impl Histogram {
    /// The lower edge of bin `i`.
    pub fn lower_edge(&self, i: usize) -> f64 {
        self.start + i as f64 * self.bin_width
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn plural_agrees_with_the_count() {
        assert_eq!(plural(0, "item", "items"), "0 items");
        assert_eq!(plural(1, "item", "items"), "1 item");
        assert_eq!(plural(2, "item", "items"), "2 items");
        assert_eq!(plural(1, "day", "days"), "1 day");
    }

    #[test]
    fn kaplan_meier_sample_by_hand() {
        // Without censoring: the sample itself, sorted.
        assert_eq!(
            kaplan_meier_sample(&[3.0, 1.0, 2.0], &[]),
            vec![1.0, 2.0, 3.0]
        );
        // 1, 2, 2.5+, 3: S = 3/4 after 1, 1/2 after 2, 0 after 3 (one at risk): the
        // censored item's mass goes to the later event.
        assert_eq!(
            kaplan_meier_sample(&[1.0, 2.0, 3.0], &[2.5]),
            vec![1.0, 2.0, 3.0, 3.0]
        );
        // 1, 5+: half the mass is beyond the last event, put at the largest observation.
        assert_eq!(kaplan_meier_sample(&[1.0], &[5.0]), vec![1.0, 5.0]);
        // A censoring tied with an event is at risk at that instant: 2, 2+, 4 gives
        // S = 2/3 after 2, 0 after 4.
        assert_eq!(
            kaplan_meier_sample(&[2.0, 4.0], &[2.0]),
            vec![2.0, 4.0, 4.0]
        );
    }

    #[test]
    fn wasserstein_is_the_mean_gap_of_quantiles_and_the_area_between_cdfs() {
        // Equal sizes: the mean absolute difference of the order statistics.
        let a = [0.5, 1.0, 4.0, 7.5];
        let b = [0.0, 2.0, 2.5, 9.0];
        let by_order = (0.5 + 1.0 + 1.5 + 1.5) / 4.0;
        assert!((wasserstein1(&a, &b) - by_order).abs() < 1e-12);
        assert!((wasserstein1(&b, &a) - by_order).abs() < 1e-12);
        // A shift moves every unit of mass by the shift.
        let shifted: Vec<f64> = a.iter().map(|x| x + 3.0).collect();
        assert!((wasserstein1(&a, &shifted) - 3.0).abs() < 1e-12);
        // Unequal sizes, by hand: F_a = 1 from 0; F_b = 1/2 on [0, 2).
        assert!((wasserstein1(&[0.0], &[0.0, 2.0]) - 1.0).abs() < 1e-12);
        // Ties within and across samples.
        assert!(wasserstein1(&[1.0, 1.0, 2.0], &[1.0, 1.0, 2.0]).abs() < 1e-12);
        assert!(wasserstein1(&[], &[1.0]).is_nan());
    }

    #[test]
    fn type7_matches_numpy_on_the_design_example() {
        let s = Sample::new([3.0, 7.0, 3.0, 10.0]);
        assert!(close(s.percentile(50.0), 5.0));
        assert!(close(s.percentile(85.0), 8.65));
        assert!(close(s.percentile(95.0), 9.55));
        assert!(close(s.percentile(0.0), 3.0));
        assert!(close(s.percentile(100.0), 10.0));
        assert_eq!(s.percentile(101.0), None);
        assert_eq!(s.percentile(f64::NAN), None);
        // numpy.percentile([3, 7, 3, 10], 70) = 7.3
        assert!(close(s.percentile(70.0), 7.3));
    }

    #[test]
    fn summary_of_small_samples() {
        let e = Sample::new([]);
        assert_eq!(e.summary(), Summary::default());
        let one = Sample::new([2.5, f64::NAN]);
        let s = one.summary();
        assert_eq!(
            (s.count, s.mean, s.sd, s.p95, s.max),
            (1, Some(2.5), None, Some(2.5), Some(2.5))
        );
        // pandas Series([3, 7, 3, 10]).std() = 3.4034296427770228
        let s = Sample::new([3.0, 7.0, 3.0, 10.0]).summary();
        assert!(close(s.sd, 3.403_429_642_777_023));
        assert!(close(s.mean, 5.75));
    }

    #[test]
    fn negative_values_sort_too() {
        let s = Sample::new([1.0, -2.0, 0.5, -0.0]);
        assert_eq!(s.values(), &[-2.0, -0.0, 0.5, 1.0]);
    }

    #[test]
    fn durations_in_ms_become_days() {
        let s = Sample::from_ms(vec![86_400_000 * 3, 43_200_000, 0]);
        assert_eq!(s.values(), &[0.0, 0.5, 3.0]);
        let big: Vec<u64> = (0..1000u64).rev().map(|i| i * 1_000_003).collect();
        let s = Sample::from_ms(big);
        assert!(s.values().windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn selection_summary_equals_sorted_summary() {
        let mut x: u64 = 12345;
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for (n, m) in [
            (0usize, 10u64),
            (1, 10),
            (2, 10),
            (5, 3),
            (3000, 1),
            (3000, 5),
            (5000, 1 << 40),
            (20_000, 86_400_000 * 30),
            (9000, 7),
        ] {
            let mut v: Vec<u64> = (0..n).map(|_| next(m)).collect();
            // A heavy head and a long tail, as in real logs.
            if n > 100 {
                for x in v.iter_mut().take(n / 3) {
                    *x = next(4);
                }
                v[n / 2] = u64::from(u32::MAX) << 8;
            }
            let want = Sample::from_ms(v.clone()).summary();
            let got = summary_ms(&v);
            assert_eq!(got.count, want.count);
            for (g, w) in [
                (got.p50, want.p50),
                (got.p70, want.p70),
                (got.p85, want.p85),
                (got.p95, want.p95),
                (got.max, want.max),
            ] {
                assert_eq!(g, w, "n={n} m={m}");
            }
            for (g, w) in [(got.mean, want.mean), (got.sd, want.sd)] {
                match (g, w) {
                    (Some(g), Some(w)) => {
                        assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "n={n}: {g} {w}");
                    }
                    (g, w) => assert_eq!(g, w),
                }
            }
        }
    }

    #[test]
    fn histogram_bins() {
        let s = Sample::new([0.5, 1.0, 1.5, 3.0]);
        let h = s.histogram(1.0).unwrap();
        assert_eq!(h.start, 0.0);
        assert_eq!(h.counts, vec![1, 2, 0, 1]);
        assert_eq!(h.lower_edge(3), 3.0);
        assert!(s.histogram(0.0).is_err());
        assert!(s.histogram(1e-9).is_err());
        assert!(Sample::new([]).histogram(1.0).unwrap().counts.is_empty());
    }

    #[test]
    fn empirical_fraction() {
        let s = Sample::new([1.0, 2.0, 2.0, 4.0]);
        assert_eq!(s.fraction_at_most(2.0), Some(0.75));
        assert_eq!(s.fraction_at_most(0.0), Some(0.0));
        assert_eq!(Sample::new([]).fraction_at_most(1.0), None);
    }

    #[test]
    fn unsorted_percentiles_are_type_7() {
        // The definition's worked example.
        let mut d = [3.0, 7.0, 3.0, 10.0];
        let [p50, p85, p95] = percentiles_unsorted(&mut d, [50.0, 85.0, 95.0]);
        assert!((p50 - 5.0).abs() < 1e-12);
        assert!((p85 - 8.65).abs() < 1e-12);
        assert!((p95 - 9.55).abs() < 1e-12);
        assert!(percentiles_unsorted(&mut [], [50.0])[0].is_nan());
        assert_eq!(percentiles_unsorted(&mut [4.0], [50.0, 85.0]), [4.0; 2]);
        assert_eq!(
            percentiles_unsorted(&mut [1.0, 2.0], [0.0, 100.0]),
            [1.0, 2.0]
        );
    }

    #[test]
    fn unsorted_percentiles_equal_sorted_ones() {
        // A deterministic shuffle of 0..1000 with duplicates.
        let mut d: Vec<f64> = (0..1001u64)
            .map(|i| ((i * 7919) % 1001 / 3) as f64)
            .collect();
        let sample = Sample::new(d.clone());
        let levels = [10.0, 50.0, 50.0, 85.0, 95.0, 99.9];
        let got = percentiles_unsorted(&mut d, levels);
        for (g, l) in got.iter().zip(levels) {
            assert_eq!(Some(*g), sample.percentile(l), "p{l}");
        }
    }

    #[test]
    fn confidence_intervals_use_student_t() {
        let (m, ci) = mean_ci([1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        // s = 1.290994, t(0.975, 3) = 3.182446.
        let [lo, hi] = ci.unwrap();
        assert!((hi - m - 3.182446 * 1.290994 / 2.0).abs() < 1e-5, "{hi}");
        assert!((m - lo - (hi - m)).abs() < 1e-12);
        assert_eq!(mean_ci([5.0]), (5.0, None));
        assert_eq!(mean_ci([f64::NAN, 5.0]).0, 5.0);
    }

    #[test]
    fn clopper_pearson_matches_published_intervals() {
        // The bounds solved by bisection on the binomial CDF itself (P(X ≥ k | lo) = 2.5%,
        // P(X ≤ k | hi) = 2.5%): 66 of 81 gives 0.71302 to 0.89248; 0 of 10 gives 0 to
        // 0.30850; 10 of 10 gives 0.69150 to 1.
        let [lo, hi] = binomial_ci(66, 81, 0.95).unwrap();
        assert!(
            (lo - 0.71302).abs() < 5e-5 && (hi - 0.89248).abs() < 5e-5,
            "{lo} {hi}"
        );
        let [lo, hi] = binomial_ci(0, 10, 0.95).unwrap();
        assert!(lo == 0.0 && (hi - 0.30850).abs() < 5e-5, "{hi}");
        let [lo, hi] = binomial_ci(10, 10, 0.95).unwrap();
        assert!((lo - 0.69150).abs() < 5e-5 && hi == 1.0, "{lo}");
        assert!(binomial_ci(0, 0, 0.95).is_none());
    }
}
