//! CSV readers for the three layouts of event logs: long, wide and intervals.

use std::fs::File;
use std::io::{self, Seek};
use std::path::Path;

use chrono::FixedOffset;
use csv::ByteRecord;

use super::quality::{RejectedRow, WarningTally};
use super::{EventLog, EventLogBuilder, WarningKind};
use crate::error::{Error, Position, Result};
use crate::time::{TimeFormat, TimeParser};

mod chunked;

/// The layout of a CSV event log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Format {
    /// One row per state entry: `id, state, timestamp` (Jira changelogs, BPI Challenge logs,
    /// PM4Py CSVs).
    #[default]
    Long,
    /// One row per item with one date column per stage, in workflow order (ActionableAgile
    /// and jira-agile-metrics "cycle time data"). An empty cell is a skipped stage.
    Wide,
    /// One row per piece of work: `id, stage, start, end` (CI jobs, start/complete logs).
    /// The gap before an interval is waiting in the queue of its stage, recorded as the state
    /// `"<stage> queue"`; the end of an item's last interval is the state `"Done"` (both names
    /// configurable). An empty `end` is work still in progress.
    Intervals,
}

impl Format {
    /// Parses `long`, `wide` or `intervals`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for any other name.
    pub fn from_name(name: &str) -> Result<Format> {
        match name {
            "long" => Ok(Format::Long),
            "wide" => Ok(Format::Wide),
            "intervals" => Ok(Format::Intervals),
            other => Err(Error::InvalidArgument(format!(
                "unknown format {other:?}: expected long, wide or intervals"
            ))),
        }
    }
}

/// What to do with a row that cannot be used (a bad timestamp, an empty id, a row with too
/// few fields).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadRows {
    /// Stop with an error naming the line, column and value (the default).
    #[default]
    Error,
    /// Skip the row and record it, with its line and reason, in the data-quality ledger.
    Skip,
}

/// Configures a [`LogReader`], in the manner of `csv::ReaderBuilder`.
///
/// Column names default to `id`, `state`, `timestamp` (long), `ID` (wide) and `id`,
/// `stage`, `start`, `end` (intervals). A name matches a header exactly, or failing that
/// ignoring case and surrounding spaces.
#[derive(Clone, Debug)]
pub struct LogReaderBuilder {
    format: Format,
    id: Option<String>,
    state: Option<String>,
    time: Option<String>,
    end: Option<String>,
    stages: Option<Vec<String>>,
    attributes: Vec<String>,
    time_format: TimeFormat,
    offset: FixedOffset,
    delimiter: u8,
    bad_rows: BadRows,
    queue_suffix: String,
    end_state: String,
    name: Option<String>,
    /// Threads reading a large long-format file; 0 = the available parallelism.
    threads: usize,
    chunking: chunked::Chunking,
}

impl Default for LogReaderBuilder {
    fn default() -> Self {
        LogReaderBuilder {
            format: Format::Long,
            id: None,
            state: None,
            time: None,
            end: None,
            stages: None,
            attributes: Vec::new(),
            time_format: TimeFormat::Auto,
            offset: FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()),
            delimiter: b',',
            bad_rows: BadRows::Error,
            queue_suffix: " queue".to_owned(),
            end_state: "Done".to_owned(),
            name: None,
            threads: 1,
            chunking: chunked::Chunking::default(),
        }
    }
}

impl LogReaderBuilder {
    /// A builder with the defaults: long format, UTC, comma-separated, strict.
    pub fn new() -> LogReaderBuilder {
        LogReaderBuilder::default()
    }

    /// The layout of the file.
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// The column holding the item id.
    pub fn id_column(mut self, name: impl Into<String>) -> Self {
        self.id = Some(name.into());
        self
    }

    /// The column holding the state (long) or stage (intervals).
    pub fn state_column(mut self, name: impl Into<String>) -> Self {
        self.state = Some(name.into());
        self
    }

    /// The column holding the instant (long) or the start (intervals).
    pub fn time_column(mut self, name: impl Into<String>) -> Self {
        self.time = Some(name.into());
        self
    }

    /// The column holding the end of an interval (intervals).
    pub fn end_column(mut self, name: impl Into<String>) -> Self {
        self.end = Some(name.into());
        self
    }

