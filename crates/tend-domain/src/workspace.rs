//! Workspaces: one brand, or one client of an agency, with its time zone and
//! business hours (first-response targets are measured in business time).

use crate::{ValidationError, WorkspaceId};
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _};
use serde::{Deserialize, Serialize};

/// A workspace as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    /// Its id.
    pub id: WorkspaceId,
    /// URL-safe short name, unique across the installation.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// IANA time zone name, e.g. `Europe/Stockholm`.
    pub time_zone: String,
    /// When the team is at work.
    pub business_hours: BusinessHours,
    /// First-response target in seconds of business time (e.g. 3600).
    pub response_target_secs: i64,
    /// When it was created.
    pub created_at: Timestamp,
}

/// Where a conversation stands against the workspace's first-response target,
/// counted in business time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseStatus {
    /// The brand answered after this much business time.
    Answered {
        /// Business seconds from the first inbound message to the first reply.
        business_secs: i64,
        /// Whether that was within the target.
        within_target: bool,
    },
    /// No answer yet, after this much business time.
    Waiting {
        /// Business seconds from the first inbound message until now.
        business_secs: i64,
        /// Whether the target has passed.
        overdue: bool,
    },
}

impl Workspace {
    /// A conversation's standing against the first-response target: answered (and
    /// how fast) or waiting (and whether overdue), in business time of this
    /// workspace's hours and time zone.
    pub fn response_status(
        &self,
        first_inbound: Timestamp,
        first_reply: Option<Timestamp>,
        now: Timestamp,
    ) -> ResponseStatus {
        let tz = self.tz();
        match first_reply {
            Some(reply) => {
                let secs = self
                    .business_hours
                    .business_seconds_between(&tz, first_inbound, reply);
                ResponseStatus::Answered {
                    business_secs: secs,
                    within_target: secs <= self.response_target_secs,
                }
            }
            None => {
                let secs = self
                    .business_hours
                    .business_seconds_between(&tz, first_inbound, now);
                ResponseStatus::Waiting {
                    business_secs: secs,
                    overdue: secs > self.response_target_secs,
                }
            }
        }
    }

    /// The workspace's time zone; falls back to UTC if the stored name is unknown
    /// to this build's time-zone database (names are validated on write).
    pub fn tz(&self) -> TimeZone {
        TimeZone::get(&self.time_zone).unwrap_or(TimeZone::UTC)
    }
}

/// What is needed to create a workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWorkspace {
    /// URL-safe short name.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// IANA time-zone name (validated by [`validate_time_zone`]).
    pub time_zone: String,
    /// Opening hours.
    pub business_hours: BusinessHours,
    /// First-response target in seconds.
    pub response_target_secs: i64,
}

impl NewWorkspace {
    /// A workspace with Monday–Friday 09:00–17:00 hours and a one-hour target.
    pub fn new(
        slug: Slug,
        name: impl Into<String>,
        time_zone: &str,
    ) -> Result<Self, ValidationError> {
        validate_time_zone(time_zone)?;
        let name = name.into();
        if name.trim().is_empty() {
            return Err(ValidationError::new("name", "must not be empty"));
        }
        Ok(NewWorkspace {
            slug,
            name,
            time_zone: time_zone.to_owned(),
            business_hours: BusinessHours::office(),
            response_target_secs: 3600,
        })
    }
}

/// Checks that `name` is a time zone this build knows.
pub fn validate_time_zone(name: &str) -> Result<(), ValidationError> {
    TimeZone::get(name)
        .map(|_| ())
        .map_err(|_| ValidationError::new("time_zone", format!("unknown time zone {name:?}")))
}

/// A URL-safe identifier: 1–63 of `a-z`, `0-9`, `-`, not starting or ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Validates a slug.
    pub fn parse(s: impl Into<String>) -> Result<Slug, ValidationError> {
        let s = s.into();
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if s.is_empty() || s.len() > 63 || !ok_chars || s.starts_with('-') || s.ends_with('-') {
            return Err(ValidationError::new(
                "slug",
                format!(
                    "{s:?} must be 1-63 characters of a-z, 0-9 and '-', not starting or ending with '-'"
                ),
            ));
        }
        Ok(Slug(s))
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Weekly opening hours in the workspace's local time: for each weekday
/// (Monday first), zero or more `[open, close)` intervals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// Seven entries, Monday to Sunday; each a list of (open, close) minutes after midnight.
    pub days: [Vec<(u16, u16)>; 7],
}

