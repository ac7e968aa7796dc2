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
    BadRows, EventLog, Format, LogReader, Preset, TimelineOptions, Timelines, WarningKind, Workflow,
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
/// strict or skipping bad events, with the default state attribute or
/// `lifecycle:transition`, then turned into timelines through a workflow guessed from it.
pub fn read_xes(data: &[u8]) -> bool {
    let Some((&selector, xml)) = data.split_first() else {
        return false;
    };
    let mut b = LogReader::builder()
        .preset(Preset::Xes)
        .bad_rows(policy(selector & 2 != 0))
        .attribute("concept:name");
    if selector & 4 != 0 {
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
