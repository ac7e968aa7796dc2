//! Reading a ~1M-event long CSV into timelines, against the floor set by the `csv` crate
//! alone iterating the same file's `ByteRecord`s.
//!
//! ```text
//! cargo bench --features bench --bench ingest
//! ```
//!
//! The targets of this benchmark are one-core targets: `csv_byte_records`, `read_log` and
//! `read_log_and_timelines` read on one thread (`LogReaderBuilder::threads(1)`), as the
//! `csv` crate does. `read_log_parallel` reads with `threads(0)`, as the command line does,
//! which parses a file this large in chunks on every core (up to 8).
//!
//! The log is generated on first use into `target/bench-data/log_1m.csv` (see
//! `examples/gen_log.rs`: 144 arrivals a day, seed 1).

#[path = "support/synthetic.rs"]
mod synthetic;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use valuestream::{LogReader, Timelines, Workflow};

fn data_file() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let path = dir.join("log_1m.csv");
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create target/bench-data");
        let f = std::fs::File::create(&path).expect("create the log");
        synthetic::write_log(1_000_000, 144.0, 1, f).expect("write the log");
    }
    path
}

/// The one-core reader.
fn reader() -> LogReader {
    LogReader::builder()
        .id_column("key")
        .state_column("status")
        .time_column("changed")
        .threads(1)
        .build()
}

/// The default reader: a file this large is read in chunks on every core.
fn parallel_reader() -> LogReader {
    LogReader::builder()
        .id_column("key")
        .state_column("status")
        .time_column("changed")
        .threads(0)
        .build()
}

fn ingest(c: &mut Criterion) {
    let path = data_file();
    let workflow = Workflow::from_toml_str(synthetic::WORKFLOW).expect("workflow");
    let events = reader().read_path(&path).expect("log").len() as u64;

    let mut g = c.benchmark_group("ingest_1m");
    g.throughput(Throughput::Elements(events));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("csv_byte_records", |b| {
        b.iter(|| {
            let mut rdr = csv::ReaderBuilder::new()
                .buffer_capacity(1 << 16)
                .from_path(&path)
                .expect("open");
            let mut rec = csv::ByteRecord::new();
            let mut n = 0u64;
            while rdr.read_byte_record(&mut rec).expect("record") {
                n += rec.len() as u64;
            }
            black_box(n)
        });
    });
    g.bench_function("read_log", |b| {
        b.iter(|| black_box(reader().read_path(&path).expect("log").len()));
    });
    g.bench_function("read_log_and_timelines", |b| {
        b.iter(|| {
            let log = reader().read_path(&path).expect("log");
            let tl = Timelines::new(&log, &workflow).expect("timelines");
            black_box(tl.len())
        });
    });
    g.bench_function("read_log_parallel", |b| {
        b.iter(|| black_box(parallel_reader().read_path(&path).expect("log").len()));
    });
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
