//! Live channels over HTTP: connecting a simulated channel through the API and
//! the Channels page, the list with its health, "Read now", disconnecting (the
//! messages stay), `/healthz`, stopping all sending, and the documented
//! schemas of the answers. The secrets given never come back: not in an
//! answer, a page or `/healthz`. A reply's way out is in `outbox.rs`.

use crate::helpers::*;
use jiff::SignedDuration;
use reqwest::Method;
use serde_json::{Value, json};
use tend_core::channels::Connectors;
use tend_domain::{ChannelId, MessageId, MessageKind, NewMessage, OutboxId, Role, SyncReport};

/// A password and a token no page or answer may ever contain.
pub const SECRET: &str = "s3cr3t-PASSWORD-never-shown-7f3a";
pub const TOKEN: &str = "tok3n-NEVER-shown-91bd";

/// Connects a simulated channel through the API as `b`; answers the response.
pub async fn connect(app: &TestApp, b: &Browser, name: &str) -> reqwest::Response {
    app.json(
        Method::POST,
        "/api/w/acme/channels",
        b,
        json!({
            "name": name,
            "network": "simulated",
            "settings": {"every_secs": 30},
            "credentials": {"type": "password", "username": "brand", "password": SECRET},
            "backfill_days": 0,
        }),
    )
    .await
}

/// A connected simulated channel of Acme, with its id.
pub async fn connected(app: &TestApp, b: &Browser, name: &str) -> i64 {
    let res = connect(app, b, name).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["channel"]["id"]
        .as_i64()
        .unwrap()
}

/// A message stored in `channel` as a live read would store it.
pub async fn message_in(app: &TestApp, s: &Seed, channel: i64, external: &str) -> MessageId {
    let at = app.now() - SignedDuration::from_mins(5);
    let m = NewMessage::new(
        ChannelId(channel),
        external,
        MessageKind::Mention,
        "Is the meetup still on?",
        at,
    );
    app.store.upsert_messages(s.acme.id, &[m]).await.unwrap()[0].id
}

/// A reply queued on `message` as `b`; its outbox id.
pub async fn reply(app: &TestApp, b: &Browser, message: MessageId, text: &str) -> i64 {
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/messages/{message}/replies"),
            b,
            json!({ "text": text }),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// Runs the sender once for `item` (what the `SendReply` job does).
pub async fn run_sender(app: &TestApp, s: &Seed, item: i64) {
    tend_core::channels::send::send(
        &*app.store,
        Some(&app.secrets),
        &Connectors::default(),
        s.acme.id,
        OutboxId(item),
        app.now(),
    )
    .await
    .unwrap();
}

fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} shows the password: {text}");
    assert!(!text.contains(TOKEN), "{what} shows the token: {text}");
    assert!(!text.contains("\"secret\""), "{what} has a secret field");
}

#[tokio::test]
async fn a_channel_connected_through_the_api_is_listed_with_its_health_and_never_its_secret() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let res = connect(&app, &b, "Demo feed").await;
    assert_eq!(res.status(), 201);
    let body = res.text().await.unwrap();
    assert_no_secret("the connect answer", &body);
    let created: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(created["state"], "connected");
    assert_eq!(created["simulated"], true);
    assert_eq!(created["channel"]["handle"], "tend-demo");
    let id = created["channel"]["id"].as_i64().unwrap();

    let list = app
        .get("/api/w/acme/channels", &b)
        .await
        .text()
        .await
        .unwrap();
    assert_no_secret("the list", &list);
    let list: Value = serde_json::from_str(&list).unwrap();
    // The networks, each with the settings it requires.
    let networks = list["networks"].as_array().unwrap();
    assert!(
        networks.contains(&json!({
            "name": "simulated",
            "simulated": true,
            "settings": [{"name": "every_secs", "kind": "number"}],
            "read": "poll",
            "reply": true,
            "publish": false,
            "delete": false,
            "tested": "simulated",
        })),
        "{networks:?}"
    );
    // Every network says how it is read and tested, from the catalogue.
    let bluesky = networks.iter().find(|n| n["name"] == "bluesky").unwrap();
    assert_eq!(
        (&bluesky["read"], &bluesky["tested"]),
        (&json!("stream"), &json!("real_server"))
    );
    assert_eq!(list["sending_paused_since"], Value::Null);
    let all = list["channels"].as_array().unwrap();
    let demo = all.iter().find(|c| c["channel"]["id"] == id).unwrap();
    assert_eq!(demo["network"], "simulated");
    assert_eq!(demo["problem"], Value::Null);
    assert_eq!(demo["link"]["received"], 0);
    assert_eq!(demo["link"]["backfill_days"], 0);
    // The seed's imported channel is listed as imported, without a link.
    let x = all
        .iter()
        .find(|c| c["channel"]["id"] == json!(s.x.id))
        .unwrap();
    assert_eq!(
        (x["state"].as_str(), &x["link"]),
        (Some("imported"), &Value::Null)
    );

    let one = app
        .get(&format!("/api/w/acme/channels/{id}"), &b)
        .await
        .text()
        .await
        .unwrap();
    assert_no_secret("one channel", &one);
    let page = app.get("/w/acme/settings/channels", &b).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert_no_secret("the page", &page);
    assert!(page.contains("Demo feed"), "{page}");
    assert!(page.contains("simulated (demo)"), "{page}");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    let health = health.text().await.unwrap();
    assert_no_secret("/healthz", &health);
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    let entry = &health["channels"][0];
    assert_eq!(
        (
            entry["channel"].as_i64(),
            entry["network"].as_str(),
            entry["state"].as_str()
        ),
        (Some(id), Some("simulated"), Some("connected"))
    );
    // Credentials in the wrong shape are refused without being quoted.
    let res = app
        .json(
            Method::POST,
            "/api/w/acme/channels",
            &b,
            json!({"name": "Bad", "network": "simulated", "settings": {"every_secs": 30},
                   "credentials": TOKEN}),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_no_secret("a refused body", &res.text().await.unwrap());
    // The same name twice is a conflict, said in words.
    let res = connect(&app, &b, "Demo feed").await;
    assert_eq!(res.status(), 409);
    assert_no_secret("the conflict", &res.text().await.unwrap());
}

