//! SVG charts: the cumulative flow diagram, the cycle-time scatterplot (linear or on a log
//! scale) and the forecast's distribution; and the primitives the other charts
//! (`charts.rs`) draw with: the frame, the axes, a log scale, label spreading, the palette.
//!
//! Plain SVG 1.1 written by hand (no dependency): every drawn element carries a class and
//! a `<title>`, so that the charts can be styled and read by screen readers and tests.

use std::fmt::Write as _;
use std::io;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::forecast::{Forecast, Question};
use crate::metrics::{Metrics, Series};
use crate::stats::Sample;

pub(super) const WIDTH: f64 = 900.0;
pub(super) const HEIGHT: f64 = 480.0;
pub(super) const LEFT: f64 = 64.0;
pub(super) const RIGHT: f64 = 200.0;
pub(super) const TOP: f64 = 36.0;
pub(super) const BOTTOM: f64 = 48.0;
/// The most points a scatterplot draws; beyond, an evenly spaced selection of them.
const MAX_POINTS: usize = 10_000;
/// The most bars a forecast's histogram draws; beyond, outcomes are grouped in bins.
const MAX_BARS: u64 = 80;

/// Colours for stages, in workflow order: Okabe–Ito's eight (readable with colour
/// blindness), then four more before they repeat.
pub(super) const PALETTE: [&str; 12] = [
    "#999999", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
    "#8C564B", "#17BECF", "#BCBD22", "#4D4D4D",
];

/// The plot area and its scales.
pub(super) struct Frame {
    pub(super) x_max: f64,
    pub(super) y_max: f64,
    /// The distance between two ticks of the y axis.
    pub(super) y_step: f64,
}

impl Frame {
    pub(super) fn plot_w() -> f64 {
        WIDTH - LEFT - RIGHT
    }

    pub(super) fn plot_h() -> f64 {
        HEIGHT - TOP - BOTTOM
    }

    /// The pixel x of `x` in `[0, x_max]`.
    pub(super) fn x(&self, x: f64) -> f64 {
        if self.x_max > 0.0 {
            LEFT + Frame::plot_w() * x / self.x_max
        } else {
            LEFT + Frame::plot_w() / 2.0
        }
    }

    /// The pixel y of `y` in `[0, y_max]` (up is more).
    pub(super) fn y(&self, y: f64) -> f64 {
        TOP + Frame::plot_h() * (1.0 - y / self.y_max)
    }
}

/// The top of an axis whose largest value is `top`, and its tick step: a "nice" step
/// (1, 2 or 5 times a power of ten, at least 1) for about five ticks, and the first
/// multiple of it at or above `top`.
pub(super) fn y_scale(top: f64) -> (f64, f64) {
    let step = nice_ceiling(top / 5.0);
    let max = (top / step).ceil().max(1.0) * step;
    (max, step)
}

/// The smallest "nice" number (1, 2 or 5 times a power of ten) at least `v`, and at
/// least 1.
pub(super) fn nice_ceiling(v: f64) -> f64 {
    if !(v.is_finite() && v > 1.0) {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&c| c >= v)
        .unwrap_or(10.0 * p)
}

/// `text` with the five XML special characters escaped.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn open(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <title>{}</title>\n\
         <rect class=\"background\" width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"white\"/>\n\
         <text class=\"heading\" x=\"{LEFT}\" y=\"22\" font-size=\"15\">{}</text>\n",
        escape(title),
        escape(title)
    );
}

/// The y axis with about five ticks, labelled.
pub(super) fn y_axis(out: &mut String, f: &Frame, label: &str) {
    let step = f.y_step;
    let mut v = 0.0;
    while v <= f.y_max + 1e-9 {
        let y = f.y(v);
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e0e0e0\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.0}</text>",
            LEFT + Frame::plot_w(),
            LEFT - 6.0,
            y + 4.0,
        );
        v += step;
    }
    let _ = writeln!(
        out,
        "<text class=\"axis-label\" transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        TOP + Frame::plot_h() / 2.0,
        escape(label)
    );
}

/// Date labels under the x axis: the first, the last, and a few between.
pub(super) fn x_axis(out: &mut String, f: &Frame, labels: &[(f64, String)]) {
    let y = TOP + Frame::plot_h();
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#444\"/>",
        LEFT + Frame::plot_w()
    );
    for (x, text) in labels {
        let _ = writeln!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            f.x(*x),
            y + 18.0,
            escape(text)
        );
    }
}

