//! The generic NDJSON importer: every field of the documented schema read from the
//! example fixture, every error path (per-record `Rejected` and whole-file
//! `ImportError`), unknown-field reporting, determinism, and property tests that
//! it never panics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use proptest::prelude::*;
use tend_channels::import::{Import, MAX_TEXT_BYTES, Rejected, ndjson};
use tend_domain::{ChannelKind, Direction, IncomingItem, IncomingMessage, MessageKind};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ndjson/example.ndjson")
}

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".ndjson")
        .tempfile()
        .unwrap();
    file.write_all(bytes).unwrap();
    file.flush().unwrap();
    file
}

fn import(text: &str) -> Import {
    let file = file_with(text.as_bytes());
    ndjson::read(file.path()).unwrap()
}

fn messages(import: &Import) -> Vec<&IncomingMessage> {
    import
        .items
        .iter()
        .map(|item| match item {
            IncomingItem::Message(m) => m,
            other => panic!("not a message: {other:?}"),
        })
        .collect()
}

/// The one rejection of a one-line import.
fn rejected(line: &str) -> Rejected {
    let import = import(&format!("{OK}\n{line}\n"));
    assert_eq!(import.items.len(), 1, "the good line still imports");
    assert_eq!(import.rejected.len(), 1, "{:?}", import.rejected);
    let r = import.rejected.into_iter().next().unwrap();
    assert_eq!((r.at.line, r.at.record), (Some(2), Some(2)));
    r
}

const OK: &str = r#"{"id":"ok","text":"fine","created_at":"2024-01-01T00:00:00Z"}"#;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn the_example_reads_every_field() {
    let import = ndjson::read(&fixture()).unwrap();
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let m = messages(&import);
    assert_eq!(m.len(), 4);

    let topic = m[0];
    assert_eq!(topic.external_id, "1001");
    assert_eq!(topic.kind, MessageKind::ForumPost);
    assert_eq!(topic.direction, Direction::Inbound);
    assert_eq!(topic.title.as_deref(), Some("Export to PDF?"));
    assert_eq!(topic.text, "Is there a way to export a board to PDF?");
    assert_eq!(topic.created_at, ts("2024-05-01T09:30:00Z"));
    assert_eq!(
        topic.permalink.as_deref(),
        Some("https://community.example.com/t/1001")
    );
    assert_eq!(topic.lang.as_deref(), Some("en"));
    assert_eq!(
        (
            topic.engagement.likes,
            topic.engagement.shares,
            topic.engagement.replies,
            topic.engagement.views
        ),
        (4, 0, 2, 310)
    );
    assert_eq!(
        (
            topic.thread_external_id.as_deref(),
            topic.parent_external_id.as_deref()
        ),
        (None, None)
    );
    let maria = topic.author.as_ref().unwrap();
    assert_eq!(maria.platform, ChannelKind::Discourse);
    assert_eq!(maria.external_id, "u-17");
    assert_eq!(maria.handle, "maria", "a leading @ is dropped");
    assert_eq!(maria.display_name.as_deref(), Some("María López"));
    assert_eq!(
        maria.profile_url.as_deref(),
        Some("https://community.example.com/u/maria")
    );
    assert_eq!(maria.followers, Some(120));
    assert!(!maria.verified);
    assert_eq!(maria.email, None);

    let answer = m[1];
    assert_eq!(answer.kind, MessageKind::Reply);
    assert_eq!(answer.direction, Direction::Outbound);
    assert_eq!(answer.thread_external_id.as_deref(), Some("1001"));
    assert_eq!(answer.parent_external_id.as_deref(), Some("1001"));
    assert_eq!(
        answer.text,
        "Not yet; it is on the roadmap.\nWe will post here when it ships."
    );
    assert_eq!(
        answer.created_at,
        ts("2024-05-01T10:00:00Z"),
        "Unix seconds"
    );
    let team = answer.author.as_ref().unwrap();
    assert_eq!(
        (
            team.external_id.as_str(),
            team.handle.as_str(),
            team.verified
        ),
        ("team-1", "acme_support", true)
    );

    let thanks = m[2];
    assert_eq!(
        thanks.created_at,
        ts("2024-05-01T11:00:00Z"),
        "Unix milliseconds in a string"
    );
    assert_eq!(
        thanks.edited_at,
        Some(ts("2024-05-01T11:05:00Z")),
        "offset converted to UTC"
    );
    assert_eq!(thanks.text, "Thanks, \"soon\" works for me!");
    assert_eq!(thanks.engagement.shares, 1);
    let by_handle = thanks.author.as_ref().unwrap();
    assert_eq!(
        (by_handle.external_id.as_str(), by_handle.handle.as_str()),
        ("maria", "maria")
    );
    assert_eq!(by_handle.email.as_deref(), Some("maria@example.com"));

    let review = m[3];
    assert_eq!(review.kind, MessageKind::Review);
    assert_eq!(review.lang.as_deref(), Some("en"), "region dropped");
    assert_eq!(
        review.author.as_ref().unwrap().platform,
        ChannelKind::Reviews
    );
    assert_eq!(
        review.author.as_ref().unwrap().display_name.as_deref(),
        Some("J. Doe")
    );
}

