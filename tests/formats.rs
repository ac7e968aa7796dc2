//! The presets on the sample exports of `data/exports/`: hand-computed lead times, `auto`
//! picks each one, and each format's worst real-world quirk.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use valuestream::{
    BadRows, Format, ItemStatus, LogReader, LogReaderBuilder, Preset, StageKind, Timelines,
    WarningKind, WideLayout, Workflow, detect, write_wide,
};

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/exports")
        .join(name)
}

/// A log read through a preset, with the preset's default workflow.
struct Import {
    log: valuestream::EventLog,
    workflow: valuestream::Workflow,
}

fn read(preset: Preset, name: &str) -> (Import, Timelines) {
    read_with(preset, name, LogReader::builder())
}

fn read_with(preset: Preset, name: &str, opts: LogReaderBuilder) -> (Import, Timelines) {
    read_path(preset, &sample(name), opts)
}

/// The reader of a preset, with the defaults.
fn reader(preset: Preset) -> LogReader {
    LogReader::builder().preset(preset).build()
}

fn read_path(preset: Preset, path: &Path, opts: LogReaderBuilder) -> (Import, Timelines) {
    let log = opts
        .preset(preset)
        .build()
        .read_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let workflow =
        Workflow::for_preset(preset, &log).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let import = Import { log, workflow };
    let tl = Timelines::new(&import.log, &import.workflow)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (import, tl)
}

/// Lead time in days (done − arrival) of a done item.
fn lead(tl: &Timelines, id: &str) -> f64 {
    let item = tl.get(id).unwrap_or_else(|| panic!("no item {id}"));
    let done = item.done().unwrap_or_else(|| panic!("{id} is not done"));
    (done - item.arrival()).num_milliseconds() as f64 / 86_400_000.0
}

/// Cycle time in days (done − commitment).
fn cycle(tl: &Timelines, id: &str) -> f64 {
    let item = tl.get(id).unwrap();
    (item.done().unwrap() - item.commitment().unwrap()).num_milliseconds() as f64 / 86_400_000.0
}

fn status(tl: &Timelines, id: &str) -> ItemStatus {
    tl.get(id)
        .unwrap_or_else(|| panic!("no item {id}"))
        .status()
}

fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
}

