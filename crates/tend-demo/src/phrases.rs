//! What people say: intents, the templates behind them (`phrases_en.rs`,
//! `phrases_sv.rs`), and the shapes around a sentence that differ by platform
//! (forum titles and bodies, e-mail subjects and greetings, review titles).

use super::vocab::{Lang, Slots, fill};
use super::{phrases_en, phrases_sv, pick};
use rand::Rng;

/// What a message is for; each has its own template lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    Question,
    Complaint,
    Praise,
    Competitor,
    FeatureRequest,
    Chatter,
    Campaign,
    Outage,
    ReplyAnswer,
    ReplyAgree,
    ReplyThanks,
    ReplyFollowUp,
    BrandSupport,
    BrandThanks,
    BrandPost,
    Heated1,
    Heated2,
    Heated3,
    HeatedDefend,
}

impl Intent {
    /// Picks the intent of a conversation opener (questions are the most common).
    pub fn opener(rng: &mut impl Rng) -> Intent {
        let r = rng.random_range(0..100);
        match r {
            0..32 => Intent::Question,
            32..49 => Intent::Complaint,
            49..68 => Intent::Praise,
            68..75 => Intent::Competitor,
            75..82 => Intent::FeatureRequest,
            _ => Intent::Chatter,
        }
    }

    /// Picks a community reply to a message of intent `to`.
    pub fn reply_to(to: Intent, rng: &mut impl Rng) -> Intent {
        let r = rng.random_range(0..100);
        match to {
            Intent::Question | Intent::Complaint | Intent::Outage => match r {
                0..40 => Intent::ReplyAnswer,
                40..70 => Intent::ReplyAgree,
                _ => Intent::ReplyFollowUp,
            },
            _ => match r {
                0..45 => Intent::ReplyAgree,
                45..70 => Intent::Praise,
                70..85 => Intent::ReplyFollowUp,
                _ => Intent::Question,
            },
        }
    }

    /// Whether the brand answers this kind of opener with support (not thanks).
    pub fn needs_support(self) -> bool {
        matches!(
            self,
            Intent::Question
                | Intent::Complaint
                | Intent::Competitor
                | Intent::FeatureRequest
                | Intent::Outage
                | Intent::ReplyFollowUp
        )
    }

    /// The inbox tag a teammate would put on a conversation opened like this.
    pub fn tag(self) -> Option<&'static str> {
        match self {
            Intent::Question => Some("question"),
            Intent::Complaint => Some("bug"),
            Intent::Praise => Some("praise"),
            Intent::Competitor => Some("competitor"),
            Intent::FeatureRequest => Some("feature request"),
            Intent::Campaign => Some("campaign"),
            Intent::Outage => Some("outage"),
            Intent::Heated1 | Intent::Heated2 | Intent::Heated3 => Some("escalated"),
            _ => None,
        }
    }
}

/// A sentence of `intent` in `lang` (English where `lang` has no such templates).
pub fn say(intent: Intent, lang: Lang, slots: &Slots<'_>, rng: &mut impl Rng) -> String {
    let (list, lang) = match phrases_sv::templates(lang, intent) {
        Some(list) => (list, lang),
        None => (phrases_en::templates(intent), Lang::En),
    };
    let text = fill(pick(rng, list), lang, slots, rng);
    // A few people write everything in lower case.
    if rng.random_bool(0.06) {
        text.to_lowercase()
    } else {
        text
    }
}

/// A short Instagram-style comment on a brand post.
pub fn short_comment(lang: Lang, slots: &Slots<'_>, rng: &mut impl Rng) -> String {
    const EN: [&str; 14] = [
        "😍😍😍",
        "Need this!",
        "Where is this lamp from?",
        "So cosy{pos}",
        "Gorgeous",
        "Does it work with {integration}?",
        "Which colour is that?",
        "price?",
        "🔥🔥",
        "Want this in my {room}",
        "Is the Hub included?",
        "Love it{pos}",
        "How do I set up a scene like this?",
        "Wow{pos}",
    ];
    const SV: [&str; 6] = [
        "Så fint!",
        "Var köper man den?",
        "Vilken färg är det?",
        "Behöver en sån{pos}",
        "Så mysigt{pos}",
        "Ingår hubben?",
    ];
    let list: &[&str] = if lang == Lang::Sv { &SV } else { &EN };
    fill(pick(rng, list), lang, slots, rng)
}