/// Up to seven evenly spaced indices in `0..n`, the first and last included: every index
/// up to seven, else at least two apart (labels one period apart collide when there are
/// more than seven periods across the plot).
pub(super) fn ticks(n: usize) -> Vec<usize> {
    match n {
        0 => Vec::new(),
        1 => vec![0],
        _ => {
            let k = if n - 1 > 6 {
                ((n - 1) / 2).min(6)
            } else {
                n - 1
            };
            let mut t: Vec<usize> = (0..=k).map(|i| i * (n - 1) / k).collect();
            t.dedup();
            t
        }
    }
}

/// Writes `text` to `w` and flushes it.
pub(super) fn write_out<W: io::Write>(mut w: W, text: &str) -> Result<()> {
    w.write_all(text.as_bytes())
        .and_then(|()| w.flush())
        .map_err(Error::write)
}

/// Writes the cumulative flow diagram of a daily (or weekly) series as SVG: for each
/// stage a band between the count of items that reached it or a later stage and the
/// count that reached a later one, stacked in workflow order (the first stage on top), so
/// that a band's height on a day is the items in that stage when nothing moved backwards.
/// Each band is a `<polygon class="band">` whose `<title>` names its stage, drawn left to
/// right along its upper line and back along its lower one.
///
/// # Examples
///
/// ```
/// use valuestream::{write_cfd_svg, LogReader, Metrics, MetricsOptions, Stage, StageKind, Timelines, Workflow};
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
/// let mut svg = Vec::new();
/// write_cfd_svg(&metrics.daily()?, &mut svg)?;
/// let svg = String::from_utf8(svg).unwrap();
/// assert_eq!(svg.matches("<polygon class=\"band\"").count(), 3); // one band a stage
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for an empty series; [`Error::Write`] if writing fails.
pub fn write_cfd_svg<W: io::Write>(series: &Series, w: W) -> Result<()> {
    let n = series.len();
    if n == 0 || series.cfd.is_empty() {
        return Err(Error::InvalidArgument(
            "the series has no periods: there is no flow to draw".into(),
        ));
    }
    let top = series.cfd[0].iter().copied().max().unwrap_or(0);
    let (y_max, y_step) = y_scale(top as f64);
    let f = Frame {
        x_max: (n - 1) as f64,
        y_max,
        y_step,
    };
    let mut out = String::new();
    open(&mut out, "Cumulative flow");
    y_axis(&mut out, &f, "items");
    let zeros = vec![0u64; n];
    for (k, name) in series.stages.iter().enumerate() {
        let upper = &series.cfd[k];
        let lower = series.cfd.get(k + 1).unwrap_or(&zeros);
        let mut points = String::new();
        for (i, v) in upper.iter().enumerate() {
            let _ = write!(points, "{:.2},{:.2} ", f.x(i as f64), f.y(*v as f64));
        }
        for (i, v) in lower.iter().enumerate().rev() {
            let _ = write!(points, "{:.2},{:.2} ", f.x(i as f64), f.y(*v as f64));
        }
        let _ = writeln!(
            out,
            "<polygon class=\"band\" data-stage=\"{}\" points=\"{}\" fill=\"{}\" stroke=\"white\" stroke-width=\"0.5\"><title>{}: {} at the end</title></polygon>",
            escape(name),
            points.trim_end(),
            PALETTE[k % PALETTE.len()],
            escape(name),
            upper[n - 1] - lower[n - 1]
        );
    }
    let labels: Vec<(f64, String)> = ticks(n)
        .into_iter()
        .map(|i| (i as f64, series.starts[i].to_string()))
        .collect();
    x_axis(&mut out, &f, &labels);
    // The legend, in the order of the bands from the top.
    for (k, name) in series.stages.iter().enumerate() {
        let y = TOP + 8.0 + 20.0 * k as f64;
        let x = WIDTH - RIGHT + 16.0;
        let _ = writeln!(
            out,
            "<rect class=\"legend\" x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            y - 10.0,
            PALETTE[k % PALETTE.len()],
            x + 18.0,
            y,
            escape(name)
        );
    }
    out.push_str("</svg>\n");
    write_out(w, &out)
}

/// Options of the cycle-time scatterplot ([`write_cycle_time_svg_with`]).
///
/// # Examples
///
/// ```
/// use valuestream::CycleTimeChart;
///
/// let opts = CycleTimeChart::default().log_scale(true);
/// assert!(opts.is_log_scale());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CycleTimeChart {
    log_scale: bool,
    from: Option<DateTime<Utc>>,
}

