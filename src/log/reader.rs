//! The reader of every layout and preset: [`LogReaderBuilder`] configures it, in the
//! manner of `csv::ReaderBuilder`, and [`LogReader`] reads a file, a folder of pages or any
//! reader.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::FixedOffset;

use super::budget;
use super::detect::{Detected, detect_head, detect_path};
use super::event_log::EventLog;
use super::format::Format;
use super::formats::layout;
use super::formats::plain::Layout;
use super::formats::{Preset, read_jira_pages, read_xes_stream};
use super::input::{Input, Peeked};
#[cfg(test)]
use super::settings::Chunking;
use super::settings::{BadRows, Settings};
use super::sources::{SOURCE_ATTRIBUTE, export_files, merge, source_names};
use crate::error::{Error, Position, Result};
use crate::time::TimeFormat;

/// Configures a [`LogReader`], in the manner of `csv::ReaderBuilder`: the format (a plain
/// layout, a tool's preset, or [`Format::Auto`] to recognise it), the columns, how
/// timestamps are written, and what to do with rows that cannot be used.
///
/// Column names default to `id`, `state`, `timestamp` (long), `ID` (wide) and `id`,
/// `stage`, `start`, `end` (intervals). A name matches a header exactly, or failing that
/// ignoring case and surrounding spaces. A preset knows its own columns: it reads the state
/// column ([`state_column`](LogReaderBuilder::state_column), `pm4py` and `xes` only), the
/// attributes, the time format and offset, the policy for bad rows, the name and the
/// threads, and ignores the other settings.
///
/// # Examples
///
/// A plain long log, from bytes:
///
/// ```
/// use valuestream::{BadRows, LogReader};
///
/// let csv = "key,status,at\nA-1,Dev,2024-03-04\nA-1,Done,someday\n";
/// let log = LogReader::builder()
///     .id_column("key")
///     .state_column("status")
///     .time_column("at")
///     .bad_rows(BadRows::Skip)
///     .build()
///     .read(csv.as_bytes())?;
/// assert_eq!((log.len(), log.rows()), (1, 2));
/// assert_eq!(log.rejected()[0].line, 3);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// A tool's export through its preset, and any export recognised on sight:
///
/// ```
/// use valuestream::{Format, LogReader, Preset};
///
/// let exports = concat!(env!("CARGO_MANIFEST_DIR"), "/data/exports");
/// let azure = LogReader::builder()
///     .preset(Preset::AzureDevops)
///     .attribute("Area Path")
///     .build()
///     .read_path(format!("{exports}/azure-devops.csv"))?;
/// assert!(azure.states().any(|s| s == "Activated Date"));
///
/// let reader = LogReader::builder().format(Format::Auto).build();
/// let found = reader.detect(format!("{exports}/pm4py.csv"))?;
/// assert_eq!(found.format, Format::Preset(Preset::Pm4py));
/// let log = reader.read_path(format!("{exports}/pm4py.csv"))?;
/// assert!(log.items() > 0);
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct LogReaderBuilder {
    format: Format,
    settings: Settings,
}

impl LogReaderBuilder {
    /// A builder with the defaults: long format, UTC, comma-separated, strict.
    pub fn new() -> LogReaderBuilder {
        LogReaderBuilder::default()
    }

    /// The format of the input (default [`Format::Long`]).
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Reads the export of a tool through its preset: the same as
    /// `format(Format::Preset(preset))`.
    pub fn preset(self, preset: Preset) -> Self {
        self.format(Format::Preset(preset))
    }

    /// The column holding the item id. With [`Format::Auto`], giving it (or
    /// [`time_column`](LogReaderBuilder::time_column)) means the input is a long log.
    pub fn id_column(mut self, name: impl Into<String>) -> Self {
        self.settings.id = Some(name.into());
        self
    }

