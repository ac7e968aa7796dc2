//! Fitting a value stream to an event log: arrivals, one station per active stage (its
//! queue made of the wait stages in front of it), service times, servers, rework and
//! scheduled releases, each with how it was estimated.
//!
//! The steps, one file each: [`layout`] (stations from the workflow, and waiting that is not
//! for capacity split off as a delay), [`arrivals`] (the commitments), [`observe`] (one pass
//! over the items: services, rework moves, visits and passes), [`station`] (service
//! distribution, servers, rework, release and visit probability of each station); this file
//! holds the options and results, and the decision whether work is pulled.

mod arrivals;
mod calendar;
mod classes;
mod layout;
mod observe;
mod people;
mod station;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use calendar::{
    CalendarFound, MIN_CALENDAR_EVENTS, MIN_RHYTHM_COMMITMENTS, OFF_WORK_SHARE,
    RHYTHM_SIGNIFICANCE, RhythmFound,
};
pub(crate) use classes::returns_of;
pub use classes::{
    ClassFit, LOOP_SIGNIFICANCE, LoopRange, Loops, MIN_CLASS_DONE, OTHER_CLASS, PathClasses,
    Returns, StageLoops,
};
pub use people::PeopleFit;

use super::calendar::WorkWeek;
use super::estimate::{FamilyFit, Release};
use super::{Arrivals, Servers, Station, ValueStream};
use crate::error::Result;
use crate::metrics::{RegimeKind, WindowCheck};
use crate::time::{datetime_to_ms, ms_to_datetime, ms_to_days};
use crate::timeline::Timelines;

/// How service times are described.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ServiceModel {
    /// The observed durations themselves, resampled (the default: no shape assumed).
    #[default]
    Empirical,
    /// The best of exponential, lognormal, gamma and Weibull by maximum likelihood (lowest
    /// AIC), with the goodness of fit of each reported.
    Parametric,
}

/// How the arrivals are modelled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ArrivalModel {
    /// Decide from the log (the default): pulled from an unlimited backlog when nothing
    /// ever waited in front of a first station that was busy at least 90% of the time, else
    /// Poisson or gamma gaps.
    #[default]
    Auto,
    /// Always the observed rate (Poisson, or gamma gaps).
    Rate,
    /// Always an unlimited backlog pulled by the first station.
    Pull,
}

/// Which estimate of a station's servers the model uses, when the workflow gives none.
/// Both are reported when the log names who did the work ([`StationFit::people`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ServersBy {
    /// The most items in service at once (the default): exact when every server was busy
    /// at some moment, a lower bound of capacity otherwise.
    #[default]
    Peak,
    /// The people who did the work ([`PeopleFit`]: people active in a typical week ×
    /// items a person holds at once while busy), where the log names them
    /// ([`LogReaderBuilder::resource_column`](crate::LogReaderBuilder::resource_column));
    /// the peak at once for a station whose services name no one.
    People,
}

impl ServersBy {
    /// Whether it is the default, [`ServersBy::Peak`].
    pub fn is_peak(&self) -> bool {
        *self == ServersBy::Peak
    }
}

/// Options of [`fit`], built from [`FitOptions::new`] (the defaults) and its setters.
///
/// # Examples
///
/// ```
/// use valuestream::{ArrivalModel, FitOptions, ServiceModel};
///
/// let o = FitOptions::new().service(ServiceModel::Parametric);
/// assert_eq!((o.service, o.arrivals), (ServiceModel::Parametric, ArrivalModel::Auto));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct FitOptions {
    /// How service times are described (default: empirical).
    pub service: ServiceModel,
    /// How arrivals are modelled (default: decided from the log).
    pub arrivals: ArrivalModel,
    /// Which part of the log the model is fitted to (default: the steady window).
    pub window: FitWindow,
    /// What services still open at the end of observation say (default: Kaplan–Meier).
    pub censoring: Censoring,
    /// Whether an item's later visits to a station (its second service there and after)
    /// get their own service time and rework probability, where the log holds at least 30
    /// of each kind (default: no).
    pub memory: bool,
    /// How the model's classes of work are told apart (default: none asked for; classes
    /// from paths where the loops call for them, see `discover`).
    pub class_by: Option<ClassBy>,
    /// Without `class_by`: whether classes are discovered from the items' paths where the
    /// done items' loops call for them ([`Discover`]; default: yes).
    pub discover: Discover,
    /// Which estimate of servers the model uses where the workflow gives none (default:
    /// the peak at once).
    pub servers: ServersBy,
    /// Whether to look for a working calendar and a weekly rhythm of arrivals (default:
    /// look for them).
    pub calendar: CalendarFit,
}

