//! Compiling many topics into one [`TopicSet`]: every word, wildcard, hashtag and mention
//! of every query becomes an *atom* in one dictionary, each query becomes an expression
//! over atom ids, and each topic gets *anchors*: keys (atoms or metadata values) at least
//! one of which every matching message must have. Matching (`matcher.rs`) looks each
//! message word up once in the dictionary, collects the topics anchored on what it found,
//! and evaluates only those.
//!
//! **Invariant:** a topic's anchors are a necessary condition of its query (a message
//! without any of them cannot match), so skipping unanchored topics never loses a match.
//! `tests/properties.rs` checks matching against the reference evaluator on generated
//! queries and messages.

use rustc_hash::FxHashMap;

use crate::error::QueryError;
use crate::query::{Field, MIN_WILDCARD_CHARS, ParseOptions, Query, Term, TermKind};

/// Many compiled topics, matched together. `Id` is the caller's topic id.
#[derive(Debug, Clone)]
pub struct TopicSet<Id = usize> {
    pub(crate) ids: Vec<Id>,
    pub(crate) queries: Vec<Query>,
    pub(crate) exprs: Vec<Expr>,
    pub(crate) atoms: Vec<Atom>,
    /// Per atom: the topics anchored on it.
    pub(crate) atom_topics: Vec<Vec<u32>>,
    /// Exact atoms by word: one lookup per message word finds them all.
    pub(crate) exact: FxHashMap<Box<str>, Vec<u32>>,
    /// Wildcard atoms by their first [`MIN_WILDCARD_CHARS`] characters.
    pub(crate) prefixes: FxHashMap<Box<str>, Vec<u32>>,
    /// Wildcard atoms shorter than that (only from hand-built queries): tried on every word.
    pub(crate) short_prefixes: Vec<u32>,
    /// Topics anchored on metadata, per kind of key.
    pub(crate) keys: [FxHashMap<Box<str>, Vec<u32>>; KEY_KINDS],
    /// Topics without anchors (only from hand-built queries): evaluated for every message.
    pub(crate) always: Vec<u32>,
}

/// A word, wildcard, hashtag or mention as it occurs in message words.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Atom {
    pub term: Term,
}

/// A query over atom ids.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    /// A word (or wildcard) anywhere.
    Atom(u32),
    /// Among the message's hashtags.
    Hashtag(Term),
    /// Among the message's mentions.
    Mention(Term),
    /// Atoms at consecutive positions.
    Phrase(Box<[u32]>),
    Near {
        left: Box<[Operand]>,
        right: Box<[Operand]>,
        distance: u32,
        ordered: bool,
    },
    Field(Field),
    Not(Box<Expr>),
    And(Box<[Expr]>),
    Or(Box<[Expr]>),
    /// Matches nothing (an empty phrase, only in hand-built trees).
    Never,
}

/// One alternative of a `NEAR` side.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Atom(u32),
    Phrase(Box<[u32]>),
}

/// Kinds of metadata key a topic can be anchored on; the message side makes the same
/// keys in `matcher.rs`.
pub(crate) const KEY_KINDS: usize = 9;
pub(crate) const KEY_AUTHOR: usize = 0;
pub(crate) const KEY_CHANNEL: usize = 1;
pub(crate) const KEY_LANG: usize = 2;
pub(crate) const KEY_SENTIMENT: usize = 3;
/// A host or any parent domain of it.
pub(crate) const KEY_SITE: usize = 4;
pub(crate) const KEY_HASHTAG: usize = 5;
/// The first [`MIN_WILDCARD_CHARS`] characters of a hashtag.
pub(crate) const KEY_HASHTAG_START: usize = 6;
/// A mention, and the user part of a fediverse mention.
pub(crate) const KEY_MENTION: usize = 7;
pub(crate) const KEY_MENTION_START: usize = 8;

/// A key a topic can be anchored on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Atom(u32),
    Meta(usize, Box<str>),
}

/// Anchors with an estimated cost (how many messages they let through, relatively).
struct Anchors {
    cost: u64,
    keys: Vec<Key>,
}

impl<Id: Clone> TopicSet<Id> {
    /// Parses and compiles `topics`. On the first query that does not parse, returns its
    /// index in `topics` with the error.
    pub fn compile(topics: &[(Id, &str)]) -> Result<TopicSet<Id>, (usize, QueryError)> {
        TopicSet::compile_with(topics, &ParseOptions::default())
    }

    /// [`TopicSet::compile`], checking names against `options`.
    pub fn compile_with(
        topics: &[(Id, &str)],
        options: &ParseOptions<'_>,
    ) -> Result<TopicSet<Id>, (usize, QueryError)> {
        let mut parsed = Vec::with_capacity(topics.len());
        for (index, (id, text)) in topics.iter().enumerate() {
            let query = Query::parse_with(text, options).map_err(|e| (index, e))?;
            parsed.push((id.clone(), query));
        }
        Ok(TopicSet::new(parsed))
    }
}

