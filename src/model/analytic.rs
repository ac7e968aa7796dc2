//! Analytic answers: traffic equations, Erlang C, Pollaczek–Khinchine, and Whitt's Queueing
//! Network Analyzer where nothing exact applies.

use serde::Serialize;

use super::{Arrivals, Batch, Distribution, Servers, Station, ValueStream};
use crate::error::Result;

/// How a station's answer was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Unlimited servers (M/G/∞): no wait, time = mean service. Exact.
    Delay,
    /// The first station of an unlimited backlog: a server starts new work as soon as it is
    /// free, so new work never waits.
    Pull,
    /// M/M/c: the Erlang C formula. Exact when arrivals at the station are Poisson, and in
    /// Jackson networks.
    ErlangC,
    /// M/G/1: the Pollaczek–Khinchine formula. Exact when arrivals at the station are Poisson.
    PollaczekKhinchine,
    /// G/G/c: the Allen–Cunneen two-moment approximation (with the Kraemer–Langenbach-Belz
    /// correction for one server), as in Whitt's QNA.
    AllenCunneen,
    /// A scheduled release: the wait until the next release, T/2, plus the service.
    ScheduledRelease,
    /// Fixed-size batches: the wait to fill a batch, plus a G/G/c queue of batches.
    BatchSize,
    /// Work arrives in batches (from a batching station): the wait behind the earlier items of
    /// the same batch, plus a G/G/1 queue of batches served at c times the rate.
    BulkArrivals,
    /// Utilisation ≥ 1: no steady state; the queue grows.
    Unstable,
}

/// The analytic answer for one station.
///
/// Rates are per day, times in days. `None` means "no steady state" (the station, or one it
/// depends on, is overloaded) or "not applicable" (the utilisation of unlimited servers).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StationAnalysis {
    /// The station's name.
    pub name: String,
    /// The rate at which work reaches the station (rework included), from the traffic
    /// equations.
    pub arrival_rate_per_day: f64,
    /// The rate at which work leaves it (its arrival rate, or its capacity if overloaded).
    pub throughput_per_day: f64,
    /// Mean visits per finished item (1/(1 − p) for a station that sends work back to itself
    /// with probability p).
    pub visits_per_item: f64,
    /// The most items per day it can serve (`None` if unbounded).
    pub capacity_per_day: Option<f64>,
    /// Offered load: arrival rate × mean service / servers (for batches, per batch; for a
    /// scheduled release, the fraction of server time busy). ≥ 1 means overloaded.
    pub utilisation: Option<f64>,
    /// Whether the station has a steady state (utilisation < 1).
    pub stable: bool,
    /// How many items per day its queue grows by (0 when stable).
    pub queue_growth_per_day: f64,
    /// Mean wait per visit before service starts.
    pub wait_days_mean: Option<f64>,
    /// Mean time per visit (wait + service).
    pub time_days_mean: Option<f64>,
    /// Mean number waiting (Little's law: arrival rate × wait).
    pub queue_mean: Option<f64>,
    /// Mean number in the station (arrival rate × time).
    pub wip_mean: Option<f64>,
    /// Squared coefficient of variation of the arrivals at the station (QNA).
    pub arrival_scv: f64,
    /// Squared coefficient of variation of the departures from the station (QNA).
    pub departure_scv: f64,
    /// How the answer was computed.
    pub method: Method,
    /// Whether the answer is exact (queueing theory, not an approximation).
    pub exact: bool,
    /// Why the approximation may be poor here, if it may.
    pub warnings: Vec<String>,
}

/// Analytic answers for a value stream: per station and end to end.
///
/// JSON keys (`valuestream simulate --json`, under `analytic`, public API):
/// `cycle_time_days_mean`, `exact`, `stable`, `throughput_per_day`, `wip_mean`, `warnings`,
/// and `stations[]` with `name`, `arrival_rate_per_day`, `throughput_per_day`,
/// `visits_per_item`, `capacity_per_day`, `utilisation`, `stable`, `queue_growth_per_day`,
/// `wait_days_mean`, `time_days_mean`, `queue_mean`, `wip_mean`, `arrival_scv`,
/// `departure_scv`, `method`, `exact`, `warnings`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Analysis {
    /// Mean cycle time, Σ visits × mean time per visit (`None` if a station is overloaded).
    pub cycle_time_days_mean: Option<f64>,
    /// Whether the cycle time is exact: every station's answer is.
    pub exact: bool,
    /// Whether every station is stable.
    pub stable: bool,
    /// Items finished per day (the arrival rate when stable; with an overloaded station or an
    /// unlimited backlog, what the stations let through).
    pub throughput_per_day: f64,
    /// Mean items in the stream (Little's law; `None` if a station is overloaded).
    pub wip_mean: Option<f64>,
    /// Per station, in model order.
    pub stations: Vec<StationAnalysis>,
    /// Overloaded stations, WIP limits ignored, approximations known to be poor.
    pub warnings: Vec<String>,
}

impl Analysis {
    /// The answer for the station named `name`.
    pub fn station(&self, name: &str) -> Option<&StationAnalysis> {
        self.stations.iter().find(|s| s.name == name)
    }

    /// The model's bottleneck: the station with the highest utilisation (the offered load,
    /// above 1 for an overloaded station; the last of equals), among those with finite
    /// servers. `None` if every station has unlimited servers.
    ///
    /// # Examples
    ///
    /// ```
    /// use valuestream::{Arrivals, Distribution, Servers, Station, ValueStream, analyze};
    ///
    /// let model = ValueStream::new(
    ///     Arrivals::poisson(1.0)?,
    ///     vec![
    ///         Station::new("Dev", Servers::Finite(2), Distribution::exponential(1.5)?),
    ///         Station::new("Test", Servers::Finite(1), Distribution::exponential(0.9)?),
    ///     ],
    /// )?;
    /// let b = analyze(&model)?.bottleneck().map(|s| (s.name.clone(), s.utilisation));
    /// assert_eq!(b, Some(("Test".to_owned(), Some(0.9))));
    /// # Ok::<(), valuestream::Error>(())
    /// ```
    pub fn bottleneck(&self) -> Option<&StationAnalysis> {
        self.stations
            .iter()
            .filter_map(|s| s.utilisation.map(|u| (u, s)))
            .max_by(|x, y| x.0.total_cmp(&y.0))
            .map(|(_, s)| s)
    }
}

