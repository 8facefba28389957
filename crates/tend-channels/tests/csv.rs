//! The generic CSV importer: the example fixture gives exactly the items of the
//! equivalent NDJSON fixture, header and delimiter handling, every whole-file and
//! per-row error path, and property tests: it never panics, and a record written
//! by a generator (as CSV and as NDJSON) reads back as the message it describes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use proptest::prelude::*;
use tend_channels::import::{Import, csv, ndjson};
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn file_with(bytes: &[u8], suffix: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    file.write_all(bytes).unwrap();
    file.flush().unwrap();
    file
}

fn import(text: &str) -> Import {
    let file = file_with(text.as_bytes(), ".csv");
    csv::read(file.path()).unwrap()
}

fn message(import: &Import, i: usize) -> &IncomingMessage {
    match &import.items[i] {
        IncomingItem::Message(m) => m,
        other => panic!("not a message: {other:?}"),
    }
}

#[test]
fn the_csv_example_gives_the_same_items_as_the_ndjson_example() {
    let from_csv = csv::read(&fixture("csv/example.csv")).unwrap();
    let from_ndjson = ndjson::read(&fixture("ndjson/example.ndjson")).unwrap();
    assert!(from_csv.rejected.is_empty(), "{:?}", from_csv.rejected);
    assert_eq!(from_csv.items.len(), 4);
    assert_eq!(from_csv.items, from_ndjson.items);
}

#[test]
fn rows_are_located_by_the_line_they_start_on() {
    // Row 3 (1003) starts on line 5 because row 2's text spans two lines.
    let text = std::fs::read_to_string(fixture("csv/example.csv")).unwrap();
    let broken = text.replace("1003,reply", "1003,tweet");
    let import = import(&broken);
    assert_eq!(import.rejected.len(), 1);
    let r = &import.rejected[0];
    assert_eq!(
        (r.at.line, r.at.record, r.at.field.as_deref()),
        (Some(5), Some(3), Some("kind"))
    );
    let shown = r.at.to_string();
    assert!(
        shown.contains(&*r.at.file.to_string_lossy()) && shown.contains(":5 record 3 field `kind`"),
        "{shown}"
    );
}

#[test]
fn semicolons_a_bom_crlf_and_case_insensitive_headers_are_accepted() {
    let import =
        import("\u{feff} ID ;Text;Created_At;likes\r\n1;\"a;b\r\nc\";2024-01-01T00:00:00Z;3\r\n");
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let m = message(&import, 0);
    assert_eq!(m.external_id, "1");
    assert_eq!(m.text, "a;b\r\nc");
    assert_eq!(m.engagement.likes, 3);
}

#[test]
fn blank_lines_are_skipped() {
    let import = import("id,text,created_at\n\n1,a,0\n\n2,b,0\n");
    assert_eq!(import.items.len(), 2);
    assert!(import.rejected.is_empty());
}

#[test]
fn blank_lines_before_the_header_are_skipped_and_still_counted() {
    let import = import("\n \r\nid;text;created_at\n1;a,b;0\n2;;0\n");
    assert_eq!(
        message(&import, 0).text,
        "a,b",
        "the delimiter comes from the header line"
    );
    assert_eq!(import.rejected[0].at.line, Some(5));
    let file = file_with(b"\n\nid,body,created_at\n", ".csv");
    assert_eq!(csv::read(file.path()).unwrap_err().at.line, Some(3));
    let file = file_with(b"\n\n", ".csv");
    assert!(
        csv::read(file.path())
            .unwrap_err()
            .message
            .contains("empty")
    );
}

#[test]
fn a_header_only_file_imports_nothing() {
    let import = import("id,text,created_at\n");
    assert!(import.items.is_empty() && import.rejected.is_empty());
}

#[test]
fn whole_file_problems_fail_the_import() {
    let cases: &[(&[u8], &str, Option<&str>)] = &[
        (b"", "header row", None),
        (b"text,created_at\n", "`id`", Some("id")),
        (b"id,body,created_at\n", "`text`", Some("text")),
        (b"id;text\n", "`created_at`", Some("created_at")),
        (b"id,text,created_at,Text\n", "twice", Some("text")),
    ];
    for (bytes, says, field) in cases {
        let file = file_with(bytes, ".csv");
        let err = csv::read(file.path()).unwrap_err();
        assert!(err.message.contains(says), "{err}");
        assert_eq!(err.at.field.as_deref(), *field, "{err}");
        assert_eq!(err.at.line, Some(1));
    }
}

