//! Classes of service: the headline figures per class, each class's service-level
//! expectation (SLE) and the share of its items that met it, its work in progress against
//! the SLE, and its stalled items.

use serde::Serialize;

use super::{GroupRow, ItemCounts, Metrics, MetricsOptions, Throughput, Window, Wip};
use crate::error::{Error, Result};
use crate::stats::Summary;
use crate::time::ms_to_days;
use crate::timeline::{Clip, ItemStatus, Timelines, attribute_index};
use crate::workflow::{ClassMap, Sle, Workflow};

/// How classes of service are formed and judged: the attribute (and, if any, the
/// [`ClassMap`] of its values), the SLEs set, and when an item counts as stalled.
///
/// An SLE set for one class ([`ClassOptions::class_sle`]) comes first, then one set for
/// every class ([`ClassOptions::sle`]), then the class's own in the map; a class with none
/// of these has the default, its cycle-time p85.
///
/// # Examples
///
/// ```
/// use valuestream::{ClassOptions, Sle};
///
/// let opts = ClassOptions::by("priority")
///     .sle(Sle::new(85.0, 10.0)?)
///     .class_sle("Highest", Sle::new(85.0, 2.0)?)
///     .stalled_after(5.0)?;
/// assert_eq!(opts.attribute(), "priority");
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ClassOptions {
    by: String,
    map: Option<ClassMap>,
    sle_all: Option<Sle>,
    sle_of: Vec<(String, Sle)>,
    stalled_after: Option<f64>,
}

impl ClassOptions {
    /// One class per value of the item attribute `attribute` (and the class
    /// [`Classes::NO_VALUE`] for the items without it).
    pub fn by(attribute: impl Into<String>) -> ClassOptions {
        ClassOptions {
            by: attribute.into(),
            map: None,
            sle_all: None,
            sle_of: Vec::new(),
            stalled_after: None,
        }
    }

    /// The classes of a [`ClassMap`] (by its attribute).
    pub fn map(map: ClassMap) -> ClassOptions {
        ClassOptions {
            map: Some(map.clone()),
            ..ClassOptions::by(map.by)
        }
    }

    /// The classes of a workflow for `attribute`: the workflow's [`ClassMap`] when it is by
    /// that attribute (or when `attribute` is `None`), otherwise one class per value;
    /// `None` when no attribute is given and the workflow declares no classes.
    pub fn for_workflow(workflow: &Workflow, attribute: Option<&str>) -> Option<ClassOptions> {
        match (workflow.classes(), attribute) {
            (Some(m), None) => Some(ClassOptions::map(m.clone())),
            (Some(m), Some(a)) if m.by == a => Some(ClassOptions::map(m.clone())),
            (_, Some(a)) => Some(ClassOptions::by(a)),
            (None, None) => None,
        }
    }

    /// The attribute whose values make the classes.
    pub fn attribute(&self) -> &str {
        &self.by
    }

    /// The same options with one SLE for every class (before the map's own).
    pub fn sle(mut self, sle: Sle) -> ClassOptions {
        self.sle_all = Some(sle);
        self
    }

    /// The same options with an SLE for the class named `class` (before any other).
    pub fn class_sle(mut self, class: impl Into<String>, sle: Sle) -> ClassOptions {
        let class = class.into();
        self.sle_of.retain(|(c, _)| *c != class);
        self.sle_of.push((class, sle));
        self
    }

    /// The same options with items in progress stalled after `days` without a move.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] unless `days` is a number above 0.
    pub fn stalled_after(mut self, days: f64) -> Result<ClassOptions> {
        if !(days.is_finite() && days > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "stalled after {days} days: give a number of days above 0"
            )));
        }
        self.stalled_after = Some(days);
        Ok(self)
    }

    /// The SLE set for a class, if any (in the order of precedence), and where it is from.
    fn set_sle(&self, class: &str, own: Option<Sle>) -> Option<Sle> {
        self.sle_of
            .iter()
            .find(|(c, _)| c == class)
            .map(|&(_, s)| s)
            .or(self.sle_all)
            .or(own)
    }
}

