//! Moderation's webhooks and `is_member` end to end on a real store: a rule's
//! `notify: {webhook: url}` is queued with the verdict and posted by
//! `webhooks::deliver_due` to a receiver on 127.0.0.1 (a refusing receiver leaves
//! the delivery pending with its error, a later pass delivers it, nothing is sent
//! twice, an unreachable one is given up after the bounded attempts); and
//! `author: {is_member: false}` tells social-only authors from community members.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::*;

use jiff::{Timestamp, ToSpan};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use tend_core::moderation::{Moderator, webhooks};
use tend_domain::*;
use tend_store::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A webhook receiver on 127.0.0.1 port 0 that answers every POST with `status`
/// and keeps the bodies it was sent.
struct Receiver {
    url: String,
    status: Arc<AtomicU16>,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start(status: u16) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let status = Arc::new(AtomicU16::new(status));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let (s, b) = (Arc::clone(&status), Arc::clone(&bodies));
        tokio::spawn(async move {
            loop {
                let (mut conn, _) = listener.accept().await.unwrap();
                let (s, b) = (Arc::clone(&s), Arc::clone(&b));
                tokio::spawn(async move {
                    let body = read_request(&mut conn).await;
                    b.lock().unwrap().push(body);
                    let code = s.load(Ordering::SeqCst);
                    let answer = format!(
                        "HTTP/1.1 {code} Whatever\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    conn.write_all(answer.as_bytes()).await.unwrap();
                    conn.shutdown().await.ok();
                });
            }
        });
        Receiver {
            url,
            status,
            bodies,
        }
    }

    fn received(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

/// Reads one HTTP/1.1 request with a `content-length` body; returns the body.
async fn read_request(conn: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = conn.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the client closed before a whole request");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let head = text[..end].to_lowercase();
            assert!(head.starts_with("post /hook "), "{head}");
            assert!(head.contains("content-type: application/json"), "{head}");
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return String::from_utf8(buf[end + 4..end + 4 + length].to_vec()).unwrap();
            }
        }
    }
}

/// Now, in the store's precision (milliseconds).
fn now_ms() -> Timestamp {
    Timestamp::from_millisecond(Timestamp::now().as_millisecond()).unwrap()
}

struct World {
    store: Arc<dyn Store>,
    ws: Workspace,
    forum: Channel,
    x: Channel,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let ws = common::acme(&*store).await;
    let forum = common::channel(&*store, ws.id, ChannelKind::Discourse, "Forum").await;
    let x = common::channel(&*store, ws.id, ChannelKind::X, "X").await;
    World {
        store,
        ws,
        forum,
        x,
        _dir: dir,
    }
}

impl World {
    async fn live(&self, rules: &str) {
        tend_core::moderation::parse_rules("rules.yaml", rules).unwrap();
        let v = self
            .store
            .create_rule_set(self.ws.id, rules, None)
            .await
            .unwrap();
        self.store.make_live(self.ws.id, v.id, None).await.unwrap();
    }

    async fn person(&self, kind: ChannelKind, handle: &str) -> Identity {
        self.store
            .upsert_identity(&NewIdentity::new(self.ws.id, kind, handle).unwrap())
            .await
            .unwrap()
    }

    async fn post(&self, channel: &Channel, id: &str, text: &str, author: &Identity) -> MessageId {
        let t0: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
        let mut m = NewMessage::new(channel.id, id, MessageKind::Post, text, t0);
        m.author_id = Some(author.id);
        m.direction = Direction::Inbound;
        m.permalink = Some(format!("https://forum.example.org/t/{id}"));
        self.store.upsert_messages(self.ws.id, &[m]).await.unwrap()[0].id
    }

    /// Runs the live rules, then the follow-up jobs (tags …) they queued.
    async fn moderate(&self) {
        let moderator = Moderator::default();
        while moderator.run_once(&*self.store).await.unwrap() > 0 {}
        let clock = tend_domain::Clock::system();
        let handler = tend_core::jobs::JobContext::new(self.store.clone(), clock.clone());
        tend_core::jobs::Worker::new(self.store.clone(), handler, clock, Default::default())
            .run_due()
            .await
            .unwrap();
    }

