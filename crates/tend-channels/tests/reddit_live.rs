//! The Reddit connector against the fake Reddit (`tend_fakes::reddit`):
//! Reddit's API cannot be reached offline, so the fake plays it with
//! Reddit's rules, built from recorded payloads. (`tests/reddit.rs` is the
//! Reddit importer's.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};
use tend_channels::live::moderate::{Moderate, Moderation};
use tend_channels::live::reddit::Reddit;
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, Outgoing, Page, Publisher,
    RemoteRef, ReplyTarget, Sink, SinkError, Source, Window, connect,
};
use tend_domain::{Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::reddit::{BRAND, FakeReddit, Fault, MODERATED, Route};

const SUB: &str = "tendtest";
const AGENT: &str = "linux:tend-tests:0.1 (by /u/tend_brand)";

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

fn window(back: Duration, max_pages: usize) -> Window {
    Window {
        backfill_from: Timestamp::now() - SignedDuration::try_from(back).unwrap(),
        until: Instant::now(),
        max_pages,
    }
}

fn connector_with(fake: &FakeReddit, credentials: &Credentials, subs: &[&str]) -> Reddit {
    let subs: Vec<String> = subs.iter().map(|s| s.to_string()).collect();
    Reddit::new(
        &subs,
        Some(AGENT),
        Some(&fake.url),
        Some(&fake.token_url),
        credentials,
    )
    .unwrap()
}

fn connector(fake: &FakeReddit) -> Reddit {
    connector_with(fake, &fake.login(), &[SUB, MODERATED])
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
    let fake = FakeReddit::start().await.unwrap();
    let post = fake.submission("op", SUB, "Old thread", "From long ago");
    let old: Vec<String> = (0..3)
        .map(|i| {
            fake.comment_ago(
                "oldtimer",
                &post,
                &format!("old {i}"),
                Duration::from_secs(7200),
            )
        })
        .collect();
    let recent = fake.seed_comments(SUB, 150);
    let mention = fake.mention("carol", "elsewhere", "is the export broken?");
    let dm = fake.message("dave", "Billing", "I was charged twice");
    let r = connector(&fake);

    let mut first = Collect::default();
    r.pull(None, &window(Duration::from_secs(3600), 20), &mut first)
        .await
        .unwrap();
    let ids = first.ids();
    for id in recent.iter().chain([&mention, &dm]) {
        assert_eq!(ids.iter().filter(|i| *i == id).count(), 1, "{id} read once");
    }
    assert!(
        old.iter().all(|id| !ids.contains(id)),
        "older than the horizon"
    );
    let positions: Vec<usize> = recent
        .iter()
        .map(|id| ids.iter().position(|i| i == id).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "oldest first");

    let cursor = first.last_cursor().unwrap();
    let new: Vec<String> = (0..3)
        .map(|i| fake.comment("alice", &recent[0], &format!("new {i}")))
        .collect();
    let dm2 = fake.message("dave", "re: Billing", "still charged twice");
    let mut second = Collect::default();
    r.pull(Some(&cursor), &window(Duration::ZERO, 20), &mut second)
        .await
        .unwrap();
    let mut got = second.ids();
    got.sort();
    let mut want = new.clone();
    want.push(dm2);
    want.sort();
    assert_eq!(got, want, "exactly what is new, once");

    let mut third = Collect::default();
    r.pull(
        Some(&second.last_cursor().unwrap()),
        &window(Duration::ZERO, 20),
        &mut third,
    )
    .await
    .unwrap();
    assert!(third.ids().is_empty(), "{:?}", third.ids());
}

#[tokio::test]
async fn an_empty_channel_reads_what_comes_later_though_nothing_was_backfilled() {
    let fake = FakeReddit::start().await.unwrap();
    let r = connector(&fake);
    let mut first = Collect::default();
    r.pull(None, &window(Duration::ZERO, 20), &mut first)
        .await
        .unwrap();
    assert!(first.ids().is_empty());
    let post = fake.submission("op", SUB, "Hello", "First!");
    let mut second = Collect::default();
    r.pull(
        first.last_cursor().as_ref(),
        &window(Duration::ZERO, 20),
        &mut second,
    )
    .await
    .unwrap();
    assert_eq!(second.ids(), vec![post]);
}

#[tokio::test]
async fn items_map_threads_authors_and_kinds_as_reddit_shows_them() {
    let fake = FakeReddit::start().await.unwrap();
    let post = fake.submission("op", SUB, "How to export?", "Where is the button");
    let top = fake.comment("alice", &post, "Settings, then Export");
    let nested = fake.comment("bob", &top, "Thanks!");
    let mention = fake.mention("carol", "elsewhere", "does it do CSV?");
    let dm = fake.message("dave", "Billing", "I was charged twice");
    let r = connector(&fake);
    let mut read = Collect::default();
    r.pull(None, &window(Duration::from_secs(600), 20), &mut read)
        .await
        .unwrap();

    let p = read.get(&post);
    assert_eq!(p.kind, MessageKind::ForumPost);
    assert_eq!(p.title.as_deref(), Some("How to export?"));
    let c = read.get(&top);
    assert_eq!(c.kind, MessageKind::Comment);
    assert_eq!(c.thread_external_id.as_deref(), Some(post.as_str()));
    assert_eq!(c.parent_external_id.as_deref(), Some(post.as_str()));
    let author = c.author.as_ref().unwrap();
    assert_eq!(
        (author.handle.as_str(), author.display_name.as_deref()),
        ("alice", None)
    );
    let n = read.get(&nested);
    assert_eq!(n.kind, MessageKind::Reply);
    assert_eq!(n.thread_external_id.as_deref(), Some(post.as_str()));
    assert_eq!(n.parent_external_id.as_deref(), Some(top.as_str()));
    assert!(
        n.permalink
            .as_deref()
            .unwrap()
            .starts_with("https://www.reddit.com/r/tendtest/comments/")
    );
    let m = read.get(&mention);
    assert_eq!(m.kind, MessageKind::Mention);
    assert!(
        m.thread_external_id.as_deref().unwrap().starts_with("t3_"),
        "from the context link"
    );
    let d = read.get(&dm);
    assert_eq!(d.kind, MessageKind::DirectMessage);
    assert_eq!(d.title.as_deref(), Some("Billing"));
    assert_eq!(d.direction, Direction::Inbound);
}

#[tokio::test]
async fn replies_land_in_the_thread_posts_go_to_the_first_subreddit_and_deletes_stick() {
    let fake = FakeReddit::start().await.unwrap();
    let post = fake.submission("op", SUB, "Question", "Is it down?");
    let comment = fake.comment("alice", &post, "Same here");
    let r = connector(&fake);

    let sent = r
        .publish(&reply(
            &r.new_key("k1", Timestamp::now()),
            "We are on it.",
            &comment,
        ))
        .await
        .unwrap();
    let mine = fake.thing(&sent.id).unwrap();
    assert_eq!(mine.author, BRAND);
    assert_eq!(mine.parent.as_deref(), Some(comment.as_str()));
    assert_eq!(mine.body, "We are on it.");
    assert!(
        sent.url
            .as_deref()
            .unwrap()
            .contains("/r/tendtest/comments/")
    );

    let dm = fake.message("dave", "Billing", "Charged twice");
    let answer = r
        .publish(&reply(&r.new_key("k2", Timestamp::now()), "Refunded.", &dm))
        .await
        .unwrap();
    assert!(
        answer.id.starts_with("t4_"),
        "an answer to a message is a message"
    );

    let published = r
        .publish(&Outgoing {
            key: r.new_key("k3", Timestamp::now()),
            text: "Release 2.0\n\nAll the news.".into(),
            reply_to: None,
        })
        .await
        .unwrap();
    let t = fake.thing(&published.id).unwrap();
    assert_eq!(
        (t.subreddit.as_str(), t.title.as_str(), t.body.as_str()),
        (SUB, "Release 2.0", "All the news.")
    );

    r.delete(&sent).await.unwrap();
    assert!(fake.thing(&sent.id).unwrap().deleted);
    r.delete(&sent).await.unwrap();
    assert!(fake.brand_comments().is_empty());
}

#[tokio::test]
async fn commit_then_drop_is_unknown_until_lookup_settles_it_without_a_second_write() {
    let fake = FakeReddit::start().await.unwrap();
    let post = fake.submission("op", SUB, "Question", "Is it down?");
    let parents: Vec<String> = (0..3)
        .map(|i| fake.comment("alice", &post, &format!("q{i}")))
        .collect();
    let r = connector(&fake);
    // Noise: the same text on another parent, and older replies.
    for p in &parents[1..] {
        r.publish(&reply(
            &r.new_key("noise", Timestamp::now()),
            "Thanks, fixed.",
            p,
        ))
        .await
        .unwrap();
    }
    let key = r.new_key("tend-1-1-abc", Timestamp::now());
    fake.fail_next(Route::Comment, 1, Fault::CommitThenDrop);
    let out = reply(&key, "Thanks, fixed.", &parents[0]);
    let err = r.publish(&out).await.unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err}");
    let posts = fake.comment_posts();
    let found = r.lookup(&out).await.unwrap().expect("the comment was made");
    assert_eq!(
        fake.thing(&found.id).unwrap().parent.as_deref(),
        Some(parents[0].as_str())
    );
    assert_eq!(fake.comment_posts(), posts, "lookup writes nothing");

    let never = reply(
        &r.new_key("never", Timestamp::now()),
        "Never sent",
        &parents[0],
    );
    assert_eq!(r.lookup(&never).await.unwrap(), None);
    // A comment from before the attempt does not count.
    let late = reply(
        &r.new_key("late", Timestamp::now() + SignedDuration::from_hours(1)),
        "Thanks, fixed.",
        &parents[1],
    );
    assert_eq!(r.lookup(&late).await.unwrap(), None);
}

