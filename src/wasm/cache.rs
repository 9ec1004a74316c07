//! The offline cache: the last good snapshot text per base URL and user in
//! localStorage, for a few users at most. Missing, throwing or full storage
//! degrades to memory only; a corrupt entry is dropped by the caller.

use super::browser::{storage_get, storage_remove, storage_set};
use js_sys::{Array, JSON};
use wasm_bindgen::{JsCast, JsValue};

const PREFIX: &str = "flaglive:v1:";
/// Users whose snapshots are kept per base URL.
const MAX_USERS: usize = 3;

fn key(base: &str, suffix: &str, user: &str) -> String {
    let mut k = String::with_capacity(PREFIX.len() + base.len() + suffix.len() + user.len());
    k.push_str(PREFIX);
    k.push_str(base);
    k.push_str(suffix);
    k.push_str(user);
    k
}

/// Cached user ids, most recent first.
fn users(base: &str) -> Vec<String> {
    storage_get(&key(base, ":users", ""))
        .and_then(|text| JSON::parse(&text).ok())
        .and_then(|v| v.dyn_into::<Array>().ok())
        .map(|a| a.iter().filter_map(|u| u.as_string()).collect())
        .unwrap_or_default()
}

fn save_users(base: &str, list: &[String]) -> bool {
    let array: Array = list.iter().map(|u| JsValue::from_str(u)).collect();
    match JSON::stringify(&array).ok().and_then(|s| s.as_string()) {
        Some(text) => storage_set(&key(base, ":users", ""), &text),
        None => false,
    }
}

/// The cached snapshot text of `user`, or of the most recent user.
pub fn load(base: &str, user: Option<&str>) -> Option<(String, String)> {
    let user = match user {
        Some(u) => u.to_owned(),
        None => users(base).into_iter().next()?,
    };
    let text = storage_get(&key(base, ":user:", &user))?;
    Some((user, text))
}

/// Stores `text` as `user`'s snapshot; evicts the least recent users beyond
/// the bound, and once more if storage is full. Returns false when the
/// entry could not be stored.
pub fn save(base: &str, user: &str, text: &str) -> bool {
    let mut list = users(base);
    list.retain(|u| u != user);
    list.insert(0, user.to_owned());
    while list.len() > MAX_USERS {
        if let Some(old) = list.pop() {
            storage_remove(&key(base, ":user:", &old));
        }
    }
    let mut stored = storage_set(&key(base, ":user:", user), text);
    if !stored && list.len() > 1 {
        // Over quota: make room by dropping the oldest other user, once.
        if let Some(old) = list.pop() {
            storage_remove(&key(base, ":user:", &old));
        }
        stored = storage_set(&key(base, ":user:", user), text);
    }
    if !stored {
        list.retain(|u| u != user);
    }
    save_users(base, &list);
    stored
}

/// Drops a user's entry (it was corrupt).
pub fn forget(base: &str, user: &str) {
    storage_remove(&key(base, ":user:", user));
    let mut list = users(base);
    list.retain(|u| u != user);
    save_users(base, &list);
}
