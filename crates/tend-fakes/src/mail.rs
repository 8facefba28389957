//! The support mailbox's real servers, for the e-mail connector's tests:
//! pymap (IMAP, in-memory `dict` backend, IDLE supported) and aiosmtpd (SMTP)
//! from the venv `scripts/servers.sh` installs (`$TEND_MAIL_VENV`), both on
//! free loopback ports.
//!
//! - pymap runs with one account, [`MailServers::USER`] /
//!   [`MailServers::PASSWORD`] (its `--demo-user`/`--demo-password`, without
//!   the demo data), and a `Sent` folder created at start, so the mailbox is
//!   empty but for what a test puts there.
//! - aiosmtpd runs a small handler of ours ([`SMTP_SINK`]): it takes AUTH
//!   PLAIN/LOGIN with the same login (over plain text, on loopback only),
//!   keeps every message it accepts in a Maildir the test reads
//!   ([`MailServers::received`]), and answers like a real relay under load for
//!   two reserved recipients: `ratelimit@…` gets `450 4.7.1 … try again in 30
//!   seconds`, `broken@…` gets `451 4.3.0` (a server error).
//! - A test "receives a member e-mail" with [`MailServers::deliver`] (IMAP
//!   APPEND of an RFC 5322 message into a folder, as a delivery agent does).
//! - Two variants: [`MailServers::start_without_idle`] runs pymap without the
//!   IDLE capability (through [`PYMAP_NO_IDLE`], pymap's `disable_idle`
//!   option is not wired to anything), for the polling fallback;
//!   [`MailServers::start_starttls`] runs it with STARTTLS and a self-signed
//!   certificate made by the `openssl` command, which a client that checks
//!   certificates must refuse.

use crate::process::{Spawned, free_port};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::net::TcpStream;

/// The aiosmtpd handler: accepts AUTH with the one login, stores mail in a
/// Maildir, answers 450/451 for the reserved recipients (see the module doc).
pub const SMTP_SINK: &str = r#"
import asyncio, mailbox, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

host, port, maildir, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

class Sink:
    def __init__(self):
        self.box = mailbox.Maildir(maildir, create=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split('@')[0].lower()
        if local == 'ratelimit':
            return '450 4.7.1 Rate limit exceeded for this sender, try again in 30 seconds'
        if local == 'broken':
            return '451 4.3.0 Temporary local problem, please try again'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        self.box.add(envelope.original_content or envelope.content)
        return '250 2.0.0 Message accepted for delivery'

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and \
        auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok)

controller = Controller(Sink(), hostname=host, port=port, authenticator=authenticator,
                        auth_require_tls=False, auth_required=True)
controller.start()
print('listening', flush=True)
try:
    asyncio.new_event_loop().run_forever()
finally:
    controller.stop()
"#;

/// pymap started without the IDLE capability (its dict backend declares
/// IDLE in `backend_capability`; this replaces that property).
pub const PYMAP_NO_IDLE: &str = r#"
import sys
from pymap.backend.dict import Config
from pymap.config import BackendCapability
Config.backend_capability = property(
    lambda self: BackendCapability(idle=False, object_id=True, multi_append=True))
from pymap.main import main
sys.argv[0] = 'pymap'
main()
"#;

/// How pymap runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Imap {
    Plain,
    NoIdle,
    Starttls,
}

