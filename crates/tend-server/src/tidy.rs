//! Tidy: checks over the whole repository that run with the tests, after
//! rust-analyzer's `xtask/src/tidy.rs`. Each failure names the file and line.
//!
//! - Every Rust file under `crates/` (modules, tests, build scripts) opens with a
//!   `//!` line saying what it is for, and stays within 800 lines.
//! - English and Swedish define the same Fluent keys, every key the code uses
//!   exists in both, and every key defined is used. "Uses" means: a string
//!   argument of `t`, `tc`, `ta` or `targs` (in Rust or in a template, wherever
//!   the call is split over lines); a key-shaped literal of a known key family
//!   anywhere in the sources (keys chosen by a `match` or handed through a
//!   variable); and keys built at run time with `format!("prefix-{…}")`, whose
//!   prefix must be listed in [`runtime_keys`] with every value its suffix can
//!   take, taken from the enum or constant that produces it.
//!
//! It lives in `tend-server` as a unit-test module because that crate owns the
//! locales and templates, and can name both the domain enums and its own private
//! label sources (`AppError` codes, the review buttons, the inbox orders) without
//! making them public.

use crate::error::AppError;
use crate::i18n::{Lang, has_key, keys};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tend_domain::{
    ChannelKind, HistoryKind, InboxState, OutboxState, ReviewStatus, SentimentLabel, TopicRole,
};

/// Past this a file is split, by meaning (STYLE.md §3).
const MAX_LINES: usize = 800;

/// Literals that look like keys of a known family but are not keys.
const NOT_KEYS: [&str; 2] = [
    "no-cache", // Cache-Control
    "no-store", // Cache-Control
];

/// Keys built at run time: the prefix and every value its suffix can take, from
/// the enum or constant that produces it.
fn catalogue_names() -> Vec<String> {
    tend_channels::live::catalogue::NETWORKS
        .iter()
        .map(|a| a.name.to_owned())
        .collect()
}

fn runtime_keys() -> BTreeMap<&'static str, Vec<String>> {
    fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|it| name(*it).to_owned()).collect()
    }
    let mut states = names(InboxState::ALL, InboxState::as_str);
    states.push("all".to_owned()); // the inbox's "All" tab
    BTreeMap::from([
        ("month-", (1..=12).map(|m| m.to_string()).collect()),
        ("state-", states),
        (
            "sentiment-",
            names(SentimentLabel::ALL, SentimentLabel::as_str),
        ),
        ("event-", names(&HistoryKind::ALL, HistoryKind::as_str)),
        ("outbox-", names(&OutboxState::ALL, OutboxState::as_str)),
        ("platform-", names(&ChannelKind::ALL, ChannelKind::as_str)),
        ("network-needs-", catalogue_names()),
        ("network-limits-", catalogue_names()),
        ("error-", error_codes()),
        ("listening-role-", names(TopicRole::ALL, TopicRole::as_str)),
        (
            "listening-granularity-",
            names(
                &tend_core::listening::dashboard::Granularity::ALL,
                tend_core::listening::dashboard::Granularity::as_str,
            ),
        ),
        ("sort-", names(&crate::params::SORTS, |s| s)),
        (
            "review-action-",
            names(&crate::pages::review::DECISIONS, |(value, _)| value),
        ),
        (
            "review-status-",
            names(ReviewStatus::ALL, ReviewStatus::as_str),
        ),
        (
            "why-not-",
            names(
                &tend_core::team::Permission::ALL,
                tend_core::team::Permission::as_str,
            ),
        ),
    ])
}

/// The code of every `AppError` (the error pages' titles are `error-{code}`).
fn error_codes() -> Vec<String> {
    let every = [
        AppError::NotFound,
        AppError::Unauthorized,
        AppError::Forbidden(""),
        AppError::Refused(tend_core::team::Permission::ALL[0]),
        AppError::bad("", ""),
        AppError::Conflict(String::new()),
        AppError::Unprocessable(serde_json::Value::Null),
        AppError::Rejected(String::new()),
        AppError::Internal,
    ];
    for e in &every {
        // A new variant stops this compiling until it is listed above.
        match e {
            AppError::NotFound
            | AppError::Unauthorized
            | AppError::Forbidden(_)
            | AppError::Refused(_)
            | AppError::BadRequest { .. }
            | AppError::Conflict(_)
            | AppError::Unprocessable(_)
            | AppError::Rejected(_)
            | AppError::Internal => {}
        }
    }
    every.iter().map(|e| e.code().to_owned()).collect()
}

