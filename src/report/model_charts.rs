//! Charts and pages of the model's answers: a what-if's baseline against its scenario
//! ([`write_whatif_svg`], [`write_whatif_html`]) and a held-out backtest's observed
//! figures against the model's predictions ([`write_backtest_svg`],
//! [`write_backtest_html`]).
//!
//! The charts are horizontal paired bars, one row a figure, grouped in sections of one unit
//! each (days, items, items a day), so that every label has its own line and none can
//! overlap another. Every drawn element carries a class, a `<title>` and `data-*`
//! attributes with the exact figure it draws (`data-value`, and `data-low` / `data-high`
//! for an interval), as Rust prints an `f64`: the shortest text that reads back to the same
//! number.

use std::fmt::Write as _;
use std::io;

use super::html::page::{POLICY, STYLE};
use super::svg::{PALETTE, escape, write_out, y_scale};
use crate::error::Result;
use crate::model::{HoldoutBacktest, Outcome, WhatIf};

/// The width of a chart.
const W: f64 = 900.0;
/// Where the bars start: the labels end left of it.
const X0: f64 = 300.0;
/// The width of a bar at the top of its axis.
const PLOT_W: f64 = 480.0;
/// Above the first section: the title and the legend.
const HEAD: f64 = 56.0;
/// Above a section's first row: its title and its axis's ticks.
const SECTION_HEAD: f64 = 44.0;
/// The height of one row (two bars and the space under them).
const ROW_H: f64 = 32.0;
/// The height of one bar.
const BAR_H: f64 = 11.0;
/// The most characters of a label; a longer one is shortened in its middle (the whole
/// label stays in its `<title>`).
const LABEL_CHARS: usize = 40;

/// One figure on both sides: a row of two bars.
struct Row {
    /// What it measures, as in `data-measure` (`cycle-time-mean`, `queue`, …).
    measure: &'static str,
    /// The stage (station) it is of, if any.
    stage: Option<String>,
    /// The label on its left.
    label: String,
    /// The two sides' figures, with their interval when they have one.
    values: [(f64, Option<[f64; 2]>); 2],
}

/// Rows of one unit, on one axis.
struct Section {
    title: String,
    /// `days`, `items` or `items a day`.
    unit: &'static str,
    rows: Vec<Row>,
}

/// A chart: its title, the names of its two sides and its sections.
struct Chart<'a> {
    title: &'a str,
    sides: [&'static str; 2],
    sections: Vec<Section>,
}

/// Colours of the two sides: Okabe–Ito grey for the first, blue for the second.
fn colour(side: usize) -> &'static str {
    if side == 0 { PALETTE[0] } else { PALETTE[5] }
}

/// `label` cut in its middle to at most [`LABEL_CHARS`] characters, both ends kept.
fn short_label(label: &str) -> String {
    let n = label.chars().count();
    if n <= LABEL_CHARS {
        return label.to_owned();
    }
    let keep = LABEL_CHARS - 1;
    let head: String = label.chars().take(keep / 2).collect();
    let tail: String = label.chars().skip(n - (keep - keep / 2)).collect();
    format!("{head}…{tail}")
}

