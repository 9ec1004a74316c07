//! Test harness: the real router on a loopback port over a fresh database
//! (SQLite, or PostgreSQL when `FLAGLIVE_TEST_POSTGRES` is set), HTTP
//! clients with cookie jars, and a small SSE reader.
#![allow(dead_code)]

use flaglive_server::auth::{create_user, NewUser};
use flaglive_server::db::Location;
use flaglive_server::{AppState, Settings};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::oneshot;

pub struct TestServer {
    pub url: String,
    pub app: AppState,
    pub db: Location,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// The PostgreSQL server the suite runs against instead of SQLite, if any:
/// `FLAGLIVE_TEST_POSTGRES=postgres://user@host:port/postgres` (scripts/test
/// starts one and runs the suite a second time).
pub fn postgres_server() -> Option<String> {
    std::env::var("FLAGLIVE_TEST_POSTGRES").ok().filter(|u| !u.is_empty())
}

pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

static N: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty directory under the system temp directory.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flaglive-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    // A test process with a reused PID must not find an old run's files.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh, empty database: a new SQLite file in a new temp directory, or
/// a new database on the test PostgreSQL server.
pub fn temp_db() -> Location {
    if let Some(server) = postgres_server() {
        let name = format!("flaglive_test_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        // The blocking client must not run on the test's async runtime.
        let (admin_url, create) = (server.clone(), name.clone());
        std::thread::spawn(move || {
            let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).expect("the test PostgreSQL answers");
            // Separate statements: a multi-statement string is one transaction.
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS {create}")).unwrap();
            admin.batch_execute(&format!("CREATE DATABASE {create}")).unwrap();
        })
        .join()
        .unwrap();
        let base = server.rsplit_once('/').expect("a URL with a database name").0;
        return Location::Postgres { url: format!("{base}/{name}"), pool: 4 };
    }
    Location::Sqlite(temp_dir().join("flags.sqlite"))
}

/// Fast pings so tests see them without waiting 30 s.
pub fn test_settings() -> Settings {
    Settings { ping_interval: Duration::from_millis(300), ..Settings::default() }
}

/// Users every test can log in as: (username, password, role, org, customer).
pub const USERS: &[(&str, &str, &str, &str, &str)] = &[
    ("admin", "pw-admin", "admin", "org-a", "cust-a1"),
    ("alice", "pw-alice", "md", "org-a", "cust-a1"),
    ("bob", "pw-bob", "sales", "org-b", "cust-b1"),
];

impl TestServer {
    pub async fn start(settings: Settings) -> TestServer {
        let server = TestServer::start_on(temp_db(), settings).await;
        let svc = server.app.service.clone();
        tokio::task::spawn_blocking(move || {
            for &(u, p, role, org, cust) in USERS {
                create_user(svc.db(), NewUser {
                    username: u.into(),
                    password: p.into(),
                    role: role.into(),
                    organization_id: Some(org.into()),
                    customer_id: Some(cust.into()),
                    id: Some(format!("id-{u}")),
                })
                .unwrap();
            }
        })
        .await
        .unwrap();
        server
    }

    /// Starts on an existing (or new) database, as after a restart, or as
    /// one more instance on a shared PostgreSQL database.
    pub async fn start_on(db: Location, settings: Settings) -> TestServer {
        let opened = db.clone();
        let app = tokio::task::spawn_blocking(move || AppState::open(&opened, settings))
            .await
            .unwrap()
            .expect("database opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(flaglive_server::serve(listener, app.clone(), async move {
            let _ = stopped.await;
        }));
        let task = tokio::spawn(async move {
            task.await.unwrap().unwrap();
        });
        TestServer { url, app, db, stop: Some(stop), task: Some(task) }
    }

    /// Graceful stop: ends streams, waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(10), task).await.expect("server stops").unwrap();
        }
    }

    pub async fn login(&self, username: &str) -> Client {
        let password = USERS.iter().find(|u| u.0 == username).expect("a test user").1;
        let client = Client::new(&self.url);
        let r = client.post("/api/auth/login", json!({ "username": username, "password": password })).await;
        assert_eq!(r.status(), 200, "login {username}");
        client
    }

    pub fn anonymous(&self) -> Client {
        Client::new(&self.url)
    }
}

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        Client { base: base.to_owned(), http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.http.post(self.url(path)).json(&body).send().await.unwrap()
    }

    pub async fn put(&self, path: &str, body: Value) -> reqwest::Response {
        self.http.put(self.url(path)).json(&body).send().await.unwrap()
    }

    pub async fn patch(&self, path: &str, body: Value) -> reqwest::Response {
        self.http.patch(self.url(path)).json(&body).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.http.delete(self.url(path)).send().await.unwrap()
    }

    /// A request that must succeed (2xx); returns the JSON body or `null`.
    pub async fn ok(&self, r: reqwest::Response) -> Value {
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "{status}: {text}");
        if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() }
    }

    pub async fn snapshot(&self) -> Value {
        let r = self.get("/api/feature-flags/snapshot").await;
        self.ok(r).await
    }

    /// Opens the stream; `query` like `"?compat=part-b"`.
    pub async fn stream(&self, query: &str, last_event_id: Option<u64>) -> Sse {
        let mut req = self.http.get(self.url(&format!("/api/feature-flags/sse{query}")));
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        Sse { body: Box::pin(r.bytes_stream()), buf: String::new() }
    }
}

/// One SSE event as received.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Option<String>,
    pub retry: Option<String>,
    pub data: Value,
}

impl Event {
    pub fn kind(&self) -> &str {
        self.data["type"].as_str().unwrap_or("")
    }
}

pub struct Sse {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buf: String,
}

impl Sse {
    /// The next event (pings included), or `None` when the stream ends or
    /// nothing arrives within two seconds.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut e = Event { id: None, retry: None, data: Value::Null };
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("data: ").or_else(|| line.strip_prefix("data:")) {
                        data.push_str(v);
                    } else if let Some(v) = line.strip_prefix("id: ").or_else(|| line.strip_prefix("id:")) {
                        e.id = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("retry: ").or_else(|| line.strip_prefix("retry:")) {
                        e.retry = Some(v.to_owned());
                    }
                }
                if data.is_empty() {
                    continue; // a comment or keep-alive block
                }
                e.data = serde_json::from_str(&data).expect("data lines hold JSON");
                return Some(e);
            }
            match tokio::time::timeout(Duration::from_secs(2), self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// The next event that is not a ping.
    pub async fn next_change(&mut self) -> Option<Event> {
        loop {
            let e = self.next().await?;
            if e.kind() != "ping" {
                return Some(e);
            }
        }
    }

    /// Whether the server ends the stream within `ms` (whatever it sends before).
    pub async fn ends_within(&mut self, ms: u64) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        loop {
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(_))) => continue,
                Ok(_) => return true,
                Err(_) => return false,
            }
        }
    }

    /// Asserts that no change arrives within `ms` (pings are allowed).
    pub async fn expect_quiet(&mut self, ms: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        while tokio::time::Instant::now() < deadline {
            match tokio::time::timeout_at(deadline, self.next()).await {
                Ok(Some(e)) if e.kind() == "ping" => continue,
                Ok(Some(e)) => panic!("unexpected event {e:?}"),
                _ => return,
            }
        }
    }
}

pub async fn create_flag(admin: &Client, body: Value) -> Value {
    let r = admin.post("/api/admin/flags", body).await;
    admin.ok(r).await
}
