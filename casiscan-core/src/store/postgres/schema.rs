//! PostgreSQL schema migrations, tracked in a version table.

/// Migrations in order; the version is the number applied so far.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE scans (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created_time TEXT NOT NULL,
    updated_time TEXT NOT NULL,
    display_name TEXT NOT NULL,
    target_mode TEXT NOT NULL,
    target TEXT NOT NULL,
    asset TEXT NOT NULL,
    provider TEXT NOT NULL,
    command TEXT NOT NULL,
    state TEXT NOT NULL,
    runner TEXT NOT NULL,
    error_text TEXT NOT NULL,
    raw_result TEXT NOT NULL,
    result TEXT NOT NULL,
    result_summary TEXT NOT NULL,
    started_time TEXT,
    finished_time TEXT,
    progress TEXT NOT NULL,
    lease_until TEXT,
    lease_token TEXT,
    attempt BIGINT NOT NULL,
    timeout_seconds BIGINT NOT NULL,
    PRIMARY KEY (owner, name)
);
CREATE INDEX scans_by_state ON scans (state, updated_time);
CREATE INDEX scans_by_owner_created ON scans (owner, created_time, name);
CREATE TABLE assets (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created_time TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
CREATE TABLE scan_runs (
    owner TEXT NOT NULL,
    scan TEXT NOT NULL,
    seq BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (owner, scan, seq)
);
CREATE TABLE runners (
    name TEXT PRIMARY KEY,
    seen_time TEXT NOT NULL,
    body TEXT NOT NULL
);
"#,
    r#"
CREATE INDEX scans_pending_queue ON scans
    (updated_time COLLATE "C", owner COLLATE "C", name COLLATE "C") WHERE state = 'Pending';
CREATE INDEX scans_running_leases ON scans (lease_until COLLATE "C") WHERE state = 'Running';
"#,
    r#"
CREATE TABLE primary_users (
    account TEXT PRIMARY KEY,
    user_name TEXT NOT NULL
);
CREATE TABLE api_keys (
    account TEXT PRIMARY KEY,
    access_key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
"#,
];

/// The statements that bring a database from `current` to the latest version.
pub fn pending(current: i64) -> impl Iterator<Item = &'static str> {
    MIGRATIONS
        .iter()
        .copied()
        .skip(usize::try_from(current).unwrap_or(0))
}
