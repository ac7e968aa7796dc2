//! Classes of work, by an item attribute (each value with enough done items is a class,
//! the rest pooled as `other`) or discovered from the items' paths (by how often an item
//! came back to a stage it had left), each with its own share of the arrivals and, at each
//! station, its own service times, visit probability and rework, fitted on its items
//! alone. The stations' servers stay the ones fitted on every item: classes share them.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::super::{ClassStation, Rework, Station, WorkClass};
use super::layout::{Role, Slot};
use super::observe::observe;
use super::station::{Capacity, Ctx, fit_station};
use super::{ClassBy, FitOptions, StationFit};
use crate::timeline::{ItemTimeline, Timelines};
use crate::workflow::{Stage, StageKind};

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
    /// without the attribute). Empty for a class discovered from paths.
    pub values: Vec<String>,
    /// For a class discovered from paths, the returns of its items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returns: Option<Returns>,
    /// Its share of the committed items (of the done items, for classes discovered from
    /// paths: only theirs are whole).
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

/// The returns of the items of a class discovered from paths: from `min` to `max`
/// (`None`: no upper end).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Returns {
    /// The fewest.
    pub min: u32,
    /// The most (`None`: any number from `min` on).
    pub max: Option<u32>,
}

impl Returns {
    fn holds(self, r: u32) -> bool {
        r >= self.min && self.max.is_none_or(|m| r <= m)
    }

    /// The class's name: `returns-0`, `returns-2-3`, `returns-4+`.
    fn name(self) -> String {
        match self.max {
            Some(m) if m == self.min => format!("returns-{m}"),
            Some(m) => format!("returns-{}-{m}", self.min),
            None => format!("returns-{}+", self.min),
        }
    }
}

/// How often `item` came back to a stage it had left: the entries into a stage (other
/// than a done one) that it had visited before, each after a visit to another stage.
pub fn returns_of(item: &ItemTimeline<'_>, stages: &[Stage]) -> u32 {
    let mut seen = 0u128;
    let mut last = usize::MAX;
    let mut r = 0u32;
    for v in item.visits() {
        let k = v.stage();
        if stages[k].kind == StageKind::Done || k == last {
            continue;
        }
        let bit = 1u128 << (k % 128);
        if seen & bit != 0 {
            r += 1;
        }
        seen |= bit;
        last = k;
    }
    r
}

/// Below this p-value, the test of [`Loops`] says that an item's chance of another visit
/// to a stage depends on its visits so far.
pub const LOOP_SIGNIFICANCE: f64 = 0.001;

/// Whether the done items' loops show kinds of work that one class cannot represent: the
/// chance of another visit to a stage, after an item's 2nd, 3rd, 4th–5th, 6th–9th, …
/// visit there, tested against one chance for all of them.
///
/// # Why this test
///
/// A model with one class (later visits told apart or not) gives an item the same chance
/// of another visit to a stage after each later visit: its number of visits is geometric.
/// A stream that mixes items that go straight through with items that loop has a chance
/// that **rises** with the visits so far, because the items still looping are more and
/// more the loopers (a mixture of geometric distributions). That rise is what classes
/// from paths ([`PathClasses`]) represent, and it is seen in the training log itself, so
/// it can decide for them where a short inner backtest cannot (README, the ablation).
///
/// # Formula
///
/// For each stage (not done) and each range `b` of later visits (2, 3, 4–5, 6–9, …, the
/// last merged down until it holds 30 chances), with `n_b` the chances (an item's visit
/// `k` in the range counts once) and `x_b` those followed by another visit:
/// G = 2 Σ_b [x_b ln(h_b / h) + (n_b − x_b) ln((1 − h_b) / (1 − h))], with `h_b = x_b / n_b`
/// and `h = Σx / Σn` the stage's one chance; the likelihood ratio of the discrete-time
/// survival of visits (Allison, *Discrete-time methods for the analysis of event
/// histories*, 1982), χ² with (ranges − 1) degrees of freedom. Summed over the stages.
/// The loops call for classes when p < [`LOOP_SIGNIFICANCE`] and the chance is higher in
/// the last range than in the first of the stage with the largest G (done items are cut
/// short by the end of observation, which lowers the later chances: a falling chance is
/// not taken as evidence).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Loops {
    /// Each stage with at least two ranges of later visits.
    pub stages: Vec<StageLoops>,
    /// The likelihood-ratio statistic, summed over the stages.
    pub g: f64,
    /// Its degrees of freedom.
    pub df: usize,
    /// Its p-value.
    pub p_value: f64,
    /// Whether the loops call for classes from paths (significant and rising).
    pub call_for_classes: bool,
}

