//! The simulator and the analytic answers against exact queueing results.
//!
//! Each simulated estimate must hold the exact value inside its 95% confidence interval AND
//! be within 3% of it; each exact analytic answer must match to 1e-6. Horizons are chosen so
//! that the confidence intervals are well inside 3% (a few million simulated services per
//! test), with fixed seeds.

use valuestream::{
    Analysis, Arrivals, Batch, Distribution, Method, Servers, SimOptions, SimResult, Simulation,
    Station, ValueStream, analyze,
};

fn exp(mean: f64) -> Distribution {
    Distribution::exponential(mean).unwrap()
}

fn finite(c: u32) -> Servers {
    Servers::Finite(c)
}

fn options(seed: u64, replications: u32, horizon_days: f64, warmup_days: f64) -> SimOptions {
    SimOptions::new()
        .seed(seed)
        .replications(replications)
        .horizon_days(horizon_days)
        .warmup_days(warmup_days)
        .threads(2)
}

/// The simulated `mean` with its `ci` must cover `exact` and be within 3% of it.
#[track_caller]
fn covers(what: &str, mean: f64, ci: Option<[f64; 2]>, exact: f64) {
    let [lo, hi] = ci.unwrap_or_else(|| panic!("{what}: no confidence interval"));
    eprintln!("{what}: exact {exact}, simulated {mean} [{lo}, {hi}]");
    assert!(
        lo <= exact && exact <= hi,
        "{what}: exact {exact} outside the simulation's 95% CI [{lo}, {hi}] (mean {mean})"
    );
    let rel = (mean - exact).abs() / exact;
    assert!(
        rel < 0.03,
        "{what}: simulated {mean} is {:.2}% from exact {exact}",
        rel * 100.0
    );
}

/// A secondary simulated quantity within `rel` of its exact value (the confidence intervals
/// are checked on the headline answer of each case only: with dozens of 95% intervals some
/// would miss by chance).
#[track_caller]
fn near(what: &str, mean: f64, exact: f64, rel: f64) {
    eprintln!("{what}: exact {exact}, simulated {mean}");
    let err = (mean - exact).abs() / exact;
    assert!(
        err < rel,
        "{what}: simulated {mean} is {:.2}% from exact {exact}",
        err * 100.0
    );
}

#[track_caller]
fn exactly(what: &str, got: Option<f64>, want: f64) {
    let got = got.unwrap_or_else(|| panic!("{what}: no analytic value"));
    assert!(
        (got - want).abs() < 1e-6,
        "{what}: analytic {got} vs exact {want}"
    );
}

/// Little's law on the simulated output, end to end and per stage.
#[track_caller]
fn littles_law_holds(r: &SimResult, tolerance: f64) {
    assert!(
        r.littles_law_relative_error.unwrap() < tolerance,
        "L = λW off by {:.3}%",
        100.0 * r.littles_law_relative_error.unwrap()
    );
    for s in &r.stations {
        let lw = s.throughput_per_day * s.time_days_mean;
        assert!(
            (s.wip_mean - lw).abs() <= tolerance * s.wip_mean.max(1e-9),
            "{}: L = {} but λW = {lw}",
            s.name,
            s.wip_mean
        );
    }
}

fn run(model: &ValueStream, o: &SimOptions) -> (SimResult, Analysis) {
    let r = Simulation::new(model).unwrap().run(o).unwrap();
    let a = analyze(model).unwrap();
    (r, a)
}