#[test]
fn a_comma_file_read_with_the_wrong_columns_names_what_it_saw() {
    let file = file_with(b"message_id,content,timestamp\n", ".csv");
    let err = csv::read(file.path()).unwrap_err();
    assert!(
        err.message.contains("`message_id`, `content`, `timestamp`"),
        "{err}"
    );
}

#[test]
fn invalid_utf8_fails_the_import_naming_line_and_byte_offset() {
    // Latin-1 "é" in a quoted multi-line cell on line 3.
    let file = file_with(b"id,text,created_at\n1,\"line\nna\xE9ve\",0\n", ".csv");
    let err = csv::read(file.path()).unwrap_err();
    assert_eq!(err.at.line, Some(3));
    assert!(err.message.contains("byte offset 29"), "{err}");
}

#[test]
fn a_row_with_the_wrong_number_of_cells_is_rejected() {
    let import = import("id,text,created_at\n1,a,0\n2,b,c,0\n3\n4,d,0\n");
    assert_eq!(import.items.len(), 2);
    let lines: Vec<_> = import
        .rejected
        .iter()
        .map(|r| (r.at.line, r.at.record, r.at.field.clone()))
        .collect();
    assert_eq!(lines, [(Some(3), Some(2), None), (Some(4), Some(3), None)]);
    assert!(
        import.rejected[0]
            .reason
            .contains("has 4 cells; the header has 3")
    );
}

#[test]
fn per_row_problems_name_the_field() {
    let import = import(concat!(
        "id,text,created_at,likes,author_handle,author_verified,rating\n",
        ",no id,0,,,,\n",
        "2,bad time,31/12/2024,,,,\n",
        "3,negative,0,-2,,,\n",
        "4,verified?,0,,al,sometimes,\n",
        "5,nul \0 byte,0,,,,\n",
        "6,stars,0,,,,7\n",
        "7,good,0,,,,\n",
    ));
    let fields: Vec<_> = import
        .rejected
        .iter()
        .map(|r| (r.at.line.unwrap(), r.at.field.clone().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            (2, "id"),
            (3, "created_at"),
            (4, "likes"),
            (5, "author_verified"),
            (6, "text"),
            (7, "rating")
        ]
        .map(|(l, f)| (l, f.to_owned()))
    );
    assert_eq!(import.items.len(), 1);
}

#[test]
fn unknown_columns_are_ignored_and_counted_where_filled() {
    let file = file_with(
        b"id,text,created_at,Avatar,,notes\n1,a,0,x.png,,\n2,b,0,y.png,z,\n",
        ".csv",
    );
    let (import, report) = csv::read_with_report(file.path()).unwrap();
    assert_eq!(import.items.len(), 2);
    let counted: Vec<(&str, u64)> = report
        .unknown_fields
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(counted, [("avatar", 2)]);
}

#[test]
fn importing_twice_gives_identical_output() {
    let a = csv::read(&fixture("csv/example.csv")).unwrap();
    let b = csv::read(&fixture("csv/example.csv")).unwrap();
    assert_eq!((a.items, a.rejected), (b.items, b.rejected));
}

#[test]
fn the_documentation_shows_the_csv_fixture() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/import-format.md"),
    )
    .unwrap();
    let example = std::fs::read_to_string(fixture("csv/example.csv")).unwrap();
    assert!(
        doc.contains(&example),
        "docs/import-format.md must contain tests/fixtures/csv/example.csv verbatim"
    );
}

/// A generated message: what is written, and what must be read back.
#[derive(Debug, Clone)]
struct Generated {
    expected: IncomingMessage,
    rating: Option<u8>,
}

const KINDS: [MessageKind; 7] = [
    MessageKind::Mention,
    MessageKind::Comment,
    MessageKind::Reply,
    MessageKind::DirectMessage,
    MessageKind::Review,
    MessageKind::ForumPost,
    MessageKind::Post,
];

fn text_strategy() -> impl Strategy<Value = String> {
    // Delimiters, quotes, newlines, JSON escapes and non-ASCII, never blank.
    "[a-zA-Z0-9 ,;\"'\\n\\r\\t\\\\{}éü€😀]{0,40}".prop_map(|s| format!("{s}x"))
}

