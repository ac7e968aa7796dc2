//! `valuestream fit`: a queueing model fitted to a log, its bottleneck, and an in-sample
//! check (`valuestream backtest` is the held-out one).
//!
//! With `--json` it prints `valuestream::FitReport` (keys are public API):
//!
//! - `model`: the model file's content (`arrivals`, `stage[]`), its stations named after
//!   their active stages, each `service` carrying `mean_days` whatever its distribution;
//! - `fit`: `arrivals {items, window_days, rate_per_day, interarrival_scv, poisson}` and
//!   `stations[] {name, queue, services, mean_days, cv, distribution, families[], servers,
//!   servers_from, people, rework, release}` (how each part was estimated; `people`, when
//!   the log was read with `--resource`, is `valuestream::PeopleFit`: `{people,
//!   people_per_week, weeks, services, unnamed, service_days, busy_person_days,
//!   items_at_once, busy_share, servers, peak_at_once}`);
//! - `bottleneck`: `{station, utilisation, constrained, time_ranking[] {station, delay, days,
//!   queue_days, service_days, share}}` (the most utilised station, analytically; a
//!   bottleneck only when `constrained`, its utilisation at least 0.7; otherwise the text
//!   says there is no capacity constraint and ranks the stations by their share of the
//!   model's mean cycle time);
//! - `in_sample`: `valuestream::Backtest` (the model replayed on the log it was fitted to): `cycle_time_days {mean, p50, p85}`,
//!   `throughput_per_day`, `wip_mean`, each `{observed, predicted, relative_error, spread,
//!   within_spread}`,
//!   `stations[] {name, wip}`;
//! - `trust`: `valuestream::ModelTrust`, the backtest's verdict: `{basis, held_up,
//!   done_items, summary, reasons[]}`;
//! - `window_check`: `valuestream::WindowCheck`: `{steady, warnings[] {kind, message, since,
//!   until}, since, until}`, whether the log holds one steady stream of work (when it does
//!   not, the model is fitted across a change of regime);
//! - `notes[]`: what the model could not represent.

use std::path::PathBuf;

use clap::Args as ClapArgs;
use valuestream::{
    Arrivals, Backtest, CONSTRAINT_UTILISATION, Comparison, FitReport, FittedModel,
    ModelBottleneck, ServersFrom,
};

use crate::Failure;
use crate::input::InputArgs;
use crate::modelsrc::{SimArgs, fit_log};
use crate::output::{print, print_json};

/// Arguments of `fit`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    sim: SimArgs,
    /// Describe service times by the best of exponential, lognormal, gamma and Weibull
    /// (maximum likelihood) instead of resampling the observed ones.
    #[arg(long)]
    parametric: bool,
    /// Write the fitted model as a model file.
    #[arg(long, value_name = "MODEL.toml")]
    out: Option<PathBuf>,
    /// Print JSON: model, fit, bottleneck, in_sample, trust, window_check, notes.
    #[arg(long)]
    json: bool,
}

fn spread(c: &Comparison) -> String {
    format!(
        "{:.2} to {:.2}{}",
        c.spread[0],
        c.spread[1],
        if c.within_spread {
            ""
        } else {
            "  (the log is outside)"
        }
    )
}

fn pct(x: f64) -> String {
    format!("{:+.1}%", x * 100.0)
}

/// The window and the arrivals.
fn arrivals_text(f: &FittedModel, s: &mut String) {
    s.push_str(&format!(
        "Model fitted to {} to {} ({:.0} days)\n",
        f.start.format("%Y-%m-%d"),
        f.as_of.format("%Y-%m-%d"),
        f.arrivals.window_days
    ));
    let a = &f.arrivals;
    s.push_str(&format!(
        "  arrivals   {} commitments, {:.2} a day, gaps' squared CV {:.2}: {}\n",
        a.items,
        a.rate_per_day,
        a.interarrival_scv,
        if matches!(f.model.arrivals, Arrivals::Weekly { .. }) {
            "Poisson with the weekly rhythm below"
        } else if a.poisson {
            "Poisson"
        } else {
            "gamma gaps"
        }
    ));
    if let Some(r) = &f.rhythm {
        s.push_str(&format!("  rhythm     {}\n", r.summary()));
    }
    if let Some(c) = &f.calendar {
        s.push_str(&format!("  calendar   {}\n", c.summary()));
    }
}

/// The signs that the log mixes regimes, and the window that is steady.
fn window_text(f: &FittedModel, s: &mut String) {
    let c = &f.window_check;
    if c.steady {
        return;
    }
    s.push_str(if f.cohort {
        "  ! The log does not hold one steady stream of work; the model is fitted to its steady window:\n"
    } else {
        "  ! The log does not hold one steady stream of work; the model is fitted across it:\n"
    });
    for w in &c.warnings {
        s.push_str(&format!("  ! {}\n", w.message));
    }
    if let Some(options) = c.steady_options() {
        let fit_took = if f.cohort {
            "the model above is fitted to it"
        } else {
            "fit takes the whole log with --fit-window whole"
        };
        s.push_str(&format!(
            "  ! `valuestream report {options}` measures the steady window ({fit_took})\n"
        ));
    }
}

