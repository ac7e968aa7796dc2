//! How far a model held up against a log: the trust that every answer built on the model
//! (a what-if, a leverage ranking) carries, and the rule by which it downgrades or refuses
//! "a real difference".

use serde::Serialize;

use super::backtest::{Backtest, Comparison, in_sample_backtest};
use super::fit::FittedModel;
use super::holdout::{BacktestOptions, MIN_DONE_ITEMS, backtest};
use super::sim::SimOptions;
use crate::error::Result;
use crate::timeline::Timelines;

/// How far the in-sample check lets a figure miss: a figure holds up when the log's value
/// is within the model's spread over the replications, or within this share of it.
const IN_SAMPLE_TOLERANCE: f64 = 0.20;

/// What a [`ModelTrust`] rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TrustBasis {
    /// A held-out backtest: the model fitted to the log up to an instant and compared with
    /// what happened after it.
    HeldOut,
    /// The in-sample check only: the model replayed on the log it was fitted to
    /// ([`backtest`]). A model can pass it and still predict nothing.
    InSample,
    /// Not checked against a log (the model comes from a model file).
    None,
}

/// How far the model behind an answer held up against its log, and how many done items it
/// rests on.
///
/// Every [`WhatIf`](super::WhatIf) and [`Leverage`](super::Leverage) carries one (JSON key
/// `trust`). An answer does not call a difference real when the model failed its check
/// (`held_up` is `Some(false)`) or rests on fewer than [`MIN_DONE_ITEMS`] done items
/// ([`ModelTrust::caveat`]).
///
/// # JSON
///
/// `basis` (`held_out`, `in_sample` or `none`), `held_up` (`true`, `false` or `null` when
/// not checked), `done_items` (the done items the model was fitted on; `null` with no log),
/// `summary` (one line) and `reasons[]` (each figure that missed, and why too few items
/// are too few).
///
/// # Examples
///
/// ```
/// use valuestream::{FitOptions, LogReader, SimOptions, Timelines, TrustBasis, Workflow, fit, model_trust};
///
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/story");
/// let log = LogReader::builder().build().read_path(format!("{dir}/log.csv"))?;
/// let timelines = Timelines::new(&log, &Workflow::from_path(format!("{dir}/workflow.toml"))?)?;
/// let fitted = fit(&timelines, &FitOptions::new())?;
/// let trust = model_trust(&fitted, &timelines, &SimOptions::new().replications(2))?;
/// assert_eq!(trust.basis, TrustBasis::HeldOut); // the last 30% held out
/// println!("{}", trust.summary);
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ModelTrust {
    /// What the verdict rests on.
    pub basis: TrustBasis,
    /// Whether the model held up (`None`: not checked).
    pub held_up: Option<bool>,
    /// The done items (committed and done) the model was fitted on; `None` with no log.
    pub done_items: Option<usize>,
    /// In one line: what was checked and how the model fared.
    pub summary: String,
    /// Why it did not hold up, figure by figure, and why too few done items are too few.
    pub reasons: Vec<String>,
}

/// What an answer may claim under a [`ModelTrust`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Standing {
    /// A difference outside the simulation's noise may be called real.
    Claims,
    /// The model failed its check: a difference is the model's, not evidence.
    Failed,
    /// Too few done items to tell.
    TooFew(usize),
}

