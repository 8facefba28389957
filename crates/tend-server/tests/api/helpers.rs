//! `spawn_app`: a real server on 127.0.0.1:0 over a fresh SQLite database, and a
//! seeded workspace pair with one teammate per role, to test through real HTTP.

use jiff::{Timestamp, ToSpan as _};
use secrecy::SecretString;
use std::net::SocketAddr;
use std::sync::Arc;
use tend_core::channels::secrets::SecretBox;
use tend_domain::*;
use tend_server::AppState;
use tend_store::prelude::*;

pub const PASSWORD: &str = "correct horse battery";

/// The instant every test app's clock is pinned to, so no test depends on the
/// calendar. It lies before the seed's conversations (2026-12-01), which are
/// therefore outside every "last N days" dashboard window.
pub const TEST_NOW: &str = "2026-11-25T12:00:00Z";

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    /// The database, for opening it again as another process would.
    pub db_url: String,
    /// The app's pinned clock (starts at [`TEST_NOW`]; tests may move it).
    pub clock: Clock,
    /// The key the app seals live channels' credentials with.
    pub secrets: SecretBox,
    _dir: tempfile::TempDir,
}

/// A signed-in browser: the session cookie and the CSRF token of the session.
#[derive(Clone, Debug)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// The app's "now".
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str, who: &Browser) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", &who.cookie)
            .send()
            .await
            .unwrap()
    }

    /// A form POST with the session's CSRF token added.
    pub async fn post_form(
        &self,
        path: &str,
        who: &Browser,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &who.csrf));
        self.client
            .post(self.url(path))
            .header("cookie", &who.cookie)
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// A JSON call from the browser (cookie + CSRF header).
    pub async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        who: &Browser,
        body: serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .header("cookie", &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Logs in through the form, as a browser would.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        let form = self.client.get(self.url("/login")).send().await.unwrap();
        let login_cookie = set_cookie(&form, "tend_login").expect("login cookie");
        let html = form.text().await.unwrap();
        let csrf = attr(&html, "name=\"csrf\" value=\"").expect("csrf field");
        self.client
            .post(self.url("/login"))
            .header("cookie", format!("tend_login={login_cookie}"))
            .form(&[
                ("email", email),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Logs in and reads the session's CSRF token from a page.
    pub async fn browser(&self, email: &str) -> Browser {
        let res = self.login(email, PASSWORD).await;
        assert_eq!(res.status(), 303, "login of {email}");
        let cookie = format!("tend_session={}", set_cookie(&res, "tend_session").unwrap());
        let page = self
            .client
            .get(self.url("/settings/tokens"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = attr(&page, "data-csrf=\"").unwrap();
        Browser { cookie, csrf }
    }
}

/// The value a response sets for cookie `name`.
pub fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))
                .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
        })
}

/// The text after `prefix` up to the next `"`.
pub fn attr(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|s| s).await
}

pub async fn spawn_with(configure: impl FnOnce(AppState) -> AppState) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let store = tend_store::open(&db_url, 4).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let clock = Clock::pinned(TEST_NOW.parse().unwrap());
    let secrets = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
    let state = configure(
        AppState::new(store.clone(), "test")
            .with_clock(clock.clone())
            .with_secrets(secrets.clone()),
    );
    tokio::spawn(tend_server::serve(listener, state, std::future::pending()));
    TestApp {
        addr,
        client: tend_core::http::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        store,
        db_url,
        clock,
        secrets,
        _dir: dir,
    }
}

/// Two workspaces: Acme with one teammate per role and a few conversations, and
/// Globex with its own admin and one conversation.
pub struct Seed {
    pub acme: Workspace,
    pub globex: Workspace,
    pub x: Channel,
    /// Acme's messages by external id order: m1 (root), m2 (reply to m1), m3 (xss), m4.
    pub m: Vec<MessageId>,
    pub globex_message: MessageId,
    pub users: Vec<(Role, User)>,
    pub globex_admin: User,
}

impl Seed {
    pub fn email(role: Role) -> String {
        format!("{}@acme.se", role.as_str().replace('_', "-"))
    }
    pub fn user(&self, role: Role) -> &User {
        &self.users.iter().find(|(r, _)| *r == role).unwrap().1
    }
}

