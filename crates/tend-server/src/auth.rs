//! Who is asking, and may they: the authentication middleware (session cookie or
//! `Authorization: Bearer` API token), CSRF protection, and the extractors handlers
//! use — [`CurrentUser`] and [`Ws`] (a workspace from the URL, with the user's role).
//!
//! CSRF: every POST/PUT/PATCH/DELETE authenticated by a session cookie must carry
//! the session's CSRF token, in the `X-CSRF-Token` header (our JavaScript, API calls
//! from the browser) or as the `csrf` field of a urlencoded form. The check is here,
//! once, rather than in each handler, so no route can forget it. Requests with an
//! API token carry no cookie a third-party site could ride on and need no token.
//! A request whose `Origin` names another host is refused as well.
//!
//! Workspaces: a workspace the user is not a member of answers 404, exactly like a
//! missing one, on every route; a role that may not do something answers 403.

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::i18n::Lang;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use std::collections::HashMap;
use tend_core::team::{Actor, Permission};
use tend_domain::{Role, User, Workspace};

/// The session cookie.
pub const SESSION_COOKIE: &str = "tend_session";
/// The login form's double-submit cookie (there is no session yet to hold a CSRF token).
pub const LOGIN_COOKIE: &str = "tend_login";
/// The CSRF header.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest form body read for the CSRF check.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// A signed-in request.
#[derive(Debug, Clone)]
pub struct Authed {
    /// The user.
    pub user: User,
    /// How they signed in.
    pub via: Via,
}

/// How a request was authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// A session cookie, with the session's CSRF token.
    Session {
        /// The token forms and scripts must send back.
        csrf: String,
    },
    /// An API token.
    Token,
}

impl Authed {
    /// The CSRF token to put in forms (empty for API tokens).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf } => csrf,
            Via::Token => "",
        }
    }
}

/// The value of cookie `name`, if sent.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Lax; Path=/`, `Secure` when configured;
/// `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}")
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

fn refuse(path: &str, e: AppError) -> Response {
    if is_api(path) {
        ApiError(e).into_response()
    } else {
        crate::error::PageError(e).into_response()
    }
}

/// Refuses before the page layers run: renders the error page here.
fn refuse_early(req: &Request, e: AppError) -> Response {
    let path = req.uri().path();
    if is_api(path) {
        return ApiError(e).into_response();
    }
    let lang = Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    crate::pages::error_response(lang, &e, path)
}

/// Who the credentials in `headers` belong to: an `Authorization: Bearer` API
/// token (a bad one is `Unauthorized`), else the session cookie (an unknown or
/// expired one is nobody).
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<Authed>, AppError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| SecretString::from(t.trim().to_owned()));
        let found = match token {
            Some(t) => tend_core::access::resolve_token(&*state.store, &t).await?,
            None => None,
        };
        return match found {
            Some((_, user)) => Ok(Some(Authed {
                user,
                via: Via::Token,
            })),
            None => Err(AppError::Unauthorized),
        };
    }
    if let Some(value) = cookie(headers, SESSION_COOKIE) {
        let now = state.clock.now();
        let found = match state.cache.session(value) {
            Some(hit) if hit.0.expires_at > now => Some(hit),
            _ => {
                let found = tend_core::access::resolve_session(&*state.store, value, now).await?;
                if let Some(found) = &found {
                    state.cache.put_session(value, found.clone());
                }
                found
            }
        };
        if let Some((session, user)) = found {
            return Ok(Some(Authed {
                user,
                via: Via::Session {
                    csrf: session.csrf_token,
                },
            }));
        }
    }
    Ok(None)
}

/// Resolves the session or API token, checks CSRF on state-changing requests, and
/// puts `Option<Authed>` and the reader's [`Lang`] into the request extensions.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // A state-changing request may change what the read cache holds: empty it before
    // (so the request itself reads fresh data) and after (so nothing a concurrent
    // reader cached meanwhile outlives the change). See `cache`.
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        state.cache.clear();
        let response = authenticate_inner(state.clone(), req, next).await;
        state.cache.clear();
        return response;
    }
    authenticate_inner(state, req, next).await
}

