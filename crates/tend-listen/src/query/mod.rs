//! The topic query language: its syntax tree, reading (`Query::parse`) and writing
//! (`Display`, which reads back to the same tree).
//!
//! The user-facing reference is `docs/query-language.md`. In short: words, `"phrases"`,
//! `#hashtags`, `@mentions`, trailing wildcards (`lumora*`), field filters (`author:`,
//! `channel:`, `lang:`, `sentiment:`, `site:`, `url:`), `NEAR/n` and `NEAR/nf`, `NOT`,
//! `AND` (also implied between adjacent operands), `OR` and parentheses. Precedence,
//! tightest first: `NEAR`, `NOT`, `AND`, `OR`. Operators are upper case; `and`, `or`,
//! `not`, `near` in lower case are ordinary words.
//!
//! Every word in the tree is already folded (`crate::fold`) and cut into words the way
//! messages are, so matching compares strings as they are.

mod lexer;
mod operand;
mod parser;

use std::fmt;
use std::str::FromStr;

use crate::document::Sentiment;
use crate::error::QueryError;

/// Largest distance `NEAR/n` accepts.
pub const MAX_NEAR_DISTANCE: u32 = 100;
/// Fewest characters (after folding) a wildcard needs before its `*`.
pub const MIN_WILDCARD_CHARS: usize = 3;
/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 10_000;
/// Deepest nesting of parentheses and `NOT`s accepted.
pub const MAX_DEPTH: usize = 64;

/// A parsed query. `And` and `Or` have at least two children and never a child of their
/// own kind (nested groups are flattened), so equal queries have equal trees.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Query {
    /// One word, hashtag or mention, exact or with a trailing wildcard.
    Term(Term),
    /// Two or more words in a row (never wildcards).
    Phrase(Vec<Term>),
    /// `left NEAR/distance right`: at most `distance` words between an occurrence of
    /// each side; with `ordered` (`NEAR/nf`) the left side comes first. Each side is a
    /// `Term`, a `Phrase` or an `Or` of those.
    Near {
        left: Box<Query>,
        right: Box<Query>,
        distance: u32,
        ordered: bool,
    },
    /// A filter on the message's metadata.
    Field(Field),
    /// Matches when the inner query does not.
    Not(Box<Query>),
    /// Matches when every child does.
    And(Vec<Query>),
    /// Matches when any child does.
    Or(Vec<Query>),
}

/// What a term looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TermKind {
    /// A word wherever it is written, also as `#word` or `@word`.
    Word,
    /// `#tag`: one of the message's hashtags (in a phrase or `NEAR`: the word written
    /// with `#`).
    Hashtag,
    /// `@user` or `@user@host`: one of the message's mentions (in a phrase or `NEAR`:
    /// the word written with `@`).
    Mention,
}

/// A word, hashtag or mention of a query.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Term {
    pub kind: TermKind,
    /// Folded text without sigil or `*`. One word, except a fediverse mention
    /// (`user@host`).
    pub text: String,
    /// Written with a trailing `*`: matches words that start with `text`.
    pub prefix: bool,
}

impl Term {
    /// A plain word (folded by the caller).
    pub fn word(text: impl Into<String>) -> Term {
        Term {
            kind: TermKind::Word,
            text: text.into(),
            prefix: false,
        }
    }

    /// Whether `word`, written with `sigil`, is an occurrence of this term inside a
    /// phrase or `NEAR` (mentions with a host never appear there).
    pub(crate) fn matches_word(&self, word: &str, sigil: crate::tokens::Sigil) -> bool {
        let kind_ok = match self.kind {
            TermKind::Word => true,
            TermKind::Hashtag => sigil == crate::tokens::Sigil::Hash,
            TermKind::Mention => sigil == crate::tokens::Sigil::At,
        };
        kind_ok && self.matches_text(word)
    }

    /// Whether `text` equals this term, or starts with it for a wildcard.
    pub(crate) fn matches_text(&self, text: &str) -> bool {
        if self.prefix {
            text.starts_with(self.text.as_str())
        } else {
            text == self.text
        }
    }
}

/// A metadata filter. Values are normalised as the message's values are (see
/// `docs/query-language.md`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    /// `author:` — the handle (without `@`) or the display name, folded.
    Author(String),
    /// `channel:` — the channel kind's name, folded.
    Channel(String),
    /// `lang:` — a language code; `lang:pt` also matches `pt-BR`.
    Lang(String),
    /// `sentiment:` — the sentiment label.
    Sentiment(Sentiment),
    /// `site:` — a domain; matches it and its subdomains.
    Site(String),
    /// `url:` — a URL prefix ending at a path boundary, without scheme and `www.`.
    Url(String),
}

