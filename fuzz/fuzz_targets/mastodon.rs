//! Fuzzes the Mastodon API JSON importer on arbitrary bytes: it must return an import or an
//! error, never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = tend_channels::import::mastodon::read_bytes(Path::new("fuzz"), data);
});
