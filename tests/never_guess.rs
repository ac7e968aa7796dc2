//! Never guessed silently (issue 14): a workflow that was not given is printed as TOML to
//! save and edit, with the signs that it is degenerate; statuses that do not map name the
//! column whose values would.
#![cfg(feature = "cli")]

mod real;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use proptest::prelude::*;
use valuestream::{
    LogReader, MetricsOptions, Report, Stage, StageKind, Timelines, Workflow, WorkflowWarningKind,
};

/// The line that opens the printed workflow.
const OPENS: &str = "\nWorkflow used (";

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "valuestream-never-guess-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn valuestream(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A plain long log whose states a guess reads well: a backlog, work, a wait, done.
const LOG: &str = "\
id,state,timestamp
A,To Do,2024-03-01T09:00:00Z
A,In Progress,2024-03-04T09:00:00Z
A,Ready for Test,2024-03-05T09:00:00Z
A,Testing,2024-03-08T09:00:00Z
A,Done,2024-03-09T09:00:00Z
B,To Do,2024-03-02T09:00:00Z
B,In Progress,2024-03-06T09:00:00Z
B,Done,2024-03-07T09:00:00Z
C,To Do,2024-03-02T09:00:00Z
C,In Progress,2024-03-07T09:00:00Z
";

#[test]
fn the_github_log_without_a_workflow_is_called_degenerate() {
    let Some(log) = real::shared("github_pm4py_issues.csv") else {
        return;
    };
    let o = valuestream(&["report", path(&log), "--state", "concept:name"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        // 15 since the process-mining inference (issue 14): of the 17 guessed by names,
        // head_ref_deleted and head_ref_restored end most of their traces (17 of 20, 2 of
        // 2) and are done.
        out.contains("every one of the 15 stages of work is active and none is a wait, so flow efficiency is 100% by construction"),
        "{out}"
    );
    assert!(
        out.contains("  ! 15 stages are active (more than 12)"),
        "{out}"
    );
    assert!(
        out.contains("Workflow used (inferred from the log, the default of the pm4py format; save it as workflow.toml and edit it):\ncommitment = "),
        "{out}"
    );
    // The warnings come before the workflow.
    assert!(out.find("15 stages are active") < out.find(OPENS), "{out}");
    // What was inferred, and why, before the workflow.
    assert!(
        out.contains("done: \"head_ref_deleted\" ends 17 of the 20 traces it occurs in"),
        "{out}"
    );
    assert!(
        out.find("How the workflow was inferred") < out.find(OPENS),
        "{out}"
    );
    let o = valuestream(&["check", path(&log), "--state", "concept:name", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let w = &json["workflow"];
    assert_eq!(w["source"], "preset");
    assert_eq!(w["preset"], "pm4py");
    let kinds: Vec<&str> = w["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["no_wait_stage", "many_active_stages"]);
    let wf = Workflow::from_toml_str(w["toml"].as_str().unwrap()).unwrap();
    assert_eq!(wf.stages().len(), 20);
}

#[test]
fn an_inferred_workflow_saved_and_given_back_gives_the_same_report() {
    let dir = scratch("round-trip");
    let log = dir.join("log.csv");
    std::fs::write(&log, LOG).unwrap();
    let o = valuestream(&["report", path(&log)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let at = out.find(OPENS).expect("the workflow is printed");
    let (report, block) = out.split_at(at);
    assert!(
        block.starts_with(
            "\nWorkflow used (inferred from the log's states; save it as workflow.toml and edit it):\n"
        ),
        "{block}"
    );
    // A backlog, a wait and work: nothing degenerate to say.
    assert!(!out.contains("does not look like the work"), "{out}");
    let toml = block.split_once("edit it):\n").unwrap().1;
    let wf_path = dir.join("workflow.toml");
    std::fs::write(&wf_path, toml).unwrap();
    let given = valuestream(&["report", path(&log), "--workflow", path(&wf_path)]);
    assert!(given.status.success(), "{}", stderr(&given));
    assert_eq!(stdout(&given), report);
    // The JSON says where the workflow came from only when it was not given.
    let json: serde_json::Value =
        serde_json::from_slice(&valuestream(&["report", path(&log), "--json"]).stdout).unwrap();
    assert_eq!(json["workflow"]["source"], "inferred");
    assert_eq!(json["workflow"]["warnings"], serde_json::json!([]));
    assert!(json["workflow"].get("preset").is_none());
    assert_eq!(json["workflow"]["toml"].as_str(), Some(toml));
    assert!(json["items"]["total"].is_u64(), "the report's keys stay");
    // Tables written instead of the text: the workflow is still printed.
    let tables = dir.join("tables");
    let o = valuestream(&["report", path(&log), "--csv-dir", path(&tables)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).ends_with(block), "{}", stdout(&o));
    // The page shows it too, with where it came from; given, it does not.
    let page = dir.join("page.html");
    let o = valuestream(&["report", path(&log), "--html", path(&page)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("it was inferred from the log&apos;s states."),
        "{html}"
    );
    assert!(html.contains("<pre class=\"workflow\"><code>"));
    let o = valuestream(&[
        "report",
        path(&log),
        "--workflow",
        path(&wf_path),
        "--html",
        path(&page),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<section id=\"workflow\">"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_given_workflow_is_not_printed() {
    let dir = scratch("given");
    let log = dir.join("log.csv");
    std::fs::write(&log, LOG).unwrap();
    let wf_path = dir.join("workflow.toml");
    // Degenerate (no wait stage), but given: the user chose it.
    std::fs::write(
        &wf_path,
        "[[stage]]\nname = \"Backlog\"\nkind = \"backlog\"\nstates = [\"To Do\"]\n\n\
         [[stage]]\nname = \"Work\"\nkind = \"active\"\nstates = [\"In Progress\", \"Ready for Test\", \"Testing\"]\n\n\
         [[stage]]\nname = \"Done\"\nkind = \"done\"\n",
    )
    .unwrap();
    for sub in ["report", "check"] {
        let o = valuestream(&[sub, path(&log), "--workflow", path(&wf_path)]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(!out.contains("Workflow used"), "{sub}: {out}");
        assert!(!out.contains("[[stage]]"), "{sub}: {out}");
        assert!(!out.contains("does not look like the work"), "{sub}: {out}");
        let o = valuestream(&[sub, path(&log), "--workflow", path(&wf_path), "--json"]);
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(json.get("workflow").is_none(), "{sub}: {json}");
    }
    // Without it, check prints the guess too, with its warnings first.
    let plain = dir.join("plain.csv");
    std::fs::write(
        &plain,
        "id,state,timestamp\nA,To Do,2024-03-01\nA,In Progress,2024-03-02\nA,Done,2024-03-04\n",
    )
    .unwrap();
    let o = valuestream(&["check", path(&plain)]);
    let out = stdout(&o);
    assert!(out.contains(OPENS), "{out}");
    assert!(out.starts_with("Data quality of "), "{out}");
    assert!(
        out.find("  ! the only stage of work") < out.find(OPENS),
        "no wait stage in a guess of To Do, In Progress, Done: {out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The warnings of a log of `csv` read through `stages`.
fn warnings(csv: &str, stages: Vec<Stage>) -> Vec<WorkflowWarningKind> {
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let wf = Workflow::new(stages, None).unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    let report = Report::new(&tl, &MetricsOptions::new()).unwrap();
    let w = report.workflow_warnings(&wf);
    for x in &w {
        assert!(
            !x.message.is_empty() && !x.message.contains("1 items"),
            "{x:?}"
        );
    }
    w.into_iter().map(|x| x.kind).collect()
}

fn s(name: &str, kind: StageKind) -> Stage {
    Stage::new(name, kind)
}

use StageKind::{Active, Backlog, Done, Wait};

#[test]
fn no_wait_stage() {
    let log = "id,state,timestamp\nA,Dev,2024-01-01\nA,Test,2024-01-03\nA,Done,2024-01-04\n";
    let all_active = vec![s("Dev", Active), s("Test", Active), s("Done", Done)];
    assert_eq!(
        warnings(log, all_active),
        [WorkflowWarningKind::NoWaitStage]
    );
    let with_wait = vec![s("Dev", Active), s("Test", Wait), s("Done", Done)];
    assert_eq!(warnings(log, with_wait), []);
    // A wait stage in the backlog does not count: none is work.
    let log2 = "id,state,timestamp\nA,Q,2024-01-01\nA,Dev,2024-01-03\nA,Done,2024-01-04\n";
    let backlog_wait = vec![s("Q", Backlog), s("Dev", Active), s("Done", Done)];
    assert_eq!(
        warnings(log2, backlog_wait),
        [WorkflowWarningKind::NoWaitStage]
    );
}

#[test]
fn full_flow_efficiency() {
    let stages = || {
        vec![
            s("Dev", Active),
            s("Ready", Wait),
            s("Test", Active),
            s("Done", Done),
        ]
    };
    // Nobody ever waited in Ready.
    let never_waited =
        "id,state,timestamp\nA,Dev,2024-01-01\nA,Test,2024-01-03\nA,Done,2024-01-04\n";
    assert_eq!(
        warnings(never_waited, stages()),
        [WorkflowWarningKind::FullFlowEfficiency]
    );
    let waited = "id,state,timestamp\nA,Dev,2024-01-01\nA,Ready,2024-01-02\nA,Test,2024-01-03\nA,Done,2024-01-04\n";
    assert_eq!(warnings(waited, stages()), []);
}

#[test]
fn nothing_done() {
    let stages = || vec![s("Dev", Active), s("Ready", Wait), s("Done", Done)];
    let open = "id,state,timestamp\nA,Dev,2024-01-01\nA,Ready,2024-01-02\nB,Dev,2024-01-03\n";
    assert_eq!(warnings(open, stages()), [WorkflowWarningKind::NothingDone]);
    let one_done = "id,state,timestamp\nA,Dev,2024-01-01\nA,Ready,2024-01-02\nB,Dev,2024-01-03\nA,Done,2024-01-04\n";
    assert_eq!(warnings(one_done, stages()), []);
}

#[test]
fn nothing_committed() {
    let stages = || {
        vec![
            s("Backlog", Backlog),
            s("Dev", Active),
            s("Ready", Wait),
            s("Done", Done),
        ]
    };
    let waiting = "id,state,timestamp\nA,Backlog,2024-01-01\nB,Backlog,2024-01-02\n";
    assert_eq!(
        warnings(waiting, stages()),
        [
            WorkflowWarningKind::NothingCommitted,
            WorkflowWarningKind::NothingDone
        ]
    );
    let started = "id,state,timestamp\nA,Backlog,2024-01-01\nB,Backlog,2024-01-02\nB,Dev,2024-01-03\nB,Ready,2024-01-04\n";
    assert_eq!(
        warnings(started, stages()),
        [WorkflowWarningKind::NothingDone]
    );
}

#[test]
fn many_active_stages() {
    let run = |n: usize| {
        let mut csv = String::from("id,state,timestamp\n");
        let mut stages = Vec::new();
        for i in 0..n {
            csv.push_str(&format!("A,S{i},2024-01-{:02}\n", i + 1));
            stages.push(s(&format!("S{i}"), Active));
            if i == 0 {
                csv.push_str("A,Q,2024-01-01T12:00:00Z\n");
                stages.push(s("Q", Wait));
            }
        }
        csv.push_str("A,Done,2024-02-01\n");
        stages.push(s("Done", Done));
        warnings(&csv, stages)
    };
    assert_eq!(run(13), [WorkflowWarningKind::ManyActiveStages]);
    assert_eq!(run(12), []);
}

/// A log whose `status` column holds codes and whose `sub` column holds the statuses.
const TWO_COLUMNS: &str = "\
id,status,sub,timestamp
A,10,Queued,2024-01-01
A,20,Doing,2024-01-02
A,30,Finished,2024-01-03
B,10,Queued,2024-01-02
";

const SUB_WORKFLOW: &str = "\
[[stage]]
name = \"Queue\"
kind = \"wait\"
states = [\"Queued\"]

[[stage]]
name = \"Doing\"
kind = \"active\"

[[stage]]
name = \"Done\"
kind = \"done\"
states = [\"Finished\", \"Cancelled\"]
";

#[test]
fn unmapped_statuses_name_the_column_that_maps() {
    let dir = scratch("unmapped");
    let log = dir.join("log.csv");
    std::fs::write(&log, TWO_COLUMNS).unwrap();
    let wf = dir.join("wf.toml");
    std::fs::write(&wf, SUB_WORKFLOW).unwrap();
    let base = [
        path(&log),
        "--workflow",
        path(&wf),
        "--format",
        "long",
        "--state",
        "status",
    ];
    let o = valuestream(&[&["report"], &base[..]].concat());
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(
            "none of the workflow's 4 states appears in column \"status\"; column \"sub\" has 3 of them in its first 10000 rows: try --state sub"
        ),
        "{err}"
    );
    // Dropping them all leaves nothing, and the error says the same.
    let o = valuestream(&[&["check"], &base[..], &["--drop-unmapped"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("try --state sub"), "{}", stderr(&o));
    // Read from that column, it maps.
    let o = valuestream(&[
        "check",
        path(&log),
        "--workflow",
        path(&wf),
        "--format",
        "long",
        "--state",
        "sub",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // No other column holds more of its states: no suggestion.
    std::fs::write(
        &log,
        TWO_COLUMNS
            .replace("Finished", "Over")
            .replace("Queued", "Q")
            .replace("Doing", "D"),
    )
    .unwrap();
    let o = valuestream(&[&["report"], &base[..]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("try --state"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// An XES log whose `concept:name` holds codes and whose `sub` attribute the statuses.
fn xes_event(state: &str, sub: &str, day: u32) -> String {
    format!(
        "<event><string key=\"concept:name\" value=\"{state}\"/><string key=\"sub\" value=\"{sub}\"/>\
         <date key=\"time:timestamp\" value=\"2024-01-{day:02}T00:00:00.000+00:00\"/></event>\n"
    )
}

#[test]
fn unmapped_statuses_of_an_xes_log_name_the_attribute_that_maps() {
    let dir = scratch("unmapped-xes");
    let log = dir.join("log.xes");
    let mut xes = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<log xes.version=\"1.0\">\n<trace><string key=\"concept:name\" value=\"A\"/>\n",
    );
    xes.push_str(&xes_event("10", "Queued", 1));
    xes.push_str(&xes_event("20", "Doing", 2));
    xes.push_str(&xes_event("30", "Finished", 3));
    xes.push_str("</trace>\n</log>\n");
    std::fs::write(&log, xes).unwrap();
    let wf = dir.join("wf.toml");
    std::fs::write(&wf, SUB_WORKFLOW).unwrap();
    let o = valuestream(&["check", path(&log), "--workflow", path(&wf)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "none of the workflow's 4 states appears in attribute \"concept:name\"; attribute \"sub\" has 3 of them in its first 10000 events: try --state sub"
        ),
        "{err}"
    );
    let o = valuestream(&[
        "check",
        path(&log),
        "--workflow",
        path(&wf),
        "--state",
        "sub",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_bpic2013_workflow_points_to_lifecycle_transition() {
    let Some(log) = real::shared("bpic2013_incidents.csv") else {
        return;
    };
    let wf = real::root().join("data/workflows/bpic2013.toml");
    let o = valuestream(&["check", path(&log), "--workflow", path(&wf)]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("only 1 of the workflow's 13 states appears in column \"concept:name\"; column \"lifecycle:transition\" has 11 of them"),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with("try --state lifecycle:transition"),
        "{err}"
    );
}

/// A stage name or state: plain, spaced, quoted, or not ASCII.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z]{1,8}",
        "[A-Za-z]{1,5} [a-z]{1,5}",
        Just("say \"hi\"".to_owned()),
        Just("back\\slash".to_owned()),
        Just("état — fini".to_owned()),
        Just("a = 'b' # c".to_owned()),
    ]
}

fn kind() -> impl Strategy<Value = StageKind> {
    prop_oneof![Just(Backlog), Just(Wait), Just(Active), Just(Done)]
}

proptest! {
    #[test]
    fn to_toml_reads_back_to_the_same_workflow(
        stages in proptest::collection::vec(
            (name(), kind(), proptest::collection::vec(name(), 0..3), proptest::option::of(1u32..50)),
            1..7,
        ),
        commit_at in proptest::option::of(0usize..7),
    ) {
        let mut stages: Vec<Stage> = stages
            .into_iter()
            .map(|(n, k, states, servers)| {
                let s = Stage::new(n, k).with_states(states);
                match servers {
                    Some(x) => s.with_servers(x),
                    None => s,
                }
            })
            .collect();
        // Backlog stages first and a done stage last, so that most draws are valid.
        stages.sort_by_key(|s| s.kind != Backlog);
        stages.push(Stage::new("Über done", Done));
        let commitment = commit_at.and_then(|i| stages.get(i)).map(|s| s.name.clone());
        if let Ok(wf) = Workflow::new(stages, commitment.as_deref()) {
            let text = wf.to_toml();
            let again = Workflow::from_toml_str(&text);
            prop_assert!(again.is_ok(), "{text}\n{again:?}");
            prop_assert_eq!(again.unwrap(), wf);
        }
    }
}
