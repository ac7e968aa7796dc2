//! The discrete-event simulator: seeded, replicated, parallel, allocation-free per event.

use std::collections::VecDeque;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution as _, Exp1};

use super::calendar::{WeeklyRate, WorkWeek};
use super::dist::Sampler;
use super::results::{REPORTED, Replication, ReplicationStation, SimResult};
use super::{Arrivals, Batch, DONE_STATE, Distribution, Servers, Station, ValueStream};
use crate::error::{Error, Result};
use crate::log::{EventLog, EventLogBuilder};
use crate::stats::percentiles_unsorted;
use crate::time::{datetime_to_ms, days_to_ms, ms_to_datetime};

/// How to simulate: seed, replications, horizon, warm-up, threads.
///
/// Built from [`SimOptions::new`] (the defaults) and its setters; fields can be read (and
/// changed) directly.
///
/// # Examples
///
/// ```
/// use valuestream::SimOptions;
///
/// let o = SimOptions::new().seed(42).replications(20);
/// assert_eq!((o.seed, o.replications, o.horizon_days, o.threads), (42, 20, 3650.0, 1));
/// // The warm-up, unless given, is a tenth of the horizon.
/// assert_eq!(o.warmup_days, None);
/// assert_eq!(o.warmup_days_used(), 365.0);
/// let o = o.horizon_days(1000.0);
/// assert_eq!(o.warmup_days_used(), 100.0);
/// assert_eq!(o.warmup_days(0.0).warmup_days_used(), 0.0);
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct SimOptions {
    /// The seed (default 1). Replication `r` draws from streams that depend only on
    /// `(seed, r)` and the stations' names, so a result is bit-for-bit the same for a seed
    /// whatever the number of threads.
    pub seed: u64,
    /// Independent replications (1 to 100 000; confidence intervals need 2 or more).
    /// Default 10.
    pub replications: u32,
    /// Simulated days per replication, warm-up included (default 3650).
    pub horizon_days: f64,
    /// Days at the start of each replication left out of every statistic, so that the
    /// empty start does not bias them (must be below the horizon). `None`, the default: a
    /// tenth of the horizon ([`SimOptions::warmup_days_used`]).
    pub warmup_days: Option<f64>,
    /// The most threads to run replications on (default 1). `0` means as many as the
    /// system offers (`std::thread::available_parallelism`), as for
    /// [`LogReaderBuilder::threads`](crate::LogReaderBuilder::threads); otherwise the
    /// library never asks the system how many cores it has. The result does not depend on
    /// it.
    pub threads: usize,
    /// The most memory the replications running at once may take, in bytes (default
    /// [`DEFAULT_MEMORY_BUDGET`]). A simulation that would take more is refused before it
    /// starts ([`Simulation::run`] says how much it would take).
    pub memory_budget_bytes: u64,
}

/// The default memory budget of a simulation: 2 GiB.
pub const DEFAULT_MEMORY_BUDGET: u64 = 2 << 30;

/// What a simulation keeps of each item (its cycle time) and of each stage-service (its
/// wait and its time at the station), in bytes: the memory a replication needs grows with
/// these.
const BYTES_PER_ITEM: f64 = 8.0;
const BYTES_PER_SERVICE: f64 = 16.0;

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            seed: 1,
            replications: 10,
            horizon_days: 3650.0,
            warmup_days: None,
            threads: 1,
            memory_budget_bytes: DEFAULT_MEMORY_BUDGET,
        }
    }
}

impl SimOptions {
    /// The default options: seed 1, 10 replications of 3650 days, a tenth of them warm-up,
    /// on the calling thread.
    pub fn new() -> SimOptions {
        SimOptions::default()
    }

    /// The same options with this seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> SimOptions {
        self.seed = seed;
        self
    }

    /// The same options with this many replications.
    #[must_use]
    pub fn replications(mut self, replications: u32) -> SimOptions {
        self.replications = replications;
        self
    }

    /// The same options with this horizon, in days (warm-up included).
    #[must_use]
    pub fn horizon_days(mut self, days: f64) -> SimOptions {
        self.horizon_days = days;
        self
    }

    /// The same options with this warm-up, in days (instead of a tenth of the horizon).
    #[must_use]
    pub fn warmup_days(mut self, days: f64) -> SimOptions {
        self.warmup_days = Some(days);
        self
    }

    /// The same options running replications on at most `threads` threads (0: as many as
    /// the system offers).
    #[must_use]
    pub fn threads(mut self, threads: usize) -> SimOptions {
        self.threads = threads;
        self
    }

    /// The warm-up in days: the one given, or a tenth of the horizon.
    pub fn warmup_days_used(&self) -> f64 {
        self.warmup_days.unwrap_or(self.horizon_days / 10.0)
    }

    /// The same options with this memory budget, in bytes
    /// ([`SimOptions::memory_budget_bytes`]).
    #[must_use]
    pub fn memory_budget(mut self, bytes: u64) -> SimOptions {
        self.memory_budget_bytes = bytes;
        self
    }

    /// The threads replications run on, at most: the one given, or with `0` as many as the
    /// system offers (1 if it cannot tell).
    pub fn threads_used(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            t => t,
        }
    }

    /// Checks the options.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if there are no replications or more than 100 000, a
    /// horizon that is not positive or beyond 10 million days, or a warm-up that is
    /// negative or not below the horizon.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        if self.replications == 0 || self.replications > MAX_REPLICATIONS {
            return bad(format!(
                "a simulation runs 1 to {MAX_REPLICATIONS} replications, not {}",
                self.replications
            ));
        }
        if !(self.horizon_days.is_finite()
            && self.horizon_days > 0.0
            && self.horizon_days <= MAX_HORIZON_DAYS)
        {
            return bad(format!(
                "the horizon must be a positive number of days up to {MAX_HORIZON_DAYS}, got {}",
                self.horizon_days
            ));
        }
        let warmup = self.warmup_days_used();
        if !(warmup.is_finite() && warmup >= 0.0 && warmup < self.horizon_days) {
            return bad(format!(
                "the warm-up must be at least 0 days and below the horizon ({} days), got {}",
                self.horizon_days, warmup
            ));
        }
        Ok(())
    }
}

/// The most replications a simulation runs.
const MAX_REPLICATIONS: u32 = 100_000;
/// The longest horizon, in days (about 27,000 years).
const MAX_HORIZON_DAYS: f64 = 1e7;
/// The most items a replication is expected to see (each keeps a few numbers for the
/// percentiles).
const MAX_ITEMS: f64 = 1e8;
/// The most stage-services a simulation may be expected to run, over all its replications,
/// counted as items × stages × replications (a floor where every item visits every stage
/// once; rework adds to it, routes that skip stages take from it): fifty million, under half a minute on
/// two cores of the slowest kind of stage measured (100,000 servers, 1.5 million
/// stage-services a second on a core), which keeps every command on a small model file
/// under a minute. A delivery stream of 270 items a day through five stages fits ten
/// replications of ten years.
pub const MAX_STAGE_SERVICES: f64 = 5e7;
/// The most scheduled releases (ticks of batches released on a period) a replication may
/// have: a period far below the horizon is work without items.
pub const MAX_RELEASES: f64 = 1e8;

