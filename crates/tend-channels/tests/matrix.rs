//! The Matrix connector against a real Synapse (`tend_fakes::synapse`): one
//! server per test binary, each test with its own users and room. Skipped
//! when `TEND_SYNAPSE_VENV` is unset (fails under `TEND_REQUIRE_SERVERS=1`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use async_trait::async_trait;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tend_channels::live::matrix::Matrix;
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    ReplyTarget, Sink, SinkError, Source, Window, connect,
};
use tend_domain::{ChannelKind, Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::process::installed;
use tend_fakes::synapse::{MatrixUser, Synapse};
use tokio::sync::OnceCell;

static SERVER: OnceCell<Option<Synapse>> = OnceCell::const_new();

async fn server() -> Option<&'static Synapse> {
    SERVER
        .get_or_init(|| async {
            installed("TEND_SYNAPSE_VENV")?;
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("synapse");
            Some(Synapse::start(&dir).await.expect("Synapse starts"))
        })
        .await
        .as_ref()
}

/// A room made by a member, joined by the brand's account.
struct Fixture {
    s: &'static Synapse,
    brand: MatrixUser,
    member: MatrixUser,
    room: String,
}

impl Fixture {
    fn connector(&self) -> Matrix {
        Matrix::new(
            &self.s.url(),
            std::slice::from_ref(&self.room),
            &Credentials::Token {
                token: self.brand.access_token.clone(),
            },
        )
        .expect("connector")
    }

    async fn say(&self, body: &str) -> String {
        self.s
            .say(&self.member, &self.room, body)
            .await
            .expect("send")
    }

    fn id(&self, event: &str) -> String {
        format!("{}/{event}", self.room)
    }
}

async fn fixture(tag: &str) -> Option<Fixture> {
    let s = server().await?;
    let brand = s
        .register(&format!("brand-{tag}"), "brand-password-1")
        .await
        .expect("brand");
    let member = s
        .register(&format!("member-{tag}"), "member-password-1")
        .await
        .expect("member");
    let room = s.create_room(&member, None).await.expect("room");
    s.join(&brand, &room).await.expect("join");
    Some(Fixture {
        s,
        brand,
        member,
        room,
    })
}

#[derive(Default)]
struct Collect(Vec<Page>);

#[async_trait]
impl Sink for Collect {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        self.0.push(page);
        Ok(())
    }
}

impl Collect {
    fn messages(&self) -> Vec<IncomingMessage> {
        self.0
            .iter()
            .flat_map(|p| &p.items)
            .map(|i| match i {
                IncomingItem::Message(m) => m.clone(),
                other => panic!("unexpected item {other:?}"),
            })
            .collect()
    }

    fn texts(&self) -> Vec<String> {
        self.messages().into_iter().map(|m| m.text).collect()
    }

    /// What a store holds after taking the pages in order: the latest text
    /// of each message not deleted.
    fn stored(&self) -> Vec<(String, String)> {
        let mut kept: std::collections::BTreeMap<String, String> = Default::default();
        for page in &self.0 {
            for item in &page.items {
                if let IncomingItem::Message(m) = item {
                    kept.insert(m.external_id.clone(), m.text.clone());
                }
            }
            for gone in &page.deleted {
                kept.remove(gone);
            }
        }
        kept.into_iter().collect()
    }

    fn deleted(&self) -> Vec<String> {
        self.0.iter().flat_map(|p| p.deleted.clone()).collect()
    }

    fn cursor(&self) -> Cursor {
        self.0
            .iter()
            .rev()
            .find_map(|p| p.cursor.clone())
            .expect("a page with a cursor")
    }
}

fn window(max_pages: usize) -> Window {
    Window {
        backfill_from: jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1),
        until: Instant::now(),
        max_pages,
    }
}

async fn pull(m: &Matrix, since: Option<&Cursor>) -> Collect {
    let mut sink = Collect::default();
    let more = m.pull(since, &window(50), &mut sink).await.expect("pull");
    assert_eq!(more, More::No);
    sink
}

