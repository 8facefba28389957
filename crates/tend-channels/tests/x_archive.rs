//! The X archive importer on a synthetic archive in the exact `tweets.js` shape
//! (`fixtures/x_archive/`), a split archive directory, and broken input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use tend_channels::import::Import;
use tend_channels::import::x_archive;
use tend_domain::{Direction, IncomingMessage, MessageKind};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/x_archive")
        .join(name)
}

fn by_id(import: &Import, suffix: u64) -> &IncomingMessage {
    let id = (1_997_000_000_000_000_000u64 + suffix).to_string();
    import
        .messages()
        .into_iter()
        .find(|m| m.external_id == id)
        .unwrap()
}

fn read_str(text: &str) -> Result<Import, tend_channels::import::ImportError> {
    x_archive::read_bytes(Path::new("tweets.js"), text.as_bytes())
}

#[test]
fn the_archive_gives_outbound_posts_and_skips_retweets() {
    let import = x_archive::read(&fixture("tweets.js")).unwrap();
    assert_eq!(import.messages().len(), 20);
    assert_eq!(import.rejected.len(), 2);
    for rejected in &import.rejected {
        assert_eq!(rejected.at.field.as_deref(), Some("tweet.full_text"));
        assert!(
            rejected.reason.starts_with("a retweet of @"),
            "{}",
            rejected.reason
        );
    }
    assert!(import.rejected[0].reason.contains("@partner_co"));
    assert_eq!(import.rejected[0].at.record, Some(6));
    assert!(
        import
            .messages()
            .iter()
            .all(|m| m.direction == Direction::Outbound)
    );

    let first = by_id(&import, 1);
    assert_eq!(first.kind, MessageKind::Post);
    assert_eq!(
        first.text,
        "Tend 2.0 is out 🎉 Read the release notes: https://tend.example/blog/2-0 #tend #community"
    );
    assert_eq!(first.created_at.to_string(), "2025-12-06T18:20:30Z");
    assert_eq!((first.engagement.likes, first.engagement.shares), (42, 7));
    assert_eq!(first.lang.as_deref(), Some("en"));
    assert_eq!(
        first.permalink.as_deref(),
        Some("https://x.com/tendapp/status/1997000000000000001")
    );
    let owner = first.author.as_ref().unwrap();
    assert_eq!(owner.external_id, "1500000000000000001");
    assert_eq!(owner.handle, "tendapp");
    assert_eq!(owner.display_name.as_deref(), Some("Tend"));
    assert_eq!(owner.email, None);
}

#[test]
fn text_is_unescaped_and_every_tco_link_expanded() {
    let import = x_archive::read(&fixture("tweets.js")).unwrap();
    assert_eq!(
        by_id(&import, 8).text,
        "Fish & chips <3 — our team lunch today"
    );
    assert_eq!(
        by_id(&import, 4).text,
        "3/3 Details in our guidelines: https://tend.example/guidelines?lang=en&v=2"
    );
    assert_eq!(
        by_id(&import, 9).text,
        "New dashboard preview https://x.com/tendapp/status/1997000000000000009/photo/1"
    );
    assert_eq!(
        by_id(&import, 19).text,
        "Reminder: the survey closes Friday https://tend.example/survey https://tend.example/survey/results"
    );
    assert!(import.messages().iter().all(|m| !m.text.contains("t.co/")));
    assert_eq!(by_id(&import, 7).lang.as_deref(), Some("sv"));
    assert_eq!(
        by_id(&import, 7).text,
        "Nu finns Tend på svenska! Åäö fungerar överallt, även i exporterna."
    );
    assert_eq!(by_id(&import, 13).lang, None, "und is no language");
    assert_eq!(by_id(&import, 21).lang, None, "qme is no language");
}

#[test]
fn self_threads_get_their_root_and_replies_to_others_only_a_parent() {
    let import = x_archive::read(&fixture("tweets.js")).unwrap();
    let root = by_id(&import, 2);
    assert_eq!(
        (root.kind, root.thread_external_id.as_deref()),
        (MessageKind::Post, None)
    );
    for (n, parent) in [(3, 2), (4, 3)] {
        let tweet = by_id(&import, n);
        assert_eq!(tweet.kind, MessageKind::Reply);
        assert_eq!(
            tweet.parent_external_id,
            Some((1_997_000_000_000_000_000u64 + parent).to_string())
        );
        assert_eq!(
            tweet.thread_external_id.as_deref(),
            Some("1997000000000000002")
        );
    }
    let to_anna = by_id(&import, 5);
    assert_eq!(to_anna.kind, MessageKind::Reply);
    assert_eq!(
        to_anna.parent_external_id.as_deref(),
        Some("1996999999999999001")
    );
    assert_eq!(to_anna.thread_external_id, None);
    assert_eq!(to_anna.direction, Direction::Outbound);
}

#[test]
fn messages_come_oldest_first() {
    let import = x_archive::read(&fixture("tweets.js")).unwrap();
    let times: Vec<_> = import.messages().iter().map(|m| m.created_at).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn a_split_archive_directory_is_read_in_part_order_without_an_owner() {
    let import = x_archive::read(&fixture("split")).unwrap();
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let messages = import.messages();
    let ids: Vec<&str> = messages.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "1997000000000000001",
            "1997000000000000002",
            "1997000000000000003",
            "1997000000000000004",
            "1997000000000000005"
        ]
    );
    // The thread spans two part files.
    assert_eq!(
        messages[3].thread_external_id.as_deref(),
        Some("1997000000000000002")
    );
    assert!(messages.iter().all(|m| m.author.is_none()));
    assert_eq!(
        messages[0].permalink.as_deref(),
        Some("https://x.com/i/web/status/1997000000000000001")
    );
}