    /// The date columns of a wide file, in workflow order. Without it every column but the
    /// id, `Link`, `Name`, `Title`, `Summary` and the attribute columns is a stage column.
    pub fn stage_columns<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.stages = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Keeps column `name` as an item attribute (for filters such as `type=Bug`). A value
    /// that changes between rows of one item keeps the last non-empty one.
    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.attributes.push(name.into());
        self
    }

    /// How timestamps are written (default: detected per column).
    pub fn time_format(mut self, format: TimeFormat) -> Self {
        self.time_format = format;
        self
    }

    /// The offset in which timestamps without one are read (default UTC).
    pub fn offset(mut self, offset: FixedOffset) -> Self {
        self.offset = offset;
        self
    }

    /// The field delimiter (default `,`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// What to do with unusable rows (default: an error).
    pub fn bad_rows(mut self, policy: BadRows) -> Self {
        self.bad_rows = policy;
        self
    }

    /// For intervals: the suffix that names the wait before a stage (default `" queue"`).
    pub fn queue_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.queue_suffix = suffix.into();
        self
    }

    /// For intervals: the state an item enters when its last interval ends (default `Done`).
    pub fn end_state(mut self, state: impl Into<String>) -> Self {
        self.end_state = state.into();
        self
    }

    /// The name used for the input in errors and in the ledger (default: the path, or
    /// nothing when reading from a reader).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The number of threads that read a large file of the long format (default 1: the
    /// calling thread only; 0: as many as the machine offers, at most 8, which is what the
    /// command line asks for). The library asks the system for its parallelism only when
    /// given 0.
    ///
    /// [`LogReader::read_path`] splits a long-format file of 4 MB or more into byte ranges
    /// of at least a megabyte, one per thread, parses them on scoped threads and joins the
    /// results. The number of threads never changes the result: the log, its ledger and its
    /// errors are exactly those of a sequential read (items numbered in order of first
    /// appearance, events in file order, the same line numbers, the first error in the file
    /// reported). The other layouts, and [`LogReader::read`], read on the calling thread.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }

    /// Sets when and how finely the chunked read splits a file (tests use small chunks).
    #[cfg(test)]
    pub(crate) fn chunking(mut self, min_file_bytes: u64, chunk_bytes: u64) -> Self {
        self.chunking = chunked::Chunking {
            min_file_bytes,
            chunk_bytes,
        };
        self
    }

    /// The reader.
    pub fn build(self) -> LogReader {
        LogReader { cfg: self }
    }
}

/// Reads CSV event logs into an [`EventLog`], streaming: one record buffer is reused and
/// nothing but the events is kept.
///
/// ```
/// use valuestream::{Format, LogReader};
///
/// let csv = "key,status,at\nA-1,Dev,2024-03-04 09:00\nA-1,Done,2024-03-06T09:00:00Z\n";
/// let log = LogReader::builder()
///     .format(Format::Long)
///     .id_column("key")
///     .state_column("status")
///     .time_column("at")
///     .name("example.csv")
///     .build()
///     .read(csv.as_bytes())?;
/// assert_eq!((log.len(), log.items(), log.rows()), (2, 1, 2));
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct LogReader {
    cfg: LogReaderBuilder,
}

/// Column names that a wide file carries besides its dates.
const WIDE_META: [&str; 5] = ["link", "name", "title", "summary", "url"];

impl LogReader {
    /// A builder with the defaults.
    pub fn builder() -> LogReaderBuilder {
        LogReaderBuilder::new()
    }

    /// Reads the file at `path`.
    ///
    /// With more than one thread ([`LogReaderBuilder::threads`]), a long-format file of a
    /// few megabytes or more is parsed in byte ranges on those threads, each through its own
    /// handle on the file, streaming; the result, and any error, is the one a sequential
    /// read gives.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be opened; otherwise as [`LogReader::read`], with
    /// the path in every position.
    pub fn read_path(&self, path: impl AsRef<Path>) -> Result<EventLog> {
        let path = path.as_ref();
        let name = self
            .cfg
            .name
            .clone()
            .unwrap_or_else(|| path.display().to_string());
        let io_error = |source| Error::Io {
            file: Some(name.clone()),
            source,
        };
        let mut file = File::open(path).map_err(io_error)?;
        let meta = file.metadata().ok();
        let mut unterminated_end = None;
        if let Some(m) = meta.as_ref().filter(|m| m.is_file()) {
            if let Some(log) = chunked::read(self, path, &mut file, &name, m.len()) {
                return log;
            }
            if ends_unterminated(&mut file, m.len()).map_err(io_error)? {
                unterminated_end = Some(m.len());
            }
            file.rewind().map_err(io_error)?;
        }
        self.read_named(
            io::BufReader::with_capacity(1 << 16, file),
            Some(name),
            meta.map(|m| m.len()),
            unterminated_end,
        )
    }

    /// Reads a log from any reader.
    ///
    /// # Errors
    ///
    /// - [`Error::Empty`] if there is no header or no data row;
    /// - [`Error::MissingColumn`] if a configured column is not in the header;
    /// - [`Error::Csv`] if a record cannot be read (unbalanced quotes, I/O);
    /// - [`Error::Value`] for a row with the wrong number of fields, an empty id or state, a
    ///   value that is not UTF-8, or a timestamp that cannot be read (unless
    ///   [`BadRows::Skip`]).
    pub fn read<R: io::Read>(&self, rdr: R) -> Result<EventLog> {
        self.read_named(rdr, self.cfg.name.clone(), None, None)
    }

    fn read_named<R: io::Read>(
        &self,
        rdr: R,
        name: Option<String>,
        size: Option<u64>,
        unterminated_end: Option<u64>,
    ) -> Result<EventLog> {
        let mut csv = self.csv_reader(rdr);
        let mut ctx = Ctx::new(name, self.cfg.bad_rows, size);
        ctx.unterminated_end = unterminated_end;
        let mut header = ByteRecord::new();
        let got = csv
            .read_byte_record(&mut header)
            .map_err(|e| ctx.csv_error(e))?;
        if !got || (header.len() == 1 && trim(&header[0]).is_empty()) {
            return Err(Error::Empty {
                pos: Box::new(ctx.pos().at_line(1)),
                message: format!(
                    "the input is empty: expected a header row naming the columns ({})",
                    self.expected_columns()
                ),
            });
        }
        let names = header_names(&header);
        ctx.lf = ends_with_lf(&header, csv.position());
        match self.cfg.format {
            Format::Long => self.read_long(&mut csv, &names, &mut ctx)?,
            Format::Wide => self.read_wide(&mut csv, &names, &mut ctx)?,
            Format::Intervals => self.read_intervals(&mut csv, &names, &mut ctx)?,
        }
        if ctx.b.stats.rows == 0 {
            return Err(Error::Empty {
                pos: Box::new(ctx.pos().at_line(2)),
                message: "no data rows after the header".to_owned(),
            });
        }
        Ok(ctx.into_log())
    }

