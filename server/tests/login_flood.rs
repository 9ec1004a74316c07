//! A flood of concurrent wrong logins (issue: 48 threads drove the server to
//! 4.5 GB, each argon2 check taking ~19 MiB on an unbounded blocking pool).
//! Alone in its binary: it measures this process's peak memory, which holds
//! the server.

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The process's peak resident memory in MB (`VmHWM`).
fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

/// Signs in, waiting out 429s as `Retry-After` says; how long it took.
async fn sign_in_patiently(c: &Client, username: &str, password: &str) -> Duration {
    let start = Instant::now();
    loop {
        let r = c.post("/api/auth/login", json!({ "username": username, "password": password })).await;
        match r.status().as_u16() {
            200 => return start.elapsed(),
            429 => {
                let secs: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                tokio::time::sleep(Duration::from_secs(secs)).await;
            }
            other => panic!("{username}: {other}"),
        }
        assert!(start.elapsed() < Duration::from_secs(90), "{username} never got in");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_wrong_logins_keeps_memory_bounded_and_a_correct_login_gets_in() {
    let s = TestServer::start(test_settings()).await;
    let before_mb = peak_rss_mb();
    // The flood lasts until the user below got in (at least 4 s, at most 40 s).
    let started = Instant::now();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = Vec::new();
    for t in 0..48 {
        // From another loopback address than the user below, as an attacker's
        // would be: the per-address limit must not lock the user out.
        let http = reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, 2])).build().unwrap();
        let c = Client { base: s.url.clone(), http };
        let stop = stop.clone();
        flood.push(tokio::spawn(async move {
            let (mut refused, mut checked, mut i) = (0, 0, 0);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && started.elapsed() < Duration::from_secs(40) {
                // A new username each time: only the address limit applies.
                let body = json!({ "username": format!("flood-{t}-{i}"), "password": "guess" });
                match c.post("/api/auth/login", body).await.status().as_u16() {
                    401 => checked += 1,
                    429 => refused += 1,
                    other => panic!("flood answer {other}"),
                }
                i += 1;
            }
            (checked, refused)
        }));
    }
    // A correct password during the flood.
    let admin = s.anonymous();
    let waited = sign_in_patiently(&admin, "admin", "pw-admin").await;
    let during = started.elapsed() < Duration::from_secs(40);
    tokio::time::sleep(Duration::from_secs(4).saturating_sub(started.elapsed())).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut checked, mut refused) = (0, 0);
    for f in flood {
        let (c, r) = f.await.unwrap();
        checked += c;
        refused += r;
    }
    let health: Value = s.anonymous().get("/api/health").await.json().await.unwrap();
    let peak = health["loginChecksPeak"].as_u64().unwrap();
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let grown_mb = peak_rss_mb().saturating_sub(before_mb);
    eprintln!("flood: {checked} checked, {refused} refused with 429; checks at once at most {peak}; peak RSS +{grown_mb} MB; admin got in after {waited:?}");
    assert!(peak <= cpus, "at most one check per CPU at a time: {peak} > {cpus}");
    assert!(refused > checked, "most of the flood is refused before any check: {checked} checked, {refused} refused");
    // Each running check holds ~19 MiB; the rest of the flood holds little.
    let bound_mb = 100 + 25 * cpus;
    assert!(grown_mb < bound_mb, "peak RSS grew by {grown_mb} MB (bound {bound_mb} MB)");
    assert!(during, "the user got in while the flood went on (after {waited:?})");
    // And the flooding address itself, once the flood is over and its delay waited out.
    let http = reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, 2])).cookie_store(true).build().unwrap();
    let same_address = Client { base: s.url.clone(), http };
    assert!(sign_in_patiently(&same_address, "admin", "pw-admin").await < Duration::from_secs(65));
    s.stop().await;
}
