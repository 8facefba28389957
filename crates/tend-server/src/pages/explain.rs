//! The sentiment explanation of a message, in the reader's language: the lexicon
//! score of each word, every rule that changed it, emphasis, and the sum behind the
//! overall score, built from `tend_nlp`'s structured trace (whose own text summary
//! is English only).

use crate::i18n::{Lang, format_decimal};
use tend_nlp::sentiment::{Explanation, Rule};

/// One line per step, localised.
pub fn lines(lang: Lang, e: &Explanation) -> Vec<String> {
    let signed = |x: f64, places: usize| {
        let s = format_decimal(lang, x, places);
        if x > 0.0 && !s.chars().all(|c| c == '0' || !c.is_ascii_digit()) {
            format!("+{s}")
        } else {
            s
        }
    };
    let plain = |x: f64| format_decimal(lang, x, 3);
    let mut out = vec![lang.targs(
        "explain-compound",
        &[
            ("compound", signed(e.scores.compound, 4)),
            ("pos", plain(e.scores.pos)),
            ("neu", plain(e.scores.neu)),
            ("neg", plain(e.scores.neg)),
        ],
    )];
    for swap in &e.emoji {
        out.push(lang.targs(
            "explain-emoji",
            &[
                ("emoji", swap.emoji.clone()),
                ("description", swap.description.clone()),
            ],
        ));
    }
    for t in e
        .tokens
        .iter()
        .filter(|t| t.valence != 0.0 || !t.adjustments.is_empty())
    {
        let mut line = match t.lexicon {
            Some(lex) => lang.targs(
                "explain-token",
                &[
                    ("token", t.token.clone()),
                    ("valence", signed(t.valence, 3)),
                    ("lexicon", signed(lex, 2)),
                ],
            ),
            None => lang.targs(
                "explain-token-unknown",
                &[
                    ("token", t.token.clone()),
                    ("valence", signed(t.valence, 3)),
                ],
            ),
        };
        for a in &t.adjustments {
            line.push_str(", ");
            line.push_str(&lang.targs(
                rule_key(a.rule),
                &[
                    ("trigger", a.trigger.clone()),
                    ("before", signed(a.before, 3)),
                    ("after", signed(a.after, 3)),
                ],
            ));
        }
        out.push(line);
    }
    let p = &e.punctuation;
    if p.amplifier != 0.0 {
        out.push(lang.targs(
            "explain-punctuation",
            &[
                ("amplifier", signed(p.amplifier, 3)),
                ("exclamations", p.exclamation_marks.to_string()),
                ("questions", p.question_marks.to_string()),
            ],
        ));
    }
    out.push(lang.targs(
        "explain-sum",
        &[
            ("sum", signed(e.valence_sum, 3)),
            ("total", signed(e.total, 3)),
        ],
    ));
    out
}

fn rule_key(rule: Rule) -> &'static str {
    match rule {
        Rule::NoAsDeterminer => "explain-rule-determiner",
        Rule::NegatedByNo | Rule::Negation | Rule::Least => "explain-rule-negated",
        Rule::AllCaps => "explain-rule-caps",
        Rule::Booster => "explain-rule-booster",
        Rule::Dampener | Rule::DampenerPhrase => "explain-rule-dampener",
        Rule::NeverSoThis => "explain-rule-emphasis",
        Rule::Idiom => "explain-rule-idiom",
        Rule::ButBefore => "explain-rule-but-before",
        Rule::ButAfter => "explain-rule-but-after",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanations_read_in_both_languages() {
        let e =
            tend_nlp::sentiment::explain("The food is NOT good, but the service is VERY nice!!");
        let en = lines(Lang::En, &e).join("\n");
        let sv = lines(Lang::Sv, &e).join("\n");
        assert!(en.contains("negated by “NOT”"), "{en}");
        assert!(sv.contains("negerat av ”NOT”"), "{sv}");
        assert!(sv.contains("lexikon"), "{sv}");
        // Swedish decimals use a comma and the minus sign.
        assert!(sv.contains('\u{2212}') && sv.contains("0,"), "{sv}");
        assert!(!sv.contains("explain-"), "a key is missing: {sv}");
        assert!(!en.contains("explain-"), "a key is missing: {en}");
    }
}
