//! The YAML layer: splits a rule file into documents, parses each with `saphyr-parser`'s event
//! API into a small tree that remembers line numbers, and resolves plain scalars the way
//! AutoModerator's YAML 1.1 loader (PyYAML) does — `yes`/`no`/`on`/`off` are booleans,
//! `0x1f` and `0123` are numbers — then renders them as Python's `str()` would, because that is
//! the text AutoModerator searches for (spec §1, §4 "every item is cast to a string").
//!
//! Documents are cut at lines that start with exactly `---` (followed by a space or the line's
//! end), as AutoModerator's documentation says, before YAML sees them: an error in one document
//! is reported with its own number and does not hide the others.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::diagnostic::Diagnostic;

/// Deepest nesting accepted in one document; AutoModerator rules need three levels.
const MAX_DEPTH: usize = 32;
/// Most nodes one document may expand to through aliases (guards against "billion laughs").
const MAX_NODES: usize = 200_000;

/// One `---`-separated section of the rule file.
#[derive(Debug)]
pub(crate) struct Document {
    /// 1-based document number.
    pub number: usize,
    /// File line (1-based) of the document's first line (its `---` line, if any).
    pub first_line: usize,
    /// The section's text, `---` line included.
    pub source: String,
    /// The parsed value; `None` when the section holds only comments or fails to parse.
    pub root: Option<Node>,
}

/// A YAML value with the file line it starts on.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub line: usize,
    pub value: Value,
    /// Nodes in this subtree (for the alias budget).
    size: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A scalar after YAML 1.1 resolution.
