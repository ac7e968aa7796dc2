//! Builds a value stream in code, simulates it, and prints the simulated and the analytic
//! answers side by side.
//!
//! ```text
//! cargo run --release --example simulate_model
//! ```
//!
//! The stream: 1.2 items a day; Dev (4 people, lognormal work of 2 days on average); a
//! weekly release; Test (2 testers, gamma 1.2 days) that sends 15% of the work back to Dev.

use valuestream::{
    Arrivals, Batch, Distribution, Servers, SimOptions, Simulation, Station, ValueStream, analyze,
};

fn main() -> Result<(), valuestream::Error> {
    run()
}

fn run() -> Result<(), valuestream::Error> {
    let model = ValueStream::new(
        Arrivals::poisson(1.2)?,
        vec![
            Station::new(
                "Dev",
                Servers::Finite(4),
                Distribution::lognormal(2.0, 0.8)?,
            ),
            Station::new(
                "Release",
                Servers::Finite(1),
                Distribution::deterministic(0.05)?,
            )
            .with_batch(Batch::Scheduled {
                every_days: 7.0,
                offset_days: 0.0,
                max: None,
            }),
            Station::new("Test", Servers::Finite(2), Distribution::gamma(1.2, 0.6)?)
                .with_rework("Dev", 0.15),
        ],
    )?;

    let options = SimOptions::new()
        .seed(2025)
        .replications(20)
        .horizon_days(3650.0)
        .warmup_days(365.0)
        .threads(2);
    let sim = Simulation::new(&model)?.run(&options)?;
    let analytic = analyze(&model)?;

    println!("The model file:\n\n{}", model.to_toml());
    println!(
        "{} replications of {} days, {} items finished\n",
        sim.replications, options.horizon_days, sim.items_done
    );
    let ci =
        |c: Option<[f64; 2]>| c.map_or(String::new(), |[lo, hi]| format!("[{lo:.2}, {hi:.2}]"));
    let lt = &sim.cycle_time_days;
    println!(
        "{:<22} {:>8} {:<16} {:>9}",
        "", "simulated", "95% CI", "analytic"
    );
    println!(
        "{:<22} {:>9.2} {:<16} {:>9}",
        "cycle time, days",
        lt.mean,
        ci(lt.ci95),
        analytic
            .cycle_time_days_mean
            .map_or("–".into(), |x| format!(
                "{x:.2}{}",
                if analytic.exact { "" } else { " ≈" }
            ))
    );
    println!(
        "{:<22} {:>9.2} {:<16} {:>9.2}",
        "throughput, per day",
        sim.throughput.per_day,
        ci(sim.throughput.ci95),
        analytic.throughput_per_day
    );
    println!(
        "{:<22} {:>9.2} (p85 {:.1}, p95 {:.1})",
        "cycle time p50", lt.p50, lt.p85, lt.p95
    );
    println!();
    for (s, a) in sim.stations.iter().zip(&analytic.stations) {
        println!(
            "{:<8} utilisation {:.2} (analytic {:.2}); wait {:>5.2} days {:<16} analytic {:.2} ({:?}{})",
            s.name,
            s.utilisation.unwrap_or(f64::NAN),
            a.utilisation.unwrap_or(f64::NAN),
            s.wait_days_mean,
            ci(s.wait_days_ci95),
            a.wait_days_mean.unwrap_or(f64::NAN),
            a.method,
            if a.exact { ", exact" } else { "" },
        );
    }
    for w in &analytic.warnings {
        println!("note: {w}");
    }
    match sim.littles_law_relative_error {
        Some(e) => println!(
            "\nLittle's law on the simulation: WIP {:.2} = {:.2}/day × {:.2} days (within {:.2}%)",
            sim.wip.mean,
            sim.throughput.per_day,
            lt.mean,
            100.0 * e
        ),
        None => println!("\nLittle's law cannot be checked: no item finished in the window."),
    }
    Ok(())
}

#[test]
fn simulate_model_runs() {
    run().unwrap();
}
