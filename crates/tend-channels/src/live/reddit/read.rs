//! Reading: the listings walked with `before`/`after` fullnames, the pages
//! handed over oldest first with the cursor that covers them, and the
//! watched things asked about again for edits and deletions.

use super::{MAX_BACKFILL_PAGES, PAGE, Reddit, WATCHED, api};
use crate::live::{ChannelError, Cursor, More, Page, Sink, Source, Window};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tend_domain::IncomingItem;

/// Where reading stopped: per listing the newest fullname read (`""`: the
/// listing was empty, read it all; `@secs`: read down to that moment), and
/// the recent things watched for edits and deletions (fullname, `edited`).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct State {
    #[serde(default)]
    at: BTreeMap<String, String>,
    #[serde(default)]
    watch: Vec<(String, i64)>,
}

impl State {
    /// A stored cursor, every fullname in it checked (they go into queries).
    fn parse(text: &str) -> Result<State, ChannelError> {
        let state: State = serde_json::from_str(text)
            .map_err(|e| ChannelError::Permanent(format!("reddit cursor: {e}")))?;
        let at = state.at.values().filter_map(|at| match at.as_str() {
            "" => None,
            at => Some(
                at.strip_prefix('@')
                    .map_or(at, |rest| rest.split_once(':').map_or("", |(_, name)| name)),
            ),
        });
        for name in at.chain(state.watch.iter().map(|(n, _)| n.as_str())) {
            api::check_fullname("cursor", name).map_err(ChannelError::Permanent)?;
        }
        Ok(state)
    }

    fn cursor(&self) -> Cursor {
        Cursor(serde_json::to_string(self).unwrap_or_default())
    }

    fn watch(&mut self, name: &str, edited: i64) {
        if !(name.starts_with("t1_") || name.starts_with("t3_")) {
            return;
        }
        self.watch.retain(|(n, _)| n != name);
        self.watch.push((name.to_string(), edited));
        let extra = self.watch.len().saturating_sub(WATCHED);
        self.watch.drain(..extra);
    }
}

impl Reddit {
    /// Walks a listing back from the top to things older than `floor_secs`;
    /// answers what is newer, oldest first, and the newest fullname seen.
    async fn walk_down(
        &self,
        path: &str,
        floor_secs: f64,
    ) -> Result<(Vec<(String, api::Thing)>, Option<String>), ChannelError> {
        let mut found = Vec::new();
        let mut top = None;
        let mut paging = String::new();
        for _ in 0..MAX_BACKFILL_PAGES {
            let (things, after) = self.listing(path, &paging).await?;
            if top.is_none() {
                top = things.first().map(|(_, t)| t.name.clone());
            }
            let full = things.len() >= PAGE;
            let mut reached_floor = false;
            for (kind, thing) in things {
                if thing.created_utc < floor_secs {
                    reached_floor = true;
                } else {
                    found.push((kind, thing));
                }
            }
            match after {
                Some(after) if full && !reached_floor => {
                    api::check_fullname("after", &after).map_err(ChannelError::Transient)?;
                    paging = format!("&after={after}");
                }
                _ => break,
            }
        }
        found.reverse();
        Ok((found, top))
    }

    /// Hands over `things` (oldest first) in pages, each with the cursor that
    /// covers it.
    async fn hand_over(
        &self,
        key: &str,
        things: Vec<(String, api::Thing)>,
        state: &mut State,
        brand: &str,
        sink: &mut dyn Sink,
    ) -> Result<(), ChannelError> {
        let inbox = key == "inbox";
        let mut things = things.into_iter().peekable();
        while things.peek().is_some() {
            let chunk: Vec<_> = things.by_ref().take(PAGE).collect();
            let mut page = Page::default();
            for (kind, thing) in &chunk {
                if api::gone(thing) {
                    page.deleted.push(thing.name.clone());
                    continue;
                }
                state.watch(&thing.name, thing.edited.secs());
                if let Ok(m) = api::message(kind, thing, brand, inbox) {
                    page.items.push(IncomingItem::Message(m));
                }
            }
            if let Some((_, newest)) = chunk.last() {
                state.at.insert(key.to_string(), newest.name.clone());
            }
            page.cursor = Some(state.cursor());
            sink_page(sink, page).await?;
        }
        Ok(())
    }