/// pymap and aiosmtpd, running; both end when this is dropped.
pub struct MailServers {
    imap: Spawned,
    smtp: Spawned,
    /// The IMAP port on 127.0.0.1 (plain text, no TLS).
    pub imap_port: u16,
    /// The SMTP port on 127.0.0.1 (plain text, AUTH required).
    pub smtp_port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl MailServers {
    /// The mailbox's login (also its address).
    pub const USER: &'static str = "support@tend.test";
    /// Its password.
    pub const PASSWORD: &'static str = "mail-secret-42";

    /// Starts both servers from the venv at `venv` and creates the `Sent`
    /// folder; fails with the server's log when one does not come up.
    pub async fn start(venv: &Path) -> anyhow::Result<MailServers> {
        Self::start_as(venv, Imap::Plain).await
    }

    /// Like [`MailServers::start`], with an IMAP server that lacks IDLE.
    pub async fn start_without_idle(venv: &Path) -> anyhow::Result<MailServers> {
        Self::start_as(venv, Imap::NoIdle).await
    }

    /// Like [`MailServers::start`], with an IMAP server that offers STARTTLS
    /// with a self-signed certificate for `localhost` (and refuses LOGIN
    /// before it). No `Sent` folder is made. Needs the `openssl` command.
    pub async fn start_starttls(venv: &Path) -> anyhow::Result<MailServers> {
        Self::start_as(venv, Imap::Starttls).await
    }

    async fn start_as(venv: &Path, kind: Imap) -> anyhow::Result<MailServers> {
        let dir = tempfile::tempdir()?;
        let (imap_port, smtp_port) = (free_port()?, free_port()?);
        let mut cmd = match kind {
            Imap::NoIdle => {
                let mut cmd = tokio::process::Command::new(venv.join("bin/python"));
                cmd.args(["-c", PYMAP_NO_IDLE]);
                cmd
            }
            Imap::Plain | Imap::Starttls => tokio::process::Command::new(venv.join("bin/pymap")),
        };
        cmd.args(["--host", "127.0.0.1", "--port"])
            .arg(imap_port.to_string());
        if kind == Imap::Starttls {
            let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            let made = tokio::process::Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                ])
                .args(["-subj", "/CN=localhost", "-keyout"])
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .output()
                .await
                .context("running openssl to make a test certificate")?;
            if !made.status.success() {
                anyhow::bail!("openssl: {}", String::from_utf8_lossy(&made.stderr));
            }
            cmd.arg("--cert").arg(cert).arg("--key").arg(key);
        } else {
            cmd.arg("--no-tls");
        }
        cmd.args(["dict", "--demo-user", Self::USER])
            .args(["--demo-password", Self::PASSWORD]);
        let mut imap = Spawned::start("pymap", cmd, &dir.path().join("pymap.log"))?;
        let script = dir.path().join("smtp_sink.py");
        std::fs::write(&script, SMTP_SINK)?;
        let maildir = dir.path().join("received");
        let mut cmd = tokio::process::Command::new(venv.join("bin/python"));
        cmd.arg(&script)
            .args(["127.0.0.1", &smtp_port.to_string()])
            .arg(&maildir)
            .args([Self::USER, Self::PASSWORD]);
        let mut smtp = Spawned::start("aiosmtpd", cmd, &dir.path().join("smtp.log"))?;
        imap.wait_tcp(imap_port, Duration::from_secs(20)).await?;
        smtp.wait_tcp(smtp_port, Duration::from_secs(20)).await?;
        let servers = MailServers {
            imap,
            smtp,
            imap_port,
            smtp_port,
            maildir,
            _dir: dir,
        };
        if kind != Imap::Starttls {
            let mut session = servers.session().await?;
            session.create("Sent").await.context("creating Sent")?;
            session.logout().await?;
        }
        Ok(servers)
    }

    /// A logged-in IMAP session on the mailbox (for a test to look inside).
    pub async fn session(&self) -> anyhow::Result<async_imap::Session<TcpStream>> {
        let tcp = TcpStream::connect(("127.0.0.1", self.imap_port)).await?;
        let mut client = async_imap::Client::new(tcp);
        client
            .read_response()
            .await?
            .context("pymap sent no greeting")?;
        client
            .login(Self::USER, Self::PASSWORD)
            .await
            .map_err(|(e, _)| anyhow::anyhow!("IMAP login: {e}\n{}", self.imap.log_tail()))
    }

    /// Delivers `raw` (an RFC 5322 message) into `folder`, as the mailbox's
    /// delivery agent would when a member writes.
    pub async fn deliver(&self, folder: &str, raw: &[u8]) -> anyhow::Result<()> {
        self.deliver_dated(folder, raw, None).await
    }

    /// Like [`MailServers::deliver`], with the server's arrival time (IMAP
    /// INTERNALDATE, what `SEARCH SINCE` looks at) set, e.g.
    /// `"01-Jan-2020 10:00:00 +0000"`.
    pub async fn deliver_dated(
        &self,
        folder: &str,
        raw: &[u8],
        arrived: Option<&str>,
    ) -> anyhow::Result<()> {
        let mut session = self.session().await?;
        let arrived = arrived.map(|a| format!("\"{a}\""));
        session
            .append(folder, None, arrived.as_deref(), raw)
            .await
            .with_context(|| format!("APPEND to {folder}"))?;
        session.logout().await?;
        Ok(())
    }

    /// Delivers every message of `raws` into `folder`, in order, over one
    /// IMAP session (a pymap login costs about half a second).
    pub async fn deliver_all(&self, folder: &str, raws: &[Vec<u8>]) -> anyhow::Result<()> {
        let mut session = self.session().await?;
        for raw in raws {
            session
                .append(folder, None, None, raw)
                .await
                .with_context(|| format!("APPEND to {folder}"))?;
        }
        session.logout().await?;
        Ok(())
    }

    /// How many messages `folder` holds.
    pub async fn count(&self, folder: &str) -> anyhow::Result<u32> {
        let mut session = self.session().await?;
        let mailbox = session.examine(folder).await?;
        session.logout().await?;
        Ok(mailbox.exists)
    }

    /// Every message the SMTP server accepted so far, oldest first.
    pub fn received(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        let new = self.maildir.join("new");
        if !new.exists() {
            return Ok(Vec::new());
        }
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&new)?
            .filter_map(|e| e.ok())
            .map(|e| {
                let at = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                (at, e.path())
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, p)| std::fs::read(&p).with_context(|| format!("reading {p:?}")))
            .collect()
    }

    /// The servers' logs, for a failure message.
    pub fn logs(&self) -> String {
        format!(
            "--- pymap ---\n{}\n--- aiosmtpd ---\n{}",
            self.imap.log_tail(),
            self.smtp.log_tail()
        )
    }

    /// Stops both servers.
    pub async fn stop(self) {
        self.imap.stop().await;
        self.smtp.stop().await;
    }
}
