//! Static files for the demo, and CORS for configured origins only.

mod common;
use common::*;

#[tokio::test]
async fn serves_a_static_directory_with_an_index_fallback() {
    let dir = temp_dir().join("www");
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>demo</title>").unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log(1)").unwrap();
    let s = TestServer::start(flaglive_server::Settings { static_dir: Some(dir), ..test_settings() }).await;
    let anon = s.anonymous();
    let index = anon.get("/").await;
    assert_eq!(index.status(), 200);
    assert!(index.text().await.unwrap().contains("<title>demo</title>"));
    assert_eq!(anon.get("/assets/app.js").await.text().await.unwrap(), "console.log(1)");
    // Client-side routes get the app; unknown API paths stay JSON 404s.
    assert!(anon.get("/admin/flags").await.text().await.unwrap().contains("<title>demo</title>"));
    let api = anon.get("/api/nope").await;
    assert_eq!(api.status(), 404);
    assert_eq!(api.headers()["content-type"], "application/json");
    // Pages carry the CSP; every response the hardening headers.
    let page = anon.get("/").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    for r in [page, api, anon.get("/api/health").await] {
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(r.headers()["referrer-policy"], "strict-origin-when-cross-origin");
        assert_eq!(r.headers()["x-frame-options"], "DENY");
    }
    s.stop().await;
}

#[tokio::test]
async fn cors_allows_credentials_for_configured_origins_only() {
    let allowed = "http://localhost:5173";
    let settings = flaglive_server::Settings { cors_origins: vec![allowed.into()], ..test_settings() };
    let s = TestServer::start(settings).await;
    let anon = s.anonymous();
    let preflight = |origin: &'static str| {
        anon.http
            .request(reqwest::Method::OPTIONS, anon.url("/api/feature-flags/snapshot"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "if-none-match")
            .send()
    };
    let ok = preflight(allowed).await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], allowed);
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");
    let denied = preflight("http://evil.example").await.unwrap();
    assert!(denied.headers().get("access-control-allow-origin").is_none());
    let get = anon.http.get(anon.url("/api/health")).header("Origin", allowed).send().await.unwrap();
    assert_eq!(get.headers()["access-control-allow-origin"], allowed);
    s.stop().await;
}
