//! HTTP helpers every connector shares: one client with timeouts, and the
//! mapping from a response to a [`ChannelError`].

use super::ChannelError;
use std::time::Duration;

/// How long one request may take before its outcome counts as unknown.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// The longest wait a network may ask for before Tend tries again anyway
/// (a broken `Retry-After` must not park a channel for a year).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The client connectors use: TLS ready (see [`install_tls`]), timeouts,
/// Tend's user agent, at most three redirects.
pub fn client() -> Result<reqwest::Client, ChannelError> {
    client_builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("Tend/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| ChannelError::Permanent(format!("building the HTTP client: {e}")))
}

/// A client builder with TLS ready. reqwest is built with rustls and no crypto
/// provider of its own (`rustls-no-provider`): a client built before a
/// provider is installed would panic, so every client Tend builds starts here.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_tls();
    reqwest::Client::builder()
}

/// Installs `ring` as rustls' process-wide crypto provider (once; a provider
/// installed first by someone else is kept). Certificates are checked
/// against the system's roots.
pub fn install_tls() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A request that failed before any response: a timeout or a broken
/// connection is `Transient` (for a publish: the outcome is unknown).
pub fn from_reqwest(e: reqwest::Error) -> ChannelError {
    if e.is_builder() {
        ChannelError::Permanent(format!("invalid request: {e}"))
    } else if e.is_decode() {
        ChannelError::Transient(format!("unreadable answer: {e}"))
    } else {
        ChannelError::Transient(format!("network error: {e}"))
    }
}

/// The error a non-success status means. `body` is the network's answer,
/// shortened for the reason shown to teammates.
pub fn from_status(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> ChannelError {
    let reason = format!("HTTP {}: {}", status.as_u16(), short(body));
    match status.as_u16() {
        401 | 403 => ChannelError::Unauthorized(reason),
        429 => ChannelError::RateLimited {
            retry_after: retry_after(headers).unwrap_or(Duration::from_secs(60)),
        },
        408 | 425 | 500..=599 => ChannelError::Transient(reason),
        _ => ChannelError::Permanent(reason),
    }
}

/// How long a network asks to wait: `Retry-After` (seconds or an HTTP date)
/// or a rate-limit reset header (`X-RateLimit-Reset` as an ISO time or epoch
/// seconds), capped at [`MAX_RETRY_AFTER`].
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = jiff::Timestamp::now();
    let until = |t: jiff::Timestamp| {
        let secs = (t.as_second() - now.as_second()).max(0);
        Duration::from_secs(secs.unsigned_abs())
    };
    let wait = if let Some(v) = text("retry-after") {
        if let Ok(secs) = v.trim().parse::<u64>() {
            Some(Duration::from_secs(secs))
        } else {
            jiff::fmt::rfc2822::parse(v.trim())
                .ok()
                .map(|z| until(z.timestamp()))
        }
    } else if let Some(v) = text("x-ratelimit-reset").or_else(|| text("ratelimit-reset")) {
        let v = v.trim();
        if let Ok(t) = v.parse::<jiff::Timestamp>() {
            Some(until(t))
        } else if let Ok(n) = v.parse::<i64>() {
            // Epoch seconds when it looks like one, else seconds to wait.
            if n > 1_000_000_000 {
                jiff::Timestamp::from_second(n).ok().map(until)
            } else {
                Some(Duration::from_secs(n.unsigned_abs()))
            }
        } else {
            None
        }
    } else {
        None
    };
    wait.map(|w| w.clamp(Duration::from_secs(1), MAX_RETRY_AFTER))
}

/// At most 300 characters of a network's answer, on one line.
pub fn short(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn statuses_map_to_what_the_runner_must_do() {
        let h = HeaderMap::new();
        assert!(matches!(
            from_status(reqwest::StatusCode::UNAUTHORIZED, &h, ""),
            ChannelError::Unauthorized(_)
        ));
        assert!(matches!(
            from_status(reqwest::StatusCode::BAD_GATEWAY, &h, ""),
            ChannelError::Transient(_)
        ));
        assert!(matches!(
            from_status(reqwest::StatusCode::UNPROCESSABLE_ENTITY, &h, "{\"error\":\"too long\"}"),
            ChannelError::Permanent(r) if r.contains("too long")
        ));
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("17"));
        assert_eq!(
            from_status(reqwest::StatusCode::TOO_MANY_REQUESTS, &h, ""),
            ChannelError::RateLimited {
                retry_after: Duration::from_secs(17)
            }
        );
    }

    #[test]
    fn rate_limit_resets_are_read_in_every_form_and_capped() {
        let mut h = HeaderMap::new();
        let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(120);
        h.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&soon.to_string()).unwrap(),
        );
        let w = retry_after(&h).unwrap();
        assert!((115..=120).contains(&w.as_secs()), "{w:?}");
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("99999999"));
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("soon-ish"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn long_answers_are_cut_on_a_character_boundary() {
        let s = "é".repeat(400);
        assert_eq!(short(&s).chars().count(), 301);
    }
}
