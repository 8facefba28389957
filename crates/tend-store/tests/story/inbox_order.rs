//! Chapter of the story: the inbox in both orders, paged by one keyset cursor, and
//! the kept per-state counts against a recount.

use tend_domain::*;
use tend_store::InboxQuery;
use tend_store::prelude::*;

pub async fn order_and_counts(store: &dyn Store, acme: &Workspace) {
    // Oldest first (the longest waiting first), paged by the same keyset cursor:
    // the pages together are the newest-first list reversed.
    let all = |oldest_first, before| InboxQuery {
        limit: 3,
        oldest_first,
        before,
        ..InboxQuery::default()
    };
    let mut newest: Vec<MessageId> = Vec::new();
    let mut oldest: Vec<MessageId> = Vec::new();
    for (order, out) in [(false, &mut newest), (true, &mut oldest)] {
        let mut cursor = None;
        loop {
            let page = store.inbox(acme.id, &all(order, cursor)).await.unwrap();
            out.extend(page.iter().map(|m| m.id));
            match page.last() {
                Some(m) if page.len() == 3 => cursor = Some((m.created_at, m.id)),
                _ => break,
            }
        }
    }
    assert!(newest.len() > 3, "several pages");
    oldest.reverse();
    assert_eq!(oldest, newest);

    // The per-state counts are kept, not counted per request: they equal a recount.
    let counts = store.count_by_state(acme.id).await.unwrap();
    for (state, kept) in [
        (InboxState::Open, counts.open),
        (InboxState::Done, counts.done),
        (InboxState::Snoozed, counts.snoozed),
        (InboxState::Archived, counts.archived),
    ] {
        let listed = store
            .inbox(
                acme.id,
                &InboxQuery {
                    state: Some(state),
                    limit: 500,
                    ..InboxQuery::default()
                },
            )
            .await
            .unwrap()
            .len();
        assert_eq!(kept, listed as i64, "{state:?}");
    }
}
