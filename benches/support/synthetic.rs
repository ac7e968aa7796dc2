//! A synthetic long-format event log for benchmarks and samples: items flow through
//! Backlog → Dev → Review queue → Review → Test queue → Test → Done, some sent back from
//! Review or Test to Dev, timestamps like the BPI Challenge exports
//! (`YYYY-MM-DD HH:MM:SS+00:00`), rows in time order as a changelog export has them.
//!
//! Shared by `examples/gen_log.rs`, `benches/ingest.rs` and `benches/xes.rs` through
//! `#[path]`; each uses part of it.
#![allow(dead_code)]

use std::io::{self, Write};

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// The workflow that maps the generated statuses (TOML).
pub const WORKFLOW: &str = r#"
[[stage]]
name = "Backlog"
kind = "backlog"
states = ["To Do"]

[[stage]]
name = "Dev"
kind = "active"
states = ["In Progress"]

[[stage]]
name = "Review queue"
kind = "wait"
states = ["Ready for Review"]

[[stage]]
name = "Review"
kind = "active"
states = ["In Review"]

[[stage]]
name = "Test queue"
kind = "wait"
states = ["Ready for Test"]

[[stage]]
name = "Test"
kind = "active"
states = ["Testing"]

[[stage]]
name = "Done"
kind = "done"
states = ["Done"]
"#;

const STATES: [&str; 7] = [
    "To Do",
    "In Progress",
    "Ready for Review",
    "In Review",
    "Ready for Test",
    "Testing",
    "Done",
];
const TYPES: [&str; 3] = ["Story", "Bug", "Task"];

/// Writes a log of about `events` events, items arriving at `per_day` a day, to `out`, as exported when the last item arrived
/// (so that the items still in flight are open); returns the number of events written.
pub fn write_log<W: Write>(events: usize, per_day: f64, seed: u64, out: W) -> io::Result<usize> {
    let rows = generate(events, per_day, seed);
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    writeln!(w, "key,status,changed,type")?;
    for (secs, item, state, ty) in &rows {
        let (y, mo, d, h, mi, s) = civil(*secs);
        writeln!(
            w,
            "VS-{item},{},{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}+00:00,{}",
            STATES[*state as usize], TYPES[*ty as usize]
        )?;
    }
    w.flush()?;
    Ok(rows.len())
}

/// Writes the same log as [`write_log`] as an XES document: one trace per item (with its
/// `type`), one event per status change (`concept:name`, `time:timestamp`).
pub fn write_xes<W: Write>(events: usize, per_day: f64, seed: u64, out: W) -> io::Result<usize> {
    let mut rows = generate(events, per_day, seed);
    // Stable: an item's events stay in time order.
    rows.sort_by_key(|r| r.1);
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8" ?>"#)?;
    writeln!(
        w,
        r#"<log xes.version="1.0" xes.features="" xmlns="http://www.xes-standard.org/">"#
    )?;
    writeln!(
        w,
        r#"  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>"#
    )?;
    writeln!(
        w,
        r#"  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>"#
    )?;
    writeln!(w, r#"  <string key="concept:name" value="synthetic"/>"#)?;
    let mut i = 0;
    while i < rows.len() {
        let item = rows[i].1;
        writeln!(w, "  <trace>")?;
        writeln!(w, r#"    <string key="concept:name" value="VS-{item}"/>"#)?;
        writeln!(
            w,
            r#"    <string key="type" value="{}"/>"#,
            TYPES[rows[i].3 as usize]
        )?;
        while i < rows.len() && rows[i].1 == item {
            let (secs, _, state, _) = rows[i];
            let (y, mo, d, h, mi, s) = civil(secs);
            writeln!(
                w,
                r#"    <event><string key="concept:name" value="{}"/><date key="time:timestamp" value="{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.000+00:00"/></event>"#,
                STATES[state as usize]
            )?;
            i += 1;
        }
        writeln!(w, "  </trace>")?;
    }
    writeln!(w, "</log>")?;
    w.flush()?;
    Ok(rows.len())
}

/// The rows of the log: (time in seconds, item, state, type), in time order.
fn generate(events: usize, per_day: f64, seed: u64) -> Vec<(i64, u32, u8, u8)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // (time in seconds, item, state, type)
    let mut rows: Vec<(i64, u32, u8, u8)> = Vec::with_capacity(events + 16);
    let start: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z
    let mut arrival = start as f64;
    let mut item: u32 = 0;
    let exp = |rng: &mut Xoshiro256PlusPlus, mean: f64| -> f64 {
        let u: f64 = rng.random::<f64>();
        -mean * (1.0 - u).ln()
    };
    // Items keep arriving until the export (at the last arrival) holds `events` events.
    loop {
        let cutoff = arrival as i64;
        let exported = rows.iter().filter(|r| r.0 <= cutoff).count();
        if exported >= events {
            break;
        }
        // About seven events per item: generate enough for the shortfall, and a little more.
        let more = (events - exported) / 7 + 16;
        for _ in 0..more {
            item += 1;
            arrival += exp(&mut rng, 86_400.0 / per_day);
            let ty = rng.random_range(0..3u8);
            let mut t = arrival;
            rows.push((t as i64, item, 0, ty));
            t += exp(&mut rng, 86_400.0);
            let mut stage = 1u8;
            let mut steps = 0;
            loop {
                rows.push((t as i64, item, stage, ty));
                steps += 1;
                if stage == 6 {
                    break;
                }
                let mean = match stage {
                    1 => 2.0 * 86_400.0,
                    3 => 0.3 * 86_400.0,
                    5 => 86_400.0,
                    _ => 0.8 * 86_400.0,
                };
                t += exp(&mut rng, mean);
                // Review and Test send one item in ten back to Dev.
                stage = if (stage == 3 || stage == 5) && steps < 12 && rng.random::<f64>() < 0.1 {
                    1
                } else {
                    stage + 1
                };
            }
        }
    }
    // The export is taken when the last item arrives: items still in flight stay open.
    let cutoff = arrival as i64;
    rows.retain(|r| r.0 <= cutoff);
    rows.sort_by_key(|r| r.0);
    rows
}

/// The civil date and time of `secs` since the epoch (UTC).
fn civil(secs: i64) -> (i64, u32, u32, i64, i64, i64) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem / 60 % 60, rem % 60)
}
