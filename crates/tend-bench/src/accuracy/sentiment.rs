//! Sentiment accuracy on the four human-rated VADER corpora, with the paper's protocol,
//! beside the published and the measured-Python figures.
//!
//! Protocol (testdata/vader/README.md): Pearson r between the score and the mean human
//! rating; for P/R/F1 the gold class is the sign of the mean, the predicted class uses
//! the ±0.05 band, and precision and recall are pooled over the positive and negative
//! classes; the 3-class accuracy calls gold neutral when |mean|/4 <= 0.05.

use std::path::Path;

use super::{Table, num};
use tend_nlp::data::DataError;
use tend_nlp::sentiment::corpus::{self, CORPORA, Item};
use tend_nlp::sentiment::{self, NEUTRAL_BAND, vader};

/// Figures of one model on one set of texts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Metrics {
    pub n: usize,
    pub r: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub accuracy3: f64,
}

/// Published (paper, Table 4) r, P, R, F1 per corpus, in [`CORPORA`] order.
const PAPER: [[f64; 4]; 4] = [
    [0.881, 0.99, 0.94, 0.96],
    [0.451, 0.70, 0.55, 0.61],
    [0.565, 0.78, 0.55, 0.63],
    [0.492, 0.69, 0.49, 0.55],
];

/// vaderSentiment 3.3.1 measured on these files (README): r, P, R, F1, 3-class accuracy.
const MEASURED_PYTHON: [[f64; 5]; 4] = [
    [0.872, 0.979, 0.921, 0.949, 0.885],
    [0.428, 0.659, 0.558, 0.604, 0.553],
    [0.590, 0.775, 0.561, 0.651, 0.591],
    [0.503, 0.707, 0.476, 0.569, 0.540],
];

/// Runs the evaluation and returns the accuracy table (VADER vs the learned model).
pub fn evaluate(root: &Path) -> Result<Vec<Table>, DataError> {
    let items = corpus::load(root)?;
    let vader_scores: Vec<f64> = items.iter().map(|i| vader(&i.text).compound).collect();
    let learned_scores = sentiment::cross_validate(&items);
    let blend_scores: Vec<f64> = learned_scores
        .iter()
        .zip(&vader_scores)
        .map(|(&l, &v)| sentiment::blend(l, v))
        .collect();
    let mut table = Table::new(
        "Sentiment — VADER and Tend's learned model vs human ratings",
        format!(
            "Four human-rated corpora of Hutto & Gilbert (ICWSM 2014), 23,703 texts. r = Pearson \
             correlation of the score with the mean rating; P/R/F1 pooled over the positive and \
             negative classes (gold = sign of the mean, predicted with the ±{NEUTRAL_BAND} band); \
             acc3 = 3-class accuracy (gold neutral when |mean|/4 <= 0.05). \"Tend VADER\" is this \
             crate's port (compound identical to vaderSentiment on all 23,703 texts). \"Tend learned\" \
             is ridge regression (λ = {}) on hashed word/char n-grams plus VADER scores; \"Tend \
             blend\" = {} × learned + {} × VADER compound, the score `sentiment()` reports. Learned \
             and blend figures are out-of-fold predictions of {}-fold cross-validation over the \
             pooled corpora (folds by hash of corpus/id); the shipped model is trained on all \
             texts. λ and the blend weight were picked among a few values on these folds.",
            sentiment::LAMBDA,
            sentiment::BLEND_WEIGHT,
            1.0 - sentiment::BLEND_WEIGHT,
            sentiment::FOLDS
        ),
        &["corpus", "model", "n", "r", "P", "R", "F1", "acc3"],
    );
    for (c, (_, _, label)) in CORPORA.iter().enumerate() {
        let rows: Vec<usize> = (0..items.len()).filter(|&i| items[i].corpus == c).collect();
        let [r, p, rc, f1] = PAPER[c];
        table.row(figures(
            label,
            "VADER, paper",
            rows.len(),
            &[r, p, rc, f1],
            None,
        ));
        let [r, p, rc, f1, acc] = MEASURED_PYTHON[c];
        table.row(figures(
            label,
            "vaderSentiment 3.3.1, measured",
            rows.len(),
            &[r, p, rc, f1],
            Some(acc),
        ));
        let m = metrics(&items, &rows, &vader_scores);
        table.row(metric_row(label, "Tend VADER", &m));
        let m = metrics(&items, &rows, &learned_scores);
        table.row(metric_row(label, "Tend learned (5-fold CV)", &m));
        let m = metrics(&items, &rows, &blend_scores);
        table.row(metric_row(label, "Tend blend, shipped (5-fold CV)", &m));
    }
    let all: Vec<usize> = (0..items.len()).collect();
    table.row(metric_row(
        "all four",
        "Tend VADER",
        &metrics(&items, &all, &vader_scores),
    ));
    table.row(metric_row(
        "all four",
        "Tend learned (5-fold CV)",
        &metrics(&items, &all, &learned_scores),
    ));
    table.row(metric_row(
        "all four",
        "Tend blend, shipped (5-fold CV)",
        &metrics(&items, &all, &blend_scores),
    ));
    Ok(vec![table])
}

