//! Distributions of service and interarrival times, in days.

use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution as _, Exp1, StandardNormal};
use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use crate::error::{Error, Result};

/// A distribution of durations in days: how long a service (or the gap between two
/// arrivals) takes.
///
/// In a model file it is an inline table tagged by `dist`:
///
/// | `dist` | keys | mean | squared CV |
/// |---|---|---|---|
/// | `exponential` | `mean_days` | m | 1 |
/// | `deterministic` | `days` | d | 0 |
/// | `uniform` | `min_days`, `max_days` | (a+b)/2 | (b−a)²/(3(a+b)²) |
/// | `triangular` | `min_days`, `mode_days`, `max_days` | (a+c+b)/3 | var/mean², var = (a²+b²+c²−ab−ac−bc)/18 |
/// | `lognormal` | `mean_days`, `cv` | m | cv² |
/// | `gamma` | `mean_days`, `cv` | m | cv² |
/// | `weibull` | `shape`, `scale_days` | λ Γ(1+1/k) | Γ(1+2/k)/Γ(1+1/k)² − 1 |
/// | `erlang` | `k`, `mean_days` | m | 1/k |
/// | `empirical` | `samples_days = [...]` | sample mean | population variance / mean² |
///
/// An `empirical` distribution is resampled: each draw is one of the samples, chosen
/// uniformly at random.
///
/// ```
/// use valuestream::Distribution;
///
/// let dev: Distribution = toml::from_str(r#"dist = "lognormal"
/// mean_days = 2.0
/// cv = 0.8"#).unwrap();
/// assert_eq!(dev.mean(), 2.0);
/// assert!((dev.scv() - 0.64).abs() < 1e-12);
/// assert_eq!(Distribution::erlang(4, 1.0)?.scv(), 0.25);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// The fields are public so that a model can be changed in code; [`Distribution::check`]
/// (called by every consumer of a model) rejects invalid parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
#[non_exhaustive]
pub enum Distribution {
    /// Exponential (memoryless): squared CV 1.
    Exponential {
        /// The mean, > 0.
        mean_days: f64,
    },
    /// Always the same duration: squared CV 0.
    Deterministic {
        /// The duration, ≥ 0.
        days: f64,
    },
    /// Uniform between two bounds.
    Uniform {
        /// The lower bound, ≥ 0.
        min_days: f64,
        /// The upper bound, ≥ `min_days`.
        max_days: f64,
    },
    /// Triangular: from `min_days` rising to `mode_days` and falling to `max_days`.
    Triangular {
        /// The lower bound, ≥ 0.
        min_days: f64,
        /// The most likely value, between the bounds.
        mode_days: f64,
        /// The upper bound, > `min_days`.
        max_days: f64,
    },
    /// Lognormal with the given mean and coefficient of variation.
    Lognormal {
        /// The mean, > 0.
        mean_days: f64,
        /// The coefficient of variation (standard deviation / mean), > 0.
        cv: f64,
    },
    /// Gamma with the given mean and coefficient of variation (shape 1/cv²).
    Gamma {
        /// The mean, > 0.
        mean_days: f64,
        /// The coefficient of variation, > 0.
        cv: f64,
    },
    /// Weibull with shape k and scale λ: P(X > x) = exp(−(x/λ)^k).
    Weibull {
        /// The shape k, > 0 (1 is exponential; below 1 heavy-tailed).
        shape: f64,
        /// The scale λ, > 0.
        scale_days: f64,
    },
    /// Erlang: the sum of `k` exponential phases, squared CV 1/k.
    Erlang {
        /// The number of phases, ≥ 1.
        k: u32,
        /// The mean of the sum, > 0.
        mean_days: f64,
    },
    /// Resampling of observed durations.
    Empirical {
        /// The observed durations: at least one, each finite and ≥ 0.
        samples_days: Vec<f64>,
    },
}

/// A parameter of a distribution that is out of range: its key and what is wrong.
#[derive(Debug)]
pub(crate) struct BadParameter {
    pub(crate) key: &'static str,
    pub(crate) message: String,
}

fn bad(key: &'static str, message: String) -> BadParameter {
    BadParameter { key, message }
}

fn positive(key: &'static str, what: &str, v: f64) -> Result<(), BadParameter> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(bad(
            key,
            format!("{what} must be a positive number of days, got {v}"),
        ))
    }
}

