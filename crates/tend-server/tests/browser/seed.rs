//! A small workspace for the browser tests, brought in the way real data comes:
//! NDJSON files read by the generic importer and stored through
//! `tend_core::ingest`, so signals, authors and threads are what the app makes.

use crate::helpers::{PASSWORD, TestApp};
use secrecy::SecretString;
use serde_json::{Value, json};
use tend_domain::{Channel, ChannelKind, MessageId, NewChannel, Role, User, Workspace};

pub const ADMIN: &str = "alex@acme.se";
pub const MANAGER: &str = "sam@acme.se";

pub struct Seed {
    pub acme: Workspace,
    pub admin: User,
    pub manager: User,
}

/// Acme (Europe/Stockholm) with an admin (Alex) and a social media manager (Sam).
pub async fn team(app: &TestApp) -> Seed {
    let password = SecretString::from(PASSWORD.to_owned());
    let mut users = Vec::new();
    for (email, name, role) in [
        (ADMIN, "Alex Andersson", Role::Admin),
        (MANAGER, "Sam Svensson", Role::SocialMediaManager),
    ] {
        let (user, _) = tend_core::accounts::add_teammate(
            &*app.store,
            &tend_core::accounts::NewTeammate {
                email,
                name,
                locale: "en",
                password: &password,
                workspace_slug: "acme",
                time_zone: "Europe/Stockholm",
                role,
            },
        )
        .await
        .unwrap();
        users.push(user);
    }
    let manager = users.pop().unwrap();
    let admin = users.pop().unwrap();
    Seed {
        acme: app.store.workspace_by_slug("acme").await.unwrap(),
        admin,
        manager,
    }
}

/// Creates a channel and imports `records` (generic NDJSON objects) into it;
/// returns the stored message ids in record order.
pub async fn import(
    app: &TestApp,
    ws: &Workspace,
    kind: ChannelKind,
    name: &str,
    records: &[Value],
) -> (Channel, Vec<MessageId>) {
    let channel = app
        .store
        .create_channel(&NewChannel::new(ws.id, kind, name).unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.ndjson"));
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let parsed = tend_channels::import::ndjson::read(&path).unwrap();
    assert!(
        parsed.rejected.is_empty(),
        "the importer refused: {:?}",
        parsed.rejected
    );
    let mut ids = Vec::new();
    let report = tend_core::ingest::ingest(&*app.store, &channel, parsed.items, 100, &mut |e| {
        ids.extend(e.upserted.iter().map(|u| u.id))
    })
    .await
    .unwrap();
    assert!(
        report.rejected.is_empty(),
        "ingest refused: {:?}",
        report.rejected
    );
    assert_eq!(report.created as usize, records.len());
    for (id, r) in ids.iter().zip(records) {
        let stored = app.store.message(ws.id, *id).await.unwrap();
        assert_eq!(stored.external_id, r["id"].as_str().unwrap());
    }
    (channel, ids)
}

/// The conversations of the flow test: a billing question on X and two Mastodon
/// posts, one of which the flow works through.
pub struct Inbox {
    pub mastodon: Channel,
    /// The export question on Mastodon (the newest Mastodon post).
    pub export_question: MessageId,
}

pub async fn inbox(app: &TestApp, ws: &Workspace) -> Inbox {
    import(
        app,
        ws,
        ChannelKind::X,
        "X",
        &[
            json!({"id": "x1", "kind": "mention", "created_at": "2026-11-20T09:00:00Z",
                   "text": "@acme where is my refund? I returned the lamp three weeks ago #billing",
                   "author_handle": "kim_l", "author_name": "Kim Lind", "platform": "x",
                   "url": "https://x.example/kim_l/status/1"}),
            json!({"id": "x2", "kind": "reply", "thread_id": "x1", "parent_id": "x1",
                   "created_at": "2026-11-20T10:00:00Z",
                   "text": "Still nothing. Is anyone there?", "author_handle": "kim_l",
                   "author_name": "Kim Lind", "platform": "x"}),
        ],
    )
    .await;
    let (mastodon, ids) = import(
        app,
        ws,
        ChannelKind::Mastodon,
        "Mastodon",
        &[
            json!({"id": "m1", "kind": "mention", "created_at": "2026-11-21T08:00:00Z",
                   "text": "Thanks @acme, the new firmware fixed my lamp. Great support!",
                   "author_handle": "bo@fosstodon.org", "author_name": "Bo", "platform": "mastodon"}),
            json!({"id": "m2", "kind": "mention", "created_at": "2026-11-21T12:30:00Z",
                   "text": "Is the CSV export broken for anyone else? It stops at 1000 rows.",
                   "author_handle": "ana@mastodon.social", "author_name": "Ana Berg",
                   "author_url": "https://mastodon.social/@ana", "author_followers": 1234,
                   "platform": "mastodon", "url": "https://mastodon.social/@ana/2"}),
        ],
    )
    .await;
    Inbox {
        mastodon,
        export_question: ids[1],
    }
}
