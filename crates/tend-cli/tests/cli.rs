//! The `tend` binary end to end: each test runs the real executable.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use assert_cmd::Command;

fn tend(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("tend").unwrap();
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env_remove("TEND_DATABASE__URL")
        .env_remove("TEND_PASSWORD");
    cmd
}

#[test]
fn config_default_prints_the_example_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = tend(dir.path())
        .args(["config", "default"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/tend.example.toml"
    ))
    .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), example);
}

#[test]
fn migrate_then_add_the_first_admin() {
    let dir = tempfile::tempdir().unwrap();
    tend(dir.path()).arg("migrate").assert().success();
    assert!(
        dir.path().join("tend.db").exists(),
        "the SQLite file lives in the data directory"
    );
    let out = tend(dir.path())
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
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("admin of workspace acme"));
    // The same address again fails with a clear message and a non-zero status.
    let out = tend(dir.path())
        .args(["user", "add", "--email", "anna@acme.se", "--name", "Anna"])
        .write_stdin("a long passphrase\n")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("a teammate with this e-mail exists"),
        "a clear message first (the operator's CLI then prints the cause chain): {stderr}"
    );
}

#[test]
fn weak_passwords_and_bad_roles_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = tend(dir.path())
        .args(["user", "add", "--email", "a@b.se", "--name", "A"])
        .write_stdin("short\n")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    let out = tend(dir.path())
        .args([
            "user", "add", "--email", "a@b.se", "--name", "A", "--role", "boss",
        ])
        .write_stdin("a long passphrase\n")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role"));
}

#[test]
fn a_broken_config_file_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tend.toml");
    std::fs::write(&file, "[server]\nbnid = \"x\"\n").unwrap();
    let out = tend(dir.path())
        .arg("--config")
        .arg(&file)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bnid"));
}

#[test]
fn analyze_reads_plain_and_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = tend(dir.path())
        .args(["analyze", "--explain"])
        .write_stdin(
            "I love this product! #win\n{\"id\": 7, \"text\": \"Varför funkar inte appen?\"}\n",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["sentiment"]["label"], "positive");
    assert_eq!(lines[0]["entities"]["hashtags"][0]["text"], "win");
    assert!(lines[0]["explanation"].is_object());
    assert_eq!(lines[1]["id"], 7);
    assert_eq!(lines[1]["lang"]["code"], "sv");
    assert_eq!(lines[1]["question"], true);
    assert!(
        !dir.path().join("tend.db").exists(),
        "analyze does not touch the database"
    );
}

#[test]
fn analyze_names_the_line_of_bad_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = tend(dir.path())
        .arg("analyze")
        .write_stdin("fine\n{\"txt\": 1}\n")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<stdin>:2") && err.contains("text"), "{err}");
}

