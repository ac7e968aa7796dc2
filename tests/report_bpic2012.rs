//! BPIC 2012 W, the work items of a real log, read through its workflow and checked against
//! an independent computation.
//!
//! Log: BPI Challenge 2012, a Dutch financial institute's loan and overdraft applications
//! (Boudewijn van Dongen, 4TU.ResearchData,
//! doi:10.4121/uuid:3926db30-f712-4394-aebc-75976070e91f), read from
//! `../shared/data/bpic2012.xes.gz` with the activity and its lifecycle transition joined as
//! the state (`concept:name+lifecycle:transition`), through `data/workflows/bpic2012_w.toml`
//! (whose comments say why each state goes where), the unmapped A_ and O_ events dropped and
//! the decision on an application final. The test is skipped, with a message, when the
//! file is absent.
//!
//! The expected figures come from `tools/xes_flow.py`, a standard-library Python program
//! that reads the XES itself and applies DESIGN.md's definitions to the workflow file, not
//! this crate's code (commitment: the first entry into the commitment stage or a later
//! stage that is not done; done: the start of the trailing run of done visits, the events
//! after the first done one kept in it; percentiles of type 7). Every figure below agreed
//! to 1e-9 (relative) or exactly. Rerun it (Python 3.11) with
//!
//! ```text
//! python3 tools/xes_flow.py ../shared/data/bpic2012.xes.gz \
//!     data/workflows/bpic2012_w.toml --done-is-final --prefix W_
//! ```
#![cfg(feature = "xes")]

use std::path::PathBuf;

use valuestream::{
    LogReader, MetricsOptions, Preset, Report, TimelineOptions, Timelines, WarningKind, Workflow,
};

fn timelines() -> Option<Timelines> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("../shared/data/bpic2012.xes.gz");
    if !path.exists() {
        eprintln!(
            "skipped: {} is absent (see ../shared/data/README.md)",
            path.display()
        );
        return None;
    }
    let log = LogReader::builder()
        .preset(Preset::Xes)
        .state_column("concept:name+lifecycle:transition")
        .build()
        .read_path(&path)
        .unwrap();
    assert_eq!(
        (log.rows(), log.len(), log.items()),
        (262_200, 262_200, 13_087)
    );
    assert_eq!(log.states().count(), 36);
    assert!(log.states().any(|s| s == "W_Completeren aanvraag START"));
    let wf = Workflow::from_path(root.join("data/workflows/bpic2012_w.toml")).unwrap();
    let opts = TimelineOptions::new()
        .drop_unmapped(true)
        .done_is_final(true);
    Some(Timelines::with_options(&log, &wf, &opts).unwrap())
}

#[track_caller]
fn close(got: Option<f64>, want: f64) {
    let got = got.unwrap_or(f64::NAN);
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "got {got}, Python {want}"
    );
}

#[test]
fn bpic2012_work_items_agree_with_python() {
    let Some(tl) = timelines() else { return };
    let q = tl.quality();
    assert_eq!(
        (q.events_read, q.events, q.dropped_events()),
        (262_200, 186_198, 76_002)
    );
    assert_eq!(q.count(WarningKind::EventsAfterDone), 12_971);
    assert_eq!(q.count(WarningKind::DoneWithoutCommitment), 3_429);
    assert_eq!(q.count(WarningKind::ItemsWithoutEvents), 0);

    let r = Report::new(&tl, &MetricsOptions::new()).unwrap();
    let it = &r.items;
    // Committed: the 9,658 applications with a W_ event (done or in progress).
    assert_eq!(
        (
            it.total,
            it.done,
            it.in_progress,
            it.not_started,
            it.discarded
        ),
        (13_087, 9_259, 399, 0, 3_429)
    );
    close(Some(r.window.days), 165.68483952546296);
    let ct = &r.cycle_time_days;
    assert_eq!(ct.count, 9_259);
    close(ct.mean, 11.356820220192416);
    close(ct.p50, 8.189968171296297);
    close(ct.p85, 29.557223677083332);
    close(ct.p95, 32.02341798726853);
    close(ct.max, 91.45512744212962);
    close(r.lead_time_days.mean, 11.367331299895119);
}
