//! The readable terminal report.

use std::fmt::{self, Write as _};

use crate::metrics::{
    BlockedTime, Bottleneck, ClassRow, Classes, GroupRow, GroupedReport, LittlesLaw, ParentRow,
    Parents, Report, SleSource, SleStatus, WindowCheck,
};
use crate::stats::{Summary, plural};
use crate::workflow::ClassMap;
use crate::workflow::StageKind;

/// The line under a list of which `shown` of `total` were written, if any were left out:
/// "… and K more (all are in WHERE)".
fn and_more(o: &mut String, indent: &str, total: usize, shown: usize, place: &str) -> fmt::Result {
    if total > shown {
        writeln!(
            o,
            "{indent}… and {} more (all are in {place})",
            count((total - shown) as u64)
        )?;
    }
    Ok(())
}

/// How many aging items the text report lists.
const AGING_SHOWN: usize = 10;

fn f(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "-".to_owned(),
    }
}

fn pct(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{:.0}%", v * 100.0),
        _ => "-".to_owned(),
    }
}

use crate::log::quality::count;

fn summary_row(out: &mut String, label: &str, s: &Summary) -> fmt::Result {
    writeln!(
        out,
        "  {label:<18}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}",
        count(s.count),
        f(s.mean, 1),
        f(s.sd, 1),
        f(s.p50, 1),
        f(s.p70, 1),
        f(s.p85, 1),
        f(s.p95, 1),
        f(s.max, 1)
    )
}

