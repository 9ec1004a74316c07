//! What the admin API accepts as names, ids and text: one place, for
//! flags, users and configuration alike.

use crate::error::ApiError;
use flaglive::Strategy;

/// Characters an admin cannot see, or that make a name read differently
/// from what it is, so that `dark_mode\u{200B}` could sit beside
/// `dark_mode`: control characters; the bidi controls (U+202A–202E,
/// U+2066–2069) and marks (U+200E, U+200F, U+061C); zero-width spaces and
/// joiners (U+200B–200D), the word joiner and invisible operators
/// (U+2060–2064) and the byte order mark (U+FEFF).
fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'..='\u{2064}'
                | '\u{FEFF}'
        )
}

/// A name or id an admin types and reads: 1 to 200 characters, not blank,
/// no hidden controls.
fn is_readable_key(value: &str) -> bool {
    !value.trim().is_empty() && value.chars().count() <= 200 && !value.chars().any(is_hidden_control)
}

/// A flag's name: a key like any other.
pub fn flag_name(name: &str) -> Result<(), ApiError> {
    key("flagName", name)
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
        return Err(ApiError::invalid(format!("{what} must be 1 to 200 characters, not blank, without control or invisible characters")));
    }
    Ok(())
}

/// A `--cors-origin`: exactly what browsers send as `Origin`, scheme, host
/// and port (`https://app.example.com`, `http://localhost:5173`). Not `*`
/// (credentialed requests cannot use it) and not `null` (what sandboxed
/// frames and local files send: any page can be one, and would get the
/// user's flags with their cookie).
pub fn cors_origin(origin: &str) -> Result<(), String> {
    if origin == "*" {
        return Err("`*` cannot allow credentialed requests; list each origin".into());
    }
    if origin.eq_ignore_ascii_case("null") {
        return Err("`null` is what sandboxed frames and local files send; any page can send it".into());
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Err("expected scheme://host[:port], e.g. https://app.example.com".into());
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!("scheme `{scheme}`: expected http or https"));
    }
    // A host (name, IPv4, or [IPv6]) and maybe `:port`: no path, no user.
    let host_and_port = !rest.is_empty()
        && !rest.starts_with(':')
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    if !host_and_port {
        return Err("expected scheme://host[:port] with no path, e.g. https://app.example.com".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_invisible_or_reordering_characters_are_refused() {
        for hidden in ['\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{2060}', '\u{2064}', '\u{FEFF}', '\u{202E}', '\u{2066}', '\u{7}'] {
            let name = format!("dark_mode{hidden}");
            assert!(flag_name(&name).is_err(), "U+{:04X} accepted", hidden as u32);
            assert!(key("role", &format!("{hidden}admin")).is_err(), "U+{:04X} accepted in a key", hidden as u32);
        }
        for fine in ["dark_mode", "Привет_мир", "新しい機能", "naïve-café", "a b"] {
            assert!(flag_name(fine).is_ok(), "{fine} refused");
        }
    }

    #[test]
    fn cors_origins_are_origins() {
        for ok in ["https://app.example.com", "http://localhost:5173", "http://127.0.0.1:8080", "http://[::1]:3000"] {
            assert_eq!(cors_origin(ok), Ok(()), "{ok}");
        }
        for bad in ["*", "null", "NULL", "app.example.com", "https://app.example.com/", "https://app.example.com/path", "ftp://x", "https://", "https://a b"] {
            assert!(cors_origin(bad).is_err(), "{bad} accepted");
        }
    }
}
