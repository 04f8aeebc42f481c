//! LISTEN/NOTIFY: queued scans are announced, and waiting runners wake at once.

use std::sync::Arc;

use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, Client, Config, GenericClient, NoTls, Statement};

use super::connection::pg;
use crate::error::{Error, Result};
use crate::model::RecordId;

/// Channel on which queued scans are announced.
const WORK_CHANNEL: &str = "casiscan_work";

/// The statement that announces a queued scan.
pub(super) const NOTIFY_WORK: &str = "SELECT pg_notify($1, $2)";

/// A connection that LISTENs for queued scans and wakes `work`'s waiters.
pub(super) async fn listen(config: &Config, label: &str, work: Arc<Notify>) -> Result<Client> {
    let (client, mut connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| Error::storage(format!("cannot connect to {label}: {e}"), e))?;
    tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    work.notify_one();
                    work.notify_waiters();
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {WORK_CHANNEL}"))
        .await
        .map_err(|e| pg("listen for queued scans", e))?;
    Ok(client)
}

/// Announces a queued scan; delivered at commit, so waiting runners wake at once.
pub(super) async fn notify_work<C: GenericClient>(c: &C, id: &RecordId) -> Result<()> {
    c.execute(NOTIFY_WORK, &[&WORK_CHANNEL, &id.to_string()])
        .await
        .map(|_| ())
        .map_err(|e| pg("announce a queued scan", e))
}

/// [`notify_work`] with [`NOTIFY_WORK`] prepared as `statement`, for pipelines (a statement
/// given as text would be prepared first and go out late).
pub(super) async fn notify_prepared(
    c: &Client,
    statement: &Statement,
    id: &RecordId,
) -> Result<()> {
    c.execute(statement, &[&WORK_CHANNEL, &id.to_string()])
        .await
        .map(|_| ())
        .map_err(|e| pg("announce a queued scan", e))
}
