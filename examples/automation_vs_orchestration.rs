//! Automation versus orchestration: why automating the deployment did not make delivery
//! faster, and what would have.
//!
//! ```text
//! cargo run --release --example automation_vs_orchestration
//! ```
//!
//! A team of four developers starts new work whenever one of them is free. A release team
//! deploys what is ready to the test environments once a week; deploying takes a day and a
//! half. Two testers test; a short release step ships. The team's tracker exported a year
//! of this (`data/story/log.csv`, made once by the crate's simulator from
//! `data/story/model.toml`; the command is in that file). The team automated deployment.
//! This example asks, from the log alone, whether that was going to help.

use std::process::ExitCode;

use valuestream::{
    Difference, FitOptions, LogReader, Metrics, MetricsOptions, ModelTrust, SimOptions, StageKind,
    Timelines, WhatIf, Workflow, fit, what_if,
};

fn main() -> ExitCode {
    match run() {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("automation_vs_orchestration: {e}");
            ExitCode::from(2)
        }
    }
}

fn days(x: Option<f64>) -> String {
    x.map_or("-".to_owned(), |d| format!("{d:.1}"))
}

/// Section 1: the flow report of the log, in a few sentences. Returns the mean cycle time
/// observed.
fn what_the_log_says(timelines: &Timelines) -> Result<Option<f64>, valuestream::Error> {
    // 1. What the log says.
    let metrics = Metrics::new(timelines, &MetricsOptions::new())?;
    let report = metrics.report()?;
    println!("1. A YEAR OF DELIVERY, FROM THE TEAM'S OWN LOG");
    println!(
        "   {} items started, {} delivered. An item took {} days from start to release on \
         average (85% within {} days); {:.2} items were delivered a day.",
        report.items.total,
        report.items.done,
        days(report.cycle_time_days.mean),
        days(report.cycle_time_days.p85),
        report.throughput.per_day.unwrap_or(0.0)
    );
    // Days per item delivered, all visits counted (an item sent back goes through twice).
    let per_item = |name: &str| {
        report.stages.iter().find(|s| s.name == name).map(|s| {
            s.visit_days.mean.unwrap_or(0.0) * s.visits as f64 / report.items.done.max(1) as f64
        })
    };
    println!(
        "   Per item delivered, all visits counted: {} days waiting for the weekly deployment, \
         {} days being deployed, {} days waiting for a tester, {} days being tested.",
        days(per_item("Deploy queue")),
        days(per_item("Deploy")),
        days(per_item("Test queue")),
        days(per_item("Test"))
    );
    println!("   Where the days go, per item delivered:");
    for s in report
        .stages
        .iter()
        .filter(|s| matches!(s.kind, StageKind::Wait | StageKind::Active))
    {
        let total = per_item(&s.name).unwrap_or(0.0);
        println!(
            "     {:<15} {:>6.1} days  {}",
            s.name,
            total,
            "#".repeat((total * 2.0).round() as usize)
        );
    }
    println!(
        "   Bottleneck: {}. {}",
        report.bottleneck.stage.as_deref().unwrap_or("none"),
        report.bottleneck.reason
    );
    Ok(report.cycle_time_days.mean)
}

