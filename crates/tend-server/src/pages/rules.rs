//! The rules page (`/w/{slug}/rules`): the live version's YAML (or the latest
//! draft) in an editor, every saved version with its live period and hits, saving
//! a new version (parse errors shown above the editor), a dry run over the last 30
//! days, and going live per version — plus the community guidelines editor and
//! their public page (`/g/{slug}`). The operations are shared with the JSON API.

use super::{PageCtx, render};
use crate::AppState;
use crate::auth::Ws;
use crate::error::{AppError, PageError};
use crate::i18n::Lang;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use tend_core::moderation::rules::{self, VersionHits};
use tend_core::moderation::{DryRun, parse_rules};
use tend_core::team::Permission;
use tend_core::text::excerpt;
use tend_domain::{RuleSetId, RuleSetVersion, UserId};

/// Every version of the workspace, newest first, with hit counters.
pub async fn versions(state: &AppState, ws: &Ws) -> Result<Vec<VersionHits>, AppError> {
    Ok(rules::versions(&*state.store, &ws.actor()).await?)
}

/// Saves a new version (not live) through `tend_core::moderation::rules`.
pub async fn save(state: &AppState, ws: &Ws, source: &str) -> Result<RuleSetVersion, AppError> {
    Ok(rules::save_rule_set(&*state.store, &ws.actor(), rules::SOURCE_NAME, source).await?)
}

/// Runs rules over the last `days` days of stored messages, writing nothing.
pub async fn try_rules(
    state: &AppState,
    ws: &Ws,
    source: &str,
    days: u32,
) -> Result<DryRun, AppError> {
    Ok(rules::try_rules(
        &*state.store,
        &ws.actor(),
        source,
        days,
        rules::SAMPLES,
        state.clock.now(),
    )
    .await?)
}

/// Makes a version live (admins and social media managers).
pub async fn go_live(state: &AppState, ws: &Ws, id: RuleSetId) -> Result<RuleSetVersion, AppError> {
    Ok(rules::go_live(&*state.store, &ws.actor(), id).await?)
}

/// One row of the versions table.
pub struct VersionRow {
    id: i64,
    version: i64,
    saved: String,
    period: String,
    live: bool,
    total: String,
    rules: Vec<(String, String)>,
}

/// One rule of a dry run.
pub struct TallyRow {
    name: String,
    place: String,
    hits: String,
    actions: Vec<(String, String)>,
    samples: Vec<SampleRow>,
    notes: Vec<(String, String)>,
}

/// A sample message of a dry run.
pub struct SampleRow {
    href: String,
    excerpt: String,
    matched: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    ctx: PageCtx,
    source: String,
    errors: String,
    saved: bool,
    versions: Vec<VersionRow>,
    webhooks: Vec<WebhookRow>,
    dry: Option<(String, Vec<TallyRow>)>,
    can_edit: bool,
    can_go_live: bool,
    can_admin: bool,
    guidelines: String,
    guidelines_href: String,
}

/// One queued webhook post of a rule (`notify: {webhook: url}`) and how it went.
struct WebhookRow {
    rule: String,
    href: String,
    message: i64,
    /// The address without its query (which may hold a token).
    address: String,
    status: &'static str,
    status_text: String,
    attempts: String,
    error: String,
    when: String,
}

/// The newest webhook deliveries shown on the page.
const WEBHOOK_ROWS: u32 = 20;

/// What the page shows besides the versions.
#[derive(Default)]
struct Shown {
    source: Option<String>,
    errors: String,
    saved: bool,
    dry: Option<DryRun>,
}

