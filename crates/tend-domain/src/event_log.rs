//! The event log's entries as types: [`LogEvent`] is one row of the log and
//! [`EventPayload`] says what happened, one variant per kind, so consumers
//! (moderation, listening, live updates) match on variants instead of looking up
//! `payload["what"]` strings.
//!
//! Words: in Tend, "event" means an entry of this log and nothing else, hence the
//! `LogEvent` / `EventPayload` names. Things that happen in a community (meetups,
//! launches) must take other names when they arrive (e.g. `CommunityGathering`),
//! and so must the report feature's types. (A message's own history,
//! `HistoryEntry` / `HistoryKind` in [`crate::activity`], predates this rule.)
//!
//! Stored format, unchanged from the untyped log: the `kind` column holds the tag
//! (`messages.stored`, …) and the `payload` column the variant's fields as a JSON
//! object, e.g. `{"messages": [7], "by": 2, "what": "state", "state": "done"}`.
//! [`EventPayload::from_stored`] reads rows written before these types existed,
//! and a kind this version does not know (written by a newer process on the same
//! database) reads as [`EventPayload::Unknown`], which consumers skip.

use crate::{
    ChannelId, HistoryKind, InboxState, MessageId, NoteId, OutboxId, RuleSetId, SentimentLabel,
    TagId, UserId, WorkspaceId,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One entry of the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent {
    /// Position in the log; consumers keep the last one they handled as their cursor.
    pub id: i64,
    /// The workspace it happened in.
    pub workspace_id: WorkspaceId,
    /// What happened.
    pub payload: EventPayload,
    /// When it was written.
    pub created_at: Timestamp,
}

/// What happened: the closed set of the log's kinds. Serialised adjacently tagged
/// (`{"kind": …, "payload": {…}}`), the two columns of the `events` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum EventPayload {
    /// A batch of messages was stored (imports, connectors).
    #[serde(rename = "messages.stored")]
    MessagesStored(MessagesStored),
    /// A teammate (or the system) changed conversations.
    #[serde(rename = "messages.changed")]
    MessagesChanged(MessagesChanged),
    /// Moderation changed messages (rules or a teammate's review decision).
    #[serde(rename = "moderation.changed")]
    ModerationChanged(ModerationChanged),
    /// A rule set version went live.
    #[serde(rename = "rules.live")]
    RulesLive(RulesLive),
    /// A kind this version does not know, kept as read; never written by it.
    #[serde(skip)]
    Unknown {
        /// The stored kind.
        kind: String,
        /// The stored payload.
        payload: serde_json::Value,
    },
}

/// `messages.stored`: the message ids a batch created, edited (text changed) or
/// updated (metadata changed); unchanged ones are left out, and a batch that
/// changed nothing writes no event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MessagesStored {
    /// The channels of the batch.
    pub channels: Vec<ChannelId>,
    /// New messages.
    pub created: Vec<MessageId>,
    /// Messages whose text changed.
    pub edited: Vec<MessageId>,
    /// Messages whose metadata changed.
    pub updated: Vec<MessageId>,
}

/// `messages.changed`: a change to conversations, written in the change's
/// transaction with the messages' history entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagesChanged {
    /// The messages changed.
    pub messages: Vec<MessageId>,
    /// Who changed them (None: the system).
    pub by: Option<UserId>,
    /// What changed (stored as `what` and its fields beside `messages` and `by`).
    #[serde(flatten)]
    pub change: ConversationChange,
}

/// What a `messages.changed` event changed, tagged by `what`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "lowercase")]
pub enum ConversationChange {
    /// The inbox state; `woken` when a snooze ran out (the system reopened it).
    State {
        /// The new state.
        state: InboxState,
        /// Set by the snooze wake-up only.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        woken: bool,
    },
    /// The assignee (None: unassigned).
    Assignee {
        /// The new assignee.
        assignee: Option<UserId>,
    },
    /// A tag was put on (`added`) or taken off.
    Tags {
        /// The tag.
        tag: TagId,
        /// Put on (true) or taken off.
        added: bool,
    },
    /// A teammate's sentiment correction (None: cleared).
    Sentiment {
        /// The correction.
        sentiment: Option<SentimentLabel>,
    },
    /// An internal note was added (not sent to roles that do not see notes).
    Note {
        /// The note.
        note: NoteId,
    },
    /// A reply was queued.
    Reply {
        /// The outbox item.
        outbox: OutboxId,
    },
}

/// `moderation.changed`: messages whose moderation state changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationChanged {
    /// The messages.
    pub messages: Vec<MessageId>,
    /// The teammate who decided (None: the rules).
    pub by: Option<UserId>,
}

/// `rules.live`: a rule set version went live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesLive {
    /// The rule set version's id.
    pub rule_set: RuleSetId,
    /// Its version number in the workspace.
    pub version: i64,
    /// Who made it live (None: the system).
    pub by: Option<UserId>,
}

