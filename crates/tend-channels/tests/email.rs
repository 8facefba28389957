//! The e-mail connector against real mail servers: pymap (IMAP, with IDLE)
//! and aiosmtpd (SMTP), started per test by `tend_fakes::mail`. Member
//! e-mails arrive by IMAP APPEND, as a delivery agent puts them; replies are
//! checked in what the SMTP server received and in the Sent folder.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use std::time::{Duration, Instant};
use tend_channels::live::email::parse::{BOUNCE_MARKER, Origin, Received, read_message};
use tend_channels::live::email::{Email, MailTls, Settings};
use tend_channels::live::{
    ChannelError, Connector, Cursor, More, Outgoing, Page, Publisher, ReplyTarget, Sink, SinkError,
    Source, Window,
};
use tend_domain::{Direction, IncomingItem, IncomingMessage, MessageKind};
use tend_fakes::mail::MailServers;
use tend_fakes::process::installed;

async fn servers() -> Option<MailServers> {
    let venv = installed("TEND_MAIL_VENV")?;
    Some(MailServers::start(&venv).await.expect("mail servers start"))
}

fn settings(s: &MailServers) -> Settings {
    Settings {
        imap_host: "127.0.0.1".into(),
        imap_port: s.imap_port,
        imap_tls: MailTls::None,
        smtp_host: "127.0.0.1".into(),
        smtp_port: s.smtp_port,
        smtp_tls: MailTls::None,
        address: MailServers::USER.into(),
        folder: "INBOX".into(),
        sent_folder: "Sent".into(),
    }
}

fn mailbox(s: &MailServers) -> Email {
    Email::new(settings(s), MailServers::USER, MailServers::PASSWORD).expect("settings are valid")
}

#[derive(Default)]
struct Collect(Vec<Page>);

#[async_trait]
impl Sink for Collect {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        self.0.push(page);
        Ok(())
    }
}

impl Collect {
    fn messages(&self) -> Vec<IncomingMessage> {
        self.0
            .iter()
            .flat_map(|p| &p.items)
            .map(|i| match i {
                IncomingItem::Message(m) => m.clone(),
                other => panic!("not a message: {other:?}"),
            })
            .collect()
    }

    fn cursor(&self) -> Option<Cursor> {
        self.0.iter().rev().find_map(|p| p.cursor.clone())
    }
}

fn window(max_pages: usize) -> Window {
    Window {
        backfill_from: Timestamp::now() - SignedDuration::from_hours(24 * 7),
        until: Instant::now(),
        max_pages,
    }
}

/// A member's e-mail as a mail client writes it.
fn member_mail(id: &str, subject: &str, body: &str, reply_to: &[&str]) -> Vec<u8> {
    let mut headers = format!(
        "From: Ada Lindqvist <ada@members.example>\r\n\
         To: Support <{}>\r\n\
         Subject: {subject}\r\n\
         Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n\
         Message-ID: {id}\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n",
        MailServers::USER
    );
    if let Some(parent) = reply_to.last() {
        headers.push_str(&format!("In-Reply-To: {parent}\r\n"));
        headers.push_str(&format!("References: {}\r\n", reply_to.join(" ")));
    }
    format!("{headers}\r\n{body}\r\n").into_bytes()
}

fn reply(key: String, to: &IncomingMessage, text: &str) -> Outgoing {
    Outgoing {
        key,
        text: text.into(),
        reply_to: Some(ReplyTarget {
            external_id: to.external_id.clone(),
            thread_external_id: to.thread_external_id.clone(),
            author_external_id: to.author.as_ref().map(|a| a.external_id.clone()),
            author_handle: to.author.as_ref().map(|a| a.handle.clone()),
            title: to.title.clone(),
        }),
    }
}

async fn read_all(mail: &Email) -> Vec<IncomingMessage> {
    let mut sink = Collect::default();
    mail.pull(None, &window(10), &mut sink).await.expect("pull");
    sink.messages()
}