#[test]
fn defaults_apply_to_a_minimal_record() {
    let import = import(OK);
    let m = messages(&import)[0];
    assert_eq!(m.kind, MessageKind::Comment);
    assert_eq!(m.direction, Direction::Inbound);
    assert_eq!(m.author, None);
    assert_eq!(m.engagement, Default::default());
    assert_eq!(
        (
            m.title.as_ref(),
            m.lang.as_ref(),
            m.edited_at,
            m.permalink.as_ref()
        ),
        (None, None, None, None)
    );
}

#[test]
fn kind_post_defaults_to_outbound_and_direction_overrides() {
    let import = import(concat!(
        r#"{"id":"1","kind":"post","text":"ours","created_at":0}"#,
        "\n",
        r#"{"id":"2","kind":"post","direction":"inbound","text":"theirs","created_at":0}"#,
        "\n",
        r#"{"id":"3","kind":" Direct_Message ","text":"dm","created_at":0}"#,
    ));
    let m = messages(&import);
    assert_eq!(m[0].direction, Direction::Outbound);
    assert_eq!(m[1].direction, Direction::Inbound);
    assert_eq!(
        m[2].kind,
        MessageKind::DirectMessage,
        "kinds are trimmed and case-insensitive"
    );
}

#[test]
fn a_title_alone_is_enough_and_integer_ids_are_kept_exactly() {
    let import = import(
        r#"{"id":1234567890123456789,"title":"Only a title","created_at":"2024-01-01T00:00:00Z","author":{"id":18446744073709551615,"handle":"x"},"parent_id":42}"#,
    );
    let m = messages(&import)[0];
    assert_eq!(m.external_id, "1234567890123456789");
    assert_eq!(m.text, "");
    assert_eq!(m.parent_external_id.as_deref(), Some("42"));
    assert_eq!(
        m.author.as_ref().unwrap().external_id,
        "18446744073709551615"
    );
}

#[test]
fn null_and_empty_values_mean_absent() {
    let import = import(
        r#"{"id":"1","text":"t","created_at":0,"title":null,"lang":"","likes":null,"author":null,"url":""}"#,
    );
    let m = messages(&import)[0];
    assert_eq!(
        (
            m.title.as_ref(),
            m.lang.as_ref(),
            m.permalink.as_ref(),
            m.author.as_ref()
        ),
        (None, None, None, None)
    );
}

