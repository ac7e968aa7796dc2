//! The XES reader proper (feature `xes`): a streaming XML reader over the file, or over its
//! gzip decompression.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;
use quick_xml::events::{BytesStart, Event};

use super::super::intervals::{Interval, emit_intervals};
use crate::error::{Error, Position, Result};
use crate::log::ColumnSample;
use crate::log::budget::{Bounded, MAX_EVENTS_PER_ITEM, TooLong, fits, over_budget};
use crate::log::event_log::{EventLog, EventLogBuilder};
use crate::log::input::Input;
use crate::log::quality::{RejectedRow, Warning, WarningKind, WarningTally};
use crate::log::settings::{BadRows, Settings, joined_names};
use crate::time::{TimeFormat, TimeParser};

/// The event attribute of an interval log that holds the start of the work an event ends
/// (as PM4Py writes interval logs); its `time:timestamp` is the end.
const START: &str = "start_timestamp";

/// Reads an XES document (gzip is recognised by its magic bytes). The rejected rows of a
/// document that is not gzipped get the line their element starts on (read again from the
/// file, only when there are some).
pub(super) fn read(input: Input<'_>, settings: &Settings) -> Result<EventLog> {
    let name = input.name(settings);
    let name = name.as_deref();
    let (mut log, at, gzip) = match input {
        Input::Path(path) => {
            let file = File::open(path).map_err(|source| Error::Io {
                file: name.map(str::to_owned),
                source,
            })?;
            read_buffered_at(BufReader::with_capacity(1 << 16, file), name, settings)?
        }
        Input::Bytes(bytes) => read_buffered_at(bytes, name, settings)?,
    };
    if !gzip && !at.is_empty() {
        let lines = match input {
            Input::Path(path) => File::open(path).ok().and_then(|f| lines_at(f, &at)),
            Input::Bytes(bytes) => lines_at(bytes, &at),
        };
        for (row, line) in log.stats.rejected.iter_mut().zip(lines.unwrap_or_default()) {
            row.line = line;
        }
    }
    Ok(log)
}

/// Reads an XES document from `input`, gunzipping it if it starts with gzip's magic bytes;
/// what it holds must look like XML.
pub(crate) fn read_buffered<R: BufRead>(
    input: R,
    name: Option<&str>,
    settings: &Settings,
) -> Result<EventLog> {
    read_buffered_at(input, name, settings).map(|(log, _, _)| log)
}

/// As [`read_buffered`], with the byte at which the element of each rejected row starts
/// (in the document, decompressed), and whether the input was gzipped.
fn read_buffered_at<R: BufRead>(
    mut input: R,
    name: Option<&str>,
    settings: &Settings,
) -> Result<(EventLog, Vec<u64>, bool)> {
    let io = |source| Error::Io {
        file: name.map(str::to_owned),
        source,
    };
    if input.fill_buf().map_err(io)?.starts_with(&GZIP) {
        let mut inner = BufReader::with_capacity(1 << 16, MultiGzDecoder::new(input));
        expect_xml(&mut inner, name, true)?;
        let (log, at) = read_from(inner, name, settings)?;
        Ok((log, at, true))
    } else {
        expect_xml(&mut input, name, false)?;
        let (log, at) = read_from(input, name, settings)?;
        Ok((log, at, false))
    }
}

/// The 1-based line of the first byte that is not blank at or after each of the byte
/// offsets `at` (in any order) of what `input` reads (a line ends at `\n`, `\r\n` or a
/// lone `\r`); `None` if it cannot be read.
fn lines_at(mut input: impl Read, at: &[u64]) -> Option<Vec<u64>> {
    let mut order: Vec<usize> = (0..at.len()).collect();
    order.sort_by_key(|&i| at[i]);
    let mut lines = vec![0; at.len()];
    let (mut line, mut pos, mut next) = (1u64, 0u64, 0usize);
    let mut waiting: Vec<usize> = Vec::new();
    let mut after_cr = false;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        for &b in &buf[..n] {
            while next < order.len() && at[order[next]] <= pos {
                waiting.push(order[next]);
                next += 1;
            }
            if !waiting.is_empty() && !b.is_ascii_whitespace() {
                waiting.drain(..).for_each(|i| lines[i] = line);
                if next == order.len() {
                    return Some(lines);
                }
            }
            if b == b'\r' || (b == b'\n' && !after_cr) {
                line += 1;
            }
            after_cr = b == b'\r';
            pos += 1;
        }
    }
    order[next..]
        .iter()
        .chain(&waiting)
        .for_each(|&i| lines[i] = line);
    Some(lines)
}

