//! The command line: bad input gets exit code 2 and one clear sentence naming file, line,
//! column and value; `check --json` prints the ledger.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_valuestream"))
}

fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

const WORKFLOW: &str = r#"
[[stage]]
name = "Dev"
kind = "active"
[[stage]]
name = "Test"
kind = "active"
[[stage]]
name = "Done"
kind = "done"
"#;

fn check(file: &Path, extra: &[&str]) -> Output {
    let name = file
        .file_name()
        .map_or("wf".into(), |n| n.to_string_lossy().into_owned());
    let wf = scratch(&format!("{name}.wf.toml"), WORKFLOW.as_bytes());
    bin()
        .arg("check")
        .arg(file)
        .arg("--workflow")
        .arg(wf)
        .args(extra)
        .output()
        .unwrap()
}

/// Exit code 2, nothing on stdout, one error line on stderr (besides notes on how the file
/// was read) containing every `needle`.
fn assert_bad_input(out: &Output, needles: &[&str]) {
    let all = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {all}");
    assert!(out.stdout.is_empty());
    assert!(!all.contains("panicked"), "{all}");
    let errors: Vec<&str> = all
        .lines()
        .filter(|l| !l.starts_with("valuestream: note: "))
        .collect();
    assert_eq!(errors.len(), 1, "one sentence: {all}");
    let err = errors[0];
    assert!(err.starts_with("valuestream: error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err}");
    }
}

