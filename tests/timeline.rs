//! Hand-computed timelines: every definition of DESIGN.md that the foundation implements,
//! on logs small enough to check by eye.

use chrono::{DateTime, Duration, TimeZone, Utc};
use valuestream::{
    Error, Format, ItemStatus, LogReader, TimeFormat, TimelineOptions, Timelines, WarningKind,
    Workflow,
};

/// 2024-01-01T00:00Z plus `hours`.
fn h(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::hours(hours)
}

/// A long log from rows `id,state,hour`.
fn log(rows: &[(&str, &str, i64)]) -> valuestream::EventLog {
    let mut csv = String::from("id,state,timestamp\n");
    for (id, state, hour) in rows {
        csv.push_str(&format!("{id},{state},{}\n", h(*hour).to_rfc3339()));
    }
    LogReader::builder()
        .name("test.csv")
        .build()
        .read(csv.as_bytes())
        .unwrap()
}

/// Backlog → Dev → Review queue → Review → Test → Done (with Resolved and Closed).
fn workflow() -> Workflow {
    Workflow::from_toml_str(
        r#"
        [[stage]]
        name = "Backlog"
        kind = "backlog"
        states = ["To Do"]
        [[stage]]
        name = "Dev"
        kind = "active"
        [[stage]]
        name = "Review queue"
        kind = "wait"
        [[stage]]
        name = "Review"
        kind = "active"
        [[stage]]
        name = "Test"
        kind = "active"
        [[stage]]
        name = "Done"
        kind = "done"
        states = ["Resolved", "Closed", "Done"]
        "#,
    )
    .unwrap()
}

const BACKLOG: usize = 0;
const DEV: usize = 1;
const QUEUE: usize = 2;
const REVIEW: usize = 3;
const TEST: usize = 4;
const DONE: usize = 5;

/// (stage, start hour, end hour, open) of each visit.
fn visits(tl: &Timelines, id: &str) -> Vec<(usize, i64, i64, bool)> {
    let item = tl.get(id).unwrap_or_else(|| panic!("no item {id}"));
    item.visits()
        .iter()
        .map(|v| {
            (
                v.stage(),
                (v.start() - h(0)).num_hours(),
                (v.end() - h(0)).num_hours(),
                v.is_open(),
            )
        })
        .collect()
}

#[test]
fn a_straight_run_through_the_workflow() {
    let l = log(&[
        ("A", "To Do", 0),
        ("A", "Dev", 24),
        ("A", "Review queue", 48),
        ("A", "Review", 60),
        ("A", "Test", 72),
        ("A", "Done", 96),
    ]);
    let tl = Timelines::new(&l, &workflow()).unwrap();
    assert_eq!(
        visits(&tl, "A"),
        [
            (BACKLOG, 0, 24, false),
            (DEV, 24, 48, false),
            (QUEUE, 48, 60, false),
            (REVIEW, 60, 72, false),
            (TEST, 72, 96, false),
            (DONE, 96, 96, false),
        ]
    );
    let a = tl.get("A").unwrap();
    assert_eq!(a.arrival(), h(0));
    assert_eq!(a.commitment(), Some(h(24)));
    assert_eq!(a.done(), Some(h(96)));
    assert_eq!(a.status(), ItemStatus::Done);
    assert_eq!(a.days_in_stage(QUEUE), 0.5);
    assert_eq!(tl.start(), h(0));
    assert_eq!(tl.as_of(), h(96));
    assert_eq!(tl.window_days(), 4.0);
    assert!(tl.quality().warnings.is_empty());
}

#[test]
fn ties_keep_input_order() {
    // B enters Dev and Review queue at the same instant: Dev first because it came first.
    // C has the same events in the other input order.
    let l = log(&[
        ("B", "Dev", 0),
        ("B", "Review queue", 10),
        ("B", "Review", 10),
        ("C", "Dev", 0),
        ("C", "Review", 10),
        ("C", "Review queue", 10),
    ]);
    let tl = Timelines::new(&l, &workflow()).unwrap();
    assert_eq!(
        visits(&tl, "B"),
        [
            (DEV, 0, 10, false),
            (QUEUE, 10, 10, false),
            (REVIEW, 10, 10, true)
        ]
    );
    assert_eq!(
        visits(&tl, "C"),
        [
            (DEV, 0, 10, false),
            (REVIEW, 10, 10, false),
            (QUEUE, 10, 10, true)
        ]
    );
    // C's move from Review back to its queue is a backward move.
    assert_eq!(tl.get("C").unwrap().backward_moves(), 1);
    assert_eq!(tl.get("B").unwrap().backward_moves(), 0);
}

