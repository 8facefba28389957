//! From the bytes of one e-mail (RFC 5322, MIME) to what Tend stores, with
//! `mail-parser`.
//!
//! - The external id is the `Message-ID` in its angle brackets
//!   (`<abc@host>`), the form the `In-Reply-To`/`References` of an answer
//!   carry and the form [`super::Email`] gives its own replies, so threads link
//!   up both ways. A message without a usable one gets a stable synthetic id
//!   from a hash of its bytes (`<nomsgid.{hash}@tend.invalid>`): the same
//!   message read again, even after a UIDVALIDITY change, keeps its id.
//! - Thread: the root is the first `References` entry (or, without
//!   `References`, the `In-Reply-To`), the parent the `In-Reply-To` (or the
//!   last `References` entry).
//! - Text: the first text part; an HTML-only mail is converted to text; each
//!   attachment is listed at the end (`[Attachment: name (type, size)]`), its
//!   content is not kept.
//! - Automatic replies (`Auto-Submitted` other than `no`, `X-Autoreply`,
//!   `X-Autorespond`, `Precedence: auto_reply/bulk/junk`, an out-of-office
//!   subject) are [`Received::AutoReply`]: the connector skips them (its
//!   cursor moves past them; nothing is stored).
//! - Bounces (`multipart/report; report-type=delivery-status`, or sent by
//!   `MAILER-DAEMON`/`postmaster`) are [`Received::Bounce`]: a message with no
//!   author, titled `Delivery failure: …`, whose text starts with
//!   [`BOUNCE_MARKER`] and whose parent is the `Message-ID` of the mail that
//!   bounced, so a bounced reply of ours shows under it in its thread.

use crate::live::ChannelError;
use jiff::Timestamp;
use mail_parser::{Message, MessageParser, MimeHeaders};
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

/// How the text of a delivery-failure report starts.
pub const BOUNCE_MARKER: &str = "[Delivery failure]";

/// The longest external id kept as it is (a header line's limit).
const MAX_ID: usize = 998;

/// Where a message was read, for its fallback date and for errors.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The IMAP folder.
    pub folder: &'a str,
    /// The folder's UIDVALIDITY.
    pub uid_validity: u32,
    /// The message's UID.
    pub uid: u32,
    /// The support mailbox's own address (mail from it is outbound).
    pub mailbox: &'a str,
    /// When the server received it (IMAP INTERNALDATE), the date used when
    /// the `Date:` header is missing or unreadable.
    pub arrived: Option<Timestamp>,
}

/// What one e-mail turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A member's (or the team's own) e-mail.
    Member(IncomingMessage),
    /// A delivery-failure report, with its marker (see the module doc).
    Bounce(IncomingMessage),
    /// An automatic reply (out of office, vacation, list bulk): not stored.
    AutoReply {
        /// Its `Message-ID` (or synthetic id).
        external_id: String,
    },
}

