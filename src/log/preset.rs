//! Presets for the exports of the tools teams already use, and recognising them on sight.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono::FixedOffset;
use csv::ByteRecord;

use super::reader::{Interval, emit_intervals};
use super::{BadRows, EventLog, EventLogBuilder, Format, LogReader, RejectedRow};
use crate::error::{Error, Position, Result};
use crate::time::{TimeFormat, TimeParser};

/// A known export format: its columns, its date forms and a default workflow.
///
/// | preset | what | how to export it |
/// |---|---|---|
/// | `jira-json` | Jira REST search results with the changelog | `GET /rest/api/2/search?jql=…&expand=changelog` (save each page; a folder of pages is read in name order) |
/// | `jira-agile-metrics` | the "cycle time data" CSV of jira-agile-metrics | `cycle_time_data: cycletime.csv` in its configuration |
/// | `actionableagile` | ActionableAgile's import CSV | Export data from ActionableAgile, or the CSV you would import into it |
/// | `linear` | Linear's CSV export of issues | Settings → Import / Export → Export CSV |
/// | `gitlab` | GitLab's issue CSV export | Issues list → Export as CSV |
/// | `azure-devops` | an Azure Boards query exported to CSV | a query with Created/Activated/Resolved/Closed Date columns → Export to CSV |
/// | `pm4py` | the CSV of process-mining tools (PM4Py, Disco, Celonis) | `pm4py.write_csv` or `dataframe.to_csv` |
/// | `xes` | XES / XES.gz event logs (IEEE 1849) | any process-mining tool; feature `xes` |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Preset {
    /// Jira REST search results with `expand=changelog`.
    JiraJson,
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

impl Preset {
    /// Every preset, in the order `valuestream formats` lists them.
    pub const ALL: [Preset; 8] = [
        Preset::JiraJson,
        Preset::JiraAgileMetrics,
        Preset::ActionableAgile,
        Preset::Linear,
        Preset::Gitlab,
        Preset::AzureDevops,
        Preset::Pm4py,
        Preset::Xes,
    ];

