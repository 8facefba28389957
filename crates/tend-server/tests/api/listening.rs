//! Listening: who may manage topics and see dashboards, workspace isolation, a bad
//! query refused with its column (API and form), CSV downloads with the formula
//! guard, stored XSS on both pages and inside the SVG, alerts, and the figures the
//! API answers.

use crate::helpers::*;
use jiff::ToSpan as _;
use reqwest::Method;
use serde_json::{Value, json};
use tend_core::listening::Listener;
use tend_core::team::Permission;
use tend_core::team::permissions::allows;
use tend_domain::*;

const EVIL_TOPIC: &str = "<script>alert(1)</script>";
const FORMULA_TOPIC: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";

/// Recent messages in Acme (inside every dashboard period) from an author with a
/// hostile display name, one an open question, then matched by the listener.
async fn recent_messages(app: &TestApp, s: &Seed) -> Vec<MessageId> {
    let store = &*app.store;
    let mut evil = NewIdentity::new(s.acme.id, ChannelKind::X, "evil2").unwrap();
    evil.display_name = Some("<img src=x onerror=alert(3)>".into());
    let evil = store.upsert_identity(&evil).await.unwrap();
    let now = app.now();
    let signals = |label, question| Signals {
        sentiment: match label {
            SentimentLabel::Positive => 0.6,
            SentimentLabel::Negative => -0.6,
            SentimentLabel::Neutral => 0.0,
        },
        sentiment_label: label,
        toxicity: 0.0,
        spam: 0.0,
        question,
    };
    let mut out = Vec::new();
    for (i, (text, label, question)) in [
        (
            "<script>alert(2)</script> where is my refund?",
            SentimentLabel::Negative,
            true,
        ),
        (
            "refund arrived, thanks #refundgate",
            SentimentLabel::Positive,
            false,
        ),
        ("refund refund #refundgate", SentimentLabel::Neutral, false),
    ]
    .into_iter()
    .enumerate()
    {
        let mut m = NewMessage::new(
            s.x.id,
            format!("recent-{i}"),
            MessageKind::Mention,
            text,
            now - (i as i64 * 10 + 5).minutes(),
        );
        m.author_id = Some(evil.id);
        m.signals = Some(signals(label, question));
        m.lang = Some("en".into());
        let stored = store.upsert_messages(s.acme.id, &[m]).await.unwrap();
        out.push(stored[0].id);
    }
    out
}

async fn catch_up(app: &TestApp) {
    Listener::default().catch_up(&*app.store).await.unwrap();
}

fn topic_body(name: &str, query: &str, role: &str) -> Value {
    json!({ "name": name, "query": query, "role": role })
}

