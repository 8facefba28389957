//! The listening dashboards (`/w/{slug}/listening`, `/w/{slug}/listening/{id}`) and
//! topic management (`/w/{slug}/listening/topics`). Charts are SVG drawn on the
//! server by `tend-chart` (which escapes every piece of text it is given; the SVG is
//! the only markup these templates insert unescaped), each with a CSV link: the same
//! URL with `csv=<chart>`. The figures come from `tend_core::listening::dashboard`
//! over the last 7, 30 or 90 local days of the workspace, in hour, day or week
//! buckets. Everyone in the workspace may look; admins, social media managers and
//! community managers manage topics; admins set the alert webhook. The operations
//! are shared with the JSON API (`api::listening`).

use super::inbox::excerpt;
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
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _, Zoned};
use serde::Deserialize;
use std::collections::HashMap;
use tend_chart::{
    Bar, BarChart, Colour, Labels, NumberStyle, Series, SeriesChart, ShareChart, format_number,
};
use tend_core::listening::dashboard::{self, Detail, Granularity, Overview, Period, TermRow};
use tend_core::listening::{self, ListenError};
use tend_domain::{Alert, AlertKind, IdentityId, NewTopic, Topic, TopicId, TopicRole};

/// The periods offered, in days.
pub const DAY_CHOICES: [i64; 3] = [7, 30, 90];
/// The default period, in days.
pub const DEFAULT_DAYS: i64 = 30;
/// The longest period accepted, in days.
pub const MAX_DAYS: i64 = 366;
/// The longest period shown in hours (more would be thousands of points).
pub const MAX_HOURLY_DAYS: i64 = 31;
/// Topics drawn in the overview's volume chart (the largest in the period).
pub const LINE_TOPICS: usize = 6;

/// The period of a dashboard, from the query string.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// The last N local days including today (1-366; the app offers 7, 30 and 90; default 30).
    pub days: Option<String>,
    /// `hour` (periods of at most 31 days), `day` (default) or `week`.
    pub granularity: Option<String>,
}

impl PeriodParams {
    /// The number of days; 400 unless 1-366.
    pub fn days(&self) -> Result<i64, AppError> {
        match self.days.as_deref().map(str::trim) {
            None | Some("") => Ok(DEFAULT_DAYS),
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=MAX_DAYS).contains(&n) => Ok(n),
                _ => Err(AppError::bad("days", format!("must be 1-{MAX_DAYS}"))),
            },
        }
    }

    /// The bucket size; 400 for an unknown one or hours over more than 31 days.
    pub fn granularity(&self) -> Result<Granularity, AppError> {
        let g = match self.granularity.as_deref().map(str::trim) {
            None | Some("") => Granularity::Day,
            Some(s) => Granularity::parse(s)
                .ok_or_else(|| AppError::bad("granularity", "must be hour, day or week"))?,
        };
        if g == Granularity::Hour && self.days()? > MAX_HOURLY_DAYS {
            return Err(AppError::bad(
                "granularity",
                format!("hour needs a period of at most {MAX_HOURLY_DAYS} days"),
            ));
        }
        Ok(g)
    }

    /// The period ending today in `tz`.
    pub fn period(&self, tz: &TimeZone) -> Result<Period, AppError> {
        let days = self.days()?;
        let granularity = self.granularity()?;
        Period::last_days(Timestamp::now(), tz, days, granularity).map_err(|e| {
            tracing::error!(error = %e, "dashboard period");
            AppError::Internal
        })
    }
}

/// The overview's figures for the workspace.
pub async fn load_overview(
    state: &AppState,
    ws: &Ws,
    params: &PeriodParams,
) -> Result<Overview, AppError> {
    let period = params.period(&ws.workspace.tz())?;
    Ok(dashboard::overview(&*state.store, &state.dashboards, ws.workspace.id, period).await?)
}

