//! A generator of event logs from a line of stages with known servers and service times.
//!
//! Shared by the bottleneck tests (`tests/metrics_bottleneck.rs`), the report benchmark
//! (`benches/report.rs`) and `examples/gen_line.rs` (which writes the logs used in
//! BENCHMARKS.md). Items are committed as a Poisson stream; each stage is a first-come,
//! first-served queue ("Ready for X", a wait stage) in front of `servers` identical servers
//! ("X", an active stage). The truth the metrics must recover is known: the utilisation of
//! stage `k` is `arrival_rate × mean_service / servers`.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

use chrono::{DateTime, TimeZone, Utc};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Exp, LogNormal};
use valuestream::{EventLog, Stage, StageKind, Workflow};

/// The distribution of a stage's service time, in days.
#[derive(Clone, Copy, Debug)]
pub enum Service {
    /// Exponential with this mean.
    Exp(f64),
    /// Lognormal with this mean and coefficient of variation.
    LogNormal { mean: f64, cv: f64 },
}

impl Service {
    pub fn mean(self) -> f64 {
        match self {
            Service::Exp(m) => m,
            Service::LogNormal { mean, .. } => mean,
        }
    }
}

/// One stage of the line.
#[derive(Clone, Debug)]
pub struct LineStage {
    pub name: String,
    pub servers: u32,
    pub service: Service,
}

/// A line of stages fed by a Poisson stream of committed items.
#[derive(Clone, Debug)]
pub struct Line {
    /// Items committed per day.
    pub arrival_rate: f64,
    /// Mean days an item waits in the backlog before commitment (exponential).
    pub backlog_days: f64,
    pub stages: Vec<LineStage>,
    pub seed: u64,
}

/// The instants (days after the origin) of one item: arrival, commitment, then for each
/// stage (enter queue = previous departure, start of service, end of service).
#[derive(Clone, Debug)]
pub struct Traces {
    pub width: usize,
    pub times: Vec<f64>,
}

impl Traces {
    pub fn len(&self) -> usize {
        self.times.len() / self.width
    }

    pub fn item(&self, i: usize) -> &[f64] {
        &self.times[i * self.width..(i + 1) * self.width]
    }
}

/// 2024-01-01T00:00:00Z, the origin of generated logs.
pub fn origin() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

fn ms(days: f64) -> i64 {
    (days * 86_400_000.0).round() as i64
}

impl Line {
    /// A line of stages `(name, servers, mean service days)` with exponential service.
    pub fn new(arrival_rate: f64, stages: &[(&str, u32, f64)], seed: u64) -> Line {
        Line {
            arrival_rate,
            backlog_days: 2.0,
            stages: stages
                .iter()
                .map(|&(name, servers, mean)| LineStage {
                    name: name.to_owned(),
                    servers,
                    service: Service::Exp(mean),
                })
                .collect(),
            seed,
        }
    }

    /// The line of the benchmark logs (`benches/report.rs`, `examples/gen_line.rs`): 100
    /// items committed per day, then Dev (250 servers, 2 days), Review (100, 0.6 days), Test
    /// (100, 0.9 days) and Deploy (40, 0.25 days); utilisations 0.8, 0.6, 0.9 and 0.625.
    pub fn bench(seed: u64) -> Line {
        Line::new(
            100.0,
            &[
                ("Dev", 250, 2.0),
                ("Review", 100, 0.6),
                ("Test", 100, 0.9),
                ("Deploy", 40, 0.25),
            ],
            seed,
        )
    }

    /// The true utilisation of each stage: `λ E[S] / c`.
    pub fn utilisation(&self) -> Vec<f64> {
        self.stages
            .iter()
            .map(|s| self.arrival_rate * s.service.mean() / f64::from(s.servers))
            .collect()
    }

    /// The index (in the line) of the most utilised stage.
    pub fn bottleneck(&self) -> usize {
        let u = self.utilisation();
        (0..u.len()).max_by(|&a, &b| u[a].total_cmp(&u[b])).unwrap()
    }

    /// The workflow of the generated logs: Backlog, then for each stage "Ready for X" (wait)
    /// and "X" (active, with its servers if `with_servers`), then Done.
    pub fn workflow(&self, with_servers: bool) -> Workflow {
        let mut stages = vec![Stage::new("Backlog", StageKind::Backlog)];
        for s in &self.stages {
            stages.push(Stage::new(format!("Ready for {}", s.name), StageKind::Wait));
            let mut a = Stage::new(s.name.clone(), StageKind::Active);
            if with_servers {
                a = a.with_servers(s.servers);
            }
            stages.push(a);
        }
        stages.push(Stage::new("Done", StageKind::Done));
        Workflow::new(stages, None).unwrap()
    }

    /// The workflow as TOML.
    pub fn workflow_toml(&self, with_servers: bool) -> String {
        self.workflow(with_servers).to_toml()
    }

