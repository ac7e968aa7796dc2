//! Reading event logs: the event log itself, the readers of every layout and preset, format
//! detection and the data-quality ledger.
//!
//! This file only declares the parts and says what the rest of the crate sees of them.

mod event_log;
mod intern;
mod jira;
mod preset;
pub(crate) mod quality;
mod reader;
#[cfg(feature = "xes")]
mod xes;

pub(crate) use event_log::Attributes;
pub use event_log::{Event, EventLog, EventLogBuilder};
pub(crate) use intern::Names;
pub use preset::{Detected, ImportOptions, Preset};
pub use quality::{DataQuality, DroppedState, RejectedRow, Warning, WarningKind};
pub use reader::{BadRows, Format, LogReader, LogReaderBuilder};
pub(crate) use reader::{ends_with_lf, record_line};
