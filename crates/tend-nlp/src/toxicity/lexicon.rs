//! The embedded toxicity lexicon (`data/toxicity/lexicon.tsv`) and its lookup indexes.
//!
//! The file is parsed once into: whole-word entries (also indexed by their squeezed form, so
//! `fuuuck` finds `fuck`), multi-word phrases keyed by their first word, stems matched inside
//! longer words (`motherfucker`), and masks for starred words (`f**k`). See the file header for
//! the format; `data/toxicity/README.md` says where the words come from.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::normalize::squeeze;

/// What a lexicon entry means when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Swearing.
    Profanity,
    /// An insult by itself.
    Insult,
    /// Sexual language.
    Sexual,
    /// A threat by itself ("kill yourself").
    Threat,
    /// A slur: an identity attack by itself.
    Slur,
    /// A pejorative ("disgusting"): insult, or identity attack next to an identity term.
    Attack,
    /// A harm verb ("kill"): a threat when aimed at a person or a group.
    Violence,
    /// An identity term ("muslim", "gay"): never toxic by itself.
    Identity,
    /// A person being addressed or referred to ("you", "dig").
    Target,
    /// Future or intent marker ("i will", "gonna", "ska").
    Intent,
    /// Negation ("not", "inte").
    Negator,
}

/// One lexicon entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What a match means.
    pub kind: Kind,
    /// Toxicity of a match on its own, in [0, 1].
    pub weight: f64,
    /// The pattern as written in the lexicon (for explanations).
    pub pattern: String,
}

/// FNV-1a: the keys are short words from our own file, so DoS-resistant SipHash buys nothing
/// and costs a third of the lookup time.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Map keyed by word with the FNV hasher.
pub type WordMap<V> = HashMap<String, V, BuildHasherDefault<Fnv>>;

/// All indexes over the lexicon.
#[derive(Debug, Default)]
pub struct Lexicon {
    /// Every entry; the maps below hold indices into it.
    pub entries: Vec<Entry>,
    /// Single-word entries by exact word.
    pub words: WordMap<Vec<usize>>,
    /// Single-word toxic entries by squeezed word.
    pub squeezed: WordMap<Vec<usize>>,
    /// Multi-word entries by their first word, with the remaining words.
    pub phrases: WordMap<Vec<(Vec<String>, usize)>>,
    /// Stems matched inside longer words, with their entry, grouped by first byte so a word
    /// is only compared with stems that can start at each of its positions.
    pub stems: Vec<Vec<(String, usize)>>,
    /// Single toxic words by length in characters, as characters, for starred-word matching.
    pub masks: Vec<Vec<(Vec<char>, usize)>>,
    /// Words that contain a stem but are benign.
    pub benign: HashSet<String, BuildHasherDefault<Fnv>>,
}

impl Lexicon {
    /// Entries of the stems occurring inside `word` (checked at every byte position).
    pub fn stems_in(&self, word: &str) -> impl Iterator<Item = usize> {
        let bytes = word.as_bytes();
        (0..bytes.len()).flat_map(move |i| {
            let group = self
                .stems
                .get(usize::from(bytes[i]))
                .map_or(&[][..], Vec::as_slice);
            group
                .iter()
                .filter(move |(stem, _)| bytes[i..].starts_with(stem.as_bytes()))
                .map(|&(_, id)| id)
        })
    }

