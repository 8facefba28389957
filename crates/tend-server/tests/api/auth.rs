//! Login, logout, sessions, CSRF and the login rate limit.

use crate::helpers::*;
use tend_domain::Role;

#[tokio::test]
async fn a_good_password_opens_a_session_with_a_safe_cookie() {
    let app = spawn_app().await;
    seed(&app).await;
    let res = app.login(&Seed::email(Role::Admin), PASSWORD).await;
    assert_eq!(res.status(), 303);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("tend_session="))
        .unwrap();
    for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP by default");
    let value = set_cookie(&res, "tend_session").unwrap();
    assert_eq!(value.len(), 43, "256 random bits, base64url");
    // The database keeps only the hash.
    assert!(app.store.session(&value, app.now()).await.is_err());
    let me = app
        .client
        .get(app.url("/api/me"))
        .header("cookie", format!("tend_session={value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["email"], Seed::email(Role::Admin));
    assert_eq!(me["workspaces"][0]["slug"], "acme");
}

#[tokio::test]
async fn cookies_are_secure_when_configured() {
    let app = spawn_with(|s| s.with_secure_cookies(true)).await;
    seed(&app).await;
    let res = app.login(&Seed::email(Role::Admin), PASSWORD).await;
    let cookies: Vec<_> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn wrong_passwords_and_unknown_emails_get_the_same_answer() {
    let app = spawn_app().await;
    seed(&app).await;
    for (email, password) in [
        (Seed::email(Role::Admin), "wrong password!"),
        ("nobody@acme.se".to_owned(), PASSWORD),
    ] {
        let res = app.login(&email, password).await;
        assert_eq!(res.status(), 401);
        assert!(set_cookie(&res, "tend_session").is_none());
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("Wrong e-mail or password.")
        );
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_login_even_for_the_right_password() {
    let app = spawn_app().await;
    seed(&app).await;
    let email = Seed::email(Role::Analyst);
    for _ in 0..5 {
        assert_eq!(app.login(&email, "not the password").await.status(), 401);
    }
    let res = app.login(&email, PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(set_cookie(&res, "tend_session").is_none());
    // Another account from the same address still works (the address limit is higher).
    assert_eq!(
        app.login(&Seed::email(Role::Admin), PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn the_login_form_needs_its_own_csrf_cookie() {
    let app = spawn_app().await;
    seed(&app).await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("email", Seed::email(Role::Admin).as_str()),
            ("password", PASSWORD),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(set_cookie(&res, "tend_session").is_none());
}

#[tokio::test]
async fn signed_out_requests_go_to_the_login_page_or_get_401() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let res = app
        .client
        .get(app.url("/w/acme/inbox?status=done"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Fw%2Facme%2Finbox%3Fstatus%3Ddone"
    );
    let res = app
        .client
        .get(app.url("/api/w/acme/inbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .client
        .post(app.url(&format!("/api/w/acme/messages/{}/state", s.m[0])))
        .json(&serde_json::json!({"state": "done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn state_changes_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let state_url = format!("/api/w/acme/messages/{}/state", s.m[0]);
    let body = serde_json::json!({"state": "done"});
    // JSON with the cookie but no header.
    let res = app
        .client
        .post(app.url(&state_url))
        .header("cookie", &b.cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A wrong header.
    let wrong = Browser {
        csrf: "x".repeat(43),
        ..b.clone()
    };
    assert_eq!(
        app.json(reqwest::Method::POST, &state_url, &wrong, body.clone())
            .await
            .status(),
        403
    );
    // A form without the field, and with a wrong one.
    let form_url = format!("/w/acme/c/{}/state", s.m[0]);
    let res = app
        .client
        .post(app.url(&form_url))
        .header("cookie", &b.cookie)
        .form(&[("state", "done")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app.post_form(&form_url, &wrong, &[("state", "done")]).await;
    assert_eq!(res.status(), 403);
    // A cross-origin request with the right token.
    let res = app
        .client
        .post(app.url(&state_url))
        .header("cookie", &b.cookie)
        .header("x-csrf-token", &b.csrf)
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.store.message(s.acme.id, s.m[0]).await.unwrap().state,
        tend_domain::InboxState::Open,
        "nothing changed"
    );
    // With the token it works.
    assert_eq!(
        app.json(reqwest::Method::POST, &state_url, &b, body)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_form(&form_url, &b, &[("state", "open")])
            .await
            .status(),
        303
    );
    // Logging out is a state change too.
    let res = app
        .client
        .post(app.url("/logout"))
        .header("cookie", &b.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = spawn_app().await;
    seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    assert_eq!(app.get("/api/me", &b).await.status(), 200);
    let res = app.post_form("/logout", &b, &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(set_cookie(&res, "tend_session").as_deref(), Some(""));
    assert_eq!(app.get("/api/me", &b).await.status(), 401);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    for res in [
        app.client.get(app.url("/login")).send().await.unwrap(),
        app.get("/w/acme/inbox", &b).await,
        app.get("/api/me", &b).await,
    ] {
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
    let js = app
        .client
        .get(app.url("/static/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    // Without the page's fingerprint the file must be revalidated; with it, it is
    // kept for a year (a new build links a new fingerprint).
    assert_eq!(js.headers()["cache-control"], "no-cache");
    let login = app.client.get(app.url("/login")).send().await.unwrap();
    let html = login.text().await.unwrap();
    for asset in ["/static/app.js?v=", "/static/app.css?v="] {
        let at = html
            .find(asset)
            .unwrap_or_else(|| panic!("{asset} in {html}"));
        let url = &html[at..at + asset.len() + 16];
        let res = app.client.get(app.url(url)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{url}"
        );
    }
}
