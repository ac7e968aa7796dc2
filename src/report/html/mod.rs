//! A self-contained HTML page of the report, for sharing: a summary, then one section
//! per chart, each with a sentence reading it.

use std::io;

pub(super) mod page;
mod readings;
mod summary;

use self::page::{POLICY, STYLE};
use super::charts::{
    aging_wip_reading, cycle_time_histogram_reading, stage_time_reading, throughput_reading,
    wip_reading, write_aging_wip_svg, write_cycle_time_histogram_svg, write_stage_time_svg,
    write_throughput_svg, write_wip_svg,
};
use super::svg::{
    CycleTimeChart, escape, write_cfd_svg, write_cycle_time_svg_with, write_forecast_svg, write_out,
};
use crate::error::Result;
use crate::forecast::{ForecastOptions, Question, forecast};
use crate::metrics::Report;
use crate::metrics::{Classes, Metrics};
use crate::workflow::StageKind;

/// Writes the report of `metrics` as one HTML page a team can share: a single file with
/// nothing to fetch (its content security policy forbids it) and no script, readable on a
/// laptop, in light and dark colour schemes, and printable.
///
/// In order: the summary (what was done and how fast, in sentences from the figures; the
/// lead- and cycle-time percentiles, throughput, WIP and flow efficiency as tables; the
/// bottleneck and why; every warning in words), then one section per chart, each with a
/// sentence reading what it shows on this log: the cumulative flow diagram and the other
/// time charts, the cycle-time scatterplot, the stage table and the bottleneck's evidence,
/// the forecast of how many items the next 14 days deliver ([`crate::forecast`] with its
/// default options, from the whole log) with its distribution ([`write_forecast_svg`]) and
/// how it held up on the log's past, and the data-quality ledger. Without an item done, a
/// sentence replaces the cycle-time charts. The warnings include the signs that the
/// workflow does not look like the work ([`Report::workflow_warnings`]); when it was not
/// given ([`HtmlOptions::workflow_origin`]), the page ends with it as TOML to save and edit.
///
/// When at most 5% of the window's arrivals and completions lie in its first half or more
/// (a log of recent items with a few old ones, say), the time charts start where the
/// data does and the page says so, with the window check's steady window when there is
/// one.
///
/// `report` must be `metrics.report()`; it is passed in so that a caller who has it does
/// not compute it twice.
///
/// # Examples
///
/// ```
/// use valuestream::{write_html_report, LogReader, Metrics, MetricsOptions, Stage, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01\nA,Test,2024-03-03\nA,Done,2024-03-04\n\
///            B,Dev,2024-03-02\nB,Test,2024-03-05\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::new(
///     vec![
///         Stage::new("Dev", StageKind::Active),
///         Stage::new("Test", StageKind::Active),
///         Stage::new("Done", StageKind::Done),
///     ],
///     None,
/// )?;
/// let timelines = Timelines::new(&log, &wf)?;
/// let metrics = Metrics::new(&timelines, &MetricsOptions::new())?;
///
/// let report = metrics.report()?;
/// let mut page = Vec::new();
/// write_html_report(&report, &metrics, &mut page)?;
/// let page = String::from_utf8(page).unwrap();
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// // Cumulative flow, WIP, throughput, the scatterplot, the histogram, aging WIP (B),
/// // time per stage and the forecast of the next 14 days.
/// assert_eq!(page.matches("<svg").count(), 8);
/// assert!(page.contains("<table class=\"headline\">"));
/// // Four days are too few to check the forecast on: the page says so.
/// assert!(page.contains("Not checked on this log"));
/// assert!(!page.contains("<script src")); // nothing to fetch
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// As [`write_cfd_svg`]; [`crate::Error::Write`] if writing fails.
pub fn write_html_report<W: io::Write>(report: &Report, metrics: &Metrics<'_>, w: W) -> Result<()> {
    write_html_report_with(report, metrics, &HtmlOptions::new(), w)
}

/// What [`write_html_report_with`] puts on the page beyond the report.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct HtmlOptions {
    /// Draw the cycle-time scatterplot's axis on a log scale (default: linear).
    pub log_scale: bool,
    /// Add the forecast of the next 14 days and its calibration (default: yes).
    pub forecast: bool,
    /// Where the workflow came from when it was not given ("inferred from the log's
    /// states", "the default of the jira format"): the page then shows it as TOML to save
    /// and edit (default: `None`, a workflow given by the user).
    pub workflow_origin: Option<String>,
    /// Classes of service of the same items and window: the page then has a table of
    /// them (default: `None`, no such table).
    pub classes: Option<Classes>,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            log_scale: false,
            forecast: true,
            workflow_origin: None,
            classes: None,
        }
    }
}