#[tokio::test]
async fn everyone_in_the_workspace_sees_dashboards_and_managers_manage_topics() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    for role in Role::ALL {
        let b = app.browser(&Seed::email(role)).await;
        let name = format!("Refunds {}", role.as_str());
        let res = app
            .json(
                Method::POST,
                "/api/w/acme/listening/topics",
                &b,
                topic_body(&name, "refund*", "brand"),
            )
            .await;
        // Issue 13: analysts manage topics too; clients see figures, not queries.
        let manages = allows(role, Permission::ManageTopics);
        assert_eq!(
            res.status(),
            if manages { 201 } else { 403 },
            "{role:?} creates a topic"
        );
        // The form too.
        let res = app
            .post_form(
                "/w/acme/listening/topics",
                &b,
                &[
                    ("name", &format!("Form {}", role.as_str())),
                    ("role", "other"),
                    ("query", "refund"),
                ],
            )
            .await;
        assert_eq!(
            res.status(),
            if manages { 303 } else { 403 },
            "{role:?} form"
        );
        let res = app.get("/w/acme/listening", &b).await;
        assert_eq!(res.status(), 200, "{role:?} overview");
        let res = app.get("/w/acme/listening/topics", &b).await;
        let reads = allows(role, Permission::ReadTopics);
        assert_eq!(
            res.status(),
            if reads { 200 } else { 403 },
            "{role:?} topics"
        );
        let html = res.text().await.unwrap();
        assert_eq!(
            html.contains("id=\"topic-editor\""),
            manages,
            "{role:?} sees the form"
        );
        let res = app.get("/api/w/acme/listening/overview", &b).await;
        assert_eq!(res.status(), 200, "{role:?} overview API");
    }
    let topics = app.store.topics(s.acme.id).await.unwrap();
    assert_eq!(topics.len(), 8, "four roles, API and form");
    let id = topics[0].id.get();

    // Clients may look at a topic's figures but not change or delete it.
    for role in [Role::Client] {
        let b = app.browser(&Seed::email(role)).await;
        let res = app.get(&format!("/w/acme/listening/{id}"), &b).await;
        assert_eq!(res.status(), 200);
        let res = app
            .json(
                Method::PUT,
                &format!("/api/w/acme/listening/topics/{id}"),
                &b,
                topic_body("Renamed", "refund", "brand"),
            )
            .await;
        assert_eq!(res.status(), 403);
        let res = app
            .json(
                Method::DELETE,
                &format!("/api/w/acme/listening/topics/{id}"),
                &b,
                json!({}),
            )
            .await;
        assert_eq!(res.status(), 403);
        let res = app
            .post_form(&format!("/w/acme/listening/topics/{id}/delete"), &b, &[])
            .await;
        assert_eq!(res.status(), 403);
    }
    // The webhook is for admins.
    let manager = app.browser(&Seed::email(Role::SocialMediaManager)).await;
    let res = app
        .post_form(
            "/w/acme/listening/webhook",
            &manager,
            &[("url", "https://hooks.example/tend")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app.get("/api/w/acme/listening/webhook", &manager).await;
    assert_eq!(res.status(), 403);
    let admin = app.browser(&Seed::email(Role::Admin)).await;
    let res = app
        .post_form(
            "/w/acme/listening/webhook",
            &admin,
            &[("url", "https://hooks.example/tend")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.store.alert_webhook(s.acme.id).await.unwrap().as_deref(),
        Some("https://hooks.example/tend")
    );
    let res = app
        .json(
            Method::PUT,
            "/api/w/acme/listening/webhook",
            &admin,
            json!({ "url": null }),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.store.alert_webhook(s.acme.id).await.unwrap(), None);

    // Managers edit and delete, through the API and the forms.
    let res = app
        .json(
            Method::PUT,
            &format!("/api/w/acme/listening/topics/{id}"),
            &manager,
            topic_body("Renamed", "refund OR money", "competitor"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let topic: Value = res.json().await.unwrap();
    assert_eq!(topic["name"], "Renamed");
    assert_eq!(topic["role"], "competitor");
    assert_eq!(topic["revision"], 2, "a changed query is a new revision");
    let res = app
        .post_form(
            &format!("/w/acme/listening/topics/{id}"),
            &manager,
            &[
                ("name", "Renamed again"),
                ("role", "brand"),
                ("query", "refund OR money"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.store.topic(s.acme.id, TopicId(id)).await.unwrap().name,
        "Renamed again"
    );
    let edit = app
        .get(&format!("/w/acme/listening/topics?edit={id}"), &manager)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        edit.contains("value=\"Renamed again\""),
        "the form is filled"
    );
    let res = app
        .post_form(
            &format!("/w/acme/listening/topics/{id}/delete"),
            &manager,
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.topics(s.acme.id).await.unwrap().len(), 7);
    let res = app
        .json(
            Method::DELETE,
            &format!("/api/w/acme/listening/topics/{}", topics[1].id.get()),
            &manager,
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.store.topics(s.acme.id).await.unwrap().len(), 6);
}

#[tokio::test]
async fn another_workspace_answers_404_for_every_listening_route() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let acme_topic = app
        .store
        .create_topic(
            s.acme.id,
            &NewTopic {
                name: "Acme secret".into(),
                query: "refund".into(),
                role: TopicRole::Brand,
            },
            None,
        )
        .await
        .unwrap();
    let id = acme_topic.id.get();
    let globex = app.browser("admin@globex.com").await;
    for path in [
        "/w/acme/listening".to_owned(),
        "/w/acme/listening/topics".to_owned(),
        format!("/w/acme/listening/{id}"),
        format!("/w/globex/listening/{id}"),
        format!("/w/globex/listening/{id}?csv=volume"),
        format!("/w/globex/listening/topics?edit={id}"),
        "/api/w/acme/listening/topics".to_owned(),
        format!("/api/w/globex/listening/topics/{id}"),
        format!("/api/w/globex/listening/topics/{id}/dashboard"),
        "/api/w/acme/listening/overview".to_owned(),
        "/api/w/acme/listening/alerts".to_owned(),
    ] {
        let res = app.get(&path, &globex).await;
        assert_eq!(res.status(), 404, "GET {path}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("Acme secret"), "{path}");
    }
    for (method, path) in [
        (Method::PUT, format!("/api/w/globex/listening/topics/{id}")),
        (
            Method::DELETE,
            format!("/api/w/globex/listening/topics/{id}"),
        ),
        (Method::POST, "/api/w/acme/listening/topics".to_owned()),
    ] {
        let res = app
            .json(
                method.clone(),
                &path,
                &globex,
                topic_body("Stolen", "refund", "brand"),
            )
            .await;
        assert_eq!(res.status(), 404, "{method} {path}");
    }
    for path in [
        format!("/w/globex/listening/topics/{id}"),
        format!("/w/globex/listening/topics/{id}/delete"),
    ] {
        let res = app
            .post_form(
                &path,
                &globex,
                &[("name", "Stolen"), ("role", "brand"), ("query", "refund")],
            )
            .await;
        assert_eq!(res.status(), 404, "POST {path}");
    }
    let still = app.store.topic(s.acme.id, acme_topic.id).await.unwrap();
    assert_eq!(still.name, "Acme secret");
    assert!(app.store.topics(s.globex.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_query_that_does_not_parse_is_refused_with_its_column() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::CommunityManager)).await;
    let res = app
        .json(
            Method::POST,
            "/api/w/acme/listening/topics",
            &b,
            topic_body("Broken", "refund AND (money", "brand"),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unprocessable");
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("query: column "), "{message}");

    let res = app
        .post_form(
            "/w/acme/listening/topics",
            &b,
            &[
                ("name", "My <b>topic</b>"),
                ("role", "competitor"),
                ("query", "refund AND"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"query-error\""), "{html}");
    assert!(html.contains("column 8: "), "names the column: {html}");
    assert!(
        html.contains("refund AND\n       ^ "),
        "a caret under it: {html}"
    );
    // What was typed is kept (escaped).
    assert!(!html.contains("My <b>topic</b>"));
    assert!(unescape(&html).contains("value=\"My <b>topic</b>\""));
    assert!(html.contains(">refund AND</textarea>"));
    assert!(html.contains("value=\"competitor\" selected"));
    // A bad name is a 400 with the form kept.
    let res = app
        .post_form(
            "/w/acme/listening/topics",
            &b,
            &[("name", "  "), ("role", "brand"), ("query", "refund")],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("name:"));
    assert!(app.store.topics(s.acme.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn charts_download_as_csv_with_the_formula_guard() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Analyst)).await;
    let topic = app
        .store
        .create_topic(
            s.acme.id,
            &NewTopic {
                name: FORMULA_TOPIC.into(),
                query: "refund*".into(),
                role: TopicRole::Brand,
            },
            None,
        )
        .await
        .unwrap();
    recent_messages(&app, &s).await;
    catch_up(&app).await;
    let id = topic.id.get();

    let res = app
        .get("/w/acme/listening?days=7&granularity=day&csv=volume", &b)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert_eq!(
        disposition,
        "attachment; filename=\"acme-listening-volume-7d.csv\""
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "bucket_start,topic,role,messages,positive,neutral,negative,engagement"
    );
    assert_eq!(lines.len(), 1 + 7, "one row per day and topic");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",brand,")),
        "the formula is neutralised: {csv}"
    );
    // Days are local midnights in ISO 8601 with the offset (Stockholm).
    assert!(
        lines[1].starts_with(char::is_numeric) && lines[1].contains("T00:00:00+0"),
        "{}",
        lines[1]
    );
    let total: i64 = lines[1..]
        .iter()
        .map(|l| l.rsplit(',').nth(4).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(total, 3, "three recent refund messages");

    let share = app.get("/w/acme/listening?days=30&csv=share", &b).await;
    assert_eq!(share.status(), 200);
    let share = share.text().await.unwrap();
    assert!(share.starts_with("topic,messages,share_percent\r\n"));
    assert!(share.contains("\"'=HYPERLINK("), "{share}");
    assert!(share.contains(",3,100.0\r\n"), "{share}");

    for chart in [
        "volume",
        "sentiment",
        "engagement",
        "authors",
        "terms",
        "hashtags",
        "trending",
    ] {
        let res = app
            .get(
                &format!("/w/acme/listening/{id}?days=7&granularity=hour&csv={chart}"),
                &b,
            )
            .await;
        assert_eq!(res.status(), 200, "{chart}");
        assert_eq!(
            res.headers()["content-disposition"].to_str().unwrap(),
            format!("attachment; filename=\"acme-topic-{id}-{chart}-7d.csv\"")
        );
        let csv = res.text().await.unwrap();
        match chart {
            "volume" => {
                // 7 local days of hours (a daylight-saving change would make it 167 or 169).
                let rows = csv.split("\r\n").filter(|l| !l.is_empty()).count() - 1;
                assert!((167..=169).contains(&rows), "{rows}");
            }
            "sentiment" => assert!(csv.starts_with("bucket_start,positive,neutral,negative\r\n")),
            "authors" => assert!(
                csv.contains("evil2,<img src=x onerror=alert(3)>,x,3,"),
                "{csv}"
            ),
            "terms" => assert!(csv.contains("\r\nrefund,3,0,"), "{csv}"),
            "hashtags" => assert!(csv.contains("#refundgate,2,0,"), "{csv}"),
            _ => {}
        }
    }
    let res = app
        .get(&format!("/w/acme/listening/{id}?csv=nope"), &b)
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .get("/w/acme/listening?days=90&granularity=hour", &b)
        .await;
    assert_eq!(res.status(), 400, "hours over 90 days are refused");
    let res = app.get("/api/w/acme/listening/overview?days=0", &b).await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "days");
}

#[tokio::test]
async fn stored_markup_is_escaped_on_both_pages_and_inside_the_charts() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Client)).await;
    let topic = app
        .store
        .create_topic(
            s.acme.id,
            &NewTopic {
                name: EVIL_TOPIC.into(),
                query: "refund*".into(),
                role: TopicRole::Brand,
            },
            None,
        )
        .await
        .unwrap();
    let ids = recent_messages(&app, &s).await;
    catch_up(&app).await;
    let now = app.now();
    app.store
        .record_alerts(
            s.acme.id,
            &[NewAlert {
                topic_id: topic.id,
                kind: AlertKind::Volume,
                start: now - 2.hours(),
                end: now + 1.hours(),
                observed: 3,
                expected: 1234.5,
                score: 9.0,
            }],
        )
        .await
        .unwrap();

    let overview = app.get("/w/acme/listening?days=7", &b).await;
    assert_eq!(overview.status(), 200);
    let overview = overview.text().await.unwrap();
    let topic_page = app
        .get(&format!("/w/acme/listening/{}?days=7", topic.id.get()), &b)
        .await;
    assert_eq!(topic_page.status(), 200);
    let topic_page = topic_page.text().await.unwrap();
    for (what, html) in [("overview", &overview), ("topic", &topic_page)] {
        assert!(!html.contains(EVIL_TOPIC), "{what}: raw topic name");
        assert!(!html.contains("<script>alert"), "{what}");
        assert!(!html.contains("<img src=x"), "{what}");
        assert!(unescape(html).contains(EVIL_TOPIC), "{what}: name shown");
        assert!(html.contains("Volume spike"), "{what}: the alert is listed");
        // What drives it: three mentions, each its own conversation; the first
        // (the script payload, escaped) is linked.
        assert!(
            html.contains("Many conversations; the largest has 1 of 3"),
            "{what}: the driver"
        );
        let link = format!("<a href=\"/w/acme/c/{}\">", ids[0].get());
        let linked = html.split(&link).nth(1).unwrap_or("");
        assert!(
            unescape(linked).starts_with("<script>alert(2)</script> where is my refund?</a>"),
            "{what}: the largest conversation, escaped"
        );
        // Inside the SVG the name is escaped too.
        let svgs: Vec<&str> = html.split("<svg ").skip(1).collect();
        assert!(!svgs.is_empty(), "{what}: charts drawn");
        assert!(
            svgs.iter()
                .all(|svg| !svg.split("</svg>").next().unwrap().contains("<script")),
            "{what}: no script inside a chart"
        );
    }
    assert!(
        overview.matches("role=\"img\"").count() >= 2,
        "volume and share"
    );
    // The API carries the same driver, beside the alert.
    let api: Value = app
        .get("/api/w/acme/listening/overview?days=7", &b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api["drivers"][0]["total"], 3, "{api}");
    assert_eq!(api["drivers"][0]["one_conversation"], false);
    assert_eq!(api["drivers"][0]["top"]["root"], ids[0].get());
    assert_eq!(api["drivers"][0]["top"]["messages"], 1);
    let chart_text = |html: &str| -> bool {
        html.split("<svg ").skip(1).any(|svg| {
            svg.split("</svg>")
                .next()
                .unwrap()
                .contains("&lt;script&gt;alert(1)")
        })
    };
    assert!(chart_text(&overview), "the name is in the charts, escaped");
    // The topic page: six charts, the author's name escaped inside the bar chart,
    // the question to answer linking to its conversation.
    assert_eq!(topic_page.matches("role=\"img\"").count(), 6);
    assert!(
        topic_page
            .split("id=\"chart-authors\"")
            .nth(1)
            .unwrap()
            .split("</figure>")
            .next()
            .unwrap()
            .contains("&lt;img src=x onerror=alert(3)&gt;"),
        "the author, escaped, in the bar chart"
    );
    assert!(topic_page.contains(&format!("href=\"/w/acme/c/{}\"", ids[0].get())));
    assert!(unescape(&topic_page).contains("<script>alert(2)</script> where is my refund?"));
    assert!(topic_page.contains("Dunning log-likelihood G²"));
    assert!(topic_page.contains("Alert periods are shaded."));

    // In Swedish: labels and numbers follow.
    let res = app
        .post_form(
            "/settings/locale",
            &b,
            &[("locale", "sv"), ("back", "/w/acme/listening")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let sv = app
        .get(&format!("/w/acme/listening/{}?days=7", topic.id.get()), &b)
        .await
        .text()
        .await
        .unwrap();
    assert!(sv.contains("Volymtopp"), "alert kind in Swedish");
    assert!(sv.contains("Mest aktiva skribenter"));
    assert!(
        sv.contains("1\u{a0}234,5"),
        "the expected count written the Swedish way"
    );
    assert!(topic_page.contains("1,234.5"), "and the English way");
}

#[tokio::test]
async fn the_api_answers_the_dashboards_figures() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let b = app.browser(&Seed::email(Role::Analyst)).await;
    let manager = app.browser(&Seed::email(Role::Admin)).await;
    let res = app
        .json(
            Method::POST,
            "/api/w/acme/listening/topics",
            &manager,
            topic_body("Refunds", "refund*", "brand"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let topic: Value = res.json().await.unwrap();
    let id = topic["id"].as_i64().unwrap();
    assert_eq!(topic["backfill"]["finished"], false);
    let recent = recent_messages(&app, &s).await;
    catch_up(&app).await;

    let o: Value = app
        .get("/api/w/acme/listening/overview?days=7&granularity=day", &b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(o["period"]["buckets"].as_array().unwrap().len(), 7);
    assert_eq!(o["series"][0]["topic"]["name"], "Refunds");
    assert_eq!(o["series"][0]["total"]["messages"], 3);
    assert_eq!(o["series"][0]["total"]["positive"], 1);
    assert_eq!(o["series"][0]["total"]["negative"], 1);
    assert_eq!(o["share_of_voice"][0]["messages"], 3);
    let d: Value = app
        .get(
            &format!("/api/w/acme/listening/topics/{id}/dashboard?days=7"),
            &b,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["series"]["total"]["messages"], 3);
    assert_eq!(d["authors"][0]["handle"], "evil2");
    assert_eq!(d["authors"][0]["messages"], 3);
    // The question of the recent messages (the seed's questions are dated later
    // and count too: "to answer" has no end).
    assert!(
        d["to_answer"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == recent[0].get()),
        "{d}"
    );
    assert!(
        d["terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["term"] == "refund" && t["current"] == 3)
    );
    let listed: Value = app
        .get("/api/w/acme/listening/topics", &b)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["backfill"]["finished"], true);
    let alerts = app.get("/api/w/acme/listening/alerts?days=7", &b).await;
    assert_eq!(alerts.status(), 200);
    assert_eq!(alerts.json::<Value>().await.unwrap(), json!([]));
}
