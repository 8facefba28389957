//! Bluesky (AT Protocol): the brand's account on its PDS.
//!
//! - **Sign-in**: the handle and an app password (`createSession`); the
//!   access token is refreshed with `refreshSession` when the PDS answers
//!   `ExpiredToken`, and a new session is made when the refresh token is
//!   gone too. Tokens live in memory only ([`Connector::refreshed`] stays
//!   `None`): a restart signs in again (30 sessions per 5 minutes allowed).
//! - **Publishing** ([`Publisher`]): `createRecord` of an `app.bsky.feed.post`
//!   whose record key is the idempotency key, a TID chosen before the first
//!   attempt ([`tid`]). A second attempt with the same key is refused by the
//!   PDS (HTTP 500, no duplicate), which the runner settles with
//!   [`Publisher::lookup`] (`getRecord` of that key). Replies carry
//!   `reply: {root, parent}` strong refs read with `getRecord` at reply time;
//!   mentions, links and tags get facets with UTF-8 byte offsets
//!   ([`richtext`]); a text over 300 graphemes or 3,000 bytes is refused
//!   before sending.
//! - **Reading** ([`Source`](super::Source), in `read`): the firehose
//!   (`com.atproto.sync.subscribeRepos`), keeping posts that mention the
//!   brand, reply into a brand post's thread or quote a brand post, their
//!   edits, and deletions of posts by authors seen so far; the cursor is the
//!   firehose `seq`. The AppView's notifications are not used (a PDS without
//!   one, as in the tests, cannot answer them).

pub mod firehose;
mod read;
pub mod richtext;
pub mod tid;

pub use firehose::{DecodeError, Frame, decode_frame};

use super::http::{client, from_reqwest, from_status, short};
use super::{AccountInfo, ChannelError, Connector, Outgoing, Publisher, RemoteRef};
use async_trait::async_trait;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

/// A Bluesky account, signed in with an app password.
pub struct Bluesky {
    /// The PDS's base URL, without a trailing slash.
    service: String,
    /// The firehose to read, when it is not the PDS's own (a relay).
    firehose: Option<String>,
    identifier: String,
    password: String,
    http: reqwest::Client,
    session: tokio::sync::Mutex<Option<Session>>,
    /// Handles of the DIDs seen, and the authors whose deletions we report.
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    handles: HashMap<String, String>,
    authors: std::collections::HashSet<String>,
}

/// At most this many authors and handles are remembered.
const MAX_SEEN: usize = 100_000;

#[derive(Clone, Deserialize)]
struct Session {
    #[serde(rename = "accessJwt")]
    access: String,
    #[serde(rename = "refreshJwt")]
    refresh: String,
    did: String,
    handle: String,
}

/// What an XRPC error body says.
#[derive(Deserialize, Default)]
struct XrpcError {
    #[serde(default)]
    error: String,
}

/// An AT URI's parts: `at://<did>/<collection>/<rkey>`.
fn parse_at_uri(uri: &str) -> Result<(&str, &str, &str), ChannelError> {
    let bad = || ChannelError::Permanent(format!("Bluesky: {uri:?} is not an AT URI of a record"));
    let rest = uri.strip_prefix("at://").ok_or_else(bad)?;
    let mut parts = rest.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(repo), Some(collection), Some(rkey), None)
            if !repo.is_empty() && !collection.is_empty() && !rkey.is_empty() =>
        {
            Ok((repo, collection, rkey))
        }
        _ => Err(bad()),
    }
}

/// The bsky.app link of a post.
fn post_url(author: &str, rkey: &str) -> String {
    format!("https://bsky.app/profile/{author}/post/{rkey}")
}

impl Bluesky {
    /// The connector for the account `identifier` (handle or DID) with
    /// `password` (an app password) on the PDS at `service`, reading the
    /// firehose at `firehose` (default: the PDS's).
    pub fn new(
        service: &str,
        firehose: Option<&str>,
        identifier: &str,
        password: &str,
    ) -> Result<Bluesky, ChannelError> {
        Ok(Bluesky {
            service: service.trim_end_matches('/').to_owned(),
            firehose: firehose.map(|f| f.trim_end_matches('/').to_owned()),
            identifier: identifier.to_owned(),
            password: password.to_owned(),
            http: client()?,
            session: tokio::sync::Mutex::new(None),
            seen: Mutex::new(Seen::default()),
        })
    }

    fn url(&self, method: &str) -> String {
        format!("{}/xrpc/{method}", self.service)
    }

