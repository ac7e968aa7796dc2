//! What the CSV presets of delivery tools share: finding their columns in the export's
//! header and reading the export as a wide log.

use super::layout;
use super::plain::Layout;
use crate::error::{Error, Position, Result};
use crate::log::event_log::EventLog;
use crate::log::input::Input;
use crate::log::settings::Settings;

/// Columns of `wanted` present in `header`, in `wanted`'s order.
pub(super) fn present<'a>(header: &[String], wanted: &[&'a str]) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|w| header.iter().any(|h| h.eq_ignore_ascii_case(w)))
        .collect()
}

/// An error naming the first of `columns` missing from `header` (of the input `name`).
pub(super) fn require(header: &[String], name: Option<&str>, columns: &[&str]) -> Result<()> {
    for c in columns {
        if !header.iter().any(|h| h.eq_ignore_ascii_case(c)) {
            return Err(Error::MissingColumn {
                pos: Box::new(Position::file(name).at_line(1)),
                column: (*c).to_owned(),
                found: header.to_vec(),
            });
        }
    }
    Ok(())
}

/// The columns a wide export is read with: the item id, the date columns of its stages in
/// workflow order, and the columns kept as item attributes.
#[derive(Debug)]
pub(super) struct WideColumns {
    pub(super) id: String,
    pub(super) stages: Vec<String>,
    pub(super) attributes: Vec<String>,
}

impl WideColumns {
    /// The id column `id`, the date columns `stages`, and the attribute columns of `header`
    /// among `attributes` followed by the caller's own.
    pub(super) fn new(
        id: &str,
        stages: &[&str],
        header: &[String],
        attributes: &[&str],
        settings: &Settings,
    ) -> WideColumns {
        WideColumns {
            id: id.to_owned(),
            stages: stages.iter().map(|s| (*s).to_owned()).collect(),
            attributes: present(header, attributes)
                .into_iter()
                .map(str::to_owned)
                .chain(settings.attributes.iter().cloned())
                .collect(),
        }
    }
}

/// Reads `input` as a wide log with `columns`, on `settings` (a preset's, from
/// [`Settings::for_preset`]).
pub(super) fn read_wide(
    input: Input<'_>,
    settings: Settings,
    columns: WideColumns,
) -> Result<EventLog> {
    let settings = Settings {
        id: Some(columns.id),
        stages: Some(columns.stages),
        attributes: columns.attributes,
        ..settings
    };
    layout::read(&settings, Layout::Wide, input)
}
