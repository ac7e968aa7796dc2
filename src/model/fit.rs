//! Fitting a value stream to an event log: arrivals, one station per active stage (its
//! queue made of the wait stages in front of it), service times, servers, rework and
//! scheduled releases, each with how it was estimated.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::estimate::{FamilyFit, Release, detect_release, fit_families};
use super::{Arrivals, Batch, Distribution, Family, Servers, Station, ValueStream};
use crate::error::{Error, Result};
use crate::time::{ms_to_datetime, ms_to_days};
use crate::timeline::{Timelines, Visit};
use crate::workflow::StageKind;

/// How service times are described.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ServiceModel {
    /// The observed durations themselves, resampled (the default: no shape assumed).
    #[default]
    Empirical,
    /// The best of exponential, lognormal, gamma and Weibull by maximum likelihood (lowest
    /// AIC), with the goodness of fit of each reported.
    Parametric,
}

/// How the arrivals are modelled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ArrivalModel {
    /// Decide from the log (the default): pulled from an unlimited backlog when nothing
    /// ever waited in front of a first station that was busy at least 90% of the time, else
    /// Poisson or gamma gaps.
    #[default]
    Auto,
    /// Always the observed rate (Poisson, or gamma gaps).
    Rate,
    /// Always an unlimited backlog pulled by the first station.
    Pull,
}

/// Options of [`fit`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FitOptions {
    /// How service times are described (default: empirical).
    pub service: ServiceModel,
    /// How arrivals are modelled (default: decided from the log).
    pub arrivals: ArrivalModel,
}

/// Where a station's number of servers came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "from")]
pub enum ServersFrom {
    /// The workflow's `servers`.
    Workflow,
    /// The most items ever in the active stage at once: exact when every server was busy
    /// at some moment (it is then a queue's ceiling), a lower bound otherwise.
    PeakConcurrency,
    /// A wait stage with no work after it: a pure delay, as many servers as items.
    Delay,
}

/// Rework observed at a station: moves back to an earlier station after its service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReworkFit {
    /// The station most moves went back to.
    pub to: String,
    /// Moves back / services.
    pub probability: f64,
    /// The moves back counted.
    pub moves: usize,
}

/// How one station was fitted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StationFit {
    /// The station: the active stage's name (or the wait stage's for a delay station).
    pub name: String,
    /// The wait stages whose time is this station's queue.
    pub queue: Vec<String>,
    /// The stages whose time is this station's service (its active stage, or the wait
    /// stages of a delay).
    pub stages: Vec<String>,
    /// Completed services (visits to the stage) the service time is fitted on; visits still
    /// open at the end of observation are left out.
    pub services: usize,
    /// Mean service time in days.
    pub mean_days: f64,
    /// Coefficient of variation of the service time.
    pub cv: f64,
    /// The distribution used in the model (`empirical`, or the chosen family).
    pub distribution: String,
    /// With [`ServiceModel::Parametric`]: every family fitted, best first (by AIC).
    pub families: Vec<FamilyFit>,
    /// Servers (`None` for a pure delay).
    pub servers: Option<u32>,
    /// Where the number of servers came from.
    pub servers_from: ServersFrom,
    /// Rework, if items moved back after this station.
    pub rework: Option<ReworkFit>,
    /// A scheduled release recognised in the instants its work started.
    pub release: Option<Release>,
    /// The probability that an item moving forward stops at the station: stops / (stops +
    /// passes) in the log, 1 when every done item visited it (and for a waiting delay in
    /// front of a station, which every item passes through, those that did not wait with a
    /// zero time).
    pub visit_probability: f64,
}

/// How the arrivals were fitted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArrivalFit {
    /// Items committed in the window (the model's arrivals are commitments).
    pub items: usize,
    /// The window in days.
    pub window_days: f64,
    /// Commitments per day.
    pub rate_per_day: f64,
    /// Squared coefficient of variation of the gaps between commitments.
    pub interarrival_scv: f64,
    /// Whether they are modelled as a Poisson process (squared CV between 0.7 and 1.3) or
    /// as a renewal process with gamma gaps of the same mean and CV.
    pub poisson: bool,
    /// Whether work is pulled from an unlimited backlog instead: started whenever a server
    /// of the first station is free (no item ever waited in front of it and it was busy at
    /// least 90% of the time, or the caller said so).
    pub pulled: bool,
    /// Busy server time of the first station / (servers × window).
    pub first_station_utilisation: f64,
}

