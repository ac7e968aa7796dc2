//! XES (IEEE 1849) event logs, plain or gzipped, read streaming.
//!
//! A trace is an item (its `concept:name` is the id); each event is one state entry: the
//! event attribute named by the `state` option (default `concept:name`) is the state, its
//! `time:timestamp` the instant. Defaults in `<global>` and attributes nested inside
//! attributes (meta-attributes, lists, containers) are not read.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use quick_xml::events::Event;

use super::preset::ImportOptions;
use super::quality::RejectedRow;
use super::{BadRows, EventLog, EventLogBuilder};
use crate::error::{Error, Position, Result};
use crate::time::{TimeFormat, TimeParser};

/// Reads the XES file at `path` (gzip is recognised by its magic bytes).
pub(crate) fn read(path: &Path, opts: &ImportOptions) -> Result<EventLog> {
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| path.display().to_string());
    let io = |source| Error::Io {
        file: Some(name.clone()),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut input = BufReader::with_capacity(1 << 16, file);
    let gz = input.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    if gz {
        let inner = BufReader::with_capacity(1 << 16, MultiGzDecoder::new(input));
        read_from(inner, &name, opts)
    } else {
        read_from(input, &name, opts)
    }
}

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

fn read_from<R: BufRead>(input: R, name: &str, opts: &ImportOptions) -> Result<EventLog> {
    let mut xml = quick_xml::Reader::from_reader(input);
    // Text between elements is never read: skip whitespace-only text without an event.
    xml.config_mut().trim_text(true);
    let state_key = opts.state.as_deref().unwrap_or("concept:name");
    let mut b = EventLogBuilder::new().source(name.to_owned());
    let keep: Vec<(String, usize)> = opts
        .attributes
        .iter()
        .map(|a| (a.clone(), b.attribute_index(a)))
        .collect();
    let mut tp = TimeParser::new(
        opts.time_format.clone().unwrap_or(TimeFormat::Auto),
        opts.offset,
    );
    let mut rejected: Vec<RejectedRow> = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(4096);

    // Where we are.
    let mut nested = 0u32; // > 0 inside an attribute element's children
    let mut in_global = false;
    let mut in_trace = false;
    let mut in_event = false;
    let mut traces = 0u64;
    // The current trace and event.
    let mut trace_id: Option<String> = None;
    let mut trace_events: Vec<(u32, i64)> = Vec::new();
    let mut trace_attrs: Vec<(usize, String)> = Vec::new();
    let mut ev_state: Option<u32> = None;
    let mut ev_time: Option<i64> = None;
    let mut ev_problem: Option<(Position, String)> = None;
    let mut ev_index = 0u64;

    loop {
        buf.clear();
        let pos_before = xml.buffer_position();
        let ev = xml.read_event_into(&mut buf).map_err(|e| Error::Value {
            pos: Box::new(Position::file(Some(name))),
            message: format!(
                "not a readable XES document at byte {}: {e}",
                xml.error_position()
            ),
        })?;
        match ev {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                if nested > 0 || in_global {
                    if nested > 0 && !empty {
                        nested += 1;
                    }
                    continue;
                }
                let tag = e.local_name().into_inner();
                match tag {
                    "global" if !empty => in_global = true,
                    "trace" if !empty => {
                        in_trace = true;
                        traces += 1;
                        trace_id = None;
                        trace_events.clear();
                        trace_attrs.clear();
                        ev_index = 0;
                    }
                    "event" if in_trace => {
                        in_event = !empty;
                        ev_index += 1;
                        ev_state = None;
                        ev_time = None;
                        ev_problem = None;
                        if empty {
                            b.stats.rows += 1;
                            let pos = Position::file(Some(name)).in_column(state_key);
                            let msg = format!(
                                "an event without attributes {}",
                                at(pos_before, &trace_id, Some(ev_index))
                            );
                            bad(opts, &mut rejected, pos, msg)?;
                        }
                    }
                    t if ATTRIBUTE_TAGS.contains(&t) => {
                        if !empty {
                            nested = 1;
                        }
                        if !in_trace {
                            continue;
                        }
                        let attr = key_value(e.attributes_raw()).map_err(|m| Error::Value {
                            pos: Box::new(Position::file(Some(name))),
                            message: format!(
                                "a malformed attribute {}: {m}",
                                at(pos_before, &trace_id, None)
                            ),
                        })?;
                        if in_event {
                            if attr.key == state_key {
                                let v = attr.value.trim();
                                if v.is_empty() {
                                    ev_problem = Some((
                                        Position::file(Some(name)).in_column(state_key),
                                        format!(
                                            "an empty state {}",
                                            at(pos_before, &trace_id, Some(ev_index))
                                        ),
                                    ));
                                } else {
                                    ev_state = b.state_index(v.as_bytes());
                                }
                            } else if attr.key == "time:timestamp" {
                                let v = attr.value.trim();
                                match tp.parse(v.as_bytes()) {
                                    Ok(t) => ev_time = Some(t),
                                    Err(m) => {
                                        ev_problem = Some((
                                            Position::file(Some(name))
                                                .in_column("time:timestamp")
                                                .with_value(v.as_bytes()),
                                            format!(
                                                "{m} {}",
                                                at(pos_before, &trace_id, Some(ev_index))
                                            ),
                                        ));
                                    }
                                }
                            }
                        } else if attr.key == "concept:name" {
                            trace_id = Some(attr.value.trim().to_owned());
                        }
                        if let Some((_, idx)) = keep.iter().find(|(k, _)| *k == attr.key) {
                            trace_attrs.push((*idx, attr.value.into_owned()));
                        }
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => {
                if nested > 0 {
                    nested -= 1;
                    continue;
                }
                match e.local_name().into_inner() {
                    "global" => in_global = false,
                    "event" if in_event => {
                        in_event = false;
                        b.stats.rows += 1;
                        if let Some((pos, msg)) = ev_problem.take() {
                            bad(opts, &mut rejected, pos, msg)?;
                            continue;
                        }
                        match (ev_state, ev_time) {
                            (Some(s), Some(t)) => trace_events.push((s, t)),
                            (None, _) => {
                                let pos = Position::file(Some(name)).in_column(state_key);
                                let msg = format!(
                                    "an event without the attribute {state_key:?} {}",
                                    at(pos_before, &trace_id, Some(ev_index))
                                );
                                bad(opts, &mut rejected, pos, msg)?;
                            }
                            (Some(_), None) => {
                                let pos = Position::file(Some(name)).in_column("time:timestamp");
                                let msg = format!(
                                    "an event without time:timestamp {}",
                                    at(pos_before, &trace_id, Some(ev_index))
                                );
                                bad(opts, &mut rejected, pos, msg)?;
                            }
                        }
                    }
                    "trace" if in_trace => {
                        in_trace = false;
                        let id = match trace_id.take().filter(|t| !t.is_empty()) {
                            Some(id) => id,
                            None => {
                                if !trace_events.is_empty() {
                                    let pos = Position::file(Some(name)).in_column("concept:name");
                                    let msg = format!(
                                        "trace {traces} has no concept:name: its {} events are not used ({})",
                                        trace_events.len(),
                                        at(pos_before, &None, None)
                                    );
                                    bad(opts, &mut rejected, pos, msg)?;
                                }
                                continue;
                            }
                        };
                        let Some(item) = b.item_index(id.as_bytes()) else {
                            continue;
                        };
                        for &(s, t) in &trace_events {
                            b.push_ids(item, s, t, 0);
                        }
                        for (a, v) in &trace_attrs {
                            b.set_attribute_ids(*a, item, v.as_bytes());
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if b.stats.rows == 0 {
        return Err(Error::Empty {
            pos: Box::new(Position::file(Some(name))),
            message: "the XES log has no events".to_owned(),
        });
    }
    b.stats.rejected = rejected;
    Ok(b.build())
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

fn bad(
    opts: &ImportOptions,
    rejected: &mut Vec<RejectedRow>,
    pos: Position,
    message: String,
) -> Result<()> {
    match opts.bad_rows {
        BadRows::Error => Err(Error::value(pos, message)),
        _ => {
            rejected.push(RejectedRow {
                line: 0,
                column: pos.column,
                value: pos.value,
                reason: message,
            });
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(key_value(r#"key=k"#).unwrap_err().contains("not quoted"));
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
