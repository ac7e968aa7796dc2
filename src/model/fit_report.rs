//! What `fit` reports: the fitted model, how each part was estimated, its bottleneck and the
//! in-sample check that says how far to trust it.

use serde::{Serialize, Serializer};

use super::ValueStream;
use super::analytic::{Analysis, analyze};
use super::backtest::{Backtest, in_sample_backtest};
use super::fit::{ArrivalFit, FittedModel, StationFit};
use super::sim::SimOptions;
use super::stream::Servers;
use super::trust::{ModelTrust, done_items};
use crate::error::Result;
use crate::metrics::{CONSTRAINT_UTILISATION, WindowCheck};
use crate::timeline::Timelines;

/// The most utilised station of a model, analytically ([`Analysis::bottleneck`](super::Analysis::bottleneck)),
/// whether it is a capacity constraint at all, and where the model's cycle time goes.
///
/// A station is a constraint when its utilisation is at least
/// [`CONSTRAINT_UTILISATION`] (0.7; the reason is on the constant); an overloaded one
/// (utilisation ≥ 1, its queue grows) always is. When even the most utilised station is
/// below it, `constrained` is false: `station` still names the most utilised station, but
/// it is not a bottleneck, and `time_ranking` says where the time goes instead. A fitted
/// station's servers estimated as the most items in it at once
/// ([`ServersFrom::PeakConcurrency`](super::ServersFrom::PeakConcurrency)) are a lower
/// bound, so its utilisation is an upper bound.
///
/// JSON: `{station, utilisation, constrained, time_ranking[]}`, each ranking entry
/// [`StationTime`]; `station` and `utilisation` are as before this flag existed, so a reader
/// that names `station` the bottleneck should check `constrained` first.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ModelBottleneck {
    /// The most utilised station (`None` when the model cannot be analysed or has no
    /// station with finite servers); a bottleneck only when `constrained`.
    pub station: Option<String>,
    /// Its utilisation (the offered load: above 1, its queue grows).
    pub utilisation: Option<f64>,
    /// Whether `station` is near its capacity (`utilisation` at least
    /// [`CONSTRAINT_UTILISATION`]).
    pub constrained: bool,
    /// The stations by their share of the model's mean cycle time, largest first (empty
    /// when the model has no steady state, or cannot be analysed).
    pub time_ranking: Vec<StationTime>,
}

/// One station's part of the model's mean cycle time (analytic, per item: visits per item
/// × mean time per visit).
///
/// JSON: one entry of `bottleneck.time_ranking[]`: `{station, delay, days, queue_days,
/// service_days, share}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StationTime {
    /// The station's name.
    pub station: String,
    /// Whether it is a delay (unlimited servers): its time is waiting, but not for
    /// capacity (`service_days` is the delay).
    pub delay: bool,
    /// Days per item at it: `queue_days + service_days`.
    pub days: f64,
    /// Days per item in its queue, waiting for a server.
    pub queue_days: f64,
    /// Days per item in service (for a delay, the delay).
    pub service_days: f64,
    /// `days` over the model's mean cycle time.
    pub share: f64,
}

impl ModelBottleneck {
    /// The bottleneck of `model`, if it has one, and where its cycle time goes.
    pub fn of(model: &ValueStream) -> ModelBottleneck {
        let Ok(a) = analyze(model) else {
            return ModelBottleneck::default();
        };
        let (station, utilisation) = a
            .bottleneck()
            .map_or((None, None), |s| (Some(s.name.clone()), s.utilisation));
        ModelBottleneck {
            station,
            utilisation,
            constrained: utilisation.is_some_and(|u| u >= CONSTRAINT_UTILISATION),
            time_ranking: time_ranking(model, &a),
        }
    }
}

/// The stations by their days per item, largest first (ties in model order).
fn time_ranking(model: &ValueStream, a: &Analysis) -> Vec<StationTime> {
    let Some(cycle) = a.cycle_time_days_mean.filter(|c| c.is_finite() && *c > 0.0) else {
        return Vec::new();
    };
    let mut out: Vec<StationTime> = a
        .stations
        .iter()
        .zip(&model.stations)
        .filter_map(|(s, m)| {
            let visits = s.visits_per_item;
            let time = s.time_days_mean? * visits;
            let queue = s.wait_days_mean.unwrap_or(0.0) * visits;
            (time.is_finite() && time > 0.0).then(|| StationTime {
                station: s.name.clone(),
                delay: m.servers == Servers::Unlimited,
                days: time,
                queue_days: queue,
                service_days: time - queue,
                share: time / cycle,
            })
        })
        .collect();
    out.sort_by(|x, y| y.days.total_cmp(&x.days));
    out
}

/// A model fitted to a log, its bottleneck, and its backtest against the same log: what
/// `valuestream fit` prints.
///
/// # JSON
///
/// `model` (the model file's content, [`ValueStream`]'s serde form, with `mean_days` added
/// to each service whatever its distribution), `fit` (`arrivals` [`ArrivalFit`] and
/// `stations[]` [`StationFit`]), `bottleneck` ([`ModelBottleneck`]: `{station,
/// utilisation, constrained, time_ranking[]}`: without a station near its capacity,
/// `constrained` is false and `station` is only the most utilised), `in_sample` ([`Backtest`]), `trust` ([`ModelTrust`]: the in-sample
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
/// assert!(report.bottleneck.constrained);
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
            #[serde(skip_serializing_if = "Option::is_none")]
            class_by: Option<&'a super::ClassBy>,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            classes: &'a [super::ClassFit],
            #[serde(skip_serializing_if = "Option::is_none")]
            selection: Option<&'a super::Selection>,
            cohort: bool,
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
                class_by: f.class_by.as_ref(),
                classes: &f.classes,
                selection: f.selection.as_ref(),
                cohort: f.cohort,
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
