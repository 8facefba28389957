//! Message and comment spam score from a small learned linear model.
//!
//! `spam(text)` hashes the message into word, word-pair and character n-gram features plus a
//! few handcrafted signals (links, phone numbers, currency, shouting) and applies a logistic
//! regression trained on the SMS Spam Collection (Almeida et al. 2011, CC BY 4.0, in
//! `testdata/spam-sms-uci/`). The model is `data/spam/model.bin` (65,536 hash buckets, i16 weights, 128 KiB),
//! embedded in the binary and produced by [`train`]; `tend eval spam` (crate `tend-bench`) reports stratified 10-fold
//! cross-validation against the published DocEng 2011 baseline.

// Public so the cross-validation behind `tend eval spam` (crate `tend-bench`) can
// retrain the model per fold exactly as `train` does.
pub mod features;
pub mod model;

use std::path::Path;
use std::sync::LazyLock;

use crate::data::{self, DataError};
use model::Model;

/// Spam verdict for one text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Spam {
    /// Probability-like score in [0, 1]; 0.5 is the model's natural decision point.
    pub score: f64,
}

/// Scores how spam-like a message is.
pub fn spam(text: &str) -> Spam {
    let score = MODEL
        .as_ref()
        .map_or(0.0, |m| m.predict(&features::extract(text)));
    Spam {
        score: if score.is_finite() {
            score.clamp(0.0, 1.0)
        } else {
            0.0
        },
    }
}

/// Trains the model on all 5,574 SMS messages and returns the bytes of `data/spam/model.bin`.
pub fn train(root: &Path) -> Result<Vec<u8>, DataError> {
    let corpus = load(root)?;
    let feats: Vec<features::Features> = corpus.iter().map(|(t, _)| features::extract(t)).collect();
    let data: Vec<(&features::Features, bool)> = feats
        .iter()
        .zip(&corpus)
        .map(|(f, (_, y))| (f, *y))
        .collect();
    Ok(Model::train(&data, SEED).to_bytes())
}

/// Seed of every shuffle in training and cross-validation.
pub const SEED: u64 = 20_111_019;

static MODEL: LazyLock<Option<Model>> =
    LazyLock::new(|| Model::from_bytes(include_bytes!("../data/spam/model.bin")));

/// Reads the SMS Spam Collection (`label<TAB>text` lines); `true` = spam.
pub fn load(root: &Path) -> Result<Vec<(String, bool)>, DataError> {
    let path = root.join("spam-sms-uci/SMSSpamCollection");
    let text = data::read(&path)?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let (label, body) = match line.split_once('\t') {
            Some(("spam", body)) => (true, body),
            Some(("ham", body)) => (false, body),
            _ => {
                return Err(DataError::Format {
                    path: path.clone(),
                    line: n + 1,
                    message: "expected `ham|spam<TAB>text`".to_owned(),
                });
            }
        };
        out.push((body.to_owned(), label));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn root() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"))
    }

    #[test]
    fn committed_model_equals_what_train_produces() {
        let trained = train(root()).unwrap_or_default();
        assert!(!trained.is_empty());
        // Like `UPDATE_EXPECT=1` for snapshots: regenerate the committed file on request.
        if std::env::var_os("UPDATE_MODEL").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/spam/model.bin");
            assert!(std::fs::write(path, &trained).is_ok());
            return;
        }
        assert!(
            trained.as_slice() == include_bytes!("../data/spam/model.bin"),
            "data/spam/model.bin is stale: regenerate it with spam::train"
        );
    }

    #[test]
    fn obvious_spam_scores_high_and_a_lunch_question_low() {
        let s = spam(
            "WINNER!! You have won a £1000 cash prize. Call 09061701461 now to claim. T&C apply",
        )
        .score;
        assert!(s > 0.9, "spam scored {s}");
        let h = spam("hey, are we still on for lunch?").score;
        assert!(h < 0.1, "ham scored {h}");
    }

    #[test]
    fn huge_input_is_scored_quickly_from_its_start() {
        let text = format!(
            "FREE prize! Call 09061701461 {}",
            "£ ÄÖ\u{200B}".repeat(300_000)
        );
        let s = spam(&text).score;
        assert!((0.0..=1.0).contains(&s));
    }

    proptest! {
        #[test]
        fn spam_never_panics_and_stays_in_range(text in "\\PC{0,300}") {
            let s = spam(&text).score;
            prop_assert!((0.0..=1.0).contains(&s));
        }
    }
}
