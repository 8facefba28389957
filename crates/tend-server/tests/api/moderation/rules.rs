//! The rules page: save, parse errors, dry run, going live, webhook deliveries and
//! bad webhook addresses.

use super::*;

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
        .record_verdicts(s.acme.id, &[v], &[], None)
        .await
        .unwrap();
    let d = &app
        .store
        .webhook_deliveries(s.acme.id, None, 10)
        .await
        .unwrap()[0];
    let retry_at = app.now() + jiff::SignedDuration::from_secs(30);
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

/// Issue 13: an action no one can carry out is refused when the rule set is saved
/// (and when an older version goes live), never dropped at run time.
#[tokio::test]
async fn rules_whose_actions_no_one_can_carry_out_are_refused_when_saved() {
    use reqwest::Method;
    use serde_json::{Value, json};
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::SocialMediaManager)).await;
    let save = |source: &'static str| {
        let (app, b) = (&app, &b);
        async move {
            app.json(
                Method::POST,
                "/api/w/acme/rules",
                b,
                json!({"source": source}),
            )
            .await
        }
    };
    for (source, says) in [
        (
            "# Route\nbody: [refund]\nassign: nobody\n",
            "names \"nobody\", who is not a teammate of this workspace",
        ),
        (
            "# Route\nbody: [refund]\nassign: client@acme.se\n",
            "whose role (client) may not change state",
        ),
        (
            "# Page\nbody: [refund]\nnotify: ghost\n",
            "names \"ghost\", who is not a teammate",
        ),
        (
            "# Empty\nbody: [refund]\nreply: \"  \"\n",
            "the reply text is empty",
        ),
    ] {
        let res = save(source).await;
        assert_eq!(res.status(), 422, "{source}");
        let body: Value = res.json().await.unwrap();
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(says), "{source}: {message}");
        // The page shows the same refusal above the editor.
        let res = app
            .post_form("/w/acme/rules", &b, &[("source", source)])
            .await;
        assert_eq!(res.status(), 422, "{source} (form)");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("who is not a teammate")
                || page.contains("reply text is empty")
                || page.contains("may not change state")
        );
    }
    assert!(app.store.rule_sets(s.acme.id).await.unwrap().is_empty());
    // Teammates found by e-mail or name, and a real reply: saved, with an author.
    let res =
        save("# Route\nbody: [refund]\nassign: community-manager@acme.se\nreply: \"On it\"\n")
            .await;
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["created_by"], s.user(Role::SocialMediaManager).id.get());
    // A version stored without an author (as the CLI did) does not go live with replies.
    let old = app
        .store
        .create_rule_set(
            s.acme.id,
            "# Thanks\nbody: [refund]\nreply: \"Thanks\"\n",
            None,
        )
        .await
        .unwrap();
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/rules/{}/live", old.id),
            &b,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(app.store.live_rule_set(s.acme.id).await.unwrap().is_none());
}