    /// Sends `req`; the body as JSON, or the error it means.
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, (ChannelError, String)> {
        let res = req
            .send()
            .await
            .map_err(|e| (from_reqwest(e), String::new()))?;
        let (status, headers) = (res.status(), res.headers().clone());
        let text = res
            .text()
            .await
            .map_err(|e| (from_reqwest(e), String::new()))?;
        if status.is_success() {
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).map_err(|e| {
                let reason = format!("Bluesky: unreadable answer ({e}): {}", short(&text));
                (ChannelError::Transient(reason), String::new())
            });
        }
        let name = serde_json::from_str::<XrpcError>(&text)
            .unwrap_or_default()
            .error;
        let err = match from_status(status, &headers, &text) {
            // A PDS answers an expired access token with 400 ExpiredToken.
            ChannelError::Permanent(r) if name == "ExpiredToken" || name == "InvalidToken" => {
                ChannelError::Unauthorized(r)
            }
            other => other,
        };
        Err((err, name))
    }

    async fn create_session(&self) -> Result<Session, ChannelError> {
        let req = self
            .http
            .post(self.url("com.atproto.server.createSession"))
            .json(&json!({"identifier": self.identifier, "password": self.password}));
        let v = self.send(req).await.map_err(|(e, _)| e)?;
        serde_json::from_value(v)
            .map_err(|e| ChannelError::Transient(format!("Bluesky createSession answer: {e}")))
    }

    async fn refresh_session(&self, old: &Session) -> Result<Session, ChannelError> {
        let req = self
            .http
            .post(self.url("com.atproto.server.refreshSession"))
            .bearer_auth(&old.refresh);
        match self.send(req).await {
            Ok(v) => serde_json::from_value(v).map_err(|e| {
                ChannelError::Transient(format!("Bluesky refreshSession answer: {e}"))
            }),
            // The refresh token expired or was revoked: sign in again.
            Err((ChannelError::Unauthorized(_), _)) => self.create_session().await,
            Err((e, _)) => Err(e),
        }
    }

    /// The current session, signing in first when there is none.
    async fn session(&self) -> Result<Session, ChannelError> {
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let s = self.create_session().await?;
        *guard = Some(s.clone());
        Ok(s)
    }

    /// Calls `method` with the session's token (a GET with `query`, or a
    /// POST of `body`), refreshing the session once on an expired token.
    async fn call(
        &self,
        method: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Value, (ChannelError, String)> {
        let mut session = self.session().await.map_err(|e| (e, String::new()))?;
        for attempt in 0..2 {
            let req = match body {
                Some(body) => self.http.post(self.url(method)).json(body),
                None => {
                    let url =
                        reqwest::Url::parse_with_params(&self.url(method), query).map_err(|e| {
                            let reason = format!("Bluesky: bad service URL: {e}");
                            (ChannelError::Permanent(reason), String::new())
                        })?;
                    self.http.get(url)
                }
            };
            match self.send(req.bearer_auth(&session.access)).await {
                Err((ChannelError::Unauthorized(_), name))
                    if attempt == 0 && (name == "ExpiredToken" || name == "InvalidToken") =>
                {
                    let mut guard = self.session.lock().await;
                    let fresh = self
                        .refresh_session(&session)
                        .await
                        .map_err(|e| (e, String::new()))?;
                    *guard = Some(fresh.clone());
                    session = fresh;
                }
                other => return other,
            }
        }
        Err((
            ChannelError::Unauthorized("Bluesky: the refreshed session was refused".into()),
            String::new(),
        ))
    }

    /// The record `rkey` of `collection` in `repo`, or `None` when it is not there.
    async fn get_record(
        &self,
        repo: &str,
        collection: &str,
        rkey: &str,
    ) -> Result<Option<Value>, ChannelError> {
        let query = [("repo", repo), ("collection", collection), ("rkey", rkey)];
        match self.call("com.atproto.repo.getRecord", &query, None).await {
            Ok(v) => Ok(Some(v)),
            Err((_, name)) if name == "RecordNotFound" => Ok(None),
            Err((e, _)) => Err(e),
        }
    }

    /// The DID of `handle`, or `None` when the network does not know it.
    async fn resolve_handle(&self, handle: &str) -> Result<Option<String>, ChannelError> {
        let query = [("handle", handle)];
        match self
            .call("com.atproto.identity.resolveHandle", &query, None)
            .await
        {
            Ok(v) => Ok(v["did"].as_str().map(str::to_owned)),
            Err((ChannelError::Permanent(_), _)) => Ok(None),
            Err((e, _)) => Err(e),
        }
    }

    /// The `reply` field of a post answering `parent_uri`: the parent's
    /// strong ref and its thread's root (the parent itself for a root).
    async fn reply_refs(&self, parent_uri: &str) -> Result<Value, ChannelError> {
        let (repo, collection, rkey) = parse_at_uri(parent_uri)?;
        let parent = self
            .get_record(repo, collection, rkey)
            .await?
            .ok_or_else(|| {
                ChannelError::Permanent(format!(
                    "Bluesky: the post answered ({parent_uri}) is gone"
                ))
            })?;
        let strong = |v: &Value| -> Option<Value> {
            Some(json!({"uri": v["uri"].as_str()?, "cid": v["cid"].as_str()?}))
        };
        let parent_ref = strong(&parent).ok_or_else(|| {
            ChannelError::Transient(format!("Bluesky getRecord of {parent_uri}: no uri or cid"))
        })?;
        let root_ref = strong(&parent["value"]["reply"]["root"]).unwrap_or(parent_ref.clone());
        Ok(json!({"root": root_ref, "parent": parent_ref}))
    }

    /// The facets of `text`, mentions resolved to DIDs (an unknown handle
    /// gets none).
    async fn facets(&self, text: &str) -> Result<Vec<Value>, ChannelError> {
        let mut facets = Vec::new();
        for span in richtext::spans(text) {
            let did = match &span.kind {
                richtext::SpanKind::Mention(handle) => self.resolve_handle(handle).await?,
                _ => None,
            };
            facets.extend(richtext::facet(&span, did.as_deref()));
        }
        Ok(facets)
    }

    fn remote(&self, session: &Session, uri: &str) -> Result<RemoteRef, ChannelError> {
        let (_, _, rkey) = parse_at_uri(uri)?;
        Ok(RemoteRef {
            id: uri.to_owned(),
            url: Some(post_url(&session.handle, rkey)),
        })
    }
}

