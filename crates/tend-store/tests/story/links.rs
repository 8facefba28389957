//! Chapter of the story: links that arrive out of order (across batches and inside
//! one), a hostile parent cycle, and the event log each stored batch writes.

use jiff::{Timestamp, ToSpan};
use tend_domain::*;
use tend_store::InboxQuery;
use tend_store::prelude::*;

pub async fn chains_cycles_and_events(
    store: &dyn Store,
    acme: &Workspace,
    other: &Workspace,
    forum: &Channel,
    t0: Timestamp,
) {
    // A chain that arrives backwards, one message per batch, links up completely.
    let chain: Vec<NewMessage> = (1..=4)
        .map(|i| {
            let mut m = NewMessage::new(
                forum.id,
                format!("c{i}"),
                MessageKind::Reply,
                format!("chain {i}"),
                t0 + (i as i64).minutes(),
            );
            if i > 1 {
                m.parent_external_id = Some(format!("c{}", i - 1));
            } else {
                m.kind = MessageKind::ForumPost;
            }
            m
        })
        .collect();
    for m in chain.iter().rev() {
        store
            .upsert_messages(acme.id, std::slice::from_ref(m))
            .await
            .unwrap();
    }
    let c1 = store
        .inbox(acme.id, &InboxQuery::default())
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.external_id == "c1")
        .unwrap();
    let linked = store.thread(acme.id, c1.id).await.unwrap();
    assert_eq!(
        linked
            .iter()
            .map(|m| m.external_id.as_str())
            .collect::<Vec<_>>(),
        ["c1", "c2", "c3", "c4"]
    );
    assert!(
        linked[1..]
            .iter()
            .all(|m| m.thread_root_id == Some(c1.id) && m.parent_id.is_some())
    );

    // The same chain backwards inside one batch: ids are reserved and links resolved
    // before anything is written, so every link is set by the insert itself.
    let mut chain: Vec<NewMessage> = chain
        .into_iter()
        .map(|mut m| {
            m.external_id = m.external_id.replace('c', "b");
            m.parent_external_id = m.parent_external_id.map(|p| p.replace('c', "b"));
            m
        })
        .collect();
    chain.reverse();
    let stored = store.upsert_messages(acme.id, &chain).await.unwrap();
    let b1 = stored.last().unwrap().id;
    let linked = store.thread(acme.id, b1).await.unwrap();
    assert_eq!(
        linked
            .iter()
            .map(|m| m.external_id.as_str())
            .collect::<Vec<_>>(),
        ["b1", "b2", "b3", "b4"]
    );
    for pair in linked.windows(2) {
        assert_eq!(pair[1].parent_id, Some(pair[0].id));
        assert_eq!(pair[1].thread_root_id, Some(b1));
    }

    // Hostile input: two messages naming each other as parent, in one batch. Both
    // are stored; the cycle is cut instead of failing the batch or looping.
    let cyclic: Vec<NewMessage> = [("x1", "x2"), ("x2", "x1")]
        .into_iter()
        .map(|(id, parent)| {
            let mut m = NewMessage::new(
                forum.id,
                id,
                MessageKind::Reply,
                "round and round",
                t0 + 9.minutes(),
            );
            m.parent_external_id = Some(parent.into());
            m
        })
        .collect();
    let stored = store.upsert_messages(acme.id, &cyclic).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .all(|u| u.outcome == tend_store::UpsertOutcome::Created)
    );

    // The event log: a batch that stores something writes one event, in the same
    // transaction, readable by cursor; a batch that changes nothing writes none; each
    // workspace sees only its own.
    let cursor = store.latest_event().await.unwrap();
    let fresh = NewMessage::new(
        forum.id,
        "evented",
        MessageKind::ForumPost,
        "an event is written for me",
        t0 + 20.minutes(),
    );
    let stored = store
        .upsert_messages(acme.id, std::slice::from_ref(&fresh))
        .await
        .unwrap();
    let events = store
        .events_after(Some(acme.id), cursor, 100)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].payload.kind(), "messages.stored");
    assert_eq!(events[0].workspace_id, acme.id);
    assert_eq!(
        events[0].payload,
        tend_domain::EventPayload::MessagesStored(tend_domain::MessagesStored {
            channels: vec![forum.id],
            created: vec![stored[0].id],
            ..Default::default()
        })
    );
    assert_eq!(
        events[0].payload.to_json()["channels"],
        serde_json::json!([forum.id.get()])
    );
    assert!(events[0].id > cursor);
    assert!(
        store
            .events_after(Some(other.id), cursor, 100)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .upsert_messages(acme.id, std::slice::from_ref(&fresh))
        .await
        .unwrap();
    assert!(
        store
            .events_after(None, events[0].id, 100)
            .await
            .unwrap()
            .is_empty(),
        "an unchanged batch writes no event"
    );
    assert_eq!(store.latest_event().await.unwrap(), events[0].id);
}
