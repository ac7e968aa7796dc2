//! A self-contained HTML page: the text report and both charts, for sharing.

use std::io;

use super::svg::{escape, write_cfd_svg, write_cycle_time_svg, write_out};
use crate::error::Result;
use crate::metrics::Metrics;
use crate::metrics::Report;

/// Writes the report of `metrics` as one HTML page with nothing to fetch: the report as
/// `Display` renders it, then the cumulative flow diagram and (when some item was done)
/// the cycle-time scatterplot, inline; without an item done, a sentence instead of the
/// scatterplot.
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
/// assert_eq!(page.matches("<svg").count(), 2); // the CFD and the scatterplot
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
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>body{{font-family:sans-serif;margin:2em;max-width:75em}}\
         pre{{font-size:13px;line-height:1.35;overflow-x:auto}}\
         figure{{margin:1.5em 0}}</style>\n</head>\n<body>\n<h1>{}</h1>\n\
         <pre class=\"report\">{}</pre>\n<figure class=\"cfd\">\n{}</figure>\n{}</body>\n</html>\n",
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
