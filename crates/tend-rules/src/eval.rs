//! Evaluation (spec §7): which rules apply to an item, in which order, and what the fired ones
//! ask for. Cheap checks run first; text checks consult the prefilter before any regex runs.

use std::collections::BTreeMap;

use crate::RuleSet;
use crate::action::{Action, Target};
use crate::check::{Field, SearchCheck};
use crate::item::{Author, Item, ItemKind};
use crate::prefilter::SLOTS;
use crate::rule::{
    AuthorChecks, AuthorFlag, BaseAction, Figure, FlairSpec, ItemChecks, Rule, RuleHash, Score,
    TargetActions, Threshold,
};
use crate::template::{CheckMatch, Template};

/// Why the rules are being run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A new item.
    New,
    /// The item's text changed.
    Edited,
    /// Someone reported the item: only rules with a `reports:` check run.
    Reported,
}

/// What evaluation needs to know besides the item.
#[derive(Debug, Clone, Copy)]
pub struct EvalContext<'a> {
    pub trigger: Trigger,
    /// Hashes of the rules that already performed unrepeatable actions on this item.
    pub performed: &'a [RuleHash],
}

impl EvalContext<'static> {
    /// A new item no rule has acted on.
    pub fn new_item() -> EvalContext<'static> {
        EvalContext {
            trigger: Trigger::New,
            performed: &[],
        }
    }
}

/// The result of running a rule set on one item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Rules that fired, in the order they ran.
    pub fired: Vec<Fired>,
    /// Why some rules did not fire although they might have (missing figures, regex limits,
    /// already performed).
    pub notes: Vec<Note>,
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    /// Index in [`RuleSet::rules`].
    pub rule: usize,
    pub hash: RuleHash,
    /// What to do, placeholders expanded.
    pub actions: Vec<Action>,
    /// For each positive search check that matched: the check's name (`title+body#color`;
    /// sub-group checks as `author:name`, `parent_submission:title`) → the matched option.
    pub matched: BTreeMap<String, String>,
    /// The rule posts, messages, reports or notifies: the caller records `hash` for this item
    /// and passes it back in [`EvalContext::performed`] so it never fires again on the item.
    pub unrepeatable: bool,
}

/// An explanation of why a rule did not fire.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub rule: usize,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// A threshold needs a figure the item's platform does not provide.
    MissingFigure(Figure),
    /// A `parent_submission` check, but the comment's thread post is unknown.
    ParentUnknown,
    /// A regex gave up (backtrack limit) on this item; the check counts as not matching.
    RegexLimit { check: String },
    /// The rule already performed its unrepeatable actions on this item.
    AlreadyPerformed,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule {}: ", self.rule)?;
        match &self.reason {
            Reason::MissingFigure(figure) => write!(
                f,
                "the author's {} is not known on this channel, so the threshold does not match",
                figure.key()
            ),
            Reason::ParentUnknown => f.write_str("the comment's thread post is not known"),
            Reason::RegexLimit { check } => write!(
                f,
                "the regex of `{check}` exceeded its backtracking limit; counted as no match"
            ),
            Reason::AlreadyPerformed => f.write_str("already acted on this item"),
        }
    }
}

/// Per-evaluation state: the prefilter's verdicts and derived texts.
struct Scan {
    possible: Vec<u64>,
    unquoted: Option<String>,
    domain: String,
}

impl Scan {
    fn possible(&self, slot: usize) -> bool {
        self.possible[slot / 64] & (1 << (slot % 64)) != 0
    }
}

/// Why a check did not pass.
enum Fail {
    No,
}

