//! Sign-in with the app's own identity: JWTs (HS256, RS256/ES256 public
//! key, a JWK set served over HTTP) exchanged for a session, or shown to
//! the snapshot and the stream as a bearer token; and every refusal.

mod common;
use common::*;
use flaglive_server::jwt::{KeySource, Verifier};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &[u8] = b"an HS256 secret of 32 bytes or more, for tests";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/jwt/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn now() -> i64 {
    flaglive_server::time::now_ms() / 1000
}

fn hs256(claims: &Value) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(SECRET)).unwrap()
}

fn signed(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, key).unwrap()
}

fn rsa_key(file: &str) -> EncodingKey {
    EncodingKey::from_rsa_pem(&fixture(file)).unwrap()
}

fn ec_key() -> EncodingKey {
    EncodingKey::from_ec_pem(&fixture("ec-private.pem")).unwrap()
}

fn claims(sub: &str) -> Value {
    json!({ "sub": sub, "exp": now() + 3600, "role": "md", "org": "org-a", "customer": "cust-a1" })
}

async fn server_with(verifier: Verifier) -> TestServer {
    TestServer::start(flaglive_server::Settings { jwt: Some(Arc::new(verifier)), ..test_settings() }).await
}

async fn hs256_server() -> TestServer {
    server_with(Verifier::new(KeySource::Secret(SECRET.to_vec()), None, None).unwrap()).await
}

/// `POST /api/auth/session` with `token` as the bearer.
async fn exchange(client: &Client, token: &str) -> reqwest::Response {
    client.http.post(client.url("/api/auth/session")).bearer_auth(token).send().await.unwrap()
}

