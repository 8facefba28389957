//! Cutting a query into lexemes: parentheses, quoted phrases, operators, field filters
//! and bare runs (everything up to whitespace, a parenthesis or a quote). What a bare run
//! means (word, hashtag, wildcard …) is the parser's business.

use crate::error::QueryError;
use crate::query::{FIELD_NAMES, MAX_NEAR_DISTANCE};

/// One lexeme and the 1-based column where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Lexeme {
    pub kind: Kind,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    Open,
    Close,
    And,
    Or,
    Not,
    Near {
        distance: u32,
        ordered: bool,
    },
    /// `"…"`: the text between the quotes, and the column of its first character.
    Phrase {
        text: String,
        text_column: usize,
    },
    /// A run of other characters.
    Bare(String),
    /// `name:value` or `name:"value"`; `value_column` is where the value starts.
    Field {
        name: &'static str,
        value: String,
        value_column: usize,
    },
    /// `name:(`: a group of values follows, up to the matching `)`.
    FieldGroup {
        name: &'static str,
    },
}

impl Kind {
    /// Whether this lexeme can begin an operand (and so, after another operand, implies
    /// `AND`).
    pub fn starts_operand(&self) -> bool {
        matches!(
            self,
            Kind::Open
                | Kind::Not
                | Kind::Phrase { .. }
                | Kind::Bare(_)
                | Kind::Field { .. }
                | Kind::FieldGroup { .. }
        )
    }

    /// How the lexeme is written, for error messages.
    pub fn describe(&self) -> String {
        match self {
            Kind::Open => "(".to_owned(),
            Kind::Close => ")".to_owned(),
            Kind::And => "AND".to_owned(),
            Kind::Or => "OR".to_owned(),
            Kind::Not => "NOT".to_owned(),
            Kind::Near { distance, ordered } => {
                format!("NEAR/{distance}{}", if *ordered { "f" } else { "" })
            }
            Kind::Phrase { text, .. } => format!("\"{text}\""),
            Kind::Bare(text) => text.clone(),
            Kind::Field { name, value, .. } => format!("{name}:{value}"),
            Kind::FieldGroup { name } => format!("{name}:("),
        }
    }
}

/// Cuts `chars` (the whole query) into lexemes.
pub(super) fn lex(chars: &[char]) -> Result<Vec<Lexeme>, QueryError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let kind = match c {
            '(' => {
                i += 1;
                Kind::Open
            }
            ')' => {
                i += 1;
                Kind::Close
            }
            '"' => {
                let (text, end) = quoted(chars, i)?;
                i = end;
                Kind::Phrase {
                    text,
                    text_column: column + 1,
                }
            }
            _ => {
                let start = i;
                while i < chars.len() && !ends_bare(chars[i]) {
                    i += 1;
                }
                let run: String = chars[start..i].iter().collect();
                bare(run, column, chars, &mut i)?
            }
        };
        out.push(Lexeme { kind, column });
    }
    Ok(out)
}