    /// Asks `/api/info` about the watched things and the listings' cursors:
    /// edits come back as items, deletions as [`Page::deleted`]; a cursor
    /// whose thing is gone falls back to its time.
    async fn recheck(
        &self,
        state: &mut State,
        brand: &str,
        sink: &mut dyn Sink,
    ) -> Result<(), ChannelError> {
        let mut names: Vec<String> = state.watch.iter().map(|(n, _)| n.clone()).collect();
        for at in state.at.values() {
            if (at.starts_with("t1_") || at.starts_with("t3_")) && !names.contains(at) {
                names.push(at.clone());
            }
        }
        if names.is_empty() {
            return Ok(());
        }
        let mut page = Page::default();
        for chunk in names.chunks(PAGE) {
            let (things, _) = self
                .listing("/api/info", &format!("&id={}", chunk.join(",")))
                .await?;
            for (kind, thing) in things {
                let gone = api::gone(&thing);
                for at in state.at.values_mut() {
                    if *at == thing.name && gone {
                        *at = format!("@{}:{}", thing.created_utc.max(0.0) as i64, thing.name);
                    }
                }
                let Some(pos) = state.watch.iter().position(|(n, _)| *n == thing.name) else {
                    continue;
                };
                if gone {
                    page.deleted.push(thing.name.clone());
                    state.watch.remove(pos);
                } else if thing.edited.secs() != state.watch[pos].1 {
                    state.watch[pos].1 = thing.edited.secs();
                    if let Ok(m) = api::message(&kind, &thing, brand, false) {
                        page.items.push(IncomingItem::Message(m));
                    }
                }
            }
        }
        if !page.items.is_empty() || !page.deleted.is_empty() {
            page.cursor = Some(state.cursor());
            sink_page(sink, page).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Source for Reddit {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let brand = self.me().await?.to_string();
        let mut state: State = match since {
            Some(c) => State::parse(&c.0)?,
            None => State::default(),
        };
        if since.is_some() {
            self.recheck(&mut state, &brand, sink).await?;
        }
        let mut pages_left = window.max_pages.max(1);
        let horizon = window.backfill_from.as_second() as f64;
        for (key, path) in self.listings() {
            let at = state.at.get(&key).cloned();
            // Read from the top down to a moment (a backfill, an empty
            // listing, or a cursor whose thing is gone), skipping what is
            // not newer than the gone cursor.
            let from_top = match at.as_deref() {
                None => Some((horizon, None)),
                Some("") => Some((0.0, None)),
                Some(at) => at.strip_prefix('@').and_then(|rest| {
                    let (secs, name) = rest.split_once(':')?;
                    Some((secs.parse::<f64>().ok()?, Some(name.to_string())))
                }),
            };
            if let Some((floor, gone)) = from_top {
                let (mut things, top) = self.walk_down(&path, floor).await?;
                if let Some(gone) = gone {
                    let prefix = gone.split('_').next().unwrap_or_default().to_string();
                    let gone_number = api::number(&gone).unwrap_or(0);
                    things.retain(|(_, t)| {
                        !t.name.starts_with(&prefix)
                            || api::number(&t.name).is_some_and(|n| n > gone_number)
                    });
                }
                if things.is_empty() {
                    // Nothing new: start after the top (or from the start of
                    // an empty listing) next time.
                    state.at.insert(key.clone(), top.unwrap_or_default());
                    let page = Page {
                        cursor: Some(state.cursor()),
                        ..Page::default()
                    };
                    sink_page(sink, page).await?;
                } else {
                    self.hand_over(&key, things, &mut state, &brand, sink)
                        .await?;
                }
                pages_left = pages_left.saturating_sub(1);
                continue;
            }
            let mut before = at.unwrap_or_default();
            loop {
                if pages_left == 0 {
                    return Ok(More::Yes);
                }
                api::check_fullname("cursor", &before).map_err(ChannelError::Permanent)?;
                let (mut things, _) = self.listing(&path, &format!("&before={before}")).await?;
                let full = things.len() >= PAGE;
                if things.is_empty() {
                    break;
                }
                things.reverse();
                before = things.last().map(|(_, t)| t.name.clone()).unwrap_or(before);
                self.hand_over(&key, things, &mut state, &brand, sink)
                    .await?;
                pages_left -= 1;
                if !full {
                    break;
                }
            }
        }
        Ok(More::No)
    }
}

async fn sink_page(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}