#[async_trait]
impl Publisher for Bluesky {
    /// A TID for now, its clock id drawn from `unique`.
    fn new_key(&self, unique: &str, now: Timestamp) -> String {
        let micros = u64::try_from(now.as_microsecond()).unwrap_or(0);
        tid::encode(micros, tid::clock_id(unique))
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        if post.text.trim().is_empty() {
            return Err(ChannelError::Permanent("Bluesky: the text is empty".into()));
        }
        if let Some(reason) = richtext::too_long(&post.text) {
            return Err(ChannelError::Permanent(reason));
        }
        if !tid::is_valid(&post.key) {
            return Err(ChannelError::Permanent(format!(
                "Bluesky: the key {:?} is not a TID",
                post.key
            )));
        }
        let session = self.session().await?;
        let mut record = json!({
            "$type": firehose::POSTS,
            "text": post.text,
            "createdAt": format!("{:.3}", Timestamp::now()),
        });
        let facets = self.facets(&post.text).await?;
        if !facets.is_empty() {
            record["facets"] = Value::Array(facets);
        }
        if let Some(target) = &post.reply_to {
            record["reply"] = self.reply_refs(&target.external_id).await?;
        }
        let body = json!({
            "repo": session.did,
            "collection": firehose::POSTS,
            "rkey": post.key,
            "record": record,
        });
        let v = self
            .call("com.atproto.repo.createRecord", &[], Some(&body))
            .await
            .map_err(|(e, _)| e)?;
        let uri = v["uri"].as_str().ok_or_else(|| {
            ChannelError::Transient(format!("Bluesky createRecord answer without uri: {v}"))
        })?;
        self.remote(&session, uri)
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        if !tid::is_valid(&post.key) {
            // No record can have this key: it was never sent.
            return Ok(None);
        }
        let session = self.session().await?;
        match self
            .get_record(&session.did, firehose::POSTS, &post.key)
            .await?
        {
            Some(v) => {
                let uri = v["uri"].as_str().ok_or_else(|| {
                    ChannelError::Transient(format!("Bluesky getRecord answer without uri: {v}"))
                })?;
                Ok(Some(self.remote(&session, uri)?))
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        let (repo, collection, rkey) = parse_at_uri(&item.id)?;
        let session = self.session().await?;
        if repo != session.did && repo != session.handle {
            return Err(ChannelError::Permanent(format!(
                "Bluesky: {} is not a post of this account",
                item.id
            )));
        }
        let body = json!({"repo": session.did, "collection": collection, "rkey": rkey});
        match self
            .call("com.atproto.repo.deleteRecord", &[], Some(&body))
            .await
        {
            Ok(_) => Ok(()),
            Err((_, name)) if name == "RecordNotFound" => Ok(()),
            Err((e, _)) => Err(e),
        }
    }
}

#[async_trait]
impl Connector for Bluesky {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let v = self
            .call("com.atproto.server.getSession", &[], None)
            .await
            .map_err(|(e, _)| e)?;
        Ok(AccountInfo {
            handle: v["handle"].as_str().map(str::to_owned),
            // App passwords do not expire; the session refreshes itself.
            token_expires_at: None,
            max_chars: Some(richtext::MAX_GRAPHEMES),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_uris_are_split_and_hostile_ones_refused() {
        assert_eq!(
            parse_at_uri("at://did:plc:abc/app.bsky.feed.post/3n43ofpcxmi2b").ok(),
            Some(("did:plc:abc", "app.bsky.feed.post", "3n43ofpcxmi2b"))
        );
        for bad in [
            "",
            "at://",
            "https://x/y/z",
            "at://a/b",
            "at://a/b/c/d",
            "at:///b/c",
        ] {
            assert!(
                matches!(parse_at_uri(bad), Err(ChannelError::Permanent(r)) if r.contains("AT URI")),
                "{bad}"
            );
        }
    }
}
