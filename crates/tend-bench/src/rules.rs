//! `tend bench rules`: the moderation engine's speed target (issue: ≤ 20 µs per message per core with 200 realistic rules), measured
//! with a baseline in the same run: one Aho-Corasick scan of every keyword of the rule set over
//! each message's title and body, the least any keyword engine must do.
//!
//! - [`realistic_rule_set`] writes `n` rules in the proportions a community uses: keyword
//!   lists (Library-like spam, profanity and topic lists), regexes (Library doxxing, clickbait,
//!   survey patterns), URL-shortener and crowdfunding domains, author thresholds, report
//!   counts, and Tend's score, language and channel checks with Tend actions.
//! - [`corpus`] reads public labelled text from the repository's `testdata/` (Wikipedia talk
//!   comments with toxic ones, SMS spam and ham, tweets, Swedish/German/French/Russian
//!   sentences); [`items_from_texts`] maps texts onto a deterministic mix of items.
//! - [`measure`] reports µs per message and the ratio to the baseline.

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, MatchKind};

use tend_rules::{Author, EvalContext, Item, ItemKind, RuleSet};

const SPAM: &[&str] = &[
    "free entry",
    "win cash",
    "claim your prize",
    "urgent",
    "txt stop",
    "guaranteed",
    "click here",
    "buy now",
    "limited time",
    "discount",
    "bitcoin",
    "crypto giveaway",
    "follow back",
    "dm me",
    "promo code",
    "cheap pills",
    "casino",
    "payday loan",
    "investment opportunity",
    "double your",
    "work from home",
    "hot singles",
    "weight loss",
    "make money fast",
    "100% free",
    "act now",
    "no credit check",
    "risk free",
    "winner",
    "congratulations you",
    "call now",
    "ringtone",
    "unsubscribe",
    "telegram me",
    "whatsapp me",
    "earn per day",
    "forex",
    "nft drop",
    "airdrop",
    "sugar daddy",
];

const ABUSE: &[&str] = &[
    "idiot",
    "stupid",
    "moron",
    "dumb",
    "shut up",
    "loser",
    "jerk",
    "pathetic",
    "trash",
    "garbage",
    "scum",
    "clown",
    "imbecile",
    "retard",
    "get lost",
    "nobody asked",
    "kill yourself",
    "go die",
    "hate you",
    "worthless",
    "disgusting",
    "freak",
    "ugly",
    "bastard",
    "piss off",
    "screw you",
    "dimwit",
    "nitwit",
    "buffoon",
    "cretin",
];

const TOPICS: &[&str] = &[
    "refund",
    "broken",
    "late delivery",
    "cancel",
    "subscription",
    "password",
    "login",
    "bug",
    "crash",
    "invoice",
    "price",
    "support",
    "shipping",
    "warranty",
    "battery",
    "update",
    "app",
    "account",
    "charged twice",
    "not working",
    "customer service",
    "return",
    "order",
    "tracking",
    "delivery",
    "firmware",
    "bluetooth",
    "screen",
    "charger",
    "manual",
    "discount code",
    "coupon",
    "store",
    "opening hours",
    "job",
    "career",
    "partnership",
    "sponsor",
    "press",
    "review",
];

const SHORTENERS: &[&str] = &[
    "bit.ly",
    "goo.gl",
    "tinyurl.com",
    "ow.ly",
    "t.co",
    "is.gd",
    "buff.ly",
    "cutt.ly",
    "rb.gy",
    "shorturl.at",
    "tiny.cc",
    "bl.ink",
    "adf.ly",
    "shorte.st",
    "j.mp",
    "lnkd.in",
    "dlvr.it",
    "ift.tt",
    "soo.gd",
    "v.gd",
];

const FUNDING: &[&str] = &[
    "gofundme.com",
    "kickstarter.com",
    "indiegogo.com",
    "patreon.com",
    "paypal.me",
    "cash.app",
    "ko-fi.com",
    "buymeacoffee.com",
    "justgiving.com",
    "givesendgo.com",
];

const REGEXES: &[&str] = &[
    r"\(?\b1?\d{3}[\) ._-]{1,3}\d{3}[ ._-]{1,3}\d{4}\b",
    r"[\w.+-]+@([\w-]{1,64}\.)+[a-z]{2,16}",
    r"\b((25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(25[0-5]|2[0-4]\d|[01]?\d\d?)\b",
    r"\d{1,2} (signs|reasons|things) (you|why|that)",
    r"(dashpoll|midzy|qualtrics|typeform)\.com",
    r"docs\.google\.com/(a/[^/]+/)?forms(?=/)",
    r"\$\d+(\.\d\d)? ?(per|a|an) (day|hour|week)",
    r"(free|win|won)\W+(entry|prize|cash|ticket)s?",
    r"call\W+0\d{4}\W?\d{6}",
    r"(?<!not )(scam|fraud)(mer|ster)?s?",
    r"u/([\w-]{3,20})",
    r"(.)\2{6,}",
];

