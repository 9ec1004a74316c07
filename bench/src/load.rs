//! Convergence under load: N stream followers (each a core `Store`, fed the
//! way the browser client feeds it) spread over users and both stream modes,
//! while C random admin changes of every kind are made by W concurrent
//! admin sessions as fast as the server takes them. At the end every
//! follower must equal a fresh snapshot of its user, and no part D follower
//! may have been sent another user's id.
//!
//! With several URLs (instances sharing one PostgreSQL database), follower
//! i uses instance i mod n and moves on to the next when its instance stops
//! answering (as behind a load balancer), and each change goes to a random
//! instance. `--probe-ms` adds a probe that updates one more flag every so
//! often on a random instance and times each follower's receipt of it:
//! the change-to-client latency, reported as percentiles. `--rate R` caps
//! the change requests at R per second (0: as fast as the server takes
//! them), for latency below saturation.
//!
//!   load --url URL[,URL...] [--clients 1000] [--changes 1000] [--workers 4]
//!        [--seed 1] [--modes d,b] [--probe-ms 0] [--rate 0] [--admin admin:admin-demo]
//!        [--users maria:md-demo,tom:tech-demo,sara:sales-demo,sam:sales-demo]
//!
//! Used by tests/js/load.test.mjs (with 50 browser clients on the same
//! server), tests/js/instances.test.mjs, bench/load and bench/instances.
//! Prints one `load:` result line (and a `latency:` line with a probe);
//! exits 1 when a follower did not converge or saw a foreign id.

use flaglive::event::StreamMessage;
use flaglive::store::{Resync, Store};
use flaglive::Snapshot;
use flaglive_bench::changes::{random_change, Rng, World};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.into())
}

/// Part B asks for a debounced re-read; the browser client waits 300 ms.
const RESYNC_DEBOUNCE: Duration = Duration::from_millis(300);

#[derive(Default)]
struct Counters {
    messages: AtomicUsize,
    foreign: AtomicUsize,
    reconnects: AtomicUsize,
    rereads: AtomicUsize,
    errors: AtomicUsize,
}

struct Follower {
    user: usize,
    /// The instance it follows now (changes when one stops answering).
    server: AtomicUsize,
    part_b: bool,
    store: Mutex<Store>,
}

/// The name of the flag the latency probe updates; random changes never
/// name it.
const PROBE_FLAG: &str = "latency_probe";

struct Session {
    id: String,
    cookie: String,
}

struct Env {
    http: reqwest::Client,
    servers: Vec<String>,
    users: Vec<Session>,
    counters: Counters,
    stop: AtomicBool,
    /// When probe k was sent, by k.
    probes_sent: Mutex<Vec<Instant>>,
    /// Change-to-client latencies of probe receipts, in milliseconds.
    latencies: Mutex<Vec<f64>>,
}

impl Env {
    /// A snapshot from instance `server`, or from the next ones if it does
    /// not answer.
    async fn snapshot(&self, user: usize, server: usize) -> Result<Snapshot, String> {
        let mut last_error = String::new();
        for i in 0..self.servers.len() {
            let base = &self.servers[(server + i) % self.servers.len()];
            let sent = self.http.get(format!("{base}/api/feature-flags/snapshot")).header("cookie", &self.users[user].cookie).send().await;
            match sent {
                Ok(r) if r.status() == 200 => {
                    let text = r.text().await.map_err(|e| e.to_string())?;
                    return Snapshot::from_json(&text).map_err(|e| e.to_string());
                }
                Ok(r) => last_error = format!("{base}: {}", r.status()),
                Err(e) => last_error = format!("{base}: {e}"),
            }
        }
        Err(last_error)
    }

    /// A random instance (no draw with one, so that a seed gives the same
    /// changes as before there were several).
    fn any_server(&self, rng: &mut Rng) -> &str {
        if self.servers.len() == 1 { &self.servers[0] } else { &self.servers[rng.next() as usize % self.servers.len()] }
    }

    /// Times a probe receipt (each follower sees probe k once).
    fn probe_seen(&self, m: &StreamMessage) {
        if m.flag_name.as_deref() != Some(PROBE_FLAG) {
            return;
        }
        let description = m.payload.as_ref().and_then(|p| p.new_state.as_ref()).and_then(|s| s.description.clone()).flatten();
        let Some(k) = description.and_then(|d| d.strip_prefix("probe-")?.parse::<usize>().ok()) else { return };
        let sent = self.probes_sent.lock().unwrap().get(k).copied();
        if let Some(sent) = sent {
            self.latencies.lock().unwrap().push(sent.elapsed().as_secs_f64() * 1000.0);
        }
    }

