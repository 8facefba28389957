//! The conversation view and its actions: state, snooze, assignment, tags,
//! sentiment corrections, notes with mentions, and replies queued in the outbox.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};
use tend_domain::{InboxState, OutboxState, Role, SentimentLabel};

#[tokio::test]
async fn the_thread_shows_in_reply_order_with_the_author_card() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    // Opening the reply shows the whole thread.
    let html = app
        .get(&format!("/w/acme/c/{}", s.m[1]), &b)
        .await
        .text()
        .await
        .unwrap();
    let root = html.find(&format!("id=\"m{}\"", s.m[0])).unwrap();
    let reply = html.find(&format!("id=\"m{}\"", s.m[1])).unwrap();
    assert!(root < reply);
    assert!(html.contains(&format!("class=\"msg depth-1 current\" id=\"m{}\"", s.m[1])));
    assert!(html.contains("@kim"));
    assert!(html.contains("Earlier conversations"));
    assert!(
        html.contains("Why this sentiment?"),
        "the sentiment explanation"
    );
    // Entities are links: the hashtag searches the inbox.
    assert!(unescape(&html).contains(
        "<a href=\"/w/acme/inbox?status=all&q=%23billing\" rel=\"noopener noreferrer nofollow\">#billing</a>"
    ));
    let api: Value = app
        .get(&format!("/api/w/acme/messages/{}", s.m[1]), &b)
        .await
        .json()
        .await
        .unwrap();
    let depths: Vec<_> = api["thread"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["depth"].as_i64().unwrap())
        .collect();
    assert_eq!(depths, [0, 1]);
}