/// Answers what queueing theory can answer about `model`.
///
/// # Formula
///
/// 1. **Traffic equations** (Jackson 1957): the arrival rate at station i is
///    λᵢ = γᵢ + Σⱼ λⱼ Pⱼᵢ, where γ is the external arrival rate and P the routing (forward
///    with probability 1 − p, back to the rework target with p; moving forward, work stops
///    at a station with its visit probability v and otherwise passes on, so that from j it
///    reaches t > j with (1 − p) Π_{j<u<t} (1 − vᵤ) v_t, and new work first stops at i with
///    γᵢ = γ Π_{u<i} (1 − vᵤ) vᵢ). Solved exactly (Gaussian
///    elimination). An overloaded station (λᵢ ≥ capacity cᵢ/E\[Sᵢ\]) passes on only its capacity;
///    its queue grows at λᵢ − capacity per day. With an unlimited backlog the first station
///    runs at capacity.
/// 2. **Per station**, with ρ = λE\[S\]/c and the squared coefficients of variation of arrivals
///    c²ₐ and service c²ₛ:
///    - unlimited servers: W_q = 0 (M/G/∞, exact);
///    - M/M/c: W_q = C(c, λE\[S\]) · E\[S\] / (c(1 − ρ)), with the Erlang C probability of waiting
///      computed stably from the Erlang B recursion B₀ = 1, Bₖ = aBₖ₋₁/(k + aBₖ₋₁),
///      C = B_c / (1 − ρ(1 − B_c)) (exact for Poisson arrivals and in Jackson networks);
///    - M/G/1: W_q = ρ E\[S\] (1 + c²ₛ) / (2(1 − ρ)) (Pollaczek–Khinchine, exact for Poisson
///      arrivals);
///    - otherwise W_q ≈ W_q(M/M/c) · (c²ₐ + c²ₛ)/2 (Allen–Cunneen 1990), multiplied for one
///      server with c²ₐ < 1 by exp(−2(1 − ρ)(1 − c²ₐ)² / (3ρ(c²ₐ + c²ₛ))) (Kraemer and
///      Langenbach-Belz 1976), as in Whitt (1983), "The Queueing Network Analyzer", Bell
///      System Technical Journal 62(9);
///    - scheduled release every T: W_q = T/2 (exact when every release finds a server free
///      and takes all that waits: no `max`, service never longer than T, the only batching
///      station, arrivals not on a lattice);
///    - batches of b: W_q ≈ (b − 1)/(2λ) to fill the batch + W_q of a G/G/c queue of batches
///      with rate λ/b and c²ₐ/b.
/// 3. **Variability between stations** (QNA): departures
///    c²_d = 1 + (1 − ρ²)(c²ₐ − 1) + ρ²(c²ₛ − 1)/√c (the linking equation); a split with
///    probability q gives q c²_d + 1 − q; merged flows give
///    c²ₐ = w Σₖ (λₖ/λ) c²ₖ + 1 − w with w = 1/(1 + 4(1 − ρ)²(ν − 1)), ν = 1/Σₖ(λₖ/λ)². A
///    batch of b leaving together has item-interval c² = b(c²_d + 1) − 1; a scheduled
///    release of Poisson-like work λT(2 − q)/q − 1 with q = 1 − e^(−λT). With rework loops
///    these equations are solved by fixed-point iteration.
/// 4. **End to end**: cycle time = Σᵢ (λᵢ/λ) (W_qᵢ + E\[Sᵢ\]); WIP by Little's law.
///
/// An answer is **exact** for Jackson networks (Poisson arrivals, exponential service or
/// unlimited servers, no batches, no WIP limits), for M/G/1 and M/M/c stations whose arrivals
/// are Poisson (every station before them is exponential or a delay, and no rework returns
/// through them), for delays, and for scheduled releases as above. Everything else is an
/// approximation. Known-poor cases are flagged: low-variability service (c²ₛ < 0.5, such as
/// deterministic), where QNA-type approximations overestimate waits by 50–135%; arrivals in
/// batches from an upstream batching station; WIP limits, whose blocking the analytic answer
/// ignores (it answers for the stream without limits).
///
/// # Examples
///
/// ```
/// use valuestream::{Arrivals, Distribution, Method, Servers, Station, ValueStream, analyze};
///
/// // M/M/1 at 90% load: mean cycle time 1/(µ − λ) = 10 days, exactly.
/// let model = ValueStream::new(
///     Arrivals::poisson(0.9)?,
///     vec![Station::new("Dev", Servers::Finite(1), Distribution::exponential(1.0)?)],
/// )?;
/// let a = analyze(&model)?;
/// assert!(a.exact && (a.cycle_time_days_mean.unwrap() - 10.0).abs() < 1e-9);
/// assert_eq!(a.stations[0].method, Method::ErlangC);
/// # Ok::<(), valuestream::Error>(())
/// ```
///
/// # Errors
///
/// [`crate::Error::Model`] if the model is invalid ([`ValueStream::validate`]).
pub fn analyze(model: &ValueStream) -> Result<Analysis> {
    model.validate()?;
    let availability = model
        .calendar
        .as_ref()
        .filter(|c| !c.always())
        .map(super::Calendar::availability);
    let weekly = matches!(model.arrivals, Arrivals::Weekly { .. });
    let Some(a) = availability else {
        let mut out = analyze_clock(model)?;
        if weekly {
            out.exact = false;
            out.stations.iter_mut().for_each(|s| s.exact = false);
            out.warnings.push(WEEKLY_WARNING.to_owned());
        }
        return Ok(out);
    };
    let stretched = on_the_clock(model, a)?;
    let mut out = analyze_clock(&stretched)?;
    out.exact = false;
    out.stations.iter_mut().for_each(|s| s.exact = false);
    let on: Vec<&str> = model
        .stations
        .iter()
        .filter(|s| s.on_calendar())
        .map(|s| s.name.as_str())
        .collect();
    out.warnings.push(format!(
        "{} work on a calendar available {:.0}% of the week: their capacity is scaled by that share (utilisation is busy working time over working time), and their waits are an approximation that spreads the working hours evenly over the week; the simulation follows the calendar hour by hour",
        on.join(", "),
        a * 100.0
    ));
    if weekly {
        out.warnings.push(WEEKLY_WARNING.to_owned());
    }
    Ok(out)
}

