//! `/api/w/{slug}/listening/…`: listening topics (list, create, change, delete), the
//! overview and per-topic dashboard figures, alerts and the alert webhook. The same
//! use cases as the listening pages (`tend_core::listening::topics`), which ask the
//! permission table: every role reads the figures; topics and their queries are for
//! every role but clients (`read-topics`, `manage-topics`); admins set the webhook.

use super::{Body, ErrorBody};
use crate::AppState;
use crate::auth::Ws;
use crate::error::{ApiError, AppError};
use crate::params::{DEFAULT_DAYS, MAX_DAYS, PeriodParams};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiff::{Timestamp, ToSpan as _};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tend_core::listening::alerts::Driver;
use tend_core::listening::dashboard::{Detail, Overview, Period, Point, TermRow, TopicSeries};
use tend_core::listening::topics;
use tend_domain::{Alert, Message, MessageId, NewTopic, Topic, TopicId};
use tend_store::AuthorCount;
use utoipa::ToSchema;

/// Every topic of the workspace.
#[utoipa::path(
    get,
    path = "/api/w/{slug}/listening/topics",
    tag = "listening",
    params(("slug" = String, Path, description = "The workspace")),
    responses((status = 200, description = "The topics", body = Vec<Topic>))
)]
pub async fn list_topics(
    State(state): State<AppState>,
    ws: Ws,
) -> Result<Json<Vec<Topic>>, ApiError> {
    Ok(Json(topics::list(&*state.store, &ws.actor()).await?))
}

/// Creates a topic; matching over the stored history (the backfill) starts on its
/// own. Every role but clients (`manage-topics`).
#[utoipa::path(
    post,
    path = "/api/w/{slug}/listening/topics",
    tag = "listening",
    params(("slug" = String, Path, description = "The workspace")),
    request_body = NewTopic,
    responses(
        (status = 201, description = "The topic", body = Topic),
        (status = 409, description = "A topic of that name exists", body = ErrorBody),
        (status = 422, description = "The query does not parse; `message` names the column", body = ErrorBody),
    )
)]
pub async fn create_topic(
    State(state): State<AppState>,
    ws: Ws,
    Body(body): Body<NewTopic>,
) -> Result<(StatusCode, Json<Topic>), ApiError> {
    let topic = topics::create(&*state.store, &ws.actor(), &body).await?;
    Ok((StatusCode::CREATED, Json(topic)))
}

/// One topic.
#[utoipa::path(
    get,
    path = "/api/w/{slug}/listening/topics/{id}",
    tag = "listening",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The topic")
    ),
    responses((status = 200, description = "The topic", body = Topic))
)]
pub async fn get_topic(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Json<Topic>, ApiError> {
    Ok(Json(
        topics::get(&*state.store, &ws.actor(), TopicId(id)).await?,
    ))
}

/// Renames a topic, changes its role or its query (a changed query restarts the
/// backfill). Every role but clients (`manage-topics`).
#[utoipa::path(
    put,
    path = "/api/w/{slug}/listening/topics/{id}",
    tag = "listening",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The topic")
    ),
    request_body = NewTopic,
    responses(
        (status = 200, description = "The topic", body = Topic),
        (status = 409, description = "A topic of that name exists", body = ErrorBody),
        (status = 422, description = "The query does not parse; `message` names the column", body = ErrorBody),
    )
)]
pub async fn update_topic(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Body(body): Body<NewTopic>,
) -> Result<Json<Topic>, ApiError> {
    let topic = topics::update(&*state.store, &ws.actor(), TopicId(id), &body).await?;
    Ok(Json(topic))
}

