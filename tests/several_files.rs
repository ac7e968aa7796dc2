//! Several input files read as one log (repeated paths, or a folder of CSV exports): items
//! kept apart by file where their ids clash (`<file>:<id>`), the attribute `source` on every
//! item, every file's rows in the ledger, `report --by source`, and the errors (a file that
//! is not there, files of two formats). All figures are computed by hand from the logs below.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use valuestream::{BadRows, Format, LogReader, StageKind, Timelines, Workflow};

/// Team A: P-1 (Dev 03-04 → Done 03-06), A-2 (Dev 03-05 → Done 03-08).
const TEAM_A: &str = "id,state,timestamp,team\n\
P-1,Dev,2024-03-04,red\n\
P-1,Done,2024-03-06,red\n\
A-2,Dev,2024-03-05,red\n\
A-2,Done,2024-03-08,red\n";

/// Team B: P-1 again (another item: Dev 03-06 → Done 03-07), B-3 in Dev, and a bad row.
const TEAM_B: &str = "id,state,timestamp,team\n\
P-1,Dev,2024-03-06,blue\n\
P-1,Done,2024-03-07,blue\n\
B-3,Dev,2024-03-05,blue\n\
B-3,Done,someday,blue\n";

/// Team C: ids of its own only.
const TEAM_C: &str = "id,state,timestamp,team\n\
C-4,Dev,2024-03-01,green\n\
C-4,Done,2024-03-02,green\n";

fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("several_files")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

fn workflow() -> Workflow {
    Workflow::builder()
        .stage("Dev", StageKind::Active)
        .stage("Done", StageKind::Done)
        .build()
        .unwrap()
}

fn skip() -> LogReader {
    LogReader::builder().bad_rows(BadRows::Skip).build()
}

fn ids(log: &valuestream::EventLog) -> Vec<&str> {
    (0..log.items()).map(|i| log.item_id(i)).collect()
}

#[test]
fn an_id_in_two_files_becomes_two_items_named_by_file_others_keep_their_id() {
    let dir = scratch("clash", &[("team-a.csv", TEAM_A), ("team-b.csv", TEAM_B)]);
    let log = skip()
        .read_paths([dir.join("team-a.csv"), dir.join("team-b.csv")])
        .unwrap();
    assert_eq!(
        ids(&log),
        ["team-a.csv:P-1", "A-2", "team-b.csv:P-1", "B-3"]
    );
    let source: Vec<_> = (0..log.items())
        .map(|i| log.attribute(i, "source").unwrap())
        .collect();
    assert_eq!(
        source,
        ["team-a.csv", "team-a.csv", "team-b.csv", "team-b.csv"]
    );
    // The files' own attributes are kept.
    assert_eq!(log.attribute(2, "team"), None); // not asked for
    let log = LogReader::builder()
        .bad_rows(BadRows::Skip)
        .attribute("team")
        .build()
        .read_paths([dir.join("team-a.csv"), dir.join("team-b.csv")])
        .unwrap();
    assert_eq!(log.attribute(2, "team"), Some("blue"));
    // Each P-1 keeps its own events: team A's done in 2 days, team B's in 1.
    let tl = Timelines::new(&log, &workflow()).unwrap();
    assert_eq!(
        tl.get("team-a.csv:P-1").unwrap().cycle_time_days(),
        Some(2.0)
    );
    assert_eq!(
        tl.get("team-b.csv:P-1").unwrap().cycle_time_days(),
        Some(1.0)
    );
    assert_eq!(tl.get("A-2").unwrap().cycle_time_days(), Some(3.0));
    assert!(tl.get("P-1").is_none());
}

#[test]
fn ids_that_do_not_clash_are_kept_as_they_are() {
    let dir = scratch("apart", &[("team-a.csv", TEAM_A), ("team-c.csv", TEAM_C)]);
    let log = skip()
        .read_paths([dir.join("team-a.csv"), dir.join("team-c.csv")])
        .unwrap();
    assert_eq!(ids(&log), ["P-1", "A-2", "C-4"]);
    assert_eq!(log.attribute(2, "source"), Some("team-c.csv"));
    assert!(log.sources().iter().all(|s| s.ids_renamed == 0));
}

