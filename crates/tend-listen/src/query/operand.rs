//! The operands of a query, read from their lexemes: words (one, or several read as a
//! phrase), quoted phrases, `#hashtags`, `@mentions`, wildcards and field values. Each is
//! folded and cut into words exactly as a message is, so the tree holds what matching
//! compares.

use crate::document::{Sentiment, normalize_url, strip_www};
use crate::error::QueryError;
use crate::fold::fold;
use crate::query::lexer;
use crate::query::parser::Node;
use crate::query::{Field, MIN_WILDCARD_CHARS, ParseOptions, Query, Term, TermKind};
use crate::tokens::{Sigil, is_word_char, words};

/// A quoted phrase: its words, folded and cut like a message's. One word is a term.
pub(super) fn phrase(text: &str, column: usize, text_column: usize) -> Result<Node, QueryError> {
    if let Some(star) = text.chars().position(|c| c == '*') {
        return Err(QueryError::new(
            text_column + star,
            "wildcards do not work inside quotes; write the phrase out, or use NEAR/0f \
             (\"lumora hub\" is lumora NEAR/0f hub) with a wildcard word",
        ));
    }
    let found = words(&fold(text));
    let terms: Vec<Term> = found.into_iter().map(|(s, w)| term_of(s, w)).collect();
    match terms.len() {
        0 => Err(QueryError::new(
            column,
            "empty phrase: put at least one word between the quotes",
        )),
        1 => Ok(Node::leaf(
            Query::Term(terms.into_iter().next().unwrap_or_else(|| Term::word(""))),
            column,
        )),
        _ => Ok(Node::leaf(Query::Phrase(terms), column)),
    }
}

fn term_of(sigil: Sigil, text: String) -> Term {
    let kind = match sigil {
        Sigil::None => TermKind::Word,
        Sigil::Hash => TermKind::Hashtag,
        Sigil::At => TermKind::Mention,
    };
    Term {
        kind,
        text,
        prefix: false,
    }
}

/// A bare run that is not an operator or a field: a word (or several, read as a phrase),
/// a `#hashtag`, an `@mention`, or one of those with a trailing `*`.
pub(super) fn term(run: &str, column: usize) -> Result<Node, QueryError> {
    let mut chars = run.chars();
    let first = chars.next().unwrap_or(' ');
    if first == '-' && chars.next().is_some_and(char::is_alphabetic) {
        return Err(QueryError::new(
            column,
            format!(
                "`{run}`: a leading - does not exclude a word here; write NOT {}",
                &run[1..]
            ),
        ));
    }
    if let Some(star) = run.chars().position(|c| c == '*') {
        return wildcard(run, column, star);
    }
    if let Some(rest) = strip_sigil(run, '#', '＃') {
        let (text, positional) = hashtag(rest).ok_or_else(|| {
            QueryError::new(
                column,
                format!(
                    "`{run}` is not a hashtag: after # write letters, digits and _ only, as in \
                     #lumoranights"
                ),
            )
        })?;
        return Ok(Node {
            positional: positional.then_some(()).ok_or(column),
            ..Node::leaf(
                Query::Term(Term {
                    kind: TermKind::Hashtag,
                    text,
                    prefix: false,
                }),
                column,
            )
        });
    }
    if let Some(rest) = strip_sigil(run, '@', '＠') {
        return mention(run, rest, column);
    }
    let found = words(&fold(run));
    let mut terms: Vec<Term> = found.into_iter().map(|(s, w)| term_of(s, w)).collect();
    match terms.len() {
        0 => Err(QueryError::new(
            column,
            format!("`{run}` has no letters or digits to search for"),
        )),
        1 => Ok(Node::leaf(Query::Term(terms.remove(0)), column)),
        _ => Ok(Node::leaf(Query::Phrase(terms), column)),
    }
}

fn strip_sigil(run: &str, ascii: char, wide: char) -> Option<&str> {
    run.strip_prefix(ascii).or_else(|| run.strip_prefix(wide))
}

/// The folded hashtag (without `#`) if it is made of word characters, and whether it is
/// one word of the message's words (a Chinese or Japanese hashtag is several, so it can be
/// asked for as a hashtag but not inside a phrase or `NEAR`).
fn hashtag(text: &str) -> Option<(String, bool)> {
    let folded = fold(text);
    let ok = folded.chars().all(is_word_char) && folded.chars().any(char::is_alphanumeric);
    if !ok {
        return None;
    }
    let single = single_word(&folded).as_deref() == Some(folded.as_str());
    Some((folded, single))
}

/// The folded `text` if it is exactly one word.
fn single_word(text: &str) -> Option<String> {
    let mut found = words(&fold(text));
    if found.len() == 1 {
        found.pop().map(|(_, w)| w)
    } else {
        None
    }
}