impl HtmlOptions {
    /// The defaults: a linear scatterplot, and the forecast.
    pub fn new() -> HtmlOptions {
        HtmlOptions::default()
    }

    /// Draws the scatterplot's cycle-time axis on a log scale.
    #[must_use]
    pub fn log_scale(mut self, on: bool) -> Self {
        self.log_scale = on;
        self
    }

    /// Says the workflow was not given but `origin` ("inferred from the log's states"):
    /// the page shows it as TOML, under the data-quality ledger.
    #[must_use]
    pub fn workflow_origin(mut self, origin: impl Into<String>) -> Self {
        self.workflow_origin = Some(origin.into());
        self
    }

    /// Adds a table of the classes of service (of the same items and window as the
    /// report), each with its SLE, the share met, its work in progress against it and its
    /// stalled items.
    #[must_use]
    pub fn classes(mut self, classes: Classes) -> Self {
        self.classes = Some(classes);
        self
    }

    /// Adds the forecast section (on by default); off, the page skips its Monte Carlo
    /// trials and their calibration on the log's past.
    #[must_use]
    pub fn forecast(mut self, on: bool) -> Self {
        self.forecast = on;
        self
    }
}

/// As [`write_html_report`], with [`HtmlOptions`].
///
/// # Errors
///
/// As [`write_html_report`].
pub fn write_html_report_with<W: io::Write>(
    report: &Report,
    metrics: &Metrics<'_>,
    options: &HtmlOptions,
    w: W,
) -> Result<()> {
    let source = report.data_quality.source.as_deref().unwrap_or("the log");
    let title = format!("Flow report of {source}");
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <header>\n<h1>{}</h1>\n<p class=\"window\">Window {} to {} ({:.1} days); {} read, {} used. Durations are in days.</p>\n</header>\n",
        escape(&title),
        escape(&title),
        report.window.start.format("%Y-%m-%d %H:%M"),
        report.window.end.format("%Y-%m-%d %H:%M"),
        report.window.days,
        page::noun(report.data_quality.rows, "row", "rows"),
        page::noun(report.data_quality.events, "event", "events"),
    );
    page.push_str(&summary::summary(report, metrics.timelines().workflow()));
    let axis = readings::time_axis(report);
    page.push_str(&flow_sections(report, &axis)?);
    page.push_str(&cycle_time_sections(report, metrics, &axis, options)?);
    page.push_str(&aging_section(report)?);
    page.push_str(&stage_time_section(report)?);
    page.push_str(&summary::stages(report));
    page.push_str(&summary::blocked(report));
    if let Some(c) = &options.classes {
        page.push_str(&summary::classes(c));
    }
    if options.forecast {
        page.push_str(&forecast_section(metrics)?);
    }
    page.push_str(&summary::quality(report));
    if let Some(origin) = &options.workflow_origin {
        page.push_str(&format!(
            "<section id=\"workflow\">\n<h2>Workflow used</h2>\n<p>The workflow was not given: it was {}. Save it as <code>workflow.toml</code>, mark the stages where items wait <code>kind = \"wait\"</code>, and give it with <code>--workflow workflow.toml</code>.</p>\n<pre class=\"workflow\"><code>{}</code></pre>\n</section>\n",
            escape(origin),
            escape(&metrics.timelines().workflow().to_toml())
        ));
    }
    page.push_str(&format!(
        "<footer>Written by valuestream {} from the log's own events; nothing on this page is fetched from elsewhere.</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    ));
    write_out(w, &page)
}

/// The time charts, from where the data starts: cumulative flow, WIP over time and the
/// weekly throughput run chart.
fn flow_sections(report: &Report, axis: &readings::TimeAxis<'_>) -> Result<String> {
    let mut out = String::new();
    if let Some(note) = &axis.note {
        out.push_str(&format!(
            "<p class=\"axis-note\" id=\"axis-note\">{}</p>\n",
            escape(note)
        ));
    }
    let mut cfd = Vec::new();
    write_cfd_svg(&axis.series, &mut cfd)?;
    out.push_str(&page::chart_section(
        "cfd",
        "Cumulative flow",
        &readings::cfd_reading(report, &axis.series),
        &cfd,
    ));
    let mut wip = Vec::new();
    write_wip_svg(&axis.series, &mut wip)?;
    out.push_str(&page::chart_section(
        "wip",
        "Work in progress",
        &wip_reading(&axis.series),
        &wip,
    ));
    let weekly = axis.series.weekly();
    let mut run = Vec::new();
    write_throughput_svg(&weekly, &mut run)?;
    out.push_str(&page::chart_section(
        "throughput",
        "Throughput per week",
        &throughput_reading(&weekly),
        &run,
    ));
    Ok(out)
}

/// The items in progress by stage and age against the cycle-time percentiles, and the
/// oldest of them as a table.
fn aging_section(report: &Report) -> Result<String> {
    let mut svg = Vec::new();
    if !report.aging.is_empty() {
        write_aging_wip_svg(report, &mut svg)?;
    }
    let mut out = page::chart_section(
        "aging",
        "Aging work in progress",
        &aging_wip_reading(report),
        &svg,
    );
    out.insert_str(
        out.len() - "</section>\n".len(),
        &summary::aging_table(report),
    );
    Ok(out)
}

/// Where the time goes, stage by stage (waiting in front of each active stage, and working
/// in it), when any time was spent past the backlog.
fn stage_time_section(report: &Report) -> Result<String> {
    let mut svg = Vec::new();
    let spent = report
        .stages
        .iter()
        .any(|s| s.kind != StageKind::Backlog && s.item_days > 0.0);
    if spent {
        write_stage_time_svg(report, &mut svg)?;
    }
    Ok(page::chart_section(
        "stage-time",
        "Time per stage: waiting and working",
        &stage_time_reading(report),
        &svg,
    ))
}

/// The cycle-time scatterplot (from where the time axis starts, on a log scale if asked)
/// and the histogram, or a sentence when no item was done.
fn cycle_time_sections(
    report: &Report,
    metrics: &Metrics<'_>,
    axis: &readings::TimeAxis<'_>,
    options: &HtmlOptions,
) -> Result<String> {
    let mut scatter = Vec::new();
    let mut histogram = Vec::new();
    if report.items.done > 0 {
        let mut chart = CycleTimeChart::new().log_scale(options.log_scale);
        if let (Some(_), Some(first)) = (&axis.note, axis.series.starts.first()) {
            chart = chart.from(metrics.day_start(*first));
        }
        write_cycle_time_svg_with(metrics, &chart, &mut scatter)?;
        write_cycle_time_histogram_svg(&report.cycle_times, &mut histogram)?;
    }
    let mut out = page::chart_section(
        "cycle-time",
        "Cycle time",
        &readings::scatter_reading(report),
        &scatter,
    );
    if !histogram.is_empty() {
        out.push_str(&page::chart_section(
            "histogram",
            "How long items took",
            &cycle_time_histogram_reading(&report.cycle_times),
            &histogram,
        ));
    }
    Ok(out)
}

/// The forecast of the next 14 days and its chart, or a sentence saying why there is none.
fn forecast_section(metrics: &Metrics<'_>) -> Result<String> {
    let question = Question::HowMany { days: 14 };
    let f = match forecast(metrics.timelines(), question, &ForecastOptions::new()) {
        Ok(f) => f,
        Err(e) => {
            return Ok(format!(
                "<section id=\"forecast\">\n<h2>Forecast</h2>\n<p class=\"forecast\">No forecast: {}.</p>\n</section>\n",
                escape(&e.to_string())
            ));
        }
    };
    let mut svg = Vec::new();
    write_forecast_svg(&f, &mut svg)?;
    let answers: Vec<String> = f
        .answers
        .iter()
        .map(|a| {
            format!(
                "at least {} with {:.0}% confidence",
                page::items(a.items.unwrap_or(0)),
                a.confidence * 100.0
            )
        })
        .collect();
    let reading = format!(
        "How many items the next 14 days deliver, from {} of throughput ({} to {}, {:.2} items a day) in {} trials: {}.",
        page::noun(u64::from(f.history.days), "day", "days"),
        f.history.first_day,
        f.history.last_day,
        f.history.per_day_mean,
        crate::log::quality::count(u64::from(f.trials)),
        answers.join("; ")
    );
    let mut text = page::chart_section("forecast", "Forecast", &reading, &svg);
    let mut extra = format!(
        "<p class=\"calibration\">{}</p>\n",
        escape(&f.calibration.as_ref().map_or_else(
            || "Not checked on this log's past: it is too short for 10 past forecasts, so its calibration is unknown.".to_owned(),
            |c| format!("Checked on this log's past (every {} days): {}.", c.every_days, c.verdict.trim_start_matches("on this log, ")),
        ))
    );
    for w in &f.warnings {
        extra.push_str(&format!("<p class=\"warning\">Note: {}</p>\n", escape(w)));
    }
    text.insert_str(text.len() - "</section>\n".len(), &extra);
    Ok(text)
}
