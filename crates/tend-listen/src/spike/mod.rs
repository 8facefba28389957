//! Spike alerts per topic: unusual volume, and a surge of negative sentiment, against a
//! baseline that knows the hour-of-week pattern. Pure functions over an hourly series;
//! `docs/spike-alerts.md` is the user description, [`eval`] the synthetic evaluation.
//!
//! # Model
//!
//! The input is one topic's hourly counts ([`HourBucket`]: unix hour, messages, negative
//! messages). Missing hours count as zero; unsorted input and repeated hours are accepted
//! (repeats are added). Only the last [`MAX_SPAN_HOURS`] hours are used.
//!
//! For hour *t* the expected volume is `level(t) × profile(t)`:
//!
//! - **profile**: the same hour of the week in the previous `history_weeks` weeks (lags of
//!   168 hours, so no time zone is needed; a DST change shifts the pattern by one hour twice
//!   a year). Each weekly value is lightly smoothed with its neighbours (weights 1-4-1) and
//!   the values are combined by a trimmed mean (the highest and lowest are dropped from 3
//!   weeks on), so one past spike does not raise next week's baseline. The result is shrunk
//!   towards the *daily* shape (the same hour on each of the previous 7 days, trimmed the
//!   same way) with a weight of `shrink_weeks / n` weeks for `n` weeks of history: in the
//!   second week the two weigh the same, with 6 weeks the daily shape (which mixes weekdays
//!   and weekends) weighs 3 %.
//! - **level**: the median, over the previous `level_days` 24-hour blocks, of
//!   `(observed + 1) / (profile + 1)`; it follows trends and level shifts that the weekly
//!   profile (centred weeks in the past) lags behind. The median again ignores a spike day.
//!
//! Only hours *before* t enter its expectation, and always through trimmed means or
//! medians, so a spike never lowers its own score and does not contaminate later baselines.
//!
//! The test is an overdispersed count test on the Anscombe scale: with `μ` expected and
//! `x` observed, `z = 2(√(x+3/8) − √(μ+3/8)) / √((1 + α·μ)(1 + 1/(2(n+s))))`, where `α` is
//! the overdispersion (`dispersion`; variance `μ + αμ²`, a negative binomial), and the
//! second factor is the uncertainty of the baseline itself (`n` weeks of history, `s` the
//! shrink weight). An hour is flagged when `z ≥ threshold`, `x ≥ min_count` and
//! `x ≥ min_ratio · μ`. Flagged hours at most `merge_gap_hours` apart are merged into one
//! [`Spike`] (observed and expected summed over its hours, score the largest z).
//!
//! **Negative surges** compare the hour's negative share with the baseline share: the
//! median share of the previous `negative_days` 24-hour blocks that had messages (at least
//! 3 such blocks, and never below `negative_share_floor`). The test is a beta-binomial z
//! (binomial variance inflated by `1 + ρ(n − 1)`, `ρ` = `negative_dispersion`) with a
//! continuity correction; flagged when `z ≥ negative_threshold`, at least
//! `negative_min_count` negative messages and a share `≥ negative_min_ratio ×` baseline.
//!
//! **Short history:** an hour is tested only when at least one week of history precedes
//! it, so the first week of a topic never alerts; during the next two weeks the baseline is
//! noisier (the variance term above widens it) and a spike can still raise the next
//! week's expectation (a missed repeat, never a false alert). All-zero series give no
//! alerts; huge counts are handled in `f64` and never panic; no output is NaN or infinite.

pub mod eval;

/// Hours in a week: the lag of the hour-of-week profile.
pub const HOURS_PER_WEEK: usize = 168;

/// The longest span of hours looked at (about 5 years); older buckets are ignored.
pub const MAX_SPAN_HOURS: i64 = 5 * 8_784;

/// How many hours before `from_hour` [`detect_since`] re-evaluates, so a spike that started
/// shortly before is reported with its true start (longer runs are clipped to this).
pub const LOOKBACK_HOURS: i64 = 48;

