//! A YAML document → a [`Rule`]: key grammar, per-target keys, values, and the diagnostics for
//! everything that is wrong or that Tend cannot do (spec §1–§3, §5, §6, §8; Tend extensions).

use crate::action::NotifyTarget;
use crate::check::{
    self, Field, SearchCheck, parse_age_threshold, parse_float_threshold, parse_int_threshold,
    parse_quality_threshold, parse_search_key,
};
use crate::diagnostic::Diagnostic;
use crate::rule::{
    AuthorChecks, AuthorFlag, BaseAction, Figure, FlairSpec, ItemChecks, Kinds, Rule, RuleHash,
    Score, TargetActions, Threshold, TopActions,
};
use crate::template::{Template, TemplateNotes};
use crate::yaml::{self, Document, Node, ScalarKind, Value};

/// One key of a mapping, lower-cased, with where it was written.
struct Entry<'a> {
    key: String,
    line: usize,
    value: &'a Node,
}

/// Which object a group of keys describes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TargetKind {
    Base,
    Parent,
}

struct Cx<'d> {
    document: usize,
    /// The rule's name (its first comment line, or `rule N`), for messages that name it.
    rule_name: String,
    diagnostics: &'d mut Vec<Diagnostic>,
    /// Why the rule can never apply in Tend (first reason wins), with its line and key.
    never: Option<(usize, String, String)>,
    /// Actions Tend cannot perform (`set_sticky` …).
    unsupported_actions: Vec<String>,
    errors: bool,
}