/// A figure for a person: two decimals below 100, one below 1000, none above.
fn figure(x: f64) -> String {
    let a = x.abs();
    if a < 100.0 {
        format!("{x:.2}")
    } else if a < 1000.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

impl Chart<'_> {
    fn height(&self) -> f64 {
        HEAD + self
            .sections
            .iter()
            .map(|s| SECTION_HEAD + ROW_H * s.rows.len() as f64 + 8.0)
            .sum::<f64>()
    }

    /// The SVG text; `standalone` adds the namespace a file needs (a page's inline SVG
    /// does without).
    fn render(&self, standalone: bool) -> String {
        let h = self.height();
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg{} class=\"model-chart\" width=\"{W}\" height=\"{h}\" viewBox=\"0 0 {W} {h}\" \
             font-family=\"sans-serif\" font-size=\"12\">\n<title>{}</title>\n\
             <rect class=\"background\" width=\"{W}\" height=\"{h}\" fill=\"white\"><title>{}</title></rect>\n\
             <text class=\"heading\" x=\"16\" y=\"24\" font-size=\"15\">{}<title>{}</title></text>\n",
            if standalone {
                " xmlns=\"http://www.w3.org/2000/svg\""
            } else {
                ""
            },
            escape(self.title),
            escape(self.title),
            escape(self.title),
            escape(self.title)
        );
        self.legend(&mut out);
        let mut y = HEAD;
        for s in &self.sections {
            y = self.section(&mut out, s, y);
        }
        out.push_str("</svg>\n");
        out
    }

    fn legend(&self, out: &mut String) {
        for (k, side) in self.sides.iter().enumerate() {
            let x = X0 + 160.0 * k as f64;
            let _ = writeln!(
                out,
                "<rect class=\"legend-swatch {side}\" data-series=\"{side}\" x=\"{x}\" y=\"34\" width=\"14\" height=\"10\" fill=\"{}\"><title>{side}</title></rect>\
                 <text class=\"legend\" x=\"{}\" y=\"43\">{side}<title>{side}</title></text>",
                colour(k),
                x + 20.0
            );
        }
    }

    /// Draws `s` from `top`; returns where the next section starts.
    fn section(&self, out: &mut String, s: &Section, top: f64) -> f64 {
        let highest = s
            .rows
            .iter()
            .flat_map(|r| r.values.iter())
            .flat_map(|(v, i)| [Some(*v), i.map(|i| i[1])])
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0_f64, f64::max);
        let (max, step) = y_scale(highest);
        let rows_h = ROW_H * s.rows.len() as f64;
        let _ = writeln!(
            out,
            "<g class=\"section\" data-unit=\"{}\" data-axis-max=\"{max}\" data-x0=\"{X0}\" data-plot-width=\"{PLOT_W}\">\
             <title>{}</title>\n<text class=\"section-title\" x=\"16\" y=\"{:.1}\" font-size=\"13\">{}<title>{}</title></text>",
            s.unit,
            escape(&s.title),
            top + 16.0,
            escape(&s.title),
            escape(&s.title)
        );
        let mut v = 0.0;
        while v <= max + 1e-9 {
            let x = X0 + PLOT_W * v / max;
            let _ = writeln!(
                out,
                "<line class=\"grid\" data-value=\"{v}\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#e0e0e0\"><title>{v} {}</title></line>\
                 <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{v}<title>{v} {}</title></text>",
                top + SECTION_HEAD - 8.0,
                top + SECTION_HEAD + rows_h,
                s.unit,
                top + SECTION_HEAD - 12.0,
                s.unit,
            );
            v += step;
        }
        for (i, r) in s.rows.iter().enumerate() {
            let y = top + SECTION_HEAD + ROW_H * i as f64;
            self.row(out, s.unit, r, y, max);
        }
        out.push_str("</g>\n");
        top + SECTION_HEAD + rows_h + 8.0
    }

    fn row(&self, out: &mut String, unit: &str, r: &Row, y: f64, max: f64) {
        let stage_attr = r
            .stage
            .as_deref()
            .map(|s| format!(" data-stage=\"{}\"", escape(s)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<text class=\"row-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"{stage_attr}>{}<title>{}</title></text>",
            X0 - 8.0,
            y + BAR_H + 4.0,
            escape(&short_label(&r.label)),
            escape(&r.label)
        );
        for (k, (value, interval)) in r.values.iter().enumerate() {
            let side = self.sides[k];
            let by = y + (BAR_H + 2.0) * k as f64;
            let what = format!("{}, {side}", r.label);
            if !value.is_finite() {
                let _ = writeln!(
                    out,
                    "<text class=\"missing {side}\" data-measure=\"{}\"{stage_attr} data-series=\"{side}\" x=\"{X0}\" y=\"{:.1}\" font-size=\"10\">not measured<title>{}: not measured</title></text>",
                    r.measure,
                    by + BAR_H - 1.0,
                    escape(&what)
                );
                continue;
            }
            let width = PLOT_W * value.max(0.0) / max;
            let _ = writeln!(
                out,
                "<rect class=\"bar {side}\" data-measure=\"{}\"{stage_attr} data-series=\"{side}\" data-unit=\"{unit}\" data-value=\"{value}\" \
                 x=\"{X0}\" y=\"{by:.1}\" width=\"{width:.2}\" height=\"{BAR_H}\" fill=\"{}\"><title>{}: {} {unit}</title></rect>",
                r.measure,
                colour(k),
                escape(&what),
                figure(*value)
            );
            let mut end = X0 + width;
            if let Some([lo, hi]) = interval.filter(|i| i[0].is_finite() && i[1].is_finite()) {
                let (x1, x2) = (X0 + PLOT_W * lo.max(0.0) / max, X0 + PLOT_W * hi / max);
                let cy = by + BAR_H / 2.0;
                let _ = writeln!(
                    out,
                    "<line class=\"interval {side}\" data-measure=\"{}\"{stage_attr} data-series=\"{side}\" data-low=\"{lo}\" data-high=\"{hi}\" \
                     x1=\"{x1:.2}\" x2=\"{x2:.2}\" y1=\"{cy:.1}\" y2=\"{cy:.1}\" stroke=\"#222\" stroke-width=\"1.5\"><title>{}: {} to {} {unit}</title></line>",
                    r.measure,
                    escape(&what),
                    figure(lo),
                    figure(hi)
                );
                end = end.max(x2);
            }
            let _ = writeln!(
                out,
                "<text class=\"value {side}\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}<title>{}: {} {unit}</title></text>",
                end + 4.0,
                by + BAR_H - 1.0,
                figure(*value),
                escape(&what),
                figure(*value)
            );
        }
    }
}

