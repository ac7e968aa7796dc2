//! The workflow: ordered stages, their kinds, the tool statuses each maps, and the
//! commitment point.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, read_text};

mod classes;
mod defaults;
mod infer;
mod mine;

pub use classes::{ClassMap, ClassSpec, Sle};

/// What an item in a stage is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StageKind {
    /// Before commitment: an option, not work in progress.
    Backlog,
    /// Waiting in a queue: committed, but nobody works on it.
    Wait,
    /// Being worked on by a server (a person, a team, a machine).
    Active,
    /// Finished (terminal).
    Done,
}

impl StageKind {
    /// The lowercase name used in workflow files.
    pub fn name(self) -> &'static str {
        match self {
            StageKind::Backlog => "backlog",
            StageKind::Wait => "wait",
            StageKind::Active => "active",
            StageKind::Done => "done",
        }
    }
}

impl fmt::Display for StageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// One stage of a workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Stage {
    /// The stage's name (unique in the workflow).
    pub name: String,
    /// What an item in it is doing.
    pub kind: StageKind,
    /// The tool statuses that map to this stage; empty means `[name]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<String>,
    /// How many items the stage can work on at once (people, runners), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<u32>,
    /// Whether an item in this stage is blocked (an "Impediment" or "On hold" column):
    /// its time there is blocked time, counted as waiting in flow efficiency.
    #[serde(default, skip_serializing_if = "is_false")]
    pub blocked: bool,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(b: &bool) -> bool {
    !*b
}

impl Stage {
    /// A stage that maps the status of its own name.
    pub fn new(name: impl Into<String>, kind: StageKind) -> Stage {
        Stage {
            name: name.into(),
            kind,
            states: Vec::new(),
            servers: None,
            blocked: false,
        }
    }

    /// The same stage mapping these statuses (instead of its name).
    pub fn with_states<I, S>(mut self, states: I) -> Stage
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.states = states.into_iter().map(Into::into).collect();
        self
    }

    /// The same stage with a known number of servers.
    pub fn with_servers(mut self, servers: u32) -> Stage {
        self.servers = Some(servers);
        self
    }

    /// The same stage, its time blocked time (see [`Stage::blocked`]).
    pub fn blocking(mut self) -> Stage {
        self.blocked = true;
        self
    }

    /// The statuses this stage maps (its name when none are listed).
    pub fn mapped_states(&self) -> impl Iterator<Item = &str> {
        let own = if self.states.is_empty() {
            Some(self.name.as_str())
        } else {
            None
        };
        self.states.iter().map(String::as_str).chain(own)
    }
}

/// What a move back to a backlog stage does to an item's commitment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BacklogReturn {
    /// The first commitment stands: the item stays work in progress, and its cycle time
    /// runs from its first commitment (DESIGN's definition, the default).
    #[default]
    Keep,
    /// The commitment is undone: the item is not started until it is committed again,
    /// and its cycle time runs from that new commitment.
    Restart,
}

/// From which commitment a reopened item's cycle time runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reopen {
    /// From its first commitment: the time spent done before reopening is in its cycle
    /// time (DESIGN's definition, the default).
    #[default]
    First,
    /// From its latest commitment: the first entry into a committing stage after it was
    /// last reopened (the rework is a new cycle).
    Latest,
}

/// When an item's cycle time starts: a policy of the workflow file's `[cycle_time]` table.
///
/// ```toml
/// [cycle_time]
/// backlog_return = "restart"   # or "keep" (the default)
/// reopen = "latest"            # or "first" (the default)
/// ```
///
/// Done is always the start of the item's trailing run of done visits; the policies move
/// only the commitment. Lead time still runs from the item's first event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CycleTimePolicy {
    /// What a move back to a backlog stage after commitment does.
    #[serde(default)]
    pub backlog_return: BacklogReturn,
    /// From which commitment a reopened item's cycle time runs.
    #[serde(default)]
    pub reopen: Reopen,
}

impl CycleTimePolicy {
    /// A policy: what a move back to the backlog does, and from which commitment a
    /// reopened item's cycle time runs.
    pub fn new(backlog_return: BacklogReturn, reopen: Reopen) -> CycleTimePolicy {
        CycleTimePolicy {
            backlog_return,
            reopen,
        }
    }

