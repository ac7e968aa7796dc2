//! What makes a model invalid: each check, and the error that names the stage and key at
//! fault (placed in the model file when there is one).

use super::DONE_STATE;
use super::file::{Located, line_column};
use super::stream::{Arrivals, Batch, Servers, Station, ValueStream};
use crate::error::{Error, Position, Result};

impl Arrivals {
    pub(super) fn issue(&self) -> Option<Issue> {
        match self {
            Arrivals::Poisson { rate_per_day } => {
                if rate_per_day.is_finite() && *rate_per_day > 0.0 {
                    None
                } else {
                    Some(Issue::arrivals(
                        "arrivals.rate_per_day",
                        format!(
                            "the arrival rate must be a positive number of items per day, got {rate_per_day}"
                        ),
                    ))
                }
            }
            Arrivals::Renewal { interarrival } => {
                if let Err(b) = interarrival.validate() {
                    return Some(Issue::arrivals(
                        format!("arrivals.interarrival.{}", b.key),
                        b.message,
                    ));
                }
                if interarrival.mean() > 0.0 {
                    None
                } else {
                    Some(Issue::arrivals(
                        "arrivals.interarrival",
                        "the mean gap between arrivals must be positive".into(),
                    ))
                }
            }
            Arrivals::Backlog => None,
            Arrivals::Weekly {
                rate_per_day,
                weekday,
                hour,
            } => weekly_issue(*rate_per_day, weekday, hour),
            Arrivals::Trace { times_days } => {
                if times_days.is_empty() {
                    return Some(Issue::arrivals(
                        "arrivals.trace_days",
                        "a trace of arrivals needs at least one instant".into(),
                    ));
                }
                let bad = times_days
                    .iter()
                    .position(|t| !(t.is_finite() && *t >= 0.0));
                let unordered = times_days.windows(2).position(|w| w[1] < w[0]);
                match (bad, unordered) {
                    (Some(i), _) => Some(Issue::arrivals(
                        "arrivals.trace_days",
                        format!(
                            "instant {} of the trace is {}: expected a number of days ≥ 0",
                            i + 1,
                            times_days[i]
                        ),
                    )),
                    (None, Some(i)) => Some(Issue::arrivals(
                        "arrivals.trace_days",
                        format!("the trace is not in time order at instant {}", i + 2),
                    )),
                    (None, None) => None,
                }
            }
        }
    }
}

/// What is wrong with a weekly rhythm of arrivals.
fn weekly_issue(rate: f64, weekday: &[f64], hour: &[f64]) -> Option<Issue> {
    if !(rate.is_finite() && rate > 0.0) {
        return Some(Issue::arrivals(
            "arrivals.rate_per_day",
            format!("the arrival rate must be a positive number of items per day, got {rate}"),
        ));
    }
    for (key, list) in [("weekday", weekday), ("hour", hour)] {
        if let Some(i) = list.iter().position(|f| !(f.is_finite() && *f >= 0.0)) {
            return Some(Issue::arrivals(
                format!("arrivals.{key}"),
                format!(
                    "factor {} of arrivals.{key} is {}: factors are numbers ≥ 0",
                    i + 1,
                    list[i]
                ),
            ));
        }
        if list.iter().sum::<f64>() <= 0.0 {
            return Some(Issue::arrivals(
                format!("arrivals.{key}"),
                format!("the factors of arrivals.{key} are all 0: nothing would ever arrive"),
            ));
        }
    }
    None
}

/// What is wrong with a model: the stage (by index), the key and why.
#[derive(Debug)]
pub(super) struct Issue {
    stage: Option<usize>,
    key: String,
    message: String,
}

impl Issue {
    fn arrivals(key: impl Into<String>, message: String) -> Issue {
        Issue {
            stage: None,
            key: key.into(),
            message,
        }
    }

    fn stage(i: usize, key: impl Into<String>, message: String) -> Issue {
        Issue {
            stage: Some(i),
            key: key.into(),
            message,
        }
    }