impl Field {
    /// The field's name as written before the colon.
    pub fn name(&self) -> &'static str {
        match self {
            Field::Author(_) => "author",
            Field::Channel(_) => "channel",
            Field::Lang(_) => "lang",
            Field::Sentiment(_) => "sentiment",
            Field::Site(_) => "site",
            Field::Url(_) => "url",
        }
    }

    /// The value as written after the colon.
    pub fn value(&self) -> &str {
        match self {
            Field::Author(v) | Field::Channel(v) | Field::Lang(v) => v,
            Field::Site(v) | Field::Url(v) => v,
            Field::Sentiment(s) => s.as_str(),
        }
    }
}

/// The field names, as listed in errors.
pub(crate) const FIELD_NAMES: [&str; 6] = ["author", "channel", "lang", "sentiment", "site", "url"];

/// What a query may name beyond the language itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions<'a> {
    /// The channel names `channel:` accepts (e.g. every `ChannelKind`'s stable name), so
    /// a typo is an error rather than a filter that never matches. Empty: any name.
    pub channels: &'a [&'a str],
}

impl Query {
    /// Reads a query; see `docs/query-language.md` for the language. Any `channel:` name
    /// is accepted; see [`Query::parse_with`].
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        parser::parse(text, &ParseOptions::default())
    }

    /// Reads a query, checking names against `options`.
    pub fn parse_with(text: &str, options: &ParseOptions<'_>) -> Result<Query, QueryError> {
        parser::parse(text, options)
    }

    /// Whether this query matches `doc`, evaluated directly on the tree: the obvious,
    /// slow reference the compiled [`crate::TopicSet`] is tested against. Use a
    /// `TopicSet` to match many topics or many messages.
    pub fn matches(&self, doc: &crate::Document<'_>) -> bool {
        crate::reference::matches(self, &crate::document::Prepared::new(doc))
    }
}

impl FromStr for Query {
    type Err = QueryError;

    fn from_str(text: &str) -> Result<Query, QueryError> {
        Query::parse(text)
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sigil = match self.kind {
            TermKind::Word => "",
            TermKind::Hashtag => "#",
            TermKind::Mention => "@",
        };
        let star = if self.prefix { "*" } else { "" };
        write!(f, "{sigil}{}{star}", self.text)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.value();
        let needs_quotes = value.is_empty()
            || value
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"'));
        if needs_quotes {
            write!(f, "{}:\"{value}\"", self.name())
        } else {
            write!(f, "{}:{value}", self.name())
        }
    }
}

/// Writes the query in the language, with the parentheses its structure needs (and a
/// few more for readability: around `AND` inside `OR` and `NEAR` after `NOT`).
/// Parsing the output gives back an equal tree.
impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::Term(term) => write!(f, "{term}"),
            Query::Phrase(terms) => {
                f.write_str("\"")?;
                for (i, term) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{term}")?;
                }
                f.write_str("\"")
            }
            Query::Near {
                left,
                right,
                distance,
                ordered,
            } => {
                let order = if *ordered { "f" } else { "" };
                write_grouped(f, left, |q| matches!(q, Query::Or(_)))?;
                write!(f, " NEAR/{distance}{order} ")?;
                write_grouped(f, right, |q| matches!(q, Query::Or(_)))
            }
            Query::Field(field) => write!(f, "{field}"),
            Query::Not(inner) => {
                f.write_str("NOT ")?;
                write_grouped(f, inner, |q| {
                    matches!(q, Query::And(_) | Query::Or(_) | Query::Near { .. })
                })
            }
            Query::And(children) => write_joined(f, children, " AND ", |q| {
                matches!(q, Query::Or(_) | Query::And(_))
            }),
            Query::Or(children) => write_joined(f, children, " OR ", |q| {
                matches!(q, Query::And(_) | Query::Or(_))
            }),
        }
    }
}

fn write_grouped(
    f: &mut fmt::Formatter<'_>,
    query: &Query,
    needs_parens: impl Fn(&Query) -> bool,
) -> fmt::Result {
    if needs_parens(query) {
        write!(f, "({query})")
    } else {
        write!(f, "{query}")
    }
}

fn write_joined(
    f: &mut fmt::Formatter<'_>,
    children: &[Query],
    separator: &str,
    needs_parens: impl Fn(&Query) -> bool,
) -> fmt::Result {
    for (i, child) in children.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write_grouped(f, child, &needs_parens)?;
    }
    Ok(())
}