/// A forum title and body for an opener: the sentence as the title, the details
/// (a setup and what was tried, or how it went) as the body.
pub fn forum_post(
    intent: Intent,
    lang: Lang,
    slots: &Slots<'_>,
    rng: &mut impl Rng,
) -> (String, String) {
    let title = say(intent, lang, slots, rng);
    let support = intent.needs_support();
    let (open, context, closing): (&[&str], &[&str], &[&str]) = match (lang == Lang::Sv, support) {
        (true, true) => (
            &["", "Som rubriken säger.", "Lite bakgrund:"],
            &[
                "Jag har {n} Glow-lampor och en Hub 2 med {version}, styrda via {integration}.",
                "Har redan testat att starta om hubben och lägga till lamporna igen.",
                "Det började {time}.",
                "Appen är uppdaterad och telefonen är en iPhone.",
            ],
            &[
                "Tacksam för tips!",
                "Någon som vet?",
                "Tack på förhand.",
                "",
            ],
        ),
        (true, false) => (
            &["", "Ville bara dela det här."],
            &[
                "Tog ungefär tio minuter att installera.",
                "Bilder kommer i kommentarerna.",
                "Har {n} lampor nu och det räcker nog ett tag.",
            ],
            &["", "Fråga gärna om ni undrar något!"],
        ),
        (false, true) => (
            &[
                "",
                "As the title says.",
                "Some background:",
                "Long-time user, first post.",
            ],
            &[
                "Setup: {n} Glow bulbs and a Hub 2 on {version}, controlled through {integration}.",
                "I've already tried restarting the Hub and re-adding the bulbs.",
                "It started {time}.",
                "App is up to date, phone is a Pixel 8.",
                "The {room} is about 8 metres from the router, with one wall in between.",
                "Happy to share logs if that helps.",
            ],
            &["Any ideas appreciated!", "Thanks in advance.", "Cheers", ""],
        ),
        (false, false) => (
            &["", "Just wanted to share this.", "Small win today."],
            &[
                "Took about ten minutes to set up.",
                "Photos in the comments.",
                "Running {n} bulbs now, probably enough for a while.",
                "The {room} finally feels finished.",
            ],
            &["", "Happy to answer questions about the setup!"],
        ),
    };
    let mut parts: Vec<String> = Vec::new();
    let first = fill(pick(rng, open), lang, slots, rng);
    if !first.is_empty() {
        parts.push(first);
    }
    for _ in 0..rng.random_range(1..=2) {
        let line = fill(pick(rng, context), lang, slots, rng);
        if !parts.contains(&line) {
            parts.push(line);
        }
    }
    let mut body = parts.join(" ");
    let close = fill(pick(rng, closing), lang, slots, rng);
    if !close.is_empty() {
        body.push_str("\n\n");
        body.push_str(&close);
    }
    (title, body)
}

/// An e-mail subject and body for an opener from `first`.
pub fn email(
    intent: Intent,
    lang: Lang,
    first: &str,
    slots: &Slots<'_>,
    rng: &mut impl Rng,
) -> (String, String) {
    let sv = lang == Lang::Sv;
    let subjects: &[&str] = match (intent, sv) {
        (Intent::Question, false) => &[
            "Question about {feature}",
            "Compatibility with {integration}",
            "Order {order}",
            "Warranty question",
        ],
        (Intent::Question, true) => &["Fråga om {feature}", "Beställning {order}", "Garanti"],
        (_, false) => &[
            "Hub not connecting",
            "Broken {device}",
            "Refund for order {order}",
            "Still waiting for order {order}",
            "Problem with the app",
        ],
        (_, true) => &[
            "Hubben ansluter inte",
            "Trasig {device}",
            "Återbetalning order {order}",
            "Problem med appen",
        ],
    };
    let subject = fill(pick(rng, subjects), lang, slots, rng);
    let main = say(intent, lang, slots, rng);
    let extra: &[&str] = if sv {
        &[
            "Mitt ordernummer är {order}.",
            "Jag har redan startat om allt.",
            "Bifogar en bild på förpackningen.",
        ]
    } else {
        &[
            "My order number is {order}.",
            "I already tried restarting everything.",
            "I've attached a photo of the packaging.",
            "The Hub is on firmware 2.8 and the app is up to date.",
        ]
    };
    let extra = fill(pick(rng, extra), lang, slots, rng);
    let body = if sv {
        format!("Hej!\n\n{main}\n\n{extra}\n\nMvh\n{first}")
    } else {
        format!("Hi,\n\n{main}\n\n{extra}\n\nBest regards,\n{first}")
    };
    (subject, body)
}

/// A review title for a star rating (1–5), with the stars in front as stores show them.
pub fn review_title(stars: u8, lang: Lang, rng: &mut impl Rng) -> String {
    let titles: &[&str] = match (stars, lang == Lang::Sv) {
        (5, false) => &[
            "Love it",
            "Best smart lights I've had",
            "Easy setup",
            "Just works",
        ],
        (5, true) => &["Perfekt!", "Bästa smarta belysningen", "Superenkelt"],
        (4, false) => &["Very good", "Great, minor issues", "Nice app"],
        (4, true) => &["Mycket bra", "Bra men kan bli bättre"],
        (3, false) => &["Good but buggy", "OK", "Could be better"],
        (3, true) => &["Helt okej", "Lite buggigt"],
        (_, false) => &[
            "Stopped working",
            "Constant disconnects",
            "Update broke everything",
            "Don't buy",
        ],
        (_, true) => &["Slutade fungera", "Tappar anslutningen", "Köp inte"],
    };
    let stars = usize::from(stars.clamp(1, 5));
    format!(
        "{}{} {}",
        "★".repeat(stars),
        "☆".repeat(5 - stars),
        pick(rng, titles)
    )
}
