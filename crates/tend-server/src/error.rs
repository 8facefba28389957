//! How failures become responses: one `AppError` with the kinds a client can act
//! on, answered as JSON by the API (`ApiError`) and as a localised page by the web
//! app (`PageError`, rendered by `pages::error_pages`, which knows the reader's
//! language). Causes are logged, never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tend_core::accounts::AccountError;
use tend_core::channels::ChannelsError;
use tend_core::conversations::ActionError;
use tend_core::jobs::admin::JobsError;
use tend_core::listening::ListenError;
use tend_core::listening::topics::TopicError;
use tend_core::moderation::review::ReviewError;
use tend_core::moderation::rules::RulesError;
use tend_core::team::tokens::AccountSettingsError;
use tend_core::team::{Forbidden, Permission};
use tend_store::StoreError;

/// What went wrong, as far as the client is concerned.
#[derive(Debug, Clone)]
pub enum AppError {
    /// Missing, or in a workspace the user is not in (the two look the same).
    NotFound,
    /// Not signed in (or a bad API token).
    Unauthorized,
    /// A CSRF or origin failure.
    Forbidden(&'static str),
    /// Signed in, but the role lacks the permission (the page says why, localised).
    Refused(Permission),
    /// Input rejected; names the field.
    BadRequest {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The change conflicts with the current state: a safe message (never
    /// database text; see `tend_store::Conflict`).
    Conflict(String),
    /// A reply that does not fit the network: the problems, as JSON.
    Unprocessable(serde_json::Value),
    /// Input that was read but does not hold (rules that do not parse): what is
    /// wrong, for people (names document, line and key).
    Rejected(String),
    /// Something on our side failed (logged).
    Internal,
}

impl AppError {
    /// A bad-request error for `field`.
    pub fn bad(field: &str, message: impl Into<String>) -> AppError {
        AppError::BadRequest {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Refused(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable(_) | AppError::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) | AppError::Refused(_) => "forbidden",
            AppError::BadRequest { .. } => "bad_request",
            AppError::Conflict(_) => "conflict",
            AppError::Unprocessable(_) | AppError::Rejected(_) => "unprocessable",
            AppError::Internal => "internal",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            // Only the conflict's safe message is shown; the database's own words
            // (which differ between SQLite and PostgreSQL) go to the log.
            StoreError::Conflict(c) => {
                if let Some(source) = std::error::Error::source(&c) {
                    tracing::info!(conflict = %c, cause = %source, "store conflict");
                }
                AppError::Conflict(c.message().to_owned())
            }
            StoreError::Invalid(v) => AppError::bad(v.field, v.message),
            other => {
                tracing::error!(error = %other, "store failure");
                AppError::Internal
            }
        }
    }
}

impl From<Forbidden> for AppError {
    fn from(e: Forbidden) -> AppError {
        AppError::Refused(e.permission)
    }
}

impl From<ActionError> for AppError {
    fn from(e: ActionError) -> AppError {
        match e {
            ActionError::Invalid(v) => AppError::bad(v.field, v.message),
            ActionError::Reply(problems) => AppError::Unprocessable(json!(problems)),
            ActionError::Store(e) => e.into(),
            ActionError::Forbidden(e) => e.into(),
        }
    }
}

impl From<RulesError> for AppError {
    fn from(e: RulesError) -> AppError {
        match e {
            RulesError::Forbidden(e) => e.into(),
            RulesError::Invalid(v) => AppError::bad(v.field, v.message),
            RulesError::Rejected(text) => AppError::Rejected(text),
            RulesError::Store(e) => e.into(),
        }
    }
}

impl From<JobsError> for AppError {
    fn from(e: JobsError) -> AppError {
        match e {
            JobsError::Forbidden(e) => e.into(),
            JobsError::Store(e) => e.into(),
        }
    }
}

impl From<ChannelsError> for AppError {
    fn from(e: ChannelsError) -> AppError {
        match e {
            ChannelsError::Forbidden(e) => e.into(),
            // In words a teammate can act on: a bad setting, a channel that is
            // not connected, or what the network answered (never a secret: the
            // connectors' errors do not carry credentials).
            ChannelsError::Invalid(message) => AppError::Rejected(message),
            ChannelsError::Network(e) => AppError::Rejected(e.to_string()),
            ChannelsError::Secret(e) => {
                tracing::error!(error = %e, "sealing or opening channel credentials failed");
                AppError::Internal
            }
            ChannelsError::Store(e) => e.into(),
        }
    }
}

impl From<ReviewError> for AppError {
    fn from(e: ReviewError) -> AppError {
        match e {
            ReviewError::Forbidden(e) => e.into(),
            ReviewError::Invalid(v) => AppError::bad(v.field, v.message),
            ReviewError::Store(e) => e.into(),
        }
    }
}

impl From<TopicError> for AppError {
    fn from(e: TopicError) -> AppError {
        match e {
            TopicError::Forbidden(e) => e.into(),
            TopicError::Listen(ListenError::Query(q)) => AppError::Rejected(format!("query: {q}")),
            TopicError::Listen(ListenError::Store(e)) => e.into(),
        }
    }
}

impl From<AccountSettingsError> for AppError {
    fn from(e: AccountSettingsError) -> AppError {
        match e {
            AccountSettingsError::Forbidden(e) => e.into(),
            AccountSettingsError::Store(e) => e.into(),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> AppError {
        match e {
            AccountError::Invalid(v) => AppError::bad(v.field, v.message),
            AccountError::Store(e) => e.into(),
            AccountError::Hash(m) => {
                tracing::error!(error = %m, "password hashing failed");
                AppError::Internal
            }
        }
    }
}

/// An error answered as JSON: `{"error": code, "message": …, "field"?: …, "problems"?: […]}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let mut body = json!({ "error": e.code() });
        match &e {
            AppError::BadRequest { field, message } => {
                body["field"] = json!(field);
                body["message"] = json!(format!("{field}: {message}"));
            }
            AppError::Conflict(m) => body["message"] = json!(m),
            AppError::Forbidden(m) => body["message"] = json!(m),
            AppError::Refused(p) => body["message"] = json!(p.refusal()),
            AppError::Rejected(m) => body["message"] = json!(m),
            AppError::Unprocessable(problems) => body["problems"] = problems.clone(),
            _ => {}
        }
        (e.status(), Json(body)).into_response()
    }
}

/// An error answered as a page. The response carries the error as an extension and
/// `pages::error_pages` renders it in the reader's language (or, for
/// `Unauthorized`, redirects to the login page).
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut res = self.0.status().into_response();
        res.extensions_mut().insert(self.0);
        res
    }
}
