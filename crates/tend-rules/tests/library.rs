//! Every rule quoted in AutoModerator's "Library of Common Rules" (fixture `library.yaml`)
//! loads, the ones Tend cannot fully perform say so, and the look-around and backreference
//! regexes work (fancy-regex runs all of them; none needs the "unsupported" diagnostic).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tend_rules::{Action, EvalContext, Item, RuleSet, Severity};

const LIBRARY: &str = include_str!("fixtures/library.yaml");

/// The fixture's documents by their `# Library: …` name.
fn document(name: &str) -> String {
    let marker = format!("# Library: {name}\n");
    LIBRARY
        .split("\n---\n")
        .find(|doc| doc.contains(&marker))
        .unwrap_or_else(|| panic!("no library rule {name}"))
        .to_string()
}

fn rule(name: &str) -> RuleSet {
    RuleSet::parse(&document(name)).unwrap_or_else(|d| panic!("{name}: {d:?}"))
}

fn fires(set: &RuleSet, item: &Item) -> Option<String> {
    let outcome = set.evaluate(item, &EvalContext::new_item());
    outcome.fired.first().map(|f| {
        f.actions
            .iter()
            .find_map(|a| match a {
                Action::Remove { reason, .. }
                | Action::Filter { reason, .. }
                | Action::Report { reason, .. }
                | Action::Spam { reason, .. } => reason.clone(),
                _ => None,
            })
            .unwrap_or_default()
    })
}

