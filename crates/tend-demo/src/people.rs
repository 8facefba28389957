//! The community: people with a name, a language, an activity level (a few very
//! active, a long tail of occasional writers) and accounts on one to three
//! networks, plus one-off app reviewers and the brand's own accounts. Handles
//! differ per network as they do in life (`anna_lind`, `anna.lind.92`, `Anna Lind`).

use super::Weighted;
use super::names::{account, name};
use super::vocab::{BRAND, BRAND_HANDLE, Lang};
use rand::Rng;
use std::collections::{BTreeMap, HashSet};
use tend_domain::{ChannelKind, IncomingAuthor};

/// A network the generator writes for (two review stores share the `reviews` kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Net {
    X,
    Instagram,
    Facebook,
    Youtube,
    Reddit,
    Discourse,
    Mastodon,
    Email,
    AppStore,
    GooglePlay,
}

impl Net {
    /// Every network, in channel order.
    pub const ALL: [Net; 10] = [
        Net::X,
        Net::Instagram,
        Net::Facebook,
        Net::Youtube,
        Net::Reddit,
        Net::Discourse,
        Net::Mastodon,
        Net::Email,
        Net::AppStore,
        Net::GooglePlay,
    ];

    /// The channel kind (and identity platform) of the network.
    pub fn kind(self) -> ChannelKind {
        match self {
            Net::X => ChannelKind::X,
            Net::Instagram => ChannelKind::Instagram,
            Net::Facebook => ChannelKind::Facebook,
            Net::Youtube => ChannelKind::Youtube,
            Net::Reddit => ChannelKind::Reddit,
            Net::Discourse => ChannelKind::Discourse,
            Net::Mastodon => ChannelKind::Mastodon,
            Net::Email => ChannelKind::Email,
            Net::AppStore | Net::GooglePlay => ChannelKind::Reviews,
        }
    }

    /// How likely a person's first network is this one (reviews come from reviewers).
    fn popularity(self) -> f64 {
        match self {
            Net::X => 26.0,
            Net::Instagram => 22.0,
            Net::Facebook => 18.0,
            Net::Youtube => 8.0,
            Net::Reddit => 10.0,
            Net::Discourse => 8.0,
            Net::Mastodon => 4.0,
            Net::Email => 4.0,
            Net::AppStore | Net::GooglePlay => 0.0,
        }
    }
}

/// One person of the community.
#[derive(Debug, Clone)]
pub struct Person {
    /// First name, used when the brand answers them.
    pub first: &'static str,
    /// The language they usually write in.
    pub lang: Lang,
    /// Relative activity.
    pub weight: f64,
    /// Their accounts, one per network.
    pub accounts: Vec<(Net, IncomingAuthor)>,
}

impl Person {
    /// Their account on `net`, if any.
    pub fn account(&self, net: Net) -> Option<&IncomingAuthor> {
        self.accounts
            .iter()
            .find(|(n, _)| *n == net)
            .map(|(_, a)| a)
    }
}

/// Everyone, with a sampler per network.
#[derive(Debug)]
pub struct People {
    /// All people; index = person id.
    pub all: Vec<Person>,
    by_net: Vec<(Net, Vec<usize>, Weighted)>,
}

