//! The Mastodon importer on examples extracted from the Mastodon documentation,
//! on synthetic threads and timelines (`fixtures/mastodon/`), and on broken input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use tend_channels::import::Import;
use tend_channels::import::mastodon;
use tend_domain::{Direction, MessageKind};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mastodon")
        .join(name)
}

fn read_str(text: &str) -> Result<Import, tend_channels::import::ImportError> {
    mastodon::read_bytes(Path::new("test.json"), text.as_bytes())
}

#[test]
fn the_documented_status_becomes_a_message() {
    let import = mastodon::read(&fixture("status.json")).unwrap();
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let messages = import.messages();
    assert_eq!(messages.len(), 1);
    let status = messages[0];
    assert_eq!(status.external_id, "103270115826048975");
    assert_eq!(status.kind, MessageKind::Mention);
    assert_eq!(status.direction, Direction::Inbound);
    assert_eq!(
        status.text,
        "\"I lost my inheritance with one wrong digit on my sort code\"\n\n\
         https://www.theguardian.com/money/2019/dec/07/i-lost-my-193000-inheritance-with-one-wrong-digit-on-my-sort-code"
    );
    assert_eq!(status.title, None, "an empty spoiler_text is no title");
    assert_eq!(status.lang.as_deref(), Some("en"));
    assert_eq!(status.created_at.to_string(), "2019-12-08T03:48:33.901Z");
    assert_eq!(status.edited_at, None);
    assert_eq!(
        status.permalink.as_deref(),
        Some("https://mastodon.social/@Gargron/103270115826048975")
    );
    assert_eq!(
        (
            status.engagement.likes,
            status.engagement.shares,
            status.engagement.replies
        ),
        (11, 6, 5)
    );
    let author = status.author.as_ref().unwrap();
    assert_eq!(
        author.handle, "Gargron@mastodon.social",
        "the host comes from the account url"
    );
    assert_eq!(author.external_id, "gargron@mastodon.social");
    assert_eq!(author.display_name.as_deref(), Some("Eugen"));
    assert_eq!(author.followers, Some(322_930));
    assert_eq!(
        author.profile_url.as_deref(),
        Some("https://mastodon.social/@Gargron")
    );
}

#[test]
fn an_array_of_documented_statuses_is_read_oldest_first() {
    let import = mastodon::read(&fixture("statuses.json")).unwrap();
    let messages = import.messages();
    let ids: Vec<&str> = messages.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(ids, ["1", "103270115826048975"]);
    assert_eq!(messages[0].text, "Hello world");
}

#[test]
fn a_context_links_replies_to_parents_and_the_root() {
    let import = mastodon::read(&fixture("context_thread.json")).unwrap();
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let messages = import.messages();
    assert_eq!(messages.len(), 3);
    let (root, anna, answer) = (messages[0], messages[1], messages[2]);
    assert_eq!(root.thread_external_id, None);
    assert_eq!(
        root.text,
        "Version 2.0 is out! Release notes: https://tend.example/blog/2-0\n\nThanks to everyone who tested it & reported bugs."
    );
    assert_eq!(anna.kind, MessageKind::Reply);
    assert_eq!(
        anna.parent_external_id.as_deref(),
        Some("110000000000000001")
    );
    assert_eq!(
        anna.thread_external_id.as_deref(),
        Some("110000000000000001")
    );
    assert_eq!(
        anna.title.as_deref(),
        Some("Kritik"),
        "the content warning is the title"
    );
    assert_eq!(
        anna.text,
        "@tendapp Exporten fungerar inte längre 😞\nGår det att få tillbaka CSV?"
    );
    assert_eq!(anna.lang.as_deref(), Some("sv"));
    assert_eq!(anna.edited_at.unwrap().to_string(), "2025-03-01T09:07:30Z");
    let author = anna.author.as_ref().unwrap();
    assert_eq!(
        author.handle, "anna@fosstodon.example",
        "a remote acct keeps its host"
    );
    assert_eq!(author.display_name.as_deref(), Some("Anna Öberg"));
    assert_eq!(
        answer.parent_external_id.as_deref(),
        Some("110000000000000002")
    );
    assert_eq!(
        answer.thread_external_id.as_deref(),
        Some("110000000000000001")
    );
}

#[test]
fn the_documented_context_lacks_fields_and_every_status_is_refused_by_name() {
    let import = mastodon::read(&fixture("context_docs.json")).unwrap();
    assert!(import.items.is_empty());
    assert_eq!(import.rejected.len(), 4);
    let first = &import.rejected[0];
    assert_eq!(first.at.record, Some(1));
    assert_eq!(first.at.field.as_deref(), Some("ancestors[0].content"));
    assert!(first.reason.contains("missing required field"));
    assert_eq!(
        import.rejected[3].at.field.as_deref(),
        Some("descendants[0].content")
    );
}

