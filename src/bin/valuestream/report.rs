//! `valuestream report`: the flow metrics, the stage table, the bottleneck.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;
use valuestream::{
    ClassOptions, Classes, CycleTimeChart, GroupedReport, HtmlOptions, Metrics, MetricsOptions,
    Parents, Report, Sle, Workflow, parse_instant, parse_offset, write_cfd_svg,
    write_class_items_csv, write_classes_csv, write_cycle_time_svg_with, write_groups_csv,
    write_html_report_with, write_items_csv, write_parents_csv, write_series_csv, write_stages_csv,
};

use crate::Failure;
use crate::guessed::WorkflowUsed;
use crate::input::{InputArgs, where_filters};
use crate::output::{print, print_json};

/// Arguments of `report`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Start of the window: items done before it are left out; rates and averages are
    /// taken from it [default: the earliest event].
    #[arg(long, value_name = "T")]
    since: Option<String>,
    /// End of the window: events after it are ignored [default: the observation end].
    #[arg(long, value_name = "T")]
    until: Option<String>,
    /// Keep only items whose attribute KEY is VALUE (repeatable; the column is read as an
    /// attribute).
    #[arg(long = "where", value_name = "KEY=VALUE")]
    filters: Vec<String>,
    /// One table of the headline figures per value of the item attribute ATTR (the column
    /// is read as an attribute), items without it as (none), plus the whole; with --json
    /// its JSON (keys documented on valuestream::GroupedReport), with --csv-dir groups.csv.
    #[arg(long, value_name = "ATTR", conflicts_with_all = ["svg", "html"])]
    by: Option<String>,
    /// Roll the items up by the item attribute ATTR (an epic, a parent key; the column is
    /// read as an attribute): one row per parent with its children, done and open, its
    /// first child's start, its last child's done and its lead and cycle time; with --json
    /// its JSON (keys documented on valuestream::Parents), with --csv-dir parents.csv. To
    /// forecast the rest of one parent: forecast LOG --where ATTR=KEY --open (its children
    /// in progress) or --items N (N: its open children).
    #[arg(long, value_name = "ATTR", conflicts_with_all = ["svg", "html", "by"])]
    parent: Option<String>,
    /// Print JSON (keys documented on valuestream::Report; with "workflow": {"source",
    /// "preset", "toml", "warnings"} when the workflow was not given).
    #[arg(long, conflicts_with = "csv_dir")]
    json: bool,
    /// Write items.csv (cycle time data layout), daily.csv, weekly.csv and stages.csv into
    /// DIR (created if missing) instead of printing the report.
    #[arg(long, value_name = "DIR")]
    csv_dir: Option<PathBuf>,
    /// Also draw cfd.svg (the cumulative flow diagram) and cycle_time.svg (the cycle-time
    /// scatterplot with its 50th, 85th and 95th percentiles) into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    svg: Option<PathBuf>,
    /// Also write the report as one HTML page to share: a summary, then every chart with a
    /// sentence reading it, and the forecast of the next 14 days.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Draw the cycle-time scatterplot (of --svg and --html) on a log scale of days.
    #[arg(long)]
    log_scale: bool,
    /// With classes of service (--class-by ATTR, or the [classes] of the workflow file): a
    /// service-level expectation, PERCENT:DAYS (85:10, "85% within 10 days") for every
    /// class, or CLASS=PERCENT:DAYS for one (repeatable; before the workflow file's)
    /// [default: the class's cycle-time p85].
    #[arg(long, value_name = "[CLASS=]P:D")]
    sle: Vec<String>,
    /// With classes of service: an item in progress is stalled after DAYS in one stage
    /// [default: its class's cycle-time p50, at least 1 day].
    #[arg(long, value_name = "DAYS")]
    stalled_after: Option<f64>,
}

