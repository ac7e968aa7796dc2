//! Any bytes, read as Jira search results (see `valuestream_fuzz::read_jira`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    valuestream_fuzz::read_jira(data);
});
