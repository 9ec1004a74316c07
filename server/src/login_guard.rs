//! What stands between `POST /api/auth/login` and the password hash:
//! - argon2 checks (each takes ~19 MiB) run on one thread per CPU of our
//!   own, and only a few more wait; beyond that the answer is 429 at once,
//!   with no hashing, so a flood cannot exhaust memory. Own threads, not
//!   tokio's blocking pool: the allocator keeps freed memory per thread,
//!   and a pool of hundreds of threads held 1.5 GB after a 6 s flood;
//! - those places are shared fairly: one address (an IPv6 /64, see
//!   `connections::counted_as`) holds at most two, and half of them are
//!   kept for addresses with no recent failure. Without that, 40 addresses
//!   sending wrong passwords filled every place long before their delays
//!   began (100 free failures each) and 0 of 31 correct logins got in
//!   within 12 s (second outside probe, F2);
//! - failures bring growing delays, per username from one client address
//!   and (more loosely) per address, answered with 429 and `Retry-After`
//!   before any hashing; a success clears its username's count;
//! - an unknown username costs a check against a dummy hash, so response
//!   times do not tell who exists.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

/// Failures of one username from one address before delays start.
const FREE_PER_USER: u32 = 5;
/// Failures from one address (any usernames) before delays start.
const FREE_PER_ADDRESS: u32 = 100;
const MAX_DELAY_MS: i64 = 60_000;
/// Checks waiting for a CPU, per CPU.
const WAITING_PER_PERMIT: usize = 3;
/// Checks running or waiting for one address at once.
const IN_FLIGHT_PER_ADDRESS: usize = 2;
/// Failure records kept before old ones are dropped.
const MAX_RECORDS: usize = 10_000;
const RECORD_TTL_MS: i64 = 15 * 60_000;

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last_ms: i64,
}

impl Failures {
    /// Milliseconds to wait after the last failure before another attempt.
    fn delay_ms(&self, per_user: bool) -> i64 {
        if per_user {
            // 1 s, 2 s, 4 s, ... after the free attempts.
            let over = self.count.saturating_sub(FREE_PER_USER);
            if self.count < FREE_PER_USER { 0 } else { (1000i64 << over.min(6)).min(MAX_DELAY_MS) }
        } else {
            // A second more per 10 failures over the free ones.
            let over = i64::from(self.count.saturating_sub(FREE_PER_ADDRESS));
            if self.count < FREE_PER_ADDRESS { 0 } else { (1000 + over * 100).min(MAX_DELAY_MS) }
        }
    }
}

/// A check, given its thread's argon2 working memory.
type Job = Box<dyn FnOnce(&mut Vec<argon2::Block>) + Send>;

#[derive(Default)]
struct Stats {
    running: AtomicUsize,
    peak_running: AtomicUsize,
    checks: AtomicU64,
}

/// Checks running or waiting for a thread.
#[derive(Default)]
struct Places {
    all: usize,
    /// Those of addresses with recent failures.
    suspect: usize,
    by_address: HashMap<String, usize>,
}

pub struct LoginGuard {
    /// To the check threads; they end when the guard is dropped.
    jobs: Mutex<Sender<Job>>,
    parallel: usize,
    places: Mutex<Places>,
    stats: Arc<Stats>,
    /// By `u` + address + `\0` + username, and by `a` + address.
    failures: Mutex<HashMap<String, Failures>>,
}

/// Why an attempt is answered with 429 before any check.
#[derive(Debug, PartialEq, Eq)]
pub struct TooMany {
    pub retry_after_secs: u64,
}

/// An admitted attempt; dropping it frees its place.
pub struct Admission<'a> {
    guard: &'a LoginGuard,
    address: String,
    suspect: bool,
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        let mut places = self.guard.places.lock().expect("not poisoned");
        places.all -= 1;
        places.suspect -= usize::from(self.suspect);
        if let Some(n) = places.by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                places.by_address.remove(&self.address);
            }
        }
    }
}

