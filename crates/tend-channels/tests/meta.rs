//! The Facebook, Instagram and Threads connectors against the fake Graph
//! and Threads API (`tend_fakes::meta`), built from Meta's recorded and
//! documented payloads: Meta cannot be reached without an app through App
//! Review, so these are contract tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};
use tend_channels::live::meta::facebook::Facebook;
use tend_channels::live::meta::instagram::Instagram;
use tend_channels::live::meta::threads::Threads;
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    ReplyTarget, Sink, SinkError, Source, Window,
};
use tend_domain::{ChannelKind, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::meta::{FakeMeta, Fault, IG_ID, Net, PAGE_ID, Route};

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

fn token(fake: &FakeMeta) -> Credentials {
    Credentials::Token {
        token: fake.page_token.clone(),
    }
}

fn facebook(fake: &FakeMeta) -> Facebook {
    Facebook::new(&fake.graph_base(), PAGE_ID, &token(fake)).unwrap()
}

fn instagram(fake: &FakeMeta) -> Instagram {
    Instagram::new(&fake.graph_base(), IG_ID, Some(PAGE_ID), &token(fake)).unwrap()
}

fn out(p: &dyn Publisher, unique: &str, text: &str, to: Option<&str>) -> Outgoing {
    Outgoing {
        key: p.new_key(unique, Timestamp::now()),
        text: text.into(),
        reply_to: to.map(|t| ReplyTarget {
            external_id: t.into(),
            thread_external_id: None,
            author_external_id: None,
            author_handle: None,
            title: None,
        }),
    }
}

async fn read_all(c: &dyn Source, since: Option<&Cursor>) -> Collect {
    let mut got = Collect::default();
    c.pull(since, &window(Duration::from_secs(3600), 20), &mut got)
        .await
        .unwrap();
    got
}

#[tokio::test]
async fn facebook_comments_backfill_then_continue_from_the_cursor_without_repeats() {
    let fake = FakeMeta::start().await.unwrap();
    let post = fake.fb_post("We launch today!");
    fake.fb_comment_ago("Old Timer", "ancient", &post, Duration::from_secs(7200));
    let recent: Vec<String> = (0..130)
        .map(|i| {
            fake.fb_comment(
                &format!("Member {}", i % 7),
                &format!("question {i}"),
                &post,
            )
        })
        .collect();
    let fb = facebook(&fake);
    let first = read_all(&fb, None).await;
    assert_eq!(first.ids(), recent, "oldest first, back to the horizon");
    assert_eq!(first.0.len(), 2, "100 a page");

    let sam = fake.fb_comment("Sam Evans", "Is there a discount?", &post);
    let answer = fake.fb_comment("Kim Lee", "@Sam Evans yes, 10%", &sam);
    let second = read_all(&fb, first.last_cursor().as_ref()).await;
    assert_eq!(second.ids(), vec![sam.clone(), answer.clone()]);
    let [top, reply] = second.messages()[..] else {
        panic!()
    };
    assert_eq!(top.kind, MessageKind::Comment);
    assert_eq!(top.parent_external_id.as_deref(), Some(post.as_str()));
    assert_eq!(reply.kind, MessageKind::Reply);
    assert_eq!(reply.parent_external_id.as_deref(), Some(sam.as_str()));
    assert_eq!(reply.thread_external_id.as_deref(), Some(post.as_str()));
    let author = top.author.as_ref().unwrap();
    assert_eq!(author.platform, ChannelKind::Facebook);
    assert_eq!(author.display_name.as_deref(), Some("Sam Evans"));
    assert_eq!(
        author.handle, "Sam Evans",
        "a name as Facebook shows it, no @"
    );
    assert!(author.external_id.bytes().all(|b| b.is_ascii_digit()));

    let third = read_all(&fb, second.last_cursor().as_ref()).await;
    assert!(third.ids().is_empty(), "{:?}", third.ids());
}

#[tokio::test]
async fn messenger_and_instagram_messages_come_in_as_direct_messages() {
    let fake = FakeMeta::start().await.unwrap();
    let m1 = fake.dm("messenger", "Kim Lee", "Where is my order?");
    let m2 = fake.dm("instagram", "ada_ig", "hi from IG");
    let fb = read_all(&facebook(&fake), None).await;
    let [dm] = fb.messages()[..] else {
        panic!("{:?}", fb.ids())
    };
    assert_eq!(
        (dm.external_id.as_str(), dm.kind),
        (m1.as_str(), MessageKind::DirectMessage)
    );
    assert!(dm.thread_external_id.as_deref().unwrap().starts_with("t_"));
    assert_eq!(
        dm.author.as_ref().unwrap().display_name.as_deref(),
        Some("Kim Lee")
    );
    let ig = read_all(&instagram(&fake), None).await;
    assert_eq!(ig.ids(), vec![m2]);
    assert_eq!(
        ig.messages()[0].author.as_ref().unwrap().platform,
        ChannelKind::Instagram
    );
}

#[tokio::test]
async fn a_facebook_reply_cut_off_is_found_by_lookup_then_hidden_and_deleted() {
    let fake = FakeMeta::start().await.unwrap();
    let post = fake.fb_post("Launch");
    let comment = fake.fb_comment("Sam Evans", "broken link", &post);
    let fb = facebook(&fake);
    let reply = out(&fb, "k1", "Fixed, thanks Sam!", Some(&comment));
    assert_eq!(fb.lookup(&reply).await.unwrap(), None, "not sent yet");
    fake.fail_next(Route::FbComment, 1, Fault::CommitThenDrop);
    let err = fb.publish(&reply).await.unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err:?}");
    let found = fb.lookup(&reply).await.unwrap().expect("found on the page");
    assert_eq!(
        fake.writes(Route::FbComment),
        1,
        "settled without a second write"
    );
    let ours = fake.item(&found.id).unwrap();
    assert_eq!(ours.parent.as_deref(), Some(comment.as_str()));
    // Moderation: hide the member's comment, delete our reply.
    fb.hide(&comment, true).await.unwrap();
    assert!(fake.item(&comment).unwrap().hidden);
    fb.delete(&found).await.unwrap();
    assert!(fake.item(&found.id).is_none());
    fb.delete(&found).await.unwrap();
    // A post on the Page, found again by lookup.
    let post_out = out(&fb, "k2", "Our summer sale starts now", None);
    let made = fb.publish(&post_out).await.unwrap();
    assert_eq!(fb.lookup(&post_out).await.unwrap().unwrap().id, made.id);
    assert_eq!(
        fb.verify().await.unwrap().handle.as_deref(),
        Some("The Brand Page")
    );
}