#[test]
fn every_files_rows_are_in_the_ledger() {
    let dir = scratch("ledger", &[("team-a.csv", TEAM_A), ("team-b.csv", TEAM_B)]);
    let log = skip()
        .read_paths([dir.join("team-a.csv"), dir.join("team-b.csv")])
        .unwrap();
    let per_file: Vec<_> = log
        .sources()
        .iter()
        .map(|s| {
            (
                s.source.as_str(),
                s.rows,
                s.events_read,
                s.rejected,
                s.items,
                s.ids_renamed,
            )
        })
        .collect();
    assert_eq!(
        per_file,
        [("team-a.csv", 4, 4, 0, 2, 1), ("team-b.csv", 4, 3, 1, 2, 1)]
    );
    assert_eq!((log.rows(), log.len(), log.rejected().len()), (8, 7, 1));
    // The rejected row names its file and its line there.
    let r = &log.rejected()[0];
    assert_eq!((r.line, r.place.as_deref()), (5, Some("team-b.csv")));
    // Through the timelines: the same, in the ledger's text and JSON.
    let tl = Timelines::new(&log, &workflow()).unwrap();
    let q = tl.quality();
    assert_eq!(q.sources.len(), 2);
    assert_eq!(q.rows, q.sources.iter().map(|s| s.rows).sum::<u64>());
    let text = q.to_string();
    assert!(
        text.contains(
            "team-b.csv: 4 rows, 3 events, 1 rejected, 2 items (1 id also in another file"
        ),
        "{text}"
    );
    let v = serde_json::to_value(q).unwrap();
    assert_eq!(v["sources"][1]["rejected"], 1);
    // One file alone has no per-file lines (and no `sources` key).
    let one = skip().read_path(dir.join("team-a.csv")).unwrap();
    assert!(one.sources().is_empty());
    let tl = Timelines::new(&one, &workflow()).unwrap();
    assert!(
        serde_json::to_value(tl.quality())
            .unwrap()
            .get("sources")
            .is_none()
    );
    assert_eq!(one.attribute(0, "source"), None);
}

#[test]
fn a_folder_of_csv_exports_is_several_files_in_name_order() {
    let dir = scratch(
        "folder",
        &[
            ("b.csv", TEAM_B),
            ("a.csv", TEAM_A),
            ("notes.txt", "not a log"),
        ],
    );
    let log = skip().read_path(&dir).unwrap();
    assert_eq!(ids(&log), ["a.csv:P-1", "A-2", "b.csv:P-1", "B-3"]);
    assert_eq!(log.sources().len(), 2);
    assert_eq!(log.rows(), 8);
}

#[test]
fn files_of_two_formats_are_refused_naming_both() {
    let pm4py = "case:concept:name,concept:name,time:timestamp\nX,Dev,2024-03-01\n";
    let dir = scratch("formats", &[("a.csv", TEAM_A), ("b.csv", pm4py)]);
    let e = LogReader::builder()
        .format(Format::Auto)
        .build()
        .read_paths([dir.join("a.csv"), dir.join("b.csv")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("must be of one format"), "{e}");
    assert!(
        e.contains("a.csv") && e.contains("b.csv") && e.contains("pm4py"),
        "{e}"
    );
}

fn run(args: &[&Path], extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .arg("report")
        .args(args)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn report_by_source_gives_a_row_per_file() {
    let dir = scratch(
        "by_source",
        &[
            ("team-a.csv", TEAM_A),
            ("team-b.csv", TEAM_B),
            ("team-c.csv", TEAM_C),
        ],
    );
    let (a, b, c) = (
        dir.join("team-a.csv"),
        dir.join("team-b.csv"),
        dir.join("team-c.csv"),
    );
    let o = run(
        &[&a, &b, &c],
        &["--by", "source", "--skip-bad-rows", "--json"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("3 files"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["attribute"], "source");
    let groups = v["groups"].as_array().unwrap();
    let rows: Vec<(&str, u64, u64)> = groups
        .iter()
        .map(|g| {
            (
                g["value"].as_str().unwrap(),
                g["items"]["total"].as_u64().unwrap(),
                g["items"]["done"].as_u64().unwrap(),
            )
        })
        .collect();
    // By hand: team A 2 items, both done; B 2 items, P-1 done and B-3 in Dev (its Done row
    // rejected); C 1 item, done.
    let mut rows = rows;
    rows.sort_unstable();
    assert_eq!(
        rows,
        [
            ("team-a.csv", 2, 2),
            ("team-b.csv", 2, 1),
            ("team-c.csv", 1, 1)
        ]
    );
    assert_eq!(v["whole"]["items"]["total"], 5);
}

#[test]
fn a_missing_file_in_the_list_is_an_error_naming_it() {
    let dir = scratch("missing", &[("team-a.csv", TEAM_A)]);
    let gone = dir.join("team-z.csv");
    let o = run(&[&dir.join("team-a.csv"), &gone], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("team-z.csv"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let e = skip()
        .read_paths([dir.join("team-a.csv"), gone])
        .unwrap_err()
        .to_string();
    assert!(e.contains("team-z.csv"), "{e}");
    // And standard input does not mix with files.
    let o = run(&[&dir.join("team-a.csv"), Path::new("-")], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("standard input"));
}
