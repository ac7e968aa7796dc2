//! Flow analytics for software delivery.
//!
//! `valuestream` reads the event logs that delivery tools already export, measures how work
//! flows through a workflow of stages, models the value stream as queues and servers fitted
//! to the log to predict what a change would do, and forecasts delivery from the team's own
//! throughput.
//!
//! ```
//! use valuestream::{ItemStatus, LogReader, Stage, StageKind, Timelines, Workflow};
//!
//! // An export: one row per status change.
//! let csv = "\
//! key,status,changed
//! A-1,To Do,2024-03-01T09:00:00Z
//! A-1,In Progress,2024-03-04T09:00:00Z
//! A-1,Ready for Test,2024-03-05T09:00:00Z
//! A-1,Testing,2024-03-08T09:00:00Z
//! A-1,Done,2024-03-09T09:00:00Z
//! A-2,To Do,2024-03-02T09:00:00Z
//! A-2,In Progress,2024-03-06T09:00:00Z
//! ";
//! let log = LogReader::builder()
//!     .id_column("key")
//!     .state_column("status")
//!     .time_column("changed")
//!     .build()
//!     .read(csv.as_bytes())?;
//!
//! // The team's workflow: which statuses are waiting and which are work.
//! let workflow = Workflow::new(
//!     vec![
//!         Stage::new("Backlog", StageKind::Backlog).with_states(["To Do"]),
//!         Stage::new("Dev", StageKind::Active).with_states(["In Progress"]),
//!         Stage::new("Ready for Test", StageKind::Wait),
//!         Stage::new("Test", StageKind::Active).with_states(["Testing"]),
//!         Stage::new("Done", StageKind::Done),
//!     ],
//!     None,
//! )?;
//!
//! let timelines = Timelines::new(&log, &workflow)?;
//! let a1 = timelines.get("A-1").unwrap();
//! assert_eq!(a1.status(), ItemStatus::Done);
//! // A-1 waited three days for Test: the queue, not the work.
//! assert_eq!(a1.days_in_stage(2), 3.0);
//! // Every row is accounted for.
//! assert_eq!(timelines.quality().rows, 7);
//! assert_eq!(timelines.quality().events, 7);
//! # Ok::<(), valuestream::Error>(())
//! ```
//!
//! # Glossary
//!
//! One word for one thing, in the code, the docs and the JSON keys:
//!
//! - **item**: a unit of work (an issue, a ticket, a case). **event**: an item entered a
//!   **state** (a tool's status name) at an instant.
//! - **stage**: a step of the [`Workflow`], mapping one or more states, of kind `backlog`,
//!   `wait` (a queue), `active` (someone works on it) or `done`. **visit**: a stay of an
//!   item in a stage ([`Visit`]).
//! - **station**: in the model ([`ValueStream`]), a queue and its servers, named after an
//!   active stage (the wait stages in front of it are its queue). **server**: a person or
//!   machine that works on one item at a time. **delay**: waiting that is not for a
//!   server (on the customer, for a release), with no capacity.
//! - **arrival**: an item's first event. **commitment**: its first entry into the
//!   commitment stage or a later stage that is not done. **done**: the start of its
//!   trailing run of visits in done stages. **discarded**: done without commitment.
//! - **lead time** = done − arrival. **cycle time** = done − commitment. The model's items
//!   enter at commitment, so what the model predicts is cycle time.
//! - **WIP** (work in progress): items committed and not done. **throughput**: items done
//!   per day.
//! - **regime**: a period in which work arrives as one steady stream. A window that mixes
//!   regimes (an extract of recent items plus old open ones, a several-fold change of the
//!   arrival rate, a stale backlog) is flagged by [`WindowCheck`], which suggests the
//!   **steady window**.
//!
//! # Definitions
//!
//! All instants are UTC; durations are reported in days (seconds / 86 400). The timeline
//! definitions (visits, arrival, commitment, done, discarded, lead and cycle time, time in
//! stage) are documented on [`Timelines`]; the data-quality ledger on [`DataQuality`]. The
//! flow metrics ([`Metrics`], [`Report`]) measure a window `[start, end]` (by default the
//! timelines' own; see [`MetricsOptions`]):
//!
//! - **Lead time** = done − arrival; **cycle time** = done − commitment; discarded items are
//!   counted but in no time metric ([`ItemMetrics`]).
//! - **Time in stage** = the sum of an item's visits to the stage, rework included;
//!   **flow efficiency** = Σ time in active stages / Σ cycle time, over done items.
//! - **WIP(t)** = items with commitment ≤ t < done; **stage WIP(t)** = items whose visit at
//!   t is in the stage; means are time averages over the window ([`Wip`], [`StageMetrics`]).
//! - **Throughput** = done items per day (× 7 per week); daily series include days with
//!   none ([`Series`]).
//! - **CFD**: per day and stage, the items that reached the stage or a later one by the end
//!   of the day, with current-stage counts beside it ([`Series`]).
//! - **Percentiles** are Hyndman–Fan type 7, numpy's default: `[3, 7, 3, 10]` gives p50 5,
//!   p85 8.65, p95 9.55 ([`Sample`]); every percentile of the crate is this one.
//! - **Little's law**: mean WIP against throughput × mean cycle time, with the assumptions
//!   the window violates ([`LittlesLaw`]).
//! - **Windows that mix regimes**: an extract of recent items plus old ones still open, an
//!   arrival rate that changes several-fold, a backlog older than anything done; averages
//!   over such a window describe no real period, so the report and the fit say so, with
//!   the figures and the steady window, and correct nothing ([`WindowCheck`]).
//! - **Per stage**: visits, time per visit, time-average WIP, arrival and departure rates,
//!   Little's-law residual; for active stages servers, busy time and utilisation
//!   ([`StageMetrics`]). The **bottleneck** is ranked on utilisation, waiting in front,
//!   queue growth and capacity ([`Bottleneck`]), and named only where there is a
//!   **capacity constraint**: an active stage busy at least 70% of the time
//!   ([`CONSTRAINT_UTILISATION`]) or a queue that grew more than chance allows. Without one,
//!   the report says so and ranks where the time goes (item-days per stage); `fit` does the
//!   same for its model's stations ([`ModelBottleneck`]).
//!
//! Each definition is computed in one function; `ARCHITECTURE.md` in the repository names
//! it, with the map of the modules and the direction of their imports.
//!
//! # Queues and servers
//!
//! A [`ValueStream`] models the stream as stations, each a queue in front of servers (read
//! from a model file, built in code, or fitted to timelines by [`fit`]); [`analyze`] answers
//! what queueing theory can (exact or flagged as an approximation), and [`Simulation`]
//! simulates it, seeded and replicated, with confidence intervals, and can emit the
//! simulated history as an [`EventLog`]. Its items enter at commitment, so what it predicts
//! is **cycle time**. [`what_if`] compares a changed model ([`Change`]) with the original,
//! [`leverage`] ranks the changes worth making, and [`backtest`] ([`FitReport`]) says how
//! far a fitted model can be trusted. Their answers carry that trust ([`ModelTrust`],
//! [`model_trust`]): a what-if does not call a difference real when its model failed the
//! check or rests on fewer than [`MIN_DONE_ITEMS`] done items.
//!
//! # Forecasts
//!
//! [`forecast`] answers "how many items in the next D days?" and "when will N more items be
//! done?" by resampling the daily throughput of the log's last whole days (a Monte Carlo
//! bootstrap, seeded).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod dora;
mod error;
mod export;
mod forecast;
mod log;
mod metrics;
mod model;
mod report;
mod short_key;
mod stats;
mod time;
mod timeline;
mod workflow;