#[tokio::test]
async fn graph_failures_map_to_what_the_runner_must_do() {
    let fake = FakeMeta::start().await.unwrap();
    let fb = facebook(&fake);
    fake.fail_next(Route::Read, 1, Fault::Throttled { regain_minutes: 10 });
    let err = fb.verify().await.unwrap_err();
    assert_eq!(
        err,
        ChannelError::RateLimited {
            retry_after: Duration::from_secs(600)
        }
    );
    let fb = facebook(&fake);
    fake.fail_next(Route::Read, 1, Fault::Unavailable);
    assert!(matches!(fb.verify().await, Err(ChannelError::Transient(_))));
    let stranger = Facebook::new(
        &fake.graph_base(),
        PAGE_ID,
        &Credentials::Token {
            token: "EAAexpired".into(),
        },
    )
    .unwrap();
    assert!(matches!(
        stranger.verify().await,
        Err(ChannelError::Unauthorized(m)) if m.contains("#190")
    ));
    // Near the app's budget: the connector stops before Meta has to say so.
    fake.set_app_usage(Some(97));
    fb.verify().await.unwrap();
    let reads = fake.reads();
    assert!(matches!(
        fb.verify().await,
        Err(ChannelError::RateLimited { retry_after }) if retry_after <= Duration::from_secs(60)
    ));
    assert_eq!(fake.reads(), reads, "no request sent while paused");
}

