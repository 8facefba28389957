//! The JSON API: the same operations as the pages, for scripts (with an API token)
//! and our own JavaScript (with the session cookie and the CSRF header). One module
//! per resource.
//!
//! The API router is generated from the OpenAPI definitions: every handler carries
//! a `#[utoipa::path]` and [`routes`] registers it with `utoipa_axum::routes!`,
//! which adds the route and its documentation together, so a route cannot be
//! served without being described in `/api/openapi.json`. The security schemes,
//! the common error responses and each operation's security requirement are
//! added in one place ([`Conventions`]).

pub mod channels;
pub mod conversations;
pub mod events;
pub mod inbox;
pub mod jobs;
pub mod listening;
pub mod me;
pub mod moderation;
pub mod networks;
pub mod outbox;
pub mod tokens;

use crate::AppState;
use crate::error::{ApiError, AppError};
use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::LazyLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    self, ContentBuilder, HttpMethod, OpenApi as Spec, RefOr, ResponseBuilder, SecurityRequirement,
};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The error body of every failed API call.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code: `not_found`, `unauthorized`, `forbidden`, `bad_request`,
    /// `conflict`, `unprocessable` or `internal`.
    pub error: String,
    /// What went wrong, for people (bad requests, conflicts, refusals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The input field that was rejected (bad requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Why a reply does not fit its network (`unprocessable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<ReplyProblem>>,
}

/// One reason a reply does not fit its network, with where it is in the text.
#[derive(Serialize, ToSchema)]
pub struct ReplyProblem {
    /// `empty`, `too_long`, `too_many_hashtags` or `invalid_characters`.
    pub kind: String,
    /// The text's length in the network's units (`too_long`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    /// The limit (`too_long`, `too_many_hashtags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// Hashtags in the text (`too_many_hashtags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Where, in UTF-16 code units.
    pub range: Utf16Range,
}

/// A range of a text in UTF-16 code units, end exclusive.
#[derive(Serialize, ToSchema)]
pub struct Utf16Range {
    /// First unit.
    pub start: u64,
    /// One past the last unit.
    pub end: u64,
}

/// A JSON request body. A body that is not valid JSON of the expected shape
/// answers 400 with the usual [`ErrorBody`] (field `body`), not axum's plain text.
pub struct Body<T>(pub T);

impl<T, S> FromRequest<S> for Body<T>
where
    Json<T>: FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) => Err(ApiError(AppError::bad("body", e.body_text()))),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tend API",
        description = "Everything the Tend web app does, as JSON. Authenticate with an API \
            token (`Authorization: Bearer tend_…`, made under Settings → API tokens) or, from \
            the browser, with the session cookie plus the session's CSRF token in \
            `X-CSRF-Token` on every state-changing request. A workspace you are not a member \
            of answers 404, exactly like a missing one; a role that may not do something \
            answers 403. Errors are JSON (`ErrorBody`).",
        license(name = "MIT", identifier = "MIT")
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "account", description = "The signed-in user and their API tokens"),
        (name = "inbox", description = "The inbox list, its filters and bulk actions"),
        (name = "conversations", description = "A conversation and the actions on it"),
        (name = "moderation", description = "The review queue, rule set versions, dry runs and going live"),
        (name = "listening", description = "Listening topics, dashboards' figures, alerts and the alert webhook"),
        (name = "channels", description = "Live channels: connecting, reading and disconnecting them, their health, and stopping all sending (admins)"),
        (name = "jobs", description = "Background jobs: their state and errors, and retrying dead letters (admins)"),
        (name = "live", description = "Live updates as server-sent events"),
        (name = "meta", description = "This description"),
    )
)]
struct ApiDoc;

/// Routes that need no credentials.
const PUBLIC: &[&str] = &["/api/openapi.json"];

