//! Matching, as tables: each row is a query, a message and whether it matches. Every row
//! is checked with the compiled `TopicSet` and the reference evaluator, which must agree.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tend_listen::{Document, Query, Sentiment, TopicSet};

/// Whether `query` matches `doc`, asserting both evaluators agree.
fn matches(query: &str, doc: &Document<'_>) -> bool {
    let parsed = Query::parse(query).unwrap_or_else(|e| panic!("{}", e.render(query)));
    let set = TopicSet::compile(&[(0usize, query)]).unwrap();
    let fast = set.matches(doc) == [0];
    assert_eq!(
        fast,
        parsed.matches(doc),
        "compiled and reference disagree on {query:?} for {doc:?}"
    );
    fast
}

fn text(text: &str) -> Document<'_> {
    Document {
        text,
        ..Document::default()
    }
}

/// Rows of (query, text, expected) on plain text messages.
fn check_texts(rows: &[(&str, &str, bool)]) {
    for (query, body, expected) in rows {
        assert_eq!(
            matches(query, &text(body)),
            *expected,
            "{query:?} on {body:?}"
        );
    }
}

#[test]
fn case_and_accent_folding() {
    check_texts(&[
        ("cafe", "Best CAFÉ in town", true),
        ("Café", "best cafe in town", true),
        ("cafe", "best cafe\u{301} in town", true),
        ("are", "Skiing in ÅRE", true),
        ("malmo", "Malmö tonight", true),
        ("lumora", "ＬＵＭＯＲＡ rocks", true),
        ("strasse", "Die Straße", true),
        ("lumora", "lumoras", false),
    ]);
}

#[test]
fn boolean_operators() {
    check_texts(&[
        ("lumora AND hub", "the hub from Lumora", true),
        ("lumora AND hub", "the Lumora glow", false),
        ("lumora hub", "the hub from Lumora", true),
        ("lumora OR glimmr", "glimmr is fine", true),
        ("lumora OR glimmr", "nothing here", false),
        ("lumora NOT glimmr", "lumora is great", true),
        ("lumora NOT glimmr", "lumora beats glimmr", false),
        ("lumora NOT (glimmr OR nova)", "lumora vs nova", false),
        ("(lumora OR glimmr) NOT sale", "glimmr sale today", false),
        ("(lumora OR glimmr) NOT sale", "glimmr today", true),
        ("lumora and hub", "lumora hub and more", true),
        ("lumora and hub", "lumora hub", false),
    ]);
}

#[test]
fn phrases_match_across_punctuation_but_not_across_words() {
    check_texts(&[
        ("\"lumora hub\"", "My Lumora Hub arrived", true),
        ("\"lumora hub\"", "Lumora. Hub!", true),
        ("\"lumora hub\"", "Lumora—hub", true),
        ("\"lumora hub\"", "Lumora smart hub", false),
        ("\"lumora hub\"", "hub lumora", false),
        ("wi-fi", "the wifi is down", false),
        ("wi-fi", "the Wi Fi is down", true),
        ("lumora.com", "go to lumora com", true),
        ("lumora", "Lumora's new hub", true),
        ("\"lumora hub\"", "lumora 🔥 hub", true),
    ]);
}

#[test]
fn near_distance_boundaries() {
    check_texts(&[
        // Exactly n words between matches, n + 1 does not.
        ("lumora NEAR/2 broken", "lumora is very broken", true),
        (
            "lumora NEAR/2 broken",
            "lumora is really very broken",
            false,
        ),
        ("lumora NEAR/0 broken", "lumora broken", true),
        ("lumora NEAR/0 broken", "lumora is broken", false),
        // Unordered: either way.
        ("lumora NEAR/2 broken", "broken again, lumora", true),
        (
            "lumora NEAR/2 broken",
            "broken again and again lumora",
            false,
        ),
        // Phrases as operands: counted from the phrase's ends.
        ("\"lumora hub\" NEAR/1 broken", "lumora hub is broken", true),
        ("\"lumora hub\" NEAR/1 broken", "broken is lumora hub", true),
        (
            "\"lumora hub\" NEAR/1 broken",
            "lumora hub really is broken",
            false,
        ),
        // OR groups of terms and phrases.
        (
            "(lumora OR \"glimmr bulb\") NEAR/3 (broken OR \"stopped working\")",
            "my glimmr bulb has stopped working",
            true,
        ),
        (
            "(lumora OR \"glimmr bulb\") NEAR/3 (broken OR \"stopped working\")",
            "glimmr is a bulb that stopped working",
            false,
        ),
        // The same word cannot be both sides.
        ("lumora NEAR/3 lumora*", "lumora", false),
        ("lumora NEAR/3 lumora*", "lumora loves lumoras", true),
        // Wildcards as operands.
        ("lumora NEAR/1 disconnect*", "lumora disconnects", true),
    ]);
}

