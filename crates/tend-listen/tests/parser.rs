//! The query language: every construct, precedence, printing, and the column of every
//! kind of error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tend_listen::{Field, Query, QueryError, Sentiment, Term, TermKind};

fn parse(text: &str) -> Query {
    Query::parse(text).unwrap_or_else(|e| panic!("{}", e.render(text)))
}

fn word(text: &str) -> Query {
    Query::Term(Term::word(text))
}

fn term(kind: TermKind, text: &str, prefix: bool) -> Query {
    Query::Term(Term {
        kind,
        text: text.to_owned(),
        prefix,
    })
}

fn phrase(words: &[&str]) -> Query {
    Query::Phrase(words.iter().map(|w| Term::word(*w)).collect())
}

fn not(q: Query) -> Query {
    Query::Not(Box::new(q))
}

fn near(left: Query, right: Query, distance: u32, ordered: bool) -> Query {
    Query::Near {
        left: Box::new(left),
        right: Box::new(right),
        distance,
        ordered,
    }
}

fn error(text: &str) -> QueryError {
    match Query::parse(text) {
        Ok(q) => panic!("{text:?} parsed as {q:?}"),
        Err(e) => e,
    }
}

/// Asserts the error's column and that its message mentions `needle`.
fn check_error(text: &str, column: usize, needle: &str) {
    let e = error(text);
    assert_eq!(e.column, column, "{}", e.render(text));
    assert!(
        e.message.contains(needle),
        "{:?} should mention {needle:?}",
        e.message
    );
}

#[test]
fn words_are_folded() {
    assert_eq!(parse("Café"), word("cafe"));
    assert_eq!(parse("ÅRE"), word("are"));
}

#[test]
fn and_or_not_and_parentheses() {
    assert_eq!(
        parse("lumora AND glimmr"),
        Query::And(vec![word("lumora"), word("glimmr")])
    );
    assert_eq!(
        parse("lumora OR glimmr"),
        Query::Or(vec![word("lumora"), word("glimmr")])
    );
    assert_eq!(
        parse("lumora NOT glimmr"),
        Query::And(vec![word("lumora"), not(word("glimmr"))])
    );
    assert_eq!(
        parse("lumora AND NOT glimmr"),
        Query::And(vec![word("lumora"), not(word("glimmr"))])
    );
    assert_eq!(
        parse("(lumora OR glimmr) AND hub"),
        Query::And(vec![
            Query::Or(vec![word("lumora"), word("glimmr")]),
            word("hub")
        ])
    );
}

#[test]
fn adjacent_operands_are_joined_with_and() {
    assert_eq!(parse("lumora hub"), parse("lumora AND hub"));
    assert_eq!(
        parse("lumora (hub OR glow)"),
        parse("lumora AND (hub OR glow)")
    );
}

#[test]
fn lower_case_operators_are_words() {
    assert_eq!(
        parse("rock and roll"),
        Query::And(vec![word("rock"), word("and"), word("roll")])
    );
    assert_eq!(
        parse("this or not near"),
        Query::And(vec![word("this"), word("or"), word("not"), word("near")])
    );
}

#[test]
fn precedence_is_near_not_and_or() {
    // AND binds tighter than OR.
    assert_eq!(
        parse("a OR b AND c"),
        Query::Or(vec![word("a"), Query::And(vec![word("b"), word("c")])])
    );
    assert_eq!(
        parse("a b OR c"),
        Query::Or(vec![Query::And(vec![word("a"), word("b")]), word("c")])
    );
    // NOT binds tighter than AND.
    assert_eq!(
        parse("NOT a AND b"),
        Query::And(vec![not(word("a")), word("b")])
    );
    // NEAR binds tighter than NOT: NOT excludes the proximity.
    assert_eq!(
        parse("lumora NOT glimmr NEAR/3 cheaper"),
        Query::And(vec![
            word("lumora"),
            not(near(word("glimmr"), word("cheaper"), 3, false))
        ])
    );
    // The trap the user guide warns about: NOT applies to its own OR branch only.
    assert_eq!(
        parse("glimmr OR #glimmr NOT hiring"),
        Query::Or(vec![
            word("glimmr"),
            Query::And(vec![
                term(TermKind::Hashtag, "glimmr", false),
                not(word("hiring"))
            ])
        ])
    );
    // NEAR binds tighter than AND and OR.
    assert_eq!(
        parse("a OR b NEAR/2 c d"),
        Query::Or(vec![
            word("a"),
            Query::And(vec![near(word("b"), word("c"), 2, false), word("d")])
        ])
    );
}

