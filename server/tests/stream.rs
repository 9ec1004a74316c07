//! The live stream on the wire: part D (default) and part B compat.

mod common;
use common::*;
use flaglive_server::Settings;
use serde_json::{json, Value};

fn id(e: &Event) -> u64 {
    e.id.as_deref().expect("part D events carry an id").parse().unwrap()
}

#[tokio::test]
async fn part_d_every_event_type_with_ids_full_state_and_per_user_delivery() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    let alice = s.login("alice").await;
    let mut sse = alice.stream("", None).await;

    let hello = sse.next().await.unwrap();
    assert_eq!(hello.kind(), "connection");
    assert_eq!((hello.data["userId"].as_str(), hello.data["version"].as_u64()), (Some("id-alice"), Some(0)));
    assert_eq!((hello.id.as_deref(), hello.retry.as_deref()), (Some("0"), Some("2000")));
    assert!(hello.data["timestamp"].as_i64().unwrap() > 1_700_000_000_000);

    create_flag(&admin, json!({"flagName": "f", "enabled": true, "rolloutStrategy": "percentage", "rolloutPercentage": 10})).await;
    admin.ok(admin.patch("/api/admin/flags/f", json!({"description": "new words"})).await).await;
    admin.ok(admin.patch("/api/admin/flags/f", json!({"enabled": false, "rolloutPercentage": 60})).await).await;
    admin.ok(admin.put("/api/admin/flags/f/rollout", json!({"rolloutPercentage": 70})).await).await;
    admin.ok(admin.put("/api/admin/flags/f/user-targets/id-alice", json!({"enabled": true})).await).await;
    admin.ok(admin.put("/api/admin/flags/f/user-targets/id-bob", json!({"enabled": true})).await).await;
    admin.ok(admin.delete("/api/admin/flags/f/user-targets/id-alice").await).await;
    admin.ok(admin.put("/api/admin/flags/f/role-targets/md", json!({"enabled": true})).await).await;
    admin.ok(admin.delete("/api/admin/flags/f/role-targets/md").await).await;
    admin.ok(admin.put("/api/admin/config/organization/org-a", json!({"value": {"x": 1}, "reason": "test"})).await).await;
    admin.ok(admin.put("/api/admin/config/organization/org-b", json!({"value": {"x": 2}})).await).await;
    admin.ok(admin.delete("/api/admin/flags/f").await).await;

    let mut events = Vec::new();
    for _ in 0..12 {
        events.push(sse.next_change().await.expect("an event per change"));
    }
    let kinds: Vec<&str> = events.iter().map(Event::kind).collect();
    assert_eq!(kinds, [
        "flag.created", "flag.updated", "flag.toggled", "flag.rollout_changed",
        "flag.user_target_added", "version", "flag.user_target_removed",
        "flag.role_target_added", "flag.role_target_removed", "config.changed", "version", "flag.deleted",
    ]);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(id(e), i as u64 + 1, "ids are the versions, gap-free: {e:?}");
        assert_eq!(e.data["version"].as_u64(), Some(i as u64 + 1));
        if e.kind().starts_with("flag.") {
            assert_eq!(e.data["flagName"], "f");
            assert!(e.data["flagId"].is_string() && e.data["timestamp"].is_i64(), "{e:?}");
        }
        if !matches!(e.kind(), "flag.deleted" | "version" | "config.changed") {
            let state = &e.data["payload"]["newState"];
            assert_eq!(state["flagName"], "f", "full newState: {e:?}");
            assert!(state["enabled"].is_boolean() && state["rolloutPercentage"].is_i64(), "{e:?}");
        }
    }
    let toggled = &events[2].data["payload"];
    assert_eq!(toggled["newState"]["rolloutPercentage"], 60, "part D shows the hidden rollout change");
    assert_eq!((toggled["enabled"].as_bool(), toggled["previousState"]["enabled"].as_bool()), (Some(false), Some(true)));
    assert_eq!(events[4].data["payload"]["userId"], "id-alice");
    assert_eq!(events[5].data, json!({"type": "version", "version": 6}), "bob's target is not shown to alice");
    assert_eq!(events[7].data["payload"]["role"], "md");
    let config = &events[9].data;
    assert_eq!((config["layer"].as_str(), config["value"].clone()), (Some("organization"), json!({"x": 1})));
    assert_eq!((config["changedBy"].as_str(), config["reason"].as_str()), (Some("admin"), Some("test")));
    assert!(events.iter().all(|e| !e.data.to_string().contains("id-bob")));
    s.stop().await;
}

