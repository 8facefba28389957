//! Fuzzes the RSS/Atom connector's feed parsing: any bytes must give entries
//! or an error naming where, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tend_channels::live::rss::parse_feed(data, "fuzz");
});