#[test]
fn boosts_are_refused_and_the_boosted_status_imported_once() {
    let import = mastodon::read(&fixture("timeline_synthetic.json")).unwrap();
    let messages = import.messages();
    let ids: Vec<&str> = messages.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "120000000000000099",
            "120000000000000010",
            "120000000000000013"
        ]
    );
    assert_eq!(
        messages[0].author.as_ref().unwrap().handle,
        "erik@mastodon.example"
    );
    assert_eq!(messages[1].text, "Does #tend support Discourse imports?");
    assert_eq!(messages[1].author.as_ref().unwrap().display_name, None);
    assert_eq!(messages[2].kind, MessageKind::DirectMessage);
    let reasons: Vec<(Option<u64>, Option<&str>)> = import
        .rejected
        .iter()
        .map(|r| (r.at.record, r.at.field.as_deref()))
        .collect();
    assert_eq!(
        reasons,
        [
            (Some(2), Some("[1].reblog")),
            (Some(3), Some("[2].reblog")),
            (Some(5), Some("[4].content")),
            (Some(6), Some("[5].favourites_count")),
        ]
    );
    assert!(
        import.rejected[1]
            .reason
            .contains("boost of status 120000000000000099")
    );
    assert!(
        import.rejected[3]
            .reason
            .contains("expected a non-negative integer, found a string")
    );
}

#[test]
fn truncated_json_is_an_error_with_the_line() {
    let text = std::fs::read_to_string(fixture("status.json")).unwrap();
    let err = read_str(&text[..text.len() - 40]).unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
    assert!(err.at.line.unwrap() > 10);
}

#[test]
fn other_json_is_not_the_format() {
    for text in [r#"{"error": "Record not found"}"#, "42", r#""status""#] {
        let err = read_str(text).unwrap_err();
        assert!(err.message.contains("not Mastodon API JSON"), "{err}");
    }
    let err = read_str(r#"{"ancestors": {}, "descendants": []}"#).unwrap_err();
    assert_eq!(err.at.field.as_deref(), Some("ancestors"));
}

#[test]
fn missing_and_mistyped_fields_are_refused_by_name() {
    let text = r#"[
        {"id": "1", "created_at": "2025-01-01T00:00:00Z", "content": "<p>a</p>"},
        {"id": "2", "created_at": "2025-01-01T00:00:00Z", "content": "<p>a</p>", "account": {"username": "x"}},
        {"id": 3.5, "created_at": "2025-01-01T00:00:00Z", "content": "<p>a</p>", "account": {"acct": "x"}},
        {"id": "4", "created_at": "not a time", "content": "<p>a</p>", "account": {"acct": "x"}},
        {"id": "5", "created_at": "2025-01-01T00:00:00Z", "content": "<p>ok</p>", "account": {"acct": "x"}, "in_reply_to_id": "5"},
        {"id": "6", "created_at": "2025-01-01T00:00:00Z", "content": "<p>ok</p>", "account": {"acct": "x"}}
    ]"#;
    let import = read_str(text).unwrap();
    assert_eq!(import.messages().len(), 1);
    assert_eq!(
        import.messages()[0].author.as_ref().unwrap().handle,
        "x",
        "no url, no host"
    );
    let fields: Vec<Option<&str>> = import
        .rejected
        .iter()
        .map(|r| r.at.field.as_deref())
        .collect();
    assert_eq!(
        fields,
        [
            Some("[0].account"),
            Some("[1].account.acct"),
            Some("[2].id"),
            Some("[3].created_at"),
            Some("[4].parent_external_id"),
        ]
    );
}

#[test]
fn importing_twice_gives_the_same_output() {
    for name in [
        "statuses.json",
        "context_thread.json",
        "timeline_synthetic.json",
    ] {
        let first = mastodon::read(&fixture(name)).unwrap();
        let second = mastodon::read(&fixture(name)).unwrap();
        assert_eq!(first.items, second.items);
        assert_eq!(first.rejected, second.rejected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = mastodon::read_bytes(Path::new("fuzz.json"), &bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic(index in 0usize..6_300, byte in any::<u8>(), cut in 0usize..6_300) {
        let mut bytes = std::fs::read(fixture("statuses.json")).unwrap();
        if let Some(b) = bytes.get_mut(index) { *b = byte; }
        bytes.truncate(cut.max(1));
        let _ = mastodon::read_bytes(Path::new("fuzz.json"), &bytes);
    }
}
