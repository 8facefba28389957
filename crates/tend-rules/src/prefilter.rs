//! The speed path. Most rules are keyword lists and most messages contain none of a rule's
//! keywords, so before any regex runs, one Aho-Corasick pass per text field finds every
//! literal of every base-item search check at once. A check none of whose literals occurs in
//! its fields cannot match; its regex is never run.
//!
//! Soundness: a check's literal set is a *necessary* condition — every text the check's regex
//! matches contains one of its literals, ASCII case-insensitively. Plain options are their own
//! literals (ASCII ones lower-cased; the only non-ASCII characters that case-fold onto ASCII,
//! U+212A KELVIN SIGN and U+017F LONG S, make a field skip the prefilter). Regex options and
//! non-ASCII plain options get their prefix (or suffix) literal set from `regex-syntax`'s
//! extractor, which enumerates case variants itself; options for which no finite, non-empty set
//! exists leave the check without a prefilter, and its regex always runs.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

/// Derives the literal set of one check from its options (see the module comment).
pub(crate) fn literals(
    translated: &[String],
    regex: bool,
    options: &[String],
    case_sensitive: bool,
) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for (pattern, option) in translated.iter().zip(options) {
        if !regex && option.is_ascii() {
            if option.is_empty() {
                return None;
            }
            out.push(option.to_ascii_lowercase());
            continue;
        }
        let relaxed = crate::pyregex::relax(&crate::pyregex::strip_comments(pattern));
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(!case_sensitive)
            .dot_matches_new_line(true)
            .build()
            .parse(&relaxed)
            .ok()?;
        let extracted = [ExtractKind::Prefix, ExtractKind::Suffix]
            .into_iter()
            .filter_map(|kind| {
                let mut extractor = Extractor::new();
                extractor.kind(kind);
                let seq = extractor.extract(&hir);
                let lits = seq.literals()?;
                if lits.is_empty() || lits.iter().any(|l| l.as_bytes().is_empty()) {
                    return None;
                }
                lits.iter()
                    .map(|l| String::from_utf8(l.as_bytes().to_vec()).ok())
                    .collect::<Option<Vec<String>>>()
            });
        let best = extracted
            .chain(required(&hir))
            .filter(|set| set.iter().all(|l| selective(l)))
            .max_by_key(|set| {
                (
                    set.iter().map(String::len).min().unwrap_or(0),
                    std::cmp::Reverse(set.len()),
                )
            })?;
        out.extend(best.into_iter().map(|l| l.to_ascii_lowercase()));
    }
    // Only "does any literal occur" matters, so a literal that contains a shorter one adds
    // nothing.
    out.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    out.dedup();
    let mut kept: Vec<String> = Vec::with_capacity(out.len());
    for literal in out {
        if !kept.iter().any(|k| literal.contains(k.as_str())) {
            kept.push(literal);
        }
    }
    kept.sort();
    Some(kept)
}

/// Whether a literal is worth scanning for: one-byte literals only when they are rare
/// punctuation such as `@`, `$` or `#` (a letter, digit, space or `.` occurs in almost any text).
fn selective(literal: &str) -> bool {
    match literal.as_bytes() {
        [] => false,
        [b] => b.is_ascii_punctuation() && !matches!(b, b'.' | b',' | b'\'' | b'-' | b'!' | b'?'),
        _ => true,
    }
}

