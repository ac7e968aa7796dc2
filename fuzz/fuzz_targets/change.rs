//! Any text, read as a what-if change and applied to a small model (see
//! `valuestream_fuzz::read_change`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    valuestream_fuzz::read_change(data);
});
