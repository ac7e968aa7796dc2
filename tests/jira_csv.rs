//! Jira's plain CSV export (`jira-csv`) on the sample `data/exports/jira.csv`: recognised on
//! sight, lead times from Created to Resolved computed by hand, issues resolved as not done
//! discarded (a configurable list), Jira's date form, and the CLI's note that stage times
//! need the changelog.

use std::path::PathBuf;
use std::process::Command;

use chrono::{TimeZone, Utc};
use valuestream::{
    Format, ItemStatus, LogReader, LogReaderBuilder, Preset, StageKind, Timelines, Workflow, detect,
};

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/exports/jira.csv")
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jira_csv");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The sample read with `opts` through the preset's default workflow.
fn timelines(opts: LogReaderBuilder) -> Timelines {
    let log = opts
        .preset(Preset::JiraCsv)
        .build()
        .read_path(sample())
        .unwrap();
    let wf = Workflow::for_preset(Preset::JiraCsv, &log).unwrap();
    Timelines::new(&log, &wf).unwrap()
}

fn status(tl: &Timelines, id: &str) -> ItemStatus {
    tl.get(id)
        .unwrap_or_else(|| panic!("no item {id}"))
        .status()
}

fn ids_with(tl: &Timelines, s: ItemStatus) -> Vec<String> {
    tl.iter()
        .filter(|t| t.status() == s)
        .map(|t| t.id().to_owned())
        .collect()
}

#[test]
fn detected_as_jira_csv_and_not_as_a_wide_tool_export() {
    let found = detect(sample()).unwrap();
    assert_eq!(found.format, Format::Preset(Preset::JiraCsv));
    assert_eq!(Preset::from_name("jira-csv").unwrap(), Preset::JiraCsv);
    // Resolution without Resolved is enough; neither is not.
    let p = scratch(
        "resolution-only.csv",
        "Issue key,Created,Resolution\nA-1,01/Mar/24 9:00 AM,\n",
    );
    assert_eq!(detect(&p).unwrap().format, Format::Preset(Preset::JiraCsv));
    let p = scratch(
        "neither.csv",
        "Issue key,Created,Status\nA-1,01/Mar/24 9:00 AM,Done\n",
    );
    assert_ne!(
        detect(&p).ok().map(|f| f.format),
        Some(Format::Preset(Preset::JiraCsv))
    );
    // jira-agile-metrics' cycle time data stays its own.
    let p = scratch(
        "jam.csv",
        "ID,Link,Name,Backlog,Done,Type,Status,Resolution\nA-1,,x,2024-03-01,2024-03-02,Bug,Done,Done\n",
    );
    assert_eq!(
        detect(&p).unwrap().format,
        Format::Preset(Preset::JiraAgileMetrics)
    );
}

#[test]
fn lead_and_cycle_times_run_from_created_to_resolved() {
    let tl = timelines(LogReader::builder());
    // By hand: PAY-1 4 days, PAY-2 7 (2:30 PM to 2:30 PM), PAY-3 2.5 (10:15 AM to
    // 10:15 PM), PAY-5 10 (9:05 AM), PAY-10 3 (1:00 PM).
    let mut lead: Vec<(String, f64)> = tl
        .iter()
        .filter_map(|t| Some((t.id().to_owned(), t.lead_time_days()?)))
        .collect();
    lead.sort_by(|a, b| a.1.total_cmp(&b.1));
    let want = [
        ("PAY-3", 2.5),
        ("PAY-10", 3.0),
        ("PAY-1", 4.0),
        ("PAY-2", 7.0),
        ("PAY-5", 10.0),
    ];
    assert_eq!(lead.len(), want.len(), "{lead:?}");
    for ((id, days), (wid, wdays)) in lead.iter().zip(want) {
        assert_eq!((id.as_str(), *days), (wid, wdays));
        let cycle = tl.get(id).unwrap().cycle_time_days().unwrap();
        assert_eq!(cycle, *days, "{id}: cycle time = lead time");
    }
    assert_eq!(ids_with(&tl, ItemStatus::InProgress), ["PAY-7", "PAY-8"]);
    let item = tl.get("PAY-1").unwrap();
    assert_eq!(item.attribute("Issue Type"), Some("Story"));
    assert_eq!(item.attribute("Project key"), Some("PAY"));
    assert_eq!(item.attribute("Summary"), Some("Import, then validate"));
    assert_eq!(tl.quality().rows, 10);
}

#[test]
fn issues_resolved_as_not_done_are_discarded() {
    let tl = timelines(LogReader::builder());
    // Won't Do, Duplicate, and "won't fix " (case and spaces ignored).
    assert_eq!(
        ids_with(&tl, ItemStatus::Discarded),
        ["PAY-4", "PAY-6", "PAY-9"]
    );
    let item = tl.get("PAY-4").unwrap();
    assert_eq!(item.commitment(), None);
    assert_eq!(item.lead_time_days(), None);
    assert_eq!(item.attribute("Resolution"), Some("Won't Do"));
    let wf = Workflow::for_preset(
        Preset::JiraCsv,
        &LogReader::builder()
            .preset(Preset::JiraCsv)
            .build()
            .read_path(sample())
            .unwrap(),
    )
    .unwrap();
    let kinds: Vec<(&str, StageKind)> = wf
        .stages()
        .iter()
        .map(|s| (s.name.as_str(), s.kind))
        .collect();
    use StageKind::{Active, Backlog, Done};
    assert_eq!(
        kinds,
        [
            ("Backlog", Backlog),
            ("Discarded", Done),
            ("Open", Active),
            ("Resolved", Done)
        ]
    );
}

