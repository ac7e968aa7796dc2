//! The command line reads its input once: standard input (`-`), a pipe named by a path
//! (`/dev/stdin`, a shell's `<(…)`) and a FIFO work with `--format auto` for every kind of
//! log, detection splits the header at `--delimiter`, and the messages about a gzipped CSV,
//! CR-only line ends and leap seconds say what they are.
#![cfg(feature = "cli")]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_valuestream"))
}

fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("input_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn export(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/exports")
        .join(name)
}

/// Two items: A done (Dev, Test, Done), B in Dev.
const LONG: &str = "id,state,timestamp\nA,Dev,2024-01-01\nA,Test,2024-01-02\nA,Done,2024-01-03\nB,Dev,2024-01-02\n";

/// The output of a child, killed (and the test failed) if it runs past a minute: a read that
/// blocks must fail the test, not hang it.
fn finish(mut child: Child) -> Output {
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("valuestream did not finish within a minute: it blocked on its input");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Runs `valuestream args…` with `stdin` piped to it.
fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    // A writer of its own, so that a reader that stops early cannot block the test.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&bytes);
    });
    let out = finish(child);
    writer.join().unwrap();
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Exit 0, and the JSON report's item count.
fn items_of(out: &Output) -> u64 {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["data_quality"]["items"]
        .as_u64()
        .unwrap_or_else(|| panic!("no data_quality.items in {}", stdout(out)))
}

/// Exit 2, nothing on stdout, and one error line (besides notes) holding every needle.
fn assert_bad_input(out: &Output, needles: &[&str]) -> String {
    let all = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {all}");
    assert!(out.stdout.is_empty(), "{}", stdout(out));
    assert!(!all.contains("panicked"), "{all}");
    let errors: Vec<&str> = all
        .lines()
        .filter(|l| !l.starts_with("valuestream: note: "))
        .collect();
    assert_eq!(errors.len(), 1, "one sentence: {all}");
    for n in needles {
        assert!(errors[0].contains(n), "{n:?} not in {all}");
    }
    assert!(errors[0].len() < 400, "short: {all}");
    errors[0].to_owned()
}

#[test]
fn standard_input_is_read_as_a_long_log() {
    let out = run_with_stdin(&["check", "-", "--json"], LONG.as_bytes());
    assert_eq!(items_of(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("reading standard input as a long log"),
        "{err}"
    );
}

#[test]
fn standard_input_is_read_for_every_kind_of_log() {
    // A preset read into memory, and XES (plain and gzipped) read streaming. The same
    // files by path give the counts to compare with.
    let xes = std::fs::read(export("sample.xes")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&xes).unwrap();
    let gz = gz.finish().unwrap();
    for (file, bytes) in [
        ("pm4py.csv", std::fs::read(export("pm4py.csv")).unwrap()),
        ("jira.json", std::fs::read(export("jira.json")).unwrap()),
        ("sample.xes", xes.clone()),
        ("sample.xes.gz", gz),
    ] {
        let path = scratch(file, &bytes);
        let by_path = bin()
            .arg("check")
            .arg(&path)
            .arg("--json")
            .output()
            .unwrap();
        let piped = run_with_stdin(&["check", "-", "--json"], &bytes);
        let want = items_of(&by_path);
        assert!(want > 0, "{file}");
        assert_eq!(items_of(&piped), want, "{file}: {}", stderr(&piped));
    }
}

#[test]
fn a_pipe_named_by_a_path_is_read_once() {
    // /dev/stdin names the pipe, as a shell's <(…) names one: detection and the read must
    // share its bytes.
    if !Path::new("/dev/stdin").exists() {
        eprintln!("skipped: this system has no /dev/stdin");
        return;
    }
    let out = run_with_stdin(&["check", "/dev/stdin", "--json"], LONG.as_bytes());
    assert_eq!(items_of(&out), 2);
}

#[cfg(unix)]
#[test]
fn a_fifo_is_read_once_without_blocking() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("input_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join(format!("log-{}.fifo", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let child = bin()
        .arg("check")
        .arg(&fifo)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let path = fifo.clone();
    // Opening a FIFO for writing waits for a reader; a reader that opens it twice waits
    // forever for a second writer.
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        let _ = f.write_all(LONG.as_bytes());
    });
    let out = finish(child);
    if !writer.is_finished() {
        // The child never opened the FIFO: open it here, so that the writer's open returns.
        let mut rest = Vec::new();
        let _ = std::fs::File::open(&fifo).and_then(|mut f| f.read_to_end(&mut rest));
    }
    writer.join().unwrap();
    std::fs::remove_file(&fifo).unwrap();
    assert_eq!(items_of(&out), 2);
}

