//! A self-contained HTML page: the text report and its charts, for sharing.

use std::io;

use super::svg::{escape, write_cfd_svg, write_cycle_time_svg, write_forecast_svg, write_out};
use crate::error::Result;
use crate::forecast::{ForecastOptions, Question, forecast};
use crate::metrics::Metrics;
use crate::metrics::Report;

/// Writes the report of `metrics` as one HTML page with nothing to fetch: the report as
/// `Display` renders it, then the cumulative flow diagram and (when some item was done)
/// the cycle-time scatterplot, inline; without an item done, a sentence instead of the
/// scatterplot. Last, when the log allows one, the forecast of how many items the next 14
/// days deliver ([`crate::forecast`] with its default options, from the whole log) with
/// its distribution ([`write_forecast_svg`]) and how it held up on the log's past.
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
/// // The CFD, the scatterplot and the forecast of the next 14 days.
/// assert_eq!(page.matches("<svg").count(), 3);
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
    let title = format!(
        "Flow report of {}",
        report.data_quality.source.as_deref().unwrap_or("the log")
    );
    let mut cfd = Vec::new();
    write_cfd_svg(&report.daily, &mut cfd)?;
    let mut scatter = Vec::new();
    if report.items.done > 0 {
        write_cycle_time_svg(metrics, &mut scatter)?;
    }
    let forecast_html = forecast_section(metrics)?;
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>body{{font-family:sans-serif;margin:2em;max-width:75em}}\
         pre{{font-size:13px;line-height:1.35;overflow-x:auto}}\
         figure{{margin:1.5em 0}}</style>\n</head>\n<body>\n<h1>{}</h1>\n\
         <pre class=\"report\">{}</pre>\n<figure class=\"cfd\">\n{}</figure>\n{}{forecast_html}</body>\n</html>\n",
        escape(&title),
        escape(&title),
        escape(&report.to_string()),
        String::from_utf8_lossy(&cfd),
        if scatter.is_empty() {
            "<p class=\"cycle-time\">No cycle-time scatterplot: no item was done in the window.</p>\n"
                .to_owned()
        } else {
            format!(
                "<figure class=\"cycle-time\">\n{}</figure>\n",
                String::from_utf8_lossy(&scatter)
            )
        }
    );
    write_out(w, &page)
}

/// The forecast of the next 14 days and its chart, or a sentence saying why there is none.
fn forecast_section(metrics: &Metrics<'_>) -> Result<String> {
    let question = Question::HowMany { days: 14 };
    let f = match forecast(metrics.timelines(), question, &ForecastOptions::new()) {
        Ok(f) => f,
        Err(e) => {
            return Ok(format!(
                "<p class=\"forecast\">No forecast: {}.</p>\n",
                escape(&e.to_string())
            ));
        }
    };
    let mut svg = Vec::new();
    write_forecast_svg(&f, &mut svg)?;
    let mut text = format!(
        "<h2>Forecast</h2>\n<p class=\"forecast\">From {} days of throughput ({} to {}, {:.2} items a day), {} trials: ",
        f.history.days, f.history.first_day, f.history.last_day, f.history.per_day_mean, f.trials
    );
    let answers: Vec<String> = f
        .answers
        .iter()
        .map(|a| {
            format!(
                "at least {} items in the next 14 days with {:.0}% confidence",
                a.items.unwrap_or(0),
                a.confidence * 100.0
            )
        })
        .collect();
    text.push_str(&escape(&answers.join("; ")));
    text.push_str(".</p>\n<p class=\"calibration\">");
    text.push_str(&escape(&f.calibration.as_ref().map_or_else(
        || "Not checked on this log's past: it is too short for 10 past forecasts, so its calibration is unknown.".to_owned(),
        |c| format!("Checked on this log's past (every {} days): {}.", c.every_days, c.verdict.trim_start_matches("on this log, ")),
    )));
    text.push_str("</p>\n");
    for w in &f.warnings {
        text.push_str(&format!("<p class=\"warning\">Note: {}</p>\n", escape(w)));
    }
    text.push_str(&format!(
        "<figure class=\"forecast\">\n{}</figure>\n",
        String::from_utf8_lossy(&svg)
    ));
    Ok(text)
}
