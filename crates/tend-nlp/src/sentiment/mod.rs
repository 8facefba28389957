//! Sentiment: is a post positive, neutral or negative, how strongly, and why.
//!
//! Two models live here. [`vader()`] is a faithful port of VADER (vaderSentiment 3.3.x),
//! the rule-based scorer tuned on social-media text; [`explain()`] reports which words
//! and rules moved its score. The second model is learned by the project (ridge
//! regression over hashed word and character n-grams plus the VADER scores, trained
//! on the four human-rated VADER corpora by [`train()`]).
//!
//! [`sentiment()`] reports the average of the two ("blend"). On held-out data (5-fold
//! cross-validation, [`cross_validate()`], reported by `tend eval sentiment`) the learned model alone is best pooled over the four
//! corpora (r 0.73 vs VADER 0.54) but worse than VADER on tweets (F1 0.91 vs 0.95),
//! the texts most like Tend's; the blend is at least as good as VADER on every corpus
//! (tweets r 0.89, F1 0.95) and much better on reviews and editorials (pooled r 0.65),
//! so it is the one shipped. The VADER scores always come along.

pub mod corpus;
mod explain;
mod learned;
mod lexicon;
#[cfg(test)]
mod proptests;
mod tokens;
mod vader;

pub use explain::{
    Adjustment, EmojiSwap, Explanation, Punctuation, Role, Rule, TokenExplanation, explain,
};
pub use learned::{BLEND_WEIGHT, FOLDS, LAMBDA, blend, cross_validate, train};
pub use vader::{VaderScores, vader};

use serde::Serialize;

/// Sentiment class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Score above +0.05.
    Positive,
    /// Score within ±0.05.
    Neutral,
    /// Score below −0.05.
    Negative,
}

/// The sentiment of a text.
#[derive(Debug, Clone, Serialize)]
pub struct Sentiment {
    /// The class, from `score` with VADER's ±0.05 neutral band.
    pub label: Label,
    /// Polarity in [-1, 1].
    pub score: f64,
    /// VADER's scores, always available (call [`explain()`] for the reasons).
    pub vader: VaderScores,
    /// Which model produced `label` and `score`.
    pub model: &'static str,
}

/// Neutral band used by VADER's authors and by this crate's evaluation.
pub const NEUTRAL_BAND: f64 = 0.05;

/// Name reported in [`Sentiment::model`] when VADER produced the label.
pub const VADER_MODEL_NAME: &str = "vader-3.3";

/// Maps a polarity score to a class with the ±0.05 neutral band.
pub fn label_of(score: f64) -> Label {
    if score > NEUTRAL_BAND {
        Label::Positive
    } else if score < -NEUTRAL_BAND {
        Label::Negative
    } else {
        Label::Neutral
    }
}

/// Scores a text with the blend of the learned model and VADER (the model that is
/// never worse than VADER on held-out data, see the module notes and [`cross_validate()`]),
/// keeping VADER's scores alongside. Falls back to VADER alone if the embedded learned
/// model could not be loaded.
pub fn sentiment(text: &str) -> Sentiment {
    let vader_scores = vader(text);
    match learned::predict(text, &vader_scores) {
        Some(learned_score) => {
            let score = learned::blend(learned_score, vader_scores.compound);
            Sentiment {
                label: label_of(score),
                score,
                vader: vader_scores,
                model: learned::MODEL_NAME,
            }
        }
        None => Sentiment {
            label: label_of(vader_scores.compound),
            score: vader_scores.compound,
            vader: vader_scores,
            model: VADER_MODEL_NAME,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn root() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"))
    }

    /// Every one of the 23,703 reference compounds is reproduced within 1e-4, and the
    /// pos/neu/neg shares within 1e-3 (their rounding step).
    #[test]
    fn parity_with_python_vader_on_all_reference_rows() {
        let items = corpus::load(root()).unwrap_or_default();
        let reference = corpus::load_reference(root()).unwrap_or_default();
        assert_eq!(items.len(), 23_703);
        assert_eq!(reference.len(), 23_703);
        let mut compound_mismatches = Vec::new();
        let mut share_mismatches = 0;
        for item in &items {
            let key = (corpus::CORPORA[item.corpus].0.to_owned(), item.id.clone());
            let Some(&[neg, neu, pos, compound]) = reference.get(&key) else {
                compound_mismatches.push(format!("{key:?}: no reference row"));
                continue;
            };
            let got = vader(&item.text);
            if (got.compound - compound).abs() > 1e-4 + 1e-12 {
                compound_mismatches.push(format!(
                    "{key:?}: got {} want {compound}: {}",
                    got.compound, item.text
                ));
            }
            if (got.neg - neg).abs() > 1e-3 + 1e-12
                || (got.neu - neu).abs() > 1e-3 + 1e-12
                || (got.pos - pos).abs() > 1e-3 + 1e-12
            {
                share_mismatches += 1;
            }
        }
        println!(
            "VADER parity: {} compound mismatches, {share_mismatches} pos/neu/neg mismatches of {}",
            compound_mismatches.len(),
            items.len()
        );
        assert!(compound_mismatches.is_empty(), "{compound_mismatches:#?}");
        assert_eq!(share_mismatches, 0);
    }

    /// Writes `data/sentiment/model.txt` from `train` when UPDATE_EXPECT=1, and otherwise
    /// checks that the committed model is what `train` produces (reproducibility).
    #[test]
    fn committed_model_is_reproducible() {
        let trained = train(root()).unwrap_or_default();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sentiment/model.txt");
        if std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1") {
            std::fs::write(path, &trained).unwrap_or_default();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            trained == committed,
            "model.txt is stale: run with UPDATE_EXPECT=1"
        );
    }

    #[test]
    fn sentiment_reports_the_blend() {
        let text = "not bad at all, thanks!";
        let s = sentiment(text);
        let learned_score = learned::predict(text, &s.vader).unwrap_or(f64::NAN);
        assert_eq!(s.score, learned::blend(learned_score, s.vader.compound));
        assert_eq!(s.model, "tend-blend-ridge-vader");
        assert_eq!(s.label, Label::Positive);
    }

    #[test]
    fn sentiment_labels_obvious_texts() {
        assert_eq!(
            sentiment("I love this, thank you so much!").label,
            Label::Positive
        );
        assert_eq!(
            sentiment("This is terrible, I hate it.").label,
            Label::Negative
        );
        let json = serde_json::to_string(&sentiment("ok")).unwrap_or_default();
        assert!(json.contains("\"label\":"), "{json}");
    }
}
