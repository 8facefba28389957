//! The subject of a rule, channel-neutral: a submission (a post that starts a thread) or a
//! comment (a reply), with its author. The caller maps each Tend message onto it; figures a
//! platform does not provide stay `None`, and a rule that needs one does not match (the
//! outcome explains why) rather than guessing.

use std::time::Duration;

/// What kind of item a rule looks at (AutoModerator's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// A thread-starting post. `link` posts point at a URL; the others are text posts.
    Submission { link: bool },
    /// A reply in a thread.
    Comment,
}

/// One message as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    /// The platform's id of the item (AutoModerator's `id` field).
    pub id: String,
    pub title: Option<String>,
    pub body: String,
    pub url: Option<String>,
    /// The link's host; for text posts rules see `self.<channel>` when this is `None`.
    pub domain: Option<String>,
    pub flair_text: Option<String>,
    /// Reddit's link-flair CSS class; `None` elsewhere.
    pub flair_css_class: Option<String>,
    pub is_edited: bool,
    /// For comments: the reply answers the thread's first post directly.
    pub is_top_level: bool,
    pub reports: u32,
    pub permalink: String,
    /// The Tend channel's name (`{{subreddit}}`, `{{channel}}`, the `channel` check).
    pub channel: String,
    /// The channel's network, e.g. `reddit`, `discourse`, `mastodon`, `x`.
    pub channel_kind: String,
    /// ISO 639-1 code of the detected language.
    pub language: Option<String>,
    /// Tend's toxicity score, 0..1.
    pub toxicity: f32,
    /// Tend's spam score, 0..1.
    pub spam: f32,
    /// Compound sentiment, −1..1.
    pub sentiment: f32,
    /// Tend's question detector said yes.
    pub question: bool,
    /// For comments: the thread's first post, when known (`parent_submission` checks need it).
    pub parent_submission: Option<Box<Item>>,
    pub author: Author,
    /// A teammate removed or hid it by hand: no rule touches it.
    pub already_removed_by_human: bool,
    /// A teammate approved it: removal rules leave it alone.
    pub already_approved: bool,
    /// It was hidden automatically (a platform spam filter, or an earlier automatic decision):
    /// an `approve` action can restore it.
    pub removed_by_filter: bool,
    /// Written by the workspace's own account (e.g. an automatic reply): rules never act on it.
    pub is_own: bool,
}

/// The author of an item. Karma-like figures are platform-specific; see ARCHITECTURE.md for
/// what the caller fills in for each network.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Author {
    pub name: String,
    pub id: String,
    pub account_age: Option<Duration>,
    pub comment_karma: Option<i64>,
    pub post_karma: Option<i64>,
    pub followers: Option<i64>,
    pub is_moderator: bool,
    /// Reddit's "approved user"; elsewhere a trusted contributor.
    pub is_contributor: bool,
    /// The author also wrote the thread's first post (always true for a submission).
    pub is_submitter: bool,
    pub has_verified_email: bool,
    /// Banned from the whole platform (Reddit's shadowban): every threshold check fails.
    pub site_banned: bool,
    /// A member of the community (Tend membership), not just a passer-by.
    pub is_member: bool,
    /// The member's level or tier (e.g. Discourse trust level `tl2`).
    pub member_level: Option<String>,
    pub flair_text: Option<String>,
    pub flair_css_class: Option<String>,
}

impl Item {
    /// A submission with empty fields, for tests and examples.
    pub fn submission(title: &str, body: &str) -> Item {
        Item {
            kind: ItemKind::Submission { link: false },
            id: String::new(),
            title: Some(title.to_string()),
            body: body.to_string(),
            url: None,
            domain: None,
            flair_text: None,
            flair_css_class: None,
            is_edited: false,
            is_top_level: false,
            reports: 0,
            permalink: String::new(),
            channel: String::new(),
            channel_kind: String::new(),
            language: None,
            toxicity: 0.0,
            spam: 0.0,
            sentiment: 0.0,
            question: false,
            parent_submission: None,
            author: Author::default(),
            already_removed_by_human: false,
            already_approved: false,
            removed_by_filter: false,
            is_own: false,
        }
    }

    /// A link submission to `url` (its domain is taken from the URL).
    pub fn link(title: &str, url: &str) -> Item {
        Item {
            kind: ItemKind::Submission { link: true },
            url: Some(url.to_string()),
            domain: Some(domain_of(url)),
            ..Item::submission(title, "")
        }
    }

    /// A top-level comment with empty fields, for tests and examples.
    pub fn comment(body: &str) -> Item {
        Item {
            kind: ItemKind::Comment,
            title: None,
            is_top_level: true,
            ..Item::submission("", body)
        }
    }

    pub fn is_comment(&self) -> bool {
        self.kind == ItemKind::Comment
    }
}

/// The host of a URL, without `www.` and port (`https://www.youtube.com:443/x` → `youtube.com`),
/// as Reddit shows a link's domain.
pub fn domain_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or("");
    let host = host.to_ascii_lowercase();
    host.strip_prefix("www.")
        .map(str::to_string)
        .unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_of_strips_scheme_www_and_port() {
        assert_eq!(
            domain_of("https://www.YouTube.com:443/watch?v=1"),
            "youtube.com"
        );
        assert_eq!(domain_of("http://user@m.example.org/x"), "m.example.org");
        assert_eq!(domain_of("example.net"), "example.net");
    }
}
