//! `valuestream export`: any log, written in the wide layout of ActionableAgile or
//! jira-agile-metrics.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use clap::Args as ClapArgs;
use valuestream::{WideLayout, write_wide};

use crate::Failure;
use crate::input::InputArgs;

/// Arguments of `export`.
///
/// The last path is the CSV file to write (`export LOG… --to TOOL OUT.csv`): the log's
/// files come before it.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// The layout to write: actionableagile or jira-agile-metrics.
    #[arg(long, value_name = "TOOL")]
    to: String,
}

/// Runs `export`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let layout = WideLayout::from_name(&args.to)?;
    // The last path is where to write: the log's files come before it.
    let mut input = args.input.clone();
    let out: PathBuf = match input.files.len() {
        0 | 1 => {
            return Err(Failure::input(
                "export needs the log and the CSV file to write: valuestream export LOG --to TOOL OUT.csv",
            ));
        }
        _ => input.files.pop().unwrap_or_default(),
    };
    let args_out = &out;
    let timelines = input.timelines()?;
    let file = File::create(args_out)
        .map_err(|e| Failure::other(format!("cannot write {}: {e}", args_out.display())))?;
    let rows = write_wide(&timelines, layout, BufWriter::new(file))
        .map_err(|e| Failure::writing(args_out, e))?;
    eprintln!(
        "valuestream: note: wrote {} to {} ({} layout)",
        valuestream::plural(rows as u64, "item", "items"),
        args_out.display(),
        args.to
    );
    Ok(())
}
