//! Long-form channels: Reddit and the Discourse forum (titled topics with comment
//! trees), the support e-mail inbox (subject, greeting, sign-off, back and forth),
//! and app-store reviews (star ratings, some with the developer's response).

use super::people::Net;
use super::phrases::{Intent, email, forum_post, review_title, say};
use super::rhythm::Profile;
use super::social::draft;
use super::threads::{Conv, Said, agent, brand_answer, first_of, heavy_count, lang_of, replies};
use super::vocab::{Lang, Slots};
use super::writer::{Draft, Gen, Who};
use rand::Rng;
use tend_domain::MessageKind;

/// Messages per network at full size (before the heated threads).
pub const REDDIT_TARGET: usize = 2200;
pub const DISCOURSE_TARGET: usize = 1800;
pub const EMAIL_TARGET: usize = 1400;
pub const REVIEWS_TARGET: usize = 300;

/// Reddit: posts with comment trees; the brand's account joins some.
pub fn reddit(g: &mut Gen) {
    let target = g.scaled(REDDIT_TARGET, 30);
    while g.count(Net::Reddit) < target {
        let Some((conv, root)) = topic(g, Net::Reddit, None) else {
            return;
        };
        let n = heavy_count(&mut g.rng, 5.0, 120);
        replies(g, &conv, &root, n, 60.0, 0.45);
        if g.rng.random_bool(0.15) {
            brand_answer(g, &conv, &root, MessageKind::Comment, 180.0, 0.3);
        }
    }
}

/// The Discourse forum: topics numbered like Discourse's (`t<topic>/p<post>`),
/// answered by the community and often by the brand's team.
pub fn discourse(g: &mut Gen) {
    let target = g.scaled(DISCOURSE_TARGET, 30);
    let mut topic_no = 1000;
    while g.count(Net::Discourse) < target {
        topic_no += 1;
        let Some((conv, root)) = topic(g, Net::Discourse, Some(format!("t{topic_no}/p1"))) else {
            return;
        };
        let n = heavy_count(&mut g.rng, 3.0, 60);
        replies(g, &conv, &root, n, 120.0, 0.15);
        let p_brand = if root.intent.needs_support() {
            0.5
        } else {
            0.1
        };
        if g.rng.random_bool(p_brand) {
            brand_answer(g, &conv, &root, MessageKind::ForumPost, 240.0, 0.4);
        }
        // Discourse numbers a topic's posts in order of writing.
        renumber(g, topic_no, &root.id);
    }
}

/// The support inbox: a customer writes, the team answers, sometimes again.
pub fn email_inbox(g: &mut Gen) {
    let target = g.scaled(EMAIL_TARGET, 20);
    while g.count(Net::Email) < target {
        let Some(p) = g.people.sample(Net::Email, &mut g.rng) else {
            return;
        };
        let who = Who::Person(p);
        let at = g.clock.sample(Profile::Work, &mut g.rng);
        let intent = if g.rng.random_bool(0.5) {
            Intent::Question
        } else {
            Intent::Complaint
        };
        let lang = lang_of(g, who);
        let first = first_of(g, who);
        let (subject, body) = email(intent, lang, first, &Slots::default(), &mut g.rng);
        let d = draft(
            who,
            MessageKind::DirectMessage,
            at,
            Some(subject.clone()),
            body,
            lang,
            intent,
        );
        let root = g.write(Net::Email, d);
        let conv = Conv {
            net: Net::Email,
            root: root.clone(),
            intent,
            reply_kind: MessageKind::DirectMessage,
        };
        let mut last = Said {
            id: root,
            at,
            who,
            intent,
        };
        // Up to two rounds: the team answers, the customer follows up.
        for round in 0..2 {
            if !g.rng.random_bool(if round == 0 { 0.85 } else { 0.9 }) {
                break;
            }
            let Some(at) = g.clock.staffed_reply(last.at, 240.0, &mut g.rng) else {
                break;
            };
            let sv = lang == Lang::Sv;
            let signed = agent(&mut g.rng);
            let slots = Slots {
                first,
                agent: signed,
            };
            let answer = say(
                Intent::BrandSupport,
                if sv { Lang::Sv } else { Lang::En },
                &slots,
                &mut g.rng,
            );
            let sign = if sv {
                "Vänliga hälsningar"
            } else {
                "Kind regards"
            };
            let body = format!("{answer}\n\n{sign},\nLumora Support");
            let id = reply(g, &conv, &last, Who::Brand, at, &subject, body, lang);
            let brand = Said {
                id,
                at,
                who: Who::Brand,
                intent: Intent::BrandSupport,
            };
            if !g.rng.random_bool(0.4) {
                break;
            }
            let Some(back) = g.clock.after(at, 300.0, &mut g.rng) else {
                break;
            };
            let follow = if g.rng.random_bool(0.5) {
                Intent::ReplyThanks
            } else {
                Intent::ReplyFollowUp
            };
            let text = say(follow, lang, &Slots::default(), &mut g.rng);
            let id = reply(g, &conv, &brand, who, back, &subject, text, lang);
            last = Said {
                id,
                at: back,
                who,
                intent: follow,
            };
            if follow == Intent::ReplyThanks {
                break;
            }
        }
    }
}

