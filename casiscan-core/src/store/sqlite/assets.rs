//! Assets in SQLite, stored as JSON bodies.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::error::{is_unique_violation, sql};
use super::rows::row_id;
use crate::clock;
use crate::error::{Error, Result};
use crate::model::{Asset, RecordId};
use crate::store::sql::SQLITE;
use crate::store::{asset_missing, bad_json, skip_corrupt_row};

/// Inserts a new asset; `Conflict` if the id exists.
pub(super) fn add(conn: &Connection, id: &RecordId, asset: &Asset) -> Result<()> {
    let body = serde_json::to_string(asset).map_err(|e| bad_json("asset", e))?;
    let created = clock::to_text(&asset.created_time);
    match conn.execute(
        &SQLITE.insert_asset,
        params![id.owner, id.name, created, body],
    ) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            Err(Error::conflict(format!("asset {id} already exists")))
        }
        Err(e) => Err(sql(e)),
    }
}

/// The asset with this id; `NotFound` if absent.
pub(super) fn read(conn: &Connection, id: &RecordId) -> Result<Asset> {
    let body: String = conn
        .query_row(&SQLITE.select_asset, params![id.owner, id.name], |r| {
            r.get(0)
        })
        .optional()
        .map_err(sql)?
        .ok_or_else(|| asset_missing(id))?;
    serde_json::from_str(&body).map_err(|e| bad_json("asset", e))
}

/// The assets of `owner` among `names` (absent ones left out), one cached statement for all.
pub(super) fn read_named(conn: &Connection, owner: &str, names: &[String]) -> Result<Vec<Asset>> {
    let mut select = conn.prepare_cached(&SQLITE.select_asset).map_err(sql)?;
    let mut found = Vec::with_capacity(names.len());
    let names: std::collections::BTreeSet<&String> = names.iter().collect();
    for name in names {
        let body: Option<String> = select
            .query_row(params![owner, name], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        if let Some(body) = body {
            found.push(serde_json::from_str(&body).map_err(|e| bad_json("asset", e))?);
        }
    }
    Ok(found)
}

/// Replaces an asset with `make(previous)`; returns what was stored.
pub(super) fn update(
    conn: &mut Connection,
    id: &RecordId,
    make: impl FnOnce(&Asset) -> Asset,
) -> Result<Asset> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let next = make(&read(&tx, id)?);
    let body = serde_json::to_string(&next).map_err(|e| bad_json("asset", e))?;
    tx.execute(&SQLITE.update_asset, params![id.owner, id.name, body])
        .map_err(sql)?;
    tx.commit().map_err(sql)?;
    Ok(next)
}

/// Deletes an asset; `NotFound` if absent.
pub(super) fn delete(
    conn: &mut Connection,
    id: &RecordId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    let n = tx
        .execute(&SQLITE.delete_asset, params![id.owner, id.name])
        .map_err(sql)?;
    if n == 0 {
        return Err(asset_missing(id));
    }
    super::records::asset_deleted(&tx, &id.owner, &id.name, now)?;
    tx.commit().map_err(sql)
}

/// Assets of `owner` (every owner if `None`), newest first; bodies that do not decode are skipped.
pub(super) fn list(conn: &Connection, owner: Option<&str>) -> Result<Vec<Asset>> {
    let mut stmt = conn.prepare(&SQLITE.list_assets).map_err(sql)?;
    let mut rows = stmt.query([owner]).map_err(sql)?;
    let mut assets = Vec::new();
    while let Some(row) = rows.next().map_err(sql)? {
        let body = row
            .get::<_, String>(2)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_str(&b).map_err(|e| e.to_string()));
        match body {
            Ok(asset) => assets.push(asset),
            Err(e) => skip_corrupt_row("asset", &row_id(row), &e),
        }
    }
    Ok(assets)
}
