//! The RSS/Atom connector against a local feed server (`tend_fakes::feeds`)
//! serving WordPress- and phpBB-shaped fixtures with ETag / Last-Modified.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use async_trait::async_trait;
use jiff::Timestamp;
use proptest::prelude::*;
use tend_channels::live::rss::{Rss, parse_feed};
use tend_channels::live::{
    ChannelConfig, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, Sink, SinkError, Source, Window, connect,
};
use tend_domain::{ChannelKind, Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::feeds::{FORUM_ATOM, FeedServer, WORDPRESS_COMMENTS};

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
    fn messages(&self) -> Vec<IncomingMessage> {
        self.0
            .iter()
            .flat_map(|p| &p.items)
            .map(|i| match i {
                IncomingItem::Message(m) => m.clone(),
                other => panic!("unexpected item {other:?}"),
            })
            .collect()
    }

    fn cursor(&self) -> Cursor {
        self.0
            .last()
            .and_then(|p| p.cursor.clone())
            .expect("a page with a cursor")
    }
}

fn window(from: &str) -> Window {
    Window {
        backfill_from: from.parse().expect("a timestamp"),
        until: std::time::Instant::now(),
        max_pages: 10,
    }
}

async fn pull(rss: &Rss, since: Option<&Cursor>, from: &str) -> Collect {
    let mut sink = Collect::default();
    let more = rss
        .pull(since, &window(from), &mut sink)
        .await
        .expect("pull");
    assert_eq!(more, More::No);
    sink
}

async fn serving(path: &str, body: &str) -> (FeedServer, Rss) {
    let server = FeedServer::start().await.expect("feed server");
    server.put(path, "application/rss+xml; charset=UTF-8", body);
    let rss = Rss::new(&server.url(path)).expect("connector");
    (server, rss)
}

const NEW_COMMENT: &str = r#"<item>
		<title>Comment on Our new single-origin Ethiopian roast by Sam</title>
		<link>https://blog.trailhead.example/2026/11/ethiopian-roast/#comment-415</link>
		<dc:creator><![CDATA[Sam]]></dc:creator>
		<pubDate>Sat, 05 Dec 2026 07:30:00 +0000</pubDate>
		<guid isPermaLink="false">https://blog.trailhead.example/?p=1188#comment-415</guid>
		<content:encoded><![CDATA[<p>Does it work as <b>espresso</b>?</p>]]></content:encoded>
	</item>"#;

#[tokio::test]
async fn backfill_then_pull_since_the_cursor_reads_each_entry_once() {
    let (server, rss) = serving("/comments/feed/", WORDPRESS_COMMENTS).await;
    let first = pull(&rss, None, "2026-01-01T00:00:00Z").await;
    let got = first.messages();
    assert_eq!(got.len(), 3, "{got:#?}");
    let priya = got
        .iter()
        .find(|m| m.external_id == "https://blog.trailhead.example/?p=1188#comment-412")
        .expect("Priya's comment");
    assert_eq!(priya.kind, MessageKind::Comment);
    assert_eq!(priya.direction, Direction::Inbound);
    assert_eq!(
        priya.text,
        "Ordered two bags last week and the blueberry notes are unreal. Any chance you\u{2019}ll sell it as whole bean in 1\u{a0}kg?"
    );
    let author = priya.author.as_ref().expect("an author");
    assert_eq!(author.platform, ChannelKind::Rss);
    assert_eq!(author.display_name.as_deref(), Some("Priya Raman"));
    assert_eq!(
        priya.permalink.as_deref(),
        Some("https://blog.trailhead.example/2026/11/ethiopian-roast/#comment-412")
    );
    assert_eq!(
        priya.created_at,
        "2026-12-04T18:22:41Z".parse::<Timestamp>().unwrap()
    );
    assert!(got.windows(2).all(|w| w[0].created_at <= w[1].created_at));

    assert!(server.add_entry("/comments/feed/", NEW_COMMENT));
    let second = pull(&rss, Some(&first.cursor()), "2026-01-01T00:00:00Z").await;
    let ids: Vec<_> = second
        .messages()
        .into_iter()
        .map(|m| m.external_id)
        .collect();
    assert_eq!(
        ids,
        ["https://blog.trailhead.example/?p=1188#comment-415"],
        "only the new comment"
    );
    assert_eq!(second.messages()[0].text, "Does it work as espresso?");

    // The feed changed again but nothing in it is new.
    assert!(server.replace("/comments/feed/", "Notes from the roastery", "Notes"));
    let third = pull(&rss, Some(&second.cursor()), "2026-01-01T00:00:00Z").await;
    assert!(third.messages().is_empty(), "{:#?}", third.messages());
}

