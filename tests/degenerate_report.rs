//! Degenerate logs through every writer of the flow report: the JSON, the text, the CSV
//! tables, the charts, the HTML page, the wide export and the forecast carry no `NaN` and
//! no infinity, and the JSON has `null` only where the type is an `Option` (documented as
//! "cannot be computed").
//!
//! The logs have one item, events all at one instant, nothing done, everything done at
//! once, stages never visited, one day, a workflow of one stage.

use proptest::prelude::*;
use serde_json::Value;
use valuestream::{ClassOptions, Classes, Sle, write_class_items_csv, write_classes_csv};
use valuestream::{
    ForecastOptions, LogReader, Metrics, MetricsOptions, Question, Stage, StageKind, Timelines,
    WideLayout, Workflow, forecast, write_cfd_svg, write_cycle_time_svg, write_html_report,
    write_items_csv, write_series_csv, write_stages_csv, write_wide,
};

/// The words a non-finite `f64` prints as, in any case: `NaN`, `inf`, `-inf`, `Infinity`.
fn non_finite_word(out: &str) -> Option<String> {
    out.split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .find(|w| w == "nan" || w == "inf" || w == "infinity")
}

fn assert_finite_text(what: &str, out: &str) {
    if let Some(w) = non_finite_word(out) {
        panic!("{what} has {w:?}:\n{out}");
    }
}

/// The JSON paths (indices as `[]`) whose value may be `null`: the fields of the report
/// typed `Option` (a figure that cannot be computed, a stage not named).
const NULLABLE: &[&str] = &[
    ".lead_time_days.mean",
    ".lead_time_days.sd",
    ".lead_time_days.p50",
    ".lead_time_days.p70",
    ".lead_time_days.p85",
    ".lead_time_days.p95",
    ".lead_time_days.max",
    ".cycle_time_days.mean",
    ".cycle_time_days.sd",
    ".cycle_time_days.p50",
    ".cycle_time_days.p70",
    ".cycle_time_days.p85",
    ".cycle_time_days.p95",
    ".cycle_time_days.max",
    ".throughput.per_day",
    ".throughput.per_week",
    ".wip.mean",
    ".flow_efficiency",
    ".littles_law.wip",
    ".littles_law.throughput_per_day",
    ".littles_law.cycle_time_days",
    ".littles_law.relative_error",
    ".stages[].visit_days.mean",
    ".stages[].visit_days.p50",
    ".stages[].visit_days.p85",
    ".stages[].wip_mean",
    ".stages[].servers",
    ".stages[].utilisation",
    ".bottleneck.stage",
    ".bottleneck.ranking[].utilisation",
    ".bottleneck.ranking[].servers",
    ".bottleneck.ranking[].capacity_per_day",
    ".aging[].percentile_passed",
    ".blocked",
    ".blocked.share_of_cycle_time",
    ".window_check.since",
    ".window_check.until",
    ".window_check.warnings[].since",
    ".window_check.warnings[].until",
    ".data_quality.source",
    ".data_quality.rejected[].column",
    ".data_quality.rejected[].value",
];

/// Every `null` in `v` is at a path of `nullable`.
fn assert_nulls_documented(v: &Value, path: &str, nullable: &[&str], json: &str) {
    match v {
        Value::Null => assert!(
            nullable.contains(&path),
            "{path} is null, and is not an Option:\n{json}"
        ),
        Value::Object(m) => {
            for (k, x) in m {
                assert_nulls_documented(x, &format!("{path}.{k}"), nullable, json);
            }
        }
        Value::Array(a) => {
            for x in a {
                assert_nulls_documented(x, &format!("{path}[]"), nullable, json);
            }
        }
        _ => {}
    }
}