/// `@user` (one word) or `@user@server`.
fn mention(run: &str, rest: &str, column: usize) -> Result<Node, QueryError> {
    let folded = fold(rest);
    let bad = || {
        QueryError::new(
            column,
            format!(
                "`{run}` is not a mention: write @name or @name@server (letters, digits and _ \
                 in the name)"
            ),
        )
    };
    let text = match folded.split_once(['@', '＠']) {
        Some((local, server)) => {
            let local = single_word(local).ok_or_else(bad)?;
            let server_ok = !server.is_empty()
                && !server
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '*' | '@' | '＠'));
            if !server_ok {
                return Err(bad());
            }
            format!("{local}@{server}")
        }
        None => single_word(&folded).ok_or_else(bad)?,
    };
    let positional = if text.contains('@') {
        Err(column)
    } else {
        Ok(())
    };
    Ok(Node {
        positional,
        ..Node::leaf(
            Query::Term(Term {
                kind: TermKind::Mention,
                text,
                prefix: false,
            }),
            column,
        )
    })
}

/// A run containing `*` (first at char index `star`): valid only as one trailing `*`
/// after a word, hashtag or mention of at least [`MIN_WILDCARD_CHARS`] characters.
fn wildcard(run: &str, column: usize, star: usize) -> Result<Node, QueryError> {
    let n_chars = run.chars().count();
    if star + 1 != n_chars {
        return Err(QueryError::new(
            column + star,
            "`*` only works at the end of a word, as in lumora*",
        ));
    }
    let body = &run[..run.len() - 1];
    let (kind, rest) = if let Some(rest) = strip_sigil(body, '#', '＃') {
        (TermKind::Hashtag, rest)
    } else if let Some(rest) = strip_sigil(body, '@', '＠') {
        (TermKind::Mention, rest)
    } else {
        (TermKind::Word, body)
    };
    let one_word = match kind {
        TermKind::Hashtag => hashtag(rest),
        _ => single_word(rest).map(|text| (text, true)),
    };
    let (word, positional) = one_word.ok_or_else(|| {
        QueryError::new(
            column,
            format!(
                "`{run}`: a wildcard extends one word; the text before * must be a single word \
                 (letters, digits, _)"
            ),
        )
    })?;
    if word.chars().count() < MIN_WILDCARD_CHARS {
        return Err(QueryError::new(
            column,
            format!(
                "`{run}`: a wildcard needs at least {MIN_WILDCARD_CHARS} letters before *; a \
                 shorter start matches a large share of all words, which floods the topic with \
                 noise and slows every match"
            ),
        ));
    }
    Ok(Node {
        positional: positional.then_some(()).ok_or(column),
        ..Node::leaf(
            Query::Term(Term {
                kind,
                text: word,
                prefix: true,
            }),
            column,
        )
    })
}

/// The value of `name:value`, normalised the way the message's value is.
pub(super) fn field(
    name: &str,
    raw: &str,
    column: usize,
    options: &ParseOptions<'_>,
) -> Result<Field, QueryError> {
    let error = |what: &str| {
        QueryError::new(
            column,
            format!("`{name}:{raw}`: {what}, e.g. {}", lexer::example(name)),
        )
    };
    let folded = fold(raw);
    let value = folded.trim();
    if value.is_empty() {
        return Err(error("the value is empty"));
    }
    if value.contains('"') {
        return Err(error("a value cannot contain a quote"));
    }
    let no_space = || !value.chars().any(char::is_whitespace);
    match name {
        "author" => {
            let handle = value.trim_start_matches('@').trim();
            if handle.is_empty() {
                return Err(error("the value is empty"));
            }
            Ok(Field::Author(handle.to_owned()))
        }
        "channel" => {
            let known = &options.channels;
            if !known.is_empty() && !known.iter().any(|c| fold(c) == value) {
                return Err(QueryError::new(
                    column,
                    format!(
                        "`{name}:{raw}`: unknown channel; the channels are {}",
                        known.join(", ")
                    ),
                ));
            }
            Ok(Field::Channel(value.to_owned()))
        }
        "lang" => {
            let ok = value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
            if !ok {
                return Err(error("a language is a code like sv, en or pt-BR"));
            }
            Ok(Field::Lang(value.replace('_', "-")))
        }
        "sentiment" => Sentiment::parse(value)
            .map(Field::Sentiment)
            .ok_or_else(|| error("sentiment is positive, negative or neutral")),
        "site" => {
            let (host, normalized) = normalize_url(value);
            if host.is_empty() || !no_space() {
                return Err(error("site: takes a domain"));
            }
            if normalized != strip_www(&host) {
                return Err(error(
                    "site: takes a domain without a path (use url: for a path)",
                ));
            }
            Ok(Field::Site(host))
        }
        _ => {
            let (host, normalized) = normalize_url(value);
            if host.is_empty() || !no_space() {
                return Err(error("url: takes a web address without spaces"));
            }
            Ok(Field::Url(normalized))
        }
    }
}