#[test]
fn any_part_number_and_a_bare_array_are_accepted() {
    let tweet = r#"[{"tweet": {"id_str": "5", "full_text": "hi", "created_at": "Sat Dec 06 18:20:30 +0000 2025", "favorite_count": "1", "retweet_count": "0"}}]"#;
    for prefix in [
        "window.YTD.tweets.part0 = ",
        "window.YTD.tweets.part12 =",
        "window.YTD.tweet.part3=",
        "",
    ] {
        let import = read_str(&format!("{prefix}{tweet}")).unwrap();
        assert_eq!(import.messages().len(), 1, "{prefix}");
    }
}

#[test]
fn truncated_files_are_errors_with_the_line() {
    let text = std::fs::read_to_string(fixture("tweets.js")).unwrap();
    let cut: String = text.chars().take(text.chars().count() / 2).collect();
    let err = read_str(&cut).unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
    assert!(err.at.line.unwrap() > 100);
}

#[test]
fn other_files_are_not_the_format() {
    let err = read_str("window.YTD.like.part0 = []").unwrap_err();
    assert!(err.message.contains("`like` file"), "{err}");
    let err = read_str("hello").unwrap_err();
    assert!(err.message.contains("window.YTD.tweets.part0"), "{err}");
    assert_eq!(err.at.line, Some(1));
    let err = read_str("window.YTD.tweets.part0 = {}").unwrap_err();
    assert!(err.message.contains("expected an array"), "{err}");
    let err = x_archive::read(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_err();
    assert!(err.message.contains("no tweets.js"), "{err}");
}

#[test]
fn missing_and_mistyped_fields_are_refused_by_name() {
    let text = r#"window.YTD.tweets.part0 = [
        {"tweet": {"full_text": "no id", "created_at": "Sat Dec 06 18:20:30 +0000 2025"}},
        {"tweet": {"id_str": "2", "created_at": "Sat Dec 06 18:20:30 +0000 2025"}},
        {"tweet": {"id_str": "3", "full_text": "x", "created_at": "yesterday"}},
        {"tweet": {"id_str": "4", "full_text": "x", "created_at": "Sat Dec 06 18:20:30 +0000 2025", "favorite_count": "many"}},
        {"tweet": {"id_str": "5", "full_text": "x", "created_at": "Sat Dec 06 18:20:30 +0000 2025", "entities": {"urls": [{"url": 1}]}}},
        {"tweet": {"id_str": "abc", "full_text": "x", "created_at": "Sat Dec 06 18:20:30 +0000 2025"}},
        {"tweet": "not an object"},
        {"tweet": {"id_str": "8", "full_text": "fine", "created_at": "Sat Dec 06 18:20:30 +0000 2025"}}
    ]"#;
    let import = read_str(text).unwrap();
    assert_eq!(import.messages().len(), 1);
    let fields: Vec<(Option<u64>, Option<&str>)> = import
        .rejected
        .iter()
        .map(|r| (r.at.record, r.at.field.as_deref()))
        .collect();
    assert_eq!(
        fields,
        [
            (Some(1), Some("tweet.id_str")),
            (Some(2), Some("tweet.full_text")),
            (Some(3), Some("tweet.created_at")),
            (Some(4), Some("tweet.favorite_count")),
            (Some(5), Some("tweet.entities.urls[0].url")),
            (Some(6), Some("tweet.id_str")),
            (Some(7), Some("tweet")),
        ]
    );
}

#[test]
fn importing_twice_gives_the_same_output() {
    let first = x_archive::read(&fixture("tweets.js")).unwrap();
    let second = x_archive::read(&fixture("tweets.js")).unwrap();
    assert_eq!(first.items, second.items);
    assert_eq!(first.rejected, second.rejected);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = x_archive::read_bytes(Path::new("tweets.js"), &bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic(index in 0usize..40_000, byte in any::<u8>(), cut in 0usize..40_000) {
        let mut bytes = std::fs::read(fixture("tweets.js")).unwrap();
        if let Some(b) = bytes.get_mut(index) { *b = byte; }
        bytes.truncate(cut.max(1));
        let _ = x_archive::read_bytes(Path::new("tweets.js"), &bytes);
    }
}

#[test]
fn a_directory_with_tweets_and_account_reads_both() {
    let import = x_archive::read(&fixture("")).unwrap();
    assert_eq!(import.messages().len(), 20);
    assert!(
        import
            .messages()
            .iter()
            .all(|m| m.author.as_ref().unwrap().handle == "tendapp")
    );
}

#[test]
fn a_broken_account_file_is_reported_and_the_tweets_still_import() {
    let dir = std::env::temp_dir().join(format!("tend-x-archive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("tweets.js"), dir.join("tweets.js")).unwrap();
    std::fs::write(
        dir.join("account.js"),
        "window.YTD.account.part0 = [{\"account\": {\"username\": 5",
    )
    .unwrap();
    let import = x_archive::read(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(import.messages().len(), 20);
    assert!(import.messages().iter().all(|m| m.author.is_none()));
    let owner_problem = import
        .rejected
        .iter()
        .find(|r| r.at.file.ends_with("account.js"))
        .unwrap();
    assert!(
        owner_problem.reason.contains("owner is unknown"),
        "{}",
        owner_problem.reason
    );
}