/// Every number in the attributes of an SVG element that place or size it is finite and
/// of a size that fits on a page.
fn assert_svg_coordinates(what: &str, svg: &str) {
    assert_finite_text(what, svg);
    for attr in [
        " x=\"",
        " y=\"",
        " x1=\"",
        " x2=\"",
        " y1=\"",
        " y2=\"",
        " cx=\"",
        " cy=\"",
        " r=\"",
        " width=\"",
        " height=\"",
        " points=\"",
        " d=\"",
        " viewBox=\"",
    ] {
        for (i, _) in svg.match_indices(attr) {
            let rest = &svg[i + attr.len()..];
            let value = &rest[..rest.find('"').unwrap()];
            for n in value
                .split(|c: char| c.is_ascii_whitespace() || c == ',' || c.is_ascii_alphabetic())
                .filter(|n| !n.is_empty())
            {
                let x: f64 = n
                    .parse()
                    .unwrap_or_else(|_| panic!("{what}: {attr}{value}: {n:?} is not a number"));
                assert!(
                    x.is_finite() && x.abs() < 1e6,
                    "{what}: {attr}{value}: {x} is off the page"
                );
            }
        }
    }
}

/// The stages of the workflows the logs are read with.
const STATES: [&str; 5] = ["To Do", "Dev", "Ready", "Test", "Done"];

