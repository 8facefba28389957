//! What is trending: terms, hashtags or authors whose share of the messages rose
//! significantly from the previous period to the current one.
//!
//! Each key is tested with Dunning's log-likelihood ratio (G²) on the 2×2 table
//!
//! |              | current        | previous        |
//! |--------------|----------------|-----------------|
//! | the key      | `a`            | `b`             |
//! | everything else | `current_total − a` | `previous_total − b` |
//!
//! `G² = 2 Σ O ln(O / E)` over the four cells, `E` the count expected if the key's share
//! were the same in both periods. Under that hypothesis G² follows χ² with one degree of
//! freedom; the p-value is its survival function, `P(χ²₁ > G²) = erfc(√(G²/2))`, computed
//! with the Chebyshev approximation of erfc from *Numerical Recipes* (relative error below
//! 1.2 × 10⁻⁷ over the whole range, so tiny p-values keep their digits until they
//! underflow to 0 past G² ≈ 1,400).
//!
//! A key is *trending* when its share went up, `p ≤ max_p_value` (default 0.001) and it
//! was seen at least `min_count` times now. Many keys are tested at once: with `m` keys
//! about `m × max_p_value` of them pass by chance, so for a Bonferroni-style guarantee use
//! `0.05 / m` (1,000 hashtags: 5 × 10⁻⁵). G² (not χ²) is used because it stays reliable for
//! rare keys and keys that were absent before (Dunning 1993, "Accurate methods for the
//! statistics of surprise and coincidence").
//!
//! If a period has no messages at all there is nothing to compare: G² is 0 and nothing
//! trends. Counts above their total (hostile or inconsistent input) raise the total.

/// Which way a key's share moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Up,
    Down,
    Same,
}

/// One key's comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend<K> {
    pub key: K,
    pub current: u64,
    pub previous: u64,
    /// Dunning's log-likelihood ratio.
    pub g2: f64,
    /// `P(χ²₁ > g2)`.
    pub p_value: f64,
    pub direction: Direction,
    /// Share now over share before, each with half a count added so an absent key gives a
    /// finite ratio.
    pub ratio: f64,
}

/// Tuning of [`trending`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrendConfig {
    /// Largest p-value reported (default 0.001; see the module docs on many keys).
    pub max_p_value: f64,
    /// Fewest occurrences in the current period (default 5).
    pub min_count: u64,
}

impl Default for TrendConfig {
    fn default() -> Self {
        TrendConfig {
            max_p_value: 0.001,
            min_count: 5,
        }
    }
}

/// The keys of `current` trending up against `previous` (a key's count in the previous
/// period, 0 if absent), most significant first (by G², then by current count).
pub fn trending<K: Clone>(
    current: &[(K, u64)],
    previous: impl Fn(&K) -> u64,
    current_total: u64,
    previous_total: u64,
    cfg: &TrendConfig,
) -> Vec<Trend<K>> {
    let mut out: Vec<Trend<K>> = current
        .iter()
        .filter(|(_, count)| *count >= cfg.min_count)
        .map(|(key, count)| {
            compare(
                key.clone(),
                *count,
                previous(key),
                current_total,
                previous_total,
            )
        })
        .filter(|t| t.direction == Direction::Up && t.p_value <= cfg.max_p_value)
        .collect();
    out.sort_by(|x, y| y.g2.total_cmp(&x.g2).then(y.current.cmp(&x.current)));
    out
}

/// One key's comparison: `current` of `current_total` now against `previous` of
/// `previous_total` before.
pub fn compare<K>(
    key: K,
    current: u64,
    previous: u64,
    current_total: u64,
    previous_total: u64,
) -> Trend<K> {
    let g2 = log_likelihood(current, previous, current_total, previous_total);
    let (a, b) = (current as f64, previous as f64);
    let (n1, n2) = (
        current_total.max(current) as f64,
        previous_total.max(previous) as f64,
    );
    let direction = if n1 == 0.0 || n2 == 0.0 || a * n2 == b * n1 {
        Direction::Same
    } else if a * n2 > b * n1 {
        Direction::Up
    } else {
        Direction::Down
    };
    let ratio = ((a + 0.5) / (n1 + 1.0)) / ((b + 0.5) / (n2 + 1.0));
    Trend {
        key,
        current,
        previous,
        g2,
        p_value: chi2_1_survival(g2),
        direction,
        ratio: if ratio.is_finite() { ratio } else { 0.0 },
    }
}

/// Dunning's G² for `a` of `current_total` against `b` of `previous_total` (totals below
/// their count are raised to it). Always finite and ≥ 0.
pub fn log_likelihood(a: u64, b: u64, current_total: u64, previous_total: u64) -> f64 {
    let (a, b) = (a as f64, b as f64);
    let (n1, n2) = (
        current_total.max(a as u64) as f64,
        previous_total.max(b as u64) as f64,
    );
    let n = n1 + n2;
    if n1 == 0.0 || n2 == 0.0 {
        return 0.0;
    }
    let (key, rest) = (a + b, n - a - b);
    let cells = [
        (a, key * n1 / n),
        (b, key * n2 / n),
        (n1 - a, rest * n1 / n),
        (n2 - b, rest * n2 / n),
    ];
    let g2: f64 = cells
        .iter()
        .filter(|(observed, expected)| *observed > 0.0 && *expected > 0.0)
        .map(|(observed, expected)| observed * (observed / expected).ln())
        .sum::<f64>()
        * 2.0;
    if g2.is_finite() { g2.max(0.0) } else { 0.0 }
}

