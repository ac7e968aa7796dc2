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
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// The layout to write: actionableagile or jira-agile-metrics.
    #[arg(long, value_name = "TOOL")]
    to: String,
    /// The CSV file to write.
    out: PathBuf,
}

/// Runs `export`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let layout = WideLayout::from_name(&args.to)?;
    let timelines = args.input.timelines()?;
    let file = File::create(&args.out)
        .map_err(|e| Failure::other(format!("cannot write {}: {e}", args.out.display())))?;
    let rows = write_wide(&timelines, layout, BufWriter::new(file))
        .map_err(|e| Failure::writing(&args.out, e))?;
    eprintln!(
        "valuestream: note: wrote {} to {} ({} layout)",
        valuestream::plural(rows as u64, "item", "items"),
        args.out.display(),
        args.to
    );
    Ok(())
}