async fn page(state: &AppState, ws: &Ws, shown: Shown) -> Result<Response, PageError> {
    let ctx = PageCtx::for_user(state, &ws.auth, Some((&ws.workspace, ws.role))).await?;
    let lang = ctx.lang;
    let slug = ws.workspace.slug.as_str();
    let all = versions(state, ws).await?;
    let team: HashMap<UserId, String> = state
        .store
        .workspace_users(ws.workspace.id)
        .await?
        .into_iter()
        .map(|(u, _)| (u.id, u.name))
        .collect();
    let source = shown.source.unwrap_or_else(|| {
        all.iter()
            .find(|v| v.version.is_live())
            .or(all.first())
            .map(|v| v.version.source.clone())
            .unwrap_or_default()
    });
    let versions = all.iter().map(|v| version_row(&ctx, &team, v)).collect();
    let webhooks = rules::webhook_deliveries(&*state.store, &ws.actor(), WEBHOOK_ROWS)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|d| WebhookRow {
            rule: lang.targs(
                "rules-rule",
                &[
                    ("index", (d.rule_index + 1).to_string()),
                    ("name", format!("{} (v{})", d.rule_name, d.version)),
                ],
            ),
            href: format!("/w/{slug}/c/{}", d.message_id),
            message: d.message_id.get(),
            address: d.url.split(['?', '#']).next().unwrap_or("").to_owned(),
            status: d.status(),
            status_text: lang.t(match d.status() {
                "delivered" => "rules-webhook-delivered",
                "failed" => "rules-webhook-failed",
                _ => "rules-webhook-pending",
            }),
            attempts: ctx.num(&d.attempts),
            error: d.last_error.clone().unwrap_or_default(),
            when: ctx.date(&d.delivered_at.or(d.gave_up_at).unwrap_or(d.created_at)),
        })
        .collect();
    let dry = shown.dry.map(|run| {
        let summary = lang.targs(
            "rules-dry-summary",
            &[
                ("scanned", ctx.num(&(run.scanned as i64))),
                ("matched", ctx.num(&(run.matched as i64))),
            ],
        );
        let rows = run
            .rules
            .iter()
            .map(|r| TallyRow {
                name: r.name.clone(),
                place: lang.targs(
                    "rules-place",
                    &[
                        ("index", (r.index + 1).to_string()),
                        ("document", r.document.to_string()),
                        ("line", r.line.to_string()),
                    ],
                ),
                hits: ctx.num(&(r.hits as i64)),
                actions: r
                    .actions
                    .iter()
                    .map(|(k, n)| (k.clone(), ctx.num(&(*n as i64))))
                    .collect(),
                samples: r
                    .samples
                    .iter()
                    .map(|s| SampleRow {
                        href: format!("/w/{slug}/c/{}", s.message),
                        excerpt: excerpt(&s.excerpt, 200),
                        matched: s
                            .matched
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    })
                    .collect(),
                notes: r
                    .notes
                    .iter()
                    .map(|(k, n)| (k.clone(), ctx.num(&(*n as i64))))
                    .collect(),
            })
            .collect();
        (summary, rows)
    });
    let page = RulesPage {
        source,
        errors: shown.errors,
        saved: shown.saved,
        versions,
        webhooks,
        dry,
        can_edit: ws.may(Permission::EditRules),
        can_go_live: ws.may(Permission::MakeRulesLive),
        can_admin: ws.may(Permission::Administer),
        guidelines: state
            .store
            .guidelines(ws.workspace.id)
            .await?
            .unwrap_or_default(),
        guidelines_href: format!("/g/{slug}"),
        ctx,
    };
    render(&page)
}