fn post(key: &str, text: &str, reply_to: Option<ReplyTarget>) -> Outgoing {
    Outgoing {
        key: key.into(),
        text: text.into(),
        reply_to,
    }
}

fn target(m: &IncomingMessage) -> ReplyTarget {
    ReplyTarget {
        external_id: m.external_id.clone(),
        thread_external_id: m.thread_external_id.clone(),
        author_external_id: m.author.as_ref().map(|a| a.external_id.clone()),
        author_handle: m.author.as_ref().map(|a| a.handle.clone()),
        title: None,
    }
}

#[tokio::test]
async fn backfill_then_pull_since_the_cursor_loses_and_repeats_nothing() {
    let Some(f) = fixture("backfill").await else {
        return;
    };
    for n in 1..=5 {
        f.say(&format!("before {n}")).await;
    }
    let m = f.connector();
    let first = pull(&m, None).await;
    assert_eq!(
        first.texts(),
        ["before 1", "before 2", "before 3", "before 4", "before 5"]
    );
    let one = &first.messages()[0];
    assert_eq!(one.direction, Direction::Inbound);
    assert_eq!(one.kind, MessageKind::Comment);
    let author = one.author.as_ref().expect("author");
    assert_eq!(author.external_id, f.member.user_id);
    assert_eq!(author.platform, ChannelKind::Matrix);
    assert_eq!(author.display_name.as_deref(), Some("member-backfill"));
    assert!(one.external_id.starts_with(&format!("{}/$", f.room)));

    for n in 1..=3 {
        f.say(&format!("after {n}")).await;
    }
    let second = pull(&m, Some(&first.cursor())).await;
    assert_eq!(second.texts(), ["after 1", "after 2", "after 3"]);
    let third = pull(&m, Some(&second.cursor())).await;
    assert!(third.texts().is_empty(), "{:?}", third.texts());
}

#[tokio::test]
async fn a_backfill_cut_by_max_pages_continues_from_its_cursor() {
    let Some(f) = fixture("longback").await else {
        return;
    };
    for n in 0..150 {
        f.say(&format!("old {n:03}")).await;
    }
    let m = f.connector();
    let mut sink = Collect::default();
    let more = m.pull(None, &window(1), &mut sink).await.expect("pull");
    assert_eq!(more, More::Yes, "one page of 100 cannot hold 150");
    let mut seen = sink.texts();
    assert_eq!(seen.len(), 100);
    let mut cursor = sink.cursor();
    loop {
        let mut next = Collect::default();
        let more = m
            .pull(Some(&cursor), &window(1), &mut next)
            .await
            .expect("pull");
        seen.extend(next.texts());
        if let Some(c) = next.0.iter().rev().find_map(|p| p.cursor.clone()) {
            cursor = c;
        }
        if more == More::No {
            break;
        }
    }
    seen.sort();
    let expected: Vec<String> = (0..150).map(|n| format!("old {n:03}")).collect();
    assert_eq!(seen, expected, "every message once");
}

#[tokio::test]
async fn a_backfill_the_server_refuses_ends_for_that_room_only() {
    let Some(f) = fixture("refused").await else {
        return;
    };
    let m = f.connector();
    let first = pull(&m, None).await;
    let mut cursor: Value = serde_json::from_str(&first.cursor().0).expect("a JSON cursor");
    cursor["back"] = json!({ f.room.clone(): "not-a-pagination-token" });
    let broken = Cursor(cursor.to_string());
    f.say("still read").await;
    let next = pull(&m, Some(&broken)).await;
    assert_eq!(next.texts(), ["still read"]);
    let after: Value = serde_json::from_str(&next.cursor().0).expect("a JSON cursor");
    assert!(after.get("back").is_none(), "{after}");
}

