//! Topic management (create, edit, delete) and the alert webhook setting.

use super::*;
use tend_core::listening::topics;
use tend_core::team::Permission;

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
pub(super) struct FormState {
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
pub(super) struct TopicsPage {
    ctx: PageCtx,
    topics: Vec<ManagedRow>,
    form: FormState,
    roles: Vec<(String, String)>,
    can_manage: bool,
    can_admin: bool,
    webhook: String,
    saved: bool,
}

pub(super) async fn topics_view(
    state: &AppState,
    ws: &Ws,
    form: FormState,
    saved: bool,
) -> Result<Response, PageError> {
    let ctx = PageCtx::for_user(state, &ws.auth, Some((&ws.workspace, ws.role))).await?;
    let lang = ctx.lang;
    let slug = ws.workspace.slug.as_str();
    let topics = topics::list(&*state.store, &ws.actor())
        .await
        .map_err(AppError::from)?
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
    let can_admin = ws.may(Permission::Administer);
    let webhook = if can_admin {
        topics::alert_webhook(&*state.store, &ws.actor())
            .await
            .map_err(AppError::from)?
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
        can_manage: ws.may(Permission::ManageTopics),
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
        let topic = topics::get(&*state.store, &ws.actor(), TopicId(id))
            .await
            .map_err(AppError::from)?;
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

pub(super) async fn save_topic(
    state: AppState,
    ws: Ws,
    editing: Option<i64>,
    form: TopicForm,
) -> Result<Response, PageError> {
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