/// Deletes a topic with its matches and alerts. Every role but clients
/// (`manage-topics`).
#[utoipa::path(
    delete,
    path = "/api/w/{slug}/listening/topics/{id}",
    tag = "listening",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The topic")
    ),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_topic(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    topics::delete(&*state.store, &ws.actor(), TopicId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One bucket's figures.
#[derive(Serialize, ToSchema)]
pub struct PointBody {
    /// Messages matching the topic.
    pub messages: i64,
    /// Of which positive.
    pub positive: i64,
    /// Of which neutral (or unscored).
    pub neutral: i64,
    /// Of which negative.
    pub negative: i64,
    /// Likes + shares + replies.
    pub engagement: i64,
    /// Open questions from people who are not community members yet.
    pub to_answer: i64,
}

impl From<&Point> for PointBody {
    fn from(p: &Point) -> PointBody {
        PointBody {
            messages: p.messages,
            positive: p.positive,
            neutral: p.neutral,
            negative: p.negative,
            engagement: p.engagement,
            to_answer: p.to_answer,
        }
    }
}

/// A topic's figures per bucket and in total.
#[derive(Serialize, ToSchema)]
pub struct SeriesBody {
    /// The topic.
    pub topic: Topic,
    /// One point per bucket of `buckets`.
    pub points: Vec<PointBody>,
    /// The whole period.
    pub total: PointBody,
    /// (positive − negative) / messages × 100 over the period.
    pub net_sentiment: f64,
}

impl From<&TopicSeries> for SeriesBody {
    fn from(s: &TopicSeries) -> SeriesBody {
        SeriesBody {
            topic: s.topic.clone(),
            points: s.points.iter().map(PointBody::from).collect(),
            total: PointBody::from(&s.total),
            net_sentiment: s.total.net_sentiment(),
        }
    }
}

/// The period a dashboard covers.
#[derive(Serialize, ToSchema)]
pub struct PeriodBody {
    /// First instant (inclusive), a local midnight.
    pub from: Timestamp,
    /// End (exclusive), the local midnight after today.
    pub to: Timestamp,
    /// `hour`, `day` or `week`.
    pub granularity: String,
    /// Each bucket's start in the workspace's local time (ISO 8601 with offset).
    pub buckets: Vec<String>,
}

impl From<&Period> for PeriodBody {
    fn from(p: &Period) -> PeriodBody {
        PeriodBody {
            from: p.from,
            to: p.to,
            granularity: p.granularity.as_str().to_owned(),
            buckets: p
                .buckets
                .iter()
                .map(|z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
                .collect(),
        }
    }
}

/// One topic's part of the share of voice.
#[derive(Serialize, ToSchema)]
pub struct ShareBody {
    /// The topic's name.
    pub topic: String,
    /// Its messages in the period.
    pub messages: i64,
}

/// What drives an alert: its window's matches (the negative ones, for a negative
/// surge) and the conversation with the most of them.
#[derive(Serialize, ToSchema)]
pub struct DriverBody {
    /// Matches in the alert's window.
    pub total: i64,
    /// At least half of them are in one conversation (a comment flood, one thread).
    pub one_conversation: bool,
    /// The conversation with the most matches.
    pub top: Option<TopThreadBody>,
}

/// The conversation with the most matches in an alert's window.
#[derive(Serialize, ToSchema)]
pub struct TopThreadBody {
    /// Its first message.
    #[schema(value_type = i64)]
    pub root: MessageId,
    /// Its matches in the window.
    pub messages: i64,
    /// The first message's title, or else its text, shortened.
    pub excerpt: String,
    pub permalink: Option<String>,
}

fn driver_bodies(drivers: &[Option<Arc<Driver>>]) -> Vec<Option<DriverBody>> {
    drivers
        .iter()
        .map(|d| {
            d.as_deref().map(|d| DriverBody {
                total: d.total,
                one_conversation: d.one_conversation(),
                top: d.top.as_ref().map(|t| TopThreadBody {
                    root: t.root,
                    messages: t.messages,
                    excerpt: t.excerpt.clone(),
                    permalink: t.permalink.clone(),
                }),
            })
        })
        .collect()
}

/// The overview dashboard.
#[derive(Serialize, ToSchema)]
pub struct OverviewBody {
    /// The period and its buckets.
    pub period: PeriodBody,
    /// Every topic's series.
    pub series: Vec<SeriesBody>,
    /// Brand and competitor topics, largest first.
    pub share_of_voice: Vec<ShareBody>,
    /// Alerts that started in the period, newest first.
    pub alerts: Vec<Alert>,
    /// What drives each of the ten newest alerts (null after them), in the order of `alerts`.
    pub drivers: Vec<Option<DriverBody>>,
}

impl From<&Overview> for OverviewBody {
    fn from(o: &Overview) -> OverviewBody {
        OverviewBody {
            period: PeriodBody::from(&o.period),
            series: o.series.iter().map(SeriesBody::from).collect(),
            share_of_voice: o
                .share_of_voice
                .iter()
                .map(|(topic, messages)| ShareBody {
                    topic: topic.clone(),
                    messages: *messages,
                })
                .collect(),
            alerts: o.alerts.clone(),
            drivers: driver_bodies(&o.drivers),
        }
    }
}

/// A term with its counts in this period and the one before.
#[derive(Serialize, ToSchema)]
pub struct TermBody {
    /// A folded word or a `#hashtag`.
    pub term: String,
    /// Messages carrying it in the period.
    pub current: i64,
    /// Messages carrying it in the period before.
    pub previous: i64,
    /// Dunning's log-likelihood G² (0 unless trending).
    pub g2: f64,
    /// Significantly up (p < 0.001).
    pub trending: bool,
}

impl From<&TermRow> for TermBody {
    fn from(t: &TermRow) -> TermBody {
        TermBody {
            term: t.term.clone(),
            current: t.current,
            previous: t.previous,
            g2: t.g2,
            trending: t.trending,
        }
    }
}

/// One topic's dashboard.
#[derive(Serialize, ToSchema)]
pub struct DetailBody {
    /// The period and its buckets.
    pub period: PeriodBody,
    /// The topic's series.
    pub series: SeriesBody,
    /// Messages in the period of the same length before.
    pub previous_total: i64,
    /// The most active authors.
    pub authors: Vec<AuthorCount>,
    /// Top words.
    pub terms: Vec<TermBody>,
    /// Top hashtags.
    pub hashtags: Vec<TermBody>,
    /// Words and hashtags significantly up, strongest first.
    pub trending: Vec<TermBody>,
    /// Open questions from people who are not community members yet, newest first.
    pub to_answer: Vec<Message>,
    /// The topic's alerts in the period.
    pub alerts: Vec<Alert>,
    /// What drives each of the ten newest alerts (null after them), in the order of `alerts`.
    pub drivers: Vec<Option<DriverBody>>,
}

impl From<&Detail> for DetailBody {
    fn from(d: &Detail) -> DetailBody {
        DetailBody {
            period: PeriodBody::from(&d.period),
            series: SeriesBody::from(&d.series),
            previous_total: d.previous_total,
            authors: d.authors.clone(),
            terms: d.terms.iter().map(TermBody::from).collect(),
            hashtags: d.hashtags.iter().map(TermBody::from).collect(),
            trending: d.trending.iter().map(TermBody::from).collect(),
            to_answer: d.to_answer.clone(),
            alerts: d.alerts.clone(),
            drivers: driver_bodies(&d.drivers),
        }
    }
}

/// The overview's figures: every topic per bucket, share of voice, alerts.
#[utoipa::path(
    get,
    path = "/api/w/{slug}/listening/overview",
    tag = "listening",
    params(("slug" = String, Path, description = "The workspace"), PeriodParams),
    responses(
        (status = 200, description = "The overview", body = OverviewBody),
        (status = 400, description = "`days` or `granularity` is not valid", body = ErrorBody),
    )
)]
pub async fn overview(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<PeriodParams>,
) -> Result<Json<OverviewBody>, ApiError> {
    let period = params.period(state.clock.now(), &ws.workspace.tz())?;
    let o = topics::overview(&state.store, &state.dashboards, &ws.actor(), period).await?;
    Ok(Json(OverviewBody::from(&o)))
}

/// One topic's figures: series, top authors, terms and hashtags, trending terms,
/// people to answer, alerts.
#[utoipa::path(
    get,
    path = "/api/w/{slug}/listening/topics/{id}/dashboard",
    tag = "listening",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The topic"),
        PeriodParams
    ),
    responses(
        (status = 200, description = "The topic's dashboard", body = DetailBody),
        (status = 400, description = "`days` or `granularity` is not valid", body = ErrorBody),
    )
)]
pub async fn topic_dashboard(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Query(params): Query<PeriodParams>,
) -> Result<Json<DetailBody>, ApiError> {
    let period = params.period(state.clock.now(), &ws.workspace.tz())?;
    let d = topics::detail(
        &state.store,
        &state.dashboards,
        &ws.actor(),
        TopicId(id),
        period,
    )
    .await?;
    Ok(Json(DetailBody::from(&d)))
}

