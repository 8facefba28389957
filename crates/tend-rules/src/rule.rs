//! One rule: its identity (document, line, hash, name), and its compiled checks and actions.
//! `parse.rs` builds it from a YAML document; `eval.rs` runs it.

use crate::check::{Cmp, SearchCheck};
use crate::template::Template;
use std::fmt;

/// A stable hash of a rule's source text (SHA-256, first 16 bytes, hex). Unrepeatable actions
/// are remembered per item by this hash (spec §7.5): editing the item does not repeat them,
/// editing the rule does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleHash(pub(crate) String);

impl RuleHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rebuilds a hash stored earlier (32 lower-case hex digits).
    pub fn parse(text: &str) -> Option<RuleHash> {
        (text.len() == 32
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| RuleHash(text.to_string()))
    }

    pub(crate) fn of(source: &str) -> RuleHash {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(source.as_bytes());
        let mut hex = String::with_capacity(32);
        for byte in &digest[..16] {
            hex.push_str(&format!("{byte:02x}"));
        }
        RuleHash(hex)
    }
}

impl fmt::Display for RuleHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One rule of a rule set.
#[derive(Debug)]
pub struct Rule {
    pub(crate) index: usize,
    pub(crate) document: usize,
    pub(crate) line: usize,
    pub(crate) hash: RuleHash,
    pub(crate) source: String,
    pub(crate) priority: i64,
    pub(crate) name: String,
    pub(crate) description: String,
    /// Which item kinds the rule applies to (after `type` and field validity).
    pub(crate) kinds: Kinds,
    pub(crate) moderators_exempt: bool,
    pub(crate) removal: bool,
    pub(crate) unrepeatable: bool,
    pub(crate) has_reports_check: bool,
    pub(crate) checks_author_name: bool,
    pub(crate) base: ItemChecks,
    pub(crate) base_actions: TargetActions,
    pub(crate) parent: Option<(ItemChecks, TargetActions)>,
    pub(crate) author: Option<(AuthorChecks, TargetActions)>,
    pub(crate) top: TopActions,
}

impl Rule {
    /// Position in [`crate::RuleSet::rules`] (0-based).
    pub fn index(&self) -> usize {
        self.index
    }
    /// 1-based document number in the rule file.
    pub fn document(&self) -> usize {
        self.document
    }
    /// File line of the rule's first line.
    pub fn line(&self) -> usize {
        self.line
    }
    pub fn hash(&self) -> &RuleHash {
        &self.hash
    }
    /// The document's text.
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn priority(&self) -> i64 {
        self.priority
    }
    /// Removal rules (`action: remove|spam|filter`, or Tend's `hide`) run first and the first
    /// one that fires stops the others (spec §7).
    pub fn is_removal(&self) -> bool {
        self.removal
    }
    /// Skipped for items by moderators.
    pub fn moderators_exempt(&self) -> bool {
        self.moderators_exempt
    }
    /// Posts, messages, reports or notifies: fires at most once per item (by hash).
    pub fn is_unrepeatable(&self) -> bool {
        self.unrepeatable
    }
    /// The document's first comment line, or `rule N` (N = document number).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The comment lines after the name, joined with spaces.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The work the rule hands to the team beyond moderating (replies, notes,
    /// tags, assignment), as written, so a rule set can be refused at save time
    /// when no one could carry it out.
    pub fn duties(&self) -> Duties {
        let top = &self.top;
        Duties {
            replies: top.reply.is_some() || top.comment.is_some(),
            blank_reply: top.reply.as_ref().is_some_and(|t| t.is_blank())
                || top.comment.as_ref().is_some_and(|t| t.is_blank()),
            assign: top.assign.clone(),
            notify_teammates: top
                .notify
                .iter()
                .filter_map(|n| match n {
                    crate::action::NotifyTarget::Teammate(name) => Some(name.clone()),
                    crate::action::NotifyTarget::Webhook(_) => None,
                })
                .collect(),
            tags: top.tags.iter().filter_map(|t| t.literal()).collect(),
            blank_tag: top.tags.iter().any(|t| t.is_blank()),
        }
    }

    /// Whether the rule can apply to any Tend item at all (rules on crossposts, media embeds,
    /// polls … never do; their warnings say so).
    pub fn can_apply(&self) -> bool {
        self.kinds.any()
    }
}

/// What a rule asks the team to carry out (see [`Rule::duties`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Duties {
    /// It replies (`reply:` or AutoModerator's `comment:`).
    pub replies: bool,
    /// A reply text is empty.
    pub blank_reply: bool,
    /// `assign:`: the teammate, as written.
    pub assign: Option<String>,
    /// `notify:` teammates, as written (webhooks are not duties of the team).
    pub notify_teammates: Vec<String>,
    /// `tag:` names without placeholders.
    pub tags: Vec<String>,
    /// A tag name is empty.
    pub blank_tag: bool,
}

