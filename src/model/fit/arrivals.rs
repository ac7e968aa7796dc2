//! The model's arrivals: the log's commitments, their rate and the variability of their
//! gaps.

use super::super::{Arrivals, Distribution};
use crate::error::{Error, Result};
use crate::time::ms_to_days;
use crate::timeline::Timelines;

/// The commitments of a log, as the model's arrivals.
pub(super) struct Commitments {
    /// The instants, in days from the start of the window, in order.
    pub(super) days: Vec<f64>,
    /// The window, in days.
    pub(super) window_days: f64,
    /// Commitments per day.
    pub(super) rate: f64,
    /// The squared coefficient of variation of the gaps (1 with fewer than three
    /// commitments).
    pub(super) scv: f64,
    /// Whether they are modelled as a Poisson process (squared CV between 0.7 and 1.3).
    pub(super) poisson: bool,
    /// Poisson arrivals at the rate, or gamma gaps with the observed mean and CV.
    pub(super) arrivals: Arrivals,
}

/// The commitments of `timelines`.
///
/// # Errors
///
/// [`Error::InvalidArgument`] if no item was committed or the log spans no time.
pub(super) fn commitments(timelines: &Timelines) -> Result<Commitments> {
    let start = timelines.start_ms();
    let window_days = ms_to_days(timelines.as_of_ms() - start);
    let mut days: Vec<f64> = timelines
        .iter()
        .filter_map(|r| r.commitment_ms())
        .map(|c| ms_to_days(c - start))
        .collect();
    days.sort_by(f64::total_cmp);
    if days.is_empty() {
        return Err(Error::InvalidArgument(
            "no item was committed in the log: there are no arrivals to fit".into(),
        ));
    }
    if window_days.is_nan() || window_days <= 0.0 {
        return Err(Error::InvalidArgument(
            "the log spans no time: there is no rate to fit".into(),
        ));
    }
    let rate = days.len() as f64 / window_days;
    let scv = {
        let gaps: Vec<f64> = days.windows(2).map(|w| w[1] - w[0]).collect();
        if gaps.len() < 2 {
            1.0
        } else {
            let m = gaps.iter().sum::<f64>() / gaps.len() as f64;
            let v = gaps.iter().map(|g| (g - m).powi(2)).sum::<f64>() / (gaps.len() - 1) as f64;
            if m > 0.0 { v / (m * m) } else { 1.0 }
        }
    };
    let poisson = (0.7..=1.3).contains(&scv);
    let arrivals = if poisson {
        Arrivals::Poisson { rate_per_day: rate }
    } else {
        Arrivals::Renewal {
            interarrival: Distribution::gamma(1.0 / rate, scv.sqrt().max(1e-3))?,
        }
    };
    Ok(Commitments {
        days,
        window_days,
        rate,
        scv,
        poisson,
        arrivals,
    })
}
