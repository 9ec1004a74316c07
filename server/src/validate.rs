//! What the admin API accepts as names, ids and text: one place, for
//! flags, users and configuration alike.

use crate::error::ApiError;
use flaglive::Strategy;

/// Control characters, and the Unicode bidi controls (U+202A–202E,
/// U+2066–2069) that make a name read differently from what it is: neither
/// belongs in a name or an id an admin has to read.
fn is_hidden_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A name or id an admin types and reads: 1 to 200 characters, not blank,
/// no hidden controls.
fn is_readable_key(value: &str) -> bool {
    !value.trim().is_empty() && value.chars().count() <= 200 && !value.chars().any(is_hidden_control)
}

pub fn flag_name(name: &str) -> Result<(), ApiError> {
    if !is_readable_key(name) {
        return Err(ApiError::invalid("flagName must be 1 to 200 characters, not blank, without control characters"));
    }
    Ok(())
}

pub fn strategy(s: &Strategy) -> Result<(), ApiError> {
    let name = s.as_str();
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(ApiError::invalid("rolloutStrategy must be 1 to 64 characters"));
    }
    text("rolloutStrategy", Some(name))
}

/// Free text (description, metadata): anything but NUL, which PostgreSQL
/// (and so the production service) cannot store. Refused on SQLite too, so
/// that both backends accept the same flags.
pub fn text(what: &str, value: Option<&str>) -> Result<(), ApiError> {
    if value.is_some_and(|v| v.contains('\0')) {
        return Err(ApiError::invalid(format!("{what} must not contain NUL characters")));
    }
    Ok(())
}

/// Usernames, roles, ids, organization and customer ids.
pub fn key(what: &str, value: &str) -> Result<(), ApiError> {
    if !is_readable_key(value) {
        return Err(ApiError::invalid(format!("{what} must be 1 to 200 characters, not blank, without control characters")));
    }
    Ok(())
}
