//! The steps after the messages are stored: people's accounts on several
//! platforms merged into one member, and the team's triage applied (inbox state,
//! assignee, tags) where the stored message differs from the plan, so a second run
//! writes nothing.

use super::{Demo, DemoError, TEAM};
use jiff::Timestamp;
use std::collections::HashMap;
use tend_domain::{
    Channel, Email, InboxState, IncomingAuthor, MessageId, NewIdentity, TagName, Workspace,
};
use tend_store::InboxQuery;
use tend_store::prelude::*;

/// Merges each group's identities into the member of its first one.
pub async fn link_members(
    store: &dyn Store,
    workspace: &Workspace,
    links: &[Vec<IncomingAuthor>],
) -> Result<(), DemoError> {
    let news: Vec<NewIdentity> = links
        .iter()
        .flatten()
        .map(|a| identity(workspace, a))
        .collect::<Result<_, _>>()?;
    // The same description the pipeline stored, so this upsert only finds the ids.
    let ids = store.upsert_identities(&news).await?;
    let mut ids = ids.into_iter();
    for group in links {
        let mut keep = None;
        for _ in group {
            let Some(id) = ids.next() else {
                return Err(DemoError::Mismatch(
                    "fewer identities than linked accounts".into(),
                ));
            };
            let member = store.identity(workspace.id, id).await?.member_id;
            match keep {
                None => keep = Some(member),
                Some(k) if k != member => {
                    store.merge_members(workspace.id, k, member).await?;
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// An identity as the ingest pipeline describes an author.
fn identity(workspace: &Workspace, a: &IncomingAuthor) -> Result<NewIdentity, DemoError> {
    // The pipeline's own mapping, so the same identities are found.
    tend_core::ingest::new_identity(workspace.id, a)
        .map_err(|reason| DemoError::Mismatch(format!("author {}: {reason}", a.external_id)))
}

/// Applies the triage plan where the stored message differs from it.
pub async fn triage(
    store: &dyn Store,
    workspace: &Workspace,
    demo: &Demo,
    channels: &[Channel],
    on: &mut (dyn FnMut(super::Progress<'_>) + Send),
) -> Result<(), DemoError> {
    let mut team = Vec::new();
    for mate in &TEAM {
        team.push(
            store
                .user_credentials(&Email::parse(mate.email)?)
                .await?
                .0
                .id,
        );
    }
    let mut tags: HashMap<&'static str, tend_domain::TagId> = HashMap::new();
    for (c, channel) in demo.channels.iter().zip(channels) {
        on(super::Progress::Triage { channel: &c.name });
        let mut before: Option<(Timestamp, MessageId)> = None;
        // State changes are grouped and made in bulk after the channel is read.
        let mut states: Vec<(InboxState, Option<Timestamp>, Vec<MessageId>)> = Vec::new();
        loop {
            let page = store
                .inbox(
                    workspace.id,
                    &InboxQuery {
                        channel: Some(channel.id),
                        before,
                        limit: 500,
                        ..InboxQuery::default()
                    },
                )
                .await?;
            let Some(last) = page.last() else { break };
            before = Some((last.created_at, last.id));
            for m in &page {
                let Some(plan) = c.triage.get(&m.external_id) else {
                    continue;
                };
                if m.state != plan.state || m.snoozed_until != plan.snoozed_until {
                    let key = (plan.state, plan.snoozed_until);
                    match states.iter_mut().find(|(s, u, _)| (*s, *u) == key) {
                        Some((_, _, ids)) => ids.push(m.id),
                        None => states.push((plan.state, plan.snoozed_until, vec![m.id])),
                    }
                }
                let assignee = plan.assignee.and_then(|i| team.get(i).copied());
                if m.assignee_id != assignee {
                    store.assign(workspace.id, m.id, assignee, None).await?;
                }
                for name in &plan.tags {
                    let tag = match tags.get(name) {
                        Some(t) => *t,
                        None => {
                            let t = store
                                .ensure_tag(workspace.id, &TagName::parse(*name)?)
                                .await?
                                .id;
                            tags.insert(name, t);
                            t
                        }
                    };
                    if !m.tags.contains(&tag) {
                        store.tag_message(workspace.id, m.id, tag, None).await?;
                    }
                }
            }
        }
        for (state, until, ids) in states {
            store
                .set_states(workspace.id, &ids, state, until, None)
                .await?;
        }
    }
    Ok(())
}
