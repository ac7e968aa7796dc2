//! Estimating from samples: maximum-likelihood fits of service-time distributions with
//! their goodness of fit, and scheduled releases recognised in start instants.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::gamma::{digamma, gamma_lr, ln_gamma};

/// A parametric family fitted by maximum likelihood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Exponential (mean).
    Exponential,
    /// Lognormal (μ, σ of the logarithm).
    Lognormal,
    /// Gamma (shape, scale).
    Gamma,
    /// Weibull (shape, scale).
    Weibull,
}

/// One family fitted to a sample.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FamilyFit {
    /// The family.
    pub family: Family,
    /// Its mean in days.
    pub mean_days: f64,
    /// Its coefficient of variation.
    pub cv: f64,
    /// The first parameter (exponential: mean; lognormal: μ; gamma and Weibull: shape).
    pub p1: f64,
    /// The second parameter (lognormal: σ; gamma and Weibull: scale; exponential: 0).
    pub p2: f64,
    /// The log-likelihood of the sample.
    pub log_likelihood: f64,
    /// Akaike's information criterion, 2k − 2 ln L (lower is better).
    pub aic: f64,
    /// The Kolmogorov–Smirnov statistic: the largest gap between the sample's and the fitted
    /// distribution function.
    pub ks: f64,
}

/// Trigamma ψ′(x) for x > 0: the recurrence ψ′(x) = ψ′(x + 1) + 1/x² up to x ≥ 10, then the
/// asymptotic series (Abramowitz and Stegun 6.4.12).
fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    acc + 1.0 / x
        + x2 / 2.0
        + x2 / x * (1.0 / 6.0 - x2 * (1.0 / 30.0 - x2 * (1.0 / 42.0 - x2 / 30.0)))
}

