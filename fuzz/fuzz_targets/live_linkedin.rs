//! Fuzzes the linkedin connector's payload mapping and little-text escaper:
//! any bytes must map or give an error naming where, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tend_channels::live::linkedin::fuzz_linkedin(data);
});
