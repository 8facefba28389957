//! A small HTML-to-plain-text converter for the HTML bodies Discourse (`cooked`) and
//! Mastodon (`content`) deliver: tags dropped, entities decoded, whitespace collapsed,
//! paragraphs and block elements kept as blank lines and `<br>` / list items as line
//! breaks, emoji images replaced by their `alt` text, `script` / `style` dropped. It is
//! linear in the input, never panics and needs no dependency. Private to this
//! importer group until the lead merges it with `import/html.rs`.

/// Plain text of an HTML fragment.
pub(in crate::import) fn to_text(html: &str) -> String {
    let mut out = TextBuilder::default();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => rest = tag(rest, &mut out),
            '&' => {
                let (decoded, used) = entity(rest);
                out.push_str(&decoded);
                rest = rest.get(used..).unwrap_or("");
            }
            _ => {
                out.push(c);
                rest = rest.get(c.len_utf8()..).unwrap_or("");
            }
        }
    }
    out.finish()
}

/// Decodes HTML character references in plain text (X writes `&amp;`, `&lt;` and
/// `&gt;` in tweet text) without touching anything else.
pub(in crate::import) fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(rest.get(..at).unwrap_or(""));
        let tail = rest.get(at..).unwrap_or("");
        let (decoded, used) = entity(tail);
        out.push_str(&decoded);
        rest = tail.get(used..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Tags after which a paragraph break (blank line) follows.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "details",
    "summary",
    "figure",
    "hr",
    "dl",
    "nav",
    "main",
    "figcaption",
];
/// Tags that end a line.
const LINE_TAGS: &[&str] = &["br", "li", "tr", "dt", "dd"];
/// Tags whose content is not text.
const SKIPPED_TAGS: &[&str] = &["script", "style", "template", "noscript"];

/// Handles the tag (or comment) at the start of `input` and returns the rest.
fn tag<'a>(input: &'a str, out: &mut TextBuilder) -> &'a str {
    if let Some(comment) = input.strip_prefix("<!--") {
        return comment
            .find("-->")
            .and_then(|end| comment.get(end + 3..))
            .unwrap_or("");
    }
    let Some(end) = tag_end(input) else {
        if input.contains('>') {
            // A lone `<` is text, as browsers treat it.
            out.push('<');
            return input.get(1..).unwrap_or("");
        }
        // No `>` anywhere after: no tag can follow, the rest is text. (Rescanning
        // for every later `<` would be quadratic on hostile input.)
        out.push_str(input);
        return "";
    };
    let inside = input.get(1..end).unwrap_or("");
    let rest = input.get(end + 1..).unwrap_or("");
    let closing = inside.starts_with('/');
    let name: String = inside
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if name.is_empty() {
        // `<!doctype …>`, `<?xml …>` and the like carry no text.
        return rest;
    }
    if !closing && SKIPPED_TAGS.contains(&name.as_str()) {
        return skip_element(rest, &name);
    }
    if name == "pre" {
        out.pre_depth = if closing {
            out.pre_depth.saturating_sub(1)
        } else {
            out.pre_depth.saturating_add(1)
        };
    }
    if BLOCK_TAGS.contains(&name.as_str()) {
        out.line_break(2);
    } else if LINE_TAGS.contains(&name.as_str()) {
        out.line_break(1);
    } else if name == "td" || name == "th" {
        out.push(' ');
    } else if name == "img" && !closing {
        let is_emoji = attribute(inside, "class").is_some_and(|class| class.contains("emoji"));
        if let Some(alt) = attribute(inside, "alt").filter(|_| is_emoji) {
            out.push_str(&decode_entities(&alt));
        }
    }
    rest
}

/// Longest tag source read with quote awareness; past it the first `>` ends the tag,
/// so an unclosed quote cannot make every later `<` rescan the whole input.
const MAX_QUOTED_TAG_BYTES: usize = 4096;

/// Index of the `>` that closes the tag starting at `input[0] == '<'`, skipping
/// quoted attribute values; `None` when it is not a tag.
fn tag_end(input: &str) -> Option<usize> {
    let bytes = input.as_bytes();
    let next = *bytes.get(1)?;
    if !(next.is_ascii_alphabetic() || next == b'/' || next == b'!' || next == b'?') {
        return None;
    }
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate().skip(1).take(MAX_QUOTED_TAG_BYTES) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(i),
            None => {}
        }
    }
    input.find('>')
}

