//! Convergence: a client built on the core `Store`, following the real
//! stream while random admin changes of every kind are made, ends with the
//! same state as a fresh snapshot; in part D from events alone.

mod common;
use common::*;
use flaglive_server::Settings;
use flaglive::event::StreamMessage;
use flaglive::store::{Resync, Store};
use flaglive::Snapshot;
use serde_json::{json, Value};

use flaglive_bench::changes::{random_change as pick_change, Rng, World};

const WORLD: World = World {
    flags: &["alpha", "beta", "gamma", "delta", "pricing_a", "pricing_b"],
    users: &["id-alice", "id-bob"],
    roles: &["md", "sales", "admin"],
    layers: &["defaults", "organization/org-a", "organization/org-b", "customer/cust-a1"],
};

async fn random_change(admin: &Client, rng: &mut Rng) {
    let c = pick_change(rng, &WORLD);
    let body = c.body.unwrap_or(Value::Null);
    let _ = match c.method {
        "POST" => admin.post(&c.path, body).await,
        "PATCH" => admin.patch(&c.path, body).await,
        "PUT" => admin.put(&c.path, body).await,
        _ => admin.delete(&c.path).await,
    };
}

async fn fresh(client: &Client) -> Snapshot {
    serde_json::from_value(client.snapshot().await).unwrap()
}

/// The comparable state: every flag's rules and evaluation, and the config.
fn state(store: &Store) -> Value {
    let mut snap = store.to_snapshot();
    // The store keeps flags in arrival order, which differs between paths.
    snap.flags.sort_by(|a, b| a.flag_name.cmp(&b.flag_name));
    for f in &mut snap.flags {
        f.created_at = None;
        f.updated_at = None;
        f.role_targets.sort_by(|a, b| a.role.cmp(&b.role));
    }
    let mut evals: Vec<_> = store.evaluations().map(|(n, e)| (n.to_owned(), e.enabled, e.reason.as_str())).collect();
    evals.sort();
    json!({ "flags": serde_json::to_value(&snap.flags).unwrap(), "config": serde_json::to_value(&snap.config).unwrap(),
            "evaluations": evals, "resolved": store.config().map(|(v, s)| (serde_json::to_value(v).unwrap(), s.as_str())) })
}

/// Follows the stream while `changes` random changes run; returns the
/// number of snapshot re-reads the store asked for and how many events of
/// each type arrived.
async fn follow(s: &TestServer, query: &str, seed: u64, changes: usize) -> (usize, std::collections::BTreeMap<String, usize>) {
    let alice = s.login("alice").await;
    let admin = s.login("admin").await;
    let mut store = Store::new();
    store.apply_snapshot(fresh(&alice).await);
    let mut sse = alice.stream(query, None).await;
    let mutator = tokio::spawn(async move {
        let mut rng = Rng(seed);
        for _ in 0..changes {
            random_change(&admin, &mut rng).await;
        }
    });
    let (mut rereads, mut pending) = (0, false);
    let mut kinds = std::collections::BTreeMap::new();
    // Events until no change has come for 1.5 s after the last admin change
    // (pings, every 300 ms, keep the stream open and tick this check).
    let mut last_change = std::time::Instant::now();
    while let Some(e) = sse.next().await {
        if e.kind() == "ping" {
            if mutator.is_finished() && last_change.elapsed() > std::time::Duration::from_millis(1500) {
                break;
            }
            continue;
        }
        last_change = std::time::Instant::now();
        *kinds.entry(e.kind().to_owned()).or_insert(0) += 1;
        let message: StreamMessage = serde_json::from_value(e.data).unwrap();
        match store.apply_message(message).resync {
            Resync::Now => {
                store.apply_snapshot(fresh(&alice).await);
                rereads += 1;
                pending = false;
            }
            Resync::Soon => pending = true,
            Resync::No => {}
        }
    }
    mutator.await.unwrap();
    if pending {
        // The debounced re-read, once things are quiet.
        store.apply_snapshot(fresh(&alice).await);
        rereads += 1;
    }
    let mut truth = Store::new();
    truth.apply_snapshot(fresh(&alice).await);
    assert_eq!(state(&store), state(&truth), "seed {seed} {query}");
    (rereads, kinds)
}

/// Every kind of change must have been exercised, or the test proves little.
fn assert_covered(kinds: &std::collections::BTreeMap<String, usize>, expected: &[&str]) {
    for k in expected {
        assert!(kinds.get(*k).copied().unwrap_or(0) > 0, "no {k} event in {kinds:?}");
    }
}

const FLAG_EVENTS: &[&str] = &[
    "flag.created", "flag.updated", "flag.toggled", "flag.rollout_changed", "flag.deleted",
    "flag.user_target_added", "flag.user_target_removed", "flag.role_target_added", "flag.role_target_removed",
];

#[tokio::test]
async fn part_d_converges_from_events_alone() {
    for seed in [1, 2, 3] {
        let s = TestServer::start(test_settings()).await;
        let (rereads, kinds) = follow(&s, "", seed * 7919, 300).await;
        assert_eq!(rereads, 0, "part D needs no snapshot re-read (seed {seed})");
        assert_covered(&kinds, FLAG_EVENTS);
        assert_covered(&kinds, &["config.changed", "version"]);
        s.stop().await;
    }
}

#[tokio::test]
async fn part_b_converges_with_debounced_rereads() {
    for seed in [4, 5, 6] {
        let s = TestServer::start(Settings { allow_compat_query: true, ..test_settings() }).await;
        let (_, kinds) = follow(&s, "?compat=part-b", seed * 7919, 300).await;
        assert_covered(&kinds, FLAG_EVENTS);
        assert!(!kinds.contains_key("config.changed") && !kinds.contains_key("version"), "{kinds:?}");
        s.stop().await;
    }
}
