//! The store story: one walk through every operation of every store trait, as a
//! community team would use them, run on SQLite and on PostgreSQL.
//!
//! The chapters by trait: `TeamStore`, `ChannelStore`, `MemberStore` and
//! `AdminStore` here and in `web` (sessions, tokens, teammates, members), with
//! `community_members` in `moderation_webhooks`;
//! `InboxStore` in `rollups`, `tags`, `changes`, `inbox_order`, `search_window`,
//! `links` and `web`; `ModerationStore` in `moderation` and
//! `moderation_webhooks`; `EventStore` in `changes` (the log) and `jobs`
//! (consumer cursors, verdicts with jobs); `ListenStore` in `listening`;
//! `JobStore` in `jobs`; live channels and the sender (`ChannelStore`) in `live`;
//! review ratings (`InboxStore`) in `ratings`.
//!
//! PostgreSQL runs when `TEND_TEST_DATABASE_URL` points at a server (the test
//! script starts one); each run creates and drops a fresh database. Without the
//! variable the PostgreSQL test says so and passes, unless
//! `TEND_REQUIRE_POSTGRES=1` (set by the test script) makes that a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use jiff::{Timestamp, ToSpan as _};
use std::sync::Arc;
use tend_domain::*;
use tend_store::prelude::*;
use tend_store::{InboxQuery, StateCounts, StoreError, UpsertOutcome};

mod changes;
mod inbox_order;
mod jobs;
mod links;
mod listening;
mod live;
mod moderation;
mod moderation_webhooks;
mod postgres;
mod ratings;
mod rollups;
mod search_window;
mod tags;
mod web;

#[tokio::test]
async fn story_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let store = tend_store::open(&url, 4).await.unwrap();
    assert_eq!(store.backend(), tend_store::Backend::Sqlite);
    story(store).await;
}

