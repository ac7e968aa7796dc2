//! `valuestream check`: the data-quality ledger.

use clap::Args as ClapArgs;

use crate::Failure;
use crate::input::InputArgs;
use crate::output::{print, print_json};

/// Arguments of `check`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON: {"data_quality": {...}}.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Out<'a> {
    data_quality: &'a valuestream::DataQuality,
}

/// Runs `check`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let timelines = args.input.timelines()?;
    let q = timelines.quality();
    if args.json {
        print_json(&Out { data_quality: q })
    } else {
        print(&q.to_string())
    }
}
