//! VADER sentiment scoring (Hutto & Gilbert 2014), ported from vaderSentiment 3.3.x,
//! with an optional trace of every rule that moved the score.
//!
//! The port reproduces the reference implementation's behaviour exactly, including
//! its quirks (Python's whitespace and upper-case definitions, the "but" rule's
//! first-equal-value lookup, rounding), because the parity test holds it to ±1e-4 of
//! the Python scores on 23,703 texts. One scoring function serves both [`vader`] and
//! [`explain`]: it is generic over a [`Recorder`], and the no-op recorder used by
//! `vader` compiles away, so the fast path and the explanation can never disagree.

use std::cell::RefCell;
use std::fmt::Write as _;

use serde::Serialize;

use super::lexicon::{
    self, BOOSTER_PHRASES, C_INCR, EMOJI, N_SCALAR, SPECIAL_CASES, WORDS, Word, id,
};

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

/// Why and by how much VADER scored a text the way it did.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The scores (identical to [`vader`]'s).
    pub scores: VaderScores,
    /// Emoji replaced by their descriptions before scoring.
    pub emoji: Vec<EmojiSwap>,
    /// Every token VADER saw, in order, with its contribution.
    pub tokens: Vec<TokenExplanation>,
    /// Index of the first "but" token, whose presence halves what comes before it and
    /// boosts what follows by half.
    pub but_index: Option<usize>,
    /// Emphasis from "!" and "?".
    pub punctuation: Punctuation,
    /// Sum of token valences before punctuation emphasis.
    pub valence_sum: f64,
    /// Sum after punctuation emphasis; the compound is `x / sqrt(x² + 15)` of it.
    pub total: f64,
    /// The same information as human-readable lines, most important first.
    pub summary: Vec<String>,
}

/// One emoji swapped for its description.
#[derive(Debug, Clone, Serialize)]
pub struct EmojiSwap {
    /// The emoji character.
    pub emoji: String,
    /// The words that replaced it.
    pub description: String,
}

/// Exclamation and question mark emphasis.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Punctuation {
    /// Number of "!" in the text (counted up to 4).
    pub exclamation_marks: usize,
    /// Number of "?" in the text (counted when 2 or more).
    pub question_marks: usize,
    /// Added to a positive sum, subtracted from a negative one.
    pub amplifier: f64,
}

/// What role a token played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Not in the lexicon; carries no valence of its own.
    Neutral,
    /// A lexicon word with a valence.
    Sentiment,
    /// A booster or dampener ("very", "kinda"); scored 0 itself, modifies a later word.
    Modifier,
}

/// One token's contribution.
#[derive(Debug, Clone, Serialize)]
pub struct TokenExplanation {
    /// Position among the tokens.
    pub index: usize,
    /// The token as VADER split it (surrounding punctuation stripped).
    pub token: String,
    /// Its role.
    pub role: Role,
    /// Its lexicon valence, if any (−4..+4).
    pub lexicon: Option<f64>,
    /// Rules that changed its valence, in the order applied.
    pub adjustments: Vec<Adjustment>,
    /// Final valence added to the sum.
    pub valence: f64,
}

/// One rule application on one token.
#[derive(Debug, Clone, Serialize)]
pub struct Adjustment {
    /// The rule.
    pub rule: Rule,
    /// The word(s) that triggered it, e.g. "not" or "kind of".
    pub trigger: String,
    /// Valence before the rule.
    pub before: f64,
    /// Valence after the rule.
    pub after: f64,
}

