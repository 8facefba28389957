//! Fuzzes the Trustpilot reviews CSV importer on arbitrary bytes: it must return an import or an
//! error, never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = tend_channels::import::trustpilot::read_bytes(Path::new("fuzz"), data);
});
