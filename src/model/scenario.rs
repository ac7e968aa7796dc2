//! What-if: changes to a value stream, their effect against a baseline with common random
//! numbers, and the ranking of levers.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::results::{CycleTimeStats, SimResult, ThroughputStats, WipStats};
use super::sim::{SimOptions, Simulation};
use super::trust::{ModelTrust, Standing};
use super::{Arrivals, Batch, Distribution, Servers, ValueStream};
use crate::error::{Error, Result};
use crate::stats::mean_ci;

/// One change to a value stream, written the same way in code and on the command line.
///
/// | text | effect |
/// |---|---|
/// | `automate STAGE` / `automate STAGE=2h` | service becomes deterministic, 1 hour by default; the stage's batch goes |
/// | `scale STAGE=0.5` | service times × 0.5 |
/// | `servers STAGE=3` / `servers STAGE=+1` | that many servers / one more |
/// | `batch STAGE=none` / `batch STAGE=every:7d` / `batch STAGE=size:5` | no batch / a scheduled release / a batch size |
/// | `wip STAGE=8` / `wip STAGE=none` | a WIP limit (queue + in service) / none |
/// | `remove STAGE` | the stage and its queue disappear (a handover removed) |
/// | `visit STAGE=0.3` | only that share of the items stops at the stage; the others pass it by |
/// | `arrivals 2.5` | Poisson arrivals at 2.5 items a day |
/// | `scale Test=0.5 class=Bug` | `automate`, `scale` or `visit` for one class of work only |
///
/// Durations are days, or carry a unit: `30m`, `2h`, `1.5d`, `1w`.
///
/// # Examples
///
/// ```
/// use valuestream::Change;
///
/// let c: Change = "servers Test=+1".parse()?;
/// assert_eq!(c.to_string(), "servers Test=+1");
/// let c: Change = "automate Deploy=2h".parse()?;
/// assert_eq!(c, Change::Automate { stage: "Deploy".into(), days: 2.0 / 24.0 });
/// # Ok::<(), valuestream::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// Deterministic service of `days`, no batch.
    Automate {
        /// The station.
        stage: String,
        /// The new service time in days.
        days: f64,
    },
    /// Service times multiplied by `factor`.
    Scale {
        /// The station.
        stage: String,
        /// The factor (> 0).
        factor: f64,
    },
    /// A number of servers.
    Servers {
        /// The station.
        stage: String,
        /// The new number.
        servers: Servers,
    },
    /// More (or fewer) servers.
    AddServers {
        /// The station.
        stage: String,
        /// How many to add (negative removes).
        add: i32,
    },
    /// A batch rule, or none.
    Batch {
        /// The station.
        stage: String,
        /// The new rule.
        batch: Option<Batch>,
    },
    /// A WIP limit, or none.
    Wip {
        /// The station.
        stage: String,
        /// The new limit.
        limit: Option<u32>,
    },
    /// The station removed.
    Remove {
        /// The station.
        stage: String,
    },
    /// The share of the items that stop at the station (the others pass it by).
    Visit {
        /// The station.
        stage: String,
        /// The probability, in (0, 1].
        probability: f64,
    },
    /// Arrivals at a new mean rate: Poisson, or the model's weekly rhythm at that rate
    /// ([`Arrivals::with_rate`]).
    Arrivals {
        /// Items per day.
        rate_per_day: f64,
    },
    /// A change for one class of work only (`scale Test=0.5 class=Bug`): `automate`,
    /// `scale` or `visit`, which describe what a class's items need; servers, batches,
    /// WIP limits and the stations themselves are shared by every class.
    ForClass {
        /// The class.
        class: String,
        /// The change.
        inner: Box<Change>,
    },
}

/// Parses `2h`, `30m`, `1.5d`, `1w` or a plain number of days.
fn parse_days(text: &str) -> Option<f64> {
    let t = text.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, "d"),
    };
    let v: f64 = num.trim().parse().ok()?;
    let d = match unit {
        "m" | "min" => v / 1440.0,
        "h" => v / 24.0,
        "d" => v,
        "w" => v * 7.0,
        _ => return None,
    };
    (d.is_finite() && d >= 0.0).then_some(d)
}

fn fmt_days(d: f64) -> String {
    let h = d * 24.0;
    let m = d * 1440.0;
    if (h - h.round()).abs() < 1e-9 && h < 48.0 {
        format!("{}h", h.round())
    } else if (m - m.round()).abs() < 1e-9 && m < 1440.0 {
        format!("{}m", m.round())
    } else {
        format!("{d}d")
    }
}

/// The error for a change that cannot be read: why, and what is expected.
fn bad_change(text: &str, why: &str) -> Error {
    Error::InvalidArgument(format!(
        "cannot read the change {text:?}: {why}; expected one of automate STAGE[=2h], \
         scale STAGE=0.5, servers STAGE=3 or STAGE=+1, batch STAGE=none|every:7d|size:5, \
         wip STAGE=8|none, remove STAGE, visit STAGE=0.3, arrivals 2.5"
    ))
}

impl FromStr for Change {
    type Err = Error;

