//! Hostile input never panics: arbitrary rule files (random text and YAML-shaped text built
//! from the rule vocabulary) parse to a rule set or diagnostics, and evaluation of arbitrary
//! item text always returns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use tend_rules::{EvalContext, Item, ItemKind, RuleSet, Trigger};

const LIBRARY: &str = include_str!("fixtures/library.yaml");

fn library() -> &'static RuleSet {
    static SET: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| RuleSet::parse(LIBRARY).unwrap())
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("title".to_string()),
        Just("~body".to_string()),
        Just("title+body#x (regex)".to_string()),
        Just("domain (starts-with, case-sensitive)".to_string()),
        Just("url (includes, full-exact)".to_string()),
        Just("action".to_string()),
        Just("action_reason".to_string()),
        Just("type".to_string()),
        Just("priority".to_string()),
        Just("author".to_string()),
        Just("~author".to_string()),
        Just("parent_submission".to_string()),
        Just("comment_karma".to_string()),
        Just("account_age".to_string()),
        Just("reports".to_string()),
        Just("set_flair".to_string()),
        Just("standard".to_string()),
        Just("toxicity".to_string()),
        Just("notify".to_string()),
        Just("tag".to_string()),
        "[a-z_~+#() ,-]{1,20}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("remove".to_string()),
        Just("report".to_string()),
        Just("'< 10'".to_string()),
        Just("'<= 5'".to_string()),
        Just("\"> 1 year\"".to_string()),
        Just("[a, b, '(x|y)+']".to_string()),
        Just("'{{match-title-2}} {{author}}'".to_string()),
        Just("yes".to_string()),
        Just("0x1F".to_string()),
        Just("&a [x]".to_string()),
        Just("*a".to_string()),
        Just("|\n  text".to_string()),
        Just("image hosting sites".to_string()),
        "[ -~]{0,30}",
        "\\PC{0,20}",
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec((key(), value(), 0usize..3), 0..8).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(k, v, indent)| format!("{}{k}: {v}\n", "    ".repeat(indent)))
            .collect()
    })
}

fn yamlish() -> impl Strategy<Value = String> {
    prop::collection::vec(document(), 1..4).prop_map(|docs| docs.join("---\n"))
}

fn item(kind: u8, title: String, body: String) -> Item {
    let mut item = match kind % 3 {
        0 => Item::comment(&body),
        1 => Item::submission(&title, &body),
        _ => {
            let mut link = Item::link(&title, &format!("https://{title}.example/{body}"));
            link.body = body.clone();
            link
        }
    };
    item.author.name = title.chars().take(12).collect();
    item.author.comment_karma = Some(body.len() as i64 - 50);
    if item.kind == ItemKind::Comment {
        item.parent_submission = Some(Box::new(Item::submission(&title, "")));
    }
    item
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn parsing_arbitrary_text_never_panics(source in "\\PC{0,400}") {
        let _ = RuleSet::parse(&source);
    }

    #[test]
    fn parsing_yaml_shaped_text_never_panics(source in yamlish()) {
        match RuleSet::parse(&source) {
            Ok(set) => {
                // Whatever loaded also evaluates.
                let _ = set.evaluate(&Item::comment("text"), &EvalContext::new_item());
            }
            Err(diagnostics) => prop_assert!(diagnostics.iter().any(|d| d.is_error())),
        }
    }

    #[test]
    fn evaluating_arbitrary_text_never_panics(kind in 0u8..3, title in "\\PC{0,80}", body in "\\PC{0,300}") {
        let set = library();
        let item = item(kind, title, body);
        for trigger in [Trigger::New, Trigger::Edited, Trigger::Reported] {
            let outcome = set.evaluate(&item, &EvalContext { trigger, performed: &[] });
            // Removal rules stop at the first one that fires.
            let removals = outcome.fired.iter().filter(|f| set.rules()[f.rule].is_removal()).count();
            prop_assert!(removals <= 1);
        }
    }
}
