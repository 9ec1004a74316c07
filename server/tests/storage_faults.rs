//! Storage faults: the database locked by another process and a full disk.
//! The server must refuse the change with a clear error, keep serving
//! reads, publish nothing for the failed change, leave the file intact, and
//! carry on with gap-free versions once the fault clears.

mod common;
use common::*;
use serde_json::{json, Value};

async fn refused(r: reqwest::Response, status: u16, code: &str) {
    assert_eq!(r.status(), status);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(body["message"].as_str().unwrap().contains("nothing was changed"), "{body}");
}

fn integrity(s: &TestServer) -> String {
    s.app.service.db.lock().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

/// A server with flag `f` (version 1), an admin, and alice following the stream.
async fn with_flag_and_listener() -> (TestServer, Client, Client, Sse) {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    create_flag(&admin, json!({"flagName": "f", "enabled": true})).await;
    let alice = s.login("alice").await;
    let mut sse = alice.stream("", None).await;
    assert_eq!(sse.next().await.unwrap().kind(), "connection");
    (s, admin, alice, sse)
}

#[tokio::test]
async fn a_database_locked_by_another_process_refuses_changes_and_loses_nothing() {
    let (s, admin, alice, mut sse) = with_flag_and_listener().await;

    let other = rusqlite::Connection::open(&s.db_path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap(); // holds the write lock
    refused(admin.post("/api/admin/flags/f/toggle", json!({})).await, 503, "storage_busy").await;
    let snap = alice.snapshot().await;
    assert_eq!((snap["version"].as_u64(), snap["flags"][0]["enabled"].as_bool()), (Some(1), Some(true)), "reads go on");
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);

    admin.ok(admin.post("/api/admin/flags/f/toggle", json!({})).await).await;
    let e = sse.next_change().await.unwrap();
    assert_eq!((e.kind(), e.id.as_deref()), ("flag.toggled", Some("2")), "the refused change used no version");
    assert_eq!(alice.snapshot().await["flags"][0]["enabled"], false);
    assert_eq!(integrity(&s), "ok");
    s.stop().await;
}

#[tokio::test]
async fn a_lock_released_within_the_busy_timeout_is_waited_for() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    create_flag(&admin, json!({"flagName": "f", "enabled": true})).await;
    let other = rusqlite::Connection::open(&s.db_path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(500));
        other.execute_batch("ROLLBACK").unwrap();
    });
    admin.ok(admin.post("/api/admin/flags/f/toggle", json!({})).await).await;
    release.join().unwrap();
    assert_eq!(admin.snapshot().await["version"], 2);
    s.stop().await;
}

#[tokio::test]
async fn a_full_disk_refuses_changes_and_keeps_the_database_intact() {
    let (s, admin, alice, mut sse) = with_flag_and_listener().await;

    // SQLite's own page limit: the file may not grow, as on a full disk.
    {
        let db = s.app.service.db.lock();
        let pages: i64 = db.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        db.pragma_update(None, "max_page_count", pages).unwrap();
    }
    let big = json!({"value": {"blob": "x".repeat(100_000)}});
    refused(admin.put("/api/admin/config/defaults", big.clone()).await, 507, "storage_full").await;
    assert_eq!(alice.snapshot().await["version"], 1, "nothing was written");
    assert_eq!(integrity(&s), "ok");

    s.app.service.db.lock().pragma_update(None, "max_page_count", 1_073_741_823i64).unwrap();
    admin.ok(admin.put("/api/admin/config/defaults", big).await).await;
    let e = sse.next_change().await.unwrap();
    assert_eq!((e.kind(), e.id.as_deref()), ("config.changed", Some("2")));
    assert_eq!(alice.snapshot().await["config"]["defaults"]["blob"].as_str().map(str::len), Some(100_000));
    s.stop().await;
}
