//! The Discourse importer on the API fixtures of the official client
//! (`fixtures/discourse/`) and on broken input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use tend_channels::import::Import;
use tend_channels::import::discourse;
use tend_domain::{IncomingItem, MessageKind};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/discourse")
        .join(name)
}

fn read_str(text: &str) -> Result<Import, tend_channels::import::ImportError> {
    discourse::read_bytes(Path::new("test.json"), text.as_bytes())
}

#[test]
fn a_topic_is_its_first_post_and_replies_hang_below_it() {
    let import = discourse::read(&fixture("topic.json")).unwrap();
    // Post 3 is a lone image: no text to import, refused with the field named.
    assert_eq!(import.rejected.len(), 1, "{:?}", import.rejected);
    assert_eq!(import.rejected[0].at.record, Some(3));
    assert_eq!(
        import.rejected[0].at.field.as_deref(),
        Some("post_stream.posts.cooked")
    );
    let messages = import.messages();
    let ids: Vec<&str> = messages.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(ids, ["t57/p1", "t57/p2", "t57/p14"]);

    let root = messages[0];
    assert_eq!(
        root.title.as_deref(),
        Some("THIS SITE IS A SANDBOX -- it is reset every day")
    );
    assert_eq!(root.kind, MessageKind::ForumPost);
    assert_eq!(root.thread_external_id, None);
    assert_eq!(root.parent_external_id, None);
    assert!(
        root.text
            .starts_with("Welcome!\n\nTry is a sandbox, a safe place to play")
    );
    assert!(
        root.text.contains("visit http://www.discourse.org\n"),
        "{}",
        root.text
    );
    assert!(!root.text.contains('<'));
    // version 5: edited at updated_at (-04:00 offset).
    assert_eq!(
        root.edited_at.unwrap().to_string(),
        "2013-04-30T18:33:37.273Z"
    );
    assert_eq!(root.created_at.to_string(), "2013-02-04T20:26:26.278Z");
    assert_eq!(
        root.engagement.views, 268,
        "the root takes the topic's views"
    );
    assert_eq!(root.engagement.replies, 1);
    assert_eq!(
        root.permalink.as_deref(),
        Some("/t/this-site-is-a-sandbox-it-is-reset-every-day/57/1")
    );
    let author = root.author.as_ref().unwrap();
    assert_eq!(author.external_id, "15");
    assert_eq!(author.handle, "samsaffron");
    assert_eq!(author.display_name.as_deref(), Some("Sam Saffron"));

    let second = messages[1];
    assert_eq!(second.title, None);
    assert_eq!(second.edited_at, None, "version 1 is not an edit");
    assert_eq!(second.thread_external_id.as_deref(), Some("t57/p1"));
    assert_eq!(second.parent_external_id.as_deref(), Some("t57/p1"));
    assert_eq!(second.engagement.views, 34);
    let reply = messages[2];
    assert_eq!(reply.parent_external_id.as_deref(), Some("t57/p1"));
    assert_eq!(reply.author.as_ref().unwrap().handle, "splattne");
}

#[test]
fn topic_posts_use_cooked_when_raw_is_not_text_and_count_likes_from_actions() {
    let import = discourse::read(&fixture("topic_posts.json")).unwrap();
    let messages = import.messages();
    assert_eq!(messages.len(), 1);
    let post = messages[0];
    assert_eq!(post.external_id, "t57/p2");
    assert_eq!(post.thread_external_id.as_deref(), Some("t57/p1"));
    assert_eq!(post.text, "Some text.");
    assert_eq!(post.engagement.likes, 3);
    assert_eq!(
        post.author.as_ref().unwrap().display_name.as_deref(),
        Some("Someones Name")
    );
}

#[test]
fn latest_posts_come_parents_first_with_topic_titles_on_first_posts() {
    let import = discourse::read(&fixture("posts_latest.json")).unwrap();
    assert!(import.rejected.is_empty());
    let messages = import.messages();
    let ids: Vec<&str> = messages.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(ids, ["t2/p1", "t7/p1", "t11/p1", "t11/p2"]);
    assert_eq!(
        messages[2].title.as_deref(),
        Some("This is an uncategorized title")
    );
    assert_eq!(messages[3].parent_external_id.as_deref(), Some("t11/p1"));
    // The cooked emoji image keeps its alt text, and the curly apostrophe survives.
    assert!(
        messages[1]
            .text
            .contains("admin :wrench: (at the upper right"),
        "{}",
        messages[1].text
    );
    assert!(messages[1].text.contains("It\u{2019}s important!"));
    assert!(
        messages[1]
            .text
            .contains("Who is it for?\nWhat can they find here?")
    );
}

#[test]
fn a_single_post_is_read() {
    let import = discourse::read(&fixture("post.json")).unwrap();
    let messages = import.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].external_id, "t8/p1");
    assert_eq!(messages[0].edited_at, None);
}

