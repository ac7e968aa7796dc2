//! The item-level calibration of `forecast --open` on the story log and the real logs of
//! `../shared/data` (BPI Challenge 2012 by Boudewijn van Dongen and BPI Challenge 2013 by
//! Ward Steeman, 4TU.ResearchData; the OCEL sample "github_pm4py"). Slow, so ignored by
//! default; it prints the table of `BENCHMARKS.md` and writes each calibration's JSON to
//! the system's temporary folder, from which `tools/open_calibration.py` recomputes it:
//!
//! ```text
//! cargo test --all-features --test forecast_open_real -- --ignored --nocapture
//! ```

mod real;

use std::time::Instant;

use valuestream::{LogReader, OpenOptions, Timelines, Workflow, calibrate_open};

fn story() -> Timelines {
    let dir = real::root().join("data/story");
    let log = LogReader::builder()
        .build()
        .read_path(dir.join("log.csv"))
        .unwrap();
    let wf = Workflow::from_path(dir.join("workflow.toml")).unwrap();
    Timelines::new(&log, &wf).unwrap()
}

fn csv(file: &str, state: &str, workflow: &str) -> Option<Timelines> {
    let path = real::shared(file)?;
    let log = LogReader::builder()
        .id_column("case:concept:name")
        .state_column(state)
        .time_column("time:timestamp")
        .build()
        .read_path(&path)
        .unwrap();
    let wf = Workflow::from_path(real::root().join("data/workflows").join(workflow)).unwrap();
    Some(Timelines::new(&log, &wf).unwrap())
}

#[cfg(feature = "xes")]
fn bpic2012() -> Option<Timelines> {
    real::bpic2012_w()
}

#[cfg(not(feature = "xes"))]
fn bpic2012() -> Option<Timelines> {
    None
}

fn row(name: &str, tl: Option<Timelines>, every: u32) {
    let Some(tl) = tl else { return };
    let t = Instant::now();
    let c = calibrate_open(&tl, &OpenOptions::new(), every).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let cell = |k: usize| {
        let h = &c.levels[k];
        match (h.share, h.ci95) {
            (Some(s), Some([lo, hi])) => {
                format!("{:.0}% ({:.0}–{:.0}%)", s * 100.0, lo * 100.0, hi * 100.0)
            }
            _ => "–".to_owned(),
        }
    };
    let counted: Vec<String> = c.levels.iter().map(|h| h.points.to_string()).collect();
    println!(
        "| {name} | every {every} d | {} | {} | {} | {} | {} | {secs:.0} s |",
        c.points.len(),
        counted.join(" / "),
        cell(0),
        cell(1),
        cell(2)
    );
    for w in &c.warnings {
        println!("  ({name}: {w})");
    }
    let out = std::env::temp_dir().join(format!(
        "open_calibration_{}.json",
        name.split_whitespace().next().unwrap_or("log")
    ));
    std::fs::write(&out, serde_json::to_string(&c).unwrap()).unwrap();
}

#[test]
#[ignore = "slow: minutes on the real logs; run with --ignored --nocapture"]
fn item_level_calibration_table() {
    println!(
        "| log | points every | instants | forecasts counted at 50 / 85 / 95% | 50% met | 85% met | 95% met | run time |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    row("story", Some(story()), 28);
    row(
        "github (pm4py issues)",
        csv(
            "github_pm4py_issues.csv",
            "concept:name",
            "github_pm4py.toml",
        ),
        28,
    );
    row("bpic2013-incidents", real::bpic2013(), 2);
    row(
        "bpic2013-problems (closed problems)",
        csv(
            "bpic2013_closed_problems.csv",
            "lifecycle:transition",
            "bpic2013.toml",
        ),
        28,
    );
    row("bpic2012 (W)", bpic2012(), 14);
}
