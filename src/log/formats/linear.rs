//! Linear's CSV export of issues: one row per issue, a date column per step.

use super::spec::{Sniff, Spec};
use super::tools::{WideColumns, present, read_wide, require};
use crate::error::Result;
use crate::log::event_log::EventLog;
use crate::log::input::Input;
use crate::log::settings::Settings;

pub(super) const SPEC: Spec = Spec {
    name: "linear",
    columns: "ID, Team, Title, …, Status, …, Created, Updated, Started, Triaged, Completed, Canceled, … (dates like Mon Sep 01 2025 09:00:00 GMT+0000 (…))",
    how_to_export: "Settings → Import / Export → Export CSV",
    workflow_note: "Backlog (Created, Triaged) → In Progress (Started) → Done (Completed); Canceled items are discarded",
    recognise,
    read,
};

fn recognise(s: &Sniff) -> Option<&'static str> {
    (s.has("Created") && s.has("Completed") && s.has("Canceled"))
        .then_some("Created, Completed and Canceled columns")
}

fn read(input: Input<'_>, settings: &Settings) -> Result<EventLog> {
    let name = input.name(settings);
    let header = input.csv_header(name.as_deref())?;
    require(&header, name.as_deref(), &["ID", "Created"])?;
    let stages = present(
        &header,
        &["Created", "Triaged", "Started", "Completed", "Canceled"],
    );
    let attributes = ["Team", "Status", "Priority", "Labels", "Project"];
    let columns = WideColumns::new("ID", &stages, &header, &attributes, settings);
    let mut log = read_wide(input, settings.for_preset(name), columns)?;
    // A canceled item is discarded: it keeps its creation and its cancellation only, so
    // that it is done without commitment (counted, in no time metric).
    log.keep_only_for_items_with("Canceled", &["Created", "Triaged", "Canceled"]);
    Ok(log)
}
