//! The held-out backtest of the BPI Challenge 2013 incidents log (7,554 incidents, 65,533
//! events; `../shared/data/bpic2013_incidents.csv`, see its README), 10 replications: fit on
//! the first 70% of arrivals, simulate the rest from the state at the split, score it.
//! Target: under 2 s. Skipped, with a message, when the log is absent.
//!
//! `fit_bpic2013`: the model of the whole log as `valuestream fit` makes it: the fit chosen
//! by an inner held-out backtest of the log (`select_fit`, four candidates) and, for
//! comparison, one fit with given options (`fit`). Target: under 2 s. The same read with
//! who did each event (`org:resource`): the fit then also estimates servers from the
//! people, and `select_fit` tries one more candidate (servers from people).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use valuestream::{
    BacktestOptions, FitOptions, LogReader, SimOptions, Timelines, Workflow, backtest, fit,
    select_fit,
};

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("../shared/data/bpic2013_incidents.csv");
    if !path.exists() {
        eprintln!("skipped: {} is absent", path.display());
        return;
    }
    let log = LogReader::builder()
        .id_column("case:concept:name")
        .state_column("lifecycle:transition")
        .time_column("time:timestamp")
        .build()
        .read_path(&path)
        .expect("read");
    let wf = Workflow::from_path(root.join("data/workflows/bpic2013.toml")).expect("workflow");
    let tl = Timelines::new(&log, &wf).expect("timelines");
    let mut g = c.benchmark_group("backtest_bpic2013");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for threads in [1, 2] {
        let options = BacktestOptions::new().replications(10).threads(threads);
        g.bench_function(format!("10 replications, {threads} thread(s)"), |b| {
            b.iter(|| black_box(backtest(&tl, &options).expect("backtest")));
        });
    }
    g.finish();
    let mut g = c.benchmark_group("fit_bpic2013");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let options = FitOptions::new();
    for threads in [1, 2] {
        let sim = SimOptions::new().threads(threads);
        g.bench_function(format!("select_fit, {threads} thread(s)"), |b| {
            b.iter(|| black_box(select_fit(&tl, &options, &sim).expect("fit")));
        });
    }
    g.bench_function("fit", |b| {
        b.iter(|| black_box(fit(&tl, &options).expect("fit")));
    });
    let log = LogReader::builder()
        .id_column("case:concept:name")
        .state_column("lifecycle:transition")
        .time_column("time:timestamp")
        .resource_column("org:resource")
        .build()
        .read_path(&path)
        .expect("read");
    let with_people = Timelines::new(&log, &wf).expect("timelines");
    let sim = SimOptions::new().threads(2);
    g.bench_function("select_fit with org:resource, 2 thread(s)", |b| {
        b.iter(|| black_box(select_fit(&with_people, &options, &sim).expect("fit")));
    });
    g.bench_function("fit with org:resource", |b| {
        b.iter(|| black_box(fit(&with_people, &options).expect("fit")));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
