//! `report --by ATTR` (issue 14): the headline figures per value of an item attribute,
//! plus the whole. Each group's figures must be those of the report of the same items
//! (`--where ATTR=VALUE`), on a hand-computed log, a generated one and a real one.

mod real;

use chrono::{TimeZone, Utc};
use valuestream::{
    GroupRow, GroupedReport, LogReader, MetricsOptions, Report, Stage, StageKind, Timelines,
    Workflow,
};

/// Backlog, Dev (active), Ready (wait), Test (active), Done; commitment at Dev.
///
/// red: A (lead 5, cycle 4, active 1 + 1) and B (lead 4, cycle 4, active 2 + 2), both done;
/// blue: C done (lead 3, cycle 1, active 1) and D in progress since 03-06;
/// no team: E done (lead 7, cycle 5, active 5) and F not started.
/// The window is 03-01 to 03-08: 7 days.
const HAND: &str = "\
id,state,timestamp,team
A,To Do,2024-03-01,red
A,Dev,2024-03-02,red
A,Ready,2024-03-03,red
A,Test,2024-03-05,red
A,Done,2024-03-06,red
B,Dev,2024-03-03,red
B,Test,2024-03-05,red
B,Done,2024-03-07,red
C,To Do,2024-03-02,blue
C,Dev,2024-03-04,blue
C,Done,2024-03-05,blue
D,Dev,2024-03-06,blue
E,To Do,2024-03-01,
E,Dev,2024-03-03,
E,Done,2024-03-08,
F,To Do,2024-03-04,
";

