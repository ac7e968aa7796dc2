//! The text and CSV renderers.

use valuestream::{
    Format, LogReader, Metrics, MetricsOptions, Stage, StageKind, TimelineOptions, Timelines,
    Workflow, write_items_csv, write_series_csv, write_stages_csv,
};

const LOG: &str = "id,state,timestamp,team\n\
    A,To Do,2024-01-01T00:00:00Z,red\nA,Dev,2024-01-02T00:00:00Z,red\nA,Ready,2024-01-03T12:00:00Z,red\n\
    A,Test,2024-01-04T00:00:00Z,red\nA,Done,2024-01-05T00:00:00Z,red\n\
    B,To Do,2024-01-01T00:00:00Z,blue\nB,Dev,2024-01-03T00:00:00Z,blue\nB,Test,2024-01-05T00:00:00Z,blue\n\
    B,Done,2024-01-06T06:00:00Z,blue\n\
    C,To Do,2024-01-02T00:00:00Z,red\nC,Dev,2024-01-04T00:00:00Z,red\n";

fn workflow() -> Workflow {
    Workflow::new(
        vec![
            // "Backlog" too, for the stage columns read back.
            Stage::new("Backlog", StageKind::Backlog).with_states(["To Do", "Backlog"]),
            Stage::new("Dev", StageKind::Active),
            Stage::new("Ready", StageKind::Wait),
            Stage::new("Test", StageKind::Active),
            Stage::new("Done", StageKind::Done),
        ],
        None,
    )
    .unwrap()
}

fn timelines() -> Timelines {
    let log = LogReader::builder()
        .attribute("team")
        .name("render.csv")
        .build()
        .read(LOG.as_bytes())
        .unwrap();
    Timelines::new(&log, &workflow()).unwrap()
}

#[test]
fn text_report_reads_like_a_report() {
    let tl = timelines();
    let r = Metrics::new(&tl, &MetricsOptions::new())
        .unwrap()
        .report()
        .unwrap();
    let text = r.to_string();
    for want in [
        "Flow report of render.csv",
        "window 2024-01-01 00:00 to 2024-01-06 06:00 (5.2 days)",
        "Items 3: 2 done, 1 in progress, 0 not started, 0 discarded",
        "lead time",
        "cycle time",
        "Throughput       0.38 per day, 2.7 per week",
        "Flow efficiency",
        "Little's law",
        "Dev                   active",
        "~2",
        "servers estimated",
        "Bottleneck: ",
        "C                       Dev",
        "forward moves that skipped a wait or active stage",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
}

#[test]
fn items_csv_is_cycle_time_data_and_reads_back_as_wide() {
    let tl = timelines();
    let m = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
    let mut buf = Vec::new();
    write_items_csv(&m, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "ID,Link,Name,Backlog,Dev,Ready,Test,Done,Status,Lead time (days),Cycle time (days),\
         Age (days),Active (days),Waiting (days),Blocked (days),Flow efficiency,Backward moves,Current stage,\
         Backlog (days),Dev (days),Ready (days),Test (days),Done (days),team"
    );
    assert_eq!(
        lines.next().unwrap(),
        "A,,,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-03T12:00:00Z,2024-01-04T00:00:00Z,\
         2024-01-05T00:00:00Z,done,4,3,,2.5,0.5,,0.8333,0,Done,1,1.5,0.5,1,0,red"
    );
    // B skipped Ready: empty cell.
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("B,,,2024-01-01T00:00:00Z,2024-01-03T00:00:00Z,,2024-01-05")
    );
    let c = lines.next().unwrap();
    assert!(
        c.starts_with("C,,,2024-01-02T00:00:00Z,2024-01-04T00:00:00Z,,,,in progress,,,2.25,"),
        "{c}"
    );

    // The stage columns are a wide log: read back, the same timelines.
    let back = LogReader::builder()
        .format(Format::Wide)
        .stage_columns(["Backlog", "Dev", "Ready", "Test", "Done"])
        .build()
        .read(text.as_bytes())
        .unwrap();
    let tl2 = Timelines::with_options(
        &back,
        &workflow(),
        &TimelineOptions::new().as_of(tl.as_of()),
    )
    .unwrap();
    let m2 = Metrics::new(&tl2, &MetricsOptions::new()).unwrap();
    assert_eq!(m2.cycle_times(), m.cycle_times());
    assert_eq!(m2.counts(), m.counts());
}

#[test]
fn series_and_stage_tables() {
    let tl = timelines();
    let m = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
    let daily = m.daily().unwrap();
    let mut buf = Vec::new();
    write_series_csv(&daily, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "date,arrivals,commitments,departures,discarded,net_flow,wip,wip_age_days,\
         Backlog (reached),Dev (reached),Ready (reached),Test (reached),Done (reached),\
         Backlog (current),Dev (current),Ready (current),Test (current),Done (current)"
    );
    assert_eq!(lines.len(), 1 + 6);
    // 1 January: A and B arrive; both in the backlog.
    assert_eq!(lines[1], "2024-01-01,2,0,0,0,0,0,,2,0,0,0,0,2,0,0,0,0");
    // 6 January: B done; C still in Dev, 2.25 days old at the end (06:00).
    assert_eq!(lines[6], "2024-01-06,0,0,1,0,-1,1,2.25,3,3,2,2,2,0,1,0,0,2");

    let mut buf = Vec::new();
    write_stages_csv(&m.stages(), &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 5);
    assert!(lines[0].starts_with("stage,kind,visits,departures,visit_days_mean"));
    // Dev: A 1.5 days, B 2 days, C still in it.
    assert!(lines[2].starts_with("Dev,active,3,2,1.75,"), "{}", lines[2]);
}
