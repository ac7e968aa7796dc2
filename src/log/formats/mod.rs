//! One file per layout or preset, and the catalogue of presets.
//!
//! The plain layouts (`long`, `wide`, `intervals`) share the CSV plumbing of `plain` and are
//! read through `layout`. Each preset's file holds its entry in the catalogue (a [`Spec`]:
//! name, columns, how to export, default-workflow note, detection signature and reader).
//! A new preset is a new file with its `SPEC`, a variant of [`Preset`], and a line in
//! each of `Preset::ALL`, `Preset::spec` and `DETECTION_ORDER` below (and its default
//! workflow in `workflow/defaults.rs`).
//!
//! The sample exports of `data/exports` are read by `tests/formats.rs` (and
//! `tests/jira_csv.rs` for `jira-csv`).

mod azure_devops;
mod chunked;
mod gitlab;
mod intervals;
mod jira;
mod jira_csv;
mod jira_errors;
pub(crate) mod layout;
mod linear;
mod long;
pub(crate) mod plain;
mod pm4py;
pub(crate) mod spec;
mod tools;
mod wide;
mod wide_tools;
mod xes;

use std::fmt;

pub(crate) use self::jira::read_files as read_jira_pages;
pub(crate) use self::xes::read_stream as read_xes_stream;

use self::spec::Spec;
use crate::error::{Error, Result};

/// A known export format: its columns, its date forms and a default workflow.
///
/// | preset | what | how to export it |
/// |---|---|---|
/// | `jira-json` | Jira REST search results with the changelog | `GET /rest/api/2/search?jql=…&expand=changelog` (save each page; a folder of pages is read in name order) |
/// | `jira-csv` | Jira's plain CSV export: Created and Resolved, no transition history | Export → Export Excel CSV (all fields) |
/// | `jira-agile-metrics` | the "cycle time data" CSV of jira-agile-metrics | `cycle_time_data: cycletime.csv` in its configuration |
/// | `actionableagile` | ActionableAgile's import CSV | Export data from ActionableAgile, or the CSV you would import into it |
/// | `linear` | Linear's CSV export of issues | Settings → Import / Export → Export CSV |
/// | `gitlab` | GitLab's issue CSV export | Issues list → Export as CSV |
/// | `azure-devops` | an Azure Boards query exported to CSV | a query with Created/Activated/Resolved/Closed Date columns → Export to CSV |
/// | `pm4py` | the CSV of process-mining tools (PM4Py, Disco, Celonis) | `pm4py.write_csv` or `dataframe.to_csv` |
/// | `xes` | XES / XES.gz event logs (IEEE 1849) | any process-mining tool; feature `xes` |
///
/// Read one with [`LogReaderBuilder::preset`](crate::LogReaderBuilder::preset) (or let
/// [`detect`](crate::detect) recognise it), through the workflow
/// [`Workflow::for_preset`](crate::Workflow::for_preset) makes for it unless you have one.
///
/// # Examples
///
/// ```
/// use valuestream::{LogReader, Preset, Timelines, Workflow};
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/exports/gitlab.csv");
/// let preset = Preset::from_name("gitlab")?;
/// assert_eq!(preset, Preset::Gitlab);
/// let log = LogReader::builder().preset(preset).build().read_path(path)?;
/// let workflow = Workflow::for_preset(preset, &log)?;
/// let timelines = Timelines::new(&log, &workflow)?;
/// assert_eq!(timelines.quality().rows, log.rows());
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Preset {
    /// Jira REST search results with `expand=changelog`.
    JiraJson,
    /// Jira's plain CSV export: `Summary, Issue key, …, Resolution, …, Created, …, Resolved, …`
    /// (no transition history).
    JiraCsv,
    /// jira-agile-metrics "cycle time data": `ID, Link, Name, <stages…>, Type, Status, Resolution, …`.
    JiraAgileMetrics,
    /// ActionableAgile: `ID, Link, Name, <stages…>, <attributes…>`.
    ActionableAgile,
    /// Linear's issue export: `ID, Team, Title, …, Created, Started, Completed, Canceled, …`.
    Linear,
    /// GitLab's issue export: `Issue ID, …, Created At (UTC), Closed At (UTC), State, Labels, …`.
    Gitlab,
    /// Azure DevOps: `ID, Work Item Type, …, Created Date, Activated Date, Resolved Date, Closed Date`.
    AzureDevops,
    /// Process-mining CSV: `case:concept:name, concept:name, time:timestamp` (and
    /// `lifecycle:transition` or `start_timestamp` for interval logs).
    Pm4py,
    /// XES and XES.gz event logs.
    Xes,
}

