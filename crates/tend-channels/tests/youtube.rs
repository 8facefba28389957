//! The YouTube connector against the fake YouTube Data API
//! (`tend_fakes::youtube`): Google's API cannot be reached offline, so the
//! fake plays it with YouTube's rules (OAuth, quota units, paging), built
//! from recorded payloads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};
use tend_channels::live::moderate::{Moderate, Moderation};
use tend_channels::live::youtube::{self, Youtube};
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, Outgoing, Page, Publisher,
    RemoteRef, ReplyTarget, Sink, SinkError, Source, Window, connect,
};
use tend_domain::{Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::youtube::{CHANNEL, FakeYoutube, Fault, Route};

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

    fn get(&self, id: &str) -> &IncomingMessage {
        self.messages()
            .into_iter()
            .find(|m| m.external_id == id)
            .unwrap_or_else(|| panic!("{id} not read"))
    }
}

fn window(back: Duration) -> Window {
    Window {
        backfill_from: Timestamp::now() - SignedDuration::try_from(back).unwrap(),
        until: Instant::now(),
        max_pages: 20,
    }
}

fn connector_with(fake: &FakeYoutube, credentials: &Credentials) -> Youtube {
    Youtube::new(CHANNEL, Some(&fake.url), Some(&fake.token_url), credentials).unwrap()
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

#[tokio::test]
async fn backfill_then_pull_since_the_cursor_loses_and_repeats_nothing() {
    let fake = FakeYoutube::start().await.unwrap();
    let old: Vec<String> = (0..3)
        .map(|i| fake.thread_ago("oldtimer", &format!("old {i}"), Duration::from_secs(7200)))
        .collect();
    let recent = fake.seed_threads(150);
    let elsewhere = fake.thread_elsewhere("stranger", "not on the brand's videos");
    let y = connector_with(&fake, &fake.oauth());

    let mut first = Collect::default();
    y.pull(None, &window(Duration::from_secs(3600)), &mut first)
        .await
        .unwrap();
    assert_eq!(first.ids(), recent, "back to the horizon, oldest first");
    assert!(
        old.iter()
            .chain([&elsewhere])
            .all(|id| !first.ids().contains(id))
    );

    let cursor = first.last_cursor().unwrap();
    let new: Vec<String> = (0..3)
        .map(|i| fake.thread("alice", &format!("new {i}")))
        .collect();
    let answer = fake.reply("bob", &recent[149], "me too");
    let mut second = Collect::default();
    y.pull(Some(&cursor), &window(Duration::ZERO), &mut second)
        .await
        .unwrap();
    let mut got = second.ids();
    got.sort();
    let mut want = new.clone();
    want.push(answer);
    want.sort();
    assert_eq!(
        got, want,
        "new threads and a new reply on a watched one, once"
    );

    let mut third = Collect::default();
    y.pull(
        second.last_cursor().as_ref(),
        &window(Duration::ZERO),
        &mut third,
    )
    .await
    .unwrap();
    assert!(third.ids().is_empty(), "{:?}", third.ids());
}

#[tokio::test]
async fn threads_map_with_their_replies_even_beyond_what_a_thread_carries() {
    let fake = FakeYoutube::start().await.unwrap();
    let top = fake.thread("alice", "When is part two?");
    let replies: Vec<String> = (0..7)
        .map(|i| fake.reply("bob", &top, &format!("+{i}")))
        .collect();
    let y = connector_with(&fake, &fake.oauth());
    let mine = y
        .publish(&reply(
            &y.new_key("k", Timestamp::now()),
            "Next week!",
            &top,
        ))
        .await
        .unwrap();
    let mut read = Collect::default();
    y.pull(None, &window(Duration::from_secs(600)), &mut read)
        .await
        .unwrap();
    let t = read.get(&top);
    assert_eq!(t.kind, MessageKind::Comment);
    assert_eq!(t.parent_external_id, None);
    assert_eq!(t.engagement.replies, 8);
    assert!(
        t.permalink
            .as_deref()
            .unwrap()
            .contains(&format!("lc={top}"))
    );
    let a = t.author.as_ref().unwrap();
    assert_eq!(
        (a.handle.as_str(), a.display_name.as_deref()),
        ("@alice", None)
    );
    for r in &replies {
        let m = read.get(r);
        assert_eq!(m.kind, MessageKind::Reply);
        assert_eq!(m.parent_external_id.as_deref(), Some(top.as_str()));
        assert_eq!(m.thread_external_id.as_deref(), Some(top.as_str()));
    }
    let own = read.get(&mine.id);
    assert_eq!(
        (own.kind, own.direction),
        (MessageKind::Post, Direction::Outbound)
    );
}

#[tokio::test]
async fn replies_land_in_the_thread_and_deletes_stick_but_nothing_is_published() {
    let fake = FakeYoutube::start().await.unwrap();
    let top = fake.thread("alice", "Question");
    let theirs = fake.reply("bob", &top, "same question");
    let y = connector_with(&fake, &fake.oauth());
    let sent = y
        .publish(&reply(
            &y.new_key("k1", Timestamp::now()),
            "Answer",
            &theirs,
        ))
        .await
        .unwrap();
    let c = fake.comment(&sent.id).unwrap();
    assert_eq!(
        c.parent.as_deref(),
        Some(top.as_str()),
        "a reply to a reply goes to its thread"
    );
    assert_eq!((c.author.as_str(), c.text.as_str()), (CHANNEL, "Answer"));

    let err = y
        .publish(&Outgoing {
            key: "k2@1".into(),
            text: "A new video!".into(),
            reply_to: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Permanent(m) if m.contains("does not publish")),
        "{err}"
    );

    y.delete(&sent).await.unwrap();
    assert!(fake.comment(&sent.id).unwrap().deleted);
    y.delete(&sent).await.unwrap();
    assert!(fake.brand_replies().is_empty());
}

#[tokio::test]
async fn commit_then_drop_is_unknown_until_lookup_settles_it_without_a_second_write() {
    let fake = FakeYoutube::start().await.unwrap();
    let top = fake.thread("alice", "Question");
    let other = fake.thread("carol", "Other question");
    let y = connector_with(&fake, &fake.oauth());
    y.publish(&reply(
        &y.new_key("noise", Timestamp::now()),
        "Thanks!",
        &other,
    ))
    .await
    .unwrap();
    fake.reply("bob", &top, "Thanks!");
    let out = reply(&y.new_key("tend-1-1", Timestamp::now()), "Thanks!", &top);
    fake.fail_next(Route::Insert, 1, Fault::CommitThenDrop);
    let err = y.publish(&out).await.unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err}");
    let inserts = fake.inserts();
    let found = y.lookup(&out).await.unwrap().expect("the reply was made");
    let c = fake.comment(&found.id).unwrap();
    assert_eq!(
        (c.author.as_str(), c.parent.as_deref()),
        (CHANNEL, Some(top.as_str()))
    );
    assert_eq!(fake.inserts(), inserts, "lookup writes nothing");
    let never = reply(&y.new_key("never", Timestamp::now()), "Never sent", &top);
    assert_eq!(y.lookup(&never).await.unwrap(), None);
    let late = reply(
        &y.new_key("late", Timestamp::now() + SignedDuration::from_hours(1)),
        "Thanks!",
        &top,
    );
    assert_eq!(
        y.lookup(&late).await.unwrap(),
        None,
        "only after the attempt"
    );
}

