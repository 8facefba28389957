//! `/api/tokens`: a user's API tokens (list, create, revoke). The secret is in the
//! create response only.

use super::Body;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use tend_core::team::tokens;
use tend_domain::{ApiToken, ApiTokenId};
use utoipa::ToSchema;

/// The user's tokens, newest first, revoked ones included.
#[utoipa::path(
    get,
    path = "/api/tokens",
    tag = "account",
    responses((status = 200, description = "The tokens (without secrets)", body = Vec<ApiToken>))
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(tokens::own_tokens(&*state.store, auth.user.id).await?))
}

/// The body of `POST /api/tokens`.
#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    /// What to call it (1-100 characters).
    name: String,
}

/// A new token and its secret.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// The token as listed.
    pub token: ApiToken,
    /// The secret to send as `Authorization: Bearer …`; shown this once only.
    pub secret: String,
}

/// Creates a token that acts with the user's roles (refused, 403, when none of
/// them may create tokens: a client-only account).
#[utoipa::path(
    post,
    path = "/api/tokens",
    tag = "account",
    request_body = NewToken,
    responses((status = 201, description = "Created; the secret is shown only here", body = CreatedToken))
)]
pub async fn create_token(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Body(body): Body<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let (token, secret) = tokens::create_own_token(&*state.store, auth.user.id, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token,
            secret: secret.expose_secret().to_owned(),
        }),
    ))
}

/// Revokes one of the user's tokens; someone else's answers 404.
#[utoipa::path(
    delete,
    path = "/api/tokens/{id}",
    tag = "account",
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"))
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke_own_token(&*state.store, auth.user.id, ApiTokenId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
