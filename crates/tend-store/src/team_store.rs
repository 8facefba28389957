//! Who works in Tend: workspaces, teammates and their roles, login sessions, API
//! tokens and the interface language. A supertrait of [`Store`](crate::Store);
//! implemented in `sql/team/`.

use crate::StoreError;
use async_trait::async_trait;
use jiff::Timestamp;
use tend_domain::{
    ApiToken, ApiTokenId, BusinessHours, Email, NewUser, NewWorkspace, Role, Session, User, UserId,
    Workspace, WorkspaceId,
};

/// Team storage. Workspace-scoped reads take the `WorkspaceId`; e-mails and
/// workspace slugs are unique (`Conflict` on a second one); sessions and tokens
/// are found by the hash of their secret, never by the secret.
#[async_trait]
pub trait TeamStore: Send + Sync {
    /// Creates a workspace; `Conflict` if the slug is taken.
    async fn create_workspace(&self, new: &NewWorkspace) -> Result<Workspace, StoreError>;
    /// One workspace.
    async fn workspace(&self, id: WorkspaceId) -> Result<Workspace, StoreError>;
    /// One workspace by slug.
    async fn workspace_by_slug(&self, slug: &str) -> Result<Workspace, StoreError>;
    /// Every workspace of the installation, by name.
    async fn list_workspaces(&self) -> Result<Vec<Workspace>, StoreError>;
    /// Changes time zone, business hours and first-response target.
    async fn update_workspace_hours(
        &self,
        id: WorkspaceId,
        time_zone: &str,
        hours: &BusinessHours,
        response_target_secs: i64,
    ) -> Result<Workspace, StoreError>;
    /// Creates a teammate; `Conflict` if the e-mail is taken.
    async fn create_user(&self, new: &NewUser) -> Result<User, StoreError>;
    /// One teammate.
    async fn user(&self, id: UserId) -> Result<User, StoreError>;
    /// A teammate and their password hash, for login.
    async fn user_credentials(&self, email: &Email) -> Result<(User, String), StoreError>;
    /// Replaces a teammate's password hash.
    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<(), StoreError>;
    /// Number of teammates (0 on a fresh install).
    async fn count_users(&self) -> Result<i64, StoreError>;
    /// Gives a teammate a role in a workspace (replacing any previous role there).
    async fn grant_role(
        &self,
        user: UserId,
        workspace: WorkspaceId,
        role: Role,
    ) -> Result<(), StoreError>;
    /// Removes a teammate from a workspace.
    async fn revoke_membership(
        &self,
        user: UserId,
        workspace: WorkspaceId,
    ) -> Result<(), StoreError>;
    /// The teammate's role in a workspace, if any.
    async fn role_in(
        &self,
        user: UserId,
        workspace: WorkspaceId,
    ) -> Result<Option<Role>, StoreError>;
    /// The workspaces a teammate belongs to, with their role, by name.
    async fn user_workspaces(&self, user: UserId) -> Result<Vec<(Workspace, Role)>, StoreError>;
    /// Stores a new login session.
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;
    /// The live session with this hash and its user; `NotFound` when it is unknown or
    /// expired. Records `now` as last seen when the stored value is older than a minute.
    async fn session(&self, id_hash: &str, now: Timestamp) -> Result<(Session, User), StoreError>;
    /// Ends a session (idempotent).
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;
    /// Ends every session of a teammate (after a password change); returns how many.
    async fn delete_user_sessions(&self, user: UserId) -> Result<u64, StoreError>;
    /// Deletes expired sessions; returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError>;
    /// Stores a new API token (its secret's hash) for a teammate.
    async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        prefix: &str,
        token_hash: &str,
    ) -> Result<ApiToken, StoreError>;
    /// A teammate's tokens, newest first, revoked ones included.
    async fn api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError>;
    /// Revokes one of a teammate's tokens; `NotFound` for someone else's.
    async fn revoke_api_token(&self, user: UserId, id: ApiTokenId) -> Result<(), StoreError>;
    /// The unrevoked token with this hash and its owner; records the use.
    async fn api_token_user(&self, token_hash: &str) -> Result<(ApiToken, User), StoreError>;
    /// The workspace with `slug` and the teammate's role there, in one query;
    /// `NotFound` when it does not exist or they are not a member.
    async fn membership(&self, user: UserId, slug: &str) -> Result<(Workspace, Role), StoreError>;
    /// The teammates of a workspace with their roles, by name.
    async fn workspace_users(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Vec<(User, Role)>, StoreError>;
    /// Changes a teammate's interface language (`en` or `sv`).
    async fn set_user_locale(&self, user: UserId, locale: &str) -> Result<(), StoreError>;
}
