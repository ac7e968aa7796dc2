//! Reading a 1.1M-event XES file (the synthetic log of `benches/support/synthetic.rs` as
//! XES, 165 MB) into an event log.
//!
//! ```text
//! cargo bench --features bench,xes --bench xes
//! ```
//!
//! The comparison with the `process_mining` crate's `import_xes_file` on the same file is
//! in BENCHMARKS.md (it needs that crate, which is not a dependency of this one).

#[path = "support/synthetic.rs"]
mod synthetic;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use valuestream::{LogReader, Preset};

fn data_file() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let path = dir.join("log_1m.xes");
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create target/bench-data");
        let f = std::fs::File::create(&path).expect("create the log");
        synthetic::write_xes(1_000_000, 144.0, 1, f).expect("write the log");
    }
    path
}

fn xes(c: &mut Criterion) {
    let path = data_file();
    let reader = LogReader::builder().preset(Preset::Xes).build();
    let events = reader.read_path(&path).expect("log").len() as u64;
    let mut g = c.benchmark_group("xes_1m");
    g.throughput(Throughput::Elements(events));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("read_xes", |b| {
        b.iter(|| black_box(reader.read_path(&path).expect("log").len()));
    });
    g.finish();
}

criterion_group!(benches, xes);
criterion_main!(benches);