    fn from_str(text: &str) -> Result<Change> {
        let bad = |why: &str| bad_change(text, why);
        let t = text.trim();
        if let Some((head, class)) = t.rsplit_once(" class=") {
            return for_class(head, class, &bad);
        }
        let (verb, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        let rest = rest.trim();
        let (stage, value) = match rest.rsplit_once('=') {
            Some((s, v)) => (s.trim().to_owned(), Some(v.trim())),
            None => (rest.to_owned(), None),
        };
        let need_stage = || {
            if stage.is_empty() {
                Err(bad("no stage named"))
            } else {
                Ok(stage.clone())
            }
        };
        match verb {
            "automate" => Ok(Change::Automate {
                stage: need_stage()?,
                days: match value {
                    Some(v) => parse_days(v)
                        .ok_or_else(|| bad("the duration is not like 2h, 30m or 0.5d"))?,
                    None => 1.0 / 24.0,
                },
            }),
            "scale" => {
                let f: f64 = value
                    .and_then(|v| v.parse().ok())
                    .filter(|f: &f64| f.is_finite() && *f > 0.0)
                    .ok_or_else(|| bad("the factor is not a positive number"))?;
                Ok(Change::Scale {
                    stage: need_stage()?,
                    factor: f,
                })
            }
            "servers" => {
                let v = value.ok_or_else(|| bad("no number of servers"))?;
                parse_servers(need_stage()?, v, &bad)
            }
            "batch" => {
                let v = value.ok_or_else(|| bad("no batch rule"))?;
                let batch = parse_batch(v, &bad)?;
                Ok(Change::Batch {
                    stage: need_stage()?,
                    batch,
                })
            }
            "wip" => {
                let v = value.ok_or_else(|| bad("no WIP limit"))?;
                let limit = if v == "none" {
                    None
                } else {
                    Some(
                        v.parse::<u32>()
                            .ok()
                            .filter(|l| *l >= 1)
                            .ok_or_else(|| bad("the WIP limit is not a whole number ≥ 1"))?,
                    )
                };
                Ok(Change::Wip {
                    stage: need_stage()?,
                    limit,
                })
            }
            "remove" => {
                if value.is_some() {
                    return Err(bad("remove takes a stage only"));
                }
                Ok(Change::Remove {
                    stage: need_stage()?,
                })
            }
            "visit" => {
                let p: f64 = value
                    .and_then(|v| v.parse().ok())
                    .filter(|p: &f64| p.is_finite() && *p > 0.0 && *p <= 1.0)
                    .ok_or_else(|| bad("the share of items is not a number in (0, 1]"))?;
                Ok(Change::Visit {
                    stage: need_stage()?,
                    probability: p,
                })
            }
            "arrivals" => {
                let r: f64 = rest
                    .parse()
                    .ok()
                    .filter(|r: &f64| r.is_finite() && *r > 0.0)
                    .ok_or_else(|| bad("the rate is not a positive number of items a day"))?;
                Ok(Change::Arrivals { rate_per_day: r })
            }
            _ => Err(bad("unknown verb")),
        }
    }
}

/// `CHANGE class=NAME`: `automate`, `scale` or `visit` for one class.
fn for_class(head: &str, class: &str, bad: &dyn Fn(&str) -> Error) -> Result<Change> {
    let class = class.trim();
    if class.is_empty() {
        return Err(bad("no class named after class="));
    }
    let change: Change = head.parse()?;
    match change {
        Change::Automate { .. } | Change::Scale { .. } | Change::Visit { .. } => {
            Ok(Change::ForClass {
                class: class.to_owned(),
                inner: Box::new(change),
            })
        }
        _ => Err(bad(
            "only automate, scale and visit can be for one class (servers, batches, WIP limits and stages are shared)",
        )),
    }
}

/// `servers STAGE=3`, `=+1`, `=-1` or `=unlimited`.
fn parse_servers(stage: String, v: &str, bad: &dyn Fn(&str) -> Error) -> Result<Change> {
    if let Some(add) = v.strip_prefix('+').or(v.strip_prefix('-').map(|_| v)) {
        let add: i32 = if v.starts_with('-') {
            v.parse()
        } else {
            add.parse()
        }
        .map_err(|_| bad("the number of servers to add is not a whole number"))?;
        return Ok(Change::AddServers { stage, add });
    }
    let servers = if v == "unlimited" {
        Servers::Unlimited
    } else {
        Servers::Finite(
            v.parse::<u32>()
                .ok()
                .filter(|c| *c >= 1)
                .ok_or_else(|| bad("the number of servers is not a whole number ≥ 1"))?,
        )
    };
    Ok(Change::Servers { stage, servers })
}

/// `none`, `every:7d` or `size:5`.
fn parse_batch(v: &str, bad: &dyn Fn(&str) -> Error) -> Result<Option<Batch>> {
    if v == "none" {
        Ok(None)
    } else if let Some(p) = v.strip_prefix("every:") {
        let every = parse_days(p)
            .filter(|d| *d > 0.0)
            .ok_or_else(|| bad("the period is not like 7d"))?;
        Ok(Some(Batch::Scheduled {
            every_days: every,
            offset_days: 0.0,
            max: None,
        }))
    } else if let Some(n) = v.strip_prefix("size:") {
        let n: u32 = n
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad("the batch size is not a whole number ≥ 1"))?;
        Ok(Some(Batch::Size { size: n }))
    } else {
        Err(bad("the batch rule is not none, every:7d or size:5"))
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Automate { stage, days } => {
                if (days - 1.0 / 24.0).abs() < 1e-12 {
                    write!(f, "automate {stage}")
                } else {
                    write!(f, "automate {stage}={}", fmt_days(*days))
                }
            }
            Change::Scale { stage, factor } => write!(f, "scale {stage}={factor}"),
            Change::Servers { stage, servers } => match servers {
                Servers::Finite(c) => write!(f, "servers {stage}={c}"),
                Servers::Unlimited => write!(f, "servers {stage}=unlimited"),
            },
            Change::AddServers { stage, add } => {
                if *add >= 0 {
                    write!(f, "servers {stage}=+{add}")
                } else {
                    write!(f, "servers {stage}={add}")
                }
            }
            Change::Batch { stage, batch } => match batch {
                None => write!(f, "batch {stage}=none"),
                Some(Batch::Scheduled { every_days, .. }) => {
                    write!(f, "batch {stage}=every:{}", fmt_days(*every_days))
                }
                Some(Batch::Size { size }) => write!(f, "batch {stage}=size:{size}"),
            },
            Change::Wip { stage, limit } => match limit {
                Some(l) => write!(f, "wip {stage}={l}"),
                None => write!(f, "wip {stage}=none"),
            },
            Change::Remove { stage } => write!(f, "remove {stage}"),
            Change::Visit { stage, probability } => write!(f, "visit {stage}={probability}"),
            Change::Arrivals { rate_per_day } => write!(f, "arrivals {rate_per_day}"),
            Change::ForClass { class, inner } => write!(f, "{inner} class={class}"),
        }
    }
}

impl Change {
    /// The station the change is about (`None` for arrivals).
    pub fn stage(&self) -> Option<&str> {
        match self {
            Change::Automate { stage, .. }
            | Change::Scale { stage, .. }
            | Change::Servers { stage, .. }
            | Change::AddServers { stage, .. }
            | Change::Batch { stage, .. }
            | Change::Wip { stage, .. }
            | Change::Visit { stage, .. }
            | Change::Remove { stage } => Some(stage),
            Change::Arrivals { .. } => None,
            Change::ForClass { inner, .. } => inner.stage(),
        }
    }
}

