//! `forecast --calibrate`: the forecast re-run at every past week with only the history
//! before it, on the shipped story log and on the BPI Challenge 2013 incidents (when
//! `../shared/data/bpic2013_incidents.csv` is there), each as the command does it: read
//! the log, derive the timelines, calibrate "how many in 14 days" and "when will N be
//! done" with the default method and then with each method for comparison. The incidents
//! are an extract whose steady window is too short to check, so they are calibrated over
//! the whole window (`--whole-window`), the larger task. See BENCHMARKS.md
//! (`## Forecast calibration`).
//!
//! ```text
//! cargo bench --features bench --bench forecast
//! ```

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use valuestream::{
    ForecastMethod, ForecastOptions, LogReader, Question, Timelines, Workflow, calibrate, forecast,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What `forecast LOG --calibrate` computes once the timelines are there.
fn calibrate_all(tl: &Timelines, options: &ForecastOptions) -> usize {
    let f = forecast(
        tl,
        Question::HowMany { days: 14 },
        &options.clone().calibrate_every_days(0),
    )
    .expect("forecast");
    let items = f.mean.round().max(1.0) as u32;
    let mut points = 0;
    for q in [Question::HowMany { days: 14 }, Question::When { items }] {
        points += calibrate(tl, q, options, 7)
            .expect("calibrate")
            .points
            .len();
        for m in ForecastMethod::ALL {
            let o = options.clone().method(m);
            points += calibrate(tl, q, &o, 7).expect("calibrate").points.len();
        }
    }
    points
}

fn read(path: &Path, reader: &LogReader, workflow: &Workflow) -> Timelines {
    let log = reader.read_path(path).expect("read");
    Timelines::new(&log, workflow).expect("timelines")
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("forecast --calibrate");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let story = root().join("data/story");
    let wf = Workflow::from_path(story.join("workflow.toml")).expect("workflow");
    g.bench_function("story log (365 days)", |b| {
        b.iter(|| {
            let tl = read(&story.join("log.csv"), &LogReader::builder().build(), &wf);
            black_box(calibrate_all(&tl, &ForecastOptions::new()))
        });
    });
    let incidents = root().join("../shared/data/bpic2013_incidents.csv");
    if incidents.exists() {
        let wf = Workflow::from_path(root().join("data/workflows/bpic2013.toml")).expect("wf");
        let reader = || {
            LogReader::builder()
                .id_column("case:concept:name")
                .state_column("lifecycle:transition")
                .time_column("time:timestamp")
                .build()
        };
        let whole = ForecastOptions::new().whole_window(true);
        g.bench_function("BPIC 2013 incidents (783 days, whole window)", |b| {
            b.iter(|| black_box(calibrate_all(&read(&incidents, &reader(), &wf), &whole)));
        });
        let tl = read(&incidents, &reader(), &wf);
        g.bench_function("BPIC 2013 incidents, calibration alone", |b| {
            b.iter(|| black_box(calibrate_all(&tl, &whole)));
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
