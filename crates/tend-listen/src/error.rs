//! The one error of this crate: a query that does not parse, with the column to show.

use std::fmt;

/// A query that could not be read: where (a 1-based column, counted in characters) and
/// why, in words a social media manager can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// 1-based column of the offending character, counted in Unicode scalar values
    /// (`chars`); one past the last character when the query ends too early.
    pub column: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl QueryError {
    pub(crate) fn new(column: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            column,
            message: message.into(),
        }
    }

    /// The query on one line with a caret under the column and the message after it:
    ///
    /// ```text
    /// lumora AND
    ///        ^ AND needs something on its right
    /// ```
    ///
    /// Line breaks and tabs in the query are shown as spaces so the caret lines up (in a
    /// monospaced font; wide characters such as CJK may shift it).
    pub fn render(&self, query: &str) -> String {
        let line: String = query
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        let pad = " ".repeat(self.column.saturating_sub(1));
        format!("{line}\n{pad}^ {}", self.message)
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for QueryError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_caret_under_the_column() {
        let error = QueryError::new(8, "AND needs something on its right");
        assert_eq!(
            error.render("lumora\tAND"),
            "lumora AND\n       ^ AND needs something on its right"
        );
        assert_eq!(
            error.to_string(),
            "column 8: AND needs something on its right"
        );
    }
}
