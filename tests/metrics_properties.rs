//! Invariants of DESIGN.md on random logs (proptest): items = done + in progress + not
//! started + discarded; WIP ≥ 0 (the daily series against a brute-force recount); CFD lines
//! never decrease; Little's law exact on a window that starts and ends empty. Every log and
//! window also renders as a report (text, JSON, CSV) without panicking.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use valuestream::{
    EventLog, Metrics, MetricsOptions, Stage, StageKind, TimelineOptions, Timelines, Workflow,
    write_items_csv, write_series_csv, write_stages_csv,
};

const STAGES: [(&str, StageKind); 7] = [
    ("Backlog", StageKind::Backlog),
    ("Q1", StageKind::Wait),
    ("A1", StageKind::Active),
    ("Q2", StageKind::Wait),
    ("A2", StageKind::Active),
    ("Done", StageKind::Done),
    ("Cancelled", StageKind::Done),
];

fn workflow() -> Workflow {
    Workflow::new(
        STAGES.iter().map(|&(n, k)| Stage::new(n, k)).collect(),
        None,
    )
    .unwrap()
}

fn origin() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

/// One item: its start (hours after the origin) and its events (stage, hours after the
/// previous event; 0 makes a tie).
type ItemSpec = (u32, Vec<(usize, u32)>);

fn item_spec(force_done: bool) -> impl Strategy<Value = ItemSpec> {
    (
        0u32..200,
        prop::collection::vec(
            (0usize..STAGES.len(), prop_oneof![Just(0u32), 1u32..60]),
            1..8,
        ),
    )
        .prop_map(move |(start, mut evs)| {
            if force_done {
                // End in a done stage.
                let done = if start % 5 == 0 { 6 } else { 5 };
                evs.push((done, 1 + start % 7));
            }
            (start, evs)
        })
}

fn build(items: &[ItemSpec]) -> EventLog {
    let mut b = EventLog::builder();
    for (i, (start, evs)) in items.iter().enumerate() {
        let id = format!("I{i}");
        let mut t = origin() + Duration::hours(i64::from(*start));
        for &(stage, dt) in evs {
            t += Duration::hours(i64::from(dt));
            b.push(&id, STAGES[stage].0, t);
        }
    }
    b.build()
}

/// The state of the timelines at instant `e` (all events before it), by brute force on the
/// public API: (WIP, items per current stage, items per "reached this stage or later").
fn recount(tl: &Timelines, e: Option<DateTime<Utc>>) -> (u64, Vec<u64>, Vec<u64>) {
    let n = STAGES.len();
    let (mut wip, mut cur, mut reached) = (0u64, vec![0u64; n], vec![0u64; n]);
    let before = |t: DateTime<Utc>| e.is_none_or(|e| t < e);
    for item in tl.iter() {
        let seen: Vec<usize> = item
            .visits()
            .iter()
            .filter(|v| before(v.start()))
            .map(valuestream::Visit::stage)
            .collect();
        if let Some(&last) = seen.last() {
            cur[last] += 1;
            let max = *seen.iter().max().unwrap();
            for r in reached.iter_mut().take(max + 1) {
                *r += 1;
            }
        }
        if item.commitment().is_some_and(before) && !item.done().is_some_and(before) {
            wip += 1;
        }
    }
    (wip, cur, reached)
}

