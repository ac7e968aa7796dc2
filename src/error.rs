//! The one error type of the crate, and where in the input it happened.

use std::fmt;

/// Where in the input something went wrong.
///
/// Lines are counted as an editor counts them: the header of a CSV file is line 1, so the
/// first data row is line 2. Every part is optional because not every error has every part
/// (a missing column has no line; an empty file has no column).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    /// The file (or the name given to a reader), if known.
    pub file: Option<String>,
    /// The 1-based line, header included.
    pub line: Option<u64>,
    /// The column's name as written in the header (CSV input).
    pub column: Option<String>,
    /// The 1-based character position in the line (TOML input, where columns have no
    /// names).
    pub char: Option<u64>,
    /// The offending value, as read (lossily decoded if it was not UTF-8).
    pub value: Option<String>,
}

impl Position {
    /// A position in a file (or named input) with nothing else known yet.
    pub fn file(file: Option<&str>) -> Position {
        Position {
            file: file.map(str::to_owned),
            ..Position::default()
        }
    }

    /// The same position at `line`.
    pub fn at_line(mut self, line: u64) -> Position {
        self.line = Some(line);
        self
    }

    /// The same position in `column`.
    pub fn in_column(mut self, column: &str) -> Position {
        self.column = Some(column.to_owned());
        self
    }

