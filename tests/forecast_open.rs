//! Item-by-item forecasts from the fitted model against exact answers: a log in which every
//! service takes exactly five days (the dates are exact), one exponential server (the
//! remaining time of the item in service is exponential by memorylessness, the k-th in
//! the queue behind it waits an Erlang(k + 1) sum), the `--where` selection, the JSON keys,
//! the calibration's counting rule, and the command line.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use valuestream::{
    CalendarFit, Discover, Distribution, FitOptions, LogReader, OpenOptions, Servers, Stage,
    StageKind, TimelineOptions, Timelines, Workflow, calibrate_open, fit, forecast_open,
    forecast_open_with,
};

fn day0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

fn at(days: f64) -> DateTime<Utc> {
    day0() + Duration::milliseconds((days * 86_400_000.0).round() as i64)
}

fn workflow() -> Workflow {
    Workflow::new(
        vec![
            Stage::new("Ready", StageKind::Wait),
            Stage::new("Dev", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap()
}

/// Forty items done one after another, each in Dev for exactly five days (item k from
/// day 6k + 0.5 to 6k + 5.5, after half a day in Ready), then, at `as_of` = day 242.5,
/// `X` in Dev for two days (since 240.5) and `Y` in Ready behind it (since 241).
/// `X` has epic E1, `Y` epic E2.
fn log_csv() -> String {
    let mut csv = String::from("id,state,timestamp,epic\n");
    let t = |d: f64| at(d).to_rfc3339();
    for k in 0..40 {
        let s = 6.0 * f64::from(k);
        csv += &format!(
            "I-{k},Ready,{},E0\nI-{k},Dev,{},E0\nI-{k},Done,{},E0\n",
            t(s),
            t(s + 0.5),
            t(s + 5.5)
        );
    }
    csv += &format!("X,Ready,{},E1\nX,Dev,{},E1\n", t(240.0), t(240.5));
    csv += &format!("Y,Ready,{},E2\n", t(241.0));
    csv
}

const AS_OF: f64 = 242.5;

fn timelines_of(csv: &str, as_of: f64) -> Timelines {
    let log = LogReader::builder()
        .attribute("epic")
        .build()
        .read(csv.as_bytes())
        .unwrap();
    Timelines::with_options(&log, &workflow(), &TimelineOptions::new().as_of(at(as_of))).unwrap()
}

fn fit_options() -> FitOptions {
    FitOptions::new()
        .calendar(CalendarFit::None)
        .discover(Discover::Never)
}

fn options() -> OpenOptions {
    OpenOptions::new().fit(fit_options()).replications(50)
}

fn date(days: f64) -> Option<NaiveDate> {
    at(days).date_naive().into()
}

fn all_levels(d: Option<NaiveDate>) -> BTreeMap<String, Option<NaiveDate>> {
    ["0.5", "0.85", "0.95"]
        .into_iter()
        .map(|k| (k.to_owned(), d))
        .collect()
}

#[test]
fn deterministic_services_give_exact_dates() {
    let tl = timelines_of(&log_csv(), AS_OF);
    let f = forecast_open(&tl, &options()).unwrap();
    let ids: Vec<&str> = f.open_items.iter().map(|i| i.id.as_str()).collect();
    // Oldest first: X was committed at day 240, Y at 241.
    assert_eq!(ids, ["X", "Y"]);
    let (x, y) = (&f.open_items[0], &f.open_items[1]);
    assert_eq!((x.stage.as_str(), y.stage.as_str()), ("Dev", "Ready"));
    assert!((x.age_days - 2.5).abs() < 1e-9 && (y.age_days - 1.5).abs() < 1e-9);
    // X has 3 of its 5 days left: done at day 245.5. Y starts then: done at 250.5. New
    // arrivals queue behind Y and change neither.
    assert_eq!(x.done_by, all_levels(date(245.5)), "{f:#?}");
    assert_eq!(y.done_by, all_levels(date(250.5)), "{f:#?}");
    assert_eq!(f.all_items, 2);
    assert_eq!(f.all_done_by, all_levels(date(250.5)));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    assert_eq!(f.done_items, 40);
}

#[test]
fn where_selects_the_items_and_their_all_done_date() {
    let tl = timelines_of(&log_csv(), AS_OF);
    let o = options().attributes(vec![("epic".into(), "E1".into())]);
    let f = forecast_open(&tl, &o).unwrap();
    assert_eq!(f.open_items.len(), 1);
    assert_eq!(f.open_items[0].id, "X");
    // All of epic E1 is X alone: done at 245.5, not at Y's 250.5.
    assert_eq!(f.all_done_by, all_levels(date(245.5)));
    let o = options().attributes(vec![("epic".into(), "E9".into())]);
    let f = forecast_open(&tl, &o).unwrap();
    assert!(f.open_items.is_empty());
    assert_eq!(f.all_done_by, all_levels(None));
    assert!(f.warnings.iter().any(|w| w.contains("nothing to forecast")));
    let o = options().attributes(vec![("team".into(), "A".into())]);
    assert!(forecast_open(&tl, &o).is_err());
}

#[test]
fn bad_options_are_errors() {
    let tl = timelines_of(&log_csv(), AS_OF);
    for o in [
        options().confidence(vec![1.0]),
        options().confidence(vec![]),
        options().replications(0),
        options().horizon_days(-1.0),
    ] {
        assert!(forecast_open(&tl, &o).is_err(), "{o:?}");
    }
    assert!(calibrate_open(&tl, &options(), 0).is_err());
}

#[test]
fn json_keys_are_the_documented_ones() {
    let tl = timelines_of(&log_csv(), AS_OF);
    let f = forecast_open(&tl, &options()).unwrap();
    let v = serde_json::to_value(&f).unwrap();
    let item = v["open_items"][0].as_object().unwrap();
    let keys: Vec<&str> = item.keys().map(String::as_str).collect();
    assert_eq!(keys, ["age_days", "done_by", "id", "stage"]);
    let done_by = item["done_by"].as_object().unwrap();
    let keys: Vec<&str> = done_by.keys().map(String::as_str).collect();
    assert_eq!(keys, ["0.5", "0.85", "0.95"]);
    assert_eq!(done_by["0.85"], "2024-09-02"); // day 245.5 from 1 January 2024
    for k in [
        "as_of",
        "replications",
        "seed",
        "all_done_by",
        "trust",
        "warnings",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
}

/// P(Erlang(k, mean) ≤ t) = 1 − Σ_{n<k} e^{−x} xⁿ/n!, x = t/mean.
fn erlang_cdf(k: u32, mean: f64, t: f64) -> f64 {
    let x = t / mean;
    let (mut term, mut sum) = (1.0, 0.0);
    for n in 0..k {
        if n > 0 {
            term *= x / f64::from(n);
        }
        sum += term;
    }
    1.0 - (-x).exp() * sum
}

/// The t with `erlang_cdf(k, mean, t) = p`, by bisection.
fn erlang_quantile(k: u32, mean: f64, p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1000.0 * mean);
    for _ in 0..200 {
        let mid = f64::midpoint(lo, hi);
        if erlang_cdf(k, mean, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

#[test]
fn an_exponential_server_gives_exponential_and_erlang_remaining_times() {
    // X in Dev for 2 days, Y and Z queued behind it in that order; as_of at midnight.
    let mut csv = log_csv();
    csv += &format!("Z,Ready,{},E2\n", at(241.5).to_rfc3339());
    let as_of = 243.0;
    let tl = timelines_of(&csv, as_of);
    let mut fitted = fit(&tl, &fit_options()).unwrap();
    let mean = 10.0;
    let dev = fitted
        .model
        .stations
        .iter()
        .position(|s| s.name == "Dev")
        .unwrap();
    let st = &mut fitted.model.stations[dev];
    st.service = Distribution::exponential(mean).unwrap();
    st.servers = Servers::Finite(1);
    st.rework = None;
    let o = options().replications(4000).horizon_days(2000.0);
    let f = forecast_open_with(&fitted, &tl, &o).unwrap();
    for (id, k) in [("X", 1), ("Y", 2), ("Z", 3)] {
        let item = f.open_items.iter().find(|i| i.id == id).unwrap();
        for (key, p) in [("0.5", 0.5), ("0.85", 0.85), ("0.95", 0.95)] {
            // X: −ln(1 − p) × mean (memoryless); Y, Z: Erlang(2), Erlang(3).
            let exact = erlang_quantile(k, mean, p);
            let want = at(as_of + exact).date_naive();
            let got = item.done_by[key].unwrap();
            // The sampling error of a quantile of 4 000 draws is under half a day here.
            assert!(
                (got - want).num_days().abs() <= 2,
                "{id} at {key}: got {got}, exact {want} ({exact:.2} days)"
            );
        }
    }
    // The memoryless check on its own: X's 85% is −ln(0.15) × 10 = 18.97 days away.
    assert!((erlang_quantile(1, mean, 0.85) + 0.15f64.ln() * mean).abs() < 1e-6);
}

#[test]
fn calibration_counts_only_dates_that_end_by_the_log_end() {
    // Observed to day 252; the forecasts come from deterministic services.
    let tl = timelines_of(&log_csv(), 252.0);
    let c = calibrate_open(&tl, &options(), 28).unwrap();
    // The 30th item was done at day 6 × 29 + 5.5 = 179.5: instants 179.5, 207.5, 235.5.
    let instants: Vec<DateTime<Utc>> = c.points.iter().map(|p| p.as_of).collect();
    assert_eq!(instants, [at(179.5), at(207.5), at(235.5)]);
    // At 179.5 item 29 was done, 30 not yet arrived (day 180): nothing open. At 207.5,
    // item 34 (Dev since 204.5, done at 209.5). At 235.5, item 39 (Dev since 234.5, done
    // 239.5). Each date ends before 252 and each is met: 2 points per level, all met.
    let open: Vec<Vec<&str>> = c
        .points
        .iter()
        .map(|p| p.items.iter().map(|i| i.id.as_str()).collect())
        .collect();
    assert_eq!(open, [vec![], vec!["I-34"], vec!["I-39"]]);
    for h in &c.levels {
        assert_eq!((h.points, h.met), (2, 2), "{h:?}");
    }
    // Observed only to day 239: item 39's date (day 239, done at 239.5) ends after the
    // log's end, so it is not counted, whatever its outcome; item 34 still is.
    let tl = timelines_of(&log_csv(), 239.0);
    let c = calibrate_open(&tl, &options(), 28).unwrap();
    for h in &c.levels {
        assert_eq!((h.points, h.met), (1, 1), "{h:?}");
    }
}

#[test]
fn the_command_line_prints_the_dates() {
    let dir = std::env::temp_dir().join(format!("vs-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = log_csv();
    // The observation end is the last event: a marker item at day 242.5.
    csv += &format!("M,Ready,{},E3\n", at(AS_OF).to_rfc3339());
    let path = dir.join("log.csv");
    std::fs::write(&path, csv).unwrap();
    let wf = dir.join("wf.toml");
    std::fs::write(
        &wf,
        "[[stage]]\nname = \"Ready\"\nkind = \"wait\"\n[[stage]]\nname = \"Dev\"\nkind = \"active\"\n[[stage]]\nname = \"Done\"\nkind = \"done\"\n",
    )
    .unwrap();
    let command = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_valuestream"))
            .arg("forecast")
            .arg(&path)
            .arg("--workflow")
            .arg(&wf)
            .args(["--open", "--calendar", "none", "--one-class"])
            .args(extra)
            .output()
            .unwrap()
    };
    let run = |extra: &[&str]| {
        let out = command(extra);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let v: serde_json::Value =
        serde_json::from_str(&run(&["--where", "epic=E1", "--json"])).unwrap();
    assert_eq!(v["open_items"][0]["id"], "X");
    assert_eq!(v["open_items"][0]["done_by"]["0.85"], "2024-09-02");
    assert_eq!(v["open_items"].as_array().unwrap().len(), 1);
    let text = run(&["--where", "epic=E1"]);
    assert!(text.contains("X ") && text.contains("2024-09-02"), "{text}");
    assert!(text.contains("the 1 item done by 2024-09-02"), "{text}");
    // Calibrated: items 34 and 39 were open at the past instants (days 207.5 and 235.5),
    // both forecast exactly, both dates ending before day 242.5.
    let v: serde_json::Value =
        serde_json::from_str(&run(&["--calibrate", "--every", "28d", "--json"])).unwrap();
    let levels = v["calibration_detail"]["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 3);
    for l in levels {
        assert_eq!(
            (l["points"].as_u64(), l["met"].as_u64()),
            (Some(2), Some(2))
        );
    }
    assert_eq!(v["calibration"], v["calibration_detail"]["levels"]);
    assert!(
        v["trust"]
            .as_str()
            .unwrap()
            .contains("met 100% of the time")
    );
    let bad = command(&["--calibrate", "--every", "0d"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--every"));
    let both = command(&["--items", "3"]);
    assert_eq!(both.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
