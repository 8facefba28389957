//! Tests of the spike detector: the baseline on periodic series, planted spikes
//! found with their start and end, no contamination of later baselines, short
//! history, odd input, and property tests (no panic, finite output).

use proptest::prelude::*;

use super::*;

/// Monday 00:00 UTC some weeks after the epoch (unix hour 0 is a Thursday).
const MONDAY: i64 = 96 + 168 * 2_900;

/// A smooth weekly pattern without noise: a daytime peak of `peak`, night near 10 % of it,
/// weekends at 60 %, and 10 % negative messages.
fn periodic(weeks: usize, peak: f64) -> Vec<HourBucket> {
    (0..weeks * HOURS_PER_WEEK)
        .map(|i| {
            let hour_of_day = (i % 24) as f64;
            let day = i / 24 % 7;
            let daily = 0.55 - 0.45 * (std::f64::consts::TAU * (hour_of_day - 3.0) / 24.0).cos();
            let weekend = if day >= 5 { 0.6 } else { 1.0 };
            let messages = (peak * daily * weekend).round() as u64;
            HourBucket {
                hour: MONDAY + i as i64,
                messages,
                negative: messages / 10,
            }
        })
        .collect()
}

fn add(series: &mut [HourBucket], from: usize, hours: usize, extra: u64, extra_negative: u64) {
    for bucket in &mut series[from..from + hours] {
        bucket.messages += extra;
        bucket.negative += extra_negative;
    }
}

fn scores(series: &[HourBucket]) -> Vec<HourScore> {
    let dense = Dense::new(series).unwrap();
    score_hours(&dense, 0, &SpikeConfig::default().sanitized())
}

#[test]
fn a_flat_periodic_series_is_expected_as_observed_and_raises_no_alert() {
    let series = periodic(8, 60.0);
    assert_eq!(detect(&series, &SpikeConfig::default()), []);
    let scores = scores(&series);
    for (bucket, score) in series.iter().zip(&scores).skip(2 * HOURS_PER_WEEK) {
        let x = bucket.messages as f64;
        assert!(
            (score.expected - x).abs() <= 0.12 * x + 1.5,
            "hour {}: expected {} for {x}",
            bucket.hour - MONDAY,
            score.expected
        );
    }
}

#[test]
fn a_planted_outage_is_found_with_its_start_and_end() {
    // The demo's outage: ~420 extra messages over 6 hours (08:00–13:00) on a Tuesday of
    // the seventh week, on top of a normal daytime volume of about 30 an hour.
    let mut series = periodic(8, 30.0);
    let start = 6 * HOURS_PER_WEEK + 24 + 8;
    add(&mut series, start, 6, 70, 40);
    let spikes = detect(&series, &SpikeConfig::default());
    let volume: Vec<&Spike> = spikes
        .iter()
        .filter(|s| s.kind == SpikeKind::Volume)
        .collect();
    assert_eq!(volume.len(), 1, "{spikes:?}");
    assert_eq!(volume[0].start_hour, MONDAY + start as i64);
    assert_eq!(volume[0].end_hour, MONDAY + start as i64 + 5);
    assert!(volume[0].observed >= 420 + volume[0].expected as u64 - 10);
    assert!(volume[0].expected > 100.0 && volume[0].expected < 200.0);
    assert!(volume[0].score >= 4.0);
    // 40 of the 70 extra are negative: also a negative surge over the same hours.
    let negative: Vec<&Spike> = spikes
        .iter()
        .filter(|s| s.kind == SpikeKind::Negative)
        .collect();
    assert_eq!(negative.len(), 1, "{spikes:?}");
    assert_eq!(negative[0].start_hour, MONDAY + start as i64);
    assert_eq!(negative[0].end_hour, MONDAY + start as i64 + 5);
}

