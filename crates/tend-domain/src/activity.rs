//! What teammates do with a conversation: internal notes (with @mentions) and the
//! audit trail of changes (state, assignment, tags, sentiment corrections, replies).

use crate::{MessageId, NoteId, UserId, ValidationError, WorkspaceId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// An internal note as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    /// Its id.
    pub id: NoteId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// The message it is about.
    pub message_id: MessageId,
    /// Who wrote it (None when that teammate was deleted).
    pub author_id: Option<UserId>,
    /// The text, as written.
    pub text: String,
    /// The teammates it mentions.
    pub mentions: Vec<UserId>,
    /// When it was written.
    pub created_at: Timestamp,
}

/// Checks a note's text: not blank, at most [`MAX_NOTE_CHARS`].
pub fn validate_note(text: &str) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        return Err(ValidationError::new("text", "must not be empty"));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(ValidationError::new(
            "text",
            format!("must be at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The `@names` in a note, lower-cased, in order of first appearance. A name is
/// letters, digits, `.`, `_`, `-` and `+` (an e-mail local part), and may carry a
/// domain (`@anna@acme.se`); trailing dots are not part of it.
pub fn mention_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i] == '@'
            && (i == 0 || !is_name_char(chars[i - 1]))
            && chars.get(i + 1).is_some_and(|c| is_name_char(*c));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() && (is_name_char(chars[j]) || chars[j] == '@') {
            j += 1;
        }
        let name: String = chars[i + 1..j].iter().collect();
        let name = name.trim_end_matches(['.', '@', '-']).to_lowercase();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
        i = j.max(i + 1);
    }
    names
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')
}

/// What happened to a message, for its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum HistoryKind {
    /// The inbox state changed (detail: the new state, and the snooze time).
    State,
    /// Assigned or unassigned (detail: the assignee's id or empty).
    Assigned,
    /// A tag was put on (detail: the tag name).
    Tagged,
    /// A tag was taken off (detail: the tag name).
    Untagged,
    /// The sentiment label was corrected (detail: the new label).
    SentimentCorrected,
    /// A reply was queued (detail: the outbox id).
    ReplyQueued,
    /// A note was added (detail: the note id).
    Noted,
}

impl HistoryKind {
    /// Every kind.
    pub const ALL: [HistoryKind; 7] = [
        HistoryKind::State,
        HistoryKind::Assigned,
        HistoryKind::Tagged,
        HistoryKind::Untagged,
        HistoryKind::SentimentCorrected,
        HistoryKind::ReplyQueued,
        HistoryKind::Noted,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryKind::State => "state",
            HistoryKind::Assigned => "assigned",
            HistoryKind::Tagged => "tagged",
            HistoryKind::Untagged => "untagged",
            HistoryKind::SentimentCorrected => "sentiment_corrected",
            HistoryKind::ReplyQueued => "reply_queued",
            HistoryKind::Noted => "noted",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Result<HistoryKind, ValidationError> {
        HistoryKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ValidationError::new("event", format!("unknown kind {s:?}")))
    }
}

/// One entry of a message's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// The message.
    pub message_id: MessageId,
    /// Who did it (None for the system or a deleted teammate).
    pub user_id: Option<UserId>,
    /// What happened.
    pub kind: HistoryKind,
    /// Details, as described on each [`HistoryKind`].
    pub detail: String,
    /// When.
    pub at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_once_and_lower_cased() {
        assert_eq!(
            mention_names("@Anna can you look? cc @bo.k, @anna and @erik@acme.se."),
            vec!["anna", "bo.k", "erik@acme.se"]
        );
        assert!(mention_names("mail anna@acme.se, no mention; @ alone").is_empty());
        assert_eq!(mention_names("@@x"), vec!["x"]);
    }

    #[test]
    fn notes_must_have_text() {
        assert!(validate_note("  ").is_err());
        assert!(validate_note("ok").is_ok());
        assert!(validate_note(&"x".repeat(MAX_NOTE_CHARS + 1)).is_err());
    }

    #[test]
    fn event_kinds_round_trip() {
        for k in HistoryKind::ALL {
            assert_eq!(HistoryKind::parse(k.as_str()).unwrap(), k);
        }
    }
}
