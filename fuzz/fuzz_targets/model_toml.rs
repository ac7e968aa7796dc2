//! Any text, read as a model file (see `valuestream_fuzz::read_model`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    valuestream_fuzz::read_model(data);
});