#[tokio::test]
async fn story_on_postgres() {
    let Some(db) = postgres::fresh_database().await else {
        return;
    };
    let store = tend_store::open(&db.url, 4).await.unwrap();
    assert_eq!(store.backend(), tend_store::Backend::Postgres);
    story(store.clone()).await;
    drop(store);
    db.drop().await;
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

async fn story(store: Arc<dyn Store>) {
    // Migrations are idempotent.
    store.migrate().await.unwrap();

    // --- Workspaces ---------------------------------------------------------
    let acme = store
        .create_workspace(
            &NewWorkspace::new(Slug::parse("acme").unwrap(), "Acme", "Europe/Stockholm").unwrap(),
        )
        .await
        .unwrap();
    let other = store
        .create_workspace(
            &NewWorkspace::new(Slug::parse("globex").unwrap(), "Globex", "UTC").unwrap(),
        )
        .await
        .unwrap();
    let dup = store
        .create_workspace(&NewWorkspace::new(Slug::parse("acme").unwrap(), "Again", "UTC").unwrap())
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    // The conflict speaks our words on both databases and keeps the database's own
    // as its source, for the log (issue 13, item 10).
    let dup = dup.unwrap_err();
    assert_eq!(dup.to_string(), "a workspace with this slug exists");
    let cause = std::error::Error::source(&dup).map(ToString::to_string);
    assert!(
        cause.as_deref().is_some_and(|c| c.contains("slug")),
        "the database error is the source: {cause:?}"
    );
    assert_eq!(store.workspace(acme.id).await.unwrap(), acme);
    assert_eq!(
        store.workspace_by_slug("globex").await.unwrap().id,
        other.id
    );
    assert!(matches!(
        store.workspace_by_slug("nope").await,
        Err(StoreError::NotFound)
    ));
    let names: Vec<_> = store
        .list_workspaces()
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(names, ["Acme", "Globex"]);
    let acme = store
        .update_workspace_hours(acme.id, "Europe/Stockholm", &BusinessHours::always(), 1800)
        .await
        .unwrap();
    assert_eq!(acme.business_hours, BusinessHours::always());
    assert_eq!(acme.response_target_secs, 1800);
    assert!(
        store
            .update_workspace_hours(acme.id, "Nowhere/Land", &BusinessHours::office(), 60)
            .await
            .is_err()
    );

    // --- Users and roles ----------------------------------------------------
    assert_eq!(store.count_users().await.unwrap(), 0);
    let anna = store
        .create_user(&NewUser {
            email: Email::parse("anna@acme.se").unwrap(),
            name: "Anna".into(),
            locale: "sv".into(),
            password_hash: "$argon2id$fake".into(),
        })
        .await
        .unwrap();
    let bo = store
        .create_user(&NewUser {
            email: Email::parse("bo@globex.com").unwrap(),
            name: "Bo".into(),
            locale: "en".into(),
            password_hash: "$argon2id$fake2".into(),
        })
        .await
        .unwrap();
    let again = store
        .create_user(&NewUser {
            email: Email::parse("ANNA@acme.se").unwrap(),
            name: "Anna 2".into(),
            locale: "en".into(),
            password_hash: "x".into(),
        })
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    assert_eq!(
        again.unwrap_err().to_string(),
        "a teammate with this e-mail exists"
    );
    assert_eq!(store.count_users().await.unwrap(), 2);
    assert_eq!(store.user(anna.id).await.unwrap(), anna);
    let (found, hash) = store
        .user_credentials(&Email::parse("anna@acme.se").unwrap())
        .await
        .unwrap();
    assert_eq!((found.id, hash.as_str()), (anna.id, "$argon2id$fake"));
    store
        .set_password_hash(anna.id, "$argon2id$new")
        .await
        .unwrap();
    assert_eq!(
        store.user_credentials(&anna.email).await.unwrap().1,
        "$argon2id$new"
    );
    store
        .grant_role(anna.id, acme.id, Role::CommunityManager)
        .await
        .unwrap();
    store
        .grant_role(anna.id, acme.id, Role::Admin)
        .await
        .unwrap();
    store
        .grant_role(anna.id, other.id, Role::Client)
        .await
        .unwrap();
    store
        .grant_role(bo.id, other.id, Role::Admin)
        .await
        .unwrap();
    assert_eq!(
        store.role_in(anna.id, acme.id).await.unwrap(),
        Some(Role::Admin)
    );
    assert_eq!(store.role_in(bo.id, acme.id).await.unwrap(), None);
    let mine: Vec<_> = store
        .user_workspaces(anna.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(w, r)| (w.slug.to_string(), r))
        .collect();
    assert_eq!(
        mine,
        [
            ("acme".to_string(), Role::Admin),
            ("globex".to_string(), Role::Client)
        ]
    );
    store.revoke_membership(anna.id, other.id).await.unwrap();
    assert_eq!(store.role_in(anna.id, other.id).await.unwrap(), None);
    assert!(matches!(
        store.revoke_membership(anna.id, other.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .grant_role(anna.id, WorkspaceId(9999), Role::Admin)
            .await,
        Err(StoreError::NotFound)
    ));

    // --- Channels -----------------------------------------------------------
    let forum = store
        .create_channel(&NewChannel::new(acme.id, ChannelKind::Discourse, "Forum").unwrap())
        .await
        .unwrap();
    let mut x = NewChannel::new(acme.id, ChannelKind::X, "X").unwrap();
    x.handle = Some("@acme".into());
    x.settings.insert("weighted_limit".into(), 280.into());
    let x = store.create_channel(&x).await.unwrap();
    assert_eq!(x.settings["weighted_limit"], 280);
    let globex_forum = store
        .create_channel(&NewChannel::new(other.id, ChannelKind::Reddit, "Forum").unwrap())
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_channel(&NewChannel::new(acme.id, ChannelKind::Slack, "Forum").unwrap())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.channel(acme.id, x.id).await.unwrap(), x);
    assert!(matches!(
        store.channel(other.id, x.id).await,
        Err(StoreError::NotFound)
    ));
    let names: Vec<_> = store
        .channels(acme.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Forum", "X"]);

    // --- Identities and members ---------------------------------------------
    let mut alice = NewIdentity::new(acme.id, ChannelKind::Discourse, "alice").unwrap();
    alice.external_id = "u-17".into();
    alice.display_name = Some("Alice".into());
    alice.followers = Some(120);
    let alice_forum = store.upsert_identity(&alice).await.unwrap();
    // A second sighting without a follower count keeps the known one.
    alice.followers = None;
    alice.handle = "alice_w".into();
    let again = store.upsert_identity(&alice).await.unwrap();
    assert_eq!(again.id, alice_forum.id);
    assert_eq!(
        (again.handle.as_str(), again.followers),
        ("alice_w", Some(120))
    );
    let alice_x = store
        .upsert_identity(&NewIdentity::new(acme.id, ChannelKind::X, "alice").unwrap())
        .await
        .unwrap();
    assert_ne!(
        alice_x.member_id, alice_forum.member_id,
        "every new identity gets its own member"
    );
    assert_eq!(store.identity(acme.id, alice_x.id).await.unwrap(), alice_x);
    assert!(matches!(
        store.identity(other.id, alice_x.id).await,
        Err(StoreError::NotFound)
    ));
    let merged = store
        .merge_members(acme.id, alice_forum.member_id, alice_x.member_id)
        .await
        .unwrap();
    assert_eq!(merged.identities.len(), 2);
    let counts = store.member_counts(acme.id).await.unwrap();
    assert_eq!(
        (counts.members, counts.identities, counts.multi_platform),
        (1, 2, 1),
        "one person on two platforms"
    );
    assert_eq!(
        store.member_counts(other.id).await.unwrap(),
        tend_store::MemberCounts::default()
    );
    assert!(matches!(
        store.member_profile(acme.id, alice_x.member_id).await,
        Err(StoreError::NotFound)
    ));
    let split = store.split_identity(acme.id, alice_x.id).await.unwrap();
    let counts = store.member_counts(acme.id).await.unwrap();
    assert_eq!((counts.members, counts.multi_platform), (2, 0));
    assert_eq!(
        split.identities.iter().map(|i| i.id).collect::<Vec<_>>(),
        [alice_x.id]
    );
    assert_eq!(
        store
            .member_profile(acme.id, alice_forum.member_id)
            .await
            .unwrap()
            .identities
            .len(),
        1
    );
    assert!(matches!(
        store.member_profile(other.id, alice_forum.member_id).await,
        Err(StoreError::NotFound)
    ));

    // --- Messages: idempotent ingest, threads that arrive out of order, edits --
    let t0 = t("2026-11-20T10:00:00Z");
    let mut reply = NewMessage::new(
        forum.id,
        "p2",
        MessageKind::Reply,
        "Have you tried turning it off and on?",
        t0 + 5.minutes(),
    );
    reply.thread_external_id = Some("p1".into());
    reply.parent_external_id = Some("p1".into());
    let mut nested = NewMessage::new(
        forum.id,
        "p3",
        MessageKind::Reply,
        "Yes, still broken",
        t0 + 9.minutes(),
    );
    nested.parent_external_id = Some("p2".into());
    nested.author_id = Some(alice_forum.id);
    // Children first: the root arrives in a later batch.
    let first = store
        .upsert_messages(acme.id, &[reply.clone(), nested.clone()])
        .await
        .unwrap();
    assert!(first.iter().all(|u| u.outcome == UpsertOutcome::Created));
    let mut root = NewMessage::new(
        forum.id,
        "p1",
        MessageKind::ForumPost,
        "My widget is broken",
        t0,
    );
    root.title = Some("Broken widget".into());
    root.author_id = Some(alice_forum.id);
    root.engagement.likes = 2;
    let second = store
        .upsert_messages(acme.id, &[root.clone()])
        .await
        .unwrap();
    let root_id = second[0].id;
    let thread = store.thread(acme.id, root_id).await.unwrap();
    let order: Vec<_> = thread.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(order, ["p1", "p2", "p3"]);
    assert_eq!(thread[1].parent_id, Some(root_id));
    assert_eq!(thread[1].thread_root_id, Some(root_id));
    assert_eq!(thread[2].parent_id, Some(first[0].id));
    // p3 only named its parent; its root resolves through that parent.
    assert_eq!(
        thread[2].thread_root_id,
        Some(root_id),
        "root adopted via parent once known"
    );

    // Same items again: stored once, nothing changes.
    let again = store
        .upsert_messages(acme.id, &[root.clone(), reply.clone(), nested.clone()])
        .await
        .unwrap();
    assert!(
        again.iter().all(|u| u.outcome == UpsertOutcome::Unchanged),
        "{again:?}"
    );
    assert_eq!(again[0].id, root_id);
    assert_eq!(store.count_by_state(acme.id).await.unwrap().open, 3);

    // Engagement changes update in place; an edit keeps the previous text.
    root.engagement.likes = 5;
    assert_eq!(
        store
            .upsert_messages(acme.id, &[root.clone()])
            .await
            .unwrap()[0]
            .outcome,
        UpsertOutcome::Updated
    );
    root.text = "My widget is broken (edit: model W-2)".into();
    root.edited_at = Some(t0 + 30.minutes());
    assert_eq!(
        store
            .upsert_messages(acme.id, &[root.clone()])
            .await
            .unwrap()[0]
            .outcome,
        UpsertOutcome::Edited
    );
    let stored = store.message(acme.id, root_id).await.unwrap();
    assert_eq!(stored.text, root.text);
    assert_eq!(stored.engagement.likes, 5);
    assert_eq!(stored.edited_at, Some(t0 + 30.minutes()));
    let revisions = store.message_revisions(acme.id, root_id).await.unwrap();
    assert_eq!(revisions.len(), 1);
    assert_eq!(revisions[0].text, "My widget is broken");
    assert_eq!(revisions[0].title.as_deref(), Some("Broken widget"));
    // An older copy arriving late never rolls the edit back.
    let mut stale = root.clone();
    stale.text = "My widget is broken".into();
    stale.edited_at = None;
    assert_eq!(
        store.upsert_messages(acme.id, &[stale]).await.unwrap()[0].outcome,
        UpsertOutcome::Unchanged
    );
    assert_eq!(
        store.message(acme.id, root_id).await.unwrap().text,
        root.text
    );

    // A batch is atomic: one bad message (foreign channel) writes nothing.
    let good = NewMessage::new(
        x.id,
        "t1",
        MessageKind::Mention,
        "@acme love it",
        t0 + 1.hours(),
    );
    let foreign = NewMessage::new(globex_forum.id, "g1", MessageKind::Comment, "hi", t0);
    assert!(matches!(
        store
            .upsert_messages(acme.id, &[good.clone(), foreign])
            .await,
        Err(StoreError::NotFound)
    ));
    let mut invalid = good.clone();
    invalid.text = "nul\0byte".into();
    assert!(matches!(
        store.upsert_messages(acme.id, &[invalid]).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.count_by_state(acme.id).await.unwrap().open, 3);
    let t1 = store.upsert_messages(acme.id, &[good]).await.unwrap()[0].id;

    // --- Inbox ------------------------------------------------------------
    let page = store
        .inbox(
            acme.id,
            &InboxQuery {
                limit: 2,
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        page.iter()
            .map(|m| m.external_id.as_str())
            .collect::<Vec<_>>(),
        ["t1", "p3"]
    );
    let last = page.last().unwrap();
    let next = store
        .inbox(
            acme.id,
            &InboxQuery {
                limit: 10,
                before: Some((last.created_at, last.id)),
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        next.iter()
            .map(|m| m.external_id.as_str())
            .collect::<Vec<_>>(),
        ["p2", "p1"]
    );
    let on_x = store
        .inbox(
            acme.id,
            &InboxQuery {
                channel: Some(x.id),
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(on_x.len(), 1);
    assert!(
        store
            .inbox(other.id, &InboxQuery::default())
            .await
            .unwrap()
            .is_empty()
    );

    let done = store
        .set_state(acme.id, t1, InboxState::Done, None, None)
        .await
        .unwrap();
    assert_eq!(done.state, InboxState::Done);
    assert!(
        store
            .set_state(acme.id, root_id, InboxState::Snoozed, None, None)
            .await
            .is_err()
    );
    let until = t0 + 48.hours();
    let snoozed = store
        .set_state(acme.id, root_id, InboxState::Snoozed, Some(until), None)
        .await
        .unwrap();
    assert_eq!(snoozed.snoozed_until, Some(until));
    let counts = store.count_by_state(acme.id).await.unwrap();
    assert_eq!(
        (counts.open, counts.done, counts.snoozed, counts.archived),
        (2, 1, 1, 0)
    );
    // Waking: nothing before the time, the message (and the counts) at the time.
    assert_eq!(store.wake_snoozed(until - 1.minutes()).await.unwrap(), 0);
    assert_eq!(store.wake_snoozed(until).await.unwrap(), 1);
    let woken = store.message(acme.id, root_id).await.unwrap();
    assert_eq!((woken.state, woken.snoozed_until), (InboxState::Open, None));
    assert_eq!(
        store.count_by_state(acme.id).await.unwrap(),
        StateCounts {
            snoozed: 0,
            open: 3,
            ..counts
        }
    );
    store
        .set_state(acme.id, root_id, InboxState::Snoozed, Some(until), None)
        .await
        .unwrap();
    let open = store
        .inbox(
            acme.id,
            &InboxQuery {
                state: Some(InboxState::Open),
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(open.len(), 2);
    assert!(matches!(
        store
            .set_state(other.id, t1, InboxState::Open, None, None)
            .await,
        Err(StoreError::NotFound)
    ));
    // Bulk state changes: one transaction; another workspace's ids are skipped.
    let before = store.inbox(acme.id, &InboxQuery::default()).await.unwrap();
    let ids: Vec<MessageId> = before.iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), 4);
    assert!(
        store
            .set_states(acme.id, &ids, InboxState::Snoozed, None, None)
            .await
            .is_err()
    );
    assert_eq!(
        store
            .set_states(other.id, &ids, InboxState::Done, None, None)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .set_states(acme.id, &ids, InboxState::Archived, None, None)
            .await
            .unwrap(),
        4
    );
    assert_eq!(store.count_by_state(acme.id).await.unwrap().archived, 4);
    assert_eq!(
        store.message(acme.id, root_id).await.unwrap().snoozed_until,
        None
    );
    for m in &before {
        store
            .set_state(acme.id, m.id, m.state, m.snoozed_until, None)
            .await
            .unwrap();
    }
    assert_eq!(store.count_by_state(acme.id).await.unwrap(), counts);

    let assigned = store
        .assign(acme.id, t1, Some(anna.id), None)
        .await
        .unwrap();
    assert_eq!(assigned.assignee_id, Some(anna.id));
    assert!(
        matches!(
            store.assign(acme.id, t1, Some(bo.id), None).await,
            Err(StoreError::NotFound)
        ),
        "Bo is not in Acme"
    );
    let mine = store
        .inbox(
            acme.id,
            &InboxQuery {
                assignee: Some(anna.id),
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        store
            .assign(acme.id, t1, None, None)
            .await
            .unwrap()
            .assignee_id,
        None
    );

    // --- Tags: per workspace, case-insensitive, on messages ------------------
    let foreign_tag = tags::tags(&*store, &acme, &other, root_id, t1).await;

    links::chains_cycles_and_events(&*store, &acme, &other, &forum, t0).await;
    inbox_order::order_and_counts(&*store, &acme).await;
    search_window::search_beyond_the_window(&*store, t0).await;
    moderation::rules_verdicts_and_reviews(&*store, &acme, &other, &forum, anna.id, t0).await;
    let ids: Vec<MessageId> = store
        .thread(acme.id, root_id)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    listening::topics_matches_and_alerts(&*store, &acme, &other, &ids, t0).await;

    rollups::signals_rollups_and_batches(&*store, &acme, &other, &forum, &x).await;
    web::web_app(&*store).await;
    changes::changes_are_recorded(&*store).await;
    moderation_webhooks::webhooks_and_members(&*store, &acme, &other, &forum, t0).await;
    jobs::jobs(Arc::clone(&store), &acme, &other, t0).await;
    live::live_channels(&*store, &acme, &other, t0).await;
    ratings::ratings_are_stored_updated_and_filtered(&*store, t0).await;

    // --- The demo manifest: one JSON document per workspace --------------------
    assert_eq!(store.demo_manifest(acme.id).await.unwrap(), None);
    store
        .save_demo_manifest(acme.id, r#"{"seed":1}"#)
        .await
        .unwrap();
    store
        .save_demo_manifest(acme.id, r#"{"seed":2}"#)
        .await
        .unwrap();
    assert_eq!(
        store.demo_manifest(acme.id).await.unwrap().as_deref(),
        Some(r#"{"seed":2}"#),
        "saving again replaces"
    );
    assert_eq!(store.demo_manifest(other.id).await.unwrap(), None);
    assert!(matches!(
        store.save_demo_manifest(WorkspaceId(999_999), "{}").await,
        Err(StoreError::NotFound)
    ));

    // --- Workspace isolation: every per-item read of Acme's data from Globex fails --
    assert!(matches!(
        store.message(other.id, root_id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.thread(other.id, root_id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.message_revisions(other.id, root_id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.assign(other.id, root_id, None, None).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .tag_message(other.id, root_id, foreign_tag.id, None)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .merge_members(other.id, alice_forum.member_id, alice_x.member_id)
            .await,
        Err(StoreError::NotFound)
    ));
}