fn non_negative(key: &'static str, what: &str, v: f64) -> Result<(), BadParameter> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(bad(
            key,
            format!("{what} must be a number of days ≥ 0, got {v}"),
        ))
    }
}

fn positive_cv(v: f64) -> Result<(), BadParameter> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(bad(
            "cv",
            format!(
                "the coefficient of variation must be positive, got {v} (use dist = \"deterministic\" for no variation)"
            ),
        ))
    }
}

impl Distribution {
    /// Exponential with the given mean.
    ///
    /// # Errors
    ///
    /// [`Error::Model`] naming the key if the mean is not positive and finite (as for every
    /// constructor below).
    pub fn exponential(mean_days: f64) -> Result<Distribution> {
        Distribution::Exponential { mean_days }.checked()
    }

    /// Always `days`.
    ///
    /// # Errors
    ///
    /// If `days` is negative or not finite.
    pub fn deterministic(days: f64) -> Result<Distribution> {
        Distribution::Deterministic { days }.checked()
    }

    /// Uniform on `[min_days, max_days]`.
    ///
    /// # Errors
    ///
    /// If a bound is negative or not finite, or `max_days < min_days`.
    pub fn uniform(min_days: f64, max_days: f64) -> Result<Distribution> {
        Distribution::Uniform { min_days, max_days }.checked()
    }

    /// Triangular on `[min_days, max_days]` with the given mode.
    ///
    /// # Errors
    ///
    /// If a bound is negative or not finite, the mode is outside the bounds, or the bounds
    /// are equal.
    pub fn triangular(min_days: f64, mode_days: f64, max_days: f64) -> Result<Distribution> {
        Distribution::Triangular {
            min_days,
            mode_days,
            max_days,
        }
        .checked()
    }

    /// Lognormal with the given mean and coefficient of variation.
    ///
    /// # Errors
    ///
    /// If the mean or the CV is not positive and finite.
    pub fn lognormal(mean_days: f64, cv: f64) -> Result<Distribution> {
        Distribution::Lognormal { mean_days, cv }.checked()
    }

    /// Gamma with the given mean and coefficient of variation.
    ///
    /// # Errors
    ///
    /// If the mean or the CV is not positive and finite.
    pub fn gamma(mean_days: f64, cv: f64) -> Result<Distribution> {
        Distribution::Gamma { mean_days, cv }.checked()
    }

    /// Weibull with shape `k` and scale `λ`.
    ///
    /// # Errors
    ///
    /// If shape or scale is not positive and finite, or the shape is so small that the
    /// variance overflows.
    pub fn weibull(shape: f64, scale_days: f64) -> Result<Distribution> {
        Distribution::Weibull { shape, scale_days }.checked()
    }

    /// Erlang with `k` phases and the given mean.
    ///
    /// # Errors
    ///
    /// If `k` is 0 or the mean is not positive and finite.
    pub fn erlang(k: u32, mean_days: f64) -> Result<Distribution> {
        Distribution::Erlang { k, mean_days }.checked()
    }

    /// Resampling of the given durations.
    ///
    /// # Errors
    ///
    /// If there are no samples, or one is negative or not finite.
    pub fn empirical(samples_days: Vec<f64>) -> Result<Distribution> {
        Distribution::Empirical { samples_days }.checked()
    }

    fn checked(self) -> Result<Distribution> {
        self.check()?;
        Ok(self)
    }

    /// Checks the parameters.
    ///
    /// # Errors
    ///
    /// [`Error::Model`] with the key at fault (`mean_days`, `cv`, …) and why.
    pub fn check(&self) -> Result<()> {
        self.validate().map_err(|b| Error::Model {
            pos: Box::default(),
            stage: None,
            key: Some(b.key.to_owned()),
            message: b.message,
        })
    }

