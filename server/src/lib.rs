//! flaglive-server: the reference flag server. Snapshot (part C), live
//! stream (parts B, D, E), admin API and sessions over SQLite, or over
//! PostgreSQL shared by several instances; evaluation is the `flaglive`
//! core crate's, never a copy.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod connections;
pub mod db;
pub mod error;
pub mod ids;
pub mod jwt;
pub mod login_guard;
pub mod seed;
pub mod service;
pub mod snapshot;
pub mod state;
pub mod stream;
pub mod time;
pub mod tokens;
pub mod validate;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, Method};
use axum::routing::{any, get, post, put};
use axum::{Json, Router};
use error::ApiError;
use service::Service;
use db::sql::DbError;
use db::Location;
pub use state::{AppState, Settings, DEFAULT_CSP};
use std::sync::Arc;
use stream::hub::Hub;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

impl AppState {
    /// Opens (creating and migrating) the database and restores the version
    /// and replay log from it; on PostgreSQL, starts listening for other
    /// instances' changes. Blocking: call from a blocking thread.
    pub fn open(database: &Location, settings: Settings) -> Result<AppState, DbError> {
        let db = db::Db::open(database)?;
        let keep = settings.replay_log as u64;
        let (version, recent) =
            db.read(|c| Ok((db::changes::current_version(c)?, db::changes::recent(c, keep)?)))?;
        let hub = Hub::with_byte_limits(
            version,
            recent,
            settings.queue_capacity,
            settings.replay_log,
            settings.replay_log_bytes,
            settings.replay_max_bytes,
        );
        let service = Arc::new(Service::new(db, hub, keep));
        stream::listener::start(&service);
        let logins = Arc::new(login_guard::LoginGuard::for_this_machine());
        // Made now, so that the first unknown username costs no more than others.
        auth::dummy_hash();
        Ok(AppState { service, settings: Arc::new(settings), logins, stream_sessions: Arc::default() })
    }
}

async fn health(State(app): State<AppState>) -> Json<serde_json::Value> {
    let hub = app.service.hub();
    let (login_checks, login_checks_peak) = app.logins.stats();
    Json(serde_json::json!({
        "ok": true,
        "version": hub.version(),
        "connections": hub.connections(),
        "restarts": hub.restarts(),
        "loginChecks": login_checks,
        "loginChecksPeak": login_checks_peak,
    }))
}

#[derive(serde::Deserialize)]
struct RawBroadcast {
    data: String,
}

/// Test hook: `{ "data": "..." }` goes to every stream as one message.
async fn test_broadcast(
    State(app): State<AppState>,
    _: auth::AdminUser,
    error::Body(raw): error::Body<RawBroadcast>,
) -> Result<axum::http::StatusCode, ApiError> {
    if !app.settings.test_hooks {
        return Err(ApiError::not_found("test hooks are off (start with --test-hooks)"));
    }
    let hub = app.service.hub();
    hub.broadcast_unlogged(db::changes::LoggedChange {
        version: hub.version(),
        audience: stream::sse::RAW.into(),
        audience_id: None,
        message: raw.data,
        compat: None,
    });
    Ok(axum::http::StatusCode::NO_CONTENT)
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API endpoint")
}

