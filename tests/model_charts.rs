//! The charts and pages of the model's answers: `write_whatif_svg` / `write_whatif_html`
//! and `write_backtest_svg` / `write_backtest_html`, and `whatif --html` / `backtest
//! --html` on the command line. Every bar is checked against the figure of the library's
//! result it draws, against the axis it is drawn on, and where theory or an independent
//! program gives the figure, against that.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use valuestream::{
    Arrivals, BacktestOptions, Distribution, HoldoutBacktest, LogReader, Servers, SimOptions,
    Station, Timelines, ValueStream, WhatIf, Workflow, backtest, parse_instant, what_if,
    write_backtest_html, write_backtest_svg, write_whatif_html, write_whatif_svg,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// An element of the SVG: its tag and its attributes.
#[derive(Debug)]
struct Element {
    tag: String,
    attrs: HashMap<String, String>,
}

impl Element {
    fn f(&self, name: &str) -> f64 {
        self.attrs[name].parse().unwrap()
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }
}

/// Every start tag of `svg` with its attributes (the charts write each attribute as
/// `name="value"`, values escaped).
fn elements(svg: &str) -> Vec<Element> {
    let mut out = Vec::new();
    for chunk in svg.split('<').skip(1) {
        if chunk.starts_with('/') || chunk.starts_with('!') {
            continue;
        }
        let end = chunk.find('>').unwrap();
        let body = &chunk[..end];
        let tag = body.split_whitespace().next().unwrap().to_owned();
        let mut attrs = HashMap::new();
        let mut rest = &body[tag.len()..];
        while let Some(eq) = rest.find("=\"") {
            let name = rest[..eq].trim().to_owned();
            let close = rest[eq + 2..].find('"').unwrap();
            attrs.insert(name, rest[eq + 2..eq + 2 + close].to_owned());
            rest = &rest[eq + 2 + close + 1..];
        }
        out.push(Element { tag, attrs });
    }
    out
}

/// The bars of `svg` by (measure, stage, series), and their section's axis maximum,
/// left edge and plot width.
fn bars(svg: &str) -> HashMap<(String, String, String), (Element, [f64; 3])> {
    let mut out = HashMap::new();
    let mut axis = [0.0; 3];
    for e in elements(svg) {
        if e.tag == "g" && e.get("class") == Some("section") {
            axis = [e.f("data-axis-max"), e.f("data-x0"), e.f("data-plot-width")];
        }
        if e.tag == "rect" && e.get("class").is_some_and(|c| c.starts_with("bar ")) {
            let key = (
                e.attrs["data-measure"].clone(),
                e.get("data-stage").unwrap_or("").to_owned(),
                e.attrs["data-series"].clone(),
            );
            assert!(out.insert(key, (e, axis)).is_none(), "one bar a figure");
        }
    }
    out
}

fn intervals(svg: &str) -> HashMap<(String, String), [f64; 2]> {
    elements(svg)
        .into_iter()
        .filter(|e| e.tag == "line" && e.get("class").is_some_and(|c| c.starts_with("interval")))
        .map(|e| {
            (
                (
                    e.attrs["data-measure"].clone(),
                    e.attrs["data-series"].clone(),
                ),
                [e.f("data-low"), e.f("data-high")],
            )
        })
        .collect()
}

/// Checks that the bar of (measure, stage, series) draws `value` exactly, and that its
/// width is `value` on its axis's scale (to the 0.01 px it is written with).
fn check_bar(svg: &str, measure: &str, stage: &str, series: &str, value: f64) {
    let all = bars(svg);
    let (bar, [max, x0, plot_w]) = &all[&(measure.into(), stage.into(), series.into())];
    assert_eq!(bar.f("data-value"), value, "{measure} {stage} {series}");
    assert_eq!(bar.f("x"), *x0);
    let width = plot_w * value / max;
    assert!(
        (bar.f("width") - width).abs() <= 0.005 + 1e-9,
        "{measure} {series}: width {} for {value} on an axis to {max}",
        bar.f("width")
    );
    assert!(value <= *max, "the axis holds the bar");
    assert!(bar.attrs.contains_key("class"));
}

/// Every text's baseline is at least 10 px from any other text's in the same column:
/// labels cannot overlap.
fn no_overlapping_labels(svg: &str) {
    let texts: Vec<(String, f64, f64)> = elements(svg)
        .into_iter()
        .filter(|e| e.tag == "text")
        .map(|e| (e.attrs["class"].clone(), e.f("x"), e.f("y")))
        .collect();
    let labels: Vec<_> = texts.iter().filter(|t| t.0 == "row-label").collect();
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[i + 1..] {
            assert!(
                (a.2 - b.2).abs() >= 20.0,
                "row labels at {} and {}",
                a.2,
                b.2
            );
        }
    }
    let values: Vec<_> = texts.iter().filter(|t| t.0.starts_with("value")).collect();
    for (i, a) in values.iter().enumerate() {
        for b in &values[i + 1..] {
            assert!(
                (a.2 - b.2).abs() >= 10.0,
                "value labels at {} and {}",
                a.2,
                b.2
            );
        }
    }
}

