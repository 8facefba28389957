//! The Bluesky session's refresh, against a small stand-in for the PDS's
//! session endpoints whose tokens expire on demand (a real PDS keeps an
//! access token for two hours, too long for a test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::sync::{Arc, Mutex};
use tend_channels::live::bluesky::Bluesky;
use tend_channels::live::{ChannelError, Connector};

#[derive(Default)]
struct Pds {
    /// Access tokens handed out by createSession, in order.
    sessions: Vec<&'static str>,
    /// Whether refreshSession accepts `refresh-1`.
    refresh_works: bool,
    created: usize,
    refreshed: usize,
}

type Shared = Arc<Mutex<Pds>>;

fn bearer(h: &HeaderMap) -> String {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned()
}

fn expired() -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "ExpiredToken", "message": "Token has expired"})),
    )
        .into_response()
}

fn session(access: &str, refresh: &str) -> Response {
    Json(json!({"accessJwt": access, "refreshJwt": refresh, "did": "did:plc:brand", "handle": "brand.test"}))
        .into_response()
}

async fn create_session(State(pds): State<Shared>) -> Response {
    let mut pds = pds.lock().unwrap();
    let access = pds.sessions.get(pds.created).copied().unwrap_or("none");
    pds.created += 1;
    session(access, "refresh-1")
}

async fn refresh_session(State(pds): State<Shared>, h: HeaderMap) -> Response {
    let mut pds = pds.lock().unwrap();
    pds.refreshed += 1;
    if pds.refresh_works && bearer(&h) == "refresh-1" {
        session("fresh", "refresh-2")
    } else {
        expired()
    }
}

async fn get_session(h: HeaderMap) -> Response {
    if bearer(&h) == "fresh" {
        Json(json!({"did": "did:plc:brand", "handle": "brand.test"})).into_response()
    } else {
        expired()
    }
}

async fn serve(pds: Pds) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(pds));
    let app = Router::new()
        .route(
            "/xrpc/com.atproto.server.createSession",
            post(create_session),
        )
        .route(
            "/xrpc/com.atproto.server.refreshSession",
            post(refresh_session),
        )
        .route("/xrpc/com.atproto.server.getSession", get(get_session))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, shared)
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once() {
    let (url, pds) = serve(Pds {
        sessions: vec!["stale"],
        refresh_works: true,
        ..Pds::default()
    })
    .await;
    let c = Bluesky::new(&url, None, "brand.test", "app-pass").unwrap();
    let info = c.verify().await.expect("verified after a refresh");
    assert_eq!(info.handle.as_deref(), Some("brand.test"));
    // The refreshed token is kept: no second refresh.
    c.verify().await.unwrap();
    let pds = pds.lock().unwrap();
    assert_eq!((pds.created, pds.refreshed), (1, 1));
}

#[tokio::test]
async fn an_expired_refresh_token_means_signing_in_again() {
    let (url, pds) = serve(Pds {
        sessions: vec!["stale", "fresh"],
        refresh_works: false,
        ..Pds::default()
    })
    .await;
    let c = Bluesky::new(&url, None, "brand.test", "app-pass").unwrap();
    c.verify().await.expect("verified after signing in again");
    let pds = pds.lock().unwrap();
    assert_eq!((pds.created, pds.refreshed), (2, 1));
}

#[tokio::test]
async fn a_token_refused_after_signing_in_again_is_unauthorized() {
    let (url, _) = serve(Pds {
        sessions: vec!["stale", "stale"],
        refresh_works: false,
        ..Pds::default()
    })
    .await;
    let c = Bluesky::new(&url, None, "brand.test", "app-pass").unwrap();
    let refused = c.verify().await;
    assert!(
        matches!(refused, Err(ChannelError::Unauthorized(ref r)) if r.contains("ExpiredToken")),
        "{refused:?}"
    );
}