/// Where a class's SLE comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SleSource {
    /// Set by the user (options, command line or workflow file).
    Set,
    /// The default: the class's cycle-time p85 over the items done in the window.
    CycleTimeP85,
}

impl SleSource {
    /// Its name in the CSV, as in the JSON: `set` or `cycle_time_p85`.
    pub fn name(self) -> &'static str {
        match self {
            SleSource::Set => "set",
            SleSource::CycleTimeP85 => "cycle_time_p85",
        }
    }
}

/// How an item stands against its class's SLE.
///
/// # Definitions
///
/// With the class's SLE of `d` days:
///
/// - a **done** item **met** it if its cycle time ≤ `d`, and **missed** it otherwise;
/// - an item **in progress** of age `a` (days since commitment at the window's end) is
///   **on track** if `a < 0.7·d` ([`SleStatus::AT_RISK_SHARE`]), **at risk** if
///   `0.7·d ≤ a ≤ d`, and **past** its SLE if `a > d`.
///
/// JSON: `"met"`, `"missed"`, `"on_track"`, `"at_risk"`, `"past"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SleStatus {
    /// Done within the SLE.
    Met,
    /// Done after the SLE.
    Missed,
    /// In progress, younger than [`SleStatus::AT_RISK_SHARE`] of the SLE.
    OnTrack,
    /// In progress, from that share of the SLE up to the SLE.
    AtRisk,
    /// In progress, older than the SLE.
    Past,
}

impl SleStatus {
    /// The share of the SLE from which work in progress is at risk.
    pub const AT_RISK_SHARE: f64 = 0.7;

    /// A done item of cycle time `cycle_days` against an SLE of `sle_days`.
    pub fn of_done(cycle_days: f64, sle_days: f64) -> SleStatus {
        if cycle_days <= sle_days {
            SleStatus::Met
        } else {
            SleStatus::Missed
        }
    }

    /// An item in progress of age `age_days` against an SLE of `sle_days`.
    pub fn of_age(age_days: f64, sle_days: f64) -> SleStatus {
        if age_days > sle_days {
            SleStatus::Past
        } else if age_days >= SleStatus::AT_RISK_SHARE * sle_days {
            SleStatus::AtRisk
        } else {
            SleStatus::OnTrack
        }
    }

    /// Its name in the text and CSV: `met`, `missed`, `on track`, `at risk`, `past`.
    pub fn name(self) -> &'static str {
        match self {
            SleStatus::Met => "met",
            SleStatus::Missed => "missed",
            SleStatus::OnTrack => "on track",
            SleStatus::AtRisk => "at risk",
            SleStatus::Past => "past",
        }
    }
}

/// The work in progress of a class by [`SleStatus`].
///
/// JSON: `{on_track, at_risk, past}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SleAging {
    /// Items in progress younger than 70% of the SLE.
    pub on_track: u64,
    /// Items in progress from 70% of the SLE up to the SLE.
    pub at_risk: u64,
    /// Items in progress older than the SLE.
    pub past: u64,
}

