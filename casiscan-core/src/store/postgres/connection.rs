//! Connections to the server: the pool, each connection's statement cache, error mapping.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, GenericClient, NoTls, Statement};

use crate::error::{Error, Result};

/// Connections each store keeps open.
const POOL_SIZE: usize = 4;

/// Statements a connection has prepared, by SQL text.
pub(super) type Prepared = HashMap<String, Statement>;

/// One pooled connection and the statements it has prepared (each is parsed once).
pub(super) struct Conn {
    /// The connection.
    pub client: Client,
    /// Its prepared statements.
    pub prepared: Prepared,
    /// A transaction begun by `transaction::begin_with` may still be open on it (its call was
    /// dropped).
    pub open: bool,
}

impl Conn {
    /// Rolls back what an abandoned call left open, so the connection starts clean.
    pub async fn settle(&mut self) {
        if self.open {
            // A failure here means a broken connection, which the next statement reports.
            if self.client.batch_execute("ROLLBACK").await.is_ok() {
                self.open = false;
            }
        }
    }
}

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// A fixed set of connections handed out in turn.
pub(super) struct Pool {
    clients: Vec<Arc<Mutex<Conn>>>,
    next: AtomicUsize,
}

impl Pool {
    /// Opens [`POOL_SIZE`] connections.
    pub async fn open(config: &Config, label: &str) -> Result<Self> {
        let mut clients = Vec::with_capacity(POOL_SIZE);
        for _ in 0..POOL_SIZE {
            clients.push(Arc::new(Mutex::new(Conn {
                client: connect(config, label).await?,
                prepared: Prepared::new(),
                open: false,
            })));
        }
        Ok(Pool {
            clients,
            next: AtomicUsize::new(0),
        })
    }

    /// The next connection, once free, with anything an abandoned call left open rolled back.
    pub async fn get(&self) -> OwnedMutexGuard<Conn> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len();
        let mut conn = Arc::clone(&self.clients[n]).lock_owned().await;
        conn.settle().await;
        conn
    }
}

/// `sql` prepared on the connection behind `c`, from `cache` after the first time.
pub(super) async fn prepare<C: GenericClient>(
    c: &C,
    cache: &mut Prepared,
    sql: &str,
) -> Result<Statement> {
    if let Some(found) = cache.get(sql) {
        return Ok(found.clone());
    }
    let statement = c
        .prepare(sql)
        .await
        .map_err(|e| pg("prepare a statement", e))?;
    cache.insert(sql.to_string(), statement.clone());
    Ok(statement)
}

/// A new connection whose driver task runs in the background.
pub(super) async fn connect(config: &Config, label: &str) -> Result<Client> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| Error::storage(format!("cannot connect to {label}: {e}"), e))?;
    tokio::spawn(async move {
        // The connection ends when the client is dropped; errors surface on the next query.
        let _ = connection.await;
    });
    Ok(client)
}

/// `postgres://host:port/db` without credentials, for messages.
pub(super) fn label_of(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map_or("?".to_string(), |h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        });
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{host}:{port}/{}",
        config.get_dbname().unwrap_or("")
    )
}

/// The storage error of a failed statement.
pub(super) fn pg(what: &str, e: tokio_postgres::Error) -> Error {
    Error::storage(format!("PostgreSQL: cannot {what}: {e}"), e)
}

/// True for a UNIQUE violation.
pub(super) fn is_unique(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}
