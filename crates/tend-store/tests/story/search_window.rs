//! Chapter of the story: search results in newest-first order on a workspace larger
//! than the window a SQLite search looks at first (`SEARCH_WINDOW` = 5,000 in
//! `sql/inbox/messages.rs`), compared with a recount of the stored texts.
//!
//! The workspace is built so that id order and time order disagree: the newest
//! messages are stored first (lowest ids), then a long history with higher ids. A
//! common word fills a page inside the window; a rare word lives only in the oldest
//! messages, outside it; a word in both is paged through to the end.

use jiff::{Timestamp, ToSpan};
use tend_domain::*;
use tend_store::InboxQuery;
use tend_store::prelude::*;

const HISTORY: i64 = 6_000;

pub async fn search_beyond_the_window(store: &dyn Store, t0: Timestamp) {
    let ws = store
        .create_workspace(
            &NewWorkspace::new(Slug::parse("initech").unwrap(), "Initech", "UTC").unwrap(),
        )
        .await
        .unwrap();
    let forum = store
        .create_channel(&NewChannel::new(ws.id, ChannelKind::Discourse, "Forum").unwrap())
        .await
        .unwrap();
    let text = |i: i64| {
        let mut words = vec![format!("message {i}")];
        if i % 7 == 0 {
            words.push("ember".into());
        }
        if i < 12 {
            words.push("quartz".into());
        }
        if i % 1_000 == 3 || i > HISTORY + 40 {
            words.push("tidal".into());
        }
        words.join(" ")
    };
    // i is the age order: a higher i is newer. The newest 100 are stored first.
    let message = |i: i64| {
        NewMessage::new(
            forum.id,
            format!("s{i}"),
            MessageKind::ForumPost,
            text(i),
            t0 + (i * 10).seconds(),
        )
    };
    let newest: Vec<NewMessage> = (HISTORY..HISTORY + 100).map(message).collect();
    store.upsert_messages(ws.id, &newest).await.unwrap();
    let history: Vec<NewMessage> = (0..HISTORY).map(message).collect();
    for batch in history.chunks(2_000) {
        store.upsert_messages(ws.id, batch).await.unwrap();
    }

    // Pages through one search to the end, 20 at a time.
    let search = async |word: &str| {
        let mut found = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .inbox(
                    ws.id,
                    &InboxQuery {
                        text: Some(word.into()),
                        limit: 20,
                        before,
                        ..InboxQuery::default()
                    },
                )
                .await
                .unwrap();
            found.extend(page.iter().map(|m| m.external_id.clone()));
            match page.last() {
                Some(m) if page.len() == 20 => before = Some((m.created_at, m.id)),
                _ => break,
            }
        }
        found
    };
    let recount = |word: &str| {
        (0..HISTORY + 100)
            .rev()
            .filter(|&i| text(i).split(' ').any(|w| w == word))
            .map(|i| format!("s{i}"))
            .collect::<Vec<_>>()
    };
    for word in ["ember", "quartz", "tidal"] {
        let found = search(word).await;
        assert!(!found.is_empty(), "{word}");
        assert_eq!(found, recount(word), "{word}");
    }
    // The first page of a common word starts with the newest messages, the ones
    // stored first with the lowest ids.
    let first: i64 = search("ember").await[0][1..].parse().unwrap();
    assert!(first >= HISTORY, "s{first}");
}
