//! The four DORA metrics from a deployments CSV and an optional incidents CSV.
//!
//! # Formula
//!
//! The four key metrics of Forsgren, Humble and Kim, *Accelerate* (2018), with the bands of
//! the *Accelerate State of DevOps Report 2023* (DORA, Google Cloud):
//!
//! | metric | elite | high | medium | low |
//! |---|---|---|---|---|
//! | deployment frequency | at least daily (on demand) | at least weekly | at least monthly | less than monthly |
//! | lead time for changes (median) | under a day | under a week | under a month | a month or more |
//! | change failure rate | at most 5% | at most 10% | at most 15% | over 15% |
//! | time to restore (median) | under an hour | under a day | under a week | a week or more |
//!
//! Deployment frequency is deployments per calendar day (UTC) over the days from the first
//! deployment to the last, both included.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use crate::error::{Error, Position, Result};
use crate::stats::Sample;
use crate::time::{TimeFormat, TimeParser, ms_to_datetime, ms_to_days};

/// One deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// When it reached production.
    pub deployed_at: DateTime<Utc>,
    /// Whether it succeeded (a failed deployment is a change failure).
    pub success: bool,
    /// When the change it ships was committed or created, if known.
    pub change_at: Option<DateTime<Utc>>,
}

/// One incident in production.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Incident {
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When service was restored, if it was.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A DORA performance band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DoraBand {
    /// The best cluster.
    Elite,
    /// The second.
    High,
    /// The third.
    Medium,
    /// The last.
    Low,
}

/// How often the team deploys.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeploymentFrequency {
    /// Deployments per day over the window.
    pub per_day: f64,
    /// Deployments per week (× 7).
    pub per_week: f64,
    /// The band.
    pub band: DoraBand,
}

/// A median duration with its band.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DoraMedian {
    /// The median in days.
    pub median_days: f64,
    /// How many durations it is the median of.
    pub count: usize,
    /// The band.
    pub band: DoraBand,
}

/// The share of deployments that failed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangeFailureRate {
    /// Failed / all.
    pub rate: f64,
    /// Failed deployments.
    pub failed: usize,
    /// All deployments.
    pub total: usize,
    /// The band.
    pub band: DoraBand,
}

/// The four metrics. The JSON keys (`valuestream dora --json`) are these field names.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dora {
    /// Deployments read.
    pub deployments: usize,
    /// The first deployment.
    pub first: DateTime<Utc>,
    /// The last deployment.
    pub last: DateTime<Utc>,
    /// Calendar days from the first deployment to the last, both included.
    pub window_days: u64,
    /// Deployment frequency.
    pub deployment_frequency: DeploymentFrequency,
    /// Median time from commit (or change creation) to deployment, over successful
    /// deployments that give it.
    pub lead_time_for_changes: Option<DoraMedian>,
    /// Failed deployments / deployments.
    pub change_failure_rate: ChangeFailureRate,
    /// Median time from an incident's opening to its resolution, over resolved incidents.
    pub time_to_restore: Option<DoraMedian>,
}

/// The median (the type-7 50th percentile: the mean of the two middle values of an even
/// count).
fn median(v: Vec<f64>) -> Option<f64> {
    Sample::from_vec(v).percentile(50.0)
}

fn band_by(value: f64, elite: f64, high: f64, medium: f64, below: bool) -> DoraBand {
    let better = |limit: f64| if below { value < limit } else { value >= limit };
    if better(elite) {
        DoraBand::Elite
    } else if better(high) {
        DoraBand::High
    } else if better(medium) {
        DoraBand::Medium
    } else {
        DoraBand::Low
    }
}

/// Computes the four metrics.
///
/// # Errors
///
/// [`Error::InvalidArgument`] if there is no deployment.
pub fn dora_metrics(deployments: &[Deployment], incidents: &[Incident]) -> Result<Dora> {
    let (Some(first), Some(last)) = (
        deployments.iter().map(|d| d.deployed_at).min(),
        deployments.iter().map(|d| d.deployed_at).max(),
    ) else {
        return Err(Error::InvalidArgument(
            "no deployments to measure".to_owned(),
        ));
    };
    let window_days = (last.date_naive() - first.date_naive()).num_days() as u64 + 1;
    let per_day = deployments.len() as f64 / window_days as f64;
    let lead: Vec<f64> = deployments
        .iter()
        .filter(|d| d.success)
        .filter_map(|d| d.change_at.map(|c| (d.deployed_at - c).num_milliseconds()))
        .map(ms_to_days)
        .collect();
    let restore: Vec<f64> = incidents
        .iter()
        .filter_map(|i| i.resolved_at.map(|r| (r - i.opened_at).num_milliseconds()))
        .map(ms_to_days)
        .collect();
    let failed = deployments.iter().filter(|d| !d.success).count();
    let rate = failed as f64 / deployments.len() as f64;
    let (lead_n, restore_n) = (lead.len(), restore.len());
    Ok(Dora {
        deployments: deployments.len(),
        first,
        last,
        window_days,
        deployment_frequency: DeploymentFrequency {
            per_day,
            per_week: per_day * 7.0,
            band: band_by(per_day, 1.0, 1.0 / 7.0, 1.0 / 30.0, false),
        },
        lead_time_for_changes: median(lead).map(|m| DoraMedian {
            median_days: m,
            count: lead_n,
            band: band_by(m, 1.0, 7.0, 30.0, true),
        }),
        change_failure_rate: ChangeFailureRate {
            rate,
            failed,
            total: deployments.len(),
            band: band_by(-rate, -0.05, -0.10, -0.15, false),
        },
        time_to_restore: median(restore).map(|m| DoraMedian {
            median_days: m,
            count: restore_n,
            band: band_by(m, 1.0 / 24.0, 1.0, 7.0, true),
        }),
    })
}