#[test]
fn importing_the_stack_exchange_dump_twice_stores_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let dump = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tend-channels/tests/fixtures/stackexchange"
    );
    let run = || {
        let out = tend(dir.path())
            .args([
                "import",
                "stackexchange",
                dump,
                "--workspace",
                "history",
                "--channel",
                "History meta",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let count = |summary: &str, label: &str| -> u64 {
        let line = summary
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    let first = run();
    // 1,657 posts + 3,454 comments; the 2,295 users of Users.xml plus the deleted
    // users known only by the name on their posts.
    assert_eq!(count(&first, "new"), 1657 + 3454, "{first}");
    assert!(count(&first, "authors") >= 2295, "{first}");
    assert_eq!(count(&first, "rejected"), 0, "{first}");
    let second = run();
    assert_eq!(count(&second, "new"), 0, "{second}");
    assert_eq!(count(&second, "unchanged"), 1657 + 3454, "{second}");
}

#[test]
fn an_ndjson_import_streams_refuses_bad_lines_and_checks_the_encoding_first() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.ndjson");
    let mut body = String::new();
    for i in 0..2500 {
        body.push_str(&format!(
            "{{\"id\":\"r{i}\",\"text\":\"review number {i}, works well\",\"created_at\":\"2026-01-01T00:00:00Z\",\"author_handle\":\"u{}\"}}\n",
            i % 40
        ));
        if i == 1200 {
            body.push_str("{\"id\":\"broken\",\"text\":\n");
        }
    }
    std::fs::write(&file, &body).unwrap();
    let import = |path: &std::path::Path| {
        tend(dir.path())
            .args(["import", "ndjson"])
            .arg(path)
            .args([
                "--workspace",
                "shop",
                "--channel",
                "Reviews",
                "--batch",
                "1000",
            ])
            .output()
            .unwrap()
    };
    let out = import(&file);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(summary.contains("new            2500"), "{summary}");
    assert!(summary.contains("rejected          1"), "{summary}");
    assert!(
        summary.contains("export.ndjson:1202 record 1202"),
        "{summary}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("streaming"));

    // Invalid UTF-8 on the last line fails the whole file before anything is stored.
    let bad = dir.path().join("latin1.ndjson");
    let mut bytes = body.replace("\"id\":\"r", "\"id\":\"l").into_bytes();
    bytes.extend_from_slice(
        b"{\"id\":\"x\",\"text\":\"caf\xe9\",\"created_at\":\"2026-01-01T00:00:00Z\"}\n",
    );
    std::fs::write(&bad, bytes).unwrap();
    let out = import(&bad);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("latin1.ndjson:2502") && err.contains("UTF-8"),
        "{err}"
    );
    let first_of_bad = dir.path().join("first.ndjson");
    std::fs::write(
        &first_of_bad,
        body.lines().next().unwrap().replace("\"r0\"", "\"l0\""),
    )
    .unwrap();
    let summary = String::from_utf8(import(&first_of_bad).stdout).unwrap();
    assert!(
        summary.contains("new               1"),
        "nothing of the bad file was stored: {summary}"
    );
    let again = import(&file);
    let summary = String::from_utf8(again.stdout).unwrap();
    assert!(summary.contains("unchanged      2500"), "{summary}");
}

/// Issue 15: each review export is one command, its stars are stored, the
/// developer's replies come in as outbound replies, and bad rows are named.
#[test]
fn review_exports_import_with_one_command_each() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tend-channels/tests/fixtures/reviews"
    );
    let import = |format: &str, file: &str| {
        let out = tend(dir.path())
            .args(["import", format])
            .arg(format!("{fixtures}/{file}"))
            .args(["--workspace", "shop", "--channel", format])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let play = import("google-play", "google_play.csv");
    assert!(play.contains("new               4"), "{play}");
    assert!(play.contains("rejected          2"), "{play}");
    assert!(
        play.contains("google_play.csv:7 record 5 field `Star Rating`"),
        "{play}"
    );
    let apple = import("app-store", "app_store.json");
    assert!(apple.contains("new               3"), "{apple}");
    assert!(apple.contains("data[2].attributes.rating"), "{apple}");
    let tp = import("trustpilot", "trustpilot.csv");
    assert!(tp.contains("new               4"), "{tp}");
    assert!(tp.contains("rejected          1"), "{tp}");
    let again = import("trustpilot", "trustpilot.csv");
    assert!(again.contains("unchanged         4"), "{again}");
}

/// The README's first command, without serving: the demo is stored as its manifest
/// says, a second run reuses it, and each printed password logs in (the old one no
/// longer does).
#[test]
fn demo_creates_the_workspace_once_and_prints_a_working_login() {
    use tend_demo::DemoManifest;
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        let out = tend(dir.path())
            .args(["demo", "--no-serve"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let field = |label: &str| -> String {
            let line = stdout
                .lines()
                .find(|l| l.trim_start().starts_with(label))
                .unwrap_or_else(|| panic!("no {label} in {stdout}"));
            line.split_whitespace().last().unwrap().to_owned()
        };
        let login = (field("e-mail"), field("password"));
        (stdout, login)
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    // What the store holds: messages per channel (from the rollups), per state,
    // members, and the manifest.
    let stored = || {
        rt.block_on(async {
            let store = tend_store::open(&url, 2).await.unwrap();
            let ws = store.workspace_by_slug("demo").await.unwrap();
            let json = store.demo_manifest(ws.id).await.unwrap().unwrap();
            let manifest: DemoManifest = serde_json::from_str(&json).unwrap();
            let to =
                jiff::Timestamp::from_millisecond(manifest.anchor.as_millisecond() + 1).unwrap();
            let mut channels = Vec::new();
            for c in store.channels(ws.id).await.unwrap() {
                // The live channel is connected, not generated (see below).
                if c.name == tend_demo::live::LIVE_CHANNEL {
                    let (link, _) = store.channel_link(ws.id, c.id).await.unwrap();
                    assert_eq!(link.state, tend_domain::LinkState::Connected);
                    assert_eq!(link.network, "simulated");
                    continue;
                }
                let rollups = store
                    .rollups(ws.id, c.id, manifest.window_start, to)
                    .await
                    .unwrap();
                let n: i64 = rollups.iter().map(|r| r.messages_in + r.messages_out).sum();
                channels.push((c.name, n as u64));
            }
            channels.sort();
            let states = store.count_by_state(ws.id).await.unwrap();
            let members = store.member_counts(ws.id).await.unwrap();
            (manifest, channels, states, members)
        })
    };
    let authenticates = |(email, password): &(String, String)| {
        rt.block_on(async {
            let store = tend_store::open(&url, 2).await.unwrap();
            let secret = secrecy::SecretString::from(password.clone());
            tend_core::accounts::authenticate(&*store, email, &secret)
                .await
                .unwrap()
                .is_some()
        })
    };

    let (first, login) = run();
    assert!(first.contains("Demo ready"), "{first}");
    // The simulated live channel is connected once, and says so.
    assert!(first.contains("Live demo (simulated network)"), "{first}");
    assert_eq!(login.0, "demo@example.org");
    let (manifest, channels, states, members) = stored();
    assert!(manifest.complete);
    let mut expected: Vec<(String, u64)> = manifest
        .channels
        .iter()
        .map(|c| (c.name.clone(), c.messages))
        .collect();
    expected.sort();
    assert_eq!(channels, expected);
    assert_eq!(
        (states.open + states.done + states.snoozed + states.archived) as u64,
        manifest.messages
    );
    assert!(manifest.messages >= 10_000 && manifest.channels.len() >= 6);
    assert_eq!(members.members as u64, manifest.members);
    assert_eq!(
        members.multi_platform as u64,
        manifest.multi_platform_members
    );
    assert!(first.contains(&format!("{} extra messages", manifest.spike.extra_messages)));
    assert!(authenticates(&login), "the printed login works");

    let (second, new_login) = run();
    assert!(second.contains("Reusing the demo"), "{second}");
    assert_eq!(
        stored(),
        (manifest, channels, states, members),
        "nothing changed"
    );
    assert!(authenticates(&new_login));
    assert!(!authenticates(&login), "the previous password is replaced");
}