/// How a fitted model's classes of work are told apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClassBy {
    /// By an item attribute (type, priority, team): each value with [`MIN_CLASS_DONE`]
    /// done items is a class, the rest pooled as [`OTHER_CLASS`].
    Attribute(String),
    /// Discovered from the items' paths when the log has no attribute that tells them
    /// apart: by how often an item came back to a stage it had left ([`PathClasses`]).
    Path,
}

impl std::fmt::Display for ClassBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClassBy::Attribute(a) => write!(f, "{a:?}"),
            ClassBy::Path => f.write_str("path (returns to a stage)"),
        }
    }
}

/// Whether a fit asked for no classes discovers them from the items' paths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Discover {
    /// Classes from paths ([`ClassBy::Path`]) when the done items' loops call for them
    /// ([`Loops`]: the chance of another visit to a stage rises with the visits so far,
    /// which one class cannot represent); one class otherwise (the default).
    #[default]
    Auto,
    /// One class.
    Never,
}

/// Whether the fit looks for a working calendar and a weekly rhythm of arrivals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CalendarFit {
    /// Look for them in the log (the default): a working calendar where work at the
    /// stations with servers stops at night or at weekends (their services are then
    /// measured in working time), and weekly arrivals where the commitments have a clear
    /// rhythm by weekday or hour ([`CalendarFound`], [`RhythmFound`]).
    #[default]
    Auto,
    /// Neither: stations work around the clock, arrivals have no rhythm.
    None,
}

/// Which part of a log a model is fitted to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "window", content = "since")]
#[non_exhaustive]
pub enum FitWindow {
    /// The steady window the window check names ([`WindowCheck`]): the items committed in
    /// it, their whole histories, observed to the end of the log; the whole log when it is
    /// steady (the default). A model fitted across an extract or a change of rate
    /// averages periods that may describe none of them.
    #[default]
    Steady,
    /// The whole log.
    Whole,
    /// The items committed at or after this instant.
    Since(DateTime<Utc>),
}

/// How services still open at the end of observation (right-censored) enter the service
/// times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Censoring {
    /// Kaplan–Meier (the product-limit estimate from completed and open services): right when an open service is
    /// an ordinary one not yet finished (a steady stream observed until some day).
    #[default]
    KaplanMeier,
    /// The completed services only: right when the log is an extract of items selected on
    /// finishing (a log of closed items), whose open services are not a random sample; wrong
    /// (too short) for a steady stream.
    Completed,
    /// The whole histories of the items done by the end of observation only: the model
    /// of a log whose items are selected on finishing by its end (an extract of closed
    /// items), where what is still open is not what the stream does. Wrong (too short)
    /// for a steady stream observed until some day.
    DoneItems,
}

impl FitOptions {
    /// The default options: empirical service times, arrivals decided from the log.
    pub fn new() -> FitOptions {
        FitOptions::default()
    }

    /// The same options describing service times this way.
    #[must_use]
    pub fn service(mut self, service: ServiceModel) -> FitOptions {
        self.service = service;
        self
    }

    /// The same options modelling arrivals this way.
    #[must_use]
    pub fn arrivals(mut self, arrivals: ArrivalModel) -> FitOptions {
        self.arrivals = arrivals;
        self
    }

    /// The same options fitting this part of the log.
    #[must_use]
    pub fn window(mut self, window: FitWindow) -> FitOptions {
        self.window = window;
        self
    }

    /// The same options telling later visits apart, or not.
    #[must_use]
    pub fn memory(mut self, memory: bool) -> FitOptions {
        self.memory = memory;
        self
    }

    /// The same options with classes of work by the item attribute `attribute`.
    #[must_use]
    pub fn class_by(mut self, attribute: impl Into<String>) -> FitOptions {
        self.class_by = Some(ClassBy::Attribute(attribute.into()));
        self
    }

    /// The same options with classes of work discovered from the items' paths: by how
    /// often an item came back to a stage it had left ([`ClassBy::Path`]).
    #[must_use]
    pub fn class_by_path(mut self) -> FitOptions {
        self.class_by = Some(ClassBy::Path);
        self
    }

    /// The same options discovering classes from paths where the loops call for them
    /// (without `class_by`), or never.
    #[must_use]
    pub fn discover(mut self, discover: Discover) -> FitOptions {
        self.discover = discover;
        self
    }

    /// The same options estimating servers this way.
    #[must_use]
    pub fn servers(mut self, servers: ServersBy) -> FitOptions {
        self.servers = servers;
        self
    }

    /// The same options looking for a working calendar and a weekly rhythm, or not.
    #[must_use]
    pub fn calendar(mut self, calendar: CalendarFit) -> FitOptions {
        self.calendar = calendar;
        self
    }

    /// The same options treating open services this way.
    #[must_use]
    pub fn censoring(mut self, censoring: Censoring) -> FitOptions {
        self.censoring = censoring;
        self
    }
}

