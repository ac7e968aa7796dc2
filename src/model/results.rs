//! What a simulation reports: per replication, and across replications with confidence
//! intervals.

use serde::Serialize;

use crate::stats::mean_ci;

/// The percentiles every simulation reports: p50, p85, p95.
pub(crate) const REPORTED: [f64; 3] = [50.0, 85.0, 95.0];

fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    mean_ci(values).0
}

/// One replication's measurements over the window `[warmup, horizon]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Replication {
    /// The replication's index (its random numbers depend only on the seed and this).
    pub index: u32,
    /// Mean cycle time of the items that finished in the window (NaN if none did).
    pub cycle_time_days_mean: f64,
    /// Cycle-time percentiles p50, p85, p95 (type 7).
    pub cycle_time_days_p: [f64; 3],
    /// Items finished per day.
    pub throughput_per_day: f64,
    /// Time-average number of items in the stream.
    pub wip_mean: f64,
    /// (Items in the stream at the end − at the start of the window) / window length.
    pub wip_growth_per_day: f64,
    /// Items finished in the window.
    pub items_done: u64,
    /// Item services simulated, warm-up included (an item served in a batch counts once).
    pub services: u64,
    /// Per station, in model order.
    pub stations: Vec<ReplicationStation>,
    /// Per class of work (in the model's order; empty without classes): mean cycle time
    /// (NaN if none finished) and items finished in the window.
    pub classes: Vec<(f64, u64)>,
}

/// One station in one replication.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ReplicationStation {
    /// Fraction of server time spent serving (`None` for unlimited servers).
    pub utilisation: Option<f64>,
    /// Time-average number of busy servers.
    pub busy_servers_mean: f64,
    /// Fraction of server time blocked by a full next station (0 without WIP limits).
    pub blocked: f64,
    /// Mean wait per visit, from joining the queue to the start of service.
    pub wait_days_mean: f64,
    /// Wait percentiles p50, p85, p95.
    pub wait_days_p: [f64; 3],
    /// Mean time per visit, from joining the queue to leaving the station.
    pub time_days_mean: f64,
    /// Time percentiles p50, p85, p95.
    pub time_days_p: [f64; 3],
    /// Time-average number of items waiting (not in service).
    pub queue_mean: f64,
    /// Time-average number of items in the station (waiting, in service or blocked).
    pub wip_mean: f64,
    /// Visits that ended per day.
    pub throughput_per_day: f64,
    /// (Items in the station at the end − at the start) / window length.
    pub queue_growth_per_day: f64,
}

/// Cycle time across replications.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CycleTimeStats {
    /// Mean of the replications' mean cycle times, in days.
    pub mean: f64,
    /// Its 95% confidence interval.
    pub ci95: Option<[f64; 2]>,
    /// Mean of the replications' medians.
    pub p50: f64,
    /// Mean of the replications' 85th percentiles.
    pub p85: f64,
    /// Mean of the replications' 95th percentiles.
    pub p95: f64,
}

/// Throughput across replications.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ThroughputStats {
    /// Items finished per day.
    pub per_day: f64,
    /// Its 95% confidence interval.
    pub ci95: Option<[f64; 2]>,
}

/// Work in progress across replications.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WipStats {
    /// Time-average number of items in the stream.
    pub mean: f64,
    /// Its 95% confidence interval.
    pub ci95: Option<[f64; 2]>,
    /// How fast the number of items in the stream grew, per day.
    pub growth_per_day: f64,
}

