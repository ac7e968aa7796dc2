//! What a file may ask of a reader is bounded, and going past a bound is a clear error, not
//! an abort: a record longer than `MAX_RECORD_BYTES` (an input that never ends, a quote
//! that never closes), events that need more memory than the budget (a file, a stream, a
//! compressed XES log), and the command line under an address-space limit.

use std::io::{self, Read};

use valuestream::{BYTES_PER_EVENT, Error, Format, LogReader, MAX_RECORD_BYTES};

/// A long log's header, then `rest` for ever.
fn endless(header: &'static [u8], rest: u8) -> impl Read {
    header.chain(io::repeat(rest))
}

fn long_reader() -> LogReader {
    LogReader::builder()
        .format(Format::Long)
        .id_column("id")
        .state_column("state")
        .time_column("timestamp")
        .name("endless.csv")
        .build()
}

/// The message of a read's error (which must be one).
fn message(r: valuestream::Result<valuestream::EventLog>) -> (Error, String) {
    let e = r.expect_err("an error");
    let m = e.to_string();
    (e, m)
}

#[test]
fn an_input_that_never_ends_is_refused_at_its_first_long_record() {
    // A header and a row whose second field never ends: the reader stops after about
    // MAX_RECORD_BYTES instead of reading for ever.
    let (e, m) = message(long_reader().read(endless(b"id,state,timestamp\nA,", b'x')));
    assert!(e.is_input(), "{m}");
    assert!(m.contains("endless.csv"), "{m}");
    assert!(m.contains("line 2"), "{m}");
    assert!(
        m.contains(&format!("{} MiB", MAX_RECORD_BYTES >> 20)),
        "{m}"
    );
    assert!(m.len() < 300, "{m}");
}

#[test]
fn a_quote_that_never_closes_is_refused_at_the_line_it_opens() {
    // Short lines, but one record: the quote opened on line 3 never closes.
    let (e, m) = message(long_reader().read(endless(
        b"id,state,timestamp\nA,Dev,2024-01-01\nB,\"Dev",
        b'\n',
    )));
    assert!(e.is_input(), "{m}");
    assert!(m.contains("line 3"), "{m}");
    assert!(m.contains("quote"), "{m}");
}

/// A long log of `n` rows, an item per 10 rows.
fn rows(n: usize) -> String {
    let mut s = String::from("id,state,timestamp\n");
    for i in 0..n {
        s.push_str(&format!(
            "item-{},{},2024-01-{:02}T{:02}:00:00Z\n",
            i / 10,
            ["Dev", "Test", "Done"][i % 3],
            1 + (i / 240) % 28,
            (i / 10) % 24
        ));
    }
    s
}

fn tmp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("budgets");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_file_over_the_memory_budget_is_refused_from_its_first_rows_and_its_size() {
    let text = rows(200_000);
    let path = tmp("over-budget.csv", &text);
    // 200,000 events need 12.8 MB; a budget of 4 MB is refused, and not after the whole
    // file: the error comes from the estimate (an "about").
    let budget = 4u64 << 20;
    let r = LogReader::builder()
        .memory_budget(budget)
        .build()
        .read_path(&path);
    let (e, m) = message(r);
    assert!(e.is_input(), "{m}");
    assert!(m.contains("about"), "{m}");
    assert!(m.contains("memory budget of 4 MiB"), "{m}");
    assert!(m.contains("over-budget.csv"), "{m}");
    // The same file within a budget that holds it.
    let need = 200_000 * BYTES_PER_EVENT;
    let log = LogReader::builder()
        .memory_budget(need + need / 4)
        .build()
        .read_path(&path)
        .expect("within the budget");
    assert_eq!(log.len(), 200_000);
}

