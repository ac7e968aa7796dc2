//! `valuestream backtest` on the command line, and its measures recomputed from the log and
//! the `--log` history by `tools/holdout_measures.py`, an independent program written from
//! the definitions (Python standard library only; `.ci/run` has Python 3.11).
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `valuestream backtest LOG --workflow WF ARGS --json --log OUT`, its JSON.
fn backtest(log: &Path, workflow: &Path, args: &[&str], out: &Path) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .arg("backtest")
        .arg(log)
        .arg("--workflow")
        .arg(workflow)
        .args(args)
        .args(["--replications", "3", "--json", "--log"])
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The Python program's measures of `log` against `predicted`.
fn python(log: &Path, predicted: &Path, workflow: &Path, split: &str) -> Value {
    let o = Command::new("python3")
        .arg(root().join("tools/holdout_measures.py"))
        .arg("--log")
        .arg(log)
        .arg("--predicted")
        .arg(predicted)
        .arg("--workflow")
        .arg(workflow)
        .args(["--train-until", split])
        .output()
        .expect("python3 runs (the cross-check needs it; .ci/run has it)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn close(rust: &Value, py: &Value, what: &str) {
    let (a, b) = (rust.as_f64().unwrap(), py.as_f64().unwrap());
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(1.0),
        "{what}: valuestream {a}, Python {b}"
    );
}

fn cross_check(log: &Path, workflow: &Path, args: &[&str], name: &str) {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-predicted.csv"));
    let v = backtest(log, workflow, args, &out);
    let h = &v["holdout"];
    let split = h["train_until"].as_str().unwrap();
    let p = python(log, &out, workflow, split);
    let first = &h["first"];
    for key in ["count", "mean", "p50", "p85"] {
        close(
            &h["cycle_time_days"]["observed"][key],
            &p["cycle_time_days"]["observed"][key],
            &format!("observed {key}"),
        );
        close(
            &first["cycle_time_days"][key],
            &p["cycle_time_days"]["predicted"][key],
            &format!("predicted {key}"),
        );
    }
    close(&h["test_days"], &p["test_days"], "test_days");
    close(&first["ctdd_days"], &p["ctdd_days"], "ctdd_days");
    close(
        &first["ctdd_relative"],
        &p["ctdd_relative"],
        "ctdd_relative",
    );
    for key in ["mean", "p50", "p85", "throughput", "wip"] {
        close(
            &first["errors"][key],
            &p["errors"][key],
            &format!("error {key}"),
        );
    }
    close(
        &first["wip_distance_relative"],
        &p["wip_distance_relative"],
        "wip_distance_relative",
    );
    close(
        &h["throughput_per_day"]["observed"],
        &p["throughput_per_day"]["observed"],
        "observed throughput",
    );
    close(
        &h["wip_mean"]["observed"],
        &p["wip_mean"]["observed"],
        "observed WIP",
    );
    close(
        &first["throughput_per_day"],
        &p["throughput_per_day"]["predicted"],
        "throughput",
    );
    close(&first["wip_mean"], &p["wip_mean"]["predicted"], "WIP");
    let open = &h["open_at_split"];
    assert_eq!(open["count"], p["open_at_split"]["count"]);
    assert_eq!(open["done_observed"], p["open_at_split"]["done_observed"]);
    assert_eq!(first["open_done"], p["open_at_split"]["done_predicted"]);
}

#[test]
fn the_measures_agree_with_an_independent_program_on_the_simulated_line() {
    let dir = root().join("tests/data/holdout");
    cross_check(
        &dir.join("holdout_steady_log.csv"),
        &dir.join("workflow.toml"),
        &["--train-until", "2024-10-07T00:00:00Z"],
        "steady",
    );
}

#[test]
fn the_measures_agree_with_an_independent_program_on_the_story_log() {
    let dir = root().join("data/story");
    cross_check(
        &dir.join("log.csv"),
        &dir.join("workflow.toml"),
        &[],
        "story",
    );
}

#[test]
fn the_predicted_history_is_a_log_every_command_reads() {
    let dir = root().join("tests/data/holdout");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reread-predicted.csv");
    backtest(
        &dir.join("holdout_steady_log.csv"),
        &dir.join("workflow.toml"),
        &[],
        &out,
    );
    let o = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .arg("report")
        .arg(&out)
        .arg("--workflow")
        .arg(dir.join("workflow.toml"))
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Ids are the log's: items in progress at the split and later commitments.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("id,state,timestamp\n"));
    assert!(
        text.lines().skip(1).all(|l| l.starts_with("H-")),
        "ids from the log"
    );
}

#[test]
fn bad_splits_are_input_errors() {
    let dir = root().join("tests/data/holdout");
    for args in [
        &["--holdout", "1.5"][..],
        &["--train-until", "not a date"][..],
        &["--train-until", "2030-01-01"][..],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_valuestream"))
            .arg("backtest")
            .arg(dir.join("holdout_steady_log.csv"))
            .args(args)
            .output()
            .unwrap();
        assert_ne!(o.status.code(), Some(0), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("valuestream: error:"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
