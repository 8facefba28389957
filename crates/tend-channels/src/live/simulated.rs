//! Tend's simulated network, for the demo: a newcomer sees the inbox fill and
//! a reply go out without any outside account.
//!
//! Every `every` seconds a member "posts" a message, chosen from a small set of
//! typical community messages by the slot's number, so every process derives
//! the same message for the same slot (the cursor is the last slot read). A
//! reply is accepted at once; its id derives from its idempotency key, so a
//! second attempt with the same key gives the same id, and a lookup finds it.
//! Nothing leaves the process: the channel is labelled as simulated.

use super::{
    AccountInfo, ChannelError, Connector, Cursor, More, Outgoing, Page, Publisher, RemoteRef, Sink,
    Source, Window,
};
use async_trait::async_trait;
use jiff::Timestamp;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
};

/// At most this many slots are generated per page (a long-stopped demo
/// catches up in pages instead of one huge batch).
const SLOTS_PER_PAGE: i64 = 200;

const MEMBERS: [(&str, &str); 8] = [
    ("sim-ada", "Ada Lindqvist"),
    ("sim-bo", "Bo Nilsson"),
    ("sim-chen", "Chen Wei"),
    ("sim-dara", "Dara Okafor"),
    ("sim-eli", "Eli Moreau"),
    ("sim-freya", "Freya Holm"),
    ("sim-gus", "Gus Andersen"),
    ("sim-hana", "Hana Sato"),
];

const MESSAGES: [&str; 16] = [
    "Hi! How do I export my data from the app?",
    "The new release is fantastic, thank you all 🎉",
    "Is the meetup next week still on?",
    "I can't log in since this morning, is something down?",
    "Love the community here, you're all so helpful.",
    "Where can I find the API documentation?",
    "The sync has been really slow today.",
    "Can I change the email address on my account?",
    "Thanks for the quick fix yesterday!",
    "Any plans for a dark mode?",
    "My order hasn't arrived yet, can someone check?",
    "The tutorial video was super clear, great job.",
    "Why was my post removed from the forum?",
    "Does the free plan include the mobile app?",
    "This is the third time the app crashed on upload. Frustrating.",
    "Who do I talk to about a partnership?",
];

/// The simulated network.
#[derive(Debug, Clone)]
pub struct Simulated {
    every: i64,
}

impl Simulated {
    /// A network where a member writes every `every_secs` seconds.
    pub fn new(every_secs: u64) -> Simulated {
        Simulated {
            every: i64::try_from(every_secs.max(1)).unwrap_or(3600),
        }
    }

    /// The message of `slot` (seconds since the epoch / `every`).
    fn message(&self, slot: i64) -> Option<IncomingMessage> {
        let at = Timestamp::from_second(slot.checked_mul(self.every)?).ok()?;
        let n = slot.unsigned_abs() as usize;
        let (id, name) = MEMBERS[n % MEMBERS.len()];
        Some(IncomingMessage {
            external_id: format!("sim-{slot}"),
            kind: MessageKind::Mention,
            direction: Direction::Inbound,
            thread_external_id: None,
            parent_external_id: None,
            author: Some(IncomingAuthor {
                platform: ChannelKind::Other,
                external_id: id.to_owned(),
                handle: id.trim_start_matches("sim-").to_owned(),
                display_name: Some(name.to_owned()),
                profile_url: None,
                followers: Some(((n * 37) % 900) as i64),
                verified: false,
                email: None,
            }),
            title: None,
            text: MESSAGES[(n / MEMBERS.len() + n) % MESSAGES.len()].to_owned(),
            lang: None,
            created_at: at,
            edited_at: None,
            permalink: None,
            engagement: Engagement::default(),
            rating: None,
        })
    }
}

fn slot_of(cursor: Option<&Cursor>) -> Result<Option<i64>, ChannelError> {
    cursor
        .map(|c| {
            c.0.parse::<i64>().map_err(|_| {
                ChannelError::Permanent(format!("simulated channel: bad cursor {:?}", c.0))
            })
        })
        .transpose()
}

