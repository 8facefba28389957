//! Mistakes in rule files: every diagnostic names the document, the line and (where there is
//! one) the key; unsupported features are diagnosed, never silently changed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tend_rules::{Diagnostic, EvalContext, Item, Reason, RuleSet, Severity};

fn errors(source: &str) -> Vec<Diagnostic> {
    let diagnostics = RuleSet::parse(source).expect_err("should not parse");
    diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect()
}

/// The single error of `source`: (document, line, key, message).
fn error(source: &str) -> (usize, usize, Option<String>, String) {
    let errors = errors(source);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    (e.document, e.line, e.key.clone(), e.message.clone())
}

const GOOD: &str = "title: fine\naction: report\n";

#[test]
fn bad_yaml_names_its_document_and_line() {
    let source = format!("{GOOD}---\n{GOOD}---\ntitle: [unclosed\naction: report\n");
    let (document, line, key, message) = error(&source);
    assert_eq!(document, 3);
    assert!((7..=8).contains(&line), "line {line}");
    assert_eq!(key, None);
    assert!(message.starts_with("invalid YAML"), "{message}");
    // Unquoted `>` starts a folded scalar: a classic AutoModerator mistake.
    let source = "author:\n    comment_karma: > 10\naction: report\n";
    let (_, line, key, message) = error(source);
    assert_eq!((line, key.as_deref()), (2, Some("comment_karma")));
    assert!(message.contains("quote greater-than checks"), "{message}");
}

#[test]
fn display_names_file_document_line_and_key() {
    let source = format!(
        "{GOOD}---\n{GOOD}---\n# third\ntype: comment\nbody (regex): ['(unclosed']\naction: remove\n"
    );
    let errors = errors(&source);
    assert_eq!(
        errors[0]
            .in_file("rules.yaml")
            .to_string()
            .split(": unsupported")
            .next()
            .unwrap(),
        "rules.yaml: document 3, line 9, key \"body (regex)\""
    );
}

#[test]
fn unknown_fields_keys_and_values() {
    assert_eq!(
        error("titel: spam\naction: remove\n"),
        (1, 1, Some("titel".into()), "unknown key `titel`".into())
    );
    let (_, line, key, message) = error("title+bdy: spam\naction: remove\n");
    assert_eq!((line, key.as_deref()), (1, Some("title+bdy")));
    assert_eq!(message, "unknown field `bdy`");
    let (_, _, key, message) = error("name: spam\naction: remove\n");
    assert_eq!(key.as_deref(), Some("name"));
    assert!(message.contains("author"), "{message}");
    let (_, _, _, message) = error("title: x\naction: delete\n");
    assert!(message.contains("unknown action `delete`"), "{message}");
    let (_, _, _, message) = error("type: post\naction: remove\n");
    assert!(message.contains("unknown type `post`"), "{message}");
    let (_, line, key, _) = error("title: x\naction: remove\nauthor:\n    karma: 5\n");
    assert_eq!((line, key.as_deref()), (4, Some("karma")));
    let (_, _, key, message) = error("title: x\nreports: lots\naction: report\n");
    assert_eq!(key.as_deref(), Some("reports"));
    assert!(message.contains("whole number"), "{message}");
    let (_, _, key, _) = error("title: x\nis_edited: maybe\naction: report\n");
    assert_eq!(key.as_deref(), Some("is_edited"));
    let (_, _, _, message) = error("title: x\ncomment_karma: \"< 5\"\naction: report\n");
    assert!(message.contains("under `author:`"), "{message}");
}

#[test]
fn less_or_equal_is_rejected() {
    let (document, line, key, message) = error(
        "---\ntitle: x\naction: report\n---\nauthor:\n    account_age: \"<= 5 days\"\naction: report\n",
    );
    assert_eq!(
        (document, line, key.as_deref()),
        (2, 6, Some("account_age"))
    );
    assert!(message.contains("`<=` is not an operator"), "{message}");
    let (_, _, key, _) = error("toxicity: \">= 0.5\"\naction: report\n");
    assert_eq!(key.as_deref(), Some("toxicity"));
}

