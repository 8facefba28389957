//! The SMTP side, with lettre: the reply as an RFC 5322 message (its
//! `Message-ID` is the idempotency key), the submission with AUTH (plain,
//! STARTTLS or implicit TLS through rustls), and SMTP failures mapped to
//! [`ChannelError`].

use super::{MailTls, Settings, parse::bracketed};
use crate::live::http::REQUEST_TIMEOUT;
use crate::live::{ChannelError, Outgoing};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials as SmtpCredentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// The reply to send: its envelope and its exact bytes (the same bytes go to
/// the SMTP server and into the Sent folder).
pub(super) struct Draft {
    pub envelope: lettre::address::Envelope,
    pub bytes: Vec<u8>,
}

/// Builds the reply `post` from the mailbox `from`.
pub(super) fn draft(from: &str, post: &Outgoing) -> Result<Draft, ChannelError> {
    let target = post.reply_to.as_ref().ok_or_else(|| {
        ChannelError::Permanent(
            "an e-mail goes out only as a reply to a member's e-mail (reply_to is missing)".into(),
        )
    })?;
    let to_text = target.author_external_id.as_deref().ok_or_else(|| {
        ChannelError::Permanent("reply_to.author_external_id: no address to answer".into())
    })?;
    let to: Mailbox = to_text.trim().parse().map_err(|e| {
        ChannelError::Permanent(format!(
            "reply_to.author_external_id {to_text:?} is not an e-mail address: {e}"
        ))
    })?;
    let from: Mailbox = from
        .parse()
        .map_err(|e| ChannelError::Permanent(format!("mailbox address {from:?}: {e}")))?;
    let parent = bracketed(&target.external_id).ok_or_else(|| {
        ChannelError::Permanent(format!(
            "reply_to.external_id {:?} is not a Message-ID",
            target.external_id
        ))
    })?;
    let mut references: Vec<String> = target
        .thread_external_id
        .as_deref()
        .and_then(bracketed)
        .into_iter()
        .collect();
    if !references.contains(&parent) {
        references.push(parent.clone());
    }
    let title: String = target
        .title
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let subject = if title.is_empty() {
        "Re: your message".to_owned()
    } else if title.to_lowercase().starts_with("re:") {
        title
    } else {
        format!("Re: {title}")
    };
    let message = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(post.key.clone()))
        .in_reply_to(parent)
        .references(references.join(" "))
        .date_now()
        .header(ContentType::TEXT_PLAIN)
        .body(post.text.clone())
        .map_err(|e| ChannelError::Permanent(format!("building the e-mail: {e}")))?;
    Ok(Draft {
        envelope: message.envelope().clone(),
        bytes: message.formatted(),
    })
}

/// The SMTP transport for `settings`, logging in with the mailbox login.
pub(super) fn transport(
    settings: &Settings,
    username: &str,
    password: &str,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, ChannelError> {
    crate::live::http::install_tls();
    let host = settings.smtp_host.clone();
    let params = || {
        TlsParameters::new_rustls(host.clone())
            .map_err(|e| ChannelError::Permanent(format!("SMTP TLS for {host}: {e}")))
    };
    let tls = match settings.smtp_tls {
        MailTls::None => Tls::None,
        MailTls::Starttls => Tls::Required(params()?),
        MailTls::Tls => Tls::Wrapper(params()?),
    };
    let helo = settings
        .address
        .rsplit_once('@')
        .map_or("localhost", |(_, domain)| domain)
        .to_owned();
    Ok(
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.smtp_host.as_str())
            .port(settings.smtp_port)
            .tls(tls)
            .hello_name(ClientId::Domain(helo))
            .credentials(SmtpCredentials::new(
                username.to_owned(),
                password.to_owned(),
            ))
            .timeout(Some(REQUEST_TIMEOUT))
            .build(),
    )
}

/// Sends `draft`.
pub(super) async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    draft: &Draft,
) -> Result<(), ChannelError> {
    transport
        .send_raw(&draft.envelope, &draft.bytes)
        .await
        .map(|_| ())
        .map_err(smtp_error)
}

/// Connects and logs in without sending (for `verify`).
pub(super) async fn check(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
) -> Result<(), ChannelError> {
    match transport.test_connection().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(ChannelError::Transient(
            "SMTP: the server did not answer NOOP".into(),
        )),
        Err(e) => Err(smtp_error(e)),
    }
}

/// What an SMTP failure means for the runner.
pub(super) fn smtp_error(e: lettre::transport::smtp::Error) -> ChannelError {
    let reason = format!("SMTP: {e}");
    let code: Option<u16> = e.status().and_then(|c| c.to_string().parse().ok());
    match code {
        Some(530 | 534 | 535 | 538) => ChannelError::Unauthorized(reason),
        Some(c @ 400..=499) if c != 421 && looks_rate_limited(&reason) => {
            ChannelError::RateLimited {
                retry_after: wait_in(&reason).unwrap_or(Duration::from_secs(60)),
            }
        }
        Some(400..=499) => ChannelError::Transient(reason),
        Some(_) => ChannelError::Permanent(reason),
        None if e.is_client() || e.is_tls() => ChannelError::Permanent(reason),
        None => ChannelError::Transient(reason),
    }
}

fn looks_rate_limited(text: &str) -> bool {
    let t = text.to_lowercase();
    [
        "rate",
        "too many",
        "try again in",
        "limit exceeded",
        "throttl",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// A wait the server names ("… in 30 seconds", "… in 5 minutes").
fn wait_in(text: &str) -> Option<Duration> {
    let words: Vec<String> = text
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    words.windows(2).find_map(|w| {
        let n: u64 = w[0].parse().ok()?;
        let unit = match w[1].as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hour" | "hours" => 3600,
            _ => return None,
        };
        Some(Duration::from_secs(n.saturating_mul(unit)).min(crate::live::http::MAX_RETRY_AFTER))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn transports_build_for_every_tls_mode_and_plain_tls_mismatch_fails_cleanly() {
        let mut settings = Settings {
            imap_host: "127.0.0.1".into(),
            imap_port: 1,
            imap_tls: MailTls::None,
            smtp_host: "localhost".into(),
            smtp_port: 1,
            smtp_tls: MailTls::None,
            address: "help@example.org".into(),
            folder: "INBOX".into(),
            sent_folder: "Sent".into(),
        };
        for mode in [MailTls::None, MailTls::Starttls, MailTls::Tls] {
            settings.smtp_tls = mode;
            assert!(transport(&settings, "u", "p").is_ok(), "{mode:?}");
        }
        // Implicit TLS against a server that speaks plain text.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        settings.smtp_port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            if let Ok((mut socket, _)) = listener.accept().await {
                let _ = socket.write_all(b"220 plain.example ESMTP\r\n").await;
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        });
        let t = transport(&settings, "u", "p").unwrap();
        let err = check(&t).await.unwrap_err();
        // No panic, no hang: a failed connection, which may pass (Transient).
        assert!(
            matches!(&err, ChannelError::Transient(r) if r.starts_with("SMTP")),
            "{err:?}"
        );
    }

    #[test]
    fn a_named_wait_is_read() {
        assert_eq!(
            wait_in("450 4.7.1 Rate limit exceeded, try again in 30 seconds"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            wait_in("slow down for 2 minutes"),
            Some(Duration::from_secs(120))
        );
        assert_eq!(wait_in("4.7.1 later"), None);
    }
}
