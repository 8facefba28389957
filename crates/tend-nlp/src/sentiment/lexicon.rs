//! VADER's word tables, built once from the embedded lexicon files.
//!
//! Every word VADER cares about (lexicon words, boosters/dampeners, negations and the
//! handful of words its special rules compare against) is folded into one hash map, so
//! scoring a token costs a single lookup of its lower-cased form. The constants mirror
//! vaderSentiment 3.3.x; they are empirically derived by the VADER authors.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// Raw text of the VADER lexicon (MIT, see `data/sentiment/LICENSE-vader.txt`).
const LEXICON_TXT: &str = include_str!("../../data/sentiment/vader_lexicon.txt");
/// Raw text of the VADER emoji lexicon.
const EMOJI_TXT: &str = include_str!("../../data/sentiment/emoji_utf8_lexicon.txt");

/// Valence added by a booster word ("very"); dampeners subtract it.
pub(crate) const B_INCR: f64 = 0.293;
/// Valence added to a word written in capitals when the rest of the text is not.
pub(crate) const C_INCR: f64 = 0.733;
/// Factor applied to a negated valence.
pub(crate) const N_SCALAR: f64 = -0.74;

/// Word identities that VADER's hand-written rules test for. Zero means "none of these".
pub(crate) mod id {
    pub const NO: u8 = 1;
    pub const KIND: u8 = 2;
    pub const OF: u8 = 3;
    pub const LEAST: u8 = 4;
    pub const AT: u8 = 5;
    pub const VERY: u8 = 6;
    pub const NEVER: u8 = 7;
    pub const SO: u8 = 8;
    pub const THIS: u8 = 9;
    pub const WITHOUT: u8 = 10;
    pub const DOUBT: u8 = 11;
    pub const BUT: u8 = 12;
    pub const OR: u8 = 13;
    pub const NOR: u8 = 14;
    pub const THE: u8 = 15;
    pub const SHIT: u8 = 16;
    pub const BOMB: u8 = 17;
    pub const BAD: u8 = 18;
    pub const ASS: u8 = 19;
    pub const BUS: u8 = 20;
    pub const STOP: u8 = 21;
    pub const YEAH: u8 = 22;
    pub const RIGHT: u8 = 23;
    pub const KISS: u8 = 24;
    pub const DEATH: u8 = 25;
    pub const TO: u8 = 26;
    pub const DIE: u8 = 27;
    pub const FOR: u8 = 28;
    pub const BEATING: u8 = 29;
    pub const HEART: u8 = 30;
    pub const BROKEN: u8 = 31;
    pub const JUST: u8 = 32;
    pub const ENOUGH: u8 = 33;
    pub const SORT: u8 = 34;
}

/// The rule words, by id.
const RULE_WORDS: [(&str, u8); 34] = [
    ("no", id::NO),
    ("kind", id::KIND),
    ("of", id::OF),
    ("least", id::LEAST),
    ("at", id::AT),
    ("very", id::VERY),
    ("never", id::NEVER),
    ("so", id::SO),
    ("this", id::THIS),
    ("without", id::WITHOUT),
    ("doubt", id::DOUBT),
    ("but", id::BUT),
    ("or", id::OR),
    ("nor", id::NOR),
    ("the", id::THE),
    ("shit", id::SHIT),
    ("bomb", id::BOMB),
    ("bad", id::BAD),
    ("ass", id::ASS),
    ("bus", id::BUS),
    ("stop", id::STOP),
    ("yeah", id::YEAH),
    ("right", id::RIGHT),
    ("kiss", id::KISS),
    ("death", id::DEATH),
    ("to", id::TO),
    ("die", id::DIE),
    ("for", id::FOR),
    ("beating", id::BEATING),
    ("heart", id::HEART),
    ("broken", id::BROKEN),
    ("just", id::JUST),
    ("enough", id::ENOUGH),
    ("sort", id::SORT),
];