/// Where a station's number of servers came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "from")]
pub enum ServersFrom {
    /// The workflow's `servers`.
    Workflow,
    /// The most items ever in the active stage at once: exact when every server was busy
    /// at some moment (it is then a queue's ceiling), a lower bound otherwise.
    PeakConcurrency,
    /// A wait stage with no work after it: a pure delay, as many servers as items.
    Delay,
    /// The people who did the work ([`ServersBy::People`], [`PeopleFit::servers`]).
    People,
}

/// Rework observed at a station: moves back to an earlier station after its service.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ReworkFit {
    /// The station most moves went back to.
    pub to: String,
    /// Moves back / services.
    pub probability: f64,
    /// The moves back counted.
    pub moves: usize,
    /// With later visits told apart ([`FitOptions::memory`]): the probability after a
    /// later visit (`probability` is then after a first visit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub later_probability: Option<f64>,
}

/// How a station's later visits (an item's second service there and after) were fitted,
/// when told apart from the first ([`FitOptions::memory`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RevisitFit {
    /// The later services (and zero-time passes) fitted on.
    pub services: usize,
    /// Their mean, days.
    pub mean_days: f64,
    /// Their coefficient of variation.
    pub cv: f64,
}

/// How one station was fitted.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StationFit {
    /// The station: the active stage's name (or the wait stage's for a delay station).
    pub name: String,
    /// The wait stages whose time is this station's queue.
    pub queue: Vec<String>,
    /// The stages whose time is this station's service (its active stage, or the wait
    /// stages of a delay).
    pub stages: Vec<String>,
    /// Completed services (visits to the stage) the service time is fitted on; visits still
    /// open at the end of observation are left out.
    pub services: usize,
    /// Mean service time in days.
    pub mean_days: f64,
    /// Coefficient of variation of the service time.
    pub cv: f64,
    /// The distribution used in the model (`empirical`, or the chosen family).
    pub distribution: String,
    /// With [`ServiceModel::Parametric`]: every family fitted, best first (by AIC).
    pub families: Vec<FamilyFit>,
    /// Servers (`None` for a pure delay).
    pub servers: Option<u32>,
    /// Where the number of servers came from.
    pub servers_from: ServersFrom,
    /// The station's capacity from who did the work, when the log names them (whichever
    /// estimate `servers` took): people per week, busy time, items held at once, the
    /// servers they give, and the peak at once beside them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people: Option<PeopleFit>,
    /// Rework, if items moved back after this station.
    pub rework: Option<ReworkFit>,
    /// A scheduled release recognised in the instants its work started.
    pub release: Option<Release>,
    /// The probability that an item moving forward stops at the station: stops / (stops +
    /// passes) in the log, 1 when every done item visited it (and for a waiting delay in
    /// front of a station, which every item passes through, those that did not wait with a
    /// zero time).
    pub visit_probability: f64,
    /// Its later visits, when told apart from the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revisit: Option<RevisitFit>,
}

/// How the arrivals were fitted.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ArrivalFit {
    /// Items committed in the window (the model's arrivals are commitments).
    pub items: usize,
    /// The window in days.
    pub window_days: f64,
    /// Commitments per day.
    pub rate_per_day: f64,
    /// Squared coefficient of variation of the gaps between commitments.
    pub interarrival_scv: f64,
    /// Whether they are modelled as a Poisson process (squared CV between 0.7 and 1.3) or
    /// as a renewal process with gamma gaps of the same mean and CV.
    pub poisson: bool,
    /// Whether work is pulled from an unlimited backlog instead: started whenever a server
    /// of the first station is free (no item ever waited in front of it and it was busy at
    /// least 90% of the time, or the caller said so).
    pub pulled: bool,
    /// Busy server time of the first station / (servers × window).
    pub first_station_utilisation: f64,
}

