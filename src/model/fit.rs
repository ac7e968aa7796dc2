//! Fitting a value stream to an event log: arrivals, one station per active stage (its
//! queue made of the wait stages in front of it), service times, servers, rework and
//! scheduled releases, each with how it was estimated.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::estimate::{FamilyFit, Release, detect_release, fit_families};
use super::{Arrivals, Batch, Distribution, Family, Servers, Station, ValueStream};
use crate::error::{Error, Result};
use crate::time::{ms_to_datetime, ms_to_days};
use crate::timeline::Timelines;
use crate::workflow::StageKind;

/// How service times are described.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ServiceFit {
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
pub enum ArrivalsFit {
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
    pub service: ServiceFit,
    /// How arrivals are modelled (default: decided from the log).
    pub arrivals: ArrivalsFit,
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
    /// Completed services (visits to the stage) the service time is fitted on; visits still
    /// open at the end of observation are left out.
    pub services: usize,
    /// Mean service time in days.
    pub mean_days: f64,
    /// Coefficient of variation of the service time.
    pub cv: f64,
    /// The distribution used in the model (`empirical`, or the chosen family).
    pub distribution: String,
    /// With [`ServiceFit::Parametric`]: every family fitted, best first (by AIC).
    pub families: Vec<FamilyFit>,
    /// Servers (`None` for a pure delay).
    pub servers: Option<u32>,
    /// Where the number of servers came from.
    pub servers_from: ServersFrom,
    /// Rework, if items moved back after this station.
    pub rework: Option<ReworkFit>,
    /// A scheduled release recognised in the instants its work started.
    pub release: Option<Release>,
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
    /// The servers of station `usize`.
    Service(usize),
}

