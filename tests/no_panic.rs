//! Property tests: arbitrary input never panics, and whatever is read is accounted for.

use proptest::prelude::*;
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
[[stage]]
name = "Test"
kind = "active"
[[stage]]
name = "Done"
kind = "done"
states = ["Done", "Closed"]
"#;

fn workflow() -> Workflow {
    Workflow::from_toml_str(WORKFLOW).unwrap()
}

/// Reads `bytes` in every layout and, when that works, derives timelines; checks the
/// ledger's accounting. Panics only if an invariant breaks.
fn exercise(bytes: &[u8]) {
    let wf = workflow();
    for format in [Format::Long, Format::Wide, Format::Intervals] {
        for policy in [BadRows::Error, BadRows::Skip] {
            let reader = LogReader::builder().format(format).bad_rows(policy).build();
            let Ok(log) = reader.read(bytes) else {
                continue;
            };
            for drop in [false, true] {
                let opts = TimelineOptions::new().drop_unmapped(drop);
                let Ok(tl) = Timelines::with_options(&log, &wf, &opts) else {
                    continue;
                };
                check_invariants(&tl);
            }
        }
    }
}

fn check_invariants(tl: &Timelines) {
    let q = tl.quality();
    let after = q.count(valuestream::WarningKind::AfterAsOf);
    assert_eq!(q.events_read, q.events + q.dropped_events() + after);
    assert!(q.rejected.len() as u64 <= q.rows);
    for item in tl.iter() {
        let visits = item.visits();
        assert!(!visits.is_empty());
        assert_eq!(visits[0].start(), item.arrival());
        for w in visits.windows(2) {
            assert!(w[0].start() <= w[1].start());
            assert!(!w[0].is_open());
        }
        for v in visits {
            assert!(v.end() >= v.start(), "negative visit");
            assert!(v.end() <= tl.as_of());
        }
        let last = visits[visits.len() - 1];
        let last_is_done = tl.workflow().stage(last.stage()).kind == valuestream::StageKind::Done;
        match item.done() {
            Some(d) => {
                // Done items end in a done stage, closed, with no time counted after done.
                assert!(last_is_done && !last.is_open());
                assert_eq!(last.days(), 0.0);
                assert!(d >= item.arrival());
            }
            None => assert!(!last_is_done && last.is_open()),
        }
        if let Some(c) = item.commitment() {
            assert!(c >= item.arrival());
            assert!(
                visits
                    .iter()
                    .any(|v| v.start() == c && tl.workflow().commits(v.stage()))
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }

    #[test]
    fn csv_like_input_never_panics_and_is_accounted_for(
        rows in proptest::collection::vec(
            (
                prop_oneof![Just("A"), Just("B"), Just("C"), Just(""), Just("\u{e9}"), Just("\"q,\"")],
                prop_oneof![Just("Backlog"), Just("Dev"), Just("Queue"), Just("Test"), Just("Done"),
                            Just("Closed"), Just("Blocked"), Just("")],
                prop_oneof![
                    (0i64..2_000_000).prop_map(|m| format!("2024-01-01T00:00:00Z+{m}")),
                    (1_700_000_000i64..1_700_100_000).prop_map(|s| s.to_string()),
                    (0u32..40, 0u32..30, 0u32..25).prop_map(|(d, h, m)| format!("2024-02-{d:02} {h:02}:{m:02}")),
                    Just(String::new()),
                    "[ -~]{0,12}",
                ],
                prop_oneof![Just(""), Just(",extra")],
            ),
            0..40,
        ),
        header in prop_oneof![
            Just("id,state,timestamp"),
            Just("ID,Backlog,Dev,Test,Done"),
            Just("id,stage,start,end"),
            Just("id,state"),
        ],
    ) {
        let mut csv = String::from(header);
        csv.push('\n');
        for (id, state, time, extra) in &rows {
            csv.push_str(&format!("{id},{state},{time}{extra}\n"));
        }
        exercise(csv.as_bytes());
    }

    #[test]
    fn valid_long_logs_account_for_every_row(
        rows in proptest::collection::vec(
            (0u8..6, 0usize..5, 0i64..500),
            1..60,
        ),
    ) {
        let states = ["Backlog", "Dev", "Queue", "Test", "Done"];
        let mut csv = String::from("id,state,timestamp\n");
        for (item, state, hour) in &rows {
            csv.push_str(&format!("I{item},{},{}\n", states[*state], 1_700_000_000 + hour * 3600));
        }
        let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
        let tl = Timelines::new(&log, &workflow()).unwrap();
        let q = tl.quality();
        prop_assert_eq!(q.rows, rows.len() as u64);
        prop_assert_eq!(q.events, rows.len() as u64);
        let distinct: std::collections::BTreeSet<u8> = rows.iter().map(|r| r.0).collect();
        prop_assert_eq!(tl.len(), distinct.len());
        check_invariants(&tl);
    }
}
