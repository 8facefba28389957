//! Shared shape of the accuracy reports printed by `tend eval`.
//!
//! Each signal module owns its evaluation (`fn evaluate(root: &Path) -> Result<Vec<Table>, EvalError>`)
//! over the public labelled data in the repository's `testdata/` folder; this module only
//! defines the table type and renders it as Markdown, so the terminal output and the
//! committed `docs/accuracy.md` page are the same text.

use std::fmt::Write as _;
use std::path::PathBuf;

/// One printed table of an evaluation: a title, a note on method, a header and rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Section heading, e.g. "Sentiment — VADER vs human ratings".
    pub title: String,
    /// Method, data source and protocol, in a sentence or two; printed under the title.
    pub note: String,
    /// Column names.
    pub header: Vec<String>,
    /// Rows; each has as many cells as `header`.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Creates an empty table with a title, a method note and a header.
    pub fn new(title: impl Into<String>, note: impl Into<String>, header: &[&str]) -> Table {
        Table {
            title: title.into(),
            note: note.into(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends one row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders the table as a Markdown section.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "### {}\n", self.title);
        if !self.note.is_empty() {
            let _ = writeln!(out, "{}\n", self.note);
        }
        let _ = writeln!(out, "| {} |", self.header.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(self.header.len()));
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out
    }
}

/// Why an evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A data file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A data file has a line the evaluation cannot parse.
    #[error("{path}:{line}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// ROC-AUC by the rank-sum formula, with ties counted as half; NaN if a class is missing.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> f64 {
    let mut pairs: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && pairs[j + 1].0 == pairs[i].0 {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += avg_rank * pairs[i..=j].iter().filter(|p| p.1).count() as f64;
        i = j + 1;
    }
    let pos = pairs.iter().filter(|p| p.1).count() as f64;
    let neg = pairs.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return f64::NAN;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// Formats a ratio in [0, 1] as a percentage with one decimal.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Formats a float with `digits` decimals.
pub fn num(x: f64, digits: usize) -> String {
    format!("{x:.digits$}")
}

/// Reads a whole data file, naming it in the error.
pub fn read(path: &std::path::Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Reads a whole data file as bytes, naming it in the error.
pub fn read_bytes(path: &std::path::Path) -> Result<Vec<u8>, EvalError> {
    std::fs::read(path).map_err(|source| EvalError::Io {
        path: path.to_owned(),
        source,
    })
}