/// A value stream compiled for simulation.
///
/// The engine is a discrete-event simulation: a binary heap of events ordered by time, then
/// by a sequence number (so simultaneous events happen in the order they were scheduled);
/// items, queues and batches live in buffers that are reused from event to event and from
/// replication to replication, so nothing is allocated per event once the buffers have
/// grown. Each replication starts empty, runs to the horizon, and measures only after the
/// warm-up.
///
/// Random numbers come from `rand::rngs::Xoshiro256PlusPlus` streams: one for arrivals, and
/// per station one for service times and one for rework draws, each seeded from the seed,
/// the replication index and the station's name. Two models that differ in one station
/// therefore see the same arrivals and the same service times elsewhere (common random
/// numbers), which sharpens comparisons.
///
/// # Examples
///
/// ```
/// use valuestream::{Arrivals, Distribution, Servers, SimOptions, Simulation, Station, ValueStream};
///
/// // M/M/1 at 90% load: mean cycle time 1/(µ − λ) = 10 days.
/// let model = ValueStream::new(
///     Arrivals::poisson(0.9)?,
///     vec![Station::new("Dev", Servers::Finite(1), Distribution::exponential(1.0)?)],
/// )?;
/// let options = SimOptions::new().replications(4).horizon_days(20_000.0).warmup_days(1_000.0);
/// let result = Simulation::new(&model)?.run(&options)?;
/// assert!((result.cycle_time_days.mean - 10.0).abs() < 1.0);
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Simulation {
    names: Vec<String>,
    /// `(queue state, active state)` per station for emitted logs; no queue state for a
    /// delay station.
    states: Vec<(Option<String>, String)>,
    arrivals: ArrivalSpec,
    /// New items a day on average (for a pulled backlog, the first station's capacity);
    /// `None` for a trace, whose items are listed.
    items_per_day: Option<f64>,
    /// What the budgets of a run are checked against.
    size: Size,
    arrival_stream: u64,
    stations: Vec<Spec>,
    /// Items already in the stream at time 0, in the order they are placed.
    placed: Vec<Placed>,
    /// The classes' names (empty without classes).
    class_names: Vec<String>,
    /// The cumulative shares of the classes (empty with fewer than two).
    class_cdf: Vec<f64>,
    class_stream: u64,
    /// The class of each arrival of a trace, when known (else drawn by share).
    trace_classes: Vec<u8>,
    /// Whether any station treats later visits differently.
    memory: bool,
    /// The working week of the stations on the calendar (`None`: no calendar, or one that
    /// works every hour).
    week: Option<WorkWeek>,
}

/// An item already in the stream when a simulation starts: the state of a log at the
/// held-out backtest's split.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Placed {
    /// Its station.
    pub(crate) station: usize,
    /// In service there (else in its queue).
    pub(crate) in_service: bool,
    /// Days it has been in service: its remaining service is drawn from the service time
    /// given that it exceeds this.
    pub(crate) elapsed_days: f64,
    /// When it entered the stream, in days (at or before 0).
    pub(crate) born_days: f64,
    /// Its class (an index of the model's classes; 0 without classes).
    pub(crate) class: u8,
    /// The stations it was served at before its current visit (bit `s` for station `s`).
    pub(crate) served: u64,
}

/// Draws of a service time that exceeds the time already served before the draw gives up
/// and takes an unconditioned one (the model never saw a service that long).
const RESIDUAL_TRIES: u32 = 1_000;

#[derive(Clone, Debug)]
enum ArrivalSpec {
    Renewal(Sampler),
    Pull,
    /// Arrival instants, in order.
    Trace(Vec<f64>),
    /// A weekly rhythm (a non-homogeneous Poisson process).
    Weekly(Box<WeeklyRate>),
}

#[derive(Clone, Debug)]
enum BatchSpec {
    None,
    Scheduled { every: f64, offset: f64, max: u32 },
    Size(u32),
}

/// One station, compiled.
#[derive(Clone, Debug)]
struct Spec {
    /// `u32::MAX` for unlimited.
    servers: u32,
    /// What class 0 (every item, without classes) sees here, kept inline: the common case
    /// costs no indirection.
    first: ClassSpec,
    /// What classes 1, 2, … see here.
    others: Vec<ClassSpec>,
    batch: BatchSpec,
    /// `u32::MAX` for no limit.
    limit: u32,
    /// The next station, or `EXIT`.
    next: u32,
    service_stream: u64,
    route_stream: u64,
    skip_stream: u64,
    /// Whether its servers follow the working week (service times are working time).
    on_week: bool,
}

/// A station as one class sees it, compiled.
#[derive(Clone, Debug)]
struct ClassSpec {
    service: Sampler,
    /// The service of a later visit, if it differs.
    later_service: Option<Sampler>,
    /// Rework target and probability after a first and after a later visit.
    rework: Option<(u32, f64, f64)>,
    /// The probability that an item moving forward stops here.
    visit: f64,
}

impl ClassSpec {
    fn new(model: &ValueStream, s: &Station) -> ClassSpec {
        let revisit = s.revisit.as_ref();
        ClassSpec {
            service: s.service.sampler(),
            later_service: revisit
                .and_then(|r| r.service.as_ref())
                .map(Distribution::sampler),
            rework: s.rework.as_ref().and_then(|r| {
                let to = model.station_index(&r.to)?;
                let later = revisit
                    .and_then(|v| v.rework_probability)
                    .unwrap_or(r.probability);
                Some((to as u32, r.probability, later))
            }),
            visit: s.visit_probability,
        }
    }

    #[inline]
    fn sampler(&self, again: bool) -> &Sampler {
        match &self.later_service {
            Some(l) if again => l,
            _ => &self.service,
        }
    }
}

impl Spec {
    /// What items of class `c` see here.
    #[inline]
    fn class(&self, c: u8) -> &ClassSpec {
        match c {
            0 => &self.first,
            _ => &self.others[usize::from(c) - 1],
        }
    }
}

const NONE: u32 = u32::MAX;
const EXIT: u32 = u32::MAX;

/// FNV-1a, 64 bits: a stable hash of a station's name for its random streams.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// SplitMix64's output function.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// How a model's arrivals are drawn.
fn arrival_spec(model: &ValueStream) -> Result<ArrivalSpec> {
    Ok(match &model.arrivals {
        Arrivals::Poisson { rate_per_day } => ArrivalSpec::Renewal(Sampler::Exponential {
            mean: 1.0 / rate_per_day,
        }),
        Arrivals::Renewal { interarrival } => ArrivalSpec::Renewal(interarrival.sampler()),
        Arrivals::Backlog => ArrivalSpec::Pull,
        Arrivals::Trace { times_days } => ArrivalSpec::Trace(times_days.clone()),
        Arrivals::Weekly {
            rate_per_day,
            weekday,
            hour,
        } => {
            let phase = model
                .calendar
                .as_ref()
                .map_or(0.0, super::Calendar::origin_phase_days);
            ArrivalSpec::Weekly(Box::new(
                WeeklyRate::new(*rate_per_day, weekday, hour, phase).ok_or_else(|| {
                    Error::InvalidArgument("the weekly arrivals have no rate".into())
                })?,
            ))
        }
    })
}

/// The random stream `stream` of replication `rep` for `seed`.
fn stream_rng(seed: u64, rep: u32, stream: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(mix(mix(mix(seed) ^ u64::from(rep)) ^ stream))
}

