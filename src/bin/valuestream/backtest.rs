//! `valuestream backtest`: the held-out backtest. The model is fitted on the log up to a
//! split and predicts the rest; the prediction is scored against what the log shows.
//!
//! With `--json` it prints `{"holdout": valuestream::HoldoutBacktest}` (keys are public
//! API): `holdout.train_until`, `holdout.test_days`, `holdout.cycle_time_days.{observed,
//! predicted}.{count,mean,p50,p85}`, `holdout.ctdd_days`, `holdout.ctdd_relative`,
//! `holdout.errors.{mean,p50,p85,throughput,wip}`, `holdout.wip_distance_relative`,
//! `holdout.open_at_split.{count,done_observed,done_predicted}`, `holdout.replications`,
//! `holdout.spread.*` (5th–95th percentiles over replications), `holdout.first.*` (the
//! first replication, the one `--log` writes), `holdout.verdict`, `holdout.stations[]`,
//! `holdout.daily_wip`, `holdout.window_check` when the log mixes regimes.

use std::path::PathBuf;

use clap::Args as ClapArgs;
use valuestream::{BacktestOptions, HoldoutBacktest, parse_instant, write_backtest_html};

use crate::Failure;
use crate::input::InputArgs;
use crate::modelsrc::{SeedArgs, input_fit_options, input_select};
use crate::output::{print, print_json};

/// Arguments of `backtest`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    seed: SeedArgs,
    /// The share of the items held out: the split is the arrival before which the others
    /// arrived.
    #[arg(long, default_value_t = 0.3, conflicts_with = "train_until")]
    holdout: f64,
    /// Split at this instant instead (the model knows the log up to it).
    #[arg(long, value_name = "T")]
    train_until: Option<String>,
    /// Independent replications of the test period.
    #[arg(long, default_value_t = 10)]
    replications: u32,
    /// Describe service times by the best parametric family instead of resampling them.
    #[arg(long)]
    parametric: bool,
    /// Write the first replication's history of the test period as a long CSV
    /// (`id,state,timestamp`), to recompute the measures independently.
    #[arg(long, value_name = "PREDICTED.csv")]
    log: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Also write the backtest as one HTML page with nothing to fetch: a sentence reading
    /// it, the measures as a table, the verdict, and a chart of observed against predicted.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

fn pct(x: f64) -> String {
    format!("{:+.1}%", x * 100.0)
}

fn range(r: [f64; 2], f: impl Fn(f64) -> String) -> String {
    format!("{} to {}", f(r[0]), f(r[1]))
}

/// The result for a person.
fn text(b: &HoldoutBacktest) -> String {
    let mut s = String::new();
    let o = &b.cycle_time_days.observed;
    let p = &b.cycle_time_days.predicted;
    s.push_str(&format!(
        "Held-out backtest: fitted to the log up to {}, predicting the {:.1} days to {} ({} replications, seed {})\n",
        b.train_until.format("%Y-%m-%d %H:%M"),
        b.test_days,
        b.as_of.format("%Y-%m-%d %H:%M"),
        b.replications,
        b.seed
    ));
    s.push_str(&format!(
        "  cycle time of the {} items committed after the split and done: observed mean {:.2} days, p50 {:.2}, p85 {:.2}\n",
        o.count, o.mean, o.p50, o.p85
    ));
    s.push_str(&format!(
        "  {:>50} predicted mean {:.2} days, p50 {:.2}, p85 {:.2} ({:.0} items)\n",
        "", p.mean, p.p50, p.p85, p.count
    ));
    let e = &b.errors;
    let sp = &b.spread;
    let rows = [
        (
            "CTDD (× observed mean)",
            format!("{:.3}", b.ctdd_relative),
            range(sp.ctdd_relative, |x| format!("{x:.3}")),
        ),
        (
            "mean cycle time error",
            pct(e.mean),
            range(sp.errors.mean, pct),
        ),
        ("p50 error", pct(e.p50), range(sp.errors.p50, pct)),
        ("p85 error", pct(e.p85), range(sp.errors.p85, pct)),
        (
            "throughput error",
            pct(e.throughput),
            range(sp.errors.throughput, pct),
        ),
        ("mean WIP error", pct(e.wip), range(sp.errors.wip, pct)),
        (
            "WIP distance (× observed mean)",
            format!("{:.3}", b.wip_distance_relative),
            range(sp.wip_distance_relative, |x| format!("{x:.3}")),
        ),
    ];
    s.push_str(
        "  measure                          value      5th–95th percentile over replications\n",
    );
    for (label, v, r) in rows {
        s.push_str(&format!("  {label:<32} {v:>8}   {r}\n"));
    }
    let open = &b.open_at_split;
    s.push_str(&format!(
        "  items open at the split: {}; done by the end: {} observed, {:.1} predicted\n",
        open.count, open.done_observed, open.done_predicted
    ));
    s.push_str(&format!(
        "  throughput {:.2} a day observed, {:.2} predicted; WIP {:.1} observed, {:.1} predicted\n",
        b.throughput_per_day.observed,
        b.throughput_per_day.predicted,
        b.wip_mean.observed,
        b.wip_mean.predicted
    ));
    for st in &b.stations {
        s.push_str(&format!(
            "  WIP at {:<24} {:>7.2} observed {:>7.2} predicted\n",
            st.name, st.observed, st.predicted
        ));
    }
    let n = &b.noise;
    s.push_str(&format!(
        "  two histories of the model itself differ by up to (p{:.0} of {} runs): CTDD {:.3} × mean, mean {:.0}%, throughput {:.0}%, WIP {:.0}%\n",
        valuestream::NOISE_LEVEL,
        n.runs,
        n.ctdd_relative,
        n.mean * 100.0,
        n.throughput * 100.0,
        n.wip * 100.0
    ));
    s.push_str(&format!("{}\n", b.verdict.summary));
    for w in &b.window_check.warnings {
        s.push_str(&format!("  ! {}\n", w.message));
    }
    for n in &b.notes {
        s.push_str(&format!("  note: {n}\n"));
    }
    s
}

/// Runs `backtest`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let timelines = args.input.timelines()?;
    let fit = input_fit_options(&args.input, args.parametric)?;
    let mut options = BacktestOptions::new()
        .holdout(args.holdout)
        .fit(fit)
        .select(input_select(&args.input))
        .seed(args.seed.seed)
        .replications(args.replications)
        .threads(args.input.threads.map_or(0, std::num::NonZeroUsize::get));
    options.sim = options.sim.memory_budget(args.input.memory_budget());
    if let Some(t) = &args.train_until {
        options = options.train_until(parse_instant(t, args.input.offset()?)?);
    }
    let phase = crate::progress::replications(
        "fitting, then simulating the test period:",
        options.sim.replications,
    );
    let b = crate::progress::during(phase, || valuestream::backtest(&timelines, &options))?;
    if let Some(path) = &args.log {
        let file = std::fs::File::create(path)
            .map_err(|e| Failure::other(format!("cannot write {}: {e}", path.display())))?;
        b.write_predicted_log(std::io::BufWriter::new(file))
            .map_err(|e| Failure::writing(path, e))?;
        eprintln!(
            "valuestream: note: wrote the first replication's history of the test period to {}",
            path.display()
        );
    }
    if let Some(path) = &args.html {
        let written = crate::report::write_file(path, |out| write_backtest_html(&b, out))?;
        eprintln!("valuestream: note: wrote {written}");
    }
    if args.json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            holdout: &'a HoldoutBacktest,
        }
        print_json(&Out { holdout: &b })
    } else {
        print(&text(&b))
    }
}
