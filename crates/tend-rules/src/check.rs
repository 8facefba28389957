//! The checks of a rule: search checks (spec §4: key grammar, match methods, joined and
//! negated fields, compiled once into one regex each) and threshold checks (§6 grammar,
//! including Tend's float scores).

use fancy_regex::{Regex, RegexBuilder};

use crate::pyregex;

/// Backtracking steps one regex may take on one text before the match is abandoned and
/// reported as a non-match (fancy-regex's default is 1,000,000).
pub const BACKTRACK_LIMIT: usize = 100_000;
/// Compiled-size limit for one check's regex.
const SIZE_LIMIT: usize = 8 << 20;

/// A searchable field (spec §4 plus Tend's `language`, `channel`, `member_level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    Id,
    Title,
    Domain,
    Url,
    Body,
    FlairText,
    FlairCssClass,
    FlairTemplateId,
    PollOptionText,
    PollOptionCount,
    MediaAuthor,
    MediaAuthorUrl,
    MediaTitle,
    MediaDescription,
    CrosspostId,
    CrosspostTitle,
    Name,
    Language,
    Channel,
    MemberLevel,
}

impl Field {
    pub fn parse(name: &str) -> Option<Field> {
        Some(match name {
            "id" => Field::Id,
            "title" => Field::Title,
            "domain" => Field::Domain,
            "url" => Field::Url,
            "body" => Field::Body,
            "flair_text" => Field::FlairText,
            "flair_css_class" => Field::FlairCssClass,
            "flair_template_id" => Field::FlairTemplateId,
            "poll_option_text" => Field::PollOptionText,
            "poll_option_count" => Field::PollOptionCount,
            "media_author" => Field::MediaAuthor,
            "media_author_url" => Field::MediaAuthorUrl,
            "media_title" => Field::MediaTitle,
            "media_description" => Field::MediaDescription,
            "crosspost_id" => Field::CrosspostId,
            "crosspost_title" => Field::CrosspostTitle,
            "name" => Field::Name,
            "language" => Field::Language,
            "channel" => Field::Channel,
            "member_level" => Field::MemberLevel,
            _ => return None,
        })
    }

    pub fn is_media(self) -> bool {
        matches!(
            self,
            Field::MediaAuthor
                | Field::MediaAuthorUrl
                | Field::MediaTitle
                | Field::MediaDescription
        )
    }

    pub fn is_crosspost(self) -> bool {
        matches!(self, Field::CrosspostId | Field::CrosspostTitle)
    }

    pub fn is_poll(self) -> bool {
        matches!(self, Field::PollOptionText | Field::PollOptionCount)
    }

    /// Fields of a submission (base item or `parent_submission`).
    pub fn on_submission(self) -> bool {
        !matches!(self, Field::Name | Field::MemberLevel)
    }

    /// Fields of a comment (base item only).
    pub fn on_comment(self) -> bool {
        matches!(
            self,
            Field::Id | Field::Body | Field::Language | Field::Channel
        )
    }

    /// Fields of a user (`author`).
    pub fn on_user(self) -> bool {
        matches!(
            self,
            Field::Id
                | Field::Name
                | Field::FlairText
                | Field::FlairCssClass
                | Field::FlairTemplateId
                | Field::MemberLevel
        )
    }

    /// The match method a single field gets when none is written (spec §4.5).
    fn default_method(self) -> Method {
        match self {
            Field::Id
            | Field::FlairText
            | Field::FlairCssClass
            | Field::FlairTemplateId
            | Field::MediaAuthor
            | Field::Language
            | Field::Channel
            | Field::MemberLevel => Method::FullExact,
            Field::Url | Field::MediaAuthorUrl => Method::Includes,
            _ => Method::IncludesWord,
        }
    }
}

/// How the options are looked for in a field (spec §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    IncludesWord,
    Includes,
    StartsWith,
    EndsWith,
    FullExact,
    FullText,
}

impl Method {
    fn parse(modifier: &str) -> Option<Method> {
        Some(match modifier {
            "includes-word" => Method::IncludesWord,
            "includes" => Method::Includes,
            "starts-with" => Method::StartsWith,
            "ends-with" => Method::EndsWith,
            "full-exact" => Method::FullExact,
            "full-text" => Method::FullText,
            _ => return None,
        })
    }
}

