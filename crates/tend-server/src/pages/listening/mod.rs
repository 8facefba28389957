//! The listening dashboards (`/w/{slug}/listening`, `/w/{slug}/listening/{id}`) and
//! topic management (`/w/{slug}/listening/topics`). Charts are SVG drawn on the
//! server by `tend-chart` (which escapes every piece of text it is given; the SVG is
//! the only markup these templates insert unescaped), each with a CSV link: the same
//! URL with `csv=<chart>`. The figures come from `tend_core::listening::dashboard`
//! over the last 7, 30 or 90 local days of the workspace, in hour, day or week
//! buckets. Everyone in the workspace sees the figures; every role but clients sees
//! and manages topics (clients do not see queries); admins set the alert webhook
//! (`tend_core::team::permissions`). The use cases (`tend_core::listening::topics`)
//! are shared with the JSON API (`api::listening`).

mod csv;
mod manage;
mod overview;
mod present;
mod topic;

pub use csv::{detail_csv, overview_csv};
pub use manage::{create_form, delete_form, topics_page, update_form, webhook_form};
pub use overview::overview_page;
pub use present::number_style;
pub use topic::topic_page;

use csv::*;
use present::*;

use super::{PageCtx, render};
use crate::AppState;
use crate::auth::Ws;
use crate::error::{AppError, PageError};
use crate::i18n::Lang;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::{ToSpan as _, Zoned};
use serde::Deserialize;
use std::collections::HashMap;
use tend_chart::{
    Bar, BarChart, Colour, Labels, NumberStyle, Series, SeriesChart, ShareChart, format_number,
};
use tend_core::listening::ListenError;
use tend_core::listening::alerts::Driver;
use tend_core::listening::dashboard::{self, Detail, Granularity, Overview, Period, TermRow};
use tend_core::listening::topics::{self, TopicError};
use tend_core::text::excerpt;
use tend_domain::{Alert, AlertKind, IdentityId, NewTopic, Topic, TopicId, TopicRole};

pub use crate::params::{DAY_CHOICES, MAX_HOURLY_DAYS, PeriodParams};

/// Topics drawn in the overview's volume chart (the largest in the period).
pub const LINE_TOPICS: usize = 6;

/// The overview's figures for the workspace.
pub async fn load_overview(
    state: &AppState,
    ws: &Ws,
    params: &PeriodParams,
) -> Result<Overview, AppError> {
    let period = params.period(state.clock.now(), &ws.workspace.tz())?;
    Ok(topics::overview(&state.store, &state.dashboards, &ws.actor(), period).await?)
}

/// One topic's figures (404 for a topic of another workspace).
pub async fn load_detail(
    state: &AppState,
    ws: &Ws,
    id: TopicId,
    params: &PeriodParams,
) -> Result<Detail, AppError> {
    let period = params.period(state.clock.now(), &ws.workspace.tz())?;
    Ok(topics::detail(&state.store, &state.dashboards, &ws.actor(), id, period).await?)
}

/// Why a topic was not saved.
#[derive(Debug)]
pub enum TopicRefusal {
    /// The query does not parse.
    Query {
        /// `column N: what is wrong`.
        message: String,
        /// The query with a caret under the column.
        caret: String,
    },
    /// Anything else (role, validation, missing topic).
    Other(AppError),
}

impl From<AppError> for TopicRefusal {
    fn from(e: AppError) -> TopicRefusal {
        TopicRefusal::Other(e)
    }
}

impl From<TopicRefusal> for AppError {
    fn from(r: TopicRefusal) -> AppError {
        match r {
            TopicRefusal::Query { message, .. } => AppError::Rejected(format!("query: {message}")),
            TopicRefusal::Other(e) => e,
        }
    }
}

fn refusal(e: TopicError, query: &str) -> TopicRefusal {
    match e {
        TopicError::Listen(ListenError::Query(q)) => TopicRefusal::Query {
            message: q.to_string(),
            caret: q.render(query),
        },
        other => TopicRefusal::Other(other.into()),
    }
}

/// Creates a topic (`tend_core::listening::topics`, which checks the role).
pub async fn create(state: &AppState, ws: &Ws, new: &NewTopic) -> Result<Topic, TopicRefusal> {
    topics::create(&*state.store, &ws.actor(), new)
        .await
        .map_err(|e| refusal(e, &new.query))
}

/// Changes a topic; a changed query restarts its backfill.
pub async fn update(
    state: &AppState,
    ws: &Ws,
    id: TopicId,
    new: &NewTopic,
) -> Result<Topic, TopicRefusal> {
    topics::update(&*state.store, &ws.actor(), id, new)
        .await
        .map_err(|e| refusal(e, &new.query))
}

/// Deletes a topic with its matches and alerts.
pub async fn delete(state: &AppState, ws: &Ws, id: TopicId) -> Result<(), AppError> {
    Ok(topics::delete(&*state.store, &ws.actor(), id).await?)
}

/// Sets or clears (empty) the alert webhook (admins).
pub async fn set_webhook(state: &AppState, ws: &Ws, url: &str) -> Result<(), AppError> {
    Ok(topics::set_alert_webhook(&*state.store, &ws.actor(), url).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_labels_follow_the_language() {
        let z: Zoned = "2026-11-24T14:00:00+01:00[Europe/Stockholm]"
            .parse()
            .unwrap();
        assert_eq!(bucket_label(Lang::En, &z, Granularity::Day), "24 Nov");
        assert_eq!(
            bucket_label(Lang::Sv, &z, Granularity::Hour),
            "24 nov. 14:00"
        );
        assert_eq!(bucket_label(Lang::Sv, &z, Granularity::Week), "Vecka 48");
        assert_eq!(iso_local(&z), "2026-11-24T14:00:00+01:00");
    }
}