fn ends_bare(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

/// The text of the quote opening at `chars[open]` and the index after its closing quote.
fn quoted(chars: &[char], open: usize) -> Result<(String, usize), QueryError> {
    let close = chars[open + 1..]
        .iter()
        .position(|&c| c == '"')
        .map(|offset| open + 1 + offset)
        .ok_or_else(|| {
            QueryError::new(
                open + 1,
                "this quote is never closed: end the phrase with another \"",
            )
        })?;
    Ok((chars[open + 1..close].iter().collect(), close + 1))
}

/// Classifies a bare run: operator, `NEAR/…`, field filter or plain run. `i` is the index
/// after the run; a field whose value is quoted or grouped moves it on.
fn bare(run: String, column: usize, chars: &[char], i: &mut usize) -> Result<Kind, QueryError> {
    match run.as_str() {
        "AND" => return Ok(Kind::And),
        "OR" => return Ok(Kind::Or),
        "NOT" => return Ok(Kind::Not),
        _ => {}
    }
    if run == "NEAR" || run.starts_with("NEAR/") {
        return near(&run, column);
    }
    let Some((name, value)) = run.split_once(':') else {
        return Ok(Kind::Bare(run));
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphabetic()) {
        return Ok(Kind::Bare(run));
    }
    let lower = name.to_ascii_lowercase();
    let Some(name) = FIELD_NAMES.into_iter().find(|f| *f == lower) else {
        return Err(QueryError::new(
            column,
            format!(
                "unknown field `{name}:`; the fields are {}. To search for the text itself, \
                 put it in quotes: \"{run}\"",
                FIELD_NAMES.map(|f| format!("{f}:")).join(", ")
            ),
        ));
    };
    let value_column = column + name.len() + 1;
    if !value.is_empty() {
        return Ok(Kind::Field {
            name,
            value: value.to_owned(),
            value_column,
        });
    }
    match chars.get(*i) {
        Some('"') => {
            let (value, end) = quoted(chars, *i)?;
            *i = end;
            Ok(Kind::Field {
                name,
                value,
                value_column: value_column + 1,
            })
        }
        Some('(') => {
            *i += 1;
            Ok(Kind::FieldGroup { name })
        }
        _ => Err(QueryError::new(
            column,
            format!(
                "`{name}:` needs a value right after the colon, e.g. {}",
                example(name)
            ),
        )),
    }
}

/// An example filter for `name`, for error messages.
pub(super) fn example(name: &str) -> &'static str {
    match name {
        "author" => "author:lumora or author:\"Anna Svensson\"",
        "channel" => "channel:reddit",
        "lang" => "lang:sv",
        "sentiment" => "sentiment:negative",
        "site" => "site:lumora.com",
        _ => "url:lumora.com/nights",
    }
}

fn near(run: &str, column: usize) -> Result<Kind, QueryError> {
    let error = || {
        QueryError::new(
            column,
            format!(
                "`{run}`: NEAR needs a distance, NEAR/3 (within 3 words, either order) or \
                 NEAR/3f (left before right), from 0 to {MAX_NEAR_DISTANCE}"
            ),
        )
    };
    let spec = run.strip_prefix("NEAR/").ok_or_else(error)?;
    let (digits, ordered) = match spec.strip_suffix('f') {
        Some(digits) => (digits, true),
        None => (spec, false),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(error());
    }
    match digits.parse::<u32>() {
        Ok(distance) if distance <= MAX_NEAR_DISTANCE => Ok(Kind::Near { distance, ordered }),
        _ => Err(error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(query: &str) -> Vec<(Kind, usize)> {
        let chars: Vec<char> = query.chars().collect();
        lex(&chars)
            .unwrap()
            .into_iter()
            .map(|l| (l.kind, l.column))
            .collect()
    }

    #[test]
    fn cuts_operators_phrases_fields_and_runs() {
        assert_eq!(
            kinds(r#"(lumora OR "hub glow") NEAR/3f author:"Anna S" site:(a.com)"#),
            [
                (Kind::Open, 1),
                (Kind::Bare("lumora".into()), 2),
                (Kind::Or, 9),
                (
                    Kind::Phrase {
                        text: "hub glow".into(),
                        text_column: 13
                    },
                    12
                ),
                (Kind::Close, 22),
                (
                    Kind::Near {
                        distance: 3,
                        ordered: true
                    },
                    24
                ),
                (
                    Kind::Field {
                        name: "author",
                        value: "Anna S".into(),
                        value_column: 40
                    },
                    32
                ),
                (Kind::FieldGroup { name: "site" }, 48),
                (Kind::Bare("a.com".into()), 54),
                (Kind::Close, 59),
            ]
        );
    }

    #[test]
    fn lower_case_operators_and_colons_after_digits_are_plain_runs() {
        assert_eq!(
            kinds("and or not near 10:30"),
            [
                (Kind::Bare("and".into()), 1),
                (Kind::Bare("or".into()), 5),
                (Kind::Bare("not".into()), 8),
                (Kind::Bare("near".into()), 12),
                (Kind::Bare("10:30".into()), 17),
            ]
        );
    }
}
