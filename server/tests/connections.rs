//! Slow, idle and too many connections (see `connections.rs`): they are
//! closed, and the server keeps answering everyone else.

mod common;
use common::*;
use flaglive_server::Settings;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A raw connection from 127.0.0.2, as an attacker's other address.
async fn connect_from_elsewhere(s: &TestServer) -> TcpStream {
    let server: SocketAddr = s.url.trim_start_matches("http://").parse().unwrap();
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    socket.connect(server).await.unwrap()
}

/// Whether the server has closed `c` (a read sees the end or an error).
async fn closed_within(c: &mut TcpStream, ms: u64) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    loop {
        match tokio::time::timeout_at(deadline, c.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

async fn health_answers(s: &TestServer) -> bool {
    let r = tokio::time::timeout(Duration::from_secs(2), s.anonymous().get("/api/health")).await;
    matches!(r, Ok(r) if r.status() == 200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn trickling_requests_are_closed_and_health_answers_meanwhile() {
    let settings = Settings { header_timeout: Duration::from_secs(1), ..test_settings() };
    let s = TestServer::start(settings).await;
    let mut tricklers = Vec::new();
    for _ in 0..300 {
        let mut c = connect_from_elsewhere(&s).await;
        c.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        tricklers.push(c);
    }
    let started = Instant::now();
    // A header line every 200 ms, as the observed attack did every 2 s.
    while started.elapsed() < Duration::from_millis(800) {
        for c in &mut tricklers {
            let _ = c.write_all(b"X-Slow: yes\r\n").await;
        }
        assert!(health_answers(&s).await, "health answers during the trickle");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut closed = 0;
    for c in &mut tricklers {
        let _ = c.write_all(b"X-Slow: still\r\n").await;
        if closed_within(c, 2_000).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 300, "every trickling request was closed by its header timeout");
    assert!(health_answers(&s).await);
    s.stop().await;
}

#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let settings = Settings { max_connections_per_address: 20, ..test_settings() };
    let s = TestServer::start(settings).await;
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(connect_from_elsewhere(&s).await);
    }
    for c in &mut held {
        assert!(!closed_within(c, 50).await, "within the cap: open");
    }
    let mut over = connect_from_elsewhere(&s).await;
    assert!(closed_within(&mut over, 1_000).await, "over the cap: closed at once");
    assert!(health_answers(&s).await, "another address still gets in");
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = connect_from_elsewhere(&s).await;
    assert!(!closed_within(&mut again, 200).await, "closed connections free their places");
    s.stop().await;
}

#[tokio::test]
async fn idle_connections_close_and_streams_stay_open_by_their_pings() {
    // Pings every 300 ms (test settings); idle is never under two of them.
    let settings = Settings { idle_timeout: Duration::from_millis(900), ..test_settings() };
    let s = TestServer::start(settings).await;
    let mut c = connect_from_elsewhere(&s).await;
    c.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 4096];
    let n = c.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(!closed_within(&mut c, 400).await, "kept alive for a while");
    assert!(closed_within(&mut c, 1_500).await, "then closed as idle");

    let alice = s.login("alice").await;
    let mut sse = alice.stream("", None).await;
    assert!(!sse.ends_within(2_000).await, "a stream lives on its pings");
    s.stop().await;
}

#[tokio::test]
async fn a_session_has_a_bounded_number_of_streams() {
    let settings = Settings { max_streams_per_session: 2, ..test_settings() };
    let s = TestServer::start(settings).await;
    let alice = s.login("alice").await;
    let first = alice.stream("", None).await;
    let _second = alice.stream("", None).await;
    let third = alice.get("/api/feature-flags/sse").await;
    assert_eq!(third.status(), 429);
    let body: Value = third.json().await.unwrap();
    assert_eq!(body["error"], "too_many_streams", "{body}");
    // Another session of the same user has its own.
    let _elsewhere = s.login("alice").await.stream("", None).await;
    // A closed stream frees its place (noticed at its next ping).
    drop(first);
    let start = Instant::now();
    loop {
        if alice.get("/api/feature-flags/sse").await.status() == 200 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(3), "the closed stream's place came free");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.stop().await;
}

/// Probe F3: connections kept alive after one request held their slots for
/// the whole idle timeout, so a few addresses could hold them all. Now a
/// connection that is not a stream must begin its next request within the
/// keep-alive timeout; streams keep the idle timeout.
#[tokio::test]
async fn idle_keep_alive_connections_free_their_slots_and_streams_do_not() {
    let settings = Settings {
        keepalive_timeout: Duration::from_millis(500),
        max_connections_per_address: 20,
        ..test_settings()
    };
    let s = TestServer::start(settings).await;
    // One address fills its cap with connections that each asked once.
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut c = connect_from_elsewhere(&s).await;
        c.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 4096];
        let n = c.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        held.push(c);
    }
    let mut over = connect_from_elsewhere(&s).await;
    assert!(closed_within(&mut over, 300).await, "the 21st is over the cap");
    // Within the keep-alive timeout (not the 120 s idle timeout) they are closed...
    for c in &mut held {
        assert!(closed_within(c, 1_500).await, "an idle keep-alive connection is closed");
    }
    // ...and the address can connect again.
    let mut again = connect_from_elsewhere(&s).await;
    again.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 4096];
    let n = again.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"), "a slot came free");
    s.stop().await;
    // A stream is quiet between pings, longer than the keep-alive timeout here, and stays open.
    let settings = Settings { keepalive_timeout: Duration::from_millis(300), ping_interval: Duration::from_millis(1_200), ..test_settings() };
    let s = TestServer::start(settings).await;
    let alice = s.login("alice").await;
    let mut sse = alice.stream("", None).await;
    assert!(!sse.ends_within(2_000).await, "a stream is not a keep-alive connection");
    s.stop().await;
}