/// The preset `detect` recognises at `path`.
fn preset_of(path: &Path) -> Preset {
    match detect(path) {
        Ok(d) => match d.format {
            Format::Preset(p) => p,
            other => panic!("{}: {other}", path.display()),
        },
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

fn detected(name: &str) -> Preset {
    preset_of(&sample(name))
}

#[test]
fn auto_picks_each_preset() {
    assert_eq!(detected("jira.json"), Preset::JiraJson);
    assert_eq!(detected("jira-pages"), Preset::JiraJson);
    assert_eq!(detected("jira.csv"), Preset::JiraCsv);
    assert_eq!(detected("jira-agile-metrics.csv"), Preset::JiraAgileMetrics);
    assert_eq!(detected("actionableagile.csv"), Preset::ActionableAgile);
    assert_eq!(detected("linear.csv"), Preset::Linear);
    assert_eq!(detected("gitlab.csv"), Preset::Gitlab);
    assert_eq!(detected("azure-devops.csv"), Preset::AzureDevops);
    assert_eq!(detected("pm4py.csv"), Preset::Pm4py);
    assert_eq!(detected("sample.xes"), Preset::Xes);
}

#[test]
fn an_unknown_file_points_to_the_formats_and_the_manual_mapping() {
    let e = detect(sample("deployments.csv")).unwrap_err().to_string();
    for want in [
        "line 1",
        "cannot tell the format",
        "--format long --id COL",
        "deployments of DORA metrics",
        "valuestream dora",
    ] {
        assert!(e.contains(want), "{want:?} not in {e}");
    }
    let e = detect(sample("incidents.csv")).unwrap_err().to_string();
    assert!(e.contains("dora --incidents"), "{e}");
    // A log that is neither an export nor DORA data gets no such hint.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("formats");
    std::fs::create_dir_all(&dir).unwrap();
    let other = dir.join("other.csv");
    std::fs::write(&other, "ticket,when,what\nA,2024-01-01,Open\n").unwrap();
    let e = detect(&other).unwrap_err().to_string();
    assert!(
        e.contains("cannot tell the format")
            && e.contains("valuestream formats")
            && !e.contains("dora"),
        "{e}"
    );
}

#[test]
fn jira_json_lead_times_with_offsets_without_colon() {
    let (import, tl) = read(Preset::JiraJson, "jira.json");
    // PROJ-1: created 09:15+0100 on 4 March, done 21:15+0100 on 8 March.
    assert_eq!(tl.get("PROJ-1").unwrap().arrival(), utc(2024, 3, 4, 8, 15));
    assert_eq!(lead(&tl, "PROJ-1"), 4.5);
    assert_eq!(cycle(&tl, "PROJ-1"), 3.5);
    // PROJ-2 was done on 8 March, reopened, and done again on 10 March.
    assert_eq!(lead(&tl, "PROJ-2"), 5.0);
    assert_eq!(tl.quality().count(WarningKind::Reopened), 1);
    // PROJ-3 never moved: created in its current status.
    assert_eq!(status(&tl, "PROJ-3"), ItemStatus::NotStarted);
    assert_eq!(tl.get("PROJ-3").unwrap().arrival(), utc(2024, 3, 6, 13, 0));
    assert_eq!(tl.get("PROJ-2").unwrap().attribute("type"), Some("Bug"));
    // The default workflow: statuses in order of first appearance, Done last.
    let wf = &import.workflow;
    let kinds: Vec<(&str, StageKind)> = wf
        .stages()
        .iter()
        .map(|s| (s.name.as_str(), s.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("To Do", StageKind::Backlog),
            ("In Progress", StageKind::Active),
            ("In Review", StageKind::Active),
            ("Done", StageKind::Done)
        ]
    );
    assert_eq!(tl.quality().rows, 3);
}

#[test]
fn jira_json_pages_in_a_folder_with_changes_out_of_order() {
    let (_, tl) = read(Preset::JiraJson, "jira-pages");
    assert_eq!(tl.quality().rows, 3);
    // OPS-7: created 08:00+0200 on 1 May, closed 20:00+0200 on 2 May.
    assert_eq!(lead(&tl, "OPS-7"), 1.5);
    // OPS-9's changelog lists the close first; sorted, it opened on 6 May.
    assert_eq!(lead(&tl, "OPS-9"), 5.25);
    assert_eq!(cycle(&tl, "OPS-9"), 1.25);
    assert_eq!(status(&tl, "OPS-8"), ItemStatus::InProgress);
}

#[test]
fn jira_json_errors_name_the_issue_and_field() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("formats");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad-jira.json");
    std::fs::write(
        &bad,
        r#"{"issues": [{"key": "X-1", "fields": {"created": "yesterday", "status": {"name": "Open"}}}]}"#,
    )
    .unwrap();
    let e = reader(Preset::JiraJson)
        .read_path(&bad)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("issues[0].fields.created") && e.contains("X-1") && e.contains("yesterday"),
        "{e}"
    );
    std::fs::write(&bad, r#"{"issues": [ {"key": 1 ]}"#).unwrap();
    let e = reader(Preset::JiraJson)
        .read_path(&bad)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 1") && e.contains("not valid JSON") && !e.contains("untagged"),
        "{e}"
    );
}

#[test]
fn jira_agile_metrics_with_empty_cells_and_date_only_values() {
    let (import, tl) = read(Preset::JiraAgileMetrics, "jira-agile-metrics.csv");
    let names: Vec<&str> = import
        .workflow
        .stages()
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["Backlog", "Committed", "Build", "Test", "Done"]);
    assert_eq!(import.workflow.stage(0).kind, StageKind::Backlog);
    assert_eq!(import.workflow.stage(4).kind, StageKind::Done);
    assert_eq!(lead(&tl, "A-1"), 9.0);
    assert_eq!(cycle(&tl, "A-1"), 8.0);
    // A-2 skipped Build (an empty cell).
    assert_eq!(lead(&tl, "A-2"), 4.0);
    assert_eq!(cycle(&tl, "A-2"), 2.0);
    assert_eq!(tl.quality().count(WarningKind::SkippedStages), 1);
    assert_eq!(status(&tl, "A-3"), ItemStatus::NotStarted);
    assert_eq!(status(&tl, "A-4"), ItemStatus::InProgress);
    // Type, Status, Resolution and Team are kept as attributes.
    assert_eq!(tl.get("A-2").unwrap().attribute("Type"), Some("Bug"));
    assert_eq!(tl.get("A-4").unwrap().attribute("Team"), Some("Red"));
}

