//! Runs of one repeated character, the second prefilter (after `prefilter.rs`'s literals).
//!
//! A pattern such as `(.)\2{6,}` ("a character and six more of the same") has no literal to
//! look for, so the literal prefilter cannot skip it, and fancy-regex's backtracking VM tries
//! it at every position of every text. [`required_run`] reads from a compiled check's pattern
//! the longest run of equal characters every match must contain (a one-character group followed
//! by repeated backreferences to it); [`has_run`] looks for such a run in one pass. A text without
//! the run cannot match, so the regex is not run on it — the same verdict, much cheaper.
//!
//! "Equal" must include every pair fancy-regex's case-insensitive backreference accepts (the
//! same bytes; ASCII letters regardless of case; two non-ASCII characters of the same UTF-8
//! length that Unicode simple case folding makes equal). [`has_run`] uses a cheaper relation
//! that contains it (a test checks every pair of characters the folding tables relate), so
//! the run is a necessary condition and skipping is exact.
//!
//! [`open_group_reference`] finds a backreference to a group that is still open, such as `\1`
//! in an option: the options are wrapped in group 1 (spec §4), so Python rejects it ("cannot
//! refer to an open group") while fancy-regex accepts a pattern that never matches.

use fancy_regex::Expr;

/// The length of the run of equal characters every match of `pattern` contains (0 or 1 when
/// nothing useful is known). `pattern` is the check's whole compiled pattern.
pub(crate) fn required_run(pattern: &str) -> usize {
    let Ok(tree) = Expr::parse_tree(pattern) else {
        return 0;
    };
    if !plain(&tree.expr) {
        return 0;
    }
    let mut next_group = 1;
    run_of(&tree.expr, &mut next_group)
}

/// Whether `text` has `length` consecutive characters that a case-insensitive backreference
/// to the first of them could match.
pub(crate) fn has_run(text: &str, length: usize) -> bool {
    if length <= 1 {
        return length == 0 || !text.is_empty();
    }
    let mut chars = text.chars();
    let Some(mut first) = chars.next() else {
        return false;
    };
    let mut key = fold_key(first);
    let mut count = 1;
    for c in chars {
        if c == first
            || (c.len_utf8() == first.len_utf8() && !c.is_ascii() && fold_key(c) == key)
            || (c.is_ascii() && c.eq_ignore_ascii_case(&first))
        {
            count += 1;
            if count >= length {
                return true;
            }
        } else {
            first = c;
            key = fold_key(c);
            count = 1;
        }
    }
    false
}

/// The first group number referenced by a backreference inside that same group, if any.
pub(crate) fn open_group_reference(pattern: &str) -> Option<usize> {
    let tree = Expr::parse_tree(pattern).ok()?;
    let mut next_group = 1;
    let mut open = Vec::new();
    find_open_reference(&tree.expr, &mut next_group, &mut open)
}

/// A character's key under a relation that contains simple case folding between characters of
/// one UTF-8 length: its uppercase, then that uppercase's lowercase, when both are single
/// characters (ligatures excepted).
fn fold_key(c: char) -> char {
    // The one related pair (since Unicode 15.1) whose case mappings are two letters each.
    if c == '\u{FB05}' {
        return '\u{FB06}';
    }
    let upper = single(c.to_uppercase()).unwrap_or(c);
    single(upper.to_lowercase()).unwrap_or(upper)
}

fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

/// Whether the tree uses only constructs whose group numbering this module follows.
fn plain(expr: &Expr) -> bool {
    match expr {
        Expr::Empty
        | Expr::Any { .. }
        | Expr::Assertion(_)
        | Expr::GeneralNewline { .. }
        | Expr::Literal { .. }
        | Expr::LiteralBytes { .. }
        | Expr::Delegate { .. }
        | Expr::Backref { .. }
        | Expr::KeepOut => true,
        Expr::Concat(children) | Expr::Alt(children) => children.iter().all(plain),
        Expr::Group(child) => plain(child),
        Expr::LookAround(child, _) | Expr::AtomicGroup(child) => plain(child),
        Expr::Repeat { child, .. } => plain(child),
        _ => false,
    }
}

/// The required run of `expr`; numbers the capturing groups it contains from `next_group`.
fn run_of(expr: &Expr, next_group: &mut usize) -> usize {
    match expr {
        Expr::Group(child) => {
            *next_group += 1;
            run_of(child, next_group)
        }
        Expr::Concat(children) => {
            let mut best = 0;
            let mut i = 0;
            while i < children.len() {
                let group = *next_group;
                if let Expr::Group(inner) = &children[i]
                    && one_char(inner)
                {
                    *next_group += 1;
                    // Backreferences to the group right after it each add one character.
                    let mut length = 1;
                    let mut j = i + 1;
                    while let Some(repeats) = children.get(j).and_then(|c| backrefs_to(c, group)) {
                        length += repeats;
                        j += 1;
                    }
                    best = best.max(length);
                    i += 1;
                    continue;
                }
                best = best.max(run_of(&children[i], next_group));
                i += 1;
            }
            best
        }
        Expr::Alt(children) => {
            let mut shortest: Option<usize> = None;
            for child in children {
                let run = run_of(child, next_group);
                shortest = Some(shortest.map_or(run, |s| s.min(run)));
            }
            shortest.unwrap_or(0)
        }
        Expr::Repeat { child, lo, .. } => {
            let run = run_of(child, next_group);
            if *lo >= 1 { run } else { 0 }
        }
        Expr::AtomicGroup(child) => run_of(child, next_group),
        Expr::LookAround(child, _) => {
            // Groups inside still take numbers; what a look-around requires is not counted.
            run_of(child, next_group);
            0
        }
        _ => 0,
    }
}

