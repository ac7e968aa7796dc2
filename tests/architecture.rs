//! The crate's layout keeps one direction (ARCHITECTURE.md): data flows from the log to the
//! renderers, and no module imports one that comes later in that flow:
//!
//! ```text
//! error, time, stats, short_key → log → workflow → timeline → metrics, dora → model → forecast → report, export
//! ```
//!
//! This test reads every `use crate::…` and `use super::…` line (and inline `crate::x::…`
//! paths) of `src/` and checks:
//!
//! 1. every top-level module imports only modules of its own rank or earlier ones, and no
//!    two modules of the same rank import each other;
//! 2. inside a module, the files that are siblings (`log/reader.rs`, `log/xes.rs`, …) import
//!    each other without a cycle (a name a sibling takes from its parent's re-exports counts
//!    as taken from the file that defines it);
//! 3. every module of `src/` is in the list below, so a new one must be placed in the flow.
//!
//! The command line (`src/bin/`) uses the public API only and is not checked here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules in data-flow order: a module may import its own rank or lower.
const RANKS: &[(&str, u32)] = &[
    ("error", 0),
    ("time", 0),
    ("stats", 0),
    ("short_key", 0),
    ("log", 1),
    ("workflow", 2),
    ("timeline", 3),
    ("metrics", 4),
    ("dora", 4),
    ("model", 5),
    ("forecast", 6),
    ("report", 7),
    ("export", 7),
];

