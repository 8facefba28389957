//! What the demo team has already done, so the inbox looks lived in: most of what
//! is older than a few days is done (some archived), recent messages are mostly
//! open with a few snoozed, conversations are assigned by channel to the social
//! media manager or the community manager (heated threads always), and openers
//! carry tags that follow their intent.

use super::install::TEAM;
use super::writer::Note;
use jiff::Timestamp;
use rand::Rng;
use serde::Serialize;
use std::collections::HashMap;
use tend_domain::{ChannelKind, Direction, InboxState, IncomingItem, Role};

/// What the team has done with one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Triage {
    /// Its inbox state.
    pub state: InboxState,
    /// Until when, if snoozed.
    pub snoozed_until: Option<Timestamp>,
    /// The teammate it is assigned to (index into [`TEAM`]).
    pub assignee: Option<usize>,
    /// Tags on it.
    pub tags: Vec<&'static str>,
}

/// The plan for every message of one channel; messages left open, unassigned and
/// untagged are absent.
pub fn plan(
    kind: ChannelKind,
    items: &[IncomingItem],
    notes: &HashMap<String, Note>,
    anchor: Timestamp,
    rng: &mut impl Rng,
) -> HashMap<String, Triage> {
    let day = 86_400_000.0;
    let owner = match kind {
        ChannelKind::Discourse | ChannelKind::Reddit | ChannelKind::Stackexchange => {
            Role::CommunityManager
        }
        ChannelKind::Email => Role::Admin,
        _ => Role::SocialMediaManager,
    };
    let owner = TEAM.iter().position(|t| t.role == owner);
    let community = TEAM.iter().position(|t| t.role == Role::CommunityManager);
    // Assignment is per conversation: decided at its first message.
    let mut assigned: HashMap<&str, Option<usize>> = HashMap::new();
    let mut plan = HashMap::new();
    for m in super::count::messages(items) {
        let age = (anchor.as_millisecond() - m.created_at.as_millisecond()) as f64 / day;
        let note = notes.get(&m.external_id);
        let heated = note.is_some_and(|n| n.heated);
        let root = m.thread_external_id.as_deref().unwrap_or(&m.external_id);
        let assignee = *assigned.entry(root).or_insert_with(|| {
            let p = match note.map(|n| n.intent.needs_support()) {
                _ if heated => 1.0,
                Some(true) => 0.45,
                _ => 0.1,
            };
            if heated {
                community
            } else if rng.random_bool(p) {
                if rng.random_bool(0.8) { owner } else { Some(0) }
            } else {
                None
            }
        });
        let mut t = Triage {
            state: InboxState::Open,
            snoozed_until: None,
            assignee: if m.direction == Direction::Inbound {
                assignee
            } else {
                None
            },
            tags: Vec::new(),
        };
        if m.direction == Direction::Outbound {
            t.state = InboxState::Done;
        } else {
            let p_done = match age {
                a if a > 14.0 => 0.96,
                a if a > 3.0 => 0.8,
                a if a > 1.0 => 0.5,
                _ => 0.15,
            };
            if rng.random_bool(p_done) {
                t.state = if age > 14.0 && assignee.is_none() && rng.random_bool(0.3) {
                    InboxState::Archived
                } else {
                    InboxState::Done
                };
            } else if age < 3.0 && rng.random_bool(0.05) {
                t.state = InboxState::Snoozed;
                let hours = rng.random_range(20..72);
                t.snoozed_until =
                    Timestamp::from_millisecond(anchor.as_millisecond() + hours * 3_600_000).ok();
            }
            let opener = m.thread_external_id.is_none();
            if let Some(tag) = note.and_then(|n| {
                if heated {
                    Some("escalated")
                } else {
                    n.intent.tag()
                }
            }) && (opener || heated)
                && rng.random_bool(if heated { 1.0 } else { 0.5 })
            {
                t.tags.push(tag);
            }
            if kind == ChannelKind::Email && opener {
                t.tags.push("support");
            }
        }
        let untouched = t.state == InboxState::Open && t.assignee.is_none() && t.tags.is_empty();
        if !untouched {
            plan.insert(m.external_id.clone(), t);
        }
    }
    plan
}