impl ModelTrust {
    /// The trust of a model checked in-sample: `backtest` is the model replayed on the log
    /// it was fitted to ([`in_sample_backtest`]), `done_items` the log's done items.
    ///
    /// # Rule
    ///
    /// The model holds up when each of mean cycle time, 85th percentile of cycle time and
    /// throughput holds up: the log's value is within the model's spread over the
    /// replications (one history of the model varies that much; the log is one history
    /// too), or the model's mean is within ±20% of it. Each figure that does not is a
    /// reason.
    pub fn in_sample(backtest: &Backtest, done_items: usize) -> ModelTrust {
        let figures = [
            ("mean cycle time", &backtest.cycle_time_days.mean, " days"),
            ("p85 cycle time", &backtest.cycle_time_days.p85, " days"),
            ("throughput", &backtest.throughput_per_day, " a day"),
        ];
        let mut reasons = Vec::new();
        let mut errors = Vec::new();
        for (name, c, unit) in figures {
            errors.push(format!("{name} {}", pct(c.relative_error)));
            if !holds(c) {
                reasons.push(format!(
                    "{name}: the log shows {:.2}{unit}, the model {:.2} ({}), outside ±{:.0}% and the model's spread {:.2} to {:.2}",
                    c.observed,
                    c.predicted,
                    pct(c.relative_error),
                    IN_SAMPLE_TOLERANCE * 100.0,
                    c.spread[0],
                    c.spread[1]
                ));
            }
        }
        let held_up = reasons.is_empty();
        let summary = format!(
            "In-sample check only (the model replayed on the log it was fitted to, not a held-out backtest): {} on {done_items} done items — {}{}.",
            if held_up {
                "held up"
            } else {
                "did not hold up"
            },
            errors.join(", "),
            if held_up {
                format!(
                    " (each within ±{:.0}% or the model's spread)",
                    IN_SAMPLE_TOLERANCE * 100.0
                )
            } else {
                String::new()
            }
        );
        ModelTrust {
            basis: TrustBasis::InSample,
            held_up: Some(held_up),
            done_items: Some(done_items),
            summary,
            reasons,
        }
        .with_sample_size()
    }

    /// The trust of a model checked by a held-out backtest: whether it held up, the
    /// backtest's verdict in one line (say what was held out and the figures that decide,
    /// e.g. "Held-out backtest (fit to 2012-05-10, tested 21 days): held up — mean cycle
    /// time within 8%, CTDD 0.31 × mean."), and the done items the model was fitted on
    /// (those done before the split). Reasons can be added with
    /// [`ModelTrust::with_reason`]; a sentence and a reason about too few done items are
    /// added here when there are fewer than [`MIN_DONE_ITEMS`].
    pub fn held_out(held_up: bool, summary: String, done_items: usize) -> ModelTrust {
        ModelTrust {
            basis: TrustBasis::HeldOut,
            held_up: Some(held_up),
            done_items: Some(done_items),
            summary,
            reasons: Vec::new(),
        }
        .with_sample_size()
    }

    /// The trust of a model that was not checked against a log: a model file. Its answers
    /// are the model's and are not downgraded.
    pub fn unknown() -> ModelTrust {
        ModelTrust {
            basis: TrustBasis::None,
            held_up: None,
            done_items: None,
            summary: "Not checked against a log: the model comes from a model file, so its answers are only as good as the file's figures.".to_owned(),
            reasons: Vec::new(),
        }
    }

    /// The same trust with one more reason (before the one about too few done items, if
    /// any).
    pub fn with_reason(mut self, reason: impl Into<String>) -> ModelTrust {
        let at = if self.too_few().is_some() {
            self.reasons.len().saturating_sub(1)
        } else {
            self.reasons.len()
        };
        self.reasons.insert(at, reason.into());
        self
    }

    /// Adds the sentence and the reason about too few done items, when there are.
    fn with_sample_size(mut self) -> ModelTrust {
        if let Some(n) = self.too_few() {
            self.summary.push_str(&format!(
                " Too few done items ({n} < {MIN_DONE_ITEMS}) to call a difference real."
            ));
            self.reasons.push(format!(
                "the model rests on {n} done item{}; an answer calls a difference real only from {MIN_DONE_ITEMS}: with fewer, the service times the model resamples and the interval of the mean cycle time rest on too few points (for cycle times as spread as their mean, that interval is ±37% of it at 30 items, ±72% at 10)",
                if n == 1 { "" } else { "s" }
            ));
        }
        self
    }

    /// The done items when a log was checked and they are fewer than [`MIN_DONE_ITEMS`].
    fn too_few(&self) -> Option<usize> {
        match (self.basis, self.done_items) {
            (TrustBasis::None, _) | (_, None) => None,
            (_, Some(n)) => (n < MIN_DONE_ITEMS).then_some(n),
        }
    }