/// The model after `changes`, in order.
///
/// Removing a station sends the rework that went back to it to the station that took its
/// place (the next one), or drops it when none is left behind the reworking station.
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming an unknown station (with the stations there are), a
/// change that leaves no server or no station; [`Error::Model`] if the result is invalid.
pub(crate) fn apply(model: &ValueStream, changes: &[Change]) -> Result<ValueStream> {
    let mut m = model.clone();
    for c in changes {
        let idx = match c.stage() {
            Some(name) => Some(m.station_index(name).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "{c}: there is no stage {name:?}; the stages are {}",
                    m.stations
                        .iter()
                        .map(|s| format!("{:?}", s.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?),
            None => None,
        };
        match (c, idx) {
            (Change::Automate { days, .. }, Some(i)) => {
                let st = &mut m.stations[i];
                st.service = Distribution::deterministic(*days)?;
                st.batch = None;
                if let Some(r) = &mut st.revisit {
                    r.service = None;
                }
                for cs in class_views(&mut m.classes, &m.stations[i].name) {
                    cs.service = None;
                    if let Some(r) = &mut cs.revisit {
                        r.service = None;
                    }
                }
            }
            (Change::Scale { factor, .. }, Some(i)) => {
                let st = &mut m.stations[i];
                st.service = st.service.scaled(*factor)?;
                if let Some(d) = st.revisit.as_mut().and_then(|r| r.service.as_mut()) {
                    *d = d.scaled(*factor)?;
                }
                for cs in class_views(&mut m.classes, &m.stations[i].name) {
                    scale_class(cs, *factor)?;
                }
            }
            (Change::ForClass { class, inner }, Some(i)) => {
                apply_for_class(&mut m, i, class, inner, c)?;
            }
            (Change::Servers { servers, .. }, Some(i)) => m.stations[i].servers = *servers,
            (Change::AddServers { add, .. }, Some(i)) => match m.stations[i].servers {
                Servers::Finite(n) => {
                    let new = i64::from(n) + i64::from(*add);
                    if new < 1 {
                        return Err(Error::InvalidArgument(format!(
                            "{c}: that leaves no server"
                        )));
                    }
                    let max = super::validate::MAX_SERVERS;
                    let Some(new) = u32::try_from(new).ok().filter(|n| *n <= max) else {
                        return Err(Error::InvalidArgument(format!(
                            "{c}: that makes {new} servers, more than the {max} a stage may have (give \"unlimited\" instead)"
                        )));
                    };
                    m.stations[i].servers = Servers::Finite(new);
                }
                Servers::Unlimited => {}
            },
            (Change::Batch { batch, .. }, Some(i)) => m.stations[i].batch.clone_from(batch),
            (Change::Wip { limit, .. }, Some(i)) => m.stations[i].wip_limit = *limit,
            (Change::Visit { probability, .. }, Some(i)) => {
                m.stations[i].visit_probability = *probability;
                for cs in class_views(&mut m.classes, &m.stations[i].name) {
                    cs.visit_probability = None;
                }
            }
            (Change::Remove { stage }, Some(i)) => {
                if m.stations.len() == 1 {
                    return Err(Error::InvalidArgument(format!("{c}: that leaves no stage")));
                }
                remove_station(&mut m, i, stage);
            }
            (Change::Arrivals { rate_per_day }, _) => {
                m.arrivals = m.arrivals.with_rate(*rate_per_day)?;
            }
            _ => unreachable!("every change but arrivals names a stage"),
        }
    }
    m.validate()?;
    Ok(m)
}

/// Station `i` (named `stage`) removed: the rework that went back to it goes to the station
/// that took its place, or is dropped when none is left behind the reworking station; the
/// same for each class's rework.
fn remove_station(m: &mut ValueStream, i: usize, stage: &str) {
    m.stations.remove(i);
    let next = m.stations.get(i).map(|s| s.name.clone());
    for (k, s) in m.stations.iter_mut().enumerate() {
        if let Some(r) = &mut s.rework
            && r.to == stage
        {
            match &next {
                Some(n) if k >= i => r.to.clone_from(n),
                _ => s.rework = None,
            }
        }
    }
    let index: Vec<String> = m.stations.iter().map(|s| s.name.clone()).collect();
    for class in &mut m.classes {
        class.stations.remove(stage);
        for (name, cs) in &mut class.stations {
            let k = index.iter().position(|n| n == name).unwrap_or(0);
            if let Some(r) = &mut cs.rework
                && r.to == stage
            {
                match &next {
                    Some(n) if k >= i => r.to.clone_from(n),
                    _ => r.probability = 0.0,
                }
            }
        }
    }
}

/// `inner` (automate, scale or visit at station `i`) for the items of `class` only; `c` is
/// the whole change, for messages.
fn apply_for_class(
    m: &mut ValueStream,
    i: usize,
    class: &str,
    inner: &Change,
    c: &Change,
) -> Result<()> {
    let k = m.class_index(class).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "{c}: there is no class {class:?}; the classes are {}",
            if m.classes.is_empty() {
                "none (the model has one kind of work)".to_owned()
            } else {
                m.classes
                    .iter()
                    .map(|x| format!("{:?}", x.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ))
    })?;
    let base = m.stations[i].clone();
    let cs = m.classes[k].stations.entry(base.name.clone()).or_default();
    match inner {
        Change::Automate { days, .. } => {
            let d = Distribution::deterministic(*days)?;
            cs.service = Some(d.clone());
            let revisit = cs
                .revisit
                .get_or_insert_with(|| base.revisit.clone().unwrap_or_default());
            revisit.service = Some(d);
        }
        Change::Scale { factor, .. } => {
            if cs.service.is_none() {
                cs.service = Some(base.service.clone());
            }
            if cs.revisit.is_none() {
                cs.revisit.clone_from(&base.revisit);
            }
            scale_class(cs, *factor)?;
        }
        Change::Visit { probability, .. } => {
            cs.visit_probability = Some(*probability);
        }
        _ => {
            return Err(Error::InvalidArgument(format!(
                "{c}: only automate, scale and visit can be for one class"
            )));
        }
    }
    Ok(())
}

/// What each class says of station `name` (the classes that say something).
fn class_views<'a>(
    classes: &'a mut [super::WorkClass],
    name: &'a str,
) -> impl Iterator<Item = &'a mut super::ClassStation> + 'a {
    classes
        .iter_mut()
        .filter_map(move |c| c.stations.get_mut(name))
}

/// A class's service times at a station, first and later visits, × `factor`.
fn scale_class(cs: &mut super::ClassStation, factor: f64) -> Result<()> {
    if let Some(d) = &mut cs.service {
        *d = d.scaled(factor)?;
    }
    if let Some(d) = cs.revisit.as_mut().and_then(|r| r.service.as_mut()) {
        *d = d.scaled(factor)?;
    }
    Ok(())
}

/// One station's figures in an [`Outcome`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OutcomeStation {
    /// The station.
    pub name: String,
    /// Busy server time / available (`None` for unlimited servers).
    pub utilisation: Option<f64>,
    /// Mean wait in its queue, days.
    pub wait_days_mean: f64,
    /// Mean time in the station (wait and service), days.
    pub time_days_mean: f64,
    /// Mean items in its queue.
    pub queue_mean: f64,
    /// Mean items in the station.
    pub wip_mean: f64,
    /// How fast its queue grew, items a day (about 0 when stable).
    pub queue_growth_per_day: f64,
}

/// A simulated stream: the figures a what-if compares.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Outcome {
    /// Cycle time (days from entering the first station to leaving the last).
    pub cycle_time_days: CycleTimeStats,
    /// Items done per day.
    pub throughput: ThroughputStats,
    /// Items in the stream.
    pub wip: WipStats,
    /// Per station.
    pub stations: Vec<OutcomeStation>,
    /// The most utilised station with finite servers.
    pub bottleneck: Option<String>,
    /// Whether some queue grew over the horizon (demand above a capacity).
    pub unstable: bool,
}