impl Cx<'_> {
    fn error(&mut self, line: usize, key: Option<&str>, message: impl Into<String>) {
        self.errors = true;
        self.diagnostics
            .push(Diagnostic::error(self.document, line, key, message));
    }

    fn warn(&mut self, line: usize, key: Option<&str>, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::warning(self.document, line, key, message));
    }

    fn never(&mut self, line: usize, key: &str, why: impl Into<String>) {
        if self.never.is_none() {
            self.never = Some((line, key.to_string(), why.into()));
        }
    }

    fn entries<'a>(&mut self, node: &'a Node) -> Vec<Entry<'a>> {
        let Value::Map(pairs) = &node.value else {
            return Vec::new();
        };
        let mut out: Vec<Entry<'a>> = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            let Some(scalar) = key.as_scalar() else {
                self.error(
                    key.line,
                    None,
                    "keys must be single words, not lists or mappings",
                );
                continue;
            };
            let name = scalar.py_str().trim().to_lowercase();
            if let Some(at) = out.iter().position(|e| e.key == name) {
                self.warn(
                    key.line,
                    Some(&name),
                    format!(
                        "`{name}` is already defined on line {}; the later definition wins",
                        out[at].line
                    ),
                );
                out.remove(at);
            }
            out.push(Entry {
                key: name,
                line: key.line,
                value,
            });
        }
        out
    }

    fn bool(&mut self, entry: &Entry) -> Option<bool> {
        match entry.value.as_scalar().and_then(|s| s.as_bool()) {
            Some(b) => Some(b),
            None => {
                self.error(
                    entry.line,
                    Some(&entry.key),
                    format!("expected true or false, found {}", describe(entry.value)),
                );
                None
            }
        }
    }

    fn int(&mut self, entry: &Entry) -> Option<i64> {
        let parsed = entry.value.as_scalar().and_then(|s| {
            s.as_int().or_else(|| match s.kind {
                ScalarKind::Str => s.text.trim().parse().ok(),
                _ => None,
            })
        });
        if parsed.is_none() {
            self.error(
                entry.line,
                Some(&entry.key),
                format!("expected a whole number, found {}", describe(entry.value)),
            );
        }
        parsed
    }

    fn count(&mut self, entry: &Entry) -> Option<u32> {
        let value = self.int(entry)?;
        match u32::try_from(value) {
            Ok(v) => Some(v),
            Err(_) => {
                self.error(entry.line, Some(&entry.key), "expected a number from 0 up");
                None
            }
        }
    }

    /// A single value as Python's `str()` renders it.
    fn text(&mut self, entry: &Entry) -> Option<String> {
        match entry.value.as_scalar() {
            Some(s) => Some(s.py_str()),
            None => {
                self.error(
                    entry.line,
                    Some(&entry.key),
                    format!("expected a single value, found {}", entry.value.shape()),
                );
                None
            }
        }
    }

    fn template_from(&mut self, text: &str, line: usize, key: &str) -> Template {
        let mut notes = TemplateNotes::default();
        let template = Template::parse(text, &mut notes);
        for unknown in notes.unknown {
            self.warn(
                line,
                Some(key),
                format!("unknown placeholder {{{{{unknown}}}}} is left as written"),
            );
        }
        if notes.uses_media {
            self.never(line, key, "it uses a {{media_…}} placeholder; AutoModerator skips such rules on items without a media embed, and Tend items have none");
        }
        template
    }

    fn template(&mut self, entry: &Entry) -> Option<Template> {
        let text = self.text(entry)?;
        Some(self.template_from(&text, entry.line, &entry.key))
    }

    /// A search check's options: a single value or a list of single values, each as `str()`.
    fn options(&mut self, entry: &Entry) -> Option<Vec<(String, usize)>> {
        match &entry.value.value {
            Value::Scalar(s) => Some(vec![(s.py_str(), entry.value.line)]),
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item.as_scalar() {
                        Some(s) => out.push((s.py_str(), item.line)),
                        None => {
                            self.error(
                                item.line,
                                Some(&entry.key),
                                format!("list items must be single values, found {}", item.shape()),
                            );
                            return None;
                        }
                    }
                }
                Some(out)
            }
            Value::Map(_) => {
                self.error(
                    entry.line,
                    Some(&entry.key),
                    "expected a value or a list of values, found a mapping",
                );
                None
            }
        }
    }

    fn search_check(&mut self, entry: &Entry, key: check::SearchKey) -> Option<SearchCheck> {
        let options = self.options(entry)?;
        let texts: Vec<String> = options.iter().map(|(t, _)| t.clone()).collect();
        match key.compile(&texts) {
            Ok((regex, literals)) => Some(SearchCheck {
                key: entry.key.clone(),
                name: key.name.clone(),
                line: entry.line,
                negated: key.negated,
                fields: key.fields,
                regex,
                literals,
                slot: None,
            }),
            Err(error) => {
                let (line, what) = match error.option {
                    Some(index) => (options[index].1, format!("option `{}`", options[index].0)),
                    None => (entry.line, "the combined options".to_string()),
                };
                self.error(
                    line,
                    Some(&entry.key),
                    format!("unsupported regex in {what}: {}", error.message),
                );
                None
            }
        }
    }
}

fn describe(node: &Node) -> String {
    match node.as_scalar() {
        Some(s) => format!("`{}`", s.py_str()),
        None => node.shape().to_string(),
    }
}

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

