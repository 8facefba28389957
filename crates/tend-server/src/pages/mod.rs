//! The web app's pages: server-rendered askama templates (auto-escaped; user text is
//! never marked safe), one handler module per page, and the shared page context.

pub mod api_docs;
pub mod channels;
pub mod channels_oauth;
pub mod conversation;
pub mod explain;
pub mod inbox;
pub mod jobs;
pub mod listening;
pub mod login;
pub mod review;
pub mod rules;
pub mod settings;

use crate::AppState;
use crate::auth::{Authed, CurrentUser};
use crate::error::{AppError, PageError};
use crate::i18n::{self, Lang};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use tend_core::team::Permission;
use tend_core::team::permissions::allows;
use tend_domain::{Rating, Role, Workspace};

/// What every page's layout needs: language, user, CSRF token, workspace switcher.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// The reader's language.
    pub lang: Lang,
    /// The user's display name (empty when signed out).
    pub user_name: String,
    /// The CSRF token for forms.
    pub csrf: String,
    /// The workspaces the user can switch to: (slug, name, is current).
    pub workspaces: Vec<(String, String, bool)>,
    /// The current workspace's slug (empty outside a workspace).
    pub slug: String,
    /// Whether the role may change conversations here (`Permission::WorkInbox`).
    pub can_work: bool,
    /// The user's role in the current workspace (`None` outside one), for showing
    /// only allowed actions; see [`PageCtx::may`].
    pub role: Option<Role>,
    /// The time zone dates are shown in.
    pub tz: TimeZone,
    /// Open review items, for the header's link (set by the pages that show it).
    pub review_count: String,
}

impl PageCtx {
    /// A context for a signed-out page.
    pub fn anonymous(lang: Lang) -> PageCtx {
        PageCtx {
            lang,
            user_name: String::new(),
            csrf: String::new(),
            workspaces: Vec::new(),
            slug: String::new(),
            can_work: false,
            role: None,
            tz: TimeZone::UTC,
            review_count: String::new(),
        }
    }

    /// A context for a signed-in page, optionally inside a workspace.
    pub async fn for_user(
        state: &AppState,
        auth: &Authed,
        current: Option<(&Workspace, Role)>,
    ) -> Result<PageCtx, AppError> {
        let list = match state.cache.workspaces_of(auth.user.id) {
            Some(hit) => hit,
            None => {
                let list = state.store.user_workspaces(auth.user.id).await?;
                state.cache.put_workspaces_of(auth.user.id, list.clone());
                list
            }
        };
        let slug = current
            .map(|(w, _)| w.slug.as_str().to_owned())
            .unwrap_or_default();
        Ok(PageCtx {
            lang: Lang::from_code(&auth.user.locale),
            user_name: auth.user.name.clone(),
            csrf: auth.csrf().to_owned(),
            workspaces: list
                .into_iter()
                .map(|(w, _)| {
                    let here = w.slug.as_str() == slug;
                    (w.slug.as_str().to_owned(), w.name, here)
                })
                .collect(),
            can_work: current.is_some_and(|(_, r)| allows(r, Permission::WorkInbox)),
            role: current.map(|(_, r)| r),
            tz: current.map(|(w, _)| w.tz()).unwrap_or(TimeZone::UTC),
            review_count: String::new(),
            slug,
        })
    }

    /// Whether the reader's role here has `permission` (never outside a workspace).
    pub fn may(&self, permission: Permission) -> bool {
        self.role.is_some_and(|r| allows(r, permission))
    }

    /// Whether the header links to the review queue.
    pub fn sees_review(&self) -> bool {
        self.may(Permission::ReadReviewQueue)
    }

    /// Whether the header links to the background jobs (admins).
    pub fn sees_jobs(&self) -> bool {
        self.may(Permission::Administer)
    }

    /// Whether the header links to the rules.
    pub fn sees_rules(&self) -> bool {
        self.may(Permission::ReadRules)
    }

    /// Whether the listening pages list the topics with their queries.
    pub fn sees_topics(&self) -> bool {
        self.may(Permission::ReadTopics)
    }

    /// A UI string.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// A UI string with a count.
    pub fn tc(&self, key: &str, count: &i64) -> String {
        self.lang.tc(key, *count)
    }

    /// A UI string with one named argument.
    pub fn ta(&self, key: &str, name: &str, value: &str) -> String {
        self.lang.ta(key, name, value)
    }

    /// A localised date and time in the workspace's zone.
    pub fn date(&self, at: &Timestamp) -> String {
        i18n::format_datetime(self.lang, *at, &self.tz)
    }

    /// A localised integer.
    pub fn num(&self, n: &i64) -> String {
        i18n::format_int(self.lang, *n)
    }