#[test]
fn every_file_has_a_doc_line_and_stays_short() {
    let mut problems = Vec::new();
    for file in files(&repo().join("crates"), "rs") {
        let text = read(&file);
        if !text.starts_with("//!") {
            problems.push(format!(
                "{}:1: no `//!` line saying what the module is for",
                show(&file)
            ));
        }
        let n_lines = text.lines().count();
        if n_lines > MAX_LINES {
            problems.push(format!(
                "{}:{}: {n_lines} lines, past {MAX_LINES}; split it by meaning",
                show(&file),
                MAX_LINES + 1
            ));
        }
    }
    report(problems);
}

#[test]
fn both_languages_have_the_same_keys() {
    let en = keys(Lang::En);
    let sv = keys(Lang::Sv);
    assert!(en.len() > 100, "the key scan found {} keys", en.len());
    let mut problems = Vec::new();
    for key in en.difference(&sv) {
        problems.push(format!(
            "{}: {key} has no Swedish text",
            defined(Lang::En, key)
        ));
    }
    for key in sv.difference(&en) {
        problems.push(format!(
            "{}: {key} has no English text",
            defined(Lang::Sv, key)
        ));
    }
    for lang in Lang::ALL {
        for key in keys(lang) {
            if !has_key(lang, &key) {
                problems.push(format!("{}: {key} does not parse", defined(lang, &key)));
            }
        }
    }
    report(problems);
}

#[test]
fn every_key_in_use_exists_in_both_languages() {
    let uses = uses();
    assert!(uses.len() > 300, "the scan found only {} uses", uses.len());
    let mut problems = Vec::new();
    for used in &uses {
        for lang in Lang::ALL {
            if !has_key(lang, &used.key) {
                problems.push(format!(
                    "{}: {} has no text in crates/tend-server/{}",
                    used.place,
                    used.key,
                    locale(lang)
                ));
            }
        }
    }

    report(problems);
}

/// The reverse: a key nothing uses is dead text to translate, or a use the scans
/// cannot see (then make the use visible, e.g. through `runtime_keys`).
#[test]
fn every_key_is_used() {
    let used: BTreeSet<String> = uses().into_iter().map(|u| u.key).collect();
    let mut problems = Vec::new();
    for lang in Lang::ALL {
        for key in keys(lang) {
            if !used.contains(&key) {
                problems.push(format!(
                    "{}: {key} is defined but nothing uses it",
                    defined(lang, &key)
                ));
            }
        }
    }
    report(problems);
}

#[test]
fn every_key_built_at_run_time_is_listed_with_its_values() {
    let runtime = runtime_keys();
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    let families = families();
    for (file, text) in sources() {
        for built in runtime_prefixes(&text, &families) {
            let place = format!("{}:{}", show(&file), built.line);
            match runtime.get(built.prefix.as_str()) {
                Some(_) => {
                    seen.insert(built.prefix);
                }
                None => problems.push(format!(
                    "{place}: a key is built at run time from `{}…`; list the prefix and \
                     every value of its suffix in `runtime_keys` (src/tidy.rs)",
                    built.prefix
                )),
            }
        }
    }
    for prefix in runtime.keys() {
        if !seen.contains(*prefix) {
            problems.push(format!(
                "crates/tend-server/src/tidy.rs: `runtime_keys` lists `{prefix}`, which no \
                 code builds any more"
            ));
        }
    }
    report(problems);
}

