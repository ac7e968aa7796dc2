//! The bottleneck on logs of a line of stages with known servers and service times (see
//! `tests/line`): the named stage is the most utilised one, near its capacity (a capacity
//! constraint: `constrained`), and every utilisation estimate is within 0.05 of the truth
//! `λ·E[S]/c`, whether the workflow gives the servers or they are estimated from the log.

mod line;

use line::{Line, LineStage, Service};
use valuestream::{Evidence, Metrics, MetricsOptions, Timelines};

/// Items per generated log: enough for the estimates to settle (about 200,000 events).
const ITEMS: usize = 20_000;

fn check(line: &Line) {
    let log = line.log(ITEMS);
    let truth = line.utilisation();
    let want = &line.stages[line.bottleneck()].name;
    for with_servers in [true, false] {
        let tl = Timelines::new(&log, &line.workflow(with_servers)).unwrap();
        let m = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
        let stages = m.stages();
        let b = m.bottleneck(&stages);
        let active: Vec<_> = stages
            .iter()
            .filter(|s| s.kind == valuestream::StageKind::Active)
            .collect();
        assert_eq!(active.len(), line.stages.len());
        for (st, (ls, &u)) in active.iter().zip(line.stages.iter().zip(&truth)) {
            assert_eq!(st.name, ls.name);
            let est = st.utilisation.unwrap();
            assert!(
                (est - u).abs() < 0.05,
                "{} (servers {}): utilisation {est:.3}, truth {u:.3}",
                st.name,
                if with_servers { "given" } else { "estimated" }
            );
            assert_eq!(st.servers, Some(ls.servers), "{}", st.name);
            assert_eq!(st.servers_estimated, !with_servers);
        }
        let most = active
            .iter()
            .max_by(|a, b| a.utilisation.unwrap().total_cmp(&b.utilisation.unwrap()))
            .unwrap();
        assert_eq!(b.stage.as_deref(), Some(want.as_str()), "{}", b.reason);
        // Loaded (the bottleneck busy at least 75% of the time): a capacity constraint.
        assert!(b.constrained, "{}", b.reason);
        assert!(b.ranking[0].near_capacity);
        assert_eq!(&most.name, want);
        assert!(b.ranking[0].evidence.contains(&Evidence::Utilisation));
        assert_eq!(b.ranking.len(), line.stages.len());
    }
}

#[test]
fn bottleneck_in_the_middle() {
    // Utilisations 0.8, 0.5, 0.9, 0.6.
    check(&Line::new(
        10.0,
        &[
            ("Dev", 3, 0.24),
            ("Review", 1, 0.05),
            ("Test", 2, 0.18),
            ("Deploy", 1, 0.06),
        ],
        1,
    ));
}

#[test]
fn bottleneck_first() {
    // Utilisations 0.9, 0.5, 0.5.
    check(&Line::new(
        5.0,
        &[("Analysis", 1, 0.18), ("Build", 2, 0.2), ("Verify", 4, 0.4)],
        2,
    ));
}

#[test]
fn bottleneck_last_with_lognormal_service() {
    // Utilisations 0.6, 0.53, 0.88; service times lognormal with a coefficient of
    // variation of 0.5.
    let mut line = Line::new(
        8.0,
        &[("Code", 2, 0.15), ("Review", 3, 0.2), ("Release", 1, 0.11)],
        3,
    );
    for s in &mut line.stages {
        s.service = Service::LogNormal {
            mean: s.service.mean(),
            cv: 0.5,
        };
    }
    check(&line);
}

#[test]
fn many_servers_and_a_close_second() {
    // Utilisations 0.75 and 0.85: ten servers against two.
    check(&Line {
        arrival_rate: 20.0,
        backlog_days: 1.0,
        stages: vec![
            LineStage {
                name: "Build".into(),
                servers: 10,
                service: Service::Exp(0.375),
            },
            LineStage {
                name: "Test".into(),
                servers: 2,
                service: Service::Exp(0.085),
            },
        ],
        seed: 4,
    });
}

#[test]
fn overloaded_line_names_the_saturated_stage() {
    // Demand 10 per day against Review's capacity 1 / 0.12 = 8.3 per day: Review is busy
    // all the time and its queue grows without bound.
    let line = Line::new(
        10.0,
        &[("Dev", 2, 0.1), ("Review", 1, 0.12), ("QA", 2, 0.1)],
        5,
    );
    let log = line.log(5_000);
    let tl = Timelines::new(&log, &line.workflow(true)).unwrap();
    let m = Metrics::new(
        &tl,
        &MetricsOptions::new().until(tl.start() + chrono::Duration::days(400)),
    )
    .unwrap();
    let stages = m.stages();
    let b = m.bottleneck(&stages);
    assert_eq!(b.stage.as_deref(), Some("Review"), "{}", b.reason);
    assert!(b.constrained);
    let review = &b.ranking[0];
    assert!(review.near_capacity);
    assert!(review.utilisation.unwrap() > 0.98);
    assert!(
        review.evidence.contains(&Evidence::QueueGrowth),
        "{:?}",
        review.evidence
    );
    assert!(
        review.evidence.contains(&Evidence::Waiting),
        "{:?}",
        review.evidence
    );
    // About (10 − 8.3) × 400 ≈ 670 items expected.
    assert!(review.queue_growth > 300, "{}", review.queue_growth);
}
