//! Chapter of the story: teammates' changes land in the event log. Every change
//! to a conversation (state, bulk state, assignment, tags, sentiment correction,
//! note, queued reply) writes its history entries and one `messages.changed` event
//! in its own transaction; a refused change writes neither; a change that changes
//! nothing (a tag that is already there) writes neither; each workspace reads only
//! its own events.

use jiff::{Timestamp, ToSpan as _};
use serde_json::{Value, json};
use tend_domain::*;
use tend_store::StoreError;
use tend_store::prelude::*;

/// The events written since `cursor` in `ws`, and the new cursor.
async fn since(store: &dyn Store, ws: WorkspaceId, cursor: i64) -> (Vec<LogEvent>, i64) {
    let events = store.events_after(Some(ws), cursor, 1000).await.unwrap();
    let next = store.latest_event().await.unwrap();
    (events, next)
}

/// Exactly one `messages.changed` event; its payload as stored (the JSON the
/// untyped log wrote, which old rows still hold).
fn one_change(events: &[LogEvent]) -> Value {
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        matches!(events[0].payload, EventPayload::MessagesChanged(_)),
        "{events:?}"
    );
    assert_eq!(events[0].payload.kind(), "messages.changed");
    events[0].payload.to_json()
}

pub async fn changes_are_recorded(store: &dyn Store) {
    let ws = |slug: &str| NewWorkspace::new(Slug::parse(slug).unwrap(), slug, "UTC").unwrap();
    let a = store.create_workspace(&ws("live-a")).await.unwrap();
    let b = store.create_workspace(&ws("live-b")).await.unwrap();
    let new_user = |email: &str| NewUser {
        email: Email::parse(email).unwrap(),
        name: email.into(),
        locale: "en".into(),
        password_hash: "$argon2id$x".into(),
    };
    let ida = store.create_user(&new_user("ida@live.se")).await.unwrap();
    let max = store.create_user(&new_user("max@live.se")).await.unwrap();
    store
        .grant_role(ida.id, a.id, Role::CommunityManager)
        .await
        .unwrap();
    store.grant_role(max.id, b.id, Role::Admin).await.unwrap();
    let x = store
        .create_channel(&NewChannel::new(a.id, ChannelKind::X, "X").unwrap())
        .await
        .unwrap();
    let t0: Timestamp = "2026-12-02T09:00:00Z".parse().unwrap();
    let batch: Vec<NewMessage> = (0..3)
        .map(|i| {
            NewMessage::new(
                x.id,
                format!("live{i}"),
                MessageKind::Mention,
                format!("live message {i}"),
                t0 + i.minutes(),
            )
        })
        .collect();
    let ids: Vec<MessageId> = store
        .upsert_messages(a.id, &batch)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    let mut cursor = store.latest_event().await.unwrap();
    let by = Some(ida.id);

    // State: the event says which message, what, who and the new state.
    store
        .set_state(a.id, ids[0], InboxState::Done, None, by)
        .await
        .unwrap();
    let (events, next) = since(store, a.id, cursor).await;
    assert_eq!(
        one_change(&events),
        json!({"messages": [ids[0]], "what": "state", "by": ida.id, "state": "done"})
    );
    assert_eq!(events[0].workspace_id, a.id);
    cursor = next;
    let until = Timestamp::now() + 48.hours();
    store
        .set_state(a.id, ids[0], InboxState::Snoozed, Some(until), by)
        .await
        .unwrap();
    let (events, next) = since(store, a.id, cursor).await;
    assert_eq!(one_change(&events)["state"], "snoozed");
    cursor = next;

    // Bulk: one event for every message changed, unknown ids left out.
    let mut bulk = ids.clone();
    bulk.push(MessageId(i64::MAX));
    assert_eq!(
        store
            .set_states(a.id, &bulk, InboxState::Open, None, by)
            .await
            .unwrap(),
        3
    );
    let (events, next) = since(store, a.id, cursor).await;
    assert_eq!(
        one_change(&events),
        json!({"messages": ids, "what": "state", "by": ida.id, "state": "open"})
    );
    cursor = next;
    // Another workspace's ids change nothing and write nothing.
    assert_eq!(
        store
            .set_states(b.id, &ids, InboxState::Done, None, Some(max.id))
            .await
            .unwrap(),
        0
    );
    assert_eq!(since(store, a.id, cursor).await.0, []);
    assert_eq!(since(store, b.id, cursor).await.0, []);

    // Assignment (and a refused one: not a teammate of A).
    store.assign(a.id, ids[1], Some(ida.id), by).await.unwrap();
    let (events, next) = since(store, a.id, cursor).await;
    assert_eq!(
        one_change(&events),
        json!({"messages": [ids[1]], "what": "assignee", "by": ida.id, "assignee": ida.id})
    );
    cursor = next;
    assert!(matches!(
        store.assign(a.id, ids[1], Some(max.id), by).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.assign(b.id, ids[1], None, Some(max.id)).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(since(store, a.id, cursor).await.0, []);

    // Tags: only a real change is recorded.
    let tag = store
        .ensure_tag(a.id, &TagName::parse("live").unwrap())
        .await
        .unwrap();
    store.tag_message(a.id, ids[2], tag.id, by).await.unwrap();
    store.tag_message(a.id, ids[2], tag.id, by).await.unwrap();
    let (events, next) = since(store, a.id, cursor).await;
    assert_eq!(
        one_change(&events),
        json!({"messages": [ids[2]], "what": "tags", "by": ida.id, "tag": tag.id, "added": true})
    );
    cursor = next;
    store.untag_message(a.id, ids[2], tag.id, by).await.unwrap();
    store.untag_message(a.id, ids[2], tag.id, by).await.unwrap();
    let (events, next) = since(store, a.id, cursor).await;
    assert_eq!(one_change(&events)["added"], false);
    cursor = next;

    // Sentiment correction.
    store
        .correct_sentiment(a.id, ids[2], Some(SentimentLabel::Positive), by)
        .await
        .unwrap();
    let (events, next) = since(store, a.id, cursor).await;
    assert_eq!(
        one_change(&events),
        json!({"messages": [ids[2]], "what": "sentiment", "by": ida.id, "sentiment": "positive"})
    );
    cursor = next;

    // A note, and a refused one (blank) that writes nothing.
    let note = store
        .add_note(a.id, ids[0], ida.id, "looking", &[])
        .await
        .unwrap();
    assert!(
        store
            .add_note(a.id, ids[0], ida.id, " ", &[])
            .await
            .is_err()
    );
    let (events, next) = since(store, a.id, cursor).await;
    assert_eq!(
        one_change(&events),
        json!({"messages": [ids[0]], "what": "note", "by": ida.id, "note": note.id})
    );
    cursor = next;

    // A note once per key (what a job writes): the second call answers the first
    // note and records nothing.
    let once = store
        .add_note_once(a.id, ids[0], ida.id, "auto", "k-note")
        .await
        .unwrap();
    let again = store
        .add_note_once(a.id, ids[0], ida.id, "auto", "k-note")
        .await
        .unwrap();
    assert_eq!((again.id, again.text.as_str()), (once.id, "auto"));
    let (events, next) = since(store, a.id, cursor).await;
    assert_eq!(events.len(), 1, "{events:?}");
    cursor = next;

    // A queued reply.
    let item = store
        .enqueue_reply(
            a.id,
            &NewReply {
                in_reply_to: ids[0],
                author_id: ida.id,
                text: "on it".into(),
                idempotency_key: None,
            },
        )
        .await
        .unwrap();
    let (events, next) = since(store, a.id, cursor).await;
    assert_eq!(
        one_change(&events),
        json!({"messages": [ids[0]], "what": "reply", "by": ida.id, "outbox": item.id})
    );
    cursor = next;

    // The system (None) is recorded as nobody.
    store
        .set_state(a.id, ids[1], InboxState::Archived, None, None)
        .await
        .unwrap();
    let (events, _) = since(store, a.id, cursor).await;
    assert_eq!(one_change(&events)["by"], Value::Null);

    // Each change wrote its history entry with its author, in the same order.
    let kinds = |id: MessageId| async move {
        store
            .message_events(a.id, id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.kind, e.user_id, e.detail))
            .collect::<Vec<_>>()
    };
    let snoozed = format!(
        "snoozed {}",
        Timestamp::from_millisecond(until.as_millisecond()).unwrap()
    );
    assert_eq!(
        kinds(ids[0]).await,
        [
            (HistoryKind::State, by, "done".to_owned()),
            (HistoryKind::State, by, snoozed),
            (HistoryKind::State, by, "open".to_owned()),
            (HistoryKind::Noted, by, note.id.to_string()),
            (HistoryKind::Noted, by, once.id.to_string()),
            (HistoryKind::ReplyQueued, by, item.id.to_string()),
        ]
    );
    assert_eq!(
        kinds(ids[1]).await,
        [
            (HistoryKind::State, by, "open".to_owned()),
            (HistoryKind::Assigned, by, ida.id.to_string()),
            (HistoryKind::State, None, "archived".to_owned()),
        ]
    );
    assert_eq!(
        kinds(ids[2]).await,
        [
            (HistoryKind::State, by, "open".to_owned()),
            (HistoryKind::Tagged, by, "live".to_owned()),
            (HistoryKind::Untagged, by, "live".to_owned()),
            (HistoryKind::SentimentCorrected, by, "positive".to_owned()),
        ]
    );

    // Following the whole log from the start of this chapter: the events are in id
    // order and B never sees A's.
    let all = store.events_after(None, 0, 1000).await.unwrap();
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    assert!(
        store
            .events_after(Some(b.id), 0, 1000)
            .await
            .unwrap()
            .iter()
            .all(|e| e.workspace_id == b.id)
    );
}
