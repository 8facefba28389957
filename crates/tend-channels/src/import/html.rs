//! HTML to plain text for importers whose platform gives bodies as HTML (Stack
//! Exchange posts, Reddit `body_html`, Discourse `cooked` …). A small hand-written
//! converter, not a browser: tags are dropped, entities decoded (`html-escape`,
//! all HTML5 named and numeric references), whitespace collapsed as a browser
//! would outside `<pre>`, and block elements (`p`, `div`, `li`, headings …) become
//! line breaks so paragraphs stay apart. A link keeps its text and, when the text
//! is not the address itself, the address in brackets. `<script>` and `<style>`
//! contents are dropped. Never panics; runs in linear time.

use std::borrow::Cow;

/// The plain text of an HTML fragment: tags dropped, entities decoded,
/// paragraphs separated by a blank line, lines trimmed.
pub fn to_text(html: &str) -> String {
    let mut out = Out::default();
    let mut rest = html;
    // Open `<a>` elements' targets, innermost last (bounded by the input length).
    let mut links: Vec<(Option<String>, usize)> = Vec::new();
    let mut pre_depth = 0usize;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            out.text(rest, pre_depth > 0);
            break;
        };
        let (before, from_lt) = rest.split_at(lt);
        out.text(before, pre_depth > 0);
        if let Some(after) = from_lt.strip_prefix("<!--") {
            rest = after
                .find("-->")
                .map_or("", |end| after.get(end + 3..).unwrap_or(""));
            continue;
        }
        let Some(tag) = Tag::parse(from_lt) else {
            // A lone `<` (e.g. `a < b` in sloppy HTML) is text.
            out.text("<", pre_depth > 0);
            rest = from_lt.get(1..).unwrap_or("");
            continue;
        };
        rest = from_lt.get(tag.len..).unwrap_or("");
        let name = tag.name.to_ascii_lowercase();
        match name.as_str() {
            "script" | "style" if !tag.closing => {
                let close = format!("</{name}");
                rest = find_ascii_ci(rest, &close)
                    .and_then(|i| rest.get(i..))
                    .and_then(|r| r.find('>').and_then(|j| r.get(j + 1..)))
                    .unwrap_or("");
            }
            "br" => out.newline(),
            "pre" => {
                out.paragraph();
                pre_depth = if tag.closing {
                    pre_depth.saturating_sub(1)
                } else {
                    pre_depth + 1
                };
            }
            "li" if !tag.closing => {
                out.newline();
                out.raw("- ");
            }
            "a" if !tag.closing => links.push((tag.attr("href"), out.buf.len())),
            "a" => {
                if let Some((Some(href), start)) = links.pop() {
                    // Compare only labels about as long as the address, so that
                    // many nested links cannot make this quadratic.
                    let raw = out.buf.get(start..).unwrap_or("");
                    let differs = raw.len() > href.len() + 4 || {
                        let label = raw.trim();
                        !label.is_empty() && label != href
                    };
                    let is_web = href.starts_with("http://") || href.starts_with("https://");
                    if is_web && differs {
                        out.raw(&format!(" ({href})"));
                    }
                }
            }
            "img" => {
                if let Some(alt) = tag.attr("alt").filter(|a| !a.trim().is_empty()) {
                    out.text(&format!("[{alt}]"), false);
                }
            }
            "p" | "div" | "ul" | "ol" | "blockquote" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            | "table" | "hr" | "section" | "article" | "header" | "footer" | "aside" => {
                out.paragraph()
            }
            "tr" | "dt" | "dd" | "figcaption" => out.newline(),
            "td" | "th" if !tag.closing => out.raw(" "),
            _ => {}
        }
    }
    out.finish()
}

/// The text being built: pending whitespace is resolved lazily so that
/// runs of spaces and breaks collapse.
#[derive(Default)]
struct Out {
    buf: String,
    /// Pending break: 0 none, 1 space, 2 newline, 3 blank line.
    pending: u8,
}

impl Out {
    fn flush(&mut self) {
        if self.buf.is_empty() {
            self.pending = 0;
            return;
        }
        match self.pending {
            1 => self.buf.push(' '),
            2 => self.buf.push('\n'),
            3 => self.buf.push_str("\n\n"),
            _ => {}
        }
        self.pending = 0;
    }

    fn raw(&mut self, s: &str) {
        self.flush();
        self.buf.push_str(s);
    }

    fn text(&mut self, s: &str, pre: bool) {
        if s.is_empty() {
            return;
        }
        let decoded: Cow<'_, str> = html_escape::decode_html_entities(s);
        if pre {
            self.flush();
            self.buf.push_str(&decoded);
            return;
        }
        for (i, word) in decoded.split(is_html_space).enumerate() {
            if i > 0 {
                self.pending = self.pending.max(1);
            }
            if !word.is_empty() {
                self.flush();
                self.buf.push_str(word);
            }
        }
    }

    fn newline(&mut self) {
        self.pending = self.pending.max(2);
    }

    fn paragraph(&mut self) {
        self.pending = 3;
    }

