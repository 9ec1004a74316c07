//! flaglive-web in headless Chromium (wasm-bindgen-test) against a real
//! flaglive-server that web/tests/chromium.mjs starts (it allows this
//! page's origin by CORS and passes its URL and an admin API token at
//! compile time). Run by `scripts/test`.
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use flaglive_web::leptos::{provide_flags, use_config, use_flag, use_flags_status, use_variant};
use flaglive_web::{FlagClient, Options, Override, Status};
use gloo_net::http::Request;
use leptos::prelude::{Get, GetUntracked, Owner};
use serde_json::{json, Value};
use wasm_bindgen_test::*;
use web_sys::RequestCredentials;

wasm_bindgen_test_configure!(run_in_browser);

fn server() -> &'static str {
    option_env!("FLAGLIVE_TEST_SERVER").expect("run by web/tests/chromium.mjs, which sets FLAGLIVE_TEST_SERVER")
}

fn token() -> &'static str {
    option_env!("FLAGLIVE_TEST_TOKEN").expect("run by web/tests/chromium.mjs, which sets FLAGLIVE_TEST_TOKEN")
}

/// An HS256 JWT for the user `sso-rust` (role `md`), known only to the
/// "app's" auth: flaglive-server has no password for it.
fn jwt() -> &'static str {
    option_env!("FLAGLIVE_TEST_JWT").expect("run by web/tests/chromium.mjs, which sets FLAGLIVE_TEST_JWT")
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Polls `check` every 50 ms for up to 10 s.
async fn until(what: &str, check: impl Fn() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        sleep(50).await;
    }
    panic!("not within 10 s: {what}");
}

/// Signs this browser in (the session cookie every client then sends).
async fn login(username: &str, password: &str) {
    let r = Request::post(&format!("{}/api/auth/login", server()))
        .credentials(RequestCredentials::Include)
        .json(&json!({ "username": username, "password": password }))
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login {username}");
}

async fn logout() {
    let r = Request::post(&format!("{}/api/auth/logout", server())).credentials(RequestCredentials::Include).json(&json!({})).unwrap().send().await.unwrap();
    assert!(r.status() < 400, "logout: {}", r.status());
}

/// An admin API call with the token (no cookie: the browser's session stays the user's).
async fn admin(method: &str, path: &str, body: Value) -> Value {
    let url = format!("{}{path}", server());
    let builder = match method {
        "POST" => Request::post(&url),
        "PUT" => Request::put(&url),
        _ => Request::get(&url),
    };
    let builder = builder.credentials(RequestCredentials::Omit).header("Authorization", &format!("Bearer {}", token()));
    let request = if body.is_null() { builder.build() } else { builder.json(&body) };
    let r = request.unwrap().send().await.unwrap();
    assert!(r.status() < 400, "{method} {path}: {}", r.status());
    r.json().await.unwrap_or(Value::Null)
}

/// The server's own evaluation of every flag for the signed-in user (this
/// browser's session), as `(name, enabled, reason)` sorted by name.
async fn server_evaluation() -> Vec<(String, bool, String)> {
    let flags = admin("GET", "/api/admin/flags", Value::Null).await;
    let names: Vec<Value> = flags.as_array().unwrap().iter().map(|f| f["flagName"].clone()).collect();
    let r = Request::post(&format!("{}/api/feature-flags/evaluate", server()))
        .credentials(RequestCredentials::Include)
        .json(&json!({ "flagNames": names }))
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "evaluate as the signed-in user");
    let out: Value = r.json().await.unwrap();
    let mut all: Vec<_> = out.as_array().unwrap().iter()
        .map(|r| (r["flagName"].as_str().unwrap().to_owned(), r["enabled"].as_bool().unwrap(), r["reason"].as_str().unwrap().to_owned()))
        .collect();
    all.sort();
    all
}

fn client_evaluation(c: &FlagClient) -> Vec<(String, bool, String)> {
    c.all_flags().into_iter().map(|(n, v)| (n, v.enabled, v.reason.to_owned())).collect()
}

async fn toggle(name: &str) {
    admin("POST", &format!("/api/admin/flags/{name}/toggle"), json!({})).await;
}

