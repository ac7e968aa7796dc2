//! Degenerate inputs get a sentence, not `NaN`: a simulation horizon too short for any item
//! to finish is neither overload nor a disagreement, and no output carries a non-finite
//! number.

#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::Command;

use valuestream::{Arrivals, Distribution, Servers, SimOptions, Simulation, Station, ValueStream};

fn mm1() -> PathBuf {
    PathBuf::from("data/models/mm1.toml")
}

/// No `NaN`, no infinity, in any spelling: no word (a run of letters and digits) is `nan`,
/// `inf` or `infinity` in any case. Words, not substrings: a path or a name may contain
/// "nan" (a directory `nan`, "maintenance").
fn assert_finite_text(out: &str) {
    let bad = out
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .find(|w| w == "nan" || w == "inf" || w == "infinity");
    assert!(bad.is_none(), "{bad:?} in\n{out}");
}

/// Every interval in a JSON value is `[low, high]` with `0 <= low <= high` (the quantities
/// simulated are never negative).
fn assert_intervals_not_negative(v: &serde_json::Value, path: &str) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if k.ends_with("ci95")
                    && let Some([lo, hi]) = x.as_array().map(|a| [a[0].as_f64(), a[1].as_f64()])
                {
                    let (lo, hi) = (lo.unwrap(), hi.unwrap());
                    assert!(0.0 <= lo && lo <= hi, "{path}.{k}: [{lo}, {hi}]");
                }
                assert_intervals_not_negative(x, &format!("{path}.{k}"));
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                assert_intervals_not_negative(x, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

#[test]
fn a_horizon_too_short_for_any_item_to_finish_is_not_overload() {
    // One server, a day's work on average, arrivals at 0.9 a day: stable, but in half a
    // day (a tenth of it warm-up) hardly anything can finish, and here nothing does.
    let model = ValueStream::new(
        Arrivals::poisson(0.9).unwrap(),
        vec![Station::new(
            "Dev",
            Servers::Finite(1),
            Distribution::exponential(1.0).unwrap(),
        )],
    )
    .unwrap();
    let options = SimOptions::new().replications(3).horizon_days(0.5);
    let r = Simulation::new(&model).unwrap().run(&options).unwrap();
    assert_eq!(r.items_done, 0);
    assert!(r.horizon_too_short());
    assert!(!r.unstable, "a short horizon judged as overload");
    assert_eq!(r.littles_law_relative_error, None);
    let analysis = valuestream::analyze(&model).unwrap();
    assert!(r.disagreements(&analysis).is_empty());
    let json = serde_json::to_value(&r).unwrap();
    assert_intervals_not_negative(&json, "");
}

#[test]
fn the_cli_says_the_horizon_is_too_short_in_text_and_json() {
    let run = |json: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_valuestream"));
        // A path relative to the crate: the output names the model file, and the text
        // checked for "NaN" must not carry the machine's directories.
        c.current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("simulate")
            .arg(mm1())
            .args(["--horizon-days", "0.5", "--replications", "3"]);
        if json {
            c.arg("--json");
        }
        let o = c.output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let text = run(false);
    assert_finite_text(&text);
    assert!(text.contains("the horizon is too short"), "{text}");
    assert!(!text.contains("Unstable"), "{text}");
    assert!(
        !text.contains("outside the simulation's 95% interval"),
        "{text}"
    );
    // Nothing was measured, so no analytic answer is flagged as outside an interval.
    assert!(
        text.lines()
            .filter(|l| !l.starts_with("Simulated:")) // the legend
            .all(|l| !l.contains('≠')),
        "{text}"
    );
    let json = run(true);
    assert_finite_text(&json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["items_done"], 0);
    assert_eq!(v["unstable"], false);
    // Documented as null when it cannot be measured.
    assert!(v["littles_law_relative_error"].is_null());
    assert!(
        v["disagreements"].as_array().is_some_and(Vec::is_empty),
        "{json}"
    );
    assert_intervals_not_negative(&v, "");
}

/// `valuestream <command> data/story/log.csv` with a horizon of a few hours, in which no
/// item can finish: its text and its JSON.
fn short_horizon(command: &[&str]) -> (String, serde_json::Value) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let run = |json: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_valuestream"));
        c.args(command)
            .arg(root.join("data/story/log.csv"))
            .arg("--workflow")
            .arg(root.join("data/story/workflow.toml"))
            .args(["--horizon-days", "0.3", "--replications", "3"]);
        if json {
            c.arg("--json");
        }
        let o = c.output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let text = run(false);
    let json = run(true);
    assert_finite_text(&text);
    assert_finite_text(&json);
    (text, serde_json::from_str(&json).unwrap())
}