    /// A CSV reader with the reader's settings: every read, sequential or in chunks, parses
    /// with these.
    fn csv_reader<R: io::Read>(&self, rdr: R) -> csv::Reader<R> {
        csv::ReaderBuilder::new()
            .delimiter(self.cfg.delimiter)
            .flexible(true)
            .has_headers(false)
            .buffer_capacity(1 << 16)
            .from_reader(rdr)
    }

    fn expected_columns(&self) -> String {
        let c = &self.cfg;
        match c.format {
            Format::Long => format!(
                "{}, {}, {}",
                c.id.as_deref().unwrap_or("id"),
                c.state.as_deref().unwrap_or("state"),
                c.time.as_deref().unwrap_or("timestamp")
            ),
            Format::Wide => format!(
                "{}, then one date column per stage",
                c.id.as_deref().unwrap_or("ID")
            ),
            Format::Intervals => format!(
                "{}, {}, {}, {}",
                c.id.as_deref().unwrap_or("id"),
                c.state.as_deref().unwrap_or("stage"),
                c.time.as_deref().unwrap_or("start"),
                c.end.as_deref().unwrap_or("end")
            ),
        }
    }

    fn attribute_columns(&self, names: &[String], ctx: &mut Ctx) -> Result<Vec<(usize, usize)>> {
        self.cfg
            .attributes
            .iter()
            .map(|a| {
                let col = find_column(names, a, ctx)?;
                Ok((col, ctx.b.attribute_index(a)))
            })
            .collect()
    }

    /// The columns of a long log, found in its header (sets the builder's state column and
    /// attribute columns).
    fn long_columns(&self, names: &[String], ctx: &mut Ctx) -> Result<LongColumns> {
        let id = find_column(names, self.cfg.id.as_deref().unwrap_or("id"), ctx)?;
        let state = find_column(names, self.cfg.state.as_deref().unwrap_or("state"), ctx)?;
        ctx.b.state_column = Some(names[state].clone());
        let time = find_column(names, self.cfg.time.as_deref().unwrap_or("timestamp"), ctx)?;
        let attrs = self.attribute_columns(names, ctx)?;
        Ok(LongColumns {
            id,
            state,
            time,
            attrs,
            ncols: names.len(),
        })
    }

    /// A parser for a timestamp column, in the configured form (or detecting it).
    fn time_parser(&self) -> TimeParser {
        TimeParser::new(self.cfg.time_format.clone(), self.cfg.offset)
    }

    fn read_long<R: io::Read>(
        &self,
        csv: &mut csv::Reader<R>,
        names: &[String],
        ctx: &mut Ctx,
    ) -> Result<()> {
        let cols = self.long_columns(names, ctx)?;
        let mut tp = self.time_parser();
        let mut rec = ByteRecord::new();
        while csv
            .read_byte_record(&mut rec)
            .map_err(|e| ctx.csv_error(e))?
        {
            let line = ctx.line(&rec, csv.position());
            long_row(ctx, &cols, &mut tp, &rec, names, line)?;
        }
        Ok(())
    }

    fn read_wide<R: io::Read>(
        &self,
        csv: &mut csv::Reader<R>,
        names: &[String],
        ctx: &mut Ctx,
    ) -> Result<()> {
        let ic = find_column(names, self.cfg.id.as_deref().unwrap_or("ID"), ctx)?;
        let attrs = self.attribute_columns(names, ctx)?;
        let stage_cols: Vec<usize> = match &self.cfg.stages {
            Some(stages) => stages
                .iter()
                .map(|s| find_column(names, s, ctx))
                .collect::<Result<_>>()?,
            None => (0..names.len())
                .filter(|&c| {
                    c != ic
                        && !attrs.iter().any(|(a, _)| *a == c)
                        && !WIDE_META.contains(&names[c].trim().to_ascii_lowercase().as_str())
                })
                .collect(),
        };
        if stage_cols.is_empty() {
            return Err(Error::Empty {
                pos: Box::new(ctx.pos().at_line(1)),
                message: "a wide file needs at least one date column after the id column"
                    .to_owned(),
            });
        }
        let stage_ids: Vec<u32> = stage_cols
            .iter()
            .map(|&c| ctx.b.state_index(names[c].trim().as_bytes()).unwrap_or(0))
            .collect();
        let mut parsers: Vec<TimeParser> = stage_cols
            .iter()
            .map(|_| TimeParser::new(self.cfg.time_format.clone(), self.cfg.offset))
            .collect();
        let mut rec = ByteRecord::new();
        let mut times: Vec<(u32, i64)> = Vec::with_capacity(stage_cols.len());
        let ncols = names.len();
        'rows: while csv
            .read_byte_record(&mut rec)
            .map_err(|e| ctx.csv_error(e))?
        {
            ctx.b.stats.rows += 1;
            let line = ctx.line(&rec, csv.position());
            if rec.len() != ncols {
                ctx.bad_shape(line, rec.len(), ncols, names)?;
                continue;
            }
            let Some(item) = ctx.item(&rec, ic, line, names)? else {
                continue;
            };
            times.clear();
            for (k, &c) in stage_cols.iter().enumerate() {
                let v = trim(&rec[c]);
                if v.is_empty() {
                    continue;
                }
                let Some(t) = ctx.time(&mut parsers[k], &rec, c, line, names)? else {
                    continue 'rows;
                };
                times.push((stage_ids[k], t));
            }
            if times.is_empty() {
                ctx.rejected.push(RejectedRow {
                    line,
                    column: None,
                    value: None,
                    reason: "no date in any stage column".to_owned(),
                });
                continue;
            }
            for &(s, t) in &times {
                ctx.b.push_ids(item, s, t, line);
            }
            ctx.attributes(&rec, &attrs, item, line, names)?;
        }
        Ok(())
    }