#[derive(Debug, Clone)]
pub(crate) struct Scalar {
    /// The scalar's text as written (after YAML unquoting).
    pub text: String,
    pub kind: ScalarKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ScalarKind {
    Null,
    Bool(bool),
    Int,
    Float(f64),
    Str,
}

impl Scalar {
    /// The string Python's `str()` gives for the loaded value: `True`, `None`, `291` for `0x123`.
    pub fn py_str(&self) -> String {
        match self.kind {
            ScalarKind::Null => "None".to_string(),
            ScalarKind::Bool(true) => "True".to_string(),
            ScalarKind::Bool(false) => "False".to_string(),
            ScalarKind::Int => int_to_decimal(&self.text).unwrap_or_else(|| self.text.clone()),
            ScalarKind::Float(value) => py_float_repr(value),
            ScalarKind::Str => self.text.clone(),
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            ScalarKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self.kind {
            ScalarKind::Int => int_to_decimal(&self.text)?.parse().ok(),
            _ => None,
        }
    }
}

impl Node {
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// A short name of the node's shape for error messages.
    pub fn shape(&self) -> &'static str {
        match &self.value {
            Value::Scalar(s) if s.kind == ScalarKind::Null => "an empty value",
            Value::Scalar(_) => "a single value",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Splits `source` into documents and parses each one. Parse errors become error diagnostics;
/// their documents have `root: None`.
pub(crate) fn load(source: &str) -> (Vec<Document>, Vec<Diagnostic>) {
    let mut documents = Vec::new();
    let mut diagnostics = Vec::new();
    for (first_line, text) in sections(source) {
        let number = documents.len() + 1;
        let root = match parse_section(&text, first_line) {
            Ok(root) => root,
            Err((line, message)) => {
                let text = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
                let (key, hint) = key_on_line(text);
                let message = match hint {
                    Some(hint) => format!("{message} ({hint})"),
                    None => message,
                };
                diagnostics.push(Diagnostic::error(number, line, key.as_deref(), message));
                None
            }
        };
        documents.push(Document {
            number,
            first_line,
            source: text,
            root,
        });
    }
    (documents, diagnostics)
}

/// The key and a hint for the classic mistake of an unquoted `>` threshold
/// (`comment_karma: > 10`), which YAML reports as a bad block scalar.
fn key_on_line(line: &str) -> (Option<String>, Option<&'static str>) {
    let trimmed = line.trim_start().trim_start_matches("- ");
    let Some((key, value)) = trimmed.split_once(':') else {
        return (None, None);
    };
    let key = key.trim();
    if key.is_empty() || key.starts_with(['#', '"', '\'', '[', '{']) {
        return (None, None);
    }
    let value = value.trim_start();
    // Only this mistake names its key: for other errors the line YAML reports is often the one
    // after the real mistake (an unclosed bracket), and naming its key would mislead.
    if value.starts_with('>')
        && value[1..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
    {
        return (
            Some(key.to_lowercase()),
            Some(
                "an unquoted `>` starts a folded text block in YAML: quote greater-than checks, e.g. '> 10'",
            ),
        );
    }
    (None, None)
}

/// Cuts the file at `---` lines. The text before the first separator is a document only if it
/// holds something besides blank lines and comments (as in YAML, where it is then an implicit
/// document). Returns (first line, text) pairs.
fn sections(source: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut current = String::new();
    let mut current_start = 1;
    let mut explicit = false;
    for (index, line) in source.split_inclusive('\n').enumerate() {
        if is_separator(line) {
            if explicit || has_content(&current) {
                out.push((current_start, std::mem::take(&mut current)));
            }
            current.clear();
            current_start = index + 1;
            explicit = true;
        }
        current.push_str(line);
    }
    if explicit || has_content(&current) {
        out.push((current_start, current));
    }
    out
}

fn is_separator(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("---") else {
        return false;
    };
    rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n'])
}

fn has_content(text: &str) -> bool {
    text.lines().any(|line| {
        let trimmed = line.trim();
        !trimmed.is_empty() && !trimmed.starts_with('#')
    })
}

/// The name and description of a document: its first comment line, and the comment lines that
/// directly follow it.
pub(crate) fn leading_comment(text: &str) -> (Option<String>, String) {
    let mut name: Option<String> = None;
    let mut description: Vec<String> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut trimmed = line.trim();
        if index == 0 && is_separator(line) {
            trimmed = trimmed[3..].trim();
            if trimmed.is_empty() {
                continue;
            }
        }
        if trimmed.is_empty() {
            if name.is_some() {
                break;
            }
            continue;
        }
        let Some(comment) = trimmed.strip_prefix('#') else {
            break;
        };
        let comment = comment.trim_matches(|c: char| c == '#' || c.is_whitespace());
        if comment.is_empty() {
            continue;
        }
        if name.is_none() {
            name = Some(comment.to_string());
        } else {
            description.push(comment.to_string());
        }
    }
    (name, description.join(" "))
}

/// The rule's text for hashing: without the separator line, trailing spaces or blank edges.
pub(crate) fn normalized_source(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    if lines.first().is_some_and(|l| is_separator(l)) {
        lines.remove(0);
    }
    while lines.first().is_some_and(|l| l.is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

type ParseError = (usize, String);

/// Parses one section into a node tree (`None` for an empty document).
fn parse_section(text: &str, first_line: usize) -> Result<Option<Node>, ParseError> {
    let line_of = |line: usize| first_line + line.saturating_sub(1);
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    let mut documents = 0usize;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            (
                line_of(e.marker().line()),
                format!("invalid YAML: {}", e.info()),
            )
        })?;
        let line = line_of(span.start.line());
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err((
                        line,
                        "a second YAML document inside one rule; separate rules with a line of exactly `---`"
                            .to_string(),
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let explicit_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let scalar = resolve(&text, style, explicit_str);
                builder.push_value(
                    Node {
                        line,
                        value: Value::Scalar(scalar),
                        size: 1,
                    },
                    anchor,
                )?;
            }
            Event::SequenceStart(anchor, _) => builder.open(line, anchor, false)?,
            Event::MappingStart(anchor, _) => builder.open(line, anchor, true)?,
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
            Event::Alias(id) => {
                let node = builder
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| (line, "unknown YAML alias".to_string()))?;
                builder.budget(node.size, line)?;
                builder.push_value(node, 0)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    Ok(builder.root)
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    root: Option<Node>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
}

struct Open {
    line: usize,
    anchor: usize,
    is_map: bool,
    items: Vec<Node>,
}

impl Builder {
    fn budget(&mut self, nodes: usize, line: usize) -> Result<(), ParseError> {
        self.nodes += nodes;
        if self.nodes > MAX_NODES {
            return Err((
                line,
                format!("document too large (more than {MAX_NODES} values)"),
            ));
        }
        Ok(())
    }

    fn open(&mut self, line: usize, anchor: usize, is_map: bool) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err((line, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.budget(1, line)?;
        self.stack.push(Open {
            line,
            anchor,
            is_map,
            items: Vec::new(),
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), ParseError> {
        let Some(open) = self.stack.pop() else {
            return Ok(());
        };
        let size = 1 + open.items.iter().map(|n| n.size).sum::<usize>();
        let value = if open.is_map {
            let mut pairs = Vec::with_capacity(open.items.len() / 2);
            let mut items = open.items.into_iter();
            while let Some(key) = items.next() {
                let value = items.next().unwrap_or(Node {
                    line: key.line,
                    value: Value::Scalar(resolve("", ScalarStyle::Plain, false)),
                    size: 1,
                });
                pairs.push((key, value));
            }
            Value::Map(pairs)
        } else {
            Value::Seq(open.items)
        };
        let node = Node {
            line: open.line,
            value,
            size,
        };
        self.push_value(node, open.anchor)
    }

    fn push_value(&mut self, node: Node, anchor: usize) -> Result<(), ParseError> {
        if node.size == 1 && matches!(node.value, Value::Scalar(_)) {
            self.budget(1, node.line)?;
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(open) => open.items.push(node),
            None => self.root = Some(node),
        }
        Ok(())
    }
}

/// YAML 1.1 resolution of a scalar as PyYAML's `SafeLoader` does it.
fn resolve(text: &str, style: ScalarStyle, explicit_str: bool) -> Scalar {
    let kind = if style != ScalarStyle::Plain || explicit_str {
        ScalarKind::Str
    } else if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        ScalarKind::Null
    } else if matches!(
        text,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON"
    ) {
        ScalarKind::Bool(true)
    } else if matches!(
        text,
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF"
    ) {
        ScalarKind::Bool(false)
    } else if int_to_decimal(text).is_some() {
        ScalarKind::Int
    } else if let Some(value) = parse_float(text) {
        ScalarKind::Float(value)
    } else {
        ScalarKind::Str
    };
    Scalar {
        text: text.to_string(),
        kind,
    }
}

/// PyYAML's YAML 1.1 integer forms (binary, octal with a leading 0, decimal, hex, base 60)
/// rendered in decimal; `None` when `text` is not one of them.
pub(crate) fn int_to_decimal(text: &str) -> Option<String> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let digits_ok = |s: &str, radix: u32| {
        !s.is_empty()
            && s.chars().all(|c| c == '_' || c.is_digit(radix))
            && s.chars().any(|c| c != '_')
    };
    let value: i128 = if let Some(bin) = body.strip_prefix("0b") {
        if !digits_ok(bin, 2) {
            return None;
        }
        i128::from_str_radix(&bin.replace('_', ""), 2).ok()?
    } else if let Some(hex) = body.strip_prefix("0x") {
        if !digits_ok(hex, 16) {
            return None;
        }
        i128::from_str_radix(&hex.replace('_', ""), 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        let oct = &body[1..];
        if !digits_ok(oct, 8) {
            return None;
        }
        i128::from_str_radix(&oct.replace('_', ""), 8).ok()?
    } else if body.contains(':') {
        // Base 60: `[1-9][0-9_]*(:[0-5]?[0-9])+`.
        let mut parts = body.split(':');
        let head = parts.next()?;
        if !head.starts_with(|c: char| ('1'..='9').contains(&c)) || !digits_ok(head, 10) {
            return None;
        }
        let mut value: i128 = head.replace('_', "").parse().ok()?;
        for part in parts {
            let ok = (1..=2).contains(&part.len())
                && part.chars().all(|c| c.is_ascii_digit())
                && (part.len() == 1 || part.as_bytes()[0] <= b'5');
            if !ok {
                return None;
            }
            value = value
                .checked_mul(60)?
                .checked_add(part.parse::<i128>().ok()?)?;
        }
        value
    } else {
        if body.is_empty() || !(body == "0" || body.starts_with(|c: char| ('1'..='9').contains(&c)))
        {
            return None;
        }
        if !digits_ok(body, 10) {
            return None;
        }
        match body.replace('_', "").parse::<i128>() {
            Ok(v) => v,
            // Python ints are unbounded: keep the digits.
            Err(_) => {
                let digits = body.replace('_', "");
                return Some(if negative {
                    format!("-{digits}")
                } else {
                    digits
                });
            }
        }
    };
    Some(if negative {
        (-value).to_string()
    } else {
        value.to_string()
    })
}

/// PyYAML's YAML 1.1 float forms (a `.` is required; exponents carry a sign; `.inf`, `.nan`).
fn parse_float(text: &str) -> Option<f64> {
    let (sign, body) = match text.as_bytes().first()? {
        b'-' => (-1.0, &text[1..]),
        b'+' => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    if matches!(body, ".inf" | ".Inf" | ".INF") {
        return Some(sign * f64::INFINITY);
    }
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Some(f64::NAN);
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    if let Some(exp) = exponent {
        let digits = exp.strip_prefix(['+', '-'])?;
        if exp.len() == digits.len()
            || digits.is_empty()
            || !digits.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
    }
    let (int_part, frac_part) = mantissa.split_once('.')?;
    if int_part.contains(':') {
        return None;
    }
    let int_ok = int_part.is_empty() && !frac_part.is_empty() && exponent.is_none() || {
        int_part.starts_with(|c: char| c.is_ascii_digit())
            && int_part.chars().all(|c| c == '_' || c.is_ascii_digit())
    };
    let frac_ok = frac_part.chars().all(|c| c == '_' || c.is_ascii_digit());
    if !int_ok || !frac_ok || (int_part.is_empty() && exponent.is_some()) {
        return None;
    }
    let cleaned = format!(
        "{}.{}{}",
        if int_part.is_empty() {
            "0".to_string()
        } else {
            int_part.replace('_', "")
        },
        frac_part.replace('_', ""),
        exponent.map(|e| format!("e{e}")).unwrap_or_default()
    );
    cleaned.parse::<f64>().ok().map(|v| sign * v)
}

/// Python 3's `repr(float)`: the shortest round-tripping digits, in positional notation for
/// exponents from -4 to 15 and scientific (`1e+16`) otherwise, always with a `.0` or exponent.
pub(crate) fn py_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0"
        } else {
            "0.0"
        }
        .to_string();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.5e0", "-1.2345e-7".
    let sci = format!("{value:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let text = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if (point as usize) >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{text}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str) -> String {
        resolve(text, ScalarStyle::Plain, false).py_str()
    }

    #[test]
    fn yaml_1_1_scalars_render_as_python_str() {
        assert_eq!(scalar("yes"), "True");
        assert_eq!(scalar("Off"), "False");
        assert_eq!(scalar("~"), "None");
        assert_eq!(scalar("0x1f"), "31");
        assert_eq!(scalar("0123"), "83");
        assert_eq!(scalar("1_000"), "1000");
        assert_eq!(scalar("190:20:30"), "685230");
        assert_eq!(scalar("09"), "09");
        assert_eq!(scalar("1.50"), "1.5");
        assert_eq!(scalar("1e5"), "1e5");
        assert_eq!(scalar("1.0e+20"), "1e+20");
        assert_eq!(scalar(".5"), "0.5");
        assert_eq!(scalar("-.inf"), "-inf");
        assert_eq!(scalar("y"), "y");
        assert_eq!(
            resolve("yes", ScalarStyle::SingleQuoted, false).py_str(),
            "yes"
        );
    }

    #[test]
    fn python_float_repr() {
        assert_eq!(py_float_repr(0.1), "0.1");
        assert_eq!(py_float_repr(1.0), "1.0");
        assert_eq!(py_float_repr(1e16), "1e+16");
        assert_eq!(py_float_repr(123456789012345.0), "123456789012345.0");
        assert_eq!(py_float_repr(0.0001), "0.0001");
        assert_eq!(py_float_repr(0.00001), "1e-05");
        assert_eq!(py_float_repr(-2.5e-7), "-2.5e-07");
    }

    #[test]
    fn sections_follow_yaml_document_rules() {
        let s = sections("# only a comment\n---\na: 1\n---\n---\nb: 2\n");
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].0, 2);
        assert_eq!(s[2].0, 5);
        let s = sections("a: 1\n---\nb: 2\n----\n");
        assert_eq!(s.len(), 2);
        assert!(s[1].1.contains("----"));
    }

    #[test]
    fn leading_comment_names_the_rule() {
        let (name, description) =
            leading_comment("---\n    # Sticky comment\n    # on submissions\n    type: x\n");
        assert_eq!(name.as_deref(), Some("Sticky comment"));
        assert_eq!(description, "on submissions");
    }

    #[test]
    fn lines_are_file_lines() {
        let (docs, diags) = load("---\na: 1\n---\nb:\n  - c\n");
        assert!(diags.is_empty());
        let Some(Node {
            value: Value::Map(pairs),
            ..
        }) = &docs[1].root
        else {
            panic!("map expected")
        };
        assert_eq!(pairs[0].0.line, 4);
        let Value::Seq(items) = &pairs[0].1.value else {
            panic!("seq expected")
        };
        assert_eq!(items[0].line, 5);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
                p = i - 1
            ));
        }
        let (_, diags) = load(&text);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("too large"));
    }
}
