//! The value stream as a network of queues and servers: the model, its file form and its
//! checks.
//!
//! A [`ValueStream`] is a line of stations ([`Station`]): work arrives at the first one,
//! waits in each station's queue for one of its servers, is served, and moves on to the next,
//! unless it is sent back for rework. [`analyze`] answers what queueing theory can answer
//! about it; [`Simulation`] simulates it.

mod analytic;
mod backtest;
mod compare;
mod dist;
mod estimate;
mod fit;
mod fit_report;
mod results;
mod scenario;
mod sim;

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Position, Result};
use crate::workflow::{Stage, StageKind, Workflow};

pub use analytic::{Analysis, Method, StationAnalysis, analyze};
pub use backtest::{Backtest, Comparison, CycleTimeComparison, StationComparison, backtest};
pub use compare::{Disagreement, SimulationReport};
pub use dist::Distribution;
pub use estimate::{Family, FamilyFit, Release, detect_release, fit_families};
pub use fit::{
    ArrivalFit, ArrivalModel, FitOptions, FittedModel, ReworkFit, ServersFrom, ServiceModel,
    StationFit, fit,
};
pub use fit_report::{FitReport, ModelBottleneck};
pub use results::{
    CycleTimeStats, Replication, ReplicationStation, SimResult, StationStats, ThroughputStats,
    WipStats,
};
pub use scenario::{
    Change, Difference, Lever, Leverage, Outcome, OutcomeStation, WhatIf, apply, leverage, what_if,
};
pub use sim::{SimOptions, Simulation, simulate};

/// The state every simulated item enters when it leaves the last station.
pub const DONE_STATE: &str = "Done";

/// A value stream: how work arrives, and the stations it flows through, in order.
///
/// The model file (TOML) has an `[arrivals]` table and ordered `[[stage]]` tables:
///
/// ```toml
/// [arrivals]
/// rate_per_day = 1.7          # Poisson; or interarrival = { dist = ... };
///                             # or backlog = "unlimited"
///
/// [[stage]]
/// name = "Dev"
/// servers = 4                 # or "unlimited" (a pure delay); default 1
/// service = { dist = "lognormal", mean_days = 2.0, cv = 0.8 }
/// wip_limit = 6               # optional: queue + in service
///
/// [[stage]]
/// name = "Deploy"
/// servers = 1
/// service = { dist = "deterministic", days = 0.04 }
/// batch = { every_days = 7.0 }  # or { every_days, offset_days, max } or { size = 5 }
///
/// [[stage]]
/// name = "Test"
/// servers = 2
/// service = { dist = "gamma", mean_days = 1.1, cv = 0.7 }
/// rework = { to = "Dev", probability = 0.2 }
/// visit_probability = 0.9     # optional: the others pass this stage by
/// ```
///
/// The meaning of each key is documented on [`Arrivals`], [`Station`], [`Servers`],
/// [`Batch`], [`Rework`] and [`Distribution`]. The model serialises with serde both ways:
/// [`ValueStream::to_toml`] writes a file that [`ValueStream::from_toml_str`] reads back.
///
/// ```
/// use valuestream::{Arrivals, Distribution, Servers, Station, ValueStream};
///
/// let model = ValueStream::new(
///     Arrivals::poisson(0.9)?,
///     vec![Station::new("Dev", Servers::Finite(1), Distribution::exponential(1.0)?)],
/// )?;
/// let again = ValueStream::from_toml_str(&model.to_toml())?;
/// assert_eq!(model, again);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// The fields are public so that a what-if can change a model in place; every consumer
/// ([`analyze`], [`Simulation::new`]) checks it again with [`ValueStream::validate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueStream {
    /// How work arrives at the first station.
    pub arrivals: Arrivals,
    /// The stations in flow order (`[[stage]]` in the file).
    #[serde(rename = "stage", alias = "station")]
    pub stations: Vec<Station>,
}

/// How work arrives at the first station.
///
/// In the file, the `[arrivals]` table has exactly one of:
///
/// - `rate_per_day = 1.7`: a Poisson process ([`Arrivals::Poisson`]);
/// - `interarrival = { dist = ... }`: a renewal process whose gaps follow a [`Distribution`]
///   ([`Arrivals::Renewal`]);
/// - `backlog = "unlimited"`: there is always more work; the first station starts a new item
///   whenever one of its servers is free and its WIP limit allows ([`Arrivals::Backlog`]).
///   An item's cycle time then starts when it is pulled.
/// - `trace_days = [0.5, 1.25, …]`: arrivals at these instants ([`Arrivals::Trace`]), for
///   replaying a log's own history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ArrivalsFile", into = "ArrivalsFile")]
pub enum Arrivals {
    /// Poisson arrivals at a constant rate.
    Poisson {
        /// Items per day, > 0.
        rate_per_day: f64,
    },
    /// Independent gaps between arrivals, drawn from a distribution.
    Renewal {
        /// The gap between two arrivals (mean > 0).
        interarrival: Distribution,
    },
    /// An unlimited backlog: work is started as soon as someone is free.
    Backlog,
    /// Arrivals at given instants (days from the start), as observed in a log: a
    /// trace-driven replay, used to backtest a fitted model against its own history.
    Trace {
        /// The instants, in days from the start: finite, ≥ 0, in order, at least one.
        times_days: Vec<f64>,
    },
}

