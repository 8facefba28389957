//! E-mail: the support mailbox, read over IMAP and answered over SMTP.
//!
//! **Reading.** The cursor is `UIDVALIDITY:last UID` of the folder read
//! (default `INBOX`). With no cursor, or when the server changed the folder's
//! UIDVALIDITY (its UIDs mean something else now), the connector backfills
//! with `UID SEARCH SINCE <day of window.backfill_from>`; otherwise it reads
//! the UIDs above the cursor. Messages are fetched with `BODY.PEEK[]` (nothing
//! is marked read) in pages of [`PAGE`], each page handed over with the
//! cursor of its last UID; re-reading after a UIDVALIDITY change delivers the
//! same `Message-ID`s again, which the store upserts. [`Source::stream`]
//! holds the folder open with IMAP IDLE until `window.until` (polling every
//! [`POLL_WITHOUT_IDLE`] where the server lacks IDLE). Mapping, automatic
//! replies (skipped) and bounces (delivered with a marker, threaded under the
//! bounced mail): see [`parse`]. A message removed from the mailbox is not a
//! deletion by its author, so pages never carry deletions.
//!
//! **Answering.** Only replies: an e-mail goes to the member the reply
//! answers (`To` = their address, `Subject: Re: …`, `In-Reply-To` = their
//! message, `References` = thread root and parent). The idempotency key is
//! the `Message-ID` ([`Publisher::new_key`]: `<tend.{unique}@{mailbox
//! domain}>`). After the SMTP server accepts it, a copy goes into the Sent
//! folder (APPEND, `\Seen`), as mail clients do; [`Publisher::lookup`]
//! searches the Sent folder for the `Message-ID` without sending, and
//! [`Publisher::publish`] looks there first, so a second attempt with the
//! same key sends nothing. The one window left: a crash between the SMTP
//! server's `250` and the APPEND leaves no Sent copy, and a retry sends
//! again. [`Publisher::delete`] removes the Sent copy only: **an e-mail
//! cannot be unsent**.
//!
//! **Credentials.** `Password`: one login for both IMAP (LOGIN) and SMTP
//! (AUTH PLAIN/LOGIN), as most providers (and app passwords) work.

mod imap;
pub mod parse;
mod smtp;

use super::{
    AccountInfo, ChannelError, Connector, Cursor, More, Outgoing, Page, Publisher, RemoteRef, Sink,
    Source, Window,
};
use async_trait::async_trait;
use futures_util::TryStreamExt;
use imap::{Session, timed};
use jiff::Timestamp;
use parse::{Origin, Received};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use tend_domain::IncomingItem;

/// Messages fetched and handed over per page.
pub const PAGE: usize = 20;

/// How often a server without IDLE is asked for new mail while streaming.
pub const POLL_WITHOUT_IDLE: Duration = Duration::from_secs(1);

/// The longest single IDLE before the connector looks for itself (a safety
/// net for a missed wake-up; servers end IDLE after 30 minutes anyway).
const IDLE_AT_MOST: Duration = Duration::from_secs(60);

/// How the connection to a mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTls {
    /// None: plain text (only for a server on the same machine).
    None,
    /// Plain connect, then STARTTLS (ports 143, 587).
    Starttls,
    /// TLS from the start (ports 993, 465).
    Tls,
}

/// The mailbox's settings (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The IMAP server's host name.
    pub imap_host: String,
    /// Its port (993 with TLS, 143 otherwise).
    pub imap_port: u16,
    /// How the IMAP connection is secured.
    pub imap_tls: MailTls,
    /// The SMTP submission server's host name.
    pub smtp_host: String,
    /// Its port (465 with TLS, 587 with STARTTLS).
    pub smtp_port: u16,
    /// How the SMTP connection is secured.
    pub smtp_tls: MailTls,
    /// The support mailbox's address (the `From` of replies).
    pub address: String,
    /// The folder read (default `INBOX`).
    #[serde(default = "inbox")]
    pub folder: String,
    /// The folder sent mail is kept in (default `Sent`).
    #[serde(default = "sent")]
    pub sent_folder: String,
}