/// The scans themselves: a call split over lines, keys chosen by a `match`, keys
/// built at run time; comments, raw strings and format templates are not keys.
#[test]
fn the_scans_find_what_they_should_and_nothing_else() {
    let source = r##"
fn f(lang: Lang, n: i64, s: &str) {
    lang.targs(
        "rules-saved",
        &[],
    );
    let title = match n { 0 => "listening-alerts", _ => "listening-topics" };
    // "review-in-a-comment" is not a use
    let raw = r#"{"a": "state-open"}"#;
    let c = '"';
    lang.t(&format!("review-status-{}", s));
    let url = format!("row-{n}");
}
"##;
    let called: Vec<(usize, String)> = helper_arguments(source);
    assert_eq!(
        called
            .iter()
            .map(|(at, key)| (line_of(source, *at), key.as_str()))
            .collect::<Vec<_>>(),
        [(4, "rules-saved")]
    );
    let shaped: Vec<String> = literals(source)
        .into_iter()
        .map(|(_, lit)| lit)
        .filter(|lit| is_key_shaped(lit))
        .collect();
    assert_eq!(
        shaped,
        ["rules-saved", "listening-alerts", "listening-topics"]
    );
    let families = BTreeSet::from(["review".to_owned(), "listening".to_owned()]);
    let built: Vec<(usize, String)> = runtime_prefixes(source, &families)
        .into_iter()
        .map(|b| (b.line, b.prefix))
        .collect();
    assert_eq!(built, [(11, "review-status-".to_owned())]);
}

/// A key the code uses, and where.
struct Use {
    place: String,
    key: String,
}

/// Every key in use: literal arguments of the helpers, key-shaped literals of known
/// families, and the full set of keys built at run time.
fn uses() -> Vec<Use> {
    let families = families();
    let mut uses = Vec::new();
    for (file, text) in sources() {
        let is_rust = file.extension().is_some_and(|e| e == "rs");
        let mut found = helper_arguments(&text);
        if is_rust {
            found.extend(literals(&text).into_iter().filter(|(_, lit)| {
                is_key_shaped(lit)
                    && !NOT_KEYS.contains(&lit.as_str())
                    && lit
                        .split_once('-')
                        .is_some_and(|(family, _)| families.contains(family))
            }));
        }
        // A helper's literal argument is also a key-shaped literal: count it once.
        found.sort();
        found.dedup();
        for (offset, key) in found {
            uses.push(Use {
                place: format!("{}:{}", show(&file), line_of(&text, offset)),
                key,
            });
        }
    }
    for (prefix, values) in runtime_keys() {
        for value in values {
            uses.push(Use {
                place: format!("crates/tend-server/src/tidy.rs (runtime_keys, `{prefix}…`)"),
                key: format!("{prefix}{value}"),
            });
        }
    }
    uses
}

/// The first words of the keys (`listening`, `review`, `state` …).
fn families() -> BTreeSet<String> {
    keys(Lang::En)
        .union(&keys(Lang::Sv))
        .filter_map(|key| key.split_once('-').map(|(family, _)| family.to_owned()))
        .collect()
}

/// The sources that can use keys: every crate's `src/` (without its unit tests,
/// which may name missing keys on purpose) and `templates/`.
fn sources() -> Vec<(PathBuf, String)> {
    let crates = repo().join("crates");
    let mut out = Vec::new();
    for krate in sorted_entries(&crates) {
        for file in files(&krate.join("src"), "rs") {
            let text = read(&file);
            let text = match text.find("#[cfg(test)]") {
                Some(end) => text[..end].to_owned(),
                None => text,
            };
            // This module names prefixes and keys in its own documentation and tests.
            if file.ends_with("tend-server/src/tidy.rs") {
                continue;
            }
            out.push((file, text));
        }
        for file in files(&krate.join("templates"), "html") {
            let text = read(&file);
            out.push((file, text));
        }
    }
    out
}

/// `(offset, key)` of each string literal passed first to `t`, `tc`, `ta` or
/// `targs`, also when the call is split over lines.
fn helper_arguments(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for helper in ["t(", "tc(", "ta(", "targs("] {
        for (at, _) in text.match_indices(helper) {
            let before = text[..at].chars().next_back().unwrap_or(' ');
            if before.is_alphanumeric() || before == '_' {
                continue; // `format(`, `get(`, `split_at(` …
            }
            let rest = &text[at + helper.len()..];
            let arg = rest.trim_start();
            if let Some(lit) = arg.strip_prefix('"') {
                let end = lit.find('"').unwrap_or(0);
                let offset = text.len() - lit.len();
                out.push((offset, lit[..end].to_owned()));
            }
        }
    }
    out
}

