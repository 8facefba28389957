//! The parsing context: a rule's diagnostics, and readers for its keys' values (booleans,
//! counts, text, templates, option lists and search checks).

use crate::check::{self, SearchCheck};
use crate::diagnostic::Diagnostic;
use crate::template::{Template, TemplateNotes};
use crate::yaml::{Node, ScalarKind, Value};

/// One key of a mapping, lower-cased, with where it was written.
pub(super) struct Entry<'a> {
    pub(super) key: String,
    pub(super) line: usize,
    pub(super) value: &'a Node,
}

/// Which object a group of keys describes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TargetKind {
    Base,
    Parent,
}

/// The state of parsing one rule: where its diagnostics go and what is known so far.
pub(super) struct Cx<'d> {
    pub(super) document: usize,
    /// The rule's name (its first comment line, or `rule N`), for messages that name it.
    pub(super) rule_name: String,
    pub(super) diagnostics: &'d mut Vec<Diagnostic>,
    /// Why the rule can never apply in Tend (first reason wins), with its line and key.
    pub(super) never: Option<(usize, String, String)>,
    /// Actions Tend cannot perform (`set_sticky` …).
    pub(super) unsupported_actions: Vec<String>,
    pub(super) errors: bool,
}

impl Cx<'_> {
    pub(super) fn error(&mut self, line: usize, key: Option<&str>, message: impl Into<String>) {
        self.errors = true;
        self.diagnostics
            .push(Diagnostic::error(self.document, line, key, message));
    }

    pub(super) fn warn(&mut self, line: usize, key: Option<&str>, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::warning(self.document, line, key, message));
    }

    pub(super) fn never(&mut self, line: usize, key: &str, why: impl Into<String>) {
        if self.never.is_none() {
            self.never = Some((line, key.to_string(), why.into()));
        }
    }

    pub(super) fn entries<'a>(&mut self, node: &'a Node) -> Vec<Entry<'a>> {
        let Value::Map(pairs) = &node.value else {
            return Vec::new();
        };
        let mut out: Vec<Entry<'a>> = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            let Some(scalar) = key.as_scalar() else {
                self.error(
                    key.line,
                    None,
                    "keys must be single words, not lists or mappings",
                );
                continue;
            };
            let name = scalar.py_str().trim().to_lowercase();
            if let Some(at) = out.iter().position(|e| e.key == name) {
                self.warn(
                    key.line,
                    Some(&name),
                    format!(
                        "`{name}` is already defined on line {}; the later definition wins",
                        out[at].line
                    ),
                );
                out.remove(at);
            }
            out.push(Entry {
                key: name,
                line: key.line,
                value,
            });
        }
        out
    }

    pub(super) fn bool(&mut self, entry: &Entry) -> Option<bool> {
        match entry.value.as_scalar().and_then(|s| s.as_bool()) {
            Some(b) => Some(b),
            None => {
                self.error(
                    entry.line,
                    Some(&entry.key),
                    format!("expected true or false, found {}", describe(entry.value)),
                );
                None
            }
        }
    }

    pub(super) fn int(&mut self, entry: &Entry) -> Option<i64> {
        let parsed = entry.value.as_scalar().and_then(|s| {
            s.as_int().or_else(|| match s.kind {
                ScalarKind::Str => s.text.trim().parse().ok(),
                _ => None,
            })
        });
        if parsed.is_none() {
            self.error(
                entry.line,
                Some(&entry.key),
                format!("expected a whole number, found {}", describe(entry.value)),
            );
        }
        parsed
    }

    pub(super) fn count(&mut self, entry: &Entry) -> Option<u32> {
        let value = self.int(entry)?;
        match u32::try_from(value) {
            Ok(v) => Some(v),
            Err(_) => {
                self.error(entry.line, Some(&entry.key), "expected a number from 0 up");
                None
            }
        }
    }

    /// A single value as Python's `str()` renders it.
    pub(super) fn text(&mut self, entry: &Entry) -> Option<String> {
        match entry.value.as_scalar() {
            Some(s) => Some(s.py_str()),
            None => {
                self.error(
                    entry.line,
                    Some(&entry.key),
                    format!("expected a single value, found {}", entry.value.shape()),
                );
                None
            }
        }
    }

    pub(super) fn template_from(&mut self, text: &str, line: usize, key: &str) -> Template {
        let mut notes = TemplateNotes::default();
        let template = Template::parse(text, &mut notes);
        for unknown in notes.unknown {
            self.warn(
                line,
                Some(key),
                format!("unknown placeholder {{{{{unknown}}}}} is left as written"),
            );
        }
        if notes.uses_media {
            self.never(line, key, "it uses a {{media_…}} placeholder; AutoModerator skips such rules on items without a media embed, and Tend items have none");
        }
        template
    }

    pub(super) fn template(&mut self, entry: &Entry) -> Option<Template> {
        let text = self.text(entry)?;
        Some(self.template_from(&text, entry.line, &entry.key))
    }

    /// A search check's options: a single value or a list of single values, each as `str()`.
    pub(super) fn options(&mut self, entry: &Entry) -> Option<Vec<(String, usize)>> {
        match &entry.value.value {
            Value::Scalar(s) => Some(vec![(s.py_str(), entry.value.line)]),
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item.as_scalar() {
                        Some(s) => out.push((s.py_str(), item.line)),
                        None => {
                            self.error(
                                item.line,
                                Some(&entry.key),
                                format!("list items must be single values, found {}", item.shape()),
                            );
                            return None;
                        }
                    }
                }
                Some(out)
            }
            Value::Map(_) => {
                self.error(
                    entry.line,
                    Some(&entry.key),
                    "expected a value or a list of values, found a mapping",
                );
                None
            }
        }
    }

    pub(super) fn search_check(
        &mut self,
        entry: &Entry,
        key: check::SearchKey,
    ) -> Option<SearchCheck> {
        let options = self.options(entry)?;
        let texts: Vec<String> = options.iter().map(|(t, _)| t.clone()).collect();
        match key.compile(&texts) {
            Ok(compiled) => Some(SearchCheck {
                key: entry.key.clone(),
                name: key.name.clone(),
                line: entry.line,
                negated: key.negated,
                fields: key.fields,
                regex: compiled.regex,
                literals: compiled.literals,
                required_run: compiled.required_run,
                slot: None,
            }),
            Err(error) => {
                let (line, what) = match error.option {
                    Some(index) => (options[index].1, format!("option `{}`", options[index].0)),
                    None => (entry.line, "the combined options".to_string()),
                };
                self.error(
                    line,
                    Some(&entry.key),
                    format!("unsupported regex in {what}: {}", error.message),
                );
                None
            }
        }
    }
}

pub(super) fn describe(node: &Node) -> String {
    match node.as_scalar() {
        Some(s) => format!("`{}`", s.py_str()),
        None => node.shape().to_string(),
    }
}
