//! Full-text search over message titles and texts: the one dialect-specific part of
//! the inbox query.
//!
//! SQLite uses an external-content FTS5 table (`messages_fts`, kept in step by
//! triggers); PostgreSQL a generated `tsvector` column with a GIN index, in the
//! language-neutral `simple` configuration because messages come in many languages.
//! Both mean the same thing: every word of the query occurs in the title or text,
//! case-insensitively, diacritics significant. Words are runs of letters and digits.

use super::Backend;

/// The query text to bind, or `None` when the search has no words.
pub(crate) fn prepare(backend: Backend, text: &str) -> Option<String> {
    let words = words(text);
    if words.is_empty() {
        return None;
    }
    Some(match backend {
        // Each word as an FTS5 string literal (quotes doubled), so no user input is
        // read as FTS5 syntax (`NEAR`, `*`, column filters); juxtaposition means AND.
        Backend::Sqlite => words
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" "),
        // `plainto_tsquery` ignores operators and ANDs the words.
        Backend::Postgres => words.join(" "),
    })
}

/// The WHERE clause, with `?` for the prepared text.
pub(crate) fn clause(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            " AND m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)"
        }
        Backend::Postgres => " AND m.search @@ plainto_tsquery('simple', ?)",
    }
}

/// The SQLite clause of a search bounded below by a message id, with the numbers of
/// the prepared text's and the id's placeholders (FTS5 seeks to the id).
pub(crate) fn sqlite_window_clause(text: usize, lowest_id: usize) -> String {
    format!(
        " AND m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ${text} AND rowid >= ${lowest_id})"
    )
}

/// The words of a query: runs of letters and digits, at most 16 of at most 64 characters.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| w.chars().take(64).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_input_never_becomes_fts_syntax() {
        assert_eq!(
            prepare(Backend::Sqlite, "refund NEAR(\"x\" y) title:*"),
            Some("\"refund\" \"NEAR\" \"x\" \"y\" \"title\"".to_owned())
        );
        assert_eq!(
            prepare(Backend::Postgres, "Köp & !sälj").as_deref(),
            Some("Köp sälj")
        );
        assert_eq!(prepare(Backend::Sqlite, " -*- "), None);
    }
}
