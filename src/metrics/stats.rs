//! Summary statistics: samples, type-7 percentiles, summaries and histograms.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::time::MS_PER_DAY;

/// The percentile levels of every [`Summary`].
pub(crate) const SUMMARY_LEVELS: [f64; 4] = [50.0, 70.0, 85.0, 95.0];

/// Type-7 percentile of sorted values.
///
/// # Formula
///
/// Hyndman and Fan (1996), "Sample quantiles in statistical packages", definition 7 (the
/// default of R, numpy, pandas and spreadsheets' `PERCENTILE.INC`): with `n` sorted values
/// `x[0] ≤ … ≤ x[n-1]` and `h = (n − 1)·p/100`, the percentile is
/// `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`.
fn type7(sorted: &[f64], level: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&level) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * level / 100.0;
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    let a = sorted[lo];
    Some(match sorted.get(lo + 1) {
        Some(&b) if frac > 0.0 => a + frac * (b - a),
        _ => a,
    })
}

/// Sorts finite values ascending. Non-negative values (durations, the common case) are
/// sorted as integers: the bit patterns of non-negative `f64`s order as the numbers do.
fn sort_values(values: &mut [f64]) {
    if values.iter().all(|v| v.is_sign_positive()) {
        let mut bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
        radix_sort(&mut bits);
        for (v, b) in values.iter_mut().zip(bits) {
            *v = f64::from_bits(b);
        }
    } else {
        values.sort_unstable_by(f64::total_cmp);
    }
}

/// Sorts `u64` keys with a least-significant-digit radix sort (11-bit digits), skipping
/// the digits on which every key agrees. Several times faster than a comparison sort on
/// the millions of keys of a large log.
pub(crate) fn radix_sort(keys: &mut [u64]) {
    const BITS: u32 = 11;
    const BUCKETS: usize = 1 << BITS;
    if keys.len() < 256 {
        keys.sort_unstable();
        return;
    }
    let (mut or, mut and) = (0u64, u64::MAX);
    for &k in keys.iter() {
        or |= k;
        and &= k;
    }
    let varying = or ^ and;
    let mut buf = vec![0u64; keys.len()];
    let mut counts = vec![0usize; BUCKETS];
    let mut in_keys = true;
    let mut shift = 0;
    while shift < 64 {
        let mask = ((BUCKETS - 1) as u64) << shift;
        if varying & mask != 0 {
            let (src, dst): (&[u64], &mut [u64]) = if in_keys {
                (&*keys, &mut buf)
            } else {
                (&buf, &mut *keys)
            };
            counts.fill(0);
            for &k in src {
                counts[((k >> shift) as usize) & (BUCKETS - 1)] += 1;
            }
            let mut sum = 0;
            for c in counts.iter_mut() {
                let n = *c;
                *c = sum;
                sum += n;
            }
            for &k in src {
                let d = ((k >> shift) as usize) & (BUCKETS - 1);
                dst[counts[d]] = k;
                counts[d] += 1;
            }
            in_keys = !in_keys;
        }
        shift += BITS;
    }
    if !in_keys {
        keys.copy_from_slice(&buf);
    }
}

/// A sample of values (days, usually), kept sorted: percentiles at any level, summaries
/// and histograms.
///
/// Values that are not finite are left out.
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

    /// The sample of durations given in milliseconds, as days (radix-sorted as integers).
    pub(crate) fn from_ms(mut ms: Vec<u64>) -> Sample {
        radix_sort(&mut ms);
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

/// Count, mean, standard deviation, percentiles (type 7) and maximum of a sample of
/// durations in days.
///
/// JSON: `{count, mean, sd, p50, p70, p85, p95, max}`; every figure but `count` is `null`
/// for an empty sample, and `sd` (divisor `n − 1`) is `null` for fewer than two values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
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
    fn radix_sort_sorts() {
        let mut x: u64 = 99;
        let mut v: Vec<u64> = (0..5000)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                x >> (x % 40)
            })
            .collect();
        let mut w = v.clone();
        radix_sort(&mut v);
        w.sort_unstable();
        assert_eq!(v, w);
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
}