    /// The name used on the command line (`--format jira-json`).
    pub fn name(self) -> &'static str {
        match self {
            Preset::JiraJson => "jira-json",
            Preset::JiraAgileMetrics => "jira-agile-metrics",
            Preset::ActionableAgile => "actionableagile",
            Preset::Linear => "linear",
            Preset::Gitlab => "gitlab",
            Preset::AzureDevops => "azure-devops",
            Preset::Pm4py => "pm4py",
            Preset::Xes => "xes",
        }
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
        match self {
            Preset::JiraJson => {
                "{\"issues\": [{\"key\", \"fields\": {\"created\", \"status\": {\"name\"}, \"issuetype\": {\"name\"}}, \"changelog\": {\"histories\": [{\"created\", \"items\": [{\"field\": \"status\", \"fromString\", \"toString\"}]}]}}]}"
            }
            Preset::JiraAgileMetrics => {
                "ID, Link, Name, <one date column per stage>, Type, Status, Resolution, <attributes>"
            }
            Preset::ActionableAgile => "ID, Link, Name, <one date column per stage>, <attributes>",
            Preset::Linear => {
                "ID, Team, Title, …, Status, …, Created, Updated, Started, Triaged, Completed, Canceled, … (dates like Mon Sep 01 2025 09:00:00 GMT+0000 (…))"
            }
            Preset::Gitlab => {
                "Title, Issue ID, URL, State, …, Created At (UTC), Updated At (UTC), Closed At (UTC), Milestone, Labels, …"
            }
            Preset::AzureDevops => {
                "ID, Work Item Type, Title, State, Created Date, Activated Date, Resolved Date, Closed Date, … (dates like 3/1/2025 9:00:00 AM)"
            }
            Preset::Pm4py => {
                "case:concept:name, concept:name, time:timestamp [, lifecycle:transition | start_timestamp] [, attributes]"
            }
            Preset::Xes => {
                "<log><trace><string key=\"concept:name\"/><event><string key=\"concept:name\"/><date key=\"time:timestamp\"/></event></trace></log> (XES, optionally gzipped)"
            }
        }
    }

    /// How the tool exports it, in a sentence.
    pub fn how_to_export(self) -> &'static str {
        match self {
            Preset::JiraJson => {
                "save GET /rest/api/2/search?jql=<query>&expand=changelog (each page to a file in one folder for large searches)"
            }
            Preset::JiraAgileMetrics => {
                "set `cycle_time_data: cycletime.csv` in the jira-agile-metrics configuration"
            }
            Preset::ActionableAgile => {
                "the CSV you load into ActionableAgile Analytics (or its data export)"
            }
            Preset::Linear => "Settings → Import / Export → Export CSV",
            Preset::Gitlab => "the issue list → Export as CSV (sent by email)",
            Preset::AzureDevops => {
                "a work-item query with the date columns → Export → Export to CSV"
            }
            Preset::Pm4py => "pm4py.write_csv(log), or any event table with PM4Py's column names",
            Preset::Xes => "export the event log as XES from ProM, Disco, Celonis, PM4Py …",
        }
    }

    /// The workflow used when the caller gives none, in a sentence (the workflow itself is
    /// [`Workflow::for_preset`](crate::Workflow::for_preset)).
    pub fn default_workflow_note(self) -> &'static str {
        match self {
            Preset::JiraJson | Preset::Pm4py | Preset::Xes => {
                "one stage per status in order of first appearance, kinds guessed from the names (Done, Closed and Resolved are done)"
            }
            Preset::JiraAgileMetrics | Preset::ActionableAgile => {
                "the date columns in order: the first is backlog when there are three or more, the last is done, the others are work (wait when named like a queue)"
            }
            Preset::Linear => {
                "Backlog (Created, Triaged) → In Progress (Started) → Done (Completed); Canceled items are discarded"
            }
            Preset::Gitlab => {
                "Open (Created At) → Closed (Closed At): the export has no status history"
            }
            Preset::AzureDevops => {
                "New (Created) → Active (Activated) → Resolved (waiting) → Closed (done)"
            }
        }
    }

    /// Recognises the format of the file or folder at `path` from its name, its first bytes
    /// or its CSV header.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be read; [`Error::Value`] listing the known formats and
    /// how to map columns by hand if it matches none.
    pub fn detect(path: &Path) -> Result<Detected> {
        let name = path.display().to_string();
        if path.is_dir() {
            return Ok(Detected {
                preset: Preset::JiraJson,
                reason: "a folder: pages of a Jira search".to_owned(),
            });
        }
        let mut head = vec![0u8; 4096];
        let n = File::open(path)
            .and_then(|mut f| read_up_to(&mut f, &mut head))
            .map_err(|source| Error::Io {
                file: Some(name.clone()),
                source,
            })?;
        head.truncate(n);
        if head.starts_with(&[0x1f, 0x8b]) {
            return Ok(Detected {
                preset: Preset::Xes,
                reason: "gzip-compressed (XES.gz)".to_owned(),
            });
        }
        let text = head
            .strip_prefix(b"\xef\xbb\xbf")
            .unwrap_or(&head)
            .trim_ascii_start();
        match text.first() {
            Some(b'<') => {
                return Ok(Detected {
                    preset: Preset::Xes,
                    reason: "an XML document".to_owned(),
                });
            }
            Some(b'{' | b'[') => {
                return Ok(Detected {
                    preset: Preset::JiraJson,
                    reason: "a JSON document".to_owned(),
                });
            }
            None => {
                return Err(Error::Empty {
                    pos: Box::new(Position::file(Some(&name)).at_line(1)),
                    message: "the input is empty".to_owned(),
                });
            }
            _ => {}
        }
        let header = csv_header(text, b',');
        let has = |c: &str| header.iter().any(|h| h.trim().eq_ignore_ascii_case(c));
        let found = if has("case:concept:name") {
            Some((Preset::Pm4py, "a case:concept:name column"))
        } else if has("Created At (UTC)") {
            Some((Preset::Gitlab, "a Created At (UTC) column"))
        } else if has("Created Date")
            && (has("Activated Date") || has("Closed Date") || has("Work Item Type"))
        {
            Some((
                Preset::AzureDevops,
                "Created Date and Activated/Closed Date columns",
            ))
        } else if has("Created") && has("Completed") && has("Canceled") {
            Some((Preset::Linear, "Created, Completed and Canceled columns"))
        } else if header.len() >= 3
            && header[0].trim().eq_ignore_ascii_case("ID")
            && header[1].trim().eq_ignore_ascii_case("Link")
            && header[2].trim().eq_ignore_ascii_case("Name")
        {
            if jam_type_index(&header).is_some() {
                Some((
                    Preset::JiraAgileMetrics,
                    "ID, Link, Name, stages, then Type, Status, Resolution",
                ))
            } else {
                Some((
                    Preset::ActionableAgile,
                    "ID, Link, Name, then stage columns",
                ))
            }
        } else {
            None
        };
        match found {
            Some((preset, why)) => Ok(Detected {
                preset,
                reason: why.to_owned(),
            }),
            None => Err(Error::Value {
                pos: Box::new(Position::file(Some(&name)).at_line(1)),
                message: format!(
                    "cannot tell the format of this file from its header ({}); {}{}, or map the columns by hand: --format long --id COL --state COL --time COL (or --format wide / intervals)",
                    header
                        .iter()
                        .take(12)
                        .map(|h| format!("{h:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if has("deployed_at") {
                        "it looks like the deployments of DORA metrics, which `dora_metrics` (valuestream dora) reads; "
                    } else if has("opened_at") && has("resolved_at") {
                        "it looks like the incidents of DORA metrics, which `dora_metrics` (valuestream dora --incidents) reads; "
                    } else {
                        ""
                    },
                    known_formats()
                ),
            }),
        }
    }

    /// Reads the export at `path`.
    ///
    /// # Errors
    ///
    /// As the readers: [`Error::Io`], [`Error::Csv`], [`Error::MissingColumn`],
    /// [`Error::Value`], [`Error::Empty`]; [`Error::InvalidArgument`] for `xes` when the
    /// crate was built without the feature `xes`.
    pub fn read(self, path: &Path, opts: &ImportOptions) -> Result<EventLog> {
        match self {
            Preset::JiraJson => super::jira::read(path, opts),
            Preset::JiraAgileMetrics | Preset::ActionableAgile => read_wide_tool(self, path, opts),
            Preset::Linear => read_linear(path, opts),
            Preset::Gitlab => read_gitlab(path, opts),
            Preset::AzureDevops => read_azure(path, opts),
            Preset::Pm4py => read_pm4py(path, opts),
            Preset::Xes => {
                #[cfg(feature = "xes")]
                {
                    super::xes::read(path, opts)
                }
                #[cfg(not(feature = "xes"))]
                {
                    let _ = (path, opts);
                    Err(Error::InvalidArgument(
                        "reading XES needs the crate feature `xes`".to_owned(),
                    ))
                }
            }
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

fn known_formats() -> String {
    format!(
        "the formats are {}, and long, wide, intervals",
        Preset::ALL
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A preset recognised by [`Preset::detect`], with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The preset.
    pub preset: Preset,
    /// What gave it away, for the message that says which format was chosen.
    pub reason: String,
}

/// Options of [`Preset::read`]: what a preset cannot know about your export.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub(crate) name: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) offset: FixedOffset,
    pub(crate) time_format: Option<TimeFormat>,
    pub(crate) bad_rows: BadRows,
    pub(crate) attributes: Vec<String>,
    pub(crate) threads: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            name: None,
            state: None,
            offset: FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()),
            time_format: None,
            bad_rows: BadRows::Error,
            attributes: Vec::new(),
            threads: 1,
        }
    }
}

