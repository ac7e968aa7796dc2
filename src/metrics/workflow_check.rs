//! Whether the workflow a report was measured through looks degenerate: the signs that a
//! guessed or default workflow does not describe the work (every stage active, flow
//! efficiency of 100%, nothing done, nothing committed, too many stages of work).

use serde::Serialize;

use super::Report;
use crate::stats::plural;
use crate::workflow::{StageKind, Workflow};

/// More active stages than this is a sign that every status became a stage of work.
pub const MAX_ACTIVE_STAGES: usize = 12;

/// Flow efficiency at or above this is shown as 100%.
const FULL_EFFICIENCY: f64 = 0.9995;

/// What sign of a degenerate workflow a report shows.
///
/// JSON: `"no_wait_stage"`, `"full_flow_efficiency"`, `"nothing_done"`,
/// `"nothing_committed"` or `"many_active_stages"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WorkflowWarningKind {
    /// Every stage of work is active and none is a wait: flow efficiency is 100% by
    /// construction, and waiting is counted as work.
    NoWaitStage,
    /// The workflow has wait stages, yet the items done spent no time in them.
    FullFlowEfficiency,
    /// Items were measured, and none reached a done stage.
    NothingDone,
    /// Items were measured, and none entered the commitment stage or a later one.
    NothingCommitted,
    /// More than [`MAX_ACTIVE_STAGES`] active stages.
    ManyActiveStages,
}

/// One sign that a workflow does not describe the work, in a sentence with the figures and
/// what to change.
///
/// JSON: `{kind, message}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WorkflowWarning {
    /// What sign.
    pub kind: WorkflowWarningKind,
    /// The sign with its figures and what to change, in plain words.
    pub message: String,
}

impl WorkflowWarning {
    fn new(kind: WorkflowWarningKind, message: String) -> WorkflowWarning {
        WorkflowWarning { kind, message }
    }
}

impl Report {
    /// The signs that `workflow`, the one this report was measured through, does not
    /// describe the work, each a [`WorkflowWarning`]; empty when none shows. Meant for a
    /// workflow that was guessed from status names ([`Workflow::infer`]) or a preset's
    /// default ([`Workflow::for_preset`]), which nobody checked against the work:
    ///
    /// - no stage of work (after the commitment stage, not done) is `wait`: flow
    ///   efficiency is then 100% by construction;
    /// - there are wait stages, and flow efficiency is still 100% (shown rounded);
    /// - items were measured and none reached a done stage in the window;
    /// - items were measured and none was committed (entered the commitment stage or a
    ///   later one);
    /// - more than [`MAX_ACTIVE_STAGES`] stages are active (every status became a stage of
    ///   work).
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{LogReader, MetricsOptions, Report, Timelines, Workflow, WorkflowWarningKind};
    ///
    /// let csv = "id,state,timestamp\nA,Build,2024-03-01\nA,Review,2024-03-02\nA,Done,2024-03-04\n";
    /// let log = LogReader::builder().build().read(csv.as_bytes())?;
    /// let wf = Workflow::infer(log.states())?;
    /// let report = Report::new(&Timelines::new(&log, &wf)?, &MetricsOptions::new())?;
    /// let warnings = report.workflow_warnings(&wf);
    /// assert_eq!(warnings[0].kind, WorkflowWarningKind::NoWaitStage);
    /// assert!(warnings[0].message.contains("flow efficiency is 100% by construction"));
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    pub fn workflow_warnings(&self, workflow: &Workflow) -> Vec<WorkflowWarning> {
        use WorkflowWarningKind as K;
        let mut out = Vec::new();
        let work: Vec<StageKind> = workflow.stages()[workflow.commitment()..]
            .iter()
            .map(|s| s.kind)
            .filter(|k| *k != StageKind::Done)
            .collect();
        let active = workflow
            .stages()
            .iter()
            .filter(|s| s.kind == StageKind::Active)
            .count();
        if !work.contains(&StageKind::Wait) {
            out.push(WorkflowWarning::new(
                K::NoWaitStage,
                format!(
                    "{}, so flow efficiency is 100% by construction and time spent waiting is counted as work; mark the stages where items wait kind = \"wait\"",
                    if work.len() == 1 {
                        "the only stage of work is active".to_owned()
                    } else {
                        format!(
                            "every one of the {} stages of work is active and none is a wait",
                            work.len()
                        )
                    }
                ),
            ));
        } else if self.flow_efficiency.is_some_and(|e| e >= FULL_EFFICIENCY) {
            out.push(WorkflowWarning::new(
                K::FullFlowEfficiency,
                format!(
                    "flow efficiency is 100%: the {} done spent no time in the wait stages, so the states where items wait are probably mapped to active stages; map them to a stage of kind = \"wait\"",
                    plural(self.items.done, "item", "items")
                ),
            ));
        }
        self.committed_warnings(workflow, &mut out);
        if active > MAX_ACTIVE_STAGES {
            out.push(WorkflowWarning::new(
                K::ManyActiveStages,
                format!(
                    "{active} stages are active (more than {MAX_ACTIVE_STAGES}): every status seems to have become a stage of work, so the bottleneck named among them means little; group the statuses into a few stages, with the waiting ones of kind = \"wait\""
                ),
            ));
        }
        out
    }

    /// The warnings of nothing done and nothing committed.
    fn committed_warnings(&self, workflow: &Workflow, out: &mut Vec<WorkflowWarning>) {
        let i = &self.items;
        if i.total == 0 {
            return;
        }
        let total = plural(i.total, "item", "items");
        if i.done + i.in_progress == 0 {
            out.push(WorkflowWarning::new(
                WorkflowWarningKind::NothingCommitted,
                format!(
                    "none of the {total} was committed (entered {:?} or a later stage), so there is no work in progress nor cycle time; make the first stage where work starts the commitment stage (`commitment = \"…\"`) and the earlier ones kind = \"backlog\"",
                    workflow.commitment_stage().name
                ),
            ));
        }
        if i.done + i.discarded == 0 {
            let done: Vec<String> = workflow
                .stages()
                .iter()
                .filter(|s| s.kind == StageKind::Done)
                .map(|s| format!("{:?}", s.name))
                .collect();
            out.push(WorkflowWarning::new(
                WorkflowWarningKind::NothingDone,
                format!(
                    "none of the {total} reached a done stage ({}), so there is no lead time, cycle time nor throughput; map the statuses that finish an item to a stage of kind = \"done\"",
                    done.join(", ")
                ),
            ));
        }
    }
}