/// M/M/1 at 50% utilisation (mean cycle time exactly 1/(µ − λ) = 2 days) against two
/// servers (M/M/2: utilisation 25%, Erlang C(2, 0.5) = 0.1, mean cycle time
/// 1/µ + C/(2µ − λ) = 1 + 0.1/1.5 = 1.0667 days).
fn mm1_what_if() -> WhatIf {
    let m = ValueStream::new(
        Arrivals::Poisson { rate_per_day: 0.5 },
        vec![Station::new(
            "Dev",
            Servers::Finite(1),
            Distribution::exponential(1.0).unwrap(),
        )],
    )
    .unwrap();
    let options = SimOptions::new()
        .seed(7)
        .replications(8)
        .horizon_days(4000.0)
        .warmup_days(400.0)
        .threads(2);
    what_if(&m, &["servers Dev=2".parse().unwrap()], &options).unwrap()
}

fn svg_of(w: &WhatIf) -> String {
    let mut out = Vec::new();
    write_whatif_svg(w, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn whatif_bars_draw_the_result_and_queueing_theory() {
    let w = mm1_what_if();
    let svg = svg_of(&w);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    for (series, o) in [("baseline", &w.baseline), ("scenario", &w.scenario)] {
        check_bar(&svg, "cycle-time-mean", "", series, o.cycle_time_days.mean);
        check_bar(&svg, "cycle-time-p85", "", series, o.cycle_time_days.p85);
        check_bar(&svg, "throughput", "", series, o.throughput.per_day);
        check_bar(&svg, "wip", "", series, o.wip.mean);
        let dev = &o.stations[0];
        check_bar(&svg, "wait", "Dev", series, dev.wait_days_mean);
        check_bar(&svg, "time", "Dev", series, dev.time_days_mean);
        check_bar(&svg, "queue", "Dev", series, dev.queue_mean);
        let iv = intervals(&svg);
        assert_eq!(
            iv[&("cycle-time-mean".into(), series.into())],
            o.cycle_time_days.ci95.unwrap()
        );
        assert_eq!(
            iv[&("throughput".into(), series.into())],
            o.throughput.ci95.unwrap()
        );
    }
    // The figures drawn are queueing theory's, within the simulation's noise.
    let all = bars(&svg);
    let value = |m: &str, s: &str| all[&(m.into(), String::new(), s.into())].0.f("data-value");
    assert!((value("cycle-time-mean", "baseline") - 2.0).abs() < 0.15);
    assert!((value("cycle-time-mean", "scenario") - 1.0667).abs() < 0.05);
    // Little's law on the drawn figures: WIP = throughput × cycle time.
    for s in ["baseline", "scenario"] {
        let little = value("throughput", s) * value("cycle-time-mean", s);
        assert!((value("wip", s) - little).abs() / little < 0.05, "{s}");
        assert!((value("throughput", s) - 0.5).abs() < 0.03, "{s}");
    }
    // The baseline's bar is about eight times the scenario's: widths ∝ values.
    let width = |s: &str| {
        all[&("cycle-time-mean".into(), String::new(), s.into())]
            .0
            .f("width")
    };
    let ratio = width("baseline") / width("scenario");
    let expected = value("cycle-time-mean", "baseline") / value("cycle-time-mean", "scenario");
    assert!((ratio - expected).abs() / expected < 1e-3);
    no_overlapping_labels(&svg);
    every_element_has_a_class_and_a_title(&svg);
}

/// Every drawn element (rectangle, line, text) has a class and a `<title>` of its own.
fn every_element_has_a_class_and_a_title(svg: &str) {
    let mut n = 0;
    for tag in ["rect", "line", "text"] {
        for piece in svg.split(&format!("<{tag} ")).skip(1) {
            assert!(piece.starts_with("class=\""), "<{tag} {piece}");
            let own = &piece[..piece.find(&format!("</{tag}>")).unwrap()];
            assert!(own.contains("<title>"), "<{tag} {own}");
            n += 1;
        }
    }
    assert!(n > 20, "{n}");
}

#[test]
fn whatif_page_reads_its_chart_and_fetches_nothing() {
    let w = mm1_what_if();
    let mut out = Vec::new();
    write_whatif_html(&w, &mut out).unwrap();
    let page = String::from_utf8(out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.contains("<script"));
    assert!(
        !page.contains("http:") && !page.contains("https:"),
        "no resource to fetch, no namespace URL"
    );
    assert!(page.contains("@media (prefers-color-scheme:dark)"));
    assert!(page.contains("@media print"));
    assert_eq!(page.matches("<svg").count(), 1);
    assert!(page.contains("<table class=\"whatif\">"));
    let (b, s) = (
        w.baseline.cycle_time_days.mean,
        w.scenario.cycle_time_days.mean,
    );
    let pct = (w.cycle_time.delta_rel * 100.0).round();
    let sentence = format!(
        "Cycle time falls from {b:.1} to {s:.1} days (−{}%); the queue in front of Dev shrinks from {:.1} to {:.1} items",
        -pct, w.baseline.stations[0].queue_mean, w.scenario.stations[0].queue_mean
    );
    assert!(page.contains(&sentence), "{sentence}\n{page}");
    assert!(page.contains(&format!("Trust: {}", html(&w.trust.summary))));
}

fn held_out() -> HoldoutBacktest {
    let dir = root().join("tests/data/holdout");
    let log = LogReader::builder()
        .build()
        .read_path(dir.join("holdout_steady_log.csv"))
        .unwrap();
    let wf = Workflow::from_path(dir.join("workflow.toml")).unwrap();
    let timelines = Timelines::new(&log, &wf).unwrap();
    let split = parse_instant(
        "2024-10-07T00:00:00Z",
        chrono::FixedOffset::east_opt(0).unwrap(),
    )
    .unwrap();
    let options = BacktestOptions::new()
        .train_until(split)
        .replications(6)
        .threads(2);
    backtest(&timelines, &options).unwrap()
}

#[test]
fn backtest_bars_draw_observed_and_predicted_with_the_spread() {
    let b = held_out();
    let mut out = Vec::new();
    write_backtest_svg(&b, &mut out).unwrap();
    let svg = String::from_utf8(out).unwrap();
    let (o, p) = (&b.cycle_time_days.observed, &b.cycle_time_days.predicted);
    check_bar(&svg, "cycle-time-mean", "", "observed", o.mean);
    check_bar(&svg, "cycle-time-mean", "", "predicted", p.mean);
    check_bar(&svg, "cycle-time-p50", "", "observed", o.p50);
    check_bar(&svg, "cycle-time-p85", "", "predicted", p.p85);
    check_bar(
        &svg,
        "throughput",
        "",
        "observed",
        b.throughput_per_day.observed,
    );
    check_bar(
        &svg,
        "throughput",
        "",
        "predicted",
        b.throughput_per_day.predicted,
    );
    check_bar(&svg, "wip", "", "observed", b.wip_mean.observed);
    check_bar(&svg, "wip", "", "predicted", b.wip_mean.predicted);
    for st in &b.stations {
        check_bar(&svg, "station-wip", &st.name, "observed", st.observed);
        check_bar(&svg, "station-wip", &st.name, "predicted", st.predicted);
    }
    // The observed side is what an independent program measured on the same log
    // (tests/data/holdout/README.md: `logged_test_period`).
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/holdout/holdout_truth.json")).unwrap(),
    )
    .unwrap();
    let t = &truth["logged_test_period"];
    assert!((o.mean - t["cycle_time_mean"].as_f64().unwrap()).abs() < 1e-6);
    let rate = t["throughput_per_day"].as_f64().unwrap();
    assert!((b.throughput_per_day.observed - rate).abs() / rate < 1e-4);
    assert_eq!(o.count, t["items"].as_f64().unwrap());
    // The prediction's interval is the spread of the prediction: observed × (1 + error).
    let iv = intervals(&svg);
    let [lo, hi] = iv[&("cycle-time-mean".into(), "predicted".into())];
    assert_eq!(lo, o.mean * (1.0 + b.spread.errors.mean[0]));
    assert_eq!(hi, o.mean * (1.0 + b.spread.errors.mean[1]));
    assert!(lo <= p.mean * (1.0 + 1e-9) && p.mean <= hi * (1.0 + 1e-9) || b.replications < 3);
    assert_eq!(
        iv[&("open-done".into(), "predicted".into())],
        b.spread.open_done_predicted
    );
    assert!(
        !iv.keys().any(|k| k.1 == "observed"),
        "observed has no spread"
    );
    no_overlapping_labels(&svg);
    every_element_has_a_class_and_a_title(&svg);

    let mut out = Vec::new();
    write_backtest_html(&b, &mut out).unwrap();
    let page = String::from_utf8(out).unwrap();
    assert!(!page.contains("<script") && !page.contains("http:"));
    assert!(page.contains(&html(&b.verdict.summary)));
    let sentence = format!(
        "the model predicted a mean cycle time of {:.1} days against {:.1} observed",
        p.mean, o.mean
    );
    assert!(page.contains(&sentence), "{sentence}");
}

/// `text` as the pages escape it.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_valuestream"))
}

