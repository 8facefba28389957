//! `tend bench rules`: the moderation engine's cost per message with a realistic
//! rule set (keyword lists, regexes, author thresholds and Tend's checks mixed), on
//! real texts from `testdata/`, against one Aho-Corasick scan of the same keywords
//! measured in the same run. One thread, so the figure is per core.

use anyhow::Context as _;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tend_bench::rules as bench;
use tend_rules::RuleSet;

#[derive(Debug, Args)]
pub struct RulesBench {
    /// Rules in the generated set.
    #[arg(long, default_value_t = 200)]
    rules: usize,
    /// The repository's test data (VADER and review corpora).
    #[arg(long, default_value = "testdata")]
    testdata: PathBuf,
    /// Seconds of measurement.
    #[arg(long, default_value_t = 3)]
    seconds: u64,
}

impl RulesBench {
    pub fn run(&self) -> anyhow::Result<ExitCode> {
        let source = bench::realistic_rule_set(self.rules);
        let started = std::time::Instant::now();
        let set = RuleSet::parse(&source)
            .map_err(|d| anyhow::anyhow!("the generated rules do not load: {d:?}"))?;
        println!(
            "tend bench rules: {} rules parsed and compiled in {:.1} ms",
            set.rules().len(),
            started.elapsed().as_secs_f64() * 1e3
        );
        let texts = bench::corpus(&self.testdata)
            .with_context(|| format!("reading the corpus under {}", self.testdata.display()))?;
        let items = bench::items_from_texts(&texts);
        println!("{} messages from {}", items.len(), self.testdata.display());
        let report = bench::measure(&set, &items, Duration::from_secs(self.seconds));
        println!("{report}");
        println!("target: ≤ 20 µs per message per core");
        println!("slowest rules (µs per message each, measured alone):");
        for (name, cost) in bench::rule_costs(&source, &items, Duration::from_millis(40))
            .iter()
            .take(5)
        {
            println!("  {cost:6.2}  {name}");
        }
        Ok(ExitCode::SUCCESS)
    }
}