#[test]
fn actionableagile_stage_columns_are_found_by_their_values() {
    let (import, tl) = read(Preset::ActionableAgile, "actionableagile.csv");
    let names: Vec<&str> = import
        .workflow
        .stages()
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["To Do", "Doing", "Review", "Done"]);
    assert_eq!(lead(&tl, "AA-10"), 6.0);
    assert_eq!(cycle(&tl, "AA-10"), 4.0);
    // AA-11 was committed the day it arrived (same date: column order breaks the tie).
    assert_eq!(lead(&tl, "AA-11"), 2.0);
    assert_eq!(cycle(&tl, "AA-11"), 2.0);
    assert_eq!(status(&tl, "AA-12"), ItemStatus::InProgress);
    assert_eq!(
        tl.get("AA-11").unwrap().attribute("Class of Service"),
        Some("Expedite")
    );
}

#[test]
fn linear_canceled_items_are_discarded_and_dates_read_in_their_offset() {
    let (_, tl) = read(Preset::Linear, "linear.csv");
    assert_eq!(lead(&tl, "ENG-1"), 4.5);
    assert_eq!(cycle(&tl, "ENG-1"), 2.5);
    // ENG-2 was started, then canceled: counted, in no time metric.
    assert_eq!(status(&tl, "ENG-2"), ItemStatus::Discarded);
    assert_eq!(tl.get("ENG-2").unwrap().commitment(), None);
    // Its creation, written 12:00 GMT+0200 (Central European Summer Time), is 10:00 UTC.
    assert_eq!(tl.get("ENG-2").unwrap().arrival(), utc(2025, 9, 2, 10, 0));
    assert_eq!(status(&tl, "ENG-3"), ItemStatus::NotStarted);
    assert_eq!(status(&tl, "ENG-4"), ItemStatus::InProgress);
    assert_eq!(
        tl.get("ENG-1").unwrap().attribute("Team"),
        Some("Engineering")
    );
    assert_eq!(tl.quality().rows, 4);
}

#[test]
fn gitlab_with_multi_line_descriptions() {
    let (_, tl) = read(Preset::Gitlab, "gitlab.csv");
    assert_eq!(lead(&tl, "101"), 2.5);
    assert_eq!(lead(&tl, "103"), 7.0);
    assert_eq!(status(&tl, "102"), ItemStatus::InProgress);
    assert_eq!(
        tl.get("101").unwrap().attribute("Labels"),
        Some("bug,workflow::done")
    );
    // Issue 101's description spans lines 2–4, so issue 102 is on line 5: a bad date there
    // is reported on line 5.
    let text = std::fs::read_to_string(sample("gitlab.csv")).unwrap();
    let broken = text.replace("2024-03-05 10:00:00", "2024-03-32 10:00:00");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("formats");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("gitlab-bad.csv");
    std::fs::write(&p, broken).unwrap();
    let e = reader(Preset::Gitlab)
        .read_path(&p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 5") && e.contains("Created At (UTC)") && e.contains("2024-03-32"),
        "{e}"
    );
}

