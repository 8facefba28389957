//! Fuzz target: arbitrary bytes as a Reddit `/comments` or `/api/morechildren`
//! response must never panic `reddit::read_slice`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tend_channels::import::reddit;

fuzz_target!(|data: &[u8]| {
    let _ = reddit::read_slice(data, Path::new("fuzz.json"));
});
