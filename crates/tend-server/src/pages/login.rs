//! Signing in and out: the login form (with its own double-submit CSRF cookie and
//! rate limiting per e-mail and client address) and logout.

use super::{PageCtx, local_path, render};
use crate::AppState;
use crate::auth::{Authed, LOGIN_COOKIE, SESSION_COOKIE, constant_time_eq, cookie, set_cookie};
use crate::error::{AppError, PageError};
use crate::i18n::Lang;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Instant;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: PageCtx,
    next: String,
    email: String,
    error: String,
}

/// The query of `GET /login`.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`: the form; signed-in users go straight on.
pub async fn login_form(
    lang: Lang,
    Query(q): Query<LoginQuery>,
    axum::Extension(authed): axum::Extension<Option<Authed>>,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let next = local_path(q.next.as_deref(), "/");
    if authed.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    form(
        &state,
        lang,
        next,
        String::new(),
        String::new(),
        StatusCode::OK,
    )
}

fn form(
    state: &AppState,
    lang: Lang,
    next: String,
    email: String,
    error: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let token = tend_core::access::random_secret();
    let mut ctx = PageCtx::anonymous(lang);
    ctx.csrf = token.clone();
    let mut res = render(&LoginPage {
        ctx,
        next,
        email,
        error,
    })?;
    *res.status_mut() = status;
    if let Ok(v) = set_cookie(LOGIN_COOKIE, &token, 3600, state.secure_cookies).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The login form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: SecretString,
    csrf: String,
    next: Option<String>,
}

/// The client's address, for rate limiting ("unknown" when served without it).
pub struct ClientIp(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".to_owned()),
        ))
    }
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = local_path(f.next.as_deref(), "/");
    let sent = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if sent.is_empty() || !constant_time_eq(sent.as_bytes(), f.csrf.as_bytes()) {
        return Err(PageError(AppError::Forbidden("login form expired")));
    }
    let now = Instant::now();
    if !state.login_limiter.allows(&f.email, &ip, now) {
        return form(
            &state,
            lang,
            next,
            f.email,
            lang.t("login-too-many"),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let login =
        tend_core::access::login(&*state.store, &f.email, &f.password, state.clock.now()).await?;
    let Some(login) = login else {
        state.login_limiter.failed(&f.email, &ip, now);
        return form(
            &state,
            lang,
            next,
            f.email,
            lang.t("login-failed"),
            StatusCode::UNAUTHORIZED,
        );
    };
    state.login_limiter.succeeded(&f.email);
    let max_age = tend_core::access::SESSION_LIFETIME.as_secs();
    let mut res = Redirect::to(&next).into_response();
    for c in [
        set_cookie(
            SESSION_COOKIE,
            login.cookie.expose_secret(),
            max_age,
            state.secure_cookies,
        ),
        set_cookie(LOGIN_COOKIE, "", 0, state.secure_cookies),
    ] {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

/// `POST /logout` (CSRF-checked like every state change).
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Some(value) = cookie(&headers, SESSION_COOKIE) {
        tend_core::access::logout(&*state.store, value).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
