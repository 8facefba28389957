//! Turns a message into a sparse, hashed feature vector for the spam model.
//!
//! Features are word unigrams and bigrams, character 3–5-grams of the lower-cased text and a
//! handful of handcrafted signals that spam relies on (links, phone and short-code numbers,
//! currency, shouting, "free/win/claim" vocabulary). Every feature is hashed into a fixed number
//! of buckets (the "hashing trick"), so the model is a flat weight array with no vocabulary to
//! store, and unseen words cost nothing. The same code runs at training and at scoring time.

/// Number of hash buckets (a power of two). 2^16 keeps collisions rare enough for SMS-sized
/// vocabularies (2^17 scored the same in cross-validation) and the i16 model at 128 KiB.
pub const BUCKETS: usize = 1 << 16;

/// Longest input considered: spam is decided in the first few hundred characters, and the cap
/// keeps scoring time bounded on hostile, megabyte-long input.
const MAX_CHARS: usize = 2_000;

/// A sparse feature vector: sorted, de-duplicated bucket indices with their values.
pub type Features = Vec<(u32, f32)>;

/// Extracts the feature vector of one message.
pub fn extract(text: &str) -> Features {
    let lower: String = text
        .chars()
        .take(MAX_CHARS)
        .flat_map(char::to_lowercase)
        .collect();
    let mut raw: Vec<(u32, f32)> = Vec::with_capacity(lower.len() * 4);

    // Words: runs of letters/digits; numbers become shape tokens so that "87121" and "80062"
    // share evidence ("a 5-digit short code").
    let words: Vec<String> = words(&lower);
    for w in &words {
        raw.push((bucket(b'w', w.as_bytes()), 1.0));
    }
    for pair in words.windows(2) {
        let mut key = Vec::with_capacity(pair[0].len() + pair[1].len() + 1);
        key.extend_from_slice(pair[0].as_bytes());
        key.push(b' ');
        key.extend_from_slice(pair[1].as_bytes());
        raw.push((bucket(b'b', &key), 1.0));
    }

    // Character n-grams over the whitespace-collapsed text catch spelling variants
    // ("txt", "txting", "2day") and punctuation habits ("£1000", "!!").
    let chars: Vec<char> = collapse_space(&lower);
    let mut buf = [0u8; 20];
    for n in 3..=5 {
        for gram in chars.windows(n) {
            let mut len = 0;
            for c in gram {
                len += c.encode_utf8(&mut buf[len..]).len();
            }
            raw.push((bucket(b'0' + n as u8, &buf[..len]), 1.0));
        }
    }

    let mut feats = merge_sublinear(raw);
    normalize(&mut feats);

    // Handcrafted signals, added after normalisation so their scale does not depend on length.
    for (name, value) in handcrafted(text, &lower, &words) {
        if value != 0.0 {
            feats.push((bucket(b'f', name.as_bytes()), value));
        }
    }
    feats.push((bucket(b'f', b"bias"), 1.0));
    merge_sum(feats)
}