/// A value stream fitted to a log, with how each part was estimated.
///
/// Serialises (JSON) with the model under `model`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct FittedModel {
    /// The model: arrivals and stations, ready to simulate, analyse or save as a model file
    /// ([`ValueStream::to_toml`]).
    pub model: ValueStream,
    /// The arrivals.
    pub arrivals: ArrivalFit,
    /// The stations, in order.
    pub stations: Vec<StationFit>,
    /// The instants of the commitments, in days from `start`, for a trace-driven replay
    /// ([`Arrivals::Trace`]).
    #[serde(skip)]
    pub arrival_days: Vec<f64>,
    /// The start of the window: day 0 of the model.
    pub start: DateTime<Utc>,
    /// The end of observation.
    pub as_of: DateTime<Utc>,
    /// When the model was fitted to the items committed in a window ending before the end
    /// of observation ([`FitWindow`]), the end of that window (its start is `start`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committed_until: Option<DateTime<Utc>>,
    /// Whether the model is fitted to the items committed in a window of the log (from
    /// `start`; [`FitWindow`]) rather than to the whole log.
    pub cohort: bool,
    /// Whether the log fitted holds one steady stream of work ([`WindowCheck::of`]); when
    /// it does not, the model is fitted across a change of regime, and `notes` says so.
    pub window_check: WindowCheck,
    /// What the fit could not represent, in sentences.
    pub notes: Vec<String>,
    /// The options it was fitted with (to fit it again on part of the log).
    #[serde(skip)]
    pub options: FitOptions,
    /// How the classes are told apart (`None`: one class).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_by: Option<ClassBy>,
    /// How each class was fitted, in the model's order of classes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassFit>,
    /// How the fit's options were chosen, when by an inner held-out backtest
    /// ([`select_fit`](crate::select_fit)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// What the fit found of a working calendar, when it looked ([`CalendarFit`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarFound>,
    /// What the fit found of a weekly rhythm of the commitments, when it looked and there
    /// were enough of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rhythm: Option<RhythmFound>,
}

/// How [`select_fit`](crate::select_fit) chose a model: each candidate's options and its
/// errors on the inner held-out backtest (the training log split again at 70% of its
/// arrivals), and the one chosen (the first within a tolerance of the lowest score).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Selection {
    /// The inner split (`None` when no inner backtest could be run).
    pub inner_split: Option<DateTime<Utc>>,
    /// The candidates, in the order tried.
    pub candidates: Vec<Candidate>,
    /// The index of the chosen one.
    pub chosen: usize,
    /// Why, in a sentence.
    pub reason: String,
}

/// One candidate of a [`Selection`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Candidate {
    /// Its treatment of open services.
    pub censoring: Censoring,
    /// Whether later visits are told apart.
    pub memory: bool,
    /// How its classes are told apart, if it has classes.
    pub class_by: Option<ClassBy>,
    /// Without `class_by`: whether it discovers classes from paths where the loops call
    /// for them ([`Discover`]).
    pub discover: Discover,
    /// Its estimate of servers (JSON: absent for the peak at once, the default).
    #[serde(skip_serializing_if = "ServersBy::is_peak")]
    pub servers: ServersBy,
    /// Its score: CTDD relative to the observed mean plus the absolute relative errors of
    /// the mean and 85th percentile of cycle time, the throughput and the mean WIP (lower
    /// is better; `None` when its inner backtest failed).
    pub score: Option<f64>,
    /// CTDD relative to the observed mean.
    pub ctdd_relative: Option<f64>,
    /// Relative error of the mean cycle time.
    pub mean: Option<f64>,
    /// Relative error of the 85th percentile of cycle time.
    pub p85: Option<f64>,
    /// Relative error of the throughput.
    pub throughput: Option<f64>,
    /// Relative error of the mean WIP.
    pub wip: Option<f64>,
    /// Why its inner backtest failed, if it did.
    pub error: Option<String>,
}

impl FittedModel {
    /// The items of `timelines` the model was fitted to, when it was fitted to a window
    /// of them (`None`: all of them).
    pub(crate) fn cohort_of(&self, timelines: &Timelines) -> Option<Timelines> {
        self.cohort
            .then(|| timelines.committed_between(self.start, self.committed_until))
    }

    /// The model's class of `item` (an index of the model's classes); 0 in a model
    /// without classes.
    ///
    /// - By attribute: the class holding its value of the attribute, else `other`.
    /// - By path: the class of its returns when it is done. An item not yet done belongs
    ///   to one of the classes its returns so far allow (a class of fewer returns is no
    ///   longer possible), drawn in proportion to their shares from a hash of its id, so
    ///   that the same item always gets the same class ([`PathClasses::class_of`]).
    pub fn class_of(&self, item: &crate::timeline::ItemTimeline<'_>) -> u8 {
        let found = match &self.class_by {
            None => return 0,
            Some(ClassBy::Attribute(attr)) => {
                let v = item.attribute(attr).unwrap_or("");
                self.classes
                    .iter()
                    .position(|c| c.values.iter().any(|x| x == v))
                    .or_else(|| self.classes.iter().position(|c| c.name == OTHER_CLASS))
            }
            Some(ClassBy::Path) => Some(PathClasses::of_fits(&self.classes).class_of(item)),
        };
        found.map_or(0, |k| u8::try_from(k).unwrap_or(0))
    }