/// Reads one e-mail. Never panics; an error names the folder and UID.
pub fn read_message(raw: &[u8], origin: &Origin<'_>) -> Result<Received, ChannelError> {
    let at = || {
        format!(
            "e-mail UID {} (UIDVALIDITY {}) in {:?}",
            origin.uid, origin.uid_validity, origin.folder
        )
    };
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ChannelError::Permanent(format!("{}: empty message", at())));
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| ChannelError::Permanent(format!("{}: not an RFC 5322 message", at())))?;
    let external_id = message_id(&message).unwrap_or_else(|| synthetic_id(raw));
    let created_at = message
        .date()
        .and_then(|d| Timestamp::from_second(d.to_timestamp()).ok())
        .or(origin.arrived)
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let subject = message.subject().map(one_line).filter(|s| !s.is_empty());
    if is_bounce(&message) {
        let bounced = bounced_id(&message).or_else(|| ids(message.in_reply_to()).pop());
        let text = format!(
            "{BOUNCE_MARKER} A mail server could not deliver {}.\n\n{}",
            bounced.as_deref().unwrap_or("an e-mail"),
            first_text(&message).trim()
        );
        return Ok(Received::Bounce(IncomingMessage {
            external_id,
            kind: MessageKind::DirectMessage,
            direction: Direction::Inbound,
            thread_external_id: None,
            parent_external_id: bounced,
            author: None,
            title: Some(format!(
                "Delivery failure: {}",
                subject.as_deref().unwrap_or("(no subject)")
            )),
            text: text.trim_end().to_owned(),
            lang: None,
            created_at,
            edited_at: None,
            permalink: None,
            engagement: Engagement::default(),
            rating: None,
        }));
    }
    // After the bounce check: bounces carry `Auto-Submitted: auto-replied` too.
    if is_auto_reply(&message) {
        return Ok(Received::AutoReply { external_id });
    }
    let references = ids(message.references());
    let in_reply_to = ids(message.in_reply_to()).into_iter().next();
    let parent = in_reply_to
        .or_else(|| references.last().cloned())
        .filter(|p| *p != external_id);
    let thread = references
        .first()
        .cloned()
        .or_else(|| parent.clone())
        .filter(|root| *root != external_id);
    let author = message.from().and_then(|a| a.first()).and_then(|a| {
        let address = a.address()?.trim();
        (!address.is_empty()).then(|| IncomingAuthor {
            platform: ChannelKind::Email,
            external_id: address.to_lowercase(),
            handle: address.to_owned(),
            display_name: a.name().map(one_line).filter(|n| !n.is_empty()),
            profile_url: None,
            followers: None,
            verified: false,
            email: Some(address.to_owned()),
        })
    });
    let direction = match &author {
        Some(a)
            if a.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(origin.mailbox)) =>
        {
            Direction::Outbound
        }
        _ => Direction::Inbound,
    };
    let mut text = first_text(&message).trim().to_owned();
    for part in message.attachments() {
        let name = part.attachment_name().map(one_line);
        let kind = part.content_type().map_or_else(
            || "application/octet-stream".to_owned(),
            |c| match c.subtype() {
                Some(sub) => format!("{}/{sub}", c.ctype()),
                None => c.ctype().to_owned(),
            },
        );
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!(
            "[Attachment: {} ({kind}, {})]",
            name.as_deref().unwrap_or("unnamed"),
            size(part.contents().len())
        ));
    }
    Ok(Received::Member(IncomingMessage {
        external_id,
        kind: MessageKind::DirectMessage,
        direction,
        thread_external_id: thread,
        parent_external_id: parent,
        author,
        title: subject,
        text,
        lang: None,
        created_at,
        edited_at: None,
        permalink: None,
        engagement: Engagement::default(),
        rating: None,
    }))
}

/// The `Message-ID` in angle brackets, when it is a usable id.
fn message_id(message: &Message<'_>) -> Option<String> {
    message.message_id().and_then(bracketed)
}

/// `id` as `<id>`, or `None` when it is empty, too long or holds spaces or
/// control characters.
pub(super) fn bracketed(id: &str) -> Option<String> {
    let inner = id.trim().trim_start_matches('<').trim_end_matches('>');
    let fine = !inner.is_empty()
        && inner.len() + 2 <= MAX_ID
        && inner
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\'));
    fine.then(|| format!("<{inner}>"))
}

/// The message ids of an `In-Reply-To` or `References` header.
fn ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    let listed: Vec<&str> = match value {
        mail_parser::HeaderValue::Text(t) => t.split_whitespace().collect(),
        mail_parser::HeaderValue::TextList(list) => list.iter().map(|t| t.as_ref()).collect(),
        _ => Vec::new(),
    };
    listed.into_iter().filter_map(bracketed).collect()
}

/// A stable id for a message without a usable `Message-ID`: FNV-1a of its bytes.
fn synthetic_id(raw: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in raw {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("<nomsgid.{hash:016x}@tend.invalid>")
}

/// The first text body; an HTML-only one converted to text.
fn first_text(message: &Message<'_>) -> String {
    match message.text_part(0) {
        Some(part) if part.is_text_html() => message
            .body_html(0)
            .map(|html| crate::import::html::to_text(&html))
            .unwrap_or_default(),
        Some(_) => message
            .body_text(0)
            .map(|t| t.replace("\r\n", "\n"))
            .unwrap_or_default(),
        None => String::new(),
    }
}

const AUTO_SUBJECTS: [&str; 12] = [
    "auto:",
    "automatic reply",
    "auto reply",
    "auto-reply",
    "autoreply",
    "out of office",
    "out of the office",
    "vacation reply",
    "vacation:",
    "abwesenheitsnotiz",
    "réponse automatique",
    "respuesta automática",
];

fn header<'m>(message: &'m Message<'_>, name: &'m str) -> Option<&'m str> {
    message.header_raw(name).map(str::trim)
}

