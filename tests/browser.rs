//! The report page in a real browser: headless Chromium loads the page that
//! `valuestream report --html` writes, for the story log shipped in `data/story/` and the
//! BPI Challenge 2013 incidents log of `../shared/data` (and the pages of `whatif --html`
//! and `backtest --html` on the story), with the network closed, in the
//! light and the dark colour scheme. `tests/browser/check.js` runs in the page and reports
//! what it saw; the test fails on any error (a script error, a failed load, a blocked
//! request or a console error), any resource fetched, any element wider than the page, any
//! chart whose data marks draw nothing, any two labels of a chart that overlap, and any
//! text whose contrast is too low to read.
//!
//! Chromium is Debian's `chromium` (`.ci/run` installs it). Without it the test says it
//! was skipped, unless `VALUESTREAM_REQUIRE_BROWSER` is set (as `.ci/run` sets it), when
//! it fails. With `VALUESTREAM_SCREENSHOTS=DIR`, it also writes a screenshot of each page
//! in the light scheme into `DIR` (the README's pictures in `docs/` come from
//! `VALUESTREAM_SCREENSHOTS=docs cargo test --all-features --test browser`).
#![cfg(feature = "cli")]

mod real;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The checking script, inserted into a copy of the page.
const CHECK: &str = include_str!("browser/check.js");

/// The browser's executable: `VALUESTREAM_CHROMIUM`, or the first of Debian's and the
/// usual names found on the `PATH`.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VALUESTREAM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The browser, or `None` after saying the test is skipped (a failure when it is required).
fn browser_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("VALUESTREAM_REQUIRE_BROWSER").is_none(),
            "VALUESTREAM_REQUIRE_BROWSER is set but no Chromium was found (install Debian's chromium)"
        );
        let _ = std::io::Write::write_fmt(
            &mut std::io::stderr(),
            format_args!("skipped: no Chromium on the PATH (Debian's chromium package)\n"),
        );
    }
    found
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("browser-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `valuestream COMMAND INPUT ARGS… --html PAGE` and returns the page.
fn write_page(dir: &Path, command: &str, input: &Path, args: &[&str]) -> String {
    let page = dir.join("page.html");
    // From the repository's root with relative paths, so that the page (and a screenshot
    // of it) names the log as the README does.
    let out = Command::new(env!("CARGO_BIN_EXE_valuestream"))
        .current_dir(real::root())
        .arg(command)
        .arg(input)
        .args(args)
        .arg("--html")
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&page).unwrap()
}

/// The common flags: headless, nothing of Chromium's own traffic, the network closed (every
/// host name fails, and a proxy nobody listens on), a fresh profile, a laptop's window.
fn browser(chromium: &Path, profile: &Path, dark: bool) -> Command {
    let mut c = Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--window-size=1280,900",
    ]);
    c.arg(format!("--user-data-dir={}", profile.display()));
    if dark {
        c.arg("--blink-settings=preferredColorScheme=0");
    } else {
        c.arg("--blink-settings=preferredColorScheme=1");
    }
    c
}

/// The page with the checking script first in its head, allowed by a nonce.
fn instrumented(page: &str) -> String {
    let policy = "default-src 'none';";
    assert!(page.contains(policy), "the page declares no policy");
    let page = page.replacen(policy, "default-src 'none'; script-src 'nonce-vscheck';", 1);
    let head = page.find("<head>").expect("a head") + "<head>".len();
    format!(
        "{}\n<script nonce=\"vscheck\">{CHECK}</script>{}",
        &page[..head],
        &page[head..]
    )
}

