//! `flaglive-server`: see `--help`.

use clap::Parser;
use flaglive_server::db::Location;
use flaglive_server::{seed, AppState, Settings};
use std::path::PathBuf;
use std::time::Duration;

/// flaglive's reference flag server: snapshot, live SSE stream, admin API,
/// SQLite or PostgreSQL.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// SQLite database file; created and migrated on first start.
    #[arg(long, env = "FLAGLIVE_DATABASE", default_value = "flaglive.sqlite")]
    database: PathBuf,
    /// PostgreSQL instead of SQLite: `postgres://user:password@host:port/dbname`.
    /// Migrated on first start. Several instances may share one database;
    /// each relays the others' changes to its own stream clients.
    #[arg(long, env = "FLAGLIVE_DATABASE_URL", conflicts_with = "database")]
    database_url: Option<String>,
    /// PostgreSQL connections this instance opens.
    #[arg(long, default_value_t = 4)]
    database_pool: usize,
    /// Address to listen on.
    #[arg(long, env = "FLAGLIVE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Serve this directory (e.g. the built demo) for non-API paths.
    #[arg(long, env = "FLAGLIVE_STATIC_DIR")]
    static_dir: Option<PathBuf>,
    /// Allow credentialed cross-origin requests from this origin (repeatable).
    #[arg(long = "cors-origin", env = "FLAGLIVE_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// Create demo users, flags and config layers if the database is empty.
    #[arg(long)]
    seed_demo: bool,
    /// Emit exactly the production stream (docs/protocol.md part B) to every
    /// client. It broadcasts every user's targets to every signed-in user.
    #[arg(long)]
    compat_part_b: bool,
    /// Let a client ask for the part B stream with `?compat=part-b` (refused
    /// otherwise). Such clients receive every user's targets.
    #[arg(long)]
    allow_compat_query: bool,
    /// Milliseconds between ping messages on the stream.
    #[arg(long, default_value_t = 30_000)]
    ping_interval_ms: u64,
    /// Reconnect delay (ms) announced to part D clients with `retry:`.
    #[arg(long, default_value_t = 2_000)]
    retry_ms: u64,
    /// Changes kept for `Last-Event-ID` replay.
    #[arg(long, default_value_t = 1024)]
    replay_log: usize,
    /// Per-connection queue length; a client further behind is dropped and resyncs.
    #[arg(long, default_value_t = 256)]
    client_queue: usize,
    /// Largest accepted request body, in bytes.
    #[arg(long, default_value_t = 256 * 1024)]
    max_body_bytes: usize,
    /// Mark the session cookie `Secure` (serve over HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// Enable POST /api/test/broadcast (admin): raw stream messages, for tests.
    #[arg(long)]
    test_hooks: bool,
    /// A request must arrive whole (head and body) within this many ms of its first byte.
    #[arg(long, default_value_t = 10_000)]
    header_timeout_ms: u64,
    /// Close a connection with nothing read or written this many ms (at least two ping intervals).
    #[arg(long, default_value_t = 120_000)]
    idle_timeout_ms: u64,
    /// A connection that is not a stream, after a response, must begin its next request within this many ms.
    #[arg(long, default_value_t = 10_000)]
    keepalive_timeout_ms: u64,
    /// Close a connection whose writes make no progress this many ms (a stream whose client stopped reading).
    #[arg(long, default_value_t = 15_000)]
    write_stall_timeout_ms: u64,
    /// Bytes of change messages kept in memory for replay (beside --replay-log's count).
    #[arg(long, default_value_t = 16 << 20)]
    replay_log_bytes: usize,
    /// A reconnect missing more than this many bytes of changes is told to resync instead.
    #[arg(long, default_value_t = 1 << 20)]
    replay_max_bytes: usize,
    /// Open connections at most; more are closed at once.
    #[arg(long, default_value_t = 10_000)]
    max_connections: usize,
    /// Open connections from one client address at most.
    #[arg(long, default_value_t = 1_000)]
    max_connections_per_address: usize,
    /// Open streams of one login session at most; the next gets 429.
    #[arg(long, default_value_t = 32)]
    max_streams_per_session: usize,
    /// A session unused this many ms is over (an open stream counts as use).
    #[arg(long, default_value_t = 7 * 86_400_000)]
    session_idle_timeout_ms: u64,
    /// Content-Security-Policy of the static files (default: this origin's
    /// scripts and connections only, plus 'wasm-unsafe-eval').
    #[arg(long, default_value = flaglive_server::DEFAULT_CSP)]
    content_security_policy: String,
    /// Accept the app's JWTs signed with this HS256 secret (a file of at least 32 bytes).
    #[arg(long, env = "FLAGLIVE_JWT_SECRET_FILE", group = "jwt_key")]
    jwt_secret_file: Option<PathBuf>,
    /// Accept the app's JWTs signed with this RSA (RS256) or EC P-256 (ES256) public key, PEM.
    #[arg(long, env = "FLAGLIVE_JWT_PUBLIC_KEY_FILE", group = "jwt_key")]
    jwt_public_key_file: Option<PathBuf>,
    /// Accept JWTs signed by the keys of this JWK set (an identity provider's), by `kid`.
    #[arg(long, env = "FLAGLIVE_JWKS_URL", group = "jwt_key")]
    jwks_url: Option<String>,
    /// Tokens must carry this `iss`.
    #[arg(long, env = "FLAGLIVE_JWT_ISSUER", requires = "jwt_key")]
    jwt_issuer: Option<String>,
    /// Tokens must carry this `aud`.
    #[arg(long, env = "FLAGLIVE_JWT_AUDIENCE", requires = "jwt_key")]
    jwt_audience: Option<String>,
}