#[tokio::test]
async fn backfill_then_pull_since_the_cursor_loses_and_repeats_nothing() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    let old = member_mail("<old@members.example>", "Last year", "old", &[]);
    s.deliver_dated("INBOX", &old, Some("01-Jan-2020 10:00:00 +0000"))
        .await
        .unwrap();
    let batch: Vec<Vec<u8>> = (0..23)
        .map(|n| {
            member_mail(
                &format!("<m{n}@members.example>"),
                "Hello",
                &format!("n{n}"),
                &[],
            )
        })
        .collect();
    s.deliver_all("INBOX", &batch).await.unwrap();
    // One page at most: the backfill stops after 20 and says there is more.
    let mut first = Collect::default();
    let more = mail.pull(None, &window(1), &mut first).await.unwrap();
    assert_eq!(more, More::Yes);
    assert_eq!(first.messages().len(), 20);
    let mut second = Collect::default();
    let more = mail
        .pull(first.cursor().as_ref(), &window(1), &mut second)
        .await
        .unwrap();
    assert_eq!(more, More::No);
    let mut seen: Vec<String> = first
        .messages()
        .into_iter()
        .chain(second.messages())
        .map(|m| m.external_id)
        .collect();
    assert_eq!(seen.len(), 23);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 23, "a message was read twice");
    assert!(
        !seen.contains(&"<old@members.example>".to_owned()),
        "older than the horizon"
    );
    // Two more arrive: only they are read from the cursor; then nothing.
    let later: Vec<Vec<u8>> = (23..25)
        .map(|n| member_mail(&format!("<m{n}@members.example>"), "Hello", "later", &[]))
        .collect();
    s.deliver_all("INBOX", &later).await.unwrap();
    let mut third = Collect::default();
    mail.pull(second.cursor().as_ref(), &window(5), &mut third)
        .await
        .unwrap();
    let ids: Vec<String> = third
        .messages()
        .into_iter()
        .map(|m| m.external_id)
        .collect();
    assert_eq!(ids, ["<m23@members.example>", "<m24@members.example>"]);
    let mut fourth = Collect::default();
    mail.pull(third.cursor().as_ref(), &window(5), &mut fourth)
        .await
        .unwrap();
    assert!(fourth.messages().is_empty(), "{:?}", fourth.messages());
    s.stop().await;
}

#[tokio::test]
async fn a_changed_uidvalidity_reads_again_from_the_horizon() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    s.deliver(
        "INBOX",
        &member_mail("<a@members.example>", "Hi", "one", &[]),
    )
    .await
    .unwrap();
    let mut sink = Collect::default();
    let stale = Cursor("4294967295:1".into());
    mail.pull(Some(&stale), &window(5), &mut sink)
        .await
        .unwrap();
    let ids: Vec<String> = sink.messages().into_iter().map(|m| m.external_id).collect();
    assert_eq!(ids, ["<a@members.example>"]);
    assert_ne!(sink.cursor(), Some(stale));
    let mut bad = Collect::default();
    let refused = mail
        .pull(Some(&Cursor("yesterday".into())), &window(5), &mut bad)
        .await;
    assert!(
        matches!(&refused, Err(ChannelError::Permanent(r)) if r.contains("cursor")),
        "{refused:?}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_three_message_thread_links_root_and_parents() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    let (a, b, c) = (
        "<t1@members.example>",
        "<t2@members.example>",
        "<t3@members.example>",
    );
    s.deliver("INBOX", &member_mail(a, "Export?", "How do I export?", &[]))
        .await
        .unwrap();
    s.deliver("INBOX", &member_mail(b, "Re: Export?", "Still stuck", &[a]))
        .await
        .unwrap();
    s.deliver("INBOX", &member_mail(c, "Re: Export?", "Found it", &[a, b]))
        .await
        .unwrap();
    let got = read_all(&mail).await;
    assert_eq!(got.len(), 3);
    assert_eq!(
        (
            got[0].thread_external_id.as_deref(),
            got[0].parent_external_id.as_deref()
        ),
        (None, None)
    );
    assert_eq!(got[1].thread_external_id.as_deref(), Some(a));
    assert_eq!(got[1].parent_external_id.as_deref(), Some(a));
    assert_eq!(got[2].thread_external_id.as_deref(), Some(a));
    assert_eq!(got[2].parent_external_id.as_deref(), Some(b));
    let first = &got[0];
    assert_eq!(first.kind, MessageKind::DirectMessage);
    assert_eq!(first.direction, Direction::Inbound);
    assert_eq!(first.title.as_deref(), Some("Export?"));
    assert_eq!(first.text, "How do I export?");
    let author = first.author.as_ref().unwrap();
    assert_eq!(author.external_id, "ada@members.example");
    assert_eq!(author.display_name.as_deref(), Some("Ada Lindqvist"));
    assert_eq!(author.email.as_deref(), Some("ada@members.example"));
    assert_eq!(first.created_at, "2026-12-07T10:00:00Z".parse().unwrap());
    s.stop().await;
}