/// The order in which detection tries the presets: first by the input's first bytes (a
/// folder or JSON, gzip or XML), then by CSV header, the most specific first.
pub(crate) const DETECTION_ORDER: [Preset; 9] = [
    Preset::JiraJson,
    Preset::Xes,
    Preset::Pm4py,
    Preset::JiraCsv,
    Preset::Gitlab,
    Preset::AzureDevops,
    Preset::Linear,
    Preset::JiraAgileMetrics,
    Preset::ActionableAgile,
];

impl Preset {
    /// Every preset, in the order `valuestream formats` lists them.
    pub const ALL: [Preset; 9] = [
        Preset::JiraJson,
        Preset::JiraAgileMetrics,
        Preset::ActionableAgile,
        Preset::Linear,
        Preset::Gitlab,
        Preset::AzureDevops,
        Preset::Pm4py,
        Preset::Xes,
        // Last, so that the fuzz seeds' first byte (an index into this list) keeps naming
        // the preset it was written for.
        Preset::JiraCsv,
    ];

    /// The preset's entry in the catalogue.
    pub(crate) fn spec(self) -> &'static Spec {
        match self {
            Preset::JiraJson => &jira::SPEC,
            Preset::JiraCsv => &jira_csv::SPEC,
            Preset::JiraAgileMetrics => &wide_tools::JIRA_AGILE_METRICS,
            Preset::ActionableAgile => &wide_tools::ACTIONABLEAGILE,
            Preset::Linear => &linear::SPEC,
            Preset::Gitlab => &gitlab::SPEC,
            Preset::AzureDevops => &azure_devops::SPEC,
            Preset::Pm4py => &pm4py::SPEC,
            Preset::Xes => &xes::SPEC,
        }
    }

    /// The name used on the command line (`--format jira-json`).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The preset named `name`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] listing the names, for any other.
    pub fn from_name(name: &str) -> Result<Preset> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| {
                Error::InvalidArgument(format!("unknown format {name:?}: {}", known_formats()))
            })
    }

    /// What the input looks like.
    pub fn columns(self) -> &'static str {
        self.spec().columns
    }

    /// How the tool exports it, in a sentence.
    pub fn how_to_export(self) -> &'static str {
        self.spec().how_to_export
    }

    /// The workflow used when the caller gives none, in a sentence (the workflow itself is
    /// [`Workflow::for_preset`](crate::Workflow::for_preset)).
    pub fn default_workflow_note(self) -> &'static str {
        self.spec().workflow_note
    }

    /// What a reader of this preset's exports should know of what they cannot tell, if
    /// anything: for Jira's plain CSV export, that stage times need the changelog and how
    /// to export it.
    ///
    /// ```
    /// use valuestream::Preset;
    ///
    /// assert!(Preset::JiraCsv.limitation().unwrap().contains("expand=changelog"));
    /// assert_eq!(Preset::JiraJson.limitation(), None);
    /// ```
    pub fn limitation(self) -> Option<&'static str> {
        match self {
            Preset::JiraCsv => Some(jira_csv::NO_HISTORY),
            _ => None,
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Every format's name, for messages about an unknown one.
pub(crate) fn known_formats() -> String {
    format!(
        "the formats are {}, and long, wide, intervals",
        Preset::ALL
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(", ")
    )
}