/// One stage's chances of another visit, by range of later visits ([`Loops`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StageLoops {
    /// The stage's name.
    pub stage: String,
    /// Its ranges of later visits, in order.
    pub ranges: Vec<LoopRange>,
}

/// A range of later visits to a stage and the chances of another visit after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LoopRange {
    /// The first visit of the range (2 for an item's second visit).
    pub from: u32,
    /// Its last visit (`None`: no end).
    pub to: Option<u32>,
    /// The chances: each item's visit in the range counts once.
    pub chances: usize,
    /// Those followed by another visit to the stage.
    pub another: usize,
}

impl LoopRange {
    fn share(self) -> f64 {
        self.another as f64 / self.chances as f64
    }
}

/// The first visit of each range of later visits: 2, 3, 4, 6, 10, 18, …
fn visit_range_start(b: usize) -> u32 {
    match b {
        0 => 2,
        1 => 3,
        _ => 2 + (1u32 << (b - 1).min(30)),
    }
}

/// The range of later visit `k ≥ 2` ([`visit_range_start`]).
fn visit_range(k: u32) -> usize {
    match k {
        0..=2 => 0,
        3 => 1,
        _ => (k - 2).ilog2() as usize + 1,
    }
}

/// Per stage, per range of later visits: (chances, followed by another visit), over the
/// done items of `timelines`.
fn chances(timelines: &Timelines) -> Vec<Vec<(usize, usize)>> {
    let stages = timelines.workflow().stages();
    let mut counts: Vec<Vec<(usize, usize)>> = vec![Vec::new(); stages.len()];
    let mut visits = vec![0u32; stages.len()];
    for r in timelines
        .iter()
        .filter(|r| r.commitment_ms().is_some() && r.done_ms().is_some())
    {
        visits.fill(0);
        let mut last = usize::MAX;
        for v in r.visits() {
            let k = v.stage();
            if stages[k].kind != StageKind::Done && k != last {
                visits[k] += 1;
            }
            last = k;
        }
        for (s, &n) in visits.iter().enumerate() {
            for k in 2..=n {
                let b = visit_range(k);
                let c = &mut counts[s];
                if c.len() <= b {
                    c.resize(b + 1, (0, 0));
                }
                c[b].0 += 1;
                c[b].1 += usize::from(k < n);
            }
        }
    }
    counts
}

/// One stage's ranges (the last merged down until it holds [`MIN_CLASS_DONE`] chances)
/// and its G, when it has two ranges and the first holds that many.
fn stage_loops(counts: Vec<(usize, usize)>) -> Option<(Vec<LoopRange>, f64)> {
    let mut ranges: Vec<(usize, usize, usize)> = counts
        .into_iter()
        .enumerate()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(b, (n, x))| (b, n, x))
        .collect();
    while ranges.len() > 1 && ranges[ranges.len() - 1].1 < MIN_CLASS_DONE {
        let (_, n, x) = ranges.pop().unwrap_or_default();
        if let Some(prev) = ranges.last_mut() {
            prev.1 += n;
            prev.2 += x;
        }
    }
    if ranges.len() < 2 || ranges[0].1 < MIN_CLASS_DONE {
        return None;
    }
    let k = ranges.len();
    let out: Vec<LoopRange> = ranges
        .iter()
        .enumerate()
        .map(|(i, &(b, chances, another))| LoopRange {
            from: visit_range_start(b),
            to: (i + 1 < k).then(|| visit_range_start(ranges[i + 1].0) - 1),
            chances,
            another,
        })
        .collect();
    let n: usize = out.iter().map(|r| r.chances).sum();
    let x: usize = out.iter().map(|r| r.another).sum();
    let h = x as f64 / n as f64;
    let g = 2.0
        * out
            .iter()
            .map(|r| {
                let (nb, xb, hb) = (r.chances as f64, r.another as f64, r.share());
                let yes = if xb > 0.0 { xb * (hb / h).ln() } else { 0.0 };
                let no = if xb < nb {
                    (nb - xb) * ((1.0 - hb) / (1.0 - h)).ln()
                } else {
                    0.0
                };
                yes + no
            })
            .sum::<f64>();
    Some((out, g))
}

