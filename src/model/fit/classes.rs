//! Classes of work by an item attribute: each value with enough done items is a class
//! (the rest pooled as `other`), with its own share of the arrivals and, at each station,
//! its own service times, visit probability and rework, fitted on its items alone. The
//! stations' servers stay the ones fitted on every item: classes share them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::{ClassStation, Rework, Station, WorkClass};
use super::layout::{Role, Slot};
use super::observe::observe;
use super::station::fit_station;
use super::{FitOptions, StationFit};
use crate::timeline::Timelines;
use crate::workflow::Stage;

/// A value of the attribute is a class of its own when at least this many of its items
/// are done; the others are pooled.
pub const MIN_CLASS_DONE: usize = 30;

/// The name of the class that pools the values with too few done items.
pub const OTHER_CLASS: &str = "other";

/// How one class was fitted.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ClassFit {
    /// The class's name: the attribute's value, or `other`.
    pub name: String,
    /// The attribute's values in it (one, or those pooled into `other`; `""` for items
    /// without the attribute).
    pub values: Vec<String>,
    /// Its share of the committed items.
    pub share: f64,
    /// Its committed items.
    pub items: usize,
    /// Its done items.
    pub done_items: usize,
    /// Each station as fitted on its items (servers: the shared ones).
    pub stations: Vec<StationFit>,
}

/// A class's name, its attribute values, committed and done items.
type Group = (String, Vec<String>, usize, usize);

/// The classes of `timelines` by `attribute`: each value with [`MIN_CLASS_DONE`] done
/// items, most items first, then `other` for the rest; and the committed items in all.
fn groups(timelines: &Timelines, attribute: &str) -> (Vec<Group>, usize) {
    // (committed, done) per value.
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in timelines.iter().filter(|r| r.commitment_ms().is_some()) {
        let v = r.attribute(attribute).unwrap_or("").to_owned();
        let c = counts.entry(v).or_default();
        c.0 += 1;
        c.1 += usize::from(r.done_ms().is_some());
    }
    let total: usize = counts.values().map(|c| c.0).sum();
    let mut own: Vec<(String, usize, usize)> = Vec::new();
    let mut pooled: (Vec<String>, usize, usize) = (Vec::new(), 0, 0);
    for (v, (items, done)) in counts {
        if done >= MIN_CLASS_DONE && !v.is_empty() && v != OTHER_CLASS {
            own.push((v, items, done));
        } else {
            pooled.0.push(v);
            pooled.1 += items;
            pooled.2 += done;
        }
    }
    own.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut groups: Vec<Group> = own
        .into_iter()
        .map(|(v, i, d)| (v.clone(), vec![v], i, d))
        .collect();
    if pooled.1 > 0 {
        groups.push((OTHER_CLASS.to_owned(), pooled.0, pooled.1, pooled.2));
    }
    (groups, total)
}

/// The layout the classes are fitted on, as the whole model's fit found it.
pub(super) struct Layout<'a> {
    pub(super) slots: &'a [Slot],
    pub(super) roles: &'a [Role],
    pub(super) names: &'a [String],
    pub(super) stages: &'a [Stage],
    /// The working week services are measured in, if any.
    pub(super) clock: super::observe::WorkClock<'a>,
}

/// The classes of `timelines` by `attribute`, fitted on the layout; the model's classes,
/// their fits, and notes. No classes (and a note) when fewer than two values have
/// [`MIN_CLASS_DONE`] done items. A station a class never completed a visit to keeps the
/// station's own description for it (and a note says so).
pub(super) fn fit_classes(
    timelines: &Timelines,
    attribute: &str,
    layout: &Layout<'_>,
    stations: &[Station],
    options: &FitOptions,
    notes: &mut Vec<String>,
) -> (Vec<WorkClass>, Vec<ClassFit>) {
    let (groups, total) = groups(timelines, attribute);
    if groups.len() < 2 {
        notes.push(format!(
            "classes by {attribute:?}: fewer than two values have {MIN_CLASS_DONE} done items, so the model has one class"
        ));
        return (Vec::new(), Vec::new());
    }
    let mut classes = Vec::with_capacity(groups.len());
    let mut fits = Vec::with_capacity(groups.len());
    for (name, values, items, done) in groups {
        let sub = timelines.with_attribute_in(attribute, &values);
        let mut seen = observe(&sub, layout.slots, layout.roles, layout.clock);
        let mut overrides = BTreeMap::new();
        let mut station_fits = Vec::with_capacity(stations.len());
        let mut quiet = Vec::new();
        for (k, base) in stations.iter().enumerate() {
            let Ok((st, mut f)) = fit_station(
                k,
                layout.slots,
                layout.names,
                layout.stages,
                &mut seen,
                options,
                &mut quiet,
            ) else {
                notes.push(format!(
                    "class {name:?}: no completed visit to {}; its items there are treated as every item is",
                    base.name
                ));
                continue;
            };
            f.servers = base.servers.count();
            f.servers_from = super::ServersFrom::Workflow;
            overrides.insert(
                base.name.clone(),
                ClassStation {
                    service: Some(st.service),
                    visit_probability: Some(st.visit_probability),
                    rework: Some(st.rework.unwrap_or_else(|| {
                        Rework {
                            to: base
                                .rework
                                .as_ref()
                                .map_or(base.name.clone(), |r| r.to.clone()),
                            probability: 0.0,
                        }
                    })),
                    revisit: st.revisit,
                },
            );
            station_fits.push(f);
        }
        let share = items as f64 / total as f64;
        classes.push(WorkClass {
            name: name.clone(),
            share,
            stations: overrides,
        });
        fits.push(ClassFit {
            name,
            values,
            share,
            items,
            done_items: done,
            stations: station_fits,
        });
    }
    notes.push(format!(
        "classes by {attribute:?}: {} (each value with at least {MIN_CLASS_DONE} done items is a class; they share the stations' servers)",
        fits.iter()
            .map(|c| format!("{} {:.0}%", c.name, c.share * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    (classes, fits)
}