    fn read_intervals<R: io::Read>(
        &self,
        csv: &mut csv::Reader<R>,
        names: &[String],
        ctx: &mut Ctx,
    ) -> Result<()> {
        let ic = find_column(names, self.cfg.id.as_deref().unwrap_or("id"), ctx)?;
        let sc = find_column(names, self.cfg.state.as_deref().unwrap_or("stage"), ctx)?;
        ctx.b.state_column = Some(names[sc].clone());
        let tc = find_column(names, self.cfg.time.as_deref().unwrap_or("start"), ctx)?;
        let ec = find_column(names, self.cfg.end.as_deref().unwrap_or("end"), ctx)?;
        let attrs = self.attribute_columns(names, ctx)?;
        let mut start_p = TimeParser::new(self.cfg.time_format.clone(), self.cfg.offset);
        let mut end_p = TimeParser::new(self.cfg.time_format.clone(), self.cfg.offset);
        // Intervals are buffered as compact rows (not the file) because the state of the gap
        // before an interval depends on the item's next interval.
        let mut rows: Vec<Interval> = Vec::new();
        let mut rec = ByteRecord::new();
        let ncols = names.len();
        while csv
            .read_byte_record(&mut rec)
            .map_err(|e| ctx.csv_error(e))?
        {
            ctx.b.stats.rows += 1;
            let line = ctx.line(&rec, csv.position());
            if rec.len() != ncols {
                ctx.bad_shape(line, rec.len(), ncols, names)?;
                continue;
            }
            let Some(item) = ctx.item(&rec, ic, line, names)? else {
                continue;
            };
            let Some(state) = ctx.state(&rec, sc, line, names)? else {
                continue;
            };
            let Some(start) = ctx.time(&mut start_p, &rec, tc, line, names)? else {
                continue;
            };
            let end = if trim(&rec[ec]).is_empty() {
                None
            } else {
                let Some(end) = ctx.time(&mut end_p, &rec, ec, line, names)? else {
                    continue;
                };
                if end < start {
                    ctx.bad(
                        ctx.pos()
                            .at_line(line)
                            .in_column(&names[ec])
                            .with_value(trim(&rec[ec])),
                        "the interval ends before it starts".to_owned(),
                    )?;
                    continue;
                }
                Some(end)
            };
            rows.push(Interval {
                item,
                state,
                start,
                end,
                line,
            });
            ctx.attributes(&rec, &attrs, item, line, names)?;
        }
        emit_intervals(
            &mut ctx.b,
            rows,
            &self.cfg.queue_suffix,
            &self.cfg.end_state,
        );
        Ok(())
    }
}

/// Turns intervals of work into events: the start of each interval, the gap before it as
/// `"<stage><queue_suffix>"`, and `end_state` when the item's last interval ends. Overlaps
/// are counted in the builder's warnings.
pub(crate) fn emit_intervals(
    b: &mut EventLogBuilder,
    mut rows: Vec<Interval>,
    queue_suffix: &str,
    end_state: &str,
) {
    {
        // Stable sort: by item, then start; ties keep input order.
        rows.sort_by_key(|r| (r.item, r.start));
        let end_state = b.state_index(end_state.as_bytes()).unwrap_or(0);
        let mut queue_of: Vec<Option<u32>> = Vec::new();
        let mut overlaps = WarningTally::default();
        let mut i = 0;
        while i < rows.len() {
            let item = rows[i].item;
            let mut j = i;
            while j < rows.len() && rows[j].item == item {
                j += 1;
            }
            let mut frontier: Option<i64> = Some(i64::MIN); // None = an open interval
            for (k, &r) in rows[i..j].iter().enumerate() {
                if k > 0 {
                    match frontier {
                        Some(f) if f < r.start => {
                            let slot = queue_of_state(&mut queue_of, r.state);
                            let q = match *slot {
                                Some(q) => q,
                                None => {
                                    let name = format!("{}{}", b.state_name(r.state), queue_suffix);
                                    let q = b.state_index(name.as_bytes()).unwrap_or(0);
                                    *slot = Some(q);
                                    q
                                }
                            };
                            b.push_ids(item, q, f, r.line);
                        }
                        Some(f) if f == r.start => {}
                        _ => {
                            let id = b.item_name(item).to_owned();
                            overlaps.add(WarningKind::OverlappingIntervals, item, &id, 1);
                        }
                    }
                }
                b.push_ids(item, r.state, r.start, r.line);
                frontier = match (frontier, r.end) {
                    (Some(f), Some(e)) => Some(f.max(e)),
                    _ => None,
                };
            }
            if let Some(f) = frontier {
                b.push_ids(item, end_state, f, rows[j - 1].line);
            }
            i = j;
        }
        b.stats.warnings = overlaps.finish(Vec::new());
    }
}

