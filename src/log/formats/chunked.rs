//! The chunked read of a large long-format file: byte ranges parsed on several threads,
//! then joined into exactly the log that a sequential read gives.
//!
//! Only a regular file is read in chunks: each thread seeks its own handle. A pipe, a FIFO
//! or standard input cannot seek and is not held in memory for this: it is read streaming
//! on the calling thread (`LogReader::open` hands it to the sequential read), whatever its
//! size. So is a file whose lines end with a carriage return alone (the chunks are split at
//! line feeds).
//!
//! 1. **Plan** (calling thread). Read the header, find the columns, and read rows until
//!    the timestamp column's form is known (usually from the first data row), through the
//!    same per-row code as the sequential read. Split the rest at evenly spaced offsets; a
//!    chunk starts after the first newline at or after its offset, or at that newline if a
//!    carriage return precedes it (the CSV reader ends a `\r\n` record after the `\r`, so
//!    that is where its records start). Anything unusual (no header, a missing column, no
//!    valid timestamp in the first thousand rows) leaves the file to the sequential read,
//!    which reports it as it always has.
//! 2. **Parse** (the calling thread and up to `threads - 1` scoped threads, taking chunks in
//!    turn). Each chunk through its own file handle, seeked to its start and read
//!    streaming, into its own builder, through the same per-row code. Chunk 0 reads the
//!    header and detects the timestamp form as the sequential read does; later chunks get a
//!    parser locked to the form the plan found, so that a file that mixes forms fails where
//!    the sequential read fails. A chunk stops before the first record that starts at or
//!    after the next chunk's start, and says where that record starts. Its lines count from
//!    1 at its own start.
//! 3. **Join** (calling thread, in file order). A chunk is right if it starts where the
//!    records of the chunk before end; otherwise (a quoted field with a newline spans the
//!    split, or the split fell among blank lines) it is parsed again, from that true start,
//!    on the calling thread. The first error in file order is the error; otherwise the
//!    builders are appended in order (names interned again, so that items keep their order
//!    of first appearance) and every line is moved down by the newlines of the chunks
//!    before it.
//!
//! Why a chunk that starts at a record boundary of the file parses as the sequential read
//! does: at a record boundary the CSV parser is in its start state, or has just read the
//! `\r` of a `\r\n`, and in both states it skips line ends before a record exactly as a
//! fresh parser does. A chunk's parser is given one `\r` before the chunk's first byte: it
//! skips it as an empty line (a `\r` counts no line) and, having read a byte, no longer
//! strips a UTF-8 byte-order mark, which only the start of the file may have.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use csv::ByteRecord;

use crate::log::budget::{Bounded, next_record};

use super::long::{self, LongColumns, long_row};
use super::plain::{Ctx, Layout, csv_reader, ends_unterminated, ends_with_lf, header_names, trim};
use crate::error::{Error, Result};
use crate::log::event_log::EventLog;
use crate::log::settings::{BadRows, Settings};
use crate::time::TimeParser;

/// The most threads used when the caller does not say how many.
const MAX_THREADS: usize = 8;
/// The fewest bytes in a chunk, with the default chunking.
const MIN_CHUNK: u64 = 1 << 20;
/// The most data rows the plan reads to learn the form of the timestamps.
const DETECT_ROWS: u64 = 1000;
/// Rows between two looks at whether an earlier chunk has failed.
const WATCH_ROWS: u32 = 4096;

/// What a chunked read did (for tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub(super) struct Report {
    /// Chunks planned.
    pub(super) chunks: usize,
    /// Threads that parsed chunks, the calling thread included.
    pub(super) threads: usize,
    /// Chunks parsed again on the calling thread (a wrong start, or not parsed at all).
    pub(super) reparsed: usize,
}

/// Reads the file `path` (open as `file`, of `size` bytes) in chunks, if it is of the long
/// layout and the settings and the file call for it; `None` leaves it to the sequential
/// read.
pub(super) fn read(
    settings: &Settings,
    layout: Layout,
    path: &Path,
    file: &mut File,
    name: &str,
    size: u64,
) -> Option<Result<EventLog>> {
    read_reporting(settings, layout, path, file, name, size).map(|(log, _)| log)
}

/// As [`read`], also saying how the read went.
pub(super) fn read_reporting(
    settings: &Settings,
    layout: Layout,
    path: &Path,
    file: &mut File,
    name: &str,
    size: u64,
) -> Option<(Result<EventLog>, Report)> {
    // A delimiter that is a line end or a quote would make line ends mean something else.
    if layout != Layout::Long
        || size < settings.chunking.min_file_bytes
        || matches!(settings.delimiter, b'\r' | b'\n' | b'"')
    {
        return None;
    }
    let threads = match settings.threads {
        0 => thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(MAX_THREADS),
        n => n,
    };
    if threads < 2 {
        return None;
    }
    let plan = Plan::new(settings, file, size, threads)?;
    let job = Job {
        settings,
        path,
        name,
        plan,
        next: AtomicUsize::new(0),
        failed: AtomicUsize::new(usize::MAX),
    };
    Some(job.run(file, threads))
}