fn version_row(ctx: &PageCtx, team: &HashMap<UserId, String>, v: &VersionHits) -> VersionRow {
    let lang = ctx.lang;
    let r = &v.version;
    let who = r
        .created_by
        .and_then(|u| team.get(&u).cloned())
        .unwrap_or_default();
    let period = match (r.live_from, r.live_until) {
        (Some(from), Some(until)) => lang.targs(
            "rules-live-was",
            &[("from", ctx.date(&from)), ("until", ctx.date(&until))],
        ),
        (Some(from), None) => lang.ta("rules-live-since", "from", &ctx.date(&from)),
        _ => lang.t("rules-draft"),
    };
    let total: i64 = v.hits.iter().map(|h| h.hits).sum();
    // Per-rule hits with the rules' names, for the live version.
    let rules = if r.is_live() {
        let names: HashMap<i64, String> = parse_rules("rules.yaml", &r.source)
            .map(|set| {
                set.rules()
                    .iter()
                    .map(|rule| (rule.index() as i64, rule.name().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        v.hits
            .iter()
            .map(|h| {
                let name = names.get(&h.rule_index).cloned().unwrap_or_default();
                (
                    lang.targs(
                        "rules-rule",
                        &[("index", (h.rule_index + 1).to_string()), ("name", name)],
                    ),
                    ctx.num(&h.hits),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    VersionRow {
        id: r.id.get(),
        version: r.version,
        saved: lang.targs(
            "rules-saved-by",
            &[("who", who), ("when", ctx.date(&r.created_at))],
        ),
        period,
        live: r.is_live(),
        total: ctx.num(&total),
        rules,
    }
}

/// `GET /w/{slug}/rules`.
pub async fn rules_page(
    State(state): State<AppState>,
    ws: Ws,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let shown = Shown {
        saved: query.contains_key("saved"),
        ..Shown::default()
    };
    page(&state, &ws, shown).await
}

/// The editor's form.
#[derive(Deserialize)]
pub struct SourceForm {
    /// The YAML.
    #[serde(default)]
    source: String,
}

/// `POST /w/{slug}/rules` (form): saves a new version, or shows the page again
/// with the diagnostics above the editor (422).
pub async fn save_form(
    State(state): State<AppState>,
    ws: Ws,
    Form(form): Form<SourceForm>,
) -> Result<Response, PageError> {
    match save(&state, &ws, &form.source).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/w/{}/rules?saved=1", ws.workspace.slug.as_str()))
                .into_response(),
        ),
        Err(AppError::Rejected(errors)) => {
            let mut res = page(
                &state,
                &ws,
                Shown {
                    source: Some(form.source),
                    errors,
                    ..Shown::default()
                },
            )
            .await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /w/{slug}/rules/dry-run` (form): the page with the per-rule table of
/// what the rules in the editor would have done in the last 30 days.
pub async fn dry_run_form(
    State(state): State<AppState>,
    ws: Ws,
    Form(form): Form<SourceForm>,
) -> Result<Response, PageError> {
    match try_rules(&state, &ws, &form.source, 30).await {
        Ok(run) => {
            page(
                &state,
                &ws,
                Shown {
                    source: Some(form.source),
                    dry: Some(run),
                    ..Shown::default()
                },
            )
            .await
        }
        Err(AppError::Rejected(errors)) => {
            let mut res = page(
                &state,
                &ws,
                Shown {
                    source: Some(form.source),
                    errors,
                    ..Shown::default()
                },
            )
            .await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /w/{slug}/rules/{id}/live` (form).
pub async fn live_form(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    go_live(&state, &ws, RuleSetId(id)).await?;
    Ok(Redirect::to(&format!("/w/{}/rules", ws.workspace.slug.as_str())).into_response())
}

/// The guidelines form.
#[derive(Deserialize)]
pub struct GuidelinesForm {
    #[serde(default)]
    text: String,
}

/// `POST /w/{slug}/guidelines` (form, admins).
pub async fn guidelines_form(
    State(state): State<AppState>,
    ws: Ws,
    Form(form): Form<GuidelinesForm>,
) -> Result<Response, PageError> {
    rules::set_guidelines(&*state.store, &ws.actor(), &form.text)
        .await
        .map_err(AppError::from)?;
    Ok(Redirect::to(&format!(
        "/w/{}/rules#guidelines",
        ws.workspace.slug.as_str()
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "guidelines.html")]
struct GuidelinesPage {
    ctx: PageCtx,
    name: String,
    paragraphs: Vec<Vec<String>>,
}

/// `GET /g/{slug}`: the community's guidelines, public. Plain text: blank lines
/// separate paragraphs, single line breaks are kept; nothing is read as HTML.
pub async fn public_guidelines(
    State(state): State<AppState>,
    lang: Lang,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let workspace = state.store.workspace_by_slug(&slug).await?;
    let text = state
        .store
        .guidelines(workspace.id)
        .await?
        .unwrap_or_default();
    let page = GuidelinesPage {
        ctx: PageCtx::anonymous(lang),
        name: workspace.name,
        paragraphs: paragraphs(&text),
    };
    render(&page)
}

/// Paragraphs (separated by blank lines) as their lines.
pub fn paragraphs(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line.to_owned());
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::paragraphs;

    #[test]
    fn blank_lines_separate_paragraphs_and_line_breaks_stay() {
        assert_eq!(
            paragraphs("Be kind.\nNo spam.\n\n\n  \nAsk <b>us</b>.\r\n"),
            vec![
                vec!["Be kind.".to_owned(), "No spam.".to_owned()],
                vec!["Ask <b>us</b>.".to_owned()]
            ]
        );
        assert!(paragraphs("\n \n").is_empty());
    }
}
