//! The real logs of `../shared/data` (BPI Challenge 2013 by Ward Steeman, 4TU.ResearchData;
//! the OCEL sample "github_pm4py"): every row is read and accounted for. Skipped, with a
//! message, when the folder is absent.

use std::path::PathBuf;

use valuestream::{EventLog, LogReader, Timelines, Workflow};

fn shared(file: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(file);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent", p.display());
        None
    }
}

fn workflow(name: &str) -> Workflow {
    Workflow::from_path(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("data/workflows")
            .join(name),
    )
    .unwrap()
}

fn read(path: &PathBuf, state: &str) -> EventLog {
    LogReader::builder()
        .id_column("case:concept:name")
        .state_column(state)
        .time_column("time:timestamp")
        .attribute("impact")
        .build()
        .read_path(path)
        .unwrap()
}

#[test]
fn bpic2013_incidents_every_row_and_item() {
    let Some(path) = shared("bpic2013_incidents.csv") else {
        return;
    };
    let log = read(&path, "lifecycle:transition");
    let tl = Timelines::new(&log, &workflow("bpic2013.toml")).unwrap();
    let q = tl.quality();
    assert_eq!(q.rows, 65_533);
    assert_eq!(q.events_read, 65_533);
    assert_eq!(q.events, 65_533);
    assert!(q.rejected.is_empty());
    assert!(q.dropped.is_empty());
    assert_eq!(q.items, 7_554);
    assert_eq!(tl.len(), 7_554);
    // The log spans 2010-03-31 … 2012-05-22 (README of the data folder).
    assert_eq!(tl.start().date_naive().to_string(), "2010-03-31");
    assert_eq!(tl.as_of().date_naive().to_string(), "2012-05-22");
    // Item attributes are kept.
    let first = tl.get("1-364285768").unwrap();
    assert_eq!(first.attribute("impact"), Some("Medium"));
}

#[test]
fn bpic2013_closed_problems_read_completely() {
    let Some(path) = shared("bpic2013_closed_problems.csv") else {
        return;
    };
    let log = read(&path, "lifecycle:transition");
    let tl = Timelines::new(&log, &workflow("bpic2013.toml")).unwrap();
    let q = tl.quality();
    assert_eq!(q.rows, 6_660);
    assert_eq!(q.events, 6_660);
    assert_eq!(q.items, 1_487);
}

#[test]
fn github_issue_log_reads_completely() {
    let Some(path) = shared("github_pm4py_issues.csv") else {
        return;
    };
    let log = LogReader::builder()
        .id_column("case:concept:name")
        .state_column("concept:name")
        .time_column("time:timestamp")
        .build()
        .read_path(&path)
        .unwrap();
    let tl = Timelines::new(&log, &workflow("github_pm4py.toml")).unwrap();
    let q = tl.quality();
    assert_eq!(q.rows, 1_798);
    assert_eq!(q.events, 1_798);
    assert_eq!(q.items, 353);
}
