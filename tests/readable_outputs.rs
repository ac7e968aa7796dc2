//! What a reader notices first: counts that agree with their nouns ("1 item"), CSV figures
//! rounded to what they mean (no 16 digits of floating-point noise, and no figure moved by
//! more than half a unit of its last place), and item ids in the aging list that stay as
//! distinct as the items.

use std::path::PathBuf;

use valuestream::{
    LogReader, Metrics, MetricsOptions, Stage, StageKind, Timelines, Workflow, write_items_csv,
    write_series_csv, write_stages_csv,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn workflow() -> Workflow {
    Workflow::new(
        vec![
            Stage::new("Dev", StageKind::Active),
            Stage::new("Test", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap()
}

fn report_text(csv: &str) -> String {
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let wf = workflow();
    let timelines = Timelines::new(&log, &wf).unwrap();
    let metrics = Metrics::new(&timelines, &MetricsOptions::new()).unwrap();
    metrics.report().unwrap().to_string()
}

/// `text` never says "1 items", "1 days", … (a count of one with a plural noun).
fn no_plural_after_one(text: &str) {
    for noun in [
        "items",
        "days",
        "services",
        "events",
        "stations",
        "replications",
        "deployments",
    ] {
        let needle = format!("1 {noun}");
        for (at, _) in text.match_indices(&needle) {
            let before = text[..at].chars().next_back();
            assert!(
                before.is_none_or(|c| !(c.is_ascii_digit() || c == '.' || c == ',')),
                "\"{needle}\" in:\n{text}"
            );
        }
    }
}

#[test]
fn a_report_on_a_one_item_log_says_1_item() {
    let text = report_text("id,state,timestamp\nA,Dev,2024-03-01\nA,Test,2024-03-03\n");
    assert!(text.contains("Aging work in progress: 1 item\n"), "{text}");
    no_plural_after_one(&text);
    let two =
        report_text("id,state,timestamp\nA,Dev,2024-03-01\nA,Test,2024-03-03\nB,Dev,2024-03-02\n");
    assert!(two.contains("Aging work in progress: 2 items\n"), "{two}");
}

#[test]
fn long_ids_sharing_their_beginning_stay_distinct_in_the_aging_list() {
    let ids: Vec<String> = (0..6)
        .map(|k| format!("customer-portal-backlog-2024-{:09}", 364_285_760 + k))
        .collect();
    let mut csv = String::from("id,state,timestamp\n");
    for (k, id) in ids.iter().enumerate() {
        csv.push_str(&format!("{id},Dev,2024-03-0{}\n", k + 1));
    }
    let text = report_text(&csv);
    let aging: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Aging work in progress"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(aging.len(), 6, "{text}");
    let mut distinct = aging.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 6, "ids shown alike: {aging:?}");
    // Each shown id is the end of its own id.
    for shown in &aging {
        let tail = shown.trim_start_matches('…');
        assert_eq!(
            ids.iter().filter(|id| id.ends_with(tail)).count(),
            1,
            "{shown}"
        );
    }
}

/// The decimals of a CSV field that is a number with a point.
fn decimals(field: &str) -> Option<usize> {
    field.parse::<f64>().ok()?;
    field.split_once('.').map(|(_, d)| d.len())
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn csv_figures_on_the_story_log_are_rounded_within_half_a_unit() {
    let dir = root().join("data/story");
    let log = LogReader::builder()
        .build()
        .read_path(dir.join("log.csv"))
        .unwrap();
    let wf = Workflow::from_path(dir.join("workflow.toml")).unwrap();
    let timelines = Timelines::new(&log, &wf).unwrap();
    let metrics = Metrics::new(&timelines, &MetricsOptions::new()).unwrap();
    let mut items = Vec::new();
    write_items_csv(&metrics, &mut items).unwrap();
    let mut daily = Vec::new();
    write_series_csv(&metrics.daily().unwrap(), &mut daily).unwrap();
    let stages = metrics.stages();
    let mut stage_csv = Vec::new();
    write_stages_csv(&stages, &mut stage_csv).unwrap();
    for (name, bytes) in [("items", &items), ("daily", &daily), ("stages", &stage_csv)] {
        let (header, rows) = csv_rows(bytes);
        for row in &rows {
            for (h, field) in header.iter().zip(row) {
                let most = if h.contains("days") { 3 } else { 4 };
                if let Some(d) = decimals(field) {
                    assert!(d <= most, "{name}.csv {h}: {field}");
                }
            }
        }
    }
    // Rounding moves no figure by more than half a unit of its last place.
    let (header, rows) = csv_rows(&stage_csv);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut checked = 0;
    for (s, row) in stages.iter().zip(&rows) {
        assert_eq!(row[0], s.name);
        for (name, exact, half) in [
            ("visit_days_mean", s.visit_days.mean, 0.0005),
            ("visit_days_p85", s.visit_days.p85, 0.0005),
            ("wip_mean", s.wip_mean, 0.00005),
            ("utilisation", s.utilisation, 0.00005),
            ("arrival_rate", s.arrival_rate, 0.00005),
        ] {
            if let Some(x) = exact {
                let shown: f64 = row[col(name)].parse().unwrap();
                assert!(
                    (shown - x).abs() <= half * (1.0 + 1e-9),
                    "{name}: {shown} for {x}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "{checked}");
    // The items' cycle times too.
    let (header, rows) = csv_rows(&items);
    let c = header
        .iter()
        .position(|h| h == "Cycle time (days)")
        .unwrap();
    let exact: Vec<Option<f64>> = metrics.items().map(|m| m.cycle_time_days).collect();
    assert_eq!(exact.len(), rows.len());
    for (x, row) in exact.iter().zip(&rows) {
        if let Some(x) = x {
            let shown: f64 = row[c].parse().unwrap();
            assert!(
                (shown - x).abs() <= 0.0005 * (1.0 + 1e-9),
                "{shown} for {x}"
            );
        }
    }
}
