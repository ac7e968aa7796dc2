//! The flow charts beside the cumulative flow diagram and the scatterplot: aging work in
//! progress, the throughput run chart, the cycle-time histogram, time per stage (a
//! value-stream map of waiting and working), and WIP over time; and for each, the one
//! sentence the HTML page reads it with.
//!
//! They follow `svg.rs`: plain SVG 1.1, every drawn element with a class, a `<title>` and
//! `data-*` attributes carrying the exact figure it draws (numbers in full precision),
//! labels that never overlap (stacked at least [`LABEL_GAP`] pixels apart, or shortened to
//! their slot with the whole text in a `<title>`).

use std::fmt::Write as _;
use std::io;

use super::svg::{
    Frame, HEIGHT, LABEL_GAP, LEFT, PALETTE, RIGHT, TOP, WIDTH, escape, legend_dash, nice_ceiling,
    open, short_number, spread_labels, ticks, write_out, x_axis, y_axis, y_scale,
};
use crate::error::{Error, Result};
use crate::metrics::{Period, Report, Series, StageMetrics};
use crate::stats::Sample;
use crate::workflow::StageKind;

/// The percentiles of the aging chart, with the colour of their lines and of the items
/// older than them (Okabe–Ito yellow, orange, vermillion, then a dark red).
const AGING_LEVELS: [(f64, &str); 4] = [
    (50.0, "#F0E442"),
    (70.0, "#E69F00"),
    (85.0, "#D55E00"),
    (95.0, "#8B0000"),
];
/// The colour of items younger than the median cycle time (Okabe–Ito bluish green).
const YOUNG: &str = "#009E73";
/// The percentiles of the histogram, with their colours.
const HISTOGRAM_LEVELS: [(f64, &str); 3] =
    [(50.0, "#009E73"), (85.0, "#E69F00"), (95.0, "#D55E00")];
/// The most bars of the cycle-time histogram.
const MAX_BINS: f64 = 60.0;
/// Waiting and working in the value-stream map.
const WAIT: &str = "#E69F00";
const WORK: &str = "#0072B2";
/// The radius of an item's dot in the aging chart, and the step between dots side by side.
const DOT_R: f64 = 4.0;
const DOT_STEP: f64 = 9.0;
/// The bottom of the plot area (the x axis).
fn plot_bottom() -> f64 {
    TOP + Frame::plot_h()
}

/// `n` and the noun, singular for 1: "1 item", "3 items".
fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// About the width in pixels of `c` in 12-pixel sans-serif text, erring wide: 7.5 for
/// ASCII, 9.5 for capitals and the widest letters, 12 for any other character.
fn char_width(c: char) -> f64 {
    if !c.is_ascii() {
        12.0
    } else if c.is_ascii_uppercase() || matches!(c, 'm' | 'w' | '@' | '%') {
        9.5
    } else {
        7.5
    }
}

/// `text` shortened (with "…") to at most about `width` pixels of 12-pixel text.
fn fit_label(text: &str, width: f64) -> String {
    if text.chars().map(char_width).sum::<f64>() <= width {
        return text.to_owned();
    }
    let mut used = char_width('…');
    let mut s = String::new();
    for c in text.chars() {
        used += char_width(c);
        if used > width {
            break;
        }
        s.push(c);
    }
    s.push('…');
    s
}

/// A label under the x axis at pixel `x`, shortened to `width` pixels; its `<title>` holds
/// the whole text.
fn slot_label(out: &mut String, x: f64, width: f64, text: &str, bold: bool) {
    let weight = if bold { " font-weight=\"bold\"" } else { "" };
    let _ = writeln!(
        out,
        "<text class=\"slot-label\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\"{weight}>{}<title>{}</title></text>",
        plot_bottom() + 18.0,
        escape(&fit_label(text, width - 4.0)),
        escape(text)
    );
}

/// A sentence in the middle of the plot area, for a chart with nothing to draw.
fn message(out: &mut String, text: &str) {
    let _ = writeln!(
        out,
        "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#444\">{}</text>",
        LEFT + Frame::plot_w() / 2.0,
        TOP + Frame::plot_h() / 2.0,
        escape(text)
    );
}

/// The x axis line alone.
fn axis_line(out: &mut String) {
    let y = plot_bottom();
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#444\"/>",
        LEFT + Frame::plot_w()
    );
}

/// A legend entry in the right margin, in row `k` from the top: a swatch and its text.
fn legend(out: &mut String, k: usize, swatch: &str, text: &str) {
    let x = WIDTH - RIGHT + 16.0;
    let y = TOP + 8.0 + 20.0 * k as f64;
    let _ = writeln!(
        out,
        "<rect class=\"legend\" x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" {swatch}/>\
         <text class=\"legend\" x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
        y - 10.0,
        x + 18.0,
        escape(text)
    );
}

/// Horizontal dashed lines across the plot at each `(level, colour, value)` (pixel y from
/// `y_of`), labelled in the right margin at their heights, pushed apart to at least
/// [`LABEL_GAP`].
fn percentile_rows(out: &mut String, lines: &[(f64, &str, f64)], y_of: impl Fn(f64) -> f64) {
    let wanted: Vec<f64> = lines.iter().map(|l| y_of(l.2) + 4.0).collect();
    let ys = spread_labels(&wanted, LABEL_GAP, TOP + 4.0, plot_bottom() + 4.0);
    for (&(level, colour, p), ly) in lines.iter().zip(ys) {
        let y = y_of(p);
        let _ = writeln!(
            out,
            "<line class=\"percentile\" data-level=\"{level}\" data-value=\"{p}\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.2}\" y2=\"{y:.2}\" stroke=\"{colour}\" stroke-width=\"1.5\" stroke-dasharray=\"6 3\"><title>{level}% of the items done took {p:.2} days or less</title></line>\
             <text class=\"percentile\" data-level=\"{level}\" x=\"{:.1}\" y=\"{ly:.1}\" fill=\"#333\">{level}%: {p:.1} days</text>",
            LEFT + Frame::plot_w(),
            LEFT + Frame::plot_w() + 26.0,
        );
        legend_dash(out, ly, colour);
    }
}

// ---------------------------------------------------------------------------------------
// Aging work in progress
// ---------------------------------------------------------------------------------------

