//! Writes a synthetic long-format event log, for benchmarks and for trying the command line.
//!
//! ```text
//! cargo run --release --example gen_log -- EVENTS SEED OUT.csv [WORKFLOW.toml [PER_DAY]]
//! cargo run --release --example gen_log -- 1000000 1 target/bench-data/log_1m.csv
//! cargo run --release --example gen_log -- 3000 7 data/sample_log.csv data/workflows/sample.toml 3
//! ```
//!
//! The log has columns `key,status,changed,type` (or, when OUT ends in `.xes`, is the same
//! log as an XES document); the optional fourth argument writes the workflow that maps its
//! statuses, the fifth sets how many items arrive a day (144).

#[path = "../benches/support/synthetic.rs"]
mod synthetic;

use std::fs::File;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: gen_log EVENTS SEED OUT.csv [WORKFLOW.toml [PER_DAY]]");
        return ExitCode::from(2);
    }
    let (Ok(events), Ok(seed)) = (args[0].parse::<usize>(), args[1].parse::<u64>()) else {
        eprintln!("gen_log: EVENTS and SEED must be whole numbers");
        return ExitCode::from(2);
    };
    let per_day = match args.get(4).map(|a| a.parse::<f64>()) {
        None => 144.0,
        Some(Ok(p)) if p > 0.0 && p.is_finite() => p,
        Some(_) => {
            eprintln!("gen_log: PER_DAY must be a positive number");
            return ExitCode::from(2);
        }
    };
    let xes = std::path::Path::new(&args[2])
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xes"));
    let written = File::create(&args[2]).and_then(|f| {
        if xes {
            synthetic::write_xes(events, per_day, seed, f)
        } else {
            synthetic::write_log(events, per_day, seed, f)
        }
    });
    match written {
        Ok(n) => eprintln!("gen_log: wrote {n} events to {}", args[2]),
        Err(e) => {
            eprintln!("gen_log: cannot write {}: {e}", args[2]);
            return ExitCode::from(1);
        }
    }
    if let Some(wf) = args.get(3)
        && let Err(e) = std::fs::write(wf, synthetic::WORKFLOW)
    {
        eprintln!("gen_log: cannot write {wf}: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
