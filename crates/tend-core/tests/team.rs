//! Actors against a real store: the permission check happens in the use case, a
//! system actor writes notes only in a teammate's name, and rule sets are refused
//! when saved if no one could carry out their actions (issue 13).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::*;
use jiff::Timestamp;
use tend_core::conversations::{self, ActionError};
use tend_core::moderation::rules::{RulesError, save_rule_set};
use tend_core::team::{Actor, Permission};
use tend_domain::*;

#[tokio::test]
async fn use_cases_ask_the_table_and_system_actors_write_as_a_teammate() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let ws = acme(&*store).await;
    let forum = channel(&*store, ws.id, ChannelKind::Discourse, "Forum").await;
    let anna = store
        .create_user(&NewUser {
            email: Email::parse("anna@acme.test").unwrap(),
            name: "Anna".into(),
            locale: "en".into(),
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    store.grant_role(anna.id, ws.id, Role::Admin).await.unwrap();
    let at: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    let m = store
        .upsert_messages(
            ws.id,
            &[NewMessage::new(
                forum.id,
                "m1",
                MessageKind::ForumPost,
                "refund?",
                at,
            )],
        )
        .await
        .unwrap()[0]
        .id;

    // A client's role may not write notes: refused before anything is written.
    let client = Actor::user(anna.id, ws.id, Role::Client);
    let err = conversations::add_note(&*store, client, m, "hi")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ActionError::Forbidden(f) if f.permission == Permission::WriteNotes),
        "{err:?}"
    );
    // A system actor with no teammate to write as is refused, not silently dropped.
    let rules = Actor::system("rules", ws.id, Role::CommunityManager);
    let err = conversations::add_note(&*store, rules, m, "@anna rule fired")
        .await
        .unwrap_err();
    assert!(matches!(err, ActionError::Invalid(_)), "{err:?}");
    assert!(store.notes(ws.id, m).await.unwrap().is_empty());
    // Writing as Anna, the note is hers; the history records no person acting.
    let note = conversations::add_note(&*store, rules.writing_as(anna.id), m, "fired")
        .await
        .unwrap();
    assert_eq!(note.author_id, Some(anna.id));

    // Saving rules: the system actor has no author for replies.
    let replies = "# Thanks\nbody: [refund]\nreply: \"Thanks\"\n";
    let cli = Actor::system("cli", ws.id, Role::Admin);
    let err = save_rule_set(&*store, &cli, "rules.yaml", replies)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RulesError::Rejected(ref m) if m.contains("Thanks")),
        "{err:?}"
    );
    let anna_admin = Actor::user(anna.id, ws.id, Role::Admin);
    let v = save_rule_set(&*store, &anna_admin, "rules.yaml", replies)
        .await
        .unwrap();
    assert_eq!(v.created_by, Some(anna.id));
    // An analyst may not save rules at all.
    let analyst = Actor::user(anna.id, ws.id, Role::Analyst);
    assert!(matches!(
        save_rule_set(&*store, &analyst, "rules.yaml", replies).await,
        Err(RulesError::Forbidden(_))
    ));
}
