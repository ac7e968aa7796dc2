//! The real logs of `../shared/data` as the tests read them, or `None` (with a line saying
//! the test was skipped and why) when that folder is not beside the checkout.

#![allow(dead_code)] // each test file uses some of these

use std::path::PathBuf;

use valuestream::{LogReader, Timelines, Workflow};

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/data/NAME`, or `None` after saying the test is skipped: on the process's
/// standard error itself, past the test harness's capture, so that the line shows in a
/// passing run too.
pub fn shared(name: &str) -> Option<PathBuf> {
    let path = root().join("../shared/data").join(name);
    if path.exists() {
        Some(path)
    } else {
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr(),
            format_args!(
                "skipped: {} is absent (see ../shared/data/README.md)\n",
                path.display()
            ),
        );
        None
    }
}

/// The BPI Challenge 2013 incidents log (Ward Steeman, 4TU.ResearchData,
/// doi:10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee) with the sub-status as state,
/// under `data/workflows/bpic2013.toml`.
pub fn bpic2013() -> Option<Timelines> {
    let path = shared("bpic2013_incidents.csv")?;
    let log = LogReader::builder()
        .id_column("case:concept:name")
        .state_column("lifecycle:transition")
        .time_column("time:timestamp")
        .build()
        .read_path(&path)
        .unwrap();
    let wf = Workflow::from_path(root().join("data/workflows/bpic2013.toml")).unwrap();
    Some(Timelines::new(&log, &wf).unwrap())
}

/// [`bpic2013`] read with who did each event (`org:resource`).
pub fn bpic2013_with_resources() -> Option<Timelines> {
    let path = shared("bpic2013_incidents.csv")?;
    let log = LogReader::builder()
        .id_column("case:concept:name")
        .state_column("lifecycle:transition")
        .time_column("time:timestamp")
        .resource_column("org:resource")
        .build()
        .read_path(&path)
        .unwrap();
    let wf = Workflow::from_path(root().join("data/workflows/bpic2013.toml")).unwrap();
    Some(Timelines::new(&log, &wf).unwrap())
}

/// The BPI Challenge 2012 log (Boudewijn van Dongen, 4TU.ResearchData,
/// doi:10.4121/uuid:3926db30-f712-4394-aebc-75976070e91f), its work items as
/// `data/workflows/bpic2012_w.toml` reads them: the activity and its lifecycle transition
/// joined as the state, the unmapped events dropped, the decision final.
#[cfg(feature = "xes")]
pub fn bpic2012_w() -> Option<Timelines> {
    let path = shared("bpic2012.xes.gz")?;
    let log = LogReader::builder()
        .preset(valuestream::Preset::Xes)
        .state_column("concept:name+lifecycle:transition")
        .build()
        .read_path(&path)
        .unwrap();
    let wf = Workflow::from_path(root().join("data/workflows/bpic2012_w.toml")).unwrap();
    let opts = valuestream::TimelineOptions::new()
        .drop_unmapped(true)
        .done_is_final(true);
    Some(Timelines::with_options(&log, &wf, &opts).unwrap())
}
