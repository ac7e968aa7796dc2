//! The entry of a preset in the catalogue: what `valuestream formats` says of it, how it is
//! recognised and how it is read. Each preset's file defines one.

use crate::error::Result;
use crate::log::event_log::EventLog;
use crate::log::input::Input;
use crate::log::settings::Settings;

/// A preset: its name, its description, its detection signature and its reader.
#[derive(Debug)]
pub(crate) struct Spec {
    /// The name used on the command line (`--format jira-json`).
    pub(crate) name: &'static str,
    /// What the input looks like.
    pub(crate) columns: &'static str,
    /// How the tool exports it, in a sentence.
    pub(crate) how_to_export: &'static str,
    /// The workflow used when the caller gives none, in a sentence.
    pub(crate) workflow_note: &'static str,
    /// Whether an input looks like this preset's, with what gave it away.
    pub(crate) recognise: fn(&Sniff) -> Option<&'static str>,
    /// Reads an input of this preset with the caller's settings.
    pub(crate) read: fn(Input<'_>, &Settings) -> Result<EventLog>,
}

/// What detection sees of an input: enough to recognise a preset without reading it all.
#[derive(Debug, Default)]
pub(crate) struct Sniff {
    /// Whether the input is a folder.
    pub(crate) folder: bool,
    /// Whether the input starts with the gzip magic bytes.
    pub(crate) gzip: bool,
    /// The first non-blank byte after a byte-order mark, if any.
    pub(crate) first: Option<u8>,
    /// The names of the first CSV record, trimmed.
    pub(crate) header: Vec<String>,
}

impl Sniff {
    /// Whether the header has column `name` (ignoring case).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.header
            .iter()
            .any(|h| h.trim().eq_ignore_ascii_case(name))
    }

    /// Whether the header starts with these columns (ignoring case).
    pub(crate) fn starts_with(&self, names: &[&str]) -> bool {
        self.header.len() >= names.len()
            && self
                .header
                .iter()
                .zip(names)
                .all(|(h, n)| h.trim().eq_ignore_ascii_case(n))
    }
}