#[test]
fn a_topic_list_gives_authors_and_says_where_the_text_is() {
    let import = discourse::read(&fixture("private_messages.json")).unwrap();
    let handles: Vec<&str> = import
        .items
        .iter()
        .filter_map(|item| match item {
            IncomingItem::Author(author) => Some(author.handle.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(handles, ["test_user", "batman"]);
    assert_eq!(import.rejected.len(), 1);
    assert!(import.rejected[0].reason.contains("/t/11.json"));
}

#[test]
fn a_private_message_topic_gives_direct_messages() {
    let json = r#"{"id": 5, "title": "Help", "archetype": "private_message", "post_stream": {"posts": [
        {"id": 1, "post_number": 1, "username": "u", "created_at": "2024-01-01T00:00:00Z", "cooked": "<p>hi</p>"}]}}"#;
    let import = read_str(json).unwrap();
    assert_eq!(import.messages()[0].kind, MessageKind::DirectMessage);
}

#[test]
fn truncated_json_is_an_error_with_the_line() {
    let text = std::fs::read_to_string(fixture("topic.json")).unwrap();
    let cut = &text[..text.len() / 2];
    let err = read_str(cut).unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
    assert!(err.at.line.unwrap() > 1);
}

#[test]
fn other_json_is_not_the_format() {
    let err = read_str(r#"{"user_actions": []}"#).unwrap_err();
    assert!(
        err.message.contains("not a Discourse API JSON file"),
        "{err}"
    );
    let err = read_str("[1, 2]").unwrap_err();
    assert!(err.message.contains("top level is an array"), "{err}");
    let err = read_str(r#"{"post_stream": {"posts": 3}}"#).unwrap_err();
    assert_eq!(err.at.field.as_deref(), Some("post_stream.posts"));
}

#[test]
fn mistyped_and_missing_fields_refuse_the_post_and_keep_the_rest() {
    let json = r#"{"latest_posts": [
        {"id": 1, "topic_id": 3, "post_number": 1, "username": "a", "created_at": 12345, "cooked": "x"},
        {"id": 2, "topic_id": 3, "post_number": "two", "username": "a", "created_at": "2024-01-01T00:00:00Z", "cooked": "x"},
        {"id": 3, "topic_id": 3, "username": "a", "created_at": "2024-01-01T00:00:00Z", "cooked": "x"},
        {"id": 4, "topic_id": 3, "post_number": 4, "username": "a", "created_at": "2024-01-01T00:00:00Z", "cooked": "<p>fine</p>", "like_count": -2},
        {"id": 5, "topic_id": 3, "post_number": 5, "username": "a", "created_at": "2024-01-01T00:00:00Z", "cooked": "<p>fine</p>"},
        {"id": 6, "topic_id": 3, "post_number": 6, "post_type": 3, "username": "a", "created_at": "2024-01-01T00:00:00Z", "cooked": ""},
        {"id": 7, "topic_id": 3, "post_number": 7, "username": "a", "created_at": "2024-01-01T00:00:00Z", "cooked": "<p>gone</p>", "deleted_at": "2024-01-02T00:00:00Z"},
        "not a post"
    ]}"#;
    let import = read_str(json).unwrap();
    assert_eq!(import.messages().len(), 1);
    let fields: Vec<(Option<u64>, Option<&str>)> = import
        .rejected
        .iter()
        .map(|r| (r.at.record, r.at.field.as_deref()))
        .collect();
    assert_eq!(
        fields,
        [
            (Some(1), Some("created_at")),
            (Some(2), Some("post_number")),
            (Some(3), Some("post_number")),
            (Some(4), Some("like_count")),
            (Some(6), Some("post_type")),
            (Some(7), Some("deleted_at")),
            (Some(8), None),
        ]
    );
    assert!(
        import.rejected[0]
            .reason
            .contains("expected a string, found a number")
    );
    assert!(import.rejected[2].reason.contains("missing"));
}

#[test]
fn importing_twice_gives_the_same_output() {
    for name in ["topic.json", "posts_latest.json", "private_messages.json"] {
        let first = discourse::read(&fixture(name)).unwrap();
        let second = discourse::read(&fixture(name)).unwrap();
        assert_eq!(first.items, second.items);
        assert_eq!(first.rejected, second.rejected);
    }
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let err = discourse::read(Path::new("/nonexistent/topic.json")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/topic.json"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = discourse::read_bytes(Path::new("fuzz.json"), &bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic(index in 0usize..21_000, byte in any::<u8>(), cut in 0usize..21_000) {
        let mut bytes = std::fs::read(fixture("topic.json")).unwrap();
        if let Some(b) = bytes.get_mut(index) { *b = byte; }
        bytes.truncate(cut.max(1));
        let _ = discourse::read_bytes(Path::new("fuzz.json"), &bytes);
    }
}