    /// The column holding the state (long) or stage (intervals); for the `pm4py` and `xes`
    /// presets, the column or attribute read as the state (default `concept:name`; the
    /// BPI Challenge 2013 logs use `lifecycle:transition`).
    ///
    /// Names joined by `+` make the state from several columns or attributes, their values
    /// joined by a space: `concept:name+lifecycle:transition` reads an XES event
    /// `W_Completeren aanvraag` with transition `START` as the state
    /// `W_Completeren aanvraag START` (the long layout, the `pm4py` preset as a long log,
    /// and `xes`). A column or attribute named exactly as given is read alone, so a name
    /// that contains a `+` still works; an event or row without one of the joined ones is
    /// a bad row naming it.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::LogReader;
    ///
    /// let csv = "\
    /// case,activity,transition,at
    /// 1,W_Check,SCHEDULE,2024-03-04 09:00
    /// 1,W_Check,START,2024-03-04 11:00
    /// 1,W_Check,COMPLETE,2024-03-04 11:30
    /// ";
    /// let log = LogReader::builder()
    ///     .id_column("case")
    ///     .state_column("activity+transition")
    ///     .time_column("at")
    ///     .build()
    ///     .read(csv.as_bytes())?;
    /// assert_eq!(
    ///     log.states().collect::<Vec<_>>(),
    ///     ["W_Check SCHEDULE", "W_Check START", "W_Check COMPLETE"]
    /// );
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    pub fn state_column(mut self, name: impl Into<String>) -> Self {
        self.settings.state = Some(name.into());
        self
    }

    /// The column holding the instant (long) or the start (intervals).
    pub fn time_column(mut self, name: impl Into<String>) -> Self {
        self.settings.time = Some(name.into());
        self
    }

    /// The column holding the end of an interval (intervals).
    pub fn end_column(mut self, name: impl Into<String>) -> Self {
        self.settings.end = Some(name.into());
        self
    }

    /// The date columns of a wide file, in workflow order. Without it every column but the
    /// id, `Link`, `Name`, `Title`, `Summary` and the attribute columns is a stage column.
    pub fn stage_columns<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.settings.stages = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Keeps column `name` (or XES trace attribute) as an item attribute (for filters such
    /// as `type=Bug`), beyond those a preset keeps. A value that changes between rows of one
    /// item keeps the last non-empty one.
    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.settings.attributes.push(name.into());
        self
    }

    /// Keeps column `name` (for XES and the `pm4py` preset, the event attribute; usually
    /// `org:resource`) as the resource of each event: who did the work. Read by the long
    /// layout, `pm4py` and `xes`; the other layouts and presets do not read it (their rows
    /// say no one). In a start/complete `pm4py` log the work of a start and its complete is
    /// by the complete's resource, else the start's. Without it the log keeps no resources
    /// and costs nothing more.
    ///
    /// An empty value names no one (the event is kept); a resource is interned, so a log
    /// of a million events by a thousand people keeps a thousand names and 4 bytes an
    /// event. [`fit`](crate::fit) estimates the servers of a station from the people who
    /// worked in it ([`PeopleFit`](crate::PeopleFit)).
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::LogReader;
    ///
    /// let csv = "\
    /// case,activity,at,org:resource
    /// 1,Dev,2024-03-04 09:00,Ann
    /// 1,Test,2024-03-05 10:00,
    /// 2,Dev,2024-03-05 11:00,Bob
    /// ";
    /// let log = LogReader::builder()
    ///     .id_column("case")
    ///     .state_column("activity")
    ///     .time_column("at")
    ///     .resource_column("org:resource")
    ///     .build()
    ///     .read(csv.as_bytes())?;
    /// assert_eq!(log.len(), 3);
    /// let who: Vec<_> = log.events().map(|e| e.resource).collect();
    /// assert_eq!(who, [Some("Ann"), None, Some("Bob")]);
    /// assert_eq!(log.resources().collect::<Vec<_>>(), ["Ann", "Bob"]);
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    pub fn resource_column(mut self, name: impl Into<String>) -> Self {
        self.settings.resource = Some(name.into());
        self
    }

