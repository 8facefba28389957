//! The ingest pipeline end to end on SQLite: authors resolved, signals stored,
//! bad records rejected with their reason, re-imports idempotent, rollups in step.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use jiff::{Timestamp, ToSpan as _};
use tend_core::ingest::{DEFAULT_BATCH, ingest};
use tend_domain::*;
use tend_store::InboxQuery;

fn author(handle: &str) -> IncomingAuthor {
    IncomingAuthor {
        platform: ChannelKind::Discourse,
        external_id: format!("u-{handle}"),
        handle: handle.into(),
        display_name: Some(handle.to_uppercase()),
        profile_url: None,
        followers: Some(10),
        verified: false,
        email: None,
    }
}

fn message(
    id: &str,
    parent: Option<&str>,
    text: &str,
    by: Option<&str>,
    at: Timestamp,
) -> IncomingItem {
    IncomingItem::Message(IncomingMessage {
        external_id: id.into(),
        kind: if parent.is_some() {
            MessageKind::Reply
        } else {
            MessageKind::ForumPost
        },
        direction: Direction::Inbound,
        thread_external_id: parent.map(|_| "t1".to_owned()),
        parent_external_id: parent.map(str::to_owned),
        author: by.map(author),
        title: parent.is_none().then(|| "Login broken".to_owned()),
        text: text.into(),
        lang: None,
        created_at: at,
        edited_at: None,
        permalink: None,
        engagement: Engagement {
            likes: 1,
            ..Engagement::default()
        },
        rating: None,
    })
}

#[tokio::test]
async fn an_import_twice_is_stored_once_with_signals_and_rollups() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::fresh_store(&dir).await;
    let ws = common::acme(&*store).await;
    let forum = common::channel(&*store, ws.id, ChannelKind::Discourse, "Forum").await;
    let t0: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    let items = vec![
        message(
            "t2",
            Some("t1"),
            "Hur loggar jag in? Det funkar inte.",
            Some("bo"),
            t0 + 5.minutes(),
        ),
        message(
            "t1",
            None,
            "I can't log in since the update. Any idea why?",
            Some("anna"),
            t0,
        ),
        message(
            "t3",
            Some("t2"),
            "You are a stupid idiot",
            None,
            t0 + 7.minutes(),
        ),
        message(
            "bad",
            Some("t1"),
            "nul\0byte",
            Some("anna"),
            t0 + 8.minutes(),
        ),
        IncomingItem::Author(author("lurker")),
        IncomingItem::Missing(MissingItem {
            external_id: "t9".into(),
            parent_external_id: Some("t1".into()),
        }),
    ];
    let mut events = 0;
    let mut total_seen = None;
    let report = ingest(&*store, &forum, items.clone(), 2, &mut |e| {
        events += 1;
        total_seen = e.total;
        assert!(Some(e.done) <= e.total);
    })
    .await
    .unwrap();
    assert_eq!(events, 3, "batches of two");
    assert_eq!(total_seen, Some(6));
    assert_eq!(
        (report.created, report.unchanged, report.missing),
        (3, 0, 1)
    );
    assert_eq!(report.rejected.len(), 1);
    assert!(
        report.rejected[0].starts_with("bad:") && report.rejected[0].contains("NUL"),
        "{:?}",
        report.rejected
    );

    let again = ingest(&*store, &forum, items, DEFAULT_BATCH, &mut |_| {})
        .await
        .unwrap();
    assert_eq!((again.created, again.unchanged, again.missing), (0, 3, 0));

    let stored = store.inbox(ws.id, &InboxQuery::default()).await.unwrap();
    assert_eq!(stored.len(), 3);
    let by_id = |id: &str| stored.iter().find(|m| m.external_id == id).unwrap();
    let root = by_id("t1");
    assert_eq!(by_id("t2").thread_root_id, Some(root.id));
    assert_eq!(by_id("t3").parent_id, Some(by_id("t2").id));
    assert_eq!(by_id("t2").lang.as_deref(), Some("sv"));
    assert!(by_id("t1").signals.unwrap().question);
    assert!(by_id("t3").signals.unwrap().toxicity >= Signals::TOXIC);
    assert_eq!(
        by_id("t3").author_id,
        None,
        "a deleted author stays unknown"
    );
    let anna = store
        .identity(ws.id, root.author_id.unwrap())
        .await
        .unwrap();
    assert_eq!(
        (anna.handle.as_str(), anna.display_name.as_deref()),
        ("anna", Some("ANNA"))
    );

    let rollups = store
        .rollups(ws.id, forum.id, t0 - 1.hours(), t0 + 1.hours())
        .await
        .unwrap();
    assert_eq!(rollups.len(), 1);
    let r = rollups[0];
    assert_eq!(
        (r.messages_in, r.new_authors, r.toxic, r.questions, r.likes),
        (3, 2, 1, 2, 3)
    );
}

/// Issue 15: a review's stars go through the pipeline to the stored message, and
/// a later edit of the review brings its new stars.
#[tokio::test]
async fn a_reviews_rating_is_stored_and_an_edit_updates_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::fresh_store(&dir).await;
    let ws = common::acme(&*store).await;
    let play = common::channel(&*store, ws.id, ChannelKind::Reviews, "Play").await;
    let t0: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    let review = |tenths: i64, text: &str, edited: Option<Timestamp>| {
        IncomingItem::Message(IncomingMessage {
            external_id: "gp:1".into(),
            kind: MessageKind::Review,
            direction: Direction::Inbound,
            thread_external_id: None,
            parent_external_id: None,
            author: None,
            title: None,
            text: text.into(),
            lang: Some("en".into()),
            created_at: t0,
            edited_at: edited,
            permalink: None,
            engagement: Engagement::default(),
            rating: Some(Rating::from_tenths(tenths).unwrap()),
        })
    };
    ingest(
        &*store,
        &play,
        vec![review(10, "Crashes", None)],
        DEFAULT_BATCH,
        &mut |_| {},
    )
    .await
    .unwrap();
    let stored = store.inbox(ws.id, &InboxQuery::default()).await.unwrap();
    assert_eq!(stored[0].rating.map(Rating::tenths), Some(10));
    let edited = vec![review(40, "Fixed now", Some(t0 + 24.hours()))];
    let report = ingest(&*store, &play, edited, DEFAULT_BATCH, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(report.edited, 1, "{report:?}");
    let stored = store.inbox(ws.id, &InboxQuery::default()).await.unwrap();
    assert_eq!(stored[0].rating.map(Rating::tenths), Some(40));
    assert_eq!(stored[0].text, "Fixed now");
}