#[tokio::test]
async fn a_client_cannot_switch_isolation_off_unless_the_operator_allows_it() {
    // Part B broadcasts every user's targets: by default a client asking for
    // it is refused, before anything is streamed.
    let s = TestServer::start(test_settings()).await;
    let alice = s.login("alice").await;
    // The stream's headers keep proxies from compressing and holding it.
    let open = alice.get("/api/feature-flags/sse").await;
    assert_eq!(open.headers()["cache-control"], "no-cache, no-transform");
    assert_eq!(open.headers()["x-accel-buffering"], "no");
    drop(open);
    let refused = alice.get("/api/feature-flags/sse?compat=part-b").await;
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "part_b_disabled", "{body}");
    assert!(body["message"].as_str().unwrap().contains("--allow-compat-query"), "{body}");
    // Any other value of `compat` is no request for part B: the isolated stream.
    let mut sse = alice.stream("?compat=part-d", None).await;
    assert_eq!(sse.next().await.unwrap().id.as_deref(), Some("0"));
    s.stop().await;
}

#[tokio::test]
async fn a_session_that_ends_or_whose_user_changes_ends_its_streams_within_a_second() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    let (alice, alice_elsewhere, bob) = (s.login("alice").await, s.login("alice").await, s.login("bob").await);
    let mut alice_streams = [alice.stream("", None).await, alice.stream("", None).await];
    let mut elsewhere = alice_elsewhere.stream("", None).await;
    let mut bobs = bob.stream("", None).await;
    for sse in alice_streams.iter_mut().chain([&mut elsewhere, &mut bobs]) {
        assert_eq!(sse.next().await.unwrap().kind(), "connection");
    }

    // Logout ends both streams of that session, and only those.
    assert_eq!(alice.post("/api/auth/logout", json!({})).await.status(), 204);
    for sse in &mut alice_streams {
        assert!(sse.ends_within(1_000).await, "the logged-out session's stream ended");
    }
    create_flag(&admin, json!({"flagName": "after", "enabled": true})).await;
    assert_eq!(elsewhere.next_change().await.unwrap().kind(), "flag.created", "alice's other session goes on");
    assert_eq!(bobs.next_change().await.unwrap().kind(), "flag.created");

    // A session removed behind this instance's back (another instance's
    // logout, the user deleted) ends the same way.
    s.app.service.read(|c| c.exec("DELETE FROM sessions WHERE user_id = 'id-bob'", &[]).map(drop)).await.unwrap();
    assert!(bobs.ends_within(1_000).await, "bob's session is gone");
    assert!(!elsewhere.ends_within(700).await, "alice's other session still streams");

    // A changed role (what her stream filters by) ends it too: her client
    // reconnects as who she is now.
    s.app.service.read(|c| c.exec("UPDATE users SET role = 'sales' WHERE id = 'id-alice'", &[]).map(drop)).await.unwrap();
    let last = elsewhere.next_change().await.expect("a last message");
    assert_eq!(last.kind(), "resync", "the client must re-read its snapshot: {last:?}");
    assert!(elsewhere.ends_within(1_000).await, "the stream of a user whose role changed ended");
    let mut again = alice_elsewhere.stream("", None).await;
    assert_eq!(again.next().await.unwrap().kind(), "connection");
    assert!(!again.ends_within(700).await, "and she streams again as who she is now");
    s.stop().await;
}