#[test]
fn every_library_rule_loads() {
    let set = RuleSet::parse(LIBRARY).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(|d| d.in_file("library.yaml").to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(set.rules().len(), 68);
    assert!(
        set.warnings()
            .iter()
            .all(|w| w.severity == Severity::Warning)
    );
    // Each rule is named by its first comment line.
    assert_eq!(
        set.rules()[0].name(),
        "Library: Automatic Sticky Replies on Submissions"
    );
    assert_eq!(
        set.rules()[0].description(),
        "Sticky comment on submissions"
    );
    // The rules Tend cannot fully perform are the ones with warnings, and each says why.
    let warned: Vec<String> = set
        .warnings()
        .iter()
        .map(|w| format!("{}: {}", set_name(&set, w.document), w.message))
        .collect();
    let expect = [
        (
            "Automatic Sticky Replies on Submissions",
            "stickied comment",
        ),
        (
            "Automatic Sticky Replies Based on Flair",
            "stickied comment",
        ),
        ("Domain Blacklist (with media description)", "never applies"),
        ("Subreddit Blacklist (crossposts)", "never applies"),
        ("Crosspost Whitelist\n", "never applies"),
        ("Common Clickbait Titles", "never applies"),
        ("NSFW and NSFL", "cannot perform `set_nsfw`"),
    ];
    assert_eq!(warned.len(), expect.len(), "{warned:#?}");
    for (rule, what) in expect {
        let rule = rule.trim_end();
        assert!(
            warned
                .iter()
                .any(|w| w.starts_with(&format!("Library: {rule}:")) && w.contains(what)),
            "{rule}: {what}\n{warned:#?}"
        );
    }
    let never: Vec<&str> = set
        .rules()
        .iter()
        .filter(|r| !r.can_apply())
        .map(|r| r.name())
        .collect();
    assert_eq!(never.len(), 4, "{never:?}");
}

fn set_name(set: &RuleSet, document: usize) -> String {
    set.rules()
        .iter()
        .find(|r| r.document() == document)
        .map(|r| r.name().to_string())
        .unwrap_or_default()
}

#[test]
fn negative_lookahead_whitelists_subreddits() {
    let set = rule("Crosspost Whitelist (link posts)");
    let other = Item::link("x", "https://www.reddit.com/r/othersub/comments/1");
    let approved = Item::link(
        "x",
        "https://www.reddit.com/r/approvedsubreddit2/comments/1",
    );
    assert_eq!(
        fires(&set, &other).as_deref(),
        Some("Link post to an unapproved subreddit")
    );
    assert_eq!(fires(&set, &approved), None);
}

#[test]
fn backreferences_and_lookbehind_count_username_mentions() {
    let set = rule("Username Mentions");
    assert_eq!(
        fires(&set, &Item::comment("ping u/alice please")).as_deref(),
        Some("Remove username mention [alice]")
    );
    // Links to profiles are not pings (lookbehind).
    assert_eq!(
        fires(&set, &Item::comment("see https://www.reddit.com/u/alice")),
        None
    );
    // Four distinct users: Reddit does not notify, the rule exempts it (backreferences).
    assert_eq!(fires(&set, &Item::comment("u/aaa u/bbb u/ccc u/ddd")), None);
    // Four mentions of fewer users still ping.
    assert!(fires(&set, &Item::comment("u/aaa u/bbb u/aaa u/bbb")).is_some());
}

#[test]
fn variable_length_lookbehind_in_the_profanity_filter() {
    let set = rule("Profanity Filter");
    assert_eq!(
        fires(&set, &Item::submission("so pissed", "")).as_deref(),
        Some("Profanity [pissed]")
    );
    // `(?<!\bi(\sa|\W?)m pissed)`: "I'm pissed" is allowed.
    assert_eq!(fires(&set, &Item::submission("I'm pissed", "")), None);
    assert_eq!(fires(&set, &Item::submission("Moby Dick", "")), None);
    assert_eq!(fires(&set, &Item::submission("a nice hat", "")), None);
}

#[test]
fn lookahead_finds_colored_shapes() {
    let set = rule("Match Multiple Keywords (lookahead)");
    assert!(fires(&set, &Item::submission("a red square", "")).is_some());
    assert!(fires(&set, &Item::submission("a square", "")).is_none());
    let set = rule("Match Multiple Keywords");
    assert_eq!(
        fires(&set, &Item::submission("blue", "three circles")).as_deref(),
        Some("Colored shape filter [blue] [circles]")
    );
}

#[test]
fn doxxing_rules() {
    let email = rule("Email Addresses");
    assert_eq!(
        fires(&email, &Item::comment("write me at jane.doe@example.org")).as_deref(),
        Some("Email address detected [jane.doe@example.org]")
    );
    assert_eq!(
        fires(&email, &Item::comment("contact support@example.org")),
        None
    );
    assert_eq!(
        fires(&email, &Item::comment("okay.address1@example.com")),
        None
    );
    let ip = rule("IPv4 Addresses");
    assert!(fires(&ip, &Item::comment("server at 203.0.113.7")).is_some());
    assert_eq!(
        fires(&ip, &Item::comment("dns 8.8.8.8 and lan 192.168.1.1")),
        None
    );
    let phone = rule("Phone Numbers");
    assert!(fires(&phone, &Item::comment("call 555-123-4567 now")).is_some());
    assert_eq!(fires(&phone, &Item::comment("jenny 555 867-5309")), None);
    let card = rule("Credit Card Numbers");
    assert!(fires(&card, &Item::comment("4111111111111111")).is_some());
    let street = rule("Street Addresses");
    assert!(fires(&street, &Item::comment("I live at 42 Elm Street")).is_some());
    assert_eq!(
        fires(&street, &Item::comment("visit 221b Baker Street")),
        None
    );
}

#[test]
fn disguised_links_use_a_backreference_inside_a_lookahead() {
    let set = rule("Disguised Links");
    assert!(
        fires(
            &set,
            &Item::comment("[paypal.com](https://evil.example/login)")
        )
        .is_some()
    );
    assert!(
        fires(
            &set,
            &Item::comment("[example.com](https://www.example.com/page)")
        )
        .is_none()
    );
}

#[test]
fn non_english_rules() {
    let set = rule("Non-English Content Ban");
    assert_eq!(
        fires(&set, &Item::comment("Привет мир")).as_deref(),
        Some("Non-English [Привет]")
    );
    assert!(fires(&set, &Item::comment("plain english")).is_none());
    let french = rule("Non-English Content Ban (French)");
    assert!(
        fires(
            &french,
            &Item::submission("Ça marche", "c'est très bien, avec les amis")
        )
        .is_some()
    );
    assert!(
        fires(
            &french,
            &Item::submission("Café", "laissez faire economics")
        )
        .is_none()
    );
    let emoji = rule("Emoji Ban");
    assert!(fires(&emoji, &Item::submission("party 🎉", "")).is_some());
}

#[test]
fn url_shorteners_and_crowdfunding() {
    let set = rule("URL Shortener Ban");
    assert_eq!(
        fires(&set, &Item::comment("see https://bit.ly/abc")).as_deref(),
        Some("URL shortener [bit.ly]")
    );
    assert!(fires(&set, &Item::comment("a bitly thing")).is_none());
    let set = rule("Crowdfunding");
    let mut item = Item::link("help", "https://www.gofundme.com/f/x");
    item.domain = Some("gofundme.com".into());
    assert_eq!(
        fires(&set, &item).as_deref(),
        Some("Crowdfunding [gofundme.com]")
    );
}

#[test]
fn short_and_senseless_memes_only_count_unquoted_text() {
    let set = rule("Short and Senseless Memes");
    assert!(fires(&set, &Item::comment("lol")).is_some());
    assert!(fires(&set, &Item::comment("> lol\nA real answer about the topic")).is_none());
}

#[test]
fn meta_drama_alert_placeholders() {
    let set = rule("Meta Drama Alert");
    let mut item = Item::comment(
        "This thread has been linked to from elsewhere.\n[/r/drama] [Look at this](https://np.reddit.com/r/drama/comments/1)",
    );
    item.author.name = "TotesMessenger".into();
    item.channel = "mysub".into();
    item.parent_submission = Some(Box::new(Item::submission("Original title", "")));
    let outcome = set.evaluate(&item, &EvalContext::new_item());
    let modmail = outcome.fired[0]
        .actions
        .iter()
        .find_map(|a| match a {
            Action::Modmail { subject, body } => Some((subject.clone(), body.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(modmail.0, "Submission linked from /r/drama");
    assert!(
        modmail
            .1
            .contains("**Meta post:** [Look at this](https://np.reddit.com/r/drama/comments/1)")
    );
    assert!(modmail.1.contains("[Original title]"));
}