impl CycleTimeChart {
    /// The default: a linear y axis from 0.
    pub fn new() -> CycleTimeChart {
        CycleTimeChart::default()
    }

    /// A logarithmic y axis (ticks at 1, 2 and 5 times powers of ten days), for cycle times
    /// that span hours to months.
    pub fn log_scale(mut self, on: bool) -> CycleTimeChart {
        self.log_scale = on;
        self
    }

    /// Whether the y axis is logarithmic.
    pub fn is_log_scale(&self) -> bool {
        self.log_scale
    }

    /// Starts the time axis at `t` (when it is inside the window): the items done before
    /// it are not drawn, and the heading says how many; the percentile lines stay those of
    /// every item done in the window. For a log whose items are nearly all at its end.
    #[must_use]
    pub fn from(mut self, t: DateTime<Utc>) -> CycleTimeChart {
        self.from = Some(t);
        self
    }
}

/// Writes the cycle-time scatterplot of the items done in the window as SVG, with a
/// linear y axis: [`write_cycle_time_svg_with`] and the default [`CycleTimeChart`].
///
/// # Examples
///
/// ```
/// use valuestream::{write_cycle_time_svg, LogReader, Metrics, MetricsOptions, Stage, StageKind, Timelines, Workflow};
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
/// let mut svg = Vec::new();
/// write_cycle_time_svg(&metrics, &mut svg)?;
/// let svg = String::from_utf8(svg).unwrap();
/// assert_eq!(svg.matches("<circle class=\"item\"").count(), 1); // A, the one done
/// assert_eq!(svg.matches("<line class=\"percentile\"").count(), 3);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if no item was done in the window; [`Error::Write`] if writing
/// fails.
pub fn write_cycle_time_svg<W: io::Write>(metrics: &Metrics<'_>, w: W) -> Result<()> {
    write_cycle_time_svg_with(metrics, &CycleTimeChart::default(), w)
}