impl Loops {
    /// The test on the done items of `timelines` (`None` when no stage has two ranges of
    /// later visits with [`MIN_CLASS_DONE`] chances in the first).
    pub fn of(timelines: &Timelines) -> Option<Loops> {
        let stages = timelines.workflow().stages();
        let mut out = Loops {
            stages: Vec::new(),
            g: 0.0,
            df: 0,
            p_value: 1.0,
            call_for_classes: false,
        };
        // The stage with the largest G, and whether its chance rises.
        let mut strongest: Option<(f64, bool)> = None;
        for (s, c) in chances(timelines).into_iter().enumerate() {
            let Some((ranges, g)) = stage_loops(c) else {
                continue;
            };
            let rising = ranges[ranges.len() - 1].share() > ranges[0].share();
            if strongest.is_none_or(|(sg, _)| g > sg) {
                strongest = Some((g, rising));
            }
            out.g += g;
            out.df += ranges.len() - 1;
            out.stages.push(StageLoops {
                stage: stages[s].name.clone(),
                ranges,
            });
        }
        if out.df == 0 {
            return None;
        }
        out.p_value = ChiSquared::new(out.df as f64).map_or(1.0, |d| d.sf(out.g.max(0.0)));
        out.call_for_classes =
            out.p_value < LOOP_SIGNIFICANCE && strongest.is_some_and(|(_, rising)| rising);
        Some(out)
    }

    /// The test in a sentence.
    pub fn summary(&self) -> String {
        let shown: Vec<String> = self
            .stages
            .iter()
            .map(|st| {
                let chances: Vec<String> = st
                    .ranges
                    .iter()
                    .map(|r| {
                        let range = match r.to {
                            Some(t) if t == r.from => format!("{t}"),
                            Some(t) => format!("{}–{t}", r.from),
                            None => format!("{}+", r.from),
                        };
                        format!("{range}: {:.2}", r.share())
                    })
                    .collect();
                format!("{} ({})", st.stage, chances.join(", "))
            })
            .collect();
        format!(
            "the chance of another visit after an item's later visits to a stage, by the visits so far: {}; one chance per stage {} (likelihood ratio G = {:.1}, {} degrees of freedom, p = {:.1e})",
            shown.join("; "),
            if self.call_for_classes {
                "is rejected, and the chance rises: the items that loop are kinds of work of their own"
            } else {
                "is not rejected"
            },
            self.g,
            self.df,
            self.p_value
        )
    }
}

/// Classes of work discovered from the items' paths: by how often an item came back to a
/// stage it had left.
///
/// # How, and why this way
///
/// The done items' returns are counted (`returns_of`) and grouped in ranges that double:
/// 0, 1, 2–3, 4–7, 8–15, …; a range with fewer than [`MIN_CLASS_DONE`] done items is
/// merged into the one below it (the first into the one above), and the last range is
/// open-ended. Each range is a class, with its share of the done items.
///
/// Why returns: a model whose moves are drawn independently gives every item the same
/// chance to loop, so its number of loops is geometric, while real streams mix items that
/// go straight through with a few that loop between work and waiting for months (a mixture
/// of geometric distributions is not one). Returns are what such a model cannot represent,
/// and they are seen in an item's history as it goes, which a split of paths by outcome
/// (say, by cycle time) would not be: an item in progress that came back twice already is
/// in a class of two returns or more. Doubling ranges, because loop counts are
/// heavy-tailed, and no tuning (no number of clusters to choose): the classes are as many
/// as the done items support.
///
/// An item not yet done belongs to one of the classes its returns so far allow, drawn in
/// proportion to their shares from a hash of its id ([`PathClasses::class_of`]). An
/// arriving item's class is drawn by share, as for any class of work.
#[derive(Clone, Debug, PartialEq)]
pub struct PathClasses {
    ranges: Vec<(Returns, f64)>,
}