    /// A localised decimal with two places.
    pub fn dec(&self, x: &f64) -> String {
        i18n::format_decimal(self.lang, *x, 2)
    }
}

/// A review's stars as shown: five star glyphs (filled, then empty), the number
/// (`4.5`, `4,5` in Swedish) and a label for screen readers. All empty without a
/// rating. The glyphs are decoration (`aria-hidden`); the label carries the meaning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stars {
    /// `★★★★☆`.
    pub glyphs: String,
    /// The rating as a localised number.
    pub number: String,
    /// "Rated 4.5 out of 5 stars".
    pub label: String,
}

impl Stars {
    /// The stars of `rating` in `lang`.
    pub fn of(lang: Lang, rating: Option<Rating>) -> Stars {
        let Some(rating) = rating else {
            return Stars::default();
        };
        let filled = usize::from(rating.filled_stars());
        let glyphs = format!("{}{}", "★".repeat(filled), "☆".repeat(5 - filled));
        let number = match lang {
            Lang::Sv => rating.to_string().replace('.', ","),
            Lang::En => rating.to_string(),
        };
        let label = lang.ta("rating-label", "stars", &number);
        Stars {
            glyphs,
            number,
            label,
        }
    }
}

/// The localised line saying why a control is absent (`why-not-<permission>`).
pub fn why_not(lang: Lang, permission: Permission) -> String {
    lang.t(&format!("why-not-{}", permission.as_str()))
}

/// Renders a template as a page.
pub fn render(template: &impl Template) -> Result<Response, PageError> {
    match template.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            Err(PageError(AppError::Internal))
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageCtx,
    status: u16,
    title: String,
    detail: String,
}

/// Turns a [`PageError`] response into a localised error page, or, for
/// `Unauthorized`, a redirect to the login page.
pub async fn error_pages(req: Request, next: Next) -> Response {
    let lang = req.extensions().get::<Lang>().copied().unwrap_or(Lang::En);
    let next_url = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let res = next.run(req).await;
    match res.extensions().get::<AppError>().cloned() {
        Some(error) => error_response(lang, &error, &next_url),
        None => res,
    }
}

/// The page for an error: the login page for `Unauthorized` (coming back to
/// `next_url`), otherwise a localised error page with the error's status.
pub fn error_response(lang: Lang, error: &AppError, next_url: &str) -> Response {
    if matches!(error, AppError::Unauthorized) {
        let query = serde_urlencoded::to_string([("next", next_url)]).unwrap_or_default();
        return Redirect::to(&format!("/login?{query}")).into_response();
    }
    let detail = match error {
        AppError::BadRequest { field, message } => format!("{field}: {message}"),
        AppError::Conflict(m) | AppError::Rejected(m) => m.clone(),
        AppError::Refused(p) => why_not(lang, *p),
        _ => String::new(),
    };
    let page = ErrorPage {
        ctx: PageCtx::anonymous(lang),
        status: error.status().as_u16(),
        title: lang.t(&format!("error-{}", error.code())),
        detail,
    };
    let status = error.status();
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

/// `/`: the first workspace's inbox, or the login page.
pub async fn home(
    State(state): State<AppState>,
    CurrentUser(auth): CurrentUser,
) -> Result<Response, PageError> {
    let list = state.store.user_workspaces(auth.user.id).await?;
    match list.first() {
        Some((w, _)) => Ok(Redirect::to(&format!("/w/{}/inbox", w.slug.as_str())).into_response()),
        None => {
            let ctx = PageCtx::for_user(&state, &auth, None).await?;
            let page = ErrorPage {
                title: ctx.t("no-workspaces"),
                ctx,
                status: 200,
                detail: String::new(),
            };
            let mut res = render(&page)?;
            *res.status_mut() = StatusCode::OK;
            Ok(res)
        }
    }
}

/// A local path to return to after a form, or `fallback` if `candidate` could
/// leave the site (absolute URLs, `//host`, backslashes).
pub fn local_path(candidate: Option<&str>, fallback: &str) -> String {
    match candidate {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => fallback.to_owned(),
    }
}

/// The handle shown after a person's or account's name, as `@handle`: none
/// on a network without handles, where the name is all it shows (Facebook:
/// "Sam Evans", never "@Sam Evans").
pub fn shown_handle(platform: tend_domain::ChannelKind, handle: &str) -> String {
    match platform {
        tend_domain::ChannelKind::Facebook => String::new(),
        _ => handle.to_owned(),
    }
}

/// A link target for text from outside: only http(s) URLs become links.
pub fn safe_href(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| url.trim().to_owned())
}