const HTML_ONLY: &str = "From: Bo <bo@members.example>\r\nTo: support@tend.test\r\n\
Subject: =?utf-8?q?Caf=C3=A9_question?=\r\nMessage-ID: <html@members.example>\r\n\
MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<html><body><p>Hello <b>team</b>,</p><p>where is the <a href=\"https://x.example/doc\">doc</a>?</p></body></html>\r\n";

const WITH_ATTACHMENT: &str = "From: Chen <chen@members.example>\r\nTo: support@tend.test\r\n\
Subject: Invoice\r\nMessage-ID: <att@members.example>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nSee the attached invoice.\r\n--XX\r\n\
Content-Type: application/pdf; name=\"invoice.pdf\"\r\n\
Content-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==\r\n--XX--\r\n";

#[tokio::test]
async fn an_html_only_mail_becomes_text_and_attachments_are_listed_not_kept() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    s.deliver("INBOX", HTML_ONLY.as_bytes()).await.unwrap();
    s.deliver("INBOX", WITH_ATTACHMENT.as_bytes())
        .await
        .unwrap();
    let got = read_all(&mail).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].title.as_deref(), Some("Café question"));
    assert!(got[0].text.contains("Hello team"), "{:?}", got[0].text);
    assert!(!got[0].text.contains('<'), "HTML left: {:?}", got[0].text);
    assert!(
        got[1].text.starts_with("See the attached invoice."),
        "{}",
        got[1].text
    );
    assert!(
        got[1]
            .text
            .contains("[Attachment: invoice.pdf (application/pdf, 52 bytes)]"),
        "{}",
        got[1].text
    );
    assert!(!got[1].text.contains("JVBER"), "attachment content kept");
    s.stop().await;
}

const BOUNCE: &str = "From: Mail Delivery System <MAILER-DAEMON@mx.tend.test>\r\n\
To: support@tend.test\r\nSubject: Undelivered Mail Returned to Sender\r\n\
Message-ID: <bounce1@mx.tend.test>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\n\
Content-Type: text/plain\r\n\r\nThe mail system could not deliver your message to gone@members.example.\r\n\
--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.tend.test\r\n\r\n\
Final-Recipient: rfc822; gone@members.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@tend.test\r\nTo: gone@members.example\r\n\
Subject: Re: Hello\r\nMessage-ID: <tend.42@tend.test>\r\n\r\n--B--\r\n";

#[tokio::test]
async fn auto_replies_are_skipped_and_a_bounce_is_marked_under_the_bounced_reply() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    let ooo = "From: Dara <dara@members.example>\r\nTo: support@tend.test\r\n\
        Subject: Out of Office: Re: Hello\r\nMessage-ID: <ooo@members.example>\r\n\
        Auto-Submitted: auto-replied\r\n\r\nI am away until Monday.\r\n";
    let vacation = "From: Eli <eli@members.example>\r\nTo: support@tend.test\r\n\
        Subject: Away\r\nMessage-ID: <vac@members.example>\r\nPrecedence: auto_reply\r\n\r\nAway.\r\n";
    s.deliver("INBOX", ooo.as_bytes()).await.unwrap();
    s.deliver("INBOX", vacation.as_bytes()).await.unwrap();
    s.deliver("INBOX", BOUNCE.as_bytes()).await.unwrap();
    s.deliver(
        "INBOX",
        &member_mail("<real@members.example>", "Out of stock?", "Is it?", &[]),
    )
    .await
    .unwrap();
    let got = read_all(&mail).await;
    let ids: Vec<&str> = got.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(ids, ["<bounce1@mx.tend.test>", "<real@members.example>"]);
    let bounce = &got[0];
    assert!(bounce.text.starts_with(BOUNCE_MARKER), "{}", bounce.text);
    assert!(
        bounce.text.contains("gone@members.example"),
        "{}",
        bounce.text
    );
    assert_eq!(
        bounce.parent_external_id.as_deref(),
        Some("<tend.42@tend.test>")
    );
    assert!(bounce.author.is_none(), "a mailer daemon is no member");
    assert!(
        bounce
            .title
            .as_deref()
            .unwrap()
            .starts_with("Delivery failure")
    );
    s.stop().await;
}

