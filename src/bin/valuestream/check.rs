//! `valuestream check`: the data-quality ledger.

use clap::Args as ClapArgs;

use valuestream::{MetricsOptions, Report};

use crate::Failure;
use crate::guessed::WorkflowUsed;
use crate::input::InputArgs;
use crate::output::{print, print_json};

/// Arguments of `check`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON: {"data_quality": {...}}, and "workflow": {"source", "preset", "toml",
    /// "warnings"} when the workflow was not given.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Out<'a> {
    data_quality: &'a valuestream::DataQuality,
    #[serde(skip_serializing_if = "Option::is_none")]
    workflow: Option<WorkflowUsed>,
}

/// Runs `check`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let (timelines, source) = args.input.timelines_from()?;
    let q = timelines.quality();
    // A workflow not given is measured through, for the signs that it is degenerate; a
    // log it cannot measure (a window of no length) has no such signs to show.
    let report = if source.is_given() {
        None
    } else {
        Report::new(&timelines, &MetricsOptions::new()).ok()
    };
    let used = WorkflowUsed::of(source, timelines.workflow(), report.as_ref());
    if args.json {
        print_json(&Out {
            data_quality: q,
            workflow: used,
        })
    } else {
        let mut text = q.to_string();
        if let Some(u) = &used {
            text.push_str(&u.text());
        }
        print(&text)
    }
}
