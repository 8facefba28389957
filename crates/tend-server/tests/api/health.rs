//! `/healthz`: the liveness answer with the version and the database kind.

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok_with_the_database_kind() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "sqlite");
}

#[tokio::test]
async fn unknown_paths_are_404_pages_in_the_readers_language_or_json_under_api() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/no-such-page"))
        .header("accept-language", "sv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // A page, not an empty body (which a browser replaces with its own error page).
    let html = res.text().await.unwrap();
    assert!(html.contains("<h1>Hittades inte</h1>"), "{html}");
    let res = app.client.get(app.url("/api/nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}

/// Regression: a browser showing a JSON answer asks for `/favicon.ico`; its 404 made
/// the stored-XSS browser test fail now and then ("browser errors").
#[tokio::test]
async fn the_favicon_is_an_empty_answer_not_a_404() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
}
