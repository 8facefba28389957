//! Outgoing HTTP: every `reqwest` client Tend builds comes from here, so TLS is
//! set up once. reqwest is built with rustls and no crypto provider of its own
//! (`rustls-no-provider`); [`client_builder`] installs `ring` as the process's
//! provider first. Certificates are checked against the system's roots. The
//! connectors' clients come from the same place (`tend_channels::live::http`).

/// A client builder with TLS ready. Use it instead of `reqwest::Client::builder()`:
/// a client built before the provider is installed would panic.
pub fn client_builder() -> reqwest::ClientBuilder {
    tend_channels::live::http::client_builder()
}

/// A client with reqwest's defaults (see [`client_builder`]).
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    client_builder().build()
}

/// POSTs a JSON `body` to a webhook `url`: `Ok` on a 2xx answer, else the reason
/// in a line a teammate can act on (no answer in time, no connection and why, the
/// status the receiver answered).
pub async fn post_json(
    http: &reqwest::Client,
    url: &str,
    body: String,
    timeout: std::time::Duration,
) -> Result<(), String> {
    let response = http
        .post(url)
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} s", timeout.as_secs())
            } else if e.is_connect() {
                format!("could not connect: {}", chain(&e))
            } else {
                chain(&e)
            }
        })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered HTTP {status}"))
    }
}

/// An error with its causes, `: `-separated.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Installs rustls' crypto provider once (shared with the connectors).
pub fn install_tls() {
    tend_channels::live::http::install_tls();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_can_be_built_after_installing() {
        assert!(client_builder().build().is_ok());
        // A second call is harmless.
        install_tls();
        assert!(client_builder().https_only(true).build().is_ok());
    }

    /// Regression: reqwest was built without TLS, so every https:// webhook
    /// failed before a byte was sent. Now the client opens a TLS handshake.
    #[tokio::test]
    async fn an_https_url_starts_a_tls_handshake() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let wait = std::time::Duration::from_secs(5);
            let (mut socket, _) = tokio::time::timeout(wait, listener.accept())
                .await
                .expect("the client connects")
                .unwrap();
            let mut first = [0u8; 3];
            socket.read_exact(&mut first).await.unwrap();
            first
        });
        let sent = client()
            .unwrap()
            .post(format!("https://127.0.0.1:{port}/hook"))
            .timeout(std::time::Duration::from_secs(5))
            .body("{}")
            .send();
        // The server hangs up after reading the record header, so the request fails.
        let (sent, first) = tokio::join!(sent, server);
        assert!(sent.is_err());
        // A TLS record of type handshake (22), protocol version 3.x.
        assert_eq!(&first.unwrap()[..2], &[0x16, 0x03]);
    }
}
