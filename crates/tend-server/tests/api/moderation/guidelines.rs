//! The public guidelines page: plain text, only admins edit it.

use super::*;

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