    /// What an answer may claim under this trust.
    pub(crate) fn standing(&self) -> Standing {
        if let Some(n) = self.too_few() {
            Standing::TooFew(n)
        } else if self.held_up == Some(false) {
            Standing::Failed
        } else {
            Standing::Claims
        }
    }

    /// Why an answer must not call a difference real, in words; `None` when it may (the
    /// model held up on at least [`MIN_DONE_ITEMS`] done items, or it was not checked
    /// against a log).
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::ModelTrust;
    ///
    /// let t = ModelTrust::held_out(true, "Held-out backtest: held up.".into(), 3);
    /// assert_eq!(
    ///     t.caveat().as_deref(),
    ///     Some("too few done items (3 < 30) to tell whether a difference is real")
    /// );
    /// let t = ModelTrust::held_out(false, "Held-out backtest: did not hold up.".into(), 300);
    /// assert!(t.caveat().unwrap().starts_with("the model failed its held-out backtest"));
    /// assert_eq!(ModelTrust::unknown().caveat(), None);
    /// ```
    pub fn caveat(&self) -> Option<String> {
        match self.standing() {
            Standing::Claims => None,
            Standing::Failed => Some(format!(
                "the model failed its {}: a difference is the model's, not evidence",
                self.check_name()
            )),
            Standing::TooFew(n) => Some(format!(
                "too few done items ({n} < {MIN_DONE_ITEMS}) to tell whether a difference is real"
            )),
        }
    }

    /// The check, as a verdict names it.
    pub(crate) fn check_name(&self) -> &'static str {
        match self.basis {
            TrustBasis::HeldOut => "held-out backtest",
            TrustBasis::InSample | TrustBasis::None => "backtest",
        }
    }
}

/// Whether a figure of the in-sample check holds up ([`ModelTrust::in_sample`]).
fn holds(c: &Comparison) -> bool {
    c.within_spread || c.relative_error.abs() <= IN_SAMPLE_TOLERANCE
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.0}%", x * 100.0)
    } else {
        "n/a".to_owned()
    }
}

/// How far `fitted` (a model fitted to `timelines`) holds up: the one place where an answer's
/// trust is computed from a log.
///
/// The held-out backtest ([`backtest`], the last 30% of the items held out, the model
/// fitted again on the rest with the options `fitted` was fitted with; seed, replications
/// and threads from `options`) when it is conclusive: its verdict
/// ([`ModelTrust::held_out`]). Otherwise (a log too short or too small to hold a part out)
/// the in-sample check ([`in_sample_backtest`] and [`ModelTrust::in_sample`]), with the
/// reason the held-out one could not decide.
///
/// A log with no done item has nothing to be checked against: its trust is in-sample,
/// `held_up` `None`, and too few done items.
///
/// # Errors
///
/// As [`in_sample_backtest`].
pub fn model_trust(
    fitted: &FittedModel,
    timelines: &Timelines,
    options: &SimOptions,
) -> Result<ModelTrust> {
    let done_items = done_items(timelines);
    if done_items == 0 {
        return Ok(ModelTrust {
            basis: TrustBasis::InSample,
            held_up: None,
            done_items: Some(0),
            summary: "Not checked: the log has no done item to compare the model with.".to_owned(),
            reasons: Vec::new(),
        }
        .with_sample_size());
    }
    let mut held_out = BacktestOptions::new().fit(fitted.options.clone());
    held_out.sim = options.clone();
    let why_not = match backtest(timelines, &held_out) {
        Ok(h) if h.verdict.conclusive => {
            return Ok(ModelTrust::held_out(
                h.verdict.held_up,
                h.verdict.summary,
                done_items,
            ));
        }
        Ok(h) => h.verdict.summary,
        Err(e) => format!("the log could not be held out: {e}"),
    };
    let b = in_sample_backtest(fitted, timelines, options)?;
    Ok(ModelTrust::in_sample(&b, done_items).with_reason(why_not))
}

