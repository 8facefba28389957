//! Located messages about a rule file: every error and warning names the document (1-based,
//! counted as YAML counts them), the file line and, where there is one, the key.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The rule still loads; something in it is ignored or can never match in Tend.
    Warning,
    /// The rule file is refused.
    Error,
}

/// One message about a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based document number (the rule).
    pub document: usize,
    /// 1-based line in the whole file.
    pub line: usize,
    /// The key as written (lower-cased), e.g. `title (regex)`, when the message is about one.
    pub key: Option<String>,
    /// What is wrong, in a sentence without a trailing period.
    pub message: String,
    pub severity: Severity,
}

impl Diagnostic {
    pub(crate) fn error(
        document: usize,
        line: usize,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            document,
            line,
            key: key.map(str::to_string),
            message: message.into(),
            severity: Severity::Error,
        }
    }

    pub(crate) fn warning(
        document: usize,
        line: usize,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(document, line, key, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Displays the diagnostic prefixed with a file name: `rules.yaml: document 3, line 14, …`.
    pub fn in_file<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        InFile {
            file,
            diagnostic: self,
        }
    }
}

/// `document 3, line 14, key "title (regex)": message` (warnings say `warning: ` before the
/// message).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "document {}, line {}", self.document, self.line)?;
        if let Some(key) = &self.key {
            write!(f, ", key \"{key}\"")?;
        }
        f.write_str(": ")?;
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        f.write_str(&self.message)
    }
}

struct InFile<'a> {
    file: &'a str,
    diagnostic: &'a Diagnostic,
}

impl fmt::Display for InFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.diagnostic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_document_line_and_key() {
        let d = Diagnostic::error(3, 14, Some("title (regex)"), "unbalanced parenthesis");
        assert_eq!(
            d.in_file("rules.yaml").to_string(),
            "rules.yaml: document 3, line 14, key \"title (regex)\": unbalanced parenthesis"
        );
        let w = Diagnostic::warning(1, 2, None, "ignored");
        assert_eq!(w.to_string(), "document 1, line 2: warning: ignored");
    }
}
