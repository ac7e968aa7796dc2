//! One station of the fitted model: its service distribution, servers, rework, release
//! and visit probability, each with how it was estimated.

use super::super::estimate::{FamilyFit, detect_release, fit_families};
use super::super::{Batch, Distribution, Family, Revisit, Servers, Station};
use super::layout::Slot;
use super::observe::Observed;
use super::{
    Censoring, FitOptions, PeopleFit, RevisitFit, ReworkFit, ServersBy, ServersFrom, ServiceModel,
    StationFit,
};
use crate::error::{Error, Result};
use crate::stats::{kaplan_meier_sample, plural};
use crate::workflow::Stage;

/// What every station's fit reads: the layout, the stations' names, the workflow's stages
/// and the options.
pub(super) struct Ctx<'a> {
    pub(super) slots: &'a [Slot],
    pub(super) names: &'a [String],
    pub(super) stages: &'a [Stage],
    pub(super) options: &'a FitOptions,
}

/// A station's capacity as observed: the most items in service at once (0 for a delay),
/// and the people who did its work, when the log names them.
#[derive(Debug, Default)]
pub(super) struct Capacity {
    pub(super) peak: u32,
    pub(super) people: Option<PeopleFit>,
}

/// Station `k` of the layout, fitted on what was observed of it and its capacity.
///
/// # Errors
///
/// [`Error::InvalidArgument`] if it has no completed service; [`Error::Model`] if a
/// distribution cannot be built.
pub(super) fn fit_station(
    k: usize,
    ctx: &Ctx<'_>,
    seen: &mut Observed,
    capacity: Capacity,
    notes: &mut Vec<String>,
) -> Result<(Station, StationFit)> {
    let Ctx {
        slots,
        names,
        stages,
        options,
    } = *ctx;
    let slot = &slots[k];
    let sv = Services::take(seen, k);
    // Later visits are told apart when both kinds are numerous enough to fit.
    let later_done = sv.later.iter().filter(|l| **l).count() + sv.later_zeros;
    let first_done = sv.done.len() + sv.zeros - later_done;
    let memory = options.memory && later_done >= MIN_REVISITS && first_done >= MIN_REVISITS;
    let (mut sample, first_censored) = sv.part(memory, false);
    let visits_done = sample.len();
    let first_zeros = sv.zeros - if memory { sv.later_zeros } else { 0 };
    sample.extend(std::iter::repeat_n(0.0, first_zeros));
    if sample.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "the stage {:?} has no completed visit: its service time cannot be fitted",
            names[k]
        )));
    }
    let sample = with_censored(sample, &first_censored, &names[k], options, notes);
    let (m, cv) = mean_cv(&sample);
    let (service, distribution, families) =
        service_distribution(&sample, m, cv, &names[k], options, notes)?;
    let (servers, servers_from) = servers_of(slot, stages, options, &capacity);
    // The model sends every item through a waiting delay (those that did not wait with a
    // zero time): its rework is per pass, not per visit.
    let passes = if slot.wait_delay {
        sample.len()
    } else {
        visits_done
    };
    let mut rework_fit = rework(k, &seen.rework, names, passes);
    let revisit = if memory {
        let (done, censored) = sv.part(true, true);
        let later = Later {
            done,
            censored,
            zeros: sv.later_zeros,
            moves: seen.rework_later[k],
        };
        let ctx = (names[k].as_str(), slot.wait_delay, passes);
        Some(fit_revisit(later, ctx, &mut rework_fit, options, notes)?)
    } else {
        None
    };
    let release = if slot.delay {
        None
    } else {
        detect_release(&seen.starts[k], 0.0)
    };
    let mut station = Station::new(names[k].clone(), servers, service);
    if let Some(r) = &rework_fit {
        station = station.with_rework(r.to.clone(), r.probability);
    }
    let revisit_fit = revisit.map(|(r, f)| {
        station.revisit = Some(r);
        f
    });
    if let Some(r) = &release {
        station = station.with_batch(Batch::Scheduled {
            every_days: r.every_days,
            offset_days: r.offset_days,
            max: None,
        });
    }
    let visit = visit_probability(k, slot, &names[k], seen, notes);
    if visit < 1.0 {
        station = station.with_visit_probability(visit);
    }
    let fit = StationFit {
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
        people: capacity.people,
        rework: rework_fit,
        release,
        visit_probability: visit,
        revisit: revisit_fit,
    };
    Ok((station, fit))
}

