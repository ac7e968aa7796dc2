//! The bodies of the fuzz targets: any bytes go in, an error is fine, a panic is a bug.
//!
//! Each target in `fuzz_targets/` calls one of these functions; `tests/seeds.rs` calls them
//! on the seeds of `seeds/<target>/` so that a stable toolchain checks them too. The first
//! byte of an input chooses how it is read (format, policy for bad rows, compression); the
//! rest is the input. Each returns whether the input was read (an error is not a failure:
//! the seeds are all readable, so that they reach the checks).

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use valuestream::{
    Arrivals, BadRows, Batch, Change, EventLog, Format, LogReader, Preset, SimOptions, Simulation,
    TimelineOptions, Timelines, ValueStream, WarningKind, Workflow, analyze,
};

const WORKFLOW: &str = r#"
[[stage]]
name = "Backlog"
kind = "backlog"
[[stage]]
name = "Dev"
kind = "active"
[[stage]]
name = "Queue"
kind = "wait"
states = ["Queue", "Test queue"]
[[stage]]
name = "Test"
kind = "active"
[[stage]]
name = "Done"
kind = "done"
"#;

/// Any bytes, read as a long, wide or interval log, strict or skipping bad rows, then
/// turned into timelines through a fixed workflow.
pub fn read_log(data: &[u8]) -> bool {
    let Some((&selector, csv)) = data.split_first() else {
        return false;
    };
    let format = match selector % 3 {
        0 => Format::Long,
        1 => Format::Wide,
        _ => Format::Intervals,
    };
    let Ok(log) = LogReader::builder()
        .format(format)
        .bad_rows(policy(selector & 4 != 0))
        .build()
        .read(csv)
    else {
        return false;
    };
    let Ok(workflow) = Workflow::from_toml_str(WORKFLOW) else {
        return false;
    };
    check_timelines(&log, &workflow, selector & 8 != 0);
    true
}

/// Any bytes, read as an XES document (gzipped first when the selector's bit 1 is set, so
/// that the decompressing path is taken; raw bytes that start like gzip take it too),
/// strict or skipping bad events, with the default state attribute, `lifecycle:transition`
/// or both joined (`concept:name+lifecycle:transition`, bit 16), then turned into timelines
/// through a workflow guessed from it.
pub fn read_xes(data: &[u8]) -> bool {
    let Some((&selector, xml)) = data.split_first() else {
        return false;
    };
    let mut b = LogReader::builder()
        .preset(Preset::Xes)
        .bad_rows(policy(selector & 2 != 0))
        .attribute("concept:name");
    if selector & 16 != 0 {
        b = b.state_column("concept:name+lifecycle:transition");
    } else if selector & 4 != 0 {
        b = b.state_column("lifecycle:transition");
    }
    let reader = b.build();
    let read = if selector & 1 != 0 {
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        if gz.write_all(xml).is_err() {
            return false;
        }
        let Ok(bytes) = gz.finish() else {
            return false;
        };
        reader.read(bytes.as_slice())
    } else {
        reader.read(xml)
    };
    let Ok(log) = read else {
        return false;
    };
    // Every `<event>` is a row, used or rejected: the ledger balances. Used, it is one
    // event; in an interval log (events with `start_timestamp`), one interval of work,
    // which gives its start and perhaps the queue before it, and each trace's end `Done`.
    let used = log.rows() - log.rejected().len() as u64;
    if xml.windows(15).any(|w| w == b"start_timestamp") {
        assert!(log.rejected().len() as u64 <= log.rows(), "rejected > rows");
        assert!(
            log.len() as u64 <= 2 * used + log.items() as u64,
            "more events than the intervals give"
        );
    } else {
        assert_eq!(used, log.len() as u64, "rows = events + rejected");
    }
    check_guessed(&log, selector & 8 != 0);
    true
}

/// Any bytes, read as a page of a Jira search, strict or skipping bad issues, then turned
/// into timelines through a workflow guessed from it.
pub fn read_jira(data: &[u8]) -> bool {
    let Some((&selector, json)) = data.split_first() else {
        return false;
    };
    let reader = LogReader::builder()
        .preset(Preset::JiraJson)
        .bad_rows(policy(selector & 1 != 0))
        .build();
    let Ok(log) = reader.read(json) else {
        return false;
    };
    // Every issue is a row, used (its events) or rejected: never more rejected than read.
    assert!(log.rejected().len() as u64 <= log.rows(), "rejected > rows");
    check_guessed(&log, selector & 2 != 0);
    true
}