/// Runs `report`.
pub fn run(args: &Args) -> Result<(), Failure> {
    let mut input = args.input.clone();
    let filters = where_filters(&args.filters, &mut input)?;
    let offset = parse_offset(input.offset.as_deref().unwrap_or("Z"))?;
    let mut opts = MetricsOptions::new().day_offset(offset);
    if let Some(t) = &args.since {
        opts = opts.since(parse_instant(t, offset)?);
    }
    if let Some(t) = &args.until {
        opts = opts.until(parse_instant(t, offset)?);
    }
    for (k, v) in filters {
        opts = opts.attribute(k, v);
    }
    if (args.by.is_some() || args.parent.is_some())
        && (input.class_by.is_some() || !args.sle.is_empty() || args.stalled_after.is_some())
    {
        return Err(Failure::input(
            "--class-by, --sle and --stalled-after add classes of service to the report; \
             they do not combine with --by or --parent",
        ));
    }
    if let Some(result) = roll_up(args, &mut input, &opts) {
        return result;
    }
    let (timelines, source) = input.timelines_from()?;
    let class_opts = class_options(args, input.class_by.as_deref(), timelines.workflow())?;
    let (metrics, report, classes) = crate::progress::during("measuring", || {
        let metrics = Metrics::new(&timelines, &opts)?;
        let report = metrics.report()?;
        let classes = match &class_opts {
            Some(c) => Some(Classes::new(&timelines, &opts, c)?),
            None => None,
        };
        Ok::<_, valuestream::Error>((metrics, report, classes))
    })?;
    if let Some(dir) = &args.svg {
        create_dir(dir)?;
        let mut written = vec![write_file(&dir.join("cfd.svg"), |w| {
            write_cfd_svg(&report.daily, w)
        })?];
        if report.items.done > 0 {
            written.push(write_file(&dir.join("cycle_time.svg"), |w| {
                write_cycle_time_svg_with(
                    &metrics,
                    &CycleTimeChart::new().log_scale(args.log_scale),
                    w,
                )
            })?);
        }
        eprintln!("valuestream: note: wrote {}", written.join(", "));
        if report.items.done == 0 {
            eprintln!(
                "valuestream: note: no cycle_time.svg: no item was done in the window, so there is no cycle time to plot"
            );
        }
    }
    let used = WorkflowUsed::of(source, timelines.workflow(), Some(&report));
    if let Some(path) = &args.html {
        let mut options = HtmlOptions::new().log_scale(args.log_scale);
        if let Some(u) = &used {
            options = options.workflow_origin(u.origin());
        }
        if let Some(c) = &classes {
            options = options.classes(c.clone());
        }
        let written = write_file(path, |w| {
            write_html_report_with(&report, &metrics, &options, w)
        })?;
        eprintln!("valuestream: note: wrote {written}");
    }
    let result = if args.json {
        print_json(&Out {
            report: &report,
            classes: classes.as_ref(),
            workflow: used,
        })
    } else if let Some(dir) = &args.csv_dir {
        let written = write_csv_dir(dir, &metrics, &report, classes.as_ref())?;
        let mut text = format!("wrote {}\n", written.join(", "));
        if let Some(u) = &used {
            text.push_str(&u.text());
        }
        print(&text)
    } else {
        let mut text = report.to_string();
        if let Some(c) = &classes {
            text.push_str(&c.to_string());
        }
        if let Some(u) = &used {
            text.push_str(&u.text());
        }
        print(&text)
    };
    // The process ends here: leave the large structures to the operating system rather
    // than free millions of small allocations one by one.
    std::mem::forget(report);
    std::mem::forget(metrics);
    std::mem::forget(timelines);
    result
}

/// The tables of `--csv-dir DIR`: items, daily, weekly, stages, and with classes of
/// service classes and class_items; the files written.
fn write_csv_dir(
    dir: &Path,
    metrics: &Metrics<'_>,
    report: &Report,
    classes: Option<&Classes>,
) -> Result<Vec<String>, Failure> {
    create_dir(dir)?;
    let mut written = vec![
        write_file(&dir.join("items.csv"), |w| write_items_csv(metrics, w))?,
        write_file(&dir.join("daily.csv"), |w| {
            write_series_csv(&report.daily, w)
        })?,
        write_file(&dir.join("weekly.csv"), |w| {
            write_series_csv(&report.daily.weekly(), w)
        })?,
        write_file(&dir.join("stages.csv"), |w| {
            write_stages_csv(&report.stages, w)
        })?,
    ];
    if let Some(c) = classes {
        written.push(write_file(&dir.join("classes.csv"), |w| {
            write_classes_csv(c, w)
        })?);
        written.push(write_file(&dir.join("class_items.csv"), |w| {
            write_class_items_csv(c, w)
        })?);
    }
    Ok(written)
}

