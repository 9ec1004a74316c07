//! The server's request bodies: the input's first byte picks an endpoint
//! (admin flags, targets, config layers, users, evaluate, login), the rest
//! is sent as its JSON body to the real router over a temporary SQLite
//! file, signed in as an admin. No body may make the server panic or answer
//! 5xx, every refusal must be a JSON error, and afterwards the snapshot must
//! still read as a valid snapshot (no corrupted state).
#![no_main]
use axum::body::{to_bytes, Body};
use axum::http::Request;
use axum::Router;
use flaglive_server::auth::{create_user, NewUser};
use flaglive_server::db::Location;
use flaglive_server::{router, AppState, Settings};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tower::ServiceExt;

const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/api/admin/flags"),
    ("PATCH", "/api/admin/flags/fz"),
    ("POST", "/api/admin/flags/fz/toggle"),
    ("PUT", "/api/admin/flags/fz/rollout"),
    ("PUT", "/api/admin/flags/fz/user-targets/user-1"),
    ("PUT", "/api/admin/flags/fz/role-targets/md"),
    ("DELETE", "/api/admin/flags/fz"),
    ("PUT", "/api/admin/config/defaults"),
    ("PUT", "/api/admin/config/organization/org-1"),
    ("PUT", "/api/admin/config/customer/cust-1"),
    ("POST", "/api/admin/users"),
    ("POST", "/api/feature-flags/evaluate"),
    ("POST", "/api/auth/login"),
];

struct World {
    rt: tokio::runtime::Runtime,
    router: Router,
    cookie: String,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("flaglive-fuzz-admin-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let app = AppState::open(&Location::Sqlite(dir.join("fuzz.sqlite")), Settings::default()).unwrap();
        create_user(app.service.db(), NewUser {
            username: "admin".into(),
            password: "pw-admin".into(),
            role: "admin".into(),
            organization_id: Some("org-1".into()),
            customer_id: Some("cust-1".into()),
            id: Some("user-admin".into()),
        })
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let router = router(app);
        let login = Request::post("/api/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"username":"admin","password":"pw-admin"}"#))
            .unwrap();
        let response = rt.block_on(router.clone().oneshot(login)).unwrap();
        let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        World { rt, router, cookie }
    })
}

async fn send(w: &World, method: &str, path: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("cookie", &w.cookie)
        .body(Body::from(body))
        .unwrap();
    let response = w.router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    (status, to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec())
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    let (method, path) = ENDPOINTS[usize::from(which) % ENDPOINTS.len()];
    let w = world();
    w.rt.block_on(async {
        let (status, answer) = send(w, method, path, body.to_vec()).await;
        assert!(status < 500, "{method} {path} -> {status}: {}", String::from_utf8_lossy(&answer));
        if status >= 400 {
            let error: serde_json::Value = serde_json::from_slice(&answer).expect("errors are JSON");
            assert!(error["message"].is_string(), "{error}");
        }
        let (status, snapshot) = send(w, "GET", "/api/feature-flags/snapshot", Vec::new()).await;
        assert_eq!(status, 200);
        let text = std::str::from_utf8(&snapshot).unwrap();
        flaglive::Snapshot::from_json(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    });
});