/// How a file is split, and what every chunk needs to know before it starts.
struct Plan {
    /// The header's column names.
    names: Vec<String>,
    /// A timestamp parser locked to the column's form, for the chunks after the first.
    parser: TimeParser,
    /// Where each chunk starts: the first at 0 (the header), the others after a newline.
    starts: Vec<u64>,
    /// The size of the file.
    size: u64,
    /// Whether the header's line ended with a line feed (see `Ctx::line`).
    lf: bool,
    /// Whether the file's last line has no line end (see `Ctx::line`).
    unterminated: bool,
}

impl Plan {
    /// The plan for `file`, or `None` if the file is better read sequentially.
    fn new(settings: &Settings, file: &mut File, size: u64, threads: usize) -> Option<Plan> {
        file.rewind().ok()?;
        let mut csv = csv_reader(settings, &mut *file);
        let mut header = ByteRecord::new();
        if !csv.read_byte_record(&mut header).ok()?
            || (header.len() == 1 && trim(&header[0]).is_empty())
        {
            return None;
        }
        let names = header_names(&header);
        let lf = ends_with_lf(&header, csv.position());
        // A scratch context: its rows are read again by chunk 0.
        let mut ctx = Ctx::new(None, BadRows::Skip, None);
        ctx.lf = lf;
        let cols = long::columns(settings, &names, &mut ctx).ok()?;
        // The form of the timestamps, found as the sequential read finds it: from the first
        // valid value. Chunk 0 reads the rows up to it again and detects the same form.
        let mut parser = settings.time_parser();
        let mut rec = ByteRecord::new();
        let mut rows = 0;
        while !parser.is_detected() {
            if rows == DETECT_ROWS || !next_record(&mut csv, &mut rec).ok()? {
                return None;
            }
            rows += 1;
            let line = ctx.line(&rec, csv.position());
            long_row(&mut ctx, &cols, &mut parser, &rec, &names, line).ok()?;
        }
        // The rest of the file is split evenly; chunk 0 also has the rows read so far.
        let first = csv.position().byte();
        let span = size.checked_sub(first)?;
        let chunks = match settings.chunking.chunk_bytes {
            0 => (threads as u64).min(span / MIN_CHUNK),
            c => span.div_ceil(c),
        };
        if chunks < 2 {
            return None;
        }
        let nominal = |k: u64| first + span / chunks * k;
        drop(csv);
        let mut starts = vec![0];
        for k in 1..chunks {
            let start = chunk_start(file, nominal(k), size).ok()?;
            if starts.last().is_some_and(|&s| start > s) && start < size {
                starts.push(start);
            }
        }
        let unterminated = ends_unterminated(file, size).ok()?;
        (starts.len() >= 2).then_some(Plan {
            names,
            parser,
            starts,
            size,
            lf,
            unterminated,
        })
    }
}

/// Where a chunk whose nominal start is `at` (at least 1) starts: after the first newline
/// at or after `at`, or at that newline if a carriage return precedes it; `size` if no
/// newline follows.
fn chunk_start(file: &mut File, at: u64, size: u64) -> io::Result<u64> {
    let mut pos = at.saturating_sub(1);
    file.seek(SeekFrom::Start(pos))?;
    let mut buf = [0u8; 8192];
    // The byte before `buf`, and how many bytes of `buf` come before `at`.
    let (mut prev, mut skip) = (None, (at - pos) as usize);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(size);
        }
        let block = &buf[..n];
        if let Some(i) = block
            .iter()
            .skip(skip)
            .position(|&b| b == b'\n')
            .map(|i| i + skip)
        {
            let before = if i == 0 { prev } else { Some(block[i - 1]) };
            let q = pos + i as u64;
            return Ok(if before == Some(b'\r') { q } else { q + 1 });
        }
        prev = block.last().copied();
        skip = skip.saturating_sub(n);
        pos += n as u64;
    }
}

/// A chunked read under way: the plan and the chunks not yet taken.
struct Job<'a> {
    settings: &'a Settings,
    path: &'a Path,
    name: &'a str,
    plan: Plan,
    /// The next chunk to take.
    next: AtomicUsize,
    /// The first chunk that failed so far (`usize::MAX`: none); later chunks can wait.
    failed: AtomicUsize,
}

/// A chunk parsed into its own builder.
struct Parsed {
    /// Where the chunk started.
    start: u64,
    /// Its events, rows and rejected rows; lines counted from its start.
    ctx: Ctx,
    outcome: Outcome,
}

enum Outcome {
    /// Stopped before the record that starts at `end` (`None`: at the end of the file),
    /// having passed `newlines` newlines.
    Done { end: Option<u64>, newlines: u64 },
    /// Stopped at a row or record that is an error (counted from the chunk's start).
    Failed(Error),
    /// Given up because an earlier chunk failed.
    Abandoned,
}