struct Columns {
    names: Vec<String>,
    file: String,
}

impl Columns {
    fn find(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .position(|n| n.trim().eq_ignore_ascii_case(name))
    }

    fn need(&self, name: &str) -> Result<usize> {
        self.find(name).ok_or_else(|| Error::MissingColumn {
            pos: Box::new(Position::file(Some(&self.file)).at_line(1)),
            column: name.to_owned(),
            found: self.names.clone(),
        })
    }
}

fn open(path: &Path) -> Result<(csv::Reader<std::fs::File>, Columns)> {
    let file = path.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::Csv {
            pos: Box::new(Position::file(Some(&file))),
            source: e,
        })?;
    let names = rdr
        .headers()
        .map_err(|e| Error::Csv {
            pos: Box::new(Position::file(Some(&file)).at_line(1)),
            source: e,
        })?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    Ok((rdr, Columns { names, file }))
}

/// Calls `f` with each data row and the line it starts on.
fn for_each_row(
    rdr: &mut csv::Reader<std::fs::File>,
    cols: &Columns,
    mut f: impl FnMut(&csv::StringRecord, u64) -> Result<()>,
) -> Result<()> {
    let csv_error = |e: csv::Error| Error::Csv {
        pos: Box::new(
            Position::file(Some(&cols.file)).at_line(e.position().map_or(0, csv::Position::line)),
        ),
        source: e,
    };
    let header = rdr.byte_headers().map_err(csv_error)?.clone();
    let lf = crate::log::ends_with_lf(&header, rdr.position());
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec).map_err(csv_error)? {
        let line = crate::log::record_line(rec.as_byte_record(), rdr.position(), lf);
        f(&rec, line)?;
    }
    Ok(())
}

fn time_at(
    tp: &mut TimeParser,
    rec: &csv::StringRecord,
    c: usize,
    cols: &Columns,
    line: u64,
) -> Result<Option<DateTime<Utc>>> {
    let v = rec.get(c).unwrap_or("").trim();
    if v.is_empty() {
        return Ok(None);
    }
    tp.parse(v.as_bytes())
        .map(|ms| Some(ms_to_datetime(ms)))
        .map_err(|m| {
            Error::value(
                Position::file(Some(&cols.file))
                    .at_line(line)
                    .in_column(&cols.names[c])
                    .with_value(v.as_bytes()),
                m,
            )
        })
}

fn required(
    t: Option<DateTime<Utc>>,
    cols: &Columns,
    c: usize,
    line: u64,
) -> Result<DateTime<Utc>> {
    t.ok_or_else(|| {
        Error::value(
            Position::file(Some(&cols.file))
                .at_line(line)
                .in_column(&cols.names[c]),
            "expected a timestamp, found an empty cell",
        )
    })
}

/// Reads deployments: `deployed_at`, `status` (success or failure: `success`, `succeeded`,
/// `ok`, `passed` or `failure`, `failed`, `error`, `rolled_back`, `rollback`), and
/// optionally `commit_at` or `change_created_at`.
///
/// # Errors
///
/// [`Error::Io`]/[`Error::Csv`] if the file cannot be read, [`Error::MissingColumn`], and
/// [`Error::Value`] with line and column for a bad timestamp or status.
pub fn read_deployments(path: &Path, offset: FixedOffset) -> Result<Vec<Deployment>> {
    let (mut rdr, cols) = open(path)?;
    let dc = cols.need("deployed_at")?;
    let sc = cols.need("status")?;
    let cc = cols
        .find("commit_at")
        .or_else(|| cols.find("change_created_at"));
    let mut tp = TimeParser::new(TimeFormat::Auto, offset);
    let mut tc = TimeParser::new(TimeFormat::Auto, offset);
    let mut out = Vec::new();
    for_each_row(&mut rdr, &cols, |rec, line| {
        let deployed_at = required(time_at(&mut tp, rec, dc, &cols, line)?, &cols, dc, line)?;
        let status = rec.get(sc).unwrap_or("").trim();
        let success = match status.to_ascii_lowercase().as_str() {
            "success" | "succeeded" | "successful" | "ok" | "passed" | "deployed" => true,
            "failure" | "failed" | "error" | "rolled_back" | "rolled back" | "rollback" => false,
            _ => {
                return Err(Error::value(
                    Position::file(Some(&cols.file))
                        .at_line(line)
                        .in_column(&cols.names[sc])
                        .with_value(status.as_bytes()),
                    "expected a deployment status: success (succeeded, ok, passed) or failure (failed, error, rolled_back)",
                ));
            }
        };
        let change_at = match cc {
            Some(c) => time_at(&mut tc, rec, c, &cols, line)?,
            None => None,
        };
        out.push(Deployment {
            deployed_at,
            success,
            change_at,
        });
        Ok(())
    })?;
    if out.is_empty() {
        return Err(Error::Empty {
            pos: Box::new(Position::file(Some(&cols.file)).at_line(2)),
            message: "no deployments after the header".to_owned(),
        });
    }
    Ok(out)
}

