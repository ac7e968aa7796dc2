//! Several exports read as one log: the events of each file, kept apart by source where
//! their ids clash, every file's rows accounted for in the ledger.
//!
//! The rule: every item gets the attribute `source`, the name of the file it came from
//! (its file name; its path as given when two files have one name). An id found in one
//! file only is kept as it is; an id found in two files or more is two items or more, each
//! named `<source>:<id>` (`team-a.csv:PROJ-1`), since nothing says they are one item.
//! Rejected rows say which file they are in, and the ledger has a line per file (rows,
//! events, rejected rows, items).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::event_log::{EventLog, EventLogBuilder};
use super::quality::{RejectedRow, SourceLedger, Warning};
use crate::error::{Error, Result};

/// The name of the attribute that names an item's file, when several are read.
pub(crate) const SOURCE_ATTRIBUTE: &str = "source";

/// The files of an export at `path`: the CSV and XES files of a folder that has no `.json`
/// file (a folder of JSON files holds the pages of a Jira search, read as one input), in
/// name order; else `path` itself.
///
/// # Errors
///
/// [`Error::Io`] naming the path if it does not exist or its folder cannot be listed.
pub(crate) fn export_files(path: &Path) -> Result<Vec<PathBuf>> {
    let io = |source| Error::Io {
        file: Some(path.display().to_string()),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let mut json = false;
    for entry in std::fs::read_dir(path).map_err(io)? {
        let p = entry.map_err(io)?.path();
        let is = |p: &Path, x: &str| p.extension().is_some_and(|e| e.eq_ignore_ascii_case(x));
        let xes_gz = is(&p, "gz") && p.file_stem().is_some_and(|s| is(Path::new(s), "xes"));
        if is(&p, "json") {
            json = true;
        } else if p.is_file() && (is(&p, "csv") || is(&p, "xes") || xes_gz) {
            files.push(p);
        }
    }
    if json || files.is_empty() {
        return Ok(vec![path.to_path_buf()]);
    }
    files.sort();
    Ok(files)
}

/// The names of the files `paths` in the `source` attribute: each file's name, or its path
/// as given when two files have one name.
pub(crate) fn source_names(paths: &[String]) -> Vec<String> {
    let name = |p: &String| {
        std::path::Path::new(p)
            .file_name()
            .map_or_else(|| p.clone(), |n| n.to_string_lossy().into_owned())
    };
    let names: Vec<String> = paths.iter().map(name).collect();
    let unique = names
        .iter()
        .enumerate()
        .all(|(i, n)| !names[..i].contains(n));
    if unique { names } else { paths.to_vec() }
}

/// One log of the logs `parts`, each named by its source (see the module's rule).
pub(crate) fn merge(mut parts: Vec<(String, EventLog)>) -> EventLog {
    // The first rows of the first file that has them (for the hints of unmapped states).
    let sample = parts.iter_mut().find_map(|(_, l)| l.sample.take());
    let mut files_of_id: HashMap<&str, u32> = HashMap::new();
    for (_, log) in &parts {
        for i in 0..log.items() {
            *files_of_id.entry(log.item_id(i)).or_default() += 1;
        }
    }
    let whole = parts
        .iter()
        .map(|(s, _)| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut b = EventLogBuilder::new().source(whole);
    b.sample = sample;
    if parts.iter().any(|(_, l)| l.has_resources()) {
        b.keep_resources();
    }
    b.state_column = parts.iter().find_map(|(_, l)| l.state_column.clone());
    let source_attr = b.attribute_index(SOURCE_ATTRIBUTE);
    let mut ledgers = Vec::with_capacity(parts.len());
    let mut warnings: Vec<Warning> = Vec::new();
    for (source, log) in &parts {
        let mut renamed = 0;
        let items: Vec<u32> = (0..log.items())
            .map(|i| {
                let id = log.item_id(i);
                let clash = files_of_id.get(id).is_some_and(|&n| n > 1);
                renamed += u64::from(clash);
                let new = if clash {
                    b.item_index(format!("{source}:{id}").as_bytes())
                } else {
                    b.item_index(id.as_bytes())
                };
                let new = new.unwrap_or(0);
                b.set_attribute_ids(source_attr, new, source.as_bytes());
                new
            })
            .collect();
        copy_events(&mut b, log, &items);
        for name in log.attribute_names() {
            if name == SOURCE_ATTRIBUTE {
                continue;
            }
            let to = b.attribute_index(name);
            for (i, &new) in items.iter().enumerate() {
                if let Some(v) = log.attribute(i, name) {
                    b.set_attribute_ids(to, new, v.as_bytes());
                }
            }
        }
        b.stats.rows += log.stats.rows;
        b.stats
            .rejected
            .extend(log.stats.rejected.iter().map(|r| in_file(r, source)));
        merge_warnings(&mut warnings, &log.stats.warnings);
        ledgers.push(SourceLedger {
            source: source.clone(),
            rows: log.stats.rows,
            events_read: log.len() as u64,
            rejected: log.stats.rejected.len() as u64,
            items: log.items() as u64,
            ids_renamed: renamed,
        });
    }
    b.stats.warnings = warnings;
    b.stats.sources = ledgers;
    b.build()
}

/// Appends the events of `log` to `b`, its items numbered `items` in `b`.
fn copy_events(b: &mut EventLogBuilder, log: &EventLog, items: &[u32]) {
    let states: Vec<u32> = log
        .state_names
        .iter()
        .map(|s| b.state_index(s.as_bytes()).unwrap_or(0))
        .collect();
    let resources: Vec<u32> = log
        .resources()
        .map(|r| b.resource_index(r.as_bytes()).unwrap_or(u32::MAX))
        .collect();
    b.reserve(log.len());
    for e in 0..log.len() {
        let s = log.ev_state[e] as usize;
        let line = log.state_meta[s].first_line;
        b.push_ids(
            items[log.ev_item[e] as usize],
            states[s],
            log.ev_time[e],
            line,
        );
        if let Some(&r) = log.ev_resource.get(e)
            && let Some(&r) = resources.get(r as usize)
        {
            b.set_last_resource(r);
        }
    }
    for f in &log.flags {
        b.flag_ids(items[f.item as usize], f.time, f.on);
    }
}

/// A rejected row of the file `source`: its place says the file.
fn in_file(r: &RejectedRow, source: &str) -> RejectedRow {
    let place = match &r.place {
        Some(p) => format!("{source}: {p}"),
        None => source.to_owned(),
    };
    RejectedRow {
        place: Some(place),
        ..r.clone()
    }
}

/// Adds the warnings `more` of a file to `all`, kind by kind (counts and items added,
/// examples up to five).
fn merge_warnings(all: &mut Vec<Warning>, more: &[Warning]) {
    for w in more {
        match all.iter_mut().find(|a| a.kind == w.kind) {
            Some(a) => {
                a.count += w.count;
                a.items += w.items;
                for e in &w.examples {
                    if a.examples.len() < 5 {
                        a.examples.push(e.clone());
                    }
                }
            }
            None => all.push(w.clone()),
        }
    }
    all.sort_by_key(|w| w.kind);
}