pub fn router(app: AppState) -> Router {
    let api = Router::new()
        .route("/api/health", get(health))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/me", get(auth::me))
        .route("/api/auth/session", post(auth::session))
        .route("/api/feature-flags/snapshot", get(snapshot::snapshot))
        .route("/api/feature-flags/sse", get(stream::sse::stream))
        .route("/api/feature-flags/evaluate", post(admin::evaluate))
        .route("/api/admin/flags", get(admin::list_flags).post(admin::create_flag))
        .route("/api/admin/flags/{name}", axum::routing::patch(admin::update_flag).delete(admin::delete_flag))
        .route("/api/admin/flags/{name}/toggle", post(admin::toggle_flag))
        .route("/api/admin/flags/{name}/rollout", put(admin::set_rollout))
        .route("/api/admin/flags/{name}/user-targets/{user_id}", put(admin::set_user_target).delete(admin::remove_user_target))
        .route("/api/admin/flags/{name}/role-targets/{role}", put(admin::set_role_target).delete(admin::remove_role_target))
        .route("/api/admin/config", get(admin::list_layers))
        .route("/api/admin/config/{layer}", put(admin::put_global_layer).delete(admin::delete_global_layer))
        .route("/api/admin/config/{layer}/{scope}", put(admin::put_scoped_layer).delete(admin::delete_scoped_layer))
        .route("/api/admin/users", get(admin::list_users).post(admin::create_user))
        .route("/api/admin/tokens", get(tokens::list).post(tokens::create))
        .route("/api/admin/tokens/{id}", axum::routing::delete(tokens::delete))
        .route("/api/admin/audit", get(audit::list))
        .route("/api/test/broadcast", post(test_broadcast))
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .layer(DefaultBodyLimit::max(app.settings.max_body_bytes))
        // Answers hold a user's flags, users, tokens: no browser or proxy
        // cache may keep them (the snapshot and the stream say their own).
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, |r: &axum::response::Response| {
            let json = r.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
            json.then(|| HeaderValue::from_static("no-store"))
        }));

    let mut router = match &app.settings.static_dir {
        Some(dir) => {
            let files = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
            // The page's scripts come from this origin only; WebAssembly
            // needs 'wasm-unsafe-eval' (the README's advice, tested by the demo test).
            let csp = HeaderValue::from_str(&app.settings.content_security_policy)
                .unwrap_or_else(|_| HeaderValue::from_static(DEFAULT_CSP));
            api.fallback_service(SetResponseHeader::if_not_present(files, header::CONTENT_SECURITY_POLICY, csp))
        }
        None => api,
    };
    // JSON answers (and static files) gzip- or brotli-compressed when the
    // request accepts it: a 20-flag snapshot is 1.7 KB gzipped against
    // several KB plain, which a phone on 3g pays for before its first
    // correct flag. Never the stream: it must reach the client message by
    // message, and the default predicate leaves text/event-stream alone, as
    // it does bodies under 32 bytes (serving.rs checks the stream).
    router = router
        .layer(CompressionLayer::new().gzip(true).br(true))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")));
    if !app.settings.cors_origins.is_empty() {
        // main() refuses bad origins with a message; here they are only
        // left out, so that no setting can make the router panic.
        let origins: Vec<HeaderValue> = app
            .settings
            .cors_origins
            .iter()
            .filter(|o| validate::cors_origin(o).is_ok())
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_credentials(true)
                .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
                .allow_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH, header::AUTHORIZATION, header::HeaderName::from_static("last-event-id")])
                .expose_headers([header::ETAG]),
        );
    }
    router.with_state(app)
}

/// Serves until `shutdown` resolves; then ends every stream so that open
/// SSE connections do not hold the shutdown up.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let hub_owner = app.service.clone();
    let s = &app.settings;
    let limits = connections::Limits {
        header_timeout: s.header_timeout,
        idle_timeout: s.idle_timeout.max(s.ping_interval * 2),
        keepalive_timeout: s.keepalive_timeout.min(s.idle_timeout),
        write_stall_timeout: s.write_stall_timeout,
        max_connections: s.max_connections,
        max_connections_per_address: s.max_connections_per_address,
    };
    // Ends the streams of sessions that ended (logout, expiry, deleted user).
    let (sessions, service, idle) = (app.stream_sessions.clone(), app.service.clone(), app.settings.session_idle_timeout);
    let sweeper = tokio::spawn(async move {
        let mut tick = tokio::time::interval(stream::sessions::SWEEP_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (sessions, service) = (sessions.clone(), service.clone());
            let _ = tokio::task::spawn_blocking(move || sessions.sweep(service.db(), idle)).await;
        }
    });
    let router = router(app);
    // The client address feeds the login attempt limits.
    let listener = axum::serve::ListenerExt::tap_io(connections::GuardedListener::new(listener, limits), |_| {});
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown.await;
            hub_owner.stop();
            sweeper.abort();
        })
        .await
}