    fn finish(self) -> String {
        let lines: Vec<&str> = self.buf.lines().map(str::trim_end).collect();
        let mut text = String::with_capacity(self.buf.len());
        let mut blank_run = 0;
        for line in lines {
            if line.is_empty() {
                blank_run += 1;
                if blank_run > 1 {
                    continue;
                }
            } else {
                blank_run = 0;
            }
            text.push_str(line);
            text.push('\n');
        }
        text.trim().to_string()
    }
}

fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// Case-insensitive ASCII search.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let hay = haystack.as_bytes();
    let needle = needle.as_bytes();
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).find(|&i| {
        hay.get(i..i + needle.len())
            .is_some_and(|window| window.eq_ignore_ascii_case(needle))
    })
}

/// One tag: `<name attrs>` or `</name>`.
struct Tag<'a> {
    name: &'a str,
    closing: bool,
    attrs: &'a str,
    /// Bytes from `<` through `>`.
    len: usize,
}

impl<'a> Tag<'a> {
    /// Parses a tag at the start of `s` (which begins with `<`); `None` if it
    /// is not one (then the `<` is text).
    fn parse(s: &'a str) -> Option<Tag<'a>> {
        let body = s.strip_prefix('<')?;
        let (closing, body) = match body.strip_prefix('/') {
            Some(b) => (true, b),
            None => (false, body),
        };
        let name_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '!' || c == '?'))
            .unwrap_or(body.len());
        if name_len == 0 {
            return None;
        }
        let name = body.get(..name_len)?;
        // Find the closing `>`, skipping quoted attribute values.
        let mut quote: Option<char> = None;
        let mut end = None;
        for (i, c) in body.char_indices().skip(name_len) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        // An unterminated tag swallows the rest, as a browser would.
        let end = end.unwrap_or(body.len());
        let attrs = body.get(name_len..end).unwrap_or("");
        let len = 1 + usize::from(closing) + end + usize::from(end < body.len());
        Some(Tag {
            name,
            closing,
            attrs,
            len,
        })
    }

    /// The decoded value of an attribute, if present.
    fn attr(&self, wanted: &str) -> Option<String> {
        let mut rest = self.attrs;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() {
                return None;
            }
            let key_len = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
                .unwrap_or(rest.len());
            let key = rest.get(..key_len)?;
            rest = rest.get(key_len..)?.trim_start();
            let value = if let Some(after_eq) = rest.strip_prefix('=') {
                let after_eq = after_eq.trim_start();
                let (value, after) = match after_eq.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let inner = after_eq.get(1..)?;
                        let close = inner.find(q).unwrap_or(inner.len());
                        (inner.get(..close)?, inner.get(close + 1..).unwrap_or(""))
                    }
                    _ => {
                        let close = after_eq.find(char::is_whitespace).unwrap_or(after_eq.len());
                        (after_eq.get(..close)?, after_eq.get(close..).unwrap_or(""))
                    }
                };
                rest = after;
                value
            } else {
                ""
            };
            if key.eq_ignore_ascii_case(wanted) {
                return Some(html_escape::decode_html_entities(value).into_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn paragraphs_become_blank_lines_and_entities_are_decoded() {
        let html = "<p>Fish &amp; chips&nbsp;&mdash; &#x263A;</p>\n\n<p>Second   para\nline</p>";
        assert_eq!(to_text(html), "Fish & chips\u{a0}— ☺\n\nSecond para line");
    }

    #[test]
    fn lists_breaks_and_pre_keep_their_shape() {
        let html = "<ul>\n<li>one</li>\n<li>two</li>\n</ul><p>a<br>b</p><pre><code>x  =  1\n  y\n</code></pre>";
        assert_eq!(to_text(html), "- one\n- two\n\na\nb\n\nx  =  1\n  y");
    }

    #[test]
    fn links_keep_text_and_address() {
        let html = r#"See <a href="https://example.org/?a=1&amp;b=2" rel="nofollow">the docs</a> or <a href="https://x.y">https://x.y</a>."#;
        assert_eq!(
            to_text(html),
            "See the docs (https://example.org/?a=1&b=2) or https://x.y."
        );
    }

    #[test]
    fn comments_scripts_and_stray_brackets() {
        let html = "<!-- SC_OFF --><div class=\"md\"><p>1 < 2 and 3 > 2</p><script>alert(1)</script></div><!-- SC_ON -->";
        assert_eq!(to_text(html), "1 < 2 and 3 > 2");
    }

    #[test]
    fn many_nested_links_and_unclosed_tags_stay_linear() {
        let n = 20_000;
        let html = format!(
            "{}{}{}{}",
            "<a href=\"https://x.y\">".repeat(n),
            "word ".repeat(n * 10),
            "</a>".repeat(n),
            "<script>".repeat(n)
        );
        let started = std::time::Instant::now();
        let text = to_text(&html);
        assert!(text.starts_with("word word"));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn hostile_fragments_do_not_panic() {
        for html in [
            "<",
            "</",
            "<a",
            "<a href='",
            "<!--",
            "<p>é<",
            "&",
            "&#xFFFFFFFF;",
            "<script>",
            "</a></a>",
            "<é>",
        ] {
            let _ = to_text(html);
        }
    }
}