/// A check thread: takes jobs until the guard is gone.
fn run_checks(queue: &Mutex<Receiver<Job>>, stats: &Stats) {
    let mut memory = Vec::new();
    loop {
        let job = match queue.lock().expect("not poisoned").recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        let now = stats.running.fetch_add(1, Relaxed) + 1;
        stats.peak_running.fetch_max(now, Relaxed);
        stats.checks.fetch_add(1, Relaxed);
        job(&mut memory);
        stats.running.fetch_sub(1, Relaxed);
    }
}

fn address_key(address: &str) -> String {
    format!("a{address}")
}

fn user_key(address: &str, username: &str) -> String {
    // A username can be as long as the body limit; its first 128 bytes do.
    let cut = (0..=username.len().min(128)).rev().find(|i| username.is_char_boundary(*i)).unwrap_or(0);
    format!("u{address}\0{}", &username[..cut])
}

impl LoginGuard {
    /// A guard allowing `parallel` (at least 1) checks at once.
    pub fn new(parallel: usize) -> LoginGuard {
        let parallel = parallel.max(1);
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let stats = Arc::new(Stats::default());
        for _ in 0..parallel {
            let (queue, stats) = (queue.clone(), stats.clone());
            std::thread::Builder::new()
                .name("login-check".into())
                .spawn(move || run_checks(&queue, &stats))
                .expect("a thread can be started");
        }
        LoginGuard { jobs: Mutex::new(jobs), parallel, places: Mutex::default(), stats, failures: Mutex::new(HashMap::new()) }
    }

    /// One check per CPU.
    pub fn for_this_machine() -> LoginGuard {
        LoginGuard::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    /// Password checks done so far, and the most that ever ran at once.
    pub fn stats(&self) -> (u64, usize) {
        (self.stats.checks.load(Relaxed), self.stats.peak_running.load(Relaxed))
    }

    /// Whether an attempt for `username` from `address` may be checked now.
    pub fn admit(&self, username: &str, address: &str, now_ms: i64) -> Result<Admission<'_>, TooMany> {
        let suspect = {
            let failures = self.failures.lock().expect("not poisoned");
            let wait = [(user_key(address, username), true), (address_key(address), false)]
                .iter()
                .filter_map(|(key, per_user)| failures.get(key).map(|f| f.last_ms + f.delay_ms(*per_user) - now_ms))
                .max()
                .unwrap_or(0);
            if wait > 0 {
                return Err(TooMany { retry_after_secs: (wait as u64).div_ceil(1000) });
            }
            failures.get(&address_key(address)).is_some_and(|f| now_ms - f.last_ms < RECORD_TTL_MS)
        };
        let limit = self.parallel * (1 + WAITING_PER_PERMIT);
        let mut places = self.places.lock().expect("not poisoned");
        let of_address = places.by_address.get(address).copied().unwrap_or(0);
        let full = places.all >= limit
            || of_address >= IN_FLIGHT_PER_ADDRESS
            // Half the places stay free for addresses with no recent failure.
            || (suspect && places.suspect >= limit - limit / 2);
        if full {
            return Err(TooMany { retry_after_secs: 1 });
        }
        places.all += 1;
        places.suspect += usize::from(suspect);
        *places.by_address.entry(address.to_owned()).or_default() += 1;
        Ok(Admission { guard: self, address: address.to_owned(), suspect })
    }

