//! English and Swedish: every UI string comes from Fluent files
//! (`locales/{en,sv}/*.ftl`, embedded at build time), and dates and numbers are
//! formatted per language. A missing key renders as the key itself and is logged;
//! the tests fail when a key exists in one language only or a template or handler
//! uses a key that does not exist.
//!
//! `fluent-bundle` directly rather than `fluent-templates`: two languages embedded
//! with `include_str!` need no loader, file watching or macro crate.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

/// The interface languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Swedish.
    Sv,
}

/// The Fluent sources of each language, in load order.
pub const SOURCES: [(Lang, &str, &str); 2] = [
    (
        Lang::En,
        "locales/en/main.ftl",
        include_str!("../locales/en/main.ftl"),
    ),
    (
        Lang::Sv,
        "locales/sv/main.ftl",
        include_str!("../locales/sv/main.ftl"),
    ),
];

impl Lang {
    /// Every language.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Sv];

    /// The stable code stored on the user (`en`, `sv`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
        }
    }

    /// The language of a stored code; English for anything else.
    pub fn from_code(code: &str) -> Lang {
        if code.eq_ignore_ascii_case("sv") {
            Lang::Sv
        } else {
            Lang::En
        }
    }

    /// The first supported language of an `Accept-Language` header; English by default.
    pub fn from_accept_language(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag == "sv" || tag.starts_with("sv-") {
                return Lang::Sv;
            }
            if tag == "en" || tag.starts_with("en-") {
                return Lang::En;
            }
        }
        Lang::En
    }

    /// The string for `key`. Strings without arguments are formatted once per
    /// language and key, then served from memory (a page asks for dozens, the inbox
    /// list several per row); missing keys and formatting errors are not kept, so
    /// they are logged every time.
    pub fn t(self, key: &str) -> String {
        static FORMATTED: LazyLock<[RwLock<HashMap<String, String>>; 2]> =
            LazyLock::new(|| [RwLock::default(), RwLock::default()]);
        let memo = &FORMATTED[self as usize];
        if let Some(hit) = memo
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
        {
            return hit.clone();
        }
        match try_format(self, key, None) {
            Some(out) => {
                memo.write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(key.to_owned(), out.clone());
                out
            }
            None => format(self, key, None),
        }
    }

    /// The string for `key` with a `$count` argument (selects plural forms).
    pub fn tc(self, key: &str, count: i64) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count));
        args.set("n", FluentValue::from(format_int(self, count)));
        format(self, key, Some(&args))
    }

    /// The string for `key` with named string arguments.
    pub fn targs(self, key: &str, named: &[(&str, String)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in named {
            args.set((*name).to_owned(), FluentValue::from(value.clone()));
        }
        format(self, key, Some(&args))
    }

    /// The string for `key` with one named string argument.
    pub fn ta(self, key: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), FluentValue::from(value.to_owned()));
        format(self, key, Some(&args))
    }
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static EN: LazyLock<FluentBundle<FluentResource>> = LazyLock::new(|| build(Lang::En));
    static SV: LazyLock<FluentBundle<FluentResource>> = LazyLock::new(|| build(Lang::Sv));
    match lang {
        Lang::En => &EN,
        Lang::Sv => &SV,
    }
}

fn build(lang: Lang) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks around arguments would show up inside HTML attributes.
    bundle.set_use_isolating(false);
    for (l, path, source) in SOURCES {
        if l != lang {
            continue;
        }
        let resource = match FluentResource::try_new(source.to_owned()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!(file = path, ?errors, "Fluent syntax errors");
                r
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(file = path, ?errors, "duplicate Fluent keys");
        }
    }
    bundle
}

/// The string for `key` when it exists and formats without errors.
fn try_format(lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
    let bundle = bundle(lang);
    let pattern = bundle.get_message(key).and_then(|m| m.value())?;
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, args, &mut errors);
    errors.is_empty().then(|| out.into_owned())
}

fn format(lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
    let bundle = bundle(lang);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        tracing::warn!(key, lang = lang.code(), "missing translation");
        return key.to_owned();
    };
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::warn!(key, ?errors, "translation formatting errors");
    }
    out.into_owned()
}

/// Whether `key` exists in `lang`.
pub fn has_key(lang: Lang, key: &str) -> bool {
    bundle(lang).has_message(key)
}

