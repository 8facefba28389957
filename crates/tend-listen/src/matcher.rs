//! Matching one message against every topic of a [`TopicSet`].
//!
//! Per message: fold and tokenise once (`Prepared`), look every word up once in the
//! dictionary of all topics' words (and its first characters in the wildcard index),
//! recording `(atom, position)`; mark the topics anchored on the atoms found and on the
//! message's metadata keys; evaluate only the marked topics, with positions for phrases
//! and `NEAR`. The buffers live in a thread-local scratch, so a message allocates nothing
//! but the result (and a little for `NEAR`).

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use crate::compile::{
    Expr, KEY_AUTHOR, KEY_CHANNEL, KEY_HASHTAG, KEY_HASHTAG_START, KEY_LANG, KEY_MENTION,
    KEY_MENTION_START, KEY_SENTIMENT, KEY_SITE, Operand, TopicSet, first_chars,
};
use crate::document::{Document, Prepared};
use crate::query::{MIN_WILDCARD_CHARS, TermKind};
use crate::reference;
use crate::tokens::Sigil;

/// Buffers reused from message to message on one thread.
#[derive(Default)]
struct Scratch {
    prepared: Prepared,
    /// `(atom, position)` of every atom occurrence, sorted.
    occurrences: Vec<(u32, u32)>,
    /// One bit per topic: worth evaluating.
    candidates: Vec<u64>,
}

/// Largest folded text whose buffers the scratch keeps for the next message.
const MAX_KEPT_BYTES: usize = 1 << 20;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl<Id> TopicSet<Id> {
    /// The indices (ascending) of the topics `doc` matches.
    pub fn matches(&self, doc: &Document<'_>) -> Vec<usize> {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let Scratch {
                    prepared,
                    occurrences,
                    candidates,
                } = &mut *scratch;
                prepared.fill(doc);
                let found = self.matches_prepared(prepared, occurrences, candidates);
                if prepared.buf.capacity() > MAX_KEPT_BYTES {
                    // One huge message should not pin its buffers to the thread for good.
                    *prepared = Prepared::default();
                    *occurrences = Vec::new();
                }
                found
            }
            // Only if a caller matched from inside a match (it cannot today): fresh buffers.
            Err(_) => {
                let prepared = Prepared::new(doc);
                self.matches_prepared(&prepared, &mut Vec::new(), &mut Vec::new())
            }
        })
    }

    /// The same answer as [`TopicSet::matches`], computed the slow and obvious way: every
    /// topic's query evaluated on its own by the reference evaluator
    /// ([`crate::Query::matches`]). For tests and as the bench's baseline.
    pub fn matches_reference(&self, doc: &Document<'_>) -> Vec<usize> {
        let prepared = Prepared::new(doc);
        self.queries
            .iter()
            .enumerate()
            .filter(|(_, q)| reference::matches(q, &prepared))
            .map(|(i, _)| i)
            .collect()
    }

    /// How many topics the prefilter lets through for `doc`, i.e. how many queries the
    /// matcher evaluates in full (`tend bench listening` reports it).
    pub fn candidates(&self, doc: &Document<'_>) -> usize {
        let prepared = Prepared::new(doc);
        let (mut occurrences, mut candidates) = (Vec::new(), Vec::new());
        self.mark_candidates(&prepared, &mut occurrences, &mut candidates);
        candidates.iter().map(|w| w.count_ones() as usize).sum()
    }

    fn matches_prepared(
        &self,
        doc: &Prepared,
        occurrences: &mut Vec<(u32, u32)>,
        candidates: &mut Vec<u64>,
    ) -> Vec<usize> {
        self.mark_candidates(doc, occurrences, candidates);
        let found = Found { doc, occurrences };
        let mut out = Vec::new();
        for (word_index, &word) in candidates.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let topic = word_index * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if found.eval(&self.exprs[topic]) {
                    out.push(topic);
                }
            }
        }
        out
    }

    /// Finds the atoms of `doc` (sorted into `occurrences`) and sets the bit of every topic
    /// anchored on them or on the message's metadata.
    fn mark_candidates(
        &self,
        doc: &Prepared,
        occurrences: &mut Vec<(u32, u32)>,
        candidates: &mut Vec<u64>,
    ) {
        self.find_atoms(doc, occurrences);
        occurrences.sort_unstable();

        candidates.clear();
        candidates.resize(self.ids.len().div_ceil(64), 0);
        let mut last = None;
        for &(atom, _) in occurrences.iter() {
            if last != Some(atom) {
                last = Some(atom);
                mark_all(candidates, &self.atom_topics[atom as usize]);
            }
        }
        self.mark_metadata(doc, candidates);
        mark_all(candidates, &self.always);
    }

    /// Records every occurrence of every atom in the message's words.
    fn find_atoms(&self, doc: &Prepared, occurrences: &mut Vec<(u32, u32)>) {
        occurrences.clear();
        for tok in &doc.tokens {
            let word = doc.word(tok);
            if let Some(ids) = self.exact.get(word) {
                for &id in ids {
                    if accepts(self.atoms[id as usize].term.kind, tok.sigil) {
                        occurrences.push((id, tok.pos));
                    }
                }
            }
            if !self.prefixes.is_empty()
                && let Some(start) = first_chars(word, MIN_WILDCARD_CHARS)
                && let Some(ids) = self.prefixes.get(start)
            {
                for &id in ids {
                    let term = &self.atoms[id as usize].term;
                    if accepts(term.kind, tok.sigil) && word.starts_with(term.text.as_str()) {
                        occurrences.push((id, tok.pos));
                    }
                }
            }
            for &id in &self.short_prefixes {
                let term = &self.atoms[id as usize].term;
                if accepts(term.kind, tok.sigil) && word.starts_with(term.text.as_str()) {
                    occurrences.push((id, tok.pos));
                }
            }
        }
    }

    /// Marks the topics anchored on the message's metadata; the keys made here mirror
    /// what each filter accepts (see `reference.rs`).
    fn mark_metadata(&self, doc: &Prepared, candidates: &mut [u64]) {
        let keys = &self.keys;
        let mut mark = |kind: usize, value: &str| {
            let map: &FxHashMap<Box<str>, Vec<u32>> = &keys[kind];
            if !map.is_empty()
                && let Some(topics) = map.get(value)
            {
                mark_all(candidates, topics);
            }
        };
        mark(KEY_AUTHOR, &doc.author);
        mark(KEY_AUTHOR, &doc.author_name);
        mark(KEY_CHANNEL, &doc.channel);
        if !doc.lang.is_empty() {
            mark(KEY_LANG, &doc.lang);
            for (i, _) in doc.lang.match_indices('-') {
                mark(KEY_LANG, &doc.lang[..i]);
            }
        }
        if let Some(sentiment) = doc.sentiment {
            mark(KEY_SENTIMENT, sentiment.as_str());
        }
        for host in &doc.hosts {
            mark(KEY_SITE, host);
            for (i, _) in host.match_indices('.') {
                mark(KEY_SITE, &host[i + 1..]);
            }
        }
        for tag in &doc.hashtags {
            mark(KEY_HASHTAG, tag);
            if let Some(start) = first_chars(tag, MIN_WILDCARD_CHARS) {
                mark(KEY_HASHTAG_START, start);
            }
        }
        for mention in &doc.mentions {
            mark(KEY_MENTION, mention);
            if let Some((user, _)) = mention.split_once('@') {
                mark(KEY_MENTION, user);
            }
            if let Some(start) = first_chars(mention, MIN_WILDCARD_CHARS) {
                mark(KEY_MENTION_START, start);
            }
        }
    }
}

