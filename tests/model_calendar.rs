//! Working calendars and weekly arrivals, against oracles that do not come from the code:
//! instants computed by hand, the Poisson counts of a known rhythm, the utilisation ρ/a of a
//! server that works a share a of the week, and a log generated here (with its own
//! hour-by-hour working-time clock) whose calendar and service times are known.

mod real;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use statrs::distribution::{ChiSquared, ContinuousCDF};
use valuestream::{
    Arrivals, BacktestOptions, Calendar, CalendarFit, Distribution, EventLog, FitOptions, Servers,
    SimOptions, Simulation, Station, Timelines, ValueStream, Workflow, analyze, backtest, fit,
};

/// Monday 1 April 2013, 00:00 UTC.
fn monday() -> DateTime<Utc> {
    "2013-04-01T00:00:00Z".parse().unwrap()
}

const HOUR: f64 = 1.0 / 24.0;

#[test]
fn model_files_write_and_read_calendars_and_weekly_arrivals() {
    let text = r#"
[arrivals]
rate_per_day = 3.0
weekday = [1.2, 1.2, 1.2, 1.2, 1.2, 0.0, 0.0]
hour = [0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0]

[calendar]
origin = "2013-04-01T00:00:00Z"
weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]
hours = [8, 18]

[[stage]]
name = "Dev"
servers = 2
service = { dist = "exponential", mean_days = 0.2 }

[[stage]]
name = "Wait on user"
servers = "unlimited"
service = { dist = "exponential", mean_days = 1.0 }

[[stage]]
name = "Deploy"
servers = "unlimited"
service = { dist = "deterministic", days = 0.01 }
calendar = true
"#;
    let m = ValueStream::from_toml_str(text).unwrap();
    let c = m.calendar.as_ref().unwrap();
    assert_eq!(c.weekdays, vec![0, 1, 2, 3, 4]);
    assert_eq!(c.hours, [8, 18]);
    assert!(m.stations[0].on_calendar());
    assert!(!m.stations[1].on_calendar());
    assert!(m.stations[2].on_calendar());
    assert!(matches!(m.arrivals, Arrivals::Weekly { .. }));
    let again = ValueStream::from_toml_str(&m.to_toml()).unwrap();
    assert_eq!(m, again);
}