/// One topic's counts for one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HourBucket {
    /// Unix hour: unix seconds / 3600 (UTC).
    pub hour: i64,
    /// Messages matching the topic in that hour.
    pub messages: u64,
    /// Of which with negative sentiment (clamped to `messages`).
    pub negative: u64,
}

/// What kind of spike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpikeKind {
    /// Unusually many messages.
    Volume,
    /// An unusually high share of negative messages.
    Negative,
}

/// A run of unusual hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Spike {
    pub kind: SpikeKind,
    /// First hour of the run (unix hour).
    pub start_hour: i64,
    /// Last hour of the run, inclusive.
    pub end_hour: i64,
    /// Messages (`Volume`) or negative messages (`Negative`) observed over the run.
    pub observed: u64,
    /// What the baseline expected for the same count over the run.
    pub expected: f64,
    /// The largest hourly z score in the run (how unusual; ≥ the threshold).
    pub score: f64,
}

/// Tuning of [`detect`]. Non-finite or out-of-range values are replaced by the defaults or
/// clamped, so any value is safe.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeConfig {
    /// Weeks of the hour-of-week profile (default 6, clamped to 1..=52).
    pub history_weeks: usize,
    /// Weight, in weeks, of the daily shape the profile is shrunk towards, divided by the
    /// weeks of history (default 1).
    pub shrink_weeks: f64,
    /// 24-hour blocks of the level estimate (default 7, clamped to 1..=28).
    pub level_days: usize,
    /// Overdispersion α: hourly variance `μ + αμ²` (default 0.04, a 20 % noise at 100/hour).
    pub dispersion: f64,
    /// z score an hour (or a window) must reach (default 4).
    pub threshold: f64,
    /// Fewest messages in a flagged hour (default 10).
    pub min_count: u64,
    /// Smallest observed/expected ratio of a flagged hour (default 1.5).
    pub min_ratio: f64,
    /// Flagged hours at most this many hours apart are one spike (default 1).
    pub merge_gap_hours: usize,
    /// Longest summed test window (default 6, clamped to 1..=24). Single hours, 3-hour
    /// windows and windows of this length are tested: a moderate rise over several hours
    /// passes where no single hour does.
    pub window_hours: usize,
    /// Smallest observed/expected ratio of a flagged window (default 1.3).
    pub window_min_ratio: f64,
    /// Relative variance of the baseline shared by neighbouring hours (level error;
    /// default 0.01, a 10 % standard error).
    pub baseline_error: f64,
    /// 24-hour blocks of the negative-share baseline (default 14, clamped to 3..=60).
    pub negative_days: usize,
    /// Overdispersion ρ of the negative share (default 0.02).
    pub negative_dispersion: f64,
    /// z score of a negative surge (default 4.5).
    pub negative_threshold: f64,
    /// Fewest negative messages in a flagged hour (default 8).
    pub negative_min_count: u64,
    /// Smallest ratio of the hour's negative share to the baseline share (default 1.6).
    pub negative_min_ratio: f64,
    /// Lowest baseline share used (default 0.02), so a topic that is never negative does
    /// not alert on its first two complaints.
    pub negative_share_floor: f64,
}

impl Default for SpikeConfig {
    fn default() -> Self {
        SpikeConfig {
            history_weeks: 6,
            shrink_weeks: 1.0,
            level_days: 7,
            dispersion: 0.04,
            threshold: 4.0,
            min_count: 10,
            min_ratio: 1.5,
            merge_gap_hours: 1,
            window_hours: 6,
            window_min_ratio: 1.3,
            baseline_error: 0.01,
            negative_days: 14,
            negative_dispersion: 0.02,
            negative_threshold: 4.5,
            negative_min_count: 8,
            negative_min_ratio: 1.6,
            negative_share_floor: 0.02,
        }
    }
}

/// All spikes over the whole series (for evaluation and backfill), ordered by start hour
/// and then kind.
pub fn detect(series: &[HourBucket], cfg: &SpikeConfig) -> Vec<Spike> {
    match Dense::new(series) {
        Some(dense) => run(&dense, 0, &cfg.sanitized()),
        None => Vec::new(),
    }
}