/// A value stream fitted to a log, with how each part was estimated.
///
/// Serialises (JSON) with the model under `model`.
#[derive(Clone, Debug, Serialize)]
pub struct FittedModel {
    /// The model: arrivals and stations, ready to simulate, analyse or save as a model file
    /// ([`ValueStream::to_toml`]).
    pub model: ValueStream,
    /// The arrivals.
    pub arrivals: ArrivalFit,
    /// The stations, in order.
    pub stations: Vec<StationFit>,
    /// The instants of the commitments, in days from `start`, for a trace-driven replay
    /// ([`Arrivals::Trace`]).
    #[serde(skip)]
    pub arrival_days: Vec<f64>,
    /// The start of the window: day 0 of the model.
    pub start: DateTime<Utc>,
    /// The end of observation.
    pub as_of: DateTime<Utc>,
    /// What the fit could not represent, in sentences.
    pub notes: Vec<String>,
}

impl FittedModel {
    /// The model to replay the log with: its own arrival instants (a trace-driven replay),
    /// or, when work is pulled, the model itself (the instants at which someone was free
    /// in the log say nothing of when someone is free in the model).
    ///
    /// # Errors
    ///
    /// [`Error::Model`] if there are no arrivals to replay.
    pub fn replay(&self) -> Result<ValueStream> {
        let mut m = self.model.clone();
        if !self.arrivals.pulled {
            m.arrivals = Arrivals::Trace {
                times_days: self.arrival_days.clone(),
            };
        }
        m.validate()?;
        Ok(m)
    }
}

/// Which station each workflow stage belongs to, and in what role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Not part of the model (backlog, done).
    Outside,
    /// The queue of station `usize`.
    Queue(usize),
    /// The service of station `usize`.
    Service(usize),
}

/// One station of the layout: which stages are its queue and which its service.
#[derive(Clone, Debug)]
struct Slot {
    name: String,
    queue: Vec<usize>,
    service: Vec<usize>,
    /// Unlimited servers: a trailing wait stage, or waiting that is not for capacity.
    delay: bool,
    /// A delay made of the wait stages in front of the next station: every item passes
    /// through it, those that did not wait with a zero time.
    wait_delay: bool,
}

fn roles_of(slots: &[Slot], stages: usize) -> Vec<Role> {
    let mut roles = vec![Role::Outside; stages];
    for (k, sl) in slots.iter().enumerate() {
        for &q in &sl.queue {
            roles[q] = Role::Queue(k);
        }
        for &v in &sl.service {
            roles[v] = Role::Service(k);
        }
    }
    roles
}

/// A visit, or consecutive visits, to one station's service stages.
#[derive(Clone, Copy, Debug)]
struct Episode {
    station: usize,
    start: i64,
    end: i64,
    open: bool,
}

/// The service episodes of one item, with the station of the visit before each.
fn episodes(visits: &[Visit], roles: &[Role], out: &mut Vec<(Episode, Option<usize>)>) {
    out.clear();
    let mut last_station: Option<usize> = None;
    for v in visits {
        let role = roles[v.stage()];
        match role {
            Role::Service(k) => match out.last_mut() {
                Some((e, _))
                    if e.station == k && e.end == v.start_ms() && last_station == Some(k) =>
                {
                    e.end = v.end_ms();
                    e.open = v.is_open();
                }
                _ => out.push((
                    Episode {
                        station: k,
                        start: v.start_ms(),
                        end: v.end_ms(),
                        open: v.is_open(),
                    },
                    last_station,
                )),
            },
            Role::Queue(_) | Role::Outside => {}
        }
        last_station = match role {
            Role::Queue(k) | Role::Service(k) => Some(k),
            Role::Outside => last_station,
        };
    }
}