    /// The model to replay the log with: its own arrival instants (a trace-driven replay),
    /// or, when work is pulled, the model itself (the instants at which someone was free
    /// in the log say nothing of when someone is free in the model).
    ///
    /// # Errors
    ///
    /// [`Error::Model`](crate::Error::Model) if there are no arrivals to replay.
    pub fn replay(&self) -> Result<ValueStream> {
        let mut m = self.model.clone();
        if !self.arrivals.pulled {
            m.arrivals = Arrivals::Trace {
                times_days: self.arrival_days.clone(),
            };
        }
        m.validate()?;
        Ok(m)
    }
}

/// Fits a [`ValueStream`] to `timelines`.
///
/// # How
///
/// - **Stations**: one per active stage, named after it; the wait stages in front of it
///   (since the previous active stage) are its queue. A wait stage with no active stage
///   after it (waiting for a customer) becomes a delay station: unlimited servers, its
///   visits as service. Backlog and done stages are outside the model.
/// - **Waiting that is not for capacity**: items wait in a queue for a server only while
///   every server is busy. When most of the time spent in a station's queue passed while a
///   server was free (waiting for assignment, for a decision) and the station releases
///   no batches, the queue stages become a delay station of their own in front of it.
/// - **Arrivals**: the commitments; Poisson when the squared CV of their gaps is between
///   0.7 and 1.3, otherwise gamma gaps with the observed mean and CV; an unlimited backlog
///   when work is pulled ([`ArrivalModel`]). The instants themselves are kept for a replay
///   ([`FittedModel::replay`]).
/// - **Service times**: the durations of the completed visits to the station's service
///   stages (consecutive visits to them are one service; each visit of a reworked item is
///   another). For the waiting delay split off in front of a station, items that did not
///   wait count as zero, so that its mean time per item is kept.
/// - **Servers**: the workflow's, or else the most items in service at once (a lower bound
///   of capacity when the log names no one), or with [`ServersBy::People`] those the people
///   who did the work give ([`PeopleFit`]). When the log names them, both are reported
///   ([`StationFit::people`]) whichever the model uses.
/// - **Rework**: moves from a station back to an earlier one (or from its service to its
///   own queue), as a probability per service, to the most frequent target.
/// - **Scheduled releases**: when the starts of a station's work come in bursts on a
///   regular period (at least four releases holding at least 60% of the starts, their gaps'
///   coefficient of variation under 0.3; [`Release`]), the station releases on that
///   schedule.
/// - **Skipped stations**: when some done items never visited a station, its
///   [`Station::visit_probability`] is the share of forward moves that stopped there:
///   every move from one station (or from the start) to a later one stops at the later one
///   and passes the stations between, and finishing passes the stations after the last;
///   moves back (rework) are not forward moves. This is the maximum-likelihood estimate
///   under the model's routing, so the mean number of visits per item is kept even when
///   items loop (without rework it is the share of done items that visited).
///
/// Items move through the stations in workflow order; which stations an item visits is
/// drawn independently per station (an item type that always skips two stations together
/// is not told apart).
///
/// # Examples
///
/// ```
/// use valuestream::{FitOptions, LogReader, Timelines, Workflow, fit};
///
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/story");
/// let log = LogReader::builder().build().read_path(format!("{dir}/log.csv"))?;
/// let timelines = Timelines::new(&log, &Workflow::from_path(format!("{dir}/workflow.toml"))?)?;
/// let fitted = fit(&timelines, &FitOptions::new())?;
/// for s in &fitted.stations {
///     println!("{}: {:?} servers, mean service {:.2} days", s.name, s.servers, s.mean_days);
/// }
/// // The model is a model file too.
/// let text = fitted.model.to_toml();
/// assert!(text.contains("[[stage]]"));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if the workflow has no active
/// or wait stage, no item was committed, or a station has no completed service to fit;
/// [`Error::Model`](crate::Error::Model) if the fitted model is invalid.
pub fn fit(timelines: &Timelines, options: &FitOptions) -> Result<FittedModel> {
    let window_check = WindowCheck::of(timelines);
    let mut notes: Vec<String> = Vec::new();
    let (cohort, committed_until) =
        match cohort(timelines, options.window, &window_check, &mut notes) {
            Some((t, until)) => (Some(t), until),
            None => (None, None),
        };
    let all = timelines;
    let timelines = cohort.as_ref().unwrap_or(timelines);
    let done_only = (options.censoring == Censoring::DoneItems).then(|| timelines.done_only());
    let observed = done_only.as_ref().unwrap_or(timelines);
    let stages = timelines.workflow().stages();
    let slots = layout::from_workflow(stages)?;
    let slots = layout::split_waiting(timelines, stages, slots, &mut notes);
    let roles = layout::roles_of(&slots, stages.len());
    let names: Vec<String> = slots.iter().map(|s| s.name.clone()).collect();
    let commitments = arrivals::commitments(timelines)?;
    let (found, week) = find_week(timelines, options, &slots, &roles, &mut notes);
    let clock = week.as_ref().map(|w| (w, timelines.start_ms()));
    let mut seen = observe_for(timelines, observed, &slots, &roles, clock, &mut notes);
    let window = (timelines.start_ms(), committed_until.map(datetime_to_ms));
    let capacity = capacity(all, &slots, &roles, window, &mut seen);
    let ctx = station::Ctx {
        slots: &slots,
        names: &names,
        stages,
        options,
    };
    let (mut stations, mut fits) =
        fit_stations(&ctx, &mut seen, capacity, all.has_resources(), &mut notes)?;
    let window_days = commitments.window_days;
    let (first_util, pulled) = pulled(options, &seen, &slots, &stations, window_days);
    let model_arrivals = if pulled {
        pull(
            options,
            (&names[0], first_util),
            &mut stations,
            &mut fits,
            &mut notes,
        );
        Arrivals::Backlog
    } else {
        commitments.arrivals
    };
    let (model_arrivals, rhythm) = with_rhythm(
        timelines,
        options,
        (model_arrivals, pulled),
        commitments.rate,
        &mut notes,
    );
    let layout = classes::Layout {
        slots: &slots,
        roles: &roles,
        names: &names,
        stages,
        clock,
    };
    let class_by = class_by(observed, options, &mut notes);
    let (classes, class_fits) = match &class_by {
        Some(by) => classes::fit_classes(observed, by, &layout, &stations, options, &mut notes),
        None => (Vec::new(), Vec::new()),
    };
    let mut model = ValueStream::new(model_arrivals, stations)?.with_classes(classes)?;
    model.calendar = found.as_ref().and_then(|f| f.calendar.clone());
    model.validate()?;
    if cohort.is_none()
        && let Some(note) = across_regimes(&window_check)
    {
        notes.push(note);
    }
    Ok(FittedModel {
        model,
        arrivals: ArrivalFit {
            items: commitments.days.len(),
            window_days,
            rate_per_day: commitments.rate,
            interarrival_scv: commitments.scv,
            poisson: commitments.poisson,
            pulled,
            first_station_utilisation: first_util,
        },
        stations: fits,
        arrival_days: commitments.days,
        start: ms_to_datetime(timelines.start_ms()),
        as_of: ms_to_datetime(timelines.as_of_ms()),
        committed_until,
        cohort: cohort.is_some(),
        window_check,
        notes,
        options: options.clone(),
        class_by: (!class_fits.is_empty()).then_some(class_by).flatten(),
        classes: class_fits,
        selection: None,
        calendar: found,
        rhythm,
    })
}