#[tokio::test]
async fn units_are_counted_and_quota_exceeded_waits_for_the_pacific_midnight() {
    let fake = FakeYoutube::start().await.unwrap();
    let top = fake.thread("alice", "Question");
    let y = connector_with(&fake, &fake.oauth());
    y.verify().await.unwrap();
    y.pull(
        None,
        &window(Duration::from_secs(600)),
        &mut Collect::default(),
    )
    .await
    .unwrap();
    y.publish(&reply(&y.new_key("k", Timestamp::now()), "Hi", &top))
        .await
        .unwrap();
    assert_eq!(
        y.quota().used,
        fake.quota_used(),
        "the connector's count is YouTube's"
    );
    assert_eq!(y.quota().used, 1 + 1 + 50);
    assert_eq!(y.quota().day, youtube::pacific_day(Timestamp::now()));
    // The runtime builds the connector again after every token refresh:
    // the day's count stays.
    let rebuilt = connector_with(&fake, &fake.oauth());
    assert_eq!(rebuilt.quota().used, 52);

    fake.set_quota(40);
    let err = y
        .publish(&reply(&y.new_key("k2", Timestamp::now()), "Again", &top))
        .await
        .unwrap_err();
    let ChannelError::RateLimited { retry_after } = err else {
        panic!("{err}")
    };
    let midnight = youtube::next_pacific_midnight(Timestamp::now());
    let expected = (midnight.as_second() - Timestamp::now().as_second()).unsigned_abs();
    assert!(
        retry_after.as_secs().abs_diff(expected) <= 2,
        "{retry_after:?} vs {expected}"
    );
    assert!(y.quota().exhausted_until.is_some());
    let used = fake.quota_used();
    let again = y.verify().await.unwrap_err();
    assert!(matches!(again, ChannelError::RateLimited { .. }), "{again}");
    assert_eq!(fake.quota_used(), used, "nothing is sent until the reset");
}

