//! Configuration layers (docs/protocol.md part E). `defaults` and `environment`
//! are global (scope `""`); `organization` and `customer` layers are stored
//! per organization or customer id.

use super::sql::{Result, Sql};
use crate::params;
use flaglive::config::{ConfigLayers, Layer};
use flaglive::json::Value;

fn decode(text: String) -> Value {
    // Only this module writes the column, always from a Value.
    serde_json::from_str(&text).unwrap_or_default()
}

pub fn get(c: &mut dyn Sql, layer: Layer, scope: &str) -> Result<Option<Value>> {
    let row = c.row("SELECT value FROM config_layers WHERE layer = ?1 AND scope = ?2", params![layer.as_str(), scope])?;
    Ok(row.map(|r| r.text(0)).transpose()?.map(decode))
}

/// Stores a layer (`None` deletes it); returns the previous value.
pub fn set(c: &mut dyn Sql, layer: Layer, scope: &str, value: Option<&Value>, now: &str) -> Result<Option<Value>> {
    let previous = get(c, layer, scope)?;
    match value {
        Some(v) => {
            let text = serde_json::to_string(v).expect("a Value always serializes");
            c.exec(
                "INSERT INTO config_layers (layer, scope, value, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (layer, scope) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![layer.as_str(), scope, text.as_str(), now],
            )?;
        }
        None => {
            c.exec("DELETE FROM config_layers WHERE layer = ?1 AND scope = ?2", params![layer.as_str(), scope])?;
        }
    }
    Ok(previous)
}

/// The layers that apply to a user of this organization and customer.
pub fn layers_for(c: &mut dyn Sql, organization: Option<&str>, customer: Option<&str>) -> Result<ConfigLayers> {
    fn scoped(c: &mut dyn Sql, layer: Layer, scope: Option<&str>) -> Result<Option<Value>> {
        scope.map_or(Ok(None), |s| get(c, layer, s))
    }
    Ok(ConfigLayers {
        defaults: get(c, Layer::Defaults, "")?,
        environment: get(c, Layer::Environment, "")?,
        organization: scoped(c, Layer::Organization, organization)?,
        customer: scoped(c, Layer::Customer, customer)?,
    })
}

/// Every stored layer as (layer, scope, value), for the admin view.
pub fn list(c: &mut dyn Sql) -> Result<Vec<(String, String, Value)>> {
    let rows = c.rows("SELECT layer, scope, value FROM config_layers ORDER BY layer, scope", &[])?;
    rows.into_iter().map(|r| Ok((r.text(0)?, r.text(1)?, decode(r.text(2)?)))).collect()
}