/// One station across replications.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StationStats {
    /// The station's name.
    pub name: String,
    /// Fraction of server time spent serving (`None` for unlimited servers).
    pub utilisation: Option<f64>,
    /// Its 95% confidence interval.
    pub utilisation_ci95: Option<[f64; 2]>,
    /// Time-average number of busy servers.
    pub busy_servers_mean: f64,
    /// Fraction of server time blocked by a full next station.
    pub blocked: f64,
    /// Mean wait per visit, in days.
    pub wait_days_mean: f64,
    /// Its 95% confidence interval.
    pub wait_days_ci95: Option<[f64; 2]>,
    /// Median wait (mean of the replications' medians).
    pub wait_days_p50: f64,
    /// 85th percentile of the wait.
    pub wait_days_p85: f64,
    /// 95th percentile of the wait.
    pub wait_days_p95: f64,
    /// Mean time per visit (wait, service, blocking), in days.
    pub time_days_mean: f64,
    /// Its 95% confidence interval.
    pub time_days_ci95: Option<[f64; 2]>,
    /// Median time per visit.
    pub time_days_p50: f64,
    /// 85th percentile of the time per visit.
    pub time_days_p85: f64,
    /// 95th percentile of the time per visit.
    pub time_days_p95: f64,
    /// Time-average number of items waiting.
    pub queue_mean: f64,
    /// Its 95% confidence interval.
    pub queue_ci95: Option<[f64; 2]>,
    /// Time-average number of items in the station.
    pub wip_mean: f64,
    /// Its 95% confidence interval.
    pub wip_ci95: Option<[f64; 2]>,
    /// Visits ended per day.
    pub throughput_per_day: f64,
    /// Visits per finished item (1 without rework).
    pub visits_per_item: f64,
    /// How fast the number of items in the station grew, per day.
    pub queue_growth_per_day: f64,
    /// Whether the station's queue grew over the window beyond noise (see
    /// [`SimResult::unstable`]).
    pub queue_grew: bool,
}

/// The result of a simulation: estimates across replications, with 95% confidence
/// intervals.
///
/// Means are means of the replications' means; percentiles are means of the replications'
/// percentiles (type 7: linear interpolation between closest ranks). Every statistic is
/// measured over the window `[warmup_days, horizon_days]` of each replication: time averages
/// over the window, and per-visit or per-item values for the visits and items that ended in
/// it.
///
/// # JSON
///
/// The serde form (what `valuestream simulate --json` prints at its top level) has these
/// keys, which are public API:
///
/// - `cycle_time_days.{mean, ci95, p50, p85, p95}`: cycle time (from entering the first station, or being pulled, to done);
/// - `throughput.{per_day, ci95}`: items finished per day;
/// - `wip.{mean, ci95, growth_per_day}`: items in the stream (time average);
/// - `stations[]`: `{name, utilisation, utilisation_ci95, busy_servers_mean, blocked,
///   wait_days_mean, wait_days_ci95, wait_days_p50, wait_days_p85, wait_days_p95,
///   time_days_mean, time_days_ci95, time_days_p50, time_days_p85, time_days_p95, queue_mean,
///   queue_ci95, wip_mean, wip_ci95, throughput_per_day, visits_per_item,
///   queue_growth_per_day, queue_grew}` (see [`StationStats`]);
/// - `seed`, `replications`, `horizon_days`, `warmup_days`, `items_done`, `services`,
///   `unstable`, `littles_law_relative_error`.
///
/// Every `ci95` is `[low, high]`, the 95% confidence interval of the mean across
/// replications (Student t with replications − 1 degrees of freedom), or `null` with a
/// single replication. A value that cannot be measured (no item finished) is `null`. The
/// replications themselves ([`SimResult::per_replication`]) are not serialised.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SimResult {
    /// The seed.
    pub seed: u64,
    /// The number of replications.
    pub replications: u32,
    /// The simulated time of each replication, in days.
    pub horizon_days: f64,
    /// The initial period left out of every statistic, in days.
    pub warmup_days: f64,
    /// Cycle time.
    pub cycle_time_days: CycleTimeStats,
    /// Throughput.
    pub throughput: ThroughputStats,
    /// Work in progress.
    pub wip: WipStats,
    /// Per station, in model order.
    pub stations: Vec<StationStats>,
    /// Items finished in the measured windows, all replications together.
    pub items_done: u64,
    /// Item services simulated, all replications and warm-ups included.
    pub services: u64,
    /// Whether the stream's WIP or a station's queue grew beyond noise over the window: the
    /// growth per day is positive, its confidence interval excludes 0 (with 2 replications
    /// or more), and it is at least 1% of the rate of arrivals (2% with one replication).
    /// A stable stream's queues do not grow; an unstable one's grow without bound. When no
    /// item finished in the measured window of any replication, the horizon is too short
    /// to judge (WIP only rises from an empty start): `false`, and
    /// [`SimResult::horizon_too_short`] says so.
    pub unstable: bool,
    /// |wip.mean − throughput × cycle time| / wip.mean: Little's law on the simulated output
    /// (small when the window is long compared with the cycle time); `None` (JSON `null`)
    /// when it cannot be measured (no item finished, or no work in progress).
    pub littles_law_relative_error: Option<f64>,
    /// Per class of work, in the model's order (empty without classes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassStats>,
    /// The replications, in index order (not serialised).
    #[serde(skip)]
    pub per_replication: Vec<Replication>,
}

