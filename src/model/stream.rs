//! The model's types: a value stream, its arrivals and its stations (queues in front of
//! servers, with batches, WIP limits, rework and visit probabilities).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Calendar, DONE_STATE, Distribution};
use crate::error::Result;
use crate::workflow::{Stage, StageKind, Workflow};

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
/// # Examples
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
/// ([`analyze`](super::analyze), [`Simulation::new`](super::Simulation::new)) checks it
/// again with [`ValueStream::validate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueStream {
    /// How work arrives at the first station.
    pub arrivals: Arrivals,
    /// The stations in flow order (`[[stage]]` in the file).
    #[serde(rename = "stage", alias = "station")]
    pub stations: Vec<Station>,
    /// Classes of work (`[[class]]` in the file), if any: each its share of the arrivals
    /// and, per station, what differs from the station's own description. Classes share the
    /// stations' servers and queues (first come, first served). None: one kind of work.
    #[serde(rename = "class", default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<WorkClass>,
    /// The working calendar (`[calendar]` in the file), if any: when the servers of the
    /// stations on it work ([`Calendar`]; [`Station::calendar`] says which stations are),
    /// and which weekday and hour day 0 is. None: every station works around the clock,
    /// and day 0 is a Monday at 00:00 UTC for weekly arrivals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<Calendar>,
}

/// A class of work: its share of the arrivals, and what differs for it at each station.
///
/// In the file:
///
/// ```toml
/// [[class]]
/// name = "Bug"
/// share = 0.4
/// [class.stage.Dev]
/// service = { dist = "lognormal", mean_days = 0.8, cv = 0.8 }
/// [class.stage.Test]
/// rework = { to = "Dev", probability = 0.1 }
/// revisit = { rework_probability = 0.4 }
/// visit_probability = 0.9
/// ```
///
/// A station a class does not mention is the same for it as the station says. The shares
/// of the classes add up to 1; an arriving item belongs to each class with its share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkClass {
    /// The name (unique among the classes).
    pub name: String,
    /// Its share of the arrivals, in (0, 1].
    pub share: f64,
    /// What differs for this class, by station name.
    #[serde(rename = "stage", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stations: BTreeMap<String, ClassStation>,
}

/// What differs for a class at one station (each key absent: as the station says).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassStation {
    /// The service time of this class's items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Distribution>,
    /// The probability that an item of the class moving forward stops at the station.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_probability: Option<f64>,
    /// Its rework (probability 0: none for this class).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rework: Option<Rework>,
    /// Its later visits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revisit: Option<Revisit>,
}

/// What differs on an item's later visits to a station (its second service there and
/// every one after): routing and service with a memory of the item's own history.
///
/// `revisit = { service = { dist = ... }, rework_probability = 0.5 }`. An item that has
/// already looped through a station is often one that loops again (a hard problem, a
/// vague request), and a second pass often takes another time than the first: this says
/// so. Each key absent: as on the first visit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revisit {
    /// The service time of a later visit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Distribution>,
    /// The probability of going back (to the station's rework target) after a later
    /// visit's service, in [0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rework_probability: Option<f64>,
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
/// - `rate_per_day = 12.0` with `weekday = [7 factors, Monday first]` and/or
///   `hour = [24 factors, UTC]`: a Poisson process whose rate varies with the weekday and
///   the hour of the day ([`Arrivals::Weekly`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ArrivalsFile", into = "ArrivalsFile")]
// A weekly rhythm's 31 factors make it the largest variant: arrivals are built once per
// model, never on a hot path, and plain arrays keep the variant's fields simple.
#[allow(clippy::large_enum_variant)]
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
    /// A non-homogeneous Poisson process with a weekly rhythm: at an instant on weekday
    /// `d` (Monday = 0) and hour `h` (UTC) the rate is `rate_per_day × weekday[d] ×
    /// hour[h]`, with each list of factors normalised to mean 1 (so `rate_per_day` is the
    /// mean rate over a week, whatever the factors' scale). The week's phase is the
    /// model's [`Calendar`] origin (day 0 is that instant), or Monday 00:00 UTC without a
    /// calendar. Arrivals are drawn exactly, by inverting the piecewise-constant
    /// cumulative rate. A what-if that changes the arrival rate keeps the rhythm.
    Weekly {
        /// The mean items per day over a week, > 0.
        rate_per_day: f64,
        /// Factors by weekday, Monday first: ≥ 0, not all 0.
        weekday: [f64; 7],
        /// Factors by hour of the day (UTC), from 00:00: ≥ 0, not all 0.
        hour: [f64; 24],
    },
}