/// The story, printed; returns its closing paragraph.
fn run() -> Result<String, valuestream::Error> {
    let root = env!("CARGO_MANIFEST_DIR");
    let log = LogReader::builder()
        .name("data/story/log.csv")
        .build()
        .read_path(format!("{root}/data/story/log.csv"))?;
    let workflow = Workflow::from_path(format!("{root}/data/story/workflow.toml"))?;
    let timelines = Timelines::new(&log, &workflow)?;

    let observed_cycle = what_the_log_says(&timelines)?;

    // 2. A model of the stream, fitted to the log and checked against it.
    let fitted = fit(&timelines, &FitOptions::default())?;
    println!("\n2. THE STREAM AS QUEUES AND SERVERS, FITTED TO THE LOG");
    for st in &fitted.stations {
        let servers = st.servers.map_or("unlimited".to_owned(), |c| c.to_string());
        let release = st.release.as_ref().map_or(String::new(), |r| {
            format!(", released every {} days", r.every_days)
        });
        println!(
            "   {:<8} {} server(s), {:.2} days of work per item{release}",
            st.name, servers, st.mean_days
        );
    }
    if fitted.arrivals.pulled {
        println!(
            "   New work is started whenever a developer is free (the log shows nobody ever waiting to be started)."
        );
    }
    let options = SimOptions::new()
        .seed(2026)
        .replications(20)
        .horizon_days(730.0)
        .warmup_days(365.0)
        .threads(std::thread::available_parallelism().map_or(1, usize::from));
    let check = valuestream::in_sample_backtest(&fitted, &timelines, &options)?;
    println!(
        "   Checked against the log: cycle time {:.1} days observed, {:.1} predicted \
         (one simulated year ranges {:.1} to {:.1}); throughput {:.2} a day observed, {:.2} predicted.",
        check.cycle_time_days.mean.observed,
        check.cycle_time_days.mean.predicted,
        check.cycle_time_days.mean.spread[0],
        check.cycle_time_days.mean.spread[1],
        check.throughput_per_day.observed,
        check.throughput_per_day.predicted
    );
    // What every answer below may claim, given that check and the items it rests on.
    let done = timelines
        .iter()
        .filter(|t| t.cycle_time_days().is_some())
        .count();
    let trust = ModelTrust::in_sample(&check, done);
    println!("   {}", trust.summary);

    // 3. Automating the deployment.
    let automate =
        what_if(&fitted.model, &["automate Deploy".parse()?], &options)?.with_trust(trust.clone());
    println!("\n3. WHAT IF WE AUTOMATE THE DEPLOYMENT? (a second year, simulated 20 times)");
    println!("   {}", baseline_sentence(&automate, observed_cycle));
    print_what_if(&automate);

    // 4. Orchestrating the whole stream.
    let changes = [
        "servers Test=3".parse()?,
        "wip Test=6".parse()?,
        "remove Deploy".parse()?,
    ];
    let orchestrate = what_if(&fitted.model, &changes, &options)?.with_trust(trust);
    println!(
        "\n4. WHAT IF WE ORCHESTRATE THE STREAM? (a third tester, at most 6 items at testing, no handover to a release team)"
    );
    print_what_if(&orchestrate);

    let short = in_short(&automate, &orchestrate);
    println!("\n5. IN SHORT");
    println!("   {short}");
    Ok(short)
}

/// Whether a difference is real: its 95% interval leaves out no change.
fn real(d: &Difference) -> bool {
    d.ci95_rel.is_some_and(|[lo, hi]| lo > 0.0 || hi < 0.0)
}

/// What "before" is, and why its cycle time is not the log's.
fn baseline_sentence(w: &WhatIf, observed_cycle: Option<f64>) -> String {
    let b = &w.baseline;
    let model = b.cycle_time_days.mean;
    let growing = b
        .bottleneck
        .as_deref()
        .and_then(|name| b.stations.iter().find(|s| s.name == name))
        .filter(|s| s.queue_growth_per_day > 0.0);
    let observed = observed_cycle.map_or_else(|| "-".to_owned(), |c| format!("{c:.1}"));
    match growing {
        Some(s) => format!(
            "\"Before\" is the fitted stream run on for a second year. Work arrives faster than {} \
             can finish it, so its queue grows by {:.2} items a day and an item's mean cycle time \
             that year is {model:.1} days, against {observed} in the log's year: in a stream that \
             does not keep up, cycle time depends on how long it has run, throughput does not.",
            s.name, s.queue_growth_per_day
        ),
        None => format!(
            "\"Before\" is the fitted stream run on for a second year: an item's mean cycle time \
             there is {model:.1} days, against {observed} in the log's year."
        ),
    }
}