#[tokio::test]
async fn rate_limits_server_errors_and_refused_credentials_map_to_what_the_runner_must_do() {
    let fake = FakeYoutube::start().await.unwrap();
    let y = connector_with(&fake, &fake.oauth());
    fake.fail_next(
        Route::Channels,
        1,
        Fault::RateLimited {
            retry_after_secs: 4,
        },
    );
    assert_eq!(
        y.verify().await.unwrap_err(),
        ChannelError::RateLimited {
            retry_after: Duration::from_secs(4)
        }
    );
    fake.fail_next(Route::Threads, 1, Fault::Unavailable);
    let err = y
        .pull(None, &window(Duration::ZERO), &mut Collect::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Transient(m) if m.contains("backendError")),
        "{err}"
    );

    let no_refresh = Credentials::OAuth {
        access_token: "ya29.wrong".into(),
        refresh_token: None,
        expires_at: None,
        client_id: fake.client_id.clone(),
        client_secret: Some(fake.client_secret.clone()),
    };
    let err = connector_with(&fake, &no_refresh)
        .verify()
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Unauthorized(_)), "{err}");
    let wrong_key = Credentials::Token {
        token: "AIzaWrongKey".into(),
    };
    let err = connector_with(&fake, &wrong_key)
        .verify()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Unauthorized(m) if m.contains("keyInvalid")),
        "{err}"
    );
    let revoked = fake.oauth();
    fake.revoke_refresh_tokens();
    fake.expire_tokens();
    let err = connector_with(&fake, &revoked).verify().await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Unauthorized(m) if m.contains("invalid_grant")),
        "{err}"
    );
}

#[tokio::test]
async fn expired_tokens_are_refreshed_and_reported_and_a_key_only_reads() {
    let fake = FakeYoutube::start().await.unwrap();
    let creds = fake.oauth();
    let y = connector_with(&fake, &creds);
    assert_eq!(y.verify().await.unwrap().handle.as_deref(), Some("@brand"));
    assert_eq!(y.refreshed(), None);
    fake.expire_tokens();
    y.verify().await.unwrap();
    let Some(Credentials::OAuth {
        access_token,
        refresh_token,
        ..
    }) = y.refreshed()
    else {
        panic!("the refreshed tokens are reported")
    };
    let Credentials::OAuth {
        access_token: old,
        refresh_token: old_refresh,
        ..
    } = creds
    else {
        unreachable!()
    };
    assert_ne!(access_token, old);
    assert_eq!(refresh_token, old_refresh, "Google keeps the refresh token");

    fake.set_token_lifetime(Duration::from_secs(30));
    let s = connector_with(&fake, &fake.oauth());
    s.verify().await.unwrap();
    assert!(s.refreshed().is_some(), "refreshed before it expires");

    let top = fake.thread("alice", "Question");
    let k = connector_with(&fake, &fake.key());
    k.verify().await.unwrap();
    let mut read = Collect::default();
    k.pull(None, &window(Duration::from_secs(60)), &mut read)
        .await
        .unwrap();
    assert_eq!(read.ids(), vec![top.clone()]);
    let err = k.publish(&reply("k@1", "hi", &top)).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Permanent(m) if m.contains("API key")),
        "{err}"
    );
}

