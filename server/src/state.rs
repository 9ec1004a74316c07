//! What every request handler shares: the settings and the handles of the
//! running server. Opening it (databases, listener) is the crate root's
//! `AppState::open`, which wires the modules together.

use crate::login_guard::LoginGuard;
use crate::service::Service;
use crate::stream::sessions::StreamSessions;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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
    /// Bytes of messages that in-memory log may hold (the newest change always stays).
    pub replay_log_bytes: usize,
    /// Bytes one reconnect may be replayed; more, and it is told to resync.
    pub replay_max_bytes: usize,
    /// A connection whose writes make no progress this long is closed (a
    /// stream whose client stopped reading holds its queue and buffers).
    pub write_stall_timeout: Duration,
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
    /// A connection that is not a stream, after a response: its next
    /// request must begin within this (the rest of a response, too, is
    /// written as the client reads it: no pause longer than this).
    pub keepalive_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    /// Open streams per login session; the next one gets 429.
    pub max_streams_per_session: usize,
    /// A session unused this long is over (beside its 30-day limit); an
    /// open stream counts as use.
    pub session_idle_timeout: Duration,
    /// Checks the app's JWTs (`--jwt-secret-file`, `--jwt-public-key-file`,
    /// `--jwks-url`); `None`: sign-in with tokens is off.
    pub jwt: Option<Arc<crate::jwt::Verifier>>,
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
            replay_log_bytes: crate::stream::hub::DEFAULT_LOG_BYTES,
            replay_max_bytes: crate::stream::hub::DEFAULT_REPLAY_BYTES,
            write_stall_timeout: Duration::from_secs(15),
            test_hooks: false,
            content_security_policy: DEFAULT_CSP.to_owned(),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            keepalive_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            max_connections_per_address: 1_000,
            max_streams_per_session: 32,
            session_idle_timeout: Duration::from_secs(7 * 86_400),
            jwt: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    pub settings: Arc<Settings>,
    pub logins: Arc<LoginGuard>,
    pub stream_sessions: Arc<StreamSessions>,
}
