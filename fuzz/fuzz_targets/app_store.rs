//! Fuzzes the App Store Connect customerReviews JSON importer on arbitrary bytes: it must return an import or an
//! error, never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = tend_channels::import::app_store::read_bytes(Path::new("fuzz"), data);
});