/// The figures of one class of service.
///
/// JSON: `{class, values, items, lead_time_days, cycle_time_days, throughput, wip,
/// flow_efficiency, bottleneck, sle, sle_source, sle_met, aging, stalled_after_days,
/// stalled}`; the headline figures are keyed (and computed) as in
/// [`GroupRow`](super::GroupRow).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ClassRow {
    /// The class's name.
    pub class: String,
    /// The attribute values it holds: those its map lists (`"*"` for every other), its
    /// one value, or none (for the items without the attribute, or no class).
    pub values: Vec<String>,
    /// Items by status at the end of the window.
    pub items: ItemCounts,
    /// Lead times of the items done in the window (days).
    pub lead_time_days: Summary,
    /// Cycle times of the items done in the window (days).
    pub cycle_time_days: Summary,
    /// Done items per day and per week over the window.
    pub throughput: Throughput,
    /// Mean and current work in progress.
    pub wip: Wip,
    /// Σ active time / Σ cycle time over the items done.
    pub flow_efficiency: Option<f64>,
    /// The stage that limits the class's throughput, if any.
    pub bottleneck: Option<String>,
    /// The class's SLE: the one set, or `{percent: 85, days: p85}` of its cycle times;
    /// `None` (JSON `null`) when none is set and no item of the class was done.
    pub sle: Option<Sle>,
    /// Where the SLE comes from (`null` without one).
    pub sle_source: Option<SleSource>,
    /// **Share met**: the share of the class's items done in the window whose cycle time
    /// is at most the SLE's days (`null` without an SLE or an item done).
    pub sle_met: Option<f64>,
    /// Its work in progress against the SLE (all zero without an SLE).
    pub aging: SleAging,
    /// After how many days without a move an item in progress is stalled: the one set, or
    /// the class's cycle-time p50, at least [`Classes::MIN_STALLED_DAYS`]; `null` when none
    /// is set and no item of the class was done.
    pub stalled_after_days: Option<f64>,
    /// Its items in progress that have not moved for `stalled_after_days` or more.
    pub stalled: u64,
}

/// One item of a class, against the class's SLE.
///
/// JSON: `{id, class, status, stage, cycle_time_days, age_days, sle_status,
/// days_since_move, stalled}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ClassedItem {
    /// The item's id.
    pub id: String,
    /// Its class.
    pub class: String,
    /// Where it stands at the window's end.
    pub status: ItemStatus,
    /// The stage it is in at the window's end.
    pub stage: String,
    /// Its cycle time (done items).
    pub cycle_time_days: Option<f64>,
    /// Days since its commitment (items in progress).
    pub age_days: Option<f64>,
    /// How it stands against its class's SLE (done and in-progress items of a class with an
    /// SLE).
    pub sle_status: Option<SleStatus>,
    /// Days since its last move (items in progress): since it entered the stage it is in.
    pub days_since_move: Option<f64>,
    /// In progress and unmoved for the class's `stalled_after_days` or more.
    pub stalled: bool,
}

/// An attribute value that no class of the map holds, with its items.
///
/// JSON: `{value, items}` (`value` `null` for the items without the attribute).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UnmappedValue {
    /// The value (`None`: items without the attribute).
    pub value: Option<String>,
    /// How many items of the window have it.
    pub items: u64,
}

