//! The page's text: the summary first (figures in sentences, the headline table, the
//! warnings in words), then the tables of stages, the bottleneck's evidence, aging work and
//! the data-quality ledger. Every sentence is built from the report's figures.

use std::fmt::Write as _;

use super::super::svg::escape;
use super::page::{Column, days, fixed, items, noun, num, percent, table, text};
use crate::metrics::{Classes, Report, SleSource, SleStatus};
use crate::stats::Summary;
use crate::workflow::{StageKind, Workflow};

/// How many aging items the page lists in its table (the chart shows them all).
const AGING_LISTED: usize = 15;

/// The summary: what happened in the window in a few sentences, the headline table, and
/// every warning in words.
pub(super) fn summary(r: &Report, workflow: &Workflow) -> String {
    let mut out = String::from("<section id=\"summary\">\n<h2>Summary</h2>\n");
    for sentence in lede(r) {
        let _ = writeln!(out, "<p class=\"lede\">{}</p>", escape(&sentence));
    }
    out.push_str(&headline_table(r));
    let mut warnings = warnings(r);
    warnings.extend(
        r.workflow_warnings(workflow)
            .into_iter()
            .map(|w| format!("Workflow: {}.", w.message.trim_end_matches('.'))),
    );
    if !warnings.is_empty() {
        out.push_str("<h3>What to keep in mind</h3>\n<ul class=\"warnings\">\n");
        for w in warnings {
            let _ = writeln!(out, "<li>{}</li>", escape(&w));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    out
}

/// The summary's sentences: what was done and how fast, what is in progress and how much
/// of the time was work, and the bottleneck.
fn lede(r: &Report) -> Vec<String> {
    let mut s = Vec::new();
    let w = &r.window;
    let it = &r.items;
    let rate = r
        .throughput
        .per_week
        .map_or(String::new(), |x| format!(", {x:.1} a week"));
    s.push(format!(
        "From {} to {} ({}), {} {} done{rate}; {} {} in progress at the end{}.",
        w.start.format("%Y-%m-%d"),
        w.end.format("%Y-%m-%d"),
        days(w.days),
        items(it.done),
        if it.done == 1 { "was" } else { "were" },
        items(it.in_progress),
        if it.in_progress == 1 { "was" } else { "were" },
        if it.discarded > 0 {
            format!(", and {} discarded", items(it.discarded))
        } else {
            String::new()
        }
    ));
    let c = &r.cycle_time_days;
    if let (Some(p50), Some(p85), Some(p95)) = (c.p50, c.p85, c.p95) {
        let l = &r.lead_time_days;
        s.push(format!(
            "Cycle time (commitment to done): half the items took at most {}, 85% at most {}, 95% at most {}. Lead time (arrival to done): {} at the median, {} at the 85th percentile.",
            days(p50),
            days(p85),
            days(p95),
            l.p50.map_or("–".into(), days),
            l.p85.map_or("–".into(), days),
        ));
    } else {
        s.push(
            "No item was done in the window, so lead time, cycle time and flow efficiency cannot be measured."
                .to_owned(),
        );
    }
    let wip = r.wip.mean.map_or(String::new(), |m| {
        format!("On average {m:.1} items were in progress. ")
    });
    let eff = r.flow_efficiency.map_or(String::new(), |e| {
        format!(
            "Flow efficiency was {:.0}%: the items done spent {:.0}% of their cycle time waiting.",
            e * 100.0,
            (1.0 - e) * 100.0
        )
    });
    if !(wip.is_empty() && eff.is_empty()) {
        s.push(format!("{wip}{eff}").trim_end().to_owned());
    }
    s.push(match &r.bottleneck.stage {
        Some(stage) => format!("Bottleneck: {stage}. {}", r.bottleneck.reason),
        None => r.bottleneck.reason.clone(),
    });
    s
}

/// Lead and cycle time percentiles, throughput, WIP and flow efficiency as one table.
fn headline_table(r: &Report) -> String {
    let row = |label: &str, s: &Summary| {
        vec![
            label.to_owned(),
            crate::log::quality::count(s.count),
            fixed(s.mean, 1),
            fixed(s.p50, 1),
            fixed(s.p85, 1),
            fixed(s.p95, 1),
            fixed(s.max, 1),
        ]
    };
    let mut out = table(
        "headline",
        "Lead and cycle time of the items done in the window, in days",
        &[
            text("measure"),
            num("items"),
            num("mean"),
            num("p50"),
            num("p85"),
            num("p95"),
            num("max"),
        ],
        &[
            row("lead time", &r.lead_time_days),
            row("cycle time", &r.cycle_time_days),
        ],
        None,
    );
    out.push_str(&table(
        "flow",
        "Throughput, work in progress and flow efficiency",
        &[
            num("done per week"),
            num("done per day"),
            num("WIP, mean"),
            num("WIP, now"),
            num("flow efficiency"),
        ],
        &[vec![
            fixed(r.throughput.per_week, 1),
            fixed(r.throughput.per_day, 2),
            fixed(r.wip.mean, 1),
            crate::log::quality::count(r.wip.current),
            percent(r.flow_efficiency),
        ]],
        None,
    ));
    out
}

/// Every warning of the report in words: the window check (with the steady window as
/// options), Little's law's violated assumptions, the data-quality warnings.
fn warnings(r: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let c = &r.window_check;
    for w in &c.warnings {
        out.push(w.message.clone());
    }
    if let Some(options) = c.steady_options().filter(|_| !c.steady) {
        out.push(format!(
            "The window does not hold one steady stream of work; a steady window is {options} (run the report again with these options)."
        ));
    }
    for v in &r.littles_law.violations {
        out.push(format!("Little's law: {}", v.detail));
    }
    let q = &r.data_quality;
    if !q.rejected.is_empty() {
        out.push(format!(
            "{} of the log {} rejected (see the data-quality table).",
            noun(q.rejected.len() as u64, "row", "rows"),
            if q.rejected.len() == 1 { "was" } else { "were" }
        ));
    }
    for w in &q.warnings {
        let mut line = format!("Data: {} × {}", crate::log::quality::count(w.count), w.kind);
        if w.items > 0 {
            let _ = write!(line, ", in {}", items(w.items));
        }
        if !w.examples.is_empty() {
            let _ = write!(line, " (e.g. {})", w.examples.join(", "));
        }
        line.push('.');
        out.push(line);
    }
    out
}

/// The stage table and the bottleneck's ranking, the bottleneck's rows emphasised.
pub(super) fn stages(r: &Report) -> String {
    let mut out = String::from("<section id=\"stages\">\n<h2>Stages</h2>\n");
    let rows: Vec<Vec<String>> = r
        .stages
        .iter()
        .map(|s| {
            let servers = match (s.servers, s.servers_estimated) {
                (Some(c), true) => format!("~{c}"),
                (Some(c), false) => c.to_string(),
                _ => "–".to_owned(),
            };
            vec![
                s.name.clone(),
                s.kind.name().to_owned(),
                crate::log::quality::count(s.visits),
                fixed(s.visit_days.mean, 2),
                fixed(s.visit_days.p85, 2),
                if s.kind == StageKind::Done {
                    "–".to_owned()
                } else {
                    fixed(s.wip_mean, 1)
                },
                servers,
                percent(s.utilisation),
            ]
        })
        .collect();
    out.push_str(&table(
        "stages",
        "Each stage in workflow order: visits, days per visit, mean items in it, servers (~ estimated) and utilisation",
        &[
            text("stage"),
            text("kind"),
            num("visits"),
            num("mean days"),
            num("p85 days"),
            num("WIP"),
            num("servers"),
            num("utilisation"),
        ],
        &rows,
        r.bottleneck.stage.as_deref(),
    ));
    let b = &r.bottleneck;
    if !b.ranking.is_empty() {
        let rows: Vec<Vec<String>> = b
            .ranking
            .iter()
            .map(|e| {
                vec![
                    e.stage.clone(),
                    percent(e.utilisation),
                    fixed(e.capacity_per_day, 2),
                    fixed(Some(e.wait_days), 1),
                    format!("{:+}", e.queue_growth),
                    if e.near_capacity { "yes" } else { "no" }.to_owned(),
                ]
            })
            .collect();
        out.push_str(&table(
            "bottleneck",
            "The active stages ranked as candidates for the bottleneck",
            &[
                text("stage"),
                num("utilisation"),
                num("capacity per day"),
                num("waiting in front (item-days)"),
                num("queue growth"),
                text("near capacity"),
            ],
            &rows,
            b.stage.as_deref(),
        ));
    }
    out.push_str("</section>\n");
    out
}

/// The oldest items in progress, whole ids, as a table under the aging chart.
pub(super) fn aging_table(r: &Report) -> String {
    if r.aging.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = r
        .aging
        .iter()
        .take(AGING_LISTED)
        .map(|a| {
            vec![
                a.id.clone(),
                a.stage.clone(),
                fixed(Some(a.age_days), 1),
                a.percentile_passed
                    .map_or("–".to_owned(), |p| format!("p{p:.0}")),
            ]
        })
        .collect();
    let shown = rows.len();
    let caption = if r.aging.len() > shown {
        format!(
            "The {shown} oldest of the {} in progress (all are in the JSON output)",
            items(r.aging.len() as u64)
        )
    } else {
        format!(
            "The {} in progress, oldest first",
            items(r.aging.len() as u64)
        )
    };
    table(
        "aging",
        &caption,
        &[
            text("item"),
            text("stage"),
            num("age (days)"),
            text("older than this cycle-time percentile"),
        ],
        &rows,
        None,
    )
}

/// Blocked time, when the log or the workflow can tell it: its share of the cycle time,
/// where it was (item-days blocked per stage), and the items blocked now.
pub(super) fn blocked(r: &Report) -> String {
    let Some(b) = &r.blocked else {
        return String::new();
    };
    let mut out = format!(
        "<section id=\"blocked\">\n<h2>Blocked time</h2>\n<p>{} of the cycle time of the items done was blocked ({} blocked days); {} blocked at some time after commitment, and {} now. Flow efficiency counts blocked time as waiting.</p>\n",
        percent(b.share_of_cycle_time),
        fixed(Some(b.done_days), 1),
        noun(b.items, "item was", "items were"),
        noun(b.now.len() as u64, "item is", "items are"),
    );
    let total: f64 = b.stage_days.iter().map(|s| s.1).sum();
    let rows: Vec<Vec<String>> = b
        .stage_days
        .iter()
        .filter(|s| s.1 > 0.0)
        .map(|(stage, d)| vec![stage.clone(), fixed(Some(*d), 1), percent(Some(d / total))])
        .collect();
    if !rows.is_empty() {
        out.push_str(&table(
            "blocked-stages",
            "Item-days blocked in each stage within the window",
            &[text("stage"), num("blocked (item-days)"), num("share")],
            &rows,
            None,
        ));
    }
    let now: Vec<Vec<String>> = b
        .now
        .iter()
        .take(AGING_LISTED)
        .map(|a| {
            vec![
                a.id.clone(),
                a.stage.clone(),
                fixed(Some(a.days), 1),
                a.since.format("%Y-%m-%d %H:%M").to_string(),
            ]
        })
        .collect();
    if !now.is_empty() {
        out.push_str(&table(
            "blocked-now",
            &format!(
                "Blocked now: {}, blocked longest first",
                items(b.now.len() as u64)
            ),
            &[
                text("item"),
                text("stage"),
                num("blocked (days)"),
                text("since"),
            ],
            &now,
            None,
        ));
    }
    out.push_str("</section>\n");
    out
}

/// The classes of service: per class its items, cycle-time p50 and p85, its SLE (set, or
/// its p85), the share of its done items within it, its work in progress on track, at risk
/// or past it, and its stalled items.
pub(super) fn classes(c: &Classes) -> String {
    let mut out = format!(
        "<section id=\"classes\">\n<h2>Classes of service by {}</h2>\n<p>An SLE of P% within D days expects P% of a class's items done within D days of commitment; unless set, it is the class's cycle-time p85 (marked *). Work in progress is on track below {:.0}% of D, at risk up to D, past beyond; an item is stalled after the class's cycle-time p50 (at least {} day) in one stage.</p>\n",
        escape(&c.attribute),
        SleStatus::AT_RISK_SHARE * 100.0,
        Classes::MIN_STALLED_DAYS
    );
    let rows: Vec<Vec<String>> = c
        .classes
        .iter()
        .map(|r| {
            let sle = r.sle.map_or("-".to_owned(), |s| {
                let star = if r.sle_source == Some(SleSource::CycleTimeP85) {
                    "*"
                } else {
                    ""
                };
                format!("{}% within {}{star}", s.percent, fixed(Some(s.days), 1))
            });
            vec![
                r.class.clone(),
                r.items.done.to_string(),
                r.items.in_progress.to_string(),
                fixed(r.cycle_time_days.p50, 1),
                fixed(r.cycle_time_days.p85, 1),
                sle,
                percent(r.sle_met),
                r.aging.on_track.to_string(),
                r.aging.at_risk.to_string(),
                r.aging.past.to_string(),
                r.stalled.to_string(),
            ]
        })
        .collect();
    out.push_str(&table(
        "classes",
        "Each class against its service-level expectation (SLE)",
        &[
            text("class"),
            num("done"),
            num("in progress"),
            num("cycle p50"),
            num("cycle p85"),
            num("SLE"),
            num("met"),
            num("on track"),
            num("at risk"),
            num("past"),
            num("stalled"),
        ],
        &rows,
        None,
    ));
    out.push_str("</section>\n");
    out
}

/// The data-quality ledger: what was read, used, rejected and dropped.
pub(super) fn quality(r: &Report) -> String {
    let q = &r.data_quality;
    let mut out = String::from("<section id=\"data-quality\">\n<h2>Data quality</h2>\n");
    let _ = writeln!(
        out,
        "<p>Every row of the log is either used or accounted for here: {} read, {} used.</p>",
        noun(q.rows, "row", "rows"),
        noun(q.events, "event", "events")
    );
    let c = crate::log::quality::count;
    let mut rows = vec![
        vec!["rows read".to_owned(), c(q.rows)],
        vec!["rows rejected".to_owned(), c(q.rejected.len() as u64)],
        vec!["events read".to_owned(), c(q.events_read)],
        vec!["events used".to_owned(), c(q.events)],
        vec![
            "events dropped (unmapped status)".to_owned(),
            c(q.dropped_events()),
        ],
        vec!["items".to_owned(), c(q.items)],
    ];
    for d in &q.dropped {
        rows.push(vec![
            format!(
                "dropped status \"{}\" (first on line {})",
                d.state, d.first_line
            ),
            c(d.count),
        ]);
    }
    out.push_str(&table(
        "quality",
        "The ledger of the read",
        &[text("what"), num("count")] as &[Column<'_>],
        &rows,
        None,
    ));
    out.push_str("</section>\n");
    out
}
