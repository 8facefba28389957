//! The inbox: filters in the URL, search, counts per status, paging, bulk actions.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};
use tend_domain::{InboxState, Role};

async fn ids(app: &TestApp, b: &Browser, query: &str) -> Vec<String> {
    let res = app.get(&format!("/api/w/acme/inbox?{query}"), b).await;
    assert_eq!(res.status(), 200, "{query}");
    let body: Value = res.json().await.unwrap();
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["external_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_filter_narrows_the_list() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::CommunityManager)).await;
    assert_eq!(
        ids(&app, &b, "").await,
        ["m4", "m3", "m2", "m1"],
        "open, newest first"
    );
    assert_eq!(ids(&app, &b, "sort=oldest").await, ["m1", "m2", "m3", "m4"]);
    assert_eq!(
        ids(&app, &b, "sort=oldest&limit=2&before=").await,
        ["m1", "m2"]
    );
    let bad = app.get("/api/w/acme/inbox?sort=sideways", &b).await;
    assert_eq!(bad.status(), 400);
    assert_eq!(ids(&app, &b, "q=refund").await, ["m2", "m1"]);
    assert_eq!(ids(&app, &b, "q=REFUND+waiting").await, ["m2"]);
    assert_eq!(ids(&app, &b, "sentiment=positive").await, ["m4"]);
    assert_eq!(ids(&app, &b, "lang=sv").await, ["m4"]);
    assert_eq!(ids(&app, &b, "question=yes").await, ["m1"]);
    assert_eq!(ids(&app, &b, "toxic=yes").await, ["m3"]);
    assert_eq!(ids(&app, &b, &format!("channel={}", s.x.id)).await.len(), 4);
    // Dates are days in the workspace's zone (Stockholm); m1 is at 10:00 local on 1 Dec.
    assert_eq!(
        ids(&app, &b, "from=2026-12-01&to=2026-12-01").await.len(),
        4
    );
    assert!(ids(&app, &b, "from=2026-12-02").await.is_empty());
    assert!(ids(&app, &b, "to=2026-11-30").await.is_empty());
    // Empty values mean no filter, as an HTML form sends them.
    assert_eq!(
        ids(
            &app,
            &b,
            "q=&channel=&tag=&sentiment=&assignee=&question=&toxic=&lang=&from=&to="
        )
        .await
        .len(),
        4
    );
    // Assignee and tag filters follow actions.
    let me = s.user(Role::CommunityManager).id;
    app.json(
        Method::POST,
        &format!("/api/w/acme/messages/{}/assign", s.m[1]),
        &b,
        json!({"assignee": me}),
    )
    .await;
    assert_eq!(ids(&app, &b, "assignee=me").await, ["m2"]);
    assert_eq!(ids(&app, &b, &format!("assignee={me}")).await, ["m2"]);
    assert_eq!(ids(&app, &b, "assignee=none").await, ["m4", "m3", "m1"]);
    let tag: Value = app
        .json(
            Method::POST,
            &format!("/api/w/acme/messages/{}/tags", s.m[3]),
            &b,
            json!({"name": "Praise"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&app, &b, &format!("tag={}", tag["id"])).await, ["m4"]);
    // Bad values name the parameter.
    for (query, field) in [
        ("status=later", "status"),
        ("channel=x", "channel"),
        ("question=maybe", "question"),
        ("from=1.12.2026", "from"),
        ("before=zzz", "before"),
        ("limit=0", "limit"),
        ("sentiment=angry", "sentiment"),
    ] {
        let res = app.get(&format!("/api/w/acme/inbox?{query}"), &b).await;
        assert_eq!(res.status(), 400, "{query}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["field"], field);
    }
}

#[tokio::test]
async fn pages_follow_the_cursor_and_counts_cover_every_status() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let first: Value = app
        .get("/api/w/acme/inbox?limit=3", &b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["messages"].as_array().unwrap().len(), 3);
    let next = first["next"].as_str().unwrap().to_owned();
    assert_eq!(
        ids(&app, &b, &format!("limit=3&before={next}")).await,
        ["m1"]
    );
    let last: Value = app
        .get(&format!("/api/w/acme/inbox?limit=3&before={next}"), &b)
        .await
        .json()
        .await
        .unwrap();
    assert!(last["next"].is_null());
    assert_eq!(
        first["counts"],
        json!({"open": 4, "done": 0, "snoozed": 0, "archived": 0})
    );
    // The page links the next page with the same filters.
    let html = app
        .get("/w/acme/inbox?limit=3&q=", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!(
            "href=\"/w/acme/inbox?q=&amp;limit=3&amp;before={next}\""
        )) || html.contains(&format!("before={next}")),
        "next link"
    );
    drop(s);
}

#[tokio::test]
async fn bulk_actions_change_every_selected_conversation() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::SocialMediaManager)).await;
    let back = "/w/acme/inbox?sentiment=negative";
    let res = app
        .post_form(
            "/w/acme/inbox/bulk",
            &b,
            &[
                ("id", &s.m[0].to_string()),
                ("id", &s.m[1].to_string()),
                ("action", "done"),
                ("back", back),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], back, "back to the same filters");
    for id in &s.m[..2] {
        assert_eq!(
            app.store.message(s.acme.id, *id).await.unwrap().state,
            InboxState::Done
        );
    }
    let counts: Value = app.get("/api/w/acme/inbox", &b).await.json().await.unwrap();
    assert_eq!(counts["counts"]["done"], 2);
    assert_eq!(counts["counts"]["open"], 2);
    // An outside "back" address is not followed.
    let res = app
        .post_form(
            "/w/acme/inbox/bulk",
            &b,
            &[
                ("id", &s.m[0].to_string()),
                ("action", "open"),
                ("back", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/w/acme/inbox");
    // Tag and assign through the API.
    let res = app
        .json(
            Method::POST,
            "/api/w/acme/inbox/bulk",
            &b,
            json!({"ids": [s.m[2], s.m[3]], "action": "tag", "tag": "Weekly"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let cm = s.user(Role::CommunityManager).id;
    let res = app
        .json(
            Method::POST,
            "/api/w/acme/inbox/bulk",
            &b,
            json!({"ids": [s.m[2], s.m[3]], "action": "assign", "assignee": cm}),
        )
        .await;
    assert_eq!(res.status(), 200);
    for id in &s.m[2..] {
        let m = app.store.message(s.acme.id, *id).await.unwrap();
        assert_eq!((m.tags.len(), m.assignee_id), (1, Some(cm)));
    }
    let history = app.store.message_events(s.acme.id, s.m[2]).await.unwrap();
    assert_eq!(history.len(), 2, "each change is in the history");
    // Nothing selected, or an unknown action, is a 400.
    assert_eq!(
        app.post_form("/w/acme/inbox/bulk", &b, &[("action", "done")])
            .await
            .status(),
        400
    );
    assert_eq!(
        app.json(
            Method::POST,
            "/api/w/acme/inbox/bulk",
            &b,
            json!({"ids": [s.m[0]], "action": "delete"})
        )
        .await
        .status(),
        400
    );
}

#[tokio::test]
async fn the_page_shows_filters_counts_and_rows() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let html = app
        .get("/w/acme/inbox?sentiment=negative&q=refund", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Where is my refund?"));
    assert!(!html.contains("tack för hjälpen"));
    assert!(
        html.contains("<option value=\"negative\" selected>"),
        "the filter state is kept"
    );
    assert!(html.contains("value=\"refund\""));
    assert!(html.contains(&format!("data-href=\"/w/acme/c/{}\"", s.m[0])));
    assert!(html.contains("Open <span class=\"count\">4</span>"));
    assert!(html.contains("Showing 2 conversations"));
}

/// Issue 15: private (direct) messages are marked in the list and filter in
/// and out with `private=yes|no`.
#[tokio::test]
async fn private_messages_are_marked_and_filtered() {
    use tend_domain::{MessageKind, NewMessage};
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::CommunityManager)).await;
    let at: jiff::Timestamp = "2026-12-01T14:00:00Z".parse().unwrap();
    let dm = NewMessage::new(
        s.x.id,
        "dm-1",
        MessageKind::DirectMessage,
        "My order number is 4411",
        at,
    );
    app.store.upsert_messages(s.acme.id, &[dm]).await.unwrap();
    let all = ids(&app, &b, "").await;
    assert!(all.contains(&"dm-1".to_owned()));
    assert_eq!(ids(&app, &b, "private=yes").await, ["dm-1"]);
    let public = ids(&app, &b, "private=no").await;
    assert_eq!(public.len(), all.len() - 1);
    assert!(!public.contains(&"dm-1".to_owned()));
    assert_eq!(
        app.get("/api/w/acme/inbox?private=maybe", &b)
            .await
            .status(),
        400
    );
    let html = app
        .get("/w/acme/inbox?private=yes", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<span class=\"badge private\""), "{html}");
    assert!(html.contains("My order number is 4411"));
}

/// Issue 15: a review's stars show in the inbox row and the conversation with an
/// accessible label (EN and SV), the API's message carries `rating`, and
/// `rating_max` lists the low ratings.
#[tokio::test]
async fn reviews_show_their_stars_and_filter_by_rating() {
    use tend_domain::{MessageKind, NewMessage, Rating};
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::CommunityManager)).await;
    let at: jiff::Timestamp = "2026-12-01T14:00:00Z".parse().unwrap();
    let review = |id: &str, tenths: i64, title: &str| {
        let mut m = NewMessage::new(s.x.id, id, MessageKind::Review, "Review text", at);
        m.rating = Some(Rating::from_tenths(tenths).unwrap());
        m.title = Some(title.into());
        m
    };
    let stored = app
        .store
        .upsert_messages(
            s.acme.id,
            &[
                review("low", 10, "<b>Crashes</b>"),
                review("high", 45, "Great"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(ids(&app, &b, "rating_max=2").await, ["low"]);
    assert_eq!(ids(&app, &b, "rating_max=4.5").await.len(), 2);
    assert_eq!(ids(&app, &b, "rating_max=").await.len(), 6);
    for bad in ["6", "0", "two", "-1"] {
        let res = app
            .get(&format!("/api/w/acme/inbox?rating_max={bad}"), &b)
            .await;
        assert_eq!(res.status(), 400, "{bad}");
    }

    let api: Value = app
        .get(&format!("/api/w/acme/messages/{}", stored[1].id), &b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api["message"]["rating"], json!(4.5), "{api}");
    let unrated: Value = app
        .get(&format!("/api/w/acme/messages/{}", s.m[0]), &b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unrated["message"]["rating"], Value::Null);

    let inbox = app.get("/w/acme/inbox", &b).await.text().await.unwrap();
    assert!(
        inbox.contains(r#"aria-label="Rated 4.5 out of 5 stars""#),
        "{inbox}"
    );
    assert!(inbox.contains("★☆☆☆☆ 1"), "{inbox}");
    assert!(!inbox.contains("<b>Crashes"), "titles stay escaped");
    let page = app
        .get(&format!("/w/acme/c/{}", stored[0].id), &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"aria-label="Rated 1 out of 5 stars""#),
        "{page}"
    );
    let filtered = app
        .get("/w/acme/inbox?rating_max=2", &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        filtered.contains(r#"<option value="2" selected>"#),
        "{filtered}"
    );

    // In Swedish: a decimal comma and a Swedish label.
    let res = app
        .post_form(
            "/settings/locale",
            &b,
            &[("locale", "sv"), ("back", "/w/acme/inbox")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let sv = app.get("/w/acme/inbox", &b).await.text().await.unwrap();
    assert!(
        sv.contains(r#"aria-label="Betyg 4,5 av 5 stjärnor""#),
        "{sv}"
    );
}