/// Classes of service: for each class, the headline figures of its items, its
/// service-level expectation (SLE) and the share of its done items that met it, its work
/// in progress against the SLE, and its stalled items; what `valuestream report
/// --class-by ATTR` adds to the report.
///
/// # Definitions
///
/// - **Class**: with a [`ClassMap`], the class whose values hold the item's value of the
///   attribute, else the catch-all (`"*"`), else none: those items make the class
///   [`ClassMap::UNMAPPED`], whose values are listed in `unmapped`. Without a map, one
///   class per value, and [`Classes::NO_VALUE`] for the items without the attribute.
/// - **SLE** of a class: the one set ([`ClassOptions`]), or by default `85%` within the
///   class's **cycle-time p85** (type 7) over its items done in the window.
/// - **Share met**: of the class's items done in the window, the share whose cycle time
///   is at most the SLE's days. With the default SLE it is at least
///   `(⌊0.85·(n − 1)⌋ + 1)/n` for `n` items done (at least 85% minus less than `1/n`).
/// - **Aging**: each item in progress by [`SleStatus`]: on track below 70% of the SLE, at
///   risk from there up to the SLE, past it beyond.
/// - **Stalled**: an item in progress that has not moved (changed stage) for
///   `stalled_after_days` or more, measured at the window's end from when it entered its
///   current stage; by default the class's cycle-time p50, at least one day
///   ([`Classes::MIN_STALLED_DAYS`]): an item that has sat in one stage for as long as half
///   the class's items take from commitment to done.
///
/// The headline figures of each class are those of [`GroupRow`] (the same code), so a
/// class of one value has the figures of `report --where ATTR=VALUE`.
///
/// # JSON
///
/// `valuestream report --class-by ATTR --json` adds one key to the report's, `classes`:
///
/// | key | content |
/// |---|---|
/// | `attribute` | the attribute whose values make the classes |
/// | `window` | `{start, end, days}` |
/// | `classes[]` | one [`ClassRow`] per class: `{class, values, items, lead_time_days, cycle_time_days, throughput, wip, flow_efficiency, bottleneck, sle {percent, days}, sle_source ("set" or "cycle_time_p85"), sle_met, aging {on_track, at_risk, past}, stalled_after_days, stalled}` |
/// | `unmapped[]` | `{value, items}`: the values no class holds (map without `"*"`) |
/// | `aging[]` | every item in progress, oldest first: `{id, class, status, stage, cycle_time_days, age_days, sle_status, days_since_move, stalled}` ([`ClassedItem`]) |
///
/// # Examples
///
/// ```
/// use valuestream::{ClassOptions, Classes, LogReader, MetricsOptions, SleStatus, StageKind, Timelines, Workflow};
///
/// let csv = "id,state,timestamp,priority\n\
///            A,Dev,2024-03-01,High\nA,Done,2024-03-03,High\n\
///            B,Dev,2024-03-01,High\nB,Done,2024-03-05,High\n\
///            C,Dev,2024-03-02,High\n";
/// let log = LogReader::builder().attribute("priority").build().read(csv.as_bytes())?;
/// let wf = Workflow::builder()
///     .stage("Dev", StageKind::Active)
///     .stage("Done", StageKind::Done)
///     .build()?;
/// let tl = Timelines::new(&log, &wf)?;
/// let classes = Classes::new(&tl, &MetricsOptions::new(), &ClassOptions::by("priority"))?;
/// let high = &classes.classes[0];
/// // Cycle times 2 and 4 days: p85 = 2 + 0.85 × 2 = 3.7 days.
/// assert!((high.sle.unwrap().days - 3.7).abs() < 1e-9);
/// assert_eq!(high.sle_met, Some(0.5));
/// // C is 3 days old at the window's end (2024-03-05): at risk (3.7 × 0.7 ≤ 3 ≤ 3.7).
/// assert_eq!(classes.aging[0].sle_status, Some(SleStatus::AtRisk));
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Classes {
    /// The attribute whose values make the classes.
    pub attribute: String,
    /// The window measured.
    pub window: Window,
    /// One row per class: a map's classes in the order declared (then
    /// [`ClassMap::UNMAPPED`] if any item is in none), or one per value, most items done
    /// first, then by name.
    pub classes: Vec<ClassRow>,
    /// The values no class of the map holds, most items first.
    pub unmapped: Vec<UnmappedValue>,
    /// Every item in progress at the window's end, oldest first.
    pub aging: Vec<ClassedItem>,
    /// Every item of the window, in order of first appearance in the log (not in the
    /// JSON; [`crate::write_class_items_csv`] writes it).
    #[serde(skip)]
    pub items: Vec<ClassedItem>,
}

/// A class to measure: its name, values, SLE set (if any) and items.
struct Part<'a> {
    name: String,
    values: Vec<String>,
    sle: Option<Sle>,
    clip: Clip<'a>,
}

impl Classes {
    /// How the text names the class of the items without the attribute (no map).
    pub const NO_VALUE: &'static str = "(none)";

    /// The least default of `stalled_after_days`, in days.
    pub const MIN_STALLED_DAYS: f64 = 1.0;

    /// How many items of the aging list the text shows.
    pub const TEXT_ITEMS: usize = 10;