#[tokio::test]
async fn a_gap_longer_than_one_sync_is_filled() {
    let Some(f) = fixture("gap").await else {
        return;
    };
    let m = f.connector();
    let first = pull(&m, None).await;
    for n in 0..130 {
        f.say(&format!("burst {n:03}")).await;
    }
    let second = pull(&m, Some(&first.cursor())).await;
    let expected: Vec<String> = (0..130).map(|n| format!("burst {n:03}")).collect();
    assert_eq!(second.texts(), expected, "all, in order, once");
}

#[tokio::test]
async fn edits_and_redactions_are_reflected() {
    let Some(f) = fixture("edits").await else {
        return;
    };
    let m = f.connector();
    let original = f.say("the shop is closed on Sundy").await;
    let gone = f.say("buy cheap followers at spam.example").await;
    let first = pull(&m, None).await;
    assert_eq!(first.texts().len(), 2);

    f.s.edit(
        &f.member,
        &f.room,
        &original,
        "the shop is closed on Sunday",
    )
    .await
    .expect("edit");
    f.s.redact(&f.member, &f.room, &gone).await.expect("redact");
    let second = pull(&m, Some(&first.cursor())).await;
    let edited = second.messages();
    assert_eq!(edited.len(), 1, "{edited:#?}");
    assert_eq!(edited[0].external_id, f.id(&original));
    assert_eq!(edited[0].text, "the shop is closed on Sunday");
    assert!(edited[0].edited_at.is_some());
    assert_eq!(
        edited[0].created_at,
        first.messages()[0].created_at,
        "the original's time"
    );
    assert_eq!(second.deleted(), [f.id(&gone)]);

    // A backfill shows the edited text and skips the redacted message.
    let fresh = pull(&f.connector(), None).await;
    assert_eq!(
        fresh.stored(),
        [(f.id(&original), "the shop is closed on Sunday".to_owned())]
    );
}

#[tokio::test]
async fn replies_are_threaded_on_the_server_and_read_back_in_their_thread() {
    let Some(f) = fixture("threads").await else {
        return;
    };
    let m = f.connector();
    let question = f.say("does the app work offline?").await;
    let first = pull(&m, None).await;
    let q = first.messages().remove(0);

    let reply = m
        .publish(&post("reply-1", "Yes, since version 3.", Some(target(&q))))
        .await
        .expect("reply");
    let (_, reply_event) = reply.id.split_once("/$").expect("room/event id");
    let reply_event = format!("${reply_event}");
    let on_server =
        f.s.event(&f.member, &f.room, &reply_event)
            .await
            .expect("event");
    let rel = &on_server["content"]["m.relates_to"];
    assert_eq!(rel["rel_type"], "m.thread");
    assert_eq!(rel["event_id"], question.as_str());
    assert_eq!(rel["m.in_reply_to"]["event_id"], question.as_str());

    // The member answers the brand in the thread, then someone replies to
    // that answer with a plain (non-thread) reply.
    let answer =
        f.s.send(
            &f.member,
            &f.room,
            &json!({"msgtype": "m.text", "body": "great, thanks", "m.relates_to": {
                "rel_type": "m.thread", "event_id": question, "is_falling_back": false,
                "m.in_reply_to": {"event_id": reply_event}}}),
        )
        .await
        .expect("answer");
    let second = pull(&m, Some(&first.cursor())).await;
    let got = second.messages();
    assert_eq!(got.len(), 2, "{got:#?}");
    let ours = &got[0];
    assert_eq!(ours.external_id, reply.id);
    assert_eq!(ours.direction, Direction::Outbound);
    assert_eq!(ours.kind, MessageKind::Reply);
    assert_eq!(
        ours.thread_external_id.as_deref(),
        Some(q.external_id.as_str())
    );
    assert_eq!(
        ours.parent_external_id.as_deref(),
        Some(q.external_id.as_str())
    );
    let theirs = &got[1];
    assert_eq!(theirs.external_id, f.id(&answer));
    assert_eq!(
        theirs.thread_external_id.as_deref(),
        Some(q.external_id.as_str())
    );
    assert_eq!(
        theirs.parent_external_id.as_deref(),
        Some(reply.id.as_str())
    );

    // A plain reply chain two deep, read by a connector that never saw its
    // root: the root is found on the server.
    let root = f.say("who runs the Berlin meetup?").await;
    let mid =
        f.s.send(
            &f.member,
            &f.room,
            &json!({"msgtype": "m.text", "body": "> <@x> who\n\nI think Ana",
            "m.relates_to": {"m.in_reply_to": {"event_id": root}}}),
        )
        .await
        .expect("mid");
    let cursor = pull(&m, Some(&second.cursor())).await.cursor();
    let leaf =
        f.s.send(
            &f.member,
            &f.room,
            &json!({"msgtype": "m.text", "body": "yes, Ana",
            "m.relates_to": {"m.in_reply_to": {"event_id": mid}}}),
        )
        .await
        .expect("leaf");
    let third = pull(&f.connector(), Some(&cursor)).await;
    let leaf_msg = &third.messages()[0];
    assert_eq!(leaf_msg.external_id, f.id(&leaf));
    assert_eq!(leaf_msg.parent_external_id, Some(f.id(&mid)));
    assert_eq!(leaf_msg.thread_external_id, Some(f.id(&root)));
}

