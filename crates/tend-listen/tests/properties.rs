//! Properties: parsing never panics and blames a column inside the query; printing a
//! parsed query reads back to the same tree; and, the key one for the prefilter, the
//! compiled `TopicSet` finds exactly what the per-topic reference evaluator finds, on
//! generated queries (parsed and hand-built) and generated messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use tend_listen::{Document, Field, Query, Sentiment, Term, TermKind, TopicSet};

// ---------------------------------------------------------------------------------------
// Generated query text.

const WORDS: &[&str] = &[
    "lumora", "Lumora", "glimmr", "hub", "glow", "broken", "café", "cafe", "ÅRE", "are", "nights",
    "the", "wi-fi", "lumora's", "and",
];
const PREFIXES: &[&str] = &["lum*", "glim*", "caf*", "bro*", "nigh*", "lumora*"];
const TAGS: &[&str] = &["#lumora", "#LumoraNights", "#glimmr", "#lum*", "#nights"];
const MENTIONS: &[&str] = &["@lumora", "@glimmr", "@anna", "@glim*"];
const HOSTED: &[&str] = &["@glimmr@mastodon.social", "@lumora@lumora.social"];
const FIELDS: &[&str] = &[
    "channel:x",
    "channel:reddit",
    "lang:sv",
    "lang:pt",
    "sentiment:negative",
    "sentiment:positive",
    "author:anna",
    "author:\"Anna Svensson\"",
    "site:lumora.com",
    "site:glimmr.io",
    "url:lumora.com/nights",
    "channel:(x OR reddit)",
];

fn pick(items: &'static [&'static str]) -> BoxedStrategy<String> {
    proptest::sample::select(items)
        .prop_map(str::to_owned)
        .boxed()
}

/// A word, wildcard, hashtag, mention or phrase: something NEAR accepts.
fn positional() -> BoxedStrategy<String> {
    let phrase = proptest::collection::vec(
        prop_oneof![pick(WORDS), pick(&["#lumora", "@glimmr", "#nights"])],
        2..4,
    )
    .prop_map(|w| format!("\"{}\"", w.join(" ")));
    prop_oneof![
        4 => pick(WORDS),
        2 => pick(PREFIXES),
        1 => pick(TAGS),
        1 => pick(MENTIONS),
        2 => phrase,
    ]
    .boxed()
}

fn near_side() -> BoxedStrategy<String> {
    prop_oneof![
        3 => positional(),
        1 => proptest::collection::vec(positional(), 2..4)
            .prop_map(|alts| format!("({})", alts.join(" OR "))),
    ]
    .boxed()
}

fn near() -> BoxedStrategy<String> {
    (near_side(), 0u32..4, any::<bool>(), near_side())
        .prop_map(|(l, d, ordered, r)| {
            format!("{l} NEAR/{d}{} {r}", if ordered { "f" } else { "" })
        })
        .boxed()
}