/// One class of work across replications.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ClassStats {
    /// The class's name.
    pub name: String,
    /// Mean of the replications' mean cycle times of the class, days.
    pub cycle_time_days_mean: f64,
    /// Its 95% confidence interval.
    pub cycle_time_days_ci95: Option<[f64; 2]>,
    /// Items of the class finished per day.
    pub throughput_per_day: f64,
}

/// Each class's mean cycle time (with its interval) and throughput over replications.
fn class_stats(class_names: &[String], reps: &[Replication], window: f64) -> Vec<ClassStats> {
    class_names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let (m, ci) = mean_ci(reps.iter().map(|r| r.classes[k].0));
            ClassStats {
                name: name.clone(),
                cycle_time_days_mean: m,
                cycle_time_days_ci95: ci,
                throughput_per_day: mean(
                    reps.iter()
                        .map(|r| r.classes[k].1 as f64 / window)
                        .collect::<Vec<f64>>(),
                ),
            }
        })
        .collect()
}

/// The mean and 95% interval of a quantity that cannot be negative (a time, a count, a
/// utilisation): the interval's low end is held at 0, where the normal approximation would
/// cross it with few replications.
fn mean_ci_nonneg(values: impl IntoIterator<Item = f64>) -> (f64, Option<[f64; 2]>) {
    let (m, ci) = mean_ci(values);
    (m, ci.map(|[lo, hi]| [lo.max(0.0), hi.max(0.0)]))
}

/// Whether a growth rate is beyond noise (see [`SimResult::unstable`]).
fn grew(growth: &[f64], throughput: f64) -> bool {
    let (g, ci) = mean_ci(growth.iter().copied());
    let arrival_rate = throughput + g.max(0.0);
    match ci {
        Some([lo, _]) => g > 0.0 && lo > 0.0 && g >= 0.01 * arrival_rate,
        None => g > 0.0 && g >= 0.02 * arrival_rate,
    }
}

