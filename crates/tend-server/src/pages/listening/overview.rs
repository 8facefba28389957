//! The overview page: volume per topic, share of voice, topics, alerts.

use super::*;
use tend_core::team::Permission;

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
pub(super) struct OverviewPage {
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
        alerts: alert_rows(&ctx, &names, &o.alerts, &o.drivers),
        can_manage: ws.may(Permission::ManageTopics),
        ctx,
    };
    render(&page)
}
