//! The charts of issue 16 against the figures they draw, computed here by hand from small
//! logs: element counts, `data-*` figures, pixel positions that follow the axes' scales,
//! means and type-7 percentiles, histogram bins that lose no item, log-scale ticks, and
//! labels that never overlap. Then every chart on the logs shipped in `data/`.

use std::path::PathBuf;

use valuestream::{
    CycleTimeChart, LogReader, Metrics, MetricsOptions, Report, Sample, Stage, StageKind,
    Timelines, Workflow, write_aging_wip_svg, write_cycle_time_histogram_svg, write_cycle_time_svg,
    write_cycle_time_svg_with, write_stage_time_svg, write_throughput_svg, write_wip_svg,
};

// ---------------------------------------------------------------------------------------
// Reading the SVG
// ---------------------------------------------------------------------------------------

/// Every element that starts with `tag` (e.g. `<circle class="item"`), as the text of its
/// opening tag.
fn elements<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
    svg.match_indices(tag)
        .map(|(i, _)| {
            let rest = &svg[i..];
            &rest[..rest.find('>').unwrap()]
        })
        .collect()
}

/// The value of attribute `name` of an opening tag.
fn attr<'a>(el: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let start = el.find(&key).unwrap_or_else(|| panic!("no {name} in {el}")) + key.len();
    &el[start..start + el[start..].find('"').unwrap()]
}

fn num(el: &str, name: &str) -> f64 {
    attr(el, name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} of {el}"))
}

/// The values of attribute `name` of every element starting with `tag`.
fn nums(svg: &str, tag: &str, name: &str) -> Vec<f64> {
    elements(svg, tag).iter().map(|e| num(e, name)).collect()
}

