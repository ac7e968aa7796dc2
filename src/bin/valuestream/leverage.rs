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
use crate::output::{fixed, print, print_json, signed_pct};

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
        "Levers, ranked by {}.\nBaseline: cycle time {} days, throughput {} a day, bottleneck {}.\n",
        if l.by == "throughput" {
            "the throughput they add, since demand exceeds a capacity (levers within the noise of each other by cycle time)"
        } else {
            "how much they shorten cycle time"
        },
        fixed(l.baseline.cycle_time_days.mean, 2),
        fixed(l.baseline.throughput.per_day, 2),
        l.baseline.bottleneck.as_deref().unwrap_or("-")
    );
    s.push_str("   change                       cycle time   change   throughput   change\n");
    for (i, x) in l.ranking.iter().enumerate() {
        s.push_str(&format!(
            "{:>2}. {:<28} {:>9} {:>8} {:>12} {:>8}{}\n",
            i + 1,
            x.change,
            fixed(x.cycle_time_days_mean, 2),
            signed_pct(x.delta_rel),
            fixed(x.throughput_per_day, 2),
            signed_pct(x.throughput_delta_rel),
            if x.real { "" } else { "  (within the noise)" }
        ));
    }
    if !l.baseline.cycle_time_days.mean.is_finite() && l.baseline.throughput.per_day <= 0.0 {
        s.push_str("No item finished within the simulated horizon: the levers cannot be ranked (this is not overload); simulate longer with --horizon-days.\n");
        s.push_str(&format!("Trust: {}\n", l.trust.summary));
        return s;
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
    let options = args
        .sim
        .options(args.input.threads, args.input.memory_budget());
    let (m, trust) = model(&args.input, &options)?;
    let phase = crate::progress::replications("simulating every lever:", options.replications);
    let l = crate::progress::during(phase, || leverage(&m, &options))?.with_trust(trust);
    if args.json {
        print_json(&l)
    } else {
        print(&text(&l))
    }
}
