//! How often forecasts came true: the share met at one confidence level, with its exact
//! binomial interval, and the sentence a user reads.

use serde::Serialize;

use crate::stats::binomial_ci;

/// How often the forecasts at one confidence level came true.
///
/// # Examples
///
/// ```
/// use valuestream::LevelHits;
///
/// let h = LevelHits::new(0.85, 66, 81);
/// assert!((h.share.unwrap() - 66.0 / 81.0).abs() < 1e-12);
/// let [lo, hi] = h.ci95.unwrap();
/// assert!((lo - 0.713).abs() < 1e-3 && (hi - 0.892).abs() < 1e-3);
/// assert_eq!(h.sentence(), "the 85% forecast was met 81% of the time (66 of 81; 95% CI 71–89%)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LevelHits {
    /// The confidence level, in (0, 1).
    pub confidence: f64,
    /// Forecasts at this level whose outcome is known.
    pub points: u64,
    /// Of those, the ones that came true.
    pub met: u64,
    /// `met / points` (`None` without points).
    pub share: Option<f64>,
    /// The exact (Clopper–Pearson) 95% interval of the share.
    pub ci95: Option<[f64; 2]>,
}

impl LevelHits {
    /// The hits of `met` forecasts out of `points` at level `confidence`.
    pub fn new(confidence: f64, met: u64, points: u64) -> LevelHits {
        LevelHits {
            confidence,
            points,
            met,
            share: (points > 0).then(|| met as f64 / points as f64),
            ci95: binomial_ci(met, points, 0.95),
        }
    }

    /// Whether the level lies outside the 95% interval of the share: the forecasts are
    /// miscalibrated at this level beyond what the number of points explains.
    pub fn miscalibrated(&self) -> bool {
        self.ci95
            .is_some_and(|[lo, hi]| self.confidence < lo || self.confidence > hi)
    }

    /// "the 85% forecast was met 81% of the time (66 of 81; 95% CI 71–89%)".
    pub fn sentence(&self) -> String {
        let pct = |x: f64| (x * 100.0).round();
        match (self.share, self.ci95) {
            (Some(s), Some([lo, hi])) => format!(
                "the {}% forecast was met {}% of the time ({} of {}; 95% CI {}–{}%)",
                pct(self.confidence),
                pct(s),
                self.met,
                self.points,
                pct(lo),
                pct(hi)
            ),
            _ => format!(
                "the {}% forecast has no past point to be checked on",
                pct(self.confidence)
            ),
        }
    }
}
