//! Turns a message into a sparse, hashed feature vector for the spam model.
//!
//! Features are word unigrams and bigrams, character 3–5-grams of the lower-cased text and a
//! handful of handcrafted signals that spam relies on (links, phone and short-code numbers,
//! currency, shouting, "free/win/claim" vocabulary). Every feature is hashed into a fixed number
//! of buckets (the "hashing trick"), so the model is a flat weight array with no vocabulary to
//! store, and unseen words cost nothing. The same code runs at training and at scoring time.

use std::cell::Cell;

/// Number of hash buckets (a power of two). 2^16 keeps collisions rare enough for SMS-sized
/// vocabularies (2^17 scored the same in cross-validation) and the i16 model at 128 KiB.
pub const BUCKETS: usize = 1 << 16;

/// Longest input considered: spam is decided in the first few hundred characters, and the cap
/// keeps scoring time bounded on hostile, megabyte-long input.
const MAX_CHARS: usize = 2_000;

/// A sparse feature vector: bucket indices with their values (order carries no meaning).
pub type Features = Vec<(u32, f32)>;

/// Extracts the feature vector of one message.
pub fn extract(text: &str) -> Features {
    // ASCII fast path: most posts are ASCII, and per-char Unicode lower-casing dominated.
    let lower: String = if text.is_ascii() {
        text[..text.len().min(MAX_CHARS)].to_ascii_lowercase()
    } else {
        text.chars()
            .take(MAX_CHARS)
            .flat_map(char::to_lowercase)
            .collect()
    };
    let mut raw: Vec<u32> = Vec::with_capacity(lower.len() * 4);

    // Words: runs of letters/digits; numbers become shape tokens so that "87121" and "80062"
    // share evidence ("a 5-digit short code").
    let words = words(&lower);
    let mut shape = [0u8; 3];
    for w in &words {
        raw.push(finish(feed(start(b'w'), w.bytes(&lower, &mut shape))));
    }
    let mut shape2 = [0u8; 3];
    for pair in words.windows(2) {
        let h = feed(start(b'b'), pair[0].bytes(&lower, &mut shape));
        let h = feed(feed(h, b" "), pair[1].bytes(&lower, &mut shape2));
        raw.push(finish(h));
    }

    // Character n-grams over the whitespace-collapsed text catch spelling variants
    // ("txt", "txting", "2day") and punctuation habits ("£1000", "!!").
    let (collapsed, starts) = collapse_space(&lower);
    for n in 3..=5 {
        for i in 0..starts.len().saturating_sub(n) {
            let gram = &collapsed.as_bytes()[starts[i]..starts[i + n]];
            raw.push(finish(feed(start(b'0' + n as u8), gram)));
        }
    }

    let mut feats = count_sublinear(&raw);
    normalize(&mut feats);

    // Handcrafted signals, added after normalisation so their scale does not depend on length.
    for (name, value) in handcrafted(text, &lower, &words) {
        if value != 0.0 {
            feats.push((bucket(b'f', name.as_bytes()), value));
        }
    }
    feats.push((bucket(b'f', b"bias"), 1.0));
    // A handcrafted bucket may repeat a text bucket; the model sums both, which is harmless.
    feats
}

/// A word of the lower-cased text: a byte range, or a digit run shown as `#<len>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    /// Byte range in the lower-cased text (apostrophes excluded by construction).
    Text(usize, usize),
    /// A run of this many digits (capped at 12).
    Digits(usize),
    /// A currency symbol.
    Currency(char),
}

impl Word {
    /// The bytes this word hashes as; `buf` holds the rendering of shape tokens.
    fn bytes<'a>(&self, lower: &'a str, buf: &'a mut [u8; 3]) -> &'a [u8] {
        match *self {
            Word::Text(a, b) => &lower.as_bytes()[a..b],
            Word::Digits(n) => {
                buf[0] = b'#';
                if n >= 10 {
                    buf[1] = b'1';
                    buf[2] = b'0' + (n - 10) as u8;
                    &buf[..3]
                } else {
                    buf[1] = b'0' + n as u8;
                    &buf[..2]
                }
            }
            Word::Currency(c) => c.encode_utf8(buf).as_bytes(),
        }
    }
}

/// Splits lower-cased text into words: runs of letters and digits (so "don't" is "don", "t";
/// the bigram keeps them together).
fn words(lower: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut begin: Option<usize> = None;
    let mut all_digits = true;
    let mut n_chars = 0usize;
    let flush = |begin: &mut Option<usize>,
                 end: usize,
                 all_digits: bool,
                 n_chars: usize,
                 out: &mut Vec<Word>| {
        if let Some(a) = begin.take() {
            out.push(if all_digits {
                Word::Digits(n_chars.min(12))
            } else {
                Word::Text(a, end)
            });
        }
    };
    for (i, c) in lower.char_indices() {
        if c.is_alphanumeric() {
            if begin.is_none() {
                begin = Some(i);
                all_digits = true;
                n_chars = 0;
            }
            all_digits &= c.is_ascii_digit();
            n_chars += 1;
        } else {
            flush(&mut begin, i, all_digits, n_chars, &mut out);
            // Currency symbols are strong evidence and carry no letters, so keep them as words.
            if matches!(c, '£' | '$' | '€') {
                out.push(Word::Currency(c));
            }
        }
    }
    flush(&mut begin, lower.len(), all_digits, n_chars, &mut out);
    out
}

