//! `valuestream fit`, `whatif` and `leverage` on the command line: the JSON keys that are
//! public API, model files as well as logs, and bad input.
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_valuestream"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ok(out: &Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const QUICK: [&str; 6] = [
    "--replications",
    "4",
    "--horizon-days",
    "800",
    "--warmup-days",
    "100",
];

#[test]
fn fit_prints_the_model_the_bottleneck_and_the_backtest() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fit-model.toml");
    let v = ok(&bin()
        .arg("fit")
        .arg(root().join("tests/data/indep/line_log.csv"))
        .args(["--replications", "4", "--json", "--out"])
        .arg(&out)
        .output()
        .unwrap());
    let stages = v["model"]["stage"].as_array().unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Dev", "Review", "Test", "Deploy"]);
    for s in stages {
        assert!(s["service"]["mean_days"].as_f64().unwrap() > 0.0, "{s}");
        assert_eq!(s["service"]["dist"], "empirical");
    }
    assert_eq!(v["model"]["stage"][2]["servers"], 2);
    assert_eq!(v["bottleneck"]["station"], "Test");
    // A loaded line: Test is near its capacity, so it is a bottleneck.
    assert_eq!(v["bottleneck"]["constrained"], true);
    assert!(v["bottleneck"]["utilisation"].as_f64().unwrap() >= 0.7);
    let ranked = v["bottleneck"]["time_ranking"].as_array().unwrap();
    assert_eq!(ranked.len(), 4);
    let shares: f64 = ranked.iter().map(|t| t["share"].as_f64().unwrap()).sum();
    assert!((shares - 1.0).abs() < 1e-9, "{shares}");
    for key in ["mean", "p50", "p85"] {
        let c = &v["in_sample"]["cycle_time_days"][key];
        assert!(
            c["observed"].is_f64() && c["predicted"].is_f64() && c["relative_error"].is_f64(),
            "{c}"
        );
    }
    assert!(v["in_sample"]["throughput_per_day"]["spread"].is_array());
    assert_eq!(
        v["fit"]["stations"][0]["servers_from"]["from"],
        "peak_concurrency"
    );
    // The model file reads back, and whatif takes it instead of a log.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(valuestream::ValueStream::from_toml_str(&text).is_ok());
    let w = ok(&bin()
        .arg("whatif")
        .arg(&out)
        .args(["--change", "servers Test=3", "--json"])
        .args(QUICK)
        .output()
        .unwrap());
    assert!(
        w["scenario"]["cycle_time_days"]["mean"].as_f64().unwrap()
            < w["baseline"]["cycle_time_days"]["mean"].as_f64().unwrap()
    );
}

#[test]
fn whatif_json_keys_and_verdict() {
    let v = ok(&bin()
        .arg("whatif")
        .arg(root().join("tests/data/indep/line_log.csv"))
        .args([
            "--change",
            "automate Deploy",
            "--change",
            "servers Test=+1",
            "--json",
        ])
        .args(QUICK)
        .output()
        .unwrap());
    for side in ["baseline", "scenario"] {
        let o = &v[side];
        for k in ["mean", "ci95", "p50", "p85"] {
            assert!(!o["cycle_time_days"][k].is_null(), "{side} {k}");
        }
        assert!(o["throughput"]["per_day"].is_f64());
        assert!(o["stations"].as_array().unwrap().len() == 4);
        assert!(o["bottleneck"].is_string());
    }
    assert_eq!(
        v["changes"],
        serde_json::json!(["automate Deploy", "servers Test=+1"])
    );
    assert_eq!(v["cycle_time"]["real"], true);
    assert!(v["verdict"].as_str().unwrap().contains("real difference"));
}

#[test]
fn leverage_ranks_a_change_at_the_bottleneck_first() {
    let v = ok(&bin()
        .arg("leverage")
        .arg(root().join("data/models/tandem.toml"))
        .arg("--json")
        .args(QUICK)
        .output()
        .unwrap());
    let ranking = v["ranking"].as_array().unwrap();
    assert!(!ranking.is_empty());
    for r in ranking {
        for k in [
            "change",
            "cycle_time_days_mean",
            "delta_rel",
            "throughput_per_day",
        ] {
            assert!(!r[k].is_null(), "{k} in {r}");
        }
    }
    let deltas: Vec<f64> = ranking
        .iter()
        .map(|r| r["delta_rel"].as_f64().unwrap())
        .collect();
    assert!(deltas.windows(2).all(|w| w[0] <= w[1]), "{deltas:?}");
}

