//! Fuzzes the Reddit connector's payload mapping (listings of comments,
//! submissions and messages, write answers): any bytes must give items or
//! errors naming where, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tend_channels::live::reddit::fuzz_reddit(data);
});
