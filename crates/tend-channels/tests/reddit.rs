//! The Reddit thread importer on PRAW's recorded responses (counts, tree
//! links, `more` stubs, morechildren re-attachment) and on broken input.
//! The r/funny fixtures are used for counts only (see their SOURCE.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tend_channels::import::reddit;
use tend_channels::import::{Import, ImportError};
use tend_domain::{IncomingItem, MessageKind, MissingItem};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reddit")
        .join(name)
}

fn missing(import: &Import) -> Vec<&MissingItem> {
    import
        .items
        .iter()
        .filter_map(|item| match item {
            IncomingItem::Missing(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn author_ids(import: &Import) -> HashSet<String> {
    import
        .messages()
        .iter()
        .filter_map(|m| m.author.as_ref().map(|a| a.external_id.clone()))
        .collect()
}

fn read_json(value: &serde_json::Value) -> Result<Import, ImportError> {
    reddit::read_slice(&serde_json::to_vec(value).unwrap(), Path::new("test.json"))
}

#[test]
fn the_redditdev_thread_is_a_submission_with_its_comments() {
    let import = reddit::read(&fixture("comments_2gmzqe_redditdev.json")).unwrap();
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let messages = import.messages();
    assert_eq!(messages.len(), 3);
    let root = messages[0];
    assert_eq!(root.external_id, "t3_2gmzqe");
    assert_eq!(root.kind, MessageKind::ForumPost);
    assert_eq!(
        root.title.as_deref(),
        Some("[PRAW] HTTPS enabled PRAW testing needed")
    );
    assert!(
        root.text
            .starts_with("PRAW client developers,\n\nI have made a PRAW branch")
    );
    assert_eq!(root.thread_external_id, None);
    assert_eq!((root.engagement.likes, root.engagement.replies), (11, 2));
    assert_eq!(root.created_at.as_second(), 1_410_935_671);
    assert_eq!(root.author.as_ref().unwrap().handle, "bboe");
    assert_eq!(
        root.permalink.as_deref(),
        Some(
            "https://www.reddit.com/r/redditdev/comments/2gmzqe/praw_https_enabled_praw_testing_needed/"
        )
    );
    for reply in &messages[1..] {
        assert_eq!(reply.kind, MessageKind::Comment);
        assert_eq!(reply.thread_external_id.as_deref(), Some("t3_2gmzqe"));
        assert!(reply.external_id.starts_with("t1_"));
    }
    // The second comment answers the first: parents come before children.
    assert_eq!(messages[1].parent_external_id.as_deref(), Some("t3_2gmzqe"));
    assert_eq!(
        messages[2].parent_external_id.as_deref(),
        Some(messages[1].external_id.as_str())
    );
    assert_eq!(author_ids(&import).len(), 2);
    assert!(missing(&import).is_empty());
}

#[test]
fn the_funny_thread_has_476_comments_388_authors_and_24_missing_from_18_stubs() {
    let import = reddit::read(&fixture("comments_3hahrw_funny.json")).unwrap();
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let messages = import.messages();
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.kind == MessageKind::Comment)
            .count(),
        476
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.kind == MessageKind::ForumPost)
            .count(),
        1
    );
    // 387 named comment authors + [deleted] make the README's 388; with the
    // submitter (who wrote no comment) there are 388 known authors.
    assert_eq!(author_ids(&import).len(), 388);
    assert_eq!(messages.iter().filter(|m| m.author.is_none()).count(), 16);
    // 18 stubs: 7 "continue this thread" stubs without ids, 11 naming 24 comments.
    let missing = missing(&import);
    assert_eq!(missing.len(), 24);
    assert_eq!(
        messages.iter().filter(|m| m.edited_at.is_some()).count(),
        10
    );

    let ids: HashSet<&str> = messages.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(ids.len(), messages.len());
    let mut seen = HashSet::new();
    for m in &messages {
        if let Some(parent) = &m.parent_external_id {
            assert!(
                seen.contains(parent.as_str()),
                "{} comes before its parent {parent}",
                m.external_id
            );
            assert_eq!(m.thread_external_id.as_deref(), Some("t3_3hahrw"));
        }
        seen.insert(m.external_id.as_str());
    }
    for stub in &missing {
        assert!(ids.contains(stub.parent_external_id.as_deref().unwrap()));
        assert!(!ids.contains(stub.external_id.as_str()));
    }
}

#[test]
fn morechildren_things_attach_to_the_thread_by_parent_id() {
    let thread = reddit::read(&fixture("comments_3hahrw_funny.json")).unwrap();
    let exchanges: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(fixture("morechildren_3hahrw_funny.json")).unwrap())
            .unwrap();
    assert_eq!(exchanges.len(), 12);
    let mut known: HashSet<String> = thread
        .messages()
        .iter()
        .map(|m| m.external_id.clone())
        .collect();
    let stubbed: HashSet<String> = missing(&thread)
        .iter()
        .map(|m| m.external_id.clone())
        .collect();
    let mut added = Vec::new();
    for exchange in &exchanges {
        let import = read_json(&exchange["response"]).unwrap();
        assert!(import.rejected.is_empty(), "{:?}", import.rejected);
        for m in import.messages() {
            assert_eq!(m.kind, MessageKind::Comment);
            added.push(m.clone());
        }
    }
    assert_eq!(added.len(), 57);
    for m in &added {
        assert!(
            known.insert(m.external_id.clone()),
            "{} was already in the thread",
            m.external_id
        );
    }
    for m in &added {
        let parent = m.parent_external_id.as_deref().unwrap();
        assert!(
            known.contains(parent),
            "{} has an unknown parent {parent}",
            m.external_id
        );
    }
    // Expanding the stubs delivers comments the thread listed as missing.
    assert!(added.iter().any(|m| stubbed.contains(&m.external_id)));
    assert_eq!(known.len(), 477 + 57);
}

