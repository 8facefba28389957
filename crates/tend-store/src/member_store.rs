//! The community's people: identities (one handle on one platform) grouped into
//! members, merged and split by teammates. A supertrait of
//! [`Store`](crate::Store); implemented in `sql/members/`.

use crate::StoreError;
use async_trait::async_trait;
use std::collections::HashSet;
use tend_domain::{
    Identity, IdentityId, MemberId, MemberProfile, Message, NewIdentity, WorkspaceId,
};

/// How many people a workspace's community has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct MemberCounts {
    /// Members (people), each with at least one identity.
    pub members: i64,
    /// Identities (handles on one platform).
    pub identities: i64,
    /// Members with identities on more than one platform.
    pub multi_platform: i64,
}

/// Member storage.
///
/// Contract: every identity belongs to exactly one member; an identity is unique
/// on `(workspace, platform, external id)`; another workspace's identity or
/// member answers `NotFound` (reads) or is left out (batch reads).
#[async_trait]
pub trait MemberStore: Send + Sync {
    /// Creates or updates an identity on `(workspace, platform, external id)`;
    /// a new identity gets a member of its own.
    async fn upsert_identity(&self, new: &NewIdentity) -> Result<Identity, StoreError>;
    /// One identity.
    async fn identity(
        &self,
        workspace: WorkspaceId,
        id: IdentityId,
    ) -> Result<Identity, StoreError>;
    /// A member with their identities.
    async fn member_profile(
        &self,
        workspace: WorkspaceId,
        id: MemberId,
    ) -> Result<MemberProfile, StoreError>;
    /// Moves every identity of `absorb` to `keep` and deletes `absorb`.
    async fn merge_members(
        &self,
        workspace: WorkspaceId,
        keep: MemberId,
        absorb: MemberId,
    ) -> Result<MemberProfile, StoreError>;
    /// Moves one identity to a new member of its own (undoes a merge).
    async fn split_identity(
        &self,
        workspace: WorkspaceId,
        identity: IdentityId,
    ) -> Result<MemberProfile, StoreError>;
    /// Members, identities and multi-platform members of a workspace.
    async fn member_counts(&self, workspace: WorkspaceId) -> Result<MemberCounts, StoreError>;
    /// Upserts many identities in one transaction (see [`MemberStore::upsert_identity`]), in order.
    async fn upsert_identities(&self, batch: &[NewIdentity])
    -> Result<Vec<IdentityId>, StoreError>;
    /// The identities with these ids (at most 500) that belong to the workspace.
    async fn identities(
        &self,
        workspace: WorkspaceId,
        ids: &[IdentityId],
    ) -> Result<Vec<Identity>, StoreError>;
    /// Of these identities, those whose member has an identity in a community space
    /// (forum, chat or Q&A site, [`crate::COMMUNITY_PLATFORMS`]): a member of the
    /// community, not only a voice on social networks. Listening's "to answer" and
    /// moderation's `is_member` both mean this.
    async fn community_members(
        &self,
        workspace: WorkspaceId,
        identities: &[IdentityId],
    ) -> Result<HashSet<IdentityId>, StoreError>;
    /// The newest messages written by any identity of a member, newest first.
    async fn member_messages(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
}