/// Query text in the language, mostly valid (the tests skip the few that are not).
fn query_text() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        5 => positional(),
        2 => near(),
        2 => pick(FIELDS),
        1 => pick(HOSTED),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(|c| c.join(" AND ")),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(|c| c.join(" ")),
            proptest::collection::vec(inner.clone(), 2..4)
                .prop_map(|c| format!("({})", c.join(" OR "))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} NOT ({b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a}) AND NOT {b}")),
        ]
    })
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Hand-built query trees, including ones the parser refuses (a lone NOT, short wildcards,
// a filter beside NEAR, empty phrases): TopicSet::new must still agree with the reference.

fn tree_term() -> BoxedStrategy<Term> {
    let kind = prop_oneof![
        3 => Just(TermKind::Word),
        1 => Just(TermKind::Hashtag),
        1 => Just(TermKind::Mention),
    ];
    let text = proptest::sample::select(
        &[
            "lumora",
            "glimmr",
            "hub",
            "broken",
            "cafe",
            "are",
            "lu",
            "l",
            "nights",
            "lumoranights",
            "glimmr@mastodon.social",
            "anna",
        ][..],
    );
    (kind, text, any::<bool>())
        .prop_map(|(kind, text, prefix)| Term {
            kind,
            text: text.to_owned(),
            prefix,
        })
        .boxed()
}

fn tree_field() -> BoxedStrategy<Field> {
    prop_oneof![
        pick(&["anna", "lumora", "anna svensson", ""]).prop_map(Field::Author),
        pick(&["x", "reddit", ""]).prop_map(Field::Channel),
        pick(&["sv", "pt", "pt-br", "en"]).prop_map(Field::Lang),
        proptest::sample::select(&Sentiment::ALL[..]).prop_map(Field::Sentiment),
        pick(&["lumora.com", "glimmr.io", "com", "io"]).prop_map(Field::Site),
        pick(&["lumora.com/nights", "lumora.com", "shop.glimmr.io/x"]).prop_map(Field::Url),
    ]
    .boxed()
}

fn tree() -> BoxedStrategy<Query> {
    let phrase = proptest::collection::vec(tree_term(), 0..3).prop_map(|terms| {
        Query::Phrase(
            terms
                .into_iter()
                .map(|t| Term { prefix: false, ..t })
                .collect(),
        )
    });
    let leaf = prop_oneof![
        4 => tree_term().prop_map(Query::Term),
        2 => phrase,
        2 => tree_field().prop_map(Query::Field),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Query::And),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Query::Or),
            inner.clone().prop_map(|q| Query::Not(Box::new(q))),
            (inner.clone(), inner, 0u32..3, any::<bool>()).prop_map(
                |(left, right, distance, ordered)| Query::Near {
                    left: Box::new(left),
                    right: Box::new(right),
                    distance,
                    ordered,
                }
            ),
        ]
    })
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Generated messages.

const TEXT_WORDS: &[&str] = &[
    "lumora",
    "LUMORA",
    "Lumora's",
    "glimmr",
    "hub",
    "glow",
    "broken",
    "Café",
    "cafe",
    "åre",
    "nights",
    "lumoras",
    "the",
    "a",
    "and",
    ",",
    ".",
    "!",
    "#lumora",
    "#LumoraNights",
    "@glimmr",
    "@anna",
    "wi-fi",
    "https://lumora.com/nights",
    "🔥",
];

#[derive(Debug, Clone)]
struct Message {
    title: Option<String>,
    text: String,
    author: &'static str,
    author_name: Option<&'static str>,
    channel: &'static str,
    lang: Option<&'static str>,
    sentiment: Option<Sentiment>,
    urls: Vec<&'static str>,
    hashtags: Vec<&'static str>,
    mentions: Vec<&'static str>,
}

impl Message {
    fn document(&self) -> Document<'_> {
        Document {
            text: &self.text,
            title: self.title.as_deref(),
            author: self.author,
            author_name: self.author_name,
            channel: self.channel,
            lang: self.lang,
            sentiment: self.sentiment,
            urls: &self.urls,
            hashtags: &self.hashtags,
            mentions: &self.mentions,
        }
    }
}

fn words_text(max: usize) -> BoxedStrategy<String> {
    proptest::collection::vec(proptest::sample::select(TEXT_WORDS), 0..max)
        .prop_map(|w| w.join(" "))
        .boxed()
}

fn subset(items: &'static [&'static str]) -> BoxedStrategy<Vec<&'static str>> {
    proptest::sample::subsequence(items, 0..=items.len()).boxed()
}

fn message() -> BoxedStrategy<Message> {
    (
        proptest::option::of(words_text(5)),
        words_text(16),
        proptest::sample::select(&["anna", "@Lumora", ""][..]),
        proptest::option::of(proptest::sample::select(&["Anna Svensson", "Lumora"][..])),
        proptest::sample::select(&["x", "reddit", "mastodon"][..]),
        proptest::option::of(proptest::sample::select(&["sv", "en", "pt-BR", "pt"][..])),
        proptest::option::of(proptest::sample::select(&Sentiment::ALL[..])),
        subset(&[
            "https://lumora.com/nights",
            "http://shop.glimmr.io/x",
            "www.lumora.com",
        ]),
        subset(&["lumora", "LumoraNights", "glimmr", "#nights"]),
        subset(&["lumora", "glimmr@mastodon.social", "anna", "@glimmr"]),
    )
        .prop_map(
            |(
                title,
                text,
                author,
                author_name,
                channel,
                lang,
                sentiment,
                urls,
                hashtags,
                mentions,
            )| {
                Message {
                    title,
                    text,
                    author,
                    author_name,
                    channel,
                    lang,
                    sentiment,
                    urls,
                    hashtags,
                    mentions,
                }
            },
        )
        .boxed()
}