/// An error unless the first byte of `input` that is not blank (after a byte-order mark)
/// opens an XML element: says what the input holds instead (a gzipped CSV, JSON, …).
fn expect_xml(input: &mut impl BufRead, name: Option<&str>, gzip: bool) -> Result<()> {
    let head = match input.fill_buf() {
        Ok(buf) => buf[..buf.len().min(256)].to_vec(),
        Err(_) if gzip => {
            return Err(Error::Value {
                pos: Box::new(Position::file(name)),
                message: "gzip-compressed, but it cannot be decompressed: the xes format reads XES documents (IEEE 1849), plain or gzipped".to_owned(),
            });
        }
        Err(source) => {
            return Err(Error::Io {
                file: name.map(str::to_owned),
                source,
            });
        }
    };
    let text = head
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(&head)
        .trim_ascii_start();
    if text.is_empty() || text[0] == b'<' {
        return Ok(());
    }
    let what = if text[0] == b'{' || text[0] == b'[' {
        "JSON"
    } else if text.contains(&b',') || text.contains(&b';') || text.contains(&b'\t') {
        "CSV"
    } else {
        "text"
    };
    let first: String = String::from_utf8_lossy(text)
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(40)
        .collect();
    Err(Error::Value {
        pos: Box::new(Position::file(name).at_line(1)),
        message: format!(
            "{}{what}, not XML (it starts {first:?}): the xes format reads XES documents (IEEE 1849), plain or gzipped; {}",
            if gzip { "gzip-compressed " } else { "" },
            if gzip && what == "CSV" {
                "decompress a gzipped CSV and read that (gunzip -c FILE | valuestream report -)"
            } else {
                "give the --format of what it is"
            }
        ),
    })
}

/// The magic bytes of gzip.
const GZIP: [u8; 2] = [0x1f, 0x8b];

const ATTRIBUTE_TAGS: [&str; 8] = [
    "string",
    "date",
    "int",
    "float",
    "boolean",
    "id",
    "list",
    "container",
];

#[derive(Debug)]
struct Attr<'a> {
    key: Cow<'a, str>,
    value: Cow<'a, str>,
}

/// The `key` and `value` of an attribute element (unescaped), read straight from the
/// element's attribute text (`key="…" value="…"`): faster than a general attribute
/// iterator, and all that an XES attribute element carries.
fn key_value(raw: &str) -> std::result::Result<Attr<'_>, String> {
    // Nearly every element is written `key="…" value="…"`: read that shape directly.
    if let Some(kv) = canonical(raw) {
        return Ok(kv);
    }
    let bytes = raw.as_bytes();
    let mut key = None;
    let mut value = None;
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        while i < n && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            break;
        }
        let name_start = i;
        while i < n && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let name = &raw[name_start..i];
        while i < n && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n || bytes[i] != b'=' {
            return Err(format!("the attribute {name:?} has no value"));
        }
        i += 1;
        while i < n && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let quote = match bytes.get(i) {
            Some(q @ (b'"' | b'\'')) => *q,
            _ => return Err(format!("the value of the attribute {name:?} is not quoted")),
        };
        i += 1;
        let value_start = i;
        while i < n && bytes[i] != quote {
            i += 1;
        }
        if i >= n {
            return Err(format!("the value of the attribute {name:?} is not closed"));
        }
        let v = &raw[value_start..i];
        i += 1;
        let v = if v.contains('&') {
            Cow::Owned(
                quick_xml::escape::unescape(v)
                    .map_err(|e| e.to_string())?
                    .into_owned(),
            )
        } else {
            Cow::Borrowed(v)
        };
        match name {
            "key" => key = Some(v),
            "value" => value = Some(v),
            _ => {}
        }
    }
    Ok(Attr {
        key: key.unwrap_or(Cow::Borrowed("")),
        value: value.unwrap_or(Cow::Borrowed("")),
    })
}

/// `key="K" value="V"` (and nothing else but spaces), when neither holds an escape.
#[inline]
fn canonical(raw: &str) -> Option<Attr<'_>> {
    let r = raw.trim_ascii_start().strip_prefix("key=\"")?;
    let k_end = r.as_bytes().iter().position(|&b| b == b'"')?;
    let (key, r) = (&r[..k_end], &r[k_end + 1..]);
    let r = r.strip_prefix(" value=\"")?;
    let v_end = r.as_bytes().iter().position(|&b| b == b'"')?;
    let (value, rest) = (&r[..v_end], &r[v_end + 1..]);
    if !rest.trim_ascii().is_empty() || key.contains('&') || value.contains('&') {
        return None;
    }
    Some(Attr {
        key: Cow::Borrowed(key),
        value: Cow::Borrowed(value),
    })
}

