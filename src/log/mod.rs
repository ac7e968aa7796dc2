//! Reading event logs: the event log itself, the readers of every layout and preset, format
//! detection and the data-quality ledger.
//!
//! This file only declares the parts and says what the rest of the crate sees of them. The
//! parts, each importing only those listed before it:
//!
//! - `budget`: what a file may ask of a reader (record length, events per item, memory);
//! - `quality`: the data-quality ledger; `intern`: interned names;
//! - `event_log`: [`EventLog`] and [`EventLogBuilder`]; `sources`: several files read as
//!   one log, their ids kept apart where they clash ([`SourceLedger`]);
//! - `settings`: what a reader is told (the options behind [`LogReaderBuilder`]);
//! - `input`: a file by path or bytes in memory;
//! - `formats`: one file per layout (`long`, `wide`, `intervals`, with `chunked` and
//!   `layout`) and per preset, and the catalogue of presets ([`Preset`]);
//! - `sample`: the distinct values of each column in a CSV log's first rows;
//! - `format`: [`Format`]; `detect`: [`detect`] and [`Detected`];
//! - `reader`: [`LogReaderBuilder`] and [`LogReader`].

pub(crate) mod budget;
mod detect;
mod event_log;
mod format;
mod formats;
mod input;
mod intern;
pub(crate) mod quality;
mod reader;
mod sample;
mod settings;
mod sources;

pub use budget::{BYTES_PER_EVENT, MAX_EVENTS_PER_ITEM, MAX_RECORD_BYTES, default_memory_budget};
pub use detect::{Detected, detect};
pub(crate) use event_log::Attributes;
pub use event_log::{Event, EventLog, EventLogBuilder};
pub use format::Format;
pub use formats::Preset;
pub(crate) use formats::plain::{ends_with_lf, record_line};
pub(crate) use intern::Names;
pub use quality::{DataQuality, DroppedState, RejectedRow, SourceLedger, Warning, WarningKind};
pub use reader::{LogReader, LogReaderBuilder, OpenLog};
pub(crate) use sample::{ColumnSample, SAMPLE_ROWS};
pub use settings::BadRows;
