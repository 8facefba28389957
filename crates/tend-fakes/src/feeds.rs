//! A tiny feed server for the RSS/Atom connector's tests: serves feeds from
//! memory on a free loopback port with `ETag` and `Last-Modified`, answers
//! `304 Not Modified` to a matching conditional GET, and lets a test add or
//! edit entries (each change is a new version with a new ETag) or make a
//! path fail with a status.
//!
//! The fixtures ([`WORDPRESS_COMMENTS`], [`FORUM_ATOM`]) are written for
//! Tend in the shape WordPress and phpBB serve (see `fixtures/feeds/README.md`).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A WordPress "Comments for …" RSS 2.0 feed with three comments.
pub const WORDPRESS_COMMENTS: &str = include_str!("../fixtures/feeds/wordpress-comments.rss");

/// A forum's Atom feed of its latest posts, one of them edited.
pub const FORUM_ATOM: &str = include_str!("../fixtures/feeds/forum-latest.atom");

#[derive(Debug, Clone)]
struct Feed {
    body: String,
    content_type: String,
    version: u64,
    modified: jiff::Timestamp,
    fail: Option<u16>,
}

/// What the server saw of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The path asked for.
    pub path: String,
    /// The `If-None-Match` sent, if any.
    pub if_none_match: Option<String>,
    /// The status answered.
    pub status: u16,
}

#[derive(Default)]
struct Shared {
    feeds: HashMap<String, Feed>,
    seen: Vec<Seen>,
}

type Store = Arc<Mutex<Shared>>;

/// The running server; stops when dropped.
pub struct FeedServer {
    port: u16,
    shared: Store,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FeedServer {
    /// Starts an empty server on a free loopback port.
    pub async fn start() -> anyhow::Result<FeedServer> {
        let shared: Store = Arc::default();
        let app = Router::new()
            .route("/{*path}", axum::routing::get(serve))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FeedServer { port, shared, task })
    }

    /// The address of `path` (`/blog/comments.rss`).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Shared) -> T) -> T {
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut shared)
    }

    /// Serves `body` at `path` (a new version).
    pub fn put(&self, path: &str, content_type: &str, body: &str) {
        self.with(|s| {
            let version = s.feeds.get(path).map_or(1, |f| f.version + 1);
            s.feeds.insert(
                path.to_owned(),
                Feed {
                    body: body.to_owned(),
                    content_type: content_type.to_owned(),
                    version,
                    modified: jiff::Timestamp::now(),
                    fail: None,
                },
            );
        });
    }

    /// Changes the feed at `path` with `edit` (a new version); false when
    /// there is no feed there.
    pub fn change(&self, path: &str, edit: impl FnOnce(&str) -> String) -> bool {
        self.with(|s| match s.feeds.get_mut(path) {
            Some(feed) => {
                feed.body = edit(&feed.body);
                feed.version += 1;
                feed.modified = jiff::Timestamp::now();
                true
            }
            None => false,
        })
    }

    /// Adds an entry (an `<item>` or `<entry>` element, as XML) before the
    /// feed's first one, as a feed shows its newest first.
    pub fn add_entry(&self, path: &str, xml: &str) -> bool {
        self.change(path, |body| {
            let at = ["<item>", "<item ", "<entry>", "<entry "]
                .iter()
                .filter_map(|tag| body.find(tag))
                .min()
                .or_else(|| body.rfind("</channel>"))
                .or_else(|| body.rfind("</feed>"))
                .unwrap_or(body.len());
            format!("{}{xml}\n{}", &body[..at], &body[at..])
        })
    }

    /// Replaces the first `from` in the feed at `path` with `to` (an edit).
    pub fn replace(&self, path: &str, from: &str, to: &str) -> bool {
        let mut found = false;
        self.change(path, |body| {
            found = body.contains(from);
            body.replacen(from, to, 1)
        }) && found
    }

    /// Makes `path` answer `status` (`None`: serve the feed again).
    pub fn fail(&self, path: &str, status: Option<u16>) {
        self.with(|s| {
            if let Some(feed) = s.feeds.get_mut(path) {
                feed.fail = status;
            }
        });
    }

    /// The requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.with(|s| s.seen.clone())
    }
}

fn http_date(t: jiff::Timestamp) -> String {
    t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

async fn serve(
    State(shared): State<Store>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/{path}");
    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (status, response) = match s.feeds.get(&path) {
        None => (404, (StatusCode::NOT_FOUND, "no feed here").into_response()),
        Some(feed) if feed.fail.is_some() => {
            let code = feed.fail.unwrap_or(500);
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut r = (status, "failing on purpose").into_response();
            if code == 429 {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("42"));
            }
            (code, r)
        }
        Some(feed) => {
            let etag = format!("\"v{}\"", feed.version);
            let modified = http_date(feed.modified);
            let not_modified = match (&if_none_match, headers.get(header::IF_MODIFIED_SINCE)) {
                (Some(tags), _) => tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
                (None, Some(since)) => since.to_str().ok() == Some(modified.as_str()),
                (None, None) => false,
            };
            let mut r = if not_modified {
                StatusCode::NOT_MODIFIED.into_response()
            } else {
                (StatusCode::OK, feed.body.clone()).into_response()
            };
            let h = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&etag) {
                h.insert(header::ETAG, v);
            }
            if let Ok(v) = HeaderValue::from_str(&modified) {
                h.insert(header::LAST_MODIFIED, v);
            }
            if let Ok(v) = HeaderValue::from_str(&feed.content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            (r.status().as_u16(), r)
        }
    };
    s.seen.push(Seen {
        path,
        if_none_match,
        status,
    });
    response
}
