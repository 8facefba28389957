//! The URL table: every route of the app in one place.

use crate::{AppState, health};
use axum::Router;
use axum::routing::get;

/// Builds the router with all routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .with_state(state)
}