/// Parses what parses; the generator makes a few invalid queries (a NOT-only branch).
fn parse_all(texts: &[String]) -> Vec<(usize, Query)> {
    texts
        .iter()
        .filter_map(|t| Query::parse(t).ok())
        .enumerate()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsing_any_text_never_panics_and_blames_a_column_inside(text in "\\PC{0,80}") {
        check_parse_total(&text)?;
    }

    #[test]
    fn parsing_query_like_text_never_panics(
        text in "[ ()\"*:#@/a-cNEARNDOTf0-9.-]{0,40}"
    ) {
        check_parse_total(&text)?;
    }

    #[test]
    fn printing_any_parsed_text_reads_back_the_same(
        text in prop_oneof![query_text(), "[ ()\"*:#@/a-cNEARNDOTf0-9.-]{0,40}".boxed()]
    ) {
        if let Ok(query) = Query::parse(&text) {
            let printed = query.to_string();
            let again = Query::parse(&printed);
            prop_assert_eq!(again.as_ref(), Ok(&query), "{} printed as {}", text, printed);
        }
    }

    #[test]
    fn compiled_matching_equals_the_reference(
        queries in proptest::collection::vec(query_text(), 1..12),
        messages in proptest::collection::vec(message(), 1..6),
    ) {
        let set = TopicSet::new(parse_all(&queries));
        for message in &messages {
            let doc = message.document();
            prop_assert_eq!(set.matches(&doc), set.matches_reference(&doc), "{:?}", doc);
        }
    }

    #[test]
    fn compiled_matching_equals_the_reference_on_hand_built_trees(
        queries in proptest::collection::vec(tree(), 1..8),
        messages in proptest::collection::vec(message(), 1..6),
    ) {
        let set = TopicSet::new(queries.into_iter().enumerate().collect());
        for message in &messages {
            let doc = message.document();
            prop_assert_eq!(set.matches(&doc), set.matches_reference(&doc), "{:?}", doc);
        }
    }
}

fn check_parse_total(text: &str) -> Result<(), TestCaseError> {
    if let Err(error) = Query::parse(text) {
        let n_chars = text.chars().count();
        prop_assert!(
            error.column >= 1 && error.column <= n_chars + 1,
            "column {} outside 1..={} for {:?}",
            error.column,
            n_chars + 1,
            text
        );
        prop_assert!(!error.message.is_empty());
    }
    Ok(())
}

/// The equivalence property means something only if the generators produce matches and
/// misses: sample a fixed set of cases and count.
#[test]
fn generated_cases_both_match_and_miss() {
    let mut runner = TestRunner::deterministic();
    let (mut hits, mut misses, mut topics_seen) = (0usize, 0usize, 0usize);
    for _ in 0..300 {
        let queries = proptest::collection::vec(query_text(), 4..10)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let message = message().new_tree(&mut runner).unwrap().current();
        let set = TopicSet::new(parse_all(&queries));
        topics_seen += set.len();
        let doc = message.document();
        let found = set.matches(&doc);
        assert_eq!(found, set.matches_reference(&doc));
        hits += found.len();
        misses += set.len() - found.len();
    }
    assert!(topics_seen > 1000, "{topics_seen} topics parsed");
    let share = hits as f64 / (hits + misses) as f64;
    assert!(
        (0.1..0.9).contains(&share),
        "{hits} hits and {misses} misses: the generators are too one-sided"
    );
}

/// Found by the hand-built-tree property: an alternative that occurs nowhere (here an
/// empty AND) beside NEAR must not hide the alternatives that do occur.
#[test]
fn a_near_side_keeps_its_positional_alternatives() {
    let query = Query::Near {
        left: Box::new(Query::Term(Term::word("cafe"))),
        right: Box::new(Query::Or(vec![
            Query::Term(Term {
                kind: TermKind::Word,
                text: "lu".into(),
                prefix: true,
            }),
            Query::And(vec![]),
        ])),
        distance: 0,
        ordered: false,
    };
    let doc = Document {
        text: "Café #lumora",
        ..Document::default()
    };
    assert!(query.matches(&doc));
    let set = TopicSet::new(vec![(0, query)]);
    assert_eq!(set.matches(&doc), [0]);
}