    /// Whether it is the default (DESIGN's definition).
    pub fn is_default(&self) -> bool {
        *self == CycleTimePolicy::default()
    }
}

/// The file form: `commitment`, `blocked_states`, `[cycle_time]` and ordered `[[stage]]`
/// tables.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    commitment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    blocked_states: Vec<String>,
    #[serde(default, skip_serializing_if = "CycleTimePolicy::is_default")]
    cycle_time: CycleTimePolicy,
    #[serde(rename = "stage", default)]
    stages: Vec<Stage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    classes: Option<ClassMap>,
}

/// Ordered stages and the commitment point: how a tool's statuses become flow.
///
/// Stages are ordered as declared; the order defines forward and backward moves and the
/// "reached this stage or a later one" lines of the cumulative flow diagram. The commitment
/// stage defaults to the first stage that is not `backlog`.
///
/// # Examples
///
/// In code:
///
/// ```
/// use valuestream::{Stage, StageKind, Workflow};
///
/// let wf = Workflow::new(
///     vec![
///         Stage::new("Backlog", StageKind::Backlog).with_states(["To Do", "Open"]),
///         Stage::new("Dev", StageKind::Active).with_states(["In Progress"]),
///         Stage::new("Ready for Test", StageKind::Wait),
///         Stage::new("Test", StageKind::Active).with_servers(2),
///         Stage::new("Done", StageKind::Done).with_states(["Done", "Closed"]),
///     ],
///     None,
/// )?;
/// assert_eq!(wf.commitment_stage().name, "Dev");
/// assert_eq!(wf.stage_of_state("Closed"), Some(4));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// The same workflow as a file:
///
/// ```toml
/// commitment = "Dev"          # optional
///
/// [[stage]]
/// name = "Backlog"
/// kind = "backlog"
/// states = ["To Do", "Open"]
///
/// [[stage]]
/// name = "Dev"
/// kind = "active"
/// states = ["In Progress"]
///
/// [[stage]]
/// name = "Ready for Test"
/// kind = "wait"
///
/// [[stage]]
/// name = "Test"
/// kind = "active"
/// servers = 2
///
/// [[stage]]
/// name = "Done"
/// kind = "done"
/// states = ["Done", "Closed"]
/// ```
///
/// A workflow file may also declare classes of service, values of an item attribute to
/// classes, each with its service-level expectation (a `[classes]` table; see
/// [`ClassMap`]); [`Workflow::classes`] gives them and [`Workflow::to_toml`] writes them back.
///
/// From that text (or a file, with [`Workflow::from_path`]), stage by stage with
/// [`Workflow::builder`], or the one a preset reads its export through:
///
/// ```
/// use valuestream::{LogReader, Preset, StageKind, Workflow};
///
/// let wf = Workflow::from_toml_str(
///     r#"
/// [[stage]]
/// name = "Dev"
/// kind = "active"
/// states = ["In Progress"]
///
/// [[stage]]
/// name = "Done"
/// kind = "done"
/// "#,
/// )?;
/// assert_eq!(wf.stage_of_state("In Progress"), Some(0));
///
/// let built = Workflow::builder()
///     .stage_with_states("Dev", StageKind::Active, ["In Progress"])
///     .stage("Done", StageKind::Done)
///     .build()?;
/// assert_eq!(built, wf);
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/exports/linear.csv");
/// let log = LogReader::builder().preset(Preset::Linear).build().read_path(path)?;
/// let linear = Workflow::for_preset(Preset::Linear, &log)?;
/// assert_eq!(linear.commitment_stage().name, "In Progress");
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workflow {
    stages: Vec<Stage>,
    commitment: usize,
    by_state: HashMap<String, usize>,
    /// Statuses that block an item where it is (see [`Workflow::blocked_states`]).
    blocked_states: Vec<String>,
    /// When cycle time starts.
    policy: CycleTimePolicy,
    classes: Option<ClassMap>,
    /// How it was inferred from a log, when it was ([`Workflow::infer_from_log`]).
    inferred: Vec<String>,
}

