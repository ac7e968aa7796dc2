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

/// A hand-computed log of nine items over three weeks (Monday 4 to Monday 25 March 2024),
/// each waiting in Queue, then in Work (an active stage, begun by the person named), then
/// Done. Work, per person (the person named on the Work event):
///
/// - Ann: I1 [Mon 4 09:00, Tue 5 09:00), I2 [Mon 4 21:00, Tue 5 21:00) (12 h at once),
///   I6 [Sun 17 12:00, Mon 18 12:00) (across weeks 2 and 3);
/// - Bob: I3 [Wed 6 00:00, 12:00), I4 [Tue 12 00:00, Wed 13 00:00), I9 [Tue 12 06:00,
///   20:00) (inside I4);
/// - Cid: I5 [Tue 12 12:00, 18:00), I7 [Wed 20 00:00, Thu 21 00:00);
/// - no one: I8 [Sun 24 00:00, Mon 25 00:00).
const PEOPLE_LOG: &str = "\
id,state,timestamp,who
I1,Queue,2024-03-04 00:00,
I1,Work,2024-03-04 09:00,Ann
I1,Done,2024-03-05 09:00,Ann
I2,Queue,2024-03-04 10:00,
I2,Work,2024-03-04 21:00,Ann
I2,Done,2024-03-05 21:00,Ann
I3,Queue,2024-03-05 00:00,
I3,Work,2024-03-06 00:00,Bob
I3,Done,2024-03-06 12:00,Bob
I4,Queue,2024-03-11 12:00,
I4,Work,2024-03-12 00:00,Bob
I4,Done,2024-03-13 00:00,Bob
I5,Queue,2024-03-12 00:00,
I5,Work,2024-03-12 12:00,Cid
I5,Done,2024-03-12 18:00,Cid
I9,Queue,2024-03-12 00:00,
I9,Work,2024-03-12 06:00,Bob
I9,Done,2024-03-12 20:00,Bob
I6,Queue,2024-03-17 00:00,
I6,Work,2024-03-17 12:00,Ann
I6,Done,2024-03-18 12:00,Ann
I7,Queue,2024-03-19 00:00,
I7,Work,2024-03-20 00:00,Cid
I7,Done,2024-03-21 00:00,Cid
I8,Queue,2024-03-23 00:00,
I8,Work,2024-03-24 00:00,
I8,Done,2024-03-25 00:00,
";

fn people_timelines(resources: bool) -> Timelines {
    let mut b = LogReader::builder();
    if resources {
        b = b.resource_column("who");
    }
    let log = b.build().read(PEOPLE_LOG.as_bytes()).unwrap();
    let wf = Workflow::builder()
        .stage("Queue", StageKind::Wait)
        .stage("Work", StageKind::Active)
        .stage("Done", StageKind::Done)
        .build()
        .unwrap();
    Timelines::new(&log, &wf).unwrap()
}

