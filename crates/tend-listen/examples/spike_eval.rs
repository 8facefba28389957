//! Prints the spike-detection evaluation: `cargo run --release -p tend-listen --example
//! spike_eval [-- <seed> <series>]` (default seed 2, 300 series). The default config was
//! tuned on seed 1; see `tend_listen::spike::eval` for the synthetic data.

fn main() {
    let mut args = std::env::args().skip(1);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let n_series = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    println!("{}", tend_listen::spike::eval::evaluate(seed, n_series));
}