/// How the classes of work are told apart: as the options ask, else from the paths
/// when the done items' loops call for it ([`Discover`], [`Loops`]; said in the notes).
fn class_by(
    observed: &Timelines,
    options: &FitOptions,
    notes: &mut Vec<String>,
) -> Option<ClassBy> {
    if options.class_by.is_some() || options.discover == Discover::Never {
        return options.class_by.clone();
    }
    let loops = Loops::of(observed)?;
    loops.call_for_classes.then(|| {
        notes.push(format!(
            "classes discovered from the paths: {}",
            loops.summary()
        ));
        ClassBy::Path
    })
}

/// The working calendar of the log, when the options ask for it, and its week compiled; a
/// calendar found is said in the notes (why none was found is in its `reason`).
fn find_week(
    timelines: &Timelines,
    options: &FitOptions,
    slots: &[layout::Slot],
    roles: &[layout::Role],
    notes: &mut Vec<String>,
) -> (Option<CalendarFound>, Option<WorkWeek>) {
    let found = (options.calendar == CalendarFit::Auto)
        .then(|| calendar::find_calendar(timelines, slots, roles));
    let week = found
        .as_ref()
        .and_then(|f| f.calendar.as_ref())
        .and_then(WorkWeek::new);
    if let Some(f) = found.as_ref().filter(|f| f.calendar.is_some()) {
        notes.push(f.reason.clone());
    }
    (found, week)
}

/// The first station's utilisation, and whether work is pulled into it: as the options
/// say, or (auto) when nothing ever waited in front of it and it was busy.
fn pulled(
    options: &FitOptions,
    seen: &observe::Observed,
    slots: &[layout::Slot],
    stations: &[Station],
    window_days: f64,
) -> (f64, bool) {
    let first_util = match stations[0].servers {
        Servers::Finite(c) => ms_to_days(seen.busy[0]) / (f64::from(c) * window_days),
        Servers::Unlimited => 0.0,
    };
    let pulled = match options.arrivals {
        ArrivalModel::Pull => true,
        ArrivalModel::Rate => false,
        ArrivalModel::Auto => seen.waited[0] == 0 && !slots[0].delay && first_util >= 0.9,
    };
    (first_util, pulled)
}

