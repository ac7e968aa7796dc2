//! Progress on long work: a spinner on stderr naming the phase ("reading", "fitting",
//! "simulating 200 replications", "calibrating") with the time it has taken, drawn only
//! when stderr is a terminal, so that nothing of it reaches a file, a pipe or a test.
//!
//! The library knows nothing of it: the spinner turns around the library's calls, and is
//! cleared before the command prints its result.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner on stderr while it lives (nothing when stderr is not a terminal).
#[derive(Debug)]
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    /// Starts a spinner for `phase`, if stderr is a terminal.
    pub fn start(phase: impl Into<String>) -> Spinner {
        if !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(phase.into());
        bar.enable_steady_tick(Duration::from_millis(120));
        Spinner(Some(bar))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Runs `work` with a spinner for `phase`, cleared when it returns.
pub fn during<T>(phase: impl Into<String>, work: impl FnOnce() -> T) -> T {
    let _spinner = Spinner::start(phase);
    work()
}

/// "simulating 1 replication", "simulating 10 replications".
pub fn replications(what: &str, n: u32) -> String {
    format!(
        "{what} {}",
        valuestream::plural(u64::from(n), "replication", "replications")
    )
}