/// A row of a what-if: `f` of the baseline and of the scenario.
fn both(
    w: &WhatIf,
    measure: &'static str,
    label: &str,
    f: impl Fn(&Outcome) -> (f64, Option<[f64; 2]>),
) -> Row {
    Row {
        measure,
        stage: None,
        label: label.to_owned(),
        values: [f(&w.baseline), f(&w.scenario)],
    }
}

/// The stations of a what-if, the baseline's first, then those only in the scenario.
fn station_names(w: &WhatIf) -> Vec<&str> {
    let mut names: Vec<&str> = w
        .baseline
        .stations
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    for s in &w.scenario.stations {
        if !names.contains(&s.name.as_str()) {
            names.push(&s.name);
        }
    }
    names
}

/// Rows of one figure per station (NaN where a side has no such station).
fn station_rows(
    w: &WhatIf,
    measure: &'static str,
    label: impl Fn(&str) -> String,
    f: impl Fn(&crate::model::OutcomeStation) -> f64,
) -> Vec<Row> {
    let of = |o: &Outcome, name: &str| {
        o.stations
            .iter()
            .find(|s| s.name == name)
            .map_or(f64::NAN, &f)
    };
    station_names(w)
        .into_iter()
        .map(|name| Row {
            measure,
            stage: Some(name.to_owned()),
            label: label(name),
            values: [(of(&w.baseline, name), None), (of(&w.scenario, name), None)],
        })
        .collect()
}

fn whatif_chart(w: &WhatIf) -> Chart<'static> {
    let mut days = vec![
        both(w, "cycle-time-mean", "cycle time, mean", |o| {
            (o.cycle_time_days.mean, o.cycle_time_days.ci95)
        }),
        both(w, "cycle-time-p85", "cycle time, 85th percentile", |o| {
            (o.cycle_time_days.p85, None)
        }),
    ];
    days.extend(station_rows(
        w,
        "wait",
        |n| format!("waiting in front of {n}"),
        |s| s.wait_days_mean,
    ));
    days.extend(station_rows(
        w,
        "time",
        |n| format!("at {n}, waiting and served"),
        |s| s.time_days_mean,
    ));
    let mut items = vec![both(w, "wip", "work in progress, mean", |o| {
        (o.wip.mean, o.wip.ci95)
    })];
    items.extend(station_rows(
        w,
        "queue",
        |n| format!("queue in front of {n}"),
        |s| s.queue_mean,
    ));
    let rate = vec![both(w, "throughput", "throughput", |o| {
        (o.throughput.per_day, o.throughput.ci95)
    })];
    Chart {
        title: "What if: baseline and scenario",
        sides: ["baseline", "scenario"],
        sections: vec![
            Section {
                title: "Days (mean per item)".into(),
                unit: "days",
                rows: days,
            },
            Section {
                title: "Items (time average)".into(),
                unit: "items",
                rows: items,
            },
            Section {
                title: "Items done a day".into(),
                unit: "items a day",
                rows: rate,
            },
        ],
    }
}

/// `observed × (1 + e)` for the two ends of a relative error's spread: the prediction's
/// 5th–95th percentile over the replications.
fn spread_of(observed: f64, e: [f64; 2]) -> Option<[f64; 2]> {
    let i = [observed * (1.0 + e[0]), observed * (1.0 + e[1])];
    (observed > 0.0 && i.iter().all(|v| v.is_finite())).then_some(i)
}

