//! The message for a Jira JSON document that cannot be read: where, what is there and what
//! was expected, in our words (never the JSON library's).

use serde_json::Value;

use crate::error::{Error, Position};

/// What a page must be.
const EXPECTED_PAGE: &str =
    "a Jira search result: an object with an `issues` array, or a list of issues";

/// The most characters of the input a message quotes.
const QUOTED: usize = 30;

/// The error for `text` (the file `name`), which `serde_json` could not read as a page
/// (`e`): a syntax error where the JSON is not valid, else the first value that is not what
/// a page holds, where `e` says.
pub(super) fn page_error(text: &[u8], name: Option<&str>, e: &serde_json::Error) -> Error {
    let (e, message) = match serde_json::from_slice::<Value>(text) {
        Err(syntax) => (Place::of(&syntax), syntax_message(text, &syntax)),
        Ok(v) => {
            let message = shape(&v).unwrap_or_else(|| format!("not {EXPECTED_PAGE}"));
            (Place::of(e), message)
        }
    };
    Error::value(position(text, name, &e), message)
}

/// `serde_json`'s line (0: none) and column of an error.
struct Place {
    line: usize,
    column: usize,
}

impl Place {
    fn of(e: &serde_json::Error) -> Place {
        Place {
            line: e.line(),
            column: e.column(),
        }
    }
}

/// The file `name` at the line and column of `e`, as an editor counts them.
fn position(text: &[u8], name: Option<&str>, e: &Place) -> Position {
    let mut pos = Position::file(name);
    if e.line > 0 {
        let (line, char) = line_and_char(text, byte_index(text, e.line, e.column));
        pos = pos.at_line(line);
        pos.char = Some(char);
    }
    pos
}

/// A JSON syntax error, in our words.
fn syntax_message(text: &[u8], e: &serde_json::Error) -> String {
    if e.classify() == serde_json::error::Category::Eof {
        return "the JSON document ends before it is complete (is the file cut short?); \
                expected a Jira search result"
            .to_owned();
    }
    let near = if e.line() > 0 {
        near(text, byte_index(text, e.line(), e.column()))
    } else {
        String::new()
    };
    format!("not valid JSON{near}: {}", syntax_detail(&e.to_string()))
}

/// The byte index of `serde_json`'s `line` and `column`: it counts lines by `\n` alone and
/// columns in bytes from the line's start.
fn byte_index(text: &[u8], line: usize, column: usize) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    (start + column).min(text.len())
}

/// The 1-based line of byte `i` of `text` (a line ends at `\n`, `\r\n` or a lone `\r`) and
/// the character number, in that line, of the byte before it (the last one read).
fn line_and_char(text: &[u8], i: usize) -> (u64, u64) {
    let before = &text[..i];
    let mut line = 1;
    let mut start = 0;
    for (j, &b) in before.iter().enumerate() {
        let ends = b == b'\n' || (b == b'\r' && before.get(j + 1) != Some(&b'\n'));
        if ends {
            line += 1;
            start = j + 1;
        }
    }
    let chars = String::from_utf8_lossy(&before[start..]).chars().count();
    (line, chars.max(1) as u64)
}

/// ` near "…"`: the text from the byte before `i` to the end of its line, shortened.
fn near(text: &[u8], i: usize) -> String {
    let from = i.saturating_sub(1);
    let rest = String::from_utf8_lossy(&text[from..]);
    let line = rest.split(['\n', '\r']).next().unwrap_or("");
    let shown: String = line.chars().take(QUOTED).collect();
    if shown.trim().is_empty() {
        String::new()
    } else if line.chars().count() > QUOTED {
        format!(" near {shown:?}…")
    } else {
        format!(" near {shown:?}")
    }
}

/// What is wrong with the JSON syntax at the place it failed, from `serde_json`'s message.
fn syntax_detail(message: &str) -> &'static str {
    const KNOWN: [(&str, &str); 10] = [
        ("expected `:`", "expected `:` after a key"),
        (
            "expected `,` or `]`",
            "expected `,` or `]` after an element of a list",
        ),
        (
            "expected `,` or `}`",
            "expected `,` or `}` after a value in an object",
        ),
        ("key must be a string", "expected a key in double quotes"),
        (
            "trailing comma",
            "a comma before a closing bracket is not allowed",
        ),
        (
            "trailing characters",
            "found more text after the end of the document",
        ),
        (
            "control character",
            "found a line break or control character inside a string",
        ),
        (
            "invalid escape",
            "found an invalid escape (`\\`) in a string",
        ),
        ("invalid number", "found an invalid number"),
        ("recursion limit", "arrays or objects are nested too deeply"),
    ];
    KNOWN.iter().find(|(k, _)| message.starts_with(k)).map_or(
        "expected a JSON value (a Jira search result is JSON)",
        |(_, ours)| ours,
    )
}

/// The first place where `v` is not what a page must be, as a sentence; `None` if it is one.
fn shape(v: &Value) -> Option<String> {
    let issues = match v {
        Value::Array(issues) => issues,
        Value::Object(o) => match o.get("issues") {
            Some(Value::Array(issues)) => issues,
            Some(other) => return Some(wrong("issues", other, "an array of issues")),
            None => {
                let keys = o
                    .keys()
                    .take(5)
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>();
                let more = if o.len() > 5 {
                    format!(" and {} more", o.len() - 5)
                } else {
                    String::new()
                };
                return Some(format!(
                    "the object has no `issues` key (it has {}{more}); expected {EXPECTED_PAGE}",
                    if keys.is_empty() {
                        "no keys".to_owned()
                    } else {
                        keys.join(", ")
                    }
                ));
            }
        },
        other => {
            return Some(format!(
                "the document is {}; expected {EXPECTED_PAGE}",
                found(other)
            ));
        }
    };
    issues
        .iter()
        .enumerate()
        .find_map(|(i, issue)| issue_shape(&format!("issues[{i}]"), issue))
}

