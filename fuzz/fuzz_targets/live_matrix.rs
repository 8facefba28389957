//! Fuzzes the Matrix connector's reading of `/sync` and `/messages` answers:
//! rooms, member names, messages, edits and redactions. Any bytes must give
//! messages or nothing, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tend_channels::live::matrix::fuzz_payload(data);
});
