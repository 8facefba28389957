//! Moderation on the demo: the dry run of a rule set over the demo history equals
//! an independent recount, and every rule finds something.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::*;

use jiff::ToSpan;
use tend_core::moderation::{dry_run, parse_rules};
use tend_domain::*;

const DEMO_RULES: &str = r#"
# Refund talk goes to the team
body (includes-word): [refund, refunds]
action: filter
action_reason: "refund: {{match}}"
---
# Rude and toxic
toxicity: "> 0.8"
tag: toxic
---
# Competitor mentions in titles or text
title+body: [glimmr]
tag: competitor
---
# Questions in Swedish
language: [sv]
question: true
tag: svenska-fragor
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_on_the_demo_equals_a_recount() {
    let dir = tempfile::tempdir().unwrap();
    let (store, now, installed) = demo_store(&dir).await;
    let ws = installed.workspace.id;
    let rules = parse_rules("demo.yaml", DEMO_RULES).unwrap();
    let since = now - (30 * 24).hours();
    let run = dry_run(&*store, ws, &rules, since, 2).await.unwrap();

    // The recount reads the stored messages directly, with plain string logic.
    let messages = history(&*store, ws, Some(since)).await;
    assert_eq!(run.scanned, messages.len() as u64);
    // The brand's own messages are never moderated (as AutoModerator skips its own).
    let messages: Vec<Message> = messages
        .into_iter()
        .filter(|m| m.direction == Direction::Inbound)
        .collect();
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase)
            .collect()
    };
    let refund = messages
        .iter()
        .filter(|m| {
            words(&m.text)
                .iter()
                .any(|w| w == "refund" || w == "refunds")
        })
        .count() as u64;
    let toxic = messages
        .iter()
        .filter(|m| m.signals.is_some_and(|s| (s.toxicity as f32) > 0.8))
        .count() as u64;
    let glimmr = messages
        .iter()
        .filter(|m| {
            words(&m.text).contains(&"glimmr".to_owned())
                || m.title
                    .as_deref()
                    .is_some_and(|t| words(t).contains(&"glimmr".to_owned()))
        })
        .count() as u64;
    let sv_questions = messages
        .iter()
        .filter(|m| m.lang.as_deref() == Some("sv") && m.signals.is_some_and(|s| s.question))
        .count() as u64;
    let hits: Vec<u64> = run.rules.iter().map(|r| r.hits).collect();
    assert_eq!(hits, [refund, toxic, glimmr, sv_questions]);
    assert!(
        hits.iter().all(|&h| h > 0),
        "every rule finds something in the demo: {hits:?}"
    );
    assert_eq!(run.rules[0].actions["filter"], refund);
    assert_eq!(run.rules[1].actions["tag"], toxic);
    let sample = &run.rules[0].samples[0];
    assert!(
        sample
            .matched
            .values()
            .any(|m| m.eq_ignore_ascii_case("refund") || m.eq_ignore_ascii_case("refunds"))
    );
    // A dry run writes nothing.
    assert!(
        store
            .review_queue(ws, true, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
