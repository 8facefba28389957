//! The Bluesky connector against a real PDS and PLC (`tend_fakes::bluesky`),
//! one network shared by the tests of this binary; each test makes its own
//! brand and members, so the firehose's other posts never match.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tend_channels::live::bluesky::{firehose, tid};
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, RemoteRef,
    ReplyTarget, Sink, SinkError, Window, connect,
};
use tend_domain::{IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::bluesky::{self, Account, Network, StrongRef};

/// A short unique account name (`<tag><n>`; handles' first label is at most 18).
fn name(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{tag}{}", N.fetch_add(1, Ordering::SeqCst))
}

/// A brand account signed in through `connect` with an app password.
async fn brand(net: &Network, tag: &str) -> (Account, Box<dyn Connector>) {
    let account = net.create_account(&name(tag)).await.expect("brand account");
    let app_password = net
        .app_password(&account, "tend")
        .await
        .expect("app password");
    let config = ChannelConfig::Bluesky {
        service: net.url.clone(),
        handle: account.handle.clone(),
        firehose: None,
    };
    let credentials = Credentials::Password {
        username: account.handle.clone(),
        password: app_password,
    };
    let connector = connect(&config, &credentials).expect("connector");
    (account, connector)
}

fn outgoing(connector: &dyn Connector, text: &str, reply_to: Option<&str>) -> Outgoing {
    Outgoing {
        key: connector.new_key(&name("k"), Timestamp::now()),
        text: text.into(),
        reply_to: reply_to.map(|id| ReplyTarget {
            external_id: id.into(),
            thread_external_id: None,
            author_external_id: None,
            author_handle: None,
            title: None,
        }),
    }
}

fn rkey(uri: &str) -> &str {
    uri.rsplit('/').next().unwrap_or_default()
}

fn window(secs: u64) -> Window {
    Window {
        backfill_from: Timestamp::now() - SignedDuration::from_secs(3600),
        until: Instant::now() + Duration::from_secs(secs),
        max_pages: 50,
    }
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
    fn messages(&self) -> Vec<&IncomingMessage> {
        self.0
            .iter()
            .flat_map(|p| &p.items)
            .filter_map(|i| match i {
                IncomingItem::Message(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    fn ids(&self) -> Vec<String> {
        self.messages()
            .iter()
            .map(|m| m.external_id.clone())
            .collect()
    }

    fn deleted(&self) -> Vec<String> {
        self.0.iter().flat_map(|p| p.deleted.clone()).collect()
    }

    fn cursor(&self) -> Option<Cursor> {
        self.0.iter().rev().find_map(|p| p.cursor.clone())
    }
}

#[tokio::test]
async fn new_keys_are_tids_the_pds_accepts_and_later_ones_sort_after() {
    let Some(net) = bluesky::shared() else { return };
    let (account, connector) = brand(net, "tid").await;
    let earlier = connector.new_key("a", Timestamp::now() - SignedDuration::from_secs(5));
    let later = connector.new_key("b", Timestamp::now());
    assert!(earlier < later, "{earlier} !< {later}");
    assert!(tid::is_valid(&later), "{later}");
    assert_ne!(
        connector.new_key("x", Timestamp::UNIX_EPOCH),
        connector.new_key("y", Timestamp::UNIX_EPOCH)
    );
    let mut post = outgoing(&*connector, "First post from Tend", None);
    post.key = later.clone();
    let sent = connector.publish(&post).await.expect("published");
    assert_eq!(rkey(&sent.id), later);
    assert!(
        sent.id
            .starts_with(&format!("at://{}/app.bsky.feed.post/", account.did))
    );
    assert_eq!(
        sent.url.as_deref(),
        Some(format!("https://bsky.app/profile/{}/post/{later}", account.handle).as_str())
    );
    let stored = net
        .get_post(&account.did, &later)
        .await
        .unwrap()
        .expect("on the PDS");
    assert_eq!(stored["value"]["text"], "First post from Tend");
}

#[tokio::test]
async fn publishing_twice_with_one_key_leaves_one_post_and_lookup_settles_it() {
    let Some(net) = bluesky::shared() else { return };
    let (account, connector) = brand(net, "idem").await;
    let post = outgoing(&*connector, "Only once, please", None);
    let first = connector.publish(&post).await.expect("published");
    // The PDS refuses a second record under the same key with HTTP 500: a
    // server error, Transient, which the runner settles with lookup.
    let again = connector.publish(&post).await;
    assert!(
        matches!(again, Err(ChannelError::Transient(ref r)) if r.contains("500")),
        "{again:?}"
    );
    assert_eq!(connector.lookup(&post).await.unwrap(), Some(first.clone()));
    let posts = net.list_posts(&account.did).await.unwrap();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["uri"], first.id.as_str());
}

#[tokio::test]
async fn lookup_answers_none_for_a_key_never_sent() {
    let Some(net) = bluesky::shared() else { return };
    let (_, connector) = brand(net, "look").await;
    let never = outgoing(&*connector, "never sent", None);
    assert_eq!(connector.lookup(&never).await.unwrap(), None);
    let bad_key = Outgoing {
        key: "not-a-tid".into(),
        ..never
    };
    assert_eq!(connector.lookup(&bad_key).await.unwrap(), None);
}

#[tokio::test]
async fn a_301_grapheme_post_is_refused_before_sending() {
    let Some(net) = bluesky::shared() else { return };
    let (account, connector) = brand(net, "long").await;
    let long = outgoing(&*connector, &"a".repeat(301), None);
    let refused = connector.publish(&long).await;
    assert!(
        matches!(refused, Err(ChannelError::Permanent(ref r)) if r.contains("301")),
        "{refused:?}"
    );
    // 300 family emoji are 300 graphemes but 5,400 bytes: refused too.
    let heavy = outgoing(&*connector, &"👨‍👩‍👧".repeat(300), None);
    assert!(
        matches!(connector.publish(&heavy).await, Err(ChannelError::Permanent(r)) if r.contains("bytes"))
    );
    assert!(net.list_posts(&account.did).await.unwrap().is_empty());
    // Nothing was sent: the same refusal comes with no server at all.
    let offline =
        tend_channels::live::bluesky::Bluesky::new("http://127.0.0.1:9", None, "x.test", "pw")
            .unwrap();
    assert!(matches!(
        offline_publish(&offline, &long).await,
        Err(ChannelError::Permanent(_))
    ));
    let exactly = outgoing(&*connector, &"é".repeat(300), None);
    connector
        .publish(&exactly)
        .await
        .expect("300 graphemes are allowed");
}

async fn offline_publish(
    c: &tend_channels::live::bluesky::Bluesky,
    post: &Outgoing,
) -> Result<RemoteRef, ChannelError> {
    use tend_channels::live::Publisher;
    c.publish(post).await
}

#[tokio::test]
async fn facets_have_utf8_byte_offsets_with_emoji() {
    let Some(net) = bluesky::shared() else { return };
    let (account, connector) = brand(net, "facet").await;
    let member = net.create_account(&name("fm")).await.unwrap();
    let text = format!(
        "Hi 👋🏽 @{} see https://example.com/a?b=1, #tend! @nobody.test",
        member.handle
    );
    let sent = connector
        .publish(&outgoing(&*connector, &text, None))
        .await
        .expect("published");
    let record = net
        .get_post(&account.did, rkey(&sent.id))
        .await
        .unwrap()
        .expect("stored");
    let stored_text = record["value"]["text"]
        .as_str()
        .unwrap()
        .as_bytes()
        .to_vec();
    let facets = record["value"]["facets"]
        .as_array()
        .expect("facets")
        .clone();
    let covered: Vec<(String, Value)> = facets
        .iter()
        .map(|f| {
            let (s, e) = (
                f["index"]["byteStart"].as_u64().unwrap() as usize,
                f["index"]["byteEnd"].as_u64().unwrap() as usize,
            );
            let span = String::from_utf8(stored_text[s..e].to_vec()).unwrap();
            (span, f["features"][0].clone())
        })
        .collect();
    assert_eq!(
        covered.len(),
        3,
        "an unknown handle gets no facet: {covered:?}"
    );
    assert_eq!(covered[0].0, format!("@{}", member.handle));
    assert_eq!(covered[0].1["did"], member.did.as_str());
    assert_eq!(covered[1].0, "https://example.com/a?b=1");
    assert_eq!(covered[1].1["uri"], "https://example.com/a?b=1");
    assert_eq!(covered[2].0, "#tend");
    assert_eq!(covered[2].1["tag"], "tend");
}

#[tokio::test]
async fn replies_thread_on_the_server_and_delete_removes_the_post() {
    let Some(net) = bluesky::shared() else { return };
    let (account, connector) = brand(net, "reply").await;
    let member = net.create_account(&name("rm")).await.unwrap();
    let root = net.post_mention(&member, &account, "Help!").await.unwrap();
    let first = connector
        .publish(&outgoing(&*connector, "On it", Some(&root.uri)))
        .await
        .expect("reply");
    let stored = net
        .get_post(&account.did, rkey(&first.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored["value"]["reply"]["root"]["uri"], root.uri.as_str());
    assert_eq!(stored["value"]["reply"]["root"]["cid"], root.cid.as_str());
    assert_eq!(stored["value"]["reply"]["parent"]["uri"], root.uri.as_str());
    let brand_reply = StrongRef {
        uri: first.id.clone(),
        cid: stored["cid"].as_str().unwrap().into(),
    };
    let again = net
        .post_reply(&member, &root, &brand_reply, "Thanks, still broken")
        .await
        .unwrap();
    let second = connector
        .publish(&outgoing(&*connector, "Fixed now", Some(&again.uri)))
        .await
        .expect("second reply");
    let stored = net
        .get_post(&account.did, rkey(&second.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored["value"]["reply"]["root"]["uri"], root.uri.as_str());
    assert_eq!(
        stored["value"]["reply"]["parent"]["uri"],
        again.uri.as_str()
    );
    assert_eq!(
        stored["value"]["reply"]["parent"]["cid"],
        again.cid.as_str()
    );

    connector.delete(&second).await.expect("deleted");
    assert!(
        net.get_post(&account.did, rkey(&second.id))
            .await
            .unwrap()
            .is_none()
    );
    connector
        .delete(&second)
        .await
        .expect("deleting again is fine");
    let gone = connector
        .publish(&outgoing(&*connector, "to nowhere", Some(&second.id)))
        .await;
    assert!(
        matches!(gone, Err(ChannelError::Permanent(ref r)) if r.contains("gone")),
        "{gone:?}"
    );
    let not_ours = connector
        .delete(&RemoteRef {
            id: again.uri.clone(),
            url: None,
        })
        .await;
    assert!(
        matches!(not_ours, Err(ChannelError::Permanent(_))),
        "{not_ours:?}"
    );
    assert!(
        net.get_post(&member.did, again.rkey())
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn bad_credentials_are_unauthorized_and_verify_reports_the_account() {
    let Some(net) = bluesky::shared() else { return };
    let (account, connector) = brand(net, "auth").await;
    let info = connector.verify().await.expect("verified");
    assert_eq!(info.handle.as_deref(), Some(account.handle.as_str()));
    assert_eq!(info.max_chars, Some(300));
    let config = ChannelConfig::Bluesky {
        service: net.url.clone(),
        handle: account.handle.clone(),
        firehose: None,
    };
    let wrong = Credentials::Password {
        username: account.handle.clone(),
        password: "not-the-password".into(),
    };
    let refused = connect(&config, &wrong).unwrap().verify().await;
    assert!(
        matches!(refused, Err(ChannelError::Unauthorized(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn too_many_sign_ins_are_rate_limited_with_the_wait() {
    let Some(net) = bluesky::shared() else { return };
    // createSession allows 30 attempts per 5 minutes per identifier.
    let config = ChannelConfig::Bluesky {
        service: net.url.clone(),
        handle: "nobody.test".into(),
        firehose: None,
    };
    let credentials = Credentials::Password {
        username: format!("{}.test", name("rl")),
        password: "wrong".into(),
    };
    let mut limited = None;
    for _ in 0..40 {
        match connect(&config, &credentials).unwrap().verify().await {
            Err(ChannelError::Unauthorized(_)) => continue,
            other => {
                limited = Some(other);
                break;
            }
        }
    }
    match limited {
        Some(Err(ChannelError::RateLimited { retry_after })) => {
            assert!(
                retry_after > Duration::from_secs(60) && retry_after <= Duration::from_secs(300),
                "{retry_after:?}"
            );
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[tokio::test]
async fn backfill_then_pull_since_the_cursor_neither_loses_nor_repeats() {
    let Some(net) = bluesky::shared() else { return };
    let (account, connector) = brand(net, "pull").await;
    let member = net.create_account(&name("pm")).await.unwrap();
    let own = connector
        .publish(&outgoing(&*connector, "Our launch post", None))
        .await
        .unwrap();
    let own_ref = StrongRef {
        uri: own.id.clone(),
        cid: net
            .get_post(&account.did, rkey(&own.id))
            .await
            .unwrap()
            .unwrap()["cid"]
            .as_str()
            .unwrap()
            .into(),
    };
    let mention = net.post_mention(&member, &account, "Hello").await.unwrap();
    let reply = net
        .post_reply(&member, &own_ref, &own_ref, "Congrats!")
        .await
        .unwrap();
    let quote = net
        .post_quote(&member, &own_ref, "Look at this")
        .await
        .unwrap();
    let unrelated = net.post(&member, "Just my lunch").await.unwrap();

    let mut first = Collect::default();
    let more = connector.pull(None, &window(20), &mut first).await.unwrap();
    assert_eq!(more, More::No);
    let ids = first.ids();
    for expected in [&mention, &reply, &quote] {
        assert_eq!(
            ids.iter().filter(|i| **i == expected.uri).count(),
            1,
            "{ids:?}"
        );
    }
    assert!(
        !ids.contains(&unrelated.uri) && !ids.contains(&own.id),
        "{ids:?}"
    );
    let by_id = |id: &str| {
        first
            .messages()
            .into_iter()
            .find(|m| m.external_id == id)
            .cloned()
            .unwrap()
    };
    let r = by_id(&reply.uri);
    assert_eq!(r.kind, MessageKind::Reply);
    assert_eq!(r.thread_external_id.as_deref(), Some(own.id.as_str()));
    assert_eq!(r.parent_external_id.as_deref(), Some(own.id.as_str()));
    let m = by_id(&mention.uri);
    assert_eq!(m.kind, MessageKind::Mention);
    assert_eq!(m.text, format!("Hello @{}", account.handle));
    let author = m.author.as_ref().unwrap();
    assert_eq!(
        (author.external_id.as_str(), author.handle.as_str()),
        (member.did.as_str(), member.handle.as_str())
    );

    let cursor = first.cursor().expect("a cursor");
    let later = net
        .post_mention(&member, &account, "Anyone there?")
        .await
        .unwrap();
    let mut second = Collect::default();
    connector
        .pull(Some(&cursor), &window(20), &mut second)
        .await
        .unwrap();
    assert_eq!(second.ids(), vec![later.uri.clone()]);
    let mut third = Collect::default();
    connector
        .pull(second.cursor().as_ref(), &window(20), &mut third)
        .await
        .unwrap();
    assert!(third.ids().is_empty(), "{:?}", third.ids());

    // A backfill horizon after the posts skips them.
    let mut recent = Collect::default();
    let w = Window {
        backfill_from: Timestamp::now() + SignedDuration::from_secs(60),
        ..window(20)
    };
    connector.pull(None, &w, &mut recent).await.unwrap();
    assert!(recent.ids().is_empty(), "{:?}", recent.ids());
    // A cursor past the server's head is refused for good, naming it.
    let ahead = connector
        .pull(
            Some(&Cursor("999999999".into())),
            &window(20),
            &mut Collect::default(),
        )
        .await;
    assert!(
        matches!(ahead, Err(ChannelError::Permanent(ref r)) if r.contains("FutureCursor")),
        "{ahead:?}"
    );
    let bad = connector
        .pull(
            Some(&Cursor("-3".into())),
            &window(20),
            &mut Collect::default(),
        )
        .await;
    assert!(
        matches!(bad, Err(ChannelError::Permanent(ref r)) if r.contains("cursor")),
        "{bad:?}"
    );
}

#[tokio::test]
async fn max_pages_cuts_a_backfill_that_goes_on_from_its_cursor() {
    let Some(net) = bluesky::shared() else { return };
    let (account, connector) = brand(net, "page").await;
    let member = net.create_account(&name("gm")).await.unwrap();
    let mut posted = Vec::new();
    for i in 0..3 {
        posted.push(
            net.post_mention(&member, &account, &format!("n{i}"))
                .await
                .unwrap()
                .uri,
        );
    }
    let mut all = Vec::new();
    let mut cursor: Option<Cursor> = None;
    let w = Window {
        max_pages: 1,
        ..window(20)
    };
    for _ in 0..200 {
        let mut c = Collect::default();
        let more = connector.pull(cursor.as_ref(), &w, &mut c).await.unwrap();
        assert!(c.0.len() <= 1);
        all.extend(c.ids());
        cursor = c.cursor().or(cursor);
        if more == More::No {
            break;
        }
    }
    assert_eq!(all, posted);
}

#[tokio::test]
async fn edits_and_deletions_are_reflected() {
    let Some(net) = bluesky::shared() else { return };
    let (account, connector) = brand(net, "edit").await;
    let member = net.create_account(&name("em")).await.unwrap();
    let mention = net
        .post_mention(&member, &account, "Typo hre")
        .await
        .unwrap();
    let other = net
        .post_mention(&member, &account, "Never mind")
        .await
        .unwrap();
    let mut first = Collect::default();
    connector.pull(None, &window(20), &mut first).await.unwrap();
    assert_eq!(first.ids(), vec![mention.uri.clone(), other.uri.clone()]);

    let mut edited = bluesky::post_json(&format!("Typo here @{}", account.handle));
    edited["facets"] = serde_json::json!([{
        "index": {"byteStart": 10, "byteEnd": 10 + account.handle.len() + 1},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": account.did}],
    }]);
    net.put_post(&member, &mention, edited).await.unwrap();
    net.delete_post(&member, &other).await.unwrap();
    let mut second = Collect::default();
    connector
        .pull(first.cursor().as_ref(), &window(20), &mut second)
        .await
        .unwrap();
    let messages = second.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].external_id, mention.uri);
    assert_eq!(messages[0].text, format!("Typo here @{}", account.handle));
    assert!(messages[0].edited_at.is_some());
    assert_eq!(second.deleted(), vec![other.uri.clone()]);
}

/// Hands each page over a channel, with the moment it came.
struct Forward(tokio::sync::mpsc::UnboundedSender<(Instant, Page)>);

#[async_trait]
impl Sink for Forward {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        self.0
            .send((Instant::now(), page))
            .map_err(|e| SinkError(e.to_string()))
    }
}

#[tokio::test]
async fn a_member_mention_reply_and_quote_reach_the_stream_within_a_second() {
    let Some(net) = bluesky::shared() else { return };
    let (account, connector) = brand(net, "strm").await;
    assert!(connector.streams());
    let member = net.create_account(&name("sm")).await.unwrap();
    let own = connector
        .publish(&outgoing(&*connector, "Ask us anything", None))
        .await
        .unwrap();
    let own_ref = StrongRef {
        uri: own.id.clone(),
        cid: net
            .get_post(&account.did, rkey(&own.id))
            .await
            .unwrap()
            .unwrap()["cid"]
            .as_str()
            .unwrap()
            .into(),
    };
    let mut caught_up = Collect::default();
    connector
        .pull(None, &window(20), &mut caught_up)
        .await
        .unwrap();
    let cursor = caught_up.cursor();

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = Window {
        until: Instant::now() + Duration::from_secs(30),
        ..window(30)
    };
    let connector: std::sync::Arc<dyn Connector> = connector.into();
    let reader = connector.clone();
    let stream =
        tokio::spawn(async move { reader.stream(cursor.as_ref(), &w, &mut Forward(tx)).await });
    // No wait for the socket: a post made while it opens is replayed from
    // the cursor, and still must arrive within the second.
    let cases = [
        net.post_mention(&member, &account, "ping").await.unwrap(),
        net.post_reply(&member, &own_ref, &own_ref, "pong")
            .await
            .unwrap(),
        net.post_quote(&member, &own_ref, "look").await.unwrap(),
    ];
    let posted_at = Instant::now();
    let mut seen = Vec::new();
    while seen.len() < cases.len() {
        let (at, page) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("a page within 5 s")
            .expect("the stream is open");
        for item in page.items {
            if let IncomingItem::Message(m) = item {
                seen.push((m.external_id, at));
            }
        }
    }
    for case in &cases {
        let (_, at) = seen
            .iter()
            .find(|(id, _)| *id == case.uri)
            .expect("streamed");
        assert!(
            at.saturating_duration_since(posted_at) < Duration::from_secs(1),
            "{} came {:?} after posting",
            case.uri,
            at.saturating_duration_since(posted_at)
        );
    }
    stream.abort();
}

#[tokio::test]
async fn the_connector_carries_on_across_a_pds_restart_and_signs_in_again_when_tokens_die() {
    // A network of its own: the shared one is never restarted.
    let Some(mut net) = Network::start().await.expect("a network") else {
        return;
    };
    let (account, connector) = brand(&net, "rst").await;
    let member = net.create_account(&name("xm")).await.unwrap();
    let before = outgoing(&*connector, "Before the restart", None);
    let sent = connector.publish(&before).await.unwrap();
    let mention = net.post_mention(&member, &account, "one").await.unwrap();
    let mut first = Collect::default();
    connector.pull(None, &window(20), &mut first).await.unwrap();
    assert_eq!(first.ids(), vec![mention.uri.clone()]);

    net.restart_pds().await.expect("restarted");
    assert_eq!(connector.lookup(&before).await.unwrap(), Some(sent));
    let member = Account {
        access_jwt: net.create_session(&member).await.unwrap(),
        ..member
    };
    let later = net.post_mention(&member, &account, "two").await.unwrap();
    let mut second = Collect::default();
    connector
        .pull(first.cursor().as_ref(), &window(20), &mut second)
        .await
        .unwrap();
    assert_eq!(second.ids(), vec![later.uri.clone()]);

    // Every token the connector holds is now refused: it signs in again.
    net.rotate_jwt_secret().await.expect("rotated");
    let refused = net.post(&member, "with an old token").await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("Token")),
        "{refused:?}"
    );
    let after = connector
        .publish(&outgoing(&*connector, "After the rotation", None))
        .await
        .expect("published with a new session");
    assert!(
        net.get_post(&account.did, rkey(&after.id))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(net.list_posts(&account.did).await.unwrap().len(), 2);
}

proptest! {
    #[test]
    fn arbitrary_bytes_as_a_frame_never_panic_and_errors_name_where(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = firehose::decode_frame(&bytes) {
            let text = e.to_string();
            prop_assert!(text.starts_with("firehose ") && text.contains(':'), "{}", text);
        }
    }

    #[test]
    fn arbitrary_bytes_as_a_car_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = firehose::car_blocks(&bytes) {
            prop_assert!(e.to_string().contains("CAR"), "{}", e);
        }
        let _ = firehose::post(&bytes);
    }

    #[test]
    fn a_commit_header_with_arbitrary_body_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        // {"op": 1, "t": "#commit"} then arbitrary bytes.
        let mut frame = vec![0xa2, 0x62, b'o', b'p', 0x01, 0x61, b't', 0x67];
        frame.extend_from_slice(b"#commit");
        frame.extend_from_slice(&body);
        if let Err(e) = firehose::decode_frame(&frame) {
            prop_assert!(e.to_string().contains("#commit"), "{}", e);
        }
    }
}
