//! Monte Carlo forecasts against exact answers: constant throughput, and a two-point
//! daily throughput whose sums are binomial and whose waiting times are negative binomial.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use valuestream::{
    Calibration, Error, Forecast, ForecastMethod, ForecastOptions, LevelHits, LogReader, Question,
    Stage, StageKind, Timelines, Workflow, calibrate, forecast,
};

fn workflow() -> Workflow {
    Workflow::new(
        vec![
            Stage::new("Dev", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap()
}

/// A log starting on 1 January 2024 at midnight, with `per_day[k]` items done at noon of
/// day k, observed until midnight after the last day (an item still in Dev marks it).
fn timelines(per_day: &[u32]) -> Timelines {
    let day0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut csv = String::from("id,state,timestamp\n");
    let mut n = 0;
    for (k, &count) in per_day.iter().enumerate() {
        for _ in 0..count {
            n += 1;
            let done = day0 + Duration::days(k as i64) + Duration::hours(12);
            csv += &format!(
                "I-{n},Dev,{}\nI-{n},Done,{}\n",
                day0.to_rfc3339(),
                done.to_rfc3339()
            );
        }
    }
    let end = day0 + Duration::days(per_day.len() as i64);
    csv += &format!(
        "OPEN,Dev,{}\nSTART,Dev,{}\n",
        end.to_rfc3339(),
        day0.to_rfc3339()
    );
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    Timelines::new(&log, &workflow()).unwrap()
}

/// Single days drawn uniformly: the bootstrap whose answers the exact oracles give.
fn options(trials: u32, seed: u64) -> ForecastOptions {
    ForecastOptions::new()
        .method(ForecastMethod::Days)
        .trials(trials)
        .seed(seed)
        .confidence(vec![0.7, 0.85, 0.95])
}

fn items(f: &Forecast) -> Vec<u64> {
    f.answers.iter().map(|a| a.items.unwrap()).collect()
}

fn days(f: &Forecast) -> Vec<u64> {
    f.answers.iter().map(|a| a.days.unwrap()).collect()
}

#[test]
fn constant_throughput_forecasts_exactly() {
    let tl = timelines(&[2; 20]);
    let o = options(1000, 1);
    let f = forecast(&tl, Question::HowMany { days: 10 }, &o).unwrap();
    assert_eq!(f.history.days, 20);
    assert_eq!(f.history.items_done, 40);
    assert_eq!(f.history.days_without_delivery, 0);
    assert_eq!(items(&f), [20, 20, 20]);
    assert_eq!(f.mean, 20.0);
    // 7 items at 2 a day: the fourth day.
    let f = forecast(&tl, Question::When { items: 7 }, &o).unwrap();
    assert_eq!(days(&f), [4, 4, 4]);
    // Observed until midnight of 21 January: day 1 is 21 January, day 4 the 24th.
    let d = NaiveDate::from_ymd_opt(2024, 1, 24).unwrap();
    assert!(f.answers.iter().all(|a| a.date == Some(d)));
}

#[test]
fn two_point_throughput_matches_the_binomial_and_negative_binomial_answers() {
    // Days sampled: 0 or 2 items, each with probability 1/2.
    let tl = timelines(&[0, 2]);
    let o = options(200_000, 7).confidence(vec![0.3, 0.7, 0.85, 0.95]);
    // In 3 days: 2 × Binomial(3, 1/2) items; P(≥ 6) = 1/8, P(≥ 4) = 1/2, P(≥ 2) = 7/8,
    // P(≥ 0) = 1. The largest x with P(≥ x) ≥ c: 4 at 30%, 2 at 70% and 85%, 0 at 95%.
    let f = forecast(&tl, Question::HowMany { days: 3 }, &o).unwrap();
    assert_eq!(items(&f), [4, 2, 2, 0]);
    assert!((f.mean - 3.0).abs() < 0.02, "mean {}", f.mean);
    // 3 items need two days of 2: P(days ≤ d) = 1 − (1 + d)/2^d: 0.25, 0.5, 0.6875,
    // 0.8125, 0.890625, 0.9375, 0.96484 for d = 2..8. The smallest d with P ≥ c: 3 at 30%,
    // 5 at 70%, 6 at 85%, 8 at 95%. Mean 2 / (1/2) = 4 days.
    let f = forecast(&tl, Question::When { items: 3 }, &o).unwrap();
    assert_eq!(days(&f), [3, 5, 6, 8]);
    assert!((f.mean - 4.0).abs() < 0.02, "mean {}", f.mean);
}

#[test]
fn the_same_seed_gives_the_same_forecast_and_another_seed_another_sample() {
    let tl = timelines(&[0, 3, 1, 0, 5, 2, 1]);
    let q = Question::When { items: 40 };
    let a = forecast(&tl, q, &options(2000, 1)).unwrap();
    let b = forecast(&tl, q, &options(2000, 1)).unwrap();
    let c = forecast(&tl, q, &options(2000, 2)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.mean, c.mean);
}

#[test]
fn only_whole_days_and_done_items_are_sampled() {
    let day0 = Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap();
    let at = |h: i64| (day0 + Duration::hours(h)).to_rfc3339();
    let csv = format!(
        "id,state,timestamp\n\
         A,Dev,{}\nA,Done,{}\n\
         B,Dev,{}\nB,Done,{}\n\
         C,Done,{}\n\
         D,Dev,{}\nD,Done,{}\n\
         E,Dev,{}\n",
        at(0),
        at(2), // done on 1 January, which began before the first event: not sampled
        at(1),
        at(20), // done on 2 January
        at(30), // done on 2 January but never committed: discarded, not counted
        at(1),
        at(62), // done on 3 January at 23:00
        at(65), // as_of: 4 January 02:00, so 4 January is not whole
    );
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let tl = Timelines::new(&log, &workflow()).unwrap();
    let f = forecast(&tl, Question::HowMany { days: 5 }, &options(100, 1)).unwrap();
    let h = &f.history;
    assert_eq!(
        (h.first_day.to_string(), h.last_day.to_string()),
        ("2024-01-02".to_owned(), "2024-01-03".to_owned())
    );
    assert_eq!(h.per_day, [1, 1]);
    assert_eq!(items(&f), [5, 5, 5]);
    // Day 1 of the future is 5 January, the first that begins after as_of.
    let f = forecast(&tl, Question::When { items: 2 }, &options(100, 1)).unwrap();
    assert_eq!(
        f.answers[0].date,
        NaiveDate::from_ymd_opt(2024, 1, 6),
        "{f:?}"
    );
    // history_days keeps the last days only.
    let last = options(100, 1).history_days(1);
    let f = forecast(&tl, Question::HowMany { days: 1 }, &last).unwrap();
    assert_eq!(f.history.first_day.to_string(), "2024-01-03");
    assert_eq!(f.history.per_day, [1]);
}

#[test]
fn warnings_name_a_short_thin_or_drifting_history() {
    let f = forecast(
        &timelines(&[1, 0, 1]),
        Question::HowMany { days: 3 },
        &ForecastOptions::default(),
    )
    .unwrap();
    assert!(
        f.warnings.iter().any(|w| w.contains("only 3 days")),
        "{:?}",
        f.warnings
    );
    assert!(
        f.warnings.iter().any(|w| w.contains("only 2 items")),
        "{:?}",
        f.warnings
    );
    let mut drift = vec![4; 30];
    drift.extend([1; 30]);
    let days = ForecastOptions::default().method(ForecastMethod::Days);
    let f = forecast(&timelines(&drift), Question::HowMany { days: 3 }, &days).unwrap();
    assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
    assert!(f.warnings[0].contains("4.00 a day in its first half, 1.00"));
    // The default finds the change on day 31 (31 January) and samples the 30 days since.
    let f = forecast(
        &timelines(&drift),
        Question::HowMany { days: 3 },
        &ForecastOptions::default(),
    )
    .unwrap();
    assert_eq!(f.history.changed_on.unwrap().to_string(), "2024-01-31");
    assert_eq!((f.history.days, f.history.items_done), (30, 30));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    let f = forecast(
        &timelines(&[2; 60]),
        Question::HowMany { days: 3 },
        &ForecastOptions::default(),
    )
    .unwrap();
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn bad_questions_and_options_are_clear_errors() {
    let tl = timelines(&[1, 2]);
    let q = Question::HowMany { days: 3 };
    let err = |q: Question, o: &ForecastOptions| match forecast(&tl, q, o) {
        Err(Error::InvalidArgument(m)) => m,
        other => panic!("expected an error, got {other:?}"),
    };
    let o = ForecastOptions::default();
    assert!(err(Question::HowMany { days: 0 }, &o).contains("at least 1 day"));
    assert!(err(Question::HowMany { days: 100_000 }, &o).contains("at most"));
    assert!(err(Question::When { items: 0 }, &o).contains("at least 1 item"));
    let m = err(q, &o.clone().confidence(vec![0.85, 1.0]));
    assert!(m.contains("between 0 and 1"), "{m}");
    for trials in [0, 2_000_000] {
        let o = o.clone().trials(trials);
        assert!(err(q, &o).contains("1 to 1000000 trials"), "{trials}");
    }
    // Nothing done: how many is zero (with a warning); when cannot be answered.
    let idle = timelines(&[0, 0, 0]);
    let f = forecast(&idle, q, &o).unwrap();
    assert!(f.answers.iter().all(|a| a.items == Some(0)));
    assert!(f.warnings.iter().any(|w| w.contains("nothing was done")));
    match forecast(&idle, Question::When { items: 1 }, &o) {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("no throughput"), "{m}"),
        other => panic!("{other:?}"),
    }
    match forecast(&tl, Question::When { items: u32::MAX }, &o) {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("years"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A window of a few hours holds no whole day.
    let csv = "id,state,timestamp\nA,Dev,2024-01-01T09:00:00Z\nA,Done,2024-01-01T15:00:00Z\n";
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let short = Timelines::new(&log, &workflow()).unwrap();
    match forecast(&short, q, &o) {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("no whole day"), "{m}"),
        other => panic!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// More confidence never promises more items or fewer days, and answers stay within
    /// what the sample allows.
    #[test]
    fn answers_are_monotone_and_bounded(per_day in prop::collection::vec(0u32..5, 2..20), days in 1u32..15, n in 1u32..30) {
        let tl = timelines(&per_day);
        let o = ForecastOptions::new().trials(500);
        let a = forecast(&tl, Question::HowMany { days }, &o).unwrap();
        let (lo, hi) = (*per_day.iter().min().unwrap(), *per_day.iter().max().unwrap());
        for w in a.answers.windows(2) {
            prop_assert!(w[0].items >= w[1].items);
        }
        for x in &a.answers {
            let x = x.items.unwrap();
            prop_assert!(x >= u64::from(lo * days) && x <= u64::from(hi * days));
        }
        if per_day.iter().any(|&d| d > 0) {
            let w = forecast(&tl, Question::When { items: n }, &o).unwrap();
            for pair in w.answers.windows(2) {
                prop_assert!(pair[0].days <= pair[1].days);
            }
            let fastest = u64::from(n.div_ceil(hi));
            prop_assert!(w.answers.iter().all(|a| a.days.unwrap() >= fastest));
        }
    }
}

/// `valuestream forecast` prints the library's forecast; a missing or empty question is
/// bad input (exit 2).
#[cfg(feature = "cli")]
#[test]
fn the_command_line_prints_the_forecast() {
    use std::process::Command;
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_valuestream"))
            .arg("forecast")
            .arg(root.join("data/story/log.csv"))
            .arg("--workflow")
            .arg(root.join("data/story/workflow.toml"))
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run(&["--items", "50", "--json", "--seed", "3"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["question"]["when"]["items"], 50);
    assert_eq!(v["history"]["days"], 90);
    let log = LogReader::builder()
        .build()
        .read_path(root.join("data/story/log.csv"))
        .unwrap();
    let wf = Workflow::from_path(root.join("data/story/workflow.toml")).unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    let f = forecast(
        &tl,
        Question::When { items: 50 },
        &ForecastOptions::new().seed(3),
    )
    .unwrap();
    assert_eq!(v["answers"], serde_json::to_value(&f.answers).unwrap());
    for (a, c) in v["answers"]
        .as_array()
        .unwrap()
        .iter()
        .zip([0.5, 0.7, 0.85, 0.95])
    {
        assert_eq!(a["confidence"], c);
        assert!(
            a["days"].as_u64().unwrap() > 0 && a["date"].is_string(),
            "{a}"
        );
    }
    let o = run(&["--days", "14"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("85% confidence: at least"), "{text}");
    for bad in [
        &[][..],
        &["--items", "0"][..],
        &["--items", "3", "--days", "4"][..],
    ] {
        let o = run(bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
    let o = run(&["--items", "0"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least 1 item"));
    let o = run(&["--days", "7", "--confidence", "80,99", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let levels: Vec<f64> = v["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["confidence"].as_f64().unwrap())
        .collect();
    assert_eq!(levels, [0.8, 0.99]);
    let o = run(&["--days", "7", "--confidence", "100"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("percentage"));
    // The story log is long enough for the forecast to say how it held up.
    let o = run(&["--days", "14"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("Checked on this log's past (every 7 days): the 85% forecast was met"),
        "{text}"
    );
    for (bad, says) in [
        (&["--days", "7", "--method", "magic"][..], "--method magic"),
        (&["--calibrate", "--every", "0d"][..], "--every 0d"),
        (&["--calibrate", "--every", "week"][..], "--every week"),
    ] {
        let o = run(bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(says), "{bad:?}");
    }
}

#[test]
fn calibrate_on_the_command_line_is_the_library_s() {
    use std::process::Command;
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let o = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .arg("forecast")
        .arg(root.join("data/story/log.csv"))
        .args(["--workflow"])
        .arg(root.join("data/story/workflow.toml"))
        .args(["--calibrate", "--days", "14", "--every", "2w", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let log = LogReader::builder()
        .build()
        .read_path(root.join("data/story/log.csv"))
        .unwrap();
    let wf = Workflow::from_path(root.join("data/story/workflow.toml")).unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    let q = Question::HowMany { days: 14 };
    let c = calibrate(&tl, q, &ForecastOptions::new(), 14).unwrap();
    let lib = serde_json::to_value(&c).unwrap();
    assert_eq!(v["calibrations"][0]["points"], lib["points"]);
    for (a, b) in v["calibrations"][0]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .zip(lib["levels"].as_array().unwrap())
    {
        assert_eq!((&a["points"], &a["met"]), (&b["points"], &b["met"]));
        let close = |k: &str| (a[k].as_f64().unwrap() - b[k].as_f64().unwrap()).abs() < 1e-12;
        assert!(close("share") && close("claimed"), "{a} {b}");
    }
    // Every method, for comparison, the default among them.
    let methods: Vec<&str> = v["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["days", "weeks", "recent", "regime"]);
    // Each point's met is its actual against its answers.
    for p in v["calibrations"][0]["points"].as_array().unwrap() {
        let actual = p["actual"].as_u64().unwrap();
        for (a, m) in p["answers"]
            .as_array()
            .unwrap()
            .iter()
            .zip(p["met"].as_array().unwrap())
        {
            assert_eq!(m.as_bool().unwrap(), actual >= a["items"].as_u64().unwrap());
        }
    }
    // Without a question, both: 14 days, and the items the recent days would deliver in 14.
    let o = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .arg("forecast")
        .arg(root.join("data/story/log.csv"))
        .args(["--workflow"])
        .arg(root.join("data/story/workflow.toml"))
        .arg("--calibrate")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("How many items in the next 14 days? Checked at"),
        "{text}"
    );
    assert!(text.contains("When will "), "{text}");
    assert!(text.contains("  85% "), "{text}");
}

#[test]
fn an_extract_is_checked_from_its_steady_window_unless_asked() {
    // 40 items over 400 days, then 4 a day for 40 days: the window check calls it an
    // extract from day 400 on, which leaves too few days to check a forecast at.
    // Each item arrives at the start of the day it is done.
    let day0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut csv = String::from("id,state,timestamp\n");
    for k in 0..200 {
        let d = if k < 40 { k * 10 } else { 400 + (k - 40) / 4 };
        let day = day0 + Duration::days(d);
        csv += &format!("I{k},Dev,{day}T00:00:00Z\nI{k},Done,{day}T12:00:00Z\n");
    }
    csv += "end,Dev,2025-02-14T00:00:00Z\n";
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let tl = Timelines::new(&log, &workflow()).unwrap();
    let q = Question::HowMany { days: 14 };
    let Err(Error::InvalidArgument(m)) = calibrate(&tl, q, &ForecastOptions::new(), 7) else {
        panic!("an extract's steady window is too short to check")
    };
    assert!(m.contains("looks like an extract"), "{m}");
    let f = forecast(&tl, q, &ForecastOptions::new()).unwrap();
    assert!(
        f.history.first_day >= NaiveDate::from_ymd_opt(2025, 2, 4).unwrap(),
        "{:?}",
        f.history
    );
    assert!(
        f.warnings.iter().any(|w| w.contains("extract")),
        "{:?}",
        f.warnings
    );
    let whole = ForecastOptions::new().whole_window(true);
    let c = calibrate(&tl, q, &whole, 7).unwrap();
    assert!(c.points.len() > 50);
}

#[test]
fn a_forecast_can_be_of_one_kind_of_item() {
    // Every day one bug and two stories are done.
    let day0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut csv = String::from("id,state,timestamp,type\n");
    for d in 0..30i64 {
        let done = (day0 + Duration::days(d) + Duration::hours(12)).to_rfc3339();
        for (k, ty) in ["Bug", "Story", "Story"].iter().enumerate() {
            let id = format!("{ty}-{d}-{k}");
            csv += &format!(
                "{id},Dev,{},{ty}\n{id},Done,{done},{ty}\n",
                day0.to_rfc3339()
            );
        }
    }
    csv += &format!(
        "OPEN,Dev,{},Bug\n",
        (day0 + Duration::days(30)).to_rfc3339()
    );
    let log = LogReader::builder()
        .attribute("type")
        .build()
        .read(csv.as_bytes())
        .unwrap();
    let tl = Timelines::new(&log, &workflow()).unwrap();
    let q = Question::HowMany { days: 10 };
    let all = forecast(&tl, q, &options(200, 1)).unwrap();
    assert_eq!(items(&all), [30, 30, 30]);
    let bugs = options(200, 1).attributes(vec![("type".into(), "Bug".into())]);
    let f = forecast(&tl, q, &bugs).unwrap();
    assert_eq!(f.history.items_done, 30);
    assert_eq!(items(&f), [10, 10, 10]);
    let unknown = options(200, 1).attributes(vec![("team".into(), "A".into())]);
    match forecast(&tl, q, &unknown) {
        Err(Error::InvalidArgument(m)) => {
            assert!(m.contains("\"team\"") && m.contains("\"type\""), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

/// `days` of i.i.d. Poisson throughput, `rate` a day before day `change` and `after` from
/// it on (seeded).
fn poisson_days(days: usize, rate: f64, change: usize, after: f64, seed: u64) -> Vec<u32> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Poisson};
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
    let (before, later) = (Poisson::new(rate).unwrap(), Poisson::new(after).unwrap());
    (0..days)
        .map(|d| {
            let p = if d < change { &before } else { &later };
            p.sample(&mut rng) as u32
        })
        .collect()
}

/// The share met at the 85% level over the points from day `from` on, their number, and
/// the probability the forecasts claimed there on average.
fn share_from(c: &Calibration, from: NaiveDate) -> (f64, usize) {
    let k = c
        .levels
        .iter()
        .position(|h| (h.confidence - 0.85).abs() < 1e-9)
        .unwrap();
    let met: Vec<bool> = c
        .points
        .iter()
        .filter(|p| p.day_one >= from)
        .filter_map(|p| p.met[k])
        .collect();
    let hits = met.iter().filter(|&&m| m).count();
    (hits as f64 / met.len() as f64, met.len())
}

/// Within three standard errors of the claimed probability: what sampling error explains.
fn calibrated(h: &LevelHits) -> bool {
    let (p, n) = (h.expected(), h.points as f64);
    (h.share.unwrap() - p).abs() <= 3.0 * (p * (1.0 - p) / n).sqrt()
}

#[test]
fn an_iid_stream_is_calibrated_within_its_sampling_error() {
    // 2,000 days of Poisson(3) throughput; 14-day questions every 14 days: the windows do
    // not overlap, so the points are independent.
    let tl = timelines(&poisson_days(2000, 3.0, 2000, 3.0, 11));
    for method in [ForecastMethod::Days, ForecastMethod::default()] {
        let o = ForecastOptions::new().method(method).trials(4000);
        for q in [Question::HowMany { days: 14 }, Question::When { items: 40 }] {
            let c = calibrate(&tl, q, &o, 14).unwrap();
            assert!(c.levels[0].points > 120, "{}", c.levels[0].points);
            for h in &c.levels {
                assert!(calibrated(h), "{method:?} {q:?}: {}", h.sentence());
                assert!(!h.miscalibrated(), "{method:?} {q:?}: {}", h.sentence());
            }
        }
    }
}

#[test]
fn a_halving_throughput_miscalibrates_the_naive_method_and_not_the_default() {
    // Poisson(4) a day for 400 days, then Poisson(2) for 200: 85% forecasts of the next
    // 14 days, made every 7 days, judged on the points after the change.
    let per_day = poisson_days(600, 4.0, 400, 2.0, 5);
    let tl = timelines(&per_day);
    let change = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(400);
    let q = Question::HowMany { days: 14 };
    let naive = ForecastOptions::new().method(ForecastMethod::Days);
    let c = calibrate(&tl, q, &naive, 7).unwrap();
    let (share, n) = share_from(&c, change);
    assert!(n >= 25, "{n}");
    // Its 90 days of history hold the old rate for weeks after the change.
    assert!(share < 0.7, "naive: {share} over {n} points");
    let c = calibrate(&tl, q, &ForecastOptions::new(), 7).unwrap();
    let (share, n) = share_from(&c, change);
    assert!(share >= 0.75, "default: {share} over {n} points");
    // Before the change both are calibrated.
    let h = c.levels.iter().find(|h| h.confidence == 0.85).unwrap();
    assert!(h.share.unwrap() > 0.8, "{}", h.sentence());
}

#[test]
fn an_item_done_when_observation_ends_at_midnight_is_done_the_next_day() {
    // One item a day for 20 days, observed until midnight after the last; one more item
    // done at that very instant belongs to the day it begins, which is not whole.
    let day0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut csv = String::from("id,state,timestamp\n");
    for k in 0..20 {
        let done = day0 + Duration::days(k) + Duration::hours(12);
        csv += &format!(
            "I{k},Dev,{}\nI{k},Done,{}\n",
            day0.to_rfc3339(),
            done.to_rfc3339()
        );
    }
    let end = day0 + Duration::days(20);
    csv += &format!("L,Dev,{}\nL,Done,{}\n", day0.to_rfc3339(), end.to_rfc3339());
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let tl = Timelines::new(&log, &workflow()).unwrap();
    let f = forecast(&tl, Question::HowMany { days: 1 }, &ForecastOptions::new()).unwrap();
    assert_eq!((f.history.days, f.history.items_done), (20, 20));
    assert_eq!(f.history.per_day, [1; 20]);
}
