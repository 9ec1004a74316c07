//! The schema, as the list of migrations both backends apply.

/// Schema migrations, applied in order and counted (SQLite: `PRAGMA
/// user_version`; PostgreSQL: the `flaglive_schema` table). Written in
/// SQLite's words; `postgres::postgres_ddl` translates. Append only.
pub const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (key, value) VALUES ('version', 0);
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        organization_id TEXT,
        customer_id TEXT
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE flags (
        id TEXT PRIMARY KEY,
        flag_name TEXT NOT NULL UNIQUE,
        description TEXT,
        enabled INTEGER NOT NULL,
        rollout_strategy TEXT NOT NULL,
        rollout_percentage INTEGER NOT NULL,
        metadata TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE user_targets (
        flag_id TEXT NOT NULL REFERENCES flags(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        PRIMARY KEY (flag_id, user_id)
    );
    CREATE INDEX user_targets_by_user ON user_targets (user_id);
    CREATE TABLE role_targets (
        flag_id TEXT NOT NULL REFERENCES flags(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        PRIMARY KEY (flag_id, role)
    );
    CREATE TABLE config_layers (
        layer TEXT NOT NULL,
        scope TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (layer, scope)
    );
    CREATE TABLE changes (
        version INTEGER PRIMARY KEY,
        audience TEXT NOT NULL,
        audience_id TEXT,
        message TEXT NOT NULL,
        compat TEXT
    );
"#, r#"
    ALTER TABLE sessions ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
    UPDATE sessions SET last_seen = expires_at - 2592000000;
"#, r#"
    CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL
    );
    CREATE TABLE audit (
        version INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor_kind TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        before_json TEXT,
        after_json TEXT
    );
"#];
