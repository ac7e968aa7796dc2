//! The one way every subcommand reads its input: a log file (in any known format), a
//! workflow (given, or the format's default), and how to read them.

use std::path::{Path, PathBuf};

use clap::Args;
use valuestream::{
    BadRows, EventLog, Format, LogReader, TimeFormat, TimelineOptions, Timelines, Workflow,
    default_memory_budget, parse_instant, parse_offset,
};

use crate::Failure;
use crate::guessed::WorkflowSource;

/// The name of standard input (the file `-`) in notes and errors.
const STDIN: &str = "standard input";

/// The options shared by every subcommand that reads an event log.
// Command-line switches are bools by nature; each is independent of the others.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug, Args)]
pub struct InputArgs {
    /// The event log: CSV, Jira JSON (a file, a single issue or a folder of pages), XES or
    /// XES.gz; `-` reads standard input (a pipe or a FIFO is read once, as it comes).
    /// Several files, or a folder of CSV or XES exports, are read as one log in one format,
    /// each item with the attribute `source` (its file); an id found in two files becomes
    /// `<file>:<id>` in each. Several Jira JSON files are pages of one search.
    #[arg(required = true, num_args = 1.., value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The workflow file (TOML): ordered [[stage]] tables with name, kind and states
    /// [default: the format's own workflow, or one guessed from the status names].
    #[arg(long, value_name = "WF.toml")]
    pub workflow: Option<PathBuf>,
    /// The format: auto (recognise it), a preset (see `valuestream formats`), or a plain
    /// layout: long (id, state, timestamp), wide (a date column per stage) or intervals
    /// (id, stage, start, end).
    #[arg(long, default_value = "auto", value_name = "FORMAT")]
    pub format: String,
    /// Column with the item id [default: id; ID for wide]. With --format auto, giving
    /// --id or --time reads the file as a plain long log.
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Column (CSV) or attribute (XES, pm4py) with the state; the stage for intervals
    /// [default: state; stage; concept:name]. Names joined by + make the state from
    /// several, their values joined by a space (concept:name+lifecycle:transition), unless
    /// a column has exactly that name.
    #[arg(long, value_name = "COL")]
    pub state: Option<String>,
    /// Column with the timestamp (long) or start (intervals) [default: timestamp; start].
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// Column with the end of an interval [default: end].
    #[arg(long, value_name = "COL")]
    pub end: Option<String>,
    /// How timestamps are written: auto, iso, epoch-s, epoch-ms, js or a pattern like
    /// %d/%m/%Y [default: auto, or the format's own].
    #[arg(long, value_name = "FMT")]
    pub time_format: Option<String>,
    /// Offset for timestamps written without one, like +01:00 [default: UTC].
    #[arg(long, value_name = "OFFSET")]
    pub offset: Option<String>,
    /// Field delimiter of a plain CSV layout, also where --format auto splits the header
    /// [default: ,].
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,
    /// For Jira's plain CSV export (jira-csv): the resolutions that discard an issue (done
    /// without commitment: counted, in no time metric), separated by commas and compared
    /// ignoring case; "" discards none [default: Won't Do, Won't Fix, Duplicate, Cannot
    /// Reproduce, Incomplete, Declined].
    #[arg(long, value_name = "LIST")]
    pub discard_resolutions: Option<String>,
    /// Keep this column as an item attribute (repeatable).
    #[arg(long = "attribute", value_name = "COL")]
    pub attributes: Vec<String>,
    /// End of observation [default: the latest instant in the log].
    #[arg(long, value_name = "T")]
    pub as_of: Option<String>,
    /// Drop events whose status no stage maps (they are counted) instead of failing.
    #[arg(long)]
    pub drop_unmapped: bool,
    /// An item's first entry into a done stage is final: later events keep it done (they
    /// are counted) instead of reopening it.
    #[arg(long)]
    pub done_is_final: bool,
    /// Skip rows that cannot be read (they are listed) instead of failing.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// When a model is fitted to the log: how work arrives. auto (decided from the log),
    /// rate (at the observed rate) or pull (started whenever someone in the first stage is
    /// free) [default: auto].
    #[arg(long, value_name = "HOW")]
    pub arrivals: Option<String>,
    /// When a model is fitted to the log: which part. steady (the steady window the
    /// window check names; the whole log when it is steady), whole, or a date (the items
    /// committed from then on) [default: steady].
    #[arg(long, value_name = "WINDOW")]
    pub fit_window: Option<String>,
    /// When a model is fitted to the log: what services still open at its end say. km
    /// (Kaplan–Meier: ordinary services not yet finished) or completed (the completed ones
    /// only: the log is an extract of finished items) [default: km].
    #[arg(long, value_name = "HOW")]
    pub censoring: Option<String>,
    /// Classes of work by this item attribute (kept from the column of that name). In
    /// `report`: classes of service, each with its figures, its service-level expectation
    /// (--sle), the share met, its work in progress against it and its stalled items (the
    /// workflow file's [classes] map when it is by the same attribute, otherwise one class
    /// per value). When a model is fitted to the log: each class with its own share,
    /// service times and routing, sharing the stations' servers.
    #[arg(long, value_name = "ATTRIBUTE")]
    pub class_by: Option<String>,
    /// When a model is fitted to the log: classes of work discovered from the items'
    /// paths, by how often an item came back to a stage it had left (0, 1, 2–3, 4–7, …
    /// returns, each range with at least 30 done items), for a log with no attribute that
    /// tells the kinds of work apart. Without it (and without --class-by or --one-class)
    /// the fit discovers them where the done items' loops call for them: the chance of
    /// another visit to a stage rises with the visits so far (p < 0.001)
    #[arg(long, conflicts_with = "class_by")]
    pub class_by_path: bool,
    /// When a model is fitted to the log: one class of work, even where the loops call for
    /// classes from paths
    #[arg(long, conflicts_with_all = ["class_by", "class_by_path"])]
    pub one_class: bool,
    /// Column (CSV) or event attribute (XES, pm4py) naming who did each event, such as
    /// org:resource or an assignee: a fitted model then reports each station's capacity from
    /// the people who worked in it (people per week, their busy time, items held at once)
    /// beside the peak of items at once.
    #[arg(long, value_name = "COL")]
    pub resource: Option<String>,
    /// When a model is fitted to the log: which estimate of a station's servers it uses
    /// where the workflow gives none. peak (the most items in service at once, a lower
    /// bound when the log names no one) or people (people active in a typical week × items
    /// a person holds at once while busy; needs --resource) [default: peak].
    #[arg(long, value_name = "FROM")]
    pub servers_from: Option<String>,
    /// When a model is fitted to the log: an item's later visits to a stage (its second
    /// service there and after) get their own service time and rework probability.
    #[arg(long)]
    pub memory: bool,
    /// When a model is fitted to the log: look for a working calendar (work that stops at
    /// night and at weekends; services are then measured in working time) and a weekly
    /// rhythm of arrivals (auto), or not (none) [default: auto].
    #[arg(long, value_name = "HOW")]
    pub calendar: Option<String>,
    /// When a model is fitted to the log: fit it as the options say, instead of choosing
    /// the treatment of open services and of later visits (and with or without the
    /// classes) by an inner held-out backtest. Giving --censoring or --memory implies it.
    #[arg(long)]
    pub no_select: bool,
    /// Threads: those that read a long-format CSV of 4 MB or more in chunks, and those that
    /// run a simulation's replications [default: the available cores, up to 8 for
    /// reading]. The output does not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<std::num::NonZeroUsize>,
    #[command(flatten)]
    pub budget: BudgetArg,
}

