//! Jira REST search results with `expand=changelog`: one JSON file, or a folder of pages;
//! a single issue (`GET /rest/api/2/issue/KEY?expand=changelog`) reads as a page of one, so
//! a folder of one-issue files (the form jirametrics stores) reads as a search.
//!
//! An issue's key is its id, so one key is one issue: the same issue found twice (in two
//! pages or files, identical) is read once, the second copy counted as a rejected row that
//! says where the first one is; two different issues with one key are an error naming both
//! files (with `--skip-bad-rows`, the second is rejected).
//!
//! The search returns at most 100 histories per issue. An issue whose changelog is cut short
//! (`total` above the histories returned, or `startAt` above 0) is kept with the changes it
//! has, and counted in the ledger's `incomplete_history` warning: its earlier status changes
//! are missing, so its first known status seems to start at creation.

use std::collections::HashMap;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::jira_errors::page_error;
use super::spec::{Sniff, Spec};
use crate::error::{Error, Position, Result};
use crate::log::event_log::{EventLog, EventLogBuilder};
use crate::log::input::Input;
use crate::log::quality::{RejectedRow, Warning, WarningKind};
use crate::log::settings::{BadRows, Settings};
use crate::time::{TimeFormat, TimeParser};

pub(super) const SPEC: Spec = Spec {
    name: "jira-json",
    columns: "{\"issues\": [{\"key\", \"fields\": {\"created\", \"summary\", \"status\": {\"name\"}, \"issuetype\": {\"name\"}}, \"changelog\": {\"histories\": [{\"created\", \"items\": [{\"field\": \"status\", \"fromString\", \"toString\"}]}]}}]}",
    how_to_export: "save GET /rest/api/2/search?jql=<query>&expand=changelog (each page to a file in one folder for large searches), or GET /rest/api/2/issue/KEY?expand=changelog (one issue a file)",
    workflow_note: "one stage per status in order of first appearance, kinds guessed from the names (Done, Closed and Resolved are done)",
    recognise,
    read,
};

fn recognise(s: &Sniff) -> Option<&'static str> {
    if s.folder {
        return Some("a folder: pages of a Jira search");
    }
    matches!(s.first, Some(b'{' | b'[')).then_some("a JSON document")
}

/// The issues of one page: a search result (`{"issues": [...]}`, other keys ignored), a
/// bare list of issues, or a single issue (an object with `key` or `fields` and no
/// `issues`).
struct Page(Vec<Issue>);

impl<'de> Deserialize<'de> for Page {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Page, D::Error> {
        d.deserialize_any(PageVisitor)
    }
}

struct PageVisitor;