/// The live path: the spikes that end at or after `from_hour`, evaluating only the hours
/// from `from_hour − LOOKBACK_HOURS` on (the baseline still reads the weeks before). A spike
/// that began more than [`LOOKBACK_HOURS`] before `from_hour` is reported from there. For
/// spikes shorter than that the result equals [`detect`]'s spikes ending at or after
/// `from_hour`.
pub fn detect_since(series: &[HourBucket], from_hour: i64, cfg: &SpikeConfig) -> Vec<Spike> {
    let Some(dense) = Dense::new(series) else {
        return Vec::new();
    };
    let eval_from = from_hour.saturating_sub(LOOKBACK_HOURS);
    let from_index = if eval_from <= dense.start {
        0
    } else {
        match eval_from
            .checked_sub(dense.start)
            .and_then(|d| usize::try_from(d).ok())
        {
            Some(index) if index < dense.len() => index,
            _ => return Vec::new(),
        }
    };
    run(&dense, from_index, &cfg.sanitized())
        .into_iter()
        .filter(|spike| spike.end_hour >= from_hour)
        .collect()
}

impl SpikeConfig {
    fn sanitized(&self) -> SpikeConfig {
        let d = SpikeConfig::default();
        let pos = |v: f64, default: f64, max: f64| {
            if v.is_finite() && v >= 0.0 {
                v.min(max)
            } else {
                default
            }
        };
        SpikeConfig {
            history_weeks: self.history_weeks.clamp(1, 52),
            shrink_weeks: pos(self.shrink_weeks, d.shrink_weeks, 100.0),
            level_days: self.level_days.clamp(1, 28),
            dispersion: pos(self.dispersion, d.dispersion, 100.0),
            threshold: pos(self.threshold, d.threshold, 1e6),
            min_count: self.min_count,
            min_ratio: pos(self.min_ratio, d.min_ratio, 1e6),
            merge_gap_hours: self.merge_gap_hours.min(HOURS_PER_WEEK),
            window_hours: self.window_hours.clamp(1, 24),
            window_min_ratio: pos(self.window_min_ratio, d.window_min_ratio, 1e6),
            baseline_error: pos(self.baseline_error, d.baseline_error, 100.0),
            negative_days: self.negative_days.clamp(3, 60),
            negative_dispersion: pos(self.negative_dispersion, d.negative_dispersion, 1.0),
            negative_threshold: pos(self.negative_threshold, d.negative_threshold, 1e6),
            negative_min_count: self.negative_min_count,
            negative_min_ratio: pos(self.negative_min_ratio, d.negative_min_ratio, 1e6),
            negative_share_floor: pos(self.negative_share_floor, d.negative_share_floor, 0.99),
        }
    }
}

/// The series as a gap-free array starting at `start`.
struct Dense {
    start: i64,
    messages: Vec<u64>,
    negative: Vec<u64>,
    x: Vec<f64>,
}

impl Dense {
    fn new(series: &[HourBucket]) -> Option<Dense> {
        let last = series.iter().map(|b| b.hour).max()?;
        let first_allowed = last.saturating_sub(MAX_SPAN_HOURS - 1);
        let start = series
            .iter()
            .map(|b| b.hour)
            .filter(|&h| h >= first_allowed)
            .min()?;
        let len = usize::try_from(last - start).ok()? + 1;
        let mut messages = vec![0u64; len];
        let mut negative = vec![0u64; len];
        for bucket in series {
            if bucket.hour < start {
                continue;
            }
            let Ok(i) = usize::try_from(bucket.hour - start) else {
                continue;
            };
            messages[i] = messages[i].saturating_add(bucket.messages);
            negative[i] = negative[i].saturating_add(bucket.negative.min(bucket.messages));
        }
        let x = messages.iter().map(|&m| m as f64).collect();
        Some(Dense {
            start,
            messages,
            negative,
            x,
        })
    }

    fn len(&self) -> usize {
        self.messages.len()
    }

    fn hour(&self, i: usize) -> i64 {
        self.start + i as i64
    }
}

