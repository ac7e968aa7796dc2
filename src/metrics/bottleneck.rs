//! The stage that limits throughput, with the evidence; or, when no stage is near its
//! capacity, that there is no capacity constraint and where the time goes instead.

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
                "its queue grew the most (+{} {} over the window)",
                e.queue_growth,
                if e.queue_growth == 1 { "item" } else { "items" }
            ),
        }
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("?".into(), |u| format!("{:.0}%", u * 100.0))
}

/// The utilisation from which a stage (or a model's station) is near its capacity: 0.7.
///
/// Below it, no stage is a capacity constraint, whatever waits in front of it: the report
/// and `fit` then say so and rank where the time goes instead of naming a bottleneck.
///
/// # Why 0.7
///
/// The wait a queue causes grows with its utilisation ρ as ρ/(1 − ρ) (the mean wait in
/// M/M/1, in service times; Kingman's formula, J. F. C. Kingman, "The single server queue
/// in heavy traffic", 1961, scales it by the variability): 1.5 service times at 0.6, 2.3 at
/// 0.7, 4 at 0.8, 9 at 0.9. Below 0.7 the curve is flat, and a queue of several servers
/// waits less still at the same load; from 0.7 on each tenth more roughly doubles the wait,
/// and a stage there is one where more demand or less capacity shows at once in the queue.
/// The stages that the synthetic lines of the tests name as bottlenecks run at 0.75 to 1.
///
/// A utilisation from servers estimated as the most items in the stage at once
/// ([`StageMetrics`](super::StageMetrics)) is an upper bound (the peak is a lower bound of
/// the servers): below the threshold it still shows the stage is not near capacity; above
/// it, it may overstate the load, and the reason says the servers are estimated.
pub const CONSTRAINT_UTILISATION: f64 = 0.7;

/// Whether a queue's growth over the window is more than chance: `growth > 2·√(arrivals +
/// departures)`, with `arrivals = departures + growth`.
///
/// # Formula
///
/// Were arrivals and departures two Poisson counts of the same rate, their difference would
/// have the variance `arrivals + departures`; a growth of more than two standard deviations
/// says that work arrived faster than the stage let it go (arrival rate above capacity).
/// The +2 of the BPI Challenge 2013 incidents over 22,946 departures is not; the +670 of a
/// stage that serves 8.3 items a day against 10 over 400 days is.
fn queue_grew(growth: i64, departures: u64) -> bool {
    let g = growth as f64;
    growth > 0 && g > 2.0 * (2.0 * departures as f64 + g).sqrt()
}

