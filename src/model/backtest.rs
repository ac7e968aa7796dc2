//! The in-sample check: the fitted model replayed against the log it was fitted to, with
//! the log's own arrivals, measured the same way as the log. A model can pass it and still
//! predict nothing; [`crate::backtest`] holds data out.

use serde::Serialize;

use super::fit::FittedModel;
use super::sim::{SimOptions, Simulation};
use crate::error::{Error, Result};
use crate::stats::Sample;
use crate::time::ms_to_days;
use crate::timeline::Timelines;
use crate::workflow::StageKind;

/// An observed figure against the model's prediction.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Comparison {
    /// What the log shows.
    pub observed: f64,
    /// What the model predicts (mean over replications).
    pub predicted: f64,
    /// (predicted − observed) / observed: 0 when they are equal (even both 0), NaN (JSON
    /// `null`) when only the observed value is 0.
    pub relative_error: f64,
    /// The smallest and largest value over the replications: how much one history of the
    /// model varies. The log is one history too.
    pub spread: [f64; 2],
    /// Whether the observed value lies within the spread.
    pub within_spread: bool,
}

impl Comparison {
    fn new(
        observed: f64,
        predicted: f64,
        per_replication: impl IntoIterator<Item = f64>,
    ) -> Comparison {
        let (lo, hi) = per_replication
            .into_iter()
            .filter(|x| x.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(x), hi.max(x))
            });
        let spread = if lo <= hi {
            [lo, hi]
        } else {
            [predicted, predicted]
        };
        Comparison {
            observed,
            predicted,
            relative_error: if predicted == observed {
                // Nothing differs, even at 0.
                0.0
            } else if observed == 0.0 {
                f64::NAN
            } else {
                (predicted - observed) / observed
            },
            spread,
            within_spread: observed >= spread[0] && observed <= spread[1],
        }
    }
}

/// One station's WIP, observed and predicted.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StationComparison {
    /// The station.
    pub name: String,
    /// Items in it (queue and service), time-averaged over the window.
    pub wip: Comparison,
}

/// The result of [`in_sample_backtest`]. JSON keys: `replications`, `window_days`, `cycle_time_days`
/// `{mean, p50, p85}` and `throughput_per_day`, `wip_mean`, each `{observed, predicted,
/// relative_error, spread, within_spread}`, and `stations[]` of `{name, wip}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Backtest {
    /// Replications of the replay.
    pub replications: u32,
    /// The window replayed, days.
    pub window_days: f64,
    /// Cycle time (commitment to done, as in the report) of the items done in the window.
    pub cycle_time_days: CycleTimeComparison,
    /// Items done per day.
    pub throughput_per_day: Comparison,
    /// Committed items not done, time-averaged.
    pub wip_mean: Comparison,
    /// Per station.
    pub stations: Vec<StationComparison>,
}

/// Cycle time, observed and predicted.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CycleTimeComparison {
    /// The mean.
    pub mean: Comparison,
    /// The median.
    pub p50: Comparison,
    /// The 85th percentile.
    pub p85: Comparison,
}

