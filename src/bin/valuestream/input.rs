//! The one way every subcommand reads its input: a log file, a workflow, and how to read
//! them.

use std::path::PathBuf;

use clap::Args;
use valuestream::{
    BadRows, EventLog, Format, LogReader, TimeFormat, TimelineOptions, Timelines, Workflow,
    parse_instant, parse_offset,
};

use crate::Failure;

/// The options shared by every subcommand that reads an event log.
#[derive(Clone, Debug, Args)]
pub struct InputArgs {
    /// The event log (CSV).
    pub file: PathBuf,
    /// The workflow file (TOML): ordered [[stage]] tables with name, kind and states.
    #[arg(long, value_name = "WF.toml")]
    pub workflow: PathBuf,
    /// Layout of the file: long (id, state, timestamp), wide (one date column per stage) or
    /// intervals (id, stage, start, end).
    #[arg(long, default_value = "long", value_name = "FORMAT")]
    pub format: String,
    /// Column with the item id [default: id; ID for wide].
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Column with the state (long) or stage (intervals) [default: state; stage].
    #[arg(long, value_name = "COL")]
    pub state: Option<String>,
    /// Column with the timestamp (long) or start (intervals) [default: timestamp; start].
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// Column with the end of an interval [default: end].
    #[arg(long, value_name = "COL")]
    pub end: Option<String>,
    /// How timestamps are written: auto, iso, epoch-s, epoch-ms or a pattern like %d/%m/%Y.
    #[arg(long, default_value = "auto", value_name = "FMT")]
    pub time_format: String,
    /// Offset for timestamps written without one, like +01:00 [default: UTC].
    #[arg(long, value_name = "OFFSET")]
    pub offset: Option<String>,
    /// Field delimiter [default: ,].
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,
    /// Keep this column as an item attribute (repeatable).
    #[arg(long = "attribute", value_name = "COL")]
    pub attributes: Vec<String>,
    /// End of observation [default: the latest instant in the log].
    #[arg(long, value_name = "T")]
    pub as_of: Option<String>,
    /// Drop events whose status no stage maps (they are counted) instead of failing.
    #[arg(long)]
    pub drop_unmapped: bool,
    /// Skip rows that cannot be read (they are listed) instead of failing.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

impl InputArgs {
    /// Reads the log.
    pub fn read_log(&self) -> Result<EventLog, Failure> {
        let format = Format::from_name(&self.format)?;
        let mut b = LogReader::builder()
            .format(format)
            .time_format(TimeFormat::from_name(&self.time_format)?);
        if let Some(c) = &self.id {
            b = b.id_column(c);
        }
        if let Some(c) = &self.state {
            b = b.state_column(c);
        }
        if let Some(c) = &self.time {
            b = b.time_column(c);
        }
        if let Some(c) = &self.end {
            b = b.end_column(c);
        }
        if let Some(o) = &self.offset {
            b = b.offset(parse_offset(o)?);
        }
        if let Some(d) = self.delimiter {
            let d = u8::try_from(d).ok().filter(u8::is_ascii).ok_or_else(|| {
                Failure::input(format!("the delimiter {d:?} is not one ASCII character"))
            })?;
            b = b.delimiter(d);
        }
        for a in &self.attributes {
            b = b.attribute(a);
        }
        if self.skip_bad_rows {
            b = b.bad_rows(BadRows::Skip);
        }
        Ok(b.build().read_path(&self.file)?)
    }

    /// Reads the workflow.
    pub fn read_workflow(&self) -> Result<Workflow, Failure> {
        Ok(Workflow::from_path(&self.workflow)?)
    }

    /// The timeline options.
    pub fn timeline_options(&self) -> Result<TimelineOptions, Failure> {
        let mut opts = TimelineOptions::new().drop_unmapped(self.drop_unmapped);
        if let Some(t) = &self.as_of {
            let offset = match &self.offset {
                Some(o) => parse_offset(o)?,
                None => parse_offset("Z")?,
            };
            opts = opts.as_of(parse_instant(t, offset)?);
        }
        Ok(opts)
    }

    /// Reads log and workflow and derives the timelines.
    pub fn timelines(&self) -> Result<Timelines, Failure> {
        let workflow = self.read_workflow()?;
        let log = self.read_log()?;
        Ok(Timelines::with_options(
            &log,
            &workflow,
            &self.timeline_options()?,
        )?)
    }
}
