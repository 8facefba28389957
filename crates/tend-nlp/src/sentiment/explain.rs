//! Explanations of VADER scores: which words and rules moved the score, by how much.
//!
//! [`explain()`] runs the same scoring function as [`super::vader()`] with a recording
//! [`Recorder`], then turns the recorded rule applications into serializable per-token
//! contributions and a few human-readable lines.

use std::fmt::Write as _;

use serde::Serialize;

use super::lexicon::id;
use super::vader::{Recorder, Run, Scratch, Trigger, VaderScores, score};

/// Why and by how much VADER scored a text the way it did.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The scores (identical to [`super::vader()`]'s).
    pub scores: VaderScores,
    /// Emoji replaced by their descriptions before scoring.
    pub emoji: Vec<EmojiSwap>,
    /// Every token VADER saw, in order, with its contribution.
    pub tokens: Vec<TokenExplanation>,
    /// Index of the first "but" token, whose presence halves what comes before it and
    /// boosts what follows by half.
    pub but_index: Option<usize>,
    /// Emphasis from "!" and "?".
    pub punctuation: Punctuation,
    /// Sum of token valences before punctuation emphasis.
    pub valence_sum: f64,
    /// Sum after punctuation emphasis; the compound is `x / sqrt(x² + 15)` of it.
    pub total: f64,
    /// The same information as human-readable lines, most important first.
    pub summary: Vec<String>,
}

/// One emoji swapped for its description.
#[derive(Debug, Clone, Serialize)]
pub struct EmojiSwap {
    /// The emoji character.
    pub emoji: String,
    /// The words that replaced it.
    pub description: String,
}

/// Exclamation and question mark emphasis.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Punctuation {
    /// Number of "!" in the text (counted up to 4).
    pub exclamation_marks: usize,
    /// Number of "?" in the text (counted when 2 or more).
    pub question_marks: usize,
    /// Added to a positive sum, subtracted from a negative one.
    pub amplifier: f64,
}

/// What role a token played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Not in the lexicon; carries no valence of its own.
    Neutral,
    /// A lexicon word with a valence.
    Sentiment,
    /// A booster or dampener ("very", "kinda"); scored 0 itself, modifies a later word.
    Modifier,
}

/// One token's contribution.
#[derive(Debug, Clone, Serialize)]
pub struct TokenExplanation {
    /// Position among the tokens.
    pub index: usize,
    /// The token as VADER split it (surrounding punctuation stripped).
    pub token: String,
    /// Its role.
    pub role: Role,
    /// Its lexicon valence, if any (−4..+4).
    pub lexicon: Option<f64>,
    /// Rules that changed its valence, in the order applied.
    pub adjustments: Vec<Adjustment>,
    /// Final valence added to the sum.
    pub valence: f64,
}

/// One rule application on one token.
#[derive(Debug, Clone, Serialize)]
pub struct Adjustment {
    /// The rule.
    pub rule: Rule,
    /// The word(s) that triggered it, e.g. "not" or "kind of".
    pub trigger: String,
    /// Valence before the rule.
    pub before: f64,
    /// Valence after the rule.
    pub after: f64,
}

/// VADER's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// "no" directly before a lexicon word loses its own valence (it negates instead).
    NoAsDeterminer,
    /// The word follows "no" within three words: lexicon valence × −0.74.
    NegatedByNo,
    /// The word is in capitals while others are not: ±0.733.
    AllCaps,
    /// A booster up to three words before ("very"): ±0.293, less with distance,
    /// ±0.733 more when the booster is in capitals.
    Booster,
    /// A dampener up to three words before ("barely", "kinda"): ∓0.293.
    Dampener,
    /// A negation up to three words before ("not", "isn't"): × −0.74.
    Negation,
    /// "never so/this …" or "so/this" two words before: × 1.25.
    NeverSoThis,
    /// An idiom containing the word ("the shit", "yeah right") replaces its valence.
    Idiom,
    /// "kind of", "sort of" or "just enough" before the word: −0.293.
    DampenerPhrase,
    /// "least" before the word (but not "at least"/"very least"): × −0.74.
    Least,
    /// Before the first "but": × 0.5.
    ButBefore,
    /// After the first "but": × 1.5.
    ButAfter,
}

/// Scores a text and explains which words and rules moved the score, and by how much.
pub fn explain(text: &str) -> Explanation {
    let mut scratch = Scratch::default();
    let mut trace = Trace::default();
    let run = score(text, &mut scratch, &mut trace);
    build_explanation(text, run, &scratch, trace)
}

#[derive(Default)]
struct Trace {
    steps: Vec<(usize, Rule, Trigger, f64, f64)>,
}

impl Recorder for Trace {
    const ON: bool = true;
    fn adjust(&mut self, token: usize, rule: Rule, trigger: Trigger, before: f64, after: f64) {
        if before != after {
            self.steps.push((token, rule, trigger, before, after));
        }
    }
}