    async fn tags_of(&self, id: MessageId) -> Vec<String> {
        let tags = self.store.tags(self.ws.id).await.unwrap();
        let m = self.store.message(self.ws.id, id).await.unwrap();
        let mut names: Vec<String> = tags
            .iter()
            .filter(|t| m.tags.contains(&t.id))
            .map(|t| t.name.as_str().to_owned())
            .collect();
        names.sort();
        names
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_is_retried_until_delivered_and_never_sent_twice() {
    let w = world().await;
    let receiver = Receiver::start(503).await;
    w.live(&format!(
        "# Outage alert\nbody: [outage]\naction: filter\nnotify:\n    webhook: '{}'\n",
        receiver.url
    ))
    .await;
    let carol = w.person(ChannelKind::Discourse, "carol").await;
    let text = format!("Is there an   outage?\n{}", "more words ".repeat(60));
    let message = w.post(&w.forum, "m1", &text, &carol).await;
    let quiet = w.post(&w.forum, "m2", "all good", &carol).await;
    w.moderate().await;

    let queued = w.store.webhook_deliveries(w.ws.id, None, 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].message_id, queued[0].status()),
        (message, "pending")
    );
    assert!(
        w.store
            .webhook_deliveries(w.ws.id, Some(quiet), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        receiver.received().is_empty(),
        "nothing is sent by moderation itself"
    );

    // The receiver refuses: the delivery stays pending with the error.
    let http = webhooks::client().unwrap();
    let now = now_ms();
    let pass = webhooks::deliver_due(&*w.store, &http, now).await.unwrap();
    assert_eq!((pass.delivered, pass.retrying, pass.gave_up), (0, 1, 0));
    assert_eq!(receiver.received().len(), 1);
    let d = &w.store.webhook_deliveries(w.ws.id, None, 10).await.unwrap()[0];
    assert_eq!((d.status(), d.attempts), ("pending", 1));
    assert!(
        d.last_error.as_deref().unwrap().contains("HTTP 503"),
        "{:?}",
        d.last_error
    );
    assert_eq!(d.next_attempt_at, now + 30.seconds());

    // Not due again before the backoff.
    let pass = webhooks::deliver_due(&*w.store, &http, now + 29.seconds())
        .await
        .unwrap();
    assert_eq!(pass, webhooks::Pass::default());
    assert_eq!(receiver.received().len(), 1);

    // A later pass delivers it and marks it.
    receiver.status.store(204, Ordering::SeqCst);
    let pass = webhooks::deliver_due(&*w.store, &http, now + 30.seconds())
        .await
        .unwrap();
    assert_eq!(pass.delivered, 1);
    let d = &w.store.webhook_deliveries(w.ws.id, None, 10).await.unwrap()[0];
    assert_eq!((d.status(), d.attempts), ("delivered", 2));
    let bodies = receiver.received();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], bodies[1], "every attempt sends the same body");
    let body: serde_json::Value = serde_json::from_str(&bodies[1]).unwrap();
    assert_eq!(body["event"], "tend.moderation.notify");
    assert_eq!(body["rule"], "Outage alert");
    assert_eq!(body["action"], "filter");
    assert_eq!(body["actions"], serde_json::json!(["filter", "notify"]));
    assert_eq!(body["message_id"], message.get());
    assert_eq!(body["workspace"], "acme");
    assert_eq!(body["channel"], "Forum");
    assert_eq!(body["author"], "carol");
    assert_eq!(body["permalink"], "https://forum.example.org/t/m1");
    let excerpt = body["excerpt"].as_str().unwrap();
    assert!(
        excerpt.starts_with("Is there an outage? more words"),
        "{excerpt}"
    );
    assert_eq!(excerpt.chars().count(), 280);
    let fired: Timestamp = body["fired_at"].as_str().unwrap().parse().unwrap();
    assert!(fired <= Timestamp::now() && fired > now - 1.minute());

    // Nothing is sent twice: later passes, and an edit that matches again (notify
    // is unrepeatable, as AutoModerator's comment/message/report are).
    for later in [now + 1.hour(), now + 48.hours()] {
        let pass = webhooks::deliver_due(&*w.store, &http, later)
            .await
            .unwrap();
        assert_eq!(pass, webhooks::Pass::default());
    }
    let t0: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    let mut edit = NewMessage::new(w.forum.id, "m1", MessageKind::Post, "outage again!", t0);
    edit.author_id = Some(carol.id);
    edit.direction = Direction::Inbound;
    edit.edited_at = Some(t0 + 5.minutes());
    w.store.upsert_messages(w.ws.id, &[edit]).await.unwrap();
    w.moderate().await;
    assert_eq!(
        w.store
            .webhook_deliveries(w.ws.id, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    webhooks::deliver_due(&*w.store, &http, now + 72.hours())
        .await
        .unwrap();
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_webhook_is_given_up_with_its_last_error() {
    let w = world().await;
    // A port nobody listens on: connections are refused.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    w.live(&format!(
        "# Ping\nbody: [ping]\nnotify: {{webhook: '{url}'}}\n"
    ))
    .await;
    let dan = w.person(ChannelKind::Discourse, "dan").await;
    w.post(&w.forum, "p1", "ping", &dan).await;
    w.moderate().await;

    let http = webhooks::client().unwrap();
    let mut now = now_ms();
    for attempt in 1..=webhooks::MAX_ATTEMPTS {
        let pass = webhooks::deliver_due(&*w.store, &http, now).await.unwrap();
        let d = &w.store.webhook_deliveries(w.ws.id, None, 10).await.unwrap()[0];
        assert_eq!(d.attempts, attempt);
        assert!(
            d.last_error
                .as_deref()
                .unwrap()
                .starts_with("could not connect"),
            "{:?}",
            d.last_error
        );
        if attempt < webhooks::MAX_ATTEMPTS {
            assert_eq!((pass.retrying, d.status()), (1, "pending"));
            assert_eq!(d.next_attempt_at, now + webhooks::backoff(attempt));
            now = d.next_attempt_at;
        } else {
            assert_eq!((pass.gave_up, d.status()), (1, "failed"));
        }
    }
    let pass = webhooks::deliver_due(&*w.store, &http, now + 720.hours())
        .await
        .unwrap();
    assert_eq!(pass, webhooks::Pass::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn is_member_tells_social_only_authors_from_community_members() {
    let w = world().await;
    w.live(
        "# Newcomers\nauthor:\n    is_member: false\ntag: newcomer\n\
         ---\n# Members\nauthor:\n    is_member: true\ntag: member\n\
         ---\n# Trust level 2\nauthor:\n    member_level: [tl2]\ntag: tl2\n\
         ---\n# Not trust level 2\nauthor:\n    ~member_level: [tl2]\ntag: not-tl2\n",
    )
    .await;
    // Only ever seen on X.
    let sam = w.person(ChannelKind::X, "sam").await;
    // Writes on the forum.
    let fran = w.person(ChannelKind::Discourse, "fran").await;
    // Posts on X, but the member also has a forum identity.
    let max_x = w.person(ChannelKind::X, "max").await;
    let max_forum = w.person(ChannelKind::Discourse, "max").await;
    w.store
        .merge_members(w.ws.id, max_forum.member_id, max_x.member_id)
        .await
        .unwrap();
    let by_sam = w.post(&w.x, "s1", "hello", &sam).await;
    let by_fran = w.post(&w.forum, "f1", "hello", &fran).await;
    let by_max = w.post(&w.x, "x1", "hello", &max_x).await;
    w.moderate().await;

    assert_eq!(w.tags_of(by_sam).await, ["newcomer", "not-tl2"]);
    assert_eq!(w.tags_of(by_fran).await, ["member", "not-tl2"]);
    assert_eq!(w.tags_of(by_max).await, ["member", "not-tl2"]);
}
