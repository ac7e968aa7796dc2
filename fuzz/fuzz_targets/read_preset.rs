//! Any bytes, read through a CSV preset or recognised on sight (see
//! `valuestream_fuzz::read_preset`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    valuestream_fuzz::read_preset(data);
});