#[tokio::test]
async fn part_b_compat_is_the_production_stream() {
    let s = TestServer::start(Settings { allow_compat_query: true, ..test_settings() }).await;
    let admin = s.login("admin").await;
    let alice = s.login("alice").await;
    create_flag(&admin, json!({"flagName": "f", "enabled": true, "rolloutStrategy": "percentage", "rolloutPercentage": 10})).await;
    let mut sse = alice.stream("?compat=part-b", Some(1)).await;
    let hello = sse.next().await.unwrap();
    assert_eq!(hello.kind(), "connection");
    assert!(hello.id.is_none() && hello.retry.is_none() && hello.data.get("version").is_none(), "{hello:?}");
    // Nothing replayed, whatever Last-Event-ID says.

    admin.ok(admin.patch("/api/admin/flags/f", json!({"enabled": false, "rolloutPercentage": 60})).await).await;
    admin.ok(admin.put("/api/admin/flags/f/rollout", json!({"rolloutPercentage": 70})).await).await;
    admin.ok(admin.put("/api/admin/flags/f/user-targets/id-bob", json!({"enabled": true})).await).await;
    admin.ok(admin.delete("/api/admin/flags/f/user-targets/id-bob").await).await;
    admin.ok(admin.put("/api/admin/flags/f/role-targets/sales", json!({"enabled": false})).await).await;
    admin.ok(admin.put("/api/admin/config/defaults", json!({"value": {"a": 1}})).await).await;
    admin.ok(admin.patch("/api/admin/flags/f", json!({"rolloutStrategy": "all"})).await).await;
    admin.ok(admin.delete("/api/admin/flags/f").await).await;

    let mut events = Vec::new();
    for _ in 0..7 {
        events.push(sse.next_change().await.expect("event"));
    }
    sse.expect_quiet(300).await;
    let strip = |e: &Event| {
        assert!(e.id.is_none(), "no id lines: {e:?}");
        let mut d = e.data.clone();
        for k in ["timestamp", "flagId"] {
            assert!(d[k].is_i64() || d[k].is_string(), "{k} present: {e:?}");
            d.as_object_mut().unwrap().remove(k);
        }
        d
    };
    let got: Vec<Value> = events.iter().map(strip).collect();
    let f = |t: &str, p: Value| json!({"type": t, "flagName": "f", "payload": p});
    assert_eq!(got[0], f("flag.toggled", json!({"previousState": {"enabled": true}, "newState": {"enabled": false}, "enabled": false})));
    assert_eq!(got[1], f("flag.rollout_changed", json!({"previousState": {"rolloutPercentage": 60}, "newState": {"rolloutPercentage": 70}})));
    assert_eq!(got[2], f("flag.user_target_added", json!({"userId": "id-bob", "enabled": true})), "broadcast to everyone");
    assert_eq!(got[3], f("flag.user_target_removed", json!({"userId": "id-bob"})));
    assert_eq!(got[4], f("flag.role_target_added", json!({"role": "sales", "enabled": false})));
    assert_eq!(got[5]["type"], "flag.updated", "no config event in part B; then the strategy update");
    assert_eq!(got[5]["payload"]["newState"]["rolloutStrategy"], "all");
    assert_eq!(got[5]["payload"]["previousState"]["rolloutStrategy"], "percentage");
    assert_eq!(got[6], json!({"type": "flag.deleted", "flagName": "f"}));
    s.stop().await;
}

#[tokio::test]
async fn server_wide_compat_mode_and_pings() {
    let s = TestServer::start(flaglive_server::Settings { compat_part_b: true, ..test_settings() }).await;
    let alice = s.login("alice").await;
    let mut sse = alice.stream("", Some(0)).await;
    let hello = sse.next().await.unwrap();
    assert!(hello.id.is_none() && hello.retry.is_none());
    let ping = sse.next().await.unwrap();
    assert_eq!(ping.kind(), "ping");
    assert!(ping.data["timestamp"].is_i64() && ping.id.is_none());
    assert!(ping.data.get("version").is_none(), "part B pings as the production service sends them");
    s.stop().await;
}

