//! The report page against figures computed by hand: its summary sentences, its tables,
//! its sections' readings, and where its time charts start. (tests/browser.rs loads the
//! same page in a browser.)

use valuestream::{
    HtmlOptions, LogReader, Metrics, MetricsOptions, Stage, StageKind, Timelines, Workflow,
    write_html_report, write_html_report_with,
};

fn workflow() -> Workflow {
    Workflow::new(
        vec![
            Stage::new("Queue", StageKind::Wait),
            Stage::new("Work", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap()
}

fn page_of(csv: &str, options: &HtmlOptions) -> String {
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let tl = Timelines::new(&log, &workflow()).unwrap();
    let metrics = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
    let report = metrics.report().unwrap();
    let mut page = Vec::new();
    write_html_report_with(&report, &metrics, options, &mut page).unwrap();
    String::from_utf8(page).unwrap()
}

/// Three items over six days. A: committed 03-01, worked 03-03, done 03-04 (cycle 3 days,
/// 1 active); B: 03-02, 03-04, 03-07 (cycle 5, 3 active); C: 03-04, worked from 03-06, in
/// progress at the end (03-07, age 3 days).
const SMALL: &str = "id,state,timestamp\n\
    A,Queue,2024-03-01\nA,Work,2024-03-03\nA,Done,2024-03-04\n\
    B,Queue,2024-03-02\nB,Work,2024-03-04\nB,Done,2024-03-07\n\
    C,Queue,2024-03-04\nC,Work,2024-03-06\n";

/// The text of the page with tags removed and entities of the apostrophe restored.
fn text(page: &str) -> String {
    let mut out = String::new();
    let mut tag = false;
    for c in page.chars() {
        match c {
            '<' => tag = true,
            '>' => tag = false,
            c if !tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&apos;", "'")
}

#[test]
fn the_summary_says_the_figures_in_words() {
    let page = page_of(SMALL, &HtmlOptions::new().forecast(false));
    let t = text(&page);
    // 2 done in 6 days: 2/6·7 = 2.33 a week; one in progress (the singular).
    assert!(
        t.contains(
            "From 2024-03-01 to 2024-03-07 (6.0 days), 2 items were done, 2.3 a week; 1 item was in progress at the end."
        ),
        "{t}"
    );
    // Cycle times 3 and 5: type-7 percentiles 3 + 2p.
    assert!(
        t.contains(
            "half the items took at most 4.0 days, 85% at most 4.7 days, 95% at most 4.9 days"
        ),
        "{t}"
    );
    // Active 1 + 3 of 3 + 5 cycle days.
    assert!(
        t.contains(
            "Flow efficiency was 50%: the items done spent 50% of their cycle time waiting."
        ),
        "{t}"
    );
}

#[test]
fn the_tables_hold_the_figures_aligned() {
    let page = page_of(SMALL, &HtmlOptions::new().forecast(false));
    // Lead time = cycle time here (arrival is commitment): count, mean, p50, p85, p95, max.
    let row = "<td>cycle time</td><td class=\"num\">2</td><td class=\"num\">4.0</td><td class=\"num\">4.0</td><td class=\"num\">4.7</td><td class=\"num\">4.9</td><td class=\"num\">5.0</td>";
    assert!(page.contains(row), "{page}");
    assert!(page.contains(&row.replace("cycle time", "lead time")));
    // The aging table: C, in Work, 3 days old, younger than the median cycle time.
    assert!(
        page.contains("<td class=\"id\">C</td><td>Work</td><td class=\"num\">3.0</td><td>–</td>"),
        "{page}"
    );
    // The stage table: every visit to Queue took 2 days; the ended visits to Work 1 and 3.
    assert!(
        page.contains(
            "<td>Queue</td><td>wait</td><td class=\"num\">3</td><td class=\"num\">2.00</td>"
        ),
        "{page}"
    );
    assert!(
        page.contains(
            "<td>Work</td><td>active</td><td class=\"num\">3</td><td class=\"num\">2.00</td>"
        ),
        "{page}"
    );
    // Numbers are right-aligned by their class.
    assert!(page.contains("td.num,th.num{text-align:right"));
}

#[test]
fn the_page_asks_for_nothing_and_runs_nothing() {
    let page = page_of(SMALL, &HtmlOptions::new());
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    ));
    assert!(!page.contains("<script"));
    for attribute in [" src=", " href=", "url("] {
        assert!(!page.contains(attribute), "{attribute}");
    }
    // Sections in order: the summary first, the charts, the data-quality ledger last.
    let at = |id: &str| page.find(&format!("<section id=\"{id}\">")).expect(id);
    assert!(at("summary") < at("cfd"));
    assert!(at("cfd") < at("cycle-time"));
    assert!(at("cycle-time") < at("forecast"));
    assert!(at("forecast") < at("data-quality"));
    // Both colour schemes and print.
    assert!(page.contains("@media (prefers-color-scheme:dark)"));
    assert!(page.contains("@media print"));
}

#[test]
fn the_forecast_can_be_left_out() {
    let with = page_of(SMALL, &HtmlOptions::new());
    let without = page_of(SMALL, &HtmlOptions::new().forecast(false));
    assert!(with.contains("<section id=\"forecast\">"));
    assert!(!without.contains("<section id=\"forecast\">"));
    let mut page = Vec::new();
    let log = LogReader::builder().build().read(SMALL.as_bytes()).unwrap();
    let tl = Timelines::new(&log, &workflow()).unwrap();
    let metrics = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
    write_html_report(&metrics.report().unwrap(), &metrics, &mut page).unwrap();
    assert_eq!(String::from_utf8(page).unwrap(), with);
}

/// Two items opened on 2024-01-01 and never done, then two items a day from 2024-07-01 for
/// 50 days, each done the next morning: 202 arrivals and completions on a 233-day axis, 2
/// of them in its first 182 days.
fn extract() -> String {
    let mut csv = String::from(
        "id,state,timestamp\nold-1,Queue,2024-01-01T09:00:00Z\nold-2,Queue,2024-01-01T10:00:00Z\n",
    );
    let day0 = chrono::NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
    for d in 0..50u64 {
        let day = day0 + chrono::Days::new(d);
        let next = day + chrono::Days::new(1);
        for k in 0..2 {
            csv += &format!(
                "n{d}-{k},Queue,{day}T09:0{k}:00Z\nn{d}-{k},Work,{day}T12:00:00Z\nn{d}-{k},Done,{next}T09:0{k}:00Z\n"
            );
        }
    }
    csv
}

#[test]
fn time_charts_start_where_the_data_does_and_say_so() {
    let page = page_of(&extract(), &HtmlOptions::new().forecast(false));
    let t = text(&page);
    // 200 of the 202 on or after 2024-07-01 (99%); the 182 days before hold 2.
    assert!(
        t.contains(
            "The window runs from 2024-01-01 to 2024-08-20 (233 days), but 99% of its arrivals and completions fall on or after 2024-07-01"
        ),
        "{t}"
    );
    assert!(t.contains("(the 182 days before hold 2 arrivals and completions)"));
    // The CFD's first date is the trimmed axis's start.
    let cfd = &page[page.find("<figure class=\"cfd\">").unwrap()..];
    let cfd = &cfd[..cfd.find("</figure>").unwrap()];
    let first_tick = cfd
        .split("</text>")
        .filter_map(|s| s.rsplit('>').next())
        .find(|s| s.len() == 10 && s.starts_with("20"))
        .unwrap();
    assert_eq!(first_tick, "2024-07-01", "{cfd}");
    // The reading covers the axis drawn: 100 arrived and 100 done in its 51 days.
    assert!(t.contains("over the 51 days from 2024-07-01"), "{t}");
    assert!(
        t.contains("100 items arrived and 100 items were done"),
        "{t}"
    );
}

#[test]
fn an_evenly_spread_log_is_drawn_whole() {
    let page = page_of(SMALL, &HtmlOptions::new().forecast(false));
    assert!(!page.contains("id=\"axis-note\""));
    let story = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/story/log.csv"),
    )
    .unwrap();
    let log = LogReader::builder().build().read(story.as_bytes()).unwrap();
    let wf = Workflow::from_path(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/story/workflow.toml"),
    )
    .unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    let metrics = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
    let report = metrics.report().unwrap();
    let mut page = Vec::new();
    write_html_report_with(
        &report,
        &metrics,
        &HtmlOptions::new().forecast(false),
        &mut page,
    )
    .unwrap();
    let page = String::from_utf8(page).unwrap();
    assert!(!page.contains("id=\"axis-note\""));
    // The story's reading names the stage whose queue grew, by the figure of the series.
    let daily = &report.daily;
    let k = daily.stages.iter().position(|s| s == "Test queue").unwrap();
    let grew = daily.in_stage[k][daily.len() - 1] - daily.in_stage[k][0];
    assert!(
        text(&page).contains(&format!(
            "The items waiting in Test queue grew by {grew} over the 365 days"
        )),
        "{}",
        text(&page)
    );
}

/// A scatterplot from an instant leaves out the items done before it and says how many;
/// its percentile lines stay those of every item done.
#[test]
fn a_scatterplot_from_an_instant() {
    use valuestream::{CycleTimeChart, write_cycle_time_svg_with};
    let log = LogReader::builder().build().read(SMALL.as_bytes()).unwrap();
    let tl = Timelines::new(&log, &workflow()).unwrap();
    let metrics = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
    let from = chrono::NaiveDate::from_ymd_opt(2024, 3, 5)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let mut svg = Vec::new();
    write_cycle_time_svg_with(&metrics, &CycleTimeChart::new().from(from), &mut svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    // A (done 03-04) is left out, B (done 03-07) drawn.
    assert_eq!(svg.matches("<circle class=\"item\"").count(), 1);
    assert!(svg.contains("data-id=\"B\""));
    assert!(
        svg.contains("(1 done before 2024-03-05 not drawn)"),
        "{svg}"
    );
    // The median of 3 and 5 days.
    assert!(svg.contains("data-level=\"50\" data-value=\"4\""), "{svg}");
    assert!(svg.contains(">2024-03-05</text>"), "{svg}");
}

/// A workflow that was not given is on the page as TOML that reads back to it, and the
/// signs that it does not look like the work are among the warnings.
#[test]
fn a_guessed_workflow_is_shown_and_judged() {
    // Work and Done only: no wait stage, so flow efficiency is 100% by construction.
    let csv = "id,state,timestamp\nA,Work,2024-03-01\nA,Done,2024-03-04\nB,Work,2024-03-02\n";
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let wf = Workflow::infer(log.states()).unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    let metrics = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
    let report = metrics.report().unwrap();
    let write = |options: &HtmlOptions| {
        let mut page = Vec::new();
        write_html_report_with(&report, &metrics, options, &mut page).unwrap();
        String::from_utf8(page).unwrap()
    };
    let guessed = write(
        &HtmlOptions::new()
            .forecast(false)
            .workflow_origin("inferred from the log's states"),
    );
    let given = write(&HtmlOptions::new().forecast(false));
    let t = text(&guessed);
    assert!(t.contains("The workflow was not given: it was inferred from the log's states."));
    let start = guessed.find("<pre class=\"workflow\"><code>").unwrap()
        + "<pre class=\"workflow\"><code>".len();
    let end = start + guessed[start..].find("</code></pre>").unwrap();
    let toml = guessed[start..end].replace("&quot;", "\"");
    assert_eq!(Workflow::from_toml_str(&toml).unwrap(), wf);
    assert!(!given.contains("<section id=\"workflow\">"));
    // The warning is there whether the workflow was given or not: it is about the figures.
    for page in [&guessed, &given] {
        assert!(
            text(page).contains("Workflow: the only stage of work is active, so flow efficiency is 100% by construction"),
            "{}",
            text(page)
        );
    }
}

#[test]
fn blocked_time_has_a_section_when_the_workflow_can_tell_it() {
    // SMALL with B blocked 03-05 to 03-06 while in Work (a "Blocked" status), and C blocked
    // from 03-06 to the end (03-07): B's cycle time is 5 days, 1 of them blocked; A and B
    // done, 8 days of cycle time in all.
    let csv = "id,state,timestamp\n\
        A,Queue,2024-03-01\nA,Work,2024-03-03\nA,Done,2024-03-04\n\
        B,Queue,2024-03-02\nB,Work,2024-03-04\nB,Blocked,2024-03-05\nB,Work,2024-03-06\n\
        B,Done,2024-03-07\nC,Queue,2024-03-04\nC,Work,2024-03-06\nC,Blocked,2024-03-06\n";
    let log = LogReader::builder().build().read(csv.as_bytes()).unwrap();
    let wf = workflow().with_blocked_states(["Blocked"]).unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    let metrics = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
    let report = metrics.report().unwrap();
    let mut page = Vec::new();
    write_html_report_with(
        &report,
        &metrics,
        &HtmlOptions::new().forecast(false),
        &mut page,
    )
    .unwrap();
    let t = text(&String::from_utf8(page).unwrap());
    // 1 blocked day of 8: 12.5%, shown whole.
    assert!(
        t.contains("12% of the cycle time of the items done was blocked (1.0 blocked days); 2 items were blocked at some time after commitment, and 1 item is now."),
        "{t}"
    );
    // Both blocks were in Work: 1 item-day for B, 1 for C.
    assert!(t.contains("Work2.0100%"), "{t}");
    assert!(t.contains("CWork1.02024-03-06 00:00"), "{t}");
    // Without blocked statuses, no section.
    let plain = text(&page_of(SMALL, &HtmlOptions::new().forecast(false)));
    assert!(!plain.contains("Blocked time"));
}
