//! `valuestream simulate`: simulate a model file, and compare with the analytic answers.
//!
//! The text report puts simulated (mean and 95% confidence interval across replications) and
//! analytic answers side by side and flags with `≠` each analytic answer outside the
//! simulation's interval.
//!
//! With `--json` it prints one object (keys are public API):
//!
//! - `model`: the model file;
//! - `valuestream::SimulationReport`: the simulated results, as `valuestream::SimResult`
//!   serialises them:
//!   `cycle_time_days.{mean, ci95, p50, p85, p95}`, `throughput.{per_day, ci95}`,
//!   `wip.{mean, ci95, growth_per_day}`, `stations[]` with `{name, utilisation, wait_days_mean,
//!   time_days_mean, queue_mean, …}`, `seed`, `replications`, `horizon_days`, `warmup_days`,
//!   `items_done`, `services`, `unstable`, `littles_law_relative_error`;
//!   `analytic`: `valuestream::Analysis`: `{cycle_time_days_mean, exact, stable,
//!   throughput_per_day, wip_mean, warnings, stations[] {name, utilisation, wait_days_mean,
//!   stable, method, exact, …}}`;
//!   `disagreements[]`: `{what, analytic, simulated, ci95, exact}` for each analytic answer
//!   outside the simulation's confidence interval.
//!
//! Every `ci95` is `[low, high]`, or `null` with one replication.

use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args as ClapArgs;
use valuestream::{
    Analysis, Disagreement, SimOptions, SimResult, Simulation, SimulationReport, ValueStream,
    analyze, parse_instant, parse_offset,
};

use crate::Failure;
use crate::input::BudgetArg;
use crate::modelsrc::SimArgs;
use crate::output::{print, print_json};

/// Arguments of `simulate`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The model file (TOML): [arrivals] and ordered [[stage]] tables.
    #[arg(value_name = "MODEL.toml")]
    model: PathBuf,
    #[command(flatten)]
    sim: SimArgs,
    /// The most threads the command uses: those that run replications [default: the
    /// available cores]. The output does not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<NonZeroUsize>,
    #[command(flatten)]
    budget: BudgetArg,
    /// Print JSON: the simulated results, `analytic` and `disagreements`.
    #[arg(long)]
    json: bool,
    /// Write the simulated history of the first replication as a long CSV
    /// (id,state,timestamp) that `valuestream check` reads.
    #[arg(long, value_name = "OUT.csv")]
    log: Option<PathBuf>,
    /// Write the workflow that maps the states of `--log` (for `--workflow`).
    #[arg(long, value_name = "WF.toml")]
    log_workflow: Option<PathBuf>,
    /// The instant the simulated history starts at.
    #[arg(long, default_value = "2025-01-01T00:00:00Z", value_name = "T")]
    start: String,
}

#[derive(serde::Serialize)]
struct Out<'a> {
    model: String,
    #[serde(flatten)]
    report: &'a SimulationReport,
}

/// Runs `simulate`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let model = ValueStream::from_path(&args.model)?;
    let options = args.sim.options(args.threads, args.budget.bytes());
    let sim = Simulation::new(&model)?;
    let phase = crate::progress::replications("simulating", options.replications);
    let result = crate::progress::during(phase, || sim.run(&options))?;
    let analysis = analyze(&model)?;
    if let Some(path) = &args.log {
        let start = parse_instant(&args.start, parse_offset("Z")?)?;
        write_log(&sim, &options, start, path)?;
    }
    if let Some(path) = &args.log_workflow {
        let text = model.workflow()?.to_toml();
        std::fs::write(path, text)
            .map_err(|e| Failure::other(format!("cannot write {}: {e}", path.display())))?;
    }
    let report = SimulationReport::from_parts(result, analysis);
    if args.json {
        print_json(&Out {
            model: args.model.display().to_string(),
            report: &report,
        })
    } else {
        print(&text(&args.model.display().to_string(), &model, &report))
    }
}