fn build_explanation(original: &str, run: Run, scratch: &Scratch, trace: Trace) -> Explanation {
    let tokens = &scratch.tokens;
    let text = if run.replaced {
        scratch.replaced.as_str()
    } else {
        original
    };
    let word = |k: usize| tokens.get(k).map_or("", |t| &text[t.start..t.end]);
    let mut out: Vec<TokenExplanation> = tokens
        .iter()
        .enumerate()
        .map(|(index, t)| TokenExplanation {
            index,
            token: text[t.start..t.end].to_owned(),
            role: if t.word.booster() != 0.0 {
                Role::Modifier
            } else if t.lex().is_some() {
                Role::Sentiment
            } else {
                Role::Neutral
            },
            lexicon: t.lex(),
            adjustments: Vec::new(),
            valence: scratch.sentiments.get(index).copied().unwrap_or(0.0),
        })
        .collect();
    for (token, rule, trigger, before, after) in trace.steps {
        let trigger = match trigger {
            Trigger::Token(k) => word(k).to_owned(),
            Trigger::Tokens(a, b) => format!("{} {}", word(a), word(b)),
            Trigger::Phrase(p) => p.to_owned(),
        };
        if let Some(t) = out.get_mut(token) {
            t.adjustments.push(Adjustment {
                rule,
                trigger,
                before,
                after,
            });
        }
    }
    // "kind" in "kind of" is a modifier too, though not a single-word booster.
    for k in 0..tokens.len().saturating_sub(1) {
        if tokens[k].is(id::KIND) && tokens[k + 1].is(id::OF) {
            out[k].role = Role::Modifier;
        }
    }
    let emoji = scratch
        .emoji
        .iter()
        .map(|(c, d)| EmojiSwap {
            emoji: c.to_string(),
            description: (*d).to_owned(),
        })
        .collect::<Vec<_>>();
    let summary = summarise(&run, &out, &emoji);
    Explanation {
        scores: run.scores,
        emoji,
        tokens: out,
        but_index: run.but_index,
        punctuation: run.punctuation,
        valence_sum: run.valence_sum,
        total: run.total,
        summary,
    }
}

fn summarise(run: &Run, tokens: &[TokenExplanation], emoji: &[EmojiSwap]) -> Vec<String> {
    let mut lines = Vec::new();
    let s = &run.scores;
    lines.push(format!(
        "compound {:+.4} (pos {:.3}, neu {:.3}, neg {:.3})",
        s.compound, s.pos, s.neu, s.neg
    ));
    for swap in emoji {
        lines.push(format!(
            "emoji {} read as \"{}\"",
            swap.emoji, swap.description
        ));
    }
    for t in tokens
        .iter()
        .filter(|t| t.valence != 0.0 || !t.adjustments.is_empty())
    {
        let mut line = format!("\"{}\" {:+.3}", t.token, t.valence);
        match t.lexicon {
            Some(lex) => {
                let _ = write!(line, ": lexicon {lex:+.2}");
            }
            None => line.push_str(": not in lexicon"),
        }
        for a in &t.adjustments {
            let _ = write!(
                line,
                ", {} \"{}\" {:+.3} -> {:+.3}",
                rule_label(a.rule),
                a.trigger,
                a.before,
                a.after
            );
        }
        lines.push(line);
    }
    let p = &run.punctuation;
    if p.amplifier != 0.0 {
        lines.push(format!(
            "punctuation emphasis {:+.3} ({} '!', {} '?') pushes the sum away from 0",
            p.amplifier, p.exclamation_marks, p.question_marks
        ));
    }
    lines.push(format!(
        "sum of valences {:+.3}, with emphasis {:+.3}; compound = x / sqrt(x² + 15)",
        run.valence_sum, run.total
    ));
    lines
}

fn rule_label(rule: Rule) -> &'static str {
    match rule {
        Rule::NoAsDeterminer => "used as determiner before",
        Rule::NegatedByNo => "negated by",
        Rule::AllCaps => "all-caps emphasis on",
        Rule::Booster => "boosted by",
        Rule::Dampener => "dampened by",
        Rule::Negation => "negated by",
        Rule::NeverSoThis => "emphasised by",
        Rule::Idiom => "idiom",
        Rule::DampenerPhrase => "dampened by",
        Rule::Least => "negated by",
        Rule::ButBefore => "before",
        Rule::ButAfter => "after",
    }
}

impl Explanation {
    /// The human-readable explanation, one rule per line.
    pub fn to_text(&self) -> String {
        self.summary.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sentiment::vader;

    #[test]
    fn explanation_names_the_rules() {
        let e = explain("The food is NOT good, but the service is VERY nice!!");
        assert_eq!(
            e.scores,
            vader("The food is NOT good, but the service is VERY nice!!")
        );
        let good = &e.tokens[4];
        assert_eq!(good.token, "good");
        let rules: Vec<Rule> = good.adjustments.iter().map(|a| a.rule).collect();
        assert_eq!(rules, vec![Rule::Negation, Rule::ButBefore]);
        let nice = e
            .tokens
            .iter()
            .find(|t| t.token == "nice")
            .map(|t| t.adjustments.clone());
        let rules: Vec<Rule> = nice.unwrap_or_default().iter().map(|a| a.rule).collect();
        assert_eq!(rules, vec![Rule::Booster, Rule::ButAfter]);
        assert_eq!(e.punctuation.exclamation_marks, 2);
        assert!(
            e.to_text().contains("negated by \"NOT\""),
            "{}",
            e.to_text()
        );
    }

    #[test]
    fn idioms_least_and_kind_of_are_explained() {
        // Compounds from vaderSentiment 3.3.2.
        let e = explain("I think it was the bomb");
        assert_eq!(e.scores.compound, 0.6124);
        let bomb = e
            .tokens
            .iter()
            .find(|t| t.token == "bomb")
            .map(|t| t.adjustments.clone());
        let rules: Vec<Rule> = bomb.unwrap_or_default().iter().map(|a| a.rule).collect();
        assert_eq!(rules, vec![Rule::Idiom]);
        let e = explain("it was sort of good tbh");
        assert_eq!(e.scores.compound, 0.3832);
        assert_eq!(e.tokens[4].adjustments[0].rule, Rule::DampenerPhrase);
        assert_eq!(e.tokens[4].adjustments[0].trigger, "sort of");
        let e = explain("one of the least compelling films");
        assert!(
            e.tokens
                .iter()
                .any(|t| t.adjustments.iter().any(|a| a.rule == Rule::Least))
        );
        assert_eq!(e.scores.compound, -0.1695);
    }
}
