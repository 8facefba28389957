//! Moderation through HTTP: the review queue page and API (decisions per row, in
//! bulk and by API), the rules page and API (save, parse errors, dry run, going
//! live), the public guidelines page, the role matrix (view vs decide vs go live vs
//! edit guidelines) and workspace isolation.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};
use tend_domain::*;

/// The rules of the seed: the name (the comment) is hostile on purpose.
pub const RULES: &str = "# <script>alert('rule')</script> refunds\n\
body (includes-word): [refund]\n\
action: filter\n\
action_reason: \"refund\"\n";

/// Review items in the seed: Acme's m1 (reason with an `<img>`), m3 (escalated)
/// and m2 (plain), and one of Globex.
pub struct Queue {
    pub acme_rules: RuleSetVersion,
    pub globex_rules: RuleSetVersion,
    /// Acme's open items, in queue order.
    pub items: Vec<ReviewItem>,
    pub globex_item: ReviewId,
}

fn verdict(
    v: &RuleSetVersion,
    message: MessageId,
    reason: &str,
    escalate: bool,
) -> ModerationVerdict {
    ModerationVerdict {
        message_id: message,
        rule_set: v.id,
        version: v.version,
        rule_index: 0,
        rule_name: "<script>alert('rule')</script> refunds".into(),
        unrepeatable_hash: None,
        state: None,
        flag: Some(reason.into()),
        escalate,
        log: Vec::new(),
        webhooks: Vec::new(),
    }
}

pub async fn queue(app: &TestApp, s: &Seed) -> Queue {
    let store = &*app.store;
    let admin = s.user(Role::Admin).id;
    let acme_rules = store
        .create_rule_set(s.acme.id, RULES, Some(admin))
        .await
        .unwrap();
    let acme_rules = store
        .make_live(s.acme.id, acme_rules.id, Some(admin))
        .await
        .unwrap();
    store
        .record_verdicts(
            s.acme.id,
            &[
                verdict(
                    &acme_rules,
                    s.m[0],
                    "<img src=x onerror=alert(3)> refund",
                    false,
                ),
                verdict(&acme_rules, s.m[1], "refund", false),
                verdict(&acme_rules, s.m[2], "rude", true),
            ],
            None,
        )
        .await
        .unwrap();
    let globex_rules = store
        .create_rule_set(s.globex.id, RULES, Some(s.globex_admin.id))
        .await
        .unwrap();
    store
        .make_live(s.globex.id, globex_rules.id, None)
        .await
        .unwrap();
    store
        .record_verdicts(
            s.globex.id,
            &[verdict(&globex_rules, s.globex_message, "refund", false)],
            None,
        )
        .await
        .unwrap();
    let items = store.review_queue(s.acme.id, true, None, 50).await.unwrap();
    let globex_item = store
        .review_queue(s.globex.id, true, None, 50)
        .await
        .unwrap()[0]
        .id;
    Queue {
        acme_rules,
        globex_rules,
        items,
        globex_item,
    }
}

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