/// Multi-word idioms that replace the valence of the lexicon word they contain
/// (VADER's `SPECIAL_CASES` at the reference commit 44fc044, which the golden scores
/// come from; the PyPI 3.3.2 release has "beating heart" 3.5 and no "broken heart",
/// which changes 3 of the 23,703 reference texts). The one-word key "badass" of the
/// original table can never match a word sequence and is omitted.
pub(crate) const SPECIAL_CASES: [(&[u8], &str, f64); 9] = [
    (&[id::THE, id::SHIT], "the shit", 3.0),
    (&[id::THE, id::BOMB], "the bomb", 3.0),
    (&[id::BAD, id::ASS], "bad ass", 1.5),
    (&[id::BUS, id::STOP], "bus stop", 0.0),
    (&[id::YEAH, id::RIGHT], "yeah right", -2.0),
    (&[id::KISS, id::OF, id::DEATH], "kiss of death", -1.5),
    (&[id::TO, id::DIE, id::FOR], "to die for", 3.0),
    (&[id::BEATING, id::HEART], "beating heart", 3.1),
    (&[id::BROKEN, id::HEART], "broken heart", -2.9),
];

/// Two-word dampeners ("kind of") that VADER adds when they precede a word.
pub(crate) const BOOSTER_PHRASES: [(u8, u8, &str, f64); 3] = [
    (id::JUST, id::ENOUGH, "just enough", -B_INCR),
    (id::KIND, id::OF, "kind of", -B_INCR),
    (id::SORT, id::OF, "sort of", -B_INCR),
];

/// Negation words (VADER's `NEGATE`). Any word containing "n't" also negates.
const NEGATE: [&str; 59] = [
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// Single-word boosters (+) and dampeners (−) (VADER's `BOOSTER_DICT`).
const BOOSTERS: [(&str, f64); 80] = [
    ("absolutely", B_INCR),
    ("amazingly", B_INCR),
    ("awfully", B_INCR),
    ("completely", B_INCR),
    ("considerable", B_INCR),
    ("considerably", B_INCR),
    ("decidedly", B_INCR),
    ("deeply", B_INCR),
    ("effing", B_INCR),
    ("enormous", B_INCR),
    ("enormously", B_INCR),
    ("entirely", B_INCR),
    ("especially", B_INCR),
    ("exceptional", B_INCR),
    ("exceptionally", B_INCR),
    ("extreme", B_INCR),
    ("extremely", B_INCR),
    ("fabulously", B_INCR),
    ("flipping", B_INCR),
    ("flippin", B_INCR),
    ("frackin", B_INCR),
    ("fracking", B_INCR),
    ("fricking", B_INCR),
    ("frickin", B_INCR),
    ("frigging", B_INCR),
    ("friggin", B_INCR),
    ("fully", B_INCR),
    ("fuckin", B_INCR),
    ("fucking", B_INCR),
    ("fuggin", B_INCR),
    ("fugging", B_INCR),
    ("greatly", B_INCR),
    ("hella", B_INCR),
    ("highly", B_INCR),
    ("hugely", B_INCR),
    ("incredible", B_INCR),
    ("incredibly", B_INCR),
    ("intensely", B_INCR),
    ("major", B_INCR),
    ("majorly", B_INCR),
    ("more", B_INCR),
    ("most", B_INCR),
    ("particularly", B_INCR),
    ("purely", B_INCR),
    ("quite", B_INCR),
    ("really", B_INCR),
    ("remarkably", B_INCR),
    ("so", B_INCR),
    ("substantially", B_INCR),
    ("thoroughly", B_INCR),
    ("total", B_INCR),
    ("totally", B_INCR),
    ("tremendous", B_INCR),
    ("tremendously", B_INCR),
    ("uber", B_INCR),
    ("unbelievably", B_INCR),
    ("unusually", B_INCR),
    ("utter", B_INCR),
    ("utterly", B_INCR),
    ("very", B_INCR),
    ("almost", -B_INCR),
    ("barely", -B_INCR),
    ("hardly", -B_INCR),
    ("kinda", -B_INCR),
    ("kindof", -B_INCR),
    ("kind-of", -B_INCR),
    ("less", -B_INCR),
    ("little", -B_INCR),
    ("marginal", -B_INCR),
    ("marginally", -B_INCR),
    ("occasional", -B_INCR),
    ("occasionally", -B_INCR),
    ("partly", -B_INCR),
    ("scarce", -B_INCR),
    ("scarcely", -B_INCR),
    ("slight", -B_INCR),
    ("slightly", -B_INCR),
    ("somewhat", -B_INCR),
    ("sorta", -B_INCR),
    ("sortof", -B_INCR),
];

/// Everything VADER knows about one lower-cased word, packed into 16 bytes so the
/// tokens stay small on the hot path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Word {
    /// Lexicon valence; NaN when the word is not in the lexicon.
    valence: f64,
    /// +1 booster, −1 dampener, 0 neither.
    booster_sign: i8,
    /// Whether the word is a negation.
    pub negation: bool,
    /// Rule-word identity (see [`id`]); 0 when none.
    pub id: u8,
}