impl RuleSet {
    /// Runs the rules on `item` (spec §7): removal rules first, by priority, stopping at the
    /// first that fires; then every other rule. Never panics on any item.
    pub fn evaluate(&self, item: &Item, ctx: &EvalContext) -> Outcome {
        let mut outcome = Outcome::default();
        if item.already_removed_by_human || item.is_own {
            return outcome;
        }
        let domain = domain_value(item);
        let unquoted = self.needs_unquoted.then(|| unquote(&item.body));
        let mut scan = Scan {
            possible: vec![0; self.prefilter.checks.div_ceil(64)],
            unquoted,
            domain,
        };
        let texts: [Option<&str>; SLOTS] = [
            item.title.as_deref(),
            Some(item.body.as_str()),
            scan.unquoted.as_deref(),
            item.url.as_deref(),
            Some(scan.domain.as_str()),
        ];
        self.prefilter.scan(&texts, &mut scan.possible);

        for &index in &self.removal_order {
            if let Some(fired) = self.run(&self.rules[index], item, ctx, &scan, &mut outcome.notes)
            {
                outcome.fired.push(fired);
                break;
            }
        }
        for &index in &self.other_order {
            if let Some(fired) = self.run(&self.rules[index], item, ctx, &scan, &mut outcome.notes)
            {
                outcome.fired.push(fired);
            }
        }
        outcome
    }

    fn run(
        &self,
        rule: &Rule,
        item: &Item,
        ctx: &EvalContext,
        scan: &Scan,
        notes: &mut Vec<Note>,
    ) -> Option<Fired> {
        let kind_ok = match item.kind {
            ItemKind::Comment => rule.kinds.comment,
            ItemKind::Submission { link: false } => rule.kinds.text,
            ItemKind::Submission { link: true } => rule.kinds.link,
        };
        if !kind_ok
            || (ctx.trigger == Trigger::Reported && !rule.has_reports_check)
            || (rule.removal && item.already_approved)
            || (rule.moderators_exempt && item.author.is_moderator)
        {
            return None;
        }
        let mut matched = BTreeMap::new();
        let base_matches = self
            .check_rule(rule, item, scan, notes, &mut matched)
            .ok()?;
        if rule.unrepeatable && ctx.performed.contains(&rule.hash) {
            notes.push(Note {
                rule: rule.index,
                reason: Reason::AlreadyPerformed,
            });
            return None;
        }
        let actions = actions(rule, item, &base_matches);
        if actions.is_empty() {
            return None;
        }
        Some(Fired {
            rule: rule.index,
            hash: rule.hash.clone(),
            actions,
            matched,
            unrepeatable: rule.unrepeatable,
        })
    }

    /// All checks of the rule, cheapest first. Returns the base item's matches.
    fn check_rule(
        &self,
        rule: &Rule,
        item: &Item,
        scan: &Scan,
        notes: &mut Vec<Note>,
        matched: &mut BTreeMap<String, String>,
    ) -> Result<Vec<CheckMatch>, Fail> {
        cheap_item_checks(&rule.base, item, scan.unquoted.as_deref())?;
        if let Some((checks, _)) = &rule.author {
            author_checks(rule, checks, item, notes, matched)?;
        }
        if let Some((checks, _)) = &rule.parent {
            let Some(parent) = item.parent_submission.as_deref() else {
                notes.push(Note {
                    rule: rule.index,
                    reason: Reason::ParentUnknown,
                });
                return Err(Fail::No);
            };
            let unquoted = checks.ignore_blockquotes.then(|| unquote(&parent.body));
            cheap_item_checks(checks, parent, unquoted.as_deref())?;
            let parent_domain = domain_value(parent);
            for check in &checks.search {
                let texts = item_texts(
                    parent,
                    check,
                    checks.ignore_blockquotes,
                    unquoted.as_deref(),
                    &parent_domain,
                );
                let found = search(rule, check, &texts, notes)?;
                if let Some(groups) = found {
                    record(matched, "parent_submission:", check, &groups);
                }
            }
        }
        // The prefilter's verdicts first: a positive check none of whose literals occurs fails
        // the rule without running any regex.
        for check in &rule.base.search {
            if let Some(slot) = check.slot
                && !check.negated
                && !scan.possible(slot)
                && !all_dropped(item, check)
            {
                return Err(Fail::No);
            }
        }
        let mut base_matches = Vec::new();
        for check in &rule.base.search {
            let texts = item_texts(
                item,
                check,
                rule.base.ignore_blockquotes,
                scan.unquoted.as_deref(),
                &scan.domain,
            );
            if texts.is_empty() {
                // Every field dropped for this item: the target fails (spec §4.10).
                return Err(Fail::No);
            }
            if let Some(slot) = check.slot
                && !scan.possible(slot)
            {
                // Negated check whose literals are absent: satisfied without a regex run.
                continue;
            }
            if let Some(groups) = search(rule, check, &texts, notes)? {
                record(matched, "", check, &groups);
                base_matches.push(CheckMatch {
                    name: check.name.clone(),
                    groups,
                });
            }
        }
        Ok(base_matches)
    }
}

