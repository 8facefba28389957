//! Chapter of the story: what the web app needs — sessions, API tokens, memberships,
//! the inbox filters and full-text search, authors, sentiment corrections, notes,
//! the message history and the outbox — each refusing another workspace's items.

use crate::t;
use jiff::{Timestamp, ToSpan as _};
use tend_domain::*;
use tend_store::prelude::*;
use tend_store::{InboxQuery, StoreError};

fn user(email: &str, name: &str) -> NewUser {
    NewUser {
        email: Email::parse(email).unwrap(),
        name: name.into(),
        locale: "en".into(),
        password_hash: "$argon2id$x".into(),
    }
}

pub async fn web_app(store: &dyn Store) {
    let ws = |slug: &str| NewWorkspace::new(Slug::parse(slug).unwrap(), slug, "UTC").unwrap();
    let a = store.create_workspace(&ws("web-a")).await.unwrap();
    let b = store.create_workspace(&ws("web-b")).await.unwrap();
    let eva = store.create_user(&user("eva@web.se", "Eva")).await.unwrap();
    let olle = store
        .create_user(&user("olle@web.se", "Olle"))
        .await
        .unwrap();
    let stranger = store.create_user(&user("x@web.se", "X")).await.unwrap();
    store
        .grant_role(eva.id, a.id, Role::CommunityManager)
        .await
        .unwrap();
    store
        .grant_role(olle.id, a.id, Role::Analyst)
        .await
        .unwrap();
    store
        .grant_role(stranger.id, b.id, Role::Admin)
        .await
        .unwrap();

    // --- Memberships --------------------------------------------------------
    let (found, role) = store.membership(eva.id, "web-a").await.unwrap();
    assert_eq!((found.id, role), (a.id, Role::CommunityManager));
    assert!(matches!(
        store.membership(eva.id, "web-b").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.membership(eva.id, "nope").await,
        Err(StoreError::NotFound)
    ));
    let team: Vec<_> = store
        .workspace_users(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(u, r)| (u.name, r))
        .collect();
    assert_eq!(
        team,
        vec![
            ("Eva".to_owned(), Role::CommunityManager),
            ("Olle".to_owned(), Role::Analyst)
        ]
    );
    store.set_user_locale(eva.id, "sv").await.unwrap();
    assert_eq!(store.user(eva.id).await.unwrap().locale, "sv");
    assert!(matches!(
        store.set_user_locale(eva.id, "de").await,
        Err(StoreError::Invalid(_))
    ));

    // --- Sessions -----------------------------------------------------------
    let now = t("2026-12-01T10:00:00Z");
    let session = Session {
        id_hash: "hash-1".into(),
        user_id: eva.id,
        csrf_token: "csrf-1".into(),
        created_at: now,
        last_seen: now,
        expires_at: now + 1.hour(),
    };
    store.create_session(&session).await.unwrap();
    let (got, who) = store.session("hash-1", now + 10.minutes()).await.unwrap();
    assert_eq!((got.csrf_token.as_str(), who.id), ("csrf-1", eva.id));
    let (touched, _) = store.session("hash-1", now + 11.minutes()).await.unwrap();
    assert_eq!(
        touched.last_seen,
        now + 10.minutes(),
        "last seen is recorded"
    );
    assert!(
        matches!(
            store.session("hash-1", now + 2.hours()).await,
            Err(StoreError::NotFound)
        ),
        "expired sessions do not authenticate"
    );
    assert!(matches!(
        store.session("other", now).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .delete_expired_sessions(now + 2.hours())
            .await
            .unwrap(),
        1
    );
    store
        .create_session(&Session {
            id_hash: "hash-2".into(),
            ..session.clone()
        })
        .await
        .unwrap();
    store
        .create_session(&Session {
            id_hash: "hash-3".into(),
            ..session.clone()
        })
        .await
        .unwrap();
    store.delete_session("hash-2").await.unwrap();
    store.delete_session("hash-2").await.unwrap();
    assert!(matches!(
        store.session("hash-2", now).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.delete_user_sessions(eva.id).await.unwrap(), 1);

    // --- API tokens ---------------------------------------------------------
    let token = store
        .create_api_token(eva.id, " script ", "tend_abc", "th-1")
        .await
        .unwrap();
    assert_eq!(
        (token.name.as_str(), token.prefix.as_str()),
        ("script", "tend_abc")
    );
    assert!(matches!(
        store.create_api_token(eva.id, " ", "p", "th-2").await,
        Err(StoreError::Invalid(_))
    ));
    let (used, owner) = store.api_token_user("th-1").await.unwrap();
    assert_eq!((used.id, owner.id), (token.id, eva.id));
    assert!(
        store.api_tokens(eva.id).await.unwrap()[0]
            .last_used_at
            .is_some()
    );
    assert!(
        matches!(
            store.revoke_api_token(olle.id, token.id).await,
            Err(StoreError::NotFound)
        ),
        "nobody revokes someone else's token"
    );
    store.revoke_api_token(eva.id, token.id).await.unwrap();
    assert!(matches!(
        store.api_token_user("th-1").await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store.api_tokens(eva.id).await.unwrap()[0]
            .revoked_at
            .is_some()
    );
    assert!(store.api_tokens(olle.id).await.unwrap().is_empty());

    // --- Inbox filters and search --------------------------------------------
    let x = store
        .create_channel(&NewChannel::new(a.id, ChannelKind::X, "X").unwrap())
        .await
        .unwrap();
    let forum = store
        .create_channel(&NewChannel::new(a.id, ChannelKind::Discourse, "Forum").unwrap())
        .await
        .unwrap();
    let foreign = store
        .create_channel(&NewChannel::new(b.id, ChannelKind::X, "X").unwrap())
        .await
        .unwrap();
    let kim = store
        .upsert_identity(&NewIdentity::new(a.id, ChannelKind::X, "kim").unwrap())
        .await
        .unwrap();
    let kim_forum = store
        .upsert_identity(&NewIdentity::new(a.id, ChannelKind::Discourse, "kim").unwrap())
        .await
        .unwrap();
    let kim_profile = store
        .merge_members(a.id, kim.member_id, kim_forum.member_id)
        .await
        .unwrap();
    let day = t("2026-12-01T00:00:00Z");
    let signals = |label: SentimentLabel, toxicity: f64, question: bool| Signals {
        sentiment: match label {
            SentimentLabel::Positive => 0.7,
            SentimentLabel::Neutral => 0.0,
            SentimentLabel::Negative => -0.7,
        },
        sentiment_label: label,
        toxicity,
        spam: 0.0,
        question,
    };
    let msg = |channel: ChannelId, id: &str, text: &str, at: Timestamp, s: Signals, lang: &str| {
        let mut m = NewMessage::new(channel, id, MessageKind::Mention, text, at);
        m.signals = Some(s);
        m.lang = Some(lang.into());
        m
    };
    let mut w1 = msg(
        x.id,
        "w1",
        "Refund please, the app crashed",
        day + 1.hour(),
        signals(SentimentLabel::Negative, 0.1, false),
        "en",
    );
    w1.author_id = Some(kim.id);
    let mut w2 = msg(
        forum.id,
        "w2",
        "Hur får jag återbetalning?",
        day + 2.hours(),
        signals(SentimentLabel::Neutral, 0.0, true),
        "sv",
    );
    w2.author_id = Some(kim_forum.id);
    w2.title = Some("Återbetalning".into());
    let w3 = msg(
        x.id,
        "w3",
        "you are idiots, refund now",
        day + 3.hours(),
        signals(SentimentLabel::Negative, 0.9, false),
        "en",
    );
    let w4 = msg(
        x.id,
        "w4",
        "Great release, thanks!",
        day + 4.hours(),
        signals(SentimentLabel::Positive, 0.0, false),
        "en",
    );
    let ids: Vec<MessageId> = store
        .upsert_messages(a.id, &[w1, w2, w3, w4])
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    store
        .upsert_messages(
            b.id,
            &[msg(
                foreign.id,
                "f1",
                "refund refund",
                day + 5.hours(),
                signals(SentimentLabel::Negative, 0.0, false),
                "en",
            )],
        )
        .await
        .unwrap();
    let inbox = |q: InboxQuery| async move {
        store
            .inbox(a.id, &q)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.external_id)
            .collect::<Vec<_>>()
    };
    let all = InboxQuery::default;
    assert_eq!(inbox(all()).await, ["w4", "w3", "w2", "w1"]);
    assert_eq!(
        inbox(InboxQuery {
            text: Some("REFUND".into()),
            ..all()
        })
        .await,
        ["w3", "w1"],
        "search is case-insensitive and stays in the workspace"
    );
    assert_eq!(
        inbox(InboxQuery {
            text: Some("refund crashed".into()),
            ..all()
        })
        .await,
        ["w1"],
        "every word must match"
    );
    assert_eq!(
        inbox(InboxQuery {
            text: Some("återbetalning".into()),
            ..all()
        })
        .await,
        ["w2"],
        "titles and non-ASCII words are searched"
    );
    assert_eq!(
        inbox(InboxQuery {
            text: Some("\"(* - ".into()),
            ..all()
        })
        .await,
        ["w4", "w3", "w2", "w1"],
        "a query without words filters nothing"
    );
    assert_eq!(
        inbox(InboxQuery {
            text: Some("refund\" OR \"great".into()),
            ..all()
        })
        .await,
        Vec::<String>::new(),
        "operators are words, not syntax"
    );
    assert_eq!(
        inbox(InboxQuery {
            sentiment: Some(SentimentLabel::Negative),
            ..all()
        })
        .await,
        ["w3", "w1"]
    );
    assert_eq!(
        inbox(InboxQuery {
            lang: Some("sv".into()),
            ..all()
        })
        .await,
        ["w2"]
    );
    assert_eq!(
        inbox(InboxQuery {
            question: Some(true),
            ..all()
        })
        .await,
        ["w2"]
    );
    assert_eq!(
        inbox(InboxQuery {
            toxic: Some(true),
            ..all()
        })
        .await,
        ["w3"]
    );
    assert_eq!(
        inbox(InboxQuery {
            toxic: Some(false),
            ..all()
        })
        .await,
        ["w4", "w2", "w1"]
    );
    assert_eq!(
        inbox(InboxQuery {
            channel: Some(forum.id),
            ..all()
        })
        .await,
        ["w2"]
    );
    assert_eq!(
        inbox(InboxQuery {
            from: Some(day + 2.hours()),
            to: Some(day + 4.hours()),
            ..all()
        })
        .await,
        ["w3", "w2"],
        "from is inclusive, to exclusive"
    );
    store
        .assign(a.id, ids[0], Some(eva.id), None)
        .await
        .unwrap();
    assert_eq!(
        inbox(InboxQuery {
            assignee: Some(eva.id),
            ..all()
        })
        .await,
        ["w1"]
    );
    assert_eq!(
        inbox(InboxQuery {
            unassigned: true,
            ..all()
        })
        .await,
        ["w4", "w3", "w2"]
    );
    assert_eq!(
        inbox(InboxQuery {
            sentiment: Some(SentimentLabel::Negative),
            text: Some("refund".into()),
            toxic: Some(false),
            ..all()
        })
        .await,
        ["w1"],
        "filters combine"
    );

    // An edit re-indexes the text.
    let mut w4_edit = msg(
        x.id,
        "w4",
        "Great update, thanks!",
        day + 4.hours(),
        signals(SentimentLabel::Positive, 0.0, false),
        "en",
    );
    w4_edit.edited_at = Some(day + 5.hours());
    store.upsert_messages(a.id, &[w4_edit]).await.unwrap();
    assert_eq!(
        inbox(InboxQuery {
            text: Some("release".into()),
            ..all()
        })
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        inbox(InboxQuery {
            text: Some("update".into()),
            ..all()
        })
        .await,
        ["w4"]
    );

    // --- Sentiment corrections --------------------------------------------------
    let corrected = store
        .correct_sentiment(a.id, ids[2], Some(SentimentLabel::Neutral), None)
        .await
        .unwrap();
    assert_eq!(corrected.sentiment_corrected, Some(SentimentLabel::Neutral));
    assert_eq!(
        corrected.sentiment_label(),
        Some(SentimentLabel::Neutral),
        "the correction wins"
    );
    assert_eq!(
        inbox(InboxQuery {
            sentiment: Some(SentimentLabel::Negative),
            ..all()
        })
        .await,
        ["w1"]
    );
    assert_eq!(
        inbox(InboxQuery {
            sentiment: Some(SentimentLabel::Neutral),
            ..all()
        })
        .await,
        ["w3", "w2"]
    );
    let cleared = store
        .correct_sentiment(a.id, ids[2], None, None)
        .await
        .unwrap();
    assert_eq!(cleared.sentiment_label(), Some(SentimentLabel::Negative));
    assert!(matches!(
        store.correct_sentiment(b.id, ids[2], None, None).await,
        Err(StoreError::NotFound)
    ));

    // --- Authors -------------------------------------------------------------------
    let found = store
        .identities(a.id, &[kim.id, kim_forum.id, kim.id])
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert!(store.identities(b.id, &[kim.id]).await.unwrap().is_empty());
    let earlier: Vec<_> = store
        .member_messages(a.id, kim_profile.member.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.external_id)
        .collect();
    assert_eq!(
        earlier,
        ["w2", "w1"],
        "every identity of the member, newest first"
    );
    assert!(
        store
            .member_messages(b.id, kim_profile.member.id, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // --- Notes and history ------------------------------------------------------
    let note = store
        .add_note(
            a.id,
            ids[0],
            eva.id,
            "@olle can you check?",
            &[olle.id, olle.id],
        )
        .await
        .unwrap();
    assert_eq!(note.mentions, vec![olle.id]);
    assert!(
        matches!(
            store
                .add_note(a.id, ids[0], eva.id, "hi", &[stranger.id])
                .await,
            Err(StoreError::NotFound)
        ),
        "only teammates can be mentioned"
    );
    assert!(matches!(
        store.add_note(a.id, ids[0], eva.id, "  ", &[]).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.add_note(b.id, ids[0], stranger.id, "x", &[]).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.notes(a.id, ids[0]).await.unwrap(), vec![note.clone()]);
    assert!(matches!(
        store.notes(b.id, ids[0]).await,
        Err(StoreError::NotFound)
    ));
    // The history is written by the changes themselves (see the `changes` chapter):
    // the assignment above (by the system) and the note (by Eva).
    let history = store.message_events(a.id, ids[0]).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|e| (e.kind, e.user_id, e.detail.clone()))
            .collect::<Vec<_>>(),
        [
            (HistoryKind::Assigned, None, eva.id.to_string()),
            (HistoryKind::Noted, Some(eva.id), note.id.to_string()),
        ]
    );
    assert!(
        history
            .iter()
            .all(|e| e.message_id == ids[0] && e.at <= Timestamp::now())
    );
    assert!(matches!(
        store.message_events(b.id, ids[0]).await,
        Err(StoreError::NotFound)
    ));

    // --- Outbox ---------------------------------------------------------------------
    let reply = NewReply {
        in_reply_to: ids[0],
        author_id: eva.id,
        text: "Sorry! DM us.".into(),
        idempotency_key: None,
    };
    let item = store.enqueue_reply(a.id, &reply).await.unwrap();
    assert_eq!(
        (item.state, item.channel_id, item.attempts),
        (OutboxState::Queued, x.id, 0)
    );
    assert!(matches!(
        store.enqueue_reply(b.id, &reply).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .enqueue_reply(
                a.id,
                &NewReply {
                    author_id: stranger.id,
                    ..reply.clone()
                }
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(
        matches!(
            store
                .move_outbox(a.id, item.id, OutboxState::Sent, None, None)
                .await,
            Err(StoreError::Conflict(_))
        ),
        "queued items cannot skip sending"
    );
    let sending = store
        .move_outbox(a.id, item.id, OutboxState::Sending, None, None)
        .await
        .unwrap();
    assert_eq!(sending.attempts, 1);
    let failed = store
        .move_outbox(
            a.id,
            item.id,
            OutboxState::Failed,
            None,
            Some("rate limited"),
        )
        .await
        .unwrap();
    assert_eq!(failed.last_error.as_deref(), Some("rate limited"));
    store
        .move_outbox(a.id, item.id, OutboxState::Queued, Some(eva.id), None)
        .await
        .unwrap();
    store
        .move_outbox(a.id, item.id, OutboxState::Sending, None, None)
        .await
        .unwrap();
    let sent = store
        .move_outbox(a.id, item.id, OutboxState::Sent, None, None)
        .await
        .unwrap();
    assert_eq!(
        (sent.state, sent.attempts, sent.last_error.clone()),
        (OutboxState::Sent, 2, None)
    );
    let trail: Vec<_> = store
        .outbox_events(a.id, item.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.state, e.user_id, e.detail))
        .collect();
    assert_eq!(
        trail,
        vec![
            (OutboxState::Queued, Some(eva.id), None),
            (OutboxState::Sending, None, None),
            (OutboxState::Failed, None, Some("rate limited".to_owned())),
            (OutboxState::Queued, Some(eva.id), None),
            (OutboxState::Sending, None, None),
            (OutboxState::Sent, None, None),
        ]
    );
    assert_eq!(
        store.message_outbox(a.id, ids[0]).await.unwrap(),
        vec![sent]
    );
    assert!(matches!(
        store.message_outbox(b.id, ids[0]).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.outbox_events(b.id, item.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .move_outbox(b.id, item.id, OutboxState::Queued, None, None)
            .await,
        Err(StoreError::NotFound)
    ));
}