    /// How timestamps are written (default: detected per column, or the preset's own form;
    /// give it for an export in another locale).
    pub fn time_format(mut self, format: TimeFormat) -> Self {
        self.settings.time_format = Some(format);
        self
    }

    /// The offset in which timestamps without one are read (default UTC).
    pub fn offset(mut self, offset: FixedOffset) -> Self {
        self.settings.offset = offset;
        self
    }

    /// The field delimiter of a plain layout (default `,`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.settings.delimiter = delimiter;
        self
    }

    /// What to do with unusable rows (default: an error).
    pub fn bad_rows(mut self, policy: BadRows) -> Self {
        self.settings.bad_rows = policy;
        self
    }

    /// For Jira's plain CSV export ([`Preset::JiraCsv`](crate::Preset::JiraCsv)): the
    /// resolutions that discard an issue, compared ignoring case and surrounding spaces. A
    /// discarded issue is done without commitment: counted, in no time metric. The default
    /// is Won't Do, Won't Fix, Duplicate, Cannot Reproduce, Incomplete and Declined; an
    /// empty list discards none.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{ItemStatus, LogReader, Preset, Timelines, Workflow};
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/exports/jira.csv");
    /// let read = |discard: &[&str]| -> Result<usize, valuestream::Error> {
    ///     let log = LogReader::builder()
    ///         .preset(Preset::JiraCsv)
    ///         .discard_resolutions(discard.iter().copied())
    ///         .build()
    ///         .read_path(path)?;
    ///     let timelines = Timelines::new(&log, &Workflow::for_preset(Preset::JiraCsv, &log)?)?;
    ///     Ok(timelines.iter().filter(|t| t.status() == ItemStatus::Discarded).count())
    /// };
    /// assert_eq!(read(&["Duplicate"])?, 1);
    /// assert_eq!(read(&[])?, 0);
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    pub fn discard_resolutions<I, S>(mut self, resolutions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.settings.discard_resolutions = Some(resolutions.into_iter().map(Into::into).collect());
        self
    }

    /// For intervals: the suffix that names the wait before a stage (default `" queue"`).
    pub fn queue_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.settings.queue_suffix = suffix.into();
        self
    }

    /// For intervals: the state an item enters when its last interval ends (default `Done`).
    pub fn end_state(mut self, state: impl Into<String>) -> Self {
        self.settings.end_state = state.into();
        self
    }

    /// The name used for the input in errors and in the ledger (default: the path, or
    /// nothing when reading from a reader).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.settings.name = Some(name.into());
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
        self.settings.threads = n;
        self
    }

    /// The most memory the events of a log may take once read, in bytes, counted at
    /// [`BYTES_PER_EVENT`](crate::BYTES_PER_EVENT) an event (default:
    /// [`default_memory_budget`](crate::default_memory_budget), half of the machine's
    /// memory). A file whose first rows and size say that it holds more is refused before
    /// the rest is read; a stream, once it has; any log, before it is returned. The error
    /// names the events, the memory they need and the budget.
    pub fn memory_budget(mut self, bytes: u64) -> Self {
        self.settings.memory_budget = Some(bytes);
        self
    }

    /// Sets when and how finely the chunked read splits a file (tests use small chunks).
    #[cfg(test)]
    pub(crate) fn chunking(mut self, min_file_bytes: u64, chunk_bytes: u64) -> Self {
        self.settings.chunking = Chunking {
            min_file_bytes,
            chunk_bytes,
        };
        self
    }

    /// The reader.
    pub fn build(self) -> LogReader {
        LogReader {
            format: self.format,
            settings: self.settings,
        }
    }
}

/// Reads event logs into an [`EventLog`]: CSV in a plain layout, streaming (one record
/// buffer is reused and nothing but the events is kept), or a tool's export through its
/// preset, or whichever of these the input looks like.
///
/// # Examples
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
    format: Format,
    settings: Settings,
}

