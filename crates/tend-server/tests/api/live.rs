//! Live updates over server-sent events: teammates' changes and messages stored by
//! another process arrive on an open stream; a stream resumes after the last event
//! it saw; a workspace's stream is its members' only and carries only its events.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tend_domain::{MessageKind, NewMessage, Role};

/// Long enough for the poller (500 ms) on a busy machine; no test waits for it to
/// pass, they wait for an event to arrive.
const PATIENCE: Duration = Duration::from_secs(10);

/// One server-sent event.
#[derive(Debug, Clone)]
struct Sse {
    id: Option<i64>,
    event: String,
    data: Value,
}

/// An open event stream, read chunk by chunk.
struct Stream {
    res: reqwest::Response,
    buf: String,
}

impl Stream {
    async fn open(app: &TestApp, path: &str, who: &Browser, last_event_id: Option<i64>) -> Stream {
        let mut req = app.client.get(app.url(path)).header("cookie", &who.cookie);
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        assert_eq!(res.headers()["cache-control"], "no-cache");
        Stream {
            res,
            buf: String::new(),
        }
    }

    /// The next event (comments skipped), or a test failure after [`PATIENCE`].
    async fn next(&mut self) -> Sse {
        tokio::time::timeout(PATIENCE, self.read())
            .await
            .expect("an event within the patience")
    }

    async fn read(&mut self) -> Sse {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut sse = Sse {
                    id: None,
                    event: "message".into(),
                    data: Value::Null,
                };
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        sse.id = Some(v.trim().parse().unwrap());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        sse.event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    sse.data = serde_json::from_str(&data).unwrap();
                    return sse;
                }
            }
            let chunk = self
                .res
                .chunk()
                .await
                .unwrap()
                .expect("the stream stays open");
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next event named `name`, skipping others.
    async fn next_named(&mut self, name: &str) -> Sse {
        loop {
            let e = self.next().await;
            if e.event == name {
                return e;
            }
        }
    }
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_teammates_change_and_a_message_from_another_process_arrive_live() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let reader = app.browser(&Seed::email(Role::CommunityManager)).await;
    let mate = app.browser(&Seed::email(Role::Admin)).await;
    let mut stream = Stream::open(&app, "/api/w/acme/events", &reader, None).await;
    let mut seen = Vec::new();
    let ready = stream.next().await;
    seen.push(ready.clone());
    assert_eq!(ready.event, "ready");
    assert_eq!(ready.data["cursor"].as_i64(), ready.id);

    // A teammate marks a conversation done through the API.
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/messages/{}/state", s.m[0]),
            &mate,
            json!({"state": "done"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let e = stream.next().await;
    seen.push(e.clone());
    assert_eq!(e.event, "messages.changed");
    assert_eq!(ids(&e.data["messages"]), [s.m[0].get()]);
    assert_eq!(e.data["what"], "state");
    assert_eq!(e.data["state"], "done");
    assert_eq!(e.data["by"], s.user(Role::Admin).id.get());
    assert!(e.id.unwrap() > ready.id.unwrap());

    // Another process (its own connection pool on the same database) stores a
    // message, as `tend import` would.
    let other = tend_store::open(&app.db_url, 1).await.unwrap();
    let stored = other
        .upsert_messages(
            s.acme.id,
            &[NewMessage::new(
                s.x.id,
                "live-1",
                MessageKind::Mention,
                "Is the outage over?",
                app.now(),
            )],
        )
        .await
        .unwrap();
    let e = stream.next().await;
    seen.push(e.clone());
    assert_eq!(e.event, "messages.stored");
    assert_eq!(ids(&e.data["created"]), [stored[0].id.get()]);
    assert_eq!(ids(&e.data["channels"]), [s.x.id.get()]);

    // Notes, tags, assignments and replies are changes too.
    let path = |suffix: &str| format!("/api/w/acme/messages/{}{suffix}", s.m[1]);
    for (suffix, body, what) in [
        (
            "/assign",
            json!({"assignee": s.user(Role::Admin).id}),
            "assignee",
        ),
        ("/tags", json!({"name": "outage"}), "tags"),
        ("/sentiment", json!({"label": "positive"}), "sentiment"),
        ("/notes", json!({"text": "checking"}), "note"),
        ("/replies", json!({"text": "Looking into it!"}), "reply"),
    ] {
        let res = app.json(Method::POST, &path(suffix), &mate, body).await;
        assert!(res.status().is_success(), "{suffix}");
        let e = stream.next().await;
        assert_eq!(
            (e.event.as_str(), e.data["what"].as_str()),
            ("messages.changed", Some(what))
        );
        assert_eq!(ids(&e.data["messages"]), [s.m[1].get()]);
    }

    // The payloads are what the OpenAPI description says.
    let spec: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let op = &spec["paths"]["/api/w/{slug}/events"]["get"];
    assert_eq!(
        op["responses"]["200"]["content"]["text/event-stream"]["schema"]["$ref"],
        "#/components/schemas/LiveData"
    );
    assert_eq!(op["tags"][0], "live");
    let schema = json!({"$ref": "#/components/schemas/LiveData"});
    for e in &seen {
        crate::openapi::conforms(&spec, &schema, &e.data, &e.event).unwrap();
    }
    // And a payload with a field the description does not name would not pass.
    let mut extra = seen[1].data.clone();
    extra["surprise"] = json!(1);
    assert!(crate::openapi::conforms(&spec, &schema, &extra, "extra").is_err());
}

#[tokio::test]
async fn a_stream_resumes_after_the_last_event_it_saw() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let change = |id: tend_domain::MessageId, state: &'static str| {
        let app = &app;
        let b = &b;
        async move {
            let res = app
                .json(
                    Method::POST,
                    &format!("/api/w/acme/messages/{id}/state"),
                    b,
                    json!({"state": state}),
                )
                .await;
            assert_eq!(res.status(), 200);
        }
    };
    let mut stream = Stream::open(&app, "/api/w/acme/events", &b, None).await;
    stream.next_named("ready").await;
    change(s.m[0], "done").await;
    let first = stream.next_named("messages.changed").await;
    change(s.m[1], "done").await;
    let second = stream.next_named("messages.changed").await;
    drop(stream);
    change(s.m[2], "archived").await;

    // Reconnecting with Last-Event-ID = the first event: the second and the one
    // made while disconnected, in order, and nothing before.
    let mut again = Stream::open(&app, "/api/w/acme/events", &b, first.id).await;
    let ready = again.next().await;
    assert_eq!((ready.event.as_str(), ready.id), ("ready", first.id));
    let e = again.next().await;
    assert_eq!(e.id, second.id);
    assert_eq!(ids(&e.data["messages"]), [s.m[1].get()]);
    let e = again.next().await;
    assert_eq!(ids(&e.data["messages"]), [s.m[2].get()]);
    assert_eq!(e.data["state"], "archived");
    // And it goes on live.
    change(s.m[3], "done").await;
    let e = again.next().await;
    assert_eq!(ids(&e.data["messages"]), [s.m[3].get()]);

    // `?after=` does the same.
    let mut by_query = Stream::open(
        &app,
        &format!("/api/w/acme/events?after={}", second.id.unwrap()),
        &b,
        None,
    )
    .await;
    by_query.next_named("ready").await;
    let e = by_query.next().await;
    assert_eq!(ids(&e.data["messages"]), [s.m[2].get()]);

    // A cursor that is not a number is a 400 in the documented shape.
    let res = app.get("/api/w/acme/events?after=abc", &b).await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "after");
}