#[test]
fn unsorted_input_is_sorted_with_ties_in_input_order_and_reported() {
    let l = log(&[
        ("A", "Test", 20),
        ("A", "Dev", 0),
        ("A", "Review", 0),
        ("A", "Done", 30),
    ]);
    let tl = Timelines::new(&l, &workflow()).unwrap();
    assert_eq!(
        visits(&tl, "A"),
        [
            (DEV, 0, 0, false),
            (REVIEW, 0, 20, false),
            (TEST, 20, 30, false),
            (DONE, 30, 30, false)
        ]
    );
    let w = tl.quality().warning(WarningKind::UnsortedInput).unwrap();
    assert_eq!((w.count, w.items), (1, 1));
    assert_eq!(w.examples, ["A"]);
}

#[test]
fn consecutive_events_in_one_stage_merge_into_one_visit() {
    let l = log(&[
        ("A", "Dev", 0),
        ("A", "Dev", 5),
        ("A", "Dev", 5),
        ("A", "Test", 10),
    ]);
    let tl = Timelines::new(&l, &workflow()).unwrap();
    assert_eq!(
        visits(&tl, "A"),
        [(DEV, 0, 10, false), (TEST, 10, 10, true)]
    );
    // The exact repeat (Dev at hour 5 twice) is a duplicate event, used and reported.
    assert_eq!(tl.quality().count(WarningKind::DuplicateEvents), 1);
    assert_eq!(tl.quality().events, 4);
}

#[test]
fn rework_visits_a_stage_twice_and_counts_both() {
    let l = log(&[
        ("A", "Dev", 0),
        ("A", "Review", 10),
        ("A", "Dev", 12),
        ("A", "Review", 20),
        ("A", "Test", 21),
        ("A", "Done", 30),
    ]);
    let tl = Timelines::new(&l, &workflow()).unwrap();
    let a = tl.get("A").unwrap();
    assert_eq!(a.visits().len(), 6);
    assert_eq!(a.backward_moves(), 1);
    // Dev: 0–10 and 12–20; Review: 10–12 and 20–21.
    assert_eq!(a.days_in_stage(DEV), 18.0 / 24.0);
    assert_eq!(a.days_in_stage(REVIEW), 3.0 / 24.0);
    assert_eq!(a.done(), Some(h(30)));
    let w = tl.quality().warning(WarningKind::BackwardMoves).unwrap();
    assert_eq!((w.count, w.items), (1, 1));
    // Dev → Review jumps over the Review queue: a skipped stage, twice.
    assert_eq!(tl.quality().count(WarningKind::SkippedStages), 2);
}

#[test]
fn a_reopened_item_is_in_progress_again_and_done_at_its_last_done() {
    let l = log(&[
        ("A", "Dev", 0),
        ("A", "Done", 10),
        ("A", "Dev", 20),
        ("A", "Done", 30),
        ("B", "Dev", 0),
        ("B", "Done", 10),
        ("B", "Test", 20),
        ("Z", "Dev", 40),
    ]);
    let tl = Timelines::new(&l, &workflow()).unwrap();
    let a = tl.get("A").unwrap();
    assert_eq!(a.status(), ItemStatus::Done);
    assert_eq!(a.done(), Some(h(30)));
    // The first done visit was real time: the item was not done in the end.
    assert_eq!(
        visits(&tl, "A"),
        [
            (DEV, 0, 10, false),
            (DONE, 10, 20, false),
            (DEV, 20, 30, false),
            (DONE, 30, 30, false)
        ]
    );
    let b = tl.get("B").unwrap();
    assert_eq!(b.status(), ItemStatus::InProgress);
    assert_eq!(b.done(), None);
    assert_eq!(visits(&tl, "B").last(), Some(&(TEST, 20, 40, true)));
    let w = tl.quality().warning(WarningKind::Reopened).unwrap();
    assert_eq!((w.count, w.items), (2, 2));
    assert_eq!(w.examples, ["A", "B"]);
    // A reopening is not a backward move.
    assert_eq!(tl.quality().count(WarningKind::BackwardMoves), 0);
}

