//! Layered remote configuration (docs/protocol.md part E): resolution of the
//! layers by deep merge, and the leaf-by-leaf difference between two
//! resolved configurations.

use crate::json::{Map, Value};
use crate::json::write as w;
use crate::json::Json;
use crate::decode::{deserialize_via_value, Fields, Decode, DecodeError};
use serde::Serialize;

/// The layers a snapshot carries (`"config": {...}`); absent ones are `None`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ConfigLayers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defaults: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<Value>,
}

impl Decode for ConfigLayers {
    /// Any layer value is kept (a `null` layer is an absent one).
    fn decode(v: Json) -> Result<ConfigLayers, DecodeError> {
        let f = Fields::of(v)?;
        Ok(ConfigLayers {
            defaults: f.value("defaults"),
            environment: f.value("environment"),
            organization: f.value("organization"),
            customer: f.value("customer"),
        })
    }
}

deserialize_via_value!(ConfigLayers);

/// A layer's name on the wire (`config.changed` events, admin API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    Defaults,
    Environment,
    Organization,
    Customer,
}

impl Layer {
    pub const ALL: [Layer; 4] = [Layer::Defaults, Layer::Environment, Layer::Organization, Layer::Customer];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Defaults => "defaults",
            Layer::Environment => "environment",
            Layer::Organization => "organization",
            Layer::Customer => "customer",
        }
    }

    pub fn parse(s: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl ConfigLayers {
    pub fn get(&self, layer: Layer) -> Option<&Value> {
        match layer {
            Layer::Defaults => self.defaults.as_ref(),
            Layer::Environment => self.environment.as_ref(),
            Layer::Organization => self.organization.as_ref(),
            Layer::Customer => self.customer.as_ref(),
        }
    }

    /// Replaces one layer (`None` removes it), as a `config.changed` event does.
    pub fn set(&mut self, layer: Layer, value: Option<Value>) {
        let slot = match layer {
            Layer::Defaults => &mut self.defaults,
            Layer::Environment => &mut self.environment,
            Layer::Organization => &mut self.organization,
            Layer::Customer => &mut self.customer,
        };
        *slot = value;
    }
}

/// Where the resolved configuration came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    CustomerOverride,
    OrganizationOverride,
    Environment,
    Default,
}

impl ConfigSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigSource::CustomerOverride => "CUSTOMER_OVERRIDE",
            ConfigSource::OrganizationOverride => "ORGANIZATION_OVERRIDE",
            ConfigSource::Environment => "ENVIRONMENT",
            ConfigSource::Default => "DEFAULT",
        }
    }
}

/// Objects merge key by key, recursively; any other value in `over`
/// (scalar, array, null) replaces the base value.
pub fn deep_merge(base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            let mut merged: Map = b.clone();
            for (k, v) in o.iter() {
                let value = match merged.get(k) {
                    Some(existing) => deep_merge(existing, v),
                    None => v.clone(),
                };
                merged.insert(k.to_owned(), value);
            }
            Value::Object(merged)
        }
        _ => over.clone(),
    }
}

/// The layers [`resolve`] picks: the base (`environment`, else `defaults`),
/// the override merged over it (customer, else organization), and the
/// source that names the result. `None` when no layer exists at all.
#[inline(always)] // one caller in the browser build: fewer bytes inlined (measured)
fn pick(layers: &ConfigLayers) -> Option<(Option<&Value>, Option<&Value>, ConfigSource)> {
    let (base, base_source) = match (&layers.environment, &layers.defaults) {
        (Some(env), _) => (Some(env), ConfigSource::Environment),
        (None, Some(def)) => (Some(def), ConfigSource::Default),
        (None, None) => (None, ConfigSource::Default),
    };
    match (&layers.customer, &layers.organization) {
        (Some(c), _) => Some((base, Some(c), ConfigSource::CustomerOverride)),
        (None, Some(o)) => Some((base, Some(o), ConfigSource::OrganizationOverride)),
        (None, None) => base.map(|b| (Some(b), None, base_source)),
    }
}