impl Default for Word {
    fn default() -> Word {
        Word {
            valence: f64::NAN,
            booster_sign: 0,
            negation: false,
            id: 0,
        }
    }
}

impl Word {
    /// Lexicon valence, if the word is in the lexicon.
    #[inline]
    pub(crate) fn valence(&self) -> Option<f64> {
        (!self.valence.is_nan()).then_some(self.valence)
    }

    /// Whether the word is a booster or a dampener.
    #[inline]
    pub(crate) fn is_booster(&self) -> bool {
        self.booster_sign != 0
    }

    /// Booster (+0.293) or dampener (−0.293) scalar; 0 when neither.
    #[inline]
    pub(crate) fn booster(&self) -> f64 {
        f64::from(self.booster_sign) * B_INCR
    }
}

/// A small, fast, non-cryptographic hasher (the Fx hash used by rustc). The keys are
/// our own fixed vocabulary, so hash flooding is not a concern: an attacker can only
/// make lookups miss, and misses cost the same.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(buf));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Hash map with the Fx hasher.
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The combined word table: lower-cased word → what VADER knows about it.
pub(crate) static WORDS: LazyLock<WordTable> = LazyLock::new(|| WordTable::new(build_words()));

/// Seed of the word hash.
pub(crate) const WORD_HASH_SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// Extends the word hash by eight bytes (little-endian, zero-padded at the end of the
/// word). The tokenizer computes it while lower-casing eight bytes at a time, so a
/// lookup needs no second pass over the token.
#[inline(always)]
pub(crate) fn word_hash_step(hash: u64, chunk: u64) -> u64 {
    (hash.rotate_left(5) ^ chunk).wrapping_mul(FX_SEED)
}

/// Loads up to eight bytes as a zero-padded little-endian word.
#[inline(always)]
pub(crate) fn load_chunk(bytes: &[u8]) -> u64 {
    if let Some(head) = bytes.first_chunk::<8>() {
        return u64::from_le_bytes(*head);
    }
    // Shorter than eight bytes: assemble without a variable-length memcpy call.
    let mut x = 0u64;
    for (k, &b) in bytes.iter().enumerate() {
        x |= u64::from(b) << (8 * k);
    }
    x
}

/// The word hash of a whole (already lower-cased) byte string.
#[inline]
pub(crate) fn word_hash(bytes: &[u8]) -> u64 {
    bytes
        .chunks(8)
        .fold(WORD_HASH_SEED, |h, c| word_hash_step(h, load_chunk(c)))
}

/// An open-addressing hash table specialised for the word lookups on VADER's hot path:
/// the caller supplies the hash (computed during lower-casing) and the lower-cased
/// bytes; slots hold indices into a dense entry array so the probe array stays small.
pub(crate) struct WordTable {
    /// Per slot: (high 32 bits of the hash, entry index + 1); index 0 marks an empty
    /// slot. The tag lets most probes finish without touching the entry array.
    slots: Vec<(u32, u32)>,
    shift: u32,
    entries: Vec<Entry>,
    /// One bit per value of the hash's top 16 bits, set for every key: an 8 kB filter
    /// that stays in L1 cache and rejects most words that are not in the table (about
    /// three in four tokens) before the probe array is touched.
    filter: Vec<u64>,
}