/// VADER's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// "no" directly before a lexicon word loses its own valence (it negates instead).
    NoAsDeterminer,
    /// The word follows "no" within three words: lexicon valence × −0.74.
    NegatedByNo,
    /// The word is in capitals while others are not: ±0.733.
    AllCaps,
    /// A booster up to three words before ("very"): ±0.293, less with distance,
    /// ±0.733 more when the booster is in capitals.
    Booster,
    /// A dampener up to three words before ("barely", "kinda"): ∓0.293.
    Dampener,
    /// A negation up to three words before ("not", "isn't"): × −0.74.
    Negation,
    /// "never so/this …" or "so/this" two words before: × 1.25.
    NeverSoThis,
    /// An idiom containing the word ("the shit", "yeah right") replaces its valence.
    Idiom,
    /// "kind of", "sort of" or "just enough" before the word: −0.293.
    DampenerPhrase,
    /// "least" before the word (but not "at least"/"very least"): × −0.74.
    Least,
    /// Before the first "but": × 0.5.
    ButBefore,
    /// After the first "but": × 1.5.
    ButAfter,
}

/// Scores a text the way vaderSentiment 3.3.x `polarity_scores` does.
pub fn vader(text: &str) -> VaderScores {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => score(text, &mut scratch, &mut NoRecord).scores,
        // Only reachable by re-entrance, which the code has none of; stay correct anyway.
        Err(_) => score(text, &mut Scratch::default(), &mut NoRecord).scores,
    })
}

/// Scores a text and explains which words and rules moved the score, and by how much.
pub fn explain(text: &str) -> Explanation {
    let mut scratch = Scratch::default();
    let mut trace = Trace::default();
    let run = score(text, &mut scratch, &mut trace);
    build_explanation(text, run, &scratch, trace)
}

/// The scored token stream, reusable between calls so `vader` does not allocate.
#[derive(Default)]
struct Scratch {
    /// The text with emoji replaced, when it had any.
    replaced: String,
    tokens: Vec<Tok>,
    sentiments: Vec<f64>,
    /// Valences before the "but" rule (only filled when tracing).
    before_but: Vec<f64>,
    emoji: Vec<(char, &'static str)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// One token: a byte range of the (emoji-replaced) text plus what the lexicon says.
#[derive(Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
    word: Word,
    /// `negated([token])` of the reference: in NEGATE or containing "n't".
    negation: bool,
    upper: bool,
}

impl Tok {
    #[inline]
    fn lex(&self) -> Option<f64> {
        self.word.valence()
    }
    #[inline]
    fn is(&self, word_id: u8) -> bool {
        self.word.id == word_id
    }
    /// The same token at another position.
    fn at(self, start: usize, end: usize) -> Tok {
        Tok { start, end, ..self }
    }
}

/// Receives every valence change; the explanation collects them, `vader` ignores them.
trait Recorder {
    /// Whether the recorder wants calls at all (lets the optimiser drop the bookkeeping).
    const ON: bool;
    fn adjust(&mut self, token: usize, rule: Rule, trigger: Trigger, before: f64, after: f64);
}

/// What triggered a rule: a token, two tokens, or a fixed phrase.
#[derive(Clone, Copy)]
enum Trigger {
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

#[derive(Default)]
struct Trace {
    steps: Vec<(usize, Rule, Trigger, f64, f64)>,
}

impl Recorder for Trace {
    const ON: bool = true;
    fn adjust(&mut self, token: usize, rule: Rule, trigger: Trigger, before: f64, after: f64) {
        if before != after {
            self.steps.push((token, rule, trigger, before, after));
        }
    }
}

/// Everything `score` computed, for the explanation.
struct Run {
    scores: VaderScores,
    /// Whether emoji were replaced (the tokens then index `Scratch::replaced`).
    replaced: bool,
    but_index: Option<usize>,
    punctuation: Punctuation,
    valence_sum: f64,
    total: f64,
}

fn score<R: Recorder>(text: &str, scratch: &mut Scratch, rec: &mut R) -> Run {
    let Scratch { replaced, tokens, sentiments, before_but, emoji } = scratch;
    let is_replaced = replace_emoji(text, replaced, emoji, R::ON);
    let text: &str = if is_replaced { replaced } else { text };
    tokenize(text, tokens);
    let n = tokens.len();
    let n_upper = tokens.iter().filter(|t| t.upper).count();
    // VADER only rewards capitals when some, but not all, tokens are in capitals.
    let is_cap_diff = n_upper > 0 && n_upper < n;

    sentiments.clear();
    for i in 0..n {
        let tok = &tokens[i];
        // Boosters and "kind" in "kind of" are modifiers, not sentiment carriers.
        if tok.word.booster() != 0.0 || (tok.is(id::KIND) && i + 1 < n && tokens[i + 1].is(id::OF))
        {
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
                let rule = if i < bi { Rule::ButBefore } else { Rule::ButAfter };
                rec.adjust(i, rule, Trigger::Token(bi), before, after);
            }
        }
    }

