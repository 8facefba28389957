//! Mastodon's streaming API as a [`Source::stream`]: one connection to
//! `GET /api/v1/streaming/user` at a time, caught up over the REST API once
//! connected, its events turned into pages.

use super::{Mastodon, Me, answer, api, hand_over, sse};
use crate::live::{ChannelError, Cursor, More, Page, Sink, SinkError, Source, Window, http};
use async_trait::async_trait;
use tend_domain::IncomingItem;

/// Records the cursor of every page handed over.
struct Tracking<'a> {
    inner: &'a mut dyn Sink,
    cursor: Option<Cursor>,
}

#[async_trait]
impl Sink for Tracking<'_> {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        let cursor = page.cursor.clone();
        self.inner.page(page).await?;
        if cursor.is_some() {
            self.cursor = cursor;
        }
        Ok(())
    }
}

impl Mastodon {
    /// One streaming connection: connect, catch up, then hand over events
    /// until the window ends (`Ok`) or the connection breaks (`Err`).
    pub(super) async fn listen(
        &self,
        cursor: &mut Option<Cursor>,
        window: &Window,
        until: tokio::time::Instant,
        sink: &mut dyn Sink,
    ) -> Result<(), ChannelError> {
        let me = self.me().await?.clone();
        let url = format!("{}/api/v1/streaming/user", self.base);
        let connect = self.send(&self.streaming, |c, token| {
            c.get(&url)
                .bearer_auth(token)
                .header(reqwest::header::ACCEPT, "text/event-stream")
        });
        let Ok(res) = tokio::time::timeout_at(until, connect).await else {
            return Ok(());
        };
        let mut res = res?;
        if !res.status().is_success() {
            return answer(res).await.map(|_| ());
        }
        // Connected first: what happens during the catch-up is in the stream.
        let mut tracking = Tracking {
            inner: &mut *sink,
            cursor: cursor.clone(),
        };
        while self
            .pull(tracking.cursor.clone().as_ref(), window, &mut tracking)
            .await?
            == More::Yes
        {
            if tokio::time::Instant::now() >= until {
                *cursor = tracking.cursor;
                return Ok(());
            }
        }
        *cursor = tracking.cursor;
        let mut parser = sse::SseParser::default();
        loop {
            let Ok(chunk) = tokio::time::timeout_at(until, res.chunk()).await else {
                return Ok(());
            };
            let Some(chunk) = chunk.map_err(http::from_reqwest)? else {
                return Err(ChannelError::Transient("the stream was closed".into()));
            };
            for event in parser.feed(&chunk).map_err(ChannelError::Transient)? {
                if let Some(page) = self.event_page(&event, &me, cursor) {
                    if let Some(c) = &page.cursor {
                        *cursor = Some(c.clone());
                    }
                    hand_over(sink, page).await?;
                }
            }
        }
    }

    /// The page a streamed event makes, if it concerns the brand's mentions
    /// and was not read already.
    fn event_page(&self, event: &sse::SseEvent, me: &Me, cursor: &Option<Cursor>) -> Option<Page> {
        match event.event.as_str() {
            "notification" => {
                let note: api::Notification = api::parse("notification", &event.data).ok()?;
                api::check_id("notification", &note.id).ok()?;
                if cursor.as_ref().is_some_and(|c| !api::newer(&note.id, &c.0)) {
                    return None;
                }
                let items = match (&note.kind[..], &note.status) {
                    ("mention", Some(status)) => self.item(status, me).into_iter().collect(),
                    _ => Vec::new(),
                };
                Some(Page {
                    items: items.into_iter().map(IncomingItem::Message).collect(),
                    deleted: Vec::new(),
                    cursor: Some(Cursor(note.id)),
                })
            }
            "status.update" => {
                let status: api::Status = api::parse("status.update", &event.data).ok()?;
                let about_us = status.mentions.iter().any(|m| m.id == me.id)
                    || status.in_reply_to_account_id.as_deref() == Some(&me.id);
                if !about_us || status.account.id == me.id {
                    return None;
                }
                Some(Page {
                    items: vec![IncomingItem::Message(self.item(&status, me)?)],
                    deleted: Vec::new(),
                    cursor: None,
                })
            }
            "delete" => {
                let id = event.data.trim();
                api::check_id("delete", id).ok()?;
                Some(Page {
                    items: Vec::new(),
                    deleted: vec![id.to_string()],
                    cursor: None,
                })
            }
            _ => None,
        }
    }
}
