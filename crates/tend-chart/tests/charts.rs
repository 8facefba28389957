//! Each chart kind on ordinary, hostile and degenerate input, parsed back as XML.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{check, desc, texts, titles};
use tend_chart::{
    Bar, BarChart, Colour, Labels, NumberStyle, Series, SeriesChart, ShareChart, bar, line,
    share_of_voice, stacked_area,
};

const XSS: &str = "<script>alert(1)</script>";

fn series(name: &str, values: &[f64]) -> Series {
    Series {
        name: name.into(),
        values: values.to_vec(),
        colour: None,
    }
}

fn days(n: usize) -> Vec<String> {
    (1..=n).map(|d| format!("{d} May")).collect()
}

fn chart(title: &str, x: Vec<String>, series: Vec<Series>) -> SeriesChart {
    SeriesChart {
        labels: Labels {
            title: title.into(),
            x,
            ..Labels::default()
        },
        series,
        highlights: vec![],
    }
}

type Draw = fn(&SeriesChart) -> String;

fn series_kinds() -> [(&'static str, Draw); 2] {
    [("line", line), ("stacked_area", stacked_area)]
}

#[test]
fn the_y_axis_starts_at_zero_and_steps_by_one_two_or_five() {
    let chart = chart(
        "Messages",
        days(5),
        vec![series("In", &[3.0, 40.0, 87.0, 12.0, 5.0])],
    );
    let svg = line(&chart);
    let doc = check(&svg);
    let texts = texts(&doc);
    for tick in ["0", "20", "40", "60", "80", "100"] {
        assert!(texts.contains(&tick.to_owned()), "{tick} in {texts:?}");
    }
    assert!(!texts.contains(&"120".to_owned()));
}

#[test]
fn swedish_numbers_appear_on_the_axis_in_tooltips_and_in_the_description() {
    let mut chart = chart(
        "Meddelanden",
        days(3),
        vec![series("In", &[1200.0, 2500.5, 0.0])],
    );
    chart.labels.number = NumberStyle::Sv;
    chart.labels.summary = "Inkommande per dag".into();
    let svg = line(&chart);
    let doc = check(&svg);
    assert!(
        texts(&doc).contains(&"3\u{a0}000".to_owned()),
        "{:?}",
        texts(&doc)
    );
    assert!(
        titles(&doc).contains(&"2 May: 2\u{a0}500,5".to_owned()),
        "{:?}",
        titles(&doc)
    );
    assert_eq!(
        desc(&doc),
        "Inkommande per dag. In: 1 May 1\u{a0}200, 2 May 2\u{a0}500,5, 3 May 0"
    );
}

#[test]
fn hostile_text_is_escaped_everywhere_and_reads_back_as_text() {
    let mut hostile = chart(
        XSS,
        vec![XSS.into(), "a & b".into(), "\"quoted\" 'single'".into()],
        vec![series(XSS, &[1.0, 2.0, 3.0]), series("b", &[2.0, 1.0, 0.0])],
    );
    hostile.labels.summary = XSS.into();
    for (kind, draw) in series_kinds() {
        let svg = draw(&hostile);
        assert!(!svg.contains("<script"), "{kind}");
        let doc = check(&svg);
        assert_eq!(doc.root_element().attribute("aria-label"), Some(XSS));
        assert!(desc(&doc).starts_with(XSS), "{kind}");
        assert!(texts(&doc).iter().any(|t| t.contains("<script>")), "{kind}");
    }
    let bars = BarChart {
        title: XSS.into(),
        bars: vec![Bar {
            label: XSS.into(),
            value: 1.0,
            previous: Some(2.0),
        }],
        previous_name: XSS.into(),
        ..BarChart::default()
    };
    let share = ShareChart {
        title: XSS.into(),
        parts: vec![(XSS.into(), 1.0), ("x".into(), 1.0)],
        ..ShareChart::default()
    };
    for svg in [bar(&bars), share_of_voice(&share)] {
        assert!(!svg.contains("<script"));
        let doc = check(&svg);
        assert!(titles(&doc).iter().any(|t| t.contains(XSS)));
    }
}

#[test]
fn degenerate_data_renders_without_nan() {
    let cases = [
        chart("", vec![], vec![]),
        chart("Empty series", vec![], vec![series("a", &[])]),
        chart("Labels only", days(3), vec![]),
        chart(
            "Zeros",
            days(4),
            vec![series("a", &[0.0; 4]), series("b", &[0.0; 4])],
        ),
        chart("One point", days(1), vec![series("a", &[7.0])]),
        chart(
            "Non-finite",
            days(4),
            vec![series(
                "a",
                &[f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1.0],
            )],
        ),
        chart("Huge", days(2), vec![series("a", &[f64::MAX, -f64::MAX])]),
        chart("Negative", days(3), vec![series("a", &[-0.4, 0.2, 0.9])]),
        chart("Ragged", days(2), vec![series("a", &[1.0, 2.0, 3.0, 4.0])]),
    ];
    for case in &cases {
        for (kind, draw) in series_kinds() {
            let svg = draw(case);
            assert!(
                !svg.contains("NaN") && !svg.contains("inf"),
                "{kind} {}",
                case.labels.title
            );
            check(&svg);
        }
    }
}

#[test]
fn a_single_point_is_drawn_as_a_dot_and_a_gap_splits_the_line() {
    let doc_svg = line(&chart("One", days(1), vec![series("a", &[7.0])]));
    let doc = check(&doc_svg);
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("circle"))
            .count(),
        1
    );

    let values: Vec<f64> = (0..40)
        .map(|i| if i == 20 { f64::NAN } else { i as f64 })
        .collect();
    let svg = line(&chart("Gap", days(40), vec![series("a", &values)]));
    let doc = check(&svg);
    let d = doc
        .descendants()
        .find(|n| n.has_tag_name("path") && n.attribute("stroke-width") == Some("2"))
        .and_then(|n| n.attribute("d"))
        .unwrap();
    assert_eq!(d.matches('M').count(), 2, "{d}");
}