fn is_auto_reply(message: &Message<'_>) -> bool {
    let auto_submitted = header(message, "Auto-Submitted").is_some_and(|v| {
        let v = v.split(';').next().unwrap_or("").trim();
        !v.eq_ignore_ascii_case("no")
    });
    let precedence = header(message, "Precedence").is_some_and(|v| {
        ["auto_reply", "bulk", "junk"]
            .iter()
            .any(|p| v.eq_ignore_ascii_case(p))
    });
    let flagged =
        header(message, "X-Autoreply").is_some() || header(message, "X-Autorespond").is_some();
    let subject = message.subject().unwrap_or("").trim().to_lowercase();
    let by_subject = AUTO_SUBJECTS.iter().any(|s| subject.starts_with(s));
    auto_submitted || precedence || flagged || by_subject
}

fn is_bounce(message: &Message<'_>) -> bool {
    let report = message.content_type().is_some_and(|c| {
        c.ctype().eq_ignore_ascii_case("multipart")
            && c.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && c.attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    });
    let daemon = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .and_then(|a| a.split('@').next())
        .is_some_and(|local| {
            local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster")
        });
    report || daemon
}

/// The `Message-ID` of the mail a bounce returns: from its attached message
/// (`message/rfc822`) or returned headers (`text/rfc822-headers`).
fn bounced_id(message: &Message<'_>) -> Option<String> {
    message.parts.iter().find_map(|part| {
        if let Some(inner) = part.message() {
            return message_id(inner);
        }
        let headers = part.content_type().is_some_and(|c| {
            c.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
        });
        if headers {
            let parsed = MessageParser::default().parse(part.contents())?;
            return message_id(&parsed);
        }
        None
    })
}

/// `s` on one line, trimmed.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A size as people read it.
fn size(bytes: usize) -> String {
    match bytes {
        0..1024 => format!("{bytes} bytes"),
        1024..1_048_576 => format!("{} KB", bytes.div_ceil(1024)),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin<'static> {
        Origin {
            folder: "INBOX",
            uid_validity: 7,
            uid: 3,
            mailbox: "support@tend.test",
            arrived: None,
        }
    }

    #[test]
    fn ids_are_bracketed_and_hostile_ones_refused() {
        assert_eq!(bracketed(" <a@b> ").as_deref(), Some("<a@b>"));
        assert_eq!(bracketed("a@b").as_deref(), Some("<a@b>"));
        assert_eq!(bracketed("a b@c"), None);
        assert_eq!(bracketed("<>"), None);
        assert_eq!(bracketed(&"x".repeat(2000)), None);
    }

    #[test]
    fn a_message_without_message_id_gets_a_stable_synthetic_one() {
        let raw = b"From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n";
        let Ok(Received::Member(a)) = read_message(raw, &origin()) else {
            panic!("not a member message")
        };
        let Ok(Received::Member(b)) = read_message(raw, &origin()) else {
            panic!("not a member message")
        };
        assert!(a.external_id.starts_with("<nomsgid."), "{}", a.external_id);
        assert_eq!(a.external_id, b.external_id);
        assert_eq!(a.text, "hello");
    }

    #[test]
    fn mail_from_the_mailbox_itself_is_outbound() {
        let raw =
            b"From: Support <SUPPORT@tend.test>\r\nMessage-ID: <own@tend.test>\r\n\r\nours\r\n";
        let Ok(Received::Member(m)) = read_message(raw, &origin()) else {
            panic!("not a member message")
        };
        assert_eq!(m.direction, Direction::Outbound);
        let raw = b"From: Postmaster <postmaster@x.example>\r\nSubject: Delivery Status\r\n\r\nfailed\r\n";
        assert!(matches!(
            read_message(raw, &origin()),
            Ok(Received::Bounce(_))
        ));
        let raw = b"From: a@x.example\r\nSubject: Vacation planning\r\n\r\nq\r\n";
        assert!(matches!(
            read_message(raw, &origin()),
            Ok(Received::Member(_))
        ));
    }

    #[test]
    fn empty_input_is_an_error_naming_where() {
        let err = read_message(b"  \r\n", &origin()).unwrap_err();
        assert!(err.to_string().contains("UID 3"), "{err}");
        assert!(err.to_string().contains("INBOX"), "{err}");
    }
}
