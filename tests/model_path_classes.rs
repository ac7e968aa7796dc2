//! Classes of work discovered from the items' paths (`FitOptions::class_by_path`): by how
//! often an item came back to a stage it had left. A hand-computed log checks the ranges,
//! shares, each class's rework and the class of items still open; a stream that mixes
//! items that never loop with items that often do checks that the classes buy a better
//! held-out backtest than one class of work, as the mixture says they should.

use chrono::{Duration, TimeZone, Utc};
use valuestream::{
    Arrivals, Censoring, ClassBy, ClassStation, Distribution, FitOptions, LogReader, Rework,
    Servers, SimOptions, Simulation, Station, Timelines, ValueStream, WorkClass, Workflow, fit,
};

/// A long log: `id,state,timestamp`, each item's states one hour apart.
fn log_of(paths: &[(String, Vec<&str>)]) -> String {
    let t0 = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut s = String::from("id,state,timestamp\n");
    for (i, (id, states)) in paths.iter().enumerate() {
        for (k, st) in states.iter().enumerate() {
            let t = t0 + Duration::hours(i as i64 * 3 + k as i64);
            s.push_str(&format!("{id},{st},{}\n", t.format("%Y-%m-%dT%H:%M:%SZ")));
        }
    }
    s
}

const WORKFLOW: &str = r#"
[[stage]]
name = "Dev"
kind = "active"
states = ["Dev"]

[[stage]]
name = "Test"
kind = "active"
states = ["Test"]

[[stage]]
name = "Done"
kind = "done"
states = ["Done"]
"#;

/// 40 items straight through (0 returns), 35 that went back from Test once and through
/// Dev and Test again (2 returns: Dev and Test entered again), 5 that went back to Dev and
/// were done from there (1 return), and two open: one in Dev (0 returns so far), one back
/// in Dev (1 return so far).
fn hand_log() -> Timelines {
    let mut paths: Vec<(String, Vec<&str>)> = Vec::new();
    for i in 0..40 {
        paths.push((format!("A-{i}"), vec!["Dev", "Test", "Done"]));
    }
    for i in 0..35 {
        paths.push((format!("B-{i}"), vec!["Dev", "Test", "Dev", "Test", "Done"]));
    }
    for i in 0..5 {
        paths.push((format!("C-{i}"), vec!["Dev", "Test", "Dev", "Done"]));
    }
    paths.push(("O-1".into(), vec!["Dev"]));
    paths.push(("O-2".into(), vec!["Dev", "Test", "Dev"]));
    let log = LogReader::builder()
        .build()
        .read(log_of(&paths).as_bytes())
        .unwrap();
    let wf = Workflow::from_toml_str(WORKFLOW).unwrap();
    Timelines::new(&log, &wf).unwrap()
}

#[test]
fn returns_make_doubling_ranges_of_at_least_thirty_done_items() {
    let tl = hand_log();
    let f = fit(
        &tl,
        &FitOptions::new()
            .class_by_path()
            .censoring(Censoring::DoneItems),
    )
    .unwrap();
    assert_eq!(f.class_by, Some(ClassBy::Path));
    // Done items: 40 with 0 returns, 5 with 1, 35 with 2. The range 1 holds 5 (< 30), so
    // it joins the range above it: 2–3, which is the last, so open-ended: "1+".
    let names: Vec<&str> = f.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["returns-0", "returns-1+"]);
    let r: Vec<(u32, Option<u32>)> = f
        .classes
        .iter()
        .map(|c| c.returns.map(|x| (x.min, x.max)).unwrap())
        .collect();
    assert_eq!(r, [(0, Some(0)), (1, None)]);
    // Shares of the done items: 40/80 each.
    assert!((f.classes[0].share - 0.5).abs() < 1e-12);
    assert!((f.classes[1].share - 0.5).abs() < 1e-12);
    assert_eq!(f.model.classes[0].share, f.classes[0].share);
    // Rework from Test: none for returns-0; for returns-1+, 35 moves back of B's 70 Test
    // services and 5 of C's 5: 40 / 75.
    let test_rework = |k: usize| -> f64 {
        let c: &ClassStation = &f.model.classes[k].stations["Test"];
        c.rework.as_ref().map_or(0.0, |r: &Rework| r.probability)
    };
    assert_eq!(test_rework(0), 0.0);
    assert!(
        (test_rework(1) - 40.0 / 75.0).abs() < 1e-9,
        "{}",
        test_rework(1)
    );
    // Done items are in the class of their returns; an open item that came back already
    // cannot be in returns-0.
    for item in tl.iter() {
        let c = f.class_of(&item);
        match &item.id()[..1] {
            "A" => assert_eq!(c, 0, "{}", item.id()),
            "B" | "C" => assert_eq!(c, 1, "{}", item.id()),
            _ if item.id() == "O-2" => assert_eq!(c, 1),
            _ => assert!(c <= 1),
        }
    }
    // The fit says how the classes were found.
    assert!(
        f.notes
            .iter()
            .any(|n| n.contains("classes by path") && n.contains("returns-0 50%")),
        "{:?}",
        f.notes
    );
}