impl PathClasses {
    /// The classes of the done items of `timelines` (none, when fewer than two ranges hold
    /// [`MIN_CLASS_DONE`] done items).
    fn discover(timelines: &Timelines) -> PathClasses {
        let stages = timelines.workflow().stages();
        let mut counts: Vec<usize> = Vec::new();
        for r in timelines
            .iter()
            .filter(|r| r.commitment_ms().is_some() && r.done_ms().is_some())
        {
            let b = bucket(returns_of(&r, stages));
            if counts.len() <= b {
                counts.resize(b + 1, 0);
            }
            counts[b] += 1;
        }
        // (first bucket, last bucket, done items), merged from the top down.
        let mut ranges: Vec<(usize, usize, usize)> =
            counts.iter().enumerate().map(|(b, &n)| (b, b, n)).collect();
        while ranges.len() > 1 && ranges[ranges.len() - 1].2 < MIN_CLASS_DONE {
            let (_, last, n) = ranges.pop().unwrap_or_default();
            if let Some(prev) = ranges.last_mut() {
                prev.1 = last;
                prev.2 += n;
            }
        }
        let mut i = 0;
        while i < ranges.len() {
            if ranges[i].2 < MIN_CLASS_DONE && ranges.len() > 1 {
                let (first, _, n) = ranges.remove(i);
                let into = i.min(ranges.len() - 1);
                ranges[into].0 = ranges[into].0.min(first);
                ranges[into].2 += n;
                // Merged into the one above (index i) or below: look at it again.
                i = i.saturating_sub(1);
            } else {
                i += 1;
            }
        }
        let done: usize = ranges.iter().map(|r| r.2).sum();
        if ranges.len() < 2 || done == 0 {
            return PathClasses { ranges: Vec::new() };
        }
        let last = ranges.len() - 1;
        PathClasses {
            ranges: ranges
                .iter()
                .enumerate()
                .map(|(k, &(first, end, n))| {
                    let min = bucket_min(first);
                    let max = (k < last).then(|| bucket_min(end + 1) - 1);
                    (Returns { min, max }, n as f64 / done as f64)
                })
                .collect(),
        }
    }

    /// The classes of a fitted model's classes discovered from paths.
    pub(super) fn of_fits(fits: &[ClassFit]) -> PathClasses {
        PathClasses {
            ranges: fits
                .iter()
                .filter_map(|c| c.returns.map(|r| (r, c.share)))
                .collect(),
        }
    }

    /// The class of `item` (an index of the classes): that of its returns when it is
    /// done; else one of the classes its returns so far allow, drawn in proportion to
    /// their shares by a hash of its id (the same item always gets the same class).
    pub fn class_of(&self, item: &ItemTimeline<'_>) -> usize {
        let r = returns_of(item, item.timelines().workflow().stages());
        if item.done_ms().is_some() {
            return self
                .ranges
                .iter()
                .position(|(x, _)| x.holds(r))
                .unwrap_or(0);
        }
        let allowed: Vec<(usize, f64)> = self
            .ranges
            .iter()
            .enumerate()
            .filter(|(_, (x, _))| x.max.is_none_or(|m| r <= m))
            .map(|(k, (_, share))| (k, *share))
            .collect();
        let total: f64 = allowed.iter().map(|a| a.1).sum();
        let mut u = unit_hash(item.id()) * total;
        for &(k, share) in &allowed {
            if u < share {
                return k;
            }
            u -= share;
        }
        allowed.last().map_or(0, |a| a.0)
    }
}

/// The range of `r` returns: 0 → 0, 1 → 1, 2–3 → 2, 4–7 → 3, …
fn bucket(r: u32) -> usize {
    if r == 0 { 0 } else { r.ilog2() as usize + 1 }
}

/// The fewest returns of range `b`.
fn bucket_min(b: usize) -> u32 {
    if b == 0 { 0 } else { 1u32 << (b - 1).min(31) }
}

/// A number in [0, 1) from `id` (FNV-1a, 64 bits): the same for the same id in every run.
fn unit_hash(id: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h >> 11) as f64 / (1u64 << 53) as f64
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

/// One class's items and what it is.
struct Members {
    name: String,
    /// The attribute's values in it (none for a class discovered from paths).
    values: Vec<String>,
    returns: Option<Returns>,
    share: f64,
    items: usize,
    done: usize,
    sub: Timelines,
}

