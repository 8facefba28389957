//! YouTube's quota as the connector keeps it: the units spent per Pacific
//! day (YouTube's day ends at midnight in Los Angeles), and the wait until
//! that midnight once YouTube answers `quotaExceeded`.

use super::Youtube;
use crate::live::ChannelError;
use jiff::Timestamp;
use std::time::Duration;

/// The units a channel spent on one Pacific day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaUsage {
    /// The day, in Los Angeles.
    pub day: jiff::civil::Date,
    /// Units spent by this connector that day (failed calls count too, as
    /// YouTube counts them).
    pub used: u64,
    /// When YouTube said the quota is spent: nothing is sent until then.
    pub exhausted_until: Option<Timestamp>,
}

#[derive(Debug)]
pub(super) struct Quota {
    pub(super) day: jiff::civil::Date,
    pub(super) used: u64,
    pub(super) blocked_until: Option<Timestamp>,
}

/// Los Angeles time (Pacific), or PST all year where no time-zone database
/// is installed (a later reset, never an early one).
fn pacific() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("America/Los_Angeles")
        .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(-8)))
}

/// The Pacific day of `now`.
pub fn pacific_day(now: Timestamp) -> jiff::civil::Date {
    now.to_zoned(pacific()).date()
}

/// The next midnight in Los Angeles after `now`, when YouTube's quota resets.
pub fn next_pacific_midnight(now: Timestamp) -> Timestamp {
    let zoned = now.to_zoned(pacific());
    zoned
        .date()
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(pacific()).ok())
        .map_or(now + jiff::SignedDuration::from_hours(24), |z| {
            z.timestamp()
        })
}

impl Youtube {
    /// The units this connector spent today (Pacific), and whether YouTube
    /// said the day's quota is spent.
    pub fn quota(&self) -> QuotaUsage {
        let mut q = self.quota.lock().unwrap_or_else(|e| e.into_inner());
        roll(&mut q, Timestamp::now());
        QuotaUsage {
            day: q.day,
            used: q.used,
            exhausted_until: q.blocked_until,
        }
    }

    /// Counts `units` before a call, or refuses it while the quota is spent.
    pub(super) fn spend(&self, units: u64) -> Result<(), ChannelError> {
        let now = Timestamp::now();
        let mut q = self.quota.lock().unwrap_or_else(|e| e.into_inner());
        roll(&mut q, now);
        if let Some(until) = q.blocked_until.filter(|u| *u > now) {
            return Err(quota_wait(now, until));
        }
        q.used += units;
        Ok(())
    }

    pub(super) fn exhausted(&self) -> ChannelError {
        let now = Timestamp::now();
        let until = next_pacific_midnight(now);
        self.quota
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .blocked_until = Some(until);
        quota_wait(now, until)
    }
}

fn roll(q: &mut Quota, now: Timestamp) {
    let today = pacific_day(now);
    if today != q.day {
        q.day = today;
        q.used = 0;
    }
    if q.blocked_until.is_some_and(|u| u <= now) {
        q.blocked_until = None;
    }
}

fn quota_wait(now: Timestamp, until: Timestamp) -> ChannelError {
    let secs = (until.as_second() - now.as_second()).max(1);
    ChannelError::RateLimited {
        retry_after: Duration::from_secs(secs.unsigned_abs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_day_is_pacific_and_resets_at_its_midnight() {
        // 2026-07-01 06:30 UTC is 2026-06-30 23:30 in Los Angeles (PDT).
        let t: Timestamp = "2026-07-01T06:30:00Z".parse().unwrap();
        assert_eq!(pacific_day(t), jiff::civil::date(2026, 6, 30));
        assert_eq!(
            next_pacific_midnight(t),
            "2026-07-01T07:00:00Z".parse::<Timestamp>().unwrap()
        );
        // In winter (PST) midnight is 08:00 UTC.
        let w: Timestamp = "2026-01-15T12:00:00Z".parse().unwrap();
        assert_eq!(
            next_pacific_midnight(w),
            "2026-01-16T08:00:00Z".parse::<Timestamp>().unwrap()
        );
    }
}
