//! Fuzzes the Bluesky firehose decoding: any bytes as a frame, as a CAR and
//! as a post record must give a value or a `DecodeError` naming where, never
//! a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tend_channels::live::bluesky::firehose;

fuzz_target!(|data: &[u8]| {
    let _ = firehose::decode_frame(data);
    if let Ok(blocks) = firehose::car_blocks(data) {
        for (_, block) in blocks {
            let _ = firehose::post(block);
        }
    }
    let _ = firehose::post(data);
});