/// [`resolve`]'s result as the JSON text `{"value":…,"source":"…"}`, or
/// `None`, written straight from the layers: the browser build keeps only
/// this text (to compare and to hand to JS), so it needs no merged copy of
/// the layers and no code to clone or compare values (about 1 KB of the
/// module).
pub fn resolved_json(layers: &ConfigLayers) -> Option<String> {
    let (base, over, source) = pick(layers)?;
    let mut out = String::from("{\"value\":");
    match (base, over) {
        (Some(b), Some(o)) => write_merged(&mut out, b, o),
        (_, Some(v)) | (Some(v), _) => w::value(&mut out, v),
        (None, None) => {} // not picked
    }
    out.push_str(",\"source\":");
    w::string(&mut out, source.as_str());
    out.push('}');
    Some(out)
}

/// Writes [`deep_merge`]`(base, over)` without building it: the keys of
/// `base` in its order (merged where `over` has them too), then the keys
/// only `over` has, in its order.
fn write_merged(out: &mut String, base: &Value, over: &Value) {
    let (Value::Object(b), Value::Object(o)) = (base, over) else { return w::value(out, over) };
    out.push('{');
    for (k, v) in b.iter() {
        w::key(out, k);
        match o.get(k) {
            Some(ov) => write_merged(out, v, ov),
            None => w::value(out, v),
        }
    }
    for (k, v) in o.iter() {
        if b.get(k).is_none() {
            w::key(out, k);
            w::value(out, v);
        }
    }
    out.push('}');
}

/// Resolves the layers: the base is `environment` if present, else
/// `defaults`; a customer override wins over an organization override (only
/// one of them is merged). `None` when no layer exists at all.
pub fn resolve(layers: &ConfigLayers) -> Option<(Value, ConfigSource)> {
    let (base, over, source) = pick(layers)?;
    let value = match (base, over) {
        (Some(b), Some(o)) => deep_merge(b, o),
        // Merged over nothing, an override is itself.
        (_, Some(v)) | (Some(v), _) => v.clone(),
        (None, None) => Value::Object(Map::new()), // not picked
    };
    Some((value, source))
}

/// One leaf whose value differs; `None` where the leaf does not exist.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigChange {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// The leaves (dotted paths) whose values differ between `old` and `new`, in
/// the order they appear (old's leaves first, then leaves only in new).
/// Non-empty objects are walked; everything else, `{}` included, is a leaf.
pub fn diff(old: &Value, new: &Value) -> Vec<ConfigChange> {
    let (mut old_leaves, mut new_leaves) = (Vec::new(), Vec::new());
    leaves(old, &mut Vec::new(), &mut old_leaves);
    leaves(new, &mut Vec::new(), &mut new_leaves);
    let mut changes = Vec::new();
    for (path, o) in &old_leaves {
        let n = new_leaves.iter().find(|(p, _)| p == path).map(|(_, v)| *v);
        if n != Some(*o) {
            changes.push(ConfigChange { path: path.join("."), old: Some((*o).clone()), new: n.cloned() });
        }
    }
    for (path, n) in &new_leaves {
        if !old_leaves.iter().any(|(p, _)| p == path) {
            changes.push(ConfigChange { path: path.join("."), old: None, new: Some((*n).clone()) });
        }
    }
    changes
}

