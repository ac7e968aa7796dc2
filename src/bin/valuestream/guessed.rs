//! Never guess silently: when the workflow was not given, `report` and `check` say where
//! it came from, print it as TOML to save and edit, and warn when it looks degenerate.

use valuestream::{Preset, Report, Workflow, WorkflowWarning};

/// Where the workflow a log was read through came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkflowSource {
    /// Given with `--workflow`.
    Given,
    /// The default of the log's preset ([`Workflow::for_preset`]).
    Preset(Preset),
    /// Guessed from the log's states ([`Workflow::infer`]).
    Inferred,
}

impl WorkflowSource {
    /// Whether the workflow was given with `--workflow`.
    pub fn is_given(self) -> bool {
        self == WorkflowSource::Given
    }

    /// Its name in JSON: `given`, `preset` or `inferred`.
    fn name(self) -> &'static str {
        match self {
            WorkflowSource::Given => "given",
            WorkflowSource::Preset(_) => "preset",
            WorkflowSource::Inferred => "inferred",
        }
    }
}

/// JSON: `"workflow": {"source", "preset", "toml", "inferred": [sentences], "warnings":
/// [{"kind", "message"}]}`, only when the workflow was not given (`inferred`, what was
/// inferred from a process-mining log and why, only when it was).
#[derive(Debug, serde::Serialize)]
pub struct WorkflowUsed {
    source: &'static str,
    /// The preset whose default it is (`source` "preset").
    #[serde(skip_serializing_if = "Option::is_none")]
    preset: Option<&'static str>,
    toml: String,
    /// What was inferred from the log and why ([`Workflow::inference`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inferred: Vec<String>,
    warnings: Vec<WorkflowWarning>,
}

impl WorkflowUsed {
    /// What to say of `workflow` from `source` (`None` when it was given), with the
    /// warnings of `report` (measured through it), if there is one.
    pub fn of(
        source: WorkflowSource,
        workflow: &Workflow,
        report: Option<&Report>,
    ) -> Option<WorkflowUsed> {
        let preset = match source {
            WorkflowSource::Given => return None,
            WorkflowSource::Preset(p) => Some(p.name()),
            WorkflowSource::Inferred => None,
        };
        Some(WorkflowUsed {
            source: source.name(),
            preset,
            toml: workflow.to_toml(),
            inferred: workflow.inference().to_vec(),
            warnings: report.map_or_else(Vec::new, |r| r.workflow_warnings(workflow)),
        })
    }

    /// Where the workflow came from, in words: "inferred from the log's states", "the
    /// default of the jira format".
    pub fn origin(&self) -> String {
        match self.preset {
            Some(p) if !self.inferred.is_empty() => {
                format!("inferred from the log, the default of the {p} format")
            }
            Some(p) => format!("the default of the {p} format"),
            None => "inferred from the log's states".to_owned(),
        }
    }

    /// The text after the report: the warnings, then the workflow as TOML under a line
    /// saying where it came from (the TOML last, so that everything after that line is the
    /// file).
    pub fn text(&self) -> String {
        let mut s = String::new();
        if !self.warnings.is_empty() {
            s.push_str("\nThe workflow was not given, and it does not look like the work:\n");
            for w in &self.warnings {
                s.push_str(&format!("  ! {}\n", w.message));
            }
            s.push_str(
                "  Give a workflow with --workflow FILE: save the one printed below and mark the waiting states kind = \"wait\".\n",
            );
        }
        if !self.inferred.is_empty() {
            s.push_str("\nHow the workflow was inferred from the log:\n");
            for r in &self.inferred {
                s.push_str(&format!("  - {r}\n"));
            }
        }
        s.push_str(&format!(
            "\nWorkflow used ({}; save it as workflow.toml and edit it):\n",
            self.origin()
        ));
        s.push_str(&self.toml);
        s
    }
}
