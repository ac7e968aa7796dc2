//! Every reader accounts for every record: what an XES document, a Jira search page or a
//! tool's CSV export holds is either used, rejected with its place and reason, or reported
//! as a warning in the ledger. Hand-written inputs for each case, property tests for the
//! balance (records read = events used + rejected + dropped).

use valuestream::{BadRows, EventLog, LogReader, Preset, Timelines, WarningKind, Workflow};

/// Reads `bytes` through `preset` with the `policy` for bad rows.
fn read(preset: Preset, policy: BadRows, bytes: &[u8]) -> valuestream::Result<EventLog> {
    LogReader::builder()
        .preset(preset)
        .bad_rows(policy)
        .name("input")
        .build()
        .read(bytes)
}

/// The states of the events of `item`, in input order.
fn states_of(log: &EventLog, item: &str) -> Vec<String> {
    log.events()
        .filter(|e| e.item == item)
        .map(|e| e.state.to_owned())
        .collect()
}

/// An error message is short and names the input.
fn assert_short_and_named(message: &str) {
    assert!(message.contains("input"), "{message}");
    assert!(message.len() <= 400, "{} chars: {message}", message.len());
}

#[cfg(feature = "xes")]
mod xes {
    use super::*;

    fn event(state: &str, day: u32) -> String {
        format!(
            r#"<event><string key="concept:name" value="{state}"/><date key="time:timestamp" value="2024-03-{day:02}T09:00:00Z"/></event>"#
        )
    }

