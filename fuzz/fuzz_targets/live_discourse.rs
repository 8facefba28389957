//! Fuzzes the Discourse live connector's payload mapping (latest posts, topics, topic lists,
//! single posts, the cursor, error bodies) on arbitrary bytes: it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tend_channels::live::discourse::fuzz_discourse(data);
});
