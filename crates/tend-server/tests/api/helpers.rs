//! `spawn_app`: a real server on 127.0.0.1:0 over a fresh SQLite database.

use std::net::SocketAddr;
use tend_server::AppState;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = tend_store::open(
        &format!("sqlite://{}", dir.path().join("tend.db").display()),
        4,
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState {
        store,
        version: "test",
    };
    tokio::spawn(tend_server::serve(listener, state, std::future::pending()));
    TestApp {
        addr,
        client: reqwest::Client::new(),
        _dir: dir,
    }
}