fn record(
    matched: &mut BTreeMap<String, String>,
    prefix: &str,
    check: &SearchCheck,
    groups: &[Option<String>],
) {
    let text = groups.get(1).cloned().flatten().unwrap_or_default();
    matched.insert(format!("{prefix}{}", check.name), text);
}

/// Runs one search check over its field texts: `Ok(Some(groups))` when a positive check
/// matched, `Ok(None)` when a check passed without a match to report (negated), `Err` when it
/// fails.
fn search(
    rule: &Rule,
    check: &SearchCheck,
    texts: &[&str],
    notes: &mut Vec<Note>,
) -> Result<Option<Vec<Option<String>>>, Fail> {
    if texts.is_empty() {
        return Err(Fail::No);
    }
    for text in texts {
        if check.required_run > 1 && !crate::runs::has_run(text, check.required_run) {
            // Without the run every match needs, the regex cannot match (`runs.rs`).
            continue;
        }
        if check.negated {
            match check.regex.is_match(text) {
                Ok(false) => continue,
                Ok(true) => return Err(Fail::No),
                Err(_) => return Err(limit(rule, check, notes)),
            }
        }
        // The DFA answers "does it match" far faster than the capture engines; captures only
        // run on a hit.
        match check.regex.is_match(text) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(_) => return Err(limit(rule, check, notes)),
        }
        match check.regex.captures(text) {
            Ok(None) => continue,
            Ok(Some(captures)) => {
                let groups = (0..captures.len())
                    .map(|i| captures.get(i).map(|m| m.as_str().to_string()))
                    .collect();
                return Ok(Some(groups));
            }
            Err(_) => return Err(limit(rule, check, notes)),
        }
    }
    if check.negated {
        Ok(None)
    } else {
        Err(Fail::No)
    }
}

fn limit(rule: &Rule, check: &SearchCheck, notes: &mut Vec<Note>) -> Fail {
    notes.push(Note {
        rule: rule.index,
        reason: Reason::RegexLimit {
            check: check.key.clone(),
        },
    });
    Fail::No
}

/// Whether every field of a check is dropped for this item (then the prefilter says nothing).
fn all_dropped(item: &Item, check: &SearchCheck) -> bool {
    check.fields.iter().all(|&f| dropped(item, f))
}

fn dropped(item: &Item, field: Field) -> bool {
    if field.is_poll() || field.is_media() || field.is_crosspost() {
        return true;
    }
    match item.kind {
        ItemKind::Comment => !field.on_comment(),
        ItemKind::Submission { link: false } => field == Field::Url || !field.on_submission(),
        ItemKind::Submission { link: true } => {
            (field == Field::Body && item.body.is_empty()) || !field.on_submission()
        }
    }
}