#[test]
fn one_range_of_returns_gives_one_class_and_says_so() {
    let mut paths: Vec<(String, Vec<&str>)> = Vec::new();
    for i in 0..50 {
        paths.push((format!("A-{i}"), vec!["Dev", "Test", "Done"]));
    }
    for i in 0..10 {
        paths.push((format!("B-{i}"), vec!["Dev", "Test", "Dev", "Test", "Done"]));
    }
    let log = LogReader::builder()
        .build()
        .read(log_of(&paths).as_bytes())
        .unwrap();
    let tl = Timelines::new(&log, &Workflow::from_toml_str(WORKFLOW).unwrap()).unwrap();
    let f = fit(&tl, &FitOptions::new().class_by_path()).unwrap();
    assert!(f.classes.is_empty() && f.model.classes.is_empty());
    assert_eq!(f.class_by, None);
    assert!(
        f.notes
            .iter()
            .any(|n| n.contains("fewer than two ranges of returns")),
        "{:?}",
        f.notes
    );
}

/// Half the items never go back from Test; the other half go back to Dev after 60% of
/// their Test services. The log says nothing of which is which.
fn mixture() -> ValueStream {
    let stations = vec![
        Station::new(
            "Dev",
            Servers::Finite(6),
            Distribution::exponential(0.8).unwrap(),
        ),
        Station::new(
            "Test",
            Servers::Finite(3),
            Distribution::exponential(0.5).unwrap(),
        )
        .with_rework("Dev", 0.3),
    ];
    let class = |name: &str, p: f64, dev: f64| WorkClass {
        name: name.into(),
        share: 0.5,
        stations: [
            (
                "Test".to_owned(),
                ClassStation {
                    rework: Some(Rework {
                        to: "Dev".into(),
                        probability: p,
                    }),
                    ..ClassStation::default()
                },
            ),
            (
                "Dev".to_owned(),
                ClassStation {
                    service: Some(Distribution::exponential(dev).unwrap()),
                    ..ClassStation::default()
                },
            ),
        ]
        .into_iter()
        .collect(),
    };
    ValueStream::new(Arrivals::poisson(1.0).unwrap(), stations)
        .unwrap()
        .with_classes(vec![class("Straight", 0.0, 0.4), class("Loops", 0.6, 1.6)])
        .unwrap()
}

fn mixture_log() -> Timelines {
    let start = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap();
    let options = SimOptions::new()
        .seed(11)
        .replications(1)
        .horizon_days(900.0)
        .warmup_days(0.0)
        .threads(1);
    let log = Simulation::new(&mixture())
        .unwrap()
        .history(&options, start)
        .unwrap();
    let wf = Workflow::infer(log.states()).unwrap();
    Timelines::new(&log, &wf).unwrap()
}

