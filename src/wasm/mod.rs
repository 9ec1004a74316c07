//! The browser binding: thin `wasm-bindgen` wrappers over the core. It owns
//! only the crossing between JS values and core types; the rules live in the
//! core.
//!
//! Error paths build messages by joining static strings, never with
//! `format!`: formatting machinery is the largest avoidable cost in the
//! `.wasm` (see `de`).

mod convert;
mod js_value;

// The live client, behind the `client` feature until it fits the size budget.
#[cfg(feature = "client")]
mod browser;
#[cfg(feature = "client")]
mod cache;
#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod source;
#[cfg(feature = "client")]
mod state;
#[cfg(feature = "client")]
mod sync;
#[cfg(feature = "client")]
pub use client::FlagClient;

use crate::rules::{self, Context};
use crate::{hash, variant};
use convert::{evaluation_to_js, optional_string_arg, read, string_arg, string_list_arg};
use wasm_bindgen::prelude::*;

/// `evaluate(flag, context) -> { enabled, reason }`.
///
/// `flag` is a flag in the snapshot shape of PROTOCOL.md part C (`null` or
/// `undefined` for a flag that does not exist); `context` is
/// `{ userId?, userRole? }` (may be omitted). Throws a `TypeError` naming
/// the problem when either has the wrong shape.
#[wasm_bindgen(js_name = evaluate)]
pub fn evaluate_js(flag: JsValue, context: JsValue) -> Result<JsValue, JsValue> {
    let flag = if flag.is_null() || flag.is_undefined() {
        None
    } else {
        Some(read(&flag, "flaglive.evaluate: invalid flag: ")?)
    };
    let ctx: Context = if context.is_null() || context.is_undefined() {
        Context::default()
    } else {
        read(&context, "flaglive.evaluate: invalid context: ")?
    };
    Ok(evaluation_to_js(rules::evaluate(flag.as_ref(), &ctx)))
}

/// `bucket(userId, flagName) -> number` in `0..=99`, the server's rollout
/// bucket. JS strings cross into Rust as UTF-8, so an unpaired surrogate
/// (which no UTF-8 server can store either) hashes as U+FFFD.
#[wasm_bindgen(js_name = bucket)]
pub fn bucket_js(user_id: JsValue, flag_name: JsValue) -> Result<u8, JsValue> {
    let user_id = string_arg(&user_id, "flaglive.bucket: userId must be a string")?;
    let flag_name = string_arg(&flag_name, "flaglive.bucket: flagName must be a string")?;
    Ok(hash::bucket(&user_id, &flag_name))
}

/// `chooseVariant(testName, variants, enabledFlagNames, defaultVariant?)`:
/// the first variant `v` whose flag `${testName}_${v}` is in
/// `enabledFlagNames`, else `defaultVariant`, else the first variant;
/// `undefined` when there is neither a variant nor a default.
#[wasm_bindgen(js_name = chooseVariant)]
pub fn choose_variant_js(
    test_name: JsValue,
    variants: JsValue,
    enabled_flag_names: JsValue,
    default_variant: JsValue,
) -> Result<Option<String>, JsValue> {
    let test_name = string_arg(&test_name, "flaglive.chooseVariant: testName must be a string")?;
    let variants = string_list_arg(
        &variants,
        "flaglive.chooseVariant: variants must be an array of strings",
    )?;
    let enabled = string_list_arg(
        &enabled_flag_names,
        "flaglive.chooseVariant: enabledFlagNames must be an array of strings",
    )?;
    let default_variant = optional_string_arg(
        &default_variant,
        "flaglive.chooseVariant: defaultVariant must be a string if given",
    )?;
    let chosen = variant::choose_variant(&test_name, &variants, default_variant.as_deref(), |n| {
        enabled.iter().any(|e| e == n)
    });
    Ok(chosen.map(str::to_owned))
}
