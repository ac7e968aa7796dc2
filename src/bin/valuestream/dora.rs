//! `valuestream dora`: deployment frequency, lead time for changes, change failure rate and
//! time to restore.

use std::path::PathBuf;

use clap::Args as ClapArgs;
use valuestream::{Dora, DoraBand, dora_metrics, parse_offset, read_deployments, read_incidents};

use crate::Failure;
use crate::output::{print, print_json};

/// Arguments of `dora`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Deployments (CSV): deployed_at, status, and optionally commit_at or change_created_at.
    deployments: PathBuf,
    /// Incidents (CSV): opened_at, resolved_at.
    #[arg(long, value_name = "FILE")]
    incidents: Option<PathBuf>,
    /// Offset for timestamps written without one, like +01:00 [default: UTC].
    #[arg(long, value_name = "OFFSET")]
    offset: Option<String>,
    /// Print JSON: {"deployments", "first", "last", "window_days", "deployment_frequency":
    /// {"per_day", "per_week", "band"}, "lead_time_for_changes": {"median_days", "count",
    /// "band"} | null, "change_failure_rate": {"rate", "failed", "total", "band"},
    /// "time_to_restore": {"median_days", "count", "band"} | null}.
    #[arg(long)]
    json: bool,
}

fn band(b: DoraBand) -> &'static str {
    match b {
        DoraBand::Elite => "elite",
        DoraBand::High => "high",
        DoraBand::Medium => "medium",
        DoraBand::Low => "low",
    }
}

fn duration(days: f64) -> String {
    if days < 1.0 / 24.0 {
        format!("{:.0} minutes", days * 1440.0)
    } else if days < 2.0 {
        format!("{:.1} hours", days * 24.0)
    } else {
        format!("{days:.1} days")
    }
}

fn text(m: &Dora) -> String {
    let mut s = format!(
        "DORA metrics over {}, {} to {} ({} days)\n",
        valuestream::plural(m.deployments as u64, "deployment", "deployments"),
        m.first.format("%Y-%m-%d"),
        m.last.format("%Y-%m-%d"),
        m.window_days
    );
    let f = &m.deployment_frequency;
    s.push_str(&format!(
        "  deployment frequency    {:.2} a day, {:.1} a week      {}\n",
        f.per_day,
        f.per_week,
        band(f.band)
    ));
    match &m.lead_time_for_changes {
        Some(l) => s.push_str(&format!(
            "  lead time for changes   median {} ({})   {}\n",
            duration(l.median_days),
            valuestream::plural(l.count as u64, "change", "changes"),
            band(l.band)
        )),
        None => s.push_str("  lead time for changes   no commit_at or change_created_at column\n"),
    }
    let c = &m.change_failure_rate;
    s.push_str(&format!(
        "  change failure rate     {:.1}% ({} of {})           {}\n",
        c.rate * 100.0,
        c.failed,
        c.total,
        band(c.band)
    ));
    match &m.time_to_restore {
        Some(t) => s.push_str(&format!(
            "  time to restore         median {} ({} incidents)   {}\n",
            duration(t.median_days),
            t.count,
            band(t.band)
        )),
        None => s.push_str("  time to restore         no resolved incidents given (--incidents)\n"),
    }
    s.push_str("Bands: Accelerate State of DevOps Report 2023.\n");
    s
}

/// Runs `dora`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let offset = parse_offset(args.offset.as_deref().unwrap_or("Z"))?;
    let deployments = read_deployments(&args.deployments, offset)?;
    let incidents = match &args.incidents {
        Some(p) => read_incidents(p, offset)?,
        None => Vec::new(),
    };
    let m = dora_metrics(&deployments, &incidents)?;
    if args.json {
        print_json(&m)
    } else {
        print(&text(&m))
    }
}
