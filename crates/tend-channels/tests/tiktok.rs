//! The TikTok connector against the fake TikTok API v2
//! (`tend_fakes::tiktok`), built after TikTok's documented shapes (no
//! licensed recordings exist, and TikTok cannot be reached without an app
//! of its own review): a contract test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};
use tend_channels::live::tiktok::{self, Tiktok};
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, ReplyTarget, Sink, SinkError, Source, Window,
};
use tend_domain::{ChannelKind, Direction, IncomingItem, MessageKind};
use tend_fakes::tiktok::{FakeTiktok, Fault, Route, USERNAME};

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
    fn ids(&self) -> Vec<String> {
        self.0
            .iter()
            .flat_map(|p| &p.items)
            .map(|i| match i {
                IncomingItem::Message(m) => m.external_id.clone(),
                other => panic!("not a message: {other:?}"),
            })
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

fn credentials(fake: &FakeTiktok) -> Credentials {
    let (access, refresh) = fake.oauth_tokens();
    Credentials::OAuth {
        access_token: access,
        refresh_token: Some(refresh),
        expires_at: None,
        client_id: fake.client_key.clone(),
        client_secret: Some(fake.client_secret.clone()),
    }
}

fn connector(fake: &FakeTiktok, audited: bool) -> Tiktok {
    Tiktok::new(&fake.url, &fake.token_url(), audited, &credentials(fake))
        .unwrap()
        .with_poll_interval(Duration::from_millis(1))
}

fn post(key: &str, text: &str) -> Outgoing {
    Outgoing {
        key: key.into(),
        text: text.into(),
        reply_to: None,
    }
}

#[tokio::test]
async fn videos_backfill_then_come_incrementally_without_repeats() {
    let fake = FakeTiktok::start().await.unwrap();
    let old = fake.seed_videos(3, Duration::from_secs(7200));
    let recent = fake.seed_videos(45, Duration::from_secs(60));
    let tt = connector(&fake, false);
    let mut first = Collect::default();
    let more = tt
        .pull(None, &window(Duration::from_secs(3600), 10), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::No);
    assert_eq!(first.ids(), recent, "back to the horizon, oldest first");
    assert!(old.iter().all(|o| !first.ids().contains(o)));
    let new = fake.seed_videos(2, Duration::ZERO);
    let mut second = Collect::default();
    tt.pull(
        first.last_cursor().as_ref(),
        &window(Duration::ZERO, 10),
        &mut second,
    )
    .await
    .unwrap();
    assert_eq!(second.ids(), new);
    let mut third = Collect::default();
    tt.pull(
        second.last_cursor().as_ref(),
        &window(Duration::ZERO, 10),
        &mut third,
    )
    .await
    .unwrap();
    assert!(third.ids().is_empty());
}

#[tokio::test]
async fn a_video_maps_as_the_brands_post() {
    let fake = FakeTiktok::start().await.unwrap();
    let id = fake.seed_videos(1, Duration::ZERO).remove(0);
    let tt = connector(&fake, false);
    let mut got = Collect::default();
    tt.pull(None, &window(Duration::from_secs(60), 5), &mut got)
        .await
        .unwrap();
    let IncomingItem::Message(m) = &got.0[0].items[0] else {
        panic!()
    };
    assert_eq!(m.external_id, id);
    assert_eq!(m.kind, MessageKind::Post);
    assert_eq!(m.direction, Direction::Outbound);
    assert_eq!(m.text, "Video number 0 #tend");
    let a = m.author.as_ref().unwrap();
    assert_eq!(
        (a.platform, a.handle.as_str()),
        (ChannelKind::Tiktok, USERNAME)
    );
    assert_eq!(
        m.permalink,
        Some(format!("https://www.tiktok.com/@{USERNAME}/video/{id}"))
    );
}

#[tokio::test]
async fn an_unaudited_app_publishes_privately_and_says_so() {
    let fake = FakeTiktok::start().await.unwrap();
    let tt = connector(&fake, false);
    let made = tt
        .publish(&post(
            "k1",
            "Launch day https://cdn.example.com/launch.mp4 #new",
        ))
        .await
        .unwrap();
    let publishes = fake.publishes();
    assert_eq!(publishes.len(), 1);
    assert_eq!(publishes[0].privacy, "SELF_ONLY");
    assert_eq!(publishes[0].caption, "Launch day #new");
    assert_eq!(publishes[0].media, ["https://cdn.example.com/launch.mp4"]);
    assert_eq!(made.id, format!("private:{}", publishes[0].publish_id));
    assert_eq!(made.url, None);
    assert!(tiktok::privacy_note(false).is_some());
}

#[tokio::test]
async fn an_audited_app_publishes_photos_publicly() {
    let fake = FakeTiktok::start().await.unwrap();
    fake.set_audited(true);
    let tt = connector(&fake, true);
    let made = tt
        .publish(&post(
            "k2",
            "Our team https://cdn.example.com/1.jpg https://cdn.example.com/2.webp",
        ))
        .await
        .unwrap();
    let p = &fake.publishes()[0];
    assert_eq!(
        (p.media_type.as_str(), p.privacy.as_str()),
        ("PHOTO", "PUBLIC_TO_EVERYONE")
    );
    assert_eq!(Some(made.id.clone()), p.video_id);
    assert_eq!(
        made.url,
        Some(format!(
            "https://www.tiktok.com/@{USERNAME}/video/{}",
            made.id
        ))
    );
}

#[tokio::test]
async fn the_fake_refuses_a_public_post_of_an_unaudited_app() {
    // A workspace that says "audited" too early gets TikTok's refusal.
    let fake = FakeTiktok::start().await.unwrap();
    let tt = connector(&fake, true);
    let e = tt
        .publish(&post("k3", "x https://cdn.example.com/a.mp4"))
        .await
        .unwrap_err();
    match e {
        ChannelError::Permanent(r) => assert!(r.contains("unaudited"), "{r}"),
        e => panic!("{e:?}"),
    }
    // A creator who offers no SELF_ONLY: refused before any init.
    fake.set_privacy_options(&["PUBLIC_TO_EVERYONE"]);
    let e = connector(&fake, false)
        .publish(&post("k4", "x https://cdn.example.com/a.mp4"))
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::Permanent(_)), "{e:?}");
    assert_eq!(fake.inits(), 1);
}

