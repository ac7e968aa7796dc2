//! What a reader reads: a plain layout, a tool's preset, or whichever the input looks like.

use std::fmt;

use super::formats::{Preset, known_formats};
use crate::error::{Error, Result};

/// The format of an event log: one of the three plain CSV layouts, the export of a known
/// tool ([`Preset`]), or [`Format::Auto`] to recognise it.
///
/// # Examples
///
/// ```
/// use valuestream::{Format, Preset};
///
/// assert_eq!(Format::from_name("wide")?, Format::Wide);
/// assert_eq!(Format::from_name("jira-json")?, Format::Preset(Preset::JiraJson));
/// assert_eq!(Format::from_name("auto")?.to_string(), "auto");
/// assert!(Format::from_name("yaml").is_err());
/// # Ok::<(), valuestream::Error>(())
/// ```
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
    /// The export of a known tool, with its own columns and date forms.
    Preset(Preset),
    /// Whatever the input looks like (see [`detect`](crate::detect)): a preset recognised by
    /// its first bytes or its header, else the long layout when the header names `id`,
    /// `state` and `timestamp`, or when the reader was given an id or time column.
    Auto,
}

impl Format {
    /// Parses a format's name: `long`, `wide`, `intervals`, `auto`, or a preset's name
    /// (see [`Preset::name`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] listing the names, for any other.
    pub fn from_name(name: &str) -> Result<Format> {
        match name {
            "long" => Ok(Format::Long),
            "wide" => Ok(Format::Wide),
            "intervals" => Ok(Format::Intervals),
            "auto" => Ok(Format::Auto),
            other => match Preset::from_name(other) {
                Ok(p) => Ok(Format::Preset(p)),
                Err(_) => Err(Error::InvalidArgument(format!(
                    "unknown format {other:?}: {}",
                    known_formats()
                ))),
            },
        }
    }

    /// The format's name, as [`Format::from_name`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Long => "long",
            Format::Wide => "wide",
            Format::Intervals => "intervals",
            Format::Preset(p) => p.name(),
            Format::Auto => "auto",
        }
    }
}

impl From<Preset> for Format {
    fn from(preset: Preset) -> Format {
        Format::Preset(preset)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}
