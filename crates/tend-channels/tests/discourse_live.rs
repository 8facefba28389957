//! The Discourse connector against the fake Discourse
//! (`tend_fakes::discourse`): Discourse cannot be installed offline, so the
//! fake plays the forum with Discourse's rules, built from recorded
//! payloads. (`tests/discourse.rs` is the Discourse importer's.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};
use tend_channels::live::discourse::Discourse;
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, ReplyTarget, Sink, SinkError, Source, Window, connect,
};
use tend_domain::{ChannelKind, Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::discourse::{BRAND, FakeDiscourse, Fault, Route};

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
            .map(|i| match i {
                IncomingItem::Message(m) => m,
                other => panic!("not a message: {other:?}"),
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

    fn last_cursor(&self) -> Option<Cursor> {
        self.0.iter().rev().find_map(|p| p.cursor.clone())
    }
}

fn window(back: Duration, max_pages: usize) -> Window {
    Window {
        backfill_from: Timestamp::now() - SignedDuration::try_from(back).unwrap(),
        until: Instant::now() + Duration::from_secs(5),
        max_pages,
    }
}

fn creds(fake: &FakeDiscourse) -> Credentials {
    Credentials::Password {
        username: BRAND.into(),
        password: fake.api_key.clone(),
    }
}

fn connector(fake: &FakeDiscourse) -> Discourse {
    Discourse::new(&fake.url, &[], &[], &creds(fake)).unwrap()
}

fn key(d: &Discourse, unique: &str) -> String {
    d.new_key(unique, Timestamp::now())
}

fn reply(key: &str, text: &str, to: &str) -> Outgoing {
    Outgoing {
        key: key.into(),
        text: text.into(),
        reply_to: Some(ReplyTarget {
            external_id: to.into(),
            thread_external_id: None,
            author_external_id: None,
            author_handle: None,
            title: None,
        }),
    }
}

fn topic(key: &str, text: &str) -> Outgoing {
    Outgoing {
        key: key.into(),
        text: text.into(),
        reply_to: None,
    }
}

async fn pull(d: &Discourse, cursor: Option<&Cursor>) -> Collect {
    let mut got = Collect::default();
    d.pull(cursor, &window(Duration::from_secs(3600), 20), &mut got)
        .await
        .unwrap();
    got
}

#[tokio::test]
async fn backfill_then_pull_since_the_cursor_loses_and_repeats_nothing() {
    let fake = FakeDiscourse::start().await.unwrap();
    let old: Vec<String> = (0..3)
        .map(|i| {
            fake.post_topic_ago(
                "oldtimer",
                &format!("An old question {i}"),
                "from long ago, still open?",
                7200,
            )
        })
        .collect();
    let recent = fake.seed_topics(120);
    let d = connector(&fake);

    let mut first = Collect::default();
    let more = d
        .pull(None, &window(Duration::from_secs(3600), 10), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::No);
    assert_eq!(first.ids(), recent, "back to the horizon, oldest first");
    assert!(old.iter().all(|id| !first.ids().contains(id)));
    assert!(first.0.len() >= 3, "50 posts a page: {}", first.0.len());

    let cursor = first.last_cursor().unwrap();
    let new: Vec<String> = (0..3)
        .map(|i| fake.post_reply("alice", &recent[i], &format!("A new reply number {i} here")))
        .collect();
    let second = pull(&d, Some(&cursor)).await;
    assert_eq!(second.ids(), new);
    let third = pull(&d, second.last_cursor().as_ref()).await;
    assert!(third.ids().is_empty(), "{:?}", third.ids());
    assert!(third.deleted().is_empty());
}

#[tokio::test]
async fn a_backfill_cut_by_max_pages_continues_from_its_cursor() {
    let fake = FakeDiscourse::start().await.unwrap();
    let all = fake.seed_topics(130);
    let d = connector(&fake);
    let mut first = Collect::default();
    let more = d
        .pull(None, &window(Duration::from_secs(600), 1), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::Yes);
    let n = first.ids().len();
    assert_eq!(first.ids(), all[..n].to_vec(), "the oldest come first");
    let mut rest = Collect::default();
    let more = d
        .pull(
            first.last_cursor().as_ref(),
            &window(Duration::ZERO, 10),
            &mut rest,
        )
        .await
        .unwrap();
    assert_eq!(more, More::No);
    assert_eq!(rest.ids(), all[n..].to_vec());
}

#[tokio::test]
async fn posts_map_their_thread_author_and_link_and_private_messages_are_direct() {
    let fake = FakeDiscourse::start().await.unwrap();
    let d = connector(&fake);
    let root = fake.post_topic(
        "sam",
        "How do I reset my password?",
        "I tried everything & nothing <works>.",
        4,
    );
    let answer = fake.post_reply("alice", &root, "Did you try the link in the e-mail?");
    let nested = fake.post_reply("sam", &answer, "Yes, it says expired.");
    let mut got = Collect::default();
    d.pull(None, &window(Duration::from_secs(60), 5), &mut got)
        .await
        .unwrap();
    let msgs = got.messages();
    assert_eq!(
        got.ids(),
        vec![root.clone(), answer.clone(), nested.clone()]
    );
    let first = msgs[0];
    assert_eq!(first.kind, MessageKind::ForumPost);
    assert_eq!(first.direction, Direction::Inbound);
    assert_eq!(first.title.as_deref(), Some("How do I reset my password?"));
    assert_eq!(first.text, "I tried everything & nothing <works>.");
    assert_eq!(first.thread_external_id, None);
    let topic = root.trim_start_matches('t').split('/').next().unwrap();
    assert_eq!(
        first.permalink,
        Some(format!(
            "{}/t/how-do-i-reset-my-password/{topic}/1",
            fake.url
        ))
    );
    let author = first.author.as_ref().unwrap();
    assert_eq!(author.platform, ChannelKind::Discourse);
    assert_eq!(
        author.handle, "sam",
        "a Discourse username, no @ and no host"
    );
    assert_eq!(author.display_name.as_deref(), Some("Member sam"));
    assert_eq!(msgs[1].thread_external_id.as_deref(), Some(root.as_str()));
    assert_eq!(msgs[1].parent_external_id.as_deref(), Some(root.as_str()));
    assert_eq!(msgs[2].parent_external_id.as_deref(), Some(answer.as_str()));

    let dm = fake.send_private(
        "dora",
        "About my order",
        "My order number is 1234, where is it?",
    );
    let ours = d
        .publish(&reply(
            &key(&d, "k-ours"),
            "We will check your order now.",
            &nested,
        ))
        .await
        .unwrap();
    let more = pull(&d, got.last_cursor().as_ref()).await;
    let kinds: Vec<(String, MessageKind, Direction)> = more
        .messages()
        .iter()
        .map(|m| (m.external_id.clone(), m.kind, m.direction))
        .collect();
    let ours_ext = fake.post(ours.id.parse().unwrap()).unwrap().external_id();
    assert_eq!(
        kinds,
        vec![
            (ours_ext, MessageKind::Post, Direction::Outbound),
            (dm.clone(), MessageKind::DirectMessage, Direction::Inbound),
        ]
    );
    let again = pull(&d, more.last_cursor().as_ref()).await;
    assert!(again.ids().is_empty(), "{:?}", again.ids());
    assert!(
        !more.messages()[0].text.contains("tend:"),
        "the marker is invisible"
    );
}

#[tokio::test]
async fn only_followed_categories_and_tags_are_read() {
    let fake = FakeDiscourse::start().await.unwrap();
    let support = fake.post_topic(
        "a",
        "A question in support",
        "Support category text here.",
        7,
    );
    let _other = fake.post_topic(
        "b",
        "Chatter in another place",
        "Off-topic category text.",
        8,
    );
    let tagged = fake.post_topic_tagged(
        "c",
        "A tagged question here",
        "Tagged in a third category.",
        9,
        &["billing"],
    );
    let d = Discourse::new(&fake.url, &[7], &["billing".into()], &creds(&fake)).unwrap();
    let mut got = Collect::default();
    d.pull(None, &window(Duration::from_secs(60), 5), &mut got)
        .await
        .unwrap();
    assert_eq!(got.ids(), vec![support, tagged.clone()]);
    let answer = fake.post_reply("d", &tagged, "An answer in the tagged topic.");
    let later = pull(&d, got.last_cursor().as_ref()).await;
    assert_eq!(later.ids(), vec![answer]);
}

#[tokio::test]
async fn edits_and_deletions_are_reflected() {
    let fake = FakeDiscourse::start().await.unwrap();
    let d = connector(&fake);
    let a = fake.post_topic(
        "alice",
        "First question of the day",
        "Original text of alice.",
        1,
    );
    let b = fake.post_reply("bob", &a, "A reply that bob will delete.");
    let first = pull(&d, None).await;
    assert_eq!(first.ids(), vec![a.clone(), b.clone()]);
    let cursor = first.last_cursor().unwrap();

    assert!(fake.edit_post(&a, "Edited text of alice."));
    let edited = pull(&d, Some(&cursor)).await;
    let [m] = edited.messages()[..] else {
        panic!("{:?}", edited.ids())
    };
    assert_eq!(m.external_id, a, "an edit keeps the id");
    assert_eq!(m.text, "Edited text of alice.");
    assert!(m.edited_at.is_some());
    let cursor = edited.last_cursor().unwrap();
    let quiet = pull(&d, Some(&cursor)).await;
    assert!(
        quiet.ids().is_empty() && quiet.deleted().is_empty(),
        "an edit is reported once"
    );

    assert!(fake.delete_post(&b));
    let gone = pull(&d, Some(&cursor)).await;
    assert_eq!(gone.deleted(), vec![b]);
    assert!(gone.ids().is_empty());
    let after = pull(&d, gone.last_cursor().as_ref()).await;
    assert!(after.deleted().is_empty(), "a deletion is reported once");
}

#[tokio::test]
async fn replies_land_in_their_thread_topics_publish_and_posts_delete() {
    let fake = FakeDiscourse::start().await.unwrap();
    let d = Discourse::new(&fake.url, &[5], &[], &creds(&fake)).unwrap();
    let root = fake.post_topic(
        "alice",
        "Is the export broken today?",
        "It fails at 50 percent.",
        5,
    );
    let second = fake.post_reply("bob", &root, "Same here since this morning.");
    let sent = d
        .publish(&reply(
            &key(&d, "k1"),
            "We are on it, thanks for telling us.",
            &second,
        ))
        .await
        .unwrap();
    let on_server = fake.post(sent.id.parse().unwrap()).unwrap();
    assert_eq!(
        on_server.external_id().split('/').next(),
        root.split('/').next()
    );
    assert_eq!(on_server.reply_to_post_number, Some(2));
    assert!(
        on_server
            .raw
            .starts_with("We are on it, thanks for telling us.")
    );
    assert!(on_server.raw.contains("<!-- tend:"));
    assert!(
        sent.url
            .as_deref()
            .unwrap()
            .starts_with(&format!("{}/t/", fake.url))
    );
    let to_root = d
        .publish(&reply(
            &key(&d, "k2"),
            "A reply to the topic itself.",
            &root,
        ))
        .await
        .unwrap();
    assert_eq!(
        fake.post(to_root.id.parse().unwrap())
            .unwrap()
            .reply_to_post_number,
        None
    );

    let new_topic = d
        .publish(&topic(
            &key(&d, "k3"),
            "Maintenance window on Sunday\n\nThe service pauses from 02:00 to 03:00 UTC.",
        ))
        .await
        .unwrap();
    let post = fake.post(new_topic.id.parse().unwrap()).unwrap();
    assert_eq!(post.post_number, 1);
    assert_eq!(
        fake.topic(post.topic_id),
        Some(("Maintenance window on Sunday".into(), Some(5)))
    );
    let short = d.publish(&topic(&key(&d, "k4"), "Hi")).await;
    assert!(matches!(short, Err(ChannelError::Permanent(m)) if m.contains("Title is too short")));
    let nowhere = d
        .publish(&reply(
            &key(&d, "k5"),
            "Hello, anybody there at all?",
            "t999/p1",
        ))
        .await;
    assert!(
        matches!(nowhere, Err(ChannelError::Permanent(_))),
        "{nowhere:?}"
    );

    d.delete(&sent).await.unwrap();
    assert!(fake.post(sent.id.parse().unwrap()).unwrap().deleted);
    d.delete(&sent).await.unwrap();
    assert_eq!(fake.brand_posts().iter().filter(|p| !p.deleted).count(), 2);
}

#[tokio::test]
async fn discourse_has_no_idempotency_so_a_second_publish_makes_a_second_post() {
    let fake = FakeDiscourse::start().await.unwrap();
    let d = connector(&fake);
    let root = fake.post_topic(
        "alice",
        "Two identical answers?",
        "Will they both appear?",
        1,
    );
    let out = reply(&key(&d, "same"), "The same answer twice over.", &root);
    let a = d.publish(&out).await.unwrap();
    let b = d.publish(&out).await.unwrap();
    assert_ne!(
        a.id, b.id,
        "the network keeps no key: only lookup prevents doubles"
    );
    assert_eq!(fake.post_requests(), 2);
}

#[tokio::test]
async fn commit_then_drop_is_unknown_until_lookup_settles_it_without_a_second_write() {
    let fake = FakeDiscourse::start().await.unwrap();
    let d = connector(&fake);
    let root = fake.post_topic("alice", "Are you there, support?", "Hello hello hello.", 1);
    let out = reply(&key(&d, "k-lost"), "Yes, we are here to help.", &root);
    fake.fail_next(Route::CreatePost, 1, Fault::CommitThenDrop);
    let err = d.publish(&out).await.unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err:?}");
    assert_eq!(fake.brand_posts().len(), 1, "the post was created");
    assert_eq!(fake.post_requests(), 1, "no hidden retry");

    let found = d
        .lookup(&out)
        .await
        .unwrap()
        .expect("lookup settles it as sent");
    assert_eq!(found.id, fake.brand_posts()[0].id.to_string());
    assert_eq!(fake.post_requests(), 1, "a lookup writes nothing");

    // Same text, another key: not the same post.
    let other = reply(&key(&d, "k-other"), "Yes, we are here to help.", &root);
    assert_eq!(d.lookup(&other).await.unwrap(), None);

    // A new topic cut off the same way.
    let t = topic(
        &key(&d, "k-topic"),
        "A topic whose answer was lost\n\nBody of the lost topic.",
    );
    fake.fail_next(Route::CreatePost, 1, Fault::CommitThenDrop);
    assert!(d.publish(&t).await.is_err());
    let found = d.lookup(&t).await.unwrap().expect("the topic is found");
    assert_eq!(fake.post(found.id.parse().unwrap()).unwrap().post_number, 1);
    let never = topic(&key(&d, "k-never"), "A topic never sent at all\n\nBody.");
    assert_eq!(d.lookup(&never).await.unwrap(), None);
}

#[tokio::test]
async fn lookup_reads_a_long_topic_back_in_chunks() {
    let fake = FakeDiscourse::start().await.unwrap();
    let d = connector(&fake);
    let root = fake.post_topic(
        "alice",
        "A very long discussion",
        "Let us talk for a while.",
        1,
    );
    let out = reply(&key(&d, "k-long"), "Our answer in the middle of it.", &root);
    let sent = d.publish(&out).await.unwrap();
    for i in 0..45 {
        fake.post_reply(
            "bob",
            &root,
            &format!("Chatter number {i} after our answer"),
        );
    }
    assert_eq!(d.lookup(&out).await.unwrap(), Some(sent));
    // A key made before everything (no time bound): the whole topic is read.
    let old = reply("tend_old_key", "Never posted with this key.", &root);
    assert_eq!(d.lookup(&old).await.unwrap(), None);
}

#[tokio::test]
async fn bad_keys_are_unauthorized_and_a_user_api_key_works() {
    let fake = FakeDiscourse::start().await.unwrap();
    let bad = Credentials::Password {
        username: BRAND.into(),
        password: "not-a-key".into(),
    };
    let d = Discourse::new(&fake.url, &[], &[], &bad).unwrap();
    assert!(
        matches!(d.verify().await, Err(ChannelError::Unauthorized(m)) if m.contains("API username or key is invalid"))
    );
    let mut sink = Collect::default();
    let pulled = d.pull(None, &window(Duration::ZERO, 1), &mut sink).await;
    assert!(matches!(pulled, Err(ChannelError::Unauthorized(_))));
    let published = d
        .publish(&topic("k", "Some topic title here\n\nbody"))
        .await;
    assert!(matches!(published, Err(ChannelError::Unauthorized(_))));
    let wrong_user = Credentials::Password {
        username: "someone".into(),
        password: fake.api_key.clone(),
    };
    let d = Discourse::new(&fake.url, &[], &[], &wrong_user).unwrap();
    assert!(matches!(
        d.verify().await,
        Err(ChannelError::Unauthorized(_))
    ));
    assert!(fake.brand_posts().is_empty());

    let user_key = Credentials::Token {
        token: fake.user_api_key.clone(),
    };
    let d = Discourse::new(&fake.url, &[], &[], &user_key).unwrap();
    assert_eq!(d.verify().await.unwrap().handle.as_deref(), Some(BRAND));
}

#[tokio::test]
async fn rate_limits_map_to_rate_limited_with_the_wait() {
    let fake = FakeDiscourse::start().await.unwrap();
    let d = connector(&fake);
    fake.fail_next(
        Route::CreatePost,
        1,
        Fault::RateLimited {
            retry_after_secs: 7,
        },
    );
    let out = topic(
        &key(&d, "k"),
        "A title long enough for Discourse\n\nbody text",
    );
    assert_eq!(
        d.publish(&out).await,
        Err(ChannelError::RateLimited {
            retry_after: Duration::from_secs(7)
        })
    );
    assert!(fake.brand_posts().is_empty());

    // The minute's budget spent: Discourse says how long is left.
    fake.set_rate_limit(2);
    d.verify().await.unwrap();
    let gone = RemoteRef {
        id: "1".into(),
        url: None,
    };
    d.delete(&gone).await.unwrap();
    match d.delete(&gone).await {
        Err(ChannelError::RateLimited { retry_after }) => {
            assert!(
                (50..=60).contains(&retry_after.as_secs()),
                "{retry_after:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_errors_are_transient_and_the_next_read_recovers() {
    let fake = FakeDiscourse::start().await.unwrap();
    let d = connector(&fake);
    d.verify().await.unwrap();
    let first = pull(&d, None).await;
    let cursor = first.last_cursor().unwrap();
    fake.fail_next(Route::LatestPosts, 1, Fault::Unavailable);
    let mut sink = Collect::default();
    let pulled = d
        .pull(Some(&cursor), &window(Duration::ZERO, 1), &mut sink)
        .await;
    assert!(matches!(pulled, Err(ChannelError::Transient(m)) if m.contains("503")));
    let id = fake.post_topic("alice", "After the outage ended", "Is it working again?", 1);
    assert_eq!(pull(&d, Some(&cursor)).await.ids(), vec![id]);
    let broken = d
        .pull(
            Some(&Cursor("{not json".into())),
            &window(Duration::ZERO, 1),
            &mut sink,
        )
        .await;
    assert!(matches!(broken, Err(ChannelError::Permanent(m)) if m.contains("Discourse cursor")));
}

#[tokio::test]
async fn settings_are_checked_and_verify_names_the_account() {
    let fake = FakeDiscourse::start().await.unwrap();
    let config = ChannelConfig::Discourse {
        base_url: fake.url.clone(),
        categories: vec![1],
        tags: vec![],
    };
    config.validate().unwrap();
    assert_eq!(config.network(), "discourse");
    assert_eq!(config.kind(), ChannelKind::Discourse);
    let json = serde_json::to_value(&config).unwrap();
    assert_eq!(
        serde_json::from_value::<ChannelConfig>(json).unwrap(),
        config
    );
    let c = connect(&config, &creds(&fake)).unwrap();
    let info = c.verify().await.unwrap();
    assert_eq!(info.handle.as_deref(), Some(BRAND));
    assert_eq!(info.max_chars, Some(32_000));
    assert!(connect(&config, &Credentials::None).is_err());
    let hostile = ChannelConfig::Discourse {
        base_url: "http://evil.example".into(),
        categories: vec![],
        tags: vec!["ok".into()],
    };
    assert!(
        matches!(hostile.validate(), Err(ChannelError::Permanent(m)) if m.starts_with("discourse.base_url"))
    );
    let bad_tag = ChannelConfig::Discourse {
        base_url: fake.url.clone(),
        categories: vec![],
        tags: vec!["../admin".into()],
    };
    assert!(
        matches!(bad_tag.validate(), Err(ChannelError::Permanent(m)) if m.starts_with("discourse.tags"))
    );
}

#[tokio::test]
async fn with_a_filter_mentions_and_replies_elsewhere_come_from_notifications_once() {
    let fake = FakeDiscourse::start().await.unwrap();
    let d = Discourse::new(&fake.url, &[7], &[], &creds(&fake)).unwrap();
    let first = pull(&d, None).await;
    assert!(first.ids().is_empty());
    let elsewhere = fake.post_topic(
        "eve",
        "Chatter in another category",
        "Not followed, ignore me.",
        8,
    );
    let mention = fake.post_reply("eve", &elsewhere, "What does @brand think about this?");
    let followed = fake.post_topic(
        "fay",
        "A followed topic here",
        "Hey @brand, a question for you.",
        7,
    );
    let ours = d
        .publish(&reply(
            &key(&d, "k-ours"),
            "We think it is a fine idea.",
            &elsewhere,
        ))
        .await
        .unwrap();
    let ours_ext = fake.post(ours.id.parse().unwrap()).unwrap().external_id();
    let answer = fake.post_reply("eve", &ours_ext, "Thanks for answering so quickly!");
    let got = pull(&d, first.last_cursor().as_ref()).await;
    let mut ids = got.ids();
    ids.sort();
    let mut want = vec![mention, followed, answer];
    want.sort();
    assert_eq!(
        ids, want,
        "the followed category once, the rest from notifications"
    );
    let again = pull(&d, got.last_cursor().as_ref()).await;
    assert!(again.ids().is_empty(), "{:?}", again.ids());
}
