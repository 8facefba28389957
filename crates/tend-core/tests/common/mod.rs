//! Helpers shared by the integration tests: a fresh SQLite store in a temporary
//! directory, the "acme" workspace and its channels, and every stored message of a
//! workspace.

#![allow(dead_code)] // each test binary uses its own subset

use jiff::Timestamp;
use std::sync::Arc;
use tend_domain::{
    Channel, ChannelKind, Message, NewChannel, NewWorkspace, Slug, Workspace, WorkspaceId,
};
use tend_store::InboxQuery;
use tend_store::prelude::*;

/// A migrated SQLite store in `dir`.
pub async fn fresh_store(dir: &tempfile::TempDir) -> Arc<dyn Store> {
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    tend_store::open(&url, 4).await.unwrap()
}

/// The "acme" workspace (UTC).
pub async fn acme(store: &dyn Store) -> Workspace {
    store
        .create_workspace(&NewWorkspace::new(Slug::parse("acme").unwrap(), "Acme", "UTC").unwrap())
        .await
        .unwrap()
}

/// A channel of the workspace.
pub async fn channel(store: &dyn Store, ws: WorkspaceId, kind: ChannelKind, name: &str) -> Channel {
    store
        .create_channel(&NewChannel::new(ws, kind, name).unwrap())
        .await
        .unwrap()
}

/// Every stored message of the workspace written at or after `since` (all of them
/// with `None`), newest first, by paging the inbox.
pub async fn history(store: &dyn Store, ws: WorkspaceId, since: Option<Timestamp>) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .inbox(
                ws,
                &InboxQuery {
                    from: since,
                    before,
                    limit: 500,
                    ..InboxQuery::default()
                },
            )
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        before = Some((last.created_at, last.id));
        let n = page.len();
        out.extend(page);
        if n < 500 {
            break;
        }
    }
    out
}

/// A teammate with `role` in the workspace (a placeholder password hash).
pub async fn teammate(
    store: &dyn Store,
    ws: WorkspaceId,
    email: &str,
    name: &str,
    role: tend_domain::Role,
) -> tend_domain::User {
    let user = store
        .create_user(&tend_domain::NewUser {
            email: tend_domain::Email::parse(email).unwrap(),
            name: name.into(),
            locale: "en".into(),
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    store.grant_role(user.id, ws, role).await.unwrap();
    user
}