#[tokio::test]
async fn the_connect_form_shows_what_the_network_refused_in_words_without_the_secret() {
    let app = spawn_app().await;
    seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let page = app
        .get("/w/acme/settings/channels", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<option value=\"simulated\""), "{page}");
    // Each network says what a workspace must obtain, and its limits.
    assert!(
        page.contains("an app password (Settings → Privacy and security → App passwords)"),
        "{page}"
    );
    assert!(
        page.contains("300 requests per 5 minutes per account"),
        "{page}"
    );
    // The header links to the page (admins).
    assert!(page.contains("href=\"/w/acme/settings/channels\""));
    let form = |every: &'static str| {
        vec![
            ("name", "Form feed"),
            ("network", "simulated"),
            ("key", "every_secs"),
            ("value", every),
            ("key", ""),
            ("value", ""),
            ("credentials", "token"),
            ("token", TOKEN),
            ("username", ""),
            ("password", SECRET),
            ("backfill_days", "1"),
        ]
    };
    let res = app
        .post_form("/w/acme/settings/channels", &b, &form("0"))
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert_no_secret("the refused form", &html);
    assert!(
        html.contains("every_secs must be between 1 and 3600"),
        "{html}"
    );
    // The form keeps what is not secret.
    assert!(html.contains("value=\"Form feed\""), "{html}");
    assert!(html.contains("value=\"every_secs\""), "{html}");
    let res = app
        .post_form("/w/acme/settings/channels", &b, &form("not a number"))
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("settings: a simulated channel"), "{html}");
    let res = app
        .post_form("/w/acme/settings/channels", &b, &form("15"))
        .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, "/w/acme/settings/channels?done=connected");
    let html = app.get(&to, &b).await.text().await.unwrap();
    assert_no_secret("the page after connecting", &html);
    // The network's own field for a required setting does the same.
    assert!(html.contains("name=\"s.simulated.every_secs\""), "{html}");
    let res = app
        .post_form(
            "/w/acme/settings/channels",
            &b,
            &[
                ("name", "Field feed"),
                ("network", "simulated"),
                ("s.simulated.every_secs", "45"),
                ("credentials", "none"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        html.contains("Connected. The first read starts now."),
        "{html}"
    );
    assert!(html.contains("Form feed"));
    let list: Value = app
        .get("/api/w/acme/channels", &b)
        .await
        .json()
        .await
        .unwrap();
    let form_feed = list["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"]["name"] == "Form feed")
        .unwrap()
        .clone();
    assert_eq!(form_feed["link"]["backfill_days"], 1);
    assert_eq!(
        serde_json::from_str::<Value>(form_feed["link"]["config"].as_str().unwrap()).unwrap(),
        json!({"network": "simulated", "every_secs": 15})
    );
    let field_feed = list["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"]["name"] == "Field feed")
        .unwrap()
        .clone();
    assert_eq!(
        serde_json::from_str::<Value>(field_feed["link"]["config"].as_str().unwrap()).unwrap(),
        json!({"network": "simulated", "every_secs": 45})
    );
}

#[tokio::test]
async fn without_a_secret_key_connecting_is_refused_in_words() {
    let app = spawn_with(|mut state| {
        state.secrets = None;
        state
    })
    .await;
    seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let res = connect(&app, &b, "Keyless").await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("secret_key"),
        "{body}"
    );
}

