//! Spike alerts per topic: unusual volume, and a surge of negative sentiment, against a
//! baseline that knows the hour-of-week pattern. Pure functions over an hourly series;
//! `docs/spike-alerts.md` is the user description; the synthetic evaluation
//! (`tend eval spikes`) lives in the `tend-bench` crate.
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
//! The test is an overdispersed count test on the Anscombe (square-root) scale: with `μ`
//! expected and `x` observed, `z = 2(√(x+3/8) − √(μ+3/8)) / √(V/μ)`, where the variance is
//! `V = (μ + αμ²)(1 + 1/(2w)) + βμ²`: Poisson noise, overdispersion `α` (a negative
//! binomial), the sampling noise of the baseline (`w` its weight in weeks) and a baseline
//! error `β` (`baseline_error`) shared by neighbouring hours. `α` is **fitted per topic**,
//! once a day, on the previous 4 weeks: the value at which the median squared z of those
//! hours is the median of χ²₁ (a median, so past spikes do not inflate it; never below
//! `min_dispersion`, and `dispersion` until 72 hours are known). Single hours, 3-hour and
//! `window_hours`-hour windows are tested (sums of x, μ and V; a window only when each of
//! its hours is at least half a standard deviation above its expectation). A window is
//! flagged when `z ≥ threshold`, its messages `≥ min_count` and `x ≥ min_ratio · μ`
//! (`window_min_ratio` for windows). Flagged hours at most `merge_gap_hours` apart are
//! merged into one [`Spike`] (observed and expected summed over its hours, score the
//! largest z).
//!
//! **Negative surges** compare the hour's negative share with the baseline share `q`: the
//! median share of the previous `negative_days` 24-hour blocks that had messages (at least
//! 3 such blocks, and never below `negative_share_floor`). Expected negatives are `n·q`
//! with beta-binomial variance `n·q(1 − q)(1 + ρ(n − 1))`, `ρ` fitted like `α`; the same
//! square-root z and windows are used, flagged when `z ≥ negative_threshold`, at least
//! `negative_min_count` negative messages and `≥ negative_min_ratio ×` the expected ones.
//!
//! **Short history:** an hour is tested only when at least one week of history precedes
//! it, so the first week of a topic never alerts; during the next two weeks the baseline is
//! noisier (the variance term above widens it) and a spike can still raise the next
//! week's expectation (a missed repeat, never a false alert). All-zero series give no
//! alerts; huge counts are handled in `f64` and never panic; no output is NaN or infinite.

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
    /// Overdispersion α (hourly variance `μ + αμ²`) used until 72 hours with a baseline
    /// are known to fit it on (default 0.04, a 20 % noise at 100/hour).
    pub dispersion: f64,
    /// Smallest fitted α (default 0.01).
    pub min_dispersion: f64,
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
    /// Overdispersion ρ of the negative share used until 72 hours are known to fit it on
    /// (default 0.02).
    pub negative_dispersion: f64,
    /// Smallest fitted ρ (default 0.002).
    pub negative_min_dispersion: f64,
    /// z score of a negative surge (default 3.5; on the same square-root scale as volume).
    pub negative_threshold: f64,
    /// Fewest negative messages in a flagged hour (default 8).
    pub negative_min_count: u64,
    /// Smallest ratio of the hour's negative share to the baseline share (default 2).
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
            min_dispersion: 0.01,
            threshold: 4.0,
            min_count: 10,
            min_ratio: 1.5,
            merge_gap_hours: 1,
            window_hours: 6,
            window_min_ratio: 1.3,
            baseline_error: 0.01,
            negative_days: 14,
            negative_dispersion: 0.02,
            negative_min_dispersion: 0.002,
            negative_threshold: 3.5,
            negative_min_count: 8,
            negative_min_ratio: 2.0,
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
            dispersion: pos(self.dispersion, d.dispersion, MAX_DISPERSION),
            min_dispersion: pos(self.min_dispersion, d.min_dispersion, MAX_DISPERSION),
            threshold: pos(self.threshold, d.threshold, 1e6),
            min_count: self.min_count,
            min_ratio: pos(self.min_ratio, d.min_ratio, 1e6),
            merge_gap_hours: self.merge_gap_hours.min(HOURS_PER_WEEK),
            window_hours: self.window_hours.clamp(1, 24),
            window_min_ratio: pos(self.window_min_ratio, d.window_min_ratio, 1e6),
            baseline_error: pos(self.baseline_error, d.baseline_error, 100.0),
            negative_days: self.negative_days.clamp(3, 60),
            negative_dispersion: pos(self.negative_dispersion, d.negative_dispersion, 1.0),
            negative_min_dispersion: pos(
                self.negative_min_dispersion,
                d.negative_min_dispersion,
                1.0,
            ),
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
    // The dispersion of hour i is fitted on the `FIT_HOURS` before its day; the level of
    // an hour reads the profile of the `level_days` days before it.
    let fit_from = from.saturating_sub(FIT_HOURS + 24);
    let profile_from = fit_from.saturating_sub(24 * cfg.level_days);
    let profiles: Vec<Option<(f64, f64)>> = (profile_from..len)
        .map(|i| profile(&dense.x, i, cfg))
        .collect();
    let profile_at = |i: usize| -> Option<(f64, f64)> {
        i.checked_sub(profile_from)
            .and_then(|k| profiles.get(k).copied().flatten())
    };
    // Expected volume and baseline-noise factor of hours `fit_from..len`.
    let base: Vec<Option<(f64, f64)>> = (fit_from..len)
        .map(|i| {
            profile_at(i).map(|(p, weight)| {
                let level = level(&dense.x, i, cfg.level_days, &profile_at);
                (finite_or_zero(level * p), 1.0 + 1.0 / (2.0 * weight))
            })
        })
        .collect();
    let shares: Vec<Option<f64>> = (fit_from..len)
        .map(|i| negative_share(dense, i, cfg))
        .collect();
    // Per hour: expected volume with its variance, the negative baseline share and its
    // overdispersion ρ.
    let mut volume: Vec<Option<Expectation>> = Vec::with_capacity(len - from);
    let mut rho = Vec::with_capacity(len - from);
    let mut fitted = (usize::MAX, cfg.dispersion, cfg.negative_dispersion);
    for i in from..len {
        let day_start = i - i % 24;
        if fitted.0 != day_start {
            let lo = day_start.saturating_sub(FIT_HOURS).max(fit_from) - fit_from;
            let hi = day_start.saturating_sub(fit_from);
            fitted = (
                day_start,
                fit_volume_dispersion(&dense.x[fit_from..], &base, lo..hi, cfg),
                fit_negative_dispersion(dense, fit_from, &shares, lo..hi, cfg),
            );
        }
        volume.push(base[i - fit_from].map(|(mu, b)| Expectation {
            mu,
            independent: finite_or_zero((mu + fitted.1 * mu * mu) * b),
        }));
        rho.push(fitted.2);
    }
    let share = &shares[from - fit_from..];

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
                anscombe_z(dense.negative[from + k] as f64, n * q, n * q * (1.0 - q))
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
                    var +=
                        hour_n * q * (1.0 - q) * (1.0 + rho[first + k] * (hour_n - 1.0).max(0.0));
                }
                let z = if var > 0.0 && n > 0.0 {
                    anscombe_z(k_sum, expected, var)
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

/// Hours before a day on which its dispersion is fitted (4 weeks).
const FIT_HOURS: usize = 4 * HOURS_PER_WEEK;

/// Fewest hours (with an expectation of at least 0.5) to fit a dispersion on.
const MIN_FIT_HOURS: usize = 72;

/// The median of χ² with one degree of freedom.
const CHI2_1_MEDIAN: f64 = 0.454_936_4;

/// The overdispersion α of the hours `range` (`x` and `base` share indices): see
/// [`fit_median`]. `dispersion` when fewer than `MIN_FIT_HOURS` hours are known.
fn fit_volume_dispersion(
    x: &[f64],
    base: &[Option<(f64, f64)>],
    range: std::ops::Range<usize>,
    cfg: &SpikeConfig,
) -> f64 {
    let residuals: Vec<(f64, f64, f64)> = range
        .filter_map(|j| {
            let (mu, b) = base.get(j).copied().flatten()?;
            let r = 2.0 * ((x[j] + 0.375).sqrt() - (mu + 0.375).sqrt());
            (mu >= 0.5 && r.is_finite()).then_some((r * r, mu, b))
        })
        .collect();
    if residuals.len() < MIN_FIT_HOURS {
        return cfg.dispersion;
    }
    let z2 = |&(r2, mu, b): &(f64, f64, f64), alpha: f64| {
        r2 / (b * (1.0 + alpha * mu) + cfg.baseline_error * mu)
    };
    fit_median(&residuals, z2, MAX_DISPERSION).max(cfg.min_dispersion)
}

/// The overdispersion ρ of the negative share over the hours `range` (indices from
/// `from`; `shares` starts there too), as [`fit_median`]; `negative_dispersion` when fewer
/// than `MIN_FIT_HOURS` hours expect at least one negative message.
fn fit_negative_dispersion(
    dense: &Dense,
    from: usize,
    shares: &[Option<f64>],
    range: std::ops::Range<usize>,
    cfg: &SpikeConfig,
) -> f64 {
    let residuals: Vec<(f64, f64, f64)> = range
        .filter_map(|j| {
            let q = shares.get(j).copied().flatten()?;
            let n = dense.x[from + j];
            let k = dense.negative[from + j] as f64;
            let binomial = n * q * (1.0 - q);
            let d = k - n * q;
            (n * q >= 1.0 && binomial > 0.0 && d.is_finite()).then_some((
                d * d / binomial,
                (n - 1.0).max(0.0),
                0.0,
            ))
        })
        .collect();
    if residuals.len() < MIN_FIT_HOURS {
        return cfg.negative_dispersion;
    }
    let z2 = |&(r2, n1, _): &(f64, f64, f64), rho: f64| r2 / (1.0 + rho * n1);
    fit_median(&residuals, z2, 1.0).max(cfg.negative_min_dispersion)
}

/// The parameter in `[0, max]` at which the median of `z2(item, parameter)` (decreasing in
/// the parameter) is the median of χ²₁, by bisection: the noise level at which ordinary
/// hours look ordinary. The median ignores spikes (up to half the hours).
fn fit_median<T>(items: &[T], z2: impl Fn(&T, f64) -> f64, max: f64) -> f64 {
    let mut scratch = vec![0.0; items.len()];
    let mut median_z2 = |parameter: f64| {
        for (slot, item) in scratch.iter_mut().zip(items) {
            *slot = z2(item, parameter);
        }
        let middle = scratch.len() / 2;
        *scratch.select_nth_unstable_by(middle, f64::total_cmp).1
    };
    let (mut lo, mut hi) = (0.0, max);
    if items.is_empty() || median_z2(lo) <= CHI2_1_MEDIAN {
        return 0.0;
    }
    if median_z2(hi) > CHI2_1_MEDIAN {
        return max;
    }
    for _ in 0..30 {
        let mid = (lo + hi) / 2.0;
        if median_z2(mid) > CHI2_1_MEDIAN {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// The largest dispersion fitted.
const MAX_DISPERSION: f64 = 4.0;

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
