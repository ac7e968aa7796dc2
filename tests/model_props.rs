//! Properties of models, analytic answers and simulations that hold for any valid model.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use valuestream::{
    Arrivals, Batch, Distribution, ItemStatus, Method, Servers, SimOptions, Simulation, Station,
    Timelines, ValueStream, analyze,
};

/// A distribution with the given mean, of one of the kinds a model file can name.
fn distribution(kind: u8, mean: f64) -> Distribution {
    match kind % 9 {
        0 => Distribution::exponential(mean),
        1 => Distribution::deterministic(mean),
        2 => Distribution::uniform(0.5 * mean, 1.5 * mean),
        3 => Distribution::triangular(0.2 * mean, 0.8 * mean, 2.0 * mean),
        4 => Distribution::lognormal(mean, 1.2),
        5 => Distribution::gamma(mean, 0.5),
        6 => Distribution::weibull(1.5, mean / 0.902_745_292_950_933_5),
        7 => Distribution::erlang(3, mean),
        _ => Distribution::empirical(vec![0.25 * mean, mean, 1.75 * mean]),
    }
    .unwrap()
}

#[derive(Clone, Debug)]
struct StationSpec {
    servers: u32,
    dist: u8,
    load: f64,
    batch: u8,
    wip: bool,
    rework: Option<(usize, f64)>,
}

fn station_spec() -> impl Strategy<Value = StationSpec> {
    (
        0u32..4,
        any::<u8>(),
        0.1f64..0.7,
        0u8..6,
        any::<bool>(),
        proptest::option::weighted(0.3, (0usize..4, 0.05f64..0.3)),
    )
        .prop_map(|(servers, dist, load, batch, wip, rework)| StationSpec {
            servers,
            dist,
            load,
            batch,
            wip,
            rework,
        })
}

/// A stable model: each station's utilisation is about `load` (rework included).
fn build(rate: f64, specs: &[StationSpec], pull: bool) -> ValueStream {
    let n = specs.len();
    let rework_total: f64 = specs.iter().filter_map(|s| s.rework.map(|r| r.1)).sum();
    let visits = 1.0 / (1.0 - rework_total.min(0.6));
    let stages = specs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let servers = if s.servers == 0 && !(pull && i == 0) {
                Servers::Unlimited
            } else {
                Servers::Finite(s.servers.max(1))
            };
            let c = f64::from(servers.count().unwrap_or(1));
            let mean = s.load * c / (rate * visits);
            let mut st = Station::new(format!("S{i}"), servers, distribution(s.dist, mean));
            if !(pull && i == 0) {
                st.batch = match s.batch {
                    0 => Some(Batch::Scheduled {
                        every_days: 3.0,
                        offset_days: 0.5,
                        max: None,
                    }),
                    1 => Some(Batch::Size { size: 3 }),
                    _ => None,
                };
            }
            if s.wip {
                st.wip_limit = Some(servers.count().unwrap_or(1) + 3);
            }
            if let Some((to, p)) = s.rework {
                st = st.with_rework(format!("S{}", to % n), p);
            }
            st
        })
        .collect();
    let arrivals = if pull {
        Arrivals::Backlog
    } else {
        Arrivals::poisson(rate).unwrap()
    };
    ValueStream::new(arrivals, stages).unwrap()
}

