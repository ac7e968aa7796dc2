//! `valuestream simulate` from the outside: JSON keys, errors, the emitted log.

#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_valuestream"))
}

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("model_cli");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn simulate(args: &[&str]) -> Output {
    bin().arg("simulate").args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn json_has_the_documented_keys() {
    let model = data("data/models/mm1.toml");
    let o = simulate(&[
        model.to_str().unwrap(),
        "--json",
        "--seed",
        "3",
        "--replications",
        "4",
        "--horizon-days",
        "5000",
        "--warmup-days",
        "500",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let lt = &v["cycle_time_days"];
    for k in ["mean", "p50", "p85", "p95"] {
        assert!(lt[k].is_f64(), "cycle_time_days.{k}: {lt}");
    }
    assert_eq!(lt["ci95"].as_array().map(Vec::len), Some(2));
    assert!(v["throughput"]["per_day"].is_f64());
    assert!(v["wip"]["mean"].is_f64());
    let stage = &v["stations"][0];
    assert_eq!(stage["name"], "Dev");
    for k in [
        "utilisation",
        "wait_days_mean",
        "time_days_mean",
        "queue_mean",
    ] {
        assert!(stage[k].is_f64(), "stages[].{k}: {stage}");
    }
    let a = &v["analytic"];
    assert!((a["cycle_time_days_mean"].as_f64().unwrap() - 10.0).abs() < 1e-9);
    assert_eq!(a["exact"], true);
    let s = &a["stations"][0];
    assert_eq!(
        (s["name"].as_str(), s["stable"].as_bool()),
        (Some("Dev"), Some(true))
    );
    assert!((s["utilisation"].as_f64().unwrap() - 0.9).abs() < 1e-12);
    assert!((s["wait_days_mean"].as_f64().unwrap() - 9.0).abs() < 1e-9);
    assert_eq!(v["seed"], 3);
    assert_eq!(v["replications"], 4);
    assert!(v["disagreements"].is_array());
    // The same seed, the same output (threads do not matter).
    let again = simulate(&[
        model.to_str().unwrap(),
        "--json",
        "--seed",
        "3",
        "--replications",
        "4",
        "--horizon-days",
        "5000",
        "--warmup-days",
        "500",
        "--threads",
        "1",
    ]);
    assert_eq!(stdout(&o), stdout(&again));
}

#[test]
fn the_text_report_puts_simulation_and_analysis_side_by_side() {
    let model = data("data/models/delivery.toml");
    let o = simulate(&[
        model.to_str().unwrap(),
        "--replications",
        "3",
        "--horizon-days",
        "800",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("simulated") && text.contains("analytic"),
        "{text}"
    );
    for stage in ["Dev", "Deploy", "Test"] {
        assert!(
            text.lines().any(|l| l.starts_with(stage)),
            "{stage} row in\n{text}"
        );
    }
    assert!(text.contains("WIP limit at \"Dev\" is ignored"), "{text}");
    assert!(
        text.lines().all(|l| l == l.trim_end()),
        "no trailing spaces"
    );
}

#[test]
fn a_bad_model_file_is_one_sentence_and_exit_code_2() {
    let path = scratch("bad.toml");
    std::fs::write(
        &path,
        "[arrivals]\nrate_per_day = 1.0\n\n[[stage]]\nname = \"Dev\"\nservers = 2\nservice = { dist = \"gamma\", mean_days = 1.0, cv = -0.5 }\n",
    )
    .unwrap();
    let o = simulate(&[path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("bad.toml, line 4, column 1, stage \"Dev\", key `service.cv`: the coefficient of variation must be positive"),
        "{err}"
    );
    std::fs::write(
        &path,
        "[arrivals]\nrate_per_day = 1.0\n\n[[stage]]\nname = \"Dev\"\nservice = 3\n",
    )
    .unwrap();
    let o = simulate(&[path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("line 6") && err.contains("stage \"Dev\""),
        "{err}"
    );
    let o = simulate(&[data("data/models/nope.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let o = simulate(&[
        data("data/models/mm1.toml").to_str().unwrap(),
        "--warmup-days",
        "4000",
        "--horizon-days",
        "100",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr).unwrap().contains("warm-up"));
}

#[test]
fn the_simulated_log_reads_back_with_check() {
    let log = scratch("history.csv");
    let wf = scratch("history.workflow.toml");
    let model = data("data/models/delivery.toml");
    let o = simulate(&[
        model.to_str().unwrap(),
        "--replications",
        "2",
        "--horizon-days",
        "200",
        "--log",
        log.to_str().unwrap(),
        "--log-workflow",
        wf.to_str().unwrap(),
    ]);
    stdout(&o);
    let csv = std::fs::read_to_string(&log).unwrap();
    assert!(
        csv.starts_with("id,state,timestamp\nSIM-1,Dev queue,2025-01-0"),
        "{}",
        &csv[..80]
    );
    let o = bin()
        .args([
            "check",
            log.to_str().unwrap(),
            "--workflow",
            wf.to_str().unwrap(),
            "--json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let q = &v["data_quality"];
    assert_eq!(q["rows"], csv.lines().count() as u64 - 1);
    assert_eq!(q["events"], q["rows"]);
}

/// The story's log in `data/` is what the command written in `data/story/model.toml` makes:
/// the committed file and its workflow come out again, byte for byte. (A change to the
/// simulator that changes its histories fails here: run that command again and commit
/// the new log, and check the story's text still holds.)
#[test]
fn the_story_log_is_what_its_documented_command_makes() {
    let model = data("data/story/model.toml");
    let text = std::fs::read_to_string(&model).unwrap();
    assert!(
        text.contains("--seed 7 \\") && text.contains("--horizon-days 364 --warmup-days 0"),
        "the command in data/story/model.toml changed; update this test with it"
    );
    let (log, wf) = (scratch("story_log.csv"), scratch("story_workflow.toml"));
    let o = simulate(&[
        model.to_str().unwrap(),
        "--seed",
        "7",
        "--replications",
        "1",
        "--horizon-days",
        "364",
        "--warmup-days",
        "0",
        "--start",
        "2025-01-06T09:00:00Z",
        "--log",
        log.to_str().unwrap(),
        "--log-workflow",
        wf.to_str().unwrap(),
    ]);
    stdout(&o);
    for (made, name) in [
        (log, "data/story/log.csv"),
        (wf, "data/story/workflow.toml"),
    ] {
        let made = std::fs::read(made).unwrap();
        let committed = std::fs::read(data(name)).unwrap();
        assert!(
            made == committed,
            "{name} differs from what its command makes now ({} bytes committed, {} made)",
            committed.len(),
            made.len()
        );
    }
}

/// Simulation options out of range are bad input, refused before anything runs (an absurd
/// number of replications once aborted on allocating their results).
#[test]
fn simulation_options_out_of_range_are_refused() {
    let model = data("data/models/mm1.toml");
    for (args, want) in [
        (&["--replications", "0"][..], "1 to 100000 replications"),
        (
            &["--replications", "4000000000"][..],
            "1 to 100000 replications",
        ),
        (&["--horizon-days", "1e15"][..], "up to 10000000"),
        (&["--horizon-days=-5"][..], "positive number of days"),
        (
            &["--horizon-days", "100", "--warmup-days", "100"][..],
            "below the horizon",
        ),
    ] {
        let o = simulate(&[&[model.to_str().unwrap()], args].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // A billion items a day for ten years would never finish: refused up front.
    let fast = scratch("fast.toml");
    std::fs::write(
        &fast,
        "[arrivals]\nrate_per_day = 1e9\n[[stage]]\nname = \"Dev\"\nservers = \"unlimited\"\nservice = { dist = \"exponential\", mean_days = 1.0 }\n",
    )
    .unwrap();
    let o = simulate(&[fast.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shorten the horizon"));
}

/// Sizes valid in type but absurd in size are refused up front with exit 2, the value and
/// the limit named (issue 13): servers, stages, a release period that is work without
/// items, and replications that together need more memory than the budget.
#[test]
fn absurd_sizes_are_refused_up_front_naming_the_value_and_the_limit() {
    let stage = |name: &str, servers: &str| {
        format!(
            "[[stage]]\nname = \"{name}\"\nservers = {servers}\nservice = {{ dist = \"exponential\", mean_days = 0.5 }}\n"
        )
    };
    let arrivals = "[arrivals]\nrate_per_day = 1.0\n";
    // Four billion servers: the Erlang C of the analytic answer would take minutes.
    let many = scratch("many_servers.toml");
    std::fs::write(&many, format!("{arrivals}{}", stage("Dev", "4000000000"))).unwrap();
    let o = simulate(&[many.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("at most 100000 servers") && err.contains("4000000000"),
        "{err}"
    );
    // A thousand stages.
    let long = scratch("many_stages.toml");
    let stages: String = (0..1000).map(|i| stage(&format!("S{i}"), "1")).collect();
    std::fs::write(&long, format!("{arrivals}{stages}")).unwrap();
    let o = simulate(&[long.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("at most 500 stages, this one 1000"), "{err}");
    // A release every millionth of a day over ten years: 3.65e9 releases.
    let ticks = scratch("tiny_period.toml");
    std::fs::write(
        &ticks,
        format!(
            "{arrivals}{}batch = {{ every_days = 1e-6 }}\n",
            stage("Deploy", "1")
        ),
    )
    .unwrap();
    let o = simulate(&[ticks.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("3.65e9 scheduled releases") && err.contains("at most 1e8"),
        "{err}"
    );
    // 10,000 items a day for 10,000 days, four replications on four threads: 1e8 items
    // and 2e8 stage-services each, (8 + 16 × 2) × 1e8 = 4e9 bytes each, 1.6e10 bytes in
    // all (14.9 GiB), over the default budget of 2 GiB.
    let busy = scratch("busy.toml");
    std::fs::write(
        &busy,
        format!(
            "[arrivals]\nrate_per_day = 1e4\n{}{}",
            stage("Dev", "\"unlimited\""),
            stage("Test", "\"unlimited\"")
        ),
    )
    .unwrap();
    let o = simulate(&[
        busy.to_str().unwrap(),
        "--horizon-days",
        "10000",
        "--threads",
        "4",
        "--replications",
        "4",
        "--memory-budget",
        "2048",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("4 replication(s) at once")
            && err.contains("14.9 GiB")
            && err.contains("2.0 GiB"),
        "{err}"
    );
    // Within a larger memory budget, ten years of it are more work than a simulation may
    // do: 2 replications × 3.65e7 items × 2 stages.
    let o = simulate(&[
        busy.to_str().unwrap(),
        "--replications",
        "2",
        "--memory-budget",
        "100000",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("at least 1.46e8 stage-services") && err.contains("at most 5e7"),
        "{err}"
    );
    // Ten days of it fit (4 × 4e6 bytes).
    let o = simulate(&[
        busy.to_str().unwrap(),
        "--horizon-days",
        "10",
        "--threads",
        "4",
        "--replications",
        "2",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_simulated_history_ends_before_the_year_the_readers_cannot_read() {
    let model = data("data/models/mm1.toml");
    let log = scratch("late.csv");
    let wf = scratch("late.toml");
    let run = |days: &str| {
        simulate(&[
            model.to_str().unwrap(),
            "--replications",
            "1",
            "--warmup-days",
            "0",
            "--start",
            "9990-01-01T00:00:00Z",
            "--horizon-days",
            days,
            "--log",
            log.to_str().unwrap(),
            "--log-workflow",
            wf.to_str().unwrap(),
        ])
    };
    // Ten years from 9990 reach past 9999: refused, saying how far this start may go.
    let o = run("3700");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("year 9999") && err.contains("at most 3651 days"),
        "{err}"
    );
    // Up to the last day, the history it writes reads back.
    let o = run("3651");
    stdout(&o);
    let o = bin()
        .args(["check", log.to_str().unwrap(), "--workflow"])
        .arg(&wf)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