#[tokio::test]
async fn instagram_comments_replies_and_tags_read_once_each() {
    let fake = FakeMeta::start().await.unwrap();
    let media = fake.ig_media("Our new mug");
    let c1 = fake.ig_comment("ada", "love it", &media);
    let r1 = fake.ig_comment("bo", "me too", &c1);
    let tag = fake.ig_tag("cyd", "look @tendbrand");
    let ig = instagram(&fake);
    let first = read_all(&ig, None).await;
    let mut ids = first.ids();
    ids.sort();
    let mut want = vec![c1.clone(), r1.clone(), tag.clone()];
    want.sort();
    assert_eq!(ids, want);
    let by_id = |id: &str| {
        *first
            .messages()
            .iter()
            .find(|m| m.external_id == id)
            .unwrap()
    };
    assert_eq!(by_id(&c1).kind, MessageKind::Comment);
    assert_eq!(by_id(&r1).parent_external_id.as_deref(), Some(c1.as_str()));
    assert_eq!(
        by_id(&r1).thread_external_id.as_deref(),
        Some(media.as_str())
    );
    assert_eq!(by_id(&tag).kind, MessageKind::Mention);
    let a = by_id(&c1).author.clone().unwrap();
    assert_eq!(
        (a.handle.as_str(), a.platform),
        ("ada", ChannelKind::Instagram)
    );

    // Our own reply is not read back; a new comment is, once.
    ig.publish(&out(&ig, "k", "thank you!", Some(&c1)))
        .await
        .unwrap();
    let c2 = fake.ig_comment("dee", "price?", &media);
    let second = read_all(&ig, first.last_cursor().as_ref()).await;
    assert_eq!(second.ids(), vec![c2]);
    let third = read_all(&ig, second.last_cursor().as_ref()).await;
    assert!(third.ids().is_empty(), "{:?}", third.ids());
}

#[tokio::test]
async fn an_instagram_reply_cut_off_is_settled_by_reading_back_and_comments_are_moderated() {
    let fake = FakeMeta::start().await.unwrap();
    let media = fake.ig_media("Mug");
    let c = fake.ig_comment("ada", "where to buy?", &media);
    let ig = instagram(&fake);
    let reply = out(&ig, "k1", "In our shop!", Some(&c));
    fake.fail_next(Route::IgReply, 1, Fault::CommitThenDrop);
    assert!(matches!(
        ig.publish(&reply).await,
        Err(ChannelError::Transient(_))
    ));
    let found = ig
        .lookup(&reply)
        .await
        .unwrap()
        .expect("found among the replies");
    assert_eq!(fake.writes(Route::IgReply), 1);
    assert_eq!(
        fake.item(&found.id).unwrap().parent.as_deref(),
        Some(c.as_str())
    );
    ig.hide(&c, true).await.unwrap();
    assert!(fake.item(&c).unwrap().hidden);
    ig.delete(&found).await.unwrap();
    assert!(fake.item(&found.id).is_none());
    // Instagram does not let apps delete posts.
    let err = ig
        .delete(&tend_channels::live::RemoteRef {
            id: media.clone(),
            url: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Permanent(_)), "{err:?}");
}

