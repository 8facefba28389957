//! The OpenAPI description: it is 3.1, it lists exactly the API routes the server
//! serves, every operation states its security and errors, the JSON the API really
//! answers fits the documented schemas, and the browsable page needs nothing from
//! outside.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tend_domain::Role;

/// Every API operation, as (method, path). Adding a route means adding it here
/// too, after documenting it (the router is generated from the documentation).
pub const API: &[(&str, &str)] = &[
    ("GET", "/api/openapi.json"),
    ("GET", "/api/me"),
    ("GET", "/api/tokens"),
    ("POST", "/api/tokens"),
    ("DELETE", "/api/tokens/{id}"),
    ("GET", "/api/w/{slug}/inbox"),
    ("POST", "/api/w/{slug}/inbox/bulk"),
    ("GET", "/api/w/{slug}/messages/{id}"),
    ("POST", "/api/w/{slug}/messages/{id}/state"),
    ("POST", "/api/w/{slug}/messages/{id}/assign"),
    ("POST", "/api/w/{slug}/messages/{id}/tags"),
    ("DELETE", "/api/w/{slug}/messages/{id}/tags/{tag}"),
    ("POST", "/api/w/{slug}/messages/{id}/sentiment"),
    ("POST", "/api/w/{slug}/messages/{id}/notes"),
    ("POST", "/api/w/{slug}/messages/{id}/replies"),
    ("POST", "/api/w/{slug}/outbox/{id}/cancel"),
    ("POST", "/api/w/{slug}/outbox/{id}/retry"),
    ("GET", "/api/w/{slug}/events"),
    ("GET", "/api/w/{slug}/review"),
    ("POST", "/api/w/{slug}/review/decide"),
    ("GET", "/api/w/{slug}/rules"),
    ("POST", "/api/w/{slug}/rules"),
    ("POST", "/api/w/{slug}/rules/dry-run"),
    ("POST", "/api/w/{slug}/rules/{id}/live"),
    ("GET", "/api/w/{slug}/listening/topics"),
    ("POST", "/api/w/{slug}/listening/topics"),
    ("GET", "/api/w/{slug}/listening/topics/{id}"),
    ("PUT", "/api/w/{slug}/listening/topics/{id}"),
    ("DELETE", "/api/w/{slug}/listening/topics/{id}"),
    ("GET", "/api/w/{slug}/listening/topics/{id}/dashboard"),
    ("GET", "/api/w/{slug}/listening/overview"),
    ("GET", "/api/w/{slug}/listening/alerts"),
    ("GET", "/api/w/{slug}/listening/webhook"),
    ("PUT", "/api/w/{slug}/listening/webhook"),
    ("GET", "/api/w/{slug}/jobs"),
    ("POST", "/api/w/{slug}/jobs/{id}/retry"),
    ("GET", "/api/w/{slug}/channels"),
    ("POST", "/api/w/{slug}/channels"),
    ("GET", "/api/w/{slug}/channels/{id}"),
    ("DELETE", "/api/w/{slug}/channels/{id}"),
    ("POST", "/api/w/{slug}/channels/{id}/sync"),
    ("POST", "/api/w/{slug}/sending/pause"),
    ("POST", "/api/w/{slug}/sending/resume"),
];

async fn spec(app: &TestApp) -> Value {
    let res = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    res.json().await.unwrap()
}