    /// The error, naming the stage from `stages` and placed in `file` if there is one.
    pub(super) fn into_error(self, file: Option<&Located>, stages: &[Station]) -> Error {
        let offset = file.and_then(|f| match self.stage {
            Some(i) => f.stations.get(i).copied(),
            None => f.arrivals,
        });
        let mut pos = Position::file(file.and_then(|f| f.file));
        if let (Some(f), Some(o)) = (file, offset) {
            (pos.line, pos.char) = line_column(f.text, o);
        }
        Error::Model {
            pos: Box::new(pos),
            stage: self
                .stage
                .and_then(|i| stages.get(i))
                .map(|s| s.name.clone()),
            key: Some(self.key),
            message: self.message,
        }
    }
}

impl ValueStream {
    /// Checks the model: at least one stage; names non-empty and unique; servers, WIP limits
    /// and batch sizes ≥ 1; every distribution valid (positive means, cv > 0, a non-empty
    /// empirical sample…); a positive arrival rate; rework targets that exist, with a
    /// probability in [0, 1); visit probabilities in (0, 1]; a WIP limit no smaller than the
    /// batch size; with an unlimited backlog, a first station with a finite number of
    /// servers, a service that takes time, no batch, and that every item visits.
    ///
    /// # Errors
    ///
    /// [`Error::Model`] with the stage and the key at fault (`service.cv`, `rework.to`, …).
    pub fn validate(&self) -> Result<()> {
        match self.issue() {
            None => Ok(()),
            Some(i) => Err(i.into_error(None, &self.stations)),
        }
    }

    pub(super) fn issue(&self) -> Option<Issue> {
        if let Some(i) = self.arrivals.issue() {
            return Some(i);
        }
        if let Some(Err(message)) = self.calendar.as_ref().map(super::Calendar::check) {
            return Some(Issue::arrivals("calendar", message));
        }
        if self.stations.is_empty() {
            return Some(Issue::arrivals(
                "stage",
                "the model has no stages; declare them as [[stage]] tables with name, servers and service".into(),
            ));
        }
        if self.stations.len() > MAX_STAGES {
            return Some(Issue::arrivals(
                "stage",
                format!(
                    "a model has at most {MAX_STAGES} stages, this one {}",
                    self.stations.len()
                ),
            ));
        }
        for (i, s) in self.stations.iter().enumerate() {
            if let Some(issue) = self.station_issue(i, s) {
                return Some(issue);
            }
        }
        if let Some(issue) = self.classes_issue() {
            return Some(issue);
        }
        if matches!(self.arrivals, Arrivals::Backlog)
            && self.stations[0].servers == Servers::Unlimited
        {
            return Some(Issue::stage(
                0,
                "servers",
                "with backlog = \"unlimited\" the first stage needs a finite number of servers, or work would start without limit".into(),
            ));
        }
        if matches!(self.arrivals, Arrivals::Backlog) && self.stations[0].service.mean() <= 0.0 {
            return Some(Issue::stage(
                0,
                "service",
                "with backlog = \"unlimited\" the first stage's service must take time, or work would start without limit".into(),
            ));
        }
        if matches!(self.arrivals, Arrivals::Backlog) && self.stations[0].batch.is_some() {
            return Some(Issue::stage(
                0,
                "batch",
                "with backlog = \"unlimited\" the first stage cannot batch: it starts each item as soon as a server is free".into(),
            ));
        }
        None
    }