/// A prefix a key is built from at run time (`format!("state-{…}")`), and its line.
struct Built {
    prefix: String,
    line: usize,
}

/// Every `format!` whose template starts with a key-shaped prefix and a `{`, when
/// the prefix belongs to a known key family or the `format!` is a helper's
/// argument (`t(&format!("…-{x}"))`).
fn runtime_prefixes(text: &str, families: &BTreeSet<String>) -> Vec<Built> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("format!(") {
        let arg = text[at + "format!(".len()..].trim_start();
        let Some(template) = arg.strip_prefix('"') else {
            continue;
        };
        let Some(prefix) = template.find('{').map(|brace| &template[..brace]) else {
            continue;
        };
        let Some(stem) = prefix.strip_suffix('-') else {
            continue;
        };
        let shaped = stem.starts_with(|c: char| c.is_ascii_lowercase())
            && stem
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let family = stem.split('-').next().unwrap_or("");
        let in_helper = ["t(&", "tc(&", "ta(&", "targs(&"]
            .iter()
            .any(|call| text[..at].trim_end().ends_with(call));
        if shaped && (families.contains(family) || in_helper) {
            out.push(Built {
                prefix: prefix.to_owned(),
                line: line_of(text, at),
            });
        }
    }
    out
}

/// `(offset, text)` of every plain string literal in Rust source, skipping comments,
/// char literals and raw strings.
fn literals(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i..].find("*/").map_or(bytes.len(), |n| i + n + 2);
            }
            b'\'' => {
                // A char literal ('x', '\n', '"') or a lifetime ('a).
                if bytes.get(i + 1) == Some(&b'\\') {
                    i += text[i + 2..].find('\'').map_or(bytes.len(), |n| n + 3);
                } else if bytes.get(i + 2) == Some(&b'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            b'r' if bytes.get(i + 1).is_some_and(|b| *b == b'"' || *b == b'#')
                && (i == 0 || !is_ident(bytes[i - 1])) =>
            {
                let hashes = bytes[i + 1..].iter().take_while(|b| **b == b'#').count();
                let open = i + 1 + hashes;
                if bytes.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                i = text[open + 1..]
                    .find(&close)
                    .map_or(bytes.len(), |n| open + 1 + n + close.len());
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                out.push((start, text[start..j.min(bytes.len())].to_owned()));
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `family-rest`: lowercase words joined by dashes (Fluent message ids as we write them).
fn is_key_shaped(s: &str) -> bool {
    s.contains('-')
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && !s.ends_with('-')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Where `key` is defined in `lang`'s source: `crates/tend-server/locales/…:line`.
fn defined(lang: Lang, key: &str) -> String {
    let line = crate::i18n::SOURCES
        .iter()
        .filter(|(l, _, _)| *l == lang)
        .find_map(|(_, _, text)| {
            text.lines().position(|line| {
                line.split_once('=')
                    .is_some_and(|(id, _)| id.trim_end() == key)
            })
        })
        .map_or(0, |n| n + 1);
    format!("crates/tend-server/{}:{line}", locale(lang))
}

fn locale(lang: Lang) -> &'static str {
    crate::i18n::SOURCES
        .iter()
        .find(|(l, _, _)| *l == lang)
        .map_or("locales", |(_, path, _)| path)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A path relative to the repository, for messages.
fn show(path: &Path) -> String {
    let root = repo();
    let root = root.canonicalize().unwrap_or(root);
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .display()
        .to_string()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    out.sort();
    out
}

/// Files ending in `.{ext}` under `dir`, skipping build output and hidden folders.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    while let Some(dir) = dirs.pop() {
        for path in sorted_entries(&dir) {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn report(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "tidy found {} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}