/// A station's servers and where they came from: unlimited for a delay; else the
/// workflow's, or the people's when asked for and the log names them, or the most items
/// in service at once.
fn servers_of(
    slot: &Slot,
    stages: &[Stage],
    options: &FitOptions,
    capacity: &Capacity,
) -> (Servers, ServersFrom) {
    if slot.delay {
        return (Servers::Unlimited, ServersFrom::Delay);
    }
    match (stages[slot.service[0]].servers, &capacity.people) {
        (Some(c), _) => (Servers::Finite(c), ServersFrom::Workflow),
        (None, Some(p)) if options.servers == ServersBy::People => {
            (Servers::Finite(p.servers), ServersFrom::People)
        }
        (None, _) => (
            Servers::Finite(capacity.peak.max(1)),
            ServersFrom::PeakConcurrency,
        ),
    }
}

/// A station's services as observed: completed and open ones, each flagged when it is a
/// later visit, and the zero-time passes of a waiting delay (all, and the later ones).
struct Services {
    done: Vec<f64>,
    later: Vec<bool>,
    censored: Vec<f64>,
    censored_later: Vec<bool>,
    zeros: usize,
    later_zeros: usize,
}

impl Services {
    /// Station `k`'s, taken out of `seen`.
    fn take(seen: &mut Observed, k: usize) -> Services {
        Services {
            done: std::mem::take(&mut seen.services[k]),
            later: std::mem::take(&mut seen.services_later[k]),
            censored: std::mem::take(&mut seen.censored[k]),
            censored_later: std::mem::take(&mut seen.censored_later[k]),
            zeros: seen.zeros[k],
            later_zeros: seen.later_zeros[k],
        }
    }

    /// The completed and open services, in order: all of them (`apart` false), or only
    /// the later (`later`) or first visits.
    fn part(&self, apart: bool, later: bool) -> (Vec<f64>, Vec<f64>) {
        let pick = |values: &[f64], flags: &[bool]| -> Vec<f64> {
            values
                .iter()
                .zip(flags)
                .filter(|&(_, &l)| !apart || l == later)
                .map(|(&v, _)| v)
                .collect()
        };
        (
            pick(&self.done, &self.later),
            pick(&self.censored, &self.censored_later),
        )
    }
}

/// What the log shows of a station's later visits.
struct Later {
    /// Completed later services.
    done: Vec<f64>,
    /// Later services still open at the end of observation.
    censored: Vec<f64>,
    /// Later passes through a waiting delay without waiting.
    zeros: usize,
    /// Moves back after a later service.
    moves: usize,
}

/// A station's later visits fitted apart (`ctx`: its name, whether it is a waiting delay,
/// and the passes of its first visits): their service and rework; `rework_fit` is set to
/// the first visits' own rate and given the later one.
fn fit_revisit(
    later: Later,
    (name, wait_delay, passes): (&str, bool, usize),
    rework_fit: &mut Option<ReworkFit>,
    options: &FitOptions,
    notes: &mut Vec<String>,
) -> Result<(Revisit, RevisitFit)> {
    let mut sample = later.done;
    let visits = sample.len();
    sample.extend(std::iter::repeat_n(0.0, later.zeros));
    let later_passes = if wait_delay { sample.len() } else { visits };
    let sample = with_censored(sample, &later.censored, name, options, notes);
    let (m, cv) = mean_cv(&sample);
    let (service, ..) = service_distribution(&sample, m, cv, name, options, notes)?;
    let later_p = (later.moves as f64 / later_passes.max(1) as f64).min(0.95);
    if let Some(r) = rework_fit {
        // The first visits' rate: the moves after them over their passes.
        let moves_first = r.moves - later.moves.min(r.moves);
        r.probability = (moves_first as f64 / passes.max(1) as f64).min(0.95);
        r.later_probability = Some(later_p);
    }
    Ok((
        Revisit {
            service: Some(service),
            rework_probability: rework_fit.as_ref().map(|_| later_p),
        },
        RevisitFit {
            services: sample.len(),
            mean_days: m,
            cv,
        },
    ))
}

/// Later visits to a station are fitted apart only when there are at least this many of
/// them (and of first visits), completed.
const MIN_REVISITS: usize = 30;

/// The mean and coefficient of variation (sample standard deviation) of `sample`.
fn mean_cv(sample: &[f64]) -> (f64, f64) {
    let m = sample.iter().sum::<f64>() / sample.len().max(1) as f64;
    let sd = if sample.len() > 1 {
        (sample.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (sample.len() - 1) as f64).sqrt()
    } else {
        0.0
    };
    (m, if m > 0.0 { sd / m } else { 0.0 })
}