fn options(seed: u64, threads: usize) -> SimOptions {
    SimOptions::new()
        .seed(seed)
        .replications(3)
        .horizon_days(150.0)
        .warmup_days(15.0)
        .threads(threads)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn models_round_trip_through_toml(
        rate in 0.2f64..5.0,
        specs in prop::collection::vec(station_spec(), 1..5),
        pull in any::<bool>(),
    ) {
        let m = build(rate, &specs, pull);
        let text = m.to_toml();
        prop_assert_eq!(ValueStream::from_toml_str(&text).unwrap(), m, "{}", text);
    }

    #[test]
    fn analytic_answers_are_finite_and_consistent(
        rate in 0.2f64..5.0,
        specs in prop::collection::vec(station_spec(), 1..5),
        pull in any::<bool>(),
    ) {
        let m = build(rate, &specs, pull);
        let a = analyze(&m).unwrap();
        let mut lead = 0.0;
        for s in &a.stations {
            prop_assert!(s.arrival_rate_per_day.is_finite() && s.arrival_rate_per_day >= 0.0);
            prop_assert!(s.utilisation.is_none_or(f64::is_finite));
            if s.stable {
                prop_assert_eq!(s.queue_growth_per_day, 0.0);
                let (w, t) = (s.wait_days_mean.unwrap(), s.time_days_mean.unwrap());
                prop_assert!(w.is_finite() && w >= 0.0 && t >= w, "{}: wait {} time {}", s.name, w, t);
                // Little's law, by construction.
                let q = s.queue_mean.unwrap();
                prop_assert!((q - s.arrival_rate_per_day * w).abs() <= 1e-9 * (1.0 + q));
                lead += s.visits_per_item * t;
            } else {
                prop_assert_eq!(s.method, Method::Unstable);
                prop_assert!(s.queue_growth_per_day >= 0.0 && s.wait_days_mean.is_none());
            }
            prop_assert!(!s.exact || s.warnings.is_empty() || s.method == Method::Unstable);
        }
        if a.stable {
            let l = a.cycle_time_days_mean.unwrap();
            prop_assert!((l - lead).abs() <= 1e-9 * l, "{} vs {}", l, lead);
        } else {
            prop_assert!(a.cycle_time_days_mean.is_none() && !a.exact);
        }
    }

    #[test]
    fn simulations_are_reproducible_and_consistent(
        rate in 0.5f64..3.0,
        specs in prop::collection::vec(station_spec(), 1..4),
        pull in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let m = build(rate, &specs, pull);
        let sim = Simulation::new(&m).unwrap();
        let one = sim.run(&options(seed, 1)).unwrap();
        let two = sim.run(&options(seed, 2)).unwrap();
        prop_assert_eq!(serde_json::to_string(&one).unwrap(), serde_json::to_string(&two).unwrap());
        prop_assert!(one.wip.mean >= 0.0 && one.throughput.per_day >= 0.0);
        for s in &one.stations {
            prop_assert!(s.queue_mean >= 0.0 && s.wip_mean >= s.queue_mean - 1e-9, "{}", s.name);
            prop_assert!(s.utilisation.is_none_or(|u| (0.0..=1.0 + 1e-12).contains(&u)));
            prop_assert!((0.0..=1.0 + 1e-12).contains(&s.blocked));
            if s.wait_days_mean.is_finite() {
                prop_assert!(s.wait_days_mean >= 0.0 && s.time_days_mean >= s.wait_days_mean - 1e-9);
                prop_assert!(s.wait_days_p50 <= s.wait_days_p85 && s.wait_days_p85 <= s.wait_days_p95);
            }
        }
        let lt = &one.cycle_time_days;
        if lt.mean.is_finite() {
            prop_assert!(lt.p50 <= lt.p85 && lt.p85 <= lt.p95);
        }
    }

    #[test]
    fn every_simulated_item_is_done_or_in_progress(
        rate in 0.5f64..3.0,
        specs in prop::collection::vec(station_spec(), 1..4),
        pull in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let m = build(rate, &specs, pull);
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let log = Simulation::new(&m).unwrap().history(&options(seed, 1), start).unwrap();
        prop_assume!(!log.is_empty());
        let tl = Timelines::new(&log, &m.workflow().unwrap()).unwrap();
        let done = tl.iter().filter(|t| t.status() == ItemStatus::Done).count();
        let wip = tl.iter().filter(|t| t.status() == ItemStatus::InProgress).count();
        prop_assert_eq!(done + wip, log.items());
        for t in tl.iter() {
            prop_assert!(t.visits().windows(2).all(|w| w[0].start() <= w[1].start()));
        }
    }

    #[test]
    fn erlang_c_matches_the_textbook_formula(c in 1u32..12, load in 0.05f64..0.97) {
        // M/M/c with µ = 1 and λ = c·load: W_q = C / (c − λ), where
        // C = (a^c/c!)/(1 − ρ) / (Σ_{k<c} a^k/k! + (a^c/c!)/(1 − ρ)).
        let a = f64::from(c) * load;
        let m = ValueStream::new(
            Arrivals::poisson(a).unwrap(),
            vec![Station::new("S", Servers::Finite(c), Distribution::exponential(1.0).unwrap())],
        )
        .unwrap();
        let wq = analyze(&m).unwrap().stations[0].wait_days_mean.unwrap();
        let mut term = 1.0;
        let mut sum = 0.0;
        for k in 0..c {
            sum += term;
            term *= a / f64::from(k + 1);
        }
        let last = term / (1.0 - load);
        let want = last / (sum + last) / (f64::from(c) - a);
        prop_assert!((wq - want).abs() <= 1e-9 * want.max(1e-12), "{} vs {}", wq, want);
    }
}