/// The columns a long log is read from.
#[derive(Debug)]
struct LongColumns {
    id: usize,
    state: usize,
    time: usize,
    attrs: Vec<(usize, usize)>,
    ncols: usize,
}

/// Reads one record of a long log: an event, a rejected row (with [`BadRows::Skip`]) or an
/// error. The sequential and the chunked reads both go through here, so that a row means
/// the same whichever thread reads it.
#[inline]
fn long_row(
    ctx: &mut Ctx,
    cols: &LongColumns,
    tp: &mut TimeParser,
    rec: &ByteRecord,
    names: &[String],
    line: u64,
) -> Result<()> {
    ctx.b.stats.rows += 1;
    // The common case first: a row of the right shape with an id, a state and a valid
    // timestamp. Anything else takes the path below, which finds the same ids again
    // (interning is idempotent and a failed parse changes nothing) and says what is wrong.
    if rec.len() == cols.ncols {
        let (id, state) = (trim(&rec[cols.id]), trim(&rec[cols.state]));
        if !id.is_empty()
            && !state.is_empty()
            && let Some(item) = ctx.b.item_index(id)
            && let Some(state) = ctx.b.state_index(state)
            && let Ok(t) = tp.parse(trim(&rec[cols.time]))
        {
            ctx.b.push_ids(item, state, t, line);
            if !cols.attrs.is_empty() {
                ctx.attributes(rec, &cols.attrs, item, line, names)?;
            }
            if ctx.b.len() == 4096 {
                ctx.reserve_by_size(rec, 1.0);
            }
            return Ok(());
        }
    }
    if rec.len() != cols.ncols {
        return ctx.bad_shape(line, rec.len(), cols.ncols, names);
    }
    let Some(item) = ctx.item(rec, cols.id, line, names)? else {
        return Ok(());
    };
    let Some(state) = ctx.state(rec, cols.state, line, names)? else {
        return Ok(());
    };
    let Some(t) = ctx.time(tp, rec, cols.time, line, names)? else {
        return Ok(());
    };
    ctx.b.push_ids(item, state, t, line);
    ctx.attributes(rec, &cols.attrs, item, line, names)?;
    if ctx.b.len() == 4096 {
        ctx.reserve_by_size(rec, 1.0);
    }
    Ok(())
}

fn queue_of_state(v: &mut Vec<Option<u32>>, state: u32) -> &mut Option<u32> {
    let i = state as usize;
    if v.len() <= i {
        v.resize(i + 1, None);
    }
    &mut v[i]
}

/// One interval of work, by ids.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Interval {
    pub(crate) item: u32,
    pub(crate) state: u32,
    pub(crate) start: i64,
    pub(crate) end: Option<i64>,
    pub(crate) line: u64,
}

/// Reading state shared by the three layouts.
struct Ctx {
    file: Option<String>,
    policy: BadRows,
    /// The size of the input in bytes, when known, to reserve room for its events.
    size: Option<u64>,
    /// Whether lines end with a line feed that ends the record (`\n` or `\r\n` read
    /// as LF-first), as opposed to `\r\n` or `\r`, where the CSV reader stops at the `\r`:
    /// it decides how a record's line is found (see [`Ctx::line`]).
    lf: bool,
    /// Where the input ends, in the CSV reader's byte offsets, when it is known to end
    /// without a line end: a record that ends there had no line feed to discount.
    unterminated_end: Option<u64>,
    b: EventLogBuilder,
    rejected: Vec<RejectedRow>,
}

impl Ctx {
    fn new(file: Option<String>, policy: BadRows, size: Option<u64>) -> Ctx {
        Ctx {
            file,
            policy,
            size,
            lf: true,
            unterminated_end: None,
            b: EventLogBuilder::new(),
            rejected: Vec::new(),
        }
    }

    /// The line a record starts on (the header is line 1), from the positions the CSV
    /// reader gives before and `after` it.
    ///
    /// The reader's own start position is taken before it skips what ends the previous
    /// line: with `\r\n` line ends it stops at the `\r`, so the `\n` is counted only with
    /// the next record, and blank lines are skipped at the start of the next record too.
    /// Its position after a record is exact: all the newlines up to the record's end. The
    /// record's first line is that, less the newlines inside its quoted fields, less the
    /// line feed that ended it (when lines end with one). The start position is a floor
    /// (the last line of a file without a final line end). The last record of a file
    /// that ends without a line end has none to discount: known when the file is read by
    /// path ([`Ctx::unterminated_end`]); read from a stream, a last line after blank lines
    /// and without a line end is placed a line short.
    #[inline]
    fn line(&self, rec: &ByteRecord, after: &csv::Position) -> u64 {
        let lf = self.lf && self.unterminated_end != Some(after.byte());
        record_line(rec, after, lf)
    }

    /// The log read, with the rejected rows in its ledger.
    fn into_log(self) -> EventLog {
        let mut b = self.b;
        b.stats.rejected = self.rejected;
        let b = match self.file {
            Some(f) => b.source(f),
            None => b,
        };
        b.build()
    }