/// Splits lower-cased text into word tokens; digit runs become shape tokens like `#5`.
fn words(lower: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        if cur.is_empty() {
            return;
        }
        if cur.chars().all(|c| c.is_ascii_digit()) {
            out.push(format!("#{}", cur.len().min(12)));
        } else {
            out.push(std::mem::take(cur));
        }
        cur.clear();
    };
    for c in lower.chars() {
        if c.is_alphanumeric() || c == '\'' {
            if c != '\'' {
                cur.push(c);
            }
        } else {
            flush(&mut cur, &mut out);
            // Currency symbols are strong evidence and carry no letters, so keep them as words.
            if matches!(c, '£' | '$' | '€') {
                out.push(c.to_string());
            }
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// Lower-cased characters with every whitespace run collapsed to one space.
fn collapse_space(lower: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(lower.len() + 2);
    out.push(' ');
    for c in lower.chars() {
        if c.is_whitespace() {
            if out.last() != Some(&' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    if out.last() != Some(&' ') {
        out.push(' ');
    }
    out
}

/// The handcrafted features, by name and value.
fn handcrafted(text: &str, lower: &str, words: &[String]) -> [(&'static str, f32); 8] {
    let has_url = lower.contains("http")
        || lower.contains("www.")
        || words
            .iter()
            .any(|w| matches!(w.as_str(), "com" | "net" | "co" | "uk"));
    // Longest run of digits, allowing single spaces inside ("0800 123 456").
    let mut longest = 0usize;
    let mut run = 0usize;
    let mut prev_space = false;
    for c in text.chars().take(MAX_CHARS) {
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
    }
    longest = longest.max(run);
    let letters = text
        .chars()
        .take(MAX_CHARS)
        .filter(|c| c.is_alphabetic())
        .count();
    let upper = text
        .chars()
        .take(MAX_CHARS)
        .filter(|c| c.is_uppercase())
        .count();
    let caps_ratio = if letters >= 10 {
        upper as f32 / letters as f32
    } else {
        0.0
    };
    let bait = words
        .iter()
        .filter(|w| {
            matches!(
                w.as_str(),
                "free"
                    | "win"
                    | "won"
                    | "winner"
                    | "claim"
                    | "prize"
                    | "cash"
                    | "urgent"
                    | "txt"
                    | "reply"
                    | "award"
            )
        })
        .count();
    let chars = text.chars().take(MAX_CHARS).count();
    [
        ("url", f32::from(u8::from(has_url))),
        ("phone", f32::from(u8::from(longest >= 7))),
        ("shortcode", f32::from(u8::from((5..7).contains(&longest)))),
        (
            "currency",
            f32::from(u8::from(text.contains(['£', '$', '€']))),
        ),
        ("caps", caps_ratio),
        ("bait", (bait as f32).min(3.0) / 3.0),
        ("long", (chars as f32 / 160.0).min(1.5)),
        ("exclaim", f32::from(u8::from(text.contains('!')))),
    ]
}

/// FNV-1a hash of a namespace byte and a key, reduced to a bucket.
fn bucket(namespace: u8, key: &[u8]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in std::iter::once(&namespace).chain(key) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Fold the high bits in: FNV's low bits alone mix poorly for short keys.
    ((h ^ (h >> 29)) as usize % BUCKETS) as u32
}

/// Sorts and merges counts into sublinear term frequencies (1 + ln tf).
fn merge_sublinear(mut raw: Vec<(u32, f32)>) -> Features {
    raw.sort_unstable_by_key(|&(i, _)| i);
    let mut out: Features = Vec::with_capacity(raw.len());
    for (i, v) in raw {
        match out.last_mut() {
            Some(last) if last.0 == i => last.1 += v,
            _ => out.push((i, v)),
        }
    }
    for f in &mut out {
        f.1 = 1.0 + f.1.ln();
    }
    out
}

/// Sorts and sums values of equal buckets.
fn merge_sum(mut raw: Vec<(u32, f32)>) -> Features {
    raw.sort_unstable_by_key(|&(i, _)| i);
    let mut out: Features = Vec::with_capacity(raw.len());
    for (i, v) in raw {
        match out.last_mut() {
            Some(last) if last.0 == i => last.1 += v,
            _ => out.push((i, v)),
        }
    }
    out
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
    fn features_are_sorted_unique_and_in_range() {
        let f = extract("WINNER!! Call 09061701461 to claim £900 at www.example.com now");
        assert!(f.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(
            f.iter()
                .all(|&(i, v)| (i as usize) < BUCKETS && v.is_finite())
        );
    }

    #[test]
    fn digit_runs_become_shape_tokens() {
        assert_eq!(words("call 87121 now"), vec!["call", "#5", "now"]);
    }

    #[test]
    fn empty_text_has_only_the_bias() {
        assert_eq!(extract("").len(), 1);
    }
}
