//! Tend's HTTP server: the router, the handlers and (later) the pages. This is the
//! only crate that knows HTTP; handlers call `tend-core` and the `Store`.
//!
//! For now it serves `/healthz`; the web app and the JSON API arrive with the
//! inbox issue.

mod health;
mod router;

use std::sync::Arc;
use tend_store::Store;

pub use router::router;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// The running version, for `/healthz`.
    pub version: &'static str,
}

/// Serves the app on `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