impl Arrivals {
    /// Poisson arrivals at `rate_per_day`.
    ///
    /// # Errors
    ///
    /// [`Error::Model`](crate::Error::Model) if the rate is not positive and finite.
    pub fn poisson(rate_per_day: f64) -> Result<Arrivals> {
        let a = Arrivals::Poisson { rate_per_day };
        a.issue().map_or(Ok(a), |i| Err(i.into_error(None, &[])))
    }

    /// The mean arrival rate per day (`None` for an unlimited backlog).
    pub fn rate_per_day(&self) -> Option<f64> {
        match self {
            Arrivals::Poisson { rate_per_day } | Arrivals::Weekly { rate_per_day, .. } => {
                Some(*rate_per_day)
            }
            Arrivals::Renewal { interarrival } => Some(1.0 / interarrival.mean()),
            Arrivals::Backlog => None,
            Arrivals::Trace { times_days } => trace_gaps(times_days).map(|(mean, _)| 1.0 / mean),
        }
    }

    /// The same arrivals at the mean rate `rate_per_day`: a weekly rhythm keeps its
    /// factors, every other process becomes Poisson at that rate (what an `arrivals`
    /// what-if does).
    ///
    /// # Errors
    ///
    /// [`Error::Model`](crate::Error::Model) if the rate is not positive and finite.
    pub fn with_rate(&self, rate_per_day: f64) -> Result<Arrivals> {
        let a = match self {
            Arrivals::Weekly { weekday, hour, .. } => Arrivals::Weekly {
                rate_per_day,
                weekday: *weekday,
                hour: *hour,
            },
            _ => Arrivals::Poisson { rate_per_day },
        };
        a.issue().map_or(Ok(a), |i| Err(i.into_error(None, &[])))
    }

    /// The squared coefficient of variation of the gaps between arrivals (`None` for an
    /// unlimited backlog).
    pub fn scv(&self) -> Option<f64> {
        match self {
            // A weekly rhythm is Poisson in each hour; over a week, the rhythm adds
            // variability that a renewal approximation does not describe (the analysis
            // says so).
            Arrivals::Poisson { .. } | Arrivals::Weekly { .. } => Some(1.0),
            Arrivals::Renewal { interarrival } => Some(interarrival.scv()),
            Arrivals::Backlog => None,
            Arrivals::Trace { times_days } => trace_gaps(times_days).map(|(_, scv)| scv),
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
    /// What differs on an item's second visit and after (service, rework).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revisit: Option<Revisit>,
    /// The probability that an item moving forward to this station stops at it, in (0, 1]
    /// (default 1); otherwise it passes straight on to the next station (or leaves the
    /// stream after the last). Each item draws independently at each station it reaches
    /// moving forward; rework sent to the station always stops at it. Items that skip
    /// review, or that need no deployment, are this.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub visit_probability: f64,
    /// Whether the station's servers follow the model's [`Calendar`] (`calendar = true |
    /// false`); absent: stations with a finite number of servers do, delays (unlimited
    /// servers) run on the clock ([`Station::on_calendar`]). Without a calendar in the model
    /// it has no effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<bool>,
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
            revisit: None,
            visit_probability: 1.0,
            calendar: None,
        }
    }

    /// Whether the station follows the model's calendar (when the model has one): as its
    /// `calendar` says, else when its number of servers is finite.
    pub fn on_calendar(&self) -> bool {
        self.calendar
            .unwrap_or(matches!(self.servers, Servers::Finite(_)))
    }

    /// The same station with later visits described by `revisit`.
    pub fn with_revisit(mut self, revisit: Revisit) -> Station {
        self.revisit = Some(revisit);
        self
    }

