//! The Discord connector against the fake Discord (`tend_fakes::discord`):
//! REST reads and writes, and Gateway sessions (identify, heartbeats,
//! dispatches, resume), with Discord's rules, built from recorded frames.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use std::time::{Duration, Instant};
use tend_channels::live::discord::{self, Discord, Settings};
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    ReplyTarget, Sink, SinkError, Source, Window,
};
use tend_domain::{ChannelKind, Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::discord::{FakeDiscord, Fault, Route};

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

fn connector_with(fake: &FakeDiscord, channels: &[String], token: &str) -> Discord {
    let guild = fake.guild_id();
    Discord::new(
        Settings {
            guild_id: &guild,
            channels,
            publish_channel: None,
            api_base: Some(&fake.api_base),
            gateway: Some(&fake.gateway_url),
        },
        &Credentials::Token {
            token: token.into(),
        },
    )
    .unwrap()
}

fn connector(fake: &FakeDiscord) -> Discord {
    connector_with(fake, &[], &fake.token)
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

/// The next page with something in it.
async fn next_items(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Page>) -> Page {
    loop {
        let page = rx.recv().await.expect("the stream ended");
        if !page.items.is_empty() || !page.deleted.is_empty() {
            return page;
        }
    }
}

fn only(page: &Page) -> &IncomingMessage {
    match &page.items[..] {
        [IncomingItem::Message(m)] => m,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn rest_reads_backfill_then_continue_from_each_channels_cursor() {
    let fake = FakeDiscord::start().await.unwrap();
    let general = fake.channel();
    let help = fake.add_channel("help");
    let staff = fake.add_hidden_channel("staff");
    let a = fake.seed(general, 150);
    let b = fake.seed(help, 3);
    let d = connector(&fake);
    let mut got = Collect::default();
    assert_eq!(d.pull(None, &window(10), &mut got).await, Ok(More::No));
    let mut want = a.clone();
    want.extend(b.clone());
    assert_eq!(got.ids(), want, "each channel oldest first, 100 a page");

    let new_general = fake.say(general, "ada", "new here", None);
    let new_help = fake.say(help, "bob", "and here", None);
    let mut second = Collect::default();
    d.pull(got.last_cursor().as_ref(), &window(10), &mut second)
        .await
        .unwrap();
    assert_eq!(second.ids(), vec![new_general, new_help]);
    let mut third = Collect::default();
    d.pull(second.last_cursor().as_ref(), &window(10), &mut third)
        .await
        .unwrap();
    assert!(third.ids().is_empty(), "{:?}", third.ids());

    // Cut by max_pages: the rest comes from the cursor.
    let mut cut = Collect::default();
    assert_eq!(
        connector(&fake).pull(None, &window(1), &mut cut).await,
        Ok(More::Yes)
    );
    assert_eq!(cut.ids(), a[..100].to_vec());
    let mut rest = Collect::default();
    connector(&fake)
        .pull(cut.last_cursor().as_ref(), &window(10), &mut rest)
        .await
        .unwrap();
    assert_eq!(rest.ids().len(), 50 + 3 + 2);

    // A channel named in the settings must be readable.
    let named = connector_with(&fake, &[staff.to_string()], &fake.token);
    let refused = named.pull(None, &window(1), &mut Collect::default()).await;
    assert!(
        matches!(&refused, Err(ChannelError::Permanent(m)) if m.contains("missing permissions")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn messages_map_mentions_replies_and_threads_as_discord_shows_them() {
    let fake = FakeDiscord::start().await.unwrap();
    let general = fake.channel();
    let q = fake.say(general, "ada", "<@bot> is the app down?", None);
    let q_id: u64 = q.split('/').nth(1).unwrap().parse().unwrap();
    let named = fake.say(general, "bob", "ask <@800000000000000000> about it", None);
    let answer = fake.say(general, "bob", "same here", Some(q_id));
    let thread = fake.start_thread(&q, "Outage").unwrap();
    let in_thread = fake.say(thread, "cy", "following", None);
    let d = connector(&fake);
    let mut got = Collect::default();
    d.pull(None, &window(10), &mut got).await.unwrap();
    let by_id = |id: &str| {
        got.messages()
            .into_iter()
            .find(|m| m.external_id == id)
            .unwrap_or_else(|| panic!("{id} not read: {:?}", got.ids()))
            .clone()
    };
    let m = by_id(&q);
    assert_eq!(m.kind, MessageKind::Mention);
    assert_eq!(m.direction, Direction::Inbound);
    assert_eq!(
        m.text, "@username_2 is the app down?",
        "the bot as Discord shows it"
    );
    let author = m.author.unwrap();
    assert_eq!(author.platform, ChannelKind::Discord);
    assert_eq!(author.handle, "ada");
    assert_eq!(author.display_name.as_deref(), Some("Member ada"));
    assert_eq!(
        m.permalink,
        Some(format!(
            "https://discord.com/channels/{}/{}",
            fake.guild_id(),
            q
        ))
    );
    assert_eq!(by_id(&named).text, "ask @Member ada about it");
    let a = by_id(&answer);
    assert_eq!(a.kind, MessageKind::Reply);
    assert_eq!(a.parent_external_id.as_deref(), Some(q.as_str()));
    let t = by_id(&in_thread);
    assert_eq!(
        t.thread_external_id.as_deref(),
        Some(q.as_str()),
        "the thread's root is its starter"
    );
    assert_eq!(t.kind, MessageKind::Reply);
}

#[tokio::test]
async fn a_gateway_session_streams_messages_edits_deletions_and_dms_and_resumes() {
    let fake = FakeDiscord::start().await.unwrap();
    fake.set_heartbeat(Duration::from_millis(150));
    let general = fake.channel();
    let before = fake.say(general, "ada", "before the session", None);
    let d = connector(&fake);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = Window {
        backfill_from: Timestamp::now() - SignedDuration::from_secs(60),
        until: Instant::now() + Duration::from_secs(6),
        max_pages: 10,
    };
    let task = tokio::spawn(async move {
        let mut sink = Channel(tx);
        d.stream(None, &w, &mut sink).await
    });
    // After READY the channels are caught up over REST.
    let page = next_items(&mut rx).await;
    assert_eq!(only(&page).external_id, before);
    let cursor = page.cursor.clone().unwrap();

    let live = fake.say(general, "bob", "<@bot> live one", None);
    let page = next_items(&mut rx).await;
    let m = only(&page);
    assert_eq!(
        (m.external_id.as_str(), m.kind),
        (live.as_str(), MessageKind::Mention)
    );
    assert_ne!(
        page.cursor.as_ref(),
        Some(&cursor),
        "the cursor moves with the stream"
    );

    assert!(fake.edit(&live, "<@bot> live one, edited"));
    let page = next_items(&mut rx).await;
    let edited = only(&page);
    assert_eq!(edited.external_id, live);
    assert_eq!(edited.text, "@username_2 live one, edited");
    assert!(edited.edited_at.is_some());

    assert!(fake.delete(&before));
    let page = next_items(&mut rx).await;
    assert_eq!(page.deleted, vec![before.clone()]);

    let dm = fake.dm("cy", "a private question");
    let page = next_items(&mut rx).await;
    let m = only(&page);
    assert_eq!(
        (m.external_id.as_str(), m.kind),
        (dm.as_str(), MessageKind::DirectMessage)
    );
    assert!(m.permalink.as_deref().unwrap().contains("/@me/"));

    // A dropped connection is resumed; what happened meanwhile is replayed.
    fake.cut_gateway();
    let missed = fake.say(general, "dee", "while the connection was down", None);
    let page = next_items(&mut rx).await;
    assert_eq!(only(&page).external_id, missed);
    // Heartbeats were acknowledged all along (no zombie reconnects), and
    // the session was resumed, not identified again.
    let (identifies, resumes) = fake.sessions();
    assert_eq!(identifies, 1);
    assert!(resumes >= 1, "{resumes}");
    assert_eq!(task.await.unwrap(), Ok(More::No));
}

#[tokio::test]
async fn the_gateway_refuses_a_bad_token_for_an_admin_to_fix() {
    let fake = FakeDiscord::start().await.unwrap();
    let guild = fake.guild_id();
    let d = Discord::new(
        Settings {
            guild_id: &guild,
            channels: &[],
            publish_channel: None,
            api_base: Some(&fake.api_base),
            gateway: Some(&fake.gateway_url),
        },
        &Credentials::Token {
            token: "wrong".into(),
        },
    )
    .unwrap();
    let got = d.stream(None, &window(1), &mut Collect::default()).await;
    assert!(matches!(got, Err(ChannelError::Unauthorized(_))), "{got:?}");
    assert!(matches!(
        d.verify().await,
        Err(ChannelError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn replies_carry_their_reference_and_a_repeated_nonce_is_one_message() {
    let fake = FakeDiscord::start().await.unwrap();
    let general = fake.channel();
    let q = fake.say(general, "ada", "help?", None);
    let d = connector(&fake);
    let key = d.new_key("tend-1-2-abcdefghij", Timestamp::now());
    assert!(key.len() <= 25, "{key}");
    let answer = reply(&key, "On it.", &q);
    let sent = d.publish(&answer).await.unwrap();
    let again = d.publish(&answer).await.unwrap();
    assert_eq!(sent, again, "Discord answers the message the nonce made");
    assert_eq!(fake.create_requests(), 2);
    let on_server = fake.bot_messages();
    assert_eq!(on_server.len(), 1);
    assert_eq!(on_server[0].external_id(), sent.id);
    assert_eq!(
        Some(on_server[0].reply_to.unwrap().to_string().as_str()),
        q.split('/').nth(1)
    );
    assert_eq!(on_server[0].content, "On it.");

    // Publishing goes to the publish channel; delete removes it, twice is fine.
    let post = Outgoing {
        key: d.new_key("post-1", Timestamp::now()),
        text: "Maintenance tonight".into(),
        reply_to: None,
    };
    let nowhere = d.publish(&post).await;
    assert!(
        matches!(nowhere, Err(ChannelError::Permanent(_))),
        "{nowhere:?}"
    );
    let with_channel = connector_with(&fake, &[general.to_string()], &fake.token);
    let published = with_channel.publish(&post).await.unwrap();
    assert_eq!(fake.message(&published.id).unwrap().channel, general);
    with_channel.delete(&published).await.unwrap();
    assert!(fake.message(&published.id).is_none());
    with_channel.delete(&published).await.unwrap();
}

#[tokio::test]
async fn a_send_cut_off_after_commit_is_settled_by_lookup_without_a_second_write() {
    let fake = FakeDiscord::start().await.unwrap();
    let general = fake.channel();
    let q = fake.say(general, "ada", "help?", None);
    let d = connector(&fake);
    let answer = reply(&d.new_key("k-cut", Timestamp::now()), "We are on it.", &q);
    assert_eq!(d.lookup(&answer).await, Ok(None), "nothing there yet");
    fake.fail_next(Route::CreateMessage, 1, Fault::CommitThenDrop);
    let cut = d.publish(&answer).await;
    assert!(matches!(cut, Err(ChannelError::Transient(_))), "{cut:?}");
    let found = d
        .lookup(&answer)
        .await
        .unwrap()
        .expect("the message is there");
    assert_eq!(fake.bot_messages().len(), 1);
    assert_eq!(fake.bot_messages()[0].external_id(), found.id);
    assert_eq!(fake.create_requests(), 1, "settled without writing again");
    // And a retry with the same nonce would not double it either.
    assert_eq!(d.publish(&answer).await.unwrap(), found);
    assert_eq!(fake.bot_messages().len(), 1);
}

#[tokio::test]
async fn spent_buckets_are_waited_out_and_429s_server_errors_and_bad_tokens_map() {
    let fake = FakeDiscord::start().await.unwrap();
    let general = fake.channel();
    let q = fake.say(general, "ada", "help?", None);
    let d = connector(&fake);
    fake.set_rate_limit(2, Duration::from_millis(600));
    for i in 0..5 {
        d.publish(&reply(&format!("n{i}"), &format!("answer {i}"), &q))
            .await
            .unwrap();
    }
    assert_eq!(fake.bot_messages().len(), 5);
    assert_eq!(
        fake.rate_limited(),
        0,
        "the connector waited Reset-After instead of hitting 429"
    );
    fake.set_rate_limit(10_000, Duration::from_secs(1));

    fake.fail_next(
        Route::CreateMessage,
        1,
        Fault::RateLimited {
            retry_after_secs: 1.5,
        },
    );
    assert_eq!(
        d.publish(&reply("r1", "x", &q)).await,
        Err(ChannelError::RateLimited {
            retry_after: Duration::from_secs(2)
        })
    );
    fake.fail_next(Route::GetMessages, 1, Fault::Unavailable);
    let down = d.pull(None, &window(1), &mut Collect::default()).await;
    assert!(matches!(down, Err(ChannelError::Transient(_))), "{down:?}");
    let wrong = connector_with(&fake, &[], "not-the-token");
    assert!(matches!(
        wrong.verify().await,
        Err(ChannelError::Unauthorized(_))
    ));
    assert_eq!(
        d.verify().await.unwrap().handle.as_deref(),
        Some("username_2")
    );
}

#[test]
fn settings_refuse_hostile_values_naming_the_setting() {
    let ok = ChannelConfig::Discord {
        guild_id: "900000000000000008".into(),
        channels: vec!["900000000000000009".into()],
        publish_channel: None,
        api_base: None,
        gateway: None,
    };
    assert!(ok.validate().is_ok());
    assert_eq!(ok.kind(), ChannelKind::Discord);
    assert_eq!(serde_json::to_value(&ok).unwrap()["network"], "discord");
    let bad =
        |guild: &str, channel: &str, publish: Option<&str>, api: Option<&str>, gw: Option<&str>| {
            ChannelConfig::Discord {
                guild_id: guild.into(),
                channels: vec![channel.into()],
                publish_channel: publish.map(Into::into),
                api_base: api.map(Into::into),
                gateway: gw.map(Into::into),
            }
        };
    for (name, c) in [
        ("discord.guild_id", bad("x", "1", None, None, None)),
        ("discord.channels", bad("1", "../1", None, None, None)),
        (
            "discord.publish_channel",
            bad("1", "1", Some("1 2"), None, None),
        ),
        (
            "discord.api_base",
            bad("1", "1", None, Some("http://discord.com"), None),
        ),
        (
            "discord.gateway",
            bad("1", "1", None, None, Some("https://x")),
        ),
    ] {
        assert!(
            matches!(c.validate(), Err(ChannelError::Permanent(r)) if r.starts_with(name)),
            "{c:?}"
        );
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        discord::fuzz_discord(&bytes);
    }

    #[test]
    fn arbitrary_messages_never_panic(id in ".{0,22}", content in ".{0,60}", kind in 0i64..25) {
        let m = serde_json::json!([{"id": id, "channel_id": "5", "type": kind, "content": content,
            "timestamp": "2026-01-01T00:00:00+00:00", "author": {"id": "7", "username": "u"},
            "mentions": [{"id": "7", "username": "u"}],
            "message_reference": {"message_id": id}}]);
        discord::fuzz_discord(m.to_string().as_bytes());
        let frame = serde_json::json!({"op": 0, "t": "MESSAGE_CREATE", "s": 1, "d": m[0]});
        discord::fuzz_discord(frame.to_string().as_bytes());
    }
}
