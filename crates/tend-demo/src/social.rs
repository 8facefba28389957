//! Social networks: X and Mastodon (public mentions of the brand with reply
//! threads, plus the brand's own posts), and Instagram, Facebook and YouTube (the
//! brand's posts and videos with their comment sections).

use super::people::Net;
use super::phrases::{Intent, say, short_comment};
use super::rhythm::Profile;
use super::threads::{Conv, Said, as_mention, brand_answer, heavy_count, lang_of, replies};
use super::vocab::{Lang, Slots};
use super::writer::{Draft, Gen, Who};
use rand::Rng;
use tend_domain::MessageKind;

/// Messages per network at full size (before the campaign, spike and heated threads).
pub const X_TARGET: usize = 6200;
pub const MASTODON_TARGET: usize = 700;
pub const INSTAGRAM_TARGET: usize = 4200;
pub const FACEBOOK_TARGET: usize = 3600;
pub const YOUTUBE_TARGET: usize = 2000;

/// X or Mastodon: the brand's posts with replies, and mention threads until the target.
pub fn microblog(g: &mut Gen, net: Net, target: usize, brand_posts: usize) {
    let target = g.scaled(target, 40);
    for _ in 0..g.scaled(brand_posts, 2) {
        let at = g.clock.sample(Profile::Work, &mut g.rng);
        let post = brand_post(g, net, at, None);
        let n = heavy_count(&mut g.rng, 5.0, 60);
        let conv = Conv {
            net,
            root: post.id.clone(),
            intent: Intent::Chatter,
            reply_kind: MessageKind::Reply,
        };
        answered_replies(g, &conv, &post, n, 45.0, 0.2, 0.3);
    }
    while g.count(net) < target {
        let Some(p) = g.people.sample(net, &mut g.rng) else {
            return;
        };
        let who = Who::Person(p);
        let at = g.clock.sample(Profile::Social, &mut g.rng);
        let intent = Intent::opener(&mut g.rng);
        let lang = lang_of(g, who);
        let text = say(intent, lang, &Slots::default(), &mut g.rng);
        let text = as_mention(net, text, &mut g.rng);
        let root = g.write(
            net,
            draft(who, MessageKind::Mention, at, None, text, lang, intent),
        );
        let said = Said {
            id: root.clone(),
            at,
            who,
            intent,
        };
        let conv = Conv {
            net,
            root,
            intent,
            reply_kind: MessageKind::Reply,
        };
        let r = g.rng.random_range(0..100);
        let n = match r {
            0..60 => 0,
            60..90 => g.rng.random_range(1..=3),
            _ => g.rng.random_range(4..=12),
        };
        replies(g, &conv, &said, n, 25.0, 0.3);
        let p_brand = if intent.needs_support() { 0.55 } else { 0.2 };
        if g.rng.random_bool(p_brand) {
            brand_answer(g, &conv, &said, MessageKind::Reply, 70.0, 0.35);
        }
    }
}

/// Instagram, Facebook or YouTube: the brand's posts (videos on YouTube) with
/// comment sections of `median` comments, until the target.
pub fn comment_sections(g: &mut Gen, net: Net, target: usize, median: f64, p_brand: f64) {
    let target = g.scaled(target, 40);
    while g.count(net) < target {
        let at = g.clock.sample(Profile::Work, &mut g.rng);
        let title = (net == Net::Youtube).then(|| video_title(&mut g.rng));
        let post = brand_post(g, net, at, title);
        let n = heavy_count(&mut g.rng, median, 400);
        let conv = Conv {
            net,
            root: post.id.clone(),
            intent: Intent::Chatter,
            reply_kind: MessageKind::Comment,
        };
        let nest = if net == Net::Facebook { 0.2 } else { 0.1 };
        let mean = if net == Net::Youtube { 300.0 } else { 180.0 };
        answered_replies(g, &conv, &post, n, mean, nest, p_brand);
    }
}

