//! The role × route matrix, driven by the permission table: every route names the
//! `Permission` it needs, and what each role gets (the route's success status or
//! 403) comes from `tend_core::team::permissions`, never from a list written here.
//! Every API operation of the OpenAPI description is in the matrix (a test checks),
//! and the pages say why an action is absent.

mod channels;

use crate::helpers::*;
use crate::moderation::{RULES, queue};
use reqwest::Method;
use serde_json::json;
use tend_core::team::Permission;
use tend_core::team::permissions::allows;
use tend_domain::{NewTopic, Role, TagName, TopicRole, WorkspaceId};

/// How a route is called.
enum Call {
    /// A GET.
    Get,
    /// A JSON request with this method and body.
    Json(Method, serde_json::Value),
    /// A urlencoded form POST.
    Form(Vec<(&'static str, String)>),
}

/// One route: the documented template, the concrete URL, how to call it, the
/// status when allowed, and the permission it needs (`None`: anyone signed in).
struct Route {
    template: &'static str,
    url: String,
    call: Call,
    ok: u16,
    needs: Option<Permission>,
}

fn route(
    template: &'static str,
    url: impl Into<String>,
    call: Call,
    ok: u16,
    needs: Option<Permission>,
) -> Route {
    Route {
        template,
        url: url.into(),
        call,
        ok,
        needs,
    }
}

fn method_of(call: &Call) -> &'static str {
    match call {
        Call::Get => "GET",
        Call::Form(_) => "POST",
        Call::Json(m, _) => match *m {
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::DELETE => "DELETE",
            _ => "GET",
        },
    }
}

/// Fresh targets per role, so destructive routes meet something to destroy.
struct Targets {
    topic: i64,
    spare_topic: i64,
    page_topic: i64,
    tag: i64,
    token: i64,
    /// Two dead letters of Acme: one for the API's retry, one for the page's.
    dead_jobs: [i64; 2],
    /// Live channels and replies on their way out.
    channels: channels::ChannelTargets,
}

/// A dead letter of the workspace (a job that failed its only attempt).
pub async fn dead_job(app: &TestApp, ws: WorkspaceId, key: &str) -> i64 {
    failed_job(app, ws, key, "unreadable job payload").await
}

/// A job of the workspace that failed its only attempt with `error`.
pub async fn failed_job(app: &TestApp, ws: WorkspaceId, key: &str, error: &str) -> i64 {
    use tend_store::jobs::NewJob;
    let now = app.now();
    let job = NewJob {
        kind: "rule_action".into(),
        payload: "{}".into(),
        workspace: Some(ws),
        key: Some(key.to_owned()),
        run_at: now,
        max_attempts: 1,
        every: None,
        lane: Default::default(),
    };
    app.store.enqueue_job(&job, now).await.unwrap();
    let claimed = app
        .store
        .claim_jobs("matrix", now, jiff::SignedDuration::from_secs(60), 100)
        .await
        .unwrap();
    let mine = claimed
        .iter()
        .find(|j| j.key.as_deref() == Some(key))
        .unwrap()
        .id;
    for j in &claimed {
        app.store
            .fail_job(j.id, "matrix", error, None, now)
            .await
            .unwrap();
    }
    mine.get()
}

async fn targets(app: &TestApp, s: &Seed, role: Role) -> Targets {
    let topic = |name: String| NewTopic {
        name,
        query: "refund".into(),
        role: TopicRole::Other,
    };
    let mut ids = Vec::new();
    for n in ["api", "spare", "page"] {
        let t = app
            .store
            .create_topic(s.acme.id, &topic(format!("{n} {role:?}")), None)
            .await
            .unwrap();
        ids.push(t.id.get());
    }
    let tag = app
        .store
        .ensure_tag(s.acme.id, &TagName::parse("matrix").unwrap())
        .await
        .unwrap();
    app.store
        .tag_message(s.acme.id, s.m[0], tag.id, None)
        .await
        .unwrap();
    let (token, _) = tend_core::access::create_token(&*app.store, s.user(role).id, "matrix")
        .await
        .unwrap();
    Targets {
        topic: ids[0],
        spare_topic: ids[1],
        page_topic: ids[2],
        tag: tag.id.get(),
        token: token.id.get(),
        dead_jobs: [
            dead_job(app, s.acme.id, &format!("matrix-api-{role:?}")).await,
            dead_job(app, s.acme.id, &format!("matrix-page-{role:?}")).await,
        ],
        channels: channels::targets(app, s, s.m[0], role).await,
    }
}

/// Every API operation and every workspace page, with the permission it needs.
fn routes(m: i64, version: i64, review: i64, t: &Targets, role: Role) -> Vec<Route> {
    use Permission::*;
    let api = |rest: &str| format!("/api/w/acme{rest}");
    let page = |rest: &str| format!("/w/acme{rest}");
    let post = |body: serde_json::Value| Call::Json(Method::POST, body);
    let form = |fields: &[(&'static str, &str)]| {
        Call::Form(fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
    };
    let topic_name = format!("new {role:?}");
    let form_name = format!("form {role:?}");
    let page_name = format!("page {role:?}");
    let live = channels::routes(m, &t.channels, role);
    let mut all = vec![
        // Account.
        route(
            "/api/openapi.json",
            "/api/openapi.json",
            Call::Get,
            200,
            None,
        ),
        route("/api/me", "/api/me", Call::Get, 200, None),
        route("/api/tokens", "/api/tokens", Call::Get, 200, None),
        route(
            "/api/tokens",
            "/api/tokens",
            post(json!({"name": "ci"})),
            201,
            Some(ManageApiTokens),
        ),
        route(
            "/api/tokens/{id}",
            format!("/api/tokens/{}", t.token),
            Call::Json(Method::DELETE, json!({})),
            204,
            None,
        ),
        route("/settings/tokens", "/settings/tokens", Call::Get, 200, None),
        route(
            "/settings/tokens",
            "/settings/tokens",
            form(&[("name", "script")]),
            200,
            Some(ManageApiTokens),
        ),
        // Inbox and conversations.
        route(
            "/api/w/{slug}/inbox",
            api("/inbox"),
            Call::Get,
            200,
            Some(ReadInbox),
        ),
        route(
            "/api/w/{slug}/inbox/bulk",
            api("/inbox/bulk"),
            post(json!({"ids": [m], "action": "open"})),
            200,
            Some(WorkInbox),
        ),
        route(
            "/api/w/{slug}/messages/{id}",
            api(&format!("/messages/{m}")),
            Call::Get,
            200,
            Some(ReadInbox),
        ),
        route(
            "/api/w/{slug}/messages/{id}/state",
            api(&format!("/messages/{m}/state")),
            post(json!({"state": "open"})),
            200,
            Some(WorkInbox),
        ),
        route(
            "/api/w/{slug}/messages/{id}/assign",
            api(&format!("/messages/{m}/assign")),
            post(json!({"assignee": null})),
            200,
            Some(WorkInbox),
        ),
        route(
            "/api/w/{slug}/messages/{id}/tags",
            api(&format!("/messages/{m}/tags")),
            post(json!({"name": "vip"})),
            201,
            Some(WorkInbox),
        ),
        route(
            "/api/w/{slug}/messages/{id}/tags/{tag}",
            api(&format!("/messages/{m}/tags/{}", t.tag)),
            Call::Json(Method::DELETE, json!({})),
            204,
            Some(WorkInbox),
        ),
        route(
            "/api/w/{slug}/messages/{id}/sentiment",
            api(&format!("/messages/{m}/sentiment")),
            post(json!({"label": "neutral"})),
            200,
            Some(WorkInbox),
        ),
        route(
            "/api/w/{slug}/messages/{id}/notes",
            api(&format!("/messages/{m}/notes")),
            post(json!({"text": "checking"})),
            201,
            Some(WriteNotes),
        ),
        route(
            "/api/w/{slug}/messages/{id}/replies",
            api(&format!("/messages/{m}/replies")),
            post(json!({"text": "Hi! Looking into it."})),
            201,
            Some(Reply),
        ),
        route(
            "/api/w/{slug}/events",
            api("/events"),
            Call::Get,
            200,
            Some(ReadInbox),
        ),
        route(
            "/w/{slug}/inbox",
            page("/inbox"),
            Call::Get,
            200,
            Some(ReadInbox),
        ),
        route(
            "/w/{slug}/inbox/bulk",
            page("/inbox/bulk"),
            form(&[("id", &m.to_string()), ("action", "open")]),
            303,
            Some(WorkInbox),
        ),
        route(
            "/w/{slug}/c/{id}",
            page(&format!("/c/{m}")),
            Call::Get,
            200,
            Some(ReadInbox),
        ),
        route(
            "/w/{slug}/c/{id}/state",
            page(&format!("/c/{m}/state")),
            form(&[("state", "open")]),
            303,
            Some(WorkInbox),
        ),
        route(
            "/w/{slug}/c/{id}/assign",
            page(&format!("/c/{m}/assign")),
            form(&[("assignee", "none")]),
            303,
            Some(WorkInbox),
        ),
        route(
            "/w/{slug}/c/{id}/tag",
            page(&format!("/c/{m}/tag")),
            form(&[("tag", "vip")]),
            303,
            Some(WorkInbox),
        ),
        route(
            "/w/{slug}/c/{id}/sentiment",
            page(&format!("/c/{m}/sentiment")),
            form(&[("label", "neutral")]),
            303,
            Some(WorkInbox),
        ),
        route(
            "/w/{slug}/c/{id}/note",
            page(&format!("/c/{m}/note")),
            form(&[("text", "hi")]),
            303,
            Some(WriteNotes),
        ),
        route(
            "/w/{slug}/c/{id}/reply",
            page(&format!("/c/{m}/reply")),
            form(&[("text", "Hello")]),
            303,
            Some(Reply),
        ),
        // Moderation.
        route(
            "/api/w/{slug}/review",
            api("/review"),
            Call::Get,
            200,
            Some(ReadReviewQueue),
        ),
        route(
            "/api/w/{slug}/review/decide",
            api("/review/decide"),
            post(json!({"ids": [review], "decision": "escalate"})),
            200,
            Some(Moderate),
        ),
        route(
            "/api/w/{slug}/rules",
            api("/rules"),
            Call::Get,
            200,
            Some(ReadRules),
        ),
        route(
            "/api/w/{slug}/rules",
            api("/rules"),
            post(json!({"source": RULES})),
            201,
            Some(EditRules),
        ),
        route(
            "/api/w/{slug}/rules/dry-run",
            api("/rules/dry-run"),
            post(json!({"source": RULES})),
            200,
            Some(EditRules),
        ),
        route(
            "/api/w/{slug}/rules/{id}/live",
            api(&format!("/rules/{version}/live")),
            post(json!({})),
            200,
            Some(MakeRulesLive),
        ),
        route(
            "/w/{slug}/review",
            page("/review"),
            Call::Get,
            200,
            Some(ReadReviewQueue),
        ),
        route(
            "/w/{slug}/review",
            page("/review?status=decided"),
            Call::Get,
            200,
            Some(ReadReviewQueue),
        ),
        route(
            "/w/{slug}/review/decide",
            page("/review/decide"),
            form(&[("ids", &review.to_string()), ("decision", "escalate")]),
            303,
            Some(Moderate),
        ),
        route(
            "/w/{slug}/rules",
            page("/rules"),
            Call::Get,
            200,
            Some(ReadRules),
        ),
        route(
            "/w/{slug}/rules",
            page("/rules"),
            form(&[("source", RULES)]),
            303,
            Some(EditRules),
        ),
        route(
            "/w/{slug}/rules/dry-run",
            page("/rules/dry-run"),
            form(&[("source", RULES)]),
            200,
            Some(EditRules),
        ),
        route(
            "/w/{slug}/rules/{id}/live",
            page(&format!("/rules/{version}/live")),
            form(&[]),
            303,
            Some(MakeRulesLive),
        ),
        route(
            "/w/{slug}/guidelines",
            page("/guidelines"),
            form(&[("text", "Be kind")]),
            303,
            Some(Administer),
        ),
        // Listening.
        route(
            "/api/w/{slug}/listening/topics",
            api("/listening/topics"),
            Call::Get,
            200,
            Some(ReadTopics),
        ),
        route(
            "/api/w/{slug}/listening/topics",
            api("/listening/topics"),
            post(json!({"name": topic_name, "query": "refund", "role": "other"})),
            201,
            Some(ManageTopics),
        ),
        route(
            "/api/w/{slug}/listening/topics/{id}",
            api(&format!("/listening/topics/{}", t.topic)),
            Call::Get,
            200,
            Some(ReadTopics),
        ),
        route(
            "/api/w/{slug}/listening/topics/{id}",
            api(&format!("/listening/topics/{}", t.topic)),
            Call::Json(
                Method::PUT,
                json!({"name": format!("renamed {role:?}"), "query": "refund", "role": "brand"}),
            ),
            200,
            Some(ManageTopics),
        ),
        route(
            "/api/w/{slug}/listening/topics/{id}/dashboard",
            api(&format!("/listening/topics/{}/dashboard", t.topic)),
            Call::Get,
            200,
            Some(ReadDashboards),
        ),
        route(
            "/api/w/{slug}/listening/topics/{id}",
            api(&format!("/listening/topics/{}", t.spare_topic)),
            Call::Json(Method::DELETE, json!({})),
            204,
            Some(ManageTopics),
        ),
        route(
            "/api/w/{slug}/listening/overview",
            api("/listening/overview"),
            Call::Get,
            200,
            Some(ReadDashboards),
        ),
        route(
            "/api/w/{slug}/listening/alerts",
            api("/listening/alerts"),
            Call::Get,
            200,
            Some(ReadDashboards),
        ),
        route(
            "/api/w/{slug}/listening/webhook",
            api("/listening/webhook"),
            Call::Get,
            200,
            Some(Administer),
        ),
        route(
            "/api/w/{slug}/listening/webhook",
            api("/listening/webhook"),
            Call::Json(Method::PUT, json!({"url": null})),
            200,
            Some(Administer),
        ),
        route(
            "/w/{slug}/listening",
            page("/listening"),
            Call::Get,
            200,
            Some(ReadDashboards),
        ),
        route(
            "/w/{slug}/listening/{id}",
            page(&format!("/listening/{}", t.page_topic)),
            Call::Get,
            200,
            Some(ReadDashboards),
        ),
        route(
            "/w/{slug}/listening/topics",
            page("/listening/topics"),
            Call::Get,
            200,
            Some(ReadTopics),
        ),
        route(
            "/w/{slug}/listening/topics",
            page("/listening/topics"),
            form(&[("name", &form_name), ("query", "refund"), ("role", "other")]),
            303,
            Some(ManageTopics),
        ),
        route(
            "/w/{slug}/listening/topics/{id}",
            page(&format!("/listening/topics/{}", t.page_topic)),
            form(&[("name", &page_name), ("query", "refund"), ("role", "other")]),
            303,
            Some(ManageTopics),
        ),
        route(
            "/w/{slug}/listening/topics/{id}/delete",
            page(&format!("/listening/topics/{}/delete", t.page_topic)),
            form(&[]),
            303,
            Some(ManageTopics),
        ),
        route(
            "/w/{slug}/listening/webhook",
            page("/listening/webhook"),
            form(&[("url", "")]),
            303,
            Some(Administer),
        ),
        // Background jobs (admins).
        route(
            "/api/w/{slug}/jobs",
            api("/jobs?state=dead"),
            Call::Get,
            200,
            Some(Administer),
        ),
        route(
            "/api/w/{slug}/jobs/{id}/retry",
            api(&format!("/jobs/{}/retry", t.dead_jobs[0])),
            post(serde_json::json!({})),
            200,
            Some(Administer),
        ),
        route(
            "/w/{slug}/settings/jobs",
            page("/settings/jobs"),
            Call::Get,
            200,
            Some(Administer),
        ),
        route(
            "/w/{slug}/settings/jobs/{id}/retry",
            page(&format!("/settings/jobs/{}/retry", t.dead_jobs[1])),
            form(&[]),
            303,
            Some(Administer),
        ),
    ];
    all.extend(live);
    all
}

async fn call(app: &TestApp, b: &Browser, r: &Route) -> u16 {
    match &r.call {
        Call::Get => {
            // Streams answer their status with the headers; nothing more is read.
            app.get(&r.url, b).await.status().as_u16()
        }
        Call::Json(method, body) => app
            .json(method.clone(), &r.url, b, body.clone())
            .await
            .status()
            .as_u16(),
        Call::Form(fields) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(&r.url, b, &fields).await.status().as_u16()
        }
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_permission_table_says() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let q = queue(&app, &s).await;
    let m = s.m[0].get();
    for role in Role::ALL {
        let b = app.browser(&Seed::email(role)).await;
        let t = targets(&app, &s, role).await;
        for r in routes(m, q.acme_rules.id.get(), q.items[0].id.get(), &t, role) {
            let allowed = r.needs.is_none_or(|p| allows(role, p));
            let expected = if allowed { r.ok } else { 403 };
            assert_eq!(
                call(&app, &b, &r).await,
                expected,
                "{role:?} {} {} (needs {:?})",
                method_of(&r.call),
                r.url,
                r.needs
            );
        }
    }
}

#[test]
fn every_api_operation_is_in_the_matrix() {
    let t = Targets {
        topic: 1,
        spare_topic: 2,
        page_topic: 3,
        tag: 4,
        token: 5,
        dead_jobs: [6, 7],
        channels: Default::default(),
    };
    let listed: Vec<(&str, &str)> = routes(1, 1, 1, &t, Role::Admin)
        .iter()
        .map(|r| (method_of(&r.call), r.template))
        .collect();
    for (method, path) in crate::openapi::API {
        assert!(
            listed.contains(&(*method, *path)),
            "{method} {path} is not in the role matrix"
        );
    }
}

#[tokio::test]
async fn readers_see_conversations_without_notes_and_are_told_why_they_cannot_act() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let m = s.m[0];
    tend_core::conversations::add_note(
        &*app.store,
        tend_core::team::Actor::user(s.user(Role::Admin).id, s.acme.id, Role::Admin),
        m,
        "teammates only",
    )
    .await
    .unwrap();
    for role in Role::ALL {
        let b = app.browser(&Seed::email(role)).await;
        let conv: serde_json::Value = app
            .get(&format!("/api/w/acme/messages/{m}"), &b)
            .await
            .json()
            .await
            .unwrap();
        let notes = conv["notes"].as_array().unwrap();
        let reads_notes = allows(role, Permission::ReadNotes);
        assert_eq!(!notes.is_empty(), reads_notes, "{role:?} notes (API)");
        // Nor does the history say that a note was added.
        let noted = serde_json::to_value(tend_domain::HistoryKind::Noted).unwrap();
        let history = conv["events"].as_array().unwrap();
        assert_eq!(
            history.iter().any(|e| e["kind"] == noted),
            reads_notes,
            "{role:?} note in the history"
        );
        let page = app
            .get(&format!("/w/acme/c/{m}"), &b)
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            page.contains("Internal notes"),
            reads_notes,
            "{role:?} notes on the page"
        );
        assert_eq!(
            page.contains("teammates only"),
            reads_notes,
            "{role:?} note text"
        );
        let replies = allows(role, Permission::Reply);
        assert_eq!(
            page.contains("id=\"reply-form\""),
            replies,
            "{role:?} reply box"
        );
        // Issue 13: the page says why the reply box is absent.
        assert_eq!(
            page.contains("replying is for admins"),
            !replies,
            "{role:?} why no reply box"
        );
        // The header links only to what the role may open.
        assert_eq!(
            page.contains("href=\"/w/acme/review\""),
            allows(role, Permission::ReadReviewQueue),
            "{role:?} review link"
        );
        assert_eq!(
            page.contains("href=\"/w/acme/rules\""),
            allows(role, Permission::ReadRules),
            "{role:?} rules link"
        );
    }
}

#[tokio::test]
async fn a_refused_page_says_why_in_the_readers_language() {
    let app = spawn_app().await;
    seed(&app).await;
    let b = app.browser(&Seed::email(Role::Client)).await;
    let res = app.get("/w/acme/rules", &b).await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Rule sources are for the team")
    );
    let res = app
        .post_form(
            "/settings/locale",
            &b,
            &[("locale", "sv"), ("back", "/w/acme/inbox")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = app.get("/w/acme/review", &b).await.text().await.unwrap();
    assert!(page.contains("Granskningskön är för teamet"), "{page}");
}