    /// The classes of service of the items `opts` keeps.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the log keeps no attribute named as the classes'
    /// attribute (the error names those it keeps), an SLE is set for a class there is not
    /// (the error names the classes), and as [`Metrics::new`].
    pub fn new(
        timelines: &Timelines,
        opts: &MetricsOptions,
        classes: &ClassOptions,
    ) -> Result<Classes> {
        let attr = attribute_index(timelines, &classes.by, "to make classes by")?;
        let all = Metrics::new(timelines, opts)?;
        let (parts, unmapped) = match &classes.map {
            Some(map) => mapped_parts(&all.clip, attr, map),
            None => (value_parts(&all.clip, attr), Vec::new()),
        };
        if let Some((name, _)) = classes
            .sle_of
            .iter()
            .find(|(c, _)| !parts.iter().any(|p| p.name == *c))
        {
            let names: Vec<String> = parts.iter().map(|p| format!("{:?}", p.name)).collect();
            return Err(Error::InvalidArgument(format!(
                "an SLE is set for the class {name:?}, but there is no such class; the classes by {} are {}",
                classes.by,
                names.join(", ")
            )));
        }
        let mut rows = Vec::with_capacity(parts.len());
        let mut items: Vec<(usize, ClassedItem)> = Vec::new();
        for p in parts {
            let sle = classes.set_sle(&p.name, p.sle);
            let m = Metrics {
                clip: p.clip,
                offset_ms: all.offset_ms,
            };
            let (row, its) = class_row(&m, p.name, p.values, sle, classes.stalled_after);
            rows.push(row);
            items.extend(its);
        }
        if classes.map.is_none() {
            rows.sort_by(|a, b| {
                b.items
                    .done
                    .cmp(&a.items.done)
                    .then_with(|| a.class.cmp(&b.class))
            });
        }
        items.sort_by_key(|&(index, _)| index);
        let items: Vec<ClassedItem> = items.into_iter().map(|(_, it)| it).collect();
        let mut aging: Vec<ClassedItem> = items
            .iter()
            .filter(|i| i.status == ItemStatus::InProgress)
            .cloned()
            .collect();
        aging.sort_by(|a, b| {
            b.age_days
                .partial_cmp(&a.age_days)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(Classes {
            attribute: classes.by.clone(),
            window: all.window(),
            classes: rows,
            unmapped,
            aging,
            items,
        })
    }

    /// The class named `name`, if it has a row.
    pub fn class(&self, name: &str) -> Option<&ClassRow> {
        self.classes.iter().find(|c| c.class == name)
    }
}

/// One class per value of `attr`.
fn value_parts<'a>(clip: &Clip<'a>, attr: usize) -> Vec<Part<'a>> {
    clip.split_by(attr)
        .into_iter()
        .map(|(value, clip)| Part {
            name: value.unwrap_or(Classes::NO_VALUE).to_owned(),
            values: value.map(str::to_owned).into_iter().collect(),
            sle: None,
            clip,
        })
        .collect()
}

/// The classes of `map`, each declared one even without items, then the items in none.
fn mapped_parts<'a>(
    clip: &Clip<'a>,
    attr: usize,
    map: &ClassMap,
) -> (Vec<Part<'a>>, Vec<UnmappedValue>) {
    let mut split = clip.split_with(attr, |v| map.class_of(v));
    let mut parts: Vec<Part<'a>> = map
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| Part {
            name: c.name.clone(),
            values: c.values.clone(),
            sle: c.sle,
            clip: split
                .iter()
                .position(|(k, _)| *k == Some(i))
                .map_or_else(|| clip.with_items(Vec::new()), |j| split.swap_remove(j).1),
        })
        .collect();
    let mut unmapped: Vec<UnmappedValue> = Vec::new();
    if let Some(j) = split.iter().position(|(k, _)| k.is_none()) {
        let rest = split.swap_remove(j).1;
        for s in rest.items() {
            let value = rest.attribute(attr, s);
            match unmapped.iter_mut().find(|u| u.value.as_deref() == value) {
                Some(u) => u.items += 1,
                None => unmapped.push(UnmappedValue {
                    value: value.map(str::to_owned),
                    items: 1,
                }),
            }
        }
        unmapped.sort_by(|a, b| b.items.cmp(&a.items).then_with(|| a.value.cmp(&b.value)));
        parts.push(Part {
            name: ClassMap::UNMAPPED.to_owned(),
            values: Vec::new(),
            sle: None,
            clip: rest,
        });
    }
    (parts, unmapped)
}

