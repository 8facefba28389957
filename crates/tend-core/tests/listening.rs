//! Listening end to end on a real store: the rollups equal a recount of the stored
//! matches; new, edited and re-scored messages are matched live through the event
//! log, and so are teammates' sentiment corrections; a changed query restarts the
//! backfill; a spike alert is recorded once and posted to the webhook. (The demo's
//! topics against an independent recount are in `tend-demo/tests/listening.rs`, the
//! demo's planted outage among the alerts in `tend-bench/tests/demo_spikes.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::*;

use jiff::{Timestamp, ToSpan};
use std::sync::Arc;
use tend_core::listening::dashboard;
use tend_core::listening::{Listener, create_topic, update_topic};
use tend_domain::*;
use tend_store::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_and_edited_messages_are_matched_live_and_a_changed_query_backfills_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let ws = common::acme(&*store).await;
    let x = common::channel(&*store, ws.id, ChannelKind::X, "X").await;
    let t0: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    let post = |id: &str, text: &str, minutes: i64| {
        NewMessage::new(x.id, id, MessageKind::Mention, text, t0 + minutes.minutes())
    };
    store
        .upsert_messages(ws.id, &[post("old", "acme is great", 0)])
        .await
        .unwrap();
    let listener = Listener::default();
    listener.catch_up(&*store).await.unwrap();

    // A bad query is refused with its column; nothing is stored.
    let bad = NewTopic {
        name: "Broken".into(),
        query: "acme AND (".into(),
        role: TopicRole::Brand,
    };
    let err = create_topic(&*store, ws.id, &bad, None).await.unwrap_err();
    assert!(err.to_string().contains("column"), "{err}");
    assert!(store.topics(ws.id).await.unwrap().is_empty());

    let acme = create_topic(
        &*store,
        ws.id,
        &NewTopic {
            name: "Acme".into(),
            query: "acme NOT refund*".into(),
            role: TopicRole::Brand,
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(acme.backfill.total, 1);
    assert!(!acme.backfill.finished);
    // New messages arrive while the backfill has not run yet.
    let stored = store
        .upsert_messages(
            ws.id,
            &[
                post("a", "Acme rocks #acme", 5),
                post("b", "nothing here", 6),
                post("c", "café acme", 7),
            ],
        )
        .await
        .unwrap();
    listener.catch_up(&*store).await.unwrap();
    let total = |store: Arc<dyn Store>| async move {
        store
            .topic_hours(ws.id, &[acme.id], 0, i64::MAX / 4)
            .await
            .unwrap()
            .iter()
            .map(|h| h.messages)
            .sum::<i64>()
    };
    assert_eq!(total(store.clone()).await, 3, "old + a + c");
    let t = store.topic(ws.id, acme.id).await.unwrap();
    assert!(t.backfill.finished);
    assert_eq!(t.backfill.done, 1);

    // An edit that now says "refund" leaves the topic; running again changes nothing.
    store
        .upsert_messages(
            ws.id,
            &[{
                let mut m = post("a", "Acme refund please", 5);
                m.edited_at = Some(t0 + 20.minutes());
                m
            }],
        )
        .await
        .unwrap();
    listener.catch_up(&*store).await.unwrap();
    listener.catch_up(&*store).await.unwrap();
    assert_eq!(total(store.clone()).await, 2);
    assert!(store.listening_drift(ws.id).await.unwrap().is_empty());

    // A changed query forgets the old matches and backfills again.
    let changed = update_topic(
        &*store,
        ws.id,
        acme.id,
        &NewTopic {
            name: "Acme".into(),
            query: "acme OR nothing".into(),
            role: TopicRole::Brand,
        },
    )
    .await
    .unwrap();
    assert_eq!(changed.revision, 2);
    assert_eq!(total(store.clone()).await, 0);
    listener.catch_up(&*store).await.unwrap();
    assert_eq!(total(store.clone()).await, 4, "old, a, b, c");
    assert!(store.listening_drift(ws.id).await.unwrap().is_empty());
    let _ = stored;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teammates_sentiment_correction_is_matched_and_counted_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let ws = common::acme(&*store).await;
    let x = common::channel(&*store, ws.id, ChannelKind::X, "X").await;
    let t0: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    let stored = store
        .upsert_messages(
            ws.id,
            &[
                NewMessage::new(x.id, "a", MessageKind::Mention, "acme again", t0),
                NewMessage::new(x.id, "b", MessageKind::Mention, "acme today", t0),
            ],
        )
        .await
        .unwrap();
    let topic = |name: &str, query: &str| NewTopic {
        name: name.into(),
        query: query.into(),
        role: TopicRole::Brand,
    };
    let acme = create_topic(&*store, ws.id, &topic("Acme", "acme"), None)
        .await
        .unwrap();
    let angry = create_topic(
        &*store,
        ws.id,
        &topic("Angry", "acme sentiment:negative"),
        None,
    )
    .await
    .unwrap();
    let listener = Listener::default();
    listener.catch_up(&*store).await.unwrap();
    let figures = |store: Arc<dyn Store>| async move {
        let hours = store
            .topic_hours(ws.id, &[acme.id, angry.id], 0, i64::MAX / 4)
            .await
            .unwrap();
        let sum = |id: TopicId, f: fn(&tend_store::TopicHour) -> i64| {
            hours
                .iter()
                .filter(|h| h.topic_id == id)
                .map(f)
                .sum::<i64>()
        };
        (
            sum(acme.id, |h| h.messages),
            sum(acme.id, |h| h.negative),
            sum(angry.id, |h| h.messages),
        )
    };
    assert_eq!(figures(store.clone()).await, (2, 0, 0));

    // The correction wins over the computed label: counted negative, and now
    // inside the topic that filters on sentiment.
    let a = stored[0].id;
    store
        .correct_sentiment(ws.id, a, Some(SentimentLabel::Negative), None)
        .await
        .unwrap();
    listener.catch_up(&*store).await.unwrap();
    assert_eq!(figures(store.clone()).await, (2, 1, 1));
    // Other changes (a tag, a state) do not disturb the counts; running again changes nothing.
    store
        .set_state(ws.id, a, InboxState::Done, None, None)
        .await
        .unwrap();
    listener.catch_up(&*store).await.unwrap();
    assert_eq!(figures(store.clone()).await, (2, 1, 1));

    // Clearing the correction restores the computed label.
    store.correct_sentiment(ws.id, a, None, None).await.unwrap();
    listener.catch_up(&*store).await.unwrap();
    assert_eq!(figures(store.clone()).await, (2, 0, 0));
    assert!(store.listening_drift(ws.id).await.unwrap().is_empty());
}

/// A one-request-at-a-time HTTP receiver on loopback: answers every request with
/// `status` and hands each request's body to the test.
async fn webhook_receiver(status: u16) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let body = loop {
                let n = socket.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + length {
                        break Some(text[end + 4..end + 4 + length].to_owned());
                    }
                }
            };
            let reply =
                format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = socket.write_all(reply.as_bytes()).await;
            if let Some(body) = body {
                let _ = tx.send(body);
            }
        }
    });
    (url, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spike_is_recorded_once_and_posted_to_the_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let ws = common::acme(&*store).await;
    let x = common::channel(&*store, ws.id, ChannelKind::X, "X").await;
    let topic = create_topic(
        &*store,
        ws.id,
        &NewTopic {
            name: "Acme".into(),
            query: "acme".into(),
            role: TopicRole::Brand,
        },
        None,
    )
    .await
    .unwrap();
    // Two steady weeks (4 mentions an hour), then 60 in one hour.
    let start: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
    let mut batch = Vec::new();
    for h in 0..(15 * 24) {
        for k in 0..4 {
            batch.push(NewMessage::new(
                x.id,
                format!("{h}-{k}"),
                MessageKind::Mention,
                "acme lights are fine",
                start + (h as i64).hours() + (k as i64 * 10).minutes(),
            ));
        }
    }
    let spike_hour = start + (15 * 24).hours();
    for k in 0..60 {
        batch.push(NewMessage::new(
            x.id,
            format!("spike-{k}"),
            MessageKind::Mention,
            "acme is down?",
            spike_hour + (k as i64).minutes(),
        ));
    }
    for chunk in batch.chunks(500) {
        store.upsert_messages(ws.id, chunk).await.unwrap();
    }
    let now = spike_hour + 70.minutes();

    // A receiver that refuses: the alert is recorded but not marked delivered.
    let (refusing, mut refused) = webhook_receiver(500).await;
    store
        .set_alert_webhook(ws.id, Some(&refusing))
        .await
        .unwrap();
    let listener = Listener::default();
    listener.catch_up(&*store).await.unwrap();
    assert!(listener.alert_if_due(&*store, now).await.unwrap() >= 1);
    assert!(refused.recv().await.is_some());
    let alerts = store.alerts(ws.id, start, 10).await.unwrap();
    let volume: Vec<&Alert> = alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Volume)
        .collect();
    assert_eq!(volume.len(), 1, "{alerts:?}");
    assert_eq!(volume[0].start, spike_hour);
    assert_eq!(volume[0].topic_id, topic.id);
    assert!(volume[0].notified_at.is_none());

    // The spike is still there at the next look: nothing new is recorded.
    let (url, mut received) = webhook_receiver(200).await;
    store.set_alert_webhook(ws.id, Some(&url)).await.unwrap();
    let later = now + 6.minutes();
    assert_eq!(listener.alert_if_due(&*store, later).await.unwrap(), 0);
    assert!(received.try_recv().is_err(), "nothing new, nothing sent");

    // A new listener (a restarted server) re-examines the history: the same spike is
    // not recorded again, so it is not sent again either.
    let restarted = Listener::default();
    assert_eq!(restarted.alert_if_due(&*store, later).await.unwrap(), 0);

    // The spike grows: the grown alert goes to the accepting webhook and is marked.
    let more: Vec<NewMessage> = (0..40)
        .map(|k| {
            NewMessage::new(
                x.id,
                format!("spike-b-{k}"),
                MessageKind::Mention,
                "acme still down",
                spike_hour + 60.minutes() + (k as i64).minutes(),
            )
        })
        .collect();
    store.upsert_messages(ws.id, &more).await.unwrap();
    listener.catch_up(&*store).await.unwrap();
    let much_later = later + 6.minutes();
    assert!(listener.alert_if_due(&*store, much_later).await.unwrap() >= 1);
    let body: serde_json::Value = serde_json::from_str(&received.recv().await.unwrap()).unwrap();
    assert_eq!(body["event"], "tend.listening.alert");
    assert_eq!(body["workspace"], "acme");
    assert_eq!(body["topic"], "Acme");
    assert_eq!(body["alert"]["kind"], "volume");
    let alerts = store.alerts(ws.id, start, 10).await.unwrap();
    let volume = alerts.iter().find(|a| a.kind == AlertKind::Volume).unwrap();
    assert!(volume.notified_at.is_some());
    assert!(volume.end > spike_hour + 1.hours(), "{volume:?}");
    // What drives it: every match of the window, each mention its own conversation.
    let driver = tend_core::listening::alerts::driver(&*store, ws.id, volume)
        .await
        .unwrap();
    assert_eq!(driver.total, volume.observed);
    let top = driver.top.as_ref().unwrap();
    assert_eq!(top.messages, 1);
    assert!(top.excerpt.starts_with("acme"), "{top:?}");
    assert!(!driver.one_conversation());
    assert_eq!(body["driver"]["total"], volume.observed);
    // The dashboards read it once per state of the alert.
    let cache = dashboard::Cache::default();
    let topic = store.topic(ws.id, volume.topic_id).await.unwrap();
    let first = cache.driver(&*store, ws.id, &topic, volume).await.unwrap();
    let again = cache.driver(&*store, ws.id, &topic, volume).await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again));
    assert_eq!(*first, driver);
    let mut grown = volume.clone();
    grown.observed += 1;
    let regrown = cache.driver(&*store, ws.id, &topic, &grown).await.unwrap();
    assert!(!std::sync::Arc::ptr_eq(&first, &regrown));
}