/// Reads `--where KEY=VALUE` filters, and has `input` keep those attributes when it reads
/// the log.
pub fn where_filters(
    filters: &[String],
    input: &mut InputArgs,
) -> Result<Vec<(String, String)>, Failure> {
    let mut out = Vec::with_capacity(filters.len());
    for f in filters {
        let Some((k, v)) = f.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            return Err(Failure::input(format!(
                "--where {f:?} is not KEY=VALUE (for example --where type=Bug)"
            )));
        };
        let k = k.trim().to_owned();
        if !input.attributes.contains(&k) {
            input.attributes.push(k.clone());
        }
        out.push((k, v.to_owned()));
    }
    Ok(out)
}

/// A log read, with the workflow to read it through.
#[derive(Debug)]
pub struct Loaded {
    /// The events.
    pub log: EventLog,
    /// The workflow given with --workflow, or the format's default.
    pub workflow: Workflow,
    /// Where the workflow came from.
    pub source: WorkflowSource,
}

/// `--memory-budget`: what reading a log and running a simulation may take.
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct BudgetArg {
    /// The most memory, in MiB, that the events of a log read (64 bytes an event) and the
    /// replications of a simulation running at once may take: a file or a model that needs
    /// more is refused before it is spent, saying how much it needs [default: half of the
    /// machine's memory, at most half of `ulimit -v`]
    #[arg(long, value_name = "MIB")]
    pub memory_budget: Option<u64>,
}

