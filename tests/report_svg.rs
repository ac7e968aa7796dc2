//! The SVG charts against the figures they draw: one band per stage that meet edge to
//! edge, CFD lines that never go down, one point per item done, percentile lines where the
//! cycle times put them.

use valuestream::{
    LogReader, Metrics, MetricsOptions, Stage, StageKind, Timelines, Workflow, write_cfd_svg,
    write_cycle_time_svg,
};

const LOG: &str = "\
id,state,timestamp
A,Dev,2024-03-01T09:00:00Z
A,R&D review,2024-03-02T09:00:00Z
A,Done,2024-03-04T09:00:00Z
B,Dev,2024-03-01T10:00:00Z
B,Done,2024-03-03T10:00:00Z
C,Dev,2024-03-02T09:00:00Z
C,R&D review,2024-03-03T09:00:00Z
C,Dev,2024-03-04T09:00:00Z
C,R&D review,2024-03-05T09:00:00Z
C,Done,2024-03-07T09:00:00Z
D,Dev,2024-03-05T09:00:00Z
";

fn metrics_of(tl: &Timelines) -> Metrics<'_> {
    Metrics::new(tl, &MetricsOptions::new()).unwrap()
}

fn timelines() -> Timelines {
    let log = LogReader::builder().build().read(LOG.as_bytes()).unwrap();
    let wf = Workflow::new(
        vec![
            Stage::new("Dev", StageKind::Active),
            Stage::new("R&D review", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap();
    Timelines::new(&log, &wf).unwrap()
}

/// A workflow of work, then done.
fn dev_done() -> Workflow {
    Workflow::new(
        vec![
            Stage::new("Dev", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap()
}

/// The `points` of every `<polygon class="band">`, with its stage.
fn bands(svg: &str) -> Vec<(String, Vec<(f64, f64)>)> {
    svg.split("<polygon class=\"band\" data-stage=\"")
        .skip(1)
        .map(|rest| {
            let (stage, rest) = rest.split_once('"').unwrap();
            let points = rest.split("points=\"").nth(1).unwrap();
            let points = points.split('"').next().unwrap();
            let xy = points
                .split(' ')
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            (stage.to_owned(), xy)
        })
        .collect()
}

/// The value of attribute `name` in each element that starts with `tag`.
fn attrs(svg: &str, tag: &str, name: &str) -> Vec<f64> {
    svg.split(tag)
        .skip(1)
        .map(|rest| {
            let v = rest.split(&format!(" {name}=\"")).nth(1).unwrap();
            v.split('"').next().unwrap().parse().unwrap()
        })
        .collect()
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

#[test]
fn the_cfd_stacks_one_band_per_stage_edge_to_edge() {
    let tl = timelines();
    let daily = metrics_of(&tl).daily().unwrap();
    let mut out = Vec::new();
    write_cfd_svg(&daily, &mut out).unwrap();
    let svg = String::from_utf8(out).unwrap();
    well_formed(&svg);
    let b = bands(&svg);
    let names: Vec<&str> = b.iter().map(|(n, _)| n.as_str()).collect();
    // The stage name is escaped where it is written.
    assert_eq!(names, ["Dev", "R&amp;D review", "Done"]);
    assert!(svg.contains("<text class=\"legend\" x=\"734.0\" y=\"64.0\">R&amp;D review</text>"));
    let n = daily.len();
    assert_eq!(n, 7, "1 to 7 March");
    for (k, (name, xy)) in b.iter().enumerate() {
        assert_eq!(xy.len(), 2 * n, "{name}");
        let (upper, lower) = xy.split_at(n);
        // Left to right along the upper line, back along the lower one.
        assert!(upper.windows(2).all(|w| w[0].0 < w[1].0), "{name}");
        assert!(lower.windows(2).all(|w| w[0].0 > w[1].0), "{name}");
        // A CFD line never goes down: its pixel y never increases.
        assert!(
            upper.windows(2).all(|w| w[1].1 <= w[0].1),
            "{name}: {upper:?}"
        );
        // The band's lower line is the next band's upper line.
        if let Some((_, next)) = b.get(k + 1) {
            let mut lower_lr: Vec<_> = lower.to_vec();
            lower_lr.reverse();
            assert_eq!(lower_lr, next[..n].to_vec(), "{name}");
        } else {
            // The last band rests on the x axis.
            assert!(lower.iter().all(|p| p.1 == lower[0].1));
        }
        // Band heights, in items, are the stage counts when nothing moved back: the scale
        // is the same for all, so the ratio of two heights is the ratio of the counts.
        let height = |i: usize| lower[n - 1 - i].1 - upper[i].1;
        for i in 0..n {
            assert!(height(i) >= -1e-9, "{name} day {i}");
        }
    }
    // The top line at the end is the four items that arrived; the Done band at the end
    // holds three items, Dev's one (D) and review's none: heights 1 : 0 : 3.
    let end = |k: usize| {
        let xy = &b[k].1;
        xy[2 * n - 1 - (n - 1)].1 - xy[n - 1].1
    };
    let unit = end(2) / 3.0;
    assert!(
        (end(0) - unit).abs() < 0.02 && end(1).abs() < 0.02,
        "{}",
        end(0)
    );
}

#[test]
fn the_scatterplot_has_a_point_per_done_item_and_its_percentiles() {
    let tl = timelines();
    let m = metrics_of(&tl);
    let mut out = Vec::new();
    write_cycle_time_svg(&m, &mut out).unwrap();
    let svg = String::from_utf8(out).unwrap();
    well_formed(&svg);
    // Cycle times: A 3 days, B 2 days, C 5 days; D is not done.
    let cy = attrs(&svg, "<circle class=\"item\"", "cy");
    let cx = attrs(&svg, "<circle class=\"item\"", "cx");
    assert_eq!(cy.len(), 3);
    // In order of first appearance: A (done 4 March), B (3 March), C (7 March).
    assert!(cx[1] < cx[0] && cx[0] < cx[2]);
    // Longer cycle times are higher: C above A above B.
    assert!(cy[2] < cy[0] && cy[0] < cy[1]);
    let levels = attrs(&svg, "<line class=\"percentile\"", "data-level");
    let ys = attrs(&svg, "<line class=\"percentile\"", "y1");
    assert_eq!(levels, [50.0, 85.0, 95.0]);
    // The median of three is the middle one, A.
    assert!((ys[0] - cy[0]).abs() < 0.01, "{ys:?} {cy:?}");
    // p85 = 3 + 0.7·(5 − 3) = 4.4 days, p95 = 4.8: between A and C, in that order.
    assert!(cy[2] < ys[2] && ys[2] < ys[1] && ys[1] < cy[0]);
    let scale = (cy[0] - cy[2]) / 2.0; // pixels per day
    assert!((ys[0] - ys[1] - 1.4 * scale).abs() < 0.02, "{ys:?}");
    assert!(svg.contains("<title>85%: 4.40 days</title>"));
    assert!(svg.contains("<title>C: 5.00 days</title>"));
}

#[test]
fn nothing_to_draw_is_an_error() {
    let log = LogReader::builder()
        .build()
        .read(
            "id,state,timestamp\nA,Dev,2024-03-01T09:00:00Z\nA,Dev,2024-03-02T09:00:00Z\n"
                .as_bytes(),
        )
        .unwrap();
    let tl = Timelines::new(&log, &dev_done()).unwrap();
    let m = metrics_of(&tl);
    let err = write_cycle_time_svg(&m, Vec::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no item was done"), "{err}");
    let mut out = Vec::new();
    write_cfd_svg(&m.daily().unwrap(), &mut out).unwrap();
    assert_eq!(bands(&String::from_utf8(out).unwrap()).len(), 2);
}

#[test]
fn a_large_scatterplot_draws_an_even_selection_with_the_percentiles_of_all() {
    // 25,000 items done, item k after k mod 100 hours: one in three is drawn.
    let mut csv = String::from("id,state,timestamp\n");
    for k in 0..25_000u32 {
        let start = 1_700_000_000 + u64::from(k) * 60;
        let done = start + u64::from(k % 100) * 3600 + 3600;
        csv += &format!("I{k},Dev,{start}\nI{k},Done,{done}\n");
    }
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let tl = Timelines::new(&log, &dev_done()).unwrap();
    let m = metrics_of(&tl);
    let mut out = Vec::new();
    write_cycle_time_svg(&m, &mut out).unwrap();
    let svg = String::from_utf8(out).unwrap();
    assert_eq!(svg.matches("<circle class=\"item\"").count(), 8_334);
    assert!(svg.contains("(one item in 3 of 25000 drawn)"));
    // Cycle times 1 to 100 hours, 250 items each: the median is 50.5 hours.
    let p50 = 50.5 / 24.0;
    assert!(
        svg.contains(&format!("<title>50%: {p50:.2} days</title>")),
        "{p50}"
    );
}