/// The texts a check searches on an item, in field order (a field may give two: `channel` is
/// the channel's name and its network).
fn item_texts<'a>(
    item: &'a Item,
    check: &SearchCheck,
    ignore_blockquotes: bool,
    unquoted: Option<&'a str>,
    domain: &'a str,
) -> Vec<&'a str> {
    let mut out = Vec::with_capacity(check.fields.len());
    for &field in &check.fields {
        if dropped(item, field) {
            continue;
        }
        match field {
            Field::Id => out.push(item.id.as_str()),
            Field::Title => out.push(item.title.as_deref().unwrap_or("")),
            Field::Domain => out.push(domain),
            Field::Url => out.push(item.url.as_deref().unwrap_or("")),
            Field::Body => out.push(if ignore_blockquotes {
                unquoted.unwrap_or(item.body.as_str())
            } else {
                item.body.as_str()
            }),
            Field::FlairText => out.push(item.flair_text.as_deref().unwrap_or("")),
            Field::FlairCssClass => out.push(item.flair_css_class.as_deref().unwrap_or("")),
            Field::FlairTemplateId => out.push(""),
            Field::Language => out.push(item.language.as_deref().unwrap_or("")),
            Field::Channel => {
                out.push(item.channel.as_str());
                out.push(item.channel_kind.as_str());
            }
            _ => {}
        }
    }
    out
}

fn author_texts<'a>(author: &'a Author, check: &SearchCheck) -> Vec<&'a str> {
    check
        .fields
        .iter()
        .map(|field| match field {
            Field::Id => author.id.as_str(),
            Field::Name => author.name.as_str(),
            Field::FlairText => author.flair_text.as_deref().unwrap_or(""),
            Field::FlairCssClass => author.flair_css_class.as_deref().unwrap_or(""),
            Field::MemberLevel => author.member_level.as_deref().unwrap_or(""),
            _ => "",
        })
        .collect()
}

/// The domain rules see: the link's host, `self.<channel>` for text posts.
pub(crate) fn domain_value(item: &Item) -> String {
    match (&item.domain, item.kind) {
        (Some(domain), _) => domain.clone(),
        (None, ItemKind::Submission { link: false }) => format!("self.{}", item.channel),
        (None, _) => String::new(),
    }
}