fn author_strategy() -> impl Strategy<Value = Option<IncomingAuthor>> {
    proptest::option::of((
        "[a-z0-9_]{1,12}",
        proptest::option::of("[a-zA-Z][a-zA-Z ]{0,11}x"),
        proptest::option::of(0i64..10_000_000),
        any::<bool>(),
        proptest::option::of("[a-z]{1,8}@[a-z]{1,8}\\.org"),
        proptest::sample::select(ChannelKind::ALL.to_vec()),
    ))
    .prop_map(|author| {
        author.map(
            |(handle, name, followers, verified, email, platform)| IncomingAuthor {
                platform,
                external_id: format!("id-{handle}"),
                handle: handle.clone(),
                display_name: name,
                profile_url: Some(format!("https://example.com/u/{handle}")),
                followers,
                verified,
                email,
            },
        )
    })
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        (
            "[A-Za-z0-9_-]{1,20}",
            proptest::sample::select(KINDS.to_vec()),
            any::<bool>(),
        ),
        (
            proptest::option::of("[0-9]{1,6}"),
            proptest::option::of(text_strategy()),
            text_strategy(),
        ),
        (
            -2_000_000_000i64..4_000_000_000,
            proptest::option::of(0i64..1_000_000),
            any::<bool>(),
        ),
        (
            [
                0i64..1_000_000,
                0i64..1_000_000,
                0i64..1_000_000,
                0i64..1_000_000,
            ],
            proptest::option::of(1u8..=5),
        ),
        (
            author_strategy(),
            proptest::option::of(proptest::sample::select(vec!["en", "fr", "de"])),
        ),
    )
        .prop_map(
            |(
                (id, kind, flip),
                (parent, title, text),
                (created, edited_after, millis),
                (counts, rating),
                (author, lang),
            )| {
                let direction = if flip {
                    match kind.default_direction() {
                        Direction::Inbound => Direction::Outbound,
                        Direction::Outbound => Direction::Inbound,
                    }
                } else {
                    kind.default_direction()
                };
                let created_at = if millis {
                    // Milliseconds are only recognised from 10^11 (March 1973) on.
                    Timestamp::from_millisecond((created.abs() + 100_000_000) * 1000 + 123).unwrap()
                } else {
                    Timestamp::from_second(created).unwrap()
                };
                Generated {
                    expected: IncomingMessage {
                        parent_external_id: parent.filter(|p| *p != id),
                        external_id: id.clone(),
                        kind,
                        direction,
                        thread_external_id: Some(format!("root-{id}")),
                        author,
                        title,
                        text,
                        lang: lang.map(str::to_owned),
                        created_at,
                        edited_at: edited_after
                            .map(|s| Timestamp::from_second(created + s).unwrap()),
                        permalink: Some(format!("https://example.com/m/{id}")),
                        engagement: Engagement {
                            likes: counts[0],
                            shares: counts[1],
                            replies: counts[2],
                            views: counts[3],
                        },
                        rating: rating
                            .map(|r| tend_domain::Rating::from_tenths(i64::from(r) * 10).unwrap()),
                    },
                    rating,
                }
            },
        )
}

/// The record as string fields, the way a user would write it.
fn as_fields(g: &Generated) -> Vec<(&'static str, String)> {
    let m = &g.expected;
    let mut out = vec![
        ("id", m.external_id.clone()),
        ("kind", m.kind.as_str().to_owned()),
        ("direction", m.direction.as_str().to_owned()),
        ("text", m.text.clone()),
        // Milliseconds as an integer, RFC 3339 for whole seconds: both must read back.
        (
            "created_at",
            if m.created_at.subsec_millisecond() != 0 {
                m.created_at.as_millisecond().to_string()
            } else {
                m.created_at.to_string()
            },
        ),
        (
            "thread_id",
            m.thread_external_id.clone().unwrap_or_default(),
        ),
        (
            "parent_id",
            m.parent_external_id.clone().unwrap_or_default(),
        ),
        ("title", m.title.clone().unwrap_or_default()),
        ("lang", m.lang.clone().unwrap_or_default()),
        (
            "edited_at",
            m.edited_at
                .map(|t| t.as_second().to_string())
                .unwrap_or_default(),
        ),
        ("url", m.permalink.clone().unwrap_or_default()),
        ("likes", m.engagement.likes.to_string()),
        ("shares", m.engagement.shares.to_string()),
        ("replies", m.engagement.replies.to_string()),
        ("views", m.engagement.views.to_string()),
        (
            "rating",
            g.rating.map(|r| r.to_string()).unwrap_or_default(),
        ),
    ];
    if let Some(a) = &m.author {
        out.extend([
            ("author_id", a.external_id.clone()),
            ("author_handle", a.handle.clone()),
            ("author_name", a.display_name.clone().unwrap_or_default()),
            ("author_url", a.profile_url.clone().unwrap_or_default()),
            (
                "author_followers",
                a.followers.map(|f| f.to_string()).unwrap_or_default(),
            ),
            ("author_verified", a.verified.to_string()),
            ("author_email", a.email.clone().unwrap_or_default()),
            ("platform", a.platform.as_str().to_owned()),
        ]);
    }
    out
}