/// The pixel y of the x axis (the bottom of the plot).
fn bottom(svg: &str) -> f64 {
    num(elements(svg, "<line class=\"axis\"")[0], "y1")
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// Asserts that the baselines `ys` (of 12-pixel labels in one margin) are at least 14 pixels
/// apart.
fn no_overlap(ys: &[f64]) {
    let mut ys = ys.to_vec();
    ys.sort_by(f64::total_cmp);
    for w in ys.windows(2) {
        assert!(w[1] - w[0] >= 14.0 - 1e-6, "labels overlap: {ys:?}");
    }
}

/// The baselines of the `<text>` elements of class `class`.
fn label_ys(svg: &str, class: &str) -> Vec<f64> {
    nums(svg, &format!("<text class=\"{class}\""), "y")
}

#[cfg(feature = "xes")]
fn well_formed(svg: &str) {
    let mut r = quick_xml::Reader::from_str(svg);
    let mut depth = 0i32;
    loop {
        match r.read_event().unwrap() {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
}

#[cfg(not(feature = "xes"))]
fn well_formed(svg: &str) {
    assert_eq!(svg.matches("<svg").count(), 1);
    assert!(svg.trim_end().ends_with("</svg>"));
}

/// Runs a chart writer into a string, checked well formed and free of NaN and infinities.
fn render(write: impl FnOnce(&mut Vec<u8>) -> valuestream::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).unwrap();
    let svg = String::from_utf8(out).unwrap();
    well_formed(&svg);
    finite(&svg);
    readable(&svg);
    svg
}

/// Asserts that every text coloured by a `fill="#rrggbb"` has a contrast of at least 3:1
/// against the white background (WCAG's relative luminance).
fn readable(svg: &str) {
    let lum = |hex: &str| {
        let c = |i: usize| {
            let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * c(0) + 0.7152 * c(2) + 0.0722 * c(4)
    };
    for t in elements(svg, "<text ") {
        if let Some(i) = t.find(" fill=\"#") {
            let short = &t[i + 8..];
            let short = &short[..short.find('"').unwrap()];
            // #rgb is #rrggbb.
            let hex: String = if short.len() == 3 {
                short.chars().flat_map(|c| [c, c]).collect()
            } else {
                short.to_owned()
            };
            let ratio = 1.05 / (lum(&hex) + 0.05);
            assert!(ratio >= 3.0, "{t}: contrast {ratio:.2}");
        }
    }
}

/// Asserts that `svg` has no word a non-finite `f64` prints as (`NaN`, `inf`, `-inf`).
fn finite(svg: &str) {
    let bad = svg
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_lowercase)
        .find(|w| w == "nan" || w == "inf" || w == "infinity");
    assert!(bad.is_none(), "{bad:?} in\n{svg}");
}

// ---------------------------------------------------------------------------------------
// A small log, by hand
// ---------------------------------------------------------------------------------------

/// Every event at noon, the window from 1 March noon to 10 March noon (days 1 to 10).
///
/// | item | commitment (Dev) | then | done | cycle time | at the end |
/// |---|---|---|---|---|---|
/// | A | 1 | Ready 2, Test 3 | 5 | 4 | |
/// | B | 1 | | 3 | 2 | |
/// | C | 2 | Ready 3, Test 6 | 8 | 6 | |
/// | D | 3 | | 4 | 1 | |
/// | E | 9 | | | | Dev, 1 day old |
/// | F | 6 | Ready 7 | | | Ready, 4 |
/// | G | 4 | Test 5 | | | Test, 6 |
/// | H | 5 | Ready 6 | | | Ready, 5 |
/// | I (a long id) | 7 | | | | Dev, 3 |
/// | J | 8 | Test 10 | | | Test, 2 |
/// | K | (To Do 2) | | | | not started |
const LONG_ID: &str = "PROJ-1234 the longest <id> & more";

fn log_csv() -> String {
    let rows = [
        ("A", "To Do", 1),
        ("A", "Dev", 1),
        ("A", "Ready", 2),
        ("A", "Test", 3),
        ("A", "Done", 5),
        ("B", "Dev", 1),
        ("B", "Done", 3),
        ("C", "Dev", 2),
        ("C", "Ready", 3),
        ("C", "Test", 6),
        ("C", "Done", 8),
        ("D", "Dev", 3),
        ("D", "Done", 4),
        ("E", "Dev", 9),
        ("F", "Dev", 6),
        ("F", "Ready", 7),
        ("G", "Dev", 4),
        ("G", "Test", 5),
        ("H", "Dev", 5),
        ("H", "Ready", 6),
        (LONG_ID, "Dev", 7),
        ("J", "Dev", 8),
        ("J", "Test", 10),
        ("K", "To Do", 2),
    ];
    let mut csv = String::from("id,state,timestamp\n");
    for (id, state, day) in rows {
        let id = if id.contains(',') || id.contains('"') {
            format!("\"{}\"", id.replace('"', "\"\""))
        } else {
            id.to_owned()
        };
        csv += &format!("{id},{state},2024-03-{day:02}T12:00:00Z\n");
    }
    csv
}

fn workflow() -> Workflow {
    Workflow::new(
        vec![
            Stage::new("Backlog", StageKind::Backlog).with_states(["To Do"]),
            Stage::new("Dev", StageKind::Active),
            Stage::new("Ready", StageKind::Wait),
            Stage::new("Test", StageKind::Active).with_servers(1),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap()
}

fn timelines_of(csv: &str, wf: &Workflow) -> Timelines {
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    Timelines::new(&log, wf).unwrap()
}

fn small() -> Timelines {
    timelines_of(&log_csv(), &workflow())
}

fn report_of(tl: &Timelines) -> Report {
    Metrics::new(tl, &MetricsOptions::new())
        .unwrap()
        .report()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// Aging WIP
// ---------------------------------------------------------------------------------------

#[test]
fn aging_draws_each_item_in_progress_in_its_column_at_its_age() {
    let report = report_of(&small());
    let svg = render(|w| write_aging_wip_svg(&report, w));
    // One column per wait and active stage, in order; no backlog, no done.
    let columns = elements(&svg, "<rect class=\"column\"");
    let names: Vec<&str> = columns.iter().map(|c| attr(c, "data-stage")).collect();
    assert_eq!(names, ["Dev", "Ready", "Test"]);
    let per_column: Vec<f64> = columns.iter().map(|c| num(c, "data-items")).collect();
    assert_eq!(per_column, [2.0, 2.0, 2.0]);
    // Six items in progress, K (not started) and the done ones not drawn.
    let dots = elements(&svg, "<circle class=\"item\"");
    let mut got: Vec<(String, String, f64, String)> = dots
        .iter()
        .map(|d| {
            (
                attr(d, "data-id").to_owned(),
                attr(d, "data-stage").to_owned(),
                num(d, "data-age"),
                attr(d, "data-percentile").to_owned(),
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    // Cycle times 1, 2, 4, 6: p50 = 3, p70 = 4.2, p85 = 5.1, p95 = 5.7 (type 7). An age
    // passes a percentile when it exceeds it: I, 3 days old, passes none.
    let long = "PROJ-1234 the longest &lt;id&gt; &amp; more";
    let want = [
        ("E", "Dev", 1.0, "none"),
        ("F", "Ready", 4.0, "50"),
        ("G", "Test", 6.0, "95"),
        ("H", "Ready", 5.0, "70"),
        ("J", "Test", 2.0, "none"),
        (long, "Dev", 3.0, "none"),
    ];
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str(), g.3.as_str()), (w.0, w.1, w.3));
        assert!(close(g.2, w.2, 1e-9), "{g:?}");
    }
    // The long id is whole in its title.
    assert!(svg.contains(&format!("<title>{long}: 3.0 days in Dev</title>")));
    // Each dot lies in its column.
    for d in &dots {
        let col = columns
            .iter()
            .find(|c| attr(c, "data-stage") == attr(d, "data-stage"))
            .unwrap();
        let (x0, w) = (num(col, "x"), num(col, "width"));
        let cx = num(d, "cx");
        assert!(x0 < cx && cx < x0 + w, "{d}");
    }
    // Ages and percentiles on one linear scale from the axis: pixels per day the same.
    let b = bottom(&svg);
    let scale = (b - num(dots[0], "cy")) / num(dots[0], "data-age");
    for d in &dots {
        assert!(
            close(b - num(d, "cy"), scale * num(d, "data-age"), 0.02),
            "{d}"
        );
    }
    let lines = elements(&svg, "<line class=\"percentile\"");
    let levels: Vec<f64> = lines.iter().map(|l| num(l, "data-level")).collect();
    assert_eq!(levels, [50.0, 70.0, 85.0, 95.0]);
    for (l, want) in lines.iter().zip([3.0, 4.2, 5.1, 5.7]) {
        assert!(close(num(l, "data-value"), want, 1e-9), "{l}");
        assert!(close(b - num(l, "y1"), scale * want, 0.02), "{l}");
    }
    no_overlap(&label_ys(&svg, "percentile"));
}

#[test]
fn aging_labels_stay_apart_when_percentiles_coincide_and_no_wip_is_a_sentence() {
    // Three items done in 3 days each: all four percentiles are 3 days. Nothing open.
    let csv = "id,state,timestamp\n\
               A,Dev,2024-03-01\nA,Done,2024-03-04\n\
               B,Dev,2024-03-02\nB,Done,2024-03-05\n\
               C,Dev,2024-03-03\nC,Done,2024-03-06\n";
    let report = report_of(&timelines_of(csv, &workflow()));
    let svg = render(|w| write_aging_wip_svg(&report, w));
    let ys = nums(&svg, "<line class=\"percentile\"", "y1");
    assert_eq!(ys.len(), 4);
    assert!(ys.iter().all(|&y| close(y, ys[0], 1e-9)));
    let labels = label_ys(&svg, "percentile");
    assert_eq!(labels.len(), 4);
    no_overlap(&labels);
    assert_eq!(svg.matches("<circle class=\"item\"").count(), 0);
    assert!(svg.contains("<text class=\"empty\""));
    assert!(svg.contains("No item is in progress at the end of the window."));
}

#[test]
fn an_item_moved_back_to_the_backlog_gets_its_column_and_long_names_are_shortened() {
    // B was committed (Dev), then moved back to the backlog: in progress, in Backlog.
    let csv = "id,state,timestamp\n\
               A,Dev,2024-03-01\nA,Done,2024-03-03\n\
               B,Dev,2024-03-01\nB,To Do,2024-03-02\nC,Dev,2024-03-04\n";
    let report = report_of(&timelines_of(csv, &workflow()));
    let svg = render(|w| write_aging_wip_svg(&report, w));
    let names: Vec<&str> = elements(&svg, "<rect class=\"column\"")
        .iter()
        .map(|c| attr(c, "data-stage"))
        .collect();
    assert_eq!(names, ["Backlog", "Dev", "Ready", "Test"]);
    let b = elements(&svg, "<circle class=\"item\" data-id=\"B\"")[0];
    assert_eq!(
        (attr(b, "data-stage"), num(b, "data-age")),
        ("Backlog", 3.0)
    );

    // Twelve stages with long names: each label is its name, or a prefix of it and "…",
    // within its column (at most 7.5 pixels a lowercase letter); the title has it whole.
    let mut stages: Vec<Stage> = (1..=12)
        .map(|k| {
            Stage::new(
                format!("waiting for the review number {k}"),
                StageKind::Active,
            )
        })
        .collect();
    stages.push(Stage::new("Done", StageKind::Done));
    let wf = Workflow::new(stages, None).unwrap();
    let csv = "id,state,timestamp\nA,waiting for the review number 1,2024-03-01\n\
               A,waiting for the review number 12,2024-03-02\n";
    let report = report_of(&timelines_of(csv, &wf));
    for svg in [
        render(|w| write_aging_wip_svg(&report, w)),
        render(|w| write_stage_time_svg(&report, w)),
    ] {
        let labels: Vec<(f64, &str, &str)> = svg
            .split("<text class=\"slot-label\"")
            .skip(1)
            .map(|rest| {
                let x: f64 = attr(rest, "x").parse().unwrap();
                let text = &rest[rest.find('>').unwrap() + 1..rest.find("<title>").unwrap()];
                let title =
                    &rest[rest.find("<title>").unwrap() + 7..rest.find("</title>").unwrap()];
                (x, text, title)
            })
            .collect();
        assert_eq!(labels.len(), 12);
        let slot = labels[1].0 - labels[0].0;
        for (k, (_, text, title)) in labels.iter().enumerate() {
            assert_eq!(*title, format!("waiting for the review number {}", k + 1));
            let kept = text.strip_suffix('…').unwrap();
            assert!(title.starts_with(kept) && !kept.is_empty(), "{text}");
            assert!(
                text.chars().count() as f64 * 7.5 <= slot,
                "{text} in {slot}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Throughput
// ---------------------------------------------------------------------------------------

#[test]
fn throughput_bars_are_the_items_done_per_period_and_the_mean_line_their_mean() {
    let tl = small();
    let daily = Metrics::new(&tl, &MetricsOptions::new())
        .unwrap()
        .daily()
        .unwrap();
    let svg = render(|w| write_throughput_svg(&daily, w));
    let bars = elements(&svg, "<rect class=\"bar\"");
    let starts: Vec<&str> = bars.iter().map(|b| attr(b, "data-start")).collect();
    let want_starts: Vec<String> = (1..=10).map(|d| format!("2024-03-{d:02}")).collect();
    assert_eq!(starts, want_starts);
    // B done on the 3rd, D the 4th, A the 5th, C the 8th.
    let items: Vec<f64> = bars.iter().map(|b| num(b, "data-items")).collect();
    assert_eq!(items, [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    let b = bottom(&svg);
    let unit = num(bars[2], "height");
    assert!(unit > 10.0);
    for bar in &bars {
        assert!(close(
            num(bar, "height"),
            unit * num(bar, "data-items"),
            0.02
        ));
        assert!(close(num(bar, "y") + num(bar, "height"), b, 0.02));
    }
    // Left to right, without overlapping.
    for w in bars.windows(2) {
        assert!(num(w[0], "x") + num(w[0], "width") <= num(w[1], "x") + 1e-9);
    }
    let mean = elements(&svg, "<line class=\"mean\"");
    assert_eq!(mean.len(), 1);
    assert!(close(num(mean[0], "data-value"), 0.4, 1e-12));
    assert!(close(b - num(mean[0], "y1"), 0.4 * unit, 0.02));

    // By week: 1 March is a Friday; the week of 26 February holds B, that of 4 March D, A, C.
    let weekly = daily.weekly();
    let svg = render(|w| write_throughput_svg(&weekly, w));
    let bars = elements(&svg, "<rect class=\"bar\"");
    let got: Vec<(&str, f64)> = bars
        .iter()
        .map(|b| (attr(b, "data-start"), num(b, "data-items")))
        .collect();
    assert_eq!(got, [("2024-02-26", 1.0), ("2024-03-04", 3.0)]);
    assert!(close(
        num(elements(&svg, "<line class=\"mean\"")[0], "data-value"),
        2.0,
        1e-12
    ));
    assert!(svg.contains("items done per week"));
}

// ---------------------------------------------------------------------------------------
// Cycle-time histogram
// ---------------------------------------------------------------------------------------

#[test]
fn the_histogram_bins_whole_days_and_draws_type_7_percentiles() {
    let sample = Sample::new([0.0, 0.5, 1.0, 1.0, 2.9, 7.0]);
    let svg = render(|w| write_cycle_time_histogram_svg(&sample, w));
    let bars = elements(&svg, "<rect class=\"bar\"");
    let bins: Vec<(f64, f64, f64)> = bars
        .iter()
        .map(|b| (num(b, "data-from"), num(b, "data-to"), num(b, "data-items")))
        .collect();
    let want_items = [2.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
    assert_eq!(bins.len(), 8);
    for (i, (from, to, n)) in bins.iter().enumerate() {
        assert_eq!((*from, *to, *n), (i as f64, i as f64 + 1.0, want_items[i]));
    }
    // Heights in proportion to the items.
    let unit = num(bars[0], "height") / 2.0;
    for b in &bars {
        assert!(close(num(b, "height"), unit * num(b, "data-items"), 0.02));
    }
    // n = 6, h = 5·p: p50 = x₂ + 0.5·(x₃ − x₂) = 1; p85 = 2.9 + 0.25·4.1 = 3.925;
    // p95 = 2.9 + 0.75·4.1 = 5.975.
    let lines = elements(&svg, "<line class=\"percentile\"");
    let got: Vec<(f64, f64)> = lines
        .iter()
        .map(|l| (num(l, "data-level"), num(l, "data-value")))
        .collect();
    assert_eq!(got.len(), 3);
    for ((level, v), (wl, wv)) in got.iter().zip([(50.0, 1.0), (85.0, 3.925), (95.0, 5.975)]) {
        assert_eq!(*level, wl);
        assert!(close(*v, wv, 1e-9), "{v} {wv}");
    }
    // A line's x on the bars' axis: bar k starts at k days.
    let x_of = |days: f64| {
        let k = days.floor() as usize;
        let x0 = num(bars[k], "x");
        let x1 = num(bars[k + 1], "x");
        x0 + (days - k as f64) * (x1 - x0)
    };
    for l in &lines {
        assert!(close(num(l, "x1"), x_of(num(l, "data-value")), 0.02), "{l}");
    }
    no_overlap(&label_ys(&svg, "percentile"));
}

#[test]
fn a_wide_histogram_has_nice_bins_and_loses_no_item() {
    // 0 to 300 days by halves: 601 items; 300 / 59 > 5, so bins of 10 days: 31 bins.
    let sample = Sample::new((0..=600).map(|k| f64::from(k) / 2.0));
    let svg = render(|w| write_cycle_time_histogram_svg(&sample, w));
    let bars = elements(&svg, "<rect class=\"bar\"");
    assert_eq!(bars.len(), 31);
    assert!(bars.len() <= 60);
    let total: f64 = bars.iter().map(|b| num(b, "data-items")).sum();
    assert_eq!(total, 601.0);
    for (i, b) in bars.iter().enumerate() {
        assert_eq!(num(b, "data-from"), 10.0 * i as f64);
        assert_eq!(num(b, "data-to"), 10.0 * (i + 1) as f64);
    }
    // [0, 10) holds 0, 0.5, … 9.5: 20 items; the last, [300, 310), only 300.
    assert_eq!(num(bars[0], "data-items"), 20.0);
    assert_eq!(num(bars[30], "data-items"), 1.0);
    // 59 days still takes whole days: 60 bars.
    let svg = render(|w| write_cycle_time_histogram_svg(&Sample::new([0.2, 59.0]), w));
    assert_eq!(svg.matches("<rect class=\"bar\"").count(), 60);
}

#[test]
fn a_histogram_of_nothing_is_an_error() {
    let err = write_cycle_time_histogram_svg(&Sample::new([]), Vec::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no item was done"), "{err}");
    assert!(matches!(
        write_cycle_time_histogram_svg(&Sample::new([]), Vec::new()),
        Err(valuestream::Error::InvalidArgument(_))
    ));
}

// ---------------------------------------------------------------------------------------
// Time per stage
// ---------------------------------------------------------------------------------------

#[test]
fn the_value_stream_map_stacks_the_queue_under_its_stage_and_marks_the_bottleneck() {
    let report = report_of(&small());
    // Test, one server, is busy from the 3rd to the 10th: 7 of 9 days, over 0.7.
    assert_eq!(report.bottleneck.stage.as_deref(), Some("Test"));
    let svg = render(|w| write_stage_time_svg(&report, w));
    // Item-days in the window: Dev 1 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 3 + 2 = 14 (A to J);
    // Ready A 1 + C 3 + F 3 + H 4 = 11; Test A 2 + C 2 + G 5 + J 0 = 9; 34 in all.
    let seg = |class: &str| -> Vec<(String, f64, f64)> {
        elements(&svg, &format!("<rect class=\"{class}\""))
            .iter()
            .map(|e| {
                (
                    attr(e, "data-stage").to_owned(),
                    num(e, "data-days"),
                    num(e, "data-share"),
                )
            })
            .collect()
    };
    let work = seg("work");
    let wait = seg("wait");
    assert_eq!(work.len(), 2);
    assert_eq!(wait.len(), 1);
    for ((stage, days, share), (ws, wd)) in
        work.iter()
            .chain(&wait)
            .zip([("Dev", 14.0), ("Test", 9.0), ("Ready", 11.0)])
    {
        assert_eq!(stage, ws);
        assert!(close(*days, wd, 1e-9), "{stage} {days}");
        assert!(close(*share, wd / 34.0, 1e-9), "{stage} {share}");
    }
    // Heights in proportion to the days; Ready's segment sits under Test's, in one bar.
    let rects = |class: &str| elements(&svg, &format!("<rect class=\"{class}\""));
    let (dev, test) = (rects("work")[0], rects("work")[1]);
    let ready = rects("wait")[0];
    let unit = num(dev, "height") / 14.0;
    assert!(close(num(test, "height"), 9.0 * unit, 0.02));
    assert!(close(num(ready, "height"), 11.0 * unit, 0.02));
    assert_eq!(num(ready, "x"), num(test, "x"));
    assert!(close(
        num(ready, "y"),
        num(test, "y") + num(test, "height"),
        0.02
    ));
    assert!(close(
        num(ready, "y") + num(ready, "height"),
        bottom(&svg),
        0.02
    ));
    // The bottleneck's outline surrounds its bar.
    let outline = elements(&svg, "<rect class=\"bottleneck\"");
    assert_eq!(outline.len(), 1);
    assert_eq!(attr(outline[0], "data-stage"), "Test");
    assert!(num(outline[0], "x") < num(test, "x"));
    assert!(num(outline[0], "y") <= num(test, "y"));
    assert!(svg.contains("bottleneck: Test"));
}

#[test]
fn trailing_wait_stages_are_a_bar_and_nothing_in_progress_is_a_sentence() {
    let wf = Workflow::new(
        vec![
            Stage::new("Dev", StageKind::Active),
            Stage::new("Release queue", StageKind::Wait),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap();
    let csv = "id,state,timestamp\n\
               A,Dev,2024-03-01\nA,Release queue,2024-03-03\nA,Done,2024-03-08\n";
    let report = report_of(&timelines_of(csv, &wf));
    let svg = render(|w| write_stage_time_svg(&report, w));
    let wait = elements(&svg, "<rect class=\"wait\"");
    assert_eq!(wait.len(), 1);
    assert_eq!(attr(wait[0], "data-stage"), "Release queue");
    assert!(close(num(wait[0], "data-days"), 5.0, 1e-9));
    assert!(close(num(wait[0], "data-share"), 5.0 / 7.0, 1e-9));
    // Two bars side by side: Dev, then the queue on its own.
    let dev = elements(&svg, "<rect class=\"work\"")[0];
    assert!(num(dev, "x") < num(wait[0], "x"));
    assert_eq!(svg.matches("<rect class=\"bottleneck\"").count(), 0);

    // Only arrivals into the backlog: nothing past it.
    let csv = "id,state,timestamp\nK,To Do,2024-03-01\nL,To Do,2024-03-02\n";
    let report = report_of(&timelines_of(csv, &workflow()));
    let svg = render(|w| write_stage_time_svg(&report, w));
    assert!(svg.contains("No item spent time past the backlog in the window."));
}

// ---------------------------------------------------------------------------------------
// WIP over time
// ---------------------------------------------------------------------------------------

#[test]
fn wip_points_are_the_items_in_progress_at_each_periods_end() {
    let tl = small();
    let daily = Metrics::new(&tl, &MetricsOptions::new())
        .unwrap()
        .daily()
        .unwrap();
    let svg = render(|w| write_wip_svg(&daily, w));
    let points = elements(&svg, "<circle class=\"point\"");
    // Committed and not done at the end of each day (table of `log_csv`).
    let want = [2.0, 3.0, 3.0, 3.0, 3.0, 4.0, 5.0, 5.0, 6.0, 6.0];
    let got: Vec<f64> = points.iter().map(|p| num(p, "data-wip")).collect();
    assert_eq!(got, want);
    assert_eq!(attr(points[0], "data-start"), "2024-03-01");
    let b = bottom(&svg);
    let unit = (b - num(points[8], "cy")) / 6.0;
    for p in &points {
        assert!(
            close(b - num(p, "cy"), unit * num(p, "data-wip"), 0.02),
            "{p}"
        );
    }
    let mean = elements(&svg, "<line class=\"mean\"")[0];
    assert!(close(num(mean, "data-value"), 4.0, 1e-12));
    assert!(close(b - num(mean, "y1"), 4.0 * unit, 0.02));
    let max = elements(&svg, "<circle class=\"max\"")[0];
    assert_eq!(
        (attr(max, "data-start"), num(max, "data-wip")),
        ("2024-03-09", 6.0)
    );
    // The step line passes through every point's height.
    let poly = elements(&svg, "<polyline class=\"wip\"")[0];
    let ys: Vec<f64> = attr(poly, "points")
        .split(' ')
        .map(|p| p.split_once(',').unwrap().1.parse().unwrap())
        .collect();
    assert_eq!(ys.len(), 2 * want.len());
    for (i, p) in points.iter().enumerate() {
        assert!(close(ys[2 * i], num(p, "cy"), 0.02));
    }
    no_overlap(&[label_ys(&svg, "mean"), label_ys(&svg, "max")].concat());
}

#[test]
fn wip_labels_stay_apart_when_the_mean_is_the_peak() {
    // One item in progress all along: mean = peak = 1.
    let csv = "id,state,timestamp\nA,Dev,2024-03-01\nA,Dev,2024-03-05\n";
    let tl = timelines_of(csv, &workflow());
    let daily = Metrics::new(&tl, &MetricsOptions::new())
        .unwrap()
        .daily()
        .unwrap();
    let svg = render(|w| write_wip_svg(&daily, w));
    let mean = elements(&svg, "<line class=\"mean\"")[0];
    let max = elements(&svg, "<circle class=\"max\"")[0];
    assert_eq!(num(mean, "data-value"), 1.0);
    assert!(close(num(mean, "y1"), num(max, "cy"), 1e-9));
    no_overlap(&[label_ys(&svg, "mean"), label_ys(&svg, "max")].concat());
}

// ---------------------------------------------------------------------------------------
// The scatterplot on a log scale
// ---------------------------------------------------------------------------------------

/// Cycle times of 0, 0.5, 3 and 40 days.
fn spread_log() -> Timelines {
    let csv = "id,state,timestamp\n\
               Z,Dev,2024-01-01T00:00:00Z\nZ,Done,2024-01-01T00:00:00Z\n\
               H,Dev,2024-01-01T00:00:00Z\nH,Done,2024-01-01T12:00:00Z\n\
               T,Dev,2024-01-02T00:00:00Z\nT,Done,2024-01-05T00:00:00Z\n\
               F,Dev,2024-01-03T00:00:00Z\nF,Done,2024-02-12T00:00:00Z\n";
    let wf = Workflow::new(
        vec![
            Stage::new("Dev", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap();
    timelines_of(csv, &wf)
}

#[test]
fn the_log_scatterplot_ticks_at_one_two_five_and_draws_zero_at_the_floor() {
    let tl = spread_log();
    let m = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
    let svg = render(|w| write_cycle_time_svg_with(&m, &CycleTimeChart::new().log_scale(true), w));
    // From 0.5 (the shortest cycle time above 0) to 50 (the first 1-2-5 value ≥ 40).
    let ticks = elements(&svg, "<text class=\"tick\" data-value");
    let values: Vec<f64> = ticks.iter().map(|t| num(t, "data-value")).collect();
    assert_eq!(values, [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0]);
    // Equal ratios, equal distances: the pixels of a decade are the same everywhere.
    let y = |v: f64| num(ticks[values.iter().position(|&x| x == v).unwrap()], "y") - 4.0;
    let decade = y(1.0) - y(10.0);
    assert!(decade > 100.0);
    assert!(close(y(2.0) - y(20.0), decade, 0.02));
    assert!(close(y(5.0) - y(50.0), decade, 0.02));
    assert!(close(y(0.5) - y(5.0), decade, 0.02));
    assert!(close(y(1.0) - y(2.0), decade * 2f64.log10(), 0.02));
    // The floor is the bottom of the plot.
    assert!(close(y(0.5), bottom(&svg), 0.02));
    let dots = elements(&svg, "<circle class=\"item\"");
    let at = |id: &str| *dots.iter().find(|d| attr(d, "data-id") == id).unwrap();
    // 0 days drawn at the floor, its figure kept.
    assert_eq!(num(at("Z"), "data-days"), 0.0);
    assert!(close(num(at("Z"), "cy"), y(0.5), 0.02));
    assert!(close(num(at("H"), "cy"), y(0.5), 0.02));
    assert!(close(
        num(at("T"), "cy"),
        y(1.0) - decade * 3f64.log10(),
        0.02
    ));
    assert!(close(
        num(at("F"), "cy"),
        y(10.0) - decade * 4f64.log10(),
        0.02
    ));
    // Percentiles on the same scale: [0, 0.5, 3, 40], h = 3·p: p50 = 1.75,
    // p85 = 3 + 0.55·37 = 23.35, p95 = 3 + 0.85·37 = 34.45.
    let lines = elements(&svg, "<line class=\"percentile\"");
    for (l, want) in lines.iter().zip([1.75, 23.35, 34.45]) {
        assert!(close(num(l, "data-value"), want, 1e-9), "{l}");
        assert!(
            close(num(l, "y1"), y(1.0) - decade * want.log10(), 0.02),
            "{l}"
        );
    }
    // p85 and p95 are 0.17 decades (about 25 pixels) apart: labels apart too.
    no_overlap(&label_ys(&svg, "percentile"));
    // The linear default is unchanged: no data-value ticks.
    let linear = render(|w| write_cycle_time_svg(&m, w));
    assert_eq!(linear.matches("<text class=\"tick\" data-value").count(), 0);
}

#[test]
fn close_percentiles_of_the_scatterplot_have_labels_apart() {
    // Cycle times 3, 3, 3 and 3.1 days: p50 3, p85 ~3.055, p95 ~3.085, within two pixels.
    let csv = "id,state,timestamp\n\
               A,Dev,2024-03-01T00:00:00Z\nA,Done,2024-03-04T00:00:00Z\n\
               B,Dev,2024-03-02T00:00:00Z\nB,Done,2024-03-05T00:00:00Z\n\
               C,Dev,2024-03-03T00:00:00Z\nC,Done,2024-03-06T00:00:00Z\n\
               D,Dev,2024-03-03T00:00:00Z\nD,Done,2024-03-06T02:24:00Z\n";
    let tl = timelines_of(csv, &workflow());
    let m = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
    for chart in [CycleTimeChart::new(), CycleTimeChart::new().log_scale(true)] {
        let svg = render(|w| write_cycle_time_svg_with(&m, &chart, w));
        let ys = nums(&svg, "<line class=\"percentile\"", "y1");
        assert_eq!(ys.len(), 3);
        assert!(ys[0] - ys[2] < 14.0, "{ys:?}");
        let labels = label_ys(&svg, "percentile");
        assert_eq!(labels.len(), 3);
        no_overlap(&labels);
        // Each label stays next to its line: within 2·14 pixels.
        for (l, y) in labels.iter().zip(&ys) {
            assert!((l - y).abs() <= 28.0 + 4.0, "{labels:?} {ys:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Degenerate logs
// ---------------------------------------------------------------------------------------

/// Runs every chart on `tl`: each draws, or (for a figure with nothing behind it: no period,
/// no cycle time) says so with `InvalidArgument`; nothing prints a non-finite number.
fn every_chart_or_a_reason(tl: &Timelines) {
    let m = Metrics::new(tl, &MetricsOptions::new()).unwrap();
    let report = m.report().unwrap();
    let weekly = report.daily.weekly();
    let log = CycleTimeChart::new().log_scale(true);
    let results: Vec<(&str, bool, valuestream::Result<String>)> = vec![
        ("aging", false, out(|w| write_aging_wip_svg(&report, w))),
        ("stages", false, out(|w| write_stage_time_svg(&report, w))),
        (
            "throughput",
            true,
            out(|w| write_throughput_svg(&weekly, w)),
        ),
        ("wip", true, out(|w| write_wip_svg(&report.daily, w))),
        (
            "histogram",
            true,
            out(|w| write_cycle_time_histogram_svg(&report.cycle_times, w)),
        ),
        (
            "scatter",
            true,
            out(|w| write_cycle_time_svg_with(&m, &log, w)),
        ),
    ];
    for (name, may_refuse, r) in results {
        match r {
            Ok(svg) => {
                well_formed(&svg);
                finite(&svg);
            }
            Err(valuestream::Error::InvalidArgument(why)) if may_refuse => {
                assert!(!why.is_empty(), "{name}");
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
}

fn out(write: impl FnOnce(&mut Vec<u8>) -> valuestream::Result<()>) -> valuestream::Result<String> {
    let mut v = Vec::new();
    write(&mut v)?;
    Ok(String::from_utf8(v).unwrap())
}

#[test]
fn degenerate_logs_draw_or_say_why() {
    let dev_done = Workflow::new(
        vec![
            Stage::new("Dev", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap();
    let logs = [
        // One event: a window of no length.
        "id,state,timestamp\nA,Dev,2024-03-01T00:00:00Z\n",
        // Everything at one instant, one item done in no time.
        "id,state,timestamp\nA,Dev,2024-03-01T00:00:00Z\nA,Done,2024-03-01T00:00:00Z\nB,Dev,2024-03-01T00:00:00Z\n",
        // Nothing done.
        "id,state,timestamp\nA,Dev,2024-03-01T00:00:00Z\nB,Dev,2024-03-09T00:00:00Z\n",
        // Everything done in no time, over days.
        "id,state,timestamp\nA,Dev,2024-03-01T00:00:00Z\nA,Done,2024-03-01T00:00:00Z\nB,Dev,2024-03-05T00:00:00Z\nB,Done,2024-03-05T00:00:00Z\n",
    ];
    for csv in logs {
        every_chart_or_a_reason(&timelines_of(csv, &dev_done));
        every_chart_or_a_reason(&timelines_of(csv, &workflow()));
    }
    // Only items in the backlog: no stage past it holds time.
    every_chart_or_a_reason(&timelines_of(
        "id,state,timestamp\nK,To Do,2024-03-01T00:00:00Z\nL,To Do,2024-03-04T00:00:00Z\n",
        &workflow(),
    ));
}

// ---------------------------------------------------------------------------------------
// The logs shipped in data/
// ---------------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn every_chart(tl: &Timelines) {
    let m = Metrics::new(tl, &MetricsOptions::new()).unwrap();
    let report = m.report().unwrap();
    let weekly = report.daily.weekly();
    let charts = [
        render(|w| write_aging_wip_svg(&report, w)),
        render(|w| write_throughput_svg(&weekly, w)),
        render(|w| write_cycle_time_histogram_svg(&report.cycle_times, w)),
        render(|w| write_stage_time_svg(&report, w)),
        render(|w| write_wip_svg(&weekly, w)),
        render(|w| write_cycle_time_svg_with(&m, &CycleTimeChart::new().log_scale(true), w)),
        render(|w| write_cycle_time_svg(&m, w)),
    ];
    // Each draws its figures: the items in progress, every week, every item done.
    let svg = &charts[0];
    assert_eq!(
        svg.matches("<circle class=\"item\"").count(),
        report.aging.len()
    );
    no_overlap(&label_ys(svg, "percentile"));
    let done: f64 = nums(&charts[1], "<rect class=\"bar\"", "data-items")
        .iter()
        .sum();
    assert_eq!(done, report.daily.departures.iter().sum::<u64>() as f64);
    let binned: f64 = nums(&charts[2], "<rect class=\"bar\"", "data-items")
        .iter()
        .sum();
    assert_eq!(binned, report.cycle_times.len() as f64);
    assert!(charts[2].matches("<rect class=\"bar\"").count() <= 60);
    assert_eq!(
        charts[4].matches("<circle class=\"point\"").count(),
        weekly.len()
    );
    for svg in &charts[5..] {
        no_overlap(&label_ys(svg, "percentile"));
    }
}

#[test]
fn every_chart_draws_the_story_log() {
    let log = LogReader::builder()
        .build()
        .read_path(root().join("data/story/log.csv"))
        .unwrap();
    let wf = Workflow::from_path(root().join("data/story/workflow.toml")).unwrap();
    every_chart(&Timelines::new(&log, &wf).unwrap());
}

#[test]
fn every_chart_draws_the_sample_log() {
    let log = LogReader::builder()
        .id_column("key")
        .state_column("status")
        .time_column("changed")
        .build()
        .read_path(root().join("data/sample_log.csv"))
        .unwrap();
    let wf = Workflow::from_path(root().join("data/workflows/sample.toml")).unwrap();
    every_chart(&Timelines::new(&log, &wf).unwrap());
}
