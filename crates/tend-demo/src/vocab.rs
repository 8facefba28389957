//! The demo's world: the brand, its products, the competitor, the campaign, and the
//! slot words that templates are filled with (`{product}`, `{problem}` …), per
//! language. Every name is invented; integrations are real platforms a smart-light
//! brand would name.

use super::pick;
use rand::Rng;

/// The brand the demo workspace manages.
pub const BRAND: &str = "Lumora";
/// The brand's handle on most platforms.
pub const BRAND_HANDLE: &str = "lumora";
/// The competitor customers compare the brand with.
pub const COMPETITOR: &str = "Glimmr";
/// The campaign hashtag (runs for three weeks inside the window).
pub const CAMPAIGN_HASHTAG: &str = "#LumoraNights";
/// The brand's products, as the manifest lists them.
pub const PRODUCTS: [&str; 4] = ["Lumora Hub", "Lumora Glow", "Lumora Strip", "Lumora Motion"];

/// A language the generator writes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Sv,
    De,
    Es,
    Fr,
}

impl Lang {
    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
            Lang::De => "de",
            Lang::Es => "es",
            Lang::Fr => "fr",
        }
    }
}

/// What fills the slots that depend on the conversation rather than on chance.
#[derive(Debug, Clone, Default)]
pub struct Slots<'a> {
    /// The first name of the person answered (`{first}`).
    pub first: &'a str,
    /// The brand agent's sign-off (`{agent}`).
    pub agent: &'a str,
}

