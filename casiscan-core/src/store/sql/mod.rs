//! SQL shared by the SQLite and PostgreSQL stores: every statement written once, with a small
//! [`Dialect`] hook for what the two servers spell differently.

mod dialect;
mod list;
mod records;
mod rename;
pub(crate) mod schedules;
pub(crate) mod schema;
pub(crate) mod scope;
mod statements;
mod values;

pub(crate) use dialect::Dialect;
pub(crate) use list::list_sql;
#[cfg(feature = "postgres")]
pub(crate) use records::POSTGRES_RECORDS;
#[cfg(feature = "sqlite")]
pub(crate) use records::SQLITE_RECORDS;
#[cfg(feature = "postgres")]
pub(crate) use rename::POSTGRES_RENAME;
#[cfg(feature = "sqlite")]
pub(crate) use rename::SQLITE_RENAME;
#[cfg(feature = "postgres")]
pub(crate) use statements::POSTGRES;
#[cfg(feature = "sqlite")]
pub(crate) use statements::SQLITE;
pub(crate) use statements::Statements;
pub(crate) use values::{SCAN_COLUMN_COUNT, SCAN_COLUMNS, SqlValue, cas_values, scan_values};
