//! The role matrix (see ARCHITECTURE.md): everyone in a workspace reads its inbox and
//! conversations; only admins, social media managers and community managers change
//! them; clients do not see internal notes.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;
use tend_domain::Role;

#[tokio::test]
async fn every_route_enforces_the_role_matrix() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let m = s.m[0];
    let writers = [
        Role::Admin,
        Role::SocialMediaManager,
        Role::CommunityManager,
    ];
    for role in Role::ALL {
        let b = app.browser(&Seed::email(role)).await;
        let may_write = writers.contains(&role);
        // Reads: everyone.
        for path in [
            "/w/acme/inbox".to_owned(),
            format!("/w/acme/c/{m}"),
            "/api/w/acme/inbox".to_owned(),
            format!("/api/w/acme/messages/{m}"),
        ] {
            assert_eq!(
                app.get(&path, &b).await.status(),
                200,
                "{role:?} reads {path}"
            );
        }
        // Writes through the API.
        let expected = |ok: u16| if may_write { ok } else { 403 };
        let calls: Vec<(Method, String, serde_json::Value, u16)> = vec![
            (
                Method::POST,
                format!("/api/w/acme/messages/{m}/state"),
                json!({"state": "open"}),
                200,
            ),
            (
                Method::POST,
                format!("/api/w/acme/messages/{m}/assign"),
                json!({"assignee": null}),
                200,
            ),
            (
                Method::POST,
                format!("/api/w/acme/messages/{m}/tags"),
                json!({"name": "vip"}),
                201,
            ),
            (
                Method::POST,
                format!("/api/w/acme/messages/{m}/sentiment"),
                json!({"label": "neutral"}),
                200,
            ),
            (
                Method::POST,
                format!("/api/w/acme/messages/{m}/notes"),
                json!({"text": "checking"}),
                201,
            ),
            (
                Method::POST,
                format!("/api/w/acme/messages/{m}/replies"),
                json!({"text": "Hi! Looking into it."}),
                201,
            ),
            (
                Method::POST,
                "/api/w/acme/inbox/bulk".to_owned(),
                json!({"ids": [m], "action": "open"}),
                200,
            ),
        ];
        for (method, path, body, ok) in calls {
            let res = app.json(method, &path, &b, body).await;
            assert_eq!(res.status(), expected(ok), "{role:?} writes {path}");
        }
        // Writes through the forms.
        for (action, field, value) in [
            ("state", "state", "open"),
            ("assign", "assignee", "none"),
            ("tag", "tag", "vip"),
            ("sentiment", "label", "neutral"),
            ("note", "text", "hi"),
            ("reply", "text", "Hello"),
        ] {
            let res = app
                .post_form(&format!("/w/acme/c/{m}/{action}"), &b, &[(field, value)])
                .await;
            assert_eq!(res.status(), expected(303), "{role:?} form {action}");
        }
        let res = app
            .post_form(
                "/w/acme/inbox/bulk",
                &b,
                &[("id", &m.to_string()), ("action", "open")],
            )
            .await;
        assert_eq!(res.status(), expected(303), "{role:?} bulk form");
        // Notes are not for clients.
        let conv: serde_json::Value = app
            .get(&format!("/api/w/acme/messages/{m}"), &b)
            .await
            .json()
            .await
            .unwrap();
        let notes = conv["notes"].as_array().unwrap();
        assert_eq!(notes.is_empty(), role == Role::Client, "{role:?} notes");
        let page = app
            .get(&format!("/w/acme/c/{m}"), &b)
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            page.contains("Internal notes"),
            role != Role::Client,
            "{role:?} notes on the page"
        );
        assert_eq!(
            page.contains("id=\"reply-form\""),
            may_write,
            "{role:?} reply box"
        );
    }
}