/// Writes `n` realistic rules as one rule file.
pub fn realistic_rule_set(n: usize) -> String {
    let mut out = String::new();
    let mut random = Lcg(0x9E37_79B9_7F4A_7C15);
    for i in 0..n {
        out.push_str("---\n");
        let rule = match i % 10 {
            0 => format!(
                "# spam keywords {i}\ntitle+body: [{}]\naction: filter\naction_reason: \"Spam [{{{{match}}}}]\"\n",
                random.pick(SPAM, 12).join(", ")
            ),
            1 => format!(
                "# topic {i}\nbody: [{}]\ntag: topic-{i}\n",
                random.pick(TOPICS, 6).join(", ")
            ),
            2 => {
                let regex = REGEXES[(i / 10) % REGEXES.len()];
                format!(
                    "# pattern {i}\ntitle+body (regex, includes): ['{regex}']\naction: report\naction_reason: \"Pattern {i} [{{{{match}}}}]\"\n"
                )
            }
            3 => format!(
                "# new accounts {i}\nauthor:\n    account_age: \"< {} days\"\n    comment_karma: \"< {}\"\n    satisfy_any_threshold: {}\nbody: [{}]\naction: filter\naction_reason: new account\n",
                1 + random.below(30),
                random.below(100),
                i % 20 == 3,
                random.pick(SPAM, 5).join(", ")
            ),
            4 => format!(
                "# toxic {i}\ntoxicity: \"> 0.{}\"\nlanguage: [en, sv, de]\nhide: true\nflag: \"toxicity\"\n",
                7 + random.below(3)
            ),
            5 => {
                let (list, what) = if i % 20 == 5 {
                    (SHORTENERS, "shortener")
                } else {
                    (FUNDING, "funding")
                };
                format!(
                    "# {what} {i}\ndomain+body: [{}]\naction: remove\naction_reason: \"{what} [{{{{match}}}}]\"\n",
                    random.pick(list, 10).join(", ")
                )
            }
            6 => format!(
                "# abuse {i}\nbody+title (includes-word): [{}]\n~body: [\"just kidding\"]\naction: report\nassign: moderation\n",
                random.pick(ABUSE, 10).join(", ")
            ),
            7 => {
                if i % 20 == 7 {
                    format!(
                        "# spam score {i}\nspam: \"> 0.9\"\nchannel: [x, mastodon, reddit]\naction: spam\n"
                    )
                } else {
                    format!(
                        "# unhappy question {i}\nsentiment: \"< -0.{}\"\nquestion: true\nnotify: support-lead\nreply: \"Hi {{{{author}}}}, sorry to hear that — we're on it.\"\n",
                        3 + random.below(5)
                    )
                }
            }
            8 => format!(
                "# reports {i}\nreports: {}\naction: filter\nmodmail: The above {{{{kind}}}} by /u/{{{{author}}}} has received multiple reports.\n",
                2 + random.below(3)
            ),
            _ => {
                if i % 20 == 9 {
                    format!(
                        "# short comments {i}\ntype: comment\nbody_shorter_than: {}\nis_top_level: true\naction: filter\n",
                        5 + random.below(10)
                    )
                } else {
                    format!(
                        "# title keywords {i}\ntype: submission\ntitle (starts-with): ['[{}]', '[{}]']\nset_flair: [\"{{{{match}}}}\", \"tagged\"]\n",
                        random.pick(TOPICS, 1)[0],
                        random.pick(TOPICS, 1)[0]
                    )
                }
            }
        };
        out.push_str(&rule);
    }
    out
}

/// A small deterministic generator (no `rand` dependency for a benchmark).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a>(&mut self, from: &[&'a str], count: usize) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::with_capacity(count);
        while out.len() < count.min(from.len()) {
            let candidate = from[self.below(from.len() as u64) as usize];
            if !out.contains(&candidate) {
                out.push(candidate);
            }
        }
        out
    }
}

/// A labelled text of the corpus.
#[derive(Debug, Clone)]
pub struct Text {
    pub text: String,
    pub language: &'static str,
    /// Labelled toxic or spam by its data set.
    pub flagged: bool,
}