    fn pos(&self) -> Position {
        Position::file(self.file.as_deref())
    }

    /// Once a few thousand rows are read, reserves room for the events of the rest of the
    /// file, estimated from its size, so that the event columns are not copied as they grow.
    fn reserve_by_size(&mut self, rec: &ByteRecord, events_per_row: f64) {
        let (Some(size), Some(pos)) = (self.size, rec.position()) else {
            return;
        };
        let read = pos.byte().max(1);
        let rows = self.b.stats.rows as f64;
        let estimate = (size as f64 / read as f64 * rows * events_per_row * 1.02) as usize;
        let more = estimate.saturating_sub(self.b.len());
        // Never reserve more than the file could hold (a row has at least a few bytes).
        self.b.reserve(more.min(size as usize / 4));
    }

    fn csv_error(&self, e: csv::Error) -> Error {
        let mut pos = self.pos();
        if let Some(p) = e.position() {
            pos = pos.at_line(p.line());
        }
        Error::Csv {
            pos: Box::new(pos),
            source: e,
        }
    }

    /// A row that cannot be used: an error, or a rejection recorded in the ledger.
    fn bad(&mut self, pos: Position, message: String) -> Result<()> {
        match self.policy {
            BadRows::Error => Err(Error::value(pos, message)),
            BadRows::Skip => {
                self.rejected.push(RejectedRow {
                    line: pos.line.unwrap_or(0),
                    column: pos.column,
                    value: pos.value,
                    reason: message,
                });
                Ok(())
            }
        }
    }

    fn bad_shape(&mut self, line: u64, got: usize, want: usize, names: &[String]) -> Result<()> {
        let column = if got < want {
            names.get(got).cloned()
        } else {
            None
        };
        let mut pos = self.pos().at_line(line);
        if let Some(c) = &column {
            pos = pos.in_column(c);
        }
        let message = if got < want {
            format!(
                "the row has {got} field{} but the header has {want}: column {:?} and after are missing",
                if got == 1 { "" } else { "s" },
                column.as_deref().unwrap_or("")
            )
        } else {
            format!("the row has {got} fields but the header has {want}")
        };
        self.bad(pos, message)
    }

    #[inline]
    fn item(
        &mut self,
        rec: &ByteRecord,
        c: usize,
        line: u64,
        names: &[String],
    ) -> Result<Option<u32>> {
        self.interned(
            rec,
            c,
            line,
            names,
            ("an", "item id"),
            EventLogBuilder::item_index,
        )
    }

    #[inline]
    fn state(
        &mut self,
        rec: &ByteRecord,
        c: usize,
        line: u64,
        names: &[String],
    ) -> Result<Option<u32>> {
        self.interned(
            rec,
            c,
            line,
            names,
            ("a", "state"),
            EventLogBuilder::state_index,
        )
    }

    /// The interned index of the cell in column `c` (an item id or a state: `what`, with its
    /// article), or the row reported as bad: an empty cell, or one that is not UTF-8.
    #[inline]
    fn interned(
        &mut self,
        rec: &ByteRecord,
        c: usize,
        line: u64,
        names: &[String],
        (article, what): (&str, &str),
        intern: impl FnOnce(&mut EventLogBuilder, &[u8]) -> Option<u32>,
    ) -> Result<Option<u32>> {
        let v = trim(&rec[c]);
        if v.is_empty() {
            self.bad(
                self.pos().at_line(line).in_column(&names[c]),
                format!("expected {article} {what}, found an empty cell"),
            )?;
            return Ok(None);
        }
        match intern(&mut self.b, v) {
            Some(i) => Ok(Some(i)),
            None => {
                self.bad(
                    self.pos().at_line(line).in_column(&names[c]).with_value(v),
                    format!("the {what} is not valid UTF-8"),
                )?;
                Ok(None)
            }
        }
    }

    #[inline]
    fn time(
        &mut self,
        tp: &mut TimeParser,
        rec: &ByteRecord,
        c: usize,
        line: u64,
        names: &[String],
    ) -> Result<Option<i64>> {
        let v = trim(&rec[c]);
        match tp.parse(v) {
            Ok(t) => Ok(Some(t)),
            Err(message) => {
                let mut pos = self.pos().at_line(line).in_column(&names[c]);
                if !v.is_empty() {
                    pos = pos.with_value(v);
                }
                self.bad(pos, message)?;
                Ok(None)
            }
        }
    }

    #[inline]
    fn attributes(
        &mut self,
        rec: &ByteRecord,
        attrs: &[(usize, usize)],
        item: u32,
        line: u64,
        names: &[String],
    ) -> Result<()> {
        for &(c, a) in attrs {
            let v = trim(&rec[c]);
            if !v.is_empty() && !self.b.set_attribute_ids(a, item, v) {
                self.bad(
                    self.pos().at_line(line).in_column(&names[c]).with_value(v),
                    "the attribute is not valid UTF-8".to_owned(),
                )?;
            }
        }
        Ok(())
    }
}

#[inline]
fn trim(v: &[u8]) -> &[u8] {
    v.trim_ascii()
}

