//! The full `valuestream report --json` path on a long CSV of about 1M events: read the
//! CSV, derive the timelines, compute the report, serialise it to JSON. Also each step
//! alone, the SVG charts and a forecast. See BENCHMARKS.md (`## Report`) for the figures and the pandas comparison.
//!
//! The reads are the command line's: `threads(0)`, so that the file is parsed in chunks on
//! every core (up to 8). `read csv (one core)` is the same read with
//! `threads(1)`, for comparison.
//!
//! The log is generated on first use into `target/tmp/report-bench-1m.csv` (the line of
//! `tests/line`, seed 7: the same file as
//! `cargo run --release --example gen_line -- --events 1000000 --out FILE`).
//!
//! ```text
//! cargo bench --features bench --bench report
//! ```

use std::fs::File;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use valuestream::{
    ForecastOptions, LogReader, Metrics, MetricsOptions, Question, Report, Timelines, Workflow,
    forecast, write_cfd_svg, write_cycle_time_svg, write_html_report,
};

#[path = "../tests/line/mod.rs"]
mod line;

const EVENTS: usize = 1_000_000;

/// The benchmark log and its workflow, generated if absent.
fn data() -> (PathBuf, Workflow) {
    let line = line::Line::bench(7);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let csv = dir.join("report-bench-1m.csv");
    let items = EVENTS.div_ceil(line.states().len());
    if !csv.exists() {
        std::fs::create_dir_all(&dir).expect("target/tmp");
        let tmp = dir.join("report-bench-1m.csv.part");
        let f = File::create(&tmp).expect("create the benchmark log");
        line.write_csv(items, f).expect("write the benchmark log");
        std::fs::rename(&tmp, &csv).expect("rename the benchmark log");
    }
    std::fs::write(dir.join("report-bench-1m.toml"), line.workflow_toml(false)).expect("workflow");
    (csv, line.workflow(false))
}

fn report_json(csv: &PathBuf, wf: &Workflow) -> String {
    let log = LogReader::builder()
        .threads(0)
        .build()
        .read_path(csv)
        .expect("read");
    let tl = Timelines::new(&log, wf).expect("timelines");
    drop(log);
    let report = Report::new(&tl, &MetricsOptions::new()).expect("report");
    serde_json::to_string_pretty(&report).expect("json")
}

fn bench(c: &mut Criterion) {
    let (csv, wf) = data();
    let mut g = c.benchmark_group("report_1m_events");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("full report --json path", |b| {
        b.iter(|| black_box(report_json(&csv, &wf)));
    });
    g.bench_function("read csv", |b| {
        b.iter(|| {
            black_box(
                LogReader::builder()
                    .threads(0)
                    .build()
                    .read_path(&csv)
                    .expect("read"),
            )
        });
    });
    g.bench_function("read csv (one core)", |b| {
        b.iter(|| {
            let reader = LogReader::builder().threads(1).build();
            black_box(reader.read_path(&csv).expect("read"))
        });
    });
    let log = LogReader::builder()
        .threads(0)
        .build()
        .read_path(&csv)
        .expect("read");
    g.bench_function("timelines", |b| {
        b.iter(|| black_box(Timelines::new(&log, &wf).expect("timelines")));
    });
    let tl = Timelines::new(&log, &wf).expect("timelines");
    drop(log);
    g.bench_function("report + json", |b| {
        b.iter(|| {
            let r = Report::new(&tl, &MetricsOptions::new()).expect("report");
            black_box(serde_json::to_string_pretty(&r).expect("json"))
        });
    });
    // The renderers and the forecast on the same million events (100,000 items).
    let metrics = Metrics::new(&tl, &MetricsOptions::new()).expect("metrics");
    let report = metrics.report().expect("report");
    g.bench_function("svg: cfd + cycle time", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(1 << 20);
            write_cfd_svg(&report.daily, &mut out).expect("cfd");
            write_cycle_time_svg(&metrics, &mut out).expect("scatter");
            black_box(out)
        });
    });
    // The page `report --html` writes, from the metrics and the report (the command's read
    // and report are above): every chart, the tables, and the forecast with its calibration
    // on the log's past. Its size is printed once.
    let mut page = Vec::new();
    write_html_report(&report, &metrics, &mut page).expect("page");
    eprintln!(
        "html page of {EVENTS} events: {:.2} MB",
        page.len() as f64 / 1e6
    );
    g.bench_function("html page", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(page.len());
            write_html_report(&report, &metrics, &mut out).expect("page");
            black_box(out)
        });
    });
    g.bench_function("forecast: when will 1000 be done, 10,000 trials", |b| {
        b.iter(|| {
            let q = Question::When { items: 1000 };
            black_box(forecast(&tl, q, &ForecastOptions::default()).expect("forecast"))
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
