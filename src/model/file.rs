//! The model file (TOML): its form, reading it with the position of each part (so that
//! errors name line, column, stage and key), and writing it back.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Calendar;
use super::stream::{Arrivals, Station, ValueStream, WorkClass};
use crate::error::{Error, Position, Result};

/// Where the parts of a model file start, to place validation errors.
pub(super) struct Located<'a> {
    pub(super) file: Option<&'a str>,
    pub(super) text: &'a str,
    pub(super) arrivals: Option<usize>,
    pub(super) stations: Vec<usize>,
}

/// The 1-based line and column (a character number) of byte `offset` in `text`.
pub(super) fn line_column(text: &str, offset: usize) -> (Option<u64>, Option<u64>) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (
        Some(u64::try_from(line).unwrap_or(u64::MAX)),
        Some(u64::try_from(column).unwrap_or(u64::MAX)),
    )
}

/// The file form with the position of each part.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpannedFile {
    arrivals: toml::Spanned<Arrivals>,
    #[serde(rename = "stage", default, alias = "station")]
    stations: Vec<toml::Spanned<Station>>,
    #[serde(rename = "class", default)]
    classes: Vec<WorkClass>,
    #[serde(default)]
    calendar: Option<Calendar>,
}

/// A lenient view of the file, to name the stage a parse error is in.
#[derive(Deserialize)]
struct StageNames {
    #[serde(rename = "stage", default, alias = "station")]
    stations: Vec<toml::Spanned<toml::Table>>,
}

impl ValueStream {
    /// Reads a model from TOML text.
    ///
    /// # Errors
    ///
    /// [`Error::Model`] for malformed TOML, unknown or missing keys, values of the wrong
    /// type, and everything [`ValueStream::validate`] rejects, with line and column, stage and
    /// key where they can be told.
    pub fn from_toml_str(text: &str) -> Result<ValueStream> {
        ValueStream::parse(text, None)
    }

    /// Reads a model file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if it cannot be read, and as [`ValueStream::from_toml_str`] with the
    /// path.
    pub fn from_path(path: impl AsRef<Path>) -> Result<ValueStream> {
        let (name, text) = crate::error::read_text(path.as_ref())?;
        ValueStream::parse(&text, Some(&name))
    }

    fn parse(text: &str, file: Option<&str>) -> Result<ValueStream> {
        let parsed: SpannedFile = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
        let located = Located {
            file,
            text,
            arrivals: Some(parsed.arrivals.span().start),
            stations: parsed.stations.iter().map(|s| s.span().start).collect(),
        };
        let model = ValueStream {
            arrivals: parsed.arrivals.into_inner(),
            stations: parsed
                .stations
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
            classes: parsed.classes,
            calendar: parsed.calendar,
        };
        match model.issue() {
            None => Ok(model),
            Some(i) => Err(i.into_error(Some(&located), &model.stations)),
        }
    }

    /// The model as a TOML file (which [`ValueStream::from_toml_str`] reads back), in the
    /// layout of the documentation: one `[[stage]]` table per station, distributions, batches
    /// and rework as inline tables.
    pub fn to_toml(&self) -> String {
        let mut out = arrivals_toml(&self.arrivals);
        if let Some(c) = &self.calendar {
            out.push_str(&calendar_toml(c));
        }
        for s in &self.stations {
            out.push_str(&format!(
                "\n[[stage]]\nname = {}\nservers = {}\nservice = {}\n",
                toml::Value::String(s.name.clone()),
                inline(&s.servers, ""),
                inline(&s.service, "dist"),
            ));
            if let Some(b) = &s.batch {
                out.push_str(&format!("batch = {}\n", inline(b, "")));
            }
            if let Some(w) = s.wip_limit {
                out.push_str(&format!("wip_limit = {w}\n"));
            }
            if let Some(r) = &s.rework {
                out.push_str(&format!("rework = {}\n", inline(r, "to")));
            }
            if let Some(r) = &s.revisit {
                out.push_str(&format!("revisit = {}\n", inline(r, "service")));
            }
            if let Some(c) = s.calendar {
                out.push_str(&format!("calendar = {c}\n"));
            }
            if s.visit_probability != 1.0 {
                out.push_str(&format!(
                    "visit_probability = {}\n",
                    toml::Value::Float(s.visit_probability)
                ));
            }
        }
        for c in &self.classes {
            out.push_str(&format!(
                "\n[[class]]\nname = {}\nshare = {}\n",
                toml::Value::String(c.name.clone()),
                toml::Value::Float(c.share)
            ));
            for (name, cs) in &c.stations {
                out.push_str(&format!(
                    "[class.stage.{}]\n",
                    toml::Value::String(name.clone())
                ));
                if let Some(d) = &cs.service {
                    out.push_str(&format!("service = {}\n", inline(d, "dist")));
                }
                if let Some(v) = cs.visit_probability {
                    out.push_str(&format!("visit_probability = {}\n", toml::Value::Float(v)));
                }
                if let Some(r) = &cs.rework {
                    out.push_str(&format!("rework = {}\n", inline(r, "to")));
                }
                if let Some(r) = &cs.revisit {
                    out.push_str(&format!("revisit = {}\n", inline(r, "service")));
                }
            }
        }
        out
    }
}