fn workflow() -> Workflow {
    let mut backlog = Stage::new("Backlog", StageKind::Backlog);
    backlog.states = vec!["To Do".to_owned()];
    Workflow::new(
        vec![
            backlog,
            Stage::new("Dev", StageKind::Active),
            Stage::new("Ready", StageKind::Wait),
            Stage::new("Test", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap()
}

fn timelines(csv: &str) -> Timelines {
    let log = LogReader::builder()
        .attribute("team")
        .build()
        .read(csv.as_bytes())
        .unwrap();
    Timelines::new(&log, &workflow()).unwrap()
}

#[track_caller]
fn close(got: Option<f64>, want: f64) {
    let got = got.unwrap_or(f64::NAN);
    assert!((got - want).abs() < 1e-12, "got {got}, want {want}");
}

/// Whether `row` holds exactly the figures of `report` (the same items over the same
/// window).
#[track_caller]
fn same_figures(row: &GroupRow, report: &Report) {
    let name = row.name();
    assert_eq!(row.items, report.items, "{name}: items");
    assert_eq!(
        row.lead_time_days, report.lead_time_days,
        "{name}: lead time"
    );
    assert_eq!(
        row.cycle_time_days, report.cycle_time_days,
        "{name}: cycle time"
    );
    assert_eq!(row.throughput, report.throughput, "{name}: throughput");
    assert_eq!(row.wip, report.wip, "{name}: wip");
    assert_eq!(
        row.flow_efficiency, report.flow_efficiency,
        "{name}: flow eff."
    );
    assert_eq!(
        row.bottleneck, report.bottleneck.stage,
        "{name}: bottleneck"
    );
}

/// Every group with a value against the report of `--where ATTR=VALUE` (with `opts`'s
/// window), the whole against the report of every item; the groups' counts add up to the
/// whole's. Returns the number of groups checked.
fn check_against_where(tl: &Timelines, opts: &MetricsOptions, attr: &str) -> usize {
    let by = GroupedReport::new(tl, opts, attr).unwrap();
    let whole = Report::new(tl, opts).unwrap();
    same_figures(&by.whole, &whole);
    assert_eq!(by.window_check, whole.window_check);
    assert_eq!(by.window, whole.window);
    for g in &by.groups {
        if let Some(v) = &g.value {
            let report = Report::new(tl, &opts.clone().attribute(attr, v)).unwrap();
            same_figures(g, &report);
        }
    }
    adds_up(&by);
    by.groups.len()
}

/// The groups' item counts, done, in progress and current WIP add up to the whole's.
#[track_caller]
fn adds_up(by: &GroupedReport) {
    let sum = |f: fn(&GroupRow) -> u64| by.groups.iter().map(f).sum::<u64>();
    assert_eq!(sum(|g| g.items.total), by.whole.items.total);
    assert_eq!(sum(|g| g.items.done), by.whole.items.done);
    assert_eq!(sum(|g| g.items.in_progress), by.whole.items.in_progress);
    assert_eq!(sum(|g| g.items.not_started), by.whole.items.not_started);
    assert_eq!(sum(|g| g.items.discarded), by.whole.items.discarded);
    assert_eq!(sum(|g| g.wip.current), by.whole.wip.current);
    let mut names: Vec<&str> = by.groups.iter().map(GroupRow::name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), by.groups.len(), "a group appears twice");
}

#[test]
fn hand_log_figures() {
    let tl = timelines(HAND);
    let by = GroupedReport::new(&tl, &MetricsOptions::new(), "team").unwrap();
    assert_eq!(by.attribute, "team");
    close(Some(by.window.days), 7.0);
    // Most done first, then by name: "(none)" sorts before "blue".
    let names: Vec<&str> = by.groups.iter().map(GroupRow::name).collect();
    assert_eq!(names, ["red", "(none)", "blue"]);

    let red = by.group(Some("red")).unwrap();
    assert_eq!(
        (red.items.total, red.items.done, red.items.in_progress),
        (2, 2, 0)
    );
    close(red.lead_time_days.p50, 4.5);
    close(red.lead_time_days.p85, 4.85);
    close(red.cycle_time_days.p50, 4.0);
    close(red.cycle_time_days.p95, 4.0);
    close(red.throughput.per_week, 2.0);
    close(red.wip.mean, 8.0 / 7.0);
    close(red.flow_efficiency, 0.75);

    let blue = by.group(Some("blue")).unwrap();
    assert_eq!(
        (blue.items.total, blue.items.done, blue.items.in_progress),
        (2, 1, 1)
    );
    close(blue.lead_time_days.p85, 3.0);
    close(blue.cycle_time_days.p50, 1.0);
    close(blue.throughput.per_week, 1.0);
    // C committed 1 day, D from 03-06 to 03-08.
    close(blue.wip.mean, 3.0 / 7.0);
    assert_eq!(blue.wip.current, 1);
    close(blue.flow_efficiency, 1.0);

    // The items without a team are a group, not dropped.
    let none = by.group(None).unwrap();
    assert_eq!(none.value, None);
    assert_eq!(
        (none.items.total, none.items.done, none.items.not_started),
        (2, 1, 1)
    );
    close(none.lead_time_days.p50, 7.0);
    close(none.cycle_time_days.p50, 5.0);
    close(none.wip.mean, 5.0 / 7.0);

    // The whole: lead [3, 4, 5, 7], cycle [1, 4, 4, 5] (type-7 percentiles).
    let w = &by.whole;
    assert_eq!(w.value, None);
    assert_eq!(
        (w.items.total, w.items.done, w.items.in_progress),
        (6, 4, 1)
    );
    close(w.lead_time_days.p50, 4.5);
    close(w.lead_time_days.p85, 6.1);
    close(w.cycle_time_days.p50, 4.0);
    close(w.cycle_time_days.p85, 4.55);
    close(w.cycle_time_days.p95, 4.85);
    close(w.throughput.per_week, 4.0);
    close(w.wip.mean, 16.0 / 7.0);
    close(w.flow_efficiency, 12.0 / 14.0);
    adds_up(&by);
}

#[test]
fn hand_log_groups_are_the_where_reports() {
    let tl = timelines(HAND);
    assert_eq!(check_against_where(&tl, &MetricsOptions::new(), "team"), 3);
    // Within a window: since 03-05 12:00 leaves out C (done 03-05), until 03-07 makes E
    // in progress.
    let opts = MetricsOptions::new()
        .since(Utc.with_ymd_and_hms(2024, 3, 5, 12, 0, 0).unwrap())
        .until(Utc.with_ymd_and_hms(2024, 3, 7, 0, 0, 0).unwrap());
    check_against_where(&tl, &opts, "team");
    // With a filter: the groups split the items it keeps.
    let opts = MetricsOptions::new().attribute("team", "red");
    let by = GroupedReport::new(&tl, &opts, "team").unwrap();
    assert_eq!(by.groups.len(), 1);
    same_figures(&by.whole, &Report::new(&tl, &opts).unwrap());
}

/// Degenerate cases give a table, never a panic, `NaN` or infinity: a window of one
/// instant, a window that holds no item, an attribute no item has, one item.
#[test]
fn degenerate_logs() {
    let tl = timelines(HAND);
    let t = Utc.with_ymd_and_hms(2024, 3, 4, 0, 0, 0).unwrap();
    let cases = [
        (tl, MetricsOptions::new().since(t).until(t)),
        (
            timelines("id,state,timestamp,team\nA,Dev,2024-03-01,\nB,To Do,2024-03-02,\n"),
            MetricsOptions::new(),
        ),
        (
            timelines("id,state,timestamp,team\nA,Dev,2024-03-01,red\nA,Done,2024-03-01,red\n"),
            MetricsOptions::new(),
        ),
        (
            timelines(HAND),
            MetricsOptions::new().until(Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap()),
        ),
    ];
    for (i, (tl, opts)) in cases.iter().enumerate() {
        let Ok(by) = GroupedReport::new(tl, opts, "team") else {
            // A window outside the observation is the report's error too.
            assert!(Report::new(tl, opts).is_err(), "case {i}");
            continue;
        };
        adds_up(&by);
        let json = serde_json::to_string(&by).unwrap();
        assert!(
            !json.contains("NaN") && !json.contains("inf"),
            "case {i}: {json}"
        );
        let text = by.to_string();
        assert!(text.contains("(all)"), "case {i}: {text}");
        let mut csv = Vec::new();
        valuestream::write_groups_csv(&by, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            !csv.contains("NaN") && !csv.contains("inf"),
            "case {i}: {csv}"
        );
        assert_eq!(csv.lines().count(), 2 + by.groups.len(), "case {i}: {csv}");
    }
    // Every value empty: one group, the items without a team.
    let by = GroupedReport::new(&cases[1].0, &MetricsOptions::new(), "team").unwrap();
    assert_eq!(by.groups.len(), 1);
    assert_eq!(by.groups[0].name(), "(none)");
}

#[test]
fn unknown_attribute_names_those_kept() {
    let tl = timelines(HAND);
    let err = GroupedReport::new(&tl, &MetricsOptions::new(), "project").unwrap_err();
    assert!(err.is_input());
    let e = err.to_string();
    assert!(e.contains("\"project\""), "{e}");
    assert!(e.contains("to group by"), "{e}");
    assert!(e.contains("\"team\""), "{e}");
}

#[test]
fn json_keys() {
    let tl = timelines(HAND);
    let by = GroupedReport::new(&tl, &MetricsOptions::new(), "team").unwrap();
    let v = serde_json::to_value(&by).unwrap();
    assert_eq!(v["attribute"], "team");
    assert_eq!(v["groups"].as_array().unwrap().len(), 3);
    let g = &v["groups"][0];
    assert_eq!(g["value"], "red");
    for key in [
        "items",
        "lead_time_days",
        "cycle_time_days",
        "throughput",
        "wip",
        "flow_efficiency",
        "bottleneck",
    ] {
        assert!(g.get(key).is_some(), "no {key} in {g}");
    }
    assert_eq!(g["items"]["done"], 2);
    assert_eq!(g["cycle_time_days"]["p95"], 4.0);
    assert_eq!(v["groups"][1]["value"], serde_json::Value::Null);
    assert_eq!(v["whole"]["items"]["total"], 6);
    assert!(v["window"]["days"].is_number());
    assert!(v["window_check"]["steady"].is_boolean());
}

#[test]
fn text_table() {
    let tl = timelines(HAND);
    let by = GroupedReport::new(&tl, &MetricsOptions::new(), "team").unwrap();
    let text = by.to_string();
    assert!(
        text.contains("Flow report by team: 3 groups of 6 items"),
        "{text}"
    );
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("  ")).collect();
    let first = |name: &str| {
        rows.iter()
            .position(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no row {name} in\n{text}"))
    };
    assert!(first("red") < first("(none)") && first("(none)") < first("blue"));
    assert!(first("blue") < first("(all)"));
    assert!(!text.contains("more group"), "{text}");
}

/// A log of `n` items drawn with a fixed generator: five teams and some items without
/// one, rework, items open at the end, items never started.
fn generated(n: u32) -> String {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let mut csv = String::from("id,state,timestamp,team\n");
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    for i in 0..n {
        let team = ["red", "blue", "green", "gold", "grey", ""][next(6) as usize];
        let mut t = start + chrono::Duration::hours(i64::from(i) * 7);
        let mut path = vec!["To Do", "Dev", "Ready", "Test"];
        if next(4) == 0 {
            path.extend(["Dev", "Ready", "Test"]);
        }
        path.push("Done");
        let steps = 1 + next(path.len() as u64 + 1) as usize;
        for s in path.iter().take(steps.min(path.len())) {
            csv.push_str(&format!("G-{i},{s},{},{team}\n", t.to_rfc3339()));
            t += chrono::Duration::minutes(30 + next(60 * 24 * 6) as i64);
        }
    }
    csv
}

#[test]
fn generated_log_groups_are_the_where_reports() {
    let tl = timelines(&generated(600));
    assert_eq!(check_against_where(&tl, &MetricsOptions::new(), "team"), 6);
    let opts = MetricsOptions::new()
        .since(Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap())
        .until(Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap());
    assert_eq!(check_against_where(&tl, &opts, "team"), 6);
}

/// BPIC 2013 incidents by `impact` and by `org:group` (477 groups): each group is its
/// `--where` report, and the counts add up to the whole.
#[test]
fn bpic2013_groups_are_the_where_reports() {
    let Some(path) = real::shared("bpic2013_incidents.csv") else {
        return;
    };
    let log = LogReader::builder()
        .id_column("case:concept:name")
        .state_column("lifecycle:transition")
        .time_column("time:timestamp")
        .attribute("impact")
        .attribute("org:group")
        .build()
        .read_path(&path)
        .unwrap();
    let wf = Workflow::from_path(real::root().join("data/workflows/bpic2013.toml")).unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    assert_eq!(
        check_against_where(&tl, &MetricsOptions::new(), "impact"),
        4
    );
    let by = GroupedReport::new(&tl, &MetricsOptions::new(), "org:group").unwrap();
    assert_eq!(by.whole.items.total, 7554);
    assert!(by.groups.len() > 400, "{} groups", by.groups.len());
    adds_up(&by);
    // Every group against its --where report (half a second for the 477).
    for g in &by.groups {
        let v = g.value.as_deref().unwrap();
        let opts = MetricsOptions::new().attribute("org:group", v);
        same_figures(g, &Report::new(&tl, &opts).unwrap());
    }
}

#[cfg(feature = "cli")]
mod cli {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    const WORKFLOW: &str = r#"
[[stage]]
name = "Backlog"
kind = "backlog"
states = ["To Do"]

[[stage]]
name = "Dev"
kind = "active"

[[stage]]
name = "Ready"
kind = "wait"

[[stage]]
name = "Test"
kind = "active"

[[stage]]
name = "Done"
kind = "done"
"#;

    fn scratch(name: &str, log: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "valuestream-report-by-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("log.csv"), log).unwrap();
        std::fs::write(dir.join("wf.toml"), WORKFLOW).unwrap();
        dir
    }

    fn run(dir: &Path, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_valuestream"))
            .arg("report")
            .arg(dir.join("log.csv"))
            .arg("--workflow")
            .arg(dir.join("wf.toml"))
            .args(extra)
            .output()
            .unwrap()
    }

    fn stdout(o: &Output) -> String {
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn stderr(o: &Output) -> String {
        String::from_utf8_lossy(&o.stderr).into_owned()
    }

    #[test]
    fn text() {
        let dir = scratch("text", super::HAND);
        let o = run(&dir, &["--by", "team"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(
            out.contains("Flow report by team: 3 groups of 6 items"),
            "{out}"
        );
        let red = out
            .lines()
            .find(|l| l.trim_start().starts_with("red"))
            .unwrap();
        // items, done, in progress, lead p50, lead p85, cycle p50, p85, p95, per week,
        // WIP, flow efficiency.
        let cells: Vec<&str> = red.split_whitespace().collect();
        assert_eq!(
            &cells[1..12],
            [
                "2", "2", "0", "4.5", "4.8", "4.0", "4.0", "4.0", "2.0", "1.1", "75%"
            ],
            "{red}"
        );
        assert!(
            out.lines().any(|l| l.trim_start().starts_with("(none)")),
            "{out}"
        );
        assert!(
            out.lines().any(|l| l.trim_start().starts_with("(all)")),
            "{out}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn json_within_a_filter_and_a_window() {
        let dir = scratch("json", super::HAND);
        let o = run(
            &dir,
            &[
                "--by",
                "team",
                "--json",
                "--where",
                "team=blue",
                "--until",
                "2024-03-07",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["attribute"], "team");
        assert_eq!(v["groups"].as_array().unwrap().len(), 1);
        assert_eq!(v["groups"][0]["value"], "blue");
        assert_eq!(v["whole"]["items"]["total"], 2);
        assert_eq!(v["window"]["days"], 6.0);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn csv_dir_writes_groups_csv() {
        let dir = scratch("csv", super::HAND);
        let out = dir.join("out");
        let o = run(&dir, &["--by", "team", "--csv-dir", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let csv = std::fs::read_to_string(out.join("groups.csv")).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].starts_with("team,items,done,in_progress,"),
            "{csv}"
        );
        assert_eq!(lines.len(), 1 + 3 + 1, "{csv}");
        // Rounded as the other CSVs: WIP 8/7 to 4 places, lead p85 to 3.
        assert!(
            lines[1].starts_with("red,2,2,0,0,0,4.5,4.85,4,4,4,2,1.1429,0,0.75,"),
            "{csv}"
        );
        assert!(lines[2].starts_with("(none),"), "{csv}");
        assert!(lines[4].starts_with("(all),6,4,1,1,0,"), "{csv}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unknown_attribute_is_bad_input() {
        // A column the file does not have.
        let dir = scratch("unknown", super::HAND);
        let o = run(&dir, &["--by", "project"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("project"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_workflow_not_given_is_printed() {
        let dir = scratch("guessed", super::HAND);
        let by_team = |extra: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_valuestream"))
                .arg("report")
                .arg(dir.join("log.csv"))
                .args(["--by", "team"])
                .args(extra)
                .output()
                .unwrap()
        };
        let o = by_team(&[]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("Flow report by team"), "{out}");
        assert!(out.contains("Workflow used"), "{out}");
        let o = by_team(&["--json"]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert!(v["workflow"]["toml"].is_string(), "{v}");
        assert_eq!(v["attribute"], "team");
        // Given, it is not printed.
        let o = run(&dir, &["--by", "team", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert!(v.get("workflow").is_none(), "{v}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn many_groups_are_cut_in_the_text_only() {
        let mut log = String::from("id,state,timestamp,team\n");
        for i in 0..35 {
            log.push_str(&format!("I-{i},Dev,2024-03-01,t{i:02}\n"));
            log.push_str(&format!("I-{i},Done,2024-03-02,t{i:02}\n"));
        }
        let dir = scratch("many", &log);
        let o = run(&dir, &["--by", "team"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(
            out.contains("… and 5 more groups (all are in --json and --csv-dir)"),
            "{out}"
        );
        assert!(out.contains("t29") && !out.contains("t30"), "{out}");
        let o = run(&dir, &["--by", "team", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["groups"].as_array().unwrap().len(), 35);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