impl Outcome {
    /// The bottleneck is the station whose queue grew fastest when some queue grew (work
    /// piles up in front of the constraint); else, when work is pulled from an unlimited
    /// backlog, the first station (starting work is then what limits the stream); else the
    /// most utilised station with finite servers.
    fn from_result(r: &SimResult, pulled: bool) -> Outcome {
        let growing = r
            .stations
            .iter()
            .filter(|s| s.queue_grew)
            .max_by(|a, b| a.queue_growth_per_day.total_cmp(&b.queue_growth_per_day))
            .map(|s| s.name.clone());
        let utilised = || {
            r.stations
                .iter()
                .filter_map(|s| s.utilisation.map(|u| (u, &s.name)))
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, n)| n.clone())
        };
        let bottleneck = growing
            .or_else(|| {
                // Pulled work that piles up nowhere: starting is the constraint.
                if pulled {
                    r.stations.first().map(|s| s.name.clone())
                } else {
                    None
                }
            })
            .or_else(utilised);
        Outcome {
            cycle_time_days: r.cycle_time_days.clone(),
            throughput: r.throughput.clone(),
            wip: r.wip.clone(),
            stations: r
                .stations
                .iter()
                .map(|s| OutcomeStation {
                    name: s.name.clone(),
                    utilisation: s.utilisation,
                    wait_days_mean: s.wait_days_mean,
                    time_days_mean: s.time_days_mean,
                    queue_mean: s.queue_mean,
                    wip_mean: s.wip_mean,
                    queue_growth_per_day: s.queue_growth_per_day,
                })
                .collect(),
            bottleneck,
            unstable: r.unstable,
        }
    }

    fn station(&self, name: &str) -> Option<&OutcomeStation> {
        self.stations.iter().find(|s| s.name == name)
    }

    /// The station where items wait longest: in its queue, or, for a delay (unlimited
    /// servers: waiting for a customer, for an assignment), in the station itself.
    fn longest_wait(&self) -> Option<(&OutcomeStation, f64)> {
        self.stations
            .iter()
            .map(|s| (s, waiting(s)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

fn waiting(s: &OutcomeStation) -> f64 {
    if s.utilisation.is_none() {
        s.time_days_mean
    } else {
        s.wait_days_mean
    }
}

/// A difference between scenario and baseline, with its confidence interval from paired
/// replications (common random numbers).
///
/// The quantities compared (mean cycle time, throughput) are positive, so the interval is
/// that of the ratio scenario / baseline, computed on the log scale: it never reaches
/// below −100% ([`Difference::ci95_rel`]).
///
/// No field is infinite. A figure that cannot be measured is `NaN` in Rust and `null` in
/// the JSON (serde writes a non-finite `f64` as `null`), and the text of `whatif` says so
/// in words: `baseline`, `scenario` and `delta` when no replication measured the quantity
/// (no item was done in any of them, as in a horizon too short); `delta_rel` when, beside
/// that, the baseline is 0 and the scenario is not (a change from nothing has no relative
/// size). A change that changes nothing has `delta_rel` 0, even from a baseline of 0.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Difference {
    /// The baseline's value.
    pub baseline: f64,
    /// The scenario's value.
    pub scenario: f64,
    /// scenario − baseline.
    pub delta: f64,
    /// delta / baseline: 0 when `delta` is 0; `NaN` (JSON `null`) when the baseline is 0 or
    /// not measured and `delta` is not 0.
    pub delta_rel: f64,
    /// 95% confidence interval of `delta`: `baseline` × the interval of `delta_rel`
    /// (`ci95_rel`), so that it never reaches below −`baseline`.
    pub ci95: Option<[f64; 2]>,
    /// 95% confidence interval of `delta_rel`.
    ///
    /// # Formula
    ///
    /// Over the n replications where both sides have a value, with means B̄ and S̄ (both
    /// positive), the ratio r̂ = S̄ / B̄ and the linearised terms zᵢ = sᵢ / S̄ − bᵢ / B̄:
    /// log r̂ ± t₀.₉₇₅,ₙ₋₁ · sd(z) / √n, exponentiated, minus 1 (the delta method on the log
    /// of a ratio of means, with paired replications; Casella and Berger, *Statistical
    /// Inference*, 2nd ed., §5.5.4). exp is positive, so the bounds are above −1; `delta_rel`
    /// (r̂ − 1) is inside. Where a mean is not positive, the Student t interval of the
    /// paired differences, divided by the baseline.
    pub ci95_rel: Option<[f64; 2]>,
    /// Whether the interval excludes 0: the difference is outside the simulation's noise.
    /// It says nothing of how far the model itself is right: see the answer's `trust`
    /// ([`ModelTrust`]).
    pub real: bool,
}

impl Difference {
    pub(crate) fn paired(baseline: &[f64], scenario: &[f64]) -> Difference {
        let (b, _) = mean_ci(baseline.iter().copied());
        let (s, _) = mean_ci(scenario.iter().copied());
        let (delta, plain) = mean_ci(baseline.iter().zip(scenario).map(|(b, s)| s - b));
        let (ci95, ci95_rel) = match ratio_ci(baseline, scenario) {
            Some([lo, hi]) => (
                Some([b * (lo - 1.0), b * (hi - 1.0)]),
                Some([lo - 1.0, hi - 1.0]),
            ),
            None => (
                plain,
                // Both quantities compared are never negative: a relative change cannot
                // be below −100%.
                plain
                    .filter(|_| b > 0.0 && b.is_finite())
                    .map(|[lo, hi]| [(lo / b).max(-1.0), (hi / b).max(-1.0)]),
            ),
        };
        let real = ci95.is_some_and(|[lo, hi]| lo > 0.0 || hi < 0.0);
        Difference {
            baseline: b,
            scenario: s,
            delta,
            delta_rel: relative(delta, b),
            ci95,
            ci95_rel,
            real,
        }
    }
}

/// `delta / baseline`: 0 when nothing changes (even from 0), NaN (JSON `null`, a sentence in
/// text) when the baseline is 0 or not measured and something changes.
fn relative(delta: f64, baseline: f64) -> f64 {
    if delta == 0.0 {
        0.0
    } else if baseline > 0.0 && baseline.is_finite() {
        delta / baseline
    } else {
        f64::NAN
    }
}

/// The 95% confidence interval of the ratio of the scenario's mean to the baseline's, from
/// paired replications, on the log scale ([`Difference::ci95_rel`] has the formula); `None`
/// with fewer than two pairs or a mean that is not positive.
fn ratio_ci(baseline: &[f64], scenario: &[f64]) -> Option<[f64; 2]> {
    let pairs: Vec<(f64, f64)> = baseline
        .iter()
        .zip(scenario)
        .filter(|(b, s)| b.is_finite() && s.is_finite())
        .map(|(b, s)| (*b, *s))
        .collect();
    if pairs.len() < 2 {
        return None;
    }
    let n = pairs.len() as f64;
    let bm = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let sm = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    if !(bm > 0.0 && sm > 0.0) {
        return None;
    }
    let (_, ci) = mean_ci(pairs.iter().map(|(b, s)| s / sm - b / bm));
    let [lo, hi] = ci?;
    let half = (hi - lo) / 2.0;
    let centre = (sm / bm).ln();
    Some([(centre - half).exp(), (centre + half).exp()])
}

/// The result of [`what_if`]. JSON keys: `changes`, `baseline` and `scenario` (each
/// `cycle_time_days {mean, ci95, p50, p85, p95}`, `throughput {per_day, ci95}`, `wip`,
/// `stations[]`, `bottleneck`, `unstable`), `cycle_time` and `throughput` (each a
/// [`Difference`]: `{baseline, scenario, delta, delta_rel, ci95, ci95_rel, real}`),
/// `verdict`, `trust` ([`ModelTrust`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WhatIf {
    /// The changes, as text.
    pub changes: Vec<String>,
    /// The stream as it is.
    pub baseline: Outcome,
    /// The stream after the changes.
    pub scenario: Outcome,
    /// The change of mean cycle time.
    pub cycle_time: Difference,
    /// The change of throughput.
    pub throughput: Difference,
    /// In plain words: whether the difference is real, and where the work now waits. It
    /// calls a difference real only when `trust` allows it ([`ModelTrust::caveat`]).
    pub verdict: String,
    /// How far the model held up against its log: [`ModelTrust::unknown`] until
    /// [`WhatIf::with_trust`] says otherwise.
    pub trust: ModelTrust,
    /// The change of mean cycle time of each class of work (in the model's order; empty
    /// without classes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassDifference>,
}

/// The change of one class's mean cycle time.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ClassDifference {
    /// The class.
    pub class: String,
    /// Its mean cycle time, before and after (paired replications).
    pub cycle_time: Difference,
}