pub use dora::{
    ChangeFailureRate, Deployment, DeploymentFrequency, Dora, DoraBand, DoraMedian, Incident,
    dora_metrics, read_deployments, read_incidents,
};
pub use error::{Error, Position, Result, UnmappedState};
pub use export::{WideLayout, write_wide};
pub use forecast::{
    Calibration, CalibrationPoint, CalibrationSummary, Forecast, ForecastAnswer, ForecastMethod,
    ForecastOptions, LevelHits, MIN_CALIBRATION_POINTS, MIN_HISTORY_DAYS, Question,
    ThroughputHistory, calibrate, forecast,
};
pub use forecast::{
    MAX_OPEN_HORIZON_DAYS, OpenCalibration, OpenForecast, OpenItem, OpenOptions, OpenOutcome,
    OpenPoint, calibrate_open, forecast_open, forecast_open_with, level_key,
};
pub use log::{
    BYTES_PER_EVENT, BadRows, DataQuality, Detected, DroppedState, Event, EventLog,
    EventLogBuilder, Format, LogReader, LogReaderBuilder, MAX_EVENTS_PER_ITEM, MAX_RECORD_BYTES,
    OpenLog, Preset, RejectedRow, SourceLedger, Warning, WarningKind, default_memory_budget,
    detect,
};
pub use metrics::{
    AgingItem, Assumption, BlockedItem, BlockedTime, Bottleneck, CONSTRAINT_UTILISATION,
    ClassOptions, ClassRow, ClassedItem, Classes, Evidence, GroupRow, GroupedReport, ItemCounts,
    ItemMetrics, LittlesLaw, MAX_ACTIVE_STAGES, Metrics, MetricsOptions, ParentRow, Parents,
    Period, RegimeKind, RegimeWarning, Report, Series, SleAging, SleSource, SleStatus,
    StageEvidence, StageMetrics, StageTime, Throughput, UnmappedValue, Violation, Window,
    WindowCheck, Wip, WorkflowWarning, WorkflowWarningKind,
};
pub use model::{
    Analysis, ArrivalFit, ArrivalModel, Arrivals, Backtest, BacktestOptions, Batch, Calendar,
    CalendarFit, CalendarFound, Candidate, Censoring, Change, Check, ClassBy, ClassDifference,
    ClassFit, ClassStation, ClassStats, Comparison, CycleSummary, CycleTimeComparison,
    CycleTimeStats, DEFAULT_MEMORY_BUDGET, Difference, Disagreement, Discover, Distribution,
    ErrorSpread, Errors, Family, FamilyFit, FitOptions, FitReport, FitWindow, FittedModel,
    HoldoutBacktest, INNER_REPLICATIONS, LOOP_SIGNIFICANCE, Lever, Leverage, LoopRange, Loops,
    MAX_RELEASES, MAX_SERVERS, MAX_STAGE_SERVICES, MAX_STAGES, MIN_CALENDAR_EVENTS, MIN_CLASS_DONE,
    MIN_DONE_ITEMS, MIN_RHYTHM_COMMITMENTS, Method, ModelBottleneck, ModelTrust, NOISE_LEVEL,
    NOISE_RUNS, Noise, OFF_WORK_SHARE, OTHER_CLASS, Observed, OpenAtSplit, Outcome, OutcomeStation,
    PathClasses, PeopleFit, RHYTHM_SIGNIFICANCE, Release, Replication, ReplicationScores,
    ReplicationStation, Returns, Revisit, RevisitFit, Rework, ReworkFit, RhythmFound,
    SCORE_TOLERANCE, Selection, Servers, ServersBy, ServersFrom, ServiceModel, SimOptions,
    SimResult, Simulation, SimulationReport, Spread, StageLoops, Station, StationAnalysis,
    StationComparison, StationFit, StationStats, StationTime, StationWip, ThroughputStats,
    TrustBasis, ValueStream, Verdict, WEEK_HOURS, WhatIf, WipStats, WorkClass, analyze, backtest,
    fit, in_sample_backtest, leverage, model_trust, select_fit, tolerance, what_if,
};
pub use report::{
    CycleTimeChart, HtmlOptions, write_aging_wip_svg, write_backtest_html, write_backtest_svg,
    write_cfd_svg, write_class_items_csv, write_classes_csv, write_cycle_time_histogram_svg,
    write_cycle_time_svg, write_cycle_time_svg_with, write_forecast_svg, write_groups_csv,
    write_html_report, write_html_report_with, write_items_csv, write_parents_csv,
    write_series_csv, write_stage_time_svg, write_stages_csv, write_throughput_svg,
    write_whatif_html, write_whatif_svg, write_wip_svg,
};
pub use stats::{Histogram, Sample, Summary, plural};
pub use time::{TimeFormat, parse_instant, parse_offset};
pub use timeline::{Blocked, ItemStatus, ItemTimeline, TimelineOptions, Timelines, Visit};
pub use workflow::{
    BacklogReturn, ClassMap, ClassSpec, CycleTimePolicy, Reopen, Sle, Stage, StageKind, Workflow,
    WorkflowBuilder,
};

/// The README's code, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