#[test]
fn ordered_near() {
    check_texts(&[
        ("logitech NEAR/2f keyboard", "logitech solar keyboard", true),
        ("logitech NEAR/2f keyboard", "keyboard by logitech", false),
        (
            "logitech NEAR/2f keyboard",
            "logitech is a keyboard brand",
            true,
        ),
        (
            "logitech NEAR/2f keyboard",
            "logitech is not a keyboard",
            false,
        ),
        ("logitech NEAR/0f keyboard", "logitech keyboard", true),
        ("\"lumora hub\" NEAR/0f broken", "lumora hub broken", true),
        ("\"lumora hub\" NEAR/0f broken", "broken lumora hub", false),
    ]);
}

#[test]
fn wildcards() {
    check_texts(&[
        ("disconnect*", "it keeps DISCONNECTING", true),
        ("disconnect*", "disconnect", true),
        ("disconnect*", "reconnect", false),
        ("lumora*", "#LumoraNights was fun", true),
        ("lumora*", "@lumora_support help", true),
        ("#lumora*", "#LumoraNights was fun", false),
    ]);
    let tags = ["LumoraNights"];
    let doc = Document {
        text: "fun night",
        hashtags: &tags,
        ..Document::default()
    };
    assert!(matches("#lumora*", &doc));
    assert!(!matches("#glimmr*", &doc));
}

#[test]
fn hashtags_and_mentions() {
    let tags = ["Lumora"];
    let mentions = ["lumora_support", "glimmr@mastodon.social"];
    let with_entities = Document {
        text: "Thanks #Lumora and @lumora_support, better than @glimmr@mastodon.social",
        hashtags: &tags,
        mentions: &mentions,
        ..Document::default()
    };
    let plain = text("Thanks Lumora, better than glimmr");

    // A plain word also finds the hashtag and the handle.
    assert!(matches("lumora", &with_entities));
    assert!(matches("lumora_support", &with_entities));
    // A hashtag is found among the message's hashtags only, not as a plain word.
    assert!(matches("#lumora", &with_entities));
    assert!(!matches("#lumora", &plain));
    assert!(!matches("#thanks", &with_entities));
    // Mentions: the name alone finds it on any server; with a server, only there.
    assert!(matches("@lumora_support", &with_entities));
    assert!(matches("@glimmr", &with_entities));
    assert!(matches("@glimmr@mastodon.social", &with_entities));
    assert!(!matches("@glimmr@glimmr.social", &with_entities));
    assert!(!matches("@lumora", &with_entities));
    assert!(!matches("@glimmr", &plain));
    // In phrases and NEAR, #tag and @name match where they are written.
    assert!(matches("\"thanks #lumora\"", &with_entities));
    assert!(!matches("\"thanks #lumora\"", &plain));
    assert!(matches("#lumora NEAR/2f @lumora_support", &with_entities));
    assert!(matches("\"thanks lumora\"", &with_entities));
    // The caller's list is the authority: a hashtag the platform lists outside the text.
    let outside = ["LumoraNights"];
    let doc = Document {
        text: "what a night",
        hashtags: &outside,
        ..Document::default()
    };
    assert!(matches("#lumoranights", &doc));
    assert!(!matches("lumoranights", &doc));
}

#[test]
fn title_is_searched_but_not_joined_to_the_text() {
    let doc = Document {
        title: Some("Lumora hub"),
        text: "broken after the update",
        ..Document::default()
    };
    assert!(matches("lumora AND broken", &doc));
    assert!(matches("\"lumora hub\"", &doc));
    assert!(!matches("\"hub broken\"", &doc));
    assert!(!matches("hub NEAR/100 broken", &doc));
}

