//! Horizontal bars: [`bar`] for top-N lists (with an optional "previous period" marker) and
//! [`share_of_voice`], one 100% bar split between names.

use std::fmt::Write;

use crate::number::{NumberStyle, finite_or_zero, format_number};
use crate::palette::Colour;
use crate::svg::{FONT, INK, Svg, TITLE_FONT, escape, num, text_width, truncate};

/// One row of a [`BarChart`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bar {
    /// The row's label (already localised); cut with an ellipsis when long, in full in its
    /// `<title>`.
    pub label: String,
    /// The bar's length. Negative and non-finite values draw as an empty bar.
    pub value: f64,
    /// The same figure for the previous period, drawn as a thin black marker across the bar.
    pub previous: Option<f64>,
}

/// A top-N list as horizontal bars, longest first as given (the caller sorts).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarChart {
    pub title: String,
    /// An optional sentence put first in the chart's `<desc>`.
    pub summary: String,
    pub number: NumberStyle,
    pub bars: Vec<Bar>,
    /// The bars' colour; `None` is [`Colour::Blue`].
    pub colour: Option<Colour>,
    /// Legend names for the bars and the previous-period marker (e.g. "This week", "Last
    /// week"). The legend is drawn when some bar has a previous value.
    pub current_name: String,
    pub previous_name: String,
}

/// Shares of one whole, for [`share_of_voice`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShareChart {
    pub title: String,
    /// An optional sentence put first in the chart's `<desc>`.
    pub summary: String,
    pub number: NumberStyle,
    /// Name and value, in the order drawn; colours follow [`Colour::nth`]. Negative and
    /// non-finite values count as 0.
    pub parts: Vec<(String, f64)>,
}

const WIDTH: f64 = 640.0;
const ROW: f64 = 26.0;
const BAR_HEIGHT: f64 = 16.0;
const MARKER: &str = "#000000";

/// Horizontal bars: label, bar, value; a previous-period marker where given. The longest
/// bar (or marker) spans the plot.
pub fn bar(chart: &BarChart) -> String {
    let style = chart.number;
    let colour = chart.colour.unwrap_or(Colour::Blue).hex();
    let has_previous = chart.bars.iter().any(|b| b.previous.is_some());
    let length = |v: f64| finite_or_zero(v).max(0.0);
    let max = chart
        .bars
        .iter()
        .flat_map(|b| [Some(b.value), b.previous])
        .flatten()
        .map(length)
        .fold(0.0, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };

    let labels: Vec<String> = chart
        .bars
        .iter()
        .map(|b| truncate(&b.label, FONT, 180.0))
        .collect();
    let values: Vec<String> = chart
        .bars
        .iter()
        .map(|b| format_number(b.value, style))
        .collect();
    let label_width = labels
        .iter()
        .map(|l| text_width(l, FONT))
        .fold(0.0, f64::max);
    let value_width = values
        .iter()
        .map(|v| text_width(v, FONT))
        .fold(0.0, f64::max);
    let plot_left = 12.0 + label_width + 10.0;
    let plot_width = (WIDTH - 16.0 - value_width - 8.0 - plot_left).max(40.0);
    let x = |v: f64| plot_left + plot_width * length(v) / max;

    let mut top = header_height(&chart.title);
    let legend = has_previous && !(chart.current_name.is_empty() && chart.previous_name.is_empty());
    let rows_top = top + if legend { 24.0 } else { 0.0 };
    let height = rows_top + ROW * chart.bars.len().max(1) as f64 + 10.0;
    let mut svg = Svg::new(WIDTH, height, &chart.title, &describe_bars(chart));
    draw_title(&mut svg, &chart.title);
    if legend {
        let y = top + 4.0;
        let current = truncate(&chart.current_name, FONT, 200.0);
        let _ = write!(
            svg,
            r#"<rect x="12" y="{}" width="12" height="12" fill="{colour}"/>"#,
            num(y)
        );
        svg.text(30.0, y + 10.0, "start", FONT, INK, false, &current, None);
        let x_prev = 30.0 + text_width(&current, FONT) + 18.0;
        let _ = write!(
            svg,
            r#"<path d="M{} {}v14" stroke="{MARKER}" stroke-width="2"/>"#,
            num(x_prev + 5.0),
            num(y - 1.0)
        );
        let previous = truncate(&chart.previous_name, FONT, 200.0);
        svg.text(
            x_prev + 14.0,
            y + 10.0,
            "start",
            FONT,
            INK,
            false,
            &previous,
            None,
        );
        top = rows_top;
    }

    for (i, item) in chart.bars.iter().enumerate() {
        let y = top + ROW * i as f64 + (ROW - BAR_HEIGHT) / 2.0;
        let full = Some(item.label.as_str()).filter(|full| *full != labels[i]);
        let baseline = y + BAR_HEIGHT / 2.0 + 4.0;
        svg.text(
            plot_left - 10.0,
            baseline,
            "end",
            FONT,
            INK,
            false,
            &labels[i],
            full,
        );
        let mut tooltip = format!("{}: {}", item.label, values[i]);
        if let Some(previous) = item.previous {
            let _ = write!(
                tooltip,
                " ({} {})",
                chart.previous_name,
                format_number(previous, style)
            );
        }
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{colour}"><title>{}</title></rect>"#,
            num(plot_left),
            num(y),
            num(x(item.value) - plot_left),
            num(BAR_HEIGHT),
            escape(&tooltip)
        );
        let mut value_x = x(item.value);
        if let Some(previous) = item.previous {
            let marker_x = x(previous);
            let _ = write!(
                svg,
                r#"<path d="M{} {}v{}" stroke="{MARKER}" stroke-width="2"><title>{}</title></path>"#,
                num(marker_x),
                num(y - 3.0),
                num(BAR_HEIGHT + 6.0),
                escape(&format!(
                    "{} {}",
                    chart.previous_name,
                    format_number(previous, style)
                ))
            );
            value_x = value_x.max(marker_x);
        }
        svg.text(
            value_x + 6.0,
            baseline,
            "start",
            FONT,
            INK,
            false,
            &values[i],
            None,
        );
    }
    svg.finish()
}

