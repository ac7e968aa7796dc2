//! A workflow inferred from a process-mining log itself (XES, pm4py's CSV): what ends the
//! traces is done, the waits an interval log records are queues, and stages follow the
//! typical order of the activities in the traces.

use super::infer::{guess_kind, names_a_block};
use super::{Stage, StageKind, Workflow};
use crate::error::{Error, Result};
use crate::log::EventLog;

/// What the traces say of one activity (state).
#[derive(Clone, Debug, Default)]
struct Seen {
    /// The traces it occurs in.
    traces: u64,
    /// The traces it ends (their last event).
    ends: u64,
    /// Its rank among the distinct activities of each trace it occurs in, by first
    /// occurrence (0: the trace's first activity).
    ranks: Vec<u32>,
}

impl Workflow {
    /// A workflow inferred from a process-mining log (XES, pm4py's CSV) itself, for logs
    /// that come without one; [`Workflow::inference`] says what was inferred and why, one
    /// sentence per decision. One stage per activity (state):
    ///
    /// - **done**: the end activities, those that are the last event of more than half of
    ///   the traces they occur in (a trace still open at the end of the log ends
    ///   elsewhere), and those whose name says done (as [`Workflow::infer`] reads names:
    ///   Closed, Resolved, …). In an interval log (one with `<X> queue` states) every
    ///   finished trace ends in the end state (`Done`), so an activity that ends a trace
    ///   is work still running: there only the names say done;
    /// - **wait**: `<X> queue`, the wait before `X` that start/complete and
    ///   `start_timestamp` logs record between two pieces of work, placed right before
    ///   `X`; and activities named like a queue (waiting, pending, …);
    /// - **backlog**: an activity named like one (open, new, created, …) that comes first;
    /// - **active**: every other activity.
    ///
    /// Stages are ordered by the typical position of their activity in the traces: the
    /// median rank of its first occurrence among the distinct activities of each trace
    /// (ties: the order of first appearance in the log), done stages last.
    ///
    /// Jira and other status logs keep [`Workflow::infer`], by names and first appearance.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{LogReader, StageKind, Workflow};
    ///
    /// let csv = "id,state,timestamp\n\
    ///            1,register,2024-03-01\n1,check,2024-03-02\n1,decide,2024-03-03\n1,pay,2024-03-04\n\
    ///            2,register,2024-03-01\n2,decide,2024-03-02\n2,reject,2024-03-05\n\
    ///            3,check,2024-03-04\n3,register,2024-03-05\n3,decide,2024-03-06\n3,pay,2024-03-07\n";
    /// let log = LogReader::builder().build().read(csv.as_bytes())?;
    /// let wf = Workflow::infer_from_log(&log)?;
    /// let stages: Vec<(&str, StageKind)> =
    ///     wf.stages().iter().map(|s| (s.name.as_str(), s.kind)).collect();
    /// use StageKind::*;
    /// assert_eq!(
    ///     stages,
    ///     [("register", Active), ("check", Active), ("decide", Active), ("reject", Done), ("pay", Done)]
    /// );
    /// assert!(wf.inference().iter().any(|r| r.contains("\"pay\" ends 2 of the 2 traces")));
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Workflow`] when no activity ends traces or looks done (nothing could
    /// finish), or none is left for work; give a workflow file then.
    pub fn infer_from_log(log: &EventLog) -> Result<Workflow> {
        let names: Vec<&str> = log.states().collect();
        let seen = traces(log, names.len());
        let median = |s: usize| median_rank(&seen[s].ranks);
        let by_position = |a: &usize, b: &usize| median(*a).total_cmp(&median(*b)).then(a.cmp(b));
        let mut reasons = vec![format!(
            "stages in the order of their activity's typical position in the {} traces (the median rank of its first occurrence), done stages last",
            log.items()
        )];
        // In an interval log every finished trace ends in the end state (`Done`): an
        // activity that ends a trace is work still running.
        let intervals = names
            .iter()
            .any(|n| n.strip_suffix(" queue").is_some_and(|x| names.contains(&x)));
        let ends_most = |s: usize| 2 * seen[s].ends > seen[s].traces;
        let by_name = |s: usize| guess_kind(names[s], true) == StageKind::Done;
        // When every activity ends the traces (one event each), they say nothing of work:
        // only the names say done then.
        let all_end = (0..names.len()).all(|s| ends_most(s) || by_name(s));
        if all_end && !intervals {
            reasons.push(
                "every activity ends most of its traces: only the names say which are done"
                    .to_owned(),
            );
        }
        let is_end = |s: usize| !intervals && !all_end && ends_most(s);
        let (mut done, mut work): (Vec<usize>, Vec<usize>) =
            (0..names.len()).partition(|&s| is_end(s) || by_name(s));
        done.sort_by(by_position);
        work.sort_by(by_position);
        let work = queues_first(&names, &work);
        for &s in &done {
            reasons.push(if is_end(s) {
                format!(
                    "done: {:?} ends {} of the {} traces it occurs in (an end activity)",
                    names[s], seen[s].ends, seen[s].traces
                )
            } else {
                format!("done: {:?}, by its name", names[s])
            });
        }
        if done.is_empty() {
            return Err(Error::workflow(
                None,
                "cannot infer a workflow: no activity ends most of the traces it occurs in, and none is named done; give a workflow file".to_owned(),
            ));
        }
        let mut stages = Vec::with_capacity(names.len());
        let mut seen_work = false;
        let mut queues = Vec::new();
        for &s in &work {
            let queue = names[s]
                .strip_suffix(" queue")
                .is_some_and(|x| names.contains(&x));
            let kind = match guess_kind(names[s], seen_work) {
                _ if queue => StageKind::Wait,
                StageKind::Done => StageKind::Active,
                k => k,
            };
            seen_work |= kind != StageKind::Backlog;
            if queue {
                queues.push(format!("{:?}", names[s]));
            } else if kind != StageKind::Active {
                reasons.push(format!("{kind}: {:?}, by its name", names[s]));
            }
            let stage = Stage::new(names[s], kind);
            stages.push(
                if kind == StageKind::Wait && !queue && names_a_block(names[s]) {
                    reasons.push(format!("blocked: {:?}, by its name", names[s]));
                    stage.blocking()
                } else {
                    stage
                },
            );
        }
        if !queues.is_empty() {
            reasons.push(format!(
                "wait: {}, each the time between the end of one piece of work and the start of the activity it names",
                queues.join(", ")
            ));
        }
        if stages.iter().any(|s| s.kind == StageKind::Active) {
            reasons.push(
                "active: every other activity (the log records work, not where it waited)"
                    .to_owned(),
            );
        }
        stages.extend(done.iter().map(|&s| Stage::new(names[s], StageKind::Done)));
        let mut wf = Workflow::new(stages, None)?;
        wf.inferred = reasons;
        Ok(wf)
    }
}

/// What the traces of `log` say of each of its `states` activities.
fn traces(log: &EventLog, states: usize) -> Vec<Seen> {
    let mut order: Vec<u32> = (0..log.ev_time.len())
        .map(|e| u32::try_from(e).unwrap_or(u32::MAX))
        .collect();
    // By item, then time; ties keep input order (a stable sort).
    order.sort_by_key(|&e| (log.ev_item[e as usize], log.ev_time[e as usize]));
    let mut seen = vec![Seen::default(); states];
    // The last trace each state was counted in (+1; 0: none yet).
    let mut stamp = vec![0u32; states];
    for (t, run) in order
        .chunk_by(|&a, &b| log.ev_item[a as usize] == log.ev_item[b as usize])
        .enumerate()
    {
        let t = u32::try_from(t + 1).unwrap_or(u32::MAX);
        let mut rank = 0;
        for &e in run {
            let s = log.ev_state[e as usize] as usize;
            if stamp[s] != t {
                stamp[s] = t;
                seen[s].traces += 1;
                seen[s].ranks.push(rank);
                rank += 1;
            }
        }
        if let Some(&last) = run.last() {
            seen[log.ev_state[last as usize] as usize].ends += 1;
        }
    }
    seen
}

/// The median of `ranks` (the mean of the middle two for an even count; infinite if none).
fn median_rank(ranks: &[u32]) -> f64 {
    if ranks.is_empty() {
        return f64::INFINITY;
    }
    let mut r = ranks.to_vec();
    r.sort_unstable();
    let n = r.len();
    if n % 2 == 1 {
        f64::from(r[n / 2])
    } else {
        f64::midpoint(f64::from(r[n / 2 - 1]), f64::from(r[n / 2]))
    }
}

/// `work` with each `<X> queue` moved right before `X`.
fn queues_first(names: &[&str], work: &[usize]) -> Vec<usize> {
    let queue_of = |s: usize| {
        let x = names[s].strip_suffix(" queue")?;
        work.iter().copied().find(|&w| names[w] == x)
    };
    let mut out: Vec<usize> = Vec::with_capacity(work.len());
    for &s in work {
        if queue_of(s).is_some() {
            continue;
        }
        if let Some(&q) = work.iter().find(|&&q| queue_of(q) == Some(s)) {
            out.push(q);
        }
        out.push(s);
    }
    out
}