    /// Runs one password check on a check thread once one is free.
    pub async fn check<T: Send + 'static>(
        &self,
        _: &Admission<'_>,
        f: impl FnOnce(&mut Vec<argon2::Block>) -> T + Send + 'static,
    ) -> T {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = done.send(f(memory));
        });
        self.jobs.lock().expect("not poisoned").send(job).expect("the check threads run while the guard lives");
        result.await.expect("a password check does not panic")
    }

    /// Counts a failure, or clears the username's count on success.
    pub fn record(&self, username: &str, address: &str, success: bool, now_ms: i64) {
        let mut failures = self.failures.lock().expect("not poisoned");
        let user = user_key(address, username);
        if success {
            failures.remove(&user);
            return;
        }
        if failures.len() >= MAX_RECORDS {
            failures.retain(|_, f| now_ms - f.last_ms < RECORD_TTL_MS);
        }
        for key in [user, address_key(address)] {
            let f = failures.entry(key).or_insert(Failures { count: 0, last_ms: now_ms });
            f.count = f.count.saturating_add(1);
            f.last_ms = now_ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_per_user_and_address_and_a_success_clears_the_user() {
        let g = LoginGuard::new(1);
        for i in 0..FREE_PER_USER {
            drop(g.admit("maria", "1.2.3.4", i64::from(i)).expect("free attempts"));
            g.record("maria", "1.2.3.4", false, i64::from(i));
        }
        assert_eq!(g.admit("maria", "1.2.3.4", 10).err(), Some(TooMany { retry_after_secs: 1 }));
        assert!(g.admit("maria", "5.6.7.8", 10).is_ok(), "another address is not delayed");
        assert!(g.admit("sara", "1.2.3.4", 10).is_ok(), "another user from the address is not delayed");
        drop(g.admit("maria", "1.2.3.4", 1_004).expect("after the delay"));
        g.record("maria", "1.2.3.4", false, 1_004);
        assert_eq!(g.admit("maria", "1.2.3.4", 1_005).err(), Some(TooMany { retry_after_secs: 2 }), "growing");
        g.record("maria", "1.2.3.4", true, 3_005);
        assert!(g.admit("maria", "1.2.3.4", 3_006).is_ok());
    }

    #[test]
    fn an_address_spraying_usernames_is_delayed_too() {
        let g = LoginGuard::new(1);
        for i in 0..FREE_PER_ADDRESS {
            g.record(&format!("user{i}"), "9.9.9.9", false, 0);
        }
        assert_eq!(g.admit("new-name", "9.9.9.9", 1).err(), Some(TooMany { retry_after_secs: 1 }));
        assert!(g.admit("new-name", "9.9.9.8", 1).is_ok());
    }

    #[test]
    fn beyond_the_running_and_waiting_checks_attempts_are_refused_at_once() {
        let g = LoginGuard::new(2);
        let held: Vec<_> = (0..2 * (1 + WAITING_PER_PERMIT)).map(|i| g.admit(&format!("u{i}"), &format!("a{}", i / 2), 0).unwrap()).collect();
        assert_eq!(g.admit("one-more", "b", 0).err(), Some(TooMany { retry_after_secs: 1 }));
        drop(held);
        assert!(g.admit("one-more", "b", 0).is_ok());
    }

    #[test]
    fn one_address_holds_two_places_and_failing_addresses_leave_half_free() {
        let g = LoginGuard::new(2); // 8 places
        let first = [g.admit("u", "a", 0).unwrap(), g.admit("v", "a", 0).unwrap()];
        assert_eq!(g.admit("w", "a", 0).err(), Some(TooMany { retry_after_secs: 1 }), "a third from one address");
        drop(first);
        // Addresses that just failed take at most half of the places ...
        for address in ["f1", "f2", "f3"] {
            g.record("x", address, false, 0);
        }
        let failing: Vec<_> = ["f1", "f1", "f2", "f2"].iter().map(|a| g.admit("y", a, 1).unwrap()).collect();
        assert_eq!(g.admit("y", "f3", 1).err(), Some(TooMany { retry_after_secs: 1 }), "failing addresses hold half");
        // ... so an address without failures still gets in,
        let clean: Vec<_> = ["c1", "c1", "c2", "c2"].iter().map(|a| g.admit("admin", a, 1).unwrap()).collect();
        assert!(g.admit("admin", "c3", 1).is_err(), "all 8 places taken");
        drop((failing, clean));
        // and once a failure is old, the address counts as clean again.
        let later = RECORD_TTL_MS + 1;
        let again: Vec<_> = ["f1", "f1", "f2", "f2", "f3", "f3"].iter().map(|a| g.admit("y", a, later).unwrap()).collect();
        assert_eq!(again.len(), 6);
    }

    #[test]
    fn records_stay_bounded() {
        let g = LoginGuard::new(1);
        for i in 0..3 * MAX_RECORDS {
            g.record(&format!("u{i}"), &format!("addr{i}"), false, (i as i64) * 1_000);
        }
        assert!(g.failures.lock().unwrap().len() <= MAX_RECORDS + 2);
        let long = "é".repeat(1000);
        assert!(user_key("a", &long).len() < 140);
    }
}
