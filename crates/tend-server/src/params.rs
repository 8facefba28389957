//! The inbox's, the review queue's and the dashboards' URL parameters, shared by the pages and the
//! JSON API so a filtered view is a shareable URL. Empty values mean "no filter"; a bad value answers 400
//! naming the parameter.

use crate::error::AppError;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _};
use serde::{Deserialize, Serialize};
use tend_core::listening::dashboard::{Granularity, Period};
use tend_domain::{
    ChannelId, InboxState, MessageId, Rating, SentimentLabel, TagId, UserId, Workspace,
};
use tend_store::InboxQuery;

/// The inbox's orders, as `sort` names them (`newest` is the default).
pub(crate) const SORTS: [&str; 2] = ["newest", "oldest"];

/// The filters, as written in the URL.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// `open` (default), `done`, `snoozed`, `archived` or `all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// A tag id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// `positive`, `neutral` or `negative`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<String>,
    /// An ISO 639-1 code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// `me`, `none` or a teammate's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// `yes` or `no`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// `yes` or `no`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toxic: Option<String>,
    /// `yes`: only private (direct) messages; `no`: only public ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<String>,
    /// Only reviews rated at most this many stars (1-5, e.g. `2` for the low ratings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_max: Option<String>,
    /// First day (`YYYY-MM-DD`, in the workspace's time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Full-text search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Paging cursor from the previous page (`<epoch ms>_<id>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Page size (1-200, default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// Order: `newest` (default) or `oldest` (longest waiting first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn id<T>(field: &str, v: &Option<String>, make: fn(i64) -> T) -> Result<Option<T>, AppError> {
    set(v)
        .map(|s| {
            s.parse::<i64>()
                .map(make)
                .map_err(|_| AppError::bad(field, "must be a number"))
        })
        .transpose()
}

fn yes_no(field: &str, v: &Option<String>) -> Result<Option<bool>, AppError> {
    match set(v) {
        None => Ok(None),
        Some("yes") => Ok(Some(true)),
        Some("no") => Ok(Some(false)),
        Some(_) => Err(AppError::bad(field, "must be yes or no")),
    }
}

fn day(field: &str, v: &Option<String>, ws: &Workspace) -> Result<Option<Timestamp>, AppError> {
    let Some(s) = set(v) else { return Ok(None) };
    let date: Date = s
        .parse()
        .map_err(|_| AppError::bad(field, "must be a date YYYY-MM-DD"))?;
    let date = if field == "to" {
        date.checked_add(1.day())
            .map_err(|_| AppError::bad(field, "out of range"))?
    } else {
        date
    };
    date.to_zoned(ws.tz())
        .map(|z| Some(z.timestamp()))
        .map_err(|_| AppError::bad(field, "out of range"))
}

impl InboxParams {
    /// The status filter (`None` for all).
    pub fn state(&self) -> Result<Option<InboxState>, AppError> {
        match set(&self.status) {
            None => Ok(Some(InboxState::Open)),
            Some("all") => Ok(None),
            Some(s) => InboxState::parse(s).map(Some).map_err(|_| {
                AppError::bad("status", "must be open, done, snoozed, archived or all")
            }),
        }
    }