impl Simulation {
    /// Compiles a model for simulation.
    ///
    /// # Errors
    ///
    /// [`Error::Model`] if the model is invalid ([`ValueStream::validate`]).
    pub fn new(model: &ValueStream) -> Result<Simulation> {
        model.validate()?;
        let n = model.stations.len();
        let arrivals = arrival_spec(model)?;
        let week = model
            .calendar
            .as_ref()
            .filter(|c| !c.always())
            .and_then(WorkWeek::new);
        let views: Vec<Vec<Station>> = if model.classes.is_empty() {
            vec![model.stations.clone()]
        } else {
            (0..model.classes.len())
                .map(|c| model.stations_for(Some(c)))
                .collect()
        };
        let memory = views.iter().flatten().any(|s| s.revisit.is_some());
        let stations = model
            .stations
            .iter()
            .enumerate()
            .map(|(i, s)| Spec {
                servers: s.servers.count().unwrap_or(u32::MAX),
                first: ClassSpec::new(model, &views[0][i]),
                others: views[1..]
                    .iter()
                    .map(|v| ClassSpec::new(model, &v[i]))
                    .collect(),
                batch: match s.batch {
                    None => BatchSpec::None,
                    Some(Batch::Scheduled {
                        every_days,
                        offset_days,
                        max,
                    }) => BatchSpec::Scheduled {
                        every: every_days,
                        offset: offset_days,
                        max: max.unwrap_or(u32::MAX),
                    },
                    Some(Batch::Size { size }) => BatchSpec::Size(size),
                },
                limit: s.wip_limit.unwrap_or(u32::MAX),
                next: if i + 1 < n { (i + 1) as u32 } else { EXIT },
                service_stream: fnv1a(&[s.name.as_bytes(), b"\0service"]),
                route_stream: fnv1a(&[s.name.as_bytes(), b"\0rework"]),
                skip_stream: fnv1a(&[s.name.as_bytes(), b"\0visit"]),
                on_week: week.is_some() && s.on_calendar(),
            })
            .collect();
        let size = Size::of(model);
        let items_per_day = match &model.arrivals {
            Arrivals::Backlog => {
                let first = &model.stations[0];
                let servers = f64::from(first.servers.count().unwrap_or(u32::MAX));
                Some(servers / first.service.mean())
            }
            Arrivals::Trace { .. } => None,
            other => other.rate_per_day(),
        };
        Ok(Simulation {
            items_per_day,
            size,
            names: model.stations.iter().map(|s| s.name.clone()).collect(),
            states: model
                .stations
                .iter()
                .map(|s| {
                    let queue = (s.servers != Servers::Unlimited).then(|| s.queue_state());
                    (queue, s.name.clone())
                })
                .collect(),
            arrivals,
            arrival_stream: fnv1a(&[b"\0arrivals"]),
            stations,
            placed: Vec::new(),
            class_names: model.classes.iter().map(|c| c.name.clone()).collect(),
            class_cdf: if model.classes.len() > 1 {
                let total: f64 = model.classes.iter().map(|c| c.share).sum();
                let mut acc = 0.0;
                model
                    .classes
                    .iter()
                    .map(|c| {
                        acc += c.share / total;
                        acc
                    })
                    .collect()
            } else {
                Vec::new()
            },
            class_stream: fnv1a(&[b"\0classes"]),
            trace_classes: Vec::new(),
            memory,
            week,
        })
    }