#[tokio::test]
async fn the_budget_in_the_headers_is_kept_and_429_waits_as_told() {
    let fake = FakeReddit::start().await.unwrap();
    let r = connector(&fake);
    r.verify().await.unwrap();
    fake.set_rate_limit(3);
    let mut read = Collect::default();
    let err = r
        .pull(None, &window(Duration::from_secs(60), 20), &mut read)
        .await
        .unwrap_err();
    let ChannelError::RateLimited { retry_after } = err else {
        panic!("{err}")
    };
    assert!(
        (590..=600).contains(&retry_after.as_secs()),
        "{retry_after:?}"
    );
    let asked = fake.user_agents().len();
    r.verify().await.unwrap();
    let again = r
        .publish(&reply("k@1", "hello", "t1_abc"))
        .await
        .unwrap_err();
    assert!(matches!(again, ChannelError::RateLimited { .. }), "{again}");
    assert_eq!(
        fake.user_agents().len(),
        asked,
        "nothing left while the budget is spent"
    );

    let fake = FakeReddit::start().await.unwrap();
    let r = connector(&fake);
    fake.fail_next(
        Route::Me,
        1,
        Fault::RateLimited {
            retry_after_secs: 4,
        },
    );
    assert_eq!(
        r.verify().await.unwrap_err(),
        ChannelError::RateLimited {
            retry_after: Duration::from_secs(4)
        }
    );
}

