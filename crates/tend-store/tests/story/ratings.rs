//! Chapter of the story: a review's star rating (issue 15) is stored on insert,
//! kept on an edit that brings a new one, kept when a later copy has none, never
//! rolled back by an older copy, and filtered on by `rating_max`.

use jiff::{Timestamp, ToSpan as _};
use tend_domain::*;
use tend_store::prelude::*;
use tend_store::{InboxQuery, UpsertOutcome};

pub async fn ratings_are_stored_updated_and_filtered(store: &dyn Store, t0: Timestamp) {
    // Its own workspace, so the other chapters' counts stay as they are.
    let ws = store
        .create_workspace(
            &NewWorkspace::new(Slug::parse("stars-and-reviews").unwrap(), "Stars", "UTC").unwrap(),
        )
        .await
        .unwrap();
    let reviews = store
        .create_channel(&NewChannel::new(ws.id, ChannelKind::Reviews, "Play").unwrap())
        .await
        .unwrap();
    let stars = |tenths: i64| Some(Rating::from_tenths(tenths).unwrap());
    let review = |id: &str, rating: Option<Rating>, text: &str| {
        let mut m = NewMessage::new(reviews.id, id, MessageKind::Review, text, t0);
        m.rating = rating;
        m
    };
    let batch = [
        review("r1", stars(10), "Crashes on start"),
        review("r2", stars(45), "Lovely"),
        review("r3", None, "No stars given"),
    ];
    let stored = store.upsert_messages(ws.id, &batch).await.unwrap();
    let r1 = stored[0].id;
    let r2 = stored[1].id;
    let r3 = stored[2].id;
    assert_eq!(store.message(ws.id, r1).await.unwrap().rating, stars(10));
    assert_eq!(store.message(ws.id, r2).await.unwrap().rating, stars(45));
    assert_eq!(store.message(ws.id, r3).await.unwrap().rating, None);

    // The author edits the review: new text and new stars; both are kept.
    let mut edited = review("r1", stars(40), "Fixed in 2.1, thanks");
    edited.edited_at = Some(t0 + 1.hour());
    let out = store.upsert_messages(ws.id, &[edited]).await.unwrap();
    assert_eq!(out[0].outcome, UpsertOutcome::Edited);
    assert_eq!(store.message(ws.id, r1).await.unwrap().rating, stars(40));

    // Only the stars changed (a re-rating without new words): an update, kept.
    let mut rerated = review("r2", stars(30), "Lovely");
    rerated.edited_at = Some(t0 + 2.hours());
    let out = store.upsert_messages(ws.id, &[rerated]).await.unwrap();
    assert_eq!(out[0].outcome, UpsertOutcome::Updated);
    assert_eq!(store.message(ws.id, r2).await.unwrap().rating, stars(30));

    // A copy without a rating keeps the stored one; an older copy changes nothing.
    let out = store
        .upsert_messages(ws.id, &[review("r2", None, "Lovely")])
        .await
        .unwrap();
    assert_eq!(out[0].outcome, UpsertOutcome::Unchanged);
    let out = store
        .upsert_messages(ws.id, &[review("r1", stars(10), "Crashes on start")])
        .await
        .unwrap();
    assert_eq!(out[0].outcome, UpsertOutcome::Unchanged);
    let r1_now = store.message(ws.id, r1).await.unwrap();
    assert_eq!(r1_now.rating, stars(40));
    assert_eq!(r1_now.text, "Fixed in 2.1, thanks");

    // The low-ratings filter: at most 3 stars, unrated messages left out.
    let low = |max: i64| InboxQuery {
        rating_max: stars(max),
        ..InboxQuery::default()
    };
    let ids = |page: Vec<Message>| {
        let mut ids: Vec<MessageId> = page.iter().map(|m| m.id).collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(ids(store.inbox(ws.id, &low(30)).await.unwrap()), [r2]);
    assert_eq!(ids(store.inbox(ws.id, &low(50)).await.unwrap()), [r1, r2]);
    assert!(store.inbox(ws.id, &low(20)).await.unwrap().is_empty());
    assert_eq!(
        ids(store.inbox(ws.id, &InboxQuery::default()).await.unwrap()),
        [r1, r2, r3]
    );
}
