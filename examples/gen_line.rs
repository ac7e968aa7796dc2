//! Writes the event log of a simulated line of stages with known servers and service times:
//! the logs of the report benchmark and of the pandas comparison in BENCHMARKS.md.
//!
//! ```text
//! cargo run --release --example gen_line -- --events 1000000 --out target/line-1m.csv
//! ```
//!
//! writes `target/line-1m.csv` (`id,state,timestamp,type`, about `--events` rows) and its
//! workflow `target/line-1m.toml`. Without `--out` it prints a small log to stdout.
//!
//! The line: 100 items committed per day (Poisson), then Dev (250 servers, 2 days),
//! Review (100 servers, 0.6 days), Test (100 servers, 0.9 days) and Deploy (40 servers,
//! 0.25 days), each behind a first-come, first-served queue; service times exponential.
//! True utilisations 0.8, 0.6, 0.9, 0.625: Test is the bottleneck.

use std::fs::File;
use std::path::PathBuf;
use std::process::ExitCode;

#[path = "../tests/line/mod.rs"]
mod line;

fn main() -> ExitCode {
    let mut events: u64 = 200;
    let mut out: Option<PathBuf> = None;
    let mut seed: u64 = 7;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        let ok = match (a.as_str(), v) {
            ("--events", Some(v)) => v.parse().map(|n| events = n).is_ok(),
            ("--seed", Some(v)) => v.parse().map(|n| seed = n).is_ok(),
            ("--out", Some(v)) => {
                out = Some(PathBuf::from(v));
                true
            }
            _ => false,
        };
        if !ok {
            eprintln!("usage: gen_line [--events N] [--seed S] [--out FILE.csv]");
            return ExitCode::from(2);
        }
    }
    let line = line::Line::bench(seed);
    let per_item = line.states().len() as u64;
    let items = events.div_ceil(per_item).max(1) as usize;
    let result = match &out {
        None => line.write_csv(items, std::io::stdout().lock()).map(|_| ()),
        Some(path) => File::create(path)
            .and_then(|f| line.write_csv(items, f))
            .and_then(|n| {
                let wf = path.with_extension("toml");
                std::fs::write(&wf, line.workflow_toml(false))?;
                eprintln!(
                    "wrote {n} events of {items} items to {} and the workflow to {}",
                    path.display(),
                    wf.display()
                );
                Ok(())
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_line: {e}");
            ExitCode::FAILURE
        }
    }
}
