//! A first program: read a CSV export, describe the team's workflow in code, print the flow
//! report and use a few of its figures.
//!
//! ```text
//! cargo run --example report_from_csv [EXPORT.csv]
//! ```
//!
//! The export has one row per status change (`key,status,changed`); without an argument
//! the program uses a small export of its own.

use valuestream::{LogReader, MetricsOptions, Report, Stage, StageKind, Timelines, Workflow};

const SAMPLE: &str = "\
key,status,changed
PAY-1,To Do,2024-03-01T09:00:00Z
PAY-1,In Progress,2024-03-04T09:00:00Z
PAY-1,Ready for Test,2024-03-06T15:00:00Z
PAY-1,Testing,2024-03-11T10:00:00Z
PAY-1,Done,2024-03-12T16:00:00Z
PAY-2,To Do,2024-03-01T10:00:00Z
PAY-2,In Progress,2024-03-05T09:00:00Z
PAY-2,Ready for Test,2024-03-07T12:00:00Z
PAY-2,Testing,2024-03-13T09:00:00Z
PAY-2,In Progress,2024-03-14T09:00:00Z
PAY-2,Ready for Test,2024-03-15T09:00:00Z
PAY-2,Testing,2024-03-19T11:00:00Z
PAY-2,Done,2024-03-20T17:00:00Z
PAY-3,To Do,2024-03-04T09:00:00Z
PAY-3,In Progress,2024-03-08T09:00:00Z
PAY-3,Ready for Test,2024-03-11T09:00:00Z
PAY-3,Testing,2024-03-18T09:00:00Z
PAY-3,Done,2024-03-19T12:00:00Z
PAY-4,To Do,2024-03-06T09:00:00Z
PAY-4,In Progress,2024-03-12T09:00:00Z
PAY-4,Ready for Test,2024-03-15T09:00:00Z
PAY-5,To Do,2024-03-07T09:00:00Z
PAY-5,In Progress,2024-03-18T09:00:00Z
PAY-6,To Do,2024-03-08T09:00:00Z
PAY-6,Done,2024-03-09T09:00:00Z
";

fn main() -> std::process::ExitCode {
    match run(std::env::args().nth(1)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("report_from_csv: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run(path: Option<String>) -> Result<(), valuestream::Error> {
    // 1. Read the export: which item entered which status when.
    let reader = LogReader::builder()
        .id_column("key")
        .state_column("status")
        .time_column("changed")
        .build();
    let log = match path {
        Some(path) => reader.read_path(path)?,
        None => reader.read(SAMPLE.as_bytes())?,
    };

    // 2. The team's workflow: what is an option, what is a queue, what is work.
    let workflow = Workflow::new(
        vec![
            Stage::new("Backlog", StageKind::Backlog).with_states(["To Do"]),
            Stage::new("Dev", StageKind::Active)
                .with_states(["In Progress"])
                .with_servers(3),
            Stage::new("Ready for Test", StageKind::Wait),
            Stage::new("Test", StageKind::Active)
                .with_states(["Testing"])
                .with_servers(1),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )?;

    // 3. Timelines, then the report.
    let timelines = Timelines::new(&log, &workflow)?;
    let report = Report::new(&timelines, &MetricsOptions::new())?;
    println!("{report}");

    // 4. The result types are plain structs.
    if let (Some(p50), Some(p85)) = (report.cycle_time_days.p50, report.cycle_time_days.p85) {
        println!("Half of the items finish within {p50:.1} days of starting; 85% within {p85:.1}.");
    }
    if let Some(p95) = report.cycle_times.percentile(95.0) {
        println!("95th percentile of cycle time: {p95:.1} days.");
    }
    if let Some(queue) = report.stage("Ready for Test") {
        println!(
            "Items wait {:.1} days on average for Test ({} visits).",
            queue.visit_days.mean.unwrap_or(0.0),
            queue.visits
        );
    }
    if let Some(stage) = &report.bottleneck.stage {
        println!("The constraint: {stage}.");
    }
    for item in &report.aging {
        println!(
            "{} has been in progress {:.1} days ({}).",
            item.id, item.age_days, item.stage
        );
    }
    Ok(())
}

#[test]
fn report_from_csv_runs() {
    run(None).unwrap();
}
