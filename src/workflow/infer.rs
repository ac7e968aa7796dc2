//! A workflow guessed from status names alone, for exports that come without one.

use super::{Stage, StageKind, Workflow};
use crate::error::{Error, Result};

impl Workflow {
    /// A workflow guessed from status names alone, one stage per status, for exports that
    /// come without one (a Jira JSON export, a process-mining log).
    ///
    /// Statuses keep the order given (callers pass them in order of first appearance),
    /// except that done statuses go last and a status named `<X> queue` goes right before
    /// `<X>` (the waits that interval logs record). A status is
    ///
    /// - **done** if its name says so: done, closed, resolved, complete(d), merged,
    ///   released, deployed, shipped, delivered, cancel(l)ed, rejected, won't do,
    ///   declined, duplicate, finished;
    /// - **backlog** if it comes before every status of work and is named like a backlog:
    ///   backlog, to do, todo, open, new, created, triage, proposed, funnel, idea,
    ///   requested, submitted;
    /// - **wait** if named like a queue: ready, waiting, wait, queue(d), blocked, on hold,
    ///   hold, pending, awaiting, parked, selected, or ending in "done" or "complete"
    ///   without being a done status itself (`Dev Done` waits for the next stage); a wait
    ///   named blocked, on hold, impediment or impeded is also marked `blocked = true`
    ///   (its time is blocked time);
    /// - **active** otherwise.
    ///
    /// Matching ignores case and looks at whole words.
    ///
    /// # Errors
    ///
    /// [`Error::Workflow`] when no status looks done (nothing could finish) or none is left
    /// for work; give a workflow file then.
    pub fn infer<'a, I>(states: I) -> Result<Workflow>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut states: Vec<&str> = states.into_iter().collect();
        // "<X> queue" (the wait an interval log records before X) goes right before X.
        let mut i = 0;
        while i < states.len() {
            let moved = states[i].strip_suffix(" queue").and_then(|x| {
                let target = states.iter().position(|s| *s == x)?;
                (target < i).then_some(target)
            });
            match moved {
                Some(target) => {
                    let q = states.remove(i);
                    states.insert(target, q);
                    i += 1;
                }
                None => i += 1,
            }
        }
        let mut work: Vec<Stage> = Vec::new();
        let mut done: Vec<Stage> = Vec::new();
        let mut seen_work = false;
        for st in &states {
            let kind = guess_kind(st, seen_work);
            if kind == StageKind::Done {
                done.push(Stage::new(*st, kind));
                continue;
            }
            seen_work |= kind != StageKind::Backlog;
            let stage = Stage::new(*st, kind);
            work.push(if kind == StageKind::Wait && names_a_block(st) {
                stage.blocking()
            } else {
                stage
            });
        }
        if done.is_empty() {
            return Err(Error::workflow(
                None,
                format!(
                    "cannot guess a workflow: none of the statuses {} looks done (Done, Closed,                      Resolved, …); give a workflow file",
                    states
                        .iter()
                        .map(|s| format!("{s:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        work.append(&mut done);
        Workflow::new(work, None)
    }
}

/// Whether a status of this name blocks an item: blocked, on hold, impediment, impeded
/// (its stage is then marked `blocked = true`, so that its time is blocked time).
pub(super) fn names_a_block(name: &str) -> bool {
    let lower = name.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    ["blocked", "on hold", "impediment", "impeded"]
        .iter()
        .any(|p| has_words(&words, p))
}

/// Whether `name`, split into lowercase words, contains `phrase` (one or more words).
fn has_words(words: &[String], phrase: &str) -> bool {
    let p: Vec<&str> = phrase.split(' ').collect();
    words
        .windows(p.len())
        .any(|w| w.iter().zip(&p).all(|(a, b)| a == b))
}

/// The kind a status of this name is guessed to be (see [`Workflow::infer`]); `seen_work`
/// says whether a status of work came before it.
pub(super) fn guess_kind(name: &str, seen_work: bool) -> StageKind {
    let lower = name.to_lowercase().replace("won't", "wont");
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let any = |list: &[&str]| list.iter().any(|p| has_words(&words, p));
    const DONE: [&str; 17] = [
        "done",
        "closed",
        "resolved",
        "complete",
        "completed",
        "merged",
        "released",
        "deployed",
        "shipped",
        "delivered",
        "canceled",
        "cancelled",
        "rejected",
        "wont do",
        "declined",
        "duplicate",
        "finished",
    ];
    const BACKLOG: [&str; 13] = [
        "backlog",
        "to do",
        "todo",
        "open",
        "new",
        "created",
        "triage",
        "proposed",
        "funnel",
        "idea",
        "ideas",
        "requested",
        "submitted",
    ];
    const WAIT: [&str; 13] = [
        "ready", "waiting", "wait", "queue", "queued", "blocked", "on hold", "hold", "pending",
        "awaiting", "parked", "selected", "paused",
    ];
    let last = words.last().map(String::as_str);
    let qualified_done = words.len() > 1 && matches!(last, Some("done" | "complete" | "completed"));
    if any(&DONE) && !qualified_done {
        return StageKind::Done;
    }
    if !seen_work && any(&BACKLOG) {
        return StageKind::Backlog;
    }
    if qualified_done || any(&WAIT) || any(&BACKLOG) {
        return StageKind::Wait;
    }
    StageKind::Active
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workflow_is_guessed_from_status_names() {
        let wf = Workflow::infer([
            "To Do",
            "In Progress",
            "Done",
            "Ready for Review",
            "Code Review",
            "Dev Done",
            "Won't Do",
            "Open",
            "Blocked",
        ])
        .unwrap();
        let got: Vec<(&str, StageKind)> = wf
            .stages()
            .iter()
            .map(|s| (s.name.as_str(), s.kind))
            .collect();
        use StageKind::*;
        assert_eq!(
            got,
            [
                ("To Do", Backlog),
                ("In Progress", Active),
                ("Ready for Review", Wait),
                ("Code Review", Active),
                ("Dev Done", Wait),
                // A backlog name after work has started is a queue.
                ("Open", Wait),
                ("Blocked", Wait),
                ("Done", Done),
                ("Won't Do", Done),
            ]
        );
        // A blocked status's stage is blocked time; a queue is not.
        let blocked: Vec<&str> = wf
            .stages()
            .iter()
            .filter(|s| s.blocked)
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(blocked, ["Blocked"]);
        assert!(names_a_block("On Hold") && names_a_block("impediment: vendor"));
        assert!(!names_a_block("Unblocked") && !names_a_block("Holdings review"));
        assert_eq!(wf.commitment_stage().name, "In Progress");
        let wf = Workflow::infer([
            "Build",
            "Test",
            "Done",
            "Test queue",
            "Deploy queue",
            "Deploy",
        ])
        .unwrap();
        let names: Vec<&str> = wf.stages().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Build",
                "Test queue",
                "Test",
                "Deploy queue",
                "Deploy",
                "Done"
            ]
        );
        assert_eq!(wf.stage(1).kind, Wait);
        let err = Workflow::infer(["Open", "Working"]).unwrap_err();
        assert!(err.to_string().contains("looks done"), "{err}");
    }
}
