//! `/api/w/{slug}/review` and `/api/w/{slug}/rules`: the review queue and its
//! decisions, rule set versions with their hits, saving, dry runs and going live.
//! The same use cases as the review and rules pages
//! (`tend_core::moderation::{review, rules}`), which check the permissions.

use super::{Body, ErrorBody};
use crate::AppState;
use crate::auth::Ws;
use crate::error::ApiError;
use crate::params::ReviewParams;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tend_core::moderation::{review, rules};
use tend_domain::{
    Identity, Message, MessageId, ReviewDecision, ReviewId, ReviewItem, RuleHit, RuleSetId,
    RuleSetVersion,
};
use utoipa::ToSchema;

/// One page of the review queue.
#[derive(Serialize, ToSchema)]
pub struct ReviewPage {
    /// The items: open ones escalated first, then newest first; decided ones newest first.
    pub items: Vec<ReviewItem>,
    /// The items' messages.
    pub messages: Vec<Message>,
    /// The messages' authors.
    pub authors: Vec<Identity>,
    /// The `before` cursor of the following page; absent on the last page.
    pub next: Option<ReviewId>,
}

/// Open (`status=open`, the default) or decided review items, 50 per page.
#[utoipa::path(
    get,
    path = "/api/w/{slug}/review",
    tag = "moderation",
    params(("slug" = String, Path, description = "The workspace"), ReviewParams),
    responses(
        (status = 200, description = "A page of the review queue", body = ReviewPage),
        (status = 400, description = "`status` is not open or decided", body = ErrorBody),
    )
)]
pub async fn list_review(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<ReviewParams>,
) -> Result<Json<ReviewPage>, ApiError> {
    let data = review::load(
        &*state.store,
        &ws.actor(),
        params.open()?,
        params.before.map(ReviewId),
    )
    .await?;
    let mut messages: Vec<Message> = data.messages.into_values().collect();
    messages.sort_by_key(|m| m.id);
    Ok(Json(ReviewPage {
        items: data.items,
        messages,
        authors: data.authors.into_values().collect(),
        next: data.next,
    }))
}

/// The body of `POST /api/w/{slug}/review/decide`.
#[derive(Deserialize, ToSchema)]
pub struct Decide {
    /// The review items (1-500), all of this workspace.
    pub ids: Vec<ReviewId>,
    /// What to do with them.
    pub decision: ReviewDecision,
}

/// The result of a decision.
#[derive(Serialize, ToSchema)]
pub struct Decided {
    /// How many items were decided (items already decided are left as they are).
    pub decided: u64,
}

/// Decides review items: approve, remove, hide, ban the author (and remove), or
/// escalate. Admins, social media managers and community managers; every id is
/// checked first, one of another workspace answers 404 and nothing is decided.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/review/decide",
    tag = "moderation",
    params(("slug" = String, Path, description = "The workspace")),
    request_body = Decide,
    responses((status = 200, description = "Decided", body = Decided))
)]
pub async fn decide(
    State(state): State<AppState>,
    ws: Ws,
    Body(body): Body<Decide>,
) -> Result<Json<Decided>, ApiError> {
    let decided = review::decide(&*state.store, &ws.actor(), &body.ids, body.decision).await?;
    Ok(Json(Decided { decided }))
}

/// A saved version with the hit counters of its rules.
#[derive(Serialize, ToSchema)]
pub struct VersionWithHits {
    /// The version.
    pub version: RuleSetVersion,
    /// How often each rule fired on live traffic (only rules that fired).
    pub hits: Vec<RuleHit>,
}

/// Every saved version of the workspace's rules, newest first, with hits.
#[utoipa::path(
    get,
    path = "/api/w/{slug}/rules",
    tag = "moderation",
    params(("slug" = String, Path, description = "The workspace")),
    responses((status = 200, description = "The versions", body = Vec<VersionWithHits>))
)]
pub async fn list_rules(
    State(state): State<AppState>,
    ws: Ws,
) -> Result<Json<Vec<VersionWithHits>>, ApiError> {
    Ok(Json(
        rules::versions(&*state.store, &ws.actor())
            .await?
            .into_iter()
            .map(|v| VersionWithHits {
                version: v.version,
                hits: v.hits,
            })
            .collect(),
    ))
}

/// The body of `POST /api/w/{slug}/rules`.
#[derive(Deserialize, ToSchema)]
pub struct NewRules {
    /// The rules as YAML (at most 200,000 bytes).
    pub source: String,
}