/// Reads the benchmark corpus from the repository's `testdata/` folder (public data, licences
/// in each folder's README): Jigsaw's Wikipedia talk comments (CC BY 4.0), the UCI SMS Spam
/// Collection (CC BY 4.0), VADER's tweets (MIT) and language-id sentences (Apache-2.0).
pub fn corpus(testdata: &Path) -> std::io::Result<Vec<Text>> {
    let mut out = Vec::new();
    let comments = std::fs::read_to_string(
        testdata.join("toxicity-jigsaw-bias/toxicity_nonfuzzed_testset.csv"),
    )?;
    for record in csv_records(&comments).into_iter().skip(1) {
        if let [_, comment, toxic] = record.as_slice() {
            out.push(Text {
                text: comment.trim().to_string(),
                language: "en",
                flagged: toxic == "True",
            });
        }
    }
    let sms = std::fs::read_to_string(testdata.join("spam-sms-uci/SMSSpamCollection"))?;
    for line in sms.lines() {
        if let Some((label, text)) = line.split_once('\t') {
            out.push(Text {
                text: text.to_string(),
                language: "en",
                flagged: label == "spam",
            });
        }
    }
    let tweets = std::fs::read_to_string(testdata.join("vader/tweets_GroundTruth.txt"))?;
    for line in tweets.lines() {
        if let Some(text) = line.splitn(3, '\t').nth(2) {
            out.push(Text {
                text: text.to_string(),
                language: "en",
                flagged: false,
            });
        }
    }
    for language in ["sv", "de", "fr", "ru"] {
        let sentences = std::fs::read_to_string(
            testdata.join(format!("language-id/sentences/{language}.txt")),
        )?;
        for line in sentences.lines().take(250) {
            out.push(Text {
                text: line.to_string(),
                language,
                flagged: false,
            });
        }
    }
    Ok(out)
}

/// Minimal CSV reader (quoted fields, doubled quotes, newlines inside quotes).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, _) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Maps texts onto a deterministic mix of items: comments and text and link posts on five
/// networks, authors with and without karma, Tend scores that follow the labels.
pub fn items_from_texts(texts: &[Text]) -> Vec<Item> {
    let kinds = ["reddit", "discourse", "mastodon", "x", "stackexchange"];
    let links = [
        "https://www.youtube.com/watch?v=abc",
        "https://bit.ly/3xYz",
        "https://example.com/blog/post",
        "https://www.gofundme.com/f/help",
        "https://docs.google.com/forms/d/1",
    ];
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let channel_kind = kinds[i % kinds.len()];
            let mut item = match i % 6 {
                0 => {
                    let words: Vec<&str> = t.text.split_whitespace().collect();
                    let cut = words.len().min(8);
                    Item::submission(&words[..cut].join(" "), &words[cut..].join(" "))
                }
                1 => {
                    let mut link = Item::link(
                        &t.text.chars().take(80).collect::<String>(),
                        links[i % links.len()],
                    );
                    link.body = String::new();
                    link
                }
                _ => Item::comment(&t.text),
            };
            item.id = format!("m{i}");
            item.permalink = format!("https://example.com/m/{i}");
            item.channel = format!("{channel_kind}-community");
            item.channel_kind = channel_kind.to_string();
            item.language = Some(t.language.to_string());
            item.toxicity = if t.flagged {
                0.85
            } else {
                0.05 + (i % 7) as f32 * 0.05
            };
            item.spam = if t.flagged { 0.93 } else { 0.02 };
            item.sentiment = ((i % 11) as f32 - 5.0) / 5.0;
            item.question = t.text.contains('?');
            item.reports = (i % 13 == 0) as u32 * 3;
            item.is_top_level = i % 2 == 0;
            if item.kind == ItemKind::Comment {
                item.parent_submission = Some(Box::new(Item::submission("A thread", "")));
            }
            let has_karma = matches!(channel_kind, "reddit" | "stackexchange" | "discourse");
            item.author = Author {
                name: format!("user{}", i % 500),
                id: format!("u{}", i % 500),
                account_age: Some(Duration::from_secs((i as u64 % 400) * 86_400 + 3_600)),
                comment_karma: has_karma.then_some((i as i64 * 37) % 2_000 - 100),
                post_karma: has_karma.then_some((i as i64 * 13) % 500),
                followers: (!has_karma).then_some((i as i64 * 7) % 5_000),
                is_member: i % 3 == 0,
                ..Author::default()
            };
            item
        })
        .collect()
}

/// The measured figures.
#[derive(Debug, Clone)]
pub struct Report {
    pub rules: usize,
    pub messages: usize,
    /// Evaluations timed (messages × rounds).
    pub evaluations: usize,
    pub micros_per_message: f64,
    pub baseline_micros_per_message: f64,
    /// Rules fired per message, on average.
    pub fired_per_message: f64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "rules: {}, messages: {}, evaluations: {}",
            self.rules, self.messages, self.evaluations
        )?;
        writeln!(
            f,
            "rule engine: {:.2} µs/message ({:.2} rules fired per message)",
            self.micros_per_message, self.fired_per_message
        )?;
        writeln!(
            f,
            "baseline (one Aho-Corasick scan of all keywords): {:.2} µs/message",
            self.baseline_micros_per_message
        )?;
        write!(
            f,
            "ratio: {:.1}× the baseline",
            self.micros_per_message / self.baseline_micros_per_message.max(1e-9)
        )
    }
}