#[test]
fn the_discarded_resolutions_are_configurable() {
    let tl = timelines(LogReader::builder().discard_resolutions(["duplicate", " Won't Do"]));
    assert_eq!(ids_with(&tl, ItemStatus::Discarded), ["PAY-4", "PAY-6"]);
    assert_eq!(status(&tl, "PAY-9"), ItemStatus::Done);
    assert_eq!(tl.get("PAY-9").unwrap().lead_time_days(), Some(1.0));
    // An empty list discards none: every resolved issue is done.
    let tl = timelines(LogReader::builder().discard_resolutions(Vec::<String>::new()));
    assert!(ids_with(&tl, ItemStatus::Discarded).is_empty());
    assert_eq!(ids_with(&tl, ItemStatus::Done).len(), 8);
}

#[test]
fn the_discarded_states_keep_their_counts_and_first_lines() {
    // A workflow that maps only the committed states: the discarded issues' states are
    // unmapped, named with their counts and first lines.
    let log = LogReader::builder()
        .preset(Preset::JiraCsv)
        .build()
        .read_path(sample())
        .unwrap();
    let wf = Workflow::from_toml_str(
        "[[stage]]\nname = \"Open\"\nkind = \"active\"\nstates = [\"Created\"]\n\
         [[stage]]\nname = \"Resolved\"\nkind = \"done\"\nstates = [\"Resolved\"]\n",
    )
    .unwrap();
    let e = Timelines::new(&log, &wf).unwrap_err().to_string();
    // PAY-4, the first discarded issue, is on line 5; three issues are discarded.
    assert!(
        e.contains("Created (discarded)") && e.contains("Discarded"),
        "{e}"
    );
    assert!(e.contains("line 5"), "{e}");
    assert!(e.contains('3'), "{e}");
}

#[test]
fn jira_dates_with_one_digit_hours_noon_and_pm() {
    let csv = "Issue key,Created,Resolved,Resolution\n\
               A-1,02/Apr/24 9:05 AM,02/Apr/24 12:00 PM,Done\n\
               A-2,02/Apr/24 11:59 PM,03/Apr/24 1:30 PM,Done\n";
    let log = LogReader::builder()
        .preset(Preset::JiraCsv)
        .build()
        .read(csv.as_bytes())
        .unwrap();
    let times: Vec<_> = log.events().map(|e| (e.item, e.state, e.time)).collect();
    let at = |d, h, m| Utc.with_ymd_and_hms(2024, 4, d, h, m, 0).unwrap();
    assert_eq!(
        times,
        [
            ("A-1", "Created", at(2, 9, 5)),
            ("A-1", "Resolved", at(2, 12, 0)),
            ("A-2", "Created", at(2, 23, 59)),
            ("A-2", "Resolved", at(3, 13, 30)),
        ]
    );
    // --time-format overrides Jira's form.
    let iso = "Issue key,Created,Resolved\nA-1,2024-04-02T09:05:00Z,\n";
    let log = LogReader::builder()
        .preset(Preset::JiraCsv)
        .time_format(valuestream::TimeFormat::Iso)
        .build()
        .read(iso.as_bytes())
        .unwrap();
    assert_eq!(log.events().next().unwrap().time, at(2, 9, 5));
}

#[test]
fn a_bad_date_names_file_line_column_value_and_the_expected_form() {
    let text = std::fs::read_to_string(sample()).unwrap();
    let broken = text.replace("05/Mar/24 9:05 AM", "2024-03-05 09:05");
    assert_ne!(text, broken);
    let p = scratch("bad-date.csv", &broken);
    let e = LogReader::builder()
        .preset(Preset::JiraCsv)
        .build()
        .read_path(&p)
        .unwrap_err()
        .to_string();
    for want in [
        "bad-date.csv",
        "line 6",
        "Created",
        "2024-03-05 09:05",
        "%d/%b/%y %I:%M %p",
    ] {
        assert!(e.contains(want), "{want:?} missing from: {e}");
    }
}

#[test]
fn the_cli_says_stage_times_need_the_changelog() {
    let out = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .arg("report")
        .arg(sample())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("as jira-csv"), "{err}");
    assert!(
        err.contains("no transition history")
            && err.contains("expand=changelog")
            && err.contains("--format jira-json"),
        "{err}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("5 done, 2 in progress, 0 not started, 3 discarded"),
        "{text}"
    );
    // --discard-resolutions "" discards none.
    let out = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .args(["report", "--discard-resolutions", ""])
        .arg(sample())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("8 done, 2 in progress, 0 not started, 0 discarded"),
        "{text}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .args(["report", "--discard-resolutions", "Duplicate, won't do"])
        .arg(sample())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("6 done, 2 in progress, 0 not started, 2 discarded"),
        "{text}"
    );
}