#[test]
fn per_record_problems_are_rejected_naming_line_record_and_field() {
    let cases: &[(&str, &str, &str)] = &[
        (r#"{"text":"t","created_at":0}"#, "id", "required"),
        (r#"{"id":"  ","text":"t","created_at":0}"#, "id", "required"),
        (r#"{"id":"1","text":"t"}"#, "created_at", "required"),
        (
            r#"{"id":"1","text":"t","created_at":"yesterday"}"#,
            "created_at",
            "not an RFC 3339",
        ),
        (
            r#"{"id":"1","text":"t","created_at":"2024-01-01 10:00"}"#,
            "created_at",
            "offset",
        ),
        (
            r#"{"id":"1","text":"t","created_at":1.5}"#,
            "created_at",
            "fraction",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"edited_at":"soon"}"#,
            "edited_at",
            "RFC 3339",
        ),
        (
            r#"{"id":"1","created_at":0}"#,
            "text",
            "required unless `title`",
        ),
        (
            r#"{"id":"1","text":"   ","created_at":0}"#,
            "text",
            "required unless `title`",
        ),
        (
            r#"{"id":"1","text":42,"created_at":0}"#,
            "text",
            "must be a string",
        ),
        (
            r#"{"id":"1","text":"a\u0000b","created_at":0}"#,
            "text",
            "NUL",
        ),
        (
            r#"{"id":"1","title":"a\u0000b","created_at":0}"#,
            "title",
            "NUL",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"likes":-1}"#,
            "likes",
            "negative",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"shares":"-3"}"#,
            "shares",
            "negative",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"replies":1.5}"#,
            "replies",
            "whole number",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"views":"many"}"#,
            "views",
            "whole number",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"kind":"tweet"}"#,
            "kind",
            "unknown kind",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"direction":"up"}"#,
            "direction",
            "unknown direction",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"parent_id":"1"}"#,
            "parent_id",
            "own parent",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"lang":"english"}"#,
            "lang",
            "ISO 639-1",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"url":"javascript:alert(1)"}"#,
            "url",
            "http",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"rating":0}"#,
            "rating",
            "from 1 to 5",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"rating":"five"}"#,
            "rating",
            "from 1 to 5",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"author_name":"Al"}"#,
            "author_id",
            "neither",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"author_id":"a","author_followers":-5}"#,
            "author_followers",
            "negative",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"author_id":"a","author_verified":"maybe"}"#,
            "author_verified",
            "true/false",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"author_id":"a","author_email":"nope"}"#,
            "author_email",
            "e-mail",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"author_id":"a","author_url":"ftp://x"}"#,
            "author_url",
            "http",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"author_id":"a","platform":"myspace"}"#,
            "platform",
            "unknown platform",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"author":{"handle":"a","platform":"myspace"}}"#,
            "author.platform",
            "unknown platform",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"author":{"id":"a","verified":"maybe"}}"#,
            "author.verified",
            "true/false",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"author":"alice"}"#,
            "author",
            "must be an object",
        ),
        (
            r#"{"id":"1","text":"t","created_at":0,"author":{"id":"a"},"author_id":"b"}"#,
            "author.id",
            "both",
        ),
        (
            r#"{"id":[1],"text":"t","created_at":0}"#,
            "id",
            "not an array",
        ),
    ];
    for (line, field, reason) in cases {
        let r = rejected(line);
        assert_eq!(r.at.field.as_deref(), Some(*field), "{line}: {r:?}");
        assert!(
            r.reason.contains(reason),
            "{line}: {:?} lacks {reason:?}",
            r.reason
        );
        assert!(
            r.at.file.to_string_lossy().ends_with(".ndjson"),
            "the file is named"
        );
    }
}

#[test]
fn size_limits_are_enforced_per_field() {
    let long_text = "x".repeat(MAX_TEXT_BYTES + 1);
    let r = rejected(&format!(
        r#"{{"id":"1","text":"{long_text}","created_at":0}}"#
    ));
    assert_eq!(r.at.field.as_deref(), Some("text"));
    assert!(
        r.reason.contains(&format!("at most {MAX_TEXT_BYTES}")),
        "{r:?}"
    );
    let exactly = "x".repeat(MAX_TEXT_BYTES);
    assert_eq!(
        import(&format!(
            r#"{{"id":"1","text":"{exactly}","created_at":0}}"#
        ))
        .items
        .len(),
        1
    );
    let long_id = "i".repeat(513);
    assert_eq!(
        rejected(&format!(
            r#"{{"id":"{long_id}","text":"t","created_at":0}}"#
        ))
        .at
        .field
        .as_deref(),
        Some("id")
    );
}

#[test]
fn an_over_long_line_is_rejected_and_the_next_line_still_reads() {
    let huge = format!(
        r#"{{"id":"big","text":"{}","created_at":0}}"#,
        "y".repeat(ndjson::MAX_LINE_BYTES)
    );
    let import = import(&format!("{OK}\n{huge}\n{OK}\n"));
    assert_eq!(import.items.len(), 2);
    assert_eq!(import.rejected.len(), 1);
    assert_eq!(import.rejected[0].at.line, Some(2));
    assert!(
        import.rejected[0].reason.contains("at most"),
        "{:?}",
        import.rejected[0]
    );
}

