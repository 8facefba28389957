//! The live-channel rows of the role × route matrix: the Channels page and API
//! (admins), stopping all sending (admins and social media managers), and a
//! reply's cancel and retry (whoever may reply), each against fresh targets.

use super::{Call, Route, route};
use crate::helpers::*;
use reqwest::Method;
use serde_json::json;
use tend_core::channels::Connect;
use tend_core::team::{Actor, Permission};
use tend_domain::{OutboxId, OutboxState, Role};

/// What the channel routes act on, fresh per role.
#[derive(Default)]
pub struct ChannelTargets {
    /// Connected channels: the API's read and disconnect, the page's.
    api_channel: i64,
    page_channel: i64,
    /// Queued replies (API cancel, page cancel) and failed ones (API retry, page retry).
    queued: [i64; 2],
    failed: [i64; 2],
}

/// Connects two simulated channels and queues four replies on message `m`
/// (two of them then failed), as the admin.
pub async fn targets(
    app: &TestApp,
    s: &Seed,
    m: tend_domain::MessageId,
    role: Role,
) -> ChannelTargets {
    let admin = Actor::user(s.user(Role::Admin).id, s.acme.id, Role::Admin);
    let mut channels = Vec::new();
    for what in ["api", "page"] {
        let request = Connect {
            name: format!("{what} {role:?}"),
            config: tend_channels::live::ChannelConfig::Simulated { every_secs: 60 },
            credentials: tend_channels::live::Credentials::None,
            backfill_days: Some(0),
        };
        let status =
            tend_core::channels::connect(&*app.store, &app.secrets, admin, request, app.now())
                .await
                .unwrap();
        channels.push(status.channel.id.get());
    }
    let mut replies = Vec::new();
    for n in 0..4 {
        let item =
            tend_core::conversations::queue_reply(&*app.store, admin, m, &format!("reply {n}"))
                .await
                .unwrap();
        replies.push(item.id);
    }
    for id in &replies[2..] {
        app.store
            .move_outbox(s.acme.id, *id, OutboxState::Failed, None, Some("refused"))
            .await
            .unwrap();
    }
    let ids: Vec<i64> = replies.iter().map(|r: &OutboxId| r.get()).collect();
    ChannelTargets {
        api_channel: channels[0],
        page_channel: channels[1],
        queued: [ids[0], ids[1]],
        failed: [ids[2], ids[3]],
    }
}

/// The channel routes with the permission each needs.
pub fn routes(m: i64, t: &ChannelTargets, role: Role) -> Vec<Route> {
    use Permission::*;
    let api = |rest: &str| format!("/api/w/acme{rest}");
    let page = |rest: &str| format!("/w/acme{rest}");
    let post = || Call::Json(Method::POST, json!({}));
    let form = |fields: &[(&'static str, &str)]| {
        Call::Form(fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
    };
    let api_name = format!("new api {role:?}");
    let form_name = format!("new form {role:?}");
    vec![
        route(
            "/api/w/{slug}/channels",
            api("/channels"),
            Call::Get,
            200,
            Some(Administer),
        ),
        route(
            "/api/w/{slug}/channels",
            api("/channels"),
            Call::Json(
                Method::POST,
                json!({"name": api_name, "network": "simulated", "settings": {"every_secs": 60}}),
            ),
            201,
            Some(Administer),
        ),
        route(
            "/api/w/{slug}/channels/{id}",
            api(&format!("/channels/{}", t.api_channel)),
            Call::Get,
            200,
            Some(Administer),
        ),
        route(
            "/api/w/{slug}/channels/{id}/sync",
            api(&format!("/channels/{}/sync", t.api_channel)),
            post(),
            202,
            Some(Administer),
        ),
        route(
            "/api/w/{slug}/channels/{id}",
            api(&format!("/channels/{}", t.api_channel)),
            Call::Json(Method::DELETE, json!({})),
            200,
            Some(Administer),
        ),
        route(
            "/api/w/{slug}/sending/pause",
            api("/sending/pause"),
            post(),
            200,
            Some(MakeRulesLive),
        ),
        route(
            "/api/w/{slug}/sending/resume",
            api("/sending/resume"),
            post(),
            200,
            Some(MakeRulesLive),
        ),
        route(
            "/api/w/{slug}/outbox/{id}/cancel",
            api(&format!("/outbox/{}/cancel", t.queued[0])),
            post(),
            200,
            Some(Reply),
        ),
        route(
            "/api/w/{slug}/outbox/{id}/retry",
            api(&format!("/outbox/{}/retry", t.failed[0])),
            post(),
            200,
            Some(Reply),
        ),
        route(
            "/w/{slug}/settings/channels",
            page("/settings/channels"),
            Call::Get,
            200,
            Some(Administer),
        ),
        route(
            "/w/{slug}/settings/channels",
            page("/settings/channels"),
            form(&[
                ("name", &form_name),
                ("network", "simulated"),
                ("key", "every_secs"),
                ("value", "60"),
                ("credentials", "none"),
            ]),
            303,
            Some(Administer),
        ),
        route(
            "/w/{slug}/settings/channels/{id}/sync",
            page(&format!("/settings/channels/{}/sync", t.page_channel)),
            form(&[]),
            303,
            Some(Administer),
        ),
        route(
            "/w/{slug}/settings/channels/{id}/disconnect",
            page(&format!("/settings/channels/{}/disconnect", t.page_channel)),
            form(&[]),
            303,
            Some(Administer),
        ),
        route(
            "/w/{slug}/settings/sending/{action}",
            page("/settings/sending/pause"),
            form(&[]),
            303,
            Some(MakeRulesLive),
        ),
        route(
            "/w/{slug}/settings/sending/{action}",
            page("/settings/sending/resume"),
            form(&[]),
            303,
            Some(MakeRulesLive),
        ),
        route(
            "/w/{slug}/c/{id}/cancel-reply",
            page(&format!("/c/{m}/cancel-reply")),
            form(&[("outbox", &t.queued[1].to_string())]),
            303,
            Some(Reply),
        ),
        route(
            "/w/{slug}/c/{id}/retry-reply",
            page(&format!("/c/{m}/retry-reply")),
            form(&[("outbox", &t.failed[1].to_string())]),
            303,
            Some(Reply),
        ),
    ]
}