#[test]
fn azure_devops_us_locale_dates_and_resolved_is_not_done() {
    let (_, tl) = read(Preset::AzureDevops, "azure-devops.csv");
    assert_eq!(lead(&tl, "101"), 5.0);
    assert_eq!(cycle(&tl, "101"), 3.0);
    // Resolved on 13 March (month first: 3/13), never closed: still in progress.
    assert_eq!(status(&tl, "102"), ItemStatus::InProgress);
    let v = tl.get("102").unwrap().visits();
    assert_eq!(v.last().unwrap().start(), utc(2025, 3, 13, 13, 30));
    // 11:00 PM on 30 December 2024 to 11:00 PM on 2 January 2025.
    assert_eq!(lead(&tl, "103"), 3.0);
    assert_eq!(status(&tl, "104"), ItemStatus::NotStarted);
    assert_eq!(
        tl.get("101").unwrap().attribute("Work Item Type"),
        Some("User Story")
    );
    // Another locale is one option away.
    let e = LogReader::builder()
        .preset(Preset::AzureDevops)
        .time_format(valuestream::TimeFormat::Pattern("%d/%m/%Y %H:%M".into()))
        .build()
        .read_path(sample("azure-devops.csv"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2") && e.contains("Created Date"), "{e}");
}

#[test]
fn pm4py_start_complete_pairs_become_work_and_queues() {
    let (import, tl) = read(Preset::Pm4py, "pm4py.csv");
    let names: Vec<&str> = import
        .workflow
        .stages()
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Register",
            "Review queue",
            "Review",
            "Approve queue",
            "Approve",
            "Done"
        ]
    );
    // order-1: Register 09:00–10:00, waits, Review 12:00–15:00, waits, Approve 09:00–10:00
    // the next day: 25 hours.
    assert_eq!(lead(&tl, "order-1"), 25.0 / 24.0);
    let o1 = tl.get("order-1").unwrap();
    assert_eq!(o1.days_in_stage(1), 2.0 / 24.0);
    assert_eq!(o1.days_in_stage(3), 18.0 / 24.0);
    assert_eq!(status(&tl, "order-2"), ItemStatus::InProgress);
    // The `schedule` transition is reported, not silently dropped.
    let q = tl.quality();
    assert_eq!(q.rows, 10);
    assert_eq!(q.rejected.len(), 1);
    assert_eq!(q.rejected[0].line, 6);
    assert_eq!(q.rejected[0].value.as_deref(), Some("schedule"));
}

#[test]
fn bpic_style_lifecycle_columns_are_states_not_transitions() {
    // When lifecycle:transition holds statuses (the BPI Challenge logs), it is read as the
    // state on request, and concept:name otherwise.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("formats");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bpic-like.csv");
    std::fs::write(
        &p,
        "case:concept:name,concept:name,lifecycle:transition,time:timestamp\n\
         1,Queued,Awaiting Assignment,2012-01-01 10:00:00+00:00\n\
         1,Accepted,In Progress,2012-01-02 10:00:00+00:00\n\
         1,Completed,Resolved,2012-01-03 10:00:00+00:00\n",
    )
    .unwrap();
    let (import, tl) = read_path(
        Preset::Pm4py,
        &p,
        LogReader::builder().state_column("lifecycle:transition"),
    );
    assert_eq!(
        import.log.states().collect::<Vec<_>>(),
        ["Awaiting Assignment", "In Progress", "Resolved"]
    );
    assert_eq!(lead(&tl, "1"), 2.0);
    assert_eq!(tl.quality().rejected.len(), 0);
}

#[test]
fn xes_reads_states_and_ignores_globals_and_meta_attributes() {
    let (import, tl) = read(Preset::Xes, "sample.xes");
    assert_eq!(
        import.log.states().collect::<Vec<_>>(),
        ["Queued", "Accepted", "Completed & closed"]
    );
    assert_eq!(lead(&tl, "T-1"), 2.0);
    assert_eq!(status(&tl, "T-2"), ItemStatus::InProgress);
    assert_eq!(tl.quality().rows, 4);
    // The sub-status as state, and a trace attribute kept.
    let (import, tl) = read_with(
        Preset::Xes,
        "sample.xes",
        LogReader::builder()
            .state_column("lifecycle:transition")
            .attribute("impact"),
    );
    assert_eq!(
        import.log.states().collect::<Vec<_>>(),
        ["Awaiting Assignment", "In Progress", "Resolved"]
    );
    assert_eq!(tl.get("T-1").unwrap().attribute("impact"), Some("High"));
    assert_eq!(lead(&tl, "T-1"), 2.0);
}