#[test]
fn a_calendar_without_working_hours_is_refused_with_a_clear_message() {
    let text = r#"
[arrivals]
rate_per_day = 1.0
[calendar]
origin = "2013-04-01T00:00:00Z"
weekdays = []
hours = [8, 18]
[[stage]]
name = "Dev"
service = { dist = "exponential", mean_days = 0.2 }
"#;
    let e = ValueStream::from_toml_str(text).unwrap_err().to_string();
    assert!(e.contains("no working hour"), "{e}");
    let bad_day = text.replace("weekdays = []", r#"weekdays = ["Mon", "Funday"]"#);
    let e = ValueStream::from_toml_str(&bad_day)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Funday"), "{e}");
}

/// One station on an office calendar, fed by the given arrival instants, with a
/// deterministic service: the log of its history.
fn office_history(arrivals: Vec<f64>, service_days: f64) -> EventLog {
    let m = ValueStream::new(
        Arrivals::Trace {
            times_days: arrivals,
        },
        vec![Station::new(
            "Dev",
            Servers::Finite(1),
            Distribution::deterministic(service_days).unwrap(),
        )],
    )
    .unwrap()
    .with_calendar(Calendar::office(monday(), [8, 18]).unwrap())
    .unwrap();
    let o = SimOptions::new()
        .replications(1)
        .horizon_days(60.0)
        .warmup_days(0.0);
    Simulation::new(&m).unwrap().history(&o, monday()).unwrap()
}

fn done_at(log: &EventLog, item: &str) -> DateTime<Utc> {
    log.events()
        .find(|e| e.item == item && e.state == "Done")
        .unwrap()
        .time
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn services_end_after_their_working_time_across_nights_and_weekends() {
    // By hand, hours 8–18 Monday to Friday:
    // - 2 hours from Friday 5 April 17:00: 1 on Friday, 1 on Monday → Monday 8 April 09:00;
    // - the next item arrives Saturday 12:00 and waits for the server (busy until Monday
    //   09:00), then 2 hours → Monday 11:00;
    // - an item arriving on Wednesday 10 April at 03:00 (night) starts at once, works from
    //   08:00 → 10:00.
    let log = office_history(vec![4.0 + 17.0 * HOUR, 5.5, 9.0 + 3.0 * HOUR], 2.0 * HOUR);
    assert_eq!(done_at(&log, "SIM-1"), at("2013-04-08T09:00:00Z"));
    assert_eq!(done_at(&log, "SIM-2"), at("2013-04-08T11:00:00Z"));
    assert_eq!(done_at(&log, "SIM-3"), at("2013-04-10T10:00:00Z"));
}

#[test]
fn a_service_longer_than_a_week_spans_whole_weeks() {
    // 120 working hours from Wednesday 3 April 10:00: two weeks of 50 hours land on
    // Wednesday 17 April 10:00; 20 more: Wed 10–18 (8), Thu 8–18 (10), Fri 8–10 (2).
    let log = office_history(vec![2.0 + 10.0 * HOUR], 120.0 * HOUR);
    assert_eq!(done_at(&log, "SIM-1"), at("2013-04-19T10:00:00Z"));
}

/// The expected share of a weekly rhythm's arrivals in each hour of the week.
fn profile(weekday: &[f64; 7], hour: &[f64; 24]) -> Vec<f64> {
    let total: f64 = weekday.iter().sum::<f64>() * hour.iter().sum::<f64>();
    (0..168)
        .map(|h| weekday[h / 24] * hour[h % 24] / total)
        .collect()
}

#[test]
fn weekly_arrivals_come_in_each_hour_of_the_week_as_often_as_the_profile_says() {
    let weekday = [1.0, 1.4, 1.2, 1.0, 0.8, 0.3, 0.1];
    let mut hour = [0.2; 24];
    (8..18).for_each(|h| hour[h] = 2.0);
    hour[12] = 1.0;
    // Day 0 on a Thursday at 15:30: the rhythm follows the calendar's origin.
    let origin: DateTime<Utc> = "2013-04-04T15:30:00Z".parse().unwrap();
    let m = ValueStream::new(
        Arrivals::Weekly {
            rate_per_day: 20.0,
            weekday,
            hour,
        },
        vec![Station::new(
            "Arrive",
            Servers::Unlimited,
            Distribution::deterministic(0.0).unwrap(),
        )],
    )
    .unwrap()
    .with_calendar(Calendar::new(origin, (0..7).collect(), [0, 24]).unwrap())
    .unwrap();
    let weeks = 300.0;
    let o = SimOptions::new()
        .replications(1)
        .horizon_days(7.0 * weeks)
        .warmup_days(0.0);
    let log = Simulation::new(&m).unwrap().history(&o, origin).unwrap();
    let mut counts = [0f64; 168];
    let mut n = 0.0;
    for e in log.events().filter(|e| e.state == "Arrive") {
        let h = e.time.weekday().num_days_from_monday() as usize * 24 + e.time.hour() as usize;
        counts[h] += 1.0;
        n += 1.0;
    }
    // The mean rate: 20 a day over 2100 days, within 4 Poisson standard errors.
    let expected_n = 20.0 * 7.0 * weeks;
    assert!((n - expected_n).abs() < 4.0 * expected_n.sqrt(), "{n}");
    // Each hour of the week: its share of the arrivals, by a chi-square test at 0.1%.
    let p = profile(&weekday, &hour);
    let chi2: f64 = (0..168)
        .map(|h| (counts[h] - n * p[h]).powi(2) / (n * p[h]))
        .sum();
    let critical = ChiSquared::new(167.0).unwrap().inverse_cdf(0.999);
    assert!(chi2 < critical, "chi-square {chi2} ≥ {critical}");
    // And each slot within 5 standard errors.
    for h in 0..168 {
        let e = n * p[h];
        assert!(
            (counts[h] - e).abs() < 5.0 * e.sqrt() + 1.0,
            "hour {h}: {} vs {e}",
            counts[h]
        );
    }
}

#[test]
fn an_arrivals_what_if_keeps_the_weekly_rhythm() {
    let weekday = [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5];
    let a = Arrivals::Weekly {
        rate_per_day: 2.0,
        weekday,
        hour: [1.0; 24],
    };
    let b = a.with_rate(3.0).unwrap();
    assert_eq!(
        b,
        Arrivals::Weekly {
            rate_per_day: 3.0,
            weekday,
            hour: [1.0; 24]
        }
    );
    assert_eq!(
        Arrivals::poisson(1.0).unwrap().with_rate(3.0).unwrap(),
        Arrivals::Poisson { rate_per_day: 3.0 }
    );
}

/// An M/M/1 whose server works Monday to Friday 08:00–18:00 (a = 50/168 of the week).
fn office_mm1(rate: f64, mean_service: f64) -> ValueStream {
    ValueStream::new(
        Arrivals::poisson(rate).unwrap(),
        vec![Station::new(
            "Dev",
            Servers::Finite(1),
            Distribution::exponential(mean_service).unwrap(),
        )],
    )
    .unwrap()
    .with_calendar(Calendar::office(monday(), [8, 18]).unwrap())
    .unwrap()
}

#[test]
fn a_server_on_a_calendar_is_utilised_rho_over_its_availability() {
    // ρ = λ E[S] = 1.5 × 0.1 = 0.15 of the clock; a = 50/168; ρ/a = 0.504.
    let a = 50.0 / 168.0;
    let expected = 1.5 * 0.1 / a;
    let m = office_mm1(1.5, 0.1);
    let o = SimOptions::new()
        .replications(4)
        .horizon_days(20_000.0)
        .warmup_days(500.0)
        .threads(2);
    let r = Simulation::new(&m).unwrap().run(&o).unwrap();
    let u = r.stations[0].utilisation.unwrap();
    assert!(
        (u - expected).abs() < 0.015,
        "simulated {u}, ρ/a = {expected}"
    );
    let an = analyze(&m).unwrap();
    let ua = an.stations[0].utilisation.unwrap();
    assert!((ua - expected).abs() < 1e-9, "analytic {ua}");
    assert!(!an.exact);
    assert!(
        an.warnings.iter().any(|w| w.contains("approximation")),
        "{:?}",
        an.warnings
    );
    // Throughput is the arrival rate: the calendar slows service, it loses no work.
    assert!((r.throughput.per_day - 1.5).abs() < 0.03);
}

#[test]
fn calendars_and_weekly_arrivals_are_reproducible_whatever_the_threads() {
    let mut m = office_mm1(1.5, 0.1);
    m.arrivals = Arrivals::Weekly {
        rate_per_day: 1.5,
        weekday: [1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.2],
        hour: [1.0; 24],
    };
    let o = SimOptions::new().replications(6).horizon_days(2_000.0);
    let one = Simulation::new(&m)
        .unwrap()
        .run(&o.clone().threads(1))
        .unwrap();
    let three = Simulation::new(&m).unwrap().run(&o.threads(3)).unwrap();
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&three).unwrap()
    );
}