/// Whether a group's content always matches exactly one character.
fn one_char(expr: &Expr) -> bool {
    match expr {
        Expr::Any { .. } | Expr::Delegate { .. } => true,
        Expr::Literal { val, .. } => val.chars().count() == 1,
        _ => false,
    }
}

/// How many characters `expr` adds as backreferences to `group` (at least), if it is only that.
fn backrefs_to(expr: &Expr, group: usize) -> Option<usize> {
    match expr {
        Expr::Backref { group: g, .. } if *g == group => Some(1),
        Expr::Repeat { child, lo, .. } => match child.as_ref() {
            Expr::Backref { group: g, .. } if *g == group => Some(*lo),
            _ => None,
        },
        _ => None,
    }
}

fn find_open_reference(
    expr: &Expr,
    next_group: &mut usize,
    open: &mut Vec<usize>,
) -> Option<usize> {
    match expr {
        Expr::Group(child) => {
            let group = *next_group;
            *next_group += 1;
            open.push(group);
            let found = find_open_reference(child, next_group, open);
            open.pop();
            found
        }
        Expr::Backref { group, .. } | Expr::BackrefWithRelativeRecursionLevel { group, .. } => {
            open.contains(group).then_some(*group)
        }
        _ => {
            for child in expr.children_iter() {
                if let Some(found) = find_open_reference(child, next_group, open) {
                    return Some(found);
                }
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_required_by_common_patterns() {
        assert_eq!(required_run(r"(?si)((.)\2{6,})"), 7);
        assert_eq!(required_run(r"(?si)(?:^|\W|\b)((.)\2{6,})(?:$|\W|\b)"), 7);
        assert_eq!(required_run(r"(?s)((.)\2\2+)"), 3);
        assert_eq!(required_run(r"(?si)(x|(.)\3{4})"), 0);
        assert_eq!(required_run(r"(?si)((a)\2{3}|(b)\3{2})"), 3);
        assert_eq!(required_run(r"(?si)((.)\2{0,5})"), 1);
        assert_eq!(required_run(r"(?si)((ab)\2{6,})"), 0);
        assert_eq!(required_run(r"(?si)((.)\3{6,}(.))"), 1);
        assert_eq!(required_run(r"(?si)(free|win)"), 0);
    }

    #[test]
    fn runs_in_text() {
        assert!(has_run("heyyyyyyy", 7));
        assert!(!has_run("heyyyyyy", 7));
        assert!(has_run("aAaAaAa", 7));
        assert!(has_run("ΣσΣσΣσΣ", 7));
        assert!(!has_run("привет", 2));
        assert!(!has_run("", 2));
        assert!(has_run("x", 1));
    }

    #[test]
    fn open_group_references() {
        assert_eq!(open_group_reference(r"(?si)((.)\1{6,})"), Some(1));
        assert_eq!(open_group_reference(r"(?si)((.)\2{6,})"), None);
        assert_eq!(open_group_reference(r"(?si)((a(b\3)))"), Some(3));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// Whenever fancy-regex matches, the run `required_run` reads from the pattern is in
        /// the text: skipping texts without it never changes a verdict.
        #[test]
        fn a_match_always_contains_the_required_run(
            shape in 0usize..8,
            n in 0usize..5,
            case_sensitive in proptest::bool::ANY,
            text in "[aAbσΣςﬅﬆKk\u{212A}ßẞéÉ \n!.]{0,24}",
        ) {
            let option = match shape {
                0 => format!(r"(.)\2{{{n},}}"),
                1 => format!(r"(.)\2{{{n}}}"),
                2 => format!(r"(.)\2{{{n},{}}}", n + 2),
                3 => r"(.)\2+".to_string(),
                4 => format!(r"x?(\w)\2{{{n},}}!?"),
                5 => format!(r"([aσ])\2\2{{{n},}}"),
                6 => format!(r"(?:(.)\2{{{n},}}|(a)\3{{{n}}})"),
                _ => format!(r"(?-i:(.)\2{{{n},}})"),
            };
            let flags = if case_sensitive { "(?s)" } else { "(?si)" };
            for wrapped in [
                format!("{flags}({option})"),
                format!(r"{flags}(?:^|\W|\b)({option})(?:$|\W|\b)"),
                format!(r"{flags}^\W*({option})\W*\n?\z"),
            ] {
                let regex = fancy_regex::Regex::new(&wrapped).unwrap();
                let run = required_run(&wrapped);
                proptest::prop_assert!(run >= 1, "{wrapped}");
                if regex.is_match(&text).unwrap() {
                    proptest::prop_assert!(has_run(&text, run), "{wrapped} on {text:?}");
                }
            }
        }
    }

    /// Every pair of characters simple case folding relates, with one UTF-8 length, has one
    /// [`fold_key`]: the relation `has_run` uses contains fancy-regex's.
    #[test]
    fn fold_key_contains_simple_case_folding() {
        use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};
        for c in (0x80..=0x10FFFF).filter_map(char::from_u32) {
            let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
            class.case_fold_simple();
            for range in class.ranges() {
                for other in range.start()..=range.end() {
                    if other != c && other.len_utf8() == c.len_utf8() {
                        assert_eq!(fold_key(c), fold_key(other), "{c:?} {other:?}");
                    }
                }
            }
        }
    }
}
