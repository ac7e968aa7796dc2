//! Who did the work: resources kept by the readers (CSV long, pm4py, XES), carried by the
//! timelines' visits, and the capacity `fit` estimates from them, against hand-computed
//! figures.

use valuestream::{BadRows, LogReader, Preset, StageKind, Timelines, Workflow};

/// A long CSV with a resource column: filled, empty, blank and absent values.
const LONG: &str = "\
case,activity,at,who,type
1,Dev,2024-03-04 09:00,Ann,Bug
1,Test,2024-03-05 10:00,,Bug
2,Dev,2024-03-05 11:00,Bob,Story
2,Dev,2024-03-05 12:00,  ,Story
3,Dev,not a date,Ann,Bug
3,Test,2024-03-06 08:00, Cid ,Bug
";

fn long_reader() -> valuestream::LogReaderBuilder {
    LogReader::builder()
        .id_column("case")
        .state_column("activity")
        .time_column("at")
        .name("who.csv")
}

#[test]
fn a_long_csv_keeps_the_resource_of_each_event_and_every_row_is_accounted_for() {
    let log = long_reader()
        .resource_column("who")
        .bad_rows(BadRows::Skip)
        .build()
        .read(LONG.as_bytes())
        .unwrap();
    // Six rows: five events and one rejected (its timestamp), none lost to the resource.
    assert_eq!((log.rows(), log.len(), log.rejected().len()), (6, 5, 1));
    assert_eq!(log.rejected()[0].line, 6);
    assert!(log.has_resources());
    let who: Vec<Option<&str>> = log.events().map(|e| e.resource).collect();
    assert_eq!(who, [Some("Ann"), None, Some("Bob"), None, Some("Cid")]);
    assert_eq!(
        (0..log.len()).map(|i| log.resource(i)).collect::<Vec<_>>(),
        who
    );
    // Interned, in order of first appearance (the rejected row's Ann was already known).
    assert_eq!(log.resources().collect::<Vec<_>>(), ["Ann", "Bob", "Cid"]);
    assert_eq!(log.resource(99), None);
}

#[test]
fn without_a_resource_column_nothing_is_kept() {
    let log = long_reader()
        .bad_rows(BadRows::Skip)
        .build()
        .read(LONG.as_bytes())
        .unwrap();
    assert!(!log.has_resources());
    assert_eq!(log.resources().count(), 0);
    assert!(log.events().all(|e| e.resource.is_none()));
}

#[test]
fn a_missing_resource_column_is_an_error_naming_it() {
    let e = long_reader()
        .resource_column("org:resource")
        .build()
        .read(LONG.as_bytes())
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("who.csv, line 1"), "{msg}");
    assert!(msg.contains("no column named \"org:resource\""), "{msg}");
}

#[test]
fn a_resource_that_is_not_utf8_is_a_bad_row_with_its_line_and_column() {
    let mut bytes = b"case,activity,at,who\n1,Dev,2024-03-04,Ann\n1,Test,2024-03-05,".to_vec();
    bytes.extend_from_slice(b"B\xffb\n");
    let e = long_reader()
        .resource_column("who")
        .build()
        .read(&bytes[..])
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("line 3"), "{msg}");
    assert!(msg.contains("who"), "{msg}");
    assert!(msg.contains("not valid UTF-8"), "{msg}");
    // Skipped: the row is rejected, not used, and the ledger balances.
    let log = long_reader()
        .resource_column("who")
        .bad_rows(BadRows::Skip)
        .build()
        .read(&bytes[..])
        .unwrap();
    assert_eq!((log.rows(), log.len(), log.rejected().len()), (2, 1, 1));
}

#[test]
fn the_pm4py_preset_keeps_org_resource() {
    let csv = "\
case:concept:name,concept:name,time:timestamp,org:resource
c1,Register,2024-03-04 09:00:00,Ann
c1,Decide,2024-03-04 10:00:00,
c2,Register,2024-03-04 11:00:00,Bob
";
    let log = LogReader::builder()
        .preset(Preset::Pm4py)
        .resource_column("org:resource")
        .build()
        .read(csv.as_bytes())
        .unwrap();
    let who: Vec<Option<&str>> = log.events().map(|e| e.resource).collect();
    assert_eq!(who, [Some("Ann"), None, Some("Bob")]);
}