/// The ids as shown in a column of `n` characters: an id longer than that keeps its end
/// (ids of one tool often share their beginning, as BPIC's `1-364285768`, `1-364285771`,
/// or `PROJECT-12345`), marked `…`; if two shortened ids would read the same, every id is
/// shown whole instead, so that the ids shown are as distinct as the items.
fn distinct_ids(ids: &[&str], n: usize) -> Vec<String> {
    let tails: Vec<String> = ids
        .iter()
        .map(|id| {
            let len = id.chars().count();
            if len <= n {
                (*id).to_owned()
            } else {
                let tail: String = id.chars().skip(len - (n - 1)).collect();
                format!("…{tail}")
            }
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    if tails.iter().all(|t| seen.insert(t.as_str())) {
        tails
    } else {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }
}

/// Cuts `s` to `n` characters, marking the cut.
/// The first `n` ids of a list of items as shown (each kept distinct, at most 23
/// characters unless that would make two alike), and the width of their column.
fn id_column<'a>(ids: impl Iterator<Item = &'a str>, n: usize) -> (Vec<String>, usize) {
    let ids: Vec<&str> = ids.take(n).collect();
    let shown = distinct_ids(&ids, 23);
    let width = shown
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(23)
        + 1;
    (shown, width)
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

impl fmt::Display for Report {
    fn fmt(&self, fm: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut o = String::with_capacity(4096);
        headline(&mut o, self)?;
        littles_law(&mut o, &self.littles_law)?;
        stages(&mut o, self)?;
        bottleneck(&mut o, &self.bottleneck)?;
        aging(&mut o, self)?;
        if let Some(b) = &self.blocked {
            blocked(&mut o, b)?;
        }
        writeln!(o)?;
        write!(o, "{}", self.data_quality)?;
        fm.write_str(&o)
    }
}

/// The width of the group names' column of the grouped report.
const GROUP_WIDTH: usize = 24;

impl fmt::Display for GroupedReport {
    fn fmt(&self, fm: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut o = String::with_capacity(4096);
        let w = &self.window;
        let n = self.groups.len();
        writeln!(
            o,
            "Flow report by {}: {} of {}\n  window {} to {} ({:.1} days)",
            self.attribute,
            plural(n as u64, "group", "groups"),
            items_count(self.whole.items.total),
            w.start.format("%Y-%m-%d %H:%M"),
            w.end.format("%Y-%m-%d %H:%M"),
            w.days
        )?;
        window_check(&mut o, &self.window_check)?;
        writeln!(o)?;
        writeln!(
            o,
            "  {:<GROUP_WIDTH$}{:>7}{:>7}{:>8}{:>9}{:>9}{:>9}{:>9}{:>9}{:>8}{:>7}{:>6}  bottleneck",
            cut(&self.attribute, GROUP_WIDTH),
            "items",
            "done",
            "in prog",
            "lead p50",
            "lead p85",
            "cyc p50",
            "cyc p85",
            "cyc p95",
            "per wk",
            "WIP",
            "eff."
        )?;
        for g in self.groups.iter().take(GroupedReport::TEXT_ROWS) {
            group_row(&mut o, g.name(), g)?;
        }
        if n > GroupedReport::TEXT_ROWS {
            writeln!(
                o,
                "  … and {} (all are in --json and --csv-dir)",
                plural(
                    (n - GroupedReport::TEXT_ROWS) as u64,
                    "more group",
                    "more groups"
                )
            )?;
        }
        group_row(&mut o, GroupedReport::WHOLE, &self.whole)?;
        writeln!(
            o,
            "\n  Lead (arrival to done) and cycle (commitment to done) times in days, per wk:\n  \
             items done per week, WIP: mean work in progress, eff.: flow efficiency."
        )?;
        fm.write_str(&o)
    }
}

/// The width of the class names' column.
const CLASS_WIDTH: usize = 16;

impl fmt::Display for Classes {
    fn fmt(&self, fm: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut o = String::with_capacity(4096);
        writeln!(
            o,
            "\nClasses of service by {}: {}",
            self.attribute,
            plural(self.classes.len() as u64, "class", "classes")
        )?;
        writeln!(
            o,
            "  {:<CLASS_WIDTH$}{:>7}{:>7}{:>8}{:>9}{:>9}{:>9}{:>9}{:>8}{:>7}{:>13}{:>6}{:>9}{:>8}{:>6}{:>8}",
            "class",
            "items",
            "done",
            "in prog",
            "lead p50",
            "lead p85",
            "cyc p50",
            "cyc p85",
            "per wk",
            "WIP",
            "SLE",
            "met",
            "on track",
            "at risk",
            "past",
            "stalled"
        )?;
        for c in &self.classes {
            class_row(&mut o, c)?;
        }
        writeln!(
            o,
            "\n  SLE: P% <= D: P% of the class's items done within D days of commitment, set or (*) \
             its cycle-time p85;\n  met: its items done within D days; in progress: on track below \
             {:.0}% of D, at risk up to D, past beyond;\n  stalled: in progress and in one stage \
             for the class's cycle-time p50 (at least {} day) or --stalled-after days.",
            SleStatus::AT_RISK_SHARE * 100.0,
            Classes::MIN_STALLED_DAYS
        )?;
        unmapped(&mut o, self)?;
        class_aging(&mut o, self)?;
        fm.write_str(&o)
    }
}

/// One row of the classes' table.
fn class_row(o: &mut String, c: &ClassRow) -> fmt::Result {
    let (lead, cycle) = (&c.lead_time_days, &c.cycle_time_days);
    let sle = c.sle.map_or("-".to_owned(), |s| {
        let star = if c.sle_source == Some(SleSource::CycleTimeP85) {
            "*"
        } else {
            " "
        };
        format!("{}% <= {}{star}", s.percent, f(Some(s.days), 1))
    });
    writeln!(
        o,
        "  {:<CLASS_WIDTH$}{:>7}{:>7}{:>8}{:>9}{:>9}{:>9}{:>9}{:>8}{:>7}{:>13}{:>6}{:>9}{:>8}{:>6}{:>8}",
        cut(&c.class, CLASS_WIDTH),
        count(c.items.total),
        count(c.items.done),
        count(c.items.in_progress),
        f(lead.p50, 1),
        f(lead.p85, 1),
        f(cycle.p50, 1),
        f(cycle.p85, 1),
        f(c.throughput.per_week, 1),
        f(c.wip.mean, 1),
        sle,
        pct(c.sle_met),
        count(c.aging.on_track),
        count(c.aging.at_risk),
        count(c.aging.past),
        count(c.stalled)
    )
}

/// The values no class holds.
fn unmapped(o: &mut String, c: &Classes) -> fmt::Result {
    if c.unmapped.is_empty() {
        return Ok(());
    }
    let n: u64 = c.unmapped.iter().map(|u| u.items).sum();
    let values: Vec<String> = c
        .unmapped
        .iter()
        .map(|u| {
            format!(
                "{} ({})",
                u.value.as_deref().unwrap_or("no value"),
                count(u.items)
            )
        })
        .collect();
    writeln!(
        o,
        "  ! {} a {} that no class holds: {}; they make the class {}. Add the values to a class, or make one class take every other value (values = [\"*\"]).",
        plural(n, "item has", "items have"),
        c.attribute,
        values.join(", "),
        ClassMap::UNMAPPED
    )
}

/// The work in progress at risk, past its class's SLE, or stalled, oldest first.
fn class_aging(o: &mut String, c: &Classes) -> fmt::Result {
    let flagged: Vec<_> = c
        .aging
        .iter()
        .filter(|a| a.stalled || matches!(a.sle_status, Some(SleStatus::AtRisk | SleStatus::Past)))
        .collect();
    writeln!(
        o,
        "\nWork in progress at risk, past its class's SLE or stalled: {}",
        items_count(flagged.len() as u64)
    )?;
    let (ids, width) = id_column(flagged.iter().map(|a| a.id.as_str()), Classes::TEXT_ITEMS);
    for (a, id) in flagged.iter().zip(&ids) {
        let line = format!(
            "  {id:<width$}{:<CLASS_WIDTH$}{:<22}{:>9} days  {:<9}{}",
            cut(&a.class, CLASS_WIDTH - 1),
            cut(&a.stage, 21),
            f(a.age_days, 1),
            a.sle_status.map_or("-", SleStatus::name),
            if a.stalled {
                format!("stalled: {} days in this stage", f(a.days_since_move, 1))
            } else {
                String::new()
            }
        );
        writeln!(o, "{}", line.trim_end())?;
    }
    and_more(
        o,
        "  ",
        flagged.len(),
        Classes::TEXT_ITEMS,
        "--json and --csv-dir",
    )
}

impl fmt::Display for Parents {
    fn fmt(&self, fm: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut o = String::with_capacity(4096);
        let w = &self.window;
        let n = self.parents.len();
        let open = self.parents.iter().filter(|p| p.open > 0).count() as u64;
        let open_children: u64 = self.parents.iter().map(|p| p.open).sum();
        let window = format!(
            "  window {} to {} ({:.1} days)",
            w.start.format("%Y-%m-%d %H:%M"),
            w.end.format("%Y-%m-%d %H:%M"),
            w.days
        );
        if n == 0 {
            writeln!(
                o,
                "Parents by {0}: none, no item of the window has a {0}\n{window}",
                self.attribute
            )?;
            return fm.write_str(&o);
        }
        writeln!(
            o,
            "Parents by {}: {}, {} open with {}\n{window}\n",
            self.attribute,
            plural(n as u64, "parent", "parents"),
            count(open),
            plural(open_children, "open child", "open children"),
        )?;
        writeln!(
            o,
            "  {:<GROUP_WIDTH$}{:>9}{:>6}{:>6}{:>13}{:>13}{:>10}{:>11}",
            cut(&self.attribute, GROUP_WIDTH),
            "children",
            "done",
            "open",
            "first start",
            "last done",
            "lead days",
            "cycle days"
        )?;
        for p in self.parents.iter().take(Parents::TEXT_ROWS) {
            parent_row(&mut o, p)?;
        }
        if n > Parents::TEXT_ROWS {
            writeln!(
                o,
                "  … and {} (all are in --json and --csv-dir)",
                plural(
                    (n - Parents::TEXT_ROWS) as u64,
                    "more parent",
                    "more parents"
                )
            )?;
        }
        if self.without_parent == 0 {
            writeln!(o, "\n  Every item has a value of {}.", self.attribute)?;
        } else {
            writeln!(
                o,
                "\n  {} no {}: {} to no parent.",
                plural(self.without_parent, "item has", "items have"),
                self.attribute,
                if self.without_parent == 1 {
                    "it belongs"
                } else {
                    "they belong"
                }
            )?;
        }
        writeln!(
            o,
            "  first start: the first child's commitment; last done: the last child's done, once\n  \
             none is open; lead days from the first child's arrival, cycle days from its start."
        )?;
        fm.write_str(&o)
    }
}

/// One row of the parents' table.
fn parent_row(o: &mut String, p: &ParentRow) -> fmt::Result {
    let day = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(|| "-".to_owned(), |t| t.format("%Y-%m-%d").to_string())
    };
    writeln!(
        o,
        "  {:<GROUP_WIDTH$}{:>9}{:>6}{:>6}{:>13}{:>13}{:>10}{:>11}",
        cut(&p.value, GROUP_WIDTH),
        count(p.children.total),
        count(p.children.done),
        count(p.open),
        day(p.first_start),
        day(p.last_done),
        f(p.lead_time_days, 1),
        f(p.cycle_time_days, 1)
    )
}

/// "1 item", "7,554 items".
fn items_count(n: u64) -> String {
    format!("{} {}", count(n), if n == 1 { "item" } else { "items" })
}

/// One row of the grouped report.
fn group_row(o: &mut String, name: &str, g: &GroupRow) -> fmt::Result {
    let (lead, cycle) = (&g.lead_time_days, &g.cycle_time_days);
    writeln!(
        o,
        "  {:<GROUP_WIDTH$}{:>7}{:>7}{:>8}{:>9}{:>9}{:>9}{:>9}{:>9}{:>8}{:>7}{:>6}  {}",
        cut(name, GROUP_WIDTH),
        count(g.items.total),
        count(g.items.done),
        count(g.items.in_progress),
        f(lead.p50, 1),
        f(lead.p85, 1),
        f(cycle.p50, 1),
        f(cycle.p85, 1),
        f(cycle.p95, 1),
        f(g.throughput.per_week, 1),
        f(g.wip.mean, 1),
        pct(g.flow_efficiency),
        g.bottleneck.as_deref().unwrap_or("none")
    )
}

/// The window, the item counts, lead and cycle time, throughput, WIP and flow efficiency.
fn headline(o: &mut String, r: &Report) -> fmt::Result {
    let w = &r.window;
    let source = r.data_quality.source.as_deref().unwrap_or("the log");
    writeln!(
        o,
        "Flow report of {source}\n  window {} to {} ({:.1} days)",
        w.start.format("%Y-%m-%d %H:%M"),
        w.end.format("%Y-%m-%d %H:%M"),
        w.days
    )?;
    window_check(o, &r.window_check)?;
    writeln!(o)?;
    let it = &r.items;
    writeln!(
        o,
        "Items {}: {} done, {} in progress, {} not started, {} discarded",
        count(it.total),
        count(it.done),
        count(it.in_progress),
        count(it.not_started),
        count(it.discarded)
    )?;
    writeln!(
        o,
        "  {:<18}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}",
        "(days)", "count", "mean", "sd", "p50", "p70", "p85", "p95", "max"
    )?;
    summary_row(o, "lead time", &r.lead_time_days)?;
    summary_row(o, "cycle time", &r.cycle_time_days)?;
    writeln!(
        o,
        "Throughput       {} per day, {} per week",
        f(r.throughput.per_day, 2),
        f(r.throughput.per_week, 1)
    )?;
    writeln!(
        o,
        "WIP              {} on average, {} now",
        f(r.wip.mean, 1),
        count(r.wip.current)
    )?;
    writeln!(o, "Flow efficiency  {}", pct(r.flow_efficiency))?;
    blanks(o, r)
}

/// Why a headline figure is blank (`-`): a window of no length has no rates or time
/// averages; without an item done there is no lead or cycle time; with every cycle time 0
/// no flow efficiency.
fn blanks(o: &mut String, r: &Report) -> fmt::Result {
    if r.throughput.per_day.is_none() {
        writeln!(
            o,
            "  The window has no length: throughput, WIP and the rates per day cannot be measured."
        )?;
    }
    if r.cycle_time_days.count == 0 {
        writeln!(
            o,
            "  No item was done in the window: lead time, cycle time and flow efficiency cannot be measured."
        )?;
    } else if r.flow_efficiency.is_none() {
        writeln!(
            o,
            "  Flow efficiency cannot be measured: every item done had a cycle time of 0."
        )?;
    }
    Ok(())
}

/// The signs that the window mixes regimes, and the options of the steady window it
/// suggests; nothing when the window is steady.
fn window_check(o: &mut String, c: &WindowCheck) -> fmt::Result {
    if c.steady {
        return Ok(());
    }
    writeln!(
        o,
        "  ! This window does not hold one steady stream of work:"
    )?;
    for w in &c.warnings {
        writeln!(o, "  ! {}", w.message)?;
    }
    if let Some(options) = c.steady_options() {
        writeln!(o, "  ! A steady window: {options}")?;
    }
    Ok(())
}

/// Little's law and the assumptions the window violates.
fn littles_law(o: &mut String, l: &LittlesLaw) -> fmt::Result {
    let lw = match (l.throughput_per_day, l.cycle_time_days) {
        (Some(x), Some(c)) => Some(x * c),
        _ => None,
    };
    writeln!(
        o,
        "Little's law     WIP {} against throughput {} per day × cycle time {} days = {}{}",
        f(l.wip, 1),
        f(l.throughput_per_day, 2),
        f(l.cycle_time_days, 1),
        f(lw, 1),
        l.relative_error
            .map_or(String::new(), |e| format!(" (error {:+.1}%)", e * 100.0))
    )?;
    for v in &l.violations {
        writeln!(o, "  ! {}", v.detail)?;
    }
    Ok(())
}

/// The stage table.
fn stages(o: &mut String, r: &Report) -> fmt::Result {
    writeln!(o, "\nStages")?;
    writeln!(
        o,
        "  {:<22}{:<8}{:>9}{:>9}{:>8}{:>8}{:>9}{:>9}{:>9}{:>9}{:>7}",
        "stage",
        "kind",
        "visits",
        "mean d",
        "p50 d",
        "p85 d",
        "WIP",
        "in/day",
        "out/day",
        "servers",
        "util"
    )?;
    for s in &r.stages {
        let servers = match (s.servers, s.servers_estimated) {
            (Some(c), true) => format!("~{c}"),
            (Some(c), false) => c.to_string(),
            _ => "-".to_owned(),
        };
        writeln!(
            o,
            "  {:<22}{:<8}{:>9}{:>9}{:>8}{:>8}{:>9}{:>9}{:>9}{:>9}{:>7}",
            cut(&s.name, 21),
            s.kind.name(),
            count(s.visits),
            f(s.visit_days.mean, 2),
            f(s.visit_days.p50, 2),
            f(s.visit_days.p85, 2),
            if s.kind == StageKind::Done {
                "-".to_owned()
            } else {
                f(s.wip_mean, 1)
            },
            f(s.arrival_rate, 2),
            f(s.departure_rate, 2),
            servers,
            pct(s.utilisation)
        )?;
    }
    if r.stages.iter().any(|s| s.servers_estimated) {
        writeln!(
            o,
            "  (~ servers estimated as the most items in the stage at once; give `servers` in the workflow)"
        )?;
    }
    Ok(())
}

/// The bottleneck, why, and the ranking; without a capacity constraint, first where the
/// time goes.
fn bottleneck(o: &mut String, b: &Bottleneck) -> fmt::Result {
    writeln!(
        o,
        "\nBottleneck: {}\n  {}",
        b.stage.as_deref().unwrap_or("none"),
        b.reason
    )?;
    if !b.constrained && !b.time_ranking.is_empty() {
        writeln!(
            o,
            "  Where the time goes (item-days in progress in the window):"
        )?;
        for (i, t) in b.time_ranking.iter().enumerate() {
            writeln!(
                o,
                "  {}. {:<22} {:<7}{:>5} {:>12} item-days",
                i + 1,
                cut(&t.stage, 21),
                t.kind.name(),
                pct(Some(t.share)),
                f(Some(t.item_days), 1)
            )?;
        }
        if !b.ranking.is_empty() {
            writeln!(o, "  The active stages, none near capacity:")?;
        }
    }
    for (i, e) in b.ranking.iter().enumerate() {
        writeln!(
            o,
            "  {}. {:<22} utilisation {:>5}, capacity {} per day, waiting in front {} item-days, queue {:+}",
            i + 1,
            cut(&e.stage, 21),
            pct(e.utilisation),
            f(e.capacity_per_day, 2),
            f(Some(e.wait_days), 1),
            e.queue_growth
        )?;
    }
    Ok(())
}

/// The oldest items in progress.
fn aging(o: &mut String, r: &Report) -> fmt::Result {
    writeln!(
        o,
        "\nAging work in progress: {} {}",
        count(r.aging.len() as u64),
        if r.aging.len() == 1 { "item" } else { "items" }
    )?;
    let (ids, width) = id_column(r.aging.iter().map(|a| a.id.as_str()), AGING_SHOWN);
    for (a, id) in r.aging.iter().zip(&ids) {
        writeln!(
            o,
            "  {id:<width$}{:<22}{:>9} days{}",
            cut(&a.stage, 21),
            f(Some(a.age_days), 1),
            a.percentile_passed
                .map_or(String::new(), |p| format!("  past p{p:.0} of cycle time"))
        )?;
    }
    and_more(o, "  ", r.aging.len(), AGING_SHOWN, "the JSON output")
}

/// Blocked time: its share of the cycle time, where it was, the items blocked now.
fn blocked(o: &mut String, b: &BlockedTime) -> fmt::Result {
    writeln!(
        o,
        "\nBlocked time: {} of the cycle time of the items done ({} blocked days); {} blocked at some time after commitment",
        pct(b.share_of_cycle_time),
        f(Some(b.done_days), 1),
        plural(b.items, "item was", "items were")
    )?;
    let total: f64 = b.stage_days.iter().map(|s| s.1).sum();
    if total > 0.0 {
        let width = b
            .stage_days
            .iter()
            .map(|s| s.0.chars().count().min(21))
            .max()
            .unwrap_or(0)
            + 2;
        writeln!(o, "  where (item-days blocked in the window):")?;
        for (stage, days) in b.stage_days.iter().filter(|s| s.1 > 0.0) {
            writeln!(
                o,
                "    {:<width$}{:>9}{:>6}",
                cut(stage, 21),
                f(Some(*days), 1),
                pct(Some(days / total))
            )?;
        }
    }
    writeln!(
        o,
        "  blocked now: {}",
        plural(b.now.len() as u64, "item", "items")
    )?;
    let (ids, width) = id_column(b.now.iter().map(|a| a.id.as_str()), AGING_SHOWN);
    for (a, id) in b.now.iter().zip(&ids) {
        writeln!(
            o,
            "    {id:<width$}{:<22}{:>9} days, since {}",
            cut(&a.stage, 21),
            f(Some(a.days), 1),
            a.since.format("%Y-%m-%d %H:%M")
        )?;
    }
    and_more(o, "    ", b.now.len(), AGING_SHOWN, "the JSON output")
}

#[cfg(test)]
mod tests {
    use super::distinct_ids;

    #[test]
    fn long_ids_keep_their_distinct_end() {
        let ids = [
            "project-alpha-2024-000000001",
            "project-alpha-2024-000000002",
            "SHORT-1",
        ];
        let shown = distinct_ids(&ids, 12);
        assert_eq!(shown, ["…4-000000001", "…4-000000002", "SHORT-1"]);
    }

    #[test]
    fn ids_whose_ends_agree_are_shown_whole() {
        let ids = ["alpha-team/issue-0001", "gamma-team/issue-0001"];
        assert_eq!(distinct_ids(&ids, 12), ids);
    }
}
