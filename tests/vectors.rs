//! Every case of the production server's evaluation vectors, natively.
//! The same file runs inside Chromium in `tests/browser_vectors.rs` and
//! against the built package in `tests/js/`.
#![cfg(not(target_arch = "wasm32"))]

use flaglive::{bucket, choose_variant, evaluate, Context, Flag, Reason, UserTarget};
use flaglive::hash::rollout_hash;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vectors {
    hashes: Vec<HashCase>,
    evaluations: Vec<EvalCase>,
    ab_tests: Vec<AbCase>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HashCase {
    user_id: String,
    flag_name: String,
    hash: i32,
    bucket: u8,
}

/// The server's storage model: all user targets of the flag.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EvalCase {
    flag: Option<serde_json::Value>,
    user_targets: Vec<StoredUserTarget>,
    role_targets: serde_json::Value,
    context: Context,
    expected: Expected,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredUserTarget {
    user_id: String,
    enabled: bool,
}

#[derive(Deserialize)]
struct Expected {
    enabled: bool,
    reason: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AbCase {
    test_name: String,
    variants: Vec<String>,
    enabled_flags: Vec<String>,
    default_variant: Option<String>,
    expected: String,
}

fn vectors() -> Vectors {
    serde_json::from_str(include_str!("data/evaluation-vectors.json")).expect("vectors parse")
}

/// What a snapshot fetched by the context's user would hold for this flag:
/// that user's own target (the first, as the server looks it up) and all
/// role targets.
fn snapshot_flag(case: &EvalCase) -> Option<Flag> {
    let mut json = case.flag.clone()?;
    json["roleTargets"] = case.role_targets.clone();
    let mut flag: Flag = serde_json::from_value(json).expect("vector flag parses");
    let uid = case.context.user_id.as_deref();
    flag.user_target = case
        .user_targets
        .iter()
        .find(|t| Some(t.user_id.as_str()) == uid)
        .map(|t| UserTarget { enabled: t.enabled });
    Some(flag)
}

#[test]
fn every_hash_vector() {
    let v = vectors();
    assert!(v.hashes.len() > 500);
    let mut min_hits = 0;
    for (i, c) in v.hashes.iter().enumerate() {
        assert_eq!(rollout_hash(&c.user_id, &c.flag_name), c.hash, "hash case {i}");
        assert_eq!(bucket(&c.user_id, &c.flag_name), c.bucket, "bucket case {i}");
        min_hits += usize::from(c.hash == i32::MIN);
    }
    assert!(min_hits > 0, "the vectors include h = -2^31");
}

#[test]
fn every_evaluation_vector() {
    let v = vectors();
    assert!(v.evaluations.len() > 500);
    for (i, c) in v.evaluations.iter().enumerate() {
        let flag = snapshot_flag(c);
        let got = evaluate(flag.as_ref(), &c.context);
        let want_reason = Reason::parse(&c.expected.reason).expect("known reason");
        assert_eq!(
            (got.enabled, got.reason),
            (c.expected.enabled, want_reason),
            "evaluation case {i}: flag {:?} context {:?}",
            c.flag,
            c.context
        );
    }
}

#[test]
fn every_ab_vector() {
    let v = vectors();
    assert!(v.ab_tests.len() > 100);
    for (i, c) in v.ab_tests.iter().enumerate() {
        let got = choose_variant(&c.test_name, &c.variants, c.default_variant.as_deref(), |n| {
            c.enabled_flags.iter().any(|f| f == n)
        });
        assert_eq!(got, Some(c.expected.as_str()), "ab case {i}");
    }
}
