//! The dashboards' figures: per topic volume, sentiment and engagement over time
//! in the workspace's time zone (hour, day or ISO week buckets), share of voice
//! between the brand and its competitors, and per topic the top authors, terms
//! and hashtags with what is trending, and the people to answer.
//!
//! Everything is read from the rollups (`topic_hours`, `topic_terms`,
//! `topic_authors`), never from the messages, so a dashboard costs a handful of
//! indexed range reads whatever the history's size (`tend bench listening`).
//! Terms, hashtags and authors are kept per UTC day: a period of whole local days
//! reads the UTC days it overlaps.

use super::alerts::Driver;
pub use super::cache::Cache;
use super::cache::{TermSums, open_authors, open_terms};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use tend_domain::{Alert, IdentityId, Message, Topic, TopicId, TopicRole, WorkspaceId};
use tend_listen::trend::{self, TrendConfig};
use tend_store::prelude::*;
use tend_store::{AuthorCount, Periods, StoreError, TermCount};

const HOUR_SECS: i64 = 3_600;
const DAY_SECS: i64 = 86_400;

/// Size of a chart's buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Hour,
    #[default]
    Day,
    Week,
}

impl Granularity {
    /// Every granularity, finest first.
    pub const ALL: [Granularity; 3] = [Granularity::Hour, Granularity::Day, Granularity::Week];

    /// Reads `hour`, `day` or `week`.
    pub fn parse(s: &str) -> Option<Granularity> {
        match s {
            "hour" => Some(Granularity::Hour),
            "day" => Some(Granularity::Day),
            "week" => Some(Granularity::Week),
            _ => None,
        }
    }

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::Week => "week",
        }
    }
}

/// A dashboard's period: the last `days` whole local days up to and including
/// today, cut into buckets.
#[derive(Debug, Clone)]
pub struct Period {
    /// First instant (inclusive), a local midnight.
    pub from: Timestamp,
    /// Last instant (exclusive), the next local midnight after `now`.
    pub to: Timestamp,
    /// Bucket starts, in order; bucket `i` ends where `i + 1` starts (the last at `to`).
    pub buckets: Vec<Zoned>,
    pub granularity: Granularity,
    /// When the period was made: days before this instant's UTC day are closed
    /// (see [`Cache`]).
    pub now: Timestamp,
}

impl Period {
    /// The last `days` local days (at least 1, at most 400) ending with today.
    pub fn last_days(
        now: Timestamp,
        tz: &TimeZone,
        days: i64,
        granularity: Granularity,
    ) -> Result<Period, jiff::Error> {
        let days = days.clamp(1, 400);
        let today = now.to_zoned(tz.clone()).start_of_day()?;
        let end = today.tomorrow()?.start_of_day()?;
        let start = today.checked_sub((days - 1).days())?.start_of_day()?;
        let mut first = start.clone();
        if granularity == Granularity::Week {
            let back = i64::from(first.weekday().to_monday_zero_offset());
            first = first.checked_sub(back.days())?.start_of_day()?;
        }
        let mut buckets = Vec::new();
        let mut at = first;
        while at.timestamp() < end.timestamp() {
            let next = match granularity {
                Granularity::Hour => at.checked_add(1.hour())?,
                Granularity::Day => at.tomorrow()?.start_of_day()?,
                Granularity::Week => at.checked_add(7.days())?.start_of_day()?,
            };
            buckets.push(at);
            at = next;
        }
        Ok(Period {
            from: buckets.first().map_or(start.timestamp(), |b| b.timestamp()),
            to: end.timestamp(),
            buckets,
            granularity,
            now,
        })
    }

    /// Today's UTC day number (days since the epoch).
    pub fn today(&self) -> i64 {
        self.now.as_second().div_euclid(DAY_SECS)
    }

    /// The bucket an instant falls in, if inside the period.
    pub fn bucket_of(&self, t: Timestamp) -> Option<usize> {
        if t < self.from || t >= self.to {
            return None;
        }
        let i = self.buckets.partition_point(|b| b.timestamp() <= t);
        i.checked_sub(1)
    }

    /// The buckets' bounds in UTC hours since the epoch: bucket `i` is
    /// `[bounds[i], bounds[i + 1])`. An hour belongs to the bucket its start falls in.
    pub fn bounds(&self) -> Vec<i64> {
        let hour = |t: Timestamp| (t.as_second() + HOUR_SECS - 1).div_euclid(HOUR_SECS);
        let mut b: Vec<i64> = self.buckets.iter().map(|z| hour(z.timestamp())).collect();
        b.push(hour(self.to));
        b
    }