fn write_csv(records: &[Generated], delimiter: u8) -> Vec<u8> {
    let names: Vec<&str> = ndjson::FIELDS.to_vec();
    let mut writer = ::csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(Vec::new());
    writer.write_record(&names).unwrap();
    for g in records {
        let fields = as_fields(g);
        let row: Vec<String> = names
            .iter()
            .map(|n| {
                fields
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect();
        writer.write_record(&row).unwrap();
    }
    writer.into_inner().unwrap()
}

fn write_ndjson(records: &[Generated], nested_author: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for g in records {
        let mut object = serde_json::Map::new();
        let mut author = serde_json::Map::new();
        for (k, v) in as_fields(g) {
            let value = match k {
                // Numbers as JSON numbers where a user would write them so.
                "likes" | "shares" | "replies" | "views" | "author_followers" | "rating"
                    if !v.is_empty() =>
                {
                    serde_json::Value::from(v.parse::<i64>().unwrap())
                }
                "author_verified" => serde_json::Value::from(v == "true"),
                _ => serde_json::Value::from(v),
            };
            match ndjson::AUTHOR_KEYS.iter().find(|(_, flat)| *flat == k) {
                Some((key, _)) if nested_author => {
                    author.insert((*key).to_owned(), value);
                }
                _ => {
                    object.insert(k.to_owned(), value);
                }
            }
        }
        if !author.is_empty() {
            object.insert("author".to_owned(), serde_json::Value::Object(author));
        }
        serde_json::to_writer(&mut out, &object).unwrap();
        out.push(b'\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_records_read_back_equal_from_both_formats(
        records in proptest::collection::vec(generated(), 1..6),
        semicolon in any::<bool>(),
        nested in any::<bool>(),
    ) {
        let expected: Vec<IncomingItem> = records.iter().map(|g| IncomingItem::Message(g.expected.clone())).collect();
        let csv_file = file_with(&write_csv(&records, if semicolon { b';' } else { b',' }), ".csv");
        let from_csv = csv::read(csv_file.path()).unwrap();
        prop_assert!(from_csv.rejected.is_empty(), "{:?}", from_csv.rejected);
        prop_assert_eq!(&from_csv.items, &expected);
        let ndjson_file = file_with(&write_ndjson(&records, nested), ".ndjson");
        let from_ndjson = ndjson::read(ndjson_file.path()).unwrap();
        prop_assert!(from_ndjson.rejected.is_empty(), "{:?}", from_ndjson.rejected);
        prop_assert_eq!(&from_ndjson.items, &expected);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let file = file_with(&bytes, ".csv");
        let _ = csv::read(file.path());
    }

    #[test]
    fn random_rows_under_a_valid_header_never_panic(body in "[a-z0-9,;\"\\n\\r\\-:TZ ]{0,300}") {
        let file = file_with(format!("id,text,created_at,likes,kind,author_id\n{body}").as_bytes(), ".csv");
        let import = csv::read(file.path()).unwrap();
        for r in &import.rejected {
            prop_assert!(r.at.line.is_some() && r.at.record.is_some());
        }
    }

    #[test]
    fn a_mutated_example_never_panics(at in 0usize..2000, byte in any::<u8>(), cut in 0usize..2000) {
        let mut bytes = std::fs::read(fixture("csv/example.csv")).unwrap();
        let n = bytes.len();
        if let Some(b) = bytes.get_mut(at % n) {
            *b = byte;
        }
        bytes.truncate(cut.max(1) % (bytes.len() + 1));
        let file = file_with(&bytes, ".csv");
        let _ = csv::read(file.path());
    }
}