#[tokio::test]
async fn a_reply_reaches_the_smtp_server_threaded_and_is_kept_in_sent() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    let (a, b) = ("<r1@members.example>", "<r2@members.example>");
    s.deliver(
        "INBOX",
        &member_mail(a, "Login broken", "Can't log in", &[]),
    )
    .await
    .unwrap();
    s.deliver("INBOX", &member_mail(b, "Re: Login broken", "Still", &[a]))
        .await
        .unwrap();
    let got = read_all(&mail).await;
    let key = mail.new_key("outbox-7 r4nd", Timestamp::now());
    assert_eq!(key, "<tend.outbox-7-r4nd@tend.test>");
    let sent = mail
        .publish(&reply(key.clone(), &got[1], "Fixed now, sorry!"))
        .await
        .unwrap();
    assert_eq!(sent.id, key);
    let received = s.received().unwrap();
    assert_eq!(received.len(), 1, "{}", s.logs());
    let out = mail_parser::MessageParser::default()
        .parse(&received[0])
        .unwrap();
    assert_eq!(out.message_id(), Some("tend.outbox-7-r4nd@tend.test"));
    assert_eq!(out.in_reply_to().as_text(), Some("r2@members.example"));
    let refs: Vec<String> = out
        .references()
        .as_text_list()
        .unwrap()
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(refs, ["r1@members.example", "r2@members.example"]);
    assert_eq!(out.subject(), Some("Re: Login broken"));
    let to = out.to().unwrap().first().unwrap().address().unwrap();
    assert_eq!(to, "ada@members.example");
    let from = out.from().unwrap().first().unwrap().address().unwrap();
    assert_eq!(from, MailServers::USER);
    assert_eq!(out.body_text(0).unwrap().trim(), "Fixed now, sorry!");
    assert_eq!(s.count("Sent").await.unwrap(), 1);
    s.stop().await;
}

#[tokio::test]
async fn publishing_the_same_key_twice_sends_once_and_lookup_settles_it() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    s.deliver(
        "INBOX",
        &member_mail("<q@members.example>", "Question", "?", &[]),
    )
    .await
    .unwrap();
    let got = read_all(&mail).await;
    let post = reply(mail.new_key("k1", Timestamp::now()), &got[0], "Answer");
    assert_eq!(mail.lookup(&post).await.unwrap(), None, "never sent");
    let first = mail.publish(&post).await.unwrap();
    // The runner, unsure whether the first attempt took effect, settles it.
    assert_eq!(mail.lookup(&post).await.unwrap(), Some(first.clone()));
    let again = mail.publish(&post).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(s.received().unwrap().len(), 1, "sent twice");
    assert_eq!(s.count("Sent").await.unwrap(), 1);
    let other = reply(mail.new_key("k2", Timestamp::now()), &got[0], "Other");
    assert_eq!(mail.lookup(&other).await.unwrap(), None);
    s.stop().await;
}

#[tokio::test]
async fn delete_removes_the_sent_copy_and_deleting_again_succeeds() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    s.deliver(
        "INBOX",
        &member_mail("<d@members.example>", "Hi", "hi", &[]),
    )
    .await
    .unwrap();
    let got = read_all(&mail).await;
    let post = reply(mail.new_key("del", Timestamp::now()), &got[0], "Hello");
    let sent = mail.publish(&post).await.unwrap();
    assert_eq!(s.count("Sent").await.unwrap(), 1);
    mail.delete(&sent).await.unwrap();
    assert_eq!(s.count("Sent").await.unwrap(), 0);
    assert_eq!(mail.lookup(&post).await.unwrap(), None);
    mail.delete(&sent).await.unwrap();
    s.stop().await;
}

#[tokio::test]
async fn bad_credentials_are_unauthorized_and_verify_names_the_mailbox() {
    let Some(s) = servers().await else { return };
    let info = mailbox(&s).verify().await.unwrap();
    assert_eq!(info.handle.as_deref(), Some(MailServers::USER));
    let wrong = Email::new(settings(&s), MailServers::USER, "wrong").unwrap();
    let refused = wrong.pull(None, &window(1), &mut Collect::default()).await;
    assert!(
        matches!(refused, Err(ChannelError::Unauthorized(_))),
        "{refused:?}"
    );
    let refused = wrong.verify().await;
    assert!(
        matches!(refused, Err(ChannelError::Unauthorized(_))),
        "{refused:?}"
    );
    let mut no_sent = settings(&s);
    no_sent.sent_folder = "Outbox".into();
    let refused = Email::new(no_sent, MailServers::USER, MailServers::PASSWORD)
        .unwrap()
        .verify()
        .await;
    assert!(
        matches!(refused, Err(ChannelError::Permanent(_))),
        "{refused:?}"
    );
    s.stop().await;
}