/// The keys defined in a language's sources (message identifiers at line start).
pub fn keys(lang: Lang) -> std::collections::BTreeSet<String> {
    SOURCES
        .iter()
        .filter(|(l, _, _)| *l == lang)
        .flat_map(|(_, _, source)| source.lines())
        .filter_map(|line| {
            let (id, _) = line.split_once('=')?;
            let id = id.trim_end();
            let valid = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            valid.then(|| id.to_owned())
        })
        .collect()
}

/// An integer with the language's digit grouping: `1,234,567` / `1 234 567`
/// (Swedish groups with a no-break space).
pub fn format_int(lang: Lang, n: i64) -> String {
    let sep = match lang {
        Lang::En => ",",
        Lang::Sv => "\u{a0}",
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    if n < 0 {
        // Swedish typography uses the minus sign.
        let minus = if lang == Lang::Sv { "\u{2212}" } else { "-" };
        out.insert_str(0, minus);
    }
    out
}

/// A number with `places` decimals: `0.75` / `0,75`.
pub fn format_decimal(lang: Lang, x: f64, places: usize) -> String {
    let s = format!("{:.*}", places, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let int: i64 = int.parse().unwrap_or(0);
    let mut out = format_int(lang, int);
    if !frac.is_empty() {
        out.push(if lang == Lang::Sv { ',' } else { '.' });
        out.push_str(frac);
    }
    if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        let minus = if lang == Lang::Sv { "\u{2212}" } else { "-" };
        out.insert_str(0, minus);
    }
    out
}

/// A date and time in a time zone: `3 Dec 2026, 14:05` / `3 dec. 2026 14:05`.
pub fn format_datetime(lang: Lang, at: Timestamp, tz: &TimeZone) -> String {
    let z = at.to_zoned(tz.clone());
    let month = lang.t(&format!("month-{}", z.month()));
    match lang {
        Lang::En => format!(
            "{} {} {}, {:02}:{:02}",
            z.day(),
            month,
            z.year(),
            z.hour(),
            z.minute()
        ),
        Lang::Sv => format!(
            "{} {} {} {:02}:{:02}",
            z.day(),
            month,
            z.year(),
            z.hour(),
            z.minute()
        ),
    }
}

/// A span of (business) time in minutes and hours: "45 min", "3 h 5 min"
/// ("3 tim 5 min" in Swedish). Seconds are rounded down to the minute.
pub fn format_duration(lang: Lang, secs: i64) -> String {
    let minutes = secs.max(0) / 60;
    let mut args = FluentArgs::new();
    args.set("h", FluentValue::from(format_int(lang, minutes / 60)));
    args.set("m", FluentValue::from(minutes % 60));
    let key = if minutes < 60 {
        "duration-minutes"
    } else {
        "duration-hours"
    };
    format(lang, key, Some(&args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_follow_the_language() {
        assert_eq!(format_int(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(format_int(Lang::Sv, 1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(format_int(Lang::En, -12), "-12");
        assert_eq!(format_int(Lang::Sv, 999), "999");
        assert_eq!(format_decimal(Lang::Sv, -0.754, 2), "\u{2212}0,75");
        assert_eq!(format_decimal(Lang::En, 1234.5, 1), "1,234.5");
        assert_eq!(format_decimal(Lang::En, -0.001, 2), "0.00");
        let at: Timestamp = "2026-12-03T13:05:00Z".parse().unwrap();
        let tz = TimeZone::get("Europe/Stockholm").unwrap();
        assert_eq!(format_datetime(Lang::En, at, &tz), "3 Dec 2026, 14:05");
        assert_eq!(format_datetime(Lang::Sv, at, &tz), "3 dec. 2026 14:05");
    }

    #[test]
    fn languages_are_negotiated() {
        assert_eq!(
            Lang::from_accept_language("sv-SE,sv;q=0.9,en;q=0.8"),
            Lang::Sv
        );
        assert_eq!(Lang::from_accept_language("de, en-GB;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        assert_eq!(Lang::from_code("SV"), Lang::Sv);
    }

    #[test]
    fn plural_forms_and_arguments_are_used() {
        assert_eq!(Lang::En.tc("inbox-showing", 1), "Showing 1 conversation");
        assert_eq!(
            Lang::Sv.tc("inbox-showing", 1234),
            "Visar 1\u{a0}234 konversationer"
        );
        assert_eq!(Lang::Sv.t("no-such-key"), "no-such-key");
    }
}
