//! The client's options and every tunable of its timing, with the JS
//! client's defaults (pkg-template/options.js).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// What a token source returns: the JWT, or `None` when signed out.
pub(crate) type TokenFuture = Pin<Box<dyn Future<Output = Option<String>>>>;

/// The app's sign-in token source ([`Options::token`]).
#[derive(Clone)]
pub struct Token(pub(crate) Rc<dyn Fn() -> TokenFuture>);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(..)")
    }
}

/// How a [`crate::FlagClient`] reaches its server and what it keeps.
#[derive(Clone, Debug)]
pub struct Options {
    /// The flag server, no trailing slash; `""` is the page's own origin.
    pub base_url: String,
    /// Send cookies with requests to another origin (`credentials: include`,
    /// EventSource `withCredentials`): the server must allow this origin
    /// with credentials (`--cors-origin`). Default true.
    pub with_credentials: bool,
    /// Snapshot text to show at once (a server render passes the text it
    /// read, so hydration shows the same values); the client still reads
    /// the network unless it is not in a browser.
    pub bootstrap: Option<String>,
    /// Keep the last good state in localStorage and show it, `Stale`, at
    /// the next start. Default true.
    pub cache: bool,
    /// Whose cache entry to show before the network answers (default: the
    /// last user's).
    pub user_id: Option<String>,
    /// Follow the live stream. Default true.
    pub streaming: bool,
    /// Flag reads (`is_enabled`, `evaluate`) count as exposures. Default false.
    pub expose_flag_reads: bool,
    /// Each exposure once per user, kind, name and value. Default true.
    pub dedupe_exposures: bool,
    /// A part B partial event asks for a re-read this long after it.
    pub resync_debounce_ms: u32,
    /// A hidden tab closes its stream after this long.
    pub hidden_close_ms: u32,
    /// A snapshot request is given up after this long.
    pub request_timeout_ms: u32,
    /// Servers ping every 30 s: this long without a message is a stalled stream.
    pub stream_timeout_ms: u32,
    /// Servers send `connection` at once: nothing this long after opening
    /// means a proxy holds the stream.
    pub stream_start_timeout_ms: u32,
    /// The signed-in user's JWT from the app's own auth (see [`Options::token`]).
    pub token: Option<Token>,
}

impl Options {
    pub fn new(base_url: impl Into<String>) -> Options {
        Options {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            with_credentials: true,
            bootstrap: None,
            cache: true,
            user_id: None,
            streaming: true,
            expose_flag_reads: false,
            dedupe_exposures: true,
            resync_debounce_ms: 300,
            hidden_close_ms: 60_000,
            request_timeout_ms: 10_000,
            stream_timeout_ms: 75_000,
            stream_start_timeout_ms: 5_000,
            token: None,
        }
    }

    pub fn bootstrap(mut self, snapshot: impl Into<String>) -> Options {
        self.bootstrap = Some(snapshot.into());
        self
    }

    pub fn cache(mut self, on: bool) -> Options {
        self.cache = on;
        self
    }

    pub fn streaming(mut self, on: bool) -> Options {
        self.streaming = on;
        self
    }

    /// The signed-in user's JWT from the app's own auth, as the JS client's
    /// `token` option: posted to `/api/auth/session` (flaglive-server
    /// started with a JWT key) before the first snapshot of each identity
    /// (`new`, `identify`) and again after any 401; the session cookie
    /// carries the requests between. `None`: signed out (`Unauthorized`).
    ///
    /// ```ignore
    /// Options::new(url).token(|| async { fetch_my_flag_token().await.ok() })
    /// ```
    pub fn token<F, T>(mut self, source: F) -> Options
    where
        F: Fn() -> T + 'static,
        T: Future<Output = Option<String>> + 'static,
    {
        self.token = Some(Token(Rc::new(move || Box::pin(source()))));
        self
    }
}

/// A stream open this long starts its backoff over.
pub const HEALTHY_MS: f64 = 60_000.0;
/// Live changes are written to the offline cache at most this often.
pub const CACHE_WRITE_MS: u32 = 1_000;
/// Live changes the cache replays over its snapshot; beyond, a re-read.
pub const REPLAY_MAX: usize = 1_000;
/// Users with a cache entry per base URL.
pub const CACHE_USERS: usize = 3;

/// About 1 s doubling to 30 s, with jitter (`random` in [0, 1)) so clients spread out.
pub fn backoff_ms(failures: u32, random: f64) -> u32 {
    let base = (1000u32 << failures.min(5)).min(30_000) as f64;
    (base * (0.5 + random * 0.5)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_thirty_seconds_with_jitter() {
        assert_eq!(backoff_ms(0, 0.999_999), 999);
        assert_eq!(backoff_ms(0, 0.0), 500);
        assert_eq!(backoff_ms(3, 0.0), 4_000);
        assert_eq!(backoff_ms(9, 0.999_999), 29_999);
    }

    #[test]
    fn a_token_source_is_kept_and_cloned_with_the_options() {
        let o = Options::new("").token(|| async { Some("jwt".to_owned()) });
        assert_eq!(format!("{:?}", o.clone().token), "Some(Token(..))");
        assert!(Options::new("").token.is_none());
    }

    #[test]
    fn base_url_loses_its_trailing_slashes() {
        assert_eq!(Options::new("https://flags.example.com//").base_url, "https://flags.example.com");
    }
}
