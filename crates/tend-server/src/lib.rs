//! Tend's HTTP server: the web app (server-rendered pages, our own small CSS and
//! JavaScript) and the JSON API. This is the only crate that knows HTTP; handlers
//! call `tend-core` use cases and the `Store`.
//!
//! Cross-cutting pieces each live in one module: `auth` (sessions, API tokens,
//! CSRF, the current-user and workspace extractors with role checks), `limiter`
//! (login rate limiting), `security` (response headers), `i18n` (Fluent strings,
//! localised dates and numbers), `error` (how failures become responses).
//! `tidy` (tests only) checks the whole repository: module docs, file sizes and
//! that every Fluent key in use exists in English and Swedish.

mod api;
mod assets;
mod auth;
pub mod cache;
mod error;
mod health;
pub mod i18n;
mod limiter;
pub mod live;
mod pages;
mod params;
mod router;
mod security;

use std::sync::Arc;
use tend_store::prelude::*;

pub use limiter::LoginLimiter;
pub use router::router;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// The running version, for `/healthz`.
    pub version: &'static str,
    /// Whether cookies carry `Secure` (set when the app is served over HTTPS).
    pub secure_cookies: bool,
    /// Failed-login counters per e-mail and per client address.
    pub login_limiter: Arc<LoginLimiter>,
    /// Short-lived reads shared by every page (see [`cache`]).
    pub cache: Arc<cache::ReadCache>,
    /// The follower of the event log behind the live-update streams.
    pub live: Arc<live::Live>,
    /// Listening dashboards' sums of closed days.
    pub dashboards: Arc<tend_core::listening::dashboard::Cache>,
    /// Where "now" comes from: the system clock, or a pinned one in tests.
    pub clock: tend_domain::Clock,
    /// This process's job runner, when it runs one (for `/healthz`).
    pub worker: Option<tend_core::jobs::WorkerHealth>,
    /// The key that seals live channels' credentials (connecting a channel
    /// needs it).
    pub secrets: Option<tend_core::channels::secrets::SecretBox>,
}

impl AppState {
    /// State with the defaults: cookies without `Secure` (plain-HTTP development) and
    /// the default login limits.
    pub fn new(store: Arc<dyn Store>, version: &'static str) -> AppState {
        AppState {
            live: Arc::new(live::Live::new(store.clone(), live::POLL_INTERVAL)),
            store,
            version,
            secure_cookies: false,
            login_limiter: Arc::new(LoginLimiter::default()),
            cache: Arc::new(cache::ReadCache::default()),
            dashboards: Arc::default(),
            clock: tend_domain::Clock::system(),
            worker: None,
            secrets: None,
        }
    }

    /// Uses `clock` for "now" (tests pin it so no test depends on the calendar).
    pub fn with_clock(mut self, clock: tend_domain::Clock) -> AppState {
        self.clock = clock;
        self
    }

    /// Seals live channels' credentials with `secrets`.
    pub fn with_secrets(mut self, secrets: tend_core::channels::secrets::SecretBox) -> AppState {
        self.secrets = Some(secrets);
        self
    }

    /// Reports `worker` (this process's job runner) in `/healthz`.
    pub fn with_worker(mut self, worker: tend_core::jobs::WorkerHealth) -> AppState {
        self.worker = Some(worker);
        self
    }

    /// Sets whether cookies carry `Secure`.
    pub fn with_secure_cookies(mut self, secure: bool) -> AppState {
        self.secure_cookies = secure;
        self
    }
}

/// Serves the app on `listener` until `shutdown` resolves, then ends the live
/// streams and finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let live = state.live.clone();
    let shutdown = async move {
        shutdown.await;
        live.close();
    };
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tidy;