#[test]
fn duplicate_match_methods_and_unknown_modifiers() {
    let (_, line, key, message) = error("\n\ntitle (includes, starts-with): x\naction: report\n");
    assert_eq!(
        (line, key.as_deref()),
        (3, Some("title (includes, starts-with)"))
    );
    assert!(message.contains("only one match method"), "{message}");
    let (_, _, _, message) = error("title (includes, loud): x\naction: report\n");
    assert!(message.contains("unknown modifier `loud`"), "{message}");
    let (_, _, _, message) = error("reports (regex): 2\naction: report\n");
    assert!(message.contains("unknown key"), "{message}");
}

#[test]
fn regex_errors_name_the_option_line() {
    // Python's ASCII flag `(?a)` is a Python feature fancy-regex lacks.
    let source =
        "title (regex):\n    - 'fine'\n    - '(?<!a+)b'\n    - '(?a)\\w+'\naction: report\n";
    let errors = errors(source);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 4, "{:?}", errors[0]);
    assert!(
        errors[0]
            .message
            .starts_with("unsupported regex in option `(?a)\\w+`"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[0].message.contains("Unknown group flag"),
        "{}",
        errors[0].message
    );
}

#[test]
fn parent_submission_only_for_comments() {
    let (_, line, key, message) =
        error("type: submission\ntitle: x\nparent_submission:\n    title: y\naction: report\n");
    assert_eq!((line, key.as_deref()), (3, Some("parent_submission")));
    assert!(message.contains("comments"), "{message}");
}

#[test]
fn unsupported_standard_is_an_error() {
    let (_, line, key, message) = error("title: x\nstandard: facebook links\naction: remove\n");
    assert_eq!((line, key.as_deref()), (2, Some("standard")));
    assert!(
        message.starts_with("unsupported standard `facebook links`"),
        "{message}"
    );
    // A sourced standard works, and the user's own keys win over it.
    let set = RuleSet::parse("standard: image hosting sites\naction: remove\n").unwrap();
    let item = Item::link("x", "https://i.imgur.com/abc.png");
    assert_eq!(set.evaluate(&item, &EvalContext::new_item()).fired.len(), 1);
    let set =
        RuleSet::parse("standard: image hosting sites\ndomain: example.com\naction: remove\n")
            .unwrap();
    assert!(
        set.evaluate(&item, &EvalContext::new_item())
            .fired
            .is_empty()
    );
}

#[test]
fn actions_tend_cannot_perform() {
    // The only action is unsupported: the rule would silently do nothing.
    let (_, _, _, message) = error("title: x\nset_sticky: true\n");
    assert!(message.contains("set_sticky"), "{message}");
    // With another action it loads, with a warning naming the key.
    let set = RuleSet::parse("title: x\nset_contest_mode: true\naction: report\n").unwrap();
    let w = &set.warnings()[0];
    assert_eq!(
        (w.severity, w.key.as_deref()),
        (Severity::Warning, Some("set_contest_mode"))
    );
}

#[test]
fn rules_without_checks_or_actions_are_ignored_with_a_warning() {
    let set = RuleSet::parse("action: remove\n---\ntitle: x\n---\n# just a comment\n").unwrap();
    assert!(set.rules().is_empty());
    assert_eq!(set.warnings().len(), 2);
    assert!(set.warnings()[0].message.contains("no checks"));
    assert!(set.warnings()[1].message.contains("no actions"));
}

#[test]
fn duplicate_keys_warn_and_the_later_wins() {
    let set = RuleSet::parse("domain: imgur.com\ndomain: youtube.com\naction: remove\n").unwrap();
    assert_eq!(set.warnings().len(), 1);
    assert_eq!(set.warnings()[0].line, 2);
    let imgur = Item::link("x", "https://imgur.com/a");
    let youtube = Item::link("x", "https://youtube.com/a");
    assert!(
        set.evaluate(&imgur, &EvalContext::new_item())
            .fired
            .is_empty()
    );
    assert_eq!(
        set.evaluate(&youtube, &EvalContext::new_item()).fired.len(),
        1
    );
}