/// App Store or Google Play reviews, with the developer's response to some.
pub fn reviews(g: &mut Gen, net: Net) {
    let target = g.scaled(REVIEWS_TARGET, 10);
    while g.count(net) < target {
        let Some(p) = g.people.sample(net, &mut g.rng) else {
            return;
        };
        let who = Who::Person(p);
        let at = g.clock.sample(Profile::Social, &mut g.rng);
        let stars: u8 = match g.rng.random_range(0..100) {
            0..45 => 5,
            45..65 => 4,
            65..75 => 3,
            75..83 => 2,
            _ => 1,
        };
        let intent = match stars {
            4..=5 => Intent::Praise,
            3 => Intent::FeatureRequest,
            _ => Intent::Complaint,
        };
        let lang = lang_of(g, who);
        let title = review_title(stars, lang, &mut g.rng);
        let text = say(intent, lang, &Slots::default(), &mut g.rng);
        let mut review = draft(
            who,
            MessageKind::Review,
            at,
            Some(title),
            text,
            lang,
            intent,
        );
        review.rating = tend_domain::Rating::from_tenths(i64::from(stars) * 10).ok();
        let id = g.write(net, review);
        let said = Said {
            id: id.clone(),
            at,
            who,
            intent,
        };
        let conv = Conv {
            net,
            root: id,
            intent,
            reply_kind: MessageKind::Reply,
        };
        let p_brand = if stars <= 3 { 0.35 } else { 0.1 };
        if g.rng.random_bool(p_brand) {
            brand_answer(g, &conv, &said, MessageKind::Reply, 1440.0, 0.0);
        }
    }
}

/// A titled topic opened by someone on `net`.
fn topic(g: &mut Gen, net: Net, id: Option<String>) -> Option<(Conv, Said)> {
    let p = g.people.sample(net, &mut g.rng)?;
    let who = Who::Person(p);
    let at = g.clock.sample(
        if net == Net::Discourse {
            Profile::Work
        } else {
            Profile::Social
        },
        &mut g.rng,
    );
    let intent = Intent::opener(&mut g.rng);
    let lang = lang_of(g, who);
    let (title, body) = forum_post(intent, lang, &Slots::default(), &mut g.rng);
    let mut d = draft(
        who,
        MessageKind::ForumPost,
        at,
        Some(title),
        body,
        lang,
        intent,
    );
    d.id = id;
    let root = g.write(net, d);
    let reply_kind = if net == Net::Reddit {
        MessageKind::Comment
    } else {
        MessageKind::ForumPost
    };
    Some((
        Conv {
            net,
            root: root.clone(),
            intent,
            reply_kind,
        },
        Said {
            id: root,
            at,
            who,
            intent,
        },
    ))
}

#[allow(clippy::too_many_arguments)]
fn reply(
    g: &mut Gen,
    conv: &Conv,
    to: &Said,
    who: Who,
    at: i64,
    subject: &str,
    text: String,
    lang: Lang,
) -> String {
    g.write(
        conv.net,
        Draft {
            who,
            kind: MessageKind::DirectMessage,
            at,
            title: Some(format!("Re: {subject}")),
            text,
            root: Some(conv.root.clone()),
            parent: Some(to.id.clone()),
            lang,
            intent: conv.intent,
            id: None,
            rating: None,
        },
    )
}

/// Gives the replies of Discourse topic `topic_no` the ids `t<topic>/p2…` in time
/// order (they were written with generated ids), fixing parent and root links.
fn renumber(g: &mut Gen, topic_no: usize, root: &str) {
    super::writer::renumber_thread(g, Net::Discourse, root, |n| format!("t{topic_no}/p{n}"));
}
