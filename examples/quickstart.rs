//! A first program: read a CSV export, map its statuses onto a workflow, and see where
//! the time of each item went.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! It reads `data/sample_log.csv` (a synthetic team log; see `examples/gen_log.rs`) through
//! the workflow `data/workflows/sample.toml`.

use std::process::ExitCode;

use valuestream::{ItemStatus, LogReader, StageKind, Timelines, Workflow};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), valuestream::Error> {
    let root = env!("CARGO_MANIFEST_DIR");
    let log = LogReader::builder()
        .id_column("key")
        .state_column("status")
        .time_column("changed")
        .attribute("type")
        .name("data/sample_log.csv")
        .build()
        .read_path(format!("{root}/data/sample_log.csv"))?;
    let workflow = Workflow::from_path(format!("{root}/data/workflows/sample.toml"))?;
    let timelines = Timelines::new(&log, &workflow)?;

    // 1. Nothing is lost: the ledger accounts for every row.
    print!("{}", timelines.quality());

    // 2. Where items stand.
    let mut counts = [0usize; 4];
    for item in timelines.iter() {
        counts[match item.status() {
            ItemStatus::NotStarted => 0,
            ItemStatus::InProgress => 1,
            ItemStatus::Done => 2,
            ItemStatus::Discarded => 3,
        }] += 1;
    }
    println!(
        "\n{} items from {} to {}: {} not started, {} in progress, {} done, {} discarded",
        timelines.len(),
        timelines.start().format("%Y-%m-%d"),
        timelines.as_of().format("%Y-%m-%d"),
        counts[0],
        counts[1],
        counts[2],
        counts[3]
    );

    // 3. Where the time of finished items went: days per stage, waiting versus working.
    let stages = workflow.stages();
    let mut days = vec![0.0f64; stages.len()];
    let mut done = 0usize;
    for item in timelines.iter().filter(|i| i.status() == ItemStatus::Done) {
        done += 1;
        for v in item.visits() {
            days[v.stage()] += v.days();
        }
    }
    println!("\nMean days per finished item in each stage:");
    let (mut waiting, mut working) = (0.0, 0.0);
    for (stage, d) in stages.iter().zip(&days) {
        let mean = d / done.max(1) as f64;
        match stage.kind {
            StageKind::Wait => waiting += mean,
            StageKind::Active => working += mean,
            _ => {}
        }
        if stage.kind != StageKind::Done {
            println!("  {:<14} {:<8} {:>6.2}", stage.name, stage.kind, mean);
        }
    }
    println!(
        "\nAfter commitment a finished item spent {working:.2} days being worked on and \
         {waiting:.2} days waiting in queues."
    );
    Ok(())
}

#[test]
fn quickstart_runs() {
    run().unwrap();
}