impl LogReader {
    /// A builder with the defaults.
    pub fn builder() -> LogReaderBuilder {
        LogReaderBuilder::new()
    }

    /// The format the reader was given.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The settings (tests compare reads through them).
    #[cfg(test)]
    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The format this reader reads the file or folder at `path` as, with why: with
    /// [`Format::Auto`], the long layout if the reader was given an id or a time column,
    /// else what [`detect`](crate::detect) recognises, the header split at the reader's
    /// delimiter; any other format as given.
    ///
    /// It reads the first 64 KiB of the file: to read a pipe or a FIFO, which cannot be
    /// read twice, use [`LogReader::open`], which detects and reads from the same bytes.
    ///
    /// # Errors
    ///
    /// With [`Format::Auto`] and no columns given, as [`detect`](crate::detect).
    pub fn detect(&self, path: impl AsRef<Path>) -> Result<Detected> {
        match self.format {
            Format::Auto if self.columns_given() => Ok(columns_given()),
            Format::Auto => detect_path(path.as_ref(), self.settings.delimiter),
            given => Ok(Detected::new(given, "the format the reader was given")),
        }
    }

    /// Whether the caller named the id or the time column: a plain long log, then.
    fn columns_given(&self) -> bool {
        self.settings.id.is_some() || self.settings.time.is_some()
    }

