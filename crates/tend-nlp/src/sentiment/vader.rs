//! VADER sentiment scoring (Hutto & Gilbert 2014), ported from vaderSentiment 3.3.x:
//! the valence rules, the "but" rule, punctuation emphasis and normalisation.
//!
//! The port reproduces the reference implementation's behaviour exactly, including
//! its quirks (Python's whitespace and upper-case definitions, the "but" rule's
//! first-equal-value lookup, rounding), because the parity test holds it to ±1e-4 of
//! the Python scores on 23,703 texts. One scoring function serves both [`vader()`] and
//! [`super::explain()`]: it is generic over a [`Recorder`], and the no-op recorder used by
//! `vader` compiles away, so the fast path and the explanation can never disagree.

use std::cell::RefCell;

use serde::Serialize;

use super::explain::{Punctuation, Rule};
use super::lexicon::{BOOSTER_PHRASES, C_INCR, N_SCALAR, SPECIAL_CASES, id};
use super::tokens::{Tok, count_marks, replace_emoji, tokenize, tokenize_ascii};

/// VADER's four scores, rounded as the reference rounds them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct VaderScores {
    /// Normalised sum of valences in [-1, 1] (4 decimals).
    pub compound: f64,
    /// Share of the text that is positive, in [0, 1] (3 decimals).
    pub pos: f64,
    /// Share of the text that is neutral, in [0, 1] (3 decimals).
    pub neu: f64,
    /// Share of the text that is negative, in [0, 1] (3 decimals).
    pub neg: f64,
}

/// Scores a text the way vaderSentiment 3.3.x `polarity_scores` does.
pub fn vader(text: &str) -> VaderScores {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => score(text, &mut scratch, &mut NoRecord).scores,
        // Only reachable by re-entrance, which the code has none of; stay correct anyway.
        Err(_) => score(text, &mut Scratch::default(), &mut NoRecord).scores,
    })
}