#[test]
fn on_a_hidden_mixture_the_classes_find_the_items_that_loop() {
    let tl = mixture_log();
    let f = fit(&tl, &FitOptions::new().class_by_path().memory(true)).unwrap();
    // The simulator's own items, by its class attribute, give the truth to compare with.
    let loops_share = tl
        .iter()
        .filter(|i| i.done().is_some() && i.attribute("class") == Some("Loops"))
        .count() as f64
        / tl.iter().filter(|i| i.done().is_some()).count() as f64;
    assert!((loops_share - 0.5).abs() < 0.05, "{loops_share}");
    // An item that never went back is Straight, or Loops and lucky at Test (40%): in
    // the mixture, P(no return) = 0.5 + 0.5 × 0.4 = 0.7. About 850 done items give a
    // standard error of 0.016.
    let names: Vec<&str> = f.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names[0], "returns-0", "{names:?}");
    assert!(names.len() >= 2, "{names:?}");
    assert!(
        (f.classes[0].share - 0.7).abs() < 0.05,
        "{}",
        f.classes[0].share
    );
    // Dev's mean service: in returns-0, (0.5 × 0.4 + 0.2 × 1.6) / 0.7 = 0.743 days; in the
    // classes that went back, Loops items only: 1.6 days.
    let dev = |k: usize| {
        f.classes[k]
            .stations
            .iter()
            .find(|s| s.name == "Dev")
            .unwrap()
            .mean_days
    };
    assert!((dev(0) / 0.743 - 1.0).abs() < 0.10, "{}", dev(0));
    for (k, name) in names.iter().enumerate().skip(1) {
        assert!((dev(k) / 1.6 - 1.0).abs() < 0.15, "{name}: {}", dev(k));
    }
    // The first class never goes back; the items of the others all went back from their
    // first Test, but for the few still open at the end that their returns so far allow in
    // (drawn by share) and that have not gone back yet.
    let first_rework = |k: usize| {
        f.classes[k]
            .stations
            .iter()
            .find(|s| s.name == "Test")
            .unwrap()
            .rework
            .as_ref()
            .map_or(0.0, |r| r.probability)
    };
    assert_eq!(first_rework(0), 0.0);
    for (k, name) in names.iter().enumerate().skip(1) {
        assert!(first_rework(k) > 0.9, "{name}: {}", first_rework(k));
    }
}

/// The log of items going Dev, Test, Dev, Test, …, Done with `visits[i]` visits to Dev
/// and to Test each (an item with `v` visits comes back `v − 1` times to each).
fn looping_log(visits: &[u32]) -> Timelines {
    let mut paths: Vec<(String, Vec<&str>)> = Vec::new();
    for (i, &v) in visits.iter().enumerate() {
        let mut states = Vec::new();
        for _ in 0..v {
            states.extend(["Dev", "Test"]);
        }
        states.push("Done");
        paths.push((format!("L-{i}"), states));
    }
    let log = LogReader::builder()
        .build()
        .read(log_of(&paths).as_bytes())
        .unwrap();
    Timelines::new(&log, &Workflow::from_toml_str(WORKFLOW).unwrap()).unwrap()
}

/// G of the docs' formula for one stage's ranges `(chances, followed by another visit)`,
/// written from the formula.
fn g_of(ranges: &[(f64, f64)]) -> f64 {
    let n: f64 = ranges.iter().map(|r| r.0).sum();
    let x: f64 = ranges.iter().map(|r| r.1).sum();
    let h = x / n;
    2.0 * ranges
        .iter()
        .map(|&(nb, xb)| {
            let hb = xb / nb;
            let yes = if xb > 0.0 { xb * (hb / h).ln() } else { 0.0 };
            let no = if xb < nb {
                (nb - xb) * ((1.0 - hb) / (1.0 - h)).ln()
            } else {
                0.0
            };
            yes + no
        })
        .sum::<f64>()
}

