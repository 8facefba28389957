//! Checks every chart test shares: the SVG parses as XML and keeps the crate's promises.
// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use roxmltree::Document;

/// Attributes that hold numbers or lists of numbers.
const NUMERIC: &[&str] = &[
    "x",
    "y",
    "width",
    "height",
    "cx",
    "cy",
    "r",
    "d",
    "points",
    "viewBox",
    "font-size",
];

/// Parses `svg` and asserts the invariants of every chart; returns the document.
pub fn check(svg: &str) -> Document<'_> {
    let doc = Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(root.attribute("width"), Some("100%"));
    assert_eq!(root.attribute("font-family"), Some("system-ui, sans-serif"));
    assert!(root.attribute("viewBox").is_some());
    let label = root.attribute("aria-label").expect("aria-label");
    let mut children = root.children().filter(|n| n.is_element());
    let title = children.next().expect("a first child");
    assert_eq!(title.tag_name().name(), "title");
    assert_eq!(title.text().unwrap_or(""), label);
    assert_eq!(
        children.next().expect("a second child").tag_name().name(),
        "desc"
    );

    for node in doc.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name();
        assert!(
            !["script", "foreignObject", "style", "a", "image", "use"].contains(&name),
            "unexpected <{name}>"
        );
        for attribute in node.attributes() {
            assert!(
                !attribute.name().to_ascii_lowercase().starts_with("on"),
                "event handler attribute {}",
                attribute.name()
            );
            if NUMERIC.contains(&attribute.name()) {
                let value = attribute.value();
                assert!(
                    !value.contains("NaN") && !value.contains("inf"),
                    "{name} {}={value}",
                    attribute.name()
                );
                for number in value
                    .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                    .filter(|s| !s.is_empty() && *s != "-")
                {
                    let parsed: f64 = number.parse().unwrap_or_else(|_| panic!("{value}"));
                    assert!(parsed.is_finite());
                    if let Some((_, decimals)) = number.split_once('.') {
                        assert!(decimals.len() <= 1, "{name} {}={value}", attribute.name());
                    }
                }
            }
            for colour_attribute in ["fill", "stroke"] {
                if attribute.name() == colour_attribute && attribute.value() != "none" {
                    let value = attribute.value();
                    assert!(
                        value.len() == 7 && value.starts_with('#'),
                        "{colour_attribute}={value}"
                    );
                }
            }
        }
    }
    doc
}

/// The text content of every `<text>` element, without its tooltip.
pub fn texts(doc: &Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.children()
                .filter(|c| c.is_text())
                .filter_map(|c| c.text())
                .collect::<String>()
        })
        .collect()
}

/// The text of every `<title>` element.
pub fn titles(doc: &Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("title"))
        .map(|n| n.text().unwrap_or("").to_owned())
        .collect()
}

/// The `<desc>` text.
pub fn desc(doc: &Document<'_>) -> String {
    doc.descendants()
        .find(|n| n.has_tag_name("desc"))
        .and_then(|n| n.text())
        .unwrap_or("")
        .to_owned()
}