/// The figures computed by hand from the comment on [`PEOPLE_LOG`]; the window is the
/// whole log, 4 to 25 March: three full weeks.
///
/// - People per week: week 1 (4–11 March) Ann, Bob; week 2 (11–18) Bob, Cid, Ann (I6 from
///   Sunday 17); week 3 (18–25) Ann (I6 until Monday 18 noon), Cid: 2, 3, 2, median 2;
///   3 people in all.
/// - Service time, named: Ann 24 + 24 + 24 = 72 h, Bob 12 + 24 + 14 = 50 h, Cid 6 + 24 =
///   30 h: 152 h. Busy (union): Ann 36 + 24 = 60 h (I1 and I2 overlap 12 h), Bob 12 + 24
///   = 36 h (I9 inside I4), Cid 30 h: 126 h.
/// - Items at once while busy: 152 / 126. Busy share: 126 h over (2 + 3 + 2) person-weeks
///   of 168 h.
/// - Servers from people: round(2 × 152/126) = round(2.41) = 2. Peak at once: 3 (I4, I5
///   and I9 on 12 March, 12:00 to 18:00).
#[test]
fn fit_estimates_servers_from_the_people_as_computed_by_hand() {
    use valuestream::{FitOptions, FitWindow, ServersBy, ServersFrom, fit};
    let tl = people_timelines(true);
    let options = FitOptions::new().window(FitWindow::Whole);
    let fitted = fit(&tl, &options).unwrap();
    let work = fitted.stations.iter().find(|s| s.name == "Work").unwrap();
    let p = work.people.as_ref().expect("people figures for Work");
    assert_eq!((p.people, p.weeks, p.services, p.unnamed), (3, 3, 8, 1));
    assert_eq!(p.people_per_week, 2.0);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(close(p.service_days, 152.0 / 24.0), "{}", p.service_days);
    assert!(
        close(p.busy_person_days, 126.0 / 24.0),
        "{}",
        p.busy_person_days
    );
    assert!(close(p.items_at_once, 152.0 / 126.0), "{}", p.items_at_once);
    assert!(
        close(p.busy_share, 126.0 / (7.0 * 168.0)),
        "{}",
        p.busy_share
    );
    assert_eq!((p.servers, p.peak_at_once), (2, 3));
    // By default the model keeps the peak, and says what the people give.
    assert_eq!(
        (work.servers, work.servers_from),
        (Some(3), ServersFrom::PeakConcurrency)
    );
    assert!(
        fitted.notes.iter().any(|n| n
            .starts_with("Work: its 3 servers are the most items in service at once")
            && n.contains("they would be 2")),
        "{:?}",
        fitted.notes
    );
    assert!(!fitted.notes.iter().any(|n| n.contains("lower bound")));
    // Asked to, it takes the people's.
    let by_people = fit(&tl, &options.clone().servers(ServersBy::People)).unwrap();
    let work = by_people
        .stations
        .iter()
        .find(|s| s.name == "Work")
        .unwrap();
    assert_eq!(
        (work.servers, work.servers_from),
        (Some(2), ServersFrom::People)
    );
    let k = by_people
        .model
        .stations
        .iter()
        .position(|s| s.name == "Work")
        .unwrap();
    assert_eq!(by_people.model.stations[k].servers.count(), Some(2));
    // Without resources: the peak, no people, and the lower-bound note.
    let bare = fit(
        &people_timelines(false),
        &options.servers(ServersBy::People),
    )
    .unwrap();
    let work = bare.stations.iter().find(|s| s.name == "Work").unwrap();
    assert_eq!(
        (work.servers, work.servers_from, work.people.is_none()),
        (Some(3), ServersFrom::PeakConcurrency, true)
    );
    assert!(
        bare.notes
            .iter()
            .any(|n| n.contains("Work (3)") && n.contains("lower bound")),
        "{:?}",
        bare.notes
    );
}

mod real;

/// BPI Challenge 2013 incidents, read with `org:resource`: the people who worked on In
/// Progress, against an independent computation from the CSV (`tools/people.py`), and
/// both estimates of its servers.
#[test]
fn bpic2013_in_progress_capacity_from_its_people() {
    use valuestream::{FitOptions, ServersFrom, fit};
    let Some(tl) = real::bpic2013_with_resources() else {
        return;
    };
    let fitted = fit(&tl, &FitOptions::new()).unwrap();
    let ip = fitted
        .stations
        .iter()
        .find(|s| s.name == "In Progress")
        .unwrap();
    let p = ip.people.as_ref().expect("people figures");
    eprintln!(
        "window {} .. {:?} (as_of {}); {:?}; servers {:?} {:?}",
        fitted.start, fitted.committed_until, fitted.as_of, p, ip.servers, ip.servers_from
    );
    for n in &fitted.notes {
        eprintln!("note: {n}");
    }
    // The steady window the fit takes: from 16 April 2012 to the end of the log.
    assert_eq!(
        fitted.start.format("%Y-%m-%d %H:%M:%S").to_string(),
        "2012-04-16 07:06:52"
    );
    assert_eq!(fitted.committed_until, None);
    // tools/people.py ../shared/data/bpic2013_incidents.csv "2012-04-16 07:06:52+00:00"
    //   "2012-05-22 23:22:25+00:00":
    // people 1137; per full week [452, 705, 987, 490, 151] (median 490); services 20504
    // named, 0 unnamed; service 4693.879664 d; busy 3079.929988 d; items at once 1.524022;
    // busy share 0.157958; servers 747
    assert_eq!(
        (p.people, p.weeks, p.services, p.unnamed),
        (1137, 5, 20504, 0)
    );
    assert_eq!(p.people_per_week, 490.0);
    assert!(
        (p.service_days - 4693.879664).abs() < 1e-5,
        "{}",
        p.service_days
    );
    assert!((p.busy_person_days - 3079.929988).abs() < 1e-5);
    assert!((p.items_at_once - 1.524022).abs() < 1e-6);
    assert!((p.busy_share - 0.157958).abs() < 1e-6);
    assert_eq!(p.servers, 747);
    // The model keeps the peak unless asked, and says both.
    assert_eq!(ip.servers_from, ServersFrom::PeakConcurrency);
    assert_eq!(ip.servers, Some(p.peak_at_once));
    assert!(p.peak_at_once < p.servers);
    assert!(
        fitted
            .notes
            .iter()
            .any(|n| n.starts_with("In Progress: its ")
                && n.contains("490 people active in a typical week (1137 in all)")
                && n.contains("747 servers from people")),
        "{:?}",
        fitted.notes
    );
}