impl ImportOptions {
    /// The defaults: UTC, strict, the preset's own state attribute and date forms.
    pub fn new() -> ImportOptions {
        ImportOptions::default()
    }

    /// The name shown for the input in errors and the ledger (default: the path).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// For `pm4py` and `xes`: the attribute or column used as state (default
    /// `concept:name`; the BPI Challenge logs use `lifecycle:transition`).
    pub fn state(mut self, attribute: impl Into<String>) -> Self {
        self.state = Some(attribute.into());
        self
    }

    /// The offset of timestamps written without one (default UTC).
    pub fn offset(mut self, offset: FixedOffset) -> Self {
        self.offset = offset;
        self
    }

    /// Overrides the preset's date form (for an export in another locale).
    pub fn time_format(mut self, format: TimeFormat) -> Self {
        self.time_format = Some(format);
        self
    }

    /// What to do with unusable rows (default: an error).
    pub fn bad_rows(mut self, policy: BadRows) -> Self {
        self.bad_rows = policy;
        self
    }

    /// Keeps this column (or XES attribute) as an item attribute, beyond those the preset
    /// keeps.
    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.attributes.push(name.into());
        self
    }

    /// The threads that read a large CSV export of the long layout (pm4py), as
    /// [`super::LogReaderBuilder::threads`] (default 1; 0 for as many as the machine offers).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The names of the first CSV record of `text`.