    /// Simulates `items` items.
    pub fn simulate(&self, items: usize) -> Traces {
        let k = self.stages.len();
        let width = 2 + 3 * k;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let inter = Exp::new(self.arrival_rate).unwrap();
        let backlog = Exp::new(1.0 / self.backlog_days).unwrap();
        let mut times = vec![0.0; items * width];
        let mut t = 0.0;
        for i in 0..items {
            t += inter.sample(&mut rng);
            let b: f64 = backlog.sample(&mut rng);
            times[i * width] = (t - b).max(0.0);
            times[i * width + 1] = t;
        }
        // Items in order of arrival at the current stage.
        let mut order: Vec<usize> = (0..items).collect();
        for (j, stage) in self.stages.iter().enumerate() {
            let col = 2 + 3 * j;
            let prev = if j == 0 { 1 } else { col - 1 };
            order.sort_by(|&a, &b| times[a * width + prev].total_cmp(&times[b * width + prev]));
            let mut free: BinaryHeap<Reverse<u64>> = (0..stage.servers)
                .map(|_| Reverse(0f64.to_bits()))
                .collect();
            let sample = |rng: &mut Xoshiro256PlusPlus| -> f64 {
                match stage.service {
                    Service::Exp(m) => Exp::new(1.0 / m).unwrap().sample(rng),
                    Service::LogNormal { mean, cv } => {
                        let s2 = (1.0 + cv * cv).ln();
                        let mu = mean.ln() - s2 / 2.0;
                        LogNormal::new(mu, s2.sqrt()).unwrap().sample(rng)
                    }
                }
            };
            for &i in &order {
                let arrive = times[i * width + prev];
                let Reverse(f) = free.pop().unwrap();
                let start = arrive.max(f64::from_bits(f));
                let end = start + sample(&mut rng);
                free.push(Reverse(end.to_bits()));
                times[i * width + col] = arrive;
                times[i * width + col + 1] = start;
                times[i * width + col + 2] = end;
            }
        }
        Traces { width, times }
    }

    /// The states every item goes through, in order: Backlog, then for each stage
    /// "Ready for X" and "X", then Done.
    pub fn states(&self) -> Vec<String> {
        let mut names = vec!["Backlog".to_owned()];
        for s in &self.stages {
            names.push(format!("Ready for {}", s.name));
            names.push(s.name.clone());
        }
        names.push("Done".to_owned());
        names
    }

    /// The instants (ms after the origin) of one item's events, one per entry of
    /// [`Line::states`].
    fn event_times(tr: &[f64], out: &mut Vec<i64>) {
        out.clear();
        out.push(ms(tr[0]));
        for col in (2..tr.len()).step_by(3) {
            out.push(ms(tr[col]));
            out.push(ms(tr[col + 1]));
        }
        out.push(ms(tr[tr.len() - 1]));
    }

    /// The generated log, read as an [`EventLog`] (item `i` is `L-i`, with attribute `type`
    /// alternating Story and Bug).
    pub fn log(&self, items: usize) -> EventLog {
        let tr = self.simulate(items);
        let origin = origin();
        let names = self.states();
        let mut b = EventLog::builder();
        let mut times = Vec::new();
        for i in 0..tr.len() {
            let id = format!("L-{i}");
            Self::event_times(tr.item(i), &mut times);
            for (state, &t) in names.iter().zip(&times) {
                b.push(&id, state, origin + chrono::Duration::milliseconds(t));
            }
            b.set_attribute(&id, "type", if i % 2 == 0 { "Story" } else { "Bug" });
        }
        b.build()
    }

    /// Writes the generated log as a long CSV (`id,state,timestamp,type`, timestamps to
    /// the second in UTC), items one after another. Returns the number of events written.
    pub fn write_csv<W: Write>(&self, items: usize, w: W) -> io::Result<u64> {
        let tr = self.simulate(items);
        let origin = origin().timestamp_millis();
        let names = self.states();
        let mut w = io::BufWriter::with_capacity(1 << 20, w);
        writeln!(w, "id,state,timestamp,type")?;
        let mut n = 0;
        let mut ts = String::with_capacity(32);
        let mut times = Vec::new();
        for i in 0..tr.len() {
            let ty = if i % 2 == 0 { "Story" } else { "Bug" };
            Self::event_times(tr.item(i), &mut times);
            for (state, &t) in names.iter().zip(&times) {
                ts.clear();
                iso_seconds(origin + t, &mut ts);
                writeln!(w, "L-{i},{state},{ts},{ty}")?;
                n += 1;
            }
        }
        w.flush()?;
        Ok(n)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for an instant in milliseconds (rounded down to the second).
fn iso_seconds(ms: i64, out: &mut String) {
    use std::fmt::Write as _;
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // civil_from_days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_matches_chrono() {
        use super::*;
        for t in [0i64, 1_704_067_200_123, 1_709_251_199_999, 951_782_400_000] {
            let mut s = String::new();
            iso_seconds(t, &mut s);
            let c = DateTime::from_timestamp_millis(t)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(s, c);
        }
    }
}
