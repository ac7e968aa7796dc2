//! `export --to jira-agile-metrics` against jira-agile-metrics' own cycle-time tests
//! (tests/data/peers/jira-agile-metrics): its stage dates (moves back wipe the later
//! stages, skipped stages take the next stage's date), its `blocked_days`, its status;
//! and a round trip, export then read back with the preset, that keeps the cycle times.

use std::path::PathBuf;
use std::process::Command;

use chrono::{TimeZone, Utc};
use valuestream::{
    LogReader, Preset, Stage, TimelineOptions, Timelines, WideLayout, Workflow, write_wide,
};

fn peers(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/peers/jira-agile-metrics")
        .join(file)
}

/// Their test's "now" (`calculator.run(now=datetime(2018, 1, 10, 15, 37, 0))`).
fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2018, 1, 10, 15, 37, 0).unwrap()
}

fn timelines(file: &str) -> Timelines {
    let log = LogReader::builder()
        .preset(Preset::JiraJson)
        .build()
        .read_path(peers(file))
        .unwrap();
    let wf = Workflow::from_path(peers("workflow.toml")).unwrap();
    Timelines::with_options(&log, &wf, &TimelineOptions::new().as_of(now())).unwrap()
}

fn export(tl: &Timelines) -> String {
    let mut out = Vec::new();
    write_wide(tl, WideLayout::JiraAgileMetrics, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The rows of an export as (column → cell) for each item, by id.
fn rows(csv: &str) -> Vec<Vec<(String, String)>> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn cell<'a>(rows: &'a [Vec<(String, String)>], id: &str, col: &str) -> &'a str {
    let row = rows
        .iter()
        .find(|r| r[0].1 == id)
        .unwrap_or_else(|| panic!("no row {id}"));
    &row.iter()
        .find(|c| c.0 == col)
        .unwrap_or_else(|| panic!("no {col}"))
        .1
}

/// Their expected stage dates, in the order Backlog, Committed, Build, Test, Done ("" for
/// their `NaT`).
fn dates(rows: &[Vec<(String, String)>], id: &str) -> [String; 5] {
    ["Backlog", "Committed", "Build", "Test", "Done"].map(|c| cell(rows, id, c).to_owned())
}

#[test]
fn stage_dates_blocked_days_and_status_are_those_jira_agile_metrics_asserts() {
    let csv = export(&timelines("cycletime_issues.json"));
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "ID,Link,Name,Backlog,Committed,Build,Test,Done,Type,Status,Resolution,Blocked Days"
    );
    let r = rows(&csv);
    // test_movement's expected records.
    assert_eq!(dates(&r, "A-1"), ["2018-01-01", "", "", "", ""]);
    assert_eq!(dates(&r, "A-2"), ["2018-01-02", "2018-01-03", "", "", ""]);
    assert_eq!(
        dates(&r, "A-3"),
        [
            "2018-01-03",
            "2018-01-03",
            "2018-01-04",
            "2018-01-05",
            "2018-01-06"
        ]
    );
    // Moved back from Build to Next: Build's date is wiped.
    assert_eq!(dates(&r, "A-4"), ["2018-01-04", "2018-01-04", "", "", ""]);
    for (id, blocked) in [("A-1", "0"), ("A-2", "3"), ("A-3", "2"), ("A-4", "3")] {
        assert_eq!(cell(&r, id, "Blocked Days"), blocked, "{id}");
    }
    // Their `status` is the tool's status, not the stage.
    for (id, status) in [
        ("A-1", "Backlog"),
        ("A-2", "Next"),
        ("A-3", "Done"),
        ("A-4", "Next"),
    ] {
        assert_eq!(cell(&r, id, "Status"), status, "{id}");
    }
    for id in ["A-1", "A-2", "A-3", "A-4"] {
        assert_eq!(cell(&r, id, "Type"), "Story");
    }
}

