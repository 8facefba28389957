//! Chapter of the story: listening records. Topics (names unique per workspace,
//! revisions, backfill progress), verdicts recorded with exact rollups (new,
//! changed, withdrawn and repeated verdicts), the dashboard reads, a stale backfill
//! step ignored, alerts that grow, the webhook setting, and workspace isolation.

use jiff::{Timestamp, ToSpan};
use tend_domain::*;
use tend_store::prelude::*;
use tend_store::{BackfillStep, Periods, StoreError};

fn facts(id: MessageId, at: Timestamp, polarity: i8, terms: &[&str]) -> MatchFacts {
    MatchFacts {
        message_id: id,
        created_at: at,
        author_id: None,
        polarity,
        engagement: 3,
        to_answer: false,
        terms: terms.iter().map(|t| (*t).to_owned()).collect(),
    }
}

pub async fn topics_matches_and_alerts(
    store: &dyn Store,
    acme: &Workspace,
    other: &Workspace,
    messages: &[MessageId],
    t0: Timestamp,
) {
    let new = |name: &str, query: &str| NewTopic {
        name: name.into(),
        query: query.into(),
        role: TopicRole::Brand,
    };
    let brand = store
        .create_topic(acme.id, &new("Acme", "acme"), None)
        .await
        .unwrap();
    assert_eq!(brand.revision, 1);
    assert!(brand.backfill.total > 0 && !brand.backfill.finished);
    assert!(matches!(
        store.create_topic(acme.id, &new("Acme", "x"), None).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.create_topic(acme.id, &new(" ", "x"), None).await,
        Err(StoreError::Invalid(e)) if e.field == "name"
    ));
    let rival = store
        .create_topic(
            acme.id,
            &NewTopic {
                role: TopicRole::Competitor,
                ..new("Rival", "rival")
            },
            None,
        )
        .await
        .unwrap();
    // Another workspace sees none of it.
    assert!(store.topics(other.id).await.unwrap().is_empty());
    assert!(matches!(
        store.topic(other.id, brand.id).await,
        Err(StoreError::NotFound)
    ));

    // --- Verdicts: both topics checked, rollups by deltas ------------------------
    let (m1, m2) = (messages[0], messages[1]);
    let v = |id, at, polarity, terms: &[&str], matched: Vec<TopicId>| MessageMatches {
        facts: facts(id, at, polarity, terms),
        checked: vec![brand.id, rival.id],
        matched,
    };
    let batch = [
        v(m1, t0, 1, &["price", "#acme"], vec![brand.id, rival.id]),
        v(m2, t0 + 90.minutes(), -1, &["price"], vec![brand.id]),
    ];
    store
        .record_matches(acme.id, &batch, Some(("listening", 7)), &[])
        .await
        .unwrap();
    assert_eq!(store.consumer_cursor("listening").await.unwrap(), 7);
    // What drives a window: the matches' conversations, read through the messages'
    // own times (both messages are in one thread).
    let (a, b) = (
        store.message(acme.id, m1).await.unwrap(),
        store.message(acme.id, m2).await.unwrap(),
    );
    let root = a.thread_root_id.unwrap_or(a.id);
    assert_eq!(root, b.thread_root_id.unwrap_or(b.id));
    let first = a.created_at.min(b.created_at);
    let last = a.created_at.max(b.created_at);
    let around = (first - 1.hours(), last + 1.hours());
    let (total, threads) = store
        .topic_threads(acme.id, brand.id, around, false, 5)
        .await
        .unwrap();
    assert_eq!((total, threads.len()), (2, 1));
    assert_eq!((threads[0].root, threads[0].messages), (root, 2));
    // Only the negative match (m2), only Rival's match (m1), an empty window.
    let (negative, _) = store
        .topic_threads(acme.id, brand.id, around, true, 5)
        .await
        .unwrap();
    assert_eq!(negative, 1);
    let (rival_total, _) = store
        .topic_threads(acme.id, rival.id, around, false, 5)
        .await
        .unwrap();
    assert_eq!(rival_total, 1);
    let before = (first - 3.hours(), first - 2.hours());
    let (none, threads) = store
        .topic_threads(acme.id, brand.id, before, false, 5)
        .await
        .unwrap();
    assert_eq!((none, threads.len()), (0, 0));
    // The window ends before `last`: only the earlier message counts.
    let (early, _) = store
        .topic_threads(acme.id, brand.id, (first - 1.hours(), last), false, 5)
        .await
        .unwrap();
    assert_eq!(early, if first == last { 0 } else { 1 });
    assert!(matches!(
        store
            .topic_threads(other.id, brand.id, around, false, 5)
            .await,
        Err(StoreError::NotFound)
    ));
    // The same verdicts again change nothing.
    store
        .record_matches(acme.id, &batch, None, &[])
        .await
        .unwrap();
    let hour0 = t0.as_second().div_euclid(3_600);
    let hours = store
        .topic_hours(acme.id, &[brand.id, rival.id], hour0, hour0 + 24)
        .await
        .unwrap();
    let sum = |topic: TopicId| -> (i64, i64, i64) {
        hours
            .iter()
            .filter(|h| h.topic_id == topic)
            .fold((0, 0, 0), |a, h| {
                (a.0 + h.messages, a.1 + h.positive, a.2 + h.negative)
            })
    };
    assert_eq!(sum(brand.id), (2, 1, 1));
    assert_eq!(sum(rival.id), (1, 1, 0));
    let day = t0.as_second().div_euclid(86_400);
    let periods = Periods {
        from_day: day - 1,
        mid_day: day,
        to_day: day + 1,
    };
    let terms = store
        .topic_terms(acme.id, brand.id, periods, 1, 10)
        .await
        .unwrap();
    let got: Vec<(&str, i64)> = terms.iter().map(|t| (t.term.as_str(), t.current)).collect();
    assert!(
        got.contains(&("price", 2)) && got.contains(&("#acme", 1)),
        "{got:?}"
    );
    // The day sums the dashboard builds its terms and authors from. These matches
    // have no author and ask nothing, so there is no author and nothing to answer.
    let counts = store
        .topic_term_counts(acme.id, brand.id, day, day + 1)
        .await
        .unwrap();
    assert!(counts.contains(&("price".to_owned(), 2)), "{counts:?}");
    assert!(
        store
            .topic_author_counts(acme.id, brand.id, day, day + 1)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .topic_authors(acme.id, brand.id, day, day + 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let window = (t0 - 1.hours(), t0 + 24.hours());
    assert!(
        store
            .to_answer(acme.id, brand.id, window, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Another workspace's topic answers `NotFound` for each.
    assert!(matches!(
        store
            .topic_term_counts(other.id, brand.id, day, day + 1)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .topic_author_counts(other.id, brand.id, day, day + 1)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .topic_authors(other.id, brand.id, day, day + 1, 10)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.to_answer(other.id, brand.id, window, 10).await,
        Err(StoreError::NotFound)
    ));
    // An edit: m1 no longer matches Rival and lost a term; m2 turned neutral.
    store
        .record_matches(
            acme.id,
            &[
                v(m1, t0, 1, &["price"], vec![brand.id]),
                v(m2, t0 + 90.minutes(), 0, &["price"], vec![brand.id]),
            ],
            None,
            &[],
        )
        .await
        .unwrap();
    let hours = store
        .topic_hours(acme.id, &[brand.id, rival.id], hour0, hour0 + 24)
        .await
        .unwrap();
    assert_eq!(hours.iter().filter(|h| h.topic_id == rival.id).count(), 0);
    assert_eq!(
        hours
            .iter()
            .filter(|h| h.topic_id == brand.id)
            .map(|h| h.neutral)
            .sum::<i64>(),
        1
    );
    assert!(store.listening_drift(acme.id).await.unwrap().is_empty());
    // Bucketed sums: [hour0, hour0 + 1) holds m1, [hour0 + 1, hour0 + 24) m2.
    let buckets = store
        .topic_buckets(
            acme.id,
            &[brand.id, rival.id],
            &[hour0, hour0 + 1, hour0 + 24],
        )
        .await
        .unwrap();
    let got: Vec<(TopicId, usize, i64, i64)> = buckets
        .iter()
        .map(|(t, b, h)| (*t, *b, h.messages, h.engagement))
        .collect();
    assert_eq!(got, [(brand.id, 0, 1, 3), (brand.id, 1, 1, 3)]);
    assert!(
        store
            .topic_buckets(other.id, &[brand.id], &[hour0, hour0 + 24])
            .await
            .unwrap()
            .is_empty()
    );
    // Another workspace's verdicts for these topics are ignored.
    store
        .record_matches(other.id, &[v(m1, t0, 1, &[], vec![brand.id])], None, &[])
        .await
        .unwrap();
    assert!(store.listening_drift(acme.id).await.unwrap().is_empty());

    // --- Backfill: progress recorded, a step for an old revision ignored ---------
    let pending = store.backfills().await.unwrap();
    let (ws, cursor) = pending
        .iter()
        .find(|(_, c)| c.topic == brand.id)
        .copied()
        .unwrap();
    assert_eq!(ws, acme.id);
    let page = store
        .backfill_messages(acme.id, cursor.after, cursor.upto, 2)
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    let step = BackfillStep {
        topic: brand.id,
        revision: cursor.revision,
        after: page[1].id,
        looked_at: 2,
    };
    store
        .record_matches(acme.id, &[], None, &[step])
        .await
        .unwrap();
    let t = store.topic(acme.id, brand.id).await.unwrap();
    assert_eq!(t.backfill.done, 2);
    let changed = store
        .update_topic(acme.id, brand.id, &new("Acme", "acme OR acmeco"))
        .await
        .unwrap();
    assert_eq!((changed.revision, changed.backfill.done), (2, 0));
    assert!(
        store
            .topic_hours(acme.id, &[brand.id], hour0, hour0 + 24)
            .await
            .unwrap()
            .is_empty(),
        "a changed query forgets its matches"
    );
    store
        .record_matches(acme.id, &[], None, &[step])
        .await
        .unwrap();
    assert_eq!(
        store.topic(acme.id, brand.id).await.unwrap().backfill.done,
        0
    );
    // A rename keeps the revision.
    let renamed = store
        .update_topic(acme.id, brand.id, &new("Acme Inc", "acme OR acmeco"))
        .await
        .unwrap();
    assert_eq!(renamed.revision, 2);

    // --- Alerts: a spike grows in place; only changes come back ------------------
    let spike = NewAlert {
        topic_id: rival.id,
        kind: AlertKind::Volume,
        start: t0,
        end: t0 + 2.hours(),
        observed: 40,
        expected: 8.5,
        score: 6.0,
    };
    assert_eq!(
        store
            .record_alerts(acme.id, std::slice::from_ref(&spike))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .record_alerts(acme.id, std::slice::from_ref(&spike))
            .await
            .unwrap()
            .is_empty()
    );
    let grown = NewAlert {
        end: t0 + 3.hours(),
        observed: 55,
        ..spike.clone()
    };
    let back = store.record_alerts(acme.id, &[grown]).await.unwrap();
    assert_eq!((back.len(), back[0].observed), (1, 55));
    assert!(
        store
            .record_alerts(other.id, &[spike])
            .await
            .unwrap()
            .is_empty()
    );
    let listed = store.alerts(acme.id, t0 - 1.hours(), 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    store.mark_notified(acme.id, &[listed[0].id]).await.unwrap();
    assert!(
        store.alerts(acme.id, t0, 10).await.unwrap()[0]
            .notified_at
            .is_some()
    );
    assert!(store.alerts(other.id, t0, 10).await.unwrap().is_empty());

    // --- Webhook setting -------------------------------------------------------
    assert_eq!(store.alert_webhook(acme.id).await.unwrap(), None);
    assert!(matches!(
        store.set_alert_webhook(acme.id, Some("ftp://x")).await,
        Err(StoreError::Invalid(e)) if e.field == "webhook_url"
    ));
    store
        .set_alert_webhook(acme.id, Some("https://hooks.example/tend"))
        .await
        .unwrap();
    assert_eq!(
        store.alert_webhook(acme.id).await.unwrap().as_deref(),
        Some("https://hooks.example/tend")
    );

    // --- Deleting a topic takes its rows along ----------------------------------
    store.delete_topic(acme.id, rival.id).await.unwrap();
    assert!(
        store
            .alerts(acme.id, t0 - 1.hours(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        store.delete_topic(other.id, brand.id).await,
        Err(StoreError::NotFound)
    ));
    store.delete_topic(acme.id, brand.id).await.unwrap();
    assert!(store.topics(acme.id).await.unwrap().is_empty());
}
