//! Conformance with `shared/specs/automoderator.md`: the §4 expectation table and the §10 test
//! plan (matching methods × case × single/joined/negated, thresholds, ordering, unrepeatable
//! actions, placeholders).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tend_rules::{
    Action, EvalContext, Item, ItemKind, Outcome, Reason, RuleHash, RuleSet, Target, Trigger,
};

fn rules(source: &str) -> RuleSet {
    match RuleSet::parse(source) {
        Ok(set) => set,
        Err(diagnostics) => {
            let text: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
            panic!("rules did not parse:\n{}\n---\n{source}", text.join("\n"))
        }
    }
}

fn run(set: &RuleSet, item: &Item) -> Outcome {
    set.evaluate(item, &EvalContext::new_item())
}

/// The `{{match}}` of a one-check rule on `item`, or `None` when the rule does not fire.
fn matched(check: &str, item: &Item) -> Option<String> {
    let set = rules(&format!(
        "{check}\naction: report\naction_reason: \"{{{{match}}}}\"\n"
    ));
    let outcome = run(&set, item);
    outcome.fired.first().map(|fired| match &fired.actions[0] {
        Action::Report { reason, .. } => reason.clone().unwrap_or_default(),
        other => panic!("unexpected action {other:?}"),
    })
}

fn title(text: &str) -> Item {
    Item::submission(text, "")
}

fn link_with_domain(domain: &str) -> Item {
    let mut item = Item::link("a link", &format!("https://{domain}/x"));
    item.domain = Some(domain.to_string());
    item
}

#[test]
fn section_4_expectation_table() {
    // (check, subject item, expected {{match}})
    let table: Vec<(&str, Item, Option<&str>)> = vec![
        ("title: [red, green]", title("Redgreen car"), None),
        ("title: [red, green]", title("The RED car"), Some("RED")),
        ("title: [red, green]", title("red-green"), Some("red")),
        (
            "title (includes): video",
            title("musicvideos"),
            Some("video"),
        ),
        ("title: video", title("musicvideos"), None),
        (
            "domain: youtube.com",
            link_with_domain("m.youtube.com"),
            Some("youtube.com"),
        ),
        (
            "domain: youtube.com",
            link_with_domain("notyoutube.com"),
            None,
        ),
        (
            "domain: youtube.com",
            link_with_domain("youtube.community"),
            None,
        ),
        (
            "domain: youtube.com",
            link_with_domain("youtube.com.evil.net"),
            Some("youtube.com"),
        ),
        (
            "title (full-text): hello",
            title("  Hello!!"),
            Some("Hello"),
        ),
        ("title (full-text): hello", title("Hello there"), None),
        ("title (full-exact): hello", title("hello "), None),
        ("body: \"c++\"", Item::comment("I love C++"), Some("C++")),
        (
            "title (starts-with): \"[OC]\"",
            title("[oc] my art"),
            Some("[oc]"),
        ),
        (
            "title (includes, regex): '(\\d+) things'",
            title("Top 10 things"),
            Some("10 things"),
        ),
    ];
    assert_eq!(table.len(), 15);
    for (check, item, expected) in table {
        assert_eq!(
            matched(check, &item).as_deref(),
            expected,
            "{check} on {:?}",
            item.title
        );
    }
    // The last row's capture group.
    let set = rules(
        "title (includes, regex): '(\\d+) things'\naction: report\naction_reason: \"{{match}}/{{match-2}}\"\n",
    );
    let outcome = run(&set, &title("Top 10 things"));
    assert_eq!(
        outcome.fired[0].actions[0],
        Action::Report {
            target: Target::Item,
            reason: Some("10 things/10".into())
        }
    );
}

