//! Each chart's data as a CSV download (`?csv=<chart>`).

use super::*;

/// The rows of an overview chart's CSV, by chart name; `None` for an unknown name.
pub fn overview_csv(o: &Overview, chart: &str) -> Option<String> {
    match chart {
        "volume" => {
            let mut rows = Vec::new();
            for (b, z) in o.period.buckets.iter().enumerate() {
                for s in &o.series {
                    let p = s.points.get(b).copied().unwrap_or_default();
                    rows.push(vec![
                        iso_local(z),
                        s.topic.name.clone(),
                        s.topic.role.as_str().to_owned(),
                        p.messages.to_string(),
                        p.positive.to_string(),
                        p.neutral.to_string(),
                        p.negative.to_string(),
                        p.engagement.to_string(),
                    ]);
                }
            }
            Some(tend_chart::csv(
                &[
                    "bucket_start",
                    "topic",
                    "role",
                    "messages",
                    "positive",
                    "neutral",
                    "negative",
                    "engagement",
                ],
                &rows,
            ))
        }
        "share" => {
            let total: i64 = o.share_of_voice.iter().map(|(_, n)| *n).sum();
            let rows: Vec<Vec<String>> = o
                .share_of_voice
                .iter()
                .map(|(name, n)| {
                    let share = if total > 0 {
                        *n as f64 * 100.0 / total as f64
                    } else {
                        0.0
                    };
                    vec![name.clone(), n.to_string(), format!("{share:.1}")]
                })
                .collect();
            Some(tend_chart::csv(
                &["topic", "messages", "share_percent"],
                &rows,
            ))
        }
        _ => None,
    }
}

/// The rows of a topic chart's CSV, by chart name; `None` for an unknown name.
pub fn detail_csv(d: &Detail, chart: &str) -> Option<String> {
    let per_bucket = |header: &[&str], f: &dyn Fn(&dashboard::Point) -> Vec<String>| {
        let rows: Vec<Vec<String>> = d
            .period
            .buckets
            .iter()
            .enumerate()
            .map(|(b, z)| {
                let p = d.series.points.get(b).copied().unwrap_or_default();
                let mut row = vec![iso_local(z)];
                row.extend(f(&p));
                row
            })
            .collect();
        tend_chart::csv(header, &rows)
    };
    let terms = |list: &[TermRow]| {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|t| {
                vec![
                    t.term.clone(),
                    t.current.to_string(),
                    t.previous.to_string(),
                    format!("{:.2}", t.g2),
                    t.trending.to_string(),
                ]
            })
            .collect();
        tend_chart::csv(&["term", "current", "previous", "g2", "trending"], &rows)
    };
    Some(match chart {
        "volume" => per_bucket(&["bucket_start", "messages"], &|p| {
            vec![p.messages.to_string()]
        }),
        "sentiment" => per_bucket(&["bucket_start", "positive", "neutral", "negative"], &|p| {
            vec![
                p.positive.to_string(),
                p.neutral.to_string(),
                p.negative.to_string(),
            ]
        }),
        "engagement" => per_bucket(&["bucket_start", "engagement"], &|p| {
            vec![p.engagement.to_string()]
        }),
        "authors" => {
            let rows: Vec<Vec<String>> = d
                .authors
                .iter()
                .map(|a| {
                    vec![
                        a.handle.clone(),
                        a.display_name.clone().unwrap_or_default(),
                        a.platform.clone(),
                        a.messages.to_string(),
                        a.engagement.to_string(),
                    ]
                })
                .collect();
            tend_chart::csv(
                &[
                    "handle",
                    "display_name",
                    "platform",
                    "messages",
                    "engagement",
                ],
                &rows,
            )
        }
        "terms" => terms(&d.terms),
        "hashtags" => terms(&d.hashtags),
        "trending" => terms(&d.trending),
        _ => return None,
    })
}

/// A CSV download.
pub(super) fn csv_response(filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}
