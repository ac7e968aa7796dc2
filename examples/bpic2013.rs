//! The flow report of a real log: BPI Challenge 2013, Volvo IT Belgium incident management
//! (Ward Steeman, 4TU.ResearchData, doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee).
//!
//! ```text
//! cargo run --release --example bpic2013
//! ```
//!
//! Reads `../shared/data/bpic2013_incidents.csv` (beside the checkout; not shipped with the
//! crate) with the sub-status as state and the workflow `data/workflows/bpic2013.toml`, and
//! prints the report, then what it says about where incidents wait. Without the file it
//! says so and exits cleanly.

use std::path::PathBuf;
use std::process::ExitCode;

use valuestream::{LogReader, MetricsOptions, Report, Timelines, Workflow};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bpic2013: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> valuestream::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("../shared/data/bpic2013_incidents.csv");
    if !path.exists() {
        println!(
            "The BPI Challenge 2013 log is not here ({}); see ../shared/data/README.md. Nothing to do.",
            path.display()
        );
        return Ok(());
    }
    let log = LogReader::builder()
        .id_column("case:concept:name")
        .state_column("lifecycle:transition")
        .time_column("time:timestamp")
        .attribute("impact")
        .build()
        .read_path(&path)?;
    let workflow = Workflow::from_path(root.join("data/workflows/bpic2013.toml"))?;
    let timelines = Timelines::new(&log, &workflow)?;
    let report = Report::new(&timelines, &MetricsOptions::new())?;
    print!("{report}");

    // Where does an incident's time go? The item-days per stage, as shares, most first.
    println!("\nWhere incidents spend their time (share of item-days):");
    for t in &report.bottleneck.time_ranking {
        println!("  {:<12} {:>5.1}%", t.stage, 100.0 * t.share);
    }

    // The same measures for high-impact incidents only.
    let high = Report::new(
        &timelines,
        &MetricsOptions::new().attribute("impact", "High"),
    )?;
    println!(
        "\nHigh-impact incidents: {} done, cycle time p50 {:.1} days, p85 {:.1} days (all: {:.1}, {:.1}).",
        high.items.done,
        high.cycle_time_days.p50.unwrap_or(f64::NAN),
        high.cycle_time_days.p85.unwrap_or(f64::NAN),
        report.cycle_time_days.p50.unwrap_or(f64::NAN),
        report.cycle_time_days.p85.unwrap_or(f64::NAN),
    );
    Ok(())
}

#[test]
fn bpic2013_runs() {
    run().unwrap();
}
