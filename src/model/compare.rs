//! The analytic answers against the simulation: which fall outside its confidence
//! intervals.

use serde::Serialize;

use super::analytic::{Analysis, Method, StationAnalysis};
use super::results::SimResult;

/// An analytic answer outside the simulation's 95% confidence interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Disagreement {
    /// What disagrees: `"cycle time, mean days"`, `"throughput per day"`,
    /// `"<station>: wait, mean days"` or `"<station>: utilisation"`.
    pub what: String,
    /// The analytic answer.
    pub analytic: f64,
    /// The simulated mean.
    pub simulated: f64,
    /// The simulation's 95% confidence interval, which excludes the analytic answer.
    pub ci95: [f64; 2],
    /// Whether the analytic answer is exact (then the disagreement is the simulation's
    /// noise, one time in twenty, or a defect), or an approximation.
    pub exact: bool,
}

impl StationAnalysis {
    /// Whether the station's analytic utilisation is comparable with a simulated one: not
    /// for an overloaded station, whose analytic figure is the offered load, nor for a
    /// scheduled release, whose figure is a rough busy fraction.
    pub fn utilisation_comparable(&self) -> bool {
        self.stable && self.method != Method::ScheduledRelease
    }
}

impl SimResult {
    /// The answers of `analysis` (of the same model) that fall outside this simulation's
    /// 95% confidence intervals: mean cycle time, throughput, and per station the mean
    /// wait and (where [`StationAnalysis::utilisation_comparable`]) the utilisation. With
    /// a single replication there are no intervals, and so no disagreements; nor when no item
    /// finished ([`SimResult::horizon_too_short`]), since nothing was measured.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{
    ///     Arrivals, Distribution, Servers, SimOptions, Simulation, Station, ValueStream, analyze,
    /// };
    ///
    /// let model = ValueStream::new(
    ///     Arrivals::poisson(0.5)?,
    ///     vec![Station::new("Dev", Servers::Finite(1), Distribution::exponential(1.0)?)],
    /// )?;
    /// let options = SimOptions::new().replications(4).horizon_days(2_000.0);
    /// let simulated = Simulation::new(&model)?.run(&options)?;
    /// let analysis = analyze(&model)?;
    /// for d in simulated.disagreements(&analysis) {
    ///     println!("{}: analytic {}, simulated {:?}", d.what, d.analytic, d.ci95);
    /// }
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    pub fn disagreements(&self, analysis: &Analysis) -> Vec<Disagreement> {
        let mut out = Vec::new();
        if self.horizon_too_short() {
            // Nothing was measured: not a disagreement (the text says why).
            return out;
        }
        let mut check =
            |what: String, analytic: Option<f64>, simulated: f64, ci: Option<[f64; 2]>, exact| {
                if let (Some(x), Some([lo, hi])) = (analytic, ci)
                    && x.is_finite()
                    && !(lo <= x && x <= hi)
                {
                    out.push(Disagreement {
                        what,
                        analytic: x,
                        simulated,
                        ci95: [lo, hi],
                        exact,
                    });
                }
            };
        check(
            "cycle time, mean days".into(),
            analysis.cycle_time_days_mean,
            self.cycle_time_days.mean,
            self.cycle_time_days.ci95,
            analysis.exact,
        );
        check(
            "throughput per day".into(),
            Some(analysis.throughput_per_day),
            self.throughput.per_day,
            self.throughput.ci95,
            analysis.exact,
        );
        for (s, sa) in self.stations.iter().zip(&analysis.stations) {
            check(
                format!("{}: wait, mean days", s.name),
                sa.wait_days_mean,
                s.wait_days_mean,
                s.wait_days_ci95,
                sa.exact,
            );
            if sa.utilisation_comparable() {
                check(
                    format!("{}: utilisation", s.name),
                    sa.utilisation,
                    s.utilisation.unwrap_or(f64::NAN),
                    s.utilisation_ci95,
                    sa.exact,
                );
            }
        }
        out
    }
}

/// A simulation beside the analytic answers for the same model, and where they disagree:
/// what `valuestream simulate --json` prints (after the model file's name).
///
/// # JSON
///
/// The keys of [`SimResult`] at the top level, then `analytic` ([`Analysis`]) and
/// `disagreements[]` of `{what, analytic, simulated, ci95, exact}` ([`Disagreement`]).
///
/// # Examples
///
/// ```
/// use valuestream::{SimOptions, SimulationReport, ValueStream};
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/models/mm1.toml");
/// let model = ValueStream::from_path(path)?;
/// let options = SimOptions::new().replications(3).horizon_days(1_000.0);
/// let report = SimulationReport::new(&model, &options)?;
/// assert_eq!(report.simulated.stations.len(), report.analytic.stations.len());
/// let json = serde_json::to_value(&report).unwrap();
/// assert!(json["cycle_time_days"]["mean"].is_f64() && json["analytic"].is_object());
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SimulationReport {
    /// The simulated results.
    #[serde(flatten)]
    pub simulated: SimResult,
    /// The analytic answers.
    pub analytic: Analysis,
    /// The analytic answers outside the simulation's confidence intervals
    /// ([`SimResult::disagreements`]).
    pub disagreements: Vec<Disagreement>,
}

impl SimulationReport {
    /// Simulates `model` with `options`, analyses it, and compares the two.
    ///
    /// # Errors
    ///
    /// As [`Simulation::new`](super::Simulation::new), [`Simulation::run`](super::Simulation::run)
    /// and [`analyze`](super::analyze).
    pub fn new(
        model: &super::ValueStream,
        options: &super::SimOptions,
    ) -> crate::Result<SimulationReport> {
        let simulated = super::Simulation::new(model)?.run(options)?;
        Ok(SimulationReport::from_parts(
            simulated,
            super::analyze(model)?,
        ))
    }

    /// The report of a simulation and the analysis of the same model.
    pub fn from_parts(simulated: SimResult, analytic: Analysis) -> SimulationReport {
        let disagreements = simulated.disagreements(&analytic);
        SimulationReport {
            simulated,
            analytic,
            disagreements,
        }
    }
}
