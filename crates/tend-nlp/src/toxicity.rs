//! Toxicity score with categories and an explanation, from a hand-written weighted lexicon.
//!
//! `toxicity(text)` normalises obfuscations away (`toxicity/normalize.rs`), matches the English and
//! Swedish lexicon in `data/toxicity/lexicon.tsv` (words, phrases, stems, masks) and applies a
//! few context rules: an insult aimed at "you" weighs more; a pejorative ("disgusting") or a
//! harm verb ("kill") next to an identity term becomes an identity attack; a harm verb aimed at
//! a person becomes a threat, more so after "I will"/"gonna"; negation ("not stupid") damps
//! insults; mild words fade in long texts. Identity terms ("gay", "muslim", "black", "trans")
//! never add toxicity on their own. Scores combine as a noisy-or. Nothing is trained; where the
//! words come from (and what of the test sets was seen) is in `data/toxicity/README.md`, and
//! `tend eval toxicity` (crate `tend-bench`) runs the Jigsaw bias test sets.

mod lexicon;
mod normalize;

use std::sync::LazyLock;

use lexicon::{Kind, Lexicon, is_toxic};
use normalize::{Token, squeeze};

/// A kind of toxicity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Name-calling and demeaning language aimed at someone.
    Insult,
    /// Threats of violence or wishes of harm.
    Threat,
    /// Attacks on people for an identity (slurs, "X are disgusting", "kill X").
    IdentityAttack,
    /// Swearing.
    Profanity,
    /// Sexually explicit language.
    Sexual,
}

/// One category and how strongly it is present.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CategoryScore {
    /// The category.
    pub category: Category,
    /// Strength in [0, 1].
    pub score: f64,
}

/// One lexicon match that contributed to the score: the explanation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// The lexicon pattern that matched (normalised form, e.g. "fuck" for "f.u.c.k").
    pub term: String,
    /// The category it counted towards.
    pub category: Category,
    /// Its weight after the context rules, in [0, 1].
    pub score: f64,
    /// Byte offset of the match in the original text.
    pub start: usize,
    /// Byte offset just past the match in the original text.
    pub end: usize,
}

/// Toxicity verdict for one text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Toxicity {
    /// Overall toxicity in [0, 1]; [`FLAG_THRESHOLD`] is the suggested decision point.
    pub score: f64,
    /// Categories scoring at least [`CATEGORY_THRESHOLD`], strongest first.
    pub categories: Vec<CategoryScore>,
    /// The matches behind the score, in text order (at most 32).
    pub hits: Vec<Hit>,
}

/// Suggested decision threshold for "toxic".
pub const FLAG_THRESHOLD: f64 = 0.5;

/// Bar for listing a category: lower than [`FLAG_THRESHOLD`] because two moderate categories
/// can together make a flagged text, and each should then be named.
pub const CATEGORY_THRESHOLD: f64 = 0.35;

/// Scores how toxic a text is, with categories and the terms that fired.
pub fn toxicity(text: &str) -> Toxicity {
    let tokens = normalize::tokenize(text, MAX_CHARS);
    let marks = find_marks(&LEXICON, &tokens.words, &tokens.joined);
    let mut hits = score_marks(&LEXICON, &marks, tokens.words.len());
    // In a long text a mild word ("hell", "terrible", "sex") is more likely discussion than
    // abuse, so hits below the flag threshold fade with length; strong words count in full.
    let damp = (LONG_TEXT_WORDS / tokens.words.len().max(1) as f64)
        .min(1.0)
        .sqrt();
    for hit in hits.iter_mut().filter(|h| h.score < FLAG_THRESHOLD) {
        hit.score *= damp;
    }

    let mut per_category: Vec<(Category, f64)> = Vec::new();
    let mut not_toxic = 1.0;
    for hit in &hits {
        not_toxic *= 1.0 - hit.score;
        match per_category.iter_mut().find(|(c, _)| *c == hit.category) {
            Some((_, keep)) => *keep *= 1.0 - hit.score,
            None => per_category.push((hit.category, 1.0 - hit.score)),
        }
    }
    not_toxic *= 1.0 - weak_signals(text, &tokens.words);
    let score = clamp01(1.0 - not_toxic);

    let mut categories: Vec<CategoryScore> = per_category
        .into_iter()
        .map(|(category, keep)| CategoryScore {
            category,
            score: clamp01(1.0 - keep),
        })
        .filter(|c| c.score >= CATEGORY_THRESHOLD)
        .collect();
    categories.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.category.cmp(&b.category))
    });
    hits.sort_by_key(|h| (h.start, h.end));
    hits.truncate(MAX_HITS);
    Toxicity {
        score,
        categories,
        hits,
    }
}

