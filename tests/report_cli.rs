//! `valuestream report` end to end: text, JSON, CSV, filters and bad input.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LOG: &str = "\
key,status,changed,type
A-1,To Do,2024-03-01T09:00:00Z,Story
A-1,In Progress,2024-03-04T09:00:00Z,Story
A-1,Ready for Test,2024-03-05T09:00:00Z,Story
A-1,Testing,2024-03-08T09:00:00Z,Story
A-1,Done,2024-03-09T09:00:00Z,Story
A-2,To Do,2024-03-02T09:00:00Z,Bug
A-2,In Progress,2024-03-06T09:00:00Z,Bug
A-2,Done,2024-03-07T09:00:00Z,Bug
A-3,To Do,2024-03-02T09:00:00Z,Bug
A-3,In Progress,2024-03-07T09:00:00Z,Bug
";

const WORKFLOW: &str = r#"
[[stage]]
name = "Backlog"
kind = "backlog"
states = ["To Do"]

[[stage]]
name = "Dev"
kind = "active"
states = ["In Progress"]

[[stage]]
name = "Ready for Test"
kind = "wait"

[[stage]]
name = "Test"
kind = "active"
states = ["Testing"]
servers = 1

[[stage]]
name = "Done"
kind = "done"
"#;

/// A scratch directory for one test, with the log and the workflow written in it.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "valuestream-report-cli-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("log.csv"), LOG).unwrap();
    std::fs::write(dir.join("wf.toml"), WORKFLOW).unwrap();
    dir
}

