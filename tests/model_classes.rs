//! Classes of work and routing with memory against an independent simulator (SimPy,
//! `tools/indep_class_sim.py`, see `tests/data/classes/README.md`): two classes share four
//! stations, and an item that came back from Test once is more likely to come back again.
//! The fit must recover each class's service means and rework, and `what_if` must predict
//! the simulator's own relative changes of mean cycle time, per class and overall.

use std::path::PathBuf;

use valuestream::{
    Change, ClassBy, ClassStation, Distribution, FitOptions, LogReader, Revisit, Servers,
    SimOptions, Station, Timelines, ValueStream, WorkClass, Workflow, fit, what_if,
};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/classes")
        .join(name)
}

fn timelines() -> Timelines {
    let log = LogReader::builder()
        .attribute("type")
        .build()
        .read_path(data("two_class_log.csv"))
        .unwrap();
    let wf = Workflow::infer(log.states()).unwrap();
    Timelines::new(&log, &wf).unwrap()
}

fn truth() -> serde_json::Value {
    let text = std::fs::read_to_string(data("two_class_truth.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The true mean service time of `class` at `station`.
fn true_mean(t: &serde_json::Value, station: &str, class: &str) -> f64 {
    t["parameters"]["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == station)
        .unwrap()["service"][class]["mean"]
        .as_f64()
        .unwrap()
}

fn options() -> FitOptions {
    FitOptions::new().class_by("type").memory(true)
}

#[test]
fn fit_recovers_each_classs_service_means_share_and_rework() {
    let t = truth();
    let f = fit(&timelines(), &options()).unwrap();
    assert_eq!(f.class_by, Some(ClassBy::Attribute("type".into())));
    let names: Vec<&str> = f.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Feature", "Bug"]);
    // Shares: 0.6 and 0.4 in the simulator; about 1,690 items give ±0.024 (2 sd).
    assert!(
        (f.classes[0].share - 0.6).abs() < 0.03,
        "{}",
        f.classes[0].share
    );
    // The stations are shared: their servers are fitted on every item.
    let servers: Vec<Option<u32>> = f.stations.iter().map(|s| s.servers).collect();
    assert_eq!(servers, [Some(1), Some(2), Some(1), Some(1)]);
    for c in &f.classes {
        for s in &c.stations {
            let want = true_mean(&t, &s.name, &c.name);
            // Dev and Test see later visits apart: their first-visit and later-visit
            // services are the same distribution in the simulator; pool them to compare.
            let (n1, m1) = (s.services as f64, s.mean_days);
            let (n2, m2) = s
                .revisit
                .as_ref()
                .map_or((0.0, 0.0), |r| (r.services as f64, r.mean_days));
            let got = (n1 * m1 + n2 * m2) / (n1 + n2);
            assert!(
                (got / want - 1.0).abs() < 0.10,
                "{} at {}: fitted mean {got:.3}, true {want}",
                c.name,
                s.name
            );
        }
        // Rework after Test, first and later visits: Feature 0.25 then 0.5, Bug 0.1 then
        // 0.4. The later ones rest on about 250 (Feature) and 80 (Bug) later services.
        let test = c.stations.iter().find(|s| s.name == "Test").unwrap();
        let r = test.rework.as_ref().expect("rework after Test");
        assert_eq!(r.to, "Dev");
        let later = r
            .later_probability
            .expect("a later-visit rework probability");
        let (p1, p2) = if c.name == "Feature" {
            (0.25, 0.5)
        } else {
            (0.1, 0.4)
        };
        assert!(
            (r.probability - p1).abs() < 0.05,
            "{}: {}",
            c.name,
            r.probability
        );
        assert!((later - p2).abs() < 0.12, "{}: {later}", c.name);
    }
}

fn sim() -> SimOptions {
    SimOptions::new()
        .seed(5)
        .replications(16)
        .horizon_days(4000.0)
        .warmup_days(400.0)
        .threads(2)
}

#[test]
fn what_if_predicts_the_independent_simulators_changes_per_class_and_overall() {
    let t = truth();
    let f = fit(&timelines(), &options()).unwrap();
    for change in ["servers Test=+1", "automate Analyse=1h"] {
        let w = what_if(&f.model, &[change.parse().unwrap()], &sim()).unwrap();
        let theirs = &t["results"][change]["delta_rel"];
        let mut pairs = vec![("overall", w.cycle_time.delta_rel)];
        for c in &w.classes {
            pairs.push((c.class.as_str(), c.cycle_time.delta_rel));
        }
        assert_eq!(pairs.len(), 3, "{change}: a figure per class and overall");
        for (who, ours) in pairs {
            let want = theirs[who].as_f64().unwrap();
            assert!(
                (ours - want).abs() < 0.08,
                "{change}, {who}: predicted {:+.1}% against the simulator's {:+.1}%",
                ours * 100.0,
                want * 100.0
            );
        }
    }
}

/// Without classes and memory the same log gives one averaged kind of work: the what-if
/// for the whole stream still holds (the servers are the same), but there is no answer per
/// class to give. This is what the classes add.
#[test]
fn without_classes_there_is_no_answer_per_class() {
    let f = fit(&timelines(), &FitOptions::new()).unwrap();
    assert!(f.classes.is_empty() && f.model.classes.is_empty());
    let w = what_if(&f.model, &["servers Test=+1".parse().unwrap()], &sim()).unwrap();
    assert!(w.classes.is_empty());
}

/// The simulator with the true parameters, as a model file would give them, against the
/// independent simulator's baseline per class: the classes share the servers, and the
/// later-visit rework is drawn from the item's own history.
#[test]
fn the_true_two_class_model_matches_the_independent_simulator() {
    let t = truth();
    let model = true_model();
    let r = valuestream::Simulation::new(&model)
        .unwrap()
        .run(&sim().replications(24))
        .unwrap();
    for (who, ours) in [
        ("overall", r.cycle_time_days.mean),
        ("Feature", r.class("Feature").unwrap().cycle_time_days_mean),
        ("Bug", r.class("Bug").unwrap().cycle_time_days_mean),
    ] {
        let want = t["results"]["baseline"]["cycle_time_mean"][who]
            .as_f64()
            .unwrap();
        assert!(
            (ours / want - 1.0).abs() < 0.06,
            "{who}: {ours:.3} days against the simulator's {want:.3}"
        );
    }
    // Test is the bottleneck at about 0.81.
    let u = r.station("Test").unwrap().utilisation.unwrap();
    assert!((u - 0.81).abs() < 0.02, "{u}");
}

/// A change for one class changes that class's items only.
#[test]
fn a_change_for_one_class_leaves_the_other_alone() {
    let model = true_model();
    let c: Change = "scale Dev=0.5 class=Bug".parse().unwrap();
    assert_eq!(c.to_string(), "scale Dev=0.5 class=Bug");
    let changed = model.apply(&[c]).unwrap();
    let bug = changed.stations_for(changed.class_index("Bug"));
    let feature = changed.stations_for(changed.class_index("Feature"));
    assert!((bug[1].service.mean() - 0.4).abs() < 1e-9);
    assert!((feature[1].service.mean() - 1.5).abs() < 1e-9);
    // Servers are shared by every class: a change of them cannot be for one.
    assert!("servers Dev=+1 class=Bug".parse::<Change>().is_err());
    let err = model
        .apply(&["scale Dev=0.5 class=Epic".parse().unwrap()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"Feature\", \"Bug\""), "{err}");
}

/// The simulator's parameters as a model with classes.
fn true_model() -> ValueStream {
    let d = |mean: f64, cv: f64| Distribution::lognormal(mean, cv).unwrap();
    let g = |mean: f64, cv: f64| Distribution::gamma(mean, cv).unwrap();
    let e = |mean: f64| Distribution::exponential(mean).unwrap();
    let stations = vec![
        Station::new("Analyse", Servers::Finite(1), e(0.3)),
        Station::new("Dev", Servers::Finite(2), d(1.5, 0.8)),
        Station::new("Test", Servers::Finite(1), g(0.8, 0.6))
            .with_rework("Dev", 0.25)
            .with_revisit(Revisit {
                service: None,
                rework_probability: Some(0.5),
            }),
        Station::new(
            "Deploy",
            Servers::Finite(1),
            Distribution::deterministic(0.1).unwrap(),
        ),
    ];
    let bug = WorkClass {
        name: "Bug".into(),
        share: 0.4,
        stations: [
            (
                "Analyse".to_owned(),
                ClassStation {
                    service: Some(e(0.2)),
                    ..ClassStation::default()
                },
            ),
            (
                "Dev".to_owned(),
                ClassStation {
                    service: Some(d(0.8, 0.8)),
                    ..ClassStation::default()
                },
            ),
            (
                "Test".to_owned(),
                ClassStation {
                    service: Some(g(0.5, 0.6)),
                    rework: Some(valuestream::Rework {
                        to: "Dev".into(),
                        probability: 0.1,
                    }),
                    revisit: Some(Revisit {
                        service: None,
                        rework_probability: Some(0.4),
                    }),
                    ..ClassStation::default()
                },
            ),
        ]
        .into_iter()
        .collect(),
    };
    let feature = WorkClass {
        name: "Feature".into(),
        share: 0.6,
        stations: std::collections::BTreeMap::default(),
    };
    ValueStream::new(valuestream::Arrivals::poisson(0.85).unwrap(), stations)
        .unwrap()
        .with_classes(vec![feature, bug])
        .unwrap()
}

/// The analytic answer of a model with classes and later visits aggregates them into one
/// kind of work with the same flows: every station's utilisation is exact (the
/// simulator's own expected values, from its parameters), and it says it approximates.
#[test]
fn the_analytic_utilisations_of_classes_and_later_visits_are_exact() {
    let t = truth();
    let a = valuestream::analyze(&true_model()).unwrap();
    for s in &a.stations {
        let want = t["parameters"]["expected_utilisation"][s.name.as_str()]
            .as_f64()
            .unwrap();
        let got = s.utilisation.unwrap();
        assert!(
            (got - want).abs() < 1e-9,
            "{}: {got} against {want}",
            s.name
        );
    }
    assert!(!a.exact);
    assert!(a.warnings.iter().any(|w| w.contains("aggregated")));
    // Visits to Test per item: 0.6 × 1.5 + 0.4 × 7/6.
    let test = a.stations.iter().find(|s| s.name == "Test").unwrap();
    assert!((test.visits_per_item - (0.6 * 1.5 + 0.4 * 7.0 / 6.0)).abs() < 1e-9);
}

/// A fitted model with classes and later visits is a model file too: written and read
/// back, it is the same model.
#[test]
fn a_fitted_model_with_classes_round_trips_through_its_file() {
    let f = fit(&timelines(), &options()).unwrap();
    let text = f.model.to_toml();
    assert!(
        text.contains("[[class]]") && text.contains("revisit = "),
        "{text}"
    );
    let again = ValueStream::from_toml_str(&text).unwrap();
    assert_eq!(again, f.model);
}
