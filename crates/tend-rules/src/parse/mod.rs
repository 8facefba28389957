//! A YAML document → a [`Rule`]: key grammar, per-target keys, values, and the diagnostics for
//! everything that is wrong or that Tend cannot do (spec §1–§3, §5, §6, §8; Tend extensions).

mod actions;
mod author;
mod item;
mod values;

use actions::notify_targets;
use author::author_group;
use item::{item_target, restrict_kinds};
use values::{Cx, Entry, TargetKind};

use crate::check::Field;
use crate::diagnostic::Diagnostic;
use crate::rule::{
    AuthorChecks, BaseAction, ItemChecks, Kinds, Rule, RuleHash, TargetActions, TopActions,
};
use crate::template::{Template, TemplateNotes};
use crate::yaml::{self, Document, Node, ScalarKind, Value};

/// Parses one document. Returns `None` for documents that are not rules (comments only, not a
/// mapping, or dropped with a warning) and for documents with errors (reported).
pub(crate) fn parse_document(
    document: &Document,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    let root = document.root.as_ref()?;
    let mut cx = Cx {
        document: document.number,
        rule_name: yaml::leading_comment(&document.source)
            .0
            .unwrap_or_else(|| format!("rule {}", document.number)),
        diagnostics,
        never: None,
        unsupported_actions: Vec::new(),
        errors: false,
    };
    let line = root.line;
    if !matches!(root.value, Value::Map(_)) {
        // AutoModerator ignores documents that are not mappings; a lone word is most likely a
        // mistake, so say so.
        if root.as_scalar().is_some_and(|s| s.kind != ScalarKind::Null) {
            cx.warn(
                line,
                None,
                "this document is not a rule (expected `key: value` lines) and is ignored",
            );
        }
        return None;
    }
    let standard_node = standard_entries(root, &mut cx);
    let root_entries = cx.entries(root);
    let mut entries = Vec::new();
    if let Some(node) = &standard_node {
        for entry in cx.entries(node) {
            if !root_entries.iter().any(|e| e.key == entry.key) {
                entries.push(entry);
            }
        }
    }
    entries.extend(root_entries.into_iter().filter(|e| e.key != "standard"));

    let mut kinds = Kinds::ALL;
    let mut explicit_type = false;
    let mut priority = 0;
    let mut moderators_exempt: Option<bool> = None;
    let mut top = TopActions::default();
    let mut comment_flags: Vec<(usize, String)> = Vec::new();
    let mut modmail_subject: Option<Template> = None;
    let mut message_subject: Option<Template> = None;
    let mut modmail_body: Option<Template> = None;
    let mut message_body: Option<Template> = None;
    let mut base_entries = Vec::new();
    let mut author: Option<(AuthorChecks, TargetActions)> = None;
    let mut parent: Option<(ItemChecks, TargetActions)> = None;
    let mut parent_line = 0;

    for entry in &entries {
        let key = entry.key.as_str();
        match key {
            "type" => {
                let Some(text) = cx.text(entry) else { continue };
                explicit_type = text.trim() != "any";
                kinds = match text.trim() {
                    "any" => Kinds::ALL,
                    "comment" => Kinds {
                        comment: true,
                        text: false,
                        link: false,
                    },
                    "submission" => Kinds {
                        comment: false,
                        text: true,
                        link: true,
                    },
                    "text submission" => Kinds {
                        comment: false,
                        text: true,
                        link: false,
                    },
                    "link submission" => Kinds {
                        comment: false,
                        text: false,
                        link: true,
                    },
                    "crosspost submission" | "poll submission" | "gallery submission" => {
                        cx.never(
                            entry.line,
                            key,
                            format!("Tend items are never a `{}`", text.trim()),
                        );
                        Kinds::default()
                    }
                    other => {
                        cx.error(entry.line, Some(key), format!("unknown type `{other}` (expected comment, submission, text submission, link submission, crosspost submission, poll submission, gallery submission or any)"));
                        Kinds::default()
                    }
                };
            }
            "priority" => priority = cx.int(entry).unwrap_or(0),
            "moderators_exempt" => moderators_exempt = cx.bool(entry),
            "comment" => top.comment = cx.template(entry),
            "comment_locked" | "comment_stickied" => {
                if cx.bool(entry) == Some(true) {
                    comment_flags.push((entry.line, entry.key.clone()));
                }
            }
            "modmail" => modmail_body = cx.template(entry),
            "modmail_subject" => modmail_subject = cx.template(entry),
            "message" => message_body = cx.template(entry),
            "message_subject" => message_subject = cx.template(entry),
            "hide" => top.hide = cx.bool(entry).unwrap_or(false),
            "flag" | "escalate" => {
                let value = match entry.value.as_scalar().map(|s| s.kind) {
                    Some(ScalarKind::Bool(true)) => Some(None),
                    Some(ScalarKind::Bool(false)) => None,
                    Some(_) => cx.template(entry).map(Some),
                    None => {
                        cx.error(entry.line, Some(key), "expected true or a reason");
                        None
                    }
                };
                if key == "flag" {
                    top.flag = value;
                } else {
                    top.escalate = value;
                }
            }
            "tag" => {
                if let Some(options) = cx.options(entry) {
                    for (name, line) in options {
                        if name.trim().is_empty() {
                            cx.error(line, Some(key), "a tag name may not be empty");
                        } else {
                            let template = cx.template_from(&name, line, key);
                            top.tags.push(template);
                        }
                    }
                }
            }
            "assign" => {
                if let Some(name) = cx.text(entry) {
                    if name.trim().is_empty() {
                        cx.error(entry.line, Some(key), "name the teammate to assign");
                    } else {
                        top.assign = Some(name.trim().to_string());
                    }
                }
            }
            "reply" => top.reply = cx.template(entry),
            "notify" => top.notify = notify_targets(&mut cx, entry),
            "author" | "~author" => {
                author = Some(author_group(&mut cx, entry));
            }
            "parent_submission" => {
                parent_line = entry.line;
                if !matches!(entry.value.value, Value::Map(_)) {
                    cx.error(
                        entry.line,
                        Some(key),
                        format!(
                            "expected a group of checks and actions, found {}",
                            entry.value.shape()
                        ),
                    );
                    continue;
                }
                let group = cx.entries(entry.value);
                parent = Some(item_target(&mut cx, &group, TargetKind::Parent));
            }
            "crosspost_author" | "crosspost_subreddit" => {
                cx.never(entry.line, key, "Tend items are never crossposts (AutoModerator does not apply crosspost rules to other items)");
            }
            "subreddit" => {
                cx.never(entry.line, key, "the `subreddit` group checks Reddit's temporary events, which Tend does not have");
            }
            _ => base_entries.push(Entry {
                key: entry.key.clone(),
                line: entry.line,
                value: entry.value,
            }),
        }
    }
    let (base, base_actions) = item_target(&mut cx, &base_entries, TargetKind::Base);

    if let Some(body) = modmail_body {
        let subject = modmail_subject.unwrap_or_else(default_subject);
        top.modmail = Some((subject, body));
    }
    if let Some(body) = message_body {
        let subject = message_subject.unwrap_or_else(default_subject);
        top.message = Some((subject, body));
    }
    for (line, key) in comment_flags {
        let what = if key == "comment_locked" {
            "locked"
        } else {
            "stickied"
        };
        cx.warn(
            line,
            Some(&key),
            format!(
                "Tend cannot post a {what} comment; the comment is posted as an ordinary reply"
            ),
        );
    }

    // Kinds the checks allow.
    if parent.is_some() {
        if explicit_type && !kinds.comment {
            cx.error(parent_line, Some("parent_submission"), "`parent_submission` can only be used in rules for comments (`type: comment` or `any`)");
        }
        kinds.text = false;
        kinds.link = false;
    }
    restrict_kinds(&mut cx, &mut kinds, &base);
    if !kinds.any() && cx.never.is_none() {
        cx.never(
            line,
            "type",
            "its checks do not apply to the item type it is limited to",
        );
    }

    let has_checks = explicit_type
        || base.has_checks()
        || parent.as_ref().is_some_and(|(c, _)| c.has_checks())
        || author.as_ref().is_some_and(|(c, _)| c.has_checks())
        || cx.never.is_some();
    let has_actions = base_actions.has_actions()
        || parent.as_ref().is_some_and(|(_, a)| a.has_actions())
        || author.as_ref().is_some_and(|(_, a)| a.has_actions())
        || top.has_actions();
    if cx.errors {
        return None;
    }
    if !has_actions && !cx.unsupported_actions.is_empty() {
        let list = cx.unsupported_actions.join(", ");
        cx.error(
            line,
            None,
            format!(
                "every action of this rule is one Tend cannot perform ({list}); it would do nothing"
            ),
        );
        return None;
    }
    for action in std::mem::take(&mut cx.unsupported_actions) {
        cx.warn(
            line,
            Some(&action),
            format!("Tend cannot perform `{action}`; the rule's other actions still run"),
        );
    }
    if !has_checks {
        cx.warn(line, None, "this rule has no checks, so AutoModerator ignores it (add `type: any` to act on every item)");
        return None;
    }
    if !has_actions {
        cx.warn(line, None, "this rule has no actions and is ignored");
        return None;
    }
    if let Some((never_line, key, why)) = cx.never.take() {
        cx.warn(
            never_line,
            Some(&key),
            format!("this rule never applies in Tend: {why}"),
        );
        kinds = Kinds::default();
    }

    let parent_action = parent.as_ref().and_then(|(_, a)| a.action);
    let removal = matches!(
        base_actions.action,
        Some(BaseAction::Remove | BaseAction::Spam | BaseAction::Filter)
    ) || top.hide;
    let reports = base_actions.action == Some(BaseAction::Report)
        || parent_action == Some(BaseAction::Report)
        || top.flag.is_some();
    let unrepeatable = top.comment.is_some()
        || top.modmail.is_some()
        || top.message.is_some()
        || reports
        || top.reply.is_some()
        || !top.notify.is_empty()
        || top.escalate.is_some();
    let (name, description) = yaml::leading_comment(&document.source);
    let checks_author_name = author
        .as_ref()
        .is_some_and(|(c, _)| c.search.iter().any(|s| s.fields.contains(&Field::Name)));
    Some(Rule {
        index: 0,
        document: document.number,
        line: document.first_line,
        hash: RuleHash::of(&yaml::normalized_source(&document.source)),
        source: document.source.clone(),
        priority,
        name: name.unwrap_or_else(|| format!("rule {}", document.number)),
        description,
        kinds,
        moderators_exempt: moderators_exempt.unwrap_or(removal || reports),
        removal,
        unrepeatable,
        has_reports_check: base.reports.is_some(),
        checks_author_name,
        base,
        base_actions,
        parent,
        author,
        top,
    })
}

