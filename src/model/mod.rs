//! The value stream as a network of queues and servers: the model, its file form and its
//! checks; fitting it to a log; answering with queueing theory and by simulation; what-ifs.
//!
//! A [`ValueStream`] is a line of stations ([`Station`]): work arrives at the first one,
//! waits in each station's queue for one of its servers, is served, and moves on to the next,
//! unless it is sent back for rework. [`analyze`] answers what queueing theory can answer
//! about it; [`Simulation`] simulates it.
//!
//! One file per job: `stream` (the model's types), `file` (the TOML file form, read with
//! positions, and written back), `validate` (what makes a model invalid), `calendar` (working calendars and weekly
//! rhythms, and the compiled week), `dist` (service
//! and interarrival distributions), `fit/` (a model from a log, in named steps),
//! `estimate` (maximum-likelihood families, scheduled releases), `analytic` (traffic
//! equations, Erlang C, QNA), `sim` (the simulator) and `results` (what it reports),
//! `compare` (analytic against simulated), `backtest` and `fit_report` (how far to trust a
//! fitted model), `trust` (what an answer built on a model may claim, given how the model
//! held up), `scenario` (changes, what-if, leverage).

mod analytic;
mod backtest;
mod calendar;
mod compare;
mod dist;
mod estimate;
mod file;
mod fit;
mod fit_report;
mod holdout;
mod results;
mod scenario;
mod sim;
mod stream;
mod trust;
mod validate;

pub use analytic::{Analysis, Method, StationAnalysis, analyze};
pub use backtest::{
    Backtest, Comparison, CycleTimeComparison, StationComparison, in_sample_backtest,
};
pub use calendar::{Calendar, WEEK_HOURS};
pub use compare::{Disagreement, SimulationReport};
pub use dist::Distribution;
pub use estimate::{Family, FamilyFit, Release};
pub use fit::{
    ArrivalFit, ArrivalModel, CalendarFit, CalendarFound, Candidate, Censoring, ClassBy, ClassFit,
    Discover, FitOptions, FitWindow, FittedModel, LOOP_SIGNIFICANCE, LoopRange, Loops,
    MIN_CALENDAR_EVENTS, MIN_CLASS_DONE, MIN_RHYTHM_COMMITMENTS, OFF_WORK_SHARE, OTHER_CLASS,
    PathClasses, PeopleFit, RHYTHM_SIGNIFICANCE, Returns, RevisitFit, ReworkFit, RhythmFound,
    Selection, ServersBy, ServersFrom, ServiceModel, StageLoops, StationFit, fit,
};
pub use fit_report::{FitReport, ModelBottleneck, StationTime};
pub use holdout::{
    BacktestOptions, Check, CycleSummary, ErrorSpread, Errors, HoldoutBacktest, INNER_REPLICATIONS,
    MIN_DONE_ITEMS, NOISE_LEVEL, NOISE_RUNS, Noise, Observed, OpenAtSplit, ReplicationScores,
    SCORE_TOLERANCE, Spread, StationWip, Verdict, backtest, select_fit, tolerance,
};
pub(crate) use holdout::{HoldoutRecorder, StateMap, done_items, placements, roles, test_model};
pub use results::{
    ClassStats, CycleTimeStats, Replication, ReplicationStation, SimResult, StationStats,
    ThroughputStats, WipStats,
};
pub use scenario::{
    Change, ClassDifference, Difference, Lever, Leverage, Outcome, OutcomeStation, WhatIf,
    leverage, what_if,
};
pub use sim::{DEFAULT_MEMORY_BUDGET, MAX_RELEASES, MAX_STAGE_SERVICES, SimOptions, Simulation};
pub use stream::{
    Arrivals, Batch, ClassStation, Revisit, Rework, Servers, Station, ValueStream, WorkClass,
};
pub use trust::{ModelTrust, TrustBasis, model_trust};
pub use validate::{MAX_SERVERS, MAX_STAGES};

/// The state every simulated item enters when it leaves the last station.
pub(crate) const DONE_STATE: &str = "Done";