#[test]
fn nested_groups_of_the_same_operator_are_flattened() {
    assert_eq!(
        parse("a AND (b AND c)"),
        Query::And(vec![word("a"), word("b"), word("c")])
    );
    assert_eq!(
        parse("(a OR b) OR c"),
        Query::Or(vec![word("a"), word("b"), word("c")])
    );
    assert_eq!(parse("((lumora))"), word("lumora"));
}

#[test]
fn phrases_and_terms_with_punctuation() {
    assert_eq!(parse("\"Lumora Hub\""), phrase(&["lumora", "hub"]));
    // One word in quotes is a word.
    assert_eq!(parse("\"lumora\""), word("lumora"));
    // A term that cuts into several words is searched as a phrase.
    assert_eq!(parse("wi-fi"), phrase(&["wi", "fi"]));
    assert_eq!(parse("lumora.com"), phrase(&["lumora", "com"]));
    assert_eq!(parse("Lumora's"), phrase(&["lumora", "s"]));
    // Sigils inside phrases are kept.
    assert_eq!(
        parse("\"love #Lumora @glimmr\""),
        Query::Phrase(vec![
            Term::word("love"),
            Term {
                kind: TermKind::Hashtag,
                text: "lumora".into(),
                prefix: false
            },
            Term {
                kind: TermKind::Mention,
                text: "glimmr".into(),
                prefix: false
            },
        ])
    );
}

#[test]
fn near_and_ordered_near() {
    assert_eq!(
        parse("lumora NEAR/3 broken"),
        near(word("lumora"), word("broken"), 3, false)
    );
    assert_eq!(
        parse("lumora NEAR/0f hub"),
        near(word("lumora"), word("hub"), 0, true)
    );
    assert_eq!(
        parse("(lumora OR \"lumora hub\") NEAR/5f (broken OR disconnect*)"),
        near(
            Query::Or(vec![word("lumora"), phrase(&["lumora", "hub"])]),
            Query::Or(vec![
                word("broken"),
                term(TermKind::Word, "disconnect", true)
            ]),
            5,
            true
        )
    );
    assert_eq!(
        parse("#lumoranights NEAR/2 @glimmr"),
        near(
            term(TermKind::Hashtag, "lumoranights", false),
            term(TermKind::Mention, "glimmr", false),
            2,
            false
        )
    );
}

#[test]
fn wildcards_hashtags_and_mentions() {
    assert_eq!(parse("lumor*"), term(TermKind::Word, "lumor", true));
    assert_eq!(
        parse("#LumoraNights"),
        term(TermKind::Hashtag, "lumoranights", false)
    );
    assert_eq!(parse("#lumora*"), term(TermKind::Hashtag, "lumora", true));
    assert_eq!(parse("@Lumora"), term(TermKind::Mention, "lumora", false));
    assert_eq!(
        parse("@lumora@Mastodon.Social"),
        term(TermKind::Mention, "lumora@mastodon.social", false)
    );
    assert_eq!(parse("@lumora_*"), term(TermKind::Mention, "lumora_", true));
}

#[test]
fn field_filters() {
    assert_eq!(
        parse("author:@Lumora_Support"),
        Query::Field(Field::Author("lumora_support".into()))
    );
    assert_eq!(
        parse("author:\"Anna Svensson\""),
        Query::Field(Field::Author("anna svensson".into()))
    );
    assert_eq!(
        parse("channel:Reddit"),
        Query::Field(Field::Channel("reddit".into()))
    );
    assert_eq!(
        parse("lang:pt_BR"),
        Query::Field(Field::Lang("pt-br".into()))
    );
    assert_eq!(
        parse("sentiment:Negative"),
        Query::Field(Field::Sentiment(Sentiment::Negative))
    );
    assert_eq!(
        parse("site:https://Lumora.com/"),
        Query::Field(Field::Site("lumora.com".into()))
    );
    assert_eq!(
        parse("url:https://www.lumora.com/Nights/"),
        Query::Field(Field::Url("lumora.com/nights".into()))
    );
    // Field names are case-insensitive.
    assert_eq!(parse("Channel:x"), parse("channel:x"));
}

