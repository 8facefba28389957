//! The fake's JSON, shaped like real Mastodon 4.6.4 answers: the recorded
//! payloads in `fixtures/mastodon/` are the templates, and only the fields
//! that differ (ids, text, times, counts, addresses) are filled in.

use super::{Account, Notification, State, Status};
use anyhow::Context;
use serde_json::{Value, json};

/// The recorded answers the fake's JSON is made from.
pub(super) struct Templates {
    account: Value,
    credential_account: Value,
    status: Value,
    notification: Value,
    instance: Value,
}

fn recorded(json: &str, interaction: usize) -> anyhow::Result<Value> {
    let all: Value = serde_json::from_str(json)?;
    all.get(interaction)
        .and_then(|i| i.get("response_body_json"))
        .cloned()
        .context("recorded interaction missing")
}

impl Templates {
    pub(super) fn load() -> anyhow::Result<Templates> {
        let mentions = recorded(
            include_str!("../../fixtures/mastodon/test_notifications_mentions_only.json"),
            1,
        )?;
        let mut notification = mentions.get(0).cloned().context("no notification")?;
        let mut status = notification.get("status").cloned().context("no status")?;
        let account = notification.get("account").cloned().context("no account")?;
        // Filled in per answer: no need to clone the recorded ones each time.
        set(&mut notification, "status", Value::Null);
        set(&mut notification, "account", Value::Null);
        set(&mut status, "account", Value::Null);
        let credential_account = recorded(
            include_str!("../../fixtures/mastodon/test_status_reply.json"),
            1,
        )?;
        let instance = recorded(
            include_str!("../../fixtures/mastodon/test_instance.json"),
            0,
        )?;
        Ok(Templates {
            account,
            credential_account,
            status,
            notification,
            instance,
        })
    }

    pub(super) fn account(&self, base: &str, a: &Account, statuses: usize) -> Value {
        let mut v = self.account.clone();
        fill_account(&mut v, base, a, statuses);
        v
    }

    pub(super) fn credential_account(&self, base: &str, a: &Account, statuses: usize) -> Value {
        let mut v = self.credential_account.clone();
        fill_account(&mut v, base, a, statuses);
        v
    }

    pub(super) fn status(&self, base: &str, state: &State, s: &Status) -> Value {
        let mut v = self.status.clone();
        let account = state.accounts.get(&s.account);
        let username = account.map_or("unknown", |a| a.username.as_str());
        set(&mut v, "id", json!(s.id.to_string()));
        set(&mut v, "created_at", json!(iso(s.created_ms)));
        set(&mut v, "edited_at", json!(s.edited_ms.map(iso)));
        let parent = s.in_reply_to.and_then(|p| state.statuses.get(&p));
        set(
            &mut v,
            "in_reply_to_id",
            json!(s.in_reply_to.map(|p| p.to_string())),
        );
        set(
            &mut v,
            "in_reply_to_account_id",
            json!(parent.map(|p| p.account.to_string())),
        );
        set(&mut v, "language", json!("en"));
        set(&mut v, "visibility", json!(s.visibility));
        set(
            &mut v,
            "uri",
            json!(format!("{base}/ap/users/{}/statuses/{}", s.account, s.id)),
        );
        set(&mut v, "url", json!(format!("{base}/@{username}/{}", s.id)));
        let replies = state.replies.get(&s.id).copied().unwrap_or(0);
        set(&mut v, "replies_count", json!(replies));
        set(&mut v, "favourites_count", json!(s.id % 7));
        set(&mut v, "reblogs_count", json!(s.id % 3));
        set(&mut v, "content", json!(content_html(base, state, &s.text)));
        set(
            &mut v,
            "application",
            json!(
                s.app
                    .as_ref()
                    .map(|name| json!({"name": name, "website": null}))
            ),
        );
        if let Some(a) = account {
            set(&mut v, "account", self.account(base, a, 0));
        }
        let mentions: Vec<Value> = s
            .mentions
            .iter()
            .filter_map(|id| state.accounts.get(id))
            .map(|m| {
                json!({
                    "id": m.id.to_string(),
                    "username": m.username,
                    "url": profile_url(base, m),
                    "acct": m.acct,
                })
            })
            .collect();
        set(&mut v, "mentions", Value::Array(mentions));
        v
    }

    pub(super) fn notification(&self, base: &str, state: &State, n: &Notification) -> Value {
        let mut v = self.notification.clone();
        set(&mut v, "id", json!(n.id.to_string()));
        set(&mut v, "type", json!("mention"));
        set(&mut v, "created_at", json!(iso(n.created_ms)));
        set(&mut v, "group_key", json!(format!("ungrouped-{}", n.id)));
        if let Some(a) = state.accounts.get(&n.from) {
            set(&mut v, "account", self.account(base, a, 0));
        }
        let status = state
            .statuses
            .get(&n.status)
            .map(|s| self.status(base, state, s));
        set(&mut v, "status", status.unwrap_or(Value::Null));
        v
    }

    pub(super) fn instance(&self, base: &str, max_characters: usize) -> Value {
        let mut v = self.instance.clone();
        let host = base.trim_start_matches("http://");
        set(&mut v, "domain", json!(host));
        if let Some(statuses) = v
            .get_mut("configuration")
            .and_then(|c| c.get_mut("statuses"))
        {
            set(statuses, "max_characters", json!(max_characters));
        }
        if let Some(urls) = v.get_mut("configuration").and_then(|c| c.get_mut("urls")) {
            set(urls, "streaming", json!(format!("ws://{host}")));
        }
        v
    }
}

fn fill_account(v: &mut Value, base: &str, a: &Account, statuses: usize) {
    set(v, "id", json!(a.id.to_string()));
    set(v, "username", json!(a.username));
    set(v, "acct", json!(a.acct));
    set(v, "display_name", json!(a.display_name));
    set(v, "created_at", json!(iso(a.created_ms)));
    set(v, "url", json!(profile_url(base, a)));
    set(v, "uri", json!(format!("{base}/ap/users/{}", a.id)));
    set(v, "followers_count", json!(a.followers));
    set(v, "statuses_count", json!(statuses));
}

fn profile_url(base: &str, a: &Account) -> String {
    match a.acct.split_once('@') {
        Some((user, domain)) => format!("https://{domain}/@{user}"),
        None => format!("{base}/@{}", a.username),
    }
}

fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(obj) = v.as_object_mut() {
        obj.insert(key.to_string(), value);
    }
}

/// Milliseconds since the epoch as Mastodon writes times.
pub(super) fn iso(ms: u64) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => "1970-01-01T00:00:00.000Z".into(),
    }
}

/// The status text as Mastodon renders it: one paragraph, escaped, known
/// `@acct` mentions as `h-card` links.
fn content_html(base: &str, state: &State, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str("<p>");
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mention = word
            .strip_prefix('@')
            .and_then(|acct| state.by_acct.get(acct))
            .and_then(|id| state.accounts.get(id));
        match mention {
            Some(a) => {
                out.push_str("<span class=\"h-card\" translate=\"no\"><a href=\"");
                out.push_str(&escape(&profile_url(base, a)));
                out.push_str("\" class=\"u-url mention\">@<span>");
                out.push_str(&escape(&a.username));
                out.push_str("</span></a></span>");
            }
            None => out.push_str(&escape(word).replace('\n', "<br />")),
        }
    }
    out.push_str("</p>");
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
