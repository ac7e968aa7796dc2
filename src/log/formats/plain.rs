//! The CSV plumbing the three plain layouts share: the reading context (the builder, the
//! rejected rows, where lines start), finding columns in the header, and telling bad rows
//! apart from errors.

use std::fs::File;
use std::io::{self, Read};

use csv::ByteRecord;

use crate::error::{Error, Position, Result};
use crate::log::budget::{Bounded, csv_too_long, fits, over_budget};
use crate::log::event_log::{EventLog, EventLogBuilder};
use crate::log::quality::RejectedRow;
use crate::log::settings::{BadRows, Settings};
use crate::time::TimeParser;

/// The three plain layouts of a CSV event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// One row per state entry.
    Long,
    /// One row per item, one date column per stage.
    Wide,
    /// One row per piece of work, with a start and an end.
    Intervals,
}

/// A CSV reader with the settings' delimiter: every read of a plain layout, sequential or
/// in chunks, parses with these.
pub(super) fn csv_reader<R: Read>(settings: &Settings, rdr: R) -> csv::Reader<Bounded<R>> {
    csv::ReaderBuilder::new()
        .delimiter(settings.delimiter)
        .flexible(true)
        .has_headers(false)
        .buffer_capacity(1 << 16)
        .from_reader(Bounded::new(rdr, "record"))
}

/// The attribute columns of the settings, found in the header: `(column, attribute)`.
pub(super) fn attribute_columns(
    settings: &Settings,
    names: &[String],
    ctx: &mut Ctx,
) -> Result<Vec<(usize, usize)>> {
    settings
        .attributes
        .iter()
        .map(|a| {
            let col = find_column(names, a, ctx)?;
            Ok((col, ctx.b.attribute_index(a)))
        })
        .collect()
}

/// Reading state shared by the three layouts.
pub(super) struct Ctx {
    file: Option<String>,
    policy: BadRows,
    /// The size of the input in bytes, when known, to reserve room for its events.
    size: Option<u64>,
    /// Whether lines end with a line feed that ends the record (`\n` or `\r\n` read
    /// as LF-first), as opposed to `\r\n` or `\r`, where the CSV reader stops at the `\r`:
    /// it decides how a record's line is found (see [`Ctx::line`]).
    pub(super) lf: bool,
    /// Where the input ends, in the CSV reader's byte offsets, when it is known to end
    /// without a line end: a record that ends there had no line feed to discount.
    pub(super) unterminated_end: Option<u64>,
    pub(super) b: EventLogBuilder,
    pub(super) rejected: Vec<RejectedRow>,
    /// A state joined from several columns, being built.
    joined: Vec<u8>,
    /// The memory budget of the events, in bytes.
    pub(super) budget: u64,
}

