//! `/docs/api`: the API's OpenAPI description as a browsable page, rendered on the
//! server from the same document `/api/openapi.json` serves. No script and no
//! third-party code, so it works offline and under the strict CSP: every
//! operation with its parameters, request body, responses and security, then
//! every schema with its properties; types link to their schemas.

use super::{PageCtx, render};
use crate::AppState;
use crate::auth::Authed;
use crate::error::PageError;
use crate::i18n::Lang;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

/// A piece of a type: text, linked to a schema when `href` is set.
pub struct Part {
    text: String,
    href: String,
}

/// A parameter, a property or a response: a name, a type and a description.
pub struct Field {
    name: String,
    place: String,
    required: bool,
    ty: Vec<Part>,
    description: String,
}

/// One operation.
pub struct Op {
    method: String,
    path: String,
    anchor: String,
    summary: String,
    description: String,
    security: String,
    params: Vec<Field>,
    body: Option<Field>,
    responses: Vec<Field>,
}

/// The operations of one tag.
pub struct Group {
    name: String,
    description: String,
    ops: Vec<Op>,
}

/// One schema of the components.
pub struct Schema {
    name: String,
    description: String,
    ty: Vec<Part>,
    props: Vec<Field>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    ctx: PageCtx,
    title: String,
    version: String,
    description: String,
    groups: Vec<Group>,
    schemas: Vec<Schema>,
}

/// `GET /docs/api` (no sign-in needed, like the document itself).
pub async fn api_docs(
    State(state): State<AppState>,
    Extension(authed): Extension<Option<Authed>>,
    lang: Lang,
) -> Result<Response, PageError> {
    let ctx = match &authed {
        Some(auth) => PageCtx::for_user(&state, auth, None).await?,
        None => PageCtx::anonymous(lang),
    };
    let spec = serde_json::to_value(crate::api::spec()).unwrap_or(Value::Null);
    let page = build(&spec, ctx);
    render(&page)
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn build(spec: &Value, ctx: PageCtx) -> DocsPage {
    let info = &spec["info"];
    let mut groups: Vec<Group> = spec["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .map(|t| Group {
                    name: text(t, "name"),
                    description: text(t, "description"),
                    ops: Vec::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(paths) = spec["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let tag = op["tags"][0].as_str().unwrap_or("").to_owned();
                let op = operation(path, method, op);
                match groups.iter_mut().find(|g| g.name == tag) {
                    Some(g) => g.ops.push(op),
                    None => groups.push(Group {
                        name: tag,
                        description: String::new(),
                        ops: vec![op],
                    }),
                }
            }
        }
    }
    groups.retain(|g| !g.ops.is_empty());
    let schemas = spec["components"]["schemas"]
        .as_object()
        .map(|all| {
            all.iter()
                .map(|(name, s)| Schema {
                    name: name.clone(),
                    description: text(s, "description"),
                    ty: if s.get("properties").is_some() {
                        Vec::new()
                    } else {
                        type_parts(s)
                    },
                    props: properties(s),
                })
                .collect()
        })
        .unwrap_or_default();
    DocsPage {
        ctx,
        title: text(info, "title"),
        version: text(spec, "openapi"),
        description: text(info, "description"),
        groups,
        schemas,
    }
}

fn operation(path: &str, method: &str, op: &Value) -> Op {
    let params = op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| Field {
                    name: text(p, "name"),
                    place: text(p, "in"),
                    required: p["required"].as_bool().unwrap_or(false),
                    ty: type_parts(&p["schema"]),
                    description: text(p, "description"),
                })
                .collect()
        })
        .unwrap_or_default();
    let body = op.get("requestBody").map(|b| {
        let (content_type, schema) = first_content(b);
        Field {
            name: String::new(),
            place: content_type,
            required: b["required"].as_bool().unwrap_or(false),
            ty: type_parts(&schema),
            description: text(b, "description"),
        }
    });
    let responses = op["responses"]
        .as_object()
        .map(|rs| {
            rs.iter()
                .map(|(status, r)| {
                    let (content_type, schema) = first_content(r);
                    Field {
                        name: status.clone(),
                        place: content_type,
                        required: false,
                        ty: if schema.is_null() {
                            Vec::new()
                        } else {
                            type_parts(&schema)
                        },
                        description: text(r, "description"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Op {
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        anchor: format!("{method}-{}", slug(path)),
        summary: text(op, "summary"),
        description: text(op, "description"),
        security: security(op),
        params,
        body,
        responses,
    }
}

/// The first content type of a request body or response, and its schema.
fn first_content(v: &Value) -> (String, Value) {
    v["content"]
        .as_object()
        .and_then(|c| c.iter().next())
        .map(|(t, c)| (t.clone(), c["schema"].clone()))
        .unwrap_or((String::new(), Value::Null))
}

/// The security requirement in words: alternatives with "or", schemes within one
/// with "+".
fn security(op: &Value) -> String {
    match op["security"].as_array() {
        None => String::new(),
        Some(alts)
            if alts.is_empty()
                || alts
                    .iter()
                    .all(|a| a.as_object().is_some_and(|o| o.is_empty())) =>
        {
            "none".to_owned()
        }
        Some(alts) => alts
            .iter()
            .filter_map(Value::as_object)
            .map(|o| o.keys().cloned().collect::<Vec<_>>().join(" + "))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn properties(schema: &Value) -> Vec<Field> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(name, p)| Field {
                    name: name.clone(),
                    place: String::new(),
                    required: required.contains(&name.as_str()),
                    ty: type_parts(p),
                    description: text(p, "description"),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn slug(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn plain(text: impl Into<String>) -> Part {
    Part {
        text: text.into(),
        href: String::new(),
    }
}

/// A schema as a short type expression: `string (date-time) | null`,
/// `array of Message`, `one of: open, done`, with `$ref`s linked.
fn type_parts(schema: &Value) -> Vec<Part> {
    let mut out = Vec::new();
    write_type(schema, &mut out, 0);
    if out.is_empty() {
        out.push(plain("any"));
    }
    out
}

fn write_type(schema: &Value, out: &mut Vec<Part>, depth: usize) {
    if depth > 8 {
        out.push(plain("…"));
        return;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        out.push(Part {
            text: name.to_owned(),
            href: format!("#schema-{name}"),
        });
        return;
    }
    for (key, sep) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array) {
            for (i, alt) in alts.iter().enumerate() {
                if i > 0 {
                    out.push(plain(sep));
                }
                write_type(alt, out, depth + 1);
            }
            return;
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let list: Vec<String> = values
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        out.push(plain(format!("one of: {}", list.join(", "))));
        return;
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            out.push(plain(" | "));
        }
        match *t {
            "array" => {
                out.push(plain("array of "));
                write_type(&schema["items"], out, depth + 1);
            }
            "object" if schema.get("properties").is_some() => {
                out.push(plain("object {"));
                for (j, (name, p)) in schema["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    out.push(plain(format!("{}{name}: ", if j > 0 { ", " } else { "" })));
                    write_type(p, out, depth + 1);
                }
                out.push(plain("}"));
            }
            other => {
                let format = schema.get("format").and_then(Value::as_str);
                out.push(plain(match format {
                    Some(f) => format!("{other} ({f})"),
                    None => other.to_owned(),
                }));
            }
        }
    }
}
