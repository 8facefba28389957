//! The planted spike: a six-hour cloud outage on a weekday 45–75 days before the
//! anchor floods X with complaints on top of the usual traffic; the brand posts a
//! status update and an all-clear. The manifest records the exact window, the
//! planted volume per hour and, once everything is generated, the totals and the
//! same hours' median in the other weeks.

use super::manifest::SpikeTruth;
use super::people::Net;
use super::phrases::{Intent, say};
use super::rhythm::HOUR_MS;
use super::social::draft;
use super::threads::{as_mention, lang_of};
use super::vocab::{Lang, Slots};
use super::writer::{Draft, Gen, Who};
use jiff::civil::Weekday;
use rand::Rng;
use tend_domain::MessageKind;

/// Length of the planted spike.
pub const SPIKE_HOURS: i64 = 6;
/// Extra inbound messages in the spike at full size.
pub const SPIKE_EXTRA: usize = 420;
/// How the spike's extra messages spread over its hours.
const SPIKE_SHAPE: [f64; 6] = [0.7, 1.0, 1.0, 0.9, 0.7, 0.5];

/// Plants the outage: `SPIKE_EXTRA` (scaled) complaints on X within six hours of a
/// weekday 45–75 days before the anchor, and the brand's two status posts.
pub fn spike(g: &mut Gen, channel: &str) -> SpikeTruth {
    let mut start = g.clock.midnight_days_back(60);
    for _ in 0..50 {
        let day = g.clock.midnight_days_back(g.rng.random_range(45..=75));
        let (_, weekday) = g.clock.local(day + 12 * HOUR_MS);
        if matches!(
            weekday,
            Weekday::Tuesday | Weekday::Wednesday | Weekday::Thursday
        ) {
            start = day;
            break;
        }
    }
    let start = start + g.rng.random_range(9..=13) * HOUR_MS;
    let end = start + SPIKE_HOURS * HOUR_MS;
    let extra = g.scaled(SPIKE_EXTRA, 12);
    let total: f64 = SPIKE_SHAPE.iter().sum();
    let status_at = start + 35 * 60_000;
    let status = g.write(
        Net::X,
        draft(Who::Brand, MessageKind::Post, status_at, None,
            "We're aware that some Hubs show as offline and the app can't reach your lights. We're on it and will update here.".to_owned(),
            Lang::En, Intent::Outage),
    );
    let mut planted = Vec::new();
    let mut written = 0;
    for (h, share) in SPIKE_SHAPE.iter().enumerate() {
        let n = if h + 1 == SPIKE_SHAPE.len() {
            extra - written
        } else {
            ((extra as f64) * share / total).round() as usize
        };
        written += n;
        planted.push(n as u64);
        let hour = start + h as i64 * HOUR_MS;
        for _ in 0..n {
            let at = hour + g.rng.random_range(0..HOUR_MS);
            let Some(p) = g.people.sample(Net::X, &mut g.rng) else {
                break;
            };
            let who = Who::Person(p);
            let lang = lang_of(g, who);
            let text = say(Intent::Outage, lang, &Slots::default(), &mut g.rng);
            let answer_status = at > status_at && g.rng.random_bool(0.3);
            let (kind, root, parent, text) = if answer_status {
                (
                    MessageKind::Reply,
                    Some(status.clone()),
                    Some(status.clone()),
                    text,
                )
            } else {
                (
                    MessageKind::Mention,
                    None,
                    None,
                    as_mention(Net::X, text, &mut g.rng),
                )
            };
            g.write(
                Net::X,
                Draft {
                    who,
                    kind,
                    at,
                    title: None,
                    text,
                    root,
                    parent,
                    lang,
                    intent: Intent::Outage,
                    id: None,
                    rating: None,
                },
            );
        }
    }
    g.write(
        Net::X,
        draft(Who::Brand, MessageKind::Post, end - 20 * 60_000, None,
            "Update: all Hubs are back online. Sorry for the trouble today, a full write-up follows tomorrow.".to_owned(),
            Lang::En, Intent::Outage),
    );
    SpikeTruth::new(
        channel,
        super::ts(start),
        super::ts(end),
        extra as u64,
        planted,
        2,
    )
}