/// Times `set` on `items` (repeated until `at_least` has passed) against the keyword-scan
/// baseline, on one thread.
pub fn measure(set: &RuleSet, items: &[Item], at_least: Duration) -> Report {
    let ctx = EvalContext::new_item();
    // Warm up caches and lazy DFAs.
    let mut fired = 0usize;
    for item in items {
        fired += set.evaluate(item, &ctx).fired.len();
    }
    let start = Instant::now();
    let mut evaluations = 0usize;
    while start.elapsed() < at_least || evaluations == 0 {
        for item in items {
            std::hint::black_box(set.evaluate(std::hint::black_box(item), &ctx));
        }
        evaluations += items.len();
    }
    let engine = start.elapsed();

    let keywords: Vec<&str> = SPAM
        .iter()
        .chain(ABUSE)
        .chain(TOPICS)
        .chain(SHORTENERS)
        .chain(FUNDING)
        .copied()
        .collect();
    let baseline = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(&keywords)
        .ok();
    let start = Instant::now();
    let mut scanned = 0usize;
    let mut found = 0usize;
    while start.elapsed() < at_least / 2 || scanned == 0 {
        for item in items {
            if let Some(baseline) = &baseline {
                found += baseline
                    .find_iter(item.title.as_deref().unwrap_or(""))
                    .count();
                found += baseline.find_iter(&item.body).count();
            }
        }
        scanned += items.len();
    }
    std::hint::black_box(found);
    let base = start.elapsed();
    Report {
        rules: set.rules().len(),
        messages: items.len(),
        evaluations,
        micros_per_message: engine.as_secs_f64() * 1e6 / evaluations as f64,
        baseline_micros_per_message: base.as_secs_f64() * 1e6 / scanned as f64,
        fired_per_message: fired as f64 / items.len().max(1) as f64,
    }
}

/// The cost of each rule of `source` run alone (µs per message above an empty rule set),
/// most expensive first: what to look at when a rule set is slow.
pub fn rule_costs(source: &str, items: &[Item], each: Duration) -> Vec<(String, f64)> {
    let empty = RuleSet::parse("")
        .map(|set| measure(&set, items, each).micros_per_message)
        .unwrap_or(0.0);
    let mut costs: Vec<(String, f64)> = source
        .split("\n---\n")
        .filter_map(|document| {
            let set = RuleSet::parse(document).ok()?;
            let rule = set.rules().first()?;
            let name = rule.name().to_string();
            Some((
                name,
                (measure(&set, items, each).micros_per_message - empty).max(0.0),
            ))
        })
        .collect();
    costs.sort_by(|a, b| b.1.total_cmp(&a.1));
    costs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_rule_set_parses_without_warnings() {
        let set = RuleSet::parse(&realistic_rule_set(200)).unwrap_or_else(|d| panic!("{d:#?}"));
        assert_eq!(set.rules().len(), 200);
        assert!(set.warnings().is_empty(), "{:#?}", set.warnings());
    }

    #[test]
    fn csv_reader_handles_quotes() {
        let records = csv_records("a,\"b, \"\"c\"\"\nd\",e\nf,g,h\n");
        assert_eq!(records[0], vec!["a", "b, \"c\"\nd", "e"]);
        assert_eq!(records[1], vec!["f", "g", "h"]);
    }

    /// The prefilter only skips regexes that cannot match: outcomes are identical with and
    /// without it, on the realistic rules and on the Library's.
    #[test]
    fn the_prefilter_never_changes_an_outcome() {
        let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
        let texts = corpus(&testdata).unwrap();
        let items = items_from_texts(&texts);
        let library = include_str!("../../tend-rules/tests/fixtures/library.yaml");
        for source in [realistic_rule_set(200), library.to_string()] {
            let fast = RuleSet::parse(&source).unwrap();
            let slow = RuleSet::parse(&source).unwrap().without_prefilter();
            let ctx = EvalContext::new_item();
            let mut fired = 0;
            for item in items.iter().step_by(5) {
                let a = fast.evaluate(item, &ctx);
                assert_eq!(a, slow.evaluate(item, &ctx), "{item:?}");
                fired += a.fired.len();
            }
            assert!(fired > 100, "{fired}");
        }
    }

    #[test]
    fn the_corpus_loads_and_rules_fire_on_it() {
        let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
        let texts = corpus(&testdata).unwrap();
        assert!(texts.len() > 8_000, "{}", texts.len());
        let items = items_from_texts(&texts[..600]);
        let set = RuleSet::parse(&realistic_rule_set(200)).unwrap();
        let report = measure(&set, &items, Duration::from_millis(1));
        assert!(report.fired_per_message > 0.1, "{report}");
    }
}