/// Leaves with their paths as key lists: compared as lists, a key that holds
/// a dot (`"a.b"`) never meets the nested `a` → `b` (found by fuzzing);
/// only the reported path is dotted.
fn leaves<'v>(v: &'v Value, path: &mut Vec<&'v str>, out: &mut Vec<(Vec<&'v str>, &'v Value)>) {
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, child) in map.iter() {
                path.push(k);
                leaves(child, path, out);
                path.pop();
            }
        }
        _ => out.push((path.clone(), v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn layers(text: &str) -> ConfigLayers {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn merge_is_recursive_for_objects_and_replaces_everything_else() {
        let base = v(r#"{"a":{"x":1,"y":[1,2]},"b":"keep","c":{"d":1}}"#);
        let over = v(r#"{"a":{"y":[3],"z":null},"c":5}"#);
        assert_eq!(deep_merge(&base, &over), v(r#"{"a":{"x":1,"y":[3],"z":null},"b":"keep","c":5}"#));
    }

    #[test]
    fn resolution_order_and_sources() {
        let all = layers(r#"{"defaults":{"t":"d","k":0},"environment":{"t":"e"},"organization":{"t":"o"},"customer":{"k":9}}"#);
        // Environment replaces defaults entirely as the base; customer wins over organization.
        assert_eq!(resolve(&all), Some((v(r#"{"t":"e","k":9}"#), ConfigSource::CustomerOverride)));
        let org = layers(r#"{"defaults":{"t":"d"},"organization":{"o":1}}"#);
        assert_eq!(resolve(&org), Some((v(r#"{"t":"d","o":1}"#), ConfigSource::OrganizationOverride)));
        let env = layers(r#"{"defaults":{"t":"d"},"environment":{"t":"e"}}"#);
        assert_eq!(resolve(&env), Some((v(r#"{"t":"e"}"#), ConfigSource::Environment)));
        let def = layers(r#"{"defaults":{"t":"d"}}"#);
        assert_eq!(resolve(&def), Some((v(r#"{"t":"d"}"#), ConfigSource::Default)));
        assert_eq!(resolve(&ConfigLayers::default()), None);
    }

    /// What the browser is given is exactly [`resolve`]'s result, written
    /// by the general writer as the object `{value, source}`.
    fn resolve_as_text(layers: &ConfigLayers) -> Option<String> {
        resolve(layers).map(|(value, source)| {
            let object: Map = [("value".to_owned(), value), ("source".to_owned(), Value::from(source.as_str()))].into_iter().collect();
            let mut out = String::new();
            w::value(&mut out, &Value::Object(object));
            out
        })
    }

    #[test]
    fn resolved_json_is_resolve_written() {
        for text in [
            r#"{"defaults":{"t":"d","k":0},"environment":{"t":"e"},"organization":{"t":"o"},"customer":{"k":9}}"#,
            r#"{"defaults":{"a":{"b":1,"c":[1,2]},"z":null},"customer":{"a":{"c":{"x":1},"d":"new"},"e":true}}"#,
            r#"{"defaults":{"a":1},"organization":[1,{"b":2}]}"#,
            r#"{"customer":{"only":"override"}}"#,
            r#"{"organization":"a string"}"#,
            r#"{"environment":{"n":1.5e300,"s":"q\"\u0001"},"customer":{"n":-0}}"#,
            r#"{"defaults":7,"customer":{"a":1}}"#,
            r#"{}"#,
        ] {
            let l = layers(text);
            assert_eq!(resolved_json(&l), resolve_as_text(&l), "{text}");
        }
    }

    #[test]
    fn diff_reports_dotted_leaf_paths() {
        let old = v(r#"{"sessionPersistence":{"phase2":{"enhancedStorage":false,"ttl":5}},"gone":1,"arr":[1]}"#);
        let new = v(r#"{"sessionPersistence":{"phase2":{"enhancedStorage":true,"ttl":5}},"arr":[1,2],"added":{"x":"y"}}"#);
        let paths: Vec<_> = diff(&old, &new).into_iter().map(|c| (c.path, c.old, c.new)).collect();
        assert_eq!(
            paths,
            vec![
                ("sessionPersistence.phase2.enhancedStorage".into(), Some(Value::Bool(false)), Some(Value::Bool(true))),
                ("gone".into(), Some(Value::Number(1.0)), None),
                ("arr".into(), Some(v("[1]")), Some(v("[1,2]"))),
                ("added.x".into(), None, Some(Value::from("y"))),
            ]
        );
        assert!(diff(&old, &old).is_empty());
    }

    #[test]
    fn a_leaf_becoming_an_object_is_two_changes() {
        let changes = diff(&v(r#"{"a":1}"#), &v(r#"{"a":{"b":2}}"#));
        let paths: Vec<_> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["a", "a.b"]);
    }

    #[test]
    fn layer_names_round_trip() {
        for l in Layer::ALL {
            assert_eq!(Layer::parse(l.as_str()), Some(l));
        }
        assert_eq!(Layer::parse("global"), None);
    }
}
