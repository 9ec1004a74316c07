//! Login attempt limits (see `login_guard.rs`): failures bring growing
//! delays answered before any password check; unknown usernames cost a check
//! as known ones do; a correct password still signs in afterwards.

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn checks(s: &TestServer) -> u64 {
    let health: Value = s.anonymous().get("/api/health").await.json().await.unwrap();
    health["loginChecks"].as_u64().unwrap()
}

async fn attempt(c: &Client, username: &str, password: &str) -> reqwest::Response {
    c.post("/api/auth/login", json!({ "username": username, "password": password })).await
}

#[tokio::test]
async fn an_unknown_username_costs_a_password_check() {
    let s = TestServer::start(test_settings()).await;
    let before = checks(&s).await;
    assert_eq!(attempt(&s.anonymous(), "nobody-here", "guess").await.status(), 401);
    assert_eq!(checks(&s).await, before + 1, "checked against the dummy hash");
    assert_eq!(attempt(&s.anonymous(), "alice", "guess").await.status(), 401);
    assert_eq!(checks(&s).await, before + 2);
    s.stop().await;
}

#[tokio::test]
async fn failures_bring_a_delay_without_checks_and_the_right_password_signs_in_after_it() {
    let s = TestServer::start(test_settings()).await;
    let c = s.anonymous();
    for _ in 0..5 {
        assert_eq!(attempt(&c, "alice", "wrong").await.status(), 401);
    }
    let before = checks(&s).await;
    let delayed = attempt(&c, "alice", "pw-alice").await;
    assert_eq!(delayed.status(), 429, "even the right password waits out the delay");
    let retry: u64 = delayed.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = delayed.json().await.unwrap();
    assert_eq!(body["error"], "too_many_attempts");
    assert_eq!(checks(&s).await, before, "a delayed attempt costs no password check");
    // Another user from the same address is not held up.
    assert_eq!(attempt(&c, "bob", "pw-bob").await.status(), 200);

    tokio::time::sleep(Duration::from_secs(retry)).await;
    assert_eq!(attempt(&c, "alice", "pw-alice").await.status(), 200, "after the delay");
    // A success clears the count: the next failure is free again.
    assert_eq!(attempt(&c, "alice", "wrong").await.status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn an_unused_session_ends_an_open_stream_keeps_its_session_and_old_ones_are_cleaned_up() {
    let settings = flaglive_server::Settings { session_idle_timeout: Duration::from_millis(1_200), ..test_settings() };
    let s = TestServer::start(settings).await;
    let idle = s.login("alice").await;
    let streaming = s.login("bob").await;
    let mut sse = streaming.stream("", None).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(idle.get("/api/auth/me").await.status(), 200, "used within the idle timeout");
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    assert_eq!(idle.get("/api/auth/me").await.status(), 401, "unused past the idle timeout: over");
    assert!(!sse.ends_within(100).await, "an open stream is use");
    assert_eq!(streaming.get("/api/auth/me").await.status(), 200);

    let sql = "SELECT COUNT(*) FROM sessions WHERE user_id = 'id-alice'";
    let alices = || s.app.service.read(move |c| c.row(sql, &[]).map(|r| r.expect("a count").int(0).unwrap()));
    assert_eq!(alices().await.unwrap(), 1, "the idle session is still stored");
    s.login("admin").await;
    assert_eq!(alices().await.unwrap(), 0, "a login deletes sessions that are over");
    s.stop().await;
}