/// One of four workflows: the whole one, one without a backlog, one active stage, one
/// queue (a workflow of one stage is an error: see the test below).
fn workflow(kind: u8) -> Workflow {
    let stages = match kind % 4 {
        0 => vec![
            Stage::new("Backlog", StageKind::Backlog).with_states(["To Do"]),
            Stage::new("Dev", StageKind::Active),
            Stage::new("Ready", StageKind::Wait),
            Stage::new("Test", StageKind::Active).with_servers(1),
            Stage::new("Done", StageKind::Done),
        ],
        1 => vec![
            Stage::new("Dev", StageKind::Active).with_states(["To Do", "Dev"]),
            Stage::new("Ready", StageKind::Wait),
            Stage::new("Test", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        2 => vec![
            Stage::new("Dev", StageKind::Active).with_states(["To Do", "Dev", "Ready", "Test"]),
            Stage::new("Done", StageKind::Done),
        ],
        // One stage of work in progress, a queue: no active stage, no servers.
        _ => vec![
            Stage::new("Ready", StageKind::Wait).with_states(["To Do", "Dev", "Ready", "Test"]),
            Stage::new("Done", StageKind::Done),
        ],
    };
    Workflow::new(stages, None).unwrap()
}

/// A log in CSV: per item, events at hours `times` (sorted, many ties) in states that move
/// forward through `STATES`.
fn log_csv(items: &[Vec<(u8, u8)>]) -> String {
    let mut csv = String::from("id,state,timestamp\n");
    for (i, events) in items.iter().enumerate() {
        let mut state = 0usize;
        let mut hour = 0u32;
        for &(step, gap) in events {
            state = (state + usize::from(step)).min(STATES.len() - 1);
            hour += u32::from(gap);
            let (day, h) = (1 + hour / 24, hour % 24);
            csv += &format!("I-{i},{},2024-03-{day:02}T{h:02}:00:00Z\n", STATES[state]);
        }
    }
    csv
}

/// A headline figure the text report leaves blank (`-`) comes with a sentence saying why.
fn assert_blanks_explained(report: &valuestream::Report, text: &str) {
    if report.throughput.per_day.is_none() {
        assert!(
            text.contains("The window has no length"),
            "throughput blank without a reason:\n{text}"
        );
    }
    if report.cycle_time_days.count == 0 {
        assert!(
            text.contains("No item was done in the window"),
            "cycle time blank without a reason:\n{text}"
        );
    } else if report.flow_efficiency.is_none() {
        assert!(
            text.contains("Flow efficiency cannot be measured"),
            "flow efficiency blank without a reason:\n{text}"
        );
    }
}

/// Runs the report of `csv` under `wf` through every writer and checks each output.
fn check_every_output(csv: &str, wf: &Workflow, opts: &MetricsOptions) {
    let Ok(log) = LogReader::builder().build().read(csv.as_bytes()) else {
        return;
    };
    let Ok(tl) = Timelines::new(&log, wf) else {
        return;
    };
    let mut wide = Vec::new();
    write_wide(&tl, WideLayout::ActionableAgile, &mut wide).unwrap();
    assert_finite_text("the wide export", &String::from_utf8(wide).unwrap());
    let metrics = match Metrics::new(&tl, opts) {
        Ok(m) => m,
        Err(e) => {
            assert_finite_text("the error", &e.to_string());
            return;
        }
    };
    let report = metrics.report().unwrap();
    let json = serde_json::to_string_pretty(&report).unwrap();
    assert_finite_text("the JSON", &json);
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_nulls_documented(&value, "", NULLABLE, &json);
    let text = report.to_string();
    assert_finite_text("the text report", &text);
    assert_blanks_explained(&report, &text);
    let mut out = Vec::new();
    write_items_csv(&metrics, &mut out).unwrap();
    write_series_csv(&report.daily, &mut out).unwrap();
    write_series_csv(&report.daily.weekly(), &mut out).unwrap();
    write_stages_csv(&report.stages, &mut out).unwrap();
    assert_finite_text("the CSV tables", &String::from_utf8(out).unwrap());
    let mut cfd = Vec::new();
    write_cfd_svg(&report.daily, &mut cfd).unwrap();
    assert_svg_coordinates("the CFD", &String::from_utf8(cfd).unwrap());
    if report.items.done > 0 {
        let mut scatter = Vec::new();
        write_cycle_time_svg(&metrics, &mut scatter).unwrap();
        assert_svg_coordinates("the scatterplot", &String::from_utf8(scatter).unwrap());
    }
    let mut page = Vec::new();
    write_html_report(&report, &metrics, &mut page).unwrap();
    let page = String::from_utf8(page).unwrap();
    assert_finite_text("the HTML page", &page);
    // A chart left out is said so after the charts, not only in the report above them.
    let charts = &page[page.find("<figure").unwrap()..];
    if report.items.done == 0 {
        assert!(
            charts.contains("No item was done in the window, so there are no cycle times"),
            "{charts}"
        );
    }
    check_forecasts(&tl);
    check_classes(csv, wf, opts);
}

/// The classes of service of the same log, its items in two classes by the parity of their
/// number (one with a set SLE): finite figures in the JSON, the text and the CSV tables,
/// or an error that says why.
fn check_classes(csv: &str, wf: &Workflow, opts: &MetricsOptions) {
    let mut with_kind = String::from("id,state,timestamp,kind\n");
    for line in csv.lines().skip(1) {
        let odd = line
            .split(',')
            .next()
            .and_then(|id| id.bytes().last())
            .is_some_and(|b| b % 2 == 1);
        with_kind += &format!("{line},{}\n", if odd { "odd" } else { "even" });
    }
    let log = LogReader::builder()
        .attribute("kind")
        .build()
        .read(with_kind.as_bytes())
        .unwrap();
    let tl = Timelines::new(&log, wf).unwrap();
    let options = ClassOptions::by("kind")
        .class_sle("odd", Sle::new(85.0, 0.5).unwrap())
        .stalled_after(0.25)
        .unwrap();
    for options in [ClassOptions::by("kind"), options] {
        let classes = match Classes::new(&tl, opts, &options) {
            Ok(c) => c,
            Err(e) => {
                assert_finite_text("the classes' error", &e.to_string());
                continue;
            }
        };
        assert_finite_text(
            "the classes' JSON",
            &serde_json::to_string(&classes).unwrap(),
        );
        assert_finite_text("the classes' text", &classes.to_string());
        let mut out = Vec::new();
        write_classes_csv(&classes, &mut out).unwrap();
        write_class_items_csv(&classes, &mut out).unwrap();
        assert_finite_text("the classes' CSV", &String::from_utf8(out).unwrap());
        let total: u64 = classes.classes.iter().map(|c| c.items.total).sum();
        assert_eq!(total, classes.items.len() as u64);
    }
}

/// Both forecast questions: an answer with finite figures, or an error that says why.
fn check_forecasts(tl: &Timelines) {
    let options = ForecastOptions::new().trials(200).history_days(30);
    for q in [Question::HowMany { days: 7 }, Question::When { items: 2 }] {
        match forecast(tl, q, &options) {
            Ok(f) => {
                assert!(f.mean.is_finite() && f.history.per_day_mean.is_finite());
                let mut v = serde_json::to_value(&f).unwrap();
                assert_finite_text("the forecast", &v.to_string());
                // Null only where documented: no change of throughput found, and a log too
                // short to check the forecast on.
                v["history"].as_object_mut().unwrap().remove("changed_on");
                v.as_object_mut().unwrap().remove("calibration");
                let json = v.to_string();
                assert!(!json.contains("null"), "{json}");
            }
            Err(e) => assert_finite_text("the forecast error", &e.to_string()),
        }
    }
}

/// An instant `hours` after the first hour of the logs.
fn hour(hours: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2024-03-01T00:00:00Z")
        .unwrap()
        .to_utc()
        + chrono::Duration::hours(i64::from(hours))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Few items, few events, most of them at the same hour: no writer prints a
    /// non-finite number.
    #[test]
    fn no_writer_prints_a_non_finite_number(
        items in prop::collection::vec(
            prop::collection::vec((0u8..3, prop_oneof![4 => Just(0u8), 1 => 0u8..30]), 1..5),
            1..4,
        ),
        kind in 0u8..4,
    ) {
        check_every_output(&log_csv(&items), &workflow(kind), &MetricsOptions::new());
    }

    /// The same with items that move backwards or are discarded, a window cut anywhere
    /// (of no length, before the first event, after the last) and days counted in another
    /// offset.
    #[test]
    fn no_writer_prints_a_non_finite_number_in_any_window(
        items in prop::collection::vec(
            prop::collection::vec((0u8..5, prop_oneof![3 => Just(0u8), 1 => 0u8..50]), 1..6),
            1..5,
        ),
        kind in 0u8..4,
        since in proptest::option::of(0u32..100),
        length in proptest::option::of(prop_oneof![Just(0u32), 0u32..100]),
        offset in -12i32..14,
    ) {
        let mut csv = String::from("id,state,timestamp\n");
        for (i, events) in items.iter().enumerate() {
            let mut hours = 0u32;
            for &(state, gap) in events {
                hours += u32::from(gap);
                csv += &format!("I-{i},{},{}\n", STATES[usize::from(state)], hour(hours).to_rfc3339());
            }
        }
        let mut opts = MetricsOptions::new()
            .day_offset(chrono::FixedOffset::east_opt(offset * 3600).unwrap());
        if let Some(s) = since {
            opts = opts.since(hour(s));
        }
        if let Some(l) = length {
            opts = opts.until(hour(since.unwrap_or(0) + l));
        }
        check_every_output(&csv, &workflow(kind), &opts);
    }
}

fn check(csv: &str, kind: u8) {
    check_every_output(csv, &workflow(kind), &MetricsOptions::new());
}

#[test]
fn one_item() {
    check("id,state,timestamp\nA,Dev,2024-03-01T09:00:00Z\n", 0);
    check(
        "id,state,timestamp\nA,Dev,2024-03-01T09:00:00Z\nA,Done,2024-03-03T09:00:00Z\n",
        0,
    );
}

#[test]
fn every_event_at_one_instant() {
    let csv = "id,state,timestamp\n\
               A,To Do,2024-03-01T09:00:00Z\nA,Dev,2024-03-01T09:00:00Z\nA,Done,2024-03-01T09:00:00Z\n\
               B,Dev,2024-03-01T09:00:00Z\nB,Test,2024-03-01T09:00:00Z\n";
    for kind in 0..4 {
        check(csv, kind);
    }
}

#[test]
fn nothing_done() {
    let csv = "id,state,timestamp\n\
               A,To Do,2024-03-01\nA,Dev,2024-03-02\nB,Dev,2024-03-03\nB,Test,2024-03-05\n";
    check(csv, 0);
}

#[test]
fn everything_done_at_one_instant_with_zero_cycle_times() {
    let csv = "id,state,timestamp\n\
               A,Dev,2024-03-01T09:00:00Z\nA,Done,2024-03-01T09:00:00Z\n\
               B,Dev,2024-03-01T09:00:00Z\nB,Done,2024-03-01T09:00:00Z\n\
               C,To Do,2024-02-20T09:00:00Z\nC,Done,2024-03-01T09:00:00Z\n";
    for kind in 0..3 {
        check(csv, kind);
    }
}

#[test]
fn one_day() {
    let csv = "id,state,timestamp\n\
               A,Dev,2024-03-01T01:00:00Z\nA,Test,2024-03-01T05:00:00Z\nA,Done,2024-03-01T09:00:00Z\n\
               B,Dev,2024-03-01T02:00:00Z\nB,Done,2024-03-01T23:00:00Z\n";
    for kind in 0..4 {
        check(csv, kind);
    }
}

#[test]
fn a_window_of_no_length() {
    let csv = "id,state,timestamp\n\
               A,Dev,2024-03-01\nA,Test,2024-03-03\nA,Done,2024-03-04\nB,Dev,2024-03-02\n";
    let t = chrono::DateTime::parse_from_rfc3339("2024-03-03T00:00:00Z")
        .unwrap()
        .to_utc();
    check_every_output(csv, &workflow(0), &MetricsOptions::new().since(t).until(t));
}

#[test]
fn nothing_after_filtering_is_an_error_not_a_report_of_nothing() {
    let csv = "id,state,timestamp,type\nA,Dev,2024-03-01,Bug\nA,Done,2024-03-04,Bug\n";
    let log = LogReader::builder()
        .attribute("type")
        .build()
        .read(csv.as_bytes())
        .unwrap();
    let tl = Timelines::new(&log, &workflow(0)).unwrap();
    let opts = MetricsOptions::new().attribute("type", "Story");
    match Metrics::new(&tl, &opts) {
        Ok(m) => panic!(
            "a report of no items:\n{}",
            m.report().map(|r| r.to_string()).unwrap_or_default()
        ),
        Err(e) => assert_finite_text("the error", &e.to_string()),
    }
}

#[test]
fn a_workflow_of_one_stage_is_an_error_that_says_why() {
    for kind in [StageKind::Active, StageKind::Done] {
        let e = Workflow::new(vec![Stage::new("Only", kind).with_states(STATES)], None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("stage"), "{e}");
        assert_finite_text("the error", &e);
    }
}

/// The command line on degenerate logs: every subcommand that renders the flow report or
/// a forecast ends with its output (exit 0) or a sentence (exit 2), never a panic and never
/// a non-finite number, in any file it writes.
#[cfg(feature = "cli")]
mod cli {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    use super::assert_finite_text;

    fn scratch(name: &str, log: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "valuestream-degenerate-report-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("log.csv"), log).unwrap();
        dir
    }

    fn run(dir: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_valuestream"))
            .args(&args[..1])
            // Relative paths: the output names the files, and the words checked for
            // "NaN" must not include the machine's directories.
            .arg("log.csv")
            .args(&args[1..])
            .current_dir(dir)
            .output()
            .unwrap()
    }

    /// Exit 0 with finite output, or exit 2 with an error that says why.
    fn finite_or_refused(what: &str, o: &Output) {
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        match o.status.code() {
            Some(0) => assert_finite_text(what, &out),
            Some(2) => assert!(
                err.contains("error: "),
                "{what}: exit 2 without a reason:\n{err}"
            ),
            c => panic!("{what}: exit {c:?}\n{err}"),
        }
        assert_finite_text(what, &err);
    }

    /// Every file under `dir`, SVG coordinates checked as well.
    fn files_finite(dir: &Path) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                files_finite(&path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let what = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.extension().is_some_and(|e| e == "svg") {
                super::assert_svg_coordinates(&what, &text);
            } else {
                assert_finite_text(&what, &text);
            }
        }
    }

    fn every_command(name: &str, log: &str) {
        let dir = scratch(name, log);
        for args in [
            &["report"][..],
            &["report", "--json"],
            &[
                "report",
                "--csv-dir",
                "csv",
                "--svg",
                "svg",
                "--html",
                "page.html",
            ],
            &["forecast", "--days", "7", "--trials", "200"],
            &["forecast", "--items", "2", "--trials", "200", "--json"],
            &["export", "--to", "actionableagile", "wide.csv"],
        ] {
            finite_or_refused(&format!("{name}: {args:?}"), &run(&dir, args));
        }
        let o = run(&dir, &["report", "--json"]);
        if o.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let json = v.to_string();
            super::assert_nulls_documented(&v, "", super::NULLABLE, &json);
        }
        files_finite(&dir);
    }

    #[test]
    fn one_item_not_done() {
        every_command(
            "one-item",
            "id,state,timestamp\nA,Dev,2024-03-01T09:00:00Z\n",
        );
    }

    #[test]
    fn every_event_at_one_instant() {
        every_command(
            "one-instant",
            "id,state,timestamp\n\
             A,Dev,2024-03-01T09:00:00Z\nA,Done,2024-03-01T09:00:00Z\n\
             B,Dev,2024-03-01T09:00:00Z\nB,Done,2024-03-01T09:00:00Z\n",
        );
    }

    #[test]
    fn nothing_done_over_days() {
        every_command(
            "nothing-done",
            "id,state,timestamp\n\
             A,Dev,2024-03-01\nA,Test,2024-03-04\nB,Dev,2024-03-02\nB,Test,2024-03-09\n",
        );
    }

    #[test]
    fn everything_done_on_one_day_in_no_time() {
        every_command(
            "done-at-once",
            "id,state,timestamp\n\
             A,Dev,2024-03-01T09:00:00Z\nA,Done,2024-03-01T09:00:00Z\n\
             B,Dev,2024-03-02T09:00:00Z\nB,Done,2024-03-05T09:00:00Z\n\
             C,Dev,2024-03-05T09:00:00Z\nC,Done,2024-03-05T09:00:00Z\n\
             D,Dev,2024-03-06T09:00:00Z\n",
        );
    }

    #[test]
    fn without_an_item_done_the_missing_scatterplot_is_said() {
        let dir = scratch(
            "no-scatter",
            "id,state,timestamp\nA,Dev,2024-03-01\nA,Test,2024-03-04\nB,Done,2024-02-01\n",
        );
        // B is discarded (done without commitment): the workflow has a done stage to
        // guess, and nothing is done.
        let o = run(&dir, &["report", "--svg", "svg"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(!dir.join("svg/cycle_time.svg").exists());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("no cycle_time.svg"), "{err}");
    }

    #[test]
    fn nothing_left_after_where_is_an_error_with_exit_2() {
        let dir = scratch(
            "where",
            "id,state,timestamp,type\nA,Dev,2024-03-01,Bug\nA,Done,2024-03-04,Bug\n\
             B,Dev,2024-03-02,Bug\n",
        );
        for args in [
            &["report", "--where", "type=Story"][..],
            &["report", "--json", "--where", "type=Story"],
            &["forecast", "--days", "7", "--where", "type=Story"],
        ] {
            let o = run(&dir, args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
            assert!(o.stdout.is_empty(), "{args:?}: printed a report of nothing");
            assert!(err.contains("type=Story") && err.contains("Bug"), "{err}");
        }
    }
}