impl Arrivals {
    /// Poisson arrivals at `rate_per_day`.
    ///
    /// # Errors
    ///
    /// [`Error::Model`] if the rate is not positive and finite.
    pub fn poisson(rate_per_day: f64) -> Result<Arrivals> {
        let a = Arrivals::Poisson { rate_per_day };
        a.issue().map_or(Ok(a), |i| Err(i.into_error(None, &[])))
    }

    /// The mean arrival rate per day (`None` for an unlimited backlog).
    pub fn rate_per_day(&self) -> Option<f64> {
        match self {
            Arrivals::Poisson { rate_per_day } => Some(*rate_per_day),
            Arrivals::Renewal { interarrival } => Some(1.0 / interarrival.mean()),
            Arrivals::Backlog => None,
            Arrivals::Trace { times_days } => trace_gaps(times_days).map(|(mean, _)| 1.0 / mean),
        }
    }

    /// The squared coefficient of variation of the gaps between arrivals (`None` for an
    /// unlimited backlog).
    pub fn scv(&self) -> Option<f64> {
        match self {
            Arrivals::Poisson { .. } => Some(1.0),
            Arrivals::Renewal { interarrival } => Some(interarrival.scv()),
            Arrivals::Backlog => None,
            Arrivals::Trace { times_days } => trace_gaps(times_days).map(|(_, scv)| scv),
        }
    }

    fn issue(&self) -> Option<Issue> {
        match self {
            Arrivals::Poisson { rate_per_day } => {
                if rate_per_day.is_finite() && *rate_per_day > 0.0 {
                    None
                } else {
                    Some(Issue::arrivals(
                        "arrivals.rate_per_day",
                        format!(
                            "the arrival rate must be a positive number of items per day, got {rate_per_day}"
                        ),
                    ))
                }
            }
            Arrivals::Renewal { interarrival } => {
                if let Err(b) = interarrival.validate() {
                    return Some(Issue::arrivals(
                        format!("arrivals.interarrival.{}", b.key),
                        b.message,
                    ));
                }
                if interarrival.mean() > 0.0 {
                    None
                } else {
                    Some(Issue::arrivals(
                        "arrivals.interarrival",
                        "the mean gap between arrivals must be positive".into(),
                    ))
                }
            }
            Arrivals::Backlog => None,
            Arrivals::Trace { times_days } => {
                if times_days.is_empty() {
                    return Some(Issue::arrivals(
                        "arrivals.trace_days",
                        "a trace of arrivals needs at least one instant".into(),
                    ));
                }
                let bad = times_days
                    .iter()
                    .position(|t| !(t.is_finite() && *t >= 0.0));
                let unordered = times_days.windows(2).position(|w| w[1] < w[0]);
                match (bad, unordered) {
                    (Some(i), _) => Some(Issue::arrivals(
                        "arrivals.trace_days",
                        format!(
                            "instant {} of the trace is {}: expected a number of days ≥ 0",
                            i + 1,
                            times_days[i]
                        ),
                    )),
                    (None, Some(i)) => Some(Issue::arrivals(
                        "arrivals.trace_days",
                        format!("the trace is not in time order at instant {}", i + 2),
                    )),
                    (None, None) => None,
                }
            }
        }
    }
}

/// The mean and squared coefficient of variation of the gaps of a trace (`None` with fewer
/// than two instants or no time between them).
fn trace_gaps(times: &[f64]) -> Option<(f64, f64)> {
    if times.len() < 2 {
        return None;
    }
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let n = gaps.len() as f64;
    let mean = gaps.iter().sum::<f64>() / n;
    if mean.is_nan() || mean <= 0.0 {
        return None;
    }
    let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / n;
    Some((mean, var / (mean * mean)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Unlimited {
    #[serde(rename = "unlimited")]
    Unlimited,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArrivalsFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rate_per_day: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interarrival: Option<Distribution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backlog: Option<Unlimited>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trace_days: Option<Vec<f64>>,
}

impl TryFrom<ArrivalsFile> for Arrivals {
    type Error = String;

    fn try_from(f: ArrivalsFile) -> Result<Arrivals, String> {
        match (f.rate_per_day, f.interarrival, f.backlog, f.trace_days) {
            (Some(rate_per_day), None, None, None) => Ok(Arrivals::Poisson { rate_per_day }),
            (None, Some(interarrival), None, None) => Ok(Arrivals::Renewal { interarrival }),
            (None, None, Some(Unlimited::Unlimited), None) => Ok(Arrivals::Backlog),
            (None, None, None, Some(times_days)) => Ok(Arrivals::Trace { times_days }),
            _ => Err(
                "[arrivals] needs exactly one of rate_per_day, interarrival = { dist = ... }, backlog = \"unlimited\" or trace_days = [...]"
                    .to_owned(),
            ),
        }
    }
}

impl From<Arrivals> for ArrivalsFile {
    fn from(a: Arrivals) -> ArrivalsFile {
        let mut f = ArrivalsFile {
            rate_per_day: None,
            interarrival: None,
            backlog: None,
            trace_days: None,
        };
        match a {
            Arrivals::Poisson { rate_per_day } => f.rate_per_day = Some(rate_per_day),
            Arrivals::Renewal { interarrival } => f.interarrival = Some(interarrival),
            Arrivals::Backlog => f.backlog = Some(Unlimited::Unlimited),
            Arrivals::Trace { times_days } => f.trace_days = Some(times_days),
        }
        f
    }
}

/// How many items a station can serve at once.
///
/// In the file: a positive integer, or `"unlimited"` for a pure delay (every item is served
/// at once, nobody waits: "waiting for the customer", a soak period).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Servers {
    /// This many servers (people, runners, environments), ≥ 1.
    Finite(u32),
    /// As many as there are items: no queue.
    Unlimited,
}

impl Default for Servers {
    fn default() -> Servers {
        Servers::Finite(1)
    }
}

impl Servers {
    /// The number of servers, `None` if unlimited.
    pub fn count(self) -> Option<u32> {
        match self {
            Servers::Finite(c) => Some(c),
            Servers::Unlimited => None,
        }
    }
}

impl fmt::Display for Servers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Servers::Finite(c) => write!(f, "{c}"),
            Servers::Unlimited => f.write_str("unlimited"),
        }
    }
}

