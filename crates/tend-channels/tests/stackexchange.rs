//! The Stack Exchange dump importer on the complete history.meta dump
//! (counts, links, authors, text) and on hostile or broken input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tend_channels::import::stackexchange;
use tend_channels::import::{Import, ImportError};
use tend_domain::{IncomingAuthor, IncomingItem, MessageKind};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stackexchange")
}

fn authors(import: &Import) -> Vec<&IncomingAuthor> {
    import
        .items
        .iter()
        .filter_map(|item| match item {
            IncomingItem::Author(a) => Some(a),
            _ => None,
        })
        .collect()
}

/// A dump directory holding the given files.
fn dump(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

const POSTS_HEAD: &str = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posts>\n";

#[test]
fn the_history_meta_dump_imports_every_post_comment_and_user() {
    let import = stackexchange::read(&fixture()).unwrap();
    let messages = import.messages();
    let posts = messages
        .iter()
        .filter(|m| m.kind == MessageKind::ForumPost)
        .count();
    let comments = messages
        .iter()
        .filter(|m| m.kind == MessageKind::Comment)
        .count();
    assert_eq!(authors(&import).len(), 2_295);
    assert_eq!(comments, 3_454);
    // 1,657 posts, the empty tag wiki (Id 215, `Body=""`) included: it exists on the
    // site, and comments could hang off it.
    assert_eq!(posts, 1_657);
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let empty_wiki = messages
        .iter()
        .find(|m| m.external_id == "post-215")
        .unwrap();
    assert!(empty_wiki.text.is_empty() && empty_wiki.title.is_none());

    let questions = messages
        .iter()
        .filter(|m| m.kind == MessageKind::ForumPost && m.title.is_some())
        .count();
    assert_eq!(questions, 556);
    let answers = messages
        .iter()
        .filter(|m| m.kind == MessageKind::ForumPost && m.parent_external_id.is_some())
        .count();
    assert_eq!(answers, 1_095);
}

#[test]
fn every_parent_and_thread_link_refers_to_an_imported_message_and_ids_are_unique() {
    let import = stackexchange::read(&fixture()).unwrap();
    let messages = import.messages();
    let ids: HashSet<&str> = messages.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(ids.len(), messages.len(), "external ids are unique");
    let roots: HashSet<&str> = messages
        .iter()
        .filter(|m| m.thread_external_id.is_none())
        .map(|m| m.external_id.as_str())
        .collect();
    for m in &messages {
        if let Some(parent) = &m.parent_external_id {
            assert!(
                ids.contains(parent.as_str()),
                "{} has parent {parent}",
                m.external_id
            );
        }
        if let Some(thread) = &m.thread_external_id {
            assert!(
                roots.contains(thread.as_str()),
                "{} has thread {thread}, not a root",
                m.external_id
            );
        }
        assert_eq!(
            m.parent_external_id.is_some(),
            m.thread_external_id.is_some()
        );
    }
    // Every comment is linked, and its thread is a question (a root with a title) or a tag wiki.
    assert!(
        messages
            .iter()
            .filter(|m| m.kind == MessageKind::Comment)
            .all(|m| m.parent_external_id.is_some())
    );
}

#[test]
fn first_question_answer_and_comments_carry_author_text_and_counts() {
    let import =
        stackexchange::read_with_site(&fixture(), Some("https://history.meta.stackexchange.com/"))
            .unwrap();
    let messages = import.messages();
    let q1 = messages.iter().find(|m| m.external_id == "post-1").unwrap();
    assert_eq!(
        q1.title.as_deref(),
        Some("Should we include sources in answers?")
    );
    assert!(
        q1.text
            .starts_with("As a historian I know that while information")
    );
    assert!(!q1.text.contains("<p>"));
    assert_eq!(q1.created_at.to_string(), "2011-10-11T19:42:20.713Z");
    assert_eq!(
        (
            q1.engagement.likes,
            q1.engagement.views,
            q1.engagement.replies
        ),
        (18, 223, 6 + 4)
    );
    assert_eq!(
        q1.permalink.as_deref(),
        Some("https://history.meta.stackexchange.com/q/1")
    );
    let author = q1.author.as_ref().unwrap();
    assert_eq!(author.external_id, "12");
    assert_eq!(
        author.profile_url.as_deref(),
        Some("https://history.meta.stackexchange.com/users/12")
    );
    assert!(author.followers.is_some());

    let a2 = messages.iter().find(|m| m.external_id == "post-2").unwrap();
    assert_eq!(a2.parent_external_id.as_deref(), Some("post-1"));
    assert_eq!(a2.thread_external_id.as_deref(), Some("post-1"));
    assert_eq!(a2.engagement.replies, 2);
    assert!(a2.text.contains(
        "answer your own question, meta or not, but I feel that it is appropriate here.\n\nI think"
    ));

    // Comment 5 is on answer 2 by a deleted user shown as "user39".
    let c5 = messages
        .iter()
        .find(|m| m.external_id == "comment-5")
        .unwrap();
    assert_eq!(c5.kind, MessageKind::Comment);
    assert_eq!(c5.parent_external_id.as_deref(), Some("post-2"));
    assert_eq!(c5.thread_external_id.as_deref(), Some("post-1"));
    assert_eq!(c5.engagement.likes, 8);
    let deleted = c5.author.as_ref().unwrap();
    assert_eq!(
        (deleted.external_id.as_str(), deleted.handle.as_str()),
        ("user39", "user39")
    );
    assert_eq!(deleted.profile_url, None);

    let community = authors(&import)
        .into_iter()
        .find(|a| a.external_id == "-1")
        .unwrap();
    assert_eq!(community.handle, "Community");
    assert_eq!(community.followers, Some(1));
}

#[test]
fn importing_twice_gives_identical_output() {
    let a = stackexchange::read(&fixture()).unwrap();
    let b = stackexchange::read(&fixture()).unwrap();
    assert_eq!(a.items, b.items);
    assert_eq!(a.rejected, b.rejected);
}

#[test]
fn a_truncated_posts_file_is_an_error_naming_file_and_line() {
    let posts = format!(
        "{POSTS_HEAD}  <row Id=\"1\" PostTypeId=\"1\" CreationDate=\"2011-10-11T19:42:20.713\" Title=\"T\" Body=\"b\" />\n  <row Id=\"2\" PostTy"
    );
    let dir = dump(&[("Posts.xml", &posts)]);
    let err: ImportError = stackexchange::read(dir.path()).unwrap_err();
    assert!(err.at.file.ends_with("Posts.xml"));
    assert_eq!(err.at.line, Some(4));
    assert_eq!(err.at.record, Some(2));

    let cut_after_row = format!(
        "{POSTS_HEAD}  <row Id=\"1\" PostTypeId=\"1\" CreationDate=\"2011-10-11T19:42:20.713\" Title=\"T\" Body=\"b\" />\n"
    );
    let dir = dump(&[("Posts.xml", &cut_after_row)]);
    let err = stackexchange::read(dir.path()).unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
}

#[test]
fn not_a_dump_is_an_error() {
    let dir = dump(&[("Posts.xml", "{\"json\": true}")]);
    let err = stackexchange::read(dir.path()).unwrap_err();
    assert!(err.at.file.ends_with("Posts.xml"), "{err}");

    let dir = dump(&[(
        "Posts.xml",
        "<?xml version=\"1.0\"?><users><row Id=\"1\"/></users>",
    )]);
    let err = stackexchange::read(dir.path()).unwrap_err();
    assert!(err.message.contains("expected <posts>"), "{err}");

    let empty = tempfile::tempdir().unwrap();
    let err = stackexchange::read(empty.path()).unwrap_err();
    assert!(err.message.contains("cannot open"), "{err}");
}

#[test]
fn mistyped_and_missing_fields_reject_the_row_and_the_rest_imports() {
    let posts = format!(
        "{POSTS_HEAD}\
  <row Id=\"1\" PostTypeId=\"1\" CreationDate=\"2011-10-11T19:42:20.713\" Title=\"Fine\" Body=\"&lt;p&gt;ok&lt;/p&gt;\" Score=\"3\" />\n\
  <row Id=\"x\" PostTypeId=\"1\" CreationDate=\"2011-10-11T19:42:20.713\" Title=\"T\" />\n\
  <row Id=\"3\" PostTypeId=\"2\" CreationDate=\"2011-10-11T19:42:20.713\" Body=\"no parent\" />\n\
  <row Id=\"4\" PostTypeId=\"2\" ParentId=\"1\" CreationDate=\"yesterday\" Body=\"b\" />\n\
  <row Id=\"5\" PostTypeId=\"2\" ParentId=\"1\" CreationDate=\"2011-10-11T19:42:20\" Body=\"b\" Score=\"many\" />\n\
  <row Id=\"6\" PostTypeId=\"2\" ParentId=\"1\" Body=\"b\" />\n\
  <row Id=\"7\" PostTypeId=\"2\" ParentId=\"1\" CreationDate=\"2011-10-11T19:42:20Z\" Body=\"&amp;bogus;\" Title=\"&bogus;\" />\n\
  <row Id=\"8\" PostTypeId=\"2\" ParentId=\"1\" CreationDate=\"2011-10-11T19:42:20\" Body=\"fine answer\" />\n\
  <row Id=\"9\" PostTypeId=\"2\" ParentId=\"1\" CreationDate=\"2011-10-11T19:42:20\" Body=\"&lt;p&gt; &lt;/p&gt;\" />\n\
</posts>\n"
    );
    let comments = "<comments>\n<row Id=\"1\" PostId=\"8\" Text=\"good\" CreationDate=\"2011-10-12T00:00:00\" UserId=\"9\" UserDisplayName=\"Zed\"/>\n<row Id=\"2\" PostId=\"99\" Text=\"orphan\" CreationDate=\"2011-10-12T00:00:00\"/>\n<row Id=\"3\" PostId=\"1\" CreationDate=\"2011-10-12T00:00:00\"/>\n</comments>";
    let dir = dump(&[("Posts.xml", &posts), ("Comments.xml", comments)]);
    let import = stackexchange::read(dir.path()).unwrap();
    let ids: Vec<&str> = import
        .messages()
        .iter()
        .map(|m| m.external_id.as_str())
        .collect();
    assert_eq!(ids, ["post-1", "post-8", "comment-1"]);
    let rejected: Vec<(Option<u64>, Option<u64>, &str)> = import
        .rejected
        .iter()
        .map(|r| (r.at.line, r.at.record, r.at.field.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        rejected,
        [
            (Some(4), Some(2), "Id"),
            (Some(5), Some(3), "ParentId"),
            (Some(6), Some(4), "CreationDate"),
            (Some(7), Some(5), "Score"),
            (Some(8), Some(6), "CreationDate"),
            (Some(11), Some(9), "Body"),
            (Some(9), Some(7), "Title"),
            (Some(3), Some(2), "PostId"),
            (Some(4), Some(3), "Text"),
        ]
    );
    assert!(import.rejected.iter().all(|r| !r.reason.is_empty()));
    assert!(
        import.rejected[..7]
            .iter()
            .all(|r| r.at.file.ends_with("Posts.xml"))
    );
    assert!(
        import.rejected[7..]
            .iter()
            .all(|r| r.at.file.ends_with("Comments.xml"))
    );
    // A user id missing from Users.xml keeps the id and the row's display name.
    let c1 = import
        .messages()
        .into_iter()
        .find(|m| m.external_id == "comment-1")
        .unwrap();
    let author = c1.author.as_ref().unwrap();
    assert_eq!(
        (author.external_id.as_str(), author.handle.as_str()),
        ("9", "Zed")
    );
    assert_eq!(c1.thread_external_id.as_deref(), Some("post-1"));
}

#[test]
fn an_absurdly_long_row_stops_the_read() {
    let body = "a".repeat(stackexchange::MAX_ROW_BYTES as usize + 10);
    let posts = format!("{POSTS_HEAD}<row Id=\"1\" PostTypeId=\"1\" Body=\"{body}\" /></posts>");
    let err = stackexchange::read_posts(posts.as_bytes(), Path::new("Posts.xml")).unwrap_err();
    assert!(err.message.contains("longer than"), "{err}");
    assert_eq!(err.at.record, Some(1));
}

#[test]
fn a_body_over_the_text_limit_is_rejected() {
    let body = "a".repeat(tend_channels::import::MAX_TEXT_BYTES + 1);
    let posts = format!(
        "{POSTS_HEAD}<row Id=\"1\" PostTypeId=\"1\" CreationDate=\"2011-10-11T19:42:20\" Title=\"t\" Body=\"{body}\" /></posts>"
    );
    let import = stackexchange::read_posts(posts.as_bytes(), Path::new("Posts.xml")).unwrap();
    assert!(import.items.is_empty());
    assert_eq!(import.rejected[0].at.field.as_deref(), Some("Body"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = stackexchange::read_posts(bytes.as_slice(), Path::new("Posts.xml"));
    }

    #[test]
    fn mutated_fixture_rows_never_panic(
        cut in 0usize..6000,
        flips in proptest::collection::vec((0usize..6000, any::<u8>()), 0..8),
    ) {
        let head = include_bytes!("fixtures/stackexchange/Posts.xml");
        let mut bytes = head[..6000.min(head.len())].to_vec();
        for (at, byte) in flips {
            if let Some(b) = bytes.get_mut(at) {
                *b = byte;
            }
        }
        bytes.truncate(cut);
        let _ = stackexchange::read_posts(bytes.as_slice(), Path::new("Posts.xml"));
    }
}