    fn trace(id: &str, events: &[(&str, u32)]) -> String {
        let mut t = format!(r#"<trace><string key="concept:name" value="{id}"/>"#);
        for (s, d) in events {
            t.push_str(&event(s, *d));
        }
        t.push_str("</trace>");
        t
    }

    /// A log with a complete trace A, then trace B cut after its second event.
    fn cut_in_last_trace() -> String {
        let mut doc = format!("<log>{}", trace("A", &[("Dev", 1), ("Done", 2)]));
        doc.push_str(r#"<trace><string key="concept:name" value="B"/>"#);
        doc.push_str(&event("Dev", 3));
        doc.push_str(&event("Test", 4));
        // Cut inside the third event.
        doc.push_str(r#"<event><string key="concept:name" value="Done"/>"#);
        doc
    }

    #[test]
    fn a_document_cut_inside_its_last_trace_is_an_error_that_says_where() {
        let doc = cut_in_last_trace();
        let e = read(Preset::Xes, BadRows::Error, doc.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("trace \"B\""), "{e}");
        assert!(e.contains(&format!("byte {}", doc.len())), "{e}");
        assert!(e.contains("</trace>"), "{e}");
        assert_short_and_named(&e);
    }

    #[test]
    fn a_document_cut_inside_its_last_trace_rejects_that_trace_when_skipping() {
        let log = read(Preset::Xes, BadRows::Skip, cut_in_last_trace().as_bytes()).unwrap();
        // Five events begun: A's two are used, B's three (the last one cut) are rejected.
        assert_eq!(log.rows(), 5);
        assert_eq!(states_of(&log, "A"), ["Dev", "Done"]);
        assert!(states_of(&log, "B").is_empty());
        assert_eq!(log.rejected().len(), 3);
        assert!(
            log.rejected()
                .iter()
                .all(|r| r.reason.contains("ends inside") && r.reason.contains("trace \"B\"")),
            "{:?}",
            log.rejected()
        );
        assert_eq!(log.rows(), log.len() as u64 + log.rejected().len() as u64);
    }

    #[test]
    fn a_document_cut_between_traces_is_an_error_or_a_warning() {
        let doc = format!(
            "<log>{}{}",
            trace("A", &[("Dev", 1)]),
            trace("B", &[("Done", 2)])
        );
        let e = read(Preset::Xes, BadRows::Error, doc.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("</log>") && e.contains("ends"), "{e}");
        let log = read(Preset::Xes, BadRows::Skip, doc.as_bytes()).unwrap();
        assert_eq!((log.rows(), log.len(), log.rejected().len()), (2, 2, 0));
        let wf = Workflow::for_preset(Preset::Xes, &log).unwrap();
        let tl = Timelines::new(&log, &wf).unwrap();
        let w = tl.quality().warning(WarningKind::TruncatedInput).unwrap();
        assert_eq!(w.count, 1);
        assert!(tl.quality().to_string().contains("cut short"));
    }

    #[test]
    fn a_trace_nested_in_a_trace_is_an_error_or_its_events_are_rejected() {
        let inner = trace("N", &[("Dev", 5), ("Done", 6)]);
        let doc = format!(
            r#"<log><trace><string key="concept:name" value="A"/>{}{inner}{}</trace>{}</log>"#,
            event("Dev", 1),
            event("Done", 2),
            trace("B", &[("Dev", 3)])
        );
        let e = read(Preset::Xes, BadRows::Error, doc.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("nested") && e.contains("trace \"A\""), "{e}");
        assert!(e.contains("byte "), "{e}");
        assert_short_and_named(&e);
        let log = read(Preset::Xes, BadRows::Skip, doc.as_bytes()).unwrap();
        assert_eq!(log.rows(), 5);
        assert_eq!(states_of(&log, "A"), ["Dev", "Done"]);
        assert_eq!(states_of(&log, "B"), ["Dev"]);
        assert!(states_of(&log, "N").is_empty());
        assert_eq!(log.rejected().len(), 2);
        assert!(log.rejected()[0].reason.contains("nested"));
    }

    #[test]
    fn an_event_inside_an_event_or_outside_any_trace_is_rejected() {
        let doc = format!(
            r#"<log>{}<trace><string key="concept:name" value="A"/><event><string key="concept:name" value="Dev"/>{}<date key="time:timestamp" value="2024-03-01T09:00:00Z"/></event></trace></log>"#,
            event("Stray", 1),
            event("Inner", 2),
        );
        let e = read(Preset::Xes, BadRows::Error, doc.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("outside"), "{e}");
        let log = read(Preset::Xes, BadRows::Skip, doc.as_bytes()).unwrap();
        // The stray event, the outer event of A and the event nested in it.
        assert_eq!(log.rows(), 3);
        assert_eq!(states_of(&log, "A"), ["Dev"]);
        assert_eq!(log.rejected().len(), 2);
        assert!(log.rejected()[0].reason.contains("outside"));
        assert!(log.rejected()[1].reason.contains("nested"));
    }

    #[test]
    fn a_trace_without_a_name_rejects_each_of_its_events() {
        let doc = format!(
            "<log><trace>{}{}</trace>{}</log>",
            event("Dev", 1),
            event("Done", 2),
            trace("B", &[("Dev", 3)])
        );
        let log = read(Preset::Xes, BadRows::Skip, doc.as_bytes()).unwrap();
        assert_eq!((log.rows(), log.len(), log.rejected().len()), (3, 1, 2));
    }
}

mod jira {
    use super::*;

    /// A Jira issue `key` created on March 1 in `To Do`, with a status change per entry of
    /// `changes` (day, from, to), and a changelog that says it has `total` histories.
    fn issue(key: &str, changes: &[(u32, &str, &str)], total: usize) -> String {
        let histories: Vec<String> = changes
            .iter()
            .map(|(day, from, to)| {
                format!(
                    r#"{{"created": "2024-03-{day:02}T09:00:00.000+0000", "items": [{{"field": "status", "fromString": "{from}", "toString": "{to}"}}]}}"#
                )
            })
            .collect();
        format!(
            r#"{{"key": "{key}", "fields": {{"created": "2024-03-01T09:00:00.000+0000", "status": {{"name": "Done"}}}},
               "changelog": {{"startAt": 0, "maxResults": 100, "total": {total}, "histories": [{}]}}}}"#,
            histories.join(",")
        )
    }

    #[test]
    fn a_changelog_cut_short_by_the_search_is_kept_and_flagged() {
        // P-1's changelog holds 2 of its 150 histories; P-2's is whole.
        let page = format!(
            r#"{{"issues": [{}, {}]}}"#,
            issue("P-1", &[(10, "Review", "Test"), (12, "Test", "Done")], 150),
            issue("P-2", &[(2, "To Do", "Dev"), (3, "Dev", "Done")], 2)
        );
        let log = read(Preset::JiraJson, BadRows::Error, page.as_bytes()).unwrap();
        // Kept: its known changes are used.
        assert_eq!(states_of(&log, "P-1"), ["Review", "Test", "Done"]);
        let wf = Workflow::for_preset(Preset::JiraJson, &log).unwrap();
        let tl = Timelines::new(&log, &wf).unwrap();
        let q = tl.quality();
        let w = q.warning(WarningKind::IncompleteHistory).unwrap();
        assert_eq!((w.count, w.items), (1, 1));
        assert_eq!(w.examples, ["P-1"]);
        let text = q.to_string();
        assert!(text.contains("earlier status changes missing"), "{text}");
        let json = serde_json::to_string(q).unwrap();
        assert!(json.contains("\"incomplete_history\""), "{json}");
    }

    #[test]
    fn a_changelog_page_that_does_not_start_at_the_first_history_is_flagged() {
        let page = r#"{"issues": [{"key": "P-3", "fields": {"created": "2024-03-01T09:00:00.000+0000", "status": {"name": "Done"}},
            "changelog": {"startAt": 100, "maxResults": 100, "histories": [
              {"created": "2024-03-04T09:00:00.000+0000", "items": [{"field": "status", "fromString": "Dev", "toString": "Done"}]}]}}]}"#;
        let log = read(Preset::JiraJson, BadRows::Error, page.as_bytes()).unwrap();
        let wf = Workflow::for_preset(Preset::JiraJson, &log).unwrap();
        let tl = Timelines::new(&log, &wf).unwrap();
        assert_eq!(tl.quality().count(WarningKind::IncompleteHistory), 1);
    }

    #[test]
    fn whole_changelogs_raise_no_warning() {
        let page = format!(
            r#"{{"issues": [{}]}}"#,
            issue("P-2", &[(2, "To Do", "Dev"), (3, "Dev", "Done")], 2)
        );
        let log = read(Preset::JiraJson, BadRows::Error, page.as_bytes()).unwrap();
        let wf = Workflow::for_preset(Preset::JiraJson, &log).unwrap();
        let tl = Timelines::new(&log, &wf).unwrap();
        assert!(
            tl.quality()
                .warning(WarningKind::IncompleteHistory)
                .is_none()
        );
    }
}

