//! Any bytes, read as a long, wide or interval log (see `valuestream_fuzz::read_log`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    valuestream_fuzz::read_log(data);
});
