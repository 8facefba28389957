//! The Bluesky session's refresh, against `tend_fakes::bluesky::SessionFake`,
//! a stand-in for the PDS's session endpoints whose tokens expire on demand
//! (a real PDS keeps an access token for two hours, too long for a test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tend_channels::live::bluesky::Bluesky;
use tend_channels::live::{ChannelError, Connector};
use tend_fakes::bluesky::SessionFake;

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once() {
    let (url, fake) = SessionFake {
        sessions: vec!["stale"],
        refresh_works: true,
        ..SessionFake::default()
    }
    .serve()
    .await
    .unwrap();
    let c = Bluesky::new(&url, None, "brand.test", "app-pass").unwrap();
    let info = c.verify().await.expect("verified after a refresh");
    assert_eq!(info.handle.as_deref(), Some("brand.test"));
    // The refreshed token is kept: no second refresh.
    c.verify().await.unwrap();
    let fake = fake.lock().unwrap();
    assert_eq!((fake.created, fake.refreshed), (1, 1));
}

#[tokio::test]
async fn an_expired_refresh_token_means_signing_in_again() {
    let (url, fake) = SessionFake {
        sessions: vec!["stale", "fresh"],
        refresh_works: false,
        ..SessionFake::default()
    }
    .serve()
    .await
    .unwrap();
    let c = Bluesky::new(&url, None, "brand.test", "app-pass").unwrap();
    c.verify().await.expect("verified after signing in again");
    let fake = fake.lock().unwrap();
    assert_eq!((fake.created, fake.refreshed), (2, 1));
}

#[tokio::test]
async fn a_token_refused_after_signing_in_again_is_unauthorized() {
    let (url, _) = SessionFake {
        sessions: vec!["stale", "stale"],
        refresh_works: false,
        ..SessionFake::default()
    }
    .serve()
    .await
    .unwrap();
    let c = Bluesky::new(&url, None, "brand.test", "app-pass").unwrap();
    let refused = c.verify().await;
    assert!(
        matches!(refused, Err(ChannelError::Unauthorized(ref r)) if r.contains("ExpiredToken")),
        "{refused:?}"
    );
}
