//! The story inside the data: the #LumoraNights campaign (three weeks of the brand's
//! posts and people's photos), a few heated threads that escalate from
//! disappointment to insults, and one planted spike (a six-hour cloud outage that
//! floods X with complaints), whose exact window the manifest records.

use super::people::Net;
use super::phrases::{Intent, say};
use super::rhythm::{DAY_MS, HOUR_MS, Profile};
use super::social::{answered_replies, brand_post, draft};
use super::threads::{Conv, Said, as_mention, lang_of};
use super::vocab::{Lang, Slots};
use super::writer::{Draft, Gen, Who};
use rand::Rng;
use tend_domain::MessageKind;

/// The team's answers in a heated thread.
const CALM: [&str; 5] = [
    "We hear you. Everything you use today stays free; Lumora Plus only adds new features. We've passed your feedback to the team. /Sofia",
    "Please keep it respectful, everyone. We read every comment and answer questions in the pinned post. /Sofia",
    "Thanks for the honest feedback. To be clear: existing schedules and scenes stay free. /Jonas",
    "We've removed comments that broke our community guidelines. Criticism is welcome, insults are not. /Sofia",
    "We're sorry this came as a surprise. A detailed FAQ is up on our site, and we'll keep answering here. /Jonas",
];

/// When the campaign runs: it starts 30–36 days before the anchor, lasts 21 days.
pub fn campaign_window(anchor_ms: i64, rng: &mut impl Rng) -> (i64, i64) {
    let start = anchor_ms - rng.random_range(30..=36) * DAY_MS;
    let start = start - start.rem_euclid(HOUR_MS);
    (start, start + 21 * DAY_MS)
}

/// The campaign: launch and weekly posts by the brand, people's posts with the hashtag.
pub fn campaign(g: &mut Gen, window: (i64, i64)) {
    for net in [Net::Instagram, Net::X, Net::Facebook] {
        for week in 0..3 {
            let at = g.clock.sample_between(
                Profile::Work,
                window.0 + week * 7 * DAY_MS,
                window.0 + (week * 7 + 1) * DAY_MS,
                &mut g.rng,
            );
            let post = brand_post(g, net, at, None);
            let conv = Conv {
                net,
                root: post.id.clone(),
                intent: Intent::Campaign,
                reply_kind: MessageKind::Comment,
            };
            let n = g.scaled(40, 3);
            answered_replies(g, &conv, &post, n, 120.0, 0.1, 0.2);
        }
    }
    for (net, n) in [(Net::Instagram, 450), (Net::X, 200), (Net::Mastodon, 30)] {
        for _ in 0..g.scaled(n, 5) {
            let Some(p) = g.people.sample(net, &mut g.rng) else {
                break;
            };
            let who = Who::Person(p);
            let at = g
                .clock
                .sample_between(Profile::Social, window.0, window.1, &mut g.rng);
            let lang = lang_of(g, who);
            let text = say(Intent::Campaign, lang, &Slots::default(), &mut g.rng);
            let text = as_mention(net, text, &mut g.rng);
            g.write(
                net,
                draft(
                    who,
                    MessageKind::Mention,
                    at,
                    None,
                    text,
                    lang,
                    Intent::Campaign,
                ),
            );
        }
    }
}