#[wasm_bindgen_test]
async fn a_signed_in_client_reads_follows_reconnects_and_identifies() {
    login("maria", "md-demo").await;
    let client = FlagClient::new(Options::new(server()).cache(false));
    client.ready().await.expect("ready");
    assert_eq!(client.status(), Status::Ready);
    assert_eq!(client_evaluation(&client), server_evaluation().await, "the server's evaluation for maria");

    // A Rust subscriber hears an admin toggle, and nothing else.
    let heard = Rc::new(RefCell::new(Vec::<Vec<String>>::new()));
    let sink = heard.clone();
    client.subscribe(move |change, _| sink.borrow_mut().push(change.names.clone()));
    let before = client.is_enabled("promo_banner");
    toggle("promo_banner").await;
    until("the toggle reaches the client", || client.is_enabled("promo_banner") != before).await;
    assert_eq!(heard.borrow().last().unwrap(), &vec!["promo_banner".to_owned()]);
    assert!(heard.borrow().iter().all(|names| names == &vec!["promo_banner".to_owned()]), "{:?}", heard.borrow());

    // A Leptos signal follows the same stream (one stream for the page).
    let owner = Owner::new();
    let (promo, pricing, theme, status) = owner.with(|| {
        provide_flags(Options::new(server()).cache(false));
        (use_flag("promo_banner"), use_variant("pricing_page", &["control", "annual", "compact"]), use_config::<Value>(""), use_flags_status())
    });
    until("the Leptos client is ready", || status.get_untracked() == Status::Ready).await;
    assert_eq!(promo.get_untracked(), client.is_enabled("promo_banner"));
    assert_eq!(pricing.get_untracked(), client.choose_variant("pricing_page", &["control", "annual", "compact"], None).unwrap());
    assert_eq!(theme.get_untracked(), client.config::<Value>(""));
    let was = promo.get_untracked();
    toggle("promo_banner").await;
    until("the toggle reaches the Leptos signal", || promo.get() != was).await;
    until("and the Rust client", || client.is_enabled("promo_banner") == !was).await;
    drop(owner); // cleans up: that client closes

    // Overrides: the tester's value wins, listeners hear it, then it goes.
    client.set_override("promo_banner", Some(Override::Flag(!client.is_enabled("promo_banner"))));
    assert_eq!(client.detail("promo_banner").reason, "override");
    client.set_override("promo_banner", None);
    assert_ne!(client.detail("promo_banner").reason, "override");

    // identify(): another user signs in on this page; the client re-reads as them.
    login("tom", "tech-demo").await;
    client.identify().await.expect("identify");
    assert_eq!(client_evaluation(&client), server_evaluation().await, "the server's evaluation for tom");
    toggle("new_dashboard").await;
    let want = server_evaluation().await;
    until("tom's stream brings a toggle", || client_evaluation(&client) == want).await;
    client.close();
}

#[wasm_bindgen_test]
async fn overrides_set_before_the_first_flags_are_kept_over_them() {
    login("maria", "md-demo").await;
    let client = FlagClient::new(Options::new(server()).cache(false));
    let variants = &["control", "annual", "compact"];
    client.set_override("promo_banner", Some(Override::Flag(true)));
    client.set_override("pricing_page", Some(Override::Variant("compact".into())));
    client.ready().await.expect("ready");
    assert_eq!((client.is_enabled("promo_banner"), client.detail("promo_banner").reason), (true, "override"));
    assert_eq!(client.choose_variant("pricing_page", variants, None).as_deref(), Some("compact"));
    // And they are maria's now: a second client of hers starts with them.
    let second = FlagClient::new(Options::new(server()).cache(false));
    second.ready().await.expect("ready");
    assert_eq!(second.overrides(), client.overrides());
    second.close();
    client.set_override("promo_banner", None);
    client.set_override("pricing_page", None);
    assert!(client.overrides().is_empty());
    client.close();
}

#[wasm_bindgen_test]
async fn a_stream_that_goes_silent_is_reopened_and_the_client_converges() {
    login("maria", "md-demo").await;
    // The test server pings every 500 ms: 300 ms of silence counts as a
    // stalled stream, so the client keeps reopening it (with backoff).
    let mut options = Options::new(server()).cache(false);
    options.stream_timeout_ms = 300;
    let client = FlagClient::new(options);
    client.ready().await.expect("ready");
    until("the stream is reopened", || client.reconnects() >= 2).await;
    toggle("new_dashboard").await;
    let want = server_evaluation().await;
    until("a change made while it was down arrives", || client_evaluation(&client) == want).await;
    client.close();
}

/// Options whose token source hands out `jwt()` and counts its calls.
fn counting_token() -> (Options, Rc<Cell<u32>>) {
    let calls = Rc::new(Cell::new(0));
    let counted = calls.clone();
    let options = Options::new(server()).cache(false).token(move || {
        counted.set(counted.get() + 1);
        async { Some(jwt().to_owned()) }
    });
    (options, calls)
}