impl WhatIf {
    /// The same answer under `trust`: the verdict is written again so that it does not call
    /// a difference real when the model failed its check ("the model failed its backtest:
    /// this difference is not evidence") or rests on fewer than
    /// [`MIN_DONE_ITEMS`](super::MIN_DONE_ITEMS) done items ("too few done items (3 < 30)
    /// to tell"). The figures are unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{FitOptions, LogReader, SimOptions, Timelines, Workflow, fit, model_trust, what_if};
    ///
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/story");
    /// let log = LogReader::builder().build().read_path(format!("{dir}/log.csv"))?;
    /// let timelines = Timelines::new(&log, &Workflow::from_path(format!("{dir}/workflow.toml"))?)?;
    /// let fitted = fit(&timelines, &FitOptions::new())?;
    /// let options = SimOptions::new().replications(3).horizon_days(500.0);
    /// let trust = model_trust(&fitted, &timelines, &options)?;
    /// let w = what_if(&fitted.model, &["automate Deploy".parse()?], &options)?.with_trust(trust);
    /// println!("{}\n{}", w.verdict, w.trust.summary);
    /// assert_eq!(w.trust.done_items, Some(timelines.iter().filter(|t| t.cycle_time_days().is_some()).count()));
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    pub fn with_trust(mut self, trust: ModelTrust) -> WhatIf {
        self.trust = trust;
        self.verdict = verdict(
            &self.baseline,
            &self.scenario,
            &self.cycle_time,
            &self.throughput,
            &what_text(&self.changes),
            self.trust.standing(),
        );
        self
    }
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.0}%", x * 100.0)
    } else {
        "no relative change: nothing to compare with before".to_owned()
    }
}

fn run(model: &ValueStream, options: &SimOptions) -> Result<SimResult> {
    Simulation::new(model)?.run(options)
}

/// Simulates `model` before and after `changes` with the same random numbers (the same
/// seed, replication by replication: every station draws from its own streams, so
/// unchanged stations see the same service times) and compares them.
///
/// The answer knows nothing of where `model` comes from: its `trust` is
/// [`ModelTrust::unknown`]. For a model fitted to a log, give it the model's trust with
/// [`WhatIf::with_trust`] ([`model_trust`](super::model_trust)), so that its verdict does not
/// call a difference real that the log cannot support.
///
/// # Examples
///
/// ```
/// use valuestream::{SimOptions, ValueStream, what_if};
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/models/delivery.toml");
/// let model = ValueStream::from_path(path)?;
/// let options = SimOptions::new().replications(4).horizon_days(1_000.0);
/// let w = what_if(&model, &["automate Deploy".parse()?], &options)?;
/// println!("{}", w.verdict);
/// assert_eq!(w.changes, ["automate Deploy"]);
/// assert!(w.cycle_time.scenario < w.cycle_time.baseline);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// As [`ValueStream::apply`] and [`Simulation::run`].
pub fn what_if(model: &ValueStream, changes: &[Change], options: &SimOptions) -> Result<WhatIf> {
    let scenario_model = apply(model, changes)?;
    let b = run(model, options)?;
    let s = run(&scenario_model, options)?;
    Ok(compare(
        &b,
        &s,
        changes,
        is_pulled(model),
        is_pulled(&scenario_model),
    ))
}

fn is_pulled(m: &ValueStream) -> bool {
    matches!(m.arrivals, Arrivals::Backlog)
}

fn compare(
    b: &SimResult,
    s: &SimResult,
    changes: &[Change],
    b_pulled: bool,
    s_pulled: bool,
) -> WhatIf {
    let cycle = Difference::paired(
        &b.per_replication
            .iter()
            .map(|r| r.cycle_time_days_mean)
            .collect::<Vec<_>>(),
        &s.per_replication
            .iter()
            .map(|r| r.cycle_time_days_mean)
            .collect::<Vec<_>>(),
    );
    let thr = Difference::paired(
        &b.per_replication
            .iter()
            .map(|r| r.throughput_per_day)
            .collect::<Vec<_>>(),
        &s.per_replication
            .iter()
            .map(|r| r.throughput_per_day)
            .collect::<Vec<_>>(),
    );
    let baseline = Outcome::from_result(b, b_pulled);
    let scenario = Outcome::from_result(s, s_pulled);
    let changes: Vec<String> = changes.iter().map(ToString::to_string).collect();
    let trust = ModelTrust::unknown();
    let verdict = verdict(
        &baseline,
        &scenario,
        &cycle,
        &thr,
        &what_text(&changes),
        trust.standing(),
    );
    let classes = b
        .classes
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let per = |r: &SimResult| -> Vec<f64> {
                r.per_replication
                    .iter()
                    .map(|x| x.classes.get(k).map_or(f64::NAN, |c| c.0))
                    .collect()
            };
            ClassDifference {
                class: c.name.clone(),
                cycle_time: Difference::paired(&per(b), &per(s)),
            }
        })
        .collect();
    WhatIf {
        changes,
        baseline,
        scenario,
        cycle_time: cycle,
        throughput: thr,
        verdict,
        trust,
        classes,
    }
}

/// The changes as a verdict names them.
fn what_text(changes: &[String]) -> String {
    if changes.is_empty() {
        "No change".to_owned()
    } else {
        changes.join(", ")
    }
}

fn ci_text(d: &Difference) -> String {
    match d.ci95_rel {
        Some([lo, hi]) => format!("95% CI {} to {}", pct(lo), pct(hi)),
        None => "no interval: one replication, or nothing measured before".to_owned(),
    }
}

/// How a verdict ends the sentence about a difference: real or within the noise, as far as
/// `standing` lets it say.
fn claim(real: bool, standing: Standing) -> String {
    match (standing, real) {
        (Standing::Claims, true) => "a real difference".to_owned(),
        (Standing::Claims, false) => "within the noise, no real difference".to_owned(),
        (Standing::Failed, true) => {
            "outside the simulation's noise, but the model failed its backtest: this difference is not evidence".to_owned()
        }
        (Standing::Failed, false) => {
            "within the noise of a model that failed its backtest: not evidence either way"
                .to_owned()
        }
        (Standing::TooFew(n), _) => format!(
            "too few done items ({n} < {}) to tell whether it is real",
            super::holdout::MIN_DONE_ITEMS
        ),
    }
}

