//! Any bytes, read as a long, wide or interval log, strict or skipping bad rows, then
//! turned into timelines: an error is fine, a panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use valuestream::{BadRows, Format, LogReader, TimelineOptions, Timelines, Workflow};

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

fuzz_target!(|data: &[u8]| {
    let Some((&selector, csv)) = data.split_first() else {
        return;
    };
    let format = match selector % 3 {
        0 => Format::Long,
        1 => Format::Wide,
        _ => Format::Intervals,
    };
    let policy = if selector & 4 == 0 {
        BadRows::Error
    } else {
        BadRows::Skip
    };
    let Ok(log) = LogReader::builder()
        .format(format)
        .bad_rows(policy)
        .build()
        .read(csv)
    else {
        return;
    };
    let Ok(workflow) = Workflow::from_toml_str(WORKFLOW) else {
        return;
    };
    let opts = TimelineOptions::new().drop_unmapped(selector & 8 != 0);
    if let Ok(tl) = Timelines::with_options(&log, &workflow, &opts) {
        let q = tl.quality();
        let after = q.count(valuestream::WarningKind::AfterAsOf);
        assert_eq!(q.events_read, q.events + q.dropped_events() + after);
        for item in tl.iter() {
            for v in item.visits() {
                assert!(v.end() >= v.start());
            }
        }
    }
});