#[test]
fn bad_changes_and_models_are_bad_input() {
    let out = bin()
        .arg("whatif")
        .arg(root().join("tests/data/indep/line_log.csv"))
        .args(["--change", "speed up Test"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read the change") && err.contains("automate STAGE"),
        "{err}"
    );
    let out = bin()
        .arg("whatif")
        .arg(root().join("tests/data/indep/line_log.csv"))
        .args(["--change", "servers QA=2"])
        .args(QUICK)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no stage \"QA\""));
    let bad = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bad-model.toml");
    std::fs::write(&bad, "[arrivals]\nrate_per_day = -1\n[[stage]]\nname = \"A\"\nservers = 1\nservice = { dist = \"exponential\", mean_days = 1.0 }\n").unwrap();
    let out = bin().arg("leverage").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rate_per_day"));
}

fn text(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The first station of the model fitted to the three-issue Jira export.
fn jira_station() -> String {
    let v = ok(&bin()
        .arg("fit")
        .arg(root().join("data/exports/jira.json"))
        .args(["--replications", "2", "--json"])
        .output()
        .unwrap());
    v["model"]["stage"][0]["name"].as_str().unwrap().to_owned()
}

#[test]
fn whatif_on_three_jira_issues_refuses_to_call_a_difference_real() {
    let change = format!("scale {}=0.1", jira_station());
    let v = ok(&bin()
        .arg("whatif")
        .arg(root().join("data/exports/jira.json"))
        .args(["--change", &change, "--json"])
        .args(QUICK)
        .output()
        .unwrap());
    let verdict = v["verdict"].as_str().unwrap();
    assert!(!verdict.contains("a real difference"), "{verdict}");
    assert!(verdict.contains("< 30) to tell"), "{verdict}");
    let trust = &v["trust"];
    assert_eq!(trust["basis"], "in_sample");
    assert!(trust["done_items"].as_u64().unwrap() < 30, "{trust}");
    assert!(
        trust["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("done item")),
        "{trust}"
    );
    for d in ["cycle_time", "throughput"] {
        let lo = v[d]["ci95_rel"][0].as_f64().unwrap();
        assert!(lo > -1.0, "{d}: {}", v[d]);
    }
    // In text: the verdict, then the trust in one line.
    let t = text(
        &bin()
            .arg("whatif")
            .arg(root().join("data/exports/jira.json"))
            .args(["--change", &change])
            .args(QUICK)
            .output()
            .unwrap(),
    );
    let line = t.lines().find(|l| l.starts_with("Trust: ")).unwrap();
    assert!(
        line.contains("In-sample check only") && line.contains("Too few done items"),
        "{t}"
    );
    // Leverage says its ranking is the model's.
    let t = text(
        &bin()
            .arg("leverage")
            .arg(root().join("data/exports/jira.json"))
            .args(QUICK)
            .output()
            .unwrap(),
    );
    assert!(
        t.contains("the ranking is the model's, not evidence") && !t.contains("Do first"),
        "{t}"
    );
}

#[test]
fn whatif_and_leverage_on_the_story_log_carry_the_held_out_trust() {
    let story = |cmd: &str, extra: &[&str]| {
        let mut c = bin();
        c.arg(cmd)
            .arg(root().join("data/story/log.csv"))
            .arg("--workflow")
            .arg(root().join("data/story/workflow.toml"))
            .args(extra)
            .args(QUICK);
        c.output().unwrap()
    };
    let w = ok(&story("whatif", &["--change", "automate Deploy", "--json"]));
    let l = ok(&story("leverage", &["--json"]));
    let f = ok(&story("fit", &["--json"]));
    // What-ifs and rankings rest on the held-out verdict; `fit` reports its in-sample
    // check, named so.
    for (v, basis, start) in [
        (&w, "held_out", "Held-out backtest"),
        (&l, "held_out", "Held-out backtest"),
        (&f, "in_sample", "In-sample check only"),
    ] {
        let trust = &v["trust"];
        assert_eq!(trust["basis"], basis, "{trust}");
        assert!(trust["held_up"].is_boolean(), "{trust}");
        assert!(trust["done_items"].as_u64().unwrap() >= 30, "{trust}");
        assert!(
            trust["summary"].as_str().unwrap().starts_with(start),
            "{trust}"
        );
        assert!(trust["reasons"].is_array(), "{trust}");
    }
    assert_eq!(w["trust"], l["trust"]);
    let t = text(&story("fit", &[]));
    assert!(t.contains("\nTrust: In-sample check only"), "{t}");
}

#[test]
fn a_model_file_says_it_was_not_checked() {
    let model = root().join("data/models/tandem.toml");
    for cmd in ["whatif", "leverage"] {
        let mut c = bin();
        c.arg(cmd).arg(&model).args(QUICK);
        if cmd == "whatif" {
            c.args(["--change", "visit Review=0.5"]);
        }
        let v = ok(&c.arg("--json").output().unwrap());
        let trust = &v["trust"];
        assert_eq!(trust["basis"], "none", "{trust}");
        assert!(
            trust["held_up"].is_null() && trust["done_items"].is_null(),
            "{trust}"
        );
        assert!(
            trust["summary"]
                .as_str()
                .unwrap()
                .starts_with("Not checked against a log"),
            "{trust}"
        );
    }
}

/// The BPI Challenge 2013 incidents log (`../shared/data`, beside the checkout): `fit` says
/// there is no capacity constraint and ranks where the model's cycle time goes, the
/// waiting on the two delays first.
#[test]
fn fit_says_when_there_is_no_capacity_constraint() {
    let log = root().join("../shared/data/bpic2013_incidents.csv");
    if !log.exists() {
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr(),
            format_args!("skipped: {} is absent\n", log.display()),
        );
        return;
    }
    let out = bin()
        .arg("fit")
        .arg(&log)
        .arg("--workflow")
        .arg(root().join("data/workflows/bpic2013.toml"))
        .args(["--state", "lifecycle:transition", "--replications", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Bottleneck:"), "{text}");
    // The model of the steady window (from 16 April 2012): In Progress is the most
    // utilised station, far from its capacity; Waiting holds most of the cycle time.
    for want in [
        "No capacity constraint: no station is busy 70% of the time or more (the most, In \
         Progress, ",
        "%, an upper bound: its servers are the most items in it at once); of the \
         model's mean cycle time (analytic, ",
        "% is waiting on Waiting (",
        "  Where the model's mean cycle time goes (days per item):\n  1. Waiting            delay",
        "In Progress        queue 0.00 + service",
        "the model is fitted to its steady window",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
}

/// `fit --resource`: both estimates of a station's servers, in the text and in the JSON,
/// on the hand-computed log of `tests/resources.rs` (Work: 3 at peak at once; 2 people in
/// a typical week, 3 in all, holding 152/126 items at once: 2 servers from people).
#[test]
fn fit_with_a_resource_column_reports_servers_from_people_beside_the_peak() {
    let dir = root().join("tests/data/people");
    let run = |extra: &[&str]| {
        bin()
            .arg("fit")
            .arg(dir.join("log.csv"))
            .arg("--workflow")
            .arg(dir.join("workflow.toml"))
            .args([
                "--fit-window",
                "whole",
                "--no-select",
                "--replications",
                "2",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--resource", "who"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("3 (peak at once)"), "{text}");
    assert!(
        text.contains(
            "capacity: 3 at peak at once; 2 people active in a typical week (3 in all), each holding 1.2 items at once while busy, busy 11% of their time: 2 servers from people"
        ),
        "{text}"
    );
    let v = ok(&run(&["--resource", "who", "--json"]));
    let work = &v["fit"]["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Work")
        .unwrap()
        .clone();
    assert_eq!(work["servers"], 3);
    assert_eq!(work["servers_from"]["from"], "peak_concurrency");
    assert_eq!(work["people"]["servers"], 2);
    assert_eq!(work["people"]["peak_at_once"], 3);
    assert_eq!(work["people"]["people"], 3);
    assert_eq!(work["people"]["people_per_week"], 2.0);
    // Asked to, the model takes the people's.
    let v = ok(&run(&[
        "--resource",
        "who",
        "--servers-from",
        "people",
        "--json",
    ]));
    let work = v["fit"]["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Work")
        .unwrap()
        .clone();
    assert_eq!(work["servers"], 2);
    assert_eq!(work["servers_from"]["from"], "people");
    // Without resources: no people, and the peak is a lower bound.
    let out = run(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("capacity:"), "{text}");
    assert!(text.contains("lower bound"), "{text}");
    // Bad input: exit 2 and one sentence.
    for (args, says) in [
        (&["--servers-from", "people"][..], "needs --resource"),
        (
            &["--resource", "who", "--servers-from", "most"][..],
            "expected peak",
        ),
        (&["--resource", "nobody"][..], "no column named \"nobody\""),
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