#[tokio::test]
async fn publishing_twice_with_the_same_key_leaves_one_message() {
    let Some(f) = fixture("idem").await else {
        return;
    };
    let m = f.connector();
    let p = post("outbox-7-a1b2", "Our summer menu is live!", None);
    let a = m.publish(&p).await.expect("first attempt");
    let b = m.publish(&p).await.expect("second attempt");
    assert_eq!(a, b);
    let on_server =
        f.s.messages(&f.member, &f.room, 50)
            .await
            .expect("messages");
    let copies = on_server
        .iter()
        .filter(|e| e["content"]["body"] == "Our summer menu is live!")
        .count();
    assert_eq!(copies, 1);
    assert_eq!(on_server[0]["sender"], f.brand.user_id.as_str());
}

/// The outcome of a publish is unknown when the server dies after the
/// request: after it comes back, the same key must not post twice (Synapse
/// keeps transaction ids in its database, per device). Its own server: a
/// restart would disturb the other tests.
#[tokio::test]
async fn a_repeated_key_after_a_server_crash_still_leaves_one_message() {
    if installed("TEND_SYNAPSE_VENV").is_none() {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("synapse-crash");
    let s = Synapse::start(&dir).await.expect("Synapse starts");
    let brand = s
        .register("brand-crash", "brand-password-1")
        .await
        .expect("brand");
    let room = s.create_room(&brand, None).await.expect("room");
    let m = Matrix::new(
        &s.url(),
        std::slice::from_ref(&room),
        &Credentials::Token {
            token: brand.access_token.clone(),
        },
    )
    .expect("connector");
    let p = post("outbox-crash-1", "We are back online.", None);
    let first = m.publish(&p).await.expect("publish");
    s.kill().await;
    assert!(matches!(
        m.publish(&p).await,
        Err(ChannelError::Transient(_))
    ));
    s.restart().await.expect("restart");
    assert_eq!(m.lookup(&p).await.expect("lookup"), Some(first.clone()));
    assert_eq!(m.publish(&p).await.expect("publish again"), first);
    let copies = s
        .messages(&brand, &room, 20)
        .await
        .expect("messages")
        .iter()
        .filter(|e| e["content"]["body"] == "We are back online.")
        .count();
    assert_eq!(copies, 1);
    s.stop().await;
}

#[tokio::test]
async fn lookup_finds_a_published_message_and_none_for_an_unsent_key() {
    let Some(f) = fixture("lookup").await else {
        return;
    };
    let m = f.connector();
    let sent = post("outbox-9-ffee", "Doors open at 7.", None);
    let published = m.publish(&sent).await.expect("publish");
    for n in 0..5 {
        f.say(&format!("chatter {n}")).await;
    }
    assert_eq!(m.lookup(&sent).await.expect("lookup"), Some(published));
    let never = post("outbox-10-0000", "Doors open at 8.", None);
    assert_eq!(m.lookup(&never).await.expect("lookup"), None);
    let before =
        f.s.messages(&f.member, &f.room, 50)
            .await
            .expect("messages")
            .len();
    assert_eq!(before, 6, "the lookup sent nothing");
}

#[tokio::test]
async fn delete_redacts_and_deleting_again_succeeds() {
    let Some(f) = fixture("delete").await else {
        return;
    };
    let m = f.connector();
    let sent = m
        .publish(&post("del-1", "typo'd announcement", None))
        .await
        .expect("publish");
    m.delete(&sent).await.expect("delete");
    let (_, event) = sent.id.split_once("/$").expect("id");
    let on_server =
        f.s.event(&f.member, &f.room, &format!("${event}"))
            .await
            .expect("event");
    assert_eq!(on_server["content"], json!({}), "redacted");
    assert!(on_server["unsigned"]["redacted_because"].is_object());
    m.delete(&sent).await.expect("deleting again");
}

#[tokio::test]
async fn a_post_goes_to_the_first_room_named_by_its_alias() {
    let Some(f) = fixture("alias").await else {
        return;
    };
    let alias_room =
        f.s.create_room(&f.member, Some("tend-alias-test"))
            .await
            .expect("room");
    f.s.join(&f.brand, &alias_room).await.expect("join");
    let config = ChannelConfig::Matrix {
        homeserver: f.s.url(),
        rooms: vec!["#tend-alias-test:localhost".into()],
    };
    config.validate().expect("valid");
    assert_eq!(config.kind(), ChannelKind::Matrix);
    let m = connect(
        &config,
        &Credentials::Token {
            token: f.brand.access_token.clone(),
        },
    )
    .expect("connect");
    assert_eq!(
        m.verify().await.expect("verify").handle,
        Some(f.brand.user_id.clone())
    );
    let sent = m
        .publish(&post("alias-1", "hello alias room", None))
        .await
        .expect("publish");
    assert!(
        sent.id.starts_with(&format!("{alias_room}/$")),
        "{}",
        sent.id
    );
    assert!(m.streams());
}

#[tokio::test]
async fn password_credentials_log_in_once_and_hand_back_the_token() {
    let Some(f) = fixture("password").await else {
        return;
    };
    let m = Matrix::new(
        &f.s.url(),
        std::slice::from_ref(&f.room),
        &Credentials::Password {
            username: f.brand.name.clone(),
            password: f.brand.password.clone(),
        },
    )
    .expect("connector");
    assert_eq!(m.refreshed(), None);
    assert_eq!(
        m.verify().await.expect("verify").handle,
        Some(f.brand.user_id.clone())
    );
    let Some(Credentials::Token { token }) = m.refreshed() else {
        panic!("the login's token is handed back")
    };
    let again = Matrix::new(&f.s.url(), &[], &Credentials::Token { token }).expect("connector");
    assert_eq!(
        again.verify().await.expect("verify").handle,
        Some(f.brand.user_id.clone())
    );
}

#[tokio::test]
async fn bad_credentials_are_unauthorized() {
    let Some(f) = fixture("badcreds").await else {
        return;
    };
    let token = Matrix::new(
        &f.s.url(),
        &[],
        &Credentials::Token {
            token: "syt_not_a_token".into(),
        },
    )
    .expect("connector");
    let err = token.verify().await.unwrap_err();
    assert!(
        matches!(err, ChannelError::Unauthorized(ref r) if r.contains("M_UNKNOWN_TOKEN")),
        "{err:?}"
    );
    let password = Matrix::new(
        &f.s.url(),
        &[],
        &Credentials::Password {
            username: f.brand.name.clone(),
            password: "wrong".into(),
        },
    )
    .expect("connector");
    let err = password
        .pull(None, &window(5), &mut Collect::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Unauthorized(_)), "{err:?}");
    assert!(Matrix::new(&f.s.url(), &[], &Credentials::None).is_err());
}

