//! Names and accounts: a person's name (Swedish, English, German, Spanish, French
//! or from elsewhere) decides the language they usually write in, and each of
//! their accounts gets a handle, id, display name and follower count in the style
//! of its network.

use super::people::Net;
use super::pick;
use super::vocab::Lang;
use rand::Rng;
use std::collections::HashSet;
use tend_domain::IncomingAuthor;

/// An account of `first last` on `net`, with an external id not in `taken`.
pub fn account(
    net: Net,
    first: &'static str,
    last: &'static str,
    rng: &mut impl Rng,
    taken: &mut HashSet<(Net, String)>,
) -> IncomingAuthor {
    let (f, l) = (ascii(first), ascii(last));
    let yy = rng.random_range(70..100);
    let digits = rng.random_range(1..999);
    let full = format!("{first} {last}");
    let (mut handle, display, followers, email) = match net {
        Net::X => (
            match rng.random_range(0..4) {
                0 => format!("{f}{l}"),
                1 => format!("{f}_{l}"),
                2 => format!("{f}{digits}"),
                _ => format!("{}{l}", initial(&f)),
            },
            Some(full),
            Some(followers(rng, 40.0)),
            None,
        ),
        Net::Instagram => (
            match rng.random_range(0..3) {
                0 => format!("{f}.{l}"),
                1 => format!("{f}_{l}_"),
                _ => format!("{f}{l}{yy}"),
            },
            Some(full),
            Some(followers(rng, 120.0)),
            None,
        ),
        Net::Facebook => (full.clone(), Some(full), None, None),
        Net::Youtube => (format!("@{first}{last}"), Some(full), None, None),
        Net::Reddit => {
            const WORDS: [&str; 6] = ["bulbs", "lights", "nord", "home", "lamp", "tinker"];
            (
                format!("{f}_{}{digits}", pick(rng, &WORDS)),
                None,
                None,
                None,
            )
        }
        Net::Discourse => (format!("{f}{}", initial(&l)), Some(full), None, None),
        Net::Mastodon => {
            const HOSTS: [&str; 4] = [
                "mastodon.example",
                "fosstodon.example",
                "social.example",
                "toot.example",
            ];
            (
                format!("{f}{l}@{}", pick(rng, &HOSTS)),
                Some(first.to_owned()),
                Some(followers(rng, 60.0)),
                None,
            )
        }
        Net::Email => {
            const DOMAINS: [&str; 4] = [
                "mail.example",
                "inbox.example",
                "post.example",
                "home.example",
            ];
            let address = if rng.random_bool(0.6) {
                format!("{f}.{l}@{}", pick(rng, &DOMAINS))
            } else {
                format!("{f}{yy}@{}", pick(rng, &DOMAINS))
            };
            (address.clone(), Some(full), None, Some(address))
        }
        Net::AppStore => (format!("{first}{digits}"), None, None, None),
        Net::GooglePlay => (full.clone(), Some(full), None, None),
    };
    // External ids are numbers or handles as each platform's export has them (the
    // Reddit and Mastodon importers use the handle); unique per network.
    let mut external = match net {
        Net::X | Net::Instagram => rng
            .random_range(10_000_000u64..9_000_000_000_000)
            .to_string(),
        Net::Facebook => rng
            .random_range(100_000_000_000_000u64..999_999_999_999_999)
            .to_string(),
        Net::Youtube => format!("UC{:022x}", rng.random::<u128>() >> 40),
        Net::Reddit | Net::Email => handle.clone(),
        Net::Discourse => rng.random_range(5_000u64..90_000).to_string(),
        Net::Mastodon => handle.to_lowercase(),
        Net::AppStore => format!("appstore:{}", rng.random_range(1_000_000u64..99_999_999)),
        Net::GooglePlay => format!("play:{}", rng.random_range(1_000_000u64..99_999_999)),
    };
    let mut n = 1;
    while !taken.insert((net, external.clone())) {
        n += 1;
        match net {
            // Where the handle is the id, the handle changes.
            Net::Email => {
                handle = format!("{f}.{l}{n}@mail.example");
                external = handle.clone();
            }
            Net::Reddit | Net::Mastodon => {
                handle = match handle.split_once('@') {
                    Some((user, host)) => format!("{user}{n}@{host}"),
                    None => format!("{handle}{n}"),
                };
                external = handle.to_lowercase();
            }
            _ => external = format!("{external}{n}"),
        }
    }
    let email = if net == Net::Email {
        Some(handle.clone())
    } else {
        email
    };
    IncomingAuthor {
        platform: net.kind(),
        external_id: external,
        handle,
        display_name: display,
        profile_url: None,
        followers,
        verified: false,
        email,
    }
}

