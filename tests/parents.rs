//! `report --parent ATTR` (issue 14): items rolled up by a parent attribute, on a
//! hand-computed log, through the library and the command line, and the forecast of the
//! rest of one parent (`forecast --open --where epic=KEY`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, TimeZone, Utc};
use valuestream::{
    Error, LogReader, MetricsOptions, Parents, Stage, StageKind, Timelines, Workflow,
};

/// `data/epics/log.csv` (the README's example), with `data/epics/workflow.toml`: Backlog
/// ("To Do"), Dev (active), Test (active), Done; commitment at Dev.
///
/// E1, finished:
/// - A arrives 03-01, starts 03-02, done 03-05;
/// - B arrives 03-02, starts 03-03, done 03-04, reopened 03-06, done again 03-08 (its done
///   is 03-08: the start of its last visit);
/// - C arrives 02-28, done 03-04 without commitment: discarded (not in the times).
///
/// E1: 3 children, 2 done, 1 discarded, 0 open; first arrival 03-01 (A; C is
/// discarded), first start 03-02 (A), last done 03-08 (B): lead 7 days, cycle 6 days.
///
/// E2, open: D arrives 03-01, starts 03-03, done 03-06; F starts (and arrives) 03-04, in
/// Test at the end; G arrives 03-05, not started. E2: 3 children, 1 done, 1 in progress,
/// 1 not started, 2 open (F, G); first arrival 03-01, first start 03-03, no last done
/// (D's done 03-06 is not the parent's: F and G are open), no lead or cycle time.
///
/// E3, reopened: J starts 03-01, done 03-03, back in Dev 03-07: in progress, so E3 has 1
/// child, 0 done, 1 open (J), first start 03-01, no last done.
///
/// No epic: H (done) and I (not started): 2 items without a parent.
///
/// The window: 02-28 (C's arrival) to 03-09 (I's arrival, the last event): 10 days (2024
/// is a leap year).
/// Sorted by open children, most first: E2 (2), E3 (1), E1 (0).
const HAND: &str = include_str!("../data/epics/log.csv");
const WORKFLOW: &str = include_str!("../data/epics/workflow.toml");
fn workflow() -> Workflow {
    let mut backlog = Stage::new("Backlog", StageKind::Backlog);
    backlog.states = vec!["To Do".to_owned()];
    Workflow::new(
        vec![
            backlog,
            Stage::new("Dev", StageKind::Active),
            Stage::new("Test", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap()
}

fn timelines() -> Timelines {
    let log = LogReader::builder()
        .attribute("epic")
        .build()
        .read(HAND.as_bytes())
        .unwrap();
    Timelines::new(&log, &workflow()).unwrap()
}

fn day(d: u32) -> DateTime<Utc> {
    let (m, d) = if d > 29 { (3, d - 29) } else { (2, d) };
    Utc.with_ymd_and_hms(2024, m, d, 0, 0, 0).unwrap()
}

/// March's day `d`.
fn march(d: u32) -> DateTime<Utc> {
    day(29 + d)
}

#[test]
fn hand_log_figures() {
    let p = Parents::new(&timelines(), &MetricsOptions::new(), "epic").unwrap();
    assert_eq!(p.attribute, "epic");
    assert_eq!(p.without_parent, 2);
    assert_eq!(p.window.days, 10.0);
    let names: Vec<&str> = p.parents.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(names, ["E2", "E3", "E1"]);

    let e1 = p.parent("E1").unwrap();
    let c = e1.children;
    assert_eq!(
        (c.total, c.done, c.in_progress, c.not_started, c.discarded),
        (3, 2, 0, 0, 1)
    );
    assert_eq!(e1.open, 0);
    assert!(e1.open_ids.is_empty());
    assert_eq!(e1.first_arrival, Some(march(1)));
    assert_eq!(e1.first_start, Some(march(2)));
    assert_eq!(e1.last_done, Some(march(8)));
    assert_eq!(e1.lead_time_days, Some(7.0));
    assert_eq!(e1.cycle_time_days, Some(6.0));

    let e2 = p.parent("E2").unwrap();
    let c = e2.children;
    assert_eq!(
        (c.total, c.done, c.in_progress, c.not_started, c.discarded),
        (3, 1, 1, 1, 0)
    );
    assert_eq!(e2.open, 2);
    assert_eq!(e2.open_ids, ["F", "G"]);
    assert_eq!(e2.first_arrival, Some(march(1)));
    assert_eq!(e2.first_start, Some(march(3)));
    assert_eq!(e2.last_done, None);
    assert_eq!((e2.lead_time_days, e2.cycle_time_days), (None, None));

    let e3 = p.parent("E3").unwrap();
    assert_eq!((e3.children.total, e3.children.done, e3.open), (1, 0, 1));
    assert_eq!(e3.open_ids, ["J"]);
    assert_eq!(e3.first_start, Some(march(1)));
    assert_eq!(e3.last_done, None);
}

#[test]
fn the_window_and_filters_apply() {
    // Until 03-07 12:00: B is reopened (in Dev since 03-06), so E1 is open with B.
    let until = day(29 + 7) + chrono::Duration::hours(12);
    let p = Parents::new(&timelines(), &MetricsOptions::new().until(until), "epic").unwrap();
    let e1 = p.parent("E1").unwrap();
    assert_eq!((e1.open, e1.last_done), (1, None));
    assert_eq!(e1.open_ids, ["B"]);
    // I arrives after 03-07 12:00: one item without a parent is left.
    assert_eq!(p.without_parent, 1);
    // The filter keeps one epic's children only.
    let p = Parents::new(
        &timelines(),
        &MetricsOptions::new().attribute("epic", "E2"),
        "epic",
    )
    .unwrap();
    assert_eq!(p.parents.len(), 1);
    assert_eq!(p.without_parent, 0);
}

#[test]
fn no_parent_in_the_window() {
    let p = Parents::new(
        &timelines(),
        &MetricsOptions::new().until(day(29 + 1)),
        "epic",
    )
    .unwrap();
    // On 03-01: C (E1), A (E1), D (E2) and J (E3) arrived; nothing without an epic.
    assert_eq!(p.parents.len(), 3);
    assert_eq!(p.without_parent, 0);
    // Before 03-01 only C: E1 is open (C is not started yet), with no start.
    let p = Parents::new(
        &timelines(),
        &MetricsOptions::new().until(day(28) + chrono::Duration::hours(1)),
        "epic",
    )
    .unwrap();
    let e1 = p.parent("E1").unwrap();
    assert_eq!((e1.open, e1.first_start, e1.last_done), (1, None, None));
    assert_eq!(e1.open_ids, ["C"]);
    let text = p.to_string();
    assert!(
        text.contains("Parents by epic: 1 parent, 1 open with 1 open child"),
        "{text}"
    );
    assert!(text.contains("Every item has a value of epic."), "{text}");
}

#[test]
fn an_unknown_attribute_names_those_kept() {
    let err = Parents::new(&timelines(), &MetricsOptions::new(), "parent").unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("\"parent\"") && text.contains("\"epic\""),
        "{text}"
    );
}

#[test]
fn json_keys() {
    let p = Parents::new(&timelines(), &MetricsOptions::new(), "epic").unwrap();
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["attribute"], "epic");
    assert_eq!(v["without_parent"], 2);
    let e1 = &v["parents"][2];
    assert_eq!(e1["value"], "E1");
    assert_eq!(e1["children"]["discarded"], 1);
    assert_eq!(e1["open"], 0);
    assert_eq!(e1["first_arrival"], "2024-03-01T00:00:00Z");
    assert_eq!(e1["first_start"], "2024-03-02T00:00:00Z");
    assert_eq!(e1["last_done"], "2024-03-08T00:00:00Z");
    assert_eq!(e1["lead_time_days"], 7.0);
    assert_eq!(e1["cycle_time_days"], 6.0);
    let e2 = &v["parents"][0];
    assert_eq!(e2["last_done"], serde_json::Value::Null);
    assert_eq!(e2["cycle_time_days"], serde_json::Value::Null);
    assert_eq!(e2["open_ids"], serde_json::json!(["F", "G"]));
}

fn scratch(name: &str, log: &str, workflow: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("valuestream-parents-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("log.csv"), log).unwrap();
    std::fs::write(dir.join("wf.toml"), workflow).unwrap();
    dir
}

fn run(command: &str, dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .arg(command)
        .arg(dir.join("log.csv"))
        .arg("--workflow")
        .arg(dir.join("wf.toml"))
        .args(extra)
        .output()
        .unwrap()
}

#[track_caller]
fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn command_line_text_json_csv() {
    let dir = scratch("cli", HAND, WORKFLOW);
    let out = stdout(&run("report", &dir, &["--parent", "epic"]));
    assert!(
        out.contains("Parents by epic: 3 parents, 2 open with 3 open children"),
        "{out}"
    );
    let row = |name: &str| -> Vec<String> {
        out.lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {out}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    // parent, children, done, open, first start, last done, lead days, cycle days.
    assert_eq!(
        row("E1"),
        [
            "E1",
            "3",
            "2",
            "0",
            "2024-03-02",
            "2024-03-08",
            "7.0",
            "6.0"
        ]
    );
    assert_eq!(
        row("E2"),
        ["E2", "3", "1", "2", "2024-03-03", "-", "-", "-"]
    );
    assert!(
        out.contains("2 items have no epic: they belong to no parent."),
        "{out}"
    );

    let v: serde_json::Value = serde_json::from_str(&stdout(&run(
        "report",
        &dir,
        &["--parent", "epic", "--json"],
    )))
    .unwrap();
    assert_eq!(v["parents"][0]["open_ids"], serde_json::json!(["F", "G"]));
    assert_eq!(v["parents"][2]["cycle_time_days"], 6.0);
    assert!(v.get("workflow").is_none(), "the workflow was given");

    let csv_dir = dir.join("csv");
    let csv_arg = csv_dir.to_str().unwrap();
    stdout(&run(
        "report",
        &dir,
        &["--parent", "epic", "--csv-dir", csv_arg],
    ));
    let csv = std::fs::read_to_string(csv_dir.join("parents.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "epic,children,done,in_progress,not_started,discarded,open,first_arrival,first_start,last_done,lead_time_days,cycle_time_days,open_ids",
            "E2,3,1,1,1,0,2,2024-03-01T00:00:00Z,2024-03-03T00:00:00Z,,,,F G",
            "E3,1,0,1,0,0,1,2024-03-01T00:00:00Z,2024-03-01T00:00:00Z,,,,J",
            "E1,3,2,0,0,1,0,2024-03-01T00:00:00Z,2024-03-02T00:00:00Z,2024-03-08T00:00:00Z,7,6,",
        ]
    );

    let bad = run("report", &dir, &["--parent", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr).into_owned();
    assert!(err.contains("\"nope\""), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// One parent in a log with a history, `data/epics/history.csv` (the README's example):
/// forty items of E0 done one after another, each a
/// day in Ready and five in Dev (item k from day 6k to 6k + 6, in 2024); then, at the end
/// (day 242), E2's children X in Dev since day 240 and Y in Ready since day 241 (both in
/// progress), Z in the backlog since day 241 (not started), and E1's W in Dev since day
/// 241. The rest of E2 is X, Y and Z (`report --parent`); the item-by-item forecast of
/// `--where epic=E2 --open` dates exactly its children in progress, X and Y, and all of
/// them together; `--items 3` answers for the three from the team's throughput.
#[test]
fn the_rest_of_an_epic() {
    let csv = include_str!("../data/epics/history.csv");
    let wf = include_str!("../data/epics/history.toml");
    let dir = scratch("rest", csv, wf);

    let v: serde_json::Value = serde_json::from_str(&stdout(&run(
        "report",
        &dir,
        &["--parent", "epic", "--json"],
    )))
    .unwrap();
    assert_eq!(v["parents"][0]["value"], "E2");
    assert_eq!(v["parents"][0]["open"], 3);
    assert_eq!(
        v["parents"][0]["open_ids"],
        serde_json::json!(["X", "Y", "Z"])
    );

    let open = [
        "--open",
        "--where",
        "epic=E2",
        "--calendar",
        "none",
        "--one-class",
        "--json",
    ];
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&run("forecast", &dir, &open))).unwrap();
    let ids: Vec<&str> = v["open_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["X", "Y"]);
    assert_eq!(v["all_items"], 2);
    assert!(v["all_done_by"]["0.85"].is_string(), "{v}");

    // --items 3: when will 3 more items be done, from the 90 last days of throughput:
    // 15 items done in them, at most one a day, so never sooner than 3 days.
    let v: serde_json::Value = serde_json::from_str(&stdout(&run(
        "forecast",
        &dir,
        &["--items", "3", "--method", "days", "--json"],
    )))
    .unwrap();
    assert_eq!(v["question"]["when"]["items"], 3, "{v}");
    assert_eq!(v["history"]["items_done"], 15);
    for a in v["answers"].as_array().unwrap() {
        assert!(a["days"].as_u64().unwrap() >= 3, "{a}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
