//! Charts of one or more series over the same x buckets (messages per day, sentiment per
//! day): [`line()`] and [`stacked_area`], sharing one frame of title, legend, y grid and
//! thinned x labels.

use std::fmt::Write;

use crate::number::{NumberStyle, Scale, finite_or_zero, format_number};
use crate::palette::Colour;
use crate::svg::{FONT, GRID, INK, MUTED, Svg, TITLE_FONT, escape, num, text_width, truncate};

/// The already-localised text of a series chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labels {
    /// The chart's title, drawn at the top and used as its accessible name.
    pub title: String,
    /// One label per x bucket (e.g. "3 May"); missing labels are blank.
    pub x: Vec<String>,
    /// An optional sentence put first in the chart's `<desc>`, before the data listing.
    pub summary: String,
    /// How the y axis, tooltips and description write numbers.
    pub number: NumberStyle,
}

/// One named line or layer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// The name in the legend and tooltips (already localised).
    pub name: String,
    /// One value per x bucket. A line skips non-finite values (a gap); an area counts them,
    /// and negative values, as 0.
    pub values: Vec<f64>,
    /// The colour; `None` takes [`Colour::nth`] of the series' position.
    pub colour: Option<Colour>,
}

/// Series over shared x buckets, for [`line()`] and [`stacked_area`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesChart {
    pub labels: Labels,
    pub series: Vec<Series>,
    /// Bucket ranges to shade, inclusive at both ends (e.g. `(12, 14)` for a spike alert
    /// over three days), drawn in orange at low opacity behind the data. Out-of-range parts
    /// are ignored.
    pub highlights: Vec<(usize, usize)>,
}