/// Adds what every operation shares: the security schemes and each operation's
/// requirement (token or session; unsafe methods need the CSRF header with a
/// session), and the error responses every route can give.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, spec: &mut Spec) {
        let components = spec.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tend_…")
                    .description(Some("An API token; it acts with its owner's roles."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The login session cookie (HttpOnly; set by the login form).",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's CSRF token (the page's `data-csrf`), required with the \
                 session cookie on POST, PUT, PATCH and DELETE.",
            ))),
        );
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(RefOr::Ref(openapi::Ref::from_schema_name(
                                "ErrorBody",
                            ))))
                            .build(),
                    )
                    .build(),
            )
        };
        for (path, item) in spec.paths.paths.iter_mut() {
            let public = PUBLIC.contains(&path.as_str());
            let scoped = path.contains('{');
            let operations = [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
                (HttpMethod::Put, item.put.as_mut()),
                (HttpMethod::Patch, item.patch.as_mut()),
                (HttpMethod::Delete, item.delete.as_mut()),
            ];
            for (method, op) in operations {
                let Some(op) = op else { continue };
                if public {
                    op.security = Some(Vec::new());
                    continue;
                }
                let safe = method == HttpMethod::Get;
                let session = if safe {
                    SecurityRequirement::new("session", Vec::<String>::new())
                } else {
                    SecurityRequirement::new("session", Vec::<String>::new())
                        .add("csrf", Vec::<String>::new())
                };
                op.security = Some(vec![
                    SecurityRequirement::new("token", Vec::<String>::new()),
                    session,
                ]);
                let responses = &mut op.responses.responses;
                responses
                    .entry("401".into())
                    .or_insert_with(|| error("Not signed in, or a bad API token."));
                if !safe {
                    responses.entry("403".into()).or_insert_with(|| {
                        error(
                            "Refused: the role may not do this, the CSRF token is missing or \
                             wrong, or the request came from another origin.",
                        )
                    });
                } else if path.starts_with("/api/w/") {
                    // Reads in a workspace ask the permission table too (clients do
                    // not read rules, the review queue or topic queries).
                    responses.entry("403".into()).or_insert_with(|| {
                        error("Refused: the role may not read this (see the permission table).")
                    });
                }
                if !safe {
                    responses
                        .entry("400".into())
                        .or_insert_with(|| error("The body is not valid; `field` names what."));
                }
                if scoped {
                    responses.entry("404".into()).or_insert_with(|| {
                        error(
                            "Missing, or in a workspace the caller is not a member of \
                             (the two look the same).",
                        )
                    });
                }
                responses
                    .entry("500".into())
                    .or_insert_with(|| error("Something on our side failed (logged)."));
            }
        }
    }
}

/// The API routes with their documentation. Every `/api/…` route is registered
/// here, through `routes!`, never with a plain `.route(…)`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
        .routes(routes!(me::me))
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(inbox::list_inbox))
        .routes(routes!(inbox::bulk))
        .routes(routes!(conversations::get_conversation))
        .routes(routes!(conversations::set_state))
        .routes(routes!(conversations::assign))
        .routes(routes!(conversations::add_tag))
        .routes(routes!(conversations::remove_tag))
        .routes(routes!(conversations::correct_sentiment))
        .routes(routes!(conversations::add_note))
        .routes(routes!(conversations::queue_reply))
        .routes(routes!(outbox::cancel_reply))
        .routes(routes!(outbox::retry_reply))
        .routes(routes!(moderation::list_review))
        .routes(routes!(moderation::decide))
        .routes(routes!(moderation::list_rules, moderation::save_rules))
        .routes(routes!(moderation::dry_run))
        .routes(routes!(moderation::make_live))
        .routes(routes!(listening::list_topics, listening::create_topic))
        .routes(routes!(
            listening::get_topic,
            listening::update_topic,
            listening::delete_topic
        ))
        .routes(routes!(listening::overview))
        .routes(routes!(listening::topic_dashboard))
        .routes(routes!(listening::alerts))
        .routes(routes!(listening::get_webhook, listening::set_webhook))
        .routes(routes!(channels::list_channels, channels::connect_channel))
        .routes(routes!(channels::get_channel, channels::disconnect_channel))
        .routes(routes!(channels::sync_channel))
        .routes(routes!(channels::pause_sending))
        .routes(routes!(channels::resume_sending))
        .routes(routes!(jobs::list_jobs))
        .routes(routes!(jobs::retry_job))
        .routes(routes!(events::events))
}

/// The OpenAPI document, built once.
pub fn spec() -> &'static Spec {
    static SPEC: LazyLock<Spec> = LazyLock::new(|| {
        let mut spec = routes().split_for_parts().1;
        // After the routes are in: modifiers given to `#[openapi]` run before.
        Conventions.modify(&mut spec);
        spec
    });
    &SPEC
}

static SPEC_JSON: LazyLock<String> =
    LazyLock::new(|| spec().to_pretty_json().unwrap_or_else(|_| "{}".to_owned()));

/// `GET /api/openapi.json`: this API described as OpenAPI 3.1.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        SPEC_JSON.as_str(),
    )
        .into_response()
}