#[tokio::test]
async fn text_only_replies_and_deletes_are_refused_plainly() {
    let fake = FakeTiktok::start().await.unwrap();
    let tt = connector(&fake, false);
    let e = tt.publish(&post("t", "just words")).await.unwrap_err();
    assert!(matches!(e, ChannelError::Permanent(r) if r.contains("no text-only posts")));
    let mut reply = post("r", "hi https://cdn.example.com/a.mp4");
    reply.reply_to = Some(ReplyTarget {
        external_id: "1".into(),
        thread_external_id: None,
        author_external_id: None,
        author_handle: None,
        title: None,
    });
    assert!(matches!(
        tt.publish(&reply).await,
        Err(ChannelError::Permanent(_))
    ));
    let gone = RemoteRef {
        id: "1".into(),
        url: None,
    };
    assert!(matches!(
        tt.delete(&gone).await,
        Err(ChannelError::Permanent(_))
    ));
    assert_eq!(fake.inits(), 0);
}

#[tokio::test]
async fn a_cut_off_status_fetch_is_settled_by_the_publish_id_without_a_second_init() {
    let fake = FakeTiktok::start().await.unwrap();
    let tt = connector(&fake, false);
    let out = post("cut", "Hello https://cdn.example.com/v.mp4");
    fake.fail_next(Route::Status, 1, Fault::CommitThenDrop);
    let e = tt.publish(&out).await.unwrap_err();
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");
    // While TikTok processes, a lookup says so (transient); then the post.
    let mut found = None;
    for _ in 0..5 {
        match tt.lookup(&out).await {
            Ok(f) => {
                found = f;
                break;
            }
            Err(ChannelError::Transient(_)) => continue,
            Err(e) => panic!("{e:?}"),
        }
    }
    let found = found.expect("published");
    assert!(found.id.starts_with("private:"));
    let again = tt.publish(&out).await.unwrap();
    assert_eq!(again, found);
    assert_eq!(fake.inits(), 1, "one init for one key");
}

#[tokio::test]
async fn a_lost_init_answer_stays_unknown_with_a_reason() {
    let fake = FakeTiktok::start().await.unwrap();
    let tt = connector(&fake, false);
    let out = post("lost", "Hello https://cdn.example.com/v.mp4");
    fake.fail_next(Route::Init, 1, Fault::CommitThenDrop);
    assert!(matches!(
        tt.publish(&out).await,
        Err(ChannelError::Transient(_))
    ));
    // Another process (or this one, the id lost) cannot tell: never a guess.
    let other = connector(&fake, false);
    match other.lookup(&out).await {
        Err(ChannelError::Permanent(why)) => assert!(why.contains("publish id"), "{why}"),
        r => panic!("{r:?}"),
    }
    assert_eq!(fake.inits(), 1);
}