impl BudgetArg {
    /// The budget in bytes.
    pub fn bytes(self) -> u64 {
        self.memory_budget
            .map_or_else(default_memory_budget, |mib| mib.saturating_mul(1 << 20))
    }
}

impl InputArgs {
    /// `--memory-budget`, in bytes.
    pub fn memory_budget(&self) -> u64 {
        self.budget.bytes()
    }

    /// The threads that read: `--threads`, or every core (0: as many as the machine
    /// offers, up to 8).
    fn read_threads(&self) -> usize {
        self.threads.map_or(0, std::num::NonZeroUsize::get)
    }

    pub fn offset(&self) -> Result<chrono::FixedOffset, Failure> {
        Ok(parse_offset(self.offset.as_deref().unwrap_or("Z"))?)
    }

    /// The reader of the file: the format (`--format`, perhaps auto), its columns and how
    /// to read them.
    fn reader(&self) -> Result<LogReader, Failure> {
        let mut b = LogReader::builder()
            .format(Format::from_name(&self.format)?)
            .offset(self.offset()?)
            .memory_budget(self.memory_budget());
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
        for a in &self.attributes {
            b = b.attribute(a);
        }
        if let Some(r) = &self.resource {
            b = b.resource_column(r);
        }
        if let Some(c) = &self.class_by
            && !self.attributes.contains(c)
        {
            b = b.attribute(c);
        }
        if let Some(f) = &self.time_format {
            b = b.time_format(TimeFormat::from_name(f)?);
        }
        // A preset knows its delimiter; detection splits the header at the one given.
        if let Some(d) = self.delimiter {
            let d = u8::try_from(d).ok().filter(u8::is_ascii).ok_or_else(|| {
                Failure::input(format!("the delimiter {d:?} is not one ASCII character"))
            })?;
            b = b.delimiter(d);
        }
        if self.is_stdin() {
            b = b.name(STDIN);
        }
        if self.skip_bad_rows {
            b = b.bad_rows(BadRows::Skip);
        }
        if let Some(list) = &self.discard_resolutions {
            b = b.discard_resolutions(list.split(',').map(str::trim).filter(|r| !r.is_empty()));
        }
        Ok(b.threads(self.read_threads()).build())
    }

    /// The first (usually the only) file.
    pub fn file(&self) -> &Path {
        self.files.first().map_or(Path::new("-"), PathBuf::as_path)
    }

    /// Whether the file is `-`: standard input.
    fn is_stdin(&self) -> bool {
        self.files.len() == 1 && self.file().as_os_str() == "-"
    }

