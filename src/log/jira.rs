//! Jira REST search results with `expand=changelog`: one JSON file, or a folder of pages.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::preset::ImportOptions;
use super::quality::RejectedRow;
use super::{EventLog, EventLogBuilder};
use crate::error::{Error, Position, Result};
use crate::time::{TimeFormat, TimeParser};

#[derive(Deserialize)]
#[serde(untagged)]
enum Page {
    Search { issues: Vec<Issue> },
    Issues(Vec<Issue>),
}

#[derive(Deserialize)]
struct Issue {
    key: Option<String>,
    fields: Option<Fields>,
    changelog: Option<Changelog>,
}

#[derive(Deserialize)]
struct Fields {
    created: Option<String>,
    status: Option<Named>,
    issuetype: Option<Named>,
}

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Changelog {
    #[serde(default)]
    histories: Vec<History>,
}

#[derive(Deserialize)]
struct History {
    created: Option<String>,
    #[serde(default)]
    items: Vec<ChangeItem>,
}

#[derive(Deserialize)]
struct ChangeItem {
    field: Option<String>,
    #[serde(rename = "fieldId")]
    field_id: Option<String>,
    #[serde(rename = "fromString")]
    from_string: Option<String>,
    #[serde(rename = "toString")]
    to_string: Option<String>,
}

/// The JSON files of `path`: the file itself, or the `.json` files of a folder in name
/// order (the pages of a paged search).
pub(crate) fn json_files(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let io = |source| Error::Io {
        file: Some(path.display().to_string()),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Empty {
            pos: Box::new(Position::file(Some(&path.display().to_string()))),
            message: "the folder has no .json files (pages of a Jira search)".to_owned(),
        });
    }
    Ok(files)
}

/// Reads every page into one log: per issue, its creation in the status it was created in,
/// then each status change. Issue type becomes the attribute `type`.
pub(crate) fn read(path: &Path, opts: &ImportOptions) -> Result<EventLog> {
    let files = json_files(path)?;
    let mut b = EventLogBuilder::new().source(
        opts.name
            .clone()
            .unwrap_or_else(|| path.display().to_string()),
    );
    let type_attr = b.attribute_index("type");
    let mut tp = TimeParser::new(TimeFormat::Auto, opts.offset);
    let mut rejected: Vec<RejectedRow> = Vec::new();
    let mut changes: Vec<(i64, usize, String, Option<String>)> = Vec::new();
    for file in &files {
        let name = file.display().to_string();
        let f = File::open(file).map_err(|source| Error::Io {
            file: Some(name.clone()),
            source,
        })?;
        let page: Page = serde_json::from_reader(BufReader::new(f)).map_err(|e| {
            let mut pos = Position::file(Some(&name));
            if e.line() > 0 {
                pos = pos.at_line(e.line() as u64);
                pos.char = Some(e.column() as u64);
            }
            Error::Value {
                pos: Box::new(pos),
                message: format!(
                    "not a Jira search result (expected {{\"issues\": [{{\"key\", \"fields\": {{\"created\", \"status\"}}, \"changelog\": {{\"histories\": [...]}}}}]}}): {e}"
                ),
            }
        })?;
        let issues = match page {
            Page::Search { issues } | Page::Issues(issues) => issues,
        };
        for (i, issue) in issues.into_iter().enumerate() {
            b.stats.rows += 1;
            let at = |field: &str| format!("issues[{i}].{field}");
            let mut bad = |column: String, value: Option<&str>, reason: String| -> Result<()> {
                let mut pos = Position::file(Some(&name)).in_column(&column);
                if let Some(v) = value {
                    pos = pos.with_value(v.as_bytes());
                }
                match opts.bad_rows {
                    super::BadRows::Error => Err(Error::value(pos, reason)),
                    _ => {
                        rejected.push(RejectedRow {
                            line: 0,
                            column: pos.column,
                            value: pos.value,
                            reason,
                        });
                        Ok(())
                    }
                }
            };
            let Some(key) = issue.key.filter(|k| !k.trim().is_empty()) else {
                bad(at("key"), None, "an issue without a key".to_owned())?;
                continue;
            };
            let fields = issue.fields.unwrap_or(Fields {
                created: None,
                status: None,
                issuetype: None,
            });
            let Some(created) = fields.created else {
                bad(
                    at("fields.created"),
                    None,
                    format!("issue {key} has no creation date"),
                )?;
                continue;
            };
            let created_ms = match tp.parse(created.trim().as_bytes()) {
                Ok(t) => t,
                Err(m) => {
                    bad(
                        at("fields.created"),
                        Some(&created),
                        format!("issue {key}: {m}"),
                    )?;
                    continue;
                }
            };
            // Status changes, in time order (ties keep their order in the changelog).
            changes.clear();
            let mut broken = false;
            for (h, history) in issue
                .changelog
                .map(|c| c.histories)
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                let status_items = history.items.into_iter().filter(|it| {
                    it.field.as_deref() == Some("status")
                        || it.field_id.as_deref() == Some("status")
                });
                for item in status_items {
                    let Some(when) = history.created.as_deref() else {
                        bad(
                            at(&format!("changelog.histories[{h}].created")),
                            None,
                            format!("issue {key}: a status change without a date"),
                        )?;
                        broken = true;
                        break;
                    };
                    let t = match tp.parse(when.trim().as_bytes()) {
                        Ok(t) => t,
                        Err(m) => {
                            bad(
                                at(&format!("changelog.histories[{h}].created")),
                                Some(when),
                                format!("issue {key}: {m}"),
                            )?;
                            broken = true;
                            break;
                        }
                    };
                    let Some(to) = item.to_string.filter(|s| !s.trim().is_empty()) else {
                        bad(
                            at(&format!("changelog.histories[{h}].items.toString")),
                            None,
                            format!("issue {key}: a status change to no status"),
                        )?;
                        broken = true;
                        break;
                    };
                    changes.push((t, changes.len(), to, item.from_string));
                }
                if broken {
                    break;
                }
            }
            if broken {
                continue;
            }
            changes.sort_by_key(|c| (c.0, c.1));
            let current = fields.status.and_then(|s| s.name);
            let initial = match changes.first() {
                Some((_, _, _, Some(from))) if !from.trim().is_empty() => from.clone(),
                Some(_) | None => match current {
                    Some(c) if !c.trim().is_empty() => c,
                    _ => {
                        bad(
                            at("fields.status.name"),
                            None,
                            format!("issue {key} has no status and no status change"),
                        )?;
                        continue;
                    }
                },
            };
            let Some(item) = b.item_index(key.trim().as_bytes()) else {
                continue;
            };
            let s = b.state_index(initial.trim().as_bytes()).unwrap_or(0);
            b.push_ids(item, s, created_ms, 0);
            for (t, _, to, _) in &changes {
                let s = b.state_index(to.trim().as_bytes()).unwrap_or(0);
                b.push_ids(item, s, *t, 0);
            }
            if let Some(ty) = fields.issuetype.and_then(|t| t.name) {
                b.set_attribute_ids(type_attr, item, ty.as_bytes());
            }
        }
    }
    if b.stats.rows == 0 {
        return Err(Error::Empty {
            pos: Box::new(Position::file(Some(&path.display().to_string()))),
            message: "the search result has no issues".to_owned(),
        });
    }
    b.stats.rejected = rejected;
    Ok(b.build())
}