#[tokio::test]
async fn an_instagram_post_goes_through_one_container_and_is_never_published_twice() {
    let fake = FakeMeta::start().await.unwrap();
    let ig = instagram(&fake);
    let post = out(
        &ig,
        "k-post",
        "https://cdn.example.com/mug.jpg New mugs are in!",
        None,
    );
    fake.fail_next(Route::IgPublish, 1, Fault::CommitThenDrop);
    let err = ig.publish(&post).await.unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err:?}");
    // The container says PUBLISHED: the lookup finds the post, no retry needed.
    let found = ig.lookup(&post).await.unwrap().expect("published");
    // A retry with the same key reuses the container and publishes nothing.
    let again = ig.publish(&post).await.unwrap();
    assert_eq!(again.id, found.id);
    assert_eq!(fake.writes(Route::IgContainer), 1);
    assert_eq!(fake.writes(Route::IgPublish), 1);
    let posts = fake.brand_items(Net::Instagram);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].text, "New mugs are in!");
    // After a crash (a new process, no container remembered): read back.
    let fresh = instagram(&fake);
    assert_eq!(fresh.lookup(&post).await.unwrap().unwrap().id, found.id);
    // A spent quota (50 posts a day on Instagram) waits; nothing is made.
    fake.set_quotas(1, 250, 1000);
    let more = out(&ig, "k-more", "https://cdn.example.com/b.jpg Second", None);
    assert!(matches!(
        ig.publish(&more).await,
        Err(ChannelError::RateLimited { .. })
    ));
    assert_eq!(fake.writes(Route::IgContainer), 1);
    let no_image = out(&ig, "k-text", "words only", None);
    assert!(matches!(
        ig.publish(&no_image).await,
        Err(ChannelError::Permanent(m)) if m.contains("image")
    ));
}

#[tokio::test]
async fn threads_replies_and_mentions_in_replies_out_through_containers() {
    let fake = FakeMeta::start().await.unwrap();
    let tok = fake.threads_token(Duration::from_secs(3600 * 24 * 30));
    let th = Threads::new(&fake.threads_base(), &Credentials::Token { token: tok }).unwrap();
    let ours = fake.threads_post("Hello Threads");
    let r1 = fake.threads_reply("ada", "hi!", &ours);
    let r2 = fake.threads_reply("bo", "hi ada", &r1);
    let m = fake.threads_mention("cyd", "is it out?");
    let first = read_all(&th, None).await;
    let mut ids = first.ids();
    ids.sort();
    let mut want = vec![r1.clone(), r2.clone(), m.clone()];
    want.sort();
    assert_eq!(ids, want);
    let deep = first
        .messages()
        .into_iter()
        .find(|x| x.external_id == r2)
        .unwrap();
    assert_eq!(deep.parent_external_id.as_deref(), Some(r1.as_str()));
    assert_eq!(deep.thread_external_id.as_deref(), Some(ours.as_str()));
    assert_eq!(deep.author.as_ref().unwrap().handle, "bo");

    let reply = out(&th, "k1", "Welcome, ada! 👋", Some(&r1));
    fake.fail_next(Route::ThreadsPublish, 1, Fault::CommitThenDrop);
    assert!(matches!(
        th.publish(&reply).await,
        Err(ChannelError::Transient(_))
    ));
    let found = th.lookup(&reply).await.unwrap().expect("published");
    let again = th.publish(&reply).await.unwrap();
    assert_eq!(again.id, found.id);
    assert_eq!(fake.writes(Route::ThreadsContainer), 1);
    assert_eq!(fake.writes(Route::ThreadsPublish), 1);
    // Our reply is not read back as a member's.
    let second = read_all(&th, first.last_cursor().as_ref()).await;
    assert!(second.ids().is_empty(), "{:?}", second.ids());
    th.hide(&r2, true).await.unwrap();
    assert!(fake.item(&r2).unwrap().hidden);
    th.delete(&found).await.unwrap();
    assert!(fake.item(&found.id).is_none());
    for bad in ["#one #two", &"x".repeat(501)] {
        let err = th.publish(&out(&th, "k9", bad, None)).await.unwrap_err();
        assert!(matches!(err, ChannelError::Permanent(_)), "{err:?}");
    }
    assert_eq!(
        fake.writes(Route::ThreadsContainer),
        1,
        "refused before any request"
    );
    // The reply quota (1,000 a day) spent: the reply waits, nothing is made.
    fake.set_quotas(50, 250, 0);
    let err = th
        .publish(&out(&th, "k10", "one more", Some(&r2)))
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::RateLimited { .. }), "{err:?}");
    assert_eq!(fake.writes(Route::ThreadsContainer), 1);
}