    /// Quoted ids of the users other than `user`, as they would appear in JSON.
    fn others(&self, user: usize) -> Vec<String> {
        self.users.iter().enumerate().filter(|(i, _)| *i != user).map(|(_, s)| format!("\"{}\"", s.id)).collect()
    }
}

/// Follows the stream until told to stop, reconnecting like the browser
/// client does (part D resumes from its last id; part B re-reads).
async fn follow(env: Arc<Env>, f: Arc<Follower>, connected: Arc<AtomicUsize>) {
    let others = env.others(f.user);
    let mut last_id: Option<String> = None;
    let mut first = true;
    while !env.stop.load(Relaxed) {
        let server = f.server.load(Relaxed);
        let mut url = format!("{}/api/feature-flags/sse", env.servers[server]);
        if f.part_b {
            url.push_str("?compat=part-b");
        }
        let mut req = env.http.get(url).header("cookie", &env.users[f.user].cookie);
        if let Some(id) = &last_id {
            req = req.header("last-event-id", id);
        }
        let response = match req.send().await {
            Ok(r) if r.status() == 200 => r,
            _ => {
                // As a load balancer would: try the next instance.
                env.counters.errors.fetch_add(1, Relaxed);
                f.server.store((server + 1) % env.servers.len(), Relaxed);
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        if first {
            connected.fetch_add(1, Relaxed);
            first = false;
        }
        read_stream(&env, &f, response, &others, &mut last_id).await;
        if !env.stop.load(Relaxed) {
            // The next stream's `connection` tells the store whether to re-read.
            env.counters.reconnects.fetch_add(1, Relaxed);
        }
    }
}

async fn reread(env: &Env, f: &Follower) {
    match env.snapshot(f.user, f.server.load(Relaxed)).await {
        Ok(s) => {
            f.store.lock().unwrap().apply_snapshot(s);
            env.counters.rereads.fetch_add(1, Relaxed);
        }
        Err(_) => {
            env.counters.errors.fetch_add(1, Relaxed);
        }
    }
}

async fn read_stream(env: &Env, f: &Follower, mut response: reqwest::Response, others: &[String], last_id: &mut Option<String>) {
    let mut buffer = Vec::<u8>::new();
    let mut due: Option<tokio::time::Instant> = None;
    loop {
        let chunk = tokio::select! {
            c = response.chunk() => c,
            _ = tokio::time::sleep_until(due.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600))), if due.is_some() => {
                due = None;
                reread(env, f).await;
                continue;
            }
        };
        let Ok(Some(chunk)) = chunk else { return };
        if env.stop.load(Relaxed) {
            return;
        }
        buffer.extend_from_slice(&chunk);
        while let Some(end) = buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(id) = line.strip_prefix("id:") {
                *last_id = Some(id.trim().to_owned());
            } else if let Some(data) = line.strip_prefix("data:") {
                let data = data.trim_start();
                env.counters.messages.fetch_add(1, Relaxed);
                // Part B broadcasts target events to everyone (the production
                // stream); part D must never name another user.
                if !f.part_b && others.iter().any(|o| data.contains(o.as_str())) {
                    env.counters.foreign.fetch_add(1, Relaxed);
                }
                let Ok(message) = StreamMessage::from_json(data) else { continue };
                env.probe_seen(&message);
                let resync = f.store.lock().unwrap().apply_message(message).resync;
                match resync {
                    Resync::No => {}
                    Resync::Now => {
                        due = None;
                        reread(env, f).await;
                    }
                    Resync::Soon => {
                        due.get_or_insert_with(|| tokio::time::Instant::now() + RESYNC_DEBOUNCE);
                    }
                }
            }
        }
    }
}

/// What must match a fresh snapshot: every flag's evaluation, and (part D,
/// which streams config changes) the resolved config.
fn state(store: &Store, with_config: bool) -> Value {
    let mut evals: Vec<_> = store.evaluations().map(|(n, e)| (n.to_owned(), e.enabled, e.reason.as_str())).collect();
    evals.sort();
    let config = if with_config {
        store.config().map(|(v, s)| (serde_json::to_value(v).unwrap(), s.as_str()))
    } else {
        None
    };
    serde_json::json!({ "evaluations": evals, "config": config })
}