impl Settings {
    /// Checks every field; the error names the one that is wrong.
    pub fn validate(&self) -> Result<(), ChannelError> {
        let bad = |what: &str, why: &str| Err(ChannelError::Permanent(format!("{what}: {why}")));
        for (what, host) in [
            ("imap_host", &self.imap_host),
            ("smtp_host", &self.smtp_host),
        ] {
            let ok = !host.is_empty()
                && host.len() <= 253
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
            if !ok {
                return bad(what, "not a host name");
            }
        }
        for (what, port) in [("imap_port", self.imap_port), ("smtp_port", self.smtp_port)] {
            if port == 0 {
                return bad(what, "must be between 1 and 65535");
            }
        }
        let address_ok = self.address.len() <= 254
            && self.address.parse::<lettre::Address>().is_ok()
            && !self
                .address
                .chars()
                .any(|c| c.is_whitespace() || c.is_control());
        if !address_ok {
            return bad("address", "not an e-mail address");
        }
        for (what, folder) in [("folder", &self.folder), ("sent_folder", &self.sent_folder)] {
            let ok = !folder.trim().is_empty()
                && folder.len() <= 200
                && !folder
                    .chars()
                    .any(|c| c.is_control() || matches!(c, '"' | '\\'));
            if !ok {
                return bad(what, "not a folder name");
            }
        }
        Ok(())
    }
}

fn inbox() -> String {
    "INBOX".into()
}

fn sent() -> String {
    "Sent".into()
}