fn run(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .arg("report")
        .arg(dir.join("log.csv"))
        .arg("--workflow")
        .arg(dir.join("wf.toml"))
        .args(["--id", "key", "--state", "status", "--time", "changed"])
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
fn text_report() {
    let dir = scratch("text");
    let o = run(&dir, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for want in [
        "Items 3: 2 done, 1 in progress, 0 not started, 0 discarded",
        "Stages",
        "Ready for Test",
        "Bottleneck: ",
        "Aging work in progress: 1 item\n",
        "Data quality of",
    ] {
        assert!(out.contains(want), "{want:?} not in\n{out}");
    }
}

#[test]
fn json_report_with_filters() {
    let dir = scratch("json");
    let o = run(&dir, &["--json", "--where", "type=Bug"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["items"]["total"], 2);
    assert_eq!(v["items"]["done"], 1);
    // A-2: committed 6 March 09:00, done 7 March 09:00.
    assert_eq!(v["cycle_time_days"]["mean"], 1.0);
    assert_eq!(v["stages"][3]["servers"], 1);

    // until before A-1 is done.
    let o = run(&dir, &["--json", "--until", "2024-03-08T00:00:00Z"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["items"]["done"], 1);
    assert_eq!(v["items"]["in_progress"], 2);
    // since after A-2 is done: it is left out.
    let o = run(&dir, &["--json", "--since", "2024-03-08"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["items"]["total"], 2);
}

#[test]
fn csv_dir() {
    let dir = scratch("csv");
    let out = dir.join("out");
    let o = run(&dir, &["--csv-dir", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let items = std::fs::read_to_string(out.join("items.csv")).unwrap();
    let mut lines = items.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("ID,Link,Name,Backlog,Dev,Ready for Test,Test,Done,Status,")
    );
    assert!(lines.next().unwrap().starts_with(
        "A-1,,,2024-03-01T09:00:00Z,2024-03-04T09:00:00Z,2024-03-05T09:00:00Z,2024-03-08T09:00:00Z,2024-03-09T09:00:00Z,done,8,5,"
    ));
    let daily = std::fs::read_to_string(out.join("daily.csv")).unwrap();
    // 1 to 9 March.
    assert_eq!(daily.lines().count(), 1 + 9);
    assert!(daily.starts_with("date,arrivals,commitments,departures,"));
    let weekly = std::fs::read_to_string(out.join("weekly.csv")).unwrap();
    // Weeks of Monday 26 February and Monday 4 March.
    assert_eq!(weekly.lines().count(), 1 + 2);
    let stages = std::fs::read_to_string(out.join("stages.csv")).unwrap();
    assert_eq!(stages.lines().count(), 1 + 5);
}

#[test]
fn bad_input_exits_with_2() {
    let dir = scratch("bad");
    for args in [
        &["--where", "type"][..],
        &["--where", "team=red"][..],
        &["--since", "2024-03-09", "--until", "2024-03-01"][..],
        &["--since", "yesterday"][..],
        &["--json", "--csv-dir", "x"][..],
    ] {
        let o = run(&dir, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
}

/// `--threads` changes how a large file is read, never what is reported: a log of more
/// than 4 MB (read in chunks on several threads) gives the same JSON on one thread and on
/// three, and so does an error in its last row; `--threads 0` is refused.
#[test]
fn threads_change_nothing_in_the_output() {
    use std::fmt::Write as _;
    let dir = scratch("threads");
    let mut log = String::from("key,status,changed,type\n");
    let states = ["To Do", "In Progress", "Ready for Test", "Testing", "Done"];
    let mut n = 0u64;
    while log.len() < (5 << 20) {
        // Each item takes some of the stages, an hour to a few days apart.
        let k = 1 + (n * 7 + 3) % 5;
        for (j, s) in states.iter().take(k as usize).enumerate() {
            let t = 1_700_000_000 + n * 600 + j as u64 * (3600 + (n * 13 % 5) * 86_400);
            let ty = if n % 3 == 0 { "Bug" } else { "Story" };
            writeln!(log, "B-{n},{s},{t},{ty}").unwrap();
        }
        n += 1;
    }
    std::fs::write(dir.join("log.csv"), &log).unwrap();
    let one = run(&dir, &["--json", "--threads", "1"]);
    let three = run(&dir, &["--json", "--threads", "3"]);
    assert!(one.status.success(), "{}", stderr(&one));
    let v: serde_json::Value = serde_json::from_str(&stdout(&one)).unwrap();
    assert_eq!(v["items"]["total"], n, "{}", v["items"]);
    assert_eq!(stdout(&one), stdout(&three));

    log.push_str("B-x,Done,not a time,Bug\n");
    std::fs::write(dir.join("log.csv"), &log).unwrap();
    let lines = log.lines().count();
    let one = run(&dir, &["--threads", "1"]);
    let three = run(&dir, &["--threads", "3"]);
    assert_eq!(one.status.code(), Some(2));
    assert!(
        stderr(&one).contains(&format!("line {lines},")),
        "{}",
        stderr(&one)
    );
    assert_eq!(stderr(&one), stderr(&three));

    let zero = run(&dir, &["--threads", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(stderr(&zero).contains("--threads"), "{}", stderr(&zero));
}

/// `--svg DIR` draws the two charts beside the usual output.
#[test]
fn svg_dir() {
    let dir = scratch("svg");
    let out = dir.join("charts");
    let o = run(&dir, &["--json", "--svg", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(serde_json::from_str::<serde_json::Value>(&stdout(&o)).is_ok());
    for name in ["cfd.svg", "cycle_time.svg"] {
        let svg = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(
            svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"),
            "{name}"
        );
        assert!(stderr(&o).contains(name), "{}", stderr(&o));
    }
    let cfd = std::fs::read_to_string(out.join("cfd.svg")).unwrap();
    assert_eq!(
        cfd.matches("<polygon class=\"band\"").count(),
        5,
        "one per stage"
    );
    let ct = std::fs::read_to_string(out.join("cycle_time.svg")).unwrap();
    assert_eq!(
        ct.matches("<circle class=\"item\"").count(),
        2,
        "A-1 and A-2 are done"
    );
}

/// `--html FILE` writes one page: the summary, every chart in its section, the forecast.
#[test]
fn html_page() {
    let dir = scratch("html");
    let page = dir.join("report.html");
    let o = run(&dir, &["--html", page.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    // Cumulative flow, WIP, throughput, the scatterplot, the histogram, aging WIP, time
    // per stage and the forecast.
    for chart in [
        "cfd",
        "wip",
        "throughput",
        "cycle-time",
        "histogram",
        "aging",
        "stage-time",
        "forecast",
    ] {
        assert!(
            html.contains(&format!("<figure class=\"{chart}\">\n<svg ")),
            "{chart}"
        );
    }
    assert_eq!(html.matches("<svg ").count(), 8);
    assert!(html.contains("at least "), "{html}");
    // This log is too short to check the forecast on.
    assert!(html.contains("<p class=\"calibration\">Not checked on this log&apos;s past"));
    // The summary's figures are those the text report prints: 2 done, 1 in progress.
    assert!(html.contains("2 items were done"), "{html}");
    assert!(html.contains("1 item was in progress at the end"), "{html}");
    assert!(
        stdout(&o).contains("2 done, 1 in progress"),
        "{}",
        stdout(&o)
    );
    assert!(html.contains("Flow report of"));
}

/// `--log-scale` draws the scatterplot's days on a log axis, in the page and in `--svg`.
#[test]
fn log_scale() {
    let dir = scratch("log-scale");
    let page = dir.join("report.html");
    let svg = dir.join("svg");
    let o = run(
        &dir,
        &[
            "--html",
            page.to_str().unwrap(),
            "--svg",
            svg.to_str().unwrap(),
            "--log-scale",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    let scatter = std::fs::read_to_string(svg.join("cycle_time.svg")).unwrap();
    for text in [&html, &scatter] {
        assert!(text.contains("cycle time (days, log scale)"));
    }
    let o = run(&dir, &["--html", page.to_str().unwrap()]);
    assert!(o.status.success());
    let linear = std::fs::read_to_string(&page).unwrap();
    assert!(!linear.contains("log scale"));
}