/// The closing paragraph, every clause from the figures above it.
fn in_short(automate: &WhatIf, orchestrate: &WhatIf) -> String {
    let saved = stage_time(automate, "Deploy", true) - stage_time(automate, "Deploy", false);
    let tp = &automate.throughput;
    let mut s = format!("Automating deployment takes {saved:.1} days out of deployment. ");
    if real(tp) {
        s += &format!(
            "Delivery goes from {:.2} to {:.2} items a day ({:+.0}%). ",
            tp.baseline,
            tp.scenario,
            tp.delta_rel * 100.0
        );
    } else {
        s += &format!(
            "Delivery stays at {:.2} items a day (no real difference){}. ",
            tp.scenario,
            match automate.scenario.bottleneck.as_deref() {
                Some(b) if b != "Deploy" => format!(": {b}, not deployment, limits it"),
                _ => String::new(),
            }
        );
    }
    if let Some(b) = automate.scenario.bottleneck.as_deref() {
        let growth = |o: &valuestream::Outcome| {
            o.stations
                .iter()
                .find(|st| st.name == b)
                .map_or(0.0, |st| st.queue_growth_per_day)
        };
        let (g0, g1) = (growth(&automate.baseline), growth(&automate.scenario));
        let (t0, t1) = (
            stage_time(automate, b, true),
            stage_time(automate, b, false),
        );
        if g1 > 0.0 {
            s += &format!(
                "The queue in front of {b} grows by {g1:.2} items a day (before: {g0:.2}), and an \
                 item spends {t1:.1} days at {b} (before: {t0:.1}). "
            );
        }
    }
    let ct = &automate.cycle_time;
    s += &format!(
        "The simulated year's mean cycle time goes from {:.1} to {:.1} days ({:+.0}%){}. ",
        ct.baseline,
        ct.scenario,
        ct.delta_rel * 100.0,
        if automate.scenario.unstable {
            ", but with a queue still growing it rises the longer the stream runs"
        } else {
            ""
        }
    );
    let (tp, ct) = (&orchestrate.throughput, &orchestrate.cycle_time);
    s += &format!(
        "Orchestrating the stream (a third tester, a WIP limit at testing, no handover) \
         delivers {:.2} items a day instead of {:.2} ({:+.0}%{}), each in {:.1} days instead of {:.1}{}.",
        tp.scenario,
        tp.baseline,
        tp.delta_rel * 100.0,
        if real(tp) { "" } else { ", within the noise" },
        ct.scenario,
        ct.baseline,
        if orchestrate.scenario.unstable {
            ", though a queue still grows"
        } else {
            ", and no queue grows"
        }
    );
    s
}

fn stage_time(w: &WhatIf, name: &str, baseline: bool) -> f64 {
    let o = if baseline { &w.baseline } else { &w.scenario };
    o.stations
        .iter()
        .find(|s| s.name == name)
        .map_or(0.0, |s| s.time_days_mean)
}

fn print_what_if(w: &WhatIf) {
    println!("                                     before      after");
    println!(
        "   delivered per day               {:>8.2} {:>10.2}",
        w.baseline.throughput.per_day, w.scenario.throughput.per_day
    );
    println!(
        "   cycle time, mean days           {:>8.1} {:>10.1}",
        w.baseline.cycle_time_days.mean, w.scenario.cycle_time_days.mean
    );
    println!(
        "   items in progress               {:>8.1} {:>10.1}",
        w.baseline.wip.mean, w.scenario.wip.mean
    );
    for st in &w.baseline.stations {
        let after = w
            .scenario
            .stations
            .iter()
            .find(|s| s.name == st.name)
            .map_or("gone".to_owned(), |s| format!("{:.1}", s.time_days_mean));
        println!(
            "   days at {:<23} {:>8.1} {:>10}",
            st.name, st.time_days_mean, after
        );
    }
    println!("   {}", w.verdict);
}

/// The README quotes the closing paragraph as this example prints it.
#[test]
fn the_readme_quotes_the_story_as_it_runs() {
    let short = run().unwrap();
    let readme = include_str!("../README.md");
    assert!(
        readme.contains(&short),
        "README.md's quick start must quote the example's closing paragraph:\n{short}"
    );
}