impl Ctx {
    pub(super) fn new(file: Option<String>, policy: BadRows, size: Option<u64>) -> Ctx {
        Ctx {
            file,
            policy,
            size,
            lf: true,
            unterminated_end: None,
            budget: u64::MAX,
            b: EventLogBuilder::new(),
            rejected: Vec::new(),
            joined: Vec::new(),
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
    pub(super) fn line(&self, rec: &ByteRecord, after: &csv::Position) -> u64 {
        let lf = self.lf && self.unterminated_end != Some(after.byte());
        record_line(rec, after, lf)
    }

    /// The log read, with the rejected rows in its ledger.
    pub(super) fn into_log(self) -> EventLog {
        let mut b = self.b;
        b.stats.rejected = self.rejected;
        let b = match self.file {
            Some(f) => b.source(f),
            None => b,
        };
        b.build()
    }

    pub(super) fn pos(&self) -> Position {
        Position::file(self.file.as_deref())
    }

    /// Once a few thousand rows are read, reserves room for the events of the rest of the
    /// file, estimated from its size, so that the event columns are not copied as they grow.
    ///
    /// # Errors
    ///
    /// The estimate, or the events so far, need more than the memory budget.
    pub(super) fn reserve_by_size(&mut self, rec: &ByteRecord, events_per_row: f64) -> Result<()> {
        let (Some(size), Some(pos)) = (self.size, rec.position()) else {
            return Ok(());
        };
        let read = pos.byte().max(1);
        let rows = self.b.stats.rows as f64;
        let estimate = (size as f64 / read as f64 * rows * events_per_row * 1.02) as usize;
        if !fits(estimate as u64, self.budget) {
            return Err(over_budget(self.pos(), estimate as u64, true, self.budget));
        }
        let more = estimate.saturating_sub(self.b.len());
        // Never reserve more than the file could hold (a row has at least a few bytes).
        self.b.reserve(more.min(size as usize / 4));
        Ok(())
    }

    /// Every 4,096 events: once, room reserved for the rest of the file (and its estimate
    /// held against the memory budget); then the events so far held against it.
    ///
    /// # Errors
    ///
    /// The events need more than the memory budget.
    #[cold]
    #[inline(never)]
    pub(super) fn grown(&mut self, rec: &ByteRecord) -> Result<()> {
        if self.b.len() == 4096 {
            self.reserve_by_size(rec, 1.0)?;
        }
        let n = self.b.len() as u64;
        if fits(n, self.budget) {
            Ok(())
        } else {
            Err(over_budget(self.pos(), n, false, self.budget))
        }
    }

    pub(super) fn csv_error(&self, e: csv::Error) -> Error {
        if let Some(t) = csv_too_long(&e) {
            return Error::value(self.pos().at_line(t.line), t.sentence("here"));
        }
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
    pub(super) fn bad(&mut self, pos: Position, message: String) -> Result<()> {
        match self.policy {
            BadRows::Error => Err(Error::value(pos, message)),
            BadRows::Skip => {
                self.rejected.push(RejectedRow {
                    line: pos.line.unwrap_or(0),
                    place: None,
                    column: pos.column,
                    value: pos.value,
                    reason: message,
                });
                Ok(())
            }
        }
    }

    pub(super) fn bad_shape(
        &mut self,
        line: u64,
        got: usize,
        want: usize,
        names: &[String],
    ) -> Result<()> {
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
    pub(super) fn item(
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
    pub(super) fn state(
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

    /// The interned state joined by a space from the cells of columns `cols`, or the row
    /// reported as bad: an empty cell, or a state that is not UTF-8.
    pub(super) fn joined_state(
        &mut self,
        rec: &ByteRecord,
        cols: &[usize],
        line: u64,
        names: &[String],
    ) -> Result<Option<u32>> {
        let mut joined = std::mem::take(&mut self.joined);
        joined.clear();
        for &c in cols {
            let v = trim(&rec[c]);
            if v.is_empty() {
                self.joined = joined;
                self.bad(
                    self.pos().at_line(line).in_column(&names[c]),
                    "expected a part of the state, found an empty cell".to_owned(),
                )?;
                return Ok(None);
            }
            if !joined.is_empty() {
                joined.push(b' ');
            }
            joined.extend_from_slice(v);
        }
        let state = self.b.state_index(&joined);
        if state.is_none() {
            let pos = self.pos().at_line(line).with_value(&joined);
            self.joined = joined;
            self.bad(pos, "the state is not valid UTF-8".to_owned())?;
            return Ok(None);
        }
        self.joined = joined;
        Ok(state)
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
        if let Some(i) = intern(&mut self.b, v) {
            Ok(Some(i))
        } else {
            self.bad(
                self.pos().at_line(line).in_column(&names[c]).with_value(v),
                format!("the {what} is not valid UTF-8"),
            )?;
            Ok(None)
        }
    }

    #[inline]
    pub(super) fn time(
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

    /// The resource in column `c` (if kept) interned: `Some(None)` for no column or an
    /// empty cell (the event names no one), `None` for a value that is not UTF-8.
    #[inline]
    pub(super) fn resource_of(
        &mut self,
        rec: &ByteRecord,
        c: Option<usize>,
    ) -> Option<Option<u32>> {
        let Some(c) = c else { return Some(None) };
        let v = trim(&rec[c]);
        if v.is_empty() {
            return Some(None);
        }
        self.b.resource_index(v).map(Some)
    }

    /// As [`Ctx::resource_of`], reporting a value that is not UTF-8 as a bad row (`None`:
    /// the row is not used).
    pub(super) fn resource(
        &mut self,
        rec: &ByteRecord,
        c: Option<usize>,
        line: u64,
        names: &[String],
    ) -> Result<Option<Option<u32>>> {
        if let Some(r) = self.resource_of(rec, c) {
            return Ok(Some(r));
        }
        let c = c.unwrap_or(0);
        self.bad(
            self.pos()
                .at_line(line)
                .in_column(&names[c])
                .with_value(trim(&rec[c])),
            "the resource is not valid UTF-8".to_owned(),
        )?;
        Ok(None)
    }

    /// Whether an attribute cell of `rec` is not UTF-8: the row is then rejected once, naming
    /// the first such cell, before any of its events is used (a row is used or rejected,
    /// never both).
    ///
    /// # Errors
    ///
    /// The rejection, when bad rows are errors.
    #[inline]
    pub(super) fn bad_attribute(
        &mut self,
        rec: &ByteRecord,
        attrs: &[(usize, usize)],
        line: u64,
        names: &[String],
    ) -> Result<bool> {
        for &(c, _) in attrs {
            let v = trim(&rec[c]);
            if std::str::from_utf8(v).is_err() {
                self.bad(
                    self.pos().at_line(line).in_column(&names[c]).with_value(v),
                    "the attribute is not valid UTF-8".to_owned(),
                )?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    #[inline]
    pub(super) fn attributes(
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
pub(super) fn trim(v: &[u8]) -> &[u8] {
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

pub(super) fn header_names(header: &ByteRecord) -> Vec<String> {
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
pub(super) fn find_column(names: &[String], name: &str, ctx: &Ctx) -> Result<usize> {
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