#[test]
fn a_good_file_prints_the_ledger() {
    let f = scratch("good.csv", b"id,state,timestamp\nA,Dev,2024-01-01\nA,Test,2024-01-02\nA,Done,2024-01-03\nB,Dev,2024-01-02\n");
    let out = check(&f, &["--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let q = &v["data_quality"];
    assert_eq!(q["rows"], 4);
    assert_eq!(q["events"], 4);
    assert_eq!(q["items"], 2);
    assert_eq!(q["rejected"].as_array().unwrap().len(), 0);
    assert!(q["warnings"].is_array());
    let text = check(&f, &[]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("rows read") && text.contains("No warnings."),
        "{text}"
    );
}

#[test]
fn a_bad_timestamp_names_line_column_and_value() {
    let f = scratch(
        "bad_time.csv",
        b"id,state,timestamp\nA,Dev,2024-01-01\nA,Done,2024-13-45\n",
    );
    let out = check(&f, &[]);
    assert_bad_input(
        &out,
        &[
            "bad_time.csv",
            "line 3",
            "column \"timestamp\"",
            "\"2024-13-45\"",
            "month",
        ],
    );
}

#[test]
fn a_missing_column_lists_the_header() {
    let f = scratch("missing.csv", b"key,state,timestamp\nA,Dev,2024-01-01\n");
    let out = check(&f, &["--format", "long"]);
    assert_bad_input(
        &out,
        &["missing.csv", "line 1", "no column named \"id\"", "\"key\""],
    );
    // Without --format, a header that no format explains gets the list of formats.
    let out = check(&f, &[]);
    assert_bad_input(
        &out,
        &[
            "missing.csv",
            "line 1",
            "cannot tell the format",
            "valuestream formats",
            "--format long --id COL",
        ],
    );
    let out = check(&f, &["--id", "key", "--time", "when"]);
    assert_bad_input(&out, &["no column named \"when\""]);
}

#[test]
fn an_unmapped_status_names_it_with_count_and_first_line() {
    let f = scratch(
        "unmapped.csv",
        b"id,state,timestamp\nA,Dev,2024-01-01\nA,Blocked,2024-01-02\nB,Blocked,2024-01-03\n",
    );
    let out = check(&f, &[]);
    assert_bad_input(
        &out,
        &[
            "unmapped.csv",
            "column \"state\"",
            "\"Blocked\" (2 events, first on line 3)",
        ],
    );
    let out = check(&f, &["--drop-unmapped", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["data_quality"]["dropped"][0]["state"], "Blocked");
    assert_eq!(v["data_quality"]["dropped"][0]["count"], 2);
}

#[test]
fn an_empty_file_is_bad_input() {
    let f = scratch("empty.csv", b"");
    assert_bad_input(&check(&f, &[]), &["empty.csv", "line 1", "empty"]);
    let f = scratch("header_only.csv", b"id,state,timestamp\n");
    assert_bad_input(
        &check(&f, &[]),
        &["header_only.csv", "line 2", "no data rows"],
    );
}

#[test]
fn random_bytes_are_bad_input_not_a_panic() {
    // A fixed pseudo-random byte string (xorshift), the same on every run.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let f = scratch("random.bin", &bytes);
    let out = check(&f, &["--format", "long"]);
    assert_bad_input(&out, &["random.bin", "line 1", "column"]);
    // Recognising the format of random bytes fails just as cleanly.
    let out = check(&f, &[]);
    assert_bad_input(&out, &["random.bin"]);
}

#[test]
fn a_short_row_names_the_missing_column() {
    let f = scratch(
        "short.csv",
        b"id,state,timestamp\nA,Dev,2024-01-01\nB,Dev\n",
    );
    let out = check(&f, &[]);
    assert_bad_input(
        &out,
        &[
            "short.csv",
            "line 3",
            "column \"timestamp\"",
            "2 fields",
            "header has 3",
        ],
    );
    // With --skip-bad-rows the row is listed instead.
    let out = check(&f, &["--skip-bad-rows", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["data_quality"]["rejected"][0]["line"], 3);
    assert_eq!(v["data_quality"]["rows"], 2);
}

#[test]
fn a_missing_file_and_a_bad_workflow_are_bad_input() {
    let out = check(Path::new("does/not/exist.csv"), &[]);
    assert_bad_input(&out, &["does/not/exist.csv"]);
    let f = scratch("ok.csv", b"id,state,timestamp\nA,Dev,2024-01-01\n");
    let wf = scratch(
        "bad_wf.toml",
        b"[[stage]]\nname = \"Dev\"\nkind = \"working\"\n",
    );
    let out = bin()
        .arg("check")
        .arg(&f)
        .arg("--workflow")
        .arg(&wf)
        .output()
        .unwrap();
    assert_bad_input(&out, &["bad_wf.toml", "line 3"]);
}

#[test]
fn bpic2013_incidents_are_all_accounted_for() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("../shared/data/bpic2013_incidents.csv");
    if !data.exists() {
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr(),
            format_args!("skipped: {} is absent\n", data.display()),
        );
        return;
    }
    let out = bin()
        .arg("check")
        .arg(&data)
        .arg("--workflow")
        .arg(root.join("data/workflows/bpic2013.toml"))
        .args([
            "--id",
            "case:concept:name",
            "--state",
            "lifecycle:transition",
        ])
        .args(["--time", "time:timestamp", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let q = &v["data_quality"];
    assert_eq!(q["rows"], 65_533);
    assert_eq!(q["events"], 65_533);
    assert_eq!(q["items"], 7_554);
    assert_eq!(q["rejected"].as_array().unwrap().len(), 0);
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn bpic2013_xes_gz_gives_the_same_report_as_its_csv() {
    let xes = root().join("../shared/data/07_bpic2013_incidents.xes.gz");
    let csv = root().join("../shared/data/bpic2013_incidents.csv");
    if !xes.exists() || !csv.exists() {
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr(),
            format_args!("skipped: the BPIC 2013 logs are absent\n"),
        );
        return;
    }
    let report = |file: &Path| -> serde_json::Value {
        let out = bin()
            .arg("report")
            .arg(file)
            .arg("--workflow")
            .arg(root().join("data/workflows/bpic2013.toml"))
            .args(["--state", "lifecycle:transition", "--json"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // Only the name of the source differs.
        v["data_quality"]["source"] = serde_json::Value::Null;
        v
    };
    let (a, b) = (report(&xes), report(&csv));
    assert_eq!(a["items"]["total"], 7_554);
    assert_eq!(a["data_quality"]["events"], 65_533);
    assert_eq!(a, b);
}

#[test]
fn formats_lists_every_preset() {
    let out = bin().arg("formats").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for p in valuestream::Preset::ALL {
        assert!(text.contains(p.name()), "{} missing:\n{text}", p.name());
    }
    let out = bin().args(["formats", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), valuestream::Preset::ALL.len());
    assert!(v[0]["columns"].is_string() && v[0]["export"].is_string());
}

#[test]
fn auto_says_which_format_it_chose() {
    let out = bin()
        .arg("check")
        .arg(root().join("data/exports/linear.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("as linear"), "{err}");
}

#[test]
fn export_writes_the_actionableagile_layout() {
    let out_file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli/aa-out.csv");
    std::fs::create_dir_all(out_file.parent().unwrap()).unwrap();
    let out = bin()
        .arg("export")
        .arg(root().join("data/exports/jira.json"))
        .args(["--to", "actionableagile"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&out_file).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("ID,Link,Name,To Do,In Progress,In Review,Done,type")
    );
    assert_eq!(
        lines.next(),
        // The Name column is the issue's summary (fields.summary of data/exports/jira.json).
        Some("PROJ-1,,Export invoices as PDF,2024-03-04,2024-03-05,2024-03-07,2024-03-08,Story")
    );
    let bad = bin()
        .arg("export")
        .arg(root().join("data/exports/jira.json"))
        .args(["--to", "excel"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert_bad_input(&bad, &["excel", "actionableagile"]);
}

#[test]
fn dora_on_the_samples() {
    let out = bin()
        .arg("dora")
        .arg(root().join("data/exports/deployments.csv"))
        .arg("--incidents")
        .arg(root().join("data/exports/incidents.csv"))
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["deployments"], 6);
    assert_eq!(v["deployment_frequency"]["band"], "high");
    assert_eq!(v["change_failure_rate"]["failed"], 1);
    assert_eq!(v["lead_time_for_changes"]["count"], 4);
    assert_eq!(v["time_to_restore"]["band"], "high");
    let text = bin()
        .arg("dora")
        .arg(root().join("data/exports/deployments.csv"))
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("deployment frequency") && text.contains("0.60 a day"),
        "{text}"
    );
    let bad = scratch("deploys.csv", b"deployed_at,status\nlast tuesday,success\n");
    let out = bin().arg("dora").arg(&bad).output().unwrap();
    assert_bad_input(
        &out,
        &[
            "deploys.csv",
            "line 2",
            "column \"deployed_at\"",
            "last tuesday",
        ],
    );
}

/// A header of 100,000 columns without the one asked for: one short line naming the first
/// columns and how many more (issue 13: it was a line of about a megabyte).
#[test]
fn a_missing_column_among_very_many_is_one_short_line() {
    let header: Vec<String> = (0..100_000).map(|i| format!("col{i}")).collect();
    let f = scratch(
        "very_wide.csv",
        format!("{}\n{}\n", header.join(","), vec!["x"; 100_000].join(",")).as_bytes(),
    );
    let out = check(&f, &["--format", "long"]);
    assert_bad_input(
        &out,
        &["very_wide.csv", "no column named \"id\"", "and 99988 more"],
    );
    assert!(out.stderr.len() < 600, "{} bytes", out.stderr.len());
}

/// A full disk is the environment's fault, not the input's: exit 1, naming the file the
/// output was going to (Linux's /dev/full fails every write with "no space left").
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_not_bad_input_and_names_the_output() {
    let log = root().join("data/story/log.csv");
    let wf = root().join("data/story/workflow.toml");
    let runs: [&[&str]; 3] = [
        &["export", "--to", "actionableagile"],
        &["report", "--html", "/dev/full"],
        &["backtest", "--replications", "2", "--log", "/dev/full"],
    ];
    for args in runs {
        let mut cmd = bin();
        cmd.args(&args[..1]).arg(&log);
        if args[0] == "export" {
            cmd.arg("/dev/full");
        }
        let out = cmd
            .args(&args[1..])
            .arg("--workflow")
            .arg(&wf)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("cannot write /dev/full:"), "{args:?}: {err}");
        assert!(!err.contains("input:"), "{args:?}: {err}");
    }
}

/// The error line of a bad input, checked for what every message must be: exit 2, the file
/// named, under 400 characters, saying what was expected, and none of the JSON library's
/// own wording.
fn jira_error(name: &str, bytes: &[u8]) -> String {
    let f = scratch(name, bytes);
    let out = check(&f, &["--format", "jira-json"]);
    assert_bad_input(&out, &[name, "expected"]);
    let err = String::from_utf8_lossy(&out.stderr).trim_end().to_owned();
    for internal in [
        "untagged enum",
        "did not match any variant",
        "invalid type",
        "expected struct",
        "at line",
    ] {
        assert!(!err.contains(internal), "{internal:?} in {err}");
    }
    assert!(err.chars().count() < 400, "{} chars: {err}", err.len());
    err
}

#[test]
fn a_malformed_jira_document_is_named_placed_and_in_our_words() {
    let long = "x".repeat(5000);
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "jira-string.json",
            "\"hello\"".into(),
            &["hello", "`issues` array"],
        ),
        ("jira-number.json", "42".into(), &["42", "list of issues"]),
        (
            "jira-no-issues.json",
            r#"{"total": 3, "maxResults": 50}"#.into(),
            &["`issues`", "\"total\""],
        ),
        (
            "jira-issues-string.json",
            "{\"issues\":\n \"none\"}".into(),
            &["line 2", "`issues`", "none", "array"],
        ),
        (
            "jira-fields-string.json",
            "[{\"key\": \"A-1\",\n \"fields\": \"oops\"}]".into(),
            &["line 2", "issues[0].fields", "oops", "object"],
        ),
        (
            "jira-key-list.json",
            format!("{{\"issues\": [{{\"key\": [\"{long}\"]}}]}}"),
            &["line 1", "issues[0].key", "string"],
        ),
        (
            "jira-long-value.json",
            format!("{{\"issues\": [{{\"key\": \"A-1\", \"fields\": \"{long}\"}}]}}"),
            &["line 1", "issues[0].fields", "xxx…", "object"],
        ),
        (
            "jira-to-number.json",
            r#"{"issues": [{"key": "A-1", "fields": {"created": "2024-01-01"},
              "changelog": {"histories": [{"created": "2024-01-02",
                "items": [{"field": "status", "toString": 5}]}]}}]}"#
                .into(),
            &["line 3", "histories[0].items[0].toString", "5", "string"],
        ),
        (
            "jira-cut.json",
            "{\"issues\": [{\"key\": \"A-1\"".into(),
            &["line 1", "cut short"],
        ),
        (
            "jira-long-line.json",
            format!("{{\"issues\": [{{\"key\": \"{long}\" \"fields\": {{}}}}]}}"),
            &["line 1", "not valid JSON", "`,`"],
        ),
    ];
    for (name, text, needles) in cases {
        let err = jira_error(name, text.as_bytes());
        for n in needles {
            assert!(err.contains(n), "{n:?} not in {err}");
        }
    }
}

#[test]
fn jira_json_lines_are_counted_for_every_line_end() {
    let doc = "{\n\"issues\": [\n {\"key\": \"A-1\",,}\n]}";
    let mut seen = Vec::new();
    for (end, name) in [
        ("\n", "jira-lf.json"),
        ("\r\n", "jira-crlf.json"),
        ("\r", "jira-cr.json"),
    ] {
        let err = jira_error(name, doc.replace('\n', end).as_bytes());
        assert!(err.contains("line 3,"), "{err}");
        assert!(err.contains("not valid JSON"), "{err}");
        seen.push(err.replace(name, "FILE"));
    }
    // The line end changes nothing in the message: neither the line nor the column.
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:#?}");
    // A value of the wrong kind after CR-only line ends is placed on its own line too.
    let err = jira_error(
        "jira-cr-shape.json",
        b"{\r\"issues\": [\r {\"key\": \"A-1\",\r  \"fields\": 7}]}",
    );
    assert!(
        err.contains("line 4,") && err.contains("issues[0].fields"),
        "{err}"
    );
}

/// An XES log with three bad rows: a bad date in trace "T-1", an event outside any trace,
/// and a trace without a name.
const BAD_XES: &str = r#"<log>
<trace><string key="concept:name" value="T-1"/>
<event><string key="concept:name" value="Dev"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event>
<event><string key="concept:name" value="Test"/><date key="time:timestamp" value="not a date"/></event>
<event><string key="concept:name" value="Done"/><date key="time:timestamp" value="2024-01-03T00:00:00Z"/></event>
</trace>
<event><string key="concept:name" value="Dev"/></event>
<trace>
<event><string key="concept:name" value="Dev"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event>
</trace>
</log>
"#;

/// A Jira search result with two bad issues: a bad date in the second history of A-1, and
/// an issue without a key.
const BAD_JIRA: &str = r#"{"issues": [
 {"key": "A-1", "fields": {"created": "2024-01-01T00:00:00Z", "status": {"name": "Dev"}},
  "changelog": {"histories": [
    {"created": "2024-01-02T00:00:00Z", "items": [{"field": "status", "toString": "Test"}]},
    {"created": "garbage", "items": [{"field": "status", "toString": "Done"}]}]}},
 {"fields": {"created": "2024-01-01T00:00:00Z"}},
 {"key": "A-3", "fields": {"created": "2024-01-01T00:00:00Z", "status": {"name": "Dev"}}}
]}"#;

