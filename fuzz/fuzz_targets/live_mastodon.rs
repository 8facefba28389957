//! Fuzzes the Mastodon connector's reading: notifications and statuses as
//! JSON, mapped to messages, and the streaming API's event-stream. Any bytes
//! must give messages or errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tend_channels::live::mastodon::fuzz_payload(data);
});