/// Writes the cycle-time scatterplot of the items done in the window as SVG: one
/// `<circle class="item">` per item, at its done instant and its cycle time in days (its
/// `<title>` gives the id; `data-id` and `data-days` carry both), and a
/// `<line class="percentile">` at the 50th, 85th and 95th percentiles of those cycle times
/// (type 7, as in the report; `data-level` in percent, `data-value` in days). The
/// percentiles' labels sit in the right margin at their lines' heights, pushed apart to at
/// least 14 pixels when two percentiles are close. Beyond 10,000 items it draws every
/// k-th (in the order of first appearance, k the smallest that keeps 10,000 or fewer) and
/// says so in its heading; the percentiles are always those of all the items.
///
/// With [`CycleTimeChart::log_scale`], the y axis is logarithmic, with ticks
/// (`<text class="tick" data-value>`) at 1, 2 and 5 times powers of ten days (only the
/// powers of ten when those would crowd), from the largest such value at or below the
/// shortest cycle time above 0 (but not below 0.01 day nor above 1 day) to the smallest at
/// or above the longest. Cycle times below that floor, 0 among them, are drawn at the
/// floor; their titles and `data-days` keep the exact figure.
///
/// # Examples
///
/// ```
/// use valuestream::{write_cycle_time_svg_with, CycleTimeChart, LogReader, Metrics, MetricsOptions, Timelines, Workflow};
///
/// let csv = "id,state,timestamp\n\
///            A,Dev,2024-03-01\nA,Done,2024-03-02\n\
///            B,Dev,2024-03-01\nB,Done,2024-03-21\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let tl = Timelines::new(&log, &Workflow::infer(log.states())?)?;
/// let metrics = Metrics::new(&tl, &MetricsOptions::new())?;
///
/// let mut svg = Vec::new();
/// write_cycle_time_svg_with(&metrics, &CycleTimeChart::new().log_scale(true), &mut svg)?;
/// let svg = String::from_utf8(svg).unwrap();
/// // 1 and 20 days: ticks 1, 2, 5, 10 and 20.
/// assert_eq!(svg.matches("<text class=\"tick\" data-value").count(), 5);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] if no item was done in the window; [`Error::Write`] if writing
/// fails.
pub fn write_cycle_time_svg_with<W: io::Write>(
    metrics: &Metrics<'_>,
    chart: &CycleTimeChart,
    w: W,
) -> Result<()> {
    let window = metrics.window();
    let in_window = |t: DateTime<Utc>| t >= window.start && t <= window.end;
    let points: Vec<(String, DateTime<Utc>, f64)> = metrics
        .items()
        .filter_map(|m| {
            let done = m.done.filter(|t| in_window(*t))?;
            Some((m.id, done, m.cycle_time_days?))
        })
        .collect();
    if points.is_empty() {
        return Err(Error::InvalidArgument(
            "no item was done in the window: there are no cycle times to draw".into(),
        ));
    }
    let sample = Sample::from_vec(points.iter().map(|p| p.2).collect());
    let start = chart
        .from
        .filter(|t| *t > window.start && *t < window.end)
        .unwrap_or(window.start);
    let before = points.iter().filter(|p| p.1 < start).count();
    let points: Vec<(String, DateTime<Utc>, f64)> =
        points.into_iter().filter(|p| p.1 >= start).collect();
    let span_ms = (window.end - start).num_milliseconds().max(0) as f64;
    let (y_max, y_step) = y_scale(sample.max().unwrap_or(1.0));
    let f = Frame {
        x_max: span_ms,
        y_max,
        y_step,
    };
    let log = chart
        .log_scale
        .then(|| LogScale::new(&sample, TOP + Frame::plot_h(), TOP));
    let y_of = |v: f64| log.as_ref().map_or_else(|| f.y(v), |l| l.y(v));
    let mut out = String::new();
    let every = points.len().div_ceil(MAX_POINTS).max(1);
    let mut notes = Vec::new();
    if every > 1 {
        notes.push(format!("one item in {every} of {} drawn", points.len()));
    }
    if before > 0 {
        notes.push(format!(
            "{before} done before {} not drawn",
            start.format("%Y-%m-%d")
        ));
    }
    if notes.is_empty() {
        open(&mut out, "Cycle time of the items done");
    } else {
        open(
            &mut out,
            &format!("Cycle time of the items done ({})", notes.join("; ")),
        );
    }
    match &log {
        Some(l) => l.axis(&mut out, "cycle time (days, log scale)"),
        None => y_axis(&mut out, &f, "cycle time (days)"),
    }
    for (id, done, days) in points.iter().step_by(every) {
        let x = (*done - start).num_milliseconds() as f64;
        let _ = writeln!(
            out,
            "<circle class=\"item\" data-id=\"{}\" data-days=\"{days}\" cx=\"{:.2}\" cy=\"{:.2}\" r=\"3\" fill=\"#0072B2\" fill-opacity=\"0.6\"><title>{}: {days:.2} days</title></circle>",
            escape(id),
            f.x(x),
            y_of(*days),
            escape(id)
        );
    }
    let lines: Vec<(f64, &str, f64)> = [(50.0, "#009E73"), (85.0, "#E69F00"), (95.0, "#D55E00")]
        .into_iter()
        .filter_map(|(level, colour)| sample.percentile(level).map(|p| (level, colour, p)))
        .collect();
    let wanted: Vec<f64> = lines.iter().map(|l| y_of(l.2) + 4.0).collect();
    let label_y = spread_labels(&wanted, LABEL_GAP, TOP + 4.0, TOP + Frame::plot_h() + 4.0);
    for (&(level, colour, p), ly) in lines.iter().zip(label_y) {
        let y = y_of(p);
        let _ = writeln!(
            out,
            "<line class=\"percentile\" data-level=\"{level}\" data-value=\"{p}\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.2}\" y2=\"{y:.2}\" stroke=\"{colour}\" stroke-dasharray=\"6 3\"><title>{level}%: {p:.2} days</title></line>\
             <text class=\"percentile\" x=\"{:.1}\" y=\"{ly:.1}\" fill=\"#333\">{level}%: {p:.1} days</text>",
            LEFT + Frame::plot_w(),
            LEFT + Frame::plot_w() + 26.0,
        );
        legend_dash(&mut out, ly, colour);
    }
    let labels: Vec<(f64, String)> = (0..=4)
        .map(|i| {
            let x = span_ms * f64::from(i) / 4.0;
            let t = start + chrono::Duration::milliseconds(x as i64);
            (x, t.format("%Y-%m-%d").to_string())
        })
        .collect();
    x_axis(&mut out, &f, &labels);
    out.push_str("</svg>\n");
    write_out(w, &out)
}