/// A run of one repeated character, the common backreference rule: the user's group is 2
/// (group 1 wraps the options), case is ignored unless asked, and texts without such a run are
/// decided without the regex (the repeated-character prefilter) with the same verdicts.
#[test]
fn repeated_characters_by_backreference() {
    let includes = "title (regex, includes): ['(.)\\2{6,}']";
    assert_eq!(
        matched(includes, &title("so goooooood")).as_deref(),
        Some("ooooooo")
    );
    assert_eq!(
        matched(includes, &title("heyyyyYYYY!")).as_deref(),
        Some("yyyyYYYY")
    );
    assert_eq!(matched(includes, &title("so goooood")), None);
    let sensitive = "title (regex, includes, case-sensitive): ['(.)\\2{6,}']";
    assert_eq!(matched(sensitive, &title("heyyyyYYYY!")), None);
    assert_eq!(
        matched(sensitive, &title("heyyyyyyyy!")).as_deref(),
        Some("yyyyyyyy")
    );
    // includes-word: the run must stand between word boundaries.
    let word = "title (regex): ['(.)\\2{6,}']";
    assert_eq!(
        matched(word, &title("wow !!!!!!! ok")).as_deref(),
        Some("!!!!!!!")
    );
    assert_eq!(matched(word, &title("zzzzzzz")).as_deref(), Some("zzzzzzz"));
    assert_eq!(matched(word, &title("so goooooood")), None);
    let negated = rules("~title (regex, includes): ['(.)\\2{6,}']\naction: report\n");
    assert_eq!(run(&negated, &title("calm title")).fired.len(), 1);
    assert!(run(&negated, &title("aaaaaaaargh")).fired.is_empty());
}

/// §10.1: every method, case-sensitive or not, on a single field, joined fields and negated.
#[test]
fn section_10_methods_case_and_field_shapes() {
    // (method, a subject that matches "Foo", a subject that does not)
    let methods = [
        ("includes-word", "a Foo b", "aFoob"),
        ("includes", "aFoob", "a Fo b"),
        ("starts-with", "Foo bar", "bar Foo"),
        ("ends-with", "bar Foo", "Foo bar"),
        ("full-exact", "Foo", "Foo "),
        ("full-text", "  Foo!!", "Foo bar"),
    ];
    for (method, hit, miss) in methods {
        for case_sensitive in [false, true] {
            let modifiers = if case_sensitive {
                format!("{method}, case-sensitive")
            } else {
                method.to_string()
            };
            // Same subject with the option's case changed: matches only when insensitive.
            let recased = hit.replace("Foo", "fOO");
            for shape in ["single", "joined", "negated"] {
                let key = match shape {
                    "single" => format!("title ({modifiers})"),
                    "joined" => format!("title+body ({modifiers})"),
                    _ => format!("~title ({modifiers})"),
                };
                let check = format!("{key}: Foo");
                let subject = |text: &str| -> Item {
                    if shape == "joined" {
                        // The title never matches; the body decides.
                        Item::submission("zzz", text)
                    } else {
                        title(text)
                    }
                };
                let fires = |text: &str| matched(&check, &subject(text)).is_some();
                let negated = shape == "negated";
                assert_eq!(fires(hit), !negated, "{check} on {hit:?}");
                assert_eq!(fires(miss), negated, "{check} on {miss:?}");
                assert_eq!(
                    fires(&recased),
                    negated == case_sensitive,
                    "{check} on {recased:?}"
                );
            }
        }
    }
}

#[test]
fn joined_fields_default_to_includes_word_and_stop_at_the_first_match() {
    // `url` alone defaults to includes; joined, includes-word applies.
    let mut item = Item::link("x", "https://example.com/watchvideos");
    item.domain = Some("example.com".into());
    assert_eq!(matched("url: video", &item).as_deref(), Some("video"));
    assert_eq!(matched("url+title: video", &item), None);
    let item = Item::submission("red title", "green body");
    assert_eq!(
        matched("title+body: [green, red]", &item).as_deref(),
        Some("red")
    );
    assert_eq!(
        matched("body+title: [green, red]", &item).as_deref(),
        Some("green")
    );
}

