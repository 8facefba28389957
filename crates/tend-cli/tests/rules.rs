//! `tend rules save|live` go through the same use case as the page and the API
//! (`tend_core::moderation::rules`): the 200 KB limit holds, and a rule set with an
//! action no one can carry out is refused when saved (issue 13: saved from the CLI
//! it had no author, and its replies were dropped at run time while the audit log
//! said "reply").

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use assert_cmd::Command;
use std::path::Path;

fn tend(data_dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tend").unwrap();
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env_remove("TEND_DATABASE__URL")
        .env_remove("TEND_PASSWORD");
    cmd
}

/// A data directory with workspace `acme` and its admin Anna.
fn acme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    tend(dir.path()).arg("migrate").assert().success();
    tend(dir.path())
        .args([
            "user",
            "add",
            "--email",
            "anna@acme.se",
            "--name",
            "Anna",
            "--workspace",
            "acme",
        ])
        .write_stdin("a long passphrase\n")
        .assert()
        .success();
    dir
}

/// Runs `tend rules save <file> --workspace acme [extra…]` on `source`.
fn save(dir: &Path, source: &str, extra: &[&str]) -> std::process::Output {
    let file = dir.join("rules.yaml");
    std::fs::write(&file, source).unwrap();
    tend(dir)
        .args(["rules", "save"])
        .arg(&file)
        .args(["--workspace", "acme"])
        .args(extra)
        .output()
        .unwrap()
}

fn versions(dir: &Path) -> Vec<tend_domain::RuleSetVersion> {
    let url = format!("sqlite://{}", dir.join("tend.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = tend_store::open(&url, 2).await.unwrap();
        let ws = store.workspace_by_slug("acme").await.unwrap();
        store.rule_sets(ws.id).await.unwrap()
    })
}

const REPLIES: &str = "# Thank refunds\nbody: [refund]\nreply: \"Thanks, we are on it\"\n";

#[test]
fn the_cli_refuses_a_rule_file_over_200_kb_like_the_page_when_saving_and_trying() {
    let dir = acme();
    let mut source = String::from("# Big\nbody: [refund]\naction: filter\n");
    while source.len() <= 200_000 {
        source.push_str("# padding padding padding padding padding padding padding\n");
    }
    let out = save(dir.path(), &source, &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("at most 200000 bytes"), "{stderr}");
    assert!(versions(dir.path()).is_empty());
    // The dry run too.
    let out = tend(dir.path())
        .args(["rules", "test"])
        .arg(dir.path().join("rules.yaml"))
        .args(["--workspace", "acme"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("at most 200000 bytes"), "{stderr}");
}

#[test]
fn replies_saved_without_an_author_are_refused_not_dropped_at_run_time() {
    let dir = acme();
    let out = save(dir.path(), REPLIES, &["--live"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rule “Thank refunds”")
            && stderr.contains("replies")
            && stderr.contains("--as"),
        "{stderr}"
    );
    assert!(versions(dir.path()).is_empty(), "nothing was saved");
    // As a teammate, the version has an author to write the replies as.
    let out = save(dir.path(), REPLIES, &["--live", "--as", "anna@acme.se"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved = versions(dir.path());
    assert_eq!(saved.len(), 1);
    assert!(saved[0].is_live());
    assert!(saved[0].created_by.is_some());
}

#[test]
fn actions_naming_unknown_teammates_or_empty_text_are_refused() {
    let dir = acme();
    for (source, says) in [
        (
            "# Route\nbody: [refund]\nassign: nobody\n",
            "names \"nobody\", who is not a teammate",
        ),
        (
            "# Page\nbody: [refund]\nnotify: ghost\n",
            "names \"ghost\", who is not a teammate",
        ),
        (
            "# Empty\nbody: [refund]\nreply: \"  \"\n",
            "the reply text is empty",
        ),
    ] {
        let out = save(dir.path(), source, &["--as", "anna@acme.se"]);
        assert!(!out.status.success(), "{source}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{source}: {stderr}");
    }
    // Anna exists (by name or e-mail, any case): the same rule is fine.
    let out = save(
        dir.path(),
        "# Route\nbody: [refund]\nassign: ANNA\n",
        &["--as", "anna@acme.se"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(versions(dir.path()).len(), 1);
}