#[test]
fn mm1_mean_cycle_time_is_10_days() {
    let model = ValueStream::new(
        Arrivals::poisson(0.9).unwrap(),
        vec![Station::new("Dev", finite(1), exp(1.0))],
    )
    .unwrap();
    let (r, a) = run(&model, &options(11, 20, 400_000.0, 2_000.0));
    assert!(a.exact);
    assert_eq!(a.stations[0].method, Method::ErlangC);
    exactly("M/M/1 cycle time", a.cycle_time_days_mean, 10.0);
    exactly("M/M/1 queue", a.stations[0].queue_mean, 8.1);
    covers(
        "M/M/1 cycle time",
        r.cycle_time_days.mean,
        r.cycle_time_days.ci95,
        10.0,
    );
    let s = &r.stations[0];
    near("M/M/1 wait", s.wait_days_mean, 9.0, 0.03);
    near("M/M/1 queue", s.queue_mean, 8.1, 0.03);
    near("M/M/1 utilisation", s.utilisation.unwrap(), 0.9, 0.01);
    near("M/M/1 throughput", r.throughput.per_day, 0.9, 0.01);
    // The sojourn time of M/M/1 is exponential with mean 10: median 10 ln 2.
    let p50 = 10.0 * std::f64::consts::LN_2;
    assert!(
        (r.cycle_time_days.p50 - p50).abs() / p50 < 0.03,
        "p50 {}",
        r.cycle_time_days.p50
    );
    let p95 = 10.0 * 20f64.ln();
    assert!(
        (r.cycle_time_days.p95 - p95).abs() / p95 < 0.03,
        "p95 {}",
        r.cycle_time_days.p95
    );
    assert!(!r.unstable);
    littles_law_holds(&r, 0.01);
}

#[test]
fn four_mm2_stations_in_tandem_take_9_142857_days() {
    let model = ValueStream::new(
        Arrivals::poisson(1.5).unwrap(),
        (1..=4)
            .map(|i| Station::new(format!("S{i}"), finite(2), exp(1.0)))
            .collect(),
    )
    .unwrap();
    let (r, a) = run(&model, &options(12, 10, 80_000.0, 1_000.0));
    // Jackson: each station is M/M/2 with ρ = 0.75, W = 1 + C(2, 1.5)/(2 − 1.5) = 16/7.
    assert!(a.exact);
    exactly("tandem cycle time", a.cycle_time_days_mean, 64.0 / 7.0);
    covers(
        "tandem cycle time",
        r.cycle_time_days.mean,
        r.cycle_time_days.ci95,
        64.0 / 7.0,
    );
    for (s, sa) in r.stations.iter().zip(&a.stations) {
        assert_eq!(sa.method, Method::ErlangC);
        exactly(&sa.name, sa.time_days_mean, 16.0 / 7.0);
        exactly(&sa.name, sa.utilisation, 0.75);
        near(&s.name, s.time_days_mean, 16.0 / 7.0, 0.03);
        near(&s.name, s.utilisation.unwrap(), 0.75, 0.01);
    }
    littles_law_holds(&r, 0.01);
}

#[test]
fn md1_mean_cycle_time_is_3_days() {
    let model = ValueStream::new(
        Arrivals::poisson(0.8).unwrap(),
        vec![Station::new(
            "Build",
            finite(1),
            Distribution::deterministic(1.0).unwrap(),
        )],
    )
    .unwrap();
    let (r, a) = run(&model, &options(13, 20, 100_000.0, 1_000.0));
    assert!(a.exact);
    assert_eq!(a.stations[0].method, Method::PollaczekKhinchine);
    exactly("M/D/1 cycle time", a.cycle_time_days_mean, 3.0);
    covers(
        "M/D/1 cycle time",
        r.cycle_time_days.mean,
        r.cycle_time_days.ci95,
        3.0,
    );
    near("M/D/1 wait", r.stations[0].wait_days_mean, 2.0, 0.03);
    littles_law_holds(&r, 0.01);
}

