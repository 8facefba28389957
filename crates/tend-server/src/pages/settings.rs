//! Personal settings: the interface language and API tokens.

use super::{PageCtx, local_path, render};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, PageError};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;
use tend_core::team::tokens;
use tend_domain::ApiTokenId;

/// The language switch.
#[derive(Deserialize)]
pub struct LocaleForm {
    locale: String,
    back: Option<String>,
}

/// `POST /settings/locale`.
pub async fn set_locale(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Form(f): Form<LocaleForm>,
) -> Result<Response, PageError> {
    tokens::set_locale(&*state.store, auth.user.id, &f.locale)
        .await
        .map_err(AppError::from)?;
    Ok(Redirect::to(&local_path(f.back.as_deref(), "/")).into_response())
}

/// A token as listed.
pub struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    created: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    ctx: PageCtx,
    tokens: Vec<TokenRow>,
    new_secret: String,
    can_create: bool,
}

async fn tokens_page(
    state: &AppState,
    auth: &crate::auth::Authed,
    new_secret: String,
) -> Result<Response, PageError> {
    let ctx = PageCtx::for_user(state, auth, None).await?;
    let can_create = tokens::may_create_tokens(&*state.store, auth.user.id).await?;
    let rows = tokens::own_tokens(&*state.store, auth.user.id)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.get(),
            name: t.name,
            prefix: t.prefix,
            created: ctx.date(&t.created_at),
            last_used: t.last_used_at.map(|u| ctx.date(&u)).unwrap_or_default(),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    render(&TokensPage {
        ctx,
        tokens: rows,
        new_secret,
        can_create,
    })
}

/// `GET /settings/tokens`.
pub async fn list_tokens(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Response, PageError> {
    tokens_page(&state, &auth, String::new()).await
}

/// The new-token form.
#[derive(Deserialize)]
pub struct NewTokenForm {
    name: String,
}

/// `POST /settings/tokens`: creates a token and shows its secret once.
pub async fn create_token(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Form(f): Form<NewTokenForm>,
) -> Result<Response, PageError> {
    let (_, secret) = tokens::create_own_token(&*state.store, auth.user.id, &f.name)
        .await
        .map_err(AppError::from)?;
    tokens_page(&state, &auth, secret.expose_secret().to_owned()).await
}

/// The revoke form.
#[derive(Deserialize)]
pub struct RevokeForm {
    id: i64,
}

/// `POST /settings/tokens/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
    Form(f): Form<RevokeForm>,
) -> Result<Response, PageError> {
    tokens::revoke_own_token(&*state.store, auth.user.id, ApiTokenId(f.id))
        .await
        .map_err(AppError::from)?;
    Ok(Redirect::to("/settings/tokens").into_response())
}