/// The model's arrivals with the weekly rhythm of the commitments, when the options ask
/// for it, work is not pulled and the rhythm is clear; and the rhythm found.
fn with_rhythm(
    timelines: &Timelines,
    options: &FitOptions,
    (arrivals, pulled): (Arrivals, bool),
    rate: f64,
    notes: &mut Vec<String>,
) -> (Arrivals, Option<RhythmFound>) {
    if options.calendar != CalendarFit::Auto {
        return (arrivals, None);
    }
    let ms: Vec<i64> = timelines.iter().filter_map(|r| r.commitment_ms()).collect();
    let rhythm = calendar::find_rhythm(&ms, timelines.start_ms(), timelines.as_of_ms());
    let weekly = rhythm
        .as_ref()
        .filter(|_| !pulled)
        .and_then(|r| calendar::weekly_arrivals(r, rate).map(|a| (a, r)));
    match weekly {
        Some((weekly, r)) => {
            notes.push(format!(
                "the {} commitments have a weekly rhythm (chi-square against a uniform rate: weekdays p = {:.2e}, hours p = {:.2e}): the model's arrivals are Poisson at {rate:.3} a day on average, varying by weekday and hour",
                r.commitments, r.weekday_chi2.1, r.hour_chi2.1
            ));
            (weekly, rhythm)
        }
        None => (arrivals, rhythm),
    }
}

/// What the log shows of the stations: `observed` (every item, or the done ones only),
/// with the servers, busy time and releases of every item of `timelines`.
fn observe_for(
    timelines: &Timelines,
    observed: &Timelines,
    slots: &[layout::Slot],
    roles: &[layout::Role],
    clock: observe::WorkClock<'_>,
    notes: &mut Vec<String>,
) -> observe::Observed {
    let mut seen = observe::observe(observed, slots, roles, clock);
    if observed.len() != timelines.len() {
        let all = observe::observe(timelines, slots, roles, clock);
        (seen.sweep, seen.busy, seen.waited, seen.starts) =
            (all.sweep, all.busy, all.waited, all.starts);
        notes.push(format!(
            "fitted on the histories of the {} items done by the end of observation only (their times and routes; servers and arrivals from every item)",
            seen.done_items
        ));
    }
    seen
}

/// Every station fitted (`capacity`: each one's), and the notes on their servers
/// (`resources`: whether the log names who did the work).
fn fit_stations(
    ctx: &station::Ctx<'_>,
    seen: &mut observe::Observed,
    capacity: Vec<station::Capacity>,
    resources: bool,
    notes: &mut Vec<String>,
) -> Result<(Vec<Station>, Vec<StationFit>)> {
    let mut stations: Vec<Station> = Vec::with_capacity(capacity.len());
    let mut fits: Vec<StationFit> = Vec::with_capacity(capacity.len());
    for (k, cap) in capacity.into_iter().enumerate() {
        let (st, f) = station::fit_station(k, ctx, seen, cap, notes)?;
        stations.push(st);
        fits.push(f);
    }
    notes.extend(servers_notes(&fits, resources));
    Ok((stations, fits))
}

/// Each station's capacity as observed: the most items in service at once (0 for a delay)
/// and, when the log names who did the work, the people figures of the fit window `[start,
/// end)` (ms; no end: the end of observation) from every item of `all`.
fn capacity(
    all: &Timelines,
    slots: &[layout::Slot],
    roles: &[layout::Role],
    (start, end): (i64, Option<i64>),
    seen: &mut observe::Observed,
) -> Vec<station::Capacity> {
    let window = (start, end.unwrap_or(all.as_of_ms()));
    let peaks: Vec<u32> = slots
        .iter()
        .enumerate()
        .map(|(k, s)| {
            if s.delay {
                0
            } else {
                layout::concurrency(std::mem::take(&mut seen.sweep[k])).0
            }
        })
        .collect();
    let delay: Vec<bool> = slots.iter().map(|s| s.delay).collect();
    let people = people::people_figures(all, roles, &delay, window, &peaks);
    peaks
        .into_iter()
        .zip(people)
        .map(|(peak, people)| station::Capacity { peak, people })
        .collect()
}

