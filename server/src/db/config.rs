//! Configuration layers (PROTOCOL.md part E). `defaults` and `environment`
//! are global (scope `""`); `organization` and `customer` layers are stored
//! per organization or customer id.

use flaglive::config::{ConfigLayers, Layer};
use flaglive::json::Value;
use rusqlite::{params, Connection, OptionalExtension};

fn decode(text: String) -> Value {
    // Only this module writes the column, always from a Value.
    serde_json::from_str(&text).unwrap_or_default()
}

pub fn get(conn: &Connection, layer: Layer, scope: &str) -> rusqlite::Result<Option<Value>> {
    conn.query_row(
        "SELECT value FROM config_layers WHERE layer = ?1 AND scope = ?2",
        [layer.as_str(), scope],
        |r| r.get::<_, String>(0),
    )
    .optional()
    .map(|v| v.map(decode))
}

/// Stores a layer (`None` deletes it); returns the previous value.
pub fn set(conn: &Connection, layer: Layer, scope: &str, value: Option<&Value>, now: &str) -> rusqlite::Result<Option<Value>> {
    let previous = get(conn, layer, scope)?;
    match value {
        Some(v) => {
            let text = serde_json::to_string(v).expect("a Value always serializes");
            conn.execute(
                "INSERT INTO config_layers (layer, scope, value, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (layer, scope) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![layer.as_str(), scope, text, now],
            )?;
        }
        None => {
            conn.execute("DELETE FROM config_layers WHERE layer = ?1 AND scope = ?2", [layer.as_str(), scope])?;
        }
    }
    Ok(previous)
}

/// The layers that apply to a user of this organization and customer.
pub fn layers_for(conn: &Connection, organization: Option<&str>, customer: Option<&str>) -> rusqlite::Result<ConfigLayers> {
    let scoped = |layer, scope: Option<&str>| match scope {
        Some(s) => get(conn, layer, s),
        None => Ok(None),
    };
    Ok(ConfigLayers {
        defaults: get(conn, Layer::Defaults, "")?,
        environment: get(conn, Layer::Environment, "")?,
        organization: scoped(Layer::Organization, organization)?,
        customer: scoped(Layer::Customer, customer)?,
    })
}

/// Every stored layer as (layer, scope, value), for the admin view.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<(String, String, Value)>> {
    let mut stmt = conn.prepare_cached("SELECT layer, scope, value FROM config_layers ORDER BY layer, scope")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, decode(r.get(2)?))))?;
    rows.collect()
}