/// What the analysis says of weekly arrivals.
const WEEKLY_WARNING: &str = "the arrivals follow a weekly rhythm: the analysis uses their mean rate, as Poisson arrivals at that rate; the queues the rhythm builds up are not in it (the simulation has them)";

/// The model with the service of each station on the calendar stretched to clock time:
/// a station available `a` of the week serves at `a` times its rate.
fn on_the_clock(model: &ValueStream, a: f64) -> Result<ValueStream> {
    let mut m = model.clone();
    m.calendar = None;
    let f = 1.0 / a;
    let on: Vec<String> = model
        .stations
        .iter()
        .filter(|s| s.on_calendar())
        .map(|s| s.name.clone())
        .collect();
    for st in m.stations.iter_mut().filter(|s| on.contains(&s.name)) {
        st.service = st.service.scaled(f)?;
        if let Some(d) = st.revisit.as_mut().and_then(|r| r.service.as_mut()) {
            *d = d.scaled(f)?;
        }
    }
    for class in &mut m.classes {
        for (name, cs) in &mut class.stations {
            if !on.contains(name) {
                continue;
            }
            if let Some(d) = &mut cs.service {
                *d = d.scaled(f)?;
            }
            if let Some(d) = cs.revisit.as_mut().and_then(|r| r.service.as_mut()) {
                *d = d.scaled(f)?;
            }
        }
    }
    Ok(m)
}

/// The analysis of a model whose stations all work around the clock.
fn analyze_clock(model: &ValueStream) -> Result<Analysis> {
    if model.classes.is_empty() && model.stations.iter().all(|s| s.revisit.is_none()) {
        return Ok(Network::new(model).analyze());
    }
    let (agg, routing) = aggregate(model)?;
    let mut net = Network::new(&agg);
    (net.p, net.exit, net.ext, net.ext_exit) = routing;
    let mut a = net.analyze();
    a.exact = false;
    for s in &mut a.stations {
        s.exact = false;
    }
    a.warnings.push(
        "the classes of work and later visits are aggregated into one kind of work: the flows and utilisations are exact, each station's service is the mix of its classes' and visits' (same mean and variance), its waits an approximation; the simulation answers exactly"
            .to_owned(),
    );
    Ok(a)
}

/// A class's stations with their later visits folded in: memoryless rework with the same
/// mean number of services per entry, and each station's service mean and second moment
/// over its first and later visits.
fn fold_revisits(stations: Vec<Station>) -> (Vec<Station>, Vec<(f64, f64)>) {
    let moments_of = |d: &Distribution| (d.mean(), d.mean().powi(2) * (1.0 + d.scv()));
    let mut moments = Vec::with_capacity(stations.len());
    let folded = stations
        .into_iter()
        .map(|mut s| {
            let (mean, second) = moments_of(&s.service);
            match (s.revisit.take(), &mut s.rework) {
                (Some(r), Some(rw)) => {
                    let p1 = rw.probability;
                    let p2 = r.rework_probability.unwrap_or(p1);
                    let v = 1.0 + p1 / (1.0 - p2);
                    rw.probability = 1.0 - 1.0 / v;
                    let (lm, ls) = moments_of(r.service.as_ref().unwrap_or(&s.service));
                    moments.push(((mean + (v - 1.0) * lm) / v, (second + (v - 1.0) * ls) / v));
                }
                _ => moments.push((mean, second)),
            }
            s
        })
        .collect();
    (folded, moments)
}

/// The routing of a [`Network`]: `p`, `exit`, `ext`, `ext_exit`.
type Routing = (Vec<Vec<f64>>, Vec<f64>, Vec<f64>, f64);

/// A model with classes or later visits as one kind of memoryless work with the same
/// flows: each class's later visits folded into its routing (a station whose rework goes
/// back with p₁ after a first visit and p₂ after a later one is served 1 + p₁/(1 − p₂)
/// times per entry, which a memoryless rework of p₁/(1 − p₂ + p₁) gives too, with the
/// mixed service time); then the classes' routings mixed with the weights of their flows
/// through each station (which keeps every station's flow), and their service times
/// mixed the same way (mean and second moment).
fn aggregate(model: &ValueStream) -> Result<(ValueStream, Routing)> {
    let n = model.stations.len();
    let views: Vec<(f64, Vec<Station>)> = if model.classes.is_empty() {
        vec![(1.0, model.stations.clone())]
    } else {
        (0..model.classes.len())
            .map(|c| (model.classes[c].share, model.stations_for(Some(c))))
            .collect()
    };
    let mut p = vec![vec![0.0; n]; n];
    let mut exit = vec![0.0; n];
    let mut ext = vec![0.0; n];
    let mut ext_exit = 0.0;
    let mut weight = vec![0.0; n];
    let mut m1 = vec![0.0; n];
    let mut m2 = vec![0.0; n];
    for (share, stations) in views {
        let (folded, moments) = fold_revisits(stations);
        let view = ValueStream {
            arrivals: Arrivals::Poisson { rate_per_day: 1.0 },
            stations: folded,
            classes: Vec::new(),
            calendar: None,
        };
        let net = Network::new(&view);
        let mut a = vec![vec![0.0; n]; n];
        for (i, row) in a.iter_mut().enumerate() {
            row[i] += 1.0;
            for (cell, from) in row.iter_mut().zip(&net.p) {
                *cell -= from[i];
            }
        }
        let visits = solve(a, net.ext.clone());
        for j in 0..n {
            let w = share * visits[j];
            weight[j] += w;
            for (to, q) in p[j].iter_mut().zip(&net.p[j]) {
                *to += w * q;
            }
            exit[j] += w * net.exit[j];
            m1[j] += w * moments[j].0;
            m2[j] += w * moments[j].1;
            ext[j] += share * net.ext[j];
        }
        ext_exit += share * net.ext_exit;
    }
    let mut stations = Vec::with_capacity(n);
    for (j, s) in model.stations.iter().enumerate() {
        let w = weight[j];
        let (mean, second) = if w > 0.0 {
            for q in &mut p[j] {
                *q /= w;
            }
            exit[j] /= w;
            (m1[j] / w, m2[j] / w)
        } else {
            exit[j] = 1.0;
            let m = s.service.mean();
            (m, m * m * (1.0 + s.service.scv()))
        };
        let scv = if mean > 0.0 {
            (second / (mean * mean) - 1.0).max(0.0)
        } else {
            0.0
        };
        let service = if mean <= 0.0 || scv < 1e-9 {
            Distribution::deterministic(mean.max(0.0))?
        } else if (scv - 1.0).abs() < 1e-9 {
            Distribution::exponential(mean)?
        } else {
            Distribution::gamma(mean, scv.sqrt())?
        };
        let mut st = s.clone();
        st.service = service;
        st.rework = None;
        st.revisit = None;
        st.visit_probability = 1.0;
        stations.push(st);
    }
    let agg = ValueStream {
        arrivals: model.arrivals.clone(),
        stations,
        classes: Vec::new(),
        calendar: model.calendar.clone(),
    };
    Ok((agg, (p, exit, ext, ext_exit)))
}

