//! Any bytes, read as XES, plain or gzipped (see `valuestream_fuzz::read_xes`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    valuestream_fuzz::read_xes(data);
});