/// The held-out backtest of BPI Challenge 2013 (the default split) with the log's people:
/// the fit's selection tries servers from people, and whichever it picks, the model keeps
/// the acceptance it had with the peak (CTDD, mean, throughput).
#[test]
fn bpic2013_held_out_with_servers_from_people() {
    use valuestream::{BacktestOptions, Censoring, FitOptions, ServersBy, backtest};
    let Some(tl) = real::bpic2013_with_resources() else {
        return;
    };
    let b = backtest(&tl, &BacktestOptions::new().threads(2)).unwrap();
    let sel = b.selection.as_ref().expect("the fit was chosen");
    for c in &sel.candidates {
        eprintln!(
            "candidate {:?} {} {:?}: score {:?} ctdd {:?} mean {:?} p85 {:?} tput {:?} wip {:?}",
            c.censoring,
            c.memory,
            c.servers,
            c.score,
            c.ctdd_relative,
            c.mean,
            c.p85,
            c.throughput,
            c.wip
        );
    }
    eprintln!("chosen {}: {}", sel.chosen, sel.reason);
    eprintln!(
        "selected: CTDD {:.3} x mean, mean {:+.3}, p85 {:+.3}, throughput {:+.3}, WIP {:+.3}",
        b.ctdd_relative, b.errors.mean, b.errors.p85, b.errors.throughput, b.errors.wip
    );
    assert!(
        sel.candidates
            .iter()
            .any(|c| c.servers == ServersBy::People),
        "{:?}",
        sel.candidates
    );
    assert!(b.ctdd_relative <= 0.4, "{}", b.ctdd_relative);
    assert!(b.errors.mean.abs() <= 0.15, "{:?}", b.errors);
    assert!(b.errors.throughput.abs() <= 0.10, "{:?}", b.errors);
    for servers in [ServersBy::Peak, ServersBy::People] {
        // The options the selection chose, with each estimate of servers.
        let fit = FitOptions::new()
            .censoring(Censoring::DoneItems)
            .memory(true)
            .servers(servers);
        let o = BacktestOptions::new().threads(2).select(false).fit(fit);
        let b = backtest(&tl, &o).unwrap();
        eprintln!(
            "{servers:?}: CTDD {:.3} x mean, mean {:+.3}, p85 {:+.3}, throughput {:+.3}, WIP {:+.3}",
            b.ctdd_relative, b.errors.mean, b.errors.p85, b.errors.throughput, b.errors.wip
        );
        assert!(b.ctdd_relative <= 0.4, "{servers:?}: {}", b.ctdd_relative);
    }
}

#[test]
fn a_pm4py_start_complete_log_keeps_who_did_the_work() {
    // c1: Dev started by Ann and completed by Bob, Test started by Cid and completed by no
    // one named; c2: Dev completed without a start, by Dan; c3: Dev started by Eve, open.
    let csv = "\
case:concept:name,concept:name,lifecycle:transition,time:timestamp,org:resource
c1,Dev,start,2024-03-04 09:00:00,Ann
c1,Dev,complete,2024-03-04 12:00:00,Bob
c1,Test,start,2024-03-05 09:00:00,Cid
c1,Test,complete,2024-03-05 10:00:00,
c2,Dev,complete,2024-03-04 11:00:00,Dan
c3,Dev,start,2024-03-04 10:00:00,Eve
";
    let log = LogReader::builder()
        .preset(Preset::Pm4py)
        .resource_column("org:resource")
        .build()
        .read(csv.as_bytes())
        .unwrap();
    assert!(log.has_resources());
    let by = |item: &str, state: &str| -> Vec<Option<&str>> {
        log.events()
            .filter(|e| e.item == item && e.state == state)
            .map(|e| e.resource)
            .collect()
    };
    assert_eq!(by("c1", "Dev"), [Some("Bob")]);
    assert_eq!(by("c1", "Test"), [Some("Cid")]);
    assert_eq!(by("c2", "Dev"), [Some("Dan")]);
    assert_eq!(by("c3", "Dev"), [Some("Eve")]);
    // The waits and the end the pairing adds are nobody's work.
    assert!(
        log.events()
            .filter(|e| e.state.ends_with(" queue") || e.state == "Done")
            .all(|e| e.resource.is_none())
    );
    // Without the resource column asked for, nothing is kept; a column that is not there
    // is an error naming it.
    let plain = LogReader::builder()
        .preset(Preset::Pm4py)
        .build()
        .read(csv.as_bytes())
        .unwrap();
    assert!(!plain.has_resources());
    let e = LogReader::builder()
        .preset(Preset::Pm4py)
        .resource_column("who")
        .build()
        .read(csv.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"who\""), "{e}");
}