/// The first field of an issue that is not what it must be.
fn issue_shape(at: &str, issue: &Value) -> Option<String> {
    let Value::Object(o) = issue else {
        return Some(wrong(
            at,
            issue,
            "an issue: an object with `key`, `fields` and `changelog`",
        ));
    };
    let text = "a string or null";
    let checks: [(&str, &str, Kind); 3] = [
        (
            "key",
            "the issue key as a string (like \"PROJ-12\")",
            Kind::Text,
        ),
        (
            "fields",
            "an object with `created`, `status` and `issuetype`",
            Kind::Object,
        ),
        (
            "changelog",
            "an object with a `histories` array",
            Kind::Object,
        ),
    ];
    if let Some(m) = fields_shape(at, o, &checks) {
        return Some(m);
    }
    if let Some(Value::Object(f)) = o.get("fields") {
        let at = format!("{at}.fields");
        let checks = [
            ("created", "a date string", Kind::Text),
            ("status", "an object with a `name`", Kind::Object),
            ("issuetype", "an object with a `name`", Kind::Object),
        ];
        if let Some(m) = fields_shape(&at, f, &checks) {
            return Some(m);
        }
        for named in ["status", "issuetype"] {
            if let Some(Value::Object(n)) = f.get(named) {
                let checks = [("name", text, Kind::Text)];
                if let Some(m) = fields_shape(&format!("{at}.{named}"), n, &checks) {
                    return Some(m);
                }
            }
        }
    }
    match o.get("changelog") {
        Some(Value::Object(c)) => changelog_shape(&format!("{at}.changelog"), c),
        _ => None,
    }
}

/// The first part of a changelog that is not what it must be.
fn changelog_shape(at: &str, c: &serde_json::Map<String, Value>) -> Option<String> {
    let count = "a whole number of at least 0";
    let checks = [
        ("histories", "an array of histories", Kind::List),
        ("total", count, Kind::Count),
        ("startAt", count, Kind::Count),
    ];
    if let Some(m) = fields_shape(at, c, &checks) {
        return Some(m);
    }
    let Some(Value::Array(histories)) = c.get("histories") else {
        return None;
    };
    for (h, history) in histories.iter().enumerate() {
        let at = format!("{at}.histories[{h}]");
        let Value::Object(o) = history else {
            return Some(wrong(
                &at,
                history,
                "a history: an object with `created` and `items`",
            ));
        };
        let checks = [
            ("created", "a date string", Kind::Text),
            ("items", "an array of changed fields", Kind::List),
        ];
        if let Some(m) = fields_shape(&at, o, &checks) {
            return Some(m);
        }
        let Some(Value::Array(items)) = o.get("items") else {
            continue;
        };
        for (j, item) in items.iter().enumerate() {
            let at = format!("{at}.items[{j}]");
            let Value::Object(o) = item else {
                return Some(wrong(
                    &at,
                    item,
                    "an object with `field`, `fromString` and `toString`",
                ));
            };
            let text = "a string or null";
            let checks = [
                ("field", text, Kind::Text),
                ("fieldId", text, Kind::Text),
                ("fromString", text, Kind::Text),
                ("toString", text, Kind::Text),
            ];
            if let Some(m) = fields_shape(&at, o, &checks) {
                return Some(m);
            }
        }
    }
    None
}

/// What a field may hold (null always, for the optional ones).
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Object,
    /// An array (null is not allowed: a missing key is).
    List,
    /// A non-negative integer.
    Count,
}

/// The first of `checks` (key, what was expected, kind) that `o` (at `at`) breaks.
fn fields_shape(
    at: &str,
    o: &serde_json::Map<String, Value>,
    checks: &[(&str, &str, Kind)],
) -> Option<String> {
    checks.iter().find_map(|&(key, expected, kind)| {
        let v = o.get(key)?;
        let ok = match kind {
            Kind::Text => v.is_string() || v.is_null(),
            Kind::Object => v.is_object() || v.is_null(),
            Kind::List => v.is_array(),
            Kind::Count => v.is_u64() || v.is_null(),
        };
        (!ok).then(|| wrong(&format!("{at}.{key}"), v, expected))
    })
}

/// `at` holds `v` where `expected` was expected.
fn wrong(at: &str, v: &Value, expected: &str) -> String {
    format!("`{at}` is {}; expected {expected}", found(v))
}

/// What a value is, with the value when short.
fn found(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {}", short(&n.to_string())),
        Value::String(s) => format!("the string {:?}", short(s)),
        Value::Array(a) => format!("an array of {} element{}", a.len(), plural(a.len())),
        Value::Object(o) => format!("an object with {} key{}", o.len(), plural(o.len())),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `s` cut to [`QUOTED`] characters (an ellipsis after).
fn short(s: &str) -> String {
    if s.chars().count() <= QUOTED {
        s.to_owned()
    } else {
        let head: String = s.chars().take(QUOTED).collect();
        format!("{head}…")
    }
}