async fn refusal(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer error=\"invalid_token\"");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token", "{body}");
    body["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_token_signs_in_a_user_flaglive_server_never_knew() {
    let s = hs256_server().await;
    let admin = s.login("admin").await;
    create_flag(&admin, json!({"flagName": "md_only", "enabled": false})).await;
    admin.ok(admin.put("/api/admin/flags/md_only/role-targets/md", json!({"enabled": true})).await).await;

    let app_user = s.anonymous();
    let r = exchange(&app_user, &hs256(&claims("app-user-7"))).await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("Max-Age="), "{cookie}");
    let user = app_user.ok(r).await;
    assert_eq!(user, json!({"id": "app-user-7", "username": "app-user-7", "role": "md", "organizationId": "org-a", "customerId": "cust-a1"}));
    // The cookie now carries the session: snapshot, stream and /me as that user.
    let snapshot = app_user.snapshot().await;
    assert_eq!(snapshot["user"], json!({"id": "app-user-7", "role": "md"}), "{snapshot}");
    assert_eq!(app_user.ok(app_user.get("/api/auth/me").await).await["id"], "app-user-7");
    let mut stream = app_user.stream("", None).await;
    assert_eq!(stream.next().await.unwrap().kind(), "connection");
    admin.ok(admin.post("/api/admin/flags/md_only/toggle", json!({"enabled": true})).await).await;
    assert_eq!(stream.next_change().await.unwrap().kind(), "flag.toggled");
    // No password opens it.
    let login = s.anonymous().post("/api/auth/login", json!({"username": "app-user-7", "password": "!token-only"})).await;
    assert_eq!(login.status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn the_snapshot_and_the_stream_take_the_bearer_directly() {
    let s = hs256_server().await;
    let admin = s.login("admin").await;
    create_flag(&admin, json!({"flagName": "f", "enabled": true})).await;
    let token = hs256(&claims("server-render"));
    let anon = s.anonymous();
    let r = anon.http.get(anon.url("/api/feature-flags/snapshot")).bearer_auth(&token).send().await.unwrap();
    let snapshot = anon.ok(r).await;
    assert_eq!((&snapshot["user"]["id"], &snapshot["flags"][0]["flagName"]), (&json!("server-render"), &json!("f")));
    let r = anon.http.get(anon.url("/api/feature-flags/sse")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    // The same token twice is one session, not two.
    for _ in 0..2 {
        let r = anon.http.get(anon.url("/api/feature-flags/snapshot")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let svc = s.app.service.clone();
    let sessions = tokio::task::spawn_blocking(move || {
        svc.db().read(|c| c.row("SELECT COUNT(*) FROM sessions WHERE user_id = 'server-render'", &[])).unwrap().unwrap().int(0).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(sessions, 1);
    // A wrong bearer is refused even when a good cookie is present.
    let alice = s.login("alice").await;
    let r = alice.http.get(alice.url("/api/feature-flags/snapshot")).bearer_auth("a.b.c").send().await.unwrap();
    refusal(r).await;
    s.stop().await;
}

#[tokio::test]
async fn the_session_ends_when_the_token_does() {
    let s = hs256_server().await;
    let client = s.anonymous();
    let token = hs256(&json!({"sub": "short-lived", "exp": now() + 2}));
    let r = exchange(&client, &token).await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let max_age: i64 = cookie.split("Max-Age=").nth(1).unwrap().split(';').next().unwrap().parse().unwrap();
    assert!((1..=2).contains(&max_age), "{cookie}");
    assert_eq!(client.get("/api/feature-flags/snapshot").await.status(), 200);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(client.get("/api/feature-flags/snapshot").await.status(), 401, "session over with the token");
    // Still inside the 60 s leeway, the token itself verifies, but makes no
    // session that is over at once.
    assert_eq!(refusal(exchange(&client, &token).await).await, "token expired");
    s.stop().await;
}

#[tokio::test]
async fn claims_set_the_role_and_a_new_token_updates_it() {
    let s = hs256_server().await;
    let boss = s.anonymous();
    boss.ok(exchange(&boss, &hs256(&json!({"sub": "boss", "exp": now() + 600, "role": "admin"}))).await).await;
    assert_eq!(boss.get("/api/admin/flags").await.status(), 200, "role admin from the token");
    let plain = s.anonymous();
    let user = plain.ok(exchange(&plain, &hs256(&json!({"sub": "boss", "exp": now() + 600}))).await).await;
    assert_eq!(user["role"], "user", "no role claim: user");
    assert_eq!(plain.get("/api/admin/flags").await.status(), 403);
    assert_eq!(boss.get("/api/admin/flags").await.status(), 403, "the stored user changed for every session");
    s.stop().await;
}

#[tokio::test]
async fn every_bad_token_is_refused_with_its_reason() {
    let s = hs256_server().await;
    let anon = s.anonymous();
    let t = now();
    let other_secret = encode(&Header::new(Algorithm::HS256), &claims("x"), &EncodingKey::from_secret(b"another secret of thirty-two bytes!!")).unwrap();
    let b64 = |v: &Value| {
        use std::fmt::Write;
        // base64url without padding, by hand: the test must not trust the library it checks.
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = v.to_string().into_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                let _ = write!(out, "{}", A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    };
    let unsigned = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims("x")));
    let cases: Vec<(String, &str)> = vec![
        (hs256(&json!({"sub": "x", "exp": t - 120})), "token expired"),
        (hs256(&json!({"sub": "x", "exp": t + 600, "nbf": t + 300})), "token not valid yet (nbf)"),
        (other_secret, "signature does not match the key"),
        (unsigned, "not a JWT"),
        (hs256(&json!({"exp": t + 600})), "claim sub missing"),
        (hs256(&json!({"sub": "x"})), "claim exp missing"),
        (hs256(&json!({"sub": "", "exp": t + 600})), "claim sub"),
        (hs256(&json!({"sub": "x\u{200b}", "exp": t + 600})), "claim sub"),
        (hs256(&json!({"sub": 7, "exp": t + 600})), "claims:"),
        (signed(Algorithm::HS384, None, &EncodingKey::from_secret(SECRET), &claims("x")), "algorithm HS384 is not accepted"),
        ("not-a-token".into(), "not a JWT"),
    ];
    for (token, reason) in cases {
        let message = refusal(exchange(&anon, &token).await).await;
        assert!(message.starts_with(reason), "{token}: {message:?} should start with {reason:?}");
        let r = anon.http.get(anon.url("/api/feature-flags/snapshot")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(refusal(r).await, message, "the snapshot refuses it the same way");
    }
    // Within the 60 s leeway, an expired token still verifies.
    let r = anon.http.get(anon.url("/api/feature-flags/snapshot")).bearer_auth(hs256(&json!({"sub": "x", "exp": t - 30}))).send().await.unwrap();
    assert_eq!(r.status(), 401, "verifies, but its session would already be over");
    let r = anon.http.get(anon.url("/api/feature-flags/snapshot")).bearer_auth(hs256(&json!({"sub": "x", "exp": t + 30, "nbf": t + 30}))).send().await.unwrap();
    assert_eq!(r.status(), 200, "nbf 30 s ahead is inside the leeway");
    // No bearer at all.
    let r = anon.http.post(anon.url("/api/auth/session")).send().await.unwrap();
    assert!(refusal(r).await.contains("Authorization: Bearer"));
    // sub naming another user's username is not a way into their account.
    let message = refusal(exchange(&anon, &hs256(&claims("alice"))).await).await;
    assert!(message.contains("username of another"), "{message}");
    s.stop().await;
}

#[tokio::test]
async fn a_server_without_jwt_options_refuses_tokens() {
    let s = TestServer::start(test_settings()).await;
    let message = refusal(exchange(&s.anonymous(), &hs256(&claims("x"))).await).await;
    assert!(message.contains("--jwt-secret-file"), "{message}");
    s.stop().await;
}

#[tokio::test]
async fn issuer_and_audience_are_checked_when_configured() {
    let verifier = Verifier::new(KeySource::Secret(SECRET.to_vec()), Some("https://app.example".into()), Some("flaglive".into())).unwrap();
    let s = server_with(verifier).await;
    let anon = s.anonymous();
    let t = now() + 600;
    let good = json!({"sub": "x", "exp": t, "iss": "https://app.example", "aud": "flaglive"});
    assert_eq!(exchange(&anon, &hs256(&good)).await.status(), 200);
    for (claims, reason) in [
        (json!({"sub": "x", "exp": t, "iss": "https://evil.example", "aud": "flaglive"}), "wrong issuer (iss)"),
        (json!({"sub": "x", "exp": t, "aud": "flaglive"}), "claim iss missing"),
        (json!({"sub": "x", "exp": t, "iss": "https://app.example", "aud": "other"}), "wrong audience (aud)"),
        (json!({"sub": "x", "exp": t, "iss": "https://app.example"}), "claim aud missing"),
    ] {
        assert_eq!(refusal(exchange(&anon, &hs256(&claims)).await).await, reason);
    }
    s.stop().await;
}

#[tokio::test]
async fn a_public_key_takes_its_own_algorithm_only() {
    // RS256 with the RSA public key, ES256 with the EC one.
    for (public, private, alg) in [("rsa-public.pem", rsa_key("rsa-private.pem"), Algorithm::RS256), ("ec-public.pem", ec_key(), Algorithm::ES256)] {
        let verifier = Verifier::new(KeySource::PublicKeyPem(fixture(public)), None, None).unwrap();
        let s = server_with(verifier).await;
        let anon = s.anonymous();
        assert_eq!(exchange(&anon, &signed(alg, None, &private, &claims("k"))).await.status(), 200, "{public}");
        // The HS/RS confusion: an HS256 token whose secret is the public key's PEM.
        let confused = signed(Algorithm::HS256, None, &EncodingKey::from_secret(&fixture(public)), &claims("k"));
        assert!(refusal(exchange(&anon, &confused).await).await.starts_with("algorithm HS256 is not accepted"));
        // Another key of the same kind.
        if alg == Algorithm::RS256 {
            let other = signed(alg, None, &rsa_key("rsa2-private.pem"), &claims("k"));
            assert_eq!(refusal(exchange(&anon, &other).await).await, "signature does not match the key");
        }
        s.stop().await;
    }
    assert!(Verifier::new(KeySource::PublicKeyPem(b"not a key".to_vec()), None, None).is_err());
    assert!(Verifier::new(KeySource::Secret(b"short\n".to_vec()), None, None).is_err());
}

/// A JWK set on a local HTTP server, as an identity provider serves it;
/// the file it serves can be swapped (key rotation) and its GETs are counted.
async fn serve_jwks(file: Arc<Mutex<&'static str>>, gets: Arc<AtomicU64>) -> String {
    let app = axum::Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(move || {
            let (file, gets) = (file.clone(), gets.clone());
            async move {
                gets.fetch_add(1, Ordering::Relaxed);
                let name = *file.lock().unwrap();
                ([(axum::http::header::CONTENT_TYPE, "application/json")], fixture(name))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/.well-known/jwks.json", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn a_jwk_set_serves_keys_by_kid_and_is_refetched_for_a_new_one_at_most_every_30_s() {
    let file = Arc::new(Mutex::new("jwks.json"));
    let gets = Arc::new(AtomicU64::new(0));
    let url = serve_jwks(file.clone(), gets.clone()).await;
    let s = server_with(Verifier::new(KeySource::JwksUrl(url.clone()), None, None).unwrap()).await;
    let anon = s.anonymous();
    let rs = signed(Algorithm::RS256, Some("rsa-1"), &rsa_key("rsa-private.pem"), &claims("idp-user"));
    let es = signed(Algorithm::ES256, Some("ec-1"), &ec_key(), &claims("idp-user-2"));
    assert_eq!(exchange(&anon, &rs).await.status(), 200);
    assert_eq!(exchange(&anon, &es).await.status(), 200);
    assert_eq!(gets.load(Ordering::Relaxed), 1, "fetched once, then cached");
    // The provider rotates in a key; a token under it within 30 s of the
    // last fetch is refused without a fetch (made-up kids cannot make the
    // server hammer the provider)...
    *file.lock().unwrap() = "jwks-rotated.json";
    let rotated = signed(Algorithm::RS256, Some("rsa-2"), &rsa_key("rsa2-private.pem"), &claims("idp-user-3"));
    for _ in 0..5 {
        assert_eq!(refusal(exchange(&anon, &rotated).await).await, "no key \"rsa-2\" in the key set");
    }
    assert_eq!(gets.load(Ordering::Relaxed), 1);
    // ...a kid with the wrong algorithm for its key is refused...
    let wrong_alg = signed(Algorithm::RS256, Some("ec-1"), &rsa_key("rsa-private.pem"), &claims("x"));
    assert!(refusal(exchange(&anon, &wrong_alg).await).await.starts_with("algorithm RS256 is not accepted"));
    s.stop().await;

    // ...and once the 30 s have passed (here: a verifier that may refetch at
    // once), the new key is fetched and works; every kid missing from the
    // set costs one fetch each time.
    let s = server_with(Verifier::new(KeySource::JwksUrl(url), None, None).unwrap().with_jwks_refresh_min(Duration::ZERO)).await;
    let anon = s.anonymous();
    let before = gets.load(Ordering::Relaxed);
    assert_eq!(exchange(&anon, &rotated).await.status(), 200);
    assert_eq!(gets.load(Ordering::Relaxed), before + 1);
    assert_eq!(exchange(&anon, &rs).await.status(), 200, "old keys still in the set work");
    assert_eq!(gets.load(Ordering::Relaxed), before + 1, "and cost no fetch");
    s.stop().await;
}

#[tokio::test]
async fn an_identity_provider_that_is_down_gives_a_clear_refusal() {
    let verifier = Verifier::new(KeySource::JwksUrl("http://127.0.0.1:9/jwks.json".into()), None, None).unwrap();
    let s = server_with(verifier).await;
    let token = signed(Algorithm::RS256, Some("rsa-1"), &rsa_key("rsa-private.pem"), &claims("x"));
    assert_eq!(refusal(exchange(&s.anonymous(), &token).await).await, "no key \"rsa-1\" in the key set");
    s.stop().await;
}