/// The `[arrivals]` table.
fn arrivals_toml(arrivals: &Arrivals) -> String {
    let mut out = String::from("[arrivals]\n");
    match arrivals {
        Arrivals::Poisson { rate_per_day } => {
            out.push_str(&format!(
                "rate_per_day = {}\n",
                toml::Value::Float(*rate_per_day)
            ));
        }
        Arrivals::Renewal { interarrival } => {
            out.push_str(&format!(
                "interarrival = {}\n",
                inline(interarrival, "dist")
            ));
        }
        Arrivals::Backlog => out.push_str("backlog = \"unlimited\"\n"),
        Arrivals::Trace { times_days } => {
            let list: Vec<String> = times_days
                .iter()
                .map(|t| toml::Value::Float(*t).to_string())
                .collect();
            out.push_str(&format!("trace_days = [{}]\n", list.join(", ")));
        }
        Arrivals::Weekly {
            rate_per_day,
            weekday,
            hour,
        } => {
            out.push_str(&format!(
                "rate_per_day = {}\nweekday = {}\nhour = {}\n",
                toml::Value::Float(*rate_per_day),
                float_list(weekday),
                float_list(hour)
            ));
        }
    }
    out
}

/// The `[calendar]` table.
fn calendar_toml(c: &Calendar) -> String {
    let days: Vec<String> = c
        .weekday_names()
        .iter()
        .map(|d| toml::Value::String((*d).to_owned()).to_string())
        .collect();
    format!(
        "\n[calendar]\norigin = {}\nweekdays = [{}]\nhours = [{}, {}]\n",
        toml::Value::String(
            c.origin
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        ),
        days.join(", "),
        c.hours[0],
        c.hours[1]
    )
}

/// Numbers as a TOML array.
fn float_list(values: &[f64]) -> String {
    let list: Vec<String> = values
        .iter()
        .map(|v| toml::Value::Float(*v).to_string())
        .collect();
    format!("[{}]", list.join(", "))
}

/// `value` as an inline TOML value; in a table the key `first` comes first, the others in
/// alphabetical order.
fn inline<T: Serialize>(value: &T, first: &str) -> String {
    match toml::Value::try_from(value) {
        Ok(toml::Value::Table(t)) => {
            let mut parts: Vec<String> = Vec::with_capacity(t.len());
            if let Some(v) = t.get(first) {
                parts.push(format!("{first} = {v}"));
            }
            parts.extend(
                t.iter()
                    .filter(|(k, _)| *k != first)
                    .map(|(k, v)| format!("{k} = {v}")),
            );
            format!("{{ {} }}", parts.join(", "))
        }
        Ok(v) => v.to_string(),
        Err(_) => String::new(),
    }
}