#[test]
fn a_spike_does_not_contaminate_the_next_weeks_baseline() {
    let clean = periodic(9, 40.0);
    let mut spiked = clean.clone();
    let start = 6 * HOURS_PER_WEEK + 2 * 24 + 10;
    add(&mut spiked, start, 5, 150, 0);
    let next_week = start + HOURS_PER_WEEK;
    let (clean_scores, spiked_scores) = (scores(&clean), scores(&spiked));
    for i in next_week - 2..next_week + 7 {
        let (a, b) = (clean_scores[i].expected, spiked_scores[i].expected);
        assert!((a - b).abs() <= 0.02 * a + 0.5, "hour {i}: {a} vs {b}");
    }
    // The same outage repeated a week later is still an alert.
    add(&mut spiked, next_week, 5, 150, 0);
    let volume: Vec<(i64, i64)> = detect(&spiked, &SpikeConfig::default())
        .iter()
        .filter(|s| s.kind == SpikeKind::Volume)
        .map(|s| (s.start_hour - MONDAY, s.end_hour - MONDAY))
        .collect();
    let (a, b) = (start as i64, next_week as i64);
    assert_eq!(volume, [(a, a + 4), (b, b + 4)]);
}

#[test]
fn a_negative_surge_without_more_volume_is_found() {
    let mut series = periodic(6, 50.0);
    let start = 5 * HOURS_PER_WEEK + 10;
    for bucket in &mut series[start..start + 4] {
        bucket.negative = bucket.messages / 2;
    }
    let spikes = detect(&series, &SpikeConfig::default());
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert_eq!(spikes[0].kind, SpikeKind::Negative);
    assert_eq!(spikes[0].start_hour, MONDAY + start as i64);
    assert_eq!(spikes[0].end_hour, MONDAY + start as i64 + 3);
    assert!(spikes[0].observed as f64 > 3.0 * spikes[0].expected);
}

#[test]
fn less_than_a_week_of_history_never_alerts() {
    let mut series = periodic(1, 20.0);
    add(&mut series, 100, 6, 10_000, 10_000);
    assert_eq!(detect(&series, &SpikeConfig::default()), []);
}

#[test]
fn empty_and_all_zero_series_give_no_alerts() {
    assert_eq!(detect(&[], &SpikeConfig::default()), []);
    let zeros: Vec<HourBucket> = (0..2_000)
        .map(|h| HourBucket {
            hour: h,
            ..HourBucket::default()
        })
        .collect();
    assert_eq!(detect(&zeros, &SpikeConfig::default()), []);
    // Sparse: only two buckets far apart, the gap counts as zeros.
    let sparse = [
        HourBucket {
            hour: 0,
            messages: 3,
            negative: 0,
        },
        HourBucket {
            hour: 5_000,
            messages: 0,
            negative: 0,
        },
    ];
    assert_eq!(detect(&sparse, &SpikeConfig::default()), []);
}

#[test]
fn unsorted_repeated_and_gappy_input_equals_the_dense_series() {
    let mut dense = periodic(7, 40.0);
    add(&mut dense, 6 * HOURS_PER_WEEK + 9, 4, 200, 0);
    let expected = detect(&dense, &SpikeConfig::default());
    assert!(!expected.is_empty());
    // Reverse, drop the zero hours, and split every bucket in two.
    let mut messy = Vec::new();
    for b in dense.iter().rev().filter(|b| b.messages > 0) {
        let half = b.messages / 2;
        let negative_half = b.negative.min(half);
        messy.push(HourBucket {
            hour: b.hour,
            messages: half,
            negative: negative_half,
        });
        messy.push(HourBucket {
            hour: b.hour,
            messages: b.messages - half,
            negative: b.negative - negative_half,
        });
    }
    assert_eq!(detect(&messy, &SpikeConfig::default()), expected);
}

#[test]
fn detect_since_reports_what_detect_reports_for_recent_hours() {
    let mut series = periodic(8, 30.0);
    let early = 3 * HOURS_PER_WEEK + 9;
    let late = 7 * HOURS_PER_WEEK + 33;
    add(&mut series, early, 3, 300, 0);
    add(&mut series, late, 6, 70, 0);
    let all = detect(&series, &SpikeConfig::default());
    assert_eq!(all.len(), 2, "{all:?}");
    // From the middle of the late spike: it is reported whole, the early one not.
    let from = MONDAY + late as i64 + 3;
    assert_eq!(
        detect_since(&series, from, &SpikeConfig::default()),
        all[1..]
    );
    // From the last hour with nothing going on: nothing.
    let last = series.last().unwrap().hour;
    assert_eq!(detect_since(&series, last, &SpikeConfig::default()), []);
    assert_eq!(detect_since(&series, i64::MAX, &SpikeConfig::default()), []);
    assert_eq!(
        detect_since(&series, i64::MIN, &SpikeConfig::default()),
        all
    );
}

