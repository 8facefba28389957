//! Our own stylesheet and script, embedded in the binary (no third-party code).
//!
//! Pages link them with a fingerprint of their content (`/static/app.js?v=…`), so a
//! browser may keep them for a year and still loads the new ones the moment a new
//! build serves different bytes. A request without the current fingerprint (an old
//! page, a hand-typed URL) gets the current file and must revalidate.

use axum::extract::Query;
use axum::http::header;
use axum::response::IntoResponse;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

static CSS_VERSION: LazyLock<String> = LazyLock::new(|| fingerprint(CSS));
static JS_VERSION: LazyLock<String> = LazyLock::new(|| fingerprint(JS));

/// A short hex digest of a file's bytes (stable within one binary).
fn fingerprint(content: &str) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    content.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The stylesheet's URL, with its fingerprint.
pub fn css_url() -> String {
    format!("/static/app.css?v={}", *CSS_VERSION)
}

/// The script's URL, with its fingerprint.
pub fn js_url() -> String {
    format!("/static/app.js?v={}", *JS_VERSION)
}

#[derive(serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

fn cache_control(asked: &Version, current: &str) -> &'static str {
    if asked.v.as_deref() == Some(current) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// `GET /static/app.css`.
pub async fn css(Query(version): Query<Version>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, cache_control(&version, &CSS_VERSION)),
        ],
        CSS,
    )
}

/// `GET /static/app.js`.
pub async fn js(Query(version): Query<Version>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, cache_control(&version, &JS_VERSION)),
        ],
        JS,
    )
}

/// `GET /favicon.ico`: no icon (204), cached for a day. Pages say so themselves
/// (`<link rel="icon" href="data:,">`), but a browser showing a JSON or plain-text
/// answer asks for `/favicon.ico`, and a 404 there is noise in logs and consoles.
pub async fn favicon() -> impl IntoResponse {
    (
        axum::http::StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "public, max-age=86400")],
    )
}