fn author_item(configure: impl FnOnce(&mut tend_rules::Author)) -> Item {
    let mut item = Item::comment("hello");
    configure(&mut item.author);
    item
}

fn fires(source: &str, item: &Item) -> bool {
    !run(&rules(source), item).fired.is_empty()
}

#[test]
fn section_10_threshold_grammar_floors_and_satisfy_any() {
    let karma = |k: i64| author_item(|a| a.comment_karma = Some(k));
    let rule = |value: &str| format!("author:\n    comment_karma: {value}\naction: report\n");
    assert!(fires(&rule("\"< 10\""), &karma(9)));
    assert!(!fires(&rule("\"< 10\""), &karma(10)));
    assert!(fires(&rule("'> 10'"), &karma(11)));
    assert!(!fires(&rule("'> 10'"), &karma(10)));
    assert!(fires(&rule("\"10\""), &karma(10)));
    assert!(fires(&rule("10"), &karma(10)));
    assert!(fires(&rule("\"== 10\""), &karma(10)));
    assert!(!fires(&rule("\"== 10\""), &karma(11)));
    assert!(fires(&rule("\"< -50\""), &karma(-51)));
    // Comment karma never goes below -100: "< -100" can never match.
    assert!(!fires(&rule("\"< -100\""), &karma(-5000)));
    assert!(fires(&rule("\"== -100\""), &karma(-5000)));
    // Post karma floor 0, combined floor -100.
    let post = |k: i64| author_item(|a| a.post_karma = Some(k));
    assert!(fires(
        "author:\n    post_karma: \"== 0\"\naction: report\n",
        &post(-20)
    ));
    let both = |c: i64, p: i64| {
        author_item(|a| {
            a.comment_karma = Some(c);
            a.post_karma = Some(p);
        })
    };
    assert!(fires(
        "author:\n    combined_karma: \"== -100\"\naction: report\n",
        &both(-500, -500)
    ));
    assert!(fires(
        "author:\n    combined_karma: \"== 30\"\naction: report\n",
        &both(10, 20)
    ));

    let aged =
        |hours: u64| author_item(|a| a.account_age = Some(Duration::from_secs(hours * 3600)));
    let age = |value: &str| format!("author:\n    account_age: \"{value}\"\naction: report\n");
    assert!(fires(&age("< 60 hours"), &aged(59)));
    assert!(!fires(&age("< 60 hours"), &aged(60)));
    assert!(fires(&age("> 1 year"), &aged(366 * 24)));
    assert!(!fires(&age("> 1 year"), &aged(364 * 24)));
    assert!(fires(&age("< 7"), &aged(6 * 24 + 23)));
    assert!(!fires(&age("< 7"), &aged(7 * 24)));

    // `<= 5` is a syntax error naming the key.
    let errors =
        RuleSet::parse("author:\n    comment_karma: \"<= 5\"\naction: report\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].key.as_deref(), Some("comment_karma"));
    assert_eq!((errors[0].document, errors[0].line), (1, 2));

    // satisfy_any_threshold: OR over thresholds only, AND by default.
    let young_low = author_item(|a| {
        a.comment_karma = Some(500);
        a.account_age = Some(Duration::from_secs(3600));
    });
    let both_rule = |any: bool| {
        format!(
            "author:\n    comment_karma: \"< 10\"\n    account_age: \"< 1 days\"\n    satisfy_any_threshold: {any}\naction: report\n"
        )
    };
    assert!(fires(&both_rule(true), &young_low));
    assert!(!fires(&both_rule(false), &young_low));
    // Other author checks stay ANDed even with satisfy_any_threshold.
    let rule = "author:\n    comment_karma: \"< 10\"\n    account_age: \"< 1 days\"\n    satisfy_any_threshold: true\n    is_contributor: true\naction: report\n";
    assert!(!fires(rule, &young_low));
}

#[test]
fn site_banned_authors_fail_every_threshold() {
    let banned = author_item(|a| {
        a.comment_karma = Some(-80);
        a.site_banned = true;
    });
    assert!(!fires(
        "author:\n    comment_karma: \"< 0\"\naction: report\n",
        &banned
    ));
    assert!(!fires(
        "author:\n    comment_karma: \"> 0\"\naction: report\n",
        &banned
    ));
}

#[test]
fn missing_figures_do_not_match_and_are_explained() {
    let set = rules("author:\n    post_karma: \"< 10\"\naction: report\n");
    let mut item = Item::comment("hi");
    item.author.comment_karma = Some(5);
    let outcome = run(&set, &item);
    assert!(outcome.fired.is_empty());
    assert_eq!(outcome.notes.len(), 1);
    assert_eq!(
        outcome.notes[0].reason,
        Reason::MissingFigure(tend_rules::Figure::PostKarma)
    );
    assert!(outcome.notes[0].to_string().contains("post_karma"));
}

#[test]
fn section_10_ordering_removal_rules_first_and_only_one() {
    let set = rules(
        "# low\npriority: 1\ntitle: spam\naction: remove\n---\n# high\npriority: 5\ntitle: spam\naction: spam\n---\n# other one\ntitle: spam\naction: report\n---\n# other two\ntitle: spam\nset_flair: spammy\n",
    );
    let outcome = run(&set, &title("buy spam now"));
    let fired: Vec<&str> = outcome
        .fired
        .iter()
        .map(|f| set.rules()[f.rule].name())
        .collect();
    assert_eq!(fired, vec!["high", "other one", "other two"]);
    // A removal rule plus two non-removal rules: all three act.
    let set = rules(
        "title: spam\naction: remove\n---\ntitle: spam\naction: report\n---\ntitle: spam\ncomment: no spam\n",
    );
    assert_eq!(run(&set, &title("spam")).fired.len(), 3);
}

#[test]
fn section_10_moderators_are_exempt_from_removal_and_report_rules_only() {
    let set = rules(
        "title: x\naction: remove\n---\ntitle: x\naction: report\n---\ntitle: x\ncomment: hello\n---\ntitle: x\naction: remove\nmoderators_exempt: false\n",
    );
    let mut item = title("x");
    item.author.is_moderator = true;
    let fired: Vec<usize> = run(&set, &item).fired.iter().map(|f| f.rule).collect();
    assert_eq!(fired, vec![3, 2]);
    item.author.is_moderator = false;
    let fired: Vec<usize> = run(&set, &item).fired.iter().map(|f| f.rule).collect();
    assert_eq!(fired, vec![0, 1, 2]);
}

#[test]
fn section_10_unrepeatable_actions_happen_once_per_item() {
    let set =
        rules("body: hello\ncomment: Hi {{author}}!\n---\nbody: hello\nset_flair: greeting\n");
    let mut item = Item::comment("hello there");
    item.author.name = "ann".into();
    let first = run(&set, &item);
    assert_eq!(first.fired.len(), 2);
    let comment = &first.fired[0];
    assert!(comment.unrepeatable);
    assert_eq!(
        comment.actions,
        vec![Action::Comment {
            body: "Hi ann!".into()
        }]
    );
    assert!(!first.fired[1].unrepeatable);
    // The item is edited; the caller passes the hashes recorded from the first run.
    item.is_edited = true;
    item.body = "hello again".into();
    let performed: Vec<RuleHash> = vec![comment.hash.clone()];
    let again = set.evaluate(
        &item,
        &EvalContext {
            trigger: Trigger::Edited,
            performed: &performed,
        },
    );
    assert_eq!(again.fired.len(), 1);
    assert_eq!(again.fired[0].rule, 1);
    assert!(
        again
            .notes
            .iter()
            .any(|n| n.reason == Reason::AlreadyPerformed)
    );
}

#[test]
fn reports_trigger_only_runs_rules_with_a_reports_check() {
    let set = rules("reports: 2\naction: filter\n---\nbody: hello\naction: report\n");
    let mut item = Item::comment("hello");
    item.reports = 2;
    let ctx = EvalContext {
        trigger: Trigger::Reported,
        performed: &[],
    };
    let outcome = set.evaluate(&item, &ctx);
    assert_eq!(outcome.fired.len(), 1);
    assert_eq!(outcome.fired[0].rule, 0);
    assert!(matches!(outcome.fired[0].actions[0], Action::Filter { .. }));
}

#[test]
fn section_10_placeholders() {
    let set = rules("title: [red, green, blue]\nset_flair: [\"\", \"{{match}}\"]\n");
    let outcome = run(&set, &title("A blue car"));
    assert_eq!(
        outcome.fired[0].actions,
        vec![Action::SetFlair {
            target: Target::Item,
            text: Some(String::new()),
            css_class: Some("blue".into()),
            overwrite: false,
        }]
    );
    let set = rules(
        "title (regex): '(\\w+) (car|bike)'\ndomain: [youtube.com]\naction: report\naction_reason: \"{{match-title-2}} {{match-title-3}} {{match-domain}}\"\n",
    );
    let mut item = link_with_domain("youtube.com");
    item.title = Some("my blue car".into());
    let outcome = run(&set, &item);
    assert_eq!(
        outcome.fired[0].actions[0],
        Action::Report {
            target: Target::Item,
            reason: Some("blue car youtube.com".into())
        }
    );
    assert_eq!(
        outcome.fired[0].matched.get("title").map(String::as_str),
        Some("blue car")
    );
}

#[test]
fn modmail_gets_the_permalink_and_a_default_subject() {
    let set = rules("title: x\nmodmail: The above {{kind}} by /u/{{author}}\n");
    let mut item = title("x");
    item.permalink = "https://example.com/p/1".into();
    item.author.name = "bob".into();
    let outcome = run(&set, &item);
    assert_eq!(
        outcome.fired[0].actions[0],
        Action::Modmail {
            subject: "AutoModerator notification".into(),
            body: "https://example.com/p/1\n\nThe above submission by /u/bob".into(),
        }
    );
}

#[test]
fn type_variants_and_dropped_fields() {
    // `title` makes the comment variant invalid (not an error).
    let set = rules("title+body: hello\naction: report\n");
    assert!(!run(&set, &Item::comment("hello")).fired.is_empty());
    let set = rules("title: hello\naction: report\n");
    assert!(run(&set, &Item::comment("hello")).fired.is_empty());
    // Link posts check body only when there is text; a target with no field left fails, even
    // negated.
    let set = rules("~body: hello\naction: report\n");
    let link = Item::link("t", "https://example.com");
    assert!(run(&set, &link).fired.is_empty());
    let mut with_text = link.clone();
    with_text.body = "other".into();
    assert!(!run(&set, &with_text).fired.is_empty());
    // Text posts have domain self.<channel> and no url.
    let mut text = Item::submission("t", "b");
    text.channel = "pics".into();
    assert_eq!(
        matched("domain: self.pics", &text).as_deref(),
        Some("self.pics")
    );
    assert_eq!(matched("~url: x", &text), None);
    // type: link submission.
    let set = rules("type: link submission\naction: report\n");
    assert!(!run(&set, &link).fired.is_empty());
    assert!(run(&set, &text).fired.is_empty());
    assert_eq!(link.kind, ItemKind::Submission { link: true });
}

#[test]
fn body_length_and_blockquotes() {
    let set = rules("type: comment\nbody_shorter_than: 11\nis_top_level: true\naction: remove\n");
    assert!(!run(&set, &Item::comment("  short!! ")).fired.is_empty());
    assert!(
        run(&set, &Item::comment("this one is long enough"))
            .fired
            .is_empty()
    );
    let mut reply = Item::comment("short");
    reply.is_top_level = false;
    assert!(run(&set, &reply).fired.is_empty());
    let set = rules("body: secret\nignore_blockquotes: true\naction: report\n");
    assert!(
        run(&set, &Item::comment("> the secret\nmy answer"))
            .fired
            .is_empty()
    );
    assert!(
        !run(&set, &Item::comment("> quote\nthe secret"))
            .fired
            .is_empty()
    );
    let set = rules("body_longer_than: 5\nignore_blockquotes: true\naction: report\n");
    assert!(
        run(&set, &Item::comment("> a very long quoted line\nok"))
            .fired
            .is_empty()
    );
}

#[test]
fn approve_only_changes_something() {
    let set = rules("author:\n    name: [alice]\nreports: 1\naction: approve\n");
    let mut item = Item::comment("hi");
    item.author.name = "alice".into();
    assert!(
        run(&set, &item).fired.is_empty(),
        "not reported: nothing to approve"
    );
    item.reports = 1;
    let outcome = run(&set, &item);
    assert!(matches!(
        outcome.fired[0].actions[0],
        Action::Approve { .. }
    ));
    // Site-banned authors are approved only by rules that check the author's name (this one).
    item.author.site_banned = true;
    assert!(!run(&set, &item).fired.is_empty());
    let set = rules("reports: 1\naction: approve\n");
    assert!(run(&set, &item).fired.is_empty());
}

#[test]
fn author_shorthand_and_negation() {
    let set = rules(
        "author: [spammer, troll]\naction: remove\n---\n~author: [friend]\nbody: hi\naction: report\n",
    );
    let mut item = Item::comment("hi");
    item.author.name = "Troll".into();
    let fired: Vec<usize> = run(&set, &item).fired.iter().map(|f| f.rule).collect();
    assert_eq!(fired, vec![0, 1]);
    item.author.name = "friend".into();
    assert!(run(&set, &item).fired.is_empty());
}

#[test]
fn parent_submission_group() {
    let set = rules(
        "type: comment\nbody: repost\nparent_submission:\n    title: [cats]\n    set_flair: Possible Repost\n",
    );
    let mut item = Item::comment("this is a repost");
    assert!(run(&set, &item).fired.is_empty());
    assert!(
        run(&set, &item)
            .notes
            .iter()
            .any(|n| n.reason == Reason::ParentUnknown)
    );
    item.parent_submission = Some(Box::new(title("cats on a mat")));
    let outcome = run(&set, &item);
    assert_eq!(
        outcome.fired[0].actions,
        vec![Action::SetFlair {
            target: Target::ParentSubmission,
            text: Some("Possible Repost".into()),
            css_class: None,
            overwrite: false,
        }]
    );
}

#[test]
fn human_decisions_are_respected() {
    let set = rules("body: x\naction: remove\n---\nbody: x\naction: report\n");
    let mut item = Item::comment("x");
    item.already_approved = true;
    let fired: Vec<usize> = run(&set, &item).fired.iter().map(|f| f.rule).collect();
    assert_eq!(fired, vec![1]);
    item.already_removed_by_human = true;
    assert!(run(&set, &item).fired.is_empty());
}

#[test]
fn yaml_1_1_coercions_are_searched_as_python_strings() {
    // `yes` is True in YAML 1.1 and AutoModerator searches for str(True).
    assert_eq!(
        matched("title: [yes]", &title("True story")).as_deref(),
        Some("True")
    );
    assert_eq!(matched("title: [yes]", &title("yes indeed")), None);
    assert_eq!(
        matched("title: ['yes']", &title("yes indeed")).as_deref(),
        Some("yes")
    );
    assert_eq!(
        matched("title: [0x10]", &title("the 16 best")).as_deref(),
        Some("16")
    );
}