impl Workflow {
    /// A validated workflow; `commitment` names the commitment stage (default: the first
    /// stage that is not `backlog`).
    ///
    /// # Errors
    ///
    /// [`Error::Workflow`] if there are no stages, two stages share a name, two stages map
    /// the same status, no stage is `done`, a stage has 0 servers, the commitment stage is
    /// unknown or is a `backlog` or `done` stage, or a `backlog` stage comes after it.
    pub fn new(stages: Vec<Stage>, commitment: Option<&str>) -> Result<Workflow> {
        Workflow::validated(stages, commitment, None)
    }

    /// A builder that adds stages one by one.
    pub fn builder() -> WorkflowBuilder {
        WorkflowBuilder::default()
    }

    /// Reads a workflow from TOML text.
    ///
    /// # Errors
    ///
    /// [`Error::Toml`] for malformed TOML or unknown keys (with line and column), and as
    /// [`Workflow::new`].
    pub fn from_toml_str(text: &str) -> Result<Workflow> {
        Workflow::parse(text, None)
    }

    /// Reads a workflow file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be read, and as [`Workflow::from_toml_str`] with the path.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Workflow> {
        let (name, text) = read_text(path.as_ref())?;
        Workflow::parse(&text, Some(&name))
    }

    fn parse(text: &str, file: Option<&str>) -> Result<Workflow> {
        let f: WorkflowFile =
            toml::from_str(text).map_err(|source| Error::toml(file, text, source))?;
        let classes = match f.classes {
            Some(c) => Some(
                c.validated()
                    .map_err(|e| Error::workflow(file, e.to_string()))?,
            ),
            None => None,
        };
        let mut wf = Workflow::validated(f.stages, f.commitment.as_deref(), file)?
            .blocked_in(f.blocked_states, file)?
            .with_cycle_time_policy(f.cycle_time);
        wf.classes = classes;
        Ok(wf)
    }

    /// The same workflow with this cycle-time policy ([`CycleTimePolicy`]).
    #[must_use]
    pub fn with_cycle_time_policy(mut self, policy: CycleTimePolicy) -> Workflow {
        self.policy = policy;
        self
    }

    /// When cycle time starts: what a move back to the backlog does, and from which
    /// commitment a reopened item's cycle time runs (both DESIGN's definition unless the
    /// file's `[cycle_time]` table says otherwise).
    pub fn cycle_time_policy(&self) -> CycleTimePolicy {
        self.policy
    }

    /// The same workflow in which these statuses block an item where it is: entering one
    /// leaves the item in its stage and starts a blocked interval, which the next status
    /// change ends (see [`Workflow::blocked_states`]).
    ///
    /// # Errors
    ///
    /// [`Error::Workflow`] if a stage also maps one of them, or one is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{StageKind, Workflow};
    ///
    /// let wf = Workflow::builder()
    ///     .stage("Dev", StageKind::Active)
    ///     .stage("Done", StageKind::Done)
    ///     .build()?
    ///     .with_blocked_states(["Blocked", "On Hold"])?;
    /// assert!(wf.is_blocked_state("On Hold"));
    /// assert_eq!(wf.stage_of_state("Blocked"), None);
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    pub fn with_blocked_states<I, S>(self, states: I) -> Result<Workflow>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.blocked_in(states.into_iter().map(Into::into).collect(), None)
    }

    fn blocked_in(mut self, states: Vec<String>, file: Option<&str>) -> Result<Workflow> {
        for st in &states {
            if st.trim().is_empty() {
                return Err(Error::workflow(file, "blocked_states has an empty status"));
            }
            if let Some(&i) = self.by_state.get(st) {
                return Err(Error::workflow(
                    file,
                    format!(
                        "the status {st:?} is both in blocked_states and mapped by stage {:?}; a blocked status leaves the item in its stage, so no stage maps it (or mark the stage blocked = true)",
                        self.stages[i].name
                    ),
                ));
            }
        }
        self.blocked_states = states;
        Ok(self)
    }

    /// The workflow as a TOML file (which [`Workflow::from_toml_str`] reads back).
    pub fn to_toml(&self) -> String {
        let f = WorkflowFile {
            commitment: Some(self.commitment_stage().name.clone()),
            blocked_states: self.blocked_states.clone(),
            cycle_time: self.policy,
            stages: self.stages.clone(),
            classes: self.classes.clone(),
        };
        toml::to_string(&f).unwrap_or_default()
    }

    fn validated(
        stages: Vec<Stage>,
        commitment: Option<&str>,
        file: Option<&str>,
    ) -> Result<Workflow> {
        let err = |m: String| Error::workflow(file, m);
        if stages.is_empty() {
            return Err(err(
                "it has no stages; declare them as [[stage]] tables with name and kind".into(),
            ));
        }
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        for (i, s) in stages.iter().enumerate() {
            if s.name.trim().is_empty() {
                return Err(err(format!("stage {} has an empty name", i + 1)));
            }
            if let Some(j) = by_name.insert(&s.name, i) {
                return Err(err(format!(
                    "two stages are named {:?} (stages {} and {})",
                    s.name,
                    j + 1,
                    i + 1
                )));
            }
            if s.blocked && s.kind == StageKind::Done {
                return Err(err(format!(
                    "stage {:?} is done and blocked = true; only a stage before done can block an item",
                    s.name
                )));
            }
            if s.servers == Some(0) {
                return Err(err(format!(
                    "stage {:?} has 0 servers; give at least 1 or leave it out",
                    s.name
                )));
            }
        }
        let mut by_state: HashMap<String, usize> = HashMap::new();
        for (i, s) in stages.iter().enumerate() {
            for st in s.mapped_states() {
                if let Some(j) = by_state.insert(st.to_owned(), i)
                    && j != i
                {
                    return Err(err(format!(
                        "the status {st:?} is mapped by two stages, {:?} and {:?}",
                        stages[j].name, s.name
                    )));
                }
            }
        }
        if !stages.iter().any(|s| s.kind == StageKind::Done) {
            return Err(err(
                "no stage is of kind \"done\", so no item could ever finish".into(),
            ));
        }
        let commitment = match commitment {
            Some(name) => {
                let i = *by_name.get(name).ok_or_else(|| {
                    err(format!(
                        "the commitment stage {name:?} is not a stage; the stages are {}",
                        stages
                            .iter()
                            .map(|s| format!("{:?}", s.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
                if matches!(stages[i].kind, StageKind::Backlog | StageKind::Done) {
                    return Err(err(format!(
                        "the commitment stage {name:?} is a {} stage; commitment is the first stage of work in progress",
                        stages[i].kind
                    )));
                }
                i
            }
            None => stages
                .iter()
                .position(|s| !matches!(s.kind, StageKind::Backlog | StageKind::Done))
                .ok_or_else(|| {
                    err(
                        "every stage is backlog or done: there is no stage of work in progress"
                            .into(),
                    )
                })?,
        };
        if let Some(s) = stages[commitment..]
            .iter()
            .find(|s| s.kind == StageKind::Backlog)
        {
            return Err(err(format!(
                "the backlog stage {:?} comes after the commitment stage {:?}; backlog stages come first",
                s.name, stages[commitment].name
            )));
        }
        Ok(Workflow {
            stages,
            commitment,
            by_state,
            blocked_states: Vec::new(),
            policy: CycleTimePolicy::default(),
            classes: None,
            inferred: Vec::new(),
        })
    }

    /// The classes of service the workflow file declares (its `[classes]` table), if any.
    pub fn classes(&self) -> Option<&ClassMap> {
        self.classes.as_ref()
    }

    /// The same workflow with these classes of service (`None`: without).
    pub fn with_classes(mut self, classes: Option<ClassMap>) -> Workflow {
        self.classes = classes;
        self
    }

    /// What was inferred, and why, when the workflow was inferred from a log itself
    /// ([`Workflow::infer_from_log`]): one sentence per decision; empty otherwise.
    pub fn inference(&self) -> &[String] {
        &self.inferred
    }

    /// The stages in order.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The stage at `index`.
    ///
    /// # Panics
    ///
    /// If `index` is out of range.
    pub fn stage(&self, index: usize) -> &Stage {
        &self.stages[index]
    }

    /// The index of the stage named `name`.
    pub fn stage_index(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.name == name)
    }

    /// The index of the stage that maps status `state`.
    pub fn stage_of_state(&self, state: &str) -> Option<usize> {
        self.by_state.get(state).copied()
    }

    /// The statuses that block an item where it is (`blocked_states` in the file): an
    /// item entering one stays in its stage, blocked until its next status change. Tools
    /// that have a "Blocked" or "On Hold" status use it this way; Jira's "Flagged" field
    /// gives blocked intervals without any status.
    pub fn blocked_states(&self) -> &[String] {
        &self.blocked_states
    }

    /// Whether `state` is one of the [`blocked_states`](Workflow::blocked_states).
    pub fn is_blocked_state(&self, state: &str) -> bool {
        self.blocked_states.iter().any(|s| s == state)
    }

    /// Whether the workflow can tell blocked time at all: it lists blocked statuses or
    /// has a blocked stage (flags in the log tell it too).
    pub fn marks_blocked(&self) -> bool {
        !self.blocked_states.is_empty() || self.stages.iter().any(|s| s.blocked)
    }

    /// The index of the commitment stage.
    pub fn commitment(&self) -> usize {
        self.commitment
    }

    /// The commitment stage.
    pub fn commitment_stage(&self) -> &Stage {
        &self.stages[self.commitment]
    }

    /// Whether entering stage `index` commits an item: it is the commitment stage or a later
    /// stage that is not done.
    pub fn commits(&self, index: usize) -> bool {
        index >= self.commitment && self.stages[index].kind != StageKind::Done
    }
}

/// Builds a [`Workflow`] stage by stage.
///
/// # Examples
///
/// ```
/// use valuestream::{StageKind, Workflow};
///
/// let wf = Workflow::builder()
///     .stage("Dev", StageKind::Active)
///     .stage_with_states("Done", StageKind::Done, ["Done", "Closed"])
///     .build()?;
/// assert_eq!(wf.stages().len(), 2);
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct WorkflowBuilder {
    stages: Vec<Stage>,
    commitment: Option<String>,
}

impl WorkflowBuilder {
    /// Adds a stage that maps the status of its own name.
    pub fn stage(mut self, name: impl Into<String>, kind: StageKind) -> Self {
        self.stages.push(Stage::new(name, kind));
        self
    }

    /// Adds a stage that maps the given statuses.
    pub fn stage_with_states<I, S>(
        mut self,
        name: impl Into<String>,
        kind: StageKind,
        states: I,
    ) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.stages.push(Stage::new(name, kind).with_states(states));
        self
    }

    /// Adds a stage as given.
    pub fn push(mut self, stage: Stage) -> Self {
        self.stages.push(stage);
        self
    }

    /// Names the commitment stage.
    pub fn commitment(mut self, name: impl Into<String>) -> Self {
        self.commitment = Some(name.into());
        self
    }

    /// The validated workflow.
    ///
    /// # Errors
    ///
    /// As [`Workflow::new`].
    pub fn build(self) -> Result<Workflow> {
        Workflow::new(self.stages, self.commitment.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
commitment = "Dev"

[[stage]]
name = "Backlog"
kind = "backlog"
states = ["To Do", "Open"]

[[stage]]
name = "Dev"
kind = "active"
states = ["In Progress"]
servers = 3

[[stage]]
name = "Done"
kind = "done"
states = ["Done", "Closed"]
"#;

    #[test]
    fn reads_the_file_form() {
        let wf = Workflow::from_toml_str(FILE).unwrap();
        assert_eq!(wf.stages().len(), 3);
        assert_eq!(wf.commitment(), 1);
        assert_eq!(wf.stage(1).servers, Some(3));
        assert_eq!(wf.stage_of_state("Open"), Some(0));
        assert_eq!(wf.stage_of_state("Closed"), Some(2));
        assert_eq!(
            wf.stage_of_state("Backlog"),
            None,
            "listing states replaces the name"
        );
        assert!(wf.commits(1) && !wf.commits(0) && !wf.commits(2));
    }

    #[test]
    fn round_trips_through_toml() {
        let wf = Workflow::from_toml_str(FILE).unwrap();
        let again = Workflow::from_toml_str(&wf.to_toml()).unwrap();
        assert_eq!(wf, again);
    }

    const CLASSES: &str = r#"
[classes]
by = "priority"

[[classes.class]]
name = "expedite"
values = ["Highest", "Blocker"]
sle = { percent = 85, days = 3 }

[[classes.class]]
name = "standard"
values = ["*"]
"#;

    #[test]
    fn classes_are_read_and_round_trip() {
        let wf = Workflow::from_toml_str(&format!("{FILE}{CLASSES}")).unwrap();
        let c = wf.classes().unwrap();
        assert_eq!(c.by, "priority");
        assert_eq!(c.classes.len(), 2);
        assert_eq!(c.classes[0].sle, Some(Sle::new(85.0, 3.0).unwrap()));
        assert_eq!(c.classes[1].sle, None);
        let text = wf.to_toml();
        let again = Workflow::from_toml_str(&text).unwrap();
        assert_eq!(wf, again, "{text}");
        assert!(Workflow::from_toml_str(FILE).unwrap().classes().is_none());
        // With every other table of the file form too.
        let all = format!(
            "blocked_states = [\"On Hold\"]\n{FILE}{CLASSES}\n[cycle_time]\n\
             backlog_return = \"restart\"\nreopen = \"latest\"\n"
        );
        let wf = Workflow::from_toml_str(&all).unwrap();
        let text = wf.to_toml();
        let again = Workflow::from_toml_str(&text).unwrap();
        assert_eq!(wf, again, "{text}");
        assert!(again.classes().is_some() && again.is_blocked_state("On Hold"));
    }

    #[test]
    fn invalid_classes_are_workflow_errors() {
        let bad = format!("{FILE}{CLASSES}").replace("\"Blocker\"", "\"*\"");
        let e = Workflow::from_toml_str(&bad).unwrap_err();
        assert!(matches!(e, Error::Workflow { .. }), "{e:?}");
        assert!(e.to_string().contains("every other value"), "{e}");
        let bad = format!("{FILE}{CLASSES}").replace("days = 3", "days = 0");
        let e = Workflow::from_toml_str(&bad).unwrap_err();
        assert!(e.to_string().contains("\"expedite\""), "{e}");
    }

    #[test]
    fn the_name_is_the_default_state() {
        let wf = Workflow::builder()
            .stage("Dev", StageKind::Active)
            .stage("Done", StageKind::Done)
            .build()
            .unwrap();
        assert_eq!(wf.stage_of_state("Dev"), Some(0));
        assert_eq!(wf.commitment(), 0);
    }

    fn err(stages: Vec<Stage>, commitment: Option<&str>) -> String {
        Workflow::new(stages, commitment).unwrap_err().to_string()
    }

    #[test]
    fn invalid_workflows_say_why() {
        use StageKind::*;
        let s = Stage::new;
        assert!(err(vec![], None).contains("no stages"));
        assert!(
            err(vec![s("A", Active), s("A", Done)], None).contains("two stages are named \"A\"")
        );
        assert!(
            err(
                vec![
                    s("A", Active).with_states(["x"]),
                    s("B", Done).with_states(["x"])
                ],
                None
            )
            .contains("\"x\" is mapped by two stages")
        );
        assert!(err(vec![s("A", Active)], None).contains("no stage is of kind \"done\""));
        assert!(
            err(vec![s("A", Active), s("D", Done)], Some("Z")).contains("\"Z\" is not a stage")
        );
        assert!(
            err(vec![s("A", Backlog), s("D", Done)], None).contains("no stage of work in progress")
        );
        assert!(
            err(
                vec![s("A", Backlog), s("B", Active), s("D", Done)],
                Some("A")
            )
            .contains("is a backlog stage")
        );
        assert!(
            err(vec![s("A", Active), s("B", Backlog), s("D", Done)], None)
                .contains("comes after the commitment")
        );
        assert!(
            err(vec![s("A", Active).with_servers(0), s("D", Done)], None).contains("0 servers")
        );
    }

    #[test]
    fn toml_errors_carry_their_position() {
        let e =
            Workflow::from_toml_str("[[stage]]\nname = \"A\"\nkind = \"working\"\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("line 3"), "{msg}");
        let e = Workflow::from_toml_str("[[stage]]\nname = \"A\"\nkind = \"active\"\nserver = 2\n")
            .unwrap_err();
        assert!(e.to_string().contains("server"), "{e}");
    }
}