#[tokio::test]
async fn server_errors_are_transient_and_refused_credentials_unauthorized() {
    let fake = FakeReddit::start().await.unwrap();
    let r = connector(&fake);
    fake.fail_next(Route::Listing, 1, Fault::Unavailable);
    r.verify().await.unwrap();
    let mut read = Collect::default();
    let err = r
        .pull(None, &window(Duration::ZERO, 5), &mut read)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Transient(m) if m.contains("503")),
        "{err}"
    );

    let wrong_password = Credentials::ClientLogin {
        client_id: fake.client_id.clone(),
        client_secret: fake.client_secret.clone(),
        username: BRAND.into(),
        password: "wrong".into(),
    };
    let wrong_client = Credentials::ClientLogin {
        client_id: "other".into(),
        client_secret: "x".into(),
        username: BRAND.into(),
        password: fake.password.clone(),
    };
    let bad_token = Credentials::Token {
        token: "not-a-token".into(),
    };
    for creds in [wrong_password, wrong_client, bad_token] {
        let err = connector_with(&fake, &creds, &[SUB])
            .verify()
            .await
            .unwrap_err();
        assert!(matches!(err, ChannelError::Unauthorized(_)), "{err}");
    }
    let mut bad_refresh = fake.oauth();
    if let Credentials::OAuth {
        refresh_token,
        access_token,
        ..
    } = &mut bad_refresh
    {
        *refresh_token = Some("revoked".into());
        *access_token = "expired".into();
    }
    let err = connector_with(&fake, &bad_refresh, &[SUB])
        .verify()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Unauthorized(m) if m.contains("token endpoint")),
        "{err}"
    );
}