    /// The name used as `dist` in model files.
    pub fn name(&self) -> &'static str {
        match self {
            Distribution::Exponential { .. } => "exponential",
            Distribution::Deterministic { .. } => "deterministic",
            Distribution::Uniform { .. } => "uniform",
            Distribution::Triangular { .. } => "triangular",
            Distribution::Lognormal { .. } => "lognormal",
            Distribution::Gamma { .. } => "gamma",
            Distribution::Weibull { .. } => "weibull",
            Distribution::Erlang { .. } => "erlang",
            Distribution::Empirical { .. } => "empirical",
        }
    }

    pub(crate) fn validate(&self) -> Result<(), BadParameter> {
        match *self {
            Distribution::Exponential { mean_days } => positive("mean_days", "the mean", mean_days),
            Distribution::Deterministic { days } => non_negative("days", "the duration", days),
            Distribution::Uniform { min_days, max_days } => {
                non_negative("min_days", "the lower bound", min_days)?;
                non_negative("max_days", "the upper bound", max_days)?;
                if max_days < min_days {
                    return Err(bad(
                        "max_days",
                        format!("the upper bound {max_days} is below the lower bound {min_days}"),
                    ));
                }
                Ok(())
            }
            Distribution::Triangular {
                min_days,
                mode_days,
                max_days,
            } => {
                non_negative("min_days", "the lower bound", min_days)?;
                non_negative("mode_days", "the mode", mode_days)?;
                non_negative("max_days", "the upper bound", max_days)?;
                if max_days <= min_days {
                    return Err(bad(
                        "max_days",
                        format!(
                            "the upper bound {max_days} must be above the lower bound {min_days}"
                        ),
                    ));
                }
                if mode_days < min_days || mode_days > max_days {
                    return Err(bad(
                        "mode_days",
                        format!("the mode {mode_days} is outside [{min_days}, {max_days}]"),
                    ));
                }
                Ok(())
            }
            Distribution::Lognormal { mean_days, cv } | Distribution::Gamma { mean_days, cv } => {
                positive("mean_days", "the mean", mean_days)?;
                positive_cv(cv)
            }
            Distribution::Weibull { shape, scale_days } => {
                if !(shape.is_finite() && shape > 0.0) {
                    return Err(bad(
                        "shape",
                        format!("the shape must be positive, got {shape}"),
                    ));
                }
                positive("scale_days", "the scale", scale_days)?;
                if !(self.mean().is_finite() && self.scv().is_finite()) {
                    return Err(bad(
                        "shape",
                        format!(
                            "the shape {shape} is so small that the mean or variance overflows"
                        ),
                    ));
                }
                Ok(())
            }
            Distribution::Erlang { k, mean_days } => {
                if k == 0 {
                    return Err(bad(
                        "k",
                        "the number of phases must be at least 1, got 0".into(),
                    ));
                }
                positive("mean_days", "the mean", mean_days)
            }
            Distribution::Empirical { ref samples_days } => {
                if samples_days.is_empty() {
                    return Err(bad(
                        "samples_days",
                        "the sample is empty; give at least one duration".into(),
                    ));
                }
                if let Some((i, v)) = samples_days
                    .iter()
                    .enumerate()
                    .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
                {
                    return Err(bad(
                        "samples_days",
                        format!(
                            "sample {} is {v}; every duration must be finite and ≥ 0",
                            i + 1
                        ),
                    ));
                }
                Ok(())
            }
        }
    }

    /// The mean, in days.
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Exponential { mean_days }
            | Distribution::Lognormal { mean_days, .. }
            | Distribution::Gamma { mean_days, .. }
            | Distribution::Erlang { mean_days, .. } => mean_days,
            Distribution::Deterministic { days } => days,
            Distribution::Uniform { min_days, max_days } => f64::midpoint(min_days, max_days),
            Distribution::Triangular {
                min_days,
                mode_days,
                max_days,
            } => (min_days + mode_days + max_days) / 3.0,
            Distribution::Weibull { shape, scale_days } => {
                scale_days * ln_gamma(1.0 + 1.0 / shape).exp()
            }
            Distribution::Empirical { ref samples_days } => {
                samples_days.iter().sum::<f64>() / samples_days.len() as f64
            }
        }
    }

    /// The variance, in days².
    pub fn variance(&self) -> f64 {
        let m = self.mean();
        match *self {
            Distribution::Exponential { mean_days } => mean_days * mean_days,
            Distribution::Deterministic { .. } => 0.0,
            Distribution::Uniform { min_days, max_days } => (max_days - min_days).powi(2) / 12.0,
            Distribution::Triangular {
                min_days: a,
                mode_days: c,
                max_days: b,
            } => (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0,
            Distribution::Lognormal { cv, .. } | Distribution::Gamma { cv, .. } => (m * cv).powi(2),
            Distribution::Weibull { .. } => m * m * self.scv(),
            Distribution::Erlang { k, .. } => m * m / f64::from(k),
            Distribution::Empirical { ref samples_days } => {
                samples_days.iter().map(|x| (x - m).powi(2)).sum::<f64>()
                    / samples_days.len() as f64
            }
        }
    }

    /// The squared coefficient of variation, variance / mean² (0 when the mean is 0).
    ///
    /// This is the variability that queueing formulas take: 1 for exponential, 0 for
    /// deterministic.
    pub fn scv(&self) -> f64 {
        match *self {
            Distribution::Exponential { .. } => 1.0,
            Distribution::Deterministic { .. } => 0.0,
            Distribution::Lognormal { cv, .. } | Distribution::Gamma { cv, .. } => cv * cv,
            Distribution::Erlang { k, .. } => 1.0 / f64::from(k),
            Distribution::Weibull { shape, .. } => {
                (ln_gamma(1.0 + 2.0 / shape) - 2.0 * ln_gamma(1.0 + 1.0 / shape)).exp() - 1.0
            }
            _ => {
                let m = self.mean();
                if m > 0.0 {
                    self.variance() / (m * m)
                } else {
                    0.0
                }
            }
        }
    }

    /// The largest value a draw can take, if bounded.
    pub fn max(&self) -> Option<f64> {
        match *self {
            Distribution::Deterministic { days } => Some(days),
            Distribution::Uniform { max_days, .. } | Distribution::Triangular { max_days, .. } => {
                Some(max_days)
            }
            Distribution::Empirical { ref samples_days } => {
                samples_days.iter().copied().reduce(f64::max)
            }
            _ => None,
        }
    }

    /// The same shape with every duration multiplied by `factor` (the mean scales by
    /// `factor`, the squared CV is unchanged; Weibull's shape and Erlang's phases stay).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `factor` is not positive and finite.
    pub fn scaled(&self, factor: f64) -> Result<Distribution> {
        if !(factor.is_finite() && factor > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "a scale factor must be positive and finite, got {factor}"
            )));
        }
        let f = factor;
        Ok(match self.clone() {
            Distribution::Exponential { mean_days } => Distribution::Exponential {
                mean_days: mean_days * f,
            },
            Distribution::Deterministic { days } => Distribution::Deterministic { days: days * f },
            Distribution::Uniform { min_days, max_days } => Distribution::Uniform {
                min_days: min_days * f,
                max_days: max_days * f,
            },
            Distribution::Triangular {
                min_days,
                mode_days,
                max_days,
            } => Distribution::Triangular {
                min_days: min_days * f,
                mode_days: mode_days * f,
                max_days: max_days * f,
            },
            Distribution::Lognormal { mean_days, cv } => Distribution::Lognormal {
                mean_days: mean_days * f,
                cv,
            },
            Distribution::Gamma { mean_days, cv } => Distribution::Gamma {
                mean_days: mean_days * f,
                cv,
            },
            Distribution::Weibull { shape, scale_days } => Distribution::Weibull {
                shape,
                scale_days: scale_days * f,
            },
            Distribution::Erlang { k, mean_days } => Distribution::Erlang {
                k,
                mean_days: mean_days * f,
            },
            Distribution::Empirical { samples_days } => Distribution::Empirical {
                samples_days: samples_days.into_iter().map(|x| x * f).collect(),
            },
        })
    }

    /// The sampler; the distribution must have passed [`Distribution::validate`].
    pub(crate) fn sampler(&self) -> Sampler {
        match *self {
            Distribution::Exponential { mean_days } => Sampler::Exponential { mean: mean_days },
            Distribution::Deterministic { days } => Sampler::Constant(days),
            Distribution::Uniform { min_days, max_days } => Sampler::Uniform {
                low: min_days,
                width: max_days - min_days,
            },
            Distribution::Triangular {
                min_days: a,
                mode_days: c,
                max_days: b,
            } => Sampler::Triangular {
                a,
                b,
                split: (c - a) / (b - a),
                left: (b - a) * (c - a),
                right: (b - a) * (b - c),
            },
            Distribution::Lognormal { mean_days, cv } => {
                let s2 = (1.0 + cv * cv).ln();
                Sampler::Lognormal {
                    mu: mean_days.ln() - s2 / 2.0,
                    sigma: s2.sqrt(),
                }
            }
            Distribution::Gamma { mean_days, cv } => {
                gamma_sampler(1.0 / (cv * cv), mean_days * cv * cv)
            }
            Distribution::Erlang { k, mean_days } => {
                if k == 1 {
                    Sampler::Exponential { mean: mean_days }
                } else {
                    gamma_sampler(f64::from(k), mean_days / f64::from(k))
                }
            }
            Distribution::Weibull { shape, scale_days } => Sampler::Weibull {
                inv_shape: 1.0 / shape,
                scale: scale_days,
            },
            Distribution::Empirical { ref samples_days } => {
                if samples_days.len() == 1 {
                    Sampler::Constant(samples_days[0])
                } else {
                    Sampler::Empirical(samples_days.clone().into_boxed_slice())
                }
            }
        }
    }
}