    /// The UTC hours the period covers: `[from, to)` in hours since the epoch.
    pub fn hours(&self) -> (i64, i64) {
        (
            self.from.as_second().div_euclid(HOUR_SECS),
            (self.to.as_second() + HOUR_SECS - 1).div_euclid(HOUR_SECS),
        )
    }

    /// The UTC days the period overlaps, and as many days before it (the previous
    /// period, for trends).
    pub fn periods(&self) -> Periods {
        let mid_day = self.from.as_second().div_euclid(DAY_SECS);
        let to_day = (self.to.as_second() - 1).div_euclid(DAY_SECS) + 1;
        Periods {
            from_day: mid_day - (to_day - mid_day),
            mid_day,
            to_day,
        }
    }
}

/// One bucket's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Point {
    pub messages: i64,
    pub positive: i64,
    pub neutral: i64,
    pub negative: i64,
    pub engagement: i64,
    pub to_answer: i64,
}

impl Point {
    fn add(&mut self, o: &Point) {
        self.messages += o.messages;
        self.positive += o.positive;
        self.neutral += o.neutral;
        self.negative += o.negative;
        self.engagement += o.engagement;
        self.to_answer += o.to_answer;
    }

    /// Net sentiment in per cent: (positive − negative) / messages × 100.
    pub fn net_sentiment(&self) -> f64 {
        if self.messages == 0 {
            0.0
        } else {
            (self.positive - self.negative) as f64 * 100.0 / self.messages as f64
        }
    }
}

/// A topic's figures per bucket and in total.
#[derive(Debug, Clone, Serialize)]
pub struct TopicSeries {
    pub topic: Topic,
    pub points: Vec<Point>,
    pub total: Point,
}

/// The overview: every topic's series over the period, share of voice, alerts.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    #[serde(skip)]
    pub period: Period,
    pub series: Vec<TopicSeries>,
    /// Brand and competitor topics with their volume in the period, largest first.
    pub share_of_voice: Vec<(String, i64)>,
    /// Alerts that started in the period, newest first.
    pub alerts: Vec<Alert>,
    /// What drives each of the first [`DRIVEN`] alerts (`None` after them).
    pub drivers: Vec<Option<Arc<Driver>>>,
}

/// How many of the listed alerts (the newest) say what drives them: two small
/// reads each, through the messages' time index.
pub const DRIVEN: usize = 10;

/// What drives each of the first [`DRIVEN`] alerts, `None` for the rest (and for
/// an alert of a topic not in `topics`).
async fn drivers(
    store: &dyn Store,
    cache: &Cache,
    workspace: WorkspaceId,
    topics: &[Topic],
    alerts: &[Alert],
) -> Result<Vec<Option<Arc<Driver>>>, StoreError> {
    let mut out = Vec::with_capacity(alerts.len());
    for (i, alert) in alerts.iter().enumerate() {
        let topic = topics.iter().find(|t| t.id == alert.topic_id);
        out.push(match topic {
            Some(topic) if i < DRIVEN => Some(cache.driver(store, workspace, topic, alert).await?),
            _ => None,
        });
    }
    Ok(out)
}

/// The topics' series over `period`.
pub async fn series(
    store: &Arc<dyn Store>,
    cache: &Cache,
    workspace: WorkspaceId,
    topics: &[Topic],
    period: &Period,
) -> Result<Vec<TopicSeries>, StoreError> {
    let ids: Vec<TopicId> = topics.iter().map(|t| t.id).collect();
    let rows = cache
        .buckets(
            &**store,
            workspace,
            topics,
            &period.bounds(),
            period.today() * 24,
        )
        .await?;
    let mut out: Vec<TopicSeries> = topics
        .iter()
        .map(|t| TopicSeries {
            topic: t.clone(),
            points: vec![Point::default(); period.buckets.len()],
            total: Point::default(),
        })
        .collect();
    let index: HashMap<TopicId, usize> = ids.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    for (topic, b, h) in &rows {
        let (Some(&i), true) = (index.get(topic), *b < period.buckets.len()) else {
            continue;
        };
        let p = Point {
            messages: h.messages,
            positive: h.positive,
            neutral: h.neutral,
            negative: h.negative,
            engagement: h.engagement,
            to_answer: h.to_answer,
        };
        out[i].points[*b].add(&p);
        out[i].total.add(&p);
    }
    Ok(out)
}

/// Share of voice: the brand topics and the competitor topics with their volume.
pub fn share_of_voice(series: &[TopicSeries]) -> Vec<(String, i64)> {
    let mut sov: Vec<(String, i64)> = series
        .iter()
        .filter(|s| matches!(s.topic.role, TopicRole::Brand | TopicRole::Competitor))
        .map(|s| (s.topic.name.clone(), s.total.messages))
        .collect();
    sov.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sov
}

