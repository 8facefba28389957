//! The keys of the base item and of `parent_submission`: search checks, counts, flags, scores
//! and the item's actions, and the item kinds those checks allow.

use super::actions::flair;
use super::values::{Cx, Entry, TargetKind};
use crate::check::{Field, parse_float_threshold, parse_search_key};
use crate::rule::{BaseAction, ItemChecks, Kinds, Score, TargetActions};
use crate::yaml::ScalarKind;

/// Narrows the kinds a rule applies to by its base checks (spec §1 variants, §4.10).
pub(super) fn restrict_kinds(cx: &mut Cx, kinds: &mut Kinds, base: &ItemChecks) {
    for check in &base.search {
        for &field in &check.fields {
            if field.is_media() {
                cx.never(check.line, &check.key, "it searches a media field; AutoModerator skips such rules on items without a media embed, and Tend items have none");
            }
            if field.is_crosspost() {
                cx.never(
                    check.line,
                    &check.key,
                    "it searches a crosspost field and Tend items are never crossposts",
                );
            }
        }
        let usable: Vec<Field> = check
            .fields
            .iter()
            .copied()
            .filter(|f| !f.is_poll())
            .collect();
        if usable.len() < check.fields.len() {
            if usable.is_empty() {
                cx.never(
                    check.line,
                    &check.key,
                    "Tend has no polls, so poll fields are never searched",
                );
            } else {
                cx.warn(
                    check.line,
                    Some(&check.key),
                    "Tend has no polls; the poll fields of this check are skipped",
                );
            }
        }
        if !usable.iter().any(|f| f.on_comment()) {
            kinds.comment = false;
        }
        if !usable.iter().any(|f| f.on_submission() && *f != Field::Url) {
            kinds.text = false;
        }
        if !usable.iter().any(|f| f.on_submission()) {
            kinds.link = false;
        }
    }
    if base.is_top_level.is_some() {
        kinds.text = false;
        kinds.link = false;
    }
}