fn operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ops.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn the_spec_is_openapi_3_1_and_lists_exactly_the_served_api_routes() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        spec["openapi"]
    );
    assert_eq!(spec["info"]["title"], "Tend API");
    let documented = operations(&spec);
    let expected: BTreeSet<(String, String)> = API
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);
    // Each documented operation is served: without credentials it answers 401 (or
    // 200 when public), never the router's 404/405.
    for (method, path) in &documented {
        let url = path
            .replace("{slug}", "acme")
            .replace("{id}", "1")
            .replace("{tag}", "1");
        let res = app
            .client
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(&url),
            )
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let public = path == "/api/openapi.json";
        let want = if public { 200 } else { 401 };
        assert_eq!(res.status(), want, "{method} {path}");
    }
    // Served but undocumented is impossible as long as nothing adds an `/api`
    // route by hand: the router takes the whole API from `api::routes()`.
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    for file in rust_files(std::path::Path::new(src)) {
        let text = std::fs::read_to_string(&file).unwrap();
        let compact: String = text.split_whitespace().collect();
        assert!(
            !compact.contains(".route(\"/api"),
            "{} adds an /api route by hand; register it in api::routes() with routes!",
            file.display()
        );
    }
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn every_operation_states_parameters_security_and_errors() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let schemes = spec["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["token"]["type"], "http");
    assert_eq!(schemes["token"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "tend_session");
    assert_eq!(schemes["csrf"]["in"], "header");
    assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let what = format!("{method} {path}");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{what}: tag"
            );
            // Every `{param}` of the path is a documented path parameter.
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            for seg in path.split('/').filter(|s| s.starts_with('{')) {
                let name = &seg[1..seg.len() - 1];
                assert!(params.contains(&name), "{what}: path parameter {name}");
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{what}: a success response"
            );
            if path == "/api/openapi.json" {
                // No requirement here and none at the top level: public.
                assert!(spec.get("security").is_none());
                assert!(
                    op["security"].as_array().is_none_or(Vec::is_empty),
                    "{what} is public"
                );
                continue;
            }
            let security = op["security"].as_array().unwrap();
            let alternatives: Vec<BTreeSet<&str>> = security
                .iter()
                .map(|a| a.as_object().unwrap().keys().map(String::as_str).collect())
                .collect();
            let session: BTreeSet<&str> = if method == "get" {
                ["session"].into()
            } else {
                ["session", "csrf"].into()
            };
            assert_eq!(alternatives, [["token"].into(), session], "{what}");
            let mut errors = vec!["401", "500"];
            if method != "get" {
                errors.extend(["400", "403"]);
            } else if path.starts_with("/api/w/") {
                // Workspace reads ask the permission table (issue 13).
                errors.push("403");
            }
            if path.contains("{slug}") {
                errors.push("404");
            }
            for status in errors {
                assert_eq!(
                    responses[status]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{what}: {status}"
                );
            }
        }
    }
    // Every reference points at a schema that exists.
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut refs = Vec::new();
    collect_refs(&spec, &mut refs);
    assert!(refs.len() > 20);
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(schemas.contains_key(name), "dangling {r}");
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Checks `value` against `schema` (the subset the spec uses: `$ref`, `type`
/// including type lists, `properties` with `required`, `items`, `enum`, `oneOf`
/// and friends). Unknown properties are errors: the spec must name every field.
pub fn conforms(spec: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return conforms(spec, &spec["components"]["schemas"][name], value, at);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema[key].as_array() {
            return alts
                .iter()
                .find_map(|a| conforms(spec, a, value, at).ok())
                .ok_or_else(|| format!("{at}: {value} matches no alternative of {schema}"));
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for a in all {
            conforms(spec, a, value, at)?;
        }
        return Ok(());
    }
    if let Some(values) = schema["enum"].as_array() {
        return if values.contains(value) {
            Ok(())
        } else {
            Err(format!("{at}: {value} not in {values:?}"))
        };
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
        _ => return Ok(()), // any
    };
    let fits = |t: &str| match (t, value) {
        ("null", Value::Null) => true,
        ("boolean", Value::Bool(_)) => true,
        ("string", Value::String(_)) => true,
        ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
        ("number", Value::Number(_)) => true,
        ("array", Value::Array(_)) => true,
        ("object", Value::Object(_)) => true,
        _ => false,
    };
    let Some(t) = types.iter().find(|t| fits(t)) else {
        return Err(format!("{at}: {value} is not {types:?}"));
    };
    match (*t, value) {
        ("array", Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                conforms(spec, &schema["items"], item, &format!("{at}[{i}]"))?;
            }
        }
        ("object", Value::Object(fields)) => {
            if let Some(props) = schema["properties"].as_object() {
                for req in schema["required"].as_array().into_iter().flatten() {
                    let req = req.as_str().unwrap();
                    if !fields.contains_key(req) {
                        return Err(format!("{at}: required {req} missing"));
                    }
                }
                for (k, v) in fields {
                    let Some(p) = props.get(k) else {
                        return Err(format!("{at}: {k} is not documented"));
                    };
                    conforms(spec, p, v, &format!("{at}.{k}"))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

pub fn response_schema(spec: &Value, method: &str, path: &str, status: u16) -> Value {
    spec["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"]
        .clone()
}

#[tokio::test]
async fn what_the_api_answers_fits_the_documented_schemas() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let spec = spec(&app).await;
    let b = app.browser(&Seed::email(Role::Admin)).await;
    let check = |method: &str, path: &str, status: u16, body: &Value| {
        let schema = response_schema(&spec, method, path, status);
        assert!(!schema.is_null(), "{method} {path} {status} has a schema");
        conforms(&spec, &schema, body, "$").unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    };
    let m = s.m[1].get().to_string();
    let msg = |suffix: &str| format!("/api/w/acme/messages/{m}{suffix}");

    // Changes first, so the conversation has notes, history, tags and an outbox.
    let res = app
        .json(
            Method::POST,
            &msg("/notes"),
            &b,
            json!({"text": "on it @analyst"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    check(
        "post",
        "/api/w/{slug}/messages/{id}/notes",
        201,
        &res.json().await.unwrap(),
    );
    let res = app
        .json(Method::POST, &msg("/tags"), &b, json!({"name": "billing"}))
        .await;
    assert_eq!(res.status(), 201);
    check(
        "post",
        "/api/w/{slug}/messages/{id}/tags",
        201,
        &res.json().await.unwrap(),
    );
    let res = app
        .json(
            Method::POST,
            &msg("/replies"),
            &b,
            json!({"text": "Sorry! DM us."}),
        )
        .await;
    assert_eq!(res.status(), 201);
    check(
        "post",
        "/api/w/{slug}/messages/{id}/replies",
        201,
        &res.json().await.unwrap(),
    );
    for (suffix, body) in [
        ("/state", json!({"state": "done"})),
        ("/assign", json!({"assignee": s.user(Role::Admin).id})),
        ("/sentiment", json!({"label": "neutral"})),
    ] {
        let res = app.json(Method::POST, &msg(suffix), &b, body).await;
        assert_eq!(res.status(), 200);
        let path = format!("/api/w/{{slug}}/messages/{{id}}{suffix}");
        check("post", &path, 200, &res.json().await.unwrap());
    }
    for (path, url) in [
        ("/api/me", "/api/me".to_owned()),
        ("/api/tokens", "/api/tokens".to_owned()),
        (
            "/api/w/{slug}/inbox",
            "/api/w/acme/inbox?status=all".to_owned(),
        ),
        ("/api/w/{slug}/messages/{id}", msg("")),
    ] {
        let res = app.get(&url, &b).await;
        assert_eq!(res.status(), 200, "{url}");
        check("get", path, 200, &res.json().await.unwrap());
    }
    let res = app
        .json(Method::POST, "/api/tokens", &b, json!({"name": "ci"}))
        .await;
    check("post", "/api/tokens", 201, &res.json().await.unwrap());
    let res = app
        .json(
            Method::POST,
            "/api/w/acme/inbox/bulk",
            &b,
            json!({"ids": [s.m[0]], "action": "done"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    check(
        "post",
        "/api/w/{slug}/inbox/bulk",
        200,
        &res.json().await.unwrap(),
    );

    // Errors have the documented shape, including a body that is not JSON at all.
    let too_long = "x".repeat(300);
    let errors = [
        (msg("/replies"), json!({"text": too_long}), 422),
        (msg("/state"), json!({"state": "sideways"}), 400),
        (
            format!("/api/w/globex/messages/{m}/state"),
            json!({"state": "done"}),
            404,
        ),
    ];
    for (url, body, status) in errors {
        let res = app.json(Method::POST, &url, &b, body).await;
        assert_eq!(res.status(), status, "{url}");
        let body: Value = res.json().await.unwrap();
        let path = url
            .replace("/acme/", "/{slug}/")
            .replace("/globex/", "/{slug}/")
            .replace(&m, "{id}");
        check("post", &path, status, &body);
    }
    let res = app
        .client
        .post(app.url(&msg("/state")))
        .header("cookie", &b.cookie)
        .header("x-csrf-token", &b.csrf)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "body");
    check("post", "/api/w/{slug}/messages/{id}/state", 400, &body);
}

#[tokio::test]
async fn the_reply_problem_schema_names_every_field_the_checker_reports() {
    // The problems of a 422 come from tend-nlp; their documented schema is written
    // by hand here, so it is checked against every kind of problem.
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let schema = json!({"$ref": "#/components/schemas/ReplyProblem"});
    let texts = [
        "   ".to_owned(),
        "x".repeat(400),
        "#a #b #c #d #e #f #g #h #i #j #k #l #m #n #o #p #q #r #s #t #u #v #w #x #y #z #aa #bb #cc #dd #ee #ff"
            .to_owned(),
        "bad \u{FFFE} char".to_owned(),
    ];
    let mut kinds = BTreeSet::new();
    for kind in [
        tend_domain::ChannelKind::X,
        tend_domain::ChannelKind::Instagram,
        tend_domain::ChannelKind::Mastodon,
    ] {
        for text in &texts {
            for p in tend_core::conversations::reply_problems(kind, text) {
                let v = serde_json::to_value(p).unwrap();
                kinds.insert(v["kind"].as_str().unwrap().to_owned());
                conforms(&spec, &schema, &v, "problem").unwrap();
            }
        }
    }
    assert!(kinds.len() >= 3, "{kinds:?}");
}

#[tokio::test]
async fn the_docs_page_shows_every_operation_and_loads_nothing_from_outside() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    // Signed out and signed in.
    let s = seed(&app).await;
    let _ = s;
    let b = app.browser(&Seed::email(Role::Client)).await;
    for cookie in ["", b.cookie.as_str()] {
        let res = app
            .client
            .get(app.url("/docs/api"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("default-src 'self'"));
        let html = res.text().await.unwrap();
        assert!(
            !html.contains("http://"),
            "an absolute http URL in the docs page"
        );
        assert!(
            !html.contains("https://"),
            "an absolute https URL in the docs page"
        );
        for (i, _) in html.match_indices(" src=\"") {
            assert!(html[i + 6..].starts_with('/'), "non-local src");
        }
        for (i, _) in html.match_indices(" href=\"") {
            let rest = &html[i + 7..];
            // `data:,` is the empty page icon: it loads nothing.
            assert!(
                rest.starts_with('/') || rest.starts_with('#') || rest.starts_with("data:,\""),
                "non-local href"
            );
        }
        assert!(!html.contains("<script>"), "no inline script");
        for (method, path) in operations(&spec) {
            let path = path.replace('{', "&#123;");
            let shown = html.contains(&format!(
                "{method}</span> <code>{}",
                path.replace("&#123;", "{")
            )) || html.contains(&format!("{method}</span> <code>{path}"));
            assert!(shown, "{method} {path} is not on the page");
        }
        for name in spec["components"]["schemas"].as_object().unwrap().keys() {
            assert!(
                html.contains(&format!("id=\"schema-{name}\"")),
                "schema {name}"
            );
        }
        // References link to the schemas.
        assert!(html.contains("<a href=\"#schema-Message\">Message</a>"));
        assert!(html.contains("<code>tend_session</code>") || html.contains("session"));
    }
}