#[test]
fn a_weekly_release_waits_3_5_days() {
    // Dev is M/M/2 with λ = 1, µ = 1: time 4/3. Deploy releases every 7 days.
    let model = ValueStream::new(
        Arrivals::poisson(1.0).unwrap(),
        vec![
            Station::new("Dev", finite(2), exp(1.0)),
            Station::new(
                "Deploy",
                finite(1),
                Distribution::deterministic(0.04).unwrap(),
            )
            .with_batch(Batch::Scheduled {
                every_days: 7.0,
                offset_days: 0.0,
                max: None,
            }),
        ],
    )
    .unwrap();
    let (r, a) = run(&model, &options(14, 10, 21_000.0, 700.0));
    let deploy = a.station("Deploy").unwrap();
    assert_eq!(deploy.method, Method::ScheduledRelease);
    assert!(deploy.exact && a.exact);
    exactly("release wait", deploy.wait_days_mean, 3.5);
    exactly("cycle time", a.cycle_time_days_mean, 4.0 / 3.0 + 3.54);
    let s = r.station("Deploy").unwrap();
    covers("release wait", s.wait_days_mean, s.wait_days_ci95, 3.5);
    near("release time", s.time_days_mean, 3.54, 0.03);
    near("cycle time", r.cycle_time_days.mean, 4.0 / 3.0 + 3.54, 0.03);
    // Everything waiting goes at once: one batch a week on one server.
    let busy = s.utilisation.unwrap();
    assert!((busy - 0.04 / 7.0).abs() < 1e-4, "deploy busy {busy}");
    littles_law_holds(&r, 0.01);
}

#[test]
fn rework_multiplies_visits_by_1_over_1_minus_p() {
    // M/M/1 with Bernoulli feedback: λ = 0.5, µ = 1, p = 0.3. Visits 1/(1 − p); each visit
    // is an M/M/1 sojourn at λ/(1 − p); cycle time 1/((1 − p)µ − λ) = 5 days.
    let p = 0.3;
    let model = ValueStream::new(
        Arrivals::poisson(0.5).unwrap(),
        vec![Station::new("Test", finite(1), exp(1.0)).with_rework("Test", p)],
    )
    .unwrap();
    let (r, a) = run(&model, &options(15, 20, 100_000.0, 1_000.0));
    let visits = 1.0 / (1.0 - p);
    let per_visit = 1.0 / (1.0 - 0.5 * visits);
    assert!(a.exact);
    exactly("visits", Some(a.stations[0].visits_per_item), visits);
    exactly("per visit", a.stations[0].time_days_mean, per_visit);
    exactly("cycle time", a.cycle_time_days_mean, 5.0);
    let s = &r.stations[0];
    let per_rep_visits: Vec<f64> = r
        .per_replication
        .iter()
        .map(|rep| rep.stations[0].throughput_per_day / rep.throughput_per_day)
        .collect();
    let mean_visits = per_rep_visits.iter().sum::<f64>() / per_rep_visits.len() as f64;
    assert!((s.visits_per_item - mean_visits).abs() < 0.01);
    assert!(
        (mean_visits - visits).abs() / visits < 0.01,
        "visits {mean_visits}"
    );
    near("per visit", s.time_days_mean, per_visit, 0.03);
    covers(
        "cycle time",
        r.cycle_time_days.mean,
        r.cycle_time_days.ci95,
        5.0,
    );
    littles_law_holds(&r, 0.01);
}

#[test]
fn rework_to_an_earlier_stage_follows_the_traffic_equations() {
    // Dev → Test, Test sends 25% back to Dev: both see λ/(1 − p) = 0.8 per day.
    let model = ValueStream::new(
        Arrivals::poisson(0.6).unwrap(),
        vec![
            Station::new("Dev", finite(1), exp(0.5)),
            Station::new("Test", finite(2), exp(1.5)).with_rework("Dev", 0.25),
        ],
    )
    .unwrap();
    let (r, a) = run(&model, &options(16, 10, 60_000.0, 1_000.0));
    assert!(a.exact, "a Jackson network");
    for s in &a.stations {
        assert!((s.arrival_rate_per_day - 0.8).abs() < 1e-12, "{}", s.name);
    }
    let dev = 1.0 / (2.0 - 0.8);
    let a2 = 0.8 * 1.5;
    let c = {
        let b1 = a2 / (1.0 + a2);
        let b2 = a2 * b1 / (2.0 + a2 * b1);
        b2 / (1.0 - a2 / 2.0 * (1.0 - b2))
    };
    let test = 1.5 + c * 1.5 / (2.0 * (1.0 - a2 / 2.0));
    let lead = (dev + test) / 0.75;
    exactly("cycle time", a.cycle_time_days_mean, lead);
    covers(
        "cycle time",
        r.cycle_time_days.mean,
        r.cycle_time_days.ci95,
        lead,
    );
    near("Test", r.stations[1].time_days_mean, test, 0.03);
    littles_law_holds(&r, 0.01);
}

