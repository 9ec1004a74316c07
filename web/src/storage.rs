//! The offline cache (localStorage) and the tab's overrides
//! (sessionStorage), in the JS client's keys and format, so a page that
//! runs both reads the other's: a cache entry is the last snapshot text,
//! or `m:` + the JSON array of the live messages since + a newline + that
//! text. A storage that throws (a sandboxed frame) or is full is memory only.

use std::collections::BTreeMap;

use crate::options::CACHE_USERS;
use crate::state::Override;

const PREFIX: &str = "flaglive:v1:";

fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn users_key(base: &str) -> String {
    format!("{PREFIX}{base}:users")
}

fn entry_key(base: &str, user: &str) -> String {
    format!("{PREFIX}{base}:user:{user}")
}

fn cached_users(store: &web_sys::Storage, base: &str) -> Vec<String> {
    let text = store.get_item(&users_key(base)).ok().flatten().unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_default()
}

/// The entry of `user`, else of the last user: `(snapshot, messages)`.
pub fn load(base: &str, user: Option<&str>) -> Option<(String, Vec<String>)> {
    let store = local()?;
    let user = user.map(str::to_owned).or_else(|| cached_users(&store, base).into_iter().next())?;
    let text = store.get_item(&entry_key(base, &user)).ok()??;
    let Some(rest) = text.strip_prefix("m:") else { return Some((text, Vec::new())) };
    let (messages, snapshot) = rest.split_once('\n')?;
    Some((snapshot.to_owned(), serde_json::from_str(messages).ok()?))
}

/// Stores `user`'s entry, keeping the newest CACHE_USERS users.
pub fn save(base: &str, user: &str, snapshot: &str, messages: &[String]) {
    let Some(store) = local() else { return };
    let mut users = cached_users(&store, base);
    users.retain(|u| u != user);
    users.insert(0, user.to_owned());
    for old in users.split_off(CACHE_USERS.min(users.len())) {
        let _ = store.remove_item(&entry_key(base, &old));
    }
    let text = if messages.is_empty() {
        snapshot.to_owned()
    } else {
        format!("m:{}\n{snapshot}", serde_json::to_string(messages).unwrap_or_else(|_| "[]".into()))
    };
    let _ = store.set_item(&users_key(base), &serde_json::to_string(&users).unwrap_or_default());
    let _ = store.set_item(&entry_key(base, user), &text);
}

fn overrides_key(base: &str, user: Option<&str>) -> String {
    format!("{PREFIX}overrides:{base}:{}", user.unwrap_or("null"))
}

pub fn load_overrides(base: &str, user: Option<&str>) -> BTreeMap<String, Override> {
    session()
        .and_then(|s| s.get_item(&overrides_key(base, user)).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

pub fn save_overrides(base: &str, user: Option<&str>, overrides: &BTreeMap<String, Override>) {
    let Some(s) = session() else { return };
    let key = overrides_key(base, user);
    let _ = if overrides.is_empty() { s.remove_item(&key) } else { s.set_item(&key, &serde_json::to_string(overrides).unwrap_or_default()) };
}