/// Literals one of which every match must contain, from anywhere in the pattern (the
/// extractor only looks at its ends): a concatenation requires what any of its parts
/// requires, an alternation the union of what every branch requires, a repetition with a
/// minimum of one what its body requires. `None` when nothing is required.
fn required(hir: &regex_syntax::hir::Hir) -> Option<Vec<String>> {
    use regex_syntax::hir::{Class, HirKind};
    const MAX: usize = 256;
    match hir.kind() {
        HirKind::Literal(literal) => Some(vec![String::from_utf8(literal.0.to_vec()).ok()?]),
        HirKind::Class(Class::Unicode(class)) => {
            // Case variants that differ only in ASCII case are one literal to the
            // ASCII-case-insensitive scan.
            let mut chars: Vec<char> = Vec::new();
            for c in class
                .ranges()
                .iter()
                .flat_map(|r| r.start()..=r.end())
                .take(16)
            {
                let c = c.to_ascii_lowercase();
                if !chars.contains(&c) {
                    chars.push(c);
                }
                if chars.len() > 4 {
                    return None;
                }
            }
            let complete = class.ranges().iter().map(|r| r.len()).sum::<usize>() <= 16;
            complete.then(|| chars.iter().map(char::to_string).collect())
        }
        HirKind::Class(Class::Bytes(_)) | HirKind::Empty | HirKind::Look(_) => None,
        HirKind::Capture(capture) => required(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => required(&repetition.sub),
        HirKind::Repetition(_) => None,
        HirKind::Concat(parts) => {
            // Adjacent literal parts joined give a longer requirement.
            let mut best: Option<Vec<String>> = None;
            let mut run: Option<Vec<String>> = None;
            let consider = |candidate: Option<Vec<String>>, best: &mut Option<Vec<String>>| {
                if let Some(set) = candidate {
                    let score = |s: &Vec<String>| s.iter().map(String::len).min().unwrap_or(0);
                    if best.as_ref().is_none_or(|b| score(&set) > score(b)) {
                        *best = Some(set);
                    }
                }
            };
            for part in parts {
                let exact = match part.kind() {
                    HirKind::Literal(_) | HirKind::Class(_) => required(part),
                    _ => None,
                };
                match (exact, run.take()) {
                    (Some(next), Some(prefix)) if prefix.len() * next.len() <= MAX => {
                        run = Some(
                            prefix
                                .iter()
                                .flat_map(|p| next.iter().map(move |n| format!("{p}{n}")))
                                .collect(),
                        );
                    }
                    (Some(next), previous) => {
                        consider(previous, &mut best);
                        run = Some(next);
                    }
                    (None, previous) => {
                        consider(previous, &mut best);
                        consider(required(part), &mut best);
                    }
                }
            }
            consider(run, &mut best);
            best
        }
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(required(branch)?);
                if all.len() > MAX {
                    return None;
                }
            }
            Some(all)
        }
    }
}

/// Which text of the base item a prefiltered field reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Title = 0,
    Body = 1,
    /// The body with block quotes removed (`ignore_blockquotes`).
    BodyUnquoted = 2,
    Url = 3,
    Domain = 4,
}

pub(crate) const SLOTS: usize = 5;

/// The combined automaton over the literals of every prefiltered check in a rule set.
#[derive(Debug, Default)]
pub(crate) struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// For each literal: the checks that contain it, with the slots each check reads.
    users: Vec<Vec<(usize, u8)>>,
    /// Slots read by at least one prefiltered check.
    pub slots_used: u8,
    pub checks: usize,
}