#[async_trait]
impl Source for Simulated {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let now = Timestamp::now().as_second() / self.every;
        let mut next = match slot_of(since)? {
            Some(last) => last + 1,
            None => (window.backfill_from.as_second() / self.every).max(now - SLOTS_PER_PAGE),
        };
        for _ in 0..window.max_pages.max(1) {
            if next > now {
                return Ok(More::No);
            }
            let last = (next + SLOTS_PER_PAGE - 1).min(now);
            let items = (next..=last)
                .filter_map(|slot| self.message(slot))
                .map(IncomingItem::Message)
                .collect();
            sink.page(Page {
                items,
                deleted: Vec::new(),
                cursor: Some(Cursor(last.to_string())),
            })
            .await
            .map_err(|e| ChannelError::Transient(e.to_string()))?;
            next = last + 1;
        }
        Ok(if next > now { More::No } else { More::Yes })
    }
}

#[async_trait]
impl Publisher for Simulated {
    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        if post.text.trim().is_empty() {
            return Err(ChannelError::Permanent("empty text".into()));
        }
        Ok(remote(&post.key))
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        // Publishing cannot half-happen here: an attempt that was made is there.
        Ok(Some(remote(&post.key)))
    }

    async fn delete(&self, _item: &RemoteRef) -> Result<(), ChannelError> {
        Ok(())
    }
}

fn remote(key: &str) -> RemoteRef {
    RemoteRef {
        id: format!("sim-reply-{key}"),
        url: None,
    }
}

#[async_trait]
impl Connector for Simulated {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        Ok(AccountInfo {
            handle: Some("tend-demo".into()),
            token_expires_at: None,
            max_chars: Some(500),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::SinkError;

    #[derive(Default)]
    struct Collect(Vec<Page>);

    #[async_trait]
    impl Sink for Collect {
        async fn page(&mut self, page: Page) -> Result<(), SinkError> {
            self.0.push(page);
            Ok(())
        }
    }

    fn window(back_secs: i64) -> Window {
        Window {
            backfill_from: Timestamp::now() - jiff::SignedDuration::from_secs(back_secs),
            until: std::time::Instant::now(),
            max_pages: 10,
        }
    }

    #[tokio::test]
    async fn pulls_neither_lose_nor_repeat_a_slot() {
        let sim = Simulated::new(1);
        let mut first = Collect::default();
        sim.pull(None, &window(30), &mut first).await.unwrap();
        let ids: Vec<String> = first
            .0
            .iter()
            .flat_map(|p| &p.items)
            .map(|i| match i {
                IncomingItem::Message(m) => m.external_id.clone(),
                _ => unreachable!(),
            })
            .collect();
        assert!(ids.len() >= 30, "{}", ids.len());
        let cursor = first.0.last().unwrap().cursor.clone().unwrap();
        let mut again = Collect::default();
        sim.pull(Some(&cursor), &window(30), &mut again)
            .await
            .unwrap();
        for m in again.0.iter().flat_map(|p| &p.items) {
            let IncomingItem::Message(m) = m else {
                unreachable!()
            };
            assert!(
                !ids.contains(&m.external_id),
                "{} read twice",
                m.external_id
            );
        }
    }

    #[tokio::test]
    async fn a_reply_keeps_its_id_across_attempts_and_is_found() {
        let sim = Simulated::new(5);
        let post = Outgoing {
            key: "k1".into(),
            text: "Thanks!".into(),
            reply_to: None,
        };
        let a = sim.publish(&post).await.unwrap();
        assert_eq!(sim.publish(&post).await.unwrap(), a);
        assert_eq!(sim.lookup(&post).await.unwrap(), Some(a));
        let (bad, mut sink) = (Cursor("x".into()), Collect::default());
        let refused = sim.pull(Some(&bad), &window(5), &mut sink).await;
        assert!(matches!(refused, Err(ChannelError::Permanent(_))));
    }
}