/// Whether an instant is working time: Monday to Friday, 09:00 to 17:00 UTC.
fn working(t: DateTime<Utc>) -> bool {
    t.weekday().num_days_from_monday() < 5 && (9..17).contains(&t.hour())
}

/// `w` hours of working time from `t` on, hour by hour (this test's own clock): the first
/// instant at which they are done; a start in off time first waits for working time.
fn advance(mut t: DateTime<Utc>, mut w: f64) -> DateTime<Utc> {
    loop {
        let next_hour = (t + Duration::hours(1))
            .with_minute(0)
            .and_then(|x| x.with_second(0))
            .and_then(|x| x.with_nanosecond(0))
            .unwrap();
        if working(t) {
            let left = (next_hour - t).num_milliseconds() as f64 / 3.6e6;
            if w <= left {
                return t + Duration::milliseconds((w * 3.6e6).round() as i64);
            }
            w -= left;
        }
        t = next_hour;
    }
}

/// A log with a known calendar: one server, Mon–Fri 09–17 UTC, exponential services of 3
/// working hours on average; Poisson arrivals round the clock at 1.5 a day (the server is
/// busy 1.5 × 3 / (40 / 7 × 24 / 24 … ) ≈ 79% of its working time). Work starts only in
/// working time.
fn calendar_log(seed: u64) -> (Timelines, f64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut b = EventLog::builder();
    let mut t = monday();
    let mut free = monday();
    let mut services = Vec::new();
    for k in 0..1200 {
        let gap = -(1.0 - rng.random::<f64>()).ln() / 1.5;
        t += Duration::milliseconds((gap * 86_400_000.0) as i64);
        let id = format!("I-{k}");
        b.push(&id, "Queue", t);
        let start = advance(t.max(free), 0.0);
        let s = -(1.0 - rng.random::<f64>()).ln() * 3.0;
        services.push(s);
        let end = advance(start, s);
        b.push(&id, "Dev", start);
        b.push(&id, "Done", end);
        free = end;
    }
    let log = b.build();
    let wf = Workflow::from_toml_str(
        r#"
[[stage]]
name = "Queue"
kind = "wait"
[[stage]]
name = "Dev"
kind = "active"
servers = 1
[[stage]]
name = "Done"
kind = "done"
"#,
    )
    .unwrap();
    let mean = services.iter().sum::<f64>() / services.len() as f64;
    (Timelines::new(&log, &wf).unwrap(), mean)
}