#[cfg(feature = "xes")]
#[test]
fn xes_gz_reads_like_the_plain_file() {
    use std::io::Write;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("formats");
    std::fs::create_dir_all(&dir).unwrap();
    let gz = dir.join("sample.xes.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&std::fs::read(sample("sample.xes")).unwrap())
        .unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    assert_eq!(preset_of(&gz), Preset::Xes);
    let a = reader(Preset::Xes).read_path(&gz).unwrap();
    let b = reader(Preset::Xes).read_path(sample("sample.xes")).unwrap();
    let (a, b) = (
        Import {
            workflow: Workflow::for_preset(Preset::Xes, &a).unwrap(),
            log: a,
        },
        Import {
            workflow: Workflow::for_preset(Preset::Xes, &b).unwrap(),
            log: b,
        },
    );
    let events = |l: &valuestream::EventLog| {
        l.events()
            .map(|e| (e.item.to_owned(), e.state.to_owned(), e.time))
            .collect::<Vec<_>>()
    };
    assert_eq!(events(&a.log), events(&b.log));
}

#[test]
fn xes_errors_say_where() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("formats");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad.xes");
    std::fs::write(
        &p,
        r#"<log><trace><string key="concept:name" value="T"/><event><string key="concept:name" value="A"/><date key="time:timestamp" value="2012-13-01T00:00:00"/></event></trace></log>"#,
    )
    .unwrap();
    let e = reader(Preset::Xes).read_path(&p).unwrap_err().to_string();
    assert!(
        e.contains("time:timestamp") && e.contains("month") && e.contains("trace \"T\""),
        "{e}"
    );
    // Skipping bad rows, the event is reported instead.
    let log = LogReader::builder()
        .preset(Preset::Xes)
        .bad_rows(BadRows::Skip)
        .build()
        .read_path(&p)
        .unwrap();
    assert_eq!((log.rows(), log.len(), log.rejected().len()), (1, 0, 1));
    assert!(log.rejected()[0].reason.contains("month"));
    std::fs::write(&p, "<log><trace><event></trace></log>").unwrap();
    let e = reader(Preset::Xes).read_path(&p).unwrap_err().to_string();
    assert!(e.contains("not a readable XES document"), "{e}");
}

/// A work item of BPI Challenge 2012's kind: scheduled, started, completed, resumed.
#[cfg(feature = "xes")]
const WORK_ITEM_XES: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<log xes.version="1.0">
  <trace>
    <string key="concept:name" value="173688"/>
    <event>
      <string key="concept:name" value="W_Foo"/>
      <string key="lifecycle:transition" value="SCHEDULE"/>
      <date key="time:timestamp" value="2011-10-01T09:00:00.000+02:00"/>
    </event>
    <event>
      <string key="lifecycle:transition" value="START"/>
      <string key="org:resource" value="112"/>
      <string key="concept:name" value="W_Foo"/>
      <date key="time:timestamp" value="2011-10-01T10:00:00.000+02:00"/>
    </event>
    <event>
      <date key="time:timestamp" value="2011-10-01T10:30:00.000+02:00"/>
      <string key="concept:name" value=" W_Foo "/>
      <string key="lifecycle:transition" value="COMPLETE"/>
    </event>
    <event>
      <string key="concept:name" value="W_Foo"/>
      <string key="lifecycle:transition" value="START"/>
      <date key="time:timestamp" value="2011-10-02T10:00:00.000+02:00"/>
    </event>
  </trace>
</log>"#;

#[cfg(feature = "xes")]
fn xes_states(xes: &str, state: &str, policy: BadRows) -> valuestream::Result<Vec<String>> {
    let log = LogReader::builder()
        .preset(Preset::Xes)
        .state_column(state)
        .bad_rows(policy)
        .build()
        .read(xes.as_bytes())?;
    Ok(log.events().map(|e| e.state.to_owned()).collect())
}

#[cfg(feature = "xes")]
#[test]
fn xes_state_joins_two_attributes_with_a_space() {
    let states = xes_states(
        WORK_ITEM_XES,
        "concept:name+lifecycle:transition",
        BadRows::Error,
    )
    .unwrap();
    assert_eq!(
        states,
        [
            "W_Foo SCHEDULE",
            "W_Foo START",
            "W_Foo COMPLETE",
            "W_Foo START"
        ]
    );
    // Spaces around the names do not matter; the order of the names is the order joined.
    let states = xes_states(
        WORK_ITEM_XES,
        "lifecycle:transition + concept:name",
        BadRows::Error,
    )
    .unwrap();
    assert_eq!(states[0], "SCHEDULE W_Foo");
    // One attribute, as before.
    let states = xes_states(WORK_ITEM_XES, "lifecycle:transition", BadRows::Error).unwrap();
    assert_eq!(states, ["SCHEDULE", "START", "COMPLETE", "START"]);
}

