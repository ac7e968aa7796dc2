//! What-if in both regimes of the story: a stable stream, where cycle time is the measure,
//! and a stream whose demand exceeds its bottleneck (work started whenever someone is
//! free, or arriving faster than the bottleneck serves), where throughput is the
//! bottleneck's capacity whatever happens elsewhere and automating another stage only moves
//! the queue.

use valuestream::{
    Arrivals, Batch, Distribution, Servers, SimOptions, Station, ValueStream, leverage, what_if,
};

fn stream(arrivals: Arrivals, testers: u32) -> ValueStream {
    ValueStream::new(
        arrivals,
        vec![
            Station::new(
                "Dev",
                Servers::Finite(4),
                Distribution::lognormal(2.0, 0.8).unwrap(),
            ),
            Station::new(
                "Deploy",
                Servers::Finite(1),
                Distribution::deterministic(1.5).unwrap(),
            )
            .with_batch(Batch::Scheduled {
                every_days: 7.0,
                offset_days: 0.0,
                max: None,
            }),
            Station::new(
                "Test",
                Servers::Finite(testers),
                Distribution::gamma(1.1, 0.7).unwrap(),
            ),
        ],
    )
    .unwrap()
}

fn options() -> SimOptions {
    SimOptions::new()
        .seed(3)
        .replications(12)
        .horizon_days(1500.0)
        .warmup_days(300.0)
        .threads(2)
}

/// Test serves at most 2 / 1.1 items a day.
const TEST_CAPACITY: f64 = 2.0 / 1.1;

#[test]
fn pulled_work_automating_deploy_only_moves_the_queue() {
    let w = what_if(
        &stream(Arrivals::Backlog, 2),
        &["automate Deploy".parse().unwrap()],
        &options(),
    )
    .unwrap();
    assert!(w.baseline.unstable && w.scenario.unstable);
    assert_eq!(w.baseline.bottleneck.as_deref(), Some("Test"));
    assert_eq!(w.scenario.bottleneck.as_deref(), Some("Test"));
    // Throughput is Test's capacity before and after.
    for t in [w.throughput.baseline, w.throughput.scenario] {
        assert!(
            (t - TEST_CAPACITY).abs() / TEST_CAPACITY < 0.02,
            "throughput {t}"
        );
    }
    assert!(w.throughput.delta_rel.abs() < 0.01, "{:?}", w.throughput);
    // The deploy wait is gone; the queue in front of Test grows as fast as before.
    let stage = |o: &valuestream::Outcome, n: &str| {
        o.stations.iter().find(|s| s.name == n).unwrap().clone()
    };
    assert!(stage(&w.baseline, "Deploy").time_days_mean > 4.0);
    assert!(stage(&w.scenario, "Deploy").time_days_mean < 0.1);
    let (gb, gs) = (
        stage(&w.baseline, "Test").queue_growth_per_day,
        stage(&w.scenario, "Test").queue_growth_per_day,
    );
    assert!(gb > 0.1 && (gs - gb).abs() / gb < 0.1, "growth {gb} → {gs}");
    assert!(w.verdict.contains("throughput stays"), "{}", w.verdict);
    assert!(
        w.verdict.contains("the queue in front of Test grows"),
        "{}",
        w.verdict
    );
}

#[test]
fn demand_above_the_bottleneck_is_the_same_story() {
    // 1.95 items a day: Dev keeps up (2 a day), Test does not (1.82).
    let w = what_if(
        &stream(Arrivals::poisson(1.95).unwrap(), 2),
        &["automate Deploy".parse().unwrap()],
        &options(),
    )
    .unwrap();
    assert!(w.baseline.unstable && w.scenario.unstable);
    assert_eq!(w.scenario.bottleneck.as_deref(), Some("Test"));
    assert!((w.throughput.scenario - TEST_CAPACITY).abs() / TEST_CAPACITY < 0.02);
    assert!(!w.throughput.real || w.throughput.delta_rel.abs() < 0.01);
    // Orchestrating helps: a third tester lifts throughput to the demand.
    let w = what_if(
        &stream(Arrivals::poisson(1.95).unwrap(), 2),
        &["servers Test=3".parse().unwrap()],
        &options(),
    )
    .unwrap();
    assert!(w.throughput.real, "{:?}", w.throughput);
    assert!(
        (w.throughput.scenario - 1.95).abs() < 0.05,
        "{:?}",
        w.throughput
    );
    assert!(!w.scenario.unstable);
}

