//! The report on a real log, against an independent computation.
//!
//! Log: BPI Challenge 2013, Volvo IT Belgium incident management (Ward Steeman,
//! 4TU.ResearchData, doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee), read from
//! `../shared/data/bpic2013_incidents.csv` with the sub-status (`lifecycle:transition`) as
//! state and the workflow `data/workflows/bpic2013.toml`. The test is skipped, with a
//! message, when the file is absent.
//!
//! The expected figures come from a separate pandas program written from DESIGN.md's
//! definitions, not from this crate: events sorted per item with a stable sort, visits
//! from runs of equal stages, the trailing done run, arrivals and commitments by group
//! minima, time averages as sums of interval lengths over the window, percentiles by
//! `Series.quantile` (linear, type 7), standard deviations by `Series.std`, the peak of
//! In Progress by a cumulative sum over sorted interval ends and starts. Every figure
//! below agreed to 1e-9 (relative) or exactly. The program is `tools/flow_pandas.py`;
//! rerun it (pandas 2, Python 3.11) with
//!
//! ```text
//! python tools/flow_pandas.py ../shared/data/bpic2013_incidents.csv \
//!     data/workflows/bpic2013.toml --id case:concept:name \
//!     --state lifecycle:transition --time time:timestamp --full
//! ```

mod real;

use valuestream::{MetricsOptions, Report};

fn report() -> Option<Report> {
    let tl = real::bpic2013()?;
    Some(Report::new(&tl, &MetricsOptions::new()).unwrap())
}

#[track_caller]
fn close(got: Option<f64>, want: f64) {
    let got = got.unwrap_or(f64::NAN);
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "got {got}, pandas {want}"
    );
}

/// Each stage's visits, visit days and WIP, against pandas.
fn stages_agree_with_pandas(r: &Report) {
    // (name, visits, mean, p50, p85 of visit days, time-average WIP)
    let stages = [
        (
            "Queued",
            10772,
            1.168114419800649,
            0.030815972222222224,
            1.0596903935185187,
            16.062989526378185,
        ),
        (
            "Assigned",
            3121,
            1.5613397472993829,
            0.05953125,
            1.2658651620370371,
            6.229398276154693,
        ),
        (
            "In Progress",
            22946,
            0.5838532117450218,
            0.0024421296296296296,
            0.02238425925925926,
            17.133790981721216,
        ),
        (
            "Waiting",
            5724,
            5.3200223345832285,
            1.0306134259259259,
            8.724659722222224,
            38.93500909548763,
        ),
        (
            "Resolved",
            8126,
            0.24504734317599655,
            0.0,
            0.0,
            2.541976097614937,
        ),
    ];
    assert_eq!(r.stages.len(), stages.len());
    for (s, (name, visits, mean, p50, p85, wip)) in r.stages.iter().zip(stages) {
        assert_eq!(s.name, name);
        assert_eq!(s.visits, visits, "{name}");
        close(s.visit_days.mean, mean);
        close(s.visit_days.p50, p50);
        close(s.visit_days.p85, p85);
        close(s.wip_mean, wip);
    }
}

#[test]
fn bpic2013_incidents_agree_with_pandas() {
    let Some(r) = report() else { return };
    let it = &r.items;
    assert_eq!(
        (
            it.total,
            it.done,
            it.in_progress,
            it.not_started,
            it.discarded
        ),
        (7554, 7545, 8, 0, 1)
    );
    close(Some(r.window.days), 783.3491087962963);

    let lt = &r.lead_time_days;
    assert_eq!(lt.count, 7545);
    close(lt.mean, 8.380247465822348);
    close(lt.sd, 28.02408750737863);
    close(lt.p50, 0.6322337962962963);
    close(lt.p70, 5.39975694444441);
    close(lt.p85, 13.068719907407408);
    close(lt.p95, 32.01567361111105);
    close(lt.max, 763.7572916666667);
    let ct = &r.cycle_time_days;
    assert_eq!(ct.count, 7545);
    close(ct.mean, 8.379702151289791);
    close(ct.sd, 28.024178348338975);
    close(ct.p85, 13.068719907407408);

    close(r.throughput.per_day, 9.631720921459575);
    close(r.wip.mean, 80.89791165996465);
    assert_eq!(r.wip.current, 8);
    close(r.flow_efficiency, 0.21165618128107483);
    close(r.littles_law.relative_error, -0.0023110501859775474);

    stages_agree_with_pandas(&r);
    // In Progress: at most 413 incidents at once, so 413 estimated servers.
    let ip = &r.stages[2];
    assert_eq!((ip.servers, ip.servers_estimated), (Some(413), true));
    close(ip.utilisation, 0.041486176711189385);
    // Busy 4% of the time at most: not a capacity constraint, so no stage is named
    // (tests/no_constraint.rs has the rest).
    assert_eq!(r.bottleneck.stage, None);
    assert!(!r.bottleneck.constrained);

    let ages = [
        19.691666666666666,
        18.664409722222223,
        18.61915509259259,
        18.561979166666666,
        18.389189814814817,
        18.266886574074,
        17.436087962963,
        16.824895833333332,
    ];
    assert_eq!(r.aging.len(), ages.len());
    for (a, want) in r.aging.iter().zip(ages) {
        close(Some(a.age_days), want);
    }
}
