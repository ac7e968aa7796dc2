//! XES (IEEE 1849) event logs, plain or gzipped, read streaming (feature `xes`).
//!
//! A trace is an item (its `concept:name` is the id); each event is one state entry: the
//! event attribute named by the state option (default `concept:name`) is the state, or with
//! an option `a+b` (and no attribute of that name) the values of `a` and `b` joined by a
//! space; its `time:timestamp` is the instant. Defaults in `<global>` and attributes nested inside
//! attributes (meta-attributes, lists, containers) are not read.
//!
//! An interval log (as PM4Py writes one): an event with a `start_timestamp` is the work of its
//! state from that instant to its `time:timestamp`, and the events of its trace are read as
//! the intervals layout reads rows (the wait before an interval is `<state> queue`, the end of
//! the last one `Done`), so the XES and the CSV of one interval log give the same log. A
//! `start_timestamp` after the event's `time:timestamp` is a bad row.
//!
//! Every `<event>` is a row of the ledger: an event, or a rejected row. A document that ends
//! before its elements are closed (cut short) is an error naming the byte and the end tag
//! expected; skipping bad rows, the events of the trace it ends in are rejected and the
//! ledger warns `truncated_input`. A trace inside a trace, an event inside an event or
//! outside any trace is an error too, or its events are rejected.

use super::spec::{Sniff, Spec};
#[cfg(not(feature = "xes"))]
use crate::error::Error;
use crate::error::Result;
use crate::log::event_log::EventLog;
use crate::log::input::Input;
use crate::log::settings::Settings;

#[cfg(feature = "xes")]
mod parse;

pub(super) const SPEC: Spec = Spec {
    name: "xes",
    columns: "<log><trace><string key=\"concept:name\"/><event><string key=\"concept:name\"/><date key=\"time:timestamp\"/> [<date key=\"start_timestamp\"/>]</event></trace></log> (XES, optionally gzipped; with start_timestamp, an interval log)",
    how_to_export: "export the event log as XES from ProM, Disco, Celonis, PM4Py …",
    workflow_note: "inferred from the log: one stage per activity, ordered by its typical position in the traces; end activities (and Done, Closed, Resolved) are done, <X> queue waits, the rest active",
    recognise,
    read,
};

fn recognise(s: &Sniff) -> Option<&'static str> {
    if s.gzip {
        return Some("gzip-compressed (XES.gz)");
    }
    (s.first == Some(b'<')).then_some("an XML document")
}

fn read(input: Input<'_>, settings: &Settings) -> Result<EventLog> {
    #[cfg(feature = "xes")]
    {
        parse::read(input, settings)
    }
    #[cfg(not(feature = "xes"))]
    {
        let _ = (input, settings);
        Err(Error::InvalidArgument(
            "reading XES needs the crate feature `xes`".to_owned(),
        ))
    }
}

/// Reads an XES document, plain or gzipped, from a stream (read once, as it comes).
pub(crate) fn read_stream(rdr: impl std::io::Read, settings: &Settings) -> Result<EventLog> {
    #[cfg(feature = "xes")]
    {
        let input = std::io::BufReader::with_capacity(1 << 16, rdr);
        parse::read_buffered(input, settings.name.as_deref(), settings)
    }
    #[cfg(not(feature = "xes"))]
    {
        let _ = (rdr, settings);
        Err(Error::InvalidArgument(
            "reading XES needs the crate feature `xes`".to_owned(),
        ))
    }
}