/// The overview dashboard of a workspace.
pub async fn overview(
    store: &Arc<dyn Store>,
    cache: &Cache,
    workspace: WorkspaceId,
    period: Period,
) -> Result<Overview, StoreError> {
    let _reading = cache.reading();
    let topics = store.topics(workspace).await?;
    let series = series(store, cache, workspace, &topics, &period).await?;
    let share_of_voice = share_of_voice(&series);
    let alerts = store.alerts(workspace, period.from, 50).await?;
    let drivers = drivers(&**store, cache, workspace, &topics, &alerts).await?;
    Ok(Overview {
        period,
        series,
        share_of_voice,
        alerts,
        drivers,
    })
}

/// A term with its counts and, if it is significantly up, its test figures.
#[derive(Debug, Clone, Serialize)]
pub struct TermRow {
    pub term: String,
    pub current: i64,
    pub previous: i64,
    /// Dunning's log-likelihood G² against the previous period (signed: negative
    /// when the term went down).
    pub g2: f64,
    /// Significantly up (see [`tend_listen::trend`]).
    pub trending: bool,
}

/// One topic's dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    #[serde(skip)]
    pub period: Period,
    pub series: TopicSeries,
    /// Messages in the previous period of the same length (for trends).
    pub previous_total: i64,
    pub authors: Vec<AuthorCount>,
    pub terms: Vec<TermRow>,
    pub hashtags: Vec<TermRow>,
    /// Words and hashtags significantly up against the previous period, strongest first.
    pub trending: Vec<TermRow>,
    /// Open questions from people who are not members yet, newest first.
    pub to_answer: Vec<Message>,
    pub alerts: Vec<Alert>,
    /// What drives each of the first [`DRIVEN`] alerts (`None` after them).
    pub drivers: Vec<Option<Arc<Driver>>>,
}

/// How many rows each top list shows.
pub const TOP: usize = 15;
/// Terms fetched per period to find the top ones and the trending ones.
const TERM_CANDIDATES: i64 = 400;

/// A topic's dashboard over `period`.
pub async fn detail(
    store: &Arc<dyn Store>,
    cache: &Cache,
    workspace: WorkspaceId,
    topic: TopicId,
    period: Period,
) -> Result<Detail, StoreError> {
    let _reading = cache.reading();
    let topic = store.topic(workspace, topic).await?;
    let mut series_list = series(
        store,
        cache,
        workspace,
        std::slice::from_ref(&topic),
        &period,
    )
    .await?;
    let series = series_list.pop().ok_or(StoreError::NotFound)?;
    let periods = period.periods();
    let today = period.today();
    // Message totals of the previous and the current period, in the UTC days the
    // term counts are kept in.
    let totals = cache
        .buckets(
            &**store,
            workspace,
            std::slice::from_ref(&topic),
            &[
                periods.from_day * 24,
                periods.mid_day * 24,
                periods.to_day * 24,
            ],
            today * 24,
        )
        .await?;
    let total_of = |b: usize| -> i64 {
        totals
            .iter()
            .filter(|(_, i, _)| *i == b)
            .map(|(_, _, h)| h.messages)
            .sum()
    };
    let (previous_total, current_total) = (total_of(0), total_of(1));
    let counts = term_counts(
        store,
        cache,
        workspace,
        &topic,
        periods,
        today,
        2,
        TERM_CANDIDATES,
    )
    .await?;
    let (terms, hashtags, trending) = rank_terms(&counts, current_total, previous_total);
    let authors = top_authors(store, cache, workspace, &topic, periods, today, TOP).await?;
    let ids = store
        .to_answer(workspace, topic.id, (period.from, period.to), TOP as i64)
        .await?;
    let mut to_answer = store.messages(workspace, &ids).await?;
    to_answer.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let alerts: Vec<Alert> = store
        .alerts(workspace, period.from, 200)
        .await?
        .into_iter()
        .filter(|a| a.topic_id == topic.id)
        .collect();
    let drivers = drivers(
        &**store,
        cache,
        workspace,
        std::slice::from_ref(&topic),
        &alerts,
    )
    .await?;
    Ok(Detail {
        period,
        series,
        previous_total,
        authors,
        terms,
        hashtags,
        trending,
        to_answer,
        alerts,
        drivers,
    })
}

