//! Conversation building blocks shared by every network: community replies under
//! a message (some nested), the brand's answer in opening hours, and the thank-you
//! that sometimes follows.

use super::people::Net;
use super::phrases::{Intent, say};
use super::pick;
use super::vocab::{Lang, Slots};
use super::writer::{Draft, Gen, Who};
use rand::Rng;
use tend_domain::MessageKind;

/// A message others can answer.
#[derive(Debug, Clone)]
pub struct Said {
    pub id: String,
    pub at: i64,
    pub who: Who,
    pub intent: Intent,
}

/// The conversation a reply belongs to.
#[derive(Debug, Clone)]
pub struct Conv {
    pub net: Net,
    /// The root's id.
    pub root: String,
    /// The conversation's intent (tags follow it).
    pub intent: Intent,
    /// Kind of the community's replies.
    pub reply_kind: MessageKind,
}

/// The language someone writes in (the brand answers in the customer's).
pub fn lang_of(g: &Gen, who: Who) -> Lang {
    match who {
        Who::Person(p) => g.people.all[p].lang,
        Who::Brand => Lang::En,
    }
}

/// The first name of someone (for the brand's greeting).
pub fn first_of(g: &Gen, who: Who) -> &'static str {
    match who {
        Who::Person(p) => g.people.all[p].first,
        Who::Brand => "there",
    }
}

/// A brand agent's sign-off.
pub fn agent(rng: &mut impl Rng) -> &'static str {
    pick(rng, &["/Sofia", "/Jonas", "– Maja", "/Alex", "^SL", "", ""])
}

/// Makes sure a public mention names the brand's account, as a platform would
/// need to deliver it.
pub fn as_mention(net: Net, text: String, rng: &mut impl Rng) -> String {
    if text.to_lowercase().contains("lumora") {
        return text;
    }
    let handle = match net {
        Net::Mastodon => "@lumora@social.example",
        _ => "@lumora",
    };
    if rng.random_bool(0.5) {
        format!("{handle} {text}")
    } else {
        format!("{text} {handle}")
    }
}

/// `n` community replies in `conv`, under `to` or under each other (`nest` is the
/// chance of answering an earlier reply), `mean_minutes` apart on average.
/// Returns what was written, oldest first.
pub fn replies(
    g: &mut Gen,
    conv: &Conv,
    to: &Said,
    n: usize,
    mean_minutes: f64,
    nest: f64,
) -> Vec<Said> {
    let mut said: Vec<Said> = Vec::new();
    for _ in 0..n {
        let parent = if !said.is_empty() && g.rng.random_bool(nest) {
            said[g.rng.random_range(0..said.len())].clone()
        } else {
            to.clone()
        };
        let from = said.last().map_or(parent.at, |s| s.at.max(parent.at));
        let Some(at) = g.clock.after(from, mean_minutes, &mut g.rng) else {
            break;
        };
        let Some(p) = g.people.sample(conv.net, &mut g.rng) else {
            break;
        };
        let who = Who::Person(p);
        let intent = Intent::reply_to(parent.intent, &mut g.rng);
        let lang = lang_of(g, who);
        let slots = Slots {
            first: first_of(g, parent.who),
            agent: "",
        };
        let text = say(intent, lang, &slots, &mut g.rng);
        let id = g.write(
            conv.net,
            Draft {
                who,
                kind: conv.reply_kind,
                at,
                title: None,
                text,
                root: Some(conv.root.clone()),
                parent: Some(parent.id.clone()),
                lang,
                intent: conv.intent,
                id: None,
                rating: None,
            },
        );
        g.count_reply(conv.net, &parent.id);
        said.push(Said {
            id,
            at,
            who,
            intent,
        });
    }
    said
}

/// The brand answers `to` in opening hours (about `mean_minutes` later); the person
/// thanks them back with chance `thanks`. Returns the brand's reply, if written.
pub fn brand_answer(
    g: &mut Gen,
    conv: &Conv,
    to: &Said,
    kind: MessageKind,
    mean_minutes: f64,
    thanks: f64,
) -> Option<Said> {
    let at = g.clock.staffed_reply(to.at, mean_minutes, &mut g.rng)?;
    let lang = match lang_of(g, to.who) {
        Lang::Sv => Lang::Sv,
        _ => Lang::En,
    };
    let intent = if to.intent.needs_support() {
        Intent::BrandSupport
    } else {
        Intent::BrandThanks
    };
    let signed = agent(&mut g.rng);
    let slots = Slots {
        first: first_of(g, to.who),
        agent: signed,
    };
    let text = say(intent, lang, &slots, &mut g.rng);
    let id = g.write(
        conv.net,
        Draft {
            who: Who::Brand,
            kind,
            at,
            title: None,
            text,
            root: Some(conv.root.clone()),
            parent: Some(to.id.clone()),
            lang,
            intent: conv.intent,
            id: None,
            rating: None,
        },
    );
    g.count_reply(conv.net, &to.id);
    let answer = Said {
        id,
        at,
        who: Who::Brand,
        intent,
    };
    if intent == Intent::BrandSupport
        && matches!(to.who, Who::Person(_))
        && g.rng.random_bool(thanks)
        && let Some(back) = g.clock.after(at, 90.0, &mut g.rng)
    {
        let lang = lang_of(g, to.who);
        let text = say(Intent::ReplyThanks, lang, &Slots::default(), &mut g.rng);
        g.write(
            conv.net,
            Draft {
                who: to.who,
                kind: conv.reply_kind,
                at: back,
                title: None,
                text,
                root: Some(conv.root.clone()),
                parent: Some(answer.id.clone()),
                lang,
                intent: conv.intent,
                id: None,
                rating: None,
            },
        );
    }
    Some(answer)
}

/// A count with a long tail: mostly near `median`, sometimes many times more.
pub fn heavy_count(rng: &mut impl Rng, median: f64, max: usize) -> usize {
    let u: f64 = rng.random_range(0.01..1.0);
    ((median * (0.5 / u).powf(0.75)).round() as usize).min(max)
}