    /// Parses the lexicon text; malformed lines are skipped (a unit test checks there are none).
    pub fn parse(text: &str) -> Lexicon {
        let mut lex = Lexicon {
            stems: vec![Vec::new(); 256],
            ..Lexicon::default()
        };
        for line in text.lines() {
            let Some(entry) = parse_line(line) else {
                continue;
            };
            let (kind, weight, pattern) = entry;
            if kind.is_none() {
                lex.benign.insert(pattern.to_owned());
                continue;
            }
            let Some(kind) = kind else { continue };
            let (is_stem, pattern) = match pattern.strip_prefix('~') {
                Some(p) => (true, p),
                None => (false, pattern),
            };
            let words: Vec<String> = pattern
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect();
            let Some(first) = words.first().cloned() else {
                continue;
            };
            let id = lex.entries.len();
            lex.entries.push(Entry {
                kind,
                weight,
                pattern: pattern.to_owned(),
            });
            if words.len() > 1 {
                lex.phrases
                    .entry(first)
                    .or_default()
                    .push((words[1..].to_vec(), id));
                continue;
            }
            if is_stem {
                let byte = first.as_bytes().first().copied().unwrap_or(0);
                if let Some(group) = lex.stems.get_mut(usize::from(byte)) {
                    group.push((first.clone(), id));
                }
            }
            if is_toxic(kind) {
                let sq = squeeze(&first);
                // A squeezed key that is itself an ordinary word ("as" from "ass") must not
                // match; the lookup only consults this map for words that had repeats.
                lex.squeezed.entry(sq).or_default().push(id);
            }
            if matches!(
                kind,
                Kind::Profanity | Kind::Insult | Kind::Sexual | Kind::Slur
            ) {
                let chars: Vec<char> = first.chars().collect();
                if lex.masks.len() <= chars.len() {
                    lex.masks.resize(chars.len() + 1, Vec::new());
                }
                if let Some(group) = lex.masks.get_mut(chars.len()) {
                    group.push((chars, id));
                }
            }
            lex.words.entry(first).or_default().push(id);
        }
        lex
    }
}

/// True for kinds that carry toxicity by themselves or with context.
pub fn is_toxic(kind: Kind) -> bool {
    !matches!(
        kind,
        Kind::Identity | Kind::Target | Kind::Intent | Kind::Negator
    )
}

/// Parses `kind<TAB>weight<TAB>pattern`; `Some((None, ..))` is an `ok` (benign) line.
fn parse_line(line: &str) -> Option<(Option<Kind>, f64, &str)> {
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let mut parts = line.split('\t');
    let kind = parts.next()?;
    let weight: f64 = parts.next()?.trim().parse().ok()?;
    let pattern = parts.next()?.trim();
    if parts.next().is_some() || pattern.is_empty() || !(0.0..=1.0).contains(&weight) {
        return None;
    }
    let kind = match kind {
        "profanity" => Some(Kind::Profanity),
        "insult" => Some(Kind::Insult),
        "sexual" => Some(Kind::Sexual),
        "threat" => Some(Kind::Threat),
        "slur" => Some(Kind::Slur),
        "attack" => Some(Kind::Attack),
        "violence" => Some(Kind::Violence),
        "identity" => Some(Kind::Identity),
        "target" => Some(Kind::Target),
        "intent" => Some(Kind::Intent),
        "negator" => Some(Kind::Negator),
        "ok" => None,
        _ => return None,
    };
    Some((kind, weight, pattern))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_committed_lexicon_parses() {
        let text = include_str!("../../data/toxicity/lexicon.tsv");
        let bad: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && parse_line(l).is_none())
            .collect();
        assert!(bad.is_empty(), "malformed lines: {bad:?}");
    }

    #[test]
    fn no_pattern_is_listed_twice() {
        let text = include_str!("../../data/toxicity/lexicon.tsv");
        let mut seen = HashSet::new();
        for line in text.lines() {
            if let Some((_, _, pattern)) = parse_line(line) {
                assert!(seen.insert(pattern), "duplicate pattern {pattern:?}");
            }
        }
    }

    #[test]
    fn phrases_stems_and_words_are_indexed() {
        let lex = Lexicon::parse(
            "insult\t0.5\tshut up\nprofanity\t0.8\t~fuck\nok\t0\tcocktail\nidentity\t0\tgay\n",
        );
        assert_eq!(lex.phrases["shut"][0].0, vec!["up".to_owned()]);
        assert_eq!(lex.stems[usize::from(b'f')][0].0, "fuck");
        assert!(lex.benign.contains("cocktail"));
        assert!(lex.words.contains_key("gay"));
        assert!(!lex.squeezed.contains_key("gay"));
    }
}
