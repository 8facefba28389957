//! Test support for the connectors, not product code (only tests depend on
//! it, see `scripts/check-deps.sh`).
//!
//! - [`process`]: starts a real server (the Bluesky PDS, Synapse, the mail
//!   servers) as a child process on a free loopback port, waits until it
//!   answers (polling, never sleeping a fixed time), keeps its log for the
//!   failure message, and ends it on drop.
//! - One module per network below: a fake server replaying recorded real
//!   payloads with the network's rules (auth, rate limits, idempotency), or
//!   the harness that starts the network's real server and makes accounts.

pub mod bluesky;
pub mod discord;
pub mod discourse;
pub mod feeds;
pub(crate) mod killable;
pub mod linkedin;
pub mod mail;
pub mod mastodon;
pub mod meta;
pub mod process;
pub mod reddit;
pub mod stackexchange;
pub mod synapse;
pub mod telegram;
pub mod tiktok;
pub mod x;
pub mod youtube;
