//! Chapter of the story: moderation records. Rule set versions and the explicit
//! step of going live, the rules' verdicts (state, review queue, hit counters,
//! unrepeatable marks, audit log) recorded in one transaction with a consumer's
//! cursor, teammates' review decisions, bans, and workspace isolation.

use jiff::{Timestamp, ToSpan};
use tend_domain::*;
use tend_store::StoreError;
use tend_store::prelude::*;

pub async fn rules_verdicts_and_reviews(
    store: &dyn Store,
    acme: &Workspace,
    other: &Workspace,
    forum: &Channel,
    anna: UserId,
    t0: Timestamp,
) {
    // --- Versions: saved as drafts, live only by the explicit step ---------------
    let v1 = store
        .create_rule_set(acme.id, "title: [spam]\naction: remove\n", Some(anna))
        .await
        .unwrap();
    let v2 = store
        .create_rule_set(acme.id, "body: [refund]\naction: filter\n", Some(anna))
        .await
        .unwrap();
    assert_eq!((v1.version, v2.version), (1, 2));
    assert!(!v1.is_live() && store.live_rule_set(acme.id).await.unwrap().is_none());
    let listed: Vec<i64> = store
        .rule_sets(acme.id)
        .await
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(listed, [2, 1]);
    assert!(
        store
            .make_live(acme.id, v1.id, Some(anna))
            .await
            .unwrap()
            .is_live()
    );
    let v2 = store.make_live(acme.id, v2.id, Some(anna)).await.unwrap();
    assert!(v2.is_live());
    let v1 = store.rule_set(acme.id, v1.id).await.unwrap();
    assert!(v1.live_from.is_some() && v1.live_until.is_some(), "{v1:?}");
    assert_eq!(
        store.live_rule_set(acme.id).await.unwrap().unwrap().id,
        v2.id
    );
    // Another workspace sees none of it.
    assert!(matches!(
        store.rule_set(other.id, v2.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.make_live(other.id, v2.id, None).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.live_rule_set(other.id).await.unwrap().is_none());

    // --- Verdicts ------------------------------------------------------------------
    let batch = [
        NewMessage::new(forum.id, "mod-1", MessageKind::ForumPost, "refund now", t0),
        NewMessage::new(
            forum.id,
            "mod-2",
            MessageKind::ForumPost,
            "all fine",
            t0 + 1.minutes(),
        ),
    ];
    let stored = store.upsert_messages(acme.id, &batch).await.unwrap();
    let (a, b) = (stored[0].id, stored[1].id);
    let before_events = store.latest_event().await.unwrap();
    let verdict = |message, index, state, flag: Option<&str>| ModerationVerdict {
        message_id: message,
        rule_set: v2.id,
        version: v2.version,
        rule_index: index,
        rule_name: format!("rule {index}"),
        unrepeatable_hash: None,
        state,
        flag: flag.map(str::to_owned),
        escalate: false,
        log: Vec::new(),
        webhooks: Vec::new(),
    };
    let mut tagged = verdict(b, 1, None, None);
    tagged.log.push(("tag".into(), "calm".into()));
    tagged.unrepeatable_hash = Some("h-reply".into());
    store
        .record_verdicts(
            acme.id,
            &[
                verdict(a, 0, Some(Moderation::Hidden), Some("refund talk")),
                tagged,
            ],
            &[],
            Some(("moderation", 41)),
        )
        .await
        .unwrap();
    assert_eq!(store.consumer_cursor("moderation").await.unwrap(), 41);
    assert_eq!(store.consumer_cursor("never-ran").await.unwrap(), 0);
    let facts = store.moderation_facts(acme.id, &[a, b]).await.unwrap();
    assert_eq!(facts[&a].state, Moderation::Hidden);
    assert_eq!(facts[&b].state, Moderation::Visible);
    assert_eq!(facts[&b].performed, ["h-reply"]);
    // Another workspace's ids are not its facts.
    assert!(
        store
            .moderation_facts(other.id, &[a])
            .await
            .unwrap()
            .is_empty()
    );
    let events = store
        .events_after(Some(acme.id), before_events, 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].payload,
        EventPayload::ModerationChanged(ModerationChanged {
            messages: vec![a, b],
            by: None
        })
    );
    assert_eq!(
        events[0].payload.to_json(),
        serde_json::json!({"messages": [a.get(), b.get()], "by": null})
    );

    // Flagging the same message again keeps one open item; hits count every firing.
    let mut again = verdict(a, 0, Some(Moderation::Hidden), Some("refund talk"));
    again.escalate = true;
    store
        .record_verdicts(acme.id, &[again], &[], None)
        .await
        .unwrap();
    let queue = store.review_queue(acme.id, true, None, 50).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(store.open_reviews(acme.id, 100).await.unwrap(), 1);
    assert_eq!(store.open_reviews(other.id, 100).await.unwrap(), 0);
    let item = &queue[0];
    assert_eq!(
        (
            item.message_id,
            item.status,
            item.escalated,
            item.rule_index
        ),
        (a, ReviewStatus::Escalated, true, Some(0))
    );
    let hits = store.rule_hits(acme.id, v2.id).await.unwrap();
    assert_eq!(
        hits.iter()
            .map(|h| (h.rule_index, h.hits))
            .collect::<Vec<_>>(),
        [(0, 2), (1, 1)]
    );

    // --- Review decisions ------------------------------------------------------------
    // Another workspace cannot decide it; an unknown id is skipped.
    assert_eq!(
        store
            .decide_reviews(other.id, &[item.id], ReviewDecision::Remove, None)
            .await
            .unwrap(),
        0
    );
    assert!(matches!(
        store.review_item(other.id, item.id).await,
        Err(StoreError::NotFound)
    ));
    let decided = store
        .decide_reviews(
            acme.id,
            &[item.id, ReviewId(987_654)],
            ReviewDecision::Approve,
            Some(anna),
        )
        .await
        .unwrap();
    assert_eq!(decided, 1);
    let item = store.review_item(acme.id, item.id).await.unwrap();
    assert_eq!(item.status, ReviewStatus::Approved);
    assert_eq!(item.decided_by, Some(anna));
    assert!(
        store
            .review_queue(acme.id, true, None, 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .review_queue(acme.id, false, None, 50)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.moderation_facts(acme.id, &[a]).await.unwrap()[&a].state,
        Moderation::Visible
    );
    // Deciding again changes nothing.
    assert_eq!(
        store
            .decide_reviews(acme.id, &[item.id], ReviewDecision::Remove, Some(anna))
            .await
            .unwrap(),
        0
    );

    // The audit log names the rule (set, version, index) or the teammate, with the
    // state before and after, oldest last.
    let log = store.moderation_log(acme.id, Some(a), 50).await.unwrap();
    let lines: Vec<(&str, Moderation, Moderation)> = log
        .iter()
        .rev()
        .map(|e| (e.action.as_str(), e.before, e.after))
        .collect();
    assert_eq!(
        lines,
        [
            ("hide", Moderation::Visible, Moderation::Hidden),
            ("flag", Moderation::Hidden, Moderation::Hidden),
            ("approve", Moderation::Hidden, Moderation::Visible),
        ]
    );
    assert_eq!(
        log.last().unwrap().actor,
        RuleActor::Rule {
            rule_set: v2.id,
            version: 2,
            rule_index: 0
        }
    );
    assert_eq!(log[0].actor, RuleActor::Teammate { user: Some(anna) });
    assert_eq!(
        store.moderation_log(acme.id, None, 50).await.unwrap().len(),
        4
    );
    assert!(
        store
            .moderation_log(other.id, None, 50)
            .await
            .unwrap()
            .is_empty()
    );

    // A ban removes the message and bans its author.
    let authored = NewIdentity::new(acme.id, ChannelKind::Discourse, "troll-1").unwrap();
    let troll = store.upsert_identity(&authored).await.unwrap();
    let mut by_troll = NewMessage::new(
        forum.id,
        "mod-3",
        MessageKind::ForumPost,
        "buy pills",
        t0 + 2.minutes(),
    );
    by_troll.author_id = Some(troll.id);
    let c = store.upsert_messages(acme.id, &[by_troll]).await.unwrap()[0].id;
    store
        .record_verdicts(acme.id, &[verdict(c, 0, None, Some("pills"))], &[], None)
        .await
        .unwrap();
    let open = store.review_queue(acme.id, true, None, 50).await.unwrap();
    store
        .decide_reviews(acme.id, &[open[0].id], ReviewDecision::Ban, Some(anna))
        .await
        .unwrap();
    let facts = store.moderation_facts(acme.id, &[c]).await.unwrap();
    assert_eq!(facts[&c].state, Moderation::Removed);
    assert!(facts[&c].author_banned);

    // --- Guidelines: one text per workspace, replaced in place, isolated --------
    assert_eq!(store.guidelines(acme.id).await.unwrap(), None);
    store
        .set_guidelines(acme.id, "Be kind.\n\nNo spam.", Some(anna))
        .await
        .unwrap();
    store
        .set_guidelines(acme.id, "Be kind. <script>x</script>", Some(anna))
        .await
        .unwrap();
    assert_eq!(
        store.guidelines(acme.id).await.unwrap().as_deref(),
        Some("Be kind. <script>x</script>")
    );
    assert_eq!(store.guidelines(other.id).await.unwrap(), None);
    let too_long = "x".repeat(100_001);
    assert!(matches!(
        store.set_guidelines(other.id, &too_long, None).await,
        Err(StoreError::Invalid(_))
    ));
}
