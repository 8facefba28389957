//! Property tests: the sentiment functions never panic on hostile text and keep their
//! invariants, and the fast paths agree with their simple counterparts.

use proptest::prelude::*;

use super::tokens::{Tok, tokenize, tokenize_ascii};
use super::{explain, label_of, sentiment, vader};

/// Text mixing words, emoticons, negations, "but", capitals, punctuation, emoji,
/// Python-only whitespace (U+001C..U+001F) and arbitrary Unicode.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("good".to_owned()),
        Just("NOT".to_owned()),
        Just("but".to_owned()),
        Just("BUT".to_owned()),
        Just("no".to_owned()),
        Just("kind of".to_owned()),
        Just("the shit".to_owned()),
        Just("least".to_owned()),
        Just("isn't".to_owned()),
        Just(":)".to_owned()),
        Just("😁".to_owned()),
        Just("🔛".to_owned()),
        Just("!!!".to_owned()),
        Just("???".to_owned()),
        Just("\u{1c}".to_owned()),
        Just("\u{a0}".to_owned()),
        Just("\0".to_owned()),
        "[a-zA-Z'!?.,:;()-]{0,12}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.join(" "))
}

/// The generic tokenizer applied to ASCII text, as the reference to check the
/// SWAR fast path against.
fn tokens_generic(text: &str) -> Vec<(usize, usize, bool, bool, u8, Option<f64>)> {
    let mut toks: Vec<Tok> = Vec::new();
    // `tokenize` takes its own ASCII path; force the char-based path by hand here.
    let mut out = Vec::new();
    let mut pos = 0;
    for piece in text.split(|c: char| super::lexicon::py_is_space(c)) {
        let start = pos;
        pos += piece.len() + 1;
        if piece.is_empty() {
            continue;
        }
        let stripped = piece.trim_matches(|c: char| c.is_ascii_punctuation());
        let (s, e) = if stripped.chars().count() <= 2 {
            (start, start + piece.len())
        } else {
            let offset = stripped.as_ptr() as usize - piece.as_ptr() as usize;
            (start + offset, start + offset + stripped.len())
        };
        let token = &text[s..e];
        let lower = token.to_lowercase();
        let word = super::lexicon::WORDS
            .lookup(&lower)
            .copied()
            .unwrap_or_default();
        out.push((
            s,
            e,
            word.negation || lower.contains("n't"),
            super::lexicon::py_is_upper(token),
            word.id,
            word.valence(),
        ));
    }
    toks.clear();
    out
}

fn tokens_fast(text: &str) -> Vec<(usize, usize, bool, bool, u8, Option<f64>)> {
    let mut toks: Vec<Tok> = Vec::new();
    if text.is_ascii() {
        tokenize_ascii(text.as_bytes(), &mut toks);
    } else {
        tokenize(text, &mut toks);
    }
    toks.iter()
        .map(|t| (t.start, t.end, t.negation, t.upper, t.word.id, t.lex()))
        .collect()
}

proptest! {
    #[test]
    fn vader_never_panics_and_stays_in_range(text in hostile_text()) {
        let s = vader(&text);
        prop_assert!((-1.0..=1.0).contains(&s.compound));
        for share in [s.pos, s.neu, s.neg] {
            prop_assert!((0.0..=1.0).contains(&share));
        }
        let total = s.pos + s.neu + s.neg;
        prop_assert!(total == 0.0 || (total - 1.0).abs() <= 0.0021, "{s:?}");
    }

    #[test]
    fn explain_agrees_with_vader(text in hostile_text()) {
        let e = explain(&text);
        prop_assert_eq!(e.scores, vader(&text));
        let sum: f64 = e.tokens.iter().map(|t| t.valence).sum();
        prop_assert!((sum - e.valence_sum).abs() < 1e-9);
        prop_assert!(serde_json::to_string(&e).is_ok());
    }

    #[test]
    fn sentiment_score_in_range_and_label_consistent(text in hostile_text()) {
        let s = sentiment(&text);
        prop_assert!((-1.0..=1.0).contains(&s.score));
        prop_assert_eq!(s.label, label_of(s.score));
    }

    #[test]
    fn ascii_fast_tokenizer_matches_generic(text in "[a-zA-Z' !?.,:;()\t\n\x0b\x0c\r\x1c-\x1f\x00\x01-]{0,80}") {
        prop_assert_eq!(tokens_fast(&text), tokens_generic(&text));
    }
}

#[test]
fn huge_text_with_but_is_handled() {
    // 300,000 tokens with a "but": the indexed "but" rule keeps this fast.
    let text = "good bad but great ".repeat(75_000);
    let s = vader(&text);
    assert!((-1.0..=1.0).contains(&s.compound));
    let one_token = "a".repeat(1 << 20);
    assert_eq!(vader(&one_token).compound, 0.0);
}