/// `report --by ATTR` or `report --parent ATTR`, if asked: the attribute kept in the read,
/// and the table written.
fn roll_up(
    args: &Args,
    input: &mut InputArgs,
    opts: &MetricsOptions,
) -> Option<Result<(), Failure>> {
    let attribute = args.by.as_ref().or(args.parent.as_ref())?;
    if !input.attributes.contains(attribute) {
        input.attributes.push(attribute.clone());
    }
    Some(if args.by.is_some() {
        rolled_up(
            args,
            input,
            opts,
            |tl| GroupedReport::new(tl, opts, attribute),
            "groups.csv",
            write_groups_csv,
        )
    } else {
        rolled_up(
            args,
            input,
            opts,
            |tl| Parents::new(tl, opts, attribute),
            "parents.csv",
            write_parents_csv,
        )
    })
}

/// `report --by ATTR` and `report --parent ATTR`: a table of items rolled up by an
/// attribute (`measure`), as text, JSON or one CSV file (`csv_name`, by `write_csv`), and
/// the workflow used when it was not given (with the warnings of the whole's report).
fn rolled_up<T, W>(
    args: &Args,
    input: &InputArgs,
    opts: &MetricsOptions,
    measure: impl Fn(&valuestream::Timelines) -> valuestream::Result<T>,
    csv_name: &str,
    write_csv: W,
) -> Result<(), Failure>
where
    T: serde::Serialize + std::fmt::Display,
    W: Fn(&T, BufWriter<File>) -> valuestream::Result<()>,
{
    let (timelines, source) = input.timelines_from()?;
    let (table, whole) = crate::progress::during("measuring", || {
        let table = measure(&timelines)?;
        let whole = if source.is_given() {
            None
        } else {
            Some(Report::new(&timelines, opts)?)
        };
        Ok::<_, valuestream::Error>((table, whole))
    })?;
    let used = WorkflowUsed::of(source, timelines.workflow(), whole.as_ref());
    let mut text = if args.json {
        return print_json(&Out {
            report: &table,
            classes: None,
            workflow: used,
        });
    } else if let Some(dir) = &args.csv_dir {
        create_dir(dir)?;
        let written = write_file(&dir.join(csv_name), |w| write_csv(&table, w))?;
        format!("wrote {written}\n")
    } else {
        table.to_string()
    };
    if let Some(u) = &used {
        text.push_str(&u.text());
    }
    print(&text)
}

/// The JSON of `report --json` (and of `--by` and `--parent`): the keys of the report (or
/// of the table), and `workflow` when it was not given.
#[derive(serde::Serialize)]
struct Out<'a, T> {
    #[serde(flatten)]
    report: &'a T,
    /// With classes of service: their figures (keys documented on valuestream::Classes).
    #[serde(skip_serializing_if = "Option::is_none")]
    classes: Option<&'a Classes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workflow: Option<WorkflowUsed>,
}

/// The classes of service asked for: by `--class-by` (the workflow's map when it is by the
/// same attribute) or the workflow's `[classes]`, with `--sle` and `--stalled-after`.
fn class_options(
    args: &Args,
    class_by: Option<&str>,
    workflow: &Workflow,
) -> Result<Option<ClassOptions>, Failure> {
    if let (Some(map), Some(by)) = (workflow.classes(), class_by)
        && map.by != by
    {
        eprintln!(
            "valuestream: note: the workflow's classes of service are by {}; --class-by {by} makes one class per value of {by}",
            map.by
        );
    }
    let Some(mut opts) = ClassOptions::for_workflow(workflow, class_by) else {
        if !args.sle.is_empty() || args.stalled_after.is_some() {
            return Err(Failure::input(
                "--sle and --stalled-after need classes of service: give --class-by ATTR, or \
                 declare [classes] in the workflow file",
            ));
        }
        return Ok(None);
    };
    for spec in &args.sle {
        opts = match spec.rsplit_once('=') {
            Some((class, sle)) => opts.class_sle(class.trim(), sle.parse::<Sle>()?),
            None => opts.sle(spec.parse::<Sle>()?),
        };
    }
    if let Some(days) = args.stalled_after {
        opts = opts.stalled_after(days)?;
    }
    Ok(Some(opts))
}

/// Creates `dir` and the folders above it if missing.
fn create_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::other(format!("cannot create {}: {e}", dir.display())))
}

/// Writes the file at `path` with `write`, and says which it was.
pub fn write_file(
    path: &Path,
    write: impl FnOnce(BufWriter<File>) -> valuestream::Result<()>,
) -> Result<String, Failure> {
    let file = File::create(path)
        .map_err(|e| Failure::other(format!("cannot create {}: {e}", path.display())))?;
    write(BufWriter::new(file)).map_err(|e| Failure::writing(path, e))?;
    Ok(path.display().to_string())
}
