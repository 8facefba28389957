//! Connecting a Mastodon channel with OAuth from the Channels page, against
//! the Mastodon fake: the form sends the admin to the instance's consent page
//! (with a PKCE challenge), the instance sends them back to Tend's callback,
//! and the channel is connected with the tokens sealed. A callback replayed,
//! or one without a code, connects nothing; only admins may start.

use crate::helpers::*;
use tend_domain::Role;

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_admin_connects_a_mastodon_account_through_the_instances_consent_page() {
    let app = spawn_app().await;
    let _s = seed(&app).await;
    let fake = tend_fakes::mastodon::FakeMastodon::start().await.unwrap();
    let admin = app.browser(&Seed::email(Role::Admin)).await;
    let res = app
        .post_form(
            "/w/acme/settings/channels/oauth",
            &admin,
            &[
                ("name", "Fediverse"),
                ("instance", &fake.url),
                ("backfill_days", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let consent = location(&res);
    assert!(
        consent.starts_with(&format!("{}/oauth/authorize?", fake.url)),
        "{consent}"
    );
    assert!(consent.contains("code_challenge_method=S256"));
    // The instance approves and sends the admin back to this server.
    let res = app.client.get(&consent).send().await.unwrap();
    assert!(res.status().is_redirection());
    let back = location(&res);
    let callback = back
        .strip_prefix(&format!("http://{}", app.addr))
        .unwrap_or_else(|| panic!("the callback is this server: {back}"))
        .to_owned();
    assert!(
        callback.starts_with("/w/acme/settings/channels/oauth/callback?"),
        "{callback}"
    );
    let res = app.get(&callback, &admin).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/w/acme/settings/channels?done=connected");
    let page = app
        .get("/w/acme/settings/channels", &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Fediverse"));
    let listed: serde_json::Value = app
        .get("/api/w/acme/channels", &admin)
        .await
        .json()
        .await
        .unwrap();
    let text = listed.to_string();
    assert!(text.contains("\"mastodon\""), "{text}");
    // No token reached the answer, the page or /healthz.
    for shown in [
        text,
        page,
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    ] {
        assert!(!shown.contains(&fake.token));
    }
    // The same callback again connects nothing and says why.
    let res = app.get(&callback, &admin).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("start again"));
    // The instance refused: nothing connected, the reason shown.
    let res = app
        .get(
            "/w/acme/settings/channels/oauth/callback?error=access_denied&error_description=The+user+said+no",
            &admin,
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("The user said no"));
}

#[tokio::test]
async fn only_admins_start_an_oauth_connection() {
    let app = spawn_app().await;
    let _s = seed(&app).await;
    for role in [
        Role::SocialMediaManager,
        Role::CommunityManager,
        Role::Client,
    ] {
        let b = app.browser(&Seed::email(role)).await;
        let res = app
            .post_form(
                "/w/acme/settings/channels/oauth",
                &b,
                &[("name", "X"), ("instance", "https://mastodon.example")],
            )
            .await;
        assert_eq!(res.status(), 403, "{role:?}");
    }
}