/// The done items of `timelines` a model fitted to them rests on: those with a cycle time
/// (committed and done).
pub(crate) fn done_items(timelines: &Timelines) -> usize {
    timelines
        .iter()
        .filter(|t| t.cycle_time_days().is_some())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::backtest::CycleTimeComparison;

    fn comparison(observed: f64, predicted: f64, spread: [f64; 2]) -> Comparison {
        Comparison {
            observed,
            predicted,
            relative_error: (predicted - observed) / observed,
            spread,
            within_spread: observed >= spread[0] && observed <= spread[1],
        }
    }

    fn backtest_of(mean: Comparison) -> Backtest {
        Backtest {
            replications: 3,
            window_days: 100.0,
            cycle_time_days: CycleTimeComparison {
                mean,
                p50: comparison(4.0, 4.1, [3.9, 4.3]),
                p85: comparison(9.0, 9.5, [8.0, 11.0]),
            },
            throughput_per_day: comparison(1.0, 1.02, [0.95, 1.1]),
            wip_mean: comparison(5.0, 5.0, [4.0, 6.0]),
            stations: Vec::new(),
        }
    }

    #[test]
    fn in_sample_holds_up_within_the_spread_or_twenty_percent() {
        // Within the spread, 30% off.
        let t = ModelTrust::in_sample(&backtest_of(comparison(5.0, 6.5, [4.0, 9.0])), 100);
        assert_eq!((t.basis, t.held_up), (TrustBasis::InSample, Some(true)));
        assert!(t.reasons.is_empty(), "{:?}", t.reasons);
        assert!(
            t.summary.starts_with("In-sample check only"),
            "{}",
            t.summary
        );
        assert_eq!(t.caveat(), None);
        // Outside the spread, 18% off.
        let t = ModelTrust::in_sample(&backtest_of(comparison(5.0, 5.9, [5.5, 6.3])), 100);
        assert_eq!(t.held_up, Some(true));
        // Outside the spread, 30% off: fails, and says which figure.
        let t = ModelTrust::in_sample(&backtest_of(comparison(5.0, 6.5, [6.0, 7.0])), 100);
        assert_eq!(t.held_up, Some(false));
        assert_eq!(t.reasons.len(), 1);
        assert!(
            t.reasons[0].starts_with("mean cycle time"),
            "{:?}",
            t.reasons
        );
        assert!(
            t.summary.contains("did not hold up on 100 done items"),
            "{}",
            t.summary
        );
        assert_eq!(t.standing(), Standing::Failed);
    }

    #[test]
    fn too_few_done_items_refuse_whatever_the_check_says() {
        let t = ModelTrust::in_sample(&backtest_of(comparison(5.0, 5.0, [4.0, 6.0])), 29);
        assert_eq!(t.held_up, Some(true));
        assert_eq!(t.standing(), Standing::TooFew(29));
        assert!(
            t.summary.contains("Too few done items (29 < 30)"),
            "{}",
            t.summary
        );
        assert_eq!(t.reasons.len(), 1);
        let t = t.with_reason("the log is too short to hold out");
        assert!(t.reasons[1].contains("29 done items"), "{:?}", t.reasons);
        let t = ModelTrust::in_sample(&backtest_of(comparison(5.0, 5.0, [4.0, 6.0])), 30);
        assert_eq!(t.standing(), Standing::Claims);
        let t = ModelTrust::held_out(false, "Held-out backtest: did not hold up.".into(), 1);
        assert_eq!(t.standing(), Standing::TooFew(1));
        assert!(t.reasons[0].contains("1 done item;"), "{:?}", t.reasons);
    }

    #[test]
    fn a_model_file_is_not_checked_and_not_downgraded() {
        let t = ModelTrust::unknown();
        assert_eq!(
            (t.basis, t.held_up, t.done_items),
            (TrustBasis::None, None, None)
        );
        assert_eq!(t.standing(), Standing::Claims);
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["basis"], "none");
        assert!(v["done_items"].is_null());
    }
}
