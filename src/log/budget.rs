//! What a file may ask of a reader: the longest record, the most events of one item, and
//! the memory its events may take. Each is refused, with the value and the limit named,
//! before it is spent: reading is bounded in memory by the input, never by what a value in
//! it claims.

use std::cell::Cell;
use std::io::{self, BufRead, Read};

/// The most bytes one CSV record, or one XML element of an XES log, may hold: 64 MiB. A
/// Jira export with every comment of an issue in one row stays well below it; a binary
/// file, a quote that never closes or a device that never ends does not.
pub const MAX_RECORD_BYTES: u64 = 64 << 20;

/// The most events one item may have: a million. No delivery tool records that many
/// changes of one work item; a trace this long in a compressed XES file is a bomb.
pub const MAX_EVENTS_PER_ITEM: usize = 1_000_000;

/// The memory an event takes once read and made into timelines and a report, in bytes, as
/// a memory budget counts it: the 100-million-event load test in `BENCHMARKS.md` peaks at
/// about 54 bytes an event.
pub const BYTES_PER_EVENT: u64 = 64;

/// The memory budget the command line gives when it is told none: half of the machine's
/// memory, and at most half of the process's address-space limit (`ulimit -v`), where the
/// system says them (Linux); 2 GiB where it does not.
pub fn default_memory_budget() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| mem_total(&t));
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| address_space_limit(&t));
    match (total, limit) {
        (None, None) => 2 << 30,
        (t, l) => t.unwrap_or(u64::MAX).min(l.unwrap_or(u64::MAX)) / 2,
    }
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// The soft limit of `Max address space` in `/proc/self/limits`, in bytes (`None` when
/// unlimited).
fn address_space_limit(limits: &str) -> Option<u64> {
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    line["Max address space".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The error of a log whose `events` (`estimated` from its first rows and its size, or
/// counted) need more memory than `budget` bytes.
pub(crate) fn over_budget(
    pos: crate::error::Position,
    events: u64,
    estimated: bool,
    budget: u64,
) -> crate::error::Error {
    let how = if estimated {
        "about {n} events (from its first rows and its size)"
    } else {
        "{n} events"
    };
    let need = events.saturating_mul(BYTES_PER_EVENT);
    crate::error::Error::value(
        pos,
        format!(
            "{} need about {} MiB once read ({BYTES_PER_EVENT} bytes an event), more than the memory budget of {} MiB: give a larger one (--memory-budget MIB) or read a part of the log",
            how.replace("{n}", &events.to_string()),
            need.div_ceil(1 << 20),
            budget >> 20
        ),
    )
}

/// Whether `events` fit in `budget` bytes.
#[inline]
pub(crate) fn fits(events: u64, budget: u64) -> bool {
    events.saturating_mul(BYTES_PER_EVENT) <= budget
}

/// A record (or XML element) that grew past [`MAX_RECORD_BYTES`]: the I/O error that
/// stops the parser reading it, with the line (or byte) where it starts.
#[derive(Debug)]
pub(crate) struct TooLong {
    /// The line the record starts on (CSV, from 1), or 0 when only the byte is known.
    pub(crate) line: u64,
    /// The byte offset where it starts.
    pub(crate) byte: u64,
    pub(crate) what: &'static str,
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.line > 0 {
            format!("on line {}", self.line)
        } else {
            format!("at byte {}", self.byte)
        };
        f.write_str(&self.sentence(&at))
    }
}

impl std::error::Error for TooLong {}

impl TooLong {
    /// What is wrong, the record placed by `at` (`here` when the error's position gives
    /// its line).
    pub(crate) fn sentence(&self, at: &str) -> String {
        format!(
            "a {} that starts {at} is longer than {} MiB, the most one may hold \
             (a binary file, a quote that never closes, or an input that never ends?)",
            self.what,
            MAX_RECORD_BYTES >> 20
        )
    }

    /// The [`TooLong`] inside an I/O error, if it is one.
    pub(crate) fn within(e: &io::Error) -> Option<&TooLong> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<TooLong>())
    }
}

/// A reader that refuses to give out more than [`MAX_RECORD_BYTES`] (and a little for the
/// parser's read-ahead) past the start of the record being parsed, which the parser's loop
/// sets before each record with [`Bounded::record_starts`]. One comparison per read of the
/// parser's buffer.
pub(crate) struct Bounded<R> {
    inner: R,
    /// Bytes given out so far.
    given: u64,
    /// Where the record being read starts, in bytes given out, and on which line.
    from: Cell<u64>,
    line: Cell<u64>,
    max: u64,
    what: &'static str,
}