/// One active stage and the evidence that it limits throughput.
///
/// JSON: one entry of `bottleneck.ranking[]`: `{stage, evidence, utilisation, servers,
/// servers_estimated, capacity_per_day, wait_stages, wait_days, queue_growth,
/// near_capacity}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StageEvidence {
    /// The stage's name.
    pub stage: String,
    /// The criteria on which this stage is the worst of the active stages.
    pub evidence: Vec<Evidence>,
    /// Its utilisation; `None` (JSON `null`) as [`StageMetrics::utilisation`].
    pub utilisation: Option<f64>,
    /// Its servers; `None` as [`StageMetrics::servers`].
    pub servers: Option<u32>,
    /// Whether the servers were estimated from the log.
    pub servers_estimated: bool,
    /// Servers / mean visit days; `None` without servers, without a visit that ended in
    /// the window, or when every visit took no time (a capacity without bound).
    pub capacity_per_day: Option<f64>,
    /// The wait stages just in front of it (between the previous active stage and it).
    pub wait_stages: Vec<String>,
    /// Item-days spent in those wait stages within the window.
    pub wait_days: f64,
    /// Items in it and in those wait stages at the window's end, minus at its start.
    pub queue_growth: i64,
    /// Whether it is near its capacity: its utilisation is at least
    /// [`CONSTRAINT_UTILISATION`], or its queue grew by more than chance allows
    /// (`queue_growth > 2·√(2·departures + queue_growth)`, departures being the visits to
    /// it that ended in the window).
    pub near_capacity: bool,
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
/// A stage is named only when there is a capacity constraint at all: some active stage is
/// near its capacity (`near_capacity`: utilisation at least [`CONSTRAINT_UTILISATION`], or
/// a queue that grew by more than chance allows). Waiting in front of a stage, or the
/// lowest capacity of the stages, is no such evidence on its own: work can wait for a
/// reason that is not capacity (on the customer, for a decision, in a policy) while every
/// server is mostly idle. When no stage is near its capacity, `constrained` is false,
/// `stage` is `null`, and the reason says "No capacity constraint" and where the time goes
/// (`time_ranking`). The ranking of the active stages on the evidence stays, for reading.
///
/// `time_ranking` ranks every stage past the backlog by the item-days spent in it within
/// the window (its share of all of them: the share of its time-average WIP in the WIP,
/// and by Little's law of the time items spend in progress), whether or not there is a
/// constraint. A done stage holds time only before an item is reopened.
///
/// JSON: `bottleneck.{stage, constrained, reason, ranking[], time_ranking[]}`; `stage` is
/// `null` when the workflow has no active stage with visits in the window, or when no
/// stage is near its capacity (`constrained` false).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Bottleneck {
    /// The name of the stage that limits throughput (`None` without a capacity constraint).
    pub stage: Option<String>,
    /// Whether some active stage is near its capacity
    /// ([`StageEvidence::near_capacity`]). When false, no stage is named.
    pub constrained: bool,
    /// Why, in one sentence.
    pub reason: String,
    /// The active stages, most limiting first.
    pub ranking: Vec<StageEvidence>,
    /// Where the time goes: the stages past the backlog that items spent time in within
    /// the window, most item-days first.
    pub time_ranking: Vec<StageTime>,
    /// The workflow index of `stage`.
    #[serde(skip)]
    pub index: Option<usize>,
}

/// One stage's share of the time items spent in progress.
///
/// JSON: one entry of `bottleneck.time_ranking[]`: `{stage, kind, item_days, share}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StageTime {
    /// The stage's name.
    pub stage: String,
    /// Its kind: `wait` (waiting), `active` (worked on), or `done` (time before a reopening).
    pub kind: StageKind,
    /// Item-days spent in it within the window.
    pub item_days: f64,
    /// `item_days` over the item-days of every stage past the backlog.
    pub share: f64,
    /// The stage's index in the workflow.
    #[serde(skip)]
    pub index: usize,
}

