//! Crash safety of imports: an import killed with SIGKILL at several points and
//! then re-run ends in exactly the state of one clean run — no message lost or
//! doubled, links intact, rollups equal to a recount.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use tend_domain::Slug;
use tend_store::InboxQuery;

const MESSAGES: usize = 6000;

fn write_export(path: &Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..MESSAGES {
        let root = i - i % 20;
        let line = if i == root {
            format!(
                r#"{{"id":"m{i}","kind":"forum_post","title":"Topic {i}","text":"Why does the app crash on login, version {i}?","created_at":{},"author_handle":"user{}","likes":{}}}"#,
                1_767_225_600 + i * 61,
                i % 150,
                i % 7
            )
        } else {
            format!(
                r#"{{"id":"m{i}","kind":"reply","thread_id":"m{root}","parent_id":"m{}","text":"Same here, thanks for looking into it {i}","created_at":{},"author_handle":"user{}"}}"#,
                i - 1,
                1_767_225_600 + i * 61,
                i % 150
            )
        };
        writeln!(out, "{line}").unwrap();
    }
}

fn import(data_dir: &Path, export: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tend"));
    cmd.arg("--data-dir")
        .arg(data_dir)
        .args(["import", "ndjson"])
        .arg(export)
        .args([
            "--workspace",
            "acme",
            "--channel",
            "Forum",
            "--batch",
            "250",
        ])
        .env("TEND_PROGRESS", "batch")
        .env_remove("TEND_DATABASE__URL")
        .stdout(Stdio::null());
    cmd
}

/// Every stored message as (external id, text, parent's external id, root's external id).
async fn snapshot(
    data_dir: &Path,
) -> (
    Vec<(String, String, Option<String>, Option<String>)>,
    Vec<tend_store::Rollup>,
) {
    let store = tend_store::open(
        &format!("sqlite://{}", data_dir.join("tend.db").display()),
        2,
    )
    .await
    .unwrap();
    let ws = store
        .workspace_by_slug(Slug::parse("acme").unwrap().as_str())
        .await
        .unwrap();
    let drift = store.rollup_drift(ws.id).await.unwrap();
    assert!(
        drift.is_empty(),
        "rollups differ from a recount in {drift:?}"
    );
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .inbox(
                ws.id,
                &InboxQuery {
                    limit: 500,
                    before,
                    ..InboxQuery::default()
                },
            )
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        before = Some((last.created_at, last.id));
        all.extend(page);
    }
    let ext = |id: Option<tend_domain::MessageId>| {
        id.map(|id| all.iter().find(|m| m.id == id).unwrap().external_id.clone())
    };
    let mut rows: Vec<_> = all
        .iter()
        .map(|m| {
            (
                m.external_id.clone(),
                m.text.clone(),
                ext(m.parent_id),
                ext(m.thread_root_id),
            )
        })
        .collect();
    rows.sort();
    let channel = store.channels(ws.id).await.unwrap()[0].id;
    let rollups = store
        .rollups(ws.id, channel, jiff::Timestamp::MIN, jiff::Timestamp::MAX)
        .await
        .unwrap();
    (rows, rollups)
}

#[tokio::test]
async fn an_import_killed_at_any_point_and_rerun_equals_a_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.ndjson");
    write_export(&export);

    let clean = dir.path().join("clean");
    assert!(import(&clean, &export).status().unwrap().success());
    let (expected, expected_rollups) = snapshot(&clean).await;
    assert_eq!(expected.len(), MESSAGES);
    // Every reply is linked to its parent and its thread's root.
    let is_root = |id: &str| id[1..].parse::<usize>().unwrap() % 20 == 0;
    assert!(
        expected
            .iter()
            .all(|(id, _, parent, root)| is_root(id) || (parent.is_some() && root.is_some()))
    );

    // Kill after the k-th batch has been reported, i.e. while a later batch is being
    // written; then once more early in the re-run of an already partly stored import.
    let crashed = dir.path().join("crashed");
    let mut kills = 0;
    for after_batches in [1, 4, 9, 2] {
        let mut child = import(&crashed, &export)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = 0;
        for line in stderr.lines() {
            if line.unwrap().contains(" items/s") {
                seen += 1;
                if seen == after_batches {
                    child.kill().unwrap(); // SIGKILL on Unix
                    kills += 1;
                    break;
                }
            }
        }
        let _ = child.wait().unwrap();
    }
    assert!(
        kills >= 3,
        "the import finished before it could be killed ({kills} kills)"
    );
    assert!(import(&crashed, &export).status().unwrap().success());
    let (actual, actual_rollups) = snapshot(&crashed).await;
    assert_eq!(actual.len(), expected.len(), "no message lost or doubled");
    assert_eq!(actual, expected);
    assert_eq!(actual_rollups.len(), expected_rollups.len());
    for (a, e) in actual_rollups.iter().zip(&expected_rollups) {
        assert_eq!(
            (a.hour, a.messages_in, a.new_authors, a.questions, a.likes),
            (e.hour, e.messages_in, e.new_authors, e.questions, e.likes)
        );
    }
}
