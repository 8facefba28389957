//! Fuzzes the generic CSV importer: any bytes, written to a file, must give
//! `Ok` or an `ImportError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // One file per process, rewritten for every input.
    let path = std::env::temp_dir().join(format!("tend-fuzz-csv-{}.csv", std::process::id()));
    if std::fs::write(&path, data).is_ok() {
        let _ = tend_channels::import::csv::read(&path);
    }
});