/// Item kinds a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Kinds {
    pub comment: bool,
    pub text: bool,
    pub link: bool,
}

impl Kinds {
    pub const ALL: Kinds = Kinds {
        comment: true,
        text: true,
        link: true,
    };
    pub fn any(self) -> bool {
        self.comment || self.text || self.link
    }
}

/// Checks on an item (the base item, or a comment's `parent_submission`).
#[derive(Debug, Default)]
pub(crate) struct ItemChecks {
    pub search: Vec<SearchCheck>,
    pub reports: Option<u32>,
    pub body_longer_than: Option<usize>,
    pub body_shorter_than: Option<usize>,
    pub is_edited: Option<bool>,
    pub is_top_level: Option<bool>,
    /// Checks on data Tend never has (`is_poll: true`, `discussion_type: chat` …): the target
    /// can never pass.
    pub impossible: bool,
    pub scores: Vec<(Score, Cmp, f32)>,
    pub question: Option<bool>,
    pub ignore_blockquotes: bool,
}

impl ItemChecks {
    pub fn has_checks(&self) -> bool {
        !self.search.is_empty()
            || self.reports.is_some()
            || self.body_longer_than.is_some()
            || self.body_shorter_than.is_some()
            || self.is_edited.is_some()
            || self.is_top_level.is_some()
            || self.impossible
            || !self.scores.is_empty()
            || self.question.is_some()
    }
}

/// Tend's per-message scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Score {
    Toxicity,
    Spam,
    Sentiment,
}

/// Checks on the author.
#[derive(Debug, Default)]
pub(crate) struct AuthorChecks {
    pub search: Vec<SearchCheck>,
    pub thresholds: Vec<Threshold>,
    pub satisfy_any_threshold: bool,
    pub flags: Vec<(AuthorFlag, bool)>,
}

impl AuthorChecks {
    pub fn has_checks(&self) -> bool {
        !self.search.is_empty() || !self.thresholds.is_empty() || !self.flags.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthorFlag {
    HasVerifiedEmail,
    IsGold,
    IsSubmitter,
    IsContributor,
    IsModerator,
    IsMember,
}

/// A figure an author threshold compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    CommentKarma,
    PostKarma,
    CombinedKarma,
    CommentSubredditKarma,
    PostSubredditKarma,
    CombinedSubredditKarma,
    AccountAge,
    ContributorQuality,
    Followers,
}

impl Figure {
    pub fn key(self) -> &'static str {
        match self {
            Figure::CommentKarma => "comment_karma",
            Figure::PostKarma => "post_karma",
            Figure::CombinedKarma => "combined_karma",
            Figure::CommentSubredditKarma => "comment_subreddit_karma",
            Figure::PostSubredditKarma => "post_subreddit_karma",
            Figure::CombinedSubredditKarma => "combined_subreddit_karma",
            Figure::AccountAge => "account_age",
            Figure::ContributorQuality => "contributor_quality",
            Figure::Followers => "followers",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Threshold {
    pub figure: Figure,
    pub cmp: Cmp,
    /// Karma or followers; for ages the count of `unit_secs`; for quality the rank.
    pub value: i64,
    pub unit_secs: u64,
}

/// The moderation action of a target (`action:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BaseAction {
    Approve,
    Remove,
    Spam,
    Filter,
    Report,
}

/// Actions on one target.
#[derive(Debug, Default)]
pub(crate) struct TargetActions {
    pub action: Option<BaseAction>,
    pub reason: Option<Template>,
    pub flair: Option<FlairSpec>,
    pub overwrite_flair: bool,
    pub set_locked: Option<bool>,
}

impl TargetActions {
    pub fn has_actions(&self) -> bool {
        self.action.is_some() || self.flair.is_some() || self.set_locked.is_some()
    }
}

#[derive(Debug, Default)]
pub(crate) struct FlairSpec {
    pub text: Option<Template>,
    pub css_class: Option<Template>,
}

/// Top-level actions (and Tend's actions).
#[derive(Debug, Default)]
pub(crate) struct TopActions {
    pub comment: Option<Template>,
    pub modmail: Option<(Template, Template)>,
    pub message: Option<(Template, Template)>,
    pub hide: bool,
    pub flag: Option<Option<Template>>,
    pub tags: Vec<Template>,
    pub assign: Option<String>,
    pub reply: Option<Template>,
    pub notify: Vec<crate::action::NotifyTarget>,
    pub escalate: Option<Option<Template>>,
}

impl TopActions {
    pub fn has_actions(&self) -> bool {
        self.comment.is_some()
            || self.modmail.is_some()
            || self.message.is_some()
            || self.hide
            || self.flag.is_some()
            || !self.tags.is_empty()
            || self.assign.is_some()
            || self.reply.is_some()
            || !self.notify.is_empty()
            || self.escalate.is_some()
    }
}