/// The scored token stream, reusable between calls so `vader` does not allocate.
#[derive(Default)]
pub(super) struct Scratch {
    /// The text with emoji replaced, when it had any.
    pub replaced: String,
    pub tokens: Vec<Tok>,
    pub sentiments: Vec<f64>,
    /// Valences before the "but" rule (only filled when tracing).
    pub before_but: Vec<f64>,
    pub emoji: Vec<(char, &'static str)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Receives every valence change; the explanation collects them, `vader` ignores them.
pub(super) trait Recorder {
    /// Whether the recorder wants calls at all (lets the optimiser drop the bookkeeping).
    const ON: bool;
    fn adjust(&mut self, token: usize, rule: Rule, trigger: Trigger, before: f64, after: f64);
}

/// What triggered a rule: a token, two tokens, or a fixed phrase.
#[derive(Clone, Copy)]
pub(super) enum Trigger {
    Token(usize),
    Tokens(usize, usize),
    Phrase(&'static str),
}

struct NoRecord;

impl Recorder for NoRecord {
    const ON: bool = false;
    #[inline(always)]
    fn adjust(&mut self, _: usize, _: Rule, _: Trigger, _: f64, _: f64) {}
}

/// Everything `score` computed, for the explanation.
pub(super) struct Run {
    pub scores: VaderScores,
    /// Whether emoji were replaced (the tokens then index `Scratch::replaced`).
    pub replaced: bool,
    pub but_index: Option<usize>,
    pub punctuation: Punctuation,
    pub valence_sum: f64,
    pub total: f64,
}

/// Scores `text` into `scratch`, reporting every valence change to `rec`.
pub(super) fn score<R: Recorder>(text: &str, scratch: &mut Scratch, rec: &mut R) -> Run {
    let Scratch {
        replaced,
        tokens,
        sentiments,
        before_but,
        emoji,
    } = scratch;
    // One ASCII check serves both the emoji pass (all emoji are non-ASCII) and the
    // tokenizer's fast path.
    let ascii = text.is_ascii();
    let is_replaced = !ascii && replace_emoji(text, replaced, emoji, R::ON);
    let text: &str = if is_replaced { replaced } else { text };
    if ascii {
        tokens.clear();
        tokenize_ascii(text.as_bytes(), tokens);
    } else {
        tokenize(text, tokens);
    }
    let n = tokens.len();
    let n_upper = tokens.iter().filter(|t| t.upper).count();
    // VADER only rewards capitals when some, but not all, tokens are in capitals.
    let is_cap_diff = n_upper > 0 && n_upper < n;

    sentiments.clear();
    for i in 0..n {
        let tok = &tokens[i];
        // Boosters and "kind" in "kind of" are modifiers, not sentiment carriers.
        if tok.word.is_booster() || (tok.is(id::KIND) && i + 1 < n && tokens[i + 1].is(id::OF)) {
            sentiments.push(0.0);
            continue;
        }
        sentiments.push(valence_of(tokens, i, is_cap_diff, rec));
    }

    let but_index = tokens.iter().position(|t| t.is(id::BUT));
    if let Some(bi) = but_index {
        if R::ON {
            before_but.clear();
            before_but.extend_from_slice(sentiments);
        }
        but_check(sentiments, bi);
        if R::ON {
            for (i, (&before, &after)) in before_but.iter().zip(sentiments.iter()).enumerate() {
                let rule = if i < bi {
                    Rule::ButBefore
                } else {
                    Rule::ButAfter
                };
                rec.adjust(i, rule, Trigger::Token(bi), before, after);
            }
        }
    }

    // The reference counts on the emoji-replaced text ("🔛" becomes "ON! arrow").
    let (exclamation_marks, question_marks) = count_marks(text.as_bytes());
    let amplifier = amplify_ep(exclamation_marks) + amplify_qm(question_marks);
    let punctuation = Punctuation {
        exclamation_marks,
        question_marks,
        amplifier,
    };
    let (scores, valence_sum, total) = score_valence(sentiments, amplifier);
    Run {
        scores,
        replaced: is_replaced,
        but_index,
        punctuation,
        valence_sum,
        total,
    }
}

/// The valence of lexicon word `i` after VADER's local rules.
fn valence_of<R: Recorder>(tokens: &[Tok], i: usize, is_cap_diff: bool, rec: &mut R) -> f64 {
    let tok = &tokens[i];
    let Some(lex) = tok.lex() else {
        return 0.0;
    };
    let n = tokens.len();
    let mut v = lex;
    // "no" right before a lexicon word acts as a negation, not as a negative word.
    if tok.is(id::NO) && i != n - 1 && tokens[i + 1].lex().is_some() {
        rec.adjust(i, Rule::NoAsDeterminer, Trigger::Token(i + 1), v, 0.0);
        v = 0.0;
    }
    let no_trigger = if i > 0 && tokens[i - 1].is(id::NO) {
        Some(i - 1)
    } else if i > 1 && tokens[i - 2].is(id::NO) {
        Some(i - 2)
    } else if i > 2
        && tokens[i - 3].is(id::NO)
        && (tokens[i - 1].is(id::OR) || tokens[i - 1].is(id::NOR))
    {
        Some(i - 3)
    } else {
        None
    };
    if let Some(j) = no_trigger {
        let after = lex * N_SCALAR;
        rec.adjust(i, Rule::NegatedByNo, Trigger::Token(j), v, after);
        v = after;
    }
    if tok.upper && is_cap_diff {
        let before = v;
        if v > 0.0 {
            v += C_INCR;
        } else {
            v -= C_INCR;
        }
        rec.adjust(i, Rule::AllCaps, Trigger::Token(i), before, v);
    }
    for start_i in 0..3 {
        if i <= start_i {
            break;
        }
        let j = i - (start_i + 1);
        if tokens[j].lex().is_some() {
            continue;
        }
        let mut s = scalar_inc_dec(&tokens[j], v, is_cap_diff);
        if start_i == 1 && s != 0.0 {
            s *= 0.95;
        }
        if start_i == 2 && s != 0.0 {
            s *= 0.9;
        }
        let before = v;
        v += s;
        let rule = if tokens[j].word.booster() > 0.0 {
            Rule::Booster
        } else {
            Rule::Dampener
        };
        rec.adjust(i, rule, Trigger::Token(j), before, v);
        v = negation_check(v, tokens, start_i, i, rec);
        if start_i == 2 {
            v = special_idioms_check(v, tokens, i, rec);
        }
    }
    least_check(v, tokens, i, rec)
}

/// Booster/dampener scalar of a preceding word, signed to push away from zero
/// (boosters) or towards it (dampeners).
#[inline]
fn scalar_inc_dec(tok: &Tok, valence: f64, is_cap_diff: bool) -> f64 {
    let mut scalar = tok.word.booster();
    if scalar != 0.0 {
        if valence < 0.0 {
            scalar = -scalar;
        }
        if tok.upper && is_cap_diff {
            if valence > 0.0 {
                scalar += C_INCR;
            } else {
                scalar -= C_INCR;
            }
        }
    }
    scalar
}

fn negation_check<R: Recorder>(
    v: f64,
    tokens: &[Tok],
    start_i: usize,
    i: usize,
    rec: &mut R,
) -> f64 {
    let is_so_this = |t: &Tok| t.is(id::SO) || t.is(id::THIS);
    match start_i {
        0 => {
            if tokens[i - 1].negation {
                return negate(v, i, Trigger::Token(i - 1), rec);
            }
        }
        1 => {
            if tokens[i - 2].is(id::NEVER) && is_so_this(&tokens[i - 1]) {
                return emphasise(v, i, Trigger::Tokens(i - 2, i - 1), rec);
            } else if tokens[i - 2].is(id::WITHOUT) && tokens[i - 1].is(id::DOUBT) {
                return v;
            } else if tokens[i - 2].negation {
                return negate(v, i, Trigger::Token(i - 2), rec);
            }
        }
        _ => {
            if tokens[i - 3].is(id::NEVER) && is_so_this(&tokens[i - 2]) {
                return emphasise(v, i, Trigger::Tokens(i - 3, i - 2), rec);
            } else if is_so_this(&tokens[i - 1]) {
                return emphasise(v, i, Trigger::Token(i - 1), rec);
            } else if tokens[i - 3].is(id::WITHOUT)
                && (tokens[i - 2].is(id::DOUBT) || tokens[i - 1].is(id::DOUBT))
            {
                return v;
            } else if tokens[i - 3].negation {
                return negate(v, i, Trigger::Token(i - 3), rec);
            }
        }
    }
    v
}

#[inline]
fn negate<R: Recorder>(v: f64, i: usize, trigger: Trigger, rec: &mut R) -> f64 {
    let after = v * N_SCALAR;
    rec.adjust(i, Rule::Negation, trigger, v, after);
    after
}

#[inline]
fn emphasise<R: Recorder>(v: f64, i: usize, trigger: Trigger, rec: &mut R) -> f64 {
    let after = v * 1.25;
    rec.adjust(i, Rule::NeverSoThis, trigger, v, after);
    after
}

/// Idioms around word `i` (only called when i > 2, as in the reference).
fn special_idioms_check<R: Recorder>(v: f64, tokens: &[Tok], i: usize, rec: &mut R) -> f64 {
    // Every idiom and dampener phrase is at least two rule words inside i-3..=i+2;
    // most windows have fewer, so skip the matching.
    let window = &tokens[i - 3..tokens.len().min(i + 3)];
    if window.iter().filter(|t| t.word.id != 0).count() < 2 {
        return v;
    }
    let ids = |from: usize, to: usize| -> [u8; 3] {
        let mut out = [0u8; 3];
        for (k, t) in tokens[from..=to].iter().enumerate() {
            out[k] = t.word.id;
        }
        out
    };
    let matches = |from: usize, to: usize| -> Option<(&'static str, f64)> {
        let seq = ids(from, to);
        let seq = &seq[..=to - from];
        if seq.contains(&0) {
            return None;
        }
        SPECIAL_CASES
            .iter()
            .find(|(key, _, _)| *key == seq)
            .map(|(_, name, val)| (*name, *val))
    };
    let mut v = v;
    // Same order as the reference: the first match among the preceding sequences wins,
    // then a sequence starting at the word overrides it.
    let preceding = [
        (i - 1, i),
        (i - 2, i),
        (i - 2, i - 1),
        (i - 3, i - 1),
        (i - 3, i - 2),
    ];
    if let Some((name, value)) = preceding.iter().find_map(|&(a, b)| matches(a, b)) {
        rec.adjust(i, Rule::Idiom, Trigger::Phrase(name), v, value);
        v = value;
    }
    let n = tokens.len();
    if n - 1 > i
        && let Some((name, value)) = matches(i, i + 1)
    {
        rec.adjust(i, Rule::Idiom, Trigger::Phrase(name), v, value);
        v = value;
    }
    if n - 1 > i + 1
        && let Some((name, value)) = matches(i, i + 2)
    {
        rec.adjust(i, Rule::Idiom, Trigger::Phrase(name), v, value);
        v = value;
    }
    // Two-word dampeners ("kind of") right before the word or one word earlier.
    for (a, b) in [(i - 3, i - 2), (i - 2, i - 1)] {
        for (first, second, name, scalar) in BOOSTER_PHRASES {
            if tokens[a].is(first) && tokens[b].is(second) {
                let before = v;
                v += scalar;
                rec.adjust(i, Rule::DampenerPhrase, Trigger::Phrase(name), before, v);
            }
        }
    }
    v
}

fn least_check<R: Recorder>(v: f64, tokens: &[Tok], i: usize, rec: &mut R) -> f64 {
    let is_least = |t: &Tok| t.lex().is_none() && t.is(id::LEAST);
    if i > 1 && is_least(&tokens[i - 1]) {
        if !tokens[i - 2].is(id::AT) && !tokens[i - 2].is(id::VERY) {
            let after = v * N_SCALAR;
            rec.adjust(i, Rule::Least, Trigger::Token(i - 1), v, after);
            return after;
        }
    } else if i > 0 && is_least(&tokens[i - 1]) {
        let after = v * N_SCALAR;
        rec.adjust(i, Rule::Least, Trigger::Token(i - 1), v, after);
        return after;
    }
    v
}

/// Threshold below which the "but" rule is simulated directly; above it an index
/// keeps hostile texts with thousands of tokens linear-logarithmic.
const BUT_DIRECT_MAX: usize = 256;

/// VADER's contrastive "but" rule, reproduced with its quirk: for each position the
/// reference looks up the *first* element equal to the current value and scales
/// that one (×0.5 before the first "but", ×1.5 after), so repeated values can be
/// scaled twice while a later copy is left alone.
fn but_check(sentiments: &mut [f64], bi: usize) {
    let factor = |j: usize| if j < bi { 0.5 } else { 1.5 };
    if sentiments.len() <= BUT_DIRECT_MAX {
        for k in 0..sentiments.len() {
            let value = sentiments[k];
            let j = sentiments[..=k]
                .iter()
                .position(|&s| s == value)
                .unwrap_or(k);
            if j != bi {
                sentiments[j] = value * factor(j);
            }
        }
        return;
    }
    but_check_indexed(sentiments, bi);
}

/// The same rule as `but_check`, with a map from value to the sorted positions holding it.
fn but_check_indexed(sentiments: &mut [f64], bi: usize) {
    use std::collections::{BTreeSet, HashMap};
    // -0.0 == 0.0 in the reference's comparison, so both share a key.
    let key = |v: f64| (v + 0.0).to_bits();
    let mut positions: HashMap<u64, BTreeSet<usize>> = HashMap::new();
    for (j, &v) in sentiments.iter().enumerate() {
        positions.entry(key(v)).or_default().insert(j);
    }
    for k in 0..sentiments.len() {
        let value = sentiments[k];
        let j = positions
            .get(&key(value))
            .and_then(|set| set.first().copied())
            .unwrap_or(k);
        if j == bi {
            continue;
        }
        let new = value * if j < bi { 0.5 } else { 1.5 };
        if let Some(set) = positions.get_mut(&key(value)) {
            set.remove(&j);
        }
        positions.entry(key(new)).or_default().insert(j);
        sentiments[j] = new;
    }
}

fn amplify_ep(count: usize) -> f64 {
    // Up to four exclamation marks add emphasis, 0.292 each.
    count.min(4) as f64 * 0.292
}

fn amplify_qm(count: usize) -> f64 {
    // Two or three question marks add 0.18 each; more add a flat 0.96.
    match count {
        0 | 1 => 0.0,
        2 | 3 => count as f64 * 0.18,
        _ => 0.96,
    }
}

/// Sums, applies punctuation emphasis and normalises; returns the rounded scores,
/// the raw sum and the sum after emphasis.
fn score_valence(sentiments: &[f64], amplifier: f64) -> (VaderScores, f64, f64) {
    if sentiments.is_empty() {
        return (VaderScores::default(), 0.0, 0.0);
    }
    let valence_sum: f64 = sentiments.iter().fold(0.0, |acc, &s| acc + s);
    let mut sum_s = valence_sum;
    if sum_s > 0.0 {
        sum_s += amplifier;
    } else if sum_s < 0.0 {
        sum_s -= amplifier;
    }
    let compound = normalize(sum_s);
    let mut pos_sum = 0.0;
    let mut neg_sum = 0.0;
    let mut neu_count = 0usize;
    for &s in sentiments {
        // +1/−1 compensates for neutral words counting as 1.
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += amplifier;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= amplifier;
    }
    let total = pos_sum + neg_sum.abs() + neu_count as f64;
    let scores = VaderScores {
        compound: py_round(compound, 4),
        pos: py_round((pos_sum / total).abs(), 3),
        neu: py_round((neu_count as f64 / total).abs(), 3),
        neg: py_round((neg_sum / total).abs(), 3),
    };
    (scores, valence_sum, sum_s)
}

/// Maps a sum of valences to [-1, 1]; 15 approximates the largest expected sum.
fn normalize(score: f64) -> f64 {
    (score / (score * score + 15.0).sqrt()).clamp(-1.0, 1.0)
}

/// Python's `round(x, digits)`: rounds the exact binary value, ties to even. The fast
/// path multiplies; values within a hair of a half use exact decimal formatting.
fn py_round(x: f64, digits: i32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let scale = match digits {
        3 => 1e3,
        4 => 1e4,
        _ => 10f64.powi(digits),
    };
    let y = x * scale;
    // Scores are small, so the integer casts are exact and avoid libm calls.
    if y.abs() < 1e15 {
        let whole = y as i64;
        let frac = y - whole as f64;
        if (frac.abs() - 0.5).abs() > 1e-6 {
            let rounded = if frac >= 0.5 {
                whole + 1
            } else if frac <= -0.5 {
                whole - 1
            } else {
                whole
            };
            return rounded as f64 / scale;
        }
    }
    let formatted = format!("{x:.prec$}", prec = digits.max(0) as usize);
    formatted.parse().unwrap_or(y.round() / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores printed by vaderSentiment 3.3.2 for its own demo sentences.
    #[test]
    fn matches_reference_demo_sentences() {
        let cases: &[(&str, f64)] = &[
            ("VADER is smart, handsome, and funny.", 0.8316),
            ("VADER is smart, handsome, and funny!", 0.8439),
            ("VADER is very smart, handsome, and funny.", 0.8545),
            ("VADER is VERY SMART, handsome, and FUNNY.", 0.9227),
            ("VADER is VERY SMART, handsome, and FUNNY!!!", 0.9342),
            (
                "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
                0.9469,
            ),
            ("VADER is not smart, handsome, nor funny.", -0.7424),
            ("The book was good.", 0.4404),
            ("At least it isn't a horrible book.", 0.431),
            ("The book was only kind of good.", 0.3832),
            (
                "The plot was good, but the characters are uncompelling and the dialog is not great.",
                -0.7042,
            ),
            ("Today SUX!", -0.5461),
            ("Today only kinda sux! But I'll get by, lol", 0.5249),
            ("Make sure you :) or :D today!", 0.8633),
            ("Catch utf-8 emoji such as 💘 and 💋 and 😁", 0.875),
            ("Not bad at all", 0.431),
        ];
        for (text, expected) in cases {
            assert_eq!(vader(text).compound, *expected, "{text}");
        }
    }

    #[test]
    fn but_rule_indexed_matches_direct() {
        let mut direct = vec![1.0, 0.0, 2.0, 1.0, 0.0, 3.0, 1.0, 2.0, -0.0, 0.5];
        let mut indexed = direct.clone();
        but_check(&mut direct, 4);
        but_check_indexed(&mut indexed, 4);
        assert_eq!(direct, indexed);
        // The reference's quirk: the later 1.0 scales the first 1.0 a second time.
        assert_eq!(direct[0], 0.25);
    }

    #[test]
    fn python_rounding() {
        assert_eq!(py_round(0.0625, 3), 0.062);
        assert_eq!(py_round(0.12345, 4), 0.1235);
        assert_eq!(py_round(0.00015, 4), 0.0001);
        assert_eq!(py_round(-0.43104, 4), -0.431);
    }
}