fn verdict(
    b: &Outcome,
    s: &Outcome,
    cycle: &Difference,
    thr: &Difference,
    what: &str,
    standing: Standing,
) -> String {
    if b.unstable || s.unstable {
        return verdict_overloaded(b, s, cycle, thr, what, standing).join(" ");
    }
    if !(cycle.baseline.is_finite() && cycle.scenario.is_finite()) {
        return format!(
            "{what}: no item finished within the simulated horizon before or after the change, so there is no cycle time to compare; simulate longer."
        );
    }
    let mut out = Vec::new();
    out.push(format!(
        "{what}: mean cycle time goes from {:.2} to {:.2} days ({}; {}): {}.",
        cycle.baseline,
        cycle.scenario,
        pct(cycle.delta_rel),
        ci_text(cycle),
        claim(cycle.real, standing)
    ));
    match (&b.bottleneck, &s.bottleneck) {
        (Some(x), Some(y)) if x == y => {
            let u = |o: &Outcome| o.station(x).and_then(|st| st.utilisation);
            match (u(b), u(s)) {
                (Some(ub), Some(us)) => out.push(format!(
                    "The bottleneck stays {x} (utilisation {:.0}% → {:.0}%).",
                    ub * 100.0,
                    us * 100.0
                )),
                _ => out.push(format!("The bottleneck stays {x}.")),
            }
        }
        (Some(x), Some(y)) => out.push(format!("The bottleneck moves from {x} to {y}.")),
        _ => {}
    }
    match s.longest_wait() {
        Some((w, days)) if days >= 0.01 => {
            let before = b.station(&w.name).map_or(0.0, waiting);
            let place = if w.utilisation.is_none() {
                format!("at {}", w.name)
            } else {
                format!("in front of {}", w.name)
            };
            out.push(format!(
                "Work now waits longest {place} ({days:.2} days, {before:.2} before)."
            ));
        }
        Some(_) => out.push("Hardly anything waits any more.".to_owned()),
        None => {}
    }
    out.join(" ")
}

/// The verdict when demand exceeds a capacity before or after: throughput is the measure,
/// cycle times grow with the horizon.
fn verdict_overloaded(
    b: &Outcome,
    s: &Outcome,
    cycle: &Difference,
    thr: &Difference,
    what: &str,
    standing: Standing,
) -> Vec<String> {
    let mut out = Vec::new();
    let bn = b.bottleneck.as_deref().unwrap_or("the slowest stage");
    let bn_growth = b.station(bn).map_or(0.0, |x| x.queue_growth_per_day);
    if b.unstable {
        out.push(format!(
            "Before: work arrives faster than {bn} can finish it; throughput is {:.2} a day and the queue in front of {bn} grows by {:.2} items a day.",
            thr.baseline, bn_growth
        ));
    }
    match (standing, thr.real) {
        (Standing::Claims, true) => out.push(format!(
            "{what}: throughput goes from {:.2} to {:.2} a day ({}; {}), a real difference.",
            thr.baseline,
            thr.scenario,
            pct(thr.delta_rel),
            ci_text(thr)
        )),
        (Standing::Claims, false) => out.push(format!(
            "{what}: throughput stays at {:.2} a day ({:.2} after; {}): no real difference.",
            thr.baseline,
            thr.scenario,
            ci_text(thr)
        )),
        _ => out.push(format!(
            "{what}: throughput goes from {:.2} to {:.2} a day ({}; {}): {}.",
            thr.baseline,
            thr.scenario,
            pct(thr.delta_rel),
            ci_text(thr),
            claim(thr.real, standing)
        )),
    }
    if s.unstable {
        let sbn = s.bottleneck.as_deref().unwrap_or(bn);
        let grow = s
            .stations
            .iter()
            .max_by(|a, c| a.queue_growth_per_day.total_cmp(&c.queue_growth_per_day));
        if let Some(g) = grow {
            let before = b.station(&g.name).map_or(0.0, |x| x.queue_growth_per_day);
            out.push(format!(
                "After: {sbn} still limits the stream; the queue in front of {} grows by {:.2} items a day (before: {:.2}): the work that no longer waits elsewhere waits there.",
                g.name, g.queue_growth_per_day, before
            ));
        }
        out.push(format!(
            "Mean cycle time goes from {:.1} to {:.1} days ({}), but it grows with the queue, so it depends on how long the stream has run: compare throughput, not cycle time.",
            cycle.baseline,
            cycle.scenario,
            pct(cycle.delta_rel)
        ));
    } else {
        out.push(format!(
            "After: the stream keeps up with demand; mean cycle time {:.1} days.",
            s.cycle_time_days.mean
        ));
    }
    out
}

/// One lever of [`leverage`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Lever {
    /// The change, as text.
    pub change: String,
    /// Mean cycle time after it, days; `NaN` (JSON `null`) when no simulated item was done.
    pub cycle_time_days_mean: f64,
    /// Relative change of mean cycle time (negative is faster): the what-if's
    /// [`Difference::delta_rel`], so `NaN` (JSON `null`) when the change cannot be
    /// measured; ranked by cycle time, such a lever comes after every lever measured.
    pub delta_rel: f64,
    /// Throughput after it, items a day.
    pub throughput_per_day: f64,
    /// Relative change of throughput: as `delta_rel`, `NaN` (JSON `null`) when it cannot
    /// be measured (a baseline throughput of 0).
    pub throughput_delta_rel: f64,
    /// Whether the difference (of cycle time, or of throughput when demand exceeds a
    /// capacity) is outside the simulation's noise. It says nothing of how far the model
    /// itself is right: see [`Leverage::trust`].
    pub real: bool,
}

/// The levers ranked. JSON keys: `baseline`, `ranking[]` of `{change, cycle_time_days_mean,
/// delta_rel, throughput_per_day, throughput_delta_rel, real}`, `by`, `trust`
/// ([`ModelTrust`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Leverage {
    /// The stream as it is.
    pub baseline: Outcome,
    /// Best first.
    pub ranking: Vec<Lever>,
    /// What the ranking orders by: `cycle_time` for a stable stream, `throughput` when
    /// demand exceeds a capacity (cycle times then grow with the horizon).
    pub by: String,
    /// How far the model held up against its log: [`ModelTrust::unknown`] until
    /// [`Leverage::with_trust`] says otherwise. When [`ModelTrust::caveat`] is `Some`, no
    /// lever's difference is evidence, whatever its `real` says.
    pub trust: ModelTrust,
}

impl Leverage {
    /// The same ranking under `trust` (the figures and the order are unchanged).
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{ModelTrust, SimOptions, ValueStream, leverage};
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/models/mm1.toml");
    /// let model = ValueStream::from_path(path)?;
    /// let options = SimOptions::new().replications(2).horizon_days(200.0);
    /// let trust = ModelTrust::held_out(false, "Held-out backtest: did not hold up.".into(), 200);
    /// let l = leverage(&model, &options)?.with_trust(trust);
    /// assert!(l.trust.caveat().unwrap().contains("not evidence"));
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    pub fn with_trust(mut self, trust: ModelTrust) -> Leverage {
        self.trust = trust;
        self
    }
}

