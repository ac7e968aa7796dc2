//! The "cycle time data" CSVs of jira-agile-metrics and ActionableAgile: `ID, Link, Name`,
//! then one date column per stage in workflow order, then attributes. They share a reader;
//! jira-agile-metrics ends its stage columns with `Type, Status, Resolution`, while
//! ActionableAgile's stage columns are found by their values.

use csv::ByteRecord;

use super::spec::{Sniff, Spec};
use super::tools::{WideColumns, read_wide};
use crate::error::{Error, Position, Result};
use crate::log::budget::next_record;
use crate::log::event_log::EventLog;
use crate::log::input::Input;
use crate::log::settings::Settings;
use crate::time::TimeParser;

pub(super) const JIRA_AGILE_METRICS: Spec = Spec {
    name: "jira-agile-metrics",
    columns: "ID, Link, Name, <one date column per stage>, Type, Status, Resolution, <attributes>",
    how_to_export: "set `cycle_time_data: cycletime.csv` in the jira-agile-metrics configuration",
    workflow_note: WORKFLOW_NOTE,
    recognise: recognise_jira_agile_metrics,
    read: read_jira_agile_metrics,
};

pub(super) const ACTIONABLEAGILE: Spec = Spec {
    name: "actionableagile",
    columns: "ID, Link, Name, <one date column per stage>, <attributes>",
    how_to_export: "the CSV you load into ActionableAgile Analytics (or its data export)",
    workflow_note: WORKFLOW_NOTE,
    recognise: recognise_actionableagile,
    read: read_actionableagile,
};

const WORKFLOW_NOTE: &str = "the date columns in order: the first is backlog when there are three or more, the last is done, the others are work (wait when named like a queue)";

/// The columns both exports start with.
const LEADING: [&str; 3] = ["ID", "Link", "Name"];

fn recognise_jira_agile_metrics(s: &Sniff) -> Option<&'static str> {
    (s.starts_with(&LEADING) && jam_type_index(&s.header).is_some())
        .then_some("ID, Link, Name, stages, then Type, Status, Resolution")
}

fn recognise_actionableagile(s: &Sniff) -> Option<&'static str> {
    s.starts_with(&LEADING)
        .then_some("ID, Link, Name, then stage columns")
}

fn read_jira_agile_metrics(input: Input<'_>, settings: &Settings) -> Result<EventLog> {
    read_wide_tool(JIRA_AGILE_METRICS.name, true, input, settings)
}

fn read_actionableagile(input: Input<'_>, settings: &Settings) -> Result<EventLog> {
    read_wide_tool(ACTIONABLEAGILE.name, false, input, settings)
}

/// In a jira-agile-metrics header, the index of `Type` when `Type, Status, Resolution`
/// follow the stage columns.
fn jam_type_index(header: &[String]) -> Option<usize> {
    (3..header.len().saturating_sub(2)).find(|&i| {
        header[i].eq_ignore_ascii_case("Type")
            && header[i + 1].eq_ignore_ascii_case("Status")
            && header[i + 2].eq_ignore_ascii_case("Resolution")
    })
}

/// Reads either export (`preset` names it): its stage columns follow `Name`, and end
/// before `Type, Status, Resolution` in a jira-agile-metrics export (`jam`).
fn read_wide_tool(
    preset: &str,
    jam: bool,
    input: Input<'_>,
    settings: &Settings,
) -> Result<EventLog> {
    let name = input.name(settings);
    let header = input.csv_header(name.as_deref())?;
    let stage_idx: Vec<usize> = match jam_type_index(&header).filter(|_| jam) {
        Some(t) => (3..t).collect(),
        None => sniff_date_columns(input, name.as_deref(), &header, settings)?,
    };
    if stage_idx.is_empty() {
        return Err(Error::Value {
            pos: Box::new(Position::file(name.as_deref()).at_line(1)),
            message: format!(
                "no date columns after ID, Link, Name: the {preset} format has one date column per stage"
            ),
        });
    }
    let stages: Vec<String> = stage_idx.iter().map(|&i| header[i].clone()).collect();
    let mut exclude: Vec<&str> = LEADING.to_vec();
    exclude.extend(stages.iter().map(String::as_str));
    let columns = WideColumns {
        id: "ID".to_owned(),
        attributes: attribute_columns(&header, &exclude, settings),
        stages,
    };
    read_wide(input, settings.for_preset(name), columns)
}

/// The columns of `header` that are not stages and not `exclude`, plus the caller's.
fn attribute_columns(header: &[String], exclude: &[&str], settings: &Settings) -> Vec<String> {
    let mut out: Vec<String> = header
        .iter()
        .filter(|h| !h.is_empty() && !exclude.iter().any(|e| e.eq_ignore_ascii_case(h)))
        .cloned()
        .collect();
    for a in &settings.attributes {
        if !out.contains(a) {
            out.push(a.clone());
        }
    }
    out
}

/// The stage columns of an ActionableAgile file: the longest run of columns after `Name`
/// whose values, in the first 200 rows, are mostly dates (empty, or more dates than other
/// values). A column with a bad date among its dates stays a stage column: the bad cell is
/// then a rejected row (or an error) naming its line, column and value, and the column's
/// valid dates are used.
fn sniff_date_columns(
    input: Input<'_>,
    name: Option<&str>,
    header: &[String],
    settings: &Settings,
) -> Result<Vec<usize>> {
    let mut rdr = input
        .csv(csv::ReaderBuilder::new().flexible(true))
        .map_err(|e| Error::Csv {
            pos: Box::new(Position::file(name)),
            source: e,
        })?;
    let first = 3.min(header.len());
    // Per column: values that are dates, and values that are not.
    let mut tally = vec![(0u32, 0u32); header.len()];
    let mut parsers: Vec<TimeParser> = header.iter().map(|_| settings.time_parser()).collect();
    let mut rec = ByteRecord::new();
    let mut rows = 0;
    while rows < 200 && next_record(&mut rdr, &mut rec).unwrap_or(false) {
        rows += 1;
        for (c, field) in rec.iter().enumerate().skip(first) {
            let v = field.trim_ascii();
            if c < tally.len() && !v.is_empty() {
                if parsers[c].parse(v).is_ok() {
                    tally[c].0 += 1;
                } else {
                    tally[c].1 += 1;
                }
            }
        }
    }
    Ok((first..header.len())
        .take_while(|&c| tally[c].0 > tally[c].1 || tally[c] == (0, 0))
        .collect())
}
