//! Admin API tokens (read and admin scopes, shown once, revoked at once)
//! and the audit log (one entry per change, in its transaction, paged).

mod common;
use common::*;
use serde_json::{json, Value};

async fn with_token(client: &Client, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> reqwest::Response {
    let mut req = client.http.request(method, client.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn tokens_are_shown_once_scoped_and_revoked_at_once() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    let reader = admin.ok(admin.post("/api/admin/tokens", json!({"name": "dashboards", "scope": "read"})).await).await;
    let writer = admin.ok(admin.post("/api/admin/tokens", json!({"name": "ci-deploy", "scope": "admin"})).await).await;
    let (read_secret, write_secret) = (reader["token"].as_str().unwrap(), writer["token"].as_str().unwrap());
    assert!(read_secret.starts_with("flt_") && read_secret.len() > 60, "{reader}");
    assert_eq!((&reader["name"], &reader["scope"]), (&json!("dashboards"), &json!("read")));

    let listed = admin.ok(admin.get("/api/admin/tokens").await).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains(read_secret) && !listed.to_string().contains(write_secret), "no secrets listed: {listed}");
    assert_eq!(listed[0]["createdBy"], "user:admin");

    let anon = s.anonymous();
    use reqwest::Method;
    // read: GET only.
    assert_eq!(with_token(&anon, Method::GET, "/api/admin/flags", read_secret, None).await.status(), 200);
    let r = with_token(&anon, Method::POST, "/api/admin/flags", read_secret, Some(json!({"flagName": "x"}))).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("scope is read"));
    assert_eq!(with_token(&anon, Method::POST, "/api/admin/tokens", read_secret, Some(json!({"name": "n", "scope": "admin"}))).await.status(), 403);
    // admin: changes, and the audit log names the token.
    let r = with_token(&anon, Method::POST, "/api/admin/flags", write_secret, Some(json!({"flagName": "from_ci", "enabled": true}))).await;
    assert_eq!(r.status(), 201);
    let audit = admin.ok(admin.get("/api/admin/audit").await).await;
    assert_eq!(audit["entries"][0]["actor"], json!({"kind": "token", "name": "ci-deploy"}));
    // A token is not a user: not for the snapshot, nor /me.
    assert_eq!(with_token(&anon, Method::GET, "/api/feature-flags/snapshot", write_secret, None).await.status(), 401);
    assert_eq!(with_token(&anon, Method::GET, "/api/auth/me", write_secret, None).await.status(), 401);

    // Revoked: refused from the next request on.
    let id = writer["id"].as_str().unwrap();
    assert_eq!(admin.delete(&format!("/api/admin/tokens/{id}")).await.status(), 204);
    let r = with_token(&anon, Method::GET, "/api/admin/flags", write_secret, None).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_token");
    assert_eq!(admin.delete(&format!("/api/admin/tokens/{id}")).await.status(), 404);
    assert_eq!(with_token(&anon, Method::GET, "/api/admin/flags", "flt_made-up", None).await.status(), 401);

    // Input and rights.
    assert_eq!(admin.post("/api/admin/tokens", json!({"name": "x", "scope": "root"})).await.status(), 422);
    assert_eq!(admin.post("/api/admin/tokens", json!({"name": " ", "scope": "read"})).await.status(), 422);
    let alice = s.login("alice").await;
    assert_eq!(alice.post("/api/admin/tokens", json!({"name": "mine", "scope": "admin"})).await.status(), 403);
    assert_eq!(alice.get("/api/admin/tokens").await.status(), 403);
    assert_eq!(alice.get("/api/admin/audit").await.status(), 403);
    s.stop().await;
}

