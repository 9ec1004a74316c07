//! A one-shot browser timer, cancelled when dropped (wasm-bindgen defers
//! freeing a closure that is running, so a timer may drop itself).

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

pub struct Timer {
    id: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    pub fn new(ms: u32, action: impl FnOnce() + 'static) -> Timer {
        let mut action = Some(action);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(action) = action.take() {
                action();
            }
        });
        let id = web_sys::window()
            .and_then(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(callback.as_ref().unchecked_ref(), ms.min(i32::MAX as u32) as i32).ok())
            .unwrap_or(0);
        Timer { id, _callback: callback }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(self.id);
        }
    }
}

/// Monotonic milliseconds.
pub fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or_else(js_sys::Date::now, |p| p.now())
}
