//! Recognising the format of an input on sight: a preset by its first bytes or its CSV
//! header, or the crate's own long layout by its header.

use std::path::Path;

use super::format::Format;
use super::formats::spec::Sniff;
use super::formats::{DETECTION_ORDER, known_formats};
use super::input::{Input, csv_header};
use crate::error::{Error, Position, Result};

/// A format recognised by [`detect`], with why.
///
/// # Examples
///
/// ```
/// use valuestream::{Format, Preset, detect};
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/exports/linear.csv");
/// let found = detect(path)?;
/// assert_eq!(found.format, Format::Preset(Preset::Linear));
/// assert_eq!(found.reason, "Created, Completed and Canceled columns");
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Detected {
    /// The format: a preset, or [`Format::Long`] for the crate's own long layout (never
    /// [`Format::Auto`]).
    pub format: Format,
    /// What gave it away, for the message that says which format was chosen.
    pub reason: String,
}

impl Detected {
    pub(crate) fn new(format: Format, reason: impl Into<String>) -> Detected {
        Detected {
            format,
            reason: reason.into(),
        }
    }
}

/// How many bytes detection reads from the start of a file.
const HEAD: usize = 4096;

/// Recognises the format of the file or folder at `path`: a preset, from the path (a
/// folder holds the pages of a Jira search), the file's first bytes (gzip, XML, JSON) or its
/// CSV header (the columns each tool's export has); failing that, the long layout when the
/// header names `id`, `state` and `timestamp`.
///
/// [`LogReader::detect`](crate::LogReader::detect) also knows that a reader given an id or
/// a time column reads a long log; [`Format::Auto`] reads whatever either finds.
///
/// # Examples
///
/// ```
/// use valuestream::{Format, Preset, detect};
///
/// let exports = concat!(env!("CARGO_MANIFEST_DIR"), "/data/exports");
/// let found = detect(format!("{exports}/jira.json"))?;
/// assert_eq!(found.format, Format::Preset(Preset::JiraJson));
/// assert_eq!(found.reason, "a JSON document");
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`] if it cannot be read; [`Error::Empty`] if it is empty; [`Error::Value`]
/// listing the known formats and how to map columns by hand if it matches none.
pub fn detect(path: impl AsRef<Path>) -> Result<Detected> {
    let path = path.as_ref();
    match sniff_path(path).and_then(|s| recognise(&s, Some(&path.display().to_string()))) {
        Ok(d) => Ok(d),
        // The crate's own long layout has no tool to recognise it by.
        Err(_) if has_long_header(Input::Path(path)) => Ok(long_header()),
        Err(e) => Err(e),
    }
}

/// As [`detect`], for bytes in memory (named `name` in errors).
pub(crate) fn detect_bytes(bytes: &[u8], name: Option<&str>) -> Result<Detected> {
    match recognise(&sniff_bytes(&bytes[..HEAD.min(bytes.len())]), name) {
        Ok(d) => Ok(d),
        Err(_) if has_long_header(Input::Bytes(bytes)) => Ok(long_header()),
        Err(e) => Err(e),
    }
}

fn long_header() -> Detected {
    Detected::new(Format::Long, "id, state, timestamp")
}

/// What detection needs of the file or folder at `path`.
fn sniff_path(path: &Path) -> Result<Sniff> {
    if path.is_dir() {
        return Ok(Sniff {
            folder: true,
            ..Sniff::default()
        });
    }
    let name = path.display().to_string();
    let head = Input::Path(path).head(HEAD, Some(&name))?;
    Ok(sniff_bytes(&head))
}

/// What detection needs of an input that starts with `head`.
fn sniff_bytes(head: &[u8]) -> Sniff {
    let text = head
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(head)
        .trim_ascii_start();
    Sniff {
        folder: false,
        gzip: head.starts_with(&[0x1f, 0x8b]),
        first: text.first().copied(),
        header: csv_header(text, b','),
    }
}

/// The first preset whose signature `sniff` matches, in [`DETECTION_ORDER`]; an error for
/// an empty input or one that matches none.
fn recognise(sniff: &Sniff, name: Option<&str>) -> Result<Detected> {
    if !sniff.folder && !sniff.gzip && sniff.first.is_none() {
        return Err(Error::Empty {
            pos: Box::new(Position::file(name).at_line(1)),
            message: "the input is empty".to_owned(),
        });
    }
    for preset in DETECTION_ORDER {
        if let Some(reason) = (preset.spec().recognise)(sniff) {
            return Ok(Detected::new(Format::Preset(preset), reason));
        }
    }
    Err(Error::Value {
        pos: Box::new(Position::file(name).at_line(1)),
        message: format!(
            "cannot tell the format of this file from its header ({}); {}{}, or map the columns by hand: --format long --id COL --state COL --time COL (or --format wide / intervals)",
            sniff
                .header
                .iter()
                .take(12)
                .map(|h| format!("{h:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            dora_hint(sniff),
            known_formats()
        ),
    })
}

/// A hint for the DORA inputs, which are not event logs.
fn dora_hint(sniff: &Sniff) -> &'static str {
    if sniff.has("deployed_at") {
        "it looks like the deployments of DORA metrics, which `dora_metrics` (valuestream dora) reads; "
    } else if sniff.has("opened_at") && sniff.has("resolved_at") {
        "it looks like the incidents of DORA metrics, which `dora_metrics` (valuestream dora --incidents) reads; "
    } else {
        ""
    }
}

/// Whether the first CSV record of `input` names the columns `id`, `state` and `timestamp`.
fn has_long_header(input: Input<'_>) -> bool {
    let Ok(mut rdr) = input.csv(csv::ReaderBuilder::new().has_headers(false)) else {
        return false;
    };
    let mut rec = csv::StringRecord::new();
    if !matches!(rdr.read_record(&mut rec), Ok(true)) {
        return false;
    }
    let has = |c: &str| {
        rec.iter().any(|h| {
            h.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(c)
        })
    };
    has("id") && has("state") && has("timestamp")
}