    /// The station as items of `class` see it: its own description with the class's
    /// changes applied.
    pub fn for_class(&self, class: &WorkClass) -> Station {
        let mut s = self.clone();
        if let Some(c) = class.stations.get(&self.name) {
            if let Some(d) = &c.service {
                s.service = d.clone();
            }
            if let Some(v) = c.visit_probability {
                s.visit_probability = v;
            }
            if let Some(r) = &c.rework {
                s.rework = (r.probability > 0.0).then(|| r.clone());
            }
            if let Some(r) = &c.revisit {
                s.revisit = Some(r.clone());
            }
        }
        s
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

impl ValueStream {
    /// A validated model.
    ///
    /// # Errors
    ///
    /// [`Error::Model`](crate::Error::Model) naming the stage and key, as [`ValueStream::validate`].
    pub fn new(arrivals: Arrivals, stations: Vec<Station>) -> Result<ValueStream> {
        let model = ValueStream {
            arrivals,
            stations,
            classes: Vec::new(),
            calendar: None,
        };
        model.validate()?;
        Ok(model)
    }

    /// The same model with classes of work.
    ///
    /// # Errors
    ///
    /// [`Error::Model`](crate::Error::Model) as [`ValueStream::validate`] (shares that do
    /// not add up to 1, a station a class names that does not exist, …).
    pub fn with_classes(mut self, classes: Vec<WorkClass>) -> Result<ValueStream> {
        self.classes = classes;
        self.validate()?;
        Ok(self)
    }

    /// The same model with a working calendar.
    ///
    /// # Errors
    ///
    /// [`Error::Model`](crate::Error::Model) as [`ValueStream::validate`].
    pub fn with_calendar(mut self, calendar: Calendar) -> Result<ValueStream> {
        self.calendar = Some(calendar);
        self.validate()?;
        Ok(self)
    }

    /// The index of the class named `name`.
    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c.name == name)
    }

    /// The stations as the items of class `class` (an index of [`ValueStream::classes`])
    /// see them; the stations themselves for `None` or a model without classes.
    pub fn stations_for(&self, class: Option<usize>) -> Vec<Station> {
        match class.and_then(|c| self.classes.get(c)) {
            Some(c) => self.stations.iter().map(|s| s.for_class(c)).collect(),
            None => self.stations.clone(),
        }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Unlimited {
    #[serde(rename = "unlimited")]
    Unlimited,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ArrivalsFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rate_per_day: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interarrival: Option<Distribution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backlog: Option<Unlimited>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trace_days: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weekday: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hour: Option<Vec<f64>>,
}

impl TryFrom<ArrivalsFile> for Arrivals {
    type Error = String;

    fn try_from(f: ArrivalsFile) -> Result<Arrivals, String> {
        if f.weekday.is_some() || f.hour.is_some() {
            let (Some(rate_per_day), None, None, None) =
                (f.rate_per_day, &f.interarrival, &f.backlog, &f.trace_days)
            else {
                return Err(
                    "weekday and hour factors go with rate_per_day (a weekly rhythm of Poisson arrivals), and with nothing else".to_owned(),
                );
            };
            let weekday: [f64; 7] = factors(f.weekday, "weekday", "7 factors, Monday first")?;
            let hour: [f64; 24] = factors(f.hour, "hour", "24 factors, from 00:00 UTC")?;
            return Ok(Arrivals::Weekly {
                rate_per_day,
                weekday,
                hour,
            });
        }
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
            weekday: None,
            hour: None,
        };
        match a {
            Arrivals::Poisson { rate_per_day } => f.rate_per_day = Some(rate_per_day),
            Arrivals::Renewal { interarrival } => f.interarrival = Some(interarrival),
            Arrivals::Backlog => f.backlog = Some(Unlimited::Unlimited),
            Arrivals::Trace { times_days } => f.trace_days = Some(times_days),
            Arrivals::Weekly {
                rate_per_day,
                weekday,
                hour,
            } => {
                f.rate_per_day = Some(rate_per_day);
                f.weekday = Some(weekday.to_vec());
                f.hour = Some(hour.to_vec());
            }
        }
        f
    }
}

/// A list of factors of the file as an array of `N` (all ones when absent).
fn factors<const N: usize>(
    list: Option<Vec<f64>>,
    key: &str,
    what: &str,
) -> Result<[f64; N], String> {
    match list {
        None => Ok([1.0; N]),
        Some(v) => <[f64; N]>::try_from(v.as_slice())
            .map_err(|_| format!("arrivals.{key} needs {what}, got {} values", v.len())),
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BatchFile {
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