/// The JWT verifier the options ask for; exits with a clear message if a key cannot be used.
fn jwt_verifier(args: &Args) -> Option<std::sync::Arc<flaglive_server::jwt::Verifier>> {
    use flaglive_server::jwt::{KeySource, Verifier};
    let read = |option: &str, path: &PathBuf| {
        std::fs::read(path).unwrap_or_else(|e| {
            eprintln!("flaglive-server: {option} {}: {e}", path.display());
            std::process::exit(2);
        })
    };
    let (option, source) = if let Some(path) = &args.jwt_secret_file {
        ("--jwt-secret-file", KeySource::Secret(read("--jwt-secret-file", path)))
    } else if let Some(path) = &args.jwt_public_key_file {
        ("--jwt-public-key-file", KeySource::PublicKeyPem(read("--jwt-public-key-file", path)))
    } else if let Some(url) = &args.jwks_url {
        ("--jwks-url", KeySource::JwksUrl(url.clone()))
    } else {
        return None;
    };
    match Verifier::new(source, args.jwt_issuer.clone(), args.jwt_audience.clone()) {
        Ok(v) => Some(std::sync::Arc::new(v)),
        Err(why) => {
            eprintln!("flaglive-server: {option}: {why}");
            std::process::exit(2);
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler can be installed");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.compat_part_b {
        eprintln!("flaglive-server: warning: --compat-part-b: every stream is the production part B stream, which sends every user's targets to every signed-in user");
    } else if args.allow_compat_query {
        eprintln!("flaglive-server: warning: --allow-compat-query: a client that asks for ?compat=part-b receives every user's targets");
    }
    for origin in &args.cors_origins {
        if let Err(why) = flaglive_server::validate::cors_origin(origin) {
            eprintln!("flaglive-server: --cors-origin {origin:?}: {why}");
            std::process::exit(2);
        }
    }
    let jwt = jwt_verifier(&args);
    let settings = Settings {
        jwt,
        compat_part_b: args.compat_part_b,
        allow_compat_query: args.allow_compat_query,
        ping_interval: Duration::from_millis(args.ping_interval_ms.max(10)),
        retry: Duration::from_millis(args.retry_ms),
        secure_cookies: args.secure_cookies,
        cors_origins: args.cors_origins,
        static_dir: args.static_dir,
        max_body_bytes: args.max_body_bytes,
        queue_capacity: args.client_queue,
        replay_log: args.replay_log,
        test_hooks: args.test_hooks,
        content_security_policy: args.content_security_policy,
        header_timeout: Duration::from_millis(args.header_timeout_ms.max(1)),
        idle_timeout: Duration::from_millis(args.idle_timeout_ms.max(1)),
        keepalive_timeout: Duration::from_millis(args.keepalive_timeout_ms.max(1)),
        write_stall_timeout: Duration::from_millis(args.write_stall_timeout_ms.max(1)),
        replay_log_bytes: args.replay_log_bytes,
        replay_max_bytes: args.replay_max_bytes,
        max_connections: args.max_connections.max(1),
        max_connections_per_address: args.max_connections_per_address.max(1),
        max_streams_per_session: args.max_streams_per_session.max(1),
        session_idle_timeout: Duration::from_millis(args.session_idle_timeout_ms.max(1)),
    };
    let location = match &args.database_url {
        Some(url) => Location::postgres(url, args.database_pool).unwrap_or_else(|| {
            eprintln!("flaglive-server: --database-url must start with postgres:// (use --database for a SQLite file)");
            std::process::exit(2);
        }),
        None => Location::Sqlite(args.database.clone()),
    };
    // Opening and seeding block (file or network I/O): not on the async runtime.
    let (opened, seed_demo) = (location.clone(), args.seed_demo);
    let started = tokio::task::spawn_blocking(move || {
        let app = AppState::open(&opened, settings)?;
        let seeded = if seed_demo { Some(seed::seed_demo(&app.service)) } else { None };
        Ok::<_, flaglive_server::db::sql::DbError>((app, seeded))
    })
    .await
    .expect("the opening thread does not panic");
    let (app, seeded) = match started {
        Ok(started) => started,
        Err(e) => {
            eprintln!("flaglive-server: cannot open database {}: {}", location.describe(), e.detail);
            std::process::exit(1);
        }
    };
    if let Some(seeded) = seeded {
        match seeded {
            Ok(true) => {
                println!("seeded demo data; logins (username / password, role):");
                for (user, password, role, ..) in seed::DEMO_USERS {
                    println!("    {user:<6} / {password:<11} {role}");
                }
            }
            Ok(false) => println!("database already has users; demo data not re-seeded"),
            Err(e) => {
                eprintln!("flaglive-server: seeding failed: {}", e.message);
                std::process::exit(1);
            }
        }
    }
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("flaglive-server: cannot listen on {}: {e}", args.listen);
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().map_or(args.listen.clone(), |a| a.to_string());
    println!("flaglive-server listening on http://{addr} (database {})", location.describe());
    if let Err(e) = flaglive_server::serve(listener, app, shutdown_signal()).await {
        eprintln!("flaglive-server: {e}");
        std::process::exit(1);
    }
}
