//! Fuzzes the Stack Exchange live connector's payload handling (gzip, the wrapper, questions,
//! answers, comments, the error wrapper, the cursor) on arbitrary bytes: it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tend_channels::live::stackexchange::fuzz_stackexchange(data);
});