/// Writes the first replication's history as `id,state,timestamp`.
fn write_log(
    sim: &Simulation,
    options: &SimOptions,
    start: DateTime<Utc>,
    path: &PathBuf,
) -> Result<(), Failure> {
    let log = sim.history(options, start)?;
    let fail =
        |e: &dyn std::fmt::Display| Failure::other(format!("cannot write {}: {e}", path.display()));
    let mut w = csv::Writer::from_path(path).map_err(|e| fail(&e))?;
    w.write_record(["id", "state", "timestamp"])
        .map_err(|e| fail(&e))?;
    for e in log.events() {
        let t = e.time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        w.write_record([e.item, e.state, t.as_str()])
            .map_err(|e| fail(&e))?;
    }
    w.flush().map_err(|e| fail(&e))
}

fn num(x: f64) -> String {
    if !x.is_finite() {
        "–".to_owned()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn with_ci(x: f64, ci: Option<[f64; 2]>) -> String {
    match ci {
        Some([lo, hi]) if x.is_finite() => format!("{} [{}, {}]", num(x), num(lo), num(hi)),
        _ => num(x),
    }
}

fn analytic(x: Option<f64>, exact: bool, ci: Option<[f64; 2]>) -> String {
    match x {
        None => "–".to_owned(),
        Some(v) => {
            let flag = match ci {
                Some([lo, hi]) if !(lo <= v && v <= hi) => " ≠",
                _ => "",
            };
            format!("{}{}{flag}", num(v), if exact { "" } else { " ≈" })
        }
    }
}

/// The text report.
fn text(file: &str, model: &ValueStream, report: &SimulationReport) -> String {
    let (r, a) = (&report.simulated, &report.analytic);
    let mut s = String::new();
    header(&mut s, file, r);
    stream_rows(&mut s, r, a);
    station_rows(&mut s, model, r, a);
    notes(&mut s, r, a, &report.disagreements);
    s
}

fn header(s: &mut String, file: &str, r: &SimResult) {
    let _ = writeln!(s, "Simulation of {file}");
    let _ = writeln!(
        s,
        "seed {}, {} of {} days (the first {} left out), {} finished",
        r.seed,
        valuestream::plural(u64::from(r.replications), "replication", "replications"),
        num(r.horizon_days),
        num(r.warmup_days),
        valuestream::plural(r.items_done, "item", "items")
    );
    let _ = writeln!(
        s,
        "Simulated: mean [95% confidence interval]. Analytic: ≈ approximation, ≠ outside the simulation's interval.\n"
    );
}

/// Cycle time, throughput and WIP, simulated and analytic.
fn stream_rows(s: &mut String, r: &SimResult, a: &Analysis) {
    let _ = writeln!(s, "{:<26} {:<28} analytic", "", "simulated");
    // With nothing finished, nothing was measured to disagree with (no ≠).
    let judged = |ci: Option<[f64; 2]>| ci.filter(|_| !r.horizon_too_short());
    let ct = &r.cycle_time_days;
    let rows = [
        (
            "cycle time, mean days",
            with_ci(ct.mean, ct.ci95),
            analytic(a.cycle_time_days_mean, a.exact, judged(ct.ci95)),
        ),
        (
            "cycle time p50/p85/p95",
            format!("{} / {} / {}", num(ct.p50), num(ct.p85), num(ct.p95)),
            String::new(),
        ),
        (
            "throughput per day",
            with_ci(r.throughput.per_day, r.throughput.ci95),
            analytic(
                Some(a.throughput_per_day),
                a.exact,
                judged(r.throughput.ci95),
            ),
        ),
        (
            "WIP, mean items",
            with_ci(r.wip.mean, r.wip.ci95),
            analytic(a.wip_mean, a.exact, judged(r.wip.ci95)),
        ),
    ];
    for (what, sim, an) in rows {
        let _ = writeln!(s, "{}", format!("{what:<26} {sim:<28} {an}").trim_end());
    }
    let _ = writeln!(s);
}

/// Per station: servers, utilisation, wait, time and queue, simulated and analytic.
fn station_rows(s: &mut String, model: &ValueStream, r: &SimResult, a: &Analysis) {
    let _ = writeln!(
        s,
        "{:<14} {:>9}  {:<24} {:<10}  {:<24} {:<10}  {:<18} queue, mean",
        "station",
        "servers",
        "utilisation",
        "analytic",
        "wait, mean days",
        "analytic",
        "time, mean days"
    );
    let judged = |ci: Option<[f64; 2]>| ci.filter(|_| !r.horizon_too_short());
    for ((st, sa), spec) in r.stations.iter().zip(&a.stations).zip(&model.stations) {
        let util = match st.utilisation {
            Some(u) => with_ci(u, st.utilisation_ci95),
            None => format!("{} busy", num(st.busy_servers_mean)),
        };
        let util_ci = if sa.utilisation_comparable() {
            st.utilisation_ci95
        } else {
            None
        };
        let _ = writeln!(
            s,
            "{:<14} {:>9}  {:<24} {:<10}  {:<24} {:<10}  {:<18} {}",
            st.name,
            spec.servers.to_string(),
            util,
            analytic(sa.utilisation, sa.exact, judged(util_ci)),
            with_ci(st.wait_days_mean, st.wait_days_ci95),
            analytic(sa.wait_days_mean, sa.exact, judged(st.wait_days_ci95)),
            num(st.time_days_mean),
            num(st.queue_mean),
        );
    }
}

/// Instability, the analytic notes, the disagreements and Little's law.
fn notes(s: &mut String, r: &SimResult, a: &Analysis, dis: &[Disagreement]) {
    let grew: Vec<&str> = r
        .stations
        .iter()
        .filter(|x| x.queue_grew)
        .map(|x| x.name.as_str())
        .collect();
    if !r.classes.is_empty() {
        let _ = writeln!(
            s,
            "\nclass            cycle time, mean days        throughput per day"
        );
        for c in &r.classes {
            let ci = c.cycle_time_days_ci95.map_or(String::new(), |[lo, hi]| {
                format!(" [{}, {}]", num(lo), num(hi))
            });
            let _ = writeln!(
                s,
                "{:<16} {:<28} {:.2}",
                c.name,
                format!("{}{ci}", num(c.cycle_time_days_mean)),
                c.throughput_per_day
            );
        }
    }
    if r.unstable {
        let _ = writeln!(
            s,
            "\nUnstable: queues grew over the simulation ({}); the averages depend on the horizon.",
            if grew.is_empty() {
                "work waiting to start".to_owned()
            } else {
                grew.join(", ")
            }
        );
    }
    if !a.warnings.is_empty() {
        let _ = writeln!(s, "\nAnalytic notes:");
        for w in &a.warnings {
            let _ = writeln!(s, "- {w}");
        }
    }
    if !dis.is_empty() {
        let _ = writeln!(
            s,
            "\nAnalytic answers outside the simulation's 95% interval:"
        );
        for d in dis {
            let _ = writeln!(
                s,
                "- {}: analytic {} ({}), simulated {} [{}, {}]",
                d.what,
                num(d.analytic),
                if d.exact { "exact" } else { "approximation" },
                num(d.simulated),
                num(d.ci95[0]),
                num(d.ci95[1])
            );
        }
    }
    match r.littles_law_relative_error {
        Some(e) => {
            let _ = writeln!(
                s,
                "\nLittle's law on the simulated output: WIP = throughput × cycle time within {:.2}%{}.",
                100.0 * e,
                if r.unstable {
                    " (it needs a stable stream)"
                } else {
                    ""
                }
            );
        }
        None if r.horizon_too_short() => {
            let _ = writeln!(
                s,
                "\nNo item finished within the measured window of any replication: the horizon is too short to measure cycle time and throughput, to check Little's law or to judge whether queues grow (this is not overload); simulate longer with --horizon-days."
            );
        }
        None => {
            let _ = writeln!(
                s,
                "\nLittle's law cannot be checked: no work was in progress in the measured window."
            );
        }
    }
}