/// The notes on servers: those estimated as the most items in service at once are a lower
/// bound of a station's capacity when the log says nothing of who did the work; where it
/// does, both estimates and how they differ.
fn servers_notes(fits: &[StationFit], resources: bool) -> Vec<String> {
    let mut notes = Vec::new();
    let bare: Vec<String> = fits
        .iter()
        .filter(|f| f.servers_from == ServersFrom::PeakConcurrency && f.people.is_none())
        .map(|f| format!("{} ({})", f.name, f.servers.unwrap_or(0)))
        .collect();
    if !bare.is_empty() {
        let why = if resources {
            "none of their services names who did the work"
        } else {
            "the log says nothing of who did the work"
        };
        notes.push(format!(
            "servers of {} are the most items in service at once: {why}, so each is a lower bound of the station's capacity (give them in the workflow when known)",
            bare.join(", "),
        ));
    }
    for f in fits {
        let Some(p) = &f.people else { continue };
        let note = match f.servers_from {
            ServersFrom::People => format!(
                "{}: its {} from the people who did the work ({p}); the most items in service at once were {}",
                f.name,
                crate::stats::plural(u64::from(p.servers), "server is", "servers are"),
                p.peak_at_once
            ),
            ServersFrom::PeakConcurrency => format!(
                "{}: its {} the most items in service at once; from the people who did the work ({p}) they would be {} (servers from people)",
                f.name,
                crate::stats::plural(u64::from(p.peak_at_once), "server is", "servers are"),
                p.servers
            ),
            ServersFrom::Workflow => format!(
                "{}: its servers are the workflow's; the people who did the work: {p}",
                f.name
            ),
            ServersFrom::Delay => continue,
        };
        notes.push(note);
    }
    notes
}

/// Items committed in a window shorter than this are too few to fit a model to: the
/// whole log is fitted instead, and a note says so.
const MIN_WINDOW_ITEMS: usize = 30;

/// The cohort the model is fitted to (`None`: the whole log), with a note saying which.
fn cohort(
    timelines: &Timelines,
    window: FitWindow,
    check: &WindowCheck,
    notes: &mut Vec<String>,
) -> Option<(Timelines, Option<DateTime<Utc>>)> {
    let (since, until) = match window {
        FitWindow::Whole => return None,
        FitWindow::Steady if check.steady => return None,
        FitWindow::Steady => (check.since, check.until),
        FitWindow::Since(t) => (Some(t), None),
    };
    let since = since.unwrap_or_else(|| timelines.start());
    let cut = timelines.committed_between(since, until);
    let day = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    let span = match until {
        Some(u) => format!("from {} to {}", day(since), day(u)),
        None => format!("from {} on", day(since)),
    };
    let committed = cut.iter().filter(|r| r.commitment_ms().is_some()).count();
    if committed < MIN_WINDOW_ITEMS {
        notes.push(format!(
            "only {} committed {span}: too few to fit, so the model is fitted to the whole log",
            crate::stats::plural(committed as u64, "item was", "items were")
        ));
        return None;
    }
    let why = if matches!(window, FitWindow::Steady) {
        "the steady window the window check names"
    } else {
        "the window asked for"
    };
    notes.push(format!(
        "fitted to the {} committed {span} ({why}), their whole histories observed to the end of the log",
        crate::stats::plural(committed as u64, "item", "items")
    ));
    Some((cut, until))
}

/// The note of a model fitted across a change of regime: its rates and times average
/// periods that differ.
fn across_regimes(check: &WindowCheck) -> Option<String> {
    if check.steady {
        return None;
    }
    let kinds: Vec<&str> = check
        .warnings
        .iter()
        .map(|w| match w.kind {
            RegimeKind::Extract => "an extract of recent items plus old ones still open",
            RegimeKind::RateChange => "a change of the arrival rate",
            RegimeKind::StaleBacklog => "a backlog older than anything done",
        })
        .collect();
    let day = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    let steady = match (check.since, check.until) {
        (Some(s), Some(u)) => format!("; the steady window is {} to {}", day(s), day(u)),
        (Some(s), None) => format!("; the steady window starts on {}", day(s)),
        (None, Some(u)) => format!("; the steady window ends on {}", day(u)),
        (None, None) => String::new(),
    };
    Some(format!(
        "the model is fitted across a window that mixes regimes ({}): its arrival rate and \
         times average periods that differ and may describe none of them{steady} \
         (window_check has the figures)",
        kinds.join("; ")
    ))
}

/// Work is pulled into the first station: every item starts there; says why when the fit
/// decided it.
fn pull(
    options: &FitOptions,
    (first, first_util): (&str, f64),
    stations: &mut [Station],
    fits: &mut [StationFit],
    notes: &mut Vec<String>,
) {
    if stations[0].visit_probability < 1.0 {
        // Pulled work starts at the first station, always.
        notes.push(format!(
            "{first}: work is pulled into it, so in the model every item starts there"
        ));
        stations[0].visit_probability = 1.0;
        fits[0].visit_probability = 1.0;
    }
    if options.arrivals == ArrivalModel::Auto {
        notes.push(format!(
            "no item ever waited in front of {first} and it was busy {:.0}% of the time: work is started whenever someone there is free, so the model pulls from an unlimited backlog",
            first_util * 100.0
        ));
    }
}