impl BusinessHours {
    /// Monday–Friday 09:00–17:00.
    pub fn office() -> BusinessHours {
        let day = vec![(9 * 60, 17 * 60)];
        BusinessHours {
            days: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![],
                vec![],
            ],
        }
    }

    /// Open around the clock.
    pub fn always() -> BusinessHours {
        let day = vec![(0, 24 * 60)];
        BusinessHours {
            days: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
            ],
        }
    }

    /// Checks that intervals are within a day, non-empty, sorted and not overlapping.
    pub fn validate(&self) -> Result<(), ValidationError> {
        for (i, day) in self.days.iter().enumerate() {
            let mut last_close = 0;
            for &(open, close) in day {
                if open >= close || close > 24 * 60 || open < last_close {
                    return Err(ValidationError::new(
                        "business_hours",
                        format!(
                            "day {}: interval {open}-{close} is empty, out of range or overlapping",
                            i + 1
                        ),
                    ));
                }
                last_close = close;
            }
        }
        Ok(())
    }

    /// Whether the instant falls inside opening hours in `tz`.
    pub fn is_open(&self, tz: &TimeZone, at: Timestamp) -> bool {
        let local = at.to_zoned(tz.clone());
        let minute =
            u16::from(local.hour().unsigned_abs()) * 60 + u16::from(local.minute().unsigned_abs());
        self.days[weekday_index(local.weekday())]
            .iter()
            .any(|&(open, close)| open <= minute && minute < close)
    }

    /// Seconds of business time between `from` and `to` (0 if `to <= from`).
    ///
    /// Walks day by day in local time, so daylight-saving changes are honoured, but
    /// steps over whole weeks at a time where the zone's UTC offset does not change
    /// (see `BusinessHours::steady_weeks`): the inbox computes this for every
    /// conversation on a page, and a conversation waiting for months made the
    /// day-by-day walk most of a page's cost.
    pub fn business_seconds_between(&self, tz: &TimeZone, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0i64;
        let start_date = from.to_zoned(tz.clone()).date();
        let end_date = to.to_zoned(tz.clone()).date();
        let mut date = start_date;
        while date <= end_date {
            if date > start_date
                && let Some((days, secs)) = self.steady_weeks(tz, date, end_date)
            {
                total += secs;
                match date.checked_add(days.days()) {
                    Ok(next) => date = next,
                    Err(_) => break,
                }
                continue;
            }
            total += self.day_seconds(tz, date, from, to);
            match date.checked_add(1.day()) {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        total
    }

    /// Business seconds of local day `date` that fall inside `[from, to)`.
    fn day_seconds(
        &self,
        tz: &TimeZone,
        date: jiff::civil::Date,
        from: Timestamp,
        to: Timestamp,
    ) -> i64 {
        let mut total = 0;
        for &(open, close) in &self.days[weekday_index(date.weekday())] {
            let (Some(open_ts), Some(close_ts)) = (
                local_instant(tz, date, open),
                local_instant(tz, date, close),
            ) else {
                continue;
            };
            let a = open_ts.max(from);
            let b = close_ts.min(to);
            if b > a {
                total += b.as_second() - a.as_second();
            }
        }
        total
    }

    /// Whole weeks from `date` on, all of whose days come before `end_date`, in
    /// which the zone keeps one UTC offset (from a day before the first midnight to
    /// a day after the last): there every local time is one instant, so each day
    /// counts its nominal hours. Returns the days stepped over and their business
    /// seconds, or `None` when not even one week qualifies. Those days lie strictly
    /// between the span's first and last day, so `from` and `to` cut none of them.
    fn steady_weeks(
        &self,
        tz: &TimeZone,
        date: jiff::civil::Date,
        end_date: jiff::civil::Date,
    ) -> Option<(i64, i64)> {
        const DAY: i64 = 86_400;
        const WEEK: i64 = 7 * DAY;
        let span = i64::from(date.until(end_date).ok()?.get_days());
        let mut weeks = span / 7;
        if weeks == 0 {
            return None;
        }
        let start = local_instant(tz, date, 0)?.as_second();
        let guard_from = Timestamp::from_second(start - DAY).ok()?;
        if let Some(change) = tz.following(guard_from).next() {
            // Only the weeks that end (with a day to spare) before the change.
            let before = change.timestamp().as_second() - start - DAY;
            weeks = weeks.min(before.div_euclid(WEEK));
            if weeks <= 0 {
                return None;
            }
        }
        let week: i64 = self
            .days
            .iter()
            .flatten()
            .map(|&(open, close)| (wall_minute(close) - wall_minute(open)).max(0) * 60)
            .sum();
        Some((weeks * 7, weeks * week))
    }
}

/// The minute of the day [`local_instant`] puts `minute` at (24:00 and later are
/// the next midnight).
fn wall_minute(minute: u16) -> i64 {
    if minute / 60 >= 24 {
        24 * 60
    } else {
        i64::from(minute)
    }
}

fn weekday_index(day: Weekday) -> usize {
    usize::from(day.to_monday_zero_offset().unsigned_abs())
}

fn local_instant(tz: &TimeZone, date: jiff::civil::Date, minute: u16) -> Option<Timestamp> {
    let (hour, min) = (minute / 60, minute % 60);
    let zoned = if hour >= 24 {
        date.checked_add(1.day()).ok()?.to_zoned(tz.clone()).ok()?
    } else {
        let time = Time::new(i8::try_from(hour).ok()?, i8::try_from(min).ok()?, 0, 0).ok()?;
        date.to_datetime(time).to_zoned(tz.clone()).ok()?
    };
    Some(zoned.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn slugs_are_url_safe() {
        assert!(Slug::parse("acme-2").is_ok());
        for bad in ["", "-a", "a-", "Acme", "a b", "å", &"x".repeat(64)] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn unknown_time_zones_are_rejected() {
        assert!(NewWorkspace::new(Slug::parse("a").unwrap(), "A", "Europe/Stockholm").is_ok());
        assert!(NewWorkspace::new(Slug::parse("a").unwrap(), "A", "Mars/Olympus").is_err());
    }

    #[test]
    fn office_hours_are_open_on_a_weekday_morning_in_local_time() {
        let tz = TimeZone::get("Europe/Stockholm").unwrap();
        let hours = BusinessHours::office();
        // 2026-11-24 is a Tuesday; 09:30 in Stockholm is 08:30 UTC.
        assert!(hours.is_open(&tz, ts("2026-11-24T08:30:00Z")));
        assert!(!hours.is_open(&tz, ts("2026-11-24T07:30:00Z")));
        // Saturday.
        assert!(!hours.is_open(&tz, ts("2026-11-28T10:00:00Z")));
    }

    #[test]
    fn business_time_skips_nights_and_weekends() {
        let tz = TimeZone::get("Europe/Stockholm").unwrap();
        let hours = BusinessHours::office();
        // Friday 16:30 local to Monday 09:30 local: 30 min Friday + 30 min Monday.
        let from = ts("2026-11-27T15:30:00Z");
        let to = ts("2026-11-30T08:30:00Z");
        assert_eq!(hours.business_seconds_between(&tz, from, to), 3600);
        assert_eq!(hours.business_seconds_between(&tz, to, from), 0);
        assert_eq!(
            BusinessHours::always().business_seconds_between(&tz, from, to),
            65 * 3600
        );
    }

    /// The walk before weeks were stepped over: every day of the span.
    fn day_by_day(hours: &BusinessHours, tz: &TimeZone, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        let mut date = from.to_zoned(tz.clone()).date();
        let end = to.to_zoned(tz.clone()).date();
        while date <= end {
            total += hours.day_seconds(tz, date, from, to);
            date = date.checked_add(1.day()).unwrap();
        }
        total
    }

    #[test]
    fn stepping_over_weeks_agrees_with_the_day_by_day_walk() {
        let mut odd = BusinessHours::office();
        odd.days[0] = vec![(0, 90), (120, 150), (1380, 1440)];
        odd.days[2] = vec![(150, 200)]; // across the 02:00-03:00 changes
        odd.days[6] = vec![(0, 24 * 60)];
        let mut unvalidated = BusinessHours::always();
        unvalidated.days[3] = vec![(700, 600), (1500, 1600), (30, 1450)];
        let zones = [
            "UTC",
            "Europe/Stockholm",
            "America/New_York",
            "Australia/Lord_Howe",
            "America/Santiago",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let base = ts("2019-01-01T00:00:00Z").as_second();
        for zone in zones {
            let tz = TimeZone::get(zone).unwrap();
            for hours in [
                BusinessHours::office(),
                BusinessHours::always(),
                odd.clone(),
                unvalidated.clone(),
            ] {
                for _ in 0..60 {
                    let from = base + (next() % (8 * 365 * 86_400)) as i64;
                    let len = (next() % (800 * 86_400)) as i64;
                    let (from, to) = (
                        Timestamp::from_second(from).unwrap(),
                        Timestamp::from_second(from + len).unwrap(),
                    );
                    assert_eq!(
                        hours.business_seconds_between(&tz, from, to),
                        day_by_day(&hours, &tz, from, to),
                        "{zone} {from} {to} {hours:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn overlapping_intervals_are_invalid() {
        let mut hours = BusinessHours::office();
        hours.days[0] = vec![(600, 700), (650, 800)];
        assert!(hours.validate().is_err());
        assert!(BusinessHours::office().validate().is_ok());
    }

    #[test]
    fn response_status_counts_business_time_against_the_target() {
        let ws = Workspace {
            id: crate::WorkspaceId(1),
            slug: Slug::parse("acme").unwrap(),
            name: "Acme".into(),
            time_zone: "Europe/Stockholm".into(),
            business_hours: BusinessHours::office(),
            response_target_secs: 3600,
            created_at: Timestamp::UNIX_EPOCH,
        };
        // Friday 2026-11-20 16:30 Stockholm (15:30 UTC); office hours end at 17:00.
        let asked: Timestamp = "2026-11-20T15:30:00Z".parse().unwrap();
        // Answered Monday 09:15: 30 min on Friday + 15 min on Monday.
        let monday: Timestamp = "2026-11-23T08:15:00Z".parse().unwrap();
        assert_eq!(
            ws.response_status(asked, Some(monday), monday),
            ResponseStatus::Answered {
                business_secs: 45 * 60,
                within_target: true
            }
        );
        // Unanswered on Monday at 10:00: 30 + 60 min of business time, overdue.
        let later: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        assert_eq!(
            ws.response_status(asked, None, later),
            ResponseStatus::Waiting {
                business_secs: 90 * 60,
                overdue: true
            }
        );
        // Over the weekend nothing counts.
        let sunday: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
        assert_eq!(
            ws.response_status(asked, None, sunday),
            ResponseStatus::Waiting {
                business_secs: 30 * 60,
                overdue: false
            }
        );
    }
}