/// The routing and per-station parameters.
struct Network<'a> {
    model: &'a ValueStream,
    n: usize,
    pull: bool,
    /// `p[j][i]`: probability that work finished at j goes to i.
    p: Vec<Vec<f64>>,
    /// Probability that work finished at j leaves the stream.
    exit: Vec<f64>,
    /// Probability that new work first stops at i (every station before it passed by).
    ext: Vec<f64>,
    /// Probability that new work passes every station by.
    ext_exit: f64,
    cap: Vec<f64>,
}

/// A station's service is exponential (so M/M/c formulas apply).
fn exponential(d: &Distribution) -> bool {
    match *d {
        Distribution::Exponential { .. } => true,
        Distribution::Erlang { k, .. } => k == 1,
        Distribution::Gamma { cv, .. } => cv == 1.0,
        Distribution::Weibull { shape, .. } => shape == 1.0,
        _ => false,
    }
}

/// The most items per day a station can serve (∞ if unbounded).
fn capacity(s: &Station) -> f64 {
    let es = s.service.mean();
    let Servers::Finite(c) = s.servers else {
        return f64::INFINITY;
    };
    match s.batch {
        None => {
            let c = f64::from(c.min(s.wip_limit.unwrap_or(u32::MAX)));
            if es > 0.0 { c / es } else { f64::INFINITY }
        }
        Some(Batch::Size { size }) => {
            if es > 0.0 {
                f64::from(c) * f64::from(size) / es
            } else {
                f64::INFINITY
            }
        }
        Some(Batch::Scheduled {
            every_days,
            max: Some(m),
            ..
        }) => f64::from(c) * f64::from(m) / (every_days * (es / every_days).ceil().max(1.0)),
        Some(Batch::Scheduled { max: None, .. }) => f64::INFINITY,
    }
}

/// The Erlang C probability that an arrival waits in M/M/c with offered load `a` = λE\[S\]
/// (< c), from the Erlang B recursion (no factorials, no overflow).
pub(crate) fn erlang_c(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(c);
    b / (1.0 - rho * (1.0 - b))
}

/// Mean wait in a G/G/c queue by Allen–Cunneen (with the KLB correction for c = 1); exact
/// for M/M/c (c²ₐ = c²ₛ = 1) and M/G/1 (c²ₐ = 1, c = 1).
fn wait_ggc(lambda: f64, es: f64, c: u32, ca2: f64, cs2: f64) -> f64 {
    if lambda <= 0.0 || es <= 0.0 {
        return 0.0;
    }
    let cf = f64::from(c);
    let a = lambda * es;
    let rho = a / cf;
    let wq_mmc = erlang_c(c, a) * es / (cf * (1.0 - rho));
    let factor = f64::midpoint(ca2, cs2);
    let mut w = wq_mmc * factor;
    if c == 1 && ca2 < 1.0 && ca2 + cs2 > 0.0 {
        w *= (-2.0 * (1.0 - rho) * (1.0 - ca2).powi(2) / (3.0 * rho * (ca2 + cs2))).exp();
    }
    w
}