/// The columns of the aging chart: the wait and active stages in workflow order, and any
/// other stage an item in progress is in (moved back to a backlog stage after commitment).
fn aging_columns(report: &Report) -> Vec<&StageMetrics> {
    report
        .stages
        .iter()
        .filter(|s| {
            matches!(s.kind, StageKind::Wait | StageKind::Active)
                || report.aging.iter().any(|a| a.stage == s.name)
        })
        .collect()
}

/// The pixel x of each dot of a column, its pixel ys in ascending order: side by side
/// (from the centre out, `DOT_STEP` apart, within `half` of it) where dots would touch.
fn swarm(ys: &[f64], centre: f64, half: f64) -> Vec<f64> {
    let mut xs: Vec<f64> = Vec::with_capacity(ys.len());
    let slots = ((half - DOT_R) / DOT_STEP).floor().max(0.0) as i32;
    for (i, &y) in ys.iter().enumerate() {
        let near: Vec<f64> = (0..i)
            .rev()
            .take_while(|&j| y - ys[j] < 2.0 * DOT_R + 1.0)
            .map(|j| xs[j])
            .collect();
        let free = (0..=2 * slots)
            .map(|k| {
                let step = f64::from((k + 1) / 2);
                let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
                centre + sign * step * DOT_STEP
            })
            .find(|x| near.iter().all(|nx| (nx - x).abs() >= 2.0 * DOT_R + 1.0));
        xs.push(free.unwrap_or(centre));
    }
    xs
}

/// Writes the aging work in progress as SVG, as ActionableAgile draws it: one column per
/// stage items can be in progress in (the wait and active stages, in workflow order, and
/// any other stage an item in progress was moved back to), each item in progress at the
/// window's end a dot in its stage's column at its age (days since commitment), and dashed
/// lines at the 50th, 70th, 85th and 95th percentiles of the cycle times of the items done
/// in the window (`report.cycle_times`, type 7), so that an item above a line is older than
/// that share of the items done took to finish.
///
/// - each column is a `<rect class="column">` with `data-stage` and `data-items` (the items
///   in progress in it), its stage's name under it (shortened to the column, the whole
///   name in its `<title>`);
/// - each item a `<circle class="item">` with `data-id`, `data-stage`, `data-age` (days) and
///   `data-percentile` (the highest of the four percentiles its age exceeds,
///   [`AgingItem::percentile_passed`](crate::AgingItem), or `none`), coloured by it: green
///   below the median, then the colour of the line it passed; its `<title>` gives the whole
///   id. Items of the same age in a column are set side by side;
/// - each percentile a `<line class="percentile">` with `data-level` (percent) and
///   `data-value` (days), labelled in the right margin (labels at least 14 pixels apart).
///
/// Without items in progress the chart is drawn with its columns and the sentence "No
/// item is in progress at the end of the window." (`<text class="empty">`), not an error,
/// so that a page can show it; without items done it has no percentile lines.
///
/// # Examples
///
/// ```
/// use valuestream::{write_aging_wip_svg, LogReader, MetricsOptions, Report, Stage, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01\nA,Test,2024-03-03\nA,Done,2024-03-04\n\
///            B,Dev,2024-03-02\nB,Test,2024-03-05\n\
///            C,Dev,2024-03-05\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::new(
///     vec![
///         Stage::new("Dev", StageKind::Active),
///         Stage::new("Test", StageKind::Active),
///         Stage::new("Done", StageKind::Done),
///     ],
///     None,
/// )?;
/// let report = Report::new(&Timelines::new(&log, &wf)?, &MetricsOptions::new())?;
/// let mut svg = Vec::new();
/// write_aging_wip_svg(&report, &mut svg)?;
/// let svg = String::from_utf8(svg).unwrap();
/// assert_eq!(svg.matches("<rect class=\"column\"").count(), 2); // Dev, Test
/// // B is 3 days old in Test (the window ends with C's arrival, 5 March).
/// assert!(svg.contains("data-id=\"B\" data-stage=\"Test\" data-age=\"3\""));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_aging_wip_svg<W: io::Write>(report: &Report, w: W) -> Result<()> {
    let columns = aging_columns(report);
    let lines: Vec<(f64, &str, f64)> = AGING_LEVELS
        .iter()
        .filter_map(|&(l, c)| report.cycle_times.percentile(l).map(|p| (l, c, p)))
        .collect();
    let top = report
        .aging
        .iter()
        .map(|a| a.age_days)
        .chain(lines.iter().map(|l| l.2))
        .fold(0.0, f64::max);
    let (y_max, y_step) = y_scale(top);
    let f = Frame {
        x_max: columns.len().max(1) as f64,
        y_max,
        y_step,
    };
    let mut out = String::new();
    open(&mut out, "Aging work in progress");
    y_axis(&mut out, &f, "age (days since commitment)");
    let slot = Frame::plot_w() / f.x_max;
    for (k, st) in columns.iter().enumerate() {
        let items = report.aging.iter().filter(|a| a.stage == st.name).count();
        // A grey veil, every other column darker: visible on a light or a dark background.
        let opacity = if k % 2 == 0 { 0.08 } else { 0.03 };
        let _ = writeln!(
            out,
            "<rect class=\"column\" data-stage=\"{}\" data-items=\"{items}\" x=\"{:.2}\" y=\"{TOP}\" width=\"{slot:.2}\" height=\"{:.2}\" fill=\"#808080\" fill-opacity=\"{opacity}\"><title>{}: {} in progress</title></rect>",
            escape(&st.name),
            f.x(k as f64),
            Frame::plot_h(),
            escape(&st.name),
            count(items as u64, "item")
        );
        slot_label(&mut out, f.x(k as f64 + 0.5), slot, &st.name, false);
    }
    percentile_rows(&mut out, &lines, |v| f.y(v));
    for (k, st) in columns.iter().enumerate() {
        aging_dots(&mut out, report, &f, st, k as f64, slot);
    }
    if report.aging.is_empty() {
        message(&mut out, "No item is in progress at the end of the window.");
    }
    axis_line(&mut out);
    out.push_str("</svg>\n");
    write_out(w, &out)
}