fn backtest_chart(b: &HoldoutBacktest) -> Chart<'static> {
    let (o, p) = (&b.cycle_time_days.observed, &b.cycle_time_days.predicted);
    let e = &b.spread.errors;
    let row = |measure, label: &str, obs: f64, pred: f64, spread: Option<[f64; 2]>| Row {
        measure,
        stage: None,
        label: label.to_owned(),
        values: [(obs, None), (pred, spread)],
    };
    let days = vec![
        row(
            "cycle-time-mean",
            "cycle time, mean",
            o.mean,
            p.mean,
            spread_of(o.mean, e.mean),
        ),
        row(
            "cycle-time-p50",
            "cycle time, median",
            o.p50,
            p.p50,
            spread_of(o.p50, e.p50),
        ),
        row(
            "cycle-time-p85",
            "cycle time, 85th percentile",
            o.p85,
            p.p85,
            spread_of(o.p85, e.p85),
        ),
    ];
    let mut items = vec![row(
        "wip",
        "work in progress, mean",
        b.wip_mean.observed,
        b.wip_mean.predicted,
        spread_of(b.wip_mean.observed, e.wip),
    )];
    items.extend(b.stations.iter().map(|s| Row {
        measure: "station-wip",
        stage: Some(s.name.clone()),
        label: format!("at {}, mean", s.name),
        values: [(s.observed, None), (s.predicted, None)],
    }));
    items.push(row(
        "open-done",
        "open at the split, done by the end",
        b.open_at_split.done_observed as f64,
        b.open_at_split.done_predicted,
        Some(b.spread.open_done_predicted),
    ));
    let rate = vec![row(
        "throughput",
        "throughput",
        b.throughput_per_day.observed,
        b.throughput_per_day.predicted,
        spread_of(b.throughput_per_day.observed, e.throughput),
    )];
    Chart {
        title: "Held-out backtest: observed and predicted",
        sides: ["observed", "predicted"],
        sections: vec![
            Section {
                title: format!(
                    "Cycle time of the {} committed after the split and done, days",
                    crate::stats::plural(o.count as u64, "item", "items")
                ),
                unit: "days",
                rows: days,
            },
            Section {
                title: "Items in the test period".into(),
                unit: "items",
                rows: items,
            },
            Section {
                title: "Items done a day in the test period".into(),
                unit: "items a day",
                rows: rate,
            },
        ],
    }
}

/// Writes a what-if's chart as SVG: for each figure of [`WhatIf`]'s `baseline` and
/// `scenario` a pair of horizontal bars (baseline grey, scenario blue), in three sections
/// of one axis each:
///
/// - days: the mean cycle time (with its 95% confidence interval as a line), its 85th
///   percentile, and per station the mean wait in its queue and the mean time in it;
/// - items: the mean work in progress (with its interval) and per station the mean queue;
/// - items a day: the throughput (with its interval).
///
/// Each bar is a `<rect class="bar baseline">` or `<rect class="bar scenario">` with
/// `data-measure` (`cycle-time-mean`, `cycle-time-p85`, `wait`, `time`, `wip`, `queue`,
/// `throughput`), `data-stage` for a station's figure, `data-series` and `data-value`;
/// its width is `data-value` over its section's `data-axis-max`, times its
/// `data-plot-width`. An interval is a `<line class="interval">` with `data-low` and
/// `data-high`. A station that one side lacks (a removed stage) has a `not measured` text
/// instead of its bar.
///
/// # Examples
///
/// ```
/// use valuestream::{
///     Arrivals, Change, Distribution, Servers, SimOptions, Station, ValueStream, what_if,
///     write_whatif_svg,
/// };
///
/// // M/M/1 at half load, against a second server.
/// let model = ValueStream::new(
///     Arrivals::Poisson { rate_per_day: 0.5 },
///     vec![Station::new("Dev", Servers::Finite(1), Distribution::exponential(1.0)?)],
/// )?;
/// let options = SimOptions::new().seed(1).replications(4).horizon_days(500.0);
/// let w = what_if(&model, &["servers Dev=2".parse::<Change>()?], &options)?;
/// let mut svg = Vec::new();
/// write_whatif_svg(&w, &mut svg)?;
/// let svg = String::from_utf8(svg).unwrap();
/// // The bar of the baseline's mean cycle time carries the exact figure it draws.
/// let mean = w.baseline.cycle_time_days.mean;
/// assert!(svg.contains(&format!("data-value=\"{mean}\"")));
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`crate::Error::Write`] if writing fails.
pub fn write_whatif_svg<W: io::Write>(what_if: &WhatIf, w: W) -> Result<()> {
    write_out(w, &whatif_chart(what_if).render(true))
}

