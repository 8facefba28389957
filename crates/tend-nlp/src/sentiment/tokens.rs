//! VADER's tokenizer: emoji substitution, Python-compatible whitespace splitting and
//! punctuation stripping, and the word-table lookup of each token.
//!
//! Most texts are ASCII, so that path works on bytes, eight at a time where it can
//! (SWAR: several bytes tested with one u64 operation), and never allocates.

use super::lexicon::{self, EMOJI, WORDS, Word};

/// One token: a byte range of the (emoji-replaced) text plus what the lexicon says.
#[derive(Clone, Copy)]
pub(super) struct Tok {
    pub start: usize,
    pub end: usize,
    pub word: Word,
    /// `negated([token])` of the reference: in NEGATE or containing "n't".
    pub negation: bool,
    /// Python `isupper()` of the token.
    pub upper: bool,
}

impl Tok {
    #[inline]
    pub(super) fn lex(&self) -> Option<f64> {
        self.word.valence()
    }
    #[inline]
    pub(super) fn is(&self, word_id: u8) -> bool {
        self.word.id == word_id
    }
    /// The same token at another position.
    fn at(self, start: usize, end: usize) -> Tok {
        Tok { start, end, ..self }
    }
}

/// Replaces single-character emoji by their descriptions, exactly as the reference's
/// character loop does. Returns false (and leaves `out` alone) when there is none.
pub(super) fn replace_emoji(
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
    let Some(first) = text
        .char_indices()
        .find(|(_, c)| !c.is_ascii() && emoji.contains_key(c))
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
pub(super) fn tokenize(text: &str, tokens: &mut Vec<Tok>) {
    tokens.clear();
    if text.is_ascii() {
        tokenize_ascii(text.as_bytes(), tokens);
        return;
    }
    let mut pos = 0;
    while let Some((k, _)) = text[pos..]
        .char_indices()
        .find(|&(_, c)| !lexicon::py_is_space(c))
    {
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

/// The ASCII fast path of [`tokenize`]: one pass over the bytes, no allocation.
pub(super) fn tokenize_ascii(bytes: &[u8], tokens: &mut Vec<Tok>) {
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
const PY_SPACE_MASK: u64 =
    (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (0xf << 0x1c) | (1 << 32);

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
        WORDS
            .get_chunks(hash, &chunks, len)
            .copied()
            .unwrap_or_default()
    } else {
        Word::default()
    };
    let negation = word.negation || (quote_bits != 0 && contains_nt(&text[start..end]));
    Tok {
        start,
        end,
        word,
        negation,
        upper: upper_bits != 0 && lower_bits == 0,
    }
}

/// Looks up a non-ASCII token (Python's Unicode lower-casing and `isupper`).
fn make_tok(token: &str, start: usize, end: usize) -> Tok {
    if token.is_ascii() {
        return make_tok_ascii(token.as_bytes(), 0, token.len()).at(start, end);
    }
    let lower = token.to_lowercase();
    let word = WORDS.lookup(&lower).copied().unwrap_or_default();
    let negation = word.negation || contains_nt(lower.as_bytes());
    Tok {
        start,
        end,
        word,
        negation,
        upper: lexicon::py_is_upper(token),
    }
}

/// Whether a token contains "n't" in any letter case.
#[inline]
fn contains_nt(bytes: &[u8]) -> bool {
    bytes.windows(3).any(|w| {
        w[0].eq_ignore_ascii_case(&b'n') && w[1] == b'\'' && w[2].eq_ignore_ascii_case(&b't')
    })
}

/// Counts "!" and "?" in one pass, eight bytes at a time (exact zero-byte test).
pub(super) fn count_marks(bytes: &[u8]) -> (usize, usize) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let zero_bytes = |y: u64| !(((y & LOW7) + LOW7) | y | LOW7);
    let (mut excl, mut quest) = (0usize, 0usize);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let x = lexicon::load_chunk(chunk);
        excl += zero_bytes(x ^ (b'!' as u64 * ONES)).count_ones() as usize;
        quest += zero_bytes(x ^ (b'?' as u64 * ONES)).count_ones() as usize;
    }
    for &b in chunks.remainder() {
        excl += usize::from(b == b'!');
        quest += usize::from(b == b'?');
    }
    (excl, quest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_marks_like_str_count() {
        let text = "wow!!! really?? ok!?\u{e9}!?!x?";
        let expected = (text.matches('!').count(), text.matches('?').count());
        assert_eq!(count_marks(text.as_bytes()), expected);
    }
}