/// Reads the XES document `input` (named `name`) with the caller's settings: the log, and
/// the byte at which the element of each rejected row starts.
fn read_from<R: BufRead>(
    input: R,
    name: Option<&str>,
    settings: &Settings,
) -> Result<(EventLog, Vec<u64>)> {
    parse(input, Parser::new(name, settings))
}

/// Reads the XES document `input` into `p`.
fn parse<R: BufRead>(input: R, mut p: Parser<'_>) -> Result<(EventLog, Vec<u64>)> {
    let name = p.name;
    let mut xml = quick_xml::Reader::from_reader(Bounded::new(input, "XML element"));
    // Text between elements is never read: skip whitespace-only text without an event.
    xml.config_mut().trim_text(true);
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    // Elements open at this point (quick-xml checks that each end tag matches its start).
    let mut open: u32 = 0;
    loop {
        buf.clear();
        let pos_before = xml.buffer_position();
        xml.get_ref().record_starts(pos_before, 0);
        let ev = match xml.read_event_into(&mut buf) {
            Ok(ev) => ev,
            // Every syntax error is the input ending inside a tag, a comment, …: cut short.
            Err(quick_xml::Error::Syntax(_)) => {
                p.cut_short(xml.error_position(), " in an unfinished tag")?;
                return p.finish();
            }
            // A gzip stream cut short.
            Err(quick_xml::Error::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                p.cut_short(
                    xml.buffer_position(),
                    " (the compressed stream is incomplete)",
                )?;
                return p.finish();
            }
            Err(quick_xml::Error::Io(e)) if TooLong::within(&e).is_some() => {
                let message = TooLong::within(&e).map(ToString::to_string);
                return Err(Error::value(
                    Position::file(name),
                    message.unwrap_or_default(),
                ));
            }
            Err(e) => {
                return Err(Error::Value {
                    pos: Box::new(Position::file(name)),
                    message: format!(
                        "not a readable XES document at byte {}: {e}",
                        xml.error_position()
                    ),
                });
            }
        };
        match ev {
            Event::Eof => break,
            Event::Start(ref e) => {
                open += 1;
                p.start(e, false, pos_before)?;
            }
            Event::Empty(ref e) => p.start(e, true, pos_before)?,
            Event::End(ref e) => {
                open = open.saturating_sub(1);
                p.end(e.local_name().into_inner(), pos_before)?;
            }
            _ => {}
        }
    }
    if open > 0 {
        p.cut_short(xml.buffer_position(), "")?;
    }
    p.finish()
}

/// The state of a read: the log so far, where in the document it is, and the trace and
/// event being read.
struct Parser<'a> {
    name: Option<&'a str>,
    /// The event attribute that holds the state (the state option as given).
    state_key: &'a str,
    /// The event attribute that names who did the event, when resources are kept.
    resource_key: Option<&'a str>,
    /// With a state option `a+b` and no attribute of that name in an event, the
    /// attributes whose values, joined by a space, make its state (empty: one attribute).
    state_parts: Vec<&'a str>,
    bad_rows: BadRows,
    b: EventLogBuilder,
    /// The trace attributes kept as item attributes, with their attribute index.
    keep: Vec<(String, usize)>,
    tp: TimeParser,
    rejected: Vec<RejectedRow>,
    /// The byte at which the element of each rejected row starts (its line is found after
    /// the read, from the file, only when there are rejected rows).
    rejected_at: Vec<u64>,
    /// The byte at which the open trace starts.
    trace_byte: u64,
    /// The byte at which the open event starts.
    ev_byte: u64,
    /// Greater than 0 inside an attribute element's children.
    nested: u32,
    in_global: bool,
    in_trace: bool,
    in_event: bool,
    /// The traces begun so far.
    traces: u64,
    trace_id: Option<String>,
    /// The trace's events: state, instant, resource (`None`: no one named) and the start
    /// of the work it ends (`start_timestamp`, in an interval log).
    trace_events: Vec<(u32, i64, Option<u32>, Option<i64>)>,
    /// The intervals of work of the traces whose events have a `start_timestamp`, turned
    /// into events at the end as the intervals layout turns them.
    intervals: Vec<Interval>,
    /// The names of the queue before a stage, and of the state after the last interval.
    queue_suffix: &'a str,
    end_state: &'a str,
    /// The memory budget of the events, in bytes.
    budget: u64,
    /// The most events a trace may have ([`MAX_EVENTS_PER_ITEM`]; less in tests).
    max_events: usize,
    trace_attrs: Vec<(usize, String)>,
    ev_state: Option<u32>,
    /// The values of the event's `state_parts` (trimmed), each with whether the event
    /// has it (the strings are reused from event to event).
    ev_parts: Vec<(bool, String)>,
    /// The joined state being built.
    joined: String,
    ev_time: Option<i64>,
    /// The event's `start_timestamp`, if it has one.
    ev_start: Option<i64>,
    ev_resource: Option<u32>,
    ev_problem: Option<(Position, String)>,
    /// The 1-based index of the event in its trace.
    ev_index: u64,
    /// Greater than 0 inside a misplaced element whose events are rejected (a trace in a
    /// trace, an event in an event or outside any trace): how many `skip_tag` are open.
    skip_depth: u32,
    skip_tag: &'static str,
    /// Why the events inside the misplaced element are not used.
    skip_reason: String,
}

