//! The demo workspace a newcomer sees first (`tend demo`): a fictional smart-lighting
//! brand, Lumora, with 90 days of community traffic on eleven channels of ten kinds.
//!
//! `generate` is deterministic for a (seed, anchor, scale): it builds the community
//! (`people`), its conversations on every network (`social`, `forums`, threads built
//! from `threads` and written by `writer`, words from `vocab` and `phrases*`, times
//! from `rhythm`), the story (`events`: a campaign, heated threads, one planted
//! spike), adds the importers' real fixtures moved into the window (`fixtures`),
//! decides what the team has already done (`triage`), and counts the ground truth
//! (`manifest`). `install` stores it through the ingest pipeline and the store's
//! operations, and reuses what an earlier run stored.
//!
//! This is not product code: it sits on top of `tend-core` and only the `tend`
//! binary (`tend demo`, `tend eval spikes`), the benches and tests depend on it.

mod count;
mod events;
mod finish;
mod fixtures;
mod forums;
mod install;
pub mod live;
pub mod manifest;
mod names;
mod people;
mod phrases;
mod phrases_en;
mod phrases_sv;
mod rhythm;
mod social;
mod spike;
mod threads;
pub mod topics;
mod triage;
pub mod vocab;
mod writer;

pub use install::{DemoLogin, Installed, Progress, TEAM, Teammate, install};
pub use manifest::DemoManifest;
pub use triage::Triage;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use people::{Net, People};
use rand::{Rng, SeedableRng as _};
use rhythm::Clock;
use std::collections::HashMap;
use tend_domain::{ChannelKind, IncomingAuthor, IncomingItem};

/// The demo workspace's slug.
pub const SLUG: &str = "demo";
/// Its display name.
pub const WORKSPACE_NAME: &str = "Lumora (demo)";
/// Its time zone; the daily rhythm follows its local hours.
pub const TIME_ZONE: &str = "Europe/Stockholm";
/// Days of history.
pub const WINDOW_DAYS: i64 = 90;
/// The seed when none is given.
pub const DEFAULT_SEED: u64 = 42;