/// The topic's terms with at least `min` messages in the current period, most
/// frequent first (then by term), at most `limit`, with their count in the
/// previous period: what `ListenStore::topic_terms` answers. The closed days' sums come
/// from the cache; on a miss the store's ranking answers while they are loaded in
/// the background (see [`Cache`]).
#[allow(clippy::too_many_arguments)]
pub async fn term_counts(
    store: &Arc<dyn Store>,
    cache: &Cache,
    workspace: WorkspaceId,
    topic: &Topic,
    periods: Periods,
    today: i64,
    min: i64,
    limit: i64,
) -> Result<Vec<TermCount>, StoreError> {
    let _reading = cache.reading();
    let current_days = (periods.mid_day, periods.to_day);
    let previous_days = (periods.from_day, periods.mid_day);
    let closed_current = cache.closed_terms(store, workspace, topic, current_days, today);
    let closed_previous = cache.closed_terms(store, workspace, topic, previous_days, today);
    let (Some(closed_current), Some(closed_previous)) = (closed_current, closed_previous) else {
        return store
            .topic_terms(workspace, topic.id, periods, min, limit)
            .await;
    };
    let open_current = open_terms(&**store, workspace, topic.id, current_days, today).await?;
    let open_previous = open_terms(&**store, workspace, topic.id, previous_days, today).await?;
    let count = |closed: &TermSums, open: &TermSums, t: &str| {
        closed.get(t).copied().unwrap_or(0) + open.get(t).copied().unwrap_or(0)
    };
    // Every term of the current period once: the closed days' terms, then today's
    // that are not among them.
    let mut rows: Vec<(&str, i64)> = closed_current
        .keys()
        .chain(
            open_current
                .keys()
                .filter(|t| !closed_current.contains_key(*t)),
        )
        .map(|t| (t.as_str(), count(&closed_current, &open_current, t)))
        .filter(|(_, n)| *n >= min.max(1))
        .collect();
    // Most messages first, then by term (terms are unique, so the order is total).
    let order = |a: &(&str, i64), b: &(&str, i64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
    let limit = usize::try_from(limit.clamp(0, 400)).unwrap_or(0);
    if rows.len() > limit {
        rows.select_nth_unstable_by(limit, order);
        rows.truncate(limit);
    }
    rows.sort_unstable_by(order);
    Ok(rows
        .into_iter()
        .map(|(t, n)| TermCount {
            term: t.to_owned(),
            current: n,
            previous: count(&closed_previous, &open_previous, t),
        })
        .collect())
}

/// The topic's most active authors in the current period (messages, then
/// engagement, then id): what `ListenStore::topic_authors` answers, the closed days'
/// sums from the cache (on a miss, the store's ranking answers).
pub async fn top_authors(
    store: &Arc<dyn Store>,
    cache: &Cache,
    workspace: WorkspaceId,
    topic: &Topic,
    periods: Periods,
    today: i64,
    limit: usize,
) -> Result<Vec<AuthorCount>, StoreError> {
    let _reading = cache.reading();
    let days = (periods.mid_day, periods.to_day);
    let Some(closed) = cache.closed_authors(store, workspace, topic, days, today) else {
        return store
            .topic_authors(
                workspace,
                topic.id,
                periods.mid_day,
                periods.to_day,
                i64::try_from(limit).unwrap_or(i64::MAX),
            )
            .await;
    };
    let open = open_authors(&**store, workspace, topic.id, days, today).await?;
    let sum = |a: &IdentityId| {
        let (c, o) = (
            closed.get(a).copied().unwrap_or_default(),
            open.get(a).copied().unwrap_or_default(),
        );
        (c.0 + o.0, c.1 + o.1)
    };
    let mut rows: Vec<(IdentityId, i64, i64)> = closed
        .keys()
        .chain(open.keys().filter(|a| !closed.contains_key(*a)))
        .map(|a| {
            let (n, e) = sum(a);
            (*a, n, e)
        })
        .filter(|(_, n, _)| *n > 0)
        .collect();
    let key = |r: &(IdentityId, i64, i64)| (std::cmp::Reverse(r.1), std::cmp::Reverse(r.2), r.0);
    if rows.len() > limit {
        rows.select_nth_unstable_by_key(limit, key);
        rows.truncate(limit);
    }
    rows.sort_by_key(key);
    let ids: Vec<IdentityId> = rows.iter().map(|r| r.0).collect();
    let who: HashMap<IdentityId, tend_domain::Identity> = store
        .identities(workspace, &ids)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    Ok(rows
        .into_iter()
        .map(|(id, messages, engagement)| {
            let identity = who.get(&id);
            AuthorCount {
                identity_id: id,
                handle: identity.map(|i| i.handle.clone()).unwrap_or_default(),
                display_name: identity.and_then(|i| i.display_name.clone()),
                platform: identity
                    .map(|i| i.platform.as_str().to_owned())
                    .unwrap_or_default(),
                messages,
                engagement,
            }
        })
        .collect())
}

/// Splits counted terms into words and hashtags (top [`TOP`] each) and the trending
/// ones, by Dunning's G² of each term's count against the previous period's.
/// Totals are messages of the topic in each period: a term's count is the number
/// of messages that carry it.
pub fn rank_terms(
    counts: &[TermCount],
    current_total: i64,
    previous_total: i64,
) -> (Vec<TermRow>, Vec<TermRow>, Vec<TermRow>) {
    let cfg = TrendConfig::default();
    let current: Vec<(&str, u64)> = counts
        .iter()
        .map(|c| (c.term.as_str(), c.current.max(0) as u64))
        .collect();
    let previous: HashMap<&str, u64> = counts
        .iter()
        .map(|c| (c.term.as_str(), c.previous.max(0) as u64))
        .collect();
    let trends = trend::trending(
        &current,
        |k: &&str| previous.get(k).copied().unwrap_or(0),
        current_total.max(0) as u64,
        previous_total.max(0) as u64,
        &cfg,
    );
    let up: HashMap<&str, f64> = trends.iter().map(|t| (t.key, t.g2)).collect();
    let row = |c: &TermCount| TermRow {
        term: c.term.clone(),
        current: c.current,
        previous: c.previous,
        g2: up.get(c.term.as_str()).copied().unwrap_or(0.0),
        trending: up.contains_key(c.term.as_str()),
    };
    let words: Vec<TermRow> = counts
        .iter()
        .filter(|c| !c.term.starts_with('#'))
        .take(TOP)
        .map(row)
        .collect();
    let hashtags: Vec<TermRow> = counts
        .iter()
        .filter(|c| c.term.starts_with('#'))
        .take(TOP)
        .map(row)
        .collect();
    let by_term: HashMap<&str, &TermCount> = counts.iter().map(|c| (c.term.as_str(), c)).collect();
    let trending: Vec<TermRow> = trends
        .iter()
        .filter_map(|t| by_term.get(t.key).map(|c| row(c)))
        .take(TOP)
        .collect();
    (words, hashtags, trending)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Weekday;

    #[test]
    fn local_days_follow_daylight_saving() {
        let tz = TimeZone::get("Europe/Stockholm").unwrap();
        // Summer time ends on 2026-10-25: that local day has 25 hours.
        let now: Timestamp = "2026-10-26T10:00:00Z".parse().unwrap();
        let p = Period::last_days(now, &tz, 3, Granularity::Day).unwrap();
        let b = p.bounds();
        assert_eq!(b.len(), 4);
        let lengths: Vec<i64> = b.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(lengths, [24, 25, 24]);
        // 2026-10-24 00:00 in Stockholm is 22:00 UTC the day before.
        assert_eq!(p.from, "2026-10-23T22:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(
            p.bucket_of("2026-10-25T22:59:00Z".parse().unwrap()),
            Some(1)
        );
        assert_eq!(
            p.bucket_of("2026-10-25T23:00:00Z".parse().unwrap()),
            Some(2)
        );
    }

    #[test]
    fn weeks_start_on_monday_and_hours_are_hours() {
        let now: Timestamp = "2026-11-24T10:00:00Z".parse().unwrap(); // a Tuesday
        let p = Period::last_days(now, &TimeZone::UTC, 14, Granularity::Week).unwrap();
        assert!(p.buckets.iter().all(|z| z.weekday() == Weekday::Monday));
        assert_eq!(p.buckets.len(), 3);
        let h = Period::last_days(now, &TimeZone::UTC, 2, Granularity::Hour).unwrap();
        assert_eq!(h.buckets.len(), 48);
        assert_eq!(h.bounds().len(), 49);
    }

    #[test]
    fn trending_terms_are_split_from_words_and_hashtags() {
        let c = |t: &str, current, previous| TermCount {
            term: t.into(),
            current,
            previous,
        };
        let counts = [
            c("outage", 60, 2),
            c("lights", 100, 100),
            c("#outage", 30, 0),
        ];
        let (words, tags, trending) = rank_terms(&counts, 1_000, 1_000);
        assert_eq!(words.len(), 2);
        assert_eq!(tags.len(), 1);
        let t: Vec<&str> = trending.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(t, ["outage", "#outage"]);
        assert!(words.iter().any(|w| w.term == "lights" && !w.trending));
    }
}