/// Facebook shows names, not handles: "Sam Evans", never "@Sam Evans".
#[tokio::test]
async fn a_facebook_author_is_shown_by_name_without_an_at_handle() {
    use tend_domain::{ChannelKind, MessageKind, NewChannel, NewIdentity, NewMessage};
    let app = spawn_app().await;
    let s = seed(&app).await;
    let store = &*app.store;
    let fb = store
        .create_channel(&NewChannel::new(s.acme.id, ChannelKind::Facebook, "Page").unwrap())
        .await
        .unwrap();
    let mut sam = NewIdentity::new(s.acme.id, ChannelKind::Facebook, "Sam Evans").unwrap();
    sam.external_id = "6100000000001".into();
    sam.display_name = Some("Sam Evans".into());
    let sam = store.upsert_identity(&sam).await.unwrap();
    let mut m = NewMessage::new(
        fb.id,
        "1_2",
        MessageKind::Comment,
        "Is there a discount?",
        app.now(),
    );
    m.author_id = Some(sam.id);
    let id = store.upsert_messages(s.acme.id, &[m]).await.unwrap()[0].id;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let html = app
        .get(&format!("/w/acme/c/{id}"), &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Sam Evans"));
    assert!(!html.contains("@Sam Evans"), "no @ before a Facebook name");
}

#[tokio::test]
async fn actions_change_the_conversation_and_its_history() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::CommunityManager)).await;
    let base = format!("/w/acme/c/{}", s.m[0]);
    let ok = |res: reqwest::Response| {
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], base.as_str());
    };
    ok(app
        .post_form(&format!("{base}/state"), &b, &[("state", "done")])
        .await);
    assert_eq!(
        app.store.message(s.acme.id, s.m[0]).await.unwrap().state,
        InboxState::Done
    );
    ok(app
        .post_form(&format!("{base}/state"), &b, &[("state", "open")])
        .await);
    ok(app
        .post_form(
            &format!("{base}/snooze"),
            &b,
            &[("until", "2099-01-02T09:30")],
        )
        .await);
    let m = app.store.message(s.acme.id, s.m[0]).await.unwrap();
    assert_eq!(m.state, InboxState::Snoozed);
    assert_eq!(
        m.snoozed_until.unwrap().to_string(),
        "2099-01-02T08:30:00Z",
        "local time in Stockholm"
    );
    assert_eq!(
        app.post_form(
            &format!("{base}/snooze"),
            &b,
            &[("until", "2001-01-01T00:00")]
        )
        .await
        .status(),
        400,
        "not in the past"
    );
    let analyst = s.user(Role::Analyst).id;
    ok(app
        .post_form(
            &format!("{base}/assign"),
            &b,
            &[("assignee", &analyst.to_string())],
        )
        .await);
    ok(app
        .post_form(&format!("{base}/tag"), &b, &[("tag", "Billing")])
        .await);
    let tag = app.store.tags(s.acme.id).await.unwrap()[0].clone();
    ok(app
        .post_form(
            &format!("{base}/untag"),
            &b,
            &[("tag", &tag.id.to_string())],
        )
        .await);
    ok(app
        .post_form(&format!("{base}/sentiment"), &b, &[("label", "positive")])
        .await);
    let m = app.store.message(s.acme.id, s.m[0]).await.unwrap();
    assert_eq!(
        (m.assignee_id, m.tags.len(), m.sentiment_corrected),
        (Some(analyst), 0, Some(SentimentLabel::Positive))
    );
    let kinds: Vec<_> = app
        .store
        .message_events(s.acme.id, s.m[0])
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "state",
            "state",
            "state",
            "assigned",
            "tagged",
            "untagged",
            "sentiment_corrected"
        ]
    );
    let html = app.get(&base, &b).await.text().await.unwrap();
    assert!(html.contains("corrected the sentiment to Positive"));
    assert!(html.contains("aria-pressed=\"true\">Positive"));
    // Unknown actions and bad values.
    assert_eq!(
        app.post_form(&format!("{base}/explode"), &b, &[])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.post_form(&format!("{base}/sentiment"), &b, &[("label", "angry")])
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn notes_mention_teammates() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let res = app
        .json(
            Method::POST,
            &format!("/api/w/acme/messages/{}/notes", s.m[0]),
            &b,
            json!({"text": "@community-manager please call, cc @nobody and admin@globex.com"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let note: Value = res.json().await.unwrap();
    assert_eq!(
        note["mentions"],
        json!([s.user(Role::CommunityManager).id]),
        "only teammates of this workspace"
    );
    let html = app
        .get(&format!("/w/acme/c/{}", s.m[0]), &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("@community-manager please call"));
    assert_eq!(
        app.json(
            Method::POST,
            &format!("/api/w/acme/messages/{}/notes", s.m[0]),
            &b,
            json!({"text": "  "})
        )
        .await
        .status(),
        400
    );
}

#[tokio::test]
async fn replies_are_validated_for_the_network_and_queued_in_the_outbox() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::SocialMediaManager)).await;
    let url = format!("/api/w/acme/messages/{}/replies", s.m[0]);
    // X counts weighted length: 141 CJK characters weigh 282 > 280.
    let res = app
        .json(Method::POST, &url, &b, json!({"text": "字".repeat(141)}))
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["problems"][0]["kind"], "too_long");
    assert_eq!(body["problems"][0]["length"], 282);
    assert_eq!(
        app.json(Method::POST, &url, &b, json!({"text": "   "}))
            .await
            .status(),
        422
    );
    let res = app
        .json(Method::POST, &url, &b, json!({"text": "字".repeat(140)}))
        .await;
    assert_eq!(res.status(), 201);
    let item: Value = res.json().await.unwrap();
    assert_eq!(item["state"], "queued");
    assert_eq!(item["channel_id"], json!(s.x.id));
    // The form shows the problem and keeps the text.
    let long = "a".repeat(281);
    let res = app
        .post_form(
            &format!("/w/acme/c/{}/reply", s.m[0]),
            &b,
            &[("text", &long)],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("too long for this network (281 / 280)"));
    assert!(html.contains(&long));
    let queued = app.store.message_outbox(s.acme.id, s.m[0]).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].state, OutboxState::Queued);
    let audit = app
        .store
        .outbox_events(s.acme.id, queued[0].id)
        .await
        .unwrap();
    assert_eq!(
        (audit.len(), audit[0].user_id),
        (1, Some(s.user(Role::SocialMediaManager).id))
    );
    let page = app
        .get(&format!("/w/acme/c/{}", s.m[0]), &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<span class=\"badge outbox-state\">queued</span>"));
    assert!(page.contains("queued a reply"));
}