fn gamma_sampler(shape: f64, scale: f64) -> Sampler {
    match rand_distr::Gamma::new(shape, scale) {
        Ok(g) => Sampler::Gamma(g),
        // Parameters that passed validation are always accepted; keep the mean regardless.
        Err(_) => Sampler::Constant(shape * scale),
    }
}

/// A distribution compiled for drawing: parameters precomputed, no allocation per draw.
#[derive(Clone, Debug)]
pub(crate) enum Sampler {
    Exponential {
        mean: f64,
    },
    Constant(f64),
    Uniform {
        low: f64,
        width: f64,
    },
    Triangular {
        a: f64,
        b: f64,
        split: f64,
        left: f64,
        right: f64,
    },
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Gamma(rand_distr::Gamma<f64>),
    Weibull {
        inv_shape: f64,
        scale: f64,
    },
    Empirical(Box<[f64]>),
}

impl Sampler {
    /// One draw, ≥ 0.
    #[inline]
    pub(crate) fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        match self {
            Sampler::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Sampler::Constant(v) => *v,
            Sampler::Uniform { low, width } => low + width * rng.random::<f64>(),
            Sampler::Triangular {
                a,
                b,
                split,
                left,
                right,
            } => {
                let u: f64 = rng.random();
                if u < *split {
                    a + (u * left).sqrt()
                } else {
                    b - ((1.0 - u) * right).sqrt()
                }
            }
            Sampler::Lognormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Sampler::Gamma(g) => g.sample(rng).max(0.0),
            Sampler::Weibull { inv_shape, scale } => {
                let e: f64 = Exp1.sample(rng);
                scale * e.powf(*inv_shape)
            }
            Sampler::Empirical(samples) => samples[rng.random_range(0..samples.len())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn all() -> Vec<Distribution> {
        vec![
            Distribution::exponential(2.0).unwrap(),
            Distribution::deterministic(0.5).unwrap(),
            Distribution::uniform(1.0, 3.0).unwrap(),
            Distribution::triangular(1.0, 2.0, 6.0).unwrap(),
            Distribution::lognormal(2.0, 0.8).unwrap(),
            Distribution::gamma(1.1, 0.7).unwrap(),
            Distribution::weibull(1.5, 2.0).unwrap(),
            Distribution::erlang(3, 1.5).unwrap(),
            Distribution::empirical(vec![1.0, 2.0, 6.0]).unwrap(),
        ]
    }

    #[test]
    fn moments_match_the_formulas() {
        let d = Distribution::uniform(1.0, 3.0).unwrap();
        assert_eq!(d.mean(), 2.0);
        assert!((d.scv() - (4.0 / 12.0) / 4.0).abs() < 1e-15);
        let d = Distribution::triangular(1.0, 2.0, 6.0).unwrap();
        assert_eq!(d.mean(), 3.0);
        assert!((d.variance() - (1.0 + 36.0 + 4.0 - 6.0 - 2.0 - 12.0) / 18.0).abs() < 1e-15);
        // Weibull with shape 1 is exponential; shape 2 is Rayleigh (scv 4/π − 1).
        let d = Distribution::weibull(1.0, 3.0).unwrap();
        assert!((d.mean() - 3.0).abs() < 1e-9 && (d.scv() - 1.0).abs() < 1e-9);
        let d = Distribution::weibull(2.0, 1.0).unwrap();
        assert!((d.mean() - std::f64::consts::PI.sqrt() / 2.0).abs() < 1e-9);
        assert!((d.scv() - (4.0 / std::f64::consts::PI - 1.0)).abs() < 1e-9);
        let d = Distribution::empirical(vec![1.0, 2.0, 6.0]).unwrap();
        assert_eq!(d.mean(), 3.0);
        assert!((d.variance() - 14.0 / 3.0).abs() < 1e-12);
        assert_eq!(Distribution::deterministic(0.0).unwrap().scv(), 0.0);
    }

    /// Every sampler draws with the mean and squared CV it reports (within sampling error
    /// of 400 000 draws: the tolerances are 5 standard errors or more).
    #[test]
    fn samplers_reproduce_their_moments() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 400_000;
        for d in all() {
            let s = d.sampler();
            let (mut sum, mut sum2) = (0.0, 0.0);
            for _ in 0..n {
                let x = s.sample(&mut rng);
                assert!(x >= 0.0, "{d:?} drew {x}");
                sum += x;
                sum2 += x * x;
            }
            let mean = sum / f64::from(n);
            let var = sum2 / f64::from(n) - mean * mean;
            let (m, v) = (d.mean(), d.variance());
            let se_mean = (v / f64::from(n)).sqrt();
            assert!(
                (mean - m).abs() <= 5.0 * se_mean + 1e-12,
                "{d:?}: mean {mean} vs {m}"
            );
            assert!(
                (var - v).abs() <= 0.03 * v + 1e-12,
                "{d:?}: variance {var} vs {v}"
            );
        }
    }

    #[test]
    fn invalid_parameters_name_their_key() {
        let key = |r: Result<Distribution>| match r {
            Err(Error::Model { key, message, .. }) => (key.unwrap_or_default(), message),
            other => panic!("expected a model error, got {other:?}"),
        };
        assert_eq!(key(Distribution::exponential(-1.0)).0, "mean_days");
        assert_eq!(key(Distribution::lognormal(1.0, 0.0)).0, "cv");
        assert_eq!(key(Distribution::gamma(1.0, f64::NAN)).0, "cv");
        assert_eq!(key(Distribution::uniform(2.0, 1.0)).0, "max_days");
        assert_eq!(key(Distribution::triangular(0.0, 3.0, 2.0)).0, "mode_days");
        assert_eq!(key(Distribution::weibull(0.0, 1.0)).0, "shape");
        assert_eq!(key(Distribution::weibull(0.001, 1.0)).0, "shape");
        assert_eq!(key(Distribution::erlang(0, 1.0)).0, "k");
        let (k, m) = key(Distribution::empirical(vec![]));
        assert_eq!(k, "samples_days");
        assert!(m.contains("empty"), "{m}");
        assert!(
            key(Distribution::empirical(vec![1.0, -2.0]))
                .1
                .contains("sample 2")
        );
        assert_eq!(key(Distribution::deterministic(f64::INFINITY)).0, "days");
    }

    #[test]
    fn scaling_keeps_the_shape() {
        for d in all() {
            let s = d.scaled(0.5).unwrap();
            assert!((s.mean() - d.mean() / 2.0).abs() < 1e-12, "{d:?}");
            assert!((s.scv() - d.scv()).abs() < 1e-9, "{d:?}");
        }
        assert!(
            Distribution::deterministic(1.0)
                .unwrap()
                .scaled(0.0)
                .is_err()
        );
    }

    #[test]
    fn reads_the_file_form() {
        let d: Distribution = toml::from_str("dist = \"erlang\"\nk = 2\nmean_days = 3").unwrap();
        assert_eq!(
            d,
            Distribution::Erlang {
                k: 2,
                mean_days: 3.0
            }
        );
        let e = toml::from_str::<Distribution>("dist = \"exponential\"\nmean = 3.0").unwrap_err();
        assert!(e.to_string().contains("mean"), "{e}");
        let e = toml::from_str::<Distribution>("dist = \"pareto\"\nmean_days = 3.0").unwrap_err();
        assert!(e.to_string().contains("pareto"), "{e}");
    }
}
