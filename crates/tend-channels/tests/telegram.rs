//! The Telegram connector against the fake Bot API (`tend_fakes::telegram`):
//! Telegram cannot be run offline, so the fake plays it with the Bot API's
//! rules, built from recorded updates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use std::time::{Duration, Instant};
use tend_channels::live::telegram::{self, Telegram};
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    ReplyTarget, Sink, SinkError, Source, Window, connect,
};
use tend_domain::{ChannelKind, Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::telegram::{BOT_ID, BOT_USERNAME, FakeTelegram, Fault, Route};

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

/// Hands pages to the test as they arrive.
struct Channel(tokio::sync::mpsc::UnboundedSender<Page>);

#[async_trait]
impl Sink for Channel {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        self.0.send(page).map_err(|e| SinkError(e.to_string()))
    }
}

fn window(max_pages: usize) -> Window {
    Window {
        backfill_from: Timestamp::now() - SignedDuration::from_hours(1),
        until: Instant::now() + Duration::from_secs(5),
        max_pages,
    }
}

fn connector(fake: &FakeTelegram, chats: &[i64]) -> Telegram {
    let chats: Vec<String> = chats.iter().map(i64::to_string).collect();
    Telegram::new(
        Some(&fake.url),
        &chats,
        &Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .unwrap()
}

fn reply(key: &str, text: &str, to: &str, thread: Option<String>) -> Outgoing {
    Outgoing {
        key: key.into(),
        text: text.into(),
        reply_to: Some(ReplyTarget {
            external_id: to.into(),
            thread_external_id: thread,
            author_external_id: None,
            author_handle: None,
            title: None,
        }),
    }
}

#[tokio::test]
async fn a_backfill_then_reads_from_the_offset_lose_and_repeat_nothing() {
    let fake = FakeTelegram::start().await.unwrap();
    let first = fake.seed_dms(150);
    let t = connector(&fake, &[]);
    let mut got = Collect::default();
    assert_eq!(t.pull(None, &window(10), &mut got).await, Ok(More::No));
    assert_eq!(got.ids(), first, "oldest first, all of them");
    assert_eq!(got.0.len(), 2, "100 updates per getUpdates");

    let new: Vec<String> = (0..3)
        .map(|i| fake.dm("ada", &format!("new {i}")))
        .collect();
    let mut second = Collect::default();
    t.pull(got.last_cursor().as_ref(), &window(10), &mut second)
        .await
        .unwrap();
    assert_eq!(second.ids(), new);
    assert_eq!(
        fake.pending_updates(),
        3,
        "asking from an offset confirmed the earlier updates"
    );

    let mut third = Collect::default();
    t.pull(second.last_cursor().as_ref(), &window(10), &mut third)
        .await
        .unwrap();
    assert!(third.ids().is_empty(), "{:?}", third.ids());
    assert_eq!(fake.pending_updates(), 0);
}

#[tokio::test]
async fn a_read_cut_by_max_pages_continues_from_its_cursor() {
    let fake = FakeTelegram::start().await.unwrap();
    let all = fake.seed_dms(250);
    let t = connector(&fake, &[]);
    let mut first = Collect::default();
    assert_eq!(t.pull(None, &window(1), &mut first).await, Ok(More::Yes));
    assert_eq!(first.ids(), all[..100].to_vec());
    let mut rest = Collect::default();
    assert_eq!(
        t.pull(first.last_cursor().as_ref(), &window(10), &mut rest)
            .await,
        Ok(More::No)
    );
    assert_eq!(rest.ids(), all[100..].to_vec());
}

#[tokio::test]
async fn messages_map_as_telegram_shows_them() {
    let fake = FakeTelegram::start().await.unwrap();
    let group = fake.group("Support", false);
    let forum = fake.group("Forum", true);
    let news = fake.channel("News", "brandnews");
    let dm = fake.dm("ada", "hello bot");
    let question = fake.say(group, "bob", "Is it down?", None, None);
    let q_id: i64 = question.split('/').nth(1).unwrap().parse().unwrap();
    let answer = fake.say(group, "cy", "Works for me", Some(q_id), None);
    let named = fake.say(group, "bob", &format!("@{BOT_USERNAME} help"), None, None);
    let topic_root = fake.say(forum, "dee", "Topic opener", None, None);
    let root_id: i64 = topic_root.split('/').nth(1).unwrap().parse().unwrap();
    let in_topic = fake.say(forum, "eve", "In the topic", Some(root_id), Some(root_id));
    let post = fake.channel_post(news, "Release 2.0 is out");

    let t = connector(&fake, &[]);
    let mut got = Collect::default();
    t.pull(None, &window(10), &mut got).await.unwrap();
    let by_id = |id: &str| {
        got.messages()
            .into_iter()
            .find(|m| m.external_id == id)
            .unwrap_or_else(|| panic!("{id} not read: {:?}", got.ids()))
            .clone()
    };
    let m = by_id(&dm);
    assert_eq!(m.kind, MessageKind::DirectMessage);
    assert_eq!(m.direction, Direction::Inbound);
    assert_eq!(m.text, "hello bot");
    assert_eq!(m.permalink, None, "private chats have no link");
    let author = m.author.unwrap();
    assert_eq!(author.platform, ChannelKind::Telegram);
    assert_eq!(author.handle, "ada");
    assert_eq!(author.display_name.as_deref(), Some("Member ada"));
    assert_ne!(author.external_id, "ada", "keyed by the stable user id");

    assert_eq!(by_id(&question).kind, MessageKind::Comment);
    let a = by_id(&answer);
    assert_eq!(a.kind, MessageKind::Reply);
    assert_eq!(a.parent_external_id.as_deref(), Some(question.as_str()));
    assert_eq!(by_id(&named).kind, MessageKind::Mention);
    let topic = by_id(&in_topic);
    assert_eq!(
        topic.thread_external_id.as_deref(),
        Some(topic_root.as_str())
    );
    let p = by_id(&post);
    assert_eq!(
        (p.kind, p.direction),
        (MessageKind::Post, Direction::Outbound)
    );
    assert_eq!(
        p.permalink.as_deref(),
        Some(format!("https://t.me/brandnews/{}", post.split('/').nth(1).unwrap()).as_str())
    );
    assert_eq!(p.author.unwrap().handle, "brandnews");

    // With a chats filter, other groups are skipped (private chats are not).
    let fake2 = FakeTelegram::start().await.unwrap();
    let followed = fake2.group("Followed", false);
    let other = fake2.group("Other", false);
    let keep = fake2.say(followed, "bob", "in", None, None);
    fake2.say(other, "bob", "out", None, None);
    let private = fake2.dm("bob", "psst");
    let mut filtered = Collect::default();
    connector(&fake2, &[followed])
        .pull(None, &window(10), &mut filtered)
        .await
        .unwrap();
    assert_eq!(filtered.ids(), vec![keep, private]);
}

#[tokio::test]
async fn streaming_long_polls_and_delivers_messages_then_edits() {
    let fake = FakeTelegram::start().await.unwrap();
    let before = fake.dm("ada", "before the stream");
    let t = connector(&fake, &[]);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = Window {
        backfill_from: Timestamp::now() - SignedDuration::from_secs(60),
        until: Instant::now() + Duration::from_secs(4),
        max_pages: 10,
    };
    let task = tokio::spawn(async move {
        let mut sink = Channel(tx);
        t.stream(None, &w, &mut sink).await
    });
    let page = rx.recv().await.unwrap();
    let IncomingItem::Message(first) = &page.items[0] else {
        panic!()
    };
    assert_eq!(first.external_id, before);

    let live = fake.dm("bob", "while streaming");
    let page = rx.recv().await.unwrap();
    let IncomingItem::Message(m) = &page.items[0] else {
        panic!()
    };
    assert_eq!(m.external_id, live);

    assert!(fake.edit(&live, "while streaming, edited"));
    let page = rx.recv().await.unwrap();
    let IncomingItem::Message(edited) = &page.items[0] else {
        panic!()
    };
    assert_eq!(edited.external_id, live, "an edit keeps the id");
    assert_eq!(edited.text, "while streaming, edited");
    assert!(edited.edited_at.is_some());
    assert!(page.cursor.is_some());
    assert_eq!(task.await.unwrap(), Ok(More::No));
}

#[tokio::test]
async fn a_reply_lands_in_the_right_chat_topic_and_message() {
    let fake = FakeTelegram::start().await.unwrap();
    let forum = fake.group("Forum", true);
    let root = fake.say(forum, "dee", "Topic opener", None, None);
    let root_id: i64 = root.split('/').nth(1).unwrap().parse().unwrap();
    let question = fake.say(
        forum,
        "eve",
        "How do I export?",
        Some(root_id),
        Some(root_id),
    );
    let t = connector(&fake, &[]);
    let sent = t
        .publish(&reply(
            "k1",
            "Settings → Export.",
            &question,
            Some(root.clone()),
        ))
        .await
        .unwrap();
    let on_server = fake.message(&sent.id).unwrap();
    assert_eq!(on_server.chat_id, forum);
    assert_eq!(on_server.from, BOT_ID);
    assert_eq!(
        Some(on_server.reply_to.unwrap().to_string().as_str()),
        question.split('/').nth(1)
    );
    assert_eq!(on_server.thread, Some(root_id));
    assert_eq!(on_server.text, "Settings → Export.");
    assert!(sent.url.unwrap().starts_with("https://t.me/c/"));

    let dm = fake.dm("ada", "hi");
    let answer = t.publish(&reply("k2", "Hello!", &dm, None)).await.unwrap();
    assert_eq!(
        fake.message(&answer.id).unwrap().chat_id.to_string(),
        dm.split('/').next().unwrap()
    );

    let bad = t.publish(&reply("k3", "x", "not-an-id", None)).await;
    assert!(
        matches!(bad, Err(ChannelError::Permanent(ref m)) if m.contains("reply target")),
        "{bad:?}"
    );
}

#[tokio::test]
async fn publish_goes_to_the_first_chat_and_delete_removes_it_once() {
    let fake = FakeTelegram::start().await.unwrap();
    let news = fake.channel("News", "brandnews");
    let t = connector(&fake, &[news]);
    let post = Outgoing {
        key: "p1".into(),
        text: "We ship today".into(),
        reply_to: None,
    };
    let sent = t.publish(&post).await.unwrap();
    assert_eq!(fake.message(&sent.id).unwrap().chat_id, news);
    t.delete(&sent).await.unwrap();
    assert!(fake.message(&sent.id).is_none());
    t.delete(&sent).await.unwrap();

    let nowhere = connector(&fake, &[]).publish(&post).await;
    assert!(
        matches!(nowhere, Err(ChannelError::Permanent(_))),
        "{nowhere:?}"
    );
}

#[tokio::test]
async fn flood_control_server_errors_and_bad_tokens_map_to_what_the_runner_must_do() {
    let fake = FakeTelegram::start().await.unwrap();
    let dm = fake.dm("ada", "hi");
    let t = connector(&fake, &[]);
    fake.fail_next(
        Route::SendMessage,
        1,
        Fault::RateLimited {
            retry_after_secs: 14,
        },
    );
    assert_eq!(
        t.publish(&reply("k1", "a", &dm, None)).await,
        Err(ChannelError::RateLimited {
            retry_after: Duration::from_secs(14)
        })
    );
    fake.set_per_chat_limit(1);
    t.publish(&reply("k2", "b", &dm, None)).await.unwrap();
    let limited = t.publish(&reply("k3", "c", &dm, None)).await;
    assert!(
        matches!(limited, Err(ChannelError::RateLimited { retry_after }) if retry_after <= Duration::from_secs(60) && retry_after >= Duration::from_secs(1)),
        "{limited:?}"
    );
    fake.set_per_chat_limit(1000);
    assert_eq!(fake.bot_messages().len(), 1, "nothing sent while limited");

    fake.fail_next(Route::GetUpdates, 1, Fault::Unavailable);
    let mut sink = Collect::default();
    let down = t.pull(None, &window(1), &mut sink).await;
    assert!(matches!(down, Err(ChannelError::Transient(_))), "{down:?}");

    let wrong = Telegram::new(
        Some(&fake.url),
        &[],
        &Credentials::Token {
            token: "123:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
        },
    )
    .unwrap();
    let refused = wrong.verify().await;
    assert!(
        matches!(refused, Err(ChannelError::Unauthorized(_))),
        "{refused:?}"
    );
    assert_eq!(
        t.verify().await.unwrap().handle.as_deref(),
        Some(BOT_USERNAME)
    );
}

#[tokio::test]
async fn the_token_never_appears_in_an_error() {
    let fake = FakeTelegram::start().await.unwrap();
    let secret = fake.token.clone();
    let dm = fake.dm("ada", "hi");
    // A network error (nothing listens there): reqwest would print the URL.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let t = Telegram::new(
        Some(&dead),
        &[],
        &Credentials::Token {
            token: secret.clone(),
        },
    )
    .unwrap();
    let mut errors = vec![t.verify().await.unwrap_err()];
    let live = connector(&fake, &[]);
    fake.fail_next(Route::SendMessage, 1, Fault::CommitThenDrop);
    errors.push(live.publish(&reply("k", "x", &dm, None)).await.unwrap_err());
    fake.fail_next(Route::GetUpdates, 1, Fault::Unavailable);
    errors.push(
        live.pull(None, &window(1), &mut Collect::default())
            .await
            .unwrap_err(),
    );
    errors.push(live.lookup(&reply("k", "x", &dm, None)).await.unwrap_err());
    for e in errors {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(&secret), "{shown}");
        assert!(
            !shown.contains(secret.split(':').nth(1).unwrap()),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_reply_cut_off_after_it_was_sent_is_unknown_and_never_sent_twice() {
    let fake = FakeTelegram::start().await.unwrap();
    let dm = fake.dm("ada", "hi");
    let t = connector(&fake, &[]);
    fake.fail_next(Route::SendMessage, 1, Fault::CommitThenDrop);
    let post = reply("k-cut", "We are on it.", &dm, None);
    let cut = t.publish(&post).await;
    assert!(matches!(cut, Err(ChannelError::Transient(_))), "{cut:?}");
    assert_eq!(fake.bot_messages().len(), 1, "it was sent");
    // Telegram cannot tell: the lookup says so, without sending anything.
    let asked = t.lookup(&post).await;
    assert!(
        matches!(&asked, Err(ChannelError::Permanent(why)) if why.contains("cannot know")),
        "{asked:?}"
    );
    assert_eq!(fake.send_requests(), 1);
    assert_eq!(fake.bot_messages().len(), 1);
}

#[tokio::test]
async fn settings_refuse_hostile_values_naming_the_setting() {
    let ok = ChannelConfig::Telegram {
        chats: vec!["-1001234567890".into()],
        api_base: None,
    };
    assert!(ok.validate().is_ok());
    assert_eq!(ok.kind(), ChannelKind::Telegram);
    assert_eq!(serde_json::to_value(&ok).unwrap()["network"], "telegram");
    for (name, chats, base) in [
        ("telegram.chats", vec!["@brand".to_string()], None),
        ("telegram.chats", vec!["0".to_string()], None),
        ("telegram.api_base", vec![], Some("http://api.telegram.org")),
        (
            "telegram.api_base",
            vec![],
            Some("https://u:p@api.telegram.org"),
        ),
        ("telegram.api_base", vec![], Some("file:///etc/passwd")),
    ] {
        let c = ChannelConfig::Telegram {
            chats,
            api_base: base.map(Into::into),
        };
        assert!(
            matches!(c.validate(), Err(ChannelError::Permanent(r)) if r.starts_with(name)),
            "{c:?}"
        );
    }
    assert!(connect(&ok, &Credentials::None).is_err());
    assert!(telegram::api_base(Some("http://127.0.0.1:8081")).is_ok());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        telegram::fuzz_telegram(&bytes);
    }

    #[test]
    fn arbitrary_updates_never_panic(id in any::<i64>(), date in any::<i64>(), text in ".{0,40}", offset in any::<i64>(), len in any::<i64>()) {
        let update = serde_json::json!({"ok": true, "result": [{
            "update_id": id,
            "message": {"message_id": id, "date": date, "text": text,
                "chat": {"id": id, "type": "supergroup"},
                "entities": [{"type": "mention", "offset": offset, "length": len}]}
        }]});
        telegram::fuzz_telegram(update.to_string().as_bytes());
    }
}