/// One bar of 100%, split between the parts, with the percentage inside each segment that
/// has room for it and a legend (name, percentage, value) below. Percentages are whole
/// numbers that add up to 100 (largest remainder); a zero total draws an empty bar and 0%.
pub fn share_of_voice(chart: &ShareChart) -> String {
    let style = chart.number;
    let values: Vec<f64> = chart
        .parts
        .iter()
        .map(|(_, v)| finite_or_zero(*v).max(0.0))
        .collect();
    let total: f64 = values.iter().sum();
    let percents = whole_percents(&values, total);
    let percent_texts: Vec<String> = percents
        .iter()
        .map(|p| style.format_percent(*p as f64))
        .collect();

    // Lay the legend out first: its rows decide the height.
    let top = header_height(&chart.title);
    let bar_top = top + 4.0;
    let bar_height = 32.0;
    let mut items = Vec::with_capacity(chart.parts.len());
    let (mut lx, mut ly) = (12.0, bar_top + bar_height + 14.0);
    for (i, (name, _)) in chart.parts.iter().enumerate() {
        let name = truncate(name, FONT, 180.0);
        let text = format!(
            "{name} {} ({})",
            percent_texts[i],
            format_number(values[i], style)
        );
        let item_width = 18.0 + text_width(&text, FONT) + 16.0;
        if lx > 12.0 && lx + item_width > WIDTH - 12.0 {
            lx = 12.0;
            ly += 18.0;
        }
        items.push((lx, ly, text));
        lx += item_width;
    }
    let height = if items.is_empty() {
        bar_top + bar_height + 12.0
    } else {
        ly + 22.0
    };

    let mut svg = Svg::new(
        WIDTH,
        height,
        &chart.title,
        &describe_shares(chart, &values, &percent_texts),
    );
    draw_title(&mut svg, &chart.title);
    let (left, width) = (12.0, WIDTH - 24.0);
    let _ = write!(
        svg,
        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#f0f0f0"/>"##,
        num(left),
        num(bar_top),
        num(width),
        num(bar_height)
    );
    let mut x = left;
    for (i, (name, _)) in chart.parts.iter().enumerate() {
        if total <= 0.0 || values[i] <= 0.0 {
            continue;
        }
        let segment = width * values[i] / total;
        let colour = Colour::nth(i);
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>"#,
            num(x),
            num(bar_top),
            num(segment),
            num(bar_height),
            colour.hex(),
            escape(&format!(
                "{name}: {} ({})",
                percent_texts[i],
                format_number(values[i], style)
            ))
        );
        if text_width(&percent_texts[i], FONT) + 8.0 <= segment {
            let y = bar_top + bar_height / 2.0 + 4.0;
            svg.text(
                x + segment / 2.0,
                y,
                "middle",
                FONT,
                colour.text_on(),
                true,
                &percent_texts[i],
                None,
            );
        }
        x += segment;
    }
    for (i, (lx, ly, text)) in items.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{}" width="12" height="12" fill="{}"/>"#,
            num(*lx),
            num(*ly),
            Colour::nth(i).hex()
        );
        svg.text(lx + 18.0, ly + 10.0, "start", FONT, INK, false, text, None);
    }
    svg.finish()
}