/// Writes a held-out backtest's chart as SVG: for each figure the observed value (grey)
/// and the model's prediction (blue, the mean over replications), with the prediction's
/// 5th–95th percentile over the replications as a line where the result has one:
///
/// - days: the mean, median and 85th percentile cycle time of the items committed after
///   the split and done;
/// - items: the mean work in progress, per station the mean work in it, and the items open
///   at the split that were done by the end;
/// - items a day: the throughput.
///
/// The elements are as in [`write_whatif_svg`], with `data-series` `observed` or
/// `predicted` and `data-measure` `cycle-time-mean`, `cycle-time-p50`, `cycle-time-p85`,
/// `wip`, `station-wip`, `open-done` or `throughput`. A prediction's interval is the
/// observed value × (1 + the relative error's spread), which is the spread of the
/// prediction itself.
///
/// # Errors
///
/// [`crate::Error::Write`] if writing fails.
pub fn write_backtest_svg<W: io::Write>(backtest: &HoldoutBacktest, w: W) -> Result<()> {
    write_out(w, &backtest_chart(backtest).render(true))
}

/// "falls from 27.2 to 20.1", "rises from …", "stays at 3.0" (one decimal).
fn movement(from: f64, to: f64, down: &str, up: &str) -> String {
    movement_to(from, to, 1, down, up)
}

/// As [`movement`], to `decimals` places.
fn movement_to(from: f64, to: f64, decimals: usize, down: &str, up: &str) -> String {
    let (a, b) = (format!("{from:.decimals$}"), format!("{to:.decimals$}"));
    if a == b {
        format!("stays at {a}")
    } else if to < from {
        format!("{down} from {a} to {b}")
    } else {
        format!("{up} from {a} to {b}")
    }
}

/// A relative change as " (−26%)", or nothing when it is not defined or rounds to 0.
fn rel_suffix(rel: f64) -> String {
    let p = (rel * 100.0).round();
    if !p.is_finite() || p == 0.0 {
        String::new()
    } else if p < 0.0 {
        format!(" (−{}%)", -p)
    } else {
        format!(" (+{p}%)")
    }
}

/// The sentence that reads a what-if's chart.
fn whatif_sentence(w: &WhatIf) -> String {
    let (b, s) = (&w.baseline, &w.scenario);
    let mut out = format!(
        "Cycle time {} days{}",
        movement(
            b.cycle_time_days.mean,
            s.cycle_time_days.mean,
            "falls",
            "rises"
        ),
        rel_suffix(w.cycle_time.delta_rel)
    );
    let moved = b
        .stations
        .iter()
        .filter_map(|x| {
            let y = s.stations.iter().find(|y| y.name == x.name)?;
            let d = (y.queue_mean - x.queue_mean).abs();
            d.is_finite().then_some((d, x, y))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((_, x, y)) = moved {
        out.push_str(&format!(
            "; the queue in front of {} {} items",
            x.name,
            movement(x.queue_mean, y.queue_mean, "shrinks", "grows")
        ));
    }
    out.push_str(&format!(
        "; throughput {} items a day.",
        movement_to(
            b.throughput.per_day,
            s.throughput.per_day,
            2,
            "falls",
            "rises"
        )
    ));
    out
}

/// The sentence that reads a backtest's chart.
fn backtest_sentence(b: &HoldoutBacktest) -> String {
    let c = &b.cycle_time_days;
    format!(
        "For the {} committed after the split and done, the model predicted a mean cycle time of {:.1} days against {:.1} observed{}, and a throughput of {:.2} items a day against {:.2} observed{}.",
        crate::stats::plural(c.observed.count as u64, "item", "items"),
        c.predicted.mean,
        c.observed.mean,
        rel_suffix(b.errors.mean),
        b.throughput_per_day.predicted,
        b.throughput_per_day.observed,
        rel_suffix(b.errors.throughput)
    )
}

/// A page with nothing to fetch, in the report page's style and under its content
/// security policy: `title`, the text output (`body`), the chart and what reads it
/// (`sentence`).
fn page(title: &str, body: &str, svg: &str, sentence: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">\n\
         <title>{t}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{t}</h1>\n\
         <p class=\"reading\">{}</p>\n{body}<figure>\n{svg}</figure>\n</main>\n</body>\n</html>\n",
        escape(sentence),
        t = escape(title),
    )
}

/// `<tr>` of cells, the first a header of its row.
fn tr(cells: &[String]) -> String {
    let mut s = String::from("<tr>");
    for (i, c) in cells.iter().enumerate() {
        let cell = if i == 0 { "th" } else { "td class=\"num\"" };
        let tag = if i == 0 { "th" } else { "td" };
        s.push_str(&format!("<{cell}>{}</{tag}>", escape(c)));
    }
    s.push_str("</tr>\n");
    s
}

fn fixed(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "–".to_owned()
    }
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.1}%", x * 100.0)
    } else {
        "–".to_owned()
    }
}