struct Entry {
    hash: u64,
    /// The first eight bytes of the key, zero-padded, for a one-compare match of short words.
    head: u64,
    key: &'static str,
    word: Word,
}

impl WordTable {
    fn new(words: FxMap<&'static str, Word>) -> WordTable {
        let size = (words.len() * 2).next_power_of_two().max(16);
        let mut table = WordTable {
            slots: vec![(0, 0); size],
            shift: 64 - size.trailing_zeros(),
            entries: Vec::with_capacity(words.len()),
            filter: vec![0; 1 << 10],
        };
        let mut sorted: Vec<(&'static str, Word)> = words.into_iter().collect();
        // Sorted insertion makes the probe layout independent of HashMap iteration order.
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mask = size - 1;
        for (key, word) in sorted {
            let hash = word_hash(key.as_bytes());
            let mut i = (hash >> table.shift) as usize;
            while table.slots[i].1 != 0 {
                i = (i + 1) & mask;
            }
            table.entries.push(Entry {
                hash,
                head: load_chunk(key.as_bytes()),
                key,
                word,
            });
            let bit = (hash >> 48) as usize;
            table.filter[bit >> 6] |= 1 << (bit & 63);
            table.slots[i] = ((hash >> 32) as u32, table.entries.len() as u32);
        }
        table
    }

    /// Looks up lower-cased `key` whose [`word_hash`] is `hash`.
    #[inline]
    pub(crate) fn get(&self, hash: u64, key: &[u8]) -> Option<&Word> {
        let mask = self.slots.len() - 1;
        let mut i = (hash >> self.shift) as usize;
        loop {
            let (tag, slot) = self.slots[i];
            if slot == 0 {
                return None;
            }
            let e = &self.entries[slot as usize - 1];
            if tag == (hash >> 32) as u32 && e.hash == hash && e.key.as_bytes() == key {
                return Some(&e.word);
            }
            i = (i + 1) & mask;
        }
    }

    /// Looks up a lower-cased word of `len` bytes given as zero-padded 8-byte chunks
    /// (the tokenizer's form), with its [`word_hash`].
    #[inline]
    pub(crate) fn get_chunks(&self, hash: u64, chunks: &[u64], len: usize) -> Option<&Word> {
        let bit = (hash >> 48) as usize;
        if (self.filter[bit >> 6] >> (bit & 63)) & 1 == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = (hash >> self.shift) as usize;
        loop {
            let (tag, slot) = self.slots[i];
            if slot == 0 {
                return None;
            }
            if tag != (hash >> 32) as u32 {
                i = (i + 1) & mask;
                continue;
            }
            let e = &self.entries[slot as usize - 1];
            if e.hash == hash
                && e.key.len() == len
                && e.head == chunks[0]
                && (len <= 8 || chunks_equal(&chunks[1..], &e.key.as_bytes()[8..]))
            {
                return Some(&e.word);
            }
            i = (i + 1) & mask;
        }
    }

    /// Looks up a lower-cased word.
    pub(crate) fn lookup(&self, key: &str) -> Option<&Word> {
        self.get(word_hash(key.as_bytes()), key.as_bytes())
    }

    /// All entries, for tests and statistics.
    #[cfg(test)]
    pub(crate) fn words(&self) -> impl Iterator<Item = &Word> {
        self.entries.iter().map(|e| &e.word)
    }

    /// Length in bytes of the longest word.
    #[cfg(test)]
    pub(crate) fn max_len(&self) -> usize {
        self.entries.iter().map(|e| e.key.len()).max().unwrap_or(0)
    }
}

/// Whether zero-padded chunks spell `rest` (whose length the caller has checked).
fn chunks_equal(chunks: &[u64], rest: &[u8]) -> bool {
    rest.chunks(8)
        .zip(chunks)
        .all(|(part, &chunk)| load_chunk(part) == chunk)
}

/// Single-character emoji → description (multi-character keys of the file can never
/// match VADER's character-by-character substitution, so they are left out).
pub(crate) static EMOJI: LazyLock<FxMap<char, &'static str>> = LazyLock::new(build_emoji);

fn build_words() -> FxMap<&'static str, Word> {
    let mut map: FxMap<&'static str, Word> = FxMap::default();
    // Same parsing as the reference: skip empty lines, strip, take the first two
    // tab-separated fields; a later duplicate overrides an earlier one.
    for line in LEXICON_TXT.trim_end_matches('\n').split('\n') {
        if line.is_empty() {
            continue;
        }
        let mut fields = py_strip(line).split('\t');
        let (Some(word), Some(measure)) = (fields.next(), fields.next()) else {
            continue;
        };
        if let Ok(valence) = measure.parse::<f64>() {
            map.entry(word).or_default().valence = valence;
        }
    }
    for (word, scalar) in BOOSTERS {
        map.entry(word).or_default().booster_sign = if scalar > 0.0 { 1 } else { -1 };
    }
    for word in NEGATE {
        map.entry(word).or_default().negation = true;
    }
    for (word, word_id) in RULE_WORDS {
        map.entry(word).or_default().id = word_id;
    }
    map
}