/// Whole percentages of `total` that add up to exactly 100 (0 everywhere for a zero total).
fn whole_percents(values: &[f64], total: f64) -> Vec<u32> {
    if total <= 0.0 {
        return vec![0; values.len()];
    }
    let raw: Vec<f64> = values.iter().map(|v| v / total * 100.0).collect();
    let mut whole: Vec<u32> = raw.iter().map(|r| r.floor() as u32).collect();
    let missing = 100u32.saturating_sub(whole.iter().sum());
    let mut by_remainder: Vec<usize> = (0..values.len()).collect();
    // Largest remainder first; ties keep the given order, so the result is deterministic.
    by_remainder.sort_by(|&a, &b| (raw[b] - raw[b].floor()).total_cmp(&(raw[a] - raw[a].floor())));
    for &i in by_remainder.iter().take(missing as usize) {
        whole[i] += 1;
    }
    whole
}

fn header_height(title: &str) -> f64 {
    if title.is_empty() { 12.0 } else { 44.0 }
}

fn draw_title(svg: &mut Svg, title: &str) {
    if !title.is_empty() {
        let shown = truncate(title, TITLE_FONT, WIDTH - 24.0);
        svg.text(12.0, 26.0, "start", TITLE_FONT, INK, true, &shown, None);
    }
}

fn describe_bars(chart: &BarChart) -> String {
    let style = chart.number;
    let rows: Vec<String> = chart
        .bars
        .iter()
        .map(|b| {
            let mut row = format!("{} {}", b.label, format_number(b.value, style));
            if let Some(previous) = b.previous {
                let _ = write!(
                    row,
                    " ({} {})",
                    chart.previous_name,
                    format_number(previous, style)
                );
            }
            row
        })
        .collect();
    join_summary(&chart.summary, &rows)
}

fn describe_shares(chart: &ShareChart, values: &[f64], percents: &[String]) -> String {
    let rows: Vec<String> = chart
        .parts
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            format!(
                "{name} {} ({})",
                percents[i],
                format_number(values[i], chart.number)
            )
        })
        .collect();
    join_summary(&chart.summary, &rows)
}

fn join_summary(summary: &str, rows: &[String]) -> String {
    match (summary.is_empty(), rows.is_empty()) {
        (_, true) => summary.to_owned(),
        (true, false) => rows.join(", "),
        (false, false) => format!("{summary}. {}", rows.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_percents_add_up_to_one_hundred() {
        assert_eq!(whole_percents(&[1.0, 1.0, 1.0], 3.0), [34, 33, 33]);
        assert_eq!(whole_percents(&[2.0, 1.0], 3.0), [67, 33]);
        assert_eq!(whole_percents(&[0.0, 0.0], 0.0), [0, 0]);
        assert_eq!(whole_percents(&[999.0, 1.0], 1000.0), [100, 0]);
    }
}