#[tokio::test]
async fn not_modified_yields_an_empty_page_and_keeps_the_cursor() {
    let (server, rss) = serving("/feed.atom", FORUM_ATOM).await;
    let first = pull(&rss, None, "2026-01-01T00:00:00Z").await;
    assert_eq!(first.messages().len(), 3);
    let cursor = first.cursor();
    let again = pull(&rss, Some(&cursor), "2026-01-01T00:00:00Z").await;
    assert_eq!(again.0.len(), 1, "one page");
    assert!(again.0[0].items.is_empty() && again.0[0].deleted.is_empty());
    assert_eq!(again.0[0].cursor.as_ref(), Some(&cursor), "cursor kept");
    let seen = server.seen();
    let last = seen.last().expect("a request");
    assert_eq!(last.status, 304);
    assert_eq!(last.if_none_match.as_deref(), Some("\"v1\""));
}

#[tokio::test]
async fn an_edited_entry_comes_back_with_its_new_text_and_edit_time() {
    let (server, rss) = serving("/feed.atom", FORUM_ATOM).await;
    let first = pull(&rss, None, "2026-01-01T00:00:00Z").await;
    let before = first.messages();
    let decaf = before
        .iter()
        .find(|m| m.external_id == "tag:forum.trailhead.example,2026:post-2284")
        .expect("the decaf post");
    assert_eq!(decaf.kind, MessageKind::Comment, "a Re: post is a comment");
    assert_eq!(
        decaf.edited_at,
        Some("2026-12-04T08:02:11Z".parse().unwrap()),
        "updated after published is an edit"
    );
    let grinder = before
        .iter()
        .find(|m| m.external_id == "tag:forum.trailhead.example,2026:post-2290")
        .expect("the grinder post");
    assert_eq!(grinder.kind, MessageKind::ForumPost);
    assert_eq!(
        grinder.title.as_deref(),
        Some("Burr grinder recommendations under 200 €?")
    );
    assert_eq!(grinder.edited_at, None);

    assert!(server.replace(
        "/feed.atom",
        "<updated>2026-12-04T08:02:11Z</updated>",
        "<updated>2026-12-06T09:00:00Z</updated>"
    ));
    assert!(server.replace("/feed.atom", "it is back in stock", "sold out again"));
    let second = pull(&rss, Some(&first.cursor()), "2026-01-01T00:00:00Z").await;
    let edited = second.messages();
    assert_eq!(edited.len(), 1, "{edited:#?}");
    assert_eq!(edited[0].external_id, decaf.external_id);
    assert_eq!(edited[0].created_at, decaf.created_at);
    assert_eq!(
        edited[0].edited_at,
        Some("2026-12-06T09:00:00Z".parse().unwrap())
    );
    assert!(
        edited[0].text.contains("sold out again"),
        "{}",
        edited[0].text
    );
}

#[tokio::test]
async fn entries_that_leave_the_feed_are_not_deletions() {
    let (server, rss) = serving("/feed.atom", FORUM_ATOM).await;
    let first = pull(&rss, None, "2026-01-01T00:00:00Z").await;
    assert!(server.change("/feed.atom", |body| {
        let start = body.find("<entry>").unwrap();
        let end = body.find("</entry>").unwrap() + "</entry>".len();
        format!("{}{}", &body[..start], &body[end..])
    }));
    let second = pull(&rss, Some(&first.cursor()), "2026-01-01T00:00:00Z").await;
    assert_eq!(second.0.len(), 1);
    assert!(second.0[0].deleted.is_empty());
    assert!(second.0[0].items.is_empty());
}

#[tokio::test]
async fn backfill_stops_at_the_horizon() {
    let (_server, rss) = serving("/feed.atom", FORUM_ATOM).await;
    let got = pull(&rss, None, "2026-12-01T00:00:00Z").await.messages();
    let ids: Vec<_> = got.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "tag:forum.trailhead.example,2026:post-2284",
            "tag:forum.trailhead.example,2026:post-2290"
        ]
    );
}

