//! Moderation end to end on a real store: the live rules act on new and edited
//! messages through the event log — states, review queue, tags, replies, hit
//! counters, the audit log — exactly once, with nothing before going live touched.
//! (The dry run over the demo history is in `tend-demo/tests/moderation.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::*;

use jiff::{Timestamp, ToSpan};
use tend_core::moderation::Moderator;
use tend_domain::*;
use tend_store::InboxQuery;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_rules_act_once_on_new_and_edited_messages() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let ws = common::acme(&*store).await;
    let forum = common::channel(&*store, ws.id, ChannelKind::Discourse, "Forum").await;
    let anna = common::teammate(&*store, ws.id, "anna@acme.test", "Anna", Role::Admin).await;
    let t0: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    let post = |id: &str, text: &str, minutes: i64| {
        NewMessage::new(
            forum.id,
            id,
            MessageKind::ForumPost,
            text,
            t0 + minutes.minutes(),
        )
    };
    // Stored before any rules are live: never acted on.
    store
        .upsert_messages(ws.id, &[post("old", "buy pills here", 0)])
        .await
        .unwrap();
    let moderator = Moderator::default();
    settle(&moderator, &store).await;

    let rules = r#"
# Pill spam
body: [pills]
action: remove
action_reason: spam pills
---
# Refunds need a person
body: [refund]
action: filter
tag: refunds
assign: anna
reply: "Hi {{author}}, a teammate will look at your refund."
"#;
    let v1 = store
        .create_rule_set(ws.id, rules, Some(anna.id))
        .await
        .unwrap();
    // Saved but not live: still nothing happens.
    store
        .upsert_messages(ws.id, &[post("draft-time", "more pills", 1)])
        .await
        .unwrap();
    settle(&moderator, &store).await;
    assert!(
        store
            .moderation_log(ws.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    store.make_live(ws.id, v1.id, Some(anna.id)).await.unwrap();
    let stored = store
        .upsert_messages(
            ws.id,
            &[
                post("p1", "cheap pills", 2),
                post("r1", "where is my refund?", 3),
                post("ok", "love it", 4),
            ],
        )
        .await
        .unwrap();
    let (pills, refund, fine) = (stored[0].id, stored[1].id, stored[2].id);
    settle(&moderator, &store).await;

    let facts = store
        .moderation_facts(ws.id, &[pills, refund, fine])
        .await
        .unwrap();
    assert_eq!(facts[&pills].state, Moderation::Removed);
    assert_eq!(facts[&refund].state, Moderation::Hidden);
    assert_eq!(facts[&fine].state, Moderation::Visible);
    let queue = store.review_queue(ws.id, true, None, 10).await.unwrap();
    assert_eq!(
        queue.iter().map(|i| i.message_id).collect::<Vec<_>>(),
        [refund]
    );
    assert_eq!(queue[0].rule_name, "Refunds need a person");
    let m = store.message(ws.id, refund).await.unwrap();
    assert_eq!(m.assignee_id, Some(anna.id));
    let tags = store.tags(ws.id).await.unwrap();
    assert!(m.tags.iter().any(|t| {
        tags.iter()
            .any(|x| x.id == *t && x.name.as_str() == "refunds")
    }));
    let replies = store.message_outbox(ws.id, refund).await.unwrap();
    assert_eq!(replies.len(), 1);
    assert!(
        replies[0]
            .text
            .contains("a teammate will look at your refund"),
        "{}",
        replies[0].text
    );
    let hits = store.rule_hits(ws.id, v1.id).await.unwrap();
    assert_eq!(
        hits.iter()
            .map(|h| (h.rule_index, h.hits))
            .collect::<Vec<_>>(),
        [(0, 1), (1, 1)]
    );
    // Messages from before going live were not touched.
    let old = store.inbox(ws.id, &InboxQuery::default()).await.unwrap();
    let untouched: Vec<MessageId> = old
        .iter()
        .filter(|m| m.external_id == "old" || m.external_id == "draft-time")
        .map(|m| m.id)
        .collect();
    let facts = store.moderation_facts(ws.id, &untouched).await.unwrap();
    assert!(facts.values().all(|f| f.state == Moderation::Visible));

    // An edit runs the rules again, but the reply (unrepeatable) is not repeated.
    let mut edited = post("r1", "where is my refund? still waiting", 3);
    edited.edited_at = Some(t0 + 30.minutes());
    store.upsert_messages(ws.id, &[edited]).await.unwrap();
    settle(&moderator, &store).await;
    assert_eq!(store.message_outbox(ws.id, refund).await.unwrap().len(), 1);
    // A second run with nothing new does nothing.
    assert_eq!(moderator.run_once(&*store).await.unwrap(), 0);

    // The audit log names the rule and version for each action.
    let log = store.moderation_log(ws.id, Some(pills), 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "remove");
    assert_eq!(
        log[0].actor,
        RuleActor::Rule {
            rule_set: v1.id,
            version: 1,
            rule_index: 0
        }
    );
}

/// Runs the live rules until they have seen everything, then the follow-up
/// jobs (tag, assign, reply, note) they queued, as the job runner would.
async fn settle(moderator: &Moderator, store: &std::sync::Arc<dyn tend_store::Store>) {
    while moderator.run_once(&**store).await.unwrap() > 0 {}
    let clock = tend_domain::Clock::system();
    let handler = tend_core::jobs::JobContext::new(store.clone(), clock.clone());
    tend_core::jobs::Worker::new(store.clone(), handler, clock, Default::default())
        .run_due()
        .await
        .unwrap();
}
