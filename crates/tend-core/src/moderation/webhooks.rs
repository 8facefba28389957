//! The moderation rules' webhook posts (`notify: {webhook: url}`).
//!
//! A rule that fires queues one delivery per webhook in the transaction that
//! records its verdict (`ModerationStore::record_verdicts`), with the JSON body frozen at
//! that moment ([`Payload`], documented in `docs/moderation.md`). [`deliver_due`]
//! (run by `tend serve` after each moderation pass) claims the due deliveries,
//! POSTs each once with a [`TIMEOUT`], and records the attempt: a 2xx marks it
//! delivered; anything else (another status, a refused connection, a timeout)
//! keeps the error and retries after [`backoff`], until [`MAX_ATTEMPTS`] have
//! failed, when it is given up with its last error shown on the rules page.
//!
//! `notify` is an unrepeatable action, so a rule that notified about a message
//! does not fire again for it when the message is edited (the rule's hash is
//! recorded with the verdict); the store also queues at most one delivery per
//! message, rule of a version and address. Delivery is at least once: a process
//! that dies after the receiver answered and before the attempt is recorded sends
//! it again when the lease ([`LEASE`]) runs out.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::time::Duration;
use tend_domain::WebhookAttempt;
use tend_rules::Action;
use tend_store::StoreError;
use tend_store::prelude::*;

/// The `event` of every moderation webhook body.
pub const EVENT: &str = "tend.moderation.notify";
/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed delivery is left to the process that claimed it.
pub const LEASE: SignedDuration = SignedDuration::from_secs(300);
/// Deliveries sent per pass at most.
const PER_PASS: u32 = 50;
/// Characters of the message text in the body.
pub const EXCERPT_CHARS: usize = 280;

/// The JSON body of a moderation webhook (one POST per fired rule and webhook).
#[derive(Debug, Serialize)]
pub struct Payload<'a> {
    /// Always [`EVENT`].
    pub event: &'static str,
    /// The rule's name (its first comment line, or `rule N`).
    pub rule: &'a str,
    /// The rule's main action: its moderation action (`remove`, `spam`, `filter`,
    /// `hide`, `approve`), else `escalate`, `flag` or `report`, else `notify`.
    pub action: &'static str,
    /// Every action the rule performed, by name.
    pub actions: Vec<&'static str>,
    pub message_id: i64,
    /// The workspace's slug.
    pub workspace: &'a str,
    /// The channel's name.
    pub channel: &'a str,
    /// The author's handle (empty when unknown).
    pub author: &'a str,
    pub permalink: Option<&'a str>,
    /// The start of the message text, whitespace collapsed, at most 280 characters.
    pub excerpt: String,
    /// When the rule fired (RFC 3339, UTC).
    pub fired_at: Timestamp,
}

impl Payload<'_> {
    /// The body as sent.
    pub fn to_json(&self) -> String {
        serde_json::json!(self).to_string()
    }
}

/// The main action of a fired rule, for [`Payload::action`].
pub fn main_action(actions: &[Action]) -> &'static str {
    let names: Vec<&'static str> = actions.iter().map(super::action_name).collect();
    [
        "remove", "spam", "filter", "hide", "approve", "escalate", "flag", "report",
    ]
    .into_iter()
    .find(|a| names.contains(a))
    .unwrap_or("notify")
}

/// The message text for the body: whitespace collapsed, at most
/// [`EXCERPT_CHARS`] characters, cut with an ellipsis.
pub fn excerpt(text: &str) -> String {
    crate::text::excerpt_within(text, EXCERPT_CHARS)
}

/// How long to wait after the `attempts`-th failed attempt: 30 s doubling, at most
/// an hour (30 s, 1 min, 2 min … 32 min; about an hour in all before giving up).
pub fn backoff(attempts: i64) -> SignedDuration {
    let doublings = attempts.clamp(1, 8) - 1;
    SignedDuration::from_secs((30_i64 << doublings).min(3_600))
}

/// The HTTP client for webhooks: the attempt's timeout, no redirects (a receiver
/// that moved must be changed in the rules).
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    crate::http::client_builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub delivered: usize,
    /// Failed attempts that will be retried.
    pub retrying: usize,
    /// Failed attempts that were the last.
    pub gave_up: usize,
}

/// Sends the deliveries due at `now` (of every workspace) and records each
/// attempt. A receiver's failure is recorded, never returned; only the store's
/// errors are.
pub async fn deliver_due(
    store: &dyn Store,
    http: &reqwest::Client,
    now: Timestamp,
) -> Result<Pass, StoreError> {
    let lease_until = now.checked_add(LEASE).unwrap_or(now);
    let due = store.claim_webhooks(now, lease_until, PER_PASS).await?;
    let mut pass = Pass::default();
    for delivery in due {
        let posted =
            crate::http::post_json(http, &delivery.url, delivery.payload.clone(), TIMEOUT).await;
        let attempt = match posted {
            Ok(()) => {
                pass.delivered += 1;
                WebhookAttempt::Delivered
            }
            Err(error) => {
                let attempts = delivery.attempts + 1;
                let retry_at = (attempts < MAX_ATTEMPTS)
                    .then(|| now.checked_add(backoff(attempts)).unwrap_or(now));
                if retry_at.is_some() {
                    pass.retrying += 1;
                } else {
                    pass.gave_up += 1;
                }
                tracing::warn!(
                    workspace = %delivery.workspace_id,
                    delivery = delivery.id,
                    rule = %delivery.rule_name,
                    attempts,
                    %error,
                    gave_up = retry_at.is_none(),
                    "moderation webhook failed"
                );
                WebhookAttempt::Failed { error, retry_at }
            }
        };
        store
            .webhook_attempted(delivery.workspace_id, delivery.id, &attempt)
            .await?;
    }
    Ok(pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_an_hour() {
        let secs: Vec<i64> = (1..=MAX_ATTEMPTS).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600]);
        assert_eq!(backoff(0).as_secs(), 30);
        assert_eq!(backoff(i64::MAX).as_secs(), 3600);
    }

    #[test]
    fn excerpt_collapses_and_cuts() {
        assert_eq!(excerpt("  a\n\tb  c "), "a b c");
        let long = "å".repeat(400);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), 280);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn main_action_prefers_moderation() {
        let notify = Action::Notify {
            to: tend_rules::NotifyTarget::Teammate("x".into()),
        };
        assert_eq!(main_action(std::slice::from_ref(&notify)), "notify");
        assert_eq!(main_action(&[notify, Action::Hide]), "hide");
    }
}
