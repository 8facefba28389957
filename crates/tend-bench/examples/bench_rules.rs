//! Prints the rule engine's speed: `cargo run --release -p tend-bench --example bench_rules
//! [rules] [testdata dir]` (defaults: 200 rules, the repository's `testdata/`).

use std::path::PathBuf;
use std::time::Duration;

use tend_bench::rules as bench;
use tend_rules::RuleSet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rules: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(200);
    let testdata = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata"));
    let source = bench::realistic_rule_set(rules);
    let started = std::time::Instant::now();
    let set = RuleSet::parse(&source).map_err(|d| format!("{d:?}"))?;
    println!(
        "parsed {rules} rules in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let texts = bench::corpus(&testdata)?;
    let items = bench::items_from_texts(&texts);
    println!("{}", bench::measure(&set, &items, Duration::from_secs(3)));
    println!("most expensive rules (µs/message, each run alone):");
    for (name, cost) in bench::rule_costs(&source, &items, Duration::from_millis(40))
        .iter()
        .take(5)
    {
        println!("  {cost:6.2}  {name}");
    }
    Ok(())
}