/// The support mailbox.
pub struct Email {
    settings: Settings,
    username: String,
    password: String,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Email {
    /// The mailbox with `settings`, logging in as `username`/`password`.
    pub fn new(settings: Settings, username: &str, password: &str) -> Result<Email, ChannelError> {
        settings.validate()?;
        if username.is_empty() || username.chars().any(|c| c.is_control()) {
            return Err(ChannelError::Permanent(
                "credentials.username: not a login".into(),
            ));
        }
        if password.chars().any(|c| matches!(c, '\r' | '\n' | '\0')) {
            return Err(ChannelError::Permanent(
                "credentials.password: holds a line break".into(),
            ));
        }
        Ok(Email {
            settings,
            username: username.to_owned(),
            password: password.to_owned(),
        })
    }

    async fn session(&self) -> Result<Session, ChannelError> {
        imap::open(&self.settings, &self.username, &self.password).await
    }

    /// Reads what is new in the folder after `since`, hands it to `sink`
    /// page by page, and answers the cursor it reached.
    async fn read_new(
        &self,
        session: &mut Session,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<(More, Option<Cursor>), ChannelError> {
        let folder = self.settings.folder.as_str();
        let mailbox = timed("EXAMINE", session.examine(folder)).await?;
        let validity = mailbox.uid_validity.ok_or_else(|| {
            ChannelError::Permanent(format!(
                "IMAP folder {folder:?}: the server sent no UIDVALIDITY"
            ))
        })?;
        let last = match since.map(parse_cursor).transpose()? {
            Some((v, uid)) if v == validity => Some(uid),
            _ => None,
        };
        let query = match last {
            Some(uid) => format!("UID {}:*", uid.saturating_add(1)),
            None => format!("SINCE {}", imap::imap_date(window.backfill_from)),
        };
        let found = timed("UID SEARCH", session.uid_search(&query)).await?;
        let mut uids: Vec<u32> = found
            .into_iter()
            .filter(|u| last.is_none_or(|l| *u > l))
            .collect();
        uids.sort_unstable();
        let mut reached = last;
        let mut cursor = since.cloned().filter(|_| last.is_some());
        let mut chunks = uids.chunks(PAGE);
        for _ in 0..window.max_pages.max(1) {
            let Some(chunk) = chunks.next() else { break };
            let items = self.fetch(session, chunk, validity).await?;
            let top = chunk.iter().copied().max().unwrap_or(0);
            reached = Some(top);
            let c = Cursor(format!("{validity}:{top}"));
            hand(sink, items, c.clone()).await?;
            cursor = Some(c);
        }
        if chunks.len() > 0 {
            return Ok((More::Yes, cursor));
        }
        // Caught up: move the cursor to the folder's last UID, so what was
        // older than the backfill horizon is not read by the next pull.
        let end = mailbox.uid_next.map(|n| n.saturating_sub(1));
        if let Some(end) = end
            && reached.is_none_or(|r| end > r)
        {
            let c = Cursor(format!("{validity}:{end}"));
            hand(sink, Vec::new(), c.clone()).await?;
            cursor = Some(c);
        }
        Ok((More::No, cursor))
    }

    /// Fetches `uids` and maps them, oldest first; automatic replies dropped.
    async fn fetch(
        &self,
        session: &mut Session,
        uids: &[u32],
        validity: u32,
    ) -> Result<Vec<IncomingItem>, ChannelError> {
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetched: Vec<async_imap::types::Fetch> = timed("UID FETCH", async {
            session
                .uid_fetch(&set, "(UID INTERNALDATE BODY.PEEK[])")
                .await?
                .try_collect()
                .await
        })
        .await?;
        // Only what was asked for, once: a server may slip in unsolicited
        // FETCH responses (flag changes) without a body.
        let mut bodies: std::collections::BTreeMap<u32, &async_imap::types::Fetch> =
            std::collections::BTreeMap::new();
        for f in &fetched {
            if let Some(uid) = f.uid
                && uids.contains(&uid)
                && (f.body().is_some() || !bodies.contains_key(&uid))
            {
                bodies.insert(uid, f);
            }
        }
        let mut items = Vec::with_capacity(bodies.len());
        for (uid, f) in bodies {
            let origin = Origin {
                folder: &self.settings.folder,
                uid_validity: validity,
                uid,
                mailbox: &self.settings.address,
                arrived: f
                    .internal_date()
                    .and_then(|d| Timestamp::from_second(d.timestamp()).ok()),
            };
            match parse::read_message(f.body().unwrap_or_default(), &origin) {
                Ok(Received::Member(m) | Received::Bounce(m)) => {
                    items.push(IncomingItem::Message(m));
                }
                Ok(Received::AutoReply { .. }) => {}
                Err(e) => items.push(IncomingItem::Message(unreadable(&origin, &e))),
            }
        }
        Ok(items)
    }

    /// The Sent folder's UIDs of the message with Message-ID `key`.
    async fn sent_copies(
        &self,
        session: &mut Session,
        key: &str,
    ) -> Result<Vec<u32>, ChannelError> {
        timed("SELECT Sent", session.select(&self.settings.sent_folder)).await?;
        let query = format!("HEADER Message-ID {}", imap::quoted(key));
        let found = timed("UID SEARCH", session.uid_search(&query)).await?;
        Ok(found.into_iter().collect())
    }
}

/// A message the connector could not read, kept visible instead of lost.
fn unreadable(origin: &Origin<'_>, e: &ChannelError) -> tend_domain::IncomingMessage {
    tend_domain::IncomingMessage {
        external_id: format!(
            "<unreadable.{}.{}@tend.invalid>",
            origin.uid_validity, origin.uid
        ),
        kind: tend_domain::MessageKind::DirectMessage,
        direction: tend_domain::Direction::Inbound,
        thread_external_id: None,
        parent_external_id: None,
        author: None,
        title: Some("Unreadable e-mail".into()),
        text: match e {
            ChannelError::Permanent(why) | ChannelError::Transient(why) => {
                format!("[Unreadable e-mail] {why}")
            }
            other => format!("[Unreadable e-mail] {other}"),
        },
        lang: None,
        created_at: origin.arrived.unwrap_or(Timestamp::UNIX_EPOCH),
        edited_at: None,
        permalink: None,
        engagement: tend_domain::Engagement::default(),
        rating: None,
    }
}

async fn hand(
    sink: &mut dyn Sink,
    items: Vec<IncomingItem>,
    cursor: Cursor,
) -> Result<(), ChannelError> {
    sink.page(Page {
        items,
        deleted: Vec::new(),
        cursor: Some(cursor),
    })
    .await
    .map_err(|e| ChannelError::Transient(format!("storing e-mail: {e}")))
}

/// `UIDVALIDITY:UID`.
fn parse_cursor(c: &Cursor) -> Result<(u32, u32), ChannelError> {
    c.0.split_once(':')
        .and_then(|(v, u)| Some((v.parse().ok()?, u.parse().ok()?)))
        .ok_or_else(|| {
            ChannelError::Permanent(format!("e-mail cursor {:?} is not UIDVALIDITY:UID", c.0))
        })
}

/// Whether `key` is a Message-ID Tend can send and search for.
fn check_key(key: &str) -> Result<(), ChannelError> {
    if parse::bracketed(key).as_deref() == Some(key) {
        Ok(())
    } else {
        Err(ChannelError::Permanent(format!(
            "e-mail key {key:?} is not a <…@…> Message-ID"
        )))
    }
}

async fn logout(mut session: Session) {
    let _ = tokio::time::timeout(Duration::from_secs(2), session.logout()).await;
}

#[async_trait]
impl Source for Email {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let mut session = self.session().await?;
        let read = self.read_new(&mut session, since, window, sink).await;
        logout(session).await;
        read.map(|(more, _)| more)
    }

    fn streams(&self) -> bool {
        true
    }

    async fn stream(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let mut session = self.session().await?;
        let idle = timed("CAPABILITY", session.capabilities())
            .await?
            .has_str("IDLE");
        let (more, mut cursor) = self.read_new(&mut session, since, window, sink).await?;
        if more == More::Yes {
            logout(session).await;
            return Ok(More::Yes);
        }
        while let Some(left) = window.until.checked_duration_since(Instant::now()) {
            if left.is_zero() {
                break;
            }
            if idle {
                let news = session.unsolicited_responses.clone();
                let mut handle = session.idle();
                timed("IDLE", handle.init()).await?;
                // Mail that came while we were not idling was announced
                // already: look at once instead of waiting.
                let mut pending = false;
                while let Ok(r) = news.try_recv() {
                    pending |= matches!(
                        r,
                        async_imap::types::UnsolicitedResponse::Exists(_)
                            | async_imap::types::UnsolicitedResponse::Recent(_)
                    );
                }
                if !pending {
                    let (wait, _stop) = handle.wait_with_timeout(left.min(IDLE_AT_MOST));
                    wait.await.map_err(|e| imap::imap_error("IDLE", e))?;
                }
                session = timed("DONE", handle.done()).await?;
            } else {
                tokio::time::sleep(left.min(POLL_WITHOUT_IDLE)).await;
            }
            let (more, reached) = self
                .read_new(&mut session, cursor.as_ref(), window, sink)
                .await?;
            cursor = reached.or(cursor);
            if more == More::Yes {
                logout(session).await;
                return Ok(More::Yes);
            }
        }
        logout(session).await;
        Ok(More::No)
    }
}

#[async_trait]
impl Publisher for Email {
    fn new_key(&self, unique: &str, _now: Timestamp) -> String {
        let domain = self
            .settings
            .address
            .rsplit_once('@')
            .map_or("localhost", |(_, d)| d);
        let clean: String = unique
            .chars()
            .take(120)
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("<tend.{clean}@{domain}>")
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        check_key(&post.key)?;
        if post.text.trim().is_empty() {
            return Err(ChannelError::Permanent("the reply's text is empty".into()));
        }
        let draft = smtp::draft(&self.settings.address, post)?;
        if let Some(sent) = self.lookup(post).await? {
            return Ok(sent);
        }
        let transport = smtp::transport(&self.settings, &self.username, &self.password)?;
        smtp::send(&transport, &draft).await?;
        // The mail is out: from here on, failing would make the runner send
        // it again. Keeping the Sent copy is tried twice, then given up.
        for _ in 0..2 {
            let Ok(mut session) = self.session().await else {
                continue;
            };
            let kept = timed(
                "APPEND to Sent",
                session.append(
                    &self.settings.sent_folder,
                    Some("(\\Seen)"),
                    None,
                    &draft.bytes,
                ),
            )
            .await;
            logout(session).await;
            if kept.is_ok() {
                break;
            }
        }
        Ok(RemoteRef {
            id: post.key.clone(),
            url: None,
        })
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        check_key(&post.key)?;
        let mut session = self.session().await?;
        let found = self.sent_copies(&mut session, &post.key).await;
        logout(session).await;
        Ok((!found?.is_empty()).then(|| RemoteRef {
            id: post.key.clone(),
            url: None,
        }))
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        check_key(&item.id)?;
        let mut session = self.session().await?;
        let copies = self.sent_copies(&mut session, &item.id).await?;
        if !copies.is_empty() {
            let set = copies
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            timed("UID STORE \\Deleted", async {
                let _: Vec<_> = session
                    .uid_store(&set, "+FLAGS.SILENT (\\Deleted)")
                    .await?
                    .try_collect()
                    .await?;
                let _: Vec<_> = session.uid_expunge(&set).await?.try_collect().await?;
                Ok(())
            })
            .await?;
        }
        logout(session).await;
        Ok(())
    }
}

#[async_trait]
impl Connector for Email {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let mut session = self.session().await?;
        let checked = async {
            timed("EXAMINE", session.examine(&self.settings.folder)).await?;
            timed("EXAMINE Sent", session.examine(&self.settings.sent_folder)).await
        }
        .await;
        logout(session).await;
        checked?;
        let transport = smtp::transport(&self.settings, &self.username, &self.password)?;
        smtp::check(&transport).await?;
        Ok(AccountInfo {
            handle: Some(self.settings.address.clone()),
            token_expires_at: None,
            max_chars: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            imap_host: "imap.example.org".into(),
            imap_port: 993,
            imap_tls: MailTls::Tls,
            smtp_host: "smtp.example.org".into(),
            smtp_port: 465,
            smtp_tls: MailTls::Tls,
            address: "help@example.org".into(),
            folder: inbox(),
            sent_folder: sent(),
        }
    }

