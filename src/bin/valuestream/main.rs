//! `valuestream`: flow analytics of software delivery from the command line.
//!
//! Every subcommand reads its input through [`input::InputArgs`], so that every one of them
//! reports bad input the same way: one sentence on stderr naming file, line, column and
//! value, and exit code 2. Other failures exit with 1. Nothing panics on input.

mod backtest;
mod check;
mod dora;
mod export;
mod fit;
mod forecast;
mod forecast_open;
mod formats;
mod guessed;
mod input;
mod leverage;
mod modelsrc;
mod output;
mod progress;
mod report;
mod simulate;
mod whatif;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Flow analytics for software delivery: event logs in, flow metrics, bottlenecks and
/// queueing what-ifs out.
#[derive(Debug, Parser)]
#[command(name = "valuestream", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a log through a workflow and print the data-quality ledger: every row used or
    /// reported.
    Check(check::Args),
    /// Measure flow: lead and cycle time, throughput, WIP, each stage as a queue and
    /// servers, the bottleneck and why, Little's law, aging work.
    Report(report::Args),
    /// List the export formats recognised on sight, with their columns.
    Formats(formats::Args),
    /// Write any log in the wide layout of ActionableAgile or jira-agile-metrics.
    Export(export::Args),
    /// DORA metrics from a deployments CSV (and an incidents CSV).
    Dora(dora::Args),
    /// Simulate a model file (queues and servers) and compare with the analytic answers.
    Simulate(simulate::Args),
    /// Fit a queueing model to a log, name its bottleneck, and check it in-sample.
    Fit(fit::Args),
    /// Hold out the end of a log: fit the model on the rest, predict it, score the prediction.
    Backtest(backtest::Args),
    /// Compare a scenario (a list of changes) with the stream as it is.
    Whatif(whatif::Args),
    /// Rank the levers: automate, add a server, halve the service time of each stage.
    Leverage(leverage::Args),
    /// Forecast from the team's throughput: how many items in the next days, or when a
    /// number of items will be done (Monte Carlo).
    Forecast(forecast::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Check(args) => check::run(args),
        Command::Report(args) => report::run(args),
        Command::Formats(args) => formats::run(args),
        Command::Export(args) => export::run(args),
        Command::Dora(args) => dora::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Backtest(args) => backtest::run(args),
        Command::Whatif(args) => whatif::run(args),
        Command::Leverage(args) => leverage::run(args),
        Command::Forecast(args) => forecast::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("valuestream: error: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

/// A failure of a subcommand: the sentence to print and the exit code.
#[derive(Debug)]
pub struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    /// A failure caused by the input (exit code 2).
    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }

    /// Any other failure (exit code 1).
    pub fn other(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 1,
        }
    }
}

impl Failure {
    /// Writing `path` failed with `e`: "cannot write PATH: why" (exit code 1) when the
    /// output is at fault (a full disk), else as `e` says.
    pub fn writing(path: &std::path::Path, e: valuestream::Error) -> Failure {
        match e {
            valuestream::Error::Write { source } => {
                Failure::other(format!("cannot write {}: {source}", path.display()))
            }
            other => Failure::from(other),
        }
    }
}

impl From<valuestream::Error> for Failure {
    fn from(e: valuestream::Error) -> Failure {
        let code = if e.is_input() { 2 } else { 1 };
        Failure {
            message: e.to_string(),
            code,
        }
    }
}
