//! GitLab's issue CSV export: creation and closing dates, no status history.

use super::spec::{Sniff, Spec};
use super::tools::{WideColumns, present, read_wide, require};
use crate::error::Result;
use crate::log::event_log::EventLog;
use crate::log::input::Input;
use crate::log::settings::Settings;

pub(super) const SPEC: Spec = Spec {
    name: "gitlab",
    columns: "Title, Issue ID, URL, State, …, Created At (UTC), Updated At (UTC), Closed At (UTC), Milestone, Labels, …",
    how_to_export: "the issue list → Export as CSV (sent by email)",
    workflow_note: "Open (Created At) → Closed (Closed At): the export has no status history",
    recognise,
    read,
};

fn recognise(s: &Sniff) -> Option<&'static str> {
    s.has("Created At (UTC)")
        .then_some("a Created At (UTC) column")
}

fn read(input: Input<'_>, settings: &Settings) -> Result<EventLog> {
    let name = input.name(settings);
    let header = input.csv_header(name.as_deref())?;
    let id = if present(&header, &["Issue ID"]).is_empty() {
        "IID"
    } else {
        "Issue ID"
    };
    require(&header, name.as_deref(), &[id, "Created At (UTC)"])?;
    let stages = present(&header, &["Created At (UTC)", "Closed At (UTC)"]);
    let attributes = ["State", "Labels", "Milestone", "Author", "Assignee"];
    let columns = WideColumns::new(id, &stages, &header, &attributes, settings);
    read_wide(input, settings.for_preset(name), columns)
}
