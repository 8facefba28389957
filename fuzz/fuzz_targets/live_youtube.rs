//! Fuzzes the YouTube connector's payload mapping (comment thread and
//! comment lists, error envelopes): any bytes must give items or errors
//! naming where, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tend_channels::live::youtube::fuzz_youtube(data);
});