#[wasm_bindgen_test]
async fn a_token_user_gets_live_flags_from_the_apps_jwt_and_a_fresh_session_per_identity() {
    logout().await;
    let (options, calls) = counting_token();
    let client = FlagClient::new(options);
    client.ready().await.expect("ready on the token's session");
    assert_eq!((client.status(), calls.get()), (Status::Ready, 1));
    // The exchange left this browser the token user's session cookie.
    assert_eq!(client_evaluation(&client), server_evaluation().await, "the server's evaluation for sso-rust");

    // A change for this user alone arrives live.
    let was = client.is_enabled("dark_mode");
    admin("PUT", "/api/admin/flags/dark_mode/user-targets/sso-rust", json!({ "enabled": !was })).await;
    until("the user target reaches the token user", || client.is_enabled("dark_mode") == !was).await;
    assert_eq!(client.detail("dark_mode").reason, "user_targeted");

    // The session is gone: identify() exchanges the token again, once.
    logout().await;
    client.identify().await.expect("identify on a fresh session");
    assert_eq!((client.status(), calls.get()), (Status::Ready, 2));
    toggle("promo_banner").await;
    let want = server_evaluation().await;
    until("live again on the new session", || client_evaluation(&client) == want).await;
    assert_eq!(calls.get(), 2, "one exchange per identity");
    client.close();

    // The session lost under a live client, with no identify(): its stream
    // (300 ms of silence is stalled; the server pings every 500 ms) is
    // reopened, the re-read that follows gets 401 and exchanges the token.
    let (mut options, lost) = counting_token();
    options.stream_timeout_ms = 300;
    let live = FlagClient::new(options);
    live.ready().await.expect("ready");
    assert_eq!(lost.get(), 1);
    logout().await;
    until("a dropped stream's re-read exchanges the token again", || lost.get() >= 2).await;
    toggle("promo_banner").await;
    let want = server_evaluation().await;
    until("and the client follows the new session", || client_evaluation(&live) == want).await;
    live.close();

    // No token from the app: signed out, with the server's 401.
    logout().await;
    let signed_out = FlagClient::new(Options::new(server()).cache(false).token(|| async { None }));
    let err = signed_out.ready().await.expect_err("no token");
    assert!(err.contains("401"), "{err}");
    assert_eq!(signed_out.status(), Status::Unauthorized);
    signed_out.close();
}

#[wasm_bindgen_test]
async fn signed_out_is_unauthorized_with_a_clear_error() {
    logout().await;
    let client = FlagClient::new(Options::new(server()).cache(false));
    let err = client.ready().await.expect_err("signed out");
    assert!(err.contains("401"), "{err}");
    assert_eq!(client.status(), Status::Unauthorized);
    client.close();
    let nowhere = FlagClient::new(Options::new("http://127.0.0.1:9").cache(false));
    let err = nowhere.ready().await.expect_err("no server");
    assert!(err.contains("cannot be reached"), "{err}");
    nowhere.close();
}

fn vectors(section: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(include_str!("../../tests/data/evaluation-vectors.json")).expect("vectors parse");
    all[section].as_array().expect("section is an array").clone()
}

/// A client shown a snapshot (its bootstrap) and closed before any request.
fn shown(snapshot: Value) -> FlagClient {
    let client = FlagClient::new(Options::new("http://127.0.0.1:9").bootstrap(snapshot.to_string()).cache(false).streaming(false));
    client.close();
    client
}

#[wasm_bindgen_test]
fn every_vector_through_the_rust_client() {
    let mut n = 0;
    for c in vectors("evaluations") {
        // The vectors hold the server's storage model; a part C snapshot
        // carries only the caller's own user target, plus all role targets.
        let mut flags = vec![];
        if !c["flag"].is_null() {
            let mut flag = c["flag"].clone();
            flag["roleTargets"] = c["roleTargets"].clone();
            let user = &c["context"]["userId"];
            if let Some(t) = c["userTargets"].as_array().unwrap().iter().find(|t| user.is_string() && t["userId"] == *user) {
                flag["userTarget"] = json!({ "enabled": t["enabled"] });
            }
            flags.push(flag);
        }
        let name = c["flag"]["flagName"].as_str().unwrap_or("missing").to_owned();
        let client = shown(json!({ "user": { "id": c["context"]["userId"], "role": c["context"]["userRole"] }, "flags": flags }));
        let got = client.detail(&name);
        assert_eq!((Some(got.enabled), Some(got.reason)), (c["expected"]["enabled"].as_bool(), c["expected"]["reason"].as_str()), "{c}");
        n += 1;
    }
    for c in vectors("abTests") {
        let flags: Vec<Value> = c["enabledFlags"].as_array().unwrap().iter().map(|f| json!({ "flagName": f, "enabled": true, "rolloutStrategy": "all" })).collect();
        let client = shown(json!({ "flags": flags }));
        let variants: Vec<&str> = c["variants"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let got = client.choose_variant(c["testName"].as_str().unwrap(), &variants, c["defaultVariant"].as_str());
        assert_eq!(got.map(Value::from).unwrap_or(Value::Null), c["expected"], "{c}");
        n += 1;
    }
    for c in vectors("hashes") {
        assert_eq!(Some(u64::from(flaglive::bucket(c["userId"].as_str().unwrap(), c["flagName"].as_str().unwrap()))), c["bucket"].as_u64(), "{c}");
        n += 1;
    }
    assert_eq!(n, 1325, "every vector");
}