#[test]
fn stages_that_some_items_skip_see_the_split_flow() {
    // A Jackson tandem with Bernoulli skipping (a split Poisson flow stays Poisson):
    // λ = 1; Dev (µ 2) visited by all, Review (µ 1.5) by half, Test (µ 2) by 80% of the
    // items that reach it. λ_Dev = 1, λ_Review = 0.5, λ_Test = 0.8; each an M/M/1 with
    // sojourn 1/(µ − λ): 1, 1 and 1/1.2 days. Cycle time Σ (λᵢ/λ) Wᵢ = 1 + 0.5 + 0.8/1.2.
    let model = ValueStream::new(
        Arrivals::poisson(1.0).unwrap(),
        vec![
            Station::new("Dev", finite(1), exp(0.5)),
            Station::new("Review", finite(1), exp(1.0 / 1.5)).with_visit_probability(0.5),
            Station::new("Test", finite(1), exp(0.5)).with_visit_probability(0.8),
        ],
    )
    .unwrap();
    let (r, a) = run(&model, &options(21, 10, 100_000.0, 1_000.0));
    let lead = 1.0 + 0.5 + 0.8 / 1.2;
    assert!(a.exact, "a Jackson network");
    for (s, (rate, time)) in a
        .stations
        .iter()
        .zip([(1.0, 1.0), (0.5, 1.0), (0.8, 1.0 / 1.2)])
    {
        exactly(
            &format!("{} rate", s.name),
            Some(s.arrival_rate_per_day),
            rate,
        );
        exactly(&format!("{} visits", s.name), Some(s.visits_per_item), rate);
        exactly(&format!("{} time", s.name), s.time_days_mean, time);
    }
    exactly("cycle time", a.cycle_time_days_mean, lead);
    exactly("throughput", Some(a.throughput_per_day), 1.0);
    covers(
        "cycle time",
        r.cycle_time_days.mean,
        r.cycle_time_days.ci95,
        lead,
    );
    for (s, (visits, time)) in r
        .stations
        .iter()
        .zip([(1.0, 1.0), (0.5, 1.0), (0.8, 1.0 / 1.2)])
    {
        near(
            &format!("{} visits", s.name),
            s.visits_per_item,
            visits,
            0.01,
        );
        near(&format!("{} time", s.name), s.time_days_mean, time, 0.03);
    }
    littles_law_holds(&r, 0.01);
}

#[test]
fn new_work_can_skip_the_first_stages_and_even_all_of_them() {
    // λ = 1 to two M/M/1 stations (µ 1) visited with 0.6 and 0.5: λ_A = 0.6 and
    // λ_B = 0.5 (0.6 · 0.5 after A, 0.4 · 0.5 straight in); 20% of the items visit neither
    // and are done as they arrive. Cycle time 0.6/(1 − 0.6) + 0.5/(1 − 0.5) = 2.5 days
    // over all items.
    let model = ValueStream::new(
        Arrivals::poisson(1.0).unwrap(),
        vec![
            Station::new("A", finite(1), exp(1.0)).with_visit_probability(0.6),
            Station::new("B", finite(1), exp(1.0)).with_visit_probability(0.5),
        ],
    )
    .unwrap();
    let (r, a) = run(&model, &options(22, 10, 100_000.0, 1_000.0));
    assert!(a.exact);
    exactly("A rate", Some(a.stations[0].arrival_rate_per_day), 0.6);
    exactly("B rate", Some(a.stations[1].arrival_rate_per_day), 0.5);
    exactly("cycle time", a.cycle_time_days_mean, 2.5);
    exactly("throughput", Some(a.throughput_per_day), 1.0);
    covers(
        "cycle time",
        r.cycle_time_days.mean,
        r.cycle_time_days.ci95,
        2.5,
    );
    near("throughput", r.throughput.per_day, 1.0, 0.01);
    near("A visits", r.stations[0].visits_per_item, 0.6, 0.01);
    near("B visits", r.stations[1].visits_per_item, 0.5, 0.01);
    littles_law_holds(&r, 0.01);
}