/// For every station tries `automate` (if it has finite servers), `servers +1` (finite
/// servers) and halving its service time, and ranks the changes: by the reduction of mean
/// cycle time for a stable stream, by the throughput gained when demand exceeds a capacity
/// (levers whose throughputs are within the simulation's noise of each other then rank by
/// cycle time). All scenarios share the baseline's random numbers. Its `trust` is
/// [`ModelTrust::unknown`] until [`Leverage::with_trust`] gives the model's.
///
/// # Examples
///
/// ```
/// use valuestream::{SimOptions, ValueStream, leverage};
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/models/tandem.toml");
/// let model = ValueStream::from_path(path)?;
/// let options = SimOptions::new().replications(3).horizon_days(500.0);
/// let levers = leverage(&model, &options)?;
/// // Four stations: automate, one more server and half the service time of each.
/// assert_eq!(levers.ranking.len(), 12);
/// println!("do first: {} ({:+.0}%)", levers.ranking[0].change, levers.ranking[0].delta_rel * 100.0);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// As [`what_if`].
pub fn leverage(model: &ValueStream, options: &SimOptions) -> Result<Leverage> {
    let b = run(model, options)?;
    let mut candidates: Vec<Change> = Vec::new();
    for st in &model.stations {
        if let Servers::Finite(_) = st.servers {
            candidates.push(Change::Automate {
                stage: st.name.clone(),
                days: 1.0 / 24.0,
            });
            candidates.push(Change::AddServers {
                stage: st.name.clone(),
                add: 1,
            });
        }
        candidates.push(Change::Scale {
            stage: st.name.clone(),
            factor: 0.5,
        });
    }
    let by_throughput = b.unstable || matches!(model.arrivals, Arrivals::Backlog);
    let mut ranking = Vec::with_capacity(candidates.len());
    // Per lever, the half-width of its throughput difference's interval: the noise within
    // which two levers' throughputs are a tie.
    let mut noise = Vec::with_capacity(candidates.len());
    for c in candidates {
        let m = apply(model, std::slice::from_ref(&c))?;
        let s = run(&m, options)?;
        let w = compare(
            &b,
            &s,
            std::slice::from_ref(&c),
            is_pulled(model),
            is_pulled(&m),
        );
        noise.push(w.throughput.ci95.map_or(0.0, |[lo, hi]| (hi - lo) / 2.0));
        ranking.push(Lever {
            change: c.to_string(),
            cycle_time_days_mean: w.cycle_time.scenario,
            delta_rel: w.cycle_time.delta_rel,
            throughput_per_day: w.throughput.scenario,
            throughput_delta_rel: w.throughput.delta_rel,
            real: if by_throughput {
                w.throughput.real
            } else {
                w.cycle_time.real
            },
        });
    }
    if by_throughput {
        ranking = rank_by_throughput(ranking, &noise);
    } else {
        // A lever whose change cannot be measured ranks last, not first.
        ranking.sort_by(|a, c| {
            (a.delta_rel.is_nan().cmp(&c.delta_rel.is_nan()))
                .then(a.delta_rel.total_cmp(&c.delta_rel))
        });
    }
    Ok(Leverage {
        baseline: Outcome::from_result(&b, is_pulled(model)),
        ranking,
        by: if by_throughput {
            "throughput"
        } else {
            "cycle_time"
        }
        .to_owned(),
        trust: ModelTrust::unknown(),
    })
}

/// Orders levers by throughput, highest first, where levers whose throughputs differ by
/// less than the noise of either are a tie, ordered by mean cycle time. Ties are taken
/// greedily from the top: a lever joins the group of the highest lever not yet placed when
/// it is within that one's noise or its own; each group is then ordered by cycle time.
fn rank_by_throughput(levers: Vec<Lever>, noise: &[f64]) -> Vec<Lever> {
    let mut ranked: Vec<(Lever, f64)> = levers.into_iter().zip(noise.iter().copied()).collect();
    ranked.sort_by(|(a, _), (c, _)| {
        c.throughput_per_day
            .total_cmp(&a.throughput_per_day)
            .then(a.cycle_time_days_mean.total_cmp(&c.cycle_time_days_mean))
    });
    let mut i = 0;
    while i < ranked.len() {
        let (top, top_noise) = (ranked[i].0.throughput_per_day, ranked[i].1);
        let tied = ranked[i..]
            .iter()
            .take_while(|(l, n)| top - l.throughput_per_day <= top_noise.max(*n))
            .count()
            .max(1);
        ranked[i..i + tied]
            .sort_by(|(a, _), (c, _)| a.cycle_time_days_mean.total_cmp(&c.cycle_time_days_mean));
        i += tied;
    }
    ranked.into_iter().map(|(l, _)| l).collect()
}