#[test]
fn with_done_is_final_the_first_done_ends_the_item_and_later_events_are_counted() {
    let l = log(&[
        ("A", "Dev", 0),
        ("A", "Done", 10),
        ("A", "Dev", 20),
        ("A", "Blocked", 25),
        ("A", "Closed", 30),
        ("A", "Test", 50),
        ("B", "Dev", 0),
        ("B", "Test", 20),
        ("C", "Done", 5),
        ("C", "Dev", 6),
    ]);
    let opts = TimelineOptions::new()
        .drop_unmapped(true)
        .done_is_final(true)
        .as_of(h(40));
    let tl = Timelines::with_options(&l, &workflow(), &opts).unwrap();
    let a = tl.get("A").unwrap();
    assert_eq!((a.status(), a.done()), (ItemStatus::Done, Some(h(10))));
    assert_eq!(a.cycle_time_days(), Some(10.0 / 24.0));
    assert_eq!(
        visits(&tl, "A"),
        [(DEV, 0, 10, false), (DONE, 10, 10, false)]
    );
    // An item never done is as without the option; one done before commitment stays
    // discarded.
    assert_eq!(
        visits(&tl, "B"),
        [(DEV, 0, 20, false), (TEST, 20, 40, true)]
    );
    assert_eq!(tl.get("C").unwrap().status(), ItemStatus::Discarded);
    let q = tl.quality();
    // A's Dev at 20 and Closed at 30 stay in the done visit (Blocked is dropped as
    // unmapped, Test at 50 is after as_of); C's Dev too. Nothing is reopened.
    assert_eq!(q.count(WarningKind::EventsAfterDone), 3);
    assert_eq!(q.count(WarningKind::Reopened), 0);
    assert_eq!(q.count(WarningKind::AfterAsOf), 1);
    assert_eq!((q.events, q.dropped_events()), (8, 1));
    assert_eq!(
        q.events_read,
        q.events + q.dropped_events() + q.count(WarningKind::AfterAsOf)
    );
    // Without the option A is reopened and done only at Closed.
    let opts = TimelineOptions::new().drop_unmapped(true).as_of(h(40));
    let tl = Timelines::with_options(&l, &workflow(), &opts).unwrap();
    assert_eq!(tl.get("A").unwrap().done(), Some(h(30)));
    assert_eq!(tl.quality().count(WarningKind::Reopened), 2);
}

#[test]
fn resolved_then_closed_is_one_done_visit_from_resolution() {
    let l = log(&[
        ("A", "Dev", 0),
        ("A", "Resolved", 10),
        ("A", "Closed", 50),
        ("B", "Dev", 0),
        ("B", "Test", 60),
    ]);
    let tl = Timelines::new(&l, &workflow()).unwrap();
    let a = tl.get("A").unwrap();
    assert_eq!(a.done(), Some(h(10)));
    assert_eq!(
        visits(&tl, "A"),
        [(DEV, 0, 10, false), (DONE, 10, 10, false)]
    );
    assert_eq!(tl.quality().count(WarningKind::EventsAfterDone), 1);
}

#[test]
fn with_two_done_stages_done_is_the_start_of_the_trailing_done_run() {
    let wf = Workflow::from_toml_str(
        r#"
        [[stage]]
        name = "Dev"
        kind = "active"
        [[stage]]
        name = "Resolved"
        kind = "done"
        [[stage]]
        name = "Closed"
        kind = "done"
        "#,
    )
    .unwrap();
    let l = log(&[("A", "Dev", 0), ("A", "Resolved", 10), ("A", "Closed", 50)]);
    let tl = Timelines::new(&l, &wf).unwrap();
    let a = tl.get("A").unwrap();
    assert_eq!(a.done(), Some(h(10)));
    assert_eq!(
        visits(&tl, "A"),
        [(0, 0, 10, false), (1, 10, 10, false), (2, 50, 50, false)]
    );
    assert_eq!(tl.quality().count(WarningKind::EventsAfterDone), 1);
}

