//! Limits on connections, so that slow or idle clients cannot use up the
//! server's file handles (observed: 19 990 connections trickling a header
//! line every 2 s took all 20 000, and `/api/health` timed out):
//! - a cap on open connections, overall and per client address (one address
//!   cannot take them all); a connection over a cap is closed at once;
//! - a request must arrive whole (head and body) within the header timeout
//!   of its first byte, however it trickles;
//! - a connection with nothing read or written for the idle timeout is
//!   closed (streams stay alive by their pings), and one that finished a
//!   response and is not a stream must begin its next request within the
//!   keep-alive timeout: idle keep-alive connections held their slots for
//!   the whole idle timeout (probe F3: 10 addresses x 1 000 connections,
//!   each after one `/api/health`, locked everyone else out for 120 s);
//! - writes that make no progress for the write-stall timeout (15 s) close
//!   the connection: a stream whose client stopped reading held its queue
//!   and buffers until the idle timeout (probe F1);
//! - IPv6 clients count per /64 (one host holds a whole /64; counted by
//!   exact address, IPv6 had no cap at all);
//! - when every place is taken, a new connection closes the one that has
//!   waited longest for its next request (never a stream, never one with a
//!   request under way) instead of being refused: idle connections alone
//!   cannot lock anyone out, even within their keep-alive timeout.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

#[derive(Clone, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    /// How long a connection that is not a stream may wait, after a
    /// response, for its next request.
    pub keepalive_timeout: Duration,
    /// Writes that make no progress this long close the connection.
    pub write_stall_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_address: usize,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
    /// Connections waiting for their next request, oldest first (by the
    /// order in which they began to wait).
    idle: BTreeMap<u64, Arc<Eviction>>,
    next_idle: u64,
    /// Told to close, not closed yet: their places are already given away.
    leaving: usize,
}

/// How a new connection tells an idle one to close.
#[derive(Default)]
struct Eviction {
    evicted: AtomicBool,
    /// The idle connection's task, woken to see `evicted`.
    waker: Mutex<Option<Waker>>,
}

/// One open connection's place in the counts; freed when it closes.
struct Slot {
    open: Arc<Mutex<Open>>,
    address: IpAddr,
    eviction: Arc<Eviction>,
    /// Its key in `Open::idle` while it waits for a request.
    idle_since: Option<u64>,
}

impl Slot {
    fn evicted(&self) -> bool {
        self.eviction.evicted.load(Relaxed)
    }

    /// Waiting for the next request: may be closed for a new connection.
    fn wait_idle(&mut self, waker: &Waker) {
        *self.eviction.waker.lock().expect("not poisoned") = Some(waker.clone());
        if self.idle_since.is_none() {
            let mut open = self.open.lock().expect("not poisoned");
            let key = open.next_idle;
            open.next_idle += 1;
            open.idle.insert(key, self.eviction.clone());
            self.idle_since = Some(key);
        }
    }

    fn busy(&mut self) {
        if let Some(key) = self.idle_since.take() {
            self.open.lock().expect("not poisoned").idle.remove(&key);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().expect("not poisoned");
        open.total -= 1;
        open.leaving -= usize::from(self.evicted());
        if let Some(key) = self.idle_since {
            open.idle.remove(&key);
        }
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
        let address = counted_as(address);
        let mut open = self.open.lock().expect("not poisoned");
        let mine = open.by_address.get(&address).copied().unwrap_or(0);
        if mine >= self.limits.max_connections_per_address {
            return None;
        }
        if open.total - open.leaving >= self.limits.max_connections {
            let (_, oldest) = open.idle.pop_first()?;
            oldest.evicted.store(true, Relaxed);
            if let Some(waker) = oldest.waker.lock().expect("not poisoned").take() {
                waker.wake();
            }
            open.leaving += 1;
        }
        open.total += 1;
        *open.by_address.entry(address).or_insert(0) += 1;
        Some(Slot { open: self.open.clone(), address, eviction: Arc::default(), idle_since: None })
    }
}

/// The address a connection counts under: IPv4 as it is (also when mapped
/// into IPv6), IPv6 by its /64, the smallest network one host is given.
pub fn counted_as(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
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
    slot: Slot,
    /// A request has begun and no response byte has been written since.
    awaiting_response: bool,
    deadline: Pin<Box<Sleep>>,
    header_timeout: Duration,
    idle_timeout: Duration,
    keepalive_timeout: Duration,
    write_stall_timeout: Duration,
    /// A write is waiting for the client to read (the deadline is then the stall's).
    stalled: bool,
    /// Its response is an event stream (seen in the response head): quiet
    /// between pings, and given the idle timeout.
    event_stream: bool,
}

impl GuardedIo {
    fn new(stream: TcpStream, slot: Slot, limits: &Limits) -> GuardedIo {
        GuardedIo {
            stream,
            slot,
            // From the accept: a connection that sends nothing is a slow request too.
            awaiting_response: true,
            deadline: Box::pin(tokio::time::sleep(limits.header_timeout)),
            header_timeout: limits.header_timeout,
            idle_timeout: limits.idle_timeout,
            keepalive_timeout: limits.keepalive_timeout,
            write_stall_timeout: limits.write_stall_timeout,
            stalled: false,
            event_stream: false,
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "request not received in time, or connection idle")
}

fn evicted() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "closed while idle to make room for a new connection")
}