#[tokio::test]
async fn smtp_rate_limits_and_server_errors_map_to_waiting_and_retrying() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    let target = |who: &str| ReplyTarget {
        external_id: "<x@members.example>".into(),
        thread_external_id: None,
        author_external_id: Some(format!("{who}@members.example")),
        author_handle: None,
        title: Some("Hi".into()),
    };
    let post = |who: &str| Outgoing {
        key: mail.new_key(who, Timestamp::now()),
        text: "Hello".into(),
        reply_to: Some(target(who)),
    };
    let limited = mail.publish(&post("ratelimit")).await;
    assert_eq!(
        limited,
        Err(ChannelError::RateLimited {
            retry_after: Duration::from_secs(30)
        })
    );
    let broken = mail.publish(&post("broken")).await;
    assert!(
        matches!(broken, Err(ChannelError::Transient(_))),
        "{broken:?}"
    );
    assert_eq!(s.count("Sent").await.unwrap(), 0, "nothing went out");
    let no_target = Outgoing {
        key: mail.new_key("x", Timestamp::now()),
        text: "Hello".into(),
        reply_to: None,
    };
    assert!(matches!(
        mail.publish(&no_target).await,
        Err(ChannelError::Permanent(_))
    ));
    s.stop().await;
}

struct Forward(tokio::sync::mpsc::UnboundedSender<Page>);

#[async_trait]
impl Sink for Forward {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        self.0.send(page).map_err(|e| SinkError(e.to_string()))
    }
}

#[tokio::test]
async fn streaming_with_idle_delivers_a_new_mail_within_a_second() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    s.deliver(
        "INBOX",
        &member_mail("<before@members.example>", "Hi", "early", &[]),
    )
    .await
    .unwrap();
    let until = Instant::now() + Duration::from_secs(6);
    let (streaming, mut rx) = stream_in_background(mail, until);
    // The catch-up read hands over what was there.
    let caught_up = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(caught_up.items.len(), 1);
    while let Ok(p) = rx.try_recv() {
        assert!(p.items.is_empty());
    }
    // Let the stream settle into IDLE, then a member writes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Logged in beforehand: the clock starts when the mail reaches the server.
    let mut delivery = s.session().await.unwrap();
    let raw = member_mail("<live@members.example>", "Hi", "now", &[]);
    let sent_at = Instant::now();
    delivery.append("INBOX", None, None, &raw).await.unwrap();
    let live = loop {
        let page = tokio::time::timeout(Duration::from_secs(3), rx.recv())
            .await
            .expect("no page within 3 s")
            .unwrap();
        if !page.items.is_empty() {
            break page;
        }
    };
    let latency = sent_at.elapsed();
    assert!(latency < Duration::from_secs(1), "took {latency:?}");
    let IncomingItem::Message(m) = &live.items[0] else {
        panic!()
    };
    assert_eq!(m.external_id, "<live@members.example>");
    assert_eq!(streaming.await.unwrap(), Ok(More::No));
    assert!(
        Instant::now() >= until,
        "the stream ends at window.until, not before"
    );
    s.stop().await;
}

fn origin() -> Origin<'static> {
    Origin {
        folder: "INBOX",
        uid_validity: 1,
        uid: 9,
        mailbox: "support@tend.test",
        arrived: None,
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_as_a_message_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        match read_message(&raw, &origin()) {
            Ok(_) => {}
            Err(e) => prop_assert!(e.to_string().contains("UID 9"), "{}", e),
        }
    }

    #[test]
    fn arbitrary_headers_never_panic_and_ids_stay_bracketed(
        id in "\\PC{0,80}",
        refs in "\\PC{0,120}",
        from in "\\PC{0,60}",
        ctype in "(multipart/report|text/html|multipart/mixed|text/plain)(; [a-z-]{1,12}=\"?[^\r\n]{0,20}\"?)?",
        body in "\\PC{0,300}",
    ) {
        let raw = format!(
            "From: {from}\r\nMessage-ID: {id}\r\nReferences: {refs}\r\nIn-Reply-To: {refs}\r\n\
             Content-Type: {ctype}\r\n\r\n{body}\r\n"
        );
        if let Ok(Received::Member(m) | Received::Bounce(m)) = read_message(raw.as_bytes(), &origin()) {
            prop_assert!(m.external_id.starts_with('<') && m.external_id.ends_with('>'));
            for id in m.parent_external_id.iter().chain(&m.thread_external_id) {
                prop_assert!(id.starts_with('<') && !id.contains(char::is_whitespace), "{}", id);
            }
        }
    }
}

