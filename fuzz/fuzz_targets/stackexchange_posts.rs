//! Fuzz target: arbitrary bytes as the content of a Stack Exchange `Posts.xml`
//! must never panic `stackexchange::read_posts`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tend_channels::import::stackexchange;

fuzz_target!(|data: &[u8]| {
    let _ = stackexchange::read_posts(data, Path::new("Posts.xml"));
});