impl<'de> Visitor<'de> for PageVisitor {
    type Value = Page;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Jira search result")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Page, A::Error> {
        let mut issues = Vec::new();
        while let Some(issue) = seq.next_element()? {
            issues.push(issue);
        }
        Ok(Page(issues))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Page, A::Error> {
        let mut issues = None;
        let mut one = Issue {
            key: None,
            fields: None,
            changelog: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "issues" => issues = Some(map.next_value()?),
                "key" => one.key = map.next_value()?,
                "fields" => one.fields = map.next_value()?,
                "changelog" => one.changelog = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match issues {
            Some(issues) => Ok(Page(issues)),
            // A single issue, as `GET /rest/api/2/issue/KEY?expand=changelog` returns it.
            None if one.key.is_some() || one.fields.is_some() => Ok(Page(vec![one])),
            None => Err(de::Error::missing_field("issues")),
        }
    }
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
    summary: Option<String>,
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
    /// How many histories the issue has in all (the search returns at most `maxResults`).
    total: Option<u64>,
    /// The index of the first history returned.
    #[serde(rename = "startAt")]
    start_at: Option<u64>,
}

impl Changelog {
    /// Whether the page holds only part of the issue's histories: fewer than its total,
    /// or not from the first one.
    fn is_incomplete(&self) -> bool {
        self.total.is_some_and(|t| t > self.histories.len() as u64)
            || self.start_at.is_some_and(|s| s > 0)
    }
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
fn json_files(path: &Path) -> Result<Vec<PathBuf>> {
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
/// then each status change. Issue type becomes the attribute `type`, the summary the attribute
/// `summary` (the item's name). The changelog's "Flagged" entries (an impediment set, then
/// cleared) become the item's flags ([`EventLogBuilder::flag`]), its blocked intervals.
fn read(input: Input<'_>, settings: &Settings) -> Result<EventLog> {
    match input {
        Input::Path(path) => read_files(
            &json_files(path)?,
            input.name(settings).as_deref(),
            settings,
        ),
        Input::Bytes(bytes) => {
            let mut r = Reading::new(input.name(settings), settings);
            let name = settings.name.as_deref();
            r.page(parse_page(bytes, name)?, name)?;
            r.finish(name)
        }
    }
}

/// Reads the JSON files `files` as the pages of one search (named `whole`): a key is one
/// issue in all of them.
pub(crate) fn read_files(
    files: &[PathBuf],
    whole: Option<&str>,
    settings: &Settings,
) -> Result<EventLog> {
    let mut r = Reading::new(whole.map(str::to_owned), settings);
    for file in files {
        let name = file.display().to_string();
        let text = std::fs::read(file).map_err(|source| Error::Io {
            file: Some(name.clone()),
            source,
        })?;
        let page = parse_page(&text, Some(&name))?;
        r.page(page, Some(&name))?;
    }
    r.finish(whole)
}

/// One page of search results, or an error in our words: where (line and column counted
/// as an editor counts them), what is there, and what was expected.
fn parse_page(text: &[u8], name: Option<&str>) -> Result<Page> {
    serde_json::from_slice(text).map_err(|e| page_error(text, name, &e))
}

/// A status change: its instant, its place in the changelog, the status it went to and
/// the one it came from.
type Change = (i64, usize, String, Option<String>);

/// The pages read so far.
struct Reading {
    b: EventLogBuilder,
    type_attr: usize,
    summary_attr: usize,
    /// The issues read so far, by key: the page they came from (an index into `files`) and
    /// a fingerprint of what was read of them.
    seen: HashMap<String, (usize, u64)>,
    /// The names of the pages read so far.
    files: Vec<String>,
    tp: TimeParser,
    bad_rows: BadRows,
    rejected: Vec<RejectedRow>,
    /// The status changes of the issue being read (a buffer reused from issue to issue).
    changes: Vec<Change>,
    /// Its flag changes ("Flagged" set or cleared), in changelog order.
    flags: Vec<(i64, bool)>,
    /// How many issues were kept with a changelog the search cut short, and the first keys.
    incomplete: u64,
    incomplete_examples: Vec<String>,
}

impl Reading {
    fn new(source: Option<String>, settings: &Settings) -> Reading {
        let mut b = EventLogBuilder::new();
        if let Some(s) = source {
            b = b.source(s);
        }
        let type_attr = b.attribute_index("type");
        let summary_attr = b.attribute_index("summary");
        Reading {
            b,
            type_attr,
            summary_attr,
            seen: HashMap::new(),
            files: Vec::new(),
            tp: TimeParser::new(TimeFormat::Auto, settings.offset),
            bad_rows: settings.bad_rows,
            rejected: Vec::new(),
            changes: Vec::new(),
            flags: Vec::new(),
            incomplete: 0,
            incomplete_examples: Vec::new(),
        }
    }

    /// Reads the issues of one page (of the file `name`).
    fn page(&mut self, page: Page, name: Option<&str>) -> Result<()> {
        self.files.push(name.unwrap_or("the input").to_owned());
        for (i, issue) in page.0.into_iter().enumerate() {
            self.b.stats.rows += 1;
            self.issue(&Place { name, issue: i }, issue)?;
        }
        Ok(())
    }

    /// Reads one issue: its events, or a rejected issue.
    fn issue(&mut self, at: &Place<'_>, issue: Issue) -> Result<()> {
        let Some(key) = issue.key.filter(|k| !k.trim().is_empty()) else {
            let place = at.place(None, None);
            return self.bad(at, place, "key", None, "an issue without a key".to_owned());
        };
        let fields = issue.fields.unwrap_or(Fields {
            created: None,
            summary: None,
            status: None,
            issuetype: None,
        });
        let Some(created) = fields.created else {
            let reason = format!("issue {key} has no creation date");
            return self.bad(
                at,
                at.place(Some(&key), None),
                "fields.created",
                None,
                reason,
            );
        };
        let created_ms = match self.tp.parse(created.trim().as_bytes()) {
            Ok(t) => t,
            Err(m) => {
                let reason = format!("issue {key}: {m}");
                let place = at.place(Some(&key), None);
                return self.bad(at, place, "fields.created", Some(&created), reason);
            }
        };
        let incomplete = issue
            .changelog
            .as_ref()
            .is_some_and(Changelog::is_incomplete);
        let histories = issue.changelog.map(|c| c.histories).unwrap_or_default();
        if !self.status_changes(at, &key, histories)? {
            return Ok(());
        }
        let current = fields.status.and_then(|s| s.name);
        let initial = match self.changes.first() {
            Some((_, _, _, Some(from))) if !from.trim().is_empty() => from.clone(),
            Some(_) | None => match current {
                Some(c) if !c.trim().is_empty() => c,
                _ => {
                    let reason = format!("issue {key} has no status and no status change");
                    let place = at.place(Some(&key), None);
                    return self.bad(at, place, "fields.status.name", None, reason);
                }
            },
        };
        let ty = fields.issuetype.and_then(|t| t.name);
        let print = fingerprint(
            created_ms,
            &initial,
            (&self.changes, &self.flags),
            ty.as_deref(),
            fields.summary.as_deref(),
        );
        if !self.first_time(at, &key, print)? {
            return Ok(());
        }
        let Some(item) = self.b.item_index(key.trim().as_bytes()) else {
            return Ok(());
        };
        let s = self.b.state_index(initial.trim().as_bytes()).unwrap_or(0);
        self.b.push_ids(item, s, created_ms, 0);
        for (t, _, to, _) in &self.changes {
            let s = self.b.state_index(to.trim().as_bytes()).unwrap_or(0);
            self.b.push_ids(item, s, *t, 0);
        }
        // In changelog order: the timelines sort each item's flags by time.
        for &(t, on) in &self.flags {
            self.b.flag_ids(item, t, on);
        }
        if let Some(ty) = ty {
            self.b
                .set_attribute_ids(self.type_attr, item, ty.as_bytes());
        }
        if let Some(summary) = fields.summary.filter(|s| !s.trim().is_empty()) {
            self.b
                .set_attribute_ids(self.summary_attr, item, summary.trim().as_bytes());
        }
        if incomplete {
            self.incomplete += 1;
            if self.incomplete_examples.len() < 5 {
                self.incomplete_examples.push(key.trim().to_owned());
            }
        }
        Ok(())
    }

    /// Whether issue `key` (of fingerprint `print`) is read for the first time. The same
    /// issue again is counted as a rejected row saying where it was first read; another
    /// issue with the same key is a bad row naming both pages.
    fn first_time(&mut self, at: &Place<'_>, key: &str, print: u64) -> Result<bool> {
        let key = key.trim();
        let this = self.files.len().saturating_sub(1);
        let (file, first) = match self.seen.get(key) {
            None => {
                self.seen.insert(key.to_owned(), (this, print));
                return Ok(true);
            }
            Some(&(file, first)) => (file, first),
        };
        let (first_file, this_file) = (&self.files[file], &self.files[this]);
        let place = at.place(Some(key), None);
        if first == print {
            let reason = format!("issue {key} again, the same as in {first_file}: read once");
            self.rejected.push(RejectedRow {
                line: 0,
                place: Some(place),
                column: Some(format!("issues[{}].key", at.issue)),
                value: Some(key.to_owned()),
                reason,
            });
            return Ok(false);
        }
        let reason = if file == this {
            format!("two different issues with the key {key}, both in {this_file}")
        } else {
            format!(
                "two different issues with the key {key}: one in {first_file}, another in {this_file}"
            )
        };
        self.bad(at, place, "key", Some(key), reason)?;
        Ok(false)
    }

    /// The status changes of issue `key`, in time order (ties keep their order in the
    /// changelog), into `self.changes`; `false` if one is unusable (the issue is rejected).
    fn status_changes(
        &mut self,
        at: &Place<'_>,
        key: &str,
        histories: Vec<History>,
    ) -> Result<bool> {
        self.changes.clear();
        self.flags.clear();
        for (h, history) in histories.into_iter().enumerate() {
            let items = history.items.into_iter().filter_map(|it| {
                let field = |name: &str| {
                    it.field.as_deref() == Some(name) || it.field_id.as_deref() == Some(name)
                };
                let status = field("status");
                (status || field("Flagged")).then_some((status, it))
            });
            for (status, item) in items {
                let field = format!("changelog.histories[{h}].created");
                let place = || at.place(Some(key), Some(h));
                let what = if status {
                    "status change"
                } else {
                    "flag change"
                };
                let Some(when) = history.created.as_deref() else {
                    let reason = format!("issue {key}: a {what} without a date");
                    self.bad(at, place(), &field, None, reason)?;
                    return Ok(false);
                };
                let t = match self.tp.parse(when.trim().as_bytes()) {
                    Ok(t) => t,
                    Err(m) => {
                        let reason = format!("issue {key}: {m}");
                        self.bad(at, place(), &field, Some(when), reason)?;
                        return Ok(false);
                    }
                };
                if !status {
                    // "Flagged" set ("Impediment") or cleared (empty): blocked while set.
                    let on = item.to_string.is_some_and(|s| !s.trim().is_empty());
                    self.flags.push((t, on));
                    continue;
                }
                let Some(to) = item.to_string.filter(|s| !s.trim().is_empty()) else {
                    let field = format!("changelog.histories[{h}].items.toString");
                    let reason = format!("issue {key}: a status change to no status");
                    self.bad(at, place(), &field, None, reason)?;
                    return Ok(false);
                };
                self.changes
                    .push((t, self.changes.len(), to, item.from_string));
            }
        }
        self.changes.sort_by_key(|c| (c.0, c.1));
        Ok(true)
    }

    /// An issue that cannot be used, at `field` of the issue at `at` (`place` in words): an
    /// error, or a rejection recorded in the ledger.
    fn bad(
        &mut self,
        at: &Place<'_>,
        place: String,
        field: &str,
        value: Option<&str>,
        reason: String,
    ) -> Result<()> {
        let column = format!("issues[{}].{field}", at.issue);
        let mut pos = Position::file(at.name).in_column(&column);
        if let Some(v) = value {
            pos = pos.with_value(v.as_bytes());
        }
        if self.bad_rows == BadRows::Error {
            Err(Error::value(pos, reason))
        } else {
            self.rejected.push(RejectedRow {
                line: 0,
                place: Some(place),
                column: pos.column,
                value: pos.value,
                reason,
            });
            Ok(())
        }
    }

    /// The log of every page (`name` names the whole input when it has no issue).
    fn finish(mut self, name: Option<&str>) -> Result<EventLog> {
        if self.b.stats.rows == 0 {
            return Err(Error::Empty {
                pos: Box::new(Position::file(name)),
                message: "the search result has no issues".to_owned(),
            });
        }
        self.b.stats.rejected = self.rejected;
        if self.incomplete > 0 {
            self.b.stats.warnings.push(Warning {
                kind: WarningKind::IncompleteHistory,
                count: self.incomplete,
                items: self.incomplete,
                examples: self.incomplete_examples,
            });
        }
        Ok(self.b.build())
    }
}

/// A fingerprint of what is read of an issue: two copies of one issue have the same one.
fn fingerprint(
    created_ms: i64,
    initial: &str,
    (changes, flags): (&[Change], &[(i64, bool)]),
    ty: Option<&str>,
    summary: Option<&str>,
) -> u64 {
    let mut h = DefaultHasher::new();
    (created_ms, initial.trim(), ty, summary).hash(&mut h);
    for (t, _, to, from) in changes {
        (t, to.trim(), from.as_deref().map(str::trim)).hash(&mut h);
    }
    flags.hash(&mut h);
    h.finish()
}

/// Where an issue is: the page's file and the issue's index in it.
struct Place<'a> {
    name: Option<&'a str>,
    issue: usize,
}

impl Place<'_> {
    /// The issue in words: by its `key` (else its number in the page), and the 0-based
    /// index `history` in its changelog, if one is at fault (said 1-based).
    fn place(&self, key: Option<&str>, history: Option<usize>) -> String {
        let mut s = match key {
            Some(k) => format!("issue {:?}", k.trim()),
            None => format!(
                "issue #{} (without a key) of {}",
                self.issue + 1,
                self.name.unwrap_or("the input")
            ),
        };
        if let Some(h) = history {
            s.push_str(&format!(", history {}", h + 1));
        }
        s
    }
}