/// A TOML error as a model error: one sentence with line, column and the stage it is in.
fn toml_error(text: &str, file: Option<&str>, e: &toml::de::Error) -> Error {
    let span = e.span();
    let mut pos = Position::file(file);
    if let Some(s) = &span {
        (pos.line, pos.char) = line_column(text, s.start);
    }
    let stage = span.and_then(|s| {
        let names: StageNames = toml::from_str(text).ok()?;
        names
            .stations
            .iter()
            .rev()
            .find(|t| t.span().start <= s.start)
            .and_then(|t| t.get_ref().get("name")?.as_str().map(str::to_owned))
    });
    Error::Model {
        pos: Box::new(pos),
        stage,
        key: None,
        message: e.message().trim_end().replace('\n', "; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Batch, Servers};

    const FILE: &str = r#"
[arrivals]
rate_per_day = 1.7

[[stage]]
name = "Dev"
servers = 4
service = { dist = "lognormal", mean_days = 2.0, cv = 0.8 }
wip_limit = 6

[[stage]]
name = "Deploy"
servers = 1
service = { dist = "deterministic", days = 0.04 }
batch = { every_days = 7.0 }

[[stage]]
name = "Test"
servers = 2
service = { dist = "gamma", mean_days = 1.1, cv = 0.7 }
rework = { to = "Dev", probability = 0.2 }

[[stage]]
name = "Customer"
servers = "unlimited"
service = { dist = "empirical", samples_days = [1, 2.5, 4] }
"#;

    #[test]
    fn reads_the_example_of_the_issue() {
        let m = ValueStream::from_toml_str(FILE).unwrap();
        assert_eq!(m.arrivals, Arrivals::Poisson { rate_per_day: 1.7 });
        assert_eq!(m.stations.len(), 4);
        assert_eq!(m.stations[0].servers, Servers::Finite(4));
        assert_eq!(m.stations[0].wip_limit, Some(6));
        assert_eq!(
            m.stations[1].batch,
            Some(Batch::Scheduled {
                every_days: 7.0,
                offset_days: 0.0,
                max: None
            })
        );
        assert_eq!(
            m.stations[2].rework.as_ref().map(|r| r.to.as_str()),
            Some("Dev")
        );
        assert_eq!(m.stations[3].servers, Servers::Unlimited);
        assert_eq!(m.station_index("Test"), Some(2));
    }

    #[test]
    fn round_trips_through_toml() {
        let m = ValueStream::from_toml_str(FILE).unwrap();
        let text = m.to_toml();
        assert_eq!(ValueStream::from_toml_str(&text).unwrap(), m, "{text}");
        for arrivals in [
            "backlog = \"unlimited\"",
            "interarrival = { dist = \"erlang\", k = 2, mean_days = 0.5 }",
        ] {
            let f = FILE.replace("rate_per_day = 1.7", arrivals);
            let m = ValueStream::from_toml_str(&f).unwrap();
            assert_eq!(ValueStream::from_toml_str(&m.to_toml()).unwrap(), m);
        }
        let f = FILE.replace(
            "every_days = 7.0",
            "every_days = 7.0, offset_days = 1.5, max = 3",
        );
        let m = ValueStream::from_toml_str(&f).unwrap();
        assert_eq!(ValueStream::from_toml_str(&m.to_toml()).unwrap(), m);
        let f = FILE.replace("every_days = 7.0", "size = 5");
        let m = ValueStream::from_toml_str(&f).unwrap();
        assert_eq!(m.stations[1].batch, Some(Batch::Size { size: 5 }));
        assert_eq!(ValueStream::from_toml_str(&m.to_toml()).unwrap(), m);
        // A visit probability is written only where it is not 1.
        assert!(m.stations.iter().all(|s| s.visit_probability == 1.0));
        assert!(!m.to_toml().contains("visit_probability"));
        let f = FILE.replace(
            "batch = { every_days = 7.0 }",
            "batch = { every_days = 7.0 }\nvisit_probability = 0.25",
        );
        let m = ValueStream::from_toml_str(&f).unwrap();
        assert_eq!(m.stations[1].visit_probability, 0.25);
        assert_eq!(m.to_toml().matches("visit_probability").count(), 1);
        assert_eq!(ValueStream::from_toml_str(&m.to_toml()).unwrap(), m);
    }

    #[test]
    fn visit_probabilities_are_in_0_to_1_and_the_pulled_first_stage_is_always_visited() {
        for bad in ["0.0", "-0.5", "1.5", "nan"] {
            let (line, stage, key, msg) = error(&FILE.replace(
                "servers = 2\n",
                &format!("servers = 2\nvisit_probability = {bad}\n"),
            ));
            assert_eq!(
                (stage.as_deref(), key.as_deref()),
                (Some("Test"), Some("visit_probability")),
                "{bad}: {msg}"
            );
            assert_eq!(line, Some(17), "{bad}: the line of the stage's table");
            assert!(msg.contains("(0, 1]"), "{msg}");
        }
        let with = |p: &str| {
            FILE.replace("rate_per_day = 1.7", "backlog = \"unlimited\"")
                .replace(
                    "wip_limit = 6",
                    &format!("wip_limit = 6\nvisit_probability = {p}"),
                )
        };
        let (_, stage, key, msg) = error(&with("0.9"));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("visit_probability"))
        );
        assert!(msg.contains("backlog"), "{msg}");
        assert!(ValueStream::from_toml_str(&with("1.0")).is_ok());
        // With arrivals at a rate, the first stage may be skipped.
        assert!(
            ValueStream::from_toml_str(
                &FILE.replace("wip_limit = 6", "wip_limit = 6\nvisit_probability = 0.9")
            )
            .is_ok()
        );
    }

    fn error(text: &str) -> (Option<u64>, Option<String>, Option<String>, String) {
        match ValueStream::from_toml_str(text) {
            Err(Error::Model {
                pos,
                stage,
                key,
                message,
            }) => (pos.line, stage, key, message),
            other => panic!("expected a model error, got {other:?}"),
        }
    }

    #[test]
    fn invalid_models_name_stage_and_key() {
        let (line, stage, key, msg) = error(&FILE.replace("cv = 0.7", "cv = 0.0"));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Test"), Some("service.cv"))
        );
        assert_eq!(line, Some(17), "the line of the stage's table");
        assert!(msg.contains("positive"), "{msg}");
        let (_, stage, key, _) = error(&FILE.replace("rate_per_day = 1.7", "rate_per_day = -1.7"));
        assert_eq!(
            (stage, key.as_deref()),
            (None, Some("arrivals.rate_per_day"))
        );
        let (_, stage, key, msg) = error(&FILE.replace("to = \"Dev\"", "to = \"Design\""));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Test"), Some("rework.to"))
        );
        assert!(msg.contains("\"Design\""), "{msg}");
        let (_, _, key, msg) = error(&FILE.replace("[1, 2.5, 4]", "[]"));
        assert_eq!(key.as_deref(), Some("service.samples_days"));
        assert!(msg.contains("empty"));
        let (_, _, key, _) = error(&FILE.replace("probability = 0.2", "probability = 1.0"));
        assert_eq!(key.as_deref(), Some("rework.probability"));
        let (_, stage, key, _) = error(&FILE.replace("servers = 2", "servers = 0"));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Test"), Some("servers"))
        );
        let (_, stage, key, msg) =
            error(&FILE.replace("wip_limit = 6", "wip_limit = 6\nbatch = { size = 8 }"));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("wip_limit"))
        );
        assert!(msg.contains("never form"), "{msg}");
        let pull = FILE.replace("rate_per_day = 1.7", "backlog = \"unlimited\"");
        let (_, stage, key, _) = error(&pull.replace(
            "dist = \"lognormal\", mean_days = 2.0, cv = 0.8",
            "dist = \"deterministic\", days = 0.0",
        ));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("service"))
        );
        let (_, stage, key, _) = error(&pull.replace("servers = 4", "servers = \"unlimited\""));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("servers"))
        );
        let (_, stage, key, _) = error(&pull.replace("wip_limit = 6", "batch = { size = 2 }"));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("batch"))
        );
        let (_, stage, key, _) = error(&FILE.replace("name = \"Deploy\"", "name = \"Dev\""));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev"), Some("name"))
        );
        let (_, stage, key, _) = error(&FILE.replace("name = \"Deploy\"", "name = \"Dev queue\""));
        assert_eq!(
            (stage.as_deref(), key.as_deref()),
            (Some("Dev queue"), Some("name"))
        );
    }

    #[test]
    fn model_errors_read_file_line_column_stage_and_key() {
        let e = Error::Model {
            pos: Box::new(Position::file(Some("m.toml")).at_line(4)),
            stage: Some("Dev".into()),
            key: Some("service.cv".into()),
            message: "why".into(),
        };
        assert_eq!(
            e.to_string(),
            "m.toml, line 4, stage \"Dev\", key `service.cv`: why"
        );
        assert_eq!(e.position().and_then(|p| p.line), Some(4));
        let e = Error::Model {
            pos: Box::new(Position {
                char: Some(3),
                ..Position::default()
            }),
            stage: None,
            key: None,
            message: "why".into(),
        };
        assert_eq!(e.to_string(), "model, column 3: why");
    }

    #[test]
    fn toml_errors_carry_line_column_and_stage() {
        let err =
            ValueStream::from_toml_str(&FILE.replace("servers = 2", "sevrers = 2")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("model, line 19, column 1, stage \"Test\": unknown field `sevrers`"),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "one line: {msg}");
        let err =
            ValueStream::from_toml_str(&FILE.replace("servers = 4", "servers = -4")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("model, line 7, column 11, stage \"Dev\": servers must be"),
            "{msg}"
        );
        let err =
            ValueStream::from_toml_str(&FILE.replace("\"lognormal\"", "\"logistic\"")).unwrap_err();
        assert!(err.to_string().contains("logistic"), "{err}");
        let err =
            ValueStream::from_toml_str("[arrivals]\nrate_per_day = 1\nbacklog = \"unlimited\"\n")
                .unwrap_err();
        assert!(err.to_string().contains("exactly one of"), "{err}");
        let err = ValueStream::from_toml_str("[arrivals]\nrate_per_day = 1\n").unwrap_err();
        assert!(err.to_string().contains("no stages"), "{err}");
        let err = ValueStream::from_toml_str("[arrivals\n").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn the_workflow_matches_the_simulated_states() {
        let m = ValueStream::from_toml_str(FILE).unwrap();
        let wf = m.workflow().unwrap();
        let names: Vec<_> = wf
            .stages()
            .iter()
            .map(|s| (s.name.as_str(), s.kind))
            .collect();
        use crate::workflow::StageKind::*;
        assert_eq!(
            names,
            [
                ("Dev queue", Wait),
                ("Dev", Active),
                ("Deploy queue", Wait),
                ("Deploy", Active),
                ("Test queue", Wait),
                ("Test", Active),
                ("Customer", Wait),
                ("Done", Done)
            ]
        );
        assert_eq!(wf.stage(1).servers, Some(4));
    }
}
