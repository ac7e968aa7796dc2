//! What a reader is told: the options of every layout and preset, as plain data that the
//! public [`LogReaderBuilder`](crate::LogReaderBuilder) fills in and every reader reads.

use std::path::Path;

use chrono::FixedOffset;

use crate::time::{TimeFormat, TimeParser};

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

/// When a long-format file is read in chunks on several threads, and how finely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chunking {
    /// Files smaller than this are read sequentially.
    pub(crate) min_file_bytes: u64,
    /// The size of a chunk; 0 for one chunk per thread, each of at least a megabyte.
    pub(crate) chunk_bytes: u64,
}

impl Default for Chunking {
    fn default() -> Self {
        Chunking {
            min_file_bytes: 4 << 20,
            chunk_bytes: 0,
        }
    }
}

/// The options of a read (see the setters of `LogReaderBuilder` for what each means).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) id: Option<String>,
    /// The state column (long), the stage column (intervals), or the state attribute of the
    /// `pm4py` and `xes` presets; for the long layout and those presets, several joined by
    /// `+` (see [`joined_names`]).
    pub(crate) state: Option<String>,
    pub(crate) time: Option<String>,
    pub(crate) end: Option<String>,
    pub(crate) stages: Option<Vec<String>>,
    pub(crate) attributes: Vec<String>,
    /// The column (or XES event attribute) naming who did each event, if kept.
    pub(crate) resource: Option<String>,
    /// `None`: detected per column, or the preset's own form.
    pub(crate) time_format: Option<TimeFormat>,
    pub(crate) offset: FixedOffset,
    pub(crate) delimiter: u8,
    pub(crate) bad_rows: BadRows,
    pub(crate) queue_suffix: String,
    pub(crate) end_state: String,
    pub(crate) name: Option<String>,
    /// Threads reading a large long-format file; 0 = the available parallelism.
    pub(crate) threads: usize,
    pub(crate) chunking: Chunking,
    /// The most bytes the events read may take (see
    /// [`BYTES_PER_EVENT`](crate::BYTES_PER_EVENT)); `None`:
    /// [`default_memory_budget`](crate::default_memory_budget).
    pub(crate) memory_budget: Option<u64>,
    /// The resolutions that discard an issue of Jira's plain CSV export; `None`: the
    /// preset's own list.
    pub(crate) discard_resolutions: Option<Vec<String>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            id: None,
            state: None,
            time: None,
            end: None,
            stages: None,
            attributes: Vec::new(),
            resource: None,
            time_format: None,
            offset: FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()),
            delimiter: b',',
            bad_rows: BadRows::Error,
            queue_suffix: " queue".to_owned(),
            end_state: "Done".to_owned(),
            name: None,
            threads: 1,
            chunking: Chunking::default(),
            memory_budget: None,
            discard_resolutions: None,
        }
    }
}

impl Settings {
    /// The memory budget of the read, in bytes.
    pub(crate) fn memory_budget(&self) -> u64 {
        self.memory_budget
            .unwrap_or_else(crate::log::budget::default_memory_budget)
    }

    /// A parser for a timestamp column, in the configured form (or detecting it).
    pub(crate) fn time_parser(&self) -> TimeParser {
        TimeParser::new(self.time_format.clone().unwrap_or_default(), self.offset)
    }

    /// The name of the input at `path` in errors and in the ledger: the name given, or the
    /// path.
    pub(crate) fn name_of(&self, path: &Path) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| path.display().to_string())
    }

    /// The settings a preset reads its export's CSV with: the caller's name for the input,
    /// offset, time format, policy for bad rows and threads; every column and the rest at
    /// their defaults (the preset names its own columns).
    pub(crate) fn for_preset(&self, name: Option<String>) -> Settings {
        Settings {
            name,
            offset: self.offset,
            time_format: self.time_format.clone(),
            bad_rows: self.bad_rows,
            threads: self.threads,
            memory_budget: self.memory_budget,
            ..Settings::default()
        }
    }
}

/// The columns or attributes a state option joins: `a+b` names `a` and `b`, whose values
/// joined by a space make the state. `None` when the option names one column: it has no
/// `+`, or a part is empty (`C++`). A reader prefers a column or attribute named exactly as
/// the option, and joins only when there is none.
pub(crate) fn joined_names(option: &str) -> Option<Vec<&str>> {
    if !option.contains('+') {
        return None;
    }
    let parts: Vec<&str> = option.split('+').map(str::trim).collect();
    (parts.iter().all(|p| !p.is_empty())).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::joined_names;

    #[test]
    fn a_state_option_joins_names_with_a_plus() {
        assert_eq!(
            joined_names("concept:name+lifecycle:transition"),
            Some(vec!["concept:name", "lifecycle:transition"])
        );
        assert_eq!(joined_names(" a + b +c"), Some(vec!["a", "b", "c"]));
        assert_eq!(joined_names("status"), None);
        assert_eq!(joined_names("C++"), None);
        assert_eq!(joined_names("+a"), None);
    }
}
