//! The core's number conversions (feature `host-floats` of `flaglive`), by
//! JS's own: `parseFloat` and `String(n)`, correctly rounded and shortest
//! round-trip like Rust's, whose code would add about 10 KB to the app.
//! The core declares these two functions; the linker finds them here.

/// `parseFloat` of the UTF-8 text at `ptr` (a JSON number the core validated).
#[no_mangle]
pub extern "C" fn fl_parse_float(ptr: *const u8, len: usize) -> f64 {
    // SAFETY: the core passes a valid UTF-8 slice it owns for the call.
    let text = unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len)) };
    js_sys::parse_float(text)
}

/// Writes `String(n)` (ASCII, at most 25 bytes) at `to`; its length.
#[no_mangle]
pub extern "C" fn fl_format_float(n: f64, to: *mut u8) -> usize {
    let text: String = js_sys::Number::from(n).to_string_with_radix(10).map(String::from).unwrap_or_default();
    let len = text.len().min(32);
    // SAFETY: the core gives 32 writable bytes.
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), to, len) };
    len
}