#[test]
fn importing_twice_gives_identical_output() {
    let a = reddit::read(&fixture("comments_3hahrw_funny.json")).unwrap();
    let b = reddit::read(&fixture("comments_3hahrw_funny.json")).unwrap();
    assert_eq!(a.items, b.items);
}

#[test]
fn truncated_json_is_an_error_naming_the_line() {
    let bytes = std::fs::read(fixture("comments_2gmzqe_redditdev.json")).unwrap();
    let err = reddit::read_slice(&bytes[..bytes.len() / 2], Path::new("cut.json")).unwrap_err();
    assert!(err.message.starts_with("truncated JSON"), "{err}");
    assert_eq!(err.at.file, Path::new("cut.json"));
    assert!(err.at.line.is_some());
}

#[test]
fn other_json_is_not_a_reddit_response() {
    for doc in [
        r#"{"statuses": []}"#,
        "[1, 2]",
        "42",
        "[]",
        r#"{"json": {"data": {}}}"#,
    ] {
        let err = reddit::read_slice(doc.as_bytes(), Path::new("x.json")).unwrap_err();
        assert!(err.message.starts_with("not a Reddit"), "{doc}: {err}");
        assert!(err.at.field.is_some(), "{doc}");
    }
    let err = reddit::read(&fixture("does-not-exist.json")).unwrap_err();
    assert!(err.message.starts_with("cannot open"));
}