fn figures(corpus: &str, model: &str, n: usize, f: &[f64; 4], acc: Option<f64>) -> Vec<String> {
    let mut row = vec![corpus.to_owned(), model.to_owned(), n.to_string()];
    row.extend(f.iter().map(|x| num(*x, 3)));
    row.push(acc.map_or("—".to_owned(), |a| num(a, 3)));
    row
}

fn metric_row(corpus: &str, model: &str, m: &Metrics) -> Vec<String> {
    vec![
        corpus.to_owned(),
        model.to_owned(),
        m.n.to_string(),
        num(m.r, 3),
        num(m.precision, 3),
        num(m.recall, 3),
        num(m.f1, 3),
        num(m.accuracy3, 3),
    ]
}

fn class(x: f64, band: f64) -> i8 {
    if x > band {
        1
    } else if x < -band {
        -1
    } else {
        0
    }
}

/// The paper's metrics for `scores` (in [-1, 1]) on the items at `rows`.
pub(crate) fn metrics(items: &[Item], rows: &[usize], scores: &[f64]) -> Metrics {
    let xs: Vec<f64> = rows.iter().map(|&i| scores[i]).collect();
    let ys: Vec<f64> = rows.iter().map(|&i| items[i].gold).collect();
    let (mut correct_polar, mut predicted_polar, mut gold_polar, mut correct3) = (0, 0, 0, 0);
    for (&x, &y) in xs.iter().zip(&ys) {
        let predicted = class(x, NEUTRAL_BAND);
        let gold = class(y, 0.0);
        if predicted != 0 {
            predicted_polar += 1;
        }
        if gold != 0 {
            gold_polar += 1;
            if predicted == gold {
                correct_polar += 1;
            }
        }
        if predicted == class(y / 4.0, NEUTRAL_BAND) {
            correct3 += 1;
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(correct_polar, predicted_polar);
    let recall = ratio(correct_polar, gold_polar);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Metrics {
        n: rows.len(),
        r: pearson(&xs, &ys),
        precision,
        recall,
        f1,
        accuracy3: ratio(correct3, rows.len()),
    }
}

fn pearson(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    if xs.is_empty() {
        return 0.0;
    }
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"))
    }

    /// Tend's VADER reproduces the figures measured with Python VADER, and meets the
    /// targets on tweets (r >= 0.87, F1 >= 0.94).
    #[test]
    fn vader_figures_match_measured_python() {
        let items = corpus::load(root()).unwrap_or_default();
        let scores: Vec<f64> = items.iter().map(|i| vader(&i.text).compound).collect();
        for (c, expected) in MEASURED_PYTHON.iter().enumerate() {
            let rows: Vec<usize> = (0..items.len()).filter(|&i| items[i].corpus == c).collect();
            let m = metrics(&items, &rows, &scores);
            let got = [m.r, m.precision, m.recall, m.f1, m.accuracy3];
            for (g, e) in got.iter().zip(expected) {
                assert!(
                    (g - e).abs() < 0.0006,
                    "corpus {c}: got {got:?}, README {expected:?}"
                );
            }
            if c == 0 {
                assert!(m.r >= 0.87 && m.f1 >= 0.94, "{m:?}");
            }
        }
    }

    /// On held-out data the shipped blend is at least as good as VADER on every corpus
    /// (r, and F1 within rounding) and clearly better pooled, which is why
    /// `sentiment()` reports it; the learned model alone is best pooled.
    #[test]
    fn shipped_blend_is_never_worse_than_vader_on_held_out_data() {
        let tables = evaluate(root()).unwrap_or_default();
        let table = &tables[0];
        println!("{}", table.to_markdown());
        let figures = |corpus: &str, model: &str| -> (f64, f64) {
            table
                .rows
                .iter()
                .find(|r| r[0] == corpus && r[1].starts_with(model))
                .map_or((0.0, 0.0), |r| {
                    (r[3].parse().unwrap_or(0.0), r[6].parse().unwrap_or(0.0))
                })
        };
        for (_, _, corpus) in CORPORA.iter().chain(&[("", "", "all four")]) {
            let (vader_r, vader_f1) = figures(corpus, "Tend VADER");
            let (blend_r, blend_f1) = figures(corpus, "Tend blend");
            assert!(
                blend_r >= vader_r && blend_f1 >= vader_f1 - 0.001,
                "{corpus}"
            );
        }
        let (learned_r, _) = figures("all four", "Tend learned");
        let (vader_r, _) = figures("all four", "Tend VADER");
        assert!(learned_r > vader_r + 0.1);
    }
}
