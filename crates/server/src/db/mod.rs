//! The server's database: sessions and the multipart uploads it issued, on SQLite (one
//! machine, the default) or Postgres (many replicas on one database).
//!
//! Both run the same numbered [`MIGRATIONS`]. Every rule that spans requests is a
//! constraint or a conditional update in the database, never a lock in this process, so
//! it holds across the app and `idance serve` sharing a file and across replicas alike.

pub mod accounts;
mod postgres;
mod sessions;
mod sql;
mod sqlite;
mod uploads;

pub use accounts::{Spend, UserRecord};
pub use sessions::{Completion, Deletion, Started};
pub use uploads::{UploadRecord, UploadState};

use sql::{Exec, Row, Value};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot open the database: {0}")]
    Open(#[from] idance_sqlite::Error),
    #[error("Postgres: {0}")]
    Postgres(#[from] sqlx::Error),
    #[error(
        "the database is at version {found}, newer than this program knows ({known}): update every instance"
    )]
    Newer { found: i64, known: usize },
    /// A stored value this program cannot read: never guessed into a real state.
    #[error(
        "the database holds a value this program cannot read ({0}): restore it from a backup or remove the row"
    )]
    Corrupt(String),
    #[error("database task failed: {0}")]
    Task(String),
}

/// Where the database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    Sqlite(PathBuf),
    /// `postgres://…`: replica mode.
    Postgres(String),
}

/// The schema, one entry per version, written in the SQL both databases speak
/// (`BIGINT`, `TEXT`, `DOUBLE PRECISION`, partial unique indexes).
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: sessions and multipart uploads
    "CREATE TABLE sessions (
        session_id   TEXT PRIMARY KEY,
        user_id      TEXT NOT NULL,
        status       TEXT NOT NULL,
        title        TEXT,
        client_ref   TEXT,
        started_at   TEXT NOT NULL,
        completed_at TEXT,
        completion   TEXT
     );
     CREATE UNIQUE INDEX sessions_client_ref ON sessions(user_id, client_ref) WHERE client_ref IS NOT NULL;
     CREATE TABLE multipart_uploads (
        upload_id  TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL,
        session_id TEXT NOT NULL REFERENCES sessions(session_id),
        file_key   TEXT NOT NULL,
        part_size  BIGINT NOT NULL,
        state      TEXT NOT NULL,
        size       BIGINT,
        created_at TEXT NOT NULL
     );",
    // 2: housekeeping. `touched_at` (Unix seconds) is the last create, sign or list of
    // an upload; rows from before it are NULL and get the reaper's grace from the first
    // sweep. `sweeps` holds one lease per housekeeping job.
    "ALTER TABLE multipart_uploads ADD COLUMN touched_at BIGINT;
     CREATE INDEX multipart_uploads_active ON multipart_uploads(state, touched_at);
     CREATE TABLE sweeps (
        name     TEXT PRIMARY KEY,
        holder   TEXT NOT NULL,
        until_at BIGINT NOT NULL
     );",
    // 3: accounts (accounts.md): users, sign-ins and their refresh tokens, failed sign-ins
    accounts::MIGRATION,
    // 4: the library (library.md): calories set by PATCH (else the completion's), the
    // video's size, deletion (the row stays: its id and client_ref are never reused),
    // and the keyset a user's library is listed by.
    sessions::MIGRATION,
];

#[derive(Clone)]
pub enum Db {
    Sqlite(sqlite::SqliteDb),
    Postgres(postgres::PgDb),
}

impl Db {
    /// Opens (creating and migrating) the database.
    pub async fn open(config: &DatabaseConfig) -> Result<Self, DbError> {
        Ok(match config {
            DatabaseConfig::Sqlite(path) => Self::Sqlite(sqlite::SqliteDb::open(path)?),
            DatabaseConfig::Postgres(url) => Self::Postgres(postgres::PgDb::connect(url).await?),
        })
    }

    /// Answers when the database does (readiness).
    pub async fn ping(&self) -> Result<(), DbError> {
        count("ping");
        let mut db = self;
        db.one("SELECT 1", vec![]).await.map(|_| ())
    }

    pub(crate) async fn begin(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Db::Sqlite(d) => Tx::Sqlite(d.begin().await?),
            Db::Postgres(d) => Tx::Postgres(d.begin().await?),
        })
    }
}

/// What a replica asks of the shared database, per operation (`idance_db_calls_total`).
fn count(op: &'static str) {
    crate::metrics::count("idance_db_calls_total", &[("op", op)]);
}

/// A transaction on either database; dropped without [`Tx::commit`], it is rolled back.
pub(crate) enum Tx {
    Sqlite(sqlite::SqliteTx),
    Postgres(postgres::PgTx),
}

impl Tx {
    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

impl Exec for &Db {
    async fn execute(&mut self, sql: &'static str, args: Vec<Value>) -> Result<u64, DbError> {
        match *self {
            Db::Sqlite(d) => (&mut &*d).execute(sql, args).await,
            Db::Postgres(d) => (&mut &*d).execute(sql, args).await,
        }
    }

    async fn rows(&mut self, sql: &'static str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
        match *self {
            Db::Sqlite(d) => (&mut &*d).rows(sql, args).await,
            Db::Postgres(d) => (&mut &*d).rows(sql, args).await,
        }
    }
}

impl Exec for Tx {
    async fn execute(&mut self, sql: &'static str, args: Vec<Value>) -> Result<u64, DbError> {
        match self {
            Tx::Sqlite(t) => t.execute(sql, args).await,
            Tx::Postgres(t) => t.execute(sql, args).await,
        }
    }

    async fn rows(&mut self, sql: &'static str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
        match self {
            Tx::Sqlite(t) => t.rows(sql, args).await,
            Tx::Postgres(t) => t.rows(sql, args).await,
        }
    }
}

#[cfg(test)]
mod model_check;
#[cfg(test)]
mod tests;