/// The line a record starts on, from the CSV reader's positions before and `after` it
/// (see [`Ctx::line`]); `lf` as [`ends_with_lf`] found it for the header.
#[inline]
pub(crate) fn record_line(rec: &ByteRecord, after: &csv::Position, lf: bool) -> u64 {
    let start = rec.position().map_or(1, csv::Position::line);
    let end = after.line().saturating_sub(u64::from(lf));
    if end <= start {
        // The common case (one line, `\n` line ends): no newline inside to look for.
        return start;
    }
    let inner = rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    start.max(end.saturating_sub(inner))
}

/// Whether the file of `size` bytes ends with something other than a line end (its last
/// line has none). Leaves the file's position anywhere.
pub(crate) fn ends_unterminated(file: &mut File, size: u64) -> io::Result<bool> {
    if size == 0 {
        return Ok(false);
    }
    io::Seek::seek(file, io::SeekFrom::Start(size - 1))?;
    let mut last = [0u8; 1];
    io::Read::read_exact(file, &mut last)?;
    Ok(!matches!(last[0], b'\n' | b'\r'))
}

/// Whether the header line was ended by a line feed the CSV reader consumed with it: the
/// reader is then past one more newline than the header holds.
pub(crate) fn ends_with_lf(header: &ByteRecord, after: &csv::Position) -> bool {
    let inner = header.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    after.line() > 1 + inner
}

fn header_names(header: &ByteRecord) -> Vec<String> {
    header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.strip_prefix(b"\xef\xbb\xbf").unwrap_or(h)
            } else {
                h
            };
            String::from_utf8_lossy(h).into_owned()
        })
        .collect()
}

