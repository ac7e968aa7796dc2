//! The stage that limits throughput, with the evidence.

use serde::Serialize;

use super::stages::StageMetrics;
use crate::workflow::StageKind;

/// A kind of evidence that a stage limits throughput.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The highest utilisation of the active stages.
    Utilisation,
    /// The most waiting (item-days) accumulated in the wait stages just in front of it.
    Waiting,
    /// The largest growth of the items in it and in its queue over the window.
    QueueGrowth,
    /// The lowest capacity (servers / mean visit days).
    Capacity,
}

impl Evidence {
    fn phrase(self, e: &StageEvidence) -> String {
        match self {
            Evidence::Utilisation => format!(
                "it is the most utilised active stage ({}{})",
                pct(e.utilisation),
                e.servers.map_or(String::new(), |c| format!(
                    " of {c} server{}{}",
                    if c == 1 { "" } else { "s" },
                    if e.servers_estimated {
                        ", estimated"
                    } else {
                        ""
                    }
                ))
            ),
            Evidence::Capacity => format!(
                "it has the lowest capacity ({} items per day)",
                e.capacity_per_day.map_or("?".into(), |c| format!("{c:.2}"))
            ),
            Evidence::Waiting => format!(
                "the most waiting accumulates in front of it ({:.1} item-days in {})",
                e.wait_days,
                e.wait_stages.join(", ")
            ),
            Evidence::QueueGrowth => format!(
                "its queue grew the most (+{} items over the window)",
                e.queue_growth
            ),
        }
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("?".into(), |u| format!("{:.0}%", u * 100.0))
}

/// One active stage and the evidence that it limits throughput.
///
/// JSON: one entry of `bottleneck.ranking[]`: `{stage, evidence, utilisation, servers,
/// servers_estimated, capacity_per_day, wait_stages, wait_days, queue_growth}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StageEvidence {
    /// The stage's name.
    pub stage: String,
    /// The criteria on which this stage is the worst of the active stages.
    pub evidence: Vec<Evidence>,
    /// Its utilisation.
    pub utilisation: Option<f64>,
    /// Its servers.
    pub servers: Option<u32>,
    /// Whether the servers were estimated from the log.
    pub servers_estimated: bool,
    /// Servers / mean visit days.
    pub capacity_per_day: Option<f64>,
    /// The wait stages just in front of it (between the previous active stage and it).
    pub wait_stages: Vec<String>,
    /// Item-days spent in those wait stages within the window.
    pub wait_days: f64,
    /// Items in it and in those wait stages at the window's end, minus at its start.
    pub queue_growth: i64,
    /// The stage's index in the workflow.
    #[serde(skip)]
    pub index: usize,
}

/// The stage that limits throughput, the reason in a sentence, and the ranking.
///
/// # Formula
///
/// Every active stage gets the evidence of [`Evidence`] on which it is the worst: the
/// highest utilisation, the lowest capacity, the most waiting accumulated in the wait
/// stages just in front of it, the largest queue growth (arrivals exceeding departures).
/// Stages are ranked by how many kinds of evidence name them, ties broken by utilisation,
/// then waiting. In a stable line every stage sees the same arrival rate, so utilisation
/// (`λ·S/c`) and capacity (`c/S`) name the same stage: the one the theory of constraints
/// calls the constraint (E. M. Goldratt, *The Goal*, 1984; Hopp and Spearman, *Factory
/// Physics*, ch. 7: the bottleneck is the station with the highest utilisation).
///
/// JSON: `bottleneck.{stage, reason, ranking[]}`; `stage` is `null` when the workflow has no
/// active stage with visits in the window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Bottleneck {
    /// The name of the stage that limits throughput.
    pub stage: Option<String>,
    /// Why, in one sentence.
    pub reason: String,
    /// The active stages, most limiting first.
    pub ranking: Vec<StageEvidence>,
    /// The workflow index of `stage`.
    #[serde(skip)]
    pub index: Option<usize>,
}

