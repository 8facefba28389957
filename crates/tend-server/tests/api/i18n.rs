//! English and Swedish as a user meets them: a Swedish user sees Swedish and can
//! switch. That every key in use exists in both languages is checked by the tidy
//! test (`tend-server/src/tidy.rs`).

use crate::helpers::*;
use tend_domain::Role;

#[tokio::test]
async fn a_swedish_user_sees_swedish_and_can_switch() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Analyst)).await;
    assert!(
        app.get("/w/acme/inbox", &b)
            .await
            .text()
            .await
            .unwrap()
            .contains("<html lang=\"en\">")
    );
    let res = app
        .post_form(
            "/settings/locale",
            &b,
            &[("locale", "sv"), ("back", "/w/acme/inbox")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/w/acme/inbox");
    let html = app.get("/w/acme/inbox", &b).await.text().await.unwrap();
    assert!(html.contains("<html lang=\"sv\">"));
    assert!(
        html.contains("Inkorg")
            && html.contains("Öppen")
            && html.contains("Visar 4 konversationer")
    );
    assert!(
        html.contains("1 dec. 2026 10:00"),
        "Swedish dates in the workspace's zone"
    );
    let conv = app
        .get(&format!("/w/acme/c/{}", s.m[2]), &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        conv.contains("12\u{a0}345 följare"),
        "Swedish digit grouping"
    );
    assert_eq!(
        app.post_form("/settings/locale", &b, &[("locale", "de")])
            .await
            .status(),
        400
    );
    // Signed-out pages follow Accept-Language.
    let login = app
        .client
        .get(app.url("/login"))
        .header("accept-language", "sv-SE,sv;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(login.text().await.unwrap().contains("Logga in i Tend"));
    // Error pages are localised too.
    let missing = app.get("/w/acme/c/999999", &b).await;
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Hittades inte"));
}
