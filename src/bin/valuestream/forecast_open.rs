//! `valuestream forecast LOG --open`: when each item in progress will be done, from the
//! model fitted to the log, and when all of them (of a `--where` selection) will.
//!
//! With `--json` it prints `valuestream::OpenForecast` (keys are public API): `as_of`,
//! `replications`, `seed`, `horizon_days`, `done_items`, `open_items[]{id, stage, age_days,
//! done_by: {"0.5": date | null, "0.85": …, "0.95": …}}`, `all_items`, `all_done_by`,
//! `notes[]`, `calibration[]`, `trust`, `warnings[]`; with `--calibrate` also
//! `calibration_detail` (`valuestream::OpenCalibration`: `levels[]`, `points[]{as_of,
//! items[]{id, done_by, done}}`, `warnings[]`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use valuestream::{
    OpenCalibration, OpenForecast, OpenItem, OpenOptions, calibrate_open, forecast_open, level_key,
    parse_offset,
};

use crate::Failure;
use crate::forecast::{confidence_levels, every_days};
use crate::input::{InputArgs, where_filters};
use crate::modelsrc::input_fit_options;
use crate::output::{print, print_json};

/// What `forecast --open` was asked.
#[derive(Debug)]
pub struct OpenRequest<'a> {
    /// The log and how to read it.
    pub input: &'a InputArgs,
    /// `--where KEY=VALUE`.
    pub filters: &'a [String],
    /// `--seed`.
    pub seed: u64,
    /// `--confidence`, in percent (empty: 50, 85, 95).
    pub confidence: &'a [f64],
    /// `--calibrate`.
    pub calibrate: bool,
    /// `--every`, like `28d`.
    pub every: Option<&'a str>,
    /// `--json`.
    pub json: bool,
}

fn date(d: Option<&Option<NaiveDate>>) -> String {
    d.copied()
        .flatten()
        .map_or_else(|| "later".to_owned(), |d| d.to_string())
}

fn dates(done_by: &BTreeMap<String, Option<NaiveDate>>, levels: &[f64]) -> String {
    levels
        .iter()
        .map(|&c| format!("{:>10}", date(done_by.get(&level_key(c)))))
        .collect::<Vec<_>>()
        .join("  ")
}

/// The forecast for a person.
fn text(f: &OpenForecast, levels: &[f64]) -> String {
    let mut s = format!(
        "When will each item in progress be done? From the model fitted to the log ({} done items), as of {}, {} replications, seed {}, horizon {:.0} days\n",
        f.done_items,
        f.as_of.format("%Y-%m-%d %H:%M"),
        f.replications,
        f.seed,
        f.horizon_days
    );
    let head: Vec<String> = levels
        .iter()
        .map(|c| format!("{:>10}", format!("{:.0}%", c * 100.0)))
        .collect();
    let w = |len: fn(&OpenItem) -> usize, min: usize| {
        f.open_items.iter().map(len).max().unwrap_or(0).max(min)
    };
    let (wid, wst) = (
        w(|i| i.id.chars().count(), 4),
        w(|i| i.stage.chars().count(), 5),
    );
    s.push_str(&format!(
        "  {:<wid$} {:<wst$} {:>8}  {}\n",
        "item",
        "stage",
        "age",
        head.join("  ")
    ));
    for i in &f.open_items {
        s.push_str(&format!(
            "  {:<wid$} {:<wst$} {:>7.1}d  {}\n",
            i.id,
            i.stage,
            i.age_days,
            dates(&i.done_by, levels)
        ));
    }
    s.push_str(&format!(
        "  {} done by {}\n",
        if f.all_items == 1 {
            "the 1 item".to_owned()
        } else {
            format!("all {} items", f.all_items)
        },
        dates(&f.all_done_by, levels).trim_start()
    ));
    s.push_str(&format!("{}\n", f.trust));
    for n in &f.notes {
        s.push_str(&format!("  note: {n}\n"));
    }
    for w in &f.warnings {
        s.push_str(&format!("  ! {w}\n"));
    }
    s
}

/// Runs `forecast --open`.
pub fn run_open(req: &OpenRequest<'_>) -> Result<(), Failure> {
    let mut input = req.input.clone();
    let attributes = where_filters(req.filters, &mut input)?;
    let levels = confidence_levels(req.confidence)?;
    let every = every_days(req.every.unwrap_or("28d"))?;
    let mut options = OpenOptions::new()
        .fit(input_fit_options(&input, false)?)
        .seed(req.seed)
        .threads(input.threads.map_or(0, std::num::NonZeroUsize::get))
        .memory_budget(input.memory_budget())
        .day_offset(parse_offset(input.offset.as_deref().unwrap_or("Z"))?)
        .attributes(attributes);
    if let Some(levels) = levels {
        options = options.confidence(levels);
    }
    let timelines = input.timelines()?;
    let mut f = crate::progress::during("forecasting the open items", || {
        forecast_open(&timelines, &options)
    })?;
    let calibration = if req.calibrate {
        let c = crate::progress::during("calibrating", || {
            calibrate_open(&timelines, &options, every)
        })?;
        f = f.with_calibration(&c);
        Some(c)
    } else {
        None
    };
    if req.json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            forecast: &'a OpenForecast,
            #[serde(skip_serializing_if = "Option::is_none")]
            calibration_detail: Option<&'a OpenCalibration>,
        }
        print_json(&Out {
            forecast: &f,
            calibration_detail: calibration.as_ref(),
        })
    } else {
        let mut s = text(&f, &options.confidence);
        for w in calibration.iter().flat_map(|c| &c.warnings) {
            s.push_str(&format!("  ! calibration: {w}\n"));
        }
        print(&s)
    }
}