#[tokio::test]
async fn read_now_queues_a_read_and_disconnecting_keeps_the_messages() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let id = connected(&app, &b, "Demo feed").await;
    let m = message_in(&app, &s, id, "sim-1").await;
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/channels/{id}/sync"),
            &b,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let jobs: Value = app.get("/api/w/acme/jobs", &b).await.json().await.unwrap();
    assert!(
        jobs["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["kind"] == "sync_channel"),
        "{jobs}"
    );
    // The page's button does the same.
    let res = app
        .post_form(&format!("/w/acme/settings/channels/{id}/sync"), &b, &[])
        .await;
    assert_eq!(res.status(), 303);

    let res = app
        .json(
            Method::DELETE,
            &format!("/api/w/acme/channels/{id}"),
            &b,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let gone: Value = res.json().await.unwrap();
    assert_eq!(gone["state"], "disconnected");
    assert!(gone["link"]["disconnected_at"].is_string());
    // The history stays: the message, and the conversation over HTTP.
    app.store.message(s.acme.id, m).await.unwrap();
    let conv = app.get(&format!("/api/w/acme/messages/{m}"), &b).await;
    assert_eq!(conv.status(), 200);
    let page = app
        .get("/w/acme/settings/channels", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("link-state\">disconnected<"), "{page}");
    // Its messages are a click away.
    let link = format!("/w/acme/inbox?status=all&amp;channel={id}");
    assert!(page.contains(&link), "{page}");
    let inbox = app
        .get(&format!("/w/acme/inbox?status=all&channel={id}"), &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(inbox.contains("Is the meetup still on?"), "{inbox}");
    // A disconnected channel is not read, and says why.
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/channels/{id}/sync"),
            &b,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("not connected"));
    // The page's form disconnects too (another channel).
    let other = connected(&app, &b, "Second feed").await;
    let res = app
        .post_form(
            &format!("/w/acme/settings/channels/{other}/disconnect"),
            &b,
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let after: Value = app
        .get(&format!("/api/w/acme/channels/{other}"), &b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["state"], "disconnected");
}

#[tokio::test]
async fn healthz_is_degraded_when_a_connected_channel_fails_or_falls_silent() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let id = connected(&app, &b, "Demo feed").await;
    let health = || async {
        let text = app
            .client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_no_secret("/healthz", &text);
        serde_json::from_str::<Value>(&text).unwrap()
    };
    assert_eq!(health().await["status"], "ok");
    app.store
        .record_sync(
            s.acme.id,
            ChannelId(id),
            &SyncReport {
                error: Some("the network refused the credentials: bad password".into()),
                ..SyncReport::default()
            },
            app.now(),
        )
        .await
        .unwrap();
    let h = health().await;
    assert_eq!(h["status"], "degraded", "{h}");
    let problems = h["problems"].to_string();
    assert!(
        problems.contains(&format!("channel {id} (simulated)")),
        "{problems}"
    );
    assert!(problems.contains("bad password"), "{problems}");
    assert_eq!(
        h["channels"][0]["last_error"],
        "the network refused the credentials: bad password"
    );
    // The page says so too.
    let page = app
        .get("/w/acme/settings/channels", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("needs attention"), "{page}");
    assert!(
        page.contains("The last read failed: the network refused the credentials: bad password"),
        "{page}"
    );
    // A good read clears it; hours of silence bring it back.
    app.store
        .record_sync(s.acme.id, ChannelId(id), &SyncReport::default(), app.now())
        .await
        .unwrap();
    assert_eq!(health().await["status"], "ok");
    app.clock.advance(SignedDuration::from_hours(2));
    let h = health().await;
    assert_eq!(h["status"], "degraded", "{h}");
    assert!(h["problems"].to_string().contains("no read since"), "{h}");
    let page = app
        .get("/w/acme/settings/channels", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("No read since"), "{page}");
    assert!(page.contains("due every 30 seconds"), "{page}");
    // A disconnected channel is no problem.
    app.json(
        Method::DELETE,
        &format!("/api/w/acme/channels/{id}"),
        &b,
        json!({}),
    )
    .await;
    let h = health().await;
    assert!(!h["problems"].to_string().contains("channel"), "{h}");
}

#[tokio::test]
async fn stop_all_sending_is_shown_with_since_when_and_resumed() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::SocialMediaManager)).await;
    let res = app
        .json(Method::POST, "/api/w/acme/sending/pause", &b, json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["paused"], true);
    assert_eq!(body["paused_since"], json!(app.now()));
    let admin = app.browser(&Seed::email(Role::Admin)).await;
    let page = app
        .get("/w/acme/settings/channels", &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("All sending is stopped since"), "{page}");
    assert!(page.contains("Resume sending"), "{page}");
    // A conversation with a reply says that it waits.
    reply(&app, &b, s.m[0], "Hold on").await;
    let conversation = app
        .get(&format!("/w/acme/c/{}", s.m[0]), &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        conversation.contains("All sending is stopped since"),
        "{conversation}"
    );
    let res = app
        .json(Method::POST, "/api/w/acme/sending/resume", &b, json!({}))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["paused"].as_bool(), &body["paused_since"]),
        (Some(false), &Value::Null)
    );
    // The page's switch.
    let res = app
        .post_form("/w/acme/settings/sending/pause", &admin, &[])
        .await;
    assert_eq!(res.status(), 303);
    let list: Value = app
        .get("/api/w/acme/channels", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["sending_paused_since"].is_string());
    let res = app
        .post_form("/w/acme/settings/sending/resume", &admin, &[])
        .await;
    assert_eq!(res.status(), 303);
    let page = app
        .get("/w/acme/settings/channels", &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Stop all sending"), "{page}");
}