fn whatif_body(w: &WhatIf) -> String {
    let (b, s) = (&w.baseline, &w.scenario);
    let mut t = format!(
        "<p class=\"changes\">What if: {}</p>\n<table class=\"whatif\">\n",
        escape(&w.changes.join(", "))
    );
    t.push_str(&tr(&[
        "measure".into(),
        "baseline".into(),
        "scenario".into(),
        "change".into(),
    ]));
    let rows = [
        (
            "cycle time mean (days)",
            b.cycle_time_days.mean,
            s.cycle_time_days.mean,
            2,
        ),
        (
            "cycle time p85 (days)",
            b.cycle_time_days.p85,
            s.cycle_time_days.p85,
            2,
        ),
        (
            "throughput (a day)",
            b.throughput.per_day,
            s.throughput.per_day,
            2,
        ),
        ("WIP", b.wip.mean, s.wip.mean, 1),
    ];
    for (label, x, y, d) in rows {
        let rel = if x == 0.0 { f64::NAN } else { (y - x) / x };
        t.push_str(&tr(&[label.into(), fixed(x, d), fixed(y, d), pct(rel)]));
    }
    let name = |o: &Outcome| o.bottleneck.clone().unwrap_or_else(|| "-".into());
    t.push_str(&tr(&["bottleneck".into(), name(b), name(s), String::new()]));
    for st in &b.stations {
        let after = s.stations.iter().find(|x| x.name == st.name);
        t.push_str(&tr(&[
            format!("waiting in front of {} (days)", st.name),
            fixed(st.wait_days_mean, 2),
            after.map_or("(removed)".into(), |x| fixed(x.wait_days_mean, 2)),
            String::new(),
        ]));
    }
    for c in &w.classes {
        let d = &c.cycle_time;
        t.push_str(&tr(&[
            format!("cycle time mean of {} (days)", c.class),
            fixed(d.baseline, 2),
            fixed(d.scenario, 2),
            pct(d.delta_rel),
        ]));
    }
    t.push_str("</table>\n");
    t.push_str(&format!(
        "<p class=\"verdict\">{}</p>\n<p class=\"trust\">Trust: {}</p>\n",
        escape(&w.verdict),
        escape(&w.trust.summary)
    ));
    t
}

fn backtest_table(b: &HoldoutBacktest) -> String {
    let (o, p) = (&b.cycle_time_days.observed, &b.cycle_time_days.predicted);
    let (e, sp) = (&b.errors, &b.spread);
    let range = |r: [f64; 2]| format!("{} to {}", pct(r[0]), pct(r[1]));
    let mut t = String::from("<table class=\"backtest\">\n");
    t.push_str(&tr(&[
        "measure".into(),
        "observed".into(),
        "predicted".into(),
        "error".into(),
        "5th–95th percentile over replications".into(),
    ]));
    let rows = [
        (
            "cycle time mean (days)",
            o.mean,
            p.mean,
            e.mean,
            sp.errors.mean,
        ),
        ("cycle time p50 (days)", o.p50, p.p50, e.p50, sp.errors.p50),
        ("cycle time p85 (days)", o.p85, p.p85, e.p85, sp.errors.p85),
        (
            "throughput (a day)",
            b.throughput_per_day.observed,
            b.throughput_per_day.predicted,
            e.throughput,
            sp.errors.throughput,
        ),
        (
            "mean WIP",
            b.wip_mean.observed,
            b.wip_mean.predicted,
            e.wip,
            sp.errors.wip,
        ),
    ];
    for (label, x, y, err, r) in rows {
        t.push_str(&tr(&[
            label.into(),
            fixed(x, 2),
            fixed(y, 2),
            pct(err),
            range(r),
        ]));
    }
    for st in &b.stations {
        t.push_str(&tr(&[
            format!("WIP at {}", st.name),
            fixed(st.observed, 2),
            fixed(st.predicted, 2),
            String::new(),
            String::new(),
        ]));
    }
    t.push_str(&tr(&[
        "CTDD (× observed mean)".into(),
        String::new(),
        fixed(b.ctdd_relative, 3),
        String::new(),
        format!(
            "{} to {}",
            fixed(sp.ctdd_relative[0], 3),
            fixed(sp.ctdd_relative[1], 3)
        ),
    ]));
    t.push_str("</table>\n");
    t
}

