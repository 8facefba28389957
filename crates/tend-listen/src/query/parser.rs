//! Recursive-descent parser over the lexemes.
//!
//! ```text
//! query   = or
//! or      = and ("OR" and)*
//! and     = unary (["AND"] unary)*          adjacent operands are joined with AND
//! unary   = "NOT" unary | near
//! near    = primary [NEAR/n primary]        no chains: a NEAR b NEAR c is an error
//! primary = "(" or ")" | term | phrase | field | field "(" value ("OR" value)* ")"
//! ```
//!
//! Each step returns the tree with what the checks need to know about it: whether it has
//! something to find (a query made only of `NOT` would match almost every message and
//! cannot be found through an index) and whether it can stand beside `NEAR`. Both carry
//! the column to blame.

use crate::document::{Sentiment, normalize_url, strip_www};
use crate::error::QueryError;
use crate::fold::fold;
use crate::query::lexer::{self, Kind, Lexeme};
use crate::query::{
    Field, MAX_DEPTH, MAX_QUERY_CHARS, MIN_WILDCARD_CHARS, ParseOptions, Query, Term, TermKind,
};
use crate::tokens::{Sigil, is_word_char, words};

pub(super) fn parse(text: &str, options: &ParseOptions<'_>) -> Result<Query, QueryError> {
    let n_chars = text.chars().count();
    if n_chars > MAX_QUERY_CHARS {
        return Err(QueryError::new(
            MAX_QUERY_CHARS + 1,
            format!(
                "the query is longer than {MAX_QUERY_CHARS} characters; split it into several topics"
            ),
        ));
    }
    let chars: Vec<char> = text.chars().collect();
    let lexemes = lexer::lex(&chars)?;
    if lexemes.is_empty() {
        return Err(QueryError::new(
            1,
            "the query is empty: write a word, a \"phrase\", a #hashtag or a filter",
        ));
    }
    let mut parser = Parser {
        options,
        lexemes,
        at: 0,
        end_column: n_chars + 1,
    };
    let node = parser.or(0)?;
    if let Some(extra) = parser.lexemes.get(parser.at) {
        return Err(match extra.kind {
            Kind::Close => {
                QueryError::new(extra.column, "this closing parenthesis has no opening one")
            }
            _ => QueryError::new(
                extra.column,
                format!("unexpected `{}`", extra.kind.describe()),
            ),
        });
    }
    if let Err(column) = node.positive {
        return Err(QueryError::new(column, NOTHING_TO_FIND));
    }
    Ok(node.query)
}

const NOTHING_TO_FIND: &str = "nothing to find here: NOT only excludes, and a query (and each \
     alternative of an OR) needs a word, phrase, hashtag or filter to find, as in \
     `lumora NOT glimmr`";

const NEAR_OPERAND: &str = "NEAR joins words, \"phrases\", #hashtags, @mentions (without \
     @server) or a parenthesised OR of them, as in (lumora OR glimmr) NEAR/3 price; \
     this is none of those";

/// A parsed piece and what the checks need to know about it.
struct Node {
    query: Query,
    column: usize,
    /// `Err(column)` when the piece has nothing to find.
    positive: Result<(), usize>,
    /// `Err(column)` when the piece cannot be an operand of `NEAR`.
    positional: Result<(), usize>,
}

impl Node {
    fn leaf(query: Query, column: usize) -> Node {
        Node {
            query,
            column,
            positive: Ok(()),
            positional: Ok(()),
        }
    }
}