/// A short dashed line of `colour` in the right margin, left of a label whose baseline is
/// `baseline`: the key from the label (in dark text, readable on any colour scheme) to its
/// line in the plot.
pub(super) fn legend_dash(out: &mut String, baseline: f64, colour: &str) {
    let y = baseline - 4.0;
    let _ = writeln!(
        out,
        "<line class=\"legend\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>",
        LEFT + Frame::plot_w() + 6.0,
        LEFT + Frame::plot_w() + 21.0
    );
}

/// The least distance, in pixels, between the baselines of two labels stacked in a margin
/// (12-pixel text).
pub(super) const LABEL_GAP: f64 = 14.0;

/// The baselines of labels wanted at `wanted` (in any order), moved as little as this
/// simple pass can so that any two are at least `gap` apart and all lie within
/// `[lo, hi]` when there is room (when there is not, they overflow below `hi`). Returned
/// in the order of `wanted`.
pub(super) fn spread_labels(wanted: &[f64], gap: f64, lo: f64, hi: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by(|&a, &b| wanted[a].total_cmp(&wanted[b]).then(a.cmp(&b)));
    let mut ys: Vec<f64> = order.iter().map(|&i| wanted[i].clamp(lo, hi)).collect();
    // Down from the top, then up from the bottom, then down again from the top: each pass
    // keeps the gaps the previous one made.
    for k in 1..ys.len() {
        ys[k] = ys[k].max(ys[k - 1] + gap);
    }
    if let Some(last) = ys.last_mut() {
        *last = last.min(hi);
    }
    for k in (0..ys.len().saturating_sub(1)).rev() {
        ys[k] = ys[k].min(ys[k + 1] - gap);
    }
    if let Some(first) = ys.first_mut() {
        *first = first.max(lo);
    }
    for k in 1..ys.len() {
        ys[k] = ys[k].max(ys[k - 1] + gap);
    }
    let mut out = vec![0.0; ys.len()];
    for (k, &i) in order.iter().enumerate() {
        out[i] = ys[k];
    }
    out
}

/// A logarithmic y axis for durations in days: from `lo` to `hi` (1, 2 or 5 times powers
/// of ten), values below `lo` (0 among them) drawn at `lo`.
pub(super) struct LogScale {
    pub(super) lo: f64,
    pub(super) hi: f64,
    /// The pixel y of `lo` and of `hi`.
    bottom: f64,
    top: f64,
}

/// The 1-2-5 values (1, 2 and 5 times powers of ten) from `10^from` to `10^to`.
fn one_two_five(from: i32, to: i32) -> impl Iterator<Item = f64> {
    // Dividing by a power of ten keeps 0.05 the nearest double to 0.05.
    let scaled = |m: f64, e: i32| {
        if e < 0 {
            m / 10f64.powi(-e)
        } else {
            m * 10f64.powi(e)
        }
    };
    (from..=to).flat_map(move |e| [1.0, 2.0, 5.0].map(|m| scaled(m, e)))
}

impl LogScale {
    /// The scale of `sample`'s positive values: the floor is the largest 1-2-5 value at or
    /// below the smallest of them, within `[0.01, 1]`; the top the smallest at or above
    /// the largest, above the floor.
    pub(super) fn new(sample: &Sample, bottom: f64, top: f64) -> LogScale {
        let min_pos = sample.values().iter().copied().find(|&v| v > 0.0);
        let max = sample.max().unwrap_or(1.0);
        let lo = min_pos.map_or(1.0, |m| {
            one_two_five(-2, 0)
                .filter(|&c| c <= 1.0 && c <= m * (1.0 + 1e-9))
                .last()
                .unwrap_or(0.01)
        });
        let hi = one_two_five(-2, 12)
            .find(|&c| c >= max * (1.0 - 1e-9) && c > lo)
            .unwrap_or(1e12);
        LogScale {
            lo,
            hi,
            bottom,
            top,
        }
    }

    /// The pixel y of `v` (at the floor when `v` is below it).
    pub(super) fn y(&self, v: f64) -> f64 {
        let v = v.clamp(self.lo, self.hi);
        let t = (v / self.lo).log10() / (self.hi / self.lo).log10();
        self.bottom - (self.bottom - self.top) * t
    }

