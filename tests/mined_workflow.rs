//! A process-mining log without a workflow gets one inferred from the log itself
//! (`Workflow::infer_from_log`, the default of the `pm4py` and `xes` presets): end
//! activities are done, `<X> queue` waits, stages ordered by their typical position in the
//! traces; and the report says what was inferred. Jira logs keep the inference by names.
//! Oracles: a hand log, and pm4py's running example (`tests/data/peers/pm4py/`), whose
//! order and end activities are worked out by hand from its rows in the comments below.

use std::path::PathBuf;
use std::process::Command;

use valuestream::{Format, LogReader, Preset, StageKind, Timelines, Workflow};

fn peer(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/peers/pm4py")
        .join(file)
}

fn stages(wf: &Workflow) -> Vec<(&str, StageKind)> {
    wf.stages()
        .iter()
        .map(|s| (s.name.as_str(), s.kind))
        .collect()
}

/// Case 1 is first in the file but atypical (it checks before it registers); cases 2–4
/// register, check, then decide; each ends in approve or deny, names that say nothing of
/// done. By first appearance, "check" would come first; by typical position, "register"
/// does (median rank 0: ranks 1, 0, 0, 0).
const HAND: &str = "case:concept:name,concept:name,time:timestamp
1,check,2024-03-01 09:00
1,register,2024-03-01 10:00
1,decide,2024-03-02 09:00
1,approve,2024-03-03 09:00
2,register,2024-03-01 09:00
2,check,2024-03-02 09:00
2,decide,2024-03-04 09:00
2,deny,2024-03-05 09:00
3,register,2024-03-02 09:00
3,check,2024-03-03 09:00
3,decide,2024-03-03 12:00
3,approve,2024-03-06 09:00
4,register,2024-03-04 09:00
4,check,2024-03-05 09:00
";

#[test]
fn a_hand_log_is_ordered_by_typical_position_and_ends_in_its_end_activities() {
    let log = LogReader::builder()
        .preset(Preset::Pm4py)
        .build()
        .read(HAND.as_bytes())
        .unwrap();
    let wf = Workflow::for_preset(Preset::Pm4py, &log).unwrap();
    use StageKind::*;
    assert_eq!(
        stages(&wf),
        [
            ("register", Active),
            ("check", Active),
            ("decide", Active),
            // approve ends both traces it is in, deny its one; case 4 is still open.
            ("approve", Done),
            ("deny", Done),
        ]
    );
    let why = wf.inference().join("\n");
    assert!(why.contains("\"approve\" ends 2 of the 2 traces"), "{why}");
    assert!(why.contains("\"deny\" ends 1 of the 1 traces"), "{why}");
    assert!(why.contains("typical position in the 4 traces"), "{why}");
    // The names alone say nothing is done: the inference by names fails on this log.
    assert!(Workflow::infer(log.states()).is_err());
    let tl = Timelines::new(&log, &wf).unwrap();
    // Case 2: registered 03-01 09:00, denied 03-05 09:00: 4 days.
    assert_eq!(tl.get("2").unwrap().lead_time_days(), Some(4.0));
    assert_eq!(tl.get("4").unwrap().done(), None);
    // A Jira log keeps the inference by names and first appearance, with nothing to say.
    let jira = Workflow::for_preset(Preset::JiraJson, &log);
    assert!(jira.is_err());
}

