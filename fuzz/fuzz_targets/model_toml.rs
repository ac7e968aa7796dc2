//! Any text, read as a model file: an error is fine, a panic is a bug. A model that reads
//! is analysed, mapped to a workflow, written back (and must read again), and, when it is
//! cheap, simulated for a few days.
#![no_main]

use libfuzzer_sys::fuzz_target;
use valuestream::{Arrivals, Batch, SimOptions, Simulation, ValueStream, analyze};

/// Days simulated.
const HORIZON_DAYS: f64 = 30.0;
/// The most items a simulated replication may expect.
const MAX_ITEMS: f64 = 2_000.0;

/// Whether a short simulation of `m` stays small: few items, few visits per item, no
/// release ticking many times a day.
fn cheap(m: &ValueStream) -> bool {
    if m.stations.len() > 16 {
        return false;
    }
    let items = match &m.arrivals {
        Arrivals::Backlog => {
            let first = &m.stations[0];
            let servers = f64::from(first.servers.count().unwrap_or(u32::MAX));
            servers / first.service.mean() * HORIZON_DAYS
        }
        a => a.rate_per_day().unwrap_or(f64::INFINITY) * HORIZON_DAYS,
    };
    let trace_len = match &m.arrivals {
        Arrivals::Trace { times_days } => times_days.len(),
        _ => 0,
    };
    items.is_finite()
        && items <= MAX_ITEMS
        && trace_len as f64 <= MAX_ITEMS
        && m.stations.iter().all(|s| {
            s.rework.as_ref().is_none_or(|r| r.probability <= 0.9)
                && match s.batch {
                    Some(Batch::Scheduled { every_days, .. }) => every_days >= 0.1,
                    _ => true,
                }
        })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(model) = ValueStream::from_toml_str(text) else {
        return;
    };
    assert!(model.validate().is_ok(), "a model that reads is valid");
    let _ = analyze(&model);
    let _ = model.workflow();
    let again = ValueStream::from_toml_str(&model.to_toml());
    assert!(again.is_ok(), "the written model reads back: {again:?}");
    if cheap(&model) {
        let options = SimOptions::new()
            .replications(1)
            .horizon_days(HORIZON_DAYS)
            .warmup_days(0.0);
        if let Ok(sim) = Simulation::new(&model) {
            let _ = sim.run(&options);
        }
    }
});
