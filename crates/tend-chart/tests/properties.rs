//! Arbitrary series, labels and values never panic and always give well-formed XML that
//! keeps the crate's promises; CSV always parses back to the fields written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::check;
use proptest::prelude::*;
use tend_chart::{
    Bar, BarChart, Labels, NumberStyle, Series, SeriesChart, ShareChart, bar, csv, line,
    share_of_voice, stacked_area,
};

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -1e4f64..1e4,
        1 => Just(0.0),
        1 => any::<f64>(),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN_POSITIVE]),
    ]
}

/// Any string, markup-like strings more often.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        1 => "[<>&\"' a-zé😀\u{0}\u{1}\u{ffff}\n]{0,40}",
        1 => Just("<script>alert(1)</script>".to_owned()),
    ]
}

fn style() -> impl Strategy<Value = NumberStyle> {
    prop_oneof![Just(NumberStyle::En), Just(NumberStyle::Sv)]
}

fn series_chart() -> impl Strategy<Value = SeriesChart> {
    (
        text(),
        prop::collection::vec(text(), 0..40),
        text(),
        style(),
        prop::collection::vec((text(), prop::collection::vec(value(), 0..40)), 0..5),
        prop::collection::vec((0usize..50, 0usize..50), 0..3),
    )
        .prop_map(
            |(title, x, summary, number, series, highlights)| SeriesChart {
                labels: Labels {
                    title,
                    x,
                    summary,
                    number,
                },
                series: series
                    .into_iter()
                    .map(|(name, values)| Series {
                        name,
                        values,
                        colour: None,
                    })
                    .collect(),
                highlights,
            },
        )
}

proptest! {
    #[test]
    fn series_charts_are_always_well_formed(chart in series_chart()) {
        check(&line(&chart));
        check(&stacked_area(&chart));
    }

    #[test]
    fn bar_charts_are_always_well_formed(
        title in text(),
        number in style(),
        bars in prop::collection::vec((text(), value(), prop::option::of(value())), 0..15),
        names in (text(), text()),
    ) {
        let chart = BarChart {
            title,
            number,
            bars: bars.into_iter().map(|(label, value, previous)| Bar { label, value, previous }).collect(),
            current_name: names.0,
            previous_name: names.1,
            ..BarChart::default()
        };
        check(&bar(&chart));
    }

    #[test]
    fn share_charts_are_always_well_formed(
        title in text(),
        number in style(),
        parts in prop::collection::vec((text(), value()), 0..12),
    ) {
        check(&share_of_voice(&ShareChart { title, number, parts, ..ShareChart::default() }));
    }

    #[test]
    fn csv_parses_back_to_the_fields_written(
        headers in prop::collection::vec(text(), 1..5),
        rows in prop::collection::vec(prop::collection::vec(text(), 1..5), 0..5),
    ) {
        let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let parsed = parse_csv(&csv(&header_refs, &rows));
        let expected: Vec<Vec<String>> = std::iter::once(headers.clone()).chain(rows.clone()).collect();
        prop_assert_eq!(parsed.len(), expected.len());
        for (got, want) in parsed.iter().zip(&expected) {
            prop_assert_eq!(got.len(), want.len());
            for (got, want) in got.iter().zip(want) {
                // The guard adds a leading quote and nothing else.
                let unguarded = if got.starts_with('\'') && !want.starts_with('\'') { &got[1..] } else { got.as_str() };
                prop_assert_eq!(unguarded, want.as_str());
                prop_assert!(!got.starts_with(['=', '+', '-', '@', '\t', '\r']) || got.parse::<f64>().is_ok() || got.replace(',', ".").parse::<f64>().is_ok(), "{:?}", got);
            }
        }
    }
}

/// A strict RFC 4180 reader: every record ends in CRLF; quoted fields may hold anything.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "bare CR outside quotes");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_field_start = true;
            }
            '"' | '\n' => panic!("{c:?} in an unquoted field: {text:?}"),
            c => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    assert!(
        field.is_empty() && record.is_empty() && !quoted,
        "unterminated record: {text:?}"
    );
    records
}