#[test]
fn an_activity_that_ends_few_of_its_traces_is_not_done() {
    // "comment" ends case 2 but follows other work in cases 1 and 3: 1 of 3, not done.
    let csv = "case:concept:name,concept:name,time:timestamp
1,open,2024-03-01
1,comment,2024-03-02
1,fix,2024-03-03
1,closed,2024-03-04
2,open,2024-03-01
2,comment,2024-03-05
3,open,2024-03-02
3,comment,2024-03-03
3,fix,2024-03-04
3,closed,2024-03-05
";
    let log = LogReader::builder()
        .preset(Preset::Pm4py)
        .build()
        .read(csv.as_bytes())
        .unwrap();
    let wf = Workflow::infer_from_log(&log).unwrap();
    use StageKind::*;
    assert_eq!(
        stages(&wf),
        [
            ("open", Backlog),
            ("comment", Active),
            ("fix", Active),
            ("closed", Done)
        ]
    );
    let why = wf.inference().join("\n");
    assert!(why.contains("backlog: \"open\", by its name"), "{why}");
    assert!(why.contains("\"closed\" ends 2 of the 2 traces"), "{why}");
}

#[test]
fn pm4pys_running_example_gets_its_end_activities_done() {
    let path = peer("running-example.csv");
    let log = LogReader::builder()
        .format(Format::Auto)
        .build()
        .read_path(&path)
        .unwrap();
    let wf = Workflow::for_preset(Preset::Pm4py, &log).unwrap();
    // By hand from the rows: the first-occurrence ranks of each activity in its cases are
    // register request 0 ×6; examine casually 1, 2, 1, 1 (median 1); check ticket 2, 1,
    // 2, 2, 2, 1 (2); examine thoroughly 5, 1, 2 (2; after check ticket, which appears
    // first in the file); decide 3 ×6; reinitiate request 4, 4. End activities: pay
    // compensation ends cases 2, 3, 6; reject request cases 1, 4, 5 (median ranks 4 and 4).
    use StageKind::*;
    assert_eq!(
        stages(&wf),
        [
            ("register request", Active),
            ("examine casually", Active),
            ("check ticket", Active),
            ("examine thoroughly", Active),
            ("decide", Active),
            ("reinitiate request", Active),
            ("pay compensation", Done),
            ("reject request", Done),
        ]
    );
    // No name there says done: guessed by names, the running example has no workflow.
    assert!(Workflow::infer(log.states()).is_err());
    // Its case durations (first to last event), by hand: case 3 from 2010-12-30 14:32 to
    // 2011-01-15 10:45 (+01:00), 15 days 20:13.
    let tl = Timelines::new(&log, &wf).unwrap();
    let c3 = tl.get("3").unwrap().lead_time_days().unwrap();
    assert!((c3 - (15.0 + (20.0 * 60.0 + 13.0) / 1440.0)).abs() < 1e-9);
    let c5 = tl.get("5").unwrap().lead_time_days().unwrap();
    assert!((c5 - (18.0 + (5.0 * 60.0 + 54.0) / 1440.0)).abs() < 1e-9);
}

#[test]
fn the_report_says_what_was_inferred() {
    let o = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .arg("report")
        .arg(peer("interval_event_log.xes"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.contains("How the workflow was inferred from the log:"),
        "{out}"
    );
    // An interval log: only names say done (an activity that ends a trace is running).
    assert!(out.contains("done: \"Done\", by its name"), "{out}");
    assert!(
        out.contains("wait: \"send invoice queue\", \"pay queue\""),
        "{out}"
    );
    assert!(
        out.contains("Workflow used (inferred from the log, the default of the xes format"),
        "{out}"
    );
    // The TOML comes last, and it reads back as the same workflow.
    let toml = out.split("edit it):\n").nth(1).unwrap();
    let back = Workflow::from_toml_str(toml).unwrap();
    assert_eq!(
        back.stages().iter().map(|s| &s.name).collect::<Vec<_>>()[..3],
        ["place order", "send invoice queue", "send invoice"]
    );
    // In JSON, under workflow.inferred.
    let o = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .arg("report")
        .arg(peer("interval_event_log.xes"))
        .arg("--json")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let inferred = v["workflow"]["inferred"].as_array().unwrap();
    assert!(
        inferred
            .iter()
            .any(|r| r.as_str().unwrap().starts_with("done: \"Done\""))
    );
    assert_eq!(v["workflow"]["preset"], "xes");
}
