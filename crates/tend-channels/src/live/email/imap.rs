//! The IMAP side: a connection (plain, STARTTLS or implicit TLS through
//! rustls with the platform's roots), login, every call under a timeout, and
//! the mapping of IMAP failures to [`ChannelError`].

use super::{MailTls, Settings};
use crate::live::ChannelError;
use crate::live::http::REQUEST_TIMEOUT;
use async_imap::error::Error as ImapError;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A logged-in IMAP session.
pub(super) type Session = async_imap::Session<Stream>;

/// The connection under a session: plain TCP or TLS.
pub(super) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stream::Plain(_) => "Stream::Plain",
            Stream::Tls(_) => "Stream::Tls",
        })
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Runs one IMAP step under [`REQUEST_TIMEOUT`]; a timeout is `Transient`.
pub(super) async fn timed<T>(
    doing: &str,
    step: impl Future<Output = Result<T, ImapError>>,
) -> Result<T, ChannelError> {
    match tokio::time::timeout(REQUEST_TIMEOUT, step).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(imap_error(doing, e)),
        Err(_) => Err(ChannelError::Transient(format!(
            "IMAP {doing}: no answer within {}s",
            REQUEST_TIMEOUT.as_secs()
        ))),
    }
}

/// What an IMAP failure means for the runner. Response codes (RFC 5530)
/// decide where the server sends them.
pub(super) fn imap_error(doing: &str, e: ImapError) -> ChannelError {
    let reason = format!("IMAP {doing}: {e}");
    match &e {
        ImapError::No(text) | ImapError::Bad(text) => {
            let upper = text.to_uppercase();
            let code = |c: &str| upper.contains(c);
            if code("AUTHENTICATIONFAILED")
                || code("AUTHORIZATIONFAILED")
                || code("EXPIRED")
                || code("PRIVACYREQUIRED")
            {
                ChannelError::Unauthorized(reason)
            } else if code("LIMIT") {
                ChannelError::RateLimited {
                    retry_after: Duration::from_secs(60),
                }
            } else if code("UNAVAILABLE") || code("SERVERBUG") || code("INUSE") {
                ChannelError::Transient(reason)
            } else {
                ChannelError::Permanent(reason)
            }
        }
        ImapError::Validate(_) => ChannelError::Permanent(reason),
        _ => ChannelError::Transient(reason),
    }
}

fn tls_config() -> Result<Arc<rustls::ClientConfig>, ChannelError> {
    use rustls_platform_verifier::ConfigVerifierExt;
    crate::live::http::install_tls();
    rustls::ClientConfig::with_platform_verifier()
        .map(Arc::new)
        .map_err(|e| ChannelError::Permanent(format!("TLS setup: {e}")))
}

async fn tls(host: &str, tcp: TcpStream) -> Result<Stream, ChannelError> {
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|_| ChannelError::Permanent(format!("IMAP host {host:?} is not a TLS name")))?;
    let connector = tokio_rustls::TlsConnector::from(tls_config()?);
    let stream = tokio::time::timeout(REQUEST_TIMEOUT, connector.connect(name, tcp))
        .await
        .map_err(|_| ChannelError::Transient(format!("IMAP TLS handshake with {host}: timeout")))?
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => {
                ChannelError::Permanent(format!("IMAP TLS with {host}: {e}"))
            }
            _ => ChannelError::Transient(format!("IMAP TLS with {host}: {e}")),
        })?;
    Ok(Stream::Tls(Box::new(stream)))
}

/// Connects, upgrades to TLS as configured, logs in.
pub(super) async fn open(
    settings: &Settings,
    username: &str,
    password: &str,
) -> Result<Session, ChannelError> {
    let host = settings.imap_host.as_str();
    let tcp = tokio::time::timeout(
        Duration::from_secs(10),
        TcpStream::connect((host, settings.imap_port)),
    )
    .await
    .map_err(|_| ChannelError::Transient(format!("IMAP connect to {host}: timeout")))?
    .map_err(|e| ChannelError::Transient(format!("IMAP connect to {host}: {e}")))?;
    let stream = match settings.imap_tls {
        MailTls::Tls => tls(host, tcp).await?,
        MailTls::None | MailTls::Starttls => Stream::Plain(tcp),
    };
    let mut client = async_imap::Client::new(stream);
    let greeting = tokio::time::timeout(REQUEST_TIMEOUT, client.read_response())
        .await
        .map_err(|_| ChannelError::Transient(format!("IMAP {host}: no greeting")))?
        .map_err(|e| ChannelError::Transient(format!("IMAP {host}: {e}")))?;
    if greeting.is_none() {
        return Err(ChannelError::Transient(format!(
            "IMAP {host}: closed before its greeting"
        )));
    }
    if settings.imap_tls == MailTls::Starttls {
        timed(
            "STARTTLS",
            client.run_command_and_check_ok("STARTTLS", None),
        )
        .await?;
        let Stream::Plain(tcp) = client.into_inner() else {
            return Err(ChannelError::Permanent("IMAP STARTTLS on TLS".into()));
        };
        client = async_imap::Client::new(tls(host, tcp).await?);
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, client.login(username, password)).await {
        Ok(Ok(session)) => Ok(session),
        Ok(Err((ImapError::No(text), _))) => Err(ChannelError::Unauthorized(format!(
            "IMAP login refused: {text}"
        ))),
        Ok(Err((e, _))) => Err(imap_error("login", e)),
        Err(_) => Err(ChannelError::Transient("IMAP login: timeout".into())),
    }
}

/// `s` as an IMAP quoted string (the caller refused quotes, backslashes and
/// line breaks already; this escapes anyway).
pub(super) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        if !c.is_control() {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// A day as IMAP `SEARCH SINCE` wants it (`7-Dec-2026`, UTC).
pub(super) fn imap_date(t: jiff::Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%-d-%b-%Y")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_dates_and_strings_are_in_imap_form() {
        let t: jiff::Timestamp = "2026-03-05T23:30:00Z".parse().unwrap();
        assert_eq!(imap_date(t), "5-Mar-2026");
        assert_eq!(quoted(r#"<a"b\c@d>"#), r#""<a\"b\\c@d>""#);
    }

    #[test]
    fn response_codes_decide_what_the_runner_does() {
        let no = |t: &str| imap_error("x", ImapError::No(t.into()));
        assert!(matches!(
            no("[AUTHENTICATIONFAILED] Invalid"),
            ChannelError::Unauthorized(_)
        ));
        assert!(matches!(
            no("[UNAVAILABLE] try later"),
            ChannelError::Transient(_)
        ));
        assert!(matches!(
            no("[LIMIT] too many"),
            ChannelError::RateLimited { .. }
        ));
        assert!(matches!(
            no("[NONEXISTENT] no such mailbox"),
            ChannelError::Permanent(_)
        ));
    }
}