impl Prefilter {
    /// `checks`: for each prefiltered check (by slot index), its literals and the slot mask of
    /// its fields.
    pub fn build(checks: &[(Vec<String>, u8)]) -> Prefilter {
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let mut patterns: Vec<&str> = Vec::new();
        let mut users: Vec<Vec<(usize, u8)>> = Vec::new();
        let mut slots_used = 0u8;
        for (check, (literals, mask)) in checks.iter().enumerate() {
            slots_used |= mask;
            for literal in literals {
                let id = *index.entry(literal.as_str()).or_insert_with(|| {
                    patterns.push(literal.as_str());
                    users.push(Vec::new());
                    patterns.len() - 1
                });
                users[id].push((check, *mask));
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
                .or_else(|_| {
                    AhoCorasick::builder()
                        .ascii_case_insensitive(true)
                        .match_kind(MatchKind::Standard)
                        .build(&patterns)
                })
                .ok()
        };
        Prefilter {
            automaton,
            users,
            slots_used,
            checks: checks.len(),
        }
    }

    /// Marks in `possible` (one bit per prefiltered check) the checks whose literals occur in
    /// the given slot texts. A slot whose text could hide a case-folded match (Kelvin sign,
    /// long s) marks every check that reads it.
    pub fn scan(&self, texts: &[Option<&str>; SLOTS], possible: &mut [u64]) {
        for (slot, text) in texts.iter().enumerate() {
            let bit = 1u8 << slot;
            if self.slots_used & bit == 0 {
                continue;
            }
            let Some(text) = text else { continue };
            if !text.is_ascii() && text.contains(['\u{212A}', '\u{017F}']) {
                for users in &self.users {
                    for &(check, mask) in users {
                        if mask & bit != 0 {
                            possible[check / 64] |= 1 << (check % 64);
                        }
                    }
                }
                continue;
            }
            let Some(automaton) = &self.automaton else {
                continue;
            };
            for found in automaton.find_overlapping_iter(*text) {
                for &(check, mask) in &self.users[found.pattern().as_usize()] {
                    if mask & bit != 0 {
                        possible[check / 64] |= 1 << (check % 64);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(options: &[&str], regex: bool) -> Option<Vec<String>> {
        let options: Vec<String> = options.iter().map(|s| s.to_string()).collect();
        let translated: Vec<String> = if regex {
            options.clone()
        } else {
            options
                .iter()
                .map(|o| fancy_regex::escape(o).into_owned())
                .collect()
        };
        literals(&translated, regex, &options, false)
    }

    #[test]
    fn plain_options_are_their_own_literals() {
        assert_eq!(
            lits(&["Red", "green"], false),
            Some(vec!["green".into(), "red".into()])
        );
        assert_eq!(lits(&[""], false), None);
    }

    #[test]
    fn regex_options_give_prefix_or_suffix_literals() {
        let l = lits(&[r"(\d+) things"], true).unwrap();
        assert!(l.contains(&" things".to_string()));
        assert_eq!(lits(&[r"\w+"], true), None);
        // Look-around is dropped (a superset), so fancy patterns get literals too.
        let l = lits(&[r"(?<!not )(scam|fraud)s?"], true).unwrap();
        assert!(
            l.contains(&"fraud".to_string()) && l.contains(&"scam".to_string()),
            "{l:?}"
        );
        assert!(!l.contains(&"frauds".to_string()), "{l:?}");
        assert_eq!(lits(&[r"(.)\2{6,}"], true), None);
        // Required literals from the middle of a pattern.
        assert_eq!(
            lits(&[r"[\w.+-]+@([\w-]{1,64}\.)+[a-z]{2,16}"], true),
            Some(vec!["@".to_string()])
        );
        let l = lits(&[r"\d+ (apples|pears) \d+"], true).unwrap();
        assert!(
            l.contains(&"apples".to_string()) && l.contains(&"pears".to_string()),
            "{l:?}"
        );
        assert_eq!(lits(&[r"\d+\.\d+"], true), None);
        let l = lits(&["a(insi|lors)"], true).unwrap();
        assert!(l.contains(&"ainsi".to_string()));
        // Case variants of non-ASCII letters are kept (é/É both present).
        let l = lits(&["café"], false).unwrap();
        assert!(l.iter().any(|s| s.ends_with('é')) && l.iter().any(|s| s.ends_with('É')));
    }

    #[test]
    fn scan_marks_checks_whose_literals_occur() {
        let prefilter = Prefilter::build(&[
            (vec!["spam".into()], 1 << Slot::Title as u8),
            (vec!["eggs".into()], 1 << Slot::Body as u8),
            (vec!["ham".into()], 1 << Slot::Title as u8),
        ]);
        let mut possible = vec![0u64; 1];
        prefilter.scan(
            &[Some("SPAM and eggs"), Some("no"), None, None, None],
            &mut possible,
        );
        assert_eq!(possible[0], 0b001);
        let mut possible = vec![0u64; 1];
        prefilter.scan(&[Some("\u{212A}"), None, None, None, None], &mut possible);
        assert_eq!(possible[0], 0b101);
    }
}
