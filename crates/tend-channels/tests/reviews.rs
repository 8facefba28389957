//! The review-export importers (issue 15) on fixtures written after each
//! provider's documented shape (`fixtures/reviews/`, see its README): Google Play's
//! UTF-16 reviews CSV, App Store Connect `customerReviews` JSON, Trustpilot's
//! business CSV, and Quora through the generic CSV. Bad input is refused with the
//! line or record and the field; arbitrary bytes never panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use tend_channels::import::{Import, app_store, csv, google_play, trustpilot};
use tend_domain::{ChannelKind, Direction, IncomingMessage, MessageKind, Rating};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reviews")
        .join(name)
}

fn by_id<'a>(import: &'a Import, id: &str) -> &'a IncomingMessage {
    import
        .messages()
        .into_iter()
        .find(|m| m.external_id == id)
        .unwrap_or_else(|| panic!("no message {id}"))
}

fn stars(tenths: i64) -> Option<Rating> {
    Some(Rating::from_tenths(tenths).unwrap())
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

const PLAY_HEADER: &str = "Package Name,App Version Code,App Version Name,Reviewer Language,Device,\
Review Submit Date and Time,Review Submit Millis Since Epoch,Review Last Update Date and Time,\
Review Last Update Millis Since Epoch,Star Rating,Review Title,Review Text,Developer Reply Date and Time,\
Developer Reply Millis Since Epoch,Developer Reply Text,Review Link";

#[test]
fn a_play_console_export_in_utf16_gives_reviews_with_stars_edits_and_replies() {
    let import = google_play::read(&fixture("google_play.csv")).unwrap();
    let same = google_play::read(&fixture("google_play.utf8.csv")).unwrap();
    assert_eq!(import.items, same.items, "UTF-16 and UTF-8 read alike");

    let crash = by_id(&import, "gp:AOqpTOE-example-1");
    assert_eq!(crash.kind, MessageKind::Review);
    assert_eq!(crash.direction, Direction::Inbound);
    assert_eq!(crash.rating, stars(10));
    assert_eq!(crash.text, "Crashes every time I open a board. Please fix!");
    assert_eq!(crash.title, None);
    assert_eq!(crash.lang.as_deref(), Some("en"));
    assert_eq!(crash.created_at.to_string(), "2024-05-01T09:30:00Z");
    assert_eq!(
        crash.edited_at, None,
        "last update = submission: not edited"
    );
    assert!(crash.permalink.as_deref().unwrap().contains("reviewId="));
    assert_eq!(crash.author, None);

    let reply = by_id(&import, "gp:AOqpTOE-example-1/reply");
    assert_eq!(reply.kind, MessageKind::Reply);
    assert_eq!(reply.direction, Direction::Outbound);
    assert_eq!(
        reply.parent_external_id.as_deref(),
        Some("gp:AOqpTOE-example-1")
    );
    assert_eq!(
        reply.thread_external_id.as_deref(),
        Some("gp:AOqpTOE-example-1")
    );
    assert_eq!(reply.created_at.to_string(), "2024-05-01T12:00:00Z");
    assert_eq!(reply.rating, None);

    let edited = by_id(&import, "gp:AOqpTOE-example-2");
    assert_eq!(edited.rating, stars(40));
    assert_eq!(edited.title.as_deref(), Some("Bättre nu"));
    assert_eq!(
        edited.text,
        "Fungerar efter uppdateringen, tack.\nSynkar snabbt."
    );
    assert_eq!(edited.lang.as_deref(), Some("sv"));
    assert_eq!(
        edited.edited_at.map(|t| t.to_string()).as_deref(),
        Some("2024-05-03T10:15:00Z"),
        "a later update is an edit"
    );

    // No link: the documented derived id.
    let unlinked = by_id(&import, "gp:com.example.tend:1714848300000:");
    assert_eq!(unlinked.lang.as_deref(), Some("pt"));
    assert_eq!(unlinked.rating, stars(50));

    assert_eq!(import.messages().len(), 4);
    let reasons: Vec<String> = import
        .rejected
        .iter()
        .map(|r| format!("{}: {}", r.at, r.reason))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].ends_with(
            "google_play.csv:6 record 4 field `Review Text`: a 3-star rating without title or text; nothing to import"
        ),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains(":7 record 5 field `Star Rating`: \"six\" is not a star rating"),
        "{reasons:?}"
    );
}

