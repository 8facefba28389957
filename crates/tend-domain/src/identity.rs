//! Identities (a handle on one platform) and members (a person with one or
//! more identities). Every identity belongs to exactly one member: a new
//! identity gets a member of its own, and merging moves identities between
//! members, so a merge can always be undone by splitting the identity off.

use crate::{ChannelKind, IdentityId, MemberId, ValidationError, WorkspaceId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A handle on one platform, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identity {
    /// Its id.
    pub id: IdentityId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// The person it belongs to.
    pub member_id: MemberId,
    /// The platform.
    pub platform: ChannelKind,
    /// The platform's stable user id (or the handle where the platform has none).
    pub external_id: String,
    /// The handle, e.g. `alice` or `alice@mastodon.social`.
    pub handle: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Profile link.
    pub profile_url: Option<String>,
    /// Followers, subscribers, or a follower-like figure (Stack Exchange reputation).
    pub followers: Option<i64>,
    /// Verified by the platform.
    pub verified: bool,
    /// E-mail address, where the platform discloses it.
    pub email: Option<String>,
    /// First seen by Tend.
    pub first_seen: Timestamp,
    /// When Tend last changed its description (handle, name, followers …).
    pub last_seen: Timestamp,
}

/// An identity as a source reports it; the store upserts on
/// `(workspace, platform, external_id)`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIdentity {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The platform.
    pub platform: ChannelKind,
    /// The platform's stable user id.
    pub external_id: String,
    /// The handle.
    pub handle: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Profile link.
    pub profile_url: Option<String>,
    /// Follower-like figure.
    pub followers: Option<i64>,
    /// Verified.
    pub verified: bool,
    /// E-mail.
    pub email: Option<String>,
}

impl NewIdentity {
    /// An identity with only a handle; the handle doubles as the external id.
    pub fn new(
        workspace_id: WorkspaceId,
        platform: ChannelKind,
        handle: &str,
    ) -> Result<NewIdentity, ValidationError> {
        let handle = handle.trim();
        if handle.is_empty() || handle.len() > 512 {
            return Err(ValidationError::new("handle", "must be 1-512 bytes"));
        }
        Ok(NewIdentity {
            workspace_id,
            platform,
            external_id: handle.to_owned(),
            handle: handle.to_owned(),
            display_name: None,
            profile_url: None,
            followers: None,
            verified: false,
            email: None,
        })
    }
}

/// A person in the community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// Its id.
    pub id: MemberId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// The name shown for the person (from their first identity unless edited).
    pub display_name: String,
    /// When the member was first seen.
    pub created_at: Timestamp,
}

/// A member with all their identities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberProfile {
    /// The person.
    pub member: Member,
    /// Their handles, oldest first.
    pub identities: Vec<Identity>,
}