#[tokio::test]
async fn errors_are_typed_from_the_envelope() {
    let fake = FakeTiktok::start().await.unwrap();
    let tt = connector(&fake, false);
    let w = window(Duration::from_secs(60), 5);
    fake.fail_next(Route::VideoList, 1, Fault::Unavailable);
    let e = tt
        .pull(None, &w, &mut Collect::default())
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");
    fake.fail_next(Route::VideoList, 1, Fault::RateLimited);
    let e = tt
        .pull(None, &w, &mut Collect::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ChannelError::RateLimited { retry_after } if retry_after == Duration::from_secs(60)),
        "{e:?}"
    );
    fake.set_init_limit(1);
    tt.publish(&post("a", "1 https://cdn.example.com/a.mp4"))
        .await
        .unwrap();
    let e = tt
        .publish(&post("b", "2 https://cdn.example.com/b.mp4"))
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::RateLimited { .. }), "{e:?}");

    let bad = Tiktok::new(
        &fake.url,
        &fake.token_url(),
        false,
        &Credentials::OAuth {
            access_token: "nope".into(),
            refresh_token: None,
            expires_at: None,
            client_id: fake.client_key.clone(),
            client_secret: None,
        },
    )
    .unwrap();
    let e = bad.verify().await.unwrap_err();
    assert!(matches!(e, ChannelError::Unauthorized(_)), "{e:?}");
    assert_eq!(tt.verify().await.unwrap().handle.as_deref(), Some(USERNAME));
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_handed_back() {
    let fake = FakeTiktok::start().await.unwrap();
    let tt = connector(&fake, false);
    fake.expire_tokens();
    assert!(tt.refreshed().is_none());
    tt.verify().await.unwrap();
    assert!(matches!(
        tt.refreshed(),
        Some(Credentials::OAuth {
            expires_at: Some(_),
            refresh_token: Some(_),
            ..
        })
    ));
}

#[test]
fn hostile_settings_are_refused_naming_the_setting() {
    for (v, name) in [
        (
            serde_json::json!({"network": "tiktok", "api_base": "http://evil.example"}),
            "tiktok.api_base",
        ),
        (
            serde_json::json!({"network": "tiktok", "token_url": "javascript:x"}),
            "tiktok.token_url",
        ),
    ] {
        let c: ChannelConfig = serde_json::from_value(v).unwrap();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains(name), "{e}");
    }
    let ok: ChannelConfig =
        serde_json::from_value(serde_json::json!({"network": "tiktok"})).unwrap();
    ok.validate().unwrap();
    assert!(matches!(ok, ChannelConfig::Tiktok { audited: false, .. }));
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1024)) {
        tiktok::fuzz_tiktok(&bytes);
    }
}

#[tokio::test]
async fn an_audited_apps_lost_publish_is_found_in_its_videos() {
    let fake = FakeTiktok::start().await.unwrap();
    fake.set_audited(true);
    let tt = connector(&fake, true);
    let out = post(
        &tt.new_key("lost-public", Timestamp::now()),
        "Public launch https://cdn.example.com/p.mp4",
    );
    fake.fail_next(Route::Init, 1, Fault::CommitThenDrop);
    assert!(tt.publish(&out).await.is_err());
    let other = connector(&fake, true);
    // Not yet processed: not listed, and that proves nothing.
    assert!(matches!(
        other.lookup(&out).await,
        Err(ChannelError::Permanent(_))
    ));
    // TikTok finishes it (the fake on the next status fetches).
    let publish_id = fake.publishes()[0].publish_id.clone();
    for _ in 0..3 {
        let _ = reqwest::Client::new()
            .post(format!("{}/v2/post/publish/status/fetch/", fake.url))
            .bearer_auth(fake.oauth_tokens().0)
            .json(&serde_json::json!({ "publish_id": publish_id }))
            .send()
            .await
            .unwrap();
    }
    let found = other.lookup(&out).await.unwrap().expect("listed");
    assert_eq!(Some(found.id), fake.publishes()[0].video_id);
    assert_eq!(fake.inits(), 1);
}
