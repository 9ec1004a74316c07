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

/// Reads a body as sent, whatever its Content-Encoding.
fn decoded(encoding: Option<&str>, bytes: &[u8]) -> String {
    use std::io::Read;
    let mut text = String::new();
    match encoding {
        Some("gzip") => flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).map(|_| ()),
        Some("br") => brotli_decompressor::Decompressor::new(bytes, 4096).read_to_string(&mut text).map(|_| ()),
        None => Ok(text.push_str(std::str::from_utf8(bytes).unwrap())),
        Some(other) => panic!("unexpected encoding {other}"),
    }
    .unwrap();
    text
}

#[tokio::test]
async fn json_answers_are_compressed_when_asked_and_the_stream_never_is() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    for i in 0..20 {
        create_flag(&admin, serde_json::json!({ "flagName": format!("compressed_{i}"), "enabled": true })).await;
    }
    let plain = admin.snapshot().await;
    let get = |encoding: &'static str, etag: Option<String>| {
        let mut r = admin.http.get(admin.url("/api/feature-flags/snapshot")).header("Accept-Encoding", encoding);
        if let Some(tag) = etag {
            r = r.header("If-None-Match", tag);
        }
        r.send()
    };
    for encoding in ["gzip", "br"] {
        let r = get(encoding, None).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-encoding"], encoding);
        assert!(r.headers()["vary"].to_str().unwrap().to_ascii_lowercase().contains("accept-encoding"));
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let body = r.bytes().await.unwrap();
        let text = decoded(Some(encoding), &body);
        assert!(body.len() * 3 < text.len(), "{encoding}: {} bytes for {}", body.len(), text.len());
        let read: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(read["flags"], plain["flags"], "{encoding}: the same snapshot");
        // ETag and 304 as without compression; a weak form of the tag matches too.
        assert_eq!(get(encoding, Some(etag.clone())).await.unwrap().status(), 304);
        assert_eq!(get(encoding, Some(format!("W/{etag}"))).await.unwrap().status(), 304);
    }
    // Not asked: not compressed.
    let r = admin.http.get(admin.url("/api/admin/flags")).send().await.unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    let list: serde_json::Value = serde_json::from_str(&decoded(None, &r.bytes().await.unwrap())).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(20));
    // The stream, asked for gzip as browsers do: plain text/event-stream.
    let r = admin.http.get(admin.url("/api/feature-flags/sse")).header("Accept-Encoding", "gzip, deflate, br").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    assert!(r.headers().get("content-encoding").is_none(), "the stream is never compressed");
    drop(r);
    s.stop().await;
}

#[tokio::test]
async fn signed_in_json_is_never_cached_and_the_snapshot_revalidates() {
    let s = TestServer::start(test_settings()).await;
    let admin = s.login("admin").await;
    for path in ["/api/auth/me", "/api/admin/flags", "/api/admin/users", "/api/health"] {
        let r = admin.get(path).await;
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let snapshot = admin.get("/api/feature-flags/snapshot").await;
    assert_eq!(snapshot.headers()["cache-control"], "private, no-cache");
    let etag = snapshot.headers()["etag"].to_str().unwrap().to_owned();
    let again = admin.http.get(admin.url("/api/feature-flags/snapshot")).header("If-None-Match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["cache-control"], "private, no-cache", "a 304 keeps the snapshot revalidated, not dropped");
    s.stop().await;
}

#[tokio::test]
async fn cors_never_allows_the_null_origin_and_the_server_refuses_bad_origins_at_start() {
    // Settings made in code: a `null` or `*` origin is left out, no panic.
    let settings = flaglive_server::Settings { cors_origins: vec!["null".into(), "*".into()], ..test_settings() };
    let s = TestServer::start(settings).await;
    let anon = s.anonymous();
    let r = anon.http.get(anon.url("/api/health")).header("Origin", "null").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none(), "null is never echoed with credentials");
    s.stop().await;
    // The command line: a clear error and exit code 2 (it panicked on `*`).
    for origin in ["*", "null", "https://app.example.com/"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_flaglive-server"))
            .args(["--database", temp_dir().join("cors.sqlite").to_str().unwrap(), "--listen", "127.0.0.1:0", "--cors-origin", origin])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{origin}: {stderr}");
        assert!(stderr.contains("--cors-origin") && !stderr.contains("panicked"), "{origin}: {stderr}");
    }
}