fn csv_header(text: &[u8], delimiter: u8) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text);
    let mut rec = ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

fn read_header(path: &Path, name: &str) -> Result<Vec<String>> {
    let mut head = vec![0u8; 64 * 1024];
    let n = File::open(path)
        .and_then(|mut f| read_up_to(&mut f, &mut head))
        .map_err(|source| Error::Io {
            file: Some(name.to_owned()),
            source,
        })?;
    head.truncate(n);
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
    Ok(csv_header(text, b','))
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

fn display_name(path: &Path, opts: &ImportOptions) -> String {
    opts.name
        .clone()
        .unwrap_or_else(|| path.display().to_string())
}

fn reader_for(path: &Path, opts: &ImportOptions) -> super::LogReaderBuilder {
    let mut b = LogReader::builder()
        .name(display_name(path, opts))
        .offset(opts.offset)
        .bad_rows(opts.bad_rows)
        .threads(opts.threads);
    if let Some(f) = &opts.time_format {
        b = b.time_format(f.clone());
    }
    b
}

/// The columns of `header` that are not stages and not `skip`, plus the caller's.
fn attribute_columns(header: &[String], exclude: &[&str], opts: &ImportOptions) -> Vec<String> {
    let mut out: Vec<String> = header
        .iter()
        .filter(|h| !h.is_empty() && !exclude.iter().any(|e| e.eq_ignore_ascii_case(h)))
        .cloned()
        .collect();
    for a in &opts.attributes {
        if !out.contains(a) {
            out.push(a.clone());
        }
    }
    out
}

/// The stage columns of an ActionableAgile file: the longest run of columns after `Name`
/// whose values, in the first 200 rows, are all empty or dates.
fn sniff_date_columns(
    path: &Path,
    name: &str,
    header: &[String],
    opts: &ImportOptions,
) -> Result<Vec<usize>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::Csv {
            pos: Box::new(Position::file(Some(name))),
            source: e,
        })?;
    let first = 3.min(header.len());
    let mut is_date = vec![true; header.len()];
    let mut parsers: Vec<TimeParser> = header
        .iter()
        .map(|_| TimeParser::new(opts.time_format.clone().unwrap_or_default(), opts.offset))
        .collect();
    let mut rec = ByteRecord::new();
    let mut rows = 0;
    while rows < 200 && rdr.read_byte_record(&mut rec).unwrap_or(false) {
        rows += 1;
        for (c, field) in rec.iter().enumerate().skip(first) {
            let v = field.trim_ascii();
            if c < is_date.len() && !v.is_empty() && parsers[c].parse(v).is_err() {
                is_date[c] = false;
            }
        }
    }
    Ok((first..header.len()).take_while(|&c| is_date[c]).collect())
}