fn followers(rng: &mut impl Rng, median: f64) -> i64 {
    let u: f64 = rng.random_range(0.001..1.0);
    (median * (1.0 / u).powf(0.9)).round() as i64
}

/// The first letter of an ASCII name.
fn initial(name: &str) -> &str {
    name.get(..1).unwrap_or("x")
}

/// Lower-case ASCII for handles and addresses.
fn ascii(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'å' | 'ä' | 'á' | 'à' | 'Å' | 'Ä' => Some('a'),
            'ö' | 'ø' | 'ó' | 'Ö' => Some('o'),
            'é' | 'è' | 'ë' | 'É' => Some('e'),
            'ü' | 'ú' => Some('u'),
            'ñ' => Some('n'),
            'ç' => Some('c'),
            'í' => Some('i'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// A first and last name and the language the person writes in.
pub fn name(rng: &mut impl Rng) -> (&'static str, &'static str, Lang) {
    const SV_FIRST: [&str; 24] = [
        "Anna", "Erik", "Lars", "Karin", "Maja", "Oskar", "Elin", "Johan", "Sara", "Nils", "Ebba",
        "Linnea", "Axel", "Frida", "Gustav", "Hanna", "Isak", "Klara", "Ludvig", "Moa", "Björn",
        "Saga", "Viktor", "Ida",
    ];
    const SV_LAST: [&str; 16] = [
        "Lind",
        "Berg",
        "Holm",
        "Ström",
        "Nyberg",
        "Sjöberg",
        "Ek",
        "Lundqvist",
        "Åberg",
        "Dahl",
        "Engström",
        "Falk",
        "Hedlund",
        "Söderberg",
        "Wallin",
        "Björk",
    ];
    const EN_FIRST: [&str; 20] = [
        "James", "Emily", "Olivia", "Noah", "Liam", "Ava", "Mia", "Ethan", "Chloe", "Jack",
        "Grace", "Harry", "Sophie", "Daniel", "Ella", "Ryan", "Megan", "Tom", "Lucy", "Sam",
    ];
    const EN_LAST: [&str; 14] = [
        "Smith", "Brown", "Taylor", "Wilson", "Walker", "Hughes", "Clarke", "Evans", "Turner",
        "Parker", "Reed", "Morgan", "Hill", "Wood",
    ];
    const DE_FIRST: [&str; 8] = [
        "Lukas", "Lena", "Jonas", "Marie", "Felix", "Paula", "Moritz", "Jana",
    ];
    const DE_LAST: [&str; 6] = ["Müller", "Schmidt", "Weber", "Fischer", "Becker", "Wagner"];
    const ES_FIRST: [&str; 6] = ["Lucía", "Mateo", "Sofía", "Diego", "Carmen", "Pablo"];
    const ES_LAST: [&str; 5] = ["García", "López", "Martín", "Ruiz", "Navarro"];
    const FR_FIRST: [&str; 6] = ["Léa", "Hugo", "Camille", "Louis", "Chloé", "Théo"];
    const FR_LAST: [&str; 5] = ["Martin", "Bernard", "Dubois", "Moreau", "Laurent"];
    const OTHER_FIRST: [&str; 10] = [
        "Amir", "Aisha", "Wei", "Yuki", "Priya", "Omar", "Fatima", "Arjun", "Leila", "Mehmet",
    ];
    const OTHER_LAST: [&str; 8] = [
        "Khan", "Chen", "Sato", "Patel", "Haddad", "Yilmaz", "Nguyen", "Rahimi",
    ];
    let r = rng.random_range(0..100);
    let p = rng.random_range(0..100);
    match r {
        0..40 => (
            pick(rng, &SV_FIRST),
            pick(rng, &SV_LAST),
            if p < 72 { Lang::Sv } else { Lang::En },
        ),
        40..75 => (pick(rng, &EN_FIRST), pick(rng, &EN_LAST), Lang::En),
        75..83 => (
            pick(rng, &DE_FIRST),
            pick(rng, &DE_LAST),
            if p < 45 { Lang::De } else { Lang::En },
        ),
        83..90 => (
            pick(rng, &ES_FIRST),
            pick(rng, &ES_LAST),
            if p < 45 { Lang::Es } else { Lang::En },
        ),
        90..95 => (
            pick(rng, &FR_FIRST),
            pick(rng, &FR_LAST),
            if p < 45 { Lang::Fr } else { Lang::En },
        ),
        _ => (
            pick(rng, &OTHER_FIRST),
            pick(rng, &OTHER_LAST),
            if p < 20 { Lang::Sv } else { Lang::En },
        ),
    }
}
