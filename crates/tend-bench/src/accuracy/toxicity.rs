//! Evaluation of `tend_nlp::toxicity` on the Jigsaw / Conversation AI bias test sets.
//!
//! Wikipedia talk comments (non-fuzzed and identity-fuzzed): ROC-AUC and the gap between them.
//! Sentence templates: false-positive rate on non-toxic rows per identity term and overall, and
//! per-term subgroup, BPSN and BNSP AUC (Borkan et al. 2019). The lexicon was not built from
//! these files; see `data/toxicity/README.md`.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Table, num, pct, roc_auc};
use tend_nlp::data::{self, DataError};
use tend_nlp::toxicity::{FLAG_THRESHOLD, toxicity};

/// Runs the toxicity evaluation over `root` (the repository's `testdata/` folder).
pub fn evaluate(root: &Path) -> Result<Vec<Table>, DataError> {
    let dir = root.join("toxicity-jigsaw-bias");
    let plain = read_comments(&dir.join("toxicity_nonfuzzed_testset.csv"))?;
    let fuzzed = read_comments(&dir.join("toxicity_fuzzed_testset.csv"))?;
    let templates = read_templates(&dir.join("en_sentence_templates.csv"))?;
    Ok(vec![
        wikipedia_table(&plain, &fuzzed),
        template_table(&templates),
    ])
}

/// Scored, labelled texts (`true` = toxic).
struct Scored {
    scores: Vec<f64>,
    labels: Vec<bool>,
}

fn wikipedia_table(plain: &Scored, fuzzed: &Scored) -> Table {
    let auc_plain = roc_auc(&plain.scores, &plain.labels);
    let auc_fuzzed = roc_auc(&fuzzed.scores, &fuzzed.labels);
    let mut table = Table::new(
        "Toxicity — Wikipedia talk comments (Jigsaw bias test sets)",
        format!(
            "{} comments ({} toxic), scored by the hand-written English/Swedish lexicon `data/toxicity/lexicon.tsv` \
             (no training data; not built from these files, but three lexicon-wide changes were kept while watching \
             this aggregate AUC, see data/toxicity/README.md, so it is slightly optimistic). \
             The fuzzed set swaps each identity term for another; AUC gap = non-fuzzed − fuzzed (0 = no identity bias). \
             Precision, recall and FPR at the decision threshold {FLAG_THRESHOLD}.",
            plain.labels.len(),
            plain.labels.iter().filter(|&&y| y).count()
        ),
        &["set", "ROC-AUC", "precision", "recall", "FPR"],
    );
    for (name, set) in [("non-fuzzed", plain), ("fuzzed", fuzzed)] {
        let (precision, recall, fpr) = at_threshold(set);
        table.row(vec![
            name.to_owned(),
            num(roc_auc(&set.scores, &set.labels), 4),
            pct(precision),
            pct(recall),
            pct(fpr),
        ]);
    }
    table.row(vec![
        "gap".to_owned(),
        num(auc_plain - auc_fuzzed, 4),
        "".to_owned(),
        "".to_owned(),
        "".to_owned(),
    ]);
    table
}

fn at_threshold(set: &Scored) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut pos, mut neg) = (0usize, 0usize, 0usize, 0usize);
    for (&s, &y) in set.scores.iter().zip(&set.labels) {
        let flagged = s >= FLAG_THRESHOLD;
        if y {
            pos += 1;
            tp += usize::from(flagged);
        } else {
            neg += 1;
            fp += usize::from(flagged);
        }
    }
    (
        tp as f64 / (tp + fp).max(1) as f64,
        tp as f64 / pos.max(1) as f64,
        fp as f64 / neg.max(1) as f64,
    )
}

/// A template row: its identity term (None for the occupation control rows), score, label.
struct TemplateRow {
    term: Option<String>,
    score: f64,
    toxic: bool,
}

fn template_table(rows: &[TemplateRow]) -> Table {
    let scores: Vec<f64> = rows.iter().map(|r| r.score).collect();
    let labels: Vec<bool> = rows.iter().map(|r| r.toxic).collect();
    let overall_auc = roc_auc(&scores, &labels);
    let overall_fpr = fpr(rows.iter());
    let overall_tpr = tpr(rows.iter());
    let mut terms: BTreeMap<&str, Vec<&TemplateRow>> = BTreeMap::new();
    for row in rows {
        if let Some(term) = &row.term {
            terms.entry(term.as_str()).or_default().push(row);
        }
    }
    let worst_fpr = terms
        .values()
        .map(|rs| fpr(rs.iter().copied()))
        .fold(0.0, f64::max);
    let mut table = Table::new(
        "Toxicity — identity-term sentence templates (Jigsaw bias)",
        format!(
            "{} template sentences. Overall ROC-AUC {}, FPR on non-toxic rows {} (worst identity term {}), \
             recall on toxic rows {} at threshold {FLAG_THRESHOLD}. Per identity term: FPR on its non-toxic rows; \
             subgroup AUC (rows with the term); BPSN AUC (background toxic vs subgroup non-toxic; low = the term \
             raises scores); BNSP AUC (background non-toxic vs subgroup toxic). The term of each row is the \
             longest of the 50 terms of the `verb_adj` template found in it.",
            rows.len(),
            num(overall_auc, 4),
            pct(overall_fpr),
            pct(worst_fpr),
            pct(overall_tpr),
        ),
        &[
            "identity term",
            "rows",
            "FPR (non-toxic)",
            "subgroup AUC",
            "BPSN AUC",
            "BNSP AUC",
        ],
    );
    for (term, members) in &terms {
        let sub_scores: Vec<f64> = members.iter().map(|r| r.score).collect();
        let sub_labels: Vec<bool> = members.iter().map(|r| r.toxic).collect();
        let in_sub = |r: &TemplateRow| r.term.as_deref() == Some(*term);
        let bpsn: Vec<&TemplateRow> = rows
            .iter()
            .filter(|r| if in_sub(r) { !r.toxic } else { r.toxic })
            .collect();
        let bnsp: Vec<&TemplateRow> = rows
            .iter()
            .filter(|r| if in_sub(r) { r.toxic } else { !r.toxic })
            .collect();
        table.row(vec![
            (*term).to_owned(),
            members.len().to_string(),
            pct(fpr(members.iter().copied())),
            num(roc_auc(&sub_scores, &sub_labels), 4),
            num(auc_of(&bpsn), 4),
            num(auc_of(&bnsp), 4),
        ]);
    }
    table
}