#[tokio::test]
async fn every_change_has_one_audit_entry_with_before_and_after() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    create_flag(&admin, json!({"flagName": "beta", "enabled": false})).await;
    admin.ok(admin.post("/api/admin/flags/beta/toggle", json!({})).await).await;
    admin.ok(admin.post("/api/admin/flags/beta/toggle", json!({"enabled": true})).await).await; // no change, no entry
    admin.ok(admin.put("/api/admin/flags/beta/user-targets/id-bob", json!({"enabled": false})).await).await;
    admin.ok(admin.delete("/api/admin/flags/beta/user-targets/id-bob").await).await;
    admin.ok(admin.put("/api/admin/config/customer/cust-a1", json!({"value": {"theme": "dark"}, "reason": "trial"})).await).await;
    admin.ok(admin.put("/api/admin/config/customer/cust-a1", json!({"value": {"theme": "light"}})).await).await;
    admin.ok(admin.delete("/api/admin/flags/beta").await).await;

    let entries = admin.ok(admin.get("/api/admin/audit").await).await["entries"].as_array().unwrap().clone();
    let version = s.app.service.hub().version();
    assert_eq!(entries.len() as u64, version, "one entry per change version");
    let summary: Vec<(u64, &str, &str)> =
        entries.iter().map(|e| (e["version"].as_u64().unwrap(), e["action"].as_str().unwrap(), e["target"].as_str().unwrap())).collect();
    assert_eq!(summary, vec![
        (7, "flag.deleted", "beta"),
        (6, "config.changed", "customer/cust-a1"),
        (5, "config.changed", "customer/cust-a1"),
        (4, "flag.user_target_removed", "beta"),
        (3, "flag.user_target_added", "beta"),
        (2, "flag.toggled", "beta"),
        (1, "flag.created", "beta"),
    ]);
    let by_version = |v: u64| entries.iter().find(|e| e["version"] == v).unwrap().clone();
    let toggled = by_version(2);
    assert_eq!(toggled["actor"], json!({"kind": "user", "name": "admin"}));
    assert_eq!((&toggled["before"]["enabled"], &toggled["after"]["enabled"]), (&json!(false), &json!(true)));
    assert!(toggled["at"].as_i64().unwrap() > 1_700_000_000_000);
    // A target that is not there: `enabled: null`.
    let no_target = json!({"userId": "id-bob", "enabled": null});
    assert_eq!((&by_version(3)["before"], &by_version(3)["after"]), (&no_target, &json!({"userId": "id-bob", "enabled": false})));
    assert_eq!((&by_version(4)["before"], &by_version(4)["after"]), (&json!({"userId": "id-bob", "enabled": false}), &no_target));
    assert_eq!((&by_version(6)["before"], &by_version(6)["after"]), (&json!({"theme": "dark"}), &json!({"theme": "light"})));
    assert_eq!((&by_version(7)["before"]["flagName"], &by_version(7)["after"]), (&json!("beta"), &Value::Null));
    assert_eq!(by_version(1)["before"], Value::Null);

    // Pages: newest first, `before` the last version seen.
    let page = admin.ok(admin.get("/api/admin/audit?limit=3").await).await;
    let versions = |p: &Value| p["entries"].as_array().unwrap().iter().map(|e| e["version"].as_u64().unwrap()).collect::<Vec<_>>();
    assert_eq!(versions(&page), [7, 6, 5]);
    assert_eq!(versions(&admin.ok(admin.get("/api/admin/audit?before=5&limit=3").await).await), [4, 3, 2]);
    assert_eq!(versions(&admin.ok(admin.get("/api/admin/audit?before=2").await).await), [1]);
    assert_eq!(versions(&admin.ok(admin.get("/api/admin/audit?before=1").await).await), Vec::<u64>::new());
    assert_eq!(admin.get("/api/admin/audit?limit=lots").await.status(), 422);
    assert_eq!(admin.get("/api/admin/audit?before=-1").await.status(), 422);
    s.stop().await;
}

#[tokio::test]
async fn a_refused_change_leaves_no_audit_entry() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    assert_eq!(admin.post("/api/admin/flags/missing/toggle", json!({})).await.status(), 404);
    assert_eq!(admin.delete("/api/admin/flags/missing").await.status(), 404);
    assert_eq!(admin.put("/api/admin/config/defaults", json!({"value": [1]})).await.status(), 422);
    assert_eq!(admin.ok(admin.get("/api/admin/audit").await).await, json!({"entries": []}));
    s.stop().await;
}
