//! Fuzzes the e-mail connector's reading of a message (headers, MIME,
//! threading, HTML, attachments, bounces): any bytes must give a message or
//! an error naming the UID, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tend_channels::live::email::parse::{Origin, read_message};

fuzz_target!(|data: &[u8]| {
    let origin = Origin {
        folder: "INBOX",
        uid_validity: 1,
        uid: 7,
        mailbox: "support@example.org",
        arrived: None,
    };
    let _ = read_message(data, &origin);
});
