//! Chapter of the story: the moderation rules' webhook posts, queued with the
//! verdict (once per message, rule of a version and address), claimed with a
//! lease, retried, delivered or given up with the last error kept; and who counts
//! as a community member (moderation's `is_member`, listening's "to answer").

use jiff::{Timestamp, ToSpan};
use tend_domain::*;
use tend_store::prelude::*;

pub async fn webhooks_and_members(
    store: &dyn Store,
    acme: &Workspace,
    other: &Workspace,
    forum: &Channel,
    t0: Timestamp,
) {
    let v = store
        .create_rule_set(
            acme.id,
            "# Alert\nbody: [outage]\nnotify: {webhook: 'http://127.0.0.1:9/hook'}\n",
            None,
        )
        .await
        .unwrap();
    let m = NewMessage::new(forum.id, "hook-1", MessageKind::ForumPost, "outage", t0);
    let message = store.upsert_messages(acme.id, &[m]).await.unwrap()[0].id;
    let verdict = ModerationVerdict {
        message_id: message,
        rule_set: v.id,
        version: v.version,
        rule_index: 0,
        rule_name: "Alert".into(),
        unrepeatable_hash: Some("h-alert".into()),
        state: None,
        flag: None,
        escalate: false,
        log: vec![("notify".into(), "http://127.0.0.1:9/hook".into())],
        webhooks: vec![
            WebhookNotice {
                url: "http://127.0.0.1:9/hook".into(),
                payload: r#"{"event":"tend.moderation.notify"}"#.into(),
            },
            WebhookNotice {
                url: "http://127.0.0.1:9/other".into(),
                payload: "{}".into(),
            },
        ],
    };
    store
        .record_verdicts(acme.id, std::slice::from_ref(&verdict), &[], None)
        .await
        .unwrap();
    // The same verdict again (or a crash-replayed one) queues nothing more.
    store
        .record_verdicts(acme.id, std::slice::from_ref(&verdict), &[], None)
        .await
        .unwrap();
    let queued = store.webhook_deliveries(acme.id, None, 50).await.unwrap();
    assert_eq!(queued.len(), 2);
    assert!(queued.iter().all(|d| d.status() == "pending"
        && d.attempts == 0
        && d.message_id == message
        && (d.rule_set, d.version, d.rule_index) == (v.id, v.version, 0)
        && d.rule_name == "Alert"));
    assert_eq!(queued[1].payload, r#"{"event":"tend.moderation.notify"}"#);
    assert_eq!(
        store
            .webhook_deliveries(acme.id, Some(message), 50)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .webhook_deliveries(other.id, None, 50)
            .await
            .unwrap()
            .is_empty()
    );

    // Claiming leases: a second claim before the lease ends gets nothing.
    // In the store's precision (milliseconds).
    let now = Timestamp::from_millisecond(Timestamp::now().as_millisecond()).unwrap() + 1.second();
    let lease = now + 5.minutes();
    let claimed = store.claim_webhooks(now, lease, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(claimed[0].id < claimed[1].id);
    assert!(
        store
            .claim_webhooks(now, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Nothing is due before it was queued.
    assert!(
        store
            .claim_webhooks(t0 - 1.hour(), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let (first, second) = (claimed[0].id, claimed[1].id);

    // A failure keeps its error and sets the next attempt.
    let retry_at = now + 30.seconds();
    let failed = WebhookAttempt::Failed {
        error: "the receiver answered HTTP 503 Service Unavailable".into(),
        retry_at: Some(retry_at),
    };
    store
        .webhook_attempted(acme.id, first, &failed)
        .await
        .unwrap();
    // Another workspace cannot record attempts on it.
    store
        .webhook_attempted(other.id, second, &WebhookAttempt::Delivered)
        .await
        .unwrap();
    let d = delivery(store, acme, first).await;
    assert_eq!((d.status(), d.attempts), ("pending", 1));
    assert_eq!(d.next_attempt_at, retry_at);
    assert_eq!(
        d.last_error.as_deref(),
        Some("the receiver answered HTTP 503 Service Unavailable")
    );
    assert_eq!(delivery(store, acme, second).await.attempts, 0);
    assert!(
        store
            .claim_webhooks(now + 29.seconds(), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.claim_webhooks(retry_at, lease, 10).await.unwrap();
    assert_eq!(again.iter().map(|d| d.id).collect::<Vec<_>>(), [first]);
    store
        .webhook_attempted(acme.id, first, &WebhookAttempt::Delivered)
        .await
        .unwrap();
    // A late failure on a delivered one changes nothing.
    store
        .webhook_attempted(acme.id, first, &failed)
        .await
        .unwrap();
    let d = delivery(store, acme, first).await;
    assert_eq!((d.status(), d.attempts), ("delivered", 2));
    assert!(d.delivered_at.is_some());

    // Giving up: no next attempt, the error stays, never claimed again.
    let long_error = "é".repeat(900);
    store
        .webhook_attempted(
            acme.id,
            second,
            &WebhookAttempt::Failed {
                error: long_error,
                retry_at: None,
            },
        )
        .await
        .unwrap();
    let d = delivery(store, acme, second).await;
    assert_eq!((d.status(), d.attempts), ("failed", 1));
    assert!(d.gave_up_at.is_some());
    assert_eq!(d.last_error.unwrap().chars().count(), 500);
    assert!(
        store
            .claim_webhooks(lease + 1.hour(), lease + 2.hours(), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // --- Community members: a member with an identity on a forum, chat or Q&A
    // platform; one only seen on social networks is not.
    let social = store
        .upsert_identity(&NewIdentity::new(acme.id, ChannelKind::X, "only-social").unwrap())
        .await
        .unwrap();
    let forum_user = store
        .upsert_identity(&NewIdentity::new(acme.id, ChannelKind::Discourse, "regular").unwrap())
        .await
        .unwrap();
    let merged_social = store
        .upsert_identity(&NewIdentity::new(acme.id, ChannelKind::Mastodon, "regular").unwrap())
        .await
        .unwrap();
    let ids = [social.id, forum_user.id, merged_social.id];
    let members = store.community_members(acme.id, &ids).await.unwrap();
    assert_eq!(members, [forum_user.id].into_iter().collect());
    store
        .merge_members(acme.id, forum_user.member_id, merged_social.member_id)
        .await
        .unwrap();
    let members = store.community_members(acme.id, &ids).await.unwrap();
    assert_eq!(
        members,
        [forum_user.id, merged_social.id].into_iter().collect()
    );
    assert!(
        store
            .community_members(other.id, &ids)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn delivery(store: &dyn Store, ws: &Workspace, id: i64) -> WebhookDelivery {
    store
        .webhook_deliveries(ws.id, None, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.id == id)
        .unwrap()
}
