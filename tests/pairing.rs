//! Start/complete logs (the pm4py preset with `lifecycle:transition`): starts and completes
//! are paired by activity instance and time, never by the order of the rows; a complete
//! before its own start is rejected as an interval that ends before it starts.

use proptest::prelude::*;
use valuestream::{BadRows, DataQuality, LogReader, Preset, Timelines, WarningKind, Workflow};

const HEADER: &str = "case:concept:name,concept:name,lifecycle:transition,time:timestamp";

/// One row: case, activity, transition, hour of 2024-01-01, instance id (or none).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    u32,
    Option<&'static str>,
);

fn csv(rows: &[Row]) -> String {
    let with_instance = rows.iter().any(|r| r.4.is_some());
    let mut out = String::from(HEADER);
    if with_instance {
        out.push_str(",concept:instance");
    }
    out.push('\n');
    for (case, act, tr, hour, inst) in rows {
        out.push_str(&format!(
            "{case},{act},{tr},2024-01-{:02} {:02}:00:00+00:00",
            1 + hour / 24,
            hour % 24
        ));
        if with_instance {
            out.push(',');
            out.push_str(inst.unwrap_or(""));
        }
        out.push('\n');
    }
    out
}

fn read(text: &str, bad_rows: BadRows) -> valuestream::Result<valuestream::EventLog> {
    LogReader::builder()
        .preset(Preset::Pm4py)
        .bad_rows(bad_rows)
        .build()
        .read(text.as_bytes())
}

/// Each item's events in log order, by item id: (item, [(state, hour)]).
fn events(log: &valuestream::EventLog) -> Vec<(String, Vec<(String, i64)>)> {
    let base = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap();
    let mut out: Vec<(String, Vec<(String, i64)>)> = Vec::new();
    for e in log.events() {
        let hour = (e.time - base.with_timezone(&chrono::Utc)).num_hours();
        match out.iter_mut().find(|(i, _)| i == e.item) {
            Some((_, v)) => v.push((e.state.to_owned(), hour)),
            None => out.push((e.item.to_owned(), vec![(e.state.to_owned(), hour)])),
        }
    }
    out.sort();
    out
}

fn quality(log: &valuestream::EventLog) -> DataQuality {
    let workflow = Workflow::for_preset(Preset::Pm4py, log).unwrap();
    Timelines::new(log, &workflow).unwrap().quality().clone()
}

/// The reader's warnings as (kind, count, items): their examples name items in order of
/// appearance, and the preset's default workflow (thus the warnings of the timelines) takes
/// its stages in order of appearance.
fn warnings(q: &DataQuality) -> Vec<(WarningKind, u64, u64)> {
    q.warnings
        .iter()
        .filter(|w| {
            matches!(
                w.kind,
                WarningKind::CrossingIntervals
                    | WarningKind::UnpairedTransitions
                    | WarningKind::OverlappingIntervals
            )
        })
        .map(|w| (w.kind, w.count, w.items))
        .collect()
}

#[test]
fn two_open_starts_pair_first_in_first_out_in_any_row_order() {
    // Dev started at 1 and at 2, completed at 3 and at 5: in time order, the first start
    // closes first, so Dev runs 1–3 and 2–5, whichever order the rows come in.
    let rows: Vec<Row> = vec![
        ("A", "Dev", "start", 1, None),
        ("A", "Dev", "start", 2, None),
        ("A", "Dev", "complete", 3, None),
        ("A", "Dev", "complete", 5, None),
    ];
    let reversed: Vec<Row> = rows.iter().rev().copied().collect();
    let a = read(&csv(&rows), BadRows::Error).unwrap();
    let b = read(&csv(&reversed), BadRows::Error).unwrap();
    assert_eq!(events(&a), events(&b));
    // Two intervals starting at 1 and 2; the item is done when the last ends, at 5.
    let expected = vec![(
        "A".to_owned(),
        vec![
            ("Dev".to_owned(), 1),
            ("Dev".to_owned(), 2),
            ("Done".to_owned(), 5),
        ],
    )];
    assert_eq!(events(&a), expected);
    // The second start while the first was open is a crossing, counted in the ledger.
    let q = quality(&b);
    assert_eq!(q.count(WarningKind::CrossingIntervals), 1, "{q}");
    assert_eq!(q.count(WarningKind::UnpairedTransitions), 0, "{q}");
}

