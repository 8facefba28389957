//! Fuzzes the tiktok connector's payload mapping and media-link parsing:
//! any bytes must map or give an error naming where, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tend_channels::live::tiktok::fuzz_tiktok(data);
});