async fn authenticate_inner(state: AppState, req: Request, next: Next) -> Response {
    let authed = match resolve(&state, req.headers()).await {
        Ok(a) => a,
        Err(e) => return refuse_early(&req, e),
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut req = req;
    if unsafe_method {
        if !same_origin(req.headers()) {
            return refuse_early(&req, AppError::Forbidden("cross-origin request"));
        }
        if let Some(Authed {
            via: Via::Session { csrf },
            ..
        }) = &authed
        {
            let (parts, body) = req.into_parts();
            let head = Request::from_parts(parts.clone(), Body::empty());
            match check_csrf(Request::from_parts(parts, body), csrf).await {
                Ok(r) => req = r,
                Err(()) => {
                    return refuse_early(&head, AppError::Forbidden("missing or wrong CSRF token"));
                }
            }
        }
    }
    let lang = match &authed {
        Some(a) => Lang::from_code(&a.user.locale),
        None => Lang::from_accept_language(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        ),
    };
    req.extensions_mut().insert(authed);
    req.extensions_mut().insert(lang);
    next.run(req).await
}

/// False when an `Origin` header names a different host than `Host`.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    origin_host.eq_ignore_ascii_case(host)
}

/// Checks the header, or the `csrf` field of a urlencoded form (the body is read and
/// put back for the handler).
async fn check_csrf(req: Request, expected: &str) -> Result<Request, ()> {
    if let Some(sent) = req.headers().get(CSRF_HEADER) {
        return if constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
            Ok(req)
        } else {
            Err(())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| ())?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|_| ())?;
    let ok = fields
        .iter()
        .any(|(k, v)| k == "csrf" && constant_time_eq(v.as_bytes(), expected.as_bytes()));
    if !ok {
        return Err(());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Compares without stopping at the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The signed-in user; otherwise 401 for the API and a redirect to the login page.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Authed);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Option<Authed>>() {
            Some(Some(a)) => Ok(CurrentUser(a.clone())),
            _ => Err(unauthorized(parts)),
        }
    }
}

fn unauthorized(parts: &Parts) -> Response {
    let path = parts.uri.path();
    if is_api(path) {
        return ApiError(AppError::Unauthorized).into_response();
    }
    let next = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    Redirect::to(&format!("/login?{query}")).into_response()
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Lang>().copied().unwrap_or(Lang::En))
    }
}

/// A workspace named by the `{slug}` in the URL, which the user belongs to, and
/// their role there. Not a member: 404, as if it did not exist.
#[derive(Debug, Clone)]
pub struct Ws {
    /// The user.
    pub auth: Authed,
    /// The workspace.
    pub workspace: Workspace,
    /// The user's role in it.
    pub role: Role,
}

impl Ws {
    /// The `tend-core` actor for this user here.
    pub fn actor(&self) -> Actor {
        Actor::user(self.auth.user.id, self.workspace.id, self.role)
    }

    /// Whether the role has `permission` (to show or hide a control), from the one
    /// table in `tend_core::team::permissions`.
    pub fn may(&self, permission: Permission) -> bool {
        self.actor().may(permission)
    }

    /// Whether the role sees internal notes (`Permission::ReadNotes`).
    pub fn sees_notes(&self) -> bool {
        self.may(Permission::ReadNotes)
    }
}

impl FromRequestParts<AppState> for Ws {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentUser(auth) = CurrentUser::from_request_parts(parts, state).await?;
        let path = parts.uri.path().to_owned();
        let Ok(Path(params)) =
            Path::<HashMap<String, String>>::from_request_parts(parts, state).await
        else {
            return Err(refuse(&path, AppError::NotFound));
        };
        let Some(slug) = params.get("slug") else {
            return Err(refuse(&path, AppError::NotFound));
        };
        let found = match state.cache.membership(auth.user.id, slug) {
            Some(hit) => Ok(hit),
            None => state
                .store
                .membership(auth.user.id, slug)
                .await
                .inspect(|found| {
                    state
                        .cache
                        .put_membership(auth.user.id, slug, found.clone())
                }),
        };
        match found {
            Ok((workspace, role)) => Ok(Ws {
                auth,
                workspace,
                role,
            }),
            Err(e) => Err(refuse(&path, e.into())),
        }
    }
}
