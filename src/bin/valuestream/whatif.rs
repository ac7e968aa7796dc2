//! `valuestream whatif`: a scenario against the baseline, with common random numbers.
//!
//! With `--json` it prints `valuestream::WhatIf` (keys are public API): `changes[]`,
//! `baseline` and `scenario` (each `cycle_time_days {mean, ci95, p50, p85, p95}`,
//! `throughput {per_day, ci95}`, `wip`, `stations[] {name, utilisation, wait_days_mean,
//! time_days_mean, queue_mean, wip_mean, queue_growth_per_day}`, `bottleneck`, `unstable`),
//! `cycle_time` and `throughput` (each `{baseline, scenario, delta, delta_rel, ci95,
//! ci95_rel, real}`; `delta_rel` is `null` when the baseline is 0 or not measured and
//! the scenario differs, as `valuestream::Difference` says), `verdict`, and `trust` (`valuestream::ModelTrust`: `{basis, held_up,
//! done_items, summary, reasons[]}`: how far the model held up against the log it was
//! fitted to, or basis `none` for a model file).

use std::path::PathBuf;

use clap::Args as ClapArgs;
use valuestream::{Change, WhatIf, what_if, write_whatif_html};

use crate::Failure;
use crate::input::InputArgs;
use crate::modelsrc::{SimArgs, model};
use crate::output::{fixed, print, print_json};

/// Arguments of `whatif`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    sim: SimArgs,
    /// A change (repeatable, applied in order): "automate STAGE[=2h]", "scale STAGE=0.5",
    /// "servers STAGE=3" or "servers STAGE=+1", "batch STAGE=none|every:7d|size:5",
    /// "wip STAGE=8", "remove STAGE", "arrivals 2.5".
    #[arg(long = "change", value_name = "CHANGE", required = true)]
    changes: Vec<String>,
    /// Print JSON: baseline, scenario, cycle_time, throughput, verdict, trust.
    #[arg(long)]
    json: bool,
    /// Also write the comparison as one HTML page with nothing to fetch: a sentence reading
    /// it, the table, the verdict and trust, and a chart of baseline against scenario.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

fn text(w: &WhatIf) -> String {
    let mut s = format!("What if: {}\n", w.changes.join(", "));
    s.push_str("                          baseline      scenario\n");
    let lt = |o: &valuestream::Outcome| o.cycle_time_days.mean;
    s.push_str(&format!(
        "  cycle time mean (days){:>12} {:>13}\n",
        fixed(lt(&w.baseline), 2),
        fixed(lt(&w.scenario), 2)
    ));
    s.push_str(&format!(
        "  cycle time p85 (days) {:>12} {:>13}\n",
        fixed(w.baseline.cycle_time_days.p85, 2),
        fixed(w.scenario.cycle_time_days.p85, 2)
    ));
    s.push_str(&format!(
        "  throughput (a day)    {:>12} {:>13}\n",
        fixed(w.baseline.throughput.per_day, 2),
        fixed(w.scenario.throughput.per_day, 2)
    ));
    s.push_str(&format!(
        "  WIP                   {:>12} {:>13}\n",
        fixed(w.baseline.wip.mean, 1),
        fixed(w.scenario.wip.mean, 1)
    ));
    s.push_str(&format!(
        "  bottleneck            {:>12} {:>13}\n",
        w.baseline.bottleneck.as_deref().unwrap_or("-"),
        w.scenario.bottleneck.as_deref().unwrap_or("-")
    ));
    s.push_str("  waiting in front of (days)\n");
    for st in &w.baseline.stations {
        let after = w
            .scenario
            .stations
            .iter()
            .find(|x| x.name == st.name)
            .map_or("(removed)".to_owned(), |x| fixed(x.wait_days_mean, 2));
        s.push_str(&format!(
            "    {:<19} {:>12} {:>13}\n",
            st.name,
            fixed(st.wait_days_mean, 2),
            after
        ));
    }
    if !w.classes.is_empty() {
        s.push_str("  cycle time mean by class (days)\n");
        for c in &w.classes {
            let d = &c.cycle_time;
            s.push_str(&format!(
                "    {:<19} {:>12} {:>13}   {}\n",
                c.class,
                fixed(d.baseline, 2),
                fixed(d.scenario, 2),
                if d.delta_rel.is_finite() {
                    format!("{:+.1}%", d.delta_rel * 100.0)
                } else {
                    "–".to_owned()
                }
            ));
        }
    }
    s.push('\n');
    s.push_str(&w.verdict);
    s.push('\n');
    s.push_str(&format!("Trust: {}\n", w.trust.summary));
    s
}

/// Runs `whatif`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let changes: Vec<Change> = args
        .changes
        .iter()
        .map(|c| c.parse::<Change>())
        .collect::<Result<_, _>>()?;
    let options = args
        .sim
        .options(args.input.threads, args.input.memory_budget());
    let (m, trust) = model(&args.input, &options)?;
    let phase = crate::progress::replications("simulating", options.replications);
    let w = crate::progress::during(phase, || what_if(&m, &changes, &options))?.with_trust(trust);
    if let Some(path) = &args.html {
        let written = crate::report::write_file(path, |out| write_whatif_html(&w, out))?;
        eprintln!("valuestream: note: wrote {written}");
    }
    if args.json {
        print_json(&w)
    } else {
        print(&text(&w))
    }
}