/// A search key split by the grammar `[~]field[+field…][#name] [(modifier, …)]`.
#[derive(Debug)]
pub(crate) struct SearchKey {
    pub negated: bool,
    /// The check's name for placeholders: the key without `~` and modifiers.
    pub name: String,
    pub fields: Vec<Field>,
    pub method: Option<Method>,
    pub regex: bool,
    pub case_sensitive: bool,
}

/// Reads a key as a search check. `Ok(None)`: not a search key (no known field in it);
/// `Err`: a search key with a mistake.
pub(crate) fn parse_search_key(key: &str) -> Result<Option<SearchKey>, String> {
    let (head, modifiers) = match key.find('(') {
        Some(open) => {
            let inner = key[open + 1..].trim_end();
            let Some(inner) = inner.strip_suffix(')') else {
                return Err(
                    "modifiers must be written in parentheses, e.g. `title (regex)`".into(),
                );
            };
            (key[..open].trim_end(), Some(inner))
        }
        None => (key, None),
    };
    let negated = head.starts_with('~');
    let name = head.trim_start_matches('~');
    let base = name.split('#').next().unwrap_or("");
    let parts: Vec<&str> = base.split('+').collect();
    let fields: Vec<Option<Field>> = parts.iter().map(|p| Field::parse(p.trim())).collect();
    if fields.iter().all(Option::is_none) {
        return Ok(None);
    }
    if head.chars().any(char::is_whitespace) || name.is_empty() {
        return Err(
            "a search key is `field+field#name (modifiers)` without spaces in the name".into(),
        );
    }
    if let Some(position) = fields.iter().position(Option::is_none) {
        return Err(format!("unknown field `{}`", parts[position]));
    }
    let fields: Vec<Field> = fields.into_iter().flatten().collect();
    let mut method = None;
    let mut regex = false;
    let mut case_sensitive = false;
    if let Some(modifiers) = modifiers {
        for modifier in modifiers.split(',').map(str::trim) {
            if let Some(m) = Method::parse(modifier) {
                if let Some(previous) = method
                    && previous != m
                {
                    return Err(format!(
                        "only one match method may be given, found `{}` after another",
                        modifier
                    ));
                }
                method = Some(m);
            } else if modifier == "regex" {
                regex = true;
            } else if modifier == "case-sensitive" {
                case_sensitive = true;
            } else {
                return Err(format!(
                    "unknown modifier `{modifier}` (expected includes-word, includes, starts-with, ends-with, full-exact, full-text, regex or case-sensitive)"
                ));
            }
        }
    }
    Ok(Some(SearchKey {
        negated,
        name: name.to_string(),
        fields,
        method,
        regex,
        case_sensitive,
    }))
}

/// A compiled search check.
#[derive(Debug)]
pub(crate) struct SearchCheck {
    pub key: String,
    pub name: String,
    pub line: usize,
    pub negated: bool,
    pub fields: Vec<Field>,
    pub regex: Regex,
    /// Literals one of which occurs (ASCII case-insensitively) in any text the check matches;
    /// `None` when no such set could be derived.
    pub literals: Option<Vec<String>>,
    /// A run of this many equal characters occurs in any text the check matches
    /// (`runs.rs`; 0 or 1: nothing known).
    pub required_run: usize,
    /// Index in the rule set's prefilter table (base-item checks only).
    pub slot: Option<usize>,
}

/// A check's compiled regex with what the prefilters know about it.
pub(crate) struct Compiled {
    pub regex: Regex,
    pub literals: Option<Vec<String>>,
    pub required_run: usize,
}

/// Why a search check could not be compiled.
pub(crate) struct CompileError {
    /// Index of the option that fails on its own, if one does.
    pub option: Option<usize>,
    pub message: String,
}