    // The reference counts on the emoji-replaced text ("🔛" becomes "ON! arrow").
    let exclamation_marks = memchr_count(b'!', text);
    let question_marks = memchr_count(b'?', text);
    let amplifier = amplify_ep(exclamation_marks) + amplify_qm(question_marks);
    let punctuation = Punctuation { exclamation_marks, question_marks, amplifier };
    let (scores, valence_sum, total) = score_valence(sentiments, amplifier);
    Run { scores, replaced: is_replaced, but_index, punctuation, valence_sum, total }
}

/// Replaces single-character emoji by their descriptions, exactly as the reference's
/// character loop does. Returns false (and leaves `out` alone) when there is none.
fn replace_emoji(
    text: &str,
    out: &mut String,
    seen: &mut Vec<(char, &'static str)>,
    record: bool,
) -> bool {
    // All emoji are non-ASCII; most texts are not, so check cheaply first.
    if text.is_ascii() {
        return false;
    }
    let emoji = &*EMOJI;
    let Some(first) = text.char_indices().find(|(_, c)| !c.is_ascii() && emoji.contains_key(c))
    else {
        return false;
    };
    out.clear();
    seen.clear();
    out.push_str(&text[..first.0]);
    let mut prev_space = text[..first.0].ends_with(' ') || first.0 == 0;
    for c in text[first.0..].chars() {
        match (c.is_ascii(), emoji.get(&c)) {
            (false, Some(description)) => {
                if !prev_space {
                    out.push(' ');
                }
                out.push_str(description);
                prev_space = false;
                if record {
                    seen.push((c, description));
                }
            }
            _ => {
                out.push(c);
                prev_space = c == ' ';
            }
        }
    }
    true
}

/// Longest ASCII token looked up; longer tokens cannot be in the table (checked by a
/// lexicon test) and skip the lookup, which bounds the work on hostile input.
const MAX_ASCII_WORD: usize = 64;

/// Splits on Python whitespace and strips surrounding ASCII punctuation unless that
/// leaves two characters or fewer (which keeps emoticons such as ":)" whole).
fn tokenize(text: &str, tokens: &mut Vec<Tok>) {
    tokens.clear();
    if text.is_ascii() {
        tokenize_ascii(text.as_bytes(), tokens);
        return;
    }
    let mut pos = 0;
    while let Some((k, _)) = text[pos..].char_indices().find(|&(_, c)| !lexicon::py_is_space(c)) {
        let start = pos + k;
        let end = text[start..]
            .char_indices()
            .find(|&(_, c)| lexicon::py_is_space(c))
            .map_or(text.len(), |(k, _)| start + k);
        pos = end;
        let raw = &text[start..end];
        let stripped = raw.trim_matches(|c: char| c.is_ascii_punctuation());
        let (start, end) = if stripped.chars().count() <= 2 {
            (start, end)
        } else {
            let offset = stripped.as_ptr() as usize - raw.as_ptr() as usize;
            (start + offset, start + offset + stripped.len())
        };
        tokens.push(make_tok(&text[start..end], start, end));
    }
}

#[cfg(test)]
fn tokenize_ascii_nolookup(bytes: &[u8], tokens: &mut Vec<Tok>) {
    tokens.clear();
    let len = bytes.len();
    let mut i = 0;
    loop {
        while i < len && is_ascii_py_space(bytes[i]) {
            i += 1;
        }
        if i >= len {
            break;
        }
        let raw_start = i;
        i = token_end(bytes, i);
        let (mut start, mut end) = (raw_start, i);
        while start < end && bytes[start].is_ascii_punctuation() {
            start += 1;
        }
        while end > start && bytes[end - 1].is_ascii_punctuation() {
            end -= 1;
        }
        if end - start <= 2 {
            (start, end) = (raw_start, i);
        }
        tokens.push(Tok { start, end, word: Word::default(), negation: false, upper: false });
    }
}

/// The ASCII fast path of [`tokenize`]: one pass over the bytes, no allocation.
fn tokenize_ascii(bytes: &[u8], tokens: &mut Vec<Tok>) {
    let len = bytes.len();
    let mut i = 0;
    loop {
        while i < len && is_ascii_py_space(bytes[i]) {
            i += 1;
        }
        if i >= len {
            break;
        }
        let raw_start = i;
        i = token_end(bytes, i);
        let (mut start, mut end) = (raw_start, i);
        while start < end && bytes[start].is_ascii_punctuation() {
            start += 1;
        }
        while end > start && bytes[end - 1].is_ascii_punctuation() {
            end -= 1;
        }
        if end - start <= 2 {
            (start, end) = (raw_start, i);
        }
        tokens.push(make_tok_ascii(bytes, start, end));
    }
}

/// The end of the token starting at `i` in ASCII `bytes`: the next Python whitespace
/// byte, or the end. Scans eight bytes at a time (bytes <= 0x20 flagged by SWAR, then
/// confirmed), which avoids a mispredicted branch per byte on ordinary words.
#[inline]
fn token_end(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let len = bytes.len();
    while let Some(chunk) = bytes.get(i..i + 8).and_then(|c| c.first_chunk::<8>()) {
        let x = u64::from_le_bytes(*chunk);
        // Bit 7 set in each byte <= 0x20 (bytes are < 0x80, so no carries).
        let low = !(x + 0x5f * ONES) & HIGH;
        if low == 0 {
            i += 8;
            continue;
        }
        let p = i + (low.trailing_zeros() / 8) as usize;
        if is_ascii_py_space(bytes[p]) {
            return p;
        }
        // A control character that Python does not split on: keep scanning after it.
        i = p + 1;
    }
    while i < len && !is_ascii_py_space(bytes[i]) {
        i += 1;
    }
    i
}

/// Python's ASCII whitespace: \t \n \v \f \r, U+001C..U+001F and space, as a bit mask.
const PY_SPACE_MASK: u64 = (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (0xf << 0x1c) | (1 << 32);

#[inline(always)]
fn is_ascii_py_space(b: u8) -> bool {
    b <= 32 && (PY_SPACE_MASK >> b) & 1 == 1
}

/// Looks up the ASCII token `text[start..end]`: lower-cases, hashes and classifies its
/// letter case eight bytes at a time (SWAR on u64 words; all bytes are below 0x80, so
/// the per-byte additions never carry into the next byte). Chunks are loaded from the
/// whole text and masked, so short words cost one load rather than a byte loop.
#[inline]
fn make_tok_ascii(text: &[u8], start: usize, end: usize) -> Tok {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let len = end - start;
    let mut hash = lexicon::WORD_HASH_SEED;
    let mut chunks = [0u64; MAX_ASCII_WORD / 8];
    let (mut upper_bits, mut lower_bits, mut quote_bits) = (0u64, 0u64, 0u64);
    let mut offset = start;
    let mut k = 0;
    while offset < end {
        let remain = end - offset;
        let x = match text.get(offset..).and_then(|rest| rest.first_chunk::<8>()) {
            Some(chunk) if remain >= 8 => u64::from_le_bytes(*chunk),
            Some(chunk) => u64::from_le_bytes(*chunk) & ((1u64 << (8 * remain)) - 1),
            None => lexicon::load_chunk(&text[offset..end]),
        };
        // Bit 7 of each byte set where the byte is in 'A'..='Z' / 'a'..='z'.
        let upper = (x + 0x3f * ONES) & !(x + 0x25 * ONES) & HIGH;
        let lower = (x + 0x1f * ONES) & !(x + 0x05 * ONES) & HIGH;
        // Bit 7 set where the byte is '\'' (zero-byte test on x ^ '\''); the zero
        // padding never matches.
        let y = x ^ (0x27 * ONES);
        quote_bits |= y.wrapping_sub(ONES) & !y & HIGH;
        upper_bits |= upper;
        lower_bits |= lower;
        let lowered = x | (upper >> 2);
        hash = lexicon::word_hash_step(hash, lowered);
        if let Some(slot) = chunks.get_mut(k) {
            *slot = lowered;
        }
        offset += 8;
        k += 1;
    }
    let word = if len <= MAX_ASCII_WORD {
        WORDS.get_chunks(hash, &chunks, len).copied().unwrap_or_default()
    } else {
        Word::default()
    };
    let negation = word.negation || (quote_bits != 0 && contains_nt(&text[start..end]));
    Tok { start, end, word, negation, upper: upper_bits != 0 && lower_bits == 0 }
}

/// Looks up a non-ASCII token (Python's Unicode lower-casing and `isupper`).
fn make_tok(token: &str, start: usize, end: usize) -> Tok {
    if token.is_ascii() {
        return make_tok_ascii(token.as_bytes(), 0, token.len()).at(start, end);
    }
    let lower = token.to_lowercase();
    let word = WORDS.lookup(&lower).copied().unwrap_or_default();
    let negation = word.negation || contains_nt(lower.as_bytes());
    Tok { start, end, word, negation, upper: lexicon::py_is_upper(token) }
}

/// Whether a token contains "n't" in any letter case.
#[inline]
fn contains_nt(bytes: &[u8]) -> bool {
    bytes.windows(3).any(|w| {
        w[0].eq_ignore_ascii_case(&b'n') && w[1] == b'\'' && w[2].eq_ignore_ascii_case(&b't')
    })
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
    } else if i > 2 && tokens[i - 3].is(id::NO) && (tokens[i - 1].is(id::OR) || tokens[i - 1].is(id::NOR))
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
        let rule = if tokens[j].word.booster() > 0.0 { Rule::Booster } else { Rule::Dampener };
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
        SPECIAL_CASES.iter().find(|(key, _, _)| *key == seq).map(|(_, name, val)| (*name, *val))
    };
    let mut v = v;
    // Same order as the reference: the first match among the preceding sequences wins,
    // then a sequence starting at the word overrides it.
    let preceding = [(i - 1, i), (i - 2, i), (i - 2, i - 1), (i - 3, i - 1), (i - 3, i - 2)];
    if let Some((name, value)) = preceding.iter().find_map(|&(a, b)| matches(a, b)) {
        rec.adjust(i, Rule::Idiom, Trigger::Phrase(name), v, value);
        v = value;
    }
    let n = tokens.len();
    if n - 1 > i {
        if let Some((name, value)) = matches(i, i + 1) {
            rec.adjust(i, Rule::Idiom, Trigger::Phrase(name), v, value);
            v = value;
        }
    }
    if n - 1 > i + 1 {
        if let Some((name, value)) = matches(i, i + 2) {
            rec.adjust(i, Rule::Idiom, Trigger::Phrase(name), v, value);
            v = value;
        }
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
            let j = sentiments[..=k].iter().position(|&s| s == value).unwrap_or(k);
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
        let j = positions.get(&key(value)).and_then(|set| set.first().copied()).unwrap_or(k);
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

fn memchr_count(needle: u8, text: &str) -> usize {
    text.bytes().filter(|&b| b == needle).count()
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

fn build_explanation(original: &str, run: Run, scratch: &Scratch, trace: Trace) -> Explanation {
    let tokens = &scratch.tokens;
    let text = if run.replaced { scratch.replaced.as_str() } else { original };
    let word = |k: usize| tokens.get(k).map_or("", |t| &text[t.start..t.end]);
    let mut out: Vec<TokenExplanation> = tokens
        .iter()
        .enumerate()
        .map(|(index, t)| TokenExplanation {
            index,
            token: text[t.start..t.end].to_owned(),
            role: if t.word.booster() != 0.0 {
                Role::Modifier
            } else if t.lex().is_some() {
                Role::Sentiment
            } else {
                Role::Neutral
            },
            lexicon: t.lex(),
            adjustments: Vec::new(),
            valence: scratch.sentiments.get(index).copied().unwrap_or(0.0),
        })
        .collect();
    for (token, rule, trigger, before, after) in trace.steps {
        let trigger = match trigger {
            Trigger::Token(k) => word(k).to_owned(),
            Trigger::Tokens(a, b) => format!("{} {}", word(a), word(b)),
            Trigger::Phrase(p) => p.to_owned(),
        };
        if let Some(t) = out.get_mut(token) {
            t.adjustments.push(Adjustment { rule, trigger, before, after });
        }
    }
    // "kind" in "kind of" is a modifier too, though not a single-word booster.
    for k in 0..tokens.len().saturating_sub(1) {
        if tokens[k].is(id::KIND) && tokens[k + 1].is(id::OF) {
            out[k].role = Role::Modifier;
        }
    }
    let emoji = scratch
        .emoji
        .iter()
        .map(|(c, d)| EmojiSwap { emoji: c.to_string(), description: (*d).to_owned() })
        .collect::<Vec<_>>();
    let summary = summarise(&run, &out, &emoji);
    Explanation {
        scores: run.scores,
        emoji,
        tokens: out,
        but_index: run.but_index,
        punctuation: run.punctuation,
        valence_sum: run.valence_sum,
        total: run.total,
        summary,
    }
}

fn summarise(run: &Run, tokens: &[TokenExplanation], emoji: &[EmojiSwap]) -> Vec<String> {
    let mut lines = Vec::new();
    let s = &run.scores;
    lines.push(format!(
        "compound {:+.4} (pos {:.3}, neu {:.3}, neg {:.3})",
        s.compound, s.pos, s.neu, s.neg
    ));
    for swap in emoji {
        lines.push(format!("emoji {} read as \"{}\"", swap.emoji, swap.description));
    }
    for t in tokens.iter().filter(|t| t.valence != 0.0 || !t.adjustments.is_empty()) {
        let mut line = format!("\"{}\" {:+.3}", t.token, t.valence);
        match t.lexicon {
            Some(lex) => {
                let _ = write!(line, ": lexicon {lex:+.2}");
            }
            None => line.push_str(": not in lexicon"),
        }
        for a in &t.adjustments {
            let _ = write!(
                line,
                ", {} \"{}\" {:+.3} -> {:+.3}",
                rule_label(a.rule),
                a.trigger,
                a.before,
                a.after
            );
        }
        lines.push(line);
    }
    let p = &run.punctuation;
    if p.amplifier != 0.0 {
        lines.push(format!(
            "punctuation emphasis {:+.3} ({} '!', {} '?') pushes the sum away from 0",
            p.amplifier, p.exclamation_marks, p.question_marks
        ));
    }
    lines.push(format!(
        "sum of valences {:+.3}, with emphasis {:+.3}; compound = x / sqrt(x² + 15)",
        run.valence_sum, run.total
    ));
    lines
}

fn rule_label(rule: Rule) -> &'static str {
    match rule {
        Rule::NoAsDeterminer => "used as determiner before",
        Rule::NegatedByNo => "negated by",
        Rule::AllCaps => "all-caps emphasis on",
        Rule::Booster => "boosted by",
        Rule::Dampener => "dampened by",
        Rule::Negation => "negated by",
        Rule::NeverSoThis => "emphasised by",
        Rule::Idiom => "idiom",
        Rule::DampenerPhrase => "dampened by",
        Rule::Least => "negated by",
        Rule::ButBefore => "before",
        Rule::ButAfter => "after",
    }
}

impl Explanation {
    /// The human-readable explanation, one rule per line.
    pub fn to_text(&self) -> String {
        self.summary.join("\n")
    }
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
            ("VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", 0.9469),
            ("VADER is not smart, handsome, nor funny.", -0.7424),
            ("The book was good.", 0.4404),
            ("At least it isn't a horrible book.", 0.431),
            ("The book was only kind of good.", 0.3832),
            ("The plot was good, but the characters are uncompelling and the dialog is not great.", -0.7042),
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
    fn explanation_names_the_rules() {
        let e = explain("The food is NOT good, but the service is VERY nice!!");
        assert_eq!(e.scores, vader("The food is NOT good, but the service is VERY nice!!"));
        let good = &e.tokens[4];
        assert_eq!(good.token, "good");
        let rules: Vec<Rule> = good.adjustments.iter().map(|a| a.rule).collect();
        assert_eq!(rules, vec![Rule::Negation, Rule::ButBefore]);
        let nice = e.tokens.iter().find(|t| t.token == "nice").map(|t| t.adjustments.clone());
        let rules: Vec<Rule> = nice.unwrap_or_default().iter().map(|a| a.rule).collect();
        assert_eq!(rules, vec![Rule::Booster, Rule::ButAfter]);
        assert_eq!(e.punctuation.exclamation_marks, 2);
        assert!(e.to_text().contains("negated by \"NOT\""), "{}", e.to_text());
    }

    #[test]
    fn idioms_least_and_kind_of_are_explained() {
        // Compounds from vaderSentiment 3.3.2.
        let e = explain("I think it was the bomb");
        assert_eq!(e.scores.compound, 0.6124);
        let bomb = e.tokens.iter().find(|t| t.token == "bomb").map(|t| t.adjustments.clone());
        let rules: Vec<Rule> = bomb.unwrap_or_default().iter().map(|a| a.rule).collect();
        assert_eq!(rules, vec![Rule::Idiom]);
        let e = explain("it was sort of good tbh");
        assert_eq!(e.scores.compound, 0.3832);
        assert_eq!(e.tokens[4].adjustments[0].rule, Rule::DampenerPhrase);
        assert_eq!(e.tokens[4].adjustments[0].trigger, "sort of");
        let e = explain("one of the least compelling films");
        assert!(e.tokens.iter().any(|t| t.adjustments.iter().any(|a| a.rule == Rule::Least)));
        assert_eq!(e.scores.compound, -0.1695);
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
#[cfg(test)]
mod tmp_speed {
    fn cpu() -> f64 {
        let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        s.split_whitespace().next().and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0) / 1e6
    }
    #[test]
    fn tmp_vader_loop() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"));
        let items = super::super::corpus::load(root).unwrap_or_default();
        let mut toks = Vec::new();
        for round in 0..3 {
            let t = cpu();
            for _ in 0..10 { for it in &items { std::hint::black_box(super::vader(&it.text)); } }
            let a = cpu() - t;
            let t = cpu();
            for _ in 0..10 { for it in &items { super::tokenize(std::hint::black_box(&it.text), &mut toks); } }
            let b = cpu() - t;
            let t = cpu();
            for _ in 0..10 { for it in &items { super::tokenize_ascii_nolookup(std::hint::black_box(it.text.as_bytes()), &mut toks); } }
            let c = cpu() - t;
            let mut hits = 0; let mut all = 0;
            for it in &items { super::tokenize(&it.text, &mut toks); all += toks.len(); hits += toks.iter().filter(|t| t.word.id != 0 || t.word.negation || t.word.valence().is_some() || t.word.booster() != 0.0).count(); }
            println!("hits {hits} of {all}");
            println!("round {round}: vader {a:.0} ms, tokenize {b:.0} ms, split {c:.0} ms (per 237k texts)");
        }
    }
}
