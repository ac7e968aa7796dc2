//! pm4py's own interval log (`tests/data/peers/pm4py/`, see its README) in its two forms:
//! XES events with a `start_timestamp` attribute, as pm4py writes interval logs, and the CSV
//! of the same log. Both give the same events and the same report. pm4py's tests on this log
//! (tests/other_tests.py: service time, concurrent activities, eventually-follows) assert no
//! figures, so the figures checked here are computed by hand from the rows.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use valuestream::{
    Format, LogReader, Metrics, MetricsOptions, Preset, Timelines, Workflow, detect,
};

fn peer(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/peers/pm4py")
        .join(file)
}

fn read(file: &str) -> (valuestream::EventLog, Preset) {
    let path = peer(file);
    let Format::Preset(preset) = detect(&path).unwrap().format else {
        panic!("{file} is not recognised as a preset");
    };
    let log = LogReader::builder()
        .format(Format::Auto)
        .build()
        .read_path(&path)
        .unwrap();
    (log, preset)
}

fn timelines(file: &str) -> Timelines {
    let (log, preset) = read(file);
    Timelines::new(&log, &Workflow::for_preset(preset, &log).unwrap()).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn the_xes_and_the_csv_give_the_same_events() {
    let (xes, xp) = read("interval_event_log.xes");
    let (csv, cp) = read("interval_event_log.csv");
    assert_eq!((xp, cp), (Preset::Xes, Preset::Pm4py));
    assert_eq!((xes.rows(), csv.rows()), (18, 18));
    let events = |log: &valuestream::EventLog| {
        let mut v: Vec<(String, String, DateTime<Utc>)> = log
            .events()
            .map(|e| (e.item.to_owned(), e.state.to_owned(), e.time))
            .collect();
        v.sort();
        v
    };
    // 18 intervals of 3 cases: a start each, a queue before every interval that does not
    // follow the previous one at once (15), and Done at each case's last end (3).
    assert_eq!(events(&xes).len(), 18 + 15 + 3);
    assert_eq!(events(&xes), events(&csv));
    assert_eq!(
        xes.states().collect::<Vec<_>>(),
        csv.states().collect::<Vec<_>>()
    );
}

#[test]
fn the_xes_and_the_csv_give_the_same_report() {
    let (x, c) = (
        timelines("interval_event_log.xes"),
        timelines("interval_event_log.csv"),
    );
    assert_eq!(x.workflow().to_toml(), c.workflow().to_toml());
    let report = |tl: &Timelines| {
        let r = Metrics::new(tl, &MetricsOptions::new())
            .unwrap()
            .report()
            .unwrap();
        let mut v = serde_json::to_value(&r).unwrap();
        // The only difference: the file each was read from.
        v["data_quality"]["source"] = serde_json::Value::Null;
        v
    };
    assert_eq!(report(&x), report(&c));
}

#[test]
fn case_durations_and_service_times_by_hand() {
    for file in ["interval_event_log.xes", "interval_event_log.csv"] {
        let tl = timelines(file);
        let c1 = tl.get("C1").unwrap();
        // C1 starts placing its order at 2015-01-05 09:00:07 and ends confirming payment at
        // 2015-01-22 12:35:56: 17 days 3:35:49 (pm4py's case duration of an interval log,
        // from the first start to the last end).
        assert_eq!(c1.arrival(), at("2015-01-05T09:00:07Z"));
        assert_eq!(c1.done(), Some(at("2015-01-22T12:35:56Z")));
        let by_hand = 17.0 + (3.0 * 3600.0 + 35.0 * 60.0 + 49.0) / 86_400.0;
        assert!(
            (c1.lead_time_days().unwrap() - by_hand).abs() < 1e-9,
            "{file}"
        );
        // Its service at "make delivery" (pm4py's service time): 09:51:47 → 11:09:40.
        let wf = tl.workflow();
        let make = wf.stage_index("make delivery").unwrap();
        assert!((c1.days_in_stage(make) - 4673.0 / 86_400.0).abs() < 1e-9);
        // Its wait before "send invoice": from the end of "place order" (01-05 09:02:50)
        // to the start of "send invoice" (01-07 09:21:32), 2 days 0:18:42.
        let queue = wf.stage_index("send invoice queue").unwrap();
        let wait = 2.0 + (18.0 * 60.0 + 42.0) / 86_400.0;
        assert!((c1.days_in_stage(queue) - wait).abs() < 1e-9);
        // The mean service time of "make delivery" over the three cases (C1 4673 s, C2
        // 16:21:00 → 17:16:07 = 3307 s, C3 16:08:31 → 16:46:11 = 2260 s): 10 240 s / 3.
        let stages = Metrics::new(&tl, &MetricsOptions::new()).unwrap().stages();
        let m = stages.iter().find(|s| s.name == "make delivery").unwrap();
        assert_eq!(m.visits, 3);
        assert!((m.visit_days.mean.unwrap() - 10_240.0 / 3.0 / 86_400.0).abs() < 1e-9);
    }
}

#[test]
fn a_start_after_its_end_is_a_bad_row_in_xes_as_in_csv() {
    let xes = r#"<?xml version="1.0" encoding="UTF-8"?>
<log><trace><string key="concept:name" value="C1"/>
<event><string key="concept:name" value="pay"/><date key="time:timestamp" value="2015-01-05T09:00:00+00:00"/><date key="start_timestamp" value="2015-01-05T10:00:00+00:00"/></event>
</trace></log>
"#;
    let e = LogReader::builder()
        .preset(Preset::Xes)
        .name("bad.xes")
        .build()
        .read(xes.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ends before it starts") && e.contains("start_timestamp"),
        "{e}"
    );
}
