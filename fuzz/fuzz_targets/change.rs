//! Any text, read as a what-if change and applied to a small model: an error is fine, a
//! panic is a bug. A change that reads writes back as text that reads too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use valuestream::{Change, ValueStream, analyze};

/// Three stations: a batch, rework and a skipped station, so that every change has
/// something to act on.
const MODEL: &str = r#"
[arrivals]
rate_per_day = 1.0

[[stage]]
name = "Dev"
servers = 2
service = { dist = "exponential", mean_days = 1.5 }

[[stage]]
name = "Deploy"
servers = 1
service = { dist = "deterministic", days = 0.5 }
batch = { every_days = 7.0 }

[[stage]]
name = "Test"
servers = 1
service = { dist = "gamma", mean_days = 0.8, cv = 0.7 }
rework = { to = "Dev", probability = 0.1 }
visit_probability = 0.9
"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(change) = text.parse::<Change>() else {
        return;
    };
    let _ = change.to_string().parse::<Change>();
    let Ok(model) = ValueStream::from_toml_str(MODEL) else {
        return;
    };
    if let Ok(changed) = model.apply(std::slice::from_ref(&change)) {
        assert!(changed.validate().is_ok(), "a changed model is valid");
        let _ = analyze(&changed);
    }
});
