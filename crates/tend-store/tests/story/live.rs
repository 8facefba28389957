//! The `ChannelStore` chapter of live channels: a channel connected with its
//! link (sealed secret, never listed), pages stored with their cursor and
//! deletions, health, resealing, disconnecting; and the sender's moves on the
//! outbox (the key fixed before the first attempt, compare-and-set moves,
//! "sent" only with the network's id, abandoned sends, pausing).

use jiff::{SignedDuration, Timestamp};
use tend_domain::*;
use tend_store::prelude::*;
use tend_store::{LivePage, NewLink, StoreError, UpsertOutcome};

pub async fn live_channels(store: &dyn Store, acme: &Workspace, other: &Workspace, t0: Timestamp) {
    let sealed = SealedSecret("c2VhbGVk".into());
    let mut new = NewChannel::new(acme.id, ChannelKind::Mastodon, "Fediverse live").unwrap();
    new.handle = Some("@acme".into());
    let link = NewLink {
        network: "mastodon".into(),
        config: r#"{"network":"mastodon","instance":"https://example.social"}"#.into(),
        secret: sealed.clone(),
        backfill_days: 7,
        token_expires_at: None,
    };
    let (channel, stored) = store.connect_channel(&new, &link, t0).await.unwrap();
    assert_eq!(stored.state, LinkState::Connected);
    assert_eq!((stored.cursor.clone(), stored.received), (None, 0));
    // The name is taken now, for a channel and its link together.
    assert!(matches!(
        store.connect_channel(&new, &link, t0).await,
        Err(StoreError::Conflict(_))
    ));
    let (read, secret) = store.channel_link(acme.id, channel.id).await.unwrap();
    assert_eq!((read, secret), (stored.clone(), sealed));
    assert!(matches!(
        store.channel_link(other.id, channel.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.channel_links(Some(other.id)).await.unwrap(), vec![]);
    assert!(store.channel_links(None).await.unwrap().contains(&stored));

    // A page: two messages, stored with the cursor that covers them.
    let msg =
        |id: &str, text: &str| NewMessage::new(channel.id, id, MessageKind::Mention, text, t0);
    let page = LivePage {
        channel: channel.id,
        cursor: Some("110"),
        deleted: &[],
        now: t0,
    };
    let first = store
        .store_live_page(acme.id, &[msg("109", "hi"), msg("110", "hello")], &page)
        .await
        .unwrap();
    assert!(first.iter().all(|u| u.outcome == UpsertOutcome::Created));
    let (link, _) = store.channel_link(acme.id, channel.id).await.unwrap();
    assert_eq!((link.cursor.as_deref(), link.received), (Some("110"), 2));
    assert_eq!(link.last_ok_at, Some(t0));
    // The next page edits one, deletes the other and keeps the cursor when it
    // has none of its own; nothing is counted twice.
    let deleted = vec!["109".to_owned()];
    let later = t0 + SignedDuration::from_secs(30);
    let page = LivePage {
        channel: channel.id,
        cursor: None,
        deleted: &deleted,
        now: later,
    };
    let second = store
        .store_live_page(acme.id, &[msg("110", "hello, edited")], &page)
        .await
        .unwrap();
    assert_eq!(second[0].outcome, UpsertOutcome::Edited);
    let (link, _) = store.channel_link(acme.id, channel.id).await.unwrap();
    assert_eq!((link.cursor.as_deref(), link.received), (Some("110"), 2));
    let removed = store.message(acme.id, first[0].id).await.unwrap();
    assert_eq!(removed.removed_at, Some(later), "marked, kept");
    assert_eq!(
        store
            .message(acme.id, first[1].id)
            .await
            .unwrap()
            .removed_at,
        None
    );

    // Health: an error, a rate limit, then a good read clears them.
    let report = SyncReport {
        error: Some("HTTP 503: down".into()),
        rate_limited_until: Some(later + SignedDuration::from_secs(60)),
        token_expires_at: Some(later + SignedDuration::from_hours(2)),
    };
    store
        .record_sync(acme.id, channel.id, &report, later)
        .await
        .unwrap();
    let (link, _) = store.channel_link(acme.id, channel.id).await.unwrap();
    assert_eq!(link.last_error.as_deref(), Some("HTTP 503: down"));
    assert_eq!(
        (link.last_error_at, link.last_ok_at),
        (Some(later), Some(later))
    );
    assert_eq!(link.rate_limited_until, report.rate_limited_until);
    assert_eq!(link.token_expires_at, report.token_expires_at);
    store
        .record_sync(acme.id, channel.id, &SyncReport::default(), later)
        .await
        .unwrap();
    let (link, _) = store.channel_link(acme.id, channel.id).await.unwrap();
    assert_eq!((link.last_error, link.rate_limited_until), (None, None));
    assert_eq!(link.token_expires_at, report.token_expires_at, "kept");
    store
        .reseal_channel(acme.id, channel.id, &SealedSecret("bmV3".into()), None)
        .await
        .unwrap();
    assert_eq!(
        store.channel_link(acme.id, channel.id).await.unwrap().1,
        SealedSecret("bmV3".into())
    );

    // The sender's moves on a reply.
    let user = store
        .create_user(&NewUser {
            email: Email::parse("sender@acme.test").unwrap(),
            name: "Sender".into(),
            locale: "en".into(),
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    store
        .grant_role(user.id, acme.id, Role::Admin)
        .await
        .unwrap();
    let item = store
        .enqueue_reply(
            acme.id,
            &NewReply {
                in_reply_to: first[1].id,
                author_id: user.id,
                text: "Thanks!".into(),
                idempotency_key: None,
            },
        )
        .await
        .unwrap();
    let due = store.outbox_due(later, 100).await.unwrap();
    assert!(due.iter().any(|d| d.id == item.id && d.attempts == 0));
    let sending = store
        .begin_send(acme.id, item.id, "key-1", later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((sending.state, sending.attempts), (OutboxState::Sending, 1));
    assert_eq!(sending.send_key.as_deref(), Some("key-1"));
    // Only one claim wins; a second attempt keeps the first key.
    assert!(
        store
            .begin_send(acme.id, item.id, "key-2", later)
            .await
            .unwrap()
            .is_none()
    );
    // Sent outside a job: abandoned only once stale.
    assert!(
        !store
            .sending_abandoned(
                acme.id,
                item.id,
                later - SignedDuration::from_secs(45),
                later
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .sending_abandoned(
                acme.id,
                item.id,
                later + SignedDuration::from_secs(1),
                later
            )
            .await
            .unwrap()
    );
    // "Sent" needs the network's id.
    assert!(matches!(
        store
            .settle_outbox(
                acme.id,
                item.id,
                OutboxState::Sending,
                OutboxState::Sent,
                None,
                None,
                later
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    let unknown = store
        .settle_outbox(
            acme.id,
            item.id,
            OutboxState::Sending,
            OutboxState::Unknown,
            None,
            Some("timed out"),
            later,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unknown.last_error.as_deref(), Some("timed out"));
    // A move from a state it is no longer in changes nothing.
    assert!(
        store
            .settle_outbox(
                acme.id,
                item.id,
                OutboxState::Sending,
                OutboxState::Failed,
                None,
                None,
                later
            )
            .await
            .unwrap()
            .is_none()
    );
    let sent = store
        .settle_outbox(
            acme.id,
            item.id,
            OutboxState::Unknown,
            OutboxState::Sent,
            Some(("110001", Some("https://example.social/@acme/110001"))),
            None,
            later,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.remote_id.as_deref(), Some("110001"));
    assert_eq!(
        sent.remote_url.as_deref(),
        Some("https://example.social/@acme/110001")
    );
    assert_eq!(sent.last_error, None);
    let trail: Vec<_> = store
        .outbox_events(acme.id, item.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.state)
        .collect();
    assert_eq!(
        trail,
        [
            OutboxState::Queued,
            OutboxState::Sending,
            OutboxState::Unknown,
            OutboxState::Sent
        ]
    );
    assert!(
        !store
            .outbox_due(later, 100)
            .await
            .unwrap()
            .iter()
            .any(|d| d.id == item.id)
    );

    // Pausing a workspace's sending.
    assert_eq!(store.sending_paused(acme.id).await.unwrap(), None);
    store.pause_sending(acme.id, true, later).await.unwrap();
    store
        .pause_sending(acme.id, true, later + SignedDuration::from_secs(9))
        .await
        .unwrap();
    assert_eq!(
        store.sending_paused(acme.id).await.unwrap(),
        Some(later),
        "since the first"
    );
    assert_eq!(store.sending_paused(other.id).await.unwrap(), None);
    store.pause_sending(acme.id, false, later).await.unwrap();
    assert_eq!(store.sending_paused(acme.id).await.unwrap(), None);

    // Disconnecting wipes the secret and refuses further pages; history stays.
    let gone = store
        .disconnect_channel(acme.id, channel.id, later)
        .await
        .unwrap();
    assert_eq!(
        (gone.state, gone.disconnected_at),
        (LinkState::Disconnected, Some(later))
    );
    assert_eq!(
        store.channel_link(acme.id, channel.id).await.unwrap().1,
        SealedSecret(String::new())
    );
    assert!(matches!(
        store
            .store_live_page(
                acme.id,
                &[msg("111", "late")],
                &LivePage {
                    channel: channel.id,
                    cursor: Some("111"),
                    deleted: &[],
                    now: later,
                }
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.message(acme.id, first[1].id).await.unwrap().text,
        "hello, edited"
    );
    assert!(matches!(
        store.disconnect_channel(other.id, channel.id, later).await,
        Err(StoreError::NotFound)
    ));
}
