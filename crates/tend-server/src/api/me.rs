//! `GET /api/me`: who am I, and which workspaces can I open.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use tend_domain::{Role, UserId};
use utoipa::ToSchema;

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// Their id.
    pub id: UserId,
    /// Their e-mail address.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their interface language (`en` or `sv`).
    pub locale: String,
    /// The workspaces they belong to, by name.
    pub workspaces: Vec<Membership>,
}

/// A workspace the user belongs to, and their role there.
#[derive(Serialize, ToSchema)]
pub struct Membership {
    /// The workspace's slug, as used in `/api/w/{slug}/…`.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// The user's role there.
    pub role: Role,
}

/// The user and their workspaces with roles.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "account",
    responses((status = 200, description = "The signed-in user", body = Me))
)]
pub async fn me(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Json<Me>, ApiError> {
    let workspaces = state
        .store
        .user_workspaces(auth.user.id)
        .await?
        .into_iter()
        .map(|(w, role)| Membership {
            slug: w.slug.as_str().to_owned(),
            name: w.name,
            role,
        })
        .collect();
    Ok(Json(Me {
        id: auth.user.id,
        email: auth.user.email.as_str().to_owned(),
        name: auth.user.name,
        locale: auth.user.locale,
        workspaces,
    }))
}