/// Saves the rules as a new version (not live). Admins, social media managers and
/// community managers.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/rules",
    tag = "moderation",
    params(("slug" = String, Path, description = "The workspace")),
    request_body = NewRules,
    responses(
        (status = 201, description = "The saved version", body = RuleSetVersion),
        (status = 422, description = "The rules do not parse; `message` lists every diagnostic with document, line and key", body = ErrorBody),
    )
)]
pub async fn save_rules(
    State(state): State<AppState>,
    ws: Ws,
    Body(body): Body<NewRules>,
) -> Result<(StatusCode, Json<RuleSetVersion>), ApiError> {
    let version =
        rules::save_rule_set(&*state.store, &ws.actor(), rules::SOURCE_NAME, &body.source).await?;
    Ok((StatusCode::CREATED, Json(version)))
}

/// Makes a version live (the explicit step; the previous live version ends).
/// Admins and social media managers.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/rules/{id}/live",
    tag = "moderation",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The version's id"),
    ),
    responses((status = 200, description = "The version, now live", body = RuleSetVersion))
)]
pub async fn make_live(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Json<RuleSetVersion>, ApiError> {
    Ok(Json(
        rules::go_live(&*state.store, &ws.actor(), RuleSetId(id)).await?,
    ))
}

/// The body of `POST /api/w/{slug}/rules/dry-run`.
#[derive(Deserialize, ToSchema)]
pub struct DryRunBody {
    /// The rules as YAML.
    pub source: String,
    /// How many days back to look (1-365, default 30).
    #[serde(default = "thirty")]
    pub days: u32,
}

fn thirty() -> u32 {
    30
}

/// What a rule set would have done to stored history.
#[derive(Serialize, ToSchema)]
pub struct DryRunResult {
    /// Messages looked at.
    pub scanned: u64,
    /// Messages at least one rule fired on.
    pub matched: u64,
    /// Per rule, in file order.
    pub rules: Vec<RuleTally>,
}

/// One rule's share of a dry run.
#[derive(Serialize, ToSchema)]
pub struct RuleTally {
    /// The rule's position in the file (0-based).
    pub index: usize,
    /// Its name (the comment above it, or its first check).
    pub name: String,
    /// The YAML document it is in (1-based).
    pub document: usize,
    /// Its first line (1-based).
    pub line: usize,
    /// Messages it fired on.
    pub hits: u64,
    /// Actions by name, with how often each would have run.
    pub actions: BTreeMap<String, u64>,
    /// The first few messages it fired on (up to 3).
    pub samples: Vec<Sample>,
    /// Why it could not fire where it might have, with how often.
    pub notes: BTreeMap<String, u64>,
}

/// A message a rule fired on.
#[derive(Serialize, ToSchema)]
pub struct Sample {
    /// The message.
    pub message: MessageId,
    /// When it was written.
    #[schema(value_type = String)]
    pub created_at: jiff::Timestamp,
    /// The start of its text.
    pub excerpt: String,
    /// What each search check matched.
    pub matched: BTreeMap<String, String>,
}

impl From<tend_core::moderation::DryRun> for DryRunResult {
    fn from(run: tend_core::moderation::DryRun) -> DryRunResult {
        DryRunResult {
            scanned: run.scanned,
            matched: run.matched,
            rules: run
                .rules
                .into_iter()
                .map(|r| RuleTally {
                    index: r.index,
                    name: r.name,
                    document: r.document,
                    line: r.line,
                    hits: r.hits,
                    actions: r.actions,
                    samples: r
                        .samples
                        .into_iter()
                        .map(|s| Sample {
                            message: s.message,
                            created_at: s.created_at,
                            excerpt: s.excerpt,
                            matched: s.matched,
                        })
                        .collect(),
                    notes: r.notes,
                })
                .collect(),
        }
    }
}

/// Runs rules over the last `days` days of stored messages as if each arrived
/// now, writing nothing. Admins, social media managers and community managers.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/rules/dry-run",
    tag = "moderation",
    params(("slug" = String, Path, description = "The workspace")),
    request_body = DryRunBody,
    responses(
        (status = 200, description = "What the rules would have done", body = DryRunResult),
        (status = 422, description = "The rules do not parse; `message` lists every diagnostic", body = ErrorBody),
    )
)]
pub async fn dry_run(
    State(state): State<AppState>,
    ws: Ws,
    Body(body): Body<DryRunBody>,
) -> Result<Json<DryRunResult>, ApiError> {
    let run = rules::try_rules(
        &*state.store,
        &ws.actor(),
        &body.source,
        body.days,
        rules::SAMPLES,
        state.clock.now(),
    )
    .await?;
    Ok(Json(run.into()))
}