    /// Opens the file, folder, pipe, FIFO or device at `path` and finds the format it is
    /// read as (see [`LogReader::detect`]), reading it once: [`OpenLog::read`] reads it.
    ///
    /// A file or a folder is detected from its first bytes and read again from its start
    /// (a large long-format file in chunks, see [`LogReaderBuilder::threads`]). Anything
    /// else (a pipe, a FIFO, `/dev/stdin`, a shell's `<(…)`) is opened once, its first
    /// 64 KiB are read ahead for detection, and the reader continues from them, as
    /// [`LogReader::open_reader`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{Format, LogReader, Preset};
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/exports/pm4py.csv");
    /// let reader = LogReader::builder().format(Format::Auto).build();
    /// let open = reader.open(path)?;
    /// assert_eq!(open.detected().format, Format::Preset(Preset::Pm4py));
    /// let log = open.read()?;
    /// assert!(log.items() > 0);
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be opened or read; with [`Format::Auto`], as
    /// [`detect`](crate::detect).
    pub fn open(&self, path: impl AsRef<Path>) -> Result<OpenLog<'_>> {
        let path = path.as_ref();
        // A folder of CSV or XES exports is several files (one of JSON pages, one input).
        if path.is_dir() {
            let files = export_files(path)?;
            if files.len() > 1 || files.first().is_some_and(|f| f != path) {
                return self.open_paths(files);
            }
        }
        // A path that cannot be inspected is left to the read, which names the failure.
        let reopenable = std::fs::metadata(path).map_or(true, |m| m.is_file() || m.is_dir());
        if reopenable {
            return Ok(OpenLog {
                reader: self,
                detected: self.detect(path)?,
                source: Source::Path(path.to_owned()),
            });
        }
        let name = self.settings.name_of(path);
        let file = File::open(path).map_err(|source| Error::Io {
            file: Some(name.clone()),
            source,
        })?;
        self.open_stream(Box::new(file), Some(name))
    }

    /// Opens several files or folders as one log (see [`LogReader::read_paths`]): each
    /// must be found, and all in one format.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming a path that cannot be found or read; [`Error::InvalidArgument`]
    /// if no path is given, or if two files are recognised as different formats (naming
    /// both); with [`Format::Auto`], as [`detect`](crate::detect) for each file.
    pub fn open_paths<I, P>(&self, paths: I) -> Result<OpenLog<'_>>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        let mut files = Vec::new();
        for p in paths {
            files.extend(export_files(p.as_ref())?);
        }
        match files.len() {
            0 => Err(Error::InvalidArgument("no file to read".to_owned())),
            1 => self.open(&files[0]),
            n => {
                let first = self.detect(&files[0])?;
                for f in &files[1..] {
                    let d = self.detect(f)?;
                    if d.format != first.format {
                        return Err(Error::InvalidArgument(format!(
                            "the files read together must be of one format: {} is read as {} ({}), {} as {} ({}); read them one by one, or give --format",
                            files[0].display(),
                            first.format,
                            first.reason,
                            f.display(),
                            d.format,
                            d.reason
                        )));
                    }
                }
                let detected = Detected::new(first.format, format!("{n} files: {}", first.reason));
                Ok(OpenLog {
                    reader: self,
                    detected,
                    source: Source::Paths(files),
                })
            }
        }
    }

    /// Reads several files, or folders of exports, as one log: a team's or a board's export
    /// each, all in one format (recognised, or as given).
    ///
    /// A folder that holds CSV or XES files (and no `.json` file: a folder of JSON files
    /// holds the pages of a Jira search, one input) is its files, in name order; so
    /// [`LogReader::read_path`] reads a folder of CSV exports this way too.
    ///
    /// Jira JSON files are the pages of one search, as a folder of them is: a key is one
    /// issue in all of them (the same issue twice is read once, two different issues with
    /// one key are an error naming both files). The items of other files are kept apart by
    /// file: every item gets the attribute `source`, its
    /// file's name (its path as given when two files have one name; a column named `source`
    /// is not read then); an id found in one
    /// file is kept, an id found in two or more becomes `<source>:<id>` in each (nothing
    /// says they are one item). The ledger accounts for every file's rows
    /// ([`EventLog::sources`], [`DataQuality::sources`](crate::DataQuality::sources)), and
    /// a rejected row's `place` names its file.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::LogReader;
    ///
    /// let dir = std::env::temp_dir().join(format!("vs-read-paths-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let (a, b) = (dir.join("team-a.csv"), dir.join("team-b.csv"));
    /// std::fs::write(&a, "id,state,timestamp\nP-1,Dev,2024-03-04\nA-2,Dev,2024-03-05\n")?;
    /// std::fs::write(&b, "id,state,timestamp\nP-1,Dev,2024-03-06\n")?;
    /// let log = LogReader::builder().build().read_paths([&a, &b])?;
    /// let ids: Vec<_> = (0..log.items()).map(|i| log.item_id(i)).collect();
    /// assert_eq!(ids, ["team-a.csv:P-1", "A-2", "team-b.csv:P-1"]);
    /// assert_eq!(log.attribute(1, "source"), Some("team-a.csv"));
    /// assert_eq!(log.sources()[1].rows, 1);
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`LogReader::open_paths`] and [`LogReader::read_path`] for each file.
    pub fn read_paths<I, P>(&self, paths: I) -> Result<EventLog>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        self.open_paths(paths)?.read()
    }

    /// Takes a stream (standard input, a pipe, a socket, bytes) and finds the format it is
    /// read as, reading its first 64 KiB ahead; [`OpenLog::read`] reads it on from them.
    /// The stream is named in errors by [`LogReaderBuilder::name`].
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{Format, LogReader};
    ///
    /// let csv = "id;state;timestamp\nA-1;Dev;2024-03-04\n";
    /// let reader = LogReader::builder()
    ///     .format(Format::Auto)
    ///     .delimiter(b';')
    ///     .name("standard input")
    ///     .build();
    /// let open = reader.open_reader(csv.as_bytes())?;
    /// assert_eq!(open.detected().format, Format::Long);
    /// assert_eq!(open.read()?.len(), 1);
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the stream cannot be read; with [`Format::Auto`], as
    /// [`detect`](crate::detect).
    pub fn open_reader<'a, R: Read + 'a>(&'a self, rdr: R) -> Result<OpenLog<'a>> {
        self.open_stream(Box::new(rdr), self.settings.name.clone())
    }

    fn open_stream<'a>(
        &'a self,
        rdr: Box<dyn Read + 'a>,
        name: Option<String>,
    ) -> Result<OpenLog<'a>> {
        let peeked = Peeked::new(rdr, name.as_deref())?;
        let detected = match self.format {
            Format::Auto if self.columns_given() => columns_given(),
            Format::Auto => detect_head(peeked.head(), name.as_deref(), self.settings.delimiter)?,
            given => Detected::new(given, "the format the reader was given"),
        };
        Ok(OpenLog {
            reader: self,
            detected,
            source: Source::Stream(peeked, name),
        })
    }

    /// Reads the file (or, for `jira-json`, the folder of pages) at `path`; a pipe or a
    /// FIFO too, read once (see [`LogReader::open`]).
    ///
    /// With more than one thread ([`LogReaderBuilder::threads`]), a long-format file of a
    /// few megabytes or more is parsed in byte ranges on those threads, each through its own
    /// handle on the file, streaming; the result, and any error, is the one a sequential
    /// read gives. A pipe or a FIFO cannot be read in ranges: it is read streaming on the
    /// calling thread.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be opened; otherwise as [`LogReader::read`], with
    /// the path in every position; with [`Format::Auto`], as [`LogReader::detect`] too.
    pub fn read_path(&self, path: impl AsRef<Path>) -> Result<EventLog> {
        self.open(path)?.read()
    }

    /// Reads a log from any reader.
    ///
    /// A plain layout is read streaming (so is [`Format::Auto`] when the reader was given an
    /// id or a time column, or when the input is recognised as a plain long log), and so is
    /// `xes`; the other presets read the whole input into memory first (a preset may read
    /// it more than once), at most 1 GiB. With [`Format::Auto`] the format is recognised
    /// from the first 64 KiB (see [`LogReader::open_reader`]).
    ///
    /// # Errors
    ///
    /// - [`Error::Empty`] if there is no header or no data row;
    /// - [`Error::MissingColumn`] if a configured column is not in the header;
    /// - [`Error::Csv`] if a record cannot be read (unbalanced quotes, I/O);
    /// - [`Error::Value`] for a row with the wrong number of fields, an empty id or state, a
    ///   value that is not UTF-8, or a timestamp that cannot be read (unless
    ///   [`BadRows::Skip`]), or an input that is not a valid export of its preset, or an
    ///   input of a preset larger than 1 GiB;
    /// - [`Error::Io`] if the reader fails;
    /// - with [`Format::Auto`], an error if the format cannot be told (see
    ///   [`detect`](crate::detect)); [`Error::InvalidArgument`] for `xes` when the crate was
    ///   built without the feature `xes`.
    pub fn read<R: Read>(&self, rdr: R) -> Result<EventLog> {
        self.open_reader(rdr)?.read()
    }

    /// Reads a stream in `format` (not [`Format::Auto`]) from its first byte.
    fn read_stream(
        &self,
        format: Format,
        peeked: Peeked<Box<dyn Read + '_>>,
        name: Option<String>,
    ) -> Result<EventLog> {
        let settings = Settings {
            name: name.clone(),
            ..self.settings.clone()
        };
        if let Some(layout) = layout_of(format) {
            return layout::read_stream(&settings, layout, peeked.into_reader(), name);
        }
        match format {
            Format::Preset(Preset::Xes) => read_xes_stream(peeked.into_reader(), &settings),
            Format::Preset(preset) => {
                let bytes = peeked.into_bytes(name.as_deref(), preset.name())?;
                (preset.spec().read)(Input::Bytes(&bytes), &settings)
            }
            other => Err(Error::InvalidArgument(format!(
                "cannot read the format {other} without detecting it first"
            ))),
        }
    }

    /// Reads `files` in `format` (not [`Format::Auto`]) as one log, each named by its path.
    fn read_files(&self, format: Format, files: &[PathBuf]) -> Result<EventLog> {
        let mut settings = Settings {
            name: None,
            ..self.settings.clone()
        };
        // The attribute `source` names each item's file: no column is read for it.
        settings.attributes.retain(|a| a != SOURCE_ATTRIBUTE);
        let one = LogReader { format, settings };
        let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        if format == Format::Preset(Preset::JiraJson) {
            // Jira's files are pages of one search: a key is one issue in all of them.
            return read_jira_pages(files, Some(&paths.join(", ")), &self.settings);
        }
        let mut parts = Vec::with_capacity(files.len());
        for (file, source) in files.iter().zip(source_names(&paths)) {
            parts.push((source, one.read_as(format, Input::Path(file))?));
        }
        Ok(merge(parts))
    }

    /// Reads `input` in `format` (not [`Format::Auto`]).
    fn read_as(&self, format: Format, input: Input<'_>) -> Result<EventLog> {
        match (format, layout_of(format)) {
            (_, Some(layout)) => layout::read(&self.settings, layout, input),
            (Format::Preset(preset), None) => (preset.spec().read)(input, &self.settings),
            (other, None) => Err(Error::InvalidArgument(format!(
                "cannot read the format {other} without detecting it first"
            ))),
        }
    }
}