#[tokio::test]
async fn sending_too_fast_is_rate_limited_with_the_wait() {
    let Some(f) = fixture("ratelimit").await else {
        return;
    };
    let admin =
        f.s.register_admin("admin-ratelimit", "admin-password-1")
            .await
            .expect("admin");
    f.s.limit_messages(&admin, &f.brand.user_id, 1, 1)
        .await
        .expect("limit");
    let m = f.connector();
    let mut limited = None;
    for n in 0..10 {
        match m.publish(&post(&format!("rl-{n}"), "quick", None)).await {
            Ok(_) => {}
            Err(e) => {
                limited = Some(e);
                break;
            }
        }
    }
    match limited {
        Some(ChannelError::RateLimited { retry_after }) => {
            assert!(
                retry_after > Duration::ZERO && retry_after <= Duration::from_secs(2),
                "{retry_after:?}"
            );
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

/// A server that answers every request with `502 Bad Gateway`.
async fn bad_gateway() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut c, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf).await;
            let _ = c
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 11\r\nconnection: close\r\n\r\nbad gateway")
                .await;
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn server_errors_and_unreachable_servers_are_transient() {
    let url = bad_gateway().await;
    let token = Credentials::Token { token: "t".into() };
    let m = Matrix::new(&url, &[], &token).expect("connector");
    let err = m
        .pull(None, &window(5), &mut Collect::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChannelError::Transient(ref r) if r.contains("502")),
        "{err:?}"
    );
    let port = tend_fakes::process::free_port().expect("port");
    let m = Matrix::new(&format!("http://127.0.0.1:{port}"), &[], &token).expect("connector");
    let err = m.verify().await.unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err:?}");
}

