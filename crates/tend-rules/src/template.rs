//! Placeholders (spec §9): `{{author}}`, `{{title}}`, `{{match-title-2}}` … Templates are cut
//! into parts when the rule file is parsed, so expanding one is a walk over a short list.

use crate::item::{Item, ItemKind};

/// A string with placeholders, parsed once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Var(Var),
    /// `{{match}}`, `{{match-N}}`, `{{match-<check>}}`, `{{match-<check>-N}}`.
    Match {
        check: Option<String>,
        group: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Var {
    Author,
    AuthorFlairText,
    AuthorFlairCssClass,
    AuthorFlairTemplateId,
    Body,
    Permalink,
    Subreddit,
    Kind,
    Title,
    Domain,
    Url,
    ChannelKind,
    Media,
}

/// What parsing a template found that the rule needs to know.
#[derive(Debug, Default)]
pub(crate) struct TemplateNotes {
    /// Placeholders that are not AutoModerator's or Tend's (left as written).
    pub unknown: Vec<String>,
    /// The template uses `{{media_…}}`: AutoModerator skips such rules on items without media.
    pub uses_media: bool,
}

/// One matched search check, for match placeholders: its name and its groups (group 1 is the
/// whole matched option).
#[derive(Debug, Clone)]
pub(crate) struct CheckMatch {
    pub name: String,
    pub groups: Vec<Option<String>>,
}

impl Template {
    /// Whether the text is empty or only white space (no placeholder either).
    pub fn is_blank(&self) -> bool {
        self.parts
            .iter()
            .all(|p| matches!(p, Part::Text(t) if t.trim().is_empty()))
    }

    /// The text when it has no placeholder.
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                _ => return None,
            }
        }
        Some(out)
    }

    pub fn parse(text: &str, notes: &mut TemplateNotes) -> Template {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut literal = String::new();
        while let Some(open) = rest.find("{{") {
            let Some(close) = rest[open + 2..].find("}}") else {
                break;
            };
            let inner = &rest[open + 2..open + 2 + close];
            literal.push_str(&rest[..open]);
            match placeholder(inner.trim()) {
                Some(part) => {
                    if matches!(part, Part::Var(Var::Media)) {
                        notes.uses_media = true;
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(part);
                }
                None => {
                    notes.unknown.push(inner.to_string());
                    literal.push_str(&rest[open..open + 2 + close + 2]);
                }
            }
            rest = &rest[open + 2 + close + 2..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Template { parts }
    }

    /// Whether the template contains `{{permalink}}` (modmail and messages get it prepended
    /// otherwise).
    pub fn has_permalink(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Var(Var::Permalink)))
    }

    pub fn expand(&self, item: &Item, matches: &[CheckMatch]) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Var(var) => out.push_str(&var_value(*var, item)),
                Part::Match { check, group } => {
                    let found = match check {
                        None => matches.first(),
                        Some(name) => matches.iter().find(|m| m.name == *name),
                    };
                    if let Some(Some(text)) = found.and_then(|m| m.groups.get(*group)) {
                        out.push_str(text);
                    }
                }
            }
        }
        out
    }
}

fn placeholder(inner: &str) -> Option<Part> {
    let var = match inner {
        "author" => Var::Author,
        "author_flair_text" => Var::AuthorFlairText,
        "author_flair_css_class" => Var::AuthorFlairCssClass,
        "author_flair_template_id" => Var::AuthorFlairTemplateId,
        "body" => Var::Body,
        "permalink" => Var::Permalink,
        "subreddit" | "channel" => Var::Subreddit,
        "channel_kind" => Var::ChannelKind,
        "kind" => Var::Kind,
        "title" => Var::Title,
        "domain" => Var::Domain,
        "url" => Var::Url,
        "media_author" | "media_author_url" | "media_title" | "media_description" => Var::Media,
        "match" => {
            return Some(Part::Match {
                check: None,
                group: 1,
            });
        }
        _ => {
            let rest = inner.strip_prefix("match-")?;
            if rest.is_empty() {
                return None;
            }
            if rest.chars().all(|c| c.is_ascii_digit()) {
                return Some(Part::Match {
                    check: None,
                    group: rest.parse().ok()?,
                });
            }
            if let Some((name, number)) = rest.rsplit_once('-')
                && !number.is_empty()
                && number.chars().all(|c| c.is_ascii_digit())
                && !name.is_empty()
            {
                return Some(Part::Match {
                    check: Some(name.to_ascii_lowercase()),
                    group: number.parse().ok()?,
                });
            }
            return Some(Part::Match {
                check: Some(rest.to_ascii_lowercase()),
                group: 1,
            });
        }
    };
    Some(Part::Var(var))
}

fn var_value(var: Var, item: &Item) -> String {
    match var {
        Var::Author => item.author.name.clone(),
        Var::AuthorFlairText => item.author.flair_text.clone().unwrap_or_default(),
        Var::AuthorFlairCssClass => item.author.flair_css_class.clone().unwrap_or_default(),
        Var::AuthorFlairTemplateId | Var::Media => String::new(),
        Var::Body => item.body.clone(),
        Var::Permalink => item.permalink.clone(),
        Var::Subreddit => item.channel.clone(),
        Var::ChannelKind => item.channel_kind.clone(),
        Var::Kind => match item.kind {
            ItemKind::Comment => "comment".to_string(),
            ItemKind::Submission { .. } => "submission".to_string(),
        },
        Var::Title => match item.kind {
            ItemKind::Comment => item
                .parent_submission
                .as_ref()
                .and_then(|p| p.title.clone())
                .unwrap_or_default(),
            ItemKind::Submission { .. } => item.title.clone().unwrap_or_default(),
        },
        Var::Domain => crate::eval::domain_value(item),
        Var::Url => item.url.clone().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand() {
        let mut notes = TemplateNotes::default();
        let t = Template::parse(
            "{{author}} in /r/{{subreddit}}: {{match}} {{match-title-2}} {{nope}}",
            &mut notes,
        );
        assert_eq!(notes.unknown, vec!["nope".to_string()]);
        let mut item = Item::submission("Top 10 things", "");
        item.author.name = "ann".into();
        item.channel = "pics".into();
        let matches = vec![CheckMatch {
            name: "title".into(),
            groups: vec![
                Some("Top 10 things".into()),
                Some("10 things".into()),
                Some("10".into()),
            ],
        }];
        assert_eq!(
            t.expand(&item, &matches),
            "ann in /r/pics: 10 things 10 {{nope}}"
        );
    }
}
