//! A small client for the Chrome DevTools Protocol: starts Debian's Chromium
//! headless on loopback and drives one page over a WebSocket with untyped JSON.
//!
//! Untyped on purpose: Debian updates Chromium often, and typed protocol crates
//! break when a newer browser sends fields or events they do not know. The dozen
//! methods used here (`Page.navigate`, `Runtime.evaluate`, `Input.*`,
//! `Page.captureScreenshot` …) have been stable for years.
//!
//! No sleeps: every wait is for a protocol event (`Page.loadEventFired`) or a DOM
//! condition watched by a `MutationObserver` in the page, bounded by [`TIMEOUT`].

use base64::Engine as _;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// The longest any single step may take (generous: debug builds on two cores).
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The viewport (CSS pixels); screenshots are this wide and at least this high.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

/// Installed in every document before its own scripts: records Content Security
/// Policy violations, so a test can tell "blocked by the CSP" from "never tried".
const RECORD_VIOLATIONS: &str = r#"
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sample || ""));
  // A DOM change, so waits (which watch the DOM) notice it.
  document.documentElement.dataset.cspViolations = String(window.__cspViolations.length);
});
"#;

/// The browser to use: `TEND_CHROMIUM`, or `None` (with the reason printed) when it
/// is not set. `TEND_REQUIRE_BROWSER` (set by `scripts/test.sh`) makes a missing
/// browser a failure instead.
pub fn chromium_path(test: &str) -> Option<PathBuf> {
    match std::env::var("TEND_CHROMIUM") {
        Ok(p) if !p.trim().is_empty() => {
            let path = PathBuf::from(p.trim());
            assert!(
                path.exists(),
                "TEND_CHROMIUM={} does not exist",
                path.display()
            );
            Some(path)
        }
        _ => {
            assert!(
                std::env::var("TEND_REQUIRE_BROWSER").is_err(),
                "TEND_REQUIRE_BROWSER is set but TEND_CHROMIUM is not (scripts/chromium.sh sets both)"
            );
            eprintln!(
                "{test}: TEND_CHROMIUM not set; browser test skipped (scripts/test.sh installs Chromium and sets it)"
            );
            None
        }
    }
}

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// One DevTools connection (the browser's or a page's): commands with ids, and
/// every event received, in order.
struct Conn {
    ws: Socket,
    next_id: u64,
    events: Vec<Value>,
}

impl Conn {
    async fn open(url: &str) -> Conn {
        let (ws, _) = tokio::time::timeout(TIMEOUT, connect_async(url))
            .await
            .expect("connecting to the DevTools socket timed out")
            .expect("connecting to the DevTools socket");
        Conn {
            ws,
            next_id: 1,
            events: Vec::new(),
        }
    }

    async fn send(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let msg = json!({ "id": id, "method": method, "params": params });
        self.ws
            .send(Message::text(msg.to_string()))
            .await
            .expect("writing to the DevTools socket");
        id
    }

    /// Reads one protocol message. Events are kept; a JavaScript dialog is
    /// recorded (as an event) and dismissed at once, so a page can never hang on one.
    async fn read(&mut self) -> Value {
        loop {
            let msg = self
                .ws
                .next()
                .await
                .expect("the browser closed the DevTools socket")
                .expect("reading the DevTools socket");
            let text = match msg {
                Message::Text(t) => t.to_string(),
                Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
                Message::Close(_) => panic!("the browser closed the DevTools socket"),
                _ => continue,
            };
            let value: Value = serde_json::from_str(&text).expect("DevTools sent JSON");
            if value.get("method").is_some() {
                self.events.push(value.clone());
                if value["method"] == "Page.javascriptDialogOpening" {
                    self.send("Page.handleJavaScriptDialog", json!({ "accept": false }))
                        .await;
                }
            }
            return value;
        }
    }

    /// Sends a command and waits for its result (panics on a protocol error).
    async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params.clone()).await;
        let wait = async {
            loop {
                let msg = self.read().await;
                if msg.get("id").and_then(Value::as_u64) == Some(id) {
                    if let Some(error) = msg.get("error") {
                        panic!("{method} {params} failed: {error}");
                    }
                    return msg["result"].clone();
                }
            }
        };
        tokio::time::timeout(TIMEOUT, wait)
            .await
            .unwrap_or_else(|_| panic!("{method} timed out"))
    }

    /// Waits for an event named `method` that arrived after the first `since` events.
    async fn wait_event(&mut self, method: &str, since: usize) -> Value {
        let wait = async {
            let mut seen = since;
            loop {
                if let Some(e) = self.events[seen..].iter().find(|e| e["method"] == method) {
                    return e.clone();
                }
                seen = self.events.len();
                self.read().await;
            }
        };
        tokio::time::timeout(TIMEOUT, wait)
            .await
            .unwrap_or_else(|_| panic!("no {method} within {TIMEOUT:?}"))
    }
}