/// Keys of the base item or of `parent_submission`.
pub(super) fn item_target(
    cx: &mut Cx,
    entries: &[Entry],
    kind: TargetKind,
) -> (ItemChecks, TargetActions) {
    let mut checks = ItemChecks::default();
    let mut actions = TargetActions::default();
    let mut flair_entry: Option<&Entry> = None;
    for entry in entries {
        let key = entry.key.as_str();
        match parse_search_key(key) {
            Err(message) => {
                cx.error(entry.line, Some(key), message);
                continue;
            }
            Ok(Some(search)) => {
                let valid = search.fields.iter().all(|f| f.on_submission());
                if !valid {
                    let field = search.fields.iter().find(|f| !f.on_submission()).copied();
                    cx.error(
                        entry.line,
                        Some(key),
                        format!(
                            "`{}` is a field of users; put it under `author:`",
                            field.map(field_name).unwrap_or("?")
                        ),
                    );
                    continue;
                }
                if kind == TargetKind::Parent
                    && let Some(f) = search
                        .fields
                        .iter()
                        .find(|f| matches!(f, Field::Language | Field::Channel))
                {
                    cx.error(
                        entry.line,
                        Some(key),
                        format!("`{}` is only checked on the item itself", field_name(*f)),
                    );
                    continue;
                }
                if search.fields.contains(&Field::FlairTemplateId) {
                    cx.warn(
                        entry.line,
                        Some(key),
                        "Tend has no flair templates; `flair_template_id` is always empty",
                    );
                }
                if let Some(check) = cx.search_check(entry, search) {
                    checks.search.push(check);
                }
                continue;
            }
            Ok(None) => {}
        }
        match key {
            "reports" => checks.reports = cx.count(entry),
            "body_longer_than" => checks.body_longer_than = cx.count(entry).map(|v| v as usize),
            "body_shorter_than" => checks.body_shorter_than = cx.count(entry).map(|v| v as usize),
            "is_edited" => checks.is_edited = cx.bool(entry),
            "is_top_level" if kind == TargetKind::Base => checks.is_top_level = cx.bool(entry),
            "is_original_content" | "is_poll" | "is_gallery" | "is_meta_discussion" => {
                if cx.bool(entry) == Some(true) {
                    checks.impossible = true;
                    cx.never(
                        entry.line,
                        key,
                        format!("Tend has no `{key}` flag, so `{key}: true` never matches"),
                    );
                } else {
                    cx.warn(
                        entry.line,
                        Some(key),
                        format!("Tend has no `{key}` flag; `{key}: false` always holds"),
                    );
                }
            }
            "discussion_type" => {
                let chat = entry
                    .value
                    .as_scalar()
                    .is_some_and(|s| s.kind != ScalarKind::Null);
                if chat {
                    checks.impossible = true;
                    cx.never(entry.line, key, "Tend has no chat posts");
                } else {
                    cx.warn(
                        entry.line,
                        Some(key),
                        "Tend has no chat posts; `discussion_type: null` always holds",
                    );
                }
            }
            "ignore_blockquotes" => checks.ignore_blockquotes = cx.bool(entry).unwrap_or(false),
            "toxicity" | "spam" | "sentiment" if kind == TargetKind::Base => {
                let score = match key {
                    "toxicity" => Score::Toxicity,
                    "spam" => Score::Spam,
                    _ => Score::Sentiment,
                };
                if let Some(text) = cx.text(entry) {
                    match parse_float_threshold(&text) {
                        Ok((cmp, value)) => checks.scores.push((score, cmp, value)),
                        Err(message) => cx.error(entry.line, Some(key), message),
                    }
                }
            }
            "question" if kind == TargetKind::Base => checks.question = cx.bool(entry),
            "action" => {
                let Some(text) = cx.text(entry) else { continue };
                actions.action = match text.trim() {
                    "approve" => Some(BaseAction::Approve),
                    "remove" => Some(BaseAction::Remove),
                    "spam" => Some(BaseAction::Spam),
                    "filter" => Some(BaseAction::Filter),
                    "report" => Some(BaseAction::Report),
                    other => {
                        cx.error(entry.line, Some(key), format!("unknown action `{other}` (expected approve, remove, spam, filter or report)"));
                        None
                    }
                };
            }
            "action_reason" | "report_reason" => actions.reason = cx.template(entry),
            "set_flair" => flair_entry = Some(entry),
            "overwrite_flair" => actions.overwrite_flair = cx.bool(entry).unwrap_or(false),
            "set_locked" => actions.set_locked = cx.bool(entry),
            "set_sticky"
            | "set_nsfw"
            | "set_spoiler"
            | "set_contest_mode"
            | "set_original_content"
            | "set_suggested_sort" => cx.unsupported_actions.push(key.to_string()),
            _ => cx.error(entry.line, Some(key), unknown_key_message(key, kind)),
        }
    }
    if let Some(entry) = flair_entry {
        actions.flair = flair(cx, entry);
    }
    (checks, actions)
}

fn unknown_key_message(key: &str, kind: TargetKind) -> String {
    let top_level = [
        "type",
        "priority",
        "moderators_exempt",
        "comment",
        "comment_locked",
        "comment_stickied",
        "modmail",
        "modmail_subject",
        "message",
        "message_subject",
        "standard",
        "hide",
        "flag",
        "tag",
        "assign",
        "reply",
        "notify",
        "escalate",
    ];
    let user = [
        "comment_karma",
        "post_karma",
        "link_karma",
        "combined_karma",
        "account_age",
        "satisfy_any_threshold",
        "is_moderator",
        "is_contributor",
        "is_submitter",
        "has_verified_email",
        "is_gold",
        "is_member",
        "followers",
        "contributor_quality",
    ];
    if kind == TargetKind::Parent && top_level.contains(&key) {
        format!("`{key}` can only be used at the top level of a rule")
    } else if user.contains(&key) {
        format!("`{key}` is a check on users; put it under `author:`")
    } else if kind == TargetKind::Parent
        && matches!(
            key,
            "toxicity" | "spam" | "sentiment" | "question" | "is_top_level"
        )
    {
        format!("`{key}` is only checked on the item itself")
    } else {
        format!("unknown key `{key}`")
    }
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Name => "name",
        Field::MemberLevel => "member_level",
        Field::Language => "language",
        Field::Channel => "channel",
        _ => "field",
    }
}
