//! Prints the spike-detection evaluation: `cargo run --release -p tend-bench --example
//! spike_eval [-- <seed> <series>]` (default seed 2, 300 series). The default config was
//! tuned on seed 1; see `tend_bench::spikes` for the synthetic data.

fn main() {
    let mut args = std::env::args().skip(1);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let n_series = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    println!("{}", tend_bench::spikes::evaluate(seed, n_series));
    println!("{}", detect_timing());
}

/// The cost of `detect` over 12 weeks of one busy topic (printed, not asserted: timings
/// depend on the machine).
fn detect_timing() -> String {
    use tend_listen::spike::{HOURS_PER_WEEK, HourBucket, SpikeConfig, detect};
    let series: Vec<HourBucket> = (0..12 * HOURS_PER_WEEK)
        .map(|i| {
            let messages = 20 + (i % 24) as u64 * 3 + (i * 7919 % 13) as u64;
            HourBucket {
                hour: 500_000 + i as i64,
                messages,
                negative: messages / 8,
            }
        })
        .collect();
    let cfg = SpikeConfig::default();
    let runs = 20;
    let started = std::time::Instant::now();
    let mut spikes = 0;
    for _ in 0..runs {
        spikes += detect(std::hint::black_box(&series), &cfg).len();
    }
    let per_topic = started.elapsed().as_secs_f64() * 1000.0 / runs as f64;
    format!("  detect over 12 weeks: {per_topic:.1} ms per topic ({spikes} spikes in {runs} runs)")
}