fn default_subject() -> Template {
    Template::parse("AutoModerator notification", &mut TemplateNotes::default())
}

/// The entries a `standard:` key stands for, parsed from the definition's YAML.
fn standard_entries(root: &Node, cx: &mut Cx) -> Option<Node> {
    let Value::Map(pairs) = &root.value else {
        return None;
    };
    let (key, value) = pairs.iter().rev().find(|(k, _)| {
        k.as_scalar()
            .is_some_and(|s| s.py_str().trim().eq_ignore_ascii_case("standard"))
    })?;
    let name = value
        .as_scalar()
        .map(|s| s.py_str().trim().to_lowercase())
        .unwrap_or_default();
    match crate::standard::definition(&name) {
        Ok(yaml_text) => {
            let (mut documents, _) = yaml::load(yaml_text);
            let mut node = documents.pop()?.root?;
            relocate(&mut node, key.line);
            Some(node)
        }
        Err(message) => {
            cx.error(key.line, Some("standard"), message);
            None
        }
    }
}

/// Gives every node of a standard definition the line of the `standard:` key.
fn relocate(node: &mut Node, line: usize) {
    node.line = line;
    match &mut node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter_mut().for_each(|n| relocate(n, line)),
        Value::Map(pairs) => pairs.iter_mut().for_each(|(k, v)| {
            relocate(k, line);
            relocate(v, line);
        }),
    }
}
