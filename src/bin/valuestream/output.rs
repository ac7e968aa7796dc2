//! Writing to stdout without panicking when the reader goes away (`| head`).

use std::io::{self, Write};

use crate::Failure;

/// Writes `text` to stdout. A closed pipe ends the output quietly; other errors fail.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::other(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// Writes `value` as pretty JSON and a newline to stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::other(format!("cannot write JSON: {e}")))?;
    text.push('\n');
    print(&text)
}

/// `x` with `decimals` decimals, or "–" when it is not a number (nothing was measured).
pub fn fixed(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "–".to_owned()
    }
}

/// A relative change as a signed percentage, or "–" when it is not defined.
pub fn signed_pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.0}%", x * 100.0)
    } else {
        "–".to_owned()
    }
}