/// One topic's figures (404 for a topic of another workspace).
pub async fn load_detail(
    state: &AppState,
    ws: &Ws,
    id: TopicId,
    params: &PeriodParams,
) -> Result<Detail, AppError> {
    let period = params.period(&ws.workspace.tz())?;
    Ok(dashboard::detail(
        &*state.store,
        &state.dashboards,
        ws.workspace.id,
        id,
        period,
    )
    .await?)
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

fn refusal(e: ListenError, query: &str) -> TopicRefusal {
    match e {
        ListenError::Query(q) => TopicRefusal::Query {
            message: q.to_string(),
            caret: q.render(query),
        },
        ListenError::Store(e) => TopicRefusal::Other(e.into()),
    }
}

/// Creates a topic (admins, social media managers, community managers).
pub async fn create(state: &AppState, ws: &Ws, new: &NewTopic) -> Result<Topic, TopicRefusal> {
    ws.require_topics()?;
    listening::create_topic(&*state.store, ws.workspace.id, new, Some(ws.auth.user.id))
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
    ws.require_topics()?;
    listening::update_topic(&*state.store, ws.workspace.id, id, new)
        .await
        .map_err(|e| refusal(e, &new.query))
}

/// Deletes a topic with its matches and alerts.
pub async fn delete(state: &AppState, ws: &Ws, id: TopicId) -> Result<(), AppError> {
    ws.require_topics()?;
    Ok(state.store.delete_topic(ws.workspace.id, id).await?)
}

/// Sets or clears (empty) the alert webhook (admins).
pub async fn set_webhook(state: &AppState, ws: &Ws, url: &str) -> Result<(), AppError> {
    ws.require_admin()?;
    let url = url.trim();
    let url = (!url.is_empty()).then_some(url);
    Ok(state.store.set_alert_webhook(ws.workspace.id, url).await?)
}

// ---------------------------------------------------------------- presentation

/// The chart crate's number style for a language.
pub fn number_style(lang: Lang) -> NumberStyle {
    match lang {
        Lang::En => NumberStyle::En,
        Lang::Sv => NumberStyle::Sv,
    }
}

/// A bucket's axis label: `24 Nov 14:00`, `24 Nov` or `Week 48`.
fn bucket_label(lang: Lang, z: &Zoned, granularity: Granularity) -> String {
    let month = lang.t(&format!("month-{}", z.month()));
    match granularity {
        Granularity::Hour => format!("{} {} {:02}:00", z.day(), month, z.hour()),
        Granularity::Day => format!("{} {}", z.day(), month),
        Granularity::Week => lang.ta(
            "listening-week",
            "week",
            &z.date().iso_week_date().week().to_string(),
        ),
    }
}

/// A bucket's start in ISO 8601 local time with its offset, for CSV.
fn iso_local(z: &Zoned) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn x_labels(lang: Lang, period: &Period) -> Vec<String> {
    period
        .buckets
        .iter()
        .map(|z| bucket_label(lang, z, period.granularity))
        .collect()
}

/// The buckets an alert covers in the period, for shading.
fn highlight(period: &Period, alert: &Alert) -> Option<(usize, usize)> {
    if alert.end <= period.from || alert.start >= period.to {
        return None;
    }
    let last = period.to.checked_sub(1.second()).ok()?;
    let start = period.bucket_of(alert.start.max(period.from))?;
    let end = period.bucket_of(alert.end.checked_sub(1.second()).ok()?.min(last))?;
    Some((start, end.max(start)))
}

/// A person as shown: "Name (@handle)", or "@handle" when the name adds nothing.
fn person(display_name: Option<&str>, handle: &str) -> String {
    match display_name.map(str::trim) {
        Some(name) if !name.is_empty() && name != handle => format!("{name} (@{handle})"),
        _ => format!("@{handle}"),
    }
}

fn role_label(lang: Lang, role: TopicRole) -> String {
    lang.t(&format!("listening-role-{}", role.as_str()))
}

fn backfill_label(lang: Lang, topic: &Topic) -> Option<String> {
    (!topic.backfill.finished).then(|| {
        lang.ta(
            "listening-backfill",
            "percent",
            &topic.backfill.percent().to_string(),
        )
    })
}

/// The overview's volume chart: the largest topics, one line each.
fn volume_chart(lang: Lang, o: &Overview) -> SeriesChart {
    let mut top: Vec<&dashboard::TopicSeries> = o.series.iter().collect();
    top.sort_by(|a, b| {
        b.total
            .messages
            .cmp(&a.total.messages)
            .then_with(|| a.topic.name.cmp(&b.topic.name))
    });
    top.truncate(LINE_TOPICS);
    SeriesChart {
        labels: Labels {
            title: lang.t("listening-chart-volume"),
            x: x_labels(lang, &o.period),
            summary: lang.t("listening-chart-volume-summary"),
            number: number_style(lang),
        },
        series: top
            .iter()
            .map(|s| Series {
                name: s.topic.name.clone(),
                values: s.points.iter().map(|p| p.messages as f64).collect(),
                colour: None,
            })
            .collect(),
        highlights: Vec::new(),
    }
}

fn share_chart(lang: Lang, o: &Overview) -> ShareChart {
    ShareChart {
        title: lang.t("listening-chart-share"),
        summary: lang.t("listening-chart-share-summary"),
        number: number_style(lang),
        parts: o
            .share_of_voice
            .iter()
            .map(|(name, n)| (name.clone(), *n as f64))
            .collect(),
    }
}

/// The rows of an overview chart's CSV, by chart name; `None` for an unknown name.
pub fn overview_csv(o: &Overview, chart: &str) -> Option<String> {
    match chart {
        "volume" => {
            let mut rows = Vec::new();
            for (b, z) in o.period.buckets.iter().enumerate() {
                for s in &o.series {
                    let p = s.points.get(b).copied().unwrap_or_default();
                    rows.push(vec![
                        iso_local(z),
                        s.topic.name.clone(),
                        s.topic.role.as_str().to_owned(),
                        p.messages.to_string(),
                        p.positive.to_string(),
                        p.neutral.to_string(),
                        p.negative.to_string(),
                        p.engagement.to_string(),
                    ]);
                }
            }
            Some(tend_chart::csv(
                &[
                    "bucket_start",
                    "topic",
                    "role",
                    "messages",
                    "positive",
                    "neutral",
                    "negative",
                    "engagement",
                ],
                &rows,
            ))
        }
        "share" => {
            let total: i64 = o.share_of_voice.iter().map(|(_, n)| *n).sum();
            let rows: Vec<Vec<String>> = o
                .share_of_voice
                .iter()
                .map(|(name, n)| {
                    let share = if total > 0 {
                        *n as f64 * 100.0 / total as f64
                    } else {
                        0.0
                    };
                    vec![name.clone(), n.to_string(), format!("{share:.1}")]
                })
                .collect();
            Some(tend_chart::csv(
                &["topic", "messages", "share_percent"],
                &rows,
            ))
        }
        _ => None,
    }
}

/// The rows of a topic chart's CSV, by chart name; `None` for an unknown name.
pub fn detail_csv(d: &Detail, chart: &str) -> Option<String> {
    let per_bucket = |header: &[&str], f: &dyn Fn(&dashboard::Point) -> Vec<String>| {
        let rows: Vec<Vec<String>> = d
            .period
            .buckets
            .iter()
            .enumerate()
            .map(|(b, z)| {
                let p = d.series.points.get(b).copied().unwrap_or_default();
                let mut row = vec![iso_local(z)];
                row.extend(f(&p));
                row
            })
            .collect();
        tend_chart::csv(header, &rows)
    };
    let terms = |list: &[TermRow]| {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|t| {
                vec![
                    t.term.clone(),
                    t.current.to_string(),
                    t.previous.to_string(),
                    format!("{:.2}", t.g2),
                    t.trending.to_string(),
                ]
            })
            .collect();
        tend_chart::csv(&["term", "current", "previous", "g2", "trending"], &rows)
    };
    Some(match chart {
        "volume" => per_bucket(&["bucket_start", "messages"], &|p| {
            vec![p.messages.to_string()]
        }),
        "sentiment" => per_bucket(&["bucket_start", "positive", "neutral", "negative"], &|p| {
            vec![
                p.positive.to_string(),
                p.neutral.to_string(),
                p.negative.to_string(),
            ]
        }),
        "engagement" => per_bucket(&["bucket_start", "engagement"], &|p| {
            vec![p.engagement.to_string()]
        }),
        "authors" => {
            let rows: Vec<Vec<String>> = d
                .authors
                .iter()
                .map(|a| {
                    vec![
                        a.handle.clone(),
                        a.display_name.clone().unwrap_or_default(),
                        a.platform.clone(),
                        a.messages.to_string(),
                        a.engagement.to_string(),
                    ]
                })
                .collect();
            tend_chart::csv(
                &[
                    "handle",
                    "display_name",
                    "platform",
                    "messages",
                    "engagement",
                ],
                &rows,
            )
        }
        "terms" => terms(&d.terms),
        "hashtags" => terms(&d.hashtags),
        "trending" => terms(&d.trending),
        _ => return None,
    })
}

