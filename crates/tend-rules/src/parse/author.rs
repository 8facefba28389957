//! The `author:` group: search checks on users, figure thresholds, flags and flair.

use super::actions::flair;
use super::values::{Cx, Entry};
use crate::check::{
    Field, parse_age_threshold, parse_int_threshold, parse_quality_threshold, parse_search_key,
};
use crate::rule::{AuthorChecks, AuthorFlag, Figure, TargetActions, Threshold};
use crate::yaml::Value;

/// The `author:` group, or its shorthand `author: name`, `author: [names]`, `~author: [names]`.
pub(super) fn author_group(cx: &mut Cx, entry: &Entry) -> (AuthorChecks, TargetActions) {
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