/// The body without block quotes (lines starting with `>`) and empty lines.
fn unquote(body: &str) -> String {
    body.lines()
        .filter(|line| {
            let trimmed = line.trim_start();
            !trimmed.is_empty() && !trimmed.starts_with('>')
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Body length as AutoModerator counts it: characters, without non-word characters at either
/// end.
fn body_length(body: &str) -> usize {
    body.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'))
        .chars()
        .count()
}

fn cheap_item_checks(checks: &ItemChecks, item: &Item, unquoted: Option<&str>) -> Result<(), Fail> {
    let ok = !checks.impossible
        && checks.reports.is_none_or(|n| item.reports >= n)
        && checks.is_edited.is_none_or(|v| item.is_edited == v)
        && checks
            .is_top_level
            .is_none_or(|v| item.is_comment() && item.is_top_level == v)
        && checks.question.is_none_or(|v| item.question == v)
        && checks.scores.iter().all(|&(score, cmp, value)| {
            let actual = match score {
                Score::Toxicity => item.toxicity,
                Score::Spam => item.spam,
                Score::Sentiment => item.sentiment,
            };
            cmp.holds(actual, value)
        });
    if !ok {
        return Err(Fail::No);
    }
    if checks.body_longer_than.is_some() || checks.body_shorter_than.is_some() {
        // Checked for other than text posts only when there is text (spec §5).
        if matches!(item.kind, ItemKind::Submission { link: true }) && item.body.is_empty() {
            return Err(Fail::No);
        }
        let body = if checks.ignore_blockquotes {
            unquoted.unwrap_or(item.body.as_str())
        } else {
            item.body.as_str()
        };
        let length = body_length(body);
        if checks.body_longer_than.is_some_and(|n| length <= n)
            || checks.body_shorter_than.is_some_and(|n| length >= n)
        {
            return Err(Fail::No);
        }
    }
    Ok(())
}

fn author_checks(
    rule: &Rule,
    checks: &AuthorChecks,
    item: &Item,
    notes: &mut Vec<Note>,
    matched: &mut BTreeMap<String, String>,
) -> Result<(), Fail> {
    let author = &item.author;
    for &(flag, wanted) in &checks.flags {
        let actual = match flag {
            AuthorFlag::HasVerifiedEmail => author.has_verified_email,
            AuthorFlag::IsGold => false,
            AuthorFlag::IsSubmitter => !item.is_comment() || author.is_submitter,
            AuthorFlag::IsContributor => author.is_contributor,
            AuthorFlag::IsModerator => author.is_moderator,
            AuthorFlag::IsMember => author.is_member,
        };
        if actual != wanted {
            return Err(Fail::No);
        }
    }
    if !checks.thresholds.is_empty() {
        let results: Vec<Option<bool>> = checks
            .thresholds
            .iter()
            .map(|t| threshold(t, author))
            .collect();
        let pass = if checks.satisfy_any_threshold {
            results.contains(&Some(true))
        } else {
            results.iter().all(|r| *r == Some(true))
        };
        if !pass {
            for (t, r) in checks.thresholds.iter().zip(&results) {
                if r.is_none() {
                    notes.push(Note {
                        rule: rule.index,
                        reason: Reason::MissingFigure(t.figure),
                    });
                }
            }
            return Err(Fail::No);
        }
    }
    for check in &checks.search {
        let texts = author_texts(author, check);
        if let Some(groups) = search(rule, check, &texts, notes)? {
            record(matched, "author:", check, &groups);
        }
    }
    Ok(())
}

/// One threshold: `None` when the figure is unknown. Site-banned authors fail every threshold.
fn threshold(t: &Threshold, author: &Author) -> Option<bool> {
    if author.site_banned {
        return Some(false);
    }
    let value = match t.figure {
        Figure::CommentKarma => author.comment_karma?.max(-100),
        Figure::PostKarma => author.post_karma?.max(0),
        Figure::CombinedKarma => {
            (author.comment_karma?.max(-100) + author.post_karma?.max(0)).max(-100)
        }
        Figure::Followers => author.followers?,
        Figure::AccountAge => {
            let age = author.account_age?.as_secs();
            let limit = (t.value as u64).saturating_mul(t.unit_secs);
            return Some(match t.cmp {
                crate::check::Cmp::Lt => age < limit,
                crate::check::Cmp::Gt => age > limit,
                crate::check::Cmp::Eq => age / t.unit_secs.max(1) == t.value as u64,
            });
        }
        Figure::CommentSubredditKarma
        | Figure::PostSubredditKarma
        | Figure::CombinedSubredditKarma
        | Figure::ContributorQuality => return None,
    };
    Some(t.cmp.holds(value, t.value))
}

const BODY_LIMIT: usize = 10_000;
const SUBJECT_LIMIT: usize = 100;

fn cap(mut text: String, chars: usize) -> String {
    if let Some((at, _)) = text.char_indices().nth(chars) {
        text.truncate(at);
    }
    text
}

/// The actions of a fired rule, placeholders expanded, in a fixed order.
fn actions(rule: &Rule, item: &Item, matches: &[CheckMatch]) -> Vec<Action> {
    let mut out = Vec::new();
    target_actions(
        rule,
        &rule.base_actions,
        item,
        item,
        Target::Item,
        matches,
        &mut out,
    );
    if let (Some((_, parent_actions)), Some(parent)) =
        (&rule.parent, item.parent_submission.as_deref())
    {
        target_actions(
            rule,
            parent_actions,
            item,
            parent,
            Target::ParentSubmission,
            matches,
            &mut out,
        );
    }
    if let Some((_, author_actions)) = &rule.author
        && let Some(flair) = &author_actions.flair
    {
        out.push(flair_action(
            flair,
            Target::Author,
            author_actions.overwrite_flair,
            item,
            matches,
        ));
    }
    let top = &rule.top;
    if let Some(comment) = &top.comment {
        out.push(Action::Comment {
            body: cap(comment.expand(item, matches), BODY_LIMIT),
        });
    }
    if let Some((subject, body)) = &top.modmail {
        out.push(Action::Modmail {
            subject: cap(subject.expand(item, matches), SUBJECT_LIMIT),
            body: cap(with_permalink(body, item, matches), BODY_LIMIT),
        });
    }
    if let Some((subject, body)) = &top.message
        && !item.author.name.is_empty()
    {
        out.push(Action::Message {
            subject: cap(subject.expand(item, matches), SUBJECT_LIMIT),
            body: cap(with_permalink(body, item, matches), BODY_LIMIT),
        });
    }
    if top.hide {
        out.push(Action::Hide);
    }
    if let Some(reason) = &top.flag {
        out.push(Action::Flag {
            reason: reason.as_ref().map(|t| t.expand(item, matches)),
        });
    }
    if !top.tags.is_empty() {
        out.push(Action::Tag {
            names: top
                .tags
                .iter()
                .map(|t| t.expand(item, matches))
                .filter(|n| !n.trim().is_empty())
                .collect(),
        });
    }
    if let Some(teammate) = &top.assign {
        out.push(Action::Assign {
            teammate: teammate.clone(),
        });
    }
    if let Some(reply) = &top.reply {
        out.push(Action::Reply {
            body: cap(reply.expand(item, matches), BODY_LIMIT),
        });
    }
    for to in &top.notify {
        out.push(Action::Notify { to: to.clone() });
    }
    if let Some(reason) = &top.escalate {
        out.push(Action::Escalate {
            reason: reason.as_ref().map(|t| t.expand(item, matches)),
        });
    }
    out
}

fn with_permalink(body: &Template, item: &Item, matches: &[CheckMatch]) -> String {
    let text = body.expand(item, matches);
    if body.has_permalink() {
        text
    } else {
        format!("{}\n\n{}", item.permalink, text)
    }
}

/// Actions on one target. Placeholders always describe the item the rule looked at.
fn target_actions(
    rule: &Rule,
    actions: &TargetActions,
    item: &Item,
    target_item: &Item,
    target: Target,
    matches: &[CheckMatch],
    out: &mut Vec<Action>,
) {
    if let Some(action) = actions.action {
        let reason = actions.reason.as_ref().map(|t| t.expand(item, matches));
        let action = match action {
            BaseAction::Approve => {
                // Approve only where it changes something and never for site-banned authors
                // unless the rule names them (spec §8).
                let needed = target_item.removed_by_filter
                    || (target_item.reports > 0 && rule.has_reports_check);
                let banned = target_item.author.site_banned && !rule.checks_author_name;
                if !needed || banned || target_item.already_removed_by_human {
                    None
                } else {
                    Some(Action::Approve { target, reason })
                }
            }
            BaseAction::Remove => Some(Action::Remove { target, reason }),
            BaseAction::Spam => Some(Action::Spam { target, reason }),
            BaseAction::Filter => Some(Action::Filter { target, reason }),
            BaseAction::Report => Some(Action::Report { target, reason }),
        };
        out.extend(action);
    }
    if let Some(flair) = &actions.flair {
        out.push(flair_action(
            flair,
            target,
            actions.overwrite_flair,
            item,
            matches,
        ));
    }
    if let Some(locked) = actions.set_locked {
        out.push(Action::SetLocked { target, locked });
    }
}

fn flair_action(
    flair: &FlairSpec,
    target: Target,
    overwrite: bool,
    item: &Item,
    matches: &[CheckMatch],
) -> Action {
    let text = flair
        .text
        .as_ref()
        .map(|t| cap(t.expand(item, matches), 64));
    let css_class = flair
        .css_class
        .as_ref()
        .map(|t| css_class(&t.expand(item, matches)));
    Action::SetFlair {
        target,
        text,
        css_class,
        overwrite,
    }
}

/// Keeps `[\w -]`, at most 10 classes of at most 100 characters.
fn css_class(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '_' | ' ' | '-'))
        .collect();
    cleaned
        .split(' ')
        .filter(|c| !c.is_empty())
        .take(10)
        .map(|c| cap(c.to_string(), 100))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_and_length() {
        assert_eq!(
            unquote("> quoted\n\nmine\n  > also quoted\nmore"),
            "mine\nmore"
        );
        assert_eq!(body_length("  ...hello, world!!  "), 12);
        assert_eq!(css_class("a!b c-d e_f"), "ab c-d e_f");
    }
}