async fn login(http: &reqwest::Client, base: &str, pair: &str) -> Session {
    let (username, password) = pair.split_once(':').expect("user:password");
    let body = serde_json::json!({"username": username, "password": password});
    for _ in 0..100 {
        if let Ok(r) = http.post(format!("{base}/api/auth/login")).json(&body).send().await {
            assert_eq!(r.status(), 200, "login {username}");
            let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
            let me: Value = r.json().await.unwrap();
            return Session { id: me["id"].as_str().unwrap().to_owned(), cookie };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} does not answer");
}

async fn admin_json(env: &Env, admin: &Session, path: &str) -> Value {
    let r = env.http.get(format!("{}{path}", env.servers[0])).header("cookie", &admin.cookie).send().await.unwrap();
    r.json().await.unwrap()
}

fn as_str(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[tokio::main]
async fn main() {
    let servers: Vec<String> = arg("--url", "http://127.0.0.1:8080").split(',').map(str::to_owned).collect();
    let base = servers[0].clone();
    let probe_every: u64 = arg("--probe-ms", "0").parse().expect("--probe-ms MS");
    let rate: f64 = arg("--rate", "0").parse().expect("--rate R");
    // With a rate: each request takes the next slot on one shared schedule.
    let interval_us = if rate > 0.0 { (1e6 / rate) as u64 } else { 0 };
    let next_slot = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let clients: usize = arg("--clients", "1000").parse().expect("--clients N");
    let changes: usize = arg("--changes", "1000").parse().expect("--changes C");
    let workers: usize = arg("--workers", "4").parse().expect("--workers W");
    let seed: u64 = arg("--seed", "1").parse().expect("--seed S");
    let modes = arg("--modes", "d,b");
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let admin = login(&http, &base, &arg("--admin", "admin:admin-demo")).await;
    let mut users = Vec::new();
    for pair in arg("--users", "maria:md-demo,tom:tech-demo,sara:sales-demo,sam:sales-demo").split(',') {
        users.push(login(&http, &base, pair).await);
    }
    let env = Arc::new(Env {
        http,
        servers,
        users,
        counters: Counters::default(),
        stop: AtomicBool::new(false),
        probes_sent: Mutex::new(Vec::new()),
        latencies: Mutex::new(Vec::new()),
    });

    // What the changes may name: the server's users, roles, organizations,
    // customers and flags, and two flags that do not exist yet.
    let listed = admin_json(&env, &admin, "/api/admin/users").await;
    let field = |key: &str| -> Vec<String> {
        let mut v: Vec<String> = listed.as_array().unwrap().iter().filter_map(|u| u[key].as_str().map(str::to_owned)).collect();
        v.sort();
        v.dedup();
        v
    };
    let (user_ids, roles) = (field("id"), field("role"));
    let mut layers = vec!["defaults".to_owned()];
    layers.extend(field("organizationId").into_iter().map(|o| format!("organization/{o}")));
    layers.extend(field("customerId").into_iter().map(|c| format!("customer/{c}")));
    let mut flags: Vec<String> = admin_json(&env, &admin, "/api/admin/flags").await.as_array().unwrap()
        .iter().filter_map(|f| f["flagName"].as_str().map(str::to_owned)).collect();
    flags.extend(["load_a".to_owned(), "load_b".to_owned()]);
    flags.retain(|f| f != PROBE_FLAG);
    if probe_every > 0 {
        let body = serde_json::json!({"flagName": PROBE_FLAG, "enabled": true, "description": "probe-none"});
        let r = env.http.post(format!("{base}/api/admin/flags")).header("cookie", &admin.cookie).json(&body).send().await.unwrap();
        assert!(r.status().is_success() || r.status() == 409, "probe flag: {}", r.status());
    }

    let part_b_every = match modes.as_str() {
        "d" => usize::MAX,
        "b" => 1,
        _ => 2,
    };
    let mut followers = Vec::new();
    for i in 0..clients {
        let f = Arc::new(Follower {
            user: i % env.users.len(),
            server: AtomicUsize::new(i % env.servers.len()),
            part_b: i % part_b_every == part_b_every - 1,
            store: Mutex::new(Store::new()),
        });
        let snapshot = env.snapshot(f.user, i % env.servers.len()).await.expect("first snapshot");
        f.store.lock().unwrap().apply_snapshot(snapshot);
        followers.push(f);
    }
    let connected = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = followers.iter().map(|f| tokio::spawn(follow(env.clone(), f.clone(), connected.clone()))).collect();
    while connected.load(Relaxed) < clients {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("load: {clients} followers connected");

    // The changes: W admins, each its own slice of the seeded sequence.
    let started = Instant::now();
    let accepted = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(AtomicUsize::new(0));
    let mut admins = Vec::new();
    for w in 0..workers {
        let (env, accepted, sent, cookie) = (env.clone(), accepted.clone(), sent.clone(), admin.cookie.clone());
        let next_slot = next_slot.clone();
        let names: Vec<String> = flags.clone();
        let (user_ids, roles, layers) = (user_ids.clone(), roles.clone(), layers.clone());
        admins.push(tokio::spawn(async move {
            let (flags, users, roles, layers) = (as_str(&names), as_str(&user_ids), as_str(&roles), as_str(&layers));
            let world = World { flags: &flags, users: &users, roles: &roles, layers: &layers };
            let mut rng = Rng(seed.wrapping_mul(7919).wrapping_add(w as u64 + 1));
            // Until `changes` are applied: some requests are refused on
            // purpose (percentages out of range, flags that do not exist).
            while accepted.load(Relaxed) < changes {
                if interval_us > 0 {
                    let slot = Duration::from_micros(next_slot.fetch_add(interval_us, Relaxed));
                    tokio::time::sleep_until((started + slot).into()).await;
                }
                let c = random_change(&mut rng, &world);
                let method = reqwest::Method::from_bytes(c.method.as_bytes()).unwrap();
                let base = env.any_server(&mut rng);
                let mut req = env.http.request(method, format!("{base}{}", c.path)).header("cookie", &cookie);
                if let Some(body) = c.body {
                    req = req.json(&body);
                }
                sent.fetch_add(1, Relaxed);
                if req.send().await.is_ok_and(|r| r.status().is_success()) {
                    accepted.fetch_add(1, Relaxed);
                }
            }
        }));
    }
    let probe = (probe_every > 0).then(|| {
        let (env, accepted, cookie) = (env.clone(), accepted.clone(), admin.cookie.clone());
        tokio::spawn(async move {
            let mut rng = Rng(seed ^ 0x9e37_79b9);
            while accepted.load(Relaxed) < changes {
                let k = {
                    let mut sent = env.probes_sent.lock().unwrap();
                    sent.push(Instant::now());
                    sent.len() - 1
                };
                let base = env.any_server(&mut rng);
                let body = serde_json::json!({"description": format!("probe-{k}")});
                let _ = env.http.patch(format!("{base}/api/admin/flags/{PROBE_FLAG}")).header("cookie", &cookie).json(&body).send().await;
                tokio::time::sleep(Duration::from_millis(probe_every)).await;
            }
        })
    });
    for a in admins {
        a.await.unwrap();
    }
    if let Some(probe) = probe {
        probe.await.unwrap();
    }
    let change_time = started.elapsed().as_secs_f64();

    // Converged: every follower equals a fresh snapshot of its user.
    let wait_from = Instant::now();
    let mut behind = clients;
    while wait_from.elapsed() < Duration::from_secs(60) {
        let mut truth = Vec::new();
        for u in 0..env.users.len() {
            let mut store = Store::new();
            store.apply_snapshot(env.snapshot(u, 0).await.expect("fresh snapshot"));
            truth.push(store);
        }
        behind = followers.iter().filter(|f| state(&f.store.lock().unwrap(), !f.part_b) != state(&truth[f.user], !f.part_b)).count();
        if behind == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    env.stop.store(true, Relaxed);
    for t in tasks {
        t.abort();
    }
    let c = &env.counters;
    let part_b = followers.iter().filter(|f| f.part_b).count();
    println!(
        "load: clients {clients} (part D {}, part B {part_b}) | changes {} applied ({} refused) in {change_time:.1} s, {:.0}/s | converged {}/{clients} after {:.1} s more | foreign ids {} | messages {} | reconnects {} | snapshot re-reads {} | errors {}",
        clients - part_b,
        accepted.load(Relaxed),
        sent.load(Relaxed) - accepted.load(Relaxed),
        accepted.load(Relaxed) as f64 / change_time,
        clients - behind,
        wait_from.elapsed().as_secs_f64(),
        c.foreign.load(Relaxed),
        c.messages.load(Relaxed),
        c.reconnects.load(Relaxed),
        c.rereads.load(Relaxed),
        c.errors.load(Relaxed),
    );
    let mut latencies = std::mem::take(&mut *env.latencies.lock().unwrap());
    if !latencies.is_empty() {
        latencies.sort_by(f64::total_cmp);
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
        println!(
            "latency: change to client over {} instance(s): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} receipts of {} probes)",
            env.servers.len(),
            at(0.5),
            at(0.99),
            at(1.0),
            latencies.len(),
            env.probes_sent.lock().unwrap().len()
        );
    }
    if behind > 0 || c.foreign.load(Relaxed) > 0 {
        std::process::exit(1);
    }
}
