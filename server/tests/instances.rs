//! Several server instances on one PostgreSQL database: every stream, on
//! every instance, gets every change exactly once and in version order,
//! whichever instance made it; a lost notification is repaired from the
//! change log; a client of a stopped instance resumes on another one.
//! PostgreSQL only (SQLite has one server): skipped without
//! `FLAGLIVE_TEST_POSTGRES`.

mod common;
use common::*;
use flaglive_server::db::changes::{self, LoggedChange};
use flaglive_server::db::Db;
use flaglive_server::stream::{hub::Hub, relay::Relay};
use serde_json::{json, Value};

/// Three instances on one fresh database (users created through the first).
async fn three_instances() -> Option<[TestServer; 3]> {
    if !on_postgres() {
        eprintln!("skipped: several instances need PostgreSQL (FLAGLIVE_TEST_POSTGRES)");
        return None;
    }
    let a = TestServer::start(test_settings()).await;
    let b = TestServer::start_on(a.db.clone(), test_settings()).await;
    let c = TestServer::start_on(a.db.clone(), test_settings()).await;
    Some([a, b, c])
}

/// Change events (not pings) until `last` arrives, as (id, data); what
/// arrived by then if it has not within 10 s.
async fn changes_until(sse: &mut Sse, last: u64) -> Vec<(u64, Value)> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, sse.next_change()).await {
        let id: u64 = e.id.as_deref().expect("part D events have ids").parse().unwrap();
        seen.push((id, e.data));
        if id >= last {
            break;
        }
    }
    seen
}

fn ids(events: &[(u64, Value)]) -> Vec<u64> {
    events.iter().map(|(id, _)| *id).collect()
}

/// A blocking SQL session on the test database, off the async runtime.
fn sql(db: &flaglive_server::db::Location, statements: String) {
    let flaglive_server::db::Location::Postgres { url, .. } = db.clone() else { panic!("PostgreSQL only") };
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(&statements).unwrap();
    })
    .join()
    .unwrap();
}

#[tokio::test]
async fn every_instance_streams_every_change_once_in_order() {
    let Some(servers) = three_instances().await else { return };
    let mut admins = Vec::new();
    let mut streams = Vec::new();
    for s in &servers {
        admins.push(s.login("admin").await);
        let alice = s.login("alice").await;
        let mut sse = alice.stream("", None).await;
        assert_eq!(sse.next().await.unwrap().kind(), "connection");
        streams.push(sse);
    }
    // Changes of every audience, each made on a different instance.
    create_flag(&admins[0], json!({"flagName": "f", "enabled": false})).await;
    let mut made = 1;
    for i in 0..30 {
        let admin = &admins[(i * 7 + 1) % 3];
        let r = match i % 5 {
            0 => admin.post("/api/admin/flags/f/toggle", json!({})).await,
            1 => admin.put("/api/admin/flags/f/rollout", json!({"rolloutPercentage": i})).await,
            2 => admin.put("/api/admin/flags/f/user-targets/id-bob", json!({"enabled": i % 2 == 0})).await,
            3 => admin.put("/api/admin/config/organization/org-b", json!({"value": {"n": i}})).await,
            _ => admin.put("/api/admin/config/defaults", json!({"value": {"n": i}})).await,
        };
        let status = r.status();
        assert!(status.is_success(), "change {i}: {status}");
        made += 1;
    }
    let mut seen = Vec::new();
    for sse in &mut streams {
        seen.push(changes_until(sse, made).await);
    }
    let want: Vec<u64> = (1..=made).collect();
    for (i, events) in seen.iter().enumerate() {
        assert_eq!(ids(events), want, "instance {i}: every version once, in order");
    }
    for (i, s) in servers.iter().enumerate() {
        let health = s.anonymous().ok(s.anonymous().get("/api/health").await).await;
        assert_eq!(health["restarts"], 0, "instance {i} never ended its streams");
    }
    assert_eq!(seen[0], seen[1], "the same stream on every instance");
    assert_eq!(seen[0], seen[2]);
    // Alice never sees bob's target or org-b's config, on any instance.
    assert!(seen[0].iter().all(|(_, d)| !d.to_string().contains("id-bob") && !d.to_string().contains("org-b")));
    for s in servers {
        s.stop().await;
    }
}