/// A CSV download.
fn csv_response(filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// A link to one of the period choices.
pub struct Choice {
    label: String,
    href: String,
    current: bool,
    enabled: bool,
}

/// The period and granularity selectors.
pub struct PeriodNav {
    days: Vec<Choice>,
    granularity: Vec<Choice>,
    /// `days=…&granularity=…` of the page, for links that keep the period.
    query: String,
}

fn period_nav(lang: Lang, base: &str, days: i64, g: Granularity) -> PeriodNav {
    let href = |d: i64, g: Granularity| format!("{base}?days={d}&granularity={}", g.as_str());
    PeriodNav {
        days: DAY_CHOICES
            .iter()
            .map(|&d| {
                // Hours over a long period are refused: fall back to days.
                let keep = if g == Granularity::Hour && d > MAX_HOURLY_DAYS {
                    Granularity::Day
                } else {
                    g
                };
                Choice {
                    label: lang.ta("listening-days", "days", &d.to_string()),
                    href: href(d, keep),
                    current: d == days,
                    enabled: true,
                }
            })
            .collect(),
        granularity: [Granularity::Hour, Granularity::Day, Granularity::Week]
            .into_iter()
            .map(|each| Choice {
                label: lang.t(&format!("listening-granularity-{}", each.as_str())),
                href: href(days, each),
                current: each == g,
                enabled: each != Granularity::Hour || days <= MAX_HOURLY_DAYS,
            })
            .collect(),
        query: format!("days={days}&granularity={}", g.as_str()),
    }
}

/// One alert, as shown.
pub struct AlertRow {
    topic: String,
    topic_href: String,
    kind: String,
    range: String,
    observed: String,
    expected: String,
}

fn alert_rows(ctx: &PageCtx, topics: &HashMap<TopicId, String>, alerts: &[Alert]) -> Vec<AlertRow> {
    let lang = ctx.lang;
    let style = number_style(lang);
    alerts
        .iter()
        .map(|a| AlertRow {
            topic: topics.get(&a.topic_id).cloned().unwrap_or_default(),
            topic_href: format!("/w/{}/listening/{}", ctx.slug, a.topic_id.get()),
            kind: lang.t(match a.kind {
                AlertKind::Volume => "listening-alert-volume",
                AlertKind::Negative => "listening-alert-negative",
            }),
            range: format!("{} – {}", ctx.date(&a.start), ctx.date(&a.end)),
            observed: format_number(a.observed as f64, style),
            expected: style.format_fixed(a.expected, 1),
        })
        .collect()
}

/// One row of the overview's topic table.
pub struct TopicRow {
    href: String,
    name: String,
    role: String,
    messages: String,
    net: String,
    backfill: Option<String>,
}

#[derive(Template)]
#[template(path = "listening.html")]
struct OverviewPage {
    ctx: PageCtx,
    nav: PeriodNav,
    volume_svg: String,
    share_svg: Option<String>,
    topics: Vec<TopicRow>,
    alerts: Vec<AlertRow>,
    can_manage: bool,
}

/// `GET /w/{slug}/listening`: the overview, or a chart's CSV with `csv=volume|share`.
pub async fn overview_page(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let period_params = PeriodParams {
        days: params.get("days").cloned(),
        granularity: params.get("granularity").cloned(),
    };
    let days = period_params.days()?;
    let o = load_overview(&state, &ws, &period_params).await?;
    let slug = ws.workspace.slug.as_str().to_owned();
    if let Some(chart) = params.get("csv") {
        let body = overview_csv(&o, chart)
            .ok_or_else(|| AppError::bad("csv", "must be volume or share"))?;
        return Ok(csv_response(
            &format!("{slug}-listening-{chart}-{days}d.csv"),
            body,
        ));
    }
    let ctx = PageCtx::for_user(&state, &ws.auth, Some((&ws.workspace, ws.role))).await?;
    let lang = ctx.lang;
    let style = number_style(lang);
    let names: HashMap<TopicId, String> = o
        .series
        .iter()
        .map(|s| (s.topic.id, s.topic.name.clone()))
        .collect();
    let topics = o
        .series
        .iter()
        .map(|s| TopicRow {
            href: format!("/w/{slug}/listening/{}", s.topic.id.get()),
            name: s.topic.name.clone(),
            role: role_label(lang, s.topic.role),
            messages: format_number(s.total.messages as f64, style),
            net: style.format_percent(s.total.net_sentiment()),
            backfill: backfill_label(lang, &s.topic),
        })
        .collect();
    let page = OverviewPage {
        nav: period_nav(
            lang,
            &format!("/w/{slug}/listening"),
            days,
            o.period.granularity,
        ),
        volume_svg: tend_chart::line(&volume_chart(lang, &o)),
        share_svg: (!o.share_of_voice.is_empty())
            .then(|| tend_chart::share_of_voice(&share_chart(lang, &o))),
        topics,
        alerts: alert_rows(&ctx, &names, &o.alerts),
        can_manage: ws.can_manage_topics(),
        ctx,
    };
    render(&page)
}

/// A chart on the topic page.
pub struct ChartBlock {
    id: &'static str,
    svg: String,
    /// Nothing to draw in the period (a hint is shown under the chart).
    empty: bool,
}

/// A trending term, as shown.
pub struct TrendRow {
    term: String,
    now: String,
    before: String,
    g2: String,
}

/// A message to answer, as shown.
pub struct AnswerRow {
    href: String,
    who: String,
    when: String,
    excerpt: String,
}

#[derive(Template)]
#[template(path = "listening_topic.html")]
struct TopicPage {
    ctx: PageCtx,
    nav: PeriodNav,
    name: String,
    role: String,
    query: String,
    backfill: Option<String>,
    summary: String,
    series_charts: Vec<ChartBlock>,
    bar_charts: Vec<ChartBlock>,
    trending: Vec<TrendRow>,
    to_answer: Vec<AnswerRow>,
    alerts: Vec<AlertRow>,
    can_manage: bool,
    edit_href: String,
}

fn term_bars(lang: Lang, title: &str, rows: &[TermRow], colour: Colour) -> BarChart {
    BarChart {
        title: lang.t(title),
        summary: String::new(),
        number: number_style(lang),
        bars: rows
            .iter()
            .map(|t| Bar {
                label: t.term.clone(),
                value: t.current as f64,
                previous: Some(t.previous as f64),
            })
            .collect(),
        colour: Some(colour),
        current_name: lang.t("listening-this-period"),
        previous_name: lang.t("listening-previous-period"),
    }
}

/// `GET /w/{slug}/listening/{id}`: one topic's dashboard, or a chart's CSV with
/// `csv=volume|sentiment|engagement|authors|terms|hashtags|trending`.
pub async fn topic_page(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let period_params = PeriodParams {
        days: params.get("days").cloned(),
        granularity: params.get("granularity").cloned(),
    };
    let days = period_params.days()?;
    let d = load_detail(&state, &ws, TopicId(id), &period_params).await?;
    let slug = ws.workspace.slug.as_str().to_owned();
    if let Some(chart) = params.get("csv") {
        let body = detail_csv(&d, chart).ok_or_else(|| {
            AppError::bad(
                "csv",
                "must be volume, sentiment, engagement, authors, terms, hashtags or trending",
            )
        })?;
        return Ok(csv_response(
            &format!("{slug}-topic-{id}-{chart}-{days}d.csv"),
            body,
        ));
    }
    let ctx = PageCtx::for_user(&state, &ws.auth, Some((&ws.workspace, ws.role))).await?;
    let lang = ctx.lang;
    let style = number_style(lang);
    let topic = &d.series.topic;
    let labels = |title: &str, summary: String| Labels {
        title: lang.t(title),
        x: x_labels(lang, &d.period),
        summary,
        number: style,
    };
    let highlights: Vec<(usize, usize)> = d
        .alerts
        .iter()
        .filter_map(|a| highlight(&d.period, a))
        .collect();
    let points = &d.series.points;
    let volume = SeriesChart {
        labels: labels(
            "listening-chart-topic-volume",
            if highlights.is_empty() {
                String::new()
            } else {
                lang.t("listening-chart-alerts-shaded")
            },
        ),
        series: vec![Series {
            name: lang.t("listening-messages"),
            values: points.iter().map(|p| p.messages as f64).collect(),
            colour: Some(Colour::Blue),
        }],
        highlights,
    };
    let sentiment = SeriesChart {
        labels: labels("listening-chart-sentiment", String::new()),
        series: vec![
            Series {
                name: lang.t("listening-positive"),
                values: points.iter().map(|p| p.positive as f64).collect(),
                colour: Some(Colour::POSITIVE),
            },
            Series {
                name: lang.t("listening-neutral"),
                values: points.iter().map(|p| p.neutral as f64).collect(),
                colour: Some(Colour::NEUTRAL),
            },
            Series {
                name: lang.t("listening-negative"),
                values: points.iter().map(|p| p.negative as f64).collect(),
                colour: Some(Colour::NEGATIVE),
            },
        ],
        highlights: Vec::new(),
    };
    let engagement = SeriesChart {
        labels: labels("listening-chart-engagement", String::new()),
        series: vec![Series {
            name: lang.t("listening-engagement"),
            values: points.iter().map(|p| p.engagement as f64).collect(),
            colour: Some(Colour::nth(2)),
        }],
        highlights: Vec::new(),
    };
    let authors = BarChart {
        title: lang.t("listening-chart-authors"),
        summary: String::new(),
        number: style,
        bars: d
            .authors
            .iter()
            .map(|a| Bar {
                label: person(a.display_name.as_deref(), &a.handle),
                value: a.messages as f64,
                previous: None,
            })
            .collect(),
        colour: Some(Colour::nth(3)),
        current_name: String::new(),
        previous_name: String::new(),
    };
    let series_charts = vec![
        ChartBlock {
            id: "volume",
            svg: tend_chart::line(&volume),
            empty: false,
        },
        ChartBlock {
            id: "sentiment",
            svg: tend_chart::stacked_area(&sentiment),
            empty: false,
        },
        ChartBlock {
            id: "engagement",
            svg: tend_chart::line(&engagement),
            empty: false,
        },
    ];
    let bar_charts = vec![
        ChartBlock {
            id: "authors",
            svg: tend_chart::bar(&authors),
            empty: d.authors.is_empty(),
        },
        ChartBlock {
            id: "terms",
            svg: tend_chart::bar(&term_bars(
                lang,
                "listening-chart-terms",
                &d.terms,
                Colour::Blue,
            )),
            empty: d.terms.is_empty(),
        },
        ChartBlock {
            id: "hashtags",
            svg: tend_chart::bar(&term_bars(
                lang,
                "listening-chart-hashtags",
                &d.hashtags,
                Colour::nth(4),
            )),
            empty: d.hashtags.is_empty(),
        },
    ];
    let trending = d
        .trending
        .iter()
        .map(|t| TrendRow {
            term: t.term.clone(),
            now: format_number(t.current as f64, style),
            before: format_number(t.previous as f64, style),
            g2: style.format_fixed(t.g2, 1),
        })
        .collect();
    let mut author_ids: Vec<IdentityId> = d.to_answer.iter().filter_map(|m| m.author_id).collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let who: HashMap<IdentityId, String> = state
        .store
        .identities(ws.workspace.id, &author_ids)
        .await?
        .into_iter()
        .map(|i| (i.id, person(i.display_name.as_deref(), &i.handle)))
        .collect();
    let to_answer = d
        .to_answer
        .iter()
        .map(|m| AnswerRow {
            href: format!("/w/{slug}/c/{}", m.id.get()),
            who: m
                .author_id
                .and_then(|a| who.get(&a).cloned())
                .unwrap_or_default(),
            when: ctx.date(&m.created_at),
            excerpt: excerpt(&m.text, 200),
        })
        .collect();
    let names = HashMap::from([(topic.id, topic.name.clone())]);
    let total = d.series.total.messages;
    let summary = lang.targs(
        "listening-topic-summary",
        &[
            ("now", format_number(total as f64, style)),
            ("before", format_number(d.previous_total as f64, style)),
            ("net", style.format_percent(d.series.total.net_sentiment())),
        ],
    );
    let page = TopicPage {
        nav: period_nav(
            lang,
            &format!("/w/{slug}/listening/{id}"),
            days,
            d.period.granularity,
        ),
        name: topic.name.clone(),
        role: role_label(lang, topic.role),
        query: topic.query.clone(),
        backfill: backfill_label(lang, topic),
        summary,
        series_charts,
        bar_charts,
        trending,
        to_answer,
        alerts: alert_rows(&ctx, &names, &d.alerts),
        can_manage: ws.can_manage_topics(),
        edit_href: format!("/w/{slug}/listening/topics?edit={id}#topic-form"),
        ctx,
    };
    render(&page)
}

// ---------------------------------------------------------------- topic management

/// A topic in the management list.
pub struct ManagedRow {
    id: i64,
    href: String,
    edit_href: String,
    name: String,
    role: String,
    query: String,
    backfill: Option<String>,
}

/// What the topic form shows.
#[derive(Default)]
struct FormState {
    /// The topic being edited, if any.
    editing: Option<i64>,
    name: String,
    role: String,
    query: String,
    /// The query error (`column N: …`) and the query with a caret.
    error: Option<(String, String)>,
    /// Another error (bad name …).
    other: String,
}

#[derive(Template)]
#[template(path = "listening_topics.html")]
struct TopicsPage {
    ctx: PageCtx,
    topics: Vec<ManagedRow>,
    form: FormState,
    roles: Vec<(String, String)>,
    can_manage: bool,
    can_admin: bool,
    webhook: String,
    saved: bool,
}

async fn topics_view(
    state: &AppState,
    ws: &Ws,
    form: FormState,
    saved: bool,
) -> Result<Response, PageError> {
    let ctx = PageCtx::for_user(state, &ws.auth, Some((&ws.workspace, ws.role))).await?;
    let lang = ctx.lang;
    let slug = ws.workspace.slug.as_str();
    let topics = state
        .store
        .topics(ws.workspace.id)
        .await?
        .into_iter()
        .map(|t| ManagedRow {
            id: t.id.get(),
            href: format!("/w/{slug}/listening/{}", t.id.get()),
            edit_href: format!("/w/{slug}/listening/topics?edit={}#topic-form", t.id.get()),
            role: role_label(lang, t.role),
            backfill: backfill_label(lang, &t),
            name: t.name,
            query: t.query,
        })
        .collect();
    let can_admin = ws.role.can_administer();
    let webhook = if can_admin {
        state
            .store
            .alert_webhook(ws.workspace.id)
            .await?
            .unwrap_or_default()
    } else {
        String::new()
    };
    let roles = [
        TopicRole::Brand,
        TopicRole::Product,
        TopicRole::Competitor,
        TopicRole::Campaign,
        TopicRole::Other,
    ]
    .into_iter()
    .map(|r| (r.as_str().to_owned(), role_label(lang, r)))
    .collect();
    let page = TopicsPage {
        topics,
        form,
        roles,
        can_manage: ws.can_manage_topics(),
        can_admin,
        webhook,
        saved,
        ctx,
    };
    render(&page)
}

/// `GET /w/{slug}/listening/topics`: the topics, the form (`edit=<id>` fills it
/// with a topic) and the webhook setting.
pub async fn topics_page(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut form = FormState {
        role: TopicRole::Other.as_str().to_owned(),
        ..FormState::default()
    };
    if let Some(edit) = params.get("edit") {
        let id: i64 = edit
            .trim()
            .parse()
            .map_err(|_| AppError::bad("edit", "must be a topic id"))?;
        let topic = state.store.topic(ws.workspace.id, TopicId(id)).await?;
        form = FormState {
            editing: Some(id),
            name: topic.name,
            role: topic.role.as_str().to_owned(),
            query: topic.query,
            ..FormState::default()
        };
    }
    topics_view(&state, &ws, form, params.contains_key("saved")).await
}

/// The topic form.
#[derive(Deserialize)]
pub struct TopicForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    query: String,
}