#[test]
fn fit_recovers_a_known_calendar_and_the_working_time_services() {
    let (tl, true_mean_hours) = calendar_log(7);
    let f = fit(&tl, &FitOptions::new().calendar(CalendarFit::Auto)).unwrap();
    let found = f.calendar.as_ref().unwrap();
    let c = found
        .calendar
        .as_ref()
        .unwrap_or_else(|| panic!("{}", found.reason));
    assert_eq!(c.weekdays, vec![0, 1, 2, 3, 4]);
    assert_eq!(c.hours, [9, 17]);
    assert_eq!(f.model.calendar.as_ref(), Some(c));
    let mean_hours = f.stations[0].mean_days * 24.0;
    assert!(
        (mean_hours / 3.0 - 1.0).abs() < 0.10,
        "fitted {mean_hours} working hours, drawn {true_mean_hours}, true mean 3"
    );
    // Without the calendar, the same services measured on the clock are far longer.
    let clock = fit(&tl, &FitOptions::new().calendar(CalendarFit::None)).unwrap();
    assert!(clock.calendar.is_none() && clock.model.calendar.is_none());
    assert!(clock.stations[0].mean_days * 24.0 > 1.5 * mean_hours);
    // The arrivals came round the clock: no weekly rhythm to fit.
    let r = f.rhythm.as_ref().unwrap();
    assert!(!r.weekly, "{}", r.summary());
}

/// BPIC 2013: nobody works at weekends (602 and 79 starts and ends of work on Saturdays
/// and Sundays, against 3,870 to 10,346 on weekdays), so the fit finds Monday to Friday;
/// and what that buys on the held-out backtest: the incidents that wait over a weekend make
/// the 85th percentile, which the model on the clock misses by 31% and the model on the
/// calendar gets within the issue's ±20%.
#[test]
fn bpic2013_with_and_without_a_calendar() {
    let Some(tl) = real::bpic2013() else { return };
    let auto = fit(&tl, &FitOptions::new().calendar(CalendarFit::Auto)).unwrap();
    let found = auto.calendar.as_ref().unwrap();
    let cal = found.calendar.as_ref().expect("a working calendar");
    assert_eq!(cal.weekdays, [0, 1, 2, 3, 4], "{}", found.summary());
    assert!(found.by_weekday[5] + found.by_weekday[6] < found.by_weekday[1] / 4);
    println!("calendar: {}", found.summary());
    println!("by weekday {:?}", found.by_weekday);
    println!("by hour {:?}", found.by_hour);
    if let Some(r) = &auto.rhythm {
        println!("rhythm: {}", r.summary());
    }
    let mut p85 = Vec::new();
    for (name, cal) in [("none", CalendarFit::None), ("auto", CalendarFit::Auto)] {
        let o = BacktestOptions::new()
            .threads(2)
            .fit(FitOptions::new().calendar(cal));
        let b = backtest(&tl, &o).unwrap();
        p85.push(b.errors.p85);
        println!(
            "calendar {name}: CTDD {:.3} of the mean; mean {:+.3}, p85 {:+.3}, throughput {:+.3}, WIP {:+.3}; {}",
            b.ctdd_relative,
            b.errors.mean,
            b.errors.p85,
            b.errors.throughput,
            b.errors.wip,
            b.verdict.summary
        );
        assert!(b.ctdd_relative <= 0.4, "{}", b.ctdd_relative);
    }
    assert!(
        p85[0] < -0.2 && p85[1].abs() <= 0.2,
        "p85 without, with: {p85:?}"
    );
}

/// The figures of `tools/indep_calendar_sim.py` (SimPy, written from the issue's text):
/// `(mean, sd over its replications)` of a measure.
fn truth(measure: &str) -> (f64, f64) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/calendar/truth.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    (
        v[measure]["mean"].as_f64().unwrap(),
        v[measure]["sd"].as_f64().unwrap(),
    )
}

#[test]
fn an_office_hours_server_matches_an_independent_simpy_simulation() {
    // The same case: Poisson 1.5 a day round the clock, one server Mon–Fri 08–18 UTC,
    // exponential services of 0.1 working days; 10 replications of 20 000 days, 1 000 of
    // warm-up, on each side.
    let m = office_mm1(1.5, 0.1);
    let o = SimOptions::new()
        .replications(10)
        .horizon_days(20_000.0)
        .warmup_days(1_000.0)
        .threads(2);
    let r = Simulation::new(&m).unwrap().run(&o).unwrap();
    // Each side's mean over 10 replications has a standard error of sd/√10; the two differ
    // by chance by at most 4 standard errors of the difference.
    let close = |ours: f64, measure: &str| {
        let (theirs, sd) = truth(measure);
        let tol = 4.0 * (2.0 * sd * sd / 10.0).sqrt();
        println!("{measure}: ours {ours:.4}, SimPy {theirs:.4} (tolerance {tol:.4})");
        assert!(
            (ours - theirs).abs() <= tol.max(1e-3 * theirs),
            "{measure}: ours {ours}, SimPy {theirs} ± {tol}"
        );
    };
    close(r.cycle_time_days.mean, "mean");
    close(r.cycle_time_days.p85, "p85");
    close(r.throughput.per_day, "throughput");
    close(r.stations[0].utilisation.unwrap(), "utilisation");
}
