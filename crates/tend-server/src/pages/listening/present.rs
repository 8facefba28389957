//! Shared presentation: number style, bucket labels, names, the overview's
//! charts, the period choices and alert rows.

use super::*;

/// The chart crate's number style for a language.
pub fn number_style(lang: Lang) -> NumberStyle {
    match lang {
        Lang::En => NumberStyle::En,
        Lang::Sv => NumberStyle::Sv,
    }
}

/// A bucket's axis label: `24 Nov 14:00`, `24 Nov` or `Week 48`.
pub(super) fn bucket_label(lang: Lang, z: &Zoned, granularity: Granularity) -> String {
    let month = lang.t(&format!("month-{}", z.month()));
    match granularity {
        Granularity::Hour => format!("{} {} {:02}:00", z.day(), month, z.hour()),
        Granularity::Day => format!("{} {}", z.day(), month),
        Granularity::Week => lang.ta(
            "listening-week",
            "week",
            &z.date().iso_week_date().week().to_string(),
        ),
    }
}

/// A bucket's start in ISO 8601 local time with its offset, for CSV.
pub(super) fn iso_local(z: &Zoned) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

pub(super) fn x_labels(lang: Lang, period: &Period) -> Vec<String> {
    period
        .buckets
        .iter()
        .map(|z| bucket_label(lang, z, period.granularity))
        .collect()
}

/// The buckets an alert covers in the period, for shading.
pub(super) fn highlight(period: &Period, alert: &Alert) -> Option<(usize, usize)> {
    if alert.end <= period.from || alert.start >= period.to {
        return None;
    }
    let last = period.to.checked_sub(1.second()).ok()?;
    let start = period.bucket_of(alert.start.max(period.from))?;
    let end = period.bucket_of(alert.end.checked_sub(1.second()).ok()?.min(last))?;
    Some((start, end.max(start)))
}

/// A person as shown: "Name (@handle)", or "@handle" when the name adds nothing.
pub(super) fn person(display_name: Option<&str>, handle: &str) -> String {
    match display_name.map(str::trim) {
        Some(name) if !name.is_empty() && name != handle => format!("{name} (@{handle})"),
        _ => format!("@{handle}"),
    }
}

pub(super) fn role_label(lang: Lang, role: TopicRole) -> String {
    lang.t(&format!("listening-role-{}", role.as_str()))
}

pub(super) fn backfill_label(lang: Lang, topic: &Topic) -> Option<String> {
    (!topic.backfill.finished).then(|| {
        lang.ta(
            "listening-backfill",
            "percent",
            &topic.backfill.percent().to_string(),
        )
    })
}

/// The overview's volume chart: the largest topics, one line each.
pub(super) fn volume_chart(lang: Lang, o: &Overview) -> SeriesChart {
    let mut top: Vec<&dashboard::TopicSeries> = o.series.iter().collect();
    top.sort_by(|a, b| {
        b.total
            .messages
            .cmp(&a.total.messages)
            .then_with(|| a.topic.name.cmp(&b.topic.name))
    });
    top.truncate(LINE_TOPICS);
    SeriesChart {
        labels: Labels {
            title: lang.t("listening-chart-volume"),
            x: x_labels(lang, &o.period),
            summary: lang.t("listening-chart-volume-summary"),
            number: number_style(lang),
        },
        series: top
            .iter()
            .map(|s| Series {
                name: s.topic.name.clone(),
                values: s.points.iter().map(|p| p.messages as f64).collect(),
                colour: None,
            })
            .collect(),
        highlights: Vec::new(),
    }
}

pub(super) fn share_chart(lang: Lang, o: &Overview) -> ShareChart {
    ShareChart {
        title: lang.t("listening-chart-share"),
        summary: lang.t("listening-chart-share-summary"),
        number: number_style(lang),
        parts: o
            .share_of_voice
            .iter()
            .map(|(name, n)| (name.clone(), *n as f64))
            .collect(),
    }
}

/// A link to one of the period choices.
pub struct Choice {
    pub(super) label: String,
    pub(super) href: String,
    pub(super) current: bool,
    pub(super) enabled: bool,
}

/// The period and granularity selectors.
pub struct PeriodNav {
    pub(super) days: Vec<Choice>,
    pub(super) granularity: Vec<Choice>,
    /// `days=…&granularity=…` of the page, for links that keep the period.
    pub(super) query: String,
}

pub(super) fn period_nav(lang: Lang, base: &str, days: i64, g: Granularity) -> PeriodNav {
    let href = |d: i64, g: Granularity| format!("{base}?days={d}&granularity={}", g.as_str());
    PeriodNav {
        days: DAY_CHOICES
            .iter()
            .map(|&d| {
                // Hours over a long period are refused: fall back to days.
                let keep = if g == Granularity::Hour && d > MAX_HOURLY_DAYS {
                    Granularity::Day
                } else {
                    g
                };
                Choice {
                    label: lang.ta("listening-days", "days", &d.to_string()),
                    href: href(d, keep),
                    current: d == days,
                    enabled: true,
                }
            })
            .collect(),
        granularity: Granularity::ALL
            .into_iter()
            .map(|each| Choice {
                label: lang.t(&format!("listening-granularity-{}", each.as_str())),
                href: href(days, each),
                current: each == g,
                enabled: each != Granularity::Hour || days <= MAX_HOURLY_DAYS,
            })
            .collect(),
        query: format!("days={days}&granularity={}", g.as_str()),
    }
}

/// One alert, as shown.
pub struct AlertRow {
    pub(super) topic: String,
    pub(super) topic_href: String,
    pub(super) kind: String,
    pub(super) range: String,
    pub(super) observed: String,
    pub(super) expected: String,
    /// What drives it, when known.
    pub(super) driver: Option<DriverCell>,
}

/// What drives an alert, as shown: a summary and the largest conversation.
pub struct DriverCell {
    pub(super) summary: String,
    pub(super) excerpt: String,
    pub(super) href: String,
}

fn driver_cell(ctx: &PageCtx, driver: &Driver) -> Option<DriverCell> {
    let top = driver.top.as_ref()?;
    let style = number_style(ctx.lang);
    let args = [
        ("n", format_number(top.messages as f64, style)),
        ("total", format_number(driver.total as f64, style)),
    ];
    let key = if driver.one_conversation() {
        "listening-driver-one"
    } else {
        "listening-driver-many"
    };
    Some(DriverCell {
        summary: ctx.lang.targs(key, &args),
        excerpt: top.excerpt.clone(),
        href: format!("/w/{}/c/{}", ctx.slug, top.root.get()),
    })
}

pub(super) fn alert_rows(
    ctx: &PageCtx,
    topics: &HashMap<TopicId, String>,
    alerts: &[Alert],
    drivers: &[Option<std::sync::Arc<Driver>>],
) -> Vec<AlertRow> {
    let lang = ctx.lang;
    let style = number_style(lang);
    alerts
        .iter()
        .enumerate()
        .map(|(i, a)| AlertRow {
            driver: drivers
                .get(i)
                .and_then(Option::as_ref)
                .and_then(|d| driver_cell(ctx, d)),
            topic: topics.get(&a.topic_id).cloned().unwrap_or_default(),
            topic_href: format!("/w/{}/listening/{}", ctx.slug, a.topic_id.get()),
            kind: lang.t(match a.kind {
                AlertKind::Volume => "listening-alert-volume",
                AlertKind::Negative => "listening-alert-negative",
            }),
            range: format!("{} – {}", ctx.date(&a.start), ctx.date(&a.end)),
            observed: format_number(a.observed as f64, style),
            expected: style.format_fixed(a.expected, 1),
        })
        .collect()
}