    fn station_issue(&self, i: usize, s: &Station) -> Option<Issue> {
        let issue = |key: &str, message: String| Some(Issue::stage(i, key, message));
        if let Some(found) = self.name_issue(i, s) {
            return Some(found);
        }
        if s.servers == Servers::Finite(0) {
            return issue(
                "servers",
                "a stage needs at least 1 server (or \"unlimited\")".into(),
            );
        }
        if let Servers::Finite(c) = s.servers
            && c > MAX_SERVERS
        {
            return issue(
                "servers",
                format!("a stage has at most {MAX_SERVERS} servers (or \"unlimited\"), not {c}"),
            );
        }
        if let Err(b) = s.service.validate() {
            return issue(&format!("service.{}", b.key), b.message);
        }
        if let Some(found) = batch_issue(i, s) {
            return Some(found);
        }
        if s.wip_limit == Some(0) {
            return issue("wip_limit", "a WIP limit must be at least 1".into());
        }
        if let Some(found) = self.rework_issue(i, s) {
            return Some(found);
        }
        if let Some(found) = revisit_issue(i, s) {
            return Some(found);
        }
        let v = s.visit_probability;
        if !(v.is_finite() && v > 0.0 && v <= 1.0) {
            return issue(
                "visit_probability",
                format!(
                    "the visit probability must be in (0, 1], got {v} (a stage nobody visits is removed instead)"
                ),
            );
        }
        if i == 0 && v < 1.0 && matches!(self.arrivals, Arrivals::Backlog) {
            return issue(
                "visit_probability",
                "with backlog = \"unlimited\" every item starts at the first stage: its visit probability must be 1".into(),
            );
        }
        None
    }