/// jira-agile-metrics and ActionableAgile: wide files whose stage columns follow `Name`.
fn read_wide_tool(preset: Preset, path: &Path, opts: &ImportOptions) -> Result<EventLog> {
    let name = display_name(path, opts);
    let header = read_header(path, &name)?;
    let stage_idx: Vec<usize> = match (preset, jam_type_index(&header)) {
        (Preset::JiraAgileMetrics, Some(t)) => (3..t).collect(),
        _ => sniff_date_columns(path, &name, &header, opts)?,
    };
    if stage_idx.is_empty() {
        return Err(Error::Value {
            pos: Box::new(Position::file(Some(&name)).at_line(1)),
            message: format!(
                "no date columns after ID, Link, Name: the {} format has one date column per stage",
                preset.name()
            ),
        });
    }
    let stages: Vec<String> = stage_idx.iter().map(|&i| header[i].clone()).collect();
    let mut exclude: Vec<&str> = vec!["ID", "Link", "Name"];
    exclude.extend(stages.iter().map(String::as_str));
    let attrs = attribute_columns(&header, &exclude, opts);
    let mut b = reader_for(path, opts)
        .format(Format::Wide)
        .id_column("ID")
        .stage_columns(stages.clone());
    for a in attrs {
        b = b.attribute(a);
    }
    b.build().read_path(path)
}

/// Columns of `wanted` present in `header`, in `wanted`'s order.
fn present<'a>(header: &[String], wanted: &[&'a str]) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|w| header.iter().any(|h| h.eq_ignore_ascii_case(w)))
        .collect()
}

fn require(header: &[String], name: &str, columns: &[&str]) -> Result<()> {
    for c in columns {
        if !header.iter().any(|h| h.eq_ignore_ascii_case(c)) {
            return Err(Error::MissingColumn {
                pos: Box::new(Position::file(Some(name)).at_line(1)),
                column: (*c).to_owned(),
                found: header.to_vec(),
            });
        }
    }
    Ok(())
}

fn read_linear(path: &Path, opts: &ImportOptions) -> Result<EventLog> {
    let name = display_name(path, opts);
    let header = read_header(path, &name)?;
    require(&header, &name, &["ID", "Created"])?;
    let stages = present(
        &header,
        &["Created", "Triaged", "Started", "Completed", "Canceled"],
    );
    let mut b = reader_for(path, opts)
        .format(Format::Wide)
        .id_column("ID")
        .stage_columns(stages.iter().copied());
    for a in present(
        &header,
        &["Team", "Status", "Priority", "Labels", "Project"],
    )
    .into_iter()
    .map(str::to_owned)
    .chain(opts.attributes.iter().cloned())
    {
        b = b.attribute(a);
    }
    let mut log = b.build().read_path(path)?;
    // A canceled item is discarded: it keeps its creation and its cancellation only, so
    // that it is done without commitment (counted, in no time metric).
    log.keep_only_for_items_with("Canceled", &["Created", "Triaged", "Canceled"]);
    Ok(log)
}

fn read_gitlab(path: &Path, opts: &ImportOptions) -> Result<EventLog> {
    let name = display_name(path, opts);
    let header = read_header(path, &name)?;
    let id = if present(&header, &["Issue ID"]).is_empty() {
        "IID"
    } else {
        "Issue ID"
    };
    require(&header, &name, &[id, "Created At (UTC)"])?;
    let stages = present(&header, &["Created At (UTC)", "Closed At (UTC)"]);
    let mut b = reader_for(path, opts)
        .format(Format::Wide)
        .id_column(id)
        .stage_columns(stages.iter().copied());
    for a in present(
        &header,
        &["State", "Labels", "Milestone", "Author", "Assignee"],
    )
    .into_iter()
    .map(str::to_owned)
    .chain(opts.attributes.iter().cloned())
    {
        b = b.attribute(a);
    }
    b.build().read_path(path)
}

