//! The forecast chart against the figures it draws: one bar per outcome (or per bin) whose
//! trials are the forecast's distribution and whose height is their share, and one line
//! per answer at its value.

use valuestream::{
    Forecast, ForecastMethod, ForecastOptions, LogReader, Question, Timelines, Workflow, forecast,
    write_forecast_svg,
};

/// A log with `per_day[k]` items done on day k of March 2024 (from 1 March), observed
/// until midnight after the last day.
fn timelines(per_day: &[u32]) -> Timelines {
    let day0 = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    let mut csv = String::from("id,state,timestamp\nstart,Dev,2024-03-01T00:00:00Z\n");
    for (k, &n) in per_day.iter().enumerate() {
        let day = day0 + chrono::Days::new(k as u64);
        for i in 0..n {
            csv += &format!("I{k}-{i},Dev,{day}T08:00:00Z\nI{k}-{i},Done,{day}T17:00:00Z\n");
        }
    }
    let end = day0 + chrono::Days::new(per_day.len() as u64);
    csv += &format!("end,Dev,{end}T00:00:00Z\n");
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    Timelines::new(&log, &Workflow::infer(log.states()).unwrap()).unwrap()
}

fn svg_of(f: &Forecast) -> String {
    let mut out = Vec::new();
    write_forecast_svg(f, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The value of attribute `name` in each element starting with `tag`.
fn attrs(svg: &str, tag: &str, name: &str) -> Vec<f64> {
    svg.split(tag)
        .skip(1)
        .map(|e| {
            let key = format!(" {name}=\"");
            let at = e.find(&key).unwrap() + key.len();
            e[at..at + e[at..].find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

#[test]
fn bars_are_the_distribution_and_lines_the_answers() {
    // Days of 0 or 2 items: 3 days give 0, 2, 4 or 6 items, binomially (1, 3, 3, 1)/8.
    let tl = timelines(&[0, 2, 0, 2, 0, 2, 0, 2, 0, 2]);
    let o = ForecastOptions::new()
        .method(ForecastMethod::Days)
        .trials(80_000);
    let f = forecast(&tl, Question::HowMany { days: 3 }, &o).unwrap();
    let svg = svg_of(&f);
    let from = attrs(&svg, "<rect class=\"bar\"", "data-from");
    let trials = attrs(&svg, "<rect class=\"bar\"", "data-trials");
    assert_eq!(from, [0.0, 2.0, 4.0, 6.0]);
    for (t, p) in trials.iter().zip([1.0, 3.0, 3.0, 1.0]) {
        let share = t / 80_000.0;
        assert!((share - p / 8.0).abs() < 0.01, "{share} vs {}", p / 8.0);
    }
    assert_eq!(trials.iter().sum::<f64>(), 80_000.0);
    // The heights are the shares: the plot is 396 px high and its axis tops at 40%.
    let heights = attrs(&svg, "<rect class=\"bar\"", "height");
    for (h, t) in heights.iter().zip(&trials) {
        let share = t / 80_000.0 * 100.0;
        assert!((h / 396.0 * 40.0 - share).abs() < 0.05, "{h} {share}");
    }
    // One line per level, at its answer: 4 at 30%... the default levels 50, 70, 85, 95
    // give 2 (P(≥ 4) = 1/2), 2, 2 and 0.
    let levels = attrs(&svg, "<line class=\"answer\"", "data-level");
    let values = attrs(&svg, "<line class=\"answer\"", "data-value");
    assert_eq!(levels, [50.0, 70.0, 85.0, 95.0]);
    assert_eq!(values, [4.0, 2.0, 2.0, 0.0]);
    let xs = attrs(&svg, "<line class=\"answer\"", "x1");
    let bar_x = attrs(&svg, "<rect class=\"bar\"", "x");
    // The line of "at least 2" runs through the middle of the slot of 2.
    let slot = (bar_x[1] - bar_x[0]) / 2.0;
    assert!(
        (xs[1] - (bar_x[0] + 2.5 * slot)).abs() < 0.01,
        "{xs:?} {bar_x:?}"
    );
}

#[test]
fn many_outcomes_are_binned_and_no_trial_is_lost() {
    // 30 days of 0 to 29 items: a 60-day question spreads over hundreds of outcomes.
    let per_day: Vec<u32> = (0..30).collect();
    let tl = timelines(&per_day);
    let o = ForecastOptions::new().trials(20_000);
    let f = forecast(&tl, Question::HowMany { days: 60 }, &o).unwrap();
    let svg = svg_of(&f);
    let from = attrs(&svg, "<rect class=\"bar\"", "data-from");
    let to = attrs(&svg, "<rect class=\"bar\"", "data-to");
    let trials = attrs(&svg, "<rect class=\"bar\"", "data-trials");
    assert!(from.len() <= 80 && from.len() > 10, "{}", from.len());
    assert_eq!(trials.iter().sum::<f64>(), 20_000.0);
    // Bins of one width, in order, holding every outcome.
    let width = to[0] - from[0] + 1.0;
    assert!(width > 1.0);
    for (a, b) in from.iter().zip(&to) {
        assert_eq!(b - a + 1.0, width);
    }
    let lo = f.distribution.first().unwrap().0 as f64;
    let hi = f.distribution.last().unwrap().0 as f64;
    assert!(from[0] <= lo && *to.last().unwrap() >= hi);
    for (x, n) in &f.distribution {
        let k = from.iter().rposition(|&b| b <= *x as f64).unwrap();
        assert!(*x as f64 <= to[k]);
        assert!(trials[k] >= f64::from(*n));
    }
}

#[test]
fn a_when_chart_names_its_dates() {
    let tl = timelines(&[1; 30]);
    let f = forecast(&tl, Question::When { items: 5 }, &ForecastOptions::new()).unwrap();
    let svg = svg_of(&f);
    // One a day: 5 items take 5 days at every level, by 4 April (day 1 is 31 March).
    assert_eq!(
        attrs(&svg, "<line class=\"answer\"", "data-value"),
        [5.0; 4]
    );
    assert!(svg.contains("5 days (2024-04-04)"), "{svg}");
    assert!(svg.contains("When will 5 more items be done?"));
}
