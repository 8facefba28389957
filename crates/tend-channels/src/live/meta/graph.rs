//! Meta's Graph API as the Facebook, Instagram and Threads connectors share
//! it: one signed client, Graph's error body mapped to [`ChannelError`],
//! the usage headers honoured, and cursor paging.
//!
//! - **Errors**: codes 4, 17, 32, 613 (and 80001–80014, the business
//!   use-case throttles) are rate limits; 190 (an expired or revoked token)
//!   and 10/200–299 (a missing permission) mean an admin must reconnect;
//!   otherwise a 5xx or Graph's `is_transient` is transient and the rest a
//!   refusal.
//! - **Usage**: `X-App-Usage`, `X-Page-Usage` and `X-Business-Use-Case-Usage`
//!   carry percentages of the budget spent. At [`STOP_AT`] percent the client
//!   stops sending for the time Meta names (`estimated_time_to_regain_access`,
//!   minutes) or a minute, and answers `RateLimited` without a request.

use crate::live::{ChannelError, http};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

/// The usage percentage at which the client stops sending.
pub const STOP_AT: f64 = 95.0;

/// A Graph client for one token.
pub(super) struct Graph {
    pub base: String,
    token: std::sync::Mutex<String>,
    http: reqwest::Client,
    /// Who is asking, for errors ("Facebook", "Instagram", "Threads").
    pub network: &'static str,
    paused_until: std::sync::Mutex<Option<Instant>>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: GraphError,
}

#[derive(Debug, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_subcode: Option<i64>,
    #[serde(default)]
    is_transient: Option<bool>,
}

/// A Graph list: `data` and `paging.cursors.after`.
#[derive(Debug, Deserialize)]
pub(super) struct Edge<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

impl<T> Default for Edge<T> {
    fn default() -> Self {
        Edge {
            data: Vec::new(),
            paging: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Paging {
    #[serde(default)]
    pub cursors: Option<Cursors>,
    #[serde(default)]
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Cursors {
    pub after: Option<String>,
}

impl<T> Edge<T> {
    /// The cursor of the next page, when Graph says there is one.
    pub fn after(&self) -> Option<String> {
        let paging = self.paging.as_ref()?;
        paging.next.as_ref()?;
        paging
            .cursors
            .as_ref()?
            .after
            .clone()
            .filter(|a| !a.is_empty() && a.len() <= 512)
    }
}

/// `{"id": "…"}`, the answer of a create.
#[derive(Debug, Deserialize)]
pub(super) struct Created {
    pub id: String,
}

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse<T: DeserializeOwned>(
    network: &str,
    what: &str,
    body: &str,
) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("{network} {what}: at {path}: {}", e.inner())
    })
}

/// Checks a Graph id (digits, with `_` in Facebook's `page_post` ids)
/// before it goes into a path.
pub(super) fn check_id(network: &str, what: &str, id: &str) -> Result<(), ChannelError> {
    let ok =
        !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ChannelError::Permanent(format!(
            "{network} {what}: not an id: {:?}",
            id.chars().take(80).collect::<String>()
        )))
    }
}