impl EventPayload {
    /// The kinds this version writes, as stored in the `kind` column.
    pub const KINDS: [&'static str; 4] = [
        "messages.stored",
        "messages.changed",
        "moderation.changed",
        "rules.live",
    ];

    /// The `kind` column (and the SSE event name).
    pub fn kind(&self) -> &str {
        match self {
            EventPayload::MessagesStored(_) => Self::KINDS[0],
            EventPayload::MessagesChanged(_) => Self::KINDS[1],
            EventPayload::ModerationChanged(_) => Self::KINDS[2],
            EventPayload::RulesLive(_) => Self::KINDS[3],
            EventPayload::Unknown { kind, .. } => kind,
        }
    }

    /// The `payload` column: the variant's fields as a JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        if let EventPayload::Unknown { payload, .. } = self {
            return payload.clone();
        }
        match serde_json::to_value(self) {
            Ok(mut tagged) => tagged["payload"].take(),
            // Plain structs of ids, numbers and strings always serialise.
            Err(_) => serde_json::Value::Null,
        }
    }

    /// Reads the `kind` and `payload` columns. An unknown kind is kept as
    /// [`EventPayload::Unknown`]; a known kind with fields that do not fit is an error.
    pub fn from_stored(
        kind: &str,
        payload: serde_json::Value,
    ) -> Result<EventPayload, serde_json::Error> {
        if !Self::KINDS.contains(&kind) {
            return Ok(EventPayload::Unknown {
                kind: kind.to_owned(),
                payload,
            });
        }
        serde_json::from_value(serde_json::json!({ "kind": kind, "payload": payload }))
    }
}

impl ConversationChange {
    /// The kind of the history entries this change writes for each message.
    pub fn history_kind(self) -> HistoryKind {
        match self {
            ConversationChange::State { .. } => HistoryKind::State,
            ConversationChange::Assignee { .. } => HistoryKind::Assigned,
            ConversationChange::Tags { added: true, .. } => HistoryKind::Tagged,
            ConversationChange::Tags { added: false, .. } => HistoryKind::Untagged,
            ConversationChange::Sentiment { .. } => HistoryKind::SentimentCorrected,
            ConversationChange::Note { .. } => HistoryKind::Noted,
            ConversationChange::Reply { .. } => HistoryKind::ReplyQueued,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Rows as the untyped log wrote them read back as the same JSON, so old rows
    /// and new ones look alike.
    #[test]
    fn stored_rows_of_every_kind_read_and_write_the_same_json() {
        let rows = [
            (
                "messages.stored",
                json!({"channels": [1], "created": [2, 3], "edited": [], "updated": [4]}),
            ),
            (
                "messages.changed",
                json!({"messages": [7], "what": "state", "by": 2, "state": "done"}),
            ),
            (
                "messages.changed",
                json!({"messages": [7, 8], "what": "state", "by": null, "state": "open", "woken": true}),
            ),
            (
                "messages.changed",
                json!({"messages": [7], "what": "assignee", "by": 2, "assignee": null}),
            ),
            (
                "messages.changed",
                json!({"messages": [7], "what": "tags", "by": 2, "tag": 5, "added": false}),
            ),
            (
                "messages.changed",
                json!({"messages": [7], "what": "sentiment", "by": 2, "sentiment": "negative"}),
            ),
            (
                "messages.changed",
                json!({"messages": [7], "what": "note", "by": 2, "note": 9}),
            ),
            (
                "messages.changed",
                json!({"messages": [7], "what": "reply", "by": 2, "outbox": 11}),
            ),
            ("moderation.changed", json!({"messages": [7], "by": null})),
            ("rules.live", json!({"rule_set": 3, "version": 2, "by": 2})),
            ("jobs.someday", json!({"anything": [1, 2]})),
        ];
        for (kind, payload) in rows {
            let typed = EventPayload::from_stored(kind, payload.clone())
                .unwrap_or_else(|e| panic!("{kind} {payload}: {e}"));
            assert_eq!(typed.kind(), kind);
            assert_eq!(typed.to_json(), payload, "{kind}");
        }
        let changed = EventPayload::from_stored(
            "messages.changed",
            json!({"messages": [7], "what": "tags", "by": 2, "tag": 5, "added": true}),
        )
        .unwrap();
        assert_eq!(
            changed,
            EventPayload::MessagesChanged(MessagesChanged {
                messages: vec![MessageId(7)],
                by: Some(UserId(2)),
                change: ConversationChange::Tags {
                    tag: TagId(5),
                    added: true
                },
            })
        );
    }

    #[test]
    fn a_known_kind_with_fields_that_do_not_fit_is_an_error() {
        assert!(EventPayload::from_stored("messages.changed", json!({"messages": [7]})).is_err());
        assert!(
            EventPayload::from_stored(
                "messages.changed",
                json!({"messages": [7], "by": null, "what": "weather"})
            )
            .is_err()
        );
    }
}