#[test]
fn play_exports_are_checked_as_a_whole_first() {
    let read = |bytes: &[u8]| google_play::read_bytes(Path::new("p.csv"), bytes);
    let err = read(&utf16le("Package Name,Device\ncom.x,pixel\n")).unwrap_err();
    assert!(
        err.to_string().contains(
            "not a Google Play reviews CSV: the header lacks `Star Rating`, `Review Text`, `Review Submit Date and Time`"
        ),
        "{err}"
    );
    let err = read(&[0xFF, 0xFE, b'P']).unwrap_err();
    assert!(err.message.contains("odd number of bytes"), "{err}");
    let err = read(b"").unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    // Millis win over the text column; an unreadable one is named.
    let rows = format!(
        "{PLAY_HEADER}\ncom.x,1,1,en,d,2024-05-01T09:30:00Z,12x,,,5,,Nice,,,,\n\
         com.x,1,1,en,d,2024-05-01 09:30:00,,,,5,,Nice,,,,\n"
    );
    let import = read(rows.as_bytes()).unwrap();
    assert_eq!(
        import.rejected[0].at.field.as_deref(),
        Some("Review Submit Millis Since Epoch")
    );
    assert_eq!(import.rejected[0].at.line, Some(2));
    assert_eq!(
        import.messages()[0].created_at.to_string(),
        "2024-05-01T09:30:00Z",
        "a time without an offset is UTC"
    );
    // A link that is not http(s) is refused, not made clickable.
    let rows =
        format!("{PLAY_HEADER}\ncom.x,1,1,en,d,,1714555800000,,,5,,Nice,,,,javascript:alert(1)\n");
    let import = read(rows.as_bytes()).unwrap();
    assert_eq!(import.rejected[0].at.field.as_deref(), Some("Review Link"));
}

#[test]
fn an_app_store_connect_page_gives_reviews_and_their_responses() {
    let import = app_store::read(&fixture("app_store.json")).unwrap();
    let review = by_id(&import, "00000029-0a1b-2c3d-4e5f-000000000001");
    assert_eq!(review.kind, MessageKind::Review);
    assert_eq!(review.rating, stars(20));
    assert_eq!(review.title.as_deref(), Some("Sync lost my boards"));
    assert_eq!(review.created_at.to_string(), "2024-05-03T15:15:00Z");
    let author = review.author.as_ref().unwrap();
    assert_eq!(author.handle, "boardfan42");
    assert_eq!(author.platform, ChannelKind::Reviews);

    let response = by_id(&import, "6f1e0000-0000-0000-0000-0000000000r1");
    assert_eq!(response.direction, Direction::Outbound);
    assert_eq!(response.kind, MessageKind::Reply);
    assert_eq!(
        response.parent_external_id.as_deref(),
        Some("00000029-0a1b-2c3d-4e5f-000000000001")
    );
    assert_eq!(response.created_at.to_string(), "2024-05-03T17:40:00Z");

    assert_eq!(
        by_id(&import, "00000029-0a1b-2c3d-4e5f-000000000002").rating,
        stars(50)
    );
    assert_eq!(import.messages().len(), 3);
    assert_eq!(import.rejected.len(), 1, "{:?}", import.rejected);
    assert!(
        import.rejected[0].to_string_for_test().ends_with(
        "app_store.json record 3 field `data[2].attributes.rating`: is 7; ratings are whole stars, 1 to 5"),
        "{:?}", import.rejected
    );
}