#[cfg(feature = "xes")]
#[test]
fn xes_events_keep_their_org_resource_attribute() {
    let xes = r#"<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0">
  <global scope="event"><string key="org:resource" value="DEFAULT"/></global>
  <trace>
    <string key="concept:name" value="T1"/>
    <event>
      <string key="concept:name" value="Dev"/>
      <string key="org:resource" value="Ann"/>
      <date key="time:timestamp" value="2024-03-04T09:00:00.000+00:00"/>
    </event>
    <event>
      <string key="concept:name" value="Test"/>
      <date key="time:timestamp" value="2024-03-05T09:00:00.000+00:00"/>
    </event>
    <event>
      <string key="org:resource" value=""/>
      <string key="concept:name" value="Done"/>
      <date key="time:timestamp" value="2024-03-06T09:00:00.000+00:00"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="T2"/>
    <event>
      <date key="time:timestamp" value="2024-03-04T10:00:00.000+00:00"/>
      <string key="org:resource" value="Bob"/>
      <string key="concept:name" value="Dev"/>
    </event>
    <event>
      <string key="org:resource" value="Ann"/>
      <string key="concept:name" value="Dev"/>
      <date key="time:timestamp" value="bad"/>
    </event>
  </trace>
</log>"#;
    let log = LogReader::builder()
        .preset(Preset::Xes)
        .resource_column("org:resource")
        .bad_rows(BadRows::Skip)
        .build()
        .read(xes.as_bytes())
        .unwrap();
    // Five events read: four used, one rejected (its timestamp).
    assert_eq!((log.rows(), log.len(), log.rejected().len()), (5, 4, 1));
    let who: Vec<(&str, Option<&str>)> = log.events().map(|e| (e.state, e.resource)).collect();
    // The global default is not read (as documented for every attribute).
    assert_eq!(
        who,
        [
            ("Dev", Some("Ann")),
            ("Test", None),
            ("Done", None),
            ("Dev", Some("Bob"))
        ]
    );
    // Without the option, nothing is kept.
    let plain = LogReader::builder()
        .preset(Preset::Xes)
        .bad_rows(BadRows::Skip)
        .build()
        .read(xes.as_bytes())
        .unwrap();
    assert!(!plain.has_resources());
}

#[test]
fn a_visit_knows_who_began_it() {
    // Item 1: Dev by Ann, a second Dev event by Bob (the same visit), then Test by Cid,
    // back to Dev by no one named. Out of input order on purpose.
    let csv = "\
case,activity,at,who
1,Test,2024-03-06,Cid
1,Dev,2024-03-04,Ann
1,Dev,2024-03-05,Bob
1,Dev,2024-03-07,
1,Done,2024-03-08,Ann
";
    let log = long_reader()
        .resource_column("who")
        .build()
        .read(csv.as_bytes())
        .unwrap();
    let wf = Workflow::builder()
        .stage("Dev", StageKind::Active)
        .stage("Test", StageKind::Active)
        .stage("Done", StageKind::Done)
        .build()
        .unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    assert!(tl.has_resources());
    let item = tl.get("1").unwrap();
    let who: Vec<Option<&str>> = item.visits().iter().map(|v| item.resource(v)).collect();
    assert_eq!(who, [Some("Ann"), Some("Cid"), None, Some("Ann")]);
    // Known at an instant, and a log without resources.
    let past = tl.known_at("2024-03-06T12:00:00Z".parse().unwrap());
    let p = past.get("1").unwrap();
    let who: Vec<Option<&str>> = p.visits().iter().map(|v| p.resource(v)).collect();
    assert_eq!(who, [Some("Ann"), Some("Cid")]);
    let bare = long_reader().build().read(csv.as_bytes()).unwrap();
    let tl = Timelines::new(&bare, &wf).unwrap();
    assert!(!tl.has_resources());
    let item = tl.get("1").unwrap();
    assert!(item.visits().iter().all(|v| item.resource(v).is_none()));
}
