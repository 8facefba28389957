//! The fake's OAuth 2.0: `POST /api/v1/apps` registers a client,
//! `GET /oauth/authorize` approves at once (as the brand) and redirects back
//! with `code` and `state`, `POST /oauth/token` trades a code (checking the
//! PKCE S256 verifier) or a refresh token for tokens, as Doorkeeper does in
//! Mastodon.

// Helpers answer early with the error `Response` itself, as handlers do.
#![allow(clippy::result_large_err)]

use super::routes::{Shr, error, params, query, text};
use super::{BRAND_ID, Grant, now_ms};
use axum::body::Bytes;
use axum::extract::{RawQuery, State as With};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;

pub(super) async fn create_app(With(shared): Shr, headers: HeaderMap, body: Bytes) -> Response {
    let p = match params(&headers, &body) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let Some(name) = text(&p, "client_name").filter(|n| !n.is_empty()) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: Application name can't be blank",
        );
    };
    let redirect_uris: Vec<String> = match p.get("redirect_uris") {
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    if redirect_uris.is_empty() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: Redirect URI can't be blank",
        );
    }
    let scopes = text(&p, "scopes").unwrap_or("read").to_string();
    let mut state = shared.lock();
    let client_id = state.secret("cid_");
    let secret = state.secret("csec_");
    state.apps.insert(
        client_id.clone(),
        super::App {
            name: name.to_string(),
            secret: secret.clone(),
            redirect_uris: redirect_uris.clone(),
            scopes: scopes.clone(),
        },
    );
    axum::Json(json!({
        "id": state.apps.len().to_string(),
        "name": name,
        "website": text(&p, "website"),
        "scopes": scopes.split_whitespace().collect::<Vec<_>>(),
        "redirect_uris": redirect_uris,
        "redirect_uri": redirect_uris.join("\n"),
        "client_id": client_id,
        "client_secret": secret,
        "client_secret_expires_at": 0,
    }))
    .into_response()
}

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": code, "error_description": description})),
    )
        .into_response()
}

/// Auto-approves as the brand: redirects back with `code` and `state`.
pub(super) async fn authorize(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    let client_id = text(&q, "client_id").unwrap_or_default().to_string();
    let redirect_uri = text(&q, "redirect_uri").unwrap_or_default().to_string();
    let mut state = shared.lock();
    let Some(app) = state.apps.get(&client_id) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed due to unknown client.",
        );
    };
    if !app.redirect_uris.contains(&redirect_uri) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_redirect_uri",
            "The requested redirect uri is malformed or doesn't match client redirect URI.",
        );
    }
    if text(&q, "response_type") != Some("code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "The authorization server does not support this response type.",
        );
    }
    let challenge = text(&q, "code_challenge").map(str::to_string);
    if challenge.is_some() && text(&q, "code_challenge_method") != Some("S256") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Code challenge method must be S256.",
        );
    }
    let scopes = text(&q, "scope").unwrap_or(&app.scopes).to_string();
    let code = state.secret("code_");
    state.grants.insert(
        code.clone(),
        Grant {
            client_id,
            redirect_uri: redirect_uri.clone(),
            challenge,
            scopes,
        },
    );
    let mut back = vec![("code", code)];
    if let Some(s) = text(&q, "state") {
        back.push(("state", s.to_string()));
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let location = format!(
        "{redirect_uri}{sep}{}",
        serde_urlencoded::to_string(back).unwrap_or_default()
    );
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => error(StatusCode::BAD_REQUEST, "bad redirect_uri"),
    }
}

const INVALID_GRANT: &str = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

pub(super) async fn token(With(shared): Shr, headers: HeaderMap, body: Bytes) -> Response {
    let p = match params(&headers, &body) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let client_id = text(&p, "client_id").unwrap_or_default().to_string();
    let mut state = shared.lock();
    let Some(app) = state.apps.get(&client_id) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
        );
    };
    let secret_ok = text(&p, "client_secret").is_none_or(|s| s == app.secret);
    if !secret_ok {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    let secret_given = text(&p, "client_secret").is_some();
    let app_name = app.name.clone();
    let scopes = match text(&p, "grant_type") {
        Some("authorization_code") => {
            let code = text(&p, "code").unwrap_or_default();
            let Some(grant) = state.grants.remove(code) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", INVALID_GRANT);
            };
            if grant.client_id != client_id
                || text(&p, "redirect_uri") != Some(grant.redirect_uri.as_str())
            {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", INVALID_GRANT);
            }
            match (&grant.challenge, text(&p, "code_verifier")) {
                (Some(challenge), Some(verifier)) => {
                    let digest = sha2::Sha256::digest(verifier.as_bytes());
                    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
                    if &computed != challenge {
                        return oauth_error(
                            StatusCode::BAD_REQUEST,
                            "invalid_grant",
                            INVALID_GRANT,
                        );
                    }
                }
                (Some(_), None) => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "Missing required parameter: code_verifier.",
                    );
                }
                (None, _) if !secret_given => {
                    return oauth_error(
                        StatusCode::UNAUTHORIZED,
                        "invalid_client",
                        "Client authentication failed.",
                    );
                }
                (None, _) => {}
            }
            grant.scopes
        }
        Some("refresh_token") => {
            let given = text(&p, "refresh_token").unwrap_or_default();
            match state.refresh_tokens.remove(given) {
                Some((owner, scopes)) if owner == client_id => scopes,
                _ => return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", INVALID_GRANT),
            }
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            );
        }
    };
    let lifetime = state.token_lifetime;
    let access = state.issue_token(BRAND_ID, Some(app_name), &scopes, lifetime);
    let refresh = state.secret("ref_");
    state
        .refresh_tokens
        .insert(refresh.clone(), (client_id, scopes.clone()));
    axum::Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "scope": scopes,
        "created_at": now_ms() / 1000,
        "expires_in": lifetime.map(|l| l.as_secs()),
        "refresh_token": refresh,
    }))
    .into_response()
}
