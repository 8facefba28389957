//! [`MemberStore`](crate::MemberStore) on the SQL store: identities and the
//! members they belong to (`identities`); the inbox's read path answers identity
//! batches and a member's messages.

pub(crate) mod identities;

use crate::StoreError;
use crate::sql::SqlStore;

#[async_trait::async_trait]
impl crate::MemberStore for SqlStore {
    async fn upsert_identity(
        &self,
        new: &tend_domain::NewIdentity,
    ) -> Result<tend_domain::Identity, StoreError> {
        identities::upsert(&self.pool, new).await
    }
    async fn identity(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::IdentityId,
    ) -> Result<tend_domain::Identity, StoreError> {
        identities::by_id(&self.pool, workspace, id).await
    }
    async fn member_profile(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::MemberId,
    ) -> Result<tend_domain::MemberProfile, StoreError> {
        identities::profile(&self.pool, workspace, id).await
    }
    async fn merge_members(
        &self,
        workspace: tend_domain::WorkspaceId,
        keep: tend_domain::MemberId,
        absorb: tend_domain::MemberId,
    ) -> Result<tend_domain::MemberProfile, StoreError> {
        identities::merge(&self.pool, workspace, keep, absorb).await
    }
    async fn split_identity(
        &self,
        workspace: tend_domain::WorkspaceId,
        identity: tend_domain::IdentityId,
    ) -> Result<tend_domain::MemberProfile, StoreError> {
        identities::split(&self.pool, workspace, identity).await
    }
    async fn member_counts(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<crate::MemberCounts, StoreError> {
        identities::counts(&self.pool, workspace).await
    }
    async fn upsert_identities(
        &self,
        batch: &[tend_domain::NewIdentity],
    ) -> Result<Vec<tend_domain::IdentityId>, StoreError> {
        identities::upsert_batch(&self.pool, batch).await
    }
    async fn identities(
        &self,
        workspace: tend_domain::WorkspaceId,
        ids: &[tend_domain::IdentityId],
    ) -> Result<Vec<tend_domain::Identity>, StoreError> {
        crate::sql::inbox::conversations::identities_read(
            &self.pool,
            self.reader.as_ref(),
            workspace,
            ids,
        )
        .await
    }
    async fn community_members(
        &self,
        workspace: tend_domain::WorkspaceId,
        identities: &[tend_domain::IdentityId],
    ) -> Result<std::collections::HashSet<tend_domain::IdentityId>, StoreError> {
        identities::community_members(&self.pool, self.backend, workspace, identities).await
    }
    async fn member_messages(
        &self,
        workspace: tend_domain::WorkspaceId,
        member: tend_domain::MemberId,
        limit: u32,
    ) -> Result<Vec<tend_domain::Message>, StoreError> {
        crate::sql::inbox::conversations::member_messages(
            &self.pool,
            self.backend,
            workspace,
            member,
            limit,
        )
        .await
    }
}
