//! Who may view, decide, go live and edit guidelines, and another workspace's
//! queue, rules and guidelines answering 404.

use super::*;
use reqwest::Method;
use serde_json::json;
use tend_core::team::Permission;
use tend_core::team::permissions::allows;

#[tokio::test]
async fn the_role_matrix_holds_for_viewing_deciding_going_live_and_guidelines() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let q = queue(&app, &s).await;
    let item = q.items[0].id.to_string();
    let v = q.acme_rules.id;
    // A draft, so the page has a version to offer "Make live" for.
    app.store
        .create_rule_set(s.acme.id, RULES, None)
        .await
        .unwrap();
    for role in Role::ALL {
        let b = app.browser(&Seed::email(role)).await;
        let moderates = allows(role, Permission::Moderate);
        let goes_live = allows(role, Permission::MakeRulesLive);
        // Issue 13: clients see neither the review queue nor the rule sources.
        let reads =
            allows(role, Permission::ReadReviewQueue) && allows(role, Permission::ReadRules);
        for path in [
            "/w/acme/review",
            "/w/acme/review?status=decided",
            "/w/acme/rules",
            "/api/w/acme/review",
            "/api/w/acme/rules",
        ] {
            assert_eq!(
                app.get(path, &b).await.status(),
                if reads { 200 } else { 403 },
                "{role:?} reads {path}"
            );
        }
        if !reads {
            continue;
        }
        let page = app.get("/w/acme/review", &b).await.text().await.unwrap();
        assert_eq!(
            page.contains("name=\"ids\""),
            moderates,
            "{role:?} checkboxes"
        );
        let rules = app.get("/w/acme/rules", &b).await.text().await.unwrap();
        assert_eq!(
            rules.contains("id=\"rules-save\""),
            moderates,
            "{role:?} save button"
        );
        assert_eq!(
            rules.contains("Make live"),
            goes_live,
            "{role:?} go-live button"
        );
        let expect = |allowed: bool, ok: u16| if allowed { ok } else { 403 };
        // Escalating keeps the item open, so every role meets the same item.
        let res = app
            .json(
                Method::POST,
                "/api/w/acme/review/decide",
                &b,
                json!({"ids": [q.items[0].id], "decision": "escalate"}),
            )
            .await;
        assert_eq!(
            res.status(),
            expect(moderates, 200),
            "{role:?} decides (API)"
        );
        let res = app
            .post_form(
                "/w/acme/review/decide",
                &b,
                &[("ids", &item), ("decision", "escalate")],
            )
            .await;
        assert_eq!(
            res.status(),
            expect(moderates, 303),
            "{role:?} decides (form)"
        );
        let res = app
            .json(
                Method::POST,
                "/api/w/acme/rules",
                &b,
                json!({"source": RULES}),
            )
            .await;
        assert_eq!(res.status(), expect(moderates, 201), "{role:?} saves rules");
        let res = app
            .post_form("/w/acme/rules", &b, &[("source", RULES)])
            .await;
        assert_eq!(
            res.status(),
            expect(moderates, 303),
            "{role:?} saves rules (form)"
        );
        let res = app
            .json(
                Method::POST,
                "/api/w/acme/rules/dry-run",
                &b,
                json!({"source": RULES}),
            )
            .await;
        assert_eq!(res.status(), expect(moderates, 200), "{role:?} dry run");
        let res = app
            .post_form("/w/acme/rules/dry-run", &b, &[("source", RULES)])
            .await;
        assert_eq!(
            res.status(),
            expect(moderates, 200),
            "{role:?} dry run (form)"
        );
        let res = app
            .json(
                Method::POST,
                &format!("/api/w/acme/rules/{v}/live"),
                &b,
                json!({}),
            )
            .await;
        assert_eq!(res.status(), expect(goes_live, 200), "{role:?} goes live");
        let res = app
            .post_form(&format!("/w/acme/rules/{v}/live"), &b, &[])
            .await;
        assert_eq!(
            res.status(),
            expect(goes_live, 303),
            "{role:?} goes live (form)"
        );
        let res = app
            .post_form("/w/acme/guidelines", &b, &[("text", "Be kind")])
            .await;
        assert_eq!(
            res.status(),
            expect(role == Role::Admin, 303),
            "{role:?} guidelines"
        );
    }
    // Nothing was decided by the read-only roles: the item is escalated, still open.
    let item = app
        .store
        .review_item(s.acme.id, q.items[0].id)
        .await
        .unwrap();
    assert_eq!(item.status, ReviewStatus::Escalated);
}

#[tokio::test]
async fn another_workspaces_queue_rules_and_guidelines_are_not_found() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let q = queue(&app, &s).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let g = q.globex_item;
    let gv = q.globex_rules.id;
    for path in [
        "/w/globex/review",
        "/w/globex/rules",
        "/api/w/globex/review",
        "/api/w/globex/rules",
        "/w/nope/review",
    ] {
        assert_eq!(app.get(path, &b).await.status(), 404, "{path}");
    }
    for slug in ["acme", "globex"] {
        let calls = [
            (
                format!("/api/w/{slug}/review/decide"),
                json!({"ids": [g], "decision": "remove"}),
            ),
            (format!("/api/w/{slug}/rules/{gv}/live"), json!({})),
        ];
        for (path, body) in calls {
            let res = app.json(Method::POST, &path, &b, body).await;
            assert_eq!(res.status(), 404, "{path}");
        }
        let res = app
            .post_form(
                &format!("/w/{slug}/review/decide"),
                &b,
                &[("ids", &g.to_string()), ("decision", "remove")],
            )
            .await;
        assert_eq!(res.status(), 404, "{slug} decide form");
        let res = app
            .post_form(&format!("/w/{slug}/rules/{gv}/live"), &b, &[])
            .await;
        assert_eq!(res.status(), 404, "{slug} live form");
    }
    // A mixed list changes nothing: the foreign id is checked first.
    let res = app
        .json(
            Method::POST,
            "/api/w/acme/review/decide",
            &b,
            json!({"ids": [q.items[0].id, g], "decision": "approve"}),
        )
        .await;
    assert_eq!(res.status(), 404);
    assert!(matches!(
        app.store
            .review_item(s.acme.id, q.items[0].id)
            .await
            .unwrap()
            .status,
        ReviewStatus::Pending | ReviewStatus::Escalated
    ));
    for path in [
        "/w/globex/guidelines",
        "/w/globex/rules",
        "/w/globex/rules/dry-run",
    ] {
        let res = app
            .post_form(path, &b, &[("text", "x"), ("source", RULES)])
            .await;
        assert_eq!(res.status(), 404, "{path}");
    }
    for path in ["/api/w/globex/rules", "/api/w/globex/rules/dry-run"] {
        let res = app
            .json(Method::POST, path, &b, json!({"source": RULES}))
            .await;
        assert_eq!(res.status(), 404, "{path}");
    }
    let globex = app.store.review_item(s.globex.id, g).await.unwrap();
    assert_eq!(globex.status, ReviewStatus::Pending);
    assert!(
        app.store
            .live_rule_set(s.globex.id)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(app.store.rule_sets(s.globex.id).await.unwrap().len(), 1);
    assert_eq!(app.store.guidelines(s.globex.id).await.unwrap(), None);
}
