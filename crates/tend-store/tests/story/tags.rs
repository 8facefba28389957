//! Chapter of the story: tags, one set per workspace, names case-insensitive, put
//! on and taken off messages idempotently.

use tend_domain::*;
use tend_store::prelude::*;
use tend_store::{InboxQuery, StoreError};

/// Returns a tag of `other`, for the isolation chapter.
pub async fn tags(
    store: &dyn Store,
    acme: &Workspace,
    other: &Workspace,
    root_id: MessageId,
    t1: MessageId,
) -> Tag {
    let bug = store
        .ensure_tag(acme.id, &TagName::parse("Bug").unwrap())
        .await
        .unwrap();
    assert_eq!(
        store
            .ensure_tag(acme.id, &TagName::parse("bug").unwrap())
            .await
            .unwrap()
            .id,
        bug.id,
        "case-insensitive"
    );
    let praise = store
        .ensure_tag(acme.id, &TagName::parse("praise").unwrap())
        .await
        .unwrap();
    let foreign_tag = store
        .ensure_tag(other.id, &TagName::parse("bug").unwrap())
        .await
        .unwrap();
    assert_ne!(foreign_tag.id, bug.id);
    assert_eq!(
        store
            .tags(acme.id)
            .await
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Bug", "praise"]
    );
    store
        .tag_message(acme.id, root_id, bug.id, None)
        .await
        .unwrap();
    store
        .tag_message(acme.id, root_id, bug.id, None)
        .await
        .unwrap();
    store
        .tag_message(acme.id, t1, praise.id, None)
        .await
        .unwrap();
    assert!(matches!(
        store
            .tag_message(acme.id, root_id, foreign_tag.id, None)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.message(acme.id, root_id).await.unwrap().tags,
        [bug.id]
    );
    let tagged = store
        .inbox(
            acme.id,
            &InboxQuery {
                tag: Some(bug.id),
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(tagged.iter().map(|m| m.id).collect::<Vec<_>>(), [root_id]);
    store
        .untag_message(acme.id, root_id, bug.id, None)
        .await
        .unwrap();
    assert!(
        store
            .message(acme.id, root_id)
            .await
            .unwrap()
            .tags
            .is_empty()
    );
    foreign_tag
}