    /// The store query for `me` in `ws`.
    pub fn to_query(&self, ws: &Workspace, me: UserId) -> Result<InboxQuery, AppError> {
        let (assignee, unassigned) = match set(&self.assignee) {
            None => (None, false),
            Some("me") => (Some(me), false),
            Some("none") => (None, true),
            Some(s) => (
                Some(UserId(s.parse().map_err(|_| {
                    AppError::bad("assignee", "must be me, none or a number")
                })?)),
                false,
            ),
        };
        let before = match set(&self.before) {
            None => None,
            Some(s) => {
                let bad = || AppError::bad("before", "must be a cursor from a previous page");
                let (at, id) = s.split_once('_').ok_or_else(bad)?;
                let at = Timestamp::from_millisecond(at.parse().map_err(|_| bad())?)
                    .map_err(|_| bad())?;
                Some((at, MessageId(id.parse().map_err(|_| bad())?)))
            }
        };
        let limit = match set(&self.limit) {
            None => 50,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or_else(|| AppError::bad("limit", "must be 1-200"))?,
        };
        let lang = set(&self.lang).map(|l| l.to_ascii_lowercase());
        if lang
            .as_ref()
            .is_some_and(|l| l.len() > 8 || !l.chars().all(|c| c.is_ascii_alphabetic() || c == '-'))
        {
            return Err(AppError::bad("lang", "must be a language code"));
        }
        Ok(InboxQuery {
            state: self.state()?,
            channel: id("channel", &self.channel, ChannelId)?,
            assignee,
            unassigned,
            tag: id("tag", &self.tag, TagId)?,
            sentiment: set(&self.sentiment)
                .map(|s| {
                    SentimentLabel::parse(s).map_err(|_| {
                        AppError::bad("sentiment", "must be positive, neutral or negative")
                    })
                })
                .transpose()?,
            lang,
            question: yes_no("question", &self.question)?,
            toxic: yes_no("toxic", &self.toxic)?,
            private: yes_no("private", &self.private)?,
            rating_max: set(&self.rating_max)
                .map(|s| {
                    Rating::parse(s)
                        .map_err(|_| AppError::bad("rating_max", "must be a number from 1 to 5"))
                })
                .transpose()?,
            from: day("from", &self.from, ws)?,
            to: day("to", &self.to, ws)?,
            text: set(&self.q).map(|q| q.chars().take(200).collect()),
            before,
            limit,
            oldest_first: match set(&self.sort) {
                None | Some("newest") => false,
                Some("oldest") => true,
                Some(_) => return Err(AppError::bad("sort", "must be newest or oldest")),
            },
        })
    }

    /// The query string of these filters (without the cursor), for links.
    pub fn query_string(&self) -> String {
        let mut p = self.clone();
        p.before = None;
        serde_urlencoded::to_string(&p).unwrap_or_default()
    }

    /// The same filters with another status, for the status tabs.
    pub fn with_status(&self, status: &str) -> String {
        let mut p = self.clone();
        p.before = None;
        p.status = Some(status.to_owned());
        serde_urlencoded::to_string(&p).unwrap_or_default()
    }

    /// The same filters on the next page after `(created_at, id)`.
    pub fn next_page(&self, cursor: &str) -> String {
        let mut p = self.clone();
        p.before = Some(cursor.to_owned());
        serde_urlencoded::to_string(&p).unwrap_or_default()
    }
}

/// The cursor that continues after this message.
pub fn cursor(at: Timestamp, id: MessageId) -> String {
    format!("{}_{}", at.as_millisecond(), id.get())
}

/// The query of the review page and the API list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewParams {
    /// `open` (default: pending and escalated, escalated first) or `decided`.
    pub status: Option<String>,
    /// Keyset cursor: only items with a smaller id (the `next` of the previous page).
    pub before: Option<i64>,
}

impl ReviewParams {
    /// Whether the open list is asked for; 400 for an unknown status.
    pub fn open(&self) -> Result<bool, AppError> {
        match self.status.as_deref().map(str::trim) {
            None | Some("") | Some("open") => Ok(true),
            Some("decided") => Ok(false),
            Some(_) => Err(AppError::bad("status", "must be open or decided")),
        }
    }
}

/// The periods offered, in days.
pub const DAY_CHOICES: [i64; 3] = [7, 30, 90];
/// The default period, in days.
pub const DEFAULT_DAYS: i64 = 30;
/// The longest period accepted, in days.
pub const MAX_DAYS: i64 = 366;
/// The longest period shown in hours (more would be thousands of points).
pub const MAX_HOURLY_DAYS: i64 = 31;
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
    pub fn period(&self, now: Timestamp, tz: &TimeZone) -> Result<Period, AppError> {
        let days = self.days()?;
        let granularity = self.granularity()?;
        Period::last_days(now, tz, days, granularity).map_err(|e| {
            tracing::error!(error = %e, "dashboard period");
            AppError::Internal
        })
    }
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
}