#[test]
fn a_skipped_stage_after_rework_is_drawn_again() {
    // Dev (µ 4) → Review (µ 2, visited with 0.5) → Test (µ 3) sending 25% back to Dev.
    // Every pass draws again at Review, so each station's rate is λ/(1 − p) times its
    // visit probability: Dev 0.8, Review 0.4, Test 0.8 for λ = 0.6. Still a Jackson
    // network: sojourns 1/(µ − λᵢ).
    let model = ValueStream::new(
        Arrivals::poisson(0.6).unwrap(),
        vec![
            Station::new("Dev", finite(1), exp(0.25)),
            Station::new("Review", finite(1), exp(0.5)).with_visit_probability(0.5),
            Station::new("Test", finite(1), exp(1.0 / 3.0)).with_rework("Dev", 0.25),
        ],
    )
    .unwrap();
    let (r, a) = run(&model, &options(23, 10, 60_000.0, 1_000.0));
    assert!(a.exact);
    let rates = [0.8, 0.4, 0.8];
    let mus = [4.0, 2.0, 3.0];
    for (s, rate) in a.stations.iter().zip(rates) {
        exactly(
            &format!("{} rate", s.name),
            Some(s.arrival_rate_per_day),
            rate,
        );
    }
    let lead: f64 = rates
        .iter()
        .zip(mus)
        .map(|(l, mu)| l / 0.6 / (mu - l))
        .sum();
    exactly("cycle time", a.cycle_time_days_mean, lead);
    covers(
        "cycle time",
        r.cycle_time_days.mean,
        r.cycle_time_days.ci95,
        lead,
    );
    littles_law_holds(&r, 0.01);
}

#[test]
fn a_full_stage_blocks_the_server_before_it() {
    // Work is pulled by A whenever it is free; B holds one item (no buffer). Two exponential
    // stations with blocking after service: the three states (A busy, B idle), (both busy),
    // (A blocked, B busy) are equally likely, so throughput is 2/3 µ and A is blocked 1/3.
    let model = ValueStream::new(
        Arrivals::Backlog,
        vec![
            Station::new("A", finite(1), exp(1.0)),
            Station::new("B", finite(1), exp(1.0)).with_wip_limit(1),
        ],
    )
    .unwrap();
    let (r, a) = run(&model, &options(17, 10, 20_000.0, 100.0));
    covers(
        "throughput",
        r.throughput.per_day,
        r.throughput.ci95,
        2.0 / 3.0,
    );
    let s_a = &r.stations[0];
    assert!(
        (s_a.blocked - 1.0 / 3.0).abs() < 0.01,
        "A blocked {}",
        s_a.blocked
    );
    near(
        "B busy",
        r.stations[1].utilisation.unwrap(),
        2.0 / 3.0,
        0.01,
    );
    // The queue in front of B never forms: blocked work stays at A.
    assert_eq!(r.stations[1].queue_mean, 0.0);
    assert!(a.warnings.iter().any(|w| w.contains("WIP limit")));
    assert!(!r.unstable);
    littles_law_holds(&r, 0.01);
}

#[test]
fn an_unlimited_backlog_is_pulled_at_the_first_stage_capacity() {
    // A saturated exponential server emits a Poisson stream: B is M/M/1 at ρ = 0.5.
    let model = ValueStream::new(
        Arrivals::Backlog,
        vec![
            Station::new("A", finite(1), exp(1.0)),
            Station::new("B", finite(1), exp(0.5)),
        ],
    )
    .unwrap();
    let (r, a) = run(&model, &options(18, 10, 20_000.0, 200.0));
    assert!(a.exact);
    exactly("cycle time", a.cycle_time_days_mean, 2.0);
    exactly("throughput", Some(a.throughput_per_day), 1.0);
    covers(
        "cycle time",
        r.cycle_time_days.mean,
        r.cycle_time_days.ci95,
        2.0,
    );
    near("throughput", r.throughput.per_day, 1.0, 0.01);
    assert!(
        (r.stations[0].utilisation.unwrap() - 1.0).abs() < 1e-9,
        "A is never idle"
    );
    assert_eq!(r.stations[0].wait_days_mean, 0.0);
    littles_law_holds(&r, 0.01);
}