/// The service times of station `name`: the completed ones (`sample`) and, when some were
/// still open at the end of observation (`censored`, their durations so far), for
/// empirical services the Kaplan–Meier estimate from both
/// ([`crate::stats::kaplan_meier_sample`]): dropping the open ones would leave out the
/// longest services, and counting them as complete would shorten them. A parametric fit
/// uses the completed ones only, and says so.
fn with_censored(
    sample: Vec<f64>,
    censored: &[f64],
    name: &str,
    options: &FitOptions,
    notes: &mut Vec<String>,
) -> Vec<f64> {
    if censored.is_empty() {
        return sample;
    }
    let c = censored.len();
    if options.censoring == Censoring::Completed {
        notes.push(format!(
            "{name}: {} still open at the end of observation; its service times are the {} (open services taken as not a random sample)",
            plural(c as u64, "service was", "services were"),
            plural(sample.len() as u64, "completed one", "completed ones")
        ));
        return sample;
    }
    match options.service {
        ServiceModel::Empirical => {
            notes.push(format!(
                "{name}: {} still open at the end of observation; its service times are the Kaplan–Meier estimate from the {} completed and the {} right-censored",
                plural(c as u64, "service was", "services were"),
                sample.len(),
                c
            ));
            kaplan_meier_sample(&sample, censored)
        }
        ServiceModel::Parametric => {
            notes.push(format!(
                "{name}: {} still open at the end of observation and not in the parametric fit (long services are under-represented)",
                plural(c as u64, "service was", "services were")
            ));
            sample
        }
    }
}

/// The service distribution of a station (named `name`) whose service times are
/// `sample` (mean `m`, coefficient of variation `cv`): the sample itself, or the best
/// family, or deterministic; with its name and every family fitted.
fn service_distribution(
    sample: &[f64],
    m: f64,
    cv: f64,
    name: &str,
    options: &FitOptions,
    notes: &mut Vec<String>,
) -> Result<(Distribution, String, Vec<FamilyFit>)> {
    let empirical = || -> Result<(Distribution, String, Vec<FamilyFit>)> {
        Ok((
            Distribution::empirical(sample.to_vec())?,
            "empirical".to_owned(),
            Vec::new(),
        ))
    };
    let zero = sample.iter().filter(|x| **x <= 0.0).count();
    match options.service {
        ServiceModel::Empirical => empirical(),
        ServiceModel::Parametric if sample.len() > 1 && cv < 1e-9 => Ok((
            Distribution::deterministic(m)?,
            "deterministic".to_owned(),
            Vec::new(),
        )),
        // A family cannot describe a sample in which many services take no time (a
        // mixture): resample it.
        ServiceModel::Parametric if zero * 20 > sample.len() => {
            notes.push(format!(
                "{name}: {zero} of {} services took no time, which no parametric family describes; the observed times are resampled",
                sample.len()
            ));
            empirical()
        }
        ServiceModel::Parametric => {
            if let Some(families) = fit_families(sample) {
                let best = &families[0];
                let d = match best.family {
                    Family::Exponential => Distribution::exponential(best.mean_days)?,
                    Family::Lognormal => Distribution::lognormal(best.mean_days, best.cv)?,
                    Family::Gamma => Distribution::gamma(best.mean_days, best.cv)?,
                    Family::Weibull => Distribution::weibull(best.p1, best.p2)?,
                };
                if zero > 0 {
                    notes.push(format!(
                    "{name}: {zero} of {} services took no time and are not in the parametric fit",
                    sample.len()
                ));
                }
                let family = d_name(best.family);
                Ok((d, family, families))
            } else {
                notes.push(format!(
                "{name}: too few distinct service times for a parametric fit; the observed ones are resampled"
            ));
                empirical()
            }
        }
    }
}

/// Rework from station `k`: moves back / passes, to the most frequent target (the earliest
/// of equals), at most 0.95.
fn rework(k: usize, moves_to: &[Vec<usize>], names: &[String], passes: usize) -> Option<ReworkFit> {
    let n = moves_to.len();
    let moves: usize = moves_to[k].iter().sum();
    if moves == 0 {
        return None;
    }
    let to = (0..n)
        .max_by_key(|&t| (moves_to[k][t], std::cmp::Reverse(t)))
        .unwrap_or(k);
    let p = (moves as f64 / passes.max(1) as f64).min(0.95);
    Some(ReworkFit {
        to: names[to].clone(),
        probability: p,
        moves,
        later_probability: None,
    })
}

/// Moving forward, an item of the model stops at station `k` with the probability
/// observed: stops / (stops + passes), which counts the passes after rework too.
fn visit_probability(
    k: usize,
    slot: &Slot,
    name: &str,
    seen: &Observed,
    notes: &mut Vec<String>,
) -> f64 {
    let (skipped, done_items) = (seen.skipped[k], seen.done_items);
    if skipped == 0 || slot.wait_delay {
        1.0
    } else if skipped < done_items && seen.stops[k] > 0 {
        let (stops, passes) = (seen.stops[k], seen.passes_by[k]);
        let v = stops as f64 / (stops + passes) as f64;
        notes.push(format!(
            "{name}: {skipped} of {done_items} done items never visited it; moving forward, items stopped there {stops} times and passed it {passes} times, so in the model an item stops there with probability {v:.3}"
        ));
        v
    } else {
        notes.push(format!(
            "{name}: no done item visited it; the model sends every item through it"
        ));
        1.0
    }
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