/// Part D pings carry the version of the last change the stream sent (the
/// hello's at first), so a client that lost one on the way notices within
/// one ping interval. Someone else's change counts too: its `version`
/// message was sent.
#[tokio::test]
async fn part_d_pings_carry_the_last_version_sent() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    let alice = s.login("alice").await;
    let mut sse = alice.stream("", None).await;
    let hello = sse.next().await.unwrap();
    let start = hello.data["version"].as_u64().unwrap();
    async fn next_ping(sse: &mut common::Sse) -> common::Event {
        loop {
            let e = sse.next().await.expect("the stream stays open");
            if e.kind() == "ping" {
                return e;
            }
        }
    }
    assert_eq!(next_ping(&mut sse).await.data["version"].as_u64(), Some(start));
    create_flag(&admin, serde_json::json!({ "flagName": "pinged", "enabled": true })).await;
    admin.put("/api/admin/flags/pinged/user-targets/id-bob", serde_json::json!({ "enabled": true })).await;
    let ping = next_ping(&mut sse).await;
    assert_eq!(ping.data["version"].as_u64(), Some(start + 2), "{:?}", ping.data);
    assert!(ping.id.is_none(), "a ping moves no Last-Event-ID");
    s.stop().await;
}

#[tokio::test]
async fn last_event_id_replays_what_was_missed_or_asks_for_a_resync() {
    let s = TestServer::start(flaglive_server::Settings { replay_log: 4, ..test_settings() }).await;
    let admin = s.login("admin").await;
    let alice = s.login("alice").await;
    create_flag(&admin, json!({"flagName": "f", "enabled": true})).await; // version 1
    for pct in [10, 20, 30] {
        admin.ok(admin.put("/api/admin/flags/f/rollout", json!({"rolloutPercentage": pct})).await).await;
    } // versions 2..=4
    admin.ok(admin.put("/api/admin/flags/f/user-targets/id-bob", json!({"enabled": true})).await).await; // 5

    let mut sse = alice.stream("", Some(2)).await;
    let hello = sse.next().await.unwrap();
    assert_eq!(hello.data["version"], 5);
    let mut got = Vec::new();
    for _ in 0..3 {
        let e = sse.next_change().await.unwrap();
        got.push((id(&e), e.kind().to_owned()));
    }
    assert_eq!(got, [(3, "flag.rollout_changed".into()), (4, "flag.rollout_changed".into()), (5, "version".into())]);
    sse.expect_quiet(200).await;

    // Version 1 is no longer in a 4-entry log: resync.
    let mut old = alice.stream("", Some(0)).await;
    assert_eq!(old.next().await.unwrap().kind(), "connection");
    let resync = old.next_change().await.unwrap();
    assert_eq!((resync.kind(), resync.id.as_deref()), ("resync", Some("5")));
    // A client ahead of the server (e.g. a reset database) also resyncs.
    let mut ahead = alice.stream("", Some(99)).await;
    ahead.next().await.unwrap();
    assert_eq!(ahead.next_change().await.unwrap().kind(), "resync");
    // Up to date: nothing but live events.
    let mut current = alice.stream("", Some(5)).await;
    current.next().await.unwrap();
    current.expect_quiet(200).await;
    // The id as a query parameter (how the browser client reopens).
    let mut by_query = alice.stream("?lastEventId=4", None).await;
    by_query.next().await.unwrap();
    assert_eq!(id(&by_query.next_change().await.unwrap()), 5);
    by_query.expect_quiet(200).await;
    s.stop().await;
}