/// Streams `mail` until `until` in a task; the pages come out of the receiver.
fn stream_in_background(
    mail: Email,
    until: Instant,
) -> (
    tokio::task::JoinHandle<Result<More, ChannelError>>,
    tokio::sync::mpsc::UnboundedReceiver<Page>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let w = Window {
            backfill_from: Timestamp::now() - SignedDuration::from_hours(1),
            until,
            max_pages: 5,
        };
        mail.stream(None, &w, &mut Forward(tx)).await
    });
    (task, rx)
}

#[tokio::test]
async fn streaming_without_idle_falls_back_to_polling_every_second() {
    let Some(venv) = installed("TEND_MAIL_VENV") else {
        return;
    };
    let s = MailServers::start_without_idle(&venv).await.unwrap();
    let mut session = s.session().await.unwrap();
    let caps = session.capabilities().await.unwrap();
    assert!(!caps.has_str("IDLE"), "the server still offers IDLE");
    session.logout().await.unwrap();
    let (task, mut rx) = stream_in_background(mailbox(&s), Instant::now() + Duration::from_secs(4));
    // The first (empty) catch-up page says the stream is reading.
    let first = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(first.items.is_empty());
    // Logged in beforehand: the clock starts when the mail reaches the server.
    let mut delivery = s.session().await.unwrap();
    let raw = member_mail("<poll@members.example>", "Hi", "polled", &[]);
    let sent_at = Instant::now();
    delivery.append("INBOX", None, None, &raw).await.unwrap();
    let page = loop {
        let page = tokio::time::timeout(Duration::from_secs(3), rx.recv())
            .await
            .expect("no page within 3 s")
            .unwrap();
        if !page.items.is_empty() {
            break page;
        }
    };
    let latency = sent_at.elapsed();
    // One poll interval plus one read.
    assert!(latency < Duration::from_secs(2), "took {latency:?}");
    assert_eq!(page.items.len(), 1);
    assert_eq!(task.await.unwrap(), Ok(More::No));
    s.stop().await;
}

#[tokio::test]
async fn starttls_with_an_untrusted_certificate_is_refused_before_login() {
    let Some(venv) = installed("TEND_MAIL_VENV") else {
        return;
    };
    let s = MailServers::start_starttls(&venv).await.unwrap();
    let mut tls = settings(&s);
    tls.imap_host = "localhost".into();
    tls.imap_tls = MailTls::Starttls;
    let mail = Email::new(tls, MailServers::USER, MailServers::PASSWORD).unwrap();
    let refused = mail.pull(None, &window(1), &mut Collect::default()).await;
    assert!(
        matches!(&refused, Err(ChannelError::Permanent(r)) if r.contains("TLS") && r.contains("certificate")),
        "{refused:?}"
    );
    s.stop().await;
}

#[tokio::test]
async fn an_unreadable_mail_is_kept_visible_naming_where_not_lost() {
    let Some(s) = servers().await else { return };
    let mail = mailbox(&s);
    s.deliver("INBOX", b"\r\n \r\n").await.unwrap();
    s.deliver(
        "INBOX",
        &member_mail("<after@members.example>", "Hi", "next", &[]),
    )
    .await
    .unwrap();
    let got = read_all(&mail).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].title.as_deref(), Some("Unreadable e-mail"));
    assert!(
        got[0].text.starts_with("[Unreadable e-mail] e-mail UID ")
            && got[0].text.ends_with("in \"INBOX\": empty message"),
        "{}",
        got[0].text
    );
    assert!(got[0].author.is_none());
    assert_eq!(got[1].external_id, "<after@members.example>");
    s.stop().await;
}