/// The classes of `timelines` told apart `by`, each with its items.
fn members(timelines: &Timelines, by: &ClassBy) -> Vec<Members> {
    match by {
        ClassBy::Attribute(attribute) => {
            let (found, total) = groups(timelines, attribute);
            found
                .into_iter()
                .map(|(name, values, items, done)| Members {
                    sub: timelines.with_attribute_in(attribute, &values),
                    share: items as f64 / total as f64,
                    name,
                    values,
                    returns: None,
                    items,
                    done,
                })
                .collect()
        }
        ClassBy::Path => {
            let found = PathClasses::discover(timelines);
            let mut of_item: Vec<usize> = Vec::new();
            for r in timelines.iter() {
                if of_item.len() <= r.index() {
                    of_item.resize(r.index() + 1, usize::MAX);
                }
                of_item[r.index()] = found.class_of(&r);
            }
            found
                .ranges
                .iter()
                .enumerate()
                .map(|(k, &(returns, share))| {
                    let sub = timelines.retain_items(|i| of_item[i] == k);
                    let committed = sub.iter().filter(|r| r.commitment_ms().is_some());
                    let (items, done) = committed.fold((0, 0), |(n, d), r| {
                        (n + 1, d + usize::from(r.done_ms().is_some()))
                    });
                    Members {
                        name: returns.name(),
                        values: Vec::new(),
                        returns: Some(returns),
                        share,
                        items,
                        done,
                        sub,
                    }
                })
                .collect()
        }
    }
}

/// The classes of `timelines` told apart `by` an attribute or by path, fitted on the
/// layout; the model's classes, their fits, and notes. No classes (and a note) when fewer
/// than two values (or ranges of returns) have [`MIN_CLASS_DONE`] done items. A station a
/// class never completed a visit to keeps the station's own description for it (and a
/// note says so).
pub(super) fn fit_classes(
    timelines: &Timelines,
    by: &ClassBy,
    layout: &Layout<'_>,
    stations: &[Station],
    options: &FitOptions,
    notes: &mut Vec<String>,
) -> (Vec<WorkClass>, Vec<ClassFit>) {
    let groups = members(timelines, by);
    if groups.len() < 2 {
        let what = match by {
            ClassBy::Attribute(a) => format!("fewer than two values of {a:?} have"),
            ClassBy::Path => "fewer than two ranges of returns to a stage have".to_owned(),
        };
        notes.push(format!(
            "classes by {by}: {what} {MIN_CLASS_DONE} done items, so the model has one class"
        ));
        return (Vec::new(), Vec::new());
    }
    let mut classes = Vec::with_capacity(groups.len());
    let mut fits = Vec::with_capacity(groups.len());
    for Members {
        name,
        values,
        returns,
        share,
        items,
        done,
        sub,
    } in groups
    {
        let mut seen = observe(&sub, layout.slots, layout.roles, layout.clock);
        let mut overrides = BTreeMap::new();
        let mut station_fits = Vec::with_capacity(stations.len());
        let mut quiet = Vec::new();
        for (k, base) in stations.iter().enumerate() {
            let ctx = Ctx {
                slots: layout.slots,
                names: layout.names,
                stages: layout.stages,
                options,
            };
            // A class's servers are the station's (set below): no capacity of its own.
            let Ok((st, mut f)) = fit_station(k, &ctx, &mut seen, Capacity::default(), &mut quiet)
            else {
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
        classes.push(WorkClass {
            name: name.clone(),
            share,
            stations: overrides,
        });
        fits.push(ClassFit {
            name,
            values,
            returns,
            share,
            items,
            done_items: done,
            stations: station_fits,
        });
    }
    let rule = match by {
        ClassBy::Attribute(_) => {
            format!("each value with at least {MIN_CLASS_DONE} done items is a class")
        }
        ClassBy::Path => format!(
            "ranges of returns that double, each with at least {MIN_CLASS_DONE} done items; an item not yet done is in one its returns so far allow"
        ),
    };
    notes.push(format!(
        "classes by {by}: {} ({rule}; they share the stations' servers)",
        fits.iter()
            .map(|c| format!("{} {:.0}%", c.name, c.share * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    (classes, fits)
}