#[test]
fn an_array_of_reviews_or_of_pages_reads_too() {
    let import = app_store::read(&fixture("app_store_array.json")).unwrap();
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let ratings: Vec<_> = import.messages().iter().map(|m| m.rating).collect();
    assert_eq!(ratings, [stars(40), stars(10)]);

    let page = std::fs::read_to_string(fixture("app_store.json")).unwrap();
    let pages = format!("[{page}, {page}]");
    let import = app_store::read_bytes(Path::new("pages.json"), pages.as_bytes()).unwrap();
    assert_eq!(
        import.messages().len(),
        6,
        "each page's reviews and replies"
    );
    assert!(
        import.rejected[0]
            .at
            .field
            .as_deref()
            .unwrap()
            .starts_with("[0].data[2]"),
        "{:?}",
        import.rejected
    );
}

#[test]
fn app_store_input_that_is_not_reviews_is_refused_with_where() {
    let read = |text: &str| app_store::read_bytes(Path::new("a.json"), text.as_bytes());
    let err = read(r#"{"data": [{"id": "1", "#).unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
    assert_eq!(err.at.line, Some(1));
    let err = read("42").unwrap_err();
    assert!(err.message.contains("found a number"), "{err}");
    let err = read(r#"{"data": "x"}"#).unwrap_err();
    assert_eq!(err.at.field.as_deref(), Some("data"));
    let import = read(
        r#"{"data": [
            {"type": "apps", "id": "9", "attributes": {}},
            {"id": "2", "attributes": {"rating": "5", "body": "b", "createdDate": "2024-01-01T00:00:00Z"}},
            {"id": "3", "attributes": {"rating": 5, "body": "b"}},
            {"id": "4", "attributes": {"rating": 5, "body": "b", "createdDate": "2024-01-01T00:00:00Z"}}
        ], "included": [
            {"type": "customerReviewResponses", "id": "r9", "attributes": {"responseBody": "hi", "lastModifiedDate": "2024-01-02T00:00:00Z"}}
        ]}"#,
    )
    .unwrap();
    let fields: Vec<_> = import
        .rejected
        .iter()
        .map(|r| r.at.field.clone().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "data[0].type",
            "data[1].attributes.rating",
            "data[2].attributes.createdDate",
            "included[0].relationships.review"
        ]
    );
    assert_eq!(import.messages().len(), 1);
}

#[test]
fn a_trustpilot_export_gives_reviews_authors_and_company_replies() {
    let import = trustpilot::read(&fixture("trustpilot.csv")).unwrap();
    let review = by_id(&import, "66320000000000000000000a");
    assert_eq!(review.rating, stars(20));
    assert_eq!(review.title.as_deref(), Some("Slow delivery"));
    assert_eq!(review.created_at.to_string(), "2024-05-01T09:30:00Z");
    assert_eq!(
        review.permalink.as_deref(),
        Some("https://www.trustpilot.com/reviews/66320000000000000000000a")
    );
    let author = review.author.as_ref().unwrap();
    assert_eq!(author.external_id, "5f0000000000000000000001");
    assert_eq!(author.display_name.as_deref(), Some("Maria Example"));
    let reply = by_id(&import, "66320000000000000000000a/reply");
    assert_eq!(reply.direction, Direction::Outbound);
    assert_eq!(reply.created_at.to_string(), "2024-05-02T08:00:00Z");
    assert_eq!(
        by_id(&import, "66320000000000000000000c").rating,
        stars(35),
        "half stars"
    );
    assert_eq!(
        by_id(&import, "66320000000000000000000b").lang.as_deref(),
        Some("en")
    );
    assert_eq!(import.messages().len(), 4);
    assert_eq!(import.rejected.len(), 1);
    let bad = &import.rejected[0];
    assert_eq!(bad.at.line, Some(5));
    assert_eq!(bad.at.record, Some(4));
    assert_eq!(bad.at.field.as_deref(), Some("Review Created (UTC)"));
}

