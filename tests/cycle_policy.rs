//! When cycle time starts is a policy of the workflow file (`[cycle_time]`): a move back to
//! the backlog keeps the first commitment (the default) or restarts it; a reopened item's
//! cycle time runs from its first commitment (the default) or its latest. Hand logs, every
//! figure worked out in the comments.

use chrono::{DateTime, Duration, TimeZone, Utc};
use valuestream::{
    BacklogReturn, CycleTimePolicy, EventLog, ItemStatus, Metrics, MetricsOptions, Reopen,
    TimelineOptions, Timelines, Workflow,
};

const WORKFLOW: &str = r#"
[[stage]]
name = "Backlog"
kind = "backlog"

[[stage]]
name = "Dev"
kind = "active"

[[stage]]
name = "Done"
kind = "done"
"#;

fn day(d: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::days(d)
}

/// A: committed on day 1, back to the backlog on 3, committed again on 6, done on 8.
/// B: committed on 2, back to the backlog on 4, still there.
/// C: done on 2, reopened on 5, done again on 6.
/// D: done on 2, reopened on 7, in progress.
/// Observed until day 10.
fn log() -> EventLog {
    let mut b = EventLog::builder();
    for (item, state, d) in [
        ("A", "Backlog", 0),
        ("A", "Dev", 1),
        ("A", "Backlog", 3),
        ("A", "Dev", 6),
        ("A", "Done", 8),
        ("B", "Backlog", 0),
        ("B", "Dev", 2),
        ("B", "Backlog", 4),
        ("C", "Dev", 0),
        ("C", "Done", 2),
        ("C", "Dev", 5),
        ("C", "Done", 6),
        ("D", "Dev", 0),
        ("D", "Done", 2),
        ("D", "Dev", 7),
    ] {
        b.push(item, state, day(d));
    }
    b.build()
}

fn timelines(policy: CycleTimePolicy) -> Timelines {
    let wf = Workflow::from_toml_str(WORKFLOW)
        .unwrap()
        .with_cycle_time_policy(policy);
    Timelines::with_options(&log(), &wf, &TimelineOptions::new().as_of(day(10))).unwrap()
}

fn cycle(tl: &Timelines, id: &str) -> Option<f64> {
    tl.get(id).unwrap().cycle_time_days()
}

fn age(tl: &Timelines, id: &str, until: i64) -> f64 {
    let m = Metrics::new(tl, &MetricsOptions::new().until(day(until))).unwrap();
    m.items().find(|i| i.id == id).unwrap().age_days.unwrap()
}

#[test]
fn by_default_the_first_commitment_stands() {
    let tl = timelines(CycleTimePolicy::default());
    assert_eq!(cycle(&tl, "A"), Some(7.0)); // 1 → 8
    assert_eq!(tl.get("B").unwrap().status(), ItemStatus::InProgress);
    assert_eq!(cycle(&tl, "C"), Some(6.0)); // 0 → 6
    assert_eq!(age(&tl, "D", 10), 10.0); // since 0
    assert_eq!(age(&tl, "B", 10), 8.0); // since 2, though back in the backlog
}

#[test]
fn a_return_to_the_backlog_can_restart_the_commitment() {
    let tl = timelines(CycleTimePolicy::new(BacklogReturn::Restart, Reopen::First));
    assert_eq!(cycle(&tl, "A"), Some(2.0)); // 6 → 8
    assert_eq!(tl.get("A").unwrap().commitment(), Some(day(6)));
    // Lead time still runs from the first event.
    assert_eq!(tl.get("A").unwrap().lead_time_days(), Some(8.0));
    // B is back in the backlog: not started.
    assert_eq!(tl.get("B").unwrap().status(), ItemStatus::NotStarted);
    // Reopening is untouched by this policy.
    assert_eq!(cycle(&tl, "C"), Some(6.0));
    // A window ending on day 7 sees A committed again on 6, one day old (the clipped
    // item placed by the same rule); on day 5 it is back in the backlog, not started.
    assert_eq!(age(&tl, "A", 7), 1.0);
    let m = Metrics::new(&tl, &MetricsOptions::new().until(day(5))).unwrap();
    let a = m.items().find(|i| i.id == "A").unwrap();
    assert_eq!(a.status, ItemStatus::NotStarted);
    // The timelines as known on day 7 say the same.
    let past = tl.known_at(day(7));
    assert_eq!(past.get("A").unwrap().commitment(), Some(day(6)));
}

#[test]
fn a_reopened_item_can_run_from_its_latest_commitment() {
    let tl = timelines(CycleTimePolicy::new(BacklogReturn::Keep, Reopen::Latest));
    assert_eq!(cycle(&tl, "C"), Some(1.0)); // reopened on 5, done on 6
    assert_eq!(age(&tl, "D", 10), 3.0); // reopened on 7
    // The backlog return is untouched by this policy.
    assert_eq!(cycle(&tl, "A"), Some(7.0));
    // Before the reopening, C is done with its first cycle.
    let past = tl.known_at(day(4));
    assert_eq!(cycle(&past, "C"), Some(2.0));
    // Both at once.
    let both = timelines(CycleTimePolicy::new(BacklogReturn::Restart, Reopen::Latest));
    assert_eq!(
        (cycle(&both, "A"), cycle(&both, "C")),
        (Some(2.0), Some(1.0))
    );
    // The report's cycle times follow: A 2, C 1 under both policies.
    let m = Metrics::new(&both, &MetricsOptions::new()).unwrap();
    let mut c = m.cycle_times().values().to_vec();
    c.sort_by(f64::total_cmp);
    assert_eq!(c, [1.0, 2.0]);
}

#[test]
fn the_policy_is_read_from_the_workflow_file_and_written_back() {
    let text =
        format!("[cycle_time]\nbacklog_return = \"restart\"\nreopen = \"latest\"\n{WORKFLOW}");
    let wf = Workflow::from_toml_str(&text).unwrap();
    assert_eq!(
        wf.cycle_time_policy(),
        CycleTimePolicy::new(BacklogReturn::Restart, Reopen::Latest)
    );
    let again = Workflow::from_toml_str(&wf.to_toml()).unwrap();
    assert_eq!(again, wf);
    // The default is not written out.
    let plain = Workflow::from_toml_str(WORKFLOW).unwrap();
    assert!(!plain.to_toml().contains("cycle_time"));
    // One key alone keeps the other's default.
    let one =
        Workflow::from_toml_str(&format!("[cycle_time]\nreopen = \"latest\"\n{WORKFLOW}")).unwrap();
    assert_eq!(one.cycle_time_policy().backlog_return, BacklogReturn::Keep);
    // A wrong value names the right ones.
    let e = Workflow::from_toml_str(&format!(
        "[cycle_time]\nbacklog_return = \"forget\"\n{WORKFLOW}"
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("keep") && e.contains("restart"), "{e}");
}
