//! The Stack Exchange connector against the fake API
//! (`tend_fakes::stackexchange`), which serves gzip-compressed answers with
//! the API's wrapper, quota, backoff and throttle rules. (`tests/stackexchange.rs`
//! is the dump importer's.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};
use tend_channels::live::stackexchange::{QUOTA_RESERVE, StackExchange};
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Sink,
    SinkError, Source, Window, connect,
};
use tend_domain::{ChannelKind, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::stackexchange::{FakeStackExchange, Fault, Route, SITE};

#[derive(Debug, Default)]
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

fn connector(fake: &FakeStackExchange, tags: &[&str]) -> StackExchange {
    let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
    StackExchange::new(
        SITE,
        &tags,
        Some(&fake.url),
        &Credentials::Token {
            token: fake.key.clone(),
        },
    )
    .unwrap()
}

async fn pull(s: &StackExchange, cursor: Option<&Cursor>) -> Result<Collect, ChannelError> {
    let mut got = Collect::default();
    s.pull(cursor, &window(Duration::from_secs(3600), 20), &mut got)
        .await?;
    Ok(got)
}

fn post(id: u64) -> String {
    format!("post-{id}")
}

#[tokio::test]
async fn backfill_then_answers_and_comments_arrive_once_threaded_under_their_question() {
    let fake = FakeStackExchange::start().await.unwrap();
    let old = fake.ask_ago("oldtimer", "Old question", "<p>old</p>", &["rust"], 7200);
    let seeded = fake.seed_questions(150, "rust");
    let s = connector(&fake, &["rust"]);
    let mut first = Collect::default();
    let more = s
        .pull(None, &window(Duration::from_secs(3600), 10), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::No);
    let want: Vec<String> = seeded.iter().copied().map(post).collect();
    assert_eq!(
        first.ids(),
        want,
        "oldest activity first, the old one left out"
    );
    assert!(!first.ids().contains(&post(old)));
    assert_eq!(first.0.len(), 2, "100 questions a page");
    let q = first.messages()[0];
    assert_eq!(q.kind, MessageKind::ForumPost);
    assert_eq!(q.title.as_deref(), Some("Seeded question 0"));
    assert_eq!(q.text, "How do I do thing 0?");
    let author = q.author.as_ref().unwrap();
    assert_eq!(author.platform, ChannelKind::Stackexchange);
    assert_eq!(author.handle, "member0");
    assert!(author.followers.is_some());

    let answer = fake.answer("helper", seeded[0], "<p>Like <b>this</b>.</p>");
    let on_answer = fake.comment("member0", answer, "Thanks, that works!");
    let second = pull(&s, first.last_cursor().as_ref()).await.unwrap();
    assert_eq!(
        second.ids(),
        vec![post(answer), format!("comment-{on_answer}")],
        "the question moved; only what is new comes"
    );
    let msgs = second.messages();
    assert_eq!(msgs[0].thread_external_id, Some(post(seeded[0])));
    assert_eq!(msgs[0].parent_external_id, Some(post(seeded[0])));
    assert_eq!(msgs[0].text, "Like this.");
    assert_eq!(msgs[1].kind, MessageKind::Comment);
    assert_eq!(msgs[1].thread_external_id, Some(post(seeded[0])));
    assert_eq!(msgs[1].parent_external_id, Some(post(answer)));
    assert!(
        msgs[1]
            .permalink
            .as_deref()
            .is_some_and(|l| l.ends_with(&format!("#comment{on_answer}_{answer}"))),
        "{:?}",
        msgs[1].permalink
    );

    let third = pull(&s, second.last_cursor().as_ref()).await.unwrap();
    assert!(third.ids().is_empty(), "{:?}", third.ids());

    // An edit: the same id, with the time of the edit.
    assert!(fake.edit(answer, "<p>Like this, or that.</p>", 2));
    let fourth = pull(&s, third.last_cursor().as_ref()).await.unwrap();
    let [edited] = fourth.messages()[..] else {
        panic!("{:?}", fourth.ids())
    };
    assert_eq!(edited.external_id, post(answer));
    assert_eq!(edited.text, "Like this, or that.");
    assert!(edited.edited_at.is_some());
    let fifth = pull(&s, fourth.last_cursor().as_ref()).await.unwrap();
    assert!(fifth.ids().is_empty(), "{:?}", fifth.ids());
}

#[tokio::test]
async fn a_read_cut_by_max_pages_continues_without_loss_or_repeat() {
    let fake = FakeStackExchange::start().await.unwrap();
    let seeded = fake.seed_questions(250, "rust");
    let s = connector(&fake, &["rust"]);
    let mut all = Vec::new();
    let mut cursor: Option<Cursor> = None;
    let mut rounds = 0;
    loop {
        let mut got = Collect::default();
        let more = s
            .pull(
                cursor.as_ref(),
                &window(Duration::from_secs(3600), 1),
                &mut got,
            )
            .await
            .unwrap();
        all.extend(got.ids());
        cursor = got.last_cursor().or(cursor);
        rounds += 1;
        if more == More::No {
            break;
        }
        assert!(rounds < 10);
    }
    let want: Vec<String> = seeded.iter().copied().map(post).collect();
    assert_eq!(all, want);
    assert!(rounds >= 3, "{rounds}");
}

#[tokio::test]
async fn each_followed_tag_is_read_and_no_other() {
    let fake = FakeStackExchange::start().await.unwrap();
    let a = fake.ask("ana", "About serde", "<p>a</p>", &["serde"]);
    let b = fake.ask("ben", "About tokio", "<p>b</p>", &["tokio", "rust"]);
    let _c = fake.ask("cid", "About python", "<p>c</p>", &["python"]);
    let s = connector(&fake, &["serde", "tokio"]);
    let first = pull(&s, None).await.unwrap();
    let mut ids = first.ids();
    ids.sort();
    assert_eq!(ids, vec![post(a), post(b)]);
    let answer = fake.answer("dan", b, "<p>Use spawn.</p>");
    let second = pull(&s, first.last_cursor().as_ref()).await.unwrap();
    assert_eq!(second.ids(), vec![post(answer)]);
}

#[tokio::test]
async fn the_quota_stops_reading_before_it_runs_out_and_is_shown() {
    let fake = FakeStackExchange::start().await.unwrap();
    fake.seed_questions(5, "rust");
    fake.set_quota_remaining(Some(&fake.key), QUOTA_RESERVE + 3);
    let s = connector(&fake, &["rust"]);
    let before = fake.calls("questions") + fake.calls("answers") + fake.calls("comments");
    let first = pull(&s, None).await;
    // Questions, answers, comments: the third request reaches the reserve.
    assert!(first.is_ok(), "{first:?}");
    assert_eq!(s.quota(), Some((QUOTA_RESERVE, 10_000)));
    let made = fake.calls("questions") + fake.calls("answers") + fake.calls("comments");
    assert_eq!(made - before, 3);
    match pull(&s, None).await {
        Err(ChannelError::RateLimited { retry_after }) => {
            assert!(retry_after <= Duration::from_secs(86_400));
        }
        other => panic!("{other:?}"),
    }
    let after = fake.calls("questions") + fake.calls("answers") + fake.calls("comments");
    assert_eq!(after, made, "no request once the reserve is reached");
}

#[tokio::test]
async fn a_backoff_bars_the_same_method_until_it_passes() {
    let fake = FakeStackExchange::start().await.unwrap();
    fake.seed_questions(3, "rust");
    let s = connector(&fake, &["rust"]);
    fake.backoff_next("questions", 30);
    let first = pull(&s, None).await.unwrap();
    assert_eq!(first.ids().len(), 3);
    let asked = fake.calls("questions");
    match pull(&s, first.last_cursor().as_ref()).await {
        Err(ChannelError::RateLimited { retry_after }) => {
            assert!(
                (25..=30).contains(&retry_after.as_secs()),
                "{retry_after:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        fake.calls("questions"),
        asked,
        "the method was not called again"
    );
    // Another method is not barred.
    s.verify().await.unwrap();
}

#[tokio::test]
async fn throttles_are_rate_limited_with_the_wait_and_outages_transient() {
    let fake = FakeStackExchange::start().await.unwrap();
    fake.seed_questions(2, "rust");
    let s = connector(&fake, &["rust"]);
    fake.fail_next(Route::Questions, 1, Fault::Throttled { secs: 82 });
    assert_eq!(
        pull(&s, None).await.err(),
        Some(ChannelError::RateLimited {
            retry_after: Duration::from_secs(82)
        })
    );
    fake.fail_next(Route::Answers, 1, Fault::Unavailable);
    let failed = pull(&s, None).await.err();
    assert!(
        matches!(failed, Some(ChannelError::Transient(ref m)) if m.contains("temporarily_unavailable")),
        "{failed:?}"
    );
    assert_eq!(
        pull(&s, None).await.unwrap().ids().len(),
        2,
        "the next read recovers"
    );
}

#[tokio::test]
async fn a_refused_key_is_unauthorized_a_wrong_site_permanent_and_no_key_works() {
    let fake = FakeStackExchange::start().await.unwrap();
    let bad = StackExchange::new(
        SITE,
        &[],
        Some(&fake.url),
        &Credentials::Token {
            token: "wrong".into(),
        },
    )
    .unwrap();
    assert!(matches!(bad.verify().await, Err(ChannelError::Unauthorized(m)) if m.contains("key")));
    let elsewhere =
        StackExchange::new("superuser", &[], Some(&fake.url), &Credentials::None).unwrap();
    assert!(
        matches!(elsewhere.verify().await, Err(ChannelError::Permanent(m)) if m.contains("site"))
    );
    let anonymous = StackExchange::new(SITE, &[], Some(&fake.url), &Credentials::None).unwrap();
    anonymous.verify().await.unwrap();
    assert_eq!(
        anonymous.quota(),
        Some((299, 300)),
        "300 a day without a key"
    );
    let broken = anonymous
        .pull(
            Some(&Cursor("[1,2".into())),
            &window(Duration::ZERO, 1),
            &mut Collect::default(),
        )
        .await;
    assert!(
        matches!(broken, Err(ChannelError::Permanent(m)) if m.contains("Stack Exchange cursor"))
    );
}

#[tokio::test]
async fn settings_are_checked_and_it_is_read_only() {
    let fake = FakeStackExchange::start().await.unwrap();
    let config = ChannelConfig::Stackexchange {
        site: SITE.into(),
        tags: vec!["rust".into()],
        api: Some(fake.url.clone()),
    };
    config.validate().unwrap();
    assert_eq!(config.network(), "stackexchange");
    assert_eq!(config.kind(), ChannelKind::Stackexchange);
    let json = serde_json::to_value(&config).unwrap();
    assert_eq!(json["network"], "stackexchange");
    assert_eq!(
        serde_json::from_value::<ChannelConfig>(json).unwrap(),
        config
    );
    let c = connect(&config, &Credentials::None).unwrap();
    c.verify().await.unwrap();
    let out = Outgoing {
        key: "k".into(),
        text: "An answer".into(),
        reply_to: None,
    };
    assert!(matches!(
        c.publish(&out).await,
        Err(ChannelError::Permanent(_))
    ));
    assert_eq!(c.lookup(&out).await, Ok(None));
    let hostile = ChannelConfig::Stackexchange {
        site: "stackoverflow/../x".into(),
        tags: vec![],
        api: None,
    };
    assert!(
        matches!(hostile.validate(), Err(ChannelError::Permanent(m)) if m.starts_with("stackexchange.site"))
    );
    let hostile = ChannelConfig::Stackexchange {
        site: SITE.into(),
        tags: vec![],
        api: Some("http://evil.example/2.3".into()),
    };
    assert!(
        matches!(hostile.validate(), Err(ChannelError::Permanent(m)) if m.starts_with("stackexchange.api"))
    );
    assert!(
        connect(
            &config,
            &Credentials::Password {
                username: "a".into(),
                password: "b".into()
            }
        )
        .is_err()
    );
}