    /// The same position with the offending `value` (lossily decoded, shortened to 80 chars).
    pub fn with_value(mut self, value: &[u8]) -> Position {
        let text = String::from_utf8_lossy(value);
        let mut text: String = text.chars().take(80).collect();
        if value.len() > text.len() {
            text.push('…');
        }
        self.value = Some(text);
        self
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::with_capacity(4);
        if let Some(file) = &self.file {
            parts.push(file.clone());
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(column) = &self.column {
            parts.push(format!("column {}", quoted_short(column)));
        }
        if let Some(c) = self.char {
            parts.push(format!("column {c}"));
        }
        if let Some(value) = &self.value {
            // Already shortened to 80 characters (`with_value`).
            parts.push(format!("value {value:?}"));
        }
        if parts.is_empty() {
            f.write_str("input")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// A status that no stage of the workflow maps, with where it was first seen.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UnmappedState {
    /// The status as written in the input.
    pub state: String,
    /// How many events carry it.
    pub count: u64,
    /// The first line that carries it (0 for events that were not read from a file).
    pub first_line: u64,
}

/// Everything that can go wrong in `valuestream`.
///
/// Errors caused by the input carry a [`Position`]; [`Error::is_input`] tells them apart
/// from other failures (the command line exits with 2 for the first kind and 1 otherwise).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{}: {source}", display_file(.file))]
    Io {
        /// The file, if there was one.
        file: Option<String>,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The CSV layer could not read a record (bad quoting, an I/O error mid-file).
    #[error("{pos}: cannot read the CSV record: {source}")]
    Csv {
        /// Where it happened.
        pos: Box<Position>,
        /// The underlying error.
        #[source]
        source: csv::Error,
    },
    /// A value in the input is not what was expected.
    #[error("{pos}: {message}")]
    Value {
        /// Where it happened, with the offending value.
        pos: Box<Position>,
        /// What was expected, in a sentence.
        message: String,
    },
    /// A column the reader needs is not in the header.
    #[error("{pos}: no column named {}; the header has {}", quoted_short(.column), list_quoted(.found))]
    MissingColumn {
        /// The file and header line.
        pos: Box<Position>,
        /// The column that was asked for.
        column: String,
        /// The columns the header does have.
        found: Vec<String>,
    },
    /// The input has no header, or no data rows.
    #[error("{pos}: {message}")]
    Empty {
        /// The file.
        pos: Box<Position>,
        /// What was missing.
        message: String,
    },
    /// Statuses that no stage of the workflow maps.
    #[error("{}{}: {} no stage of the workflow maps: {}; add them to a stage's `states` or choose to drop them{}",
        display_file(&.pos.file), display_column(&.pos.column),
        if .states.len() == 1 { "a status that" } else { "statuses that" },
        list_unmapped(.states),
        .other_column.as_deref().map_or(String::new(), |h| format!("; {h}")))]
    UnmappedStates {
        /// The file the events came from and the column the statuses were read from.
        pos: Box<Position>,
        /// Each unmapped status with its count and first line.
        states: Vec<UnmappedState>,
        /// Another column of the log where more of the workflow's states appear, in a
        /// sentence ("column "lifecycle:transition" has 11 of them in its first 10000
        /// rows: try --state lifecycle:transition"), when the log's first rows show one.
        other_column: Option<String>,
    },
    /// A workflow is invalid.
    #[error("{}workflow: {message}", display_prefix(&.pos.file))]
    Workflow {
        /// The workflow file, if it came from one.
        pos: Box<Position>,
        /// What is wrong with it.
        message: String,
    },
    /// A TOML file could not be parsed or does not have the expected keys.
    #[error("{pos}: {message}")]
    Toml {
        /// The file, line and column (the column as a 1-based character number).
        pos: Box<Position>,
        /// The parser's message, on one line.
        message: String,
        /// The parser's error.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// An output (a report, a CSV, a log written) could not be written: a full disk, a
    /// closed pipe. Never the input's fault.
    #[error("cannot write the output: {source}")]
    Write {
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An argument given to the library is invalid (not a fault of the input data).
    #[error("{0}")]
    InvalidArgument(String),
    /// A queueing model is invalid, or a model file cannot be read as one: where, which
    /// stage, which key, and why.
    #[error("{}: {message}", display_model_place(.pos, .stage, .key))]
    Model {
        /// Where: the model file, if the model came from one, and the 1-based line and
        /// column (`char`, a character number) in it, if known.
        pos: Box<Position>,
        /// The stage at fault (`None` for the arrivals or the model as a whole).
        stage: Option<String>,
        /// The key at fault, as written in the file (`service.cv`, `rework.to`), if known.
        key: Option<String>,
        /// What is wrong, in a sentence.
        message: String,
    },
}

impl Error {
    /// Whether the input (a data file, a workflow, a model) is at fault, as opposed to the
    /// environment or the program.
    pub fn is_input(&self) -> bool {
        match self {
            Error::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::InvalidData
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::IsADirectory
            ),
            // An I/O error of invalid data is the input's (a record too long).
            Error::Csv { source, .. } => match source.kind() {
                csv::ErrorKind::Io(io) => io.kind() == std::io::ErrorKind::InvalidData,
                _ => true,
            },
            Error::Write { .. } => false,
            _ => true,
        }
    }

    /// The position in the input, when the input is at fault at a known place.
    pub fn position(&self) -> Option<&Position> {
        match self {
            Error::Csv { pos, .. }
            | Error::Value { pos, .. }
            | Error::MissingColumn { pos, .. }
            | Error::Empty { pos, .. }
            | Error::Toml { pos, .. }
            | Error::UnmappedStates { pos, .. }
            | Error::Workflow { pos, .. }
            | Error::Model { pos, .. } => Some(pos),
            _ => None,
        }
    }

    /// Writing an output failed with `source`.
    pub(crate) fn write(source: std::io::Error) -> Error {
        Error::Write { source }
    }

    /// Writing a CSV output failed with `e` (its I/O error when it is one).
    pub(crate) fn write_csv(e: csv::Error) -> Error {
        let source = match e.into_kind() {
            csv::ErrorKind::Io(io) => io,
            other => std::io::Error::other(format!("{other:?}")),
        };
        Error::Write { source }
    }

    pub(crate) fn value(pos: Position, message: impl Into<String>) -> Error {
        Error::Value {
            pos: Box::new(pos),
            message: message.into(),
        }
    }

    /// A TOML error with its line and column computed from `text`.
    pub(crate) fn toml(file: Option<&str>, text: &str, source: toml::de::Error) -> Error {
        let mut pos = Position::file(file);
        if let Some(span) = source.span() {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() as u64 + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            pos = pos.at_line(line);
            pos.char = Some(col as u64);
        }
        let message = source
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        Error::Toml {
            pos: Box::new(pos),
            message,
            source: Box::new(source),
        }
    }

    pub(crate) fn workflow(file: Option<&str>, message: impl Into<String>) -> Error {
        Error::Workflow {
            pos: Box::new(Position::file(file)),
            message: message.into(),
        }
    }

    /// Statuses no stage maps, read from `column` of `file`, and where else the
    /// workflow's states are (`other_column`).
    pub(crate) fn unmapped_states(
        file: Option<&str>,
        column: Option<&str>,
        states: Vec<UnmappedState>,
        other_column: Option<String>,
    ) -> Error {
        let mut pos = Position::file(file);
        pos.column = column.map(str::to_owned);
        Error::UnmappedStates {
            pos: Box::new(pos),
            states,
            other_column,
        }
    }
}

/// Reads a text file: its name (for positions) and its content.
pub(crate) fn read_text(path: &std::path::Path) -> Result<(String, String)> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        file: Some(name.clone()),
        source,
    })?;
    Ok((name, text))
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn display_file(file: &Option<String>) -> &str {
    file.as_deref().unwrap_or("input")
}

fn display_column(column: &Option<String>) -> String {
    match column {
        Some(c) => format!(", column {}", quoted_short(c)),
        None => String::new(),
    }
}

fn display_prefix(file: &Option<String>) -> String {
    match file {
        Some(f) => format!("{f}: "),
        None => String::new(),
    }
}

