//! Workspace isolation: a teammate of Acme gets 404 for Globex and for every item of
//! Globex, through every route, read or write, whatever their role.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;
use tend_domain::Role;

#[tokio::test]
async fn another_workspace_and_its_items_are_not_found_through_every_route() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let g = s.globex_message;
    let before = app.store.message(s.globex.id, g).await.unwrap();
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let mut gets = vec![
        "/w/globex/inbox".to_owned(),
        "/api/w/globex/inbox".to_owned(),
        format!("/w/globex/c/{g}"),
        format!("/api/w/globex/messages/{g}"),
        format!("/w/acme/c/{g}"),
        format!("/api/w/acme/messages/{g}"),
        "/w/nope/inbox".to_owned(),
    ];
    gets.push(format!("/w/acme/c/{}", s.m[0].get() + 1000));
    for path in &gets {
        assert_eq!(app.get(path, &b).await.status(), 404, "{path}");
    }
    for slug in ["acme", "globex"] {
        let posts: Vec<(String, serde_json::Value)> = vec![
            (
                format!("/api/w/{slug}/messages/{g}/state"),
                json!({"state": "done"}),
            ),
            (
                format!("/api/w/{slug}/messages/{g}/assign"),
                json!({"assignee": null}),
            ),
            (
                format!("/api/w/{slug}/messages/{g}/tags"),
                json!({"name": "x"}),
            ),
            (
                format!("/api/w/{slug}/messages/{g}/sentiment"),
                json!({"label": "positive"}),
            ),
            (
                format!("/api/w/{slug}/messages/{g}/notes"),
                json!({"text": "x"}),
            ),
            (
                format!("/api/w/{slug}/messages/{g}/replies"),
                json!({"text": "x"}),
            ),
            (
                format!("/api/w/{slug}/inbox/bulk"),
                json!({"ids": [g], "action": "done"}),
            ),
        ];
        for (path, body) in posts {
            assert_eq!(
                app.json(Method::POST, &path, &b, body).await.status(),
                404,
                "{path}"
            );
        }
        assert_eq!(
            app.json(
                Method::DELETE,
                &format!("/api/w/{slug}/messages/{g}/tags/1"),
                &b,
                json!(null)
            )
            .await
            .status(),
            404
        );
        for (action, field, value) in [
            ("state", "state", "done"),
            ("snooze", "until", "2030-01-01T10:00"),
            ("assign", "assignee", "none"),
            ("tag", "tag", "x"),
            ("untag", "tag", "1"),
            ("sentiment", "label", "positive"),
            ("note", "text", "x"),
            ("reply", "text", "x"),
        ] {
            let path = format!("/w/{slug}/c/{g}/{action}");
            assert_eq!(
                app.post_form(&path, &b, &[(field, value)]).await.status(),
                404,
                "{path}"
            );
        }
        let res = app
            .post_form(
                &format!("/w/{slug}/inbox/bulk"),
                &b,
                &[("id", &g.to_string()), ("action", "done")],
            )
            .await;
        assert_eq!(res.status(), 404, "{slug} bulk form");
    }
    // A bulk action mixing own and foreign ids changes nothing.
    let res = app
        .json(
            Method::POST,
            "/api/w/acme/inbox/bulk",
            &b,
            json!({"ids": [s.m[0], g], "action": "done"}),
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        app.store.message(s.acme.id, s.m[0]).await.unwrap().state,
        tend_domain::InboxState::Open
    );
    // Assigning to someone outside the workspace is refused too.
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/messages/{}/assign", s.m[0]),
            &b,
            json!({"assignee": s.globex_admin.id}),
        )
        .await;
    assert_eq!(res.status(), 404);
    // Globex's message is untouched, and Acme's search does not find it.
    assert_eq!(app.store.message(s.globex.id, g).await.unwrap(), before);
    let found: serde_json::Value = app
        .get("/api/w/acme/inbox?status=all&q=secret", &b)
        .await
        .json()
        .await
        .unwrap();
    assert!(found["messages"].as_array().unwrap().is_empty());
    let html = app
        .get("/w/acme/inbox?status=all", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("globex refund secret"));
    // The workspace switcher lists only own workspaces.
    assert!(!html.contains("/w/globex/inbox"));
}