/// The dots of the items in progress in stage `st`, column `k` of width `slot`.
fn aging_dots(out: &mut String, report: &Report, f: &Frame, st: &StageMetrics, k: f64, slot: f64) {
    // Oldest first, so pixel ys ascend.
    let items: Vec<_> = report.aging.iter().filter(|a| a.stage == st.name).collect();
    let ys: Vec<f64> = items.iter().map(|a| f.y(a.age_days)).collect();
    let xs = swarm(&ys, f.x(k + 0.5), slot / 2.0);
    for ((a, x), y) in items.iter().zip(xs).zip(ys) {
        let (passed, colour) = match a.percentile_passed {
            Some(l) => (
                format!("{l}"),
                AGING_LEVELS
                    .iter()
                    .find(|c| c.0 == l)
                    .map_or(YOUNG, |c| c.1),
            ),
            None => ("none".to_owned(), YOUNG),
        };
        let older = a.percentile_passed.map_or(String::new(), |l| {
            format!(", older than {l}% of the items done took")
        });
        let _ = writeln!(
            out,
            "<circle class=\"item\" data-id=\"{}\" data-stage=\"{}\" data-age=\"{}\" data-percentile=\"{passed}\" cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"{DOT_R}\" fill=\"{colour}\" stroke=\"#333\" stroke-width=\"0.75\"><title>{}: {:.1} days in {}{older}</title></circle>",
            escape(&a.id),
            escape(&a.stage),
            a.age_days,
            escape(&a.id),
            a.age_days,
            escape(&a.stage),
        );
    }
}