    #[test]
    fn keys_are_message_ids_of_the_mailbox_domain() {
        let mail = Email::new(settings(), "help@example.org", "pw").unwrap();
        let key = mail.new_key("42 x/y", Timestamp::UNIX_EPOCH);
        assert_eq!(key, "<tend.42-x-y@example.org>");
        assert!(check_key(&key).is_ok());
        assert!(check_key("tend.1@x").is_err());
        assert!(check_key("<a\"b@x>").is_err());
    }

    #[test]
    fn settings_round_trip_as_a_channel_config_with_default_folders() {
        let json = serde_json::json!({
            "network": "email",
            "imap_host": "imap.example.org", "imap_port": 993, "imap_tls": "tls",
            "smtp_host": "smtp.example.org", "smtp_port": 587, "smtp_tls": "starttls",
            "address": "help@example.org"
        });
        let mut typo = json.clone();
        typo["smtp_prot"] = 25.into();
        assert!(serde_json::from_value::<crate::live::ChannelConfig>(typo).is_err());
        let config: crate::live::ChannelConfig = serde_json::from_value(json).unwrap();
        let crate::live::ChannelConfig::Email(s) = &config else {
            panic!("not e-mail: {config:?}")
        };
        assert_eq!(
            (s.folder.as_str(), s.sent_folder.as_str()),
            ("INBOX", "Sent")
        );
        assert_eq!(s.smtp_tls, MailTls::Starttls);
        assert_eq!(config.network(), "email");
        assert_eq!(config.kind(), tend_domain::ChannelKind::Email);
        assert!(config.validate().is_ok());
        let back = serde_json::to_value(&config).unwrap();
        assert_eq!(back["network"], "email");
        let refused = crate::live::connect(&config, &crate::live::Credentials::None);
        assert!(matches!(refused, Err(ChannelError::Permanent(r)) if r.contains("Password")));
    }

    #[test]
    fn hostile_settings_are_refused_naming_the_field() {
        let mut s = settings();
        s.sent_folder = "Sent\r\nA1 DELETE INBOX".into();
        let e = s.validate().unwrap_err();
        assert!(e.to_string().contains("sent_folder"), "{e}");
        let mut s = settings();
        s.address = "not an address".into();
        assert!(s.validate().unwrap_err().to_string().contains("address"));
        let mut s = settings();
        s.imap_host = "imap host".into();
        assert!(s.validate().unwrap_err().to_string().contains("imap_host"));
        assert!(parse_cursor(&Cursor("x".into())).is_err());
        assert_eq!(parse_cursor(&Cursor("5:9".into())).unwrap(), (5, 9));
    }
}