#[test]
fn x_labels_are_thinned_to_at_most_eight_that_never_overlap() {
    for n in [2, 7, 8, 9, 31, 90, 365] {
        for label in ["1 May", "Wednesday 31 December 2025 (week 1)"] {
            let x: Vec<String> = (0..n).map(|i| format!("{label} {i}")).collect();
            let values: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let svg = line(&chart("Thin", x, vec![series("a", &values)]));
            let doc = check(&svg);
            let mut spans: Vec<(f64, f64)> = doc
                .descendants()
                .filter(|n| n.has_tag_name("text") && n.attribute("text-anchor") == Some("middle"))
                .map(|n| {
                    let text: String = n
                        .children()
                        .filter(|c| c.is_text())
                        .filter_map(|c| c.text())
                        .collect();
                    let centre: f64 = n.attribute("x").unwrap().parse().unwrap();
                    let half = text.chars().count() as f64 * 0.6 * 11.0 / 2.0;
                    (centre - half, centre + half)
                })
                .collect();
            assert!(
                !spans.is_empty() && spans.len() <= 8,
                "{n}: {}",
                spans.len()
            );
            spans.sort_by(|a, b| a.0.total_cmp(&b.0));
            for pair in spans.windows(2) {
                assert!(pair[0].1 + 1.0 < pair[1].0, "{n} {label}: {pair:?}");
            }
            assert!(spans[0].0 >= 0.0 && spans.last().unwrap().1 <= 640.0);
        }
    }
}

#[test]
fn a_legend_appears_only_for_more_than_one_series() {
    let one = line(&chart(
        "One",
        days(3),
        vec![series("Inbound", &[1.0, 2.0, 3.0])],
    ));
    assert!(!texts(&check(&one)).contains(&"Inbound".to_owned()));
    let two = stacked_area(&chart(
        "Two",
        days(3),
        vec![
            series("Inbound", &[1.0, 2.0, 3.0]),
            series("Outbound", &[1.0, 1.0, 1.0]),
        ],
    ));
    let doc = check(&two);
    assert!(texts(&doc).contains(&"Inbound".to_owned()));
    assert!(texts(&doc).contains(&"Outbound".to_owned()));
}

#[test]
fn sentiment_colours_are_fixed_and_series_follow_the_palette() {
    assert_eq!(Colour::POSITIVE.hex(), "#009E73");
    assert_eq!(Colour::NEUTRAL.hex(), "#999999");
    assert_eq!(Colour::NEGATIVE.hex(), "#D55E00");
    let mut sentiment = chart(
        "Sentiment",
        days(2),
        vec![
            series("neg", &[1.0, 2.0]),
            series("pos", &[2.0, 1.0]),
            series("auto", &[1.0, 1.0]),
        ],
    );
    sentiment.series[0].colour = Some(Colour::NEGATIVE);
    sentiment.series[1].colour = Some(Colour::POSITIVE);
    let svg = stacked_area(&sentiment);
    let doc = check(&svg);
    let fills: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polygon"))
        .filter_map(|n| n.attribute("fill"))
        .collect();
    assert_eq!(fills, ["#D55E00", "#009E73", Colour::nth(2).hex()]);
}