/// The index of the column `name`: an exact match, else one ignoring case and spaces.
fn find_column(names: &[String], name: &str, ctx: &Ctx) -> Result<usize> {
    let exact: Vec<usize> = (0..names.len()).filter(|&i| names[i] == name).collect();
    let found = if exact.is_empty() {
        (0..names.len())
            .filter(|&i| names[i].trim().eq_ignore_ascii_case(name.trim()))
            .collect()
    } else {
        exact
    };
    match found.as_slice() {
        [i] => Ok(*i),
        [] => Err(Error::MissingColumn {
            pos: Box::new(ctx.pos().at_line(1)),
            column: name.to_owned(),
            found: names.to_vec(),
        }),
        _ => Err(Error::value(
            ctx.pos().at_line(1).in_column(name),
            format!(
                "the header has {} columns named {name:?}; rename them so that one is meant",
                found.len()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(csv: &str) -> Result<EventLog> {
        LogReader::builder()
            .name("t.csv")
            .build()
            .read(csv.as_bytes())
    }

    #[test]
    fn long_rows_become_events_with_lines() {
        let log =
            long("id,state,timestamp\nA,Dev,2024-01-01\nB,Dev,2024-01-02\nA,Done,2024-01-03\n")
                .unwrap();
        assert_eq!((log.rows(), log.len(), log.items()), (3, 3, 2));
        assert_eq!(log.state_meta[0].first_line, 2);
        assert_eq!(log.state_meta[1].first_line, 4);
        assert_eq!(log.state_meta[0].count, 2);
    }

    #[test]
    fn lines_count_as_an_editor_counts_them() {
        // Every file has bad timestamps on lines 3 and 9 (quoted line breaks, blank lines,
        // CRLF line ends and a missing final line end in between).
        let lf = "id,state,timestamp\nA,Dev,2024-01-01\nB,Dev,bad\n\"C\nC\",Dev,2024-01-02\n\n\nD,Dev,2024-01-03\nE,Dev,worse";
        let crlf = lf.replace('\n', "\r\n");
        let crlf_final = format!("{crlf}\r\n");
        let lf_final = format!("{lf}\n");
        for text in [lf, &lf_final, &crlf, &crlf_final] {
            let log = LogReader::builder()
                .bad_rows(BadRows::Skip)
                .build()
                .read(text.as_bytes())
                .unwrap();
            let lines: Vec<u64> = log.rejected().iter().map(|r| r.line).collect();
            assert_eq!(lines, [3, 9], "{text:?}");
            assert_eq!(log.state_meta[0].first_line, 2);
        }
    }

    #[test]
    fn a_last_line_after_blank_lines_and_without_a_line_end_is_placed_exactly_from_a_file() {
        // Line 5 has no line end and follows two blank lines.
        let text = "id,state,timestamp\nA,Dev,2024-01-01\n\n\nE,Dev,worse";
        let dir = std::env::temp_dir().join(format!("vs-lines-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("last.csv");
        std::fs::write(&path, text).unwrap();
        let reader = LogReader::builder().bad_rows(BadRows::Skip).build();
        let log = reader.read_path(&path).unwrap();
        assert_eq!(log.rejected()[0].line, 5);
        // From a stream the end is not known in advance: a line short, as documented.
        let log = reader.read(text.as_bytes()).unwrap();
        assert_eq!(log.rejected()[0].line, 4);
        // With a final line end, both are exact.
        std::fs::write(&path, format!("{text}\n")).unwrap();
        assert_eq!(reader.read_path(&path).unwrap().rejected()[0].line, 5);
        let with_end = format!("{text}\n");
        assert_eq!(
            reader.read(with_end.as_bytes()).unwrap().rejected()[0].line,
            5
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn columns_match_ignoring_case_and_bom() {
        let log = long("\u{feff}ID , State,TimeStamp\nA,Dev,2024-01-01\n").unwrap();
        assert_eq!(log.len(), 1);
    }

    #[test]
    fn values_are_trimmed() {
        let log = long("id,state,timestamp\n A , Dev ,  2024-01-01 \n").unwrap();
        assert_eq!(log.item_id(0), "A");
        assert_eq!(log.states().next(), Some("Dev"));
    }

    #[test]
    fn a_missing_column_lists_the_header() {
        let e = long("key,state,timestamp\nA,Dev,2024-01-01\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"t.csv, line 1: no column named "id"; the header has "key", "state", "timestamp""#
        );
    }

    #[test]
    fn duplicate_header_names_are_an_error() {
        let e = long("id,id,state,timestamp\nA,A,Dev,2024-01-01\n").unwrap_err();
        assert!(e.to_string().contains("2 columns named \"id\""), "{e}");
    }

    #[test]
    fn empty_inputs() {
        let e = long("").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("t.csv, line 1: the input is empty"),
            "{e}"
        );
        let e = long("id,state,timestamp\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv, line 2: no data rows after the header"
        );
    }

    #[test]
    fn skipped_rows_are_recorded_with_reasons() {
        let log = LogReader::builder()
            .bad_rows(BadRows::Skip)
            .build()
            .read("id,state,timestamp\nA,Dev,2024-01-01\n,Dev,2024-01-01\nB,Dev,nope\nC,Dev\nD,,2024-01-01\n".as_bytes())
            .unwrap();
        assert_eq!((log.rows(), log.len()), (5, 1));
        let lines: Vec<u64> = log.rejected().iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        assert_eq!(log.rejected()[1].value.as_deref(), Some("nope"));
        assert_eq!(log.rejected()[2].column.as_deref(), Some("timestamp"));
    }

    #[test]
    fn wide_rows_give_one_event_per_date() {
        let csv = "ID,Link,Name,Backlog,Dev,Done,Type\n\
                   A,http://x/A,First,2024-01-01,2024-01-02,2024-01-05,Bug\n\
                   B,http://x/B,Second,2024-01-01,,2024-01-03,Story\n\
                   C,http://x/C,Third,,,,Story\n";
        let log = LogReader::builder()
            .format(Format::Wide)
            .attribute("Type")
            .build()
            .read(csv.as_bytes())
            .unwrap();
        assert_eq!(log.rows(), 3);
        assert_eq!(log.len(), 5);
        assert_eq!(log.states().collect::<Vec<_>>(), ["Backlog", "Dev", "Done"]);
        assert_eq!(log.rejected().len(), 1);
        assert_eq!(log.rejected()[0].line, 4);
        assert_eq!(log.attribute(1, "Type"), Some("Story"));
    }

    #[test]
    fn intervals_become_work_queue_and_done_states() {
        let csv = "id,stage,start,end\n\
                   A,Build,2024-01-01 00:00,2024-01-01 01:00\n\
                   A,Test,2024-01-01 03:00,2024-01-01 04:00\n\
                   A,Deploy,2024-01-01 04:00,2024-01-01 05:00\n\
                   B,Build,2024-01-01 00:00,\n";
        let log = LogReader::builder()
            .format(Format::Intervals)
            .build()
            .read(csv.as_bytes())
            .unwrap();
        let ev: Vec<(String, String, i64)> = log
            .events()
            .map(|e| {
                (
                    e.item.to_owned(),
                    e.state.to_owned(),
                    e.time.timestamp() / 3600 % 24,
                )
            })
            .collect();
        let want = [
            ("A", "Build", 0),
            ("A", "Test queue", 1),
            ("A", "Test", 3),
            ("A", "Deploy", 4),
            ("A", "Done", 5),
            ("B", "Build", 0),
        ];
        assert_eq!(ev.len(), want.len());
        for (g, w) in ev.iter().zip(want) {
            assert_eq!((g.0.as_str(), g.1.as_str(), g.2), w);
        }
    }

    #[test]
    fn overlapping_intervals_are_counted() {
        let csv = "id,stage,start,end\n\
                   A,Dev,2024-01-01 00:00,2024-01-01 10:00\n\
                   A,Review,2024-01-01 02:00,2024-01-01 05:00\n\
                   A,Test,2024-01-01 12:00,2024-01-01 13:00\n";
        let log = LogReader::builder()
            .format(Format::Intervals)
            .build()
            .read(csv.as_bytes())
            .unwrap();
        let ev: Vec<(String, i64)> = log
            .events()
            .map(|e| (e.state.to_owned(), e.time.timestamp() / 3600 % 24))
            .collect();
        // The queue before Test starts when the last overlapping interval (Dev) ends.
        assert_eq!(
            ev,
            [
                ("Dev".to_owned(), 0),
                ("Review".to_owned(), 2),
                ("Test queue".to_owned(), 10),
                ("Test".to_owned(), 12),
                ("Done".to_owned(), 13)
            ]
        );
        assert_eq!(
            log.stats.warnings[0].kind,
            WarningKind::OverlappingIntervals
        );
    }

    #[test]
    fn interval_ending_before_start_is_bad() {
        let e = LogReader::builder()
            .format(Format::Intervals)
            .build()
            .read("id,stage,start,end\nA,Dev,2024-01-02,2024-01-01\n".as_bytes())
            .unwrap_err();
        assert!(e.to_string().contains("ends before it starts"), "{e}");
        assert!(e.to_string().contains("line 2"), "{e}");
    }
}