#[test]
fn field_groups_are_ors_of_filters() {
    assert_eq!(
        parse("site:(lumora.com OR \"glimmr.io\")"),
        Query::Or(vec![
            Query::Field(Field::Site("lumora.com".into())),
            Query::Field(Field::Site("glimmr.io".into())),
        ])
    );
    assert_eq!(
        parse("channel:(x)"),
        Query::Field(Field::Channel("x".into()))
    );
}

#[test]
fn printing_reads_back_to_the_same_tree() {
    for text in [
        "lumora",
        "\"lumora hub\" OR #lumoranights OR @lumora",
        "(a OR b) AND (c OR d) NOT (e OR f)",
        "a OR b c OR NOT d e",
        "NOT lumora NEAR/3 broken lumora",
        "(lumora OR \"lumora hub\") NEAR/5f (broken OR disconnect*)",
        "author:\"Anna Svensson\" site:(a.com OR b.com) url:lumora.com/nights?x=(1) lumora",
        "sentiment:negative lang:sv channel:x glimmr",
        "lumora NOT NOT glimmr",
        "@lumora@mastodon.social lumora",
    ] {
        let query = parse(text);
        let printed = query.to_string();
        assert_eq!(parse(&printed), query, "{text} printed as {printed}");
    }
    assert_eq!(
        parse("a OR b AND c").to_string(),
        "a OR (b AND c)",
        "AND inside OR gets parentheses for readability"
    );
    assert_eq!(
        parse("lumora NOT glimmr NEAR/3 cheaper").to_string(),
        "lumora AND NOT (glimmr NEAR/3 cheaper)"
    );
}

#[test]
fn error_columns_unbalanced_parentheses() {
    check_error("(lumora OR glimmr", 1, "never closed");
    check_error("lumora (hub OR (glow)", 8, "never closed");
    check_error("lumora OR glimmr)", 17, "no opening");
    check_error("lumora ()", 8, "empty parentheses");
    check_error("site:(a.com OR b.com", 6, "never closed");
}

#[test]
fn error_columns_dangling_operators() {
    check_error("lumora AND", 8, "AND needs something on its right");
    check_error("lumora OR", 8, "OR needs something on its right");
    check_error("AND lumora", 1, "AND needs something on its left");
    check_error("OR lumora", 1, "OR needs something on its left");
    check_error(
        "lumora AND OR glimmr",
        8,
        "AND needs something on its right",
    );
    check_error("lumora NOT", 8, "NOT needs something on its right");
    check_error("lumora NEAR/3", 8, "NEAR/3 needs a word");
    check_error("NEAR/3 lumora", 1, "NEAR/3 needs something on its left");
    check_error("(lumora AND) hub", 9, "AND needs something on its right");
}

#[test]
fn error_columns_phrases() {
    check_error("lumora \"\"", 8, "empty phrase");
    check_error("lumora \" !! \"", 8, "empty phrase");
    check_error("lumora \"hub glow", 8, "never closed");
    check_error("\"lumora hu*\"", 11, "wildcards do not work inside quotes");
}

#[test]
fn error_columns_near() {
    check_error("lumora NEAR/x hub", 8, "NEAR needs a distance");
    check_error("lumora NEAR hub", 8, "NEAR needs a distance");
    check_error("lumora NEAR/3x hub", 8, "NEAR needs a distance");
    check_error("lumora NEAR/101 hub", 8, "from 0 to 100");
    check_error("a NEAR/3 b NEAR/3 c", 12, "cannot be chained");
    check_error("channel:x NEAR/3 hub", 1, "NEAR joins words");
    check_error("lumora NEAR/3 (hub OR channel:x)", 23, "NEAR joins words");
    check_error("lumora NEAR/3 (hub glow)", 16, "NEAR joins words");
    check_error("lumora NEAR/3 NOT hub", 8, "NEAR/3 needs a word");
    check_error("lumora NEAR/3 @a@b.social", 15, "NEAR joins words");
}