/// One line per station, and a line for each of its visit probability, rework, release
/// and best-fitting family.
fn stations_text(f: &FittedModel, s: &mut String) {
    s.push_str(
        "  station            servers           service (days)                       queue\n",
    );
    for st in &f.stations {
        let servers = match (st.servers, st.servers_from) {
            (None, _) => "unlimited".to_owned(),
            (Some(c), ServersFrom::Workflow) => format!("{c}"),
            (Some(c), ServersFrom::People) => format!("{c} (people)"),
            (Some(c), _) => format!("{c} (peak at once)"),
        };
        s.push_str(&format!(
            "  {:<18} {:<17} mean {:>6.2} cv {:>4.2} {:<13} {}\n",
            st.name,
            servers,
            st.mean_days,
            st.cv,
            st.distribution,
            st.queue.join(", ")
        ));
        if let Some(p) = &st.people {
            s.push_str(&format!("  {:<18} capacity: {p}\n", ""));
        }
        if st.visit_probability < 1.0 {
            s.push_str(&format!(
                "  {:<18} visited by {:.1}% of the items (the others pass it by)\n",
                "",
                st.visit_probability * 100.0
            ));
        }
        if let Some(r) = &st.rework {
            match r.later_probability {
                Some(later) => s.push_str(&format!(
                    "  {:<18} rework to {} with probability {:.2} after a first visit, {later:.2} after a later one ({} moves back)\n",
                    "", r.to, r.probability, r.moves
                )),
                None => s.push_str(&format!(
                    "  {:<18} rework to {} with probability {:.2} ({} moves back)\n",
                    "", r.to, r.probability, r.moves
                )),
            }
        }
        if let Some(r) = &st.revisit {
            s.push_str(&format!(
                "  {:<18} later visits: mean {:.2} cv {:.2} ({} of them)\n",
                "", r.mean_days, r.cv, r.services
            ));
        }
        if let Some(r) = &st.release {
            s.push_str(&format!(
                "  {:<18} released every {} days ({} releases; {:.0}% of the work in them)\n",
                "",
                r.every_days,
                r.releases,
                r.share_in_releases * 100.0
            ));
        }
        if let Some(best) = st.families.first() {
            s.push_str(&format!(
                "  {:<18} best fit {:?} (Kolmogorov–Smirnov {:.3}; AIC {:.0})\n",
                "", best.family, best.ks, best.aic
            ));
        }
    }
}

/// Each class of work: its share and, per station, its own mean service time.
fn classes_text(f: &FittedModel, s: &mut String) {
    let Some(by) = &f.class_by else { return };
    s.push_str(&format!(
        "  classes by {by} (sharing the servers above): mean service days per station\n"
    ));
    s.push_str(&format!("  {:<18} {:>6}", "class", "share"));
    for st in &f.stations {
        s.push_str(&format!(" {:>12.12}", st.name));
    }
    s.push('\n');
    for c in &f.classes {
        s.push_str(&format!("  {:<18} {:>5.0}%", c.name, c.share * 100.0));
        for st in &f.stations {
            match c.stations.iter().find(|x| x.name == st.name) {
                Some(x) => s.push_str(&format!(" {:>12.2}", x.mean_days)),
                None => s.push_str(&format!(" {:>12}", "-")),
            }
        }
        s.push('\n');
    }
}

/// The bottleneck; or, when no station is near its capacity, that there is none and where
/// the model's cycle time goes.
fn bottleneck_text(b: &ModelBottleneck, f: &FittedModel, s: &mut String) {
    if !b.constrained {
        no_constraint_text(b, f, s);
        return;
    }
    if let (Some(station), Some(u)) = (&b.station, b.utilisation) {
        if u > 1.0 {
            s.push_str(&format!(
                "Bottleneck: {station} (work reaches it at {:.0}% of its capacity: its queue grows)\n",
                u * 100.0
            ));
        } else {
            s.push_str(&format!(
                "Bottleneck: {station} ({:.0}% utilised)\n",
                u * 100.0
            ));
        }
    }
}