/// An input opened once, its format known: what [`LogReader::open`] and
/// [`LogReader::open_reader`] return. [`OpenLog::read`] reads it in that format, from its
/// first byte.
pub struct OpenLog<'a> {
    reader: &'a LogReader,
    detected: Detected,
    source: Source<'a>,
}

/// Where an [`OpenLog`] reads from.
enum Source<'a> {
    /// A file or a folder, opened again to be read.
    Path(PathBuf),
    /// A stream, its first bytes read ahead, and its name.
    Stream(Peeked<Box<dyn Read + 'a>>, Option<String>),
    /// Several files, read as one log.
    Paths(Vec<PathBuf>),
}

impl OpenLog<'_> {
    /// The format the input is read as, with why (see [`LogReader::detect`]).
    pub fn detected(&self) -> &Detected {
        &self.detected
    }

    /// Reads the input in the format found.
    ///
    /// # Errors
    ///
    /// As [`LogReader::read`] and [`LogReader::read_path`].
    pub fn read(self) -> Result<EventLog> {
        let format = self.detected.format;
        let log = match self.source {
            Source::Path(path) => self.reader.read_as(format, Input::Path(&path))?,
            Source::Stream(peeked, name) => self.reader.read_stream(format, peeked, name)?,
            Source::Paths(files) => self.reader.read_files(format, &files)?,
        };
        // Every reader but the long layout's (which holds its estimate and its events
        // against the budget as it reads) is bounded by its input; its events are held
        // against the budget here, before anything is made of them.
        let budget = self.reader.settings.memory_budget();
        if budget::fits(log.len() as u64, budget) {
            Ok(log)
        } else {
            let pos = Position::file(log.source());
            Err(budget::over_budget(pos, log.len() as u64, false, budget))
        }
    }
}

impl std::fmt::Debug for OpenLog<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.source {
            Source::Path(p) => p.display().to_string(),
            Source::Stream(_, name) => name.clone().unwrap_or_else(|| "a stream".to_owned()),
            Source::Paths(files) => format!("{} files", files.len()),
        };
        f.debug_struct("OpenLog")
            .field("detected", &self.detected)
            .field("source", &source)
            .finish_non_exhaustive()
    }
}

/// The reason [`LogReader::detect`] gives when columns were given.
fn columns_given() -> Detected {
    Detected::new(Format::Long, "columns given")
}

/// The plain layout of `format`, if it is one.
fn layout_of(format: Format) -> Option<Layout> {
    match format {
        Format::Long => Some(Layout::Long),
        Format::Wide => Some(Layout::Wide),
        Format::Intervals => Some(Layout::Intervals),
        Format::Preset(_) | Format::Auto => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::quality::WarningKind;

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