fn read_azure(path: &Path, opts: &ImportOptions) -> Result<EventLog> {
    let name = display_name(path, opts);
    let header = read_header(path, &name)?;
    require(&header, &name, &["ID", "Created Date"])?;
    let stages = present(
        &header,
        &[
            "Created Date",
            "Activated Date",
            "Resolved Date",
            "Closed Date",
        ],
    );
    let mut b = reader_for(path, opts)
        .format(Format::Wide)
        .id_column("ID")
        .stage_columns(stages.iter().copied());
    if opts.time_format.is_none() {
        // Azure DevOps writes dates in the user's locale; the default is US English.
        b = b.time_format(TimeFormat::Pattern("%m/%d/%Y %I:%M:%S %p".to_owned()));
    }
    for a in present(
        &header,
        &[
            "Work Item Type",
            "State",
            "Area Path",
            "Iteration Path",
            "Tags",
        ],
    )
    .into_iter()
    .map(str::to_owned)
    .chain(opts.attributes.iter().cloned())
    {
        b = b.attribute(a);
    }
    b.build().read_path(path)
}

const CASE: &str = "case:concept:name";
const ACTIVITY: &str = "concept:name";
const TIMESTAMP: &str = "time:timestamp";
const LIFECYCLE: &str = "lifecycle:transition";

fn read_pm4py(path: &Path, opts: &ImportOptions) -> Result<EventLog> {
    let name = display_name(path, opts);
    let header = read_header(path, &name)?;
    let state = opts.state.clone().unwrap_or_else(|| ACTIVITY.to_owned());
    let has = |c: &str| header.iter().any(|h| h == c);
    let mut b = reader_for(path, opts)
        .id_column(CASE)
        .state_column(&state)
        .time_column(TIMESTAMP);
    for a in &opts.attributes {
        b = b.attribute(a);
    }
    if has("start_timestamp") {
        return b
            .format(Format::Intervals)
            .time_column("start_timestamp")
            .end_column(TIMESTAMP)
            .build()
            .read_path(path);
    }
    if has(LIFECYCLE) && state == ACTIVITY && lifecycle_is_start_complete(path, &name)? {
        return read_lifecycle(path, &name, opts);
    }
    b.format(Format::Long).build().read_path(path)
}

/// Whether the first 200 values of `lifecycle:transition` are start/complete transitions
/// (the standard lifecycle) rather than statuses (as in the BPI Challenge 2013 logs).
fn lifecycle_is_start_complete(path: &Path, name: &str) -> Result<bool> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| Error::Csv {
        pos: Box::new(Position::file(Some(name))),
        source: e,
    })?;
    let Some(col) = rdr
        .byte_headers()
        .ok()
        .and_then(|h| h.iter().position(|c| c == LIFECYCLE.as_bytes()))
    else {
        return Ok(false);
    };
    let mut rec = ByteRecord::new();
    let mut seen = 0;
    while seen < 200 && rdr.read_byte_record(&mut rec).unwrap_or(false) {
        let v = rec
            .get(col)
            .unwrap_or(b"")
            .trim_ascii()
            .to_ascii_lowercase();
        if !matches!(
            v.as_slice(),
            b"start"
                | b"complete"
                | b"schedule"
                | b"assign"
                | b"suspend"
                | b"resume"
                | b"ate_abort"
                | b"pi_abort"
                | b"withdraw"
                | b"autoskip"
                | b"manualskip"
                | b"reassign"
        ) {
            return Ok(false);
        }
        seen += 1;
    }
    Ok(seen > 0)
}