/// Comments under a post, each an opener of its own (questions, praise, complaints,
/// or, on Instagram, a short reaction); some get a nested reply or the brand's answer.
pub fn answered_replies(
    g: &mut Gen,
    conv: &Conv,
    post: &Said,
    n: usize,
    mean_minutes: f64,
    nest: f64,
    p_brand: f64,
) {
    // Most comments come in the first hours after a post, a few days later.
    let mut times: Vec<i64> = Vec::with_capacity(n);
    for _ in 0..n {
        let mean = if g.rng.random_bool(0.8) {
            mean_minutes
        } else {
            mean_minutes * 12.0
        };
        if let Some(at) = g.clock.after(post.at, mean, &mut g.rng) {
            times.push(at);
        }
    }
    times.sort_unstable();
    for at in times {
        let Some(p) = g.people.sample(conv.net, &mut g.rng) else {
            return;
        };
        let who = Who::Person(p);
        let lang = lang_of(g, who);
        let short = conv.net == Net::Instagram && g.rng.random_bool(0.5);
        let (intent, text) = if short {
            let text = short_comment(lang, &Slots::default(), &mut g.rng);
            let intent = if text.ends_with('?') {
                Intent::Question
            } else {
                Intent::Praise
            };
            (intent, text)
        } else {
            let intent = Intent::opener(&mut g.rng);
            (intent, say(intent, lang, &Slots::default(), &mut g.rng))
        };
        let kind = conv.reply_kind;
        let mut d = draft(who, kind, at, None, text, lang, intent);
        d.root = Some(conv.root.clone());
        d.parent = Some(post.id.clone());
        let id = g.write(conv.net, d);
        g.count_reply(conv.net, &post.id);
        let said = Said {
            id,
            at,
            who,
            intent,
        };
        let sub = Conv {
            intent,
            reply_kind: MessageKind::Reply,
            ..conv.clone()
        };
        if g.rng.random_bool(nest) {
            let k = g.rng.random_range(1..=3);
            replies(g, &sub, &said, k, 30.0, 0.2);
        }
        let p = if intent.needs_support() {
            p_brand
        } else {
            p_brand / 3.0
        };
        if g.rng.random_bool(p) {
            brand_answer(g, &sub, &said, MessageKind::Reply, 90.0, 0.3);
        }
    }
}

/// A post by the brand at `at` (a video when it has a title).
pub fn brand_post(g: &mut Gen, net: Net, at: i64, title: Option<String>) -> Said {
    let text = say(Intent::BrandPost, Lang::En, &Slots::default(), &mut g.rng);
    let id = g.write(
        net,
        draft(
            Who::Brand,
            MessageKind::Post,
            at,
            title,
            text,
            Lang::En,
            Intent::Chatter,
        ),
    );
    Said {
        id,
        at,
        who: Who::Brand,
        intent: Intent::Chatter,
    }
}

/// A root message draft.
pub fn draft(
    who: Who,
    kind: MessageKind,
    at: i64,
    title: Option<String>,
    text: String,
    lang: Lang,
    intent: Intent,
) -> Draft {
    Draft {
        who,
        kind,
        at,
        title,
        text,
        root: None,
        parent: None,
        lang,
        intent,
        id: None,
        rating: None,
    }
}

fn video_title(rng: &mut impl Rng) -> String {
    const TITLES: [&str; 12] = [
        "Lumora Hub 2: setup in 5 minutes",
        "10 autumn scene ideas with Lumora Glow",
        "Lumora Strip behind the TV: full install",
        "Sunrise alarm explained",
        "Lumora + Home Assistant: the complete guide",
        "What's new in Lumora 4.3",
        "Lumora Motion: hallway lights that follow you",
        "Q&A with the Lumora design team",
        "How we test every Glow bulb",
        "Lumora Hub 2 vs the original Hub",
        "Cosy evening routine with #LumoraNights",
        "Matter on the Hub 2, step by step",
    ];
    super::pick(rng, &TITLES).to_owned()
}