/// A headless Chromium with its own throwaway profile; killed when dropped.
pub struct Chromium {
    child: Child,
    browser: Conn,
    /// `127.0.0.1:port` of the DevTools server.
    devtools: String,
    _profile: tempfile::TempDir,
}

impl Chromium {
    /// Starts the browser at `path` and connects to it.
    pub async fn launch(path: &Path) -> Chromium {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(path)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--mute-audio",
                "--hide-scrollbars",
                &format!("--window-size={WIDTH},{HEIGHT}"),
                &format!("--user-data-dir={}", profile.path().display()),
                "about:blank",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", path.display()));
        // Chromium prints the DevTools address on stderr. A thread reads it and
        // keeps draining stderr afterwards so the browser never blocks on a full pipe.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<String, String>>();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            let mut seen = Vec::new();
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(Ok(url.trim().to_owned()));
                    }
                } else if tx.is_some() {
                    seen.push(line);
                }
            }
            if let Some(tx) = tx.take() {
                let _ = tx.send(Err(seen.join("\n")));
            }
        });
        let url = match tokio::time::timeout(TIMEOUT, rx).await {
            Ok(Ok(Ok(url))) => url,
            Ok(Ok(Err(output))) => panic!("Chromium exited before listening:\n{output}"),
            Ok(Err(_)) => panic!("Chromium's stderr reader stopped"),
            Err(_) => panic!("Chromium did not start within {TIMEOUT:?}"),
        };
        let devtools = url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .expect("a ws:// DevTools address")
            .to_owned();
        assert!(
            devtools.starts_with("127.0.0.1:"),
            "DevTools must listen on loopback only, got {devtools}"
        );
        let mut browser = Conn::open(&url).await;
        let version = browser.call("Browser.getVersion", json!({})).await;
        println!("{} on {devtools}", version["product"]);
        Chromium {
            browser,
            child,
            devtools,
            _profile: profile,
        }
    }

    /// Opens a new tab, with `accept_language` sent on every request (the language
    /// a signed-out visitor gets), saving screenshots under `shots`.
    pub async fn page(&mut self, accept_language: &str, shots: Screenshots) -> Page {
        let target = self
            .browser
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let id = target["targetId"].as_str().expect("a target id");
        let conn = Conn::open(&format!("ws://{}/devtools/page/{id}", self.devtools)).await;
        let mut page = Page {
            conn,
            shots,
            width: WIDTH,
        };
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Network.enable",
            "Log.enable",
        ] {
            page.conn.call(domain, json!({})).await;
        }
        page.conn
            .call(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": RECORD_VIOLATIONS }),
            )
            .await;
        page.conn
            .call(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": false }),
            )
            .await;
        let ua = self.browser.call("Browser.getVersion", json!({})).await;
        page.conn
            .call(
                "Network.setUserAgentOverride",
                json!({ "userAgent": ua["userAgent"], "acceptLanguage": accept_language }),
            )
            .await;
        page
    }

    /// Closes the browser and waits for it to exit.
    pub async fn close(mut self) {
        self.browser.send("Browser.close", json!({})).await;
        let _ = self.child.wait();
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // After `close` this finds the process gone; after a failed test it ends it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where a test's screenshots go: `<target dir>/screenshots/<test>/`, emptied
/// when the test starts.
#[derive(Clone)]
pub struct Screenshots {
    dir: PathBuf,
}

impl Screenshots {
    pub fn for_test(test: &str) -> Screenshots {
        // CARGO_TARGET_TMPDIR is `<target dir>/tmp`.
        let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("the target dir");
        let dir = target.join("screenshots").join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        println!("{test}: screenshots in {}", dir.display());
        Screenshots { dir }
    }
}

/// One tab.
pub struct Page {
    conn: Conn,
    shots: Screenshots,
    /// The viewport's width (screenshots are at least this wide).
    width: u32,
}

impl Page {
    /// Navigates to `url` and waits for the page's load event.
    pub async fn goto(&mut self, url: &str) {
        let since = self.conn.events.len();
        let r = self.conn.call("Page.navigate", json!({ "url": url })).await;
        if let Some(error) = r.get("errorText") {
            panic!("navigating to {url}: {error}");
        }
        self.conn.wait_event("Page.loadEventFired", since).await;
    }

    /// Runs `action` (a click, a key) that makes the page navigate, and waits for
    /// the new page's load event.
    pub async fn navigating<F>(&mut self, action: F)
    where
        F: AsyncFnOnce(&mut Page),
    {
        let since = self.conn.events.len();
        action(self).await;
        self.conn.wait_event("Page.loadEventFired", since).await;
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value.
    pub async fn eval(&mut self, expression: &str) -> Value {
        let r = self
            .conn
            .call(
                "Runtime.evaluate",
                json!({
                    "expression": expression,
                    "returnByValue": true,
                    "awaitPromise": true,
                }),
            )
            .await;
        if let Some(e) = r.get("exceptionDetails") {
            panic!("evaluating {expression}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Waits until `condition` (a JavaScript expression) is truthy, re-checking on
    /// every DOM change.
    pub async fn wait_until(&mut self, condition: &str) {
        let ms = TIMEOUT.as_millis() - 1000;
        let js = format!(
            r#"new Promise((resolve, reject) => {{
                const ok = () => {{ try {{ return !!({condition}); }} catch (e) {{ return false; }} }};
                if (ok()) return resolve(true);
                const obs = new MutationObserver(() => {{ if (ok()) {{ obs.disconnect(); resolve(true); }} }});
                obs.observe(document, {{ childList: true, subtree: true, attributes: true, characterData: true }});
                setTimeout(() => {{ obs.disconnect(); reject(new Error("timed out waiting for: " + {cond})); }}, {ms});
            }})"#,
            cond = serde_json::to_string(condition).unwrap(),
        );
        self.eval(&js).await;
    }

    /// Waits for an element matching `selector`.
    pub async fn wait_for(&mut self, selector: &str) {
        self.wait_until(&format!("document.querySelector({})", js_str(selector)))
            .await;
    }

    /// Clicks the middle of the element matching `selector` with the mouse.
    pub async fn click(&mut self, selector: &str) {
        self.wait_for(selector).await;
        let at = self
            .eval(&format!(
                r#"(() => {{
                    const el = document.querySelector({});
                    el.scrollIntoView({{ block: "center" }});
                    // The first line box: an inline link may wrap onto two lines.
                    const r = el.getClientRects()[0] || el.getBoundingClientRect();
                    const [x, y] = [r.left + r.width / 2, r.top + r.height / 2];
                    const hit = document.elementFromPoint(x, y);
                    const what = hit ? hit.outerHTML.slice(0, 200) : "nothing";
                    return [x, y, el === hit || el.contains(hit) ? "" : what];
                }})()"#,
                js_str(selector)
            ))
            .await;
        assert_eq!(
            at[2], "",
            "clicking {selector}: another element is on top of it"
        );
        let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
        for kind in ["mousePressed", "mouseReleased"] {
            self.conn
                .call(
                    "Input.dispatchMouseEvent",
                    json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
                )
                .await;
        }
    }

    /// Clicks into the field matching `selector` and types `text` into it.
    pub async fn type_into(&mut self, selector: &str, text: &str) {
        self.click(selector).await;
        self.type_text(text).await;
    }

    /// Types `text` into whatever has the focus.
    pub async fn type_text(&mut self, text: &str) {
        self.conn
            .call("Input.insertText", json!({ "text": text }))
            .await;
    }

    /// Presses and releases one key: a single character, or `Enter` / `Escape`.
    pub async fn press(&mut self, key: &str) {
        let (code, vk, text) = match key {
            "Enter" => ("Enter".to_owned(), 13, "\r".to_owned()),
            "Escape" => ("Escape".to_owned(), 27, String::new()),
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_lowercase() => {
                let c = k.as_bytes()[0];
                (
                    format!("Key{}", k.to_ascii_uppercase()),
                    i64::from(c.to_ascii_uppercase()),
                    k.to_owned(),
                )
            }
            other => panic!("press: key {other:?} not mapped"),
        };
        let down = if text.is_empty() {
            "rawKeyDown"
        } else {
            "keyDown"
        };
        self.conn
            .call(
                "Input.dispatchKeyEvent",
                json!({ "type": down, "key": key, "code": code, "text": text,
                        "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk }),
            )
            .await;
        self.conn
            .call(
                "Input.dispatchKeyEvent",
                json!({ "type": "keyUp", "key": key, "code": code,
                        "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk }),
            )
            .await;
    }

    /// Chooses the option whose text is `label` in the select matching `selector`.
    pub async fn select_option(&mut self, selector: &str, label: &str) {
        self.wait_for(selector).await;
        let found = self
            .eval(&format!(
                r#"(() => {{
                    const s = document.querySelector({});
                    const o = Array.from(s.options).find((o) => o.text.trim() === {});
                    if (!o) return false;
                    s.value = o.value;
                    s.dispatchEvent(new Event("input", {{ bubbles: true }}));
                    s.dispatchEvent(new Event("change", {{ bubbles: true }}));
                    return true;
                }})()"#,
                js_str(selector),
                js_str(label)
            ))
            .await;
        assert_eq!(found, json!(true), "no option {label:?} in {selector}");
    }

    /// The page's URL.
    pub async fn url(&mut self) -> String {
        self.eval("location.href")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The visible text of the page (`document.body.innerText`).
    pub async fn text(&mut self) -> String {
        self.eval("document.body.innerText")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The visible text of the first element matching `selector`.
    pub async fn text_of(&mut self, selector: &str) -> String {
        self.wait_for(selector).await;
        self.eval(&format!(
            "document.querySelector({}).innerText",
            js_str(selector)
        ))
        .await
        .as_str()
        .unwrap()
        .to_owned()
    }

    /// Number of elements matching `selector`.
    pub async fn count(&mut self, selector: &str) -> u64 {
        self.eval(&format!(
            "document.querySelectorAll({}).length",
            js_str(selector)
        ))
        .await
        .as_u64()
        .unwrap()
    }

    /// JavaScript dialogs (alert, confirm, prompt) opened so far, with their messages.
    pub fn dialogs(&self) -> Vec<String> {
        self.events("Page.javascriptDialogOpening")
            .map(|e| e["params"]["message"].to_string())
            .collect()
    }

    /// Uncaught JavaScript exceptions so far.
    pub fn exceptions(&self) -> Vec<String> {
        self.events("Runtime.exceptionThrown")
            .map(|e| e["params"]["exceptionDetails"].to_string())
            .collect()
    }

    /// Response headers of the last document (page) loaded.
    pub fn last_document_headers(&self) -> Value {
        self.events("Network.responseReceived")
            .filter(|e| e["params"]["type"] == "Document")
            .last()
            .map(|e| e["params"]["response"]["headers"].clone())
            .expect("a document response")
    }

    /// Errors the browser logged so far, on every page this tab showed: failed
    /// loads, Content Security Policy violations (source `security`) …
    pub fn logged_errors(&self) -> Vec<String> {
        self.events("Log.entryAdded")
            .filter(|e| e["params"]["entry"]["level"] == "error")
            .map(|e| {
                let entry = &e["params"]["entry"];
                format!("{}: {} ({})", entry["source"], entry["text"], entry["url"])
            })
            .collect()
    }

    fn events(&self, method: &str) -> impl Iterator<Item = &Value> {
        self.conn
            .events
            .iter()
            .filter(move |e| e["method"] == method)
    }

    /// Shows the page as a phone of `width` × `height` CSS pixels would (touch,
    /// mobile viewport), or with `None` as the desktop of the other tests.
    pub async fn phone(&mut self, size: Option<(u32, u32)>) {
        let (width, height, mobile) = match size {
            Some((w, h)) => (w, h, true),
            None => (WIDTH, HEIGHT, false),
        };
        self.width = width;
        self.conn
            .call(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
            )
            .await;
    }

    /// Saves a PNG of the whole page (beyond the viewport) as `<name>.png`.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        let metrics = self.conn.call("Page.getLayoutMetrics", json!({})).await;
        let size = &metrics["cssContentSize"];
        let (w, h) = (
            size["width"]
                .as_f64()
                .unwrap()
                .ceil()
                .max(f64::from(self.width)),
            size["height"].as_f64().unwrap().ceil(),
        );
        let shot = self
            .conn
            .call(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": w, "height": h, "scale": 1 },
                }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = self.shots.dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

/// A JavaScript string literal for `s`.
pub fn js_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}
