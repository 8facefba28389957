//! Fuzzes the Google Play reviews CSV importer (UTF-16 or UTF-8) on arbitrary bytes: it must return an import or an
//! error, never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = tend_channels::import::google_play::read_bytes(Path::new("fuzz"), data);
});