/// Reads incidents: `opened_at` and `resolved_at` (empty while open).
///
/// # Errors
///
/// As [`read_deployments`].
pub fn read_incidents(path: &Path, offset: FixedOffset) -> Result<Vec<Incident>> {
    let (mut rdr, cols) = open(path)?;
    let oc = cols.need("opened_at")?;
    let rc = cols.need("resolved_at")?;
    let mut to = TimeParser::new(TimeFormat::Auto, offset);
    let mut tr = TimeParser::new(TimeFormat::Auto, offset);
    let mut out = Vec::new();
    for_each_row(&mut rdr, &cols, |rec, line| {
        let opened_at = required(time_at(&mut to, rec, oc, &cols, line)?, &cols, oc, line)?;
        let resolved_at = time_at(&mut tr, rec, rc, &cols, line)?;
        if let Some(r) = resolved_at
            && r < opened_at
        {
            return Err(Error::value(
                Position::file(Some(&cols.file))
                    .at_line(line)
                    .in_column(&cols.names[rc])
                    .with_value(rec.get(rc).unwrap_or("").as_bytes()),
                "the incident is resolved before it was opened",
            ));
        }
        out.push(Incident {
            opened_at,
            resolved_at,
        });
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn four_metrics_by_hand() {
        // 6 deployments over 1–10 March (10 days): 0.6 a day, high (at least weekly).
        let d = |day, hour, ok, lead_h: Option<i64>| Deployment {
            deployed_at: t(day, hour),
            success: ok,
            change_at: lead_h.map(|h| t(day, hour) - Duration::hours(h)),
        };
        let deps = [
            d(1, 10, true, Some(2)),
            d(2, 10, true, Some(30)),
            d(4, 10, false, Some(5)),
            d(6, 10, true, Some(10)),
            d(8, 10, true, None),
            d(10, 10, true, Some(50)),
        ];
        let inc = [
            Incident {
                opened_at: t(4, 10),
                resolved_at: Some(t(4, 10) + Duration::minutes(30)),
            },
            Incident {
                opened_at: t(6, 0),
                resolved_at: Some(t(6, 3)),
            },
            Incident {
                opened_at: t(9, 0),
                resolved_at: None,
            },
        ];
        let m = dora_metrics(&deps, &inc).unwrap();
        assert_eq!(m.window_days, 10);
        assert!((m.deployment_frequency.per_day - 0.6).abs() < 1e-12);
        assert!((m.deployment_frequency.per_week - 4.2).abs() < 1e-12);
        assert_eq!(m.deployment_frequency.band, DoraBand::High);
        // Leads of successful deployments: 2, 30, 10, 50 hours → median 20 h.
        let lt = m.lead_time_for_changes.unwrap();
        assert_eq!(lt.count, 4);
        assert!((lt.median_days - 20.0 / 24.0).abs() < 1e-12);
        assert_eq!(lt.band, DoraBand::Elite);
        assert_eq!(
            (m.change_failure_rate.failed, m.change_failure_rate.total),
            (1, 6)
        );
        assert_eq!(m.change_failure_rate.band, DoraBand::Low);
        // Restores: 0.5 h and 3 h → median 1.75 h: under a day.
        let ttr = m.time_to_restore.unwrap();
        assert!((ttr.median_days - 1.75 / 24.0).abs() < 1e-12);
        assert_eq!(ttr.band, DoraBand::High);
    }

    #[test]
    fn bands_at_their_edges() {
        assert_eq!(
            band_by(1.0, 1.0, 1.0 / 7.0, 1.0 / 30.0, false),
            DoraBand::Elite
        );
        assert_eq!(
            band_by(0.99, 1.0, 1.0 / 7.0, 1.0 / 30.0, false),
            DoraBand::High
        );
        assert_eq!(
            band_by(0.02, 1.0, 1.0 / 7.0, 1.0 / 30.0, false),
            DoraBand::Low
        );
        assert_eq!(band_by(-0.05, -0.05, -0.10, -0.15, false), DoraBand::Elite);
        assert_eq!(band_by(-0.12, -0.05, -0.10, -0.15, false), DoraBand::Medium);
        assert_eq!(band_by(7.0, 1.0, 7.0, 30.0, true), DoraBand::Medium);
        assert!(dora_metrics(&[], &[]).is_err());
    }
}