#[test]
fn in_a_stable_stream_cycle_time_is_the_measure() {
    let w = what_if(
        &stream(Arrivals::poisson(1.2).unwrap(), 2),
        &["automate Deploy".parse().unwrap()],
        &options(),
    )
    .unwrap();
    assert!(!w.baseline.unstable && !w.scenario.unstable);
    // The weekly release cost 3.5 days of waiting plus 1.5 of deploying, and it sent work
    // to Test in bursts: automating saves at least the 5 days, and a little waiting at Test.
    let d = w.cycle_time.delta;
    assert!(
        w.cycle_time.real && d < -5.0 && d > -8.0,
        "{:?}",
        w.cycle_time
    );
    let wait = |o: &valuestream::Outcome| {
        o.stations
            .iter()
            .find(|s| s.name == "Test")
            .unwrap()
            .wait_days_mean
    };
    assert!(wait(&w.scenario) < wait(&w.baseline));
    assert!((w.throughput.scenario - 1.2).abs() < 0.05);
    assert!(
        w.verdict.contains("mean cycle time goes from"),
        "{}",
        w.verdict
    );
}

#[test]
fn leverage_ranks_by_throughput_when_demand_exceeds_a_capacity() {
    let l = leverage(&stream(Arrivals::Backlog, 2), &options()).unwrap();
    assert_eq!(l.by, "throughput");
    // Only a change at Test (or Dev's pace, which sets the demand) can add throughput; the
    // top lever works on Test.
    assert!(l.ranking[0].change.contains("Test"), "{:?}", l.ranking[0]);
    assert!(l.ranking[0].throughput_delta_rel > 0.05);
    let deploy: Vec<_> = l
        .ranking
        .iter()
        .filter(|x| x.change.contains("Deploy"))
        .collect();
    assert!(
        deploy.iter().all(|x| x.throughput_delta_rel.abs() < 0.02),
        "{deploy:?}"
    );
}

#[test]
fn sending_fewer_items_through_review_follows_the_split_flow() {
    // Dev (µ 2) → Review (µ 1.25) → Test (µ 2), M/M/1 each, λ = 1: Review runs at 80%.
    // "visit Review=0.4": Review sees 0.4 a day. Cycle time before: 1 + 4 + 1 = 6 days;
    // after: 1 + 0.4/(1.25 − 0.4) + 1 (Jackson, exact).
    let exp = |m: f64| Distribution::exponential(m).unwrap();
    let model = ValueStream::new(
        Arrivals::poisson(1.0).unwrap(),
        vec![
            Station::new("Dev", Servers::Finite(1), exp(0.5)),
            Station::new("Review", Servers::Finite(1), exp(0.8)),
            Station::new("Test", Servers::Finite(1), exp(0.5)),
        ],
    )
    .unwrap();
    let o = SimOptions::new()
        .seed(9)
        .replications(16)
        .horizon_days(40_000.0)
        .warmup_days(1_000.0)
        .threads(2);
    let change: Vec<valuestream::Change> = vec!["visit Review=0.4".parse().unwrap()];
    let w = what_if(&model, &change, &o).unwrap();
    let after = 2.0 + 0.4 / 0.85;
    for (what, lt, exact) in [
        ("before", &w.baseline.cycle_time_days, 6.0),
        ("after", &w.scenario.cycle_time_days, after),
    ] {
        let [lo, hi] = lt.ci95.unwrap();
        assert!(
            lo <= exact && exact <= hi && (lt.mean - exact).abs() / exact < 0.03,
            "{what}: {} [{lo}, {hi}] against {exact}",
            lt.mean
        );
    }
    assert!(w.cycle_time.real && w.cycle_time.delta_rel < -0.5);
    let a = valuestream::analyze(&model.apply(&change).unwrap()).unwrap();
    assert!((a.cycle_time_days_mean.unwrap() - after).abs() < 1e-9);
}
