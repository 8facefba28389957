//! Fuzzes the Discord connector's payload mapping: any bytes as an API answer
//! or a frame must map or be refused with an error naming where, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tend_channels::live::discord::fuzz_discord(data);
});