/// A line chart: one line per series, a 0-based y axis with 1-2-5 steps and light grid
/// lines, at most eight non-overlapping x labels, a legend for more than one series, and a
/// tooltip per bucket.
pub fn line(chart: &SeriesChart) -> String {
    let n = bucket_count(chart);
    let values: Vec<Vec<Option<f64>>> = chart
        .series
        .iter()
        .map(|series| {
            (0..n)
                .map(|i| {
                    series
                        .values
                        .get(i)
                        .filter(|v| v.is_finite())
                        .map(|v| finite_or_zero(*v))
                })
                .collect()
        })
        .collect();
    let all = values.iter().flatten().flatten().copied();
    let (min, max) = all.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (mut svg, frame) = Frame::draw(chart, n, Scale::nice(min, max, 5), LegendMark::Line);

    for (s, series_values) in values.iter().enumerate() {
        let colour = colour_of(chart, s).hex();
        let mut d = String::new();
        let mut dots = String::new();
        for (i, value) in series_values.iter().enumerate() {
            let Some(value) = value else { continue };
            let (x, y) = (frame.x(i), frame.y(*value));
            let follows = i > 0 && series_values[i - 1].is_some();
            let _ = write!(
                d,
                "{}{} {}",
                if follows { "L" } else { "M" },
                num(x),
                num(y)
            );
            let precedes = series_values.get(i + 1).is_some_and(Option::is_some);
            if n <= 16 || (!follows && !precedes) {
                let _ = write!(dots, r#"<circle cx="{}" cy="{}" r="3"/>"#, num(x), num(y));
            }
        }
        if !d.is_empty() {
            let _ = write!(
                svg,
                r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>"#
            );
        }
        if !dots.is_empty() {
            svg.raw(&format!(r#"<g fill="{colour}">{dots}</g>"#));
        }
    }
    frame.tooltips(&mut svg, chart, |s, i| values[s][i]);
    svg.finish()
}

/// A stacked area chart: the series are layers from the bottom up (e.g. negative, neutral,
/// positive per day), so the top edge is the total. Negative and non-finite values count as 0.
pub fn stacked_area(chart: &SeriesChart) -> String {
    let n = bucket_count(chart);
    let values: Vec<Vec<f64>> = chart
        .series
        .iter()
        .map(|series| {
            (0..n)
                .map(|i| {
                    series
                        .values
                        .get(i)
                        .map_or(0.0, |v| finite_or_zero(*v).max(0.0))
                })
                .collect()
        })
        .collect();
    // tops[s][i]: the upper edge of layer s at bucket i.
    let mut tops: Vec<Vec<f64>> = Vec::with_capacity(values.len());
    for (s, layer) in values.iter().enumerate() {
        let top = (0..n)
            .map(|i| {
                let below = if s == 0 { 0.0 } else { tops[s - 1][i] };
                finite_or_zero(below + layer[i])
            })
            .collect();
        tops.push(top);
    }
    let max = tops
        .last()
        .map_or(0.0, |top| top.iter().copied().fold(0.0, f64::max));
    let (mut svg, frame) = Frame::draw(chart, n, Scale::nice(0.0, max, 5), LegendMark::Swatch);

    // One bucket has no width to fill: it is drawn across the whole plot.
    let xs: Vec<f64> = if n == 1 {
        vec![frame.left, frame.right]
    } else {
        (0..n).map(|i| frame.x(i)).collect()
    };
    let at = |top: &Vec<f64>, k: usize| top[k.min(n.saturating_sub(1))];
    for (s, top) in tops.iter().enumerate() {
        if n == 0 {
            break;
        }
        let mut points = String::new();
        for (k, x) in xs.iter().enumerate() {
            let _ = write!(points, "{},{} ", num(*x), num(frame.y(at(top, k))));
        }
        for (k, x) in xs.iter().enumerate().rev() {
            let below = if s == 0 { 0.0 } else { at(&tops[s - 1], k) };
            let _ = write!(points, "{},{} ", num(*x), num(frame.y(below)));
        }
        let _ = write!(
            svg,
            r#"<polygon points="{}" fill="{}" fill-opacity="0.85"/>"#,
            points.trim_end(),
            colour_of(chart, s).hex()
        );
    }
    frame.tooltips(&mut svg, chart, |s, i| Some(values[s][i]));
    svg.finish()
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const MAX_X_LABELS: usize = 8;
/// Space kept between two x labels.
const LABEL_GAP: f64 = 12.0;

fn bucket_count(chart: &SeriesChart) -> usize {
    let longest = chart.series.iter().map(|s| s.values.len()).max();
    chart.labels.x.len().max(longest.unwrap_or(0))
}

fn colour_of(chart: &SeriesChart, s: usize) -> Colour {
    chart.series[s].colour.unwrap_or_else(|| Colour::nth(s))
}

#[derive(Clone, Copy, PartialEq)]
enum LegendMark {
    Line,
    Swatch,
}

/// The plot area and its scales, after title, legend, grid and labels are drawn.
struct Frame {
    n: usize,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    scale: Scale,
}

impl Frame {
    fn draw(chart: &SeriesChart, n: usize, scale: Scale, mark: LegendMark) -> (Svg, Frame) {
        let style = chart.labels.number;
        let mut svg = Svg::new(WIDTH, HEIGHT, &chart.labels.title, &describe(chart, n));
        let mut top = 12.0;
        if !chart.labels.title.is_empty() {
            let title = truncate(&chart.labels.title, TITLE_FONT, WIDTH - 24.0);
            svg.text(12.0, 26.0, "start", TITLE_FONT, INK, true, &title, None);
            top = 44.0;
        }
        if chart.series.len() > 1 {
            top = legend(&mut svg, chart, top, mark) + 8.0;
        }

        let decimals = scale.decimals();
        let tick_labels: Vec<(f64, String)> = scale
            .ticks()
            .into_iter()
            .map(|tick| (tick, style.format_fixed(tick, decimals)))
            .collect();
        let widest = tick_labels
            .iter()
            .map(|(_, l)| text_width(l, FONT))
            .fold(0.0, f64::max);
        let frame = Frame {
            n,
            left: (12.0 + widest + 8.0).min(WIDTH / 2.0),
            right: WIDTH - 16.0,
            top: top + 6.0,
            bottom: HEIGHT - 28.0,
            scale,
        };

        let mut grid = String::new();
        for (tick, label) in &tick_labels {
            let y = frame.y(*tick);
            let _ = write!(grid, "M{} {}H{}", num(frame.left), num(y), num(frame.right));
            svg.text(
                frame.left - 8.0,
                y + 4.0,
                "end",
                FONT,
                MUTED,
                false,
                label,
                None,
            );
        }
        svg.raw(&format!(
            r#"<path d="{grid}" fill="none" stroke="{GRID}"/>"#
        ));
        if scale.lo < 0.0 {
            let y = num(frame.y(0.0));
            svg.raw(&format!(
                r##"<path d="M{} {y}H{}" fill="none" stroke="#bbbbbb"/>"##,
                num(frame.left),
                num(frame.right)
            ));
        }
        frame.highlights(&mut svg, chart);
        frame.x_labels(&mut svg, chart);
        (svg, frame)
    }

    fn x(&self, i: usize) -> f64 {
        if self.n <= 1 {
            (self.left + self.right) / 2.0
        } else {
            self.left + (self.right - self.left) * i as f64 / (self.n - 1) as f64
        }
    }

    fn y(&self, value: f64) -> f64 {
        self.bottom - (self.bottom - self.top) * self.scale.fraction(value)
    }

    /// Half the distance between two buckets: each bucket owns the plot ±this around its x.
    fn half_step(&self) -> f64 {
        if self.n <= 1 {
            (self.right - self.left) / 2.0
        } else {
            (self.right - self.left) / (self.n - 1) as f64 / 2.0
        }
    }

    /// The horizontal extent bucket `i` owns, clipped to the plot.
    fn band(&self, first: usize, last: usize) -> (f64, f64) {
        let x0 = (self.x(first) - self.half_step()).max(self.left);
        let x1 = (self.x(last) + self.half_step()).min(self.right);
        (x0, x1)
    }

    fn highlights(&self, svg: &mut Svg, chart: &SeriesChart) {
        for &(first, last) in &chart.highlights {
            let (first, last) = (first.min(last), first.max(last));
            if self.n == 0 || first >= self.n {
                continue;
            }
            let (x0, x1) = self.band(first, last.min(self.n - 1));
            svg.raw(&format!(
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="0.18"/>"#,
                num(x0),
                num(self.top),
                num(x1 - x0),
                num(self.bottom - self.top),
                Colour::Orange.hex()
            ));
        }
    }

    /// At most [`MAX_X_LABELS`] labels, evenly spaced; a label that would come closer than
    /// [`LABEL_GAP`] to the previous one (or leave the chart) is skipped.
    fn x_labels(&self, svg: &mut Svg, chart: &SeriesChart) {
        if self.n == 0 {
            return;
        }
        let texts: Vec<String> = (0..self.n)
            .map(|i| {
                let label = chart.labels.x.get(i).map_or("", String::as_str);
                truncate(label, FONT, 140.0)
            })
            .collect();
        let widest = texts
            .iter()
            .map(|t| text_width(t, FONT))
            .fold(0.0, f64::max);
        let by_room = ((widest + LABEL_GAP) / (2.0 * self.half_step())).ceil() as usize;
        let step = by_room.max(self.n.div_ceil(MAX_X_LABELS)).max(1);
        let mut previous_end = f64::NEG_INFINITY;
        for i in (0..self.n).step_by(step) {
            let width = text_width(&texts[i], FONT);
            let centre = self
                .x(i)
                .clamp(width / 2.0 + 4.0, WIDTH - width / 2.0 - 4.0);
            if centre - width / 2.0 < previous_end + LABEL_GAP {
                continue;
            }
            previous_end = centre + width / 2.0;
            let full = chart.labels.x.get(i).filter(|label| **label != texts[i]);
            let y = self.bottom + 18.0;
            svg.text(
                centre,
                y,
                "middle",
                FONT,
                MUTED,
                false,
                &texts[i],
                full.map(String::as_str),
            );
        }
    }

    /// A transparent band per bucket whose `<title>` is the browser's tooltip: the x label
    /// and each series' value.
    fn tooltips(
        &self,
        svg: &mut Svg,
        chart: &SeriesChart,
        value: impl Fn(usize, usize) -> Option<f64>,
    ) {
        if chart.series.is_empty() {
            return;
        }
        let style = chart.labels.number;
        let mut out = String::from(r##"<g fill="#000000" fill-opacity="0">"##);
        for i in 0..self.n {
            let parts: Vec<String> = (0..chart.series.len())
                .filter_map(|s| {
                    let v = format_number(value(s, i)?, style);
                    Some(if chart.series.len() == 1 {
                        v
                    } else {
                        format!("{} {v}", chart.series[s].name)
                    })
                })
                .collect();
            let label = chart.labels.x.get(i).map_or("", String::as_str);
            let (x0, x1) = self.band(i, i);
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>"#,
                num(x0),
                num(self.top),
                num(x1 - x0),
                num(self.bottom - self.top),
                escape(&format!("{label}: {}", parts.join(", ")))
            );
        }
        out.push_str("</g>");
        svg.raw(&out);
    }
}

/// The legend in rows under the title; returns the y below it.
fn legend(svg: &mut Svg, chart: &SeriesChart, top: f64, mark: LegendMark) -> f64 {
    let (mut x, mut y) = (12.0, top + 4.0);
    for (s, series) in chart.series.iter().enumerate() {
        let name = truncate(&series.name, FONT, 180.0);
        let item_width = 18.0 + text_width(&name, FONT) + 16.0;
        if x > 12.0 && x + item_width > WIDTH - 12.0 {
            x = 12.0;
            y += 18.0;
        }
        let colour = colour_of(chart, s).hex();
        svg.raw(&match mark {
            LegendMark::Line => format!(
                r#"<path d="M{} {}h12" stroke="{colour}" stroke-width="2"/>"#,
                num(x),
                num(y + 6.0)
            ),
            LegendMark::Swatch => format!(
                r#"<rect x="{}" y="{}" width="12" height="12" fill="{colour}"/>"#,
                num(x),
                num(y)
            ),
        });
        let full = Some(series.name.as_str()).filter(|full| *full != name);
        svg.text(x + 18.0, y + 10.0, "start", FONT, INK, false, &name, full);
        x += item_width;
    }
    y + 12.0
}

/// The `<desc>`: the caller's summary, then every series' values by x label.
fn describe(chart: &SeriesChart, n: usize) -> String {
    const MAX_LISTED: usize = 400;
    let style = chart.labels.number;
    let mut desc = chart.labels.summary.clone();
    for series in &chart.series {
        let values: Vec<String> = (0..n.min(MAX_LISTED))
            .map(|i| {
                let label = chart.labels.x.get(i).map_or("", String::as_str);
                let value = series.values.get(i).copied().unwrap_or(f64::NAN);
                let value = if value.is_finite() {
                    format_number(value, style)
                } else {
                    "–".to_owned()
                };
                format!("{label} {value}").trim_start().to_owned()
            })
            .collect();
        let more = if n > MAX_LISTED { ", …" } else { "" };
        if !desc.is_empty() {
            desc.push_str(". ");
        }
        let _ = write!(desc, "{}: {}{more}", series.name, values.join(", "));
    }
    desc
}
