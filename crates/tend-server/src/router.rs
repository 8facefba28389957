//! The URL table: every route of the app in one place.
//!
//! Pages live under `/w/{slug}/…`, the JSON API under `/api/…` (generated with its
//! OpenAPI description by `api::routes`, never added here with `.route`). Layers (outermost
//! first): security headers, authentication + CSRF, localised error pages.

use crate::error::{ApiError, AppError};
use crate::i18n::Lang;
use crate::{AppState, api, assets, auth, health, pages, security};
use axum::Router;
use axum::extract::Request;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// Builds the router with all routes.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(pages::home))
        .route(
            "/login",
            get(pages::login::login_form).post(pages::login::login),
        )
        .route("/logout", post(pages::login::logout))
        .route("/settings/locale", post(pages::settings::set_locale))
        .route(
            "/settings/tokens",
            get(pages::settings::list_tokens).post(pages::settings::create_token),
        )
        .route(
            "/settings/tokens/revoke",
            post(pages::settings::revoke_token),
        )
        .route("/docs/api", get(pages::api_docs::api_docs))
        .route("/w/{slug}/inbox", get(pages::inbox::inbox_page))
        .route("/w/{slug}/inbox/bulk", post(pages::inbox::bulk_form))
        .route(
            "/w/{slug}/c/{id}",
            get(pages::conversation::conversation_page),
        )
        .route(
            "/w/{slug}/c/{id}/{action}",
            post(pages::conversation::conversation_action),
        )
        .route("/w/{slug}/review", get(pages::review::review_page))
        .route("/w/{slug}/review/decide", post(pages::review::decide_form))
        .route(
            "/w/{slug}/rules",
            get(pages::rules::rules_page).post(pages::rules::save_form),
        )
        .route("/w/{slug}/rules/dry-run", post(pages::rules::dry_run_form))
        .route("/w/{slug}/rules/{id}/live", post(pages::rules::live_form))
        .route("/w/{slug}/guidelines", post(pages::rules::guidelines_form))
        .route("/g/{slug}", get(pages::rules::public_guidelines))
        .route(
            "/w/{slug}/settings/channels",
            get(pages::channels::channels_page).post(pages::channels::connect_form),
        )
        .route(
            "/w/{slug}/settings/channels/oauth",
            post(pages::channels_oauth::start),
        )
        .route(
            "/w/{slug}/settings/channels/oauth/callback",
            get(pages::channels_oauth::callback),
        )
        .route(
            "/w/{slug}/settings/channels/{id}/sync",
            post(pages::channels::sync_form),
        )
        .route(
            "/w/{slug}/settings/channels/{id}/disconnect",
            post(pages::channels::disconnect_form),
        )
        .route(
            "/w/{slug}/settings/sending/{action}",
            post(pages::channels::sending_form),
        )
        .route("/w/{slug}/settings/jobs", get(pages::jobs::jobs_page))
        .route(
            "/w/{slug}/settings/jobs/{id}/retry",
            post(pages::jobs::retry_form),
        )
        .route("/w/{slug}/listening", get(pages::listening::overview_page))
        .route(
            "/w/{slug}/listening/topics",
            get(pages::listening::topics_page).post(pages::listening::create_form),
        )
        .route(
            "/w/{slug}/listening/topics/{id}",
            post(pages::listening::update_form),
        )
        .route(
            "/w/{slug}/listening/topics/{id}/delete",
            post(pages::listening::delete_form),
        )
        .route(
            "/w/{slug}/listening/webhook",
            post(pages::listening::webhook_form),
        )
        .route(
            "/w/{slug}/listening/{id}",
            get(pages::listening::topic_page),
        )
        .layer(from_fn(pages::error_pages));
    let (api, _) = api::routes().split_for_parts();
    Router::new()
        .merge(pages)
        .merge(api)
        .route("/healthz", get(health::healthz))
        .route("/static/app.css", get(assets::css))
        .route("/static/app.js", get(assets::js))
        .route("/favicon.ico", get(assets::favicon))
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(from_fn(security::headers))
        .with_state(state)
}

/// Any other URL: the API's JSON error under `/api/`, otherwise the "not found" page
/// in the reader's language (a browser would show an empty 404 as its own error page).
async fn not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return ApiError(AppError::NotFound).into_response();
    }
    let lang = req.extensions().get::<Lang>().copied().unwrap_or(Lang::En);
    pages::error_response(lang, &AppError::NotFound, "/")
}