#[test]
fn huge_counts_and_extreme_hours_stay_finite() {
    let mut series = periodic(3, 50.0);
    add(&mut series, 400, 3, u64::MAX / 2, u64::MAX / 2);
    series.push(HourBucket {
        hour: series.last().unwrap().hour + 1,
        messages: u64::MAX,
        negative: u64::MAX,
    });
    let spikes = detect(&series, &SpikeConfig::default());
    assert!(!spikes.is_empty());
    for spike in &spikes {
        assert!(spike.expected.is_finite() && spike.score.is_finite());
    }
    let extremes = [
        HourBucket {
            hour: i64::MIN,
            messages: u64::MAX,
            negative: 7,
        },
        HourBucket {
            hour: i64::MAX,
            messages: 1,
            negative: u64::MAX,
        },
    ];
    assert_eq!(detect(&extremes, &SpikeConfig::default()), []);
    assert_eq!(detect_since(&extremes, 0, &SpikeConfig::default()), []);
}

#[test]
fn nonsense_config_values_are_replaced_not_trusted() {
    let mut series = periodic(7, 30.0);
    add(&mut series, 6 * HOURS_PER_WEEK + 30, 6, 70, 0);
    let cfg = SpikeConfig {
        history_weeks: 0,
        shrink_weeks: f64::NAN,
        level_days: 10_000,
        dispersion: -1.0,
        threshold: f64::INFINITY,
        window_hours: 0,
        ..SpikeConfig::default()
    };
    let spikes = detect(&series, &cfg);
    for spike in &spikes {
        assert!(spike.expected.is_finite() && spike.score.is_finite());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_series_never_panic_and_give_finite_numbers(
        buckets in prop::collection::vec(
            (0i64..1_500, prop_oneof![0u64..50, 0u64..5_000, Just(u64::MAX)], any::<u64>()),
            0..300,
        ),
        offset in prop_oneof![Just(0i64), Just(i64::MIN), Just(i64::MAX - 2_000), any::<i64>()],
        from in any::<i64>(),
    ) {
        let series: Vec<HourBucket> = buckets
            .iter()
            .map(|&(hour, messages, negative)| HourBucket {
                hour: offset.saturating_add(hour),
                messages,
                negative,
            })
            .collect();
        let cfg = SpikeConfig::default();
        for spike in detect(&series, &cfg).iter().chain(&detect_since(&series, from, &cfg)) {
            prop_assert!(spike.start_hour <= spike.end_hour);
            prop_assert!(spike.expected.is_finite() && spike.expected >= 0.0);
            prop_assert!(spike.score.is_finite());
        }
    }
}

#[test]
fn a_sustained_doubling_that_no_single_hour_shows_is_found_by_a_long_window() {
    // Twice the usual for 8 daytime hours on a topic of about 8 messages an hour: no single
    // hour is unusual enough (z about 2), the hours together are.
    let mut series = periodic(8, 8.0);
    let start = 7 * HOURS_PER_WEEK + 24 + 9;
    for bucket in &mut series[start..start + 8] {
        bucket.messages *= 2;
    }
    let spikes = detect(&series, &SpikeConfig::default());
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert_eq!(spikes[0].kind, SpikeKind::Volume);
    assert!(spikes[0].start_hour >= MONDAY + start as i64);
    assert!(spikes[0].end_hour <= MONDAY + start as i64 + 7);
    assert!(spikes[0].end_hour - spikes[0].start_hour >= 5, "{spikes:?}");
}

#[test]
fn a_quiet_topic_doubling_from_three_to_six_is_not_news() {
    let mut series = periodic(8, 3.0);
    let start = 7 * HOURS_PER_WEEK + 24 + 9;
    for bucket in &mut series[start..start + 8] {
        bucket.messages *= 2;
    }
    assert_eq!(detect(&series, &SpikeConfig::default()), []);
}
