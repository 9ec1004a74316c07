//! A client's status, as the JS client names it.

/// Where a client stands (the JS client's `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// No flags yet.
    Loading,
    /// Flags current and live.
    Ready,
    /// Flags shown, but not known to be current (stream down, a failed
    /// re-read, a cache shown before the network answered).
    Stale,
    /// The server said 401: sign in, then `identify()`.
    Unauthorized,
    /// No flags, and the last read failed.
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Loading => "loading",
            Status::Ready => "ready",
            Status::Stale => "stale",
            Status::Unauthorized => "unauthorized",
            Status::Error => "error",
        }
    }
}
