//! The reference evaluator: a query tree evaluated directly on a prepared message, by
//! linear scans, one topic at a time. It is the definition of what a query means (and the
//! oracle the compiled matcher is property-tested against), and the baseline of the bench.

use crate::document::Prepared;
use crate::query::{Field, Query, Term, TermKind};

/// Whether `query` matches `doc`.
pub(crate) fn matches(query: &Query, doc: &Prepared) -> bool {
    match query {
        Query::Term(term) => term_anywhere(term, doc),
        Query::Phrase(_) => !spans(query, doc).is_empty(),
        Query::Near {
            left,
            right,
            distance,
            ordered,
        } => {
            let rights = spans(right, doc);
            spans(left, doc)
                .iter()
                .any(|&l| rights.iter().any(|&r| near(l, r, *distance, *ordered)))
        }
        Query::Field(field) => field_matches(field, doc),
        Query::Not(inner) => !matches(inner, doc),
        Query::And(children) => children.iter().all(|c| matches(c, doc)),
        Query::Or(children) => children.iter().any(|c| matches(c, doc)),
    }
}

/// Whether two occurrences, as `(first, last)` word positions, are within `distance`
/// words of each other: they do not overlap and at most `distance` words lie between
/// them; `ordered` also asks that `left` comes first.
pub(crate) fn near(left: (u32, u32), right: (u32, u32), distance: u32, ordered: bool) -> bool {
    if left.1 < right.0 {
        right.0 - left.1 - 1 <= distance
    } else if right.1 < left.0 && !ordered {
        left.0 - right.1 - 1 <= distance
    } else {
        false
    }
}

/// A term outside phrases and `NEAR`: a word anywhere in the words; a hashtag or a
/// mention among the message's hashtags or mentions.
fn term_anywhere(term: &Term, doc: &Prepared) -> bool {
    match term.kind {
        TermKind::Word => doc.tokens.iter().any(|t| term.matches_text(doc.word(t))),
        TermKind::Hashtag => doc.hashtags.iter().any(|h| term.matches_text(h)),
        TermKind::Mention => doc.mentions.iter().any(|m| mention_matches(term, m)),
    }
}

/// `@user` matches the mention `user` and `user@any.server`; `@user@server` only itself.
pub(crate) fn mention_matches(term: &Term, mention: &str) -> bool {
    if term.matches_text(mention) {
        return true;
    }
    !term.prefix
        && !term.text.contains('@')
        && mention
            .split_once('@')
            .is_some_and(|(local, _)| local == term.text)
}

/// Occurrences of a phrase operand (`Term`, `Phrase` or `Or` of those) as `(first, last)`
/// word positions.
fn spans(query: &Query, doc: &Prepared) -> Vec<(u32, u32)> {
    let tokens = &doc.tokens;
    match query {
        Query::Term(term) => tokens
            .iter()
            .filter(|t| term.matches_word(doc.word(t), t.sigil))
            .map(|t| (t.pos, t.pos))
            .collect(),
        // An empty phrase (only hand-built) occurs nowhere.
        Query::Phrase(terms) if terms.is_empty() => Vec::new(),
        Query::Phrase(terms) => {
            let mut out = Vec::new();
            for start in 0..tokens.len() {
                let first = tokens[start].pos;
                let all = terms.iter().enumerate().all(|(i, term)| {
                    tokens.get(start + i).is_some_and(|t| {
                        t.pos == first + i as u32 && term.matches_word(doc.word(t), t.sigil)
                    })
                });
                if all {
                    out.push((first, first + terms.len() as u32 - 1));
                }
            }
            out
        }
        Query::Or(children) => children.iter().flat_map(|c| spans(c, doc)).collect(),
        // The parser only lets the three kinds above stand beside NEAR.
        _ => Vec::new(),
    }
}

pub(crate) fn field_matches(field: &Field, doc: &Prepared) -> bool {
    match field {
        Field::Author(name) => doc.author == *name || doc.author_name == *name,
        Field::Channel(channel) => doc.channel == *channel,
        Field::Lang(lang) => lang_matches(lang, &doc.lang),
        Field::Sentiment(sentiment) => doc.sentiment == Some(*sentiment),
        Field::Site(site) => doc.hosts.iter().any(|h| site_matches(site, h)),
        Field::Url(url) => doc.urls.iter().any(|u| url_matches(url, u)),
    }
}

/// `lang:pt` matches `pt` and `pt-br`.
pub(crate) fn lang_matches(query: &str, lang: &str) -> bool {
    lang.strip_prefix(query)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}

/// `site:lumora.com` matches `lumora.com` and every subdomain of it.
pub(crate) fn site_matches(site: &str, host: &str) -> bool {
    host.strip_suffix(site)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// `url:lumora.com/nights` matches that URL and every URL under it (the next character
/// after the prefix is `/`, `?` or `#`), not `lumora.com/nightsale`.
pub(crate) fn url_matches(prefix: &str, url: &str) -> bool {
    url.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_counts_the_words_between() {
        // Adjacent: nothing between.
        assert!(near((0, 0), (1, 1), 0, true));
        assert!(near((1, 1), (0, 0), 0, false));
        assert!(!near((1, 1), (0, 0), 0, true));
        // Two words between.
        assert!(near((0, 0), (3, 3), 2, false));
        assert!(!near((0, 0), (3, 3), 1, false));
        // Overlapping occurrences are not near each other.
        assert!(!near((0, 2), (1, 1), 5, false));
        // Spans: between the end of one and the start of the other.
        assert!(near((0, 1), (3, 4), 1, true));
    }

    #[test]
    fn field_helpers_respect_boundaries() {
        assert!(lang_matches("pt", "pt-br"));
        assert!(!lang_matches("pt", "ptx"));
        assert!(site_matches("lumora.com", "shop.lumora.com"));
        assert!(!site_matches("lumora.com", "notlumora.com"));
        assert!(url_matches("lumora.com/nights", "lumora.com/nights?a=1"));
        assert!(!url_matches("lumora.com/nights", "lumora.com/nightsale"));
    }
}