#[tokio::test]
async fn expired_tokens_are_renewed_and_oauth_refreshes_are_reported() {
    let fake = FakeReddit::start().await.unwrap();
    let r = connector(&fake);
    r.verify().await.unwrap();
    assert_eq!(fake.tokens_issued(), 1);
    fake.expire_tokens();
    let mut read = Collect::default();
    r.pull(None, &window(Duration::ZERO, 5), &mut read)
        .await
        .unwrap();
    assert_eq!(fake.tokens_issued(), 2, "one new login after the 401");
    assert_eq!(r.refreshed(), None, "a script app's login is not re-sealed");

    let creds = fake.oauth();
    let o = connector_with(&fake, &creds, &[SUB]);
    o.verify().await.unwrap();
    assert_eq!(o.refreshed(), None);
    fake.expire_tokens();
    o.pull(None, &window(Duration::ZERO, 5), &mut Collect::default())
        .await
        .unwrap();
    let Some(Credentials::OAuth {
        access_token,
        refresh_token,
        ..
    }) = o.refreshed()
    else {
        panic!("refreshed tokens are reported")
    };
    let Credentials::OAuth {
        access_token: old_access,
        refresh_token: old_refresh,
        ..
    } = creds
    else {
        unreachable!()
    };
    assert_ne!(access_token, old_access);
    assert_eq!(refresh_token, old_refresh);

    // A token about to expire is refreshed before it is used.
    fake.set_token_lifetime(Duration::from_secs(30));
    let soon = fake.oauth();
    let s = connector_with(&fake, &soon, &[SUB]);
    let issued = fake.tokens_issued();
    s.verify().await.unwrap();
    assert_eq!(fake.tokens_issued(), issued + 1);
    assert!(s.refreshed().is_some());
}

#[tokio::test]
async fn edits_and_deletions_are_reflected_and_a_deleted_cursor_does_not_stall_reading() {
    let fake = FakeReddit::start().await.unwrap();
    let post = fake.submission("op", MODERATED, "Thread", "Body");
    let a = fake.comment("alice", &post, "first version");
    let b = fake.comment("bob", &post, "to be deleted");
    let c = fake.comment("carol", &post, "removed by a mod");
    let newest = fake.comment("erin", &post, "the newest");
    let r = connector(&fake);
    let mut first = Collect::default();
    r.pull(None, &window(Duration::from_secs(600), 20), &mut first)
        .await
        .unwrap();
    assert!(first.get(&a).edited_at.is_none());

    fake.edit(&a, "second version");
    fake.delete(&b);
    r.moderate(&c, Moderation::Remove).await.unwrap();
    fake.delete(&newest);
    let mut second = Collect::default();
    r.pull(
        first.last_cursor().as_ref(),
        &window(Duration::ZERO, 20),
        &mut second,
    )
    .await
    .unwrap();
    let edited = second.get(&a);
    assert_eq!(edited.text, "second version");
    assert!(edited.edited_at.is_some());
    let mut deleted = second.deleted();
    deleted.sort();
    let mut want = vec![b.clone(), c.clone(), newest.clone()];
    want.sort();
    assert_eq!(deleted, want);

    // The cursor's comment is gone: Reddit answers nothing after it, the
    // connector reads down from the top to its time instead.
    let later = fake.comment("frank", &post, "after the deletion");
    let mut third = Collect::default();
    r.pull(
        second.last_cursor().as_ref(),
        &window(Duration::ZERO, 20),
        &mut third,
    )
    .await
    .unwrap();
    assert_eq!(third.ids(), vec![later.clone()]);
    let mut fourth = Collect::default();
    r.pull(
        third.last_cursor().as_ref(),
        &window(Duration::ZERO, 20),
        &mut fourth,
    )
    .await
    .unwrap();
    assert!(fourth.ids().is_empty(), "{:?}", fourth.ids());
}