/// Replays `fitted` against the commitments of `timelines` (the log it was fitted to) over
/// the same window, `options.replications` times from an empty start, and compares lead
/// time (mean, p50, p85), throughput, WIP and each station's WIP with the log. The horizon
/// is the log's window and nothing is discarded as warm-up, since the log also starts
/// empty: `options.horizon_days` and `options.warmup_days` are ignored.
///
/// # Examples
///
/// ```
/// use valuestream::{FitOptions, LogReader, SimOptions, Timelines, Workflow, fit, in_sample_backtest};
///
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/story");
/// let log = LogReader::builder().build().read_path(format!("{dir}/log.csv"))?;
/// let timelines = Timelines::new(&log, &Workflow::from_path(format!("{dir}/workflow.toml"))?)?;
/// let fitted = fit(&timelines, &FitOptions::new())?;
/// let b = in_sample_backtest(&fitted, &timelines, &SimOptions::new().replications(2))?;
/// let mean = &b.cycle_time_days.mean;
/// println!(
///     "mean cycle time: {:.1} days observed, {:.1} predicted ({:+.0}%)",
///     mean.observed,
///     mean.predicted,
///     mean.relative_error * 100.0
/// );
/// assert_eq!(b.replications, 2);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the log has no done item; as [`Simulation::run`].
pub fn in_sample_backtest(
    fitted: &FittedModel,
    timelines: &Timelines,
    options: &SimOptions,
) -> Result<Backtest> {
    // A model fitted to a cohort (its steady window) is checked against that cohort.
    let cohort = fitted.cohort_of(timelines);
    let timelines = cohort.as_ref().unwrap_or(timelines);
    let window_days = ms_to_days(timelines.as_of_ms() - timelines.start_ms());
    // Observed.
    let cycles: Vec<f64> = timelines
        .iter()
        .filter_map(|r| r.cycle_time_days())
        .collect();
    let sample = Sample::from_vec(cycles);
    let (Some(mean), Some(p50), Some(p85)) = (
        sample.mean(),
        sample.percentile(50.0),
        sample.percentile(85.0),
    ) else {
        return Err(Error::InvalidArgument(
            "the log has no done item: there is nothing to backtest against".into(),
        ));
    };
    let done = sample.len() as f64;
    let wip_area: i64 = timelines
        .iter()
        .filter_map(|r| {
            let c = r.commitment_ms()?;
            Some(r.done_ms().unwrap_or(timelines.as_of_ms()) - c)
        })
        .sum();
    let wf = timelines.workflow();
    // Station of each stage, as the fit maps them.
    let names: Vec<&str> = fitted.stations.iter().map(|s| s.name.as_str()).collect();
    let station_of: Vec<Option<usize>> = wf
        .stages()
        .iter()
        .map(|st| {
            if matches!(st.kind, StageKind::Backlog | StageKind::Done) {
                return None;
            }
            fitted
                .stations
                .iter()
                .position(|f| f.stages.contains(&st.name) || f.queue.contains(&st.name))
        })
        .collect();
    let mut station_area = vec![0i64; names.len()];
    for v in timelines.all_visits() {
        if let Some(k) = station_of[v.stage()] {
            station_area[k] += v.end_ms() - v.start_ms();
        }
    }
    // Predicted.
    let replay = fitted.replay()?;
    let opts = options
        .clone()
        .horizon_days(window_days.max(f64::MIN_POSITIVE))
        .warmup_days(0.0);
    let r = Simulation::new(&replay)?.run(&opts)?;
    let reps = &r.per_replication;
    let stages = names
        .iter()
        .enumerate()
        .map(|(k, name)| StationComparison {
            name: (*name).to_owned(),
            wip: Comparison::new(
                ms_to_days(station_area[k]) / window_days,
                r.stations.get(k).map_or(f64::NAN, |s| s.wip_mean),
                r.per_replication
                    .iter()
                    .filter_map(|x| x.stations.get(k).map(|s| s.wip_mean)),
            ),
        })
        .collect();
    Ok(Backtest {
        replications: opts.replications,
        window_days,
        cycle_time_days: CycleTimeComparison {
            mean: Comparison::new(
                mean,
                r.cycle_time_days.mean,
                reps.iter().map(|x| x.cycle_time_days_mean),
            ),
            p50: Comparison::new(
                p50,
                r.cycle_time_days.p50,
                reps.iter().map(|x| x.cycle_time_days_p[0]),
            ),
            p85: Comparison::new(
                p85,
                r.cycle_time_days.p85,
                reps.iter().map(|x| x.cycle_time_days_p[1]),
            ),
        },
        throughput_per_day: Comparison::new(
            done / window_days,
            r.throughput.per_day,
            reps.iter().map(|x| x.throughput_per_day),
        ),
        wip_mean: Comparison::new(
            ms_to_days(wip_area) / window_days,
            r.wip.mean,
            reps.iter().map(|x| x.wip_mean),
        ),
        stations: stages,
    })
}

#[cfg(test)]
mod tests {
    use super::Comparison;

    #[test]
    fn nothing_observed_and_nothing_predicted_is_no_error() {
        let c = Comparison::new(0.0, 0.0, [0.0, 0.0]);
        assert_eq!(c.relative_error, 0.0);
        assert!(c.within_spread);
        assert!(Comparison::new(0.0, 1.0, [1.0]).relative_error.is_nan());
        assert_eq!(Comparison::new(2.0, 3.0, [3.0]).relative_error, 0.5);
    }
}
