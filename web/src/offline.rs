//! The client off the browser (a server rendering Leptos, native tests):
//! the same reads over the snapshot text it is given, and no I/O.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::de::DeserializeOwned;

use crate::state::{Change, FlagState, FlagValue, Override};
use crate::options::Options;
use crate::status::Status;

/// See the browser client; here only a bootstrap's values, `Stale` (not
/// live), or `Loading` without one.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Exposure {
    pub kind: &'static str,
    pub name: String,
}

#[derive(Clone)]
pub struct FlagClient(Rc<RefCell<FlagState>>);

impl FlagClient {
    pub fn new(options: Options) -> FlagClient {
        let mut flags = FlagState::default();
        if let Some(text) = &options.bootstrap {
            let _ = flags.take_snapshot(text);
        }
        flags.changes();
        FlagClient(Rc::new(RefCell::new(flags)))
    }

    pub fn status(&self) -> Status {
        if self.is_loaded() { Status::Stale } else { Status::Loading }
    }

    pub fn last_error(&self) -> Option<String> {
        None
    }

    pub fn version(&self) -> Option<u64> {
        self.0.borrow().store().version()
    }

    pub fn reads(&self) -> crate::state::Reads {
        self.0.borrow().reads().clone()
    }

    pub fn is_loaded(&self) -> bool {
        self.0.borrow().is_loaded()
    }

    pub fn is_enabled(&self, name: &str) -> bool {
        self.detail(name).enabled
    }

    pub fn evaluate(&self, name: &str) -> FlagValue {
        self.detail(name)
    }

    pub fn detail(&self, name: &str) -> FlagValue {
        self.0.borrow().value(name)
    }

    pub fn all_flags(&self) -> BTreeMap<String, FlagValue> {
        self.0.borrow().values()
    }

    pub fn variant(&self, test: &str, variants: &[&str], default: Option<&str>) -> Option<String> {
        self.choose_variant(test, variants, default)
    }

    pub fn choose_variant(&self, test: &str, variants: &[&str], default: Option<&str>) -> Option<String> {
        self.0.borrow().variant(test, variants, default).map(str::to_owned)
    }

    pub fn config<T: DeserializeOwned>(&self, path: &str) -> Option<T> {
        self.0.borrow().config(path)
    }

    pub fn config_source(&self) -> Option<String> {
        self.0.borrow().config_source()
    }

    /// Nothing changes off the browser: the listener is never called.
    pub fn subscribe(&self, _listener: impl Fn(&Change, Option<Status>) + 'static) -> u64 {
        0
    }

    pub fn unsubscribe(&self, _id: u64) {}

    pub fn set_override(&self, name: &str, value: Option<Override>) {
        let mut flags = self.0.borrow_mut();
        let mut all = flags.overrides().clone();
        match value {
            Some(v) => all.insert(name.to_owned(), v),
            None => all.remove(name),
        };
        flags.set_overrides(all);
    }

    pub fn overrides(&self) -> BTreeMap<String, Override> {
        self.0.borrow().overrides().clone()
    }

    pub fn close(&self) {}
}