#[test]
fn skipped_stages_take_the_date_of_the_next_stage_reached() {
    let r = rows(&export(&timelines("skipped_columns_issues.json")));
    // test_movement_skipped_columns' expected records.
    assert_eq!(
        dates(&r, "A-10"),
        [
            "2018-01-01",
            "2018-01-02",
            "2018-01-04",
            "2018-01-04",
            "2018-01-04"
        ]
    );
    assert_eq!(
        dates(&r, "A-11"),
        [
            "2018-01-01",
            "2018-01-02",
            "2018-01-02",
            "2018-01-04",
            "2018-01-04"
        ]
    );
    assert_eq!(cell(&r, "A-10", "Status"), "Done");
}

/// The workflow of an export read back: the same stages, each mapping its own name (the
/// export's columns).
fn read_back_workflow() -> Workflow {
    let wf = Workflow::from_path(peers("workflow.toml")).unwrap();
    let stages: Vec<Stage> = wf
        .stages()
        .iter()
        .map(|s| Stage::new(s.name.clone(), s.kind))
        .collect();
    Workflow::new(stages, Some(&wf.commitment_stage().name)).unwrap()
}

fn read_back(csv: &str) -> Timelines {
    let log = LogReader::builder()
        .preset(Preset::JiraAgileMetrics)
        .build()
        .read(csv.as_bytes())
        .unwrap();
    Timelines::new(&log, &read_back_workflow()).unwrap()
}

#[test]
fn a_round_trip_gives_jira_agile_metrics_cycle_times() {
    // Their cycle times: A-3 3 days, A-10 and A-11 2 days each (dates, not instants).
    for (file, expected) in [
        ("cycletime_issues.json", vec![("A-3", 3.0)]),
        (
            "skipped_columns_issues.json",
            vec![("A-10", 2.0), ("A-11", 2.0)],
        ),
    ] {
        let back = read_back(&export(&timelines(file)));
        for (id, days) in expected {
            assert_eq!(back.get(id).unwrap().cycle_time_days(), Some(days), "{id}");
        }
        // The items in progress stay in progress, in the stage they were in.
        if file == "cycletime_issues.json" {
            let a4 = back.get("A-4").unwrap();
            assert_eq!(a4.cycle_time_days(), None);
            assert_eq!(
                read_back_workflow().stage(a4.current_stage()).name,
                "Committed"
            );
        }
    }
}

#[test]
fn a_round_trip_of_a_log_at_whole_days_keeps_every_cycle_time() {
    // Every instant at midnight, so that dates lose nothing: A skips Test, B moves back
    // from Test to Build and on, C is in progress.
    let csv = "id,state,timestamp\n\
        A,Backlog,2024-03-01\nA,Next,2024-03-02\nA,Build,2024-03-04\nA,Done,2024-03-09\n\
        B,Backlog,2024-03-01\nB,Next,2024-03-03\nB,Build,2024-03-04\nB,QA,2024-03-06\n\
        B,Build,2024-03-07\nB,QA,2024-03-08\nB,Done,2024-03-11\n\
        C,Backlog,2024-03-02\nC,Next,2024-03-05\nC,Build,2024-03-06\n";
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let wf = Workflow::from_path(peers("workflow.toml")).unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    let back = read_back(&export(&tl));
    for id in ["A", "B", "C"] {
        let (a, b) = (tl.get(id).unwrap(), back.get(id).unwrap());
        assert_eq!(a.cycle_time_days(), b.cycle_time_days(), "{id}");
        assert_eq!(a.commitment(), b.commitment(), "{id}");
    }
    // A: committed on the 2nd, done on the 9th: 7 days, as the hand says.
    assert_eq!(back.get("A").unwrap().cycle_time_days(), Some(7.0));
    assert_eq!(back.get("B").unwrap().cycle_time_days(), Some(8.0));
}

#[test]
fn the_cli_exports_the_fixture_with_blocked_days() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jam-export.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .args([
            "export",
            "--to",
            "jira-agile-metrics",
            "--as-of",
            "2018-01-10T15:37:00Z",
        ])
        .arg("--workflow")
        .arg(peers("workflow.toml"))
        .arg(peers("cycletime_issues.json"))
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let r = rows(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(cell(&r, "A-2", "Blocked Days"), "3");
}