/// Any bytes, read through a CSV preset or recognised on sight (`Format::Auto`), strict or
/// skipping bad rows, then turned into timelines through the preset's own workflow.
pub fn read_preset(data: &[u8]) -> bool {
    let Some((&selector, input)) = data.split_first() else {
        return false;
    };
    let format = match Preset::ALL.get(usize::from(selector & 0x0f)) {
        Some(&p) => Format::Preset(p),
        None => Format::Auto,
    };
    let reader = LogReader::builder()
        .format(format)
        .bad_rows(policy(selector & 0x10 != 0))
        .build();
    let Ok(log) = reader.read(input) else {
        return false;
    };
    // A row gives events (a wide row several) or is rejected: never more rejected than read.
    assert!(log.rejected().len() as u64 <= log.rows(), "rejected > rows");
    let workflow = match format {
        Format::Preset(p) => Workflow::for_preset(p, &log),
        _ => Workflow::infer(log.states()),
    };
    if let Ok(workflow) = workflow {
        check_timelines(&log, &workflow, selector & 0x20 != 0);
    }
    true
}

/// Any bytes, read as a workflow file; a workflow read reads back from its own TOML.
pub fn read_workflow(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(workflow) = Workflow::from_toml_str(text) else {
        return false;
    };
    let again = Workflow::from_toml_str(&workflow.to_toml());
    assert_eq!(again.ok().as_ref(), Some(&workflow), "{text:?}");
    true
}

/// Any text, read as a model file. A model that reads is analysed, mapped to a workflow,
/// written back (and must read again), and, when it is cheap, simulated for a few days.
pub fn read_model(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(model) = ValueStream::from_toml_str(text) else {
        return false;
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
    true
}

/// Days simulated.
const HORIZON_DAYS: f64 = 30.0;
/// The most items a simulated replication may expect.
const MODEL_MAX_ITEMS: f64 = 2_000.0;

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
        && items <= MODEL_MAX_ITEMS
        && trace_len as f64 <= MODEL_MAX_ITEMS
        && m.stations.iter().all(|s| {
            s.rework.as_ref().is_none_or(|r| r.probability <= 0.9)
                && match s.batch {
                    Some(Batch::Scheduled { every_days, .. }) => every_days >= 0.1,
                    _ => true,
                }
        })
}

/// Any text, read as a what-if change, written back (and read again), and applied to a
/// small model with a batch, rework and a skipped station.
pub fn read_change(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let Ok(change) = text.parse::<Change>() else {
        return false;
    };
    let _ = change.to_string().parse::<Change>();
    let Ok(model) = ValueStream::from_toml_str(CHANGE_MODEL) else {
        return false;
    };
    if let Ok(changed) = model.apply(std::slice::from_ref(&change)) {
        assert!(changed.validate().is_ok(), "a changed model is valid");
        let _ = analyze(&changed);
    }
    true
}

/// Three stations: a batch, rework and a skipped station, so that every change has
/// something to act on.
const CHANGE_MODEL: &str = r#"
[arrivals]
rate_per_day = 1.0

[[stage]]
name = "Dev"
servers = 2
service = { dist = "exponential", mean_days = 1.5 }

[[stage]]
name = "Deploy"
servers = 1
service = { dist = "deterministic", days = 0.5 }
batch = { every_days = 7.0 }

[[stage]]
name = "Test"
servers = 1
service = { dist = "gamma", mean_days = 0.8, cv = 0.7 }
rework = { to = "Dev", probability = 0.1 }
visit_probability = 0.9
"#;

fn policy(skip: bool) -> BadRows {
    if skip { BadRows::Skip } else { BadRows::Error }
}

/// The timelines of `log` through the workflow guessed from its states, if one can be.
fn check_guessed(log: &EventLog, drop_unmapped: bool) {
    if let Ok(workflow) = Workflow::infer(log.states()) {
        check_timelines(log, &workflow, drop_unmapped);
    }
}

/// The ledger of `log` through `workflow` balances: every event read is used, dropped as
/// unmapped, or after the observation end; and no visit ends before it starts.
fn check_timelines(log: &EventLog, workflow: &Workflow, drop_unmapped: bool) {
    let opts = TimelineOptions::new().drop_unmapped(drop_unmapped);
    let Ok(tl) = Timelines::with_options(log, workflow, &opts) else {
        return;
    };
    let q = tl.quality();
    let after = q.count(WarningKind::AfterAsOf);
    assert_eq!(q.events_read, log.len() as u64);
    assert_eq!(q.events_read, q.events + q.dropped_events() + after);
    for item in tl.iter() {
        for v in item.visits() {
            assert!(v.end() >= v.start());
        }
    }
}