impl SimResult {
    /// Combines replications (in index order).
    pub(crate) fn aggregate(
        names: &[String],
        class_names: &[String],
        seed: u64,
        horizon_days: f64,
        warmup_days: f64,
        reps: Vec<Replication>,
    ) -> SimResult {
        let col = |f: &dyn Fn(&Replication) -> f64| reps.iter().map(f).collect::<Vec<f64>>();
        let (lt_mean, lt_ci) = mean_ci_nonneg(col(&|r| r.cycle_time_days_mean));
        let (tp, tp_ci) = mean_ci_nonneg(col(&|r| r.throughput_per_day));
        let (wip, wip_ci) = mean_ci_nonneg(col(&|r| r.wip_mean));
        let wip_growth = col(&|r| r.wip_growth_per_day);
        // With no item finished anywhere the stream cannot be judged (not overload).
        let judged = reps.iter().any(|r| r.items_done > 0);
        let mut unstable = judged && grew(&wip_growth, tp);
        let stages = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let scol = |f: &dyn Fn(&ReplicationStation) -> f64| {
                    reps.iter().map(|r| f(&r.stations[i])).collect::<Vec<f64>>()
                };
                let util = reps.iter().filter_map(|r| r.stations[i].utilisation);
                let (utilisation, utilisation_ci95) = if reps
                    .first()
                    .is_some_and(|r| r.stations[i].utilisation.is_some())
                {
                    let (m, ci) = mean_ci_nonneg(util);
                    (Some(m), ci)
                } else {
                    (None, None)
                };
                let (wait_days_mean, wait_days_ci95) = mean_ci_nonneg(scol(&|s| s.wait_days_mean));
                let (time_days_mean, time_days_ci95) = mean_ci_nonneg(scol(&|s| s.time_days_mean));
                let (queue_mean, queue_ci95) = mean_ci_nonneg(scol(&|s| s.queue_mean));
                let (wip_mean, wip_ci95) = mean_ci_nonneg(scol(&|s| s.wip_mean));
                let throughput_per_day = mean(scol(&|s| s.throughput_per_day));
                let growth = scol(&|s| s.queue_growth_per_day);
                let queue_grew = judged && grew(&growth, throughput_per_day);
                unstable |= queue_grew;
                StationStats {
                    name: name.clone(),
                    utilisation,
                    utilisation_ci95,
                    busy_servers_mean: mean(scol(&|s| s.busy_servers_mean)),
                    blocked: mean(scol(&|s| s.blocked)),
                    wait_days_mean,
                    wait_days_ci95,
                    wait_days_p50: mean(scol(&|s| s.wait_days_p[0])),
                    wait_days_p85: mean(scol(&|s| s.wait_days_p[1])),
                    wait_days_p95: mean(scol(&|s| s.wait_days_p[2])),
                    time_days_mean,
                    time_days_ci95,
                    time_days_p50: mean(scol(&|s| s.time_days_p[0])),
                    time_days_p85: mean(scol(&|s| s.time_days_p[1])),
                    time_days_p95: mean(scol(&|s| s.time_days_p[2])),
                    queue_mean,
                    queue_ci95,
                    wip_mean,
                    wip_ci95,
                    throughput_per_day,
                    visits_per_item: if tp > 0.0 {
                        throughput_per_day / tp
                    } else {
                        f64::NAN
                    },
                    queue_growth_per_day: mean(growth),
                    queue_grew,
                }
            })
            .collect();
        let littles_law_relative_error = Some(((wip - tp * lt_mean) / wip).abs())
            .filter(|e| judged && wip > 0.0 && e.is_finite());
        SimResult {
            seed,
            replications: reps.len() as u32,
            horizon_days,
            warmup_days,
            cycle_time_days: CycleTimeStats {
                mean: lt_mean,
                ci95: lt_ci,
                p50: mean(col(&|r| r.cycle_time_days_p[0])),
                p85: mean(col(&|r| r.cycle_time_days_p[1])),
                p95: mean(col(&|r| r.cycle_time_days_p[2])),
            },
            throughput: ThroughputStats {
                per_day: tp,
                ci95: tp_ci,
            },
            wip: WipStats {
                mean: wip,
                ci95: wip_ci,
                growth_per_day: mean(wip_growth),
            },
            stations: stages,
            items_done: reps.iter().map(|r| r.items_done).sum(),
            services: reps.iter().map(|r| r.services).sum(),
            unstable,
            littles_law_relative_error,
            classes: class_stats(class_names, &reps, horizon_days - warmup_days),
            per_replication: reps,
        }
    }

    /// Whether no item finished in the measured window of any replication: the horizon is
    /// too short for cycle times, throughput, Little's law or stability to mean anything.
    pub fn horizon_too_short(&self) -> bool {
        self.items_done == 0
    }

    /// The statistics of the class named `name`.
    pub fn class(&self, name: &str) -> Option<&ClassStats> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// The statistics of the station named `name`.
    pub fn station(&self, name: &str) -> Option<&StationStats> {
        self.stations.iter().find(|s| s.name == name)
    }
}
