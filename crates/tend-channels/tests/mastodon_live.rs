//! The Mastodon connector against the fake Mastodon (`tend_fakes::mastodon`):
//! no Mastodon can be installed offline, so the fake plays the server with
//! Mastodon's rules, built from recorded payloads. (`tests/mastodon.rs` is
//! the Mastodon importer's.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};
use tend_channels::live::mastodon::{self, Mastodon};
use tend_channels::live::oauth::{self, Pkce};
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, ReplyTarget, Sink, SinkError, Source, Window, connect,
};
use tend_domain::{ChannelKind, Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::mastodon::{FakeMastodon, Fault, Route};

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

/// Hands pages to the test as they arrive, with the moment they did.
struct Channel(tokio::sync::mpsc::UnboundedSender<(Instant, Page)>);

#[async_trait]
impl Sink for Channel {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        self.0
            .send((Instant::now(), page))
            .map_err(|e| SinkError(e.to_string()))
    }
}

fn window(back: Duration, max_pages: usize) -> Window {
    Window {
        backfill_from: Timestamp::now() - SignedDuration::try_from(back).unwrap(),
        until: Instant::now() + Duration::from_secs(5),
        max_pages,
    }
}

fn connector(fake: &FakeMastodon) -> Mastodon {
    Mastodon::new(
        &fake.url,
        None,
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

fn reply(key: &str, text: &str, to: &str, handle: &str) -> Outgoing {
    Outgoing {
        key: key.into(),
        text: text.into(),
        reply_to: Some(ReplyTarget {
            external_id: to.into(),
            thread_external_id: None,
            author_external_id: None,
            author_handle: Some(handle.into()),
            title: None,
        }),
    }
}

#[tokio::test]
async fn backfill_then_pull_since_the_cursor_loses_and_repeats_nothing() {
    let fake = FakeMastodon::start().await.unwrap();
    let old: Vec<String> = (0..3)
        .map(|i| fake.post_mention_ago("oldtimer", &format!("old {i}"), Duration::from_secs(7200)))
        .collect();
    let recent = fake.seed_mentions(150);
    let m = connector(&fake);

    let mut first = Collect::default();
    let more = m
        .pull(None, &window(Duration::from_secs(3600), 10), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::No);
    assert_eq!(
        first.ids(),
        recent,
        "the backfill reads back to the horizon, oldest first"
    );
    assert!(old.iter().all(|id| !first.ids().contains(id)));
    assert_eq!(first.0.len(), 2, "80 per page");

    let cursor = first.last_cursor().unwrap();
    let new: Vec<String> = (0..3)
        .map(|i| fake.post_mention("alice", &format!("new {i}")))
        .collect();
    let mut second = Collect::default();
    m.pull(Some(&cursor), &window(Duration::ZERO, 10), &mut second)
        .await
        .unwrap();
    assert_eq!(second.ids(), new);

    let mut third = Collect::default();
    let cursor = second.last_cursor().unwrap();
    m.pull(Some(&cursor), &window(Duration::ZERO, 10), &mut third)
        .await
        .unwrap();
    assert!(third.ids().is_empty(), "{:?}", third.ids());
}

#[tokio::test]
async fn a_backfill_cut_by_max_pages_continues_from_its_cursor() {
    let fake = FakeMastodon::start().await.unwrap();
    let all = fake.seed_mentions(200);
    let m = connector(&fake);
    let mut first = Collect::default();
    let more = m
        .pull(None, &window(Duration::from_secs(600), 1), &mut first)
        .await
        .unwrap();
    assert_eq!(more, More::Yes);
    let n = first.ids().len();
    assert!(n > 0 && n <= 80, "{n}");
    assert_eq!(first.ids(), all[..n].to_vec(), "the oldest come first");
    let mut rest = Collect::default();
    let more = m
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
async fn a_mention_maps_its_author_parent_language_and_link() {
    let fake = FakeMastodon::start().await.unwrap();
    let m = connector(&fake);
    let ours = m
        .publish(&post("k-root", "Our launch is today!"))
        .await
        .unwrap();
    let id = fake.post_reply("alice", "Is there a <b>discount</b> & a demo?", &ours.id);
    let mut got = Collect::default();
    m.pull(None, &window(Duration::from_secs(60), 5), &mut got)
        .await
        .unwrap();
    let [msg] = got.messages()[..] else {
        panic!("{:?}", got.ids())
    };
    let host = fake.url.trim_start_matches("http://");
    assert_eq!(msg.external_id, id);
    assert_eq!(msg.kind, MessageKind::Reply);
    assert_eq!(msg.direction, Direction::Inbound);
    assert_eq!(msg.parent_external_id.as_deref(), Some(ours.id.as_str()));
    assert_eq!(msg.text, "@brand Is there a <b>discount</b> & a demo?");
    assert_eq!(msg.lang.as_deref(), Some("en"));
    assert_eq!(msg.permalink, Some(format!("{}/@alice/{id}", fake.url)));
    let author = msg.author.as_ref().unwrap();
    assert_eq!(author.platform, ChannelKind::Mastodon);
    assert_eq!(author.handle, format!("alice@{host}"));
    assert_eq!(author.external_id, format!("alice@{host}"));
    assert!(author.followers.is_some_and(|n| n > 0));

    let private = fake.post_direct("alice", "a private word");
    let mut more = Collect::default();
    m.pull(
        got.last_cursor().as_ref(),
        &window(Duration::ZERO, 5),
        &mut more,
    )
    .await
    .unwrap();
    let [dm] = more.messages()[..] else {
        panic!("{:?}", more.ids())
    };
    assert_eq!(
        (dm.external_id.as_str(), dm.kind),
        (private.as_str(), MessageKind::DirectMessage)
    );
}

#[tokio::test]
async fn streaming_delivers_a_mention_within_a_second_then_edits_and_deletions() {
    let fake = FakeMastodon::start().await.unwrap();
    let first = fake.post_mention("alice", "before the stream");
    let m = connector(&fake);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = Window {
        backfill_from: Timestamp::now() - SignedDuration::from_secs(60),
        until: Instant::now() + Duration::from_secs(4),
        max_pages: 10,
    };
    let task = tokio::spawn(async move {
        let mut sink = Channel(tx);
        m.stream(None, &w, &mut sink).await
    });
    // The catch-up runs once the stream is connected.
    let (_, page) = rx.recv().await.unwrap();
    assert_eq!(page.cursor, Some(Cursor("1".into())));
    let IncomingItem::Message(caught) = &page.items[0] else {
        panic!()
    };
    assert_eq!(caught.external_id, first);

    let posted = Instant::now();
    let id = fake.post_mention("bob@other.example", "live one");
    let (at, page) = rx.recv().await.unwrap();
    assert!(at - posted < Duration::from_secs(1), "{:?}", at - posted);
    let IncomingItem::Message(live) = &page.items[0] else {
        panic!()
    };
    assert_eq!(live.external_id, id);
    assert_eq!(live.author.as_ref().unwrap().handle, "bob@other.example");
    assert_eq!(page.cursor, Some(Cursor("2".into())));

    assert!(fake.edit_status(&id, "live one, edited"));
    let (_, page) = rx.recv().await.unwrap();
    let IncomingItem::Message(edited) = &page.items[0] else {
        panic!()
    };
    assert_eq!(edited.external_id, id, "an edit keeps the id");
    assert_eq!(edited.text, "@brand live one, edited");
    assert!(edited.edited_at.is_some());
    assert_eq!(page.cursor, None);

    assert!(fake.delete_status(&first));
    let (_, page) = rx.recv().await.unwrap();
    assert_eq!(page.deleted, vec![first]);
    assert!(page.items.is_empty());

    assert_eq!(task.await.unwrap(), Ok(More::No));
}

#[tokio::test]
async fn a_stream_that_breaks_reconnects_and_catches_up() {
    let fake = FakeMastodon::start().await.unwrap();
    fake.fail_next(Route::Streaming, 2, Fault::Unavailable);
    let m = connector(&fake);
    let id = fake.post_mention("alice", "while the stream was down");
    let mut got = Collect::default();
    let w = Window {
        backfill_from: Timestamp::now() - SignedDuration::from_secs(60),
        until: Instant::now() + Duration::from_secs(3),
        max_pages: 10,
    };
    assert_eq!(m.stream(None, &w, &mut got).await, Ok(More::No));
    assert_eq!(got.ids(), vec![id]);
}

#[tokio::test]
async fn publish_reply_and_delete_on_the_server() {
    let fake = FakeMastodon::start().await.unwrap();
    let m = connector(&fake);
    let mention = fake.post_mention("alice", "help please");
    let host = fake.url.trim_start_matches("http://").to_string();

    let root = m.publish(&post("k1", "Hello, community")).await.unwrap();
    let answer = m
        .publish(&reply(
            "k2",
            "We are on it.",
            &mention,
            &format!("alice@{host}"),
        ))
        .await
        .unwrap();
    assert_eq!(
        answer.url,
        Some(format!("{}/@brand/{}", fake.url, answer.id))
    );
    let on_server = fake.status(&answer.id).unwrap();
    assert_eq!(on_server.in_reply_to_id.as_deref(), Some(mention.as_str()));
    assert_eq!(on_server.text, "@alice We are on it.");
    assert_eq!(fake.brand_statuses().len(), 2);

    assert_eq!(on_server.visibility, "public");

    let private = fake.post_direct("dora", "my order number is 1234");
    let hushed = m
        .publish(&reply("k3", "Thanks, we will check.", &private, "dora"))
        .await
        .unwrap();
    assert_eq!(fake.status(&hushed.id).unwrap().visibility, "direct");
    let gone = m.publish(&reply("k4", "Hello?", "999999", "nobody")).await;
    assert!(matches!(gone, Err(ChannelError::Permanent(_))), "{gone:?}");
    assert_eq!(fake.brand_statuses().len(), 3);

    m.delete(&root).await.unwrap();
    assert!(fake.status(&root.id).is_none());
    m.delete(&root).await.unwrap();
    assert_eq!(fake.brand_statuses().len(), 2);
}

#[tokio::test]
async fn publishing_twice_with_the_same_key_leaves_one_status() {
    let fake = FakeMastodon::start().await.unwrap();
    let m = connector(&fake);
    let first = m.publish(&post("same-key", "Once only")).await.unwrap();
    let second = m.publish(&post("same-key", "Once only")).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(fake.brand_statuses().len(), 1);
    assert_eq!(fake.status_posts(), 2);
    let other = m.publish(&post("other-key", "Once only")).await.unwrap();
    assert_ne!(other.id, first.id);
}

#[tokio::test]
async fn concurrent_publishers_with_the_same_key_make_one_status() {
    let fake = FakeMastodon::start().await.unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            // A connector each, as separate Tend processes would have.
            let m = connector(&fake);
            tokio::spawn(async move { m.publish(&post("race-key", "First come")).await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(fake.brand_statuses().len(), 1);
    assert_eq!(fake.status_posts(), 6);
}

#[tokio::test]
async fn lookup_finds_a_published_reply_and_none_for_a_key_never_sent() {
    let fake = FakeMastodon::start().await.unwrap();
    let m = connector(&fake);
    let mention = fake.post_mention("carol@elsewhere.example", "hi there");
    let sent = reply(
        "k-sent",
        "Thanks, Carol!",
        &mention,
        "carol@elsewhere.example",
    );
    let published = m.publish(&sent).await.unwrap();
    // Other statuses in between must not confuse it.
    for i in 0..45 {
        m.publish(&post(&format!("filler-{i}"), &format!("filler {i}")))
            .await
            .unwrap();
    }
    assert_eq!(m.lookup(&sent).await.unwrap(), Some(published));
    let never = reply(
        "k-never",
        "Thanks, Carol! Again",
        &mention,
        "carol@elsewhere.example",
    );
    assert_eq!(m.lookup(&never).await.unwrap(), None);
    assert_eq!(fake.brand_statuses().len(), 46, "a lookup posts nothing");
}

#[tokio::test]
async fn commit_then_drop_is_unknown_until_lookup_settles_it_and_a_retry_adds_nothing() {
    let fake = FakeMastodon::start().await.unwrap();
    let m = connector(&fake);
    let mention = fake.post_mention("alice", "are you there?");
    let out = reply("k-lost", "Yes!", &mention, "alice");
    fake.fail_next(Route::PostStatus, 1, Fault::CommitThenDrop);
    let err = m.publish(&out).await.unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err:?}");
    let on_server = fake.brand_statuses();
    assert_eq!(on_server.len(), 1, "the status was created");
    assert_eq!(fake.status_posts(), 1, "no hidden retry");

    let found = m
        .lookup(&out)
        .await
        .unwrap()
        .expect("lookup settles it as sent");
    assert_eq!(found.id, on_server[0].id);
    let retried = m.publish(&out).await.unwrap();
    assert_eq!(retried.id, found.id);
    assert_eq!(fake.brand_statuses().len(), 1);
}

#[tokio::test]
async fn bad_credentials_are_unauthorized() {
    let fake = FakeMastodon::start().await.unwrap();
    let creds = Credentials::Token {
        token: "not-a-token".into(),
    };
    let m = Mastodon::new(&fake.url, None, &creds).unwrap();
    assert!(
        matches!(m.verify().await, Err(ChannelError::Unauthorized(m)) if m.contains("The access token is invalid"))
    );
    let mut sink = Collect::default();
    let pulled = m.pull(None, &window(Duration::ZERO, 1), &mut sink).await;
    assert!(matches!(pulled, Err(ChannelError::Unauthorized(_))));
    let published = m.publish(&post("k", "x")).await;
    assert!(matches!(published, Err(ChannelError::Unauthorized(_))));
    assert_eq!(fake.brand_statuses().len(), 0);
}

#[tokio::test]
async fn rate_limits_map_to_rate_limited_with_the_wait() {
    let fake = FakeMastodon::start().await.unwrap();
    let m = connector(&fake);
    fake.fail_next(
        Route::PostStatus,
        1,
        Fault::RateLimited {
            retry_after_secs: 7,
        },
    );
    assert_eq!(
        m.publish(&post("k", "x")).await,
        Err(ChannelError::RateLimited {
            retry_after: Duration::from_secs(7)
        })
    );
    assert_eq!(fake.brand_statuses().len(), 0);

    // The budget spent: the wait comes from X-RateLimit-Reset (5 minutes).
    fake.set_rate_limit(2);
    m.verify().await.unwrap();
    match m
        .delete(&RemoteRef {
            id: "1".into(),
            url: None,
        })
        .await
    {
        Err(ChannelError::RateLimited { retry_after }) => {
            assert!(
                (290..=300).contains(&retry_after.as_secs()),
                "{retry_after:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_errors_are_transient() {
    let fake = FakeMastodon::start().await.unwrap();
    let m = connector(&fake);
    m.verify().await.unwrap();
    fake.fail_next(Route::Notifications, 1, Fault::Unavailable);
    let mut sink = Collect::default();
    let pulled = m
        .pull(
            Some(&Cursor("0".into())),
            &window(Duration::ZERO, 1),
            &mut sink,
        )
        .await;
    assert!(matches!(pulled, Err(ChannelError::Transient(m)) if m.contains("503")));
    fake.post_mention("alice", "after the outage");
    m.pull(
        Some(&Cursor("0".into())),
        &window(Duration::ZERO, 1),
        &mut sink,
    )
    .await
    .unwrap();
    assert_eq!(sink.ids().len(), 1);
}

#[tokio::test]
async fn verify_reads_the_handle_and_the_instance_limit_and_long_text_is_refused() {
    let fake = FakeMastodon::start().await.unwrap();
    fake.set_max_characters(50);
    let config = ChannelConfig::Mastodon {
        instance: fake.url.clone(),
        account: Some("@brand".into()),
    };
    let creds = Credentials::Token {
        token: fake.token.clone(),
    };
    let m = connect(&config, &creds).unwrap();
    let info = m.verify().await.unwrap();
    let host = fake.url.trim_start_matches("http://");
    assert_eq!(info.handle, Some(format!("brand@{host}")));
    assert_eq!(info.max_chars, Some(50));
    let long = m.publish(&post("k-long", &"x".repeat(51))).await;
    assert!(matches!(long, Err(ChannelError::Permanent(m)) if m.contains("character limit")));

    let wrong = ChannelConfig::Mastodon {
        instance: fake.url.clone(),
        account: Some("someone".into()),
    };
    let refused = connect(&wrong, &creds).unwrap().verify().await;
    assert!(matches!(refused, Err(ChannelError::Permanent(m)) if m.contains("someone")));
    let hostile = ChannelConfig::Mastodon {
        instance: "http://evil.example".into(),
        account: None,
    };
    assert!(
        matches!(connect(&hostile, &creds), Err(ChannelError::Permanent(m)) if m.contains("evil.example"))
    );
    let bad_handle = ChannelConfig::Mastodon {
        instance: fake.url.clone(),
        account: Some("a b/../c".into()),
    };
    assert!(bad_handle.validate().is_err());
}

/// Plays the admin's browser: follows the authorisation to the redirect.
async fn authorize(
    fake: &FakeMastodon,
    client: &oauth::OAuthClient,
    pkce: &Pkce,
    state: &str,
) -> String {
    let base = mastodon::instance_base(&fake.url).unwrap();
    let url = oauth::authorize_url(
        &mastodon::authorize_endpoint(&base),
        client,
        mastodon::SCOPES,
        state,
        pkce,
    )
    .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = browser.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let back = reqwest::Url::parse(&location).unwrap();
    assert!(location.starts_with(&client.redirect_uri));
    let pairs: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("state".into(), state.into())),
        "{location}"
    );
    pairs
        .into_iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v)
        .unwrap()
}

#[tokio::test]
async fn oauth_with_pkce_round_trips_refuses_a_wrong_verifier_and_refreshes() {
    let fake = FakeMastodon::start().await.unwrap();
    let base = mastodon::instance_base(&fake.url).unwrap();
    let client = mastodon::register_app(&fake.url, "Tend", "http://127.0.0.1:9/oauth/back")
        .await
        .unwrap();
    let http = tend_channels::live::http::client().unwrap();
    let token_url = mastodon::token_endpoint(&base);

    let pkce = Pkce::new();
    let state = oauth::random_token();
    let code = authorize(&fake, &client, &pkce, &state).await;
    let wrong =
        oauth::exchange_code(&http, &token_url, &client, &code, &Pkce::new().verifier).await;
    assert!(matches!(wrong, Err(ChannelError::Unauthorized(m)) if m.contains("invalid_grant")));

    let pkce = Pkce::new();
    let code = authorize(&fake, &client, &pkce, "second").await;
    let tokens = oauth::exchange_code(&http, &token_url, &client, &code, &pkce.verifier)
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_some());
    let creds = tokens.into_credentials(&client);
    let m = Mastodon::new(&fake.url, None, &creds).unwrap();
    assert_eq!(
        m.verify()
            .await
            .unwrap()
            .handle
            .map(|h| h.starts_with("brand@")),
        Some(true)
    );
    assert!(m.refreshed().is_none());

    // The access token expires: the connector refreshes and carries on.
    fake.expire_oauth_tokens();
    let published = m
        .publish(&post("k-oauth", "Posted over OAuth"))
        .await
        .unwrap();
    assert!(fake.status(&published.id).is_some());
    let Some(Credentials::OAuth { access_token, .. }) = m.refreshed() else {
        panic!("no refreshed credentials")
    };
    let Credentials::OAuth {
        access_token: old, ..
    } = creds
    else {
        unreachable!()
    };
    assert_ne!(access_token, old);
}

#[tokio::test]
async fn seeded_mentions_are_read_in_full_and_fast() {
    let fake = FakeMastodon::start().await.unwrap();
    let seeded = fake.seed_mentions(2000);
    let m = connector(&fake);
    let started = Instant::now();
    let mut got = Collect::default();
    let more = m
        .pull(None, &window(Duration::from_secs(600), 100), &mut got)
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(more, More::No);
    assert_eq!(got.ids(), seeded);
    eprintln!(
        "read 2000 mentions in {took:?} ({:.0}/s)",
        2000.0 / took.as_secs_f64()
    );
}