#[test]
fn a_what_if_with_nothing_measured_says_so_in_a_sentence() {
    let (text, v) = short_horizon(&["whatif", "--change", "servers Dev=+0"]);
    assert!(
        text.contains("no item finished within the simulated horizon"),
        "{text}"
    );
    // Nothing changes: the relative change is 0, not undefined.
    assert_eq!(v["throughput"]["delta_rel"].as_f64(), Some(0.0), "{v}");
    assert_eq!(v["baseline"]["unstable"], false);
}

#[test]
fn leverage_with_nothing_measured_names_no_lever() {
    let (text, v) = short_horizon(&["leverage"]);
    assert!(text.contains("the levers cannot be ranked"), "{text}");
    assert!(!text.contains("Do first"), "{text}");
    assert!(
        v["ranking"].as_array().is_some_and(|r| !r.is_empty()),
        "{v}"
    );
}

/// The keys of a value in `v` that are JSON `null`, as paths.
fn nulls(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Null => out.push(path.to_owned()),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                nulls(x, &format!("{path}.{k}"), out);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                nulls(x, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(40))]

    /// Small random models over horizons from a few hours to weeks: a simulation's JSON has
    /// `null` only where nothing could be measured (no item finished, no visit of a station
    /// ended, an interval from fewer than two replications that measured something), its
    /// intervals never
    /// go below 0, and a stream is judged unstable only when items finished.
    #[test]
    fn simulations_of_small_models_have_no_unmeasured_numbers(
        rate in 0.1f64..3.0,
        stations in proptest::collection::vec((1u32..3, 0.1f64..3.0), 1..4),
        horizon in 0.2f64..40.0,
        replications in 2u32..4,
        seed in 0u64..1000,
    ) {
        let model = ValueStream::new(
            Arrivals::poisson(rate).unwrap(),
            stations
                .iter()
                .enumerate()
                .map(|(i, &(c, mean))| {
                    Station::new(
                        format!("S{i}"),
                        Servers::Finite(c),
                        Distribution::exponential(mean).unwrap(),
                    )
                })
                .collect(),
        )
        .unwrap();
        let options = SimOptions::new()
            .replications(replications)
            .horizon_days(horizon)
            .seed(seed)
            .threads(1);
        let r = Simulation::new(&model).unwrap().run(&options).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_intervals_not_negative(&json, "");
        proptest::prop_assert!(!r.unstable || r.items_done > 0);
        if !r.horizon_too_short() {
            let mut found = Vec::new();
            nulls(&json["cycle_time_days"], "cycle_time_days", &mut found);
            nulls(&json["throughput"], "throughput", &mut found);
            nulls(&json["wip"], "wip", &mut found);
            nulls(&json["littles_law_relative_error"], "littles_law_relative_error", &mut found);
            for (i, st) in r.stations.iter().enumerate() {
                // A station where no visit ended has no time to measure; its waits are those
                // that ended in the window, which a visit begun before it may not have.
                let mut here = Vec::new();
                nulls(&json["stations"][i], &format!("stations[{i}]"), &mut here);
                here.retain(|p| {
                    !(p.contains(".wait_days_") || st.throughput_per_day == 0.0 && p.contains(".time_days_"))
                });
                found.extend(here);
            }
            // An interval needs two replications that measured something (documented).
            found.retain(|p| !p.ends_with("ci95"));
            proptest::prop_assert!(found.is_empty(), "{} items done, nulls at {:?}", r.items_done, found);
        }
    }
}