#[test]
fn a_stream_over_the_memory_budget_is_refused_once_its_events_are() {
    // A stream has no size to estimate from: its events are counted as they come.
    let text = rows(50_000);
    let budget = 1000 * BYTES_PER_EVENT;
    let r = LogReader::builder()
        .memory_budget(budget)
        .name("stream")
        .build()
        .read(text.as_bytes());
    let (e, m) = message(r);
    assert!(e.is_input(), "{m}");
    assert!(m.contains("stream"), "{m}");
    assert!(
        !m.contains("about 5"),
        "a stream is counted, not estimated: {m}"
    );
    // Every layout and preset is held to the budget before its log is returned.
    let wide = "id,Dev,Done\nA,2024-01-01,2024-01-02\nB,2024-01-01,2024-01-03\n";
    let r = LogReader::builder()
        .format(Format::Wide)
        .memory_budget(3 * BYTES_PER_EVENT)
        .build()
        .read(wide.as_bytes());
    let (_, m) = message(r);
    assert!(m.contains("4 events"), "{m}");
}

#[cfg(feature = "xes")]
mod xes {
    use std::io::{self, Read, Write};

    use valuestream::{Format, LogReader, Preset};

    fn xes_reader(budget: Option<u64>) -> LogReader {
        let b = LogReader::builder()
            .format(Format::Preset(Preset::Xes))
            .name("bomb.xes.gz");
        match budget {
            Some(bytes) => b.memory_budget(bytes),
            None => b,
        }
        .build()
    }

    #[test]
    fn an_attribute_value_that_never_ends_is_refused() {
        let head = b"<log><trace><string key=\"concept:name\" value=\"";
        let r = xes_reader(None).read(head.chain(io::repeat(b'a')));
        let m = r.expect_err("an error").to_string();
        assert!(m.contains("XML element"), "{m}");
        assert!(m.contains("at byte 12"), "{m}");
    }

    /// `bytes` gzipped.
    fn gz(bytes: impl Read) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let mut bytes = bytes;
        io::copy(&mut bytes, &mut enc).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn a_compressed_attribute_that_expands_past_the_limit_is_refused() {
        // About 100 KB compressed, 100 MB expanded, in one attribute value.
        let head = b"<log><trace><string key=\"concept:name\" value=\"";
        let body = head.chain(io::repeat(b'a').take(100 << 20));
        let bomb = gz(body);
        assert!(bomb.len() < 1 << 20);
        let m = xes_reader(None).read(&bomb[..]).unwrap_err().to_string();
        assert!(m.contains("longer than 64 MiB"), "{m}");
    }

    #[test]
    fn compressed_events_past_the_memory_budget_are_refused() {
        // Many small traces: each is fine, together they need more than the budget.
        let mut xml = Vec::new();
        xml.extend_from_slice(b"<log>");
        for i in 0..20_000 {
            write!(
                xml,
                "<trace><string key=\"concept:name\" value=\"t{i}\"/><event><string key=\"concept:name\" value=\"A\"/><date key=\"time:timestamp\" value=\"2024-01-01T00:00:00Z\"/></event></trace>"
            )
            .unwrap();
        }
        xml.extend_from_slice(b"</log>");
        let bomb = gz(&xml[..]);
        let m = xes_reader(Some(5_000 * valuestream::BYTES_PER_EVENT))
            .read(&bomb[..])
            .unwrap_err()
            .to_string();
        assert!(m.contains("memory budget"), "{m}");
        assert!(m.contains("5001 events"), "{m}");
    }
}

#[test]
fn an_item_with_more_events_than_an_item_may_have_is_refused_by_name() {
    use valuestream::{EventLog, MAX_EVENTS_PER_ITEM, StageKind, Timelines, Workflow};
    let wf = Workflow::builder()
        .stage("Backlog", StageKind::Wait)
        .stage("Dev", StageKind::Active)
        .stage("Done", StageKind::Done)
        .build()
        .unwrap();
    let t0 = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let build = |n: usize| {
        let mut b = EventLog::builder().source("many.csv");
        b.reserve(n + 1);
        for i in 0..n {
            let state = if i % 2 == 0 { "Backlog" } else { "Dev" };
            b.push("busy", state, t0 + chrono::Duration::seconds(i as i64));
        }
        b.push("quiet", "Dev", t0);
        b.build()
    };
    let at_limit = build(MAX_EVENTS_PER_ITEM);
    Timelines::new(&at_limit, &wf).expect("an item at the limit is read");
    drop(at_limit);
    let over = build(MAX_EVENTS_PER_ITEM + 1);
    let e = Timelines::new(&over, &wf).expect_err("an item past the limit");
    let m = e.to_string();
    assert!(e.is_input(), "{m}");
    assert!(m.contains("\"busy\""), "{m}");
    assert!(m.contains(&(MAX_EVENTS_PER_ITEM + 1).to_string()), "{m}");
    assert!(m.contains("many.csv"), "{m}");
}