mod presets {
    use super::*;

    /// An ActionableAgile export whose `Doing` column has one bad date on line 3.
    const ONE_BAD_DATE: &str = "\
ID,Link,Name,To Do,Doing,Done,Type
AA-1,https://t/AA-1,One,2024-02-01,2024-02-03,2024-02-07,Feature
AA-2,https://t/AA-2,Two,2024-02-02,2024-02-31,2024-02-09,Defect
AA-3,https://t/AA-3,Three,2024-02-05,2024-02-06,,Feature
";

    #[test]
    fn one_bad_date_in_a_stage_column_is_an_error_naming_line_column_and_value() {
        let e = read(
            Preset::ActionableAgile,
            BadRows::Error,
            ONE_BAD_DATE.as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 3"), "{e}");
        assert!(e.contains("\"Doing\""), "{e}");
        assert!(e.contains("2024-02-31"), "{e}");
        assert_short_and_named(&e);
    }

    #[test]
    fn one_bad_date_in_a_stage_column_rejects_its_row_and_keeps_the_column() {
        let log = read(
            Preset::ActionableAgile,
            BadRows::Skip,
            ONE_BAD_DATE.as_bytes(),
        )
        .unwrap();
        assert_eq!(log.rows(), 3);
        assert_eq!(log.rejected().len(), 1);
        let r = &log.rejected()[0];
        assert_eq!(r.line, 3);
        assert_eq!(r.column.as_deref(), Some("Doing"));
        assert_eq!(r.value.as_deref(), Some("2024-02-31"));
        // The column's valid dates are used, and `Type` stays an attribute.
        assert_eq!(states_of(&log, "AA-1"), ["To Do", "Doing", "Done"]);
        assert_eq!(states_of(&log, "AA-3"), ["To Do", "Doing"]);
        assert_eq!(log.attribute(0, "Type"), Some("Feature"));
        assert_eq!(log.attribute_names(), ["Type"]);
    }

    #[test]
    fn a_column_of_words_with_a_date_among_them_stays_an_attribute() {
        let csv = "\
ID,Link,Name,To Do,Done,Note
AA-1,https://t/AA-1,One,2024-02-01,2024-02-07,blocked
AA-2,https://t/AA-2,Two,2024-02-02,2024-02-09,2024-02-01
AA-3,https://t/AA-3,Three,2024-02-05,,waiting on vendor
";
        let log = read(Preset::ActionableAgile, BadRows::Error, csv.as_bytes()).unwrap();
        assert_eq!(log.states().collect::<Vec<_>>(), ["To Do", "Done"]);
        assert_eq!(log.attribute(1, "Note"), Some("2024-02-01"));
    }

    /// The other presets name their date columns: a bad cell there is a rejected row.
    #[test]
    fn a_bad_date_in_a_named_preset_column_is_a_rejected_row_with_its_place() {
        let csv = "\
Title,Issue ID,URL,State,Created At (UTC),Closed At (UTC)
A,1,u,closed,2024-02-01 09:00:00,2024-02-03 09:00:00
B,2,u,closed,2024-02-01 09:00:00,yesterday
C,3,u,opened,2024-02-02 09:00:00,
";
        let log = read(Preset::Gitlab, BadRows::Skip, csv.as_bytes()).unwrap();
        assert_eq!((log.rows(), log.len(), log.rejected().len()), (3, 3, 1));
        let r = &log.rejected()[0];
        assert_eq!(
            (r.line, r.column.as_deref(), r.value.as_deref()),
            (3, Some("Closed At (UTC)"), Some("yesterday"))
        );
    }
}
