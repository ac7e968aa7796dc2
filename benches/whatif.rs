//! `leverage` on a fitted six-stage model: 18 scenarios (automate, one more server, half the
//! service time of each stage) and the baseline, 10 replications of 10 years each.
//! Target: under 2 s.
//!
//! ```text
//! cargo bench --features bench --bench whatif
//! ```

use std::hint::black_box;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use valuestream::{
    Arrivals, Batch, Distribution, FitOptions, Servers, SimOptions, Simulation, Station, Timelines,
    ValueStream, fit, leverage, what_if,
};

/// A delivery stream of six stages, simulated for a year to make the log to fit.
fn fitted() -> ValueStream {
    let d = |r: valuestream::Result<Distribution>| r.expect("distribution");
    let model = ValueStream::new(
        Arrivals::poisson(2.0).expect("rate"),
        vec![
            Station::new(
                "Refine",
                Servers::Finite(2),
                d(Distribution::gamma(0.6, 0.8)),
            ),
            Station::new(
                "Dev",
                Servers::Finite(5),
                d(Distribution::lognormal(2.0, 0.9)),
            ),
            Station::new(
                "Review",
                Servers::Finite(2),
                d(Distribution::exponential(0.5)),
            ),
            Station::new(
                "Test",
                Servers::Finite(2),
                d(Distribution::gamma(0.85, 0.7)),
            )
            .with_rework("Dev", 0.15),
            Station::new(
                "Deploy",
                Servers::Finite(1),
                d(Distribution::deterministic(0.2)),
            )
            .with_batch(Batch::Scheduled {
                every_days: 7.0,
                offset_days: 3.0,
                max: None,
            }),
            Station::new(
                "Release",
                Servers::Finite(1),
                d(Distribution::deterministic(0.1)),
            ),
        ],
    )
    .expect("model");
    let sim = Simulation::new(&model).expect("sim");
    let opts = SimOptions::new()
        .replications(1)
        .horizon_days(365.0)
        .warmup_days(0.0);
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let log = sim.history(&opts, start).expect("log");
    let tl = Timelines::new(&log, &model.workflow().expect("workflow")).expect("timelines");
    fit(&tl, &FitOptions::default()).expect("fit").model
}

fn bench(c: &mut Criterion) {
    let model = fitted();
    assert_eq!(model.stations.len(), 6);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let options = SimOptions::new().threads(threads);
    let mut g = c.benchmark_group("whatif_six_stages");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("leverage", |b| {
        b.iter(|| black_box(leverage(&model, &options).expect("leverage").ranking.len()));
    });
    g.bench_function("leverage_one_thread", |b| {
        let one = options.clone().threads(1);
        b.iter(|| black_box(leverage(&model, &one).expect("leverage").ranking.len()));
    });
    g.bench_function("what_if", |b| {
        let change = ["servers Test=+1".parse().expect("change")];
        b.iter(|| {
            black_box(
                what_if(&model, &change, &options)
                    .expect("what-if")
                    .cycle_time
                    .delta,
            )
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