/// Fills every `{slot}` of `template`; unknown slots are left as written.
pub fn fill(template: &str, lang: Lang, slots: &Slots<'_>, rng: &mut impl Rng) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match slot(name, lang, slots, rng) {
            Some(word) => out.push_str(&word),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

fn slot(name: &str, lang: Lang, slots: &Slots<'_>, rng: &mut impl Rng) -> Option<String> {
    let sv = lang == Lang::Sv;
    let words: &[&str] = match name {
        "first" => return Some(slots.first.to_owned()),
        "agent" => return Some(slots.agent.to_owned()),
        "brand" => return Some(BRAND.to_owned()),
        "competitor" => return Some(COMPETITOR.to_owned()),
        "hashtag" => return Some(CAMPAIGN_HASHTAG.to_owned()),
        "n" => return Some(rng.random_range(2..=14).to_string()),
        "order" => return Some(format!("LM-{}", rng.random_range(100_000..999_999))),
        "product" if sv => &PRODUCT_SV,
        "product" => &PRODUCT_EN,
        "device" if sv => &DEVICE_SV,
        "device" => &DEVICE_EN,
        "integration" => &INTEGRATION,
        "room" | "room2" if sv => &ROOM_SV,
        "room" | "room2" => &ROOM_EN,
        "feature" if sv => &FEATURE_SV,
        "feature" => &FEATURE_EN,
        "problem" if sv => &PROBLEM_SV,
        "problem" => &PROBLEM_EN,
        "time" if sv => &TIME_SV,
        "time" => &TIME_EN,
        "duration" if sv => &["20 minuter", "en timme", "en halvtimme", "två timmar"],
        "duration" => &[
            "20 minutes",
            "an hour",
            "half an hour",
            "two hours",
            "a day",
        ],
        "wait" if sv => &WAIT_SV,
        "wait" => &WAIT_EN,
        "price" if sv => &["299 kr", "449 kr", "99 kr i månaden", "1 290 kr"],
        "price" => &["€29", "€49", "€4.99 a month", "$59", "£39"],
        "version" => &[
            "4.2",
            "4.2.1",
            "4.3",
            "the 4.3 beta",
            "firmware 2.8",
            "firmware 2.9",
        ],
        "pos" => &[
            "", "", " 😍", " 🙌", " ✨", " 💡", " ❤️", " 👌", " 🔥", " 🥰",
        ],
        "neg" => &["", "", " 😤", " 🙄", " 😡", " 😩", " 👎", " 🤦"],
        _ => return None,
    };
    Some(pick(rng, words).to_owned())
}

const PRODUCT_EN: [&str; 12] = [
    "Lumora Hub",
    "the Hub",
    "my Hub",
    "one of my Glow bulbs",
    "my Glow bulb",
    "Lumora Glow",
    "the Lumora Strip",
    "my light strip",
    "the Motion sensor",
    "Lumora Motion",
    "the Lumora app",
    "the app",
];
const PRODUCT_SV: [&str; 10] = [
    "Lumora Hub",
    "hubben",
    "min hubb",
    "mina Glow-lampor",
    "Glow-lamporna",
    "Lumora Glow",
    "ljusslingan",
    "Lumora Strip",
    "rörelsesensorn",
    "appen",
];
const DEVICE_EN: [&str; 7] = [
    "Hub",
    "Hub 2",
    "Glow bulb",
    "Glow E14 bulb",
    "light strip",
    "Motion sensor",
    "dimmer switch",
];
const DEVICE_SV: [&str; 6] = [
    "hubb",
    "Hub 2",
    "Glow-lampa",
    "ljusslinga",
    "rörelsesensor",
    "dimmer",
];
const INTEGRATION: [&str; 7] = [
    "Google Home",
    "Alexa",
    "Apple Home",
    "Home Assistant",
    "Homey",
    "SmartThings",
    "Matter",
];
const ROOM_EN: [&str; 9] = [
    "living room",
    "bedroom",
    "kitchen",
    "hallway",
    "kids' room",
    "home office",
    "balcony",
    "garage",
    "bathroom",
];
const ROOM_SV: [&str; 8] = [
    "vardagsrummet",
    "sovrummet",
    "köket",
    "hallen",
    "barnrummet",
    "kontoret",
    "balkongen",
    "badrummet",
];
const FEATURE_EN: [&str; 11] = [
    "schedules",
    "scenes",
    "the sunrise alarm",
    "away mode",
    "colour sync",
    "voice control",
    "the energy report",
    "geofencing",
    "widgets",
    "vacation mode",
    "candlelight mode",
];
const FEATURE_SV: [&str; 9] = [
    "scheman",
    "scener",
    "soluppgångslarmet",
    "bortaläget",
    "färgsynk",
    "röststyrning",
    "energirapporten",
    "semesterläget",
    "levande ljus-läget",
];
const PROBLEM_EN: [&str; 12] = [
    "keeps disconnecting",
    "won't pair",
    "shows offline",
    "flickers at low brightness",
    "resets to full brightness",
    "is stuck updating",
    "lost all my scenes",
    "takes ages to respond",
    "drops off the wifi every night",
    "ignores my schedule",
    "turns on by itself at 3am",
    "can't find the bulbs anymore",
];
const PROBLEM_SV: [&str; 9] = [
    "tappar anslutningen hela tiden",
    "vill inte parkopplas",
    "visas som offline",
    "flimrar på låg ljusstyrka",
    "går tillbaka till full styrka",
    "har fastnat i uppdateringen",
    "har tappat alla mina scener",
    "reagerar jättesegt",
    "struntar i mitt schema",
];
const TIME_EN: [&str; 8] = [
    "since yesterday",
    "since the last update",
    "for a week now",
    "every evening",
    "since I moved",
    "after the 4.2 update",
    "twice today",
    "all weekend",
];
const TIME_SV: [&str; 6] = [
    "sedan igår",
    "sedan senaste uppdateringen",
    "i en vecka nu",
    "varje kväll",
    "sedan flytten",
    "två gånger idag",
];
const WAIT_EN: [&str; 5] = [
    "three days",
    "a week",
    "ten days",
    "two weeks",
    "three weeks",
];
const WAIT_SV: [&str; 4] = ["tre dagar", "en vecka", "tio dagar", "två veckor"];