/// The command line under `ulimit -v 4000000` (4 GB of address space), as the issue's
/// campaign ran it: a bound passed is exit 2 and a sentence, never an abort (134) or a panic
/// (101), whatever the input claims or however long it goes on.
#[cfg(all(feature = "cli", unix))]
mod under_ulimit {
    use std::io::Write;
    use std::process::{Command, Output, Stdio};

    /// Writes some of a child's input; `false` once it stops reading.
    type Feed = Box<dyn FnMut(&mut dyn Write) -> bool + Send>;

    /// Runs `valuestream args…` under the limit, `stdin` written to it by a thread until it
    /// stops reading (`None`: no input).
    fn run(args: &[&str], stdin: Option<Feed>) -> Output {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 4000000 && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_valuestream"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stdin.take().unwrap();
        let writer = stdin.map(|mut more| std::thread::spawn(move || while more(&mut pipe) {}));
        let out = child.wait_with_output().unwrap();
        if let Some(w) = writer {
            w.join().unwrap();
        }
        out
    }

    fn assert_refused(out: &Output, words: &[&str]) {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        for w in words {
            assert!(err.contains(w), "{w:?} not in {err}");
        }
        assert!(
            !err.contains("panicked") && !err.contains("memory allocation"),
            "{err}"
        );
    }

    /// Writes `head` once, then `chunk` for as long as the reader reads.
    fn endless(head: &'static [u8], chunk: Vec<u8>) -> Feed {
        let mut first = true;
        Box::new(move |w: &mut dyn Write| {
            let bytes: &[u8] = if std::mem::take(&mut first) {
                head
            } else {
                &chunk
            };
            w.write_all(bytes).is_ok()
        })
    }

    #[test]
    fn a_field_that_never_ends_on_standard_input() {
        let out = run(
            &["report", "-"],
            Some(endless(b"id,state,timestamp\nA,", vec![b'x'; 1 << 16])),
        );
        assert_refused(&out, &["standard input", "line 2", "64 MiB"]);
    }

    #[test]
    fn a_device_that_never_ends() {
        let args = ["check", "--format", "long", "--id", "id", "--state", "s"];
        let out = run(&[&args[..], &["--time", "t", "/dev/zero"]].concat(), None);
        assert_refused(&out, &["/dev/zero", "line 1", "64 MiB"]);
    }

    #[test]
    fn valid_rows_that_never_end_stop_at_the_default_memory_budget() {
        // Under the limit the default budget is half of it: about 31 million events of 64
        // bytes. The stream is stopped there, its events counted, with exit 2.
        let mut chunk = Vec::new();
        for i in 0..20_000 {
            writeln!(chunk, "item-{i},Dev,2024-01-01T10:00:00Z").unwrap();
        }
        let out = run(
            &["check", "-"],
            Some(endless(b"id,state,timestamp\n", chunk)),
        );
        assert_refused(&out, &["standard input", "memory budget of", "events need"]);
        // Half of the 4,096,000,000 bytes of the limit (less on a machine with less memory).
        let err = String::from_utf8_lossy(&out.stderr);
        let mib: u64 = err
            .split("memory budget of ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(mib > 0 && mib <= (4_096_000_000 / 2) >> 20, "{err}");
    }

    #[test]
    fn a_simulation_past_the_default_budget() {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("budgets");
        std::fs::create_dir_all(&dir).unwrap();
        let model = dir.join("big.toml");
        std::fs::write(
            &model,
            "[arrivals]\nrate_per_day = 25000.0\n\n[[stage]]\nname = \"Dev\"\nservers = 100000\nservice = { dist = \"exponential\", mean_days = 2.0 }\n",
        )
        .unwrap();
        let out = run(
            &["simulate", model.to_str().unwrap(), "--replications", "4"],
            None,
        );
        assert_refused(&out, &["memory", "--memory-budget"]);
    }
}