#[test]
fn unpaired_transitions_are_counted() {
    // B: a complete with no start (an instant of work), then a start never completed.
    let rows: Vec<Row> = vec![
        ("B", "Dev", "complete", 2, None),
        ("B", "Test", "start", 4, None),
    ];
    let log = read(&csv(&rows), BadRows::Error).unwrap();
    let q = quality(&log);
    let w = q
        .warning(WarningKind::UnpairedTransitions)
        .expect("counted");
    assert_eq!((w.count, w.items), (2, 1), "{q}");
    assert_eq!(w.examples, ["B"]);
    assert!(q.to_string().contains("starts never completed"), "{q}");
}

#[test]
fn instance_ids_pair_crossing_instances_as_named() {
    // Two instances of Dev in case C cross: i1 runs 1–6, i2 runs 2–3. Paired by time
    // alone they would run 1–3 and 2–6; the ids say otherwise, and the item is done at 6
    // either way, but Dev's last interval (i1) ends at 6 while i2 is done at 3.
    let rows: Vec<Row> = vec![
        ("C", "Dev", "start", 1, Some("i1")),
        ("C", "Dev", "start", 2, Some("i2")),
        ("C", "Dev", "complete", 3, Some("i2")),
        ("C", "Dev", "complete", 6, Some("i1")),
        ("C", "Test", "start", 7, Some("i3")),
        ("C", "Test", "complete", 8, Some("i3")),
    ];
    let log = read(&csv(&rows), BadRows::Error).unwrap();
    let q = quality(&log);
    // Instances named by their ids do not cross one another.
    assert_eq!(q.count(WarningKind::CrossingIntervals), 0, "{q}");
    assert_eq!(q.count(WarningKind::UnpairedTransitions), 0, "{q}");
    let ev = events(&log);
    // Dev 1, Dev 2 (overlapping), then the gap 6–7 is Test's queue, Test 7–8, done at 8.
    assert_eq!(
        ev[0].1,
        [
            ("Dev".to_owned(), 1),
            ("Dev".to_owned(), 2),
            ("Test queue".to_owned(), 6),
            ("Test".to_owned(), 7),
            ("Done".to_owned(), 8),
        ]
    );
}

#[test]
fn a_complete_before_its_own_start_is_rejected_with_its_position() {
    // Instance i1 completes at 3 but starts at 5: a negative duration.
    let rows: Vec<Row> = vec![
        ("D", "Dev", "start", 1, Some("i0")),
        ("D", "Dev", "complete", 2, Some("i0")),
        ("D", "Test", "complete", 3, Some("i1")),
        ("D", "Test", "start", 5, Some("i1")),
    ];
    let text = csv(&rows);
    let e = read(&text, BadRows::Error).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("ends before it starts"), "{msg}");
    assert!(msg.contains("line 4"), "{msg}");
    assert!(msg.contains("time:timestamp"), "{msg}");
    // Skipped, both rows are in the ledger with their lines, and the rest is used.
    let log = read(&text, BadRows::Skip).unwrap();
    let mut lines: Vec<u64> = log.rejected().iter().map(|r| r.line).collect();
    lines.sort_unstable();
    assert_eq!(lines, [4, 5]);
    for r in log.rejected() {
        assert_eq!(r.column.as_deref(), Some("time:timestamp"));
        assert!(r.reason.contains("ends before it starts"), "{}", r.reason);
    }
    assert_eq!(
        events(&log)[0].1,
        [("Dev".to_owned(), 1), ("Done".to_owned(), 2)]
    );
}

const CASES: [&str; 2] = ["A", "B"];
const ACTIVITIES: [&str; 3] = ["Dev", "Review", "Test"];
const INSTANCES: [&str; 2] = ["i1", "i2"];

fn row() -> impl Strategy<Value = Row> {
    (
        0..CASES.len(),
        0..ACTIVITIES.len(),
        any::<bool>(),
        0u32..12,
        proptest::option::of(0..INSTANCES.len()),
    )
        .prop_map(|(c, a, start, hour, inst)| {
            (
                CASES[c],
                ACTIVITIES[a],
                if start { "start" } else { "complete" },
                hour,
                inst.map(|i| INSTANCES[i]),
            )
        })
}