/// One hour's verdicts.
#[derive(Debug, Clone, Copy, Default)]
struct HourScore {
    expected: f64,
    z: f64,
    flagged: bool,
    negative_expected: f64,
    negative_z: f64,
    negative_flagged: bool,
}

fn run(dense: &Dense, from: usize, cfg: &SpikeConfig) -> Vec<Spike> {
    let scores = score_hours(dense, from, cfg);
    let mut spikes = merge(dense, from, &scores, SpikeKind::Volume, cfg.merge_gap_hours);
    spikes.extend(merge(
        dense,
        from,
        &scores,
        SpikeKind::Negative,
        cfg.merge_gap_hours,
    ));
    spikes.sort_by_key(|s| (s.start_hour, s.kind));
    spikes
}

/// Scores of hours `from..len` (index `i - from`).
fn score_hours(dense: &Dense, from: usize, cfg: &SpikeConfig) -> Vec<HourScore> {
    let len = dense.len();
    // The level of hour i reads the profile of the `level_days` days before it.
    let profile_from = from.saturating_sub(24 * cfg.level_days);
    let profiles: Vec<Option<(f64, f64)>> = (profile_from..len)
        .map(|i| profile(&dense.x, i, cfg))
        .collect();
    let profile_at = |i: usize| -> Option<(f64, f64)> {
        i.checked_sub(profile_from)
            .and_then(|k| profiles.get(k).copied().flatten())
    };
    // Per hour: expected volume, its variance, and the negative baseline share.
    let mut volume: Vec<Option<Expectation>> = Vec::with_capacity(len - from);
    let mut share: Vec<Option<f64>> = Vec::with_capacity(len - from);
    for i in from..len {
        volume.push(profile_at(i).map(|(p, weight)| {
            let level = level(&dense.x, i, cfg.level_days, &profile_at);
            let mu = finite_or_zero(level * p);
            Expectation {
                mu,
                independent: finite_or_zero(
                    (mu + cfg.dispersion * mu * mu) * (1.0 + 1.0 / (2.0 * weight)),
                ),
            }
        }));
        share.push(negative_share(dense, i, cfg));
    }

    // Each hour's own z scores, for the "every hour elevated" rule of longer windows.
    let hour_z: Vec<f64> = volume
        .iter()
        .enumerate()
        .map(|(k, e)| {
            e.map_or(f64::NEG_INFINITY, |e| {
                anscombe_z(dense.x[from + k], e.mu, e.independent)
            })
        })
        .collect();
    let negative_hour_z: Vec<f64> = share
        .iter()
        .enumerate()
        .map(|(k, q)| {
            q.map_or(f64::NEG_INFINITY, |q| {
                let n = dense.x[from + k];
                let sd = (n * q * (1.0 - q)).sqrt().max(1.0);
                (dense.negative[from + k] as f64 - n * q) / sd
            })
        })
        .collect();

    let mut out = vec![HourScore::default(); len - from];
    let mut windows = vec![1, 3.min(cfg.window_hours), cfg.window_hours];
    windows.dedup();
    for window in windows {
        for end in (window - 1)..out.len() {
            let first = end + 1 - window;
            let all_elevated = |z: &[f64]| window == 1 || z.iter().all(|&z| z >= WINDOW_HOUR_Z);
            // Volume over the window.
            let hours = &volume[first..=end];
            if all_elevated(&hour_z[first..=end]) && hours.iter().all(Option::is_some) {
                let (mut x, mut mu, mut var, mut count) = (0.0, 0.0, 0.0, 0u64);
                for (k, e) in hours.iter().flatten().enumerate() {
                    x += dense.x[from + first + k];
                    count = count.saturating_add(dense.messages[from + first + k]);
                    mu += e.mu;
                    var += e.independent;
                }
                var += cfg.baseline_error * mu * mu;
                let z = anscombe_z(x, mu, var);
                let ratio = if window == 1 {
                    cfg.min_ratio
                } else {
                    cfg.window_min_ratio
                };
                if z >= cfg.threshold && count >= cfg.min_count && x >= ratio * mu {
                    for s in &mut out[first..=end] {
                        s.flagged = true;
                        s.z = s.z.max(z);
                    }
                }
            }
            // Negative share over the window.
            let shares = &share[first..=end];
            if all_elevated(&negative_hour_z[first..=end]) && shares.iter().all(Option::is_some) {
                let (mut n, mut k_sum, mut expected, mut var, mut count) =
                    (0.0, 0.0, 0.0, 0.0, 0u64);
                for (k, q) in shares.iter().flatten().enumerate() {
                    let hour_n = dense.x[from + first + k];
                    n += hour_n;
                    k_sum += dense.negative[from + first + k] as f64;
                    count = count.saturating_add(dense.negative[from + first + k]);
                    expected += hour_n * q;
                    var += hour_n
                        * q
                        * (1.0 - q)
                        * (1.0 + cfg.negative_dispersion * (hour_n - 1.0).max(0.0));
                }
                let z = if var > 0.0 && n > 0.0 {
                    finite_or_zero((k_sum - 0.5 - expected) / var.sqrt())
                } else {
                    0.0
                };
                if z >= cfg.negative_threshold
                    && count >= cfg.negative_min_count
                    && k_sum >= cfg.negative_min_ratio * expected
                {
                    for s in &mut out[first..=end] {
                        s.negative_flagged = true;
                        s.negative_z = s.negative_z.max(z);
                    }
                }
            }
        }
    }
    for (k, s) in out.iter_mut().enumerate() {
        let i = from + k;
        s.expected = volume[k].map_or(0.0, |e| e.mu);
        s.negative_expected = share[k].map_or(0.0, |q| finite_or_zero(q * dense.x[i]));
    }
    out
}

