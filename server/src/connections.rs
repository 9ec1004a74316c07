//! Limits on connections, so that slow or idle clients cannot use up the
//! server's file handles (observed: 19 990 connections trickling a header
//! line every 2 s took all 20 000, and `/api/health` timed out):
//! - a cap on open connections, overall and per client address (one address
//!   cannot take them all); a connection over a cap is closed at once;
//! - a request must arrive whole (head and body) within the header timeout
//!   of its first byte, however it trickles;
//! - a connection with nothing read or written for the idle timeout is
//!   closed (streams stay alive by their pings).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

#[derive(Clone, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_address: usize,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// One open connection's place in the counts; freed when it closes.
struct Slot {
    open: Arc<Mutex<Open>>,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().expect("not poisoned");
        open.total -= 1;
        if let Some(n) = open.by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                open.by_address.remove(&self.address);
            }
        }
    }
}

/// A TCP listener that enforces [`Limits`].
pub struct GuardedListener {
    inner: TcpListener,
    limits: Limits,
    open: Arc<Mutex<Open>>,
}

impl GuardedListener {
    pub fn new(inner: TcpListener, limits: Limits) -> GuardedListener {
        GuardedListener { inner, limits, open: Arc::default() }
    }

    fn admit(&self, address: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().expect("not poisoned");
        let mine = open.by_address.get(&address).copied().unwrap_or(0);
        if open.total >= self.limits.max_connections || mine >= self.limits.max_connections_per_address {
            return None;
        }
        open.total += 1;
        *open.by_address.entry(address).or_insert(0) += 1;
        Some(Slot { open: self.open.clone(), address })
    }
}

impl axum::serve::Listener for GuardedListener {
    type Io = GuardedIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (GuardedIo, SocketAddr) {
        loop {
            let (stream, address) = match self.inner.accept().await {
                Ok(accepted) => accepted,
                Err(_) => {
                    // Out of file handles, or the peer gave up: try again shortly.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            // Over a cap: dropped, so closed at once.
            if let Some(slot) = self.admit(address.ip()) {
                return (GuardedIo::new(stream, slot, &self.limits), address);
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A connection that times out as [`Limits`] say.
pub struct GuardedIo {
    stream: TcpStream,
    _slot: Slot,
    /// A request has begun and no response byte has been written since.
    awaiting_response: bool,
    deadline: Pin<Box<Sleep>>,
    header_timeout: Duration,
    idle_timeout: Duration,
}

impl GuardedIo {
    fn new(stream: TcpStream, slot: Slot, limits: &Limits) -> GuardedIo {
        GuardedIo {
            stream,
            _slot: slot,
            // From the accept: a connection that sends nothing is a slow request too.
            awaiting_response: true,
            deadline: Box::pin(tokio::time::sleep(limits.header_timeout)),
            header_timeout: limits.header_timeout,
            idle_timeout: limits.idle_timeout,
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "request not received in time, or connection idle")
}

impl AsyncRead for GuardedIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(timed_out()));
        }
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        // The first bytes after a response begin the next request; more of
        // the same request keep its deadline (a total, not per line).
        if buf.filled().len() > before && !self.awaiting_response {
            self.awaiting_response = true;
            let at = Instant::now() + self.header_timeout;
            self.deadline.as_mut().reset(at);
        }
        result
    }
}

impl GuardedIo {
    fn wrote(&mut self, n: usize) {
        if n > 0 {
            self.awaiting_response = false;
            let at = Instant::now() + self.idle_timeout;
            self.deadline.as_mut().reset(at);
        }
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = result {
            self.wrote(n);
        }
        result
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = result {
            self.wrote(n);
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