#[test]
fn the_commands_write_their_pages() {
    let dir = std::env::temp_dir().join(format!("vs-model-charts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("whatif.html");
    let o = bin()
        .arg("whatif")
        .arg(root().join("data/models/mm1.toml"))
        .args(["--change", "servers Dev=2", "--replications", "3"])
        .args(["--horizon-days", "800", "--warmup-days", "100", "--html"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<svg") && html.contains("Cycle time falls from"));
    assert!(!html.contains("<script") && !html.contains("http:"));
    // The page carries the command's text: its verdict and trust lines.
    let text = String::from_utf8_lossy(&o.stdout);
    let trust = text.lines().find(|l| l.starts_with("Trust: ")).unwrap();
    assert!(html.contains(&self::html(trust)), "{trust}");

    let page = dir.join("backtest.html");
    let hd = root().join("tests/data/holdout");
    let o = bin()
        .arg("backtest")
        .arg(hd.join("holdout_steady_log.csv"))
        .arg("--workflow")
        .arg(hd.join("workflow.toml"))
        .args([
            "--train-until",
            "2024-10-07T00:00:00Z",
            "--replications",
            "3",
        ])
        .arg("--html")
        .arg(&page)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<svg") && html.contains("class=\"bar observed\""));
    assert!(!html.contains("<script") && !html.contains("http:"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Progress is drawn on a terminal only: with stderr a pipe (as here), the long commands
/// write no spinner, no carriage return, no escape sequence, no phase name.
#[test]
fn no_progress_when_stderr_is_not_a_terminal() {
    let hd = root().join("tests/data/holdout");
    let runs = [
        bin()
            .arg("whatif")
            .arg(hd.join("holdout_steady_log.csv"))
            .arg("--workflow")
            .arg(hd.join("workflow.toml"))
            .args(["--change", "servers Review=+1", "--replications", "2"])
            .args(["--horizon-days", "300", "--warmup-days", "30"])
            .output()
            .unwrap(),
        bin()
            .arg("backtest")
            .arg(hd.join("holdout_steady_log.csv"))
            .arg("--workflow")
            .arg(hd.join("workflow.toml"))
            .args(["--replications", "2"])
            .output()
            .unwrap(),
    ];
    for o in runs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains('\r'), "{err:?}");
        assert!(!err.contains('\u{1b}'), "{err:?}");
        assert!(
            !err.chars()
                .any(|c| ('\u{2800}'..='\u{28ff}').contains(&c) || "▏▎▍▌▋▊▉█░▒▓".contains(c)),
            "{err:?}"
        );
        for phase in ["fitting", "simulating", "checking the model", "(0s)"] {
            assert!(!err.contains(phase), "{phase} in {err:?}");
        }
    }
}

/// A removed stage has its baseline bars and, on the scenario's side, a "not measured"
/// text in place of a bar; nothing is drawn for a figure that does not exist.
#[test]
fn a_removed_stage_is_not_measured_in_the_scenario() {
    let m = ValueStream::new(
        Arrivals::Poisson { rate_per_day: 0.5 },
        vec![
            Station::new(
                "Dev",
                Servers::Finite(1),
                Distribution::exponential(1.0).unwrap(),
            ),
            Station::new(
                "Test",
                Servers::Finite(1),
                Distribution::exponential(0.5).unwrap(),
            ),
        ],
    )
    .unwrap();
    let options = SimOptions::new()
        .seed(3)
        .replications(3)
        .horizon_days(600.0)
        .threads(2);
    let w = what_if(&m, &["remove Test".parse().unwrap()], &options).unwrap();
    assert_eq!(w.scenario.stations.len(), 1);
    let svg = svg_of(&w);
    let all = bars(&svg);
    for measure in ["wait", "time", "queue"] {
        let key = |series: &str| (measure.into(), "Test".into(), series.into());
        assert!(all.contains_key(&key("baseline")), "{measure}");
        assert!(!all.contains_key(&key("scenario")), "{measure}");
        assert!(svg.contains(&format!(
            "<text class=\"missing scenario\" data-measure=\"{measure}\" data-stage=\"Test\""
        )));
    }
    check_bar(
        &svg,
        "time",
        "Test",
        "baseline",
        w.baseline.stations[1].time_days_mean,
    );
    every_element_has_a_class_and_a_title(&svg);
    no_overlapping_labels(&svg);
}
