//! The workflows that the presets read their exports through when the caller gives none
//! (each described in a sentence by [`Preset::default_workflow_note`]).

use super::infer::guess_kind;
use super::{Stage, StageKind, Workflow};
use crate::error::Result;
use crate::log::{EventLog, Preset};

impl Workflow {
    /// The workflow that `preset` reads `log` through when the caller gives none, as
    /// [`Preset::default_workflow_note`] says: for Jira, one guessed from the status names
    /// ([`Workflow::infer`]); for process-mining CSV and XES, one inferred from the log
    /// itself ([`Workflow::infer_from_log`]: end activities done, stages by their typical
    /// position in the traces); for Jira's plain CSV export, Open
    /// (Created) → Resolved, its discarded issues from a backlog to a Discarded done stage; for the wide exports of
    /// jira-agile-metrics and ActionableAgile, their date columns in order; for Linear,
    /// GitLab and Azure DevOps, a fixed one over the date columns of their exports.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{LogReader, Preset, StageKind, Workflow};
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/exports/azure-devops.csv");
    /// let log = LogReader::builder()
    ///     .preset(Preset::AzureDevops)
    ///     .build()
    ///     .read_path(path)?;
    /// let wf = Workflow::for_preset(Preset::AzureDevops, &log)?;
    /// let kinds: Vec<StageKind> = wf.stages().iter().map(|s| s.kind).collect();
    /// use StageKind::*;
    /// assert_eq!(kinds, [Backlog, Active, Wait, Done]);
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Workflow`](crate::Error::Workflow) when none can be made, such as when no
    /// status looks done.
    pub fn for_preset(preset: Preset, log: &EventLog) -> Result<Workflow> {
        match preset {
            Preset::JiraAgileMetrics | Preset::ActionableAgile => {
                Workflow::new(date_columns(&log.states().collect::<Vec<_>>()), None)
            }
            Preset::Linear => Workflow::new(
                vec![
                    Stage::new("Backlog", StageKind::Backlog).with_states(["Created", "Triaged"]),
                    Stage::new("In Progress", StageKind::Active).with_states(["Started"]),
                    Stage::new("Done", StageKind::Done).with_states(["Completed"]),
                    Stage::new("Canceled", StageKind::Done),
                ],
                None,
            ),
            Preset::JiraCsv => Workflow::new(
                vec![
                    Stage::new("Backlog", StageKind::Backlog).with_states(["Created (discarded)"]),
                    Stage::new("Discarded", StageKind::Done),
                    Stage::new("Open", StageKind::Active).with_states(["Created"]),
                    Stage::new("Resolved", StageKind::Done).with_states(["Resolved"]),
                ],
                None,
            ),
            Preset::Gitlab => Workflow::new(
                vec![
                    Stage::new("Open", StageKind::Active).with_states(["Created At (UTC)"]),
                    Stage::new("Closed", StageKind::Done).with_states(["Closed At (UTC)"]),
                ],
                None,
            ),
            Preset::AzureDevops => Workflow::new(
                vec![
                    Stage::new("New", StageKind::Backlog).with_states(["Created Date"]),
                    Stage::new("Active", StageKind::Active).with_states(["Activated Date"]),
                    Stage::new("Resolved", StageKind::Wait).with_states(["Resolved Date"]),
                    Stage::new("Closed", StageKind::Done).with_states(["Closed Date"]),
                ],
                None,
            ),
            Preset::JiraJson => Workflow::infer(log.states()),
            Preset::Pm4py | Preset::Xes => Workflow::infer_from_log(log),
        }
    }
}

/// One stage per date column of a wide export (the wide reader interns the stage columns
/// first, in order): the first is backlog when there are three or more, the last is done,
/// the others are work (wait when named like a queue).
fn date_columns(columns: &[&str]) -> Vec<Stage> {
    let n = columns.len();
    columns
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let kind = if i + 1 == n {
                StageKind::Done
            } else if i == 0 && n >= 3 {
                StageKind::Backlog
            } else {
                match guess_kind(s, true) {
                    StageKind::Done | StageKind::Wait => StageKind::Wait,
                    _ => StageKind::Active,
                }
            };
            Stage::new(*s, kind)
        })
        .collect()
}