fn auc_of(rows: &[&TemplateRow]) -> f64 {
    let scores: Vec<f64> = rows.iter().map(|r| r.score).collect();
    let labels: Vec<bool> = rows.iter().map(|r| r.toxic).collect();
    roc_auc(&scores, &labels)
}

fn fpr<'a>(rows: impl Iterator<Item = &'a TemplateRow>) -> f64 {
    let (mut fp, mut neg) = (0usize, 0usize);
    for r in rows.filter(|r| !r.toxic) {
        neg += 1;
        fp += usize::from(r.score >= FLAG_THRESHOLD);
    }
    fp as f64 / neg.max(1) as f64
}

fn tpr<'a>(rows: impl Iterator<Item = &'a TemplateRow>) -> f64 {
    let (mut tp, mut pos) = (0usize, 0usize);
    for r in rows.filter(|r| r.toxic) {
        pos += 1;
        tp += usize::from(r.score >= FLAG_THRESHOLD);
    }
    tp as f64 / pos.max(1) as f64
}

fn format_error(path: &Path, line: usize, message: impl Into<String>) -> DataError {
    DataError::Format {
        path: path.to_owned(),
        line,
        message: message.into(),
    }
}

/// Reads `rev_id,comment,toxic` (comments are quoted and may span lines) and scores them.
fn read_comments(path: &Path) -> Result<Scored, DataError> {
    let bytes = data::read_bytes(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let mut out = Scored {
        scores: Vec::new(),
        labels: Vec::new(),
    };
    for record in reader.records() {
        let record = record.map_err(|e| {
            format_error(
                path,
                e.position().map_or(0, |p| p.line() as usize),
                e.to_string(),
            )
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let (Some(comment), Some(label)) = (record.get(1), record.get(2)) else {
            return Err(format_error(path, line, "expected rev_id,comment,toxic"));
        };
        let toxic = match label {
            "True" => true,
            "False" => false,
            other => {
                return Err(format_error(
                    path,
                    line,
                    format!("label {other:?} is not True/False"),
                ));
            }
        };
        out.scores.push(toxicity(comment).score);
        out.labels.push(toxic);
    }
    Ok(out)
}

/// Reads `template,toxicity,phrase`, finds each row's identity term and scores the phrase.
fn read_templates(path: &Path) -> Result<Vec<TemplateRow>, DataError> {
    let bytes = data::read_bytes(path)?;
    let mut raw: Vec<(String, bool, String, usize)> = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    for record in reader.records() {
        let record = record.map_err(|e| {
            format_error(
                path,
                e.position().map_or(0, |p| p.line() as usize),
                e.to_string(),
            )
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let (Some(template), Some(label), Some(phrase)) =
            (record.get(0), record.get(1), record.get(2))
        else {
            return Err(format_error(
                path,
                line,
                "expected template,toxicity,phrase",
            ));
        };
        let toxic = match label {
            "toxic" => true,
            "nontoxic" => false,
            other => {
                return Err(format_error(
                    path,
                    line,
                    format!("label {other:?} is not toxic/nontoxic"),
                ));
            }
        };
        raw.push((template.to_owned(), toxic, phrase.to_owned(), line));
    }
    // The identity terms are exactly what follows the verb in the `verb_adj` template
    // ("hug lesbian"), so the term list comes from the file rather than being copied.
    let mut terms: Vec<String> = raw
        .iter()
        .filter(|(t, ..)| t == "verb_adj")
        .filter_map(|(_, _, p, _)| p.split_once(' ').map(|(_, term)| term.to_lowercase()))
        .collect();
    terms.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    terms.dedup();
    let mut rows = Vec::with_capacity(raw.len());
    for (template, toxic, phrase, line) in raw {
        let padded = format!(" {} ", phrase.to_lowercase());
        let term = if template == "you_occupation" {
            None
        } else {
            let found = terms
                .iter()
                .find(|t| padded.contains(&format!(" {t} ")))
                .cloned();
            if found.is_none() {
                return Err(format_error(
                    path,
                    line,
                    format!("no identity term in {phrase:?}"),
                ));
            }
            found
        };
        rows.push(TemplateRow {
            term,
            score: toxicity(&phrase).score,
            toxic,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluation_meets_its_targets() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"));
        let tables = evaluate(root).unwrap_or_default();
        println!(
            "{}",
            tables.iter().map(Table::to_markdown).collect::<String>()
        );
        assert_eq!(tables.len(), 2);
        let auc: f64 = tables[0].rows[0][1].parse().unwrap_or(0.0);
        assert!(auc >= 0.80, "non-fuzzed AUC {auc}");
        // No identity term may be flagged on its non-toxic template rows.
        for row in &tables[1].rows {
            assert_eq!(row[2], "0.0%", "FPR for {}", row[0]);
        }
    }
}
