//! The review queue as use cases: a page of open or decided items with their
//! messages and authors, the open count, and teammates' decisions. Shared by the
//! review page and the JSON API; the permission check is here.

use crate::conversations::read::identities_by_id;
use crate::team::{Actor, Forbidden, Permission};
use std::collections::HashMap;
use tend_domain::{
    Identity, IdentityId, Message, MessageId, ReviewDecision, ReviewId, ReviewItem, ValidationError,
};
use tend_store::StoreError;
use tend_store::prelude::*;

/// Items per page.
pub const PAGE: u32 = 50;
/// The most items one decision covers.
pub const MAX_DECIDE: usize = 500;

/// Why a review use case failed.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The actor's role may not do this.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Input failed validation.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Storage failed (including `NotFound` for another workspace's item).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One page of the review queue and what is needed to show it.
#[derive(Debug)]
pub struct ReviewData {
    /// The items, in queue order.
    pub items: Vec<ReviewItem>,
    /// Their messages.
    pub messages: HashMap<MessageId, Message>,
    /// The messages' authors.
    pub authors: HashMap<IdentityId, Identity>,
    /// The cursor of the next page, if the page was full.
    pub next: Option<ReviewId>,
}

/// A page of the open (escalated first) or decided items.
pub async fn load(
    store: &dyn Store,
    actor: &Actor,
    open: bool,
    before: Option<ReviewId>,
) -> Result<ReviewData, ReviewError> {
    actor.require(Permission::ReadReviewQueue)?;
    let w = actor.workspace;
    let items = store.review_queue(w, open, before, PAGE).await?;
    let next = (items.len() == PAGE as usize)
        .then(|| items.last().map(|i| i.id))
        .flatten();
    let ids: Vec<MessageId> = items.iter().map(|i| i.message_id).collect();
    let messages: HashMap<MessageId, Message> = store
        .messages(w, &ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let mut author_ids: Vec<IdentityId> = messages.values().filter_map(|m| m.author_id).collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let authors = identities_by_id(store, w, &author_ids).await?;
    Ok(ReviewData {
        items,
        messages,
        authors,
        next,
    })
}

/// How many items are open, counting at most `cap`.
pub async fn open_count(store: &dyn Store, actor: &Actor, cap: u32) -> Result<usize, ReviewError> {
    actor.require(Permission::ReadReviewQueue)?;
    let n = store.open_reviews(actor.workspace, cap).await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Decides review items of the workspace. Every id is checked first: one of
/// another workspace (or a missing one) answers `NotFound` and nothing is decided.
/// Returns how many were decided (already decided items are left as they are).
pub async fn decide(
    store: &dyn Store,
    actor: &Actor,
    ids: &[ReviewId],
    decision: ReviewDecision,
) -> Result<u64, ReviewError> {
    actor.require(Permission::Moderate)?;
    if ids.is_empty() || ids.len() > MAX_DECIDE {
        return Err(ValidationError::new("ids", "select 1-500 review items").into());
    }
    for id in ids {
        store.review_item(actor.workspace, *id).await?;
    }
    Ok(store
        .decide_reviews(actor.workspace, ids, decision, actor.user_id())
        .await?)
}
