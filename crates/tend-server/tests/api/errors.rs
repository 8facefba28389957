//! Errors that do not leak: a conflict the database reports is answered with a
//! stable message of ours, never with SQLite's or PostgreSQL's own words
//! (issue 13, item 10).

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;
use tend_domain::Role;

/// Words of the drivers' unique-violation messages, on either database.
const DATABASE_WORDS: [&str; 8] = [
    "UNIQUE constraint",
    "constraint failed",
    "duplicate key",
    "violates",
    "notes.message_id",
    "one_note_per_message",
    "database",
    "sqlx",
];

fn assert_no_database_text(what: &str, text: &str) {
    for word in DATABASE_WORDS {
        assert!(
            !text.to_lowercase().contains(&word.to_lowercase()),
            "{what} shows database text {word:?}: {text}"
        );
    }
}

#[tokio::test]
async fn a_database_conflict_is_answered_without_database_text() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    // A uniqueness rule the app does not know about, so the second note of a
    // conversation breaks it inside the database, as any unforeseen conflict would.
    let pool = sqlx::SqlitePool::connect(&app.db_url).await.unwrap();
    sqlx::query("CREATE UNIQUE INDEX one_note_per_message ON notes (message_id)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let path = format!("/api/w/acme/messages/{}/notes", s.m[0]);
    let first = app
        .json(Method::POST, &path, &b, json!({"text": "first"}))
        .await;
    assert_eq!(first.status(), 201);

    let again = app
        .json(Method::POST, &path, &b, json!({"text": "second"}))
        .await;
    assert_eq!(again.status(), 409);
    let body: serde_json::Value = again.json().await.unwrap();
    assert_eq!(body["error"], "conflict");
    assert_eq!(body["message"], "this already exists");
    assert_no_database_text("the API answer", &body.to_string());

    // The page answers the same conflict with its localised error page.
    let page = app
        .post_form(
            &format!("/w/acme/c/{}/note", s.m[0]),
            &b,
            &[("text", "third")],
        )
        .await;
    assert_eq!(page.status(), 409);
    assert_no_database_text("the error page", &page.text().await.unwrap());
}
