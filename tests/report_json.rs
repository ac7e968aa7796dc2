//! The JSON of `valuestream report --json` is public API: its keys, exactly.

use std::collections::BTreeSet;

use serde_json::Value;
use valuestream::{LogReader, MetricsOptions, Report, Stage, StageKind, Timelines, Workflow};

fn report() -> Report {
    let csv = "id,state,timestamp\n\
               A,To Do,2024-01-01\nA,Dev,2024-01-02\nA,Ready,2024-01-04\nA,Test,2024-01-05\nA,Done,2024-01-06\n\
               B,To Do,2024-01-01\nB,Dev,2024-01-03\nB,Ready,2024-01-05\n\
               C,To Do,2024-01-02\nC,Done,2024-01-03\n";
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let wf = Workflow::new(
        vec![
            Stage::new("Backlog", StageKind::Backlog).with_states(["To Do"]),
            Stage::new("Dev", StageKind::Active),
            Stage::new("Ready", StageKind::Wait),
            Stage::new("Test", StageKind::Active).with_servers(1),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    Report::new(&tl, &MetricsOptions::new()).unwrap()
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(k: &[&'a str]) -> BTreeSet<&'a str> {
    k.iter().copied().collect()
}

/// The keys of `bottleneck` and of its rankings' entries.
fn bottleneck_keys(b: &Value) {
    assert_eq!(
        keys(b),
        set(&["stage", "constrained", "reason", "ranking", "time_ranking"])
    );
    for t in b["time_ranking"].as_array().unwrap() {
        assert_eq!(keys(t), set(&["stage", "kind", "item_days", "share"]));
    }
    for r in b["ranking"].as_array().unwrap() {
        assert_eq!(
            keys(r),
            set(&[
                "stage",
                "evidence",
                "utilisation",
                "servers",
                "servers_estimated",
                "capacity_per_day",
                "wait_stages",
                "wait_days",
                "queue_growth",
                "near_capacity"
            ])
        );
    }
}

#[test]
fn the_keys_are_exactly_the_documented_ones() {
    let v = serde_json::to_value(report()).unwrap();
    assert_eq!(
        keys(&v),
        set(&[
            "items",
            "lead_time_days",
            "cycle_time_days",
            "throughput",
            "wip",
            "flow_efficiency",
            "littles_law",
            "stages",
            "bottleneck",
            "aging",
            "data_quality",
            "window_check",
            "blocked",
        ])
    );
    assert_eq!(
        keys(&v["window_check"]),
        set(&["steady", "warnings", "since", "until"])
    );
    // Three items in five days: nothing to warn about.
    assert_eq!(v["window_check"]["steady"], true);
    assert_eq!(v["window_check"]["warnings"], serde_json::json!([]));
    assert_eq!(
        keys(&v["items"]),
        set(&["total", "done", "in_progress", "not_started", "discarded"])
    );
    let summary = set(&["count", "mean", "sd", "p50", "p70", "p85", "p95", "max"]);
    assert_eq!(keys(&v["lead_time_days"]), summary);
    assert_eq!(keys(&v["cycle_time_days"]), summary);
    assert_eq!(keys(&v["throughput"]), set(&["per_day", "per_week"]));
    assert_eq!(keys(&v["wip"]), set(&["mean", "current"]));
    assert!(v["flow_efficiency"].is_number());
    assert_eq!(
        keys(&v["littles_law"]),
        set(&[
            "wip",
            "throughput_per_day",
            "cycle_time_days",
            "relative_error",
            "violations"
        ])
    );
    for violation in v["littles_law"]["violations"].as_array().unwrap() {
        assert_eq!(keys(violation), set(&["assumption", "detail"]));
    }
    let stages = v["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 5);
    for s in stages {
        assert_eq!(
            keys(s),
            set(&[
                "name",
                "kind",
                "visits",
                "visit_days",
                "wip_mean",
                "servers",
                "servers_estimated",
                "utilisation"
            ])
        );
        assert_eq!(keys(&s["visit_days"]), set(&["mean", "p50", "p85"]));
    }
    assert_eq!(stages[3]["name"], "Test");
    assert_eq!(stages[3]["kind"], "active");
    assert_eq!(stages[3]["servers"], 1);
    assert_eq!(stages[3]["servers_estimated"], false);
    assert_eq!(stages[1]["servers_estimated"], true);
    assert_eq!(stages[2]["servers"], Value::Null);
    bottleneck_keys(&v["bottleneck"]);
    let aging = v["aging"].as_array().unwrap();
    assert_eq!(aging.len(), 1);
    assert_eq!(
        keys(&aging[0]),
        set(&["id", "stage", "age_days", "percentile_passed"])
    );
    assert_eq!(aging[0]["id"], "B");
    assert_eq!(aging[0]["stage"], "Ready");
}

#[test]
fn data_quality_is_the_check_ledger() {
    let r = report();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        v["data_quality"],
        serde_json::to_value(&r.data_quality).unwrap()
    );
    assert_eq!(v["data_quality"]["rows"], 10);
    assert_eq!(v["data_quality"]["warnings"][0]["kind"], "skipped_stages");
}

#[test]
fn missing_figures_are_null() {
    // Nothing done: no lead time, no flow efficiency; the summary keeps its keys.
    let csv = "id,state,timestamp\nA,Dev,2024-01-01\nA,Test,2024-01-02\n";
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let wf = Workflow::builder()
        .stage("Dev", StageKind::Active)
        .stage("Test", StageKind::Active)
        .stage("Done", StageKind::Done)
        .build()
        .unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    let v = serde_json::to_value(Report::new(&tl, &MetricsOptions::new()).unwrap()).unwrap();
    assert_eq!(v["lead_time_days"]["count"], 0);
    assert_eq!(v["lead_time_days"]["mean"], Value::Null);
    assert_eq!(v["flow_efficiency"], Value::Null);
    assert_eq!(v["littles_law"]["relative_error"], Value::Null);
    assert_eq!(v["aging"][0]["percentile_passed"], Value::Null);
}