/// Characters read per text: abuse shows early, and the cap bounds time on hostile input.
const MAX_CHARS: usize = 20_000;
/// Length in words beyond which mild hits start to fade (see `toxicity`).
const LONG_TEXT_WORDS: f64 = 40.0;
/// Hits returned in the explanation.
const MAX_HITS: usize = 32;
/// Words either side of a pejorative within which an identity term makes it an identity attack.
const IDENTITY_WINDOW: usize = 3;

static LEXICON: LazyLock<Lexicon> =
    LazyLock::new(|| Lexicon::parse(include_str!("../data/toxicity/lexicon.tsv")));

/// A lexicon entry matched over words `first..=last` (word indices) at a byte range.
#[derive(Debug, Clone, Copy)]
struct Mark {
    entry: usize,
    first: usize,
    last: usize,
    start: usize,
    end: usize,
}

/// Finds every lexicon match: phrases, words (exact, Swedish-folded, squeezed, stems, masks)
/// and joined spelled-out words.
fn find_marks(lex: &Lexicon, words: &[Token], joined: &[Token]) -> Vec<Mark> {
    let mut marks = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if let Some(phrases) = lex.phrases.get(word.text.as_str()) {
            for (rest, id) in phrases {
                let tail = words.get(i + 1..i + 1 + rest.len());
                if tail.is_some_and(|t| t.iter().zip(rest).all(|(w, r)| w.text == *r)) {
                    let last = i + rest.len();
                    marks.push(Mark {
                        entry: *id,
                        first: i,
                        last,
                        start: word.start,
                        end: words[last].end,
                    });
                }
            }
        }
        for id in lookup_word(lex, &word.text) {
            marks.push(Mark {
                entry: id,
                first: i,
                last: i,
                start: word.start,
                end: word.end,
            });
        }
    }
    for token in joined {
        let at = words.partition_point(|w| w.start < token.start);
        for id in lookup_word(lex, &token.text) {
            if is_toxic(lex.entries[id].kind) {
                marks.push(Mark {
                    entry: id,
                    first: at,
                    last: at,
                    start: token.start,
                    end: token.end,
                });
            }
        }
    }
    marks
}

/// Entries a single word matches, trying progressively looser forms.
fn lookup_word(lex: &Lexicon, word: &str) -> Vec<usize> {
    if let Some(ids) = lex.words.get(word) {
        return ids.clone();
    }
    if lex.benign.contains(word) {
        return Vec::new();
    }
    // Swedish letters typed without dots ("javla") are in the lexicon; the reverse ("fück"
    // → handled by NFKD) is not needed, but "idiöt"-style decoration is.
    if word.contains(['å', 'ä', 'ö']) {
        let folded: String = word
            .chars()
            .map(|c| match c {
                'å' | 'ä' => 'a',
                'ö' => 'o',
                other => other,
            })
            .collect();
        if let Some(ids) = lex.words.get(folded.as_str()) {
            return ids.clone();
        }
    }
    let squeezed = squeeze(word);
    if squeezed.len() != word.len()
        && let Some(ids) = lex.squeezed.get(squeezed.as_str())
    {
        return ids.clone();
    }
    if word.contains('*') {
        return mask_matches(lex, word);
    }
    if word.len() >= 4 {
        // Only the most specific stem counts ("cocksucker" is not also "cock").
        let longest = |ids: &mut dyn Iterator<Item = usize>| {
            ids.max_by_key(|&id| lex.entries[id].pattern.len())
        };
        let best = longest(&mut lex.stems_in(word)).or_else(|| {
            if squeezed.len() != word.len() {
                longest(&mut lex.stems_in(&squeezed))
            } else {
                None
            }
        });
        if let Some(best) = best {
            return vec![best];
        }
    }
    Vec::new()
}

/// Toxic single words that a starred word could hide (`f**k`, `sh*t`): same length, same
/// visible letters, and at least two letters visible so `***` matches nothing.
fn mask_matches(lex: &Lexicon, word: &str) -> Vec<usize> {
    let masked: Vec<char> = word.chars().collect();
    if masked.iter().filter(|&&c| c != '*').count() < 2 || masked.first() == Some(&'*') {
        return Vec::new();
    }
    let mut best: Option<usize> = None;
    let candidates = lex.masks.get(masked.len()).map_or(&[][..], Vec::as_slice);
    for (candidate, id) in candidates {
        let fits = candidate
            .iter()
            .zip(&masked)
            .all(|(&c, &m)| m == '*' || m == c);
        if fits && best.is_none_or(|b| lex.entries[*id].weight > lex.entries[b].weight) {
            best = Some(*id);
        }
    }
    best.into_iter().collect()
}