impl AsyncRead for GuardedIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(timed_out()));
        }
        if self.slot.evicted() {
            return Poll::Ready(Err(evicted()));
        }
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        // The first bytes after a response begin the next request; more of
        // the same request keep its deadline (a total, not per line).
        if buf.filled().len() > before && !self.awaiting_response {
            self.awaiting_response = true;
            self.slot.busy();
            let at = Instant::now() + self.header_timeout;
            self.deadline.as_mut().reset(at);
        }
        result
    }
}

/// hyper writes header names in lower case.
const EVENT_STREAM: &[u8] = b"content-type: text/event-stream";

impl GuardedIo {
    /// One write, whichever kind, under the deadlines. Before it: a passed
    /// deadline ends the connection (a stalled write ends there even when
    /// nothing polls the read side). After it: written bytes set the next
    /// deadline (a stream waits up to the idle timeout between writes, any
    /// other connection up to the keep-alive timeout, for the rest of its
    /// response or for its next request; `head` is what was offered, whose
    /// start is the response head when a request awaited one); a write that
    /// could not proceed (the client is not reading) starts the stall's
    /// deadline, unless an earlier one is due.
    fn write_with(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        head: &[u8],
        write: impl FnOnce(Pin<&mut TcpStream>, &mut Context<'_>) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(timed_out()));
        }
        if self.slot.evicted() {
            return Poll::Ready(Err(evicted()));
        }
        let result = write(Pin::new(&mut self.stream), cx);
        match result {
            Poll::Ready(Ok(n)) if n > 0 => {
                if self.awaiting_response {
                    self.event_stream = head.windows(EVENT_STREAM.len()).any(|w| w == EVENT_STREAM);
                }
                self.awaiting_response = false;
                self.stalled = false;
                let wait = if self.event_stream { self.idle_timeout } else { self.keepalive_timeout };
                let at = Instant::now() + wait;
                self.deadline.as_mut().reset(at);
                // A response (not a stream) is written whole at once here:
                // from its first bytes the connection awaits the next
                // request. hyper does not poll the read side again to
                // wait for it (its waker is already registered), so the
                // connection's task is taken from this write.
                if !self.event_stream {
                    self.slot.wait_idle(cx.waker());
                }
            }
            Poll::Pending if !self.stalled => {
                self.slot.busy();
                self.stalled = true;
                let at = (Instant::now() + self.write_stall_timeout).min(self.deadline.deadline());
                self.deadline.as_mut().reset(at);
            }
            _ => {}
        }
        result
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        self.write_with(cx, data, |stream, cx| stream.poll_write(cx, data))
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let head = bufs.first().map_or(&[][..], |b| &b[..]);
        self.write_with(cx, head, |stream, cx| stream.poll_write_vectored(cx, bufs))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_by_its_64_and_ipv4_as_it_is() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(counted_as(a), counted_as(b), "one /64, one count");
        assert_ne!(counted_as(a), counted_as(other));
        assert_eq!(counted_as("2001:db8:1:2::".parse().unwrap()), counted_as(a));
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(counted_as(v4), v4);
        assert_eq!(counted_as("::ffff:192.0.2.7".parse().unwrap()), v4, "an IPv4-mapped address is that IPv4 address");
        assert_ne!(counted_as("192.0.2.8".parse().unwrap()), v4);
    }
}