#[tokio::test]
async fn moderation_works_where_the_account_moderates_and_is_refused_elsewhere() {
    let fake = FakeReddit::start().await.unwrap();
    let mine = fake.submission("op", MODERATED, "Spam?", "Buy now");
    let theirs = fake.submission("op", SUB, "Other", "Not ours");
    let r = connector(&fake);
    assert_eq!(
        r.actions(),
        &[Moderation::Remove, Moderation::Approve, Moderation::Lock]
    );
    r.moderate(&mine, Moderation::Remove).await.unwrap();
    assert!(fake.thing(&mine).unwrap().removed);
    r.moderate(&mine, Moderation::Approve).await.unwrap();
    assert!(!fake.thing(&mine).unwrap().removed);
    r.moderate(&mine, Moderation::Lock).await.unwrap();
    assert!(fake.thing(&mine).unwrap().locked);
    let err = r
        .publish(&reply(&r.new_key("k", Timestamp::now()), "hi", &mine))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Permanent(m) if m.contains("THREAD_LOCKED")),
        "{err}"
    );

    let err = r.moderate(&theirs, Moderation::Remove).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Permanent(m) if m.contains("moderate")),
        "{err}"
    );
    assert!(!fake.thing(&theirs).unwrap().removed);
    let err = r.moderate(&theirs, Moderation::Hold).await.unwrap_err();
    assert!(matches!(err, ChannelError::Permanent(_)));
}

#[tokio::test]
async fn every_request_carries_the_user_agent_and_connect_builds_the_connector() {
    let fake = FakeReddit::start().await.unwrap();
    let config = ChannelConfig::Reddit {
        subreddits: vec![SUB.into()],
        user_agent: Some(AGENT.into()),
        api: Some(fake.url.clone()),
        token_url: Some(fake.token_url.clone()),
    };
    config.validate().unwrap();
    let c = connect(&config, &fake.login()).unwrap();
    let info = c.verify().await.unwrap();
    assert_eq!(info.handle.as_deref(), Some("u/tend_brand"));
    c.pull(None, &window(Duration::ZERO, 5), &mut Collect::default())
        .await
        .unwrap();
    let agents = fake.user_agents();
    assert!(agents.len() >= 4);
    assert!(agents.iter().all(|a| a == AGENT), "{agents:?}");
    let _: Option<RemoteRef> = None;
    assert!(connect(&config, &Credentials::None).is_err());
}

#[tokio::test]
async fn a_hostile_cursor_is_refused_naming_it() {
    let fake = FakeReddit::start().await.unwrap();
    let r = connector(&fake);
    for bad in [
        r#"{"at":{"inbox":"t1_a&x=1"}}"#,
        r#"{"watch":[["t1_a,../x",0]]}"#,
        r#"{"at":{"inbox":"@1:t1_a/b"}}"#,
        "not json",
    ] {
        let err = r
            .pull(
                Some(&Cursor(bad.into())),
                &window(Duration::ZERO, 5),
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