#[test]
fn stacked_layers_sit_on_each_other_and_the_top_edge_is_the_total() {
    let svg = stacked_area(&chart(
        "Stack",
        days(2),
        vec![series("a", &[10.0, 20.0]), series("b", &[30.0, -5.0])],
    ));
    let doc = check(&svg);
    // The scale is 0..=40 (total 40); the second layer's first point is at the top.
    assert!(texts(&doc).contains(&"40".to_owned()));
    let polygons: Vec<Vec<(f64, f64)>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polygon"))
        .map(|n| {
            n.attribute("points")
                .unwrap()
                .split(' ')
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect();
    assert_eq!(polygons.len(), 2);
    // Layer b's bottom edge (reversed) is layer a's top edge; b's -5 counts as 0.
    let a_top = &polygons[0][..2];
    let b_bottom: Vec<_> = polygons[1][2..].iter().rev().copied().collect();
    assert_eq!(a_top, &b_bottom[..]);
    assert_eq!(polygons[1][1].1, a_top[1].1);
}

#[test]
fn highlights_shade_the_given_buckets_and_ignore_out_of_range_ones() {
    let mut spike = chart("Spike", days(10), vec![series("a", &[1.0; 10])]);
    spike.highlights = vec![(4, 5), (7, 3), (20, 30)];
    let svg = line(&spike);
    let doc = check(&svg);
    let shaded = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill-opacity") == Some("0.18"))
        .count();
    assert_eq!(shaded, 2);
}

#[test]
fn bars_truncate_long_labels_keep_them_in_full_in_a_title_and_mark_the_previous_period() {
    let long = "An extremely long hashtag label that would push the bars off the chart";
    let chart = BarChart {
        title: "Top".into(),
        bars: vec![
            Bar {
                label: long.into(),
                value: 1500.0,
                previous: Some(900.0),
            },
            Bar {
                label: "short".into(),
                value: f64::NAN,
                previous: Some(f64::INFINITY),
            },
            Bar {
                label: "neg".into(),
                value: -3.0,
                previous: None,
            },
        ],
        current_name: "This week".into(),
        previous_name: "Last week".into(),
        ..BarChart::default()
    };
    let svg = bar(&chart);
    let doc = check(&svg);
    let texts = texts(&doc);
    assert!(
        texts
            .iter()
            .any(|t| t.ends_with('…') && long.starts_with(t.trim_end_matches('…')))
    );
    assert!(titles(&doc).contains(&long.to_owned()));
    assert!(texts.contains(&"1,500".to_owned()));
    assert!(texts.contains(&"Last week".to_owned()));
    assert!(titles(&doc).contains(&"Last week 900".to_owned()));
    let widths: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("height") == Some("16"))
        .map(|n| n.attribute("width").unwrap().parse().unwrap())
        .collect();
    assert_eq!(widths.len(), 3);
    assert!(
        widths[0] > 0.0 && widths[1] == 0.0 && widths[2] == 0.0,
        "{widths:?}"
    );
    assert!(desc(&doc).contains("1,500 (Last week 900)"));

    let empty = bar(&BarChart::default());
    check(&empty);
}

#[test]
fn share_of_voice_labels_whole_percentages_that_add_up_and_handles_a_zero_total() {
    let chart = ShareChart {
        title: "Share of voice".into(),
        parts: vec![("A".into(), 1.0), ("B".into(), 1.0), ("C".into(), 1.0)],
        ..ShareChart::default()
    };
    let doc_svg = share_of_voice(&chart);
    let doc = check(&doc_svg);
    let shown = texts(&doc);
    assert_eq!(shown.iter().filter(|t| *t == "34%").count(), 1, "{shown:?}");
    assert_eq!(shown.iter().filter(|t| *t == "33%").count(), 2, "{shown:?}");
    assert!(shown.contains(&"A 34% (1)".to_owned()));
    assert_eq!(desc(&doc), "A 34% (1), B 33% (1), C 33% (1)");

    let zero = ShareChart {
        parts: vec![
            ("A".into(), 0.0),
            ("B".into(), f64::NAN),
            ("C".into(), -4.0),
        ],
        number: NumberStyle::Sv,
        ..chart.clone()
    };
    let svg = share_of_voice(&zero);
    let doc = check(&svg);
    assert!(
        texts(&doc).contains(&"A 0\u{a0}% (0)".to_owned()),
        "{:?}",
        texts(&doc)
    );
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("rect")).count(),
        5
    );
    check(&share_of_voice(&ShareChart::default()));
}

#[test]
fn output_is_deterministic() {
    let chart = chart(
        "Same",
        days(30),
        vec![series("a", &[1.5; 30]), series("b", &[2.25; 30])],
    );
    assert_eq!(line(&chart), line(&chart));
    assert_eq!(stacked_area(&chart), stacked_area(&chart));
}