impl SearchKey {
    /// Builds the check's regex from its options (spec §4 "value handling").
    pub fn compile(&self, options: &[String]) -> Result<Compiled, CompileError> {
        let items: Vec<String> = options
            .iter()
            .map(|o| {
                if self.regex {
                    pyregex::translate(o)
                } else {
                    fancy_regex::escape(o).into_owned()
                }
            })
            .collect();
        let alternation = format!("({})", items.join("|"));
        let method = self.method.unwrap_or(if self.fields.len() > 1 {
            Method::IncludesWord
        } else {
            self.fields[0].default_method()
        });
        let domain_rule = self.method.is_none() && self.fields == [Field::Domain];
        let v = if domain_rule {
            format!(r"(?:.*?\.)?{alternation}")
        } else {
            alternation
        };
        let wrapped = match method {
            Method::IncludesWord => format!(r"(?:^|\W|\b){v}(?:$|\W|\b)"),
            Method::Includes => v,
            Method::StartsWith => format!("^{v}"),
            Method::EndsWith => format!(r"{v}\n?\z"),
            Method::FullExact => format!(r"^{v}\n?\z"),
            Method::FullText => format!(r"^\W*{v}\W*\n?\z"),
        };
        let flags = if self.case_sensitive { "(?s)" } else { "(?si)" };
        let pattern = format!("{flags}{wrapped}");
        // Python refuses a backreference to a group that is still open (`\1` in an option
        // names the group wrapping all options); fancy-regex would accept a regex that never
        // matches.
        for (index, item) in items.iter().enumerate().filter(|_| self.regex) {
            if let Some(group) = crate::runs::open_group_reference(&format!("{flags}({item})")) {
                let message = if group == 1 {
                    "cannot refer to an open group: `\\1` is the whole option (the options are wrapped in group 1), so your own groups start at 2 — write `\\2` for the first".to_string()
                } else {
                    format!(
                        "cannot refer to an open group: group {group} is not closed where it is referenced (the options are wrapped in group 1, so your own groups start at 2)"
                    )
                };
                return Err(CompileError {
                    option: Some(index),
                    message,
                });
            }
        }
        let literals = crate::prefilter::literals(&items, self.regex, options, self.case_sensitive);
        // fancy-regex's "seek" runs a regular over-approximation before its backtracking VM.
        // Without literals that approximation matches almost anywhere and only adds a pass
        // (a `(.)\2{6,}` check costs a third less without it).
        match build(&pattern, literals.is_some()) {
            Ok(regex) => Ok(Compiled {
                regex,
                literals,
                required_run: crate::runs::required_run(&pattern),
            }),
            Err(message) => {
                let option = items
                    .iter()
                    .position(|item| build(&format!("{flags}({item})"), true).is_err());
                let message = match option {
                    Some(index) => build(&format!("{flags}({})", items[index]), true)
                        .err()
                        .unwrap_or(message),
                    None => message,
                };
                Err(CompileError { option, message })
            }
        }
    }
}

fn build(pattern: &str, seek: bool) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .backtrack_limit(BACKTRACK_LIMIT)
        .seek(seek)
        .delegate_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// A comparison (`<`, `>`, or equality when the operator is missing, `=` or `==`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Lt,
    Gt,
    Eq,
}

impl Cmp {
    pub fn holds<T: PartialOrd>(self, left: T, right: T) -> bool {
        match self {
            Cmp::Lt => left < right,
            Cmp::Gt => left > right,
            Cmp::Eq => left == right,
        }
    }
}

/// Splits `<op> <rest>`; rejects `<=`, `>=` and other operators with a message.
fn split_operator(text: &str) -> Result<(Cmp, &str), String> {
    let text = text.trim();
    for bad in ["<=", ">=", "=<", "=>", "!=", "<>"] {
        if text.starts_with(bad) {
            return Err(format!(
                "`{bad}` is not an operator here: use `<`, `>` or nothing/`==` for equality (e.g. `< 6` instead of `<= 5`)"
            ));
        }
    }
    if let Some(rest) = text.strip_prefix("==") {
        return Ok((Cmp::Eq, rest.trim_start()));
    }
    if let Some(rest) = text.strip_prefix('=') {
        return Ok((Cmp::Eq, rest.trim_start()));
    }
    if let Some(rest) = text.strip_prefix('<') {
        return Ok((Cmp::Lt, rest.trim_start()));
    }
    if let Some(rest) = text.strip_prefix('>') {
        return Ok((Cmp::Gt, rest.trim_start()));
    }
    Ok((Cmp::Eq, text))
}

