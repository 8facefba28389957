//! The spike detector on the demo's planted outage, as `tend eval spikes` runs it:
//! the outage is found, stands out among the alerts, and most other alerts are the
//! story's real bursts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use jiff::Timestamp;
use tend_bench::demo_spikes::{DemoAlert, demo_spikes};
use tend_domain::AlertKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_outage_stands_out_among_the_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let now: Timestamp = "2026-11-24T05:17:31Z".parse().unwrap();
    let report = demo_spikes(&*store, 42, 0.5, now).await.unwrap();
    println!("{report}");
    assert!(
        report.topics_found.iter().any(|t| t == "Lumora"),
        "the brand topic catches the outage: {report}"
    );
    assert_eq!(report.recall(), 1.0, "{report}");
    // The planted outage stands out: its volume alert has by far the largest excess
    // over the baseline of all alerts (the others are the story's real bursts —
    // heated threads, the campaign — or noise, and are listed for the reader).
    let excess = |a: &DemoAlert| a.observed as f64 - a.expected;
    let top = report
        .alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Volume)
        .max_by(|a, b| excess(a).total_cmp(&excess(b)))
        .unwrap();
    assert!(top.planted, "{report}");
    // Most volume alerts that are not the outage are explained by the story's other
    // real bursts: the campaign, or one conversation's flood of comments.
    assert!(report.precision_unexplained() >= 0.5, "{report}");
    assert!(
        report.precision_unexplained() > report.precision(),
        "{report}"
    );
}

async fn fresh_store(dir: &tempfile::TempDir) -> std::sync::Arc<dyn tend_store::Store> {
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    tend_store::open(&url, 4).await.unwrap()
}
