//! [`TeamStore`](crate::TeamStore) on the SQL store: workspaces
//! (`workspaces`), teammates and their roles (`users`), and what the web app and
//! the API need to know who is asking (`access`: sessions, API tokens, locale).

pub(crate) mod access;
pub(crate) mod users;
pub(crate) mod workspaces;

use crate::StoreError;
use crate::sql::SqlStore;
use jiff::Timestamp;
use tend_domain::{
    ApiToken, ApiTokenId, BusinessHours, Email, NewUser, NewWorkspace, Role, Session, User, UserId,
    Workspace, WorkspaceId,
};

#[async_trait::async_trait]
impl crate::TeamStore for SqlStore {
    async fn create_workspace(&self, new: &NewWorkspace) -> Result<Workspace, StoreError> {
        workspaces::create(&self.pool, new).await
    }
    async fn workspace(&self, id: WorkspaceId) -> Result<Workspace, StoreError> {
        workspaces::by_id(&self.pool, id).await
    }
    async fn workspace_by_slug(&self, slug: &str) -> Result<Workspace, StoreError> {
        workspaces::by_slug(&self.pool, slug).await
    }
    async fn list_workspaces(&self) -> Result<Vec<Workspace>, StoreError> {
        workspaces::list(&self.pool).await
    }
    async fn update_workspace_hours(
        &self,
        id: WorkspaceId,
        time_zone: &str,
        hours: &BusinessHours,
        response_target_secs: i64,
    ) -> Result<Workspace, StoreError> {
        workspaces::update_hours(&self.pool, id, time_zone, hours, response_target_secs).await
    }
    async fn create_user(&self, new: &NewUser) -> Result<User, StoreError> {
        users::create(&self.pool, new).await
    }
    async fn user(&self, id: UserId) -> Result<User, StoreError> {
        users::by_id(&self.pool, id).await
    }
    async fn user_credentials(&self, email: &Email) -> Result<(User, String), StoreError> {
        users::credentials(&self.pool, email).await
    }
    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<(), StoreError> {
        users::set_password_hash(&self.pool, id, password_hash).await
    }
    async fn count_users(&self) -> Result<i64, StoreError> {
        users::count(&self.pool).await
    }
    async fn grant_role(
        &self,
        user: UserId,
        workspace: WorkspaceId,
        role: Role,
    ) -> Result<(), StoreError> {
        users::grant_role(&self.pool, user, workspace, role).await
    }
    async fn revoke_membership(
        &self,
        user: UserId,
        workspace: WorkspaceId,
    ) -> Result<(), StoreError> {
        users::revoke(&self.pool, user, workspace).await
    }
    async fn role_in(
        &self,
        user: UserId,
        workspace: WorkspaceId,
    ) -> Result<Option<Role>, StoreError> {
        users::role_in(&self.pool, user, workspace).await
    }
    async fn user_workspaces(&self, user: UserId) -> Result<Vec<(Workspace, Role)>, StoreError> {
        users::workspaces(&self.pool, user).await
    }
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        access::create_session(&self.pool, session).await
    }
    async fn session(&self, id_hash: &str, now: Timestamp) -> Result<(Session, User), StoreError> {
        access::session(&self.pool, id_hash, now).await
    }
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        access::delete_session(&self.pool, id_hash).await
    }
    async fn delete_user_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        access::delete_user_sessions(&self.pool, user).await
    }
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        access::delete_expired_sessions(&self.pool, now).await
    }
    async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        prefix: &str,
        token_hash: &str,
    ) -> Result<ApiToken, StoreError> {
        access::create_api_token(&self.pool, user, name, prefix, token_hash).await
    }
    async fn api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        access::api_tokens(&self.pool, user).await
    }
    async fn revoke_api_token(&self, user: UserId, id: ApiTokenId) -> Result<(), StoreError> {
        access::revoke_api_token(&self.pool, user, id).await
    }
    async fn api_token_user(&self, token_hash: &str) -> Result<(ApiToken, User), StoreError> {
        access::api_token_user(&self.pool, token_hash).await
    }
    async fn membership(&self, user: UserId, slug: &str) -> Result<(Workspace, Role), StoreError> {
        access::membership(&self.pool, user, slug).await
    }
    async fn workspace_users(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Vec<(User, Role)>, StoreError> {
        access::workspace_users(&self.pool, workspace).await
    }
    async fn set_user_locale(&self, user: UserId, locale: &str) -> Result<(), StoreError> {
        access::set_user_locale(&self.pool, user, locale).await
    }
}