#[test]
fn a_later_line_that_is_not_a_json_object_is_rejected() {
    let r = rejected(r#"{"id":"2","text":"trunc"#);
    assert_eq!(r.at.field, None);
    assert!(r.reason.contains("not valid JSON"), "{r:?}");
    let r = rejected("[1,2]");
    assert!(r.reason.contains("an array, not a JSON object"), "{r:?}");
}

#[test]
fn a_first_line_that_is_not_a_json_object_fails_the_import() {
    for (text, says) in [
        ("[\n  {\"id\": \"1\"}\n]\n", "jq -c"),
        ("id,text,created_at\n1,hi,0\n", "not valid JSON"),
        ("\n\n42\n", "a number"),
    ] {
        let file = file_with(text.as_bytes());
        let err = ndjson::read(file.path()).unwrap_err();
        assert!(err.message.contains("not NDJSON"), "{err}");
        assert!(err.message.contains(says), "{err}");
        assert_eq!(err.at.file, file.path());
        assert!(err.at.line.is_some());
    }
}

#[test]
fn invalid_utf8_fails_the_import_naming_line_and_byte_offset() {
    let mut bytes = format!("{OK}\n").into_bytes();
    let offset = bytes.len() + 10;
    bytes.extend_from_slice(br#"{"id":"2",""#);
    bytes.truncate(offset);
    bytes.extend_from_slice(b"\xC3\x28\"}\n");
    let file = file_with(&bytes);
    let err = ndjson::read(file.path()).unwrap_err();
    assert_eq!(err.at.line, Some(2));
    assert!(
        err.message.contains(&format!("byte offset {offset}")),
        "{err}"
    );
    assert!(err.message.contains("UTF-8"), "{err}");
}

#[test]
fn blank_lines_crlf_and_a_bom_are_accepted_and_lines_stay_counted() {
    let text = format!(
        "\u{feff}{OK}\r\n\r\n   \n{}\r\n",
        r#"{"id":"2","created_at":0}"#
    );
    let import = import(&text);
    assert_eq!(import.items.len(), 1);
    assert_eq!(import.rejected[0].at.line, Some(4));
    assert_eq!(
        import.rejected[0].at.record,
        Some(2),
        "blank lines are not records"
    );
}

#[test]
fn an_empty_file_imports_nothing() {
    let import = import("");
    assert!(import.items.is_empty() && import.rejected.is_empty());
}

#[test]
fn duplicate_ids_are_both_kept_in_file_order() {
    let import = import(concat!(
        r#"{"id":"1","text":"first","created_at":0}"#,
        "\n",
        r#"{"id":"1","text":"edited","created_at":0,"edited_at":60}"#,
    ));
    let m = messages(&import);
    assert_eq!(
        (m[0].text.as_str(), m[1].text.as_str()),
        ("first", "edited")
    );
}

#[test]
fn unknown_fields_are_ignored_and_counted() {
    let file = file_with(
        concat!(
            r#"{"id":"1","txt":"typo","text":"t","created_at":0,"author":{"id":"a","avatar":"x.png"}}"#, "\n",
            r#"{"id":"2","txt":"again","text":"t","created_at":0,"extra":null}"#, "\n",
        )
        .as_bytes(),
    );
    let (import, report) = ndjson::read_with_report(file.path()).unwrap();
    assert_eq!(import.items.len(), 2);
    let counted: Vec<(&str, u64)> = report
        .unknown_fields
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(counted, [("author.avatar", 1), ("txt", 2)]);
}

#[test]
fn a_missing_file_and_a_directory_are_import_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        ndjson::read(&dir.path().join("nope.ndjson"))
            .unwrap_err()
            .message
            .contains("cannot open")
    );
    assert!(ndjson::read(dir.path()).is_err());
}

#[test]
fn importing_twice_gives_identical_output() {
    let a = ndjson::read(&fixture()).unwrap();
    let b = ndjson::read(&fixture()).unwrap();
    assert_eq!(a.items, b.items);
    assert_eq!(a.rejected, b.rejected);
}

#[test]
fn the_documentation_shows_the_fixture_and_every_field() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/import-format.md"),
    )
    .unwrap();
    let example = std::fs::read_to_string(fixture()).unwrap();
    assert!(
        doc.contains(&example),
        "docs/import-format.md must contain tests/fixtures/ndjson/example.ndjson verbatim"
    );
    for field in ndjson::FIELDS {
        assert!(
            doc.contains(&format!("| `{field}` |")),
            "no table row for `{field}`"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let file = file_with(&bytes);
        let _ = ndjson::read(file.path());
    }

    #[test]
    fn a_mutated_example_never_panics(at in 0usize..2000, byte in any::<u8>(), cut in 0usize..2000) {
        let mut bytes = std::fs::read(fixture()).unwrap();
        let n = bytes.len();
        if let Some(b) = bytes.get_mut(at % n) {
            *b = byte;
        }
        bytes.truncate(cut.max(1) % (bytes.len() + 1));
        let file = file_with(&bytes);
        if let Ok(import) = ndjson::read(file.path()) {
            prop_assert!(import.items.len() + import.rejected.len() <= 5);
        }
    }
}