#[tokio::test]
async fn the_rules_page_saves_shows_errors_dry_runs_and_goes_live() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let q = queue(&app, &s).await;
    let b = app.browser(&Seed::email(Role::SocialMediaManager)).await;

    let html = app.get("/w/acme/rules", &b).await.text().await.unwrap();
    let text = unescape(&html);
    assert!(text.contains(RULES), "the live version in the editor");
    assert!(html.contains("Live since"));
    assert!(
        text.contains("rule 1 <script>alert('rule')</script> refunds: 3"),
        "per-rule hits of the live one"
    );

    // A parse error: the page again, 422, the diagnostics above the kept source.
    let bad = "body: [a]\nactoin: <b>remove</b>\n";
    let res = app.post_form("/w/acme/rules", &b, &[("source", bad)]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"rule-errors\""));
    assert!(!html.contains("<b>remove</b>"));
    let text = unescape(&html);
    assert!(text.contains("line 2") && text.contains("actoin"), "{text}");
    assert!(text.contains(bad), "the source is kept");
    assert!(html.find("rule-errors").unwrap() < html.find("rules-source").unwrap());

    // Saving a good one: a new version that is not live.
    let res = app
        .post_form(
            "/w/acme/rules",
            &b,
            &[("source", "title: [spam]\naction: remove\n")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/w/acme/rules?saved=1");
    let versions = app.store.rule_sets(s.acme.id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert!(!versions[0].is_live());
    let html = app
        .get("/w/acme/rules?saved=1", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Saved as a new version"));
    assert!(html.contains("Not live"));
    assert!(html.contains(&format!("/w/acme/rules/{}/live", versions[0].id)));

    // Dry run: the per-rule table with samples and what matched.
    let res = app
        .post_form("/w/acme/rules/dry-run", &b, &[("source", RULES)])
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let text = unescape(&html);
    assert!(html.contains("id=\"dry-run\""));
    assert!(text.contains("2 of 4 messages matched"), "{text}");
    assert!(text.contains("filter × 2"));
    assert!(text.contains("Where is my refund?"), "a sample");
    assert!(text.contains("<mark>refund</mark>") || html.contains("<mark>refund</mark>"));

    // Going live.
    let res = app
        .post_form(&format!("/w/acme/rules/{}/live", versions[0].id), &b, &[])
        .await;
    assert_eq!(res.status(), 303);
    let live = app.store.live_rule_set(s.acme.id).await.unwrap().unwrap();
    assert_eq!(live.id, versions[0].id);
    let old = app
        .store
        .rule_set(s.acme.id, q.acme_rules.id)
        .await
        .unwrap();
    assert!(old.live_until.is_some());
}

#[tokio::test]
async fn guidelines_are_public_plain_text_and_only_admins_edit_them() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let anonymous = app.client.get(app.url("/g/acme")).send().await.unwrap();
    assert_eq!(anonymous.status(), 200);
    assert!(
        anonymous
            .text()
            .await
            .unwrap()
            .contains("No guidelines written yet.")
    );
    let admin = app.browser(&Seed::email(Role::Admin)).await;
    let text = "Be kind.\nNo spam.\n\nAsk <b>us</b> <img src=x onerror=alert(4)>";
    let res = app
        .post_form("/w/acme/guidelines", &admin, &[("text", text)])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.store.guidelines(s.acme.id).await.unwrap().as_deref(),
        Some(text)
    );
    let html = app
        .client
        .get(app.url("/g/acme"))
        .header("accept-language", "sv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<p>Be kind.<br>No spam.</p>"), "{html}");
    assert!(!html.contains("<b>us</b>") && !html.contains("<img src=x"));
    assert!(unescape(&html).contains("Ask <b>us</b> <img src=x onerror=alert(4)>"));
    assert!(
        html.contains("riktlinjer för communityn"),
        "the reader's language"
    );
    // The editor on the rules page, for admins only.
    let rules = app.get("/w/acme/rules", &admin).await.text().await.unwrap();
    assert!(rules.contains("action=\"/w/acme/guidelines\""));
    assert!(rules.contains("href=\"/g/acme\""));
    let cm = app.browser(&Seed::email(Role::CommunityManager)).await;
    let rules = app.get("/w/acme/rules", &cm).await.text().await.unwrap();
    assert!(!rules.contains("action=\"/w/acme/guidelines\""));
    assert_eq!(
        app.client
            .get(app.url("/g/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

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
        let moderates = role.can_work_inbox();
        let goes_live = matches!(role, Role::Admin | Role::SocialMediaManager);
        for path in [
            "/w/acme/review",
            "/w/acme/review?status=decided",
            "/w/acme/rules",
            "/api/w/acme/review",
            "/api/w/acme/rules",
        ] {
            assert_eq!(
                app.get(path, &b).await.status(),
                200,
                "{role:?} reads {path}"
            );
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

#[tokio::test]
async fn the_rules_page_shows_webhook_deliveries_and_refuses_bad_webhook_addresses() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let q = queue(&app, &s).await;
    let b = app.browser(&Seed::email(Role::CommunityManager)).await;
    let html = app.get("/w/acme/rules", &b).await.text().await.unwrap();
    assert!(
        !html.contains("id=\"webhooks\""),
        "no section without deliveries"
    );

    let mut v = verdict(&q.acme_rules, s.m[1], "refund", false);
    v.webhooks.push(WebhookNotice {
        url: "http://127.0.0.1:9/hook?token=s3cret".into(),
        payload: "{}".into(),
    });
    app.store
        .record_verdicts(s.acme.id, &[v], None)
        .await
        .unwrap();
    let d = &app
        .store
        .webhook_deliveries(s.acme.id, None, 10)
        .await
        .unwrap()[0];
    let retry_at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(30);
    app.store
        .webhook_attempted(
            s.acme.id,
            d.id,
            &WebhookAttempt::Failed {
                error: "the receiver answered <b>HTTP 503</b>".into(),
                retry_at: Some(retry_at),
            },
        )
        .await
        .unwrap();
    let html = app.get("/w/acme/rules", &b).await.text().await.unwrap();
    let text = unescape(&html);
    assert!(html.contains("id=\"webhooks\""));
    assert!(text.contains("Webhook notifications"));
    assert!(text.contains("Waiting to be sent"));
    assert!(text.contains("http://127.0.0.1:9/hook"));
    assert!(!text.contains("s3cret"), "the query (a token) is not shown");
    assert!(!html.contains("<b>HTTP 503</b>"), "the error is text");
    assert!(text.contains("the receiver answered <b>HTTP 503</b>"));
    assert!(html.contains(&format!("/w/acme/c/{}", s.m[1])));
    // Another workspace sees none of it.
    let g = app.browser(s.globex_admin.email.as_str()).await;
    let html = app.get("/w/globex/rules", &g).await.text().await.unwrap();
    assert!(html.contains("id=\"versions\"") && !html.contains("id=\"webhooks\""));

    // A webhook that is not http(s) is refused at saving, naming the rule.
    let bad = "# Page the on-call\nbody: [outage]\nnotify: {webhook: 'ftp://example.org/x'}\n";
    let res = app.post_form("/w/acme/rules", &b, &[("source", bad)]).await;
    assert_eq!(res.status(), 422);
    let text = unescape(&res.text().await.unwrap());
    assert!(
        text.contains("rule “Page the on-call”: a webhook must be an http:// or https:// URL"),
        "{text}"
    );
    assert_eq!(app.store.rule_sets(s.acme.id).await.unwrap().len(), 1);
}
