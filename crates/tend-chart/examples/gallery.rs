//! Writes one SVG of each chart kind into the directory given on the command line, for
//! eyeballing: `cargo run -p tend-chart --example gallery -- /tmp/charts`.

use std::path::PathBuf;

use tend_chart::{
    Bar, BarChart, Colour, Labels, NumberStyle, Series, SeriesChart, ShareChart, bar, line,
    share_of_voice, stacked_area,
};

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: gallery <output directory>");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir)?;
    let days: Vec<String> = (1..=30).map(|d| format!("{d} maj")).collect();
    let wave = |base: f64, amp: f64, phase: f64| -> Vec<f64> {
        (0..30)
            .map(|i| (base + amp * ((i as f64 + phase) / 3.0).sin()).round())
            .collect()
    };

    let mut inbound = wave(1200.0, 300.0, 0.0);
    inbound[17] = 3400.0;
    inbound[18] = 2900.0;
    let messages = SeriesChart {
        labels: Labels {
            title: "Meddelanden per dag".into(),
            x: days.clone(),
            summary: "Inkommande och utgående meddelanden, maj".into(),
            number: NumberStyle::Sv,
        },
        series: vec![
            Series {
                name: "Inkommande".into(),
                values: inbound,
                colour: None,
            },
            Series {
                name: "Utgående".into(),
                values: wave(400.0, 120.0, 2.0),
                colour: None,
            },
        ],
        highlights: vec![(17, 18)],
    };
    let sentiment = SeriesChart {
        labels: Labels {
            title: "Sentiment per day".into(),
            x: days,
            ..Labels::default()
        },
        series: vec![
            Series {
                name: "Negative".into(),
                values: wave(30.0, 10.0, 1.0),
                colour: Some(Colour::NEGATIVE),
            },
            Series {
                name: "Neutral".into(),
                values: wave(80.0, 20.0, 0.0),
                colour: Some(Colour::NEUTRAL),
            },
            Series {
                name: "Positive".into(),
                values: wave(50.0, 15.0, 4.0),
                colour: Some(Colour::POSITIVE),
            },
        ],
        highlights: vec![],
    };
    let top = BarChart {
        title: "Top hashtags".into(),
        summary: String::new(),
        number: NumberStyle::En,
        bars: [
            ("#lumoranights", 1834.0, Some(1200.0)),
            ("#glimmr", 950.0, Some(1400.0)),
            (
                "<script>alert(1)</script> a very long label that keeps going",
                720.0,
                None,
            ),
            ("#support", 310.0, Some(290.0)),
            ("#é", 0.0, Some(12.0)),
        ]
        .into_iter()
        .map(|(label, value, previous)| Bar {
            label: label.into(),
            value,
            previous,
        })
        .collect(),
        colour: None,
        current_name: "This week".into(),
        previous_name: "Last week".into(),
    };
    let share = ShareChart {
        title: "Share of voice".into(),
        summary: String::new(),
        number: NumberStyle::En,
        parts: vec![
            ("Lumora".into(), 5120.0),
            ("Glimmr".into(), 3010.0),
            ("Brightside".into(), 1490.0),
            ("Others".into(), 210.0),
        ],
    };
    for (name, svg) in [
        ("line.svg", line(&messages)),
        ("stacked_area.svg", stacked_area(&sentiment)),
        ("bar.svg", bar(&top)),
        ("share_of_voice.svg", share_of_voice(&share)),
        (
            "line_single_point.svg",
            line(&SeriesChart {
                labels: Labels {
                    title: "One day".into(),
                    x: vec!["Today".into()],
                    ..Labels::default()
                },
                series: vec![Series {
                    name: "Messages".into(),
                    values: vec![f64::NAN],
                    colour: None,
                }],
                highlights: vec![(0, 9)],
            }),
        ),
        (
            "share_zero.svg",
            share_of_voice(&ShareChart {
                parts: vec![("A".into(), 0.0), ("B".into(), 0.0)],
                ..share.clone()
            }),
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, svg)?;
        println!("{}", path.display());
    }
    Ok(())
}