#[test]
fn error_columns_fields() {
    check_error("lumora foo:bar", 8, "unknown field `foo:`");
    check_error("http://lumora.com", 1, "unknown field `http:`");
    check_error("lumora author:", 8, "needs a value");
    check_error("sentiment:angry", 11, "positive, negative or neutral");
    check_error("lumora lang:sv!", 13, "language is a code");
    check_error("site:lumora.com/nights", 6, "without a path");
    check_error("channel:(x AND y)", 12, "separated by OR");
    check_error("channel:()", 10, "is empty");
}

#[test]
fn error_columns_wildcards() {
    check_error("lumora lu*", 8, "at least 3 letters");
    check_error("lumora ca\u{301}*", 8, "at least 3 letters");
    check_error("lumora *mora", 8, "only works at the end");
    check_error("lumora lum*ra", 11, "only works at the end");
    check_error("lumora wi-f*", 8, "one word");
}

#[test]
fn error_columns_nothing_to_find() {
    check_error("NOT glimmr", 1, "nothing to find");
    check_error("NOT glimmr NOT lumora", 1, "nothing to find");
    check_error("lumora OR NOT glimmr", 11, "nothing to find");
    check_error("lumora OR (NOT a AND NOT b)", 12, "nothing to find");
    // A NOT inside a positive AND is fine, even one with an OR of NOTs.
    assert!(Query::parse("lumora (NOT a OR NOT b)").is_ok());
}

#[test]
fn error_columns_other_terms() {
    check_error("", 1, "empty");
    check_error("   ", 1, "empty");
    check_error("lumora !!!", 8, "no letters or digits");
    check_error("lumora -glimmr", 8, "write NOT glimmr");
    check_error("lumora #", 8, "not a hashtag");
    check_error("lumora #lumora-nights", 8, "not a hashtag");
    check_error("lumora #lumora!", 8, "not a hashtag");
    check_error("lumora @", 8, "not a mention");
    check_error("lumora @a@", 8, "not a mention");
}

#[test]
fn columns_count_characters_not_bytes() {
    check_error("café åre AND", 10, "AND needs something on its right");
}

#[test]
fn limits_on_length_and_depth() {
    let long = "a ".repeat(6000);
    check_error(&long, 10_001, "longer than");
    let deep = format!("{}lumora{}", "(".repeat(100), ")".repeat(100));
    check_error(&deep, 65, "nested too deeply");
    let nots = format!("lumora {}", "NOT ".repeat(100) + "x");
    check_error(&nots, 8 + 4 * 64, "nested too deeply");
}

#[test]
fn errors_render_with_a_caret() {
    let text = "lumora AND";
    assert_eq!(
        error(text).render(text),
        "lumora AND\n       ^ AND needs something on its right"
    );
}

#[test]
fn channel_names_can_be_checked() {
    let options = tend_listen::ParseOptions {
        channels: &["x", "reddit", "mastodon"],
    };
    assert_eq!(
        Query::parse_with("lumora channel:Reddit", &options).unwrap(),
        Query::And(vec![
            word("lumora"),
            Query::Field(Field::Channel("reddit".into()))
        ])
    );
    let text = "lumora channel:(x OR redit)";
    let e = Query::parse_with(text, &options).unwrap_err();
    assert_eq!(e.column, 22, "{}", e.render(text));
    assert!(e.message.contains("unknown channel"), "{}", e.message);
    // Without options any name is accepted.
    assert!(Query::parse(text).is_ok());
}

/// Every query in the user guide's code blocks parses, and the first column of the
/// "At a glance" table too, so the guide cannot drift from the parser.
#[test]
fn the_user_guide_examples_parse() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/query-language.md");
    let guide = std::fs::read_to_string(path).unwrap();
    let mut in_block = false;
    let mut checked = 0;
    for line in guide.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let line = line.trim();
        // Skip comments and the error example (the one with a caret under it).
        let error_example = line.contains('^') || line == "lumora AND";
        if in_block && !line.is_empty() && !line.starts_with('#') && !error_example {
            parse(line);
            checked += 1;
        }
    }
    let glance = guide
        .split("## At a glance")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap();
    for row in glance.lines().filter(|l| l.starts_with("| `")) {
        let cell = row.split(" | ").next().unwrap().trim_start_matches("| ");
        for example in cell.split(", ") {
            let example = example.trim_matches('`');
            if example != "( … )" {
                parse(example);
                checked += 1;
            }
        }
    }
    assert!(checked > 25, "{checked} examples checked");
}