fn mark_all(candidates: &mut [u64], topics: &[u32]) {
    for &topic in topics {
        if let Some(word) = candidates.get_mut(topic as usize / 64) {
            *word |= 1 << (topic % 64);
        }
    }
}

/// Whether a word written with `sigil` can be an occurrence of a term of `kind`.
fn accepts(kind: TermKind, sigil: Sigil) -> bool {
    match kind {
        TermKind::Word => true,
        TermKind::Hashtag => sigil == Sigil::Hash,
        TermKind::Mention => sigil == Sigil::At,
    }
}

/// What one message contains, for evaluating compiled expressions.
struct Found<'a> {
    doc: &'a Prepared,
    /// Sorted `(atom, position)`.
    occurrences: &'a [(u32, u32)],
}

impl Found<'_> {
    fn eval(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Atom(atom) => !self.positions(*atom).is_empty(),
            Expr::Hashtag(term) => self.doc.hashtags.iter().any(|h| term.matches_text(h)),
            Expr::Mention(term) => self
                .doc
                .mentions
                .iter()
                .any(|m| reference::mention_matches(term, m)),
            Expr::Phrase(atoms) => self
                .positions(atoms[0])
                .iter()
                .any(|&(_, start)| self.phrase_at(atoms, start)),
            Expr::Near {
                left,
                right,
                distance,
                ordered,
            } => {
                let rights = self.spans(right);
                if rights.is_empty() {
                    return false;
                }
                self.spans(left).iter().any(|&l| {
                    rights
                        .iter()
                        .any(|&r| reference::near(l, r, *distance, *ordered))
                })
            }
            Expr::Field(field) => reference::field_matches(field, self.doc),
            Expr::Not(inner) => !self.eval(inner),
            Expr::And(children) => children.iter().all(|c| self.eval(c)),
            Expr::Or(children) => children.iter().any(|c| self.eval(c)),
            Expr::Never => false,
        }
    }

    /// The occurrences of `atom`, as `(atom, position)` pairs.
    fn positions(&self, atom: u32) -> &[(u32, u32)] {
        let start = self.occurrences.partition_point(|&(a, _)| a < atom);
        let end = self.occurrences.partition_point(|&(a, _)| a <= atom);
        &self.occurrences[start..end]
    }

    /// Whether `atoms` occur at consecutive positions from `start`.
    fn phrase_at(&self, atoms: &[u32], start: u32) -> bool {
        atoms.iter().enumerate().skip(1).all(|(i, &atom)| {
            self.occurrences
                .binary_search(&(atom, start + i as u32))
                .is_ok()
        })
    }

    /// Occurrences of one side of `NEAR`, as `(first, last)` positions.
    fn spans(&self, operands: &[Operand]) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        for operand in operands {
            match operand {
                Operand::Atom(atom) => {
                    out.extend(self.positions(*atom).iter().map(|&(_, p)| (p, p)));
                }
                Operand::Phrase(atoms) => {
                    let last = atoms.len() as u32 - 1;
                    out.extend(
                        self.positions(atoms[0])
                            .iter()
                            .filter(|&&(_, p)| self.phrase_at(atoms, p))
                            .map(|&(_, p)| (p, p + last)),
                    );
                }
            }
        }
        out
    }
}
