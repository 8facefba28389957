//! HTTP integration tests: the app is started on port 0 and spoken to over real HTTP.
//! The `mod` list is the table of contents.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod auth;
mod channels;
mod channels_oauth;
mod conversation;
mod errors;
mod health;
mod helpers;
mod i18n;
mod inbox;
mod isolation;
mod jobs;
mod listening;
mod live;
mod moderation;
mod openapi;
mod outbox;
mod response;
mod roles;
mod tokens;
mod xss;