    /// The tick values: every 1-2-5 value from the floor to the top, or only the powers of
    /// ten (and the ends) when two ticks would be closer than [`LABEL_GAP`] pixels.
    pub(super) fn ticks(&self) -> Vec<f64> {
        let within = |v: &f64| *v >= self.lo * (1.0 - 1e-9) && *v <= self.hi * (1.0 + 1e-9);
        let all: Vec<f64> = one_two_five(-2, 12).filter(within).collect();
        // The closest pair of a 1-2-5 sequence is 1 and 2 (a factor of 2).
        let per_decade = (self.bottom - self.top) / (self.hi / self.lo).log10();
        let tight = per_decade * 2f64.log10() < LABEL_GAP;
        if !tight {
            return all;
        }
        let mut kept: Vec<f64> = Vec::new();
        for v in all {
            let decade = v.log10();
            let is_end = (v - self.lo).abs() < 1e-12 || (v - self.hi).abs() < 1e-9 * self.hi;
            let power = (decade - decade.round()).abs() < 1e-9;
            if (power || is_end)
                && kept
                    .last()
                    .is_none_or(|&k| self.y(k) - self.y(v) >= LABEL_GAP)
            {
                kept.push(v);
            }
        }
        kept
    }

    /// The axis: a grid line and a label at each tick, and the axis' name.
    pub(super) fn axis(&self, out: &mut String, label: &str) {
        for v in self.ticks() {
            let y = self.y(v);
            let _ = writeln!(
                out,
                "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e0e0e0\"/>\
                 <text class=\"tick\" data-value=\"{v}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                LEFT + Frame::plot_w(),
                LEFT - 6.0,
                y + 4.0,
                short_number(v)
            );
        }
        let _ = writeln!(
            out,
            "<text class=\"axis-label\" transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
            TOP + Frame::plot_h() / 2.0,
            escape(label)
        );
    }
}

