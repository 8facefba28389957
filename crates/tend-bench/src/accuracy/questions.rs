//! Question detection: precision, recall and F1 on the project's labelled set
//! (`testdata/questions/labelled.tsv`), for the half the rules were tuned on and the
//! held-out half, per split and per source.

use std::path::Path;

use super::{Table, pct};
use tend_nlp::data::{self, DataError};
use tend_nlp::question::is_question;

/// Precision, recall and F1 on `questions/labelled.tsv`, for the tune half and the held-out test half.
pub fn evaluate(root: &Path) -> Result<Vec<Table>, DataError> {
    let path = root.join("questions").join("labelled.tsv");
    let data = data::read(&path)?;
    // [split][source?] counts: (tp, fp, fn, n)
    let mut by_split: Vec<(String, [usize; 4])> = Vec::new();
    let mut by_source: Vec<(String, [usize; 4])> = Vec::new();
    for (n, line) in data.lines().enumerate().skip(1) {
        let cells: Vec<&str> = line.splitn(5, '\t').collect();
        let [_, split, source, label, text] = cells[..] else {
            return Err(DataError::Format {
                path: path.clone(),
                line: n + 1,
                message: "expected 5 tab-separated fields".into(),
            });
        };
        let gold = match label {
            "1" => true,
            "0" => false,
            other => {
                return Err(DataError::Format {
                    path: path.clone(),
                    line: n + 1,
                    message: format!("label {other:?} is not 0 or 1"),
                });
            }
        };
        let guess = is_question(text);
        for (key, table) in [
            (split.to_owned(), &mut by_split),
            (format!("{split} / {source}"), &mut by_source),
        ] {
            let slot = match table.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    table.push((key, [0; 4]));
                    table.len() - 1
                }
            };
            let counts = &mut table[slot].1;
            counts[0] += usize::from(gold && guess);
            counts[1] += usize::from(!gold && guess);
            counts[2] += usize::from(gold && !guess);
            counts[3] += 1;
        }
    }
    let header = ["split", "items", "precision", "recall", "F1", "accuracy"];
    let mut main = Table::new(
        "Question detection — labelled inbox-style texts",
        "412 texts (SMS, tweet-like texts, Stack Exchange titles/comments, Swedish web sentences, authored sv/en posts) \
         labelled by hand with the guideline in testdata/questions/README.md. Rules were tuned on `tune`; `test` is held out.",
        &header,
    );
    for (key, counts) in &by_split {
        main.row(metric_row(key, counts));
    }
    let mut per_source = Table::new(
        "Question detection — by source",
        "Same data, split by split and source.",
        &header,
    );
    by_source.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, counts) in &by_source {
        per_source.row(metric_row(key, counts));
    }
    Ok(vec![main, per_source])
}

fn metric_row(key: &str, &[tp, fp, fneg, n]: &[usize; 4]) -> Vec<String> {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fneg);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let accuracy = ratio(n - fp - fneg, n);
    vec![
        key.to_owned(),
        n.to_string(),
        pct(precision),
        pct(recall),
        pct(f1),
        pct(accuracy),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluation_meets_a_floor_on_held_out_half() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"));
        let tables = evaluate(root).unwrap();
        for table in &tables {
            println!("{}", table.to_markdown());
        }
        let test = tables[0].rows.iter().find(|r| r[0] == "test").unwrap();
        let f1: f64 = test[4].trim_end_matches('%').parse().unwrap();
        assert!(f1 >= 80.0, "held-out F1 {f1}%");
    }
}
