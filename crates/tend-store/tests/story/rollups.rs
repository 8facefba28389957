//! Chapter of the story: text signals on messages, messages by id, response
//! times, hourly rollups that equal a recount, known-missing items, and identity
//! batches.

use crate::t;
use jiff::ToSpan as _;
use tend_domain::*;
use tend_store::prelude::*;
use tend_store::{InboxQuery, StoreError};

pub async fn signals_rollups_and_batches(
    store: &dyn Store,
    acme: &Workspace,
    other: &Workspace,
    forum: &Channel,
    x: &Channel,
) {
    // --- Signals, rollups, known-missing items, identity batches ------------
    let ids = store
        .upsert_identities(&[
            NewIdentity::new(acme.id, ChannelKind::X, "bob").unwrap(),
            NewIdentity::new(acme.id, ChannelKind::X, "carol").unwrap(),
            NewIdentity::new(acme.id, ChannelKind::X, "bob").unwrap(),
        ])
        .await
        .unwrap();
    assert_eq!(
        ids[0], ids[2],
        "the same identity twice in a batch is one identity"
    );
    let hour = t("2026-11-21T09:00:00Z");
    let signals = |sentiment: f64, toxicity: f64, question: bool| Signals {
        sentiment,
        sentiment_label: if sentiment > 0.05 {
            SentimentLabel::Positive
        } else if sentiment < -0.05 {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        },
        toxicity,
        spam: 0.0,
        question,
    };
    let mut s1 = NewMessage::new(
        x.id,
        "s1",
        MessageKind::Mention,
        "love it",
        hour + 5.minutes(),
    );
    s1.author_id = Some(ids[0]);
    s1.signals = Some(signals(0.8, 0.0, false));
    s1.engagement.likes = 3;
    let mut s2 = NewMessage::new(
        x.id,
        "s2",
        MessageKind::Mention,
        "why is it broken?",
        hour + 50.minutes(),
    );
    s2.author_id = Some(ids[1]);
    s2.signals = Some(signals(-0.6, 0.7, true));
    let mut s3 = NewMessage::new(
        x.id,
        "s3",
        MessageKind::Post,
        "We are on it",
        hour + 55.minutes(),
    );
    s3.signals = Some(signals(0.0, 0.0, false));
    let batch: Vec<MessageId> = store
        .upsert_messages(acme.id, &[s1.clone(), s2.clone(), s3])
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    // `messages` answers in id order and leaves other workspaces' ids out.
    let got: Vec<MessageId> = store
        .messages(acme.id, &[batch[2], batch[0], batch[1]])
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    let mut sorted = batch.clone();
    sorted.sort_by_key(|id| id.get());
    assert_eq!(got, sorted);
    assert!(store.messages(other.id, &batch).await.unwrap().is_empty());
    // Response times: s1 and s2 were written to and not answered yet; s3 (the
    // brand's own post) has no inbound message and is left out.
    let mut times: Vec<_> = store
        .response_times(acme.id, &batch)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.conversation, r.first_inbound, r.first_reply))
        .collect();
    times.sort_by_key(|r| r.0.get());
    assert_eq!(
        times,
        [
            (batch[0], hour + 5.minutes(), None),
            (batch[1], hour + 50.minutes(), None)
        ]
    );
    assert!(
        store
            .response_times(other.id, &batch)
            .await
            .unwrap()
            .is_empty()
    );
    let stored = store
        .inbox(
            acme.id,
            &InboxQuery {
                channel: Some(x.id),
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    let s2_stored = stored.iter().find(|m| m.external_id == "s2").unwrap();
    assert_eq!(s2_stored.signals, s2.signals);
    let rollups = store
        .rollups(acme.id, x.id, hour, hour + 1.hours())
        .await
        .unwrap();
    assert_eq!(rollups.len(), 1);
    let r = rollups[0];
    assert_eq!(r.hour, hour.as_millisecond());
    assert_eq!((r.messages_in, r.messages_out, r.new_authors), (2, 1, 2));
    assert_eq!(
        (
            r.positive,
            r.neutral,
            r.negative,
            r.toxic,
            r.questions,
            r.likes
        ),
        (1, 1, 1, 1, 1, 3)
    );
    assert!((r.sentiment_sum - 0.2).abs() < 1e-9);
    // An earlier message by bob, arriving later, moves "new author" to its own hour.
    let mut early = NewMessage::new(x.id, "s0", MessageKind::Mention, "first!", hour - 2.hours());
    early.author_id = Some(ids[0]);
    store.upsert_messages(acme.id, &[early]).await.unwrap();
    let rollups = store
        .rollups(acme.id, x.id, hour - 3.hours(), hour + 1.hours())
        .await
        .unwrap();
    assert_eq!(
        rollups.iter().map(|r| r.new_authors).collect::<Vec<_>>(),
        [1, 1]
    );
    // Engagement updates flow into the rollup.
    s1.engagement.likes = 10;
    store.upsert_messages(acme.id, &[s1]).await.unwrap();
    assert_eq!(
        store
            .rollups(acme.id, x.id, hour, hour + 1.hours())
            .await
            .unwrap()[0]
            .likes,
        10
    );
    assert!(
        store
            .rollups(other.id, x.id, hour, hour + 1.hours())
            .await
            .unwrap()
            .is_empty()
    );
    // After every upsert, edit and late arrival, the rollups equal a recount.
    assert!(store.rollup_drift(acme.id).await.unwrap().is_empty());

    let missing = [MissingItem {
        external_id: "gone".into(),
        parent_external_id: Some("p1".into()),
    }];
    assert_eq!(
        store
            .save_missing(acme.id, forum.id, &missing)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .save_missing(acme.id, forum.id, &missing)
            .await
            .unwrap(),
        0,
        "idempotent"
    );
    assert!(matches!(
        store.save_missing(other.id, forum.id, &missing).await,
        Err(StoreError::NotFound)
    ));
}
