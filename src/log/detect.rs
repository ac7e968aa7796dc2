//! Recognising the format of an input on sight: a preset by its first bytes or its CSV
//! header, or the crate's own long layout by its header.

use std::path::Path;

use super::format::Format;
use super::formats::DETECTION_ORDER;
use super::formats::Preset;
use super::formats::spec::Sniff;
use super::input::{Input, PEEK, csv_header};
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

/// Recognises the format of the file or folder at `path`: a preset, from the path (a
/// folder holds the pages of a Jira search), the file's first bytes (gzip, XML, JSON) or its
/// CSV header (the columns each tool's export has); failing that, the long layout when the
/// header names `id`, `state` and `timestamp`.
///
/// Only the first 64 KiB are read. A pipe or a FIFO cannot be read again after that:
/// [`LogReader::open`](crate::LogReader::open) recognises its format and reads it on from
/// the same bytes.
///
/// [`LogReader::detect`](crate::LogReader::detect) also knows that a reader given an id or
/// a time column reads a long log, and splits the header at the reader's delimiter;
/// [`Format::Auto`] reads whatever either finds.
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
/// naming the header seen (summarised when long), and what it could be instead (a known
/// export, DORA data, columns mapped by hand) if it matches none.
pub fn detect(path: impl AsRef<Path>) -> Result<Detected> {
    detect_path(path.as_ref(), b',')
}

/// As [`detect`], the CSV header split at `delimiter`.
pub(crate) fn detect_path(path: &Path, delimiter: u8) -> Result<Detected> {
    let name = path.display().to_string();
    if path.is_dir() {
        let folder = Sniff {
            folder: true,
            ..Sniff::default()
        };
        return recognise(&folder, Some(&name), delimiter);
    }
    let head = Input::Path(path).head(PEEK, Some(&name))?;
    detect_head(&head, Some(&name), delimiter)
}

/// As [`detect`], for an input that starts with `head` (named `name` in errors), its CSV
/// header split at `delimiter`.
pub(crate) fn detect_head(head: &[u8], name: Option<&str>, delimiter: u8) -> Result<Detected> {
    match recognise(&sniff_bytes(head, delimiter), name, delimiter) {
        Ok(d) => Ok(d),
        // The crate's own long layout has no tool to recognise it by.
        Err(_) if has_long_header(head, delimiter) => Ok(long_header()),
        Err(e) => Err(e),
    }
}

fn long_header() -> Detected {
    Detected::new(Format::Long, "id, state, timestamp")
}

/// What detection needs of an input that starts with `head`.
fn sniff_bytes(head: &[u8], delimiter: u8) -> Sniff {
    let text = head
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(head)
        .trim_ascii_start();
    Sniff {
        folder: false,
        gzip: head.starts_with(&[0x1f, 0x8b]),
        first: text.first().copied(),
        header: csv_header(text, delimiter),
    }
}

/// The first preset whose signature `sniff` matches, in [`DETECTION_ORDER`]; an error for
/// an empty input or one that matches none.
fn recognise(sniff: &Sniff, name: Option<&str>, delimiter: u8) -> Result<Detected> {
    if !sniff.folder && !sniff.gzip && sniff.first.is_none() {
        return Err(Error::Empty {
            pos: Box::new(Position::file(name).at_line(1)),
            message: "the input is empty".to_owned(),
        });
    }
    for preset in DETECTION_ORDER {
        if let Some(reason) = (preset.spec().recognise)(sniff) {
            if delimiter != b',' && !matches!(preset, Preset::JiraJson | Preset::Xes) {
                return Err(Error::Value {
                    pos: Box::new(Position::file(name).at_line(1)),
                    message: format!(
                        "the header split at {:?} looks like the {preset} format ({reason}), whose exports separate columns with commas; --delimiter applies to the plain layouts: --format long --id COL --state COL --time COL",
                        char::from(delimiter)
                    ),
                });
            }
            return Ok(Detected::new(Format::Preset(preset), reason));
        }
    }
    let header = header_seen(&sniff.header);
    let hint = delimiter_hint(sniff, delimiter);
    let by_hand = "--format long --id COL --state COL --time COL";
    let advice = if !hint.is_empty() {
        hint
    } else if let Some(dora) = dora_hint(sniff) {
        format!("it looks like {dora}, or give {by_hand}")
    } else {
        format!(
            "expected an export that `valuestream formats` lists, or give {by_hand} (or wide, intervals)"
        )
    };
    let message = format!("cannot tell the format from the header ({header}): {advice}");
    Err(Error::Value {
        pos: Box::new(Position::file(name).at_line(1)),
        message,
    })
}

/// The most characters of header names [`header_seen`] shows.
const HEADER_SHOWN: usize = 80;

/// The names of `header`, quoted and each shortened, as many as fit in about
/// [`HEADER_SHOWN`] characters, then how many more there are.
fn header_seen(header: &[String]) -> String {
    if header.is_empty() {
        return "no columns".to_owned();
    }
    let mut shown: Vec<String> = Vec::new();
    let mut len = 0;
    for h in header {
        let q = format!("{:?}", shortened(h));
        if !shown.is_empty() && len + q.chars().count() > HEADER_SHOWN {
            break;
        }
        len += q.chars().count() + 2;
        shown.push(q);
    }
    let more = header.len() - shown.len();
    if more > 0 {
        shown.push(format!("and {more} more"));
    }
    shown.join(", ")
}

/// `name`, cut to its first 24 characters (with an ellipsis) if longer.
fn shortened(name: &str) -> String {
    match name.char_indices().nth(24) {
        Some((i, _)) => format!("{}…", &name[..i]),
        None => name.to_owned(),
    }
}

/// A hint for the DORA inputs, which are not event logs.
fn dora_hint(sniff: &Sniff) -> Option<&'static str> {
    if sniff.has("deployed_at") {
        Some("the deployments of DORA metrics: read it with `valuestream dora`")
    } else if sniff.has("opened_at") && sniff.has("resolved_at") {
        Some("the incidents of DORA metrics: read it with `valuestream dora --incidents`")
    } else {
        None
    }
}

/// Whether the first CSV record of `head`, split at `delimiter`, names the columns `id`,
/// `state` and `timestamp`.
fn has_long_header(head: &[u8], delimiter: u8) -> bool {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let names = csv_header(text, delimiter);
    let has = |c: &str| names.iter().any(|h| h.eq_ignore_ascii_case(c));
    has("id") && has("state") && has("timestamp")
}

/// A hint for a header that is one column holding a likely delimiter other than the one
/// used.
fn delimiter_hint(sniff: &Sniff, delimiter: u8) -> String {
    let [only] = sniff.header.as_slice() else {
        return String::new();
    };
    [b';', b'\t', b'|']
        .into_iter()
        .find(|&d| d != delimiter && only.as_bytes().contains(&d))
        .map_or_else(String::new, |d| {
            format!(
                "its columns look separated by {:?}: give --delimiter {:?}",
                char::from(d),
                char::from(d)
            )
        })
}
