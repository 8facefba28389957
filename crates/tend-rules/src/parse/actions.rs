//! Action values with structure: `set_flair` and `notify`.

use super::values::{Cx, Entry};
use crate::action::NotifyTarget;
use crate::rule::FlairSpec;
use crate::template::Template;
use crate::yaml::{Node, Value};

pub(super) fn flair(cx: &mut Cx, entry: &Entry) -> Option<FlairSpec> {
    let key = entry.key.as_str();
    let part = |cx: &mut Cx, node: &Node| -> Option<Template> {
        match node.as_scalar() {
            Some(s) => Some(cx.template_from(&s.py_str(), node.line, key)),
            None => {
                cx.error(
                    node.line,
                    Some(key),
                    format!("expected text, found {}", node.shape()),
                );
                None
            }
        }
    };
    match &entry.value.value {
        Value::Scalar(_) => Some(FlairSpec {
            text: part(cx, entry.value),
            css_class: None,
        }),
        Value::Seq(items) if (1..=2).contains(&items.len()) => Some(FlairSpec {
            text: part(cx, &items[0]),
            css_class: items.get(1).and_then(|n| part(cx, n)),
        }),
        Value::Seq(_) => {
            cx.error(entry.line, Some(key), "expected `text`, `[text, css_class]` or a mapping with text, css_class, template_id");
            None
        }
        Value::Map(_) => {
            let mut spec = FlairSpec::default();
            for inner in cx.entries(entry.value) {
                match inner.key.as_str() {
                    "text" => spec.text = part(cx, inner.value),
                    "css_class" => spec.css_class = part(cx, inner.value),
                    "template_id" => cx.warn(
                        inner.line,
                        Some("set_flair"),
                        "Tend has no flair templates; `template_id` is ignored",
                    ),
                    other => cx.error(
                        inner.line,
                        Some(key),
                        format!(
                            "unknown flair key `{other}` (expected text, css_class, template_id)"
                        ),
                    ),
                }
            }
            if spec.text.is_none() && spec.css_class.is_none() {
                cx.unsupported_actions
                    .push("set_flair with only template_id".to_string());
                return None;
            }
            Some(spec)
        }
    }
}

/// An `http://` or `https://` URL (scheme in any case) with a non-empty host, no
/// whitespace or control characters, at most 2,000 bytes: what a webhook may be.
fn is_web_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &text[8..]
    } else if lower.starts_with("http://") {
        &text[7..]
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    text.len() <= 2_000
        && !host.is_empty()
        && !host.starts_with(':')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub(super) fn notify_targets(cx: &mut Cx, entry: &Entry) -> Vec<NotifyTarget> {
    let nodes: Vec<&Node> = match &entry.value.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![entry.value],
    };
    let mut out = Vec::new();
    for node in nodes {
        match &node.value {
            Value::Scalar(s) if !s.py_str().trim().is_empty() => {
                out.push(NotifyTarget::Teammate(s.py_str().trim().to_string()));
            }
            Value::Map(_) => {
                for inner in cx.entries(node) {
                    let Some(text) = inner
                        .value
                        .as_scalar()
                        .map(|s| s.py_str().trim().to_string())
                    else {
                        cx.error(inner.line, Some("notify"), "expected a single value");
                        continue;
                    };
                    match inner.key.as_str() {
                        "webhook" if is_web_url(&text) => {
                            out.push(NotifyTarget::Webhook(text));
                        }
                        "webhook" => {
                            let message = format!(
                                "rule “{}”: a webhook must be an http:// or https:// URL with a host \
                                 (at most 2,000 characters, no spaces), not `{}`",
                                cx.rule_name,
                                text.chars().take(80).collect::<String>()
                            );
                            cx.error(inner.line, Some("notify"), message);
                        }
                        "teammate" if !text.is_empty() => out.push(NotifyTarget::Teammate(text)),
                        other => cx.error(
                            inner.line,
                            Some("notify"),
                            format!("unknown notify key `{other}` (expected webhook or teammate)"),
                        ),
                    }
                }
            }
            _ => cx.error(
                node.line,
                Some("notify"),
                "expected a teammate, `{webhook: url}` or a list of those",
            ),
        }
    }
    out
}
