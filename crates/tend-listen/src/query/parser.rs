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

use crate::error::QueryError;
use crate::query::lexer::{self, Kind, Lexeme};
use crate::query::operand::{field, phrase, term};
use crate::query::{MAX_DEPTH, MAX_QUERY_CHARS, ParseOptions, Query};

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
pub(super) struct Node {
    pub query: Query,
    pub column: usize,
    /// `Err(column)` when the piece has nothing to find.
    pub positive: Result<(), usize>,
    /// `Err(column)` when the piece cannot be an operand of `NEAR`.
    pub positional: Result<(), usize>,
}

impl Node {
    pub fn leaf(query: Query, column: usize) -> Node {
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