#[tokio::test]
async fn edits_deletions_and_held_comments_are_reflected() {
    let fake = FakeYoutube::start().await.unwrap();
    let a = fake.thread("alice", "first version");
    let b = fake.thread("bob", "to be deleted");
    let c = fake.thread("carol", "to be held");
    let r = fake.reply("dave", &a, "a reply, first version");
    let gone = fake.reply("erin", &a, "a reply to be deleted");
    let y = connector_with(&fake, &fake.oauth());
    let mut first = Collect::default();
    y.pull(None, &window(Duration::from_secs(600)), &mut first)
        .await
        .unwrap();
    assert_eq!(first.ids().len(), 5);

    fake.edit(&a, "second version");
    fake.edit(&r, "a reply, second version");
    fake.delete(&b);
    fake.delete(&gone);
    y.moderate(&c, Moderation::Hold).await.unwrap();
    let mut second = Collect::default();
    y.pull(
        first.last_cursor().as_ref(),
        &window(Duration::ZERO),
        &mut second,
    )
    .await
    .unwrap();
    let edited = second.get(&a);
    assert_eq!(edited.text, "second version");
    assert!(edited.edited_at.is_some());
    assert_eq!(second.get(&r).text, "a reply, second version");
    let mut deleted = second.deleted();
    deleted.sort();
    let mut want = vec![b, c, gone];
    want.sort();
    assert_eq!(deleted, want);

    let mut third = Collect::default();
    y.pull(
        second.last_cursor().as_ref(),
        &window(Duration::ZERO),
        &mut third,
    )
    .await
    .unwrap();
    assert!(third.ids().is_empty() && third.deleted().is_empty());
}

#[tokio::test]
async fn moderation_works_on_the_channel_and_is_refused_elsewhere() {
    let fake = FakeYoutube::start().await.unwrap();
    let top = fake.thread("spammer", "Buy now");
    let foreign = fake.thread_elsewhere("someone", "Not the brand's video");
    let y = connector_with(&fake, &fake.oauth());
    assert_eq!(y.actions().len(), 4);
    y.moderate(&top, Moderation::Hold).await.unwrap();
    assert_eq!(fake.comment(&top).unwrap().status, "heldForReview");
    y.moderate(&top, Moderation::Approve).await.unwrap();
    assert_eq!(fake.comment(&top).unwrap().status, "published");
    y.moderate(&top, Moderation::Remove).await.unwrap();
    assert_eq!(fake.comment(&top).unwrap().status, "rejected");
    let used = y.quota().used;
    assert_eq!(used, 150, "50 units each");

    let err = y.moderate(&foreign, Moderation::Remove).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Permanent(m) if m.contains("forbidden")),
        "{err}"
    );
    let err = y.moderate(&top, Moderation::Delete).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Permanent(m) if m.contains("forbidden")),
        "{err}"
    );
    let err = y.moderate(&top, Moderation::Lock).await.unwrap_err();
    assert!(matches!(err, ChannelError::Permanent(_)));
}

#[tokio::test]
async fn connect_builds_the_connector_from_the_settings() {
    let fake = FakeYoutube::start().await.unwrap();
    let config = ChannelConfig::Youtube {
        channel_id: CHANNEL.into(),
        api: Some(fake.url.clone()),
        token_url: Some(fake.token_url.clone()),
    };
    config.validate().unwrap();
    let c = connect(&config, &fake.oauth()).unwrap();
    assert_eq!(c.verify().await.unwrap().handle.as_deref(), Some("@brand"));
    assert!(connect(&config, &Credentials::None).is_err());
    let other = ChannelConfig::Youtube {
        channel_id: "UC_x5XG1OV2P6uZZ5FSM9Ttw".into(),
        api: Some(fake.url.clone()),
        token_url: None,
    };
    let err = connect(&other, &fake.oauth())
        .unwrap()
        .verify()
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Permanent(_)), "{err}");
    let _: Option<RemoteRef> = None;
}

#[tokio::test]
async fn a_hostile_cursor_is_refused_naming_it() {
    let fake = FakeYoutube::start().await.unwrap();
    let y = connector_with(&fake, &fake.oauth());
    for bad in [
        r#"{"threads":[{"id":"a&key=x","replies":0,"updated":"","last_reply":""}]}"#,
        r#"{"replies":[["a,b/c",""]]}"#,
        "not json",
    ] {
        let err = y
            .pull(
                Some(&Cursor(bad.into())),
                &window(Duration::ZERO),
                &mut Collect::default(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ChannelError::Permanent(m) if m.contains("cursor")),
            "{bad}: {err}"
        );
    }
}
