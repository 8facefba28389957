//! The generator's state and its one way of writing a message: `Gen::write` turns a
//! `Draft` into an `IncomingItem` with an id in the platform's own style, the
//! author's account, engagement, and a note (the conversation's intent) that the
//! triage plan reads later.

use super::people::{Net, People, brand_account};
use super::phrases::Intent;
use super::rhythm::Clock;
use super::vocab::Lang;
use rand::Rng;
use rand::rngs::StdRng;
use std::collections::{BTreeSet, HashMap, HashSet};
use tend_domain::{Direction, Engagement, IncomingItem, IncomingMessage, MessageKind};

/// Who writes a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// A person of the community (index into `People::all`).
    Person(usize),
    /// The brand's own account on the network.
    Brand,
}

/// A message before it gets its id.
#[derive(Debug, Clone)]
pub struct Draft {
    pub who: Who,
    pub kind: MessageKind,
    pub at: i64,
    pub title: Option<String>,
    pub text: String,
    /// The conversation root's id (None for a root).
    pub root: Option<String>,
    /// The parent's id (None for a root).
    pub parent: Option<String>,
    pub lang: Lang,
    /// What the conversation is about (for tags and assignment).
    pub intent: Intent,
    /// An id chosen by the caller (forums number their posts), else generated.
    pub id: Option<String>,
    /// A review's stars.
    pub rating: Option<tend_domain::Rating>,
}

/// What the triage plan needs to know about a generated message.
#[derive(Debug, Clone, Copy)]
pub struct Note {
    /// The conversation's intent.
    pub intent: Intent,
    /// Part of a heated thread.
    pub heated: bool,
}

/// The messages of one network's channel.
#[derive(Debug, Default)]
pub struct Out {
    pub items: Vec<IncomingItem>,
    pub notes: HashMap<String, Note>,
    ids: HashSet<String>,
}

/// The generator's state.
pub struct Gen {
    pub rng: StdRng,
    pub clock: Clock,
    pub people: People,
    pub scale: f64,
    /// One output per network, in `Net::ALL` order.
    pub out: Vec<Out>,
    /// Which person wrote on which network (for linking identities).
    pub used: BTreeSet<(usize, Net)>,
    /// Ids of heated threads' roots, with their network.
    pub heated: Vec<(Net, String)>,
    seq: u64,
}

impl Gen {
    /// A generator over `people` in `clock`'s window.
    pub fn new(rng: StdRng, clock: Clock, people: People, scale: f64) -> Gen {
        Gen {
            rng,
            clock,
            people,
            scale,
            out: Net::ALL.iter().map(|_| Out::default()).collect(),
            used: BTreeSet::new(),
            heated: Vec::new(),
            seq: 0,
        }
    }

    /// Messages written so far on `net`.
    pub fn count(&self, net: Net) -> usize {
        self.out[net_index(net)].items.len()
    }

    /// `n` scaled to the demo's size (at least `min`).
    pub fn scaled(&self, n: usize, min: usize) -> usize {
        ((n as f64 * self.scale).round() as usize).max(min)
    }

    /// Marks a message as part of a heated thread.
    pub fn mark_heated(&mut self, net: Net, id: &str) {
        if let Some(note) = self.out[net_index(net)].notes.get_mut(id) {
            note.heated = true;
        }
    }

    /// Writes a message; returns its external id.
    pub fn write(&mut self, net: Net, d: Draft) -> String {
        self.seq += 1;
        let i = net_index(net);
        let mut id = match d.id {
            Some(id) => id,
            None => self.fresh_id(net, d.at, d.kind, d.root.is_none()),
        };
        while self.out[i].ids.contains(&id) {
            self.seq += 1;
            id = format!("{id}{}", self.seq % 10);
        }
        let (author, direction) = match d.who {
            Who::Brand => (brand_account(net), Direction::Outbound),
            Who::Person(p) => {
                self.used.insert((p, net));
                let account = self.people.all[p].account(net).cloned();
                (
                    account.unwrap_or_else(|| brand_account(net)),
                    Direction::Inbound,
                )
            }
        };
        let reports_lang = matches!(net, Net::X | Net::Mastodon);
        let engagement = self.engagement(net, d.kind, direction);
        let message = IncomingMessage {
            external_id: id.clone(),
            kind: d.kind,
            direction,
            thread_external_id: d.root,
            parent_external_id: d.parent,
            author: Some(author),
            title: d.title,
            text: d.text,
            lang: reports_lang.then(|| d.lang.code().to_owned()),
            created_at: super::ts(d.at),
            edited_at: None,
            permalink: None,
            engagement,
            rating: d.rating,
        };
        let out = &mut self.out[i];
        out.ids.insert(id.clone());
        out.notes.insert(
            id.clone(),
            Note {
                intent: d.intent,
                heated: false,
            },
        );
        out.items.push(IncomingItem::Message(message));
        id
    }