/// Applies the context rules to the matches and returns the weighted hits.
fn score_marks(lex: &Lexicon, marks: &[Mark], n_words: usize) -> Vec<Hit> {
    // Per word: which context kinds cover it.
    let mut context = vec![[false; 4]; n_words + 1];
    for m in marks {
        let slot = match lex.entries[m.entry].kind {
            Kind::Identity => 0,
            Kind::Target => 1,
            Kind::Intent => 2,
            Kind::Negator => 3,
            _ => continue,
        };
        for c in &mut context[m.first.min(n_words)..=m.last.min(n_words)] {
            c[slot] = true;
        }
    }
    let near = |slot: usize, from: usize, to: usize| -> bool {
        let to = to.min(n_words);
        from <= to && context[from..=to].iter().any(|c| c[slot])
    };
    // Words of a phrase already counted must not count again as single words or shorter
    // phrases ("piece of shit" is one insult, not also profanity; "du borde dö" not also
    // "borde dö").
    let covered: Vec<(usize, usize)> = marks
        .iter()
        .filter(|m| m.last > m.first && is_toxic(lex.entries[m.entry].kind))
        .map(|m| (m.first, m.last))
        .collect();

    let mut hits = Vec::new();
    for m in marks {
        let entry = &lex.entries[m.entry];
        let inside_longer = covered
            .iter()
            .any(|&(a, b)| a <= m.first && m.last <= b && b - a > m.last - m.first);
        if inside_longer && is_toxic(entry.kind) {
            continue;
        }
        let before = |n: usize| m.first.saturating_sub(n);
        let negated = m.first > 0 && near(3, before(2), m.first - 1);
        let targeted =
            (m.first > 0 && near(1, before(3), m.first - 1)) || near(1, m.last + 1, m.last + 2);
        let identity = near(0, before(IDENTITY_WINDOW), m.last + IDENTITY_WINDOW);
        let w = entry.weight;
        let mut push = |category: Category, score: f64| {
            hits.push(Hit {
                term: entry.pattern.clone(),
                category,
                score: clamp01(score),
                start: m.start,
                end: m.end,
            });
        };
        match entry.kind {
            Kind::Profanity => push(Category::Profanity, w),
            Kind::Sexual => push(Category::Sexual, w),
            Kind::Slur => push(Category::IdentityAttack, w),
            Kind::Insult => {
                let w = if negated { w * 0.3 } else { w };
                push(Category::Insult, if targeted { boost(w, 0.4) } else { w });
            }
            Kind::Threat => {
                let w = if negated { w * 0.3 } else { w };
                push(Category::Threat, w);
                // "muslims should be killed": a threat against a group is also an identity attack.
                if identity {
                    push(Category::IdentityAttack, w);
                }
            }
            Kind::Attack => {
                if negated {
                    push(Category::Insult, w * 0.15);
                } else if identity {
                    push(Category::IdentityAttack, boost(w, 0.4));
                } else if targeted {
                    push(Category::Insult, boost(w, 0.3));
                } else {
                    push(Category::Insult, w * 0.5);
                }
            }
            Kind::Violence => {
                let aimed_at_person = near(1, m.last + 1, m.last + 3);
                let aimed_at_group = near(0, m.last + 1, m.last + 3);
                let intent = m.first > 0 && near(2, before(4), m.first - 1);
                if negated {
                    push(Category::Threat, w * 0.3);
                } else if aimed_at_person || aimed_at_group {
                    push(Category::Threat, if intent { 0.9 } else { 0.7 });
                    if aimed_at_group {
                        push(Category::IdentityAttack, 0.75);
                    }
                } else {
                    push(Category::Threat, w);
                }
            }
            Kind::Identity | Kind::Target | Kind::Intent | Kind::Negator => {}
        }
    }
    hits
}

/// Moves `w` a fraction `by` of the way towards 1.
fn boost(w: f64, by: f64) -> f64 {
    w + (1.0 - w) * by
}

/// Small, non-lexical evidence (addressing someone repeatedly, shouting) that orders texts
/// the lexicon scores equally; capped at 0.1 so it never flags a text by itself.
fn weak_signals(text: &str, words: &[Token]) -> f64 {
    let second_person = words
        .iter()
        .take(400)
        .filter(|w| {
            matches!(
                w.text.as_str(),
                "you" | "u" | "your" | "youre" | "yourself" | "ur" | "du" | "dig" | "din"
            )
        })
        .count();
    let (mut letters, mut upper) = (0usize, 0usize);
    for c in text.chars().take(MAX_CHARS) {
        if c.is_alphabetic() {
            letters += 1;
            upper += usize::from(c.is_uppercase());
        }
    }
    let shouting = letters >= 12 && upper * 10 >= letters * 6;
    let mut weak = 0.015 * second_person.min(3) as f64;
    if shouting {
        weak += 0.04;
    }
    if text.contains("!!") {
        weak += 0.01;
    }
    weak.min(0.1)
}

fn clamp01(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests;