#[test]
fn author_channel_lang_sentiment_filters() {
    let doc = Document {
        text: "lumora hub",
        author: "@Anna_S",
        author_name: Some("Anna Svensson"),
        channel: "reddit",
        lang: Some("pt-BR"),
        sentiment: Some(Sentiment::Negative),
        ..Document::default()
    };
    for (query, expected) in [
        ("author:anna_s", true),
        ("author:@ANNA_S", true),
        ("author:\"anna svensson\"", true),
        ("author:anna", false),
        ("channel:reddit lumora", true),
        ("channel:x lumora", false),
        ("channel:(x OR reddit)", true),
        ("lang:pt", true),
        ("lang:pt-br", true),
        ("lang:pt-pt", false),
        ("lang:p", false),
        ("sentiment:negative", true),
        ("sentiment:positive", false),
        ("lumora NOT sentiment:positive", true),
        ("lumora NOT channel:reddit", false),
    ] {
        assert_eq!(matches(query, &doc), expected, "{query}");
    }
    // Unknown language or sentiment matches no filter on them.
    let bare = text("lumora");
    assert!(!matches("lang:en", &bare));
    assert!(!matches("sentiment:neutral", &bare));
}

#[test]
fn site_and_url_filters() {
    let urls = [
        "https://shop.Lumora.com/nights/tickets?ref=x",
        "http://www.glimmr.io",
    ];
    let doc = Document {
        text: "tickets at https://shop.Lumora.com/nights/tickets?ref=x and http://www.glimmr.io",
        urls: &urls,
        ..Document::default()
    };
    for (query, expected) in [
        ("site:lumora.com", true),
        ("site:shop.lumora.com", true),
        ("site:mora.com", false),
        ("site:glimmr.io", true),
        ("site:www.glimmr.io", true),
        ("site:other.glimmr.io", false),
        ("url:shop.lumora.com/nights", true),
        ("url:https://shop.lumora.com/nights/", true),
        ("url:shop.lumora.com/night", false),
        ("url:lumora.com/nights", false),
        ("url:glimmr.io", true),
        ("url:www.glimmr.io", true),
        // Link text is not searched as words.
        ("lumora", false),
        ("tickets", true),
        ("\"tickets at\"", true),
        // The link takes a position: no phrase across it.
        ("\"at and\"", false),
    ] {
        assert_eq!(matches(query, &doc), expected, "{query}");
    }
}

#[test]
fn a_message_matches_many_topics_in_order() {
    let set = TopicSet::compile(&[
        ("brand", "lumora OR #lumora"),
        ("competitor", "glimmr"),
        ("hub", "\"lumora hub\""),
        (
            "complaints",
            "(lumora OR glimmr) NEAR/3 (broken OR disconnect*)",
        ),
        ("swedish", "lumora lang:sv"),
    ])
    .unwrap();
    let doc = Document {
        text: "Min Lumora Hub disconnects, glimmr never did",
        lang: Some("sv"),
        ..Document::default()
    };
    let found = set.matches(&doc);
    assert_eq!(found, [0, 1, 2, 3, 4]);
    assert_eq!(set.matches_reference(&doc), found);
    assert_eq!(set.id(3), Some(&"complaints"));
    assert!(set.matches(&text("nothing to see")).is_empty());
}

#[test]
fn compile_names_the_failing_topic() {
    let Err((index, error)) = TopicSet::compile(&[(7, "lumora"), (9, "glimmr AND")]) else {
        panic!("the second query is broken");
    };
    assert_eq!(index, 1);
    assert_eq!(error.column, 8);
}

#[test]
fn hashtags_in_scripts_without_spaces() {
    let tags = ["東京"];
    let doc = Document {
        text: "今日は #東京 です",
        hashtags: &tags,
        ..Document::default()
    };
    assert!(matches("#東京", &doc));
    assert!(matches("東京", &doc));
    assert!(!matches("#京都", &doc));
    // Such a hashtag is several words of the text, so it cannot stand beside NEAR.
    let e = Query::parse("#東京 NEAR/2 今日").unwrap_err();
    assert_eq!(e.column, 1, "{}", e.message);
}

#[test]
fn entities_and_author_are_read_like_query_values() {
    let tags = ["＃Lumora "];
    let mentions = [" ＠Glimmr"];
    let doc = Document {
        text: "hello",
        author: "﹫Anna_S",
        hashtags: &tags,
        mentions: &mentions,
        ..Document::default()
    };
    assert!(matches("#lumora", &doc));
    assert!(matches("@glimmr", &doc));
    assert!(matches("author:anna_s", &doc));
    assert!(matches("author:﹫anna_s", &doc));
}
