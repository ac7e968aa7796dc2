//! What `fit` reports: the fitted model, how each part was estimated, its bottleneck and the
//! in-sample check that says how far to trust it.

use serde::{Serialize, Serializer};

use super::ValueStream;
use super::analytic::analyze;
use super::backtest::{Backtest, in_sample_backtest};
use super::fit::{ArrivalFit, FittedModel, StationFit};
use super::sim::SimOptions;
use super::trust::{ModelTrust, done_items};
use crate::error::Result;
use crate::metrics::WindowCheck;
use crate::timeline::Timelines;

/// The most utilised station of a model, analytically ([`Analysis::bottleneck`](super::Analysis::bottleneck)).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ModelBottleneck {
    /// The station (`None` when the model cannot be analysed or has no station with finite
    /// servers).
    pub station: Option<String>,
    /// Its utilisation (the offered load: above 1, its queue grows).
    pub utilisation: Option<f64>,
}

impl ModelBottleneck {
    /// The bottleneck of `model`.
    pub fn of(model: &ValueStream) -> ModelBottleneck {
        analyze(model)
            .ok()
            .and_then(|a| {
                a.bottleneck().map(|s| ModelBottleneck {
                    station: Some(s.name.clone()),
                    utilisation: s.utilisation,
                })
            })
            .unwrap_or_default()
    }
}

/// A model fitted to a log, its bottleneck, and its backtest against the same log: what
/// `valuestream fit` prints.
///
/// # JSON
///
/// `model` (the model file's content, [`ValueStream`]'s serde form, with `mean_days` added
/// to each service whatever its distribution), `fit` (`arrivals` [`ArrivalFit`] and
/// `stations[]` [`StationFit`]), `bottleneck` ([`ModelBottleneck`]: `{station,
/// utilisation}`), `in_sample` ([`Backtest`]), `trust` ([`ModelTrust`]: the in-sample
/// verdict of that backtest), `window_check` ([`WindowCheck`]: whether the log holds one
/// steady stream of work, `{steady, warnings[], since, until}`; when it does not, the model
/// is fitted across a change of regime and a note says so) and `notes[]` (what the model
/// could not represent).
///
/// # Examples
///
/// ```
/// use valuestream::{FitOptions, FitReport, LogReader, SimOptions, Timelines, Workflow, fit};
///
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/story");
/// let log = LogReader::builder().build().read_path(format!("{dir}/log.csv"))?;
/// let workflow = Workflow::from_path(format!("{dir}/workflow.toml"))?;
/// let timelines = Timelines::new(&log, &workflow)?;
/// let fitted = fit(&timelines, &FitOptions::new())?;
/// let report = FitReport::new(fitted, &timelines, &SimOptions::new().replications(2))?;
/// assert_eq!(report.bottleneck.station.as_deref(), Some("Test"));
/// assert!(report.in_sample.cycle_time_days.mean.observed > 0.0);
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FitReport {
    /// The fitted model, with how each part was estimated.
    pub fitted: FittedModel,
    /// The model's bottleneck.
    pub bottleneck: ModelBottleneck,
    /// The in-sample check: the model replayed against the log it was fitted to (a model
    /// can pass it and still predict nothing; [`crate::backtest`] holds data out).
    pub in_sample: Backtest,
    /// Its verdict ([`ModelTrust::in_sample`]).
    pub trust: ModelTrust,
}

impl FitReport {
    /// The report of `fitted`, backtested against `timelines` (the log it was fitted to)
    /// with `options` ([`in_sample_backtest`]).
    ///
    /// # Errors
    ///
    /// As [`in_sample_backtest`].
    pub fn new(
        fitted: FittedModel,
        timelines: &Timelines,
        options: &SimOptions,
    ) -> Result<FitReport> {
        let in_sample = in_sample_backtest(&fitted, timelines, options)?;
        let bottleneck = ModelBottleneck::of(&fitted.model);
        let trust = ModelTrust::in_sample(&in_sample, done_items(timelines));
        Ok(FitReport {
            fitted,
            bottleneck,
            in_sample,
            trust,
        })
    }
}

impl Serialize for FitReport {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Fit<'a> {
            arrivals: &'a ArrivalFit,
            stations: &'a [StationFit],
        }
        #[derive(Serialize)]
        struct Out<'a> {
            model: WithMeans<'a>,
            fit: Fit<'a>,
            bottleneck: &'a ModelBottleneck,
            in_sample: &'a Backtest,
            trust: &'a ModelTrust,
            window_check: &'a WindowCheck,
            notes: &'a [String],
        }
        let f = &self.fitted;
        Out {
            model: WithMeans(&f.model),
            fit: Fit {
                arrivals: &f.arrivals,
                stations: &f.stations,
            },
            bottleneck: &self.bottleneck,
            in_sample: &self.in_sample,
            trust: &self.trust,
            window_check: &f.window_check,
            notes: &f.notes,
        }
        .serialize(s)
    }
}

/// A model in its serde form, each service with its `mean_days`.
struct WithMeans<'a>(&'a ValueStream);

impl Serialize for WithMeans<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde_json::Value;
        let mut v = serde_json::to_value(self.0).map_err(serde::ser::Error::custom)?;
        if let Some(stages) = v.get_mut("stage").and_then(Value::as_array_mut) {
            for (json, st) in stages.iter_mut().zip(&self.0.stations) {
                if let Some(service) = json.get_mut("service").and_then(Value::as_object_mut) {
                    service
                        .entry("mean_days")
                        .or_insert_with(|| Value::from(st.service.mean()));
                }
            }
        }
        v.serialize(s)
    }
}
