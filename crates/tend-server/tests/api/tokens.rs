//! API tokens: created from a session, used with `Authorization: Bearer`, revoked.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;
use tend_domain::Role;

#[tokio::test]
async fn a_token_acts_as_its_owner_until_revoked() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::CommunityManager)).await;
    let res = app
        .json(
            Method::POST,
            "/api/tokens",
            &b,
            json!({"name": "nightly export"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("tend_"));
    let id = body["token"]["id"].as_i64().unwrap();
    let bearer =
        |req: reqwest::RequestBuilder| req.header("authorization", format!("Bearer {secret}"));

    let me: serde_json::Value = bearer(app.client.get(app.url("/api/me")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], Seed::email(Role::CommunityManager));
    // Token requests carry no cookie and need no CSRF token.
    let res = bearer(
        app.client
            .post(app.url(&format!("/api/w/acme/messages/{}/state", s.m[0]))),
    )
    .json(&json!({"state": "done"}))
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);

    let list: serde_json::Value = app.get("/api/tokens", &b).await.json().await.unwrap();
    assert_eq!(list[0]["name"], "nightly export");
    assert!(
        list[0].get("secret").is_none() && !list.to_string().contains(&secret),
        "the secret is never listed"
    );

    // Someone else cannot revoke it.
    let other = app.browser(&Seed::email(Role::Admin)).await;
    assert_eq!(
        app.json(
            Method::DELETE,
            &format!("/api/tokens/{id}"),
            &other,
            json!(null)
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.json(
            Method::DELETE,
            &format!("/api/tokens/{id}"),
            &b,
            json!(null)
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        bearer(app.client.get(app.url("/api/me")))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn bad_tokens_get_401() {
    let app = spawn_app().await;
    seed(&app).await;
    for value in ["Bearer tend_nope", "Bearer ", "Basic abc", "Bearer x"] {
        let res = app
            .client
            .get(app.url("/api/me"))
            .header("authorization", value)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{value}");
    }
}

#[tokio::test]
async fn the_tokens_page_creates_shows_once_and_revokes() {
    let app = spawn_app().await;
    seed(&app).await;
    let b = app.browser(&Seed::email(Role::Analyst)).await;
    let res = app
        .post_form("/settings/tokens", &b, &[("name", "report script")])
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("report script"));
    assert!(html.contains("<code>tend_"), "the new secret is shown once");
    let again = app.get("/settings/tokens", &b).await.text().await.unwrap();
    let shown = html
        .split("<code>")
        .nth(1)
        .unwrap()
        .split("</code>")
        .next()
        .unwrap()
        .to_owned();
    assert!(!again.contains(&shown), "and never again");
    let id = app
        .store
        .api_tokens(
            app.store
                .user_credentials(&tend_domain::Email::parse(Seed::email(Role::Analyst)).unwrap())
                .await
                .unwrap()
                .0
                .id,
        )
        .await
        .unwrap()[0]
        .id;
    let res = app
        .post_form("/settings/tokens/revoke", &b, &[("id", &id.to_string())])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        app.get("/settings/tokens", &b)
            .await
            .text()
            .await
            .unwrap()
            .contains("Revoked")
    );
}

/// Issue 13: a client-only account may not create API tokens; the page says why
/// instead of offering a form that fails.
#[tokio::test]
async fn a_client_may_not_create_api_tokens_and_the_page_says_why() {
    let app = spawn_app().await;
    seed(&app).await;
    let b = app.browser(&Seed::email(Role::Client)).await;
    let res = app
        .json(Method::POST, "/api/tokens", &b, json!({"name": "scraper"}))
        .await;
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["message"], "your role may not create API tokens");
    let res = app
        .post_form("/settings/tokens", &b, &[("name", "scraper")])
        .await;
    assert_eq!(res.status(), 403);
    let page = app.get("/settings/tokens", &b).await.text().await.unwrap();
    assert!(!page.contains("action=\"/settings/tokens\" class=\"row-form\""));
    assert!(
        page.contains("Your role does not include API tokens"),
        "{page}"
    );
}