impl<Id> TopicSet<Id> {
    /// Compiles already parsed queries. Hand-built trees that the parser would refuse (a
    /// lone `NOT`, a filter beside `NEAR`) still match as [`Query::matches`] says, only
    /// less efficiently.
    pub fn new(topics: Vec<(Id, Query)>) -> TopicSet<Id> {
        let mut builder = Builder::default();
        let mut ids = Vec::with_capacity(topics.len());
        let mut queries = Vec::with_capacity(topics.len());
        let mut exprs = Vec::with_capacity(topics.len());
        let mut always = Vec::new();
        let mut anchored: Vec<(u32, Vec<Key>)> = Vec::new();
        for (index, (id, query)) in topics.into_iter().enumerate() {
            let index = index as u32;
            exprs.push(builder.expr(&query));
            match builder.anchors(&query) {
                Some(anchors) => anchored.push((index, anchors.keys)),
                None => always.push(index),
            }
            ids.push(id);
            queries.push(query);
        }
        let mut atom_topics = vec![Vec::new(); builder.atoms.len()];
        let mut keys: [FxHashMap<Box<str>, Vec<u32>>; KEY_KINDS] = Default::default();
        for (topic, topic_keys) in anchored {
            for key in topic_keys {
                let list = match key {
                    Key::Atom(atom) => &mut atom_topics[atom as usize],
                    Key::Meta(kind, value) => keys[kind].entry(value).or_default(),
                };
                if list.last() != Some(&topic) {
                    list.push(topic);
                }
            }
        }
        let mut exact: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut prefixes: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut short_prefixes = Vec::new();
        for (id, atom) in builder.atoms.iter().enumerate() {
            let id = id as u32;
            let text = atom.term.text.as_str();
            if !atom.term.prefix {
                exact.entry(text.into()).or_default().push(id);
            } else if let Some(start) = first_chars(text, MIN_WILDCARD_CHARS) {
                prefixes.entry(start.into()).or_default().push(id);
            } else {
                short_prefixes.push(id);
            }
        }
        TopicSet {
            ids,
            queries,
            exprs,
            atoms: builder.atoms,
            atom_topics,
            exact,
            prefixes,
            short_prefixes,
            keys,
            always,
        }
    }

    /// Number of topics.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no topics.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The id of the topic at `index` (an index [`TopicSet::matches`] returned).
    pub fn id(&self, index: usize) -> Option<&Id> {
        self.ids.get(index)
    }

    /// The parsed query of the topic at `index`.
    pub fn query(&self, index: usize) -> Option<&Query> {
        self.queries.get(index)
    }
}

/// The first `n` characters of `text`, if it has that many.
pub(crate) fn first_chars(text: &str, n: usize) -> Option<&str> {
    match text.char_indices().nth(n) {
        Some((end, _)) => Some(&text[..end]),
        None if text.chars().count() == n => Some(text),
        None => None,
    }
}

#[derive(Default)]
struct Builder {
    atoms: Vec<Atom>,
    atom_ids: FxHashMap<Atom, u32>,
}

impl Builder {
    fn atom(&mut self, term: &Term) -> u32 {
        let atom = Atom { term: term.clone() };
        if let Some(&id) = self.atom_ids.get(&atom) {
            return id;
        }
        let id = self.atoms.len() as u32;
        self.atoms.push(atom.clone());
        self.atom_ids.insert(atom, id);
        id
    }

    fn expr(&mut self, query: &Query) -> Expr {
        match query {
            Query::Term(term) => match term.kind {
                TermKind::Word => Expr::Atom(self.atom(term)),
                TermKind::Hashtag => Expr::Hashtag(term.clone()),
                TermKind::Mention => Expr::Mention(term.clone()),
            },
            Query::Phrase(terms) if terms.is_empty() => Expr::Never,
            Query::Phrase(terms) => Expr::Phrase(terms.iter().map(|t| self.atom(t)).collect()),
            Query::Near {
                left,
                right,
                distance,
                ordered,
            } => Expr::Near {
                left: self.operands(left).into(),
                right: self.operands(right).into(),
                distance: *distance,
                ordered: *ordered,
            },
            Query::Field(field) => Expr::Field(field.clone()),
            Query::Not(inner) => Expr::Not(Box::new(self.expr(inner))),
            Query::And(children) => Expr::And(children.iter().map(|c| self.expr(c)).collect()),
            Query::Or(children) => Expr::Or(children.iter().map(|c| self.expr(c)).collect()),
        }
    }