/// The ledger's lines about rejected rows, and the JSON ledger's rejected rows.
fn rejected_rows(f: &Path, format: &str) -> (Vec<String>, Vec<serde_json::Value>) {
    let args = ["--format", format, "--skip-bad-rows"];
    let out = check(f, &args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("line 0"), "{text}");
    let lines: Vec<String> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("rejected "))
        .map(str::to_owned)
        .collect();
    let out = check(f, &[&args[..], &["--json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["data_quality"]["rejected"].as_array().unwrap().clone();
    assert_eq!(rows.len(), lines.len(), "{text}");
    (lines, rows)
}

#[test]
fn rejected_xes_and_jira_rows_say_where_they_are_never_line_0() {
    // The line of each row's element, whatever the line ends.
    let mut rows = Vec::new();
    for (end, name) in [
        ("\n", "bad-rows.xes"),
        ("\r\n", "bad-rows-crlf.xes"),
        ("\r", "bad-rows-cr.xes"),
    ] {
        let xes = scratch(name, BAD_XES.replace('\n', end).as_bytes());
        let (lines, more) = rejected_rows(&xes, "xes");
        assert_eq!(lines.len(), 3, "{lines:#?}");
        let bad_date = lines.iter().find(|l| l.contains("not a date")).unwrap();
        assert!(bad_date.contains("rejected line 4 "), "{name}: {bad_date}");
        assert!(
            bad_date.contains("trace 1") && bad_date.contains("event 2"),
            "{bad_date}"
        );
        assert!(bad_date.contains("T-1"), "{bad_date}");
        let outside = lines
            .iter()
            .find(|l| l.contains("outside any trace"))
            .unwrap();
        assert!(outside.contains("rejected line 7 "), "{name}: {outside}");
        assert!(outside.contains("after trace 1"), "{outside}");
        let unnamed = lines.iter().find(|l| l.contains("concept:name")).unwrap();
        assert!(
            unnamed.contains("rejected line 8 ") && unnamed.contains("trace 2"),
            "{unnamed}"
        );
        assert!(
            more.iter()
                .all(|r| r["line"] != 0 && r["place"].is_string()),
            "{more:?}"
        );
        rows.extend(more);
    }
    // Gzipped, the lines are not counted: the trace and event say where.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, BAD_XES.as_bytes()).unwrap();
    let xes = scratch("bad-rows.xes.gz", &gz.finish().unwrap());
    let (lines, more) = rejected_rows(&xes, "xes");
    let bad_date = lines.iter().find(|l| l.contains("not a date")).unwrap();
    assert!(
        bad_date.contains("rejected trace 1 \"T-1\", event 2"),
        "{bad_date}"
    );
    rows.extend(more);
    let jira = scratch("bad-rows.json", BAD_JIRA.as_bytes());
    let (lines, more) = rejected_rows(&jira, "jira-json");
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let bad_date = lines.iter().find(|l| l.contains("garbage")).unwrap();
    assert!(bad_date.contains("issue \"A-1\", history 2"), "{bad_date}");
    let no_key = lines.iter().find(|l| l.contains("without a key")).unwrap();
    assert!(
        no_key.contains("#2") && no_key.contains("bad-rows.json"),
        "{no_key}"
    );
    // In JSON, a row without a line has a place.
    for r in rows.iter().chain(&more) {
        assert!(r["line"] != 0 || r["place"].is_string(), "{r}");
    }
}

#[test]
fn a_header_no_format_explains_is_one_short_sentence() {
    let names: Vec<String> = (0..500)
        .map(|i| format!("column_number_{i}_with_a_rather_long_name"))
        .collect();
    let wide = format!("{}\n1,2\n", names.join(","));
    let cases: [(&str, &str, &[&str]); 3] = [
        (
            "unknown.csv",
            "ticket,when,what\nA,2024-01-01,Open\n",
            &["\"ticket\"", "\"what\""],
        ),
        ("unknown-wide.csv", &wide, &["\"column_number_0", "more"]),
        (
            "unknown-dora.csv",
            "deployed_at,status\n2025-03-01T10:00:00Z,success\n",
            &["\"deployed_at\"", "valuestream dora"],
        ),
    ];
    for (name, text, needles) in cases {
        let out = check(&scratch(name, text.as_bytes()), &[]);
        assert_bad_input(
            &out,
            &[name, "line 1", "cannot tell the format", "--format long"],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        let err = err.trim_end().trim_start_matches("valuestream: error: ");
        assert!(
            err.chars().count() <= 300,
            "{} chars: {err}",
            err.chars().count()
        );
        for n in needles {
            assert!(err.contains(n), "{n:?} not in {err}");
        }
    }
    // What is expected when it is no DORA file: a known export, or the columns by hand.
    let out = check(&scratch("unknown.csv", b"ticket,when\nA,2024-01-01\n"), &[]);
    assert_bad_input(&out, &["expected", "valuestream formats"]);
    // 500 names: the count of those not shown is exact.
    let out = check(&scratch("unknown-wide.csv", wide.as_bytes()), &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    let shown = err.matches("\"column_number_").count();
    assert!(shown >= 1, "{err}");
    assert!(err.contains(&format!("and {} more", 500 - shown)), "{err}");
}