/// What a parser may have read ahead of the record it parses (the `csv` crate's buffer is at
/// most 64 KiB here; quick-xml reads through the caller's buffer).
const READ_AHEAD: u64 = 1 << 20;

impl<R> Bounded<R> {
    /// `inner`, its records at most `max` bytes long; `what` names a record in the error.
    pub(crate) fn new(inner: R, what: &'static str) -> Bounded<R> {
        Bounded::with_max(inner, what, MAX_RECORD_BYTES)
    }

    pub(crate) fn with_max(inner: R, what: &'static str, max: u64) -> Bounded<R> {
        Bounded {
            inner,
            given: 0,
            from: Cell::new(0),
            line: Cell::new(1),
            max,
            what,
        }
    }

    /// The next record starts at byte `byte` (of the bytes given out) on line `line` (0 if
    /// not known).
    #[inline]
    pub(crate) fn record_starts(&self, byte: u64, line: u64) {
        self.from.set(byte);
        self.line.set(line);
    }

    fn check(&self) -> io::Result<()> {
        if self.given > self.from.get().saturating_add(self.max + READ_AHEAD) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                TooLong {
                    line: self.line.get(),
                    byte: self.from.get(),
                    what: self.what,
                },
            ));
        }
        Ok(())
    }
}

impl<R: Read> Read for Bounded<R> {
    #[inline]
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.check()?;
        let n = self.inner.read(out)?;
        self.given += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.check()?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.given += n as u64;
        self.inner.consume(n);
    }
}

/// Reads the next record of `csv`, its start marked first so that it may be at most
/// [`MAX_RECORD_BYTES`] long.
///
/// # Errors
///
/// The `csv` crate's error; an I/O error holding [`TooLong`] for a record too long.
#[inline]
pub(crate) fn next_record<R: Read>(
    csv: &mut csv::Reader<Bounded<R>>,
    rec: &mut csv::ByteRecord,
) -> csv::Result<bool> {
    let pos = csv.position();
    csv.get_ref().record_starts(pos.byte(), pos.line());
    csv.read_byte_record(rec)
}

/// The [`TooLong`] inside a CSV error, if it is one.
pub(crate) fn csv_too_long(e: &csv::Error) -> Option<&TooLong> {
    match e.kind() {
        csv::ErrorKind::Io(io) => TooLong::within(io),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_memory_and_the_address_space_limit_are_read() {
        let meminfo = "MemTotal:       24567000 kB\nMemFree:         1000 kB\n";
        assert_eq!(mem_total(meminfo), Some(24_567_000 * 1024));
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max address space         4096000000           unlimited            bytes     \n";
        assert_eq!(address_space_limit(limits), Some(4_096_000_000));
        let unlimited =
            "Max address space         unlimited            unlimited            bytes     \n";
        assert_eq!(address_space_limit(unlimited), None);
        assert!(default_memory_budget() > 0);
    }

    #[test]
    fn a_record_past_the_limit_stops_the_read_with_its_line() {
        let mut text = b"id,state\nA,".to_vec();
        text.extend(std::iter::repeat_n(b'x', 3_000_000));
        text.extend(b"\nB,y\n");
        let bounded = Bounded::with_max(&text[..], "record", 1 << 20);
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bounded);
        let mut rec = csv::ByteRecord::new();
        assert!(next_record(&mut csv, &mut rec).unwrap());
        let e = next_record(&mut csv, &mut rec).unwrap_err();
        let too_long = csv_too_long(&e).expect("a record too long");
        assert_eq!((too_long.line, too_long.byte), (2, 9));
        assert!(too_long.to_string().contains("on line 2"), "{too_long}");
    }

    #[test]
    fn records_below_the_limit_read_whatever_the_file_size() {
        let row = b"A,yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n";
        let text: Vec<u8> = row
            .iter()
            .copied()
            .cycle()
            .take(row.len() * 40_000)
            .collect();
        // Forty thousand records, 2.7 MB, each far below a limit of 1 KiB plus read-ahead.
        let bounded = Bounded::with_max(&text[..], "record", 1024);
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bounded);
        let mut rec = csv::ByteRecord::new();
        let mut n = 0;
        while next_record(&mut csv, &mut rec).unwrap() {
            n += 1;
        }
        assert_eq!(n, 40_000);
    }
}
