//! When people write: the 90-day window, a daily and weekly rhythm in the
//! workspace's time zone, a slow growth over the window, a lift during the
//! campaign, and how long replies take (the brand answers in opening hours).

use super::Weighted;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _};
use rand::Rng;

/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds in a day.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Whose rhythm a channel follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Consumer social media: evenings and weekends.
    Social,
    /// Support e-mail and forums: office hours, weekdays.
    Work,
}

// Relative activity per local hour, 00:00 first.
const SOCIAL_HOURS: [f64; 24] = [
    1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.0, 2.0, 2.8, 3.2, 3.4, 3.6, 4.0, 3.7, 3.5, 3.6, 3.9, 4.3, 5.0,
    5.6, 6.0, 5.6, 4.2, 2.4,
];
const WORK_HOURS: [f64; 24] = [
    0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.8, 3.8, 4.8, 5.0, 4.8, 4.0, 4.6, 4.8, 4.5, 3.8, 2.6, 1.8,
    1.6, 1.5, 1.3, 0.9, 0.5,
];
// Relative activity per weekday, Monday first.
const SOCIAL_DAYS: [f64; 7] = [1.0, 1.0, 1.0, 1.02, 0.95, 1.1, 1.15];
const WORK_DAYS: [f64; 7] = [1.15, 1.2, 1.15, 1.1, 0.95, 0.45, 0.5];

/// The window and the rhythm inside it.
#[derive(Debug, Clone)]
pub struct Clock {
    /// First instant of the window (epoch ms).
    pub start: i64,
    /// Last instant of the window, the anchor (epoch ms).
    pub end: i64,
    tz: TimeZone,
    /// Local midnight of each day touching the window, oldest first.
    midnights: Vec<i64>,
    social: Weighted,
    work: Weighted,
    social_hours: Weighted,
    work_hours: Weighted,
}

impl Clock {
    /// The `days`-day window ending at `anchor`, in `tz`, with the campaign's days
    /// (`campaign`, epoch ms) busier on social channels.
    pub fn new(
        anchor: Timestamp,
        days: i64,
        tz: &TimeZone,
        campaign: (i64, i64),
    ) -> Result<Clock, jiff::Error> {
        let end = anchor.as_millisecond();
        let start = end - days * DAY_MS;
        let first = Timestamp::from_millisecond(start)?
            .to_zoned(tz.clone())
            .date();
        let last = anchor.to_zoned(tz.clone()).date();
        let mut midnights = Vec::new();
        let mut social = Vec::new();
        let mut work = Vec::new();
        let mut date = first;
        while date <= last {
            let midnight = date.to_zoned(tz.clone())?.timestamp().as_millisecond();
            let weekday = usize::from(date.weekday().to_monday_zero_offset().unsigned_abs());
            let progress = (midnight - start) as f64 / (end - start).max(1) as f64;
            let trend = 0.85 + 0.3 * progress.clamp(0.0, 1.0);
            let lift = if midnight + DAY_MS > campaign.0 && midnight < campaign.1 {
                1.35
            } else {
                1.0
            };
            midnights.push(midnight);
            social.push(SOCIAL_DAYS[weekday] * trend * lift);
            work.push(WORK_DAYS[weekday] * trend);
            date = date.checked_add(1.day())?;
        }
        Ok(Clock {
            start,
            end,
            tz: tz.clone(),
            midnights,
            social: Weighted::new(&social),
            work: Weighted::new(&work),
            social_hours: Weighted::new(&SOCIAL_HOURS),
            work_hours: Weighted::new(&WORK_HOURS),
        })
    }

    /// A moment in the window, following `profile`'s rhythm.
    pub fn sample(&self, profile: Profile, rng: &mut impl Rng) -> i64 {
        self.sample_between(profile, self.start, self.end, rng)
    }

    /// A moment in `[from, to]` (clamped to the window), following `profile`'s rhythm.
    pub fn sample_between(&self, profile: Profile, from: i64, to: i64, rng: &mut impl Rng) -> i64 {
        let (from, to) = (from.max(self.start), to.min(self.end));
        if from >= to {
            return from.min(self.end);
        }
        let (days, hours) = match profile {
            Profile::Social => (&self.social, &self.social_hours),
            Profile::Work => (&self.work, &self.work_hours),
        };
        for _ in 0..64 {
            let day = self.midnights[days.sample(rng).min(self.midnights.len() - 1)];
            let at = day + hours.sample(rng) as i64 * HOUR_MS + rng.random_range(0..HOUR_MS);
            if (from..=to).contains(&at) {
                return at;
            }
        }
        rng.random_range(from..=to)
    }

    /// A reply `mean_minutes` later on average (exponential), or `None` when that
    /// falls after the anchor (not written yet).
    pub fn after(&self, from: i64, mean_minutes: f64, rng: &mut impl Rng) -> Option<i64> {
        let u: f64 = rng.random_range(0.0001..1.0);
        let delay = (-u.ln() * mean_minutes * 60_000.0) as i64 + 30_000;
        let mut at = from + delay;
        // Most people sleep: a reply that would fall in the night mostly waits for
        // the morning.
        let (hour, _) = self.local(at);
        if hour < 7 && rng.random::<f64>() > SOCIAL_HOURS[hour as usize] / 6.0 {
            at += (7 - hour) * HOUR_MS - at.rem_euclid(HOUR_MS) + rng.random_range(0..3 * HOUR_MS);
        }
        (at <= self.end).then_some(at)
    }

    /// When the brand's team answers something written at `from`: within about
    /// `mean_minutes` when staffed (weekdays 08–18, weekends 10–15), else early in
    /// the next staffed hours. `None` when that is after the anchor.
    pub fn staffed_reply(&self, from: i64, mean_minutes: f64, rng: &mut impl Rng) -> Option<i64> {
        let mut at = self.after(from, mean_minutes, rng)?;
        for _ in 0..4 {
            let (hour, weekday) = self.local(at);
            let (open, close) = match weekday {
                Weekday::Saturday | Weekday::Sunday => (10, 15),
                _ => (8, 18),
            };
            if (open..close).contains(&hour) {
                return (at <= self.end).then_some(at);
            }
            // Jump to the next opening plus a short pile-up delay.
            let skip_hours = if hour >= close {
                24 - hour + open
            } else {
                open - hour
            };
            at += skip_hours * HOUR_MS - (at % HOUR_MS) + rng.random_range(5..90) * 60_000;
        }
        (at <= self.end).then_some(at)
    }

    /// The local hour (0–23) and weekday of an instant.
    pub fn local(&self, at: i64) -> (i64, Weekday) {
        match Timestamp::from_millisecond(at) {
            Ok(ts) => {
                let z = ts.to_zoned(self.tz.clone());
                (i64::from(z.hour()), z.weekday())
            }
            Err(_) => (12, Weekday::Wednesday),
        }
    }

    /// Local midnight of the day `days_back` days before the anchor's day.
    pub fn midnight_days_back(&self, days_back: usize) -> i64 {
        let i = self.midnights.len().saturating_sub(1 + days_back);
        self.midnights[i]
    }
}
