//! What `fit`, `simulate`, `whatif`, `leverage` and `forecast` share: the seed, simulation
//! options on the command line, and a model taken from a model file or fitted to a log.

use std::num::NonZeroUsize;
use std::path::Path;

use clap::Args;
use valuestream::{
    ArrivalModel, CalendarFit, Censoring, Discover, FitOptions, FitWindow, FittedModel, ModelTrust,
    ServersBy, ServiceModel, SimOptions, Timelines, ValueStream, fit, model_trust, parse_instant,
    select_fit,
};

use crate::Failure;
use crate::input::InputArgs;

/// The seed of every subcommand that draws random numbers.
#[derive(Clone, Copy, Debug, Args)]
pub struct SeedArgs {
    /// Seed of the random numbers: the same seed gives the same output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Simulation options.
#[derive(Clone, Debug, Args)]
pub struct SimArgs {
    #[command(flatten)]
    pub seed: SeedArgs,
    /// Independent replications (confidence intervals need at least 2).
    #[arg(long, default_value_t = 10)]
    pub replications: u32,
    /// Simulated days per replication, warm-up included.
    #[arg(long, default_value_t = 3650.0, value_name = "DAYS")]
    pub horizon_days: f64,
    /// Days at the start of each replication left out of the statistics [default: a tenth
    /// of the horizon].
    #[arg(long, value_name = "DAYS")]
    pub warmup_days: Option<f64>,
}

impl SimArgs {
    /// The options, replications running on at most `threads` threads (`--threads`; every
    /// core when absent) in at most `budget` bytes (`--memory-budget`).
    pub fn options(&self, threads: Option<NonZeroUsize>, budget: u64) -> SimOptions {
        let o = SimOptions::new()
            .seed(self.seed.seed)
            .replications(self.replications)
            .horizon_days(self.horizon_days)
            .threads(threads.map_or(0, NonZeroUsize::get))
            .memory_budget(budget);
        match self.warmup_days {
            Some(days) => o.warmup_days(days),
            None => o,
        }
    }
}

/// The `--arrivals` option of the environment: how a fitted model's arrivals are modelled.
pub fn input_arrivals(input: &InputArgs) -> Result<ArrivalModel, Failure> {
    match input.arrivals.as_deref() {
        None | Some("auto") => Ok(ArrivalModel::Auto),
        Some("rate") => Ok(ArrivalModel::Rate),
        Some("pull") => Ok(ArrivalModel::Pull),
        Some(other) => Err(Failure::input(format!(
            "--arrivals {other:?}: expected auto, rate (the observed arrival rate) or pull (work started whenever someone is free)"
        ))),
    }
}

/// The fit options of the environment: `--arrivals`, `--fit-window`, `--censoring`,
/// `--servers-from`, and parametric services or not.
pub fn input_fit_options(input: &InputArgs, parametric: bool) -> Result<FitOptions, Failure> {
    let window = match input.fit_window.as_deref() {
        None | Some("steady") => FitWindow::Steady,
        Some("whole") => FitWindow::Whole,
        Some(date) => FitWindow::Since(parse_instant(date, input.offset()?).map_err(|_| {
            Failure::input(format!(
                "--fit-window {date:?}: expected steady, whole or a date (2024-03-01)"
            ))
        })?),
    };
    let censoring = match input.censoring.as_deref() {
        None | Some("km") => Censoring::KaplanMeier,
        Some("completed") => Censoring::Completed,
        Some("done") => Censoring::DoneItems,
        Some(other) => {
            return Err(Failure::input(format!(
                "--censoring {other:?}: expected km (Kaplan–Meier), completed (the completed services only) or done (the done items' histories only)"
            )));
        }
    };
    let servers = match input.servers_from.as_deref() {
        None | Some("peak") => ServersBy::Peak,
        Some("people") if input.resource.is_some() => ServersBy::People,
        Some("people") => {
            return Err(Failure::input(
                "--servers-from people needs --resource COLUMN: the column (or XES attribute) naming who did each event, such as org:resource".to_owned(),
            ));
        }
        Some(other) => {
            return Err(Failure::input(format!(
                "--servers-from {other:?}: expected peak (the most items in service at once) or people (the people who did the work, with --resource)"
            )));
        }
    };
    let calendar = match input.calendar.as_deref() {
        None => FitOptions::new().calendar,
        Some("auto") => CalendarFit::Auto,
        Some("none") => CalendarFit::None,
        Some(other) => {
            return Err(Failure::input(format!(
                "--calendar {other:?}: expected auto (look for a working calendar and a weekly rhythm) or none"
            )));
        }
    };
    let mut options = FitOptions::new()
        .servers(servers)
        .calendar(calendar)
        .service(if parametric {
            ServiceModel::Parametric
        } else {
            ServiceModel::Empirical
        })
        .arrivals(input_arrivals(input)?)
        .window(window)
        .censoring(censoring)
        .memory(input.memory);
    if let Some(c) = &input.class_by {
        options = options.class_by(c.clone());
    }
    if input.class_by_path {
        options = options.class_by_path();
    }
    if input.one_class {
        options = options.discover(Discover::Never);
    }
    Ok(options)
}

/// Whether the fit's options are chosen by an inner held-out backtest: unless
/// `--no-select`, `--censoring` or `--memory` says how to fit.
pub fn input_select(input: &InputArgs) -> bool {
    !(input.no_select || input.censoring.is_some() || input.memory)
}

/// Whether the input is a model file rather than a log.
pub fn is_model_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// A model fitted to a log, with its timelines.
pub fn fit_log(input: &InputArgs, parametric: bool) -> Result<(FittedModel, Timelines), Failure> {
    let timelines = input.timelines()?;
    let options = input_fit_options(input, parametric)?;
    let fitted = crate::progress::during("fitting", || {
        if input_select(input) {
            let sim = SimOptions::new().threads(input.threads.map_or(0, NonZeroUsize::get));
            select_fit(&timelines, &options, &sim)
        } else {
            fit(&timelines, &options)
        }
    })?;
    Ok((fitted, timelines))
}

/// The model of `input` and how far it held up: read from a model file (not checked), or
/// fitted to a log and checked against it with `options` ([`model_trust`]).
pub fn model(
    input: &InputArgs,
    options: &SimOptions,
) -> Result<(ValueStream, ModelTrust), Failure> {
    if is_model_file(input.file()) {
        Ok((ValueStream::from_path(input.file())?, ModelTrust::unknown()))
    } else {
        let (fitted, timelines) = fit_log(input, false)?;
        eprintln!(
            "valuestream: note: fitted a model of {} to {} (valuestream fit shows how)",
            valuestream::plural(fitted.model.stations.len() as u64, "station", "stations"),
            input.file().display()
        );
        let trust = crate::progress::during("checking the model against the log", || {
            model_trust(&fitted, &timelines, options)
        })?;
        Ok((fitted.model, trust))
    }
}