impl TopicForm {
    fn new_topic(&self) -> Result<NewTopic, AppError> {
        let role = match self.role.trim() {
            "" => TopicRole::Other,
            r => TopicRole::parse(r).map_err(|_| {
                AppError::bad(
                    "role",
                    "must be brand, product, competitor, campaign or other",
                )
            })?,
        };
        Ok(NewTopic {
            name: self.name.clone(),
            query: self.query.clone(),
            role,
        })
    }
}

async fn save_topic(
    state: AppState,
    ws: Ws,
    editing: Option<i64>,
    form: TopicForm,
) -> Result<Response, PageError> {
    ws.require_topics()?;
    let result = match form.new_topic() {
        Ok(new) => match editing {
            Some(id) => update(&state, &ws, TopicId(id), &new).await,
            None => create(&state, &ws, &new).await,
        },
        Err(e) => Err(TopicRefusal::Other(e)),
    };
    let slug = ws.workspace.slug.as_str();
    let shown = |error, other| FormState {
        editing,
        name: form.name.clone(),
        role: form.role.clone(),
        query: form.query.clone(),
        error,
        other,
    };
    match result {
        Ok(topic) => {
            Ok(Redirect::to(&format!("/w/{slug}/listening/{}", topic.id.get())).into_response())
        }
        Err(TopicRefusal::Query { message, caret }) => {
            let mut res = topics_view(
                &state,
                &ws,
                shown(Some((message, caret)), String::new()),
                false,
            )
            .await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(TopicRefusal::Other(e @ (AppError::BadRequest { .. } | AppError::Conflict(_)))) => {
            let status = e.status();
            let text = match &e {
                AppError::BadRequest { field, message } => format!("{field}: {message}"),
                AppError::Conflict(m) => m.clone(),
                _ => String::new(),
            };
            let mut res = topics_view(&state, &ws, shown(None, text), false).await?;
            *res.status_mut() = status;
            Ok(res)
        }
        Err(TopicRefusal::Other(e)) => Err(e.into()),
    }
}

/// `POST /w/{slug}/listening/topics` (form): creates a topic, then shows its
/// dashboard; a query that does not parse shows the form again with the error (422).
pub async fn create_form(
    State(state): State<AppState>,
    ws: Ws,
    Form(form): Form<TopicForm>,
) -> Result<Response, PageError> {
    save_topic(state, ws, None, form).await
}

/// `POST /w/{slug}/listening/topics/{id}` (form): changes a topic.
pub async fn update_form(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
    Form(form): Form<TopicForm>,
) -> Result<Response, PageError> {
    save_topic(state, ws, Some(id), form).await
}

/// `POST /w/{slug}/listening/topics/{id}/delete` (form).
pub async fn delete_form(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    delete(&state, &ws, TopicId(id)).await?;
    Ok(Redirect::to(&format!(
        "/w/{}/listening/topics?saved=1",
        ws.workspace.slug.as_str()
    ))
    .into_response())
}

/// The webhook form.
#[derive(Deserialize)]
pub struct WebhookForm {
    #[serde(default)]
    url: String,
}

/// `POST /w/{slug}/listening/webhook` (form, admins): sets or clears the alert webhook.
pub async fn webhook_form(
    State(state): State<AppState>,
    ws: Ws,
    Form(form): Form<WebhookForm>,
) -> Result<Response, PageError> {
    set_webhook(&state, &ws, &form.url).await?;
    Ok(Redirect::to(&format!(
        "/w/{}/listening/topics?saved=1#webhook",
        ws.workspace.slug.as_str()
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_params_are_checked() {
        let p = |d: Option<&str>, g: Option<&str>| PeriodParams {
            days: d.map(str::to_owned),
            granularity: g.map(str::to_owned),
        };
        assert_eq!(p(None, None).days().unwrap(), DEFAULT_DAYS);
        assert_eq!(p(None, None).granularity().unwrap(), Granularity::Day);
        assert_eq!(
            p(Some("7"), Some("hour")).granularity().unwrap(),
            Granularity::Hour
        );
        assert!(p(Some("90"), Some("hour")).granularity().is_err());
        assert!(p(Some("0"), None).days().is_err());
        assert!(p(Some("abc"), None).days().is_err());
        assert!(p(None, Some("month")).granularity().is_err());
    }

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