impl Serialize for Servers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Servers::Finite(c) => s.serialize_u32(*c),
            Servers::Unlimited => s.serialize_str("unlimited"),
        }
    }
}

impl<'de> Deserialize<'de> for Servers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Servers, D::Error> {
        struct V;
        const EXPECTED: &str = "a positive number of servers or \"unlimited\"";
        impl serde::de::Visitor<'_> for V {
            type Value = Servers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Servers, E> {
                u32::try_from(v)
                    .map(Servers::Finite)
                    .map_err(|_| E::custom(format!("servers must be {EXPECTED}, got {v}")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Servers, E> {
                u32::try_from(v)
                    .map(Servers::Finite)
                    .map_err(|_| E::custom(format!("servers must be {EXPECTED}, got {v}")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Servers, E> {
                if v == "unlimited" {
                    Ok(Servers::Unlimited)
                } else {
                    Err(E::custom(format!("servers must be {EXPECTED}, got {v:?}")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Batch service: items are served together, a whole batch by one server in one service
/// time.
///
/// In the file:
///
/// - `batch = { every_days = 7.0, offset_days = 2.0, max = 20 }`: a scheduled release
///   ([`Batch::Scheduled`]). At each tick (`offset_days`, then every `every_days`), each free
///   server takes the items then waiting (at most `max` per server, all if `max` is absent)
///   as one batch. Items that arrive between ticks wait for the next one, even if a server
///   is free; a tick that finds every server busy is missed.
/// - `batch = { size = 5 }`: a server starts as soon as `size` items wait ([`Batch::Size`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BatchFile", into = "BatchFile")]
pub enum Batch {
    /// A release on a fixed schedule.
    Scheduled {
        /// The period between releases, in days (> 0).
        every_days: f64,
        /// The first release, in days from the start (≥ 0; default 0).
        offset_days: f64,
        /// The most items one server takes in one release (default: all waiting).
        max: Option<u32>,
    },
    /// A fixed batch size.
    Size {
        /// The number of items in a batch (≥ 1).
        size: u32,
    },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    every_days: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    offset_days: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size: Option<u32>,
}

impl TryFrom<BatchFile> for Batch {
    type Error = String;

    fn try_from(f: BatchFile) -> Result<Batch, String> {
        match f {
            BatchFile {
                every_days: Some(every_days),
                offset_days,
                max,
                size: None,
            } => Ok(Batch::Scheduled {
                every_days,
                offset_days: offset_days.unwrap_or(0.0),
                max,
            }),
            BatchFile {
                every_days: None,
                offset_days: None,
                max: None,
                size: Some(size),
            } => Ok(Batch::Size { size }),
            _ => Err("batch is either { every_days = ..., offset_days = ..., max = ... } (a scheduled release) or { size = ... }".to_owned()),
        }
    }
}

impl From<Batch> for BatchFile {
    fn from(b: Batch) -> BatchFile {
        match b {
            Batch::Scheduled {
                every_days,
                offset_days,
                max,
            } => BatchFile {
                every_days: Some(every_days),
                offset_days: (offset_days != 0.0).then_some(offset_days),
                max,
                size: None,
            },
            Batch::Size { size } => BatchFile {
                every_days: None,
                offset_days: None,
                max: None,
                size: Some(size),
            },
        }
    }
}

/// Rework: after service, an item goes back to a station with some probability.
///
/// `rework = { to = "Dev", probability = 0.2 }`. Each service ends with an independent
/// draw; an item can be sent back several times (the mean number of visits is given by the
/// traffic equations, 1/(1−p) for a station that sends work back to itself). A rework move
/// is never blocked by the target's WIP limit (so that a WIP limit cannot deadlock the
/// stream); the item counts toward the target's WIP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rework {
    /// The station the work goes back to (any station, this one included).
    pub to: String,
    /// The probability of going back after each service, in [0, 1).
    pub probability: f64,
}

/// A station of the value stream: a queue in front of servers.
///
/// Items wait in first-in-first-out order. With a `wip_limit`, the station holds at most
/// that many items (queued and in service); a server upstream that finishes an item the
/// station cannot take keeps it, and stays blocked, until there is room (blocking after
/// service). Arrivals that find a full first station wait outside the stream (they count in
/// the cycle time and the stream's WIP, but not in the station's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Station {
    /// The name (unique; not `Done`, and not another station's name followed by ` queue`).
    pub name: String,
    /// How many items it serves at once (default 1).
    #[serde(default)]
    pub servers: Servers,
    /// The service time of one item (or of one batch), in days.
    pub service: Distribution,
    /// Batch service, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
    /// The most items the station holds, queued and in service (≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wip_limit: Option<u32>,
    /// Where finished work goes back to, and how often.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rework: Option<Rework>,
    /// The probability that an item moving forward to this station stops at it, in (0, 1]
    /// (default 1); otherwise it passes straight on to the next station (or leaves the
    /// stream after the last). Each item draws independently at each station it reaches
    /// moving forward; rework sent to the station always stops at it. Items that skip
    /// review, or that need no deployment, are this.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub visit_probability: f64,
}

fn one() -> f64 {
    1.0
}

fn is_one(p: &f64) -> bool {
    *p == 1.0
}

impl Station {
    /// A station with no batch, no WIP limit and no rework.
    pub fn new(name: impl Into<String>, servers: Servers, service: Distribution) -> Station {
        Station {
            name: name.into(),
            servers,
            service,
            batch: None,
            wip_limit: None,
            rework: None,
            visit_probability: 1.0,
        }
    }

    /// The same station, visited by an item moving forward with `probability` (the others
    /// pass it by).
    pub fn with_visit_probability(mut self, probability: f64) -> Station {
        self.visit_probability = probability;
        self
    }

    /// The same station with batch service.
    pub fn with_batch(mut self, batch: Batch) -> Station {
        self.batch = Some(batch);
        self
    }

    /// The same station with a WIP limit.
    pub fn with_wip_limit(mut self, limit: u32) -> Station {
        self.wip_limit = Some(limit);
        self
    }

    /// The same station sending work back to `to` with `probability`.
    pub fn with_rework(mut self, to: impl Into<String>, probability: f64) -> Station {
        self.rework = Some(Rework {
            to: to.into(),
            probability,
        });
        self
    }

    /// The state a simulated item enters when it joins this station's queue.
    pub fn queue_state(&self) -> String {
        format!("{} queue", self.name)
    }
}

/// What is wrong with a model: the stage (by index), the key and why.
#[derive(Debug)]
struct Issue {
    stage: Option<usize>,
    key: String,
    message: String,
}

impl Issue {
    fn arrivals(key: impl Into<String>, message: String) -> Issue {
        Issue {
            stage: None,
            key: key.into(),
            message,
        }
    }

    fn stage(i: usize, key: impl Into<String>, message: String) -> Issue {
        Issue {
            stage: Some(i),
            key: key.into(),
            message,
        }
    }

    /// The error, naming the stage from `stages` and placed in `file` if there is one.
    fn into_error(self, file: Option<&Located>, stages: &[Station]) -> Error {
        let offset = file.and_then(|f| match self.stage {
            Some(i) => f.stations.get(i).copied(),
            None => f.arrivals,
        });
        let mut pos = Position::file(file.and_then(|f| f.file));
        if let (Some(f), Some(o)) = (file, offset) {
            (pos.line, pos.char) = line_column(f.text, o);
        }
        Error::Model {
            pos: Box::new(pos),
            stage: self
                .stage
                .and_then(|i| stages.get(i))
                .map(|s| s.name.clone()),
            key: Some(self.key),
            message: self.message,
        }
    }
}

/// Where the parts of a model file start, to place validation errors.
struct Located<'a> {
    file: Option<&'a str>,
    text: &'a str,
    arrivals: Option<usize>,
    stations: Vec<usize>,
}

/// The 1-based line and column (a character number) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (Option<u64>, Option<u64>) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (
        Some(u64::try_from(line).unwrap_or(u64::MAX)),
        Some(u64::try_from(column).unwrap_or(u64::MAX)),
    )
}

/// The file form with the position of each part.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpannedFile {
    arrivals: toml::Spanned<Arrivals>,
    #[serde(rename = "stage", default, alias = "station")]
    stations: Vec<toml::Spanned<Station>>,
}

/// A lenient view of the file, to name the stage a parse error is in.
#[derive(Deserialize)]
struct StageNames {
    #[serde(rename = "stage", default, alias = "station")]
    stations: Vec<toml::Spanned<toml::Table>>,
}

impl ValueStream {
    /// A validated model.
    ///
    /// # Errors
    ///
    /// [`Error::Model`] naming the stage and key, as [`ValueStream::validate`].
    pub fn new(arrivals: Arrivals, stations: Vec<Station>) -> Result<ValueStream> {
        let model = ValueStream { arrivals, stations };
        model.validate()?;
        Ok(model)
    }

    /// Checks the model: at least one stage; names non-empty and unique; servers, WIP limits
    /// and batch sizes ≥ 1; every distribution valid (positive means, cv > 0, a non-empty
    /// empirical sample…); a positive arrival rate; rework targets that exist, with a
    /// probability in [0, 1); visit probabilities in (0, 1]; a WIP limit no smaller than the
    /// batch size; with an unlimited backlog, a first station with a finite number of
    /// servers, a service that takes time, no batch, and that every item visits.
    ///
    /// # Errors
    ///
    /// [`Error::Model`] with the stage and the key at fault (`service.cv`, `rework.to`, …).
    pub fn validate(&self) -> Result<()> {
        match self.issue() {
            None => Ok(()),
            Some(i) => Err(i.into_error(None, &self.stations)),
        }
    }

    fn issue(&self) -> Option<Issue> {
        if let Some(i) = self.arrivals.issue() {
            return Some(i);
        }
        if self.stations.is_empty() {
            return Some(Issue::arrivals(
                "stage",
                "the model has no stages; declare them as [[stage]] tables with name, servers and service".into(),
            ));
        }
        for (i, s) in self.stations.iter().enumerate() {
            if let Some(issue) = self.station_issue(i, s) {
                return Some(issue);
            }
        }
        if matches!(self.arrivals, Arrivals::Backlog)
            && self.stations[0].servers == Servers::Unlimited
        {
            return Some(Issue::stage(
                0,
                "servers",
                "with backlog = \"unlimited\" the first stage needs a finite number of servers, or work would start without limit".into(),
            ));
        }
        if matches!(self.arrivals, Arrivals::Backlog) && self.stations[0].service.mean() <= 0.0 {
            return Some(Issue::stage(
                0,
                "service",
                "with backlog = \"unlimited\" the first stage's service must take time, or work would start without limit".into(),
            ));
        }
        if matches!(self.arrivals, Arrivals::Backlog) && self.stations[0].batch.is_some() {
            return Some(Issue::stage(
                0,
                "batch",
                "with backlog = \"unlimited\" the first stage cannot batch: it starts each item as soon as a server is free".into(),
            ));
        }
        None
    }

    fn station_issue(&self, i: usize, s: &Station) -> Option<Issue> {
        let issue = |key: &str, message: String| Some(Issue::stage(i, key, message));
        if s.name.trim().is_empty() {
            return issue("name", format!("stage {} has an empty name", i + 1));
        }
        if s.name == DONE_STATE {
            return issue(
                "name",
                format!(
                    "{DONE_STATE:?} is the state of finished work in simulated logs; name the stage differently"
                ),
            );
        }
        if let Some(j) = self.stations[..i].iter().position(|o| o.name == s.name) {
            return issue(
                "name",
                format!(
                    "two stages are named {:?} (stages {} and {})",
                    s.name,
                    j + 1,
                    i + 1
                ),
            );
        }
        if let Some(o) = self
            .stations
            .iter()
            .find(|o| o.servers != Servers::Unlimited && o.queue_state() == s.name)
        {
            return issue(
                "name",
                format!(
                    "{:?} is the name of the queue of stage {:?} in simulated logs; name the stage differently",
                    s.name, o.name
                ),
            );
        }
        if s.servers == Servers::Finite(0) {
            return issue(
                "servers",
                "a stage needs at least 1 server (or \"unlimited\")".into(),
            );
        }
        if let Err(b) = s.service.validate() {
            return issue(&format!("service.{}", b.key), b.message);
        }
        match s.batch {
            Some(Batch::Scheduled {
                every_days,
                offset_days,
                max,
            }) => {
                if !(every_days.is_finite() && every_days > 0.0) {
                    return issue(
                        "batch.every_days",
                        format!(
                            "the release period must be a positive number of days, got {every_days}"
                        ),
                    );
                }
                if !(offset_days.is_finite() && offset_days >= 0.0) {
                    return issue(
                        "batch.offset_days",
                        format!(
                            "the first release must be at a number of days ≥ 0, got {offset_days}"
                        ),
                    );
                }
                if max == Some(0) {
                    return issue("batch.max", "a release takes at least 1 item".into());
                }
            }
            Some(Batch::Size { size }) => {
                if size == 0 {
                    return issue("batch.size", "a batch has at least 1 item".into());
                }
                if let Some(limit) = s.wip_limit
                    && limit < size
                {
                    return issue(
                        "wip_limit",
                        format!(
                            "the WIP limit {limit} is below the batch size {size}: a batch could never form"
                        ),
                    );
                }
            }
            None => {}
        }
        if s.wip_limit == Some(0) {
            return issue("wip_limit", "a WIP limit must be at least 1".into());
        }
        if let Some(r) = &s.rework {
            if !self.stations.iter().any(|o| o.name == r.to) {
                return issue(
                    "rework.to",
                    format!(
                        "no stage is named {:?}; the stages are {}",
                        r.to,
                        self.stations
                            .iter()
                            .map(|o| format!("{:?}", o.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            if !(r.probability.is_finite() && (0.0..1.0).contains(&r.probability)) {
                return issue(
                    "rework.probability",
                    format!(
                        "the rework probability must be in [0, 1), got {}",
                        r.probability
                    ),
                );
            }
        }
        let v = s.visit_probability;
        if !(v.is_finite() && v > 0.0 && v <= 1.0) {
            return issue(
                "visit_probability",
                format!(
                    "the visit probability must be in (0, 1], got {v} (a stage nobody visits is removed instead)"
                ),
            );
        }
        if i == 0 && v < 1.0 && matches!(self.arrivals, Arrivals::Backlog) {
            return issue(
                "visit_probability",
                "with backlog = \"unlimited\" every item starts at the first stage: its visit probability must be 1".into(),
            );
        }
        None
    }

    /// Reads a model from TOML text.
    ///
    /// # Errors
    ///
    /// [`Error::Model`] for malformed TOML, unknown or missing keys, values of the wrong
    /// type, and everything [`ValueStream::validate`] rejects, with line and column, stage and
    /// key where they can be told.
    pub fn from_toml_str(text: &str) -> Result<ValueStream> {
        ValueStream::parse(text, None)
    }

    /// Reads a model file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be read, and as [`ValueStream::from_toml_str`] with the
    /// path.
    pub fn from_path(path: impl AsRef<Path>) -> Result<ValueStream> {
        let (name, text) = crate::error::read_text(path.as_ref())?;
        ValueStream::parse(&text, Some(&name))
    }

    fn parse(text: &str, file: Option<&str>) -> Result<ValueStream> {
        let parsed: SpannedFile = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
        let located = Located {
            file,
            text,
            arrivals: Some(parsed.arrivals.span().start),
            stations: parsed.stations.iter().map(|s| s.span().start).collect(),
        };
        let model = ValueStream {
            arrivals: parsed.arrivals.into_inner(),
            stations: parsed
                .stations
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
        };
        match model.issue() {
            None => Ok(model),
            Some(i) => Err(i.into_error(Some(&located), &model.stations)),
        }
    }

    /// The model as a TOML file (which [`ValueStream::from_toml_str`] reads back), in the
    /// layout of the documentation: one `[[stage]]` table per station, distributions, batches
    /// and rework as inline tables.
    pub fn to_toml(&self) -> String {
        let mut out = String::from("[arrivals]\n");
        match &self.arrivals {
            Arrivals::Poisson { rate_per_day } => {
                out.push_str(&format!(
                    "rate_per_day = {}\n",
                    toml::Value::Float(*rate_per_day)
                ));
            }
            Arrivals::Renewal { interarrival } => {
                out.push_str(&format!(
                    "interarrival = {}\n",
                    inline(interarrival, "dist")
                ));
            }
            Arrivals::Backlog => out.push_str("backlog = \"unlimited\"\n"),
            Arrivals::Trace { times_days } => {
                let list: Vec<String> = times_days
                    .iter()
                    .map(|t| toml::Value::Float(*t).to_string())
                    .collect();
                out.push_str(&format!("trace_days = [{}]\n", list.join(", ")));
            }
        }
        for s in &self.stations {
            out.push_str(&format!(
                "\n[[stage]]\nname = {}\nservers = {}\nservice = {}\n",
                toml::Value::String(s.name.clone()),
                inline(&s.servers, ""),
                inline(&s.service, "dist"),
            ));
            if let Some(b) = &s.batch {
                out.push_str(&format!("batch = {}\n", inline(b, "")));
            }
            if let Some(w) = s.wip_limit {
                out.push_str(&format!("wip_limit = {w}\n"));
            }
            if let Some(r) = &s.rework {
                out.push_str(&format!("rework = {}\n", inline(r, "to")));
            }
            if s.visit_probability != 1.0 {
                out.push_str(&format!(
                    "visit_probability = {}\n",
                    toml::Value::Float(s.visit_probability)
                ));
            }
        }
        out
    }

    /// The index of the stage named `name`.
    pub fn station_index(&self, name: &str) -> Option<usize> {
        self.stations.iter().position(|s| s.name == name)
    }

    /// The stage named `name`.
    pub fn station(&self, name: &str) -> Option<&Station> {
        self.stations.iter().find(|s| s.name == name)
    }

    /// The stage named `name`, to change it.
    pub fn station_mut(&mut self, name: &str) -> Option<&mut Station> {
        self.stations.iter_mut().find(|s| s.name == name)
    }

    /// The workflow of the logs the simulator emits: for each station with servers a
    /// `"<name> queue"` wait stage and a `"<name>"` active stage (with its servers); for a
    /// delay station (unlimited servers) one `"<name>"` wait stage; then `"Done"`. The
    /// commitment point is the first stage.
    ///
    /// # Errors
    ///
    /// As [`ValueStream::validate`].
    pub fn workflow(&self) -> Result<Workflow> {
        self.validate()?;
        let mut stages = Vec::with_capacity(2 * self.stations.len() + 1);
        for s in &self.stations {
            match s.servers {
                Servers::Finite(c) => {
                    stages.push(Stage::new(s.queue_state(), StageKind::Wait));
                    stages.push(Stage::new(s.name.clone(), StageKind::Active).with_servers(c));
                }
                Servers::Unlimited => stages.push(Stage::new(s.name.clone(), StageKind::Wait)),
            }
        }
        stages.push(Stage::new(DONE_STATE, StageKind::Done));
        Workflow::new(stages, None)
    }
}

/// `value` as an inline TOML value; in a table the key `first` comes first, the others in
/// alphabetical order.
fn inline<T: Serialize>(value: &T, first: &str) -> String {
    match toml::Value::try_from(value) {
        Ok(toml::Value::Table(t)) => {
            let mut parts: Vec<String> = Vec::with_capacity(t.len());
            if let Some(v) = t.get(first) {
                parts.push(format!("{first} = {v}"));
            }
            parts.extend(
                t.iter()
                    .filter(|(k, _)| *k != first)
                    .map(|(k, v)| format!("{k} = {v}")),
            );
            format!("{{ {} }}", parts.join(", "))
        }
        Ok(v) => v.to_string(),
        Err(_) => String::new(),
    }
}

/// A TOML error as a model error: one sentence with line, column and the stage it is in.
fn toml_error(text: &str, file: Option<&str>, e: &toml::de::Error) -> Error {
    let span = e.span();
    let mut pos = Position::file(file);
    if let Some(s) = &span {
        (pos.line, pos.char) = line_column(text, s.start);
    }
    let stage = span.and_then(|s| {
        let names: StageNames = toml::from_str(text).ok()?;
        names
            .stations
            .iter()
            .rev()
            .find(|t| t.span().start <= s.start)
            .and_then(|t| t.get_ref().get("name")?.as_str().map(str::to_owned))
    });
    Error::Model {
        pos: Box::new(pos),
        stage,
        key: None,
        message: e.message().trim_end().replace('\n', "; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[arrivals]
rate_per_day = 1.7

[[stage]]
name = "Dev"
servers = 4
service = { dist = "lognormal", mean_days = 2.0, cv = 0.8 }
wip_limit = 6

[[stage]]
name = "Deploy"
servers = 1
service = { dist = "deterministic", days = 0.04 }
batch = { every_days = 7.0 }

[[stage]]
name = "Test"
servers = 2
service = { dist = "gamma", mean_days = 1.1, cv = 0.7 }
rework = { to = "Dev", probability = 0.2 }

[[stage]]
name = "Customer"
servers = "unlimited"
service = { dist = "empirical", samples_days = [1, 2.5, 4] }
"#;

    #[test]
    fn reads_the_example_of_the_issue() {
        let m = ValueStream::from_toml_str(FILE).unwrap();
        assert_eq!(m.arrivals, Arrivals::Poisson { rate_per_day: 1.7 });
        assert_eq!(m.stations.len(), 4);
        assert_eq!(m.stations[0].servers, Servers::Finite(4));
        assert_eq!(m.stations[0].wip_limit, Some(6));
        assert_eq!(
            m.stations[1].batch,
            Some(Batch::Scheduled {
                every_days: 7.0,
                offset_days: 0.0,
                max: None
            })
        );
        assert_eq!(
            m.stations[2].rework.as_ref().map(|r| r.to.as_str()),
            Some("Dev")
        );
        assert_eq!(m.stations[3].servers, Servers::Unlimited);
        assert_eq!(m.station_index("Test"), Some(2));
    }

    #[test]
    fn round_trips_through_toml() {
        let m = ValueStream::from_toml_str(FILE).unwrap();
        let text = m.to_toml();
        assert_eq!(ValueStream::from_toml_str(&text).unwrap(), m, "{text}");
        for arrivals in [
            "backlog = \"unlimited\"",
            "interarrival = { dist = \"erlang\", k = 2, mean_days = 0.5 }",
        ] {
            let f = FILE.replace("rate_per_day = 1.7", arrivals);
            let m = ValueStream::from_toml_str(&f).unwrap();
            assert_eq!(ValueStream::from_toml_str(&m.to_toml()).unwrap(), m);
        }
        let f = FILE.replace(
            "every_days = 7.0",
            "every_days = 7.0, offset_days = 1.5, max = 3",
        );
        let m = ValueStream::from_toml_str(&f).unwrap();
        assert_eq!(ValueStream::from_toml_str(&m.to_toml()).unwrap(), m);
        let f = FILE.replace("every_days = 7.0", "size = 5");
        let m = ValueStream::from_toml_str(&f).unwrap();
        assert_eq!(m.stations[1].batch, Some(Batch::Size { size: 5 }));
        assert_eq!(ValueStream::from_toml_str(&m.to_toml()).unwrap(), m);
        // A visit probability is written only where it is not 1.
        assert!(m.stations.iter().all(|s| s.visit_probability == 1.0));
        assert!(!m.to_toml().contains("visit_probability"));
        let f = FILE.replace(
            "batch = { every_days = 7.0 }",
            "batch = { every_days = 7.0 }\nvisit_probability = 0.25",
        );
        let m = ValueStream::from_toml_str(&f).unwrap();
        assert_eq!(m.stations[1].visit_probability, 0.25);
        assert_eq!(m.to_toml().matches("visit_probability").count(), 1);
        assert_eq!(ValueStream::from_toml_str(&m.to_toml()).unwrap(), m);
    }

    #[test]
    fn visit_probabilities_are_in_0_to_1_and_the_pulled_first_stage_is_always_visited() {
        for bad in ["0.0", "-0.5", "1.5", "nan"] {
            let (line, stage, key, msg) = error(&FILE.replace(
                "servers = 2\n",
                &format!("servers = 2\nvisit_probability = {bad}\n"),
            ));
            assert_eq!(
                (stage.as_deref(), key.as_deref()),
                (Some("Test"), Some("visit_probability")),
                "{bad}: {msg}"
            );
            assert_eq!(line, Some(17), "{bad}: the line of the stage's table");
            assert!(msg.contains("(0, 1]"), "{msg}");
        }
        let with = |p: &str| {
            FILE.replace("rate_per_day = 1.7", "backlog = \"unlimited\"")
                .replace(
                    "wip_limit = 6",
                    &format!("wip_limit = 6\nvisit_probability = {p}"),
                )
        };
        let (_, stage, key, msg) = error(&with("0.9"));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("visit_probability"))
        );
        assert!(msg.contains("backlog"), "{msg}");
        assert!(ValueStream::from_toml_str(&with("1.0")).is_ok());
        // With arrivals at a rate, the first stage may be skipped.
        assert!(
            ValueStream::from_toml_str(
                &FILE.replace("wip_limit = 6", "wip_limit = 6\nvisit_probability = 0.9")
            )
            .is_ok()
        );
    }

    fn error(text: &str) -> (Option<u64>, Option<String>, Option<String>, String) {
        match ValueStream::from_toml_str(text) {
            Err(Error::Model {
                pos,
                stage,
                key,
                message,
            }) => (pos.line, stage, key, message),
            other => panic!("expected a model error, got {other:?}"),
        }
    }

    #[test]
    fn invalid_models_name_stage_and_key() {
        let (line, stage, key, msg) = error(&FILE.replace("cv = 0.7", "cv = 0.0"));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Test"), Some("service.cv"))
        );
        assert_eq!(line, Some(17), "the line of the stage's table");
        assert!(msg.contains("positive"), "{msg}");
        let (_, stage, key, _) = error(&FILE.replace("rate_per_day = 1.7", "rate_per_day = -1.7"));
        assert_eq!(
            (stage, key.as_deref()),
            (None, Some("arrivals.rate_per_day"))
        );
        let (_, stage, key, msg) = error(&FILE.replace("to = \"Dev\"", "to = \"Design\""));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Test"), Some("rework.to"))
        );
        assert!(msg.contains("\"Design\""), "{msg}");
        let (_, _, key, msg) = error(&FILE.replace("[1, 2.5, 4]", "[]"));
        assert_eq!(key.as_deref(), Some("service.samples_days"));
        assert!(msg.contains("empty"));
        let (_, _, key, _) = error(&FILE.replace("probability = 0.2", "probability = 1.0"));
        assert_eq!(key.as_deref(), Some("rework.probability"));
        let (_, stage, key, _) = error(&FILE.replace("servers = 2", "servers = 0"));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Test"), Some("servers"))
        );
        let (_, stage, key, msg) =
            error(&FILE.replace("wip_limit = 6", "wip_limit = 6\nbatch = { size = 8 }"));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("wip_limit"))
        );
        assert!(msg.contains("never form"), "{msg}");
        let pull = FILE.replace("rate_per_day = 1.7", "backlog = \"unlimited\"");
        let (_, stage, key, _) = error(&pull.replace(
            "dist = \"lognormal\", mean_days = 2.0, cv = 0.8",
            "dist = \"deterministic\", days = 0.0",
        ));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("service"))
        );
        let (_, stage, key, _) = error(&pull.replace("servers = 4", "servers = \"unlimited\""));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("servers"))
        );
        let (_, stage, key, _) = error(&pull.replace("wip_limit = 6", "batch = { size = 2 }"));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("batch"))
        );
        let (_, stage, key, _) = error(&FILE.replace("name = \"Deploy\"", "name = \"Dev\""));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("name"))
        );
        let (_, stage, key, _) = error(&FILE.replace("name = \"Deploy\"", "name = \"Dev queue\""));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev queue"), Some("name"))
        );
    }

    #[test]
    fn model_errors_read_file_line_column_stage_and_key() {
        let e = Error::Model {
            pos: Box::new(Position::file(Some("m.toml")).at_line(4)),
            stage: Some("Dev".into()),
            key: Some("service.cv".into()),
            message: "why".into(),
        };
        assert_eq!(
            e.to_string(),
            "m.toml, line 4, stage \"Dev\", key `service.cv`: why"
        );
        let e = Error::Model {
            pos: Box::new(Position {
                char: Some(3),
                ..Position::default()
            }),
            stage: None,
            key: None,
            message: "why".into(),
        };
        assert_eq!(e.to_string(), "model, column 3: why");
    }

    #[test]
    fn toml_errors_carry_line_column_and_stage() {
        let err =
            ValueStream::from_toml_str(&FILE.replace("servers = 2", "sevrers = 2")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("model, line 19, column 1, stage \"Test\": unknown field `sevrers`"),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "one line: {msg}");
        let err =
            ValueStream::from_toml_str(&FILE.replace("servers = 4", "servers = -4")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("model, line 7, column 11, stage \"Dev\": servers must be"),
            "{msg}"
        );
        let err =
            ValueStream::from_toml_str(&FILE.replace("\"lognormal\"", "\"logistic\"")).unwrap_err();
        assert!(err.to_string().contains("logistic"), "{err}");
        let err =
            ValueStream::from_toml_str("[arrivals]\nrate_per_day = 1\nbacklog = \"unlimited\"\n")
                .unwrap_err();
        assert!(err.to_string().contains("exactly one of"), "{err}");
        let err = ValueStream::from_toml_str("[arrivals]\nrate_per_day = 1\n").unwrap_err();
        assert!(err.to_string().contains("no stages"), "{err}");
        let err = ValueStream::from_toml_str("[arrivals\n").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn the_workflow_matches_the_simulated_states() {
        let m = ValueStream::from_toml_str(FILE).unwrap();
        let wf = m.workflow().unwrap();
        let names: Vec<_> = wf
            .stages()
            .iter()
            .map(|s| (s.name.as_str(), s.kind))
            .collect();
        use StageKind::*;
        assert_eq!(
            names,
            [
                ("Dev queue", Wait),
                ("Dev", Active),
                ("Deploy queue", Wait),
                ("Deploy", Active),
                ("Test queue", Wait),
                ("Test", Active),
                ("Customer", Wait),
                ("Done", Done)
            ]
        );
        assert_eq!(wf.stage(1).servers, Some(4));
    }
}
