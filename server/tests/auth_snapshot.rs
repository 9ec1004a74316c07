//! Sessions, 401/403, and the snapshot's contents and ETag.

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn unauthenticated_requests_get_401_in_the_production_shape() {
    let s = TestServer::start(test_settings()).await;
    let anon = s.anonymous();
    for path in ["/api/feature-flags/snapshot", "/api/feature-flags/sse"] {
        let r = anon.get(path).await;
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(r.text().await.unwrap(), "Unauthorized", "{path}");
    }
    let r = anon.get("/api/admin/flags").await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], "unauthorized");
    let r = anon.get("/api/auth/me").await;
    assert_eq!(r.status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn non_admins_get_403_from_every_admin_endpoint() {
    let s = TestServer::start(test_settings()).await;
    let alice = s.login("alice").await;
    let calls = [
        alice.get("/api/admin/flags").await,
        alice.post("/api/admin/flags", json!({"flagName": "x"})).await,
        alice.patch("/api/admin/flags/x", json!({"enabled": true})).await,
        alice.post("/api/admin/flags/x/toggle", json!({})).await,
        alice.put("/api/admin/flags/x/rollout", json!({"rolloutPercentage": 5})).await,
        alice.delete("/api/admin/flags/x").await,
        alice.put("/api/admin/flags/x/user-targets/u", json!({"enabled": true})).await,
        alice.put("/api/admin/flags/x/role-targets/md", json!({"enabled": true})).await,
        alice.put("/api/admin/config/defaults", json!({"value": {}})).await,
        alice.get("/api/admin/users").await,
        alice.post("/api/feature-flags/evaluate", json!({"flagName": "x", "context": {"userId": "bob"}})).await,
    ];
    for r in calls {
        assert_eq!(r.status(), 403, "{}", r.url());
    }
    // About herself, anyone signed in may ask (part F's request-per-flag-set).
    let own = alice.post("/api/feature-flags/evaluate", json!({"flagName": "x"})).await;
    assert_eq!(own.status(), 200);
    assert_eq!(own.json::<serde_json::Value>().await.unwrap()["reason"], "flag_not_found");
    assert_eq!(s.anonymous().post("/api/feature-flags/evaluate", json!({"flagName": "x"})).await.status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn login_sets_an_http_only_cookie_and_logout_ends_the_session() {
    let s = TestServer::start(test_settings()).await;
    let anon = s.anonymous();
    let wrong = anon.post("/api/auth/login", json!({"username": "alice", "password": "nope"})).await;
    assert_eq!(wrong.status(), 401);
    let unknown = anon.post("/api/auth/login", json!({"username": "nobody", "password": "nope"})).await;
    assert_eq!(unknown.status(), 401);

    let client = Client::new(&s.url);
    let r = client.post("/api/auth/login", json!({"username": "alice", "password": "pw-alice"})).await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("flaglive_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    let me = client.ok(r).await;
    assert_eq!((me["id"].as_str(), me["role"].as_str()), (Some("id-alice"), Some("md")));
    assert_eq!(client.ok(client.get("/api/auth/me").await).await["username"], "alice");

    // Another site can post a form or text with the user's cookie: refused, still signed in.
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let r = client.http.post(client.url("/api/auth/logout")).header("Content-Type", content_type).body("").send().await.unwrap();
        assert_eq!(r.status(), 415, "{content_type}");
    }
    let r = client.http.post(client.url("/api/auth/logout")).send().await.unwrap();
    assert_eq!(r.status(), 415, "no content type");
    assert_eq!(client.get("/api/auth/me").await.status(), 200, "still signed in");
    let r = client.post("/api/auth/logout", json!({})).await;
    assert_eq!(r.status(), 204);
    assert_eq!(client.get("/api/auth/me").await.status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn the_snapshot_holds_only_the_callers_own_user_target() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    create_flag(&admin, json!({"flagName": "beta", "enabled": true, "rolloutStrategy": "percentage", "rolloutPercentage": 30})).await;
    create_flag(&admin, json!({"flagName": "other", "enabled": false})).await;
    admin.ok(admin.put("/api/admin/flags/beta/user-targets/id-alice", json!({"enabled": false})).await).await;
    admin.ok(admin.put("/api/admin/flags/beta/user-targets/id-bob", json!({"enabled": true})).await).await;
    admin.ok(admin.put("/api/admin/flags/beta/role-targets/sales", json!({"enabled": true})).await).await;
    admin.ok(admin.put("/api/admin/flags/beta/role-targets/md", json!({"enabled": false})).await).await;

    let alice = s.login("alice").await;
    let snap = alice.snapshot().await;
    assert_eq!(snap["user"], json!({"id": "id-alice", "role": "md"}));
    assert_eq!(snap["version"], 6, "two creates and four target changes");
    assert!(snap["generatedAt"].as_str().unwrap().ends_with('Z'));
    let flags = snap["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 2);
    let beta = flags.iter().find(|f| f["flagName"] == "beta").unwrap();
    assert_eq!(beta["userTarget"], json!({"enabled": false}));
    assert_eq!(beta["roleTargets"], json!([{"role": "md", "enabled": false}, {"role": "sales", "enabled": true}]));
    assert_eq!(beta["rolloutPercentage"], 30);
    let text = serde_json::to_string(&snap).unwrap();
    assert!(!text.contains("id-bob"), "no other user's target: {text}");
    let other = flags.iter().find(|f| f["flagName"] == "other").unwrap();
    assert!(other.get("userTarget").is_none());

    let bob = s.login("bob").await;
    let bob_beta = bob.snapshot().await["flags"].as_array().unwrap().iter().find(|f| f["flagName"] == "beta").cloned().unwrap();
    assert_eq!(bob_beta["userTarget"], json!({"enabled": true}));
    s.stop().await;
}

#[tokio::test]
async fn config_layers_in_the_snapshot_are_the_callers() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    admin.ok(admin.put("/api/admin/config/defaults", json!({"value": {"theme": "light", "n": 1}})).await).await;
    admin.ok(admin.put("/api/admin/config/organization/org-a", json!({"value": {"theme": "dark"}})).await).await;
    admin.ok(admin.put("/api/admin/config/organization/org-b", json!({"value": {"theme": "blue"}})).await).await;
    admin.ok(admin.put("/api/admin/config/customer/cust-a1", json!({"value": {"n": 2}})).await).await;
    let alice = s.login("alice").await;
    assert_eq!(
        alice.snapshot().await["config"],
        json!({"defaults": {"theme": "light", "n": 1}, "organization": {"theme": "dark"}, "customer": {"n": 2}})
    );
    let bob = s.login("bob").await;
    assert_eq!(bob.snapshot().await["config"], json!({"defaults": {"theme": "light", "n": 1}, "organization": {"theme": "blue"}}));
    s.stop().await;
}

#[tokio::test]
async fn etag_answers_304_until_something_changes() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    create_flag(&admin, json!({"flagName": "f", "enabled": true})).await;
    let alice = s.login("alice").await;
    let first = alice.get("/api/feature-flags/snapshot").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = alice.http.get(alice.url("/api/feature-flags/snapshot")).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    // Another user's ETag differs at the same version.
    let bob = s.login("bob").await;
    let bobs = bob.get("/api/feature-flags/snapshot").await.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(bobs, etag);
    admin.ok(admin.post("/api/admin/flags/f/toggle", json!({})).await).await;
    let changed = alice.http.get(alice.url("/api/feature-flags/snapshot")).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    s.stop().await;
}

/// A page on another site can send "simple" requests (form or text bodies,
/// no preflight) that may carry the cookie; none of them may change a flag.
#[tokio::test]
async fn cross_site_simple_requests_change_nothing() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    create_flag(&admin, json!({"flagName": "f", "enabled": true})).await;
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        for (path, body) in [("/api/admin/flags/f/toggle", "{}"), ("/api/admin/flags", r#"{"flagName":"g"}"#)] {
            let r = admin.http.post(admin.url(path)).header("content-type", content_type).body(body).send().await.unwrap();
            assert_eq!(r.status(), 415, "{content_type} {path}");
        }
    }
    let snap = admin.snapshot().await;
    assert_eq!((snap["version"].as_u64(), snap["flags"].as_array().unwrap().len()), (Some(1), 1));
    assert_eq!(snap["flags"][0]["enabled"], true);
    s.stop().await;
}

/// `?prepared=1`: the same snapshot, with the core's evaluation of it for
/// the caller beside it (what prepareBootstrap() gives), under the same ETag.
#[tokio::test]
async fn a_prepared_snapshot_carries_the_text_and_its_evaluation() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    create_flag(&admin, json!({"flagName": "for_all", "enabled": true})).await;
    create_flag(&admin, json!({"flagName": "off", "enabled": false})).await;
    let alice = s.login("alice").await;
    let r = alice.get("/api/feature-flags/snapshot?prepared=1").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let answer: serde_json::Value = r.json().await.unwrap();
    let text = answer["snapshot"].as_str().expect("the snapshot as text");
    let snapshot: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(snapshot["user"]["id"], answer["state"]["u"]);
    assert_eq!(answer["state"]["codes"], flaglive::engine::CODES);
    assert_eq!(answer["state"]["v"], json!({}));
    // Codes: reason index * 2 + enabled (strategy_all = 4, flag_disabled = 1).
    assert_eq!(answer["state"]["f"]["for_all"], 9);
    assert_eq!(answer["state"]["f"]["off"], 2);
    assert_eq!(answer["state"]["f"].as_object().unwrap().len(), snapshot["flags"].as_array().unwrap().len());
    let plain = alice.get("/api/feature-flags/snapshot").await;
    assert_eq!(plain.headers()["etag"].to_str().unwrap(), etag, "one ETag for both shapes");
    let again = alice.http.get(alice.url("/api/feature-flags/snapshot?prepared=1")).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    // Not signed in: the same 401 as the plain snapshot.
    assert_eq!(s.anonymous().get("/api/feature-flags/snapshot?prepared=1").await.status(), 401);
    s.stop().await;
}