/// One sentence reading the aging chart: the stage holding the most items in progress,
/// and how many of them are older than 85% of the items done took.
pub(super) fn aging_wip_reading(report: &Report) -> String {
    let n = report.aging.len() as u64;
    if n == 0 {
        return "No item is in progress at the end of the window.".to_owned();
    }
    let p85 = report.cycle_times.percentile(85.0);
    let mut best: Option<(&str, u64)> = None;
    for st in aging_columns(report) {
        let k = report.aging.iter().filter(|a| a.stage == st.name).count() as u64;
        if best.is_none_or(|b| k > b.1) {
            best = Some((&st.name, k));
        }
    }
    let (stage, k) = best.unwrap_or(("", 0));
    let old = p85.map(|p| {
        report
            .aging
            .iter()
            .filter(|a| a.stage == stage && a.age_days > p)
            .count() as u64
    });
    let head = if n == 1 {
        format!("The only item in progress is in {stage}")
    } else if k == n && n == 2 {
        format!("{stage} holds both items in progress")
    } else if k == n {
        format!("{stage} holds all {n} items in progress")
    } else {
        format!("{stage} holds {k} of the {n} items in progress")
    };
    match old {
        None => format!("{head}; no item was done in the window to compare ages with."),
        Some(m) if k == 1 => format!(
            "{head}; it is {}older than 85% of the items done took.",
            if m == 1 { "" } else { "not " }
        ),
        Some(0) => format!("{head}; none of them is older than 85% of the items done took."),
        Some(m) if m == k => format!(
            "{head}; {} older than 85% of the items done took.",
            if k == 2 { "both are" } else { "all are" }
        ),
        Some(m) => format!(
            "{head}; {m} of them {} older than 85% of the items done took.",
            if m == 1 { "is" } else { "are" }
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Throughput
// ---------------------------------------------------------------------------------------

fn period_noun(series: &Series) -> &'static str {
    match series.period {
        Period::Day => "day",
        Period::Week => "week",
    }
}

/// The mean of `values`, 0 for none.
fn mean_of(values: &[u64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<u64>() as f64 / values.len() as f64
    }
}

/// The frame of a chart of one value per period of `series` (`values`, one of its
/// vectors): a slot per period, the y axis up to the largest value. An error naming `what`
/// when the series has no periods.
fn period_frame(series: &Series, values: &[u64], what: &str) -> Result<Frame> {
    let n = series.len();
    if n == 0 || values.len() != n {
        return Err(Error::InvalidArgument(format!(
            "the series has no periods: there is no {what} to draw"
        )));
    }
    let top = values.iter().copied().max().unwrap_or(0);
    let (y_max, y_step) = y_scale(top as f64);
    Ok(Frame {
        x_max: n as f64,
        y_max,
        y_step,
    })
}

/// Writes the throughput run chart as SVG: the items done in each period of `series` (its
/// `departures`, a day or a week each as the series is; a page passes
/// [`Series::weekly`]), one bar per period, and a dashed line at their mean.
///
/// - each period is a `<rect class="bar">` with `data-start` (its first day) and
///   `data-items`, its height proportional to them (periods with none have a bar of no
///   height);
/// - the mean is a `<line class="mean">` with `data-value`: items per period over every
///   period drawn, the first and last too, which may be partial (a window that starts
///   on a Wednesday has a first week of five days).
///
/// # Examples
///
/// ```
/// use valuestream::{write_throughput_svg, LogReader, Metrics, MetricsOptions, Timelines, Workflow};
///
/// // Every event at noon: the days are 1 to 4 March.
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01T12:00:00Z\nA,Done,2024-03-02T12:00:00Z\n\
///            B,Dev,2024-03-01T12:00:00Z\nB,Done,2024-03-02T12:00:00Z\n\
///            C,Dev,2024-03-02T12:00:00Z\nC,Done,2024-03-04T12:00:00Z\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let tl = Timelines::new(&log, &Workflow::infer(log.states())?)?;
/// let daily = Metrics::new(&tl, &MetricsOptions::new())?.daily()?;
/// let mut svg = Vec::new();
/// write_throughput_svg(&daily, &mut svg)?;
/// let svg = String::from_utf8(svg).unwrap();
/// // 1 to 4 March: 0, 2, 0 and 1 items done; 0.75 a day.
/// assert_eq!(svg.matches("<rect class=\"bar\"").count(), 4);
/// assert!(svg.contains("data-start=\"2024-03-02\" data-items=\"2\""));
/// assert!(svg.contains("<line class=\"mean\" data-value=\"0.75\""));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a series with no periods; [`Error::Write`] if writing
/// fails.
pub fn write_throughput_svg<W: io::Write>(series: &Series, w: W) -> Result<()> {
    let n = series.len();
    let f = period_frame(series, &series.departures, "throughput")?;
    let noun = period_noun(series);
    let mut out = String::new();
    open(&mut out, &format!("Throughput: items done per {noun}"));
    y_axis(&mut out, &f, &format!("items done per {noun}"));
    let gap = if Frame::plot_w() / n as f64 > 4.0 {
        1.0
    } else {
        0.0
    };
    for (i, (&d, start)) in series.departures.iter().zip(&series.starts).enumerate() {
        let (x0, x1) = (f.x(i as f64), f.x(i as f64 + 1.0));
        let y = f.y(d as f64);
        let _ = writeln!(
            out,
            "<rect class=\"bar\" data-start=\"{start}\" data-items=\"{d}\" x=\"{x0:.2}\" y=\"{y:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"#56B4E9\"><title>{noun} of {start}: {} done</title></rect>",
            (x1 - x0 - gap).max(0.5),
            (plot_bottom() - y).max(0.0),
            count(d, "item")
        );
    }
    let mean = mean_of(&series.departures);
    let y = f.y(mean);
    let _ = writeln!(
        out,
        "<line class=\"mean\" data-value=\"{mean}\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.2}\" y2=\"{y:.2}\" stroke=\"#D55E00\" stroke-width=\"2\" stroke-dasharray=\"6 3\"><title>mean: {mean:.2} items a {noun}</title></line>\
         <text class=\"mean\" x=\"{:.1}\" y=\"{:.1}\" fill=\"#D55E00\">mean: {mean:.1} a {noun}</text>",
        LEFT + Frame::plot_w(),
        LEFT + Frame::plot_w() + 6.0,
        y + 4.0
    );
    let labels: Vec<(f64, String)> = ticks(n)
        .into_iter()
        .map(|i| (i as f64 + 0.5, series.starts[i].to_string()))
        .collect();
    x_axis(&mut out, &f, &labels);
    out.push_str("</svg>\n");
    write_out(w, &out)
}

/// One sentence reading the throughput chart: the mean per period, over how many, and the
/// busiest.
pub(super) fn throughput_reading(series: &Series) -> String {
    let noun = period_noun(series);
    let n = series.departures.len() as u64;
    let top = series.departures.iter().copied().max().unwrap_or(0);
    if n == 0 {
        return "The series has no periods.".to_owned();
    }
    if top == 0 {
        return if n == 1 {
            format!("No item was done in the one {noun}.")
        } else {
            format!("No item was done in the {n} {noun}s.")
        };
    }
    if n == 1 {
        return format!("{} done in the one {noun}.", capital(&count(top, "item")));
    }
    let mean = mean_of(&series.departures);
    let i = series
        .departures
        .iter()
        .position(|&d| d == top)
        .unwrap_or(0);
    let busiest = match series.period {
        Period::Day => format!("the busiest day, {},", series.starts[i]),
        Period::Week => format!("the busiest week, from {},", series.starts[i]),
    };
    format!(
        "Throughput averaged {mean:.1} items a {noun} over {}; {busiest} delivered {top}.",
        count(n, noun)
    )
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

// ---------------------------------------------------------------------------------------
// Cycle-time histogram
// ---------------------------------------------------------------------------------------

/// The bin width of a histogram of values from 0 to `max`: 1 day, or the smallest 1-2-5
/// width above it that keeps the bins at most 60.
fn bin_width(max: f64) -> f64 {
    nice_ceiling(max / (MAX_BINS - 1.0))
}

/// Writes the histogram of cycle times (days) as SVG: bins of whole days from 0 (wider
/// bins of 2, 5, 10… days when that would take more than 60), one bar per bin, empty bins
/// included, and dashed lines at the 50th, 85th and 95th percentiles (type 7).
///
/// - each bin is a `<rect class="bar">` with `data-from` and `data-to` (days; it holds the
///   cycle times `from ≤ t < to`) and `data-items`, its height proportional to them; the
///   bars' items add up to the sample's size;
/// - each percentile a `<line class="percentile">` (vertical) with `data-level` (percent)
///   and `data-value` (days), labelled in the right margin, one row each.
///
/// # Examples
///
/// ```
/// use valuestream::{write_cycle_time_histogram_svg, Sample};
///
/// let mut svg = Vec::new();
/// write_cycle_time_histogram_svg(&Sample::new([0.5, 1.2, 1.8, 3.0]), &mut svg)?;
/// let svg = String::from_utf8(svg).unwrap();
/// // Bins [0, 1), [1, 2), [2, 3), [3, 4): 1, 2, 0 and 1 items.
/// assert_eq!(svg.matches("<rect class=\"bar\"").count(), 4);
/// assert!(svg.contains("data-from=\"1\" data-to=\"2\" data-items=\"2\""));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for an empty sample (no item done: no cycle time to draw);
/// [`Error::Write`] if writing fails.
pub fn write_cycle_time_histogram_svg<W: io::Write>(cycle_times: &Sample, w: W) -> Result<()> {
    let Some(max) = cycle_times.max() else {
        return Err(Error::InvalidArgument(
            "no item was done in the window: there are no cycle times to draw".into(),
        ));
    };
    let width = bin_width(max);
    let bins = ((max.max(0.0) / width).floor() as usize) + 1;
    let mut counts = vec![0u64; bins];
    for &v in cycle_times.values() {
        let i = ((v.max(0.0) / width).floor() as usize).min(bins - 1);
        counts[i] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(0);
    let (y_max, y_step) = y_scale(top as f64);
    let x_max = bins as f64 * width;
    let f = Frame {
        x_max,
        y_max,
        y_step,
    };
    let mut out = String::new();
    open(
        &mut out,
        &format!(
            "Cycle times of the {} done",
            count(cycle_times.len() as u64, "item")
        ),
    );
    y_axis(&mut out, &f, "items");
    for (i, &c) in counts.iter().enumerate() {
        let (from, to) = (i as f64 * width, (i + 1) as f64 * width);
        let (x0, x1) = (f.x(from), f.x(to));
        let y = f.y(c as f64);
        let _ = writeln!(
            out,
            "<rect class=\"bar\" data-from=\"{from}\" data-to=\"{to}\" data-items=\"{c}\" x=\"{x0:.2}\" y=\"{y:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"#56B4E9\"><title>{from} to {to} days: {}</title></rect>",
            (x1 - x0 - 1.0).max(0.5),
            (plot_bottom() - y).max(0.0),
            count(c, "item")
        );
    }
    for (k, &(level, colour)) in HISTOGRAM_LEVELS.iter().enumerate() {
        let Some(p) = cycle_times.percentile(level) else {
            continue;
        };
        let row = TOP + 16.0 + 18.0 * k as f64;
        let x = f.x(p.max(0.0));
        let _ = writeln!(
            out,
            "<line class=\"percentile\" data-level=\"{level}\" data-value=\"{p}\" x1=\"{x:.2}\" x2=\"{x:.2}\" y1=\"{TOP}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"6 3\"><title>{level}% of the items done took {p:.2} days or less</title></line>\
             <text class=\"percentile\" data-level=\"{level}\" x=\"{:.1}\" y=\"{row:.1}\" fill=\"#333\">{level}%: {p:.1} days</text>",
            plot_bottom(),
            LEFT + Frame::plot_w() + 26.0,
        );
        legend_dash(&mut out, row, colour);
    }
    let step = nice_ceiling(x_max / 8.0);
    let n_labels = (x_max / step + 1e-9).floor() as u32;
    let labels: Vec<(f64, String)> = (0..=n_labels)
        .map(|i| f64::from(i) * step)
        .map(|v| (v, short_number(v)))
        .collect();
    x_axis(&mut out, &f, &labels);
    let _ = writeln!(
        out,
        "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">cycle time (days)</text>",
        LEFT + Frame::plot_w() / 2.0,
        HEIGHT - 8.0
    );
    out.push_str("</svg>\n");
    write_out(w, &out)
}

/// One sentence reading the histogram: the 50th, 85th and 95th percentiles.
pub(super) fn cycle_time_histogram_reading(cycle_times: &Sample) -> String {
    let n = cycle_times.len() as u64;
    let p = |l: f64| cycle_times.percentile(l).unwrap_or(0.0);
    match n {
        0 => "No item was done in the window.".to_owned(),
        1 => format!("The one item done took {:.1} days.", p(50.0)),
        _ => format!(
            "Of the {n} items done, half took {:.1} days or less, 85% {:.1} or less and 95% {:.1} or less.",
            p(50.0),
            p(85.0),
            p(95.0)
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Time per stage
// ---------------------------------------------------------------------------------------

/// One bar of the value-stream map: an active stage with the wait stages just in front of
/// it, or wait stages with no active stage after them.
#[derive(Debug)]
struct StageBar<'a> {
    name: String,
    waits: Vec<&'a StageMetrics>,
    work: Option<&'a StageMetrics>,
}

impl StageBar<'_> {
    fn wait_days(&self) -> f64 {
        self.waits.iter().map(|s| s.item_days).sum()
    }

    fn total(&self) -> f64 {
        self.wait_days() + self.work.map_or(0.0, |s| s.item_days)
    }
}

/// The bars of the value-stream map, in workflow order: each active stage with the run of
/// wait stages just in front of it (as the bottleneck's `wait_stages`), and any run of wait
/// stages not followed by an active stage on its own.
fn stage_bars(stages: &[StageMetrics]) -> Vec<StageBar<'_>> {
    let mut bars = Vec::new();
    let mut pending: Vec<&StageMetrics> = Vec::new();
    for st in stages {
        match st.kind {
            StageKind::Wait => pending.push(st),
            StageKind::Active => bars.push(StageBar {
                name: st.name.clone(),
                waits: std::mem::take(&mut pending),
                work: Some(st),
            }),
            StageKind::Backlog | StageKind::Done => flush(&mut pending, &mut bars),
        }
    }
    flush(&mut pending, &mut bars);
    bars
}

/// A run of wait stages with no active stage after it, as a bar of its own.
fn flush<'a>(pending: &mut Vec<&'a StageMetrics>, bars: &mut Vec<StageBar<'a>>) {
    if !pending.is_empty() {
        let name = pending
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        bars.push(StageBar {
            name,
            waits: std::mem::take(pending),
            work: None,
        });
    }
}

/// The item-days of every stage past the backlog (the denominator of
/// [`StageTime::share`](crate::StageTime)).
fn in_progress_days(stages: &[StageMetrics]) -> f64 {
    stages
        .iter()
        .filter(|s| s.kind != StageKind::Backlog)
        .map(|s| s.item_days)
        .sum()
}

/// Writes the time per stage as SVG, a value-stream map of waiting and working: one bar
/// per active stage in workflow order, made of the waiting in the wait stages just in
/// front of it (the queue before it, as [`StageEvidence::wait_stages`](crate::StageEvidence))
/// under its own working time, so the queue in front of the bottleneck stands out; a run of
/// wait stages with no active stage after it is a bar of its own. Backlog and done stages
/// are not drawn.
///
/// Lengths are item-days spent in the stage within the window
/// ([`StageMetrics::item_days`](crate::StageMetrics)): the stage's time-average WIP times the
/// window, which by Little's law is where the time of the items in progress went. Each
/// segment is a `<rect class="wait">` or `<rect class="work">` with `data-stage`, `data-days`
/// (item-days) and `data-share` (of the item-days of every stage past the backlog, the
/// denominator of [`StageTime::share`](crate::StageTime)). The bottleneck
/// (`report.bottleneck.stage`, when there is a capacity constraint) is outlined by a
/// `<rect class="bottleneck">` with `data-stage`, its name in bold, and named in the legend.
///
/// Without any time spent past the backlog the chart says so in a sentence
/// (`<text class="empty">`), not an error.
///
/// # Examples
///
/// ```
/// use valuestream::{write_stage_time_svg, LogReader, MetricsOptions, Report, Stage, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01\nA,Ready,2024-03-02\nA,Test,2024-03-05\nA,Done,2024-03-06\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let wf = Workflow::new(
///     vec![
///         Stage::new("Dev", StageKind::Active),
///         Stage::new("Ready", StageKind::Wait),
///         Stage::new("Test", StageKind::Active),
///         Stage::new("Done", StageKind::Done),
///     ],
///     None,
/// )?;
/// let report = Report::new(&Timelines::new(&log, &wf)?, &MetricsOptions::new())?;
/// let mut svg = Vec::new();
/// write_stage_time_svg(&report, &mut svg)?;
/// let svg = String::from_utf8(svg).unwrap();
/// // Dev: 1 day of work; Test: 3 days waiting in Ready, then 1 of work.
/// assert!(svg.contains("<rect class=\"wait\" data-stage=\"Ready\" data-days=\"3\""));
/// assert_eq!(svg.matches("<rect class=\"work\"").count(), 2);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_stage_time_svg<W: io::Write>(report: &Report, w: W) -> Result<()> {
    let bars = stage_bars(&report.stages);
    let total = in_progress_days(&report.stages);
    let top = bars.iter().map(StageBar::total).fold(0.0, f64::max);
    let (y_max, y_step) = y_scale(top);
    let f = Frame {
        x_max: bars.len().max(1) as f64,
        y_max,
        y_step,
    };
    let mut out = String::new();
    open(&mut out, "Time per stage: waiting in front, then working");
    y_axis(&mut out, &f, "item-days in the window");
    let slot = Frame::plot_w() / f.x_max;
    let bar_w = (slot * 0.6).min(90.0);
    let bottleneck = report.bottleneck.stage.as_deref();
    for (k, bar) in bars.iter().enumerate() {
        let x = f.x(k as f64 + 0.5) - bar_w / 2.0;
        let mut base = 0.0;
        let segments = bar
            .waits
            .iter()
            .map(|s| ("wait", WAIT, *s))
            .chain(bar.work.map(|s| ("work", WORK, s)));
        for (class, colour, st) in segments {
            let days = st.item_days;
            let share = if total > 0.0 { days / total } else { 0.0 };
            let (y0, y1) = (f.y(base + days), f.y(base));
            let what = if class == "wait" {
                "waiting in"
            } else {
                "working in"
            };
            let _ = writeln!(
                out,
                "<rect class=\"{class}\" data-stage=\"{}\" data-days=\"{days}\" data-share=\"{share}\" x=\"{x:.2}\" y=\"{y0:.2}\" width=\"{bar_w:.2}\" height=\"{:.2}\" fill=\"{colour}\" stroke=\"white\" stroke-width=\"1\"><title>{what} {}: {days:.1} item-days, {:.0}% of the time in progress</title></rect>",
                escape(&st.name),
                (y1 - y0).max(0.0),
                escape(&st.name),
                share * 100.0
            );
            base += days;
        }
        let is_bottleneck = bar
            .work
            .is_some_and(|s| Some(s.name.as_str()) == bottleneck);
        if is_bottleneck {
            let y0 = f.y(base);
            let _ = writeln!(
                out,
                "<rect class=\"bottleneck\" data-stage=\"{}\" x=\"{:.2}\" y=\"{y0:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"3\"><title>{} is the bottleneck</title></rect>",
                escape(&bar.name),
                x - 3.0,
                bar_w + 6.0,
                (plot_bottom() - y0).max(0.0) + 3.0,
                escape(&bar.name)
            );
        }
        slot_label(
            &mut out,
            f.x(k as f64 + 0.5),
            slot,
            &bar.name,
            is_bottleneck,
        );
    }
    if total <= 0.0 || bars.is_empty() {
        message(
            &mut out,
            "No item spent time past the backlog in the window.",
        );
    }
    axis_line(&mut out);
    legend(
        &mut out,
        0,
        &format!("fill=\"{WAIT}\""),
        "waiting (wait stages)",
    );
    legend(
        &mut out,
        1,
        &format!("fill=\"{WORK}\""),
        "working (active stage)",
    );
    if let Some(b) = bottleneck {
        legend(
            &mut out,
            2,
            "fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\"",
            &fit_label(&format!("bottleneck: {b}"), RIGHT - 40.0),
        );
    }
    out.push_str("</svg>\n");
    write_out(w, &out)
}

/// One sentence reading the value-stream map: with a bottleneck, the share of the time
/// spent waiting in front of it (or working in it, without a queue in front); without, the
/// segment that took the most time.
pub(super) fn stage_time_reading(report: &Report) -> String {
    let total = in_progress_days(&report.stages);
    if total <= 0.0 {
        return "No item spent time past the backlog in the window.".to_owned();
    }
    let pct = |d: f64| format!("{:.0}%", d / total * 100.0);
    let bars = stage_bars(&report.stages);
    let named = report.bottleneck.stage.as_deref().and_then(|b| {
        bars.iter()
            .find(|bar| bar.work.is_some_and(|s| s.name == b))
            .map(|bar| (b, bar))
    });
    if let Some((b, bar)) = named {
        let work = bar.work.map_or(0.0, |s| s.item_days);
        return if bar.wait_days() <= 0.0 {
            format!(
                "Working in {b} took {} of the time items spent in progress; {b} is the bottleneck.",
                pct(work)
            )
        } else {
            format!(
                "Waiting in front of {b} took {} of the time items spent in progress, working in it {}; {b} is the bottleneck.",
                pct(bar.wait_days()),
                pct(work)
            )
        };
    }
    let mut best: Option<(&StageMetrics, f64)> = None;
    for st in bars
        .iter()
        .flat_map(|b| b.waits.iter().copied().chain(b.work))
    {
        if best.is_none_or(|(_, d)| st.item_days > d) {
            best = Some((st, st.item_days));
        }
    }
    let Some((st, days)) = best else {
        return "No item spent time in a wait or active stage in the window.".to_owned();
    };
    let what = if st.kind == StageKind::Wait {
        "waiting in"
    } else {
        "working in"
    };
    format!(
        "No stage is named the bottleneck; the most time went to {what} {}, {} of the time items spent in progress.",
        st.name,
        pct(days)
    )
}

// ---------------------------------------------------------------------------------------
// WIP over time
// ---------------------------------------------------------------------------------------

/// Writes the work in progress over time as SVG: the items committed and not done at the
/// end of each period of `series` (its `wip`), as a step line, with its mean and its peak.
///
/// - each period is a `<circle class="point">` with `data-start` (its first day) and
///   `data-wip`, at the middle of the period; the step line through them is a
///   `<polyline class="wip">` over a `<polygon class="area">`;
/// - the mean is a `<line class="mean">` with `data-value`: the mean of the values drawn
///   (end-of-period stocks, not the report's time-average WIP);
/// - the peak is a `<circle class="max">` with `data-start` and `data-wip` at the first
///   period that reached it.
///
/// Their labels sit in the right margin, at least 14 pixels apart.
///
/// # Examples
///
/// ```
/// use valuestream::{write_wip_svg, LogReader, Metrics, MetricsOptions, Timelines, Workflow};
///
/// // Every event at noon: the days are 1 to 4 March.
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01T12:00:00Z\nA,Done,2024-03-03T12:00:00Z\n\
///            B,Dev,2024-03-02T12:00:00Z\nB,Done,2024-03-04T12:00:00Z\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let tl = Timelines::new(&log, &Workflow::infer(log.states())?)?;
/// let daily = Metrics::new(&tl, &MetricsOptions::new())?.daily()?;
/// let mut svg = Vec::new();
/// write_wip_svg(&daily, &mut svg)?;
/// let svg = String::from_utf8(svg).unwrap();
/// // At the end of 1 to 4 March: 1, 2, 1 and 0 items in progress.
/// assert_eq!(svg.matches("<circle class=\"point\"").count(), 4);
/// assert!(svg.contains("<circle class=\"max\" data-start=\"2024-03-02\" data-wip=\"2\""));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a series with no periods; [`Error::Write`] if writing
/// fails.
pub fn write_wip_svg<W: io::Write>(series: &Series, w: W) -> Result<()> {
    let n = series.len();
    let f = period_frame(series, &series.wip, "work in progress")?;
    let noun = period_noun(series);
    let mut out = String::new();
    open(
        &mut out,
        &format!("Work in progress at the end of each {noun}"),
    );
    y_axis(&mut out, &f, "items in progress");
    let mut steps = String::new();
    for (i, &v) in series.wip.iter().enumerate() {
        let y = f.y(v as f64);
        let _ = write!(
            steps,
            "{:.2},{y:.2} {:.2},{y:.2} ",
            f.x(i as f64),
            f.x(i as f64 + 1.0)
        );
    }
    let steps = steps.trim_end();
    let _ = writeln!(
        out,
        "<polygon class=\"area\" points=\"{LEFT:.2},{b:.2} {steps} {:.2},{b:.2}\" fill=\"{}\" fill-opacity=\"0.35\"><title>items in progress</title></polygon>\
         <polyline class=\"wip\" points=\"{steps}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"><title>items in progress</title></polyline>",
        LEFT + Frame::plot_w(),
        PALETTE[2],
        PALETTE[5],
        b = plot_bottom(),
    );
    for (i, (&v, start)) in series.wip.iter().zip(&series.starts).enumerate() {
        let _ = writeln!(
            out,
            "<circle class=\"point\" data-start=\"{start}\" data-wip=\"{v}\" cx=\"{:.2}\" cy=\"{:.2}\" r=\"1.5\" fill=\"{}\"><title>end of the {noun} of {start}: {} in progress</title></circle>",
            f.x(i as f64 + 0.5),
            f.y(v as f64),
            PALETTE[5],
            count(v, "item")
        );
    }
    wip_marks(&mut out, series, &f, noun);
    let labels: Vec<(f64, String)> = ticks(n)
        .into_iter()
        .map(|i| (i as f64 + 0.5, series.starts[i].to_string()))
        .collect();
    x_axis(&mut out, &f, &labels);
    out.push_str("</svg>\n");
    write_out(w, &out)
}

/// The mean line and the peak of the WIP chart, labelled in the right margin.
fn wip_marks(out: &mut String, series: &Series, f: &Frame, noun: &str) {
    let mean = mean_of(&series.wip);
    let top = series.wip.iter().copied().max().unwrap_or(0);
    let at = series.wip.iter().position(|&v| v == top).unwrap_or(0);
    let start = series.starts[at];
    let (ym, yp) = (f.y(mean), f.y(top as f64));
    let ys = spread_labels(
        &[yp + 4.0, ym + 4.0],
        LABEL_GAP,
        TOP + 4.0,
        plot_bottom() + 4.0,
    );
    let _ = writeln!(
        out,
        "<line class=\"mean\" data-value=\"{mean}\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{ym:.2}\" y2=\"{ym:.2}\" stroke=\"#D55E00\" stroke-width=\"2\" stroke-dasharray=\"6 3\"><title>mean: {mean:.2} items in progress at the end of a {noun}</title></line>\
         <text class=\"mean\" x=\"{:.1}\" y=\"{:.1}\" fill=\"#D55E00\">mean: {mean:.1}</text>\
         <circle class=\"max\" data-start=\"{start}\" data-wip=\"{top}\" cx=\"{:.2}\" cy=\"{yp:.2}\" r=\"5\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\"><title>peak: {} in progress at the end of the {noun} of {start}</title></circle>\
         <text class=\"max\" x=\"{:.1}\" y=\"{:.1}\">peak: {top} ({start})</text>",
        LEFT + Frame::plot_w(),
        LEFT + Frame::plot_w() + 6.0,
        ys[1],
        f.x(at as f64 + 0.5),
        count(top, "item"),
        LEFT + Frame::plot_w() + 6.0,
        ys[0],
    );
}

/// One sentence reading the WIP chart: the mean, the peak and the last value.
pub(super) fn wip_reading(series: &Series) -> String {
    let noun = period_noun(series);
    let n = series.wip.len() as u64;
    let Some(&last) = series.wip.last() else {
        return "The series has no periods.".to_owned();
    };
    let top = series.wip.iter().copied().max().unwrap_or(0);
    let at = series.wip.iter().position(|&v| v == top).unwrap_or(0);
    let now = format!(
        "{} {} in progress at the end",
        count(last, "item"),
        if last == 1 { "was" } else { "were" }
    );
    if n == 1 {
        return format!("{}.", capital(&now));
    }
    format!(
        "WIP averaged {:.1} items at the ends of the {}, peaking at {top} {}; {now}.",
        mean_of(&series.wip),
        count(n, noun),
        match series.period {
            Period::Day => format!("on {}", series.starts[at]),
            Period::Week => format!("in the week of {}", series.starts[at]),
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::LogReader;
    use crate::metrics::MetricsOptions;
    use crate::timeline::Timelines;
    use crate::workflow::{Stage, Workflow};

    fn report(csv: &str, stages: Vec<Stage>) -> Report {
        let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
        let wf = Workflow::new(stages, None).unwrap();
        Report::new(&Timelines::new(&log, &wf).unwrap(), &MetricsOptions::new()).unwrap()
    }

    fn dev_ready_test() -> Vec<Stage> {
        vec![
            Stage::new("Dev", StageKind::Active),
            Stage::new("Ready", StageKind::Wait),
            Stage::new("Test", StageKind::Active).with_servers(1),
            Stage::new("Done", StageKind::Done),
        ]
    }

    #[test]
    fn counts_say_one_item() {
        assert_eq!(count(1, "item"), "1 item");
        assert_eq!(count(0, "item"), "0 items");
        assert_eq!(count(2, "week"), "2 weeks");
    }

    #[test]
    fn labels_fit_their_slot() {
        assert_eq!(fit_label("Test", 100.0), "Test");
        // R 9.5 + e a d y 4 × 7.5 + … 12 = 51.5 ≤ 52; one more letter is not.
        assert_eq!(fit_label("Ready for review", 52.0), "Ready…");
        assert_eq!(fit_label("Ready", 3.0), "…");
        assert_eq!(fit_label("ÉÉÉÉ", 40.0), "ÉÉ…");
    }

    #[test]
    fn dots_of_one_age_sit_side_by_side() {
        let xs = swarm(&[100.0, 100.0, 100.0, 200.0], 50.0, 40.0);
        assert_eq!(xs, [50.0, 59.0, 41.0, 50.0]);
        // No room: on the centre.
        assert_eq!(swarm(&[10.0, 10.0], 5.0, 4.0), [5.0, 5.0]);
    }

    #[test]
    fn bins_are_whole_days_up_to_sixty() {
        assert_eq!(bin_width(0.0), 1.0);
        assert_eq!(bin_width(59.0), 1.0);
        assert_eq!(bin_width(59.5), 2.0);
        assert_eq!(bin_width(300.0), 10.0);
    }

    #[test]
    fn readings_of_a_small_log() {
        // A done in 5 days (Dev 1, Ready 3, Test 1); B and C in progress at the window's
        // end (6 March, midnight: the days are 1 to 5 March): B in Test, C in Ready.
        let r = report(
            "id,state,timestamp\n\
             A,Dev,2024-03-01\nA,Ready,2024-03-02\nA,Test,2024-03-05\nA,Done,2024-03-06\n\
             B,Dev,2024-03-01\nB,Test,2024-03-04\n\
             C,Dev,2024-03-04\nC,Ready,2024-03-05\n",
            dev_ready_test(),
        );
        // B is 5 days old (the one cycle time, not older), C 2 days; Ready and Test hold
        // one each, Ready first in the workflow.
        assert_eq!(
            aging_wip_reading(&r),
            "Ready holds 1 of the 2 items in progress; it is not older than 85% of the items done took."
        );
        assert_eq!(
            cycle_time_histogram_reading(&r.cycle_times),
            "The one item done took 5.0 days."
        );
        let daily = &r.daily;
        // Done per day 1–5 March: A, at midnight ending the 5th.
        assert_eq!(
            throughput_reading(daily),
            "Throughput averaged 0.2 items a day over 5 days; the busiest day, 2024-03-05, delivered 1."
        );
        // WIP at the ends of 1–5 March: 2, 2, 2, 3, 2 (A done at the end).
        assert_eq!(
            wip_reading(daily),
            "WIP averaged 2.2 items at the ends of the 5 days, peaking at 3 on 2024-03-04; 2 items were in progress at the end."
        );
        // Item-days: Dev 1 + 3 + 1 = 5, Ready 3 + 1 = 4, Test 1 + 2 = 3: 12 in all. Test
        // is busy 2 of 5 days, Dev 5 of 2 × 5: no constraint.
        assert_eq!(
            stage_time_reading(&r),
            "No stage is named the bottleneck; the most time went to working in Dev, 42% of the time items spent in progress."
        );
    }

    #[test]
    fn the_reading_of_a_bottleneck_with_a_queue() {
        // Test (one server) is busy from 2 to 7 March: 5 of 6 days. B waits 3 days in
        // Ready. Item-days: Dev 1 + 1, Ready 3, Test 3 + 2: 10.
        let r = report(
            "id,state,timestamp\n\
             A,Dev,2024-03-01\nA,Test,2024-03-02\nA,Done,2024-03-05\n\
             B,Dev,2024-03-01\nB,Ready,2024-03-02\nB,Test,2024-03-05\nB,Done,2024-03-07\n",
            dev_ready_test(),
        );
        assert_eq!(r.bottleneck.stage.as_deref(), Some("Test"));
        assert_eq!(
            stage_time_reading(&r),
            "Waiting in front of Test took 30% of the time items spent in progress, working in it 50%; Test is the bottleneck."
        );
        // Cycle times 4 and 6 days: p50 5, p85 5.7, p95 5.9.
        assert_eq!(
            cycle_time_histogram_reading(&r.cycle_times),
            "Of the 2 items done, half took 5.0 days or less, 85% 5.7 or less and 95% 5.9 or less."
        );
        assert_eq!(
            aging_wip_reading(&r),
            "No item is in progress at the end of the window."
        );
    }

    #[test]
    fn readings_of_a_bottleneck_without_a_queue_and_of_old_items() {
        let dev_done = || {
            vec![
                Stage::new("Dev", StageKind::Active).with_servers(1),
                Stage::new("Done", StageKind::Done),
            ]
        };
        // Dev, one server, busy all 4 days.
        let r = report(
            "id,state,timestamp\n\
             A,Dev,2024-03-01\nA,Done,2024-03-03\nB,Dev,2024-03-03\nB,Done,2024-03-05\n",
            dev_done(),
        );
        assert_eq!(
            stage_time_reading(&r),
            "Working in Dev took 100% of the time items spent in progress; Dev is the bottleneck."
        );
        // One item done in 1 day; B (4 days old) and C (3) are both older.
        let r = report(
            "id,state,timestamp\n\
             A,Dev,2024-03-01\nA,Done,2024-03-02\n\
             B,Dev,2024-03-01\nC,Dev,2024-03-02\nB,Dev,2024-03-05\n",
            dev_done(),
        );
        assert_eq!(
            aging_wip_reading(&r),
            "Dev holds both items in progress; both are older than 85% of the items done took."
        );
        // Three in progress, two of them older than the 85th percentile of 1 and 5 days
        // (4.4): B 5 days, C 4.5, D 1.
        let r = report(
            "id,state,timestamp\n\
             A,Dev,2024-03-01\nA,Done,2024-03-02\nE,Dev,2024-03-01\nE,Done,2024-03-06\n\
             B,Dev,2024-03-01\nC,Dev,2024-03-01T12:00:00Z\nD,Dev,2024-03-05\nB,Dev,2024-03-06\n",
            dev_done(),
        );
        assert_eq!(
            aging_wip_reading(&r),
            "Dev holds all 3 items in progress; 2 of them are older than 85% of the items done took."
        );
    }

    #[test]
    fn readings_of_nothing() {
        let r = report("id,state,timestamp\nA,Dev,2024-03-01\n", dev_ready_test());
        assert_eq!(
            aging_wip_reading(&r),
            "The only item in progress is in Dev; no item was done in the window to compare ages with."
        );
        assert_eq!(
            cycle_time_histogram_reading(&r.cycle_times),
            "No item was done in the window."
        );
        assert_eq!(
            throughput_reading(&r.daily),
            "No item was done in the one day."
        );
        assert_eq!(wip_reading(&r.daily), "1 item was in progress at the end.");
        assert_eq!(
            stage_time_reading(&r),
            "No item spent time past the backlog in the window."
        );
    }
}
