//! [`MemberStore`](crate::MemberStore) on the SQL store: identities and the
//! members they belong to (`identities`); the inbox's read path answers identity
//! batches and a member's messages.

pub(crate) mod identities;

use crate::StoreError;
use crate::sql::SqlStore;
use std::collections::HashSet;
use tend_domain::{
    Identity, IdentityId, MemberId, MemberProfile, Message, NewIdentity, WorkspaceId,
};

#[async_trait::async_trait]
impl crate::MemberStore for SqlStore {
    async fn upsert_identity(&self, new: &NewIdentity) -> Result<Identity, StoreError> {
        identities::upsert(&self.pool, self.backend, new).await
    }
    async fn identity(
        &self,
        workspace: WorkspaceId,
        id: IdentityId,
    ) -> Result<Identity, StoreError> {
        identities::by_id(&self.pool, workspace, id).await
    }
    async fn member_profile(
        &self,
        workspace: WorkspaceId,
        id: MemberId,
    ) -> Result<MemberProfile, StoreError> {
        identities::profile(&self.pool, workspace, id).await
    }
    async fn merge_members(
        &self,
        workspace: WorkspaceId,
        keep: MemberId,
        absorb: MemberId,
    ) -> Result<MemberProfile, StoreError> {
        identities::merge(&self.pool, workspace, keep, absorb).await
    }
    async fn split_identity(
        &self,
        workspace: WorkspaceId,
        identity: IdentityId,
    ) -> Result<MemberProfile, StoreError> {
        identities::split(&self.pool, workspace, identity).await
    }
    async fn member_counts(
        &self,
        workspace: WorkspaceId,
    ) -> Result<crate::MemberCounts, StoreError> {
        identities::counts(&self.pool, workspace).await
    }
    async fn upsert_identities(
        &self,
        batch: &[NewIdentity],
    ) -> Result<Vec<IdentityId>, StoreError> {
        identities::upsert_batch(&self.pool, self.backend, batch).await
    }
    async fn identities(
        &self,
        workspace: WorkspaceId,
        ids: &[IdentityId],
    ) -> Result<Vec<Identity>, StoreError> {
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
        workspace: WorkspaceId,
        identities: &[IdentityId],
    ) -> Result<HashSet<IdentityId>, StoreError> {
        identities::community_members(&self.pool, self.backend, workspace, identities).await
    }
    async fn member_messages(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
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
