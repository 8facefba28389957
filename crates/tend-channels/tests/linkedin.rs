//! The LinkedIn connector against the fake Community Management API
//! (`tend_fakes::linkedin`), built after LinkedIn's documented shapes (no
//! licensed recordings exist, and LinkedIn cannot be reached without an app
//! that passed its review): a contract test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use std::time::{Duration, Instant};
use tend_channels::live::linkedin::{self, Linkedin, escape_little_text};
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, ReplyTarget, Sink, SinkError, Source, Window,
};
use tend_domain::{ChannelKind, Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::linkedin::{FakeLinkedin, Fault, ORG, Route, little_text_kept, little_text_plain};

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

    fn comment_ids(&self) -> Vec<String> {
        self.ids()
            .into_iter()
            .filter(|i| i.starts_with("urn:li:comment:"))
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

fn connector(fake: &FakeLinkedin) -> Linkedin {
    Linkedin::new(
        &fake.api_base(),
        linkedin::organization_urn(ORG).unwrap().as_str(),
        linkedin::DEFAULT_VERSION,
        &fake.token_url(),
        &Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .unwrap()
}

fn post(li: &Linkedin, unique: &str, text: &str) -> Outgoing {
    Outgoing {
        key: li.new_key(unique, Timestamp::now()),
        text: text.into(),
        reply_to: None,
    }
}

fn reply(li: &Linkedin, unique: &str, text: &str, to: &str) -> Outgoing {
    Outgoing {
        key: li.new_key(unique, Timestamp::now()),
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
    let fake = FakeLinkedin::start().await.unwrap();
    let seeded = fake.seed_comments(250);
    let li = connector(&fake);
    let mut first = Collect::default();
    let more = li
        .pull(None, &window(Duration::from_secs(3600), 10), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::No);
    assert_eq!(first.comment_ids(), seeded, "every comment, oldest first");
    assert_eq!(first.ids().len(), 253, "and the page's three posts");

    let root = fake.org_post("A new post");
    let new: Vec<String> = (0..3)
        .map(|i| fake.member_comment("zoe", &format!("new {i}"), &root, None))
        .collect();
    let mut second = Collect::default();
    li.pull(
        first.last_cursor().as_ref(),
        &window(Duration::ZERO, 10),
        &mut second,
    )
    .await
    .unwrap();
    assert_eq!(second.comment_ids(), new);
    assert_eq!(second.ids()[0], root);

    let mut third = Collect::default();
    li.pull(
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
    let fake = FakeLinkedin::start().await.unwrap();
    fake.seed_comments(230);
    let li = connector(&fake);
    let mut first = Collect::default();
    let more = li
        .pull(None, &window(Duration::from_secs(600), 1), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::Yes);
    assert_eq!(first.ids().len(), 100);
    let mut rest = Collect::default();
    let more = li
        .pull(
            first.last_cursor().as_ref(),
            &window(Duration::ZERO, 10),
            &mut rest,
        )
        .await
        .unwrap();
    assert_eq!(more, More::No);
    let mut all = first.ids();
    all.extend(rest.ids());
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (233, 233), "no repeats, nothing lost");
}

#[tokio::test]
async fn comments_thread_under_their_post_and_parent() {
    let fake = FakeLinkedin::start().await.unwrap();
    let root = fake.org_post("We ship today \\(finally\\)");
    let top = fake.member_comment("alice", "Congrats!", &root, None);
    let nested = fake.member_comment("bob", "Agreed", &root, Some(&top));
    let li = connector(&fake);
    let mut got = Collect::default();
    li.pull(None, &window(Duration::from_secs(60), 5), &mut got)
        .await
        .unwrap();
    let msgs = got.messages();
    let [p, a, b] = msgs[..] else {
        panic!("{:?}", got.ids())
    };
    assert_eq!(p.external_id, root);
    assert_eq!(p.kind, MessageKind::Post);
    assert_eq!(p.direction, Direction::Outbound);
    assert_eq!(p.text, "We ship today (finally)", "escapes removed");
    assert_eq!(a.external_id, top);
    assert_eq!(a.kind, MessageKind::Comment);
    assert_eq!(a.thread_external_id.as_deref(), Some(root.as_str()));
    assert_eq!(a.parent_external_id.as_deref(), Some(root.as_str()));
    assert_eq!(a.engagement.replies, 1);
    let author = a.author.as_ref().unwrap();
    assert_eq!(author.platform, ChannelKind::Linkedin);
    assert_eq!(author.handle, "alice");
    assert_eq!(author.external_id, "urn:li:person:alice");
    assert_eq!(b.external_id, nested);
    assert_eq!(b.parent_external_id.as_deref(), Some(top.as_str()));
    assert_eq!(b.thread_external_id.as_deref(), Some(root.as_str()));
}

#[tokio::test]
async fn replies_land_in_the_right_thread_and_delete() {
    let fake = FakeLinkedin::start().await.unwrap();
    let root = fake.org_post("Hello");
    let top = fake.member_comment("alice", "Where is the manual?", &root, None);
    let li = connector(&fake);
    let to_comment = li
        .publish(&reply(
            &li,
            "r1",
            "Here: docs.example.com (page 2) #help",
            &top,
        ))
        .await
        .unwrap();
    let to_post = li
        .publish(&reply(&li, "r2", "Thanks all", &root))
        .await
        .unwrap();
    let ours = fake.org_comments();
    assert_eq!(ours.len(), 2);
    assert_eq!(ours[0].urn, to_comment.id);
    assert_eq!(ours[0].parent.as_deref(), Some(top.as_str()));
    assert_eq!(ours[0].text, "Here: docs.example.com (page 2) #help");
    assert_eq!(ours[1].urn, to_post.id);
    assert_eq!(ours[1].parent, None);
    li.delete(&to_comment).await.unwrap();
    assert!(!fake.exists(&to_comment.id));
    li.delete(&to_comment).await.unwrap();
    assert!(fake.exists(&to_post.id));
}

#[tokio::test]
async fn posts_are_escaped_so_linkedin_does_not_cut_them() {
    let fake = FakeLinkedin::start().await.unwrap();
    let li = connector(&fake);
    let text = "Launch (v2) is out! Ask @support or see [docs] #release_notes *now* ~ok";
    let made = li.publish(&post(&li, "p1", text)).await.unwrap();
    assert!(made.id.starts_with("urn:li:share:"), "{made:?}");
    assert_eq!(
        fake.post_text(&made.id).as_deref(),
        Some(text),
        "published whole"
    );

    // The same text unescaped: LinkedIn (and the fake) answer 201 and cut it.
    let res = reqwest::Client::new()
        .post(format!("{}/posts", fake.api_base()))
        .bearer_auth(&fake.token)
        .header("LinkedIn-Version", linkedin::DEFAULT_VERSION)
        .header("X-Restli-Protocol-Version", "2.0.0")
        .json(
            &serde_json::json!({"author": ORG, "commentary": format!("{text} again"),
            "visibility": "PUBLIC", "lifecycleState": "PUBLISHED"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let raw = res.headers()["x-restli-id"].to_str().unwrap().to_string();
    assert_eq!(fake.post_text(&raw).as_deref(), Some("Launch "));

    li.delete(&made).await.unwrap();
    assert!(!fake.exists(&made.id));
    li.delete(&made).await.unwrap();
}

#[tokio::test]
async fn a_cut_off_reply_is_settled_by_reading_back_without_a_second_write() {
    let fake = FakeLinkedin::start().await.unwrap();
    let root = fake.org_post("Hello");
    let top = fake.member_comment("alice", "Hi?", &root, None);
    let li = connector(&fake);
    let out = reply(&li, "cut", "Hello Alice", &top);
    assert_eq!(li.lookup(&out).await.unwrap(), None, "nothing yet");
    fake.fail_next(Route::PostComment, 1, Fault::CommitThenDrop);
    let err = li.publish(&out).await.unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err:?}");
    let found = li.lookup(&out).await.unwrap().expect("the reply is there");
    assert_eq!(fake.org_comments()[0].urn, found.id);
    assert_eq!(fake.comment_posts(), 1);
    // Another reply with the same text to another comment is not it.
    let other = fake.member_comment("bob", "Hi?", &root, None);
    assert_eq!(
        li.lookup(&reply(&li, "o", "Hello Alice", &other))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_cut_off_post_is_settled_and_a_retry_hits_duplicate_post_and_settles() {
    let fake = FakeLinkedin::start().await.unwrap();
    let li = connector(&fake);
    let out = post(&li, "cutp", "Big news: 50% off_today");
    fake.fail_next(Route::CreatePost, 1, Fault::CommitThenDrop);
    assert!(li.publish(&out).await.is_err());
    let found: RemoteRef = li.lookup(&out).await.unwrap().unwrap();
    let again = li.publish(&out).await.unwrap();
    assert_eq!(again, found, "DUPLICATE_POST answered with the post made");
    assert_eq!(fake.post_creates(), 2);
}

#[tokio::test]
async fn errors_are_typed() {
    let fake = FakeLinkedin::start().await.unwrap();
    let li = connector(&fake);
    let w = window(Duration::from_secs(60), 5);
    fake.fail_next(Route::Posts, 1, Fault::Unavailable);
    let e = li
        .pull(None, &w, &mut Collect::default())
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");

    fake.fail_next(Route::Posts, 1, Fault::RateLimited);
    match li
        .pull(None, &w, &mut Collect::default())
        .await
        .unwrap_err()
    {
        ChannelError::RateLimited { retry_after } => {
            assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(86_400));
        }
        e => panic!("{e:?}"),
    }
    fake.set_daily_limit(1);
    li.verify().await.unwrap();
    let e = li.verify().await.unwrap_err();
    assert!(matches!(e, ChannelError::RateLimited { .. }), "{e:?}");
    fake.set_daily_limit(1_000_000);

    let bad = Linkedin::new(
        &fake.api_base(),
        ORG,
        linkedin::DEFAULT_VERSION,
        &fake.token_url(),
        &Credentials::Token {
            token: "nope".into(),
        },
    )
    .unwrap();
    let e = bad.verify().await.unwrap_err();
    assert!(matches!(e, ChannelError::Unauthorized(_)), "{e:?}");
    let info = li.verify().await.unwrap();
    assert_eq!(info.handle.as_deref(), Some("tend-brand"));
    assert_eq!(info.max_chars, Some(3000));
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_handed_back() {
    let fake = FakeLinkedin::start().await.unwrap();
    let (access, refresh) = fake.oauth_tokens();
    fake.expire_oauth_tokens();
    let li = Linkedin::new(
        &fake.api_base(),
        "2414183",
        linkedin::DEFAULT_VERSION,
        &fake.token_url(),
        &Credentials::OAuth {
            access_token: access.clone(),
            refresh_token: Some(refresh.clone()),
            expires_at: None,
            client_id: fake.client_id.clone(),
            client_secret: Some(fake.client_secret.clone()),
        },
    )
    .unwrap();
    assert!(li.refreshed().is_none());
    li.verify().await.unwrap();
    match li.refreshed() {
        Some(Credentials::OAuth {
            access_token,
            refresh_token,
            expires_at,
            ..
        }) => {
            assert_ne!(access_token, access);
            assert_eq!(refresh_token.as_deref(), Some(refresh.as_str()));
            assert!(expires_at.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_edited_comment_comes_again_with_edited_at() {
    let fake = FakeLinkedin::start().await.unwrap();
    let root = fake.org_post("Hello");
    let c = fake.member_comment("alice", "first", &root, None);
    let li = connector(&fake);
    let mut first = Collect::default();
    li.pull(None, &window(Duration::from_secs(60), 5), &mut first)
        .await
        .unwrap();
    assert!(fake.edit_comment(&c, "second"));
    let mut again = Collect::default();
    li.pull(
        first.last_cursor().as_ref(),
        &window(Duration::ZERO, 5),
        &mut again,
    )
    .await
    .unwrap();
    let [m] = again.messages()[..] else {
        panic!("{:?}", again.ids())
    };
    assert_eq!(
        (m.external_id.as_str(), m.text.as_str()),
        (c.as_str(), "second")
    );
    assert!(m.edited_at.is_some());
}

#[test]
fn hostile_settings_are_refused_naming_the_setting() {
    let cases = [
        (
            serde_json::json!({"network": "linkedin", "organization": "urn:li:person:x"}),
            "linkedin.organization",
        ),
        (
            serde_json::json!({"network": "linkedin", "organization": "1", "version": "2025"}),
            "linkedin.version",
        ),
        (
            serde_json::json!({"network": "linkedin", "organization": 1, "api_base": "http://evil.example"}),
            "linkedin.api_base",
        ),
        (
            serde_json::json!({"network": "linkedin", "organization": "1", "token_url": "ftp://x"}),
            "linkedin.token_url",
        ),
    ];
    for (v, name) in cases {
        let c: ChannelConfig = serde_json::from_value(v).unwrap();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains(name), "{e}");
    }
    let ok: ChannelConfig =
        serde_json::from_value(serde_json::json!({"network": "linkedin", "organization": 2414183}))
            .unwrap();
    ok.validate().unwrap();
    assert_eq!(ok.network(), "linkedin");
}

proptest! {
    /// Whatever the text, escaped it survives LinkedIn's cut whole.
    #[test]
    fn escaped_text_is_kept_whole(text in any::<String>()) {
        let kept = little_text_kept(&escape_little_text(&text));
        prop_assert_eq!(little_text_plain(&kept), text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        linkedin::fuzz_linkedin(&bytes);
    }
}