/// The most episodes of one station at once (ends before starts at the same instant: a
/// hand-over is not an overlap), and the busy step function as (change instant, busy
/// after it).
fn concurrency(mut events: Vec<(i64, i32)>) -> (u32, Vec<(i64, i32)>) {
    events.sort_unstable();
    let mut steps: Vec<(i64, i32)> = Vec::with_capacity(events.len());
    let (mut now, mut peak) = (0i32, 0i32);
    for (t, d) in events {
        now += d;
        peak = peak.max(now);
        match steps.last_mut() {
            Some(last) if last.0 == t => last.1 = now,
            _ => steps.push((t, now)),
        }
    }
    (peak.max(1) as u32, steps)
}

/// The share of `intervals`' time during which fewer than `servers` were busy.
fn free_share(steps: &[(i64, i32)], servers: u32, intervals: &[(i64, i64)]) -> f64 {
    // F[i]: free time before steps[i].0.
    let mut free_before = Vec::with_capacity(steps.len());
    let mut acc: i64 = 0;
    for (i, &(t, _)) in steps.iter().enumerate() {
        if i > 0 {
            let (pt, pbusy) = steps[i - 1];
            if pbusy < servers as i32 {
                acc = acc.saturating_add(t.saturating_sub(pt));
            }
        }
        free_before.push(acc);
    }
    // Free time before instant x: before the first step everything is free.
    let free_at = |x: i64| -> i64 {
        match steps.partition_point(|s| s.0 <= x) {
            0 => x,
            i => {
                let (t, busy) = steps[i - 1];
                let base = free_before[i - 1] + steps[0].0;
                base + if busy < servers as i32 { x - t } else { 0 }
            }
        }
    };
    let (mut total, mut free) = (0i64, 0i64);
    for &(a, b) in intervals {
        total += b - a;
        free += free_at(b) - free_at(a);
    }
    if total > 0 {
        free as f64 / total as f64
    } else {
        0.0
    }
}

