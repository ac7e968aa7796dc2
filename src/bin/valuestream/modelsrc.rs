//! What `fit`, `whatif` and `leverage` share: simulation options on the command line, and
//! a model taken from a model file or fitted to a log.

use std::path::Path;

use clap::Args;
use valuestream::{
    ArrivalModel, FitOptions, FittedModel, ServiceModel, SimOptions, Timelines, ValueStream, fit,
};

use crate::Failure;
use crate::input::InputArgs;

/// Simulation options.
#[derive(Clone, Debug, Args)]
pub struct SimArgs {
    /// Seed of the random numbers: the same seed gives the same output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Independent replications (confidence intervals need at least 2).
    #[arg(long, default_value_t = 10)]
    pub replications: u32,
    /// Simulated days per replication, warm-up included.
    #[arg(long, default_value_t = 3650.0, value_name = "DAYS")]
    pub horizon_days: f64,
    /// Days at the start of each replication left out [default: a tenth of the horizon].
    #[arg(long, value_name = "DAYS")]
    pub warmup_days: Option<f64>,
}

impl SimArgs {
    /// The options, replications running on the threads `input` asks for (`--threads`).
    pub fn options(&self, input: &InputArgs) -> SimOptions {
        SimOptions {
            seed: self.seed,
            replications: self.replications,
            horizon_days: self.horizon_days,
            warmup_days: self.warmup_days.unwrap_or(self.horizon_days / 10.0),
            threads: input
                .threads
                .map(std::num::NonZeroUsize::get)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        }
    }
}

/// The `--arrivals` option of the environment: how a fitted model's arrivals are modelled.
fn input_arrivals(input: &InputArgs) -> Result<Option<ArrivalModel>, Failure> {
    match input.arrivals.as_deref() {
        None | Some("auto") => Ok(None),
        Some("rate") => Ok(Some(ArrivalModel::Rate)),
        Some("pull") => Ok(Some(ArrivalModel::Pull)),
        Some(other) => Err(Failure::input(format!(
            "--arrivals {other:?}: expected auto, rate (the observed arrival rate) or pull (work started whenever someone is free)"
        ))),
    }
}

/// Whether the input is a model file rather than a log.
pub fn is_model_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// A model fitted to a log, with its timelines.
pub fn fit_log(input: &InputArgs, parametric: bool) -> Result<(FittedModel, Timelines), Failure> {
    let timelines = input.timelines()?;
    let options = FitOptions {
        service: if parametric {
            ServiceModel::Parametric
        } else {
            ServiceModel::Empirical
        },
        arrivals: match input_arrivals(input)? {
            Some(a) => a,
            None => ArrivalModel::Auto,
        },
    };
    let fitted = fit(&timelines, &options)?;
    Ok((fitted, timelines))
}

/// The model of `input`: read from a model file, or fitted to a log.
pub fn model(input: &InputArgs) -> Result<ValueStream, Failure> {
    if is_model_file(&input.file) {
        Ok(ValueStream::from_path(&input.file)?)
    } else {
        let (fitted, _) = fit_log(input, false)?;
        eprintln!(
            "valuestream: note: fitted a model of {} stations to {} (valuestream fit shows how)",
            fitted.model.stations.len(),
            input.file.display()
        );
        Ok(fitted.model)
    }
}
