//! The demo stored: counts in the store equal the manifest's, the triage plan is
//! applied, an interrupted run is completed without changing what is there, a
//! complete one is reused, and the login printed at each run works (and only it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::*;

use jiff::Timestamp;
use secrecy::ExposeSecret as _;
use tend_core::accounts::authenticate;
use tend_demo::{self as demo, DemoError, DemoManifest, Installed};
use tend_domain::{InboxState, NewChannel, NewWorkspace, Slug};
use tend_store::StateCounts;
use tend_store::prelude::*;

const SCALE: f64 = 0.2;

async fn install(store: &dyn Store, seed: u64, now: &str) -> Result<Installed, DemoError> {
    demo::install(store, seed, SCALE, now.parse().unwrap(), &mut |_| {}).await
}

/// Messages per channel (inbound, outbound) as the rollups count them.
async fn stored_counts(
    store: &dyn Store,
    m: &DemoManifest,
    ws: tend_domain::WorkspaceId,
) -> Vec<(String, u64, u64)> {
    let mut out = Vec::new();
    let to = Timestamp::from_millisecond(m.anchor.as_millisecond() + 3_600_000).unwrap();
    for c in store.channels(ws).await.unwrap() {
        let rollups = store.rollups(ws, c.id, m.window_start, to).await.unwrap();
        let inbound = rollups.iter().map(|r| r.messages_in).sum::<i64>() as u64;
        let outbound = rollups.iter().map(|r| r.messages_out).sum::<i64>() as u64;
        out.push((c.name, inbound, outbound));
    }
    out.sort();
    out
}

fn total(s: StateCounts) -> i64 {
    s.open + s.done + s.snoozed + s.archived
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_stored_as_generated_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let first = install(&*store, 42, "2026-11-24T05:17:31Z").await.unwrap();
    let m = &first.manifest;
    assert!(!first.reused && m.complete);
    assert_eq!(
        m.anchor,
        "2026-11-24T05:00:00Z".parse::<Timestamp>().unwrap(),
        "now truncated to the hour"
    );
    let ws = first.workspace.id;
    assert_eq!(first.workspace.slug.as_str(), "demo");

    // Counts in the store equal the manifest's.
    let counts = stored_counts(&*store, m, ws).await;
    let mut expected: Vec<(String, u64, u64)> = m
        .channels
        .iter()
        .map(|c| (c.name.clone(), c.inbound, c.outbound))
        .collect();
    expected.sort();
    assert_eq!(counts, expected);
    let states = store.count_by_state(ws).await.unwrap();
    assert_eq!(total(states) as u64, m.messages);
    let members = store.member_counts(ws).await.unwrap();
    assert_eq!(
        (members.members, members.identities, members.multi_platform),
        (
            m.members as i64,
            m.identities as i64,
            m.multi_platform_members as i64
        )
    );
    assert!(members.multi_platform >= 5);

    // The team's work is there: most is done, some is open, some assigned and tagged.
    let generated = demo::generate(42, m.anchor, SCALE).unwrap();
    let planned = |state: InboxState| -> i64 {
        generated
            .channels
            .iter()
            .flat_map(|c| c.triage.values())
            .filter(|t| t.state == state)
            .count() as i64
    };
    assert_eq!(states.done, planned(InboxState::Done));
    assert_eq!(states.archived, planned(InboxState::Archived));
    assert_eq!(states.snoozed, planned(InboxState::Snoozed));
    assert!(states.done > states.open && states.open > 50, "{states:?}");
    let tags = store.tags(ws).await.unwrap();
    assert!(
        tags.iter().any(|t| t.name.as_str() == "escalated"),
        "{tags:?}"
    );
    let sofia = store
        .user_credentials(&tend_domain::Email::parse("sofia@example.org").unwrap())
        .await
        .unwrap()
        .0;
    let hers = store
        .inbox(
            ws,
            &tend_store::InboxQuery {
                assignee: Some(sofia.id),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        hers.len() > 20,
        "the social media manager has work: {}",
        hers.len()
    );

    // The printed login works, for every teammate.
    let password = first.login.password.clone();
    for mate in &demo::TEAM {
        let user = authenticate(&*store, mate.email, &password).await.unwrap();
        assert!(user.is_some(), "{}", mate.email);
        assert_eq!(
            store.role_in(user.unwrap().id, ws).await.unwrap(),
            Some(mate.role)
        );
    }

    // An interrupted run (manifest not yet complete) is completed from the stored
    // anchor, a day later, and changes nothing that is there.
    let mut unfinished = m.clone();
    unfinished.complete = false;
    store
        .save_demo_manifest(ws, &serde_json::to_string(&unfinished).unwrap())
        .await
        .unwrap();
    let second = install(&*store, 42, "2026-11-25T09:00:00Z").await.unwrap();
    assert!(!second.reused);
    assert_eq!(&second.manifest, m, "same anchor, same data");
    assert_eq!(stored_counts(&*store, m, ws).await, counts);
    assert_eq!(store.count_by_state(ws).await.unwrap(), states);
    assert_eq!(store.member_counts(ws).await.unwrap(), members);
    assert_eq!(store.list_workspaces().await.unwrap().len(), 1);
    assert!(store.rollup_drift(ws).await.unwrap().is_empty());

    // A complete demo is reused; each run prints a new password and only it works.
    let third = install(&*store, 42, "2026-11-26T09:00:00Z").await.unwrap();
    assert!(third.reused);
    assert_eq!(&third.manifest, m);
    assert_ne!(
        third.login.password.expose_secret(),
        password.expose_secret()
    );
    assert!(
        authenticate(&*store, "demo@example.org", &password)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        authenticate(&*store, "demo@example.org", &third.login.password)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.count_by_state(ws).await.unwrap(), states);

    // Another seed on the same data is refused, not mixed in.
    assert!(matches!(
        install(&*store, 7, "2026-11-26T09:00:00Z").await,
        Err(DemoError::OtherDemo { seed: 42, .. })
    ));
    let stored: DemoManifest =
        serde_json::from_str(&store.demo_manifest(ws).await.unwrap().unwrap()).unwrap();
    assert_eq!(&stored, m);
}

#[tokio::test]
async fn a_demo_workspace_made_by_hand_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let ws = store
        .create_workspace(&NewWorkspace::new(Slug::parse("demo").unwrap(), "Ours", "UTC").unwrap())
        .await
        .unwrap();
    store
        .create_channel(&NewChannel::new(ws.id, tend_domain::ChannelKind::X, "Our X").unwrap())
        .await
        .unwrap();
    let result = install(&*store, 42, "2026-11-24T05:17:31Z").await;
    assert!(matches!(result, Err(DemoError::NotDemo)), "{result:?}");
    assert_eq!(store.channels(ws.id).await.unwrap().len(), 1);
}
