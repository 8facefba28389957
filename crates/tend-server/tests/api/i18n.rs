//! English and Swedish: every key in both languages, every key a template or handler
//! uses exists, and a Swedish user sees Swedish.

use crate::helpers::*;
use std::path::Path;
use tend_domain::{ChannelKind, EventKind, OutboxState, Role, SentimentLabel};
use tend_server::i18n::{Lang, has_key, keys};

#[test]
fn both_languages_have_the_same_keys() {
    let en = keys(Lang::En);
    let sv = keys(Lang::Sv);
    assert!(en.len() > 100, "the key scan found {} keys", en.len());
    let only_en: Vec<_> = en.difference(&sv).collect();
    let only_sv: Vec<_> = sv.difference(&en).collect();
    assert!(
        only_en.is_empty() && only_sv.is_empty(),
        "only in en: {only_en:?}; only in sv: {only_sv:?}"
    );
    for lang in Lang::ALL {
        for key in keys(lang) {
            assert!(has_key(lang, &key), "{key} does not parse in {lang:?}");
        }
    }
}

/// Every `t("…")`, `tc("…"` and `ta("…"` in templates and sources.
fn used_keys() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![root.join("templates"), root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let mut used = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests may name missing keys on purpose.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for call in ["t(\"", "tc(\"", "ta(\""] {
            for (i, _) in text.match_indices(call) {
                let before = text[..i].chars().last().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' {
                    continue; // e.g. `format("…")`, `get("…")`
                }
                let rest = &text[i + call.len()..];
                let key = &rest[..rest.find('"').unwrap()];
                used.push((file.display().to_string(), key.to_owned()));
            }
        }
    }
    used
}

#[test]
fn every_key_in_use_exists_in_both_languages() {
    let used = used_keys();
    assert!(used.len() > 80, "the scan found only {} uses", used.len());
    let mut keys: Vec<String> = used.iter().map(|(_, k)| k.clone()).collect();
    // Keys built at run time from closed sets.
    for s in ["open", "done", "snoozed", "archived"] {
        keys.push(format!("state-{s}"));
    }
    keys.push("state-all".into());
    for l in [
        SentimentLabel::Positive,
        SentimentLabel::Neutral,
        SentimentLabel::Negative,
    ] {
        keys.push(format!("sentiment-{}", l.as_str()));
    }
    for k in EventKind::ALL {
        keys.push(format!("event-{}", k.as_str()));
    }
    for s in OutboxState::ALL {
        keys.push(format!("outbox-{}", s.as_str()));
    }
    for code in [
        "not_found",
        "unauthorized",
        "forbidden",
        "bad_request",
        "conflict",
        "unprocessable",
        "internal",
    ] {
        keys.push(format!("error-{code}"));
    }
    for kind in ChannelKind::ALL {
        keys.push(format!("platform-{}", kind.as_str()));
    }
    for month in 1..=12 {
        keys.push(format!("month-{month}"));
    }
    // The "why not" line of every permission (error pages build the key).
    for p in tend_core::team::Permission::ALL {
        keys.push(format!("why-not-{}", p.as_str()));
    }
    for key in keys {
        for lang in Lang::ALL {
            assert!(has_key(lang, &key), "{key} is used but missing in {lang:?}");
        }
    }
}

#[tokio::test]
async fn a_swedish_user_sees_swedish_and_can_switch() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Analyst)).await;
    assert!(
        app.get("/w/acme/inbox", &b)
            .await
            .text()
            .await
            .unwrap()
            .contains("<html lang=\"en\">")
    );
    let res = app
        .post_form(
            "/settings/locale",
            &b,
            &[("locale", "sv"), ("back", "/w/acme/inbox")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/w/acme/inbox");
    let html = app.get("/w/acme/inbox", &b).await.text().await.unwrap();
    assert!(html.contains("<html lang=\"sv\">"));
    assert!(
        html.contains("Inkorg")
            && html.contains("Öppen")
            && html.contains("Visar 4 konversationer")
    );
    assert!(
        html.contains("1 dec. 2026 10:00"),
        "Swedish dates in the workspace's zone"
    );
    let conv = app
        .get(&format!("/w/acme/c/{}", s.m[2]), &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        conv.contains("12\u{a0}345 följare"),
        "Swedish digit grouping"
    );
    assert_eq!(
        app.post_form("/settings/locale", &b, &[("locale", "de")])
            .await
            .status(),
        400
    );
    // Signed-out pages follow Accept-Language.
    let login = app
        .client
        .get(app.url("/login"))
        .header("accept-language", "sv-SE,sv;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(login.text().await.unwrap().contains("Logga in i Tend"));
    // Error pages are localised too.
    let missing = app.get("/w/acme/c/999999", &b).await;
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Hittades inte"));
}