/// The row of one class and its items (each with its index in the log).
fn class_row(
    m: &Metrics<'_>,
    class: String,
    values: Vec<String>,
    set: Option<Sle>,
    stalled_after: Option<f64>,
) -> (ClassRow, Vec<(usize, ClassedItem)>) {
    let (g, cycle) = GroupRow::with_cycle_times(m, None);
    let (sle, sle_source) = match set {
        Some(s) => (Some(s), Some(SleSource::Set)),
        None => match cycle.percentile(85.0) {
            Some(days) => (
                Some(Sle {
                    percent: 85.0,
                    days,
                }),
                Some(SleSource::CycleTimeP85),
            ),
            None => (None, None),
        },
    };
    let stalled_after = stalled_after.or_else(|| {
        cycle
            .percentile(50.0)
            .map(|p| p.max(Classes::MIN_STALLED_DAYS))
    });
    let items = classed_items(&m.clip, &class, sle.map(|s| s.days), stalled_after);
    let mut aging = SleAging::default();
    for (_, it) in &items {
        match it.sle_status {
            Some(SleStatus::OnTrack) => aging.on_track += 1,
            Some(SleStatus::AtRisk) => aging.at_risk += 1,
            Some(SleStatus::Past) => aging.past += 1,
            _ => {}
        }
    }
    let row = ClassRow {
        values,
        items: g.items,
        lead_time_days: g.lead_time_days,
        cycle_time_days: g.cycle_time_days,
        throughput: g.throughput,
        wip: g.wip,
        flow_efficiency: g.flow_efficiency,
        bottleneck: g.bottleneck,
        sle,
        sle_source,
        sle_met: sle.and_then(|s| cycle.fraction_at_most(s.days)),
        aging,
        stalled_after_days: stalled_after,
        stalled: items.iter().filter(|(_, it)| it.stalled).count() as u64,
        class,
    };
    (row, items)
}

/// Each item of a class against its SLE of `sle_days`, and whether it is stalled.
fn classed_items(
    clip: &Clip<'_>,
    class: &str,
    sle_days: Option<f64>,
    stalled_after: Option<f64>,
) -> Vec<(usize, ClassedItem)> {
    let stages = clip.timelines().workflow().stages();
    let end = clip.end();
    clip.items()
        .iter()
        .map(|s| {
            let cycle = s.cycle_ms().map(ms_to_days);
            let in_progress = s.in_progress();
            let age = s
                .commitment()
                .filter(|_| in_progress)
                .map(|c| ms_to_days(end - c));
            let since_move = in_progress.then(|| ms_to_days(end - clip.last_move(s)));
            let sle_status = sle_days.and_then(|d| match (cycle, age) {
                (Some(c), _) => Some(SleStatus::of_done(c, d)),
                (None, Some(a)) => Some(SleStatus::of_age(a, d)),
                _ => None,
            });
            let item = ClassedItem {
                id: clip.id(s).to_owned(),
                class: class.to_owned(),
                status: s.status(),
                stage: stages[clip.current_stage(s)].name.clone(),
                cycle_time_days: cycle,
                age_days: age,
                sle_status,
                days_since_move: since_move,
                stalled: matches!((since_move, stalled_after), (Some(d), Some(n)) if d >= n),
            };
            (clip.index(s), item)
        })
        .collect()
}