pub async fn seed(app: &TestApp) -> Seed {
    let store = &*app.store;
    let password = SecretString::from(PASSWORD.to_owned());
    let mut users = Vec::new();
    for role in Role::ALL {
        let (user, _) = tend_core::accounts::add_teammate(
            store,
            &tend_core::accounts::NewTeammate {
                email: &Seed::email(role),
                name: &format!("Acme {}", role.as_str()),
                locale: "en",
                password: &password,
                workspace_slug: "acme",
                time_zone: "Europe/Stockholm",
                role,
            },
        )
        .await
        .unwrap();
        users.push((role, user));
    }
    let (globex_admin, globex) = tend_core::accounts::add_teammate(
        store,
        &tend_core::accounts::NewTeammate {
            email: "admin@globex.com",
            name: "Globex admin",
            locale: "en",
            password: &password,
            workspace_slug: "globex",
            time_zone: "UTC",
            role: Role::Admin,
        },
    )
    .await
    .unwrap();
    let acme = store.workspace_by_slug("acme").await.unwrap();
    let x = store
        .create_channel(&NewChannel::new(acme.id, ChannelKind::X, "X").unwrap())
        .await
        .unwrap();
    let gx = store
        .create_channel(&NewChannel::new(globex.id, ChannelKind::X, "X").unwrap())
        .await
        .unwrap();
    let mut evil = NewIdentity::new(acme.id, ChannelKind::X, "evil").unwrap();
    evil.display_name = Some("<img src=x onerror=alert(1)>".into());
    evil.profile_url = Some("javascript:alert(1)".into());
    evil.followers = Some(12_345);
    let evil = store.upsert_identity(&evil).await.unwrap();
    let kim = store
        .upsert_identity(&NewIdentity::new(acme.id, ChannelKind::X, "kim").unwrap())
        .await
        .unwrap();
    let t0: Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
    let signals = |label, toxicity, question| Signals {
        sentiment: match label {
            SentimentLabel::Positive => 0.6,
            SentimentLabel::Negative => -0.6,
            SentimentLabel::Neutral => 0.0,
        },
        sentiment_label: label,
        toxicity,
        spam: 0.0,
        question,
    };
    let mut m1 = NewMessage::new(
        x.id,
        "m1",
        MessageKind::Mention,
        "Where is my refund? #billing",
        t0,
    );
    m1.author_id = Some(kim.id);
    m1.signals = Some(signals(SentimentLabel::Negative, 0.0, true));
    m1.lang = Some("en".into());
    let mut m2 = NewMessage::new(
        x.id,
        "m2",
        MessageKind::Reply,
        "Still waiting for the refund",
        t0 + 1.hour(),
    );
    m2.author_id = Some(kim.id);
    m2.parent_external_id = Some("m1".into());
    m2.thread_external_id = Some("m1".into());
    m2.signals = Some(signals(SentimentLabel::Negative, 0.0, false));
    let mut m3 = NewMessage::new(
        x.id,
        "m3",
        MessageKind::Mention,
        "<script>alert('xss')</script> you idiots",
        t0 + 2.hours(),
    );
    m3.author_id = Some(evil.id);
    m3.permalink = Some("javascript:alert(2)".into());
    m3.title = Some("<b>bold</b>".into());
    m3.signals = Some(signals(SentimentLabel::Negative, 0.9, false));
    let mut m4 = NewMessage::new(
        x.id,
        "m4",
        MessageKind::Mention,
        "Hej, tack för hjälpen!",
        t0 + 3.hours(),
    );
    m4.signals = Some(signals(SentimentLabel::Positive, 0.0, false));
    m4.lang = Some("sv".into());
    let m: Vec<MessageId> = store
        .upsert_messages(acme.id, &[m1, m2, m3, m4])
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    let globex_message = store
        .upsert_messages(
            globex.id,
            &[NewMessage::new(
                gx.id,
                "g1",
                MessageKind::Mention,
                "globex refund secret",
                t0,
            )],
        )
        .await
        .unwrap()[0]
        .id;
    Seed {
        acme,
        globex,
        x,
        m,
        globex_message,
        users,
        globex_admin,
    }
}

/// Undoes HTML escaping (named and numeric forms askama may use), to check that
/// escaped text reads as the original.
pub fn unescape(html: &str) -> String {
    let mut s = html.to_owned();
    for (from, to) in [
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&amp;", "&"),
        ("&#38;", "&"),
    ] {
        s = s.replace(from, to);
    }
    s
}