/// The query of the alert list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    /// Alerts that started in the last N days (1-366, default 30).
    pub days: Option<i64>,
}

/// Alerts that started in the last `days` days, newest first (at most 200).
#[utoipa::path(
    get,
    path = "/api/w/{slug}/listening/alerts",
    tag = "listening",
    params(("slug" = String, Path, description = "The workspace"), AlertParams),
    responses(
        (status = 200, description = "The alerts", body = Vec<Alert>),
        (status = 400, description = "`days` is not 1-366", body = ErrorBody),
    )
)]
pub async fn alerts(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<AlertParams>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    let days = params.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::bad("days", format!("must be 1-{}", MAX_DAYS)).into());
    }
    let since = state.clock.now() - (days * 24).hours();
    Ok(Json(
        topics::alerts(&*state.store, &ws.actor(), since).await?,
    ))
}

/// The alert webhook.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    /// The http(s) URL new alerts are posted to as JSON; absent or empty: none.
    pub url: Option<String>,
}

/// The alert webhook (admins).
#[utoipa::path(
    get,
    path = "/api/w/{slug}/listening/webhook",
    tag = "listening",
    params(("slug" = String, Path, description = "The workspace")),
    responses(
        (status = 200, description = "The webhook", body = Webhook),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
pub async fn get_webhook(State(state): State<AppState>, ws: Ws) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(Webhook {
        url: topics::alert_webhook(&*state.store, &ws.actor()).await?,
    }))
}

/// Sets or clears the alert webhook (admins).
#[utoipa::path(
    put,
    path = "/api/w/{slug}/listening/webhook",
    tag = "listening",
    params(("slug" = String, Path, description = "The workspace")),
    request_body = Webhook,
    responses((status = 200, description = "The webhook", body = Webhook))
)]
pub async fn set_webhook(
    State(state): State<AppState>,
    ws: Ws,
    Body(body): Body<Webhook>,
) -> Result<Json<Webhook>, ApiError> {
    topics::set_alert_webhook(
        &*state.store,
        &ws.actor(),
        body.url.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(Webhook {
        url: state.store.alert_webhook(ws.workspace.id).await?,
    }))
}