/// "No capacity constraint", the most utilised station, and the stations by their share of
/// the model's mean cycle time.
fn no_constraint_text(b: &ModelBottleneck, f: &FittedModel, s: &mut String) {
    let busiest = match (&b.station, b.utilisation) {
        (Some(station), Some(u)) => {
            let peak = f
                .stations
                .iter()
                .any(|st| &st.name == station && st.servers_from == ServersFrom::PeakConcurrency);
            format!(
                "the most, {station}, {:.0}%{}",
                u * 100.0,
                if peak {
                    ", an upper bound: its servers are the most items in it at once"
                } else {
                    ""
                }
            )
        }
        _ => "no station has a limited number of servers".to_owned(),
    };
    s.push_str(&format!(
        "No capacity constraint: no station is busy {:.0}% of the time or more ({busiest})",
        CONSTRAINT_UTILISATION * 100.0
    ));
    let cycle: f64 = b.time_ranking.iter().map(|t| t.days).sum();
    // Waiting: a delay's time, and the time in a station's queue.
    let mut waiting: Vec<(f64, String)> = b
        .time_ranking
        .iter()
        .filter_map(|t| {
            if t.delay {
                Some((t.share, t.station.clone()))
            } else {
                let q = t.queue_days / cycle;
                (q >= 0.005).then(|| (q, format!("the queue of {}", t.station)))
            }
        })
        .collect();
    waiting.sort_by(|x, y| y.0.total_cmp(&x.0));
    if waiting.is_empty() {
        s.push_str(".\n");
    } else {
        let total: f64 = waiting.iter().map(|w| w.0).sum();
        let parts: Vec<String> = waiting
            .iter()
            .map(|(q, name)| format!("{name} ({:.0}%)", q * 100.0))
            .collect();
        s.push_str(&format!(
            "; of the model's mean cycle time (analytic, {cycle:.2} days), {:.0}% is waiting on {}.\n",
            total * 100.0,
            join_and(&parts)
        ));
    }
    if b.time_ranking.is_empty() {
        return;
    }
    s.push_str("  Where the model's mean cycle time goes (days per item):\n");
    for (i, t) in b.time_ranking.iter().enumerate() {
        let what = if t.delay {
            "delay".to_owned()
        } else {
            format!("queue {:.2} + service {:.2}", t.queue_days, t.service_days)
        };
        s.push_str(&format!(
            "  {}. {:<18} {:<28} {:>7.2} {:>4.0}%\n",
            i + 1,
            t.station,
            what,
            t.days,
            t.share * 100.0
        ));
    }
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The backtest: each figure observed, predicted, the error and the model's spread.
fn backtest_text(f: &FittedModel, bt: &Backtest, s: &mut String) {
    if f.arrivals.pulled {
        s.push_str(&format!(
            "In-sample check: the model run over the log's {:.0} days, pulling work as the team did, {} times (valuestream backtest holds data out)\n",
            f.arrivals.window_days, bt.replications
        ));
    } else {
        s.push_str(&format!(
            "In-sample check: the model replayed on the log's own {} arrivals, {} times (valuestream backtest holds data out)\n",
            f.arrivals.items, bt.replications
        ));
    }
    s.push_str(
        "  figure                    observed   predicted   error   one history of the model\n",
    );
    let rows = [
        ("cycle time mean (days)", &bt.cycle_time_days.mean),
        ("cycle time p50 (days)", &bt.cycle_time_days.p50),
        ("cycle time p85 (days)", &bt.cycle_time_days.p85),
        ("throughput (a day)", &bt.throughput_per_day),
        ("WIP", &bt.wip_mean),
    ];
    for (label, c) in rows {
        s.push_str(&format!(
            "  {label:<24} {:>9.2} {:>11.2} {:>7}   {}\n",
            c.observed,
            c.predicted,
            pct(c.relative_error),
            spread(c)
        ));
    }
    for st in &bt.stations {
        s.push_str(&format!(
            "  WIP at {:<17} {:>9.2} {:>11.2} {:>7}   {}\n",
            st.name,
            st.wip.observed,
            st.wip.predicted,
            pct(st.wip.relative_error),
            spread(&st.wip)
        ));
    }
    s.push_str("  (cycle time: commitment to done, as in the report)\n");
}

fn text(r: &FitReport) -> String {
    let mut s = String::new();
    arrivals_text(&r.fitted, &mut s);
    window_text(&r.fitted, &mut s);
    stations_text(&r.fitted, &mut s);
    classes_text(&r.fitted, &mut s);
    bottleneck_text(&r.bottleneck, &r.fitted, &mut s);
    backtest_text(&r.fitted, &r.in_sample, &mut s);
    s.push_str(&format!("Trust: {}\n", r.trust.summary));
    for n in &r.fitted.notes {
        s.push_str(&format!("  note: {n}\n"));
    }
    s
}

/// Runs `fit`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let (fitted, timelines) = fit_log(&args.input, args.parametric)?;
    let options = args
        .sim
        .options(args.input.threads, args.input.memory_budget());
    let report = crate::progress::during("checking the model against the log", || {
        FitReport::new(fitted, &timelines, &options)
    })?;
    if let Some(path) = &args.out {
        std::fs::write(path, report.fitted.model.to_toml())
            .map_err(|e| Failure::other(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("valuestream: note: wrote the model to {}", path.display());
    }
    if args.json {
        print_json(&report)
    } else {
        print(&text(&report))
    }
}