/// A start/complete log: each `start` opens an interval of its case and activity, the next
/// `complete` of the same pair closes it (a `complete` without a `start` is an instant of
/// work). Other transitions are reported as rejected rows.
fn read_lifecycle(path: &Path, name: &str, opts: &ImportOptions) -> Result<EventLog> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_path(path)
        .map_err(|e| Error::Csv {
            pos: Box::new(Position::file(Some(name))),
            source: e,
        })?;
    let csv_err = |e: csv::Error| {
        let mut pos = Position::file(Some(name));
        if let Some(p) = e.position() {
            pos = pos.at_line(p.line());
        }
        Error::Csv {
            pos: Box::new(pos),
            source: e,
        }
    };
    let mut rec = ByteRecord::new();
    rdr.read_byte_record(&mut rec).map_err(csv_err)?;
    let lf = super::reader::ends_with_lf(&rec, rdr.position());
    let header: Vec<String> = rec
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let col = |c: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| h == c)
            .ok_or_else(|| Error::MissingColumn {
                pos: Box::new(Position::file(Some(name)).at_line(1)),
                column: c.to_owned(),
                found: header.clone(),
            })
    };
    let (cc, ac, lc, tc) = (col(CASE)?, col(ACTIVITY)?, col(LIFECYCLE)?, col(TIMESTAMP)?);
    let mut b = EventLogBuilder::new().source(name.to_owned());
    let mut tp = TimeParser::new(opts.time_format.clone().unwrap_or_default(), opts.offset);
    let mut rows: Vec<Interval> = Vec::new();
    let mut open: std::collections::HashMap<(u32, u32), Vec<usize>> = Default::default();
    let mut rejected: Vec<RejectedRow> = Vec::new();
    while rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        b.stats.rows += 1;
        let line = super::reader::record_line(&rec, rdr.position(), lf);
        let field = |c: usize| rec.get(c).unwrap_or(b"").trim_ascii();
        let mut bad = |column: &str, value: &[u8], reason: String| -> Result<()> {
            let pos = Position::file(Some(name))
                .at_line(line)
                .in_column(column)
                .with_value(value);
            match opts.bad_rows {
                BadRows::Error => Err(Error::value(pos, reason)),
                _ => {
                    rejected.push(RejectedRow {
                        line,
                        column: pos.column,
                        value: pos.value,
                        reason,
                    });
                    Ok(())
                }
            }
        };
        if rec.len() != header.len() {
            bad(
                CASE,
                b"",
                format!(
                    "the row has {} fields but the header has {}",
                    rec.len(),
                    header.len()
                ),
            )?;
            continue;
        }
        let (case, act) = (field(cc), field(ac));
        if case.is_empty() || act.is_empty() {
            bad(
                CASE,
                case,
                "expected a case and an activity, found an empty cell".to_owned(),
            )?;
            continue;
        }
        let t = match tp.parse(field(tc)) {
            Ok(t) => t,
            Err(m) => {
                bad(TIMESTAMP, field(tc), m)?;
                continue;
            }
        };
        let (Some(item), Some(state)) = (b.item_index(case), b.state_index(act)) else {
            bad(
                CASE,
                case,
                "the case or activity is not valid UTF-8".to_owned(),
            )?;
            continue;
        };
        match field(lc).to_ascii_lowercase().as_slice() {
            b"start" => {
                open.entry((item, state)).or_default().push(rows.len());
                rows.push(Interval {
                    item,
                    state,
                    start: t,
                    end: None,
                    line,
                });
            }
            b"complete" => match open.get_mut(&(item, state)).and_then(Vec::pop) {
                Some(i) => rows[i].end = Some(t.max(rows[i].start)),
                None => rows.push(Interval {
                    item,
                    state,
                    start: t,
                    end: Some(t),
                    line,
                }),
            },
            other => {
                // Not an error in any policy: the row is reported, not silently dropped.
                rejected.push(RejectedRow {
                    line,
                    column: Some(LIFECYCLE.to_owned()),
                    value: Some(String::from_utf8_lossy(other).into_owned()),
                    reason: "only start and complete transitions are read".to_owned(),
                });
            }
        }
    }
    if b.stats.rows == 0 {
        return Err(Error::Empty {
            pos: Box::new(Position::file(Some(name)).at_line(2)),
            message: "no data rows after the header".to_owned(),
        });
    }
    emit_intervals(&mut b, rows, " queue", "Done");
    b.stats.rejected = rejected;
    Ok(b.build())
}