impl People {
    /// `n` community members and `reviewers` one-off app reviewers.
    pub fn generate(n: usize, reviewers: usize, rng: &mut impl Rng) -> People {
        let mut all = Vec::with_capacity(n + reviewers);
        let mut taken = HashSet::new();
        let popularity: Vec<f64> = Net::ALL.iter().map(|n| n.popularity()).collect();
        let popular = Weighted::new(&popularity);
        for i in 0..n {
            let (first, last, lang) = name(rng);
            let u: f64 = rng.random_range(0.02..1.0);
            let mut weight = (1.0 / u.powf(0.85)).min(60.0);
            let mut nets = vec![Net::ALL[popular.sample(rng)]];
            let extra = rng.random::<f64>();
            let more = if extra < 0.07 {
                2
            } else if extra < 0.28 {
                1
            } else {
                0
            };
            for _ in 0..more {
                // A second account is often the support e-mail address.
                let net = if rng.random_bool(0.3) {
                    Net::Email
                } else {
                    Net::ALL[popular.sample(rng)]
                };
                if !nets.contains(&net) {
                    nets.push(net);
                }
            }
            if nets.len() > 1 {
                // People on several networks are the engaged ones.
                weight *= 2.0;
            }
            if i % 20 == 7 {
                // Some community members also review the app.
                nets.push(if rng.random_bool(0.5) {
                    Net::AppStore
                } else {
                    Net::GooglePlay
                });
            }
            let accounts = nets
                .into_iter()
                .map(|net| (net, account(net, first, last, rng, &mut taken)))
                .collect();
            all.push(Person {
                first,
                lang,
                weight,
                accounts,
            });
        }
        for _ in 0..reviewers {
            let (first, last, lang) = name(rng);
            let net = if rng.random_bool(0.5) {
                Net::AppStore
            } else {
                Net::GooglePlay
            };
            let accounts = vec![(net, account(net, first, last, rng, &mut taken))];
            all.push(Person {
                first,
                lang,
                weight: 1.0,
                accounts,
            });
        }
        let by_net = Net::ALL
            .iter()
            .map(|&net| {
                let ids: Vec<usize> = (0..all.len())
                    .filter(|&i| all[i].account(net).is_some())
                    .collect();
                let weights: Vec<f64> = ids
                    .iter()
                    .map(|&i| match net {
                        // Reviews and e-mails come from many people a few times each.
                        Net::AppStore | Net::GooglePlay | Net::Email => all[i].weight.sqrt(),
                        _ => all[i].weight,
                    })
                    .collect();
                let w = Weighted::new(&weights);
                (net, ids, w)
            })
            .collect();
        People { all, by_net }
    }

    /// Someone with an account on `net`, by activity; `None` if nobody has one.
    pub fn sample(&self, net: Net, rng: &mut impl Rng) -> Option<usize> {
        let (_, ids, w) = self.by_net.iter().find(|(n, _, _)| *n == net)?;
        if ids.is_empty() {
            return None;
        }
        Some(ids[w.sample(rng).min(ids.len() - 1)])
    }
}

/// The brand's own account on `net`.
pub fn brand_account(net: Net) -> IncomingAuthor {
    let (id, handle, followers): (&str, String, Option<i64>) = match net {
        Net::X => ("1000000001", BRAND_HANDLE.into(), Some(51_240)),
        Net::Instagram => ("2000000001", BRAND_HANDLE.into(), Some(88_410)),
        Net::Facebook => ("100000000000001", BRAND.into(), Some(34_900)),
        Net::Youtube => ("UCLumoraOfficial000000a", "@Lumora".into(), Some(12_300)),
        Net::Reddit => ("Lumora_Official", "Lumora_Official".into(), None),
        Net::Discourse => ("9001", "lumora_team".into(), None),
        Net::Mastodon => (
            "lumora@social.example",
            format!("{BRAND_HANDLE}@social.example"),
            Some(4_210),
        ),
        Net::Email => (
            "support@lumora.example",
            "support@lumora.example".into(),
            None,
        ),
        Net::AppStore => ("appstore:developer", format!("{BRAND} AB"), None),
        Net::GooglePlay => ("play:developer", format!("{BRAND} AB"), None),
    };
    IncomingAuthor {
        platform: net.kind(),
        external_id: id.to_owned(),
        handle,
        display_name: Some(BRAND.to_owned()),
        profile_url: None,
        followers,
        verified: matches!(net, Net::X | Net::Instagram | Net::Facebook | Net::Youtube),
        email: (net == Net::Email).then(|| "support@lumora.example".to_owned()),
    }
}

/// Each person's accounts on several networks, and the brand's own accounts.
pub fn links(g: &super::writer::Gen, channels: &[super::DemoChannel]) -> Vec<Vec<IncomingAuthor>> {
    let mut by_person: BTreeMap<usize, Vec<Net>> = BTreeMap::new();
    for (p, net) in &g.used {
        by_person.entry(*p).or_default().push(*net);
    }
    let mut links: Vec<Vec<IncomingAuthor>> = by_person
        .into_iter()
        .filter(|(_, nets)| nets.len() > 1)
        .map(|(p, nets)| {
            nets.iter()
                .filter_map(|net| g.people.all[p].account(*net).cloned())
                .collect()
        })
        .collect();
    let written = super::count::identities(channels.iter().flat_map(|c| c.items.iter()));
    let brand: Vec<IncomingAuthor> = Net::ALL
        .into_iter()
        .map(brand_account)
        .filter(|a| written.contains(&(a.platform, a.external_id.clone())))
        .collect();
    if brand.len() > 1 {
        links.push(brand);
    }
    links
}