#[test]
fn empty_standard_input_is_named_in_the_error() {
    let out = run_with_stdin(&["report", "-"], b"");
    assert_bad_input(&out, &["standard input", "empty"]);
}

#[test]
fn errors_in_standard_input_name_it_and_the_line() {
    let out = run_with_stdin(
        &["report", "-"],
        b"id,state,timestamp\nA,Dev,2024-01-01\nA,Done,never\n",
    );
    assert_bad_input(&out, &["standard input, line 3", "never"]);
}

#[test]
fn detection_splits_the_header_at_the_delimiter() {
    let semi = LONG.replace(',', ";");
    let f = scratch("semicolons.csv", semi.as_bytes());
    let out = bin()
        .arg("check")
        .arg(&f)
        .args(["--delimiter", ";", "--json"])
        .output()
        .unwrap();
    assert_eq!(items_of(&out), 2);
    assert!(stderr(&out).contains("as a long log"), "{}", stderr(&out));
    // From standard input too.
    let out = run_with_stdin(
        &["check", "-", "--delimiter", ";", "--json"],
        semi.as_bytes(),
    );
    assert_eq!(items_of(&out), 2);
    // Without it, the message says which delimiter the header seems to use.
    let out = bin().arg("report").arg(&f).output().unwrap();
    assert_bad_input(&out, &["semicolons.csv", "--delimiter ';'"]);
}

#[test]
fn a_csv_preset_split_at_another_delimiter_is_explained() {
    let text = std::fs::read_to_string(export("pm4py.csv"))
        .unwrap()
        .replace(',', ";");
    let f = scratch("pm4py-semicolons.csv", text.as_bytes());
    let out = bin()
        .arg("report")
        .arg(&f)
        .args(["--delimiter", ";"])
        .output()
        .unwrap();
    assert_bad_input(&out, &["pm4py-semicolons.csv", "pm4py", "commas"]);
}

#[test]
fn a_gzipped_csv_is_called_what_it_is() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(LONG.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let f = scratch("log.csv.gz", &gz);
    for out in [
        bin().arg("report").arg(&f).output().unwrap(),
        bin()
            .arg("report")
            .arg(&f)
            .args(["--format", "xes"])
            .output()
            .unwrap(),
    ] {
        let err = assert_bad_input(&out, &["log.csv.gz", "gzip-compressed CSV", "XES"]);
        assert!(!err.contains("no events"), "{err}");
    }
    let out = run_with_stdin(&["report", "-"], &gz);
    assert_bad_input(&out, &["standard input", "gzip-compressed CSV"]);
}

#[test]
fn cr_only_line_ends_are_counted_as_lines() {
    // The bad timestamp is on line 4 of the file (old Mac line ends: a carriage return
    // alone); the quoted id on line 5 and 6 spans a line end.
    let text =
        b"id,state,timestamp\rA,Dev,2024-01-01\rA,Done,2024-01-02\rB,Dev,bad\r\"C\rC\",Dev,worse\r";
    let f = scratch("mac.csv", text);
    let out = bin().arg("report").arg(&f).output().unwrap();
    assert_bad_input(&out, &["mac.csv, line 4", "bad"]);
    let out = run_with_stdin(&["report", "-"], text);
    assert_bad_input(&out, &["standard input, line 4", "bad"]);
    // Skipped, each bad row is placed on its own line.
    let out = bin()
        .arg("check")
        .arg(&f)
        .args(["--skip-bad-rows", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<u64> = v["data_quality"]["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [4, 5]);
}

#[test]
fn a_leap_second_is_a_valid_timestamp() {
    let f = scratch(
        "leap.csv",
        b"id,state,timestamp\nA,Dev,2016-12-31T12:00:00Z\nA,Done,2016-12-31T23:59:60Z\n",
    );
    let out = bin().arg("check").arg(&f).arg("--json").output().unwrap();
    assert_eq!(items_of(&out), 1);
    // Second 61 never exists.
    let f = scratch(
        "leap61.csv",
        b"id,state,timestamp\nA,Dev,2016-12-31T12:00:00Z\nA,Done,2016-12-31T23:59:61Z\n",
    );
    let out = bin().arg("report").arg(&f).output().unwrap();
    assert_bad_input(&out, &["leap61.csv, line 3", "second"]);
}
