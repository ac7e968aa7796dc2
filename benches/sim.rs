//! Simulation speed on the four-station M/M/2 tandem (λ 1.5, µ 1 at each station), with full
//! statistics (every wait, time in stage and lead time kept for percentiles; queue, WIP,
//! utilisation and blocking time averages), in stage-services per second.
//!
//! ```text
//! cargo bench --features bench --bench sim
//! ```
//!
//! - `tandem/one_core`: one replication of 100 000 days (about 600 000 stage-services) on one
//!   thread;
//! - `tandem/replications_8/threads_1` and `…/threads_2`: 8 replications of 20 000 days on
//!   1 and 2 threads (the speed-up of replications).
//!
//! - `classes/one_core`: the same tandem with two classes of work (60% and 40%, service
//!   means 1.2 and 0.7 days at every station: the same load) and routing with memory (S4
//!   sends 20% of first visits and 50% of later ones back to S3, with a later-visit service
//!   of its own), one replication of 100 000 days on one thread.
//!
//! - `calendar/one_core`: the classes model on a working calendar (Monday to Friday,
//!   08:00–18:00 UTC: 50 of the week's 168 hours, so every service mean is scaled by
//!   50/168 to keep the same load) with weekly arrivals (the same mean rate, fewer at
//!   weekends and at night), one replication of 100 000 days on one thread: every service
//!   ends by the working-time advance, every arrival by the inversion of the weekly rate.
//!
//! BENCHMARKS.md records the figures, side by side with Ciw on the same case.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use valuestream::{
    Arrivals, Calendar, ClassStation, Distribution, Revisit, Servers, SimOptions, Simulation,
    Station, ValueStream, WorkClass,
};

fn tandem() -> ValueStream {
    let service = Distribution::exponential(1.0).expect("a valid mean");
    ValueStream::new(
        Arrivals::poisson(1.5).expect("a valid rate"),
        (1..=4)
            .map(|i| Station::new(format!("S{i}"), Servers::Finite(2), service.clone()))
            .collect(),
    )
    .expect("a valid model")
}

/// The tandem with two classes and later visits (see the module's documentation).
fn classes() -> ValueStream {
    classes_scaled(1.0)
}

/// The classes model with every service mean multiplied by `f`.
fn classes_scaled(f: f64) -> ValueStream {
    let e = |m: f64| Distribution::exponential(m * f).expect("a valid mean");
    let mut stations: Vec<Station> = (1..=4)
        .map(|i| Station::new(format!("S{i}"), Servers::Finite(3), e(1.0)))
        .collect();
    stations[3] = stations[3]
        .clone()
        .with_rework("S3", 0.2)
        .with_revisit(Revisit {
            service: Some(e(0.5)),
            rework_probability: Some(0.5),
        });
    let class = |name: &str, share: f64, mean: f64| WorkClass {
        name: name.into(),
        share,
        stations: (1..=4)
            .map(|i| {
                (
                    format!("S{i}"),
                    ClassStation {
                        service: Some(e(mean)),
                        ..ClassStation::default()
                    },
                )
            })
            .collect(),
    };
    ValueStream::new(Arrivals::poisson(1.5).expect("a valid rate"), stations)
        .expect("a valid model")
        .with_classes(vec![class("Feature", 0.6, 1.2), class("Bug", 0.4, 0.7)])
        .expect("valid classes")
}

/// The classes model on an office calendar with weekly arrivals (see the module's
/// documentation).
fn calendar() -> ValueStream {
    let mut m = classes_scaled(50.0 / 168.0);
    let mut hour = [0.3; 24];
    hour[8..18].iter_mut().for_each(|h| *h = 2.0);
    m.arrivals = Arrivals::Weekly {
        rate_per_day: 1.5,
        weekday: [1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5],
        hour,
    };
    let origin = "2013-04-01T00:00:00Z".parse().expect("an instant");
    m.with_calendar(Calendar::office(origin, [8, 18]).expect("a valid calendar"))
        .expect("a valid model")
}

fn options(replications: u32, horizon_days: f64, threads: usize) -> SimOptions {
    SimOptions::new()
        .seed(1)
        .replications(replications)
        .horizon_days(horizon_days)
        .warmup_days(horizon_days / 10.0)
        .threads(threads)
}

fn bench(c: &mut Criterion) {
    let sim = Simulation::new(&tandem()).expect("a valid model");
    let mut group = c.benchmark_group("tandem");
    group.sample_size(20);

    let one = options(1, 100_000.0, 1);
    let services = sim.run(&one).expect("valid options").services;
    group.throughput(Throughput::Elements(services));
    group.bench_function("one_core", |b| {
        b.iter(|| black_box(sim.run(black_box(&one))));
    });

    for threads in [1, 2] {
        let o = options(8, 20_000.0, threads);
        let services = sim.run(&o).expect("valid options").services;
        group.throughput(Throughput::Elements(services));
        group.bench_function(format!("replications_8/threads_{threads}"), |b| {
            b.iter(|| black_box(sim.run(black_box(&o))));
        });
    }
    group.finish();

    one_core(c, "classes", &classes());
    one_core(c, "calendar", &calendar());
}

/// `NAME/one_core`: one replication of 100,000 days of `model` on one thread, in
/// stage-services.
fn one_core(c: &mut Criterion, name: &str, model: &ValueStream) {
    let sim = Simulation::new(model).expect("a valid model");
    let mut group = c.benchmark_group(name);
    group.sample_size(20);
    let one = options(1, 100_000.0, 1);
    let services = sim.run(&one).expect("valid options").services;
    group.throughput(Throughput::Elements(services));
    group.bench_function("one_core", |b| {
        b.iter(|| black_box(sim.run(black_box(&one))));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