#[tokio::test]
async fn the_channel_answers_fit_the_documented_schemas() {
    use crate::openapi::{conforms, response_schema};
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let spec: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let check = |method: &str, path: &str, status: u16, body: &Value| {
        let schema = response_schema(&spec, method, path, status);
        assert!(!schema.is_null(), "{method} {path} {status} has a schema");
        conforms(&spec, &schema, body, "$").unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    };
    let res = connect(&app, &b, "Demo feed").await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    check("post", "/api/w/{slug}/channels", 201, &created);
    let id = created["channel"]["id"].as_i64().unwrap();
    let one = format!("/api/w/acme/channels/{id}");
    let res = app.get("/api/w/acme/channels", &b).await;
    check(
        "get",
        "/api/w/{slug}/channels",
        200,
        &res.json().await.unwrap(),
    );
    let res = app.get(&one, &b).await;
    check(
        "get",
        "/api/w/{slug}/channels/{id}",
        200,
        &res.json().await.unwrap(),
    );
    let res = app
        .json(Method::POST, &format!("{one}/sync"), &b, json!({}))
        .await;
    assert_eq!(res.status(), 202);
    check(
        "post",
        "/api/w/{slug}/channels/{id}/sync",
        202,
        &res.json().await.unwrap(),
    );
    for what in ["pause", "resume"] {
        let res = app
            .json(
                Method::POST,
                &format!("/api/w/acme/sending/{what}"),
                &b,
                json!({}),
            )
            .await;
        let path = format!("/api/w/{{slug}}/sending/{what}");
        check("post", &path, 200, &res.json().await.unwrap());
    }
    let item = reply(&app, &b, s.m[0], "On it").await;
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/outbox/{item}/cancel"),
            &b,
            json!({}),
        )
        .await;
    check(
        "post",
        "/api/w/{slug}/outbox/{id}/cancel",
        200,
        &res.json().await.unwrap(),
    );
    let item = reply(&app, &b, s.m[0], "On it again").await;
    run_sender(&app, &s, item).await;
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/outbox/{item}/retry"),
            &b,
            json!({}),
        )
        .await;
    check(
        "post",
        "/api/w/{slug}/outbox/{id}/retry",
        200,
        &res.json().await.unwrap(),
    );
    let res = app.json(Method::DELETE, &one, &b, json!({})).await;
    check(
        "delete",
        "/api/w/{slug}/channels/{id}",
        200,
        &res.json().await.unwrap(),
    );
}

#[tokio::test]
async fn a_message_deleted_on_its_network_says_so_in_the_conversation() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let admin = app.browser(&Seed::email(Role::Admin)).await;
    let id = connected(&app, &admin, "Live").await;
    let kept = message_in(&app, &s, id, "sim-1").await;
    let gone = message_in(&app, &s, id, "sim-2").await;
    let page = |m: MessageId| format!("/w/acme/c/{m}");
    let before = app.get(&page(gone), &admin).await.text().await.unwrap();
    assert!(!before.contains("deleted on the network"));
    // A live read reports the deletion of sim-2 with its page.
    let deleted = vec!["sim-2".to_owned()];
    app.store
        .store_live_page(
            s.acme.id,
            &[],
            &tend_store::LivePage {
                channel: ChannelId(id),
                cursor: Some("2"),
                deleted: &deleted,
                now: app.now(),
            },
        )
        .await
        .unwrap();
    let after = app.get(&page(gone), &admin).await.text().await.unwrap();
    assert!(after.contains("deleted on the network"), "{after}");
    let other = app.get(&page(kept), &admin).await.text().await.unwrap();
    assert!(!other.contains("deleted on the network"));
}