/// 100 items with 2 visits to each stage, 40 with 3, 30 with 5, 30 with 9. By hand, per
/// stage (Dev and Test alike), the chances after the k-th visit and those followed by
/// another: k = 2: 200, 100; k = 3: 100, 60; k = 4–5: 60 + 60, 60 + 30; k = 6–9:
/// 30 × 4, 30 × 3. The chance rises (0.50, 0.60, 0.75, 0.75), G is the formula's on those
/// counts for each stage, 3 degrees of freedom each, and χ²(6) gives the p-value:
/// sf(x) = e^(−x/2) (1 + x/2 + (x/2)²/2) for 6 degrees of freedom.
#[test]
fn the_loop_test_on_a_hand_counted_log() {
    let mut visits = vec![2; 100];
    visits.extend([3; 40]);
    visits.extend([5; 30]);
    visits.extend([9; 30]);
    let l = valuestream::Loops::of(&looping_log(&visits)).expect("two stages with ranges");
    let one = [(200.0, 100.0), (100.0, 60.0), (120.0, 90.0), (120.0, 90.0)];
    let g = 2.0 * g_of(&one);
    assert!((l.g - g).abs() < 1e-9, "{} {g}", l.g);
    assert_eq!(l.df, 6);
    let half = g / 2.0;
    let p = (-half).exp() * (1.0 + half + half * half / 2.0);
    assert!(
        (l.p_value - p).abs() < 1e-12 + 1e-6 * p,
        "{} {p}",
        l.p_value
    );
    assert!(p < valuestream::LOOP_SIGNIFICANCE);
    assert!(l.call_for_classes);
    assert_eq!(l.stages.len(), 2);
    let st = &l.stages[0];
    assert_eq!(st.stage, "Dev");
    let ranges: Vec<_> = st
        .ranges
        .iter()
        .map(|r| (r.from, r.to, r.chances, r.another))
        .collect();
    assert_eq!(
        ranges,
        vec![
            (2, Some(2), 200, 100),
            (3, Some(3), 100, 60),
            (4, Some(5), 120, 90),
            (6, None, 120, 90)
        ]
    );
    // And the fit discovers classes from the paths, saying why.
    let f = fit(&looping_log(&visits), &FitOptions::new()).unwrap();
    assert_eq!(f.class_by, Some(ClassBy::Path));
    assert!(
        f.notes
            .iter()
            .any(|n| n.starts_with("classes discovered from the paths")),
        "{:?}",
        f.notes
    );
    // Unless told not to.
    let f = fit(
        &looping_log(&visits),
        &FitOptions::new().discover(valuestream::Discover::Never),
    )
    .unwrap();
    assert_eq!(f.class_by, None);
}

/// A falling chance (items cut short by the end of observation look like this) is not
/// evidence for classes, however significant: 100 items with 3 visits, 100 with 4, none
/// more (k = 2: 200, 200; k = 3: 200, 100; k = 4: 100, 0).
#[test]
fn a_falling_chance_of_another_visit_does_not_call_for_classes() {
    let mut visits = vec![3; 100];
    visits.extend([4; 100]);
    let l = valuestream::Loops::of(&looping_log(&visits)).unwrap();
    assert!(l.p_value < 1e-6, "{}", l.p_value);
    assert!(!l.call_for_classes);
    let f = fit(&looping_log(&visits), &FitOptions::new()).unwrap();
    assert_eq!(f.class_by, None);
}

/// Geometric loops (the same chance of another visit after every visit, as one class of
/// work gives): the test does not call for classes, on five seeds of 2,000 items each.
#[test]
fn geometric_loops_do_not_call_for_classes() {
    use rand::{RngExt, SeedableRng, rngs::Xoshiro256PlusPlus};
    for seed in 0..5 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let visits: Vec<u32> = (0..2000)
            .map(|_| {
                let mut v = 1;
                while v < 60 && rng.random::<f64>() < 0.6 {
                    v += 1;
                }
                v
            })
            .collect();
        let l = valuestream::Loops::of(&looping_log(&visits)).unwrap();
        assert!(!l.call_for_classes, "seed {seed}: {}", l.summary());
        assert!(l.p_value > 0.001, "seed {seed}: {}", l.p_value);
    }
}