/// A window longer than one hour is tested only when each of its hours is at least this
/// many standard deviations above its own expectation, so a window never drags quiet
/// neighbours of a spike into an alert.
const WINDOW_HOUR_Z: f64 = 0.5;

/// An hour's expected volume and the variance of its count that is independent of other
/// hours (Poisson, overdispersion, the baseline's own sampling noise).
#[derive(Debug, Clone, Copy)]
struct Expectation {
    mu: f64,
    independent: f64,
}

/// `x` against `mu` on the Anscombe (square-root) scale, where a count of variance `var`
/// has variance about `var / mu`.
fn anscombe_z(x: f64, mu: f64, var: f64) -> f64 {
    let scale = if mu > 0.0 { (var / mu).max(1.0) } else { 1.0 };
    finite_or_zero(2.0 * ((x + 0.375).sqrt() - (mu + 0.375).sqrt()) / scale.sqrt())
}

/// The hour-of-week profile of hour `i` and its weight in weeks (`n + shrink`), or `None`
/// before one week of history. The weight is what the variance of the baseline uses.
fn profile(x: &[f64], i: usize, cfg: &SpikeConfig) -> Option<(f64, f64)> {
    let mut weekly: Vec<f64> = (1..=cfg.history_weeks)
        .map_while(|k| i.checked_sub(k * HOURS_PER_WEEK))
        .map(|j| smoothed(x, j))
        .collect();
    if weekly.is_empty() {
        return None;
    }
    let n = weekly.len() as f64;
    let mut daily: Vec<f64> = (1..=7)
        .map_while(|d| i.checked_sub(d * 24))
        .map(|j| smoothed(x, j))
        .collect();
    let week_value = trimmed_mean(&mut weekly);
    let day_value = trimmed_mean(&mut daily);
    // The daily shape mixes weekdays and weekends, so its weight fades as weeks accrue.
    let s = cfg.shrink_weeks / n;
    let p = (n * week_value + s * day_value) / (n + s).max(f64::MIN_POSITIVE);
    Some((finite_or_zero(p), n + s))
}

/// `x[j]` with weights 1-4-1 over its neighbours; callers pass `j < i - 1`, so the right
/// neighbour is still in the past.
fn smoothed(x: &[f64], j: usize) -> f64 {
    let centre = x[j];
    let left = j.checked_sub(1).map_or(centre, |l| x[l]);
    let right = x.get(j + 1).copied().unwrap_or(centre);
    (left + 4.0 * centre + right) / 6.0
}