/// `v` with no more decimals than it needs (up to two): 0.05, 0.5, 2, 1000.
pub(super) fn short_number(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Writes the distribution of a forecast's trials as SVG, the way flow tools draw a Monte
/// Carlo forecast: one bar per outcome (items done, or days taken; outcomes grouped in
/// equal bins when there are more than 80), its height the share of the trials, and a
/// dashed vertical line at each answer, labelled with its confidence. Each bar is a
/// `<rect class="bar">` with `data-from`, `data-to` (the outcomes it holds, inclusive) and
/// `data-trials`; each answer a `<line class="answer">` with `data-level` (percent) and
/// `data-value` (items or days). For "how many", the answer at c% is met by the bars at and
/// right of its line; for "when", by those at and left of it.
///
/// # Examples
///
/// ```
/// use valuestream::{ForecastOptions, LogReader, Question, Timelines, Workflow, forecast, write_forecast_svg};
///
/// let mut csv = String::from("id,state,timestamp\n");
/// for d in 1..=20 {
///     let n = if d % 2 == 0 { 2 } else { 0 };
///     for k in 0..n {
///         csv += &format!("I{d}-{k},Dev,2024-03-{d:02}T08:00:00Z\nI{d}-{k},Done,2024-03-{d:02}T17:00:00Z\n");
///     }
/// }
/// csv += "start,Dev,2024-03-01T00:00:00Z\nend,Dev,2024-03-21T00:00:00Z\n";
/// let log = LogReader::builder().build().read(csv.as_bytes())?;
/// let tl = Timelines::new(&log, &Workflow::infer(log.states())?)?;
/// let f = forecast(&tl, Question::HowMany { days: 3 }, &ForecastOptions::new())?;
/// let mut svg = Vec::new();
/// write_forecast_svg(&f, &mut svg)?;
/// let svg = String::from_utf8(svg).unwrap();
/// // 0, 2, 4 or 6 items in 3 days: four bars; one line per confidence level.
/// assert_eq!(svg.matches("<rect class=\"bar\"").count(), 4);
/// assert_eq!(svg.matches("<line class=\"answer\"").count(), 4);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Write`] if writing fails.
pub fn write_forecast_svg<W: io::Write>(forecast: &Forecast, w: W) -> Result<()> {
    let d = &forecast.distribution;
    let (lo, hi) = match (d.first(), d.last()) {
        (Some(&(lo, _)), Some(&(hi, _))) => (lo, hi),
        _ => (0, 0),
    };
    let width = (hi - lo + 1).div_ceil(MAX_BARS).max(1);
    let mut bins: Vec<(u64, u64, u64)> = Vec::new();
    for &(x, n) in d {
        let from = lo + (x - lo) / width * width;
        match bins.last_mut() {
            Some((f, _, t)) if *f == from => *t += u64::from(n),
            _ => bins.push((from, from + width - 1, u64::from(n))),
        }
    }
    let trials = f64::from(forecast.trials.max(1));
    let top = bins.iter().map(|b| b.2).max().unwrap_or(0) as f64 / trials * 100.0;
    let (y_max, y_step) = y_scale(top);
    // One slot per possible outcome from lo to hi, and half a slot of margin each side.
    let slots = (hi - lo + 1) as f64;
    let f = Frame {
        x_max: slots,
        y_max,
        y_step,
    };
    let (unit, question) = match forecast.question {
        Question::HowMany { days } => ("items", format!("How many items in the next {days} days")),
        Question::When { items } => (
            "days",
            format!(
                "When will {items} more item{} be done",
                if items == 1 { "" } else { "s" }
            ),
        ),
    };
    let mut out = String::new();
    open(&mut out, &format!("{question}? {} trials", forecast.trials));
    y_axis(&mut out, &f, "share of the trials (%)");
    let slot_x = |x: u64| (x - lo) as f64;
    for &(from, to, n) in &bins {
        let share = n as f64 / trials * 100.0;
        let (x0, x1) = (f.x(slot_x(from)), f.x(slot_x(to) + 1.0));
        let y = f.y(share);
        let range = if from == to {
            format!("{from} {unit}")
        } else {
            format!("{from}–{to} {unit}")
        };
        let _ = writeln!(
            out,
            "<rect class=\"bar\" data-from=\"{from}\" data-to=\"{to}\" data-trials=\"{n}\" x=\"{x0:.2}\" y=\"{y:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"#56B4E9\"><title>{range}: {share:.1}% of the trials</title></rect>",
            (x1 - x0 - 1.0).max(0.5),
            (TOP + Frame::plot_h() - y).max(0.0),
        );
    }
    answer_lines(&mut out, &f, forecast, |x| slot_x(x) + 0.5, unit);
    let labels: Vec<(f64, String)> = ticks((hi - lo + 1) as usize)
        .into_iter()
        .map(|k| (k as f64 + 0.5, (lo + k as u64).to_string()))
        .collect();
    x_axis(&mut out, &f, &labels);
    let _ = writeln!(
        out,
        "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{unit}</text>",
        LEFT + Frame::plot_w() / 2.0,
        HEIGHT - 8.0
    );
    out.push_str("</svg>\n");
    write_out(w, &out)
}

/// A dashed vertical line at each answer of `forecast`, labelled in the right margin in
/// the order of the levels, so that labels never overlap.
fn answer_lines(
    out: &mut String,
    f: &Frame,
    forecast: &Forecast,
    x_of: impl Fn(u64) -> f64,
    unit: &str,
) {
    let colours = [
        "#009E73", "#0072B2", "#E69F00", "#D55E00", "#CC79A7", "#000000",
    ];
    for (k, a) in forecast.answers.iter().enumerate() {
        let Some(v) = a.items.or(a.days) else {
            continue;
        };
        let level = (a.confidence * 100.0).round();
        let colour = colours[k % colours.len()];
        let x = f.x(x_of(v));
        let date = a.date.map(|d| format!(" ({d})")).unwrap_or_default();
        let row = TOP + 16.0 + 18.0 * k as f64;
        let claim = match forecast.question {
            Question::HowMany { .. } => format!("at least {v} {unit}"),
            Question::When { .. } => format!("{v} {unit}{date}"),
        };
        let _ = writeln!(
            out,
            "<line class=\"answer\" data-level=\"{level}\" data-value=\"{v}\" x1=\"{x:.2}\" x2=\"{x:.2}\" y1=\"{TOP}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"6 3\"><title>{level}%: {claim}</title></line>\
             <text class=\"answer\" x=\"{:.1}\" y=\"{row:.1}\" fill=\"{colour}\">{level}%: {}</text>",
            TOP + Frame::plot_h(),
            LEFT + Frame::plot_w() + 6.0,
            escape(&claim)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings() {
        for (v, want) in [
            (0.0, 1.0),
            (0.4, 1.0),
            (1.0, 1.0),
            (1.2, 2.0),
            (3.0, 5.0),
            (7.0, 10.0),
            (10.0, 10.0),
            (11.0, 20.0),
            (480.0, 500.0),
            (f64::NAN, 1.0),
        ] {
            assert_eq!(nice_ceiling(v), want, "{v}");
        }
    }

    #[test]
    fn y_scales_end_on_the_first_tick_above_the_top() {
        for (top, want) in [
            (0.0, (1.0, 1.0)),
            (3.0, (3.0, 1.0)),
            (9.0, (10.0, 2.0)),
            (49.5, (50.0, 10.0)),
            (742.0, (800.0, 200.0)),
            (1000.0, (1000.0, 200.0)),
        ] {
            assert_eq!(y_scale(top), want, "{top}");
        }
    }

    #[test]
    fn ticks_include_both_ends() {
        assert_eq!(ticks(0), Vec::<usize>::new());
        assert_eq!(ticks(1), [0]);
        assert_eq!(ticks(2), [0, 1]);
        assert_eq!(ticks(5), [0, 1, 2, 3, 4]);
        assert_eq!(ticks(100), [0, 16, 33, 49, 66, 82, 99]);
        // Ten days: no two labels on neighbouring days.
        assert_eq!(ticks(10), [0, 2, 4, 6, 9]);
        for n in 8..300 {
            let t = ticks(n);
            assert!(t.windows(2).all(|w| w[1] - w[0] >= 2), "{n}: {t:?}");
            assert!(
                t.len() <= 7 && t[0] == 0 && t[t.len() - 1] == n - 1,
                "{n}: {t:?}"
            );
        }
    }

    #[test]
    fn labels_are_spread_at_least_a_gap_apart_and_kept_in_order() {
        // Apart already: unchanged.
        assert_eq!(spread_labels(&[50.0, 10.0], 14.0, 0.0, 100.0), [50.0, 10.0]);
        // Three on one line: pushed down from the first.
        assert_eq!(
            spread_labels(&[40.0, 40.0, 40.0], 14.0, 0.0, 100.0),
            [40.0, 54.0, 68.0]
        );
        // At the bottom: pushed up instead, within the range.
        assert_eq!(
            spread_labels(&[99.0, 100.0, 95.0], 14.0, 0.0, 100.0),
            [86.0, 100.0, 72.0]
        );
        assert!(spread_labels(&[], 14.0, 0.0, 100.0).is_empty());
    }

    #[test]
    fn a_log_scale_runs_from_a_one_two_five_floor_to_a_one_two_five_top() {
        let s = |v: &[f64]| Sample::new(v.iter().copied());
        let l = LogScale::new(&s(&[0.0, 0.3, 7.0]), 400.0, 0.0);
        assert_eq!((l.lo, l.hi), (0.2, 10.0));
        assert_eq!(l.ticks(), [0.2, 0.5, 1.0, 2.0, 5.0, 10.0]);
        // 0 at the floor; a decade is the same height everywhere.
        assert_eq!(l.y(0.0), 400.0);
        assert_eq!(l.y(10.0), 0.0);
        assert!(((l.y(0.2) - l.y(2.0)) - (l.y(1.0) - l.y(10.0))).abs() < 1e-9);
        // Floors within [0.01, 1]; a top above the floor.
        let l = LogScale::new(&s(&[0.0001, 3.0]), 400.0, 0.0);
        assert_eq!((l.lo, l.hi), (0.01, 5.0));
        let l = LogScale::new(&s(&[40.0, 40.0]), 400.0, 0.0);
        assert_eq!((l.lo, l.hi), (1.0, 50.0));
        let l = LogScale::new(&s(&[0.0, 1.0]), 400.0, 0.0);
        assert_eq!((l.lo, l.hi), (1.0, 2.0));
        let l = LogScale::new(&s(&[0.0]), 400.0, 0.0);
        assert_eq!((l.lo, l.hi), (1.0, 2.0));
        // Twelve decades crowd: only powers of ten, at least a label's gap apart.
        let l = LogScale::new(&s(&[0.01, 1e10]), 400.0, 0.0);
        let t = l.ticks();
        assert!(
            t.iter()
                .all(|v| (v.log10() - v.log10().round()).abs() < 1e-9),
            "{t:?}"
        );
        assert!(t.windows(2).all(|w| l.y(w[0]) - l.y(w[1]) >= LABEL_GAP));
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short_number(0.05), "0.05");
        assert_eq!(short_number(2.0), "2");
        assert_eq!(short_number(1000.0), "1000");
        assert_eq!(short_number(0.5), "0.5");
    }

    #[test]
    fn escapes_the_xml_specials() {
        assert_eq!(
            escape("R&D <\"x\"> 'y'"),
            "R&amp;D &lt;&quot;x&quot;&gt; &apos;y&apos;"
        );
    }
}