#[test]
fn mistyped_and_missing_fields_reject_the_record_and_the_rest_imports() {
    let comment = |id: &str, extra: serde_json::Value| {
        let mut data = serde_json::json!({
            "id": id, "name": format!("t1_{id}"), "parent_id": "t3_s", "link_id": "t3_s",
            "author": "someone", "body": "hi", "created_utc": 1_439_801_364.0, "score": 1, "edited": false, "replies": ""
        });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                data.as_object_mut().unwrap().remove(k);
            } else {
                data[k] = v.clone();
            }
        }
        serde_json::json!({"kind": "t1", "data": data})
    };
    let doc = serde_json::json!({"json": {"errors": [], "data": {"things": [
        comment("a", serde_json::json!({})),
        comment("b", serde_json::json!({"created_utc": "yesterday"})),
        comment("c", serde_json::json!({"body": null})),
        comment("d", serde_json::json!({"parent_id": 7})),
        comment("e", serde_json::json!({"score": 1.5})),
        comment("f", serde_json::json!({"edited": "no"})),
        comment("g", serde_json::json!({"replies": 3})),
        comment("h", serde_json::json!({"author": "[deleted]", "edited": 1_439_900_000})),
        {"kind": "t5", "data": {}},
        {"kind": "more", "data": {"parent_id": "t1_a", "children": ["x", 5]}},
        {"kind": "t1"},
    ]}}});
    let import = read_json(&doc).unwrap();
    let ids: Vec<&str> = import
        .messages()
        .iter()
        .map(|m| m.external_id.as_str())
        .collect();
    // g's comment imports; only its `replies` is refused.
    assert_eq!(ids, ["t1_a", "t1_g", "t1_h"]);
    let rejected: Vec<(u64, &str)> = import
        .rejected
        .iter()
        .map(|r| (r.at.record.unwrap(), r.at.field.as_deref().unwrap()))
        .collect();
    assert_eq!(
        rejected,
        [
            (2, "data.created_utc"),
            (3, "data.body"),
            (4, "data.parent_id"),
            (5, "data.score"),
            (6, "data.edited"),
            (7, "data.replies"),
            (9, "kind"),
            (10, "data.children[1]"),
            (11, "data"),
        ]
    );
    let h = import.messages()[2];
    assert_eq!(h.author, None);
    assert_eq!(h.edited_at.unwrap().as_second(), 1_439_900_000);
}

#[test]
fn a_link_post_without_self_text_uses_its_url() {
    let doc = serde_json::json!([
        {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {
            "id": "l1", "title": "A link", "selftext": "", "is_self": false, "url": "https://example.org/x",
            "created_utc": 1.0e9, "author": "poster", "num_comments": 0, "score": 5}}]}},
        {"kind": "Listing", "data": {"children": []}}
    ]);
    let import = read_json(&doc).unwrap();
    let m = import.messages()[0];
    assert_eq!(
        (m.external_id.as_str(), m.text.as_str()),
        ("t3_l1", "https://example.org/x")
    );
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    // 25 levels of replies import (each costs 5 JSON levels of the parser's 128);
    // past that the document is an error, not a crash.
    let nest = |levels: usize| {
        let mut replies = serde_json::Value::String(String::new());
        for depth in (0..levels).rev() {
            replies = serde_json::json!({"kind": "Listing", "data": {"children": [{"kind": "t1", "data": {
                "id": format!("c{depth}"),
                "parent_id": if depth == 0 { "t3_s".to_string() } else { format!("t1_c{}", depth - 1) },
                "link_id": "t3_s", "author": "a", "body": "x", "created_utc": 1.0e9, "replies": replies}}]}});
        }
        replies
    };
    let import = read_json(&nest(25)).unwrap();
    assert_eq!(import.messages().len(), 25);
    let err = read_json(&nest(26)).unwrap_err();
    assert!(err.message.contains("recursion limit"), "{err}");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(reddit::read_slice(deep.as_bytes(), Path::new("deep.json")).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = reddit::read_slice(&bytes, Path::new("x.json"));
    }

    #[test]
    fn mutated_fixture_never_panics(
        cut in 0usize..7000,
        flips in proptest::collection::vec((0usize..7000, any::<u8>()), 0..8),
    ) {
        let mut bytes = include_bytes!("fixtures/reddit/comments_2gmzqe_redditdev.json").to_vec();
        for (at, byte) in flips {
            if let Some(b) = bytes.get_mut(at) {
                *b = byte;
            }
        }
        bytes.truncate(cut);
        let _ = reddit::read_slice(&bytes, Path::new("x.json"));
    }
}