#[test]
fn batches_of_5_wait_to_fill() {
    // Unlimited servers: a batch starts when its fifth item arrives; mean fill wait
    // (b − 1)/(2λ) = 2 days.
    let model = ValueStream::new(
        Arrivals::poisson(1.0).unwrap(),
        vec![
            Station::new("Review", Servers::Unlimited, exp(0.5))
                .with_batch(Batch::Size { size: 5 }),
        ],
    )
    .unwrap();
    let (r, a) = run(&model, &options(19, 10, 20_000.0, 100.0));
    assert!(a.exact);
    exactly("fill", a.stations[0].wait_days_mean, 2.0);
    covers(
        "fill",
        r.stations[0].wait_days_mean,
        r.stations[0].wait_days_ci95,
        2.0,
    );
    near("cycle time", r.cycle_time_days.mean, 2.5, 0.03);
    littles_law_holds(&r, 0.01);
}

#[test]
fn an_overloaded_stage_simulates_to_the_horizon_and_says_its_queue_grew() {
    let model = ValueStream::new(
        Arrivals::poisson(1.2).unwrap(),
        vec![
            Station::new("Dev", finite(1), exp(0.5)),
            Station::new("Test", finite(1), exp(1.0)),
        ],
    )
    .unwrap();
    let (r, a) = run(&model, &options(20, 4, 2_000.0, 100.0));
    assert!(!a.stable && a.cycle_time_days_mean.is_none());
    let test = a.station("Test").unwrap();
    assert_eq!(test.method, Method::Unstable);
    exactly("growth", Some(test.queue_growth_per_day), 0.2);
    assert!(r.unstable);
    let s = r.station("Test").unwrap();
    assert!(s.queue_grew && !r.station("Dev").unwrap().queue_grew);
    assert!(
        (s.queue_growth_per_day - 0.2).abs() < 0.03,
        "growth {}",
        s.queue_growth_per_day
    );
    assert!((r.throughput.per_day - 1.0).abs() < 0.03, "Test's capacity");
    assert!(s.time_days_mean.is_finite() && r.cycle_time_days.mean.is_finite());
}

#[test]
fn the_same_seed_gives_the_same_result_whatever_the_threads() {
    let model = ValueStream::from_toml_str(include_str!("../data/models/delivery.toml")).unwrap();
    let sim = Simulation::new(&model).unwrap();
    let o = |seed, threads| {
        SimOptions::new()
            .seed(seed)
            .replications(5)
            .horizon_days(800.0)
            .warmup_days(100.0)
            .threads(threads)
    };
    let one = sim.run(&o(7, 1)).unwrap();
    let again = sim.run(&o(7, 1)).unwrap();
    let three = sim.run(&o(7, 3)).unwrap();
    // Bit for bit: compare the serialised results (NaN-safe).
    let json = |r: &SimResult| serde_json::to_string(r).unwrap();
    assert_eq!(json(&one), json(&again));
    assert_eq!(json(&one), json(&three));
    assert_eq!(one.per_replication, three.per_replication);
    assert_eq!(
        sim.replication(&o(7, 1), 3).unwrap(),
        one.per_replication[3]
    );
    let other = sim.run(&o(8, 1)).unwrap();
    assert_ne!(one.cycle_time_days.mean, other.cycle_time_days.mean);
    // Replications differ from each other too.
    assert_ne!(
        one.per_replication[0].cycle_time_days_mean,
        one.per_replication[1].cycle_time_days_mean
    );
}

#[test]
fn the_example_models_are_valid() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/models")).unwrap() {
        let path = entry.unwrap().path();
        let model = ValueStream::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
        let a = analyze(&model).unwrap();
        assert_eq!(a.stations.len(), model.stations.len(), "{}", path.display());
        let again = ValueStream::from_toml_str(&model.to_toml()).unwrap();
        assert_eq!(model, again, "{}", path.display());
    }
}
