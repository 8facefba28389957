//! Behaviour tests for [`super::toxicity`]: obfuscation, categories, identity terms, Swedish,
//! explanations, robustness on hostile input, and the evaluation figures.

use super::*;
use proptest::prelude::*;

fn score(text: &str) -> f64 {
    toxicity(text).score
}

fn has(text: &str, category: Category) -> bool {
    toxicity(text)
        .categories
        .iter()
        .any(|c| c.category == category)
}

#[test]
fn clean_text_scores_near_zero() {
    for text in [
        "Thanks for the quick fix, see you at the meetup!",
        "Kan du skicka länken igen?",
        "",
    ] {
        assert!(score(text) < 0.1, "{text:?} scored {}", score(text));
    }
}

#[test]
fn identity_terms_alone_do_not_raise_toxicity() {
    for text in [
        "I am gay",
        "She is a proud muslim woman",
        "my jewish neighbours",
        "Black lives matter",
        "trans people are welcome here",
        "Jag är bög och stolt",
        "You are a great lesbian",
        "Being transgender is great",
        "He is a black man",
        "I killed the process",
    ] {
        assert!(score(text) < 0.1, "{text:?} scored {}", score(text));
    }
}

#[test]
fn identity_plus_attack_is_an_identity_attack() {
    for text in [
        "muslims are disgusting",
        "I hate gay people",
        "kill all jews",
        "Being lesbian is disgusting",
        "muslims should be killed",
        "invandrare är äckliga",
        "bögar borde dö",
    ] {
        assert!(
            has(text, Category::IdentityAttack),
            "{text:?}: {:?}",
            toxicity(text)
        );
    }
}

#[test]
fn slurs_are_identity_attacks_by_themselves() {
    assert!(has("shut up you f4gg0t", Category::IdentityAttack));
}

#[test]
fn insults_aimed_at_you_score_higher_than_unaimed() {
    let aimed = score("you are an idiot");
    let unaimed = score("that idiot");
    assert!(
        aimed > unaimed && aimed >= FLAG_THRESHOLD,
        "{aimed} vs {unaimed}"
    );
    assert!(has("you are an idiot", Category::Insult));
}

#[test]
fn negation_damps_insults() {
    assert!(score("you are not stupid") < score("you are stupid"));
}

#[test]
fn threats_are_detected() {
    for text in [
        "I will kill you",
        "kill yourself",
        "I know where you live",
        "jag ska döda dig",
        "hoppas du dör",
    ] {
        assert!(
            has(text, Category::Threat),
            "{text:?}: {:?}",
            toxicity(text)
        );
    }
    assert!(score("I will kill you") > score("kill the process"));
}

#[test]
fn profanity_and_sexual_categories() {
    assert!(has("what the fuck", Category::Profanity));
    assert!(has("suck my dick", Category::Sexual));
}

#[test]
fn obfuscated_profanity_is_caught() {
    for text in [
        "sh1t",
        "@ss",
        "f u c k",
        "f.u.c.k",
        "fuuuuuck",
        "f**k",
        "ｆｕｃｋ",
        "fu\u{0441}k",
        "f\u{200B}uck",
        "fück",
        "motherfucker",
    ] {
        assert!(
            score(text) >= FLAG_THRESHOLD,
            "{text:?} scored {}",
            score(text)
        );
    }
}

#[test]
fn benign_words_containing_stems_are_not_flagged() {
    for text in [
        "a cocktail at Scunthorpe",
        "Dickens wrote novels",
        "I passed the assessment",
        "the peacock",
    ] {
        assert!(score(text) < 0.1, "{text:?} scored {}", score(text));
    }
}

#[test]
fn swedish_abuse_is_caught() {
    for text in [
        "din jävla idiot",
        "håll käften",
        "fitta",
        "din hora",
        "dö",
        "javla idiot",
    ] {
        assert!(score(text) >= 0.4, "{text:?} scored {}", score(text));
    }
}

#[test]
fn hits_explain_the_score_with_original_ranges() {
    let text = "Well, f.u.c.k you idiot";
    let t = toxicity(text);
    let terms: Vec<&str> = t.hits.iter().map(|h| h.term.as_str()).collect();
    assert!(
        terms.contains(&"fuck") && terms.contains(&"idiot"),
        "{terms:?}"
    );
    let fuck = t
        .hits
        .iter()
        .find(|h| h.term == "fuck")
        .map(|h| &text[h.start..h.end]);
    assert_eq!(fuck, Some("f.u.c.k"));
}

#[test]
fn a_phrase_is_counted_once_not_again_by_its_parts() {
    let terms: Vec<String> = toxicity("du borde dö")
        .hits
        .into_iter()
        .map(|h| h.term)
        .collect();
    assert_eq!(terms, ["du borde dö"]);
    let terms: Vec<String> = toxicity("piece of shit")
        .hits
        .into_iter()
        .map(|h| h.term)
        .collect();
    assert_eq!(terms, ["piece of shit"]);
}

#[test]
fn categories_serialise_in_snake_case() {
    let json = serde_json::to_string(&Category::IdentityAttack).unwrap_or_default();
    assert_eq!(json, "\"identity_attack\"");
}

#[test]
fn huge_hostile_input_is_handled() {
    let mut text = "a*b f u c k ".repeat(50_000);
    text.push_str(&"\u{200B}\u{0301}".repeat(10_000));
    let t = toxicity(&text);
    assert!(t.score >= FLAG_THRESHOLD && t.hits.len() <= 32);
}

proptest! {
    #[test]
    fn toxicity_never_panics_and_keeps_invariants(text in "\\PC{0,300}") {
        let t = toxicity(&text);
        prop_assert!((0.0..=1.0).contains(&t.score));
        for c in &t.categories {
            prop_assert!((CATEGORY_THRESHOLD..=1.0).contains(&c.score));
        }
        for h in &t.hits {
            prop_assert!(h.start < h.end && h.end <= text.len());
            prop_assert!(text.is_char_boundary(h.start) && text.is_char_boundary(h.end));
            prop_assert!((0.0..=1.0).contains(&h.score));
        }
    }

    #[test]
    fn obfuscation_characters_never_panic(text in "[a-z0-9@$!*|' .\u{200B}\u{0430}\u{FF41}\u{0301}]{0,200}") {
        let t = toxicity(&text);
        prop_assert!((0.0..=1.0).contains(&t.score));
    }
}
