//! Live updates: one poller per process follows the store's event log and fans the
//! events out to every open event stream (`GET /api/w/{slug}/events`).
//!
//! The log is the only source: it holds what this process wrote and what any other
//! process wrote (a `tend import`, a second server), in commit order, so a stream
//! never misses an event and resumes from a cursor. Polling costs one
//! `events_after(None, cursor, 1000)` query per interval for the whole process,
//! however many streams are open; it runs only while someone listens. Each stream
//! filters the shared feed by its workspace.

use std::sync::Arc;
use std::time::Duration;
use tend_domain::LogEvent;
use tend_store::StoreError;
use tend_store::prelude::*;
use tokio::sync::{Mutex, broadcast, watch};

/// How often the poller reads the log.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// How many events a slow stream may fall behind before it re-reads the log.
const CAPACITY: usize = 1024;
/// Largest page read from the log at once.
pub const PAGE: u32 = 1000;

/// The shared follower of the event log.
pub struct Live {
    store: Arc<dyn Store>,
    tx: broadcast::Sender<Arc<LogEvent>>,
    /// Whether the poller task runs; held while (un)subscribing so the last
    /// subscriber leaving and a new one arriving cannot race.
    running: Mutex<bool>,
    closed: watch::Sender<bool>,
    interval: Duration,
}

impl Live {
    /// A follower that polls every `interval` once someone subscribes.
    pub fn new(store: Arc<dyn Store>, interval: Duration) -> Live {
        Live {
            store,
            tx: broadcast::channel(CAPACITY).0,
            running: Mutex::new(false),
            closed: watch::channel(false).0,
            interval,
        }
    }

    /// Receives every event written from now on (starting the poller if it is not
    /// running). Events older than the call come from [`EventStore::events_after`].
    pub async fn subscribe(
        self: &Arc<Self>,
    ) -> Result<broadcast::Receiver<Arc<LogEvent>>, StoreError> {
        let mut running = self.running.lock().await;
        let rx = self.tx.subscribe();
        if !*running {
            let cursor = self.store.latest_event().await?;
            *running = true;
            tokio::spawn(Arc::clone(self).poll(cursor));
        }
        Ok(rx)
    }

    /// Resolves when the server shuts down, so streams end and the server can stop.
    pub fn closed(&self) -> watch::Receiver<bool> {
        self.closed.subscribe()
    }

    /// Ends every stream (at shutdown) and stops the poller.
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    async fn poll(self: Arc<Self>, mut cursor: i64) {
        let mut tick = tokio::time::interval(self.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut closed = self.closed();
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = closed.wait_for(|c| *c) => {}
            }
            {
                let mut running = self.running.lock().await;
                if self.tx.receiver_count() == 0 || *self.closed.borrow() {
                    *running = false;
                    return;
                }
            }
            // Read until caught up (a large import writes many events at once).
            loop {
                match self.store.events_after(None, cursor, PAGE).await {
                    Ok(events) => {
                        let full = events.len() == PAGE as usize;
                        for event in events {
                            cursor = event.id;
                            // No receivers left is fine: the next round stops.
                            let _ = self.tx.send(Arc::new(event));
                        }
                        if !full {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the event log failed; retrying");
                        break;
                    }
                }
            }
        }
    }
}

/// Whether a reader with these rights gets this event (the rule is
/// `tend_core::conversations::sees_event`'s).
pub fn visible(event: &LogEvent, ws: &crate::auth::Ws) -> bool {
    tend_core::conversations::sees_event(&ws.actor(), event)
}
