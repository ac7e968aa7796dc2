//! `valuestream report --by ATTR` (issue 14) on the BPI Challenge 2013 incidents log
//! (7,554 items, 65,533 events; `../shared/data/bpic2013_incidents.csv`, see its README),
//! as the command does it: read the CSV keeping the attribute, derive the timelines, group
//! and measure, render the text table. By `impact` (4 groups) and by `org:group` (477),
//! against the plain report of the same log (read + report + text), and the grouping
//! alone on timelines already derived. See BENCHMARKS.md (`## Groups (issue 14)`).
//!
//! Skipped, with a message, when the log is absent; the folder can be given as
//! `VALUESTREAM_SHARED_DATA` when it is not `../shared/data` beside the checkout.
//!
//! ```text
//! cargo bench --features bench --bench groups
//! ```

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use valuestream::{GroupedReport, LogReader, MetricsOptions, Report, Timelines, Workflow};

/// The log's timelines, read as the command reads them, keeping `attributes`.
fn timelines(path: &Path, wf: &Workflow, attributes: &[&str]) -> Timelines {
    let mut reader = LogReader::builder()
        .id_column("case:concept:name")
        .state_column("lifecycle:transition")
        .time_column("time:timestamp")
        .threads(0);
    for a in attributes {
        reader = reader.attribute(*a);
    }
    let log = reader.build().read_path(path).expect("read");
    Timelines::new(&log, wf).expect("timelines")
}

/// `report --by ATTR`: read, group, render.
fn by(path: &Path, wf: &Workflow, attribute: &str) -> String {
    let tl = timelines(path, wf, &[attribute]);
    let report = GroupedReport::new(&tl, &MetricsOptions::new(), attribute).expect("groups");
    report.to_string()
}

/// `report`: read, report, render.
fn plain(path: &Path, wf: &Workflow) -> String {
    let tl = timelines(path, wf, &[]);
    Report::new(&tl, &MetricsOptions::new())
        .expect("report")
        .to_string()
}

fn bench(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("VALUESTREAM_SHARED_DATA")
        .map_or_else(|| root.join("../shared/data"), PathBuf::from);
    let path = dir.join("bpic2013_incidents.csv");
    if !path.exists() {
        eprintln!("skipped: {} is absent", path.display());
        return;
    }
    let wf = Workflow::from_path(root.join("data/workflows/bpic2013.toml")).expect("workflow");
    let mut g = c.benchmark_group("groups_bpic2013");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.bench_function("report (read + report + text)", |b| {
        b.iter(|| black_box(plain(&path, &wf)));
    });
    for attribute in ["impact", "org:group"] {
        g.bench_function(
            format!("report --by {attribute} (read + groups + text)"),
            |b| {
                b.iter(|| black_box(by(&path, &wf, attribute)));
            },
        );
    }
    let tl = timelines(&path, &wf, &["impact", "org:group"]);
    g.bench_function("Report::new alone", |b| {
        b.iter(|| black_box(Report::new(&tl, &MetricsOptions::new()).expect("report")));
    });
    for attribute in ["impact", "org:group"] {
        g.bench_function(format!("GroupedReport::new by {attribute} alone"), |b| {
            b.iter(|| {
                black_box(
                    GroupedReport::new(&tl, &MetricsOptions::new(), attribute).expect("groups"),
                )
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
