//! `tend bench live`: live channels measured (see `tend_bench::live`):
//! sustained ingest from the Mastodon fake against the import path of the
//! same messages in the same run, and the latency from a post on a local
//! server to the stored message, streamed (Mastodon's streaming API) and
//! pulled (a real IMAP server without IDLE; needs `scripts/servers.sh`);
//! also the Discord fake (sustained ingest and its Gateway) and the Telegram
//! fake (`getUpdates` long-poll).

use clap::Args;
use std::process::ExitCode;
use tend_bench::live;

#[derive(Debug, Args)]
pub struct LiveBench {
    /// Messages for the sustained-ingest run.
    #[arg(long, default_value_t = 20_000)]
    messages: usize,
    /// Posts timed for each latency.
    #[arg(long, default_value_t = 40)]
    posts: usize,
}

fn show(label: &str, l: &live::Latencies) {
    println!(
        "  {label}: {} posts, p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        l.0.len(),
        l.quantile(0.5),
        l.quantile(0.95),
        l.quantile(1.0)
    );
}

impl LiveBench {
    pub async fn run(&self) -> anyhow::Result<ExitCode> {
        tend_channels::live::http::install_tls();
        println!(
            "tend bench live: sustained ingest of {} mentions from the Mastodon fake",
            self.messages
        );
        let s = live::sustained_ingest(self.messages).await?;
        let live_rate = s.messages as f64 / s.live_secs;
        let import_rate = s.messages as f64 / s.import_secs;
        println!(
            "  live read (REST catch-up through the ingest pipeline): {:.0} messages/s ({:.1} s)",
            live_rate, s.live_secs
        );
        println!(
            "  import path, same messages, same run: {:.0} messages/s ({:.1} s); live/import = {:.2}",
            import_rate,
            s.import_secs,
            live_rate / import_rate
        );
        let discord = live::discord_sustained(self.messages).await?;
        println!(
            "  Discord fake (REST catch-up through the ingest pipeline): {discord:.0} messages/s"
        );
        println!("latency from a post on a local server to the stored message:");
        let streamed = live::streamed_latency(self.posts).await?;
        show("streamed (Mastodon fake, streaming API)", &streamed);
        let discord = live::discord_latency(self.posts).await?;
        show("streamed (Discord fake, Gateway)", &discord);
        let telegram = live::telegram_latency(self.posts).await?;
        show("long-polled (Telegram fake, getUpdates)", &telegram);
        match live::pulled_latency(self.posts).await? {
            Some(pulled) => show("pulled (IMAP without IDLE, polled every second)", &pulled),
            None => println!(
                "  pulled: skipped (TEND_MAIL_VENV not set; source scripts/servers.sh && install_servers)"
            ),
        }
        Ok(ExitCode::SUCCESS)
    }
}
