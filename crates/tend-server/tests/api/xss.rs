//! Stored XSS: text from outside (message text and title, author name, links) is
//! shown as text, and only http(s) links become links.

use crate::helpers::*;
use tend_domain::Role;

#[tokio::test]
async fn hostile_text_is_escaped_on_every_page() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let inbox = app.get("/w/acme/inbox", &b).await.text().await.unwrap();
    let conversation = app
        .get(&format!("/w/acme/c/{}", s.m[2]), &b)
        .await
        .text()
        .await
        .unwrap();
    for html in [&inbox, &conversation] {
        assert!(!html.contains("<script>alert"), "script tag rendered");
        let text = unescape(html);
        assert!(
            text.contains("<script>alert('xss')</script> you idiots"),
            "the text is shown, as text"
        );
        assert!(!html.contains("<img src=x"), "author name rendered as HTML");
        assert!(text.contains("<img src=x onerror=alert(1)>"));
        assert!(!html.contains("<b>bold</b>"));
        if std::ptr::eq(html, &conversation) {
            assert!(text.contains("<b>bold</b>"), "the title is shown as text");
        }
        assert!(
            !html.to_lowercase().contains("href=\"javascript:"),
            "javascript: links"
        );
        // No inline scripts at all: every script is a file under the CSP.
        assert_eq!(html.matches("<script").count(), 1);
        assert!(html.contains("<script src=\"/static/app.js?v="), "{html}");
    }
    // The follower count is localised; the JSON API returns the raw text for clients to escape.
    assert!(conversation.contains("12,345 followers"));
    let api: serde_json::Value = app
        .get(&format!("/api/w/acme/messages/{}", s.m[2]), &b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        api["message"]["text"],
        "<script>alert('xss')</script> you idiots"
    );
}

#[tokio::test]
async fn hostile_rule_names_reasons_messages_and_guidelines_are_escaped() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    crate::moderation::queue(&app, &s).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let guidelines = "<script>alert('g')</script>\n\n<img src=x onerror=alert(5)>";
    app.store
        .set_guidelines(s.acme.id, guidelines, None)
        .await
        .unwrap();
    let review = app.get("/w/acme/review", &b).await.text().await.unwrap();
    let rules = app.get("/w/acme/rules", &b).await.text().await.unwrap();
    let dry = app
        .post_form(
            "/w/acme/rules/dry-run",
            &b,
            &[(
                "source",
                "# <img src=x onerror=alert(6)>\nbody: [idiots]\naction: remove\n",
            )],
        )
        .await
        .text()
        .await
        .unwrap();
    let public = app
        .client
        .get(app.url("/g/acme"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (name, html, shown) in [
        (
            "review",
            &review,
            vec![
                "<script>alert('rule')</script> refunds",
                "<img src=x onerror=alert(3)> refund",
                "<script>alert('xss')</script> you idiots",
            ],
        ),
        (
            "rules",
            &rules,
            vec![
                "<script>alert('rule')</script> refunds",
                "<script>alert('g')</script>",
            ],
        ),
        (
            "dry run",
            &dry,
            vec![
                "<img src=x onerror=alert(6)>",
                "<script>alert('xss')</script> you idiots",
            ],
        ),
        (
            "guidelines",
            &public,
            vec![
                "<script>alert('g')</script>",
                "<img src=x onerror=alert(5)>",
            ],
        ),
    ] {
        assert!(
            !html.contains("<script>alert"),
            "{name}: script tag rendered"
        );
        assert!(!html.contains("<img src=x"), "{name}: img tag rendered");
        assert_eq!(html.matches("<script").count(), 1, "{name}: only app.js");
        let text = unescape(html);
        for s in shown {
            assert!(text.contains(s), "{name} shows {s} as text");
        }
    }
}
