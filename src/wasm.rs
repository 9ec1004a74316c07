//! The raw WebAssembly interface the npm package's JS host calls (no
//! wasm-bindgen: the host is hand-written, see `pkg-template/wasm.js`).
//!
//! One input buffer and one output buffer, both UTF-8 text: the host writes
//! the input with `TextEncoder.encodeInto` at [`fl_input`], calls [`fl_call`],
//! and reads the output at [`fl_output`]. Engines (one per `FlagClient`)
//! are numbered handles. Nothing here knows JSON or the rules: it only
//! routes text to [`crate::engine`].

use crate::engine::{self, Engine};
use std::cell::RefCell;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static OUTPUT: RefCell<String> = const { RefCell::new(String::new()) };
    static ENGINES: RefCell<Vec<Option<Engine>>> = const { RefCell::new(Vec::new()) };
}

/// Operations of [`fl_call`]; the host has the same numbers.
const SNAPSHOT: u32 = 1;
const MESSAGE: u32 = 2;
const CACHE_TEXT: u32 = 3;
const VARIANT: u32 = 4;
const EVALUATE: u32 = 5;
const BUCKET: u32 = 6;
const CHOOSE_VARIANT: u32 = 7;

/// A buffer of at least `len` bytes for the next call's input.
#[no_mangle]
pub extern "C" fn fl_input(len: usize) -> *mut u8 {
    INPUT.with(|b| {
        let mut b = b.borrow_mut();
        b.clear();
        b.reserve(len);
        b.as_mut_ptr()
    })
}

/// Where the last call's output starts (its length is what the call returned).
#[no_mangle]
pub extern "C" fn fl_output() -> *const u8 {
    OUTPUT.with(|o| o.borrow().as_ptr())
}

/// A new engine's handle.
#[no_mangle]
pub extern "C" fn fl_new() -> u32 {
    ENGINES.with(|all| {
        let mut all = all.borrow_mut();
        match all.iter().position(Option::is_none) {
            Some(free) => {
                all[free] = Some(Engine::new());
                free as u32
            }
            None => {
                all.push(Some(Engine::new()));
                all.len() as u32 - 1
            }
        }
    })
}

#[no_mangle]
pub extern "C" fn fl_free(handle: u32) {
    ENGINES.with(|all| {
        if let Some(slot) = all.borrow_mut().get_mut(handle as usize) {
            *slot = None;
        }
    });
}

/// Runs `op` on the `len` bytes of input (for `handle`'s engine where the
/// operation has one). Returns the output's length, or `-1 - length` when
/// the output is an error message; `-1` alone: the input was ignored.
#[no_mangle]
pub extern "C" fn fl_call(op: u32, handle: u32, len: usize) -> i32 {
    let input = INPUT.with(|b| {
        let mut b = b.borrow_mut();
        // SAFETY: the host wrote `len` bytes into the buffer `fl_input`
        // reserved for at least that many.
        let capacity = b.capacity();
        unsafe { b.set_len(len.min(capacity)) };
        std::mem::take(&mut *b)
    });
    // Text the host encoded from a JS string is UTF-8; anything else is junk.
    let text = core::str::from_utf8(&input).unwrap_or("");
    let result = OUTPUT.with(|o| {
        let mut out = o.borrow_mut();
        out.clear();
        let result = run(op, handle, text, &mut out);
        if let Err(message) = &result {
            out.clear();
            out.push_str(message);
        }
        result.map(|()| out.len() as i32).unwrap_or_else(|_| -1 - out.len() as i32)
    });
    INPUT.with(|b| *b.borrow_mut() = input);
    result
}

fn run(op: u32, handle: u32, text: &str, out: &mut String) -> Result<(), String> {
    match op {
        EVALUATE => {
            let code = engine::evaluate(text)?;
            crate::json_write::integer(out, i64::from(code));
            Ok(())
        }
        BUCKET => {
            let bucket = engine::bucket(text)?;
            crate::json_write::integer(out, i64::from(bucket));
            Ok(())
        }
        CHOOSE_VARIANT => engine::choose_variant(text, out).map_err(str::to_owned),
        _ => ENGINES.with(|all| {
            let mut all = all.borrow_mut();
            let Some(Some(e)) = all.get_mut(handle as usize) else { return Err("no such engine".to_owned()) };
            match op {
                SNAPSHOT => e.snapshot(text, out).map_err(|crate::SnapshotError::Malformed(why)| why),
                MESSAGE => {
                    if e.message(text, out) {
                        Ok(())
                    } else {
                        Err(String::new())
                    }
                }
                CACHE_TEXT => {
                    e.snapshot_text(out);
                    Ok(())
                }
                VARIANT => e.variant(text, out).map_err(str::to_owned),
                _ => Err("unknown operation".to_owned()),
            }
        }),
    }
}