/// The stages past the backlog with time in them, most item-days first (ties in workflow
/// order).
fn time_ranking(stages: &[StageMetrics]) -> Vec<StageTime> {
    let in_progress = |s: &&StageMetrics| s.kind != StageKind::Backlog && s.item_days > 0.0;
    let total: f64 = stages.iter().filter(in_progress).map(|s| s.item_days).sum();
    let mut out: Vec<StageTime> = stages
        .iter()
        .enumerate()
        .filter(|(_, s)| in_progress(s))
        .map(|(i, s)| StageTime {
            stage: s.name.clone(),
            kind: s.kind,
            item_days: s.item_days,
            share: s.item_days / total,
            index: i,
        })
        .collect();
    out.sort_by(|a, b| {
        b.item_days
            .total_cmp(&a.item_days)
            .then_with(|| a.index.cmp(&b.index))
    });
    out
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
    let time_ranking = time_ranking(stages);
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
            constrained: false,
            reason: reason.to_owned(),
            ranking,
            time_ranking,
            index: None,
        };
    };
    if !ranking.iter().any(|e| e.near_capacity) {
        return Bottleneck {
            stage: None,
            constrained: false,
            reason: unconstrained_reason(&ranking, &time_ranking),
            ranking,
            time_ranking,
            index: None,
        };
    }
    Bottleneck {
        stage: Some(top.stage.clone()),
        constrained: true,
        index: Some(top.index),
        reason: reason(&ranking),
        ranking,
        time_ranking,
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
    let near_capacity = st.utilisation.is_some_and(|u| u >= CONSTRAINT_UTILISATION)
        || queue_grew(queue_growth, st.departures);
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
        near_capacity,
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

/// "No capacity constraint", the most utilised active stage, and where the time goes, in
/// one sentence.
fn unconstrained_reason(ranking: &[StageEvidence], time: &[StageTime]) -> String {
    let most = ranking
        .iter()
        .filter(|e| e.utilisation.is_some_and(f64::is_finite))
        .max_by(|a, b| {
            a.utilisation
                .unwrap_or(0.0)
                .total_cmp(&b.utilisation.unwrap_or(0.0))
                .then_with(|| b.index.cmp(&a.index))
        });
    let busiest = match most {
        Some(e) if e.servers_estimated => format!(
            "the most, {}, {}, an upper bound: its servers are estimated as the most items in it at once",
            e.stage,
            pct(e.utilisation)
        ),
        Some(e) => format!("the most, {}, {}", e.stage, pct(e.utilisation)),
        None => "no utilisation could be measured".to_owned(),
    };
    let mut r = format!(
        "No capacity constraint: no active stage is busy {:.0}% of the time or more ({busiest}) and no queue grew more than chance allows",
        CONSTRAINT_UTILISATION * 100.0
    );
    let of_kind =
        |k: StageKind| -> Vec<&StageTime> { time.iter().filter(|t| t.kind == k).collect() };
    let (waits, work) = (of_kind(StageKind::Wait), of_kind(StageKind::Active));
    let waiting = shares(&waits, true);
    let working = shares(&work, waits.is_empty());
    match (waiting, working) {
        (Some(w), Some(a)) => r.push_str(&format!(
            "; the time goes to waiting on {w}, and to work in {a}"
        )),
        (Some(w), None) => r.push_str(&format!("; the time goes to waiting on {w}")),
        (None, Some(a)) => r.push_str(&format!("; the time goes to work in {a}")),
        (None, None) => {}
    }
    r.push('.');
    r
}

/// How many stages of a kind the reason names; the others are summed.
const NAMED: usize = 4;

/// "A (48% of item-days), B (20%) and C (8%)": the first `NAMED` stages, the others summed;
/// `None` for none.
fn shares(times: &[&StageTime], unit: bool) -> Option<String> {
    let mut parts: Vec<String> = times
        .iter()
        .take(NAMED)
        .enumerate()
        .map(|(i, t)| {
            let of = if unit && i == 0 { " of item-days" } else { "" };
            format!("{} ({}{of})", t.stage, pct(Some(t.share)))
        })
        .collect();
    if times.len() > NAMED {
        let rest = &times[NAMED..];
        parts.push(format!(
            "{} other{} ({})",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" },
            pct(Some(rest.iter().map(|t| t.share).sum()))
        ));
    }
    (!parts.is_empty()).then(|| join_and(&parts))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_growth_beyond_chance() {
        // 2·√(2·22946 + 2) ≈ 428.5: the BPI Challenge 2013 incidents' +2 is chance.
        assert!(!queue_grew(2, 22_946));
        // No growth, or a fall, never is.
        assert!(!queue_grew(0, 0));
        assert!(!queue_grew(-30, 10));
        // 10 departures: +15 is 2·√35 ≈ 11.8 and more, +11 is not.
        assert!(queue_grew(15, 10));
        assert!(!queue_grew(11, 10));
        // Nothing left: +5 > 2·√5 ≈ 4.5, +4 is not.
        assert!(queue_grew(5, 0));
        assert!(!queue_grew(4, 0));
    }

    #[test]
    fn shares_name_the_first_and_sum_the_rest() {
        let t = |name: &str, share: f64| StageTime {
            stage: name.to_owned(),
            kind: StageKind::Wait,
            item_days: share,
            share,
            index: 0,
        };
        let v = [
            t("A", 0.4),
            t("B", 0.2),
            t("C", 0.15),
            t("D", 0.1),
            t("E", 0.1),
            t("F", 0.05),
        ];
        let refs: Vec<&StageTime> = v.iter().collect();
        assert_eq!(
            shares(&refs, true).as_deref(),
            Some("A (40% of item-days), B (20%), C (15%), D (10%) and 2 others (15%)")
        );
        assert_eq!(shares(&refs[..1], false).as_deref(), Some("A (40%)"));
        assert_eq!(shares(&[], true), None);
    }
}