#[tokio::test]
async fn a_threads_token_near_its_end_is_refreshed_and_an_expired_one_refused() {
    let fake = FakeMeta::start().await.unwrap();
    let tok = fake.threads_token(Duration::from_secs(3600 * 24));
    let creds = Credentials::OAuth {
        access_token: tok,
        refresh_token: None,
        expires_at: Some(Timestamp::now() + SignedDuration::from_hours(24)),
        client_id: "app".into(),
        client_secret: None,
    };
    let th = Threads::new(&fake.threads_base(), &creds).unwrap();
    let info = th.verify().await.unwrap();
    assert_eq!(info.handle.as_deref(), Some("tendbrand"));
    assert!(
        info.token_expires_at.unwrap() > Timestamp::now() + SignedDuration::from_hours(24 * 50)
    );
    assert!(matches!(th.refreshed(), Some(Credentials::OAuth { .. })));
    // Revoked or expired on Meta's side: an admin must reconnect.
    fake.expire_threads_tokens();
    let err = th
        .pull(
            None,
            &window(Duration::from_secs(60), 1),
            &mut Collect::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Unauthorized(_)), "{err:?}");
    let stale = Threads::new(
        &fake.threads_base(),
        &Credentials::Token {
            token: "THQVJdead".into(),
        },
    )
    .unwrap();
    assert!(matches!(
        stale.verify().await,
        Err(ChannelError::Unauthorized(_))
    ));
}

#[test]
fn settings_refuse_hostile_values_naming_the_setting() {
    let ok = [
        serde_json::json!({"network": "facebook", "page_id": "245628824887810"}),
        serde_json::json!({"network": "instagram", "ig_user_id": "17841405822304914", "page_id": "1"}),
        serde_json::json!({"network": "threads"}),
    ];
    for json in ok {
        let c: ChannelConfig = serde_json::from_value(json).unwrap();
        c.validate().unwrap();
    }
    let bad = [
        (
            "facebook.page_id",
            serde_json::json!({"network": "facebook", "page_id": "../me"}),
        ),
        (
            "facebook.graph_base",
            serde_json::json!({"network": "facebook", "page_id": "1", "graph_base": "http://graph.evil.example"}),
        ),
        (
            "instagram.ig_user_id",
            serde_json::json!({"network": "instagram", "ig_user_id": "x"}),
        ),
        (
            "instagram.page_id",
            serde_json::json!({"network": "instagram", "ig_user_id": "1", "page_id": "1?x=2"}),
        ),
        (
            "threads.graph_base",
            serde_json::json!({"network": "threads", "graph_base": "ftp://x"}),
        ),
    ];
    for (name, json) in bad {
        let c: ChannelConfig = serde_json::from_value(json).unwrap();
        assert!(
            matches!(c.validate(), Err(ChannelError::Permanent(m)) if m.starts_with(name)),
            "{c:?}"
        );
    }
}

#[tokio::test]
async fn a_read_cut_by_max_pages_continues_from_its_cursor() {
    let fake = FakeMeta::start().await.unwrap();
    let post = fake.fb_post("Launch");
    let all: Vec<String> = (0..230)
        .map(|i| fake.fb_comment("Sam Evans", &format!("q{i}"), &post))
        .collect();
    let fb = facebook(&fake);
    let mut first = Collect::default();
    let more = fb
        .pull(None, &window(Duration::from_secs(600), 1), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::Yes);
    assert_eq!(first.ids(), all[..100].to_vec());
    let rest = read_all(&fb, first.last_cursor().as_ref()).await;
    assert_eq!(rest.ids(), all[100..].to_vec());
}

mod fuzzing {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(body in ".{0,400}") {
            tend_channels::live::meta::fuzz_meta(body.as_bytes());
        }
    }
}
