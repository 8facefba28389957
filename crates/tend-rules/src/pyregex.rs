//! Python `re` syntax → `fancy-regex` syntax. fancy-regex already reads most of Python's
//! dialect (look-around, backreferences, `(?P<name>)`, `(?#comments)`, `(?-i:…)`, `\uXXXX`);
//! this pass rewrites only what the two read differently:
//!
//! - `\<` and `\>` are literal `<` `>` in Python but word boundaries in fancy-regex;
//! - `\Z` is the very end in Python (fancy-regex: `\z`);
//! - `$` (outside a class, without the `m` flag) also matches before a final newline in Python;
//! - inside a class, `[` is literal in Python and `&&`, `--`, `~~` have no special meaning;
//!   `\b` in a class is a backspace;
//! - `{,n}` means `{0,n}`.
//!
//! Everything else passes through unchanged, so an unsupported construct is reported by
//! fancy-regex with its own message.

/// Translates one Python regex. Never fails: invalid input is left for the compiler to report.
pub(crate) fn translate(pattern: &str) -> String {
    let multiline = has_inline_flag(pattern, 'm');
    let mut out = String::with_capacity(pattern.len() + 8);
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    // Position in the current class (to know whether `]` is literal and `-` is a range).
    let mut class_items = 0usize;
    // The previous class item ended a range (`a-z`), so a following `-` is literal.
    let mut after_range = false;
    let mut in_range = false;
    while i < chars.len() {
        let c = chars[i];
        if in_class {
            match c {
                '\\' => {
                    let Some(&next) = chars.get(i + 1) else {
                        out.push('\\');
                        i += 1;
                        continue;
                    };
                    match next {
                        'b' => out.push_str("\\x08"),
                        '<' | '>' => out.push(next),
                        _ => {
                            out.push('\\');
                            out.push(next);
                        }
                    }
                    i += 2;
                    class_items += 1;
                }
                ']' if class_items > 0 => {
                    out.push(']');
                    in_class = false;
                    after_range = false;
                    in_range = false;
                    i += 1;
                    continue;
                }
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                    i += 1;
                    class_items += 1;
                }
                '-' => {
                    // A range dash sits between two items; a dash that starts or ends the
                    // class, follows a range or another dash is literal in Python.
                    let next = chars.get(i + 1).copied();
                    if class_items == 0
                        || next == Some(']')
                        || next == Some('-')
                        || after_range
                        || in_range
                    {
                        out.push_str("\\-");
                        after_range = false;
                    } else {
                        out.push('-');
                        in_range = true;
                    }
                    i += 1;
                    class_items += 1;
                    continue;
                }
                '^' if class_items == 0 && out.ends_with('[') => {
                    out.push('^');
                    i += 1;
                }
                _ => {
                    out.push(c);
                    i += 1;
                    class_items += 1;
                }
            }
            after_range = in_range;
            in_range = false;
            continue;
        }
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    out.push('\\');
                    i += 1;
                    continue;
                };
                match next {
                    '<' | '>' => out.push(next),
                    'Z' => out.push_str("\\z"),
                    _ => {
                        out.push('\\');
                        out.push(next);
                    }
                }
                i += 2;
            }
            '[' => {
                out.push('[');
                in_class = true;
                class_items = 0;
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            '(' if chars.get(i + 1) == Some(&'?') && chars.get(i + 2) == Some(&'#') => {
                // A comment: copy it through to its closing parenthesis untouched.
                while i < chars.len() {
                    out.push(chars[i]);
                    i += 1;
                    if chars[i - 1] == ')' {
                        break;
                    }
                }
            }
            '$' if !multiline => {
                out.push_str("(?:\\n?\\z)");
                i += 1;
            }
            '{' => {
                // `{,n}` → `{0,n}`; other braces pass through.
                let rest: String = chars[i + 1..].iter().take(12).collect();
                if let Some(close) = rest.find('}') {
                    let inner = &rest[..close];
                    if let Some(max) = inner.strip_prefix(',')
                        && !max.is_empty()
                        && max.chars().all(|d| d.is_ascii_digit())
                    {
                        out.push_str("{0,");
                        out.push_str(max);
                        out.push('}');
                        i += 1 + close + 1;
                        continue;
                    }
                }
                out.push('{');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The pattern without `(?#…)` comments (for `regex-syntax`, which does not read them).
pub(crate) fn strip_comments(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.char_indices().peekable();
    let mut in_class = false;
    while let Some((at, c)) = chars.next() {
        if c == '\\' {
            out.push(c);
            if let Some((_, next)) = chars.next() {
                out.push(next);
            }
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            }
            out.push(c);
            continue;
        }
        if c == '[' {
            in_class = true;
            out.push(c);
            if let Some(&(_, ']')) = chars.peek() {
                out.push(']');
                chars.next();
            }
            continue;
        }
        if c == '(' && pattern[at..].starts_with("(?#") {
            for (_, skipped) in chars.by_ref() {
                if skipped == ')' {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// A pattern that matches everything `pattern` matches and that `regex-syntax` can parse:
/// look-around groups are removed (they only constrain a match) and backreferences become
/// `(?s:.*)`. Used only to derive prefilter literals. Atomic groups and possessive
/// quantifiers cannot be relaxed simply; they make the parse fail and the check keep no
/// prefilter.
pub(crate) fn relax(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let next = chars.get(i + 1).copied();
            if !in_class && next.is_some_and(|n| n.is_ascii_digit() && n != '0') {
                out.push_str("(?s:.*)");
                i += 2;
                while chars.get(i).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
                continue;
            }
            if !in_class && next == Some('k') && chars.get(i + 2) == Some(&'<') {
                out.push_str("(?s:.*)");
                while i < chars.len() && chars[i] != '>' {
                    i += 1;
                }
                i += 1;
                continue;
            }
            out.push(c);
            if let Some(n) = next {
                out.push(n);
            }
            i += 2;
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            }
            out.push(c);
            i += 1;
            continue;
        }
        if c == '[' {
            in_class = true;
            out.push(c);
            i += 1;
            if chars.get(i) == Some(&'^') {
                out.push('^');
                i += 1;
            }
            if chars.get(i) == Some(&']') {
                out.push(']');
                i += 1;
            }
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
        if rest.starts_with("(?=")
            || rest.starts_with("(?!")
            || rest.starts_with("(?<=")
            || rest.starts_with("(?<!")
        {
            // Skip to the matching parenthesis.
            let mut depth = 0usize;
            let mut class = false;
            while i < chars.len() {
                let d = chars[i];
                if d == '\\' {
                    i += 2;
                    continue;
                }
                if class {
                    class = d != ']';
                } else if d == '[' {
                    class = true;
                } else if d == '(' {
                    depth += 1;
                } else if d == ')' {
                    depth -= 1;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                i += 1;
            }
            // A quantifier after a look-around would now apply to nothing.
            if chars
                .get(i)
                .is_some_and(|q| matches!(q, '?' | '*' | '+' | '{'))
            {
                return String::from("(");
            }
            continue;
        }
        if rest.starts_with("(?P=") {
            out.push_str("(?s:.*)");
            while i < chars.len() && chars[i] != ')' {
                i += 1;
            }
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Whether an inline flag group such as `(?im)` or `(?m:` turns `flag` on somewhere.
fn has_inline_flag(pattern: &str, flag: char) -> bool {
    let bytes = pattern.as_bytes();
    let mut i = 0;
    while let Some(at) = pattern[i..].find("(?") {
        let start = i + at + 2;
        let mut j = start;
        while j < bytes.len() && bytes[j].is_ascii_alphabetic() {
            if bytes[j] as char == flag {
                return true;
            }
            j += 1;
        }
        i = start;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_differences() {
        assert_eq!(translate(r"a\<b\>"), "a<b>");
        assert_eq!(translate(r"end\Z"), r"end\z");
        assert_eq!(translate(r"x$"), r"x(?:\n?\z)");
        assert_eq!(translate(r"(?m)x$"), r"(?m)x$");
        assert_eq!(translate(r"[[]"), r"[\[]");
        assert_eq!(translate(r"[a&&b~~c]"), r"[a\&\&b\~\~c]");
        assert_eq!(translate(r"[]a]"), r"[]a]");
        assert_eq!(translate(r"[\w.-]"), r"[\w.\-]");
        assert_eq!(translate(r"[a-z-_]"), r"[a-z\-_]");
        assert_eq!(translate(r"a{,3}"), r"a{0,3}");
        assert_eq!(
            translate(r"(?#Latin [x)[\u0100-\u017f]"),
            r"(?#Latin [x)[\u0100-\u017f]"
        );
        assert_eq!(translate(r"[$]"), r"[$]");
        assert_eq!(strip_comments(r"(?#A [b)x[(?#]y"), r"x[(?#]y");
        assert_eq!(relax(r"(?<!a(b))c(?=d)\1e[(?=]"), r"c(?s:.*)e[(?=]");
    }

    #[test]
    fn translated_library_patterns_compile() {
        for p in [
            r"[\w!#$%&\x27*+\-./=?\^\x60{|}~]+\@([\w-]{1,64}\.)+",
            r"(?#Latin Extended-A)(?-i:[\u0100-\u017f]+)",
            r"(?<!\b(moby|tom,) )(?!(?-i:Dick [A-Z][a-z]+\b))dick",
            r"piss(ed(?! off)(?<!\bi(\sa|\W?)m pissed)|er?s|ing)?",
        ] {
            let translated = translate(p);
            assert!(
                fancy_regex::Regex::new(&translated).is_ok(),
                "{p} -> {translated}"
            );
        }
    }
}