/// Narrows the kinds a rule applies to by its base checks (spec §1 variants, §4.10).
fn restrict_kinds(cx: &mut Cx, kinds: &mut Kinds, base: &ItemChecks) {
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
fn item_target(cx: &mut Cx, entries: &[Entry], kind: TargetKind) -> (ItemChecks, TargetActions) {
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

fn flair(cx: &mut Cx, entry: &Entry) -> Option<FlairSpec> {
    let key = entry.key.as_str();
    let part = |cx: &mut Cx, node: &Node| -> Option<Template> {
        match node.as_scalar() {
            Some(s) => Some(cx.template_from(&s.py_str(), node.line, key)),
            None => {
                cx.error(
                    node.line,
                    Some(key),
                    format!("expected text, found {}", node.shape()),
                );
                None
            }
        }
    };
    match &entry.value.value {
        Value::Scalar(_) => Some(FlairSpec {
            text: part(cx, entry.value),
            css_class: None,
        }),
        Value::Seq(items) if (1..=2).contains(&items.len()) => Some(FlairSpec {
            text: part(cx, &items[0]),
            css_class: items.get(1).and_then(|n| part(cx, n)),
        }),
        Value::Seq(_) => {
            cx.error(entry.line, Some(key), "expected `text`, `[text, css_class]` or a mapping with text, css_class, template_id");
            None
        }
        Value::Map(_) => {
            let mut spec = FlairSpec::default();
            for inner in cx.entries(entry.value) {
                match inner.key.as_str() {
                    "text" => spec.text = part(cx, inner.value),
                    "css_class" => spec.css_class = part(cx, inner.value),
                    "template_id" => cx.warn(
                        inner.line,
                        Some("set_flair"),
                        "Tend has no flair templates; `template_id` is ignored",
                    ),
                    other => cx.error(
                        inner.line,
                        Some(key),
                        format!(
                            "unknown flair key `{other}` (expected text, css_class, template_id)"
                        ),
                    ),
                }
            }
            if spec.text.is_none() && spec.css_class.is_none() {
                cx.unsupported_actions
                    .push("set_flair with only template_id".to_string());
                return None;
            }
            Some(spec)
        }
    }
}

/// An `http://` or `https://` URL (scheme in any case) with a non-empty host, no
/// whitespace or control characters, at most 2,000 bytes: what a webhook may be.
fn is_web_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &text[8..]
    } else if lower.starts_with("http://") {
        &text[7..]
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    text.len() <= 2_000
        && !host.is_empty()
        && !host.starts_with(':')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn notify_targets(cx: &mut Cx, entry: &Entry) -> Vec<NotifyTarget> {
    let nodes: Vec<&Node> = match &entry.value.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![entry.value],
    };
    let mut out = Vec::new();
    for node in nodes {
        match &node.value {
            Value::Scalar(s) if !s.py_str().trim().is_empty() => {
                out.push(NotifyTarget::Teammate(s.py_str().trim().to_string()));
            }
            Value::Map(_) => {
                for inner in cx.entries(node) {
                    let Some(text) = inner
                        .value
                        .as_scalar()
                        .map(|s| s.py_str().trim().to_string())
                    else {
                        cx.error(inner.line, Some("notify"), "expected a single value");
                        continue;
                    };
                    match inner.key.as_str() {
                        "webhook" if is_web_url(&text) => {
                            out.push(NotifyTarget::Webhook(text));
                        }
                        "webhook" => {
                            let message = format!(
                                "rule “{}”: a webhook must be an http:// or https:// URL with a host \
                                 (at most 2,000 characters, no spaces), not `{}`",
                                cx.rule_name,
                                text.chars().take(80).collect::<String>()
                            );
                            cx.error(inner.line, Some("notify"), message);
                        }
                        "teammate" if !text.is_empty() => out.push(NotifyTarget::Teammate(text)),
                        other => cx.error(
                            inner.line,
                            Some("notify"),
                            format!("unknown notify key `{other}` (expected webhook or teammate)"),
                        ),
                    }
                }
            }
            _ => cx.error(
                node.line,
                Some("notify"),
                "expected a teammate, `{webhook: url}` or a list of those",
            ),
        }
    }
    out
}

/// The `author:` group, or its shorthand `author: name`, `author: [names]`, `~author: [names]`.
fn author_group(cx: &mut Cx, entry: &Entry) -> (AuthorChecks, TargetActions) {
    let mut checks = AuthorChecks::default();
    let mut actions = TargetActions::default();
    if !matches!(entry.value.value, Value::Map(_)) {
        let key = if entry.key.starts_with('~') {
            "~name"
        } else {
            "name"
        };
        if let Ok(Some(search)) = parse_search_key(key)
            && let Some(check) = cx.search_check(entry, search)
        {
            checks.search.push(check);
        }
        return (checks, actions);
    }
    if entry.key.starts_with('~') {
        cx.error(
            entry.line,
            Some(&entry.key),
            "`~author` takes a list of names, not a group",
        );
        return (checks, actions);
    }
    let mut flair_entry = None;
    let group = cx.entries(entry.value);
    for inner in &group {
        let key = inner.key.as_str();
        match parse_search_key(key) {
            Err(message) => {
                cx.error(inner.line, Some(key), message);
                continue;
            }
            Ok(Some(search)) => {
                if let Some(field) = search.fields.iter().find(|f| !f.on_user()) {
                    let _ = field;
                    cx.error(inner.line, Some(key), "users have the fields id, name, flair_text, flair_css_class, flair_template_id and member_level");
                    continue;
                }
                if search.fields.contains(&Field::FlairTemplateId) {
                    cx.warn(
                        inner.line,
                        Some(key),
                        "Tend has no flair templates; `flair_template_id` is always empty",
                    );
                }
                if let Some(check) = cx.search_check(inner, search) {
                    checks.search.push(check);
                }
                continue;
            }
            Ok(None) => {}
        }
        let figure = match key {
            "comment_karma" => Some(Figure::CommentKarma),
            "post_karma" | "link_karma" => Some(Figure::PostKarma),
            "combined_karma" => Some(Figure::CombinedKarma),
            "comment_subreddit_karma" => Some(Figure::CommentSubredditKarma),
            "post_subreddit_karma" => Some(Figure::PostSubredditKarma),
            "combined_subreddit_karma" => Some(Figure::CombinedSubredditKarma),
            "account_age" => Some(Figure::AccountAge),
            "contributor_quality" => Some(Figure::ContributorQuality),
            "followers" => Some(Figure::Followers),
            _ => None,
        };
        if let Some(figure) = figure {
            let Some(text) = cx.text(inner) else { continue };
            let parsed = match figure {
                Figure::AccountAge => {
                    parse_age_threshold(&text).map(|(cmp, count, unit)| Threshold {
                        figure,
                        cmp,
                        value: i64::try_from(count).unwrap_or(i64::MAX),
                        unit_secs: unit,
                    })
                }
                Figure::ContributorQuality => {
                    parse_quality_threshold(&text).map(|(cmp, rank)| Threshold {
                        figure,
                        cmp,
                        value: i64::from(rank),
                        unit_secs: 0,
                    })
                }
                _ => parse_int_threshold(&text).map(|(cmp, value)| Threshold {
                    figure,
                    cmp,
                    value,
                    unit_secs: 0,
                }),
            };
            match parsed {
                Ok(threshold) => {
                    if matches!(
                        figure,
                        Figure::ContributorQuality
                            | Figure::CommentSubredditKarma
                            | Figure::PostSubredditKarma
                            | Figure::CombinedSubredditKarma
                    ) {
                        cx.warn(
                            inner.line,
                            Some(key),
                            format!("Tend has no `{key}` figure; this threshold never holds"),
                        );
                    }
                    checks.thresholds.push(threshold);
                }
                Err(message) => cx.error(inner.line, Some(key), message),
            }
            continue;
        }
        let flag = match key {
            "has_verified_email" => Some(AuthorFlag::HasVerifiedEmail),
            "is_gold" => Some(AuthorFlag::IsGold),
            "is_submitter" => Some(AuthorFlag::IsSubmitter),
            "is_contributor" => Some(AuthorFlag::IsContributor),
            "is_moderator" => Some(AuthorFlag::IsModerator),
            "is_member" => Some(AuthorFlag::IsMember),
            _ => None,
        };
        if let Some(flag) = flag {
            if let Some(value) = cx.bool(inner) {
                if flag == AuthorFlag::IsGold {
                    cx.warn(
                        inner.line,
                        Some(key),
                        "Tend has no Reddit Gold flag; every author counts as `is_gold: false`",
                    );
                }
                checks.flags.push((flag, value));
            }
            continue;
        }
        match key {
            "satisfy_any_threshold" => {
                checks.satisfy_any_threshold = cx.bool(inner).unwrap_or(false)
            }
            "set_flair" => flair_entry = Some(inner),
            "overwrite_flair" => actions.overwrite_flair = cx.bool(inner).unwrap_or(false),
            _ => cx.error(
                inner.line,
                Some(key),
                format!("unknown key `{key}` in the author group"),
            ),
        }
    }
    if let Some(flair_entry) = flair_entry {
        actions.flair = flair(cx, flair_entry);
    }
    (checks, actions)
}
