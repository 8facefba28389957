//! YouTube's quota as the connector keeps it: the units spent per Pacific
//! day (YouTube's day ends at midnight in Los Angeles), and the wait until
//! that midnight once YouTube answers `quotaExceeded`.

use super::Youtube;
use crate::live::ChannelError;
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The units a channel spent on one Pacific day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaUsage {
    /// The day, in Los Angeles.
    pub day: jiff::civil::Date,
    /// Units spent on the channel that day by this process (failed calls
    /// count too, as YouTube counts them; other processes keep their own).
    pub used: u64,
    /// When YouTube said the quota is spent: nothing is sent until then.
    pub exhausted_until: Option<Timestamp>,
}

#[derive(Debug)]
struct Quota {
    day: jiff::civil::Date,
    used: u64,
    blocked_until: Option<Timestamp>,
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
    /// The units spent on this channel today (Pacific) by this process, and
    /// whether YouTube said the day's quota is spent.
    pub fn quota(&self) -> QuotaUsage {
        self.with_quota(Timestamp::now(), |q| QuotaUsage {
            day: q.day,
            used: q.used,
            exhausted_until: q.blocked_until,
        })
    }

    /// Counts `units` before a call, or refuses it while the quota is spent.
    pub(super) fn spend(&self, units: u64) -> Result<(), ChannelError> {
        let now = Timestamp::now();
        self.with_quota(now, |q| {
            if let Some(until) = q.blocked_until.filter(|u| *u > now) {
                return Err(quota_wait(now, until));
            }
            q.used += units;
            Ok(())
        })
    }

    /// YouTube said `quotaExceeded`: nothing goes out until its day ends.
    pub(super) fn exhausted(&self) -> ChannelError {
        let now = Timestamp::now();
        let until = next_pacific_midnight(now);
        self.with_quota(now, |q| q.blocked_until = Some(until));
        quota_wait(now, until)
    }

    fn with_quota<T>(&self, now: Timestamp, f: impl FnOnce(&mut Quota) -> T) -> T {
        let mut all = ledger().lock().unwrap_or_else(|e| e.into_inner());
        let q = all.entry(self.ledger_key.clone()).or_insert_with(|| Quota {
            day: pacific_day(now),
            used: 0,
            blocked_until: None,
        });
        roll(q, now);
        f(q)
    }
}

/// The day's count per channel (keyed by API address and channel id) for
/// the whole process. A process-wide ledger rather than a field: the
/// runtime builds a channel's connector again whenever its sealed
/// credentials change, which an OAuth refresh does every hour, and the
/// day's count must outlive that.
fn ledger() -> &'static Mutex<HashMap<String, Quota>> {
    static LEDGER: OnceLock<Mutex<HashMap<String, Quota>>> = OnceLock::new();
    LEDGER.get_or_init(|| Mutex::new(HashMap::new()))
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