#[cfg(feature = "xes")]
#[test]
fn xes_joined_state_names_a_missing_attribute() {
    let e = xes_states(
        WORK_ITEM_XES,
        "concept:name+lifecycle:transtion",
        BadRows::Error,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(r#"an event without the attribute "lifecycle:transtion""#)
            && e.contains(r#"trace "173688", event 1"#),
        "{e}"
    );
    let e = xes_states(WORK_ITEM_XES, "lifecycle:transtion", BadRows::Error)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(r#"an event without the attribute "lifecycle:transtion""#),
        "{e}"
    );
    // One event without its transition: a bad row naming the attribute, skipped on request.
    let xes = WORK_ITEM_XES.replacen(
        r#"<string key="lifecycle:transition" value="COMPLETE"/>"#,
        "",
        1,
    );
    let log = LogReader::builder()
        .preset(Preset::Xes)
        .state_column("concept:name+lifecycle:transition")
        .bad_rows(BadRows::Skip)
        .build()
        .read(xes.as_bytes())
        .unwrap();
    assert_eq!((log.rows(), log.len()), (4, 3));
    let bad = &log.rejected()[0];
    assert_eq!(bad.column.as_deref(), Some("lifecycle:transition"));
    assert!(bad.reason.contains("event 3"), "{}", bad.reason);
    // An empty value is named too.
    let xes = WORK_ITEM_XES.replacen(r#"value="COMPLETE""#, r#"value=" ""#, 1);
    let e = xes_states(&xes, "concept:name+lifecycle:transition", BadRows::Error)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(r#"an empty state attribute "lifecycle:transition""#),
        "{e}"
    );
}

#[cfg(feature = "xes")]
#[test]
fn xes_attribute_named_with_a_plus_is_read_alone() {
    let xes = WORK_ITEM_XES.replace(
        r#"<string key="org:resource" value="112"/>"#,
        r#"<string key="concept:name+lifecycle:transition" value="as written"/>"#,
    );
    let states = xes_states(&xes, "concept:name+lifecycle:transition", BadRows::Error).unwrap();
    assert_eq!(states[1], "as written");
    assert_eq!(states[2], "W_Foo COMPLETE");
}

#[test]
fn long_state_joins_two_columns_unless_one_has_the_name() {
    let read = |csv: &str, state: &str| {
        LogReader::builder()
            .id_column("case")
            .state_column(state)
            .time_column("at")
            .bad_rows(BadRows::Skip)
            .build()
            .read(csv.as_bytes())
    };
    let csv = "case,activity,transition,at\n\
               1,W_Foo,SCHEDULE,2024-03-04\n\
               1,W_Foo,,2024-03-05\n\
               1,W_Foo,START,2024-03-06\n";
    let log = read(csv, "activity+transition").unwrap();
    assert_eq!(
        log.states().collect::<Vec<_>>(),
        ["W_Foo SCHEDULE", "W_Foo START"]
    );
    assert_eq!(log.rejected()[0].line, 3);
    assert_eq!(log.rejected()[0].column.as_deref(), Some("transition"));
    // A column named exactly so wins over the join.
    let csv =
        "case,activity,transition,activity+transition,at\n1,W_Foo,START,as written,2024-03-04\n";
    let log = read(csv, "activity+transition").unwrap();
    assert_eq!(log.states().collect::<Vec<_>>(), ["as written"]);
    // A name that is not a column is an error naming it.
    let e = read(csv, "activity+transtion").unwrap_err().to_string();
    assert!(e.contains(r#"no column named "transtion""#), "{e}");
    // Through the pm4py preset, as a long log.
    let csv = "case:concept:name,concept:name,lifecycle:transition,time:timestamp\n\
               1,W_Foo,SCHEDULE,2024-03-04\n1,W_Foo,START,2024-03-05\n";
    let log = LogReader::builder()
        .preset(Preset::Pm4py)
        .state_column("concept:name+lifecycle:transition")
        .build()
        .read(csv.as_bytes())
        .unwrap();
    assert_eq!(
        log.states().collect::<Vec<_>>(),
        ["W_Foo SCHEDULE", "W_Foo START"]
    );
}

#[test]
fn the_wide_export_reads_back_through_its_preset() {
    let (_, tl) = read(Preset::JiraJson, "jira.json");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("formats");
    std::fs::create_dir_all(&dir).unwrap();
    for (layout, preset, file) in [
        (
            WideLayout::ActionableAgile,
            Preset::ActionableAgile,
            "aa-export.csv",
        ),
        (
            WideLayout::JiraAgileMetrics,
            Preset::JiraAgileMetrics,
            "jam-export.csv",
        ),
    ] {
        let p = dir.join(file);
        let rows = write_wide(&tl, layout, std::fs::File::create(&p).unwrap()).unwrap();
        assert_eq!(rows, 3);
        let text = std::fs::read_to_string(&p).unwrap();
        // PROJ-2 was reopened: its Done date is the last one, 10 March. Its Name is its
        // summary. It skipped In Review: an empty cell for ActionableAgile, the date of the
        // next stage reached for jira-agile-metrics (as that tool fills it).
        let review = if preset == Preset::JiraAgileMetrics {
            "2024-03-10"
        } else {
            ""
        };
        assert!(
            text.contains(&format!(
                "PROJ-2,,Totals are rounded twice,2024-03-05,2024-03-06,{review},2024-03-10"
            )),
            "{text}"
        );
        assert_eq!(preset_of(&p), preset, "{file}");
        let (_, back) = read_path(preset, &p, LogReader::builder());
        // Whole days now: PROJ-1 entered To Do on 4 March and Done on 8 March.
        assert_eq!(lead(&back, "PROJ-1"), 4.0);
        assert_eq!(lead(&back, "PROJ-2"), 5.0);
        assert_eq!(status(&back, "PROJ-3"), ItemStatus::NotStarted);
    }
}

#[test]
fn dora_metrics_of_the_sample() {
    let deps = valuestream::read_deployments(
        &sample("deployments.csv"),
        chrono::FixedOffset::east_opt(0).unwrap(),
    )
    .unwrap();
    let inc = valuestream::read_incidents(
        &sample("incidents.csv"),
        chrono::FixedOffset::east_opt(0).unwrap(),
    )
    .unwrap();
    let m = valuestream::dora_metrics(&deps, &inc).unwrap();
    assert_eq!(m.deployments, 6);
    assert_eq!(m.window_days, 10);
    assert!((m.deployment_frequency.per_day - 0.6).abs() < 1e-12);
    // Successful deployments with a commit: 2, 30, 10 and 50 hours → median 20 hours.
    let lt = m.lead_time_for_changes.unwrap();
    assert!((lt.median_days - 20.0 / 24.0).abs() < 1e-12);
    assert_eq!(m.change_failure_rate.failed, 1);
    let ttr = m.time_to_restore.unwrap();
    assert!((ttr.median_days - 1.75 / 24.0).abs() < 1e-12);
}

#[test]
fn bad_dora_input_names_line_and_column() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("formats");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("deploys-bad.csv");
    std::fs::write(
        &p,
        "deployed_at,status\n2025-03-01T10:00:00Z,success\n2025-03-02T10:00:00Z,maybe\n",
    )
    .unwrap();
    let e = valuestream::read_deployments(Path::new(&p), chrono::FixedOffset::east_opt(0).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 3") && e.contains("column \"status\"") && e.contains("maybe"),
        "{e}"
    );
}

/// The events of a log: item, state and instant of each, in input order.
fn events(log: &valuestream::EventLog) -> Vec<(String, String, DateTime<Utc>)> {
    log.events()
        .map(|e| (e.item.to_owned(), e.state.to_owned(), e.time))
        .collect()
}

#[test]
fn every_export_reads_the_same_from_bytes_as_from_its_file() {
    let auto = LogReader::builder()
        .format(Format::Auto)
        .name("export")
        .build();
    for file in [
        "jira.json",
        "jira.csv",
        "jira-agile-metrics.csv",
        "actionableagile.csv",
        "linear.csv",
        "gitlab.csv",
        "azure-devops.csv",
        "pm4py.csv",
        "sample.xes",
    ] {
        let path = sample(file);
        let from_file = auto
            .read_path(&path)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let bytes = std::fs::read(&path).unwrap();
        let from_bytes = auto
            .read(bytes.as_slice())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(events(&from_file), events(&from_bytes), "{file}");
        assert_eq!(from_file.rows(), from_bytes.rows(), "{file}");
        assert_eq!(from_file.rejected(), from_bytes.rejected(), "{file}");
        assert_eq!(from_bytes.source(), Some("export"), "{file}");
        // Through the preset detection names, too.
        let preset = preset_of(&path);
        let through = reader(preset).read(bytes.as_slice()).unwrap();
        assert_eq!(events(&through), events(&from_file), "{file}");
    }
}

#[test]
fn detection_knows_the_long_layout_and_the_columns_given() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("formats");
    std::fs::create_dir_all(&dir).unwrap();
    let long = dir.join("long.csv");
    std::fs::write(
        &long,
        "\u{feff}ID,State,Timestamp\nA,Dev,2024-01-01\nA,Done,2024-01-02\n",
    )
    .unwrap();
    let found = detect(&long).unwrap();
    assert_eq!(
        (found.format, found.reason.as_str()),
        (Format::Long, "id, state, timestamp")
    );
    let log = LogReader::builder()
        .format(Format::Auto)
        .build()
        .read_path(&long)
        .unwrap();
    assert_eq!(log.len(), 2);
    // Giving the id or the time column means a long log, whatever the file looks like.
    let other = dir.join("columns.csv");
    std::fs::write(&other, "ticket,what,when\nA,Dev,2024-01-01\n").unwrap();
    let reader = LogReader::builder()
        .format(Format::Auto)
        .id_column("ticket")
        .state_column("what")
        .time_column("when")
        .build();
    let found = reader.detect(&other).unwrap();
    assert_eq!(
        (found.format, found.reason.as_str()),
        (Format::Long, "columns given")
    );
    assert_eq!(reader.read_path(&other).unwrap().len(), 1);
    assert_eq!(
        reader
            .read(&b"ticket,what,when\nA,Dev,2024-01-01\n"[..])
            .unwrap()
            .len(),
        1
    );
    // Without them, the file is not recognised; a format given is read as given.
    assert!(detect(&other).is_err());
    let given = LogReader::builder().preset(Preset::Gitlab).build();
    assert_eq!(
        given.detect(&other).unwrap().format,
        Format::Preset(Preset::Gitlab)
    );
    // An empty file says so.
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, " \n").unwrap();
    let e = detect(&empty).unwrap_err().to_string();
    assert!(e.ends_with("line 1: the input is empty"), "{e}");
}

#[test]
fn format_names_read_back() {
    for name in ["long", "wide", "intervals", "auto"] {
        assert_eq!(Format::from_name(name).unwrap().to_string(), name);
    }
    for p in Preset::ALL {
        let f = Format::from_name(p.name()).unwrap();
        assert_eq!(f, Format::Preset(p));
        assert_eq!(f, Format::from(p));
        assert_eq!(f.name(), p.name());
    }
    let e = Format::from_name("yaml").unwrap_err().to_string();
    assert_eq!(e, Preset::from_name("yaml").unwrap_err().to_string());
    assert!(
        e.contains("jira-json") && e.contains("long, wide, intervals"),
        "{e}"
    );
    // The serde forms.
    let json = serde_json::to_string(&Format::Preset(Preset::AzureDevops)).unwrap();
    assert_eq!(json, r#"{"preset":"azure-devops"}"#);
    assert_eq!(serde_json::to_string(&Format::Auto).unwrap(), r#""auto""#);
    let back: Format = serde_json::from_str(&json).unwrap();
    assert_eq!(back, Format::Preset(Preset::AzureDevops));
}