impl Job<'_> {
    fn run(&self, file: &mut File, threads: usize) -> (Result<EventLog>, Report) {
        let n = self.plan.starts.len();
        let mut parsed: Vec<Option<Parsed>> = (0..n).map(|_| None).collect();
        let mut report = Report {
            chunks: n,
            threads: 1,
            reparsed: 0,
        };
        thread::scope(|s| {
            let handles: Vec<_> = (1..threads.min(n))
                .filter_map(|_| {
                    thread::Builder::new()
                        .name("valuestream-read".to_owned())
                        .spawn_scoped(s, || self.work(None))
                        .ok()
                })
                .collect();
            report.threads += handles.len();
            // Chunks that a thread took and did not return are parsed again when joined.
            let done = self.work(Some(&mut *file)).into_iter().chain(
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_default()),
            );
            for (k, p) in done {
                parsed[k] = Some(p);
            }
        });
        let log = self.join(file, parsed, &mut report);
        (log, report)
    }

    /// Takes chunks until none is left, through `file` or, if `None`, a handle of its own.
    fn work(&self, mut file: Option<&mut File>) -> Vec<(usize, Parsed)> {
        let mut own: Option<File> = None;
        let mut done = Vec::new();
        loop {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            if k >= self.plan.starts.len() || k > self.failed.load(Ordering::Relaxed) {
                return done;
            }
            if file.is_none() && own.is_none() {
                own = File::open(self.path).ok();
            }
            let Some(f) = file.as_deref_mut().or(own.as_mut()) else {
                return done;
            };
            let bound = self.plan.starts.get(k + 1).copied();
            let p = self.parse(f, k, self.plan.starts[k], bound, true);
            if matches!(p.outcome, Outcome::Failed(_)) {
                self.failed.fetch_min(k, Ordering::Relaxed);
            }
            done.push((k, p));
        }
    }

    /// Parses chunk `k` from `start` (a record boundary, or the planned start) up to the
    /// first record at or after `bound`; if `watch`, gives up when an earlier chunk fails.
    fn parse(
        &self,
        file: &mut File,
        k: usize,
        start: u64,
        bound: Option<u64>,
        watch: bool,
    ) -> Parsed {
        // Chunk 0 reserves room for the whole file's events: the others join it.
        let size = if k == 0 {
            self.plan.size
        } else {
            bound.unwrap_or(self.plan.size).saturating_sub(start)
        };
        let mut ctx = Ctx::new(
            Some(self.name.to_owned()),
            self.settings.bad_rows,
            Some(size),
        );
        ctx.lf = self.plan.lf;
        ctx.budget = self.settings.memory_budget();
        // Where the file ends, in this chunk's reader's offsets (from the chunk's start, less
        // the carriage return put before it): any chunk's last record may run to it.
        if self.plan.unterminated {
            ctx.unterminated_end = Some(if k == 0 {
                self.plan.size
            } else {
                self.plan.size - start + 1
            });
        }
        let outcome = self
            .parse_into(&mut ctx, file, k, start, bound, watch)
            .unwrap_or_else(Outcome::Failed);
        Parsed {
            start,
            ctx,
            outcome,
        }
    }

    fn parse_into(
        &self,
        ctx: &mut Ctx,
        file: &mut File,
        k: usize,
        start: u64,
        bound: Option<u64>,
        watch: bool,
    ) -> Result<Outcome> {
        file.seek(SeekFrom::Start(start))
            .map_err(|source| Error::Io {
                file: Some(self.name.to_owned()),
                source,
            })?;
        // The builder is set up as the sequential read sets it up (state column, attributes).
        let cols = long::columns(self.settings, &self.plan.names, ctx)?;
        let watch = watch.then_some(k);
        if k == 0 {
            let mut csv = csv_reader(self.settings, file);
            csv.read_byte_record(&mut ByteRecord::new())
                .map_err(|e| ctx.csv_error(e))?;
            let tp = self.settings.time_parser();
            self.rows(ctx, &mut csv, &cols, tp, |p| p, bound, watch)
        } else {
            let mut csv = csv_reader(self.settings, io::Read::chain(&b"\r"[..], file));
            let tp = self.plan.parser.clone();
            let at = |p: u64| start + p.saturating_sub(1);
            self.rows(ctx, &mut csv, &cols, tp, at, bound, watch)
        }
    }

    /// Reads rows up to the first record that starts at or after `bound`; `at` turns the CSV
    /// reader's byte offsets into the file's.
    #[allow(clippy::too_many_arguments)]
    fn rows<R: Read>(
        &self,
        ctx: &mut Ctx,
        csv: &mut csv::Reader<Bounded<R>>,
        cols: &LongColumns,
        mut tp: TimeParser,
        at: impl Fn(u64) -> u64,
        bound: Option<u64>,
        watch: Option<usize>,
    ) -> Result<Outcome> {
        let names = &self.plan.names;
        let mut rec = ByteRecord::new();
        let mut countdown = WATCH_ROWS;
        loop {
            let pos = csv.position();
            let here = at(pos.byte());
            if bound.is_some_and(|b| here >= b) {
                return Ok(Outcome::Done {
                    end: Some(here),
                    newlines: pos.line().saturating_sub(1),
                });
            }
            if !next_record(csv, &mut rec).map_err(|e| ctx.csv_error(e))? {
                return Ok(Outcome::Done {
                    end: None,
                    newlines: csv.position().line().saturating_sub(1),
                });
            }
            let line = ctx.line(&rec, csv.position());
            long_row(ctx, cols, &mut tp, &rec, names, line)?;
            countdown -= 1;
            if countdown == 0 {
                countdown = WATCH_ROWS;
                if watch.is_some_and(|k| self.failed.load(Ordering::Relaxed) < k) {
                    return Ok(Outcome::Abandoned);
                }
            }
        }
    }

    /// Joins the chunks in file order, parsing again those that did not start at a record
    /// boundary (or were not parsed).
    fn join(
        &self,
        file: &mut File,
        mut parsed: Vec<Option<Parsed>>,
        report: &mut Report,
    ) -> Result<EventLog> {
        let starts = &self.plan.starts;
        let mut joined: Option<Ctx> = None;
        let mut parts = Vec::with_capacity(starts.len());
        // The chunk's true start, and the newlines before it.
        let (mut start, mut lines) = (0, 0);
        for (k, slot) in parsed.iter_mut().enumerate() {
            let bound = starts.get(k + 1).copied();
            let chunk = match slot.take() {
                Some(p) if p.start == start && !matches!(p.outcome, Outcome::Abandoned) => p,
                _ => {
                    report.reparsed += 1;
                    self.parse(file, k, start, bound, false)
                }
            };
            let (end, newlines) = match chunk.outcome {
                Outcome::Done { end, newlines } => (end, newlines),
                Outcome::Failed(e) => return Err(shift_lines(e, lines)),
                // Not watched, a parse is never abandoned.
                Outcome::Abandoned => {
                    return Err(Error::Io {
                        file: Some(self.name.to_owned()),
                        source: io::Error::other("the read of a chunk was abandoned"),
                    });
                }
            };
            let ctx = chunk.ctx;
            match &mut joined {
                None => joined = Some(ctx),
                Some(j) => {
                    j.rejected.extend(ctx.rejected.into_iter().map(|mut r| {
                        r.line += lines;
                        r
                    }));
                    parts.push((ctx.b, lines));
                }
            }
            lines += newlines;
            match end {
                Some(e) => start = e,
                None => break,
            }
        }
        let mut ctx =
            joined.unwrap_or_else(|| Ctx::new(Some(self.name.to_owned()), BadRows::Skip, None));
        ctx.b.append(parts);
        if ctx.b.stats.rows == 0 {
            return Err(Error::Empty {
                pos: Box::new(ctx.pos().at_line(2)),
                message: "no data rows after the header".to_owned(),
            });
        }
        Ok(ctx.into_log())
    }
}

