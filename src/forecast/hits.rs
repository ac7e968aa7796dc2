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
/// assert!(!h.miscalibrated());
/// // Answers in whole items that claimed 95% on average, met 81% of the time.
/// let h = h.claimed(0.95);
/// assert!(h.miscalibrated());
/// assert!(h.sentence().ends_with("where its answers claimed 95% on average"));
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
    /// The probability the forecasts themselves gave their answers, on average, if known.
    /// With whole items and whole days an answer cannot always claim exactly the level:
    /// "at least 0 items" is certain. A well calibrated forecast is met as often as it
    /// claims; `claimed` is at least `confidence`.
    pub claimed: Option<f64>,
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
            claimed: None,
        }
    }

    /// The same hits, the forecasts having claimed `claimed` on average.
    #[must_use]
    pub fn claimed(mut self, claimed: f64) -> LevelHits {
        self.claimed = Some(claimed);
        self
    }

    /// What the share is judged against: the probability claimed, or else the level.
    pub fn expected(&self) -> f64 {
        self.claimed.unwrap_or(self.confidence)
    }

    /// Whether the probability the forecasts claimed ([`LevelHits::expected`]) lies
    /// outside the 95% interval of the share: they are miscalibrated at this level beyond
    /// what the number of points explains.
    pub fn miscalibrated(&self) -> bool {
        let e = self.expected();
        self.ci95.is_some_and(|[lo, hi]| e < lo || e > hi)
    }

    /// "the 85% forecast was met 81% of the time (66 of 81; 95% CI 71–89%)".
    pub fn sentence(&self) -> String {
        let pct = |x: f64| (x * 100.0).round();
        let claimed = match self.claimed {
            Some(c) if pct(c) > pct(self.confidence) => {
                format!(", where its answers claimed {}% on average", pct(c))
            }
            _ => String::new(),
        };
        match (self.share, self.ci95) {
            (Some(s), Some([lo, hi])) => format!(
                "the {}% forecast was met {}% of the time ({} of {}; 95% CI {}–{}%){claimed}",
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