/// A raw connection from 127.0.0.2 that asked once and now waits, kept alive.
async fn asked_once(s: &TestServer) -> TcpStream {
    let mut c = connect_from_elsewhere(s).await;
    c.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 4096];
    let n = c.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    c
}

/// Probe F3, the rest: within their keep-alive timeout, idle connections
/// filling the server refused every new one. Now a new connection closes
/// the one that has waited longest; streams are never closed for it.
#[tokio::test]
async fn a_full_server_closes_its_oldest_idle_connection_for_a_new_one() {
    let settings = Settings {
        keepalive_timeout: Duration::from_secs(60),
        max_connections: 12,
        max_connections_per_address: 100,
        ..test_settings()
    };
    let s = TestServer::start(settings).await;
    // Two streams, then ten idle keep-alive connections: the server is full.
    let alice = s.login("alice").await;
    let mut streams = [alice.stream("", None).await, alice.stream("", None).await];
    drop(alice);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(asked_once(&s).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A new connection is answered, and the oldest idle connection made room.
    let mut newer = vec![asked_once(&s).await];
    assert!(closed_within(&mut idle[0], 1_000).await, "the oldest idle connection was closed");
    for c in &mut idle[1..] {
        assert!(!closed_within(c, 20).await, "the others stay open");
    }
    // Four more: the next four oldest go, in order; streams stay.
    for _ in 0..4 {
        newer.push(asked_once(&s).await);
    }
    for (i, c) in idle.iter_mut().enumerate() {
        assert_eq!(closed_within(c, 300).await, i < 5, "connection {i}");
    }
    for sse in &mut streams {
        assert!(!sse.ends_within(300).await, "a stream is never closed to make room");
    }
    assert!(health_answers(&s).await);
    s.stop().await;
}

/// A session cookie for `username`, for raw connections.
async fn session_cookie(s: &TestServer, username: &str) -> String {
    let password = USERS.iter().find(|u| u.0 == username).unwrap().1;
    let r = s.anonymous().post("/api/auth/login", serde_json::json!({ "username": username, "password": password })).await;
    r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

async fn open_streams(s: &TestServer) -> u64 {
    let health: Value = s.anonymous().get("/api/health").await.json().await.unwrap();
    health["connections"].as_u64().unwrap()
}

/// Probe F1: a stream whose client stopped reading kept its queue and
/// buffers until the 120 s idle timeout. Now writes that make no progress
/// for the stall timeout close it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_whose_client_stopped_reading_is_closed_after_the_stall_timeout() {
    let settings = Settings {
        write_stall_timeout: Duration::from_millis(800),
        test_hooks: true,
        max_body_bytes: 4 << 20,
        ..test_settings()
    };
    let s = TestServer::start(settings).await;
    let admin = s.login("admin").await;
    let cookie = session_cookie(&s, "alice").await;
    let mut c = connect_from_elsewhere(&s).await;
    let request = format!("GET /api/feature-flags/sse HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n");
    c.write_all(request.as_bytes()).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = c.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"), "the stream opened");
    assert_eq!(open_streams(&s).await, 1);
    // Much more than the socket buffers hold, while the client reads nothing.
    let big = "x".repeat(1 << 20);
    for _ in 0..40 {
        admin.ok(admin.post("/api/test/broadcast", serde_json::json!({ "data": big })).await).await;
    }
    let started = Instant::now();
    while open_streams(&s).await > 0 {
        assert!(started.elapsed() < Duration::from_secs(5), "the stalled stream was closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(c);
    s.stop().await;
}
