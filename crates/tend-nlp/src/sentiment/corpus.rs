//! Loading the four human-rated VADER corpora and the Python reference scores.
//!
//! The ground-truth files are `id<TAB>mean<TAB>text` with CRLF line ends and no final
//! newline; they are decoded as UTF-8 with replacement, as the reference run did.

use std::path::Path;

use crate::data::{self, DataError};

/// The corpora: (name used in the reference file, ground-truth file, label for tables).
pub const CORPORA: [(&str, &str, &str); 4] = [
    ("tweets", "tweets_GroundTruth.txt", "tweets"),
    (
        "movieReviewSnippets",
        "movieReviewSnippets_GroundTruth.txt",
        "movie snippets",
    ),
    (
        "amazonReviewSnippets",
        "amazonReviewSnippets_GroundTruth.txt",
        "Amazon snippets",
    ),
    (
        "nytEditorialSnippets",
        "nytEditorialSnippets_GroundTruth.txt",
        "NYT snippets",
    ),
];

/// One rated text.
#[derive(Debug, Clone)]
pub struct Item {
    /// Index into [`CORPORA`].
    pub corpus: usize,
    /// The id within its corpus.
    pub id: String,
    /// Mean human rating, −4..+4.
    pub gold: f64,
    /// The text.
    pub text: String,
}

/// Loads all four corpora, in [`CORPORA`] order.
pub fn load(root: &Path) -> Result<Vec<Item>, DataError> {
    let mut items = Vec::with_capacity(23_703);
    for (corpus, (_, file, _)) in CORPORA.iter().enumerate() {
        let path = root.join("vader").join(file);
        let bytes = data::read_bytes(&path)?;
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.split("\r\n").enumerate() {
            if line.is_empty() {
                continue;
            }
            let mut fields = line.splitn(3, '\t');
            let (Some(id), Some(mean), Some(body)) = (fields.next(), fields.next(), fields.next())
            else {
                return Err(format_error(&path, n, "expected id<TAB>mean<TAB>text"));
            };
            let gold = mean
                .trim()
                .parse::<f64>()
                .map_err(|e| format_error(&path, n, &format!("bad mean {mean:?}: {e}")))?;
            items.push(Item {
                corpus,
                id: id.to_owned(),
                gold,
                text: body.to_owned(),
            });
        }
    }
    Ok(items)
}

/// Python reference scores by (corpus name, id): [neg, neu, pos, compound].
#[cfg(test)]
pub(crate) fn load_reference(
    root: &Path,
) -> Result<std::collections::HashMap<(String, String), [f64; 4]>, DataError> {
    let path = root.join("vader").join("vader_reference_scores.tsv");
    let text = data::read(&path)?;
    let mut out = std::collections::HashMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != 7 {
            return Err(format_error(&path, n, "expected 7 columns"));
        }
        let mut scores = [0.0; 4];
        for (slot, field) in scores.iter_mut().zip(&fields[3..]) {
            *slot = field
                .parse()
                .map_err(|e| format_error(&path, n, &format!("bad score {field:?}: {e}")))?;
        }
        out.insert((fields[0].to_owned(), fields[1].to_owned()), scores);
    }
    Ok(out)
}

fn format_error(path: &Path, line0: usize, message: &str) -> DataError {
    DataError::Format {
        path: path.to_owned(),
        line: line0 + 1,
        message: message.to_owned(),
    }
}
