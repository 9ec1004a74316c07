//! The raw WebAssembly interface the npm package's JS host calls (no
//! wasm-bindgen: the host is hand-written, see `pkg-template/wasm.js`).
//!
//! One input buffer and one output buffer, both UTF-8 text: the host writes
//! the input with `TextEncoder.encodeInto` at [`fl_input`], calls [`fl_call`],
//! and reads the output at [`fl_output`]. Engines (one per `FlagClient`)
//! are numbered handles. Nothing here knows JSON or the rules: it only
//! routes text to [`crate::engine`].

use crate::engine::{self, Engine};
use core::cell::UnsafeCell;

#[cfg(feature = "js-host")]
#[global_allocator]
static ALLOCATOR: crate::wasm_alloc::SizeClasses = crate::wasm_alloc::SizeClasses::new();

/// Operations of [`fl_call`]; the host has the same numbers.
const SNAPSHOT: u32 = 1;
const MESSAGE: u32 = 2;
const BUCKET: u32 = 6;

struct Host {
    input: Vec<u8>,
    output: String,
    /// By handle; `None`: freed, reused by the next [`fl_new`].
    engines: Vec<Option<Engine>>,
}

/// The module's state. Not `thread_local!` (its lazy-init code was 2 KB of
/// the package): wasm32 here has one thread, and no export re-enters
/// another, so each export takes the one `&mut` for its duration.
struct Global(UnsafeCell<Host>);
// SAFETY: one thread (see above).
unsafe impl Sync for Global {}
static HOST: Global = Global(UnsafeCell::new(Host { input: Vec::new(), output: String::new(), engines: Vec::new() }));

fn host() -> &'static mut Host {
    // SAFETY: see `Global`; callers hold the reference only within one export.
    unsafe { &mut *HOST.0.get() }
}

/// A buffer of at least `len` bytes for the next call's input.
#[no_mangle]
pub extern "C" fn fl_input(len: usize) -> *mut u8 {
    let b = &mut host().input;
    b.clear();
    b.reserve(len);
    b.as_mut_ptr()
}

/// Where the last call's output starts (its length is what the call returned).
#[no_mangle]
pub extern "C" fn fl_output() -> *const u8 {
    host().output.as_ptr()
}

/// A new engine's handle.
#[no_mangle]
pub extern "C" fn fl_new() -> u32 {
    let all = &mut host().engines;
    let free = all.iter().position(Option::is_none).unwrap_or(all.len());
    if free == all.len() {
        all.push(None);
    }
    all[free] = Some(Engine::new());
    free as u32
}

#[no_mangle]
pub extern "C" fn fl_free(handle: u32) {
    if let Some(slot) = host().engines.get_mut(handle as usize) {
        *slot = None;
    }
}

/// Runs `op` on the `len` bytes of input (for `handle`'s engine where the
/// operation has one). Returns the output's length, or `-1 - length` when
/// the output is an error message; `-1` alone: the input was ignored.
#[no_mangle]
pub extern "C" fn fl_call(op: u32, handle: u32, len: usize) -> i32 {
    let h = host();
    // SAFETY: the host wrote `len` bytes into the buffer `fl_input`
    // reserved for at least that many.
    unsafe { h.input.set_len(len.min(h.input.capacity())) };
    // SAFETY: the host writes only what `TextEncoder.encodeInto` produced
    // from a JS string, which is always UTF-8 (lone surrogates become
    // U+FFFD); checking it again would cost a UTF-8 validator in the module.
    let text = unsafe { core::str::from_utf8_unchecked(&h.input) };
    h.output.clear();
    let engine = h.engines.get_mut(handle as usize).and_then(Option::as_mut);
    match run(op, engine, text, &mut h.output) {
        Ok(()) => h.output.len() as i32,
        Err(message) => {
            h.output.clear();
            h.output.push_str(&message);
            -1 - h.output.len() as i32
        }
    }
}

fn run(op: u32, engine: Option<&mut Engine>, text: &str, out: &mut String) -> Result<(), String> {
    match op {
        BUCKET => {
            let bucket = engine::bucket(text).map_err(str::to_owned)?;
            crate::json::write::integer(out, i64::from(bucket));
            Ok(())
        }
        _ => {
            let Some(e) = engine else { return Err("no such engine".to_owned()) };
            match op {
                SNAPSHOT => e.snapshot(text, out).map_err(|crate::SnapshotError::Malformed(why)| why),
                MESSAGE => {
                    if e.message(text, out) {
                        Ok(())
                    } else {
                        Err(String::new())
                    }
                }
                _ => Err("unknown operation".to_owned()),
            }
        }
    }
}