struct Parser<'o> {
    options: &'o ParseOptions<'o>,
    lexemes: Vec<Lexeme>,
    at: usize,
    /// Column just past the query, for "ends too early" errors.
    end_column: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.at)
    }

    fn next(&mut self) -> Option<Lexeme> {
        let lexeme = self.lexemes.get(self.at).cloned();
        self.at += 1;
        lexeme
    }

    fn peek_starts_operand(&self) -> bool {
        self.peek().is_some_and(|l| l.kind.starts_operand())
    }

    fn or(&mut self, depth: usize) -> Result<Node, QueryError> {
        let first = self.and(depth)?;
        let mut nodes = vec![first];
        while let Some(Lexeme {
            kind: Kind::Or,
            column,
        }) = self.peek()
        {
            let column = *column;
            self.at += 1;
            if !self.peek_starts_operand() {
                return Err(QueryError::new(column, "OR needs something on its right"));
            }
            nodes.push(self.and(depth)?);
        }
        if nodes.len() == 1 {
            return Ok(nodes.remove(0));
        }
        let column = nodes[0].column;
        let positive = nodes.iter().try_for_each(|n| n.positive);
        let positional = nodes.iter().try_for_each(|n| n.positional);
        let mut children = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node.query {
                Query::Or(inner) => children.extend(inner),
                other => children.push(other),
            }
        }
        Ok(Node {
            query: Query::Or(children),
            column,
            positive,
            positional,
        })
    }

    fn and(&mut self, depth: usize) -> Result<Node, QueryError> {
        let first = self.unary(depth)?;
        let mut nodes = vec![first];
        loop {
            match self.peek() {
                Some(Lexeme {
                    kind: Kind::And,
                    column,
                }) => {
                    let column = *column;
                    self.at += 1;
                    if !self.peek_starts_operand() {
                        return Err(QueryError::new(column, "AND needs something on its right"));
                    }
                }
                Some(lexeme) if lexeme.kind.starts_operand() => {}
                _ => break,
            }
            nodes.push(self.unary(depth)?);
        }
        if nodes.len() == 1 {
            return Ok(nodes.remove(0));
        }
        let column = nodes[0].column;
        let positive = if nodes.iter().any(|n| n.positive.is_ok()) {
            Ok(())
        } else {
            Err(nodes[0].positive.err().unwrap_or(column))
        };
        let mut children = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node.query {
                Query::And(inner) => children.extend(inner),
                other => children.push(other),
            }
        }
        Ok(Node {
            query: Query::And(children),
            column,
            positive,
            positional: Err(column),
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Node, QueryError> {
        let Some(Lexeme {
            kind: Kind::Not,
            column,
        }) = self.peek()
        else {
            return self.near(depth);
        };
        let column = *column;
        self.at += 1;
        if depth + 1 > MAX_DEPTH {
            return Err(too_deep(column));
        }
        if !self.peek_starts_operand() {
            return Err(QueryError::new(column, "NOT needs something on its right"));
        }
        let inner = self.unary(depth + 1)?;
        Ok(Node {
            query: Query::Not(Box::new(inner.query)),
            column,
            positive: Err(column),
            positional: Err(column),
        })
    }

    fn near(&mut self, depth: usize) -> Result<Node, QueryError> {
        let left = self.primary(depth)?;
        let Some(Lexeme {
            kind: Kind::Near { distance, ordered },
            column,
        }) = self.peek()
        else {
            return Ok(left);
        };
        let (distance, ordered, column) = (*distance, *ordered, *column);
        let written = self.lexemes[self.at].kind.describe();
        self.at += 1;
        let right_ok = self
            .peek()
            .is_some_and(|l| l.kind.starts_operand() && l.kind != Kind::Not);
        if !right_ok {
            return Err(QueryError::new(
                column,
                format!("{written} needs a word, \"phrase\" or parenthesised OR on its right"),
            ));
        }
        let right = self.primary(depth)?;
        for operand in [&left, &right] {
            if let Err(bad) = operand.positional {
                return Err(QueryError::new(bad, NEAR_OPERAND));
            }
        }
        if let Some(Lexeme {
            kind: Kind::Near { .. },
            column,
        }) = self.peek()
        {
            return Err(QueryError::new(
                *column,
                "NEAR cannot be chained (a NEAR/3 b NEAR/3 c); combine two NEARs with AND",
            ));
        }
        Ok(Node {
            query: Query::Near {
                left: Box::new(left.query),
                right: Box::new(right.query),
                distance,
                ordered,
            },
            column: left.column,
            positive: Ok(()),
            positional: Err(left.column),
        })
    }

    fn primary(&mut self, depth: usize) -> Result<Node, QueryError> {
        let Some(Lexeme { kind, column }) = self.next() else {
            return Err(QueryError::new(self.end_column, "the query ends too early"));
        };
        match kind {
            Kind::Open => {
                if depth + 1 > MAX_DEPTH {
                    return Err(too_deep(column));
                }
                if matches!(
                    self.peek(),
                    Some(Lexeme {
                        kind: Kind::Close,
                        ..
                    })
                ) {
                    return Err(QueryError::new(
                        column,
                        "empty parentheses: put something to find between them",
                    ));
                }
                let inner = self.or(depth + 1)?;
                match self.next() {
                    Some(Lexeme {
                        kind: Kind::Close, ..
                    }) => Ok(inner),
                    _ => Err(QueryError::new(column, "this parenthesis is never closed")),
                }
            }
            Kind::Close => Err(QueryError::new(
                column,
                "this closing parenthesis has no opening one",
            )),
            Kind::And | Kind::Or | Kind::Near { .. } | Kind::Not => Err(QueryError::new(
                column,
                format!("{} needs something on its left", kind.describe()),
            )),
            Kind::Phrase { text, text_column } => phrase(&text, column, text_column),
            Kind::Bare(run) => term(&run, column),
            Kind::Field {
                name,
                value,
                value_column,
            } => {
                let field = field(name, &value, value_column, self.options)?;
                Ok(Node {
                    positional: Err(column),
                    ..Node::leaf(Query::Field(field), column)
                })
            }
            Kind::FieldGroup { name } => self.field_group(name, column),
        }
    }

    /// `name:(v1 OR v2 …)`, read as `(name:v1 OR name:v2 …)`.
    fn field_group(&mut self, name: &'static str, column: usize) -> Result<Node, QueryError> {
        let open_column = column + name.len() + 1;
        let mut fields = Vec::new();
        loop {
            let value = match self.next() {
                Some(Lexeme {
                    kind: Kind::Bare(value),
                    column,
                }) => field(name, &value, column, self.options)?,
                Some(Lexeme {
                    kind: Kind::Phrase { text, text_column },
                    ..
                }) => field(name, &text, text_column, self.options)?,
                Some(Lexeme {
                    kind: Kind::Close,
                    column,
                }) if fields.is_empty() => {
                    return Err(QueryError::new(
                        column,
                        format!("`{name}:( )` is empty: list values, as in {name}:(a OR b)"),
                    ));
                }
                Some(other) => return Err(group_error(name, &other)),
                None => {
                    return Err(QueryError::new(
                        open_column,
                        "this parenthesis is never closed",
                    ));
                }
            };
            fields.push(Query::Field(value));
            match self.next() {
                Some(Lexeme { kind: Kind::Or, .. }) => {}
                Some(Lexeme {
                    kind: Kind::Close, ..
                }) => break,
                Some(other) => return Err(group_error(name, &other)),
                None => {
                    return Err(QueryError::new(
                        open_column,
                        "this parenthesis is never closed",
                    ));
                }
            }
        }
        let query = if fields.len() == 1 {
            fields.remove(0)
        } else {
            Query::Or(fields)
        };
        Ok(Node {
            positional: Err(column),
            ..Node::leaf(query, column)
        })
    }
}

fn group_error(name: &str, found: &Lexeme) -> QueryError {
    QueryError::new(
        found.column,
        format!(
            "inside `{name}:( … )` write values separated by OR, as in {name}:(a OR b); found `{}`",
            found.kind.describe()
        ),
    )
}

fn too_deep(column: usize) -> QueryError {
    QueryError::new(
        column,
        format!("nested too deeply (more than {MAX_DEPTH} parentheses or NOTs)"),
    )
}

/// A quoted phrase: its words, folded and cut like a message's. One word is a term.
fn phrase(text: &str, column: usize, text_column: usize) -> Result<Node, QueryError> {
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
fn term(run: &str, column: usize) -> Result<Node, QueryError> {
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
fn field(
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
