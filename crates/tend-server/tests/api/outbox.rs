//! A reply's way out over HTTP: cancelled while queued, failed by the sender
//! (an imported channel cannot send), retried, sent on a simulated channel
//! with the network's id shown; a client may do none of it, and another
//! conversation's or workspace's reply is not found.

use crate::channels::{connected, message_in, reply, run_sender};
use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};
use tend_domain::{OutboxId, OutboxState, Role};

#[tokio::test]
async fn a_reply_is_cancelled_while_queued_and_retried_after_it_failed() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::CommunityManager)).await;
    // The seed's X channel is imported: the sender fails its replies.
    let m = s.m[0];
    let first = reply(&app, &b, m, "We are on it").await;
    let conversation = format!("/w/acme/c/{m}");
    let page = app.get(&conversation, &b).await.text().await.unwrap();
    assert!(
        page.contains("action=\"/w/acme/c/") && page.contains("/cancel-reply\""),
        "{page}"
    );
    assert!(
        page.contains(&format!("id=\"outbox-{first}\" data-pending")),
        "{page}"
    );
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/outbox/{first}/cancel"),
            &b,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let item: Value = res.json().await.unwrap();
    assert_eq!(item["state"], "cancelled");
    // Cancelled is final.
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/outbox/{first}/cancel"),
            &b,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 409);

    let second = reply(&app, &b, m, "Refund sent today").await;
    run_sender(&app, &s, second).await;
    let failed = app
        .store
        .outbox_item(s.acme.id, OutboxId(second))
        .await
        .unwrap();
    assert_eq!(failed.state, OutboxState::Failed);
    let page = app.get(&conversation, &b).await.text().await.unwrap();
    assert!(
        page.contains("class=\"badge outbox-state\">failed</span>"),
        "{page}"
    );
    assert!(page.contains("not connected to its network"), "{page}");
    assert!(page.contains("/retry-reply\""), "{page}");
    assert!(
        page.contains("class=\"badge outbox-state\">cancelled</span>"),
        "{page}"
    );
    // Retry through the page's form: queued again, Cancel offered again.
    let res = app
        .post_form(
            &format!("{conversation}/retry-reply"),
            &b,
            &[("outbox", &second.to_string())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let again = app
        .store
        .outbox_item(s.acme.id, OutboxId(second))
        .await
        .unwrap();
    assert_eq!(again.state, OutboxState::Queued);
    // And through the API after it failed once more.
    run_sender(&app, &s, second).await;
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/outbox/{second}/retry"),
            &b,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["state"], "queued");
    // The page's cancel form.
    let res = app
        .post_form(
            &format!("{conversation}/cancel-reply"),
            &b,
            &[("outbox", &second.to_string())],
        )
        .await;
    assert_eq!(res.status(), 303);
    // A reply of another conversation is not found from this one.
    let third = reply(&app, &b, s.m[3], "Tack!").await;
    let res = app
        .post_form(
            &format!("{conversation}/cancel-reply"),
            &b,
            &[("outbox", &third.to_string())],
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_client_can_neither_cancel_nor_retry_a_reply_nor_see_the_buttons() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let cm = app.browser(&Seed::email(Role::CommunityManager)).await;
    let item = reply(&app, &cm, s.m[0], "On it").await;
    let client = app.browser(&Seed::email(Role::Client)).await;
    for action in ["cancel", "retry"] {
        let res = app
            .json(
                Method::POST,
                &format!("/api/w/acme/outbox/{item}/{action}"),
                &client,
                json!({}),
            )
            .await;
        assert_eq!(res.status(), 403, "{action}");
    }
    let res = app
        .post_form(
            &format!("/w/acme/c/{}/cancel-reply", s.m[0]),
            &client,
            &[("outbox", &item.to_string())],
        )
        .await;
    assert_eq!(res.status(), 403);
    let page = app
        .get(&format!("/w/acme/c/{}", s.m[0]), &client)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("On it"), "{page}");
    assert!(!page.contains("cancel-reply"), "{page}");
    let still = app
        .store
        .outbox_item(s.acme.id, OutboxId(item))
        .await
        .unwrap();
    assert_eq!(still.state, OutboxState::Queued);
    // Another workspace's reply is not found, whatever the role.
    let globex = app.browser("admin@globex.com").await;
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/globex/outbox/{item}/cancel"),
            &globex,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_reply_sent_on_a_simulated_channel_shows_the_networks_id() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let admin = app.browser(&Seed::email(Role::Admin)).await;
    let id = connected(&app, &admin, "Demo feed").await;
    let m = message_in(&app, &s, id, "sim-9").await;
    let item = reply(&app, &admin, m, "Yes, see you there!").await;
    run_sender(&app, &s, item).await;
    let sent = app
        .store
        .outbox_item(s.acme.id, OutboxId(item))
        .await
        .unwrap();
    assert_eq!(sent.state, OutboxState::Sent, "{sent:?}");
    let remote = sent.remote_id.unwrap();
    let page = app
        .get(&format!("/w/acme/c/{m}"), &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("class=\"badge outbox-state\">sent</span>"),
        "{page}"
    );
    assert!(page.contains(&remote), "{page}");
    assert!(
        !page.contains(&format!("id=\"outbox-{item}\" data-pending")),
        "{page}"
    );
}