impl ValueStream {
    /// The model after `changes`, in order ([`Change`]): the scenario of a what-if.
    ///
    /// Removing a station sends the rework that went back to it to the station that took
    /// its place (the next one), or drops it when none is left behind the reworking
    /// station.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{Arrivals, Distribution, Servers, Station, ValueStream};
    ///
    /// let model = ValueStream::new(
    ///     Arrivals::poisson(1.0)?,
    ///     vec![
    ///         Station::new("Dev", Servers::Finite(2), Distribution::exponential(1.5)?),
    ///         Station::new("Test", Servers::Finite(1), Distribution::exponential(0.8)?),
    ///     ],
    /// )?;
    /// let faster = model.apply(&["servers Test=+1".parse()?, "scale Dev=0.5".parse()?])?;
    /// assert_eq!(faster.station("Test").unwrap().servers, Servers::Finite(2));
    /// assert_eq!(faster.station("Dev").unwrap().service.mean(), 0.75);
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming an unknown station
    /// (with the stations there are), a change that leaves no server or no station;
    /// [`Error::Model`](crate::Error::Model) if the result is invalid.
    pub fn apply(&self, changes: &[Change]) -> Result<ValueStream> {
        apply(self, changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Station;

    fn lever(change: &str, lead: f64, thr: f64) -> Lever {
        Lever {
            change: change.to_owned(),
            cycle_time_days_mean: lead,
            delta_rel: 0.0,
            throughput_per_day: thr,
            throughput_delta_rel: 0.0,
            real: true,
        }
    }

    #[test]
    fn levers_tied_on_throughput_within_the_noise_rank_by_cycle_time() {
        let levers = vec![
            lever("a", 9.7, 2.031),
            lever("b", 10.6, 2.032),
            lever("c", 9.0, 2.030),
            lever("d", 5.0, 1.90),
            lever("e", 1.0, 1.81),
        ];
        // a, b and c are within 0.01 of each other; d and e are not.
        let noise = [0.01, 0.01, 0.01, 0.01, 0.01];
        let names: Vec<_> = rank_by_throughput(levers.clone(), &noise)
            .into_iter()
            .map(|l| l.change)
            .collect();
        assert_eq!(names, ["c", "a", "b", "d", "e"]);
        // With no noise, throughput alone decides.
        let names: Vec<_> = rank_by_throughput(levers, &[0.0; 5])
            .into_iter()
            .map(|l| l.change)
            .collect();
        assert_eq!(names, ["b", "a", "c", "d", "e"]);
    }

    #[test]
    fn changes_read_and_write_the_same_text() {
        for t in [
            "automate Test",
            "automate Deploy=2h",
            "scale Dev=0.5",
            "servers Test=3",
            "servers Test=+1",
            "servers Test=-1",
            "servers Triage=unlimited",
            "batch Deploy=none",
            "batch Deploy=every:7d",
            "batch Deploy=size:5",
            "wip Dev=8",
            "wip Dev=none",
            "remove Deploy",
            "visit Review=0.3",
            "visit Review=1",
            "arrivals 2.5",
            "automate Code Review=30m",
        ] {
            let c: Change = t.parse().unwrap_or_else(|e| panic!("{t}: {e}"));
            let back = c.to_string();
            let again: Change = back.parse().unwrap();
            assert_eq!(c, again, "{t} → {back}");
        }
        let c: Change = "automate Code Review=30m".parse().unwrap();
        assert_eq!(
            c,
            Change::Automate {
                stage: "Code Review".into(),
                days: 30.0 / 1440.0
            }
        );
        assert_eq!(
            "batch D=every:2w".parse::<Change>().unwrap(),
            Change::Batch {
                stage: "D".into(),
                batch: Some(Batch::Scheduled {
                    every_days: 14.0,
                    offset_days: 0.0,
                    max: None
                }),
            }
        );
    }

    #[test]
    fn bad_changes_say_what_is_expected() {
        for (t, why) in [
            ("speed up Test", "unknown verb"),
            ("scale Test=-1", "positive"),
            ("servers Test=0", "≥ 1"),
            ("servers Test", "no number"),
            ("batch Deploy=weekly", "none, every:7d"),
            ("automate", "no stage"),
            ("automate Test=soon", "duration"),
            ("arrivals fast", "positive number"),
            ("visit Review=0", "(0, 1]"),
            ("visit Review=1.5", "(0, 1]"),
            ("visit Review", "(0, 1]"),
        ] {
            let e = t.parse::<Change>().unwrap_err().to_string();
            assert!(e.contains(why) && e.contains("expected one of"), "{t}: {e}");
        }
    }

    fn line() -> ValueStream {
        ValueStream::new(
            Arrivals::poisson(1.0).unwrap(),
            vec![
                Station::new(
                    "Dev",
                    Servers::Finite(2),
                    Distribution::exponential(1.5).unwrap(),
                ),
                Station::new(
                    "Deploy",
                    Servers::Finite(1),
                    Distribution::deterministic(0.5).unwrap(),
                )
                .with_batch(Batch::Scheduled {
                    every_days: 7.0,
                    offset_days: 0.0,
                    max: None,
                }),
                Station::new(
                    "Test",
                    Servers::Finite(1),
                    Distribution::exponential(0.8).unwrap(),
                )
                .with_rework("Deploy", 0.1),
            ],
        )
        .unwrap()
    }

    #[test]
    fn apply_changes_the_model() {
        let m = apply(
            &line(),
            &[
                "automate Deploy".parse().unwrap(),
                "servers Test=+1".parse().unwrap(),
            ],
        )
        .unwrap();
        assert_eq!(m.stations[1].batch, None);
        assert_eq!(m.stations[1].service.mean(), 1.0 / 24.0);
        assert_eq!(m.stations[2].servers, Servers::Finite(2));
        let m = apply(&line(), &["scale Dev=0.5".parse().unwrap()]).unwrap();
        assert!((m.stations[0].service.mean() - 0.75).abs() < 1e-12);
        // Removing Deploy moves Test's rework to the station that took its place.
        let m = apply(&line(), &["remove Deploy".parse().unwrap()]).unwrap();
        assert_eq!(m.stations.len(), 2);
        assert_eq!(m.stations[1].rework.as_ref().unwrap().to, "Test");
        let e = apply(&line(), &["servers QA=2".parse().unwrap()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no stage \"QA\"") && e.contains("\"Dev\", \"Deploy\", \"Test\""),
            "{e}"
        );
        let e = apply(&line(), &["servers Test=-1".parse().unwrap()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("no server"), "{e}");
    }

    #[test]
    fn paired_differences_are_real_only_outside_the_noise() {
        let d = Difference::paired(&[10.0, 11.0, 9.0, 10.5], &[8.0, 9.1, 7.0, 8.4]);
        assert!(d.real && d.delta < 0.0);
        assert!((d.delta_rel - (-2.0 / 10.125)).abs() < 0.01);
        let d = Difference::paired(&[10.0, 11.0, 9.0, 10.5], &[10.2, 10.7, 9.3, 10.4]);
        assert!(!d.real);
    }

    #[test]
    fn a_noisy_large_cut_stays_above_minus_one_hundred_percent() {
        // Differences −9, −10, −8, −29: the Student t interval of the mean difference is
        // −14 ± 16.4, which divided by the baseline (15) reaches −203%.
        let (b, s) = ([10.0, 11.0, 9.0, 30.0], [1.0, 1.0, 1.0, 1.0]);
        let (_, plain) = mean_ci(b.iter().zip(&s).map(|(b, s)| s - b));
        let [plain_lo, _] = plain.unwrap();
        assert!(plain_lo / 15.0 < -1.0, "{plain_lo}");
        let d = Difference::paired(&b, &s);
        let [lo, hi] = d.ci95_rel.unwrap();
        assert!(
            lo > -1.0 && lo <= d.delta_rel && d.delta_rel <= hi,
            "{lo} {hi} {d:?}"
        );
        let [alo, ahi] = d.ci95.unwrap();
        assert!(
            alo > -d.baseline && (alo - lo * d.baseline).abs() < 1e-9,
            "{alo}"
        );
        assert!((ahi - hi * d.baseline).abs() < 1e-9);
        assert!(d.real);
    }

    proptest::proptest! {
        #[test]
        fn intervals_of_positive_quantities_stay_above_minus_one_hundred_percent(
            pairs in proptest::collection::vec((1e-3f64..1e3, 1e-3f64..1e3), 2..30)
        ) {
            let (b, s): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
            let d = Difference::paired(&b, &s);
            let [lo, hi] = d.ci95_rel.unwrap();
            proptest::prop_assert!(lo > -1.0, "{lo}");
            proptest::prop_assert!(lo <= d.delta_rel + 1e-9 && d.delta_rel <= hi + 1e-9,
                "{lo} {} {hi}", d.delta_rel);
            let [alo, _] = d.ci95.unwrap();
            proptest::prop_assert!(alo > -d.baseline);
            proptest::prop_assert_eq!(d.real, lo > 0.0 || hi < 0.0);
        }
    }

    fn real_whatif() -> WhatIf {
        let mm1 = ValueStream::new(
            Arrivals::poisson(0.5).unwrap(),
            vec![Station::new(
                "Dev",
                Servers::Finite(1),
                Distribution::exponential(1.0).unwrap(),
            )],
        )
        .unwrap();
        let options = SimOptions::new().replications(4).horizon_days(400.0);
        let w = what_if(&mm1, &["scale Dev=0.3".parse().unwrap()], &options).unwrap();
        assert!(
            w.cycle_time.real && w.verdict.contains("a real difference"),
            "{}",
            w.verdict
        );
        w
    }

    #[test]
    fn trust_rewrites_the_verdict_and_nothing_else() {
        let w = real_whatif();
        assert_eq!(w.trust, ModelTrust::unknown());
        let same = w.clone().with_trust(ModelTrust::unknown());
        assert_eq!(same, w);
        let failed =
            w.clone()
                .with_trust(ModelTrust::held_out(false, "did not hold up".into(), 500));
        assert!(
            failed
                .verdict
                .contains("the model failed its backtest: this difference is not evidence")
                && !failed.verdict.contains("a real difference"),
            "{}",
            failed.verdict
        );
        assert_eq!(
            (&failed.cycle_time, &failed.baseline),
            (&w.cycle_time, &w.baseline)
        );
        let few = w.with_trust(ModelTrust::held_out(true, "held up".into(), 3));
        assert!(
            few.verdict.contains("too few done items (3 < 30) to tell")
                && !few.verdict.contains("real difference"),
            "{}",
            few.verdict
        );
    }
}