#[tokio::test]
async fn another_workspace_gets_404_and_never_sees_the_events() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let acme = app.browser(&Seed::email(Role::Admin)).await;
    let globex = app.browser("admin@globex.com").await;

    // Not a member: 404, like a missing workspace; signed out: 401.
    let res = app.get("/api/w/acme/events", &globex).await;
    assert_eq!(res.status(), 404);
    let res = app.get("/api/w/nope/events", &globex).await;
    assert_eq!(res.status(), 404);
    let res = app
        .client
        .get(app.url("/api/w/acme/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // Globex's own stream: Acme's change is written first, Globex's second; the
    // first thing Globex receives is its own.
    let mut stream = Stream::open(&app, "/api/w/globex/events", &globex, None).await;
    let ready = stream.next_named("ready").await;
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/messages/{}/state", s.m[0]),
            &acme,
            json!({"state": "done"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/globex/messages/{}/state", s.globex_message),
            &globex,
            json!({"state": "done"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let e = stream.next().await;
    assert_eq!(ids(&e.data["messages"]), [s.globex_message.get()]);
    // Resuming from before both: still only Globex's.
    let mut again = Stream::open(&app, "/api/w/globex/events", &globex, ready.id).await;
    again.next_named("ready").await;
    let e = again.next().await;
    assert_eq!(ids(&e.data["messages"]), [s.globex_message.get()]);
}

#[tokio::test]
async fn every_role_that_reads_the_inbox_may_listen_and_clients_get_no_note_events() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let admin = app.browser(&Seed::email(Role::Admin)).await;
    for role in Role::ALL {
        let b = app.browser(&Seed::email(role)).await;
        let mut stream = Stream::open(&app, "/api/w/acme/events", &b, None).await;
        assert_eq!(stream.next().await.event, "ready", "{role:?}");
    }
    let client = app.browser(&Seed::email(Role::Client)).await;
    let analyst = app.browser(&Seed::email(Role::Analyst)).await;
    let mut client_stream = Stream::open(&app, "/api/w/acme/events", &client, None).await;
    let mut analyst_stream = Stream::open(&app, "/api/w/acme/events", &analyst, None).await;
    client_stream.next_named("ready").await;
    analyst_stream.next_named("ready").await;
    let base = format!("/api/w/acme/messages/{}", s.m[0]);
    let res = app
        .json(
            Method::POST,
            &format!("{base}/notes"),
            &admin,
            json!({"text": "internal"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .json(
            Method::POST,
            &format!("{base}/state"),
            &admin,
            json!({"state": "done"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(analyst_stream.next().await.data["what"], "note");
    assert_eq!(analyst_stream.next().await.data["what"], "state");
    // The client's first event is the state change: the note was never sent.
    assert_eq!(client_stream.next().await.data["what"], "state");
}

#[tokio::test]
async fn an_api_token_can_follow_the_stream() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let res = app
        .json(Method::POST, "/api/tokens", &b, json!({"name": "live"}))
        .await;
    let secret = res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .get(app.url("/api/w/acme/events"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut stream = Stream {
        res,
        buf: String::new(),
    };
    stream.next_named("ready").await;
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/messages/{}/state", s.m[0]),
            &b,
            json!({"state": "done"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(stream.next().await.event, "messages.changed");
}

#[tokio::test]
async fn shutting_the_server_down_ends_open_streams() {
    // A server of our own, with a shutdown signal (spawn_app's runs forever).
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let store = tend_store::open(&url, 2).await.unwrap();
    let (user, _) = tend_core::accounts::add_teammate(
        &*store,
        &tend_core::accounts::NewTeammate {
            email: "a@acme.se",
            name: "A",
            locale: "en",
            password: &secrecy::SecretString::from(PASSWORD.to_owned()),
            workspace_slug: "acme",
            time_zone: "UTC",
            role: Role::Admin,
        },
    )
    .await
    .unwrap();
    let (_, secret) = tend_core::access::create_token(&*store, user.id, "t")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tend_server::serve(
        listener,
        tend_server::AppState::new(store, "test"),
        async {
            let _ = stopped.await;
        },
    ));
    use secrecy::ExposeSecret as _;
    let res = tend_core::http::client()
        .unwrap()
        .get(format!("http://{addr}/api/w/acme/events"))
        .bearer_auth(secret.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut stream = Stream {
        res,
        buf: String::new(),
    };
    stream.next_named("ready").await;
    stop.send(()).unwrap();
    // The stream ends and the server stops, instead of waiting for the client.
    let ended = tokio::time::timeout(PATIENCE, async {
        while stream.res.chunk().await.unwrap_or(None).is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended");
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("the server stopped")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn the_pages_mark_what_live_updates_replace() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::CommunityManager)).await;
    let inbox = app.get("/w/acme/inbox", &b).await.text().await.unwrap();
    assert!(inbox.contains("id=\"live-bar\" class=\"live-bar\" hidden"));
    assert!(inbox.contains("data-page=\"inbox\""));
    let page = app
        .get(&format!("/w/acme/c/{}", s.m[0]), &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("data-channel=\"{}\"", s.x.id)));
    // Every replaceable part has an id of its own, so the fresh copy can be found.
    let mut ids = Vec::new();
    for (i, _) in page.match_indices(" data-live") {
        let tag_start = page[..i].rfind('<').unwrap();
        let tag = &page[tag_start..i];
        let id = attr(tag, "id=\"").expect("a data-live element has an id");
        assert!(!ids.contains(&id), "{id} twice");
        ids.push(id);
    }
    for id in [
        "live-meta",
        "live-thread",
        "live-actions",
        "live-tags",
        "live-notes",
        "live-outbox",
        "live-history",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id}");
    }
    // The script follows the stream of the page's workspace.
    let js = app.get("/static/app.js", &b).await.text().await.unwrap();
    assert!(js.contains("new EventSource(`/api/w/${encodeURIComponent(slug)}/events`)"));
}