fn rows_and_permutation() -> impl Strategy<Value = (Vec<Row>, Vec<Row>)> {
    proptest::collection::vec(row(), 1..14)
        .prop_flat_map(|rows| (Just(rows.clone()), Just(rows).prop_shuffle()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any order of the same rows gives the same events, the same rejected rows (by
    /// content) and the same warnings.
    #[test]
    fn any_permutation_of_the_rows_gives_the_same_log((rows, shuffled) in rows_and_permutation()) {
        let a = read(&csv(&rows), BadRows::Skip).unwrap();
        let b = read(&csv(&shuffled), BadRows::Skip).unwrap();
        prop_assert_eq!(events(&a), events(&b));
        let mut ra: Vec<String> = a.rejected().iter().map(|r| r.value.clone().unwrap_or_default()).collect();
        let mut rb: Vec<String> = b.rejected().iter().map(|r| r.value.clone().unwrap_or_default()).collect();
        ra.sort();
        rb.sort();
        prop_assert_eq!(ra, rb);
        if !a.is_empty() {
            prop_assert_eq!(warnings(&quality(&a)), warnings(&quality(&b)));
        }
    }
}

/// Negative durations, one rule in every input kind: the row is bad (an error naming the
/// line, column and value; skipped, a rejected row with them in the ledger).
fn assert_negative_rejected(
    text: &str,
    reader: impl Fn(BadRows) -> valuestream::LogReaderBuilder,
    line: u64,
    column: &str,
    value: &str,
) {
    let msg = reader(BadRows::Error)
        .build()
        .read(text.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("ends before it starts"), "{msg}");
    assert!(msg.contains(&format!("line {line}")), "{msg}");
    assert!(msg.contains(column) && msg.contains(value), "{msg}");
    let log = reader(BadRows::Skip).build().read(text.as_bytes()).unwrap();
    let r = log.rejected();
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].line, line);
    assert_eq!(r[0].column.as_deref(), Some(column));
    assert_eq!(r[0].value.as_deref(), Some(value));
    assert!(
        r[0].reason.contains("ends before it starts"),
        "{}",
        r[0].reason
    );
}

#[test]
fn negative_durations_are_bad_rows_in_the_intervals_layout() {
    let text = "id,stage,start,end\nA,Dev,2024-01-02,2024-01-03\nB,Dev,2024-01-05,2024-01-04\n";
    assert_negative_rejected(
        text,
        |b| {
            LogReader::builder()
                .format(valuestream::Format::Intervals)
                .bad_rows(b)
        },
        3,
        "end",
        "2024-01-04",
    );
}

#[test]
fn negative_durations_are_bad_rows_in_pm4py_start_timestamp_logs() {
    let text = "case:concept:name,concept:name,start_timestamp,time:timestamp\n\
                A,Dev,2024-01-02,2024-01-03\nB,Dev,2024-01-05,2024-01-04\n";
    assert_negative_rejected(
        text,
        |b| LogReader::builder().preset(Preset::Pm4py).bad_rows(b),
        3,
        "time:timestamp",
        "2024-01-04",
    );
}

#[test]
fn negative_durations_are_bad_rows_in_the_wide_layout() {
    // B enters Test before it enters Dev: Dev would last minus one day.
    let text = "ID,Dev,Test,Done\nA,2024-01-02,2024-01-03,2024-01-04\nB,2024-01-05,2024-01-04,\n";
    assert_negative_rejected(
        text,
        |b| {
            LogReader::builder()
                .format(valuestream::Format::Wide)
                .bad_rows(b)
        },
        3,
        "Test",
        "2024-01-04",
    );
}

#[test]
fn negative_durations_are_bad_rows_in_a_wide_preset() {
    // GitLab: closed before it was created.
    let text = "Issue ID,Title,Created At (UTC),Closed At (UTC)\n\
                1,a,2024-01-02 10:00:00,2024-01-03 10:00:00\n\
                2,b,2024-01-05 10:00:00,2024-01-04 10:00:00\n";
    assert_negative_rejected(
        text,
        |b| LogReader::builder().preset(Preset::Gitlab).bad_rows(b),
        3,
        "Closed At (UTC)",
        "2024-01-04 10:00:00",
    );
}