    /// Runs the replications (in parallel on [`SimOptions::threads_used`] threads at most) and
    /// combines them in replication order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the options are invalid ([`SimOptions::validate`]), or
    /// if a replication would see more than 100 million items on average (arrival rate,
    /// or a pulled backlog's first-station capacity, × horizon).
    pub fn run(&self, options: &SimOptions) -> Result<SimResult> {
        self.check(options)?;
        let reps = options.replications;
        let threads = options.threads_used().min(reps as usize).max(1);
        let results: Vec<Replication> = if threads == 1 {
            let mut engine = Engine::new(self);
            (0..reps)
                .map(|r| engine.run(options, r, &mut NoLog))
                .collect()
        } else {
            let per_thread: Vec<Vec<Replication>> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads)
                    .map(|w| {
                        scope.spawn(move || {
                            let mut engine = Engine::new(self);
                            (w as u32..reps)
                                .step_by(threads)
                                .map(|r| engine.run(options, r, &mut NoLog))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
            // Worker w ran replications w, w + threads, …: interleave back into order.
            let mut iters: Vec<_> = per_thread.into_iter().map(Vec::into_iter).collect();
            (0..reps as usize)
                .filter_map(|r| iters[r % threads].next())
                .collect()
        };
        Ok(SimResult::aggregate(
            &self.names,
            &self.class_names,
            options.seed,
            options.horizon_days,
            options.warmup_days_used(),
            results,
        ))
    }

    /// The options are valid, and a replication stays within [`MAX_ITEMS`] items,
    /// [`MAX_RELEASES`] scheduled releases, the simulation within [`MAX_STAGE_SERVICES`],
    /// and the replications running at once within the memory budget.
    fn check(&self, options: &SimOptions) -> Result<()> {
        options.validate()?;
        let days = options.horizon_days;
        let items = match self.items_per_day {
            Some(rate) => rate * days,
            None => self.size.trace_items as f64,
        };
        if items > MAX_ITEMS {
            return Err(Error::InvalidArgument(format!(
                "a replication of {days} days would see about {items:.2e} items; at most {MAX_ITEMS:.0e}: shorten the horizon"
            )));
        }
        if let Some((name, every)) = &self.size.shortest_period {
            let releases = self.size.releases_per_day * days;
            if releases > MAX_RELEASES {
                return Err(Error::InvalidArgument(format!(
                    "a replication of {days} days would hold {releases:.2e} scheduled releases ({name:?} releases every {every} days); at most {MAX_RELEASES:.0e}: lengthen the period or shorten the horizon"
                )));
            }
        }
        let at_once = options
            .threads_used()
            .min(options.replications as usize)
            .max(1);
        let bytes = at_once as f64
            * items
            * (BYTES_PER_ITEM + BYTES_PER_SERVICE * self.size.services_per_item);
        if bytes > options.memory_budget_bytes as f64 {
            return Err(Error::InvalidArgument(format!(
                "{at_once} replication(s) at once of {days} days would keep about {items:.2e} items and {:.2e} stage-services each, about {}, over the memory budget of {}: shorten the horizon, run fewer threads, or raise the budget (--memory-budget MIB)",
                items * self.size.services_per_item,
                bytes_in_words(bytes),
                bytes_in_words(options.memory_budget_bytes as f64)
            )));
        }
        let reps = f64::from(options.replications);
        let stations = self.size.stations as f64;
        let work = items * stations * reps;
        if work > MAX_STAGE_SERVICES {
            return Err(Error::InvalidArgument(format!(
                "{reps} replication(s) of {days} days would run at least {work:.2e} stage-services ({items:.2e} items a replication through {stations} stages); at most {MAX_STAGE_SERVICES:.0e}: shorten the horizon or run fewer replications"
            )));
        }
        Ok(())
    }

    /// Runs replication `index` alone (the same numbers as in [`Simulation::run`]).
    ///
    /// # Errors
    ///
    /// As [`Simulation::run`].
    pub fn replication(&self, options: &SimOptions, index: u32) -> Result<Replication> {
        self.check(options)?;
        Ok(Engine::new(self).run(options, index, &mut NoLog))
    }

    /// The history of replication 0 from time 0 to the horizon, as an event log that starts
    /// at `start`.
    ///
    /// Item `SIM-k` is the k-th item to arrive. It enters `"<stage> queue"` when it joins a
    /// station's queue, `"<stage>"` when its service starts (a batch's items all at once),
    /// and `"Done"` when it leaves the last station; a delay station (unlimited servers) has
    /// no queue state, and an item pulled from an unlimited backlog enters the first station
    /// directly. Instants are rounded to the millisecond. Items still in progress at the
    /// horizon have no `"Done"`. [`ValueStream::workflow`] maps these states.
    ///
    /// # Errors
    ///
    /// As [`Simulation::run`].
    pub fn history(&self, options: &SimOptions, start: DateTime<Utc>) -> Result<EventLog> {
        self.check(options)?;
        // The readers take four-digit years: a history must end before the year 10000.
        let last_ms = datetime_to_ms(
            chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
                .and_then(|d| d.and_hms_milli_opt(23, 59, 59, 999))
                .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc()),
        );
        let start_ms = datetime_to_ms(start);
        let days_left = (last_ms - start_ms) as f64 / 86_400_000.0;
        if options.horizon_days > days_left {
            return Err(Error::InvalidArgument(format!(
                "a history of {} days from {} would run past the year 9999, where a log's timestamps end (readers take four-digit years): at most {:.0} days from this start",
                options.horizon_days,
                start.format("%Y-%m-%d"),
                days_left.floor()
            )));
        }
        let mut rec = LogRecorder {
            builder: EventLog::builder().source("simulation"),
            start_ms: datetime_to_ms(start),
            states: &self.states,
            id: String::new(),
        };
        Engine::new(self).run(options, 0, &mut rec);
        Ok(rec.builder.build())
    }
}

impl Simulation {
    /// The same simulation starting with `placed` in the stream (serials `0..placed.len()`,
    /// in this order; arrivals follow). Within a station, items are queued in the order
    /// given, and those in service start first, as far as there are servers.
    pub(crate) fn with_placed(mut self, placed: Vec<Placed>) -> Simulation {
        self.placed = placed;
        self
    }

    /// The same simulation with the class of each arrival of its trace given (in order;
    /// arrivals beyond the list draw theirs by share).
    pub(crate) fn with_trace_classes(mut self, classes: Vec<u8>) -> Simulation {
        self.trace_classes = classes;
        self
    }

    /// Runs the replications, each telling its own recorder (`make(index)`) what happens,
    /// in parallel as [`Simulation::run`] does; the replications and recorders in order.
    pub(crate) fn run_recorded<R, F>(
        &self,
        options: &SimOptions,
        make: F,
    ) -> Result<Vec<(Replication, R)>>
    where
        R: Recorder + Send,
        F: Fn(u32) -> R + Sync,
    {
        self.check(options)?;
        let reps = options.replications;
        let threads = options.threads_used().min(reps as usize).max(1);
        let make = &make;
        let per_thread: Vec<Vec<(Replication, R)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|w| {
                    scope.spawn(move || {
                        let mut engine = Engine::new(self);
                        (w as u32..reps)
                            .step_by(threads)
                            .map(|r| {
                                let mut rec = make(r);
                                (engine.run(options, r, &mut rec), rec)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        let mut iters: Vec<_> = per_thread.into_iter().map(Vec::into_iter).collect();
        Ok((0..reps as usize)
            .filter_map(|r| iters[r % threads].next())
            .collect())
    }
}

/// What the engine tells a recorder, so that emitting a log costs nothing when there is no
/// log.
pub(crate) trait Recorder {
    /// Item `serial` joins station `station`'s queue at `t` (days).
    fn queue(&mut self, serial: u64, station: usize, t: f64);
    /// Its service there starts.
    fn start(&mut self, serial: u64, station: usize, t: f64);
    /// It leaves the stream.
    fn done(&mut self, serial: u64, t: f64);
    /// Item `serial` is of class `class` (told once, when it arrives, in a model with
    /// classes).
    fn class(&mut self, _serial: u64, _class: &str) {}
}

struct NoLog;

impl Recorder for NoLog {
    #[inline(always)]
    fn queue(&mut self, _: u64, _: usize, _: f64) {}
    #[inline(always)]
    fn start(&mut self, _: u64, _: usize, _: f64) {}
    #[inline(always)]
    fn done(&mut self, _: u64, _: f64) {}
}

struct LogRecorder<'a> {
    builder: EventLogBuilder,
    start_ms: i64,
    states: &'a [(Option<String>, String)],
    id: String,
}

impl LogRecorder<'_> {
    fn push(&mut self, serial: u64, state: &str, t: f64) {
        self.id.clear();
        let _ = write!(self.id, "SIM-{}", serial + 1);
        let time = ms_to_datetime(self.start_ms.saturating_add(days_to_ms(t)));
        self.builder.push(&self.id, state, time);
    }
}

impl Recorder for LogRecorder<'_> {
    fn queue(&mut self, serial: u64, station: usize, t: f64) {
        let states = self.states;
        if let Some(q) = &states[station].0 {
            self.push(serial, q, t);
        }
    }
    fn start(&mut self, serial: u64, station: usize, t: f64) {
        let states = self.states;
        self.push(serial, &states[station].1, t);
    }
    fn done(&mut self, serial: u64, t: f64) {
        self.push(serial, DONE_STATE, t);
    }
    fn class(&mut self, serial: u64, class: &str) {
        self.id.clear();
        let _ = write!(self.id, "SIM-{}", serial + 1);
        self.builder.set_attribute(&self.id, "class", class);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Arrival,
    Served,
    BatchServed,
    Tick,
    Warmup,
}

/// An event: what happens when, and to which station and item (or batch).
#[derive(Clone, Copy, Debug)]
struct Event {
    /// The time's bits, then the sequence number: times are never negative or NaN, so
    /// comparing keys orders events by time, then by the order they were scheduled.
    key: u128,
    kind: Kind,
    station: u32,
    item: u32,
}

impl Event {
    fn new(time: f64, seq: u64, kind: Kind, station: u32, item: u32) -> Event {
        // `+ 0.0` turns a negative zero into zero, whose bits order correctly.
        let bits = (time + 0.0).to_bits();
        Event {
            key: (u128::from(bits) << 64) | u128::from(seq),
            kind,
            station,
            item,
        }
    }

    #[inline(always)]
    fn time(&self) -> f64 {
        f64::from_bits((self.key >> 64) as u64)
    }

    /// Whether `self` happens before `other`.
    #[inline(always)]
    fn before(&self, other: &Event) -> bool {
        self.key < other.key
    }
}

/// A binary min-heap of events (a plain array; the hole technique moves each element once
/// per level).
#[derive(Debug, Default)]
struct EventQueue {
    heap: Vec<Event>,
}

impl EventQueue {
    fn clear(&mut self) {
        self.heap.clear();
    }

    #[inline]
    fn first(&self) -> Option<&Event> {
        self.heap.first()
    }

    #[inline]
    fn push(&mut self, event: Event) {
        let mut pos = self.heap.len();
        self.heap.push(event);
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if event.before(&self.heap[parent]) {
                self.heap[pos] = self.heap[parent];
                pos = parent;
            } else {
                break;
            }
        }
        self.heap[pos] = event;
    }

    #[inline]
    fn pop(&mut self) -> Option<Event> {
        let last = self.heap.pop()?;
        let n = self.heap.len();
        if n == 0 {
            return Some(last);
        }
        let top = self.heap[0];
        let mut pos = 0;
        loop {
            let left = 2 * pos + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = left + usize::from(right < n && self.heap[right].before(&self.heap[left]));
            if self.heap[child].before(&last) {
                self.heap[pos] = self.heap[child];
                pos = child;
            } else {
                break;
            }
        }
        self.heap[pos] = last;
        Some(top)
    }
}

#[derive(Clone, Copy, Debug)]
struct Job {
    /// When it arrived (or was pulled).
    born: f64,
    /// When it entered its current station.
    entered: f64,
    /// When it joined its current station's queue.
    queued: f64,
    /// Its current station (`NONE` while waiting to enter the first one).
    station: u32,
    /// The batch it was served in at its current station, or `NONE`.
    batch: u32,
    /// Its arrival order, for logs.
    serial: u64,
    /// Its class (0 without classes).
    class: u8,
    /// Whether its current (or last) service is a later visit to its station.
    again: bool,
    /// The stations it has been served at (bit `s` for station `s < 64`).
    served: u64,
    /// The working clock at the end of its current service, at a station on the working
    /// week: the clock at its start plus the service, so that its end needs no reading.
    work_end: f64,
}

/// A station's state and accumulators.
#[derive(Debug, Default)]
struct StationState {
    queue: VecDeque<u32>,
    /// Items finished upstream (or arrived) waiting for room here, in order.
    waiting: VecDeque<u32>,
    busy: u32,
    blocked: u32,
    /// Items in the station: queued, in service, or finished and blocked.
    present: u32,
    last: f64,
    area_queue: f64,
    area_present: f64,
    area_busy: f64,
    area_blocked: f64,
    /// Busy server time in working time (stations on the working week only), and the
    /// working clock it was last brought up to.
    area_busy_work: f64,
    last_work: f64,
    present_at_start: u32,
    wait_sum: f64,
    waits: Vec<f64>,
    time_sum: f64,
    times: Vec<f64>,
}

impl StationState {
    #[inline]
    fn touch(&mut self, t: f64) {
        let dt = t - self.last;
        if dt > 0.0 {
            self.area_queue += self.queue.len() as f64 * dt;
            self.area_present += f64::from(self.present) * dt;
            self.area_busy += f64::from(self.busy) * dt;
            self.area_blocked += f64::from(self.blocked) * dt;
            self.last = t;
        }
    }

    fn reset(&mut self) {
        self.queue.clear();
        self.waiting.clear();
        self.busy = 0;
        self.blocked = 0;
        self.present = 0;
        self.last = 0.0;
        self.last_work = 0.0;
        self.start_window();
    }

    fn start_window(&mut self) {
        self.area_queue = 0.0;
        self.area_present = 0.0;
        self.area_busy = 0.0;
        self.area_blocked = 0.0;
        self.area_busy_work = 0.0;
        self.present_at_start = self.present;
        self.wait_sum = 0.0;
        self.waits.clear();
        self.time_sum = 0.0;
        self.times.clear();
    }

    #[inline]
    fn occupied(&self) -> u32 {
        self.busy + self.blocked
    }
}

/// One worker's simulation state, reused across its replications.
struct Engine<'a> {
    sim: &'a Simulation,
    heap: EventQueue,
    next_arrival: Option<Event>,
    /// The index of the next instant of a trace of arrivals.
    trace_next: usize,
    /// With weekly arrivals: the expected arrivals Λ at the last one (the sum of the
    /// exponential draws so far, from Λ(0)).
    expected_arrivals: f64,
    seq: u64,
    now: f64,
    horizon: f64,
    measuring: bool,
    arrival_rng: Xoshiro256PlusPlus,
    class_rng: Xoshiro256PlusPlus,
    /// The next arrival's index in a trace of classes.
    trace_class_next: usize,
    service_rng: Vec<Xoshiro256PlusPlus>,
    route_rng: Vec<Xoshiro256PlusPlus>,
    skip_rng: Vec<Xoshiro256PlusPlus>,
    jobs: Vec<Job>,
    free_jobs: Vec<u32>,
    serial: u64,
    st: Vec<StationState>,
    batches: Vec<Vec<u32>>,
    batch_held: Vec<u32>,
    free_batches: Vec<u32>,
    worklist: Vec<u32>,
    in_system: u32,
    sys_last: f64,
    sys_area: f64,
    in_system_at_start: u32,
    cycles: Vec<f64>,
    cycle_sum: f64,
    /// Per class: cycle-time sum and items finished in the window.
    class_cycles: Vec<(f64, u64)>,
    services: u64,
}

impl<'a> Engine<'a> {
    fn new(sim: &'a Simulation) -> Engine<'a> {
        let n = sim.stations.len();
        let rng = || Xoshiro256PlusPlus::seed_from_u64(0);
        Engine {
            sim,
            heap: EventQueue::default(),
            next_arrival: None,
            trace_next: 0,
            expected_arrivals: 0.0,
            seq: 0,
            now: 0.0,
            horizon: 0.0,
            measuring: false,
            arrival_rng: rng(),
            class_rng: rng(),
            trace_class_next: 0,
            service_rng: (0..n).map(|_| rng()).collect(),
            route_rng: (0..n).map(|_| rng()).collect(),
            skip_rng: (0..n).map(|_| rng()).collect(),
            jobs: Vec::new(),
            free_jobs: Vec::new(),
            serial: 0,
            st: (0..n).map(|_| StationState::default()).collect(),
            batches: Vec::new(),
            batch_held: Vec::new(),
            free_batches: Vec::new(),
            worklist: Vec::with_capacity(2 * n),
            in_system: 0,
            sys_last: 0.0,
            sys_area: 0.0,
            in_system_at_start: 0,
            cycles: Vec::new(),
            cycle_sum: 0.0,
            class_cycles: vec![(0.0, 0); sim.class_names.len()],
            services: 0,
        }
    }

    #[inline]
    fn schedule(&mut self, time: f64, kind: Kind, station: u32, item: u32) {
        self.seq += 1;
        self.heap
            .push(Event::new(time, self.seq, kind, station, item));
    }

    /// The next external arrival is kept out of the heap: one heap operation less per item.
    #[inline]
    fn schedule_arrival(&mut self, time: f64) {
        self.seq += 1;
        self.next_arrival = Some(Event::new(time, self.seq, Kind::Arrival, 0, 0));
    }

    fn reset(&mut self, o: &SimOptions, rep: u32) {
        self.heap.clear();
        self.next_arrival = None;
        self.seq = 0;
        self.now = 0.0;
        self.horizon = o.horizon_days;
        self.measuring = o.warmup_days_used() == 0.0;
        self.arrival_rng = stream_rng(o.seed, rep, self.sim.arrival_stream);
        self.class_rng = stream_rng(o.seed, rep, self.sim.class_stream);
        self.trace_class_next = 0;
        for (i, s) in self.sim.stations.iter().enumerate() {
            self.service_rng[i] = stream_rng(o.seed, rep, s.service_stream);
            self.route_rng[i] = stream_rng(o.seed, rep, s.route_stream);
            self.skip_rng[i] = stream_rng(o.seed, rep, s.skip_stream);
        }
        self.jobs.clear();
        self.free_jobs.clear();
        self.serial = 0;
        let work0 = self.sim.week.as_ref().map_or(0.0, |w| w.work(0.0));
        for s in &mut self.st {
            s.reset();
            s.last_work = work0;
        }
        for b in &mut self.batches {
            b.clear();
        }
        self.free_batches.clear();
        self.free_batches
            .extend((0..self.batches.len() as u32).rev());
        self.batch_held.iter_mut().for_each(|h| *h = 0);
        self.in_system = 0;
        self.sys_last = 0.0;
        self.sys_area = 0.0;
        self.in_system_at_start = 0;
        self.cycles.clear();
        self.cycle_sum = 0.0;
        self.class_cycles.iter_mut().for_each(|c| *c = (0.0, 0));
        self.services = 0;
    }

    fn run<R: Recorder>(&mut self, o: &SimOptions, rep: u32, rec: &mut R) -> Replication {
        self.reset(o, rep);
        let sim = self.sim;
        let warmup = o.warmup_days_used();
        if warmup > 0.0 {
            self.schedule(warmup, Kind::Warmup, 0, 0);
        }
        for (i, s) in sim.stations.iter().enumerate() {
            if let BatchSpec::Scheduled { offset, .. } = s.batch
                && offset <= self.horizon
            {
                self.schedule(offset, Kind::Tick, i as u32, 0);
            }
        }
        if !sim.placed.is_empty() {
            self.place_all(rec);
        }
        match &sim.arrivals {
            ArrivalSpec::Renewal(gap) => {
                let t = gap.sample(&mut self.arrival_rng);
                if t <= self.horizon {
                    self.schedule_arrival(t);
                }
            }
            ArrivalSpec::Pull => self.release(0, rec),
            ArrivalSpec::Weekly(rate) => {
                self.expected_arrivals = rate.expected(0.0);
                self.next_weekly(rate);
            }
            ArrivalSpec::Trace(times) => {
                self.trace_next = 1;
                if let Some(&t) = times.first()
                    && t <= self.horizon
                {
                    self.schedule_arrival(t);
                }
            }
        }
        loop {
            let ev = match self.next_arrival {
                Some(a) if self.heap.first().is_none_or(|e| a.before(e)) => {
                    self.next_arrival = None;
                    a
                }
                _ => match self.heap.pop() {
                    Some(e) => e,
                    None => break,
                },
            };
            let time = ev.time();
            if time > self.horizon {
                break;
            }
            self.now = time;
            match ev.kind {
                Kind::Served => self.served(ev.station as usize, ev.item, rec),
                Kind::Arrival => self.arrival(rec),
                Kind::BatchServed => self.batch_served(ev.station as usize, ev.item, rec),
                Kind::Tick => self.tick(ev.station as usize, rec),
                Kind::Warmup => self.start_window(),
            }
        }
        self.now = self.horizon;
        self.finish(o, rep)
    }

    /// Places the items already in the stream at time 0 (see [`Simulation::with_placed`]);
    /// a placed item's own history is not recorded, only what happens to it from now on.
    fn place_all<R: Recorder>(&mut self, rec: &mut R) {
        let sim = self.sim;
        for p in &sim.placed {
            let j = self.new_job();
            let s = p.station;
            let job = &mut self.jobs[j as usize];
            job.born = p.born_days.min(0.0);
            job.station = s as u32;
            job.class = p.class;
            job.served = p.served;
            job.again = false;
            let st = &mut self.st[s];
            st.touch(0.0);
            st.present += 1;
            let spec = &sim.stations[s];
            if p.in_service && matches!(spec.batch, BatchSpec::None) && st.occupied() < spec.servers
            {
                self.touch_work(s);
                self.st[s].busy += 1;
                self.services += 1;
                self.mark_served(s, j);
                // On the working week, the time already served is the working time of
                // its elapsed days, and so is what is left.
                let elapsed = match &sim.week {
                    Some(week) if spec.on_week => week.between(-p.elapsed_days, 0.0),
                    _ => p.elapsed_days,
                };
                let d = self.residual(s, j, elapsed);
                let end = match &sim.week {
                    Some(week) if spec.on_week => {
                        let (w, end) = week.start(self.now, d);
                        self.jobs[j as usize].work_end = w + d.max(0.0);
                        end
                    }
                    _ => self.now + d,
                };
                self.schedule(end, Kind::Served, s as u32, j);
            } else {
                st.queue.push_back(j);
            }
        }
        for s in 0..sim.stations.len() {
            self.try_start(s, rec);
        }
    }

    /// A service time at `s` drawn given that it exceeds `elapsed` days, less `elapsed`
    /// (rejection: up to [`RESIDUAL_TRIES`] draws, then an unconditioned one).
    fn residual(&mut self, s: usize, j: u32, elapsed: f64) -> f64 {
        let job = &self.jobs[j as usize];
        let service = self.sim.stations[s].class(job.class).sampler(job.again);
        let rng = &mut self.service_rng[s];
        for _ in 0..RESIDUAL_TRIES {
            let d = service.sample(rng);
            if d > elapsed {
                return d - elapsed;
            }
        }
        service.sample(rng)
    }

    /// Item `j` starts a service at `s`: whether it is a later visit, remembered.
    #[inline]
    fn mark_served(&mut self, s: usize, j: u32) {
        if self.sim.memory && s < 64 {
            let job = &mut self.jobs[j as usize];
            let bit = 1u64 << s;
            job.again = job.served & bit != 0;
            job.served |= bit;
        }
    }

    /// The class of a new arrival: the trace's, or drawn by share.
    #[inline]
    fn draw_class(&mut self) -> u8 {
        let sim = self.sim;
        if let Some(&c) = sim.trace_classes.get(self.trace_class_next) {
            self.trace_class_next += 1;
            return c;
        }
        if sim.class_cdf.is_empty() {
            return 0;
        }
        let u: f64 = self.class_rng.random();
        let k = sim.class_cdf.partition_point(|&c| c <= u);
        k.min(sim.class_cdf.len() - 1) as u8
    }

    #[inline]
    fn touch_system(&mut self) {
        let dt = self.now - self.sys_last;
        if dt > 0.0 {
            self.sys_area += f64::from(self.in_system) * dt;
            self.sys_last = self.now;
        }
    }

    fn start_window(&mut self) {
        let t = self.now;
        for s in 0..self.st.len() {
            self.touch_work(s);
        }
        for s in &mut self.st {
            s.touch(t);
            s.start_window();
        }
        self.touch_system();
        self.sys_area = 0.0;
        self.in_system_at_start = self.in_system;
        self.cycles.clear();
        self.cycle_sum = 0.0;
        self.class_cycles.iter_mut().for_each(|c| *c = (0.0, 0));
        self.measuring = true;
    }

    fn new_job(&mut self) -> u32 {
        self.touch_system();
        self.in_system += 1;
        let job = Job {
            born: self.now,
            entered: self.now,
            queued: self.now,
            station: NONE,
            batch: NONE,
            serial: self.serial,
            class: 0,
            again: false,
            served: 0,
            work_end: 0.0,
        };
        self.serial += 1;
        if let Some(j) = self.free_jobs.pop() {
            self.jobs[j as usize] = job;
            j
        } else {
            self.jobs.push(job);
            (self.jobs.len() - 1) as u32
        }
    }

    fn arrival<R: Recorder>(&mut self, rec: &mut R) {
        let j = self.new_job();
        if !self.sim.class_names.is_empty() {
            let c = self.draw_class();
            let job = &mut self.jobs[j as usize];
            job.class = c;
            rec.class(job.serial, &self.sim.class_names[usize::from(c)]);
        }
        match self.forward(0, j) {
            EXIT => self.complete(j, rec),
            t => {
                let t = t as usize;
                let first = &self.st[t];
                if first.present < self.sim.stations[t].limit && first.waiting.is_empty() {
                    self.enter(t, j, rec);
                } else {
                    self.st[t].waiting.push_back(j);
                }
            }
        }
        let sim = self.sim;
        match &sim.arrivals {
            ArrivalSpec::Renewal(gap) => {
                let t = self.now + gap.sample(&mut self.arrival_rng);
                if t <= self.horizon {
                    self.schedule_arrival(t);
                }
            }
            ArrivalSpec::Trace(times) => {
                if let Some(&t) = times.get(self.trace_next)
                    && t <= self.horizon
                {
                    self.trace_next += 1;
                    self.schedule_arrival(t);
                }
            }
            ArrivalSpec::Weekly(rate) => self.next_weekly(rate),
            ArrivalSpec::Pull => {}
        }
    }

    /// The next arrival of a weekly rhythm (after the last one, or after time 0 for the
    /// first), scheduled when it falls within the horizon.
    fn next_weekly(&mut self, rate: &WeeklyRate) {
        let e: f64 = Exp1.sample(&mut self.arrival_rng);
        self.expected_arrivals += e;
        let t = rate.at_expected(self.expected_arrivals).max(self.now);
        if t <= self.horizon {
            self.schedule_arrival(t);
        }
    }

    /// When a service of `d` days that starts now at `s` ends: `d` later, or `d` of
    /// working time later for a station on the working week.
    #[inline]
    fn service_end(&self, s: usize, d: f64) -> f64 {
        match &self.sim.week {
            Some(week) if self.sim.stations[s].on_week => week.advance(self.now, d),
            _ => self.now + d,
        }
    }

    /// Station `s`'s busy servers are about to change: its busy working time is brought up
    /// to now (stations on the working week only).
    #[inline]
    fn touch_work(&mut self, s: usize) {
        if let Some(week) = &self.sim.week
            && self.sim.stations[s].on_week
        {
            let w = week.work(self.now);
            self.busy_work_to(s, w);
        }
    }

    /// Station `s`'s busy working time brought up to the working clock `w`.
    #[inline]
    fn busy_work_to(&mut self, s: usize, w: f64) {
        let st = &mut self.st[s];
        st.area_busy_work += f64::from(st.busy) * (w - st.last_work);
        st.last_work = w;
    }

    /// Item `j` joins station `s`'s queue and starts service if it can.
    fn enter<R: Recorder>(&mut self, s: usize, j: u32, rec: &mut R) {
        let now = self.now;
        let job = &mut self.jobs[j as usize];
        job.station = s as u32;
        job.entered = now;
        job.queued = now;
        job.batch = NONE;
        rec.queue(job.serial, s, now);
        let st = &mut self.st[s];
        st.touch(now);
        st.present += 1;
        let spec = &self.sim.stations[s];
        if matches!(spec.batch, BatchSpec::None)
            && st.queue.is_empty()
            && st.occupied() < spec.servers
        {
            // The common case: a free server and nobody ahead.
            self.start_one(s, j, rec);
        } else {
            st.queue.push_back(j);
            self.try_start(s, rec);
        }
    }

    /// Starts what station `s` can start now (not a scheduled release: that waits for its
    /// tick).
    #[inline]
    fn try_start<R: Recorder>(&mut self, s: usize, rec: &mut R) {
        let sim = self.sim;
        let spec = &sim.stations[s];
        match spec.batch {
            BatchSpec::None => {
                while self.st[s].occupied() < spec.servers
                    && let Some(j) = self.st[s].queue.pop_front()
                {
                    self.start_one(s, j, rec);
                }
            }
            BatchSpec::Size(size) => {
                while self.st[s].occupied() < spec.servers
                    && self.st[s].queue.len() >= size as usize
                {
                    self.start_batch(s, size as usize, rec);
                }
            }
            BatchSpec::Scheduled { .. } => {}
        }
    }

    /// Item `j`, already out of the queue (or pulled), starts service at `s`.
    #[inline]
    fn start_one<R: Recorder>(&mut self, s: usize, j: u32, rec: &mut R) {
        let now = self.now;
        let job = &self.jobs[j as usize];
        rec.start(job.serial, s, now);
        let st = &mut self.st[s];
        st.touch(now);
        if self.measuring {
            let wait = now - job.queued;
            st.wait_sum += wait;
            st.waits.push(wait);
        }
        self.mark_served(s, j);
        let job = &self.jobs[j as usize];
        let d = self.sim.stations[s]
            .class(job.class)
            .sampler(job.again)
            .sample(&mut self.service_rng[s]);
        // On the working week, one reading of the working clock serves both the busy
        // working time and the end of the service.
        let end = match &self.sim.week {
            Some(week) if self.sim.stations[s].on_week => {
                let (w, end) = week.start(now, d);
                self.busy_work_to(s, w);
                self.jobs[j as usize].work_end = w + d.max(0.0);
                end
            }
            _ => now + d,
        };
        self.st[s].busy += 1;
        self.services += 1;
        self.schedule(end, Kind::Served, s as u32, j);
    }

    /// The first `k` items of `s`'s queue start service together as one batch.
    fn start_batch<R: Recorder>(&mut self, s: usize, k: usize, rec: &mut R) {
        let now = self.now;
        let slot = if let Some(b) = self.free_batches.pop() {
            b
        } else {
            self.batches.push(Vec::new());
            self.batch_held.push(0);
            (self.batches.len() - 1) as u32
        };
        let st = &mut self.st[s];
        st.touch(now);
        let members = &mut self.batches[slot as usize];
        for _ in 0..k {
            let Some(j) = st.queue.pop_front() else { break };
            let job = &mut self.jobs[j as usize];
            job.batch = slot;
            rec.start(job.serial, s, now);
            if self.measuring {
                let wait = now - job.queued;
                st.wait_sum += wait;
                st.waits.push(wait);
            }
            members.push(j);
            self.services += 1;
        }
        self.touch_work(s);
        self.st[s].busy += 1;
        let mut lead = None;
        for k in 0..self.batches[slot as usize].len() {
            let j = self.batches[slot as usize][k];
            self.mark_served(s, j);
            lead.get_or_insert(j);
        }
        // A batch is served in the time of its first item's class and visit.
        let (class, again) = lead.map_or((0, false), |j| {
            let job = &self.jobs[j as usize];
            (job.class, job.again)
        });
        let d = self.sim.stations[s]
            .class(class)
            .sampler(again)
            .sample(&mut self.service_rng[s]);
        let end = self.service_end(s, d);
        self.schedule(end, Kind::BatchServed, s as u32, slot);
    }

    fn tick<R: Recorder>(&mut self, s: usize, rec: &mut R) {
        let sim = self.sim;
        let spec = &sim.stations[s];
        let BatchSpec::Scheduled { every, max, .. } = spec.batch else {
            return;
        };
        while self.st[s].occupied() < spec.servers && !self.st[s].queue.is_empty() {
            let k = self.st[s].queue.len().min(max as usize);
            self.start_batch(s, k, rec);
        }
        let next = self.now + every;
        if next <= self.horizon {
            self.schedule(next, Kind::Tick, s as u32, 0);
        }
    }

    /// Where an item finished at `s` goes: the target and whether it is rework.
    #[inline]
    fn route(&mut self, s: usize, j: u32) -> (u32, bool) {
        let sim = self.sim;
        let spec = &sim.stations[s];
        let job = &self.jobs[j as usize];
        if let Some((to, first, later)) = spec.class(job.class).rework {
            let p = if job.again { later } else { first };
            if self.route_rng[s].random::<f64>() < p {
                return (to, true);
            }
        }
        (self.forward(spec.next, j), false)
    }

    /// The station an item moving forward to station `t` stops at: `t`, or one after it
    /// that it reaches by passing the stations it does not visit, or `EXIT`.
    #[inline]
    fn forward(&mut self, mut t: u32, j: u32) -> u32 {
        let sim = self.sim;
        let class = self.jobs[j as usize].class;
        while t != EXIT {
            let spec = &sim.stations[t as usize];
            let visit = spec.class(class).visit;
            if visit >= 1.0 || self.skip_rng[t as usize].random::<f64>() < visit {
                return t;
            }
            t = spec.next;
        }
        EXIT
    }

    fn served<R: Recorder>(&mut self, s: usize, j: u32, rec: &mut R) {
        // The working clock now is where the service's working time ran out.
        if self.sim.stations[s].on_week {
            let w = self.jobs[j as usize].work_end;
            self.busy_work_to(s, w);
        }
        let st = &mut self.st[s];
        st.touch(self.now);
        st.busy -= 1;
        let (target, rework) = self.route(s, j);
        if !self.try_move(s, j, target, rework, rec) {
            self.st[s].blocked += 1;
        }
        self.release(s, rec);
    }

    fn batch_served<R: Recorder>(&mut self, s: usize, slot: u32, rec: &mut R) {
        self.touch_work(s);
        self.st[s].touch(self.now);
        let mut members = std::mem::take(&mut self.batches[slot as usize]);
        let mut held = 0;
        // The server stays busy while the members move: one sent back to this station
        // waits in its queue, and no batch starts on a server that its held members
        // still block.
        for &j in &members {
            let (target, rework) = self.route(s, j);
            if !self.try_move(s, j, target, rework, rec) {
                held += 1;
            }
        }
        self.st[s].busy -= 1;
        members.clear();
        self.batches[slot as usize] = members;
        if held > 0 {
            self.batch_held[slot as usize] = held;
            self.st[s].blocked += 1;
        } else {
            self.free_batches.push(slot);
        }
        self.release(s, rec);
    }

    /// Item `j`, finished at `s`, moves to `target` if there is room (rework always moves);
    /// otherwise it waits for room, still at `s`. Whether it moved.
    #[inline]
    fn try_move<R: Recorder>(
        &mut self,
        s: usize,
        j: u32,
        target: u32,
        rework: bool,
        rec: &mut R,
    ) -> bool {
        if target == EXIT {
            self.leave(s, j);
            self.complete(j, rec);
            return true;
        }
        let t = target as usize;
        if rework || self.st[t].present < self.sim.stations[t].limit {
            self.leave(s, j);
            self.enter(t, j, rec);
            true
        } else {
            self.st[t].waiting.push_back(j);
            false
        }
    }

    /// Item `j` leaves station `s`.
    #[inline]
    fn leave(&mut self, s: usize, j: u32) {
        let now = self.now;
        let st = &mut self.st[s];
        st.touch(now);
        if self.measuring {
            let time = now - self.jobs[j as usize].entered;
            st.time_sum += time;
            st.times.push(time);
        }
        st.present -= 1;
    }

    /// Item `j` leaves the stream.
    fn complete<R: Recorder>(&mut self, j: u32, rec: &mut R) {
        self.touch_system();
        self.in_system -= 1;
        let job = self.jobs[j as usize];
        rec.done(job.serial, self.now);
        if self.measuring {
            let cycle = self.now - job.born;
            self.cycle_sum += cycle;
            self.cycles.push(cycle);
            if let Some(c) = self.class_cycles.get_mut(usize::from(job.class)) {
                c.0 += cycle;
                c.1 += 1;
            }
        }
        self.free_jobs.push(j);
    }

    /// Station `s` may have room or a free server: admit waiting items (which frees their
    /// upstream stations in turn), start service, pull new work.
    fn release<R: Recorder>(&mut self, s: usize, rec: &mut R) {
        if self.st[s].waiting.is_empty()
            && (s != 0 || !matches!(self.sim.arrivals, ArrivalSpec::Pull))
        {
            // The common case: nobody waits to get in.
            self.try_start(s, rec);
            return;
        }
        self.worklist.push(s as u32);
        while let Some(x) = self.worklist.pop() {
            let x = x as usize;
            let limit = self.sim.stations[x].limit;
            while self.st[x].present < limit
                && let Some(j) = self.st[x].waiting.pop_front()
            {
                let origin = self.jobs[j as usize].station;
                if origin != NONE {
                    let o = origin as usize;
                    self.unblock(o, j);
                    self.leave(o, j);
                    self.worklist.push(origin);
                }
                self.enter(x, j, rec);
            }
            self.try_start(x, rec);
            if x == 0 && matches!(self.sim.arrivals, ArrivalSpec::Pull) {
                self.pull(rec);
            }
        }
    }

    /// Item `j`, blocked at `o`, is about to leave: its server (or its batch's) frees.
    fn unblock(&mut self, o: usize, j: u32) {
        self.st[o].touch(self.now);
        let b = self.jobs[j as usize].batch;
        if b == NONE {
            self.st[o].blocked -= 1;
        } else {
            let held = &mut self.batch_held[b as usize];
            *held -= 1;
            if *held == 0 {
                self.st[o].blocked -= 1;
                self.free_batches.push(b);
            }
        }
    }

    /// With an unlimited backlog, the first station starts new work while it can.
    fn pull<R: Recorder>(&mut self, rec: &mut R) {
        let sim = self.sim;
        let spec = &sim.stations[0];
        while self.st[0].occupied() < spec.servers
            && self.st[0].present < spec.limit
            && self.st[0].queue.is_empty()
        {
            let j = self.new_job();
            let now = self.now;
            let job = &mut self.jobs[j as usize];
            job.station = 0;
            job.entered = now;
            job.queued = now;
            let st = &mut self.st[0];
            st.touch(now);
            st.present += 1;
            self.start_one(0, j, rec);
        }
    }

    fn finish(&mut self, o: &SimOptions, rep: u32) -> Replication {
        let window = o.horizon_days - o.warmup_days_used();
        let now = self.now;
        self.touch_system();
        for s in 0..self.st.len() {
            self.touch_work(s);
        }
        // The working time of the window, for the utilisation of stations on the week.
        let work_window = self
            .sim
            .week
            .as_ref()
            .map_or(window, |w| w.between(o.warmup_days_used(), o.horizon_days));
        let done = self.cycles.len() as u64;
        let stages = self
            .st
            .iter_mut()
            .zip(&self.sim.stations)
            .map(|(st, spec)| {
                st.touch(now);
                let per_visit = |sum: f64, n: usize| if n > 0 { sum / n as f64 } else { f64::NAN };
                let busy = st.area_busy / window;
                let (utilisation, blocked) = if spec.servers == u32::MAX {
                    (None, 0.0)
                } else {
                    let c = f64::from(spec.servers);
                    // On the working week: busy working time over working time.
                    let u = if spec.on_week {
                        st.area_busy_work / work_window / c
                    } else {
                        busy / c
                    };
                    (Some(u), st.area_blocked / window / c)
                };
                ReplicationStation {
                    utilisation,
                    busy_servers_mean: busy,
                    blocked,
                    wait_days_mean: per_visit(st.wait_sum, st.waits.len()),
                    wait_days_p: percentiles_unsorted(&mut st.waits, REPORTED),
                    time_days_mean: per_visit(st.time_sum, st.times.len()),
                    time_days_p: percentiles_unsorted(&mut st.times, REPORTED),
                    queue_mean: st.area_queue / window,
                    wip_mean: st.area_present / window,
                    throughput_per_day: st.times.len() as f64 / window,
                    queue_growth_per_day: (f64::from(st.present) - f64::from(st.present_at_start))
                        / window,
                }
            })
            .collect();
        let lead_mean = if done > 0 {
            self.cycle_sum / done as f64
        } else {
            f64::NAN
        };
        Replication {
            index: rep,
            cycle_time_days_mean: lead_mean,
            cycle_time_days_p: percentiles_unsorted(&mut self.cycles, REPORTED),
            throughput_per_day: done as f64 / window,
            wip_mean: self.sys_area / window,
            wip_growth_per_day: (f64::from(self.in_system) - f64::from(self.in_system_at_start))
                / window,
            items_done: done,
            services: self.services,
            stations: stages,
            classes: self
                .class_cycles
                .iter()
                .map(|&(sum, n)| (if n > 0 { sum / n as f64 } else { f64::NAN }, n))
                .collect(),
        }
    }
}

/// What the budgets of a simulation are checked against, from its model.
#[derive(Clone, Debug)]
struct Size {
    /// Mean stage-services of an item (its visits to every station).
    services_per_item: f64,
    /// The stations of the model.
    stations: usize,
    /// The items of a trace of arrivals (0 for other arrivals).
    trace_items: usize,
    /// Scheduled releases a day, over the stations that release on a period.
    releases_per_day: f64,
    /// The station that releases on the shortest period, and its period.
    shortest_period: Option<(String, f64)>,
}

impl Size {
    fn of(model: &ValueStream) -> Size {
        let services_per_item: f64 = super::analytic::analyze(model)
            .map_or(model.stations.len() as f64, |a| {
                a.stations
                    .iter()
                    .map(|s| s.visits_per_item)
                    .filter(|v| v.is_finite())
                    .sum::<f64>()
            })
            .max(1.0);
        let trace_items = match &model.arrivals {
            Arrivals::Trace { times_days } => times_days.len(),
            _ => 0,
        };
        let periods = model.stations.iter().filter_map(|s| match s.batch {
            Some(super::Batch::Scheduled { every_days, .. }) => Some((s.name.clone(), every_days)),
            _ => None,
        });
        let releases_per_day: f64 = periods.clone().map(|(_, every)| 1.0 / every).sum();
        Size {
            services_per_item,
            stations: model.stations.len(),
            trace_items,
            releases_per_day,
            shortest_period: periods.min_by(|a, b| a.1.total_cmp(&b.1)),
        }
    }
}

/// A number of bytes in words: "1.5 GiB", "300 MiB", "12 KiB", "512 bytes".
fn bytes_in_words(bytes: f64) -> String {
    const KIB: f64 = 1024.0;
    if bytes >= KIB * KIB * KIB {
        format!("{:.1} GiB", bytes / (KIB * KIB * KIB))
    } else if bytes >= KIB * KIB {
        format!("{:.0} MiB", bytes / (KIB * KIB))
    } else if bytes >= KIB {
        format!("{:.0} KiB", bytes / KIB)
    } else {
        format!("{bytes:.0} bytes")
    }
}