    /// The files in words, for notes.
    fn files_named(&self) -> String {
        if self.is_stdin() {
            return STDIN.to_owned();
        }
        self.files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The log, read once: from standard input (`-`), a pipe, a FIFO or a file, its format
    /// (with `--format auto`, the one the library recognises, said on stderr), and the
    /// format it was read as.
    fn read_log(&self) -> Result<(EventLog, Format), Failure> {
        let reader = self.reader()?;
        let stdin;
        let open = if self.is_stdin() {
            stdin = std::io::stdin();
            reader.open_reader(stdin.lock())?
        } else if self.files.len() > 1 {
            if self.files.iter().any(|f| f.as_os_str() == "-") {
                return Err(Failure::input(
                    "standard input (-) cannot be read with other files: give it alone",
                ));
            }
            reader.open_paths(&self.files)?
        } else {
            reader.open(self.file())?
        };
        let found = open.detected().clone();
        if reader.format() == Format::Auto {
            let file = self.files_named();
            match found.format {
                Format::Long => {
                    eprintln!(
                        "valuestream: note: reading {file} as a long log ({})",
                        found.reason
                    );
                }
                format => eprintln!(
                    "valuestream: note: reading {file} as {format} ({}); --format overrides",
                    found.reason
                ),
            }
        }
        if let Format::Preset(p) = found.format
            && let Some(limitation) = p.limitation()
        {
            eprintln!("valuestream: note: {limitation}");
        }
        // The spinner starts after the notes, so that none is drawn across it.
        let reading = format!("reading {}", self.files_named());
        let log = crate::progress::during(reading, || open.read())?;
        Ok((log, found.format))
    }

    /// Reads the log and the workflow to read it through.
    pub fn load(&self) -> Result<Loaded, Failure> {
        // The workflow first: a bad workflow file is reported before a long read.
        let given = match &self.workflow {
            Some(p) => Some(Workflow::from_path(p)?),
            None => None,
        };
        // The attribute of the workflow's classes of service is kept too.
        let (log, format) = match given.as_ref().and_then(Workflow::classes) {
            Some(c) if !self.attributes.contains(&c.by) => {
                let mut with = self.clone();
                with.attributes.push(c.by.clone());
                with.read_log()?
            }
            _ => self.read_log()?,
        };
        let (workflow, source) = match (given, format) {
            (Some(w), _) => (w, WorkflowSource::Given),
            // The preset's own workflow.
            (None, Format::Preset(p)) => {
                (Workflow::for_preset(p, &log)?, WorkflowSource::Preset(p))
            }
            (None, _) => {
                let w = Workflow::infer(log.states())?;
                eprintln!(
                    "valuestream: note: no --workflow: guessed one stage per status ({})",
                    w.stages()
                        .iter()
                        .map(|s| format!("{} {}", s.name, s.kind))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                (w, WorkflowSource::Inferred)
            }
        };
        Ok(Loaded {
            log,
            workflow,
            source,
        })
    }

    /// The timeline options.
    pub fn timeline_options(&self) -> Result<TimelineOptions, Failure> {
        let mut opts = TimelineOptions::new()
            .drop_unmapped(self.drop_unmapped)
            .done_is_final(self.done_is_final);
        if let Some(t) = &self.as_of {
            opts = opts.as_of(parse_instant(t, self.offset()?)?);
        }
        Ok(opts)
    }

    /// Reads log and workflow and derives the timelines.
    pub fn timelines(&self) -> Result<Timelines, Failure> {
        Ok(self.timelines_from()?.0)
    }

    /// Reads log and workflow and derives the timelines, and says where the workflow came
    /// from.
    pub fn timelines_from(&self) -> Result<(Timelines, WorkflowSource), Failure> {
        let Loaded {
            log,
            workflow,
            source,
        } = self.load()?;
        let timelines = Timelines::with_options(&log, &workflow, &self.timeline_options()?)?;
        Ok((timelines, source))
    }
}
