//! The simulated history as an event log: states, order, counts, and agreement with the
//! simulation's own statistics when measured through timelines.

use chrono::{TimeZone, Utc};
use valuestream::{
    Arrivals, Batch, Distribution, ItemStatus, Servers, SimOptions, Simulation, Station, Timelines,
    ValueStream,
};

fn model() -> ValueStream {
    ValueStream::new(
        Arrivals::poisson(1.0).unwrap(),
        vec![
            Station::new(
                "Dev",
                Servers::Finite(2),
                Distribution::exponential(1.2).unwrap(),
            ),
            Station::new(
                "Deploy",
                Servers::Finite(1),
                Distribution::deterministic(0.04).unwrap(),
            )
            .with_batch(Batch::Scheduled {
                every_days: 7.0,
                offset_days: 0.0,
                max: None,
            }),
            Station::new(
                "Test",
                Servers::Finite(1),
                Distribution::gamma(0.5, 0.7).unwrap(),
            )
            .with_rework("Dev", 0.2),
            Station::new(
                "Customer",
                Servers::Unlimited,
                Distribution::uniform(1.0, 3.0).unwrap(),
            ),
        ],
    )
    .unwrap()
}

fn options() -> SimOptions {
    SimOptions::new()
        .seed(5)
        .replications(1)
        .horizon_days(400.0)
        .warmup_days(0.0)
        .threads(1)
}

/// The states an item goes through, in order, grouped by item.
fn paths(log: &valuestream::EventLog) -> Vec<(String, Vec<(String, i64)>)> {
    let mut by_item: Vec<(String, Vec<(String, i64)>)> = Vec::new();
    for e in log.events() {
        let ms = e.time.timestamp_millis();
        match by_item.iter_mut().find(|(id, _)| id == e.item) {
            Some((_, v)) => v.push((e.state.to_owned(), ms)),
            None => by_item.push((e.item.to_owned(), vec![(e.state.to_owned(), ms)])),
        }
    }
    by_item
}

#[test]
fn every_item_follows_the_stations_in_order() {
    let start = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap();
    let sim = Simulation::new(&model()).unwrap();
    let log = sim.history(&options(), start).unwrap();
    let mut states: Vec<&str> = log.states().collect();
    states.sort_unstable();
    assert_eq!(
        states,
        [
            "Customer",
            "Deploy",
            "Deploy queue",
            "Dev",
            "Dev queue",
            "Done",
            "Test",
            "Test queue"
        ]
    );
    let items = paths(&log);
    assert_eq!(items.len(), log.items());
    assert_eq!(items[0].0, "SIM-1");
    let (mut done, mut reworked) = (0, 0);
    for (id, path) in &items {
        // Each step is allowed by the model, and time never goes back.
        assert_eq!(path[0].0, "Dev queue", "{id} starts in Dev's queue");
        for w in path.windows(2) {
            let (a, b) = (w[0].0.as_str(), w[1].0.as_str());
            let allowed = matches!(
                (a, b),
                ("Dev queue", "Dev")
                    | ("Dev", "Deploy queue")
                    | ("Deploy queue", "Deploy")
                    | ("Deploy", "Test queue")
                    | ("Test queue", "Test")
                    | ("Test", "Customer" | "Dev queue")
                    | ("Customer", "Done")
            );
            assert!(allowed, "{id}: {a} → {b}");
            assert!(w[0].1 <= w[1].1, "{id}: time goes back at {a} → {b}");
            if (a, b) == ("Test", "Dev queue") {
                reworked += 1;
            }
        }
        // Deploys start on the weekly grid.
        for (state, ms) in path {
            if state == "Deploy" {
                let days = (ms - start.timestamp_millis()) as f64 / 86_400_000.0;
                assert!(
                    (days / 7.0 - (days / 7.0).round()).abs() < 1e-9,
                    "{id} deployed at day {days}"
                );
            }
        }
        if path.last().is_some_and(|(s, _)| s == "Done") {
            done += 1;
            let count = |s: &str| path.iter().filter(|(x, _)| x == s).count();
            // One queue state and one service state per visit; one visit to each after Dev.
            assert_eq!(count("Dev queue"), count("Dev"));
            assert_eq!(count("Dev"), count("Deploy"));
            assert_eq!(count("Deploy"), count("Test"));
            assert_eq!((count("Customer"), count("Done")), (1, 1));
            assert_eq!(path.len(), 6 * count("Dev") + 2);
        }
    }
    assert!(
        done > 300 && reworked > 30,
        "{done} done, {reworked} reworks"
    );
}

#[test]
fn the_log_measures_what_the_simulation_measured() {
    let start = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap();
    let m = model();
    let sim = Simulation::new(&m).unwrap();
    let log = sim.history(&options(), start).unwrap();
    let rep = sim.replication(&options(), 0).unwrap();
    let wf = m.workflow().unwrap();
    let tl = Timelines::new(&log, &wf).unwrap();
    assert_eq!(tl.quality().events as usize, log.len());
    let leads: Vec<f64> = tl
        .iter()
        .filter(|t| t.status() == ItemStatus::Done)
        .map(|t| (t.done().unwrap() - t.arrival()).num_milliseconds() as f64 / 86_400_000.0)
        .collect();
    assert_eq!(leads.len() as u64, rep.items_done);
    let mean = leads.iter().sum::<f64>() / leads.len() as f64;
    // Instants are rounded to the millisecond.
    assert!(
        (mean - rep.cycle_time_days_mean).abs() < 1e-6,
        "{mean} vs {}",
        rep.cycle_time_days_mean
    );
    // Time waiting for the release, through the log: the same as the simulation's.
    let deploy_queue = wf.stage_index("Deploy queue").unwrap();
    let waited: f64 = tl.iter().map(|t| t.days_in_stage(deploy_queue)).sum();
    let visits = tl
        .iter()
        .flat_map(|t| {
            t.visits()
                .iter()
                .filter(|v| v.stage() == deploy_queue && !v.is_open())
        })
        .count();
    let open: f64 = tl
        .iter()
        .flat_map(|t| {
            t.visits()
                .iter()
                .filter(|v| v.stage() == deploy_queue && v.is_open())
        })
        .map(valuestream::Visit::days)
        .sum();
    let per_visit = (waited - open) / visits as f64;
    let sim_wait = rep.stations[1].wait_days_mean;
    assert!(
        (per_visit - sim_wait).abs() < 1e-6,
        "{per_visit} vs {sim_wait}"
    );
}

#[test]
fn an_unlimited_backlog_starts_work_in_the_first_stage() {
    let m = ValueStream::new(
        Arrivals::Backlog,
        vec![
            Station::new(
                "Dev",
                Servers::Finite(3),
                Distribution::exponential(1.0).unwrap(),
            ),
            Station::new(
                "Test",
                Servers::Finite(1),
                Distribution::exponential(0.2).unwrap(),
            ),
        ],
    )
    .unwrap();
    let log = Simulation::new(&m)
        .unwrap()
        .history(
            &options(),
            Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        )
        .unwrap();
    let items = paths(&log);
    // Three people start three items at once; nobody waits for Dev.
    assert_eq!(
        items
            .iter()
            .filter(|(_, p)| p[0].1 == items[0].1[0].1)
            .count(),
        3
    );
    assert!(items.iter().all(|(_, p)| p[0].0 == "Dev"));
    assert!(!log.states().any(|s| s == "Dev queue"));
}