fn check_invariants(tl: &Timelines, opts: &MetricsOptions) -> Result<(), TestCaseError> {
    let m = Metrics::new(tl, opts).unwrap();
    let c = m.counts();
    prop_assert_eq!(
        c.total,
        c.done + c.in_progress + c.not_started + c.discarded
    );
    let s = m.daily().unwrap();
    for stage in 0..STAGES.len() {
        for d in 1..s.len() {
            prop_assert!(
                s.cfd[stage][d - 1] <= s.cfd[stage][d],
                "CFD line {} falls",
                stage
            );
        }
        if stage > 0 {
            for d in 0..s.len() {
                prop_assert!(s.cfd[stage][d] <= s.cfd[stage - 1][d]);
            }
        }
    }
    prop_assert_eq!(s.wip.last().copied(), Some(m.wip().current));
    let w = m.wip();
    prop_assert!(w.mean.is_none_or(|x| x >= 0.0));
    for st in m.stages() {
        prop_assert!(st.wip_mean.is_none_or(|x| x >= 0.0));
        prop_assert!(
            st.utilisation
                .is_none_or(|u| (0.0..=1.0 + 1e-12).contains(&u))
        );
    }
    // The whole report renders, whatever the log.
    let r = m.report().unwrap();
    prop_assert_eq!(r.items, c);
    prop_assert!(!r.to_string().is_empty());
    prop_assert!(serde_json::to_string(&r).is_ok());
    let mut sink = Vec::new();
    prop_assert!(write_items_csv(&m, &mut sink).is_ok());
    prop_assert!(write_series_csv(&r.daily.weekly(), &mut sink).is_ok());
    prop_assert!(write_stages_csv(&r.stages, &mut sink).is_ok());
    let sum = m.cycle_times().summary();
    if sum.count > 0 {
        let p = [sum.p50, sum.p70, sum.p85, sum.p95, sum.max].map(Option::unwrap);
        prop_assert!(p.windows(2).all(|w| w[0] <= w[1]));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn counts_series_and_cfd(items in prop::collection::vec(item_spec(false), 1..25), extra in 0u32..100) {
        let log = build(&items);
        let wf = workflow();
        let latest = log.span().unwrap().1;
        let tl = Timelines::with_options(&log, &wf, &TimelineOptions::new().as_of(latest + Duration::hours(i64::from(extra)))).unwrap();
        let m = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
        let c = m.counts();
        prop_assert_eq!(c.total, tl.len() as u64);
        check_invariants(&tl, &MetricsOptions::new())?;

        // Every daily stock against a brute-force recount at the end of the day.
        let s = m.daily().unwrap();
        for d in 0..s.len() {
            let end = if d + 1 == s.len() {
                None
            } else {
                Some(s.starts[d].and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::days(1))
            };
            let (wip, cur, reached) = recount(&tl, end);
            prop_assert_eq!(s.wip[d], wip, "WIP on day {}", d);
            for st in 0..STAGES.len() {
                prop_assert_eq!(s.in_stage[st][d], cur[st], "stage {} on day {}", st, d);
                prop_assert_eq!(s.cfd[st][d], reached[st], "CFD {} on day {}", st, d);
            }
        }
        // Items arrived so far = items in some stage; flows add up.
        let arrived: u64 = s.arrivals.iter().sum();
        prop_assert_eq!(arrived, c.total);
        let done: u64 = s.departures.iter().sum();
        prop_assert_eq!(done, c.done);

        // Time is conserved: the stages' item-days add up to the items' time from arrival
        // to done (or the window's end).
        let stage_days: f64 = m.stages().iter().map(|s| s.item_days).sum();
        let end = tl.as_of();
        let item_days: f64 = tl
            .iter()
            .map(|i| ((i.done().unwrap_or(end) - i.arrival()).num_milliseconds() as f64) / 86_400_000.0)
            .sum();
        prop_assert!((stage_days - item_days).abs() < 1e-6 * item_days.max(1.0));
    }

    #[test]
    fn windows_and_filters_keep_the_invariants(
        items in prop::collection::vec(item_spec(false), 1..25),
        a in 0u32..400,
        b in 0u32..400,
    ) {
        let log = build(&items);
        let tl = Timelines::new(&log, &workflow()).unwrap();
        let (lo, hi) = (a.min(b), a.max(b));
        let opts = MetricsOptions::new()
            .since(origin() + Duration::hours(i64::from(lo)))
            .until(origin() + Duration::hours(i64::from(hi)));
        match Metrics::new(&tl, &opts) {
            // A window outside the observation is refused, not measured.
            Err(e) => prop_assert!(e.to_string().contains("window"), "{}", e),
            Ok(_) => check_invariants(&tl, &opts)?,
        }
    }

    #[test]
    fn littles_law_is_exact_on_a_window_that_starts_and_ends_empty(
        items in prop::collection::vec(item_spec(true), 1..25),
        extra in 0u32..100,
    ) {
        // Every item ends done (or cancelled): nothing is in progress at the end, and nothing
        // was before the first event.
        let log = build(&items);
        let latest = log.span().unwrap().1;
        let tl = Timelines::with_options(&log, &workflow(), &TimelineOptions::new().as_of(latest + Duration::hours(i64::from(extra)))).unwrap();
        let m = Metrics::new(&tl, &MetricsOptions::new()).unwrap();
        prop_assert_eq!(m.wip().current, 0);
        let law = m.littles_law(&m.daily().unwrap());
        if law.wip.is_some_and(|l| l > 0.0) {
            let e = law.relative_error.unwrap();
            prop_assert!(e.abs() < 1e-9, "relative error {}", e);
        }
    }
}
