//! Azure DevOps: an Azure Boards query with the date columns, exported to CSV.

use super::spec::{Sniff, Spec};
use super::tools::{WideColumns, present, read_wide, require};
use crate::error::Result;
use crate::log::event_log::EventLog;
use crate::log::input::Input;
use crate::log::settings::Settings;
use crate::time::TimeFormat;

pub(super) const SPEC: Spec = Spec {
    name: "azure-devops",
    columns: "ID, Work Item Type, Title, State, Created Date, Activated Date, Resolved Date, Closed Date, … (dates like 3/1/2025 9:00:00 AM)",
    how_to_export: "a work-item query with the date columns → Export → Export to CSV",
    workflow_note: "New (Created) → Active (Activated) → Resolved (waiting) → Closed (done)",
    recognise,
    read,
};

fn recognise(s: &Sniff) -> Option<&'static str> {
    (s.has("Created Date")
        && (s.has("Activated Date") || s.has("Closed Date") || s.has("Work Item Type")))
    .then_some("Created Date and Activated/Closed Date columns")
}

fn read(input: Input<'_>, settings: &Settings) -> Result<EventLog> {
    let name = input.name(settings);
    let header = input.csv_header(name.as_deref())?;
    require(&header, name.as_deref(), &["ID", "Created Date"])?;
    let stages = present(
        &header,
        &[
            "Created Date",
            "Activated Date",
            "Resolved Date",
            "Closed Date",
        ],
    );
    let attributes = [
        "Work Item Type",
        "State",
        "Area Path",
        "Iteration Path",
        "Tags",
    ];
    let columns = WideColumns::new("ID", &stages, &header, &attributes, settings);
    let mut preset = settings.for_preset(name);
    if preset.time_format.is_none() {
        // Azure DevOps writes dates in the user's locale; the default is US English.
        preset.time_format = Some(TimeFormat::Pattern("%m/%d/%Y %I:%M:%S %p".to_owned()));
    }
    read_wide(input, preset, columns)
}