#[tokio::test]
async fn lost_notifications_are_repaired_from_the_change_log() {
    let Some([a, b, c]) = three_instances().await else { return };
    let admin = a.login("admin").await;
    create_flag(&admin, json!({"flagName": "f", "enabled": false})).await;
    let alice = b.login("alice").await;
    let mut sse = alice.stream("", None).await;
    assert_eq!(sse.next().await.unwrap().data["version"], 1);

    // A change committed without its NOTIFY (as if the notification were
    // lost), then an ordinary one: B must deliver both, in order.
    sql(&a.db, "BEGIN;
         UPDATE meta SET value = 2 WHERE key = 'version';
         INSERT INTO changes (version, audience, message) VALUES (2, 'all', '{\"type\":\"version\",\"version\":2}');
         COMMIT;".into());
    admin.ok(admin.post("/api/admin/flags/f/toggle", json!({})).await).await;
    assert_eq!(ids(&changes_until(&mut sse, 3).await), [2, 3]);

    // Every listening connection cut (PostgreSQL restarted, network
    // trouble): changes made meanwhile still arrive, in order.
    sql(&a.db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name = 'flaglive-server listen'".into());
    for _ in 0..3 {
        admin.ok(admin.post("/api/admin/flags/f/toggle", json!({})).await).await;
    }
    assert_eq!(ids(&changes_until(&mut sse, 6).await), [4, 5, 6]);
    let snapshot = alice.snapshot().await;
    assert_eq!((snapshot["version"].as_u64(), snapshot["flags"][0]["enabled"].as_bool()), (Some(6), Some(false)));
    for s in [a, b, c] {
        s.stop().await;
    }
}

#[tokio::test]
async fn a_client_of_a_stopped_instance_resumes_on_another() {
    let Some([a, b, c]) = three_instances().await else { return };
    let admin = a.login("admin").await;
    create_flag(&admin, json!({"flagName": "f", "enabled": false})).await;
    let alice_b = b.login("alice").await;
    let mut sse = alice_b.stream("", None).await;
    sse.next().await.unwrap();
    admin.ok(admin.post("/api/admin/flags/f/toggle", json!({})).await).await;
    assert_eq!(ids(&changes_until(&mut sse, 2).await), [2]);

    b.stop().await;
    assert!(sse.next().await.is_none(), "B's streams end");
    for _ in 0..3 {
        admin.ok(admin.post("/api/admin/flags/f/toggle", json!({})).await).await;
    }
    // The session lives in the database, so the same cookie works on C; the
    // stream resumes from the last id B sent.
    let alice_c = Client { base: c.url.clone(), http: alice_b.http.clone() };
    let mut resumed = alice_c.stream("", Some(2)).await;
    let hello = resumed.next().await.unwrap();
    assert_eq!((hello.kind(), hello.data["version"].as_u64()), ("connection", Some(5)));
    assert_eq!(ids(&changes_until(&mut resumed, 5).await), [3, 4, 5]);
    for s in [a, c] {
        s.stop().await;
    }
}

/// A change as another instance commits it: version, log row and NOTIFY in
/// one transaction, nothing delivered here.
fn commit_elsewhere(db: &Db) -> u64 {
    db.transaction(|c| {
        let version = changes::bump_version(c)?;
        let message = format!("{{\"type\":\"version\",\"version\":{version}}}");
        let change = LoggedChange { version, audience: "all".into(), audience_id: None, message, compat: None };
        changes::record(c, &change, 1024)?;
        Ok::<_, flaglive_server::db::sql::DbError>(version)
    })
    .unwrap()
}

/// What the relay's catch-up relies on: the change log and the version read
/// in one `Db::read` agree, whatever another connection commits between the
/// two reads.
#[test]
fn a_commit_between_reading_the_log_and_the_version_is_not_seen_by_that_read() {
    if !on_postgres() {
        return eprintln!("skipped: PostgreSQL only (FLAGLIVE_TEST_POSTGRES)");
    }
    let location = temp_db();
    let (here, elsewhere) = (Db::open(&location).unwrap(), Db::open(&location).unwrap());
    let (batch, version) = here
        .read(|c| {
            let batch = changes::after(c, 0, 100)?;
            assert_eq!(commit_elsewhere(&elsewhere), 1, "committed between the two reads");
            Ok((batch, changes::current_version(c)?))
        })
        .unwrap();
    assert_eq!((batch.len(), version), (0, 0), "one consistent view: no change, version 0");
    assert_eq!(here.read(changes::current_version).unwrap(), 1, "the next read sees it");
}

/// Another instance commits as fast as it can while this instance's relay
/// keeps catching up from the log: every change is published once, in
/// order, and the hub is never restarted (before the log and the version
/// were read together, a commit between the two reads restarted it).
#[test]
fn catching_up_during_concurrent_commits_never_restarts_the_hub() {
    if !on_postgres() {
        return eprintln!("skipped: PostgreSQL only (FLAGLIVE_TEST_POSTGRES)");
    }
    const N: u64 = 300;
    let location = temp_db();
    let (here, elsewhere) = (Db::open(&location).unwrap(), Db::open(&location).unwrap());
    let (hub, relay) = (Hub::new(0, Vec::new(), N as usize + 1, 1024), Relay::default());
    let mut sub = hub.subscribe(None);
    std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..N {
                commit_elsewhere(&elsewhere);
            }
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while hub.version() < N && std::time::Instant::now() < deadline {
            relay.catch_up(&here, &hub);
        }
    });
    assert_eq!(hub.restarts(), 0, "no restart on a concurrent commit");
    let mut published = Vec::new();
    while let Ok(change) = sub.rx.try_recv() {
        published.push(change.version);
    }
    assert_eq!(published, (1..=N).collect::<Vec<_>>());
}