    /// The alternatives of one side of `NEAR`. What the parser would refuse there (a
    /// filter, `NOT`, an empty phrase in a hand-built tree) occurs nowhere and adds none.
    fn operands(&mut self, query: &Query) -> Vec<Operand> {
        match query {
            Query::Term(term) => vec![Operand::Atom(self.atom(term))],
            Query::Phrase(terms) if terms.is_empty() => Vec::new(),
            Query::Phrase(terms) => vec![Operand::Phrase(
                terms.iter().map(|t| self.atom(t)).collect(),
            )],
            Query::Or(children) => children.iter().flat_map(|c| self.operands(c)).collect(),
            _ => Vec::new(),
        }
    }

    /// Keys one of which every message matching `query` has, choosing the cheapest
    /// necessary set; `None` when the query has nothing to find.
    fn anchors(&mut self, query: &Query) -> Option<Anchors> {
        match query {
            Query::Term(term) => self.term_anchor(term),
            Query::Phrase(terms) => terms
                .iter()
                .map(|t| self.positional_anchor(t))
                .min_by_key(|a| a.cost),
            Query::Near { left, right, .. } => {
                let left = self.side_anchors(left);
                let right = self.side_anchors(right);
                Some(if left.cost <= right.cost { left } else { right })
            }
            Query::Field(field) => Some(field_anchor(field)),
            Query::Not(_) => None,
            Query::And(children) => children
                .iter()
                .filter_map(|c| self.anchors(c))
                .min_by_key(|a| a.cost),
            Query::Or(children) => {
                let mut all = Anchors {
                    cost: 0,
                    keys: Vec::new(),
                };
                for child in children {
                    let anchors = self.anchors(child)?;
                    all.cost += anchors.cost;
                    all.keys.extend(anchors.keys);
                }
                Some(all)
            }
        }
    }

    /// Anchors of a `NEAR` side: every alternative's cheapest word. Alternatives that
    /// occur nowhere (see [`Builder::operands`]) need no key.
    fn side_anchors(&mut self, query: &Query) -> Anchors {
        match query {
            Query::Term(term) => self.positional_anchor(term),
            Query::Phrase(terms) => terms
                .iter()
                .map(|t| self.positional_anchor(t))
                .min_by_key(|a| a.cost)
                .unwrap_or(Anchors {
                    cost: 0,
                    keys: Vec::new(),
                }),
            Query::Or(children) => {
                let mut all = Anchors {
                    cost: 0,
                    keys: Vec::new(),
                };
                for child in children {
                    let anchors = self.side_anchors(child);
                    all.cost += anchors.cost;
                    all.keys.extend(anchors.keys);
                }
                all
            }
            _ => Anchors {
                cost: 0,
                keys: Vec::new(),
            },
        }
    }

    /// A term outside phrases: a word is an atom; hashtags and mentions are looked up in
    /// the message's lists. `None` for a wildcard too short to index (hand-built only).
    fn term_anchor(&mut self, term: &Term) -> Option<Anchors> {
        let (exact, start) = match term.kind {
            TermKind::Word => return Some(self.positional_anchor(term)),
            TermKind::Hashtag => (KEY_HASHTAG, KEY_HASHTAG_START),
            TermKind::Mention => (KEY_MENTION, KEY_MENTION_START),
        };
        if !term.prefix {
            return Some(meta(exact, &term.text, 8));
        }
        first_chars(&term.text, MIN_WILDCARD_CHARS).map(|first| meta(start, first, 12))
    }

    /// A term as a word at a position (in a phrase or beside `NEAR`, or a plain word).
    /// Longer words are rarer, so they are cheaper anchors.
    fn positional_anchor(&mut self, term: &Term) -> Anchors {
        let atom = self.atom(term);
        let length = term.text.chars().count().min(8) as u64;
        let cost = if term.prefix { 20 } else { 16 - length };
        Anchors {
            cost,
            keys: vec![Key::Atom(atom)],
        }
    }
}

fn meta(kind: usize, value: &str, cost: u64) -> Anchors {
    Anchors {
        cost,
        keys: vec![Key::Meta(kind, value.into())],
    }
}

/// A filter's key. Filters on channel, language and sentiment let many messages through,
/// so an `AND` anchors on its words when it has any.
fn field_anchor(field: &Field) -> Anchors {
    match field {
        Field::Author(v) => meta(KEY_AUTHOR, v, 8),
        Field::Channel(v) => meta(KEY_CHANNEL, v, 500),
        Field::Lang(v) => meta(KEY_LANG, v, 500),
        Field::Sentiment(s) => meta(KEY_SENTIMENT, s.as_str(), 1000),
        Field::Site(v) => meta(KEY_SITE, v, 10),
        Field::Url(v) => {
            // The host part of the normalised URL (a message's hosts and their parent
            // domains are site keys, so this finds `www.` and subdomain hosts too).
            let end = v.find(['/', '?', '#']).unwrap_or(v.len());
            meta(KEY_SITE, &v[..end], 9)
        }
    }
}