/// Four heated threads: a subscription announcement on Facebook, a paywall post on
/// Reddit, a price tweet on X and a comparison video on YouTube.
pub fn heated_threads(g: &mut Gen) {
    let plans: [(Net, usize, &str); 4] = [
        (
            Net::Facebook,
            46,
            "Introducing Lumora Plus: advanced schedules, unlimited scenes and the energy report for €2.99 a month. Everything you use today stays free.",
        ),
        (
            Net::Reddit,
            60,
            "Lumora is putting schedules behind a paywall?! Just got the email about Lumora Plus. Are existing schedules really staying free or is this the start of the end?",
        ),
        (
            Net::X,
            34,
            "From 1 December the Hub 2 costs €79. Here's why, and what stays the same for you.",
        ),
        (
            Net::Youtube,
            30,
            "Lumora Hub 2 vs Glimmr Bridge: honest comparison",
        ),
    ];
    for (net, n, text) in plans {
        let days_back = g.rng.random_range(3..80);
        let day = g.clock.midnight_days_back(days_back);
        let at = day + g.rng.random_range(9..12) * HOUR_MS + g.rng.random_range(0..HOUR_MS);
        let (who, kind, title) = match net {
            Net::Reddit => {
                let Some(p) = g.people.sample(net, &mut g.rng) else {
                    continue;
                };
                (
                    Who::Person(p),
                    MessageKind::ForumPost,
                    Some("Lumora is putting schedules behind a paywall?!".to_owned()),
                )
            }
            Net::Youtube => (Who::Brand, MessageKind::Post, Some(text.to_owned())),
            _ => (Who::Brand, MessageKind::Post, None),
        };
        let root = g.write(
            net,
            draft(
                who,
                kind,
                at,
                title,
                text.to_owned(),
                Lang::En,
                Intent::Heated1,
            ),
        );
        g.mark_heated(net, &root);
        g.heated.push((net, root.clone()));
        let reply_kind = if net == Net::X {
            MessageKind::Reply
        } else {
            MessageKind::Comment
        };
        escalate(g, net, &root, at, g.scaled(n, 8), reply_kind);
    }
}

/// Replies that turn from disappointed to angry to insulting; defenders draw fire.
fn escalate(g: &mut Gen, net: Net, root: &str, start: i64, n: usize, kind: MessageKind) {
    let mut said: Vec<Said> = Vec::new();
    let mut at = start;
    let mut defenders: Vec<usize> = Vec::new();
    for k in 0..n {
        let Some(next) = g.clock.after(at, 14.0, &mut g.rng) else {
            return;
        };
        at = next;
        let Some(p) = g.people.sample(net, &mut g.rng) else {
            return;
        };
        let frac = k as f64 / n as f64;
        let defend = frac > 0.3 && g.rng.random_bool(0.25);
        let intent = if defend {
            Intent::HeatedDefend
        } else if frac < 0.3 {
            Intent::Heated1
        } else if frac < 0.65 {
            Intent::Heated2
        } else {
            Intent::Heated3
        };
        let parent = match (intent, defenders.last()) {
            (Intent::Heated3, Some(&d)) if g.rng.random_bool(0.6) => said[d].id.clone(),
            _ if !said.is_empty() && g.rng.random_bool(0.4) => {
                said[g.rng.random_range(0..said.len())].id.clone()
            }
            _ => root.to_owned(),
        };
        let who = Who::Person(p);
        let lang = if lang_of(g, who) == Lang::Sv && g.rng.random_bool(0.5) {
            Lang::Sv
        } else {
            Lang::En
        };
        let mut text = say(intent, lang, &Slots::default(), &mut g.rng);
        if g.rng.random_bool(0.45) {
            // Angry people write more than one sentence.
            let more = say(intent, lang, &Slots::default(), &mut g.rng);
            if more != text {
                text = format!("{text} {more}");
            }
        }
        let id = g.write(
            net,
            Draft {
                who,
                kind,
                at,
                title: None,
                text,
                root: Some(root.to_owned()),
                parent: Some(parent.clone()),
                lang,
                intent: Intent::Heated1,
                id: None,
                rating: None,
            },
        );
        g.mark_heated(net, &id);
        g.count_reply(net, &parent);
        if defend {
            defenders.push(said.len());
        }
        said.push(Said {
            id,
            at,
            who,
            intent,
        });
        // The team steps in twice, calmly.
        if (k == n / 3 || k == (2 * n) / 3) && at + 60_000 <= g.clock.end {
            let text = super::pick(&mut g.rng, &CALM).to_owned();
            let id = g.write(
                net,
                Draft {
                    who: Who::Brand,
                    kind,
                    at: at + 60_000,
                    title: None,
                    text,
                    root: Some(root.to_owned()),
                    parent: Some(root.to_owned()),
                    lang: Lang::En,
                    intent: Intent::Heated1,
                    id: None,
                    rating: None,
                },
            );
            g.mark_heated(net, &id);
        }
    }
}