/// The QNA linking equation: squared CV of departures.
fn linking(rho: f64, ca2: f64, cs2: f64, c: f64) -> f64 {
    let r2 = rho.min(1.0).powi(2);
    1.0 + (1.0 - r2) * (ca2 - 1.0) + r2 * (cs2 - 1.0) / c.sqrt()
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting (n is small). The
/// matrices built here (I − Pᵀ with P substochastic and exit reachable) are nonsingular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        let d = a[col][col];
        if d == 0.0 {
            continue;
        }
        for row in col + 1..n {
            let f = a[row][col] / d;
            if f != 0.0 {
                let (upper, lower) = a.split_at_mut(row);
                for (x, p) in lower[0][col..].iter_mut().zip(&upper[col][col..]) {
                    *x -= f * p;
                }
                b[row] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = if a[row][row] == 0.0 {
            0.0
        } else {
            (b[row] - s) / a[row][row]
        };
    }
    x
}

/// Flows through the network: arrival rate and departure rate per station, and the external
/// arrival rate.
struct Flows {
    inflow: Vec<f64>,
    outflow: Vec<f64>,
    external: f64,
}

/// What the model's shape says about which formulas are exact.
struct Regime {
    any_wip_limit: bool,
    /// How many stations batch.
    batching: usize,
    /// A Jackson network: every answer is exact.
    jackson: bool,
    /// Per station: whether its arrivals are a Poisson process.
    poisson_in: Vec<bool>,
    /// Arrivals at regular or resampled gaps (a scheduled release is then not T/2).
    lattice_arrivals: bool,
}

/// What the per-station answers are computed from.
struct State {
    flows: Flows,
    throughput: f64,
    regime: Regime,
    util: Vec<Option<f64>>,
    stable: Vec<bool>,
    ca2: Vec<f64>,
    cd2: Vec<f64>,
}

/// The wait at a station that releases work every `every_days` (at most `max` items per
/// server): T/2 until the next release.
fn release_wait(
    s: &Station,
    every_days: f64,
    max: Option<u32>,
    servers: Servers,
    r: &Regime,
    pull: bool,
    notes: &mut Vec<String>,
) -> (Method, Option<f64>, bool) {
    let es = s.service.mean();
    let bounded = s.service.max().is_some_and(|m| m <= every_days);
    let exact_here = max.is_none()
        && bounded
        && r.batching == 1
        && !r.any_wip_limit
        && !r.lattice_arrivals
        && !pull;
    // A release that finds every server busy is missed: with service longer than the
    // period, releases are effectively rarer.
    let c = f64::from(servers.count().unwrap_or(u32::MAX));
    let period = every_days * (es / (every_days * c)).ceil().max(1.0);
    if max.is_some() {
        notes.push(format!(
            "releases at {:?} take at most {} per server; the analytic wait ignores items left for later releases",
            s.name,
            crate::stats::plural(u64::from(max.unwrap_or(0)), "item", "items")
        ));
    } else if !bounded {
        notes.push(format!(
            "service at {:?} can outlast the release period; the analytic wait ignores missed releases",
            s.name
        ));
    }
    (Method::ScheduledRelease, Some(period / 2.0), exact_here)
}

/// The answers end to end: cycle time Σ (λᵢ/λ) × time per visit, WIP by Little's law.
fn end_to_end(results: Vec<StationAnalysis>, mut warnings: Vec<String>, st: &State) -> Analysis {
    let throughput = st.throughput;
    if st.regime.any_wip_limit && !warnings.iter().any(|w| w.contains("WIP limit")) {
        warnings.push(
            "WIP limits are ignored by the analytic answer (blocking has no closed form); it answers for the stream without limits"
                .to_owned(),
        );
    }
    let all_stable = st.stable.iter().all(|s| *s);
    let cycle = if all_stable && throughput > 0.0 {
        Some(
            results
                .iter()
                .map(|r| r.throughput_per_day / throughput * r.time_days_mean.unwrap_or(f64::NAN))
                .sum::<f64>(),
        )
    } else {
        None
    };
    Analysis {
        cycle_time_days_mean: cycle,
        exact: all_stable && results.iter().all(|r| r.exact),
        stable: all_stable,
        throughput_per_day: throughput,
        wip_mean: cycle.map(|l| l * throughput),
        stations: results,
        warnings,
    }
}

impl<'a> Network<'a> {
    fn new(model: &'a ValueStream) -> Network<'a> {
        let n = model.stations.len();
        // Where work moving forward to position k stops: station t ≥ k with probability
        // Π_{k ≤ u < t} (1 − vᵤ) · v_t, or nowhere (it leaves) with Π_{u ≥ k} (1 − vᵤ).
        let forward = |k: usize| -> (Vec<f64>, f64) {
            let mut to = vec![0.0; n];
            let mut pass = 1.0;
            for (t, s) in model.stations.iter().enumerate().skip(k) {
                to[t] = pass * s.visit_probability;
                pass *= 1.0 - s.visit_probability;
            }
            (to, pass)
        };
        let mut p = vec![vec![0.0; n]; n];
        let mut exit = vec![0.0; n];
        for (j, s) in model.stations.iter().enumerate() {
            let (to, pr) = s
                .rework
                .as_ref()
                .and_then(|r| Some((model.station_index(&r.to)?, r.probability)))
                .unwrap_or((j, 0.0));
            let (ahead, out) = forward(j + 1);
            for (t, q) in ahead.iter().enumerate() {
                p[j][t] += (1.0 - pr) * q;
            }
            exit[j] += (1.0 - pr) * out;
            p[j][to] += pr;
        }
        let (ext, ext_exit) = forward(0);
        Network {
            model,
            n,
            pull: matches!(model.arrivals, Arrivals::Backlog),
            p,
            exit,
            ext,
            ext_exit,
            cap: model.stations.iter().map(capacity).collect(),
        }
    }

    /// The traffic equations with saturation: an overloaded station passes on its capacity.
    fn flows(&self) -> Flows {
        let n = self.n;
        let gamma0 = self.model.arrivals.rate_per_day().unwrap_or(0.0);
        let mut saturated = vec![false; n];
        if self.pull {
            saturated[0] = true;
        }
        loop {
            let mut a = vec![vec![0.0; n]; n];
            let mut b: Vec<f64> = self.ext.iter().map(|e| gamma0 * e).collect();
            for (i, row) in a.iter_mut().enumerate() {
                row[i] += 1.0;
                for j in 0..n {
                    if saturated[j] {
                        b[i] += self.p[j][i] * self.cap[j];
                    } else {
                        row[j] -= self.p[j][i];
                    }
                }
            }
            let mut inflow = solve(a, b);
            let mut external = gamma0;
            if self.pull {
                // New work makes up what rework does not fill.
                external = (self.cap[0] - inflow[0]).max(0.0);
                inflow[0] = self.cap[0];
            }
            let outflow: Vec<f64> = (0..n)
                .map(|j| if saturated[j] { self.cap[j] } else { inflow[j] })
                .collect();
            match (0..n).find(|&i| !saturated[i] && inflow[i] >= self.cap[i]) {
                Some(i) => saturated[i] = true,
                None => {
                    return Flows {
                        inflow,
                        outflow,
                        external,
                    };
                }
            }
        }
    }

    fn analyze(&self) -> Analysis {
        let n = self.n;
        let stations = &self.model.stations;
        let flows = self.flows();
        // Work that passes every station by leaves as it arrives.
        let throughput: f64 = (0..n).map(|j| flows.outflow[j] * self.exit[j]).sum::<f64>()
            + flows.external * self.ext_exit;
        let regime = self.regime();
        // Utilisation and stability.
        let util: Vec<Option<f64>> = stations
            .iter()
            .enumerate()
            .map(|(i, s)| self.utilisation(i, s, flows.inflow[i]))
            .collect();
        let stable: Vec<bool> = (0..n)
            .map(|i| (self.pull && i == 0) || flows.inflow[i] < self.cap[i])
            .collect();
        let (ca2, cd2) = self.variability(&flows, &util, &stable);
        let state = State {
            flows,
            throughput,
            regime,
            util,
            stable,
            ca2,
            cd2,
        };
        let mut warnings = Vec::new();
        let results: Vec<StationAnalysis> = stations
            .iter()
            .enumerate()
            .map(|(i, s)| self.station(i, s, &state, &mut warnings))
            .collect();
        end_to_end(results, warnings, &state)
    }

    /// What the model's shape says about which formulas are exact.
    fn regime(&self) -> Regime {
        let n = self.n;
        let stations = &self.model.stations;
        let any_wip_limit = stations.iter().any(|s| s.wip_limit.is_some());
        let batching = stations.iter().filter(|s| s.batch.is_some()).count();
        // Work enters as a Poisson process: Poisson arrivals, or an unlimited backlog pulled
        // by exponential servers that are always busy (their output is Poisson).
        let first = usize::from(self.pull);
        let poisson = match self.model.arrivals {
            Arrivals::Poisson { .. } => true,
            Arrivals::Backlog => exponential(&stations[0].service),
            Arrivals::Renewal { .. } | Arrivals::Trace { .. } | Arrivals::Weekly { .. } => false,
        };
        // Stations that keep Poisson flows Poisson (Burke; M/G/∞ output).
        let preserving = |s: &Station| {
            s.batch.is_none() && (s.servers == Servers::Unlimited || exponential(&s.service))
        };
        let jackson = poisson && !any_wip_limit && stations[first..].iter().all(preserving);
        // Arrivals at i are Poisson: every station before it preserves Poisson flows and no
        // rework from i or later returns to i or earlier.
        let poisson_in: Vec<bool> = (0..n)
            .map(|i| {
                poisson
                    && !any_wip_limit
                    && i >= first
                    && stations[first..i].iter().all(preserving)
                    && (i..n).all(|k| (first..=i).all(|t| self.p[k][t] == 0.0))
            })
            .collect();
        let lattice_arrivals = matches!(
            &self.model.arrivals,
            Arrivals::Renewal {
                interarrival: Distribution::Deterministic { .. } | Distribution::Empirical { .. }
            }
        );
        Regime {
            any_wip_limit,
            batching,
            jackson,
            poisson_in,
            lattice_arrivals,
        }
    }

    /// Variability: the fixed point of the QNA equations, the squared CVs of the arrivals
    /// at and the departures from each station.
    fn variability(
        &self,
        flows: &Flows,
        util: &[Option<f64>],
        stable: &[bool],
    ) -> (Vec<f64>, Vec<f64>) {
        let n = self.n;
        let stations = &self.model.stations;
        let ext_scv = self.model.arrivals.scv().unwrap_or(1.0);
        let mut ca2 = vec![1.0; n];
        let mut cd2 = vec![1.0; n];
        for _ in 0..10_000 {
            let mut change: f64 = 0.0;
            for i in 0..n {
                let mut parts: Vec<(f64, f64)> = Vec::with_capacity(n + 1);
                let q = self.ext[i];
                if !self.pull && flows.external > 0.0 && q > 0.0 {
                    parts.push((flows.external * q, q * ext_scv + 1.0 - q));
                }
                for (j, d) in cd2.iter().enumerate() {
                    let q = self.p[j][i];
                    let r = flows.outflow[j] * q;
                    if r > 0.0 {
                        parts.push((r, q * d + 1.0 - q));
                    }
                }
                let total: f64 = parts.iter().map(|p| p.0).sum();
                let a = if total > 0.0 {
                    let mixed: f64 = parts.iter().map(|(r, c)| r / total * c).sum();
                    let nu = 1.0 / parts.iter().map(|(r, _)| (r / total).powi(2)).sum::<f64>();
                    let rho = util[i].unwrap_or(0.0).min(1.0);
                    let w = 1.0 / (1.0 + 4.0 * (1.0 - rho).powi(2) * (nu - 1.0));
                    w * mixed + 1.0 - w
                } else {
                    1.0
                };
                let d = self.departure_scv(i, &stations[i], a, flows.inflow[i], stable[i]);
                change = change.max((a - ca2[i]).abs()).max((d - cd2[i]).abs());
                ca2[i] = a;
                cd2[i] = d;
            }
            if change < 1e-13 {
                break;
            }
        }
        (ca2, cd2)
    }

    /// The answer for station i; its warnings (overload first) are added to `warnings`.
    fn station(
        &self,
        i: usize,
        s: &Station,
        st: &State,
        warnings: &mut Vec<String>,
    ) -> StationAnalysis {
        let lambda = st.flows.inflow[i];
        let es = s.service.mean();
        let cs2 = s.service.scv();
        let mut notes: Vec<String> = Vec::new();
        let (method, wait, exact) = self.wait(i, s, st, &mut notes);
        if !exact && st.stable[i] && method != Method::BulkArrivals {
            if let Some(src) = self.batched_source(i) {
                notes.push(format!(
                    "work reaches {:?} in batches from {:?} (and from elsewhere); two-moment approximations are poor for batch arrivals",
                    s.name, self.model.stations[src].name
                ));
            }
        }
        if s.wip_limit.is_some() {
            notes.push(format!(
                "the WIP limit at {:?} is ignored: blocking has no closed form; the answer is for the stream without limits",
                s.name
            ));
        }
        if !st.stable[i] {
            warnings.push(format!(
                "{:?} is overloaded: work reaches it at {:.3} per day but it can serve {:.3} per day; its queue grows by {:.3} per day",
                s.name,
                lambda,
                self.cap[i],
                lambda - self.cap[i]
            ));
        }
        warnings.extend(notes.iter().cloned());
        let time = wait.map(|w| w + es);
        StationAnalysis {
            name: s.name.clone(),
            arrival_rate_per_day: lambda,
            throughput_per_day: st.flows.outflow[i],
            visits_per_item: if st.throughput > 0.0 {
                st.flows.outflow[i] / st.throughput
            } else {
                f64::NAN
            },
            capacity_per_day: self.cap[i].is_finite().then_some(self.cap[i]),
            utilisation: st.util[i],
            stable: st.stable[i],
            queue_growth_per_day: if st.stable[i] {
                0.0
            } else {
                lambda - self.cap[i]
            },
            wait_days_mean: wait,
            time_days_mean: time,
            queue_mean: wait.map(|w| lambda * w),
            wip_mean: time.map(|t| lambda * t),
            arrival_scv: if self.pull && i == 0 { cs2 } else { st.ca2[i] },
            departure_scv: st.cd2[i],
            method,
            exact,
            warnings: notes,
        }
    }

    /// The mean wait per visit at station i: how it was computed, the wait (`None`
    /// without a steady state), and whether it is exact.
    fn wait(
        &self,
        i: usize,
        s: &Station,
        st: &State,
        notes: &mut Vec<String>,
    ) -> (Method, Option<f64>, bool) {
        let lambda = st.flows.inflow[i];
        let es = s.service.mean();
        let cs2 = s.service.scv();
        let r = &st.regime;
        if !st.stable[i] {
            return (Method::Unstable, None, false);
        }
        if self.pull && i == 0 {
            // Rework returns wait for the next free server; new work never waits.
            let returns = (lambda - st.flows.external).max(0.0);
            let c = f64::from(s.servers.count().unwrap_or(1));
            let w = if returns > 0.0 {
                returns / lambda * es * (1.0 + cs2) / (2.0 * c)
            } else {
                0.0
            };
            return (Method::Pull, Some(w), returns == 0.0 && !r.any_wip_limit);
        }
        match (&s.batch, s.servers) {
            (None, Servers::Unlimited) => (Method::Delay, Some(0.0), !r.any_wip_limit),
            (None, Servers::Finite(c)) => self.queue_wait(i, s, c, st, notes),
            (
                Some(Batch::Scheduled {
                    every_days, max, ..
                }),
                servers,
            ) => release_wait(s, *every_days, *max, servers, r, self.pull, notes),
            (Some(Batch::Size { size }), servers) => {
                let b = f64::from(*size);
                let fill = if lambda > 0.0 {
                    (b - 1.0) / (2.0 * lambda)
                } else {
                    0.0
                };
                let queue = match servers {
                    Servers::Finite(c) => wait_ggc(lambda / b, es, c, st.ca2[i] / b, cs2),
                    Servers::Unlimited => 0.0,
                };
                // With unlimited servers a batch starts as soon as it is full: the wait is
                // the fill time, exactly.
                let exact_here = !r.any_wip_limit
                    && (servers == Servers::Unlimited || (*size == 1 && r.jackson));
                (Method::BatchSize, Some(fill + queue), exact_here)
            }
        }
    }

    /// The wait at station i with `c` servers and no batches: Erlang C, Pollaczek–Khinchine,
    /// a queue of batches arriving from a batching station, or Allen–Cunneen.
    fn queue_wait(
        &self,
        i: usize,
        s: &Station,
        c: u32,
        st: &State,
        notes: &mut Vec<String>,
    ) -> (Method, Option<f64>, bool) {
        let lambda = st.flows.inflow[i];
        let es = s.service.mean();
        let exp = exponential(&s.service);
        let exact_here = st.regime.jackson || (st.regime.poisson_in[i] && (c == 1 || exp));
        let cs2 = if exp { 1.0 } else { s.service.scv() };
        let bulk = if exact_here {
            None
        } else {
            self.bulk_wait(i, c, &st.flows, &st.ca2)
        };
        let (method, w) = if let Some(w) = bulk {
            notes.push(format!(
                "work reaches {:?} in batches from {:?}: its wait is approximated as a queue of batches; expect errors of tens of percent",
                s.name,
                self.batched_source(i)
                    .map_or("", |j| self.model.stations[j].name.as_str())
            ));
            (Method::BulkArrivals, w)
        } else if exact_here {
            let m = if exp {
                Method::ErlangC
            } else {
                Method::PollaczekKhinchine
            };
            (m, wait_ggc(lambda, es, c, 1.0, cs2))
        } else {
            (
                Method::AllenCunneen,
                wait_ggc(lambda, es, c, st.ca2[i], cs2),
            )
        };
        if !exact_here && cs2 < 0.25 {
            notes.push(format!(
                "service at {:?} has low variability (squared CV {cs2:.2}); QNA-type approximations overestimate waits there (by 50–135% for deterministic service)",
                s.name
            ));
        }
        (method, Some(w), exact_here)
    }

    /// The offered load of station i with arrival rate `lambda`.
    fn utilisation(&self, i: usize, s: &Station, lambda: f64) -> Option<f64> {
        let es = s.service.mean();
        let c = f64::from(s.servers.count()?);
        if self.pull && i == 0 {
            return Some(c.min(f64::from(s.wip_limit.unwrap_or(u32::MAX))) / c);
        }
        Some(match s.batch {
            None => lambda * es / c,
            Some(Batch::Size { size }) => lambda * es / (c * f64::from(size)),
            Some(Batch::Scheduled {
                every_days, max, ..
            }) => {
                let per_release = 1.0 - (-lambda * every_days).exp();
                let releases = match max {
                    Some(m) => (lambda / f64::from(m)).max(per_release / every_days),
                    None => per_release / every_days,
                };
                releases * es / c
            }
        })
    }

    /// The squared CV of departures from station i, given its arrivals' squared CV.
    fn departure_scv(&self, i: usize, s: &Station, ca2: f64, lambda: f64, stable: bool) -> f64 {
        let cs2 = s.service.scv();
        if !stable || (self.pull && i == 0) {
            // A saturated server's output is its service process.
            return cs2;
        }
        let es = s.service.mean();
        match (&s.batch, s.servers) {
            (None, Servers::Unlimited) => ca2,
            (None, Servers::Finite(c)) => {
                linking(lambda * es / f64::from(c), ca2, cs2, f64::from(c))
            }
            (Some(Batch::Size { size }), servers) => {
                let b = f64::from(*size);
                let c = f64::from(servers.count().unwrap_or(u32::MAX));
                let batches = linking(lambda * es / (b * c), ca2 / b, cs2, c);
                b * (batches + 1.0) - 1.0
            }
            (Some(Batch::Scheduled { every_days, .. }), _) => {
                let x = lambda * every_days;
                if x < 1e-9 {
                    1.0
                } else {
                    let q = 1.0 - (-x).exp();
                    x * (2.0 - q) / q - 1.0
                }
            }
        }
    }

    /// The mean wait at station i (c servers) if all its work comes in batches from one
    /// batching station j that sends it all there; `None` otherwise.
    ///
    /// # Formula
    ///
    /// With batch size N (scheduled release of Poisson-like work, x = λT and q = 1 − e^(−x):
    /// E\[N\] = x/q, E\[N²\] = (x + x²)/q, batch gaps T·Geometric(q) with c² = 1 − q; batches of
    /// b: N = b, gaps with the QNA departure c² of the batch process), the wait is the wait
    /// behind the earlier items of the same batch,
    /// (E\[N(N − 1)\]/(2E\[N\]) − (c − 1)/2)⁺ · E\[S\]/c (fluid approximation; exact for c = 1 and
    /// a free server), plus the wait of a batch in a G/G/1 queue (KLB) whose service is the
    /// batch's work on c servers, N·S/c: mean E\[N\]E\[S\]/c, c² = c²ₛ/E\[N\] + Var N/E\[N\]².
    fn bulk_wait(&self, i: usize, c: u32, flows: &Flows, ca2: &[f64]) -> Option<f64> {
        let sources: Vec<usize> = (0..self.n).filter(|&j| self.p[j][i] > 0.0).collect();
        let [j] = sources[..] else { return None };
        if self.p[j][i] < 1.0 || (!self.pull && flows.external > 0.0 && self.ext[i] > 0.0) {
            return None;
        }
        let src = &self.model.stations[j];
        let lambda = flows.inflow[j];
        let (en, en2, gap_scv) = match (&src.batch, src.servers) {
            (
                Some(Batch::Scheduled {
                    every_days,
                    max: None,
                    ..
                }),
                _,
            ) => {
                let x = lambda * every_days;
                if x < 1e-9 {
                    return None;
                }
                let q = 1.0 - (-x).exp();
                (x / q, (x + x * x) / q, 1.0 - q)
            }
            (Some(Batch::Size { size }), servers) => {
                let b = f64::from(*size);
                let gap = match servers {
                    Servers::Finite(cj) => {
                        let rho = lambda * src.service.mean() / (b * f64::from(cj));
                        linking(rho, ca2[j] / b, src.service.scv(), f64::from(cj))
                    }
                    Servers::Unlimited => ca2[j] / b,
                };
                (b, b * b, gap)
            }
            _ => return None,
        };
        let stage = &self.model.stations[i];
        let (es, cs2) = (stage.service.mean(), stage.service.scv());
        let cf = f64::from(c);
        let within = ((en2 - en) / (2.0 * en) - (cf - 1.0) / 2.0).max(0.0) * es / cf;
        let rho = flows.inflow[i] * es / cf;
        let batch_mean = en * es / cf;
        let batch_scv = cs2 / en + (en2 - en * en).max(0.0) / (en * en);
        let mut queue = batch_mean * rho / (1.0 - rho) * (gap_scv + batch_scv) / 2.0;
        if gap_scv < 1.0 && gap_scv + batch_scv > 0.0 {
            queue *= (-2.0 * (1.0 - rho) * (1.0 - gap_scv).powi(2)
                / (3.0 * rho * (gap_scv + batch_scv)))
                .exp();
        }
        Some(within + queue)
    }

    /// A batching station whose batches reach station i directly.
    fn batched_source(&self, i: usize) -> Option<usize> {
        (0..self.n).find(|&j| self.p[j][i] > 0.0 && self.model.stations[j].batch.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Station;

    fn exp(m: f64) -> Distribution {
        Distribution::exponential(m).unwrap()
    }

    fn line(rate: f64, stations: Vec<Station>) -> ValueStream {
        ValueStream::new(Arrivals::poisson(rate).unwrap(), stations).unwrap()
    }

    #[test]
    fn erlang_c_is_stable_for_many_servers() {
        // Known values: C(2, 1.5) = 0.642857…; C(1, a) = a.
        assert!((erlang_c(2, 1.5) - 9.0 / 14.0).abs() < 1e-12);
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        // 500 servers at 98%: no overflow, a probability.
        let c = erlang_c(500, 490.0);
        assert!(c.is_finite() && c > 0.0 && c < 1.0, "{c}");
    }

    #[test]
    fn mm1_is_exact() {
        let a = analyze(&line(
            0.9,
            vec![Station::new("A", Servers::Finite(1), exp(1.0))],
        ))
        .unwrap();
        assert!(a.exact && a.stable);
        assert!((a.cycle_time_days_mean.unwrap() - 10.0).abs() < 1e-9);
        let s = &a.stations[0];
        assert_eq!(s.method, Method::ErlangC);
        assert!((s.utilisation.unwrap() - 0.9).abs() < 1e-12);
        assert!((s.queue_mean.unwrap() - 8.1).abs() < 1e-9);
        assert!((a.wip_mean.unwrap() - 9.0).abs() < 1e-9);
    }

    #[test]
    fn overloaded_stages_report_growth_not_infinity() {
        let m = line(
            1.0,
            vec![
                Station::new("A", Servers::Finite(1), exp(0.8)),
                Station::new("B", Servers::Finite(1), exp(1.25)),
                Station::new("C", Servers::Finite(1), exp(0.5)),
            ],
        );
        let a = analyze(&m).unwrap();
        assert!(!a.stable && !a.exact && a.cycle_time_days_mean.is_none());
        let b = a.station("B").unwrap();
        assert!(!b.stable && b.method == Method::Unstable);
        assert!((b.queue_growth_per_day - 0.2).abs() < 1e-12);
        assert!((b.utilisation.unwrap() - 1.25).abs() < 1e-12);
        // C sees only what B lets through.
        let c = a.station("C").unwrap();
        assert!((c.arrival_rate_per_day - 0.8).abs() < 1e-12 && c.stable);
        assert!((a.throughput_per_day - 0.8).abs() < 1e-12);
        assert!(a.warnings.iter().any(|w| w.contains("\"B\" is overloaded")));
    }

    #[test]
    fn an_unlimited_backlog_runs_at_the_first_stage_capacity() {
        let m = ValueStream::new(
            Arrivals::Backlog,
            vec![
                Station::new("A", Servers::Finite(2), exp(1.0)),
                Station::new("B", Servers::Finite(1), exp(0.25)),
            ],
        )
        .unwrap();
        let a = analyze(&m).unwrap();
        assert!((a.stations[0].throughput_per_day - 2.0).abs() < 1e-12);
        assert!(a.stations[0].stable && a.stations[1].stable);
        assert!((a.stations[1].utilisation.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(a.stations[0].wait_days_mean, Some(0.0));
        // A bottleneck after it is overloaded.
        let mut m = m;
        m.stations[1].service = exp(1.0);
        let a = analyze(&m).unwrap();
        assert!(!a.stable && (a.throughput_per_day - 1.0).abs() < 1e-12);
    }

    #[test]
    fn low_variability_downstream_is_flagged() {
        let m = line(
            0.5,
            vec![
                Station::new(
                    "A",
                    Servers::Finite(1),
                    Distribution::lognormal(1.0, 1.5).unwrap(),
                ),
                Station::new(
                    "B",
                    Servers::Finite(1),
                    Distribution::deterministic(1.5).unwrap(),
                ),
            ],
        );
        let a = analyze(&m).unwrap();
        assert_eq!(a.stations[0].method, Method::PollaczekKhinchine);
        assert!(a.stations[0].exact && !a.stations[1].exact && !a.exact);
        assert!(a.stations[1].warnings.iter().any(|w| w.contains("50–135%")));
    }
}
