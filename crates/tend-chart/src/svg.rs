//! The SVG writer every chart uses: the root element with its accessible name and
//! description, XML escaping, compact numbers, and text measurement by estimate.
//!
//! Every piece of text goes through [`escape`]; every coordinate through [`num`]. Charts
//! never write markup by hand around user text.

use std::fmt::Write;

/// Font size of axis labels, legends and values.
pub(crate) const FONT: f64 = 11.0;
/// Font size of the title.
pub(crate) const TITLE_FONT: f64 = 14.0;
/// Colour of text and axis labels.
pub(crate) const INK: &str = "#333333";
/// Colour of secondary text (tick labels).
pub(crate) const MUTED: &str = "#666666";
/// Colour of grid lines.
pub(crate) const GRID: &str = "#e5e5e5";

/// A chart being written: the markup after the root element's opening tag.
pub(crate) struct Svg {
    width: f64,
    height: f64,
    title: String,
    desc: String,
    body: String,
}

impl Svg {
    pub fn new(width: f64, height: f64, title: &str, desc: &str) -> Svg {
        Svg {
            width,
            height,
            title: title.to_owned(),
            desc: desc.to_owned(),
            body: String::new(),
        }
    }

    /// Appends raw markup. Callers build it only from [`num`], [`escape`] and literals.
    pub fn raw(&mut self, markup: &str) {
        self.body.push_str(markup);
    }

    /// A text element; `anchor` is `start`, `middle` or `end`. `tooltip` adds a `<title>`.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        x: f64,
        y: f64,
        anchor: &str,
        size: f64,
        fill: &str,
        bold: bool,
        text: &str,
        tooltip: Option<&str>,
    ) {
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{anchor}" font-size="{}" fill="{fill}"{}>"#,
            num(x),
            num(y),
            num(size),
            if bold { r#" font-weight="600""# } else { "" },
        );
        if let Some(tooltip) = tooltip {
            let _ = write!(self.body, "<title>{}</title>", escape(tooltip));
        }
        let _ = write!(self.body, "{}</text>", escape(text));
    }

    /// The finished document.
    pub fn finish(self) -> String {
        let mut out = String::with_capacity(self.body.len() + self.desc.len() + 400);
        let _ = write!(
            out,
            concat!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" "#,
                r#"role="img" aria-label="{label}" font-family="system-ui, sans-serif" "#,
                r#"font-variant="tabular-nums"><title>{label}</title><desc>{desc}</desc>"#,
                r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##
            ),
            w = num(self.width),
            h = num(self.height),
            label = escape(&self.title),
            desc = escape(&self.desc),
        );
        out.push_str(&self.body);
        out.push_str("</svg>");
        out
    }
}

/// `text` safe inside an XML element or a double- or single-quoted attribute. Characters that
/// XML 1.0 cannot carry at all (control characters, U+FFFE, U+FFFF) become spaces or U+FFFD,
/// so hostile labels can never make a document ill-formed.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Chart code `write!`s markup built from [`num`], [`escape`] and literals.
impl Write for Svg {
    fn write_str(&mut self, markup: &str) -> std::fmt::Result {
        self.body.push_str(markup);
        Ok(())
    }
}

/// A coordinate rounded to one decimal, without a trailing `.0` or a negative zero.
pub(crate) fn num(value: f64) -> String {
    let rounded = (crate::number::finite_or_zero(value) * 10.0).round() / 10.0;
    if rounded == 0.0 {
        return "0".to_owned();
    }
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// Estimated rendered width of `text` at font size `size`: about 0.6 em per character, twice
/// that for wide (East Asian, emoji) characters. Erring wide keeps labels from touching.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    let ems: f64 = text.chars().map(char_ems).sum();
    ems * size
}

fn char_ems(c: char) -> f64 {
    match c as u32 {
        0x1100..=0x115f
        | 0x2e80..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0xffe0..=0xffe6
        | 0x1f300..=0x1faff
        | 0x20000..=0x3fffd => 1.2,
        // Combining marks take no room of their own.
        0x0300..=0x036f => 0.0,
        _ => 0.6,
    }
}

/// `text` cut with an ellipsis so that its estimated width fits `max_width`.
pub(crate) fn truncate(text: &str, size: f64, max_width: f64) -> String {
    if text_width(text, size) <= max_width {
        return text.to_owned();
    }
    let budget = max_width - text_width("…", size);
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        used += char_ems(c) * size;
        if used > budget {
            break;
        }
        out.push(c);
    }
    let kept = out.trim_end().len();
    out.truncate(kept);
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_quotes_and_characters_xml_cannot_carry() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &apos;y&apos;)&lt;/script&gt;"
        );
        assert_eq!(escape("a\u{0}b\nc\u{ffff}"), "a b c\u{fffd}");
        assert_eq!(escape("Åsa 😀"), "Åsa 😀");
    }

    #[test]
    fn numbers_are_rounded_to_one_decimal() {
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(-3.96), "-4");
    }

    #[test]
    fn truncate_adds_an_ellipsis_only_when_needed() {
        assert_eq!(truncate("short", FONT, 200.0), "short");
        let cut = truncate("a very long label that cannot fit", FONT, 80.0);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(text_width(&cut, FONT) <= 80.0);
        assert_eq!(truncate("abc", FONT, 0.0), "…");
    }
}
