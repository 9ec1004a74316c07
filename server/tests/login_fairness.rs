//! Password-check places are shared fairly (second outside probe, F2):
//! 40 addresses sending wrong passwords as fast as they are answered took
//! every place before their per-address delays began, and 0 of 31 correct
//! logins got in during 12 s. A brand-new address cannot be told from a
//! user's, so the correct logins start once every flooding address has had
//! one wrong password checked (about a second here), as in the probe.

mod common;
use common::*;
use serde_json::json;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

const FLOODING_ADDRESSES: u8 = 40;
const CONNECTIONS_PER_ADDRESS: usize = 3;
const CORRECT_LOGINS: usize = 20;

fn client_from(s: &TestServer, address: [u8; 4]) -> Client {
    let http = reqwest::Client::builder().local_address(IpAddr::from(address)).build().unwrap();
    Client { base: s.url.clone(), http }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn correct_logins_get_in_while_forty_addresses_flood_wrong_ones() {
    let s = TestServer::start(test_settings()).await;
    let stop = Arc::new(AtomicBool::new(false));
    let failed_once = Arc::new(AtomicUsize::new(0));
    let mut flood = Vec::new();
    for a in 1..=FLOODING_ADDRESSES {
        let address_failed = Arc::new(AtomicBool::new(false));
        for t in 0..CONNECTIONS_PER_ADDRESS {
            let (c, stop, failed_once, address_failed) =
                (client_from(&s, [127, 0, 1, a]), stop.clone(), failed_once.clone(), address_failed.clone());
            flood.push(tokio::spawn(async move {
                let (mut checked, mut i) = (0u32, 0u32);
                while !stop.load(Relaxed) {
                    let body = json!({ "username": format!("flood-{a}-{t}-{i}"), "password": "guess" });
                    let status = c.post("/api/auth/login", body).await.status().as_u16();
                    assert!(status == 401 || status == 429, "flood answer {status}");
                    checked += u32::from(status == 401);
                    if status == 401 && !address_failed.swap(true, Relaxed) {
                        failed_once.fetch_add(1, Relaxed);
                    }
                    i += 1;
                }
                checked
            }));
        }
    }
    // Once the flood has taken hold, sign in correctly, once per attempt, no retries.
    let started = std::time::Instant::now();
    while failed_once.load(Relaxed) < usize::from(FLOODING_ADDRESSES) {
        assert!(started.elapsed() < Duration::from_secs(60), "the flood's first attempts were all checked");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("every flooding address failed once after {:?}", started.elapsed());
    let mut got_in = 0;
    for _ in 0..CORRECT_LOGINS {
        let admin = client_from(&s, [127, 0, 0, 1]);
        let status = admin.post("/api/auth/login", json!({ "username": "admin", "password": "pw-admin" })).await.status();
        got_in += usize::from(status == 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    stop.store(true, Relaxed);
    let mut checked = 0;
    for f in flood {
        checked += f.await.unwrap();
    }
    eprintln!("correct logins that got in during the flood: {got_in} of {CORRECT_LOGINS}; wrong ones checked: {checked}");
    assert!(checked > 0, "the flood reached the password checks");
    assert!(got_in * 10 >= CORRECT_LOGINS * 8, "{got_in} of {CORRECT_LOGINS} correct logins got in (at least 80 %)");
    s.stop().await;
}