/// Lower-cased text with every whitespace run collapsed to one space and a space at both
/// ends, plus the byte offset of every character (and of the end).
fn collapse_space(lower: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(lower.len() + 2);
    let mut starts = Vec::with_capacity(lower.len() + 3);
    let mut push = |c: char, out: &mut String| {
        starts.push(out.len());
        out.push(c);
    };
    push(' ', &mut out);
    for c in lower.chars() {
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                push(' ', &mut out);
            }
        } else {
            push(c, &mut out);
        }
    }
    if !out.ends_with(' ') {
        push(' ', &mut out);
    }
    starts.push(out.len());
    (out, starts)
}

/// The handcrafted features, by name and value.
fn handcrafted(text: &str, lower: &str, words: &[Word]) -> [(&'static str, f32); 8] {
    let (mut url_word, mut bait) = (false, 0usize);
    for w in words {
        if let Word::Text(a, b) = *w {
            match &lower[a..b] {
                "com" | "net" | "co" | "uk" => url_word = true,
                w if BAIT.contains(&w) => bait += 1,
                _ => {}
            }
        }
    }
    let has_url = url_word || lower.contains("http") || lower.contains("www.");
    // One pass over the characters: longest digit run (allowing single spaces inside, as in
    // "0800 123 456"), letters, capitals, length.
    let (mut longest, mut run, mut prev_space) = (0usize, 0usize, false);
    let (mut letters, mut upper, mut chars) = (0usize, 0usize, 0usize);
    let (mut currency, mut exclaim) = (false, false);
    for c in text.chars().take(MAX_CHARS) {
        chars += 1;
        if c.is_ascii_digit() {
            run += 1;
            prev_space = false;
        } else if c == ' ' && run > 0 && !prev_space {
            prev_space = true;
        } else {
            longest = longest.max(run);
            run = 0;
            prev_space = false;
        }
        if c.is_alphabetic() {
            letters += 1;
            upper += usize::from(c.is_uppercase());
        }
        currency |= matches!(c, '£' | '$' | '€');
        exclaim |= c == '!';
    }
    longest = longest.max(run);
    let caps_ratio = if letters >= 10 {
        upper as f32 / letters as f32
    } else {
        0.0
    };
    let flag = |b: bool| f32::from(u8::from(b));
    [
        ("url", flag(has_url)),
        ("phone", flag(longest >= 7)),
        ("shortcode", flag((5..7).contains(&longest))),
        ("currency", flag(currency)),
        ("caps", caps_ratio),
        ("bait", (bait as f32).min(3.0) / 3.0),
        ("long", (chars as f32 / 160.0).min(1.5)),
        ("exclaim", flag(exclaim)),
    ]
}

/// Words typical of prize and reply-to-claim spam.
const BAIT: [&str; 11] = [
    "free", "win", "won", "winner", "claim", "prize", "cash", "urgent", "txt", "reply", "award",
];

/// FNV-1a hash of a namespace byte and a key, reduced to a bucket.
fn bucket(namespace: u8, key: &[u8]) -> u32 {
    finish(feed(start(namespace), key))
}

/// FNV-1a state after the namespace byte.
fn start(namespace: u8) -> u64 {
    feed(0xcbf2_9ce4_8422_2325, &[namespace])
}

/// Feeds bytes into an FNV-1a state (so keys made of pieces need no allocation).
fn feed(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Reduces an FNV state to a bucket, folding the high bits in: FNV's low bits alone mix
/// poorly for short keys.
fn finish(h: u64) -> u32 {
    ((h ^ (h >> 29)) as usize % BUCKETS) as u32
}

thread_local! {
    /// Per-thread count scratch, one slot per bucket, all zero between calls. Counting in a
    /// flat array instead of sorting the ~500 raw features made extraction several times faster.
    static COUNTS: Cell<Vec<u16>> = const { Cell::new(Vec::new()) };
}

/// Counts raw bucket hits into sublinear term frequencies (1 + ln tf), in first-seen order.
fn count_sublinear(raw: &[u32]) -> Features {
    COUNTS.with(|cell| {
        let mut counts = cell.take();
        if counts.len() != BUCKETS {
            counts = vec![0; BUCKETS];
        }
        let mut seen: Vec<u32> = Vec::with_capacity(raw.len());
        for &b in raw {
            if let Some(c) = counts.get_mut(b as usize) {
                if *c == 0 {
                    seen.push(b);
                }
                *c = c.saturating_add(1);
            }
        }
        let feats = seen
            .into_iter()
            .map(|b| {
                let slot = counts.get_mut(b as usize);
                let n = slot.map_or(1, std::mem::take);
                // Most features occur once; skipping ln(1) = 0 saves most of the logarithms.
                (b, if n > 1 { 1.0 + f32::from(n).ln() } else { 1.0 })
            })
            .collect();
        cell.set(counts);
        feats
    })
}

/// Scales the vector to unit Euclidean length (no-op for an empty vector).
fn normalize(feats: &mut Features) {
    let norm = feats.iter().map(|&(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for f in feats {
            f.1 /= norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_in_range_and_finite() {
        let f = extract("WINNER!! Call 09061701461 to claim £900 at www.example.com now");
        assert!(
            f.iter()
                .all(|&(i, v)| (i as usize) < BUCKETS && v.is_finite())
        );
    }

    #[test]
    fn digit_runs_become_shape_tokens() {
        let lower = "call 87121 now £5";
        let mut buf = [0u8; 3];
        let rendered: Vec<String> = words(lower)
            .iter()
            .map(|w| String::from_utf8_lossy(w.bytes(lower, &mut buf)).into_owned())
            .collect();
        assert_eq!(rendered, vec!["call", "#5", "now", "£", "#1"]);
    }

    #[test]
    fn empty_text_has_only_the_bias() {
        assert_eq!(extract("").len(), 1);
    }
}