/// `P(X > x)` for X ~ χ² with one degree of freedom: `erfc(√(x/2))`; 1 for x ≤ 0 or NaN.
pub fn chi2_1_survival(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 1.0;
    }
    erfc((x / 2.0).sqrt()).clamp(0.0, 1.0)
}

/// The complementary error function (Numerical Recipes `erfcc`, Chebyshev fit; relative
/// error below 1.2 × 10⁻⁷).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let tail = t * poly.exp();
    if x >= 0.0 { tail } else { 2.0 - tail }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, relative: f64) -> bool {
        (a - b).abs() <= relative * b.abs().max(f64::MIN_POSITIVE)
    }

    #[test]
    fn g2_matches_hand_computed_values() {
        // [[10, 0], [0, 10]]: G² = 2(10 ln 2 + 10 ln 2) = 40 ln 2.
        assert!(close(
            log_likelihood(10, 0, 10, 10),
            40.0 * 2f64.ln(),
            1e-12
        ));
        // Checked with the other form, 2 Σ x ln x − …, in Python.
        assert!(close(
            log_likelihood(120, 40, 10_000, 12_000),
            58.186_193_431_552,
            1e-9
        ));
        assert!(close(
            log_likelihood(30, 0, 5_000, 5_000),
            41.679_101_782_257,
            1e-9
        ));
        assert!(close(
            log_likelihood(5, 50, 1_000, 1_000),
            43.777_443_162_272,
            1e-9
        ));
        // The same share in both periods: nothing to see.
        assert_eq!(log_likelihood(10, 20, 1_000, 2_000), 0.0);
    }

    #[test]
    fn chi2_survival_hits_the_textbook_critical_values() {
        // χ²₁ critical values from any statistics table.
        assert!(close(chi2_1_survival(3.841_458_820_694_124), 0.05, 1e-6));
        assert!(close(chi2_1_survival(6.634_896_601_021_214), 0.01, 1e-6));
        assert!(close(chi2_1_survival(10.827_566_170_662_733), 0.001, 1e-6));
        assert!(close(
            chi2_1_survival(58.186_193_431_552),
            2.384_466_602_702e-14,
            1e-6
        ));
        assert_eq!(chi2_1_survival(0.0), 1.0);
        assert_eq!(chi2_1_survival(f64::NAN), 1.0);
        assert_eq!(chi2_1_survival(f64::INFINITY), 0.0);
        assert!(close(erfc(-1.0), 1.842_700_792_949_715, 1e-6));
    }

    #[test]
    fn trending_keeps_significant_rises_sorted_by_g2() {
        let current = [
            ("#outage", 120u64),
            ("#new", 30),
            ("#steady", 100),
            ("#fading", 5),
            ("#rare", 3),
        ];
        let previous = |k: &&str| match *k {
            "#outage" => 40,
            "#steady" => 120,
            "#fading" => 50,
            _ => 0,
        };
        let out = trending(&current, previous, 10_000, 12_000, &TrendConfig::default());
        let keys: Vec<&str> = out.iter().map(|t| t.key).collect();
        assert_eq!(keys, ["#outage", "#new"]);
        assert!(
            out.iter()
                .all(|t| t.direction == Direction::Up && t.p_value < 0.001)
        );
        assert!(out[1].previous == 0 && out[1].ratio > 10.0 && out[1].ratio.is_finite());
        // `#rare` (3, absent before) is below the minimum count; with a lower minimum it is
        // still not significant.
        let loose = TrendConfig {
            min_count: 1,
            ..TrendConfig::default()
        };
        let out = trending(&current, previous, 10_000, 12_000, &loose);
        assert!(!out.iter().any(|t| t.key == "#rare"));
        let fading = compare("#fading", 5, 50, 10_000, 12_000);
        assert_eq!(fading.direction, Direction::Down);
        assert!(fading.p_value < 0.001);
    }

    #[test]
    fn zero_and_inconsistent_totals_are_safe() {
        let current = [("a", 50u64), ("b", 0)];
        let cfg = TrendConfig::default();
        // No previous messages: nothing to compare against.
        assert_eq!(trending(&current, |_| 0, 100, 0, &cfg), []);
        assert_eq!(trending(&current, |_| 0, 0, 0, &cfg), []);
        assert_eq!(trending::<&str>(&[], |_| 0, 0, 0, &cfg), []);
        // Counts above their totals raise the totals instead of producing NaN.
        let t = compare("a", 50, 500, 10, 20);
        assert!(t.g2.is_finite() && t.p_value.is_finite() && t.ratio.is_finite());
        let t = compare("a", u64::MAX, u64::MAX, u64::MAX, u64::MAX);
        assert!(t.g2.is_finite() && t.p_value.is_finite() && t.ratio.is_finite());
        assert_eq!(t.direction, Direction::Same);
    }
}
