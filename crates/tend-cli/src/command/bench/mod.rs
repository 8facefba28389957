//! `tend bench …`: performance measured against a baseline taken in the same run,
//! because the machines are shared and noisy; figures are quoted as ratios. The
//! reusable workloads and baselines (realistic rules and topics, the raw-SQL
//! baseline, scratch databases, the NLP throughput run) live in the `tend-bench`
//! crate; these files parse flags, drive a run and print it.

mod inbox;
mod ingest;
mod listening;
mod live;
mod nlp;
mod rules;
mod store;

use super::Context;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Insert rate of the store's ingest path against raw batched INSERTs of the same rows.
    Store(store::StoreBench),
    /// Full ingest pipeline against raw batched INSERTs of the same rows, and peak memory.
    Ingest(ingest::IngestBench),
    /// Inbox list and search latency and throughput under concurrent load, against `/healthz`.
    Inbox(inbox::InboxBench),
    /// Text-analysis throughput per core, and Tend's VADER against Python's (scripts/bench-nlp.sh).
    Nlp(nlp::NlpBench),
    /// Moderation rule evaluation per message with 200 realistic rules, against a keyword scan.
    Rules(rules::RulesBench),
    /// Topic matching per message, the 30-day listening dashboard's p95 on SQLite, and
    /// the same answers in DuckDB in the same run.
    Listening(listening::ListeningBench),
    /// Live channels: sustained ingest from the Mastodon fake against the import path,
    /// and the latency from a post on a local server to the stored message.
    Live(live::LiveBench),
}

impl BenchCmd {
    pub async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        match self {
            BenchCmd::Store(cmd) => cmd.run(ctx).await,
            BenchCmd::Nlp(cmd) => cmd.run(),
            BenchCmd::Ingest(cmd) => cmd.run(ctx).await,
            BenchCmd::Inbox(cmd) => cmd.run(ctx).await,
            BenchCmd::Rules(cmd) => cmd.run(),
            BenchCmd::Listening(cmd) => cmd.run(ctx).await,
            BenchCmd::Live(cmd) => cmd.run().await,
        }
    }
}
