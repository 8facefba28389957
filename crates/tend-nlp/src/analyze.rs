//! Every lexical signal of one text, composed: what `tend analyze` prints and what
//! the ingest pipeline stores with each message.

use crate::{entities, language, length, question, sentiment, spam, toxicity};
use serde::Serialize;

/// All signals of one text.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Detected language (`null` when the text has too few letters).
    pub lang: Option<language::Language>,
    /// Sentiment label and score, with VADER's scores.
    pub sentiment: sentiment::Sentiment,
    /// Toxicity score, categories and the terms that fired.
    pub toxicity: toxicity::Toxicity,
    /// Spam score.
    pub spam: spam::Spam,
    /// Whether the text asks something.
    pub question: bool,
    /// Hashtags, mentions, cashtags and URLs with UTF-16 ranges.
    pub entities: entities::Entities,
    /// X's weighted length (twitter-text v3).
    pub weighted_length: usize,
    /// Why the sentiment is what it is (only with `explain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<sentiment::Explanation>,
}

/// Analyses `text`; `explain` adds the sentiment explanation.
pub fn analyze(text: &str, explain: bool) -> Analysis {
    Analysis {
        lang: language::detect(text),
        sentiment: sentiment::sentiment(text),
        toxicity: toxicity::toxicity(text),
        spam: spam::spam(text),
        question: question::is_question(text),
        entities: entities::extract(text),
        weighted_length: length::x_length(text).weighted_length,
        explanation: explain.then(|| sentiment::explain(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swedish_question_gets_every_signal() {
        let a = analyze(
            "Hur byter jag lösenord i appen? @acme #hjälp https://acme.se/faq",
            true,
        );
        assert_eq!(a.lang.map(|l| l.code), Some("sv"));
        assert!(a.question);
        assert_eq!(a.entities.mentions.len(), 1);
        assert_eq!(a.entities.hashtags.len(), 1);
        assert_eq!(a.entities.urls.len(), 1);
        assert!(a.toxicity.score < 0.5);
        assert!(a.spam.score < 0.5);
        assert!(a.explanation.is_some());
        let json = serde_json::to_value(&a).unwrap();
        for key in [
            "lang",
            "sentiment",
            "toxicity",
            "spam",
            "question",
            "entities",
            "weighted_length",
        ] {
            assert!(json.get(key).is_some(), "{key} missing");
        }
        assert!(json["sentiment"]["vader"]["compound"].is_number());
        assert!(json["lang"]["confidence"].is_number());
    }

    #[test]
    fn the_empty_text_is_analysed_without_panicking() {
        let a = analyze("", false);
        assert!(a.lang.is_none());
        assert!(!a.question);
        assert!(a.explanation.is_none());
    }
}
