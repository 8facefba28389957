//! Accuracy of Tend's text signals on public labelled data, behind `tend eval`: one
//! module per signal, each `fn evaluate(root: &Path) -> Result<Vec<Table>, DataError>`
//! over the repository's `testdata/` folder. This module defines the table and
//! renders it as Markdown, so the terminal output and the committed
//! `docs/accuracy.md` page are the same text, plus the shared metrics.

pub mod language;
pub mod questions;
pub mod sentiment;
pub mod spam;
pub mod toxicity;

use std::fmt::Write as _;

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
