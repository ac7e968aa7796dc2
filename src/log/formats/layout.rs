//! Reading a CSV file of one of the three plain layouts: the header, then the rows through
//! the layout's reader (a large long-format file in chunks on several threads).

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;

use csv::ByteRecord;

use super::plain::{Ctx, Layout, csv_reader, ends_unterminated, ends_with_lf, header_names, trim};
use super::{chunked, intervals, long, wide};
use crate::error::{Error, Result};
use crate::log::event_log::EventLog;
use crate::log::input::{Input, LineEnds, PEEK, cr_only, read_up_to};
use crate::log::settings::Settings;

/// Reads `input` in `layout`: a file by path, or bytes as a stream.
pub(crate) fn read(settings: &Settings, layout: Layout, input: Input<'_>) -> Result<EventLog> {
    match input {
        Input::Path(path) => read_path(settings, layout, path),
        Input::Bytes(bytes) => read_stream(settings, layout, bytes, settings.name.clone()),
    }
}

/// Reads the file at `path` in `layout`, in chunks on several threads if it is a large
/// long-format file and the settings allow more than one.
pub(crate) fn read_path(settings: &Settings, layout: Layout, path: &Path) -> Result<EventLog> {
    let name = settings.name_of(path);
    let io_error = |source| Error::Io {
        file: Some(name.clone()),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    let meta = file.metadata().ok();
    let mut unterminated_end = None;
    if let Some(m) = meta.as_ref().filter(|m| m.is_file()) {
        // A file whose lines end with a carriage return alone is read sequentially, its
        // line ends read as line feeds (the chunks are split at line feeds).
        let mut head = vec![0u8; PEEK];
        let n = read_up_to(&mut file, &mut head).map_err(io_error)?;
        file.rewind().map_err(io_error)?;
        if !cr_only(&head[..n])
            && let Some(log) = chunked::read(settings, layout, path, &mut file, &name, m.len())
        {
            return log;
        }
        if ends_unterminated(&mut file, m.len()).map_err(io_error)? {
            unterminated_end = Some(m.len());
        }
        file.rewind().map_err(io_error)?;
    }
    let rdr = io::BufReader::with_capacity(1 << 16, file);
    let source = Source {
        name: Some(name.clone()),
        size: meta.map(|m| m.len()),
        unterminated_end,
    };
    read_source(
        settings,
        layout,
        LineEnds::new(rdr).map_err(io_error)?,
        source,
    )
}

/// Reads a stream in `layout`; `name` names it in errors and in the ledger.
pub(crate) fn read_stream<R: Read>(
    settings: &Settings,
    layout: Layout,
    rdr: R,
    name: Option<String>,
) -> Result<EventLog> {
    let rdr =
        LineEnds::new(io::BufReader::with_capacity(1 << 16, rdr)).map_err(|source| Error::Io {
            file: name.clone(),
            source,
        })?;
    let source = Source {
        name,
        size: None,
        unterminated_end: None,
    };
    read_source(settings, layout, rdr, source)
}

/// What is known of an input besides its bytes.
struct Source {
    /// Its name in errors and in the ledger.
    name: Option<String>,
    /// Its size in bytes, when known, to reserve room for its events.
    size: Option<u64>,
    /// Where it ends, when it is known to end without a line end (see `Ctx::line`).
    unterminated_end: Option<u64>,
}

fn read_source<R: Read>(
    settings: &Settings,
    layout: Layout,
    rdr: R,
    source: Source,
) -> Result<EventLog> {
    let mut csv = csv_reader(settings, rdr);
    let mut ctx = Ctx::new(source.name, settings.bad_rows, source.size);
    ctx.unterminated_end = source.unterminated_end;
    ctx.budget = settings.memory_budget();
    let mut header = ByteRecord::new();
    let got = csv
        .read_byte_record(&mut header)
        .map_err(|e| ctx.csv_error(e))?;
    if !got || (header.len() == 1 && trim(&header[0]).is_empty()) {
        return Err(Error::Empty {
            pos: Box::new(ctx.pos().at_line(1)),
            message: format!(
                "the input is empty: expected a header row naming the columns ({})",
                expected_columns(settings, layout)
            ),
        });
    }
    let names = header_names(&header);
    ctx.lf = ends_with_lf(&header, csv.position());
    match layout {
        Layout::Long => long::read(settings, &mut csv, &names, &mut ctx)?,
        Layout::Wide => wide::read(settings, &mut csv, &names, &mut ctx)?,
        Layout::Intervals => intervals::read(settings, &mut csv, &names, &mut ctx)?,
    }
    if ctx.b.stats.rows == 0 {
        return Err(Error::Empty {
            pos: Box::new(ctx.pos().at_line(2)),
            message: "no data rows after the header".to_owned(),
        });
    }
    Ok(ctx.into_log())
}

/// The columns a file of `layout` needs, for the message about an empty input.
fn expected_columns(settings: &Settings, layout: Layout) -> String {
    let c = settings;
    match layout {
        Layout::Long => format!(
            "{}, {}, {}",
            c.id.as_deref().unwrap_or("id"),
            c.state.as_deref().unwrap_or("state"),
            c.time.as_deref().unwrap_or("timestamp")
        ),
        Layout::Wide => format!(
            "{}, then one date column per stage",
            c.id.as_deref().unwrap_or("ID")
        ),
        Layout::Intervals => format!(
            "{}, {}, {}, {}",
            c.id.as_deref().unwrap_or("id"),
            c.state.as_deref().unwrap_or("stage"),
            c.time.as_deref().unwrap_or("start"),
            c.end.as_deref().unwrap_or("end")
        ),
    }
}