#[test]
fn without_a_review_id_the_id_is_the_consumer_and_the_time() {
    let import = trustpilot::read(&fixture("trustpilot_no_id.csv")).unwrap();
    let review = by_id(&import, "tp:5f0000000000000000000001:1714555800");
    assert_eq!(review.permalink, None);
    assert_eq!(review.text, "The parcel took three weeks; nobody answered.");
    assert!(
        import
            .messages()
            .iter()
            .any(|m| m.external_id == "tp:5f0000000000000000000001:1714555800/reply")
    );
    assert_eq!(import.rejected.len(), 1);
    assert_eq!(
        import.rejected[0].at.field.as_deref(),
        Some("review consumer user id"),
        "named as the header spells it"
    );
    let err = trustpilot::read_bytes(Path::new("t.csv"), b"Title,Text\na,b\n").unwrap_err();
    assert!(
        err.to_string().contains("not a Trustpilot reviews CSV"),
        "{err}"
    );
}

#[test]
fn quora_answers_come_in_through_the_generic_csv() {
    let import = csv::read(&fixture("quora.csv")).unwrap();
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let question = by_id(&import, "q-export-pdf");
    assert_eq!(question.kind, MessageKind::ForumPost);
    assert_eq!(
        question.author.as_ref().unwrap().platform,
        ChannelKind::Quora
    );
    let ours = by_id(&import, "q-export-pdf/a2");
    assert_eq!(ours.direction, Direction::Outbound);
    assert_eq!(ours.parent_external_id.as_deref(), Some("q-export-pdf"));
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/import-format.md"),
    )
    .unwrap();
    let example = std::fs::read_to_string(fixture("quora.csv")).unwrap();
    assert!(
        docs.contains(&example),
        "docs/import-format.md (\"Quora\") must contain fixtures/reviews/quora.csv verbatim"
    );
}

/// Renders a refusal the way the CLI prints it.
trait ForTest {
    fn to_string_for_test(&self) -> String;
}

impl ForTest for tend_channels::import::Rejected {
    fn to_string_for_test(&self) -> String {
        format!("{}: {}", self.at, self.reason)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let file = Path::new("fuzz");
        let _ = google_play::read_bytes(file, &bytes);
        let _ = trustpilot::read_bytes(file, &bytes);
        let _ = app_store::read_bytes(file, &bytes);
    }

    #[test]
    fn arbitrary_rows_under_a_real_header_never_panic(
        rows in proptest::collection::vec(proptest::collection::vec("[ -~é\"\n,;]{0,12}", 0..18), 0..6),
        utf16 in any::<bool>(),
    ) {
        let mut text = String::from(PLAY_HEADER);
        for row in &rows {
            text.push('\n');
            text.push_str(&row.join(","));
        }
        let bytes = if utf16 { utf16le(&text) } else { text.clone().into_bytes() };
        let _ = google_play::read_bytes(Path::new("p.csv"), &bytes);
        let tp = text.replacen(PLAY_HEADER, "Review Id,Review Created (UTC),Review Consumer User Id,Review Title,Review Content,Review Stars,Company Reply,Company Reply Date (UTC)", 1);
        let _ = trustpilot::read_bytes(Path::new("t.csv"), tp.as_bytes());
    }

    #[test]
    fn arbitrary_review_json_never_panics(
        rating in prop_oneof![Just("5".to_owned()), Just("\"x\"".to_owned()), Just("null".to_owned()), "-?[0-9]{1,3}(\\.[0-9])?"],
        date in prop_oneof![Just("\"2024-01-01T00:00:00Z\"".to_owned()), Just("1".to_owned()), "\"[ -~]{0,10}\""],
        body in "[ -~]{0,10}",
    ) {
        let json = format!(
            r#"{{"data": [{{"type": "customerReviews", "id": "1", "attributes": {{"rating": {rating}, "body": {body:?}, "createdDate": {date}}}}}]}}"#
        );
        let _ = app_store::read_bytes(Path::new("a.json"), json.as_bytes());
    }
}
