//! Jira's plain CSV export ("Export Excel CSV (all fields)"): one row per issue with its
//! creation and resolution dates, no transition history. Issues resolved as not done
//! ("Won't Do", "Duplicate", …) are discarded.

use std::collections::HashMap;

use csv::ByteRecord;

use super::spec::{Sniff, Spec};
use super::tools::{WideColumns, present, read_wide, require};
use crate::error::{Error, Position, Result};
use crate::log::budget::next_record;
use crate::log::event_log::EventLog;
use crate::log::input::Input;
use crate::log::settings::Settings;
use crate::time::TimeFormat;

pub(super) const SPEC: Spec = Spec {
    name: "jira-csv",
    columns: "Summary, Issue key, Issue id, Issue Type, Status, …, Resolution, …, Created, Updated, …, Resolved, … (dates like 12/Mar/24 10:15 AM)",
    how_to_export: "the issue search → Export → Export Excel CSV (all fields); it has no transition history: for stage times export GET /rest/api/2/search?jql=…&expand=changelog and read it with --format jira-json",
    workflow_note: "Open (Created) → Resolved (Resolved): lead time = cycle time; issues resolved as Won't Do, Won't Fix, Duplicate, Cannot Reproduce, Incomplete or Declined are discarded; no stage times without the changelog",
    recognise,
    read,
};

/// The resolutions that discard an issue unless the caller names others.
pub(crate) const DISCARD_RESOLUTIONS: [&str; 6] = [
    "Won't Do",
    "Won't Fix",
    "Duplicate",
    "Cannot Reproduce",
    "Incomplete",
    "Declined",
];

/// Jira's default date form in its exports: `12/Mar/24 10:15 AM`.
pub(crate) const DATE_FORM: &str = "%d/%b/%y %I:%M %p";

/// The state of a discarded issue's creation (a backlog state of the default workflow).
pub(crate) const CREATED_DISCARDED: &str = "Created (discarded)";

/// The state of a discarded issue's resolution (a done state of the default workflow).
pub(crate) const DISCARDED: &str = "Discarded";

/// What the CLI and the documentation say of this export.
pub(crate) const NO_HISTORY: &str = "this export has no transition history: stage times, flow efficiency and the bottleneck need the changelog; export with GET /rest/api/2/search?jql=…&expand=changelog and read it with --format jira-json";

fn recognise(s: &Sniff) -> Option<&'static str> {
    (s.has("Issue key") && s.has("Created") && (s.has("Resolved") || s.has("Resolution")))
        .then_some("Issue key, Created and Resolved/Resolution columns")
}

fn read(input: Input<'_>, settings: &Settings) -> Result<EventLog> {
    let name = input.name(settings);
    let header = input.csv_header(name.as_deref())?;
    require(&header, name.as_deref(), &["Issue key", "Created"])?;
    let stages = present(&header, &["Created", "Resolved"]);
    let attributes = [
        "Summary",
        "Issue Type",
        "Status",
        "Priority",
        "Resolution",
        "Project key",
        "Project name",
        "Assignee",
        "Parent",
    ];
    let columns = WideColumns::new("Issue key", &stages, &header, &attributes, settings);
    let mut preset = settings.for_preset(name.clone());
    if preset.time_format.is_none() {
        preset.time_format = Some(TimeFormat::Pattern(DATE_FORM.to_owned()));
    }
    let mut log = read_wide(input, preset, columns)?;
    let discard: Vec<String> = match &settings.discard_resolutions {
        Some(list) => list.iter().map(|r| normal(r)).collect(),
        None => DISCARD_RESOLUTIONS.iter().map(|r| normal(r)).collect(),
    };
    if discard.is_empty() || present(&header, &["Resolution"]).is_empty() {
        return Ok(log);
    }
    let rows = resolutions(input, name.as_deref(), &header)?;
    let mut marked = vec![false; log.items()];
    let mut lines = vec![0; log.items()];
    for (i, (m, l)) in marked.iter_mut().zip(&mut lines).enumerate() {
        if let Some((line, resolution)) = rows.get(log.item_id(i)) {
            *l = *line;
            *m = discard.contains(&normal(resolution));
        }
    }
    // A discarded issue is done without commitment: counted, in no time metric.
    log.rename_states_of_items(
        &marked,
        &lines,
        &[("Created", CREATED_DISCARDED), ("Resolved", DISCARDED)],
    );
    Ok(log)
}

/// A resolution as compared: without surrounding spaces, in lower case.
fn normal(resolution: &str) -> String {
    resolution.trim().to_lowercase()
}

/// Each issue key's first line and resolution.
fn resolutions(
    input: Input<'_>,
    name: Option<&str>,
    header: &[String],
) -> Result<HashMap<String, (u64, String)>> {
    let col = |n: &str| header.iter().position(|h| h.eq_ignore_ascii_case(n));
    let (Some(key), Some(res)) = (col("Issue key"), col("Resolution")) else {
        return Ok(HashMap::new());
    };
    let csv_error = |e| Error::Csv {
        pos: Box::new(Position::file(name)),
        source: e,
    };
    let mut rdr = input
        .csv(csv::ReaderBuilder::new().flexible(true))
        .map_err(csv_error)?;
    let mut rec = ByteRecord::new();
    let mut out = HashMap::new();
    while next_record(&mut rdr, &mut rec).map_err(csv_error)? {
        let line = rec.position().map_or(0, csv::Position::line);
        let (Some(k), Some(r)) = (rec.get(key), rec.get(res)) else {
            continue;
        };
        let k = String::from_utf8_lossy(k).trim().to_owned();
        let r = String::from_utf8_lossy(r).into_owned();
        out.entry(k).or_insert((line, r));
    }
    Ok(out)
}
