//! The X connector against the fake X API v2 (`tend_fakes::x`), built from
//! X's recorded and documented payloads: X cannot be reached without a paid
//! developer app, so this is a contract test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};
use tend_channels::live::x::{self, X};
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, ReplyTarget, Sink, SinkError, Source, Window,
};
use tend_domain::{ChannelKind, Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::x::{BRAND_ID, FakeX, Fault, Route};

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

fn connector(fake: &FakeX) -> X {
    X::new(
        &fake.url,
        BRAND_ID,
        &fake.token_url(),
        &Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .unwrap()
}

fn post(key: &str, text: &str) -> Outgoing {
    Outgoing {
        key: key.into(),
        text: text.into(),
        reply_to: None,
    }
}

fn reply(key: &str, text: &str, to: &str) -> Outgoing {
    Outgoing {
        key: key.into(),
        text: text.into(),
        reply_to: Some(ReplyTarget {
            external_id: to.into(),
            thread_external_id: None,
            author_external_id: None,
            author_handle: Some("alice".into()),
            title: None,
        }),
    }
}

fn key(x: &X, unique: &str) -> String {
    x.new_key(unique, Timestamp::now())
}

#[tokio::test]
async fn backfill_then_pull_since_the_cursor_loses_and_repeats_nothing() {
    let fake = FakeX::start().await.unwrap();
    let old: Vec<String> = (0..3)
        .map(|i| fake.post_mention_ago("oldtimer", &format!("old {i}"), Duration::from_secs(7200)))
        .collect();
    let recent = fake.seed_mentions(250);
    let x = connector(&fake);

    let mut first = Collect::default();
    let more = x
        .pull(None, &window(Duration::from_secs(3600), 10), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::No);
    assert_eq!(first.ids(), recent, "back to the horizon, oldest first");
    assert!(old.iter().all(|id| !first.ids().contains(id)));
    assert_eq!(first.0.len(), 3, "100 per page");

    let cursor = first.last_cursor().unwrap();
    let new: Vec<String> = (0..3)
        .map(|i| fake.post_mention("alice", &format!("new {i}")))
        .collect();
    let mut second = Collect::default();
    x.pull(Some(&cursor), &window(Duration::ZERO, 10), &mut second)
        .await
        .unwrap();
    assert_eq!(second.ids(), new);

    let mut third = Collect::default();
    x.pull(
        second.last_cursor().as_ref(),
        &window(Duration::ZERO, 10),
        &mut third,
    )
    .await
    .unwrap();
    assert!(third.ids().is_empty(), "{:?}", third.ids());
}

#[tokio::test]
async fn a_read_cut_by_max_pages_continues_from_its_cursor() {
    let fake = FakeX::start().await.unwrap();
    let all = fake.seed_mentions(230);
    let x = connector(&fake);
    let mut first = Collect::default();
    let more = x
        .pull(None, &window(Duration::from_secs(600), 1), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::Yes);
    assert_eq!(first.ids(), all[..100].to_vec(), "the oldest come first");
    let mut rest = Collect::default();
    let more = x
        .pull(
            first.last_cursor().as_ref(),
            &window(Duration::ZERO, 10),
            &mut rest,
        )
        .await
        .unwrap();
    assert_eq!(more, More::No);
    assert_eq!(rest.ids(), all[100..].to_vec());
}

#[tokio::test]
async fn mentions_map_their_author_thread_and_direct_messages_come_too() {
    let fake = FakeX::start().await.unwrap();
    let x = connector(&fake);
    let ours = x
        .publish(&post(&key(&x, "k-root"), "Our launch is today!"))
        .await
        .unwrap();
    let id = fake.post_reply("alice", "Is there a discount & a demo?", &ours.id);
    let dm = fake.send_dm("bob", "my order never came");
    let mut got = Collect::default();
    x.pull(None, &window(Duration::from_secs(60), 5), &mut got)
        .await
        .unwrap();
    let [mention, private] = got.messages()[..] else {
        panic!("{:?}", got.ids())
    };
    assert_eq!(mention.external_id, id);
    assert_eq!(mention.kind, MessageKind::Reply);
    assert_eq!(mention.direction, Direction::Inbound);
    assert_eq!(
        mention.parent_external_id.as_deref(),
        Some(ours.id.as_str())
    );
    assert_eq!(
        mention.thread_external_id.as_deref(),
        Some(ours.id.as_str())
    );
    assert_eq!(mention.text, "@tendbrand Is there a discount & a demo?");
    let author = mention.author.as_ref().unwrap();
    assert_eq!(author.platform, ChannelKind::X);
    assert_eq!(author.handle, "alice");
    assert_eq!(author.display_name.as_deref(), Some("Member alice"));
    assert!(author.external_id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        mention.permalink,
        Some(format!("https://x.com/alice/status/{id}"))
    );
    assert_eq!(private.kind, MessageKind::DirectMessage);
    assert_eq!(private.external_id, format!("dm:{dm}"));
    assert_eq!(private.text, "my order never came");
    assert_eq!(private.author.as_ref().unwrap().handle, "bob");

    // Nothing twice on the next read, DMs included.
    let mut again = Collect::default();
    x.pull(
        got.last_cursor().as_ref(),
        &window(Duration::ZERO, 5),
        &mut again,
    )
    .await
    .unwrap();
    assert!(again.ids().is_empty(), "{:?}", again.ids());
}

#[tokio::test]
async fn an_edit_is_the_same_message_with_its_edit_time() {
    let fake = FakeX::start().await.unwrap();
    let x = connector(&fake);
    let id = fake.post_mention("alice", "teh app is down");
    let mut got = Collect::default();
    x.pull(None, &window(Duration::from_secs(60), 5), &mut got)
        .await
        .unwrap();
    assert!(got.messages()[0].edited_at.is_none());
    fake.edit_tweet(&id, "the app is down").unwrap();
    let mut edited = Collect::default();
    x.pull(
        got.last_cursor().as_ref(),
        &window(Duration::ZERO, 5),
        &mut edited,
    )
    .await
    .unwrap();
    let [m] = edited.messages()[..] else {
        panic!("{:?}", edited.ids())
    };
    assert_eq!(m.external_id, id, "the first version's id");
    assert_eq!(m.text, "@tendbrand the app is down");
    assert!(m.edited_at.is_some());
}

#[tokio::test]
async fn a_reply_lands_under_the_mention_and_can_be_deleted() {
    let fake = FakeX::start().await.unwrap();
    let x = connector(&fake);
    let mention = fake.post_mention("alice", "where is my parcel?");
    let sent = x
        .publish(&reply(
            &key(&x, "k1"),
            "It left today & arrives soon.",
            &mention,
        ))
        .await
        .unwrap();
    let [tweet] = &fake.brand_tweets()[..] else {
        panic!()
    };
    assert_eq!(tweet.id, sent.id);
    assert_eq!(tweet.in_reply_to.as_deref(), Some(mention.as_str()));
    assert_eq!(tweet.text, "@alice It left today & arrives soon.");
    assert_eq!(
        sent.url,
        Some(format!("https://x.com/i/web/status/{}", sent.id))
    );
    x.delete(&sent).await.unwrap();
    assert!(!fake.exists(&sent.id));
    x.delete(&sent).await.unwrap();
    // X refuses the same text twice. Within the lookup's reach the refusal
    // is recognised as the earlier tweet; beyond it (here: an item whose key
    // was made long after) it is a refusal, not a connection problem.
    let twice = post(&key(&x, "k2"), "Same words");
    let first = x.publish(&twice).await.unwrap();
    let same = x
        .publish(&post(&key(&x, "k3"), "Same words"))
        .await
        .unwrap();
    assert_eq!(same.id, first.id);
    let later = x.new_key("k4", Timestamp::now() + SignedDuration::from_hours(1));
    let err = x.publish(&post(&later, "Same words")).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Permanent(m) if m.contains("duplicate")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_post_cut_off_after_it_was_made_is_found_by_lookup_without_a_second_write() {
    let fake = FakeX::start().await.unwrap();
    let x = connector(&fake);
    let mention = fake.post_mention("alice", "hello? https://example.com/a");
    let out = reply(
        &key(&x, "k-cut"),
        "Hi! See https://example.com/help",
        &mention,
    );
    assert_eq!(x.lookup(&out).await.unwrap(), None, "not sent yet");
    fake.fail_next(Route::PostTweet, 1, Fault::CommitThenDrop);
    let err = x.publish(&out).await.unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err:?}");
    let found: Option<RemoteRef> = x.lookup(&out).await.unwrap();
    let found = found.expect("the tweet X made is found");
    assert_eq!(fake.tweet_posts(), 1, "settled without posting again");
    assert_eq!(fake.brand_tweets()[0].id, found.id);
    // A blind retry would be refused as duplicate content: it is recognised
    // as this item's tweet, not a failure (and still only one exists).
    let again = x.publish(&out).await.unwrap();
    assert_eq!(again.id, found.id);
    assert_eq!(fake.brand_tweets().len(), 1);
    // Another parent or another text is not taken for it.
    let other = reply(&key(&x, "k-other"), "Hi! See https://example.com/help", "1");
    assert_eq!(x.lookup(&other).await.unwrap(), None);
}

#[tokio::test]
async fn failures_map_to_what_the_runner_must_do() {
    let fake = FakeX::start().await.unwrap();
    let x = connector(&fake);
    fake.fail_next(Route::Mentions, 1, Fault::Unavailable);
    let err = x
        .pull(
            None,
            &window(Duration::from_secs(60), 1),
            &mut Collect::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err:?}");

    fake.fail_next(
        Route::PostTweet,
        1,
        Fault::RateLimited { reset_in_secs: 420 },
    );
    let err = x.publish(&post(&key(&x, "k"), "hi")).await.unwrap_err();
    let ChannelError::RateLimited { retry_after } = err else {
        panic!("{err:?}")
    };
    assert!(
        (415..=421).contains(&retry_after.as_secs()),
        "{retry_after:?}"
    );

    // The window itself: spent after 2 reads, reopening in 15 minutes.
    fake.set_rate_limit(2);
    for _ in 0..2 {
        x.pull(
            None,
            &window(Duration::from_secs(60), 1),
            &mut Collect::default(),
        )
        .await
        .unwrap();
    }
    let err = x
        .pull(
            None,
            &window(Duration::from_secs(60), 1),
            &mut Collect::default(),
        )
        .await
        .unwrap_err();
    let ChannelError::RateLimited { retry_after } = err else {
        panic!("{err:?}")
    };
    assert!(
        (890..=900).contains(&retry_after.as_secs()),
        "{retry_after:?}"
    );

    let stranger = X::new(
        &fake.url,
        BRAND_ID,
        &fake.token_url(),
        &Credentials::Token {
            token: "not-a-token".into(),
        },
    )
    .unwrap();
    assert!(matches!(
        stranger.verify().await,
        Err(ChannelError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_new_tokens_are_handed_back() {
    let fake = FakeX::start().await.unwrap();
    let (access, refresh) = fake.oauth_tokens();
    let creds = Credentials::OAuth {
        access_token: access,
        refresh_token: Some(refresh.clone()),
        expires_at: Some(Timestamp::now() + SignedDuration::from_hours(1)),
        client_id: fake.client_id.clone(),
        client_secret: None,
    };
    let x = X::new(&fake.url, BRAND_ID, &fake.token_url(), &creds).unwrap();
    assert!(x.refreshed().is_none());
    fake.expire_oauth_tokens();
    let info = x.verify().await.unwrap();
    assert_eq!(info.handle.as_deref(), Some("tendbrand"));
    assert_eq!(info.max_chars, Some(280));
    let Some(Credentials::OAuth {
        refresh_token: Some(new_refresh),
        ..
    }) = x.refreshed()
    else {
        panic!("refreshed credentials")
    };
    assert_ne!(new_refresh, refresh, "X rotates the refresh token");
    // The old refresh token is spent: a connector still holding it must reconnect.
    let stale = X::new(&fake.url, BRAND_ID, &fake.token_url(), &creds).unwrap();
    fake.expire_oauth_tokens();
    assert!(matches!(
        stale.verify().await,
        Err(ChannelError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn the_wrong_account_is_refused_naming_the_setting() {
    let fake = FakeX::start().await.unwrap();
    let x = X::new(
        &fake.url,
        "12345",
        &fake.token_url(),
        &Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .unwrap();
    let err = x.verify().await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Permanent(m) if m.starts_with("x.user_id")),
        "{err:?}"
    );
}

#[test]
fn settings_refuse_hostile_values_naming_the_setting() {
    let ok: ChannelConfig =
        serde_json::from_value(serde_json::json!({"network": "x", "user_id": "2244994945"}))
            .unwrap();
    ok.validate().unwrap();
    assert_eq!(ok.kind(), ChannelKind::X);
    let bad = [
        (
            "x.user_id",
            serde_json::json!({"network": "x", "user_id": "@brand"}),
        ),
        (
            "x.api_base",
            serde_json::json!({"network": "x", "user_id": "1", "api_base": "http://evil.example"}),
        ),
        (
            "x.token_url",
            serde_json::json!({"network": "x", "user_id": "1", "token_url": "file:///etc/passwd"}),
        ),
    ];
    for (name, json) in bad {
        let c: ChannelConfig = serde_json::from_value(json).unwrap();
        assert!(
            matches!(c.validate(), Err(ChannelError::Permanent(m)) if m.starts_with(name)),
            "{c:?}"
        );
    }
    assert!(x::cost_warning("read https://example.com").is_some());
    assert!(x::cost_warning("plain words").is_none());
}

mod fuzzing {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(body in ".{0,400}") {
            tend_channels::live::x::fuzz_x(body.as_bytes());
        }
    }
}
