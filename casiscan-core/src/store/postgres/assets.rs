//! Assets in PostgreSQL, stored as JSON bodies.

use tokio_postgres::Client;

use super::connection::{Conn, is_unique, pg, prepare};
use super::rows::row_id;
use crate::clock;
use crate::error::{Error, Result};
use crate::model::{Asset, RecordId};
use crate::store::sql::POSTGRES;
use crate::store::{asset_missing, bad_json, skip_corrupt_row};

/// Inserts a new asset; `Conflict` if the id exists.
pub(super) async fn add(c: &Client, id: &RecordId, asset: &Asset) -> Result<()> {
    let body = serde_json::to_string(asset).map_err(|e| bad_json("asset", e))?;
    let created = clock::to_text(&asset.created_time);
    match c
        .execute(
            &POSTGRES.insert_asset,
            &[&id.owner, &id.name, &created, &body],
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_unique(&e) => Err(Error::conflict(format!("asset {id} already exists"))),
        Err(e) => Err(pg("add an asset", e)),
    }
}

/// The asset with this id; `NotFound` if absent.
pub(super) async fn read(c: &Client, id: &RecordId) -> Result<Asset> {
    let row = c
        .query_opt(&POSTGRES.select_asset, &[&id.owner, &id.name])
        .await
        .map_err(|e| pg("read an asset", e))?
        .ok_or_else(|| asset_missing(id))?;
    serde_json::from_str(row.get::<_, &str>(0)).map_err(|e| bad_json("read an asset", e))
}

/// Reads the assets of owner `$1` whose names are in the array `$2`.
const SELECT_NAMED: &str = "SELECT body FROM assets WHERE owner = $1 AND name = ANY($2)";

/// The assets of `owner` among `names` (absent ones left out), in one statement.
pub(super) async fn read_named(
    conn: &mut Conn,
    owner: &str,
    names: &[String],
) -> Result<Vec<Asset>> {
    let Conn {
        client, prepared, ..
    } = conn;
    let select = prepare(client, prepared, SELECT_NAMED).await?;
    let rows = client
        .query(&select, &[&owner, &names])
        .await
        .map_err(|e| pg("read assets", e))?;
    rows.iter()
        .map(|row| {
            serde_json::from_str(row.get::<_, &str>(0)).map_err(|e| bad_json("read assets", e))
        })
        .collect()
}

/// Replaces an asset's stored body with `next`; `NotFound` if it is gone.
pub(super) async fn update(c: &Client, id: &RecordId, next: &Asset) -> Result<()> {
    let body = serde_json::to_string(next).map_err(|e| bad_json("asset", e))?;
    let n = c
        .execute(&POSTGRES.update_asset, &[&id.owner, &id.name, &body])
        .await
        .map_err(|e| pg("update an asset", e))?;
    if n == 0 {
        return Err(asset_missing(id));
    }
    Ok(())
}

/// Deletes an asset; `NotFound` if absent.
pub(super) async fn delete(
    c: &mut Client,
    id: &RecordId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let tx = c
        .transaction()
        .await
        .map_err(|e| pg("delete an asset", e))?;
    let n = tx
        .execute(&POSTGRES.delete_asset, &[&id.owner, &id.name])
        .await
        .map_err(|e| pg("delete an asset", e))?;
    if n == 0 {
        return Err(asset_missing(id));
    }
    super::records::asset_deleted(&tx, &id.owner, &id.name, now).await?;
    tx.commit().await.map_err(|e| pg("delete an asset", e))
}

/// Assets of `owner` (every owner if `None`), newest first; bodies that do not decode are skipped.
pub(super) async fn list(c: &Client, owner: Option<&str>) -> Result<Vec<Asset>> {
    let rows = c
        .query(&POSTGRES.list_assets, &[&owner])
        .await
        .map_err(|e| pg("list assets", e))?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let body = row
                .try_get::<_, &str>(2)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_str(b).map_err(|e| e.to_string()));
            body.map_err(|e| skip_corrupt_row("asset", &row_id(row), &e))
                .ok()
        })
        .collect())
}