fn build_emoji() -> FxMap<char, &'static str> {
    let mut map = FxMap::default();
    for line in EMOJI_TXT.trim_end_matches('\n').split('\n') {
        let mut fields = py_strip(line).split('\t');
        let (Some(key), Some(description)) = (fields.next(), fields.next()) else {
            continue;
        };
        let mut chars = key.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            map.insert(c, description);
        }
    }
    map
}

/// Python's `str.isspace` for one character: Unicode White_Space plus the ASCII
/// information separators U+001C..U+001F, which Python also splits on.
#[inline]
pub(crate) fn py_is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` with no argument.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(py_is_space)
}

/// Python's `str.isupper()`: at least one cased character and no lower-case or
/// title-case one.
#[inline]
pub(crate) fn py_is_upper(s: &str) -> bool {
    let mut cased = false;
    if s.is_ascii() {
        for b in s.bytes() {
            if b.is_ascii_lowercase() {
                return false;
            }
            cased |= b.is_ascii_uppercase();
        }
        return cased;
    }
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// Unicode general category Lt (title-case letters such as "ǅ"); Rust's standard
/// library has no predicate for it and Python's `isupper` treats them as not upper.
fn is_titlecase(c: char) -> bool {
    matches!(c as u32,
        0x1c5 | 0x1c8 | 0x1cb | 0x1f2 | 0x1f88..=0x1f8f | 0x1f98..=0x1f9f
        | 0x1fa8..=0x1faf | 0x1fbc | 0x1fcc | 0x1ffc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicon_has_all_entries_and_known_values() {
        let n_lexicon = WORDS.words().filter(|w| w.valence().is_some()).count();
        assert_eq!(n_lexicon, 7506);
        assert_eq!(WORDS.lookup("good").and_then(|w| w.valence()), Some(1.9));
        assert_eq!(WORDS.lookup("very").map(|w| w.booster()), Some(B_INCR));
        assert!(WORDS.lookup("isn't").is_some_and(|w| w.negation));
        assert!(WORDS.lookup("goodx").is_none());
        assert!(
            WORDS.max_len() <= 64,
            "the tokenizer's stack buffer assumes short words"
        );
        assert_eq!(EMOJI.get(&'😁'), Some(&"beaming face with smiling eyes"));
    }

    #[test]
    fn python_string_predicates() {
        assert!(py_is_upper("GOOD!"));
        assert!(!py_is_upper("Good"));
        assert!(!py_is_upper(":)"));
        assert!(py_is_upper("ÉTÉ"));
        assert!(!py_is_upper("ǅ"));
        assert!(py_is_space('\u{1f}'));
        assert!(py_is_space('\u{a0}'));
        assert!(!py_is_space('\u{200b}'));
    }
}