/// A source file as a module path: `["log", "reader", "chunked"]` for
/// `src/log/reader/chunked.rs` (a `mod.rs` is its folder's module).
type ModPath = Vec<String>;

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "bin") {
                files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn mod_path(file: &Path) -> ModPath {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The code of a file without comments, doc comments and its `#[cfg(test)]` module (tests
/// may use anything).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `use` statement of a file's code: whether it is a re-export (`pub use`,
/// `pub(crate) use`), and its tree without spaces.
fn use_trees(code: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = code[i..].find("use ") {
        let at = i + k;
        i = at + 4;
        let before = code[..at].rsplit('\n').next().unwrap_or("").trim();
        let is_pub = before == "pub" || before.starts_with("pub(");
        if !(before.is_empty() || is_pub) {
            continue;
        }
        let end = code[at..].find(';').map_or(code.len(), |e| at + e);
        let tree: String = code[at + 4..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push((is_pub, tree));
        i = end;
    }
    out
}

/// The imports of a file's code that name the crate's modules: its `use crate::…`,
/// `use super::…` and `use self::…` trees, and the inline `crate::a::b` paths.
fn imports(code: &str) -> Vec<String> {
    let mut out: Vec<String> = use_trees(code)
        .into_iter()
        .map(|(_, t)| t)
        .filter(|t| t.starts_with("crate::") || t.starts_with("super::") || t.starts_with("self::"))
        .collect();
    let without_uses = blank_uses(code);
    for root in ["crate::", "super::"] {
        out.extend(inline_paths(&without_uses, root));
    }
    out
}

/// The code with every `use` statement blanked out.
fn blank_uses(code: &str) -> String {
    let mut out = code.to_owned();
    let mut i = 0;
    while let Some(k) = code[i..].find("use ") {
        let at = i + k;
        i = at + 4;
        let before = code[..at].rsplit('\n').next().unwrap_or("").trim();
        if !(before.is_empty() || before == "pub" || before.starts_with("pub(")) {
            continue;
        }
        let end = code[at..].find(';').map_or(code.len(), |e| at + e);
        out.replace_range(at..end, &" ".repeat(end - at));
        i = end;
    }
    out
}

/// The paths starting with `root` written in code.
fn inline_paths(code: &str, root: &str) -> Vec<String> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut j = 0;
    while let Some(k) = code[j..].find(root) {
        let at = j + k;
        j = at + root.len();
        let prev = if at == 0 { b' ' } else { bytes[at - 1] };
        if prev.is_ascii_alphanumeric() || prev == b'_' || prev == b':' {
            continue;
        }
        let path: String = code[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        out.push(path);
    }
    out
}

/// Expands a use tree (`crate::a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.trim_end_matches("::").to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (k, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// The module a path resolves to: the longest prefix that is a file of the crate, with the
/// parent's re-exports followed for a name taken from a folder module.
fn resolve(
    from: &ModPath,
    path: &str,
    modules: &BTreeSet<ModPath>,
    reexports: &BTreeMap<(ModPath, String), ModPath>,
) -> Option<ModPath> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: ModPath = match *segs.first()? {
        "crate" => Vec::new(),
        "super" => from[..from.len().saturating_sub(1)].to_vec(),
        "self" => from.clone(),
        _ => return None,
    };
    let mut rest = &segs[1..];
    while rest.first() == Some(&"super") {
        base.pop();
        rest = &rest[1..];
    }
    for s in rest {
        let mut next = base.clone();
        next.push((*s).to_owned());
        if modules.contains(&next) {
            base = next;
        } else {
            // A name of `base`: maybe re-exported from one of its children.
            if let Some(child) = reexports.get(&(base.clone(), (*s).to_owned())) {
                return Some(child.clone());
            }
            break;
        }
    }
    Some(base)
}

struct Crate {
    modules: BTreeSet<ModPath>,
    /// (file, imported module) edges.
    edges: BTreeSet<(ModPath, ModPath)>,
}

fn read_crate() -> Crate {
    let mut paths = Vec::new();
    files(&src(), &mut paths);
    let sources: Vec<(ModPath, String)> = paths
        .iter()
        .map(|p| (mod_path(p), code(&std::fs::read_to_string(p).unwrap())))
        .collect();
    let modules: BTreeSet<ModPath> = sources.iter().map(|(m, _)| m.clone()).collect();
    // Names a folder module re-exports from its children: `pub use child::{A, B}`.
    let mut reexports = BTreeMap::new();
    for (m, text) in &sources {
        for (is_pub, tree) in use_trees(text) {
            if !is_pub {
                continue;
            }
            for p in expand(tree.trim_start_matches("self::")) {
                let segs: Vec<&str> = p.split("::").collect();
                if segs.len() < 2 {
                    continue;
                }
                let mut child = m.clone();
                child.push(segs[0].to_owned());
                if modules.contains(&child) {
                    reexports.insert((m.clone(), segs[segs.len() - 1].to_owned()), child);
                }
            }
        }
    }
    let mut edges = BTreeSet::new();
    for (m, text) in &sources {
        for tree in imports(text) {
            for p in expand(&tree) {
                if let Some(to) = resolve(m, &p, &modules, &reexports)
                    && &to != m
                {
                    edges.insert((m.clone(), to));
                }
            }
        }
    }
    Crate { modules, edges }
}

fn rank(m: &ModPath) -> Option<u32> {
    let top = m.first()?;
    RANKS.iter().find(|(n, _)| n == top).map(|&(_, r)| r)
}

#[test]
fn every_module_is_placed_in_the_flow() {
    let c = read_crate();
    let unplaced: Vec<String> = c
        .modules
        .iter()
        .filter(|m| !m.is_empty() && rank(m).is_none())
        .map(|m| m.join("::"))
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules not in RANKS (place them in the data flow): {unplaced:?}"
    );
}

#[test]
fn no_module_imports_a_later_one() {
    let c = read_crate();
    let mut bad = Vec::new();
    let mut same_rank: BTreeSet<(String, String)> = BTreeSet::new();
    for (from, to) in &c.edges {
        let (Some(rf), Some(rt)) = (rank(from), rank(to)) else {
            continue;
        };
        let (tf, tt) = (&from[0], &to[0]);
        if rt > rf {
            bad.push(format!(
                "{} imports {} (later in the flow)",
                from.join("::"),
                to.join("::")
            ));
        } else if rt == rf && tf != tt {
            same_rank.insert((tf.clone(), tt.clone()));
        }
    }
    for (a, b) in &same_rank {
        if same_rank.contains(&(b.clone(), a.clone())) && a < b {
            bad.push(format!("{a} and {b} import each other"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Cycles among the files of one folder (its `mod.rs` aside: a folder module re-exports
/// its children, and they use its shared types).
#[test]
fn sibling_files_import_each_other_without_a_cycle() {
    let c = read_crate();
    let mut graph: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (from, to) in &c.edges {
        // Edges between two files of the same folder, neither of them the folder itself;
        // an import of a sibling's child counts as an import of the sibling.
        if from.len() < 2 || to.len() < from.len() {
            continue;
        }
        let parent = &from[..from.len() - 1];
        if !to.starts_with(parent) {
            continue;
        }
        let sibling: ModPath = to[..from.len()].to_vec();
        if &sibling != from {
            graph.entry(from.clone()).or_default().insert(sibling);
        }
    }
    let mut cycles = Vec::new();
    for start in graph.keys() {
        // Depth-first search back to `start`.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if next == start {
                    let names: Vec<String> = path.iter().map(|m| m.join("::")).collect();
                    cycles.push(format!("{} → {}", names.join(" → "), start.join("::")));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    cycles.sort();
    cycles.dedup();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_checker_reads_imports_as_rust_does() {
    assert_eq!(
        expand("crate::log::{EventLog,quality::{DataQuality,Warning}}"),
        [
            "crate::log::EventLog",
            "crate::log::quality::DataQuality",
            "crate::log::quality::Warning"
        ]
    );
    let code = "use crate::a::{B, c::D};\nfn f() { let x = crate::e::f(); }\n";
    assert_eq!(
        imports(code),
        ["crate::a::{B,c::D}", "crate::e::f"].map(str::to_owned)
    );
    let modules: BTreeSet<ModPath> = [vec![], vec!["log".into()], vec!["log".into(), "xes".into()]]
        .into_iter()
        .collect();
    let mut re = BTreeMap::new();
    re.insert(
        (vec!["log".to_owned()], "Reader".to_owned()),
        vec!["log".to_owned(), "reader".to_owned()],
    );
    let from = vec!["log".to_owned(), "xes".to_owned()];
    assert_eq!(
        resolve(&from, "super::Reader", &modules, &re),
        Some(vec!["log".to_owned(), "reader".to_owned()])
    );
    assert_eq!(
        resolve(&from, "crate::log::xes::Thing", &modules, &re),
        Some(from.clone())
    );
    assert_eq!(
        resolve(&from, "crate::time::parse", &modules, &re),
        Some(vec![])
    );
    // A cycle is found, and its absence too.
    let c = read_crate();
    assert!(c.edges.len() > 20, "the checker sees the crate's imports");
}
