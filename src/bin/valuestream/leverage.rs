//! `valuestream leverage`: for every station, automate it, add a server, halve its service
//! time; ranked by how much faster delivery gets (or how much more gets done when demand
//! exceeds a capacity).
//!
//! With `--json` it prints `valuestream::Leverage` (keys are public API): `baseline`,
//! `by` (`cycle_time` or `throughput`) and `ranking[]` of `{change, cycle_time_days_mean,
//! delta_rel, throughput_per_day, throughput_delta_rel, real}`, best first, and `trust`
//! (`valuestream::ModelTrust`: `{basis, held_up, done_items, summary, reasons[]}`).

use clap::Args as ClapArgs;
use valuestream::{Leverage, leverage};

use crate::Failure;
use crate::input::InputArgs;
use crate::modelsrc::{SimArgs, model};
use crate::output::{print, print_json};

/// Arguments of `leverage`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    sim: SimArgs,
    /// Print JSON: baseline, by, ranking, trust.
    #[arg(long)]
    json: bool,
}

fn text(l: &Leverage) -> String {
    let mut s = format!(
        "Levers, ranked by {}.\nBaseline: cycle time {:.2} days, throughput {:.2} a day, bottleneck {}.\n",
        if l.by == "throughput" {
            "the throughput they add, since demand exceeds a capacity (levers within the noise of each other by cycle time)"
        } else {
            "how much they shorten cycle time"
        },
        l.baseline.cycle_time_days.mean,
        l.baseline.throughput.per_day,
        l.baseline.bottleneck.as_deref().unwrap_or("-")
    );
    s.push_str("   change                       cycle time   change   throughput   change\n");
    for (i, x) in l.ranking.iter().enumerate() {
        s.push_str(&format!(
            "{:>2}. {:<28} {:>9.2} {:>8} {:>12.2} {:>8}{}\n",
            i + 1,
            x.change,
            x.cycle_time_days_mean,
            format!("{:+.0}%", x.delta_rel * 100.0),
            x.throughput_per_day,
            format!("{:+.0}%", x.throughput_delta_rel * 100.0),
            if x.real { "" } else { "  (within the noise)" }
        ));
    }
    match (l.ranking.first(), l.trust.caveat()) {
        (Some(top), None) => s.push_str(&format!("Do first: {}.\n", top.change)),
        (Some(top), Some(caveat)) => s.push_str(&format!(
            "The model ranks {} first, but {caveat}: the ranking is the model's, not evidence.\n",
            top.change
        )),
        (None, _) => {}
    }
    s.push_str(&format!("Trust: {}\n", l.trust.summary));
    s
}

/// Runs `leverage`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let options = args.sim.options(args.input.threads);
    let (m, trust) = model(&args.input, &options)?;
    let l = leverage(&m, &options)?.with_trust(trust);
    if args.json {
        print_json(&l)
    } else {
        print(&text(&l))
    }
}