/// Fits a [`ValueStream`] to `timelines`.
///
/// # How
///
/// - **Stations**: one per active stage, named after it; the wait stages in front of it
///   (since the previous active stage) are its queue. A wait stage with no active stage
///   after it (waiting for a customer) becomes a delay station: unlimited servers, its
///   visits as service. Backlog and done stages are outside the model.
/// - **Waiting that is not for capacity**: items wait in a queue for a server only while
///   every server is busy. When most of the time spent in a station's queue passed while a
///   server was free (waiting for assignment, for a decision) and the station releases
///   no batches, the queue stages become a delay station of their own in front of it.
/// - **Arrivals**: the commitments; Poisson when the squared CV of their gaps is between
///   0.7 and 1.3, otherwise gamma gaps with the observed mean and CV; an unlimited backlog
///   when work is pulled ([`ArrivalModel`]). The instants themselves are kept for a replay
///   ([`FittedModel::replay`]).
/// - **Service times**: the durations of the completed visits to the station's service
///   stages (consecutive visits to them are one service; each visit of a reworked item is
///   another). For the waiting delay split off in front of a station, items that did not
///   wait count as zero, so that its mean time per item is kept.
/// - **Servers**: the workflow's, or else the most items in service at once.
/// - **Rework**: moves from a station back to an earlier one (or from its service to its
///   own queue), as a probability per service, to the most frequent target.
/// - **Scheduled releases**: when the starts of a station's work come in bursts on a
///   regular period ([`detect_release`]), the station releases on that schedule.
/// - **Skipped stations**: when some done items never visited a station, its
///   [`Station::visit_probability`] is the share of forward moves that stopped there:
///   every move from one station (or from the start) to a later one stops at the later one
///   and passes the stations between, and finishing passes the stations after the last;
///   moves back (rework) are not forward moves. This is the maximum-likelihood estimate
///   under the model's routing, so the mean number of visits per item is kept even when
///   items loop (without rework it is the share of done items that visited).
///
/// Items move through the stations in workflow order; which stations an item visits is
/// drawn independently per station (an item type that always skips two stations together
/// is not told apart).
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the workflow has no active or wait stage, no item was
/// committed, or a station has no completed service to fit; [`Error::Model`] if the fitted
/// model is invalid.
pub fn fit(timelines: &Timelines, options: &FitOptions) -> Result<FittedModel> {
    let wf = timelines.workflow();
    let stages = wf.stages();
    // The layout from the workflow: wait stages accumulate until the next active stage.
    let mut slots: Vec<Slot> = Vec::new();
    let mut pending: Vec<usize> = Vec::new();
    for (i, s) in stages.iter().enumerate() {
        match s.kind {
            StageKind::Wait => pending.push(i),
            StageKind::Active => slots.push(Slot {
                name: s.name.clone(),
                queue: std::mem::take(&mut pending),
                service: vec![i],
                delay: false,
                wait_delay: false,
            }),
            StageKind::Backlog | StageKind::Done => {}
        }
    }
    for w in pending {
        slots.push(Slot {
            name: stages[w].name.clone(),
            queue: Vec::new(),
            service: vec![w],
            delay: true,
            wait_delay: false,
        });
    }
    if slots.is_empty() {
        return Err(Error::InvalidArgument(
            "the workflow has no wait or active stage: there is nothing to model".into(),
        ));
    }
    let items = || timelines.iter().filter(|r| r.commitment_ms().is_some());

    // Pass A, on the workflow's layout: servers, busy steps, releases, and how much of
    // each queue's time passed with a server free.
    let mut notes: Vec<String> = Vec::new();
    let mut split: Vec<bool> = vec![false; slots.len()];
    {
        let roles = roles_of(&slots, stages.len());
        let mut sweep: Vec<Vec<(i64, i32)>> = vec![Vec::new(); slots.len()];
        let mut waits: Vec<Vec<(i64, i64)>> = vec![Vec::new(); slots.len()];
        let mut starts: Vec<Vec<f64>> = vec![Vec::new(); slots.len()];
        let mut eps = Vec::new();
        for r in items() {
            let vs = r.visits();
            episodes(vs, &roles, &mut eps);
            for (e, _) in &eps {
                sweep[e.station].push((e.start, 1));
                sweep[e.station].push((if e.open { i64::MAX } else { e.end }, -1));
                starts[e.station].push(ms_to_days(e.start - timelines.start_ms()));
            }
            for v in vs {
                if let Role::Queue(k) = roles[v.stage()] {
                    waits[k].push((v.start_ms(), v.end_ms()));
                }
            }
        }
        for (k, sl) in slots.iter().enumerate() {
            if sl.delay || sl.queue.is_empty() || waits[k].is_empty() {
                continue;
            }
            let servers = match stages[sl.service[0]].servers {
                Some(c) => c,
                None => concurrency(sweep[k].clone()).0,
            };
            let (_, steps) = concurrency(std::mem::take(&mut sweep[k]));
            let share = free_share(&steps, servers, &waits[k]);
            let released = detect_release(&starts[k], 0.0).is_some();
            if share > 0.5 && !released {
                split[k] = true;
                notes.push(format!(
                    "{:.0}% of the time items spent in {} passed while a server of {} was free: that waiting is not for capacity, so it is a delay of its own in front of {}",
                    share * 100.0,
                    sl.queue.iter().map(|&q| stages[q].name.as_str()).collect::<Vec<_>>().join(" and "),
                    sl.name,
                    sl.name
                ));
            }
        }
    }
    if split.iter().any(|s| *s) {
        let mut out = Vec::with_capacity(slots.len() + 1);
        for (k, sl) in slots.into_iter().enumerate() {
            if split[k] {
                // A simulated log names a station's queue "<station> queue": a delay of that
                // name would collide with it.
                let first = &stages[sl.queue[0]].name;
                let name = if *first == format!("{} queue", sl.name) {
                    format!("Waiting for {}", sl.name)
                } else {
                    first.clone()
                };
                out.push(Slot {
                    name,
                    queue: Vec::new(),
                    service: sl.queue.clone(),
                    delay: true,
                    wait_delay: true,
                });
                out.push(Slot {
                    queue: Vec::new(),
                    ..sl
                });
            } else {
                out.push(sl);
            }
        }
        slots = out;
    }
    let n = slots.len();
    let roles = roles_of(&slots, stages.len());
    let names: Vec<String> = slots.iter().map(|s| s.name.clone()).collect();

    // Arrivals: commitments.
    let start = timelines.start_ms();
    let window_days = ms_to_days(timelines.as_of_ms() - start);
    let mut arrivals: Vec<f64> = items()
        .filter_map(|r| r.commitment_ms())
        .map(|c| ms_to_days(c - start))
        .collect();
    arrivals.sort_by(f64::total_cmp);
    if arrivals.is_empty() {
        return Err(Error::InvalidArgument(
            "no item was committed in the log: there are no arrivals to fit".into(),
        ));
    }
    if window_days.is_nan() || window_days <= 0.0 {
        return Err(Error::InvalidArgument(
            "the log spans no time: there is no rate to fit".into(),
        ));
    }
    let rate = arrivals.len() as f64 / window_days;
    let scv = {
        let gaps: Vec<f64> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
        if gaps.len() < 2 {
            1.0
        } else {
            let m = gaps.iter().sum::<f64>() / gaps.len() as f64;
            let v = gaps.iter().map(|g| (g - m).powi(2)).sum::<f64>() / (gaps.len() - 1) as f64;
            if m > 0.0 { v / (m * m) } else { 1.0 }
        }
    };
    let poisson = (0.7..=1.3).contains(&scv);
    let mut model_arrivals = if poisson {
        Arrivals::Poisson { rate_per_day: rate }
    } else {
        Arrivals::Renewal {
            interarrival: Distribution::gamma(1.0 / rate, scv.sqrt().max(1e-3))?,
        }
    };

    // Pass B, on the final layout: services, concurrency, rework moves, starts.
    let mut services: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut zeros: Vec<usize> = vec![0; n];
    let mut starts: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut sweep: Vec<Vec<(i64, i32)>> = vec![Vec::new(); n];
    let mut busy: Vec<i64> = vec![0; n];
    let mut waited: Vec<i64> = vec![0; n];
    let mut rework: Vec<Vec<usize>> = vec![vec![0; n]; n];
    let mut skipped: Vec<usize> = vec![0; n];
    // Moving forward, how often items stopped at each station and how often they passed it.
    let mut stops: Vec<usize> = vec![0; n];
    let mut passes_by: Vec<usize> = vec![0; n];
    let mut done_items = 0usize;
    let mut eps = Vec::new();
    for r in items() {
        let vs = r.visits();
        episodes(vs, &roles, &mut eps);
        let mut seen = vec![false; n];
        for &(e, before) in &eps {
            let k = e.station;
            seen[k] = true;
            sweep[k].push((e.start, 1));
            sweep[k].push((if e.open { i64::MAX } else { e.end }, -1));
            starts[k].push(ms_to_days(e.start - start));
            busy[k] += e.end - e.start;
            if !e.open {
                services[k].push(ms_to_days(e.end - e.start));
            }
            // Everyone passes through a waiting delay: a service at k not straight after
            // one at k − 1 passed it with a zero time.
            if k > 0 && slots[k - 1].wait_delay && before != Some(k - 1) {
                zeros[k - 1] += 1;
                seen[k - 1] = true;
            }
        }
        // Forward moves: from the last service (or the start) to a later station, passing
        // the stations between; a move back (rework) is not a forward arrival.
        let mut at: Option<usize> = None;
        for &(e, _) in &eps {
            let k = e.station;
            let from = match at {
                None => 0,
                Some(p) if p < k => p + 1,
                Some(_) => {
                    at = Some(k);
                    continue;
                }
            };
            passes_by[from..k].iter_mut().for_each(|c| *c += 1);
            stops[k] += 1;
            at = Some(k);
        }
        if r.done_ms().is_some() {
            passes_by[at.map_or(0, |p| p + 1)..]
                .iter_mut()
                .for_each(|c| *c += 1);
        }
        // Moves back: to an earlier station, or from a service to its own queue.
        let mut prev: Option<(usize, Role)> = None;
        for v in vs {
            let role = roles[v.stage()];
            let k = match role {
                Role::Queue(k) | Role::Service(k) => k,
                Role::Outside => continue,
            };
            if let Role::Queue(_) = role {
                waited[k] += v.end_ms() - v.start_ms();
            }
            if let Some((p, p_role)) = prev {
                let back_to_own_queue =
                    k == p && matches!(p_role, Role::Service(_)) && matches!(role, Role::Queue(_));
                if k < p || back_to_own_queue {
                    rework[p][k] += 1;
                }
            }
            prev = Some((k, role));
        }
        if r.done_ms().is_some() {
            done_items += 1;
            for k in 0..n {
                if !seen[k] && !slots[k].wait_delay {
                    skipped[k] += 1;
                }
            }
        }
    }

    let mut stations: Vec<Station> = Vec::with_capacity(n);
    let mut fits: Vec<StationFit> = Vec::with_capacity(n);
    for k in 0..n {
        let slot = &slots[k];
        let mut sample = std::mem::take(&mut services[k]);
        let visits_done = sample.len();
        sample.extend(std::iter::repeat_n(0.0, zeros[k]));
        if sample.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "the stage {:?} has no completed visit: its service time cannot be fitted",
                names[k]
            )));
        }
        let m = sample.iter().sum::<f64>() / sample.len() as f64;
        let sd = if sample.len() > 1 {
            (sample.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (sample.len() - 1) as f64).sqrt()
        } else {
            0.0
        };
        let cv = if m > 0.0 { sd / m } else { 0.0 };
        let (service, distribution, families) = match options.service {
            ServiceModel::Empirical => (
                Distribution::empirical(sample.clone())?,
                "empirical".to_owned(),
                Vec::new(),
            ),
            ServiceModel::Parametric if sample.len() > 1 && cv < 1e-9 => (
                Distribution::deterministic(m)?,
                "deterministic".to_owned(),
                Vec::new(),
            ),
            // A family cannot describe a sample in which many services take no time (a
            // mixture): resample it.
            ServiceModel::Parametric
                if sample.iter().filter(|x| **x <= 0.0).count() * 20 > sample.len() =>
            {
                notes.push(format!(
                    "{}: {} of {} services took no time, which no parametric family describes; the observed times are resampled",
                    names[k],
                    sample.iter().filter(|x| **x <= 0.0).count(),
                    sample.len()
                ));
                (
                    Distribution::empirical(sample.clone())?,
                    "empirical".to_owned(),
                    Vec::new(),
                )
            }
            ServiceModel::Parametric => match fit_families(&sample) {
                Some(families) => {
                    let best = &families[0];
                    let d = match best.family {
                        Family::Exponential => Distribution::exponential(best.mean_days)?,
                        Family::Lognormal => Distribution::lognormal(best.mean_days, best.cv)?,
                        Family::Gamma => Distribution::gamma(best.mean_days, best.cv)?,
                        Family::Weibull => Distribution::weibull(best.p1, best.p2)?,
                    };
                    let z = sample.iter().filter(|x| **x <= 0.0).count();
                    if z > 0 {
                        notes.push(format!(
                            "{}: {z} of {} services took no time and are not in the parametric fit",
                            names[k],
                            sample.len()
                        ));
                    }
                    (d, d_name(best.family), families)
                }
                None => {
                    notes.push(format!(
                        "{}: too few distinct service times for a parametric fit; the observed ones are resampled",
                        names[k]
                    ));
                    (
                        Distribution::empirical(sample.clone())?,
                        "empirical".to_owned(),
                        Vec::new(),
                    )
                }
            },
        };
        let (servers, servers_from) = if slot.delay {
            (Servers::Unlimited, ServersFrom::Delay)
        } else {
            match stages[slot.service[0]].servers {
                Some(c) => (Servers::Finite(c), ServersFrom::Workflow),
                None => (
                    Servers::Finite(concurrency(std::mem::take(&mut sweep[k])).0),
                    ServersFrom::PeakConcurrency,
                ),
            }
        };
        let moves: usize = rework[k].iter().sum();
        let rework_fit = if moves > 0 {
            let to = (0..n)
                .max_by_key(|&t| (rework[k][t], std::cmp::Reverse(t)))
                .unwrap_or(k);
            // The model sends every item through a waiting delay (those that did not wait
            // with a zero time): its rework is per pass, not per visit.
            let passes = if slot.wait_delay {
                sample.len()
            } else {
                visits_done
            };
            let p = (moves as f64 / passes.max(1) as f64).min(0.95);
            Some(ReworkFit {
                to: names[to].clone(),
                probability: p,
                moves,
            })
        } else {
            None
        };
        let release = if slot.delay {
            None
        } else {
            detect_release(&starts[k], 0.0)
        };
        let mut station = Station::new(names[k].clone(), servers, service);
        if let Some(r) = &rework_fit {
            station = station.with_rework(r.to.clone(), r.probability);
        }
        if let Some(r) = &release {
            station = station.with_batch(Batch::Scheduled {
                every_days: r.every_days,
                offset_days: r.offset_days,
                max: None,
            });
        }
        // Moving forward, an item of the model stops here with the probability observed:
        // stops / (stops + passes), which counts the passes after rework too.
        let visit = if skipped[k] == 0 || slot.wait_delay {
            1.0
        } else if skipped[k] < done_items && stops[k] > 0 {
            let v = stops[k] as f64 / (stops[k] + passes_by[k]) as f64;
            station = station.with_visit_probability(v);
            notes.push(format!(
                "{}: {} of {} done items never visited it; moving forward, items stopped there {} times and passed it {} times, so in the model an item stops there with probability {v:.3}",
                names[k], skipped[k], done_items, stops[k], passes_by[k]
            ));
            v
        } else {
            notes.push(format!(
                "{}: no done item visited it; the model sends every item through it",
                names[k]
            ));
            1.0
        };
        stations.push(station);
        fits.push(StationFit {
            name: names[k].clone(),
            queue: slot.queue.iter().map(|&w| stages[w].name.clone()).collect(),
            stages: slot
                .service
                .iter()
                .map(|&w| stages[w].name.clone())
                .collect(),
            services: sample.len(),
            mean_days: m,
            cv,
            distribution,
            families,
            servers: servers.count(),
            servers_from,
            rework: rework_fit,
            release,
            visit_probability: visit,
        });
    }
    let open = timelines
        .all_visits()
        .iter()
        .filter(|v| v.is_open())
        .count();
    if open > 0 {
        notes.push(format!(
            "{open} visits were still open at the end of observation: their durations are not in the service times (long services are under-represented)"
        ));
    }
    // Pulled work: nothing ever waited in front of the first station, which was busy.
    let first_util = match stations[0].servers {
        Servers::Finite(c) => ms_to_days(busy[0]) / (f64::from(c) * window_days),
        Servers::Unlimited => 0.0,
    };
    let pulled = match options.arrivals {
        ArrivalModel::Pull => true,
        ArrivalModel::Rate => false,
        ArrivalModel::Auto => waited[0] == 0 && !slots[0].delay && first_util >= 0.9,
    };
    if pulled {
        model_arrivals = Arrivals::Backlog;
        if stations[0].visit_probability < 1.0 {
            // Pulled work starts at the first station, always.
            notes.push(format!(
                "{}: work is pulled into it, so in the model every item starts there",
                names[0]
            ));
            stations[0].visit_probability = 1.0;
            fits[0].visit_probability = 1.0;
        }
        if options.arrivals == ArrivalModel::Auto {
            notes.push(format!(
                "no item ever waited in front of {} and it was busy {:.0}% of the time: work is started whenever someone there is free, so the model pulls from an unlimited backlog",
                names[0],
                first_util * 100.0
            ));
        }
    }
    let model = ValueStream::new(model_arrivals, stations)?;
    Ok(FittedModel {
        model,
        arrivals: ArrivalFit {
            items: arrivals.len(),
            window_days,
            rate_per_day: rate,
            interarrival_scv: scv,
            poisson,
            pulled,
            first_station_utilisation: first_util,
        },
        stations: fits,
        arrival_days: arrivals,
        start: ms_to_datetime(start),
        as_of: ms_to_datetime(timelines.as_of_ms()),
        notes,
    })
}

fn d_name(f: Family) -> String {
    match f {
        Family::Exponential => "exponential",
        Family::Lognormal => "lognormal",
        Family::Gamma => "gamma",
        Family::Weibull => "weibull",
    }
    .to_owned()
}