/// Percent-encodes a query value.
pub(super) fn enc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Graph {
    pub fn new(network: &'static str, base: &str, token: &str) -> Result<Graph, ChannelError> {
        if token.trim().is_empty() {
            return Err(ChannelError::Permanent(format!(
                "{network} needs an access token"
            )));
        }
        Ok(Graph {
            base: base.trim_end_matches('/').to_string(),
            token: std::sync::Mutex::new(token.trim().to_string()),
            http: http::client()?,
            network,
            paused_until: std::sync::Mutex::new(None),
        })
    }

    /// Replaces the token (after a refresh).
    pub fn set_token(&self, token: String) {
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = token;
    }

    /// The current token.
    pub fn token(&self) -> String {
        self.token.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The shared HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn check_pause(&self) -> Result<(), ChannelError> {
        let mut paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        match *paused {
            Some(until) if until > Instant::now() => Err(ChannelError::RateLimited {
                retry_after: until
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_secs(1)),
            }),
            Some(_) => {
                *paused = None;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// GET `path` (with its query, without the token).
    pub async fn get(&self, path: &str) -> Result<String, ChannelError> {
        self.check_pause()?;
        let res = self
            .http
            .get(format!("{}/{path}", self.base))
            .bearer_auth(self.token())
            .send()
            .await
            .map_err(http::from_reqwest)?;
        self.answer(res).await
    }

    /// POST a form to `path`.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<String, ChannelError> {
        self.check_pause()?;
        let res = self
            .http
            .post(format!("{}/{path}", self.base))
            .bearer_auth(self.token())
            .form(form)
            .send()
            .await
            .map_err(http::from_reqwest)?;
        self.answer(res).await
    }

    /// DELETE `path`; an object already gone counts as deleted.
    pub async fn delete(&self, path: &str) -> Result<(), ChannelError> {
        self.check_pause()?;
        let res = self
            .http
            .delete(format!("{}/{path}", self.base))
            .bearer_auth(self.token())
            .send()
            .await
            .map_err(http::from_reqwest)?;
        match self.answer(res).await {
            Ok(_) => Ok(()),
            Err(ChannelError::Permanent(m))
                if m.contains("(#100/33)") || m.contains("HTTP 404") =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    pub async fn answer(&self, res: reqwest::Response) -> Result<String, ChannelError> {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .text()
            .await
            .map_err(|e| http::from_reqwest(e.without_url()))?;
        if let Some(wait) = usage_wait(&headers) {
            *self.paused_until.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(Instant::now() + wait);
        }
        if status.is_success() {
            return Ok(body);
        }
        Err(self.error_of(status, &headers, &body))
    }

    fn error_of(
        &self,
        status: reqwest::StatusCode,
        headers: &reqwest::header::HeaderMap,
        body: &str,
    ) -> ChannelError {
        let Ok(ErrorBody { error }) = serde_json::from_str::<ErrorBody>(body) else {
            return http::from_status(status, headers, body);
        };
        let code = error.code.unwrap_or(0);
        let reason = format!(
            "{} (#{code}/{}) HTTP {}: {}",
            self.network,
            error.error_subcode.unwrap_or(0),
            status.as_u16(),
            http::short(&error.message)
        );
        match code {
            4 | 17 | 32 | 613 | 80001..=80014 => ChannelError::RateLimited {
                retry_after: usage_wait(headers)
                    .or_else(|| http::retry_after(headers))
                    .unwrap_or(Duration::from_secs(300)),
            },
            190 | 102 | 10 | 200..=299 => ChannelError::Unauthorized(reason),
            _ if status.is_server_error() || error.is_transient == Some(true) || code == 2 => {
                ChannelError::Transient(reason)
            }
            _ if status.as_u16() == 401 => ChannelError::Unauthorized(reason),
            _ => ChannelError::Permanent(reason),
        }
    }
}

/// How long to stop when a usage header is at [`STOP_AT`] percent or more:
/// Meta's `estimated_time_to_regain_access` (minutes) or a minute.
pub(super) fn usage_wait(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let mut worst: f64 = 0.0;
    let mut regain_minutes: u64 = 0;
    let mut look = |v: &serde_json::Value| {
        if let Some(obj) = v.as_object() {
            for (k, v) in obj {
                match (k.as_str(), v.as_f64()) {
                    ("estimated_time_to_regain_access", Some(m)) if m > 0.0 && m < 100_000.0 => {
                        regain_minutes = regain_minutes.max(m as u64);
                    }
                    (
                        "call_count" | "total_cputime" | "total_time" | "acc_id_util_pct",
                        Some(p),
                    ) => {
                        worst = worst.max(p);
                    }
                    _ => {}
                }
            }
        }
    };
    for name in ["x-app-usage", "x-page-usage", "x-ad-account-usage"] {
        if let Some(v) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
        {
            look(&v);
        }
    }
    if let Some(v) = headers
        .get("x-business-use-case-usage")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
        && let Some(obj) = v.as_object()
    {
        for entries in obj.values() {
            for entry in entries.as_array().into_iter().flatten() {
                look(entry);
            }
        }
    }
    if worst >= STOP_AT || regain_minutes > 0 {
        let wait = if regain_minutes > 0 {
            Duration::from_secs(regain_minutes * 60)
        } else {
            Duration::from_secs(60)
        };
        Some(wait.min(http::MAX_RETRY_AFTER))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn usage_near_the_budget_stops_for_the_time_meta_names() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-app-usage",
            HeaderValue::from_static(r#"{"call_count":40,"total_time":10,"total_cputime":5}"#),
        );
        assert_eq!(usage_wait(&h), None);
        h.insert(
            "x-app-usage",
            HeaderValue::from_static(r#"{"call_count":97,"total_time":10,"total_cputime":5}"#),
        );
        assert_eq!(usage_wait(&h), Some(Duration::from_secs(60)));
        let mut h = HeaderMap::new();
        // The recorded X-Business-Use-Case-Usage value (restfb).
        h.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(
                r#"{"123":[{"call_count":100,"total_cputime":16,"total_time":45,"type":"pages","estimated_time_to_regain_access":10}]}"#,
            ),
        );
        assert_eq!(usage_wait(&h), Some(Duration::from_secs(600)));
        h.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static("not json"),
        );
        assert_eq!(usage_wait(&h), None);
    }
}