/// Sends each page's messages, with when they arrived, to a channel.
struct Timed(tokio::sync::mpsc::UnboundedSender<(Instant, Vec<String>)>);

#[async_trait]
impl Sink for Timed {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        let texts = page
            .items
            .iter()
            .filter_map(|i| match i {
                IncomingItem::Message(m) => Some(m.text.clone()),
                _ => None,
            })
            .collect::<Vec<_>>();
        let _ = self.0.send((Instant::now(), texts));
        Ok(())
    }
}

#[tokio::test]
async fn streaming_delivers_a_new_message_within_a_second() {
    let Some(f) = fixture("stream").await else {
        return;
    };
    let m = f.connector();
    let cursor = pull(&m, None).await.cursor();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut sink = Timed(tx);
    let stream_window = Window {
        until: Instant::now() + Duration::from_secs(6),
        ..window(50)
    };
    let streaming = m.stream(Some(&cursor), &stream_window, &mut sink);
    let talking = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let sent_at = Instant::now();
        f.say("live message").await;
        loop {
            let (at, texts) = tokio::time::timeout(Duration::from_secs(4), rx.recv())
                .await
                .expect("a page within 4 s")
                .expect("the stream is open");
            if texts.iter().any(|t| t == "live message") {
                return at.duration_since(sent_at);
            }
        }
    };
    let (streamed, latency) = tokio::join!(streaming, talking);
    assert_eq!(streamed.expect("stream"), More::No);
    assert!(latency < Duration::from_secs(1), "{latency:?}");
}

#[test]
fn settings_round_trip_and_name_what_is_wrong() {
    let config: ChannelConfig = serde_json::from_value::<ChannelConfig>(json!({
        "network": "matrix", "homeserver": "https://matrix.example.org", "rooms": ["!abc:example.org"]
    }))
    .expect("settings");
    assert_eq!(config.network(), "matrix");
    config.validate().expect("valid");
    let bad: ChannelConfig = serde_json::from_value(json!({
        "network": "matrix", "homeserver": "https://matrix.example.org", "rooms": ["general"]
    }))
    .expect("parses");
    let err = bad.validate().unwrap_err();
    assert!(err.to_string().contains("\"general\""), "{err}");
    let _: Value = serde_json::to_value(&config).expect("serializes");
}