/// The error `e` of a chunk, its line counted from the start of the file.
fn shift_lines(e: Error, lines: u64) -> Error {
    match e {
        Error::Value { mut pos, message } => {
            pos.line = pos.line.map(|l| l + lines);
            Error::Value { pos, message }
        }
        Error::Csv { mut pos, source } => {
            pos.line = pos.line.map(|l| l + lines);
            Error::Csv { pos, source }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::path::PathBuf;
    use std::sync::atomic::AtomicU64;

    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    use super::*;
    use crate::log::format::Format;
    use crate::log::reader::{LogReader, LogReaderBuilder};
    use crate::{Stage, StageKind, TimelineOptions, Timelines, Workflow};

    /// A file in the temporary directory, removed when dropped.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(bytes: &[u8]) -> TempFile {
            static N: AtomicU64 = AtomicU64::new(0);
            let path = std::env::temp_dir().join(format!(
                "valuestream-chunked-{}-{}.csv",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::write(&path, bytes).unwrap();
            TempFile(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn builder() -> LogReaderBuilder {
        LogReader::builder().name("t.csv").attribute("type")
    }

    /// [`read_reporting`] with the settings and the layout of `reader`.
    fn reporting(reader: &LogReader, path: &Path, size: u64) -> Option<(Result<EventLog>, Report)> {
        let layout = match reader.format() {
            Format::Long => Layout::Long,
            Format::Wide => Layout::Wide,
            _ => Layout::Intervals,
        };
        let mut file = File::open(path).unwrap();
        read_reporting(reader.settings(), layout, path, &mut file, "t.csv", size)
    }

    /// A workflow that maps some of the states the tests write and leaves `Weird` and
    /// `Review` unmapped.
    fn workflow() -> Workflow {
        Workflow::new(
            vec![
                Stage::new("Backlog", StageKind::Backlog),
                Stage::new("Dev", StageKind::Active).with_states(["Dev", "In\nTest"]),
                Stage::new("Done", StageKind::Done),
            ],
            None,
        )
        .unwrap()
    }

    /// Reads `bytes` sequentially and in chunks of about `chunk` bytes on `threads` threads,
    /// checks that both reads give the same log (or error), and the same timelines; returns
    /// what the chunked read did (`None`: it left the file to the sequential read).
    fn compare(bytes: &[u8], b: LogReaderBuilder, threads: usize, chunk: u64) -> Option<Report> {
        let f = TempFile::new(bytes);
        let seq = b.clone().threads(1).build().read_path(&f.0);
        let reader = b.threads(threads).chunking(0, chunk).build();
        let size = bytes.len() as u64;
        let (chunked, report) = match reporting(&reader, &f.0, size) {
            Some((log, report)) => (log, Some(report)),
            None => (reader.read_path(&f.0), None),
        };
        assert_same(&seq, &chunked);
        // The public path takes the same road.
        assert_same(&seq, &reader.read_path(&f.0));
        report
    }

    fn assert_same(seq: &Result<EventLog>, chunked: &Result<EventLog>) {
        match (seq, chunked) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.source, b.source);
                assert_eq!(a.state_column, b.state_column);
                assert_eq!(a.item_names, b.item_names, "items");
                assert_eq!(a.state_names, b.state_names, "states");
                assert_eq!(a.state_meta, b.state_meta, "state counts and first lines");
                assert_eq!(a.ev_item, b.ev_item, "event items");
                assert_eq!(a.ev_state, b.ev_state, "event states");
                assert_eq!(a.ev_time, b.ev_time, "event times");
                assert_eq!(a.resource_names, b.resource_names, "resources");
                assert_eq!(a.ev_resource, b.ev_resource, "event resources");
                assert_eq!(a.stats, b.stats, "rows, rejected rows, warnings");
                assert_eq!(
                    format!("{:?}", a.attributes),
                    format!("{:?}", b.attributes),
                    "attributes"
                );
                let wf = workflow();
                for drop in [false, true] {
                    let opts = TimelineOptions::new().drop_unmapped(drop);
                    match (
                        Timelines::with_options(a, &wf, &opts),
                        Timelines::with_options(b, &wf, &opts),
                    ) {
                        (Ok(x), Ok(y)) => assert_eq!(x.quality(), y.quality(), "ledger"),
                        (Err(x), Err(y)) => assert_eq!(x.to_string(), y.to_string()),
                        (x, y) => panic!("timelines: {:?} vs {:?}", x.err(), y.err()),
                    }
                }
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string());
                assert_eq!(format!("{a:?}"), format!("{b:?}"));
            }
            (a, b) => panic!(
                "sequential: {:?}; chunked: {:?}",
                a.as_ref().map(EventLog::len),
                b.as_ref().map(EventLog::len)
            ),
        }
    }

    /// `n` good rows, timestamps a minute apart, items in turn.
    fn good_rows(n: usize, eol: &str) -> String {
        let mut out = String::new();
        for i in 0..n {
            let state = ["Backlog", "Dev", "Done"][i % 3];
            let _ = write!(
                out,
                "A-{},{state},2024-01-01 {:02}:{:02}:00,Bug{eol}",
                i / 3,
                i / 60 % 24,
                i % 60
            );
        }
        out
    }

    #[test]
    fn resources_are_read_in_chunks_as_sequentially() {
        // Resources first seen in later chunks, empty ones, and rows of several items.
        let mut csv = String::from("id,state,timestamp,type,who\n");
        for i in 0..400 {
            let who = if i % 7 == 0 {
                String::new()
            } else {
                format!("P{}", (i * 13) % 37)
            };
            let _ = writeln!(
                csv,
                "A-{},{},2024-01-01 {:02}:{:02}:00,Bug,{who}",
                i % 11,
                ["Backlog", "Dev", "Done"][i % 3],
                i / 60 % 24,
                i % 60
            );
        }
        let b = builder().resource_column("who");
        for chunk in [64, 500, 3000] {
            let report = compare(csv.as_bytes(), b.clone(), 3, chunk).unwrap();
            assert!(report.chunks > 2, "{report:?}");
        }
        let log = b.build().read(csv.as_bytes()).unwrap();
        assert_eq!(log.resources().count(), 37);
        assert_eq!(log.resource(0), None);
        assert_eq!(log.resource(1), Some("P13"));
    }

    #[test]
    fn chunk_starts_follow_newlines() {
        let f = TempFile::new(b"ab\ncd\r\nef\n\ngh");
        let mut file = File::open(&f.0).unwrap();
        let size = 13;
        // After the newline at or after the offset...
        assert_eq!(chunk_start(&mut file, 1, size).unwrap(), 3);
        assert_eq!(chunk_start(&mut file, 2, size).unwrap(), 3);
        // ... at the newline of a CRLF ...
        assert_eq!(chunk_start(&mut file, 3, size).unwrap(), 6);
        assert_eq!(chunk_start(&mut file, 6, size).unwrap(), 6);
        assert_eq!(chunk_start(&mut file, 7, size).unwrap(), 10);
        assert_eq!(chunk_start(&mut file, 10, size).unwrap(), 11);
        // ... and the end of the file when no newline follows.
        assert_eq!(chunk_start(&mut file, 11, size).unwrap(), 13);
    }

    #[test]
    fn quoted_newlines_crlf_bom_and_no_final_newline() {
        let mut csv = String::from("\u{feff}id,state,timestamp,type\r\n");
        for i in 0..60 {
            csv += &format!(
                "\"A-{}\r\nsecond line, with a comma\",{},2024-01-01 10:{:02}:00,\"Bu\"\"g\"\r\n",
                i % 7,
                ["Backlog", "Dev", "Done", "Weird"][i % 4],
                i
            );
        }
        csv += "B,Done,2024-01-02";
        for chunk in [5, 13, 40, 97] {
            let report = compare(csv.as_bytes(), builder(), 3, chunk).unwrap();
            assert!(report.chunks > 20, "{report:?}");
            assert!(report.reparsed > 0, "{report:?}");
        }
        // With only LF line ends and no quoted newline, every planned start is right.
        let csv = format!("id,state,timestamp,type\n{}", good_rows(300, "\n"));
        let report = compare(csv.as_bytes(), builder(), 2, 64).unwrap();
        assert!(report.chunks > 100, "{report:?}");
        assert_eq!(report.reparsed, 0, "{report:?}");
        let csv = format!("id,state,timestamp,type\r\n{}", good_rows(300, "\r\n"));
        let report = compare(csv.as_bytes(), builder(), 2, 64).unwrap();
        assert_eq!(report.reparsed, 0, "{report:?}");
    }

    #[test]
    fn lines_are_the_files_lines() {
        let mut csv = format!("id,state,timestamp,type\n{}", good_rows(200, "\n"));
        csv += "X,Weird,2024-01-02 00:00:00,Bug\n";
        csv += "X,Dev,nope,Bug\n";
        let f = TempFile::new(csv.as_bytes());
        let reader = builder()
            .threads(2)
            .chunking(0, 100)
            .bad_rows(BadRows::Skip)
            .build();
        let (log, report) = reporting(&reader, &f.0, csv.len() as u64).unwrap();
        assert!(report.chunks > 50);
        let log = log.unwrap();
        assert_eq!(log.rejected()[0].line, 203);
        let e = Timelines::new(&log, &workflow()).unwrap_err();
        assert!(
            e.to_string()
                .contains("\"Weird\" (1 event, first on line 202)"),
            "{e}"
        );
        let e = builder()
            .threads(2)
            .chunking(0, 100)
            .build()
            .read_path(&f.0)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv, line 203, column \"timestamp\", value \"nope\": not a timestamp the column's \
             form allows (expected RFC 3339 (2024-03-04T09:15:00Z), \"YYYY-MM-DD HH:MM:SS[.fff]\
             [±hh:mm]\", \"YYYY-MM-DD\", epoch seconds or milliseconds, or a time format given by \
             the caller)"
        );
    }

    #[test]
    fn a_later_timestamp_form_fails_as_it_does_sequentially() {
        let mut csv = format!("id,state,timestamp,type\n{}", good_rows(100, "\n"));
        csv += "B,Dev,1709540100,Bug\n";
        csv += &good_rows(100, "\n");
        for policy in [BadRows::Error, BadRows::Skip] {
            let report = compare(csv.as_bytes(), builder().bad_rows(policy), 2, 64).unwrap();
            assert!(report.chunks > 50);
        }
        let e = builder()
            .threads(2)
            .chunking(0, 64)
            .build()
            .read(csv.as_bytes())
            .unwrap_err();
        assert!(e.to_string().contains("line 102"), "{e}");
        assert!(e.to_string().contains("found a number"), "{e}");
    }

    #[test]
    fn rows_before_the_first_valid_timestamp() {
        let csv = format!(
            "id,state,timestamp,type\nA,Dev,,Bug\nA,Dev,20240101,Bug\n,Dev,1709540100,Bug\nA,Dev\n{}",
            good_rows(100, "\n")
        );
        for policy in [BadRows::Error, BadRows::Skip] {
            let report = compare(csv.as_bytes(), builder().bad_rows(policy), 2, 64).unwrap();
            assert!(report.chunks > 20);
        }
        // No valid timestamp at all: the sequential read reports it.
        let csv = format!(
            "id,state,timestamp,type\n{}",
            "A,Dev,nope,Bug\n".repeat(1500)
        );
        assert!(compare(csv.as_bytes(), builder(), 2, 64).is_none());
        let report = compare(csv.as_bytes(), builder().bad_rows(BadRows::Skip), 2, 64);
        assert!(report.is_none());
    }

    #[test]
    fn the_first_error_in_the_file_wins() {
        let mut rows: Vec<String> = good_rows(400, "\n").lines().map(str::to_owned).collect();
        rows[390] = "Z,Dev,2024-13-01,Bug".to_owned();
        rows[250] = "Z,,2024-01-01,Bug".to_owned();
        let csv = format!("id,state,timestamp,type\n{}\n", rows.join("\n"));
        let report = compare(csv.as_bytes(), builder(), 4, 200).unwrap();
        assert!(report.chunks > 40);
        let e = builder()
            .threads(4)
            .chunking(0, 200)
            .build()
            .read(csv.as_bytes());
        assert!(e.unwrap_err().to_string().contains("line 252"));
        rows[3] = "Z,Dev,2024-01-01,Bug,extra".to_owned();
        let csv = format!("id,state,timestamp,type\n{}\n", rows.join("\n"));
        compare(csv.as_bytes(), builder(), 4, 200).unwrap();
    }

    #[test]
    fn what_is_read_sequentially() {
        let csv = format!("id,state,timestamp,type\n{}", good_rows(100, "\n"));
        let f = TempFile::new(csv.as_bytes());
        let size = csv.len() as u64;
        let try_chunked = |b: LogReaderBuilder| reporting(&b.build(), &f.0, size).map(|(_, r)| r);
        assert!(try_chunked(builder().threads(2).chunking(0, 64)).is_some());
        assert!(try_chunked(builder().threads(1).chunking(0, 64)).is_none());
        assert!(try_chunked(builder().threads(2).chunking(size + 1, 64)).is_none());
        let wide = builder().threads(2).chunking(0, 64).format(Format::Wide);
        assert!(try_chunked(wide).is_none());
        // The default chunking: one chunk per thread, of at least a megabyte.
        assert!(try_chunked(builder().threads(2).chunking(0, 0)).is_none());
        // A missing column is left to the sequential read, which names it.
        let missing = builder().threads(2).chunking(0, 64).id_column("key");
        assert!(try_chunked(missing.clone()).is_none());
        compare(csv.as_bytes(), missing, 2, 64);
    }

    #[test]
    fn a_large_file_is_read_in_one_chunk_per_thread() {
        let csv = format!("id,state,timestamp,type\n{}", good_rows(120_000, "\n"));
        assert!(csv.len() > 4 << 20);
        let f = TempFile::new(csv.as_bytes());
        let reader = builder().threads(3).build();
        let (log, report) = reporting(&reader, &f.0, csv.len() as u64).unwrap();
        assert_eq!((report.chunks, report.reparsed), (3, 0));
        assert_same(&builder().threads(1).build().read_path(&f.0), &log);
    }

    #[test]
    fn chunks_after_a_failed_one_wait_and_are_parsed_when_joined() {
        let csv = format!("id,state,timestamp,type\n{}", good_rows(30_000, "\n"));
        let f = TempFile::new(csv.as_bytes());
        let size = csv.len() as u64;
        let reader = builder().threads(2).chunking(0, size / 3).build();
        let mut file = File::open(&f.0).unwrap();
        let job = |failed: usize| Job {
            settings: reader.settings(),
            path: &f.0,
            name: "t.csv",
            plan: Plan::new(reader.settings(), &mut File::open(&f.0).unwrap(), size, 2).unwrap(),
            next: AtomicUsize::new(0),
            failed: AtomicUsize::new(failed),
        };
        // A chunk being parsed gives up once an earlier one has failed...
        let j = job(0);
        let (start, bound) = (j.plan.starts[1], j.plan.starts.get(2).copied());
        let p = j.parse(&mut file, 1, start, bound, true);
        assert!(matches!(p.outcome, Outcome::Abandoned));
        assert_eq!(p.ctx.b.stats.rows, u64::from(WATCH_ROWS));
        let p = j.parse(&mut file, 1, start, bound, false);
        assert!(matches!(p.outcome, Outcome::Done { .. }));
        // An abandoned chunk is parsed again when joined.
        let parsed: Vec<Option<Parsed>> = (0..3)
            .map(|k| {
                let (start, bound) = (j.plan.starts[k], j.plan.starts.get(k + 1).copied());
                Some(j.parse(&mut file, k, start, bound, k == 1))
            })
            .collect();
        let mut report = Report::default();
        let log = j.join(&mut file, parsed, &mut report);
        assert_eq!(report.reparsed, 1);
        assert_same(&builder().threads(1).build().read_path(&f.0), &log);
        // ... and chunks after it are not taken; the join parses them.
        let (log, report) = job(0).run(&mut file, 1);
        assert_eq!((report.chunks, report.reparsed), (3, 2));
        assert_same(&builder().threads(1).build().read_path(&f.0), &log);
        let (log, report) = job(usize::MAX).run(&mut file, 2);
        assert_eq!((report.chunks, report.reparsed), (3, 0));
        assert_same(&builder().threads(1).build().read_path(&f.0), &log);
    }

    /// One row of a generated log: its fields, or a blank line.
    fn row() -> impl Strategy<Value = Option<Vec<String>>> {
        let id = prop_oneof![
            8 => (0u32..12).prop_map(|i| format!("A-{i}")),
            1 => Just(" spaced ".to_owned()),
            1 => Just("with,comma".to_owned()),
            1 => Just("two\nlines".to_owned()),
            1 => Just("crlf\r\nlines".to_owned()),
            1 => Just("quote\"d".to_owned()),
            1 => Just("\u{e9}t\u{e9}".to_owned()),
            1 => Just("\u{feff}bom".to_owned()),
            1 => Just(String::new()),
        ];
        let state = prop_oneof![
            4 => Just("Backlog"),
            4 => Just("Dev"),
            3 => Just("Done"),
            1 => Just("Review"),
            1 => Just("Weird"),
            1 => Just("In\nTest"),
            1 => Just(""),
        ];
        let time = prop_oneof![
            12 => (1u32..29, 0u32..24, 0u32..60, prop_oneof![Just(""), Just("Z"), Just("+01:00")])
                .prop_map(|(d, h, m, z)| format!("2024-02-{d:02} {h:02}:{m:02}:00{z}")),
            1 => Just("nope".to_owned()),
            1 => Just(String::new()),
            1 => Just("1709540100".to_owned()),
            1 => Just("2024-02-30".to_owned()),
        ];
        let kind = prop_oneof![
            Just("Bug"),
            Just("Story"),
            Just(""),
            Just("big, epic"),
            Just("two\nlines")
        ];
        let fields =
            (id, state, time, kind).prop_map(|(i, s, t, k)| vec![i, s.to_owned(), t, k.to_owned()]);
        prop_oneof![
            20 => fields.clone().prop_map(Some),
            1 => fields.clone().prop_map(|mut f| { f.truncate(2); Some(f) }),
            1 => fields.prop_map(|mut f| { f.push("extra".to_owned()); Some(f) }),
            1 => Just(None),
        ]
    }

    /// A generated file and how to read it.
    #[derive(Debug, Clone)]
    struct Case {
        csv: Vec<u8>,
        skip: bool,
        threads: usize,
        chunk: u64,
    }

    fn case() -> impl Strategy<Value = Case> {
        (
            proptest::collection::vec(row(), 0..120),
            any::<bool>(), // a valid first row
            0u8..3,        // line ends: LF, CRLF, mixed
            proptest::collection::vec(any::<bool>(), 120),
            any::<bool>(), // BOM
            any::<bool>(), // final newline
            any::<bool>(), // quote every field
            prop_oneof![1 => Just(false), 3 => Just(true)],
            2usize..5,
            1u64..120,
        )
            .prop_map(
                |(
                    rows,
                    good_first,
                    eol,
                    crlf_rows,
                    bom,
                    final_nl,
                    quote_all,
                    skip,
                    threads,
                    chunk,
                )| {
                    let mut csv = String::new();
                    if bom {
                        csv.push('\u{feff}');
                    }
                    let eol_of = |i: usize| match eol {
                        0 => "\n",
                        1 => "\r\n",
                        _ if crlf_rows[i % crlf_rows.len()] => "\r\n",
                        _ => "\n",
                    };
                    csv += "id,state,timestamp,type";
                    csv += eol_of(0);
                    let first = good_first.then(|| {
                        ["A-0", "Backlog", "2024-02-01 09:00:00", "Bug"]
                            .map(str::to_owned)
                            .to_vec()
                    });
                    let all: Vec<Option<Vec<String>>> =
                        first.into_iter().map(Some).chain(rows).collect();
                    for (i, r) in all.iter().enumerate() {
                        if let Some(fields) = r {
                            let cells: Vec<String> = fields
                                .iter()
                                .map(|f| {
                                    if quote_all || f.contains([',', '"', '\n', '\r']) {
                                        format!("\"{}\"", f.replace('"', "\"\""))
                                    } else {
                                        f.clone()
                                    }
                                })
                                .collect();
                            csv += &cells.join(",");
                        }
                        if i + 1 < all.len() || final_nl {
                            csv += eol_of(i + 1);
                        }
                    }
                    Case {
                        csv: csv.into_bytes(),
                        skip,
                        threads,
                        chunk,
                    }
                },
            )
    }

    /// The pieces of barely-CSV input.
    const TOKENS: &[&[u8]] = &[
        b"A-1",
        b"Dev",
        b"Done",
        b"2024-01-02 03:04:05",
        b"1709540100",
        b",",
        b"\"",
        b"\"\"",
        b"\n",
        b"\r",
        b"\r\n",
        b" ",
        b"\xff\xfe",
        b"\xef\xbb\xbf",
        b"Bug",
        b"x,y",
    ];

    proptest! {
        #![proptest_config(Config { cases: 300, failure_persistence: None, ..Config::default() })]

        /// Bytes that are barely CSV (stray quotes and line ends, invalid UTF-8, BOMs in
        /// odd places) read in chunks as sequentially, and never panic.
        #[test]
        fn odd_bytes_read_in_chunks_as_sequentially(
            tokens in proptest::collection::vec(
                proptest::sample::select(TOKENS),
                0..300,
            ),
            skip in any::<bool>(),
            threads in 2usize..4,
            chunk in 1u64..64,
        ) {
            let mut csv = b"id,state,timestamp,type\nA-0,Dev,2024-01-01 00:00:00,Bug\n".to_vec();
            for t in tokens {
                csv.extend_from_slice(t);
            }
            let policy = if skip { BadRows::Skip } else { BadRows::Error };
            compare(&csv, builder().bad_rows(policy), threads, chunk);
        }
    }

    #[test]
    fn chunked_reads_equal_sequential_reads() {
        let mut runner = TestRunner::new(Config {
            cases: 400,
            failure_persistence: None,
            ..Config::default()
        });
        let (chunked, reparsed, failed, rejected) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        runner
            .run(&case(), |c| {
                let policy = if c.skip {
                    BadRows::Skip
                } else {
                    BadRows::Error
                };
                let b = builder().bad_rows(policy);
                if let Some(r) = compare(&c.csv, b.clone(), c.threads, c.chunk) {
                    chunked.fetch_add(usize::from(r.chunks > 1), Ordering::Relaxed);
                    reparsed.fetch_add(usize::from(r.reparsed > 0), Ordering::Relaxed);
                }
                match b.threads(1).build().read(&c.csv[..]) {
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                    Ok(log) => rejected
                        .fetch_add(usize::from(!log.rejected().is_empty()), Ordering::Relaxed),
                };
                Ok(())
            })
            .unwrap();
        // The cases exercise what they are meant to.
        let (chunked, reparsed) = (chunked.into_inner(), reparsed.into_inner());
        let (failed, rejected) = (failed.into_inner(), rejected.into_inner());
        assert!(chunked > 100, "{chunked} of 400 read in chunks");
        assert!(reparsed > 10, "{reparsed} with a chunk parsed again");
        assert!(
            failed > 10 && rejected > 10,
            "{failed} errors, {rejected} with rejected rows"
        );
    }
}
