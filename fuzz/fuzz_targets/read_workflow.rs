//! Any bytes, read as a workflow file (see `valuestream_fuzz::read_workflow`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    valuestream_fuzz::read_workflow(data);
});
