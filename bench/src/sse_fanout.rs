//! How long one admin change takes to reach N open SSE clients.
//!
//! Starts the release `flaglive-server` as its own process on loopback with a
//! fresh database, opens N stream connections (raw TCP, one session), then
//! makes C changes one at a time and records, per change, when each client
//! received it. Prints p50/p99 of per-client latency and of the time until
//! the last client had it.
//!
//!     sse-fanout [--clients N] [--changes C] [--server PATH]

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Barrier};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.into())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// One stream client: reports (version, arrival) for every flag event.
async fn client(addr: String, cookie: String, ready: Arc<Barrier>, tx: mpsc::UnboundedSender<(u64, Instant)>) {
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let request = format!(
        "GET /api/feature-flags/sse HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("send request");
    let mut lines = BufReader::new(stream).lines();
    let mut announced = false;
    while let Ok(Some(line)) = lines.next_line().await {
        if !announced && line.contains("\"type\":\"connection\"") {
            announced = true;
            ready.wait().await;
        } else if line.contains("\"type\":\"flag.toggled\"") {
            let at = Instant::now();
            let version = line
                .rsplit("\"version\":")
                .next()
                .and_then(|v| v.trim_end_matches('}').parse::<u64>().ok())
                .unwrap_or(0);
            let _ = tx.send((version, at));
        }
    }
}

#[tokio::main]
async fn main() {
    let clients: usize = arg("--clients", "1000").parse().expect("--clients N");
    let changes: usize = arg("--changes", "20").parse().expect("--changes C");
    let server = arg("--server", "target/release/flaglive-server");
    let dir = std::env::temp_dir().join(format!("flaglive-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = 20_000 + (std::process::id() % 20_000) as u16;
    let addr = format!("127.0.0.1:{port}");
    let mut child = tokio::process::Command::new(&server)
        .args(["--database", dir.join("bench.sqlite").to_str().unwrap(), "--listen", &addr, "--seed-demo"])
        .args(["--client-queue", "64"])
        // Every client is one loopback address and one session: past the default caps.
        .args(["--max-connections", "100000", "--max-connections-per-address", "100000", "--max-streams-per-session", "100000"])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start {server}: {e}"));

    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let base = format!("http://{addr}");
    let mut login = None;
    for _ in 0..100 {
        let r = http.post(format!("{base}/api/auth/login")).json(&serde_json::json!({"username": "admin", "password": "admin-demo"})).send().await;
        if let Ok(r) = r {
            login = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login = login.expect("server answers");
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();

    let started = Instant::now();
    let ready = Arc::new(Barrier::new(clients + 1));
    let (tx, mut rx) = mpsc::unbounded_channel();
    for _ in 0..clients {
        tokio::spawn(client(addr.clone(), cookie.clone(), ready.clone(), tx.clone()));
    }
    ready.wait().await;
    let connect_time = started.elapsed();

    let mut per_client = Vec::new();
    let mut to_last = Vec::new();
    let mut incomplete = 0;
    for i in 0..changes {
        let sent = Instant::now();
        let r = http
            .post(format!("{base}/api/admin/flags/dark_mode/toggle"))
            .json(&serde_json::json!({"enabled": i % 2 == 1}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let mut got = 0;
        let mut last = Duration::ZERO;
        while got < clients {
            match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
                Ok(Some((_, at))) => {
                    let latency = at - sent;
                    per_client.push(latency.as_secs_f64() * 1000.0);
                    last = last.max(latency);
                    got += 1;
                }
                _ => break,
            }
        }
        if got < clients {
            incomplete += 1;
        }
        to_last.push(last.as_secs_f64() * 1000.0);
    }
    per_client.sort_by(f64::total_cmp);
    to_last.sort_by(f64::total_cmp);
    println!(
        "clients {clients:>6} | connect all {:>7.0} ms | change->client p50 {:>7.1} ms  p99 {:>7.1} ms | change->last client p50 {:>7.1} ms  p99 {:>7.1} ms | changes {changes}{}",
        connect_time.as_secs_f64() * 1000.0,
        percentile(&per_client, 0.5),
        percentile(&per_client, 0.99),
        percentile(&to_last, 0.5),
        percentile(&to_last, 0.99),
        if incomplete > 0 { format!(" | {incomplete} changes did not reach every client") } else { String::new() },
    );
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
}