    /// The classes: named, unique, shares in (0, 1] adding up to 1, naming stations that
    /// exist, and each class's view of every station valid.
    fn classes_issue(&self) -> Option<Issue> {
        if self.classes.is_empty() {
            return None;
        }
        if self.classes.len() > MAX_CLASSES {
            return Some(Issue::arrivals(
                "class",
                format!(
                    "a model has at most {MAX_CLASSES} classes, this one {}",
                    self.classes.len()
                ),
            ));
        }
        let mut total = 0.0;
        for (k, c) in self.classes.iter().enumerate() {
            let key = |rest: &str| format!("class.{}{rest}", c.name);
            if c.name.trim().is_empty() {
                return Some(Issue::arrivals(
                    "class.name",
                    format!("class {} has an empty name", k + 1),
                ));
            }
            if self.classes[..k].iter().any(|o| o.name == c.name) {
                return Some(Issue::arrivals(
                    key(""),
                    format!("two classes are named {:?}", c.name),
                ));
            }
            if !(c.share.is_finite() && c.share > 0.0 && c.share <= 1.0) {
                return Some(Issue::arrivals(
                    key(".share"),
                    format!(
                        "a class's share of the arrivals must be in (0, 1], got {}",
                        c.share
                    ),
                ));
            }
            total += c.share;
            if let Some(name) = c.stations.keys().find(|n| self.station(n).is_none()) {
                return Some(Issue::arrivals(
                    key(&format!(".stage.{name}")),
                    format!(
                        "no stage is named {name:?}; the stages are {}",
                        self.stations
                            .iter()
                            .map(|o| format!("{:?}", o.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            let view = ValueStream {
                arrivals: self.arrivals.clone(),
                stations: self.stations_for(Some(k)),
                classes: Vec::new(),
                calendar: None,
            };
            for (i, st) in view.stations.iter().enumerate() {
                if let Some(found) = view.station_issue(i, st) {
                    return Some(Issue::arrivals(
                        key(&format!(".stage.{}.{}", st.name, found.key)),
                        found.message,
                    ));
                }
            }
        }
        if (total - 1.0).abs() > 1e-6 {
            return Some(Issue::arrivals(
                "class.share",
                format!("the classes' shares of the arrivals add up to {total}, not 1"),
            ));
        }
        None
    }

    /// The station's name: not empty, not `Done`, unique, not another station's queue.
    fn name_issue(&self, i: usize, s: &Station) -> Option<Issue> {
        let issue = |key: &str, message: String| Some(Issue::stage(i, key, message));
        if s.name.trim().is_empty() {
            return issue("name", format!("stage {} has an empty name", i + 1));
        }
        if s.name == DONE_STATE {
            return issue(
                "name",
                format!(
                    "{DONE_STATE:?} is the state of finished work in simulated logs; name the stage differently"
                ),
            );
        }
        if let Some(j) = self.stations[..i].iter().position(|o| o.name == s.name) {
            return issue(
                "name",
                format!(
                    "two stages are named {:?} (stages {} and {})",
                    s.name,
                    j + 1,
                    i + 1
                ),
            );
        }
        if let Some(o) = self
            .stations
            .iter()
            .find(|o| o.servers != Servers::Unlimited && o.queue_state() == s.name)
        {
            return issue(
                "name",
                format!(
                    "{:?} is the name of the queue of stage {:?} in simulated logs; name the stage differently",
                    s.name, o.name
                ),
            );
        }
        None
    }

    /// The station's rework: to a station that exists, with a probability in [0, 1).
    fn rework_issue(&self, i: usize, s: &Station) -> Option<Issue> {
        let issue = |key: &str, message: String| Some(Issue::stage(i, key, message));
        if let Some(r) = &s.rework {
            if !self.stations.iter().any(|o| o.name == r.to) {
                return issue(
                    "rework.to",
                    format!(
                        "no stage is named {:?}; the stages are {}",
                        r.to,
                        self.stations
                            .iter()
                            .map(|o| format!("{:?}", o.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            if !(r.probability.is_finite() && (0.0..1.0).contains(&r.probability)) {
                return issue(
                    "rework.probability",
                    format!(
                        "the rework probability must be in [0, 1), got {}",
                        r.probability
                    ),
                );
            }
        }
        None
    }
}

/// The most classes a model has.
pub(super) const MAX_CLASSES: usize = 64;

/// The most stages a model has: the analytic answer solves the flow equations of the
/// stages (cubic in their number), and value streams have tens of stages, not thousands.
pub const MAX_STAGES: usize = 500;

/// The most servers a stage has (more is `unlimited`): the analytic answer's Erlang C
/// takes a step per server.
pub const MAX_SERVERS: u32 = 100_000;

/// The most stations of a model whose later visits differ ([`super::Revisit`]): an item
/// remembers the stations it has been served at in one 64-bit word.
pub(super) const MAX_REVISIT_STATION: usize = 64;

/// The station's later visits: a valid service, a rework probability in [0, 1) (unused
/// by a station with no rework target), within the first 64 stations.
fn revisit_issue(i: usize, s: &Station) -> Option<Issue> {
    let r = s.revisit.as_ref()?;
    let issue = |key: &str, message: String| Some(Issue::stage(i, key, message));
    if i >= MAX_REVISIT_STATION {
        return issue(
            "revisit",
            format!(
                "only the first {MAX_REVISIT_STATION} stages can treat later visits differently"
            ),
        );
    }
    if let Some(d) = &r.service
        && let Err(b) = d.validate()
    {
        return issue(&format!("revisit.service.{}", b.key), b.message);
    }
    if let Some(p) = r.rework_probability {
        if !(p.is_finite() && (0.0..1.0).contains(&p)) {
            return issue(
                "revisit.rework_probability",
                format!("the rework probability must be in [0, 1), got {p}"),
            );
        }
    }
    None
}

/// The station's batch: a positive period, a first release at 0 or later, at least one
/// item per release or batch, a batch that fits under the WIP limit.
fn batch_issue(i: usize, s: &Station) -> Option<Issue> {
    let issue = |key: &str, message: String| Some(Issue::stage(i, key, message));
    match s.batch {
        Some(Batch::Scheduled {
            every_days,
            offset_days,
            max,
        }) => {
            if !(every_days.is_finite() && every_days > 0.0) {
                return issue(
                    "batch.every_days",
                    format!(
                        "the release period must be a positive number of days, got {every_days}"
                    ),
                );
            }
            if !(offset_days.is_finite() && offset_days >= 0.0) {
                return issue(
                    "batch.offset_days",
                    format!("the first release must be at a number of days ≥ 0, got {offset_days}"),
                );
            }
            if max == Some(0) {
                return issue("batch.max", "a release takes at least 1 item".into());
            }
        }
        Some(Batch::Size { size }) => {
            if size == 0 {
                return issue("batch.size", "a batch has at least 1 item".into());
            }
            if let Some(limit) = s.wip_limit
                && limit < size
            {
                return issue(
                    "wip_limit",
                    format!(
                        "the WIP limit {limit} is below the batch size {size}: a batch could never form"
                    ),
                );
            }
        }
        None => {}
    }
    None
}