/// Fits a [`ValueStream`] to `timelines`.
///
/// # How
///
/// - **Stations**: one per active stage, named after it; the wait stages in front of it
///   (since the previous active stage) are its queue. A wait stage with no active stage
///   after it (waiting for a customer) becomes a delay station: unlimited servers, its
///   visits as service. Backlog and done stages are outside the model.
/// - **Arrivals**: the commitments; Poisson when the squared CV of their gaps is between 0.7
///   and 1.3, otherwise gamma gaps with the observed mean and CV. The instants themselves
///   are kept for a replay ([`FittedModel::replay`]).
/// - **Service times**: the durations of the completed visits to the active stage (each
///   visit of a reworked item is a service). For a delay station, items that passed by
///   without stopping count as zero, so that its mean time per item is kept.
/// - **Servers**: the workflow's, or else the most items in the stage at once.
/// - **Rework**: moves from a station back to an earlier one (or to its own queue), as a
///   probability per service, to the most frequent target.
/// - **Scheduled releases**: when the starts of a station's work come in bursts on a
///   regular period ([`detect_release`]), the station releases on that schedule.
///
/// The model routes every item through every station in order; items that skipped a stage
/// in the log pass through it in the model (a note says how many).
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the workflow has no active or wait stage, no item was
/// committed, or a station has no completed service to fit; [`Error::Model`] if the fitted
/// model is invalid.
pub fn fit(timelines: &Timelines, options: &FitOptions) -> Result<FittedModel> {
    let wf = timelines.workflow();
    let stages = wf.stages();
    // Roles: wait stages accumulate until the next active stage.
    let mut roles = vec![Role::Outside; stages.len()];
    let mut names: Vec<String> = Vec::new();
    let mut queues: Vec<Vec<usize>> = Vec::new();
    let mut service_stage: Vec<Option<usize>> = Vec::new(); // None: a delay station
    let mut pending: Vec<usize> = Vec::new();
    for (i, s) in stages.iter().enumerate() {
        match s.kind {
            StageKind::Wait => pending.push(i),
            StageKind::Active => {
                let k = names.len();
                for &w in &pending {
                    roles[w] = Role::Queue(k);
                }
                roles[i] = Role::Service(k);
                names.push(s.name.clone());
                queues.push(std::mem::take(&mut pending));
                service_stage.push(Some(i));
            }
            StageKind::Backlog | StageKind::Done => {}
        }
    }
    for w in pending {
        let k = names.len();
        roles[w] = Role::Service(k);
        names.push(stages[w].name.clone());
        queues.push(Vec::new());
        service_stage.push(None);
    }
    let n = names.len();
    if n == 0 {
        return Err(Error::InvalidArgument(
            "the workflow has no wait or active stage: there is nothing to model".into(),
        ));
    }
    let station_of = |stage: usize| match roles[stage] {
        Role::Queue(k) | Role::Service(k) => Some(k),
        Role::Outside => None,
    };

    // Arrivals: commitments.
    let start = timelines.start;
    let window_days = ms_to_days(timelines.as_of - start);
    let mut arrivals: Vec<f64> = timelines
        .items
        .iter()
        .filter_map(|r| r.commitment)
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

    // Per station: services, concurrency sweep events, rework moves, starts.
    let mut services: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut starts: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut sweep: Vec<Vec<(i64, i32)>> = vec![Vec::new(); n];
    let mut rework: Vec<Vec<usize>> = vec![vec![0; n]; n];
    let mut delay_passes: Vec<usize> = vec![0; n];
    let mut skipped: Vec<usize> = vec![0; n];
    for rec in &timelines.items {
        if rec.commitment.is_none() {
            continue;
        }
        let visits =
            &timelines.visits[rec.first_visit as usize..(rec.first_visit + rec.visits) as usize];
        let mut seen = vec![false; n];
        // The previous visit's station and stage.
        let mut prev: Option<(usize, usize)> = None;
        for v in visits {
            let stage = v.stage as usize;
            let Some(k) = station_of(stage) else {
                continue;
            };
            seen[k] = true;
            if let Role::Service(_) = roles[stage] {
                sweep[k].push((v.start, 1));
                sweep[k].push((if v.open { i64::MAX } else { v.end }, -1));
                starts[k].push(ms_to_days(v.start - start));
                if !v.open {
                    services[k].push(ms_to_days(v.end - v.start));
                }
            }
            // A move back: to an earlier station, or from a station's service to its own
            // queue.
            if let Some((p, p_stage)) = prev {
                let back_to_own_queue = k == p
                    && matches!(roles[p_stage], Role::Service(_))
                    && matches!(roles[stage], Role::Queue(_));
                if k < p || back_to_own_queue {
                    rework[p][k] += 1;
                }
            }
            prev = Some((k, stage));
        }
        if rec.done.is_some() {
            for k in 0..n {
                if !seen[k] {
                    if service_stage[k].is_none() {
                        delay_passes[k] += 1;
                    } else {
                        skipped[k] += 1;
                    }
                }
            }
        }
    }

    let mut stations: Vec<Station> = Vec::with_capacity(n);
    let mut fits: Vec<StationFit> = Vec::with_capacity(n);
    let mut notes: Vec<String> = Vec::new();
    for k in 0..n {
        let mut sample = std::mem::take(&mut services[k]);
        let visits_done = sample.len();
        if service_stage[k].is_none() {
            sample.extend(std::iter::repeat_n(0.0, delay_passes[k]));
        }
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
            ServiceFit::Empirical => (
                Distribution::empirical(sample.clone())?,
                "empirical".to_owned(),
                Vec::new(),
            ),
            ServiceFit::Parametric if sample.len() > 1 && cv < 1e-9 => (
                Distribution::deterministic(m)?,
                "deterministic".to_owned(),
                Vec::new(),
            ),
            ServiceFit::Parametric => match fit_families(&sample) {
                Some(families) => {
                    let best = &families[0];
                    let d = match best.family {
                        Family::Exponential => Distribution::exponential(best.mean_days)?,
                        Family::Lognormal => Distribution::lognormal(best.mean_days, best.cv)?,
                        Family::Gamma => Distribution::gamma(best.mean_days, best.cv)?,
                        Family::Weibull => Distribution::weibull(best.p1, best.p2)?,
                    };
                    let zeros = sample.iter().filter(|x| **x <= 0.0).count();
                    if zeros > 0 {
                        notes.push(format!(
                            "{}: {zeros} of {} services took no time and are not in the parametric fit",
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
        // Servers.
        let (servers, servers_from) = match service_stage[k] {
            None => (Servers::Unlimited, ServersFrom::Delay),
            Some(stage) => match stages[stage].servers {
                Some(c) => (Servers::Finite(c), ServersFrom::Workflow),
                None => {
                    let ev = &mut sweep[k];
                    // Ends before starts at the same instant: a hand-over is not overlap.
                    ev.sort_unstable();
                    let (mut now, mut peak) = (0i32, 0i32);
                    for &(_, d) in ev.iter() {
                        now += d;
                        peak = peak.max(now);
                    }
                    (
                        Servers::Finite(peak.max(1) as u32),
                        ServersFrom::PeakConcurrency,
                    )
                }
            },
        };
        // Rework: moves back from k.
        let moves: usize = rework[k].iter().sum();
        let rework_fit = if moves > 0 {
            let to = (0..n)
                .max_by_key(|&t| (rework[k][t], std::cmp::Reverse(t)))
                .unwrap_or(k);
            let p = (moves as f64 / visits_done.max(1) as f64).min(0.95);
            Some(ReworkFit {
                to: names[to].clone(),
                probability: p,
                moves,
            })
        } else {
            None
        };
        // Scheduled release.
        let release = if service_stage[k].is_some() {
            detect_release(&starts[k], 0.0)
        } else {
            None
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
        if skipped[k] > 0 {
            notes.push(format!(
                "{}: {} done items never visited it; the model sends every item through it",
                names[k], skipped[k]
            ));
        }
        stations.push(station);
        fits.push(StationFit {
            name: names[k].clone(),
            queue: queues[k].iter().map(|&w| stages[w].name.clone()).collect(),
            services: sample.len(),
            mean_days: m,
            cv,
            distribution,
            families,
            servers: servers.count(),
            servers_from,
            rework: rework_fit,
            release,
        });
    }
    let open = timelines.visits.iter().filter(|v| v.open).count();
    if open > 0 {
        notes.push(format!(
            "{open} visits were still open at the end of observation: their durations are not in the service times (long services are under-represented)"
        ));
    }
    // Pulled work: nothing ever waited in front of the first station, which was busy.
    let first_util = {
        let busy: i64 = timelines
            .visits
            .iter()
            .filter(|v| roles[v.stage as usize] == Role::Service(0))
            .map(|v| v.end - v.start)
            .sum();
        match stations[0].servers {
            Servers::Finite(c) => ms_to_days(busy) / (f64::from(c) * window_days),
            Servers::Unlimited => 0.0,
        }
    };
    let first_waited: i64 = timelines
        .visits
        .iter()
        .filter(|v| roles[v.stage as usize] == Role::Queue(0))
        .map(|v| v.end - v.start)
        .sum();
    let pulled = match options.arrivals {
        ArrivalsFit::Pull => true,
        ArrivalsFit::Rate => false,
        ArrivalsFit::Auto => first_waited == 0 && first_util >= 0.9,
    };
    if pulled {
        model_arrivals = Arrivals::Backlog;
        if options.arrivals == ArrivalsFit::Auto {
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
        as_of: ms_to_datetime(timelines.as_of),
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