fn ks_statistic(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// Fits the four families by maximum likelihood to the positive `sample` (days) and returns
/// them best first (lowest AIC). Samples ≤ 0 are not used (a zero-length visit has no
/// service time these families can describe); `None` if fewer than two remain or all are
/// equal.
///
/// # Formula
///
/// Exponential: mean = x̄. Lognormal: μ, σ² = mean and variance (1/n) of ln x. Gamma: the
/// shape k solves ln k − ψ(k) = ln x̄ − mean(ln x) (Newton's method from Minka's starting
/// value), scale = x̄/k. Weibull: the shape k solves Σxᵏ ln x / Σxᵏ − 1/k = mean(ln x),
/// scale = (Σxᵏ/n)^(1/k). See Johnson, Kotz and Balakrishnan, *Continuous Univariate
/// Distributions* (1994), and T. Minka, "Estimating a Gamma distribution" (2002).
pub(crate) fn fit_families(sample: &[f64]) -> Option<Vec<FamilyFit>> {
    let mut xs: Vec<f64> = sample
        .iter()
        .copied()
        .filter(|x| *x > 0.0 && x.is_finite())
        .collect();
    if xs.len() < 2 {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    if xs[0] == xs[xs.len() - 1] {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let logs: Vec<f64> = xs.iter().map(|x| x.ln()).collect();
    let mean_log = logs.iter().sum::<f64>() / n;
    let sample = Positive {
        n,
        mean,
        sum_log: mean_log * n,
        mean_log,
        logs,
        xs,
    };
    let mut fits = Vec::with_capacity(4);
    fits.push(exponential(&sample));
    fits.extend(lognormal(&sample)?);
    fits.extend(gamma(&sample));
    fits.extend(weibull(&sample));
    fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    Some(fits)
}

/// A sorted sample of positive values, with the sums the likelihoods need.
struct Positive {
    xs: Vec<f64>,
    logs: Vec<f64>,
    n: f64,
    mean: f64,
    mean_log: f64,
    sum_log: f64,
}

fn exponential(x: &Positive) -> FamilyFit {
    let (n, mean) = (x.n, x.mean);
    let ll = -n * mean.ln() - n;
    FamilyFit {
        family: Family::Exponential,
        mean_days: mean,
        cv: 1.0,
        p1: mean,
        p2: 0.0,
        log_likelihood: ll,
        aic: 2.0 - 2.0 * ll,
        ks: ks_statistic(&x.xs, |v| 1.0 - (-v / mean).exp()),
    }
}

/// The lognormal fit (`Some(None)` when the logarithms do not vary; `None`, which abandons
/// every fit, if no normal distribution has them as parameters).
fn lognormal(x: &Positive) -> Option<Option<FamilyFit>> {
    let (n, mean_log) = (x.n, x.mean_log);
    let var = x.logs.iter().map(|l| (l - mean_log).powi(2)).sum::<f64>() / n;
    let sigma = var.sqrt();
    let positive = sigma > 0.0;
    if !positive {
        return Some(None);
    }
    let ll = -x.sum_log - n * sigma.ln() - n * 0.5 * (2.0 * std::f64::consts::PI).ln() - n / 2.0;
    let normal = Normal::new(mean_log, sigma).ok()?;
    Some(Some(FamilyFit {
        family: Family::Lognormal,
        mean_days: (mean_log + var / 2.0).exp(),
        cv: (var.exp() - 1.0).sqrt(),
        p1: mean_log,
        p2: sigma,
        log_likelihood: ll,
        aic: 4.0 - 2.0 * ll,
        ks: ks_statistic(&x.xs, |v| normal.cdf(v.ln())),
    }))
}

fn gamma(x: &Positive) -> Option<FamilyFit> {
    let (n, mean, sum_log) = (x.n, x.mean, x.sum_log);
    let s = mean.ln() - x.mean_log;
    let positive = s > 0.0;
    if !positive {
        return None;
    }
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..50 {
        let f = k.ln() - digamma(k) - s;
        let df = 1.0 / k - trigamma(k);
        let next = k - f / df;
        let next = if next > 0.0 { next } else { k / 2.0 };
        if (next - k).abs() < 1e-12 * k {
            k = next;
            break;
        }
        k = next;
    }
    let theta = mean / k;
    let ll = (k - 1.0) * sum_log - n * k * theta.ln() - n * ln_gamma(k) - n * mean / theta;
    Some(FamilyFit {
        family: Family::Gamma,
        mean_days: mean,
        cv: 1.0 / k.sqrt(),
        p1: k,
        p2: theta,
        log_likelihood: ll,
        aic: 4.0 - 2.0 * ll,
        ks: ks_statistic(&x.xs, |v| gamma_lr(k, v / theta)),
    })
}

/// Weibull: g(k) = Σxᵏ ln x / Σxᵏ − 1/k − mean(ln x) is increasing in k; bisection on a
/// bracket, then the scale. Powers are taken relative to the largest sample to avoid
/// overflow.
fn weibull(x: &Positive) -> Option<FamilyFit> {
    let (xs, n, sum_log) = (&x.xs, x.n, x.sum_log);
    let xmax = xs[xs.len() - 1];
    let g = |k: f64| {
        let (mut a, mut b) = (0.0, 0.0);
        for (x, l) in xs.iter().zip(&x.logs) {
            let w = (x / xmax).powf(k);
            a += w * l;
            b += w;
        }
        a / b - 1.0 / k - x.mean_log
    };
    let (mut lo, mut hi) = (1e-3, 1.0);
    while g(hi) < 0.0 && hi < 1e3 {
        lo = hi;
        hi *= 2.0;
    }
    let bracketed = g(hi) >= 0.0;
    if !bracketed {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if g(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-10 * hi {
            break;
        }
    }
    let k = 0.5 * (lo + hi);
    let scale = xmax * (xs.iter().map(|x| (x / xmax).powf(k)).sum::<f64>() / n).powf(1.0 / k);
    let ll = n * k.ln() - n * k * scale.ln() + (k - 1.0) * sum_log
        - xs.iter().map(|x| (x / scale).powf(k)).sum::<f64>();
    let g1 = ln_gamma(1.0 + 1.0 / k).exp();
    let g2 = ln_gamma(1.0 + 2.0 / k).exp();
    Some(FamilyFit {
        family: Family::Weibull,
        mean_days: scale * g1,
        cv: (g2 / (g1 * g1) - 1.0).max(0.0).sqrt(),
        p1: k,
        p2: scale,
        log_likelihood: ll,
        aic: 4.0 - 2.0 * ll,
        ks: ks_statistic(xs, |v| 1.0 - (-(v / scale).powf(k)).exp()),
    })
}

/// A scheduled release recognised in the instants at which a stage starts its work.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Release {
    /// The period between releases, in days.
    pub every_days: f64,
    /// The first release after `origin`, in days.
    pub offset_days: f64,
    /// How many releases were seen.
    pub releases: usize,
    /// The share of starts that happened in a release (with at least one other item).
    pub share_in_releases: f64,
    /// The coefficient of variation of the gaps between releases.
    pub gap_cv: f64,
}

/// Looks for a scheduled release in `starts` (days, any order): starts within an hour of
/// each other form one release; the work is released on a schedule when most starts
/// (at least 60%) are in releases of two or more items, there are at least four releases,
/// and the gaps between them are regular (coefficient of variation under 0.3). The period
/// is the median gap, rounded to a whole day when within 5% of one; the offset is the
/// median phase of the releases after `origin`.
pub(crate) fn detect_release(starts: &[f64], origin: f64) -> Option<Release> {
    const HOUR: f64 = 1.0 / 24.0;
    let mut t: Vec<f64> = starts.iter().copied().filter(|x| x.is_finite()).collect();
    if t.len() < 8 {
        return None;
    }
    t.sort_by(f64::total_cmp);
    // Group into releases: (first instant, size).
    let mut groups: Vec<(f64, usize)> = Vec::new();
    for &x in &t {
        match groups.last_mut() {
            Some((first, size)) if x - *first <= HOUR => *size += 1,
            _ => groups.push((x, 1)),
        }
    }
    let releases: Vec<f64> = groups.iter().filter(|g| g.1 >= 2).map(|g| g.0).collect();
    let in_releases: usize = groups.iter().filter(|g| g.1 >= 2).map(|g| g.1).sum();
    let share = in_releases as f64 / t.len() as f64;
    if releases.len() < 4 || share < 0.6 {
        return None;
    }
    let mut gaps: Vec<f64> = releases.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f64::total_cmp);
    let median = gaps[gaps.len() / 2];
    let gm = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let gsd = (gaps.iter().map(|g| (g - gm).powi(2)).sum::<f64>() / (gaps.len() - 1).max(1) as f64)
        .sqrt();
    let gap_cv = gsd / gm;
    if median <= 0.0 || gap_cv >= 0.3 {
        return None;
    }
    let every = if (median - median.round()).abs() <= 0.05 * median && median.round() >= 1.0 {
        median.round()
    } else {
        median
    };
    let mut phases: Vec<f64> = releases
        .iter()
        .map(|r| (r - origin).rem_euclid(every))
        .collect();
    phases.sort_by(f64::total_cmp);
    Some(Release {
        every_days: every,
        offset_days: phases[phases.len() / 2],
        releases: releases.len(),
        share_in_releases: share,
        gap_cv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;
    use rand_distr::{Distribution, Exp, Gamma, LogNormal, Weibull};

    fn draw<D: Distribution<f64>>(d: D, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    fn best(sample: &[f64]) -> FamilyFit {
        fit_families(sample).unwrap().remove(0)
    }

    #[test]
    fn trigamma_matches_known_values() {
        // ψ′(1) = π²/6, ψ′(1/2) = π²/2.
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-10);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-10);
    }

    #[test]
    fn each_family_is_recovered_from_its_own_sample() {
        let g = best(&draw(Gamma::new(2.5, 0.4).unwrap(), 20_000, 1));
        assert_eq!(g.family, Family::Gamma);
        assert!(
            (g.p1 - 2.5).abs() < 0.1 && (g.mean_days - 1.0).abs() < 0.02,
            "{g:?}"
        );
        let l = best(&draw(LogNormal::new(0.0, 0.8).unwrap(), 20_000, 2));
        assert_eq!(l.family, Family::Lognormal);
        assert!((l.p2 - 0.8).abs() < 0.02, "{l:?}");
        let w = best(&draw(Weibull::new(2.0, 3.0).unwrap(), 20_000, 3));
        assert_eq!(w.family, Family::Weibull);
        assert!(
            (w.p1 - 3.0).abs() < 0.1 && (w.p2 - 2.0).abs() < 0.05,
            "{w:?}"
        );
        let e = best(&draw(Exp::new(0.5).unwrap(), 20_000, 4));
        assert!(
            matches!(
                e.family,
                Family::Exponential | Family::Gamma | Family::Weibull
            ),
            "{e:?}"
        );
        assert!((e.mean_days - 2.0).abs() < 0.05);
        // Goodness of fit: the right family's KS statistic is small.
        assert!(g.ks < 0.015 && l.ks < 0.015 && w.ks < 0.015);
    }

    #[test]
    fn degenerate_samples_have_no_fit() {
        assert!(fit_families(&[]).is_none());
        assert!(fit_families(&[1.0]).is_none());
        assert!(fit_families(&[2.0, 2.0, 2.0]).is_none());
        assert!(fit_families(&[0.0, 0.0, 1.0]).is_none());
    }

    #[test]
    fn a_weekly_release_is_recognised() {
        // Releases every Monday 10:00 from day 3 on, 2–6 items each; plus noise-free.
        let mut starts = Vec::new();
        for w in 0..20 {
            for k in 0..(2 + w % 5) {
                starts.push(3.0 + 7.0 * f64::from(w) + 10.0 / 24.0 + f64::from(k) * 0.001);
            }
        }
        let r = detect_release(&starts, 0.0).unwrap();
        assert_eq!(r.every_days, 7.0);
        assert!((r.offset_days - (3.0 + 10.0 / 24.0)).abs() < 1e-9);
        assert_eq!(r.releases, 20);
        assert_eq!(r.share_in_releases, 1.0);
        // Work started continuously is not a release.
        let spread: Vec<f64> = (0..200).map(|i| f64::from(i) * 0.37).collect();
        assert!(detect_release(&spread, 0.0).is_none());
    }
}