#[test]
fn unknown_placeholders_warn() {
    let set = RuleSet::parse("title: x\naction: report\naction_reason: \"{{nope}}\"\n").unwrap();
    assert!(set.warnings()[0].message.contains("{{nope}}"));
}

#[test]
fn hostile_yaml_is_refused_cleanly() {
    let deep = format!(
        "title: {}x{}\naction: report\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let diagnostics = RuleSet::parse(&deep).unwrap_err();
    assert!(diagnostics[0].is_error());
    let errors = errors("title: *nothing\naction: report\n");
    assert_eq!(errors[0].line, 1);
}

/// A regex that backtracks catastrophically gives up at the limit: the check counts as not
/// matching (whether negated or not) and the outcome says why.
#[test]
fn catastrophic_backtracking_is_a_reported_non_match() {
    // The backreference (to the option's own group: group 1 wraps the options) forces
    // fancy-regex's backtracking engine.
    let source = "body (regex): ['(a*)*\\2b']\naction: remove\n---\n~body (regex): ['(a*)*\\2b']\naction: report\n";
    let set = RuleSet::parse(source).unwrap();
    let item = Item::comment(&format!("{}c", "a".repeat(40)));
    let outcome = set.evaluate(&item, &EvalContext::new_item());
    assert!(outcome.fired.is_empty());
    let limits: Vec<&Reason> = outcome.notes.iter().map(|n| &n.reason).collect();
    assert_eq!(limits.len(), 2, "{limits:?}");
    assert!(matches!(limits[0], Reason::RegexLimit { check } if check == "body (regex)"));
    assert!(outcome.notes[0].to_string().contains("backtracking limit"));
    // The same rule still works on ordinary text.
    let ok = set.evaluate(&Item::comment("aab"), &EvalContext::new_item());
    assert_eq!(ok.fired.len(), 1);
    assert_eq!(ok.fired[0].rule, 0);
}

/// Python refuses a backreference to a group that is still open; `\1` in an option is the
/// group wrapping all options (spec §4), so the error says to count from 2.
#[test]
fn a_backreference_to_an_open_group_is_an_error() {
    let (_, line, key, message) =
        error("title (regex):\n    - 'fine'\n    - '(.)\\1{6,}'\naction: report\n");
    assert_eq!((line, key.as_deref()), (3, Some("title (regex)")));
    assert!(
        message.contains("cannot refer to an open group"),
        "{message}"
    );
    assert!(message.contains("`\\2`"), "{message}");
    let (_, _, _, message) = error("title (regex): ['(a(b\\3))']\naction: report\n");
    assert!(message.contains("group 3"), "{message}");
}

#[test]
fn a_webhook_must_be_a_web_url_and_the_error_names_the_rule() {
    for bad in [
        "ftp://example.org/hook",
        "javascript:alert(1)",
        "https://",
        "http:///path",
        "https://exa mple.org/",
        "example.org/hook",
    ] {
        let source = format!(
            "{GOOD}---\n# Alert the on-call\nbody: [refund]\nnotify:\n    webhook: '{bad}'\n"
        );
        let (document, line, key, message) = error(&source);
        assert_eq!(
            (document, line, key.as_deref()),
            (2, 7, Some("notify")),
            "{bad}"
        );
        assert!(message.contains("rule “Alert the on-call”"), "{message}");
        assert!(message.contains("http:// or https://"), "{message}");
    }
    // A rule without a name comment is named by its number.
    let (_, _, _, message) = error("body: [x]\nnotify: {webhook: 'file:///etc/passwd'}\n");
    assert!(message.starts_with("rule “rule 1”"), "{message}");
    for good in [
        "https://hooks.example.org/tend?k=1",
        "HTTP://127.0.0.1:8080/x",
    ] {
        let source = format!("body: [refund]\nnotify:\n    webhook: '{good}'\n");
        assert!(RuleSet::parse(&source).is_ok(), "{good}");
    }
}