/// Mean without the lowest and highest value from 3 values on (the median of 3 and 4).
fn trimmed_mean(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let kept = if values.len() >= 3 {
        &values[1..values.len() - 1]
    } else {
        &values[..]
    };
    if kept.is_empty() {
        return 0.0;
    }
    finite_or_zero(kept.iter().sum::<f64>() / kept.len() as f64)
}

fn level(
    x: &[f64],
    i: usize,
    level_days: usize,
    profile_at: &dyn Fn(usize) -> Option<(f64, f64)>,
) -> f64 {
    let mut ratios = Vec::with_capacity(level_days);
    for block in 0..level_days {
        let (Some(lo), Some(hi)) = (i.checked_sub(24 * (block + 1)), i.checked_sub(24 * block))
        else {
            break;
        };
        let (mut observed, mut expected, mut hours) = (0.0, 0.0, 0);
        for (j, &value) in x.iter().enumerate().take(hi).skip(lo) {
            if let Some((p, _)) = profile_at(j) {
                observed += value;
                expected += p;
                hours += 1;
            }
        }
        if hours >= 12 {
            ratios.push((observed + 1.0) / (expected + 1.0));
        }
    }
    if ratios.is_empty() {
        return 1.0;
    }
    let level = median(&mut ratios);
    if level.is_finite() {
        level.clamp(0.05, 20.0)
    } else {
        1.0
    }
}

/// The baseline negative share before hour `i`, or `None` with fewer than 3 days that had
/// messages.
fn negative_share(dense: &Dense, i: usize, cfg: &SpikeConfig) -> Option<f64> {
    let mut shares = Vec::with_capacity(cfg.negative_days);
    for block in 0..cfg.negative_days {
        let (Some(lo), Some(hi)) = (i.checked_sub(24 * (block + 1)), i.checked_sub(24 * block))
        else {
            break;
        };
        let messages: f64 = dense.x[lo..hi].iter().sum();
        let negative: f64 = dense.negative[lo..hi].iter().map(|&n| n as f64).sum();
        if messages > 0.0 {
            shares.push(negative / messages);
        }
    }
    if shares.len() < 3 || i < HOURS_PER_WEEK {
        return None;
    }
    let share = median(&mut shares);
    share
        .is_finite()
        .then(|| share.clamp(cfg.negative_share_floor, 0.999))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn merge(
    dense: &Dense,
    from: usize,
    scores: &[HourScore],
    kind: SpikeKind,
    gap: usize,
) -> Vec<Spike> {
    let flagged = |s: &HourScore| match kind {
        SpikeKind::Volume => s.flagged,
        SpikeKind::Negative => s.negative_flagged,
    };
    let mut spikes = Vec::new();
    let mut k = 0;
    while k < scores.len() {
        if !flagged(&scores[k]) {
            k += 1;
            continue;
        }
        let first = k;
        let mut last = k;
        let mut next = k + 1;
        while next < scores.len() && next <= last + gap + 1 {
            if flagged(&scores[next]) {
                last = next;
            }
            next += 1;
        }
        let (mut observed, mut expected, mut score) = (0u64, 0.0, f64::NEG_INFINITY);
        for (offset, s) in scores[first..=last].iter().enumerate() {
            let i = from + first + offset;
            let (count, exp, z) = match kind {
                SpikeKind::Volume => (dense.messages[i], s.expected, s.z),
                SpikeKind::Negative => (dense.negative[i], s.negative_expected, s.negative_z),
            };
            observed = observed.saturating_add(count);
            expected += exp;
            if flagged(s) {
                score = score.max(z);
            }
        }
        spikes.push(Spike {
            kind,
            start_hour: dense.hour(from + first),
            end_hour: dense.hour(from + last),
            observed,
            expected: finite_or_zero(expected),
            score: finite_or_zero(score),
        });
        k = last + 1;
    }
    spikes
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

#[cfg(test)]
mod tests;