impl<'a> Parser<'a> {
    fn new(name: Option<&'a str>, settings: &'a Settings) -> Parser<'a> {
        let mut b = EventLogBuilder::new();
        if let Some(n) = name {
            b = b.source(n);
        }
        let keep = settings
            .attributes
            .iter()
            .map(|a| (a.clone(), b.attribute_index(a)))
            .collect();
        if settings.resource.is_some() {
            b.keep_resources();
        }
        let state_key = settings.state.as_deref().unwrap_or("concept:name");
        let state_parts = joined_names(state_key).unwrap_or_default();
        b.sample = Some(Box::new(ColumnSample::of_attributes(state_key)));
        Parser {
            name,
            state_key,
            resource_key: settings.resource.as_deref(),
            ev_parts: vec![(false, String::new()); state_parts.len()],
            joined: String::new(),
            state_parts,
            bad_rows: settings.bad_rows,
            b,
            keep,
            tp: TimeParser::new(
                settings.time_format.clone().unwrap_or(TimeFormat::Auto),
                settings.offset,
            ),
            rejected: Vec::new(),
            rejected_at: Vec::new(),
            trace_byte: 0,
            ev_byte: 0,
            nested: 0,
            in_global: false,
            in_trace: false,
            in_event: false,
            traces: 0,
            trace_id: None,
            trace_events: Vec::new(),
            intervals: Vec::new(),
            queue_suffix: &settings.queue_suffix,
            end_state: &settings.end_state,
            ev_start: None,
            budget: settings.memory_budget(),
            max_events: MAX_EVENTS_PER_ITEM,
            trace_attrs: Vec::new(),
            ev_state: None,
            ev_time: None,
            ev_resource: None,
            ev_problem: None,
            ev_index: 0,
            skip_depth: 0,
            skip_tag: "",
            skip_reason: String::new(),
        }
    }

    fn pos(&self) -> Position {
        Position::file(self.name)
    }

    /// Where the parser is, in words: the trace (its number, and its name once read) and
    /// `event`, the number of an event in it; or which trace an element outside any
    /// trace follows.
    #[cold]
    fn place(&self, event: Option<u64>) -> String {
        if !self.in_trace {
            return match self.traces {
                0 => "outside any trace, before the first".to_owned(),
                n => format!("outside any trace, after trace {n}"),
            };
        }
        let mut s = format!("trace {}", self.traces);
        if let Some(id) = &self.trace_id {
            let shown: String = id.chars().take(40).collect();
            let cut = if shown.len() < id.len() { "…" } else { "" };
            s.push_str(&format!(" {shown:?}{cut}"));
        }
        if let Some(e) = event {
            s.push_str(&format!(", event {e}"));
        }
        s
    }

    /// An element opens (`empty`: and closes at once) at byte `at_byte` (once per element:
    /// inlined into the read loop).
    #[inline(always)]
    fn start(&mut self, e: &BytesStart<'_>, empty: bool, at_byte: u64) -> Result<()> {
        if self.nested > 0 || self.in_global {
            if self.nested > 0 && !empty {
                self.nested += 1;
            }
            return Ok(());
        }
        let tag = e.local_name().into_inner();
        if self.skip_depth > 0 {
            return self.skipped_start(tag, empty, at_byte);
        }
        match tag {
            "global" if !empty => self.in_global = true,
            "trace" if self.in_trace => self.nested_trace(empty, at_byte)?,
            "trace" if !empty => {
                self.in_trace = true;
                self.traces += 1;
                self.trace_byte = at_byte;
                self.trace_id = None;
                self.trace_events.clear();
                self.trace_attrs.clear();
                self.ev_index = 0;
            }
            "event" if self.in_event || !self.in_trace => self.misplaced_event(empty, at_byte)?,
            "event" => self.open_event(empty, at_byte)?,
            t if ATTRIBUTE_TAGS.contains(&t) => {
                if !empty {
                    self.nested = 1;
                }
                if self.in_trace {
                    self.attribute(e.attributes_raw(), at_byte)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// An element opens inside a misplaced one: each event in it is a rejected row.
    #[cold]
    fn skipped_start(&mut self, tag: &str, empty: bool, at_byte: u64) -> Result<()> {
        if tag == "event" {
            self.b.stats.rows += 1;
            let msg = self.skip_reason.clone();
            let event = (self.skip_tag == "event").then_some(self.ev_index);
            self.bad(self.pos(), msg, self.place(event), at_byte)?;
        }
        if !empty {
            if tag == self.skip_tag {
                self.skip_depth += 1;
            } else if ATTRIBUTE_TAGS.contains(&tag) {
                self.nested = 1;
            }
        }
        Ok(())
    }

    /// A trace opens inside a trace: an error, or its events are rejected.
    #[cold]
    fn nested_trace(&mut self, empty: bool, at_byte: u64) -> Result<()> {
        let reason = format!(
            "a trace nested in another {}: expected </trace> before <trace>; its events are not used",
            at(at_byte, &self.trace_id, None)
        );
        if self.bad_rows == BadRows::Error {
            return Err(Error::value(self.pos(), reason));
        }
        if !empty {
            self.skip("trace", reason);
        }
        Ok(())
    }

    /// An event inside an event, or outside any trace: an error, or a rejected row (and so
    /// is each event inside it).
    #[cold]
    fn misplaced_event(&mut self, empty: bool, at_byte: u64) -> Result<()> {
        let reason = if self.in_event {
            format!(
                "an event nested in another {}: expected </event> before <event>; not used",
                at(at_byte, &self.trace_id, Some(self.ev_index))
            )
        } else {
            format!(
                "an event outside any trace at byte {at_byte}: expected it inside a <trace>; not used"
            )
        };
        self.b.stats.rows += 1;
        let event = self.in_event.then_some(self.ev_index);
        self.bad(self.pos(), reason.clone(), self.place(event), at_byte)?;
        if !empty {
            self.skip("event", reason);
        }
        Ok(())
    }

    /// From here to the end of the open `tag`, events are rejected for `reason`.
    fn skip(&mut self, tag: &'static str, reason: String) {
        self.skip_tag = tag;
        self.skip_depth = 1;
        self.skip_reason = reason;
    }

    fn open_event(&mut self, empty: bool, at_byte: u64) -> Result<()> {
        self.in_event = !empty;
        self.ev_index += 1;
        self.ev_byte = at_byte;
        self.ev_state = None;
        self.ev_time = None;
        self.ev_start = None;
        self.ev_resource = None;
        self.ev_problem = None;
        self.ev_parts.iter_mut().for_each(|p| p.0 = false);
        if empty {
            self.b.stats.rows += 1;
            let pos = self.pos().in_column(self.state_key);
            let msg = format!(
                "an event without attributes {}",
                at(at_byte, &self.trace_id, Some(self.ev_index))
            );
            self.bad(pos, msg, self.place(Some(self.ev_index)), at_byte)?;
        }
        Ok(())
    }

    /// An attribute element of a trace or of an event (its attribute text `raw`).
    #[inline]
    fn attribute(&mut self, raw: &str, at_byte: u64) -> Result<()> {
        let attr = key_value(raw).map_err(|m| Error::Value {
            pos: Box::new(self.pos()),
            message: format!(
                "a malformed attribute {}: {m}",
                at(at_byte, &self.trace_id, None)
            ),
        })?;
        if self.in_event {
            self.event_attribute(&attr, at_byte);
        } else if attr.key == "concept:name" {
            self.trace_id = Some(attr.value.trim().to_owned());
        }
        if let Some((_, idx)) = self.keep.iter().find(|(k, _)| *k == attr.key) {
            self.trace_attrs.push((*idx, attr.value.into_owned()));
        }
        Ok(())
    }

    /// An attribute of an event: its state (or a part of it) or its instant (others are
    /// not read).
    #[inline]
    fn event_attribute(&mut self, attr: &Attr<'_>, at_byte: u64) {
        if let Some(sample) = &mut self.b.sample
            && sample.wants()
        {
            sample.add_attribute(&attr.key, &attr.value);
        }
        if !self.state_parts.is_empty()
            && let Some(i) = self.state_parts.iter().position(|p| *p == attr.key)
        {
            let (seen, value) = &mut self.ev_parts[i];
            *seen = true;
            value.clear();
            value.push_str(attr.value.trim());
        }
        if attr.key == self.state_key {
            let v = attr.value.trim();
            if v.is_empty() {
                self.ev_problem = Some((
                    self.pos().in_column(self.state_key),
                    format!(
                        "an empty state {}",
                        at(at_byte, &self.trace_id, Some(self.ev_index))
                    ),
                ));
            } else {
                self.ev_state = self.b.state_index(v.as_bytes());
            }
        } else if self.resource_key == Some(&*attr.key) {
            let v = attr.value.trim();
            // An empty value names no one.
            self.ev_resource = if v.is_empty() {
                None
            } else {
                self.b.resource_index(v.as_bytes())
            };
        } else if attr.key == "time:timestamp" || attr.key == START {
            let v = attr.value.trim();
            match self.tp.parse(v.as_bytes()) {
                Ok(t) if attr.key == START => self.ev_start = Some(t),
                Ok(t) => self.ev_time = Some(t),
                Err(m) => {
                    self.ev_problem = Some((
                        self.pos().in_column(&attr.key).with_value(v.as_bytes()),
                        format!("{m} {}", at(at_byte, &self.trace_id, Some(self.ev_index))),
                    ));
                }
            }
        }
    }

    /// An element closes at byte `at_byte` (once per element: inlined into the read loop).
    #[inline(always)]
    fn end(&mut self, tag: &str, at_byte: u64) -> Result<()> {
        if self.nested > 0 {
            self.nested -= 1;
            return Ok(());
        }
        if self.skip_depth > 0 {
            if tag == self.skip_tag {
                self.skip_depth -= 1;
            }
            return Ok(());
        }
        match tag {
            "global" => self.in_global = false,
            "event" if self.in_event => self.close_event(at_byte)?,
            "trace" if self.in_trace => self.close_trace(at_byte)?,
            _ => {}
        }
        Ok(())
    }

    /// The end of an event: one event of its trace, or a rejected row.
    fn close_event(&mut self, at_byte: u64) -> Result<()> {
        self.in_event = false;
        self.b.stats.rows += 1;
        if let Some(sample) = &mut self.b.sample {
            sample.end_row();
        }
        if let Some((pos, msg)) = self.ev_problem.take() {
            return self.bad(pos, msg, self.place(Some(self.ev_index)), self.ev_byte);
        }
        if self.ev_state.is_none() && !self.state_parts.is_empty() {
            match self.joined_state() {
                Ok(s) => self.ev_state = s,
                Err((column, what)) => {
                    let pos = self.pos().in_column(column);
                    let msg = format!(
                        "{what} {}",
                        at(at_byte, &self.trace_id, Some(self.ev_index))
                    );
                    return self.bad(pos, msg, self.place(Some(self.ev_index)), self.ev_byte);
                }
            }
        }
        let what = match (self.ev_state, self.ev_time) {
            (Some(s), Some(t)) => {
                if self.trace_events.len() >= self.max_events {
                    let msg = format!(
                        "a trace has more than {} events, the most one item may have ({})",
                        self.max_events,
                        at(at_byte, &self.trace_id, None)
                    );
                    return Err(Error::value(self.pos(), msg));
                }
                if let Some(start) = self.ev_start.filter(|&start| start > t) {
                    let pos = self
                        .pos()
                        .in_column(START)
                        .with_value(crate::time::ms_to_datetime(start).to_rfc3339().as_bytes());
                    let msg = format!(
                        "the interval ends before it starts (its time:timestamp is earlier) {}",
                        at(at_byte, &self.trace_id, Some(self.ev_index))
                    );
                    return self.bad(pos, msg, self.place(Some(self.ev_index)), self.ev_byte);
                }
                self.trace_events
                    .push((s, t, self.ev_resource, self.ev_start));
                return Ok(());
            }
            (None, _) => (
                self.state_key,
                format!("an event without the attribute {:?}", self.state_key),
            ),
            (Some(_), None) => (
                "time:timestamp",
                "an event without time:timestamp".to_owned(),
            ),
        };
        let pos = self.pos().in_column(what.0);
        let msg = format!(
            "{} {}",
            what.1,
            at(at_byte, &self.trace_id, Some(self.ev_index))
        );
        self.bad(pos, msg, self.place(Some(self.ev_index)), self.ev_byte)
    }

    /// The state joined from the event's `state_parts` (interned), or the part at fault
    /// and what is wrong with it.
    fn joined_state(&mut self) -> std::result::Result<Option<u32>, (&'a str, String)> {
        self.joined.clear();
        for (&name, (seen, value)) in self.state_parts.iter().zip(&self.ev_parts) {
            match (seen, value.as_str()) {
                (false, _) => {
                    return Err((
                        name,
                        format!(
                            "an event without the attribute {name:?} (the state is {:?})",
                            self.state_key
                        ),
                    ));
                }
                (true, "") => return Err((name, format!("an empty state attribute {name:?}"))),
                (true, v) => {
                    if !self.joined.is_empty() {
                        self.joined.push(' ');
                    }
                    self.joined.push_str(v);
                }
            }
        }
        Ok(self.b.state_index(self.joined.as_bytes()))
    }

    /// The end of a trace: its events and attributes go to its item.
    fn close_trace(&mut self, at_byte: u64) -> Result<()> {
        self.in_trace = false;
        let item = self
            .trace_id
            .take()
            .filter(|t| !t.is_empty())
            .and_then(|id| self.b.item_index(id.as_bytes()));
        let Some(item) = item else {
            let msg = format!(
                "trace {} has no concept:name: its {} not used ({})",
                self.traces,
                crate::stats::plural(self.trace_events.len() as u64, "event is", "events are"),
                at(at_byte, &None, None)
            );
            let pos = self.pos().in_column("concept:name");
            return self.reject_trace_events(&pos, &msg, &format!("trace {}", self.traces));
        };
        if self.trace_events.iter().any(|e| e.3.is_some()) {
            // An interval log: each event is the work from its start to its instant (an
            // event without a start, an instant of work).
            self.intervals.extend(
                self.trace_events
                    .iter()
                    .map(|&(state, t, resource, start)| Interval {
                        item,
                        state,
                        start: start.unwrap_or(t),
                        end: Some(t),
                        line: 0,
                        resource,
                    }),
            );
        } else {
            for &(s, t, r, _) in &self.trace_events {
                self.b.push_ids(item, s, t, 0);
                if let Some(r) = r {
                    self.b.set_last_resource(r);
                }
            }
        }
        for (a, v) in &self.trace_attrs {
            self.b.set_attribute_ids(*a, item, v.as_bytes());
        }
        // An interval gives at most two events.
        let n = self.b.len() as u64 + 2 * self.intervals.len() as u64;
        if fits(n, self.budget) {
            Ok(())
        } else {
            Err(over_budget(self.pos(), n, false, self.budget))
        }
    }

    /// Each event read of the open trace is a rejected row (or the first is an error).
    /// (`place`: the trace in words).
    fn reject_trace_events(&mut self, pos: &Position, msg: &str, place: &str) -> Result<()> {
        for _ in 0..self.trace_events.len() {
            self.bad(
                pos.clone(),
                msg.to_owned(),
                place.to_owned(),
                self.trace_byte,
            )?;
        }
        self.trace_events.clear();
        Ok(())
    }

    /// The document ends at byte `at_byte` with elements still open (`tag` says where
    /// else it ends, if anywhere: an unfinished tag, an incomplete gzip stream): an error,
    /// or the events of the trace it ends in are rejected and the ledger warns that the
    /// input was cut short.
    #[cold]
    fn cut_short(&mut self, at_byte: u64, tag: &str) -> Result<()> {
        let (msg, pos) = if self.in_trace {
            let (what, expected) = if self.in_event {
                (format!("event {} of", self.ev_index), "</event></trace>")
            } else {
                (String::new(), "</trace>")
            };
            let trace = match &self.trace_id {
                Some(id) => format!("trace {id:?}"),
                None => format!("trace {} (not yet named)", self.traces),
            };
            let what = format!("{what} {trace}");
            (
                format!(
                    "the document ends inside {} at byte {at_byte}{tag}: expected {expected}; the file is cut short and the trace's events are not used",
                    what.trim_start()
                ),
                self.pos().in_column("trace"),
            )
        } else {
            (
                format!(
                    "the document ends at byte {at_byte}{tag} before its elements are closed (expected </log>): the file is cut short and what followed is missing"
                ),
                self.pos(),
            )
        };
        if self.bad_rows == BadRows::Error {
            return Err(Error::value(pos, msg));
        }
        if self.in_event {
            self.b.stats.rows += 1;
            let place = self.place(Some(self.ev_index));
            self.bad(pos.clone(), msg.clone(), place, self.ev_byte)?;
        }
        if self.in_trace {
            let place = self.place(None);
            self.reject_trace_events(&pos, &msg, &place)?;
        }
        self.b.stats.warnings.push(Warning {
            kind: WarningKind::TruncatedInput,
            count: 1,
            items: 0,
            examples: Vec::new(),
        });
        Ok(())
    }

    /// A row that cannot be used (at `place`, in words; its element starts at byte
    /// `at_byte`): an error, or a rejection recorded in the ledger.
    fn bad(&mut self, pos: Position, message: String, place: String, at_byte: u64) -> Result<()> {
        if self.bad_rows == BadRows::Error {
            Err(Error::value(pos, message))
        } else {
            self.rejected_at.push(at_byte);
            self.rejected.push(RejectedRow {
                line: 0,
                place: Some(place),
                column: pos.column,
                value: pos.value,
                reason: message,
            });
            Ok(())
        }
    }

    /// The log read, and the byte at which the element of each rejected row starts.
    fn finish(mut self) -> Result<(EventLog, Vec<u64>)> {
        if self.b.stats.rows == 0 {
            return Err(Error::Empty {
                pos: Box::new(self.pos()),
                message: "the XES log has no events".to_owned(),
            });
        }
        self.b.stats.rejected = self.rejected;
        if !self.intervals.is_empty() {
            let kept = std::mem::take(&mut self.b.stats.warnings);
            let intervals = std::mem::take(&mut self.intervals);
            emit_intervals(
                &mut self.b,
                intervals,
                self.queue_suffix,
                self.end_state,
                WarningTally::default(),
            );
            self.b.stats.warnings.extend(kept);
        }
        Ok((self.b.build(), self.rejected_at))
    }
}

/// Where in the document: a byte offset (XES has no lines to speak of) and the trace and
/// event when known.
fn at(xml_pos: u64, trace: &Option<String>, event: Option<u64>) -> String {
    let mut s = format!("at byte {xml_pos}");
    match (trace, event) {
        (Some(t), Some(e)) => s.push_str(&format!(" (trace {t:?}, event {e})")),
        (Some(t), None) => s.push_str(&format!(" (trace {t:?})")),
        (None, Some(e)) => s.push_str(&format!(
            " (event {e} of a trace whose name is not yet read)"
        )),
        (None, None) => {}
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_with_more_events_than_an_item_may_have_is_an_error() {
        let event = r#"<event><string key="concept:name" value="A"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event>"#;
        let doc = |n: usize| {
            format!(
                r#"<log><trace><string key="concept:name" value="T"/>{}</trace></log>"#,
                event.repeat(n)
            )
        };
        let settings = Settings::default();
        let read = |n: usize| {
            let mut p = Parser::new(Some("t.xes"), &settings);
            p.max_events = 5;
            parse(doc(n).as_bytes(), p)
        };
        assert_eq!(read(5).unwrap().0.len(), 5);
        let m = read(6).unwrap_err().to_string();
        assert!(m.contains("more than 5 events"), "{m}");
        assert!(m.contains("t.xes") && m.contains("trace \"T\""), "{m}");
    }

    #[test]
    fn attribute_text_is_read_with_either_quote_and_escapes() {
        let a = key_value(r#" key="concept:name"  value = 'A &amp; B' extra="x""#).unwrap();
        assert_eq!(
            (a.key.as_ref(), a.value.as_ref()),
            ("concept:name", "A & B")
        );
        let a = key_value(r#"value="v>w" key="k""#).unwrap();
        assert_eq!((a.key.as_ref(), a.value.as_ref()), ("k", "v>w"));
        assert!(
            key_value(r#"key="k" value"#)
                .unwrap_err()
                .contains("no value")
        );
        assert!(key_value(r"key=k").unwrap_err().contains("not quoted"));
        assert!(key_value(r#"key="k"#).unwrap_err().contains("not closed"));
        assert!(key_value(r#"key="&bogus;""#).is_err());
        let a = key_value(r#"key="k" value="v""#).unwrap();
        assert_eq!((a.key.as_ref(), a.value.as_ref()), ("k", "v"));
        let a = key_value(r#"key="k" value="v" id="3""#).unwrap();
        assert_eq!((a.key.as_ref(), a.value.as_ref()), ("k", "v"));
        let a = key_value(r#"key="k" value="a &lt; b""#).unwrap();
        assert_eq!(a.value.as_ref(), "a < b");
        let empty = key_value("").unwrap();
        assert_eq!((empty.key.as_ref(), empty.value.as_ref()), ("", ""));
    }
}