#[tokio::test]
async fn state_version_and_replay_log_survive_a_restart() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    create_flag(&admin, json!({"flagName": "keep", "enabled": true, "rolloutStrategy": "percentage", "rolloutPercentage": 42})).await;
    admin.ok(admin.put("/api/admin/flags/keep/role-targets/md", json!({"enabled": false})).await).await;
    admin.ok(admin.put("/api/admin/config/defaults", json!({"value": {"k": "v"}})).await).await;
    let alice = s.login("alice").await;
    let mut live = alice.stream("", None).await;
    assert_eq!(live.next().await.unwrap().kind(), "connection");
    let db = s.db.clone();
    s.stop().await;
    // Shutdown ends open streams instead of hanging on them.
    assert!(live.next().await.is_none());

    let s = TestServer::start_on(db, test_settings()).await;
    let alice = s.login("alice").await; // users and passwords persisted
    let snap = alice.snapshot().await;
    assert_eq!(snap["version"], 3);
    assert_eq!(snap["flags"][0]["rolloutPercentage"], 42);
    assert_eq!(snap["flags"][0]["roleTargets"], json!([{"role": "md", "enabled": false}]));
    assert_eq!(snap["config"]["defaults"], json!({"k": "v"}));
    // The change log persisted: a client that saw version 1 is replayed.
    let mut sse = alice.stream("", Some(1)).await;
    assert_eq!(sse.next().await.unwrap().data["version"], 3);
    assert_eq!(sse.next_change().await.unwrap().kind(), "flag.role_target_added");
    assert_eq!(sse.next_change().await.unwrap().kind(), "config.changed");
    // And versions continue from where they were.
    let admin = s.login("admin").await;
    admin.ok(admin.post("/api/admin/flags/keep/toggle", json!({})).await).await;
    let e = sse.next_change().await.unwrap();
    assert_eq!((e.kind(), id(&e)), ("flag.toggled", 4));
    s.stop().await;
}

#[tokio::test]
async fn test_hook_broadcasts_raw_data_only_when_enabled() {
    let off = TestServer::start(test_settings()).await;
    let admin = off.login("admin").await;
    assert_eq!(admin.post("/api/test/broadcast", json!({"data": "x"})).await.status(), 404);
    off.stop().await;

    let s = TestServer::start(flaglive_server::Settings { test_hooks: true, ..test_settings() }).await;
    let admin = s.login("admin").await;
    let alice = s.login("alice").await;
    assert_eq!(alice.post("/api/test/broadcast", json!({"data": "x"})).await.status(), 403);
    let mut sse = alice.stream("", None).await;
    sse.next().await.unwrap();
    admin.ok(admin.post("/api/test/broadcast", json!({"data": "{\"type\":\"flag.exploded\",\"n\":1}"})).await).await;
    let e = sse.next_change().await.unwrap();
    assert_eq!((e.data.clone(), e.id), (json!({"type": "flag.exploded", "n": 1}), None));
    assert_eq!(admin.ok(admin.get("/api/health").await).await["version"], 0, "no version bump");
    s.stop().await;
}

/// Probe F1/F5: a replay is bounded in bytes. A reconnect that missed more
/// than `replay_max_bytes` of changes is told to resync (its snapshot is
/// the smaller read), one that missed less is replayed.
#[tokio::test]
async fn a_replay_larger_than_its_byte_bound_is_a_resync() {
    let settings = Settings { replay_max_bytes: 6_000, ..test_settings() };
    let s = TestServer::start(settings).await;
    let admin = s.login("admin").await;
    let alice = s.login("alice").await;
    let description = "d".repeat(1_000);
    create_flag(&admin, json!({ "flagName": "big", "enabled": true, "description": description })).await; // version 1
    for i in 0..6 {
        // Each change's messages carry the whole flag, description and all (part D and part B: ~2.4 KB).
        admin.ok(admin.patch("/api/admin/flags/big", json!({ "description": format!("{description}{i}") })).await).await;
    } // versions 2..=7
    let mut near = alice.stream("", Some(6)).await;
    assert_eq!(near.next().await.unwrap().kind(), "connection");
    assert_eq!(near.next_change().await.unwrap().data["version"], 7, "one change missed: replayed");
    let mut far = alice.stream("", Some(1)).await;
    assert_eq!(far.next().await.unwrap().kind(), "connection");
    assert_eq!(far.next().await.unwrap().kind(), "resync", "six large changes missed: re-read instead");
    s.stop().await;
}