    /// Adds `n` to the reply count of message `id` on `net`.
    pub fn count_reply(&mut self, net: Net, id: &str) {
        let out = &mut self.out[net_index(net)];
        for item in out.items.iter_mut().rev() {
            if let IncomingItem::Message(m) = item
                && m.external_id == id
            {
                m.engagement.replies += 1;
                return;
            }
        }
    }

    fn fresh_id(&mut self, net: Net, at: i64, kind: MessageKind, root: bool) -> String {
        let seq = self.seq;
        let r: u64 = self.rng.random();
        match net {
            // Snowflake: milliseconds since X's epoch, then a sequence.
            Net::X => {
                ((((at - 1_288_834_974_657).max(0) as u64) << 22) | (seq & 0x3f_ffff)).to_string()
            }
            Net::Mastodon => (((at.max(0) as u64) << 16) | (seq & 0xffff)).to_string(),
            Net::Instagram => (17_800_000_000_000_000 + r % 199_999_999_999_999).to_string(),
            Net::Facebook => format!("100000000000001_{}", 10_000_000_000 + r % 89_999_999_999),
            Net::Youtube if kind == MessageKind::Post => base64ish(r, 11),
            Net::Youtube => format!("Ugx{}", base64ish(r, 20)),
            Net::Reddit if root => format!("t3_{}", base36(0x1_0000_0000 + r % 0xff_ffff_ffff)),
            Net::Reddit => format!("t1_{}", base36(0x10_0000_0000 + r % 0xff_ffff_ffff)),
            Net::Discourse => format!("t{}/p{}", 9000 + seq, 1),
            Net::Email => format!("<{:016x}.{seq}@mail.example>", r),
            Net::AppStore => format!("appstore-review:{}", 10_000_000 + r % 89_999_999),
            Net::GooglePlay => format!("gp:AOqpTO{}", base64ish(r, 16)),
        }
    }

    fn engagement(&mut self, net: Net, kind: MessageKind, direction: Direction) -> Engagement {
        let rng = &mut self.rng;
        let heavy = |rng: &mut StdRng, median: f64| -> i64 {
            let u: f64 = rng.random_range(0.002..1.0);
            (median * (1.0 / u).powf(0.8) - median).max(0.0).round() as i64
        };
        let mut e = Engagement::default();
        match net {
            Net::Email | Net::AppStore | Net::GooglePlay => {
                if net != Net::Email {
                    e.likes = heavy(rng, 1.0);
                }
            }
            _ => {
                let median = match (direction, kind) {
                    (Direction::Outbound, MessageKind::Post) => 180.0,
                    (Direction::Outbound, _) => 4.0,
                    (_, MessageKind::Mention | MessageKind::ForumPost) => 6.0,
                    _ => 2.0,
                };
                e.likes = heavy(rng, median);
                if matches!(net, Net::X | Net::Mastodon | Net::Facebook) {
                    e.shares = heavy(rng, median / 8.0);
                }
                if kind == MessageKind::Post
                    && matches!(net, Net::Youtube | Net::X | Net::Instagram)
                {
                    e.views = heavy(rng, median * 40.0);
                }
            }
        }
        e
    }
}

/// Renames the replies of the conversation `root` on `net` (the last one written)
/// to `name(2)`, `name(3)` … in time order, keeping parent and root links intact.
pub fn renumber_thread(g: &mut Gen, net: Net, root: &str, name: impl Fn(usize) -> String) {
    let out = &mut g.out[net_index(net)];
    let Some(start) = out
        .items
        .iter()
        .rposition(|item| matches!(item, IncomingItem::Message(m) if m.external_id == root))
    else {
        return;
    };
    let mut order: Vec<usize> = (start + 1..out.items.len()).collect();
    order.sort_by_key(|&i| match &out.items[i] {
        IncomingItem::Message(m) => (m.created_at, i),
        _ => (jiff::Timestamp::MAX, i),
    });
    let mut renamed: HashMap<String, String> = HashMap::new();
    for (n, &i) in order.iter().enumerate() {
        if let IncomingItem::Message(m) = &out.items[i] {
            renamed.insert(m.external_id.clone(), name(n + 2));
        }
    }
    for item in &mut out.items[start + 1..] {
        if let IncomingItem::Message(m) = item {
            if let Some(new) = renamed.get(&m.external_id) {
                out.ids.remove(&m.external_id);
                if let Some(note) = out.notes.remove(&m.external_id) {
                    out.notes.insert(new.clone(), note);
                }
                out.ids.insert(new.clone());
                m.external_id = new.clone();
            }
            if let Some(parent) = m.parent_external_id.as_ref().and_then(|p| renamed.get(p)) {
                m.parent_external_id = Some(parent.clone());
            }
        }
    }
}

/// The position of `net` in `Net::ALL`.
pub fn net_index(net: Net) -> usize {
    Net::ALL.iter().position(|n| *n == net).unwrap_or(0)
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn base64ish(mut n: u64, len: usize) -> String {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(len);
    for i in 0..len {
        if i % 10 == 9 {
            // Mix so long ids do not end in a run of 'A's.
            n = n.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(i as u64);
        }
        out.push(char::from(DIGITS[(n % 64) as usize]));
        n /= 64;
    }
    out
}