#[tokio::test]
async fn a_malformed_feed_is_an_error_naming_where() {
    let broken = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>\n  <item><title>ok</title></itm>\n</channel></rss>";
    let (_server, rss) = serving("/broken.rss", broken).await;
    let mut sink = Collect::default();
    let err = rss
        .pull(None, &window("2026-01-01T00:00:00Z"), &mut sink)
        .await
        .unwrap_err();
    let ChannelError::Permanent(reason) = err else {
        panic!("expected Permanent, got {err:?}")
    };
    assert!(reason.contains("line 3"), "{reason}");
    assert!(reason.contains("/broken.rss"), "{reason}");
    assert!(sink.0.is_empty(), "nothing stored");

    let end_of_item = WORDPRESS_COMMENTS.find("</item>").unwrap() + "</item>".len();
    let err = parse_feed(&WORDPRESS_COMMENTS.as_bytes()[..end_of_item], "cut.rss").unwrap_err();
    assert!(err.to_string().contains("ends inside <channel>"), "{err}");
    let cut = &WORDPRESS_COMMENTS[..WORDPRESS_COMMENTS.len() / 2];
    let err = parse_feed(cut.as_bytes(), "cut.rss").unwrap_err();
    assert!(
        err.to_string()
            .contains("cut.rss: not well-formed XML at line 23"),
        "{err}"
    );
    let err = parse_feed(b"Welcome to nginx!", "index.html").unwrap_err();
    assert!(err.to_string().contains("not a feed"), "{err}");
}

#[tokio::test]
async fn http_failures_map_to_what_the_runner_must_do() {
    let (server, rss) = serving("/feed.rss", WORDPRESS_COMMENTS).await;
    type Expect = fn(&ChannelError) -> bool;
    let cases: [(u16, Expect); 4] = [
        (
            503,
            |e| matches!(e, ChannelError::Transient(r) if r.contains("503")),
        ),
        (429, |e| {
            *e == ChannelError::RateLimited {
                retry_after: std::time::Duration::from_secs(42),
            }
        }),
        (401, |e| matches!(e, ChannelError::Unauthorized(_))),
        (
            410,
            |e| matches!(e, ChannelError::Permanent(r) if r.contains("410")),
        ),
    ];
    for (status, expected) in cases {
        server.fail("/feed.rss", Some(status));
        let err = rss
            .pull(
                None,
                &window("2026-01-01T00:00:00Z"),
                &mut Collect::default(),
            )
            .await
            .unwrap_err();
        assert!(expected(&err), "{status}: {err:?}");
    }
    drop(server);
    let err = rss
        .pull(
            None,
            &window("2026-01-01T00:00:00Z"),
            &mut Collect::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Transient(_)), "{err:?}");
}

#[tokio::test]
async fn feeds_are_read_only() {
    let (_server, rss) = serving("/feed.rss", WORDPRESS_COMMENTS).await;
    let post = Outgoing {
        key: "k1".into(),
        text: "Thanks!".into(),
        reply_to: None,
    };
    let read_only = ChannelError::Permanent("RSS feeds are read-only".into());
    assert_eq!(rss.publish(&post).await.unwrap_err(), read_only);
    assert_eq!(rss.lookup(&post).await.unwrap(), None);
    let item = RemoteRef {
        id: "x".into(),
        url: None,
    };
    assert_eq!(rss.delete(&item).await.unwrap_err(), read_only);
    assert_eq!(
        rss.verify().await.unwrap().handle.as_deref(),
        Some("Comments for Trailhead Coffee Blog")
    );
}

#[tokio::test]
async fn the_settings_connect_a_feed_and_refuse_bad_addresses() {
    let (_server, rss) = serving("/feed.atom", FORUM_ATOM).await;
    let _ = rss;
    let config: ChannelConfig = serde_json::from_value(
        serde_json::json!({"network": "rss", "url": _server.url("/feed.atom")}),
    )
    .unwrap();
    assert_eq!(config.network(), "rss");
    assert_eq!(config.kind(), ChannelKind::Rss);
    config.validate().unwrap();
    let connector = connect(&config, &Credentials::None).unwrap();
    assert_eq!(
        connector.verify().await.unwrap().handle.as_deref(),
        Some("Trailhead Community Forum — latest posts")
    );
    let bad = ChannelConfig::Rss {
        url: "file:///etc/passwd".into(),
    };
    let err = bad.validate().unwrap_err();
    assert!(err.to_string().contains("RSS feed URL"), "{err}");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_feed_parser(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Err(e) = parse_feed(&bytes, "prop.xml") {
            prop_assert!(e.to_string().contains("RSS feed prop.xml"), "{}", e);
        }
    }

    #[test]
    fn damaged_fixtures_never_panic_the_feed_parser(cut in 0usize..4000, junk in "[<>&/a-z\"= ]{0,12}") {
        for fixture in [WORDPRESS_COMMENTS, FORUM_ATOM] {
            let at = fixture.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(fixture.len());
            let damaged = format!("{}{junk}{}", &fixture[..at], &fixture[at..]);
            if let Err(e) = parse_feed(damaged.as_bytes(), "damaged.xml") {
                prop_assert!(e.to_string().contains("damaged.xml"), "{}", e);
            }
        }
    }
}
