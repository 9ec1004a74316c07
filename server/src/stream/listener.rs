//! PostgreSQL only: a thread that `LISTEN`s for the commits of every
//! instance sharing the database and has the relay publish them. Its own
//! module, so that the relay (which only needs the database and the hub)
//! does not depend on the whole [`Service`].

use crate::db::{postgres::CHANNEL, Db};
use crate::service::Service;
use postgres::fallible_iterator::FallibleIterator;
use std::sync::Arc;
use std::time::Duration;

/// How long the listener waits for a notification before checking the log
/// anyway (a lost notification with none after it shows up this way).
const POLL: Duration = Duration::from_secs(1);

/// Starts the thread that listens for other instances' commits, if the
/// database is shared (PostgreSQL). It ends after [`Service::stop`].
pub fn start(svc: &Arc<Service>) {
    if !svc.db().is_shared() {
        return;
    }
    let svc = svc.clone();
    std::thread::Builder::new()
        .name("flaglive-listen".into())
        .spawn(move || listen(&svc))
        .expect("a thread can be started");
}

fn listen(svc: &Service) {
    let Db::Postgres(pg) = svc.db() else { return };
    let stopped = || svc.is_stopped();
    let mut backoff = Duration::from_millis(100);
    let mut reported = false;
    while !stopped() {
        let mut client = match pg.connect().and_then(|mut c| {
            // Named, so that an operator (and the tests) can tell it apart.
            c.batch_execute(&format!("SET application_name = 'flaglive-server listen'; LISTEN {CHANNEL}"))?;
            Ok(c)
        }) {
            Ok(c) => c,
            Err(e) => {
                if !reported {
                    eprintln!("flaglive-server: cannot listen for other instances' changes (retrying): {e}");
                    reported = true;
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if reported {
            eprintln!("flaglive-server: listening for other instances' changes again");
            reported = false;
        }
        backoff = Duration::from_millis(100);
        // Whatever was committed while nobody listened comes from the log.
        let mut behind = true;
        while !stopped() {
            if behind {
                svc.catch_up();
            }
            let newest = {
                let mut notifications = client.notifications();
                let version = |n: postgres::Notification| n.payload().parse::<u64>().ok();
                let mut newest = match notifications.timeout_iter(POLL).next() {
                    Ok(n) => n.and_then(version),
                    Err(_) => break,
                };
                // Take everything already received in one go.
                let mut pending = notifications.iter();
                while let Ok(Some(n)) = pending.next() {
                    newest = newest.max(version(n));
                }
                newest
            };
            behind = match newest {
                Some(v) => v > svc.hub().version(),
                None => true, // a quiet second: check the log for a lost one
            };
            if client.is_closed() {
                break;
            }
        }
    }
}