fn display_model_place(pos: &Position, stage: &Option<String>, key: &Option<String>) -> String {
    let mut parts: Vec<String> = Vec::with_capacity(5);
    parts.push(pos.file.clone().unwrap_or_else(|| "model".to_owned()));
    if let Some(line) = pos.line {
        parts.push(format!("line {line}"));
    }
    if let Some(column) = pos.char {
        parts.push(format!("column {column}"));
    }
    if let Some(stage) = stage {
        parts.push(format!("stage {stage:?}"));
    }
    if let Some(key) = key {
        parts.push(format!("key `{key}`"));
    }
    parts.join(", ")
}

/// The most entries a message lists before it says how many more there are.
const LISTED: usize = 12;

/// The most characters of one value a message shows before an ellipsis.
const SHOWN_CHARS: usize = 60;

/// `text` quoted, cut to [`SHOWN_CHARS`] characters (an ellipsis and its length after).
pub(crate) fn quoted_short(text: &str) -> String {
    let n = text.chars().count();
    if n <= SHOWN_CHARS {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(SHOWN_CHARS).collect();
        format!("{head:?}… ({n} characters)")
    }
}

/// `items` joined by commas, the first [`LISTED`] of them, then how many more.
fn listed(items: impl ExactSizeIterator<Item = String>) -> String {
    let n = items.len();
    let mut shown: Vec<String> = items.take(LISTED).collect();
    if n > LISTED {
        shown.push(format!("and {} more", n - LISTED));
    }
    shown.join(", ")
}

fn list_quoted(names: &[String]) -> String {
    if names.is_empty() {
        return "no columns".to_owned();
    }
    listed(names.iter().map(|n| quoted_short(n)))
}

fn list_unmapped(states: &[UnmappedState]) -> String {
    listed(states.iter().map(|s| {
        let events = format!("{} event{}", s.count, if s.count == 1 { "" } else { "s" });
        if s.first_line > 0 {
            format!(
                "{} ({events}, first on line {})",
                quoted_short(&s.state),
                s.first_line
            )
        } else {
            format!("{} ({events})", quoted_short(&s.state))
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_and_values_are_summarised() {
        let found: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
        let e = Error::MissingColumn {
            pos: Box::new(Position::file(Some("wide.csv")).at_line(1)),
            column: "id".into(),
            found,
        };
        let m = e.to_string();
        assert!(m.len() < 300, "{} characters: {m}", m.len());
        assert!(
            m.contains(r#""c0", "c1""#) && m.contains("\"c11\", and 99988 more"),
            "{m}"
        );
        let long = "x".repeat(1_000_000);
        let m = Position::file(Some("f.csv"))
            .at_line(3)
            .in_column(&long)
            .with_value(long.as_bytes())
            .to_string();
        assert!(m.len() < 300, "{}", m.len());
        assert!(
            m.contains("column \"xxxx") && m.contains("… (1000000 characters)"),
            "{m}"
        );
        assert!(m.ends_with("x…\""), "{m}");
        // Short ones are as they were.
        assert_eq!(quoted_short("Dev"), "\"Dev\"");
    }

    #[test]
    fn position_reads_like_an_editor_location() {
        let pos = Position::file(Some("log.csv"))
            .at_line(7)
            .in_column("time")
            .with_value(b"2024-13-01");
        assert_eq!(
            pos.to_string(),
            r#"log.csv, line 7, column "time", value "2024-13-01""#
        );
        assert_eq!(Position::default().to_string(), "input");
    }

    #[test]
    fn long_values_are_shortened() {
        let long = vec![b'x'; 200];
        let pos = Position::default().with_value(&long);
        let value = pos.value.unwrap();
        assert_eq!(value.chars().count(), 81);
        assert!(value.ends_with('…'));
    }

    #[test]
    fn unmapped_states_are_listed_with_counts_and_lines() {
        let err = Error::unmapped_states(
            Some("a.csv"),
            Some("status"),
            vec![
                UnmappedState {
                    state: "Blocked".into(),
                    count: 3,
                    first_line: 4,
                },
                UnmappedState {
                    state: "Parked".into(),
                    count: 1,
                    first_line: 9,
                },
            ],
            None,
        );
        assert_eq!(
            err.to_string(),
            "a.csv, column \"status\": statuses that no stage of the workflow maps: \"Blocked\" (3 events, first on line 4), \
             \"Parked\" (1 event, first on line 9); add them to a stage's `states` or choose to drop them"
        );
        assert_eq!(
            err.position().and_then(|p| p.column.as_deref()),
            Some("status")
        );
        // Without a file or a column, the message names the input.
        let err = Error::unmapped_states(None, None, vec![], None);
        assert!(err.to_string().starts_with("input: statuses that"), "{err}");
        let err = Error::workflow(Some("wf.toml"), "it has no stages");
        assert_eq!(err.to_string(), "wf.toml: workflow: it has no stages");
        assert_eq!(
            err.position().and_then(|p| p.file.as_deref()),
            Some("wf.toml")
        );
        assert_eq!(Error::workflow(None, "bad").to_string(), "workflow: bad");
    }
}
