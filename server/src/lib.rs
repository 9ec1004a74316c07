//! flaglive-server: the reference flag server. Snapshot (part C), live
//! stream (parts B, D, E), admin API and sessions over SQLite, or over
//! PostgreSQL shared by several instances; evaluation is the `flaglive`
//! core crate's, never a copy.

pub mod admin;
pub mod auth;
pub mod connections;
pub mod db;
pub mod error;
pub mod ids;
pub mod login_guard;
pub mod seed;
pub mod service;
pub mod snapshot;
pub mod stream;
pub mod time;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, Method};
use axum::routing::{any, get, post, put};
use axum::{Json, Router};
use error::ApiError;
use service::Service;
use db::sql::DbError;
use db::Location;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use stream::hub::Hub;
use stream::relay::Relay;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

/// The Content-Security-Policy of served pages unless `--content-security-policy` says otherwise.
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/// Server settings (the command line's, minus where to listen and store).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Emit exactly the production stream of part B on every connection.
    pub compat_part_b: bool,
    /// Let a client ask for the part B stream with `?compat=part-b`. Off by
    /// default: part B broadcasts every user's targets to every signed-in
    /// user, so only an operator may switch that isolation off.
    pub allow_compat_query: bool,
    pub ping_interval: Duration,
    /// The `retry:` sent to part D clients.
    pub retry: Duration,
    pub secure_cookies: bool,
    pub cors_origins: Vec<String>,
    pub static_dir: Option<PathBuf>,
    pub max_body_bytes: usize,
    /// Per-connection queue; a connection that falls this far behind is dropped.
    pub queue_capacity: usize,
    /// Changes kept in memory for `Last-Event-ID` replay (and persisted).
    pub replay_log: usize,
    /// Enables `POST /api/test/broadcast` (admin only): send any `data:`
    /// text to every open stream, to test clients against bad input.
    pub test_hooks: bool,
    /// Sent with the static files (`--static-dir`).
    pub content_security_policy: String,
    /// A request must arrive whole within this of its first byte.
    pub header_timeout: Duration,
    /// A connection with nothing read or written this long is closed
    /// (never less than two ping intervals, so streams stay open).
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    /// Open streams per login session; the next one gets 429.
    pub max_streams_per_session: usize,
    /// A session unused this long is over (beside its 30-day limit); an
    /// open stream counts as use.
    pub session_idle_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            compat_part_b: false,
            allow_compat_query: false,
            ping_interval: Duration::from_secs(30),
            retry: Duration::from_secs(2),
            secure_cookies: false,
            cors_origins: Vec::new(),
            static_dir: None,
            max_body_bytes: 256 * 1024,
            queue_capacity: 256,
            replay_log: 1024,
            test_hooks: false,
            content_security_policy: DEFAULT_CSP.to_owned(),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            max_connections: 10_000,
            max_connections_per_address: 1_000,
            max_streams_per_session: 32,
            session_idle_timeout: Duration::from_secs(7 * 86_400),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    pub settings: Arc<Settings>,
    pub logins: Arc<login_guard::LoginGuard>,
    pub stream_sessions: Arc<stream::sessions::StreamSessions>,
}

impl AppState {
    /// Opens (creating and migrating) the database and restores the version
    /// and replay log from it; on PostgreSQL, starts listening for other
    /// instances' changes. Blocking: call from a blocking thread.
    pub fn open(database: &Location, settings: Settings) -> Result<AppState, DbError> {
        let db = db::Db::open(database)?;
        let keep = settings.replay_log as u64;
        let (version, recent) =
            db.read(|c| Ok((db::changes::current_version(c)?, db::changes::recent(c, keep)?)))?;
        let hub = Hub::new(version, recent, settings.queue_capacity, settings.replay_log);
        let service = Arc::new(Service { db, hub, relay: Relay::default(), log_keep: keep });
        stream::relay::start_listener(&service);
        let logins = Arc::new(login_guard::LoginGuard::for_this_machine());
        // Made now, so that the first unknown username costs no more than others.
        auth::dummy_hash();
        Ok(AppState { service, settings: Arc::new(settings), logins, stream_sessions: Arc::default() })
    }
}

async fn health(State(app): State<AppState>) -> Json<serde_json::Value> {
    let hub = &app.service.hub;
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
    let hub = &app.service.hub;
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
        .route("/api/test/broadcast", post(test_broadcast))
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .layer(DefaultBodyLimit::max(app.settings.max_body_bytes));

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
    router = router
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")));
    if !app.settings.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> =
            app.settings.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_credentials(true)
                .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
                .allow_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH, header::HeaderName::from_static("last-event-id")])
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
            let _ = tokio::task::spawn_blocking(move || sessions.sweep(&service.db, idle)).await;
        }
    });
    let router = router(app);
    // The client address feeds the login attempt limits.
    let listener = axum::serve::ListenerExt::tap_io(connections::GuardedListener::new(listener, limits), |_| {});
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown.await;
            hub_owner.relay.stop();
            hub_owner.hub.close();
            sweeper.abort();
        })
        .await
}
