//! `/healthz`: liveness and database reachability, for load balancers and the
//! first check after installing.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

/// The health report.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// The server version.
    pub version: &'static str,
}

/// Answers 200 when the database answers a query, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = state.store.backend().name();
    match state.store.count_users().await {
        Ok(_) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database,
                version: state.version,
            }),
        ),
        Err(err) => {
            tracing::error!(error = %err, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database,
                    version: state.version,
                }),
            )
        }
    }
}