fn backtest_body(b: &HoldoutBacktest) -> String {
    let mut t = format!(
        "<p class=\"split\">Fitted to the log up to {}, predicting the {:.1} days to {} ({}, seed {}).</p>\n",
        b.train_until.format("%Y-%m-%d %H:%M"),
        b.test_days,
        b.as_of.format("%Y-%m-%d %H:%M"),
        crate::stats::plural(u64::from(b.replications), "replication", "replications"),
        b.seed
    );
    t.push_str(&backtest_table(b));
    let open = &b.open_at_split;
    t.push_str(&format!(
        "<p class=\"open\">Open at the split: {}; done by the end: {} observed, {:.1} predicted.</p>\n",
        crate::stats::plural(open.count as u64, "item", "items"),
        open.done_observed,
        open.done_predicted
    ));
    t.push_str(&format!(
        "<p class=\"verdict\">{}</p>\n",
        escape(&b.verdict.summary)
    ));
    for w in &b.window_check.warnings {
        t.push_str(&format!(
            "<p class=\"warning\">{}</p>\n",
            escape(&w.message)
        ));
    }
    for n in &b.notes {
        t.push_str(&format!("<p class=\"note\">Note: {}</p>\n", escape(n)));
    }
    t
}

/// Writes a what-if as one HTML page with nothing to fetch (no script, no link, inline
/// style with dark-mode and print rules): a sentence reading the chart (how cycle time,
/// the queue that moves most and throughput change), the comparison as a table, the
/// verdict and the model's trust, and the chart of [`write_whatif_svg`] inline.
///
/// # Errors
///
/// [`crate::Error::Write`] if writing fails.
pub fn write_whatif_html<W: io::Write>(what_if: &WhatIf, w: W) -> Result<()> {
    let svg = whatif_chart(what_if).render(false);
    let html = page(
        "What if",
        &whatif_body(what_if),
        &svg,
        &whatif_sentence(what_if),
    );
    write_out(w, &html)
}

/// Writes a held-out backtest as one HTML page with nothing to fetch (as
/// [`write_whatif_html`]): a sentence reading the chart, the measures as a table, the
/// verdict, and the chart of [`write_backtest_svg`] inline.
///
/// # Errors
///
/// [`crate::Error::Write`] if writing fails.
pub fn write_backtest_html<W: io::Write>(backtest: &HoldoutBacktest, w: W) -> Result<()> {
    let svg = backtest_chart(backtest).render(false);
    let html = page(
        "Held-out backtest",
        &backtest_body(backtest),
        &svg,
        &backtest_sentence(backtest),
    );
    write_out(w, &html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_cut_in_the_middle_and_keep_both_ends() {
        assert_eq!(short_label("short"), "short");
        let long = format!("waiting in front of {}", "x".repeat(60) + "END");
        let s = short_label(&long);
        assert_eq!(s.chars().count(), LABEL_CHARS);
        assert!(s.starts_with("waiting") && s.ends_with("END") && s.contains('…'));
    }

    #[test]
    fn movements_and_percentages_read_as_sentences() {
        assert_eq!(
            movement(27.2, 20.1, "falls", "rises"),
            "falls from 27.2 to 20.1"
        );
        assert_eq!(
            movement(3.1, 7.4, "shrinks", "grows"),
            "grows from 3.1 to 7.4"
        );
        assert_eq!(movement(3.01, 3.04, "falls", "rises"), "stays at 3.0");
        assert_eq!(rel_suffix(-0.261), " (−26%)");
        assert_eq!(rel_suffix(0.004), "");
        assert_eq!(rel_suffix(f64::NAN), "");
    }
}
