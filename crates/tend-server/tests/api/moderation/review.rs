//! The review queue: the page decides per row and in bulk; the API lists and decides.

use super::*;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn the_review_page_lists_open_items_and_decides_per_row_and_in_bulk() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let q = queue(&app, &s).await;
    assert_eq!(q.items.len(), 3);
    assert_eq!(q.items[0].message_id, s.m[2], "escalated first");
    let b = app.browser(&Seed::email(Role::CommunityManager)).await;

    // The inbox's header links to the queue with the count of open items.
    let inbox = app.get("/w/acme/inbox", &b).await.text().await.unwrap();
    assert!(
        inbox.contains("class=\"nav-review\">Review queue <span class=\"count\">3</span>"),
        "{inbox}"
    );

    let page = app.get("/w/acme/review", &b).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let text = unescape(&html);
    assert_eq!(html.matches("<li class=\"row").count(), 3);
    assert!(text.contains("Still waiting for the refund"), "excerpt");
    assert!(text.contains("· v1 · rule 1"), "the rule that fired");
    assert!(text.contains("Reason: rude"));
    assert!(text.contains("toxicity 0.90"), "classifier scores");
    assert!(text.contains("score -0.60") || text.contains("score −0.60"));
    assert!(text.contains(&format!("href=\"/w/acme/c/{}\"", s.m[1])));
    assert!(html.contains("Escalated"));
    for d in ["approve", "remove", "hide", "ban", "escalate"] {
        assert!(html.contains(&format!("value=\"{d}\"")), "bulk {d}");
    }

    // A row's own button.
    let plain = q.items.iter().find(|i| i.message_id == s.m[1]).unwrap();
    let res = app
        .post_form(
            "/w/acme/review/decide",
            &b,
            &[
                ("row", &format!("remove:{}", plain.id)),
                ("back", "/w/acme/review"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/w/acme/review");
    let item = app.store.review_item(s.acme.id, plain.id).await.unwrap();
    assert_eq!(item.status, ReviewStatus::Removed);
    assert_eq!(item.decided_by, Some(s.user(Role::CommunityManager).id));
    let facts = app
        .store
        .moderation_facts(s.acme.id, &[s.m[1]])
        .await
        .unwrap();
    assert_eq!(facts[&s.m[1]].state, Moderation::Removed);

    // Bulk: the other two approved.
    let rest: Vec<String> = q
        .items
        .iter()
        .filter(|i| i.id != plain.id)
        .map(|i| i.id.to_string())
        .collect();
    let res = app
        .post_form(
            "/w/acme/review/decide",
            &b,
            &[
                ("ids", &rest[0]),
                ("ids", &rest[1]),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = app.get("/w/acme/review", &b).await.text().await.unwrap();
    assert!(html.contains("Nothing to review."), "{html}");
    let decided = app
        .get("/w/acme/review?status=decided", &b)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(decided.matches("<li class=\"row").count(), 3);
    assert!(decided.contains("Approved") && decided.contains("Removed"));
    assert!(decided.contains("Acme community_manager ·"), "who decided");

    // Bad input names the field.
    for fields in [
        vec![("decision", "approve")],
        vec![("ids", "1"), ("decision", "explode")],
        vec![("ids", "x"), ("decision", "approve")],
        vec![("row", "approve")],
    ] {
        let res = app.post_form("/w/acme/review/decide", &b, &fields).await;
        assert_eq!(res.status(), 400, "{fields:?}");
    }
    assert_eq!(
        app.get("/w/acme/review?status=nope", &b).await.status(),
        400
    );

    // In Swedish.
    let res = app
        .post_form("/settings/locale", &b, &[("locale", "sv"), ("back", "/")])
        .await;
    assert_eq!(res.status(), 303);
    let sv = app
        .get("/w/acme/review?status=decided", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        sv.contains("Granskningskö") && sv.contains("Godkänd"),
        "{sv}"
    );
}

#[tokio::test]
async fn the_api_lists_and_decides_review_items_and_manages_rules() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let q = queue(&app, &s).await;
    let spec: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let check = |method: &str, path: &str, status: u16, body: &Value| {
        let schema = crate::openapi::response_schema(&spec, method, path, status);
        assert!(!schema.is_null(), "{method} {path} {status} has a schema");
        crate::openapi::conforms(&spec, &schema, body, "$")
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    };
    let b = app.browser(&Seed::email(Role::Admin)).await;

    let res = app.get("/api/w/acme/review", &b).await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    check("get", "/api/w/{slug}/review", 200, &page);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert_eq!(page["items"][0]["escalated"], true);
    assert_eq!(page["messages"].as_array().unwrap().len(), 3);
    assert_eq!(
        app.get("/api/w/acme/review?status=sideways", &b)
            .await
            .status(),
        400
    );

    let ids: Vec<ReviewId> = q.items.iter().map(|i| i.id).collect();
    let res = app
        .json(
            Method::POST,
            "/api/w/acme/review/decide",
            &b,
            json!({"ids": [ids[0], ids[1]], "decision": "hide"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    check("post", "/api/w/{slug}/review/decide", 200, &body);
    assert_eq!(body["decided"], 2);
    let res = app
        .json(
            Method::POST,
            "/api/w/acme/review/decide",
            &b,
            json!({"ids": [ids[2]], "decision": "vanish"}),
        )
        .await;
    assert_eq!(res.status(), 400);
    let decided: Value = app
        .get("/api/w/acme/review?status=decided", &b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decided["items"].as_array().unwrap().len(), 2);
    assert_eq!(decided["items"][0]["status"], "hidden");

    // Rules: list, save, a parse error, dry run, go live.
    let res = app.get("/api/w/acme/rules", &b).await;
    assert_eq!(res.status(), 200);
    let list: Value = res.json().await.unwrap();
    check("get", "/api/w/{slug}/rules", 200, &list);
    assert_eq!(list[0]["version"]["version"], 1);
    assert_eq!(list[0]["version"]["id"], q.acme_rules.id.get());

    let res = app
        .json(
            Method::POST,
            "/api/w/acme/rules",
            &b,
            json!({"source": "# idiots\nbody: [idiots]\naction: remove\n"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let v2: Value = res.json().await.unwrap();
    check("post", "/api/w/{slug}/rules", 201, &v2);
    assert_eq!(v2["version"], 2);
    assert!(v2["live_from"].is_null());

    let res = app
        .json(
            Method::POST,
            "/api/w/acme/rules",
            &b,
            json!({"source": "body: [a]\nactoin: remove\n"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    check("post", "/api/w/{slug}/rules", 422, &err);
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("line 2") && message.contains("actoin"),
        "{message}"
    );
    assert_eq!(app.store.rule_sets(s.acme.id).await.unwrap().len(), 2);

    let res = app
        .json(
            Method::POST,
            "/api/w/acme/rules/dry-run",
            &b,
            json!({"source": RULES, "days": 30}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let run: Value = res.json().await.unwrap();
    check("post", "/api/w/{slug}/rules/dry-run", 200, &run);
    assert_eq!(run["scanned"], 4, "Acme's four messages, none of Globex");
    assert_eq!(run["rules"][0]["hits"], 2, "the two refund messages");
    assert_eq!(run["rules"][0]["actions"]["filter"], 2);
    assert_eq!(run["rules"][0]["samples"].as_array().unwrap().len(), 2);
    for days in [0, 366] {
        let res = app
            .json(
                Method::POST,
                "/api/w/acme/rules/dry-run",
                &b,
                json!({"source": RULES, "days": days}),
            )
            .await;
        assert_eq!(res.status(), 400, "days {days}");
    }

    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/rules/{}/live", v2["id"]),
            &b,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let live: Value = res.json().await.unwrap();
    check("post", "/api/w/{slug}/rules/{id}/live", 200, &live);
    assert!(live["live_from"].is_string());
    let now_live = app.store.live_rule_set(s.acme.id).await.unwrap().unwrap();
    assert_eq!(now_live.version, 2);
}