/// Skips to after `</name>` (ASCII case-insensitive), or to the end.
fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let mut from = 0;
    while let Some(found) = rest.get(from..).and_then(|tail| tail.find("</")) {
        let at = from + found;
        let candidate = rest.get(at + 2..).unwrap_or("");
        let matches = candidate
            .get(..name.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(name));
        if matches {
            let after = rest.get(at..).unwrap_or("");
            return after
                .find('>')
                .and_then(|gt| after.get(gt + 1..))
                .unwrap_or("");
        }
        from = at + 2;
    }
    ""
}

/// The value of attribute `name` inside a tag's source (`img class="emoji" alt=":x:"`).
fn attribute(inside: &str, name: &str) -> Option<String> {
    let lower = inside.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower.get(from..)?.find(name) {
        let start = from + found;
        let before_ok = start == 0
            || lower
                .as_bytes()
                .get(start - 1)
                .is_some_and(|b| b.is_ascii_whitespace());
        let after = inside.get(start + name.len()..)?.trim_start();
        if before_ok && let Some(value) = after.strip_prefix('=') {
            let value = value.trim_start();
            let mut chars = value.chars();
            return match chars.next()? {
                q @ ('"' | '\'') => {
                    let body = chars.as_str();
                    Some(body.get(..body.find(q)?)?.to_string())
                }
                _ => Some(
                    value
                        .split(|c: char| c.is_ascii_whitespace() || c == '>')
                        .next()?
                        .to_string(),
                ),
            };
        }
        from = start + name.len();
    }
    None
}

/// Decodes the character reference at the start of `input` (`input[0] == '&'`):
/// the text and how many bytes it used. An unknown or malformed reference is a
/// literal `&`.
fn entity(input: &str) -> (String, usize) {
    let literal = ("&".to_string(), 1);
    let window = input.get(1..).unwrap_or("");
    let Some(semi) = window
        .char_indices()
        .take(33)
        .find(|(_, c)| *c == ';')
        .map(|(i, _)| i)
    else {
        return literal;
    };
    let name = window.get(..semi).unwrap_or("");
    let used = semi + 2;
    let decoded = if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse::<u32>().ok(),
        };
        let Some(code) = code else { return literal };
        // NUL and invalid code points become U+FFFD, as HTML parsers do.
        match char::from_u32(code).filter(|c| *c != '\0') {
            Some(c) => c.to_string(),
            None => '\u{FFFD}'.to_string(),
        }
    } else {
        match named_entity(name) {
            Some(text) => text.to_string(),
            None => return literal,
        }
    };
    (decoded, used)
}

/// The named references that occur in practice in forum and fediverse HTML.
fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "nbsp" | "ensp" | "emsp" | "thinsp" => " ",
        "shy" | "zwnj" | "zwj" => "",
        "ndash" => "\u{2013}",
        "mdash" => "\u{2014}",
        "hellip" => "\u{2026}",
        "lsquo" => "\u{2018}",
        "rsquo" => "\u{2019}",
        "ldquo" => "\u{201C}",
        "rdquo" => "\u{201D}",
        "laquo" => "\u{AB}",
        "raquo" => "\u{BB}",
        "bull" => "\u{2022}",
        "middot" => "\u{B7}",
        "copy" => "\u{A9}",
        "reg" => "\u{AE}",
        "trade" => "\u{2122}",
        "euro" => "\u{20AC}",
        "pound" => "\u{A3}",
        "yen" => "\u{A5}",
        "cent" => "\u{A2}",
        "deg" => "\u{B0}",
        "times" => "\u{D7}",
        "divide" => "\u{F7}",
        "auml" => "\u{E4}",
        "Auml" => "\u{C4}",
        "ouml" => "\u{F6}",
        "Ouml" => "\u{D6}",
        "aring" => "\u{E5}",
        "Aring" => "\u{C5}",
        "uuml" => "\u{FC}",
        "eacute" => "\u{E9}",
        "hearts" => "\u{2665}",
        _ => return None,
    })
}

/// Accumulates text with HTML whitespace rules: runs of whitespace are one space,
/// breaks are emitted lazily so none lead or trail.
#[derive(Default)]
struct TextBuilder {
    out: String,
    pending_space: bool,
    pending_breaks: u8,
    pre_depth: u32,
}

