//! Listening topics as use cases with the permission check inside: reading topics
//! (their queries are not for every role), creating, changing and deleting them,
//! the dashboards (where a role that may not see queries gets them blanked), alerts
//! and the alert webhook. The pages, the JSON API and the CLI call these.

use super::dashboard::{self, Cache, Detail, Overview, Period};
use super::{ListenError, create_topic, update_topic};
use crate::team::{Actor, Forbidden, Permission};
use jiff::Timestamp;
use std::sync::Arc;
use tend_domain::{Alert, NewTopic, Topic, TopicId};
use tend_store::StoreError;
use tend_store::prelude::*;

/// Alerts listed at most.
pub const MAX_ALERTS: i64 = 200;

/// Why a topic use case failed.
#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    /// The actor's role may not do this.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The query does not parse, or storage failed.
    #[error(transparent)]
    Listen(#[from] ListenError),
}

impl From<StoreError> for TopicError {
    fn from(e: StoreError) -> TopicError {
        TopicError::Listen(ListenError::Store(e))
    }
}

/// The workspace's topics with their queries.
pub async fn list(store: &dyn Store, actor: &Actor) -> Result<Vec<Topic>, TopicError> {
    actor.require(Permission::ReadTopics)?;
    Ok(store.topics(actor.workspace).await?)
}

/// One topic with its query.
pub async fn get(store: &dyn Store, actor: &Actor, id: TopicId) -> Result<Topic, TopicError> {
    actor.require(Permission::ReadTopics)?;
    Ok(store.topic(actor.workspace, id).await?)
}

/// Creates a topic after checking its query; the backfill starts on its own.
pub async fn create(store: &dyn Store, actor: &Actor, new: &NewTopic) -> Result<Topic, TopicError> {
    actor.require(Permission::ManageTopics)?;
    Ok(create_topic(store, actor.workspace, new, actor.user_id()).await?)
}

/// Changes a topic; a changed query restarts its backfill.
pub async fn update(
    store: &dyn Store,
    actor: &Actor,
    id: TopicId,
    new: &NewTopic,
) -> Result<Topic, TopicError> {
    actor.require(Permission::ManageTopics)?;
    Ok(update_topic(store, actor.workspace, id, new).await?)
}

/// Deletes a topic with its matches and alerts.
pub async fn delete(store: &dyn Store, actor: &Actor, id: TopicId) -> Result<(), TopicError> {
    actor.require(Permission::ManageTopics)?;
    Ok(store.delete_topic(actor.workspace, id).await?)
}

/// The overview's figures. Topic queries are blanked for roles that may not read
/// them (clients see the figures, not how the brand listens).
pub async fn overview(
    store: &Arc<dyn Store>,
    cache: &Cache,
    actor: &Actor,
    period: Period,
) -> Result<Overview, TopicError> {
    actor.require(Permission::ReadDashboards)?;
    let mut o = dashboard::overview(store, cache, actor.workspace, period).await?;
    if !actor.may(Permission::ReadTopics) {
        for s in &mut o.series {
            s.topic.query.clear();
        }
    }
    Ok(o)
}

/// One topic's figures (`NotFound` for a topic of another workspace), with the
/// query blanked as in [`overview`].
pub async fn detail(
    store: &Arc<dyn Store>,
    cache: &Cache,
    actor: &Actor,
    id: TopicId,
    period: Period,
) -> Result<Detail, TopicError> {
    actor.require(Permission::ReadDashboards)?;
    let mut d = dashboard::detail(store, cache, actor.workspace, id, period).await?;
    if !actor.may(Permission::ReadTopics) {
        d.series.topic.query.clear();
    }
    Ok(d)
}

/// Alerts that started since `since`, newest first.
pub async fn alerts(
    store: &dyn Store,
    actor: &Actor,
    since: Timestamp,
) -> Result<Vec<Alert>, TopicError> {
    actor.require(Permission::ReadDashboards)?;
    Ok(store.alerts(actor.workspace, since, MAX_ALERTS).await?)
}

/// The alert webhook (admins).
pub async fn alert_webhook(store: &dyn Store, actor: &Actor) -> Result<Option<String>, TopicError> {
    actor.require(Permission::Administer)?;
    Ok(store.alert_webhook(actor.workspace).await?)
}

/// Sets or clears (blank) the alert webhook (admins).
pub async fn set_alert_webhook(
    store: &dyn Store,
    actor: &Actor,
    url: &str,
) -> Result<(), TopicError> {
    actor.require(Permission::Administer)?;
    let url = url.trim();
    let url = (!url.is_empty()).then_some(url);
    Ok(store.set_alert_webhook(actor.workspace, url).await?)
}
