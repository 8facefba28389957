//! One topic's page: volume with alerts shaded, sentiment, engagement, top
//! authors, terms and hashtags, trending terms, people to answer, alerts.

use super::*;
use tend_core::team::Permission;

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
pub(super) struct TopicPage {
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

pub(super) fn term_bars(lang: Lang, title: &str, rows: &[TermRow], colour: Colour) -> BarChart {
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
        alerts: alert_rows(&ctx, &names, &d.alerts, &d.drivers),
        can_manage: ws.may(Permission::ManageTopics),
        edit_href: format!("/w/{slug}/listening/topics?edit={id}#topic-form"),
        ctx,
    };
    render(&page)
}