#[test]
fn skipped_stages_are_counted_but_the_first_stage_is_free() {
    // A is created directly in Review (not a skip), then goes to Done skipping Test.
    // B goes Backlog → Test, skipping Dev, the queue and Review: one skip.
    let l = log(&[
        ("A", "Review", 0),
        ("A", "Done", 10),
        ("B", "To Do", 0),
        ("B", "Test", 5),
        ("B", "Done", 10),
    ]);
    let tl = Timelines::new(&l, &workflow()).unwrap();
    let w = tl.quality().warning(WarningKind::SkippedStages).unwrap();
    assert_eq!((w.count, w.items), (2, 2));
    // Commitment is the first entry into the commitment stage or any later non-done one.
    assert_eq!(tl.get("A").unwrap().commitment(), Some(h(0)));
    assert_eq!(tl.get("B").unwrap().commitment(), Some(h(5)));
}

#[test]
fn done_without_commitment_is_discarded() {
    let l = log(&[
        ("A", "To Do", 0),
        ("A", "Done", 10),
        ("B", "To Do", 0),
        ("C", "Done", 3),
    ]);
    let tl = Timelines::new(&l, &workflow()).unwrap();
    assert_eq!(tl.get("A").unwrap().status(), ItemStatus::Discarded);
    assert_eq!(tl.get("A").unwrap().commitment(), None);
    assert_eq!(tl.get("B").unwrap().status(), ItemStatus::NotStarted);
    assert_eq!(tl.get("C").unwrap().status(), ItemStatus::Discarded);
    let w = tl
        .quality()
        .warning(WarningKind::DoneWithoutCommitment)
        .unwrap();
    assert_eq!((w.count, w.items), (2, 2));
}

#[test]
fn items_open_at_as_of_stay_open_until_it() {
    let l = log(&[
        ("A", "Dev", 0),
        ("A", "Test", 10),
        ("B", "Dev", 5),
        ("B", "Done", 20),
    ]);
    // Default as_of: the latest instant in the log, hour 20.
    let tl = Timelines::new(&l, &workflow()).unwrap();
    assert_eq!(tl.as_of(), h(20));
    assert_eq!(
        visits(&tl, "A"),
        [(DEV, 0, 10, false), (TEST, 10, 20, true)]
    );
    assert_eq!(tl.get("A").unwrap().status(), ItemStatus::InProgress);
    // A later as_of stretches the open visit, not the closed ones.
    let later =
        Timelines::with_options(&l, &workflow(), &TimelineOptions::new().as_of(h(48))).unwrap();
    assert_eq!(
        visits(&later, "A"),
        [(DEV, 0, 10, false), (TEST, 10, 48, true)]
    );
    assert_eq!(
        visits(&later, "B"),
        [(DEV, 5, 20, false), (DONE, 20, 20, false)]
    );
}

#[test]
fn an_earlier_as_of_leaves_later_events_out_and_counts_them() {
    let l = log(&[
        ("A", "Dev", 0),
        ("A", "Test", 10),
        ("A", "Done", 30),
        ("B", "Dev", 25),
    ]);
    let tl =
        Timelines::with_options(&l, &workflow(), &TimelineOptions::new().as_of(h(15))).unwrap();
    assert_eq!(tl.as_of(), h(15));
    assert_eq!(
        visits(&tl, "A"),
        [(DEV, 0, 10, false), (TEST, 10, 15, true)]
    );
    assert_eq!(tl.get("A").unwrap().status(), ItemStatus::InProgress);
    assert!(tl.get("B").is_none(), "B arrives after as_of");
    let q = tl.quality();
    assert_eq!(q.count(WarningKind::AfterAsOf), 2);
    assert_eq!(q.count(WarningKind::ItemsWithoutEvents), 1);
    assert_eq!(q.events, 2);
    assert_eq!(q.events_read, 4);
    assert_eq!(q.items, 2);
}