/// Ranks the active stages of `stages` (the stage statistics of every workflow stage).
pub(crate) fn bottleneck(stages: &[StageMetrics]) -> Bottleneck {
    let mut ranking: Vec<StageEvidence> = stages
        .iter()
        .enumerate()
        .filter(|(_, st)| st.kind == StageKind::Active)
        .map(|(i, _)| evidence_of(stages, i))
        .collect();
    mark_leaders(&mut ranking);
    ranking.sort_by(|a, b| {
        b.evidence
            .len()
            .cmp(&a.evidence.len())
            .then_with(|| {
                b.utilisation
                    .unwrap_or(-1.0)
                    .total_cmp(&a.utilisation.unwrap_or(-1.0))
            })
            .then_with(|| b.wait_days.total_cmp(&a.wait_days))
            .then_with(|| a.index.cmp(&b.index))
    });
    let visited = |e: &StageEvidence| {
        stages[e.index].visits + stages[e.index].departures > 0 || stages[e.index].item_days > 0.0
    };
    let Some(top) = ranking.first().filter(|e| visited(e)) else {
        let reason = if ranking.is_empty() {
            "the workflow has no active stage, so no stage can be named as the constraint"
        } else {
            "no active stage was visited in the window"
        };
        return Bottleneck {
            stage: None,
            reason: reason.to_owned(),
            ranking,
            index: None,
        };
    };
    Bottleneck {
        stage: Some(top.stage.clone()),
        index: Some(top.index),
        reason: reason(&ranking),
        ranking,
    }
}

/// The figures of active stage `i`: its own, and the wait stages in front of it.
fn evidence_of(stages: &[StageMetrics], i: usize) -> StageEvidence {
    let st = &stages[i];
    let mut front = Vec::new();
    let mut j = i;
    while j > 0 && stages[j - 1].kind == StageKind::Wait {
        j -= 1;
        front.push(j);
    }
    front.reverse();
    let wait_days = front.iter().fold(0.0, |a, &k| a + stages[k].item_days);
    let at = |k: usize| {
        i64::try_from(stages[k].wip_at_end).unwrap_or(i64::MAX)
            - i64::try_from(stages[k].wip_at_start).unwrap_or(i64::MAX)
    };
    let queue_growth = at(i) + front.iter().map(|&k| at(k)).sum::<i64>();
    StageEvidence {
        stage: st.name.clone(),
        evidence: Vec::new(),
        utilisation: st.utilisation,
        servers: st.servers,
        servers_estimated: st.servers_estimated,
        capacity_per_day: st.capacity_per_day,
        wait_stages: front.iter().map(|&k| stages[k].name.clone()).collect(),
        wait_days,
        queue_growth,
        index: i,
    }
}

/// Gives each criterion's leader its evidence (on ties, the more utilised, then the
/// earlier stage).
fn mark_leaders(ranking: &mut [StageEvidence]) {
    let util = |e: &StageEvidence| e.utilisation.unwrap_or(-1.0);
    let lead = |key: &dyn Fn(&StageEvidence) -> Option<f64>| -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (k, e) in ranking.iter().enumerate() {
            if let Some(v) = key(e).filter(|v| v.is_finite())
                && best.is_none_or(|(b, bv)| v > bv || (v == bv && util(e) > util(&ranking[b])))
            {
                best = Some((k, v));
            }
        }
        best.map(|(k, _)| k)
    };
    let leaders = [
        (
            Evidence::Utilisation,
            lead(&|e| e.utilisation.filter(|&u| u > 0.0)),
        ),
        (
            Evidence::Capacity,
            lead(&|e| e.capacity_per_day.map(|c| -c)),
        ),
        (
            Evidence::Waiting,
            lead(&|e| Some(e.wait_days).filter(|&w| w > 0.0)),
        ),
        (
            Evidence::QueueGrowth,
            lead(&|e| Some(e.queue_growth as f64).filter(|&g| g > 0.0)),
        ),
    ];
    for (ev, k) in leaders {
        if let Some(k) = k {
            ranking[k].evidence.push(ev);
        }
    }
}

/// Why the first of `ranking` is the bottleneck, in one sentence.
fn reason(ranking: &[StageEvidence]) -> String {
    let top = &ranking[0];
    if top.evidence.is_empty() {
        return format!(
            "{} ranks first, but no evidence sets it apart from the other active stages",
            top.stage
        );
    }
    let phrases: Vec<String> = top.evidence.iter().map(|e| e.phrase(top)).collect();
    let mut r = format!("{} limits throughput: {}", top.stage, join_and(&phrases));
    let others: Vec<String> = ranking[1..]
        .iter()
        .flat_map(|o| o.evidence.iter().map(move |e| (o, e)))
        .map(|(o, e)| format!("{} for {}", o.stage, evidence_name(*e)))
        .collect();
    if !others.is_empty() {
        r.push_str(&format!("; other evidence points to {}", join_and(&others)));
    }
    r.push('.');
    r
}

fn evidence_name(e: Evidence) -> &'static str {
    match e {
        Evidence::Utilisation => "utilisation",
        Evidence::Waiting => "waiting in front",
        Evidence::QueueGrowth => "queue growth",
        Evidence::Capacity => "capacity",
    }
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
