//! What is trending: terms (words, hashtags, authors) significantly more frequent in
//! the current period than in the previous one.
//!
//! **The test** is Dunning's log-likelihood ratio G² (Dunning 1993, "Accurate
//! methods for the statistics of surprise and coincidence") on the 2×2 table
//! `[[a, n1 − a], [b, n2 − b]]`, where `a` and `b` are the messages carrying the
//! term in the current and previous period and `n1`, `n2` the periods' message
//! totals. Under "same rate in both periods" G² follows χ² with one degree of
//! freedom; unlike Pearson's χ² it stays reliable for the small counts of rare
//! terms. A term is trending when its rate went up, G² exceeds the critical value
//! of the chosen p (default p < 0.001, G² > 10.83) and it occurs at least
//! `min_count` times now. With a few hundred candidate terms per dashboard the
//! 0.001 threshold keeps the expected number of false "trending" terms well under
//! one (a Bonferroni-style bound: 400 × 0.001 = 0.4).

/// Thresholds of [`trending`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendConfig {
    /// Largest p-value counted as significant.
    pub p: f64,
    /// Fewest occurrences in the current period.
    pub min_count: u64,
}

impl Default for TrendConfig {
    fn default() -> TrendConfig {
        TrendConfig {
            p: 0.001,
            min_count: 5,
        }
    }
}

/// A term that went up.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend<K> {
    pub key: K,
    pub current: u64,
    pub previous: u64,
    /// Dunning's G².
    pub g2: f64,
    /// The p-value of G² under χ²(1).
    pub p: f64,
}

fn x_ln_x(x: f64) -> f64 {
    if x <= 0.0 { 0.0 } else { x * x.ln() }
}

/// Dunning's G² for `a` of `n1` against `b` of `n2` (0 when a total is 0).
pub fn g2(a: u64, n1: u64, b: u64, n2: u64) -> f64 {
    let (a, b) = (a.min(n1) as f64, b.min(n2) as f64);
    let (n1, n2) = (n1 as f64, n2 as f64);
    if n1 <= 0.0 || n2 <= 0.0 {
        return 0.0;
    }
    let (c, d) = (n1 - a, n2 - b);
    let n = n1 + n2;
    // G² = 2 Σ O ln(O/E), written with x ln x terms.
    let sum = x_ln_x(a) + x_ln_x(b) + x_ln_x(c) + x_ln_x(d)
        - x_ln_x(a + b)
        - x_ln_x(c + d)
        - x_ln_x(n1)
        - x_ln_x(n2)
        + x_ln_x(n);
    (2.0 * sum).max(0.0)
}

/// P(χ²(1) > x) = erfc(√(x/2)).
pub fn chi2_1_sf(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return if x.is_finite() { 1.0 } else { 0.0 };
    }
    erfc((x / 2.0).sqrt())
}

/// erfc by the Numerical Recipes Chebyshev fit (relative error < 1.2e-7 everywhere).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The terms of `current` that went up significantly against `previous(term)`,
/// strongest (largest G²) first.
pub fn trending<K: Clone>(
    current: &[(K, u64)],
    previous: impl Fn(&K) -> u64,
    current_total: u64,
    previous_total: u64,
    cfg: &TrendConfig,
) -> Vec<Trend<K>> {
    let mut out: Vec<Trend<K>> = current
        .iter()
        .filter(|(_, a)| *a >= cfg.min_count)
        .filter_map(|(key, a)| {
            let b = previous(key);
            let up = (*a as f64) * (previous_total as f64) > (b as f64) * (current_total as f64);
            if !up || current_total == 0 {
                return None;
            }
            let g = g2(*a, current_total, b, previous_total);
            let p = chi2_1_sf(g);
            (p < cfg.p).then(|| Trend {
                key: key.clone(),
                current: *a,
                previous: b,
                g2: g,
                p,
            })
        })
        .collect();
    out.sort_by(|x, y| y.g2.total_cmp(&x.g2));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g2_matches_a_hand_computed_table() {
        // [[10, 90], [2, 98]]: expected 6 and 94 per row; G² = 2 Σ O ln(O/E) = 6.16259…
        let g = g2(10, 100, 2, 100);
        let by_hand = 2.0
            * (10.0 * (10.0f64 / 6.0).ln()
                + 90.0 * (90.0f64 / 94.0).ln()
                + 2.0 * (2.0f64 / 6.0).ln()
                + 98.0 * (98.0f64 / 94.0).ln());
        assert!((g - by_hand).abs() < 1e-9, "{g} vs {by_hand}");
        assert!((g - 6.162_59).abs() < 1e-5, "{g}");
    }

    #[test]
    fn chi_square_tail_at_known_points() {
        // Critical values of χ²(1): 3.841 at 0.05, 6.635 at 0.01, 10.828 at 0.001.
        assert!((chi2_1_sf(3.841_459) - 0.05).abs() < 1e-6);
        assert!((chi2_1_sf(6.634_897) - 0.01).abs() < 1e-6);
        assert!((chi2_1_sf(10.827_57) - 0.001).abs() < 1e-6);
        assert_eq!(chi2_1_sf(0.0), 1.0);
    }

    #[test]
    fn a_new_frequent_term_trends_and_a_steady_one_does_not() {
        let current = [
            ("outage", 40u64),
            ("lights", 100),
            ("rare", 3),
            ("down", 10),
        ];
        let previous = |k: &&str| match *k {
            "lights" => 100,
            "down" => 30,
            _ => 0,
        };
        let t = trending(&current, previous, 1_000, 1_000, &TrendConfig::default());
        let keys: Vec<&str> = t.iter().map(|t| t.key).collect();
        assert_eq!(keys, ["outage"], "{t:?}");
    }

    #[test]
    fn empty_periods_give_nothing_and_no_nan() {
        assert_eq!(g2(0, 0, 0, 0), 0.0);
        assert_eq!(g2(5, 10, 0, 0), 0.0);
        let t = trending(&[("x", 10u64)], |_| 0, 0, 0, &TrendConfig::default());
        assert!(t.is_empty());
        // Absent before, with an empty previous period of messages: no test possible.
        assert!(trending(&[("x", 10u64)], |_| 0, 100, 0, &TrendConfig::default()).is_empty());
    }
}