/// Karma grammar `^(==?|<|>)?\s*-?\d+$`.
pub(crate) fn parse_int_threshold(text: &str) -> Result<(Cmp, i64), String> {
    let (cmp, rest) = split_operator(text)?;
    let digits = rest.strip_prefix('-').unwrap_or(rest);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{text}` is not a threshold: write a number with an optional `<`, `>` or `==`, e.g. \"< 10\""
        ));
    }
    rest.parse()
        .map(|v| (cmp, v))
        .map_err(|_| format!("`{text}`: number too large"))
}

/// Tend's score grammar: like karma, with decimals (`"> 0.8"`, `"< -0.5"`).
pub(crate) fn parse_float_threshold(text: &str) -> Result<(Cmp, f32), String> {
    let (cmp, rest) = split_operator(text)?;
    let digits = rest.strip_prefix('-').unwrap_or(rest);
    let valid = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|&c| c == '.').count() <= 1
        && digits != ".";
    if !valid {
        return Err(format!(
            "`{text}` is not a threshold: write a number with an optional `<`, `>` or `==`, e.g. \"> 0.8\""
        ));
    }
    rest.parse()
        .map(|v| (cmp, v))
        .map_err(|_| format!("`{text}` is not a number"))
}

/// Age grammar `^(==?|<|>)?\s*\d+\s*((minute|hour|day|week|month|year)s?)?$`; days by default.
/// Returns the comparison, the count and the unit in seconds.
pub(crate) fn parse_age_threshold(text: &str) -> Result<(Cmp, u64, u64), String> {
    let (cmp, rest) = split_operator(text)?;
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, unit) = rest.split_at(digits_end);
    let unit = unit.trim().to_ascii_lowercase();
    let unit_secs = match unit.strip_suffix('s').unwrap_or(&unit) {
        "" | "day" => 86_400,
        "minute" => 60,
        "hour" => 3_600,
        "week" => 7 * 86_400,
        "month" => 30 * 86_400,
        "year" => 365 * 86_400,
        _ => {
            return Err(format!(
                "`{text}` is not an age: write e.g. \"< 7 days\" (units: minutes, hours, days, weeks, months, years)"
            ));
        }
    };
    if digits.is_empty() {
        return Err(format!(
            "`{text}` is not an age: write e.g. \"< 7 days\" (units: minutes, hours, days, weeks, months, years)"
        ));
    }
    let count: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}`: number too large"))?;
    Ok((cmp, count, unit_secs))
}

/// Contributor quality grammar: `< moderate` over lowest < low < moderate < high < highest.
pub(crate) fn parse_quality_threshold(text: &str) -> Result<(Cmp, u8), String> {
    let (cmp, rest) = split_operator(text)?;
    let rank = match rest.trim().to_ascii_lowercase().as_str() {
        "lowest" => 0,
        "low" => 1,
        "moderate" => 2,
        "high" => 3,
        "highest" => 4,
        _ => {
            return Err(format!(
                "`{text}` is not a quality: use lowest, low, moderate, high or highest"
            ));
        }
    };
    Ok((cmp, rank))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_grammar() {
        assert_eq!(parse_int_threshold("< 10"), Ok((Cmp::Lt, 10)));
        assert_eq!(parse_int_threshold("> 10"), Ok((Cmp::Gt, 10)));
        assert_eq!(parse_int_threshold("10"), Ok((Cmp::Eq, 10)));
        assert_eq!(parse_int_threshold("== 10"), Ok((Cmp::Eq, 10)));
        assert_eq!(parse_int_threshold("< -50"), Ok((Cmp::Lt, -50)));
        assert!(parse_int_threshold("<= 5").unwrap_err().contains("`<=`"));
        assert!(parse_int_threshold("< ten").is_err());
        assert_eq!(parse_age_threshold("< 60 hours"), Ok((Cmp::Lt, 60, 3600)));
        assert_eq!(
            parse_age_threshold("> 1 year"),
            Ok((Cmp::Gt, 1, 365 * 86400))
        );
        assert_eq!(parse_age_threshold("< 7"), Ok((Cmp::Lt, 7, 86400)));
        assert!(parse_age_threshold("< 7 fortnights").is_err());
        assert_eq!(parse_float_threshold("> 0.8"), Ok((Cmp::Gt, 0.8)));
        assert_eq!(parse_float_threshold("< -0.5"), Ok((Cmp::Lt, -0.5)));
        assert!(parse_float_threshold(">= 0.5").is_err());
        assert_eq!(parse_quality_threshold("< moderate"), Ok((Cmp::Lt, 2)));
    }

    #[test]
    fn key_grammar() {
        let k = parse_search_key("~title+body#color (includes, regex)")
            .unwrap()
            .unwrap();
        assert!(k.negated && k.regex);
        assert_eq!(k.name, "title+body#color");
        assert_eq!(k.fields, vec![Field::Title, Field::Body]);
        assert_eq!(k.method, Some(Method::Includes));
        assert!(parse_search_key("action").unwrap().is_none());
        assert!(parse_search_key("title+nope").is_err());
        assert!(parse_search_key("title (includes, starts-with)").is_err());
        assert!(parse_search_key("title (shouting)").is_err());
    }
}