/// Loads `page` in Chromium in the given scheme and returns what the checking script found.
fn check(chromium: &Path, dir: &Path, page: &str, dark: bool) -> Value {
    let file = dir.join(if dark { "dark.html" } else { "light.html" });
    std::fs::write(&file, instrumented(page)).unwrap();
    let profile = dir.join(if dark {
        "profile-dark"
    } else {
        "profile-light"
    });
    let out = browser(chromium, &profile, dark)
        .arg("--virtual-time-budget=5000")
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.rfind("<pre id=\"vs-check\">").unwrap_or_else(|| {
        panic!(
            "the check did not run; chromium said: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    }) + "<pre id=\"vs-check\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

/// Fails with every problem the check found.
fn assert_clean(name: &str, found: &Value) {
    let mut problems = Vec::new();
    for key in [
        "errors",
        "fetched",
        "wide",
        "empty_charts",
        "overlaps",
        "contrast",
    ] {
        for p in found[key].as_array().unwrap() {
            problems.push(format!("{key}: {}", p.as_str().unwrap()));
        }
    }
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
}

/// Writes a full-page screenshot of `page` when `VALUESTREAM_SCREENSHOTS` names a folder.
fn screenshot(chromium: &Path, dir: &Path, page: &str, height: u64, name: &str) {
    let Some(target) = std::env::var_os("VALUESTREAM_SCREENSHOTS") else {
        return;
    };
    let file = dir.join("shot.html");
    std::fs::write(&file, page).unwrap();
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(target);
    std::fs::create_dir_all(&target).unwrap();
    let png = target.join(format!("{name}.png"));
    let status = browser(chromium, &dir.join("profile-shot"), false)
        .arg(format!("--window-size=1280,{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    assert!(png.exists(), "{}", String::from_utf8_lossy(&status.stderr));
}

/// Checks the page of `valuestream report LOG ARGS… --html` in both schemes and returns
/// what the light one saw.
fn check_page(name: &str, log: &Path, args: &[&str]) -> Option<Value> {
    check_command_page(name, "report", log, args)
}

/// Checks the page of `valuestream COMMAND INPUT ARGS… --html` in both schemes and returns
/// what the light one saw.
fn check_command_page(name: &str, command: &str, input: &Path, args: &[&str]) -> Option<Value> {
    let chromium = browser_or_skip()?;
    let dir = scratch(name);
    let page = write_page(&dir, command, input, args);
    assert!(!page.contains("<script"), "the page itself runs no script");
    let light = check(&chromium, &dir, &page, false);
    assert_eq!(light["dark"], false);
    assert_clean(&format!("{name}, light"), &light);
    let dark = check(&chromium, &dir, &page, true);
    assert_eq!(dark["dark"], true, "the dark scheme was not applied");
    assert_clean(&format!("{name}, dark"), &dark);
    screenshot(
        &chromium,
        &dir,
        &page,
        light["height"].as_u64().unwrap(),
        &format!("report-{name}"),
    );
    Some(light)
}

#[test]
fn the_story_page_renders_cleanly() {
    let Some(seen) = check_page(
        "story",
        Path::new("data/story/log.csv"),
        &["--workflow", "data/story/workflow.toml"],
    ) else {
        return;
    };
    // Every chart the page holds was found and drawn; the tables are tables.
    assert!(seen["charts"].as_u64().unwrap() >= 3, "{seen}");
    assert!(seen["tables"].as_u64().unwrap() >= 4, "{seen}");
}

#[test]
fn the_bpic2013_page_renders_cleanly() {
    if real::shared("bpic2013_incidents.csv").is_none() {
        return;
    }
    let Some(seen) = check_page(
        "bpic2013",
        Path::new("../shared/data/bpic2013_incidents.csv"),
        &[
            "--workflow",
            "data/workflows/bpic2013.toml",
            "--id",
            "case:concept:name",
            "--state",
            "lifecycle:transition",
            "--time",
            "time:timestamp",
        ],
    ) else {
        return;
    };
    assert!(seen["charts"].as_u64().unwrap() >= 3, "{seen}");
}

/// The page of a Jira export with flags (jira-agile-metrics' test issues) has the blocked
/// section's tables, and passes the same checks.
#[test]
fn a_page_with_blocked_time_renders_cleanly() {
    let Some(seen) = check_page(
        "blocked",
        Path::new("tests/data/peers/jira-agile-metrics/cycletime_issues.json"),
        &[
            "--workflow",
            "tests/data/peers/jira-agile-metrics/workflow.toml",
            "--as-of",
            "2018-01-10T15:37:00Z",
        ],
    ) else {
        return;
    };
    assert!(seen["tables"].as_u64().unwrap() >= 5, "{seen}");
}

/// The pages of `whatif --html` and `backtest --html` on the story pass the same checks.
#[test]
fn the_whatif_and_backtest_pages_render_cleanly() {
    let Some(seen) = check_command_page(
        "whatif",
        "whatif",
        Path::new("data/story/model.toml"),
        &["--change", "servers Test=3"],
    ) else {
        return;
    };
    assert_eq!(seen["charts"], 1, "{seen}");
    let seen = check_command_page(
        "backtest",
        "backtest",
        Path::new("data/story/log.csv"),
        &["--workflow", "data/story/workflow.toml"],
    )
    .unwrap();
    assert_eq!(seen["charts"], 1, "{seen}");
}

/// The check can fail: a page with a fetched image, an element wider than the page, an
/// empty chart and two overlapping labels is caught on each count.
#[test]
fn the_check_catches_a_bad_page() {
    let Some(chromium) = browser_or_skip() else {
        return;
    };
    let dir = scratch("bad");
    let page = "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src http:\"></head><body style=\"margin:0\">\
         <img src=\"http://example.invalid/x.png\">\
         <div style=\"width:3000px\">wide</div>\
         <figure><svg width=\"300\" height=\"100\"><title>empty</title><rect class=\"background\" width=\"300\" height=\"100\" fill=\"white\"/></svg></figure>\
         <figure><svg width=\"300\" height=\"100\"><rect class=\"bar\" width=\"30\" height=\"30\"/><text x=\"10\" y=\"50\">first label</text><text x=\"20\" y=\"52\">second label</text></svg></figure>\
         <p style=\"color:#ddd;background:#fff\">faint</p></body></html>";
    let found = check(&chromium, &dir, page, false);
    for key in ["fetched", "wide", "empty_charts", "overlaps", "contrast"] {
        assert!(
            !found[key].as_array().unwrap().is_empty(),
            "{key} not caught: {found}"
        );
    }
    assert!(
        !found["errors"].as_array().unwrap().is_empty(),
        "the failed load was not caught: {found}"
    );
}