#[test]
fn unmapped_states_are_an_error_listing_each_with_count_and_first_line() {
    let l = log(&[
        ("A", "Dev", 0),
        ("A", "Blocked", 1),
        ("B", "Parked", 2),
        ("B", "Blocked", 3),
        ("B", "Done", 4),
    ]);
    let err = Timelines::new(&l, &workflow()).unwrap_err();
    match &err {
        Error::UnmappedStates { pos, states, .. } => {
            assert_eq!(pos.file.as_deref(), Some("test.csv"));
            let got: Vec<(&str, u64, u64)> = states
                .iter()
                .map(|s| (s.state.as_str(), s.count, s.first_line))
                .collect();
            // Line 1 is the header: the second data row is line 3.
            assert_eq!(got, [("Blocked", 2, 3), ("Parked", 1, 4)]);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("\"Blocked\" (2 events, first on line 3)"),
        "{err}"
    );
}

#[test]
fn unmapped_states_can_be_dropped_and_are_then_counted() {
    let l = log(&[
        ("A", "Dev", 0),
        ("A", "Blocked", 1),
        ("A", "Test", 2),
        ("B", "Parked", 2),
    ]);
    let tl = Timelines::with_options(&l, &workflow(), &TimelineOptions::new().drop_unmapped(true))
        .unwrap();
    // Dropping Blocked leaves A in Dev until Test.
    assert_eq!(visits(&tl, "A"), [(DEV, 0, 2, false), (TEST, 2, 2, true)]);
    let q = tl.quality();
    assert_eq!(q.events, 2);
    assert_eq!(q.dropped_events(), 2);
    assert_eq!(q.dropped.len(), 2);
    assert_eq!(
        (q.dropped[0].state.as_str(), q.dropped[0].first_line),
        ("Blocked", 3)
    );
    assert_eq!(q.count(WarningKind::ItemsWithoutEvents), 1);
    // Every event is accounted for.
    assert_eq!(
        q.events_read,
        q.events + q.dropped_events() + q.count(WarningKind::AfterAsOf)
    );
}

#[test]
fn every_timestamp_form_reads_to_the_same_timeline() {
    // 2024-03-04T09:15:00Z and two days later, in each form the readers accept.
    let forms: [(&str, &str, TimeFormat, &str); 9] = [
        (
            "2024-03-04T09:15:00Z",
            "2024-03-06T09:15:00Z",
            TimeFormat::Auto,
            "Z",
        ),
        (
            "2024-03-04T10:15:00+01:00",
            "2024-03-06T10:15:00+01:00",
            TimeFormat::Auto,
            "Z",
        ),
        (
            "2024-03-04T10:15:00.000+0100",
            "2024-03-06T10:15:00.000+0100",
            TimeFormat::Auto,
            "Z",
        ),
        (
            "2024-03-04 09:15:00",
            "2024-03-06 09:15:00",
            TimeFormat::Auto,
            "Z",
        ),
        (
            "2024-03-04 10:15:00.000",
            "2024-03-06 10:15",
            TimeFormat::Auto,
            "+01:00",
        ),
        ("1709543700", "1709716500", TimeFormat::Auto, "Z"),
        ("1709543700000", "1709716500000", TimeFormat::Auto, "Z"),
        (
            "04/03/2024 09:15",
            "06/03/2024 09:15",
            TimeFormat::Pattern("%d/%m/%Y %H:%M".into()),
            "Z",
        ),
        (
            "3/4/2024 10:15:00 AM",
            "3/6/2024 10:15:00 AM",
            TimeFormat::Pattern("%m/%d/%Y %I:%M:%S %p".into()),
            "+01:00",
        ),
    ];
    let start = Utc.with_ymd_and_hms(2024, 3, 4, 9, 15, 0).unwrap();
    for (a, b, format, offset) in forms {
        let csv = format!("id,state,timestamp\nA,Dev,{a}\nA,Done,{b}\n");
        let l = LogReader::builder()
            .time_format(format.clone())
            .offset(valuestream::parse_offset(offset).unwrap())
            .build()
            .read(csv.as_bytes())
            .unwrap_or_else(|e| panic!("{a}: {e}"));
        let tl = Timelines::new(&l, &workflow()).unwrap();
        let item = tl.get("A").unwrap();
        assert_eq!(item.arrival(), start, "{a}");
        assert_eq!(item.done(), Some(start + Duration::days(2)), "{b}");
    }
}

#[test]
fn a_wide_file_gives_one_visit_per_date_and_skips_empty_cells() {
    let wide = "ID,Link,Name,Backlog,Dev,Review,Test,Done,Type\n\
                A,https://x/A,First,2024-01-01,2024-01-02,2024-01-04,2024-01-05,2024-01-08,Bug\n\
                B,https://x/B,Second,2024-01-01,2024-01-03,,2024-01-06,,Story\n";
    let l = LogReader::builder()
        .format(Format::Wide)
        .stage_columns(["Backlog", "Dev", "Review", "Test", "Done"])
        .attribute("Type")
        .build()
        .read(wide.as_bytes())
        .unwrap();
    let wf = Workflow::from_toml_str(
        r#"
        [[stage]]
        name = "Backlog"
        kind = "backlog"
        [[stage]]
        name = "Dev"
        kind = "active"
        [[stage]]
        name = "Review"
        kind = "active"
        [[stage]]
        name = "Test"
        kind = "active"
        [[stage]]
        name = "Done"
        kind = "done"
        "#,
    )
    .unwrap();
    let tl = Timelines::new(&l, &wf).unwrap();
    let day = |d: i64| (d - 1) * 24;
    assert_eq!(
        visits(&tl, "A"),
        [
            (0, day(1), day(2), false),
            (1, day(2), day(4), false),
            (2, day(4), day(5), false),
            (3, day(5), day(8), false),
            (4, day(8), day(8), false)
        ]
    );
    // B skipped Review (an empty cell) and is still in Test at as_of (8 January).
    assert_eq!(
        visits(&tl, "B"),
        [
            (0, day(1), day(3), false),
            (1, day(3), day(6), false),
            (3, day(6), day(8), true)
        ]
    );
    assert_eq!(tl.get("B").unwrap().attribute("Type"), Some("Story"));
    assert_eq!(tl.quality().count(WarningKind::SkippedStages), 1);
    assert_eq!(tl.quality().rows, 2);
    assert_eq!(tl.quality().events, 8);
}

#[test]
fn intervals_make_work_and_the_queues_between() {
    let csv = "job,step,started,finished\n\
               P1,Build,2024-01-01 00:00,2024-01-01 01:00\n\
               P1,Test,2024-01-01 03:00,2024-01-01 05:00\n\
               P2,Build,2024-01-01 02:00,2024-01-01 02:30\n\
               P2,Test,2024-01-01 06:00,\n";
    let l = LogReader::builder()
        .format(Format::Intervals)
        .id_column("job")
        .state_column("step")
        .time_column("started")
        .end_column("finished")
        .build()
        .read(csv.as_bytes())
        .unwrap();
    let wf = Workflow::from_toml_str(
        r#"
        [[stage]]
        name = "Build"
        kind = "active"
        [[stage]]
        name = "Test queue"
        kind = "wait"
        [[stage]]
        name = "Test"
        kind = "active"
        [[stage]]
        name = "Done"
        kind = "done"
        "#,
    )
    .unwrap();
    let tl = Timelines::new(&l, &wf).unwrap();
    assert_eq!(
        visits(&tl, "P1"),
        [
            (0, 0, 1, false),
            (1, 1, 3, false),
            (2, 3, 5, false),
            (3, 5, 5, false)
        ]
    );
    let p2 = tl.get("P2").unwrap();
    assert_eq!(p2.status(), ItemStatus::InProgress);
    assert_eq!(p2.days_in_stage(1), 3.5 / 24.0);
    assert_eq!(tl.as_of(), h(6));
    assert_eq!(tl.quality().rows, 4);
    assert_eq!(tl.quality().events_read, 7);
}

#[test]
fn the_ledger_accounts_for_every_row() {
    let csv = "id,state,timestamp\nA,Dev,2024-01-01\nB,Dev,not a date\nC,Dev\nD,Test,2024-01-02\n";
    let l = LogReader::builder()
        .bad_rows(valuestream::BadRows::Skip)
        .build()
        .read(csv.as_bytes())
        .unwrap();
    let tl = Timelines::new(&l, &workflow()).unwrap();
    let q = tl.quality();
    assert_eq!(q.rows, 4);
    assert_eq!(q.rejected.len(), 2);
    assert_eq!(q.events, 2);
    assert_eq!(q.rows, q.events + q.rejected.len() as u64);
    let json = serde_json::to_value(q).unwrap();
    assert_eq!(json["rejected"][0]["line"], 3);
    assert_eq!(json["rejected"][1]["column"], "timestamp");
}
