//! Fitting, backtesting and what-if against an independent simulator (SimPy, see
//! `tests/data/indep/README.md`) whose parameters are known.

use std::path::PathBuf;

use valuestream::{
    Batch, FitOptions, LogReader, Servers, ServersFrom, ServiceModel, SimOptions, StageKind,
    Timelines, Workflow, fit, in_sample_backtest, leverage, what_if,
};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/indep")
        .join(name)
}

fn timelines() -> Timelines {
    let log = LogReader::builder()
        .build()
        .read_path(data("line_log.csv"))
        .unwrap();
    // No servers given: the fit must find them.
    let wf = Workflow::infer(log.states()).unwrap();
    assert!(wf.stages().iter().all(|s| s.servers.is_none()));
    Timelines::new(&log, &wf).unwrap()
}

fn truth(change: &str) -> f64 {
    let text = std::fs::read_to_string(data("line_truth.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["results"][change]["delta_rel"].as_f64().unwrap()
}

/// (name, servers, mean service days) of the independent simulation.
const TRUE: [(&str, u32, f64); 4] = [
    ("Dev", 3, 1.05),
    ("Review", 1, 0.3),
    ("Test", 2, 0.8),
    ("Deploy", 1, 0.1),
];

#[test]
fn fit_recovers_service_means_and_servers() {
    let tl = timelines();
    for service in [ServiceModel::Empirical, ServiceModel::Parametric] {
        let f = fit(&tl, &FitOptions::new().service(service)).unwrap();
        assert_eq!(f.stations.len(), 4);
        for ((name, servers, mean), st) in TRUE.iter().zip(&f.stations) {
            assert_eq!(st.name, *name);
            assert_eq!(st.queue, [format!("{name} queue")]);
            assert_eq!(st.servers, Some(*servers), "{name}");
            assert_eq!(st.servers_from, ServersFrom::PeakConcurrency);
            let err = (st.mean_days - mean).abs() / mean;
            assert!(
                err < 0.10,
                "{name}: fitted mean {} against {mean}",
                st.mean_days
            );
            let model_mean = f
                .model
                .stations
                .iter()
                .find(|s| s.name == *name)
                .unwrap()
                .service
                .mean();
            assert!(
                (model_mean - mean).abs() / mean < 0.10,
                "{name}: model mean {model_mean}"
            );
            assert!(st.rework.is_none() && st.release.is_none());
        }
        assert!(
            (f.arrivals.rate_per_day - 2.0).abs() < 0.2,
            "{:?}",
            f.arrivals
        );
        assert!(f.arrivals.poisson);
    }
}

#[test]
fn maximum_likelihood_picks_the_true_families() {
    let f = fit(
        &timelines(),
        &FitOptions::new().service(ServiceModel::Parametric),
    )
    .unwrap();
    let chosen: Vec<&str> = f.stations.iter().map(|s| s.distribution.as_str()).collect();
    // Gamma, exponential (or its one-parameter-richer twins, equally likely), lognormal, deterministic.
    assert_eq!(chosen[0], "gamma");
    assert!(
        matches!(chosen[1], "exponential" | "gamma" | "weibull"),
        "{chosen:?}"
    );
    assert_eq!(chosen[2], "lognormal");
    assert_eq!(chosen[3], "deterministic");
    // Goodness of fit is reported for each family, best first.
    let test = &f.stations[2];
    assert_eq!(test.families.len(), 4);
    assert!(test.families.windows(2).all(|w| w[0].aic <= w[1].aic));
    assert!(test.families[0].ks < 0.05);
}

fn sim() -> SimOptions {
    SimOptions::new()
        .seed(11)
        .replications(12)
        .horizon_days(4000.0)
        .warmup_days(400.0)
        .threads(2)
}

#[test]
fn what_if_predicts_the_independent_simulators_changes() {
    let f = fit(&timelines(), &FitOptions::default()).unwrap();
    for change in [
        "servers Test=3",
        "automate Deploy",
        "automate Review",
        "servers Dev=4",
    ] {
        let w = what_if(&f.model, &[change.parse().unwrap()], &sim()).unwrap();
        let ours = w.cycle_time.delta_rel;
        let theirs = truth(change);
        assert!(
            (ours - theirs).abs() < 0.08,
            "{change}: predicted {:+.1}% against {:+.1}%",
            ours * 100.0,
            theirs * 100.0
        );
    }
}

#[test]
fn leverage_puts_a_change_at_the_bottleneck_first() {
    let f = fit(&timelines(), &FitOptions::default()).unwrap();
    let l = leverage(&f.model, &sim()).unwrap();
    assert_eq!(l.by, "cycle_time");
    assert_eq!(l.baseline.bottleneck.as_deref(), Some("Test"));
    assert!(l.ranking[0].change.contains("Test"), "{:?}", l.ranking[0]);
    assert!(l.ranking[0].real && l.ranking[0].delta_rel < -0.2);
    // 4 stations: automate, one more server, half the service time each.
    assert_eq!(l.ranking.len(), 12);
    assert!(
        l.ranking
            .windows(2)
            .all(|w| w[0].delta_rel <= w[1].delta_rel)
    );
}

#[test]
fn the_backtest_replays_the_log_closely() {
    let tl = timelines();
    let f = fit(&tl, &FitOptions::default()).unwrap();
    let b = in_sample_backtest(&f, &tl, &SimOptions::new().replications(10).threads(2)).unwrap();
    assert!((b.window_days - 545.0).abs() < 1.0);
    for (what, c) in [
        ("cycle time mean", &b.cycle_time_days.mean),
        ("cycle time p50", &b.cycle_time_days.p50),
        ("cycle time p85", &b.cycle_time_days.p85),
        ("throughput", &b.throughput_per_day),
        ("WIP", &b.wip_mean),
    ] {
        assert!(c.relative_error.abs() < 0.10, "{what}: {c:?}");
    }
    assert_eq!(b.stations.len(), 4);
    // Every arrival is replayed: throughput is the log's, give or take the items still in
    // flight at the end.
    assert!(b.throughput_per_day.relative_error.abs() < 0.02);
}

#[test]
fn a_weekly_release_and_rework_are_recognised_in_a_simulated_log() {
    use chrono::{TimeZone, Utc};
    use valuestream::{Arrivals, Distribution, Simulation, Station, ValueStream};
    // Dev → Deploy (weekly release) → Test, which sends one item in five back to Dev.
    let model = ValueStream::new(
        Arrivals::poisson(1.0).unwrap(),
        vec![
            Station::new(
                "Dev",
                Servers::Finite(3),
                Distribution::gamma(1.5, 0.7).unwrap(),
            ),
            Station::new(
                "Deploy",
                Servers::Finite(1),
                Distribution::deterministic(0.25).unwrap(),
            )
            .with_batch(Batch::Scheduled {
                every_days: 7.0,
                offset_days: 2.0,
                max: None,
            }),
            Station::new(
                "Test",
                Servers::Finite(2),
                Distribution::exponential(0.8).unwrap(),
            )
            .with_rework("Dev", 0.2),
        ],
    )
    .unwrap();
    let sim = Simulation::new(&model).unwrap();
    let opts = SimOptions::new()
        .replications(1)
        .horizon_days(700.0)
        .warmup_days(0.0);
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let log = sim.history(&opts, start).unwrap();
    let tl = Timelines::new(&log, &model.workflow().unwrap()).unwrap();
    let f = fit(&tl, &FitOptions::default()).unwrap();
    let deploy = &f.stations[1];
    let r = deploy.release.as_ref().expect("a weekly release");
    assert_eq!(r.every_days, 7.0);
    // Day 0 of the fitted model is the log's first event, not the simulation's start.
    let shift = (tl.start() - start).num_milliseconds() as f64 / 86_400_000.0;
    let expected = (2.0 - shift).rem_euclid(7.0);
    assert!(
        (r.offset_days - expected).abs() < 0.01,
        "{r:?}, expected offset {expected}"
    );
    assert!(
        matches!(f.model.stations[1].batch, Some(Batch::Scheduled { every_days, .. }) if every_days == 7.0)
    );
    let rw = f.stations[2].rework.as_ref().expect("rework from Test");
    assert_eq!(rw.to, "Dev");
    assert!((rw.probability - 0.2).abs() < 0.05, "{rw:?}");
    assert!(f.stations[0].release.is_none());
}

/// The second independent log: the same kind of line, but half the items skip Review and
/// one in ten skips Test (`skip_log.csv`, `skip_truth.json`; see the data's README).
fn skip_timelines() -> Timelines {
    let log = LogReader::builder()
        .build()
        .read_path(data("skip_log.csv"))
        .unwrap();
    // The order of the stages cannot be told from the order statuses first appear in
    // (the first item skipped Review): the team's workflow says it, without servers.
    let mut b = Workflow::builder();
    for name in ["Dev", "Review", "Test", "Deploy"] {
        b = b
            .stage(format!("{name} queue"), StageKind::Wait)
            .stage(name, StageKind::Active);
    }
    let wf = b.stage("Done", StageKind::Done).build().unwrap();
    Timelines::new(&log, &wf).unwrap()
}

fn skip_truth(change: &str) -> f64 {
    let text = std::fs::read_to_string(data("skip_truth.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["results"][change]["delta_rel"].as_f64().unwrap()
}

#[test]
fn fit_recovers_which_stations_items_skip_and_what_if_still_holds() {
    let tl = skip_timelines();
    let f = fit(&tl, &FitOptions::default()).unwrap();
    // (name, servers, mean service days, visit probability) of the independent simulation.
    let truth = [
        ("Dev", 3, 1.05, 1.0),
        ("Review", 1, 0.6, 0.5),
        ("Test", 2, 0.95, 0.9),
        ("Deploy", 1, 0.1, 1.0),
    ];
    assert_eq!(f.stations.len(), 4);
    for ((name, servers, mean, visit), (st, model)) in
        truth.iter().zip(f.stations.iter().zip(&f.model.stations))
    {
        assert_eq!(st.name, *name);
        assert_eq!(st.servers, Some(*servers), "{name}");
        assert!(
            (st.mean_days - mean).abs() / mean < 0.10,
            "{name}: fitted mean {} against {mean}",
            st.mean_days
        );
        // About 1,090 items: a share's standard error is at most 0.015.
        assert!(
            (st.visit_probability - visit).abs() < 0.05,
            "{name}: visited by {} against {visit}",
            st.visit_probability
        );
        assert_eq!(model.visit_probability, st.visit_probability);
    }
    // A model that sent every item through Review and Test would overstate the cycle time;
    // this one predicts the independent simulator's changes.
    for change in [
        "servers Test=3",
        "automate Review",
        "automate Deploy",
        "servers Dev=4",
    ] {
        let w = what_if(&f.model, &[change.parse().unwrap()], &sim()).unwrap();
        let ours = w.cycle_time.delta_rel;
        let theirs = skip_truth(change);
        assert!(
            (ours - theirs).abs() < 0.08,
            "{change}: predicted {:+.1}% against {:+.1}%",
            ours * 100.0,
            theirs * 100.0
        );
    }
    // The backtest: this line runs Test at 86% load, so one history of 545 days is noisy
    // (the spread of the model's histories is about ±20%); the log must lie within it.
    let b = in_sample_backtest(&f, &tl, &SimOptions::new().replications(10).threads(2)).unwrap();
    for (what, c) in [
        ("cycle time mean", &b.cycle_time_days.mean),
        ("cycle time p50", &b.cycle_time_days.p50),
        ("cycle time p85", &b.cycle_time_days.p85),
        ("throughput", &b.throughput_per_day),
        ("WIP", &b.wip_mean),
    ] {
        assert!(c.within_spread, "{what}: {c:?}");
    }
    assert!(b.throughput_per_day.relative_error.abs() < 0.02);
}

#[test]
fn the_simulator_skips_stations_as_the_independent_one_does() {
    use valuestream::{Arrivals, Distribution, Simulation, Station, ValueStream};
    // The independent simulator's own parameters, not a fit: the two simulators must
    // agree on the long-run mean cycle time and on the effect of each change.
    let model = ValueStream::new(
        Arrivals::poisson(2.0).unwrap(),
        vec![
            Station::new(
                "Dev",
                Servers::Finite(3),
                Distribution::gamma(1.05, 0.8).unwrap(),
            ),
            Station::new(
                "Review",
                Servers::Finite(1),
                Distribution::exponential(0.6).unwrap(),
            )
            .with_visit_probability(0.5),
            Station::new(
                "Test",
                Servers::Finite(2),
                Distribution::lognormal(0.95, 0.6).unwrap(),
            )
            .with_visit_probability(0.9),
            Station::new(
                "Deploy",
                Servers::Finite(1),
                Distribution::deterministic(0.1).unwrap(),
            ),
        ],
    )
    .unwrap();
    let long = SimOptions::new()
        .seed(5)
        .replications(16)
        .horizon_days(6000.0)
        .warmup_days(500.0)
        .threads(2);
    let text = std::fs::read_to_string(data("skip_truth.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let base = &v["results"]["baseline"];
    let theirs = base["lead_time_mean"].as_f64().unwrap();
    let theirs_se = base["sd_between_replications"].as_f64().unwrap() / 4.0;
    let r = Simulation::new(&model).unwrap().run(&long).unwrap();
    let ours = r.cycle_time_days.mean;
    let [lo, hi] = r.cycle_time_days.ci95.unwrap();
    let ours_se = (hi - lo) / 2.0 / 2.131; // t(0.975, 15)
    let se = (ours_se.powi(2) + theirs_se.powi(2)).sqrt();
    assert!(
        (ours - theirs).abs() < 2.5 * se && (ours - theirs).abs() / theirs < 0.03,
        "mean cycle time {ours} [{lo}, {hi}] against SimPy's {theirs} (se {theirs_se})"
    );
    for change in [
        "servers Test=3",
        "automate Review",
        "automate Deploy",
        "servers Dev=4",
    ] {
        let w = what_if(&model, &[change.parse().unwrap()], &long).unwrap();
        let (ours, theirs) = (w.cycle_time.delta_rel, skip_truth(change));
        assert!(
            (ours - theirs).abs() < 0.03,
            "{change}: {:+.1}% against SimPy's {:+.1}%",
            ours * 100.0,
            theirs * 100.0
        );
    }
}

/// A hand-computed log: Dev (2 servers in the workflow), then a trailing wait stage
/// ("Waiting for customer", a delay), from which two items went back to Dev.
#[test]
fn a_trailing_wait_becomes_a_delay_visited_as_often_as_forward_moves_stopped_there() {
    use chrono::TimeZone;
    let h = |hours: u32| {
        (chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
            + chrono::Duration::hours(i64::from(hours)))
        .to_rfc3339()
    };
    let rows = [
        ("I1", "Dev", 0),
        ("I1", "Done", 10),
        ("I2", "Dev", 0),
        ("I2", "Waiting for customer", 5),
        ("I2", "Dev", 29),
        ("I2", "Waiting for customer", 31),
        ("I2", "Done", 55),
        ("I3", "Dev", 1),
        ("I3", "Waiting for customer", 3),
        ("I3", "Dev", 51),
        ("I3", "Done", 52),
    ];
    let mut csv = String::from("id,state,timestamp\n");
    for (id, state, t) in rows {
        csv += &format!("{id},{state},{}\n", h(t));
    }
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let wf = Workflow::builder()
        .push(valuestream::Stage::new("Dev", StageKind::Active).with_servers(2))
        .stage("Waiting for customer", StageKind::Wait)
        .stage("Done", StageKind::Done)
        .build()
        .unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    let f = fit(&tl, &FitOptions::default()).unwrap();
    let [dev, waiting] = &f.stations[..] else {
        panic!("{:?}", f.stations)
    };
    // Dev's services: 10, 5, 2, 2 and 1 hours.
    assert_eq!((dev.services, dev.servers), (5, Some(2)));
    assert_eq!(dev.servers_from, ServersFrom::Workflow);
    assert!((dev.mean_days - 4.0 / 24.0).abs() < 1e-12);
    assert_eq!(dev.visit_probability, 1.0);
    assert!(dev.rework.is_none());
    // Waiting: 24, 24 and 48 hours; a delay.
    assert_eq!((waiting.services, waiting.servers), (3, None));
    assert_eq!(waiting.servers_from, ServersFrom::Delay);
    assert!((waiting.mean_days - 32.0 / 24.0).abs() < 1e-12);
    // Forward moves reached it 5 times (I1 finished past it; I2 stopped twice; I3 stopped,
    // went back, finished past it) and stopped 3 times. One item in three never visited.
    assert!((waiting.visit_probability - 0.6).abs() < 1e-12);
    assert_eq!(
        f.model.stations[1].visit_probability,
        waiting.visit_probability
    );
    let rw = waiting.rework.as_ref().unwrap();
    assert_eq!((rw.to.as_str(), rw.moves), ("Dev", 2));
    assert!((rw.probability - 2.0 / 3.0).abs() < 1e-12);
    // The model's mean visits per item match the log's: 5/3 at Dev, 1 at Waiting.
    let a = valuestream::analyze(&f.model).unwrap();
    assert!(
        (a.stations[0].visits_per_item - 5.0 / 3.0).abs() < 1e-9,
        "{a:?}"
    );
    assert!((a.stations[1].visits_per_item - 1.0).abs() < 1e-9, "{a:?}");
}
