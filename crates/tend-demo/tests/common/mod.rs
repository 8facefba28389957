//! Helpers shared by the demo's integration tests: tend-core's (a fresh SQLite
//! store in a temporary directory, the "acme" workspace, every stored message of a
//! workspace), and the demo installed in a fresh store.

#![allow(dead_code)] // each test binary uses its own subset

// The same helpers as tend-core's integration tests, not a copy of them.
#[path = "../../../tend-core/tests/common/mod.rs"]
mod core;

pub use core::*;

use jiff::Timestamp;
use std::sync::Arc;
use tend_demo::Installed;
use tend_store::prelude::*;

/// The demo at seed 42 and scale 0.2 installed in a fresh store in `dir`, as of
/// the returned `now` (a fixed time, so no test depends on the calendar).
pub async fn demo_store(dir: &tempfile::TempDir) -> (Arc<dyn Store>, Timestamp, Installed) {
    let store = fresh_store(dir).await;
    let now: Timestamp = "2026-11-24T05:17:31Z".parse().unwrap();
    let installed = tend_demo::install(&*store, 42, 0.2, now, &mut |_| {})
        .await
        .unwrap();
    (store, now, installed)
}
