//! Prints the listening benchmark: `cargo run --release -p tend-bench --example listen_bench
//! [-- <topics>]` (default 100 topics). See `tend_bench::listening` for what is measured.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let n_topics = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"));
    match tend_bench::listening::run(root, n_topics, Duration::from_secs(5)) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