impl TextBuilder {
    fn push(&mut self, c: char) {
        let c = if c == '\0' { '\u{FFFD}' } else { c };
        if self.pre_depth == 0 && c.is_whitespace() && c != '\u{A0}' {
            self.pending_space = true;
            return;
        }
        if c == '\u{A0}' {
            self.pending_space = true;
            return;
        }
        self.flush();
        self.out.push(c);
    }

    fn push_str(&mut self, text: &str) {
        for c in text.chars() {
            self.push(c);
        }
    }

    fn line_break(&mut self, n: u8) {
        self.pending_breaks = self.pending_breaks.max(n);
        self.pending_space = false;
    }

    fn flush(&mut self) {
        if self.out.is_empty() {
            self.pending_breaks = 0;
            self.pending_space = false;
            return;
        }
        if self.pending_breaks > 0 {
            let trimmed = self.out.trim_end_matches(' ').len();
            self.out.truncate(trimmed);
            for _ in 0..self.pending_breaks {
                self.out.push('\n');
            }
        } else if self.pending_space && !self.out.ends_with(['\n', ' ']) {
            self.out.push(' ');
        }
        self.pending_breaks = 0;
        self.pending_space = false;
    }

    fn finish(self) -> String {
        self.out.trim_end().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paragraphs_become_blank_lines_and_breaks_newlines() {
        assert_eq!(
            to_text("<p>Hello   <b>world</b></p>\n\n<p>line one<br>line two</p>"),
            "Hello world\n\nline one\nline two"
        );
    }

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(
            to_text("<p>&quot;a&quot; &amp;amp; &lt;b&gt; &#8217; &#x1F600; &bogus; & x</p>"),
            "\"a\" &amp; <b> \u{2019} \u{1F600} &bogus; & x"
        );
        assert_eq!(decode_entities("Fish &amp; chips &lt;3"), "Fish & chips <3");
        assert_eq!(decode_entities("&#0;"), "\u{FFFD}");
    }

    #[test]
    fn mastodon_link_spans_give_the_whole_url() {
        let html = r#"<p><a href="https://x.org/a/b"><span class="invisible">https://</span><span class="ellipsis">x.org/a</span><span class="invisible">/b</span></a></p>"#;
        assert_eq!(to_text(html), "https://x.org/a/b");
    }

    #[test]
    fn emoji_images_keep_their_alt_and_other_images_vanish() {
        let html = r#"<p>fix <img src="/w.png" title=":wrench:" class="emoji" alt=":wrench:"> it <img src="a.gif" alt="photo"></p>"#;
        assert_eq!(to_text(html), "fix :wrench: it");
    }

    #[test]
    fn lists_scripts_comments_and_broken_tags() {
        assert_eq!(
            to_text("<ul><li>one</li><li>two</li></ul>after"),
            "one\ntwo\n\nafter"
        );
        assert_eq!(to_text("a<script>alert('<p>')</script>b<!-- c -->d"), "abd");
        assert_eq!(to_text("1 < 2 and <unclosed"), "1 < 2 and <unclosed");
        assert_eq!(to_text("<pre>a\n  b</pre>"), "a\n  b");
        assert_eq!(to_text(r#"<a title="x>y">link</a>"#), "link");
    }

    #[test]
    fn hostile_runs_of_unclosed_tags_are_linear_text() {
        let html = "<a \"".repeat(50_000);
        let started = std::time::Instant::now();
        let text = to_text(&html);
        assert!(text.starts_with("<a \"<a"));
        let script = "<script></script>".repeat(50_000) + "<b>end</b>";
        assert_eq!(to_text(&script), "end");
        assert!(
            started.elapsed().as_secs() < 5,
            "took {:?}",
            started.elapsed()
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_leaves_no_tags(html in ".{0,200}") {
            let text = to_text(&html);
            prop_assert!(!text.contains('\0'));
        }

        #[test]
        fn plain_words_survive(words in proptest::collection::vec("[a-zA-Z0-9]{1,8}", 1..10)) {
            let joined = words.join(" ");
            prop_assert_eq!(to_text(&format!("<p>{joined}</p>")), joined);
        }
    }
}