/// Why the demo could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A value broke a domain rule (a bug in the generator).
    #[error(transparent)]
    Invalid(#[from] tend_domain::ValidationError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] tend_store::StoreError),
    /// Creating a teammate failed.
    #[error(transparent)]
    Account(#[from] tend_core::accounts::AccountError),
    /// The ingest pipeline failed.
    #[error(transparent)]
    Ingest(#[from] tend_core::ingest::IngestError),
    /// Matching the demo topics failed.
    #[error(transparent)]
    Listen(#[from] tend_core::listening::ListenError),
    /// An embedded fixture could not be written or read.
    #[error("demo fixtures: {0}")]
    Fixture(String),
    /// Time arithmetic failed (an anchor out of range).
    #[error("demo time: {0}")]
    Time(#[from] jiff::Error),
    /// The manifest could not be written or read.
    #[error("demo manifest: {0}")]
    Manifest(#[from] serde_json::Error),
    /// The scale is outside (0, 1].
    #[error("scale must be above 0 and at most 1, got {0}")]
    Scale(f64),
    /// The workspace holds a demo made with other settings.
    #[error(
        "the demo workspace was made with seed {seed} and scale {scale}; run `tend demo --seed {seed}` or use a fresh data directory"
    )]
    OtherDemo {
        /// Its seed.
        seed: u64,
        /// Its scale.
        scale: f64,
    },
    /// A workspace named `demo` exists that `tend demo` did not make.
    #[error(
        "a workspace with the slug `demo` exists and was not made by `tend demo`; use another data directory"
    )]
    NotDemo,
    /// What was stored differs from what was generated.
    #[error("the stored demo differs from the generated one: {0}")]
    Mismatch(String),
}

/// One channel of the demo and its items.
#[derive(Debug, Clone)]
pub struct DemoChannel {
    /// Kind.
    pub kind: ChannelKind,
    /// Display name.
    pub name: String,
    /// The brand's handle there.
    pub handle: Option<String>,
    /// Authors first, then messages in time order.
    pub items: Vec<IncomingItem>,
    /// What the team has done with each message (messages left open are absent).
    pub triage: HashMap<String, Triage>,
}

/// A generated demo.
#[derive(Debug, Clone)]
pub struct Demo {
    /// The ground truth.
    pub manifest: DemoManifest,
    /// The channels, in creation order.
    pub channels: Vec<DemoChannel>,
    /// Accounts of one person on several platforms, to merge into one member.
    pub links: Vec<Vec<IncomingAuthor>>,
}

/// The channel name and brand handle of each network.
fn channel_spec(net: Net) -> (&'static str, Option<&'static str>) {
    match net {
        Net::X => ("Lumora on X", Some("@lumora")),
        Net::Instagram => ("Instagram @lumora", Some("@lumora")),
        Net::Facebook => ("Facebook page", Some("Lumora")),
        Net::Youtube => ("YouTube channel", Some("@Lumora")),
        Net::Reddit => ("r/Lumora", Some("u/Lumora_Official")),
        Net::Discourse => ("Community forum", Some("lumora_team")),
        Net::Mastodon => ("Fediverse", Some("@lumora@social.example")),
        Net::Email => ("Support e-mail", Some("support@lumora.example")),
        Net::AppStore => ("App Store reviews", None),
        Net::GooglePlay => ("Google Play reviews", None),
    }
}

/// The channel holding the real Stack Exchange dump.
const STACKEXCHANGE_CHANNEL: &str = "History meta Q&A (Stack Exchange, CC BY-SA)";

/// Generates the demo for `seed`, ending at `anchor`, at `scale` (1.0 = full size,
/// about 30,000 messages; smaller for tests).
pub fn generate(seed: u64, anchor: Timestamp, scale: f64) -> Result<Demo, DemoError> {
    if !(scale > 0.0 && scale <= 1.0) {
        return Err(DemoError::Scale(scale));
    }
    let tz = TimeZone::get(TIME_ZONE)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let campaign = events::campaign_window(anchor.as_millisecond(), &mut rng);
    let clock = Clock::new(anchor, WINDOW_DAYS, &tz, campaign)?;
    let people = People::generate(
        ((480.0 * scale).round() as usize).max(60),
        ((160.0 * scale).round() as usize).max(10),
        &mut rng,
    );
    let mut g = writer::Gen::new(rng, clock, people, scale);
    social::microblog(&mut g, Net::X, social::X_TARGET, 110);
    social::microblog(&mut g, Net::Mastodon, social::MASTODON_TARGET, 40);
    social::comment_sections(&mut g, Net::Instagram, social::INSTAGRAM_TARGET, 28.0, 0.25);
    social::comment_sections(&mut g, Net::Facebook, social::FACEBOOK_TARGET, 22.0, 0.4);
    social::comment_sections(&mut g, Net::Youtube, social::YOUTUBE_TARGET, 40.0, 0.12);
    forums::reddit(&mut g);
    forums::discourse(&mut g);
    forums::email_inbox(&mut g);
    forums::reviews(&mut g, Net::AppStore);
    forums::reviews(&mut g, Net::GooglePlay);
    events::campaign(&mut g, campaign);
    events::heated_threads(&mut g);
    let mut spike = spike::spike(&mut g, channel_spec(Net::X).0);

    // The real exports, moved into the window, join the channel of their kind.
    let mut fixtures = fixtures::load()?;
    for (_, items) in &mut fixtures {
        fixtures::shift(items, &g.clock, &mut g.rng);
    }
    let mut channels = Vec::new();
    let mut from_fixtures = Vec::new();
    let outs = std::mem::take(&mut g.out);
    for (net, out) in Net::ALL.into_iter().zip(outs) {
        let (name, handle) = channel_spec(net);
        let mut items = out.items;
        let mut fixture_messages = 0;
        if let Some(pos) = fixtures
            .iter()
            .position(|(k, _)| *k == net.kind() && net != Net::AppStore && net != Net::GooglePlay)
        {
            let (_, extra) = fixtures.swap_remove(pos);
            fixture_messages = count::messages(&extra).count() as u64;
            items.extend(extra);
        }
        from_fixtures.push(fixture_messages);
        channels.push((
            net.kind(),
            name.to_owned(),
            handle.map(str::to_owned),
            items,
            out.notes,
        ));
    }
    for (kind, items) in fixtures {
        let n = count::messages(&items).count() as u64;
        from_fixtures.push(n);
        let name = if kind == ChannelKind::Stackexchange {
            STACKEXCHANGE_CHANNEL
        } else {
            "Imported"
        };
        channels.push((kind, name.to_owned(), None, items, HashMap::new()));
    }
    let mut triage_rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x7472_6961_6765);
    let mut demo_channels = Vec::new();
    for (kind, name, handle, mut items, notes) in channels {
        sort_items(&mut items);
        let triage = triage::plan(kind, &items, &notes, anchor, &mut triage_rng);
        demo_channels.push(DemoChannel {
            kind,
            name,
            handle,
            items,
            triage,
        });
    }
    let links = people::links(&g, &demo_channels);
    let heated = g
        .heated
        .iter()
        .map(|(net, id)| (channel_spec(*net).0.to_owned(), id.clone()))
        .collect();
    let window_start = ts(g.clock.start);
    if let Some(channel) = demo_channels.iter().find(|c| c.name == spike.channel) {
        spike.measure(&channel.items, window_start, anchor);
    }
    let manifest = count::build(
        seed,
        scale,
        anchor,
        window_start,
        campaign,
        &demo_channels,
        &from_fixtures,
        &links,
        spike,
        heated,
    )?;
    Ok(Demo {
        manifest,
        channels: demo_channels,
        links,
    })
}

/// Authors first, then messages by time (stable, so a thread's order is kept).
fn sort_items(items: &mut [IncomingItem]) {
    items.sort_by_key(|item| match item {
        IncomingItem::Message(m) => (1, m.created_at),
        _ => (0, Timestamp::MIN),
    });
}

/// An instant from epoch milliseconds (clamped into jiff's range; the generator
/// only makes instants inside the window).
fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A uniformly chosen element of a non-empty list.
fn pick<T: Copy>(rng: &mut impl Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Samples indexes in proportion to fixed weights.
#[derive(Debug, Clone)]
struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    fn new(weights: &[f64]) -> Weighted {
        let mut sum = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                sum += w.max(0.0);
                sum
            })
            .collect();
        Weighted { cumulative }
    }

    /// An index (0 when every weight is zero).
    fn sample(&self, rng: &mut impl Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        if total <= 0.0 {
            return 0;
        }
        let x = rng.random_range(0.0..total);
        self.cumulative
            .partition_point(|c| *c <= x)
            .min(self.cumulative.len() - 1)
    }
}
